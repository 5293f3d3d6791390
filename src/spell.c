/*
 * spell.c - hunspell behind a small interface, so passes do not depend on
 * hunspell's headers and words need not be NUL-terminated.
 */
#include "spell.h"

#include <hunspell/hunspell.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* hunspell keeps a process-wide UTF table that every Hunspell_create and
 * Hunspell_destroy counts references to without a lock; handles are
 * created and destroyed one at a time so contexts on several threads
 * (tscrub -j) do not race on it.  The lock guards only that; each handle
 * is then used by its own context alone. */
static pthread_mutex_t hunspell_lifecycle = PTHREAD_MUTEX_INITIALIZER;

struct ts_speller {
    Hunhandle *h;
};

ts_speller *ts_speller_open(const char *dir, const char *lang)
{
    char aff[4096], dic[4096];
    if (snprintf(aff, sizeof aff, "%s/%s.aff", dir, lang) >= (int)sizeof aff ||
        snprintf(dic, sizeof dic, "%s/%s.dic", dir, lang) >= (int)sizeof dic)
        return NULL;
    /* hunspell prints to stderr and returns an empty handle for missing
     * files; check first so the library stays silent. */
    if (access(aff, R_OK) != 0 || access(dic, R_OK) != 0) return NULL;
    ts_speller *sp = malloc(sizeof *sp);
    if (!sp) return NULL;
    pthread_mutex_lock(&hunspell_lifecycle);
    sp->h = Hunspell_create(aff, dic);
    pthread_mutex_unlock(&hunspell_lifecycle);
    if (!sp->h) {
        free(sp);
        return NULL;
    }
    return sp;
}

void ts_speller_close(ts_speller *sp)
{
    if (!sp) return;
    pthread_mutex_lock(&hunspell_lifecycle);
    Hunspell_destroy(sp->h);
    pthread_mutex_unlock(&hunspell_lifecycle);
    free(sp);
}

int ts_speller_check(ts_speller *sp, const char *word, size_t len)
{
    char w[256];
    if (!sp || len == 0 || len >= sizeof w) return 0;
    memcpy(w, word, len);
    w[len] = '\0';
    return Hunspell_spell(sp->h, w) != 0;
}

int ts_speller_add(ts_speller *sp, const char *word)
{
    return sp ? Hunspell_add(sp->h, word) : -1;
}

size_t ts_speller_suggest(ts_speller *sp, const char *word, size_t len, ts_arena *a,
                          const char **out, size_t max)
{
    char w[256];
    if (!sp || len == 0 || len >= sizeof w) return 0;
    memcpy(w, word, len);
    w[len] = '\0';
    char **list = NULL;
    int n = Hunspell_suggest(sp->h, &list, w);
    size_t k = 0;
    for (int i = 0; i < n && k < max; i++) {
        const char *c = ts_arena_strdup(a, list[i]);
        if (!c) break;
        out[k++] = c;
    }
    if (list) Hunspell_free_list(sp->h, &list, n);
    return k;
}
