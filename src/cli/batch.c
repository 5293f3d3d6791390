/*
 * batch.c - file expansion, the worker pool, ordered output, progress and
 * the closing summary.
 *
 * Workers take the next item from a shared counter and never run more than
 * a window of items ahead of the one being printed, so memory is bounded by
 * the files in flight.  An interrupt (SIGINT, SIGTERM) lets every worker
 * finish or abandon its current file without committing it; a second one
 * removes the temporary files in flight and exits at once.  Either way no
 * half-written file is left: results are renamed into place whole.
 */
#define _GNU_SOURCE
#include "batch.h"

#include "../atomic.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- interrupts -------------------------------------------------------- */

#define MAX_WORKERS 256
/* Files the committer takes at once (see commit_loop); a window of files
 * in flight holds one group more than the workers need. */
#define COMMIT_GROUP 16
#define MAX_WINDOW (MAX_WORKERS * 4 + COMMIT_GROUP)

/* The files a second interrupt removes, by slot: one per worker (the file
 * it is writing, or its spare inode), one per item of the window (a written
 * file waiting for its commit, then the inode the commit set free) and one
 * per pooled spare. */
enum { SLOT_ITEMS = MAX_WORKERS, SLOT_POOL = SLOT_ITEMS + MAX_WINDOW,
       N_SLOTS = SLOT_POOL + MAX_WORKERS };

/* Atomics, not volatile sig_atomic_t: the handler runs on any thread and
 * the others read what it sets (and it reads what they set).  Lock-free,
 * so safe in a signal handler. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomics");
static atomic_int interrupted;
static char tmp_slots[N_SLOTS][PATH_MAX];
static atomic_int tmp_used[N_SLOTS]; /* set after the slot's path is written */
static _Thread_local int worker_slot;

static void on_signal(int sig)
{
    int saved = errno;
    if (interrupted) {
        for (int i = 0; i < N_SLOTS; i++)
            if (tmp_used[i]) unlink(tmp_slots[i]);
        _exit(128 + sig);
    }
    interrupted = sig;
    errno = saved;
}

int batch_interrupted(void) { return interrupted != 0; }

static void register_slot(int s, const char *path)
{
    tmp_used[s] = 0;
    if (path && strlen(path) < PATH_MAX) {
        memcpy(tmp_slots[s], path, strlen(path) + 1);
        tmp_used[s] = 1;
    }
}

void batch_register_tmp(const char *path) { register_slot(worker_slot, path); }

/* Spare inodes (see ts_atomic_spare): each worker holds one; the
 * committer sets free one per file while files remain to be written,
 * which go to a pool the workers refill from. */
static _Thread_local ts_atomic_spare worker_spare;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static char *spare_pool[MAX_WORKERS];
static size_t n_spare_pool;

ts_atomic_spare *batch_spare(void)
{
    if (!worker_spare.path) {
        pthread_mutex_lock(&pool_lock);
        if (n_spare_pool) {
            worker_spare.path = spare_pool[--n_spare_pool];
            register_slot(SLOT_POOL + (int)n_spare_pool, NULL);
        }
        pthread_mutex_unlock(&pool_lock);
        if (worker_spare.path) batch_register_tmp(worker_spare.path);
    }
    return &worker_spare;
}

/* Whether the pool holds fewer spares than the files still to be
 * started, `remaining`: a spare nobody takes costs a removal at the end. */
static int spare_wanted(size_t remaining)
{
    pthread_mutex_lock(&pool_lock);
    int want = n_spare_pool < remaining && n_spare_pool < MAX_WORKERS;
    pthread_mutex_unlock(&pool_lock);
    return want;
}

