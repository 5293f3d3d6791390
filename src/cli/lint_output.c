/*
 * lint_output.c - collects lint findings across files and writes them as
 * text, JSON, SARIF 2.1.0, GitHub workflow commands, reviewdog rdjsonl or
 * Checkstyle XML.
 *
 * Everything a finding needs is copied into the report's arena when its
 * file is added, because runs and transcripts are freed file by file and
 * the structured formats can only be written once all files are known.
 * Columns count code points (SARIF says so in columnKind), except rdjsonl,
 * whose columns are UTF-8 bytes as reviewdog expects; that is why the
 * source's line starts are kept while a file is being added.
 *
 * A finding's fingerprint hashes its rule, the matched text and the text of
 * its segment as read, each with runs of white space made one space, so it
 * survives edits elsewhere in the file and line shifts; the baseline is a
 * list of fingerprints, and SARIF carries it in partialFingerprints.
 */
#include "lint_output.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../buf.h"
#include "../mem.h"
#include "../utf8.h"

typedef enum { F_TEXT, F_JSON, F_SARIF, F_GITHUB, F_RDJSONL, F_CHECKSTYLE } lint_format;

static const char *const format_names[] = {"text", "json", "sarif", "github", "rdjsonl",
                                           "checkstyle"};

typedef struct {
    const char *file, *rule, *message, *description, *before, *after;
    size_t before_len, after_len;
    unsigned line, col, end_line, end_col, byte_col, end_byte_col;
    size_t segment, order;
    double start;
    ts_severity sev;
    bool applied;
    uint64_t fp;
} finding;

typedef struct {
    unsigned line;
    double start;
    uint64_t text_hash;
} seg_mark;

struct lint_report {
    const cli_options *opt;
    lint_format format;
    ts_arena arena;
    finding *v;
    size_t n, cap;
    size_t files, baselined;
    uint64_t *baseline;         /* sorted */
    size_t n_baseline;
    /* the file being added */
    const char *file;
    seg_mark *segs;
    size_t n_segs;
    size_t *line_starts;        /* byte offset of each source line */
    size_t n_lines;
    const char *src;
    size_t src_len;
    ts_buf display_buf;         /* display()'s result, until its next call */
};

/* ---- fingerprints ----------------------------------------------------- */

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t fnv_byte(uint64_t h, unsigned char c) { return (h ^ c) * FNV_PRIME; }

/* Hashes s with runs of white space as one space and none at the ends. */
static uint64_t hash_norm(uint64_t h, const char *s, size_t n)
{
    int space = 0, any = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = any;
            continue;
        }
        if (space) h = fnv_byte(h, ' ');
        space = 0;
        any = 1;
        h = fnv_byte(h, (unsigned char)c);
    }
    return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = fnv_byte(h, (unsigned char)*s);
    return fnv_byte(h, 0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int load_baseline(lint_report *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: error: cannot read the baseline: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    unsigned ln = 0;
    size_t cap = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] == '#' || line[0] == '\n') continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(line, &end, 16);
        if (errno || end - line != 16 || (*end != ' ' && *end != '\n' && *end != '\0')) {
            fprintf(stderr, "%s:%u:1: error: not a baseline line (want a 16-digit fingerprint "
                            "first; write one with --write-baseline)\n", path, ln);
            rc = -1;
            break;
        }
        if (r->n_baseline == cap) {
            cap = cap ? cap * 2 : 256;
            uint64_t *p = realloc(r->baseline, cap * sizeof *p);
            if (!p) { rc = -1; break; }
            r->baseline = p;
        }
        r->baseline[r->n_baseline++] = v;
    }
    fclose(f);
    if (!rc && r->n_baseline) qsort(r->baseline, r->n_baseline, sizeof *r->baseline, cmp_u64);
    return rc;
}

static bool in_baseline(const lint_report *r, uint64_t fp)
{
    return r->n_baseline &&
           bsearch(&fp, r->baseline, r->n_baseline, sizeof fp, cmp_u64) != NULL;
}

/* ---- collecting ------------------------------------------------------- */

