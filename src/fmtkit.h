/*
 * fmtkit.h - small helpers shared by the format modules: telling a
 * "Name: " speaker prefix from ordinary text, writing text with the file's
 * line ending, and keeping a segment's exact source text so an unchanged
 * segment is written back byte for byte.
 *
 * Nothing here cleans anything: the helpers only find where things are.
 */
#ifndef TS_FMTKIT_H
#define TS_FMTKIT_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"
#include "transcript.h"

/* Length of a "Name:" speaker prefix at the start of p[0..n) (the name, the
 * colon and the spaces after it), or 0.  A name is 1 to 4 words of at most
 * 40 bytes that start with a capital letter (or a diarization label such
 * as "spk_0"), followed by ':' and a space or the end of the text.
 * *name_len receives the length of the name itself. */
size_t ts_kit_name_prefix(const char *p, size_t n, size_t *name_len);

/* Writes p[0..n) replacing every '\n' with eol. */
void ts_kit_write_text(ts_out *o, const char *p, size_t n, const char *eol);

/* Copies d[s..e) without the CR of every CRLF and every lone CR turned
 * into '\n' into the arena; returns NULL on allocation failure.  When the
 * span has no CR the source bytes are returned as they are. */
const char *ts_kit_strip_cr(ts_arena *a, const char *d, size_t s, size_t e, uint32_t *len);

/* Sets the segment's text and provenance to d[s..e) (CRs removed). */
int ts_kit_set_text(ts_transcript *t, ts_segment *sg, size_t s, size_t e, unsigned line,
                    unsigned col);

/* Makes the first name_len bytes of the segment's text its speaker and
 * drops the whole "Name: " prefix (pl bytes) from the text, keeping its
 * provenance and raw head in step.  The prefix must lie on the first line. */
void ts_kit_take_speaker(ts_segment *sg, size_t name_len, size_t pl);

/* Counts how often each distinct prefix name occurs; used to accept a
 * "Name:" prefix only when the name recurs, prefixes are common, or the
 * file has one cue. */
typedef struct {
    struct ts_kit_name {
        const char *p;
        uint32_t n, count;
    } *v;
    size_t n, cap;
} ts_kit_names;

int ts_kit_names_add(ts_kit_names *s, const char *p, size_t n);
unsigned ts_kit_names_count(const ts_kit_names *s, const char *p, size_t n);
void ts_kit_names_release(ts_kit_names *s);
/* Prefixes are common: at least two of the n cues and half of them have
 * one, so a name that occurs once is a speaker too. */
int ts_kit_names_common(const ts_kit_names *s, size_t n);

/* Formats seconds as a decimal with up to 3 fraction digits, no trailing
 * zeros ("1.5", "12", "0.123"); returns the length. */
size_t ts_kit_format_seconds(double sec, char out[32]);

/* A plain decimal "12" or "12.345" (at most 15 digits) at p[0..n), parsed
 * exactly as strtod would round it: 0 and *out set, or -1 when the text is
 * anything else (the caller falls back to strtod for exponents, signs and
 * longer numbers).  Readers of numeric times use it because strtod is the
 * larger part of reading a short-line format. */
int ts_kit_plain_decimal(const char *p, size_t n, double *out);

#endif
