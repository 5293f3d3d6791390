/*
 * tscrub.h - the public API of libtscrub, the only installed header.
 *
 * A ts_context holds the options (passes, frame rate, dictionaries, rule
 * packs) and the diagnostic sink; it is not shared between threads, but any
 * number of contexts may be used on separate threads at once.  A reader turns
 * bytes into a ts_transcript; ts_fix runs the enabled passes over it and
 * returns a ts_run, the log of every applied edit plus the findings no rule
 * could fix; a writer turns the transcript back into bytes.  `fix`, `lint`
 * and `diff` are three views of that one run.  The library never prints and
 * never exits: everything it has to say goes to the sink.
 */
#ifndef TSCRUB_H
#define TSCRUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_VERSION "0.1.0"

typedef struct ts_context ts_context;
typedef struct ts_transcript ts_transcript;
typedef struct ts_run ts_run;

typedef enum {
    TS_OK = 0,
    TS_ERR_USAGE,  /* a bad option or argument */
    TS_ERR_INPUT,  /* the input is malformed; details went to the sink */
    TS_ERR_IO,     /* a read or write failed */
    TS_ERR_NOMEM
} ts_status;

typedef enum { TS_SEV_INFO = 0, TS_SEV_WARNING, TS_SEV_ERROR } ts_severity;

/* A diagnostic as the sink receives it.  Strings are valid for the duration
 * of the callback only.  line and col are 1-based; 0 means unknown.  col
 * counts code points. */
typedef struct {
    const char *file;
    unsigned line, col;
    ts_severity severity;
    const char *rule;    /* "pass/rule" for findings, "input/..." for input errors */
    const char *message;
} ts_diagnostic;

typedef void (*ts_diag_fn)(void *ud, const ts_diagnostic *d);

/* Output callback: returns 0 on success, non-zero on a write error. */
typedef int (*ts_write_fn)(void *ud, const char *data, size_t len);

/* ---- context ---------------------------------------------------------- */

ts_context *ts_context_new(void);
void ts_context_free(ts_context *ctx);
void ts_context_set_sink(ts_context *ctx, ts_diag_fn fn, void *ud);
/* Frame rate for HH:MM:SS:FF timecodes (default 30). */
ts_status ts_context_set_fps(ts_context *ctx, unsigned fps);
/* `text` format: one segment per paragraph instead of per line. */
void ts_context_set_paragraphs(ts_context *ctx, bool on);
/* Pass selection from comma-separated pass names; NULL leaves the default.
 * An unknown name is TS_ERR_USAGE (reported to the sink). */
ts_status ts_context_select_passes(ts_context *ctx, const char *only, const char *skip);
/* Extra term lists and rule packs; the paths are copied. */
ts_status ts_context_add_dict(ts_context *ctx, const char *path);
ts_status ts_context_add_rules(ts_context *ctx, const char *path);
/* A pass option ("sound-tags" = "bracket"); key and value are copied.
 * Passes read their own keys; see `tscrub passes` for what each takes. */
ts_status ts_context_set_option(ts_context *ctx, const char *key, const char *value);
const char *ts_context_option(const ts_context *ctx, const char *key);
/* Directory holding hunspell's <lang>.aff/.dic (default /usr/share/hunspell). */
ts_status ts_context_set_hunspell_dir(ts_context *ctx, const char *dir);

/* ---- transcripts ------------------------------------------------------ */

/* Reads `len` bytes named `name` (used in diagnostics).  format is a format
 * name or NULL to detect it from the content and the name's extension.  The
 * transcript copies what it needs: data may be freed afterwards. */
ts_status ts_read(ts_context *ctx, const char *name, const char *data, size_t len,
                  const char *format, ts_transcript **out);
/* Like ts_read, but takes ownership of `data` (malloc'd), even on failure. */
ts_status ts_read_owned(ts_context *ctx, const char *name, char *data, size_t len,
                        const char *format, ts_transcript **out);
/* Reads the file at `path` (named by its path in diagnostics). */
ts_status ts_read_file(ts_context *ctx, const char *path, const char *format,
                       ts_transcript **out);
void ts_transcript_free(ts_transcript *t);
const char *ts_transcript_format(const ts_transcript *t);
size_t ts_transcript_segment_count(const ts_transcript *t);

/* A read-only view of one segment; pointers live as long as the transcript
 * is not modified.  Text is UTF-8 and not NUL-terminated. */
typedef struct {
    double start, end;          /* seconds; negative when the format has no timing */
    const char *speaker; size_t speaker_len;
    const char *text; size_t text_len;
    unsigned line;              /* source line of the segment */
} ts_segment_view;
bool ts_transcript_segment(const ts_transcript *t, size_t i, ts_segment_view *out);

