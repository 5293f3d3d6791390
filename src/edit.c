/*
 * edit.c - edit lists and their application to a transcript.
 *
 * Text replacements are applied first, segment by segment, in order of
 * position; one that overlaps an already accepted replacement is deferred.
 * Segment operations follow: each claims the segments it touches and a
 * second claim on the same segment is deferred.  Their offsets were computed
 * on the text before this round's replacements, so they are carried through
 * the shifts this round added.  Moves, speaker and timing changes edit
 * segments in place; merges, splits, deletions and moves to another place
 * rebuild the segment array once, recording where each old segment went so
 * that findings of the same round still point at the right segment.
 *
 * New text is allocated from the transcript's arena; old text stays valid
 * until the transcript is freed, which is what lets the log point at the
 * text before and after every edit without copying it.
 */
#include "edit.h"

#include "buf.h"

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

ts_edit *ts_edit_delete(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg)
{
    return push(l, rule, TS_EDIT_DELETE, seg, 0, 0, NULL, 0);
}

ts_edit *ts_edit_timing(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                        const ts_timecode *start, const ts_timecode *end)
{
    ts_edit *e = push(l, rule, TS_EDIT_TIMING, seg, 0, 0, NULL, 0);
    if (e && start) e->tc_start = *start;
    if (e && end) e->tc_end = *end;
    return e;
}

ts_edit *ts_edit_move_before(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                             uint32_t before)
{
    return push(l, rule, TS_EDIT_MOVE_BEFORE, seg, before, before, NULL, 0);
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
    free(r->new_index);
    r->touched = r->dirty = NULL;
    r->new_index = NULL;
}

uint32_t ts_apply_new_index(const ts_apply_result *r, uint32_t seg)
{
    if (!r->new_index || seg < r->lo) return seg;
    if (seg - r->lo < r->n_touched) return r->new_index[seg - r->lo];
    return (uint32_t)(seg + r->n_after - r->n_before);
}

/* ---- application ------------------------------------------------------ */

