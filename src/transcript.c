/*
 * transcript.c - construction of transcripts and the mapping of text
 * offsets back to source positions.
 *
 * Mapping walks the segment's shifts backwards: an offset after a
 * replacement moves by the replacement's change in length, an offset inside
 * one maps to its start.  Segments rarely see more than a handful of
 * replacements, so the walk is cheap and needs no extra index.
 */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "utf8.h"

ts_transcript *ts_transcript_new(const char *name, char *input, size_t input_len)
{
    ts_transcript *t = calloc(1, sizeof *t);
    if (!t) {
        free(input);
        return NULL;
    }
    ts_arena_init(&t->arena);
    t->input = input;
    t->input_len = input_len;
    t->eol = "\n";
    t->name = ts_arena_strdup(&t->arena, name ? name : "-");
    if (!t->name) {
        ts_transcript_free(t);
        return NULL;
    }
    return t;
}

void ts_transcript_free(ts_transcript *t)
{
    if (!t) return;
    if (t->format && t->format->release) t->format->release(t);
    free(t->segs);
    free(t->input);
    ts_arena_release(&t->arena);
    free(t);
}

int ts_transcript_reserve(ts_transcript *t, size_t n)
{
    if (n <= t->cap) return 0;
    ts_segment *p = realloc(t->segs, n * sizeof *p);
    if (!p) return -1;
    t->segs = p;
    t->cap = n;
    return 0;
}

ts_segment *ts_transcript_push(ts_transcript *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        ts_segment *p = realloc(t->segs, cap * sizeof *p);
        if (!p) return NULL;
        t->segs = p;
        t->cap = cap;
    }
    ts_segment *s = &t->segs[t->n++];
    memset(s, 0, sizeof *s);
    return s;
}

const char *ts_transcript_format(const ts_transcript *t) { return t->format ? t->format->info.name : ""; }

size_t ts_transcript_segment_count(const ts_transcript *t) { return t->n; }

bool ts_transcript_segment(const ts_transcript *t, size_t i, ts_segment_view *out)
{
    if (i >= t->n) return false;
    const ts_segment *s = &t->segs[i];
    out->start = ts_tc_seconds(&s->start);
    out->end = ts_tc_seconds(&s->end);
    out->speaker = s->speaker;
    out->speaker_len = s->speaker_len;
    out->text = s->text;
    out->text_len = s->text_len;
    out->line = s->line;
    return true;
}

size_t ts_transcript_word_count(const ts_transcript *t, size_t i)
{
    return i < t->n ? t->segs[i].n_words : 0;
}

bool ts_transcript_word(const ts_transcript *t, size_t i, size_t k, ts_word_view *out)
{
    if (i >= t->n || k >= t->segs[i].n_words) return false;
    const ts_word *w = &t->segs[i].words[k];
    out->start = w->start;
    out->end = w->end;
    out->at = w->at;
    out->len = w->len;
    out->probability = w->prob;
    return true;
}

void ts_pos_cursor_init(const ts_segment *s, ts_pos_cursor *c)
{
    c->orig_off = 0;
    c->line_start = 0;
    c->line = s->text_line;
    c->cols = 0;
}

void ts_segment_source_pos_at(const ts_segment *s, uint32_t off, ts_pos_cursor *c,
                              unsigned *line, unsigned *col)
{
    if (s->flags & TS_SEG_MAP_LOST) {
        *line = s->text_line;
        *col = s->text_col;
        return;
    }
    for (uint32_t k = s->n_shifts; k-- > 0;) {
        const ts_shift *sh = &s->shifts[k];
        if (off >= sh->at + sh->new_len) off = off - sh->new_len + sh->old_len;
        else if (off > sh->at) off = sh->at;
    }
    if (off > s->orig_len) off = s->orig_len;
    if (off < c->orig_off) ts_pos_cursor_init(s, c);
    const char *p = s->orig_text;
    uint32_t i = c->orig_off;
    if (p && off > i) { /* a segment made without text has no original (NULL, 0) */
        for (const char *nl; (nl = memchr(p + i, '\n', off - i));) {
            c->line++;
            i = c->line_start = (uint32_t)(nl - p) + 1;
            c->cols = 0;
        }
        c->cols += (unsigned)ts_utf8_count(p + i, off - i);
    }
    c->orig_off = off;
    *line = c->line;
    *col = (c->line == s->text_line ? s->text_col : 1) + c->cols;
}

