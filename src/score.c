/*
 * score.c - WER, WDER, cpWER and change precision (see score.h for the
 * definitions and the alignment tie-break).
 *
 * The alignment keeps two columns of costs and two bits of back-pointer
 * per cell, so a recording of 10,000 words against 10,000 takes 25 MB.
 * Speakers are mapped with the Hungarian algorithm on the square matrix of
 * co-occurrence counts.  All memory is malloc'd and freed before return;
 * normalised words live in one arena per transcript.
 */
#include "score.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "transcript.h"

#define MAX_CELLS (1ull << 30)

typedef struct {
    const char **w; /* normalised words */
    int *s;         /* speaker index per word */
    size_t n, cap;
    const char **labels;
    size_t nl;
} rec;

typedef struct {
    rec *r;
    size_t n;
    ts_arena arena;
} doc;

static void doc_free(doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->r[i].w);
        free(d->r[i].s);
        free(d->r[i].labels);
    }
    free(d->r);
    ts_arena_release(&d->arena);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* DiarizationLM's normalisation of one word into the arena. */
static const char *normalise(ts_arena *a, const char *p, size_t n)
{
    char *w = ts_arena_strndup(a, p, n);
    if (!w) return NULL;
    for (size_t i = 0; i < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z') w[i] = (char)(w[i] + 32);
    static const char punct[] = ",._?!-\"'";
    for (const char *q = punct; *q; q++) {
        size_t keep = 0;
        for (size_t i = 0; w[i]; i++) keep += w[i] != *q;
        if (keep == 0) continue; /* removing it would leave nothing */
        size_t o = 0;
        for (size_t i = 0; w[i]; i++)
            if (w[i] != *q) w[o++] = w[i];
        w[o] = '\0';
    }
    return w;
}

static int rec_push(rec *r, const char *w, int s)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        const char **nw = realloc(r->w, cap * sizeof *nw);
        if (!nw) return -1;
        r->w = nw;
        int *ns = realloc(r->s, cap * sizeof *ns);
        if (!ns) return -1;
        r->s = ns;
        r->cap = cap;
    }
    r->w[r->n] = w;
    r->s[r->n++] = s;
    return 0;
}

static int label_index(rec *r, const char *sp, size_t len, ts_arena *a)
{
    for (size_t k = 0; k < r->nl; k++)
        if (strlen(r->labels[k]) == len && memcmp(r->labels[k], sp, len) == 0) return (int)k;
    const char **p = realloc(r->labels, (r->nl + 1) * sizeof *p);
    if (!p) return -1;
    r->labels = p;
    if (!(p[r->nl] = ts_arena_strndup(a, sp, len))) return -1;
    return (int)r->nl++;
}

/* Recordings of t: split at segments with neither speaker nor text. */
static int collect(const ts_transcript *t, int split, doc *d)
{
    memset(d, 0, sizeof *d);
    ts_arena_init(&d->arena);
    size_t cap = 0;
    rec *cur = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        int sep = !s->text_len && !s->speaker_len;
        if (!cur || (sep && split && cur->n)) {
            if (d->n == cap) {
                cap = cap ? cap * 2 : 4;
                rec *r = realloc(d->r, cap * sizeof *r);
                if (!r) return -1;
                d->r = r;
            }
            cur = &d->r[d->n++];
            memset(cur, 0, sizeof *cur);
        }
        if (sep) continue;
        int spk = label_index(cur, s->speaker, s->speaker_len, &d->arena);
        if (spk < 0) return -1;
        const char *p = s->text, *e = s->text + s->text_len;
        while (p < e) {
            while (p < e && is_ws(*p)) p++;
            const char *ws = p;
            while (p < e && !is_ws(*p)) p++;
            if (p == ws) break;
            const char *w = normalise(&d->arena, ws, (size_t)(p - ws));
            if (!w || rec_push(cur, w, spk)) return -1;
        }
    }
    return 0;
}

/* Aligns r[0..n1) (reference) with h[0..n2); ai[k], aj[k] are the pairs
 * (-1 for a gap), *m their number (at most n1 + n2).  Ties: insertion,
 * deletion, then match/substitution. */
enum { OP_DIAG = 0, OP_INS = 1, OP_DEL = 2 };

