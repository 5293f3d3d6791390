/*
 * fmtkit.c - helpers shared by format modules (see fmtkit.h).
 *
 * The speaker-prefix test is deliberately narrow: a false speaker would
 * move words out of the text, so a prefix must look like a name (capitalised
 * words, no sentence punctuation) and callers also require it to recur.
 */
#include "fmtkit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static int is_particle(const char *p, size_t n)
{
    static const char *const particles[] = {"de", "van", "der", "von", "da", "di", "le",
                                            "la", "del", "du", "dos", "bin", "al"};
    for (size_t i = 0; i < sizeof particles / sizeof particles[0]; i++)
        if (strlen(particles[i]) == n && memcmp(particles[i], p, n) == 0) return 1;
    return 0;
}

/* A diarization label such as "spk_0" or "speaker_12": lower case, but a
 * name all the same. */
static int is_diar_label(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= 'a' && p[i] <= 'z') i++;
    if (i == 0 || i == n || p[i] != '_') return 0;
    size_t d = ++i;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    return i == n && i > d;
}

size_t ts_kit_name_prefix(const char *p, size_t n, size_t *name_len)
{
    size_t lim = n < 41 ? n : 41, i = 0;
    int words = 0;
    while (i < lim && p[i] != ':') {
        /* one word */
        size_t ws = i;
        while (i < lim && p[i] != ' ' && p[i] != ':') {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x80 && !(c == '.' || c == '-' || c == '\'' || c == '_' ||
                              (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                              (c >= 'a' && c <= 'z')))
                return 0;
            i++;
        }
        if (i == ws) return 0;
        size_t l;
        int32_t cp = ts_utf8_decode(p + ws, i - ws, &l);
        if (words == 0 && is_diar_label(p + ws, i - ws)) cp = 'A';
        if (words == 0 ? !ts_cp_is_upper(cp)
                       : !(ts_cp_is_upper(cp) || ts_cp_is_digit(cp) || is_particle(p + ws, i - ws)))
            return 0;
        if (++words > 4) return 0;
        if (i < lim && p[i] == ' ') {
            i++;
            if (i < lim && p[i] == ' ') return 0;
        }
    }
    if (i >= lim || p[i] != ':' || words == 0 || p[i - 1] == ' ') return 0;
    *name_len = i;
    i++;
    if (i < n && p[i] != ' ' && p[i] != '\t') return 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    return i;
}

void ts_kit_write_text(ts_out *o, const char *p, size_t n, const char *eol)
{
    if (eol[0] == '\n' && eol[1] == '\0') {
        ts_out_write(o, p, n);
        return;
    }
    for (const char *q; (q = memchr(p, '\n', n));) {
        ts_out_write(o, p, (size_t)(q - p));
        ts_out_puts(o, eol);
        n -= (size_t)(q - p) + 1;
        p = q + 1;
    }
    ts_out_write(o, p, n);
}

const char *ts_kit_strip_cr(ts_arena *a, const char *d, size_t s, size_t e, uint32_t *len)
{
    if (!memchr(d + s, '\r', e - s)) {
        *len = (uint32_t)(e - s);
        return d + s;
    }
    char *x = ts_arena_alloc(a, e - s + 1);
    if (!x) return NULL;
    size_t w = 0;
    for (size_t k = s; k < e; k++) {
        if (d[k] == '\r') {
            if (k + 1 < e && d[k + 1] == '\n') continue;
            x[w++] = '\n';
        } else {
            x[w++] = d[k];
        }
    }
    x[w] = '\0';
    *len = (uint32_t)w;
    return x;
}

void ts_kit_take_speaker(ts_segment *sg, size_t name_len, size_t pl)
{
    sg->speaker = sg->text;
    sg->speaker_len = (uint32_t)name_len;
    sg->flags &= ~(uint32_t)TS_SEG_NO_SPEAKER;
    sg->text += pl;
    sg->text_len -= (uint32_t)pl;
    sg->orig_text = sg->text;
    sg->orig_len = sg->text_len;
    sg->text_col += (unsigned)ts_utf8_count(sg->speaker, pl);
    sg->raw_head_len += (uint32_t)pl;
}

int ts_kit_set_text(ts_transcript *t, ts_segment *sg, size_t s, size_t e, unsigned line,
                    unsigned col)
{
    uint32_t n;
    const char *x = ts_kit_strip_cr(&t->arena, t->input, s, e, &n);
    if (!x) return -1;
    sg->text = sg->orig_text = x;
    sg->text_len = sg->orig_len = n;
    sg->text_line = line;
    sg->text_col = col;
    return 0;
}

int ts_kit_names_add(ts_kit_names *s, const char *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].n == n && memcmp(s->v[i].p, p, n) == 0) {
            s->v[i].count++;
            return 0;
        }
    if (s->n >= 65536) return 0; /* bounded: a hostile file cannot grow it without end */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct ts_kit_name *v = realloc(s->v, cap * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct ts_kit_name){p, (uint32_t)n, 1};
    return 0;
}

unsigned ts_kit_names_count(const ts_kit_names *s, const char *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].n == n && memcmp(s->v[i].p, p, n) == 0) return s->v[i].count;
    return 0;
}

void ts_kit_names_release(ts_kit_names *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

size_t ts_kit_format_seconds(double sec, char out[32])
{
    if (!(sec >= 0)) sec = 0;
    long long ms = llround(sec * 1000.0);
    int n;
    if (ms % 1000 == 0) n = snprintf(out, 32, "%lld", ms / 1000);
    else if (ms % 100 == 0) n = snprintf(out, 32, "%lld.%01lld", ms / 1000, (ms % 1000) / 100);
    else if (ms % 10 == 0) n = snprintf(out, 32, "%lld.%02lld", ms / 1000, (ms % 1000) / 10);
    else n = snprintf(out, 32, "%lld.%03lld", ms / 1000, ms % 1000);
    return n < 0 ? 0 : (size_t)n;
}

int ts_kit_names_common(const ts_kit_names *s, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++) total += s->v[i].count;
    return total >= 2 && 2 * total >= n;
}

int ts_kit_plain_decimal(const char *p, size_t n, double *out)
{
    /* Up to 15 digits are exact in a double, and so is 10^k for k <= 15,
     * so their quotient is the correctly rounded value strtod gives. */
    static const double pow10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    uint64_t m = 0;
    size_t i = 0;
    int digits = 0, scale = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9' && digits < 16; i++, digits++) m = m * 10 + (uint64_t)(p[i] - '0');
    if (i + 1 < n && p[i] == '.' && p[i + 1] >= '0' && p[i + 1] <= '9')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9' && digits < 16; i++, digits++, scale++)
            m = m * 10 + (uint64_t)(p[i] - '0');
    if (i != n || digits == 0 || digits > 15) return -1;
    *out = (double)m / pow10[scale];
    return 0;
}