void ts_segment_source_pos(const ts_segment *s, uint32_t off, unsigned *line, unsigned *col)
{
    ts_pos_cursor c;
    ts_pos_cursor_init(s, &c);
    ts_segment_source_pos_at(s, off, &c, line, col);
}

int ts_segment_grow_shifts(ts_transcript *t, ts_segment *s, uint32_t k)
{
    ts_shift *p = ts_arena_alloc(&t->arena, ((size_t)s->n_shifts + k) * sizeof *p);
    if (!p) return -1;
    if (s->n_shifts) memcpy(p, s->shifts, s->n_shifts * sizeof *p);
    s->shifts = p;
    return 0;
}

int ts_segment_add_shift(ts_transcript *t, ts_segment *s, uint32_t at, uint32_t old_len,
                         uint32_t new_len)
{
    if (ts_segment_grow_shifts(t, s, 1)) return -1;
    s->shifts[s->n_shifts++] = (ts_shift){at, old_len, new_len};
    return 0;
}

/* ---- word timing ------------------------------------------------------- */

/* How far past the previous word a word's text is looked for (bytes). */
#define LOCATE_REACH 256

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int timed(const ts_word *w) { return w->start >= 0 && w->end >= w->start; }

const ts_word *ts_segment_first_timed(const ts_segment *s)
{
    for (uint32_t k = 0; k < s->n_words; k++)
        if (timed(&s->words[k])) return &s->words[k];
    return NULL;
}

const ts_word *ts_segment_last_timed(const ts_segment *s)
{
    for (uint32_t k = s->n_words; k-- > 0;)
        if (timed(&s->words[k])) return &s->words[k];
    return NULL;
}

const ts_word *ts_segment_word_at(const ts_segment *s, uint32_t off)
{
    uint32_t lo = 0, hi = s->n_words;
    while (lo < hi) { /* the first word ending after off */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->words[mid].at + s->words[mid].len <= off) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n_words && s->words[lo].at <= off ? &s->words[lo] : NULL;
}

int ts_segment_locate_words(ts_transcript *t, ts_segment *s, const ts_word *w,
                            const char *const *text, const uint32_t *len, size_t n)
{
    ts_word *v = ts_arena_alloc(&t->arena, (n ? n : 1) * sizeof *v);
    if (!v) return -1;
    const char *p = s->text;
    uint32_t pos = 0, m = 0;
    for (size_t k = 0; k < n; k++) {
        const char *x = text[k];
        uint32_t l = len[k];
        while (l && blank(*x)) x++, l--;
        while (l && blank(x[l - 1])) l--;
        if (!l) continue; /* nothing to time */
        while (pos < s->text_len && blank(p[pos])) pos++;
        uint32_t at = pos;
        if (at + l > s->text_len || memcmp(p + at, x, l) != 0) {
            /* text no word covers (a tag, a normalised number) may come
             * first: the next occurrence, not far on (so text and words
             * that disagree cost linear time) */
            const char *hit = NULL, *lim = p + s->text_len;
            if ((size_t)(lim - (p + pos)) > LOCATE_REACH + l) lim = p + pos + LOCATE_REACH + l;
            for (const char *q = p + pos; q + l <= lim; q++)
                if (*q == *x && memcmp(q, x, l) == 0) {
                    hit = q;
                    break;
                }
            if (!hit) return 1;
            at = (uint32_t)(hit - p);
        }
        v[m] = w[k];
        v[m].at = at;
        v[m].len = l;
        m++;
        pos = at + l;
    }
    s->words = v;
    s->n_words = m;
    return 0;
}

