/*
 * fmt_srt.c - SubRip subtitles:
 *
 *     1
 *     00:00:01,000 --> 00:00:03,500
 *     Anna: text, one or more lines
 *     (blank line)
 *
 * Accepted as found in the wild: a BOM, CRLF or CR line endings, '.' for
 * ',' before the milliseconds, a missing number line, a missing blank line
 * before the next cue, blank lines inside a cue's text (kept as text when
 * what follows is not a cue), positions after the end time ("X1:..."), and
 * any tags in the text (<i>, <b>, <font>, {\an8}), which stay in the text
 * as they are.  A "Name: " prefix on a cue's first line is its speaker when
 * that name starts at least two cues, or half the cues (at least two) start
 * with a name, or the file has one cue.  A dialog cue (two or more lines
 * that all start with "-") gives one segment per line, each with the cue's
 * timing (a dash marks a change of speaker; a "Name: " after it names
 * the speaker, as above); they are written back as one cue with their
 * dashes.
 *
 * Round trip: the reader keeps each cue's number and timing lines, its
 * speaker prefix and its exact text bytes; an unchanged cue is written back
 * byte for byte.  Numbers are rewritten only where cues were split or
 * merged and the file numbered its cues 1, 2, 3, ...; then they stay
 * consecutive.  Normalised: a cue whose timing or speaker changed gets a
 * timing line "HH:MM:SS,mmm --> HH:MM:SS,mmm" (with the positions it had)
 * and a "Name: " prefix; changed text is written with the line ending of
 * the file's first line.
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
    const char *raw_text;      /* exact text bytes, for an unchanged cue */
    uint32_t raw_text_len;
    uint32_t index_len;        /* number line incl. its line ending, 0 if none */
    int64_t index;             /* its value */
    uint32_t sequential;       /* the number equals the cue's ordinal */
    const char *settings;      /* after the end time, e.g. " X1:40 X2:600" */
    uint32_t settings_len;
    uint32_t prefix_len;       /* bytes of "Name: " at the text's start */
    uint32_t cue;              /* ordinal of the cue in the source */
    uint8_t dialog;            /* one line of a "- " dialog cue */
    uint8_t cont;              /* ... and not its first line */
} srt_seg;

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ws(char c) { return c == ' ' || c == '\t'; }

static int blank(const char *d, const ts_line *l)
{
    for (size_t i = l->start; i < l->end; i++)
        if (!is_ws(d[i])) return 0;
    return 1;
}

/* A timing line, or a damaged one that must be reported rather than
 * taken as text. */
static int looks_like_timing(const char *d, const ts_line *l)
{
    size_t s = l->start;
    while (s < l->end && is_ws(d[s])) s++;
    if (s >= l->end || !is_digit(d[s])) return 0;
    size_t n = l->end - s;
    const char *p = d + s;
    for (size_t i = 0; i + 3 <= n; i++)
        if (p[i] == '-' && p[i + 1] == '-' && p[i + 2] == '>') return 1;
    /* "00:00:01,000 - 00:00:02,000": a timing line with a broken arrow */
    if (n >= 8 && n <= 80 && is_digit(p[1]) && p[2] == ':' && is_digit(p[3]) && is_digit(p[4]) &&
        p[5] == ':' && memchr(p, '-', n))
        return 1;
    return 0;
}

static int index_line(const char *d, const ts_line *l, int64_t *v)
{
    size_t s = l->start, e = l->end;
    while (s < e && is_ws(d[s])) s++;
    while (e > s && is_ws(d[e - 1])) e--;
    if (s == e || e - s > 12) return 0;
    int64_t x = 0;
    for (size_t i = s; i < e; i++) {
        if (!is_digit(d[i])) return 0;
        x = x * 10 + (d[i] - '0');
    }
    *v = x;
    return 1;
}

static int timing_error(ts_context *ctx, const ts_transcript *t, const ts_line *l, size_t at,
                        const char *why)
{
    unsigned col = (unsigned)ts_utf8_count(t->input + l->start, at - l->start) + 1;
    ts_diag_emit(ctx, t->name, l->number, col, TS_SEV_ERROR, TS_DIAG_TIMECODE, "%s", why);
    return -1;
}

