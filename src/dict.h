/*
 * dict.h - term lists: loading `.terms` files and exporting them.
 *
 * A term list is what an editor knows about a show: its names and jargon
 * in their canonical spelling, optionally with known mis-hearings, a
 * context guard for terms that are also common words (Go, Rust), phrases
 * where they never change, and flags.  The format is documented in
 * dictionaries/README.md; in short, one term per line:
 *
 *     Cosmo Router
 *     ChatGPT ; heard: chat gbt
 *     Go ; within: 4 ; guard: golang, rust, in go ; except: let's go, go to
 *     Cursor ; suggest
 *
 * A set holds every list a context loaded (its `--dict` files ending in
 * .terms or without a .dic extension); `.dic` files are hunspell word
 * additions, kept as plain words for the speller.  The set is loaded once
 * per context (ts_context_terms) and shared by the dictionary and spelling
 * passes.  Memory: everything lives in the set's arena.
 */
#ifndef TS_DICT_H
#define TS_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "tscrub.h"

enum {
    TS_TERM_SUGGEST = 1u << 0, /* never fixed, only suggested */
    TS_TERM_PLURAL = 1u << 1,  /* "Xs" is a plural (Macs), not a possessive */
    TS_TERM_EXACT = 1u << 2,   /* no sounds-like matching */
};

typedef struct {
    const char *text;          /* canonical spelling, NUL-terminated */
    const char **heard;        /* known mis-hearings as written in the file */
    const char **guard;        /* context words, folded to lower-case ASCII */
    const char **except;       /* phrases, folded words separated by one space */
    uint32_t n_heard, n_guard, n_except;
    uint32_t flags;
    unsigned within;           /* guard radius in words (0: the default, 40) */
    const char *file;
    unsigned line;
} ts_term;

typedef struct ts_termset {
    ts_arena arena;
    ts_term *terms;            /* malloc'd */
    size_t n, cap;
    const char **words;        /* hunspell additions from .dic files */
    size_t n_words, cap_words;
} ts_termset;

void ts_termset_init(ts_termset *set);
void ts_termset_release(ts_termset *set);
/* Loads one file (a term list, or a hunspell .dic word list).  A bad line
 * is reported to the sink as file:line:col and gives TS_ERR_INPUT; a file
 * that cannot be read gives TS_ERR_IO. */
ts_status ts_termset_load(ts_termset *set, ts_context *ctx, const char *path);
/* Parses a term list from memory (for tests); `name` is used in messages. */
ts_status ts_termset_parse(ts_termset *set, ts_context *ctx, const char *name, const char *data,
                           size_t len);

/* The context's term set, loaded from its --dict files on first use; NULL
 * after a load error (reported once) or when memory ran out.  *st receives
 * the status. */
const ts_termset *ts_context_terms(ts_context *ctx, ts_status *st);
void ts_termset_free(ts_termset *set);

typedef enum { TS_EXPORT_AWS, TS_EXPORT_DEEPGRAM, TS_EXPORT_WHISPER } ts_export_kind;

/* Writes the set for a recogniser: an AWS Transcribe custom vocabulary
 * table, a Deepgram keyterm list (one per line) or a Whisper prompt (one
 * line, cut to fit Whisper's 224-token prompt window).  *left_out receives
 * the number of terms that did not fit (Whisper) or cannot be expressed
 * (AWS). */
int ts_termset_export(const ts_termset *set, ts_export_kind kind, ts_write_fn write, void *ud,
                      size_t *left_out);

#endif
