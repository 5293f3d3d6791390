/*
 * utf8.h - UTF-8 helpers shared by readers and passes.
 *
 * Validation is strict (no overlongs, no surrogates, nothing above
 * U+10FFFF) because every later stage relies on valid text.  Character
 * classes and case mapping come from utf8proc so that names like "Ærø" or
 * "Nürburgring" are letters like any other.
 */
#ifndef TS_UTF8_H
#define TS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length of the longest valid prefix of s[0..n); equals n when all is valid. */
size_t ts_utf8_valid_prefix(const char *s, size_t n);
/* Decodes one code point at s (n > 0 bytes available); stores its byte
 * length in *len (1 for an invalid byte, which decodes as -1). */
int32_t ts_utf8_decode(const char *s, size_t n, size_t *len);
/* Decodes the code point at u[k] of text that is known to be valid UTF-8
 * (a reader checked it), without validating again: hot loops over segment
 * text use it.  A sequence cut short by the end gives U+FFFD and length 1,
 * so that text breaking the promise cannot make it read past u[n - 1]. */
static inline int32_t ts_utf8_decode_valid(const unsigned char *u, size_t n, size_t k, size_t *len)
{
    unsigned char c = u[k];
    if (c < 0x80) { *len = 1; return c; }
    if (c < 0xE0 && k + 1 < n) { *len = 2; return ((c & 0x1F) << 6) | (u[k + 1] & 0x3F); }
    if (c >= 0xE0 && c < 0xF0 && k + 2 < n) {
        *len = 3;
        return ((c & 0x0F) << 12) | ((u[k + 1] & 0x3F) << 6) | (u[k + 2] & 0x3F);
    }
    if (c >= 0xF0 && k + 3 < n) {
        *len = 4;
        return ((c & 0x07) << 18) | ((u[k + 1] & 0x3F) << 12) | ((u[k + 2] & 0x3F) << 6) | (u[k + 3] & 0x3F);
    }
    *len = 1;
    return 0xFFFD;
}
/* Word-at-a-time scans load eight bytes with memcpy and mark bytes by
 * their top bit (0x80 in each byte of a mask).  These give the offset in
 * the word of the first marked byte (mask != 0) and of the byte holding
 * bit `bit`, whatever the byte order. */
static inline unsigned ts_word_first(uint64_t mask)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (unsigned)__builtin_clzll(mask) >> 3;
#else
    return (unsigned)__builtin_ctzll(mask) >> 3;
#endif
}
static inline unsigned ts_word_byte_of_bit(unsigned bit)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return 7 - (bit >> 3);
#else
    return bit >> 3;
#endif
}
/* Sixteen bytes at a time, through the compiler's generic vectors (SSE2
 * or NEON where there are such registers): a comparison gives 0xFF in
 * each byte where it holds. */
typedef uint8_t ts_v16 __attribute__((vector_size(16)));
static inline ts_v16 ts_v16_load(const void *p)
{
    ts_v16 v;
    memcpy(&v, p, 16);
    return v;
}
static inline bool ts_v16_any(ts_v16 v)
{
    uint64_t a, b;
    memcpy(&a, &v, 8);
    memcpy(&b, (const char *)&v + 8, 8);
    return (a | b) != 0;
}
/* Encodes cp into out (4 bytes); returns the length (0 if cp is invalid). */
size_t ts_utf8_encode(int32_t cp, char *out);
/* Number of code points in s[0..n). */
size_t ts_utf8_count(const char *s, size_t n);
/* Start of the code point that ends just before s + i. */
size_t ts_utf8_prev(const char *s, size_t i);

/* The character Windows-1252 gives byte b (0x80..0xFF); bytes it leaves
 * undefined give the C1 control of the same number, as Windows does. */
int32_t ts_cp1252_decode(unsigned char b);

bool ts_cp_is_letter(int32_t cp);
bool ts_cp_is_upper(int32_t cp);
bool ts_cp_is_lower(int32_t cp);
bool ts_cp_is_digit(int32_t cp);
bool ts_cp_is_alnum(int32_t cp);
int32_t ts_cp_toupper(int32_t cp);
int32_t ts_cp_tolower(int32_t cp);

#endif
