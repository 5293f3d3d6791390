/*
 * pass_dictionary.c - custom terms: known mis-hearings, canonical casing,
 * and sounds-like matches.
 *
 * The pass reads the context's term set (dict.h) and indexes it once per
 * context: a hash map from normalised word sequences ("cosmo router",
 * "claude opus 4") and from compact spellings ("chatgpt") to terms, with
 * every proper prefix marked so that matching extends a window word by word
 * only while some term still starts that way (a trie kept in a hash map);
 * a map from single words to the terms they anchor (a word of a multi-word
 * term, or a leading or trailing piece of a one-word term: "rust" in
 * Rustacean, "ring" in Nürburgring); and a phonetic index of terms by the
 * first symbol of their Double Metaphone key and each pair of neighbouring
 * symbols in it.  Each distinct word of a transcript is analysed once (its
 * normalised form, phonetic key, whether hunspell knows it, what it anchors,
 * whether anything can start near it) and memoised, so a run costs one hash
 * lookup per word plus work only at the tokens where a match or a window can
 * start; a window's candidates are rejected from packed bounds before they
 * are scored, and each distinct window is judged once.
 *
 * At each word the longest exact match wins (case, spacing, hyphens and
 * spelled numbers are variants of the canonical form; a heard: variant is a
 * known mis-hearing).  Otherwise windows of 1-4 words are compared with the
 * candidate terms by phonetic key (longest common subsequence) and by
 * letters (edit distance).  A window made only of words hunspell knows must
 * be anchored and score higher than one holding an unknown word, so good
 * phrases that merely sound alike stay.  A term whose lower-case form is a
 * common word (Go, Rust, Cursor) changes only where its guard: words are
 * near (within: words, default 40; a guard phrase holding the word itself,
 * "in go", must surround it) and none of its except: phrases matches;
 * without a guard it never changes, and an occurrence fixed in a run is
 * company for the others.  A window of known words is fixed only towards a
 * term already written in the transcript ("primed") that it lines up with
 * word for word.  High confidence is fixed, lower is reported as
 * dictionary/suggestion.
 *
 * Some words are what they are as written: a word of a speaker's label is
 * never a term's plural or possessive, and a sounds-like match on it or on
 * a word in mixed case ("CoinJoin") is at most a suggestion; two common
 * words joined ("up a" for UPA) are only suggested and prime nothing.  A
 * suggestion takes no words from what follows it.
 *
 * The engine re-runs the pass until it proposes nothing; the tokens (12
 * bytes a word, one buffer for every round) of segments whose text did not
 * change are reused with what is known not to start at them.  In fix mode
 * the pass first tries to prove that a round's edits leave nothing for the
 * next (prove_settled, under "settling") and then marks them as settling,
 * so that the engine does not run the confirming round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "context.h"
#include "dict.h"
#include "metaphone.h"
#include "pass.h"
#include "similar.h"
#include "spell.h"
#include "strmap.h"
#include "utf8.h"

enum {
    R_CASE,
    R_FORM,
    R_MISHEARD,
    R_POSSESSIVE,
    R_SOUNDS_LIKE,
    R_SUGGESTION,
    R_COUNT
};

static const ts_rule_info dict_rules[R_COUNT] = {
    [R_CASE] = {"dictionary/case", "a term written in its canonical casing", TS_SEV_WARNING},
    [R_FORM] = {"dictionary/form", "a term's spacing, hyphens or number form made canonical", TS_SEV_WARNING},
    [R_MISHEARD] = {"dictionary/misheard", "a known mis-hearing replaced by its term", TS_SEV_WARNING},
    [R_POSSESSIVE] = {"dictionary/possessive", "a term's possessive or plural written canonically", TS_SEV_WARNING},
    [R_SOUNDS_LIKE] = {"dictionary/sounds-like", "words that sound like a term replaced by it", TS_SEV_WARNING},
    [R_SUGGESTION] = {"dictionary/suggestion", "words that may be a term (not changed)", TS_SEV_INFO},
};

#define KEY_CAP 48
#define WORD_CAP 128
#define MAX_TERM_WORDS 8
#define MAX_WINDOW 4
#define GUARD_RADIUS 40
#define MEMO_LIMIT 2000000

/* ---- the index -------------------------------------------------------- */

typedef struct {
    uint32_t *v;
    uint32_t n, cap;
} id_list;

/* An except: or guard: phrase split into its folded words once, since
 * every occurrence of a term's word is checked against all of them. */
typedef struct {
    uint32_t id[MAX_TERM_WORDS];  /* the words as numbered in dict_state.phrase_words */
    uint8_t count;
} phrase;

typedef struct {
    const ts_term *t;
    phrase *except;               /* t->except, split */
    phrase *gphrase;              /* the guard: phrases of two words or more */
    uint32_t n_gphrase;
    uint32_t text_len;            /* strlen(t->text) */
    bool lone_phrase;             /* an except: phrase of one word */
    uint64_t phrase_bits;         /* phrase_bit()s of the words of its except: and guard: phrases */
    const char *compact;          /* folded letters and digits */
    char key[KEY_CAP], alt[KEY_CAP];
    uint16_t compact_len;
    uint8_t key_len, alt_len, n_words;
    uint8_t hist[2][48];          /* symbol counts of key and alt (see sym_hist) */
    bool ambiguous;               /* one word, and hunspell knows it in lower case */
    bool plural;                  /* "Xs" is a plural: acronyms, plural flag */
    bool no_sounds;               /* the exact flag: no sounds-like matching */
} term_info;

typedef struct {
    int32_t canon, heard, compact, comp; /* term ids, -1 when none */
    const char *comp_text;        /* canonical spelling of a component word */
    uint32_t comp_len;
    bool prefix;                  /* a longer spaced key starts with this one */
    bool cprefix;                 /* a longer compact key starts with this one */
    uint64_t next, cnext;         /* symbols that follow the prefix (spaced, compact) */
} key_entry;

/* A bit for the symbol a key continues with, so that extending a window
 * that no term continues costs no hash lookup. */
static uint64_t sym_bit(char c)
{
    if (c >= 'a' && c <= 'z') return 1ull << (c - 'a');
    if (c >= '0' && c <= '9') return 1ull << (26 + c - '0');
    return 1ull << 63;
}

typedef struct {
    const char *norm, *fold;      /* numbers as digits / plain; lower-case ASCII */
    uint16_t norm_len, fold_len;
    char key[KEY_CAP];
    uint8_t key_len;
    uint8_t shape;                /* SHAPE_* */
    bool common;                  /* hunspell knows the lower-case form */
    bool has_alpha;
    uint32_t phrase_id;           /* its number among the words of except: and guard:
                                   * phrases, 0 when it is in none */
    /* What may start near the word (see tokenize): an exact match at it
     * (HOT_EXACT), and sounds-like windows holding it anywhere (HOT_ANY),
     * first (HOT_FIRST) or last (HOT_LAST). */
    uint8_t hot;
    bool stop;                    /* itself a (non-ambiguous) term or a mis-hearing */
    bool stop_s;                  /* without its final s, a (non-ambiguous) term */
    uint64_t cont;                /* sym_bit()s of the words that may follow it in a key */
    const key_entry *k1;          /* the entry for norm */
    const key_entry *k1s;         /* the entry for norm without a final 's' */
    const id_list *anchors_word, *anchors_prefix, *anchors_suffix, *guard_of;
} word_info;

enum { SHAPE_LOWER, SHAPE_CAPITAL, SHAPE_UPPER, SHAPE_MIXED, SHAPE_NONE };
/* wflags: the word guards some term; an exact match may start at it
 * (exact_match); a key continues after it (cont); it has letters or
 * digits (has_alpha); and its `hot` in the high four bits.  Read for
 * every token, they stay cached where the word_info would not. */
enum { WF_GUARD = 1, WF_MATCH = 2, WF_CONT = 4, WF_ALPHA = 8, WF_HOT_SHIFT = 4 };

/* short_word's table */
#define SHORT_BITS 12
#define SHORT_SLOTS (1u << SHORT_BITS)

typedef struct short_slot {
    uint64_t bytes;
    uint32_t len;                 /* 0: empty */
    uint32_t wi;
} short_slot;

enum { HOT_EXACT = 1, HOT_ANY = 2, HOT_FIRST = 4, HOT_LAST = 8 };

typedef struct {
    const ts_termset *set;
    term_info *terms;             /* malloc'd, set->n */
    size_t n;
    ts_arena arena;               /* key entries, folded strings */
    ts_strmap keys;               /* key -> key_entry */
    ts_strmap anchors;            /* "w:"/"p:"/"s:"/"g:" + word -> id_list (malloc'd arrays) */
    ts_strmap phrase_words;       /* the words of all except: and guard: phrases */
    id_list buckets[64];          /* by first key symbol */
    /* The phonetic index: terms by the first symbol of their key (or
     * alternate key) and a pair of neighbouring symbols in it, so a window
     * meets only the terms that share a piece of its sound; keys shorter
     * than a pair are listed by first symbol alone. */
    id_list *grams;               /* malloc'd, N_SYM^3 */
    /* What base_score checks first, for every term a window meets, packed
     * so that rejecting a term touches 8 bytes rather than its term_info. */
    struct term_quick {
        uint16_t compact_len;
        char key0, alt0;
        bool no_sounds;
    } *quick;
    id_list shorts[64];
    uint32_t *stamp;              /* per term: the window evaluation that last met it */
    uint32_t epoch;
    uint32_t *cand;               /* candidates of one window */
    uint64_t *cand_bits;          /* a bit per term, to put them in order */
    size_t cap_cand;
    ts_strmap memo;               /* word -> 1 + its index in wv */
    struct short_slot *shorts_seen; /* malloc'd, SHORT_SLOTS: see short_word */
    struct win_slot *wins;        /* malloc'd: word indices of a window -> its result */
    size_t n_wins, cap_wins;
    word_info *wv;                /* malloc'd: every distinct word seen, memo's values */
    uint8_t *wflags;              /* malloc'd, parallel to wv: WF_* (a guard looks at 80
                                   * words: a byte each stays cached) */
    uint32_t n_wv, cap_wv;
    /* The round's tokens; the buffer is kept for the engine's next round,
     * which reuses the tokens of segments whose text it did not change. */
    struct token_list *tl;
    uint64_t *seg_hash;           /* malloc'd: per segment of the last round, its text hash */
    size_t n_seg_hash;            /* 0: nothing to reuse */
    ts_arena memo_arena;
    struct ts_speller *sp;
    int max_words;
    size_t max_radius;            /* the widest guard (within:) of any term */
    bool findings_unused;         /* "findings=0" (fix, diff): suggestions are not shown */
} dict_state;

static const char *const number_words[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"};

/* Folds a word; with `numbers`, a spelled number 0-20 becomes its digits,
 * so "Opus four" and "Opus 4" meet. */
static size_t norm_word(const char *s, size_t n, char *out, size_t cap, bool numbers)
{
    size_t l = ts_fold_ascii(s, n, out, cap, 0);
    if (!numbers) return l;
    for (size_t i = 0; i < sizeof number_words / sizeof *number_words; i++)
        if (strlen(number_words[i]) == l && memcmp(number_words[i], out, l) == 0)
            return (size_t)snprintf(out, cap, "%zu", i);
    return l;
}

#define N_SYM 37

static int bucket_of(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= '0' && c <= '9') return 26 + (c - '0');
    return 36;
}

/* Counts of each key symbol: the sum over symbols of the smaller of two
 * counts bounds the longest common subsequence of two keys from above. */
static void sym_hist(const char *k, size_t n, uint8_t h[48])
{
    memset(h, 0, 48);
    for (size_t i = 0; i < n; i++)
        if (h[bucket_of(k[i])] < 255) h[bucket_of(k[i])]++;
}

static unsigned hist_bound(const uint8_t *a, const uint8_t *b)
{
    unsigned s = 0;
    for (int i = 0; i < 48; i++) s += a[i] < b[i] ? a[i] : b[i];
    return s;
}

static size_t gram_of(char first, const char *pair)
{
    return ((size_t)bucket_of(first) * N_SYM + (size_t)bucket_of(pair[0])) * N_SYM +
           (size_t)bucket_of(pair[1]);
}


static int list_push(id_list *l, uint32_t id)
{
    if (l->n && l->v[l->n - 1] == id) return 0;
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        uint32_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return 0;
}

/* Lists term id under the phonetic key k[0, n). */
static int gram_index(dict_state *d, const char *k, size_t n, uint32_t id)
{
    if (n < 2) return list_push(&d->shorts[bucket_of(k[0])], id);
    for (size_t i = 0; i + 1 < n; i++)
        if (list_push(&d->grams[gram_of(k[0], k + i)], id)) return -1;
    return 0;
}

static key_entry *entry_for(dict_state *d, const char *key, size_t len)
{
    int added;
    ts_strmap_slot *s = ts_strmap_put(&d->keys, key, len, &added);
    if (!s) return NULL;
    if (added) {
        key_entry *e = ts_arena_calloc(&d->arena, 1, sizeof *e);
        if (!e) return NULL;
        e->canon = e->heard = e->compact = e->comp = -1;
        s->value = e;
    }
    return s->value;
}

static int anchor_add(dict_state *d, char kind, const char *w, size_t n, uint32_t id)
{
    char k[WORD_CAP + 2];
    if (n + 2 > sizeof k) return 0;
    k[0] = kind;
    k[1] = ':';
    memcpy(k + 2, w, n);
    int added;
    ts_strmap_slot *s = ts_strmap_put(&d->anchors, k, n + 2, &added);
    if (!s) return -1;
    if (added && !(s->value = calloc(1, sizeof(id_list)))) return -1;
    return list_push(s->value, id);
}

static const id_list *anchor_get(const dict_state *d, char kind, const char *w, size_t n)
{
    char k[WORD_CAP + 2];
    if (n + 2 > sizeof k) return NULL;
    k[0] = kind;
    k[1] = ':';
    memcpy(k + 2, w, n);
    ts_strmap_slot *s = ts_strmap_find(&d->anchors, k, n + 2);
    return s ? s->value : NULL;
}

static bool is_common(dict_state *d, const char *fold, size_t n)
{
    if (!d->sp) return true; /* without hunspell, assume the worst */
    return n > 0 && ts_speller_check(d->sp, fold, n);
}

/* Does hunspell know the word as written or in lower case?  Apostrophes
 * stay ("don't"), so contractions count as the common words they are. */
static bool word_known(dict_state *d, const char *s, size_t n)
{
    if (!d->sp) return true;
    if (n == 0 || n >= WORD_CAP) return false;
    if (ts_speller_check(d->sp, s, n)) return true;
    char low[WORD_CAP];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80) return false; /* non-ASCII: as written only */
        low[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    }
    return ts_speller_check(d->sp, low, o);
}

/* Splits text into words at blanks and hyphens. */
typedef struct {
    const char *s[MAX_TERM_WORDS];
    size_t n[MAX_TERM_WORDS];
    int count;
} words;

static void split_words(const char *text, words *w)
{
    w->count = 0;
    const char *p = text;
    while (*p && w->count < MAX_TERM_WORDS) {
        while (*p == ' ' || *p == '\t' || *p == '-') p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '-') q++;
        if (q > p) {
            w->s[w->count] = p;
            w->n[w->count++] = (size_t)(q - p);
        }
        p = q;
    }
}

/* A bit for a word of the except: and guard: phrases (0: none), so that
 * a term whose phrases hold neither neighbour of a word skips them all. */
static uint64_t phrase_bit(uint32_t id) { return id ? 1ull << (id & 63) : 0; }

/* Splits a folded phrase into word numbers, numbering new words in `all`
 * from 1. */
static int split_phrase(ts_strmap *all, const char *text, phrase *p)
{
    words w;
    split_words(text, &w);
    p->count = (uint8_t)w.count;
    for (int i = 0; i < w.count; i++) {
        int added;
        ts_strmap_slot *sl = ts_strmap_put(all, w.s[i], w.n[i], &added);
        if (!sl) return -1;
        if (added) sl->value = (void *)(uintptr_t)all->n;
        p->id[i] = (uint32_t)(uintptr_t)sl->value;
    }
    return 0;
}

