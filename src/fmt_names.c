/*
 * fmt_names.c - plain "Name: text" transcripts, as Otter, Descript, Trint,
 * Sonix and Rev export them or as people type them:
 *
 *     Anna: Welcome back.                     inline speaker
 *     [00:01:02] Ben: Thanks.                 stamp before the name
 *     Ben (01:02): Thanks.                    stamp after the name (Rev)
 *
 *     Anna Berg  0:03                         heading per speaker (Otter):
 *     Welcome back to the show.               the text follows on the
 *                                             next lines
 *     Ben Okafor (00:05):                     heading with a colon
 *
 * Stamps are m:ss, mm:ss or h:mm:ss, bare or in () or [], with an optional
 * .mmm fraction.  A line that starts no speaker continues the segment
 * before it (the text keeps the line break); a blank line ends a segment.
 * A segment's start is its stamp; its end is the next stamp (or its own
 * start for the last one); without stamps the transcript has no timing.
 * Lines before the first speaker are the header.
 *
 * Round trip: byte for byte.  A segment whose speaker or stamp changed
 * gets the new name or stamp spliced into its line exactly where the old
 * one stood; written from another format, each segment is one paragraph
 * "[hh:mm:ss] Name: text" (stamp only with timing, name only with a
 * speaker), separated by blank lines.
 */
#include <math.h>
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
    /* offsets in raw_head; name_len 0 when the line has no name */
    uint32_t name_off, name_len, stamp_off, stamp_len;
    uint8_t stamp_hours, stamp_ms; /* the stamp's form */
} nm_seg;

typedef struct {
    size_t name_s, name_e, stamp_s, stamp_e, text_s;
    int heading;   /* no text on the line */
    int hours, frac;
    double sec;
} head;

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_sp(char c) { return c == ' ' || c == '\t'; }

