/*
 * transcript.c - construction of transcripts and the mapping of text
 * offsets back to source positions.
 *
 * Mapping walks the segment's shifts backwards: an offset after a
 * replacement moves by the replacement's change in length, an offset inside
 * one maps to its start.  Segments rarely see more than a handful of
 * replacements, so the walk is cheap and needs no extra index.
 */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "utf8.h"

ts_transcript *ts_transcript_new(const char *name, char *input, size_t input_len)
{
    ts_transcript *t = calloc(1, sizeof *t);
    if (!t) {
        free(input);
        return NULL;
    }
    ts_arena_init(&t->arena);
    t->input = input;
    t->input_len = input_len;
    t->eol = "\n";
    t->name = ts_arena_strdup(&t->arena, name ? name : "-");
    if (!t->name) {
        ts_transcript_free(t);
        return NULL;
    }
    return t;
}

void ts_transcript_free(ts_transcript *t)
{
    if (!t) return;
    if (t->format && t->format->release) t->format->release(t);
    free(t->segs);
    free(t->input);
    ts_arena_release(&t->arena);
    free(t);
}

int ts_transcript_reserve(ts_transcript *t, size_t n)
{
    if (n <= t->cap) return 0;
    ts_segment *p = realloc(t->segs, n * sizeof *p);
    if (!p) return -1;
    t->segs = p;
    t->cap = n;
    return 0;
}

ts_segment *ts_transcript_push(ts_transcript *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        ts_segment *p = realloc(t->segs, cap * sizeof *p);
        if (!p) return NULL;
        t->segs = p;
        t->cap = cap;
    }
    ts_segment *s = &t->segs[t->n++];
    memset(s, 0, sizeof *s);
    return s;
}

const char *ts_transcript_format(const ts_transcript *t) { return t->format ? t->format->info.name : ""; }

size_t ts_transcript_segment_count(const ts_transcript *t) { return t->n; }

bool ts_transcript_segment(const ts_transcript *t, size_t i, ts_segment_view *out)
{
    if (i >= t->n) return false;
    const ts_segment *s = &t->segs[i];
    out->start = ts_tc_seconds(&s->start);
    out->end = ts_tc_seconds(&s->end);
    out->speaker = s->speaker;
    out->speaker_len = s->speaker_len;
    out->text = s->text;
    out->text_len = s->text_len;
    out->line = s->line;
    return true;
}

void ts_pos_cursor_init(const ts_segment *s, ts_pos_cursor *c)
{
    c->orig_off = 0;
    c->line_start = 0;
    c->line = s->text_line;
    c->cols = 0;
}

void ts_segment_source_pos_at(const ts_segment *s, uint32_t off, ts_pos_cursor *c,
                              unsigned *line, unsigned *col)
{
    if (s->flags & TS_SEG_MAP_LOST) {
        *line = s->text_line;
        *col = s->text_col;
        return;
    }
    for (uint32_t k = s->n_shifts; k-- > 0;) {
        const ts_shift *sh = &s->shifts[k];
        if (off >= sh->at + sh->new_len) off = off - sh->new_len + sh->old_len;
        else if (off > sh->at) off = sh->at;
    }
    if (off > s->orig_len) off = s->orig_len;
    if (off < c->orig_off) ts_pos_cursor_init(s, c);
    const char *p = s->orig_text;
    uint32_t i = c->orig_off;
    for (const char *nl; (nl = memchr(p + i, '\n', off - i));) {
        c->line++;
        i = c->line_start = (uint32_t)(nl - p) + 1;
        c->cols = 0;
    }
    c->cols += (unsigned)ts_utf8_count(p + i, off - i);
    c->orig_off = off;
    *line = c->line;
    *col = (c->line == s->text_line ? s->text_col : 1) + c->cols;
}

void ts_segment_source_pos(const ts_segment *s, uint32_t off, unsigned *line, unsigned *col)
{
    ts_pos_cursor c;
    ts_pos_cursor_init(s, &c);
    ts_segment_source_pos_at(s, off, &c, line, col);
}

int ts_segment_grow_shifts(ts_transcript *t, ts_segment *s, uint32_t k)
{
    ts_shift *p = ts_arena_alloc(&t->arena, ((size_t)s->n_shifts + k) * sizeof *p);
    if (!p) return -1;
    if (s->n_shifts) memcpy(p, s->shifts, s->n_shifts * sizeof *p);
    s->shifts = p;
    return 0;
}

int ts_segment_add_shift(ts_transcript *t, ts_segment *s, uint32_t at, uint32_t old_len,
                         uint32_t new_len)
{
    if (ts_segment_grow_shifts(t, s, 1)) return -1;
    s->shifts[s->n_shifts++] = (ts_shift){at, old_len, new_len};
    return 0;
}
