/*
 * fmt_vtt.c - WebVTT, parsed as the W3C specification's file parsing
 * algorithm does:
 *
 *     WEBVTT optional header text
 *     header lines
 *
 *     optional-cue-id
 *     00:01.000 --> 00:04.000 settings
 *     <v Anna>cue text, one or more lines
 *
 * The signature must be "WEBVTT" followed by a space, a tab, a line end or
 * the end of the file; anything else is an input error.  Line ends are
 * LF, CR or CRLF.  NUL bytes are read as U+FFFD (the registry does that
 * before this reader runs).  Blocks that are not cues (NOTE, STYLE,
 * REGION, stray text) and cues the algorithm drops (a bad timestamp) are
 * kept as raw bytes between the cues, so they are written back unchanged;
 * a dropped cue also gets a warning, since its text is not cleaned.
 *
 * Speakers: a cue whose text starts with its only voice span
 * ("<v Anna>", "<v.loud Anna>", optionally closed by "</v>" at the end)
 * has that speaker; otherwise a "Name: " prefix (as Zoom writes) is the
 * speaker when the name starts at least two cues.  Other tags stay in the
 * text as they are.
 *
 * Round trip: byte for byte, except that NUL bytes come back as U+FFFD,
 * as the specification reads them.  A cue whose timing or speaker changed gets
 * its id line and settings back, its timestamps in the form they were read
 * (with or without hours), and a "<v Name>" or "Name: " prefix as the
 * source had; changed text is written with the line ending of the file's
 * first line.  Written from another format: "WEBVTT", a blank line, and
 * one cue per segment with "<v Name>" for its speaker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "fmtkit.h"
#include "timecode.h"
#include "utf8.h"

typedef struct {
    const char *raw_text;
    uint32_t raw_text_len;
    uint32_t id_len;           /* bytes of raw_head before the timing line */
    const char *settings;      /* after the end timestamp, from its end */
    uint32_t settings_len;
    uint32_t prefix;           /* 0 none, 1 voice span, 2 "Name: " */
    const char *classes;       /* ".loud" of <v.loud Anna> */
    uint32_t classes_len;
    uint32_t prefix_len;
} vtt_seg;

/* A line: [start, end) and the offset after its line end. */
typedef struct {
    size_t start, end, next;
    unsigned number;
} vline;

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int has_arrow(const char *d, const vline *l)
{
    for (size_t i = l->start; i + 3 <= l->end; i++)
        if (d[i] == '-' && d[i + 1] == '-' && d[i + 2] == '>') return 1;
    return 0;
}

/* One WebVTT timestamp at *i (spec: "collect a WebVTT timestamp"). */
static int vtt_timestamp(const char *d, size_t e, size_t *i, ts_timecode *tc)
{
    size_t p = *i;
    int64_t v[4] = {0, 0, 0, 0};
    size_t s = p;
    if (p >= e || !is_digit(d[p])) return -1;
    while (p < e && is_digit(d[p])) {
        if (p - s >= 10) return -1; /* more hours than anyone means */
        v[0] = v[0] * 10 + (d[p++] - '0');
    }
    int hours = p - s != 2 || v[0] > 59;
    if (p >= e || d[p] != ':') return -1;
    p++;
    s = p;
    while (p < e && is_digit(d[p]) && p - s < 3) v[1] = v[1] * 10 + (d[p++] - '0');
    if (p - s != 2) return -1;
    int64_t h = 0, m, sec;
    if (hours || (p < e && d[p] == ':')) {
        if (p >= e || d[p] != ':') return -1;
        p++;
        s = p;
        while (p < e && is_digit(d[p]) && p - s < 3) v[2] = v[2] * 10 + (d[p++] - '0');
        if (p - s != 2) return -1;
        h = v[0], m = v[1], sec = v[2];
        hours = 1;
    } else {
        m = v[0], sec = v[1];
    }
    if (p >= e || d[p] != '.') return -1;
    p++;
    s = p;
    while (p < e && is_digit(d[p]) && p - s < 4) v[3] = v[3] * 10 + (d[p++] - '0');
    if (p - s != 3) return -1;
    if (m > 59 || sec > 59) return -1;
    tc->kind = TS_TC_MS;
    tc->fps = hours ? 3 : 2;
    tc->drop = 0;
    tc->sep = '.';
    tc->value = ((h * 60 + m) * 60 + sec) * 1000 + v[3];
    *i = p;
    return 0;
}

