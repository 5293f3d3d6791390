/*
 * atomic.c - write-to-temp + fsync + rename.  The temporary lives next to
 * the target so the rename stays within one file system.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void free_names(ts_atomic_file *f)
{
    free(f->target);
    free(f->tmp);
    f->target = f->tmp = NULL;
}

int ts_atomic_open(ts_atomic_file *f, const char *target)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    size_t n = strlen(target);
    f->target = strdup(target);
    f->tmp = malloc(n + 32);
    if (!f->target || !f->tmp) {
        free_names(f);
        errno = ENOMEM;
        return -1;
    }
    snprintf(f->tmp, n + 32, "%s.tscrub-XXXXXX", target);
    f->sync_dir = 1;
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        int e = errno;
        free_names(f);
        errno = e;
        return -1;
    }
    struct stat st;
    mode_t mode;
    if (stat(target, &st) == 0) {
        mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    fchmod(f->fd, mode);
    return 0;
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
