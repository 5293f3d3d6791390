/*
 * dict.c - parsing term lists and hunspell word additions, the context's
 * shared term set, and exports for recognisers.
 *
 * Parsing is strict about structure (an unknown field or an empty term is
 * an error with its column) and lenient about spacing.  '#' starts a
 * comment at the start of a line or after a blank, so "C#" and "F#" stay
 * terms.
 */
#include "dict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "context.h"
#include "diag.h"
#include "similar.h"
#include "utf8.h"

#define MAX_LINE 4096

void ts_termset_init(ts_termset *set)
{
    memset(set, 0, sizeof *set);
    ts_arena_init(&set->arena);
}

void ts_termset_release(ts_termset *set)
{
    free(set->terms);
    free(set->words);
    ts_arena_release(&set->arena);
    memset(set, 0, sizeof *set);
}

void ts_termset_free(ts_termset *set)
{
    if (!set) return;
    ts_termset_release(set);
    free(set);
}

static int is_sp(char c) { return c == ' ' || c == '\t' || c == '\r'; }

typedef struct {
    ts_context *ctx;
    const char *name;
    unsigned line;
    const char *line_start;
} parse_ctx;

static ts_status bad(parse_ctx *pc, const char *at, const char *fmt, const char *arg)
{
    unsigned col = (unsigned)ts_utf8_count(pc->line_start, (size_t)(at - pc->line_start)) + 1;
    ts_diag_emit(pc->ctx, pc->name, pc->line, col, TS_SEV_ERROR, TS_DIAG_DICT, fmt, arg);
    return TS_ERR_INPUT;
}

/* Trims blanks from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_sp(**s)) (*s)++;
    while (*e > *s && is_sp((*e)[-1])) (*e)--;
}

/* Folds a phrase to lower-case ASCII words separated by single spaces. */
static char *fold_phrase(ts_arena *a, const char *s, size_t n)
{
    char *out = ts_arena_alloc(a, n + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && (is_sp(s[i]) || s[i] == '-')) i++;
        size_t j = i;
        while (j < n && !is_sp(s[j]) && s[j] != '-') j++;
        if (j > i) {
            char w[256];
            size_t l = ts_fold_ascii(s + i, j - i, w, sizeof w, 0);
            if (l) {
                if (o) out[o++] = ' ';
                memcpy(out + o, w, l);
                o += l;
            }
        }
        i = j;
    }
    out[o] = '\0';
    return out;
}

/* Splits a comma-separated value list into an arena array. */
static ts_status split_list(ts_termset *set, parse_ctx *pc, const char *s, const char *e,
                            bool fold, const char ***out, uint32_t *n, const char *field)
{
    size_t cap = 1;
    for (const char *p = s; p < e; p++) cap += *p == ',';
    const char **v = ts_arena_calloc(&set->arena, cap, sizeof *v);
    if (!v) return TS_ERR_NOMEM;
    uint32_t k = 0;
    const char *p = s;
    while (p <= e) {
        const char *q = memchr(p, ',', (size_t)(e - p));
        if (!q) q = e;
        const char *a = p, *b = q;
        trim(&a, &b);
        if (a == b) return bad(pc, a, "empty value in '%s:'", field);
        char *val = fold ? fold_phrase(&set->arena, a, (size_t)(b - a))
                         : ts_arena_strndup(&set->arena, a, (size_t)(b - a));
        if (!val) return TS_ERR_NOMEM;
        if (!*val) return bad(pc, a, "value in '%s:' has no letters or digits", field);
        v[k++] = val;
        p = q + 1;
    }
    *out = v;
    *n = k;
    return TS_OK;
}

static ts_status push_term(ts_termset *set, ts_term **t)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        ts_term *v = realloc(set->terms, cap * sizeof *v);
        if (!v) return TS_ERR_NOMEM;
        set->terms = v;
        set->cap = cap;
    }
    *t = &set->terms[set->n++];
    memset(*t, 0, sizeof **t);
    return TS_OK;
}