/* Spec: "collect WebVTT cue timings and settings"; *settings is where the
 * settings start (right after the end timestamp). */
static int vtt_timings(const char *d, const vline *l, ts_timecode *a, ts_timecode *b,
                       size_t *settings)
{
    size_t i = l->start, e = l->end;
    while (i < e && is_ws(d[i])) i++;
    if (vtt_timestamp(d, e, &i, a)) return -1;
    while (i < e && is_ws(d[i])) i++;
    if (i + 3 > e || memcmp(d + i, "-->", 3) != 0) return -1;
    i += 3;
    while (i < e && is_ws(d[i])) i++;
    if (vtt_timestamp(d, e, &i, b)) return -1;
    *settings = i;
    return 0;
}

static int empty(const vline *l) { return l->start == l->end; }

/* A voice span opening the text: "<v" classes? (ws annotation)? ">".
 * Returns its length, and the annotation and classes. */
static size_t voice_span(const char *p, size_t n, size_t *cls, size_t *cls_len, size_t *name,
                         size_t *name_len)
{
    if (n < 4 || p[0] != '<' || p[1] != 'v' || !(p[2] == ' ' || p[2] == '.' || p[2] == '\t'))
        return 0;
    size_t i = 2;
    *cls = i;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '>' && p[i] != '\n') i++;
    *cls_len = i - *cls;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    size_t s = i;
    while (i < n && p[i] != '>' && p[i] != '\n' && p[i] != '<') i++;
    if (i >= n || p[i] != '>') return 0;
    size_t e = i;
    while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
    if (e == s) return 0;
    *name = s;
    *name_len = e - s;
    return i + 1;
}

static size_t count_voice(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i + 2 < n; i++)
        if (p[i] == '<' && p[i + 1] == 'v' && (p[i + 2] == ' ' || p[i + 2] == '.' || p[i + 2] == '>' || p[i + 2] == '\t'))
            c++;
    return c;
}

