/*
 * out.c - the buffered writer behind every format writer.
 */
#include "out.h"

#include <string.h>

void ts_out_init(ts_out *o, ts_write_fn fn, void *ud)
{
    o->fn = fn;
    o->ud = ud;
    o->len = 0;
    o->err = 0;
}

void ts_out_write(ts_out *o, const char *p, size_t n)
{
    if (o->err) return;
    if (o->len + n > sizeof o->buf) {
        if (ts_out_flush(o)) return;
        if (n >= sizeof o->buf) {
            if (o->fn(o->ud, p, n)) o->err = 1;
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void ts_out_puts(ts_out *o, const char *s) { ts_out_write(o, s, strlen(s)); }

int ts_out_flush(ts_out *o)
{
    if (!o->err && o->len) {
        if (o->fn(o->ud, o->buf, o->len)) o->err = 1;
    }
    o->len = 0;
    return o->err;
}
