/*
 * mojibake.c - undoing UTF-8 that went through the wrong code page.
 *
 * The heuristic (after ftfy 6.3 by Robyn Speer, Apache-2.0):
 *
 * 1. A line is left alone unless it is non-ASCII and "looks bad": one of
 *    the improbable-neighbour patterns of rules/encoding/badness.txt
 *    matches.  The patterns work on classes of the ~400 characters that
 *    mojibake is made of (accented capitals, currency signs, C1 controls,
 *    box drawing, ...), so ordinary text in any script, including
 *    "SÃO PAULO", "Âncă" or "pâté", never gets this far.
 * 2. The whole line is re-encoded with each code page in turn (Latin-1,
 *    Windows-1252, -1251, -1250, -1253, -1254, -1257, ISO-8859-2,
 *    MacRoman, CP437); the first whose bytes are strictly valid UTF-8
 *    wins.  Before decoding, a space that stands where a UTF-8 sequence
 *    needs byte 0xA0 is put back (a lost no-break space), sequences whose
 *    bytes were lost to '?' or U+FFFD become one U+FFFD, and CESU-8
 *    surrogate pairs (Java's modified UTF-8) are accepted.
 * 3. When no code page explains the whole line, only the runs that look
 *    like UTF-8 lead and continuation characters are repaired, each on its
 *    own and only when the run by itself looks bad (text pasted together
 *    from several sources).
 * 4. Remaining C1 controls become the Windows-1252 characters they stand
 *    for.
 * The steps repeat until nothing changes, so two or three layers of damage
 * come off.  Refusals: text that is valid in no code page, bytes that are
 * not strictly valid UTF-8 (overlongs, lone surrogates, U+0000 from
 * C0 80), runs that do not look bad on their own, and anything when the
 * line does not look bad at all.  Missing a repair is preferred to
 * damaging good text.
 *
 * Everything works on the UTF-8 bytes of a line.  The badness test is one
 * pass over its characters that keeps the patterns whose first one, two
 * and three characters fit (masks shared by characters alike) and matches
 * only those in full; ASCII is skipped eight bytes at a time.  A repair
 * re-encodes each character through a code page's reverse table straight
 * into bytes: one pass finds the pages that can encode the line and, while
 * Windows-1252 is one of them, builds its bytes (which Latin-1 shares) and
 * follows them through a UTF-8 state machine, so the usual repair needs no
 * second pass to know its bytes are the answer.  The layers alternate
 * between buffers of a work area that grows to the longest line.
 */
#include "mojibake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "utf8.h"

#include "encoding_badness.inc"
#include "encoding_codepages.inc"

/* ---- tables ------------------------------------------------------------ */

#define MAX_CLASSES 16
#define MAX_CODEPAGES 16
#define MAX_ELEMS 8
#define MAX_PATTERNS 64 /* bits of a uint64_t start mask */

/* Flag bits beyond the classes of badness.txt. */
enum {
    F_FIRST2 = 1u << 16,   /* a UTF-8 lead byte of 2 in a Latin-like code page */
    F_FIRST3 = 1u << 17,
    F_FIRST4 = 1u << 18,
    F_CONT = 1u << 19,     /* a continuation byte (or a space for 0xA0) */
    F_STRICT = 1u << 20,   /* a continuation byte that is no common punctuation */
    F_SPACE = 1u << 21,    /* white space */
};

enum { S_LOWER = 1, S_LETTER = 2, S_NONLETTER = 4, S_SPACE = 8, S_WORD = 16, S_ANY = 32, S_START = 64 };

typedef struct {
    uint32_t mask;
    uint8_t specials;
    uint16_t lit_off, lit_n;   /* ranges (lo, hi) in m->lits */
} elem;

typedef struct {
    uint8_t n;
    elem e[MAX_ELEMS];
} pattern;

typedef struct {
    int32_t cp;
    uint8_t byte;
} rev_entry;

typedef struct {
    char name[24], rule[24];
    bool sloppy;
    bool keep_spaces;          /* MacRoman: "– " would look like a lost 0xA0 */
    int32_t dec[128];
    rev_entry rev[129];
    size_t n_rev;
    uint8_t rev_lo[0x600], rev_mid[0x700]; /* byte for a code point, 0: none */
} codepage;

/* What the badness scan needs to know of a character.  Bit p of `start`:
 * pattern p can start with it; of `second` and `third`: it can be the
 * second or third character of pattern p, always set for patterns with
 * fewer characters, so that a scan can AND them in unconditionally.
 * Characters share these: each has the index of its set. */
typedef struct {
    uint64_t start, second, third;
} nbr;

typedef struct {
    int32_t cp;
    uint32_t flags;
    uint16_t nb;                 /* index in m->nbs */
} other_entry;

struct ts_mojibake {
    uint32_t lo[0x600];          /* flags for U+0000..U+05FF */
    uint32_t mid[0x700];         /* flags for U+2000..U+26FF */
    /* The neighbour masks of U+0000..U+05FF, U+2000..U+26FF and the
     * other entries are m->nbs[...]; characters without an entry (no
     * start) use nb_word or nb_other. */
    uint16_t nb_lo[0x600], nb_mid[0x700];
    nbr *nbs;
    size_t n_nbs;
    nbr nb_word, nb_other;
    uint64_t single, short3;     /* patterns of fewer than 2 / 3 characters */
    uint64_t start_at0;          /* patterns anchored at the start of the text */
    uint64_t at0_zero_width;     /* those of them whose anchor matches no character */
    int32_t other_min, other_max;
    other_entry *other;          /* sorted; everything else that has flags */
    size_t n_other, cap_other;
    char class_names[MAX_CLASSES][32];
    int n_classes;
    pattern pats[MAX_PATTERNS];
    int n_pats;
    int32_t *lits;               /* pattern literal ranges, pairs */
    size_t n_lits, cap_lits;
    codepage cps[MAX_CODEPAGES];
    int n_cps;
    /* Windows-1252 (-1: none) and Latin-1 when every character both can
     * encode has the same byte in both (-1: no such page). */
    int cp1252, latin1;
    /* Bit k: code page k can encode the character (U+0080..U+05FF and
     * U+2000..U+26FF; others are looked up page by page). */
    uint16_t pages_lo[0x600], pages_mid[0x700];
    uint16_t sloppy_pages;       /* pages that cannot encode U+001A */
    /* Strict UTF-8 as a state machine over bytes: utf8_dfa[state][byte]
     * is the next state; U8_OK between characters, U8_BAD for good. */
    uint8_t utf8_dfa[9][256];
};

enum { U8_OK = 0, U8_BAD = 8 };

/* The state after byte b: 1-3 continuation bytes to go, 4-7 the second
 * byte of E0, ED, F0, F4 (whose range is narrower). */
