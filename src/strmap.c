/*
 * strmap.c - open-addressing hash map over byte strings.
 *
 * The hash reads eight bytes per step (a multiply-xorshift mix, as in
 * SplitMix64): the dictionary pass hashes every word of a transcript and
 * every window of word indices, where byte-at-a-time FNV cost more than
 * the rest of the lookup.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t ts_hash64(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull * (n + 1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
    }
    /* the last 1-7 bytes in two overlapping reads (the length is in h) */
    size_t r = n - i;
    uint64_t w = 0;
    if (r >= 4) {
        uint32_t a, b;
        memcpy(&a, s + i, 4);
        memcpy(&b, s + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (r > 0) {
        w = (uint64_t)(unsigned char)s[i] << 16 | (uint64_t)(unsigned char)s[i + r / 2] << 8 |
            (unsigned char)s[n - 1];
    }
    return mix64(h ^ w);
}

uint32_t ts_hash_bytes(const char *s, size_t n)
{
    uint64_t h = ts_hash64(s, n);
    uint32_t x = (uint32_t)(h ^ (h >> 32));
    return x ? x : 1;
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
