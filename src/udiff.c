/*
 * udiff: unified diff of two in-memory texts, formatted like GNU `diff -u`.
 *
 * Inputs can be ~100 MB transcripts whose changes are local (rewrapped
 * paragraphs between unchanged, unique timecode lines), so the algorithm is
 * chosen to stay near-linear there: lines are hashed into equivalence
 * classes once, a patience diff splits the problem at lines that occur
 * exactly once on each side, and only the small gaps between those anchors
 * go through Myers' O(ND) algorithm.  Myers is cut off at a fixed cost per
 * gap; a gap that exceeds it is reported as delete-all/insert-all, which is
 * still a correct diff, just not a minimal one.  The result is recorded as
 * one "changed" flag per line on each side, and the output stage walks
 * those flags to build GNU-style hunks.  No state outlives a call.
 */
#include "udiff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Large enough that the callback's per-call cost vanishes, small enough to
 * keep on the heap without thought. */
#define OUTBUF_SIZE 65536

/* Nested patience passes find anchors that are unique only inside a gap;
 * past a few levels the gaps are small and Myers does better, and the cap
 * keeps the total counting work at O(depth * lines) on adversarial input. */
#define PATIENCE_MAX_DEPTH 8

/* Upper bound on the edit cost Myers may spend on one gap.  Its work is
 * O((N+M) * D), so a constant bound keeps the worst case linear in the
 * input size; real edits between two anchors are far below it. */
#define MYERS_MAX_COST 1024

struct span {
    const char *text;
    size_t n;    /* number of lines */
    size_t *off; /* n + 1 entries; line i is text[off[i] .. off[i+1]) */
};

struct ctx {
    struct span a, b;
    size_t *ca, *cb; /* equivalence class of each line */
    size_t nclass;

    /* Classification (freed as soon as ca/cb are filled). */
    size_t *table;
    uint64_t *chash;
    size_t *crep; /* representative: line index in a, or a.n + index in b */

    /* Patience: per-class occurrence counts saturating at 2. */
    unsigned char *cnt_a, *cnt_b;
    size_t *pos_b;
    /* Bump stack for candidate lists; anchors of enclosing ranges stay
     * live while their gaps are diffed. */
    size_t *stk;
    size_t stk_top, stk_cap;

    /* Myers furthest-reaching x per diagonal, forward and backward. */
    ptrdiff_t *fv, *bv;

    unsigned char *del, *ins; /* 1 = line deleted from a / inserted in b */
};

struct out {
    ts_write_fn fn;
    void *ud;
    char *buf;
    size_t len;
    int err;
};

struct change {
    size_t a0, a1, b0, b1;
};

static void *alloc_array(size_t n, size_t size)
{
    if (n == 0)
        n = 1; /* a NULL for an empty array would look like failure */
    if (n > SIZE_MAX / size)
        return NULL;
    return malloc(n * size);
}

static void *zalloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* ---- line splitting and classification ---------------------------------- */

static size_t count_lines(const char *s, size_t len)
{
    size_t n = 0, pos = 0;

    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        n++;
        if (!nl)
            break;
        pos = (size_t)(nl - s) + 1;
    }
    return n;
}

static int split_lines(struct span *sp, const char *s, size_t len)
{
    size_t i, pos = 0;

    sp->text = s;
    sp->n = count_lines(s, len);
    sp->off = alloc_array(sp->n + 1, sizeof *sp->off);
    if (!sp->off)
        return -1;
    sp->off[0] = 0;
    for (i = 0; i < sp->n; i++) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        pos = nl ? (size_t)(nl - s) + 1 : len;
        sp->off[i + 1] = pos;
    }
    return 0;
}

static size_t line_len(const struct span *sp, size_t i)
{
    return sp->off[i + 1] - sp->off[i];
}

static const char *line_ptr(const struct span *sp, size_t i)
{
    return sp->text + sp->off[i];
}

/* The trailing '\n' is part of the line, so "x" at EOF differs from "x\n",
 * which is exactly how GNU diff treats a missing final newline. */
