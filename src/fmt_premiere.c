/*
 * fmt_premiere.c - timecoded text as Premiere Pro and similar editors
 * export it:
 *
 *     header lines
 *     HH:MM:SS:FF - HH:MM:SS:FF
 *     Speaker
 *     text, hard-wrapped over one or more lines
 *
 * Frames are counted at the context's frame rate (30 by default); `;`
 * before the frames marks drop-frame.  CRLF, a BOM, trailing spaces and
 * blank lines between blocks are accepted and reproduced: the reader keeps
 * each block's timing and speaker lines and the blank lines after its text
 * as raw bytes, and the writer emits them unchanged unless the timing or the
 * speaker was edited.  Text lines are joined with '\n' (CR removed) and
 * written back with the file's line ending.  Normalised: a file mixing LF
 * and CRLF is written with the line ending of its first line.
 *
 * Which line is the speaker: the line right after the timing line, when the
 * block has further text and it looks like a label (at most 64 bytes and 5
 * words, no sentence punctuation at its end).  A block of a single
 * label-like line is a speaker with no text when that label names a speaker
 * elsewhere in the file, and an error otherwise, since it cannot be told
 * from a one-word text.
 */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "timecode.h"
#include "utf8.h"

static size_t trim_end(const char *d, size_t s, size_t e)
{
    while (e > s && (d[e - 1] == ' ' || d[e - 1] == '\t')) e--;
    return e;
}

static size_t skip_ws(const char *d, size_t s, size_t e)
{
    while (s < e && (d[s] == ' ' || d[s] == '\t')) s++;
    return s;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A line that starts like a timecode is meant as a timing line: "dd:dd",
 * or "dd:" in a short line with " - " (a damaged timecode). */
static int looks_like_timing(const char *d, size_t s, size_t e)
{
    s = skip_ws(d, s, e);
    if (e - s < 3 || !is_digit(d[s]) || !is_digit(d[s + 1]) || d[s + 2] != ':') return 0;
    if (e - s >= 5 && is_digit(d[s + 3]) && is_digit(d[s + 4])) return 1;
    if (e - s > 40) return 0;
    for (size_t i = s; i + 2 < e; i++)
        if (d[i] == ' ' && d[i + 1] == '-' && d[i + 2] == ' ') return 1;
    return 0;
}

/* Parses "TC - TC"; on failure reports and returns -1. */
static int parse_timing(ts_context *ctx, const ts_transcript *t, const ts_line *ln,
                        ts_timecode *a, ts_timecode *b)
{
    const char *d = t->input;
    size_t s = skip_ws(d, ln->start, ln->end), e = trim_end(d, s, ln->end);
    size_t dash = s;
    while (dash < e && d[dash] != '-' && d[dash] != ' ' && d[dash] != '\t') dash++;
    size_t a_end = dash;
    dash = skip_ws(d, dash, e);
    const char *why = NULL;
    size_t off = 0, where;
    if (dash >= e || d[dash] != '-') {
        why = "timing line needs 'HH:MM:SS:FF - HH:MM:SS:FF'";
        where = dash;
    } else if (ts_tc_parse_frames(d + s, a_end - s, ctx->fps, a, &why, &off)) {
        where = s + off;
    } else {
        size_t bs = skip_ws(d, dash + 1, e);
        if (bs >= e) {
            why = "timing line has no end timecode";
            where = bs;
        } else if (ts_tc_parse_frames(d + bs, e - bs, ctx->fps, b, &why, &off)) {
            where = bs + off;
        } else if (ts_tc_compare(b, a) < 0) {
            why = "end timecode is before the start";
            where = bs;
        } else {
            return 0;
        }
    }
    unsigned col = (unsigned)ts_utf8_count(d + ln->start, where - ln->start) + 1;
    ts_diag_emit(ctx, t->name, ln->number, col, TS_SEV_ERROR, TS_DIAG_TIMECODE, "%s", why);
    return -1;
}

static int looks_like_label(const char *d, size_t s, size_t e)
{
    s = skip_ws(d, s, e);
    e = trim_end(d, s, e);
    if (e == s || e - s > 64) return 0;
    char last = d[e - 1];
    if (strchr(".?!,;\"", last)) return 0;
    int words = 1;
    for (size_t i = s; i < e; i++)
        if (d[i] == ' ' && i + 1 < e && d[i + 1] != ' ') words++;
    return words <= 5;
}

typedef struct {
    const char *p;
    size_t n;
} label;

typedef struct {
    label *v;
    size_t n, cap;
} label_set;

static int label_known(const label_set *ls, const char *p, size_t n)
{
    for (size_t i = 0; i < ls->n; i++)
        if (ls->v[i].n == n && memcmp(ls->v[i].p, p, n) == 0) return 1;
    return 0;
}

static int label_add(label_set *ls, const char *p, size_t n)
{
    if (label_known(ls, p, n) || ls->n >= 4096) return 0;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 16;
        label *v = realloc(ls->v, cap * sizeof *v);
        if (!v) return -1;
        ls->v = v;
        ls->cap = cap;
    }
    ls->v[ls->n++] = (label){p, n};
    return 0;
}

