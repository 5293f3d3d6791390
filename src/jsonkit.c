/*
 * jsonkit.c - depth-limited, located JSON parsing on top of jansson, and
 * the field values, word lists and errors of the pulling readers.
 */
#include "jsonkit.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "fmtkit.h"
#include "timecode.h"

/* The deepest nesting in d, stopping at `limit`; *at is where it was hit. */
static unsigned depth_scan(const char *d, size_t len, unsigned limit, size_t *at)
{
    unsigned depth = 0, max = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = d[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
            continue;
        }
        if (c == '"') in_str = 1;
        else if (c == '{' || c == '[') {
            if (++depth > max) max = depth;
            if (depth > limit) {
                *at = i;
                return depth;
            }
        } else if ((c == '}' || c == ']') && depth) {
            depth--;
        }
    }
    return max;
}

json_t *ts_json_parse(ts_context *ctx, const ts_transcript *t, ts_status *st)
{
    size_t at = 0;
    if (depth_scan(t->input, t->input_len, TS_JSON_MAX_DEPTH, &at) > TS_JSON_MAX_DEPTH) {
        unsigned line, col;
        ts_offset_pos(t->input, at, &line, &col);
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "JSON nested deeper than %d levels", TS_JSON_MAX_DEPTH);
        *st = TS_ERR_INPUT;
        return NULL;
    }
    json_error_t err;
    json_t *root = json_loadb(t->input, t->input_len, 0, &err);
    if (!root) {
        /* jansson counts columns in bytes; report code points like every
         * other reader by going through the byte position. */
        unsigned line = err.line > 0 ? (unsigned)err.line : 1, col = err.column > 0 ? (unsigned)err.column : 1;
        if (err.position > 0 && (size_t)err.position <= t->input_len) {
            size_t p = (size_t)err.position;
            if (p > 0) p--;
            ts_offset_pos(t->input, p, &line, &col);
        }
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "invalid JSON: %s",
                     err.text);
        *st = TS_ERR_INPUT;
        return NULL;
    }
    *st = TS_OK;
    return root;
}

bool ts_json_sniff_object(const char *d, size_t n)
{
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r')) i++;
    return i < n && d[i] == '{';
}

size_t ts_json_dump_flags(const char *d, size_t len)
{
    size_t flags = JSON_REAL_PRECISION(15);
    int ascii = 1;
    for (size_t i = 0; i < len && ascii; i++)
        if ((unsigned char)d[i] >= 0x80) ascii = 0;
    if (ascii) flags |= JSON_ENSURE_ASCII;
    /* indentation: the spaces after the first line break */
    const char *nl = memchr(d, '\n', len);
    if (nl && (size_t)(nl - d) + 1 < len) {
        size_t i = (size_t)(nl - d) + 1, k = 0;
        while (i + k < len && d[i + k] == ' ') k++;
        if (k > 0 && k <= 8) flags |= JSON_INDENT(k);
    }
    return flags;
}

static int same_speaker(const ts_json_word *a, const ts_json_word *b)
{
    if (!a->speaker || !b->speaker) return !a->speaker && !b->speaker;
    return a->speaker_len == b->speaker_len && memcmp(a->speaker, b->speaker, a->speaker_len) == 0;
}

