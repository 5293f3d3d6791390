/*
 * edit.c - edit lists and their application to a transcript.
 *
 * Text replacements are applied first, segment by segment, in order of
 * position; one that overlaps an already accepted replacement is deferred.
 * Segment operations follow: each claims the segments it touches and a
 * second claim on the same segment is deferred.  Their offsets were computed
 * on the text before this round's replacements, so they are carried through
 * the shifts this round added.  Moves and speaker changes edit segments in
 * place; merges and splits rebuild the segment array once.
 *
 * New text is allocated from the transcript's arena; old text stays valid
 * until the transcript is freed, which is what lets the log point at the
 * text before and after every edit without copying it.
 */
#include "edit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ts_edit_list_init(ts_edit_list *l)
{
    memset(l, 0, sizeof *l);
    ts_arena_init(&l->arena);
}

void ts_edit_list_release(ts_edit_list *l)
{
    free(l->v);
    ts_arena_release(&l->arena);
    memset(l, 0, sizeof *l);
}

void ts_edit_list_clear(ts_edit_list *l)
{
    l->n = 0;
    l->failed = false;
    ts_arena_release(&l->arena);
}

static ts_edit *push(ts_edit_list *l, const ts_rule_info *rule, uint8_t kind, uint32_t seg,
                     uint32_t start, uint32_t end, const char *repl, size_t repl_len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        ts_edit *p = realloc(l->v, cap * sizeof *p);
        if (!p) {
            l->failed = true;
            return NULL;
        }
        l->v = p;
        l->cap = cap;
    }
    const char *copy = NULL;
    if (repl) {
        copy = ts_arena_strndup(&l->arena, repl, repl_len);
        if (!copy) {
            l->failed = true;
            return NULL;
        }
    }
    ts_edit *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    e->rule = rule;
    e->kind = kind;
    e->seg = seg;
    e->start = start;
    e->end = end;
    e->repl = copy;
    e->repl_len = (uint32_t)repl_len;
    e->confidence = 1.0f;
    e->severity = (uint8_t)rule->severity;
    return e;
}

ts_edit *ts_edit_replace(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                         uint32_t start, uint32_t end, const char *repl, size_t repl_len)
{
    return push(l, rule, TS_EDIT_REPLACE, seg, start, end, repl ? repl : "", repl_len);
}

ts_edit *ts_edit_report(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                        uint32_t start, uint32_t end)
{
    ts_edit *e = push(l, rule, TS_EDIT_REPLACE, seg, start, end, NULL, 0);
    if (e) e->report_only = true;
    return e;
}

ts_edit *ts_edit_speaker(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                         const char *speaker, size_t len)
{
    return push(l, rule, TS_EDIT_SPEAKER, seg, 0, 0, speaker, len);
}

ts_edit *ts_edit_move(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                      ts_edit_kind dir, uint32_t start, uint32_t end)
{
    return push(l, rule, (uint8_t)dir, seg, start, end, NULL, 0);
}

ts_edit *ts_edit_merge_next(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg)
{
    return push(l, rule, TS_EDIT_MERGE_NEXT, seg, 0, 0, NULL, 0);
}

ts_edit *ts_edit_split(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg, uint32_t at,
                       const ts_timecode *start_of_new)
{
    ts_edit *e = push(l, rule, TS_EDIT_SPLIT, seg, at, at, NULL, 0);
    if (e && start_of_new) e->split_at = *start_of_new;
    return e;
}