/* Normalised spaced key of a phrase: "Claude Opus four" -> "claude opus 4". */
static size_t spaced_key(const words *w, char *out, size_t cap, size_t *ends)
{
    size_t o = 0;
    for (int i = 0; i < w->count; i++) {
        char t[WORD_CAP];
        size_t l = norm_word(w->s[i], w->n[i], t, sizeof t, true);
        if (!l) {
            ends[i] = o;
            continue;
        }
        if (o && o + 1 < cap) out[o++] = ' ';
        if (o + l >= cap) break;
        memcpy(out + o, t, l);
        o += l;
        ends[i] = o;
    }
    out[o] = '\0';
    return o;
}

static ts_status index_term(dict_state *d, uint32_t id)
{
    term_info *ti = &d->terms[id];
    const ts_term *t = ti->t;
    words w;
    split_words(t->text, &w);
    ti->n_words = (uint8_t)w.count;
    ti->text_len = (uint32_t)strlen(t->text);
    /* "C++", "C#", "F#": folding would leave a bare letter that matches
     * every "C"; such terms are left as they are written. */
    if (strpbrk(t->text, "+#@&*=<>|~^%$")) return TS_OK;
    if (w.count > d->max_words) d->max_words = w.count;
    char buf[512], cbuf[512];
    size_t ends[MAX_TERM_WORDS];
    size_t len = spaced_key(&w, buf, sizeof buf, ends);
    if (!len) return TS_OK;
    /* spaced key and its word prefixes */
    key_entry *e = entry_for(d, buf, len);
    if (!e) return TS_ERR_NOMEM;
    if (e->canon < 0) e->canon = (int32_t)id;
    for (int i = 0; i + 1 < w.count; i++) {
        key_entry *p = entry_for(d, buf, ends[i]);
        if (!p) return TS_ERR_NOMEM;
        p->prefix = true;
        p->next |= sym_bit(buf[ends[i] + 1]);
    }
    /* compact key and its prefixes */
    size_t cl = 0;
    for (size_t i = 0; i < len; i++)
        if (buf[i] != ' ') cbuf[cl++] = buf[i];
    cbuf[cl] = '\0';
    ti->compact = ts_arena_strndup(&d->arena, cbuf, cl);
    if (!ti->compact) return TS_ERR_NOMEM;
    ti->compact_len = (uint16_t)cl;
    key_entry *c = entry_for(d, cbuf, cl);
    if (!c) return TS_ERR_NOMEM;
    if (c->compact < 0) c->compact = (int32_t)id;
    for (size_t i = 2; i < cl; i++) {
        key_entry *p = entry_for(d, cbuf, i);
        if (!p) return TS_ERR_NOMEM;
        p->cprefix = true;
        p->cnext |= sym_bit(cbuf[i]);
    }
    /* phonetic key from the plain letters ("four", not "4") */
    char up[256];
    size_t ul = ts_fold_ascii(t->text, strlen(t->text), up, sizeof up, 1);
    char alt[KEY_CAP];
    ti->key_len = (uint8_t)ts_double_metaphone(up, ul, ti->key, alt, KEY_CAP);
    memcpy(ti->alt, alt, KEY_CAP);
    ti->alt_len = (uint8_t)strlen(alt);
    sym_hist(ti->key, ti->key_len, ti->hist[0]);
    sym_hist(ti->alt, ti->alt_len, ti->hist[1]);
    ti->no_sounds = (t->flags & TS_TERM_EXACT) != 0;
    if (ti->key_len && !ti->no_sounds) {
        if (list_push(&d->buckets[bucket_of(ti->key[0])], id)) return TS_ERR_NOMEM;
        if (ti->alt_len && ti->alt[0] != ti->key[0] &&
            list_push(&d->buckets[bucket_of(ti->alt[0])], id))
            return TS_ERR_NOMEM;
        if (gram_index(d, ti->key, ti->key_len, id) ||
            (ti->alt_len && strcmp(ti->alt, ti->key) != 0 &&
             gram_index(d, ti->alt, ti->alt_len, id)))
            return TS_ERR_NOMEM;
    }
    /* ambiguity, plural */
    char f[WORD_CAP];
    size_t fl = w.count == 1 ? ts_fold_ascii(w.s[0], w.n[0], f, sizeof f, 0) : 0;
    ti->ambiguous = fl && is_common(d, f, fl);
    const char *last = w.count ? w.s[w.count - 1] : t->text;
    size_t last_n = w.count ? w.n[w.count - 1] : 0, upper = 0, letters = 0;
    for (size_t i = 0; i < last_n; i++) {
        char ch = last[i];
        if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') {
            letters++;
            upper += ch >= 'A' && ch <= 'Z';
        }
    }
    ti->plural = (t->flags & TS_TERM_PLURAL) || (letters >= 2 && upper == letters);
    /* anchors and components */
    if (!ti->no_sounds) {
        if (w.count > 1) {
            for (int i = 0; i < w.count; i++) {
                char x[WORD_CAP];
                size_t xl = norm_word(w.s[i], w.n[i], x, sizeof x, false);
                if (xl >= 4 && anchor_add(d, 'w', x, xl, id)) return TS_ERR_NOMEM;
            }
        } else {
            for (size_t l = 4; l + 2 <= cl && l <= 12; l++) {
                if (anchor_add(d, 'p', cbuf, l, id)) return TS_ERR_NOMEM;
                if (anchor_add(d, 's', cbuf + cl - l, l, id)) return TS_ERR_NOMEM;
            }
        }
    }
    if (w.count > 1) {
        for (int i = 0; i < w.count; i++) {
            char x[WORD_CAP];
            size_t xl = norm_word(w.s[i], w.n[i], x, sizeof x, false);
            if (xl < 2 || is_common(d, x, xl)) continue;
            key_entry *ce = entry_for(d, x, xl);
            if (!ce) return TS_ERR_NOMEM;
            if (ce->comp < 0) {
                ce->comp = (int32_t)id;
                ce->comp_text = w.s[i];
                ce->comp_len = (uint32_t)w.n[i];
            }
        }
    }
    /* guard words (phrases with the term's own word are matched in place) */
    for (uint32_t g = 0; g < t->n_guard; g++)
        if (!strchr(t->guard[g], ' ') &&
            anchor_add(d, 'g', t->guard[g], strlen(t->guard[g]), id))
            return TS_ERR_NOMEM;
    if (t->n_except &&
        !(ti->except = ts_arena_calloc(&d->arena, t->n_except, sizeof *ti->except)))
        return TS_ERR_NOMEM;
    for (uint32_t x = 0; x < t->n_except; x++) {
        if (split_phrase(&d->phrase_words, t->except[x], &ti->except[x])) return TS_ERR_NOMEM;
        ti->lone_phrase |= ti->except[x].count < 2;
        for (int q = 0; q < ti->except[x].count; q++) ti->phrase_bits |= phrase_bit(ti->except[x].id[q]);
    }
    for (uint32_t g = 0; g < t->n_guard; g++) {
        if (!strchr(t->guard[g], ' ')) continue;
        if (!ti->gphrase &&
            !(ti->gphrase = ts_arena_calloc(&d->arena, t->n_guard, sizeof *ti->gphrase)))
            return TS_ERR_NOMEM;
        if (split_phrase(&d->phrase_words, t->guard[g], &ti->gphrase[ti->n_gphrase++]))
            return TS_ERR_NOMEM;
        const phrase *gp = &ti->gphrase[ti->n_gphrase - 1];
        for (int q = 0; q < gp->count; q++) ti->phrase_bits |= phrase_bit(gp->id[q]);
    }
    /* heard variants */
    for (uint32_t h = 0; h < t->n_heard; h++) {
        words hw;
        split_words(t->heard[h], &hw);
        size_t hends[MAX_TERM_WORDS];
        size_t hl = spaced_key(&hw, buf, sizeof buf, hends);
        if (!hl) continue;
        key_entry *he = entry_for(d, buf, hl);
        if (!he) return TS_ERR_NOMEM;
        if (he->heard < 0) he->heard = (int32_t)id;
        if (hw.count > d->max_words) d->max_words = hw.count;
        for (int i = 0; i + 1 < hw.count; i++) {
            key_entry *p = entry_for(d, buf, hends[i]);
            if (!p) return TS_ERR_NOMEM;
            p->prefix = true;
            p->next |= sym_bit(buf[hends[i] + 1]);
        }
    }
    return TS_OK;
}

static void token_list_free(struct token_list *tl);

static void dict_free(void *state)
{
    dict_state *d = state;
    if (!d) return;
    token_list_free(d->tl);
    free(d->seg_hash);
    free(d->wv);
    free(d->wflags);
    free(d->shorts_seen);
    for (size_t i = 0; i < d->anchors.cap; i++)
        if (d->anchors.slots[i].key && d->anchors.slots[i].value) {
            id_list *l = d->anchors.slots[i].value;
            free(l->v);
            free(l);
        }
    for (size_t i = 0; i < sizeof d->buckets / sizeof *d->buckets; i++) free(d->buckets[i].v);
    for (size_t i = 0; i < sizeof d->shorts / sizeof *d->shorts; i++) free(d->shorts[i].v);
    if (d->grams)
        for (size_t i = 0; i < (size_t)N_SYM * N_SYM * N_SYM; i++) free(d->grams[i].v);
    free(d->grams);
    free(d->quick);
    free(d->stamp);
    free(d->cand);
    free(d->cand_bits);
    ts_strmap_release(&d->anchors);
    ts_strmap_release(&d->keys);
    ts_strmap_release(&d->phrase_words);
    ts_strmap_release(&d->memo);
    free(d->wins);
    ts_arena_release(&d->memo_arena);
    ts_arena_release(&d->arena);
    free(d->terms);
    free(d);
}

static ts_status dict_new(ts_context *ctx, void **state)
{
    ts_status st;
    const ts_termset *set = ts_context_terms(ctx, &st);
    if (!set) return st;
    dict_state *d = calloc(1, sizeof *d);
    if (!d) return TS_ERR_NOMEM;
    ts_arena_init(&d->arena);
    ts_arena_init(&d->memo_arena);
    ts_strmap_init(&d->keys);
    ts_strmap_init(&d->anchors);
    ts_strmap_init(&d->phrase_words);
    ts_strmap_init(&d->memo);
    d->set = set;
    d->n = set->n;
    d->max_words = 1;
    if (set->n) d->sp = ts_context_speller(ctx);
    const char *f = ts_context_option(ctx, "findings");
    d->findings_unused = f && strcmp(f, "0") == 0;
    d->terms = calloc(set->n ? set->n : 1, sizeof *d->terms);
    d->grams = calloc((size_t)N_SYM * N_SYM * N_SYM, sizeof *d->grams);
    d->stamp = calloc(set->n ? set->n : 1, sizeof *d->stamp);
    d->cand_bits = calloc((set->n + 63) / 64 + 1, sizeof *d->cand_bits);
    d->quick = calloc(set->n ? set->n : 1, sizeof *d->quick);
    d->shorts_seen = calloc(SHORT_SLOTS, sizeof *d->shorts_seen); /* optional */
    if (!d->terms || !d->grams || !d->stamp || !d->cand_bits || !d->quick) {
        dict_free(d);
        return TS_ERR_NOMEM;
    }
    for (size_t i = 0; i < set->n; i++) {
        d->terms[i].t = &set->terms[i];
        if ((st = index_term(d, (uint32_t)i))) {
            dict_free(d);
            return st;
        }
        const term_info *ti = &d->terms[i];
        size_t radius = ti->t->within ? ti->t->within : GUARD_RADIUS;
        if (radius > d->max_radius) d->max_radius = radius;
        d->quick[i] = (struct term_quick){ti->compact_len, ti->key[0], ti->alt[0], ti->no_sounds};
    }
    *state = d;
    return TS_OK;
}

/* ---- words ------------------------------------------------------------ */

static uint8_t shape_of(const char *s, size_t n)
{
    size_t up = 0, low = 0, i = 0;
    bool first_up = false;
    while (i < n) {
        size_t l;
        int32_t c = ts_utf8_decode(s + i, n - i, &l);
        if (ts_cp_is_upper(c)) {
            if (up + low == 0) first_up = true;
            up++;
        } else if (ts_cp_is_lower(c)) {
            low++;
        }
        i += l;
    }
    if (up + low == 0) return SHAPE_NONE;
    if (up == 0) return SHAPE_LOWER;
    if (low == 0) return up > 1 ? SHAPE_UPPER : SHAPE_CAPITAL;
    if (first_up && up == 1) return SHAPE_CAPITAL;
    return SHAPE_MIXED;
}

#define NO_WORD UINT32_MAX

/* The index in d->wv of the word s[0, n), analysed on first sight;
 * NO_WORD when memory ran out.  d->wv may move: indices stay valid. */
static uint32_t word_lookup(dict_state *d, const char *s, size_t n)
{
    ts_strmap_slot *slot = ts_strmap_find(&d->memo, s, n);
    if (slot) return (uint32_t)((uintptr_t)slot->value - 1);
    if (d->n_wv == d->cap_wv) {
        uint32_t cap = d->cap_wv ? d->cap_wv * 2 : 1024;
        word_info *v = realloc(d->wv, cap * sizeof *v);
        if (!v) return NO_WORD;
        d->wv = v;
        uint8_t *g = realloc(d->wflags, cap);
        if (!g) return NO_WORD;
        d->wflags = g;
        d->cap_wv = cap;
    }
    int added;
    slot = ts_strmap_put(&d->memo, s, n, &added);
    if (!slot) return NO_WORD;
    word_info *w = &d->wv[d->n_wv];
    memset(w, 0, sizeof *w);
    char norm[WORD_CAP], fold[WORD_CAP], up[WORD_CAP], alt[KEY_CAP];
    size_t nl = norm_word(s, n, norm, sizeof norm, true);
    size_t fl = norm_word(s, n, fold, sizeof fold, false);
    w->norm = ts_arena_strndup(&d->memo_arena, norm, nl);
    w->fold = ts_arena_strndup(&d->memo_arena, fold, fl);
    if (!w->norm || !w->fold) return NO_WORD;
    w->norm_len = (uint16_t)nl;
    w->fold_len = (uint16_t)fl;
    w->shape = shape_of(s, n);
    w->has_alpha = fl > 0;
    if (fl) {
        size_t ul = ts_fold_ascii(s, n, up, sizeof up, 1);
        w->key_len = (uint8_t)ts_double_metaphone(up, ul, w->key, alt, KEY_CAP);
        /* a one- or two-letter scrap ("v" of "<v", "ll") is no evidence
         * of a misheard name: treat it as a known word */
        w->common = fl < 3 || word_known(d, s, n);
        ts_strmap_slot *k = ts_strmap_find(&d->keys, norm, nl);
        w->k1 = k ? k->value : NULL;
        if (nl >= 3 && norm[nl - 1] == 's') {
            size_t bl = nl - 1;
            if (bl >= 2 && norm[bl - 1] == '\'') bl--;
            k = ts_strmap_find(&d->keys, norm, bl);
            w->k1s = k ? k->value : NULL;
        }
        w->anchors_word = anchor_get(d, 'w', fold, fl);
        w->anchors_prefix = anchor_get(d, 'p', fold, fl);
        w->anchors_suffix = anchor_get(d, 's', fold, fl);
        w->guard_of = anchor_get(d, 'g', fold, fl);
        ts_strmap_slot *pw = ts_strmap_find(&d->phrase_words, fold, fl);
        w->phrase_id = pw ? (uint32_t)(uintptr_t)pw->value : 0;
        /* Everything else is a known word that is no term, no piece of
         * one and no mis-hearing: nothing starts at it, and a window of
         * such words has no candidate (see sounds_like). */
        const key_entry *e = w->k1, *es = w->k1s;
        /* A common word that is an ambiguous term without a guard ("is"
         * for a term IS) never changes, and primes nothing unless written
         * as the term is: an exact match at it does nothing. */
        const term_info *ct = e && e->canon >= 0 ? &d->terms[e->canon] : NULL;
        bool inert = ct && ct->ambiguous && !ct->t->n_guard && w->common &&
                     !(n == ct->text_len && memcmp(s, ct->t->text, n) == 0);
        bool final = e && (e->canon >= 0 || e->heard >= 0 || e->compact >= 0 || e->comp >= 0);
        if ((final && !inert) || (!final && es && (es->canon >= 0 || es->comp >= 0)))
            w->hot |= HOT_EXACT;
        if (!w->common || w->anchors_word) w->hot |= HOT_ANY;
        if (w->anchors_prefix) w->hot |= HOT_FIRST;
        if (w->anchors_suffix) w->hot |= HOT_LAST;
        w->stop = e && ((e->canon >= 0 && !d->terms[e->canon].ambiguous) ||
                        (e->compact >= 0 && !d->terms[e->compact].ambiguous) || e->heard >= 0);
        w->stop_s = es && es->canon >= 0 && !d->terms[es->canon].ambiguous;
        /* "the" starts a key ("the ano" for Theano) only before some words */
        w->cont = e ? (e->prefix ? e->next : 0) | (e->cprefix ? e->cnext : 0) : 0;
    }
    {
        const key_entry *e = w->k1, *es = w->k1s;
        bool match = w->cont || (e && (e->canon >= 0 || e->heard >= 0 || e->compact >= 0 || e->comp >= 0)) ||
                     (es && (es->canon >= 0 || es->comp >= 0));
        d->wflags[d->n_wv] = (uint8_t)((w->guard_of ? WF_GUARD : 0) | (match ? WF_MATCH : 0) |
                                       (w->cont ? WF_CONT : 0) | (w->has_alpha ? WF_ALPHA : 0) |
                                       (w->hot << WF_HOT_SHIFT));
    }
    slot->value = (void *)(uintptr_t)(d->n_wv + 1);
    return d->n_wv++;
}