ts_status ts_json_add_segment(ts_transcript *t, double start, double end, const char *text,
                              size_t len, const char *speaker, size_t speaker_len, unsigned line,
                              unsigned col)
{
    while (len && (*text == ' ' || *text == '\t' || *text == '\n')) text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n')) len--;
    ts_segment *sg = ts_transcript_push(t);
    char *x = ts_arena_strndup(&t->arena, text, len);
    if (!sg || !x) return TS_ERR_NOMEM;
    if (end < start) end = start;
    sg->start = (ts_timecode){(int64_t)llround(start * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->end = (ts_timecode){(int64_t)llround(end * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->text = sg->orig_text = x;
    sg->text_len = sg->orig_len = (uint32_t)len;
    sg->line = sg->text_line = line;
    sg->text_col = col;
    sg->flags |= TS_SEG_MAP_LOST;
    if (speaker && speaker_len) {
        sg->speaker = ts_arena_strndup(&t->arena, speaker, speaker_len);
        if (!sg->speaker) return TS_ERR_NOMEM;
        sg->speaker_len = (uint32_t)speaker_len;
    } else {
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
    }
    return TS_OK;
}

ts_status ts_json_add_turns(ts_transcript *t, const ts_json_word *w, size_t n)
{
    size_t i = 0;
    char *buf = NULL;
    size_t cap = 0;
    ts_status st = TS_OK;
    ts_word *tw = malloc((n ? n : 1) * sizeof *tw);
    if (!tw) return TS_ERR_NOMEM;
    while (i < n && !st) {
        size_t j = i, len = 0;
        /* punctuation joins the turn before it, whoever it is given to */
        while (j < n && (j == i || w[j].punct || same_speaker(&w[i], &w[j]))) {
            len += w[j].len + 1;
            j++;
        }
        if (len + 1 > cap) {
            char *p = realloc(buf, len + 1);
            if (!p) {
                st = TS_ERR_NOMEM;
                break;
            }
            buf = p;
            cap = len + 1;
        }
        size_t o = 0, m = 0;
        double start = -1, end = 0;
        for (size_t k = i; k < j; k++) {
            if (o && !w[k].punct) buf[o++] = ' ';
            if (!w[k].punct || !m) tw[m++] = (ts_word){w[k].punct ? -1 : w[k].start, w[k].punct ? -1 : w[k].end,
                                                       (uint32_t)o, 0, (float)w[k].prob, NULL};
            memcpy(buf + o, w[k].text, w[k].len);
            o += w[k].len;
            tw[m - 1].len = (uint32_t)(o - tw[m - 1].at);
            if (!w[k].punct) {
                if (start < 0) start = w[k].start;
                if (w[k].end > end) end = w[k].end;
            }
        }
        if (start < 0) start = t->n ? ts_tc_seconds(&t->segs[t->n - 1].end) : 0;
        st = ts_json_add_segment(t, start, end, buf, o, w[i].speaker, w[i].speaker_len, w[i].line,
                                 w[i].col);
        if (!st) {
            /* the words' spans, in the text as trimmed */
            ts_segment *sg = &t->segs[t->n - 1];
            size_t skip = 0;
            while (skip < o && (buf[skip] == ' ' || buf[skip] == '\t' || buf[skip] == '\n')) skip++;
            ts_word *v = ts_arena_alloc(&t->arena, (m ? m : 1) * sizeof *v);
            if (!v) st = TS_ERR_NOMEM;
            else {
                uint32_t nv = 0;
                for (size_t k = 0; k < m; k++) {
                    uint32_t a = tw[k].at, b = tw[k].at + tw[k].len;
                    a = a > skip ? a - (uint32_t)skip : 0;
                    b = b > skip ? b - (uint32_t)skip : 0;
                    if (b > sg->text_len) b = sg->text_len;
                    if (a > b) a = b; /* an empty word after the trimmed end */
                    while (a < b && (sg->text[a] == ' ' || sg->text[a] == '\t' || sg->text[a] == '\n')) a++;
                    while (b > a && (sg->text[b - 1] == ' ' || sg->text[b - 1] == '\t' || sg->text[b - 1] == '\n')) b--;
                    if (a == b || (nv && a < v[nv - 1].at + v[nv - 1].len)) continue;
                    v[nv] = tw[k];
                    v[nv].at = a;
                    v[nv].len = b - a;
                    nv++;
                }
                sg->words = v;
                sg->n_words = nv;
            }
        }
        i = j;
    }
    free(tw);
    free(buf);
    return st;
}

ts_status ts_json_write_unchanged(ts_context *ctx, const ts_transcript *t, ts_out *o,
                                  const char *format)
{
    int native = t->format && strcmp(t->format->info.name, format) == 0;
    int changed = !native;
    for (size_t i = 0; i < t->n && !changed; i++)
        if (t->segs[i].flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW))
            changed = 1;
    if (changed) {
        ts_diag_emit(ctx, t->name, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "tscrub reads %s JSON but does not write it: choose another output "
                     "format with --to (for example --to whisper or --to srt)",
                     format);
        return TS_ERR_USAGE;
    }
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    ts_out_write(o, t->input, t->input_len);
    return TS_OK;
}

/* ---- pulled values --------------------------------------------------- */

int ts_json_take(ts_jp *p, ts_arena *a, ts_json_val *v, int locate)
{
    ts_jp_token tok = ts_jp_next(p);
    memset(v, 0, sizeof *v);
    v->type = tok;
    switch (tok) {
    case TS_JP_ERROR: return -1;
    case TS_JP_OBJECT:
    case TS_JP_ARRAY: return ts_jp_skip(p);
    case TS_JP_STRING:
        if (locate) ts_jp_token_pos(p, &v->line, &v->col);
        v->s = ts_jp_string(p, a, &v->n);
        return v->s ? 0 : -1;
    case TS_JP_NUMBER:
        v->num = p->num;
        v->is_int = p->is_int;
        v->ival = p->ival;
        return 0;
    default: return 0;
    }
}

/* strtod over the whole of s[0..n), as jansson's NUL-terminated strings
 * were read: 0 and *x set, or -1 when anything is left over. */
static int whole_strtod(const char *s, size_t n, double *x)
{
    if (ts_kit_plain_decimal(s, n, x) == 0) return 0;
    char small[64], *buf = small;
    if (n >= sizeof small && !(buf = malloc(n + 1))) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    *x = strtod(buf, &end);
    int ok = end != buf && *end == '\0';
    if (buf != small) free(buf);
    return ok ? 0 : -1;
}

double ts_json_val_seconds(const ts_json_val *v)
{
    if (v->type == TS_JP_NUMBER) return v->num >= 0 && v->num < 1e9 ? v->num : -1;
    if (v->type != TS_JP_STRING) return -1;
    if (memchr(v->s, ':', v->n)) {
        ts_timecode tc;
        const char *why;
        size_t off;
        if (ts_tc_parse_clock(v->s, v->n, 1, &tc, &why, &off)) return -1;
        return ts_tc_seconds(&tc);
    }
    double x;
    if (whole_strtod(v->s, v->n, &x) || !(x >= 0 && x < 1e9)) return -1;
    return x;
}

double ts_json_val_prob(const ts_json_val *v)
{
    double x = -1;
    if (v->type == TS_JP_NUMBER) x = v->num;
    else if (v->type == TS_JP_STRING && v->n && whole_strtod(v->s, v->n, &x)) x = -1;
    return x >= 0 && x <= 1 ? x : -1;
}

ts_status ts_json_pull_error(ts_context *ctx, const ts_transcript *t, const ts_jp *p)
{
    if (p->tok != TS_JP_ERROR) return TS_ERR_NOMEM;
    unsigned line, col;
    ts_offset_pos(t->input, p->err_at < t->input_len ? p->err_at : t->input_len, &line, &col);
    if (strncmp(p->err, "JSON nested", 11) == 0)
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "%s", p->err);
    else
        ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "invalid JSON: %s", p->err);
    return TS_ERR_INPUT;
}

ts_status ts_json_duplicate(ts_context *ctx, const ts_transcript *t, ts_jp *p)
{
    unsigned line, col;
    ts_jp_token_pos(p, &line, &col);
    ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                 "duplicate key \"%.*s\" (which value counts is not defined)", (int)(p->e - p->s > 40 ? 40 : p->e - p->s),
                 p->d + p->s);
    return TS_ERR_INPUT;
}