static int parse_timing(ts_context *ctx, const ts_transcript *t, const ts_line *l, ts_segment *sg,
                        srt_seg *fd)
{
    const char *d = t->input;
    size_t s = l->start, e = l->end;
    while (s < e && is_ws(d[s])) s++;
    size_t a_end = s;
    while (a_end < e && !is_ws(d[a_end]) && d[a_end] != '-') a_end++;
    size_t arrow = a_end;
    while (arrow < e && is_ws(d[arrow])) arrow++;
    if (arrow + 3 > e || memcmp(d + arrow, "-->", 3) != 0)
        return timing_error(ctx, t, l, arrow, "timing line needs 'HH:MM:SS,mmm --> HH:MM:SS,mmm'");
    const char *why;
    size_t off;
    if (ts_tc_parse_clock(d + s, a_end - s, 1, &sg->start, &why, &off))
        return timing_error(ctx, t, l, s + off, why);
    size_t bs = arrow + 3;
    while (bs < e && is_ws(d[bs])) bs++;
    size_t b_end = bs;
    while (b_end < e && !is_ws(d[b_end])) b_end++;
    if (bs == e) return timing_error(ctx, t, l, bs, "timing line has no end time");
    if (ts_tc_parse_clock(d + bs, b_end - bs, 1, &sg->end, &why, &off))
        return timing_error(ctx, t, l, bs + off, why);
    if (ts_tc_compare(&sg->end, &sg->start) < 0)
        return timing_error(ctx, t, l, bs, "end time is before the start");
    fd->settings = d + b_end;
    fd->settings_len = (uint32_t)(e - b_end);
    return 0;
}

/* A dialog cue: two or more lines, each starting with a dash ("- Hi.",
 * "-Hi."), none blank. */
static int is_dialog(const char *d, const ts_line *lines, size_t first, size_t last)
{
    if (last - first < 2) return 0;
    for (size_t k = first; k < last; k++) {
        const ts_line *l = &lines[k];
        if (l->end - l->start < 2 || d[l->start] != '-' || d[l->start + 1] == '-') return 0;
    }
    return 1;
}

/* Does a cue start at line `l` (whose successor is `next`, when present)? */
static int cue_start(const char *d, const ts_line *l, const ts_line *next, int has_next,
                     int64_t *idx)
{
    if (looks_like_timing(d, l)) return 1;
    if (has_next && index_line(d, l, idx) && looks_like_timing(d, next)) return 2;
    return 0;
}