lint_report *lint_report_new(const cli_options *opt)
{
    lint_report *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "tscrub: error: out of memory\n");
        return NULL;
    }
    r->opt = opt;
    ts_arena_init(&r->arena);
    const char *fmt = opt->format ? opt->format : "text";
    size_t k;
    for (k = 0; k < sizeof format_names / sizeof format_names[0]; k++)
        if (strcmp(fmt, format_names[k]) == 0) break;
    if (k == sizeof format_names / sizeof format_names[0]) {
        fprintf(stderr, "tscrub: error: --format takes text, json, sarif, github, rdjsonl or "
                        "checkstyle, not '%s'\nTry 'tscrub --help'.\n", fmt);
        lint_report_free(r);
        return NULL;
    }
    r->format = (lint_format)k;
    if (opt->baseline && load_baseline(r, opt->baseline)) {
        lint_report_free(r);
        return NULL;
    }
    return r;
}

void lint_report_free(lint_report *r)
{
    if (!r) return;
    free(r->v);
    free(r->baseline);
    free(r->segs);
    free(r->line_starts);
    ts_buf_release(&r->display_buf);
    ts_arena_release(&r->arena);
    free(r);
}

int lint_report_begin(lint_report *r, const char *name, const ts_transcript *t, const char *src,
                      size_t src_len)
{
    r->files++;
    r->file = ts_arena_strdup(&r->arena, name);
    r->n_segs = ts_transcript_segment_count(t);
    free(r->segs);
    r->segs = malloc((r->n_segs ? r->n_segs : 1) * sizeof *r->segs);
    if (!r->file || !r->segs) return -1;
    for (size_t i = 0; i < r->n_segs; i++) {
        ts_segment_view v;
        ts_transcript_segment(t, i, &v);
        r->segs[i].line = v.line;
        r->segs[i].start = v.start;
        r->segs[i].text_hash = hash_norm(FNV_OFFSET, v.text, v.text_len);
    }
    r->src = src;
    r->src_len = src_len;
    size_t cap = 1024;
    free(r->line_starts);
    r->line_starts = malloc(cap * sizeof *r->line_starts);
    if (!r->line_starts) return -1;
    r->n_lines = 0;
    r->line_starts[r->n_lines++] = 0;
    for (const char *p = src; src && (p = memchr(p, '\n', src_len - (size_t)(p - src))); p++) {
        if (r->n_lines == cap) {
            size_t *q = realloc(r->line_starts, cap * 2 * sizeof *q);
            if (!q) return -1;
            r->line_starts = q;
            cap *= 2;
        }
        r->line_starts[r->n_lines++] = (size_t)(p - src) + 1;
    }
    return 0;
}

/* The segment a source line belongs to: the last one starting at or
 * before it. */
static const seg_mark *segment_of(const lint_report *r, unsigned line)
{
    size_t lo = 0, hi = r->n_segs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->segs[mid].line <= line) lo = mid + 1;
        else hi = mid;
    }
    return lo ? &r->segs[lo - 1] : NULL;
}

/* Byte column of code-point column `col` on source line `line`. */
static unsigned byte_col(const lint_report *r, unsigned line, unsigned col)
{
    if (!r->src || line == 0 || line > r->n_lines || col == 0) return col;
    size_t p = r->line_starts[line - 1], end = r->src_len;
    if (line < r->n_lines) end = r->line_starts[line];
    size_t b = p;
    for (unsigned c = 1; c < col && b < end; c++) {
        size_t l;
        ts_utf8_decode(r->src + b, end - b, &l);
        b += l ? l : 1;
    }
    return (unsigned)(b - p) + 1;
}

static int push(lint_report *r, finding *f)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        finding *p = realloc(r->v, cap * sizeof *p);
        if (!p) return -1;
        r->v = p;
        r->cap = cap;
    }
    f->order = r->n;
    r->v[r->n++] = *f;
    return 0;
}

/* A copy of s in the report's arena, shared with the previous finding
 * when the run gave the same string (the run shares a rule's id and
 * description, and a message repeated by consecutive edits): millions of
 * findings need not mean millions of copies. */
typedef struct {
    const char *src, *copy;
} shared_copy;

static const char *copy_shared(lint_report *r, shared_copy *c, const char *s)
{
    if (s != c->src || !c->copy) {
        c->src = s;
        c->copy = ts_arena_strdup(&r->arena, s);
    }
    return c->copy;
}

