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
 * temporary file per process first (removed at exit).
 *
 *   make fuzz FUZZ_TIME=600      (clang, ASan + UBSan; see the Makefile)
 *   seed corpus: tests/fuzz/corpus/rules/ (the bundled packs)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tscrub.h"

static char pack_path[64];

static void remove_pack(void) { unlink(pack_path); }

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
    if (!pack_path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(pack_path, sizeof pack_path, "%s/fuzz_rules_XXXXXX", dir);
        int fd = mkstemp(pack_path);
        if (fd < 0) abort();
        close(fd);
        atexit(remove_pack);
    }
    FILE *f = fopen(pack_path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f)) abort();

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
