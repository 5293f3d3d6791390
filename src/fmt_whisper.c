/*
 * fmt_whisper.c - the JSON of OpenAI Whisper, whisper.cpp (-oj) and
 * WhisperX:
 *
 *     {"text": " ...", "segments": [{"id": 0, "start": 0.0, "end": 2.5,
 *       "text": " Hello there.", "speaker": "SPEAKER_00",
 *       "words": [{"word": " Hello", "start": 0.0, "end": 0.4,
 *                  "probability": 0.98}, ...]}, ...], "language": "en"}
 *     {"transcription": [{"timestamps": {"from": "00:00:00,000", ...},
 *       "offsets": {"from": 0, "to": 2500}, "text": " Hello there."}]}
 *
 * A top-level array of segments is read too.  Times are numbers or
 * strings (seconds, or HH:MM:SS,mmm); whisper.cpp's "offsets" are
 * milliseconds.  A segment's leading space is kept aside and put back, so
 * passes see the text without it; WhisperX "speaker" is the speaker.
 *
 * Reading pulls tokens (jsonpull.h) and builds no tree: each segment goes
 * straight into the transcript, its strings in place in the input or, when
 * they hold escapes, decoded into the transcript's arena; the segment and
 * each of its words keep only their index in the source.  As jansson did
 * before, a repeated key counts with its last value and "segments" wins
 * over "transcription"; a document jansson rejects is reported with
 * jansson's message and position.  A bad segment is located at its "text"
 * string, or at its first byte when it has none or is not an object.
 *
 * Round trip: a transcript written back with nothing changed is the input,
 * byte for byte.  Once anything changed the input is parsed with jansson
 * (only then) and the JSON is written by jansson:
 * every field tscrub does not understand is kept, in its order, but the
 * layout is normalised: indentation as detected from the second line (or
 * one line), numbers printed in their shortest form with up to 15 digits,
 * non-ASCII escaped as \uXXXX when the input had no raw non-ASCII bytes.
 * Words ("words": "word" or "text", "start", "end", "probability" or
 * WhisperX "score") become the segments' word timing (ts_word), which edits
 * keep true: a word moved to another segment takes its times along.
 * In a changed segment the start/end, text and speaker are updated, the
 * top-level "text" is rebuilt from the segments, and "words" is written
 * from the word timing: each word keeps its object (unknown fields too)
 * with its text and times brought up to date, and its WhisperX "speaker"
 * set to the segment's when the segment was relabelled or the word came
 * from another segment; text no word covers gets words with only "word".
 * A segment whose words the text does not have in order has no word
 * timing: its words are realigned instead (a word whose text is unchanged
 * keeps its object; between two unchanged words, as many new words as old
 * ones pair up one to one; any other new word gets only "word").  Tab
 * indentation is written as spaces.  WhisperX "word_segments" is rebuilt
 * from the segments' words.  Written from another format, a segment with
 * word timing gets "words" with "word", "start", "end", "probability".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"
#include "timecode.h"

/* Where a word object sits in the source: element `idx` of the "words" of
 * element `seg` of the segments array.  ts_word.src points to one (arena);
 * the writer finds the object again in the document it parses. */
typedef struct {
    uint32_t seg, idx;
} wh_wref;

typedef struct {
    uint32_t index;    /* its element of the segments array */
    uint32_t lead_len;
    const char *lead;  /* leading whitespace of its text */
} wh_seg;

/* t->fmt_data; like every other part of what the reader keeps, in the
 * transcript's arena, so nothing needs releasing. */
typedef struct {
    int cpp;           /* whisper.cpp layout */
    size_t n_list;     /* elements of the segments array */
} wh_doc;

static ts_timecode ms_tc(double sec)
{
    ts_timecode tc = {(int64_t)llround(sec * 1000.0), 3, TS_TC_MS, 0, '.'};
    return tc;
}

/* The reader's state.  The word lists are reused from segment to segment
 * (malloc'd, freed at the end of the read). */
typedef struct {
    ts_context *ctx;
    ts_transcript *t;
    wh_doc *doc;
    ts_jp p;
    ts_json_later err;  /* the first bad segment of the array being read */
    size_t err_at;      /* its byte offset when err has no line yet */
    ts_word *w;
    const char **tx;
    uint32_t *len, *idx;
    size_t n_w, cap_w;
} wh_reader;

/* The fields of one segment object, the last of a repeated key counting as
 * jansson's json_object_get sees it. */
