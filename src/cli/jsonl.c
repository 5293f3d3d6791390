/*
 * jsonl.c - `tscrub fix --from jsonl`: one transcript per input line,
 *
 *     {"id": ..., "format": "srt", "content": "..."}      ("format" optional)
 *
 * one cleaned record per output line, in the same order:
 *
 *     {"id": ..., "format": "srt", "content": "...", "edits": [...]}
 *     {"id": ..., "error": {"message": "...", "line": 3, "col": 1, "rule": "input/timecode"}}
 *
 * so tscrub can be the map step of engines that already spread work over
 * machines (Spark's RDD.pipe, Hadoop Streaming, GNU parallel --pipe).  A bad
 * record gives an error record and exit status 2 at the end; the others go
 * on.  The id is echoed whatever its JSON type.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../buf.h"
#include "cli.h"

typedef struct {
    const cli_options *opt;
    json_t *error;   /* the first error of the current record */
} record_sink;

static void on_diag(void *ud, const ts_diagnostic *d)
{
    record_sink *s = ud;
    if (d->severity != TS_SEV_ERROR) {
        if (!s->opt->quiet)
            fprintf(stderr, "%s: %s: %s [%s]\n", d->file ? d->file : "tscrub",
                    ts_severity_name(d->severity), d->message, d->rule);
        return;
    }
    if (s->error) return;
    s->error = json_pack("{s:s, s:i, s:i, s:s}", "message", d->message, "line", (int)d->line,
                         "col", (int)d->col, "rule", d->rule);
}

static int buf_write(void *ud, const char *data, size_t len) { return ts_buf_append(ud, data, len); }

static json_t *edits_json(const ts_run *run)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < ts_run_count(run); i++) {
        ts_edit_info e;
        ts_run_get(run, i, &e);
        json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:f}", "rule", e.rule, "severity",
                              ts_severity_name(e.severity), "message", e.message, "line",
                              (int)e.line, "col", (int)e.col, "applied", e.applied,
                              "confidence", (double)e.confidence);
        if (o && e.before) json_object_set_new(o, "before", json_stringn(e.before, e.before_len));
        if (o && e.after) json_object_set_new(o, "after", json_stringn(e.after, e.after_len));
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Cleans one record; returns the output record (never NULL unless memory
 * ran out) and raises *rc on errors. */
static json_t *clean_record(ts_context *ctx, record_sink *sink, const cli_options *opt,
                            json_t *in, const char *name, int *rc)
{
    json_t *id = json_object_get(in, "id");
    json_t *fmt = json_object_get(in, "format");
    json_t *content = json_object_get(in, "content");
    json_t *out = json_object();
    if (!out) return NULL;
    json_object_set(out, "id", id ? id : json_null());
    if (!json_is_string(content) || (fmt && !json_is_string(fmt))) {
        json_object_set_new(out, "error", json_pack("{s:s}", "message",
                            "a record needs a string \"content\" (and \"format\" a string if given)"));
        *rc = EXIT_TROUBLE;
        return out;
    }
    sink->error = NULL;
    ts_transcript *t = NULL;
    ts_run *run = NULL;
    ts_buf cleaned = TS_BUF_INIT;
    ts_status st = ts_read(ctx, name, json_string_value(content), json_string_length(content),
                           fmt ? json_string_value(fmt) : NULL, &t);
    if (!st) st = ts_fix(ctx, t, &run);
    if (!st) st = ts_write(ctx, t, opt->to, buf_write, &cleaned);
    if (st) {
        json_object_set_new(out, "error", sink->error ? sink->error
                                                      : json_pack("{s:s}", "message", ts_status_message(st)));
        sink->error = NULL;
        *rc = EXIT_TROUBLE;
    } else {
        json_object_set_new(out, "format", json_string(opt->to ? opt->to : ts_transcript_format(t)));
        json_object_set_new(out, "content", json_stringn(cleaned.data ? cleaned.data : "", cleaned.len));
        json_object_set_new(out, "edits", edits_json(run));
    }
    if (sink->error) json_decref(sink->error);
    sink->error = NULL;
    ts_buf_release(&cleaned);
    ts_run_free(run);
    ts_transcript_free(t);
    return out;
}

static int emit(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!s) return -1;
    int rc = puts(s) < 0 ? -1 : 0;
    free(s);
    return rc;
}

int cli_fix_jsonl(cli_options *opt)
{
    if (opt->in_place || opt->out_dir || opt->output) {
        fprintf(stderr, "tscrub: error: --from jsonl writes records to standard output only\n");
        return EXIT_TROUBLE;
    }
    record_sink sink = {opt, NULL};
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    ts_context_set_sink(ctx, on_diag, &sink);
    int rc = EXIT_CLEAN;
    char *stdin_only[] = {"-"};
    char **files = opt->n_files ? opt->files : stdin_only;
    int nf = opt->n_files ? opt->n_files : 1;
    for (int f = 0; f < nf; f++) {
        FILE *in = strcmp(files[f], "-") ? fopen(files[f], "r") : stdin;
        if (!in) {
            fprintf(stderr, "%s: error: cannot open: %s [input/io]\n", files[f], strerror(errno));
            rc = EXIT_TROUBLE;
            continue;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        unsigned number = 0;
        while ((len = getline(&line, &cap, in)) >= 0) {
            number++;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
            if (len == 0) continue;
            json_error_t jerr;
            json_t *rec = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
            json_t *out;
            char name[64];
            snprintf(name, sizeof name, "%s#%u", strcmp(files[f], "-") ? "record" : "stdin", number);
            if (!json_is_object(rec)) {
                out = json_pack("{s:n, s:{s:s, s:i, s:i}}", "id", "error", "message",
                                rec ? "a record must be a JSON object" : jerr.text, "line",
                                (int)number, "col", rec ? 1 : jerr.column);
                rc = EXIT_TROUBLE;
            } else {
                out = clean_record(ctx, &sink, opt, rec, name, &rc);
            }
            json_decref(rec);
            if (!out || emit(out)) {
                json_decref(out);
                free(line);
                if (in != stdin) fclose(in);
                ts_context_free(ctx);
                return cli_stdout_error();
            }
            json_decref(out);
        }
        free(line);
        if (in != stdin) fclose(in);
    }
    ts_context_free(ctx);
    return rc;
}
