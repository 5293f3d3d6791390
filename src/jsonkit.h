/*
 * jsonkit.h - what every JSON reader needs before jansson sees the bytes:
 * a nesting-depth limit (checked by a linear scan, so no parser recursion
 * is ever deep), parsing with a located error, and finding where a key's
 * string value sits in the source so segments get a line and column.
 */
#ifndef TS_JSONKIT_H
#define TS_JSONKIT_H

#include <jansson.h>
#include <stddef.h>

#include "transcript.h"
#include "out.h"
#include "tscrub.h"

#define TS_JSON_MAX_DEPTH 64

/* Parses t->input; on error reports file:line:col and returns NULL with
 * *st set (TS_ERR_INPUT or TS_ERR_NOMEM).  The caller owns the result. */
json_t *ts_json_parse(ts_context *ctx, const ts_transcript *t, ts_status *st);

/* A search position plus the line and column of a byte already passed, so
 * locating one key after another costs one scan of the input in total. */
typedef struct {
    size_t pos;          /* where the next search starts */
    size_t at;           /* a byte whose position is known: */
    unsigned line, col;  /* its line and column (code points) */
} ts_json_cursor;

#define TS_JSON_CURSOR_INIT {0, 0, 1, 1}

/* Finds the next `"key"` (as an object key followed by ':' and a string)
 * at or after c->pos; stores the 1-based line and column of the string's
 * first character and moves the cursor past it.  Returns 0 when not found
 * (line and column are then left alone). */
int ts_json_find_key(const char *d, size_t len, ts_json_cursor *c, const char *key,
                     unsigned *line, unsigned *col);

/* A number, or a string holding seconds ("1.25") or a clock time
 * ("00:00:01,250"), as seconds; -1 when it is neither. */
double ts_json_seconds(const json_t *v);

/* The dump flags that reproduce the input's layout as closely as jansson
 * can: indentation as detected, ASCII escapes when the input had no raw
 * non-ASCII bytes. */
size_t ts_json_dump_flags(const char *d, size_t len);

#endif

/* ---- speech-to-text service JSON (AWS, Deepgram, AssemblyAI) ---------- */

/* A recognised word as a service reports it. */
typedef struct {
    double start, end;         /* seconds */
    const char *text;
    size_t len;
    const char *speaker;       /* label, may be NULL */
    size_t speaker_len;
    int punct;                 /* attaches to the previous word without a space */
    unsigned line, col;        /* where the word is in the source */
    double prob;               /* 0..1, negative when unknown */
} ts_json_word;

/* A number, or a string holding one ("0.97"), as a probability in 0..1;
 * -1 when it is neither. */
double ts_json_prob(const json_t *v);

/* Appends one segment per run of consecutive words with the same speaker
 * (texts joined by spaces, punctuation attached); strings are copied into
 * the transcript's arena.  The segments get the words' timing (ts_word),
 * punctuation counted in the word before it. */
ts_status ts_json_add_turns(ts_transcript *t, const ts_json_word *w, size_t n);

/* Appends one segment with the given text and speaker (copied). */
ts_status ts_json_add_segment(ts_transcript *t, double start, double end, const char *text,
                              size_t len, const char *speaker, size_t speaker_len, unsigned line,
                              unsigned col);

/* Gives segment s the words of `arr`, an array of objects with the word's
 * text under the first of text_keys it has, "start" and "end" (seconds,
 * or milliseconds when `ms`) and a "probability", "score" or "confidence";
 * src of each is its object.  Words the text does not have in order leave
 * the segment without words (see ts_segment_locate_words).  Returns a
 * ts_status. */
ts_status ts_json_set_words(ts_transcript *t, ts_segment *s, json_t *arr,
                            const char *const *text_keys, int ms);

/* Writer of the read-only service formats: an unchanged transcript is
 * the input, byte for byte; a changed one is a usage error naming the
 * formats that can be written. */
ts_status ts_json_write_unchanged(ts_context *ctx, const ts_transcript *t, ts_out *o,
                                  const char *format);

/* Offset of the first `needle` at or after `from` in d[0..len), or len. */
size_t ts_json_find_raw(const char *d, size_t len, size_t from, const char *needle);
