/*
 * strmap.h - a hash map from byte strings to a pointer-sized value.
 *
 * The dictionary and spelling passes look up every word of a transcript,
 * so lookups must cost one hash and, usually, one compare.  Keys are copied
 * into the map's own arena (they need not be NUL-terminated); values are
 * the caller's.  Open addressing with linear probing; the table doubles at
 * 50% load.  No deletion: maps live as long as their owner and are cleared
 * as a whole.
 */
#ifndef TS_STRMAP_H
#define TS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

typedef struct {
    const char *key;      /* arena copy, NUL-terminated */
    uint32_t len;
    uint32_t hash;
    void *value;
} ts_strmap_slot;

typedef struct {
    ts_strmap_slot *slots; /* malloc'd; NULL until the first insert */
    size_t cap, n;
    ts_arena arena;        /* keys */
} ts_strmap;

uint32_t ts_hash_bytes(const char *s, size_t n);
/* The same hash, all 64 bits (for telling texts apart, not for tables). */
uint64_t ts_hash64(const char *s, size_t n);

void ts_strmap_init(ts_strmap *m);
void ts_strmap_release(ts_strmap *m);
void ts_strmap_clear(ts_strmap *m);
/* The slot holding `key`, or NULL. */
ts_strmap_slot *ts_strmap_find(const ts_strmap *m, const char *key, size_t len);
/* The slot for `key`, inserted with value NULL when new (*added = 1);
 * NULL when memory ran out. */
ts_strmap_slot *ts_strmap_put(ts_strmap *m, const char *key, size_t len, int *added);

#endif
