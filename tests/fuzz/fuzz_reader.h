/*
 * fuzz_reader.h - the body every reader's libFuzzer harness shares: read
 * the bytes in one format (no detection), and when that succeeds, run the
 * default passes and write the result in the same format and as SRT, so
 * the writers see whatever the reader accepted.  The context lives for
 * the whole run (LeakSanitizer does not count what a static still holds).
 */
#include <stddef.h>
#include <stdint.h>

#include "tscrub.h"

static int fuzz_sink_write(void *ud, const char *p, size_t n)
{
    (void)ud;
    (void)p;
    (void)n;
    return 0;
}

static int fuzz_one(const char *format, const uint8_t *data, size_t size)
{
    /* One context for the whole run, as a batch worker keeps one: loading
     * hunspell per input would leave the fuzzer a few inputs a second. */
    static ts_context *ctx;
    if (!ctx && !(ctx = ts_context_new())) return 0;
    ts_transcript *t = NULL;
    if (ts_read(ctx, "fuzz", (const char *)data, size, format, &t) == TS_OK) {
        ts_write(ctx, t, NULL, fuzz_sink_write, NULL);
        ts_write(ctx, t, "srt", fuzz_sink_write, NULL);
        ts_run *run = NULL;
        if (ts_fix(ctx, t, &run) == TS_OK) ts_write(ctx, t, NULL, fuzz_sink_write, NULL);
        ts_run_free(run);
        ts_transcript_free(t);
    }
    return 0;
}

#define FUZZ_READER(fmt)                                                 \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);        \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)         \
    {                                                                    \
        return fuzz_one(fmt, data, size);                                \
    }