const char *ts_edit_message(ts_edit_list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = ts_arena_alloc(&l->arena, (size_t)n + 1);
    if (!p) {
        l->failed = true;
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ts_apply_result_release(ts_apply_result *r)
{
    free(r->touched);
    free(r->dirty);
    r->touched = r->dirty = NULL;
}

/* ---- application ------------------------------------------------------ */

typedef struct {
    ts_edit *e;
    size_t order;
} edit_ref;

static int cmp_text(const void *pa, const void *pb)
{
    const edit_ref *a = pa, *b = pb;
    if (a->e->seg != b->e->seg) return a->e->seg < b->e->seg ? -1 : 1;
    if (a->e->start != b->e->start) return a->e->start < b->e->start ? -1 : 1;
    if (a->e->end != b->e->end) return a->e->end < b->e->end ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_ops(const void *pa, const void *pb)
{
    const edit_ref *a = pa, *b = pb;
    if (a->e->seg != b->e->seg) return a->e->seg < b->e->seg ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static uint32_t ltrim(const char *s, uint32_t from, uint32_t to)
{
    while (from < to && is_ws(s[from])) from++;
    return from;
}

static uint32_t rtrim(const char *s, uint32_t from, uint32_t to)
{
    while (to > from && is_ws(s[to - 1])) to--;
    return to;
}

/* Carries an offset of the text as it was before this round through the
 * shifts this round added (from index `base`). */
static uint32_t map_forward(const ts_segment *s, uint32_t base, uint32_t p)
{
    for (uint32_t k = base; k < s->n_shifts; k++) {
        const ts_shift *sh = &s->shifts[k];
        if (p >= sh->at + sh->old_len) p = p - sh->old_len + sh->new_len;
        else if (p > sh->at) p = sh->at + sh->new_len;
    }
    return p > s->text_len ? s->text_len : p;
}

static int valid_boundary(const ts_segment *s, uint32_t off)
{
    return off == s->text_len || ((unsigned char)s->text[off] & 0xC0) != 0x80;
}

static int apply_text(ts_transcript *t, ts_segment *s, uint32_t seg, edit_ref *acc, size_t n,
                      ts_apply_log_fn log, void *ud)
{
    size_t new_len = s->text_len;
    for (size_t k = 0; k < n; k++) {
        new_len += acc[k].e->repl_len;
        new_len -= acc[k].e->end - acc[k].e->start;
    }
    if (new_len > UINT32_MAX - 1) return -1;
    char *nt = ts_arena_alloc_bytes(&t->arena, new_len + 1);
    if (!nt) return -1;
    const char *old = s->text;
    uint32_t old_len = s->text_len;
    size_t w = 0, r = 0;
    ts_pos_cursor cur;
    ts_pos_cursor_init(s, &cur);
    /* Positions are mapped through the shifts from before this batch, at
     * the edits' offsets in the text as it was; the batch's own shifts are
     * added at the end, all in one allocation. */
    uint32_t n0 = s->n_shifts;
    if (ts_segment_grow_shifts(t, s, (uint32_t)n)) return -1;
    for (size_t k = 0; k < n; k++) {
        const ts_edit *e = acc[k].e;
        memcpy(nt + w, old + r, e->start - r);
        w += e->start - r;
        uint32_t at = (uint32_t)w;
        memcpy(nt + w, e->repl, e->repl_len);
        w += e->repl_len;
        r = e->end;
        unsigned line, col;
        ts_segment_source_pos_at(s, e->start, &cur, &line, &col);
        s->shifts[n0 + k] = (ts_shift){at, e->end - e->start, e->repl_len};
        if (log && log(ud, e, seg, line, col, old + e->start, e->end - e->start, nt + at,
                       e->repl_len))
            return -1;
    }
    memcpy(nt + w, old + r, old_len - r);
    w += old_len - r;
    nt[w] = '\0';
    s->n_shifts = n0 + (uint32_t)n;
    s->text = nt;
    s->text_len = (uint32_t)w;
    s->flags |= TS_SEG_TEXT_DIRTY;
    return 0;
}

/* Joins a[0..alen) and b[0..blen) with one space (none when either is
 * empty) into the arena. */
static char *join_text(ts_transcript *t, const char *a, uint32_t alen, const char *b,
                       uint32_t blen, uint32_t *out_len)
{
    uint32_t sep = (alen && blen) ? 1 : 0;
    char *p = ts_arena_alloc_bytes(&t->arena, (size_t)alen + sep + blen + 1);
    if (!p) return NULL;
    memcpy(p, a, alen);
    if (sep) p[alen] = ' ';
    memcpy(p + alen + sep, b, blen);
    p[alen + sep + blen] = '\0';
    *out_len = alen + sep + blen;
    return p;
}

/* Moves text[mfrom,mto) of `from` to the end (to_end) or start of `to`;
 * `from` keeps text[kfrom,kto).  Trims at the cut and joins with a space. */
static int move_span(ts_transcript *t, ts_segment *from, ts_segment *to, uint32_t cut,
                     int to_end, const char **moved, uint32_t *moved_len)
{
    const char *x = from->text;
    uint32_t n = from->text_len;
    uint32_t m0, m1, k0, k1;
    if (to_end) { /* prefix [0,cut) moves back */
        m0 = ltrim(x, 0, cut); m1 = rtrim(x, m0, cut);
        k0 = ltrim(x, cut, n); k1 = n;
    } else {      /* suffix [cut,n) moves forward */
        m0 = ltrim(x, cut, n); m1 = rtrim(x, m0, n);
        k0 = 0; k1 = rtrim(x, 0, cut);
    }
    *moved = x + m0;
    *moved_len = m1 - m0;
    uint32_t tl, nl;
    char *nt;
    if (to_end) {
        uint32_t keep = rtrim(to->text, 0, to->text_len);
        nt = join_text(t, to->text, keep, x + m0, m1 - m0, &tl);
        if (!nt || ts_segment_add_shift(t, to, keep, to->text_len - keep, tl - keep)) return -1;
    } else {
        uint32_t skip = ltrim(to->text, 0, to->text_len);
        nt = join_text(t, x + m0, m1 - m0, to->text + skip, to->text_len - skip, &tl);
        if (!nt || ts_segment_add_shift(t, to, 0, skip, tl - (to->text_len - skip))) return -1;
    }
    to->text = nt;
    to->text_len = tl;
    to->flags |= TS_SEG_TEXT_DIRTY;
    nl = k1 - k0;
    if (to_end) {
        if (ts_segment_add_shift(t, from, 0, k0, 0)) return -1;
    } else {
        if (ts_segment_add_shift(t, from, k1, n - k1, 0)) return -1;
    }
    from->text = x + k0;
    from->text_len = nl;
    from->flags |= TS_SEG_TEXT_DIRTY;
    return 0;
}

int ts_edits_apply(ts_transcript *t, ts_edit *v, size_t n, ts_apply_log_fn log, void *ud,
                   ts_apply_result *res)
{
    int rc = -1;
    size_t nseg = t->n;
    memset(res, 0, sizeof *res);
    res->n_before = nseg;
    /* Bookkeeping covers only the segments the edits can touch, [lo, hi),
     * so a round over a few segments of a long transcript stays cheap. */
    size_t lo = nseg, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const ts_edit *e = &v[i];
        if (e->report_only || e->seg >= nseg) continue;
        size_t a = e->seg, b = (size_t)e->seg + 1;
        if (e->kind == TS_EDIT_MOVE_PREV && a > 0) a--;
        if ((e->kind == TS_EDIT_MOVE_NEXT || e->kind == TS_EDIT_MERGE_NEXT) && b < nseg) b++;
        if (a < lo) lo = a;
        if (b > hi) hi = b;
    }
    if (lo > hi) lo = hi = 0;
    size_t range = hi - lo;
    res->lo = lo;
    res->n_touched = range;
    edit_ref *txt = malloc((n ? n : 1) * sizeof *txt);
    edit_ref *ops = malloc((n ? n : 1) * sizeof *ops);
    uint32_t *base = calloc(range ? range : 1, sizeof *base);
    uint8_t *claimed = calloc(range ? range : 1, 1);
    edit_ref **op_at = calloc(range ? range : 1, sizeof *op_at);
    res->touched = calloc(range ? range : 1, 1);
    ts_segment *rebuilt = NULL;
    if (!txt || !ops || !base || !claimed || !op_at || !res->touched) goto out;

    size_t ntxt = 0, nops = 0;
    for (size_t i = 0; i < n; i++) {
        ts_edit *e = &v[i];
        if (e->report_only) continue;
        if (e->seg >= nseg) { res->deferred++; continue; }
        const ts_segment *s = &t->segs[e->seg];
        if (e->kind == TS_EDIT_REPLACE) {
            if (e->start > e->end || e->end > s->text_len || !valid_boundary(s, e->start) ||
                !valid_boundary(s, e->end)) {
                res->deferred++;
                continue;
            }
            txt[ntxt++] = (edit_ref){e, i};
        } else {
            ops[nops++] = (edit_ref){e, i};
        }
    }
    /* Passes usually propose in text order; sort only when they did not. */
    for (size_t i = 1; i < ntxt; i++)
        if (cmp_text(&txt[i - 1], &txt[i]) > 0) {
            qsort(txt, ntxt, sizeof *txt, cmp_text);
            break;
        }

    /* Replacements, segment by segment. */
    for (size_t i = 0; i < ntxt;) {
        uint32_t seg = txt[i].e->seg;
        size_t j = i, nacc = 0;
        uint32_t last_start = 0, last_end = 0;
        int have = 0;
        for (; j < ntxt && txt[j].e->seg == seg; j++) {
            ts_edit *e = txt[j].e;
            if (have && (e->start < last_end ||
                         (e->start == e->end && last_start == last_end && e->start == last_end))) {
                res->deferred++;
                continue;
            }
            txt[i + nacc++] = txt[j];
            last_start = e->start;
            last_end = e->end;
            have = 1;
        }
        ts_segment *s = &t->segs[seg];
        base[seg - lo] = s->n_shifts;
        if (apply_text(t, s, seg, txt + i, nacc, log, ud)) goto out;
        res->touched[seg - lo] = 1;
        res->applied += nacc;
        i = j;
    }

    /* Segment operations: claim, then apply. */
    qsort(ops, nops, sizeof *ops, cmp_ops);
    size_t nacc = 0;
    int rebuild = 0;
    for (size_t i = 0; i < nops; i++) {
        ts_edit *e = ops[i].e;
        uint32_t a = e->seg, b = e->seg;
        if (e->kind == TS_EDIT_MOVE_PREV) {
            if (a == 0) { res->deferred++; continue; }
            a--;
        } else if (e->kind == TS_EDIT_MOVE_NEXT || e->kind == TS_EDIT_MERGE_NEXT) {
            if (b + 1 >= nseg) { res->deferred++; continue; }
            b++;
        }
        if (claimed[a - lo] || claimed[b - lo]) { res->deferred++; continue; }
        claimed[a - lo] = claimed[b - lo] = 1;
        ops[nacc++] = ops[i];
        if (e->kind == TS_EDIT_MERGE_NEXT || e->kind == TS_EDIT_SPLIT) {
            op_at[e->seg - lo] = &ops[nacc - 1];
            rebuild = 1;
        }
    }
    for (size_t i = 0; i < nacc; i++) {
        ts_edit *e = ops[i].e;
        ts_segment *s = &t->segs[e->seg];
        unsigned line = s->text_line, col = s->text_col;
        if (e->kind == TS_EDIT_SPEAKER) {
            const char *old = s->speaker;
            uint32_t old_len = s->speaker_len;
            char *sp = ts_arena_strndup(&t->arena, e->repl, e->repl_len);
            if (!sp) goto out;
            s->speaker = sp;
            s->speaker_len = e->repl_len;
            s->flags |= TS_SEG_SPEAKER_DIRTY;
            s->flags &= ~(uint32_t)TS_SEG_NO_SPEAKER;
            res->touched[e->seg - lo] = 1;
            res->applied++;
            if (log && log(ud, e, e->seg, s->line, 1, old, old_len, sp, e->repl_len)) goto out;
        } else if (e->kind == TS_EDIT_MOVE_PREV || e->kind == TS_EDIT_MOVE_NEXT) {
            int back = e->kind == TS_EDIT_MOVE_PREV;
            ts_segment *other = &t->segs[back ? e->seg - 1 : e->seg + 1];
            uint32_t cut = map_forward(s, base[e->seg - lo], back ? e->end : e->start);
            const char *moved;
            uint32_t moved_len;
            ts_segment_source_pos(s, back ? 0 : cut, &line, &col);
            if (move_span(t, s, other, cut, back, &moved, &moved_len)) goto out;
            res->touched[e->seg - lo] = 1;
            res->touched[(back ? e->seg - 1 : e->seg + 1) - lo] = 1;
            res->applied++;
            if (log && log(ud, e, e->seg, line, col, moved, moved_len, moved, moved_len)) goto out;
        }
    }

    if (rebuild) {
        size_t cap = nseg + range + 1;
        rebuilt = malloc(cap * sizeof *rebuilt);
        res->dirty = calloc(range * 2 + 1, 1);
        if (!rebuilt || !res->dirty) goto out;
        memcpy(rebuilt, t->segs, lo * sizeof *rebuilt);
        size_t w = lo;
        for (size_t i = lo; i < hi; i++) {
            ts_segment *s = &t->segs[i];
            edit_ref *op = op_at[i - lo];
            rebuilt[w] = *s;
            res->dirty[w - lo] = res->touched[i - lo];
            if (op && op->e->kind == TS_EDIT_MERGE_NEXT) {
                ts_segment *b = &t->segs[i + 1], *m = &rebuilt[w];
                uint32_t keep = rtrim(s->text, 0, s->text_len), skip = ltrim(b->text, 0, b->text_len);
                uint32_t len;
                char *nt = join_text(t, s->text, keep, b->text + skip, b->text_len - skip, &len);
                if (!nt || ts_segment_add_shift(t, m, keep, s->text_len - keep, len - keep)) goto out;
                m->text = nt;
                m->text_len = len;
                m->end = b->end;
                m->raw_tail = b->raw_tail;
                m->raw_tail_len = b->raw_tail_len;
                m->flags |= TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                res->dirty[w - lo] = 1;
                res->touched[i - lo] = res->touched[i + 1 - lo] = 1;
                res->applied++;
                if (log && log(ud, op->e, (uint32_t)i, b->text_line, b->text_col, b->text,
                               b->text_len, nt, len))
                    goto out;
                i++;
            } else if (op && op->e->kind == TS_EDIT_SPLIT) {
                ts_segment *f = &rebuilt[w], *g = &rebuilt[w + 1];
                uint32_t cut = map_forward(s, base[i - lo], op->e->start);
                uint32_t k1 = rtrim(s->text, 0, cut), g0 = ltrim(s->text, cut, s->text_len);
                ts_timecode at = op->e->split_at;
                if (at.kind == TS_TC_NONE) {
                    double a = ts_tc_seconds(&s->start), b = ts_tc_seconds(&s->end);
                    double frac = s->text_len ? (double)cut / s->text_len : 0.5;
                    at = ts_tc_from_seconds(a + (b - a) * frac, &s->start);
                }
                unsigned line, col;
                ts_segment_source_pos(s, g0, &line, &col);
                *g = *s;
                g->text = s->text + g0;
                g->text_len = s->text_len - g0;
                g->start = at;
                g->raw_head = NULL;
                g->raw_head_len = 0;
                g->shifts = NULL;
                g->n_shifts = 0;
                g->text_line = line;
                g->text_col = col;
                g->flags |= TS_SEG_NEW | TS_SEG_MAP_LOST | TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                f->end = at;
                f->raw_tail = NULL;
                f->raw_tail_len = 0;
                if (ts_segment_add_shift(t, f, k1, s->text_len - k1, 0)) goto out;
                f->text_len = k1;
                f->flags |= TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                res->dirty[w - lo] = res->dirty[w + 1 - lo] = 1;
                res->touched[i - lo] = 1;
                res->applied++;
                if (log && log(ud, op->e, (uint32_t)i, line, col, g->text, g->text_len, g->text,
                               g->text_len))
                    goto out;
                w++;
            }
            w++;
        }
        res->n_dirty = w - lo;
        memcpy(rebuilt + w, t->segs + hi, (nseg - hi) * sizeof *rebuilt);
        w += nseg - hi;
        free(t->segs);
        t->segs = rebuilt;
        t->n = w;
        t->cap = cap;
        rebuilt = NULL;
    } else {
        res->dirty = malloc(range ? range : 1);
        if (!res->dirty) goto out;
        memcpy(res->dirty, res->touched, range);
        res->n_dirty = range;
    }
    res->n_after = t->n;
    rc = 0;
out:
    free(rebuilt);
    free(txt);
    free(ops);
    free(base);
    free(claimed);
    free(op_at);
    return rc;
}
