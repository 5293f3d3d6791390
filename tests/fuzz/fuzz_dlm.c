/*
 * fuzz_dlm.c - libFuzzer harness for the dlm (DiarizationLM JSON) reader:
 * read, run the speakers pass, write back.  Any crash, leak or sanitizer
 * report is a bug; input errors are expected.
 *
 *   make BUILD=build-fuzz CC=clang SANITIZE="-fsanitize=fuzzer-no-link,address,undefined" all
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_dlm.c \
 *       build-fuzz/libtscrub.a $(pkg-config --libs libpcre2-8 hunspell libxml-2.0 libutf8proc jansson) -lm \
 *       -o build-fuzz/fuzz_dlm && build-fuzz/fuzz_dlm -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>

#include "tscrub.h"

/* -DFUZZ_FORMAT='"premiere"' drives the speakers pass through another reader. */
#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT "dlm"
#endif

static int discard(void *ud, const char *data, size_t len)
{
    (void)ud;
    (void)data;
    (void)len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_context *ctx = ts_context_new();
    if (!ctx) return 0;
    ts_context_select_passes(ctx, "speakers", NULL);
    ts_transcript *t = NULL;
    if (ts_read(ctx, "fuzz.json", (const char *)data, size, FUZZ_FORMAT, &t) == TS_OK) {
        ts_run *run = NULL;
        if (ts_fix(ctx, t, &run) == TS_OK) ts_write(ctx, t, NULL, discard, NULL);
        ts_run_free(run);
        ts_transcript_free(t);
    }
    ts_context_free(ctx);
    return 0;
}