/* Most words of a transcript are short and frequent: a small table from
 * a word of up to 8 bytes (its bytes, loaded at once and masked, are the
 * key) to its index answers most lookups without hashing the word and
 * probing the memo.  The caller guarantees 8 readable bytes at s. */
static inline uint32_t short_word(dict_state *d, const char *s, size_t n)
{
    if (!d->shorts_seen) return word_lookup(d, s, n);
    uint64_t v;
    memcpy(&v, s, 8);
    if (n < 8) { /* keep the word's own n bytes, the first in memory */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v &= ~0ull << (8 * (8 - n));
#else
        v &= (1ull << (8 * n)) - 1;
#endif
    }
    short_slot *sl = &d->shorts_seen[((v ^ n) * 0x9E3779B97F4A7C15ull) >> (64 - SHORT_BITS)];
    if (sl->len == n && sl->bytes == v) return sl->wi;
    uint32_t wi = word_lookup(d, s, n);
    if (wi != NO_WORD) *sl = (short_slot){v, (uint32_t)n, wi};
    return wi;
}

/* ---- tokens ----------------------------------------------------------- */

enum { P_NONE = 0, P_COMMA, P_BREAK, P_END };
/* Token cache bits: no exact match starts here; the window of k words
 * starting here has no sounds-like candidate (bit k). */
enum { NONE_EXACT = 1, NONE_SOUNDS = 1u << 7 };
enum { TOK_SENTENCE_START = 1, TOK_APOSTROPHE_S = 2 }; /* ...'s: the word ends in 's */ /* BREAK: a symbol ("+", "--") between words */

/* A transcript has a token per word, 17 million in 100 MB: 12 bytes each,
 * the word as an index into d->wv and its segment found from seg_first. */
typedef struct {
    uint32_t s;             /* the word without surrounding punctuation: [s, s + len) */
    uint32_t wi;            /* index into d->wv */
    uint8_t len;            /* at most 100: longer words are not tokens */
    uint8_t trail;          /* bytes of punctuation after the word (at most 255) */
    uint8_t punct : 2;      /* P_*: what follows the word */
    uint8_t flags : 2;      /* TOK_* */
    uint8_t start : 1;      /* a match or a window may start here (tokenize) */
    uint8_t seen : 1;       /* this round's scan stopped here */
    uint8_t pseen : 1;      /* this round's priming stopped here */
    uint8_t none;           /* NONE_*: what is known not to start here, this round */
} token;
_Static_assert(sizeof(token) <= 12, "tokens are many: keep them small");

static inline uint32_t tok_end(const token *t) { return t->s + t->len; }

typedef struct token_list {
    token *v;
    size_t n, cap;
    uint32_t *hot;          /* indices of the tokens with `start`, ascending */
    size_t n_hot, cap_hot;
    size_t *seg_first;      /* per segment: index of its first token; [n_segs] = n */
    size_t cap_segs;
} token_list;

static void token_list_free(token_list *tl)
{
    if (!tl) return;
    free(tl->v);
    free(tl->hot);
    free(tl->seg_first);
    free(tl);
}

/* The segment holding token k. */
static uint32_t seg_of(const size_t *seg_first, size_t n_segs, size_t k)
{
    size_t lo = 0, hi = n_segs; /* seg_first[lo] <= k < seg_first[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (seg_first[mid] <= k) lo = mid;
        else hi = mid;
    }
    return (uint32_t)lo;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool url_like(const char *p, size_t n)
{
    if (memchr(p, '@', n)) return true;
    for (size_t i = 0; i + 2 < n; i++)
        if (p[i] == ':' && p[i + 1] == '/' && p[i + 2] == '/') return true;
    return n >= 4 && (memcmp(p, "www.", 4) == 0 || memcmp(p, "WWW.", 4) == 0);
}

static ts_status hot_push(token_list *tl, size_t j)
{
    if (tl->n_hot == tl->cap_hot) {
        size_t cap = tl->cap_hot ? tl->cap_hot * 2 : 1024;
        uint32_t *v = realloc(tl->hot, cap * sizeof *v);
        if (!v) return TS_ERR_NOMEM;
        tl->hot = v;
        tl->cap_hot = cap;
    }
    tl->hot[tl->n_hot++] = (uint32_t)j;
    return TS_OK;
}

/* Byte classes for tokenize (blanks, punctuation that may lead or trail a
 * word, and the punctuation that ends a sentence or a clause), one lookup a byte. */
enum { C_BLANK = 1, C_ODD = 2, C_LEAD = 4, C_TRAIL = 8, C_END = 16, C_COMMA = 32 };
static const uint8_t byte_class[256] = {
    [' '] = C_BLANK, ['\t'] = C_BLANK, ['\n'] = C_BLANK, ['\r'] = C_BLANK,
    ['@'] = C_ODD, [':'] = C_ODD | C_TRAIL | C_COMMA,
    ['"'] = C_LEAD | C_TRAIL, ['\''] = C_LEAD | C_TRAIL,
    ['('] = C_LEAD, ['['] = C_LEAD, ['{'] = C_LEAD,
    [')'] = C_TRAIL, [']'] = C_TRAIL, ['}'] = C_TRAIL,
    ['.'] = C_TRAIL | C_END, ['!'] = C_TRAIL | C_END, ['?'] = C_TRAIL | C_END,
    [','] = C_TRAIL | C_COMMA, [';'] = C_TRAIL | C_COMMA,
};
#define BYTE_IS(c, k) ((byte_class[(unsigned char)(c)] & (k)) != 0)

/* Where something may start among the tokens v[first, last) of one
 * segment: an exact match at a term's word or at a word that begins a key
 * the next word continues; a sounds-like window wherever it would hold a
 * word that is no common word or anchors a term (the `maybe` of
 * sounds_like).  Elsewhere nothing can. */
static void mark_starts(const dict_state *d, token *v, size_t first, size_t last)
{
    for (size_t j = first; j < last; j++) {
        uint8_t f = d->wflags[v[j].wi];
        unsigned hot = f >> WF_HOT_SHIFT;
        size_t back = j - first < MAX_WINDOW - 1 ? j - first : MAX_WINDOW - 1;
        if (hot & HOT_EXACT) v[j].start = 1;
        else if ((f & WF_CONT) && j + 1 < last && v[j].punct != P_END &&
                 (d->wv[v[j].wi].cont & sym_bit(d->wv[v[j + 1].wi].norm[0])))
            v[j].start = 1;
        if (hot & HOT_FIRST) v[j].start = 1;
        if (hot & (HOT_ANY | HOT_LAST))
            for (size_t q = 1; q <= back; q++) v[j - q].start = 1;
        if (hot & HOT_ANY) v[j].start = 1;
    }
}

/* mark_starts' answer for token j of a segment's tokens v[.., last). */
static bool start_at(const dict_state *d, const token *v, size_t last, size_t j)
{
    const word_info *w = &d->wv[v[j].wi];
    if (w->hot & (HOT_EXACT | HOT_FIRST | HOT_ANY)) return true;
    if (w->cont && j + 1 < last && v[j].punct != P_END &&
        (w->cont & sym_bit(d->wv[v[j + 1].wi].norm[0])))
        return true;
    for (size_t q = j + 1; q < last && q < j + MAX_WINDOW; q++)
        if (d->wv[v[q].wi].hot & (HOT_ANY | HOT_LAST)) return true;
    return false;
}

static ts_status tokenize(dict_state *d, const char *p, size_t n, token_list *tl, bool *sent)
{
    size_t i = 0, first = tl->n;
    while (i < n) {
        while (i < n && BYTE_IS(p[i], C_BLANK)) i++;
        if (i >= n) break;
        size_t ws = i;
        uint8_t seen = 0; /* C_ODD: '@' or ':', maybe an address (url_like) */
        while (i < n && !BYTE_IS(p[i], C_BLANK)) seen |= byte_class[(unsigned char)p[i++]];
        bool odd = (seen & C_ODD) != 0;
        size_t we = i, s = ws, e = we;
        while (s < e && BYTE_IS(p[s], C_LEAD)) s++;
        while (e > s && BYTE_IS(p[e - 1], C_TRAIL)) e--;
        uint8_t punct = P_NONE;
        for (size_t k = e; k < we; k++) {
            if (BYTE_IS(p[k], C_END)) punct = P_END;
            else if (punct == P_NONE && BYTE_IS(p[k], C_COMMA)) punct = P_COMMA;
        }
        if (e - s > 100 || ((odd || p[ws] == 'w' || p[ws] == 'W') && url_like(p + ws, we - ws))) {
            *sent = punct == P_END;
            continue;
        }
        uint32_t wi = e > s ? (e - s <= 8 && s + 8 <= n ? short_word(d, p + s, e - s)
                                                        : word_lookup(d, p + s, e - s))
                            : NO_WORD;
        if (e > s && wi == NO_WORD) return TS_ERR_NOMEM;
        if (wi == NO_WORD || !(d->wflags[wi] & WF_ALPHA)) {
            /* a dash or a number-less symbol: a break in the phrase */
            if (tl->n && tl->v[tl->n - 1].punct < P_BREAK) tl->v[tl->n - 1].punct = P_BREAK;
            if (punct == P_END) *sent = true;
            continue;
        }
        if (tl->n == tl->cap) {
            size_t cap = tl->cap ? tl->cap * 2 : 1024;
            token *v = realloc(tl->v, cap * sizeof *v);
            if (!v) return TS_ERR_NOMEM;
            tl->v = v;
            tl->cap = cap;
        }
        token *t = &tl->v[tl->n++];
        t->s = (uint32_t)s;
        t->len = (uint8_t)(e - s);
        t->trail = (uint8_t)(we - e > 255 ? 255 : we - e);
        t->punct = punct & 3;
        t->flags = (*sent ? TOK_SENTENCE_START : 0) |
                   (e - s >= 3 && p[e - 1] == 's' && p[e - 2] == '\'' ? TOK_APOSTROPHE_S : 0);
        t->none = 0;
        t->start = 0;
        t->seen = 0;
        t->pseen = 0;
        t->wi = wi;
        *sent = punct == P_END;
    }
    mark_starts(d, tl->v, first, tl->n);
    for (size_t j = first; j < tl->n; j++)
        if (tl->v[j].start && hot_push(tl, j)) return TS_ERR_NOMEM;
    return TS_OK;
}

/* ---- matching --------------------------------------------------------- */

/* Common words a run let become their term inside its guard, by token:
 * few, so sorted lists rather than a slot per token.  The scan approves in
 * token order (appended to `v`); the sweeps approve anywhere, and an
 * insertion into hundreds of thousands would move them all, so theirs go
 * to a short list of their own (`late`), merged in when it grows. */
typedef struct approval_list {
    struct approval { uint32_t tok, term; } *v;
    size_t n, cap;
} approval_list;

typedef struct {
    approval_list in_order, late;
} approvals;

#define LATE_APPROVALS 1024

/* The first approval at or after token k. */
static size_t approval_at(const approval_list *a, size_t k)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->v[mid].tok < k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool list_approved(const approval_list *a, size_t k)
{
    size_t x = approval_at(a, k);
    return x < a->n && a->v[x].tok == k;
}

static bool is_approved(const approvals *a, size_t k)
{
    return list_approved(&a->in_order, k) || list_approved(&a->late, k);
}

static int approval_insert(approval_list *a, size_t at, size_t k, uint32_t term)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        struct approval *v = realloc(a->v, cap * sizeof *v);
        if (!v) return -1;
        a->v = v;
        a->cap = cap;
    }
    memmove(a->v + at + 1, a->v + at, (a->n - at) * sizeof *a->v);
    a->v[at] = (struct approval){(uint32_t)k, term};
    a->n++;
    return 0;
}

static int approval_add(approvals *a, size_t k, uint32_t term)
{
    approval_list *o = &a->in_order, *l = &a->late;
    if (is_approved(a, k)) return 0;
    if (!o->n || o->v[o->n - 1].tok < k) return approval_insert(o, o->n, k, term);
    if (approval_insert(l, approval_at(l, k), k, term)) return -1;
    if (l->n < LATE_APPROVALS) return 0;
    /* merge: both are sorted and hold no token twice */
    struct approval *v = malloc((o->n + l->n) * sizeof *v);
    if (!v) return -1;
    size_t i = 0, j = 0, n = 0;
    while (i < o->n || j < l->n)
        v[n++] = j == l->n || (i < o->n && o->v[i].tok < l->v[j].tok) ? o->v[i++] : l->v[j++];
    free(o->v);
    o->v = v;
    o->n = o->cap = n;
    l->n = 0;
    return 0;
}

static bool list_near(const approval_list *a, size_t lo, size_t hi, size_t except, uint32_t term)
{
    for (size_t x = approval_at(a, lo); x < a->n && a->v[x].tok < hi; x++)
        if (a->v[x].tok != except && a->v[x].term == term) return true;
    return false;
}

/* Was a token in [lo, hi) other than `except` approved as `term`? */
static bool approved_near(const approvals *a, size_t lo, size_t hi, size_t except, uint32_t term)
{
    return list_near(&a->in_order, lo, hi, except, term) || list_near(&a->late, lo, hi, except, term);
}

typedef struct {
    dict_state *d;
    const ts_transcript *tr;
    token *tok;
    size_t first, last;     /* the segment's tokens [first, last) */
    size_t n_all;           /* tokens of the whole transcript (guards look across segments) */
    const ts_transcript *t;
    uint32_t seg;
    const char *text;
    uint8_t *primed;
    ts_edit_list *out;
    const size_t *seg_first;
    approvals *approved;    /* this run's guarded approvals */
    size_t *rejected;       /* tokens whose guard found no company (yet) */
    size_t n_rejected, cap_rejected;
    bool recheck;           /* re-judging a rejected token */
    size_t quiet_until;     /* no suggestion starts before this token (one just did) */
    const uint32_t *speaker_words; /* words of the transcript's speaker labels (d->wv) */
    size_t n_speaker_words;
    uint8_t *miss;          /* per term: a decision here would differ were it primed */
    /* Judging the text as the round's edits will leave it (see
     * settle_proof): guards then look for company in that text. */
    struct settle_proof *proof;
} seg_ctx;

struct settle_proof;
static bool proof_company(struct settle_proof *pr, const seg_ctx *c, size_t i, uint32_t id,
                          size_t radius);

static inline const word_info *wof(const seg_ctx *c, size_t i) { return &c->d->wv[c->tok[i].wi]; }

/* Is token i written as a word of a speaker's name ("Jens")?  Such a word
 * is that person, not a term's plural or a mis-hearing. */
static bool speaker_word(const seg_ctx *c, size_t i)
{
    for (size_t x = 0; x < c->n_speaker_words; x++)
        if (c->speaker_words[x] == c->tok[i].wi) return true;
    return false;
}

typedef struct {
    int32_t term;
    int kind;               /* R_* rule */
    size_t k;               /* tokens covered */
    bool possessive;        /* "Xs" -> "X's" / plural "Xs" */
    bool component;         /* one word of a multi-word term */
} match;

