/*
 * fmt_deepgram.c - Deepgram JSON (read only):
 *
 *     {"metadata": {...}, "results": {
 *       "channels": [{"alternatives": [{"transcript": "...",
 *         "words": [{"word": "hello", "punctuated_word": "Hello",
 *                    "start": 0.08, "end": 0.32, "speaker": 0, ...}]}]}],
 *       "utterances": [{"start": 0.08, "end": 2.1, "transcript": "...",
 *                       "speaker": 0, "channel": 0, ...}]}}
 *
 * With "utterances" (utterances=true) each is a segment; otherwise the
 * words of the first alternative of each channel are grouped into one
 * segment per speaker turn, using "punctuated_word" when present.
 * Speakers are written "Speaker N" (the number Deepgram gives).  The words
 * (of an utterance, or grouped) give the segments their word timing
 * (ts_word: times and confidence).
 *
 * The document is pulled token by token (jsonpull.h), never built as a
 * tree: only the fields above are kept, one object at a time, and the
 * whole document is checked (a JSON error anywhere is reported before any
 * complaint about the fields).  A field read here given twice in one
 * object is an error; a speaker that is not an integer is no speaker.
 *
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed Deepgram JSON (use --to, e.g. whisper).
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"

typedef struct {
    ts_context *ctx;
    ts_transcript *t;
    ts_jp p;
    ts_json_words words;        /* the first alternative's words of every channel */
    size_t *chan_end;           /* where each channel's words end in `words` */
    size_t n_chan, cap_chan;
    int chans_seen;             /* results.channels is an array */
    ts_json_later words_err;
    ts_json_utterances utt;
    int64_t last_speaker;       /* "Speaker N" of the last label made */
    const char *last_label;
    size_t last_len;
} dg_reader;


/* "Speaker N" for an integer speaker, NULL otherwise; consecutive words
 * of one speaker share the string. */
static int speaker_of(void *reader, const ts_json_val *v, const char **s, size_t *n)
{
    dg_reader *r = reader;
    *s = NULL;
    *n = 0;
    if (v->type != TS_JP_NUMBER || !v->is_int) return 0;
    if (!r->last_label || r->last_speaker != v->ival) {
        char *x = ts_arena_printf(&r->t->arena, "Speaker %lld", (long long)v->ival);
        if (!x) return -1;
        r->last_label = x;
        r->last_len = strlen(x);
        r->last_speaker = v->ival;
    }
    *s = r->last_label;
    *n = r->last_len;
    return 0;
}

static void where(const dg_reader *r, size_t off, unsigned *line, unsigned *col)
{
    ts_offset_pos(r->t->input, off, line, col);
}

/* The fields of one word object (its '{' has been read); text is
 * punctuated_word when that is a string, else word. */
typedef struct {
    ts_json_val word, pword, start, end, speaker, prob[3];
} dg_word;

static int read_word(dg_reader *r, dg_word *w, int locate)
{
    static const ts_json_key keys[] = {
        TS_JSON_KEY("word"), TS_JSON_KEY("punctuated_word"), TS_JSON_KEY("start"),
        TS_JSON_KEY("end"), TS_JSON_KEY("speaker"), TS_JSON_KEY("probability"),
        TS_JSON_KEY("score"), TS_JSON_KEY("confidence"),
    };
    memset(w, 0, sizeof *w);
    ts_json_val *const vals[] = {&w->word, &w->pword, &w->start, &w->end, &w->speaker,
                                 &w->prob[0], &w->prob[1], &w->prob[2]};
    return ts_json_read_fields(r->ctx, r->t, &r->p, keys, vals, 8, locate ? 3u : 0);
}

static const ts_json_val *word_text(const dg_word *w)
{
    return w->pword.type == TS_JP_STRING ? &w->pword : w->word.type == TS_JP_STRING ? &w->word : NULL;
}

