/*
 * pass_spelling.c - hunspell: confident typos fixed, unknown words reported.
 *
 * Every word is checked against the context's hunspell dictionary (the
 * "lang" option, default en_US), the words of every loaded term list and
 * the words of loaded .dic additions.  An unknown word is reported as
 * spelling/unknown-word with hunspell's suggestions.  It is fixed
 * (spelling/typo) only when that is safe: the word is lower case (not a
 * name, not an acronym, no digits, longer than three letters), and exactly
 * one suggestion is a single typing slip of the kind people make most: two
 * swapped letters (recieve -> receive) or a doubled or undoubled letter
 * (aggresive -> aggressive).  Anything less clear is only reported.  A
 * contraction missing its apostrophe (thats, dont) is left to the rules
 * pass, which runs later and owns contractions.
 *
 * hunspell checks about a million words a second but takes milliseconds
 * per suggestion, so the verdict for each distinct word is memoised in the
 * pass state and suggest runs once per distinct unknown word.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "dict.h"
#include "pass.h"
#include "similar.h"
#include "spell.h"
#include "strmap.h"
#include "utf8.h"

enum { R_TYPO, R_UNKNOWN, R_COUNT };

static const ts_rule_info spelling_rules[R_COUNT] = {
    [R_TYPO] = {"spelling/typo", "a typo with one clear correction fixed", TS_SEV_WARNING},
    [R_UNKNOWN] = {"spelling/unknown-word", "a word hunspell does not know (with suggestions)", TS_SEV_INFO},
};

#define MAX_SUGGEST 5
#define MEMO_LIMIT 2000000

typedef struct {
    bool known;
    const char *fix;          /* the confident correction, or NULL */
    const char *message;      /* for unknown words */
} verdict;

typedef struct {
    struct ts_speller *sp;
    ts_strmap known_terms;    /* words of term lists and .dic additions */
    ts_strmap known_folded;   /* the same, folded to lower-case ASCII */
    ts_strmap memo;           /* word -> verdict */
    ts_arena arena;           /* verdicts, suggestions */
    bool fixes_only;          /* findings are not shown: suggest only to fix */
} spell_state;

static void spell_free(void *state)
{
    spell_state *s = state;
    if (!s) return;
    ts_strmap_release(&s->known_terms);
    ts_strmap_release(&s->known_folded);
    ts_strmap_release(&s->memo);
    ts_arena_release(&s->arena);
    free(s);
}

static int add_known(spell_state *s, const char *w, size_t n)
{
    int added;
    char f[256];
    size_t fl = ts_fold_ascii(w, n, f, sizeof f, 0);
    if (fl && !ts_strmap_put(&s->known_folded, f, fl, &added)) return -1;
    return ts_strmap_put(&s->known_terms, w, n, &added) ? 0 : -1;
}

static ts_status spell_new(ts_context *ctx, void **state)
{
    ts_status st;
    const ts_termset *set = ts_context_terms(ctx, &st);
    if (!set) return st;
    spell_state *s = calloc(1, sizeof *s);
    if (!s) return TS_ERR_NOMEM;
    ts_strmap_init(&s->known_terms);
    ts_strmap_init(&s->known_folded);
    ts_strmap_init(&s->memo);
    ts_arena_init(&s->arena);
    s->sp = ts_context_speller(ctx);
    /* "findings=0": the caller (fix, diff) shows no findings, so the
     * costly suggestions are asked only for words that might be fixed */
    const char *f = ts_context_option(ctx, "findings");
    s->fixes_only = f && strcmp(f, "0") == 0;
    /* every word of every term (and its heard forms are not words) */
    for (size_t i = 0; i < set->n; i++) {
        const char *p = set->terms[i].text;
        while (*p) {
            while (*p == ' ' || *p == '-' || *p == '\t') p++;
            const char *q = p;
            while (*q && *q != ' ' && *q != '-' && *q != '\t') q++;
            if (q > p && add_known(s, p, (size_t)(q - p))) goto nomem;
            p = q;
        }
    }
    for (size_t i = 0; i < set->n_words; i++)
        if (add_known(s, set->words[i], strlen(set->words[i]))) goto nomem;
    *state = s;
    return TS_OK;
nomem:
    spell_free(s);
    return TS_ERR_NOMEM;
}

