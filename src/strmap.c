/*
 * strmap.c - open-addressing hash map over byte strings (FNV-1a hashes).
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

uint32_t ts_hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h ? h : 1;
}

void ts_strmap_init(ts_strmap *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
    ts_arena_init(&m->arena);
}

void ts_strmap_release(ts_strmap *m)
{
    free(m->slots);
    ts_arena_release(&m->arena);
    ts_strmap_init(m);
}

void ts_strmap_clear(ts_strmap *m) { ts_strmap_release(m); }

ts_strmap_slot *ts_strmap_find(const ts_strmap *m, const char *key, size_t len)
{
    if (!m->cap) return NULL;
    uint32_t h = ts_hash_bytes(key, len);
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ts_strmap_slot *s = &m->slots[i];
        if (!s->key) return NULL;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
}

static int grow(ts_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    ts_strmap_slot *v = calloc(cap, sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        ts_strmap_slot *s = &m->slots[i];
        if (!s->key) continue;
        size_t j = s->hash & (cap - 1);
        while (v[j].key) j = (j + 1) & (cap - 1);
        v[j] = *s;
    }
    free(m->slots);
    m->slots = v;
    m->cap = cap;
    return 0;
}

ts_strmap_slot *ts_strmap_put(ts_strmap *m, const char *key, size_t len, int *added)
{
    *added = 0;
    if (len > UINT32_MAX) return NULL;
    ts_strmap_slot *s = ts_strmap_find(m, key, len);
    if (s) return s;
    if ((m->n + 1) * 2 > m->cap && grow(m)) return NULL;
    char *k = ts_arena_strndup(&m->arena, key, len);
    if (!k) return NULL;
    uint32_t h = ts_hash_bytes(key, len);
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key) i = (i + 1) & mask;
    s = &m->slots[i];
    s->key = k;
    s->len = (uint32_t)len;
    s->hash = h;
    s->value = NULL;
    m->n++;
    *added = 1;
    return s;
}