int lint_report_add(lint_report *r, const ts_run *run)
{
    size_t n = ts_run_count(run);
    shared_copy rule = {0}, msg = {0}, desc = {0}; /* the run's strings live as long as it */
    for (size_t i = 0; i < n; i++) {
        ts_edit_info e;
        ts_run_get(run, i, &e);
        finding f = {0};
        f.file = r->file;
        f.rule = copy_shared(r, &rule, e.rule);
        f.message = copy_shared(r, &msg, e.message ? e.message : "");
        f.description = copy_shared(r, &desc, e.description ? e.description : e.rule);
        f.before = e.before ? ts_arena_strndup(&r->arena, e.before, e.before_len) : NULL;
        f.after = e.after ? ts_arena_strndup(&r->arena, e.after, e.after_len) : NULL;
        if (!f.rule || !f.message || !f.description || (e.before && !f.before) ||
            (e.after && !f.after))
            return -1;
        f.before_len = e.before ? e.before_len : 0;
        f.after_len = e.after ? e.after_len : 0;
        f.line = e.line;
        f.col = e.col;
        f.sev = e.severity;
        f.applied = e.applied;
        f.segment = e.segment;
        /* The end of the matched text, from the text itself. */
        f.end_line = f.line;
        f.end_col = f.col;
        size_t last = 0;
        for (size_t k = 0; k < f.before_len; k++)
            if (f.before[k] == '\n') {
                f.end_line++;
                last = k + 1;
            }
        if (f.end_line == f.line)
            f.end_col = f.col + (unsigned)ts_utf8_count(f.before, f.before_len);
        else
            f.end_col = 1 + (unsigned)ts_utf8_count(f.before + last, f.before_len - last);
        f.byte_col = byte_col(r, f.line, f.col);
        f.end_byte_col = byte_col(r, f.end_line, f.end_col);
        const seg_mark *s = segment_of(r, f.line);
        f.start = s ? s->start : -1;
        uint64_t h = hash_str(FNV_OFFSET, f.rule);
        h = fnv_byte(hash_norm(h, f.before ? f.before : "", f.before_len), 0);
        f.fp = (h ^ (s ? s->text_hash : 0)) * FNV_PRIME;
        if (!r->opt->write_baseline && in_baseline(r, f.fp)) {
            r->baselined++;
            continue;
        }
        if (push(r, &f)) return -1;
    }
    return 0;
}

/* ---- presentation helpers --------------------------------------------- */

static int cmp_finding(const void *pa, const void *pb)
{
    const finding *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    if ((c = strcmp(a->rule, b->rule))) return c;
    if (a->segment != b->segment) return a->segment < b->segment ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

static const char *timecode(const finding *f, char buf[32])
{
    if (f->start < 0) return NULL;
    long long ms = (long long)(f->start * 1000.0 + 0.5);
    snprintf(buf, 32, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
             ms % 1000);
    return buf;
}

/* The message plus the change it made, quoted: what a reader needs
 * without a diff.  Valid until the next call: the formats use it at once,
 * and a copy per finding would be hundreds of megabytes for millions. */
static const char *display(lint_report *r, const finding *f)
{
    if (!f->applied || !f->before) return f->message;
    char side[2][200];
    for (int s = 0; s < 2; s++) {
        const char *p = s ? f->after : f->before;
        size_t n = s ? f->after_len : f->before_len, w = 0, lim = n > 60 ? 60 : n;
        /* cut between characters: a string cut inside one is not UTF-8, and
         * the structured formats would have to drop the finding */
        while (p && lim < n && lim > 0 && ((unsigned char)p[lim] & 0xC0) == 0x80) lim--;
        for (size_t k = 0; p && k < lim; k++) {
            if (p[k] == '\n') { side[s][w++] = '\\'; side[s][w++] = 'n'; }
            else if (p[k] == '\t') { side[s][w++] = '\\'; side[s][w++] = 't'; }
            else side[s][w++] = p[k];
        }
        if (n > 60) { memcpy(side[s] + w, "...", 3); w += 3; }
        side[s][w] = '\0';
    }
    r->display_buf.len = 0;
    if (ts_buf_printf(&r->display_buf, "%s ('%s' -> '%s')", f->message, side[0], side[1]))
        return f->message;
    return r->display_buf.data;
}

static bool shown(const lint_report *r, const finding *f) { return f->sev >= r->opt->min_level; }

static const char *sarif_level(ts_severity s)
{
    return s == TS_SEV_ERROR ? "error" : s == TS_SEV_WARNING ? "warning" : "note";
}

static void fp_hex(uint64_t fp, char out[17]) { snprintf(out, 17, "%016llx", (unsigned long long)fp); }

/* A relative URI reference for a file name: RFC 3986 unreserved characters
 * and '/' stay, everything else is percent-encoded. */
static const char *uri_of(lint_report *r, const char *file)
{
    size_t n = strlen(file);
    char *u = ts_arena_alloc(&r->arena, n * 3 + 1);
    if (!u) return file;
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)file; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            u[w++] = (char)*p;
        else
            w += (size_t)sprintf(u + w, "%%%02X", *p);
    }
    u[w] = '\0';
    return u;
}

