/*
 * similar.c - folding through utf8proc's decomposition, and a banded
 * dynamic-programming edit distance.
 */
#include "similar.h"

#include <string.h>
#include <utf8proc.h>

#include "utf8.h"

size_t ts_fold_ascii(const char *s, size_t n, char *out, size_t cap, int upper)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            i++;
            if (c >= 'A' && c <= 'Z') c = (unsigned char)(c | 0x20);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                out[o++] = (char)(upper && c >= 'a' ? c - 32 : c);
            continue;
        }
        size_t l;
        int32_t cp = ts_utf8_decode(s + i, n - i, &l);
        i += l;
        if (cp < 0) continue;
        utf8proc_int32_t dec[8];
        int opts = UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, dec, 8, (utf8proc_option_t)opts, NULL);
        if (cp == 0xDF) { /* sharp s */
            dec[0] = 's'; dec[1] = 's'; k = 2;
        }
        for (utf8proc_ssize_t j = 0; j < k && o + 1 < cap; j++) {
            int32_t d = dec[j];
            if ((d >= 'a' && d <= 'z') || (d >= '0' && d <= '9'))
                out[o++] = (char)(upper && d >= 'a' ? d - 32 : d);
        }
    }
    out[o] = '\0';
    return o;
}

unsigned ts_edit_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max)
{
    if (na > 255) na = 255;
    if (nb > 255) nb = 255;
    size_t diff = na > nb ? na - nb : nb - na;
    if (diff > max) return max + 1;
    /* three rows: i-2, i-1, i */
    unsigned r0[256], r1[256], r2[256];
    unsigned *pp = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= nb; j++) prev[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (unsigned)i;
        unsigned best = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < best) best = v;
        }
        if (best > max) return max + 1;
        unsigned *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb] > max ? max + 1 : prev[nb];
}

double ts_similarity(const char *a, size_t na, const char *b, size_t nb)
{
    size_t m = na > nb ? na : nb;
    if (m == 0) return 1.0;
    unsigned d = ts_edit_distance(a, na, b, nb, (unsigned)m);
    return 1.0 - (double)d / (double)m;
}