/* Longest exact match at token i (spaced or compact keys). */
static bool exact_match(seg_ctx *c, size_t i, match *m)
{
    dict_state *d = c->d;
    const word_info *w0 = wof(c, i);
    const key_entry *e = w0->k1;
    bool found = false;
    memset(m, 0, sizeof *m);
    m->term = -1;
    if (c->tok[i].none & NONE_EXACT) return false;
    if (!e && !w0->k1s) {
        c->tok[i].none |= NONE_EXACT;
        return false;
    }
    if (e) {
        if (e->canon >= 0) { m->term = e->canon; m->kind = R_CASE; m->k = 1; found = true; }
        else if (e->heard >= 0) { m->term = e->heard; m->kind = R_MISHEARD; m->k = 1; found = true; }
        else if (e->compact >= 0) { m->term = e->compact; m->kind = R_FORM; m->k = 1; found = true; }
        else if (e->comp >= 0) { m->term = e->comp; m->kind = R_CASE; m->k = 1; m->component = true; found = true; }
    }
    char sb[512], cb[512];
    size_t sl = w0->norm_len, cl = w0->norm_len;
    bool sp = e && e->prefix, cp = e && e->cprefix;
    if (sp || cp) {
        memcpy(sb, w0->norm, sl);
        memcpy(cb, w0->norm, cl);
    }
    uint64_t snext = e ? e->next : 0, cnext = e ? e->cnext : 0;
    for (size_t k = 2; (sp || cp) && k <= (size_t)d->max_words + 1 && i + k - 1 < c->last; k++) {
        const token *pt = &c->tok[i + k - 2], *t = &c->tok[i + k - 1];
        if (pt->punct == P_END) break;
        const word_info *w = &d->wv[t->wi];
        if (sl + w->norm_len + 2 > sizeof sb || !w->norm_len) break;
        uint64_t bit = sym_bit(w->norm[0]);
        if (!(snext & bit)) sp = false;
        if (!(cnext & bit)) cp = false;
        if (sp) {
            sb[sl++] = ' ';
            memcpy(sb + sl, w->norm, w->norm_len);
            sl += w->norm_len;
            ts_strmap_slot *s = ts_strmap_find(&d->keys, sb, sl);
            const key_entry *x = s ? s->value : NULL;
            sp = x && x->prefix;
            snext = x ? x->next : 0;
            if (x && x->canon >= 0 && pt->punct == P_NONE) {
                m->term = x->canon; m->kind = R_CASE; m->k = k; m->component = false; found = true;
            } else if (x && x->heard >= 0) {
                m->term = x->heard; m->kind = R_MISHEARD; m->k = k; m->component = false; found = true;
            }
        }
        if (cp) {
            if (pt->punct != P_NONE) {
                cp = false;
                continue;
            }
            memcpy(cb + cl, w->norm, w->norm_len);
            cl += w->norm_len;
            ts_strmap_slot *s = ts_strmap_find(&d->keys, cb, cl);
            const key_entry *x = s ? s->value : NULL;
            cp = x && x->cprefix;
            cnext = x ? x->cnext : 0;
            if (x && x->compact >= 0 && (!found || m->k < k)) {
                m->term = x->compact; m->kind = R_FORM; m->k = k; m->component = false; found = true;
            }
        }
    }
    if (!found && w0->k1s && !(c->tok[i].flags & TOK_APOSTROPHE_S)) {
        const key_entry *x = w0->k1s;
        int32_t id = x->canon >= 0 ? x->canon : x->comp;
        if (id >= 0 && (x->canon >= 0 || x->comp >= 0)) {
            m->term = id; m->kind = R_POSSESSIVE; m->k = 1; m->possessive = true;
            m->component = x->canon < 0;
            found = true;
        }
    } else if (!found && w0->k1s && (c->tok[i].flags & TOK_APOSTROPHE_S)) {
        const key_entry *x = w0->k1s;
        int32_t id = x->canon >= 0 ? x->canon : x->comp;
        if (id >= 0) {
            m->term = id; m->kind = R_CASE; m->k = 1; m->possessive = true;
            m->component = x->canon < 0;
            found = true;
        }
    }
    if (!found) c->tok[i].none |= NONE_EXACT;
    return found;
}

/* Do the folded words around token i spell the except: phrase, with the
 * term's word somewhere in it? */
/* Can a phrase of two words or more hold token i?  Only if a neighbour
 * is a word of some phrase. */
static bool phrase_possible(const seg_ctx *c, size_t i, const term_info *ti)
{
    return (i > c->first && (ti->phrase_bits & phrase_bit(wof(c, i - 1)->phrase_id))) ||
           (i + 1 < c->last && (ti->phrase_bits & phrase_bit(wof(c, i + 1)->phrase_id)));
}

/* Do the words around token i spell the phrase, with token i's word
 * somewhere in it? */
static bool except_matches(const seg_ctx *c, size_t i, const phrase *pw)
{
    uint32_t wid = wof(c, i)->phrase_id;
    if (!wid) return false;
    for (int j = 0; j < pw->count; j++) {
        if (pw->id[j] != wid) continue;
        if (i < c->first + (size_t)j || i - (size_t)j + (size_t)pw->count > c->last) continue;
        size_t base = i - (size_t)j;
        bool ok = true;
        for (int q = 0; q < pw->count && ok; q++) {
            ok = wof(c, base + (size_t)q)->phrase_id == pw->id[q];
            /* a phrase is read without pauses: "in go, and" is not "go and" */
            if (ok && q + 1 < pw->count && c->tok[base + (size_t)q].punct != P_NONE) ok = false;
        }
        if (ok) return true;
    }
    return false;
}

/* Is id in the list?  A word's guard_of list is in ascending order (terms
 * are indexed in order), and a word like "code" guards many terms of a
 * large list: searched by halves. */
static bool list_has(const id_list *l, uint32_t id)
{
    if (!l) return false;
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->v[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->n && l->v[lo] == id;
}

/* May the common word at token i become term `id`?  Only inside its guard
 * and outside its exceptions. */
static bool guard_allows(const seg_ctx *c, size_t i, uint32_t id)
{
    const term_info *ti = &c->d->terms[id];
    const ts_term *t = ti->t;
    if (!t->n_guard) return false;
    const word_info *w = wof(c, i);
    bool phrases = ti->lone_phrase || phrase_possible(c, i, ti);
    for (uint32_t x = 0; phrases && x < t->n_except; x++)
        if (except_matches(c, i, &ti->except[x])) return false;
    /* a guard phrase holding the word itself ("in go", "go versus") */
    for (uint32_t g = 0; phrases && g < ti->n_gphrase; g++)
        if (except_matches(c, i, &ti->gphrase[g])) return true;
    /* the company: guard words, or the term itself written canonically,
     * within `within:` words (default GUARD_RADIUS), across segments */
    size_t radius = t->within ? t->within : GUARD_RADIUS;
    size_t lo = i > radius ? i - radius : 0;
    size_t hi = i + radius + 1 < c->n_all ? i + radius + 1 : c->n_all;
    if (radius <= 10) { /* a close guard stays inside the speaker's turn */
        if (lo < c->first) lo = c->first;
        if (hi > c->last) hi = c->last;
    }
    if (c->proof) return proof_company(c->proof, c, i, id, radius);
    if (c->approved && approved_near(c->approved, lo, hi, i, id)) return true;
    size_t tl = ti->text_len;
    for (size_t k = lo; k < hi; k++) {
        if (k == i) continue;
        const token *o = &c->tok[k];
        if ((c->d->wflags[o->wi] & WF_GUARD) && list_has(c->d->wv[o->wi].guard_of, id)) return true;
        if (o->len != tl) continue;
        const word_info *ow = &c->d->wv[o->wi];
        if (ow->fold_len == w->fold_len && memcmp(ow->fold, w->fold, w->fold_len) == 0 &&
            memcmp(c->t->segs[seg_of(c->seg_first, c->t->n, k)].text + o->s, t->text, tl) == 0)
            return true;
    }
    return false;
}

/* Proposes text[s,e) := repl under a rule, unless it is already so. */
/* Appends n bytes to the message being built in m[0, *len) (cap bytes). */
static void msg_put(char *m, size_t *len, size_t cap, const char *s, size_t n)
{
    if (*len + n >= cap) n = *len < cap ? cap - 1 - *len : 0;
    memcpy(m + *len, s, n);
    *len += n;
}

/* "'TEXT' is 'REPL' (WHY)" or, for a suggestion, "'TEXT' may be 'REPL'
 * (WHY, confidence 0.NN)": written by hand rather than with printf, since
 * a run proposes an edit for every term it meets in every round. */
static const char *edit_message(seg_ctx *c, bool suggestion, const char *text, size_t tl,
                                const char *repl, size_t rl, const char *why, float conf)
{
    char m[1024];
    size_t n = 0;
    if (tl + rl + strlen(why) + 64 > sizeof m) /* rare: let printf size it */
        return suggestion ? ts_edit_message(c->out, "'%.*s' may be '%.*s' (%s, confidence %.2f)",
                                            (int)tl, text, (int)rl, repl, why, conf)
                          : ts_edit_message(c->out, "'%.*s' is '%.*s' (%s)", (int)tl, text,
                                            (int)rl, repl, why);
    msg_put(m, &n, sizeof m, "'", 1);
    msg_put(m, &n, sizeof m, text, tl);
    msg_put(m, &n, sizeof m, suggestion ? "' may be '" : "' is '", suggestion ? 10 : 6);
    msg_put(m, &n, sizeof m, repl, rl);
    msg_put(m, &n, sizeof m, "' (", 3);
    msg_put(m, &n, sizeof m, why, strlen(why));
    if (suggestion) {
        /* %.2f: conf * 100 is exact in a double (a float has 24 bits), so
         * rounding half to even here is what printf does */
        double x = (double)(conf < 0 ? 0 : conf) * 100.0;
        unsigned h = (unsigned)x;
        double frac = x - h;
        if (frac > 0.5 || (frac == 0.5 && (h & 1))) h++;
        char num[24];
        int k = snprintf(num, sizeof num, ", confidence %u.%02u", h / 100, h % 100);
        msg_put(m, &n, sizeof m, num, (size_t)k);
    }
    msg_put(m, &n, sizeof m, ")", 1);
    m[n] = '\0';
    return ts_edit_message(c->out, "%s", m);
}

static void propose(seg_ctx *c, int rule, uint32_t s, uint32_t e, const char *repl, size_t rl,
                    float conf, const char *why)
{
    if (e - s == rl && memcmp(c->text + s, repl, rl) == 0) return;
    ts_edit *ed;
    if (rule == R_SUGGESTION) {
        /* fix and diff show no findings: a suggestion would only be kept
         * in the log (every round, for every occurrence) */
        if (c->d->findings_unused) return;
        ed = ts_edit_report(c->out, &dict_rules[rule], c->seg, s, e);
        if (ed) {
            ed->message = edit_message(c, true, c->text + s, e - s, repl, rl, why, conf);
            ed->confidence = conf;
        }
        return;
    }
    ed = ts_edit_replace(c->out, &dict_rules[rule], c->seg, s, e, repl, rl);
    if (ed) {
        ed->confidence = conf;
        ed->message = edit_message(c, false, c->text + s, e - s, repl, rl, why, conf);
    }
}

/* Function words after which "Xs," is not a possessive before a noun. */
static bool joins_clauses(const word_info *w)
{
    static const char *const list[] = {"and", "but", "or", "so", "because", "which", "who",
                                       "that", "if", "when", "then", "like", "i", "you", "we",
                                       "they", "he", "she", "it", "the", "a", "an"};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        if (strlen(list[i]) == w->fold_len && memcmp(list[i], w->fold, w->fold_len) == 0)
            return true;
    return false;
}

static int ascii_casecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return 1;
    }
    return 0;
}

/* Applies an exact match; returns the tokens consumed (0: not applicable). */
static size_t apply_exact(seg_ctx *c, size_t i, const match *m)
{
    const term_info *ti = &c->d->terms[m->term];
    const ts_term *t = ti->t;
    const token *first = &c->tok[i], *last = &c->tok[i + m->k - 1];
    const word_info *fw = wof(c, i);
    const char *canon = t->text;
    size_t canon_len = ti->text_len;
    const key_entry *ce = NULL;
    if (m->component) {
        ce = m->possessive ? fw->k1s : fw->k1;
        if (!ce || ce->comp < 0) return 0;
        canon = ce->comp_text;
        canon_len = ce->comp_len;
    }
    /* a common word changes only inside its guard, and only from lower case */
    bool all_common = true;
    for (size_t k = 0; k < m->k; k++) all_common &= wof(c, i + k)->common;
    bool phrases = t->n_except && (ti->lone_phrase || phrase_possible(c, i, ti));
    for (uint32_t x = 0; phrases && x < t->n_except; x++)
        if (except_matches(c, i, &ti->except[x])) return m->k;
    /* An all-lower-case term ("should have", "npm") has no casing to
     * teach: only its heard: and form variants apply. */
    bool lower_term = true;
    for (const char *q = canon; *q && lower_term; q++) lower_term = !(*q >= 'A' && *q <= 'Z');
    if (lower_term && m->kind == R_CASE && !m->possessive &&
        tok_end(last) - first->s == canon_len && ascii_casecmp(c->text + first->s, canon, canon_len) == 0)
        return m->k;
    /* A common word changes only inside its guard.  Written as a name
     * (capitalised inside a sentence) or as a non-word ("anthropics") it
     * already says which it is. */
    bool guarded = false;
    /* "this" is not the possessive of a term "Thi", nor "I'm" the term "IM":
     * a one-word match on an everyday word needs the term's guard too. */
    if (m->k == 1 && fw->common && (!ti->ambiguous || m->component)) {
        if (m->component || m->possessive || !t->n_guard) return m->k;
    }
    if (ti->ambiguous && !m->component && fw->common) {
        if (fw->shape == SHAPE_UPPER || fw->shape == SHAPE_MIXED) return m->k;
        if (fw->shape == SHAPE_LOWER || (first->flags & TOK_SENTENCE_START) ||
            fw->shape != shape_of(canon, canon_len)) {
            if (!guard_allows(c, i, (uint32_t)m->term)) {
                /* judged again once its neighbours are known: a fix later
                 * in the text can be the company it lacks */
                if (!c->recheck && t->n_guard) {
                    if (c->n_rejected == c->cap_rejected) {
                        size_t cap = c->cap_rejected ? c->cap_rejected * 2 : 256;
                        size_t *v = realloc(c->rejected, cap * sizeof *v);
                        if (!v) {
                            c->out->failed = true;
                            return m->k;
                        }
                        c->rejected = v;
                        c->cap_rejected = cap;
                    }
                    c->rejected[c->n_rejected++] = i;
                }
                return m->k;
            }
            guarded = true;
            if (c->approved && approval_add(c->approved, i, (uint32_t)m->term)) {
                c->out->failed = true;
                return m->k;
            }
        }
    }
    char repl[600];
    size_t rl = 0;
    if (canon_len + 3 >= sizeof repl) return m->k;
    memcpy(repl, canon, canon_len);
    rl = canon_len;
    /* the capital that starts a sentence stays ("Should have", "Npm") */
    if (lower_term && (first->flags & TOK_SENTENCE_START) && c->text[first->s] >= 'A' && c->text[first->s] <= 'Z' &&
        repl[0] >= 'a' && repl[0] <= 'z')
        repl[0] = (char)(repl[0] - 32);
    uint32_t s = first->s, e = tok_end(last);
    int rule = m->kind;
    const char *why = "canonical casing";
    if (m->possessive && !(first->flags & TOK_APOSTROPHE_S) && speaker_word(c, i)) return m->k;
    if (m->possessive) {
        if (first->flags & TOK_APOSTROPHE_S) {
            repl[rl++] = '\'';
            repl[rl++] = 's';
        } else if (ti->plural) {
            /* "LLMS" is LLMs, but "VPS" or "SAS" is an acronym of its own
             * more often than the plural of VP or SA */
            if (fw->shape == SHAPE_UPPER && tok_end(first) - first->s < 4) return m->k;
            repl[rl++] = 's';
            why = "plural";
        } else {
            repl[rl++] = '\'';
            repl[rl++] = 's';
            rule = R_POSSESSIVE;
            why = "possessive";
            /* "anthropics, new model": the comma splits a possessive from its noun */
            size_t nx = i + 1;
            if (first->punct == P_COMMA && nx < c->last && wof(c, nx)->shape == SHAPE_LOWER &&
                !joins_clauses(wof(c, nx)) && first->trail == 1 &&
                c->text[tok_end(first)] == ',')
                e = tok_end(first) + 1;
        }
    }
    float conf = 0.95f;
    if (rule == R_MISHEARD) {
        why = "known mis-hearing";
        conf = 0.9f;
    } else if (rule == R_FORM) {
        why = "canonical form";
        conf = 0.9f;
        if (m->k > 1 && all_common && !c->primed[m->term]) {
            if (c->miss) c->miss[m->term] = 1;
            rule = R_SUGGESTION;
            conf = 0.6f;
            why = "common words joined";
        }
    } else if (rule == R_CASE) {
        /* case only: does the text differ from the canonical form only in
         * letter case?  Anything else is a form change. */
        char a[600], b[600];
        size_t al = ts_fold_ascii(c->text + s, e - s, a, sizeof a, 0);
        size_t bl = ts_fold_ascii(repl, rl, b, sizeof b, 0);
        if (al != bl || memcmp(a, b, al) != 0) {
            rule = R_FORM;
            why = "canonical form";
        }
    }
    if (guarded) {
        conf = 0.85f;
        why = "in the company of its guard words";
    }
    if (t->flags & TS_TERM_SUGGEST) {
        rule = R_SUGGESTION;
        why = "suggest-only term";
    }
    propose(c, rule, s, e, repl, rl, conf, why);
    return m->k;
}

