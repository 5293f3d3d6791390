/*
 * fmt_aws.c - Amazon Transcribe JSON (read only):
 *
 *     {"results": {"transcripts": [{"transcript": "..."}],
 *      "items": [{"type": "pronunciation", "start_time": "0.04",
 *                 "end_time": "0.5", "speaker_label": "spk_0",
 *                 "alternatives": [{"confidence": "0.99", "content": "Hi"}]},
 *                {"type": "punctuation", "alternatives": [{"content": "."}]}],
 *      "speaker_labels": {"segments": [{"start_time": "0.04",
 *                 "end_time": "3.1", "speaker_label": "spk_0"}]},
 *      "audio_segments": [...]}}
 *
 * With "audio_segments" (newer jobs) each is a segment; otherwise the
 * items are grouped into one segment per speaker turn, punctuation
 * attached to the word before it.  An item's speaker is its own
 * speaker_label, or that of the speaker_labels segment its time falls in.
 * Grouped items also give the segments their word timing (ts_word: times
 * and confidence, punctuation counted in the word before it); audio
 * segments do not.
 *
 * The document is pulled token by token (jsonpull.h), never built as a
 * tree: only the fields above are kept, one object at a time, and the
 * whole document is checked (a JSON error anywhere is reported before any
 * complaint about the fields).  A field read here given twice in one
 * object is an error.
 *
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed AWS JSON (use --to, e.g. whisper).
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"

/* A speaker_labels segment: the speaker of the items its time holds. */
typedef struct {
    double start, end;
    const char *label; /* NULL when it has none */
    size_t len;
} aws_label;

/* An audio segment, kept until the document is known to be good. */
typedef struct {
    double start, end;
    const char *text, *speaker;
    size_t len, speaker_len;
    unsigned line, col;
} aws_segment;

typedef struct {
    ts_context *ctx;
    ts_transcript *t;
    ts_jp p;
    ts_json_words items;
    int items_seen;             /* results.items is an array */
    ts_json_later items_err;
    aws_label *labels;
    size_t n_labels, cap_labels;
    aws_segment *segs;
    size_t n_segs, cap_segs;
    ts_json_later segs_err;
} aws_reader;

/* Grows a malloc'd array of `size`-byte elements to hold one more. */
static int grow(void *pv, size_t *cap, size_t n, size_t size)
{
    void **v = pv;
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *x = c > SIZE_MAX / size ? NULL : realloc(*v, c * size);
    if (!x) return -1;
    *v = x;
    *cap = c;
    return 0;
}

/* Where byte `off` is, for an error about something without a string. */
static void where(const aws_reader *r, size_t off, unsigned *line, unsigned *col)
{
    ts_offset_pos(r->t->input, off, line, col);
}


/* alternatives: the first object's content and confidence; the others are
 * skipped.  The array's '[' has been read. */
static int read_alternatives(aws_reader *r, ts_json_val *content, ts_json_val *conf)
{
    ts_jp *p = &r->p;
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        if (i > 0 || tok != TS_JP_OBJECT) {
            if (ts_jp_skip(p)) return -1;
            continue;
        }
        static const ts_json_key keys[] = {TS_JSON_KEY("content"), TS_JSON_KEY("confidence")};
        ts_json_val *const vals[] = {content, conf};
        int e = ts_json_read_fields(r->ctx, r->t, p, keys, vals, 2, 1u);
        if (e) return e;
    }
}

/* An item's "alternatives" (ts_json_field_fn): the first one's content and
 * confidence. */
typedef struct {
    aws_reader *r;
    ts_json_val *content, *conf;
} item_alternatives;

static int read_item_alternatives(void *ud, ts_jp *p, size_t i)
{
    (void)i;
    item_alternatives *x = ud;
    if (ts_jp_next(p) != TS_JP_ARRAY) return ts_jp_skip(p);
    return read_alternatives(x->r, x->content, x->conf);
}