static int align(const char **r, size_t n1, const char **h, size_t n2, long *ai, long *aj, size_t *m)
{
    *m = 0;
    if ((unsigned long long)n1 * n2 > MAX_CELLS) return -2;
    size_t cells = n1 * n2;
    uint8_t *bp = calloc(cells / 4 + 1, 1);
    unsigned *prev = malloc((n1 + 1) * sizeof *prev), *cur = malloc((n1 + 1) * sizeof *cur);
    if (!bp || !prev || !cur) {
        free(bp);
        free(prev);
        free(cur);
        return -1;
    }
    for (size_t i = 0; i <= n1; i++) prev[i] = (unsigned)i;
    for (size_t j = 0; j < n2; j++) {
        cur[0] = (unsigned)(j + 1);
        for (size_t i = 0; i < n1; i++) {
            unsigned ins = prev[i + 1] + 1, del = cur[i] + 1;
            unsigned sub = prev[i] + (strcmp(r[i], h[j]) != 0);
            unsigned best = ins < del ? ins : del;
            if (sub < best) best = sub;
            cur[i + 1] = best;
            unsigned op = best == ins ? OP_INS : best == del ? OP_DEL : OP_DIAG;
            size_t c = i * n2 + j;
            bp[c / 4] |= (uint8_t)(op << ((c % 4) * 2));
        }
        unsigned *t = prev;
        prev = cur;
        cur = t;
    }
    size_t i = n1, j = n2, k = 0;
    while (i > 0 || j > 0) {
        unsigned op;
        if (i == 0) op = OP_INS;
        else if (j == 0) op = OP_DEL;
        else {
            size_t c = (i - 1) * n2 + (j - 1);
            op = (bp[c / 4] >> ((c % 4) * 2)) & 3u;
        }
        if (op == OP_INS) {
            ai[k] = -1;
            aj[k++] = (long)--j;
        } else if (op == OP_DEL) {
            ai[k] = (long)--i;
            aj[k++] = -1;
        } else {
            ai[k] = (long)--i;
            aj[k++] = (long)--j;
        }
    }
    /* reverse into order */
    for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
        long t = ai[a];
        ai[a] = ai[b];
        ai[b] = t;
        t = aj[a];
        aj[a] = aj[b];
        aj[b] = t;
    }
    *m = k;
    free(bp);
    free(prev);
    free(cur);
    return 0;
}

/* Hungarian algorithm: assignment of rows to columns of the n x n matrix
 * `v` maximising the sum; col_of[row] receives the column. */