static unsigned lcs(const char *a, size_t na, const char *b, size_t nb)
{
    unsigned row[KEY_CAP * 2 + 2];
    if (nb > KEY_CAP * 2) nb = KEY_CAP * 2;
    memset(row, 0, (nb + 1) * sizeof *row);
    for (size_t i = 0; i < na; i++) {
        unsigned prev = 0;
        for (size_t j = 0; j < nb; j++) {
            unsigned tmp = row[j + 1];
            if (a[i] == b[j]) row[j + 1] = prev + 1;
            else if (row[j] > row[j + 1]) row[j + 1] = row[j];
            prev = tmp;
        }
    }
    return row[nb];
}

/* A window's phonetic key, prepared once for the many terms it meets. */
typedef struct {
    const char *key;
    size_t kl;
    uint8_t hist[48];             /* sym_hist */
    uint64_t pm[48];              /* per symbol, the bits of its places in key (kl <= 64) */
} win_key;

static void win_key_init(win_key *w, const char *key, size_t kl)
{
    w->key = key;
    w->kl = kl;
    sym_hist(key, kl, w->hist);
    memset(w->pm, 0, sizeof w->pm);
    if (kl <= 64)
        for (size_t i = 0; i < kl; i++) w->pm[bucket_of(key[i])] |= 1ull << i;
}

/* The longest common subsequence of the window key and b[0, nb): for
 * keys of up to 64 symbols, bit-parallel (Allison and Dix; Hyyro), one
 * step per symbol of b. */
static unsigned win_lcs(const win_key *w, const char *b, size_t nb)
{
    if (w->kl > 64) return lcs(w->key, w->kl, b, nb);
    if (nb > KEY_CAP * 2) nb = KEY_CAP * 2;
    uint64_t v = ~0ull;
    for (size_t j = 0; j < nb; j++) {
        uint64_t u = v & w->pm[bucket_of(b[j])];
        v = (v + u) | (v - u);
    }
    uint64_t mask = w->kl == 64 ? ~0ull : (1ull << w->kl) - 1;
    return (unsigned)__builtin_popcountll(~v & mask);
}

static double phon_sim(const win_key *w, const term_info *ti)
{
    double best = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *tk = pass ? ti->alt : ti->key;
        size_t tl = pass ? ti->alt_len : ti->key_len;
        if (!tl || !w->kl || tk[0] != w->key[0]) continue;
        double s = 2.0 * win_lcs(w, tk, tl) / (double)(w->kl + tl);
        if (s > best) best = s;
    }
    return best;
}

/* The window has the term's number of words, and one of them is the
 * term's word at the same place. */
static bool aligned_anchor(const dict_state *d, const token *tok, size_t i, size_t k,
                           const term_info *ti)
{
    if (k != ti->n_words || k < 2) return false;
    words w;
    split_words(ti->t->text, &w);
    for (size_t q = 0; q < k && (int)q < w.count; q++) {
        char x[WORD_CAP];
        size_t xl = norm_word(w.s[q], w.n[q], x, sizeof x, false);
        const word_info *wi = &d->wv[tok[i + q].wi];
        if (xl == wi->fold_len && memcmp(x, wi->fold, xl) == 0) return true;
    }
    return false;
}

/* The least base score a window must reach to be a candidate: a
 * suggestion needs 0.72, and an anchored window gets 0.05 on top. */
#define MIN_BASE 0.67

/* Score of a window against a term from sound and letters alone (0.7 of
 * the phonetic similarity of the keys, 0.3 of the letters'); -1 when it is
 * no candidate, which includes every score below MIN_BASE.  Cheap upper
 * bounds come first: most terms a window meets are far from it.  wh is
 * the window key's sym_hist. */
static double base_score(const term_info *ti, const char *letters, size_t ll, const win_key *w,
                         double *lsim)
{
    const char *key = w->key;
    size_t kl = w->kl;
    if (ti->no_sounds) return -1;
    size_t cl = ti->compact_len;
    if (cl < 4 || ll * 10 < cl * 6 || ll * 10 > cl * 16) return -1;
    if (!kl || (ti->key[0] != key[0] && ti->alt[0] != key[0])) return -1;
    /* letters: the edit distance is at least the difference in length */
    size_t m = ll > cl ? ll : cl;
    double ls_max = 1.0 - (double)(ll > cl ? ll - cl : cl - ll) / (double)m;
    double ps_max = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t tl = pass ? ti->alt_len : ti->key_len;
        const char *tk = pass ? ti->alt : ti->key;
        if (!tl || tk[0] != key[0]) continue;
        double b = 2.0 * hist_bound(w->hist, ti->hist[pass]) / (double)(kl + tl);
        if (b > ps_max) ps_max = b;
    }
    if (ps_max < 0.6 || 0.7 * ps_max + 0.3 * ls_max < MIN_BASE - 1e-9) return -1;
    double ps = phon_sim(w, ti);
    if (ps < 0.6 || 0.7 * ps + 0.3 * ls_max < MIN_BASE - 1e-9) return -1;
    if (ll >= cl && strstr(letters, ti->compact)) return -1; /* holds the term */
    /* the most edits that can still reach MIN_BASE */
    double ls_min = (MIN_BASE - 1e-9 - 0.7 * ps) / 0.3;
    double dmax = (1.0 - ls_min) * (double)m;
    unsigned max = dmax >= (double)m ? (unsigned)m : (unsigned)dmax;
    unsigned dist = ts_edit_distance(letters, ll, ti->compact, cl, max);
    if (dist > max) return -1;
    double ls = 1.0 - (double)dist / (double)m;
    *lsim = ls;
    return 0.7 * ps + 0.3 * ls;
}

#define WIN_CANDS 4

typedef struct {
    uint32_t term;
    float score;              /* base score, anchor bonus included */
    float letters;            /* letter similarity alone */
    bool aligned;             /* word-for-word with one identical word */
} cand;

typedef struct window_result {
    bool all_common;
    uint8_t n;
    cand v[WIN_CANDS];
} window_result;

static void keep_best(window_result *r, uint32_t id, double score, double ls, bool aligned)
{
    for (uint8_t q = 0; q < r->n; q++)
        if (r->v[q].term == id) {
            if (score > r->v[q].score) r->v[q].score = (float)score;
            return;
        }
    size_t at = r->n < WIN_CANDS ? r->n : WIN_CANDS - 1;
    if (r->n == WIN_CANDS && r->v[at].score >= score) return;
    r->v[at] = (cand){id, (float)score, (float)ls, aligned};
    if (r->n < WIN_CANDS) r->n++;
    for (size_t q = at; q > 0 && r->v[q].score > r->v[q - 1].score; q--) {
        cand x = r->v[q];
        r->v[q] = r->v[q - 1];
        r->v[q - 1] = x;
    }
}

/* The window memo: open addressing over the word indices of a window,
 * since every token of a transcript looks up a window or two. */
typedef struct win_slot {
    uint32_t ids[MAX_WINDOW];
    uint32_t k;                   /* 0: empty */
    struct window_result *r;
} win_slot;

static uint64_t win_hash(const uint32_t *ids, size_t k)
{
    uint64_t h = k;
    for (size_t q = 0; q < k; q++) {
        h = (h ^ ids[q]) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 32;
    }
    return h;
}

/* The slot for the window ids[0, k): its result, or an empty slot to fill
 * (k set, r NULL); NULL when memory ran out. */