/* One element of results.items (its first token has been read). */
static int read_item(aws_reader *r, size_t idx)
{
    ts_jp *p = &r->p;
    size_t at = p->at;
    if (p->tok != TS_JP_OBJECT) {
        if (!r->items_err.set) {
            unsigned line, col;
            where(r, at, &line, &col);
            ts_json_later_set(&r->items_err, line, col, TS_DIAG_STRUCTURE,
                              "item %zu needs a type and alternatives[0].content", idx);
        }
        return ts_jp_skip(p);
    }
    ts_json_val type = {0}, a = {0}, b = {0}, spk = {0}, content = {0}, conf = {0};
    static const ts_json_key keys[] = {TS_JSON_KEY("start_time"), TS_JSON_KEY("end_time"),
                                       TS_JSON_KEY("type"), TS_JSON_KEY("speaker_label"),
                                       TS_JSON_KEY("alternatives")};
    ts_json_val *const vals[] = {&a, &b, &type, &spk, NULL};
    item_alternatives alts = {r, &content, &conf};
    int e = ts_json_read_fields_to(r->ctx, r->t, p, keys, vals, 5, 0, read_item_alternatives,
                                   &alts);
    if (e) return e;
    if (r->items_err.set) return 0; /* the first error is the one reported */
    unsigned line = content.line, col = content.col;
    if (content.type != TS_JP_STRING) where(r, at, &line, &col);
    if (content.type != TS_JP_STRING || type.type != TS_JP_STRING) {
        ts_json_later_set(&r->items_err, line, col, TS_DIAG_STRUCTURE,
                          "item %zu needs a type and alternatives[0].content", idx);
        return 0;
    }
    ts_json_word *x = ts_json_words_push(&r->items);
    if (!x) return -1;
    x->text = content.s;
    x->len = content.n;
    x->line = line;
    x->col = col;
    x->punct = type.n == 11 && memcmp(type.s, "punctuation", 11) == 0;
    x->prob = ts_json_val_prob(&conf);
    if (!x->punct) {
        x->start = ts_json_val_seconds(&a);
        x->end = ts_json_val_seconds(&b);
        if (x->start < 0 || x->end < 0) {
            ts_json_later_set(&r->items_err, line, col, TS_DIAG_TIMECODE, "item %zu needs start_time and end_time", idx);
            return 0;
        }
    }
    if (spk.type == TS_JP_STRING) {
        x->speaker = spk.s;
        x->speaker_len = spk.n;
    }
    return 0;
}

/* One element of results.audio_segments. */
static int read_segment(aws_reader *r, size_t idx)
{
    ts_jp *p = &r->p;
    size_t at = p->at;
    ts_json_val tx = {0}, spk = {0}, a = {0}, b = {0};
    if (p->tok == TS_JP_OBJECT) {
        static const ts_json_key keys[] = {TS_JSON_KEY("transcript"), TS_JSON_KEY("speaker_label"),
                                           TS_JSON_KEY("start_time"), TS_JSON_KEY("end_time")};
        ts_json_val *const vals[] = {&tx, &spk, &a, &b};
        int e = ts_json_read_fields(r->ctx, r->t, p, keys, vals, 4, 1u);
        if (e) return e;
    } else if (ts_jp_skip(p)) {
        return -1;
    }
    if (r->segs_err.set) return 0;
    unsigned line = tx.line, col = tx.col;
    if (tx.type != TS_JP_STRING) where(r, at, &line, &col);
    double sa = ts_json_val_seconds(&a), sb = ts_json_val_seconds(&b);
    if (tx.type != TS_JP_STRING || sa < 0 || sb < 0) {
        ts_json_later_set(&r->segs_err, line, col, TS_DIAG_STRUCTURE,
                          "audio segment %zu needs transcript, start_time and end_time", idx);
        return 0;
    }
    if (grow(&r->segs, &r->cap_segs, r->n_segs, sizeof *r->segs)) return -1;
    r->segs[r->n_segs++] = (aws_segment){sa, sb, tx.s, spk.type == TS_JP_STRING ? spk.s : NULL, tx.n,
                                         spk.type == TS_JP_STRING ? spk.n : 0, line, col};
    return 0;
}

/* One element of speaker_labels.segments (its items are skipped). */
static int read_label(aws_reader *r)
{
    ts_jp *p = &r->p;
    ts_json_val spk = {0}, a = {0}, b = {0};
    if (p->tok == TS_JP_OBJECT) {
        static const ts_json_key keys[] = {TS_JSON_KEY("speaker_label"), TS_JSON_KEY("start_time"),
                                           TS_JSON_KEY("end_time")};
        ts_json_val *const vals[] = {&spk, &a, &b};
        int e = ts_json_read_fields(r->ctx, r->t, p, keys, vals, 3, 0);
        if (e) return e;
    } else if (ts_jp_skip(p)) {
        return -1;
    }
    if (grow(&r->labels, &r->cap_labels, r->n_labels, sizeof *r->labels)) return -1;
    r->labels[r->n_labels++] = (aws_label){ts_json_val_seconds(&a), ts_json_val_seconds(&b),
                                           spk.type == TS_JP_STRING ? spk.s : NULL, spk.n};
    return 0;
}

/* Reads the elements of the array just opened with `one`; 0, -1 (JSON
 * error or no memory) or 1 (reported). */