typedef struct {
    ts_json_val text, start, end, speaker;
    ts_json_val off_from, off_to, ts_from, ts_to;
    ts_jp_token off_type, ts_type; /* type of "offsets" and "timestamps" */
    int has_words;                 /* "words" is an array */
    size_t listed;                 /* its elements */
} wh_fields;

/* An object's "from" and "to" (its '{' read). */
static int read_from_to(wh_reader *r, ts_json_val *from, ts_json_val *to)
{
    ts_jp *p = &r->p;
    ts_jp_token tok;
    memset(from, 0, sizeof *from);
    memset(to, 0, sizeof *to);
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        ts_json_val *v = TS_JP_IS(p, "from") ? from : TS_JP_IS(p, "to") ? to : NULL;
        if (!v ? ts_jp_skip_value(p) : ts_json_take(p, &r->t->arena, v, 0)) return -1;
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

static int push_word(wh_reader *r)
{
    if (r->n_w < r->cap_w) return 0;
    size_t cap = r->cap_w ? r->cap_w * 2 : 64;
    ts_word *w = realloc(r->w, cap * sizeof *w);
    if (w) r->w = w;
    const char **tx = realloc(r->tx, cap * sizeof *tx);
    if (tx) r->tx = tx;
    uint32_t *len = realloc(r->len, cap * sizeof *len);
    if (len) r->len = len;
    uint32_t *idx = realloc(r->idx, cap * sizeof *idx);
    if (idx) r->idx = idx;
    if (!w || !tx || !len || !idx) return -1;
    r->cap_w = cap;
    return 0;
}

/* A "words" array (its '[' read): the words whose text is a string
 * ("word", or else "text"), with "start", "end" and "probability" (or else
 * "score", or else "confidence"); an empty array counts as none. */
static int read_words(wh_reader *r, wh_fields *f)
{
    ts_jp *p = &r->p;
    r->n_w = 0;
    f->has_words = 1;
    f->listed = 0;
    for (uint32_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) return 0;
        if (i == UINT32_MAX) return -1; /* not in memory we could read */
        f->listed++;
        if (tok != TS_JP_OBJECT) {
            if (ts_jp_skip(p)) return -1;
            continue;
        }
        ts_json_val word = {0}, text = {0}, start = {0}, end = {0}, prob[3] = {{0}};
        while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
            ts_json_val *v = TS_JP_IS(p, "word")          ? &word
                             : TS_JP_IS(p, "text")        ? &text
                             : TS_JP_IS(p, "start")       ? &start
                             : TS_JP_IS(p, "end")         ? &end
                             : TS_JP_IS(p, "probability") ? &prob[0]
                             : TS_JP_IS(p, "score")       ? &prob[1]
                             : TS_JP_IS(p, "confidence")  ? &prob[2]
                                                          : NULL;
            if (!v ? ts_jp_skip_value(p) : ts_json_take(p, &r->t->arena, v, 0)) return -1;
        }
        if (tok != TS_JP_OBJECT_END) return -1;
        const ts_json_val *tv = word.type == TS_JP_STRING ? &word : text.type == TS_JP_STRING ? &text : NULL;
        if (!tv || tv->n > UINT32_MAX / 2) continue;
        double a = ts_json_val_seconds(&start), b = ts_json_val_seconds(&end);
        if (a < 0 || b < a) a = b = -1;
        const ts_json_val *pv = prob[0].type ? &prob[0] : prob[1].type ? &prob[1] : &prob[2];
        if (push_word(r)) return -1;
        r->w[r->n_w] = (ts_word){a, b, 0, 0, (float)ts_json_val_prob(pv), NULL};
        r->tx[r->n_w] = tv->s;
        r->len[r->n_w] = (uint32_t)tv->n;
        r->idx[r->n_w] = i;
        r->n_w++;
    }
}