static win_slot *win_slot_for(dict_state *d, const uint32_t *ids, size_t k)
{
    if (2 * (d->n_wins + 1) > d->cap_wins) {
        size_t cap = d->cap_wins ? d->cap_wins * 2 : 1024;
        win_slot *v = calloc(cap, sizeof *v);
        if (!v) return NULL;
        for (size_t x = 0; x < d->cap_wins; x++) {
            const win_slot *o = &d->wins[x];
            if (!o->k) continue;
            size_t j = win_hash(o->ids, o->k) & (cap - 1);
            while (v[j].k) j = (j + 1) & (cap - 1);
            v[j] = *o;
        }
        free(d->wins);
        d->wins = v;
        d->cap_wins = cap;
    }
    size_t mask = d->cap_wins - 1;
    for (size_t j = win_hash(ids, k) & mask;; j = (j + 1) & mask) {
        win_slot *sl = &d->wins[j];
        if (!sl->k) {
            memcpy(sl->ids, ids, k * sizeof *ids);
            sl->k = (uint32_t)k;
            sl->r = NULL;
            d->n_wins++;
            return sl;
        }
        if (sl->k != k) continue;
        size_t q = 0;
        while (q < k && sl->ids[q] == ids[q]) q++;
        if (q == k) return sl;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The terms the phonetic index lists for key[0, kl) (kl >= 2), each once,
 * ascending, in d->cand; *out points into it. */
static int gather(dict_state *d, const char *key, size_t kl, id_list *out)
{
    if (++d->epoch == 0) { /* wrapped: stamps of old rounds could collide */
        memset(d->stamp, 0, d->n * sizeof *d->stamp);
        d->epoch = 1;
    }
    size_t n = 0;
    for (size_t i = 0; i <= kl - 1; i++) {
        const id_list *l = i + 1 < kl ? &d->grams[gram_of(key[0], key + i)]
                                      : &d->shorts[bucket_of(key[0])];
        if (n + l->n > d->cap_cand) {
            size_t cap = d->cap_cand ? d->cap_cand : 256;
            while (cap < n + l->n) cap *= 2;
            uint32_t *v = realloc(d->cand, cap * sizeof *v);
            if (!v) return -1;
            d->cand = v;
            d->cap_cand = cap;
        }
        for (uint32_t x = 0; x < l->n; x++) {
            uint32_t id = l->v[x];
            if (d->stamp[id] == d->epoch) continue;
            d->stamp[id] = d->epoch;
            d->cand[n++] = id;
        }
    }
    /* ascending: from the bitmap of stamped ids when it is the shorter way */
    if (n > 64 && n * 8 > d->n / 64) {
        size_t o = 0;
        uint64_t *bits = d->cand_bits;
        memset(bits, 0, ((d->n + 63) / 64) * sizeof *bits);
        for (size_t x = 0; x < n; x++) bits[d->cand[x] / 64] |= 1ull << (d->cand[x] % 64);
        for (size_t wdx = 0; wdx < (d->n + 63) / 64; wdx++)
            for (uint64_t b = bits[wdx]; b; b &= b - 1)
                d->cand[o++] = (uint32_t)(wdx * 64 + (size_t)__builtin_ctzll(b));
    } else if (n > 1) {
        qsort(d->cand, n, sizeof *d->cand, cmp_u32);
    }
    out->v = d->cand;
    out->n = (uint32_t)n;
    out->cap = (uint32_t)n;
    return 0;
}

/* Candidates of the window tok[i, i+k), memoised by its words: a phrase
 * that recurs is judged once. */
static const window_result *window_eval(dict_state *d, const token *tok, size_t i, size_t k)
{
    uint32_t ids[MAX_WINDOW];
    const word_info *key_words[MAX_WINDOW];
    for (size_t q = 0; q < k; q++) {
        ids[q] = tok[i + q].wi;
        key_words[q] = &d->wv[ids[q]];
    }
    win_slot *slot = win_slot_for(d, ids, k);
    if (!slot) return NULL;
    if (slot->r) return slot->r;
    window_result *r = ts_arena_calloc(&d->memo_arena, 1, sizeof *r);
    if (!r) return NULL; /* the empty slot stays: judged again next time */
    slot->r = r;
    char letters[257], up[256], key[KEY_CAP * 2], alt[KEY_CAP * 2];
    size_t ll = 0;
    r->all_common = true;
    for (size_t q = 0; q < k; q++) {
        const word_info *w = key_words[q];
        if (ll + w->fold_len >= sizeof up) return r;
        memcpy(letters + ll, w->fold, w->fold_len);
        ll += w->fold_len;
        r->all_common &= w->common;
    }
    letters[ll] = '\0';
    if (k == 1 && r->all_common) return r; /* one known word is never a match */
    const id_list *lists[MAX_WINDOW + 3];
    int nl = 0;
    for (size_t q = 0; q < k; q++)
        if (key_words[q]->anchors_word) lists[nl++] = key_words[q]->anchors_word;
    if (key_words[0]->anchors_prefix) lists[nl++] = key_words[0]->anchors_prefix;
    if (k > 1 && key_words[k - 1]->anchors_suffix) lists[nl++] = key_words[k - 1]->anchors_suffix;
    int anchored_lists = nl;
    for (size_t q = 0; q < ll; q++) up[q] = (char)(letters[q] - (letters[q] >= 'a' ? 32 : 0));
    size_t kl = ts_double_metaphone(up, ll, key, alt, sizeof key);
    if (!kl) return r;
    win_key wk;
    win_key_init(&wk, key, kl);
    /* With an unknown word, every term that shares a piece of the sound:
     * in id order, as the scores' ties are broken by it. */
    id_list found = {0};
    if (!r->all_common) {
        if (kl < 2) {
            found = d->buckets[bucket_of(key[0])]; /* one symbol: no pairs to look up */
        } else if (gather(d, key, kl, &found)) {
            return NULL;
        }
        lists[nl++] = &found;
    }
    for (int li = 0; li < nl; li++) {
        const id_list *l = lists[li];
        bool anchored = li < anchored_lists;
        for (uint32_t x = 0; x < l->n; x++) {
            const struct term_quick *q = &d->quick[l->v[x]];
            size_t cl = q->compact_len;
            if (q->no_sounds || cl < 4 || ll * 10 < cl * 6 || ll * 10 > cl * 16 ||
                (q->key0 != key[0] && q->alt0 != key[0]))
                continue; /* base_score's first tests */
            const term_info *ti = &d->terms[l->v[x]];
            double ls = 0, sc = base_score(ti, letters, ll, &wk, &ls);
            if (sc < 0) continue;
            if (anchored) sc += 0.05;
            if (sc < 0.72) continue; /* below a suggestion */
            keep_best(r, l->v[x], sc, ls, anchored && aligned_anchor(d, tok, i, k, ti));
        }
    }
    return r;
}

/* Sounds-like at token i over windows of min_k words or more; returns
 * tokens consumed (0: nothing).  With `hint_only`, a match is at most a
 * suggestion and consumes nothing (used where a one-word term already
 * matched: "Rust skin" may still be Rustacean). */
static size_t sounds_like(seg_ctx *c, size_t i, size_t min_k, bool hint_only)
{
    dict_state *d = c->d;
    int32_t best_term = -1;
    size_t best_k = 0;
    double best = 0;
    bool best_fix = false, any = false;
    if ((c->tok[i].none & NONE_SOUNDS) && min_k == 1) return 0;
    const word_info *w0 = wof(c, i);
    bool any_word = false, camel = false, speaker = false;
    for (size_t k = 1; k <= MAX_WINDOW && i + k - 1 < c->last; k++) {
        if (k > 1 && c->tok[i + k - 2].punct >= P_BREAK) break;
        const word_info *w = wof(c, i + k - 1);
        /* a word that is itself a (non-ambiguous) term is never swallowed */
        if (w->stop) break;
        /* nor is a term of several words that starts inside the window
         * ("of our cosmo router" is no sound of a term: "cosmo router" is
         * Cosmo Router) */
        if (k > 1 && (w->stop_s || (w->cont && i + k < c->last && c->tok[i + k - 1].punct != P_END &&
                                    (w->cont & sym_bit(wof(c, i + k)->norm[0]))))) {
            match m;
            if (exact_match(c, i + k - 1, &m) && !m.component &&
                (m.kind == R_MISHEARD || !d->terms[m.term].ambiguous))
                break;
        }
        /* known words that anchor nothing: no candidate, skip the lookup */
        any_word |= (w->hot & HOT_ANY) != 0;
        /* A word written in mixed case ("CoinJoin") is a name the
         * recogniser knew: what it sounds like is at most a suggestion. */
        camel |= w->shape == SHAPE_MIXED;
        speaker |= c->n_speaker_words && speaker_word(c, i + k - 1);
        bool maybe = any_word || (w0->hot & HOT_FIRST) || (k > 1 && (w->hot & HOT_LAST));
        if (!maybe || k < min_k || (c->tok[i].none & (1u << k))) continue;
        if (hint_only) {
            /* after a term, little words are its sentence, not its sound
             * ("Rust can", "Rust is a"): a hint needs a word of four letters */
            bool content = false;
            for (size_t q = 1; q < k; q++) content |= wof(c, i + q)->fold_len >= 4;
            if (!content) continue;
        }
        const window_result *r = window_eval(d, c->tok, i, k);
        if (!r) {
            c->out->failed = true;
            return 0;
        }
        if (r->n == 0) c->tok[i].none |= (uint8_t)(1u << k);
        any |= r->n > 0;
        for (uint8_t q = 0; q < r->n; q++) {
            const cand *cd = &r->v[q];
            const term_info *ti = &d->terms[cd->term];
            /* Priming weighs only where known words need more evidence:
             * a round's own sounds-like fixes prime their term for the
             * next round, which must not snowball. */
            double score = cd->score;
            double fix_at = cd->letters >= 0.6 ? 0.85 : 2, suggest_at = 0.72;
            if (r->all_common) {
                /* Good words that merely sound alike ("new boring idea"):
                 * fixed only when the term is already in the transcript and
                 * the window lines up with it word for word, one word
                 * identical ("customer router" for Cosmo Router); otherwise
                 * at most a suggestion. */
                fix_at = c->primed[cd->term] && cd->aligned ? 0.80 : 2;
                if (cd->aligned && !c->primed[cd->term] && c->miss) c->miss[cd->term] = 1;
                suggest_at = 0.82;
            }
            if (ti->ambiguous || (ti->t->flags & TS_TERM_SUGGEST)) fix_at = 2; /* never fixed */
            if (score < suggest_at || score <= best) continue;
            best = score;
            best_term = (int32_t)cd->term;
            best_k = k;
            best_fix = score >= fix_at && !camel && !speaker;
        }
    }
    if (!any && min_k == 1) c->tok[i].none |= NONE_SOUNDS; /* candidates do not depend on the round */
    if (best_term < 0) return 0;
    if (hint_only) best_fix = false;
    /* A suggestion changes nothing, so it takes no words from what comes
     * after its first ("the go router" may be a generated Thym Router,
     * and "go" is still Go by its guard); suggestions inside it are
     * left out. */
    if (!best_fix && i < c->quiet_until) return 0;
    const term_info *ti = &d->terms[best_term];
    const token *first = &c->tok[i], *last = &c->tok[i + best_k - 1];
    propose(c, best_fix ? R_SOUNDS_LIKE : R_SUGGESTION, first->s, tok_end(last), ti->t->text,
            ti->text_len, (float)(best > 1 ? 1 : best), "sounds alike");
    if (hint_only) return 0;
    if (!best_fix) {
        if (i + best_k > c->quiet_until) c->quiet_until = i + best_k;
        return 0;
    }
    return best_k;
}

/* The next token at or after i, and before `last`, that anything may start
 * at (tokenize's `start`); *h is a cursor into the list of them.  Returns
 * `last` when there is none. */
static size_t next_start(const token_list *tl, size_t *h, size_t i, size_t last)
{
    while (*h < tl->n_hot && tl->hot[*h] < i) (*h)++;
    if (*h == tl->n_hot || tl->hot[*h] >= last) return last;
    return tl->hot[*h];
}

/* Priming at token i (one of tokenize's starts): sets *term to the term
 * the words there write (-1: none) and returns the tokens to move on by. */
static size_t prime_step(seg_ctx *c, size_t i, int32_t *term)
{
    *term = -1;
    /* only a term's word, or one that begins a key the next word
     * continues, can be written as a term (see tokenize) */
    uint8_t f = c->d->wflags[c->tok[i].wi];
    if (!((f >> WF_HOT_SHIFT) & HOT_EXACT) &&
        !((f & WF_CONT) && i + 1 < c->last && c->tok[i].punct != P_END &&
          (wof(c, i)->cont & sym_bit(wof(c, i + 1)->norm[0]))))
        return 1;
    match m;
    bool joined_common = false; /* "up a" for UPA primes nothing, itself included */
    if (exact_match(c, i, &m) && m.kind == R_FORM && m.k > 1) {
        joined_common = true;
        for (size_t q = 0; q < m.k; q++) joined_common &= wof(c, i + q)->common;
    }
    if (m.term < 0 || m.kind == R_MISHEARD || m.component) return 1;
    const term_info *ti = &c->d->terms[m.term];
    const char *s = c->text + c->tok[i].s;
    size_t n = tok_end(&c->tok[i + m.k - 1]) - c->tok[i].s, tl2 = ti->text_len;
    if (!joined_common && (!ti->ambiguous || (n >= tl2 && memcmp(s, ti->t->text, tl2) == 0)))
        *term = m.term;
    return m.k;
}

static void prime(dict_state *d, token_list *tl, size_t n_segs, const ts_transcript *t,
                  uint8_t *primed)
{
    size_t h = 0;
    for (size_t sgi = 0; sgi < n_segs; sgi++) {
        seg_ctx c = {.d = d, .tr = t, .tok = tl->v, .first = tl->seg_first[sgi],
                     .last = tl->seg_first[sgi + 1], .n_all = tl->n, .t = t, .seg = (uint32_t)sgi,
                     .text = t->segs[sgi].text, .primed = primed, .seg_first = tl->seg_first};
        for (size_t i = c.first; (i = next_start(tl, &h, i, c.last)) < c.last;) {
            int32_t term;
            c.tok[i].pseen = 1;
            i += prime_step(&c, i, &term);
            if (term >= 0) primed[term] = 1;
        }
    }
}

/* The scan's step at token i: proposes what starts there and returns the
 * tokens it used (0: none). */
static size_t scan_step(seg_ctx *c, size_t i)
{
    match m;
    size_t used = 0;
    if (exact_match(c, i, &m)) {
        used = apply_exact(c, i, &m);
        /* a hint is only ever a suggestion: not made when none is shown */
        if (used == 1 && c->d->terms[m.term].ambiguous && !c->d->findings_unused)
            sounds_like(c, i, 2, true);
    }
    if (!used) used = sounds_like(c, i, 1, false);
    return used;
}

/* Does the ascending list v[0, n) hold a token within r of token i? */
static bool sorted_near(const size_t *v, size_t n, size_t i, size_t r)
{
    size_t lo = 0, hi = n, from = i > r ? i - r : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < from) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && v[lo] <= i + r;
}

/* ---- settling ---------------------------------------------------------- */

/* The engine runs a pass that looks across segments again until it
 * proposes nothing, and on real text the dictionary's second round finds
 * nothing while costing a third of the pass.  In fix mode (no findings to
 * report) the pass therefore proves instead that its edits, applied as
 * proposed, leave nothing to do, and marks them as settling (edit.h); when
 * the proof does not go through, the engine runs the round as always.
 *
 * The proof judges the edited text the way the next round would, but only
 * where that can differ from this round:
 * - the next round's tokens are this round's, with the chunks (blank to
 *   blank) that hold an edit read afresh (tokenize), and the token after
 *   them told whether a sentence starts;
 * - a decision at a token reads tokens from 7 before it (except: and
 *   guard: phrases) to 3 + max_words after it (windows of 4, and exact
 *   matches starting in them), so a decision further from every changed
 *   token reads what it read this round; the scan and priming are
 *   replayed with the real code near changed tokens and wherever their
 *   steps do not land on a token this round's stopped at, and are known
 *   to land where this round's did elsewhere (a token this round stopped
 *   at is one the next round stops at, as both step the same way from
 *   there);
 * - priming only turns a candidate into a fix: decisions that an unprimed
 *   term held back are noted (miss), and the proof fails if the edited
 *   text may prime such a term;
 * - guards look for company across segments: every common word this round
 *   left unapproved (rejected), and every guard consulted in the replay,
 *   is judged against the edited text's tokens within its radius (the
 *   next round has no approvals of its own unless some guard lets a word
 *   through, which is what this rules out).
 * Anything the proof does not model (overlapping edits, an edit that does
 * not cover whole tokens, chained approvals left open, memory) fails it. */

typedef struct {
    uint32_t seg, a, b;           /* the tokens [a, b) it replaces */
    uint32_t S, E;                /* the bytes [S, E) of the segment text it replaces */
    uint32_t cs, ce;              /* the chunks read afresh: bytes [cs, ce) before the edit */
    uint32_t nt, n_nt;            /* their tokens: settle_proof.nt[nt, nt + n_nt), offsets from cs */
    int64_t shift;                /* new tokens less old ones, this edit and all before it */
    const char *repl;
    uint32_t rl;
    bool sent_out;                /* a sentence starts after the chunks */
    bool prev_break;              /* the chunks make the token before them a break */
} proof_edit;

enum { CHG_SAME, CHG_SELF, CHG_FULL };

typedef struct settle_proof {
    dict_state *d;
    const ts_transcript *t;
    const token_list *tl;         /* this round's tokens */
    proof_edit *e;                /* malloc'd, in text order */
    size_t n_e;
    size_t done;                  /* e[0, done) are prepared (proof_ensure) */
    bool failed;                  /* an edit the proof does not model, or no memory */
    token_list rt;                /* proof_region's tokens */
    ts_buf buf;                   /* proof_region's text */
    /* By place in the edited text's tokens: the approvals the next round
     * may make (this round's, and wherever the replay consults a guard),
     * and the words it would leave unapproved, which such an approval
     * nearby could still let through. */
    struct proof_mark {
        int64_t lo, hi;           /* tokens [lo, hi] */
        uint32_t term, seg, radius;
    } *appr, *rej;
    size_t n_appr, cap_appr, n_rej, cap_rej;
    size_t seg_e;                 /* the first edit of the segment being replayed */
    token *nt;                    /* malloc'd: the tokens of the chunks read afresh */
    size_t n_nt, cap_nt;
    const uint32_t *speaker_words;
    size_t n_speaker_words;
    /* the segment being replayed: its edited text and tokens */
    size_t sgi;
    char *text;                   /* malloc'd */
    size_t cap_text;
    token *st;                    /* malloc'd */
    uint8_t *chg, *near;          /* per token of st: CHG_*; near a changed token */
    size_t n_st, cap_st;
} settle_proof;

static int cmp_proof_edit(const void *x, const void *y)
{
    const proof_edit *a = x, *b = y;
    if (a->seg != b->seg) return a->seg < b->seg ? -1 : 1;
    return a->S < b->S ? -1 : a->S > b->S;
}

/* Is the word company for term `id` at a word w (guard_allows)? */
static bool is_company(const dict_state *d, uint32_t wi, uint32_t id, const word_info *w,
                       uint32_t canon_wi)
{
    if ((d->wflags[wi] & WF_GUARD) && list_has(d->wv[wi].guard_of, id)) return true;
    if (wi != canon_wi) return false;
    const word_info *o = &d->wv[wi];
    return o->fold_len == w->fold_len && memcmp(o->fold, w->fold, w->fold_len) == 0;
}

/* The edits are prepared (proof_ensure) segment by segment as the proof
 * goes; a guard looks ahead `radius` tokens of the edited text, which an
 * edit of at most PROOF_SPAN old tokens for at least one new stretches to
 * radius * PROOF_SPAN old ones, so that much is prepared ahead. */
#define PROOF_SPAN (MAX_TERM_WORDS + 1 > MAX_WINDOW ? MAX_TERM_WORDS + 1 : MAX_WINDOW)

/* Are all edits that may hold token k prepared? */
static bool proof_covers(const settle_proof *pr, size_t k)
{
    return pr->done == pr->n_e || pr->tl->seg_first[pr->e[pr->done].seg] > k;
}

/* The first prepared edit that ends after token k (pr->done: none).  The
 * edits are in text order and do not overlap, so it is the only one that
 * may hold k. */
static size_t edit_ending_after(const settle_proof *pr, size_t k)
{
    size_t x = pr->done;
    for (size_t l = 0, h = pr->done; l < h;) {
        size_t m = l + (h - l) / 2;
        if (pr->e[m].b > k) h = x = m;
        else l = m + 1;
    }
    return x;
}

/* Looks for company among `count` tokens of the edited text from this
 * round's token k leftwards (k included), not below token lo. */
static bool company_left(const settle_proof *pr, size_t k, size_t lo, size_t count, uint32_t id,
                         const word_info *w, uint32_t canon_wi)
{
    const token *v = pr->tl->v;
    size_t x = 0, n = pr->done; /* x - 1: the last edit with a <= k (all before are prepared) */
    for (size_t l = 0, h = n; l < h;) {
        size_t m = l + (h - l) / 2;
        if (pr->e[m].a <= k) l = x = m + 1;
        else h = m;
    }
    while (count && k != SIZE_MAX && k >= lo) {
        if (x && k < pr->e[x - 1].b) {
            const proof_edit *e = &pr->e[x - 1];
            for (size_t q = e->n_nt; q-- > 0 && count; count--)
                if (is_company(pr->d, pr->nt[e->nt + q].wi, id, w, canon_wi)) return true;
            k = e->a ? e->a - 1 : SIZE_MAX;
            x--;
        } else {
            if (is_company(pr->d, v[k].wi, id, w, canon_wi)) return true;
            count--;
            k = k ? k - 1 : SIZE_MAX;
        }
    }
    return false;
}

/* The same rightwards, below token hi. */
static bool company_right(settle_proof *pr, size_t k, size_t hi, size_t count, uint32_t id,
                          const word_info *w, uint32_t canon_wi)
{
    const token *v = pr->tl->v;
    size_t x = edit_ending_after(pr, k);
    while (count && k < hi) {
        if (!proof_covers(pr, k)) { /* not prepared (see PROOF_SPAN): fails the proof */
            pr->failed = true;
            return true;
        }
        if (x < pr->done && k >= pr->e[x].a) {
            const proof_edit *e = &pr->e[x];
            for (size_t q = 0; q < e->n_nt && count; q++, count--)
                if (is_company(pr->d, pr->nt[e->nt + q].wi, id, w, canon_wi)) return true;
            k = e->b;
            x++;
        } else {
            if (is_company(pr->d, v[k].wi, id, w, canon_wi)) return true;
            count--;
            k++;
        }
    }
    return false;
}

static uint32_t canon_word(const dict_state *d, uint32_t id)
{
    const term_info *ti = &d->terms[id];
    ts_strmap_slot *s = ts_strmap_find(&d->memo, ti->t->text, ti->text_len);
    return s ? (uint32_t)((uintptr_t)s->value - 1) : NO_WORD;
}

/* guard_allows' company, in the edited text, for token i of the segment
 * being replayed. */
static bool static_company(settle_proof *pr, const seg_ctx *c, size_t i, uint32_t id,
                           size_t radius)
{
    const dict_state *d = pr->d;
    const word_info *w = wof(c, i);
    uint32_t canon_wi = canon_word(d, id);
    bool close = radius <= 10;
    size_t left = radius, right = radius;
    for (size_t j = i; j-- > 0 && left; left--)
        if (is_company(d, c->tok[j].wi, id, w, canon_wi)) return true;
    for (size_t j = i + 1; j < pr->n_st && right; j++, right--)
        if (is_company(d, c->tok[j].wi, id, w, canon_wi)) return true;
    if (close) return false;
    const size_t *sf = pr->tl->seg_first;
    if (left && sf[pr->sgi] && company_left(pr, sf[pr->sgi] - 1, 0, left, id, w, canon_wi))
        return true;
    return right && company_right(pr, sf[pr->sgi + 1], pr->tl->n, right, id, w, canon_wi);
}

static bool mark_push(struct proof_mark **v, size_t *n, size_t *cap, struct proof_mark m)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        struct proof_mark *p = realloc(*v, c * sizeof *p);
        if (!p) return false;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = m;
    return true;
}

