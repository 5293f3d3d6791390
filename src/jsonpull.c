/*
 * jsonpull.c - the pull tokenizer (see jsonpull.h).
 *
 * The grammar is a small state machine (`need`) plus the stack of open
 * containers; no recursion, so hostile nesting costs nothing but the depth
 * check.  Hot paths are the string scan (a byte-class table) and numbers of
 * the "12.345" kind (exact without strtod, via ts_kit_plain_decimal).
 */
#include "jsonpull.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmtkit.h"
#include "utf8.h"

enum {
    NEED_VALUE,          /* a value (top level, after ':' or after ',' in an array) */
    NEED_VALUE_OR_END,   /* after '[' */
    NEED_KEY,            /* after ',' in an object */
    NEED_KEY_OR_END,     /* after '{' */
    NEED_SEP,            /* after a value in a container: ',' or the closing bracket */
    NEED_EOF,            /* after the top-level value */
};

/* Bytes that end the fast part of a string scan: '"', '\\', controls,
 * and non-ASCII (checked as UTF-8). */
static const unsigned char str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

void ts_jp_init(ts_jp *p, const char *d, size_t len)
{
    memset(p, 0, sizeof *p);
    p->d = d;
    p->len = len;
    p->need = NEED_VALUE;
    p->line = p->tok_line = p->col = 1;
}

static ts_jp_token fail(ts_jp *p, size_t at, const char *why)
{
    if (p->tok != TS_JP_ERROR) {
        p->err_at = at;
        if (at >= p->len) snprintf(p->err, sizeof p->err, "%s (the file ends too early)", why);
        else if ((unsigned char)p->d[at] >= 0x20 && (unsigned char)p->d[at] < 0x7F)
            snprintf(p->err, sizeof p->err, "%s, found '%c'", why, p->d[at]);
        else snprintf(p->err, sizeof p->err, "%s, found byte 0x%02X", why, (unsigned char)p->d[at]);
    }
    return p->tok = TS_JP_ERROR;
}

static void skip_ws(ts_jp *p)
{
    const char *d = p->d;
    size_t i = p->pos, n = p->len;
    while (i < n) {
        char c = d[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '\n') {
            i++;
            p->line++;
            p->line_start = i;
        } else {
            break;
        }
    }
    p->pos = i;
}

static int hex4(const char *d, size_t i, size_t n)
{
    if (i + 4 > n) return -1;
    int v = 0;
    for (size_t k = i; k < i + 4; k++) {
        char c = d[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

/* Decodes the escape at d[i] ('\\') of a string already checked by
 * scan_string: the code point, *adv set to the escape's length. */
static int32_t unescape(const char *d, size_t i, size_t n, size_t *adv)
{
    *adv = 2;
    switch (d[i + 1]) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'u': {
        int32_t cp = hex4(d, i + 2, n);
        *adv = 6;
        if (cp >= 0xD800 && cp < 0xDC00) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(d, i + 8, n) - 0xDC00);
            *adv = 12;
        }
        return cp;
    }
    default: return (unsigned char)d[i + 1]; /* '"', '\\', '/' */
    }
}

/* Scans the string whose opening quote is at p->pos. */
static int scan_string(ts_jp *p)
{
    const char *d = p->d;
    size_t n = p->len, i = p->pos + 1;
    p->s = i;
    p->escaped = 0;
    for (;;) {
        while (i < n && !str_stop[(unsigned char)d[i]]) i++;
        if (i >= n) return fail(p, n, "unterminated string"), -1;
        unsigned char c = (unsigned char)d[i];
        if (c == '"') break;
        if (c == '\\') {
            p->escaped = 1;
            if (i + 1 >= n) return fail(p, n, "unterminated string"), -1;
            char x = d[i + 1];
            if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't') {
                i += 2;
                continue;
            }
            if (x != 'u') return fail(p, i, "invalid escape in string"), -1;
            int cp = hex4(d, i + 2, n);
            if (cp < 0) return fail(p, i, "invalid \\u escape in string"), -1;
            if (cp == 0) return fail(p, i, "\\u0000 (NUL) in string"), -1;
            if (cp >= 0xDC00 && cp < 0xE000) return fail(p, i, "lone low surrogate in string"), -1;
            if (cp >= 0xD800 && cp < 0xDC00) {
                int lo = i + 12 <= n && d[i + 6] == '\\' && d[i + 7] == 'u' ? hex4(d, i + 8, n) : -1;
                if (lo < 0xDC00 || lo >= 0xE000) return fail(p, i, "high surrogate without its low half in string"), -1;
                i += 12;
            } else {
                i += 6;
            }
            continue;
        }
        if (c < 0x20) return fail(p, i, "control character in string"), -1;
        /* non-ASCII: one valid UTF-8 sequence */
        size_t len;
        if (ts_utf8_decode(d + i, n - i, &len) < 0) return fail(p, i, "invalid UTF-8 in string"), -1;
        i += len;
    }
    p->e = i;
    p->pos = i + 1;
    return 0;
}