/* A stamp at d[s..e): returns its end or 0. */
static size_t stamp_at(const char *d, size_t s, size_t e, double *sec, int *hours, int *frac)
{
    size_t i = s;
    long f[3];
    int nf = 0;
    while (nf < 3) {
        size_t k = i;
        long v = 0;
        while (i < e && is_digit(d[i]) && i - k < 2) v = v * 10 + (d[i++] - '0');
        if (i == k || (nf > 0 && i - k != 2)) return 0;
        f[nf++] = v;
        if (i < e && d[i] == ':' && nf < 3 && i + 1 < e && is_digit(d[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    if (nf < 2) return 0;
    double ms = 0;
    *frac = 0;
    if (i + 1 < e && (d[i] == '.' || d[i] == ',') && is_digit(d[i + 1])) {
        size_t k = ++i;
        long v = 0;
        while (i < e && is_digit(d[i]) && i - k < 3) v = v * 10 + (d[i++] - '0');
        if (i - k != 3) return 0;
        ms = v / 1000.0;
        *frac = d[k - 1];
    }
    if (i < e && (is_digit(d[i]) || d[i] == ':')) return 0;
    long h = nf == 3 ? f[0] : 0, m = nf == 3 ? f[1] : f[0], sc = nf == 3 ? f[2] : f[1];
    if (m > 59 || sc > 59) return 0;
    *hours = nf == 3;
    *sec = (double)((h * 60 + m) * 60 + sc) + ms;
    return i;
}

/* A stamp, bare or bracketed, at s; returns its end or 0.  The stamp's
 * own digits are [*ds, *de). */
static size_t stamp_any(const char *d, size_t s, size_t e, head *h, size_t *ds, size_t *de)
{
    if (s < e && (d[s] == '[' || d[s] == '(')) {
        char close = d[s] == '[' ? ']' : ')';
        size_t x = stamp_at(d, s + 1, e, &h->sec, &h->hours, &h->frac);
        if (!x || x >= e || d[x] != close) return 0;
        *ds = s + 1;
        *de = x;
        return x + 1;
    }
    size_t x = stamp_at(d, s, e, &h->sec, &h->hours, &h->frac);
    if (!x) return 0;
    *ds = s;
    *de = x;
    return x;
}

static int is_particle(const char *p, size_t n)
{
    static const char *const v[] = {"de", "van", "der", "von", "da", "di", "le", "la", "del", "du"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strlen(v[i]) == n && memcmp(v[i], p, n) == 0) return 1;
    return 0;
}

/* The end of a name of 1-4 capitalised words at s, or 0. */
static size_t name_at(const char *d, size_t s, size_t e)
{
    size_t i = s, end = 0;
    int words = 0;
    while (i < e && words < 4) {
        size_t ws = i;
        while (i < e && !is_sp(d[i]) && d[i] != ':' && d[i] != '(' && d[i] != '[') {
            unsigned char c = (unsigned char)d[i];
            if (c < 0x80 && !(c == '.' || c == '-' || c == '\'' || c == '_' || is_digit((char)c) ||
                              (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                return 0;
            i++;
        }
        if (i == ws) break;
        size_t l;
        int32_t cp = ts_utf8_decode(d + ws, i - ws, &l);
        if (words == 0 ? !ts_cp_is_upper(cp)
                       : !(ts_cp_is_upper(cp) || ts_cp_is_digit(cp) || is_particle(d + ws, i - ws)))
            break;
        words++;
        end = i;
        if (i - s > 40) return 0;
        if (i + 1 < e && d[i] == ' ' && !is_sp(d[i + 1]) && d[i + 1] != '(' && d[i + 1] != '[' &&
            !is_digit(d[i + 1]))
            i++;
        else
            break;
    }
    return words ? end : 0;
}

/* Does line [s, e) start a speaker? */
static int parse_head(const char *d, size_t s, size_t e, head *h)
{
    memset(h, 0, sizeof *h);
    size_t i = s, ds = 0, de = 0, x;
    int stamp = 0;
    if ((x = stamp_any(d, i, e, h, &ds, &de))) {
        stamp = 1;
        h->stamp_s = ds;
        h->stamp_e = de;
        i = x;
        if (i >= e || !is_sp(d[i])) return 0;
        while (i < e && is_sp(d[i])) i++;
    }
    size_t ne = name_at(d, i, e);
    if (!ne) return 0;
    h->name_s = i;
    h->name_e = ne;
    i = ne;
    size_t sp = i;
    while (i < e && is_sp(d[i])) i++;
    if (!stamp && (x = stamp_any(d, i, e, h, &ds, &de))) {
        stamp = 1;
        h->stamp_s = ds;
        h->stamp_e = de;
        i = x;
        sp = i;
        while (i < e && is_sp(d[i])) i++;
    } else {
        i = sp;
    }
    if (i < e && d[i] == ':') {
        i++;
        if (i < e && !is_sp(d[i])) return 0;
        while (i < e && is_sp(d[i])) i++;
        h->text_s = i;
        h->heading = i == e;
        return 1;
    }
    while (i < e && is_sp(d[i])) i++;
    if (stamp && i == e && h->stamp_s > h->name_s) {
        h->text_s = e;
        h->heading = 1;
        return 1;
    }
    return 0;
}

static int blank(const char *d, const ts_line *l)
{
    for (size_t i = l->start; i < l->end; i++)
        if (!is_sp(d[i])) return 0;
    return 1;
}

static ts_status read_names(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len, pos = 0;
    unsigned number = 0;
    ts_line ln;
    ts_segment *cur = NULL;
    size_t text_s = 0, text_e = 0; /* current segment's text span */
    int open = 0, timed = 0;
    const char *nl = memchr(d, '\n', len);
    if (nl && nl > d && nl[-1] == '\r') t->eol = "\r\n";
    t->header = d;
    t->header_len = 0;

#define CLOSE()                                                                         \
    do {                                                                                \
        if (cur) {                                                                      \
            nm_seg *fd_ = cur->fmt_data;                                                \
            if (ts_kit_set_text(t, cur, text_s, text_e, cur->text_line, cur->text_col)) \
                return TS_ERR_NOMEM;                                                    \
            fd_->raw_text = d + text_s;                                                 \
            fd_->raw_text_len = (uint32_t)(text_e - text_s);                            \
            cur->raw_tail = d + text_e;                                                 \
        }                                                                               \
    } while (0)

    while (ts_next_line(d, len, &pos, &number, &ln)) {
        head h;
        if (blank(d, &ln)) {
            open = 0;
            if (!cur) t->header_len = ln.next;
            continue;
        }
        size_t s = ln.start;
        if (parse_head(d, s, ln.end, &h)) {
            CLOSE();
            if (cur) cur->raw_tail_len = (uint32_t)(ln.start - text_e);
            cur = ts_transcript_push(t);
            nm_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
            if (!cur || !fd) return TS_ERR_NOMEM;
            cur->fmt_data = fd;
            cur->line = ln.number;
            cur->speaker = d + h.name_s;
            cur->speaker_len = (uint32_t)(h.name_e - h.name_s);
            fd->name_off = (uint32_t)(h.name_s - ln.start);
            fd->name_len = cur->speaker_len;
            if (h.stamp_e > h.stamp_s) {
                fd->stamp_off = (uint32_t)(h.stamp_s - ln.start);
                fd->stamp_len = (uint32_t)(h.stamp_e - h.stamp_s);
                fd->stamp_hours = (uint8_t)h.hours;
                fd->stamp_ms = (uint8_t)h.frac;
                cur->start = (ts_timecode){(int64_t)llround(h.sec * 1000.0), (uint16_t)(h.hours ? 3 : 2), TS_TC_MS, 0, '.'};
                timed = 1;
            }
            cur->raw_head = d + ln.start;
            if (h.heading) {
                /* text on the following lines */
                size_t p2 = pos;
                unsigned n2 = number;
                ts_line l2;
                text_s = text_e = ln.next;
                cur->text_line = ln.number + 1;
                cur->text_col = 1;
                if (ts_next_line(d, len, &p2, &n2, &l2) && !blank(d, &l2) &&
                    !parse_head(d, l2.start, l2.end, &h)) {
                    text_s = l2.start;
                    text_e = l2.end;
                    pos = p2;
                    number = n2;
                } else {
                    text_s = text_e = ln.end;
                    cur->text_line = ln.number;
                    cur->text_col = (unsigned)ts_utf8_count(d + ln.start, ln.end - ln.start) + 1;
                }
            } else {
                text_s = h.text_s;
                text_e = ln.end;
                cur->text_line = ln.number;
                cur->text_col = (unsigned)ts_utf8_count(d + ln.start, h.text_s - ln.start) + 1;
            }
            cur->raw_head_len = (uint32_t)(text_s - ln.start);
            open = 1;
            continue;
        }
        if (!cur) {
            t->header_len = ln.next;
            continue;
        }
        if (!open && text_e > text_s) {
            /* a new paragraph of the same speaker: part of the text */
        }
        if (text_e == text_s && text_s <= ln.start) {
            /* heading whose text starts after blank lines */
            cur->raw_head_len = (uint32_t)(ln.start - (size_t)(cur->raw_head - d));
            text_s = ln.start;
            cur->text_line = ln.number;
            cur->text_col = 1;
        }
        text_e = ln.end;
        open = 1;
    }
    CLOSE();
    if (cur) cur->raw_tail_len = (uint32_t)(len - text_e);
    if (!t->n) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "no 'Name: text' line or speaker heading found");
        return TS_ERR_INPUT;
    }
    for (size_t i = 0; i < t->n; i++) {
        ts_segment *s = &t->segs[i];
        if (!timed) continue;
        if (s->start.kind == TS_TC_NONE) {
            /* an unstamped segment inherits the previous time */
            s->start = i ? t->segs[i - 1].start : (ts_timecode){0, 3, TS_TC_MS, 0, '.'};
        } else if (i && ts_tc_compare(&s->start, &t->segs[i - 1].start) < 0) {
            nm_seg *fd = s->fmt_data;
            unsigned col = fd->stamp_off + 1;
            ts_diag_emit(ctx, t->name, s->line, col, TS_SEV_ERROR, TS_DIAG_ORDER,
                         "time stamp before the previous one");
            return TS_ERR_INPUT;
        }
    }
    for (size_t i = 0; i < t->n && timed; i++) {
        t->segs[i].end = i + 1 < t->n ? t->segs[i + 1].start : t->segs[i].start;
        t->segs[i].flags |= TS_SEG_END_GUESSED;
    }
    return TS_OK;
#undef CLOSE
}

static size_t format_stamp(const ts_timecode *tc, int hours, int frac, char *b)
{
    double sec = ts_tc_seconds(tc);
    long long ms = llround((sec < 0 ? 0 : sec) * 1000.0);
    long long s = ms / 1000, h = s / 3600, m = (s / 60) % 60;
    int n;
    if (hours || h) n = snprintf(b, 32, "%02lld:%02lld:%02lld", h, m, s % 60);
    else n = snprintf(b, 32, "%02lld:%02lld", m, s % 60);
    if (frac) n += snprintf(b + n, 32 - (size_t)n, "%c%03lld", frac, ms % 1000);
    return (size_t)n;
}

static ts_status write_names(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    int native = t->format == &ts_fmt_names;
    const char *eol = t->eol;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) ts_out_write(o, t->header, t->header_len);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const nm_seg *fd = native ? s->fmt_data : NULL;
        char b[32];
        if (fd && s->raw_head) {
            /* splice a changed name or stamp where the old one stood */
            int ns = (s->flags & TS_SEG_SPEAKER_DIRTY) && fd->name_len;
            int ts = (s->flags & TS_SEG_TIMING_DIRTY) && fd->stamp_len;
            struct part { uint32_t off, len; int which; } part[2] = {
                {fd->name_off, fd->name_len, ns ? 1 : 0}, {fd->stamp_off, fd->stamp_len, ts ? 2 : 0}};
            if (part[1].off < part[0].off) {
                struct part x = part[0];
                part[0] = part[1];
                part[1] = x;
            }
            uint32_t at = 0;
            for (int k = 0; k < 2; k++) {
                if (!part[k].which) continue;
                ts_out_write(o, s->raw_head + at, part[k].off - at);
                if (part[k].which == 1) ts_out_write(o, s->speaker, s->speaker_len);
                else ts_out_write(o, b, format_stamp(&s->start, fd->stamp_hours, fd->stamp_ms, b));
                at = part[k].off + part[k].len;
            }
            ts_out_write(o, s->raw_head + at, s->raw_head_len - at);
        } else {
            if (s->start.kind != TS_TC_NONE) {
                ts_out_puts(o, "[");
                ts_out_write(o, b, format_stamp(&s->start, 1, 0, b));
                ts_out_puts(o, "] ");
            }
            if (s->speaker_len) {
                ts_out_write(o, s->speaker, s->speaker_len);
                ts_out_puts(o, ": ");
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

static int sniff_names(const char *d, size_t n)
{
    size_t pos = 0, lim = n < 65536 ? n : 65536;
    unsigned number = 0, heads = 0, lines = 0;
    ts_line ln;
    while (ts_next_line(d, lim, &pos, &number, &ln) && number < 200) {
        if (blank(d, &ln)) continue;
        lines++;
        head h;
        if (parse_head(d, ln.start, ln.end, &h)) heads++;
    }
    if (heads >= 2 && heads * 4 >= lines) return 50;
    if (heads >= 1 && heads * 2 >= lines) return 40;
    return 0;
}

const ts_format ts_fmt_names = {
    .info = {"names", "'Name: text' transcripts (Otter, Descript, Trint, Sonix, Rev, hand-made)",
             "txt", "'Name: text' lines or 'Name  0:00' headings on a quarter of the first "
                    "200 non-blank lines (at least two)"},
    .sniff = sniff_names,
    .read = read_names,
    .write = write_names,
};