static uint8_t utf8_next(int st, int b)
{
    bool cont = b >= 0x80 && b <= 0xBF;
    switch (st) {
    case U8_OK:
        if (b < 0x80) return U8_OK;
        if (b < 0xC2) return U8_BAD;
        if (b < 0xE0) return 1;
        if (b == 0xE0) return 4;
        if (b == 0xED) return 5;
        if (b < 0xF0) return 2;
        if (b == 0xF0) return 6;
        if (b < 0xF4) return 3;
        return b == 0xF4 ? 7 : U8_BAD;
    case 1: case 2: case 3: return cont ? (uint8_t)(st - 1) : U8_BAD;
    case 4: return b >= 0xA0 && b <= 0xBF ? 1 : U8_BAD;
    case 5: return b >= 0x80 && b <= 0x9F ? 1 : U8_BAD;
    case 6: return b >= 0x90 && b <= 0xBF ? 2 : U8_BAD;
    case 7: return b >= 0x80 && b <= 0x8F ? 2 : U8_BAD;
    default: return U8_BAD;
    }
}

static uint32_t *flag_slot(ts_mojibake *m, int32_t cp)
{
    if (cp >= 0 && cp < 0x600) return &m->lo[cp];
    if (cp >= 0x2000 && cp < 0x2700) return &m->mid[cp - 0x2000];
    for (size_t i = 0; i < m->n_other; i++)
        if (m->other[i].cp == cp) return &m->other[i].flags;
    if (m->n_other == m->cap_other) {
        size_t cap = m->cap_other ? m->cap_other * 2 : 16;
        other_entry *p = realloc(m->other, cap * sizeof *p);
        if (!p) return NULL;
        m->other = p;
        m->cap_other = cap;
    }
    m->other[m->n_other] = (other_entry){cp, 0, 0};
    return &m->other[m->n_other++].flags;
}

static int cmp_other(const void *a, const void *b)
{
    const other_entry *x = a, *y = b;
    return (x->cp > y->cp) - (x->cp < y->cp);
}

/* The entry for a code point outside the two direct tables, or NULL. */
static inline const other_entry *other_of(const ts_mojibake *m, int32_t cp)
{
    if (cp < m->other_min || cp > m->other_max) return NULL;
    size_t lo = 0, hi = m->n_other;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->other[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n_other && m->other[lo].cp == cp ? &m->other[lo] : NULL;
}

static inline uint32_t flags_of(const ts_mojibake *m, int32_t cp)
{
    if (cp < 0x600) return cp >= 0 ? m->lo[cp] : 0;
    if (cp >= 0x2000 && cp < 0x2700) return m->mid[cp - 0x2000];
    const other_entry *e = other_of(m, cp);
    return e ? e->flags : 0;
}

static bool is_word(int32_t c);

/* The neighbour masks of cp (a valid code point).  Asking whether a
 * character without an entry is a word character costs a utf8proc
 * lookup, so the scan asks only when it needs second or third. */
static inline const nbr *nbr_of(const ts_mojibake *m, int32_t cp)
{
    if (cp < 0x600) return &m->nbs[m->nb_lo[cp]];
    if (cp >= 0x2000 && cp < 0x2700) return &m->nbs[m->nb_mid[cp - 0x2000]];
    const other_entry *e = other_of(m, cp);
    return e ? &m->nbs[e->nb] : NULL;
}

static inline const nbr *nbr_full(const ts_mojibake *m, const nbr *k, int32_t cp)
{
    return k ? k : is_word(cp) ? &m->nb_word : &m->nb_other;
}

/* Sets `bits` on every code point in [a, b]. */
static int mark_range(ts_mojibake *m, int32_t a, int32_t b, uint32_t bits)
{
    for (int32_t c = a; c <= b; c++) {
        uint32_t *f = flag_slot(m, c);
        if (!f) return -1;
        *f |= bits;
    }
    return 0;
}

/* Sets `bits` on every code point whose flags intersect `any`. */
static void mark_union(ts_mojibake *m, uint32_t any, uint32_t bits)
{
    for (size_t i = 0; i < 0x600; i++)
        if (m->lo[i] & any) m->lo[i] |= bits;
    for (size_t i = 0; i < 0x700; i++)
        if (m->mid[i] & any) m->mid[i] |= bits;
    for (size_t i = 0; i < m->n_other; i++)
        if (m->other[i].flags & any) m->other[i].flags |= bits;
}

/* ---- parsing the data files ------------------------------------------- */

/* Parses one code point at *p (U+XXXX or a UTF-8 character); -1 if none. */
static int32_t parse_cp(const char **p, const char *end)
{
    const char *s = *p;
    if (end - s >= 3 && s[0] == 'U' && s[1] == '+') {
        char *e;
        long v = strtol(s + 2, &e, 16);
        if (e == s + 2 || e > end) return -1;
        *p = e;
        return (int32_t)v;
    }
    size_t len;
    int32_t c = ts_utf8_decode(s, (size_t)(end - s), &len);
    if (c < 0) return -1;
    *p = s + len;
    return c;
}

static int find_class(const ts_mojibake *m, const char *s, size_t n)
{
    for (int i = 0; i < m->n_classes; i++)
        if (strlen(m->class_names[i]) == n && memcmp(m->class_names[i], s, n) == 0) return i;
    return -1;
}

static int push_lit(ts_mojibake *m, int32_t a, int32_t b)
{
    if (m->n_lits + 2 > m->cap_lits) {
        size_t cap = m->cap_lits ? m->cap_lits * 2 : 64;
        int32_t *p = realloc(m->lits, cap * sizeof *p);
        if (!p) return -1;
        m->lits = p;
        m->cap_lits = cap;
    }
    m->lits[m->n_lits++] = a;
    m->lits[m->n_lits++] = b;
    return 0;
}

/* Parses a '|'-separated set into an element (patterns) or into class bits
 * (class lines, when cls >= 0).  Returns 0, or -1 on an error. */
static int parse_set(ts_mojibake *m, const char *s, const char *end, elem *e, int cls)
{
    static const struct { const char *name; uint8_t bit; } specials[] = {
        {"@lower", S_LOWER}, {"@letter", S_LETTER}, {"@nonletter", S_NONLETTER},
        {"@space", S_SPACE}, {"@word", S_WORD}, {"@any", S_ANY}, {"@start", S_START},
    };
    if (e) {
        memset(e, 0, sizeof *e);
        e->lit_off = (uint16_t)(m->n_lits / 2);
    }
    while (s < end) {
        const char *bar = memchr(s, '|', (size_t)(end - s));
        /* A lone '|' would be a literal; none of the tables needs one. */
        const char *ie = bar ? bar : end;
        size_t n = (size_t)(ie - s);
        int k;
        if (n > 1 && s[0] == '@') {
            size_t j;
            for (j = 0; j < sizeof specials / sizeof specials[0]; j++)
                if (strlen(specials[j].name) == n && memcmp(specials[j].name, s, n) == 0) break;
            if (j == sizeof specials / sizeof specials[0] || !e) return -1;
            e->specials |= specials[j].bit;
        } else if (n > 1 && (k = find_class(m, s, n)) >= 0) {
            if (e) e->mask |= 1u << k;
            else mark_union(m, 1u << k, 1u << cls);
        } else {
            const char *p = s;
            int32_t a = parse_cp(&p, ie), b = a;
            if (a < 0) return -1;
            if (ie - p >= 2 && p[0] == '.' && p[1] == '.') {
                p += 2;
                b = parse_cp(&p, ie);
            }
            if (b < a || p != ie) return -1;
            if (e) {
                if (push_lit(m, a, b)) return -1;
                e->lit_n++;
            } else if (mark_range(m, a, b, 1u << cls)) {
                return -1;
            }
        }
        s = bar ? bar + 1 : end;
    }
    return 0;
}

/* The next line of a data file that is neither empty nor a '#' comment:
 * [*p, *end), *d moved past it.  False at the end of the text. */
static bool next_data_line(const char **d, const char **p, const char **end)
{
    while (**d) {
        const char *nl = strchr(*d, '\n');
        *p = *d;
        *end = nl ? nl : *d + strlen(*d);
        *d = nl ? nl + 1 : *end;
        if (*p != *end && **p != '#') return true;
    }
    return false;
}

static int parse_badness(ts_mojibake *m, const char *d)
{
    const char *p, *end;
    while (next_data_line(&d, &p, &end)) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp) return -1;
        bool is_class = (size_t)(sp - p) == 5 && memcmp(p, "class", 5) == 0;
        bool is_pat = (size_t)(sp - p) == 7 && memcmp(p, "pattern", 7) == 0;
        if (!is_class && !is_pat) return -1;
        p = sp + 1;
        int cls = -1;
        pattern *pat = NULL;
        if (is_class) {
            sp = memchr(p, ' ', (size_t)(end - p));
            if (!sp || m->n_classes == MAX_CLASSES || (size_t)(sp - p) >= 32) return -1;
            cls = m->n_classes++;
            memcpy(m->class_names[cls], p, (size_t)(sp - p));
            m->class_names[cls][sp - p] = '\0';
            p = sp + 1;
        } else {
            if (m->n_pats == MAX_PATTERNS) return -1;
            pat = &m->pats[m->n_pats++];
            pat->n = 0;
        }
        while (p < end) {
            while (p < end && *p == ' ') p++;
            if (p == end) break;
            const char *te = memchr(p, ' ', (size_t)(end - p));
            if (!te) te = end;
            if (pat) {
                if (pat->n == MAX_ELEMS || parse_set(m, p, te, &pat->e[pat->n++], -1)) return -1;
                /* @start matches no character: only first (the scan's
                 * filters count characters from the second element). */
                if (pat->n > 1 && (pat->e[pat->n - 1].specials & S_START)) return -1;
            } else if (parse_set(m, p, te, NULL, cls)) {
                return -1;
            }
            p = te;
        }
        if (pat && pat->n == 0) return -1;
    }
    return 0;
}

