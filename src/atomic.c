/*
 * atomic.c - write-to-temp + fsync + rename.  The temporary lives next to
 * the target so the rename stays within one file system.
 */
#define _GNU_SOURCE /* renameat2, syncfs */
#include "atomic.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static void free_names(ts_atomic_file *f)
{
    free(f->target);
    free(f->tmp);
    f->target = f->tmp = NULL;
}

/* The mode a new file for `target` gets: the target's, else 0666 & ~umask. */
static mode_t target_mode(const char *target)
{
    struct stat st;
    if (stat(target, &st) == 0) return st.st_mode & 07777;
    mode_t um = umask(0);
    umask(um);
    return 0666 & ~um;
}

/* Fills f for writing tmp (malloc'd, open as fd, its fstat in *have, or
 * NULL) in place of target, with the given mode; on failure removes tmp
 * and returns -1. */
static int begin(ts_atomic_file *f, const char *target, char *tmp, int fd,
                 const struct stat *have, mode_t mode)
{
    memset(f, 0, sizeof *f);
    f->sync_dir = 1;
    if (!(f->target = strdup(target))) {
        close(fd);
        unlink(tmp);
        free(tmp);
        f->fd = -1;
        errno = ENOMEM;
        return -1;
    }
    f->fd = fd;
    f->tmp = tmp;
    f->dev = have ? have->st_dev : 0;
    if (!have || (have->st_mode & 07777) != mode) fchmod(fd, mode);
    return 0;
}

int ts_atomic_open(ts_atomic_file *f, const char *target)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    size_t n = strlen(target);
    char *tmp = malloc(n + 32);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, n + 32, "%s.tscrub-XXXXXX", target);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    struct stat st;
    return begin(f, target, tmp, fd, fstat(fd, &st) == 0 ? &st : NULL, target_mode(target));
}

int ts_atomic_write(void *ud, const char *data, size_t len)
{
    ts_atomic_file *f = ud;
    if (f->failed) return -1;
    while (len) {
        ssize_t w = write(f->fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            f->failed = 1;
            f->err = errno;
            return -1;
        }
        data += w;
        f->written += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Does path a lie in the directory of path b? */
static int same_dir(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;
    return la == lb && memcmp(a, b, la) == 0;
}

int ts_atomic_open_spare(ts_atomic_file *f, const char *target, ts_atomic_spare *spare)
{
    if (!spare || !spare->path) return ts_atomic_open(f, target);
    char *path = spare->path;
    spare->path = NULL;
    int fd = -1, overwrite = 0;
    struct stat ts, st;
    if (same_dir(path, target) && stat(target, &ts) == 0) {
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        /* Only an inode nobody else names, owned like the target, with
         * nothing attached that the target did not have.  Its old content
         * stays, to be written over, only under the target's own mode. */
        bool usable = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
                      st.st_uid == ts.st_uid && st.st_gid == ts.st_gid &&
                      flistxattr(fd, NULL, 0) == 0;
        if (usable && st.st_size) {
            overwrite = (st.st_mode & 07777) == (ts.st_mode & 07777);
            usable = overwrite || ftruncate(fd, 0) == 0;
        }
        if (fd >= 0 && !usable) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        unlink(path);
        free(path);
        return ts_atomic_open(f, target);
    }
    if (begin(f, target, path, fd, &st, ts.st_mode & 07777) != 0) return -1;
    f->overwrite = overwrite;
    return 0;
}

/* Cuts a temporary written over a spare's blocks to what was written. */
static void cut_to_length(ts_atomic_file *f)
{
    if (!f->overwrite || f->failed || f->fd < 0) return;
    f->overwrite = 0;
    if (ftruncate(f->fd, f->written) != 0) {
        f->failed = 1;
        f->err = errno;
    }
}

/* The first half of every commit: fsync (unless the data is durable
 * already) and close.  Returns 0 or an errno. */
static int flush_and_close(ts_atomic_file *f)
{
    int e = 0;
    cut_to_length(f);
    if (f->failed) e = f->err ? f->err : EIO;
    else if (!f->synced && fsync(f->fd) != 0) e = errno;
    if (close(f->fd) != 0 && !e) e = errno;
    f->fd = -1;
    return e;
}

/* The second half: after a failure (e) removes the temporary, else makes
 * the rename durable. */
static int finish(ts_atomic_file *f, int e)
{
    if (e) {
        if (f->tmp) unlink(f->tmp);
        free_names(f);
        errno = e;
        return -1;
    }
    if (f->sync_dir) ts_atomic_sync_dir(f->target);
    free_names(f);
    return 0;
}

/* Gives the target's inode a fresh name next to it (malloc'd), or NULL. */
static char *link_aside(const char *target)
{
    size_t n = strlen(target);
    char *keep = malloc(n + 32);
    if (!keep) return NULL;
    /* link() refuses a name that exists */
    unsigned long r = (unsigned long)getpid() * 2654435761u ^ (unsigned long)(uintptr_t)keep;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    r ^= (unsigned long)ts.tv_nsec;
    for (int i = 0; i < 8; i++) {
        snprintf(keep, n + 32, "%s.tscrub-%06lx", target, (r + (unsigned long)i * 7919u) & 0xFFFFFFu);
        if (link(target, keep) == 0) return keep;
        if (errno != EEXIST) break;
    }
    free(keep);
    return NULL;
}

int ts_atomic_commit_spare(ts_atomic_file *f, ts_atomic_spare *spare)
{
    if (!spare) return ts_atomic_commit(f);
    ts_atomic_spare_release(spare);
    int e = flush_and_close(f);
    if (e) return finish(f, e);
    char *keep = NULL;
    /* One step where the file system can: the names swap, and the old
     * inode is left under the temporary's name. */
    if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->target, RENAME_EXCHANGE) == 0) {
        keep = f->tmp;
        f->tmp = NULL;
    } else {
        keep = link_aside(f->target);
        if (rename(f->tmp, f->target) != 0) {
            e = errno;
            if (keep) unlink(keep);
            free(keep);
            return finish(f, e);
        }
    }
    finish(f, 0);
    spare->path = keep;
    return 0;
}

