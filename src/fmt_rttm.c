/*
 * fmt_rttm.c - RTTM speaker turns (NIST Rich Transcription Time Marked),
 * as diarization tools (pyannote, NeMo, DiarizationLM) write them:
 *
 *     SPEAKER file 1 0.200 0.700 <NA> <NA> speaker_A <NA> <NA>
 *     type  file chnl tbeg tdur ortho stype name conf slat
 *
 * Each SPEAKER line is a segment with that speaker and time and no text.
 * Other lines (SPKR-INFO, comments starting with ";;", blank lines) are
 * kept as raw bytes.  Turns may overlap and several files may share one
 * RTTM, so the order of start times is not checked.
 *
 * Round trip: byte for byte.  A turn whose time or speaker changed is
 * written with its other fields as read and the times with three decimals.
 * Written from another format: one SPEAKER line per segment, the file
 * field from the transcript's name; RTTM holds no text, so converting a
 * transcript with text to RTTM drops it, with a warning.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "fmtkit.h"
#include "utf8.h"

typedef struct {
    /* field spans in raw_head: [0] type .. [9] slat */
    uint32_t off[10], len[10];
    uint32_t nfields;
    uint32_t line_len;       /* bytes of the line without its line ending */
} rttm_seg;

static int is_sp(char c) { return c == ' ' || c == '\t'; }

static int parse_time(const char *p, size_t n, double *out)
{
    if (ts_kit_plain_decimal(p, n, out) == 0) return *out < 1e8 ? 0 : -1;
    char b[40];
    if (n == 0 || n >= sizeof b) return -1;
    memcpy(b, p, n);
    b[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!((b[i] >= '0' && b[i] <= '9') || b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] == '-' || b[i] == '+'))
            return -1;
    char *end;
    double x = strtod(b, &end);
    if (*end || !(x >= 0 && x < 1e8)) return -1;
    *out = x;
    return 0;
}

static ts_status read_rttm(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len, pos = 0;
    unsigned number = 0;
    ts_line ln;
    ts_segment *prev = NULL;
    const char *nl = memchr(d, '\n', len);
    if (nl && nl > d && nl[-1] == '\r') t->eol = "\r\n";
    t->header = d;
    t->header_len = 0;
    while (ts_next_line(d, len, &pos, &number, &ln)) {
        size_t off[12], flen[12], nf = 0, i = ln.start;
        while (i < ln.end && nf < 12) {
            while (i < ln.end && is_sp(d[i])) i++;
            if (i >= ln.end) break;
            size_t s = i;
            while (i < ln.end && !is_sp(d[i])) i++;
            off[nf] = s;
            flen[nf++] = i - s;
        }
        if (nf == 0 || flen[0] != 7 || memcmp(d + off[0], "SPEAKER", 7) != 0) {
            if (prev) prev->raw_tail_len = (uint32_t)(ln.next - (size_t)(prev->raw_tail - d));
            else t->header_len = ln.next;
            continue;
        }
        if (nf < 8) {
            ts_diag_emit(ctx, t->name, ln.number, (unsigned)ts_utf8_count(d + ln.start, ln.end - ln.start) + 1,
                         TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "SPEAKER line needs at least 8 fields (type file channel start duration "
                         "ortho stype name), found %zu", nf);
            return TS_ERR_INPUT;
        }
        double a, dur;
        for (int k = 3; k <= 4; k++)
            if (parse_time(d + off[k], flen[k], k == 3 ? &a : &dur)) {
                ts_diag_emit(ctx, t->name, ln.number,
                             (unsigned)ts_utf8_count(d + ln.start, off[k] - ln.start) + 1,
                             TS_SEV_ERROR, TS_DIAG_TIMECODE, "%s is not a number of seconds",
                             k == 3 ? "start (field 4)" : "duration (field 5)");
                return TS_ERR_INPUT;
            }
        ts_segment *sg = ts_transcript_push(t);
        rttm_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
        if (!sg || !fd) return TS_ERR_NOMEM;
        sg->fmt_data = fd;
        fd->nfields = (uint32_t)(nf < 10 ? nf : 10);
        for (size_t k = 0; k < fd->nfields; k++) {
            fd->off[k] = (uint32_t)(off[k] - ln.start);
            fd->len[k] = (uint32_t)flen[k];
        }
        fd->line_len = (uint32_t)(ln.end - ln.start);
        sg->start = (ts_timecode){(int64_t)llround(a * 1000.0), 3, TS_TC_MS, 0, '.'};
        sg->end = (ts_timecode){(int64_t)llround((a + dur) * 1000.0), 3, TS_TC_MS, 0, '.'};
        sg->speaker = d + off[7];
        sg->speaker_len = (uint32_t)flen[7];
        sg->line = sg->text_line = ln.number;
        sg->text_col = (unsigned)ts_utf8_count(d + ln.start, ln.end - ln.start) + 1;
        sg->text = sg->orig_text = d + ln.end;
        sg->raw_head = d + ln.start;
        sg->raw_head_len = (uint32_t)(ln.end - ln.start);
        sg->raw_tail = d + ln.end;
        sg->raw_tail_len = (uint32_t)(ln.next - ln.end);
        prev = sg;
    }
    return TS_OK;
}