/* Takes `path` (malloc'd) into the pool, or removes it when the pool is full. */
static void pool_spare(char *path)
{
    pthread_mutex_lock(&pool_lock);
    if (n_spare_pool < MAX_WORKERS) {
        register_slot(SLOT_POOL + (int)n_spare_pool, path);
        spare_pool[n_spare_pool++] = path;
        path = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    if (path) {
        ts_atomic_spare extra = {path};
        ts_atomic_spare_release(&extra);
    }
}

static void release_spare(void)
{
    ts_atomic_spare_release(&worker_spare);
    batch_register_tmp(NULL);
}

static void release_pool(void)
{
    pthread_mutex_lock(&pool_lock);
    while (n_spare_pool) {
        ts_atomic_spare sp = {spare_pool[--n_spare_pool]};
        ts_atomic_spare_release(&sp);
        register_slot(SLOT_POOL + (int)n_spare_pool, NULL);
    }
    pthread_mutex_unlock(&pool_lock);
}

int batch_defer(batch_result *r, const ts_atomic_file *f)
{
    if (r->slot <= 0) return -1;
    ts_atomic_file *copy = malloc(sizeof *copy);
    if (!copy) return -1;
    *copy = *f;
    register_slot(SLOT_ITEMS + r->slot - 1, f->tmp);
    r->pending = copy;
    return 0;
}

/* Commits the file a job deferred (batch_defer), keeping the replaced
 * inode as a spare while `remaining` files are still to be started: after
 * an interrupt it is removed instead, and the original stays. */
static void commit_pending(batch_result *r, size_t remaining)
{
    ts_atomic_file *f = r->pending;
    if (!f) return;
    r->pending = NULL;
    if (interrupted) {
        ts_atomic_abort(f);
        r->rc = EXIT_TROUBLE;
    } else {
        char target[PATH_MAX];
        snprintf(target, sizeof target, "%s", f->target);
        ts_atomic_spare freed = {NULL};
        if (ts_atomic_commit_spare(f, spare_wanted(remaining) ? &freed : NULL)) {
            batch_printf(r, 1, "%s: error: cannot write: %s [input/io]\n", target, strerror(errno));
            r->rc = EXIT_TROUBLE;
        } else {
            batch_note_renamed(target);
            if (freed.path) {
                register_slot(SLOT_ITEMS + r->slot - 1, freed.path);
                pool_spare(freed.path);
            }
        }
    }
    register_slot(SLOT_ITEMS + r->slot - 1, NULL);
    free(f);
}

/* ---- results (continued) ---------------------------------------------- */

/* ---- directories to make durable -------------------------------------- */

static pthread_mutex_t dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static char **dirs;
static size_t n_dirs;

void batch_note_renamed(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) + 1 : 0; /* with the slash */
    pthread_mutex_lock(&dirs_lock);
    size_t i = 0;
    for (; i < n_dirs; i++)
        if (strlen(dirs[i]) == len + 1 && strncmp(dirs[i], path, len) == 0) break;
    if (i == n_dirs) {
        /* kept as "DIR/x" (or "x"): ts_atomic_sync_dir takes a path inside */
        char **p = realloc(dirs, (n_dirs + 1) * sizeof *p);
        char *d = malloc(len + 2);
        if (p) dirs = p;
        if (p && d) {
            memcpy(d, path, len);
            memcpy(d + len, "x", 2);
            dirs[n_dirs++] = d;
        } else {
            free(d); /* no note: commit already synced nothing; best effort */
        }
    }
    pthread_mutex_unlock(&dirs_lock);
}

static void sync_noted_dirs(void)
{
    for (size_t i = 0; i < n_dirs; i++) {
        ts_atomic_sync_dir(dirs[i]);
        free(dirs[i]);
    }
    free(dirs);
    dirs = NULL;
    n_dirs = 0;
}

/* ---- results ----------------------------------------------------------- */

int batch_write(void *ud, const char *data, size_t len)
{
    batch_result *r = ud;
    if (r->direct) return fwrite(data, 1, len, r->direct) == len ? 0 : -1;
    return ts_buf_append(&r->out, data, len);
}

int batch_printf(batch_result *r, int to_err, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof small) {
        if (to_err) return ts_buf_append(&r->err, small, (size_t)n);
        return batch_write(r, small, (size_t)n);
    }
    char *big = malloc((size_t)n + 1);
    if (!big) return -1;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = to_err ? ts_buf_append(&r->err, big, (size_t)n) : batch_write(r, big, (size_t)n);
    free(big);
    return rc;
}

static void count_rule(rule_count **v, size_t *n, const char *rule, size_t add)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].rule, rule) == 0) {
            (*v)[i].count += add;
            return;
        }
    rule_count *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p) return; /* statistics only */
    *v = p;
    if (!(p[*n].rule = strdup(rule))) return;
    p[*n].count = add;
    (*n)++;
}

void batch_count_run(batch_result *r, const ts_run *run, size_t segments)
{
    r->segments += segments;
    for (size_t i = 0; i < ts_run_tally_count(run); i++) {
        ts_rule_tally k;
        ts_run_tally_get(run, i, &k);
        if (!k.applied) continue;
        r->edits += k.applied;
        count_rule(&r->rules, &r->n_rules, k.rule, k.applied);
    }
}