/* A block: its timing line and the lines up to the next timing line. */
typedef struct {
    ts_line timing;
    ts_line first;        /* first line after timing (valid if nlines) */
    size_t body_end;      /* end of the last non-blank line */
    size_t block_end;     /* start of the next block / end of input */
    size_t text_start;    /* computed: start of the text lines */
    unsigned nonblank, last_line, nlines;
    unsigned text_line;
} block;

static ts_status read_premiere(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len, pos = 0, header_end = 0;
    unsigned number = 0;
    ts_line ln;
    block *blocks = NULL;
    size_t nb = 0, capb = 0;
    label_set labels = {0};
    ts_status st = TS_ERR_INPUT;

    const char *nl = memchr(d, '\n', len);
    if (nl && nl > d && nl[-1] == '\r') t->eol = "\r\n";

    int in_header = 1;
    block *cur = NULL;
    while (ts_next_line(d, len, &pos, &number, &ln)) {
        if (looks_like_timing(d, ln.start, ln.end)) {
            /* Before the realloc below, which would leave cur dangling. */
            if (cur) cur->block_end = ln.start;
            if (nb == capb) {
                size_t cap = capb ? capb * 2 : 256;
                block *p = realloc(blocks, cap * sizeof *p);
                if (!p) { st = TS_ERR_NOMEM; goto out; }
                blocks = p; /* `cur` pointed into the old array */
                capb = cap;
            }
            if (in_header) header_end = ln.start;
            in_header = 0;
            if (nb) blocks[nb - 1].block_end = ln.start;
            cur = &blocks[nb++];
            memset(cur, 0, sizeof *cur);
            cur->timing = ln;
            cur->body_end = ln.next;
            continue;
        }
        if (!cur) continue;
        if (cur->nlines++ == 0) cur->first = ln;
        if (skip_ws(d, ln.start, ln.end) < ln.end) {
            cur->nonblank++;
            cur->body_end = ln.end;
            cur->last_line = ln.number;
        }
    }
    if (cur) cur->block_end = len;
    if (nb == 0) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no timing line ('HH:MM:SS:FF - HH:MM:SS:FF') found");
        goto out;
    }
    t->header = d;
    t->header_len = header_end;
    if (ts_transcript_reserve(t, nb)) {
        st = TS_ERR_NOMEM;
        goto out;
    }

    /* Labels of blocks that certainly have a speaker line. */
    for (size_t i = 0; i < nb; i++) {
        block *b = &blocks[i];
        if (b->nonblank >= 2 && looks_like_label(d, b->first.start, b->first.end)) {
            size_t s = skip_ws(d, b->first.start, b->first.end);
            if (label_add(&labels, d + s, trim_end(d, s, b->first.end) - s)) {
                st = TS_ERR_NOMEM;
                goto out;
            }
        }
    }

    for (size_t i = 0; i < nb; i++) {
        block *b = &blocks[i];
        ts_segment *sg = ts_transcript_push(t);
        if (!sg) { st = TS_ERR_NOMEM; goto out; }
        if (parse_timing(ctx, t, &b->timing, &sg->start, &sg->end)) goto out;
        if (i > 0 && ts_tc_compare(&sg->start, &t->segs[t->n - 2].start) < 0) {
            ts_diag_emit(ctx, t->name, b->timing.number, 1, TS_SEV_ERROR, TS_DIAG_ORDER,
                         "segment starts before the previous segment");
            goto out;
        }
        sg->line = b->timing.number;
        if (b->nonblank == 0) {
            ts_diag_emit(ctx, t->name, b->timing.number, (unsigned)(b->timing.end - b->timing.start) + 1,
                         TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         i + 1 == nb ? "truncated file: timing line with no speaker or text"
                                     : "timing line with no speaker or text");
            goto out;
        }
        int has_speaker;
        size_t fs = skip_ws(d, b->first.start, b->first.end);
        size_t fe = trim_end(d, fs, b->first.end);
        if (fs == fe) {
            has_speaker = 1; /* blank speaker line: an empty label */
        } else if (b->nonblank >= 2) {
            has_speaker = looks_like_label(d, b->first.start, b->first.end);
        } else if (looks_like_label(d, b->first.start, b->first.end)) {
            if (!label_known(&labels, d + fs, fe - fs)) {
                ts_diag_emit(ctx, t->name, b->first.number, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                             "cannot tell whether '%.*s' is a speaker or the text: "
                             "add the missing speaker or text line",
                             (int)(fe - fs), d + fs);
                goto out;
            }
            has_speaker = 1;
        } else {
            has_speaker = 0;
        }
        size_t text_start;
        unsigned text_line;
        if (has_speaker) {
            sg->speaker = d + fs;
            sg->speaker_len = (uint32_t)(fe - fs);
            text_start = b->first.next;
            text_line = b->first.number + 1;
        } else {
            sg->flags |= TS_SEG_NO_SPEAKER;
            sg->speaker = "";
            text_start = b->first.start;
            text_line = b->first.number;
        }
        size_t text_end = b->body_end;
        if (text_end < text_start) text_end = text_start;
        /* Skip blank lines between the speaker and the text. */
        size_t p2 = text_start;
        unsigned n2 = text_line - 1;
        ts_line l2;
        while (p2 < text_end && ts_next_line(d, text_end, &p2, &n2, &l2) &&
               skip_ws(d, l2.start, l2.end) == l2.end) {
            text_start = l2.next;
            text_line = l2.number + 1;
        }
        if (text_end < text_start) text_end = text_start;
        sg->raw_head = d + b->timing.start;
        sg->raw_head_len = (uint32_t)(text_start - b->timing.start);
        sg->raw_tail = d + text_end;
        sg->raw_tail_len = (uint32_t)(b->block_end - text_end);
        sg->text_line = text_line;
        sg->text_col = 1;
        if (memchr(d + text_start, '\r', text_end - text_start)) {
            char *x = ts_arena_alloc(&t->arena, text_end - text_start + 1);
            if (!x) { st = TS_ERR_NOMEM; goto out; }
            size_t w = 0;
            for (size_t k = text_start; k < text_end; k++)
                if (!(d[k] == '\r' && k + 1 < text_end && d[k + 1] == '\n')) x[w++] = d[k];
            x[w] = '\0';
            sg->text = x;
            sg->text_len = (uint32_t)w;
        } else {
            sg->text = d + text_start;
            sg->text_len = (uint32_t)(text_end - text_start);
        }
        sg->orig_text = sg->text;
        sg->orig_len = sg->text_len;
    }
    st = TS_OK;
