/*
 * context.h - what a ts_context holds (private to the library).
 *
 * The context is the only owner of per-handle resources: options, the
 * diagnostic sink, and the state each pass builds lazily (a hunspell handle,
 * compiled rule packs).  Nothing here is global, so separate contexts may be
 * used on separate threads.
 */
#ifndef TS_CONTEXT_H
#define TS_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "tscrub.h"

#define TS_MAX_PASSES 16

struct ts_speller;
struct ts_termset;

struct ts_context {
    ts_diag_fn sink;
    void *sink_ud;
    unsigned fps;
    bool paragraphs;
    ts_run_detail run_detail;        /* what ts_fix logs */
    uint32_t pass_enabled;           /* bit i: pass i of the canonical table */
    char **dicts, **rules;           /* malloc'd paths */
    size_t n_dicts, n_rules;
    char *hunspell_dir;
    char **opt_keys, **opt_values;  /* pass options, malloc'd */
    size_t n_opts;
    void *pass_state[TS_MAX_PASSES];
    struct ts_speller *speller;      /* lazily opened, shared by passes */
    bool speller_failed;
    struct ts_termset *terms;        /* --dict files, loaded on first use (dict.c) */
    int terms_status;                /* the ts_status of a failed load */
};

/* The context's hunspell handle for the "lang" option (default en_US), opened on first use; NULL when
 * it cannot be opened (reported once). */
struct ts_speller *ts_context_speller(ts_context *ctx);

#endif