static int cmp_rev(const void *a, const void *b)
{
    const rev_entry *x = a, *y = b;
    return (x->cp > y->cp) - (x->cp < y->cp);
}

static inline int encode_cp(const codepage *c, int32_t cp);

static int parse_codepages(ts_mojibake *m, const char *d)
{
    m->latin1 = m->cp1252 = -1;
    codepage *cp = NULL;
    const char *p, *end;
    while (next_data_line(&d, &p, &end)) {
        if (strncmp(p, "codepage ", 9) == 0) {
            if (m->n_cps == MAX_CODEPAGES) return -1;
            cp = &m->cps[m->n_cps++];
            memset(cp, 0, sizeof *cp);
            int sloppy = 0;
            char fmt[32];
            snprintf(fmt, sizeof fmt, "codepage %%%zus %%%zus %%d", sizeof cp->name - 1,
                     sizeof cp->rule - 1);
            if (sscanf(p, fmt, cp->name, cp->rule, &sloppy) != 3) return -1;
            cp->sloppy = sloppy != 0;
            continue;
        }
        char *e;
        long b = strtol(p, &e, 16), c = strtol(e, NULL, 16);
        if (!cp || b < 0x80 || b > 0xFF || c <= 0 || c > 0xFFFF) return -1;
        cp->dec[b - 0x80] = (int32_t)c;
    }
    for (int i = 0; i < m->n_cps; i++) {
        codepage *c = &m->cps[i];
        for (int b = 0; b < 128; b++) c->rev[c->n_rev++] = (rev_entry){c->dec[b], (uint8_t)(0x80 + b)};
        if (c->sloppy) c->rev[c->n_rev++] = (rev_entry){0xFFFD, 0x1A};
        qsort(c->rev, c->n_rev, sizeof c->rev[0], cmp_rev);
        for (size_t k = 0; k < c->n_rev; k++) {
            int32_t cp = c->rev[k].cp;
            if (cp < 0x600) c->rev_lo[cp] = c->rev[k].byte;
            else if (cp >= 0x2000 && cp < 0x2700) c->rev_mid[cp - 0x2000] = c->rev[k].byte;
        }
        for (int32_t u = 0x80; u < 0x600; u++)
            if (c->rev_lo[u]) m->pages_lo[u] |= (uint16_t)(1u << i);
        for (int32_t u = 0; u < 0x700; u++)
            if (c->rev_mid[u]) m->pages_mid[u] |= (uint16_t)(1u << i);
        if (c->sloppy) m->sloppy_pages |= (uint16_t)(1u << i);
        c->keep_spaces = strcmp(c->rule, "macroman") == 0;
        if (strcmp(c->rule, "latin1") == 0) m->latin1 = i;
        if (strcmp(c->rule, "cp1252") == 0) m->cp1252 = i;
    }
    /* Where Windows-1252 can encode every character of a text, its bytes
     * are Latin-1's too if both give each character they share the same
     * byte (U+001A and U+FFFD, which only a sloppy page treats apart, are
     * then absent from the text). */
    if (m->latin1 >= 0 && m->cp1252 >= 0) {
        const codepage *l = &m->cps[m->latin1], *w = &m->cps[m->cp1252];
        for (size_t k = 0; k < l->n_rev; k++) {
            int b = encode_cp(w, l->rev[k].cp);
            if (b >= 0 && b != l->rev[k].byte) m->latin1 = -1;
        }
    }
    if (m->cp1252 < 0) m->latin1 = -1;
    return m->n_cps ? 0 : -1;
}

/* Lead and continuation characters of UTF-8 read through the code pages
 * that keep ASCII letters in place and are commonly confused with it. */