/* The words of a channel's first alternative (the array's '[' read). */
static int read_channel_words(dg_reader *r, size_t chan)
{
    ts_jp *p = &r->p;
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        size_t at = p->at;
        dg_word w = {0};
        int e = tok == TS_JP_OBJECT ? read_word(r, &w, 1) : ts_jp_skip(p);
        if (e) return e;
        if (r->words_err.set) continue;
        const ts_json_val *tx = word_text(&w);
        double a = ts_json_val_seconds(&w.start), b = ts_json_val_seconds(&w.end);
        unsigned line = 1, col = 1;
        if (tx) line = tx->line, col = tx->col;
        else if (w.word.line) line = w.word.line, col = w.word.col;
        else where(r, at, &line, &col);
        if (!tx || a < 0 || b < 0) {
            ts_json_later_set(&r->words_err, line, col, TS_DIAG_STRUCTURE,
                              "channel %zu word %zu needs word, start and end", chan, i);
            continue;
        }
        ts_json_word *x = ts_json_words_push(&r->words);
        if (!x) return -1;
        x->start = a;
        x->end = b;
        x->text = tx->s;
        x->len = tx->n;
        x->line = line;
        x->col = col;
        x->prob = ts_json_val_prob(&w.prob[2]);
        if (speaker_of(r, &w.speaker, &x->speaker, &x->speaker_len)) return -1;
    }
}

/* Reads the object just opened, handing the value of `key` (whatever its
 * type; the first token read) to fn; other keys are skipped.  A repeated
 * key is an error. */
static int read_member(dg_reader *r, const char *key, size_t kl, int (*fn)(dg_reader *, size_t), size_t arg)
{
    ts_jp *p = &r->p;
    unsigned seen = 0;
    ts_jp_token tok;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        if (!ts_jp_is(p, key, kl)) {
            if (ts_jp_skip_value(p)) return -1;
            continue;
        }
        if (ts_json_once(&seen, 0)) return ts_json_duplicate(r->ctx, r->t, p), 1;
        if (ts_jp_next(p) == TS_JP_ERROR) return -1;
        int e = fn(r, arg);
        if (e) return e;
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

/* alternatives[0].words of a channel; the first token of each value has
 * been read when these run. */
static int on_words(dg_reader *r, size_t chan)
{
    return r->p.tok == TS_JP_ARRAY ? read_channel_words(r, chan) : ts_jp_skip(&r->p);
}

static int on_alternatives(dg_reader *r, size_t chan)
{
    ts_jp *p = &r->p;
    if (p->tok != TS_JP_ARRAY) return ts_jp_skip(p);
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        int e = i == 0 && tok == TS_JP_OBJECT ? read_member(r, "words", 5, on_words, chan) : ts_jp_skip(p);
        if (e) return e;
    }
}

static int on_channels(dg_reader *r, size_t unused)
{
    (void)unused;
    ts_jp *p = &r->p;
    if (p->tok != TS_JP_ARRAY) return ts_jp_skip(p);
    r->chans_seen = 1;
    for (size_t c = 0;; c++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        int e = tok == TS_JP_OBJECT ? read_member(r, "alternatives", 12, on_alternatives, c) : ts_jp_skip(p);
        if (e) return e;
        if (r->n_chan == r->cap_chan) {
            size_t cap = r->cap_chan ? r->cap_chan * 2 : 8;
            size_t *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(r->chan_end, cap * sizeof *v);
            if (!v) return -1;
            r->chan_end = v;
            r->cap_chan = cap;
        }
        r->chan_end[r->n_chan++] = r->words.n;
    }
}

/* A word of an utterance. */
static int utterance_word(void *reader, ts_json_word *x, int *keep)
{
    dg_word w;
    int e = read_word(reader, &w, 0);
    const ts_json_val *wt = e ? NULL : word_text(&w);
    if (!wt || wt->n > UINT32_MAX / 2) return e;
    const ts_json_val *pr = w.prob[0].type ? &w.prob[0] : w.prob[1].type ? &w.prob[1] : &w.prob[2];
    x->start = ts_json_val_seconds(&w.start);
    x->end = ts_json_val_seconds(&w.end);
    x->text = wt->s;
    x->len = wt->n;
    x->prob = ts_json_val_prob(pr);
    *keep = 1;
    return 0;
}

