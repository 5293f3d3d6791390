/*
 * review.c - `tscrub review FILES -o report.html`: one self-contained HTML
 * page (inline CSS and a little JavaScript, no network) on which an editor
 * reviews every change fix would make before publishing.
 *
 * Per file: a strip of speaker turns over time (segments that a speakers
 * rule touched are outlined), every change with its before and after, rule
 * id, message and confidence, coloured by pass and linked to the segment's
 * timecode in the cleaned transcript below it.  Filters by pass, rule and
 * minimum confidence; counts per rule.  The initial filter state can be set
 * in the URL fragment (#pass=lines&rule=lines/trim&min=0.5), which is also
 * what the browser test uses.  Every piece of transcript text is escaped:
 * a transcript containing markup renders as text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic.h"
#include "../buf.h"
#include "cli.h"

static void esc(ts_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '&': ts_buf_puts(b, "&amp;"); break;
        case '<': ts_buf_puts(b, "&lt;"); break;
        case '>': ts_buf_puts(b, "&gt;"); break;
        case '"': ts_buf_puts(b, "&quot;"); break;
        case '\'': ts_buf_puts(b, "&#39;"); break;
        case '\n': ts_buf_puts(b, "&#8629;"); break; /* a visible line break */
        default: ts_buf_putc(b, p[i]);
        }
    }
}

static void escs(ts_buf *b, const char *s) { esc(b, s, strlen(s)); }

static void clock_text(char *out, size_t n, double sec)
{
    if (sec < 0) {
        snprintf(out, n, "-");
        return;
    }
    long ms = (long)(sec * 1000 + 0.5);
    snprintf(out, n, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
             ms % 1000);
}

static size_t pass_len(const char *rule)
{
    const char *slash = strchr(rule, '/');
    return slash ? (size_t)(slash - rule) : strlen(rule);
}

/* Index of the last segment starting at or before `start` (0 if none). */
static size_t segment_at(const ts_transcript *t, double start)
{
    size_t lo = 0, hi = ts_transcript_segment_count(t);
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        ts_segment_view v;
        ts_transcript_segment(t, mid, &v);
        if (v.start <= start) lo = mid;
        else hi = mid;
    }
    return lo;
}

static const char style[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}"
    "header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.6em 1.2em;z-index:2}"
    "h1{font-size:1.25em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .4em}"
    "section.file{padding:0 1.2em 1em;border-bottom:1px solid #ddd}"
    "#filters label{margin-right:.8em;white-space:nowrap}#filters select{max-width:22em}"
    "table.counts{border-collapse:collapse;margin:.4em 0;font-size:.9em}"
    "table.counts td{padding:0 .8em 0 0}"
    ".strip{display:flex;height:22px;border:1px solid #ccc;margin:.4em 0;background:#eee}"
    ".strip span{display:block;min-width:1px;border-right:1px solid #fff}"
    ".strip span.moved{outline:2px solid #d00;outline-offset:-2px}"
    "ol.changes{padding-left:2.5em}li.change{margin:.25em 0;padding:.2em .4em;border-left:4px solid #999;background:#fff}"
    "li.change .rule{font:12px monospace;color:#555}li.change .conf{font-size:12px;color:#777}"
    "del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}"
    "li.finding{background:#fff8e1}"
    ".transcript p{margin:.2em 0}.transcript .tc{font:12px monospace;color:#777}"
    ".transcript p:target{background:#ffef9f}"
    "li.pass-encoding{border-color:#8e44ad}li.pass-lines{border-color:#2980b9}"
    "li.pass-artifacts{border-color:#7f8c8d}li.pass-speakers{border-color:#c0392b}"
    "li.pass-dictionary{border-color:#27ae60}li.pass-spelling{border-color:#d35400}"
    "li.pass-rules{border-color:#16a085}.hidden{display:none}";

static const char script[] =
    "(function(){"
    "var items=[].slice.call(document.querySelectorAll('li.change'));"
    "var passes=[].slice.call(document.querySelectorAll('#filters input[data-pass]'));"
    "var rule=document.getElementById('rule'),min=document.getElementById('min');"
    "function apply(){var on={};passes.forEach(function(c){on[c.dataset.pass]=c.checked;});"
    "var r=rule.value,m=parseFloat(min.value)||0,shown=0;"
    "items.forEach(function(li){var ok=on[li.dataset.pass]&&(!r||li.dataset.rule===r)&&"
    "parseFloat(li.dataset.conf)>=m;li.classList.toggle('hidden',!ok);if(ok)shown++;});"
    "document.getElementById('shown').textContent=shown;document.body.dataset.shown=shown;}"
    "var h=location.hash.slice(1).split('&');h.forEach(function(kv){var p=kv.split('=');"
    "var k=decodeURIComponent(p[0]),v=decodeURIComponent(p[1]||'');"
    "if(k==='pass'){var want=v.split(',');passes.forEach(function(c){c.checked=want.indexOf(c.dataset.pass)>=0;});}"
    "if(k==='rule')rule.value=v;if(k==='min')min.value=v;});"
    "passes.forEach(function(c){c.addEventListener('change',apply);});"
    "rule.addEventListener('change',apply);min.addEventListener('input',apply);"
    "document.body.dataset.total=items.length;apply();document.body.dataset.ready='1';})();";