static int dump(json_t *j, size_t flags)
{
    int rc = json_dumpf(j, stdout, flags | JSON_PRESERVE_ORDER);
    json_decref(j);
    return rc;
}

/* ---- formats ---------------------------------------------------------- */

static void write_text(lint_report *r)
{
    char tc[32];
    for (size_t i = 0; i < r->n; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        printf("%s:%u:%u: %s: %s [%s]", f->file, f->line, f->col, ts_severity_name(f->sev),
               display(r, f), f->rule);
        if (timecode(f, tc)) printf(" @%s", tc);
        putchar('\n');
    }
}

static json_t *json_str_n(const char *s, size_t n) { return s ? json_stringn(s, n) : json_null(); }

/* Writes j (and frees it) as json_dumpf with JSON_INDENT(2) would inside
 * a document, `depth` levels down.  The structured formats are written
 * element by element this way, so a report of millions of findings never
 * becomes one tree: each line jansson breaks gets the outer indent. */
static int dump_at(json_t *j, int depth)
{
    if (!j) return -1;
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!t) return -1;
    for (const char *p = t, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) {
            fputs(p, stdout);
            break;
        }
        fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
        printf("%*s", 2 * depth, "");
    }
    free(t);
    return 0;
}

/* Opens, continues and closes an array written element by element at
 * `depth` (its elements one level deeper), as jansson lays it out. */
static void array_next(size_t *n, int depth)
{
    printf("%s\n%*s", (*n)++ ? "," : "", 2 * (depth + 1), "");
}

static void array_end(size_t n, int depth)
{
    if (n) printf("\n%*s]", 2 * depth, "");
    else putchar(']');
}