static int mark_utf8_clues(ts_mojibake *m)
{
    static const char *const latin_like[] = {"latin1", "cp1252", "cp1251", "cp1250",
                                             "cp1253", "cp1254", "cp1257"};
    static const int32_t not_strict[] = {0x2013, 0x2014, 0x2015, 0x2018, 0x2019, 0x201A,
                                         0x201C, 0x201D, 0x201E, 0x2022, 0x2026};
    for (int i = 0; i < m->n_cps; i++) {
        const codepage *c = &m->cps[i];
        bool use = false;
        for (size_t k = 0; k < sizeof latin_like / sizeof latin_like[0]; k++)
            if (strcmp(c->rule, latin_like[k]) == 0) use = true;
        if (!use) continue;
        for (int b = 0x80; b <= 0xFF; b++) {
            uint32_t bits = 0;
            if (b <= 0xBF) bits = F_CONT | F_STRICT;
            else if (b >= 0xC2 && b <= 0xDF) bits = F_FIRST2;
            else if (b >= 0xE0 && b <= 0xEF) bits = F_FIRST3;
            else if (b == 0xF0 || b == 0xF3) bits = F_FIRST4;
            if (bits && mark_range(m, c->dec[b - 0x80], c->dec[b - 0x80], bits)) return -1;
        }
    }
    for (size_t k = 0; k < sizeof not_strict / sizeof not_strict[0]; k++) {
        uint32_t *f = flag_slot(m, not_strict[k]);
        if (!f) return -1;
        *f &= ~F_STRICT;
    }
    m->lo[' '] |= F_CONT;
    return 0;
}

static int mark_spaces(ts_mojibake *m)
{
    static const int32_t sp[] = {0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (int c = 0x09; c <= 0x0D; c++) m->lo[c] |= F_SPACE;
    for (int c = 0x1C; c <= 0x20; c++) m->lo[c] |= F_SPACE;
    m->lo[0x85] |= F_SPACE;
    m->lo[0xA0] |= F_SPACE;
    for (int c = 0x2000; c <= 0x200A; c++) m->mid[c - 0x2000] |= F_SPACE;
    for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++)
        if (mark_range(m, sp[k], sp[k], F_SPACE)) return -1;
    return 0;
}

static bool is_word(int32_t c)
{
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? true : (c >= '0' && c <= '9') || c == '_';
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

static inline bool elem_match(const ts_mojibake *m, const elem *e, int32_t c, uint32_t f)
{
    if (f & e->mask) return true;
    for (uint16_t k = 0; k < e->lit_n; k++) {
        const int32_t *r = &m->lits[2 * (e->lit_off + k)];
        if (c >= r[0] && c <= r[1]) return true;
    }
    if (!e->specials) return false;
    bool letter = c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if ((e->specials & S_LOWER) && c >= 'a' && c <= 'z') return true;
    if ((e->specials & S_LETTER) && letter) return true;
    if ((e->specials & S_NONLETTER) && !letter) return true;
    if ((e->specials & S_SPACE) && (f & F_SPACE)) return true;
    if ((e->specials & S_ANY) && c != '\n') return true;
    if ((e->specials & S_WORD) && is_word(c)) return true;
    return false;
}

static bool zero_width_start(const elem *e)
{
    return e->specials == S_START && !e->mask && !e->lit_n;
}

/* The neighbour masks of character c with flags f. */
static nbr masks_of(const ts_mojibake *m, int32_t c, uint32_t f)
{
    nbr r = {0, m->single, m->short3};
    for (int p = 0; p < m->n_pats; p++) {
        const pattern *pt = &m->pats[p];
        uint64_t bit = 1ull << p;
        if (!(m->start_at0 & bit) && elem_match(m, &pt->e[0], c, f)) r.start |= bit;
        if (pt->n >= 2 && elem_match(m, &pt->e[1], c, f)) r.second |= bit;
        if (pt->n >= 3 && elem_match(m, &pt->e[2], c, f)) r.third |= bit;
    }
    return r;
}

/* The index of r in m->nbs, added when new; -1 when memory runs out. */
static int intern_nbr(ts_mojibake *m, nbr r, size_t *cap)
{
    for (size_t k = m->n_nbs; k-- > 0;)
        if (m->nbs[k].start == r.start && m->nbs[k].second == r.second && m->nbs[k].third == r.third)
            return (int)k;
    if (m->n_nbs == UINT16_MAX) return -1;
    if (m->n_nbs == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        nbr *p = realloc(m->nbs, c * sizeof *p);
        if (!p) return -1;
        m->nbs = p;
        *cap = c;
    }
    m->nbs[m->n_nbs] = r;
    return (int)m->n_nbs++;
}

/* Records, for every code point with an entry, which patterns it can
 * start or be the second or third character of, so the scan tries only
 * the patterns whose first three characters fit. */
static int mark_neighbours(ts_mojibake *m)
{
    for (int p = 0; p < m->n_pats; p++) {
        const pattern *pt = &m->pats[p];
        uint64_t bit = 1ull << p;
        const elem *e0 = &pt->e[0];
        if ((e0->specials & S_START) && !e0->mask && !e0->lit_n) {
            m->start_at0 |= bit;
            if (zero_width_start(e0)) m->at0_zero_width |= bit;
        }
        if (pt->n < 2) m->single |= bit;
        if (pt->n < 3) m->short3 |= bit;
        for (uint8_t i = 0; i < pt->n && i < 3; i++) { /* give literals an entry */
            const elem *e = &pt->e[i];
            for (uint16_t k = 0; k < e->lit_n; k++) {
                const int32_t *r = &m->lits[2 * (e->lit_off + k)];
                if (mark_range(m, r[0], r[1], 0)) return -1;
            }
        }
    }
    /* Characters without an entry match no class or literal; of the
     * specials, only these three can match them. */
    m->nb_word = (nbr){0, m->single, m->short3};
    m->nb_other = m->nb_word;
    for (int p = 0; p < m->n_pats; p++) {
        const pattern *pt = &m->pats[p];
        uint64_t bit = 1ull << p;
        for (uint8_t i = 1; i < pt->n && i < 3; i++) {
            uint64_t *w = i == 1 ? &m->nb_word.second : &m->nb_word.third;
            uint64_t *o = i == 1 ? &m->nb_other.second : &m->nb_other.third;
            if (pt->e[i].specials & (S_WORD | S_ANY | S_NONLETTER)) *w |= bit;
            if (pt->e[i].specials & (S_ANY | S_NONLETTER)) *o |= bit;
        }
    }
    size_t cap = 0;
    int k;
    for (int32_t c = 0; c < 0x600; c++) {
        if ((k = intern_nbr(m, masks_of(m, c, m->lo[c]), &cap)) < 0) return -1;
        m->nb_lo[c] = (uint16_t)k;
    }
    for (int32_t c = 0x2000; c < 0x2700; c++) {
        if ((k = intern_nbr(m, masks_of(m, c, m->mid[c - 0x2000]), &cap)) < 0) return -1;
        m->nb_mid[c - 0x2000] = (uint16_t)k;
    }
    for (size_t i = 0; i < m->n_other; i++) {
        if ((k = intern_nbr(m, masks_of(m, m->other[i].cp, m->other[i].flags), &cap)) < 0) return -1;
        m->other[i].nb = (uint16_t)k;
    }
    return 0;
}

ts_mojibake *ts_mojibake_new(void)
{
    ts_mojibake *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    for (int st = 0; st <= U8_BAD; st++)
        for (int b = 0; b < 256; b++) m->utf8_dfa[st][b] = utf8_next(st, b);
    if (parse_codepages(m, encoding_codepages_txt) || mark_utf8_clues(m) || mark_spaces(m) ||
        parse_badness(m, encoding_badness_txt) || mark_neighbours(m)) {
        ts_mojibake_free(m);
        return NULL;
    }
    qsort(m->other, m->n_other, sizeof m->other[0], cmp_other);
    m->other_min = m->n_other ? m->other[0].cp : 1;
    m->other_max = m->n_other ? m->other[m->n_other - 1].cp : 0;
    return m;
}

void ts_mojibake_free(ts_mojibake *m)
{
    if (!m) return;
    free(m->other);
    free(m->lits);
    free(m->nbs);
    free(m);
}

size_t ts_mojibake_codepage_count(const ts_mojibake *m) { return (size_t)m->n_cps; }

const char *ts_mojibake_codepage_rule(const ts_mojibake *m, int i)
{
    return i >= 0 && i < m->n_cps ? m->cps[i].rule : NULL;
}

const char *ts_mojibake_codepage_name(const ts_mojibake *m, int i)
{
    return i >= 0 && i < m->n_cps ? m->cps[i].name : NULL;
}

/* ---- the badness test --------------------------------------------------- */

/* Does pattern pt match the UTF-8 text u[0..n) at byte i? */
static bool match_at(const ts_mojibake *m, const pattern *pt, const uint8_t *u, size_t n, size_t i)
{
    for (uint8_t k = 0; k < pt->n; k++) {
        const elem *e = &pt->e[k];
        if (e->specials == S_START && !e->mask && !e->lit_n) {
            if (i != 0) return false;
            continue;
        }
        if (i >= n) return false;
        size_t len;
        int32_t c = ts_utf8_decode_valid(u, n, i, &len);
        if (!elem_match(m, e, c, flags_of(m, c))) return false;
        i += len;
    }
    return true;
}

/* Tries the patterns of mask sm at byte i; out of line so that the scan
 * below keeps its few variables in registers. */
static __attribute__((noinline)) bool try_patterns(const ts_mojibake *m, uint64_t sm, const uint8_t *u,
                                                   size_t n, size_t i)
{
    while (sm) {
        int p = __builtin_ctzll(sm);
        sm &= sm - 1;
        if (match_at(m, &m->pats[p], u, n, i)) return true;
    }
    return false;
}

/* Index of the first byte >= 0x80 in u[i..n), or n. */
static size_t next_high(const uint8_t *u, size_t i, size_t n)
{
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        if ((w &= 0x8080808080808080ull)) return i + ts_word_first(w);
    }
    while (i < n && u[i] < 0x80) i++;
    return i;
}