/* The recognised words of segment i with their times, when the format
 * times words (Whisper, WhisperX, AWS, Deepgram, AssemblyAI): word k is
 * text[at, at + len) of the segment's text; fixes keep them true (a moved
 * word takes its times along).  0 words: none known. */
typedef struct {
    double start, end;          /* seconds; negative when the source gave none */
    size_t at, len;             /* bytes of the segment's text */
    double probability;         /* 0..1; negative when unknown */
} ts_word_view;
size_t ts_transcript_word_count(const ts_transcript *t, size_t i);
bool ts_transcript_word(const ts_transcript *t, size_t i, size_t k, ts_word_view *out);

/* Writes the transcript in `format` (NULL: the format it was read in). */
ts_status ts_write(ts_context *ctx, const ts_transcript *t, const char *format,
                   ts_write_fn write, void *ud);

/* ---- running passes --------------------------------------------------- */

/* Runs the enabled passes in canonical order, applying their edits to t.
 * *out receives the log (free with ts_run_free). */
ts_status ts_fix(ts_context *ctx, ts_transcript *t, ts_run **out);

/* How much of each run ts_fix keeps.  TS_RUN_EDITS (the default) logs every
 * applied edit and finding with its position and text, for callers that
 * show them (lint, review).  TS_RUN_TALLY keeps only how many edits each
 * rule applied and reported (ts_run_count is then 0), for callers that
 * write the result and print a summary: a transcript with millions of
 * repairs costs more to log than to repair. */
typedef enum { TS_RUN_EDITS, TS_RUN_TALLY } ts_run_detail;
void ts_context_set_run_detail(ts_context *ctx, ts_run_detail detail);

/* One logged edit or finding.  Its strings belong to the run: they stay
 * valid until ts_run_free, whatever happens to the transcript. */
typedef struct {
    const char *rule;          /* "pass/rule" */
    const char *message;
    ts_severity severity;
    float confidence;          /* 0..1 */
    bool applied;              /* false: a finding that fix does not change */
    unsigned line, col;        /* source position (1-based, col in code points) */
    size_t segment;            /* index of the segment at the time of the edit */
    double start;              /* that segment's start in seconds (negative: no timing) */
    const char *before; size_t before_len; /* text replaced (or NULL) */
    const char *after; size_t after_len;   /* replacement (or NULL) */
    const char *description;   /* the rule's description */
} ts_edit_info;

size_t ts_run_count(const ts_run *run);
bool ts_run_get(const ts_run *run, size_t i, ts_edit_info *out);

/* What one rule did in a run, whatever its detail: rules in the order
 * they first logged something. */
typedef struct {
    const char *rule;          /* "pass/rule" */
    size_t applied;            /* edits applied */
    size_t reported;           /* findings */
} ts_rule_tally;
size_t ts_run_tally_count(const ts_run *run);
bool ts_run_tally_get(const ts_run *run, size_t i, ts_rule_tally *out);

void ts_run_free(ts_run *run);

/* ---- introspection ---------------------------------------------------- */

typedef struct {
    const char *id;            /* "pass/rule" */
    const char *description;
    ts_severity severity;
} ts_rule_info;

typedef struct {
    const char *name;
    const char *description;
    bool default_on;
    const ts_rule_info *rules;
    size_t n_rules;
} ts_pass_info;

size_t ts_pass_count(void);
const ts_pass_info *ts_pass_at(size_t i);

typedef struct {
    const char *name;
    const char *description;
    const char *extensions;    /* space-separated, without dots */
    const char *detection;     /* how the format is recognised */
} ts_format_info;

size_t ts_format_count(void);
/* Whether `ext` (without the dot) is one of the format's extensions. */
bool ts_format_has_extension(const ts_format_info *f, const char *ext);
const ts_format_info *ts_format_at(size_t i);

/* ---- rule packs ------------------------------------------------------- */

/* Loads a rule pack (a bundled pack's name, or a file path) and runs every
 * example of every rule.  Load errors and failing examples go to the sink
 * as located errors (file:line:col); *passed and *failed count the
 * examples.  TS_ERR_INPUT when the pack does not load or an example fails. */
ts_status ts_rules_test(ts_context *ctx, const char *pack, size_t *passed, size_t *failed);
/* Loads a rule pack and calls fn for each of its rules, in file order;
 * `fix` is "auto", "suggest" or "none". */
typedef void (*ts_rule_list_fn)(void *ud, const ts_rule_info *rule, const char *fix);
ts_status ts_rules_list(ts_context *ctx, const char *pack, ts_rule_list_fn fn, void *ud);
/* The rule packs compiled into the library ("core", ...). */
size_t ts_rules_bundled_count(void);
const char *ts_rules_bundled_name(size_t i);

const char *ts_severity_name(ts_severity s);
const char *ts_status_message(ts_status s);

#ifdef __cplusplus
}
#endif
#endif
