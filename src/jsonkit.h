/*
 * jsonkit.h - what the JSON formats share.  The readers (Whisper, AWS,
 * Deepgram, AssemblyAI) pull tokens (jsonpull.h) and keep the fields of one
 * object at a time (ts_json_val), so their word lists never become a tree.
 * The Whisper writer, which keeps every field it does not understand,
 * parses with jansson: a nesting-depth limit checked before jansson sees
 * the bytes (a linear scan, so no parser recursion is ever deep), parsing
 * with a located error, and dump flags that follow the input's layout.
 */
#ifndef TS_JSONKIT_H
#define TS_JSONKIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "jsonpull.h"
#include "transcript.h"
#include "out.h"
#include "tscrub.h"

#define TS_JSON_MAX_DEPTH TS_JP_MAX_DEPTH

/* Parses t->input; on error reports file:line:col and returns NULL with
 * *st set (TS_ERR_INPUT or TS_ERR_NOMEM).  The caller owns the result. */
json_t *ts_json_parse(ts_context *ctx, const ts_transcript *t, ts_status *st);

/* The dump flags that reproduce the input's layout as closely as jansson
 * can: indentation as detected, ASCII escapes when the input had no raw
 * non-ASCII bytes. */
size_t ts_json_dump_flags(const char *d, size_t len);

/* ---- speech-to-text service JSON (AWS, Deepgram, AssemblyAI) ---------- */

/* Is d[0..n) a JSON object, as far as its first byte after blanks says?
 * The services' sniffers look for their keys only then: a plain-text
 * transcript need not be searched for them. */
bool ts_json_sniff_object(const char *d, size_t n);

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

/* Appends one segment per run of consecutive words with the same speaker
 * (texts joined by spaces, punctuation attached); strings are copied into
 * the transcript's arena.  The segments get the words' timing (ts_word),
 * punctuation counted in the word before it. */
ts_status ts_json_add_turns(ts_transcript *t, const ts_json_word *w, size_t n);

/* Appends one segment with the given text and speaker (copied). */
ts_status ts_json_add_segment(ts_transcript *t, double start, double end, const char *text,
                              size_t len, const char *speaker, size_t speaker_len, unsigned line,
                              unsigned col);

/* Writer of the read-only service formats: an unchanged transcript is
 * the input, byte for byte; a changed one is a usage error naming the
 * formats that can be written. */
ts_status ts_json_write_unchanged(ts_context *ctx, const ts_transcript *t, ts_out *o,
                                  const char *format);

/* ---- pulled values --------------------------------------------------- */

/* The value of one field of the object being read, kept until the object
 * ends.  type is TS_JP_EOF (0) while the field has not been seen; a
 * container is skipped and only its type kept. */
typedef struct {
    ts_jp_token type;
    const char *s;       /* a string's text (input span or arena copy) */
    size_t n;
    double num;          /* a number */
    int is_int;          /* ... without fraction or exponent: ival is exact */
    int64_t ival;
    unsigned line, col;  /* a string's first character (only when asked for) */
} ts_json_val;

/* Pulls the value after a key into *v (strings decoded into the arena,
 * containers skipped); when `locate`, a string's line and column are
 * stored too.  0, -1 on a JSON error (in p) or TS_ERR_NOMEM. */
int ts_json_take(ts_jp *p, ts_arena *a, ts_json_val *v, int locate);

/* ts_json_seconds for a pulled value; and a number, or a string holding
 * one ("0.97"), as a probability in 0..1 (-1 when it is neither). */
double ts_json_val_seconds(const ts_json_val *v);
double ts_json_val_prob(const ts_json_val *v);

/* Reports the tokenizer's error (file:line:col, "invalid JSON: ..."),
 * or an allocation failure when it has none; returns the status. */
ts_status ts_json_pull_error(ts_context *ctx, const ts_transcript *t, const ts_jp *p);

/* Marks key number `bit` (< 32) of the object being read as seen: 0 the
 * first time, -1 when the object repeats it (report ts_json_duplicate). */
static inline int ts_json_once(unsigned *seen, int bit)
{
    if (*seen & (1u << bit)) return -1;
    *seen |= 1u << bit;
    return 0;
}

/* Reports a duplicate key of an object the reader interprets (the second
 * value would silently win otherwise); returns TS_ERR_INPUT. */
