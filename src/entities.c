/*
 * entities.c - decoding HTML character references.
 *
 * A reference is '&', an optional '#', 1 to 32 ASCII letters or digits and
 * a ';' (the closing semicolon is required: "AT&T;" style text without it
 * is far more common than a legacy reference).  Names are looked up in a
 * sorted table; numbers are decimal or, after 'x', hexadecimal.
 */
#include "entities.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#include "encoding_html-entities.inc"

typedef struct {
    const char *name;   /* into the compiled-in text, not terminated */
    uint8_t name_len;
    uint8_t n;
    int32_t cp[3];
} entity;

struct ts_entities {
    entity *v;
    size_t n;
};

static int cmp_entity(const void *a, const void *b)
{
    const entity *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (int)x->name_len - (int)y->name_len;
}

ts_entities *ts_entities_new(void)
{
    ts_entities *e = calloc(1, sizeof *e);
    const char *d = encoding_html_entities_txt;
    size_t lines = 0;
    for (const char *p = d; *p; p++) lines += *p == '\n';
    if (!e || !(e->v = calloc(lines ? lines : 1, sizeof *e->v))) goto fail;
    while (*d) {
        const char *nl = strchr(d, '\n'), *sp = strchr(d, ' ');
        if (!nl || !sp || sp > nl || sp - d > 32) goto fail;
        entity *x = &e->v[e->n];
        x->name = d;
        x->name_len = (uint8_t)(sp - d);
        const char *p = sp;
        while (p < nl && x->n < 3) {
            char *end;
            long v = strtol(p, &end, 16);
            if (end == p || v <= 0 || v > 0x10FFFF) goto fail;
            x->cp[x->n++] = (int32_t)v;
            p = end;
        }
        e->n++;
        d = nl + 1;
    }
    qsort(e->v, e->n, sizeof *e->v, cmp_entity);
    return e;
fail:
    ts_entities_free(e);
    return NULL;
}

void ts_entities_free(ts_entities *e)
{
    if (!e) return;
    free(e->v);
    free(e);
}

static int alnum(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

size_t ts_entities_decode(const ts_entities *e, const char *s, size_t n, char *out, size_t *out_len)
{
    if (n < 3 || s[0] != '&') return 0;
    size_t i = s[1] == '#' ? 2 : 1, b = i;
    while (i < n && i - b < 33 && alnum(s[i])) i++;
    if (i == b || i >= n || s[i] != ';' || i - b > 32) return 0;
    size_t len = i + 1;
    *out_len = 0;
    if (b == 2) {
        int32_t v = 0;
        size_t k = b;
        int base = 10;
        if ((s[k] | 0x20) == 'x') {
            base = 16;
            k++;
        }
        if (k == i) return 0;
        for (; k < i; k++) {
            int d;
            char c = s[k];
            if (c >= '0' && c <= '9') d = c - '0';
            else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
            else return 0;
            v = v * base + d;
            if (v > 0x10FFFF) return 0;
        }
        if (v >= 0x80 && v < 0xA0) v = ts_cp1252_decode((unsigned char)v);
        if (v == 0 || (v < 0x20 && v != '\t' && v != '\n') || v == 0x7F ||
            (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *out_len = ts_utf8_encode(v, out);
        return *out_len ? len : 0;
    }
    entity key = {s + 1, (uint8_t)(i - 1), 0, {0}};
    const entity *x = bsearch(&key, e->v, e->n, sizeof *e->v, cmp_entity);
    if (!x) return 0;
    for (uint8_t k = 0; k < x->n; k++) *out_len += ts_utf8_encode(x->cp[k], out + *out_len);
    return len;
}