/* Is token k of this round inside an edit? */
static bool proof_edited(const settle_proof *pr, size_t k)
{
    size_t x = edit_ending_after(pr, k);
    return x < pr->done && pr->e[x].a <= k;
}

/* Where token k of this round is in the edited text: [*lo, *hi] (the
 * tokens an edit holding it became). */
static void proof_place(const settle_proof *pr, size_t k, int64_t *lo, int64_t *hi)
{
    size_t x = edit_ending_after(pr, k);
    int64_t before = x ? pr->e[x - 1].shift : 0;
    if (x < pr->done && pr->e[x].a <= k) {
        *lo = (int64_t)pr->e[x].a + before;
        *hi = *lo + pr->e[x].n_nt - 1;
    } else {
        *lo = *hi = (int64_t)k + before;
    }
}

/* guard_allows' company, in the edited text, for token i of the segment
 * being replayed; the word is noted as approved when it finds some, and
 * as left unapproved when not. */
static bool proof_company(settle_proof *pr, const seg_ctx *c, size_t i, uint32_t id,
                          size_t radius)
{
    bool found = static_company(pr, c, i, id, radius);
    int64_t at = (int64_t)pr->tl->seg_first[pr->sgi] + (pr->seg_e ? pr->e[pr->seg_e - 1].shift : 0) +
                 (int64_t)i;
    struct proof_mark m = {at, at, id, (uint32_t)pr->sgi, (uint32_t)radius};
    if (found ? !mark_push(&pr->appr, &pr->n_appr, &pr->cap_appr, m)
              : !mark_push(&pr->rej, &pr->n_rej, &pr->cap_rej, m))
        pr->failed = true;
    return found;
}