/* The patterns anchored at the start that may match u[0..n) (n > 0). */
static uint64_t at0_candidates(const ts_mojibake *m, const uint8_t *u, size_t n)
{
    uint64_t sm = m->start_at0 & m->at0_zero_width;
    if (!sm) return m->start_at0;
    size_t l0, l1;
    int32_t c0 = ts_utf8_decode_valid(u, n, 0, &l0);
    sm &= nbr_full(m, nbr_of(m, c0), c0)->second;
    if (sm && l0 < n) {
        int32_t c1 = ts_utf8_decode_valid(u, n, l0, &l1);
        sm &= nbr_full(m, nbr_of(m, c1), c1)->third;
    } else {
        sm &= m->short3;
    }
    return sm | (m->start_at0 & ~m->at0_zero_width);
}

/* The test on the UTF-8 text u[0..n), in one pass over its characters:
 * p1 holds the patterns that can start at the previous character (at byte
 * pos1), p2 those that can start at the one before it (pos2) and have it
 * as their second; the current character keeps those it can be the next
 * of.  Only patterns whose first three characters fit are matched in
 * full.  Every pattern has a non-ASCII character among its first three
 * elements, so an ASCII character is a start only when one of the next two
 * is non-ASCII, and ASCII runs in between are skipped eight bytes at a
 * time. */
static bool is_bad(const ts_mojibake *m, const uint8_t *u, size_t n)
{
    if (n == 0) return false;
    uint64_t sm;
    if (m->start_at0 && (sm = at0_candidates(m, u, n)) && try_patterns(m, sm, u, n, 0)) return true;
    uint64_t p1 = 0, p2 = 0;
    size_t pos1 = 0, pos2 = 0, i = 0;
    int32_t last = 0;
    while (i < n) {
        if (!(p1 | p2) && u[i] < 0x80) {
            size_t j = next_high(u, i, n);
            if (j == n) return false;
            if (j - i > 2) i = j - 2;
        }
        int32_t c;
        size_t len;
        const nbr *k;
        uint64_t st;
        if (u[i] < 0x80) {
            c = u[i];
            len = 1;
            k = &m->nbs[m->nb_lo[c]];
            st = (i + 1 < n && u[i + 1] >= 0x80) || (i + 2 < n && u[i + 2] >= 0x80) ? k->start : 0;
        } else {
            c = ts_utf8_decode_valid(u, n, i, &len);
            k = nbr_of(m, c);
            st = k ? k->start : 0;
        }
        if (p1 | p2) {
            k = nbr_full(m, k, c);
            if (p2 && (sm = p2 & k->third) && try_patterns(m, sm, u, n, pos2)) return true;
            p2 = p1 & k->second;
            pos2 = pos1;
        }
        p1 = st;
        pos1 = i;
        last = c;
        i += len;
    }
    /* The text ends: only patterns of fewer characters fit. */
    if ((sm = p2 & m->short3) && try_patterns(m, sm, u, n, pos2)) return true;
    sm = last >= 0x80 ? p1 & m->single : 0;
    return sm && try_patterns(m, sm, u, n, pos1);
}

bool ts_mojibake_is_bad(const ts_mojibake *m, const char *p, size_t n)
{
    return is_bad(m, (const uint8_t *)p, n);
}

/* ---- re-encoding and decoding ------------------------------------------ */

/* Scratch buffers of one level of repair (fix_inconsistent repairs runs a
 * level deeper, at most MAX_DEPTH - 1 levels down). */
#define MAX_DEPTH 5

typedef struct {
    ts_buf a, b;     /* the text after each layer, alternately */
    ts_buf sp;       /* the bytes of Windows-1252 and Latin-1 */
    ts_buf x, y, z;  /* the bytes of another code page, after a lost 0xA0,
                      * after lossy sequences */
} level;

struct ts_mojibake_work {
    level lv[MAX_DEPTH];
};

ts_mojibake_work *ts_mojibake_work_new(void)
{
    return calloc(1, sizeof(ts_mojibake_work));
}

void ts_mojibake_work_free(ts_mojibake_work *w)
{
    if (!w) return;
    for (int d = 0; d < MAX_DEPTH; d++) {
        ts_buf_release(&w->lv[d].a);
        ts_buf_release(&w->lv[d].b);
        ts_buf_release(&w->lv[d].x);
        ts_buf_release(&w->lv[d].y);
        ts_buf_release(&w->lv[d].z);
        ts_buf_release(&w->lv[d].sp);
    }
    free(w);
}