int ts_segment_remap_words(ts_transcript *t, ts_segment *s, uint32_t base)
{
    if (!s->words || base >= s->n_shifts) return 0;
    ts_word *v = ts_arena_alloc(&t->arena, (s->n_words ? s->n_words : 1) * sizeof *v);
    if (!v) return -1;
    /* The batch's replacements are in text order and do not overlap: a
     * word is carried past those that end before it by their total change
     * in length (cum), found by binary search on where they end in the
     * text before the batch (old_end), and through the few it touches one
     * by one; so a long segment costs O(words log replacements). */
    uint32_t nsh = s->n_shifts - base;
    int64_t *cum = malloc(((size_t)nsh + 1) * sizeof *cum);
    uint32_t *old_end = malloc(((size_t)nsh + 1) * sizeof *old_end);
    if (!cum || !old_end) {
        free(cum);
        free(old_end);
        return -1;
    }
    cum[0] = 0;
    for (uint32_t k = 0; k < nsh; k++) {
        const ts_shift *sh = &s->shifts[base + k];
        old_end[k] = (uint32_t)((int64_t)sh->at - cum[k] + sh->old_len);
        cum[k + 1] = cum[k] + (int64_t)sh->new_len - sh->old_len;
    }
    const char *p = s->text;
    uint32_t n = s->text_len, m = 0;
    for (uint32_t i = 0; i < s->n_words; i++) {
        uint32_t a = s->words[i].at, b = a + s->words[i].len;
        int ta = 0, tb = 0;
        uint32_t lo = 0, hi = nsh;
        while (lo < hi) { /* the first replacement not wholly before a */
            uint32_t mid = lo + (hi - lo) / 2;
            if (old_end[mid] < a) lo = mid + 1;
            else hi = mid;
        }
        a = (uint32_t)(a + cum[lo]);
        b = (uint32_t)(b + cum[lo]);
        /* Through each replacement: a start inside one moves to its start,
         * an end inside one to its end; an end a pure insertion follows
         * stays (the extension below takes what joins the word). */
        for (uint32_t k = base + lo; k < s->n_shifts; k++) {
            const ts_shift *sh = &s->shifts[k];
            if (sh->at > b) break; /* this and the rest come after the word */
            uint32_t e = sh->at + sh->old_len;
            if (a >= sh->at && a <= e) ta = 1;
            if (b >= sh->at && b <= e) tb = 1;
            if (a >= e) a = a - sh->old_len + sh->new_len;
            else if (a > sh->at) a = sh->at;
            if (b == sh->at && !sh->old_len) continue;
            if (b >= e) b = b - sh->old_len + sh->new_len;
            else if (b > sh->at) b = sh->at + sh->new_len;
        }
        if (b > n) b = n;
        if (a > b) a = b;
        uint32_t c = a;
        while (c < b && blank(p[c])) c++;
        if (c == b) continue; /* its text went: so did the word */
        /* An edited edge takes the rest of the word it now touches. */
        if (ta)
            while (a > 0 && !blank(p[a - 1])) a--;
        if (tb)
            while (b < n && !blank(p[b])) b++;
        while (a < b && blank(p[a])) a++;
        while (b > a && blank(p[b - 1])) b--;
        ts_word w = s->words[i];
        w.at = a;
        w.len = b - a;
        if (m && a < v[m - 1].at + v[m - 1].len) {
            /* rewritten into the previous word: one word, both times */
            ts_word *u = &v[m - 1];
            if (b > u->at + u->len) u->len = b - u->at;
            if (timed(&w) && timed(u)) {
                if (w.end > u->end) u->end = w.end;
            } else {
                u->start = u->end = -1;
            }
            u->prob = u->prob >= 0 && w.prob >= 0 ? (w.prob < u->prob ? w.prob : u->prob) : -1;
            continue;
        }
        v[m++] = w;
    }
    free(cum);
    free(old_end);
    s->words = v;
    s->n_words = m;
    return 0;
}