static int read_array(aws_reader *r, int (*one)(aws_reader *, size_t))
{
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(&r->p);
        if (tok == TS_JP_ARRAY_END) return 0;
        if (tok == TS_JP_ERROR) return -1;
        int e = one(r, i);
        if (e) return e;
    }
}

static int read_label_at(aws_reader *r, size_t i)
{
    (void)i;
    return read_label(r);
}

static int read_speaker_labels(aws_reader *r)
{
    ts_jp *p = &r->p;
    unsigned seen = 0;
    ts_jp_token tok;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        if (!TS_JP_IS(p, "segments")) {
            if (ts_jp_skip_value(p)) return -1;
            continue;
        }
        if (ts_json_once(&seen, 0)) return ts_json_duplicate(r->ctx, r->t, p), 1;
        if ((tok = ts_jp_next(p)) == TS_JP_ARRAY) {
            int e = read_array(r, read_label_at);
            if (e) return e;
        } else if (ts_jp_skip(p)) {
            return -1;
        }
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

static int read_results(aws_reader *r)
{
    ts_jp *p = &r->p;
    unsigned seen = 0;
    ts_jp_token tok;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        int bit = TS_JP_IS(p, "items") ? 0 : TS_JP_IS(p, "audio_segments") ? 1 : TS_JP_IS(p, "speaker_labels") ? 2 : -1;
        if (bit < 0) {
            if (ts_jp_skip_value(p)) return -1;
            continue;
        }
        if (ts_json_once(&seen, bit)) return ts_json_duplicate(r->ctx, r->t, p), 1;
        tok = ts_jp_next(p);
        int e = 0;
        if (bit == 0 && tok == TS_JP_ARRAY) {
            r->items_seen = 1;
            e = read_array(r, read_item);
        } else if (bit == 1 && tok == TS_JP_ARRAY) {
            e = read_array(r, read_segment);
        } else if (bit == 2 && tok == TS_JP_OBJECT) {
            e = read_speaker_labels(r);
        } else {
            e = ts_jp_skip(p);
        }
        if (e) return e;
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

/* The whole document: the root object's "results", everything else
 * checked and skipped. */
static int read_document(aws_reader *r)
{
    ts_jp *p = &r->p;
    ts_jp_token tok = ts_jp_next(p);
    if (tok == TS_JP_OBJECT) {
        unsigned seen = 0;
        while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
            if (!TS_JP_IS(p, "results")) {
                if (ts_jp_skip_value(p)) return -1;
                continue;
            }
            if (ts_json_once(&seen, 0)) return ts_json_duplicate(r->ctx, r->t, p), 1;
            int e = ts_jp_next(p) == TS_JP_OBJECT ? read_results(r) : ts_jp_skip(p);
            if (e) return e;
        }
        if (tok != TS_JP_OBJECT_END) return -1;
    } else if (ts_jp_skip(p)) {
        return -1;
    }
    return ts_jp_next(p) == TS_JP_EOF ? 0 : -1;
}

/* A start time and the index of what has it, for sorting. */
typedef struct {
    double start;
    size_t i;
} aws_start;

static int cmp_start(const void *a, const void *b)
{
    const aws_start *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Labels for any speaker_labels segments (overlapping, out of order):
 * the items by start time sweep over the segments by start time; a heap
 * of the segments begun so far, smallest index on top, gives the first
 * one still holding the item once those that ended are popped (they end
 * before every later item too).  O((items + segments) log). */
static int label_items_sweep(aws_reader *r)
{
    const aws_label *l = r->labels;
    size_t n = 0, m = 0, k = 0, h = 0;
    aws_start *ls = malloc((r->n_labels ? r->n_labels : 1) * sizeof *ls);
    aws_start *is = malloc((r->items.n ? r->items.n : 1) * sizeof *is);
    size_t *heap = malloc((r->n_labels ? r->n_labels : 1) * sizeof *heap);
    int rc = -1;
    if (!ls || !is || !heap) goto out;
    for (size_t j = 0; j < r->n_labels; j++)
        if (l[j].label) ls[n++] = (aws_start){l[j].start, j}; /* a segment without a label names no one */
    for (size_t j = 0; j < r->items.n; j++)
        if (!r->items.v[j].speaker && !r->items.v[j].punct) is[m++] = (aws_start){r->items.v[j].start, j};
    qsort(ls, n, sizeof *ls, cmp_start);
    qsort(is, m, sizeof *is, cmp_start);
    for (size_t j = 0; j < m; j++) {
        double x = is[j].start;
        for (; k < n && ls[k].start <= x; k++) { /* push */
            size_t c = h++;
            heap[c] = ls[k].i;
            while (c && heap[(c - 1) / 2] > heap[c]) {
                size_t up = (c - 1) / 2, tmp = heap[up];
                heap[up] = heap[c];
                heap[c] = tmp;
                c = up;
            }
        }
        while (h && !(x < l[heap[0]].end)) { /* pop what ended */
            heap[0] = heap[--h];
            for (size_t c = 0;;) {
                size_t a = 2 * c + 1, b = a + 1, s = c;
                if (a < h && heap[a] < heap[s]) s = a;
                if (b < h && heap[b] < heap[s]) s = b;
                if (s == c) break;
                size_t tmp = heap[s];
                heap[s] = heap[c];
                heap[c] = tmp;
                c = s;
            }
        }
        if (h) {
            ts_json_word *w = &r->items.v[is[j].i];
            w->speaker = l[heap[0]].label;
            w->speaker_len = l[heap[0]].len;
        }
    }
    rc = 0;
out:
    free(ls);
    free(is);
    free(heap);
    return rc;
}

/* The speaker of an item without its own label: that of the first
 * speaker_labels segment (in the file's order) with a label whose time
 * holds the item's start.  Segments in time order without overlap (as AWS
 * writes them) are searched by bisection, others by a sweep. */
static int label_items(aws_reader *r)
{
    const aws_label *l = r->labels;
    size_t n = r->n_labels;
    for (size_t k = 0; k < n; k++)
        if (!(l[k].start >= 0 && l[k].start <= l[k].end && (k == 0 || l[k - 1].end <= l[k].start)))
            return label_items_sweep(r);
    for (size_t i = 0; i < r->items.n; i++) {
        ts_json_word *x = &r->items.v[i];
        if (x->speaker || x->punct) continue;
        size_t lo = 0, hi = n; /* the last segment starting at or before the item */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (l[mid].start <= x->start) lo = mid + 1;
            else hi = mid;
        }
        if (lo > 0 && x->start < l[lo - 1].end) {
            x->speaker = l[lo - 1].label;
            x->speaker_len = l[lo - 1].len;
        }
    }
    return 0;
}

static ts_status read_aws(ts_context *ctx, ts_transcript *t)
{
    aws_reader r = {.ctx = ctx, .t = t};
    ts_jp_init(&r.p, t->input, t->input_len);
    t->format = &ts_fmt_aws;
    ts_status st = TS_OK;
    int e = read_document(&r);
    if (e) {
        st = e > 0 ? TS_ERR_INPUT : ts_json_pull_error(ctx, t, &r.p);
        goto out;
    }
    if (r.n_segs || r.segs_err.set) {
        if (r.segs_err.set) {
            st = ts_json_later_emit(ctx, t, &r.segs_err);
            goto out;
        }
        for (size_t i = 0; i < r.n_segs && !st; i++) {
            const aws_segment *s = &r.segs[i];
            st = ts_json_add_segment(t, s->start, s->end, s->text, s->len, s->speaker, s->speaker_len, s->line, s->col);
        }
        goto out;
    }
    if (!r.items_seen) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no results.items or results.audio_segments array (not Amazon Transcribe JSON)");
        st = TS_ERR_INPUT;
        goto out;
    }
    if (r.items_err.set) {
        st = ts_json_later_emit(ctx, t, &r.items_err);
        goto out;
    }
    st = label_items(&r) ? TS_ERR_NOMEM : ts_json_add_turns(t, r.items.v, r.items.n);
out:
    ts_json_words_release(&r.items);
    free(r.labels);
    free(r.segs);
    return st;
}

static ts_status write_aws(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "aws");
}

static int sniff_aws(const char *d, size_t n)
{
    if (!ts_json_sniff_object(d, n)) return 0;
    size_t lim = n < 65536 ? n : 65536;
    int results = 0, items = 0;
    for (size_t i = 0; i + 15 <= lim; i++) {
        if (d[i] != '"') continue;
        if (memcmp(d + i, "\"results\"", 9) == 0) results = 1;
        if (memcmp(d + i, "\"alternatives\"", 14) == 0 || memcmp(d + i, "\"jobName\"", 9) == 0) items = 1;
        if (memcmp(d + i, "\"channels\"", 10) == 0) return 0; /* Deepgram */
    }
    return results && items ? 92 : 0;
}

const ts_format ts_fmt_aws = {
    .info = {"aws", "Amazon Transcribe JSON (read only: speaker turns from items)", "json",
             "JSON with \"results\" and \"alternatives\" or \"jobName\", no \"channels\""},
    .sniff = sniff_aws,
    .read = read_aws,
    .write = write_aws,
    .long_lines_ok = 1,
};