static int write_json(lint_report *r)
{
    size_t count[3] = {0, 0, 0}, n = 0;
    char tc[32], fp[17];
    int rc = 0;
    fputs("{\n  \"tool\": ", stdout);
    rc |= dump_at(json_pack("{s:s, s:s}", "name", "tscrub", "version", TS_VERSION), 1);
    fputs(",\n  \"findings\": [", stdout);
    for (size_t i = 0; i < r->n; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        fp_hex(f->fp, fp);
        json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:b}", "file", f->file,
                              "line", (json_int_t)f->line, "column", (json_int_t)f->col,
                              "endLine", (json_int_t)f->end_line, "endColumn",
                              (json_int_t)f->end_col, "level", ts_severity_name(f->sev), "rule",
                              f->rule, "message", f->message, "fixed", f->applied);
        if (!o) return -1;
        json_object_set_new(o, "before", json_str_n(f->before, f->before_len));
        json_object_set_new(o, "after", f->applied ? json_str_n(f->after, f->after_len) : json_null());
        json_object_set_new(o, "timecode", timecode(f, tc) ? json_string(tc) : json_null());
        json_object_set_new(o, "fingerprint", json_string(fp));
        count[f->sev]++;
        array_next(&n, 1);
        rc |= dump_at(o, 2);
    }
    array_end(n, 1);
    fputs(",\n  \"summary\": ", stdout);
    rc |= dump_at(json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "files", (json_int_t)r->files,
                            "findings", (json_int_t)n, "info", (json_int_t)count[0], "warning",
                            (json_int_t)count[1], "error", (json_int_t)count[2], "baselined",
                            (json_int_t)r->baselined),
                  1);
    fputs("\n}\n", stdout);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_sarif(lint_report *r)
{
    /* The rules that appear, sorted by id; results point at them by index. */
    const char **ids = malloc((r->n ? r->n : 1) * sizeof *ids);
    const finding **first = malloc((r->n ? r->n : 1) * sizeof *first);
    if (!ids || !first) {
        free(ids);
        free(first);
        return -1;
    }
    size_t nid = 0;
    for (size_t i = 0; i < r->n; i++)
        if (shown(r, &r->v[i])) ids[nid++] = r->v[i].rule;
    qsort(ids, nid, sizeof *ids, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nid; i++)
        if (u == 0 || strcmp(ids[u - 1], ids[i]) != 0) ids[u++] = ids[i];
    nid = u;
    for (size_t k = 0; k < nid; k++) first[k] = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (!shown(r, &r->v[i])) continue;
        const char **hit = bsearch(&r->v[i].rule, ids, nid, sizeof *ids, cmp_str);
        if (hit && !first[hit - ids]) first[hit - ids] = &r->v[i];
    }
    json_t *rules = json_array();
    for (size_t k = 0; k < nid; k++)
        json_array_append_new(
            rules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", ids[k], "name",
                             ids[k], "shortDescription", "text", first[k]->description,
                             "fullDescription", "text", first[k]->description,
                             "defaultConfiguration", "level", sarif_level(first[k]->sev)));
    /* The envelope as jansson would lay it out; the results one by one. */
    int rc = 0;
    printf("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
           "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ");
    rc |= dump_at(json_pack("{s:{s:s, s:s, s:o}}", "driver", "name", "tscrub", "version",
                            TS_VERSION, "rules", rules),
                  3);
    fputs(",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [", stdout);
    size_t nres = 0;
    char fp[17], tc[32];
    for (size_t i = 0; i < r->n; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        const char **hit = bsearch(&f->rule, ids, nid, sizeof *ids, cmp_str);
        fp_hex(f->fp, fp);
        json_t *region = json_pack("{s:i, s:i, s:i, s:i}", "startLine", (json_int_t)f->line,
                                   "startColumn", (json_int_t)(f->col ? f->col : 1), "endLine",
                                   (json_int_t)f->end_line, "endColumn",
                                   (json_int_t)(f->end_col ? f->end_col : 1));
        json_t *res = json_pack(
            "{s:s, s:i, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:o}}], s:{s:s}}", "ruleId", f->rule,
            "ruleIndex", (json_int_t)(hit - ids), "level", sarif_level(f->sev), "message", "text",
            display(r, f), "locations", "physicalLocation", "artifactLocation", "uri",
            uri_of(r, f->file), "region", region, "partialFingerprints", "tscrubFingerprint/v1",
            fp);
        json_t *props = json_pack("{s:b}", "fixed", f->applied);
        if (timecode(f, tc)) json_object_set_new(props, "timecode", json_string(tc));
        json_object_set_new(res, "properties", props);
        array_next(&nres, 3);
        rc |= dump_at(res, 4);
    }
    free(ids);
    free(first);
    array_end(nres, 3);
    fputs("\n    }\n  ]\n}\n", stdout);
    return rc;
}

/* Workflow-command escaping: data escapes % CR LF; properties also : , */
static void gh_escape(const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%') fputs("%25", stdout);
        else if (*s == '\r') fputs("%0D", stdout);
        else if (*s == '\n') fputs("%0A", stdout);
        else if (property && *s == ':') fputs("%3A", stdout);
        else if (property && *s == ',') fputs("%2C", stdout);
        else putchar(*s);
    }
}

static void write_github(lint_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        const char *cmd = f->sev == TS_SEV_ERROR ? "error" : f->sev == TS_SEV_WARNING ? "warning"
                                                                                    : "notice";
        printf("::%s file=", cmd);
        gh_escape(f->file, 1);
        printf(",line=%u,col=%u,endLine=%u,endColumn=%u,title=", f->line, f->col, f->end_line,
               f->end_col);
        gh_escape(f->rule, 1);
        fputs("::", stdout);
        gh_escape(display(r, f), 0);
        putchar('\n');
    }
}

static int write_rdjsonl(lint_report *r)
{
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        const char *sev = f->sev == TS_SEV_ERROR ? "ERROR" : f->sev == TS_SEV_WARNING ? "WARNING"
                                                                                   : "INFO";
        json_t *range = json_pack("{s:{s:i, s:i}, s:{s:i, s:i}}", "start", "line",
                                  (json_int_t)f->line, "column", (json_int_t)f->byte_col, "end",
                                  "line", (json_int_t)f->end_line, "column",
                                  (json_int_t)f->end_byte_col);
        json_t *o = json_pack("{s:s, s:{s:s, s:O}, s:s, s:{s:s}, s:{s:s}}", "message",
                              display(r, f), "location", "path", f->file, "range", range,
                              "severity", sev, "source", "name", "tscrub", "code", "value",
                              f->rule);
        if (f->applied)
            json_object_set_new(o, "suggestions",
                                json_pack("[{s:O, s:s%}]", "range", range, "text",
                                          f->after ? f->after : "", f->after_len));
        json_decref(range);
        rc = dump(o, JSON_COMPACT);
        putchar('\n');
    }
    return rc;
}