/* One segment object (its '{' read). */
static int read_fields(wh_reader *r, wh_fields *f)
{
    ts_jp *p = &r->p;
    ts_jp_token tok;
    memset(f, 0, sizeof *f);
    r->n_w = 0;
    while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
        ts_json_val *v = TS_JP_IS(p, "text")      ? &f->text
                         : TS_JP_IS(p, "start")   ? &f->start
                         : TS_JP_IS(p, "end")     ? &f->end
                         : TS_JP_IS(p, "speaker") ? &f->speaker
                                                  : NULL;
        if (v) {
            if (ts_json_take(p, &r->t->arena, v, v == &f->text)) return -1;
            continue;
        }
        int off = TS_JP_IS(p, "offsets"), tsd = !off && TS_JP_IS(p, "timestamps");
        if (off || tsd || TS_JP_IS(p, "words")) {
            tok = ts_jp_next(p);
            if (tok == TS_JP_ERROR) return -1;
            if (off) f->off_type = tok;
            else if (tsd) f->ts_type = tok;
            else f->has_words = 0;
            if (tok == TS_JP_OBJECT && (off || tsd)) {
                if (read_from_to(r, off ? &f->off_from : &f->ts_from, off ? &f->off_to : &f->ts_to)) return -1;
            } else if (tok == TS_JP_ARRAY && !off && !tsd) {
                if (read_words(r, f)) return -1;
            } else if (ts_jp_skip(p)) {
                return -1;
            }
            continue;
        }
        if (ts_jp_skip_value(p)) return -1;
    }
    return tok == TS_JP_OBJECT_END ? 0 : -1;
}

static void bad(wh_reader *r, unsigned line, unsigned col, int code, const char *what, size_t i)
{
    ts_json_later_set(&r->err, line, col, code, "segment %zu: %s", i, what);
}

/* Element i of the segments array (its first token read): a segment, or
 * the first bad one kept in r->err.  0, or -1 on a JSON error or when out
 * of memory. */
static int read_segment(wh_reader *r, size_t i)
{
    ts_jp *p = &r->p;
    ts_transcript *t = r->t;
    unsigned line, col;
    if (r->err.set) return ts_jp_skip(p);
    /* located only if reported: ts_offset_pos scans from the start, and
     * repeated "segments" arrays could make that quadratic */
    size_t at = p->at;
    if (p->tok != TS_JP_OBJECT) {
        if (ts_jp_skip(p)) return -1;
        r->err_at = at;
        return bad(r, 0, 0, TS_DIAG_STRUCTURE, "not an object", i), 0;
    }
    wh_fields f;
    if (read_fields(r, &f)) return -1;
    if (f.text.type != TS_JP_STRING) {
        r->err_at = at;
        return bad(r, 0, 0, TS_DIAG_STRUCTURE, "no \"text\" string", i), 0;
    }
    line = f.text.line;
    col = f.text.col;
    double a, b;
    if (r->doc->cpp) {
        if (f.off_type == TS_JP_OBJECT && f.off_from.type == TS_JP_NUMBER) {
            a = f.off_from.num / 1000.0;
            b = f.off_to.type == TS_JP_NUMBER ? f.off_to.num / 1000.0 : -1;
        } else if (f.ts_type == TS_JP_OBJECT) {
            a = ts_json_val_seconds(&f.ts_from);
            b = ts_json_val_seconds(&f.ts_to);
        } else {
            a = b = -1;
        }
    } else {
        a = ts_json_val_seconds(&f.start);
        b = ts_json_val_seconds(&f.end);
    }
    if (a < 0 || b < 0 || a > 1e8 || b > 1e8)
        return bad(r, line, col, TS_DIAG_STRUCTURE, "missing or invalid start/end time", i), 0;
    if (b < a) return bad(r, line, col, TS_DIAG_STRUCTURE, "end time is before the start", i), 0;
    if (t->n && a < ts_tc_seconds(&t->segs[t->n - 1].start)) {
        ts_json_later_set(&r->err, line, col, TS_DIAG_ORDER, "segment %zu starts before the previous segment", i);
        return 0;
    }
    ts_segment *sg = ts_transcript_push(t);
    wh_seg *fd = ts_arena_alloc(&t->arena, sizeof *fd);
    if (!sg || !fd) return -1;
    const char *s = f.text.s;
    size_t sl = f.text.n, lead = 0;
    while (lead < sl && (s[lead] == ' ' || s[lead] == '\t')) lead++;
    fd->index = (uint32_t)i;
    fd->lead = s;
    fd->lead_len = (uint32_t)lead;
    sg->fmt_data = fd;
    sg->start = ms_tc(a);
    sg->end = ms_tc(b);
    sg->text = sg->orig_text = s + lead;
    sg->text_len = sg->orig_len = (uint32_t)(sl - lead);
    sg->line = sg->text_line = line;
    sg->text_col = col + (unsigned)lead;
    /* a string with escapes is decoded: columns past the first escape
     * are approximate. */
    if (f.speaker.type == TS_JP_STRING) {
        sg->speaker = f.speaker.s;
        sg->speaker_len = (uint32_t)f.speaker.n;
    } else {
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
    }
    if (f.has_words && f.listed) {
        wh_wref *ref = r->n_w ? ts_arena_alloc(&t->arena, r->n_w * sizeof *ref) : NULL;
        if (r->n_w && !ref) return -1;
        for (size_t k = 0; k < r->n_w; k++) {
            ref[k] = (wh_wref){(uint32_t)i, r->idx[k]};
            r->w[k].src = &ref[k];
        }
        if (ts_segment_locate_words(t, sg, r->w, r->tx, r->len, r->n_w) < 0) return -1;
    }
    return 0;
}