out:
    free(blocks);
    free(labels.v);
    return st;
}

static void write_text(ts_out *o, const char *p, size_t n, const char *eol)
{
    if (eol[1] == '\0') {
        ts_out_write(o, p, n);
        return;
    }
    for (;;) {
        const char *q = memchr(p, '\n', n);
        if (!q) break;
        ts_out_write(o, p, (size_t)(q - p));
        ts_out_puts(o, eol);
        n -= (size_t)(q - p) + 1;
        p = q + 1;
    }
    ts_out_write(o, p, n);
}

static ts_status write_premiere(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    int native = t->format == &ts_fmt_premiere;
    const char *eol = t->eol;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) ts_out_write(o, t->header, t->header_len);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        if (native && s->raw_head &&
            !(s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY))) {
            ts_out_write(o, s->raw_head, s->raw_head_len);
        } else {
            char a[TS_TC_TEXT_MAX], b[TS_TC_TEXT_MAX];
            ts_timecode sa = s->start, sb = s->end;
            if (sa.kind != TS_TC_FRAMES) sa = ts_tc_from_seconds(ts_tc_seconds(&sa), &(ts_timecode){0, (uint16_t)ctx->fps, TS_TC_FRAMES, 0, ':'});
            if (sb.kind != TS_TC_FRAMES) sb = ts_tc_from_seconds(ts_tc_seconds(&sb), &(ts_timecode){0, (uint16_t)ctx->fps, TS_TC_FRAMES, 0, ':'});
            ts_out_write(o, a, ts_tc_format(&sa, a));
            ts_out_puts(o, " - ");
            ts_out_write(o, b, ts_tc_format(&sb, b));
            ts_out_puts(o, eol);
            /* Always a speaker line, empty if need be: a one-line text
             * without it could read back as a speaker. */
            ts_out_write(o, s->speaker, s->speaker_len);
            ts_out_puts(o, eol);
        }
        write_text(o, s->text, s->text_len, eol);
        if (native && s->raw_tail) ts_out_write(o, s->raw_tail, s->raw_tail_len);
        else ts_out_puts(o, eol);
    }
    return TS_OK;
}

static int sniff_premiere(const char *d, size_t n)
{
    size_t pos = 0, lim = n < 65536 ? n : 65536;
    unsigned number = 0;
    int score = 0;
    ts_line ln;
    while (ts_next_line(d, lim, &pos, &number, &ln) && number < 200) {
        size_t s = skip_ws(d, ln.start, ln.end), e = trim_end(d, s, ln.end);
        if (!looks_like_timing(d, s, e)) continue;
        /* HH:MM:SS:FF - HH:MM:SS:FF is 25 bytes; ';' for drop-frame. */
        if (e - s == 25 && d[s + 11] == ' ' && d[s + 12] == '-' &&
            (d[s + 8] == ':' || d[s + 8] == ';'))
            return 90;
        /* A damaged timing line still says what the file is meant to be,
         * so that its error is reported rather than passed off as text. */
        if (memchr(d + s, '-', e - s) || (e - s >= 8 && d[s + 5] == ':')) score = 60;
    }
    return score;
}

const ts_format ts_fmt_premiere = {
    .info = {"premiere", "timecoded text as exported by Premiere Pro and similar editors",
             "txt", "a line 'HH:MM:SS:FF - HH:MM:SS:FF' among the first 200 lines"},
    .sniff = sniff_premiere,
    .read = read_premiere,
    .write = write_premiere,
};