ts_status ts_json_duplicate(ts_context *ctx, const ts_transcript *t, ts_jp *p);

/* A field name, with its length for ts_jp_is. */
typedef struct {
    const char *name;
    size_t len;
} ts_json_key;
#define TS_JSON_KEY(lit) {lit, sizeof lit - 1}

/* Reads the fields named keys[0..n) (n <= 32) of the object whose '{' was
 * just pulled into *vals[0..n), each at most once, skipping the others;
 * bit i of `locate` keeps field i's string position (ts_json_take).
 * 0, 1 (a repeated field, reported) or -1 (the tokenizer's error, or no
 * memory). */
int ts_json_read_fields(ts_context *ctx, ts_transcript *t, ts_jp *p, const ts_json_key *keys,
                        ts_json_val *const *vals, size_t n, unsigned locate);

/* Reads the value of field i that ts_json_read_fields_to leaves to its
 * caller (vals[i] NULL: an array read element by element): the value's
 * first token is the next one.  0, 1 (an error reported) or -1. */
typedef int (*ts_json_field_fn)(void *ud, ts_jp *p, size_t i);

/* ts_json_read_fields, with the fields whose vals[i] is NULL read by
 * `nested` (still at most once each). */
int ts_json_read_fields_to(ts_context *ctx, ts_transcript *t, ts_jp *p, const ts_json_key *keys,
                           ts_json_val *const *vals, size_t n, unsigned locate,
                           ts_json_field_fn nested, void *ud);

/* A growable list of words (malloc'd; the texts are not owned). */
typedef struct {
    ts_json_word *v;
    size_t n, cap;
} ts_json_words;

/* A new zeroed word at the end, or NULL when out of memory. */
ts_json_word *ts_json_words_push(ts_json_words *w);
void ts_json_words_release(ts_json_words *w);

/* ts_json_set_words for pulled words: gives segment s the words w[0..n)
 * (start/end already in seconds, negative or end < start: untimed).
 * `listed` is how many elements the source's word array had: when it had
 * any, the segment gets a word list even if none of them could be used,
 * as ts_json_set_words does. */
ts_status ts_json_locate_words(ts_transcript *t, ts_segment *s, const ts_json_word *w, size_t n,
                               size_t listed);

/* The first error found in part of a document that may turn out not to
 * be used (items when audio segments follow, channel words when
 * utterances follow): kept and reported only if that part is used. */
typedef struct {
    int set, code;
    unsigned line, col;
    char msg[160];
} ts_json_later;

void ts_json_later_set(ts_json_later *e, unsigned line, unsigned col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
ts_status ts_json_later_emit(ts_context *ctx, const ts_transcript *t, const ts_json_later *e);

/* ---- utterances (Deepgram, AssemblyAI) ------------------------------- */

/* A document's "utterances": each becomes a segment with its words. */
typedef struct {
    size_t n;                 /* utterances read */
    ts_json_later err;        /* the first one without text, start or end */
    ts_json_words words;      /* one utterance's words (ts_json_words_release) */
    size_t listed;            /* elements of its word array */
} ts_json_utterances;

/* What differs between the services' utterances. */
typedef struct {
    const char *text_key;     /* the utterance's text field */
    const char *needs;        /* its fields, as the error names them */
    /* An utterance's start or end in seconds; negative when invalid. */
    double (*seconds)(const ts_json_val *v);
    /* Reads the word object whose '{' was just pulled into *x (zeroed),
     * and sets *keep when it is a word.  0, 1 (an error reported) or -1. */
    int (*word)(void *reader, ts_json_word *x, int *keep);
    /* The speaker label for the utterance's "speaker" value (NULL, 0:
     * none); -1 when out of memory. */
    int (*speaker)(void *reader, const ts_json_val *v, const char **s, size_t *n);
} ts_json_utterance_kind;

/* Reads the utterance whose first token was just pulled (anything but an
 * object is skipped) and appends its segment, unless u->err is set; an
 * utterance without text, start or end sets u->err.  0, 1 (an error
 * reported) or -1 (the tokenizer's error, or out of memory). */
int ts_json_read_utterance(ts_context *ctx, ts_transcript *t, ts_jp *p, ts_json_utterances *u,
                           const ts_json_utterance_kind *k, void *reader, size_t idx);

#endif