typedef struct edit_ref {
    ts_edit *e;
    size_t order;
    struct edit_ref *next_ins; /* TS_EDIT_MOVE_BEFORE: the next move to the same place */
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

/* The new text is built in `scratch` when it fits the segment's own
 * buffer (and copied back at the end), else in a new arena buffer: edits
 * that do not lengthen a text (capitals, most repairs) rewrite it in place
 * instead of leaving a dead copy behind each time. */
static int apply_text(ts_transcript *t, ts_segment *s, uint32_t seg, edit_ref *acc, size_t n,
                      const ts_apply_logger *log, ts_buf *scratch)
{
    size_t new_len = s->text_len;
    for (size_t k = 0; k < n; k++) {
        new_len += acc[k].e->repl_len;
        new_len -= acc[k].e->end - acc[k].e->start;
    }
    if (new_len > UINT32_MAX / 2) return -1;
    char *nt;
    int in_place = s->text_cap > new_len;
    if (in_place) {
        scratch->len = 0;
        if (ts_buf_reserve(scratch, new_len + 1)) return -1;
        nt = scratch->data;
    } else {
        size_t cap = new_len + 1;
        if (!(nt = ts_arena_alloc_bytes(&t->arena, cap))) return -1;
        s->text_cap = (uint32_t)cap;
    }
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
        s->shifts[n0 + k] = (ts_shift){at, e->end - e->start, e->repl_len};
        if (log) {
            unsigned line = 0, col = 0;
            if (!log->no_positions) ts_segment_source_pos_at(s, e->start, &cur, &line, &col);
            if (log->fn(log->ud, e, seg, line, col, old + e->start, e->end - e->start, nt + at,
                        e->repl_len))
                return -1;
        }
    }
    memcpy(nt + w, old + r, old_len - r);
    w += old_len - r;
    nt[w] = '\0';
    s->n_shifts = n0 + (uint32_t)n;
    if (in_place) {
        memcpy((char *)s->text, nt, w + 1);
        nt = (char *)s->text;
    }
    s->text = nt;
    s->text_len = (uint32_t)w;
    s->flags |= TS_SEG_TEXT_DIRTY;
    return ts_segment_remap_words(t, s, n0);
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

/* ---- words through segment operations ---------------------------------- */

/* Appends to v the words of w[0..n) that start in [lo, hi), clipped to end
 * by `clip`, moved by `delta` bytes. */
static uint32_t take_words(ts_word *v, uint32_t m, const ts_word *w, uint32_t n, uint32_t lo,
                           uint32_t hi, uint32_t clip, int64_t delta)
{
    for (uint32_t k = 0; k < n; k++) {
        if (w[k].at < lo || w[k].at >= hi) continue;
        uint32_t e = w[k].at + w[k].len;
        if (e > clip) e = clip;
        if (e <= w[k].at) continue;
        v[m] = w[k];
        v[m].at = (uint32_t)(w[k].at + delta);
        v[m].len = e - w[k].at;
        m++;
    }
    return m;
}

static ts_word *words_alloc(ts_transcript *t, size_t n)
{
    return ts_arena_alloc(&t->arena, (n ? n : 1) * sizeof(ts_word));
}

static ts_timecode later(const ts_timecode *tc, double sec)
{
    return sec > ts_tc_seconds(tc) ? ts_tc_from_seconds(sec, tc) : *tc;
}

static ts_timecode earlier(const ts_timecode *tc, double sec)
{
    return sec < ts_tc_seconds(tc) ? ts_tc_from_seconds(sec, tc) : *tc;
}

static int same_tc(const ts_timecode *a, const ts_timecode *b)
{
    return a->kind == b->kind && a->value == b->value;
}

/* After words moved between two timed segments, each segment's times
 * follow its words: the one that got words at its end ends with them, the
 * one that lost words at its start starts with the first it kept (and the
 * other way round for a move forward).  Times only ever narrow the loser
 * and widen the winner, so segments stay in order. */
static void retime_after_move(ts_segment *from, ts_segment *to, int to_end, const ts_word *first_moved,
                              const ts_word *last_moved)
{
    if (!first_moved || from->start.kind == TS_TC_NONE || to->start.kind == TS_TC_NONE ||
        from->end.kind == TS_TC_NONE || to->end.kind == TS_TC_NONE)
        return;
    ts_timecode fs = from->start, fe = from->end, ts = to->start, te = to->end;
    if (to_end) {
        const ts_word *k = ts_segment_first_timed(from);
        te = later(&to->end, last_moved->end);
        if (k) fs = later(&from->start, k->start);
    } else {
        const ts_word *k = ts_segment_last_timed(from);
        ts = earlier(&to->start, first_moved->start);
        if (k) fe = earlier(&from->end, k->end);
    }
    if (ts_tc_seconds(&fe) < ts_tc_seconds(&fs)) return; /* inconsistent source times */
    if (!same_tc(&fs, &from->start) || !same_tc(&fe, &from->end)) from->flags |= TS_SEG_TIMING_DIRTY;
    if (!same_tc(&ts, &to->start) || !same_tc(&te, &to->end)) to->flags |= TS_SEG_TIMING_DIRTY;
    from->start = fs;
    from->end = fe;
    to->start = ts;
    to->end = te;
}

/* Moves text[mfrom,mto) of `from` to the end (to_end) or start of `to`;
 * `from` keeps text[kfrom,kto).  Trims at the cut and joins with a space.
 * Words go with their text, and the segments' times follow them. */
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
    ts_word *tw = NULL, *fw = NULL;
    uint32_t ntw = 0, nfw = 0, nmoved = 0;
    if (from->words || to->words) {
        tw = words_alloc(t, (size_t)from->n_words + to->n_words);
        fw = words_alloc(t, from->n_words);
        if (!tw || !fw) return -1;
    }
    if (to_end) {
        uint32_t keep = rtrim(to->text, 0, to->text_len);
        nt = join_text(t, to->text, keep, x + m0, m1 - m0, &tl);
        if (!nt || ts_segment_add_shift(t, to, keep, to->text_len - keep, tl - keep)) return -1;
        if (tw) {
            uint32_t at = tl - (m1 - m0);
            uint32_t nto = take_words(tw, 0, to->words, to->n_words, 0, keep, keep, 0);
            ntw = take_words(tw, nto, from->words, from->n_words, 0, cut, m1, (int64_t)at - m0);
            nmoved = ntw - nto;
            nfw = take_words(fw, 0, from->words, from->n_words, cut, n, n, -(int64_t)k0);
        }
    } else {
        uint32_t skip = ltrim(to->text, 0, to->text_len);
        nt = join_text(t, x + m0, m1 - m0, to->text + skip, to->text_len - skip, &tl);
        if (!nt || ts_segment_add_shift(t, to, 0, skip, tl - (to->text_len - skip))) return -1;
        if (tw) {
            ntw = take_words(tw, 0, from->words, from->n_words, cut, n, n, -(int64_t)m0);
            nmoved = ntw;
            ntw = take_words(tw, ntw, to->words, to->n_words, 0, to->text_len, to->text_len,
                             (int64_t)tl - to->text_len);
            nfw = take_words(fw, 0, from->words, from->n_words, 0, cut, k1, 0);
        }
    }
    to->text = nt;
    to->text_len = tl;
    to->text_cap = tl + 1;
    to->flags |= TS_SEG_TEXT_DIRTY;
    nl = k1 - k0;
    if (to_end) {
        if (ts_segment_add_shift(t, from, 0, k0, 0)) return -1;
    } else {
        if (ts_segment_add_shift(t, from, k1, n - k1, 0)) return -1;
    }
    from->text = x + k0;
    from->text_len = nl;
    from->text_cap = 0; /* no longer the start of a buffer it owns */
    from->flags |= TS_SEG_TEXT_DIRTY;
    if (tw) {
        const ts_word *first = NULL, *last = NULL;
        uint32_t m_lo = to_end ? ntw - nmoved : 0, m_hi = to_end ? ntw : nmoved;
        for (uint32_t k = m_lo; k < m_hi; k++)
            if (tw[k].start >= 0 && tw[k].end >= tw[k].start) {
                if (!first) first = &tw[k];
                last = &tw[k];
            }
        /* a segment without word timing gets some only with moved words */
        to->words = to->words || nmoved ? tw : NULL;
        to->n_words = to->words ? ntw : 0;
        from->words = from->words ? fw : NULL;
        from->n_words = nfw;
        retime_after_move(from, to, to_end, first, last);
    }
    return 0;
}

