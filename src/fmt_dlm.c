/*
 * fmt_dlm.c - the JSON form DiarizationLM publishes its data in:
 *
 *     {"utterances": [{"utterance_id": "...", "hyp_text": "word word ...",
 *                      "hyp_spk": "1 1 2 ...", "ref_text": ..., ...}, ...]}
 *
 * Every utterance is a whole recording whose words and speaker ids are two
 * space-separated strings of equal length.  The reader turns each run of
 * words with one speaker into a segment, and starts every utterance with an
 * empty segment without speaker that holds the utterance (fmt_data), so no
 * pass sees a turn across two recordings and the writer knows where each
 * one begins.  The context option `dlm-fields` chooses the pair read:
 * "hyp" (hyp_text, hyp_spk; the default), "ref" (ref_text, ref_spk) or
 * "oracle" (hyp_text, hyp_spk_oracle).
 *
 * The writer puts the words and speakers back into the same fields (and
 * regenerates the matching *_diarized_text when the utterance has one),
 * keeping every other field as it was.  An utterance whose words and
 * speakers did not change keeps its original strings.  Written from another
 * format, the transcript becomes one utterance named after the input, with
 * speakers numbered 1, 2, ... in order of appearance.  Normalised: the
 * JSON is re-serialised with two-space indentation, keys in their original
 * order, non-ASCII characters as UTF-8.  There is no timing in this format.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "context.h"
#include "diag.h"
#include "fmt.h"

typedef struct {
    json_t *root;
    const char *text_key, *spk_key, *diarized_key;
    bool final_newline;
} dlm_data;

static void dlm_release(ts_transcript *t)
{
    dlm_data *dd = t->fmt_data;
    if (!dd) return;
    json_decref(dd->root);
    free(dd);
    t->fmt_data = NULL;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t count_tokens(const char *s)
{
    size_t n = 0;
    for (size_t i = 0; s[i]; i++)
        if (!is_ws(s[i]) && (i == 0 || is_ws(s[i - 1]))) n++;
    return n;
}

/* Next token of the NUL-terminated *p: [*s, *e); returns 0 at the end. */
static int next_token(const char **p, const char **s, const char **e)
{
    const char *q = *p;
    while (*q && is_ws(*q)) q++;
    if (!*q) return 0;
    *s = q;
    while (*q && !is_ws(*q)) q++;
    *e = q;
    *p = q;
    return 1;
}

/* The same within [*p, end): segment texts are not NUL-terminated. */
static int next_token_n(const char **p, const char *end, const char **s, const char **e)
{
    const char *q = *p;
    while (q < end && is_ws(*q)) q++;
    if (q >= end) return 0;
    *s = q;
    while (q < end && !is_ws(*q)) q++;
    *e = q;
    *p = q;
    return 1;
}

static ts_status fail(ts_context *ctx, const ts_transcript *t, unsigned line, unsigned col,
                      const char *msg, const char *detail)
{
    ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "%s%s", msg,
                 detail ? detail : "");
    return TS_ERR_INPUT;
}