static void result_release(batch_result *r)
{
    if (r->pending) { /* never committed: the batch stopped before it */
        ts_atomic_abort(r->pending);
        free(r->pending);
        register_slot(SLOT_ITEMS + r->slot - 1, NULL);
    }
    ts_buf_release(&r->out);
    ts_buf_release(&r->err);
    for (size_t i = 0; i < r->n_rules; i++) free(r->rules[i].rule);
    free(r->rules);
    memset(r, 0, sizeof *r);
}

/* ---- collecting inputs ------------------------------------------------- */

typedef struct {
    batch_item *v;
    size_t n, cap;
} item_list;

static int push_item(item_list *l, const char *path, const char *rel, const char *out_dir,
                     long long size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        batch_item *p = realloc(l->v, cap * sizeof *p);
        if (!p) return -1;
        l->v = p;
        l->cap = cap;
    }
    batch_item *it = &l->v[l->n];
    it->path = strdup(path);
    it->out_path = NULL;
    it->size = size;
    if (!it->path) return -1;
    if (out_dir) {
        size_t n = strlen(out_dir) + strlen(rel) + 2;
        if (!(it->out_path = malloc(n))) {
            free(it->path);
            return -1;
        }
        snprintf(it->out_path, n, "%s/%s", out_dir, rel);
    }
    l->n++;
    return 0;
}

/* Files a directory walk picks up: the extensions of the known formats. */
static int known_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name) return 0;
    for (size_t i = 0; i < ts_format_count(); i++)
        if (ts_format_has_extension(ts_format_at(i), dot + 1)) return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(item_list *l, const char *dir, const char *rel, const char *out_dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: error: cannot open directory: %s [input/io]\n", dir, strerror(errno));
        return EXIT_TROUBLE;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = EXIT_CLEAN;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* hidden files and our temporaries */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) { rc = EXIT_TROUBLE; break; }
            names = p;
        }
        if (!(names[n] = strdup(e->d_name))) { rc = EXIT_TROUBLE; break; }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == EXIT_CLEAN; i++) {
        char path[PATH_MAX], sub[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path ||
            snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]) >= (int)sizeof sub)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = walk(l, path, sub, out_dir);
        } else if (S_ISREG(st.st_mode) && known_extension(names[i])) {
            if (push_item(l, path, sub, out_dir, (long long)st.st_size)) rc = EXIT_TROUBLE;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

/* The path under --out-dir for an input given as a file. */
static const char *relative_name(const char *path)
{
    if (path[0] == '/' || strstr(path, "..")) {
        const char *slash = strrchr(path, '/');
        return slash ? slash + 1 : path;
    }
    while (path[0] == '.' && path[1] == '/') path += 2;
    return path;
}

int batch_collect(const cli_options *opt, batch_item **items, size_t *n)
{
    item_list l = {0};
    int rc = EXIT_CLEAN;
    char *stdin_only[] = {"-"};
    char **files = opt->n_files ? opt->files : stdin_only;
    int nf = opt->n_files ? opt->n_files : 1;
    for (int i = 0; i < nf && rc == EXIT_CLEAN; i++) {
        struct stat st;
        const char *f = files[i];
        if (strcmp(f, "-") != 0 && stat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (!opt->recursive) {
                fprintf(stderr, "%s: error: is a directory (use -r to process its files) [input/io]\n", f);
                rc = EXIT_TROUBLE;
                continue;
            }
            char dir[PATH_MAX];
            size_t len = strlen(f);
            while (len > 1 && f[len - 1] == '/') len--;
            if (len >= sizeof dir) { rc = EXIT_TROUBLE; break; }
            memcpy(dir, f, len);
            dir[len] = '\0';
            rc = walk(&l, dir, "", opt->out_dir);
        } else {
            long long size = strcmp(f, "-") && stat(f, &st) == 0 ? (long long)st.st_size : -1;
            if (push_item(&l, f, relative_name(f), opt->out_dir, size)) rc = EXIT_TROUBLE;
        }
    }
    if (rc != EXIT_CLEAN && rc != EXIT_TROUBLE) rc = EXIT_TROUBLE;
    *items = l.v;
    *n = l.n;
    return rc;
}

void batch_items_free(batch_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].path);
        free(items[i].out_path);
    }
    free(items);
}

