/*
 * mojibake.h - detecting and undoing UTF-8 that was decoded through a
 * single-byte code page ("donâ€™t" -> "don’t").
 *
 * The tables (code pages, character classes, improbable-neighbour
 * patterns) are parsed once per context from the data files in
 * rules/encoding/, which the build compiles in.  Text is handled as UTF-8
 * bytes, one line at a time: a repair re-encodes the characters through a
 * code page's reverse table straight into bytes and validates those.
 * Repairs build their text in a caller-owned work area whose buffers grow
 * to the longest line and are reused, so nothing allocates per line.
 */
#ifndef TS_MOJIBAKE_H
#define TS_MOJIBAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ts_mojibake ts_mojibake;
/* Scratch buffers for repairs (one per thread; release with
 * ts_mojibake_work_free). */
typedef struct ts_mojibake_work ts_mojibake_work;

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

/* NULL when memory runs out. */
ts_mojibake_work *ts_mojibake_work_new(void);
void ts_mojibake_work_free(ts_mojibake_work *w);

/* Does the valid UTF-8 text p[0..n) (one line) contain an improbable
 * neighbour (text that looks like mojibake)? */
bool ts_mojibake_is_bad(const ts_mojibake *m, const char *p, size_t n);

/* Repairs the valid UTF-8 text p[0..n) (one line) as far as it goes
 * (several layers).  Returns 1 and points *out at the repaired text
 * (*out_len bytes of valid UTF-8 in w, good until the next call with w)
 * when the text changed, 0 when it is left alone, -1 when memory ran out.
 * *first receives what the first step was and *layers the number of
 * steps; *done (may be NULL) whether the last step found nothing more to
 * do, so that repairing the result would leave it alone (false only when
 * the repair stopped at its limit of steps).  `known_bad`: the caller has
 * just found p bad with ts_mojibake_is_bad, so the first step need not
 * test it again. */
int ts_mojibake_fix(const ts_mojibake *m, ts_mojibake_work *w, const char *p, size_t n, const char **out,
                    size_t *out_len, int *first, int *layers, bool *done, bool known_bad);

/* The rule name part ("cp1252") and the display name ("Windows-1252") of
 * code page i; NULL past the end. */
const char *ts_mojibake_codepage_rule(const ts_mojibake *m, int i);
const char *ts_mojibake_codepage_name(const ts_mojibake *m, int i);
size_t ts_mojibake_codepage_count(const ts_mojibake *m);

#endif