/* A segments array (its '[' read), replacing any read before. */
static int read_list(wh_reader *r, int cpp)
{
    ts_jp *p = &r->p;
    r->t->n = 0;
    r->doc->cpp = cpp;
    memset(&r->err, 0, sizeof r->err);
    for (size_t i = 0;; i++) {
        ts_jp_token tok = ts_jp_next(p);
        if (tok == TS_JP_ARRAY_END) {
            r->doc->n_list = i;
            return 0;
        }
        if (tok == TS_JP_ERROR) return -1;
        if (i >= UINT32_MAX) return ts_jp_skip(p), -1;
        if (read_segment(r, i)) return -1;
    }
}

/* The document pulled token by token; only the segments array is read.
 * jansson took the last of repeated keys, and "segments" over
 * "transcription" wherever they were: so does this.  0 when read, 1 when
 * there is no segments array, -1 on a JSON error or out of memory, -2 for
 * a top-level scalar (JSON, but not to jansson without JSON_DECODE_ANY). */
static int pull_whisper(wh_reader *r)
{
    ts_jp *p = &r->p;
    ts_jp_token tok = ts_jp_next(p);
    /* 0 none, 1 an array (read), 2 something else */
    int segs = 0, trans = 0;
    if (tok == TS_JP_ARRAY) {
        if (read_list(r, 0)) return -1;
        segs = 1;
    } else if (tok == TS_JP_OBJECT) {
        while ((tok = ts_jp_next(p)) == TS_JP_KEY) {
            int is_segs = TS_JP_IS(p, "segments");
            if (!is_segs && (!TS_JP_IS(p, "transcription") || segs)) {
                if (ts_jp_skip_value(p)) return -1;
                continue;
            }
            tok = ts_jp_next(p);
            if (tok == TS_JP_ERROR) return -1;
            int *kind = is_segs ? &segs : &trans;
            *kind = tok == TS_JP_ARRAY ? 1 : 2;
            if (tok == TS_JP_ARRAY ? read_list(r, !is_segs) : ts_jp_skip(p)) return -1;
        }
        if (tok != TS_JP_OBJECT_END) return -1;
    } else if (tok != TS_JP_ERROR) {
        return -2;
    }
    if (tok == TS_JP_ERROR || ts_jp_next(p) != TS_JP_EOF) return -1;
    return (segs ? segs : trans) == 1 ? 0 : 1;
}

static ts_status read_whisper(ts_context *ctx, ts_transcript *t)
{
    wh_doc *doc = ts_arena_calloc(&t->arena, 1, sizeof *doc);
    if (!doc) return TS_ERR_NOMEM;
    t->fmt_data = doc;
    t->format = &ts_fmt_whisper;
    wh_reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.t = t;
    r.doc = doc;
    ts_jp_init(&r.p, t->input, t->input_len);
    int e = pull_whisper(&r);
    ts_status st = TS_OK;
    if (e < 0) {
        if (e == -1 && r.p.tok != TS_JP_ERROR) {
            st = TS_ERR_NOMEM;
        } else {
            /* jansson's message and position, as before the reader
             * pulled: the error path may afford the tree. */
            json_t *root = ts_json_parse(ctx, t, &st);
            if (root) { /* not expected: the tokenizer follows jansson */
                json_decref(root);
                e = e == -2 ? 1 : e;
                if (e < 0) st = ts_json_pull_error(ctx, t, &r.p);
            }
        }
    }
    if (e > 0) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no \"segments\" (Whisper, WhisperX) or \"transcription\" (whisper.cpp) array");
        st = TS_ERR_INPUT;
    } else if (e == 0 && r.err.set) {
        if (!r.err.line) ts_offset_pos(t->input, r.err_at, &r.err.line, &r.err.col);
        st = ts_json_later_emit(ctx, t, &r.err);
    }
    free(r.w);
    free(r.tx);
    free(r.len);
    free(r.idx);
    return st;
}