/* "HH:MM:SS:FF - HH:MM:SS:FF" of a segment into the arena ("" without
 * timing). */
static char *timing_text(ts_transcript *t, const ts_timecode *a, const ts_timecode *b)
{
    char x[TS_TC_TEXT_MAX], y[TS_TC_TEXT_MAX];
    if (a->kind == TS_TC_NONE && b->kind == TS_TC_NONE) return ts_arena_strdup(&t->arena, "");
    ts_tc_format(a, x);
    ts_tc_format(b, y);
    return ts_arena_printf(&t->arena, "%s - %s", x, y);
}

/* Logs a dropped segment: its text is `before`, and the message names its
 * timing and speaker, so what went is on record. */
static int log_delete(ts_transcript *t, const ts_edit *e, uint32_t seg, const ts_segment *s,
                      const ts_apply_logger *log)
{
    if (!log) return 0;
    ts_edit d = *e;
    const char *why = e->message ? e->message : e->rule->description;
    char *tm = timing_text(t, &s->start, &s->end);
    if (!tm) return -1;
    d.message = ts_arena_printf(&t->arena, "%s: segment%s%s%s%.*s%s dropped", why,
                                *tm ? " " : "", tm, s->speaker_len ? " (" : "",
                                (int)s->speaker_len, s->speaker_len ? s->speaker : "",
                                s->speaker_len ? ")" : "");
    if (!d.message) return -1;
    return log->fn(log->ud, &d, seg, s->text_line, s->text_col, s->text, s->text_len, "", 0);
}

