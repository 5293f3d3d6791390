/*
 * out.h - buffered output through a ts_write_fn.
 *
 * Writers emit many small pieces; batching them into 64 KiB chunks keeps
 * the callback cost negligible.  The first write error sticks, and every
 * later write is a no-op, so writers check once at the end.
 */
#ifndef TS_OUT_H
#define TS_OUT_H

#include <stddef.h>

#include "tscrub.h"

#define TS_OUT_BUFSIZE 65536

typedef struct {
    ts_write_fn fn;
    void *ud;
    size_t len;
    int err;
    char buf[TS_OUT_BUFSIZE];
} ts_out;

void ts_out_init(ts_out *o, ts_write_fn fn, void *ud);
void ts_out_write(ts_out *o, const char *p, size_t n);
void ts_out_puts(ts_out *o, const char *s);
/* Flushes; returns 0 or the sticky error. */
int ts_out_flush(ts_out *o);

#endif