static int hungarian_max(const long *v, size_t n, int *col_of)
{
    long big = 0;
    for (size_t k = 0; k < n * n; k++)
        if (v[k] > big) big = v[k];
    size_t N = n + 1;
    long *u = calloc(N, sizeof *u), *w = calloc(N, sizeof *w), *minv = malloc(N * sizeof *minv);
    size_t *p = calloc(N, sizeof *p), *way = calloc(N, sizeof *way);
    char *used = malloc(N);
    if (!u || !w || !minv || !p || !way || !used) {
        free(u), free(w), free(minv), free(p), free(way), free(used);
        return -1;
    }
#define COST(i, j) (big - v[((i) - 1) * n + ((j) - 1)])
    for (size_t i = 1; i <= n; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j < N; j++) minv[j] = LONG_MAX, used[j] = 0;
        do {
            used[j0] = 1;
            size_t i0 = p[j0], j1 = 0;
            long delta = LONG_MAX;
            for (size_t j = 1; j <= n; j++)
                if (!used[j]) {
                    long c = COST(i0, j) - u[i0] - w[j];
                    if (c < minv[j]) minv[j] = c, way[j] = j0;
                    if (minv[j] < delta) delta = minv[j], j1 = j;
                }
            for (size_t j = 0; j <= n; j++)
                if (used[j]) u[p[j]] += delta, w[j] -= delta;
                else minv[j] -= delta;
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
#undef COST
    for (size_t j = 1; j <= n; j++)
        if (p[j]) col_of[p[j] - 1] = (int)(j - 1);
    free(u), free(w), free(minv), free(p), free(way), free(used);
    return 0;
}

/* Speaker mapping over aligned pairs: map[hyp speaker] = ref speaker (or
 * -1); returns the number of pairs whose speakers agree under it. */
static long map_speakers(const rec *R, const rec *H, const long *ai, const long *aj, size_t m,
                         int *map, size_t *pairs)
{
    size_t n = R->nl > H->nl ? R->nl : H->nl;
    *pairs = 0;
    for (size_t k = 0; k < H->nl; k++) map[k] = -1;
    if (n == 0) return 0;
    long *v = calloc(n * n, sizeof *v);
    int *col = malloc(n * sizeof *col);
    if (!v || !col) {
        free(v);
        free(col);
        return -1;
    }
    for (size_t k = 0; k < m; k++)
        if (ai[k] >= 0 && aj[k] >= 0) {
            v[(size_t)R->s[ai[k]] * n + (size_t)H->s[aj[k]]]++;
            (*pairs)++;
        }
    long right = 0;
    if (hungarian_max(v, n, col)) right = -1;
    else
        for (size_t r = 0; r < n; r++) {
            right += v[r * n + (size_t)col[r]];
            if ((size_t)col[r] < H->nl && r < R->nl) map[col[r]] = (int)r;
        }
    free(v);
    free(col);
    return right;
}

/* WER counts of aligning the words of speaker a of R with those of b of H. */
static int pair_wer(const rec *R, int a, const rec *H, int b, size_t c[4])
{
    memset(c, 0, 4 * sizeof *c);
    const char **x = malloc((R->n + 1) * sizeof *x), **y = malloc((H->n + 1) * sizeof *y);
    long *ai = malloc((R->n + H->n + 1) * sizeof *ai), *aj = malloc((R->n + H->n + 1) * sizeof *aj);
    int rc = -1;
    if (!x || !y || !ai || !aj) goto out;
    size_t nx = 0, ny = 0, m;
    for (size_t k = 0; k < R->n; k++)
        if (R->s[k] == a) x[nx++] = R->w[k];
    for (size_t k = 0; k < H->n; k++)
        if (H->s[k] == b) y[ny++] = H->w[k];
    if ((rc = align(x, nx, y, ny, ai, aj, &m))) goto out;
    for (size_t k = 0; k < m; k++) {
        if (ai[k] < 0) c[3]++;
        else if (aj[k] < 0) c[2]++;
        else if (strcmp(x[ai[k]], y[aj[k]]) == 0) c[0]++;
        else c[1]++;
    }
out:
    free(x);
    free(y);
    free(ai);
    free(aj);
    return rc;
}

static ts_status score_rec(const rec *R, const rec *H, const rec *W, ts_score *o)
{
    ts_status st = TS_ERR_NOMEM;
    size_t m = 0, mw = 0, mh = 0;
    long *ai = malloc((R->n + H->n + 1) * sizeof *ai), *aj = malloc((R->n + H->n + 1) * sizeof *aj);
    long *wi = NULL, *wj = NULL, *xi = NULL, *xj = NULL;
    int *map = malloc((H->nl + 1) * sizeof *map), *wmap = NULL;
    long *ref_of = NULL, *wref_of = NULL;
    if (!ai || !aj || !map) goto out;
    int rc = align(R->w, R->n, H->w, H->n, ai, aj, &m);
    if (rc) {
        st = rc == -2 ? TS_ERR_USAGE : TS_ERR_NOMEM;
        goto out;
    }
    o->ref_words += R->n;
    o->hyp_words += H->n;
    o->ref_speakers += R->nl;
    o->hyp_speakers += H->nl;
    for (size_t k = 0; k < m; k++) {
        if (ai[k] < 0) o->wer_ins++;
        else if (aj[k] < 0) o->wer_del++;
        else if (strcmp(R->w[ai[k]], H->w[aj[k]]) == 0) o->wer_correct++;
        else o->wer_sub++;
    }
    size_t pairs;
    long right = map_speakers(R, H, ai, aj, m, map, &pairs);
    if (right < 0) goto out;
    o->wder_total += pairs;
    o->wder_wrong += pairs - (size_t)right;

    /* cpWER */
    size_t n = R->nl > H->nl ? R->nl : H->nl;
    if (n) {
        size_t (*cnt)[4] = calloc(n * n, sizeof *cnt);
        long *v = calloc(n * n, sizeof *v);
        int *col = malloc(n * sizeof *col);
        char *has = calloc(n * n, 1);
        int bad = !cnt || !v || !col || !has;
        for (size_t a = 0; !bad && a < R->nl; a++)
            for (size_t b = 0; !bad && b < H->nl; b++) {
                int r2 = pair_wer(R, (int)a, H, (int)b, cnt[a * n + b]);
                if (r2) {
                    bad = 1;
                    st = r2 == -2 ? TS_ERR_USAGE : TS_ERR_NOMEM;
                }
                v[a * n + b] = (long)cnt[a * n + b][0];
                has[a * n + b] = 1;
            }
        if (!bad && hungarian_max(v, n, col)) bad = 1;
        for (size_t a = 0; !bad && a < n; a++) {
            if (!has[a * n + (size_t)col[a]]) continue;
            const size_t *c = cnt[a * n + (size_t)col[a]];
            o->cp_correct += c[0];
            o->cp_sub += c[1];
            o->cp_del += c[2];
            o->cp_ins += c[3];
            o->cp_total += c[0] + c[1] + c[2];
        }
        free(cnt);
        free(v);
        free(col);
        free(has);
        if (bad) goto out;
    }

    if (W) {
        /* raw against the reference, and raw against the hypothesis */
        wi = malloc((R->n + W->n + 1) * sizeof *wi);
        wj = malloc((R->n + W->n + 1) * sizeof *wj);
        xi = malloc((W->n + H->n + 1) * sizeof *xi);
        xj = malloc((W->n + H->n + 1) * sizeof *xj);
        wmap = malloc((W->nl + 1) * sizeof *wmap);
        ref_of = malloc((H->n + 1) * sizeof *ref_of);
        wref_of = malloc((W->n + 1) * sizeof *wref_of);
        if (!wi || !wj || !xi || !xj || !wmap || !ref_of || !wref_of) goto out;
        if ((rc = align(R->w, R->n, W->w, W->n, wi, wj, &mw)) ||
            (rc = align(W->w, W->n, H->w, H->n, xi, xj, &mh))) {
            st = rc == -2 ? TS_ERR_USAGE : TS_ERR_NOMEM;
            goto out;
        }
        size_t wpairs;
        long wright = map_speakers(R, W, wi, wj, mw, wmap, &wpairs);
        if (wright < 0) goto out;
        o->raw_wder_total += wpairs;
        o->raw_wder_wrong += wpairs - (size_t)wright;
        for (size_t k = 0; k < H->n; k++) ref_of[k] = -1;
        for (size_t k = 0; k < W->n; k++) wref_of[k] = -1;
        for (size_t k = 0; k < m; k++)
            if (ai[k] >= 0 && aj[k] >= 0) ref_of[aj[k]] = ai[k];
        for (size_t k = 0; k < mw; k++)
            if (wi[k] >= 0 && wj[k] >= 0) wref_of[wj[k]] = wi[k];
        for (size_t k = 0; k < mh; k++) {
            if (xi[k] < 0 || xj[k] < 0) continue;
            const char *lw = W->labels[W->s[xi[k]]], *lh = H->labels[H->s[xj[k]]];
            if (strcmp(lw, lh) == 0) continue;
            o->changed++;
            long r = ref_of[xj[k]];
            if (r < 0) continue;
            o->changed_aligned++;
            if (map[H->s[xj[k]]] == R->s[r]) o->changed_right++;
            long wr = wref_of[xi[k]];
            if (wr >= 0 && wmap[W->s[xi[k]]] == R->s[wr]) o->changed_was_right++;
        }
    }
    st = TS_OK;
out:
    free(ai);
    free(aj);
    free(wi);
    free(wj);
    free(xi);
    free(xj);
    free(map);
    free(wmap);
    free(ref_of);
    free(wref_of);
    return st;
}

ts_status ts_score_compute(const ts_transcript *ref, const ts_transcript *hyp,
                           const ts_transcript *raw, ts_score *out)
{
    memset(out, 0, sizeof *out);
    doc R, H, W;
    int have_w = raw != NULL;
    ts_status st = TS_ERR_NOMEM;
    memset(&W, 0, sizeof W);
    ts_arena_init(&W.arena);
    if (collect(ref, 1, &R) | collect(hyp, 1, &H) | (have_w ? collect(raw, 1, &W) : 0)) goto out;
    if (R.n != H.n || (have_w && W.n != H.n)) {
        /* Recordings do not pair up: score everything as one. */
        doc_free(&R);
        doc_free(&H);
        if (collect(ref, 0, &R) | collect(hyp, 0, &H)) goto out;
        if (have_w) {
            doc_free(&W);
            if (collect(raw, 0, &W)) goto out;
        }
    }
    out->recordings = R.n;
    for (size_t i = 0; i < R.n; i++)
        if ((st = score_rec(&R.r[i], &H.r[i], have_w ? &W.r[i] : NULL, out))) goto out;
    st = TS_OK;
out:
    doc_free(&R);
    doc_free(&H);
    doc_free(&W);
    return st;
}