static ts_status read_vtt(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len;
    ts_status st = TS_ERR_INPUT;
    vline *lines = NULL;
    size_t nl = 0, capl = 0;
    ts_kit_names names = {0};

    if (len < 6 || memcmp(d, "WEBVTT", 6) != 0 ||
        (len > 6 && d[6] != ' ' && d[6] != '\t' && d[6] != '\n' && d[6] != '\r')) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "not a WebVTT file: it must start with 'WEBVTT' followed by a space, "
                     "a tab or a line end");
        goto out;
    }
    /* Lines: LF, CR and CRLF end a line. */
    {
        size_t pos = 0;
        unsigned number = 0;
        while (pos < len) {
            if (nl == capl) {
                size_t cap = capl ? capl * 2 : 1024;
                vline *p = realloc(lines, cap * sizeof *p);
                if (!p) { st = TS_ERR_NOMEM; goto out; }
                lines = p;
                capl = cap;
            }
            vline *l = &lines[nl++];
            l->start = pos;
            while (pos < len && d[pos] != '\n' && d[pos] != '\r') pos++;
            l->end = pos;
            if (pos < len && d[pos] == '\r') pos++;
            if (pos < len && d[pos] == '\n') pos++;
            l->next = pos;
            l->number = ++number;
        }
        if (nl && lines[0].next > lines[0].end) {
            if (d[lines[0].end] == '\r' && lines[0].next - lines[0].end == 2) t->eol = "\r\n";
            else if (d[lines[0].end] == '\r') t->eol = "\r";
        }
    }

    /* Header: the signature line, then, unless a blank line follows, a
     * block of header lines up to a blank line or a line with "-->". */
    size_t li = 1;
    if (li < nl && !empty(&lines[li])) {
        while (li < nl && !empty(&lines[li]) && !has_arrow(d, &lines[li])) li++;
    }
    while (li < nl && empty(&lines[li])) li++;
    t->header = d;
    t->header_len = li < nl ? lines[li].start : len;

    int seen_cue = 0;
    ts_segment *prev = NULL;
    while (li < nl) {
        /* Collect a block. */
        size_t b0 = li, count = 0, text0 = 0, prev_li = li;
        int seen_arrow = 0, cue_ok = 0, broken = 0;
        size_t timing = 0, settings = 0;
        ts_timecode a = {0}, b = {0};
        while (li < nl) {
            vline *l = &lines[li++];
            count++;
            if (has_arrow(d, l)) {
                if (count == 1 || (count == 2 && !seen_arrow)) {
                    seen_arrow = 1;
                    prev_li = li;
                    timing = li - 1;
                    cue_ok = !vtt_timings(d, l, &a, &b, &settings);
                    broken = !cue_ok;
                    text0 = li;
                    if (cue_ok) seen_cue = 1;
                    continue;
                }
                li = prev_li;
                break;
            }
            if (empty(l)) break;
            prev_li = li;
        }
        /* The block's text lines are [text0, text_end). */
        size_t text_end = li;
        while (text_end > text0 && empty(&lines[text_end - 1])) text_end--;
        while (li < nl && empty(&lines[li])) li++;
        size_t next_start = li < nl ? lines[li].start : len;
        if (!cue_ok) {
            if (broken)
                ts_diag_emit(ctx, t->name, lines[timing].number, 1, TS_SEV_WARNING,
                             TS_DIAG_TIMECODE,
                             "malformed cue timing: WebVTT players skip this cue; "
                             "it is kept as it is and not cleaned");
            /* Raw bytes between cues. */
            if (prev) prev->raw_tail_len = (uint32_t)(next_start - (size_t)(prev->raw_tail - d));
            else t->header_len = next_start;
            continue;
        }
        ts_segment *sg = ts_transcript_push(t);
        vtt_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
        if (!sg || !fd) { st = TS_ERR_NOMEM; goto out; }
        sg->fmt_data = fd;
        sg->start = a;
        sg->end = b;
        sg->line = lines[b0].number;
        size_t hs = lines[b0].start;
        fd->id_len = (uint32_t)(lines[timing].start - hs);
        fd->settings = d + settings;
        fd->settings_len = (uint32_t)(lines[timing].end - settings);
        size_t ts = text0 < nl ? lines[text0].start : len, te;
        if (text_end > text0) {
            te = lines[text_end - 1].end;
        } else {
            ts = lines[timing].next;
            te = ts;
        }
        unsigned tline = lines[timing].number + 1;
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
        /* voice span */
        size_t cls, cls_len, nm, nm_len, vl = voice_span(d + ts, te - ts, &cls, &cls_len, &nm, &nm_len);
        if (vl && count_voice(d + ts, te - ts) == 1) {
            sg->speaker = d + ts + nm;
            sg->speaker_len = (uint32_t)nm_len;
            sg->flags &= ~(uint32_t)TS_SEG_NO_SPEAKER;
            fd->prefix = 1;
            fd->classes = d + ts + cls;
            fd->classes_len = (uint32_t)cls_len;
            fd->prefix_len = (uint32_t)vl;
            ts += vl;
            if (te - ts >= 4 && memcmp(d + te - 4, "</v>", 4) == 0) te -= 4;
        }
        sg->raw_head = d + hs;
        sg->raw_head_len = (uint32_t)(ts - hs);
        sg->raw_tail = d + te;
        sg->raw_tail_len = (uint32_t)(next_start - te);
        fd->raw_text = d + ts;
        fd->raw_text_len = (uint32_t)(te - ts);
        if (ts_kit_set_text(t, sg, ts, te, tline, 1 + (unsigned)fd->prefix_len)) {
            st = TS_ERR_NOMEM;
            goto out;
        }
        if (!fd->prefix) {
            size_t n;
            if (ts_kit_name_prefix(sg->text, sg->text_len, &n) && ts_kit_names_add(&names, sg->text, n)) {
                st = TS_ERR_NOMEM;
                goto out;
            }
        }
        prev = sg;
    }
    (void)seen_cue;

    for (size_t k = 0; k < t->n; k++) {
        ts_segment *sg = &t->segs[k];
        vtt_seg *fd = sg->fmt_data;
        size_t n, pl;
        if (fd->prefix || !(pl = ts_kit_name_prefix(sg->text, sg->text_len, &n))) continue;
        if ((t->n > 1 && ts_kit_names_count(&names, sg->text, n) < 2 && !ts_kit_names_common(&names, t->n)) || memchr(sg->text, '\n', pl))
            continue;
        ts_kit_take_speaker(sg, n, pl);
        fd->prefix = 2;
        fd->prefix_len = (uint32_t)pl;
        fd->raw_text += pl;
        fd->raw_text_len -= (uint32_t)pl;
    }
    st = TS_OK;
