/*
 * batch.h - many files at once: expanding directories, running a job per
 * file on N worker threads, and emitting each file's output in input order.
 *
 * Each worker has its own ts_context (and so its own hunspell handle and
 * compiled rule packs).  A job writes what it has to say to its result's
 * buffers; the main thread prints the buffers in input order, so the output
 * of -j N is identical to -j 1.  With one worker the job writes standard
 * output directly, so a single large file is never held twice in memory.
 */
#ifndef TS_CLI_BATCH_H
#define TS_CLI_BATCH_H

#include <stdio.h>

#include "../atomic.h"
#include "../buf.h"
#include "cli.h"

typedef struct {
    char *path;       /* input path, "-" for standard input (malloc'd) */
    char *out_path;   /* --out-dir target (malloc'd) or NULL */
    long long size;   /* bytes, -1 when unknown */
} batch_item;

typedef struct {
    char *rule;       /* malloc'd */
    size_t count;
} rule_count;

typedef struct {
    FILE *direct;     /* non-NULL: write standard output here at once */
    ts_buf out;       /* otherwise: standard output, buffered */
    ts_buf err;       /* standard error */
    int rc;
    size_t segments, edits;
    rule_count *rules;
    size_t n_rules;
    int slot;         /* > 0: a pool item's temporary-file slot (see batch_defer) */
    ts_atomic_file *pending; /* written, commit left to the committer (malloc'd) */
} batch_result;

typedef int (*batch_job)(ts_context *ctx, const cli_options *opt, const batch_item *it,
                         batch_result *r);

/* Expands the inputs (directories with -r) into items; prints errors and
 * returns EXIT_TROUBLE for usage problems. */
int batch_collect(const cli_options *opt, batch_item **items, size_t *n);
void batch_items_free(batch_item *items, size_t n);
/* Runs `job` over every item; returns the worst exit status. */
int batch_run(const cli_options *opt, const batch_item *items, size_t n, batch_job job);

/* For jobs: write standard output (direct or buffered); 0 or -1. */
int batch_write(void *result, const char *data, size_t len);
int batch_printf(batch_result *r, int to_err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Counts the run's edits into the result's statistics. */
void batch_count_run(batch_result *r, const ts_run *run, size_t segments);
/* Notes that a file was renamed into `path`'s directory: the batch fsyncs
 * each such directory once, at the end, instead of once per file. */
void batch_note_renamed(const char *path);
/* 1 once an interrupt was received: jobs stop before committing files. */
int batch_interrupted(void);
/* Registers the temporary file a job is writing (NULL to clear), so that a
 * second interrupt can remove it before exiting. */
void batch_register_tmp(const char *path);
/* The calling worker's spare inode for in-place writes (its own; released
 * when the worker ends). */
ts_atomic_spare *batch_spare(void);
/* Hands a completely written temporary file to the worker's committer
 * thread, which fsyncs and renames it before the file counts as done, so
 * the worker goes on with its next file instead of waiting for the disk.
 * Returns 0 when it took `f` (registered for interrupts; `f` itself may
 * then go), -1 when the job must commit it itself (one file at a time,
 * or out of memory). */
int batch_defer(batch_result *r, const ts_atomic_file *f);

#endif