static int ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Trimmed text of a word object. */
static const char *word_text(json_t *w, size_t *n)
{
    json_t *v = json_object_get(w, "word");
    if (!json_is_string(v)) v = json_object_get(w, "text");
    if (!json_is_string(v)) {
        *n = 0;
        return "";
    }
    const char *s = json_string_value(v);
    size_t l = json_string_length(v);
    while (l && ws(*s)) s++, l--;
    while (l && ws(s[l - 1])) l--;
    *n = l;
    return s;
}

/* A copy of old word object w for the token p[0..n), keeping w's leading
 * space style. */
static json_t *word_like(json_t *w, const char *p, size_t n, int lead_space)
{
    json_t *nw = w ? json_deep_copy(w) : json_object();
    char *tmp = malloc(n + 2);
    if (!nw || !tmp) {
        json_decref(nw);
        free(tmp);
        return NULL;
    }
    if (w) {
        json_t *v = json_object_get(w, "word");
        lead_space = json_is_string(v) && json_string_length(v) && json_string_value(v)[0] == ' ';
    }
    size_t o = 0;
    if (lead_space) tmp[o++] = ' ';
    memcpy(tmp + o, p, n);
    int err = json_object_set_new(nw, json_object_get(nw, "text") && !json_object_get(nw, "word") ? "text" : "word",
                                  json_stringn(tmp, n + o));
    free(tmp);
    if (err) {
        json_decref(nw);
        return NULL;
    }
    return nw;
}

/* The segment's words realigned to its current text: unchanged words are
 * anchors (matched in order); between two anchors, as many new words as
 * old ones pair up one to one (a word whose spelling changed keeps its
 * times); otherwise the new words there get no times. */
static json_t *realign_words(const ts_segment *s, json_t *old)
{
    double a = ts_tc_seconds(&s->start) - 0.0005, b = ts_tc_seconds(&s->end) + 0.0005;
    size_t nold = 0, ntok = 0, cap = json_array_size(old) + s->text_len / 2 + 2;
    json_t **ow = malloc(cap * sizeof *ow);
    const char **tp = malloc(cap * sizeof *tp);
    size_t *tl = malloc(cap * sizeof *tl), *match = malloc(cap * sizeof *match);
    json_t *out = json_array();
    if (!ow || !tp || !tl || !match || !out) goto fail;
    int lead_space = 0;
    for (size_t j = 0; j < json_array_size(old); j++) {
        json_t *w = json_array_get(old, j), *st = json_object_get(w, "start");
        if (!json_is_object(w)) continue;
        if (json_is_number(st) && (json_number_value(st) < a || json_number_value(st) > b)) continue;
        json_t *v = json_object_get(w, "word");
        if (!nold) lead_space = json_is_string(v) && json_string_length(v) && json_string_value(v)[0] == ' ';
        ow[nold++] = w;
    }
    for (const char *p = s->text, *e = s->text + s->text_len; p < e;) {
        while (p < e && ws(*p)) p++;
        if (p >= e) break;
        const char *q = p;
        while (q < e && !ws(*q)) q++;
        tp[ntok] = p;
        tl[ntok] = (size_t)(q - p);
        match[ntok++] = (size_t)-1;
        p = q;
    }
    for (size_t i = 0, k = 0; i < ntok; i++)
        for (size_t j = k; j < nold; j++) {
            size_t n;
            const char *x = word_text(ow[j], &n);
            if (n == tl[i] && memcmp(x, tp[i], n) == 0) {
                match[i] = j;
                k = j + 1;
                break;
            }
        }
    /* gaps between anchors */
    for (size_t i = 0, prev_old = 0; i <= ntok;) {
        if (i < ntok && match[i] != (size_t)-1) {
            prev_old = match[i] + 1;
            i++;
            continue;
        }
        size_t gs = i;
        while (i < ntok && match[i] == (size_t)-1) i++;
        size_t next_old = i < ntok ? match[i] : nold;
        if (i > gs && next_old >= prev_old && next_old - prev_old == i - gs)
            for (size_t g = gs; g < i; g++) match[g] = prev_old + (g - gs) + ((size_t)1 << 62);
        if (i == ntok) break;
    }
    for (size_t i = 0; i < ntok; i++) {
        json_t *nw;
        if (match[i] == (size_t)-1) {
            nw = word_like(NULL, tp[i], tl[i], lead_space);
        } else if (match[i] >= ((size_t)1 << 62)) {
            nw = word_like(ow[match[i] - ((size_t)1 << 62)], tp[i], tl[i], lead_space);
        } else {
            nw = json_deep_copy(ow[match[i]]);
        }
        if (!nw || json_array_append_new(out, nw)) goto fail;
    }
    free(ow);
    free(tp);
    free(tl);
    free(match);
    return out;
fail:
    free(ow);
    free(tp);
    free(tl);
    free(match);
    json_decref(out);
    return NULL;
}