static void xml_escape(const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", stdout); break;
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        case '\n': fputs("&#10;", stdout); break;
        case '\t': fputs("&#9;", stdout); break;
        default: putchar(*s);
        }
    }
}

static void write_checkstyle(lint_report *r)
{
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    const char *open = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const finding *f = &r->v[i];
        if (!shown(r, f)) continue;
        if (!open || strcmp(open, f->file) != 0) {
            if (open) printf("  </file>\n");
            printf("  <file name=\"");
            xml_escape(f->file);
            printf("\">\n");
            open = f->file;
        }
        printf("    <error line=\"%u\" column=\"%u\" severity=\"%s\" message=\"", f->line, f->col,
               ts_severity_name(f->sev));
        xml_escape(display(r, f));
        printf("\" source=\"");
        xml_escape(f->rule);
        printf("\"/>\n");
    }
    if (open) printf("  </file>\n");
    printf("</checkstyle>\n");
}

typedef struct {
    uint64_t fp;
    size_t i;
} fp_at;

static int cmp_fp_at(const void *pa, const void *pb)
{
    const fp_at *a = pa, *b = pb;
    if (a->fp != b->fp) return a->fp < b->fp ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Writes every finding's fingerprint once (the first place it was seen,
 * in report order) and says how many on stderr: writing a baseline is the
 * run's whole output, so the findings themselves are not printed. */
static int write_baseline(lint_report *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: error: cannot write the baseline: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# tscrub lint baseline: findings listed here are not reported again.\n"
               "# One per line: fingerprint, rule, where it was first seen.\n");
    /* Findings that share a fingerprint (one rule, the same match in the
     * same segment text) need one line: sorting (fingerprint, position)
     * pairs finds each fingerprint's first finding. */
    fp_at *ix = malloc((r->n ? r->n : 1) * sizeof *ix);
    unsigned char *first = calloc(r->n ? r->n : 1, 1);
    if (!ix || !first) {
        free(ix);
        free(first);
        fclose(f);
        fprintf(stderr, "tscrub: error: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) ix[i] = (fp_at){r->v[i].fp, i};
    qsort(ix, r->n, sizeof *ix, cmp_fp_at);
    for (size_t i = 0; i < r->n; i++)
        if (i == 0 || ix[i].fp != ix[i - 1].fp) first[ix[i].i] = 1;
    size_t written = 0;
    char fp[17];
    for (size_t i = 0; i < r->n; i++) {
        if (!first[i]) continue;
        fp_hex(r->v[i].fp, fp);
        fprintf(f, "%s %s %s:%u\n", fp, r->v[i].rule, r->v[i].file, r->v[i].line);
        written++;
    }
    free(ix);
    free(first);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        fprintf(stderr, "%s: error: cannot write the baseline\n", path);
        return -1;
    }
    if (!r->opt->quiet)
        fprintf(stderr, "%s: baseline written: %zu fingerprint%s (%zu finding%s)\n", path, written,
                written == 1 ? "" : "s", r->n, r->n == 1 ? "" : "s");
    return 0;
}

int lint_report_finish(lint_report *r)
{
    if (r->n) qsort(r->v, r->n, sizeof *r->v, cmp_finding);
    int rc = 0;
    if (r->opt->write_baseline) return write_baseline(r, r->opt->write_baseline) ? EXIT_TROUBLE
                                                                                 : EXIT_CLEAN;
    switch (r->format) {
    case F_TEXT: write_text(r); break;
    case F_JSON: rc = write_json(r); break;
    case F_SARIF: rc = write_sarif(r); break;
    case F_GITHUB: write_github(r); break;
    case F_RDJSONL: rc = write_rdjsonl(r); break;
    case F_CHECKSTYLE: write_checkstyle(r); break;
    }
    if (rc) return cli_stdout_error();
    if (r->opt->fail_never) return EXIT_CLEAN;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].sev >= r->opt->fail_on) return EXIT_FINDINGS;
    return EXIT_CLEAN;
}
