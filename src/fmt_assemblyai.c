/*
 * fmt_assemblyai.c - AssemblyAI transcript JSON (read only):
 *
 *     {"id": "...", "status": "completed", "text": "...",
 *      "words": [{"text": "Hello", "start": 250, "end": 650,
 *                 "confidence": 0.97, "speaker": "A"}],
 *      "utterances": [{"speaker": "A", "start": 250, "end": 2650,
 *                      "text": "...", "words": [...]}]}
 *
 * Times are milliseconds.  With "utterances" (speaker_labels=true) each is
 * a segment; otherwise the words are grouped into one segment per speaker
 * turn (one segment when there are no speakers).  Speakers are written
 * "Speaker A" (the letter AssemblyAI gives).  The words (of an utterance,
 * or grouped) give the segments their word timing (ts_word: times and
 * confidence).
 *
 * The document is pulled token by token (jsonpull.h), never built as a
 * tree: only the fields above are kept, one object at a time, and the
 * whole document is checked (a JSON error anywhere is reported before any
 * complaint about the fields).  A field read here given twice in one
 * object is an error; times are numbers of milliseconds below 10^12.
 *
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed AssemblyAI JSON (use --to, e.g. whisper).
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
    ts_json_words words;        /* the top-level words */
    int words_seen;             /* "words" is an array */
    ts_json_later words_err;
    ts_json_utterances utt;
    const char *last_raw;       /* the speaker letter behind last_label */
    size_t last_raw_len;
    const char *last_label;     /* "Speaker A" */
    size_t last_len;
} aai_reader;


/* Milliseconds as seconds: a number from 0 up to 10^12 (some 31 years);
 * -1 for anything else. */
static double ms(const ts_json_val *v)
{
    return v->type == TS_JP_NUMBER && v->num >= 0 && v->num < 1e12 ? v->num / 1000.0 : -1;
}

/* "Speaker X" for a non-empty string speaker, NULL otherwise;
 * consecutive words of one speaker share the string. */
static int speaker_of(void *reader, const ts_json_val *v, const char **s, size_t *n)
{
    aai_reader *r = reader;
    *s = NULL;
    *n = 0;
    if (v->type != TS_JP_STRING || !v->n) return 0;
    if (!r->last_label || r->last_raw_len != v->n || memcmp(r->last_raw, v->s, v->n) != 0) {
        char *x = ts_arena_printf(&r->t->arena, "Speaker %.*s", (int)strnlen(v->s, v->n), v->s);
        if (!x) return -1;
        r->last_label = x;
        r->last_len = strlen(x);
        r->last_raw = v->s;
        r->last_raw_len = v->n;
    }
    *s = r->last_label;
    *n = r->last_len;
    return 0;
}

static void where(const aai_reader *r, size_t off, unsigned *line, unsigned *col)
{
    ts_offset_pos(r->t->input, off, line, col);
}

typedef struct {
    ts_json_val text, start, end, speaker, prob[3];
} aai_word;

/* The fields of one word object (its '{' has been read). */
static int read_word(aai_reader *r, aai_word *w, int locate)
{
    static const ts_json_key keys[] = {
        TS_JSON_KEY("text"), TS_JSON_KEY("start"), TS_JSON_KEY("end"), TS_JSON_KEY("speaker"),
        TS_JSON_KEY("probability"), TS_JSON_KEY("score"), TS_JSON_KEY("confidence"),
    };
    memset(w, 0, sizeof *w);
    ts_json_val *const vals[] = {&w->text, &w->start, &w->end, &w->speaker,
                                 &w->prob[0], &w->prob[1], &w->prob[2]};
    return ts_json_read_fields(r->ctx, r->t, &r->p, keys, vals, 7, locate ? 1u : 0);
}

/* The top-level words (the array's '[' read). */
static int read_words(aai_reader *r)
{
    ts_jp *p = &r->p;
    r->words_seen = 1;
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        size_t at = p->at;
        aai_word w = {0};
        int e = tok == TS_JP_OBJECT ? read_word(r, &w, 1) : ts_jp_skip(p);
        if (e) return e;
        if (r->words_err.set) continue;
        double a = ms(&w.start), b = ms(&w.end);
        unsigned line = w.text.line, col = w.text.col;
        if (w.text.type != TS_JP_STRING || a < 0 || b < 0) {
            if (w.text.type != TS_JP_STRING) where(r, at, &line, &col);
            ts_json_later_set(&r->words_err, line, col, TS_DIAG_STRUCTURE,
                              "word %zu needs text, start and end (milliseconds)", i);
            continue;
        }
        ts_json_word *x = ts_json_words_push(&r->words);
        if (!x) return -1;
        x->start = a;
        x->end = b;
        x->text = w.text.s;
        x->len = w.text.n;
        x->line = line;
        x->col = col;
        x->prob = ts_json_val_prob(&w.prob[2]);
        if (speaker_of(r, &w.speaker, &x->speaker, &x->speaker_len)) return -1;
    }
}