static ts_status read_dlm(ts_context *ctx, ts_transcript *t)
{
    json_error_t err;
    json_t *root = json_loadb(t->input, t->input_len, 0, &err);
    if (!root)
        return fail(ctx, t, err.line > 0 ? (unsigned)err.line : 1,
                    err.column > 0 ? (unsigned)err.column : 1, "invalid JSON: ", err.text);
    dlm_data *dd = calloc(1, sizeof *dd);
    if (!dd) {
        json_decref(root);
        return TS_ERR_NOMEM;
    }
    dd->root = root;
    dd->final_newline = t->input_len && t->input[t->input_len - 1] == '\n';
    t->fmt_data = dd;
    const char *fields = ts_context_option(ctx, "dlm-fields");
    dd->text_key = "hyp_text";
    dd->spk_key = "hyp_spk";
    dd->diarized_key = "hyp_diarized_text";
    if (fields && strcmp(fields, "ref") == 0) {
        dd->text_key = "ref_text";
        dd->spk_key = "ref_spk";
        dd->diarized_key = "ref_diarized_text";
    } else if (fields && strcmp(fields, "oracle") == 0) {
        dd->spk_key = "hyp_spk_oracle";
        dd->diarized_key = "hyp_diarized_text_oracle";
    } else if (fields && strcmp(fields, "hyp") != 0) {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "dlm-fields takes hyp, ref or oracle, not '%s'", fields);
        return TS_ERR_USAGE;
    }
    json_t *utts = json_object_get(root, "utterances");
    if (!json_is_array(utts)) return fail(ctx, t, 1, 1, "no \"utterances\" array", NULL);
    t->header = t->input;
    t->header_len = 0;
    /* Source lines: the n-th text field in the input belongs to the n-th
     * utterance (jansson keeps no positions). */
    char key[32];
    snprintf(key, sizeof key, "\"%s\"", dd->text_key);
    const char *scan = t->input, *end = t->input + t->input_len;
    unsigned line = 1;
    const char *line_at = t->input;
    size_t i;
    json_t *u;
    json_array_foreach(utts, i, u) {
        const char *hit = NULL;
        size_t kl = strlen(key);
        for (const char *q = scan; q + kl <= end; q++) {
            if (*q == '\n') {
                line++;
                line_at = q + 1;
            }
            if (*q == '"' && memcmp(q, key, kl) == 0) {
                hit = q;
                scan = q + kl;
                break;
            }
        }
        unsigned col = hit ? (unsigned)(hit - line_at) + 1 : 1;
        if (!json_is_object(u)) return fail(ctx, t, line, col, "an utterance is not an object", NULL);
        json_t *jt = json_object_get(u, dd->text_key), *js = json_object_get(u, dd->spk_key);
        if (!json_is_string(jt) || !json_is_string(js)) {
            char m[96];
            snprintf(m, sizeof m, "utterance %zu needs string fields \"%s\" and \"%s\"", i + 1,
                     dd->text_key, dd->spk_key);
            return fail(ctx, t, line, col, m, NULL);
        }
        const char *text = json_string_value(jt), *spk = json_string_value(js);
        if (count_tokens(text) != count_tokens(spk)) {
            char m[128];
            snprintf(m, sizeof m, "utterance %zu has %zu words but %zu speaker labels", i + 1,
                     count_tokens(text), count_tokens(spk));
            return fail(ctx, t, line, col, m, NULL);
        }
        ts_segment *sep = ts_transcript_push(t);
        if (!sep) return TS_ERR_NOMEM;
        sep->text = sep->speaker = sep->orig_text = "";
        sep->flags = TS_SEG_NO_SPEAKER | TS_SEG_MAP_LOST;
        sep->line = sep->text_line = line;
        sep->text_col = col;
        sep->fmt_data = u;
        const char *pt = text, *ps = spk, *ws, *we, *ss, *se;
        ts_buf run = TS_BUF_INIT;
        const char *cur = NULL;
        size_t cur_len = 0;
        for (;;) {
            int more = next_token(&pt, &ws, &we);
            if (more) next_token(&ps, &ss, &se);
            if (cur && (!more || (size_t)(se - ss) != cur_len || memcmp(ss, cur, cur_len) != 0)) {
                ts_segment *s = ts_transcript_push(t);
                char *tx = ts_arena_strndup(&t->arena, run.data ? run.data : "", run.len);
                char *sp = ts_arena_strndup(&t->arena, cur, cur_len);
                if (!s || !tx || !sp) {
                    ts_buf_release(&run);
                    return TS_ERR_NOMEM;
                }
                s->text = s->orig_text = tx;
                s->text_len = s->orig_len = (uint32_t)run.len;
                s->speaker = sp;
                s->speaker_len = (uint32_t)cur_len;
                s->flags = TS_SEG_MAP_LOST;
                s->line = s->text_line = line;
                s->text_col = col;
                run.len = 0;
            }
            if (!more) break;
            if (run.len && ts_buf_append(&run, " ", 1)) return TS_ERR_NOMEM;
            if (ts_buf_append(&run, ws, (size_t)(we - ws))) return TS_ERR_NOMEM;
            cur = ss;
            cur_len = (size_t)(se - ss);
        }
        ts_buf_release(&run);
    }
    return TS_OK;
}

