/*
 * commands.c - fix, lint, diff, convert, passes and formats.
 *
 * All four transcript commands share one path: read, run the passes (none
 * for convert), then present the run: the written transcript (fix,
 * convert), the log as diagnostics (lint), or a unified diff of input and
 * output (diff).  Every file is handled on its own: a bad file is reported
 * and the others go on; the exit status is the worst one.  Output files are
 * replaced atomically and only after the whole result was produced, so an
 * error never leaves a partial file behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic.h"
#include "../buf.h"
#include "../udiff.h"
#include "cli.h"

static int worst(int a, int b) { return a > b ? a : b; }

/* Reads one input; keeps the original bytes when `orig` is given. */
static int load(ts_context *ctx, const cli_options *opt, const char *path, ts_transcript **t,
                char **orig, size_t *orig_len)
{
    ts_status st;
    if (strcmp(path, "-") == 0 || orig) {
        char *data;
        size_t len;
        if (cli_slurp(path, &data, &len)) {
            fprintf(stderr, "%s: error: cannot read: %s [input/io]\n",
                    strcmp(path, "-") ? path : "<stdin>", strerror(errno));
            return EXIT_TROUBLE;
        }
        const char *name = strcmp(path, "-") ? path : "<stdin>";
        if (orig) {
            st = ts_read(ctx, name, data, len, opt->from, t);
            *orig = data;
            *orig_len = len;
        } else {
            st = ts_read_owned(ctx, name, data, len, opt->from, t);
        }
    } else {
        st = ts_read_file(ctx, path, opt->from, t);
    }
    if (st == TS_ERR_NOMEM) fprintf(stderr, "%s: error: out of memory\n", path);
    return st ? EXIT_TROUBLE : EXIT_CLEAN;
}

static int write_out(ts_context *ctx, const cli_options *opt, const ts_transcript *t,
                     const char *target)
{
    if (!target) {
        ts_status st = ts_write(ctx, t, opt->to, cli_write_stdio, stdout);
        if (st == TS_ERR_IO) return cli_stdout_error();
        return st ? EXIT_TROUBLE : EXIT_CLEAN;
    }
    ts_atomic_file f;
    if (ts_atomic_open(&f, target)) {
        fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", target, strerror(errno));
        return EXIT_TROUBLE;
    }
    ts_status st = ts_write(ctx, t, opt->to, ts_atomic_write, &f);
    if (st) {
        int e = f.err;
        ts_atomic_abort(&f);
        if (st == TS_ERR_IO)
            fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", target,
                    strerror(e ? e : EIO));
        return EXIT_TROUBLE;
    }
    if (ts_atomic_commit(&f)) {
        fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", target, strerror(errno));
        return EXIT_TROUBLE;
    }
    return EXIT_CLEAN;
}

static int default_inputs(cli_options *opt)
{
    static char *stdin_only[] = {"-"};
    if (opt->n_files == 0) {
        opt->files = stdin_only;
        opt->n_files = 1;
    }
    return 0;
}

static int transform(cli_options *opt, int run_passes)
{
    default_inputs(opt);
    if (opt->in_place)
        for (int i = 0; i < opt->n_files; i++)
            if (strcmp(opt->files[i], "-") == 0) {
                fprintf(stderr, "tscrub: error: --in-place needs files, not standard input\n");
                return EXIT_TROUBLE;
            }
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    int rc = EXIT_CLEAN;
    for (int i = 0; i < opt->n_files; i++) {
        ts_transcript *t = NULL;
        ts_run *run = NULL;
        int r = load(ctx, opt, opt->files[i], &t, NULL, NULL);
        if (!r && run_passes && ts_fix(ctx, t, &run)) r = EXIT_TROUBLE;
        if (!r) r = write_out(ctx, opt, t, opt->in_place ? opt->files[i] : opt->output);
        ts_run_free(run);
        ts_transcript_free(t);
        rc = worst(rc, r);
    }
    ts_context_free(ctx);
    return rc;
}

int cmd_fix(cli_options *opt) { return transform(opt, 1); }

int cmd_convert(cli_options *opt) { return transform(opt, 0); }

static int cmp_info(const void *pa, const void *pb)
{
    const ts_edit_info *a = pa, *b = pb;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    int c = strcmp(a->rule, b->rule);
    if (c) return c;
    return (a->segment > b->segment) - (a->segment < b->segment);
}