/* Edit class of a one-slip correction: 3 apostrophe in a contraction,
 * 2 transposition or doubled letter, 1 other single edit, 0 not one edit. */
static int slip_class(const char *w, size_t wl, const char *c, size_t cl)
{
    if (ts_edit_distance(w, wl, c, cl, 1) > 1) return 0;
    if (cl == wl + 1) {
        size_t i = 0;
        while (i < wl && w[i] == c[i]) i++;
        /* c = w with c[i] inserted */
        if (c[i] == '\'') return 3;
        if ((i > 0 && c[i - 1] == c[i]) || (i + 1 < cl && c[i + 1] == c[i])) return 2;
        return 1;
    }
    if (wl == cl + 1) {
        size_t i = 0;
        while (i < cl && w[i] == c[i]) i++;
        if ((i > 0 && w[i - 1] == w[i]) || (i + 1 < wl && w[i + 1] == w[i])) return 2;
        return 1;
    }
    if (wl == cl) {
        size_t i = 0;
        while (i < wl && w[i] == c[i]) i++;
        if (i + 1 < wl && w[i] == c[i + 1] && w[i + 1] == c[i]) return 2;
        return 1;
    }
    return 1;
}

static bool all_lower_ascii(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '\'')) return false;
    return true;
}

/* "im", "ive", "dont", "thats": a known word once an apostrophe goes in
 * ("I'm" with its capital). */
static bool missing_apostrophe(spell_state *s, const char *w, size_t n)
{
    char c[16];
    if (n < 2 || n + 1 >= sizeof c) return false;
    for (size_t at = 1; at < n; at++) {
        memcpy(c, w, at);
        c[at] = '\'';
        memcpy(c + at + 1, w + at, n - at);
        if (ts_speller_check(s->sp, c, n + 1)) return true;
        if (c[0] == 'i' && at == 1) {
            c[0] = 'I';
            if (ts_speller_check(s->sp, c, n + 1)) return true;
        }
    }
    return false;
}

/* The one word the slips people make most would turn `w` into: two
 * letters swapped, a letter doubled, a doubled letter single.  Only the
 * slips, and only a lower-case word of four letters or more: a plain
 * one-letter change ("async" -> "sync") is too often a word hunspell
 * lacks, and a short word has too many neighbours ("im" is not "mi").
 * NULL when no candidate or more than one is a word.  Candidates are
 * checked with hunspell's spell, not its far slower suggest, so fix costs
 * the same whether findings are shown or not. */
static const char *slip_fix(spell_state *s, const char *w, size_t n)
{
    char c[64], found[64];
    int count = 0;
    if (n < 4 || n + 1 >= sizeof c) return NULL;
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z') return NULL;
    for (int op = 0; op < 3; op++) {
        for (size_t i = 0; i < n; i++) {
            size_t cl;
            if (op == 0) { /* swap i, i+1 */
                if (i + 1 >= n || w[i] == w[i + 1]) continue;
                memcpy(c, w, n);
                c[i] = w[i + 1];
                c[i + 1] = w[i];
                cl = n;
            } else if (op == 1) { /* double w[i] */
                if (i + 1 < n && w[i + 1] == w[i]) continue; /* already double */
                memcpy(c, w, i + 1);
                c[i + 1] = w[i];
                memcpy(c + i + 2, w + i + 1, n - i - 1);
                cl = n + 1;
            } else { /* w[i] w[i+1] doubled: drop one */
                if (i + 1 >= n || w[i] != w[i + 1]) continue;
                memcpy(c, w, i);
                memcpy(c + i, w + i + 1, n - i - 1);
                cl = n - 1;
            }
            if (!ts_speller_check(s->sp, c, cl)) continue;
            if (count && (strlen(found) != cl || memcmp(found, c, cl) != 0)) return NULL;
            memcpy(found, c, cl);
            found[cl] = '\0';
            count = 1;
        }
    }
    return count ? ts_arena_strndup(&s->arena, found, strlen(found)) : NULL;
}

