/*
 * mem.c - a bump allocator over a chain of malloc'd blocks.
 *
 * Blocks grow geometrically up to 1 MiB so that a small transcript costs a
 * few kilobytes and a large one does not pay a malloc per string; requests
 * bigger than a block get a block of their own.
 */
#include "mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_MIN_BLOCK 4096
#define ARENA_MAX_BLOCK (1u << 20)

struct ts_arena_block {
    ts_arena_block *next;
    size_t used, size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

void ts_arena_init(ts_arena *a) { a->head = NULL; a->total = 0; }

void ts_arena_release(ts_arena *a)
{
    ts_arena_block *b = a->head;
    while (b) {
        ts_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

static void *arena_take(ts_arena *a, size_t n, size_t align)
{
    if (n == 0) n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN) return NULL;
    ts_arena_block *b = a->head;
    size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
    if (!b || at > b->size || b->size - at < n) {
        size_t size = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (size > ARENA_MAX_BLOCK) size = ARENA_MAX_BLOCK;
        size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
        if (size < need) size = need;
        ts_arena_block *nb = malloc(sizeof *nb + size);
        if (!nb) return NULL;
        nb->size = size;
        /* A big one-off block goes behind the current one so the current
         * block's free tail stays usable. */
        if (b && size == need && b->size - b->used > 256) {
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            a->total += n;
            return nb->data;
        }
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
        at = 0;
    }
    b->used = at + n;
    a->total += n;
    return b->data + at;
}

void *ts_arena_alloc(ts_arena *a, size_t n) { return arena_take(a, n, ARENA_ALIGN); }

char *ts_arena_alloc_bytes(ts_arena *a, size_t n) { return arena_take(a, n, 1); }

void *ts_arena_calloc(ts_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = ts_arena_alloc(a, n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

char *ts_arena_strndup(ts_arena *a, const char *s, size_t n)
{
    char *p = ts_arena_alloc_bytes(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ts_arena_strdup(ts_arena *a, const char *s) { return ts_arena_strndup(a, s, strlen(s)); }

char *ts_arena_printf(ts_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = ts_arena_alloc_bytes(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
