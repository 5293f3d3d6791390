/*
 * fuzz_rules.c - libFuzzer harness for the rule-pack loader.
 *
 * The input is a rule pack file: it is parsed (libxml2), validated against
 * rules.rng, its patterns and templates compiled and every example run, as
 * `tscrub rules test FILE` does.  A pack that loads is then run as the only
 * pack of the rules pass over a short transcript, so matching, unless
 * patterns and replacement templates see whatever the loader accepted.
 * Errors in the pack are fine; crashes, sanitizer reports and leaks are not.
 *
 * The loader reads packs from files, so each input is written to one
 * anonymous memory file per process (memfd), opened by its /proc path:
 * nothing is left behind however the fuzzer stops.
 *
 *   make fuzz FUZZ_TIME=600      (clang, ASan + UBSan; see the Makefile)
 *   seed corpus: tests/fuzz/corpus/rules/ (the bundled packs)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tscrub.h"

static char pack_path[64];
static int pack_fd = -1;

static void quiet(void *ud, const ts_diagnostic *d)
{
    (void)ud;
    (void)d;
}

static int discard(void *ud, const char *p, size_t n)
{
    (void)ud;
    (void)p;
    (void)n;
    return 0;
}

static const char sample[] =
    "i think the the price is 905 percent , dont you ?\n"
    "Um, uh, I, I said \" hello \" (  there ) !!\n"
    "But, Yeah, it's it's fine at 10 30 pm.\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pack_fd < 0) {
        pack_fd = memfd_create("fuzz_rules", 0);
        if (pack_fd < 0) abort();
        snprintf(pack_path, sizeof pack_path, "/proc/self/fd/%d", pack_fd);
    }
    if (ftruncate(pack_fd, 0) || (size && pwrite(pack_fd, data, size, 0) != (ssize_t)size))
        abort();

    ts_context *ctx = ts_context_new();
    if (!ctx) return 0;
    ts_context_set_sink(ctx, quiet, NULL);
    size_t passed = 0, failed = 0;
    if (ts_rules_test(ctx, pack_path, &passed, &failed) == TS_OK &&
        ts_context_set_option(ctx, "rules-packs", "") == TS_OK &&
        ts_context_add_rules(ctx, pack_path) == TS_OK &&
        ts_context_select_passes(ctx, "rules", NULL) == TS_OK) {
        ts_transcript *t = NULL;
        if (ts_read(ctx, "sample.txt", sample, sizeof sample - 1, "text", &t) == TS_OK) {
            ts_run *run = NULL;
            if (ts_fix(ctx, t, &run) == TS_OK) ts_write(ctx, t, NULL, discard, NULL);
            ts_run_free(run);
            ts_transcript_free(t);
        }
    }
    ts_context_free(ctx);
    return 0;
}