/* The words and labels of segments [a, b), as "w w w", "s s s" and
 * "<speaker:s> w w"; with `labels`, a label is written as its index + 1. */
static int collect(const ts_transcript *t, size_t a, size_t b, ts_buf *words, ts_buf *spk,
                   ts_buf *diar, char **labels, size_t n_labels)
{
    char last[64] = "";
    int have_last = 0;
    for (size_t i = a; i < b; i++) {
        const ts_segment *s = &t->segs[i];
        const char *sp = s->speaker;
        size_t sl = s->speaker_len;
        char num[24];
        if (labels) {
            size_t k = 0;
            while (k < n_labels && !(strlen(labels[k]) == sl && memcmp(labels[k], sp, sl) == 0)) k++;
            sl = (size_t)snprintf(num, sizeof num, "%zu", k + 1);
            sp = num;
        }
        const char *p = s->text, *pe = s->text + s->text_len, *ws, *we;
        while (next_token_n(&p, pe, &ws, &we)) {
            if (words->len && ts_buf_append(words, " ", 1)) return -1;
            if (ts_buf_append(words, ws, (size_t)(we - ws))) return -1;
            if (spk->len && ts_buf_append(spk, " ", 1)) return -1;
            if (ts_buf_append(spk, sp, sl)) return -1;
            if (!have_last || strlen(last) != sl || memcmp(last, sp, sl) != 0) {
                if (diar->len && ts_buf_append(diar, " ", 1)) return -1;
                if (ts_buf_append(diar, "<speaker:", 9) || ts_buf_append(diar, sp, sl) ||
                    ts_buf_append(diar, ">", 1))
                    return -1;
                size_t c = sl < sizeof last - 1 ? sl : sizeof last - 1;
                memcpy(last, sp, c);
                last[c] = '\0';
                have_last = 1;
            }
            if (ts_buf_append(diar, " ", 1) || ts_buf_append(diar, ws, (size_t)(we - ws))) return -1;
        }
    }
    return 0;
}

/* Same tokens, whatever the spacing? */
static int same_tokens(const char *a, const char *b, size_t bl)
{
    const char *as, *ae, *bs, *be, *pb = b, *bend = b + bl;
    for (;;) {
        int ma = next_token(&a, &as, &ae);
        while (pb < bend && is_ws(*pb)) pb++;
        int mb = pb < bend;
        if (mb) {
            bs = pb;
            while (pb < bend && !is_ws(*pb)) pb++;
            be = pb;
        }
        if (!ma || !mb) return ma == mb;
        if (ae - as != be - bs || memcmp(as, bs, (size_t)(ae - as)) != 0) return 0;
    }
}

static int set_string(json_t *u, const char *key, const ts_buf *b, const char *old)
{
    size_t ol = old ? strlen(old) : 0;
    int trailing = ol && old[ol - 1] == ' ';
    char *s = malloc(b->len + 2);
    if (!s) return -1;
    memcpy(s, b->data ? b->data : "", b->len);
    if (trailing) s[b->len] = ' ';
    s[b->len + (size_t)trailing] = '\0';
    int rc = json_object_set_new(u, key, json_string(s));
    free(s);
    return rc;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    ts_out_write(data, buffer, size);
    return 0;
}