ts_json_word *ts_json_words_push(ts_json_words *w)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        ts_json_word *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(w->v, cap * sizeof *v);
        if (!v) return NULL;
        w->v = v;
        w->cap = cap;
    }
    ts_json_word *x = &w->v[w->n++];
    memset(x, 0, sizeof *x);
    return x;
}

void ts_json_words_release(ts_json_words *w)
{
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

ts_status ts_json_locate_words(ts_transcript *t, ts_segment *s, const ts_json_word *w, size_t n,
                               size_t listed)
{
    if (!listed) return TS_OK;
    size_t m = n ? n : 1;
    ts_word *tw = malloc(m * sizeof *tw);
    const char **tx = malloc(m * sizeof *tx);
    uint32_t *len = malloc(m * sizeof *len);
    ts_status st = TS_ERR_NOMEM;
    if (!tw || !tx || !len) goto out;
    for (size_t i = 0; i < n; i++) {
        double a = w[i].start, b = w[i].end;
        if (a < 0 || b < a) a = b = -1;
        tw[i] = (ts_word){a, b, 0, 0, (float)w[i].prob, NULL};
        tx[i] = w[i].text;
        len[i] = (uint32_t)w[i].len;
    }
    st = ts_segment_locate_words(t, s, tw, tx, len, n) < 0 ? TS_ERR_NOMEM : TS_OK;
out:
    free(tw);
    free(tx);
    free(len);
    return st;
}

void ts_json_later_set(ts_json_later *e, unsigned line, unsigned col, int code, const char *fmt, ...)
{
    if (e->set) return;
    e->set = 1;
    e->line = line;
    e->col = col;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

ts_status ts_json_later_emit(ts_context *ctx, const ts_transcript *t, const ts_json_later *e)
{
    ts_diag_emit(ctx, t->name, e->line, e->col, TS_SEV_ERROR, (ts_diag_code)e->code, "%s", e->msg);
    return TS_ERR_INPUT;
}

int ts_json_read_fields_to(ts_context *ctx, ts_transcript *t, ts_jp *p, const ts_json_key *keys,
                           ts_json_val *const *vals, size_t n, unsigned locate,
                           ts_json_field_fn nested, void *ud)
{
    unsigned seen = 0;
    ts_jp_token tok;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        size_t i = 0;
        while (i < n && !ts_jp_is(p, keys[i].name, keys[i].len)) i++;
        if (i == n) {
            if (ts_jp_skip_value(p)) return -1;
            continue;
        }
        if (ts_json_once(&seen, (int)i)) return ts_json_duplicate(ctx, t, p), 1;
        if (!vals[i]) {
            int e = nested(ud, p, i);
            if (e) return e;
        } else if (ts_json_take(p, &t->arena, vals[i], (int)((locate >> i) & 1))) {
            return -1;
        }
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

int ts_json_read_fields(ts_context *ctx, ts_transcript *t, ts_jp *p, const ts_json_key *keys,
                        ts_json_val *const *vals, size_t n, unsigned locate)
{
    return ts_json_read_fields_to(ctx, t, p, keys, vals, n, locate, NULL, NULL);
}

/* The words of an utterance: its "words" array, each object read by the
 * service's word reader. */
typedef struct {
    ts_json_utterances *u;
    const ts_json_utterance_kind *k;
    void *reader;
} utterance_words;

static int read_utterance_words(void *ud, ts_jp *p, size_t i)
{
    (void)i;
    utterance_words *uw = ud;
    ts_jp_token tok;
    if (ts_jp_next(p) != TS_JP_ARRAY) return ts_jp_skip(p);
    while ((tok = ts_jp_next(p)) != TS_JP_ARRAY_END) {
        uw->u->listed++;
        ts_json_word w = {0};
        int keep = 0;
        int e = tok == TS_JP_OBJECT ? uw->k->word(uw->reader, &w, &keep) : ts_jp_skip(p);
        if (e) return e;
        if (!keep) continue;
        ts_json_word *x = ts_json_words_push(&uw->u->words);
        if (!x) return -1;
        *x = w;
    }
    return 0;
}

int ts_json_read_utterance(ts_context *ctx, ts_transcript *t, ts_jp *p, ts_json_utterances *u,
                           const ts_json_utterance_kind *k, void *reader, size_t idx)
{
    size_t at = p->at;
    ts_json_val tx = {0}, a = {0}, b = {0}, spk = {0};
    u->words.n = u->listed = 0;
    if (p->tok == TS_JP_OBJECT) {
        const ts_json_key keys[] = {{k->text_key, strlen(k->text_key)}, TS_JSON_KEY("start"),
                                    TS_JSON_KEY("end"), TS_JSON_KEY("speaker"),
                                    TS_JSON_KEY("words")};
        ts_json_val *const vals[] = {&tx, &a, &b, &spk, NULL};
        utterance_words uw = {u, k, reader};
        int e = ts_json_read_fields_to(ctx, t, p, keys, vals, 5, 1u, read_utterance_words, &uw);
        if (e) return e;
    } else if (ts_jp_skip(p)) {
        return -1;
    }
    u->n++;
    if (u->err.set) return 0;
    unsigned line = tx.line, col = tx.col;
    double sa = k->seconds(&a), sb = k->seconds(&b);
    if (tx.type != TS_JP_STRING || sa < 0 || sb < 0) {
        if (tx.type != TS_JP_STRING) ts_offset_pos(t->input, at, &line, &col);
        ts_json_later_set(&u->err, line, col, TS_DIAG_STRUCTURE, "utterance %zu needs %s", idx,
                          k->needs);
        return 0;
    }
    const char *sp;
    size_t sl;
    if (k->speaker(reader, &spk, &sp, &sl)) return -1;
    ts_status st = ts_json_add_segment(t, sa, sb, tx.s, tx.n, sp, sl, line, col);
    if (!st) st = ts_json_locate_words(t, &t->segs[t->n - 1], u->words.v, u->words.n, u->listed);
    return st ? -1 : 0;
}