typedef struct {
    char *rule;
    size_t count;
} counter;

static void bump(counter **v, size_t *n, const char *rule)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].rule, rule) == 0) {
            (*v)[i].count++;
            return;
        }
    counter *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p) return;
    *v = p;
    if ((p[*n].rule = strdup(rule))) p[(*n)++].count = 1;
}

static int cmp_counter(const void *a, const void *b)
{
    return strcmp(((const counter *)a)->rule, ((const counter *)b)->rule);
}

static void file_section(ts_buf *b, size_t fi, const char *name, const ts_transcript *t,
                         const ts_run *run, counter **counts, size_t *n_counts)
{
    size_t nseg = ts_transcript_segment_count(t), nrun = ts_run_count(run);
    ts_buf_printf(b, "<section class=\"file\" id=\"f%zu\"><h2>", fi);
    escs(b, name);
    ts_buf_printf(b, "</h2><p>%zu segments, %zu changes</p>", nseg, nrun);

    /* The strip of speaker turns. */
    unsigned char *moved = calloc(nseg ? nseg : 1, 1);
    for (size_t k = 0; moved && k < nrun; k++) {
        ts_edit_info e;
        ts_run_get(run, k, &e);
        if (strncmp(e.rule, "speakers/", 9) == 0) moved[segment_at(t, e.start)] = 1;
    }
    const char *speakers[16];
    size_t nspk = 0;
    static const char *const colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                          "#edc948", "#b07aa1", "#ff9da7"};
    ts_buf_puts(b, "<div class=\"strip\">");
    for (size_t i = 0; i < nseg; i++) {
        ts_segment_view v, w;
        ts_transcript_segment(t, i, &v);
        double dur = 1;
        if (v.start >= 0 && i + 1 < nseg && ts_transcript_segment(t, i + 1, &w) && w.start > v.start)
            dur = w.start - v.start;
        else if (v.end > v.start)
            dur = v.end - v.start;
        size_t c = 0;
        for (; c < nspk; c++)
            if (strlen(speakers[c]) == v.speaker_len && !memcmp(speakers[c], v.speaker, v.speaker_len)) break;
        char spk[128];
        snprintf(spk, sizeof spk, "%.*s", (int)(v.speaker_len < 127 ? v.speaker_len : 127), v.speaker);
        if (c == nspk && nspk < 16) speakers[nspk++] = NULL; /* placeholder, set below */
        if (c < 16 && !speakers[c]) speakers[c] = strdup(spk);
        char tc[32];
        clock_text(tc, sizeof tc, v.start);
        ts_buf_printf(b, "<span%s style=\"flex-grow:%.3f;background:%s\" title=\"",
                      moved && moved[i] ? " class=\"moved\"" : "", dur, colours[c % 8]);
        escs(b, tc);
        ts_buf_puts(b, " ");
        escs(b, spk);
        ts_buf_puts(b, "\"></span>");
    }
    for (size_t c = 0; c < nspk; c++) free((char *)speakers[c]);
    ts_buf_puts(b, "</div><ol class=\"changes\">");

    for (size_t k = 0; k < nrun; k++) {
        ts_edit_info e;
        ts_run_get(run, k, &e);
        bump(counts, n_counts, e.rule);
        size_t seg = segment_at(t, e.start);
        char tc[32], pass[64];
        clock_text(tc, sizeof tc, e.start);
        size_t pl = pass_len(e.rule);
        snprintf(pass, sizeof pass, "%.*s", (int)(pl < 63 ? pl : 63), e.rule);
        ts_buf_puts(b, "<li class=\"change pass-");
        escs(b, pass);
        ts_buf_puts(b, e.applied ? "\"" : " finding\"");
        ts_buf_puts(b, " data-pass=\"");
        escs(b, pass);
        ts_buf_puts(b, "\" data-rule=\"");
        escs(b, e.rule);
        ts_buf_printf(b, "\" data-conf=\"%.2f\"><a href=\"#s%zu-%zu\">%s</a> line %u:%u ", e.confidence,
                      fi, seg, tc, e.line, e.col);
        if (e.applied && e.before) {
            ts_buf_puts(b, "<del>");
            esc(b, e.before, e.before_len);
            ts_buf_puts(b, "</del> &rarr; <ins>");
            esc(b, e.after, e.after_len);
            ts_buf_puts(b, "</ins> ");
        } else if (e.before) {
            ts_buf_puts(b, "<mark>");
            esc(b, e.before, e.before_len);
            ts_buf_puts(b, "</mark> ");
        }
        escs(b, e.message);
        ts_buf_puts(b, " <span class=\"rule\">");
        escs(b, e.rule);
        ts_buf_printf(b, "</span> <span class=\"conf\">%.2f</span></li>", e.confidence);
    }
    ts_buf_puts(b, "</ol><details class=\"transcript\"><summary>Cleaned transcript</summary>");
    for (size_t i = 0; i < nseg; i++) {
        ts_segment_view v;
        ts_transcript_segment(t, i, &v);
        char tc[32];
        clock_text(tc, sizeof tc, v.start);
        ts_buf_printf(b, "<p id=\"s%zu-%zu\"><span class=\"tc\">%s</span> <b>", fi, i, tc);
        esc(b, v.speaker, v.speaker_len);
        ts_buf_puts(b, "</b> ");
        esc(b, v.text, v.text_len);
        ts_buf_puts(b, "</p>");
    }
    ts_buf_puts(b, "</details></section>\n");
    free(moved);
}

