/*
 * udiff: line-based unified diff generation for tscrub.
 *
 * tscrub shows users what a cleanup pass changed in a transcript, and the
 * output must be readable by the tools people already have (patch, git
 * apply, review UIs), so the format follows GNU `diff -u` exactly.  The
 * module only computes and formats the diff; where the bytes go is decided
 * by the caller's write callback, so it works for files, pipes and memory.
 */
#ifndef TS_UDIFF_H
#define TS_UDIFF_H

#include <stddef.h>

/* Returns 0 on success, non-zero on write error. */
typedef int (*ts_write_fn)(void *ud, const char *data, size_t len);

/*
 * Writes a unified diff of a (alen bytes) against b (blen bytes).  The
 * header lines are "--- label_a" and "+++ label_b" (no timestamps); a NULL
 * label is treated as "".  `context` is the number of unchanged lines shown
 * around each change (GNU diff's -U).  Lines are split on '\n'; a missing
 * final newline is reported with GNU's "\ No newline at end of file" marker.
 *
 * Returns 0 when a and b are identical (nothing written), 1 when a diff was
 * written, -1 on allocation failure or when write returned non-zero (output
 * may then be partial).
 *
 * The diff is a patience diff with a bounded Myers diff inside the gaps
 * between anchors: always correct, minimal in the common case, but not
 * guaranteed minimal (or hunk-for-hunk identical to GNU diff) when a region
 * is very dissimilar.
 */
int ts_udiff(const char *a, size_t alen, const char *b, size_t blen,
             const char *label_a, const char *label_b, unsigned context,
             ts_write_fn write, void *ud);

#endif /* TS_UDIFF_H */
