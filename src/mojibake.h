/*
 * mojibake.h - detecting and undoing UTF-8 that was decoded through a
 * single-byte code page ("donâ€™t" -> "don’t").
 *
 * The tables (code pages, character classes, improbable-neighbour
 * patterns) are parsed once per context from the data files in
 * rules/encoding/, which the build compiles in.  Text is handled as arrays
 * of code points, one line at a time; nothing here allocates per call
 * except the output vectors, which the caller owns.
 */
#ifndef TS_MOJIBAKE_H
#define TS_MOJIBAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ts_mojibake ts_mojibake;

/* A growable array of code points (malloc'd; release with ts_cpvec_release). */
typedef struct {
    int32_t *v;
    size_t n, cap;
} ts_cpvec;

void ts_cpvec_release(ts_cpvec *c);
int ts_cpvec_push(ts_cpvec *c, int32_t cp);
/* Room for `extra` more code points. */
int ts_cpvec_reserve(ts_cpvec *c, size_t extra);
int ts_cpvec_append(ts_cpvec *c, const int32_t *v, size_t n);

/* What a repair did first: a code page index (see ts_mojibake_codepage_rule),
 * or one of these. */
enum {
    TS_MB_NONE = -1,
    TS_MB_INCONSISTENT = -2,  /* only some runs of the line were mojibake */
    TS_MB_C1 = -3,            /* C1 controls read as Windows-1252 */
};

/* Parses the compiled-in tables; NULL when memory runs out. */
ts_mojibake *ts_mojibake_new(void);
void ts_mojibake_free(ts_mojibake *m);

/* Does s[0..n) contain an improbable neighbour (text that looks like
 * mojibake)? */
bool ts_mojibake_is_bad(const ts_mojibake *m, const int32_t *s, size_t n);

/* The same test on UTF-8 text p[0..n) (one line), decoding only the
 * stretches around non-ASCII characters into *tmp (caller-owned scratch).
 * Returns 1 (bad), 0, or -1 when memory ran out. */
int ts_mojibake_is_bad_utf8(const ts_mojibake *m, const char *p, size_t n, ts_cpvec *tmp);

/* Repairs s[0..n) as far as it goes (several layers).  Returns 1 and fills
 * *out when the text changed, 0 when it is left alone, -1 when memory ran
 * out.  *first receives what the first step was and *layers the number of
 * steps.  `known_bad`: the caller has just found s bad (ts_mojibake_is_bad
 * or _is_bad_utf8 on the same line), so the first step need not test it. */
int ts_mojibake_fix(const ts_mojibake *m, const int32_t *s, size_t n, ts_cpvec *out, int *first,
                    int *layers, bool known_bad);

/* The rule name part ("cp1252") and the display name ("Windows-1252") of
 * code page i; NULL past the end. */
const char *ts_mojibake_codepage_rule(const ts_mojibake *m, int i);
const char *ts_mojibake_codepage_name(const ts_mojibake *m, int i);
size_t ts_mojibake_codepage_count(const ts_mojibake *m);

#endif
