/*
 * atomic.h - replace a file so that readers see the old or the new
 * content, never a mix: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory.
 */
#ifndef TS_ATOMIC_H
#define TS_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
    int fd;
    char *target;   /* malloc'd */
    char *tmp;      /* malloc'd */
    dev_t dev;      /* file system of the temporary */
    off_t written;  /* bytes written */
    int overwrite;  /* the temporary is a spare still holding its old
                     * blocks: cut to `written` before its data is synced */
    int failed;     /* a write failed: commit refuses */
    int err;        /* errno of the failure */
    int synced;     /* its data is durable already (ts_atomic_sync_group):
                     * commit skips the fsync */
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
/* Makes the written data of n files durable at once, before their
 * commits: one syncfs per file system instead of one fsync (and one cache
 * flush) per file, on file systems whose syncfs is known to write and
 * flush everything (ext4, xfs, btrfs, f2fs, tmpfs).  Marks each file it
 * covered `synced`; the others keep their own fsync at commit, so a file
 * system it does not trust, a failed syncfs or a failed write only costs
 * speed.  Returns how many files it covered. */
size_t ts_atomic_sync_group(ts_atomic_file *const *files, size_t n);
/* fsync of the directory holding `path`, making renames in it durable. */
int ts_atomic_sync_dir(const char *path);
/* Removes the temporary file. */
void ts_atomic_abort(ts_atomic_file *f);

/* A replaced file's inode, kept under a temporary name in its directory to
 * become the next temporary file there.  File systems that keep freed
 * inodes out of reuse for a while (ext4 without a journal skips every
 * inode freed in the last minutes) make each new file cost a scan past all
 * the inodes a batch has freed so far: quadratic in the batch, and under a
 * lock the workers share.  Recycling one inode per worker and directory
 * frees none until the end.  The next file is written over the spare's
 * blocks, and cut to its length, when the two have the same permissions:
 * freeing and allocating blocks costs the file system more than
 * overwriting them (with -o discard, a synchronous discard per file), and
 * readers of the half-written temporary are then only those who could
 * read the file it held.  {NULL} is an empty spare. */
typedef struct {
    char *path;     /* malloc'd; NULL: none */
} ts_atomic_spare;

/* ts_atomic_open that takes the spare's inode when it lies in the
 * target's directory, is a plain file with one link, the target's owner
 * and group, and no extended attributes: written over when it has the
 * target's mode too, else emptied and given that mode.  Otherwise the
 * spare is removed and a new temporary created. */
int ts_atomic_open_spare(ts_atomic_file *f, const char *target, ts_atomic_spare *spare);
/* ts_atomic_commit that keeps the target's current inode as the new
 * spare: the commit exchanges the two names (renameat2
 * RENAME_EXCHANGE), or where the file system cannot, gives the old inode a
 * temporary name (a hard link) before the rename; without either it is a
 * plain commit. */
int ts_atomic_commit_spare(ts_atomic_file *f, ts_atomic_spare *spare);
/* Removes the spare's file. */
void ts_atomic_spare_release(ts_atomic_spare *spare);

#endif