/* ---- running ----------------------------------------------------------- */

typedef struct {
    const cli_options *opt;
    const batch_item *items;
    size_t n, next, emitted, window;
    batch_result *results;
    unsigned char *done;
    batch_job job;
    pthread_mutex_t lock;
    /* Two conditions so that a finished file wakes the main thread only
     * when it is the one the main thread waits for, and an emitted file
     * wakes workers only when one waits for room in the window: waking
     * everyone after every file cost a context switch per file. */
    pthread_cond_t work_cv, main_cv;
    int workers_waiting, main_waiting;
    int slot_counter;
    struct committer *com; /* files written in place or to --out-dir, or NULL */
} pool;

typedef struct {
    batch_result *cur;
    const cli_options *opt;
} sink_state;

static void result_sink(void *ud, const ts_diagnostic *d)
{
    sink_state *s = ud;
    if (!s->cur || (s->opt->quiet && d->severity != TS_SEV_ERROR)) return;
    const char *file = d->file ? d->file : "tscrub";
    if (d->line)
        batch_printf(s->cur, 1, "%s:%u:%u: %s: %s [%s]\n", file, d->line, d->col ? d->col : 1,
                     ts_severity_name(d->severity), d->message, d->rule);
    else
        batch_printf(s->cur, 1, "%s: %s: %s [%s]\n", file, ts_severity_name(d->severity),
                     d->message, d->rule);
}

/* Waits on the pool's condition for at most a tenth of a second: the
 * signal handler cannot wake anyone, so waiters look at the flag. */
/* The time `ms` milliseconds from now, as pthread_cond_timedwait takes it. */
static struct timespec deadline_in(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000L * 1000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void wait_a_little(pool *p, pthread_cond_t *cv)
{
    struct timespec ts = deadline_in(100);
    pthread_cond_timedwait(cv, &p->lock, &ts);
}

/* Whether the main thread, waiting for file p->emitted, should wake: when
 * half a window of files is ready to emit in order, or the ready run
 * reaches the last file or the last file handed out (nothing more will
 * finish until it is emitted and workers get room).  Waking it per file
 * cost a context switch per file.  Called with the lock held. */
static int main_has_enough(const pool *p)
{
    size_t k = p->emitted, want = p->window / 2;
    while (k < p->n && p->done[k]) k++;
    return k - p->emitted >= want || k == p->n || k == p->next;
}

static void block_signals(void)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
}

static void mark_done(pool *p, const size_t *items, size_t n)
{
    pthread_mutex_lock(&p->lock);
    for (size_t k = 0; k < n; k++) p->done[items[k]] = 1;
    if (p->main_waiting && main_has_enough(p)) pthread_cond_signal(&p->main_cv);
    pthread_mutex_unlock(&p->lock);
}

/* The pool's committer: makes the files the workers wrote (batch_defer)
 * durable and renames them into place, then marks them done, so workers
 * go on with their next files while the disk works.  It takes files in
 * groups: one syncfs makes a whole group durable (ts_atomic_sync_group)
 * where an fsync per file would flush the device cache once per file, and
 * the thread wakes once per group, not per file.  A group is
 * COMMIT_GROUP files, or fewer when a worker waits for room in the
 * window, the batch ends, or files have waited COMMIT_WAIT_MS. */
#define COMMIT_WAIT_MS 50
/* A syncfs slower than this means the file system holds much dirty data
 * that is not ours, which every later syncfs would wait for too: the
 * committer fsyncs file by file from then on. */
#define SLOW_SYNCFS_SECONDS 1.0

typedef struct committer {
    pool *p;
    pthread_t th;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    size_t *q;          /* ring of item indices (malloc'd, p->window long) */
    size_t head, count;
    size_t *group;      /* the group being committed (malloc'd, p->window long) */
    ts_atomic_file **files; /* its pending files (malloc'd, p->window long) */
    int closing, hurry;
    int fsync_each;     /* syncfs was slow: leave each file its own fsync */
} committer;

static double now(void);

/* Waits, with c->lock held, until a group is ready; 0 when closing with
 * nothing left. */