int cmd_review(cli_options *opt)
{
    if (opt->n_files == 0) {
        fprintf(stderr, "tscrub: error: review needs at least one file\n");
        return EXIT_TROUBLE;
    }
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    ts_buf body = TS_BUF_INIT, page = TS_BUF_INIT;
    counter *counts = NULL;
    size_t n_counts = 0, total = 0;
    int rc = EXIT_CLEAN;
    for (int i = 0; i < opt->n_files; i++) {
        ts_transcript *t = NULL;
        ts_run *run = NULL;
        const char *f = opt->files[i];
        ts_status st = strcmp(f, "-") ? ts_read_file(ctx, f, opt->from, &t) : TS_ERR_USAGE;
        if (st == TS_ERR_USAGE && !strcmp(f, "-")) fprintf(stderr, "tscrub: error: review reads files, not standard input\n");
        if (!st) st = ts_fix(ctx, t, &run);
        if (st) {
            rc = EXIT_TROUBLE;
        } else {
            total += ts_run_count(run);
            file_section(&body, (size_t)i, f, t, run, &counts, &n_counts);
        }
        ts_run_free(run);
        ts_transcript_free(t);
    }
    qsort(counts, n_counts, sizeof *counts, cmp_counter);
    ts_buf_printf(&page, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width\">"
                         "<title>tscrub review</title><style>%s</style></head><body>"
                         "<header><h1>tscrub review</h1><p>%d file%s, %zu changes, "
                         "<span id=\"shown\">%zu</span> shown</p><div id=\"filters\">",
                  style, opt->n_files, opt->n_files == 1 ? "" : "s", total, total);
    const char *seen[64];
    size_t nseen = 0;
    for (size_t i = 0; i < n_counts; i++) {
        size_t pl = pass_len(counts[i].rule);
        size_t k = 0;
        for (; k < nseen; k++)
            if (pass_len(seen[k]) == pl && !strncmp(seen[k], counts[i].rule, pl)) break;
        if (k < nseen || nseen == 64) continue;
        seen[nseen++] = counts[i].rule;
        char pass[64];
        snprintf(pass, sizeof pass, "%.*s", (int)(pl < 63 ? pl : 63), counts[i].rule);
        ts_buf_puts(&page, "<label><input type=\"checkbox\" checked data-pass=\"");
        escs(&page, pass);
        ts_buf_puts(&page, "\"> ");
        escs(&page, pass);
        ts_buf_puts(&page, "</label>");
    }
    ts_buf_puts(&page, "<label>rule <select id=\"rule\"><option value=\"\">all</option>");
    for (size_t i = 0; i < n_counts; i++) {
        ts_buf_puts(&page, "<option>");
        escs(&page, counts[i].rule);
        ts_buf_puts(&page, "</option>");
    }
    ts_buf_puts(&page, "</select></label><label>min confidence <input id=\"min\" type=\"number\" "
                       "min=\"0\" max=\"1\" step=\"0.05\" value=\"0\"></label></div>"
                       "<table class=\"counts\">");
    for (size_t i = 0; i < n_counts; i++) {
        ts_buf_puts(&page, "<tr><td>");
        escs(&page, counts[i].rule);
        ts_buf_printf(&page, "</td><td class=\"n\">%zu</td></tr>", counts[i].count);
    }
    ts_buf_puts(&page, "</table></header>");
    if (body.data) ts_buf_append(&page, body.data, body.len);
    ts_buf_printf(&page, "<script>%s</script></body></html>\n", script);

    if (!page.data) {
        fprintf(stderr, "tscrub: error: out of memory\n");
        rc = EXIT_TROUBLE;
    } else if (opt->output) {
        ts_atomic_file f;
        if (ts_atomic_open(&f, opt->output) || ts_atomic_write(&f, page.data, page.len) ||
            ts_atomic_commit(&f)) {
            fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", opt->output, strerror(errno));
            if (f.fd >= 0) ts_atomic_abort(&f);
            rc = EXIT_TROUBLE;
        }
    } else if (fwrite(page.data, 1, page.len, stdout) != page.len) {
        rc = cli_stdout_error();
    }
    for (size_t i = 0; i < n_counts; i++) free(counts[i].rule);
    free(counts);
    ts_buf_release(&body);
    ts_buf_release(&page);
    ts_context_free(ctx);
    return rc;
}