int ts_edits_apply(ts_transcript *t, ts_edit *v, size_t n, const ts_apply_logger *log,
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
        if (e->kind == TS_EDIT_MOVE_BEFORE && e->start <= nseg) {
            if (e->start < a) a = e->start;
            if ((size_t)e->start + 1 > b) b = e->start < nseg ? (size_t)e->start + 1 : nseg;
        }
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
    edit_ref **ins_at = calloc(range + 1, sizeof *ins_at); /* moves to before segment lo + i */
    res->touched = calloc(range ? range : 1, 1);
    ts_segment *rebuilt = NULL;
    ts_buf scratch = TS_BUF_INIT;
    if (!txt || !ops || !base || !claimed || !op_at || !ins_at || !res->touched) goto out;
    /* Offsets of segment operations are mapped through this round's shifts
     * only: those a segment had before the round are already in them. */
    for (size_t i = 0; i < range; i++) base[i] = t->segs[lo + i].n_shifts;

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
            txt[ntxt++] = (edit_ref){e, i, NULL};
        } else {
            ops[nops++] = (edit_ref){e, i, NULL};
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
        if (apply_text(t, s, seg, txt + i, nacc, log, &scratch)) goto out;
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
        } else if (e->kind == TS_EDIT_MOVE_BEFORE) {
            /* Moving before itself or its successor changes nothing.  Any
             * number of segments may move to one place (claimed 2); that
             * place may not move or take other operations itself. */
            if (e->start > nseg || e->start == a || e->start == a + 1 ||
                (e->start < nseg && claimed[e->start - lo] == 1) || claimed[a - lo]) {
                res->deferred++;
                continue;
            }
            claimed[a - lo] = 1;
            if (e->start < nseg) claimed[e->start - lo] = 2;
            ops[nacc++] = ops[i];
            edit_ref *me = &ops[nacc - 1], **pp = &ins_at[e->start - lo];
            while (*pp && (*pp)->order < me->order) pp = &(*pp)->next_ins;
            me->next_ins = *pp;
            *pp = me;
            op_at[e->seg - lo] = me;
            rebuild = 1;
            continue;
        }
        if (claimed[a - lo] || claimed[b - lo]) { res->deferred++; continue; }
        claimed[a - lo] = claimed[b - lo] = 1;
        ops[nacc++] = ops[i];
        if (e->kind == TS_EDIT_MERGE_NEXT || e->kind == TS_EDIT_SPLIT ||
            e->kind == TS_EDIT_DELETE) {
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
            if (log && log->fn(log->ud, e, e->seg, s->line, 1, old, old_len, sp, e->repl_len)) goto out;
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
            if (log && log->fn(log->ud, e, e->seg, line, col, moved, moved_len, moved, moved_len)) goto out;
        } else if (e->kind == TS_EDIT_TIMING) {
            char *was = timing_text(t, &s->start, &s->end);
            if (!was) goto out;
            if (e->tc_start.kind != TS_TC_NONE) s->start = e->tc_start;
            if (e->tc_end.kind != TS_TC_NONE) s->end = e->tc_end;
            char *now = timing_text(t, &s->start, &s->end);
            if (!now) goto out;
            s->flags |= TS_SEG_TIMING_DIRTY;
            res->touched[e->seg - lo] = 1;
            res->applied++;
            if (log && log->fn(log->ud, e, e->seg, s->line, 1, was, strlen(was), now, strlen(now)))
                goto out;
        }
    }

    if (rebuild) {
        size_t cap = nseg + range + 1;
        rebuilt = malloc(cap * sizeof *rebuilt);
        res->dirty = calloc(range * 2 + 1, 1);
        res->new_index = malloc((range ? range : 1) * sizeof *res->new_index);
        if (!rebuilt || !res->dirty || !res->new_index) goto out;
        memcpy(rebuilt, t->segs, lo * sizeof *rebuilt);
        size_t w = lo;
        for (size_t i = lo; i <= hi; i++) {
            for (edit_ref *mr = ins_at[i - lo]; mr; mr = mr->next_ins) { /* moving to before i */
                ts_edit *me = mr->e;
                ts_segment *m = &t->segs[me->seg];
                rebuilt[w] = *m;
                res->dirty[w - lo] = 1;
                res->new_index[me->seg - lo] = (uint32_t)w;
                res->touched[me->seg - lo] = 1;
                res->applied++;
                if (log && log->fn(log->ud, me, me->seg, m->text_line, m->text_col, m->text, m->text_len,
                               m->text, m->text_len))
                    goto out;
                w++;
            }
            if (i == hi) break;
            ts_segment *s = &t->segs[i];
            edit_ref *op = op_at[i - lo];
            if (op && op->e->kind == TS_EDIT_MOVE_BEFORE) continue; /* placed above */
            if (op && op->e->kind == TS_EDIT_DELETE) {
                res->new_index[i - lo] = TS_SEG_GONE;
                res->touched[i - lo] = 1;
                res->applied++;
                if (log_delete(t, op->e, (uint32_t)i, s, log)) goto out;
                continue;
            }
            res->new_index[i - lo] = (uint32_t)w;
            rebuilt[w] = *s;
            res->dirty[w - lo] = res->touched[i - lo];
            if (op && op->e->kind == TS_EDIT_MERGE_NEXT) {
                ts_segment *b = &t->segs[i + 1], *m = &rebuilt[w];
                uint32_t keep = rtrim(s->text, 0, s->text_len), skip = ltrim(b->text, 0, b->text_len);
                uint32_t len;
                char *nt = join_text(t, s->text, keep, b->text + skip, b->text_len - skip, &len);
                if (!nt || ts_segment_add_shift(t, m, keep, s->text_len - keep, len - keep)) goto out;
                if (s->words || b->words) {
                    ts_word *mw = words_alloc(t, (size_t)s->n_words + b->n_words);
                    if (!mw) goto out;
                    uint32_t k = take_words(mw, 0, s->words, s->n_words, 0, keep, keep, 0);
                    k = take_words(mw, k, b->words, b->n_words, 0, b->text_len, b->text_len,
                                   (int64_t)len - b->text_len);
                    m->words = mw;
                    m->n_words = k;
                }
                m->text = nt;
                m->text_cap = len + 1;
                m->text_len = len;
                m->end = b->end;
                m->raw_tail = b->raw_tail;
                m->raw_tail_len = b->raw_tail_len;
                m->flags |= TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                res->dirty[w - lo] = 1;
                res->touched[i - lo] = res->touched[i + 1 - lo] = 1;
                res->new_index[i + 1 - lo] = TS_SEG_GONE;
                res->applied++;
                if (log && log->fn(log->ud, op->e, (uint32_t)i, b->text_line, b->text_col, b->text,
                               b->text_len, nt, len))
                    goto out;
                i++;
            } else if (op && op->e->kind == TS_EDIT_SPLIT) {
                ts_segment *f = &rebuilt[w], *g = &rebuilt[w + 1];
                uint32_t cut = map_forward(s, base[i - lo], op->e->start);
                uint32_t k1 = rtrim(s->text, 0, cut), g0 = ltrim(s->text, cut, s->text_len);
                ts_timecode at = op->e->split_at;
                ts_word *fw = NULL, *gw = NULL;
                uint32_t nfw = 0, ngw = 0;
                if (s->words) {
                    fw = words_alloc(t, s->n_words);
                    gw = words_alloc(t, s->n_words);
                    if (!fw || !gw) goto out;
                    nfw = take_words(fw, 0, s->words, s->n_words, 0, cut, k1, 0);
                    ngw = take_words(gw, 0, s->words, s->n_words, cut, s->text_len, s->text_len,
                                     -(int64_t)g0);
                }
                if (at.kind == TS_TC_NONE && ngw && gw[0].start >= 0 &&
                    gw[0].start > ts_tc_seconds(&s->start) && gw[0].start < ts_tc_seconds(&s->end))
                    at = ts_tc_from_seconds(gw[0].start, &s->start); /* where its first word starts */
                if (at.kind == TS_TC_NONE) {
                    double a = ts_tc_seconds(&s->start), b = ts_tc_seconds(&s->end);
                    double frac = s->text_len ? (double)cut / s->text_len : 0.5;
                    at = ts_tc_from_seconds(a + (b - a) * frac, &s->start);
                }
                unsigned line, col;
                ts_segment_source_pos(s, g0, &line, &col);
                *g = *s;
                g->text = s->text + g0;
                g->text_cap = 0; /* both halves share the old buffer */
                g->text_len = s->text_len - g0;
                g->start = at;
                g->raw_head = NULL;
                g->raw_head_len = 0;
                g->shifts = NULL;
                g->n_shifts = 0;
                g->text_line = line;
                g->text_col = col;
                g->flags |= TS_SEG_NEW | TS_SEG_MAP_LOST | TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                g->words = gw;
                g->n_words = ngw;
                f->words = fw;
                f->n_words = nfw;
                f->end = at;
                f->raw_tail = NULL;
                f->raw_tail_len = 0;
                if (ts_segment_add_shift(t, f, k1, s->text_len - k1, 0)) goto out;
                f->text_len = k1;
                f->text_cap = 0;
                f->flags |= TS_SEG_TEXT_DIRTY | TS_SEG_TIMING_DIRTY;
                res->dirty[w - lo] = res->dirty[w + 1 - lo] = 1;
                res->touched[i - lo] = 1;
                res->applied++;
                if (log && log->fn(log->ud, op->e, (uint32_t)i, line, col, g->text, g->text_len, g->text,
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
    ts_buf_release(&scratch);
    free(rebuilt);
    free(txt);
    free(ops);
    free(base);
    free(claimed);
    free(op_at);
    free(ins_at);
    return rc;
}