static int group_ready(committer *c)
{
    struct timespec deadline; /* COMMIT_WAIT_MS after the first file came */
    int timed = 0;
    for (;;) {
        if (c->count >= COMMIT_GROUP || (c->count && (c->hurry || c->closing))) return 1;
        if (c->closing) return 0;
        if (!c->count) {
            timed = 0;
            pthread_cond_wait(&c->cv, &c->lock);
            continue;
        }
        if (!timed) {
            deadline = deadline_in(COMMIT_WAIT_MS);
            timed = 1;
        }
        if (pthread_cond_timedwait(&c->cv, &c->lock, &deadline) == ETIMEDOUT && c->count) return 1;
    }
}

static void *commit_loop(void *arg)
{
    committer *c = arg;
    pool *p = c->p;
    block_signals();
    for (;;) {
        pthread_mutex_lock(&c->lock);
        if (!group_ready(c)) {
            pthread_mutex_unlock(&c->lock);
            break;
        }
        size_t n = 0;
        for (; c->count; c->count--, c->head = (c->head + 1) % p->window) c->group[n++] = c->q[c->head];
        c->hurry = 0;
        pthread_mutex_unlock(&c->lock);

        pthread_mutex_lock(&p->lock);
        size_t remaining = p->n - p->next;
        pthread_mutex_unlock(&p->lock);
        size_t n_files = 0;
        for (size_t k = 0; k < n; k++)
            if (p->results[c->group[k]].pending) c->files[n_files++] = p->results[c->group[k]].pending;
        if (!c->fsync_each && !interrupted && n_files > 1) {
            double t = now();
            ts_atomic_sync_group(c->files, n_files);
            if (now() - t > SLOW_SYNCFS_SECONDS) c->fsync_each = 1;
        }
        for (size_t k = 0; k < n; k++) commit_pending(&p->results[c->group[k]], remaining);
        mark_done(p, c->group, n);
    }
    return NULL;
}

static void committer_free(committer *c)
{
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cv);
    free(c->q);
    free(c->group);
    free(c->files);
}

static int committer_start(committer *c, pool *p)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->q = malloc(p->window * sizeof *c->q);
    c->group = malloc(p->window * sizeof *c->group);
    c->files = malloc(p->window * sizeof *c->files);
    if (!c->q || !c->group || !c->files || pthread_create(&c->th, NULL, commit_loop, c) != 0) {
        committer_free(c);
        return -1;
    }
    return 0;
}

static void committer_push(committer *c, size_t i)
{
    pthread_mutex_lock(&c->lock);
    c->q[(c->head + c->count++) % c->p->window] = i; /* never more than a window in flight */
    /* the first file starts the committer's clock; a full group or a
     * pending hurry sends it off */
    if (c->count == 1 || c->count >= COMMIT_GROUP || c->hurry) pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->lock);
}

/* Asks for the files queued so far, or the next one when none is, to be
 * committed at once: a worker is about to wait for them, or has no more
 * files to add. */
static void committer_hurry(committer *c)
{
    pthread_mutex_lock(&c->lock);
    if (!c->hurry) {
        c->hurry = 1;
        if (c->count) pthread_cond_signal(&c->cv);
    }
    pthread_mutex_unlock(&c->lock);
}

/* Lets the committer finish what it was given, then ends it. */
static void committer_stop(committer *c)
{
    pthread_mutex_lock(&c->lock);
    c->closing = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->th, NULL);
    committer_free(c);
}

/* A context for the jobs of a batch (fix, convert, diff): they write
 * results and count edits, so their runs keep tallies, not every edit. */
static ts_context *job_context(const cli_options *opt)
{
    ts_context *ctx = cli_context(opt);
    if (ctx) ts_context_set_run_detail(ctx, TS_RUN_TALLY);
    return ctx;
}

/* Whether a worker must wait before taking the next file: the window of
 * files ahead of the one being printed is full.  Called with the lock held. */
static int must_wait_for_room(const pool *p)
{
    return p->next < p->n && p->next >= p->emitted + p->window && !interrupted;
}

