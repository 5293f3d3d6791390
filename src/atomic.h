/*
 * atomic.h - replace a file so that readers see the old or the new
 * content, never a mix: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory.
 */
#ifndef TS_ATOMIC_H
#define TS_ATOMIC_H

#include <stddef.h>

typedef struct {
    int fd;
    char *target;   /* malloc'd */
    char *tmp;      /* malloc'd */
    int failed;     /* a write failed: commit refuses */
    int err;        /* errno of the failure */
    int sync_dir;   /* commit fsyncs the directory (default); a caller that
                     * replaces many files in one directory may clear it and
                     * call ts_atomic_sync_dir once at the end */
} ts_atomic_file;

/* Creates the temporary file (mode of the target when it exists, else
 * 0666 & ~umask).  Returns 0, or -1 with errno set. */
int ts_atomic_open(ts_atomic_file *f, const char *target);
/* ts_write_fn-compatible writer. */
int ts_atomic_write(void *f, const char *data, size_t len);
/* fsync + rename; -1 with errno on failure (the temporary is removed). */
int ts_atomic_commit(ts_atomic_file *f);
/* fsync of the directory holding `path`, making renames in it durable. */
int ts_atomic_sync_dir(const char *path);
/* Removes the temporary file. */
void ts_atomic_abort(ts_atomic_file *f);

#endif