static ts_status write_dlm(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    ts_status st = TS_ERR_NOMEM;
    int native = t->format == &ts_fmt_dlm && t->fmt_data;
    const dlm_data *dd = native ? t->fmt_data : NULL;
    json_t *root = NULL;
    char **labels = NULL;
    size_t n_labels = 0;
    ts_buf words = TS_BUF_INIT, spk = TS_BUF_INIT, diar = TS_BUF_INIT;
    if (native) {
        root = json_deep_copy(dd->root);
        if (!root) goto out;
        json_t *utts = json_object_get(root, "utterances");
        size_t ui = 0;
        for (size_t i = 0; i < t->n; i++) {
            const ts_segment *s = &t->segs[i];
            if (!s->fmt_data || s->text_len) continue;
            size_t j = i + 1;
            while (j < t->n && !(t->segs[j].fmt_data && !t->segs[j].text_len)) j++;
            json_t *u = json_array_get(utts, ui++);
            if (!u) break;
            words.len = spk.len = diar.len = 0;
            if (collect(t, i + 1, j, &words, &spk, &diar, NULL, 0)) goto out;
            const char *ot = json_string_value(json_object_get(u, dd->text_key));
            const char *os = json_string_value(json_object_get(u, dd->spk_key));
            if (ot && os && same_tokens(ot, words.data ? words.data : "", words.len) &&
                same_tokens(os, spk.data ? spk.data : "", spk.len))
                continue;
            if (set_string(u, dd->text_key, &words, ot) || set_string(u, dd->spk_key, &spk, os))
                goto out;
            if (json_object_get(u, dd->diarized_key) && set_string(u, dd->diarized_key, &diar, NULL))
                goto out;
        }
    } else {
        /* Number the speakers 1, 2, ... in order of appearance. */
        for (size_t i = 0; i < t->n; i++) {
            const ts_segment *s = &t->segs[i];
            if (!s->text_len) continue;
            size_t k = 0;
            while (k < n_labels && !(strlen(labels[k]) == s->speaker_len &&
                                     memcmp(labels[k], s->speaker, s->speaker_len) == 0))
                k++;
            if (k < n_labels) continue;
            char **p = realloc(labels, (n_labels + 1) * sizeof *p);
            if (!p) goto out;
            labels = p;
            if (!(labels[n_labels] = strndup(s->speaker, s->speaker_len))) goto out;
            n_labels++;
        }
        if (collect(t, 0, t->n, &words, &spk, &diar, labels, n_labels)) goto out;
        json_t *u = json_object();
        root = json_object();
        json_t *arr = json_array();
        if (!u || !root || !arr || json_object_set_new(root, "utterances", arr) ||
            json_array_append_new(arr, u) ||
            json_object_set_new(u, "utterance_id", json_string(t->name ? t->name : "-")) ||
            set_string(u, "hyp_text", &words, NULL) || set_string(u, "hyp_spk", &spk, NULL) ||
            set_string(u, "hyp_diarized_text", &diar, NULL)) {
            json_decref(u);
            goto out;
        }
    }
    if (json_dump_callback(root, dump_cb, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) goto out;
    if (!dd || dd->final_newline) ts_out_puts(o, "\n");
    st = TS_OK;
out:
    json_decref(root);
    for (size_t k = 0; k < n_labels; k++) free(labels[k]);
    free(labels);
    ts_buf_release(&words);
    ts_buf_release(&spk);
    ts_buf_release(&diar);
    return st;
}

static int sniff_dlm(const char *d, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws(d[i])) i++;
    if (i >= n || d[i] != '{') return 0;
    /* AssemblyAI and Deepgram have "utterances" too: DiarizationLM's
     * are told apart by their "hyp_text"/"ref_text" fields. */
    size_t lim = n < 4096 ? n : 4096;
    int utterances = 0, fields = 0;
    for (size_t k = i; k + 12 <= lim; k++) {
        if (memcmp(d + k, "\"utterances\"", 12) == 0) utterances = 1;
        if (memcmp(d + k, "\"hyp_text\"", 10) == 0 || memcmp(d + k, "\"ref_text\"", 10) == 0)
            fields = 1;
    }
    return utterances && fields ? 95 : 0;
}

const ts_format ts_fmt_dlm = {
    .info = {"dlm", "DiarizationLM JSON: utterances with words and one speaker id per word",
             "json", "'{', a \"utterances\" key and \"hyp_text\" or \"ref_text\" in the first 4 KB"},
    .sniff = sniff_dlm,
    .read = read_dlm,
    .write = write_dlm,
    .release = dlm_release,
};