static const verdict *judge(spell_state *s, const char *w, size_t n, bool lower)
{
    ts_strmap_slot *slot = ts_strmap_find(&s->memo, w, n);
    if (slot) return slot->value;
    int added;
    slot = ts_strmap_put(&s->memo, w, n, &added);
    if (!slot) return NULL;
    verdict *v = ts_arena_calloc(&s->arena, 1, sizeof *v);
    if (!v) return NULL;
    slot->value = v;
    /* a term's word, or its possessive ("Anthropic's") */
    v->known = ts_strmap_find(&s->known_terms, w, n) != NULL ||
               (n > 2 && w[n - 2] == '\'' && (w[n - 1] == 's' || w[n - 1] == 'S') &&
                ts_strmap_find(&s->known_terms, w, n - 2) != NULL) ||
               ts_speller_check(s->sp, w, n);
    if (!v->known && lower) {
        /* a lower-case form of a term ("wundergraph") is the dictionary
         * pass's business, not a typo */
        char f[256];
        size_t fl = ts_fold_ascii(w, n, f, sizeof f, 0);
        v->known = fl && ts_strmap_find(&s->known_folded, f, fl) != NULL;
    }
    if (v->known) return v;
    if (lower && missing_apostrophe(s, w, n)) {
        v->known = true; /* a contraction: the rules pass's to fix */
        return v;
    }
    if (s->fixes_only) {
        v->message = ts_arena_printf(&s->arena, "unknown word '%.*s'", (int)n, w);
        if (!v->message) return NULL;
        if (lower) v->fix = slip_fix(s, w, n);
        return v;
    }
    const char *sug[MAX_SUGGEST];
    size_t ns = ts_speller_suggest(s->sp, w, n, &s->arena, sug, MAX_SUGGEST);
    if (ns == 0) {
        v->message = ts_arena_printf(&s->arena, "unknown word '%.*s' (no suggestions)", (int)n, w);
    } else {
        char list[512];
        size_t o = 0;
        for (size_t i = 0; i < ns && o + 8 < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s'%s'", i ? ", " : "", sug[i]);
        v->message = ts_arena_printf(&s->arena, "unknown word '%.*s'; did you mean %s?", (int)n,
                                     w, list);
    }
    if (!v->message) return NULL;
    if (!lower) return v;
    /* A missing apostrophe in a contraction ("thats", "dont", "youre") is
     * the rules pass's to fix (rules/core.xml): neither fixed nor reported
     * here. */
    for (size_t i = 0; i < ns; i++)
        if (all_lower_ascii(sug[i]) && slip_class(w, n, sug[i], strlen(sug[i])) == 3) {
            v->known = true;
            return v;
        }
    v->fix = slip_fix(s, w, n);
    return v;
}

static bool is_word_char(const char *p, size_t n, size_t i, size_t *len)
{
    unsigned char b = (unsigned char)p[i];
    if (b < 0x80 && b != '\'') { /* the common case without a table lookup */
        *len = 1;
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
    }
    int32_t c = ts_utf8_decode(p + i, n - i, len);
    if (ts_cp_is_letter(c) || ts_cp_is_digit(c)) return true;
    /* apostrophes inside a word */
    if ((p[i] == '\'') && i > 0 && i + 1 < n) {
        size_t l1, l2;
        size_t pi = ts_utf8_prev(p, i);
        int32_t a = ts_utf8_decode(p + pi, n - pi, &l1), b = ts_utf8_decode(p + i + 1, n - i - 1, &l2);
        return ts_cp_is_letter(a) && ts_cp_is_letter(b);
    }
    return false;
}

static ts_status run_spelling(ts_context *ctx, void *state, const ts_transcript *t,
                              const uint8_t *only, ts_edit_list *out)
{
    (void)ctx;
    spell_state *s = state;
    if (!s || !s->sp) return TS_OK;
    if (s->memo.n >= MEMO_LIMIT) {
        ts_strmap_clear(&s->memo);
        ts_arena_release(&s->arena);
        ts_arena_init(&s->arena);
    }
    for (size_t sg = 0; sg < t->n; sg++) {
        if (only && !only[sg]) continue;
        const char *p = t->segs[sg].text;
        size_t n = t->segs[sg].text_len, i = 0;
        while (i < n) {
            size_t l;
            /* find a blank-delimited chunk; skip URLs, e-mail, paths */
            while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r')) i++;
            size_t cs = i;
            while (i < n && !(p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r')) i++;
            size_t ce = i;
            if (ce == cs) continue;
            if (memchr(p + cs, '@', ce - cs) || memchr(p + cs, '/', ce - cs) ||
                memchr(p + cs, '_', ce - cs))
                continue;
            /* a hyphenated compound hunspell knows whole ("Wi-Fi") */
            {
                size_t a = cs, b = ce;
                while (a < b && !is_word_char(p, b, a, &l)) a += l ? l : 1;
                while (b > a && (unsigned char)p[b - 1] < 0x80 && !isalnum((unsigned char)p[b - 1])) b--;
                if (b > a && b - a < 128 && memchr(p + a, '-', b - a)) {
                    char joined[128];
                    size_t jl = 0;
                    for (size_t q = a; q < b; q++)
                        if (p[q] != '-') joined[jl++] = p[q];
                    if (ts_speller_check(s->sp, p + a, b - a) || ts_speller_check(s->sp, joined, jl))
                        continue; /* "well-known", "Wi-Fi" as "WiFi" */
                }
            }
            for (size_t j = cs; j < ce;) {
                if (!is_word_char(p, ce, j, &l)) {
                    j += l ? l : 1;
                    continue;
                }
                size_t ws = j;
                bool digit = false, upper = false, first_upper = false;
                while (j < ce && is_word_char(p, ce, j, &l)) {
                    unsigned char b = (unsigned char)p[j];
                    bool up, dig;
                    if (b < 0x80) {
                        up = b >= 'A' && b <= 'Z';
                        dig = b >= '0' && b <= '9';
                    } else {
                        int32_t c = ts_utf8_decode(p + j, ce - j, &l);
                        up = ts_cp_is_upper(c);
                        dig = ts_cp_is_digit(c);
                    }
                    digit |= dig;
                    if (up) {
                        if (j == ws) first_upper = true;
                        else upper = true;
                    }
                    j += l;
                }
                size_t we = j;
                /* inside a dotted name (node.js) or with digits: not a word */
                bool dotted = (ws > cs && p[ws - 1] == '.') ||
                              (we + 1 < ce && p[we] == '.' && p[we + 1] != '.');
                if (digit || upper || dotted || we - ws < 2 || we - ws >= 100) continue;
                const verdict *v = judge(s, p + ws, we - ws, !first_upper);
                if (!v) return TS_ERR_NOMEM;
                if (v->known) continue;
                ts_edit *e;
                if (v->fix) {
                    e = ts_edit_replace(out, &spelling_rules[R_TYPO], (uint32_t)sg, (uint32_t)ws,
                                        (uint32_t)we, v->fix, strlen(v->fix));
                    if (e) {
                        e->confidence = 0.9f;
                        e->message = ts_edit_message(out, "'%.*s' is a typo for '%s'",
                                                     (int)(we - ws), p + ws, v->fix);
                    }
                } else {
                    e = ts_edit_report(out, &spelling_rules[R_UNKNOWN], (uint32_t)sg, (uint32_t)ws,
                                       (uint32_t)we);
                    if (e) {
                        e->confidence = 0.5f;
                        e->message = v->message;
                    }
                }
                if (out->failed) return TS_ERR_NOMEM;
            }
        }
    }
    return TS_OK;
}

const ts_pass ts_pass_spelling = {
    .info = {"spelling", "hunspell: confident typos fixed, unknown words reported", true,
             spelling_rules, R_COUNT},
    .segment_local = true,
    .state_new = spell_new,
    .state_free = spell_free,
    .run = run_spelling,
};