static int is_orig_word(json_t *orig, const void *w)
{
    for (size_t j = 0; j < json_array_size(orig); j++)
        if (json_array_get(orig, j) == w) return 1;
    return 0;
}

/* The source's segment object of fd and word object of a ts_word.src, in
 * `list`, the segments array as the writer parsed it (NULL when absent). */
static json_t *src_segment(json_t *list, const wh_seg *fd)
{
    return fd ? json_array_get(list, fd->index) : NULL;
}

static json_t *src_word(json_t *list, const void *src)
{
    const wh_wref *r = src;
    return r ? json_array_get(json_object_get(json_array_get(list, r->seg), "words"), r->idx) : NULL;
}

static int set_seconds(json_t *o, const char *key, double sec)
{
    json_t *old = json_object_get(o, key);
    if (json_is_number(old) && fabs(json_number_value(old) - sec) < 1e-9) return 0;
    return json_object_set_new(o, key, json_real(round(sec * 1000.0) / 1000.0));
}

/* The segment's words from its word timing (ts_word): a word read from a
 * Whisper file keeps its object, with its text and times brought up to
 * date; a word from elsewhere gets "word", "start", "end" and
 * "probability"; text no word covers gets words without times.  A word's
 * "speaker" follows the segment's when that changed or the word came from
 * another segment. */
