/*
 * fuzz_encoding.c - libFuzzer harness for the encoding pass.
 *
 * The input is read as plain text and run through the encoding pass alone
 * (the first byte's low bits switch the opt-in rules on, so they are
 * fuzzed too).  Input errors are fine; anything else must hold: the output
 * is valid UTF-8, and running the pass over its own output changes
 * nothing (fix is idempotent) unless the engine reported that the pass did
 * not settle.  A violation aborts, which libFuzzer records as a crash.
 *
 *   make fuzz FUZZ_TIME=600      (clang, ASan + UBSan; see the Makefile)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tscrub.h"
#include "utf8.h"

/* ts_write's sink: the output collected in a ts_buf. */
static int mem_write(void *ud, const char *d, size_t n) { return ts_buf_append(ud, d, n); }

static void on_diag(void *ud, const ts_diagnostic *d)
{
    if (strcmp(d->rule, "engine/unsettled") == 0) *(int *)ud = 1;
}

/* Runs the pass over data; returns 0 and fills *out, or -1 on an input
 * error. */
/* One context per option set, kept for the whole run so the pass's tables
 * are built once (a harness may keep state; the library may not). */
static ts_context *contexts[16];

static int run_once(unsigned opts, const char *data, size_t len, ts_buf *out, int *unsettled)
{
    ts_context *ctx = contexts[opts];
    ts_transcript *t = NULL;
    ts_run *run = NULL;
    int rc = -1;
    if (!ctx) {
        if (!(ctx = contexts[opts] = ts_context_new())) abort();
        ts_context_select_passes(ctx, "encoding", NULL);
        if (opts & 1) ts_context_set_option(ctx, "straighten-quotes", "1");
        if (opts & 2) ts_context_set_option(ctx, "fullwidth", "1");
        if (opts & 4) ts_context_set_option(ctx, "ligatures", "1");
        if (opts & 8) ts_context_set_option(ctx, "consistent-quotes", "1");
    }
    ts_context_set_sink(ctx, on_diag, unsettled);
    if (ts_read(ctx, "fuzz", data, len, "text", &t) == TS_OK) {
        if (ts_fix(ctx, t, &run) != TS_OK) abort(); /* only memory can fail here */
        out->len = 0;
        if (ts_write(ctx, t, NULL, mem_write, out) != TS_OK) abort();
        rc = 0;
    }
    ts_run_free(run);
    ts_transcript_free(t);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 65536) return 0;
    unsigned opts = data[0] & 15;
    ts_buf a = {0}, b = {0};
    int unsettled = 0;
    if (run_once(opts, (const char *)data + 1, size - 1, &a, &unsettled) == 0) {
        if (ts_utf8_valid_prefix(a.data, a.len) != a.len) {
            fprintf(stderr, "output is not valid UTF-8\n");
            abort();
        }
        if (!unsettled) {
            if (run_once(opts, a.data, a.len, &b, &unsettled) != 0) {
                fprintf(stderr, "own output rejected\n");
                abort();
            }
            if (!unsettled && (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))) {
                fprintf(stderr, "second run changed the text:\n%.*s\n---\n%.*s\n", (int)a.len,
                        a.data, (int)b.len, b.data);
                abort();
            }
        }
    }
    free(a.data);
    free(b.data);
    return 0;
}