static bool line_eq(const struct span *x, size_t i, const struct span *y,
                    size_t j)
{
    size_t len = line_len(x, i);

    return len == line_len(y, j) &&
           memcmp(line_ptr(x, i), line_ptr(y, j), len) == 0;
}

/* FNV-1a in spirit, but fed 8 bytes per step: byte-at-a-time hashing was
 * most of the run time on 100 MB inputs.  Collisions only cost a memcmp,
 * and the final avalanche keeps the table's low bits well spread. */
static uint64_t hash_line(const char *p, size_t len)
{
    const uint64_t prime = UINT64_C(0x100000001b3);
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ len;
    uint64_t w;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * prime;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * prime;
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static size_t classify_line(struct ctx *c, size_t mask, const struct span *sp,
                            size_t idx, size_t rep)
{
    uint64_t h = hash_line(line_ptr(sp, idx), line_len(sp, idx));
    size_t slot = (size_t)h & mask;

    for (;;) {
        size_t e = c->table[slot];
        if (e == 0)
            break;
        if (c->chash[e - 1] == h) {
            size_t r = c->crep[e - 1];
            bool eq = r < c->a.n ? line_eq(&c->a, r, sp, idx)
                                 : line_eq(&c->b, r - c->a.n, sp, idx);
            if (eq)
                return e - 1;
        }
        slot = (slot + 1) & mask;
    }
    c->chash[c->nclass] = h;
    c->crep[c->nclass] = rep;
    c->table[slot] = ++c->nclass;
    return c->nclass - 1;
}

/* Maps every line of the given ranges to a small integer so that the diff
 * proper compares integers instead of bytes. */
static int classify(struct ctx *c, size_t a0, size_t a1, size_t b0, size_t b1)
{
    size_t n = (a1 - a0) + (b1 - b0);
    size_t cap = 16, i;

    while (cap / 2 < n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    c->table = zalloc_array(cap, sizeof *c->table);
    c->chash = alloc_array(n, sizeof *c->chash);
    c->crep = alloc_array(n, sizeof *c->crep);
    if (!c->table || !c->chash || !c->crep)
        return -1;

    for (i = a0; i < a1; i++)
        c->ca[i] = classify_line(c, cap - 1, &c->a, i, i);
    for (i = b0; i < b1; i++)
        c->cb[i] = classify_line(c, cap - 1, &c->b, i, c->a.n + i);

    free(c->table);
    free(c->chash);
    free(c->crep);
    c->table = NULL;
    c->chash = NULL;
    c->crep = NULL;
    return 0;
}

/* ---- Myers ---------------------------------------------------------------- */

static void mark_range(unsigned char *flags, size_t from, size_t to)
{
    if (to > from)
        memset(flags + from, 1, to - from);
}

static ptrdiff_t pmax(ptrdiff_t x, ptrdiff_t y)
{
    return x > y ? x : y;
}

static ptrdiff_t pmin(ptrdiff_t x, ptrdiff_t y)
{
    return x < y ? x : y;
}

/*
 * Finds a point (*mx, *my) on an optimal edit path through A[0..N) x
 * B[0..M) by running Myers' search from both corners until the frontiers
 * meet.  Returns the cost D of that path, or -1 once D would exceed limit.
 * Diagonals are clamped to the grid [-M, N]; a move that would leave the
 * grid is replaced by the last in-grid point of its diagonal, which is
 * reachable at no greater cost, so the frontiers stay exact.
 */
static ptrdiff_t middle_snake(const size_t *A, ptrdiff_t N, const size_t *B,
                              ptrdiff_t M, ptrdiff_t *fv, ptrdiff_t *bv,
                              ptrdiff_t limit, ptrdiff_t *mx, ptrdiff_t *my)
{
    const ptrdiff_t delta = N - M;
    const bool odd = (delta % 2) != 0;
    ptrdiff_t d, k, x, y;

    fv += M; /* index by diagonal k = x - y */
    bv += M;

    x = 0;
    while (x < N && x < M && A[x] == B[x])
        x++;
    fv[0] = x;
    x = N;
    y = M;
    while (x > 0 && y > 0 && A[x - 1] == B[y - 1]) {
        x--;
        y--;
    }
    bv[delta] = x;
    if (delta == 0 && bv[0] <= fv[0]) {
        *mx = fv[0];
        *my = fv[0];
        return 0;
    }

    /* D <= N + M always; the bound only guards against looping forever. */
    for (d = 1; d <= N + M; d++) {
        const ptrdiff_t flo_p = pmax(-(d - 1), -M), fhi_p = pmin(d - 1, N);
        const ptrdiff_t blo_p = pmax(delta - (d - 1), -M);
        const ptrdiff_t bhi_p = pmin(delta + (d - 1), N);
        const ptrdiff_t flo = pmax(-d, -M), fhi = pmin(d, N);
        const ptrdiff_t blo = pmax(delta - d, -M), bhi = pmin(delta + d, N);

        if (2 * d - 1 > limit)
            return -1;
        k = flo;
        if ((k - d) % 2 != 0)
            k++;
        for (; k <= fhi; k += 2) {
            x = PTRDIFF_MIN;
            if (k - 1 >= flo_p)
                x = fv[k - 1] + 1;
            if (k + 1 <= fhi_p && fv[k + 1] > x)
                x = fv[k + 1];
            x = pmin(x, pmin(N, M + k));
            y = x - k;
            while (x < N && y < M && A[x] == B[y]) {
                x++;
                y++;
            }
            fv[k] = x;
            if (odd && k >= blo_p && k <= bhi_p && x >= bv[k]) {
                *mx = x;
                *my = x - k;
                return 2 * d - 1;
            }
        }

        if (2 * d > limit)
            return -1;
        k = blo;
        if ((k - delta - d) % 2 != 0)
            k++;
        for (; k <= bhi; k += 2) {
            x = PTRDIFF_MAX;
            if (k + 1 <= bhi_p)
                x = bv[k + 1] - 1;
            if (k - 1 >= blo_p && bv[k - 1] < x)
                x = bv[k - 1];
            x = pmax(x, pmax(0, k));
            y = x - k;
            while (x > 0 && y > 0 && A[x - 1] == B[y - 1]) {
                x--;
                y--;
            }
            bv[k] = x;
            if (!odd && k >= flo && k <= fhi && x <= fv[k]) {
                *mx = x;
                *my = y;
                return 2 * d;
            }
        }
    }
    return -1;
}

/*
 * Linear-space Myers: split at the middle of an optimal path and recurse.
 * Only the outermost call can fail (cost above limit); the halves of an
 * optimal path cost strictly less than the whole, so inner calls run
 * unbounded and always succeed.  Nothing is marked before the outermost
 * split is known, so a failure leaves the flags untouched.
 */
static bool myers(struct ctx *c, size_t a0, size_t a1, size_t b0, size_t b1,
                  ptrdiff_t limit)
{
    ptrdiff_t mx, my, cost;

    while (a0 < a1 && b0 < b1 && c->ca[a0] == c->cb[b0]) {
        a0++;
        b0++;
    }
    while (a0 < a1 && b0 < b1 && c->ca[a1 - 1] == c->cb[b1 - 1]) {
        a1--;
        b1--;
    }
    if (a0 == a1 || b0 == b1) {
        mark_range(c->del, a0, a1);
        mark_range(c->ins, b0, b1);
        return true;
    }
    cost = middle_snake(c->ca + a0, (ptrdiff_t)(a1 - a0), c->cb + b0,
                        (ptrdiff_t)(b1 - b0), c->fv, c->bv, limit, &mx, &my);
    if (cost < 0)
        return false;
    myers(c, a0, a0 + (size_t)mx, b0, b0 + (size_t)my, PTRDIFF_MAX);
    myers(c, a0 + (size_t)mx, a1, b0 + (size_t)my, b1, PTRDIFF_MAX);
    return true;
}

/* ---- patience ------------------------------------------------------------- */

/*
 * Pushes onto the bump stack the longest increasing chain of lines that
 * occur exactly once in a[a0..a1) and once in b[b0..b1): their a indices
 * at the returned pointer, their b indices right after.  Returns the chain
 * length; the caller pops 2 * length entries.
 *
 * Stack bound: every enclosing level keeps 2 entries per anchor, and those
 * anchors are disjoint from the current range, which needs at most 4 per
 * line of its shorter side; so 4 * min(lines of a, lines of b) suffices.
 */
static size_t find_anchors(struct ctx *c, size_t a0, size_t a1, size_t b0,
                           size_t b1, size_t **chain)
{
    size_t kmax = a1 - a0 < b1 - b0 ? a1 - a0 : b1 - b0;
    size_t *base = c->stk + c->stk_top;
    size_t *cand_a = base, *cand_b = base + kmax;
    size_t *tails = base + 2 * kmax, *prev = base + 3 * kmax;
    size_t i, k = 0, len = 0;

    if (c->stk_cap - c->stk_top < 4 * kmax)
        return 0; /* cannot happen (see above); Myers copes regardless */

    for (i = a0; i < a1; i++)
        if (c->cnt_a[c->ca[i]] < 2)
            c->cnt_a[c->ca[i]]++;
    for (i = b0; i < b1; i++) {
        if (c->cnt_b[c->cb[i]] < 2)
            c->cnt_b[c->cb[i]]++;
        c->pos_b[c->cb[i]] = i;
    }
    for (i = a0; i < a1; i++) {
        size_t cls = c->ca[i];
        if (c->cnt_a[cls] == 1 && c->cnt_b[cls] == 1) {
            cand_a[k] = i;
            cand_b[k] = c->pos_b[cls];
            k++;
        }
    }
    for (i = a0; i < a1; i++)
        c->cnt_a[c->ca[i]] = 0;
    for (i = b0; i < b1; i++)
        c->cnt_b[c->cb[i]] = 0;

    /* Patience sorting: tails[t] is the candidate ending the best chain of
     * length t + 1 seen so far (the one with the smallest b index). */
    for (i = 0; i < k; i++) {
        size_t lo = 0, hi = len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cand_b[tails[mid]] < cand_b[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        prev[i] = lo > 0 ? tails[lo - 1] : SIZE_MAX;
        tails[lo] = i;
        if (lo == len)
            len++;
    }
    if (len > 0) {
        size_t t, idx = tails[len - 1];
        for (t = len; t-- > 0;) {
            tails[t] = idx;
            idx = prev[idx];
        }
        /* Compact in place: tails[t] >= t, so reads stay ahead of writes. */
        for (t = 0; t < len; t++) {
            cand_a[t] = cand_a[tails[t]];
            cand_b[t] = cand_b[tails[t]];
        }
        memmove(base + len, cand_b, len * sizeof *base);
    }
    c->stk_top += 2 * len;
    *chain = base;
    return len;
}

static void diff_range(struct ctx *c, size_t a0, size_t a1, size_t b0,
                       size_t b1, unsigned depth)
{
    while (a0 < a1 && b0 < b1 && c->ca[a0] == c->cb[b0]) {
        a0++;
        b0++;
    }
    while (a0 < a1 && b0 < b1 && c->ca[a1 - 1] == c->cb[b1 - 1]) {
        a1--;
        b1--;
    }
    if (a0 == a1 || b0 == b1) {
        mark_range(c->del, a0, a1);
        mark_range(c->ins, b0, b1);
        return;
    }
    if (depth < PATIENCE_MAX_DEPTH) {
        size_t *chain, n = find_anchors(c, a0, a1, b0, b1, &chain);
        if (n > 0) {
            size_t t, pa = a0, pb = b0;
            for (t = 0; t < n; t++) {
                diff_range(c, pa, chain[t], pb, chain[n + t], depth + 1);
                pa = chain[t] + 1;
                pb = chain[n + t] + 1;
            }
            diff_range(c, pa, a1, pb, b1, depth + 1);
            c->stk_top -= 2 * n;
            return;
        }
    }
    if (!myers(c, a0, a1, b0, b1, MYERS_MAX_COST)) {
        mark_range(c->del, a0, a1);
        mark_range(c->ins, b0, b1);
    }
}

/* ---- output --------------------------------------------------------------- */

static void out_flush(struct out *o)
{
    if (!o->err && o->len > 0 && o->fn(o->ud, o->buf, o->len) != 0)
        o->err = 1;
    o->len = 0;
}

static void out_put(struct out *o, const char *p, size_t n)
{
    if (o->err || n == 0)
        return;
    if (n > OUTBUF_SIZE - o->len) {
        out_flush(o);
        if (n >= OUTBUF_SIZE) {
            if (!o->err && o->fn(o->ud, p, n) != 0)
                o->err = 1;
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void out_str(struct out *o, const char *s)
{
    out_put(o, s, strlen(s));
}

static void out_line(struct out *o, char prefix, const struct span *sp,
                     size_t i)
{
    size_t len = line_len(sp, i);
    const char *p = line_ptr(sp, i);

    out_put(o, &prefix, 1);
    out_put(o, p, len);
    if (p[len - 1] != '\n')
        out_str(o, "\n\\ No newline at end of file\n");
}

/* GNU conventions: an empty range names the line before it ("-4,0", or
 * "-0,0" at the top), a one-line range omits ",1". */
static void out_range(struct out *o, char sign, size_t start, size_t count)
{
    char buf[64];
    int n;

    if (count == 0)
        n = snprintf(buf, sizeof buf, "%c%zu,0", sign, start);
    else if (count == 1)
        n = snprintf(buf, sizeof buf, "%c%zu", sign, start + 1);
    else
        n = snprintf(buf, sizeof buf, "%c%zu,%zu", sign, start + 1, count);
    out_put(o, buf, (size_t)n);
}

static bool next_change(const struct ctx *c, size_t *i, size_t *j,
                        struct change *ch)
{
    size_t x = *i, y = *j;

    while (x < c->a.n && y < c->b.n && !c->del[x] && !c->ins[y]) {
        x++;
        y++;
    }
    if (x == c->a.n && y == c->b.n)
        return false;
    ch->a0 = x;
    ch->b0 = y;
    while (x < c->a.n && c->del[x])
        x++;
    while (y < c->b.n && c->ins[y])
        y++;
    ch->a1 = x;
    ch->b1 = y;
    *i = x;
    *j = y;
    return true;
}

/* Unchanged lines always pair up between changes, so the context before
 * the first change and after the last one is the same on both sides. */
static void emit_hunk(const struct ctx *c, struct out *o, size_t ctxlen,
                      const struct change *first, const struct change *last)
{
    size_t pre = first->a0 < ctxlen ? first->a0 : ctxlen;
    size_t tail = c->a.n - last->a1;
    size_t post = tail < ctxlen ? tail : ctxlen;
    size_t i = first->a0 - pre, j = first->b0 - pre;
    size_t ea = last->a1 + post, eb = last->b1 + post;

    out_str(o, "@@ ");
    out_range(o, '-', i, ea - i);
    out_str(o, " ");
    out_range(o, '+', j, eb - j);
    out_str(o, " @@\n");

    while ((i < ea || j < eb) && !o->err) {
        if (i < ea && j < eb && !c->del[i] && !c->ins[j]) {
            out_line(o, ' ', &c->a, i);
            i++;
            j++;
            continue;
        }
        if (!(i < ea && c->del[i]) && !(j < eb && c->ins[j]))
            break; /* unpaired unchanged line: flags are inconsistent */
        while (i < ea && c->del[i])
            out_line(o, '-', &c->a, i++);
        while (j < eb && c->ins[j])
            out_line(o, '+', &c->b, j++);
    }
}

static void emit_diff(const struct ctx *c, struct out *o, size_t ctxlen,
                      const char *label_a, const char *label_b)
{
    struct change first, last, next;
    size_t i = 0, j = 0;
    bool have = next_change(c, &i, &j, &next);

    out_str(o, "--- ");
    out_str(o, label_a ? label_a : "");
    out_str(o, "\n+++ ");
    out_str(o, label_b ? label_b : "");
    out_str(o, "\n");

    while (have && !o->err) {
        first = last = next;
        /* Merge while the unchanged run in between is at most 2 * context,
         * i.e. while the two hunks' context would touch or overlap. */
        while ((have = next_change(c, &i, &j, &next))) {
            size_t gap = next.a0 - last.a1;
            if (gap > ctxlen && gap - ctxlen > ctxlen)
                break;
            last = next;
        }
        emit_hunk(c, o, ctxlen, &first, &last);
    }
    out_flush(o);
}

/* ---- entry point ---------------------------------------------------------- */

int ts_udiff(const char *a, size_t alen, const char *b, size_t blen,
             const char *label_a, const char *label_b, unsigned context,
             ts_write_fn write_fn, void *ud)
{
    struct ctx c;
    struct out o;
    size_t na, nb, pre = 0, suf = 0, kmax;
    int rc = -1;

    if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
        return 0;

    memset(&c, 0, sizeof c);
    memset(&o, 0, sizeof o);
    if (split_lines(&c.a, a, alen) != 0 || split_lines(&c.b, b, blen) != 0)
        goto out;
    na = c.a.n;
    nb = c.b.n;

    /* Most of a typical input is untouched; peel it off before paying for
     * hashing and per-line bookkeeping. */
    while (pre < na && pre < nb && line_eq(&c.a, pre, &c.b, pre))
        pre++;
    while (suf < na - pre && suf < nb - pre &&
           line_eq(&c.a, na - 1 - suf, &c.b, nb - 1 - suf))
        suf++;

    c.del = zalloc_array(na, 1);
    c.ins = zalloc_array(nb, 1);
    c.ca = alloc_array(na, sizeof *c.ca);
    c.cb = alloc_array(nb, sizeof *c.cb);
    if (!c.del || !c.ins || !c.ca || !c.cb)
        goto out;
    if (classify(&c, pre, na - suf, pre, nb - suf) != 0)
        goto out;

    kmax = (na < nb ? na : nb) - pre - suf;
    c.cnt_a = zalloc_array(c.nclass, 1);
    c.cnt_b = zalloc_array(c.nclass, 1);
    c.pos_b = alloc_array(c.nclass, sizeof *c.pos_b);
    c.stk_cap = kmax > SIZE_MAX / 4 ? 0 : 4 * kmax;
    c.stk = alloc_array(c.stk_cap, sizeof *c.stk);
    c.fv = alloc_array(na + nb + 1, sizeof *c.fv);
    c.bv = alloc_array(na + nb + 1, sizeof *c.bv);
    o.buf = malloc(OUTBUF_SIZE);
    if (!c.cnt_a || !c.cnt_b || !c.pos_b || !c.stk || !c.fv || !c.bv ||
        !o.buf || (kmax > 0 && c.stk_cap == 0))
        goto out;

    diff_range(&c, pre, na - suf, pre, nb - suf, 0);

    o.fn = write_fn;
    o.ud = ud;
    emit_diff(&c, &o, context, label_a, label_b);
    rc = o.err ? -1 : 1;

out:
    free(c.a.off);
    free(c.b.off);
    free(c.ca);
    free(c.cb);
    free(c.table);
    free(c.chash);
    free(c.crep);
    free(c.cnt_a);
    free(c.cnt_b);
    free(c.pos_b);
    free(c.stk);
    free(c.fv);
    free(c.bv);
    free(c.del);
    free(c.ins);
    free(o.buf);
    return rc;
}
