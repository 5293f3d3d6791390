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
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed Deepgram JSON (use --to, e.g. whisper).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"

static void release_deepgram(ts_transcript *t)
{
    json_decref(t->fmt_data);
    t->fmt_data = NULL;
}

/* "Speaker N" in the arena, or NULL when there is no speaker. */
static const char *speaker_of(ts_transcript *t, json_t *o, size_t *n)
{
    json_t *v = json_object_get(o, "speaker");
    *n = 0;
    if (!json_is_integer(v)) return NULL;
    char *s = ts_arena_printf(&t->arena, "Speaker %lld", (long long)json_integer_value(v));
    if (s) *n = strlen(s);
    return s;
}

static ts_status read_deepgram(ts_context *ctx, ts_transcript *t)
{
    ts_status st;
    json_t *root = ts_json_parse(ctx, t, &st);
    if (!root) return st;
    t->fmt_data = root;
    t->format = &ts_fmt_deepgram;
    json_t *res = json_object_get(root, "results");
    json_t *utt = json_object_get(res, "utterances"), *chans = json_object_get(res, "channels");
    ts_json_cursor pos = TS_JSON_CURSOR_INIT;
    if (json_is_array(utt) && json_array_size(utt)) {
        pos.pos = ts_json_find_raw(t->input, t->input_len, 0, "\"utterances\"");
        for (size_t i = 0; i < json_array_size(utt); i++) {
            json_t *u = json_array_get(utt, i), *tx = json_object_get(u, "transcript");
            double a = ts_json_seconds(json_object_get(u, "start")), b = ts_json_seconds(json_object_get(u, "end"));
            unsigned line = 1, col = 1;
            ts_json_find_key(t->input, t->input_len, &pos, "transcript", &line, &col);
            if (!json_is_string(tx) || a < 0 || b < 0) {
                ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                             "utterance %zu needs transcript, start and end", i);
                return TS_ERR_INPUT;
            }
            size_t sl;
            const char *sp = speaker_of(t, u, &sl);
            if ((st = ts_json_add_segment(t, a, b, json_string_value(tx), json_string_length(tx), sp, sl, line, col)))
                return st;
            static const char *const keys[] = {"punctuated_word", "word", NULL};
            if ((st = ts_json_set_words(t, &t->segs[t->n - 1], json_object_get(u, "words"), keys, 0)))
                return st;
        }
        return TS_OK;
    }
    if (!json_is_array(chans)) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no results.channels or results.utterances array (not Deepgram JSON)");
        return TS_ERR_INPUT;
    }
    for (size_t c = 0; c < json_array_size(chans); c++) {
        json_t *words = json_object_get(json_array_get(json_object_get(json_array_get(chans, c), "alternatives"), 0), "words");
        size_t n = json_array_size(words);
        ts_json_word *w = calloc(n ? n : 1, sizeof *w);
        if (!w) return TS_ERR_NOMEM;
        st = TS_OK;
        for (size_t i = 0; i < n && !st; i++) {
            json_t *o = json_array_get(words, i);
            json_t *tx = json_object_get(o, "punctuated_word");
            if (!json_is_string(tx)) tx = json_object_get(o, "word");
            unsigned line = 1, col = 1;
            ts_json_find_key(t->input, t->input_len, &pos, "word", &line, &col);
            w[i].start = ts_json_seconds(json_object_get(o, "start"));
            w[i].end = ts_json_seconds(json_object_get(o, "end"));
            if (!json_is_string(tx) || w[i].start < 0 || w[i].end < 0) {
                ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                             "channel %zu word %zu needs word, start and end", c, i);
                st = TS_ERR_INPUT;
                break;
            }
            w[i].text = json_string_value(tx);
            w[i].len = json_string_length(tx);
            w[i].line = line;
            w[i].col = col;
            w[i].speaker = speaker_of(t, o, &w[i].speaker_len);
            w[i].prob = ts_json_prob(json_object_get(o, "confidence"));
        }
        if (!st) st = ts_json_add_turns(t, w, n);
        free(w);
        if (st) return st;
    }
    return TS_OK;
}

static ts_status write_deepgram(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "deepgram");
}

static int sniff_deepgram(const char *d, size_t n)
{
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
    .release = release_deepgram,
    .long_lines_ok = 1,
};