/* A word of an utterance (times in milliseconds, not bounded). */
static int utterance_word(void *reader, ts_json_word *x, int *keep)
{
    aai_word w;
    int e = read_word(reader, &w, 0);
    if (e || w.text.type != TS_JP_STRING || w.text.n > UINT32_MAX / 2) return e;
    const ts_json_val *pr = w.prob[0].type ? &w.prob[0] : w.prob[1].type ? &w.prob[1] : &w.prob[2];
    double wa = ts_json_val_seconds(&w.start), wb = ts_json_val_seconds(&w.end);
    x->start = wa >= 0 ? wa / 1000.0 : wa;
    x->end = wb >= 0 ? wb / 1000.0 : wb;
    x->text = w.text.s;
    x->len = w.text.n;
    x->prob = ts_json_val_prob(pr);
    *keep = 1;
    return 0;
}

static const ts_json_utterance_kind utterance_kind = {
    .text_key = "text",
    .needs = "text, start and end (milliseconds)",
    .seconds = ms,
    .word = utterance_word,
    .speaker = speaker_of,
};

static int read_document(aai_reader *r)
{
    ts_jp *p = &r->p;
    ts_jp_token tok = ts_jp_next(p);
    if (tok == TS_JP_OBJECT) {
        unsigned seen = 0;
        while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
            int bit = TS_JP_IS(p, "words") ? 0 : TS_JP_IS(p, "utterances") ? 1 : -1;
            if (bit < 0) {
                if (ts_jp_skip_value(p)) return -1;
                continue;
            }
            if (ts_json_once(&seen, bit)) return ts_json_duplicate(r->ctx, r->t, p), 1;
            if ((tok = ts_jp_next(p)) != TS_JP_ARRAY) {
                if (ts_jp_skip(p)) return -1;
                continue;
            }
            for (size_t i = 0; bit == 1; i++) {
                if ((tok = ts_jp_next(p)) == TS_JP_ARRAY_END) break;
                if (tok == TS_JP_ERROR) return -1;
                int e = ts_json_read_utterance(r->ctx, r->t, p, &r->utt, &utterance_kind, r, i);
                if (e) return e;
            }
            if (bit == 0) {
                int e = read_words(r);
                if (e) return e;
            }
        }
        if (tok != TS_JP_OBJECT_END) return -1;
    } else if (ts_jp_skip(p)) {
        return -1;
    }
    return ts_jp_next(p) == TS_JP_EOF ? 0 : -1;
}

static ts_status read_assemblyai(ts_context *ctx, ts_transcript *t)
{
    aai_reader r = {.ctx = ctx, .t = t};
    ts_jp_init(&r.p, t->input, t->input_len);
    t->format = &ts_fmt_assemblyai;
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
    if (!r.words_seen) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no \"utterances\" or \"words\" array (not AssemblyAI JSON)");
        st = TS_ERR_INPUT;
        goto out;
    }
    if (r.words_err.set) {
        st = ts_json_later_emit(ctx, t, &r.words_err);
        goto out;
    }
    st = ts_json_add_turns(t, r.words.v, r.words.n);
out:
    ts_json_words_release(&r.words);
    ts_json_words_release(&r.utt.words);
    return st;
}

static ts_status write_assemblyai(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "assemblyai");
}

/* AssemblyAI writes its model fields before the whole "text", and "words"
 * only after it: in a long episode the words lie beyond the 64 KB looked
 * at.  The model fields are AssemblyAI's own, so they alone outscore a
 * bare JSON object (Whisper's 10). */
static int sniff_assemblyai(const char *d, size_t n)
{
    if (!ts_json_sniff_object(d, n)) return 0;
    size_t lim = n < 65536 ? n : 65536;
    int words = 0, duration = 0, model = 0;
    for (size_t i = 0; i + 16 <= lim; i++) {
        if (d[i] != '"') continue;
        if (memcmp(d + i, "\"words\"", 7) == 0 || memcmp(d + i, "\"utterances\"", 12) == 0) words = 1;
        if (memcmp(d + i, "\"audio_duration\"", 16) == 0) duration = 1;
        if (memcmp(d + i, "\"acoustic_model\"", 16) == 0 || memcmp(d + i, "\"language_model\"", 16) == 0)
            model = 1;
        if (memcmp(d + i, "\"segments\"", 10) == 0 || memcmp(d + i, "\"results\"", 9) == 0) return 0;
    }
    return words && (model || duration) ? 92 : model ? 85 : 0;
}

const ts_format ts_fmt_assemblyai = {
    .info = {"assemblyai", "AssemblyAI JSON (read only: utterances, or speaker turns from words)",
             "json", "JSON with \"acoustic_model\" or \"language_model\", or with \"words\" or \"utterances\" "
             "and \"audio_duration\"; no \"segments\""},
    .sniff = sniff_assemblyai,
    .read = read_assemblyai,
    .write = write_assemblyai,
    .long_lines_ok = 1,
};
