/*
 * mem.h - the arena that owns everything belonging to one transcript or run.
 *
 * Per-transcript data is allocated from an arena and released at once with
 * it: segments, their texts and every edit's replacement live exactly as long
 * as the transcript, so no pass or format has to track individual frees.
 * Allocation failure returns NULL; callers propagate TS_ERR_NOMEM.
 */
#ifndef TS_MEM_H
#define TS_MEM_H

#include <stddef.h>

typedef struct ts_arena_block ts_arena_block;

typedef struct {
    ts_arena_block *head;
    size_t total;            /* bytes handed out, for statistics */
} ts_arena;

void ts_arena_init(ts_arena *a);
void ts_arena_release(ts_arena *a);
/* Memory aligned for any object; NULL on failure. */
void *ts_arena_alloc(ts_arena *a, size_t n);
void *ts_arena_calloc(ts_arena *a, size_t n, size_t size);
/* Copies n bytes and appends a NUL (not counted in n). */
/* Memory for bytes only (no alignment): text is most of what a transcript
 * allocates, and rounding every string up would waste a fifth of it. */
char *ts_arena_alloc_bytes(ts_arena *a, size_t n);
char *ts_arena_strndup(ts_arena *a, const char *s, size_t n);
char *ts_arena_strdup(ts_arena *a, const char *s);
/* printf into the arena. */
char *ts_arena_printf(ts_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