static const char *base_name(const char *name, size_t *n)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    const char *dot = strrchr(b, '.');
    *n = dot && dot > b ? (size_t)(dot - b) : strlen(b);
    if (*n == 0 || strcmp(name, "-") == 0 || strcmp(name, "<stdin>") == 0) {
        *n = 4;
        return "file";
    }
    return b;
}

static ts_status write_rttm(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    int native = t->format == &ts_fmt_rttm;
    const char *eol = t->eol;
    size_t dropped = 0;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) ts_out_write(o, t->header, t->header_len);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const rttm_seg *fd = native ? s->fmt_data : NULL;
        if (s->text_len) dropped++;
        if (fd && s->raw_head && !(s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY))) {
            ts_out_write(o, s->raw_head, s->raw_head_len);
        } else {
            char b[64];
            double a = ts_tc_seconds(&s->start), z = ts_tc_seconds(&s->end);
            if (a < 0) a = 0;
            if (z < a) z = a;
            for (uint32_t k = 0; k < 10; k++) {
                if (k) ts_out_puts(o, " ");
                if (k == 3 || k == 4) {
                    snprintf(b, sizeof b, "%.3f", k == 3 ? a : z - a);
                    ts_out_puts(o, b);
                } else if (k == 7) {
                    if (s->speaker_len) ts_out_write(o, s->speaker, s->speaker_len);
                    else ts_out_puts(o, "<NA>");
                } else if (fd && s->raw_head && k < fd->nfields) {
                    ts_out_write(o, s->raw_head + fd->off[k], fd->len[k]);
                } else if (k == 0) {
                    ts_out_puts(o, "SPEAKER");
                } else if (k == 1) {
                    size_t n;
                    const char *bn = base_name(t->name, &n);
                    for (size_t c = 0; c < n; c++) ts_out_write(o, is_sp(bn[c]) ? "_" : bn + c, 1);
                } else if (k == 2) {
                    ts_out_puts(o, "1");
                } else {
                    ts_out_puts(o, "<NA>");
                }
            }
            if (fd && s->raw_head && fd->nfields == 10 && fd->off[9] + fd->len[9] < fd->line_len)
                ts_out_write(o, s->raw_head + fd->off[9] + fd->len[9], fd->line_len - fd->off[9] - fd->len[9]);
        }
        if (fd && s->raw_tail) ts_out_write(o, s->raw_tail, s->raw_tail_len);
        else ts_out_puts(o, eol);
    }
    if (dropped)
        ts_diag_emit(ctx, t->name, 0, 0, TS_SEV_WARNING, TS_DIAG_FORMAT,
                     "RTTM holds speaker turns only: the text of %zu segment(s) is not written",
                     dropped);
    return TS_OK;
}

static int sniff_rttm(const char *d, size_t n)
{
    size_t pos = 0, lim = n < 65536 ? n : 65536;
    unsigned number = 0, hits = 0, lines = 0;
    ts_line ln;
    while (ts_next_line(d, lim, &pos, &number, &ln) && number < 100) {
        if (ln.end == ln.start) continue;
        lines++;
        if (ln.end - ln.start > 8 && memcmp(d + ln.start, "SPEAKER", 7) == 0 && is_sp(d[ln.start + 7]))
            hits++;
    }
    return hits && hits * 2 >= lines ? 90 : 0;
}

const ts_format ts_fmt_rttm = {
    .info = {"rttm", "RTTM speaker turns (diarization output; no text)", "rttm",
             "'SPEAKER file channel start duration ...' on at least half the first 100 lines"},
    .sniff = sniff_rttm,
    .read = read_rttm,
    .write = write_rttm,
};
