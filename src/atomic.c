/*
 * atomic.c - write-to-temp + fsync + rename.  The temporary lives next to
 * the target so the rename stays within one file system.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Fills f for writing tmp (malloc'd, open as fd) in place of target; on
 * failure removes tmp and returns -1. */
static int begin(ts_atomic_file *f, const char *target, char *tmp, int fd, mode_t mode)
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
    fchmod(fd, mode);
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
    return begin(f, target, tmp, fd, target_mode(target));
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
    int fd = -1;
    struct stat ts;
    if (same_dir(path, target) && stat(target, &ts) == 0) {
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        /* Only an inode nobody else names, owned like the target, with
         * nothing attached that the target did not have; it is normally
         * empty already (ts_atomic_commit_spare). */
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
                        st.st_uid != ts.st_uid || st.st_gid != ts.st_gid ||
                        flistxattr(fd, NULL, 0) != 0 || (st.st_size && ftruncate(fd, 0) != 0))) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        unlink(path);
        free(path);
        return ts_atomic_open(f, target);
    }
    return begin(f, target, path, fd, ts.st_mode & 07777);
}

int ts_atomic_commit_spare(ts_atomic_file *f, ts_atomic_spare *spare)
{
    if (!spare) return ts_atomic_commit(f);
    ts_atomic_spare_release(spare);
    size_t n = strlen(f->target);
    char *keep = malloc(n + 32);
    if (keep) {
        /* A fresh name next to the target; link() refuses one that exists. */
        unsigned long r = (unsigned long)getpid() * 2654435761u ^ (unsigned long)(uintptr_t)f;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r ^= (unsigned long)ts.tv_nsec;
        int ok = 0;
        for (int i = 0; i < 8 && !ok; i++) {
            snprintf(keep, n + 32, "%s.tscrub-%06lx", f->target, (r + (unsigned long)i * 7919u) & 0xFFFFFFu);
            ok = link(f->target, keep) == 0;
            if (!ok && errno != EEXIST) break;
        }
        if (!ok) {
            free(keep);
            keep = NULL;
        }
    }
    if (ts_atomic_commit(f) != 0) {
        int e = errno;
        if (keep) {
            unlink(keep);
            free(keep);
        }
        errno = e;
        return -1;
    }
    /* Empty the old inode now: freeing its blocks can wait on the device
     * (a synchronous discard on a file system mounted with -o discard), and
     * this thread waits on fsync anyway, while the one that takes the spare
     * has a file to clean. */
    if (keep) {
        int fd = open(keep, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd >= 0) {
            /* Never an inode another name shares (the target had hard
             * links): ts_atomic_open_spare refuses that one, and on any
             * failure here it truncates the spare itself. */
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
                int rc = ftruncate(fd, 0);
                (void)rc;
            }
            close(fd);
        }
    }
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
    int e = 0;
    if (f->failed) e = f->err ? f->err : EIO;
    else if (fsync(f->fd) != 0) e = errno;
    if (close(f->fd) != 0 && !e) e = errno;
    f->fd = -1;
    if (!e && rename(f->tmp, f->target) != 0) e = errno;
    if (e) {
        unlink(f->tmp);
        free_names(f);
        errno = e;
        return -1;
    }
    /* Make the rename itself durable. */
    if (f->sync_dir) ts_atomic_sync_dir(f->target);
    free_names(f);
    return 0;
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
