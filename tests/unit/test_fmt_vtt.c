/*
 * test_fmt_vtt.c - the W3C web-platform-tests WebVTT file-parsing cases
 * (tests/data/webvtt-wpt/), one test per row of EXPECTATIONS.tsv: the file
 * loads or fails as the table says, with the stated number of cues, and a
 * file that loads is written back byte for byte (NUL bytes excepted: they
 * are read as U+FFFD, as the specification says).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "tscrub.h"

#define DATA "tests/data/webvtt-wpt/"

typedef struct {
    char name[160];
    char file[200];
    int ok;
    long cues; /* -1: not stated */
} row;

static void quiet(void *ud, const ts_diagnostic *d)
{
    (void)ud;
    (void)d;
}

static int buf_write(void *ud, const char *p, size_t n) { return ts_buf_append(ud, p, n); }

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    ts_buf b = TS_BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) ts_buf_append(&b, tmp, n);
    fclose(f);
    ts_buf_putc(&b, '\0');
    *len = b.len - 1;
    return b.data;
}

static void run_case(void **state)
{
    const row *r = *state;
    ts_context *ctx = ts_context_new();
    assert_non_null(ctx);
    ts_context_set_sink(ctx, quiet, NULL);
    ts_transcript *t = NULL;
    ts_status st = ts_read_file(ctx, r->file, "vtt", &t);
    if (!r->ok) {
        if (st != TS_ERR_INPUT) fail_msg("%s: expected a load error, got status %d", r->name, st);
        ts_context_free(ctx);
        return;
    }
    if (st != TS_OK) fail_msg("%s: expected to load, got status %d", r->name, st);
    if (r->cues >= 0 && (long)ts_transcript_segment_count(t) != r->cues)
        fail_msg("%s: expected %ld cues, got %zu", r->name, r->cues, ts_transcript_segment_count(t));
    size_t len;
    char *orig = slurp(r->file, &len);
    assert_non_null(orig);
    if (!memchr(orig, '\0', len)) {
        ts_buf out = TS_BUF_INIT;
        assert_int_equal(ts_write(ctx, t, NULL, buf_write, &out), TS_OK);
        if (out.len != len || memcmp(out.data, orig, len) != 0)
            fail_msg("%s: not written back byte for byte", r->name);
        ts_buf_release(&out);
    }
    free(orig);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

int main(void)
{
    size_t len;
    char *tsv = slurp(DATA "EXPECTATIONS.tsv", &len);
    if (!tsv) {
        fprintf(stderr, "cannot read " DATA "EXPECTATIONS.tsv (run from the top directory)\n");
        return 1;
    }
    row *rows = calloc(128, sizeof *rows);
    struct CMUnitTest *tests = calloc(128, sizeof *tests);
    size_t n = 0;
    char *save = NULL;
    int header = 1;
    for (char *line = strtok_r(tsv, "\n", &save); line && n < 128; line = strtok_r(NULL, "\n", &save)) {
        if (header) { header = 0; continue; }
        char *f1 = line, *f2 = strchr(f1, '\t');
        if (!f2) continue;
        *f2++ = '\0';
        char *f3 = strchr(f2, '\t');
        if (!f3) continue;
        *f3++ = '\0';
        char *f4 = strchr(f3, '\t');
        if (f4) *f4 = '\0';
        row *r = &rows[n];
        snprintf(r->name, sizeof r->name, "wpt %s", f1);
        snprintf(r->file, sizeof r->file, DATA "%s", f1);
        r->ok = strcmp(f2, "ok") == 0;
        r->cues = f3[0] >= '0' && f3[0] <= '9' ? strtol(f3, NULL, 10) : -1;
        tests[n] = (struct CMUnitTest){r->name, run_case, NULL, NULL, r};
        n++;
    }
    int rc = _cmocka_run_group_tests("webvtt-wpt", tests, n, NULL, NULL);
    free(tests);
    free(rows);
    free(tsv);
    return rc;
}