static inline int encode_cp(const codepage *c, int32_t cp)
{
    if (cp < 0x80) return (c->sloppy && cp == 0x1A) ? -1 : cp;
    if (cp < 0x600) return c->rev_lo[cp] ? c->rev_lo[cp] : -1;
    if (cp >= 0x2000 && cp < 0x2700) return c->rev_mid[cp - 0x2000] ? c->rev_mid[cp - 0x2000] : -1;
    size_t lo = 0, hi = c->n_rev;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->rev[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->n_rev && c->rev[lo].cp == cp ? c->rev[lo].byte : -1;
}

/* The UTF-8 of cp (a valid code point) at o; returns its length. */
static inline size_t put_utf8(uint8_t *o, int32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static bool in(uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; }
static bool cont_not_85_a0(uint8_t b) { return in(b, 0x80, 0x84) || in(b, 0x86, 0x9F) || in(b, 0xA1, 0xBF); }

/* A space standing where UTF-8 needs 0xA0 (ftfy's ALTERED_UTF8_RE): the
 * length of the match at b[i..n), or 0. */
static inline size_t altered_at(const uint8_t *b, size_t n, size_t i)
{
    uint8_t c = b[i];
    if (c < 0xC2) return 0;
    if (i + 1 < n && (c == 0xC2 || c == 0xC3 || c == 0xC5 || c == 0xCE || c == 0xD0 || c == 0xD9) &&
        b[i + 1] == ' ')
        return 2;
    if (i + 2 < n && (c == 0xE2 || c == 0xE3) && b[i + 1] == ' ' && cont_not_85_a0(b[i + 2])) return 3;
    if (i + 2 < n && in(c, 0xE0, 0xE3) && cont_not_85_a0(b[i + 1]) && b[i + 2] == ' ') return 3;
    if (i + 3 < n && c == 0xF0) {
        int spaces = 0, conts = 0;
        for (int k = 1; k <= 3; k++) {
            if (b[i + k] == ' ') spaces++;
            else if (in(b[i + k], 0x80, 0xBF)) conts++;
        }
        if (spaces == 1 && conts == 2) return 4;
    }
    return 0;
}

static bool lossy_cont(uint8_t b, bool q) { return b == 0x1A || (q && b == '?'); }
static bool lossy_any(uint8_t b) { return b == 0x1A || in(b, 0x80, 0xBF); }

/* Sequences whose bytes were lost to U+FFFD (0x1A here) or '?'
 * (ftfy's LOSSY_UTF8_RE): the length of the match at b[i..n), or 0. */
static size_t lossy_at(const uint8_t *b, size_t n, size_t i)
{
    uint8_t c = b[i];
    if (c == 0x1A) return 1;
    if (i + 1 < n && in(c, 0xC2, 0xDF) && b[i + 1] == 0x1A) return 2;
    if (i + 1 < n && in(c, 0xC2, 0xC3) && b[i + 1] == '?') return 2;
    if (i + 5 < n && c == 0xED && in(b[i + 1], 0xA0, 0xAF) && b[i + 3] == 0xED &&
        in(b[i + 4], 0xB0, 0xBF)) {
        if (lossy_cont(b[i + 2], true) && (lossy_cont(b[i + 5], true) || in(b[i + 5], 0x80, 0xBF))) return 6;
        if ((lossy_cont(b[i + 2], true) || in(b[i + 2], 0x80, 0xBF)) && lossy_cont(b[i + 5], true)) return 6;
    }
    if (i + 2 < n && in(c, 0xE0, 0xEF)) {
        if (lossy_cont(b[i + 1], true) && lossy_any(b[i + 2])) return 3;
        if (lossy_any(b[i + 1]) && lossy_cont(b[i + 2], true)) return 3;
    }
    if (i + 3 < n && in(c, 0xF0, 0xF4)) {
        for (int k = 1; k <= 3; k++) {
            bool ok = true;
            for (int j = 1; j <= 3 && ok; j++)
                ok = j == k ? lossy_cont(b[i + j], true) : lossy_any(b[i + j]);
            if (ok) return 4;
        }
    }
    return 0;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Does word w hold byte value b? */
static inline bool has_byte(uint64_t w, uint8_t b)
{
    uint64_t x = w ^ (ONES * b);
    return ((x - ONES) & ~x & HIGHS) != 0;
}

/* Copies the ASCII at s[i..n) (s[i] < 0x80), up to eight bytes of it,
 * to x + *xn; returns how many.  x has eight bytes of room past what is
 * kept: the whole word is stored and only its ASCII part counted. */
static inline size_t copy_ascii(uint8_t *x, size_t *xn, const uint8_t *s, size_t i, size_t n)
{
    if (i + 8 > n) {
        x[(*xn)++] = s[i];
        return 1;
    }
    uint64_t w;
    memcpy(&w, s + i, 8);
    uint64_t h = w & HIGHS;
    size_t k = h ? ts_word_first(h) : 8;
    memcpy(x + *xn, &w, 8);
    *xn += k;
    return k;
}

/* Checks that b[0..n) is strict UTF-8 or CESU-8 surrogate pairs and writes
 * it to o as UTF-8 (a pair becomes one four-byte sequence, so o needs at
 * most n bytes, plus 8 of slack for word copies).  False if b is neither. */
static bool decode_utf8_variants(const uint8_t *b, size_t n, uint8_t *o, size_t *on)
{
    size_t i = 0, k = 0;
    while (i < n) {
        uint8_t c0 = b[i];
        if (c0 < 0x80) {
            uint64_t w;
            if (i + 8 <= n && (memcpy(&w, b + i, 8), !(w & HIGHS)) && !has_byte(w, 0)) {
                memcpy(o + k, &w, 8);
                k += 8;
                i += 8;
                continue;
            }
            if (c0 == 0) return false;
            o[k++] = c0;
            i++;
            continue;
        }
        if (n - i >= 6 && c0 == 0xED && in(b[i + 1], 0xA0, 0xAF) && in(b[i + 2], 0x80, 0xBF) &&
            b[i + 3] == 0xED && in(b[i + 4], 0xB0, 0xBF) && in(b[i + 5], 0x80, 0xBF)) {
            int32_t hi = 0xD000 | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            int32_t lo = 0xD000 | ((b[i + 4] & 0x3F) << 6) | (b[i + 5] & 0x3F);
            k += put_utf8(o + k, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
            i += 6;
            continue;
        }
        int32_t c;
        size_t len;
        if (c0 >= 0xC2 && c0 <= 0xDF) { len = 2; c = c0 & 0x1F; }
        else if (c0 >= 0xE0 && c0 <= 0xEF) { len = 3; c = c0 & 0x0F; }
        else if (c0 >= 0xF0 && c0 <= 0xF4) { len = 4; c = c0 & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t j = 1; j < len; j++) {
            if ((b[i + j] & 0xC0) != 0x80) return false;
            c = (c << 6) | (b[i + j] & 0x3F);
        }
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
            (c >= 0xD800 && c <= 0xDFFF))
            return false;
        memcpy(o + k, b + i, len);
        k += len;
        i += len;
    }
    *on = k;
    return true;
}

/* Does some byte of x[0..n) start a lost-0xA0 sequence?  Only bytes of
 * 0xC2 and above can. */
static bool any_altered(const uint8_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, x + i, 8), !(w & HIGHS))) {
            i += 7;
            continue;
        }
        if (x[i] >= 0xC2 && altered_at(x, n, i)) return true;
    }
    return false;
}

