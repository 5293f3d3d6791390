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
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed AssemblyAI JSON (use --to, e.g. whisper).
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"

static void release_assemblyai(ts_transcript *t)
{
    json_decref(t->fmt_data);
    t->fmt_data = NULL;
}

static double ms(json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0 ? json_number_value(v) / 1000.0 : -1;
}

static const char *speaker_of(ts_transcript *t, json_t *o, size_t *n)
{
    json_t *v = json_object_get(o, "speaker");
    *n = 0;
    if (!json_is_string(v) || !json_string_length(v)) return NULL;
    char *s = ts_arena_printf(&t->arena, "Speaker %s", json_string_value(v));
    if (s) *n = strlen(s);
    return s;
}

static ts_status read_assemblyai(ts_context *ctx, ts_transcript *t)
{
    ts_status st;
    json_t *root = ts_json_parse(ctx, t, &st);
    if (!root) return st;
    t->fmt_data = root;
    t->format = &ts_fmt_assemblyai;
    json_t *utt = json_object_get(root, "utterances"), *words = json_object_get(root, "words");
    ts_json_cursor pos = TS_JSON_CURSOR_INIT;
    if (json_is_array(utt) && json_array_size(utt)) {
        pos.pos = ts_json_find_raw(t->input, t->input_len, 0, "\"utterances\"");
        for (size_t i = 0; i < json_array_size(utt); i++) {
            json_t *u = json_array_get(utt, i), *tx = json_object_get(u, "text");
            double a = ms(json_object_get(u, "start")), b = ms(json_object_get(u, "end"));
            unsigned line = 1, col = 1;
            ts_json_find_key(t->input, t->input_len, &pos, "text", &line, &col);
            if (!json_is_string(tx) || a < 0 || b < 0) {
                ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                             "utterance %zu needs text, start and end (milliseconds)", i);
                return TS_ERR_INPUT;
            }
            /* skip the utterance's own words when locating the next one */
            json_t *uw = json_object_get(u, "words");
            size_t sl;
            const char *sp = speaker_of(t, u, &sl);
            if ((st = ts_json_add_segment(t, a, b, json_string_value(tx), json_string_length(tx), sp, sl, line, col)))
                return st;
            static const char *const keys[] = {"text", NULL};
            if ((st = ts_json_set_words(t, &t->segs[t->n - 1], uw, keys, 1))) return st;
            for (size_t k = 0; k < json_array_size(uw); k++) {
                unsigned l2, c2;
                ts_json_find_key(t->input, t->input_len, &pos, "text", &l2, &c2);
            }
        }
        return TS_OK;
    }
    if (!json_is_array(words)) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no \"utterances\" or \"words\" array (not AssemblyAI JSON)");
        return TS_ERR_INPUT;
    }
    pos.pos = ts_json_find_raw(t->input, t->input_len, 0, "\"words\"");
    size_t n = json_array_size(words);
    ts_json_word *w = calloc(n ? n : 1, sizeof *w);
    if (!w) return TS_ERR_NOMEM;
    st = TS_OK;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(words, i), *tx = json_object_get(o, "text");
        unsigned line = 1, col = 1;
        ts_json_find_key(t->input, t->input_len, &pos, "text", &line, &col);
        w[i].start = ms(json_object_get(o, "start"));
        w[i].end = ms(json_object_get(o, "end"));
        if (!json_is_string(tx) || w[i].start < 0 || w[i].end < 0) {
            ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "word %zu needs text, start and end (milliseconds)", i);
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
    return st;
}

static ts_status write_assemblyai(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "assemblyai");
}

static int sniff_assemblyai(const char *d, size_t n)
{
    size_t lim = n < 65536 ? n : 65536;
    int words = 0, status = 0;
    for (size_t i = 0; i + 16 <= lim; i++) {
        if (d[i] != '"') continue;
        if (memcmp(d + i, "\"words\"", 7) == 0 || memcmp(d + i, "\"utterances\"", 12) == 0) words = 1;
        if (memcmp(d + i, "\"audio_duration\"", 16) == 0 || memcmp(d + i, "\"acoustic_model\"", 16) == 0 ||
            memcmp(d + i, "\"language_model\"", 16) == 0)
            status = 1;
        if (memcmp(d + i, "\"segments\"", 10) == 0 || memcmp(d + i, "\"results\"", 9) == 0) return 0;
    }
    return words && status ? 92 : 0;
}

const ts_format ts_fmt_assemblyai = {
    .info = {"assemblyai", "AssemblyAI JSON (read only: utterances, or speaker turns from words)",
             "json", "JSON with \"words\" or \"utterances\" and \"audio_duration\", no \"segments\""},
    .sniff = sniff_assemblyai,
    .read = read_assemblyai,
    .write = write_assemblyai,
    .release = release_assemblyai,
    .long_lines_ok = 1,
};