static void *worker(void *arg)
{
    pool *p = arg;
    block_signals();
    pthread_mutex_lock(&p->lock);
    worker_slot = p->slot_counter++;
    pthread_mutex_unlock(&p->lock);
    sink_state sink = {NULL, p->opt};
    ts_context *ctx = job_context(p->opt);
    if (ctx) ts_context_set_sink(ctx, result_sink, &sink);
    /* Files written in place or under --out-dir are committed by the
     * pool's committer; without one (it could not start) the job commits
     * each file itself. */
    int deferring = p->com != NULL;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (must_wait_for_room(p)) {
            if (deferring) {
                pthread_mutex_unlock(&p->lock);
                committer_hurry(p->com);
                pthread_mutex_lock(&p->lock);
                if (!must_wait_for_room(p)) break;
            }
            p->workers_waiting++;
            wait_a_little(p, &p->work_cv);
            p->workers_waiting--;
        }
        if (p->next >= p->n || interrupted) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t i = p->next++;
        pthread_mutex_unlock(&p->lock);
        batch_result *r = &p->results[i];
        r->slot = deferring ? 1 + (int)(i % p->window) : 0;
        sink.cur = r;
        r->rc = ctx ? p->job(ctx, p->opt, &p->items[i], r) : EXIT_TROUBLE;
        sink.cur = NULL;
        if (r->pending) committer_push(p->com, i);
        else mark_done(p, &i, 1);
    }
    if (deferring) committer_hurry(p->com); /* nothing more comes from this worker */
    release_spare();
    ts_context_free(ctx);
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->main_cv);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    size_t files, failed, segments, edits;
    rule_count *rules;
    size_t n_rules;
    char **failures;
    size_t n_failures;
    long long bytes_total, bytes_done;
    double start;
    int progress;       /* stderr is a terminal and we may draw */
    int drawn;
} summary;

static void draw_progress(summary *s, size_t done, size_t total)
{
    if (!s->progress) return;
    double t = now() - s->start;
    if (t < 0.5 && done < total) return; /* not worth a bar */
    double rate = t > 0 ? (double)s->bytes_done / t : 0;
    double eta = rate > 0 && s->bytes_total > s->bytes_done ? (double)(s->bytes_total - s->bytes_done) / rate : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %.1f MB/s, %zu failed, ETA %.0f s", done, total,
            rate / 1e6, s->failed, eta);
    s->drawn = 1;
}

static int emit(const cli_options *opt, const batch_item *it, batch_result *r, summary *s)
{
    (void)opt;
    if (s->drawn) {
        fputs("\r\033[K", stderr);
        s->drawn = 0;
    }
    int rc = r->rc;
    if (r->out.len && fwrite(r->out.data, 1, r->out.len, stdout) != r->out.len) rc = cli_stdout_error();
    if (r->err.len) fwrite(r->err.data, 1, r->err.len, stderr);
    s->files++;
    s->segments += r->segments;
    s->edits += r->edits;
    for (size_t k = 0; k < r->n_rules; k++)
        count_rule(&s->rules, &s->n_rules, r->rules[k].rule, r->rules[k].count);
    if (rc == EXIT_TROUBLE) {
        s->failed++;
        char **f = realloc(s->failures, (s->n_failures + 1) * sizeof *f);
        if (f) {
            s->failures = f;
            if ((f[s->n_failures] = strdup(it->path))) s->n_failures++;
        }
    }
    if (it->size > 0) s->bytes_done += it->size;
    return rc;
}

static int cmp_rules(const void *a, const void *b)
{
    const rule_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->rule, y->rule);
}