static int scan_number(ts_jp *p)
{
    const char *d = p->d;
    size_t n = p->len, i = p->pos, start = i;
    int neg = 0;
    if (d[i] == '-') neg = 1, i++;
    size_t ds = i;
    if (i < n && d[i] == '0') i++;
    else if (i < n && d[i] >= '1' && d[i] <= '9')
        while (i < n && d[i] >= '0' && d[i] <= '9') i++;
    else return fail(p, i, "invalid number"), -1;
    size_t int_end = i;
    p->is_int = 1;
    if (i < n && d[i] == '.') {
        i++;
        if (i >= n || d[i] < '0' || d[i] > '9') return fail(p, i, "invalid number: no digit after '.'"), -1;
        while (i < n && d[i] >= '0' && d[i] <= '9') i++;
        p->is_int = 0;
    }
    if (i < n && (d[i] == 'e' || d[i] == 'E')) {
        i++;
        if (i < n && (d[i] == '+' || d[i] == '-')) i++;
        if (i >= n || d[i] < '0' || d[i] > '9') return fail(p, i, "invalid number: no digit in the exponent"), -1;
        while (i < n && d[i] >= '0' && d[i] <= '9') i++;
        p->is_int = 0;
    }
    p->pos = i;
    if (p->is_int) {
        /* exact, or an error like any JSON reader that keeps integers */
        uint64_t m = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t k = ds; k < int_end; k++) {
            unsigned dg = (unsigned)(d[k] - '0');
            if (m > (lim - dg) / 10) return fail(p, start, "integer out of range"), -1;
            m = m * 10 + dg;
        }
        p->ival = neg ? (int64_t)(0 - m) : (int64_t)m;
        p->num = (double)p->ival;
        return 0;
    }
    double x;
    if (ts_kit_plain_decimal(d + ds, i - ds, &x) == 0) {
        p->num = neg ? -x : x;
        return 0;
    }
    char small[64], *buf = small;
    if (i - start >= sizeof small && !(buf = malloc(i - start + 1))) return fail(p, start, "number too long (out of memory)"), -1;
    memcpy(buf, d + start, i - start);
    buf[i - start] = '\0';
    x = strtod(buf, NULL);
    if (buf != small) free(buf);
    if (isinf(x)) return fail(p, start, "number out of range"), -1;
    p->num = x;
    return 0;
}

static void after_value(ts_jp *p)
{
    p->need = p->depth ? NEED_SEP : NEED_EOF;
}

static ts_jp_token open_container(ts_jp *p, int object)
{
    if (p->depth >= TS_JP_MAX_DEPTH) {
        p->err_at = p->pos;
        snprintf(p->err, sizeof p->err, "JSON nested deeper than %d levels", TS_JP_MAX_DEPTH);
        return p->tok = TS_JP_ERROR;
    }
    p->in_object[++p->depth] = (unsigned char)object;
    p->pos++;
    p->need = object ? NEED_KEY_OR_END : NEED_VALUE_OR_END;
    return p->tok = object ? TS_JP_OBJECT : TS_JP_ARRAY;
}

static ts_jp_token close_container(ts_jp *p)
{
    int object = p->in_object[p->depth--];
    p->pos++;
    after_value(p);
    return p->tok = object ? TS_JP_OBJECT_END : TS_JP_ARRAY_END;
}

static ts_jp_token literal(ts_jp *p, const char *word, size_t n, ts_jp_token tok)
{
    if (p->len - p->pos < n || memcmp(p->d + p->pos, word, n) != 0) return fail(p, p->pos, "invalid literal");
    p->pos += n;
    after_value(p);
    return p->tok = tok;
}

