/*
 * bench_encoding.c - throughput of the encoding pass alone.
 *
 *   bench_encoding FILE [RUNS]
 *
 * Reads FILE as plain text once per run (not timed), then times ts_fix with
 * only the encoding pass enabled: proposing and applying every edit and
 * counting it per rule, i.e. what the pass costs inside `tscrub fix`; and
 * the same with every edit logged with its position and text, as lint and
 * review run it.  Prints the best run of each in MB/s (2^20 bytes) next to a
 * plain read-and-write of the same transcript (no pass) and a memcpy of
 * the file, for scale.  Times are the
 * thread's CPU time: the cost on one core, which other work on the
 * machine does not inflate the way it inflates wall-clock time.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tscrub.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int sink_write(void *ud, const char *d, size_t n)
{
    (void)d;
    *(size_t *)ud += n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_encoding FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)len + 1), *copy = malloc((size_t)len + 1);
    if (!data || !copy || fread(data, 1, (size_t)len, f) != (size_t)len) return 2;
    fclose(f);
    ts_context *ctx = ts_context_new();
    ts_context_select_passes(ctx, "encoding", NULL);
    double best_fix = 1e9, best_log = 1e9, best_rw = 1e9, best_cpy = 1e9;
    size_t edits = 0;
    for (int r = 0; r < 2 * runs; r++) {
        bool full_log = r % 2;
        ts_context_set_run_detail(ctx, full_log ? TS_RUN_EDITS : TS_RUN_TALLY);
        ts_transcript *t;
        double t0 = now();
        memcpy(copy, data, (size_t)len);
        double t1 = now();
        if (ts_read(ctx, argv[1], data, (size_t)len, "text", &t)) return 2;
        double t2 = now();
        ts_run *run;
        if (ts_fix(ctx, t, &run)) return 2;
        double t3 = now();
        size_t out = 0;
        ts_write(ctx, t, NULL, sink_write, &out);
        double t4 = now();
        if (full_log) edits = ts_run_count(run);
        ts_run_free(run);
        ts_transcript_free(t);
        if (t1 - t0 < best_cpy) best_cpy = t1 - t0;
        double *best = full_log ? &best_log : &best_fix;
        if (t3 - t2 < *best) *best = t3 - t2;
        if ((t2 - t1) + (t4 - t3) < best_rw) best_rw = (t2 - t1) + (t4 - t3);
    }
    double mb = (double)len / 1048576.0;
    printf("%-40s %7.1f MB  encoding pass %8.1f MB/s (%zu edits; %.1f MB/s logging each)  "
           "read+write %7.1f MB/s  memcpy %8.1f MB/s\n",
           argv[1], mb, mb / best_fix, edits, mb / best_log, mb / best_rw, mb / best_cpy);
    ts_context_free(ctx);
    free(data);
    free(copy);
    return 0;
}
