/*
 * buf.h - a growable byte buffer (malloc-owned), for building text and output.
 *
 * The buffer owns its storage; ts_buf_release frees it.  Appends report
 * allocation failure by returning -1 and leave the buffer as it was, so a
 * caller can stop at the first failure and clean up on one path.
 */
#ifndef TS_BUF_H
#define TS_BUF_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len, cap;
} ts_buf;

#define TS_BUF_INIT {NULL, 0, 0}

void ts_buf_release(ts_buf *b);
int ts_buf_reserve(ts_buf *b, size_t extra);
int ts_buf_append(ts_buf *b, const void *p, size_t n);
int ts_buf_putc(ts_buf *b, char c);
int ts_buf_puts(ts_buf *b, const char *s);
int ts_buf_printf(ts_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void ts_buf_clear(ts_buf *b) { b->len = 0; }

#endif