static ts_status parse_line(ts_termset *set, parse_ctx *pc, const char *file, const char *s,
                            const char *e)
{
    /* comment: '#' at the start or after a blank */
    for (const char *p = s; p < e; p++)
        if (*p == '#' && (p == s || is_sp(p[-1]))) {
            e = p;
            break;
        }
    trim(&s, &e);
    if (s == e) return TS_OK;
    const char *semi = memchr(s, ';', (size_t)(e - s));
    const char *te = semi ? semi : e, *ts0 = s;
    trim(&ts0, &te);
    if (ts0 == te) return bad(pc, s, "%s", "empty term before ';'");
    char folded[256];
    if (ts_fold_ascii(ts0, (size_t)(te - ts0), folded, sizeof folded, 0) == 0)
        return bad(pc, ts0, "%s", "a term needs at least one letter or digit");
    ts_term *t;
    ts_status st = push_term(set, &t);
    if (st) return st;
    t->text = ts_arena_strndup(&set->arena, ts0, (size_t)(te - ts0));
    t->file = file;
    t->line = pc->line;
    if (!t->text) return TS_ERR_NOMEM;
    const char *p = semi;
    while (p && p < e) {
        const char *fs = p + 1;
        const char *fe = memchr(fs, ';', (size_t)(e - fs));
        const char *next = fe;
        if (!fe) fe = e;
        trim(&fs, &fe);
        if (fs == fe) return bad(pc, fs, "%s", "empty field between ';'");
        const char *colon = memchr(fs, ':', (size_t)(fe - fs));
        size_t kl = (size_t)((colon ? colon : fe) - fs);
        while (kl && is_sp(fs[kl - 1])) kl--;
        char key[16] = "";
        if (kl < sizeof key) {
            memcpy(key, fs, kl);
            key[kl] = '\0';
        }
        if (!colon) {
            if (strcmp(key, "suggest") == 0) t->flags |= TS_TERM_SUGGEST;
            else if (strcmp(key, "plural") == 0) t->flags |= TS_TERM_PLURAL;
            else if (strcmp(key, "exact") == 0) t->flags |= TS_TERM_EXACT;
            else
                return bad(pc, fs,
                           "unknown flag '%s' (expected suggest, plural, exact, or a field "
                           "heard:, guard:, except:)",
                           key[0] ? key : "?");
        } else {
            const char *vs = colon + 1, *ve = fe;
            trim(&vs, &ve);
            if (vs == ve) return bad(pc, colon, "field '%s:' has no values", key);
            if (strcmp(key, "heard") == 0)
                st = split_list(set, pc, vs, ve, false, &t->heard, &t->n_heard, key);
            else if (strcmp(key, "guard") == 0)
                st = split_list(set, pc, vs, ve, true, &t->guard, &t->n_guard, key);
            else if (strcmp(key, "except") == 0)
                st = split_list(set, pc, vs, ve, true, &t->except, &t->n_except, key);
            else if (strcmp(key, "within") == 0) {
                unsigned v = 0;
                const char *q = vs;
                while (q < ve && *q >= '0' && *q <= '9' && v < 1000) v = v * 10 + (unsigned)(*q++ - '0');
                if (q != ve || v < 1 || v > 200)
                    return bad(pc, vs, "%s", "'within:' takes a number of words from 1 to 200");
                t->within = v;
            }
            else
                return bad(pc, fs, "unknown field '%s:' (expected heard:, guard:, except: or within:)",
                           key[0] ? key : "?");
            if (st) return st;
        }
        p = next;
    }
    return TS_OK;
}

static ts_status add_word(ts_termset *set, const char *s, size_t n)
{
    if (set->n_words == set->cap_words) {
        size_t cap = set->cap_words ? set->cap_words * 2 : 64;
        const char **v = realloc(set->words, cap * sizeof *v);
        if (!v) return TS_ERR_NOMEM;
        set->words = v;
        set->cap_words = cap;
    }
    const char *w = ts_arena_strndup(&set->arena, s, n);
    if (!w) return TS_ERR_NOMEM;
    set->words[set->n_words++] = w;
    return TS_OK;
}

/* A hunspell .dic: an optional count line, then word[/FLAGS] per line. */
static ts_status parse_dic(ts_termset *set, parse_ctx *pc, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *s = p;
        pc->line++;
        pc->line_start = s;
        trim(&s, &e);
        const char *slash = memchr(s, '/', (size_t)(e - s));
        if (slash) e = slash;
        trim(&s, &e);
        bool count = true;
        for (const char *q = s; q < e; q++) count &= *q >= '0' && *q <= '9';
        if (s < e && *s != '#' && !(count && pc->line == 1)) {
            if (memchr(s, ' ', (size_t)(e - s)) || memchr(s, '\t', (size_t)(e - s)))
                return bad(pc, s, "%s", "a .dic line holds one word (word or word/FLAGS)");
            ts_status st = add_word(set, s, (size_t)(e - s));
            if (st) return st;
        }
        p = nl ? nl + 1 : end;
    }
    return TS_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static ts_status parse_any(ts_termset *set, ts_context *ctx, const char *name, const char *data,
                           size_t len, bool dic)
{
    parse_ctx pc = {ctx, name, 0, data};
    size_t valid = ts_utf8_valid_prefix(data, len);
    if (valid < len) {
        const char *bad_at = data + valid, *ls = data;
        unsigned line = 1;
        for (const char *q = data; q < bad_at; q++)
            if (*q == '\n') { line++; ls = q + 1; }
        pc.line = line;
        pc.line_start = ls;
        return bad(&pc, bad_at, "%s", "invalid UTF-8");
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
        pc.line_start = data;
    }
    const char *file = ts_arena_strdup(&set->arena, name);
    if (!file) return TS_ERR_NOMEM;
    if (dic) return parse_dic(set, &pc, data, len);
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        pc.line++;
        pc.line_start = p;
        if (e - p > MAX_LINE) return bad(&pc, p, "%s", "line longer than 4096 bytes");
        if (memchr(p, '\0', (size_t)(e - p))) return bad(&pc, p, "%s", "NUL byte in a term list");
        ts_status st = parse_line(set, &pc, file, p, e);
        if (st) return st;
        p = nl ? nl + 1 : end;
    }
    return TS_OK;
}

