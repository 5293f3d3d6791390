/*
 * commands.c - fix, lint, diff, convert, passes and formats.
 *
 * The transcript commands share one path: every input (directories
 * expanded with -r) becomes a job run by the batch pool; a job reads the
 * file, runs the passes (none for convert), and presents the run: the
 * written transcript (fix, convert), the log as findings (lint), or a
 * unified diff of input and output (diff).  A bad file is reported and the
 * others go on; the exit status is the worst one.  Output files are
 * replaced atomically and only after the whole result was produced, so an
 * error or an interrupt never leaves a partial file behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../atomic.h"
#include "../buf.h"
#include "../udiff.h"
#include "batch.h"
#include "cli.h"
#include "lint_output.h"

static const char *display_name(const char *path) { return strcmp(path, "-") ? path : "<stdin>"; }

/* Reads one input; keeps the original bytes when `orig` is given. */
static int load(ts_context *ctx, const cli_options *opt, const char *path, batch_result *r,
                ts_transcript **t, char **orig, size_t *orig_len)
{
    ts_status st;
    if (strcmp(path, "-") == 0 || orig) {
        char *data;
        size_t len;
        if (cli_slurp(path, &data, &len)) {
            batch_printf(r, 1, "%s: error: cannot read: %s [input/io]\n", display_name(path),
                         strerror(errno));
            return EXIT_TROUBLE;
        }
        if (orig) {
            st = ts_read(ctx, display_name(path), data, len, opt->from, t);
            *orig = data;
            *orig_len = len;
        } else {
            st = ts_read_owned(ctx, display_name(path), data, len, opt->from, t);
        }
    } else {
        st = ts_read_file(ctx, path, opt->from, t);
    }
    if (st == TS_ERR_NOMEM) batch_printf(r, 1, "%s: error: out of memory\n", display_name(path));
    return st ? EXIT_TROUBLE : EXIT_CLEAN;
}

/* Refuses to replace a file its owner protected: a read-only file stays
 * as it is even for root. */
static int writable(const char *path, batch_result *r)
{
    struct stat st;
    if (stat(path, &st) != 0) return 1;
    if ((st.st_mode & 0222) == 0 || access(path, W_OK) != 0) {
        batch_printf(r, 1, "%s: error: file is read-only; left unchanged [input/io]\n", path);
        return 0;
    }
    return 1;
}