static const ts_json_utterance_kind utterance_kind = {
    .text_key = "transcript",
    .needs = "transcript, start and end",
    .seconds = ts_json_val_seconds,
    .word = utterance_word,
    .speaker = speaker_of,
};

static int on_utterances(dg_reader *r, size_t unused)
{
    (void)unused;
    ts_jp *p = &r->p;
    if (p->tok != TS_JP_ARRAY) return ts_jp_skip(p);
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        if (tok == TS_JP_ERROR) return -1;
        int e = ts_json_read_utterance(r->ctx, r->t, p, &r->utt, &utterance_kind, r, i);
        if (e) return e;
    }
}

static int read_results(dg_reader *r)
{
    ts_jp *p = &r->p;
    unsigned seen = 0;
    ts_jp_token tok;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        int bit = TS_JP_IS(p, "channels") ? 0 : TS_JP_IS(p, "utterances") ? 1 : -1;
        if (bit < 0) {
            if (ts_jp_skip_value(p)) return -1;
            continue;
        }
        if (ts_json_once(&seen, bit)) return ts_json_duplicate(r->ctx, r->t, p), 1;
        if (ts_jp_next(p) == TS_JP_ERROR) return -1;
        int e = bit == 0 ? on_channels(r, 0) : on_utterances(r, 0);
        if (e) return e;
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

static int on_results(dg_reader *r, size_t unused)
{
    (void)unused;
    return r->p.tok == TS_JP_OBJECT ? read_results(r) : ts_jp_skip(&r->p);
}

static int read_document(dg_reader *r)
{
    ts_jp *p = &r->p;
    ts_jp_token tok = ts_jp_next(p);
    int e = tok == TS_JP_OBJECT ? read_member(r, "results", 7, on_results, 0) : ts_jp_skip(p);
    if (e) return e;
    return ts_jp_next(p) == TS_JP_EOF ? 0 : -1;
}

static ts_status read_deepgram(ts_context *ctx, ts_transcript *t)
{
    dg_reader r = {.ctx = ctx, .t = t};
    ts_jp_init(&r.p, t->input, t->input_len);
    t->format = &ts_fmt_deepgram;
    ts_status st = TS_OK;
    int e = read_document(&r);
    if (e) {
        st = e > 0 ? TS_ERR_INPUT : ts_json_pull_error(ctx, t, &r.p);
        goto out;
    }
    if (r.utt.n) {
        if (r.utt.err.set) st = ts_json_later_emit(ctx, t, &r.utt.err);
        goto out;
    }
    if (!r.chans_seen) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no results.channels or results.utterances array (not Deepgram JSON)");
        st = TS_ERR_INPUT;
        goto out;
    }
    if (r.words_err.set) {
        st = ts_json_later_emit(ctx, t, &r.words_err);
        goto out;
    }
    for (size_t c = 0, from = 0; c < r.n_chan && !st; from = r.chan_end[c++])
        if (r.chan_end[c] > from) st = ts_json_add_turns(t, r.words.v + from, r.chan_end[c] - from);
out:
    ts_json_words_release(&r.words);
    ts_json_words_release(&r.utt.words);
    free(r.chan_end);
    return st;
}

static ts_status write_deepgram(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "deepgram");
}

static int sniff_deepgram(const char *d, size_t n)
{
    if (!ts_json_sniff_object(d, n)) return 0;
    size_t lim = n < 65536 ? n : 65536;
    int results = 0, channels = 0;
    for (size_t i = 0; i + 12 <= lim; i++) {
        if (d[i] != '"') continue;
        if (memcmp(d + i, "\"results\"", 9) == 0) results = 1;
        if (memcmp(d + i, "\"channels\"", 10) == 0) channels = 1;
    }
    return results && channels ? 92 : 0;
}

const ts_format ts_fmt_deepgram = {
    .info = {"deepgram", "Deepgram JSON (read only: utterances, or speaker turns from words)", "json",
             "JSON with \"results\" and \"channels\""},
    .sniff = sniff_deepgram,
    .read = read_deepgram,
    .write = write_deepgram,
    .long_lines_ok = 1,
};