ts_status ts_termset_parse(ts_termset *set, ts_context *ctx, const char *name, const char *data,
                           size_t len)
{
    return parse_any(set, ctx, name, data, len, false);
}

ts_status ts_termset_load(ts_termset *set, ts_context *ctx, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ts_diag_emit(ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_IO, "cannot read the term list: %s",
                     strerror(errno));
        return TS_ERR_IO;
    }
    ts_buf b = TS_BUF_INIT;
    ts_status st = TS_OK;
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ts_buf_append(&b, chunk, r)) {
            st = TS_ERR_NOMEM;
            goto out;
        }
    if (ferror(f)) {
        ts_diag_emit(ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_IO, "cannot read the term list: %s",
                     strerror(errno ? errno : EIO));
        st = TS_ERR_IO;
        goto out;
    }
    st = parse_any(set, ctx, path, b.data ? b.data : "", b.len, ends_with(path, ".dic"));
out:
    fclose(f);
    ts_buf_release(&b);
    return st;
}

const ts_termset *ts_context_terms(ts_context *ctx, ts_status *st)
{
    *st = TS_OK;
    if (ctx->terms) return ctx->terms;
    if (ctx->terms_status) {
        *st = (ts_status)ctx->terms_status;
        return NULL;
    }
    ts_termset *set = malloc(sizeof *set);
    if (!set) {
        *st = TS_ERR_NOMEM;
        return NULL;
    }
    ts_termset_init(set);
    for (size_t i = 0; i < ctx->n_dicts && !*st; i++)
        *st = ts_termset_load(set, ctx, ctx->dicts[i]);
    if (*st) {
        ctx->terms_status = (int)*st;
        ts_termset_free(set);
        return NULL;
    }
    ctx->terms = set;
    return set;
}

/* ---- exports ---------------------------------------------------------- */

static const char *const digit_words[] = {"zero", "one", "two", "three", "four",
                                          "five", "six", "seven", "eight", "nine"};

/* AWS Transcribe Phrase column: words joined by '-', acronyms as "L.L.M.",
 * digits spelled out; letters outside the term's script are kept as is. */
static int aws_phrase(ts_buf *b, const char *text)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ' || *p == '-') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ' && *q != '-') q++;
        if (!first && ts_buf_putc(b, '-')) return -1;
        first = 0;
        size_t n = (size_t)(q - p);
        int caps = n >= 2 && n <= 5;
        for (size_t i = 0; i < n && caps; i++) caps = p[i] >= 'A' && p[i] <= 'Z';
        int digits_done = 0;
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            if (c >= '0' && c <= '9') {
                if (digits_done && ts_buf_putc(b, '-')) return -1;
                if (i > 0 && !digits_done && ts_buf_putc(b, '-')) return -1;
                if (ts_buf_puts(b, digit_words[c - '0'])) return -1;
                digits_done = 1;
                continue;
            }
            if (c == '.' || c == '\'' || c == '"' || c == ',' || c == '/' || c == '&' || c == '+' ||
                c == '#' || c == '(' || c == ')')
                continue;
            if (digits_done && ts_buf_putc(b, '-')) return -1;
            digits_done = 0;
            if (ts_buf_putc(b, c)) return -1;
            if (caps && ts_buf_putc(b, '.')) return -1;
        }
        p = q;
    }
    return 0;
}

int ts_termset_export(const ts_termset *set, ts_export_kind kind, ts_write_fn write, void *ud,
                      size_t *left_out)
{
    ts_buf b = TS_BUF_INIT;
    int rc = -1;
    *left_out = 0;
    if (kind == TS_EXPORT_AWS) {
        if (ts_buf_puts(&b, "Phrase\tSoundsLike\tIPA\tDisplayAs\n")) goto out;
        for (size_t i = 0; i < set->n; i++) {
            const ts_term *t = &set->terms[i];
            size_t mark = b.len;
            if (aws_phrase(&b, t->text)) goto out;
            if (b.len == mark) {
                (*left_out)++;
                continue;
            }
            if (ts_buf_printf(&b, "\t\t\t%s\n", t->text)) goto out;
        }
    } else if (kind == TS_EXPORT_DEEPGRAM) {
        for (size_t i = 0; i < set->n; i++)
            if (ts_buf_printf(&b, "%s\n", set->terms[i].text)) goto out;
    } else {
        /* Whisper reads at most 224 tokens of prompt; at about 3.5 bytes per
         * token, 700 bytes keeps the whole glossary inside the window. */
        const size_t budget = 700;
        if (ts_buf_puts(&b, "Glossary:")) goto out;
        size_t used = 0;
        for (size_t i = 0; i < set->n; i++) {
            const char *t = set->terms[i].text;
            if (b.len + strlen(t) + 2 > budget) {
                *left_out = set->n - used;
                break;
            }
            if (ts_buf_printf(&b, "%s %s", used ? "," : "", t)) goto out;
            used++;
        }
        if (ts_buf_puts(&b, ".\n")) goto out;
    }
    rc = b.len ? write(ud, b.data, b.len) : 0;
out:
    ts_buf_release(&b);
    return rc;
}
