/*
 * similar.h - how alike two words are: folding and edit distances.
 *
 * The dictionary and spelling passes compare words as letters
 * ("rustacane" against "rustacean") and as phonetic keys.  Both comparisons
 * start from a folded form: letters and digits only, diacritics removed,
 * one case ("Nürburgring" -> "nurburgring").
 */
#ifndef TS_SIMILAR_H
#define TS_SIMILAR_H

#include <stddef.h>

/* Folds UTF-8 text to ASCII letters and digits: lower case when `upper` is
 * 0, upper case otherwise; everything else (spaces, punctuation, letters
 * without an ASCII base) is dropped.  Writes at most cap-1 bytes and a NUL;
 * returns the length written. */
size_t ts_fold_ascii(const char *s, size_t n, char *out, size_t cap, int upper);

/* Optimal-string-alignment distance (Levenshtein plus adjacent
 * transpositions) between a[0..na) and b[0..nb), both < 256 bytes; returns
 * max+1 as soon as the distance must exceed `max`. */
unsigned ts_edit_distance(const char *a, size_t na, const char *b, size_t nb, unsigned max);

/* 1 - distance / longer length, in 0..1. */
double ts_similarity(const char *a, size_t na, const char *b, size_t nb);

#endif
