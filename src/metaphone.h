/*
 * metaphone.h - Double Metaphone phonetic keys.
 *
 * Written from Lawrence Philips' published description of the algorithm
 * ("The Double Metaphone Search Algorithm", C/C++ Users Journal, 2000),
 * without its four-letter cap on the key: the dictionary pass compares the
 * keys of whole multi-word phrases ("new book ring" NPKRNK against
 * Nürburgring NRPRKRNK), so the tail of a key matters as much as its head.
 * The input is a word or a run of words already folded to upper-case ASCII
 * letters and digits (see ts_fold_ascii); digits are copied to the key.
 * Keys use the classic alphabet: 0 for "th", X for "sh"/"ch", J, K, ...
 */
#ifndef TS_METAPHONE_H
#define TS_METAPHONE_H

#include <stddef.h>

/* Writes the primary and the alternate key (NUL-terminated, at most cap-1
 * bytes each; cap >= 2).  Returns the length of the primary key. */
size_t ts_double_metaphone(const char *word, size_t len, char *primary, char *alternate,
                           size_t cap);

#endif