static int mkdirs_for(const char *file)
{
    char dir[PATH_MAX];
    size_t n = strlen(file);
    if (n >= sizeof dir) return -1;
    memcpy(dir, file, n + 1);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

typedef struct {
    ts_atomic_file *f;
} guarded;

/* Writes to the temporary file, giving up once an interrupt arrived. */
static int guarded_write(void *ud, const char *data, size_t len)
{
    if (batch_interrupted()) return -1;
    return ts_atomic_write(((guarded *)ud)->f, data, len);
}

static int backup_original(const char *path, const char *suffix, batch_result *r)
{
    char b[PATH_MAX];
    if (snprintf(b, sizeof b, "%s%s", path, suffix) >= (int)sizeof b) return -1;
    unlink(b);
    if (link(path, b) == 0) return 0;
    /* No hard links here: copy. */
    char *data;
    size_t len;
    if (cli_slurp(path, &data, &len)) goto fail;
    ts_atomic_file f;
    if (ts_atomic_open(&f, b)) {
        free(data);
        goto fail;
    }
    int w = ts_atomic_write(&f, data, len);
    free(data);
    if (w) {
        ts_atomic_abort(&f);
        goto fail;
    }
    if (ts_atomic_commit(&f) == 0) return 0;
fail:
    batch_printf(r, 1, "%s: error: cannot keep a backup as %s: %s [input/io]\n", path, b,
                 strerror(errno));
    return -1;
}

static int write_result(ts_context *ctx, const cli_options *opt, const ts_transcript *t,
                        const char *target, const char *backup_of, batch_result *r)
{
    if (!target) {
        ts_status st = ts_write(ctx, t, opt->to, batch_write, r);
        if (st == TS_ERR_IO) {
            if (r->direct) return EXIT_TROUBLE; /* reported once by main */
            batch_printf(r, 1, "tscrub: error: out of memory\n");
        }
        return st ? EXIT_TROUBLE : EXIT_CLEAN;
    }
    /* Not with --backup: the replaced inode is the backup then. */
    ts_atomic_spare *spare = opt->backup ? NULL : batch_spare();
    ts_atomic_file f;
    if ((!backup_of && mkdirs_for(target)) || ts_atomic_open_spare(&f, target, spare)) {
        batch_printf(r, 1, "%s: error: cannot write: %s [input/io]\n", target, strerror(errno));
        return EXIT_TROUBLE;
    }
    batch_register_tmp(f.tmp);
    f.sync_dir = 0; /* the batch syncs each directory once, at its end */
    guarded g = {&f};
    ts_status st = ts_write(ctx, t, opt->to, guarded_write, &g);
    int rc = EXIT_CLEAN;
    if (st || batch_interrupted()) {
        int e = f.err;
        ts_atomic_abort(&f);
        if (st == TS_ERR_IO && !batch_interrupted())
            batch_printf(r, 1, "%s: error: cannot write: %s [input/io]\n", target,
                         strerror(e ? e : EIO));
        rc = EXIT_TROUBLE;
    } else if (backup_of && opt->backup && backup_original(backup_of, opt->backup, r)) {
        ts_atomic_abort(&f);
        rc = EXIT_TROUBLE;
    } else if (!opt->backup && batch_defer(r, &f) == 0) {
        /* the main thread commits it, in order */
    } else if (ts_atomic_commit_spare(&f, spare)) {
        batch_printf(r, 1, "%s: error: cannot write: %s [input/io]\n", target, strerror(errno));
        rc = EXIT_TROUBLE;
    } else {
        batch_note_renamed(target);
    }
    batch_register_tmp(spare ? spare->path : NULL);
    return rc;
}

static int transform_job(ts_context *ctx, const cli_options *opt, const batch_item *it,
                         batch_result *r, int run_passes)
{
    if (opt->in_place && !writable(it->path, r)) return EXIT_TROUBLE;
    ts_transcript *t = NULL;
    ts_run *run = NULL;
    int rc = load(ctx, opt, it->path, r, &t, NULL, NULL);
    if (!rc && run_passes && ts_fix(ctx, t, &run)) rc = EXIT_TROUBLE;
    if (!rc) {
        if (run) batch_count_run(r, run, ts_transcript_segment_count(t));
        const char *target = opt->in_place ? it->path : it->out_path ? it->out_path : opt->output;
        rc = write_result(ctx, opt, t, target, opt->in_place ? it->path : NULL, r);
    }
    ts_run_free(run);
    ts_transcript_free(t);
    return rc;
}

static int fix_job(ts_context *ctx, const cli_options *opt, const batch_item *it, batch_result *r)
{
    return transform_job(ctx, opt, it, r, 1);
}

static int convert_job(ts_context *ctx, const cli_options *opt, const batch_item *it,
                       batch_result *r)
{
    return transform_job(ctx, opt, it, r, 0);
}

static int run_batch(cli_options *opt, batch_job job)
{
    batch_item *items = NULL;
    size_t n = 0;
    int rc = batch_collect(opt, &items, &n);
    if (rc == EXIT_CLEAN) {
        if (opt->output && n > 1) {
            fprintf(stderr, "tscrub: error: --output takes a single input file; use --out-dir\n");
            rc = EXIT_TROUBLE;
        } else if (opt->in_place) {
            for (size_t i = 0; i < n; i++)
                if (strcmp(items[i].path, "-") == 0) {
                    fprintf(stderr, "tscrub: error: --in-place needs files, not standard input\n");
                    rc = EXIT_TROUBLE;
                    break;
                }
        }
    }
    if (rc == EXIT_CLEAN) rc = batch_run(opt, items, n, job);
    batch_items_free(items, n);
    return rc;
}

int cmd_fix(cli_options *opt)
{
    if (opt->from && strcmp(opt->from, "jsonl") == 0) return cli_fix_jsonl(opt);
    opt->findings_unused = true;
    return run_batch(opt, fix_job);
}

int cmd_convert(cli_options *opt) { return run_batch(opt, convert_job); }

/* Lint builds one report over all files (SARIF and JSON are single
 * documents, sorted across files), so files are read one after another. */
int cmd_lint(cli_options *opt)
{
    batch_item *items = NULL;
    size_t n = 0;
    int rc = batch_collect(opt, &items, &n);
    lint_report *rep = rc == EXIT_CLEAN ? lint_report_new(opt) : NULL;
    ts_context *ctx = rep ? cli_context(opt) : NULL;
    if (!ctx) {
        lint_report_free(rep);
        batch_items_free(items, n);
        return EXIT_TROUBLE;
    }
    for (size_t i = 0; i < n; i++) {
        ts_transcript *t = NULL;
        ts_run *run = NULL;
        char *orig = NULL;
        size_t orig_len = 0;
        batch_result r = {0};
        r.direct = stdout;
        const char *name = display_name(items[i].path);
        int e = load(ctx, opt, items[i].path, &r, &t, &orig, &orig_len);
        if (!e && lint_report_begin(rep, name, t, orig, orig_len)) e = EXIT_TROUBLE;
        if (!e && ts_fix(ctx, t, &run)) e = EXIT_TROUBLE;
        if (!e && lint_report_add(rep, run)) e = EXIT_TROUBLE;
        if (r.err.len) fwrite(r.err.data, 1, r.err.len, stderr);
        ts_buf_release(&r.err);
        free(orig);
        ts_run_free(run);
        ts_transcript_free(t);
        if (e > rc) rc = e;
    }
    int f = lint_report_finish(rep);
    if (f > rc) rc = f;
    lint_report_free(rep);
    ts_context_free(ctx);
    batch_items_free(items, n);
    return rc;
}

static int buf_write(void *ud, const char *data, size_t len)
{
    return ts_buf_append(ud, data, len);
}

static int diff_job(ts_context *ctx, const cli_options *opt, const batch_item *it, batch_result *r)
{
    ts_transcript *t = NULL;
    ts_run *run = NULL;
    char *orig = NULL;
    size_t orig_len = 0;
    ts_buf out = TS_BUF_INIT;
    int rc = load(ctx, opt, it->path, r, &t, &orig, &orig_len);
    if (!rc && ts_fix(ctx, t, &run)) rc = EXIT_TROUBLE;
    if (!rc) {
        batch_count_run(r, run, ts_transcript_segment_count(t));
        if (ts_write(ctx, t, opt->to, buf_write, &out)) {
            batch_printf(r, 1, "tscrub: error: out of memory\n");
            rc = EXIT_TROUBLE;
        }
    }
    if (!rc) {
        const char *name = display_name(it->path);
        size_t ln = strlen(name) + 3;
        char *la = malloc(ln), *lb = malloc(ln);
        if (!la || !lb) {
            rc = EXIT_TROUBLE;
        } else {
            snprintf(la, ln, "a/%s", name);
            snprintf(lb, ln, "b/%s", name);
            int d = ts_udiff(orig, orig_len, out.data ? out.data : "", out.len, la, lb, 3,
                             batch_write, r);
            if (d < 0) rc = EXIT_TROUBLE;
            else if (d > 0) rc = EXIT_FINDINGS;
        }
        free(la);
        free(lb);
    }
    ts_buf_release(&out);
    free(orig);
    ts_run_free(run);
    ts_transcript_free(t);
    return rc;
}

int cmd_diff(cli_options *opt)
{
    opt->findings_unused = true;
    return run_batch(opt, diff_job);
}

int cmd_passes(cli_options *opt)
{
    for (size_t i = 0; i < ts_pass_count(); i++) {
        const ts_pass_info *p = ts_pass_at(i);
        if (opt->names) {
            printf("%s\n", p->name);
            continue;
        }
        printf("%-12s %-3s  %s\n", p->name, p->default_on ? "on" : "off", p->description);
        for (size_t k = 0; k < p->n_rules; k++)
            printf("  %-30s %-7s  %s\n", p->rules[k].id, ts_severity_name(p->rules[k].severity),
                   p->rules[k].description);
    }
    return EXIT_CLEAN;
}

int cmd_formats(cli_options *opt)
{
    for (size_t i = 0; i < ts_format_count(); i++) {
        const ts_format_info *f = ts_format_at(i);
        if (opt->names) {
            printf("%s\n", f->name);
            continue;
        }
        printf("%-11s %s\n", f->name, f->description);
        printf("            extensions: %s\n            detected by %s\n", f->extensions, f->detection);
    }
    return EXIT_CLEAN;
}
