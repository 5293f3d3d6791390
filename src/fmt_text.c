/*
 * fmt_text.c - plain text: one segment per line, or per paragraph (blank
 * line separated) when the context asks for paragraphs.  No timing, no
 * speakers: any text can be piped through the passes.
 *
 * Blank lines belong to the segment before them (its raw tail), or to the
 * header when the file starts with them, so a round trip is byte for byte.
 * Normalised: a file mixing LF and CRLF inside a paragraph is written with
 * the line ending of its first line.
 */
#include <string.h>

#include "context.h"
#include "fmt.h"

static int blank(const char *d, const ts_line *l)
{
    for (size_t i = l->start; i < l->end; i++)
        if (d[i] != ' ' && d[i] != '\t') return 0;
    return 1;
}

static ts_status read_text(ts_context *ctx, ts_transcript *t)
{
    const char *d = t->input;
    size_t len = t->input_len, pos = 0;
    unsigned number = 0;
    ts_line ln;
    ts_segment *cur = NULL;
    int open = 0; /* the previous line was text: a paragraph goes on */
    const char *nl = memchr(d, '\n', len);
    if (nl && nl > d && nl[-1] == '\r') t->eol = "\r\n";
    t->header = d;
    t->header_len = 0;
    while (ts_next_line(d, len, &pos, &number, &ln)) {
        if (blank(d, &ln)) {
            if (cur) cur->raw_tail_len = (uint32_t)(ln.next - (size_t)(cur->raw_tail - d));
            else t->header_len = ln.next;
            open = 0;
            continue;
        }
        if (cur && ctx->paragraphs && open) {
            /* Next line of the same paragraph. */
            size_t s = (size_t)(cur->text - d);
            if (memchr(d + s, '\r', ln.end - s)) {
                /* CRLF inside a paragraph: copy without the CRs. */
                char *x = ts_arena_alloc(&t->arena, ln.end - s + 1);
                if (!x) return TS_ERR_NOMEM;
                size_t w = 0;
                for (size_t k = s; k < ln.end; k++)
                    if (!(d[k] == '\r' && k + 1 < ln.end && d[k + 1] == '\n')) x[w++] = d[k];
                x[w] = '\0';
                cur->text = x;
                cur->text_len = (uint32_t)w;
                cur->flags |= TS_SEG_MAP_LOST;
            } else {
                cur->text_len = (uint32_t)(ln.end - s);
            }
            cur->orig_text = cur->text;
            cur->orig_len = cur->text_len;
            cur->raw_tail = d + ln.end;
            cur->raw_tail_len = (uint32_t)(ln.next - ln.end);
            continue;
        }
        open = 1;
        cur = ts_transcript_push(t);
        if (!cur) return TS_ERR_NOMEM;
        cur->text = d + ln.start;
        cur->text_len = (uint32_t)(ln.end - ln.start);
        cur->orig_text = cur->text;
        cur->orig_len = cur->text_len;
        cur->speaker = "";
        cur->flags = TS_SEG_NO_SPEAKER;
        cur->line = cur->text_line = ln.number;
        cur->text_col = 1;
        cur->raw_tail = d + ln.end;
        cur->raw_tail_len = (uint32_t)(ln.next - ln.end);
    }
    return TS_OK;
}

static ts_status write_text(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    int native = t->format == &ts_fmt_text;
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    if (native) ts_out_write(o, t->header, t->header_len);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const char *p = s->text;
        size_t n = s->text_len;
        for (const char *q; (q = memchr(p, '\n', n));) {
            ts_out_write(o, p, (size_t)(q - p));
            ts_out_puts(o, t->eol);
            n -= (size_t)(q - p) + 1;
            p = q + 1;
        }
        ts_out_write(o, p, n);
        if (native && s->raw_tail) {
            ts_out_write(o, s->raw_tail, s->raw_tail_len);
            /* A line that ended the file without a newline may have been
             * moved before others. */
            if (i + 1 < t->n && (s->raw_tail_len ? s->raw_tail[s->raw_tail_len - 1] != '\n'
                                                 : s->text_len > 0))
                ts_out_puts(o, t->eol);
        } else {
            ts_out_puts(o, t->eol);
        }
    }
    return TS_OK;
}

static int sniff_text(const char *d, size_t n)
{
    (void)d;
    (void)n;
    return 1; /* anything is text; every other format outbids it */
}

const ts_format ts_fmt_text = {
    .info = {"text", "plain text, one segment per line (per paragraph with --paragraphs)",
             "txt text", "anything no other format claims"},
    .sniff = sniff_text,
    .read = read_text,
    .write = write_text,
};