/* The change an entry makes, quoted, so a reader sees it without a diff. */
static void print_change(FILE *to, const ts_edit_info *e)
{
    if (!e->applied || !e->before) return;
    fputs(" (", to);
    for (int side = 0; side < 2; side++) {
        const char *p = side ? e->after : e->before;
        size_t n = side ? e->after_len : e->before_len;
        fputc('\'', to);
        for (size_t k = 0; k < n && k < 60; k++) {
            if (p[k] == '\n') fputs("\\n", to);
            else if (p[k] == '\t') fputs("\\t", to);
            else fputc(p[k], to);
        }
        if (n > 60) fputs("...", to);
        fputc('\'', to);
        if (!side) fputs(" -> ", to);
    }
    fputc(')', to);
}

int cmd_lint(cli_options *opt)
{
    default_inputs(opt);
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    int rc = EXIT_CLEAN;
    for (int i = 0; i < opt->n_files; i++) {
        ts_transcript *t = NULL;
        ts_run *run = NULL;
        int r = load(ctx, opt, opt->files[i], &t, NULL, NULL);
        if (!r && ts_fix(ctx, t, &run)) r = EXIT_TROUBLE;
        if (!r) {
            size_t n = ts_run_count(run);
            ts_edit_info *v = malloc((n ? n : 1) * sizeof *v);
            if (!v) {
                r = EXIT_TROUBLE;
            } else {
                for (size_t k = 0; k < n; k++) ts_run_get(run, k, &v[k]);
                qsort(v, n, sizeof *v, cmp_info);
                const char *name = strcmp(opt->files[i], "-") ? opt->files[i] : "<stdin>";
                for (size_t k = 0; k < n; k++) {
                    printf("%s:%u:%u: %s: %s", name, v[k].line, v[k].col,
                           ts_severity_name(v[k].severity), v[k].message);
                    print_change(stdout, &v[k]);
                    printf(" [%s]\n", v[k].rule);
                    if (!opt->fail_never && v[k].severity >= opt->fail_on) r = EXIT_FINDINGS;
                }
                free(v);
            }
        }
        ts_run_free(run);
        ts_transcript_free(t);
        rc = worst(rc, r);
    }
    ts_context_free(ctx);
    return rc;
}

static int buf_write(void *ud, const char *data, size_t len)
{
    return ts_buf_append(ud, data, len);
}

int cmd_diff(cli_options *opt)
{
    default_inputs(opt);
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    int rc = EXIT_CLEAN;
    for (int i = 0; i < opt->n_files; i++) {
        ts_transcript *t = NULL;
        ts_run *run = NULL;
        char *orig = NULL;
        size_t orig_len = 0;
        ts_buf out = TS_BUF_INIT;
        int r = load(ctx, opt, opt->files[i], &t, &orig, &orig_len);
        if (!r && ts_fix(ctx, t, &run)) r = EXIT_TROUBLE;
        if (!r) {
            ts_status st = ts_write(ctx, t, opt->to, buf_write, &out);
            if (st) {
                if (st == TS_ERR_IO) fprintf(stderr, "tscrub: error: out of memory\n");
                r = EXIT_TROUBLE;
            }
        }
        if (!r) {
            const char *name = strcmp(opt->files[i], "-") ? opt->files[i] : "<stdin>";
            size_t ln = strlen(name) + 3;
            char *la = malloc(ln), *lb = malloc(ln);
            if (!la || !lb) {
                r = EXIT_TROUBLE;
            } else {
                snprintf(la, ln, "a/%s", name);
                snprintf(lb, ln, "b/%s", name);
                int d = ts_udiff(orig, orig_len, out.data ? out.data : "", out.len, la, lb, 3,
                                 cli_write_stdio, stdout);
                if (d < 0) r = cli_stdout_error();
                else if (d > 0) r = EXIT_FINDINGS;
            }
            free(la);
            free(lb);
        }
        ts_buf_release(&out);
        free(orig);
        ts_run_free(run);
        ts_transcript_free(t);
        rc = worst(rc, r);
    }
    ts_context_free(ctx);
    return rc;
}

static const char *sev_short(ts_severity s) { return ts_severity_name(s); }

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
            printf("  %-30s %-7s  %s\n", p->rules[k].id, sev_short(p->rules[k].severity),
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