static ts_status read_srt(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len, pos = 0;
    unsigned number = 0;
    ts_status st = TS_ERR_INPUT;
    ts_kit_names names = {0};
    ts_line *lines = NULL;
    size_t nl = 0, capl = 0;

    const char *first_nl = memchr(d, '\n', len);
    if (first_nl && first_nl > d && first_nl[-1] == '\r') t->eol = "\r\n";

    ts_line ln;
    while (ts_next_line(d, len, &pos, &number, &ln)) {
        if (nl == capl) {
            size_t cap = capl ? capl * 2 : 1024;
            ts_line *p = realloc(lines, cap * sizeof *p);
            if (!p) { st = TS_ERR_NOMEM; goto out; }
            lines = p;
            capl = cap;
        }
        lines[nl++] = ln;
    }

    size_t i = 0, cues = 0;
    while (i < nl && blank(d, &lines[i])) i++;
    t->header = d;
    t->header_len = i < nl ? lines[i].start : len;
    if (i == nl) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "no subtitle found");
        goto out;
    }
    while (i < nl) {
        int64_t idx = 0;
        int kind = cue_start(d, &lines[i], i + 1 < nl ? &lines[i + 1] : NULL, i + 1 < nl, &idx);
        if (!kind) {
            ts_diag_emit(ctx, t->name, lines[i].number, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "expected a subtitle number or a timing line "
                         "'HH:MM:SS,mmm --> HH:MM:SS,mmm'");
            goto out;
        }
        ts_segment *sg = ts_transcript_push(t);
        srt_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
        if (!sg || !fd) { st = TS_ERR_NOMEM; goto out; }
        sg->fmt_data = fd;
        fd->cue = (uint32_t)++cues;
        size_t head = lines[i].start;
        sg->line = lines[i].number;
        if (kind == 2) {
            fd->index_len = (uint32_t)(lines[i].next - lines[i].start);
            fd->index = idx;
            fd->sequential = idx == (int64_t)cues;
            i++;
        }
        const ts_line *tl = &lines[i++];
        if (parse_timing(ctx, t, tl, sg, fd)) goto out;
        /* Cues out of time order are read as they are: the artifacts pass
         * reports them (and sorts them with --sort-timing). */
        /* Text: up to the next cue start; blank lines followed by text
         * that starts no cue are part of the text. */
        size_t first = i, last = i; /* [first, last) non-blank text lines */
        while (i < nl) {
            if (blank(d, &lines[i])) {
                size_t k = i;
                while (k < nl && blank(d, &lines[k])) k++;
                if (k == nl) { i = k; break; }
                int64_t dummy;
                if (cue_start(d, &lines[k], k + 1 < nl ? &lines[k + 1] : NULL, k + 1 < nl, &dummy)) {
                    i = k;
                    break;
                }
                i = k;
                continue;
            }
            int64_t dummy;
            if (i > first && cue_start(d, &lines[i], i + 1 < nl ? &lines[i + 1] : NULL, i + 1 < nl, &dummy))
                break;
            if (i == first && looks_like_timing(d, &lines[i])) break;
            last = ++i;
        }
        size_t ts = last > first ? lines[first].start : tl->next;
        size_t te = last > first ? lines[last - 1].end : tl->next;
        unsigned tline = last > first ? lines[first].number : tl->number + 1;
        size_t block_end = i < nl ? lines[i].start : len;
        if (is_dialog(d, lines, first, last)) {
            /* one segment per "- " line, all with the cue's timing */
            size_t si = t->n - 1;
            for (size_t k = first; k < last; k++) {
                ts_segment *g = k == first ? &t->segs[si] : ts_transcript_push(t);
                srt_seg *gd = k == first ? fd : ts_arena_alloc(&t->arena, sizeof *gd);
                if (!g || !gd) { st = TS_ERR_NOMEM; goto out; }
                if (k > first) {
                    *gd = *fd;
                    *g = t->segs[si];
                    g->fmt_data = gd;
                    g->line = lines[k].number;
                }
                gd->dialog = 1;
                gd->cont = k > first;
                size_t dash = lines[k].start + 1;
                while (dash < lines[k].end && is_ws(d[dash])) dash++;
                size_t hs = k == first ? head : lines[k].start;
                g->raw_head = d + hs;
                g->raw_head_len = (uint32_t)(dash - hs);
                size_t tail_end = k + 1 < last ? lines[k + 1].start : block_end;
                g->raw_tail = d + lines[k].end;
                g->raw_tail_len = (uint32_t)(tail_end - lines[k].end);
                gd->raw_text = d + dash;
                gd->raw_text_len = (uint32_t)(lines[k].end - dash);
                if (ts_kit_set_text(t, g, dash, lines[k].end, lines[k].number,
                                    1 + (unsigned)ts_utf8_count(d + lines[k].start, dash - lines[k].start))) {
                    st = TS_ERR_NOMEM;
                    goto out;
                }
                g->speaker = "";
                g->flags |= TS_SEG_NO_SPEAKER;
                size_t nlen;
                if (ts_kit_name_prefix(g->text, g->text_len, &nlen) &&
                    ts_kit_names_add(&names, g->text, nlen)) {
                    st = TS_ERR_NOMEM;
                    goto out;
                }
            }
            continue;
        }
        sg->raw_head = d + head;
        sg->raw_head_len = (uint32_t)(ts - head);
        sg->raw_tail = d + te;
        sg->raw_tail_len = (uint32_t)(block_end - te);
        fd->raw_text = d + ts;
        fd->raw_text_len = (uint32_t)(te - ts);
        if (ts_kit_set_text(t, sg, ts, te, tline, 1)) { st = TS_ERR_NOMEM; goto out; }
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
        size_t name_len;
        if (ts_kit_name_prefix(sg->text, sg->text_len, &name_len) &&
            ts_kit_names_add(&names, sg->text, name_len)) {
            st = TS_ERR_NOMEM;
            goto out;
        }
    }

    /* Speaker prefixes, where the name recurs. */
    for (size_t k = 0; k < t->n; k++) {
        ts_segment *sg = &t->segs[k];
        srt_seg *fd = sg->fmt_data;
        size_t name_len, pl = ts_kit_name_prefix(sg->text, sg->text_len, &name_len);
        if (!pl || (t->n > 1 && ts_kit_names_count(&names, sg->text, name_len) < 2 &&
                           !ts_kit_names_common(&names, t->n))) continue;
        /* the prefix is on the first line, where the text is the source bytes */
        if (memchr(sg->text, '\n', pl)) continue;
        ts_kit_take_speaker(sg, name_len, pl);
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
    static const ts_timecode like = {0, 3, TS_TC_MS, 0, ','};
    ts_timecode x = *tc;
    if (!native || x.kind != TS_TC_MS) x = ts_tc_from_seconds(ts_tc_seconds(tc), &like);
    char b[TS_TC_TEXT_MAX];
    ts_out_write(o, b, ts_tc_format(&x, b));
}

static void write_index(ts_out *o, int64_t v, const char *eol)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    ts_out_write(o, b, (size_t)n);
    ts_out_puts(o, eol);
}

/* Is segment i written as a further line of the dialog cue before it? */
static int continues(const ts_transcript *t, size_t i, int native)
{
    if (!native || i == 0) return 0;
    const ts_segment *s = &t->segs[i];
    const srt_seg *fd = s->fmt_data, *pd = t->segs[i - 1].fmt_data;
    return fd->cont && pd->dialog && pd->cue == fd->cue &&
           !(s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_NEW)) &&
           !(t->segs[i - 1].flags & TS_SEG_TIMING_DIRTY);
}