/* The bytes x[0..xn) of code page c, decoded as UTF-8 into *out after
 * putting back lost 0xA0 bytes and lossy sequences.  x is left as it is.
 * `valid`: x is strict UTF-8 without NUL (1), is not (0), or unknown (-1).
 * Returns 1 on success, 0 when the bytes are not UTF-8, -1 on no memory. */
static int finish_codepage(const codepage *c, const uint8_t *x, size_t xn, int valid, level *lv,
                           ts_buf *out)
{
    size_t on;
    if (ts_buf_reserve(out, xn + 8)) return -1;
    /* Every lost-0xA0 sequence and every lossy sequence but a lone U+001A
     * has a lead byte followed inside its sequence by a space, '?' or
     * U+001A, or is a surrogate, none of which strict UTF-8 allows: bytes
     * that are strict UTF-8 without U+001A are the answer as they stand. */
    if (valid < 0) valid = ts_utf8_valid_prefix((const char *)x, xn) == xn && !memchr(x, 0, xn);
    if (valid && !(c->sloppy && memchr(x, 0x1A, xn))) {
        memcpy(out->data, x, xn);
        out->len = xn;
        return 1;
    }
    /* Bytes a lossy sequence needs: U+001A or '?'. */
    bool lossy = c->sloppy && (memchr(x, 0x1A, xn) || memchr(x, '?', xn));
    /* A lost 0xA0.  "Ã " before a word is "à " whose 0xA0 was lost with
     * the space kept (French and Portuguese "à"), except in the Portuguese
     * words "àquele", "àquela", "àquilo" and "às" that were split by it.
     * A lost byte at most doubles the bytes. */
    if (!c->keep_spaces && any_altered(x, xn)) {
        if (ts_buf_reserve(&lv->y, 2 * xn + 1)) return -1;
        uint8_t *y = (uint8_t *)lv->y.data;
        size_t yn = 0;
        for (size_t i = 0; i < xn; i++) {
            y[yn++] = x[i];
            if (x[i] != 0xC3 || i + 1 >= xn || x[i + 1] != ' ') continue;
            const uint8_t *r = x + i + 2;
            size_t left = xn - i - 2;
            static const char *const keep[] = {" ", "quele", "quela", "quilo", "s "};
            bool skip = false;
            for (size_t k = 0; k < 5 && !skip; k++)
                skip = left >= strlen(keep[k]) && memcmp(r, keep[k], strlen(keep[k])) == 0;
            if (!skip) y[yn++] = 0xA0;
        }
        for (size_t i = 0; i < yn;) {
            size_t l = altered_at(y, yn, i);
            if (!l) { i++; continue; }
            for (size_t k = i; k < i + l; k++)
                if (y[k] == ' ') y[k] = 0xA0;
            i += l;
        }
        x = y;
        xn = yn;
    }
    /* A lossy sequence becomes three bytes, at most three per byte. */
    if (c->sloppy && lossy) {
        if (ts_buf_reserve(&lv->z, 3 * xn + 1)) return -1;
        uint8_t *z = (uint8_t *)lv->z.data;
        size_t zn = 0;
        for (size_t i = 0; i < xn;) {
            size_t l = lossy_at(x, xn, i);
            if (!l) {
                z[zn++] = x[i++];
                continue;
            }
            z[zn++] = 0xEF;
            z[zn++] = 0xBF;
            z[zn++] = 0xBD;
            i += l;
        }
        x = z;
        xn = zn;
    }
    out->len = 0;
    if (ts_buf_reserve(out, xn + 8)) return -1;
    if (!decode_utf8_variants(x, xn, (uint8_t *)out->data, &on)) return 0;
    out->len = on;
    return 1;
}

/* Re-encodes the UTF-8 text s[0..n) with code page c into the level's x,
 * one byte per character, and decodes the bytes as UTF-8 into *out.
 * Returns 1 on success, 0 when it does not work, -1 on no memory.  The
 * caller has made sure that a sloppy page (which cannot encode U+001A)
 * meets no U+001A, so ASCII is copied as it is. */
static int try_codepage(const codepage *c, const uint8_t *s, size_t n, level *lv, ts_buf *out)
{
    if (ts_buf_reserve(&lv->x, n + 8)) return -1;
    uint8_t *x = (uint8_t *)lv->x.data;
    size_t xn = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i += copy_ascii(x, &xn, s, i, n);
            continue;
        }
        size_t len;
        int b = encode_cp(c, ts_utf8_decode_valid(s, n, i, &len));
        if (b < 0) return 0;
        x[xn++] = (uint8_t)b;
        i += len;
    }
    return finish_codepage(c, x, xn, -1, lv, out);
}

/* ---- the repair loop ---------------------------------------------------- */

static int fix_full(const ts_mojibake *m, ts_mojibake_work *w, int depth, const uint8_t *s, size_t n,
                    const uint8_t **res, size_t *res_n, int *first, int *layers, bool *done, bool known_bad);

static bool same(const uint8_t *a, size_t an, const ts_buf *b)
{
    return an == b->len && (an == 0 || memcmp(a, b->data, an) == 0);
}

/* The end of `need` continuation-like characters from s[q], or 0. */
static size_t conts_from(const ts_mojibake *m, const uint8_t *s, size_t n, size_t q, int need)
{
    for (int k = 0; k < need; k++) {
        size_t len;
        if (q >= n || !(flags_of(m, ts_utf8_decode_valid(s, n, q, &len)) & F_CONT)) return 0;
        q += len;
    }
    return q;
}

/* Byte length of the run of UTF-8-looking characters at s[i..n) (ftfy's
 * UTF8_DETECTOR_RE without its look-behind), 0 if none. */
static size_t utf8_run(const ts_mojibake *m, const uint8_t *s, size_t n, size_t i)
{
    size_t p = i;
    while (p < n) {
        size_t len, e = 0;
        uint32_t f = flags_of(m, ts_utf8_decode_valid(s, n, p, &len));
        if (f & F_FIRST2) e = conts_from(m, s, n, p + len, 1);
        if (!e && (f & F_FIRST3)) e = conts_from(m, s, n, p + len, 2);
        if (!e && (f & F_FIRST4)) e = conts_from(m, s, n, p + len, 3);
        if (!e) break;
        p = e;
    }
    return p - i;
}

/* The character that ends just before s + i (i > 0). */
static int32_t char_before(const uint8_t *s, size_t n, size_t i)
{
    size_t k = ts_utf8_prev((const char *)s, i), len;
    return ts_utf8_decode_valid(s, n, k, &len);
}

