/*
 * utf8.c - strict UTF-8 decoding with an ASCII fast path, and thin wrappers
 * over utf8proc's character database.
 */
#include "utf8.h"

#include <string.h>
#include <utf8proc.h>

size_t ts_utf8_valid_prefix(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time: the overwhelmingly common case. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        uint32_t min;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
        else return i;
        if (n - i < len) return i;
        uint32_t cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return n;
}

int32_t ts_utf8_decode(const char *str, size_t n, size_t *len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s[0] < 0x80) { *len = 1; return s[0]; }
    size_t ok = ts_utf8_valid_prefix(str, n < 4 ? n : 4);
    size_t l = (s[0] >= 0xF0) ? 4 : (s[0] >= 0xE0) ? 3 : 2;
    if (ok < l) { *len = 1; return -1; }
    int32_t cp = s[0] & (0x7F >> l);
    for (size_t k = 1; k < l; k++) cp = (cp << 6) | (s[k] & 0x3F);
    *len = l;
    return cp;
}

size_t ts_utf8_encode(int32_t cp, char *out)
{
    utf8proc_ssize_t n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
    return n < 0 ? 0 : (size_t)n;
}

size_t ts_utf8_count(const char *s, size_t n)
{
    size_t count = 0, i = 0;
    /* Continuation bytes are 10xxxxxx; count the others eight at a time. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t cont = (w & ~(w << 1)) & 0x8080808080808080ull;
        /* One bit per byte: the multiply sums them into the top byte
         * (__builtin_popcountll is a libgcc call without -mpopcnt). */
        count += 8 - (size_t)(((cont >> 7) * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

size_t ts_utf8_prev(const char *s, size_t i)
{
    if (i == 0) return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    return i;
}

int32_t ts_cp1252_decode(unsigned char b)
{
    static const uint16_t c1[32] = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    };
    return (b >= 0x80 && b < 0xA0) ? c1[b - 0x80] : b;
}

static utf8proc_category_t cat(int32_t cp)
{
    return cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
}

bool ts_cp_is_letter(int32_t cp)
{
    if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    utf8proc_category_t c = cat(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool ts_cp_is_upper(int32_t cp)
{
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
    return cat(cp) == UTF8PROC_CATEGORY_LU || cat(cp) == UTF8PROC_CATEGORY_LT;
}

bool ts_cp_is_lower(int32_t cp)
{
    if (cp < 0x80) return cp >= 'a' && cp <= 'z';
    return cat(cp) == UTF8PROC_CATEGORY_LL;
}

bool ts_cp_is_digit(int32_t cp)
{
    if (cp < 0x80) return cp >= '0' && cp <= '9';
    return cat(cp) == UTF8PROC_CATEGORY_ND;
}

bool ts_cp_is_alnum(int32_t cp) { return ts_cp_is_letter(cp) || ts_cp_is_digit(cp); }

int32_t ts_cp_toupper(int32_t cp)
{
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    return cp < 0 ? cp : utf8proc_toupper(cp);
}

int32_t ts_cp_tolower(int32_t cp)
{
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return cp < 0 ? cp : utf8proc_tolower(cp);
}