out:
    free(lines);
    ts_kit_names_release(&names);
    return st;
}

static void write_tc(ts_out *o, const ts_timecode *tc, int native)
{
    static const ts_timecode like = {0, 3, TS_TC_MS, 0, '.'};
    ts_timecode x = *tc;
    if (!native || x.kind != TS_TC_MS) x = ts_tc_from_seconds(ts_tc_seconds(tc), &like);
    x.sep = '.';
    char b[TS_TC_TEXT_MAX];
    ts_out_write(o, b, ts_tc_format(&x, b));
}

static ts_status write_vtt(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    int native = t->format == &ts_fmt_vtt;
    const char *eol = t->eol;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) {
        ts_out_write(o, t->header, t->header_len);
    } else {
        ts_out_puts(o, "WEBVTT");
        ts_out_puts(o, eol);
        ts_out_puts(o, eol);
    }
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const vtt_seg *fd = native ? s->fmt_data : NULL;
        if (fd && s->raw_head && !(s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY))) {
            ts_out_write(o, s->raw_head, s->raw_head_len);
        } else {
            if (fd && s->raw_head) ts_out_write(o, s->raw_head, fd->id_len);
            write_tc(o, &s->start, native);
            ts_out_puts(o, " --> ");
            write_tc(o, &s->end, native);
            if (fd) ts_out_write(o, fd->settings, fd->settings_len);
            ts_out_puts(o, eol);
            if (s->speaker_len) {
                if (fd && fd->prefix == 2) {
                    ts_out_write(o, s->speaker, s->speaker_len);
                    ts_out_puts(o, ": ");
                } else {
                    ts_out_puts(o, "<v");
                    if (fd && fd->prefix == 1) ts_out_write(o, fd->classes, fd->classes_len);
                    ts_out_puts(o, " ");
                    ts_out_write(o, s->speaker, s->speaker_len);
                    ts_out_puts(o, ">");
                }
            }
        }
        if (fd && fd->raw_text && !(s->flags & TS_SEG_TEXT_DIRTY))
            ts_out_write(o, fd->raw_text, fd->raw_text_len);
        else
            ts_kit_write_text(o, s->text, s->text_len, eol);
        if (fd && s->raw_tail) {
            ts_out_write(o, s->raw_tail, s->raw_tail_len);
        } else {
            ts_out_puts(o, eol);
            if (i + 1 < t->n) ts_out_puts(o, eol);
        }
    }
    return TS_OK;
}

static int sniff_vtt(const char *d, size_t n)
{
    if (n >= 6 && memcmp(d, "WEBVTT", 6) == 0) return 100;
    /* A second byte order mark or a damaged signature: still meant as
     * WebVTT, so the reader reports what is wrong. */
    if (n >= 9 && memcmp(d, "\xEF\xBB\xBFWEBVTT", 9) == 0) return 60;
    return 0;
}

const ts_format ts_fmt_vtt = {
    .info = {"vtt", "WebVTT subtitles (speakers from <v Name> or a recurring 'Name: ' prefix)",
             "vtt webvtt", "'WEBVTT' at the start of the file"},
    .sniff = sniff_vtt,
    .read = read_vtt,
    .write = write_vtt,
    .nul_as_fffd = 1,
};