/* Repairs the runs of s that look like UTF-8 and look bad on their own,
 * into *out.  Text between repaired runs is copied a stretch at a time. */
static int fix_inconsistent(const ts_mojibake *m, ts_mojibake_work *w, int depth, const uint8_t *s, size_t n,
                            ts_buf *out)
{
    out->len = 0;
    size_t kept = 0; /* s[kept..i) is still to be copied */
    int32_t prev = -1;
    for (size_t i = 0; i < n;) {
        size_t l = 0, len;
        if (i == 0 || !(flags_of(m, prev) & F_STRICT)) l = utf8_run(m, s, n, i);
        const uint8_t *fx = NULL;
        size_t fxn = 0;
        int first, layers, r = 0;
        if (l && l < n && is_bad(m, s + i, l))
            r = fix_full(m, w, depth + 1, s + i, l, &fx, &fxn, &first, &layers, NULL, true);
        if (r < 0) return -1;
        if (r > 0) {
            if (ts_buf_append(out, s + kept, i - kept) || ts_buf_append(out, fx, fxn)) return -1;
            i += l;
            kept = i;
            prev = char_before(s, n, i);
            continue;
        }
        /* Not part of a run, or the run as a whole is no mojibake; one
         * that starts later may be ("× â‚¬4" is "× €4"). */
        prev = ts_utf8_decode_valid(s, n, i, &len);
        i += len;
    }
    if (kept == 0) return 0;
    if (ts_buf_append(out, s + kept, n - kept)) return -1;
    return same(s, n, out) ? 0 : 1;
}

/* One step of repair of s[0..n) into *out.  Returns 1 (changed, *how
 * set), 0, -1. */
static int fix_step(const ts_mojibake *m, ts_mojibake_work *w, int depth, const uint8_t *s, size_t n,
                    ts_buf *out, int *how, bool known_bad)
{
    size_t i = next_high(s, 0, n);
    if (i == n || (!known_bad && !is_bad(m, s, n))) return 0;
    /* One pass finds the code pages that can encode every character and,
     * while Windows-1252 is one of them, builds its bytes, which serve
     * Latin-1 too. */
    level *lv = &w->lv[depth];
    if (ts_buf_reserve(&lv->sp, n + 8)) return -1;
    uint8_t *x = (uint8_t *)lv->sp.data;
    size_t xn = 0;
    const uint32_t sp_bit = m->cp1252 >= 0 ? 1u << m->cp1252 : 0;
    const codepage *spc = m->cp1252 >= 0 ? &m->cps[m->cp1252] : NULL;
    uint32_t cand = (1u << m->n_cps) - 1;
    if (memchr(s, 0x1A, n)) cand &= ~(uint32_t)m->sloppy_pages;
    /* Whether the bytes are strict UTF-8, followed as they are made (a
     * NUL, only ever copied from the text, is refused by the decoding). */
    unsigned st = memchr(s, 0, n) ? U8_BAD : U8_OK;
    for (i = 0; i < n && cand;) {
        if (s[i] < 0x80) {
            if (st != U8_OK) st = U8_BAD;
            i += copy_ascii(x, &xn, s, i, n);
            continue;
        }
        size_t len;
        int32_t c = ts_utf8_decode_valid(s, n, i, &len);
        i += len;
        if (c < 0x600) {
            cand &= m->pages_lo[c];
        } else if (c >= 0x2000 && c < 0x2700) {
            cand &= m->pages_mid[c - 0x2000];
        } else {
            for (int k = 0; k < m->n_cps; k++)
                if ((cand & (1u << k)) && encode_cp(&m->cps[k], c) < 0) cand &= ~(1u << k);
        }
        if (cand & sp_bit) {
            uint8_t b = (uint8_t)encode_cp(spc, c);
            x[xn++] = b;
            st = m->utf8_dfa[st][b];
        }
    }
    for (int k = 0; k < m->n_cps; k++) {
        if (!(cand & (1u << k))) continue;
        int r = (cand & sp_bit) && (k == m->cp1252 || k == m->latin1)
                    ? finish_codepage(&m->cps[k], x, xn, st == U8_OK, lv, out)
                    : try_codepage(&m->cps[k], s, n, lv, out);
        if (r < 0) return -1;
        if (r > 0) {
            *how = k;
            return same(s, n, out) ? 0 : 1;
        }
    }
    if (depth + 1 < MAX_DEPTH) {
        int r = fix_inconsistent(m, w, depth, s, n, out);
        if (r) {
            *how = TS_MB_INCONSISTENT;
            return r;
        }
    }
    /* C1 controls (U+0080..U+009F: C2 80..C2 9F) as Windows-1252; one
     * becomes at most three bytes. */
    bool changed = false;
    out->len = 0;
    if (ts_buf_reserve(out, 2 * n + 1)) return -1;
    uint8_t *o = (uint8_t *)out->data;
    size_t k = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == 0xC2 && i + 1 < n && s[i + 1] < 0xA0) {
            int32_t c = ts_cp1252_decode(s[i + 1]);
            changed |= c != s[i + 1];
            k += put_utf8(o + k, c);
            i++;
            continue;
        }
        o[k++] = s[i];
    }
    out->len = k;
    if (!changed) return 0;
    *how = TS_MB_C1;
    return 1;
}

/* Repairs s[0..n) layer by layer at `depth`; *res points at the result
 * (in the level's buffers, valid until the next repair at this depth). */
static int fix_full(const ts_mojibake *m, ts_mojibake_work *w, int depth, const uint8_t *s, size_t n,
                    const uint8_t **res, size_t *res_n, int *first, int *layers, bool *done, bool known_bad)
{
    if (done) *done = false;
    level *lv = &w->lv[depth];
    ts_buf *a = &lv->a, *b = &lv->b;
    int how = TS_MB_NONE;
    *first = TS_MB_NONE;
    *layers = 0;
    const uint8_t *cur = s;
    size_t cur_n = n;
    for (int round = 0; round < 16; round++) {
        int r = fix_step(m, w, depth, cur, cur_n, b, &how, known_bad && round == 0);
        if (r < 0) return -1;
        if (r == 0) {
            if (done) *done = true;
            break;
        }
        if (*first == TS_MB_NONE) *first = how;
        ++*layers;
        ts_buf *t = a;
        a = b;
        b = t;
        cur = (const uint8_t *)a->data;
        cur_n = a->len;
    }
    if (!*layers) return 0;
    *res = cur;
    *res_n = cur_n;
    return 1;
}

int ts_mojibake_fix(const ts_mojibake *m, ts_mojibake_work *w, const char *p, size_t n, const char **out,
                    size_t *out_len, int *first, int *layers, bool *done, bool known_bad)
{
    const uint8_t *r;
    int rc = fix_full(m, w, 0, (const uint8_t *)p, n, &r, out_len, first, layers, done, known_bad);
    if (rc > 0) *out = (const char *)r;
    return rc;
}