void ts_atomic_spare_release(ts_atomic_spare *spare)
{
    if (!spare || !spare->path) return;
    unlink(spare->path);
    free(spare->path);
    spare->path = NULL;
}

int ts_atomic_commit(ts_atomic_file *f)
{
    int e = flush_and_close(f);
    if (!e && rename(f->tmp, f->target) != 0) e = errno;
    return finish(f, e);
}

/* File systems whose syncfs writes back every dirty inode and flushes the
 * device cache.  Elsewhere (FUSE, network file systems) syncfs may do less
 * than fsync does. */
static int syncfs_is_whole(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0) return 0;
    switch ((unsigned long)sf.f_type) {
    case 0xEF53UL:      /* ext2, ext3, ext4 */
    case 0x58465342UL:  /* xfs */
    case 0x9123683EUL:  /* btrfs */
    case 0xF2F52010UL:  /* f2fs */
    case 0x01021994UL:  /* tmpfs */
        return 1;
    default:
        return 0;
    }
}

size_t ts_atomic_sync_group(ts_atomic_file *const *files, size_t n)
{
    size_t covered = 0;
    dev_t tried[16]; /* file systems already synced or given up on */
    size_t n_tried = 0;
    for (size_t i = 0; i < n; i++) cut_to_length(files[i]);
    for (size_t i = 0; i < n; i++) {
        ts_atomic_file *f = files[i];
        if (f->failed || f->synced || f->fd < 0) continue;
        int seen = 0;
        for (size_t k = 0; k < n_tried && !seen; k++) seen = tried[k] == f->dev;
        if (seen) continue;
        if (n_tried < sizeof tried / sizeof *tried) tried[n_tried++] = f->dev;
        if (!syncfs_is_whole(f->fd) || syncfs(f->fd) != 0) continue;
        for (size_t j = i; j < n; j++) {
            ts_atomic_file *g = files[j];
            if (g->dev == f->dev && g->fd >= 0 && !g->failed && !g->synced) {
                g->synced = 1;
                covered++;
            }
        }
    }
    return covered;
}

int ts_atomic_sync_dir(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return -1;
    int rc = -1, dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        rc = fsync(dfd);
        close(dfd);
    }
    free(dir);
    return rc;
}

void ts_atomic_abort(ts_atomic_file *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->tmp) unlink(f->tmp);
    free_names(f);
}