static void print_summary(const cli_options *opt, summary *s, size_t total, int show)
{
    if (show && !opt->quiet) {
        double t = now() - s->start;
        fprintf(stderr, "tscrub: %zu file%s", s->files, s->files == 1 ? "" : "s");
        if (s->files < total) fprintf(stderr, " of %zu (interrupted)", total);
        fprintf(stderr, ", %zu failed, %zu segments, %zu edits, %.2f s\n", s->failed,
                s->segments, s->edits, t);
        qsort(s->rules, s->n_rules, sizeof *s->rules, cmp_rules);
        for (size_t i = 0; i < s->n_rules; i++)
            fprintf(stderr, "  %-32s %zu\n", s->rules[i].rule, s->rules[i].count);
        for (size_t i = 0; i < s->n_failures; i++)
            fprintf(stderr, "  failed: %s\n", s->failures[i]);
    }
    for (size_t i = 0; i < s->n_rules; i++) free(s->rules[i].rule);
    free(s->rules);
    for (size_t i = 0; i < s->n_failures; i++) free(s->failures[i]);
    free(s->failures);
}

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int batch_run(const cli_options *opt, const batch_item *items, size_t n, batch_job job)
{
    unsigned jobs = opt->jobs ? opt->jobs : default_jobs();
    if (jobs > n) jobs = n ? (unsigned)n : 1;
    if (jobs > MAX_WORKERS) jobs = MAX_WORKERS;
    summary s = {0};
    s.start = now();
    s.progress = !opt->quiet && n > 1 && isatty(STDERR_FILENO);
    for (size_t i = 0; i < n; i++) s.bytes_total += items[i].size > 0 ? items[i].size : 0;
    int show_summary = n > 1 || opt->recursive;

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    int rc = EXIT_CLEAN;
    /* One job at a time on this thread, writing standard output directly;
     * but files written in place or to --out-dir go through a pool even of
     * one worker, so that its committer's fsync and rename overlap the
     * worker's next file. */
    if (jobs <= 1 && !opt->in_place && !opt->out_dir) {
        sink_state sink = {NULL, opt};
        ts_context *ctx = job_context(opt);
        if (!ctx) {
            rc = EXIT_TROUBLE;
        } else {
            ts_context_set_sink(ctx, result_sink, &sink);
            for (size_t i = 0; i < n && !interrupted; i++) {
                batch_result r = {0};
                r.direct = stdout;
                sink.cur = &r;
                r.rc = job(ctx, opt, &items[i], &r);
                sink.cur = NULL;
                int e = emit(opt, &items[i], &r, &s);
                if (e > rc) rc = e;
                result_release(&r);
                draw_progress(&s, i + 1, n);
            }
            release_spare();
            ts_context_free(ctx);
        }
    } else {
        pool p = {0};
        p.opt = opt;
        p.items = items;
        p.n = n;
        p.job = job;
        int deferring = opt->in_place || opt->out_dir;
        p.window = (size_t)jobs * 4 + (deferring ? COMMIT_GROUP : 0);
        p.results = calloc(n, sizeof *p.results);
        p.done = calloc(n, 1);
        pthread_t *th = calloc(jobs, sizeof *th);
        if (!p.results || !p.done || !th) {
            fprintf(stderr, "tscrub: error: out of memory\n");
            free(p.results);
            free(p.done);
            free(th);
            return EXIT_TROUBLE;
        }
        pthread_mutex_init(&p.lock, NULL);
        pthread_cond_init(&p.work_cv, NULL);
        pthread_cond_init(&p.main_cv, NULL);
        committer com;
        if (deferring && committer_start(&com, &p) == 0) p.com = &com;
        unsigned started = 0;
        for (; started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker, &p) != 0) break;
        if (started == 0) {
            fprintf(stderr, "tscrub: error: cannot start worker threads\n");
            rc = EXIT_TROUBLE;
        }
        for (size_t i = 0; i < n && started; i++) {
            pthread_mutex_lock(&p.lock);
            while (!p.done[i] && !(interrupted && p.next <= i)) {
                p.main_waiting = 1;
                wait_a_little(&p, &p.main_cv);
                p.main_waiting = 0;
            }
            int have = p.done[i];
            pthread_mutex_unlock(&p.lock);
            if (!have) break; /* interrupted before this file started */
            int e = emit(opt, &items[i], &p.results[i], &s);
            if (e > rc) rc = e;
            result_release(&p.results[i]);
            pthread_mutex_lock(&p.lock);
            p.emitted = i + 1;
            if (p.workers_waiting) pthread_cond_broadcast(&p.work_cv);
            pthread_mutex_unlock(&p.lock);
            draw_progress(&s, i + 1, n);
        }
        pthread_mutex_lock(&p.lock);
        pthread_cond_broadcast(&p.work_cv);
        pthread_mutex_unlock(&p.lock);
        for (unsigned k = 0; k < started; k++) pthread_join(th[k], NULL);
        if (p.com) committer_stop(p.com);
        /* Files finished after the interrupt are still reported. */
        for (size_t i = s.files; i < n; i++) {
            if (!p.done[i]) continue;
            int e = emit(opt, &items[i], &p.results[i], &s);
            if (e > rc) rc = e;
        }
        for (size_t i = 0; i < n; i++) result_release(&p.results[i]);
        release_pool();
        pthread_mutex_destroy(&p.lock);
        pthread_cond_destroy(&p.work_cv);
        pthread_cond_destroy(&p.main_cv);
        free(p.results);
        free(p.done);
        free(th);
    }
    if (s.drawn) fputs("\r\033[K", stderr);
    sync_noted_dirs();
    if (interrupted) {
        fprintf(stderr, "tscrub: interrupted; files not yet written were left as they were\n");
        rc = 128 + interrupted;
    }
    print_summary(opt, &s, n, show_summary || interrupted);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