ts_jp_token ts_jp_next(ts_jp *p)
{
    if (p->tok == TS_JP_ERROR) return TS_JP_ERROR;
    skip_ws(p);
    const char *d = p->d;
    if (p->need == NEED_SEP) {
        int object = p->in_object[p->depth];
        if (p->pos >= p->len) return fail(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
        char c = d[p->pos];
        p->tok_line = p->line;
        p->tok_line_start = p->line_start;
        p->at = p->pos;
        if (c == (object ? '}' : ']')) return close_container(p);
        if (c != ',') return fail(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
        p->pos++;
        skip_ws(p);
        p->need = object ? NEED_KEY : NEED_VALUE;
    }
    p->tok_line = p->line;
    p->tok_line_start = p->line_start;
    p->at = p->pos;
    if (p->need == NEED_EOF) {
        if (p->pos < p->len) return fail(p, p->pos, "expected the end of the document");
        return p->tok = TS_JP_EOF;
    }
    if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of the document");
    char c = d[p->pos];
    if (p->need == NEED_KEY || p->need == NEED_KEY_OR_END) {
        if (c == '}' && p->need == NEED_KEY_OR_END) return close_container(p);
        if (c != '"') return fail(p, p->pos, p->need == NEED_KEY ? "expected a string key" : "expected a string key or '}'");
        if (scan_string(p)) return TS_JP_ERROR;
        skip_ws(p);
        if (p->pos >= p->len || d[p->pos] != ':') return fail(p, p->pos, "expected ':' after the key");
        p->pos++;
        p->need = NEED_VALUE;
        return p->tok = TS_JP_KEY;
    }
    if (c == ']' && p->need == NEED_VALUE_OR_END) return close_container(p);
    switch (c) {
    case '{': return open_container(p, 1);
    case '[': return open_container(p, 0);
    case '"':
        if (scan_string(p)) return TS_JP_ERROR;
        after_value(p);
        return p->tok = TS_JP_STRING;
    case 't': return literal(p, "true", 4, TS_JP_TRUE);
    case 'f': return literal(p, "false", 5, TS_JP_FALSE);
    case 'n': return literal(p, "null", 4, TS_JP_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            if (scan_number(p)) return TS_JP_ERROR;
            after_value(p);
            return p->tok = TS_JP_NUMBER;
        }
        return fail(p, p->pos, "expected a value");
    }
}

int ts_jp_skip(ts_jp *p)
{
    if (p->tok == TS_JP_ERROR) return -1;
    if (p->tok != TS_JP_OBJECT && p->tok != TS_JP_ARRAY) return 0;
    unsigned base = p->depth - 1;
    while (p->depth > base) {
        ts_jp_token t = ts_jp_next(p);
        if (t == TS_JP_ERROR) return -1;
    }
    return 0;
}

int ts_jp_skip_value(ts_jp *p)
{
    if (ts_jp_next(p) == TS_JP_ERROR) return -1;
    return ts_jp_skip(p);
}

int ts_jp_is(const ts_jp *p, const char *s, size_t n)
{
    if (!p->escaped) return p->e - p->s == n && memcmp(p->d + p->s, s, n) == 0;
    size_t k = 0;
    for (size_t i = p->s; i < p->e;) {
        char buf[4];
        size_t adv = 1, bl = 1;
        if (p->d[i] == '\\') {
            bl = ts_utf8_encode(unescape(p->d, i, p->e, &adv), buf);
        } else {
            buf[0] = p->d[i];
        }
        if (k + bl > n || memcmp(s + k, buf, bl) != 0) return 0;
        k += bl;
        i += adv;
    }
    return k == n;
}

const char *ts_jp_string(const ts_jp *p, ts_arena *a, size_t *n)
{
    if (!p->escaped) {
        *n = p->e - p->s;
        return p->d + p->s;
    }
    /* decoding never lengthens: an escape of 2, 6 or 12 bytes gives at
     * most 1, 3 or 4 */
    char *out = ts_arena_alloc_bytes(a, p->e - p->s + 1);
    if (!out) return NULL;
    size_t k = 0;
    for (size_t i = p->s; i < p->e;) {
        const char *q = memchr(p->d + i, '\\', p->e - i);
        size_t run = (q ? (size_t)(q - p->d) : p->e) - i;
        memcpy(out + k, p->d + i, run);
        k += run;
        i += run;
        if (!q) break;
        size_t adv;
        k += ts_utf8_encode(unescape(p->d, i, p->e, &adv), out + k);
        i += adv;
    }
    out[k] = '\0';
    *n = k;
    return out;
}

void ts_jp_token_pos(ts_jp *p, unsigned *line, unsigned *col)
{
    size_t off = p->tok == TS_JP_STRING || p->tok == TS_JP_KEY ? p->s : p->at;
    if (p->col_at < p->tok_line_start || p->col_at > off) {
        p->col_at = p->tok_line_start;
        p->col = 1;
    }
    const char *d = p->d;
    unsigned c = p->col;
    for (size_t i = p->col_at; i < off; i++) c += ((unsigned char)d[i] & 0xC0) != 0x80;
    p->col_at = off;
    p->col = c;
    *line = p->tok_line;
    *col = c;
}