static json_t *words_from_timing(const ts_segment *s, const wh_seg *fd, json_t *list)
{
    json_t *orig = fd ? json_object_get(src_segment(list, fd), "words") : NULL;
    json_t *first = json_array_get(orig, 0);
    json_t *fv = json_object_get(first, "word");
    int lead_space = fd ? json_is_string(fv) && json_string_length(fv) && json_string_value(fv)[0] == ' ' : 1;
    int relabel = (s->flags & TS_SEG_SPEAKER_DIRTY) != 0;
    json_t *out = json_array();
    if (!out) return NULL;
    uint32_t pos = 0;
    for (uint32_t k = 0; k <= s->n_words; k++) {
        uint32_t upto = k < s->n_words ? s->words[k].at : s->text_len;
        for (const char *p = s->text + pos, *e = s->text + upto; p < e;) { /* untimed text */
            while (p < e && ws(*p)) p++;
            if (p >= e) break;
            const char *q = p;
            while (q < e && !ws(*q)) q++;
            if (json_array_append_new(out, word_like(NULL, p, (size_t)(q - p), lead_space))) goto fail;
            p = q;
        }
        if (k == s->n_words) break;
        const ts_word *w = &s->words[k];
        const char *p = s->text + w->at;
        json_t *src = fd ? src_word(list, w->src) : NULL, *nw; /* another format's word: not ours to copy */
        size_t n;
        const char *x = src ? word_text(src, &n) : NULL;
        if (src && n == w->len && memcmp(x, p, n) == 0) nw = json_deep_copy(src);
        else nw = word_like(src, p, w->len, lead_space);
        if (!nw) goto fail;
        int err = 0;
        if (w->start >= 0) {
            err |= set_seconds(nw, "start", w->start);
            err |= set_seconds(nw, "end", w->end);
        }
        if (!src && w->prob >= 0)
            err |= json_object_set_new(nw, "probability", json_real(round(w->prob * 1000.0) / 1000.0));
        if (json_object_get(nw, "speaker") && (relabel || !is_orig_word(orig, src))) {
            if (s->speaker_len) err |= json_object_set_new(nw, "speaker", json_stringn(s->speaker, s->speaker_len));
            else json_object_del(nw, "speaker");
        }
        if (err || json_array_append_new(out, nw)) {
            if (err) json_decref(nw);
            goto fail;
        }
        pos = w->at + w->len;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static int set_time(json_t *o, const char *key, const ts_timecode *tc)
{
    double sec = ts_tc_seconds(tc);
    json_t *old = json_object_get(o, key);
    if (json_is_string(old)) {
        char b[TS_TC_TEXT_MAX];
        static const ts_timecode like = {0, 3, TS_TC_MS, 0, ','};
        ts_timecode x = ts_tc_from_seconds(sec, &like);
        if (strchr(json_string_value(old), ':')) {
            if (strchr(json_string_value(old), '.')) x.sep = '.';
            return json_object_set_new(o, key, json_stringn(b, ts_tc_format(&x, b)));
        }
        char s[32];
        snprintf(s, sizeof s, "%.3f", sec);
        return json_object_set_new(o, key, json_string(s));
    }
    return json_object_set_new(o, key, json_real(round(sec * 1000.0) / 1000.0));
}

/* Builds one output segment object (new reference). */
static json_t *segment_obj(const ts_transcript *t, size_t i, json_t *list, int native, int cpp)
{
    const ts_segment *s = &t->segs[i];
    const wh_seg *fd = native ? s->fmt_data : NULL;
    json_t *o = fd ? json_deep_copy(src_segment(list, fd)) : json_object();
    if (!o) return NULL;
    char *text = malloc((fd ? fd->lead_len : 1) + s->text_len + 1);
    if (!text) {
        json_decref(o);
        return NULL;
    }
    size_t n = 0;
    if (fd) {
        memcpy(text, fd->lead, fd->lead_len);
        n = fd->lead_len;
    } else {
        text[n++] = ' ';
    }
    memcpy(text + n, s->text, s->text_len);
    n += s->text_len;
    int err = 0;
    json_t *id = json_object_get(o, "id");
    if (!fd || json_is_integer(id)) err |= json_object_set_new(o, "id", json_integer((json_int_t)i));
    if (cpp) {
        json_t *tsd = json_object_get(o, "timestamps"), *off = json_object_get(o, "offsets");
        if (!json_is_object(tsd)) json_object_set_new(o, "timestamps", tsd = json_object());
        if (!json_is_object(off)) json_object_set_new(o, "offsets", off = json_object());
        if (!tsd || !off) err = 1;
        else {
            static const ts_timecode like = {0, 3, TS_TC_MS, 0, ','};
            char b[TS_TC_TEXT_MAX];
            ts_timecode a = ts_tc_from_seconds(ts_tc_seconds(&s->start), &like);
            ts_timecode z = ts_tc_from_seconds(ts_tc_seconds(&s->end), &like);
            err |= json_object_set_new(tsd, "from", json_stringn(b, ts_tc_format(&a, b)));
            err |= json_object_set_new(tsd, "to", json_stringn(b, ts_tc_format(&z, b)));
            err |= json_object_set_new(off, "from", json_integer(a.value));
            err |= json_object_set_new(off, "to", json_integer(z.value));
        }
    } else {
        err |= set_time(o, "start", &s->start);
        err |= set_time(o, "end", &s->end);
    }
    err |= json_object_set_new(o, "text", json_stringn(text, n));
    free(text);
    if (s->speaker_len) err |= json_object_set_new(o, "speaker", json_stringn(s->speaker, s->speaker_len));
    else if (json_object_get(o, "speaker")) json_object_del(o, "speaker");
    json_t *words = json_object_get(o, "words");
    if (s->words && !cpp && (!fd || (s->flags & (TS_SEG_TEXT_DIRTY | TS_SEG_NEW | TS_SEG_SPEAKER_DIRTY)))) {
        json_t *nw = words_from_timing(s, fd, list);
        if (!nw) err = 1;
        else err |= json_object_set_new(o, "words", nw);
    } else if (json_is_array(words) && (s->flags & (TS_SEG_TEXT_DIRTY | TS_SEG_NEW))) {
        json_t *nw = realign_words(s, words);
        if (!nw) err = 1;
        else err |= json_object_set_new(o, "words", nw);
    }
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int dump_cb(const char *buf, size_t size, void *ud)
{
    ts_out_write(ud, buf, size);
    return 0;
}

static ts_status write_whisper(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    int native = t->format == &ts_fmt_whisper;
    const wh_doc *doc = native ? t->fmt_data : NULL;
    if (doc) {
        int changed = t->n != doc->n_list;
        for (size_t i = 0; i < t->n && !changed; i++) {
            const ts_segment *s = &t->segs[i];
            const wh_seg *fd = s->fmt_data;
            if (s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW) ||
                !fd || fd->index != i)
                changed = 1;
        }
        if (!changed) {
            if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
            ts_out_write(o, t->input, t->input_len);
            return TS_OK;
        }
    }
    int cpp = doc && doc->cpp;
    ts_status st = TS_ERR_NOMEM;
    /* The source as a tree, parsed only now that something changed: the
     * fields tscrub does not read are in it.  The reader checked the
     * document, so this fails only for want of memory. */
    json_t *root = doc ? ts_json_parse(ctx, t, &st) : json_object(), *orig = NULL;
    json_t *list = NULL;
    if (!root) goto out;
    st = TS_ERR_NOMEM;
    if (!(list = json_array())) goto out;
    if (doc) {
        orig = json_is_array(root) ? root : json_object_get(root, cpp ? "transcription" : "segments");
        if (!json_is_array(orig) || json_array_size(orig) != doc->n_list) { /* jansson read it otherwise */
            ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "the segments array parsed for writing is not the one read");
            st = TS_ERR_INPUT;
            goto out;
        }
        json_incref(orig); /* until the last segment is built */
    }
    st = TS_ERR_NOMEM;
    for (size_t i = 0; i < t->n; i++) {
        json_t *so = segment_obj(t, i, orig, native, cpp);
        if (!so || json_array_append_new(list, so)) goto out;
    }
    if (json_is_array(root)) {
        json_decref(root);
        root = list;
        list = NULL;
    } else {
        const char *key = cpp ? "transcription" : "segments";
        json_t *whole = NULL;
        if (!doc || json_is_string(json_object_get(root, "text"))) {
            size_t cap = 1;
            for (size_t i = 0; i < t->n; i++) cap += t->segs[i].text_len + 8;
            char *all = malloc(cap), *w = all;
            if (!all) goto out;
            for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *tx = json_object_get(json_array_get(list, i), "text");
                size_t l = json_string_length(tx);
                if ((size_t)(w - all) + l >= cap) break;
                memcpy(w, json_string_value(tx), l);
                w += l;
            }
            whole = json_stringn(all, (size_t)(w - all));
            free(all);
            if (!whole) goto out;
        }
        if (!doc) {
            json_object_set_new(root, "text", whole);
            whole = NULL;
        } else if (whole) {
            json_object_set_new(root, "text", whole);
        }
        if (json_object_set(root, key, list)) goto out;
        if (json_is_array(json_object_get(root, "word_segments"))) {
            json_t *all = json_array();
            if (!all) goto out;
            for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *ws_ = json_object_get(json_array_get(list, i), "words");
                if (json_is_array(ws_)) json_array_extend(all, ws_);
            }
            json_object_set_new(root, "word_segments", all);
        }
    }
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    size_t flags = doc ? ts_json_dump_flags(t->input, t->input_len) : JSON_REAL_PRECISION(15);
    if (json_dump_callback(root, dump_cb, o, flags)) goto out;
    if (!doc || (t->input_len && t->input[t->input_len - 1] == '\n')) ts_out_puts(o, "\n");
    st = TS_OK;
out:
    json_decref(orig);
    json_decref(list);
    json_decref(root);
    return st;
}

static int sniff_whisper(const char *d, size_t n)
{
    size_t i = 0, lim = n < 65536 ? n : 65536;
    while (i < lim && ws(d[i])) i++;
    if (i >= lim || (d[i] != '{' && d[i] != '[')) return 0;
    int score = 10;
    for (size_t k = i; k + 15 <= lim; k++) {
        if (d[k] != '"') continue;
        if (memcmp(d + k, "\"segments\"", 10) == 0 || memcmp(d + k, "\"transcription\"", 15) == 0)
            return 90;
        if (memcmp(d + k, "\"avg_logprob\"", 13) == 0) score = 80;
    }
    return score;
}

const ts_format ts_fmt_whisper = {
    .info = {"whisper", "Whisper, whisper.cpp and WhisperX JSON (segments, words, speakers)",
             "json", "JSON with a \"segments\" or \"transcription\" array"},
    .sniff = sniff_whisper,
    .read = read_whisper,
    .write = write_whisper,
    .long_lines_ok = 1,
};