static int cmp_mark(const void *x, const void *y)
{
    const struct proof_mark *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Could an approval the next round may make let a word it leaves
 * unapproved through (approved_near)? */
static bool approvals_reach(settle_proof *pr)
{
    if (!pr->n_rej) return false;
    if (pr->n_appr > 1) qsort(pr->appr, pr->n_appr, sizeof *pr->appr, cmp_mark);
    for (size_t r = 0; r < pr->n_rej; r++) {
        const struct proof_mark *q = &pr->rej[r];
        int64_t lo = q->lo - (int64_t)q->radius, hi = q->lo + (int64_t)q->radius;
        size_t x = 0; /* the first approval with lo >= lo - MAX_TERM_WORDS */
        for (size_t l = 0, h = pr->n_appr; l < h;) {
            size_t m = l + (h - l) / 2;
            if (pr->appr[m].lo < lo - MAX_TERM_WORDS) l = x = m + 1;
            else h = m;
        }
        for (; x < pr->n_appr && pr->appr[x].lo <= hi; x++) {
            const struct proof_mark *a = &pr->appr[x];
            if (a->term != q->term || a->hi < lo) continue;
            if (a->lo == q->lo && a->hi == q->lo) continue; /* the word itself */
            if (q->radius <= 10 && a->seg != q->seg) continue;
            return true;
        }
    }
    return false;
}

/* Can no step but the token's own (and those named in proof_build) tell
 * token b from token a?  Windows, keys, phrases and guards read the
 * analysis of the word, which the same letters in another case mostly
 * share. */
static bool same_to_others(const settle_proof *pr, const token *a, const token *b)
{
    if (a->len != b->len || a->trail != b->trail || a->punct != b->punct || a->flags != b->flags)
        return false;
    if (a->wi == b->wi) return true;
    const word_info *x = &pr->d->wv[a->wi], *y = &pr->d->wv[b->wi];
    if (x->norm_len != y->norm_len || x->fold_len != y->fold_len || x->key_len != y->key_len ||
        memcmp(x->norm, y->norm, x->norm_len) != 0 || memcmp(x->fold, y->fold, x->fold_len) != 0 ||
        memcmp(x->key, y->key, x->key_len) != 0 || x->common != y->common ||
        x->has_alpha != y->has_alpha || x->phrase_id != y->phrase_id || x->hot != y->hot ||
        x->stop != y->stop || x->stop_s != y->stop_s || x->cont != y->cont || x->k1 != y->k1 ||
        x->k1s != y->k1s || x->anchors_word != y->anchors_word ||
        x->anchors_prefix != y->anchors_prefix || x->anchors_suffix != y->anchors_suffix ||
        x->guard_of != y->guard_of || (x->shape == SHAPE_MIXED) != (y->shape == SHAPE_MIXED) ||
        pr->d->wflags[a->wi] != pr->d->wflags[b->wi])
        return false;
    /* a word of a speaker's name is read as such in a window */
    bool sa = false, sb = false;
    for (size_t q = 0; q < pr->n_speaker_words; q++) {
        sa |= pr->speaker_words[q] == a->wi;
        sb |= pr->speaker_words[q] == b->wi;
    }
    return sa == sb;
}

static size_t next_hot(const token *v, size_t i, size_t n)
{
    while (i < n && !v[i].start) i++;
    return i;
}

/* Reads the chunks of edit e afresh into pr->nt; false when the edit is
 * not one the proof models (or memory ran out). */
static bool proof_region(settle_proof *pr, proof_edit *e, bool sent_in, token_list *rt, ts_buf *buf)
{
    const ts_segment *sg = &pr->t->segs[e->seg];
    const char *T = sg->text;
    buf->len = 0;
    if (ts_buf_append(buf, T + e->cs, e->S - e->cs) || ts_buf_append(buf, e->repl, e->rl) ||
        ts_buf_append(buf, T + e->E, e->ce - e->E))
        return false;
    rt->n = 1; /* a stand-in for the token before the chunks */
    rt->n_hot = 0;
    memset(&rt->v[0], 0, sizeof rt->v[0]);
    rt->v[0].punct = P_NONE;
    bool sent = sent_in;
    if (tokenize(pr->d, buf->data, buf->len, rt, &sent)) return false;
    e->prev_break = rt->v[0].punct != P_NONE;
    e->sent_out = sent;
    e->n_nt = (uint32_t)(rt->n - 1);
    e->nt = (uint32_t)pr->n_nt;
    if (pr->n_nt + e->n_nt > pr->cap_nt) {
        size_t cap = pr->cap_nt ? pr->cap_nt * 2 : 1024;
        while (cap < pr->n_nt + e->n_nt) cap *= 2;
        token *v = realloc(pr->nt, cap * sizeof *v);
        if (!v) return false;
        pr->nt = v;
        pr->cap_nt = cap;
    }
    if (e->n_nt) memcpy(pr->nt + pr->n_nt, rt->v + 1, e->n_nt * sizeof *rt->v);
    pr->n_nt += e->n_nt;
    return true;
}

static bool proof_reserve(settle_proof *pr, size_t text_len, size_t n_tok)
{
    if (text_len > pr->cap_text) {
        char *p = realloc(pr->text, text_len);
        if (!p) return false;
        pr->text = p;
        pr->cap_text = text_len;
    }
    if (n_tok > pr->cap_st) {
        size_t cap = n_tok * 2;
        token *v = realloc(pr->st, cap * sizeof *v);
        if (!v) return false;
        pr->st = v;
        uint8_t *a = realloc(pr->chg, cap), *b = a ? realloc(pr->near, cap) : NULL;
        if (a) pr->chg = a;
        if (!a || !b) return false;
        pr->near = b;
        pr->cap_st = cap;
    }
    return true;
}

/* Builds the edited text and tokens of segment sgi, whose edits are
 * e[lo, hi). */
static bool proof_build(settle_proof *pr, size_t sgi, size_t lo, size_t hi)
{
    const ts_segment *sg = &pr->t->segs[sgi];
    const token *v = pr->tl->v;
    size_t f = pr->tl->seg_first[sgi], l = pr->tl->seg_first[sgi + 1];
    size_t len = sg->text_len, ntok = l - f;
    for (size_t x = lo; x < hi; x++) {
        len = len + pr->e[x].rl - (pr->e[x].E - pr->e[x].S);
        ntok += pr->e[x].n_nt;
    }
    if (len > UINT32_MAX || !proof_reserve(pr, len ? len : 1, ntok + 1)) return false;
    char *out = pr->text;
    size_t tp = 0, w = 0, k = f, from = 0;
    int64_t delta = 0;
    bool pending = false, sent = false; /* the next copied token's sentence start */
    for (size_t x = lo; x <= hi; x++) {
        const proof_edit *e = x < hi ? &pr->e[x] : NULL;
        size_t upto = e ? e->cs : sg->text_len, kto = e ? e->a : l;
        memcpy(out + tp, sg->text + from, upto - from);
        tp += upto - from;
        for (; k < kto; k++, w++) {
            pr->st[w] = v[k];
            pr->st[w].s = (uint32_t)((int64_t)v[k].s + delta);
            pr->chg[w] = CHG_SAME;
            if (pending) { /* only its own steps read a token's sentence start */
                pr->st[w].flags = (uint8_t)((pr->st[w].flags & ~TOK_SENTENCE_START) |
                                            (sent ? TOK_SENTENCE_START : 0));
                pr->chg[w] = pr->st[w].flags != v[k].flags ? CHG_SELF : CHG_SAME;
                pending = false;
            }
        }
        if (!e) break;
        if (e->prev_break) {
            if (!w) return false; /* it would reach into the segment before */
            if (pr->st[w - 1].punct < P_BREAK) {
                pr->st[w - 1].punct = P_BREAK;
                pr->chg[w - 1] = CHG_FULL;
            }
        }
        size_t rs = tp;
        memcpy(out + tp, sg->text + e->cs, e->S - e->cs);
        tp += e->S - e->cs;
        memcpy(out + tp, e->repl, e->rl);
        tp += e->rl;
        memcpy(out + tp, sg->text + e->E, e->ce - e->E);
        tp += e->ce - e->E;
        bool same_count = e->n_nt == e->b - e->a;
        for (size_t q = 0; q < e->n_nt; q++, w++) {
            pr->st[w] = pr->nt[e->nt + q];
            pr->st[w].s += (uint32_t)rs;
            pr->chg[w] = CHG_FULL;
            if (same_count && same_to_others(pr, &v[e->a + q], &pr->st[w])) {
                pr->chg[w] = CHG_SELF;
                pr->st[w].start = v[e->a + q].start;
            }
        }
        from = e->ce;
        k = e->b;
        delta = (int64_t)tp - (int64_t)e->ce;
        pending = true;
        sent = e->sent_out;
    }
    if (tp != len) return false;
    pr->n_st = w;
    /* near: the tokens whose decisions may read a changed token c.  A
     * step at p reads p to p + 4 (windows, and the word after one); an
     * exact match at q reads on from q only where a key continues (cont),
     * up to max_words further; apply_exact at a word that may start a
     * match reads 7 words either side (except: and guard: phrases), and
     * the shape of the next.  What is known not to start at them (none)
     * is forgotten.  A change the others cannot tell from the old token
     * (CHG_SELF) is read differently only by its own step, the step
     * before when a comma ends it (a possessive reads the next word's
     * shape), and a match that spans its text. */
    const uint8_t *wf = pr->d->wflags;
    token *st = pr->st;
    size_t mw = (size_t)pr->d->max_words;
    memset(pr->near, 0, w);
    for (size_t c = 0; c < w; c++) {
        if (pr->chg[c] == CHG_SAME) continue;
        bool full = pr->chg[c] == CHG_FULL;
        size_t lo7 = c > 7 ? c - 7 : 0;
        for (size_t p = full ? lo7 : (c ? c - 1 : 0); p <= (full ? c + 7 : c) && p < w; p++)
            if ((full && p + 4 >= c && p <= c) || p == c ||
                ((wf[st[p].wi] & WF_MATCH) && (full || st[p].punct == P_COMMA))) {
                pr->near[p] = 1;
                if (full || p == c) st[p].none = 0;
            }
        for (size_t q = c > mw ? c - mw : 0; q < c; q++)
            if (wf[st[q].wi] & WF_CONT)
                for (size_t p = full && q > 3 ? q - 3 : q; p <= q; p++) {
                    pr->near[p] = 1;
                    if (full) st[p].none = 0;
                }
        /* tokenize's starts where they may differ: a start depends on the
         * token and the three after it */
        if (full)
            for (size_t p = c > 3 ? c - 3 : 0; p <= c; p++) st[p].start = start_at(pr->d, st, w, p);
    }
    return true;
}

/* Replays priming and the scan over the segment built by proof_build;
 * false when the next round could propose an edit there or prime a term
 * that some decision waits for (np: terms it may newly prime). */
static bool proof_replay(settle_proof *pr, seg_ctx *c, uint8_t *np, const uint8_t *primed)
{
    token *st = pr->st;
    const uint8_t *near = pr->near;
    size_t n = pr->n_st;
    for (int scan = 0; scan < 2; scan++) {
#define STOPPED(j) (scan ? st[j].seen : st[j].pseen)
        for (size_t i = next_hot(st, 0, n); i < n;) {
            if (!near[i] && STOPPED(i)) {
                /* This round's steps from here are the next round's up to
                 * the first token near a change: on to the last place this
                 * round stopped before that. */
                const uint8_t *z = memchr(near + i, 1, n - i);
                if (!z) break;
                size_t j = (size_t)(z - near);
                while (--j > i && !STOPPED(j)) {}
                i = j;
            }
#undef STOPPED
            size_t used;
            if (scan) {
                used = scan_step(c, i);
                if (c->out->n || c->out->failed) return false;
            } else {
                int32_t term;
                used = prime_step(c, i, &term);
                if (term >= 0 && !primed[term]) np[term] = 1;
            }
            i = next_hot(st, i + (used ? used : 1), n);
        }
    }
    return true;
}

/* Finds the tokens edit x replaces and reads its chunks afresh; false
 * when it is not an edit the proof models. */
static bool proof_prepare(settle_proof *pr, size_t x)
{
    const token *v = pr->tl->v;
    proof_edit *e = &pr->e[x];
    const ts_segment *sg = &pr->t->segs[e->seg];
    const char *T = sg->text;
    size_t f = pr->tl->seg_first[e->seg], l = pr->tl->seg_first[e->seg + 1], a = f, b;
    const proof_edit *p = x ? &pr->e[x - 1] : NULL;
    bool after = p && p->seg == e->seg;
    if (after) a = p->b; /* edits in order: the search starts after the last */
    while (a < l && v[a].s < e->S) a++;
    if (a == l || v[a].s != e->S || e->E <= e->S || e->E > sg->text_len) return false;
    for (b = a; b < l && v[b].s < e->E; b++) {}
    if (b - a > PROOF_SPAN) return false;
    uint32_t end = tok_end(&v[b - 1]);
    if (!(end == e->E || (end + 1 == e->E && T[end] == ','))) return false;
    size_t cs = e->S, ce = sg->text_len;
    while (cs > 0 && !is_blank(T[cs - 1])) cs--;
    if (b < l) {
        ce = v[b].s;
        while (ce > 0 && !is_blank(T[ce - 1])) ce--;
    }
    if (ce < e->E) return false;
    if (after && p->E > e->S) return false; /* overlapping: deferred */
    if (after && p->b > a) return false;
    e->a = (uint32_t)a;
    e->b = (uint32_t)b;
    e->cs = (uint32_t)cs;
    e->ce = (uint32_t)ce;
    bool sent_in = after && p->b == a ? p->sent_out : (v[a].flags & TOK_SENTENCE_START) != 0;
    if (!proof_region(pr, e, sent_in, &pr->rt, &pr->buf) || !e->n_nt) return false;
    e->shift = (x ? pr->e[x - 1].shift : 0) + (int64_t)e->n_nt - (int64_t)(b - a);
    return true;
}

/* Prepares the edits in segments that start at or before token k. */
static bool proof_ensure(settle_proof *pr, size_t k)
{
    while (!pr->failed && pr->done < pr->n_e && pr->tl->seg_first[pr->e[pr->done].seg] <= k)
        if (!proof_prepare(pr, pr->done++)) pr->failed = true;
    return !pr->failed;
}

/* Do this round's edits leave nothing for the next?  See above. */
static bool prove_settled(dict_state *d, const ts_transcript *t, token_list *tl,
                          const ts_edit_list *out, const approvals *approved,
                          const uint8_t *primed, uint8_t *miss,
                          const size_t *rejected, size_t n_rejected, const uint32_t *speaker_words,
                          size_t n_speaker_words)
{
    settle_proof pr = {.d = d, .t = t, .tl = tl, .speaker_words = speaker_words,
                       .n_speaker_words = n_speaker_words, .buf = TS_BUF_INIT};
    ts_edit_list sim;
    ts_edit_list_init(&sim);
    uint8_t *np = calloc(d->n, 1);
    bool ok = false;
    if (!np || !(pr.e = malloc((out->n ? out->n : 1) * sizeof *pr.e)) ||
        !(pr.rt.v = malloc(64 * sizeof *pr.rt.v)))
        goto out;
    pr.rt.cap = 64;
    /* the edits, by token */
    for (size_t i = 0; i < out->n; i++) {
        const ts_edit *ed = &out->v[i];
        if (ed->report_only || ed->kind != TS_EDIT_REPLACE || ed->seg >= t->n) goto out;
        pr.e[pr.n_e++] = (proof_edit){.seg = ed->seg, .S = ed->start, .E = ed->end,
                                      .repl = ed->repl, .rl = ed->repl_len};
    }
    /* in text order: the scan's edits are, the sweeps' follow them */
    size_t run = 1;
    while (run < pr.n_e && cmp_proof_edit(&pr.e[run - 1], &pr.e[run]) <= 0) run++;
    if (run < pr.n_e) {
        qsort(pr.e + run, pr.n_e - run, sizeof *pr.e, cmp_proof_edit);
        proof_edit *m = malloc(pr.n_e * sizeof *m);
        if (!m) goto out;
        for (size_t i = 0, j = run, o = 0; o < pr.n_e; o++)
            m[o] = j == pr.n_e || (i < run && cmp_proof_edit(&pr.e[i], &pr.e[j]) <= 0) ? pr.e[i++]
                                                                                    : pr.e[j++];
        free(pr.e);
        pr.e = m;
    }
    /* replay the segments the edits change, preparing the edits as they
     * come (their tokens and text are then still cached) */
    for (size_t x = 0; x < pr.n_e;) {
        size_t y = x;
        while (y < pr.n_e && pr.e[y].seg == pr.e[x].seg) y++;
        size_t sgi = pr.e[x].seg;
        pr.seg_e = x;
        if (!proof_ensure(&pr, tl->seg_first[sgi + 1] + d->max_radius * PROOF_SPAN) ||
            !proof_build(&pr, sgi, x, y))
            goto out;
        pr.sgi = sgi;
        ts_edit_list_clear(&sim);
        seg_ctx c = {.d = d, .tr = t, .tok = pr.st, .first = 0, .last = pr.n_st, .n_all = pr.n_st,
                     .t = t, .seg = (uint32_t)sgi, .text = pr.text, .primed = (uint8_t *)primed,
                     .out = &sim, .recheck = true, .speaker_words = speaker_words,
                     .n_speaker_words = n_speaker_words, .miss = miss, .proof = &pr};
        if (!proof_replay(&pr, &c, np, primed) || pr.failed) goto out;
        x = y;
    }
    if (!proof_ensure(&pr, SIZE_MAX)) goto out;
    /* a term the edited text may prime must not be one a decision waits for */
    for (size_t i = 0; i < d->n; i++)
        if (np[i] && miss[i]) goto out;
    /* the words left unapproved find no company in the edited text */
    for (size_t r = 0; r < n_rejected; r++) {
        size_t p = rejected[r];
        uint32_t sgi = seg_of(tl->seg_first, t->n, p);
        seg_ctx c = {.d = d, .tr = t, .tok = tl->v, .first = tl->seg_first[sgi],
                     .last = tl->seg_first[sgi + 1], .n_all = tl->n, .t = t, .seg = sgi,
                     .text = t->segs[sgi].text, .primed = (uint8_t *)primed,
                     .seg_first = tl->seg_first};
        match m;
        if (!exact_match(&c, p, &m) || m.term < 0) goto out;
        for (size_t l = 0, h = pr.n_e; l < h;) { /* not itself edited */
            size_t mid = l + (h - l) / 2;
            if (pr.e[mid].b <= p) l = mid + 1;
            else if (pr.e[mid].a > p) h = mid;
            else goto out;
        }
        const ts_term *tt = d->terms[m.term].t;
        size_t radius = tt->within ? tt->within : GUARD_RADIUS;
        bool close = radius <= 10;
        const word_info *w = wof(&c, p);
        uint32_t canon_wi = canon_word(d, (uint32_t)m.term);
        if ((p && company_left(&pr, p - 1, close ? c.first : 0, radius, (uint32_t)m.term, w, canon_wi)) ||
            company_right(&pr, p + 1, close ? c.last : tl->n, radius, (uint32_t)m.term, w, canon_wi) ||
            pr.failed)
            goto out;
        int64_t lo, hi;
        proof_place(&pr, p, &lo, &hi);
        if (!mark_push(&pr.rej, &pr.n_rej, &pr.cap_rej,
                       (struct proof_mark){lo, hi, (uint32_t)m.term, sgi, (uint32_t)radius}))
            goto out;
    }
    /* this round's approvals that changed nothing, which the next may
     * make again (those it edited were replayed), of the terms some word
     * would be left unapproved for */
    for (size_t r = 0; r < pr.n_rej; r++) np[pr.rej[r].term] = 2; /* np is done with */
    for (int li = 0; li < 2 && pr.n_rej; li++) {
        const approval_list *al = li ? &approved->late : &approved->in_order;
        for (size_t k = 0; k < al->n; k++) {
            if (np[al->v[k].term] != 2 || proof_edited(&pr, al->v[k].tok)) continue;
            int64_t lo, hi;
            proof_place(&pr, al->v[k].tok, &lo, &hi);
            if (!mark_push(&pr.appr, &pr.n_appr, &pr.cap_appr,
                           (struct proof_mark){lo, hi, al->v[k].term,
                                               seg_of(tl->seg_first, t->n, al->v[k].tok), 0}))
                goto out;
        }
    }
    if (approvals_reach(&pr)) goto out;
    ok = true;
out:
    free(np);
    free(pr.e);
    free(pr.nt);
    free(pr.text);
    free(pr.st);
    free(pr.chg);
    free(pr.near);
    free(pr.rt.v);
    free(pr.rt.hot);
    free(pr.appr);
    free(pr.rej);
    ts_buf_release(&pr.buf);
    ts_edit_list_release(&sim);
    return ok;
}

static ts_status run_dictionary(ts_context *ctx, void *state, const ts_transcript *t,
                                const uint8_t *only, ts_edit_list *out)
{
    (void)ctx;
    (void)only;
    dict_state *d = state;
    if (!d || d->n == 0 || t->n == 0) return TS_OK;
    ts_status st = TS_OK;
    if (d->memo.n + d->n_wins >= MEMO_LIMIT) { /* bound memory on endless vocabularies */
        ts_strmap_clear(&d->memo);
        free(d->wins);
        d->wins = NULL;
        d->n_wins = d->cap_wins = 0;
        ts_arena_release(&d->memo_arena);
        d->n_wv = 0;
        if (d->shorts_seen) memset(d->shorts_seen, 0, SHORT_SLOTS * sizeof *d->shorts_seen);
        d->n_seg_hash = 0; /* the tokens name words that are gone */
    }
    uint8_t *primed = calloc(d->n, 1);
    approvals approved = {0};
    uint32_t speaker_words[64];
    size_t n_speaker_words = 0;
    size_t *rejected = NULL;
    /* fix mode: the decisions an unprimed term held back (prove_settled) */
    uint8_t *miss = d->findings_unused ? calloc(d->n, 1) : NULL;
    if (!primed || (!d->tl && !(d->tl = calloc(1, sizeof *d->tl)))) {
        st = TS_ERR_NOMEM;
        goto out;
    }
    /* One token buffer serves every round, so its memory is that of one
     * list.  A segment whose text the last round left as it was keeps its
     * tokens (and what is known not to start at them), moved down to their
     * new place, as long as no fresh segment before it has written over
     * them; the rest are read afresh. */
    token_list *tlp = d->tl;
    bool reuse = d->n_seg_hash == t->n;
    if (!reuse) d->n_seg_hash = 0;
    if (d->n_seg_hash < t->n) {
        uint64_t *v = realloc(d->seg_hash, t->n * sizeof *v);
        if (!v) {
            st = TS_ERR_NOMEM;
            goto out;
        }
        d->seg_hash = v;
    }
    if (tlp->cap_segs < t->n + 1) {
        size_t *v = realloc(tlp->seg_first, (t->n + 1) * sizeof *v);
        if (!v) {
            st = TS_ERR_NOMEM;
            goto out;
        }
        tlp->seg_first = v;
        tlp->cap_segs = t->n + 1;
    }
    d->n_seg_hash = 0; /* until this round's tokens are complete */
    /* With nothing to compare, the texts are hashed at the end, and only
     * when the engine will run another round. */
    bool hash_later = !reuse;
    size_t w = 0;
    tlp->n_hot = 0;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t h = hash_later ? 0 : ts_hash64(t->segs[i].text, t->segs[i].text_len);
        size_t a = reuse ? tlp->seg_first[i] : 0, b = reuse ? tlp->seg_first[i + 1] : 0;
        tlp->seg_first[i] = w;
        if (reuse && d->seg_hash[i] == h && w <= a) {
            if (w != a) memmove(tlp->v + w, tlp->v + a, (b - a) * sizeof *tlp->v);
            for (size_t j = w; j < w + (b - a); j++) {
                tlp->v[j].seen = tlp->v[j].pseen = 0;
                if (tlp->v[j].start && (st = hot_push(tlp, j))) goto out;
            }
            w += b - a;
        } else {
            tlp->n = w;
            bool sent = true;
            if ((st = tokenize(d, t->segs[i].text, t->segs[i].text_len, tlp, &sent))) goto out;
            w = tlp->n;
        }
        d->seg_hash[i] = h;
    }
    tlp->n = w;
    tlp->seg_first[t->n] = w;
    d->n_seg_hash = hash_later ? 0 : t->n;
    token_list tl = *tlp;
    tl.seg_first[t->n] = tl.n;
    /* the words of the speakers' names, as written in their labels */
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *sg = &t->segs[i];
        if (!sg->speaker || !sg->speaker_len || (i && t->segs[i - 1].speaker_len == sg->speaker_len &&
                                                  memcmp(t->segs[i - 1].speaker, sg->speaker, sg->speaker_len) == 0))
            continue;
        for (size_t a = 0; a < sg->speaker_len;) {
            while (a < sg->speaker_len && is_blank(sg->speaker[a])) a++;
            size_t b = a;
            while (b < sg->speaker_len && !is_blank(sg->speaker[b])) b++;
            if (b > a && b - a <= 100 && n_speaker_words < 64) {
                uint32_t wi = word_lookup(d, sg->speaker + a, b - a);
                if (wi == NO_WORD) {
                    st = TS_ERR_NOMEM;
                    goto out;
                }
                bool seen = false;
                for (size_t x = 0; x < n_speaker_words && !seen; x++) seen = speaker_words[x] == wi;
                if (!seen) speaker_words[n_speaker_words++] = wi;
            }
            a = b;
        }
    }
    prime(d, &tl, t->n, t, primed);
    size_t n_rejected = 0, cap_rejected = 0, h = 0;
    for (size_t sgi = 0; sgi < t->n; sgi++) {
        seg_ctx c = {.d = d, .tr = t, .tok = tl.v, .first = tl.seg_first[sgi],
                     .last = tl.seg_first[sgi + 1], .n_all = tl.n, .t = t, .seg = (uint32_t)sgi,
                     .text = t->segs[sgi].text, .primed = primed, .out = out,
                     .seg_first = tl.seg_first, .approved = &approved, .rejected = rejected,
                     .n_rejected = n_rejected, .cap_rejected = cap_rejected,
                     .speaker_words = speaker_words, .n_speaker_words = n_speaker_words,
                     .miss = miss};
        for (size_t i = c.first; (i = next_start(&tl, &h, i, c.last)) < c.last;) {
            c.tok[i].seen = 1;
            size_t used = scan_step(&c, i);
            i += used ? used : 1;
        }
        n_rejected = c.n_rejected;
        cap_rejected = c.cap_rejected;
        rejected = c.rejected;
        if (out->failed) {
            st = TS_ERR_NOMEM;
            goto out;
        }
    }
    /* Guards see this run's own approvals, so the engine's next round does
     * not find a second wave; a few sweeps reach the fixed point. */
    bool chained = false; /* the last sweep approved more: another might too */
    /* A word judged again finds what it found last time unless a word
     * within its guard was approved since: the sweeps after the first
     * judge only those near the last sweep's or this one's approvals. */
    size_t *fresh[2] = {NULL, NULL}, n_fresh[2] = {0, 0};
    if (n_rejected && (!(fresh[0] = malloc(n_rejected * sizeof **fresh)) ||
                       !(fresh[1] = malloc(n_rejected * sizeof **fresh)))) {
        free(fresh[0]);
        st = TS_ERR_NOMEM;
        goto out;
    }
    for (int sweep = 0; sweep < 4 && n_rejected; sweep++) {
        size_t before = out->n, keep = 0;
        size_t *last = fresh[sweep & 1], *now = fresh[!(sweep & 1)];
        size_t n_last = n_fresh[sweep & 1], n_now = 0;
        for (size_t r = 0; r < n_rejected; r++) {
            size_t i = rejected[r];
            if (sweep && !sorted_near(last, n_last, i, d->max_radius) &&
                !sorted_near(now, n_now, i, d->max_radius)) {
                rejected[keep++] = i;
                continue;
            }
            uint32_t sgi = seg_of(tl.seg_first, t->n, i);
            seg_ctx c = {.d = d, .tr = t, .tok = tl.v, .first = tl.seg_first[sgi],
                         .last = tl.seg_first[sgi + 1], .n_all = tl.n, .t = t, .seg = sgi,
                         .text = t->segs[sgi].text, .primed = primed, .out = out,
                         .seg_first = tl.seg_first, .approved = &approved, .recheck = true,
                         .speaker_words = speaker_words, .n_speaker_words = n_speaker_words,
                         .miss = miss};
            match m;
            if (exact_match(&c, i, &m)) apply_exact(&c, i, &m);
            if (!is_approved(&approved, i)) rejected[keep++] = i;
            else now[n_now++] = i;
        }
        n_fresh[!(sweep & 1)] = n_now;
        n_rejected = keep;
        if (out->failed) {
            free(fresh[0]);
            free(fresh[1]);
            st = TS_ERR_NOMEM;
            goto out;
        }
        chained = out->n != before;
        if (!chained) break;
    }
    free(fresh[0]);
    free(fresh[1]);
    if (miss && out->n && !(chained && n_rejected) &&
        prove_settled(d, t, &tl, out, &approved, primed, miss, rejected, n_rejected, speaker_words,
                      n_speaker_words)) {
        for (size_t i = 0; i < out->n; i++) out->v[i].settles = true;
    } else if (hash_later && out->n) {
        for (size_t i = 0; i < t->n; i++)
            d->seg_hash[i] = ts_hash64(t->segs[i].text, t->segs[i].text_len);
        d->n_seg_hash = t->n;
    }
out:
    free(miss);
    free(primed);
    free(approved.in_order.v);
    free(approved.late.v);
    free(rejected);
    return st;
}

const ts_pass ts_pass_dictionary = {
    .info = {"dictionary", "custom terms: known mis-hearings, casing, sounds-like matches", true,
             dict_rules, R_COUNT},
    .segment_local = false,
    .state_new = dict_new,
    .state_free = dict_free,
    .run = run_dictionary,
};