static ts_status write_srt(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    int native = t->format == &ts_fmt_srt;
    const char *eol = t->eol;
    int64_t cue = 0;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) ts_out_write(o, t->header, t->header_len);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const srt_seg *fd = native ? s->fmt_data : NULL;
        int has_speaker = s->speaker_len > 0;
        int cont = continues(t, i, native);
        if (!cont) cue++;
        if (cont) {
            if (s->raw_head && !(s->flags & TS_SEG_SPEAKER_DIRTY)) {
                ts_out_write(o, s->raw_head, s->raw_head_len);
            } else {
                ts_out_puts(o, "- ");
                if (has_speaker) {
                    ts_out_write(o, s->speaker, s->speaker_len);
                    ts_out_puts(o, s->text_len ? ": " : ":");
                }
            }
        } else if (fd && s->raw_head && !(s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY)) &&
                   !fd->cont) {
            const char *h = s->raw_head;
            size_t hn = s->raw_head_len;
            if (fd->index_len && fd->sequential && fd->index != cue) {
                write_index(o, cue, eol);
                h += fd->index_len;
                hn -= fd->index_len;
            }
            ts_out_write(o, h, hn);
        } else {
            if (!fd || fd->index_len) write_index(o, fd && !fd->sequential ? fd->index : cue, eol);
            write_tc(o, &s->start, native);
            ts_out_puts(o, " --> ");
            write_tc(o, &s->end, native);
            if (fd) ts_out_write(o, fd->settings, fd->settings_len);
            ts_out_puts(o, eol);
            if (fd && fd->dialog) ts_out_puts(o, "- ");
            if (has_speaker) {
                ts_out_write(o, s->speaker, s->speaker_len);
                ts_out_puts(o, s->text_len ? ": " : ":");
            }
        }
        if (fd && fd->raw_text && !(s->flags & TS_SEG_TEXT_DIRTY))
            ts_out_write(o, fd->raw_text, fd->raw_text_len);
        else
            ts_kit_write_text(o, s->text, s->text_len, eol);
        int next_cont = i + 1 < t->n && continues(t, i + 1, native);
        const srt_seg *nd = native && i + 1 < t->n ? t->segs[i + 1].fmt_data : NULL;
        int next_same_cue = fd && nd && nd->cont && nd->cue == fd->cue;
        if (fd && s->raw_tail && (!next_same_cue || next_cont)) {
            ts_out_write(o, s->raw_tail, s->raw_tail_len);
            /* A cue that ended the file may no longer be last (sorted):
             * it still needs its line end and the blank line after it. */
            if (!next_cont && i + 1 < t->n && s->raw_tail + s->raw_tail_len == t->input + t->input_len) {
                const char *p = s->raw_tail;
                size_t n = s->raw_tail_len, nl = 0;
                for (size_t k = 0; k < n; k++) nl += p[k] == '\n';
                for (; nl < 2; nl++) ts_out_puts(o, eol);
            }
        } else {
            ts_out_puts(o, eol);
            if (!next_cont && i + 1 < t->n) ts_out_puts(o, eol);
        }
    }
    return TS_OK;
}

static int sniff_srt(const char *d, size_t n)
{
    size_t pos = 0, lim = n < 65536 ? n : 65536;
    unsigned number = 0;
    ts_line ln;
    int seen = 0;
    while (ts_next_line(d, lim, &pos, &number, &ln) && number < 50) {
        if (blank(d, &ln)) continue;
        if (!seen++ && number == 1 && ln.end - ln.start >= 6 && memcmp(d + ln.start, "WEBVTT", 6) == 0)
            return 0;
        size_t s = ln.start;
        while (s < ln.end && is_ws(d[s])) s++;
        /* "d:dd:dd,ddd -->" or "dd:dd:dd.ddd -->" */
        const char *p = d + s;
        size_t k = ln.end - s;
        const char *arrow = NULL;
        for (size_t j = 0; j + 3 <= k && !arrow; j++)
            if (p[j] == '-' && p[j + 1] == '-' && p[j + 2] == '>') arrow = p + j;
        if (arrow && is_digit(p[0]) && k >= 12) {
            const char *c = memchr(p, ',', (size_t)(arrow - p));
            return c ? 95 : 80;
        }
    }
    return 0;
}

const ts_format ts_fmt_srt = {
    .info = {"srt", "SubRip subtitles (speakers from 'Name: ' prefixes; '- ' dialog lines)", "srt",
             "a line 'HH:MM:SS,mmm --> HH:MM:SS,mmm' among the first 50 lines ('.' accepted)"},
    .sniff = sniff_srt,
    .read = read_srt,
    .write = write_srt,
};
