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
 * Writing: an unchanged transcript is the input, byte for byte; tscrub
 * does not write changed AWS JSON (use --to, e.g. whisper).
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "jsonkit.h"

static void release_aws(ts_transcript *t)
{
    json_decref(t->fmt_data);
    t->fmt_data = NULL;
}

static const char *str(json_t *o, const char *key, size_t *n)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        *n = 0;
        return NULL;
    }
    *n = json_string_length(v);
    return json_string_value(v);
}

static ts_status read_aws(ts_context *ctx, ts_transcript *t)
{
    ts_status st;
    json_t *root = ts_json_parse(ctx, t, &st);
    if (!root) return st;
    t->fmt_data = root;
    t->format = &ts_fmt_aws;
    json_t *res = json_object_get(root, "results");
    json_t *items = json_object_get(res, "items"), *segs = json_object_get(res, "audio_segments");
    ts_json_cursor pos = TS_JSON_CURSOR_INIT;
    if (json_is_array(segs) && json_array_size(segs)) {
        pos.pos = ts_json_find_raw(t->input, t->input_len, 0, "\"audio_segments\"");
        for (size_t i = 0; i < json_array_size(segs); i++) {
            json_t *s = json_array_get(segs, i);
            size_t tl, sl;
            const char *tx = str(s, "transcript", &tl), *sp = str(s, "speaker_label", &sl);
            double a = ts_json_seconds(json_object_get(s, "start_time")),
                   b = ts_json_seconds(json_object_get(s, "end_time"));
            unsigned line = 1, col = 1;
            ts_json_find_key(t->input, t->input_len, &pos, "transcript", &line, &col);
            if (!tx || a < 0 || b < 0) {
                ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                             "audio segment %zu needs transcript, start_time and end_time", i);
                return TS_ERR_INPUT;
            }
            if ((st = ts_json_add_segment(t, a, b, tx, tl, sp, sl, line, col))) return st;
        }
        return TS_OK;
    }
    if (!json_is_array(items)) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no results.items or results.audio_segments array (not Amazon Transcribe JSON)");
        return TS_ERR_INPUT;
    }
    json_t *lab = json_object_get(json_object_get(res, "speaker_labels"), "segments");
    size_t n = json_array_size(items);
    ts_json_word *w = calloc(n ? n : 1, sizeof *w);
    if (!w) return TS_ERR_NOMEM;
    size_t nw = 0;
    st = TS_OK;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        json_t *alt = json_array_get(json_object_get(it, "alternatives"), 0);
        size_t cl, tl;
        const char *content = str(alt, "content", &cl), *type = str(it, "type", &tl);
        unsigned line = 1, col = 1;
        ts_json_find_key(t->input, t->input_len, &pos, "content", &line, &col);
        if (!content || !type) {
            ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "item %zu needs a type and alternatives[0].content", i);
            st = TS_ERR_INPUT;
            break;
        }
        ts_json_word *x = &w[nw++];
        x->text = content;
        x->len = cl;
        x->line = line;
        x->col = col;
        x->punct = strcmp(type, "punctuation") == 0;
        x->prob = ts_json_prob(json_object_get(alt, "confidence"));
        if (!x->punct) {
            x->start = ts_json_seconds(json_object_get(it, "start_time"));
            x->end = ts_json_seconds(json_object_get(it, "end_time"));
            if (x->start < 0 || x->end < 0) {
                ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                             "item %zu needs start_time and end_time", i);
                st = TS_ERR_INPUT;
                break;
            }
        }
        x->speaker = str(it, "speaker_label", &x->speaker_len);
        for (size_t k = 0; !x->speaker && !x->punct && k < json_array_size(lab); k++) {
            json_t *s = json_array_get(lab, k);
            double a = ts_json_seconds(json_object_get(s, "start_time")),
                   b = ts_json_seconds(json_object_get(s, "end_time"));
            if (a <= x->start && x->start < b) x->speaker = str(s, "speaker_label", &x->speaker_len);
        }
    }
    if (!st) st = ts_json_add_turns(t, w, nw);
    free(w);
    return st;
}

static ts_status write_aws(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    return ts_json_write_unchanged(ctx, t, o, "aws");
}

static int sniff_aws(const char *d, size_t n)
{
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
    .release = release_aws,
    .long_lines_ok = 1,
};
