/*
 * spell.h - a thin handle over hunspell, owned by a context.
 *
 * Opening a dictionary costs tens of milliseconds, so a context opens it on
 * first use and keeps it; hunspell handles are not thread-safe, which is why
 * each context has its own.
 */
#ifndef TS_SPELL_H
#define TS_SPELL_H

#include <stddef.h>

#include "mem.h"

typedef struct ts_speller ts_speller;

/* Opens DIR/LANG.aff and DIR/LANG.dic; NULL when they cannot be opened. */
ts_speller *ts_speller_open(const char *dir, const char *lang);
void ts_speller_close(ts_speller *sp);
/* 1 when the word (UTF-8, len bytes, < 256) is correctly spelled. */
int ts_speller_check(ts_speller *sp, const char *word, size_t len);
/* Adds a word to the runtime dictionary. */
int ts_speller_add(ts_speller *sp, const char *word);
/* Hunspell's suggestions for a word (UTF-8, len bytes, < 256), best first:
 * at most max of them, copied into the arena; returns how many (0 when
 * there are none or memory ran out).  Costs milliseconds: memoise. */
size_t ts_speller_suggest(ts_speller *sp, const char *word, size_t len, ts_arena *a,
                          const char **out, size_t max);

#endif
