/*
 * pass_speakers.c - speaker labels and words on the wrong side of a turn.
 *
 * Diarization puts words on the wrong side of a speaker turn far more often
 * than it confuses whole turns, so the pass looks at the few words around
 * each boundary.  Labels come first: trimmed, spellings and case unified to
 * the most frequent form, renamed through the `speakers` option
 * ("SPEAKER_00=Stefan,..."); names for anonymous labels are only suggested.
 * Then the boundary rules, each with its own rule id and confidence, each
 * moving at most a few words and changing nothing in them but the case and
 * punctuation the cut needs (the stray full stop moves to the new sentence
 * end, the remainder gets its capital):
 *   boundary-fragment  an unfinished ending followed by the other speaker's
 *                      continuation: the fragment goes back;
 *   vocative           a turn opening with its own speaker's name: the name
 *                      goes back to the speaker who said it;
 *   stranded-opener    "yeah", "so", "well", "oh" after the last sentence of
 *                      a turn go forward to the next speaker;
 *   island             a short segment inside the other speaker's unfinished
 *                      sentence is relabelled;
 *   split-sentence     a sentence split over two segments of one speaker
 *                      joins the segment where it began;
 *   hidden-turn        a reply at the end of a turn ("No, no, it's not...")
 *                      goes forward only when the timing supports it: with
 *                      word times, a pause before the reply and none after
 *                      it; without, the segment speaks too fast and the
 *                      next one too slowly; otherwise, like a question to
 *                      a named person answered in the same segment, it is
 *                      only reported; so is a listener's "mhm" or "uh-huh"
 *                      inside a turn.
 * Guards: "X speaks, Y interjects a few words, X finishes" is normal and
 * left alone; nothing moves across a pause of TS_MAX_GAP seconds or more
 * (between the words either side when they are timed, else between the
 * segments); nothing empties a segment.  Word times come from the
 * transcript's word timing (ts_word), and moved words take theirs along.
 * They do not veto the other boundary rules: a speaker who pauses inside a
 * sentence and finishes it just before the other one starts looks like a
 * turn change at the boundary, and on Earnings-21's Amazon hypotheses
 * every fragment such a veto kept (5 words) belonged to the earlier
 * speaker (scripts/eval-word-times).  Text without punctuation (raw ASR) is handled
 * too: fragments are then delimited by discourse markers only and no case
 * or punctuation changes.  `merge-turns` joins consecutive segments of one
 * speaker once nothing else is left to do.
 *
 * Word classes come from dictionaries/speakers.txt, compiled in.  A round
 * proposes at most one structural change per segment (the pass claims the
 * segments itself), so the punctuation edits of a move are never applied
 * without the move.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "context.h"
#include "diag.h"
#include "pass.h"
#include "utf8.h"

enum {
    R_LABEL_TRIM,
    R_LABEL_CASE,
    R_LABEL_TYPO,
    R_LABEL_MAP,
    R_NAME_SUGGESTION,
    R_FRAGMENT,
    R_VOCATIVE,
    R_OPENER,
    R_ISLAND,
    R_SPLIT_SENTENCE,
    R_HIDDEN_TURN,
    R_MERGE_TURNS,
    R_BACKCHANNEL,
    R_COUNT
};

static const ts_rule_info speakers_rules[R_COUNT] = {
    [R_LABEL_TRIM] = {"speakers/label-trim", "blanks or a trailing colon removed from a speaker label", TS_SEV_WARNING},
    [R_LABEL_CASE] = {"speakers/label-case", "speaker label spelled like its most frequent form", TS_SEV_WARNING},
    [R_LABEL_TYPO] = {"speakers/label-typo", "one-letter misspelling of a more frequent speaker label", TS_SEV_WARNING},
    [R_LABEL_MAP] = {"speakers/label-map", "speaker label renamed by the speaker map", TS_SEV_INFO},
    [R_NAME_SUGGESTION] = {"speakers/name-suggestion", "an anonymous speaker is addressed or introduced by name", TS_SEV_INFO},
    [R_FRAGMENT] = {"speakers/boundary-fragment", "fragment moved to the speaker whose sentence it completes", TS_SEV_WARNING},
    [R_VOCATIVE] = {"speakers/vocative", "turn opening with its own speaker's name: the name moved back", TS_SEV_WARNING},
    [R_OPENER] = {"speakers/stranded-opener", "turn opener at the end of a segment moved to the next speaker", TS_SEV_WARNING},
    [R_ISLAND] = {"speakers/island", "short segment inside the other speaker's sentence relabelled", TS_SEV_WARNING},
    [R_SPLIT_SENTENCE] = {"speakers/split-sentence", "sentence split over two segments of one speaker joined", TS_SEV_INFO},
    [R_HIDDEN_TURN] = {"speakers/hidden-turn", "reply inside the previous speaker's segment", TS_SEV_WARNING},
    [R_MERGE_TURNS] = {"speakers/merge-turns", "consecutive segments of one speaker merged", TS_SEV_INFO},
    [R_BACKCHANNEL] = {"speakers/backchannel", "listener's backchannel inside a turn (reported: needs word times)", TS_SEV_INFO},
};

/* Nothing moves across a pause this long (seconds). */
#define TS_MAX_GAP 1.0
/* Longest fragment moved by the boundary rules, in words. */
#define MAX_FRAGMENT 3
/* A sentence of one speaker split over two segments may move this far. */
#define MAX_SPLIT 5
/* A reply moved by hidden-turn. */
#define MAX_REPLY 8
/* With word times: a pause this long (seconds) on one side of a cut, and
 * under a third of it on the other, says on which side the turn changes. */
#define TURN_PAUSE 0.5

/* ---- word classes ------------------------------------------------------ */

enum {
    C_ARTICLE = 1u << 0,
    C_PREP = 1u << 1,
    C_CONJ = 1u << 2,
    C_POSS = 1u << 3,
    C_SUBJECT = 1u << 4,
    C_SUBORD = 1u << 5,
    C_ADVERB = 1u << 6,
    C_FINITE = 1u << 7,
    C_CONT_OPEN = 1u << 8,
    C_FRAG_OPEN = 1u << 9,
    C_FIXED = 1u << 10,
    C_MARKER = 1u << 11,
    C_OPENER = 1u << 12,
    C_BACKCHANNEL = 1u << 13,
    C_ANSWER = 1u << 14,
    C_INTRO = 1u << 15,
    C_LISTENER = 1u << 16,
};

static const struct {
    const char *cls, *word;
} class_words[] = {
#include "speakers.inc"
};

static const struct {
    const char *name;
    uint32_t bit;
} class_names[] = {
    {"article", C_ARTICLE}, {"prep", C_PREP}, {"conj", C_CONJ}, {"possessive", C_POSS},
    {"subject", C_SUBJECT}, {"subord", C_SUBORD}, {"adverb", C_ADVERB}, {"finite", C_FINITE},
    {"cont-open", C_CONT_OPEN}, {"frag-open", C_FRAG_OPEN}, {"fixed-opener", C_FIXED},
    {"marker", C_MARKER}, {"opener", C_OPENER}, {"backchannel", C_BACKCHANNEL},
    {"answer", C_ANSWER}, {"intro", C_INTRO}, {"listener", C_LISTENER},
};

#define WORD_MAX 24
#define HASH_CAP 1024 /* power of two, well above the number of words */

typedef struct {
    char word[WORD_MAX];
    uint32_t mask;
} class_slot;

typedef struct {
    char *from, *to;
} map_entry;

typedef struct {
    class_slot slots[HASH_CAP];
    map_entry *map;   /* the `speakers` option, malloc'd */
    size_t n_map;
    bool merge_turns;
} speakers_state;

static uint32_t hash_word(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

static class_slot *slot_for(speakers_state *st, const char *w, size_t n)
{
    uint32_t h = hash_word(w, n) & (HASH_CAP - 1);
    for (;;) {
        class_slot *s = &st->slots[h];
        if (!s->word[0] || (strlen(s->word) == n && memcmp(s->word, w, n) == 0)) return s;
        h = (h + 1) & (HASH_CAP - 1);
    }
}

/* ---- state: classes and options -------------------------------------- */

static void state_free(void *p)
{
    speakers_state *st = p;
    if (!st) return;
    for (size_t i = 0; i < st->n_map; i++) {
        free(st->map[i].from);
        free(st->map[i].to);
    }
    free(st->map);
    free(st);
}

static char *dup_trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Parses "FROM=TO,FROM=TO" into st->map. */
static ts_status parse_map(ts_context *ctx, speakers_state *st, const char *v)
{
    for (const char *p = v; *p;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (n) {
            if (!eq || eq == p || eq + 1 == p + n) {
                ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                             "speaker map entry '%.*s' is not LABEL=NAME", (int)n, p);
                return TS_ERR_USAGE;
            }
            map_entry *m = realloc(st->map, (st->n_map + 1) * sizeof *m);
            if (!m) return TS_ERR_NOMEM;
            st->map = m;
            m[st->n_map].from = dup_trimmed(p, (size_t)(eq - p));
            m[st->n_map].to = dup_trimmed(eq + 1, (size_t)(p + n - eq - 1));
            st->n_map++;
            if (!m[st->n_map - 1].from || !m[st->n_map - 1].to) return TS_ERR_NOMEM;
        }
        if (!q) break;
        p = q + 1;
    }
    return TS_OK;
}

static ts_status state_new(ts_context *ctx, void **out)
{
    speakers_state *st = calloc(1, sizeof *st);
    if (!st) return TS_ERR_NOMEM;
    for (size_t i = 0; i < sizeof class_words / sizeof class_words[0]; i++) {
        uint32_t bit = 0;
        for (size_t k = 0; k < sizeof class_names / sizeof class_names[0]; k++)
            if (strcmp(class_names[k].name, class_words[i].cls) == 0) bit = class_names[k].bit;
        size_t n = strlen(class_words[i].word);
        if (!bit || n >= WORD_MAX) continue;
        class_slot *s = slot_for(st, class_words[i].word, n);
        memcpy(s->word, class_words[i].word, n + 1);
        s->mask |= bit;
    }
    ts_status rc = TS_OK;
    /* --speakers first: the first entry for a label is the one used, so
     * it wins over the configuration file's [speakers] LABEL = Name (seen
     * here as options "speaker.LABEL"). */
    const char *map = ts_context_option(ctx, "speakers");
    if (map) rc = parse_map(ctx, st, map);
    for (size_t k = 0; k < ctx->n_opts && !rc; k++) {
        if (strncmp(ctx->opt_keys[k], "speaker.", 8) != 0 || !ctx->opt_keys[k][8]) continue;
        size_t n = strlen(ctx->opt_keys[k] + 8) + strlen(ctx->opt_values[k]) + 2;
        char *one = malloc(n);
        if (!one) {
            rc = TS_ERR_NOMEM;
            break;
        }
        snprintf(one, n, "%s=%s", ctx->opt_keys[k] + 8, ctx->opt_values[k]);
        rc = parse_map(ctx, st, one);
        free(one);
    }
    const char *merge = ts_context_option(ctx, "merge-turns");
    st->merge_turns = merge && strcmp(merge, "0") != 0 && strcmp(merge, "no") != 0;
    if (rc) {
        state_free(st);
        return rc;
    }
    *out = st;
    return TS_OK;
}

/* A message for an edit (printf into the list's arena), on one line:
 * quoted text may hold the line breaks of a hard-wrapped segment. */
static const char *say(ts_edit_list *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *say(ts_edit_list *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *m = ts_arena_alloc(&out->arena, (size_t)n + 1);
    if (!m) {
        out->failed = true;
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(m, (size_t)n + 1, fmt, ap);
    va_end(ap);
    for (char *c = m; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    return m;
}

/* ---- words ------------------------------------------------------------- */

typedef struct {
    uint32_t s, e;   /* the token, up to the next blank */
    uint32_t cs, ce; /* its core, without punctuation around it */
} word;

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_apunct(char c)
{
    unsigned char u = (unsigned char)c;
    return u < 0x80 && !((u | 0x20) >= 'a' && (u | 0x20) <= 'z') && !(u >= '0' && u <= '9') &&
           !is_blank(c);
}
static int is_end(char c) { return c == '.' || c == '?' || c == '!'; }

static void set_core(const char *p, word *w)
{
    w->cs = w->s;
    w->ce = w->e;
    while (w->cs < w->ce && is_apunct(p[w->cs])) w->cs++;
    while (w->ce > w->cs && is_apunct(p[w->ce - 1])) w->ce--;
}

/* The first `max` words of p[0..n). */
static int first_words(const char *p, uint32_t n, word *w, int max)
{
    int k = 0;
    uint32_t i = 0;
    while (k < max) {
        while (i < n && is_blank(p[i])) i++;
        if (i >= n) break;
        w[k].s = i;
        while (i < n && !is_blank(p[i])) i++;
        w[k].e = i;
        set_core(p, &w[k]);
        k++;
    }
    return k;
}

/* The last `max` words of p[0..n), the last one first. */
static int last_words(const char *p, uint32_t n, word *w, int max)
{
    int k = 0;
    uint32_t i = n;
    while (k < max) {
        while (i > 0 && is_blank(p[i - 1])) i--;
        if (i == 0) break;
        w[k].e = i;
        while (i > 0 && !is_blank(p[i - 1])) i--;
        w[k].s = i;
        set_core(p, &w[k]);
        k++;
    }
    return k;
}

static int count_words(const char *p, uint32_t n, int max)
{
    word w[16];
    return first_words(p, n, w, max < 16 ? max : 16);
}

/* Class bits of a word's core, case-insensitively. */
static uint32_t classes(speakers_state *st, const char *p, const word *w)
{
    char buf[WORD_MAX];
    size_t n = 0;
    for (uint32_t i = w->cs; i < w->ce; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0xE2 && i + 2 < w->ce && (unsigned char)p[i + 1] == 0x80 &&
            (unsigned char)p[i + 2] == 0x99) {
            c = '\'';
            i += 2;
        }
        if (n + 1 >= WORD_MAX || c >= 0x80) return 0;
        buf[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (!n) return 0;
    class_slot *s = slot_for(st, buf, n);
    return s->word[0] ? s->mask : 0;
}

/* The two words as a fixed opener ("at least"). */
static int fixed_opener(speakers_state *st, const char *p, const word *a, const word *b)
{
    char buf[WORD_MAX];
    size_t la = a->ce - a->cs, lb = b->ce - b->cs;
    if (la + lb + 1 >= WORD_MAX) return 0;
    memcpy(buf, p + a->cs, la);
    buf[la] = '_';
    memcpy(buf + la + 1, p + b->cs, lb);
    for (size_t i = 0; i < la + lb + 1; i++)
        if (buf[i] >= 'A' && buf[i] <= 'Z') buf[i] = (char)(buf[i] + 32);
    class_slot *s = slot_for(st, buf, la + lb + 1);
    return s->word[0] && (s->mask & C_FIXED);
}

static char last_char(const char *p, const word *w) { return w->e > w->s ? p[w->e - 1] : 0; }
/* Punctuation after the core (",", ".", "?", ...), 0 when none. */
static char trail(const char *p, const word *w) { return w->e > w->ce ? p[w->e - 1] : 0; }

static int is_upper_ascii(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower_ascii(char c) { return c >= 'a' && c <= 'z'; }

/* May the word lose its capital inside a sentence?  Only common words
 * (those the classes know) and never "I" or "I'm". */
static int may_lower(speakers_state *st, const char *p, const word *w)
{
    if (w->ce <= w->cs || !is_upper_ascii(p[w->cs])) return 0;
    if (p[w->cs] == 'I' && (w->ce - w->cs == 1 || p[w->cs + 1] == '\'')) return 0;
    for (uint32_t i = w->cs + 1; i < w->ce; i++)
        if (is_upper_ascii(p[i])) return 0;
    return classes(st, p, w) != 0;
}

/* ---- the transcript as the rules see it -------------------------------- */

typedef struct {
    speakers_state *st;
    const ts_transcript *t;
    ts_edit_list *out;
    uint8_t *claimed;     /* segments with a structural edit this round */
    bool punctuated;      /* the text has sentence punctuation and case */
    bool timed;           /* segments have start and end times */
    double *rate_median;  /* per segment: the median words/s of its speaker */
    size_t names[64];     /* a segment of each of the first distinct labels */
    size_t n_names;
    bool names_done;
} scan;

static const ts_segment *seg(const scan *sc, size_t i) { return &sc->t->segs[i]; }

static int same_speaker(const ts_segment *a, const ts_segment *b)
{
    return a->speaker_len == b->speaker_len && memcmp(a->speaker, b->speaker, a->speaker_len) == 0;
}

static double duration(const ts_segment *s)
{
    double a = ts_tc_seconds(&s->start), b = ts_tc_seconds(&s->end);
    return a >= 0 && b >= a ? b - a : -1;
}

/* ---- word times --------------------------------------------------------- */

static int word_timed(const ts_word *w) { return w && w->start >= 0 && w->end >= w->start; }

/* The timed word that is the segment's first (or last) word, or NULL. */
static const ts_word *edge_word(const ts_segment *s, int last)
{
    if (!s->n_words) return NULL;
    uint32_t a = 0, b = s->text_len;
    while (a < b && is_blank(s->text[a])) a++;
    while (b > a && is_blank(s->text[b - 1])) b--;
    if (a == b) return NULL;
    const ts_word *w = ts_segment_word_at(s, last ? b - 1 : a);
    return word_timed(w) ? w : NULL;
}

/* The pause between the words either side of byte `cut` of the segment's
 * text (a word boundary); 0 when one side is not timed. */
static int pause_at(const ts_segment *s, uint32_t cut, double *pause)
{
    uint32_t k = 0;
    while (k < s->n_words && s->words[k].at < cut) k++;
    if (k == 0 || k == s->n_words) return 0;
    const ts_word *l = &s->words[k - 1], *r = &s->words[k];
    if (!word_timed(l) || !word_timed(r) || l->at + l->len > cut) return 0;
    /* no untimed word in between */
    for (uint32_t q = l->at + l->len; q < r->at; q++)
        if (!is_blank(s->text[q])) return 0;
    *pause = r->start - l->end;
    return 1;
}

enum { EV_NONE, EV_FOR, EV_AGAINST, EV_UNCLEAR };

/* What word times say about moving words across the boundary of segments
 * a and b, cut at byte `cut` of the segment they leave (b's opening when
 * `back`, a's tail otherwise): the pause at the cut (*inner) against the
 * pause where the segments meet (*outer).  EV_FOR: the turn changes at the
 * cut; EV_AGAINST: at the boundary; EV_NONE: no word times there. */
static int word_evidence(const scan *sc, size_t a, size_t b, int back, uint32_t cut, double *inner,
                         double *outer)
{
    const ts_word *l = edge_word(seg(sc, a), 1), *f = edge_word(seg(sc, b), 0);
    if (!l || !f || !pause_at(seg(sc, back ? b : a), cut, inner)) return EV_NONE;
    *outer = f->start - l->end;
    if (*inner >= TURN_PAUSE && *outer < *inner / 3) return EV_FOR;
    if (*outer >= TURN_PAUSE && *inner < *outer / 3) return EV_AGAINST;
    return EV_UNCLEAR;
}

/* The pause between segments i and i+1, or -1 without timing: between
 * their words when both are timed there, else between the segments. */
static double gap_after(const scan *sc, size_t i)
{
    if (!sc->timed) return -1;
    const ts_word *l = edge_word(seg(sc, i), 1), *f = edge_word(seg(sc, i + 1), 0);
    if (l && f) return f->start - l->end;
    double e = ts_tc_seconds(&seg(sc, i)->end), s = ts_tc_seconds(&seg(sc, i + 1)->start);
    return e >= 0 && s >= 0 ? s - e : -1;
}

static int pause_between(const scan *sc, size_t i) { return gap_after(sc, i) >= TS_MAX_GAP; }

static int free_pair(const scan *sc, size_t a, size_t b) { return !sc->claimed[a] && !sc->claimed[b]; }
static void claim(scan *sc, size_t a, size_t b) { sc->claimed[a] = sc->claimed[b] = 1; }

/* Does the segment end unfinished: with a word a sentence rarely ends with
 * ("the", "of", "and", "I"; "you" after "where"), or a subject followed
 * only by adverbs ("It also.")?  A question, an exclamation, a cut-off
 * ("--", "...") is finished. */
static int unfinished_end(scan *sc, const char *p, uint32_t n)
{
    word w[4];
    int k = last_words(p, n, w, 4);
    if (k == 0) return 0;
    char c = last_char(p, &w[0]);
    if (c == '?' || c == '!' || c == '-' || c == ',' || c == ';' || c == ':') return 0;
    if (w[0].e >= 3 && p[w[0].e - 1] == '.' && p[w[0].e - 2] == '.') return 0;
    if (w[0].e >= 3 && (unsigned char)p[w[0].e - 1] == 0xA6) return 0; /* … */
    uint32_t m = classes(sc->st, p, &w[0]);
    if (m & (C_ARTICLE | C_PREP | C_CONJ | C_POSS)) return 1;
    if (m & C_SUBJECT) {
        /* "it" and "you" are objects as often as subjects. */
        size_t l = w[0].ce - w[0].cs;
        int weak = (l == 2 && strncasecmp(p + w[0].cs, "it", 2) == 0) ||
                   (l == 3 && strncasecmp(p + w[0].cs, "you", 3) == 0);
        if (!weak) return 1;
        if (k > 1 && !is_end(last_char(p, &w[1])) && (classes(sc->st, p, &w[1]) & C_SUBORD))
            return 1;
        return 0;
    }
    if (m & C_ADVERB) {
        /* subject + adverbs, as the whole last sentence */
        int i = 1;
        while (i < k && !is_end(last_char(p, &w[i])) && (classes(sc->st, p, &w[i]) & C_ADVERB)) i++;
        if (i < k && !is_end(last_char(p, &w[i])) && (classes(sc->st, p, &w[i]) & C_SUBJECT) &&
            (i + 1 >= k || is_end(last_char(p, &w[i + 1]))))
            return 1;
    }
    return 0;
}

/* Does the last word of p[0..n) leave a subject waiting for its verb? */
static int ends_with_subject(scan *sc, const char *p, uint32_t n)
{
    word w[4];
    int k = last_words(p, n, w, 4);
    if (!k) return 0;
    uint32_t m = classes(sc->st, p, &w[0]);
    if (m & C_SUBJECT) return 1;
    if (m & C_ADVERB)
        for (int i = 1; i < k && !is_end(last_char(p, &w[i])); i++) {
            uint32_t mi = classes(sc->st, p, &w[i]);
            if (mi & C_SUBJECT) return 1;
            if (!(mi & C_ADVERB)) break;
        }
    return 0;
}

/* The opening fragment of a segment: its first words up to and including
 * the first one with punctuation after it, or up to a discourse marker; at
 * most `max` words and never the whole segment.  Returns the word count (0:
 * no fragment) and its words in w. */
static int opening_fragment(scan *sc, const char *p, uint32_t n, word *w, int max)
{
    int k = first_words(p, n, w, max + 1);
    for (int i = 0; i < k && i < max; i++) {
        if (i > 0 && (classes(sc->st, p, &w[i]) & C_MARKER)) return i < k ? i : 0;
        if (sc->punctuated && trail(p, &w[i])) return i + 1 < k ? i + 1 : 0;
    }
    return 0;
}

/* The message of an edit that only serves the cut of a move. */
static void note(ts_edit_list *out, ts_edit *e, const char *msg)
{
    (void)out;
    if (e) e->message = msg;
}

/* Proposes moving the opening fragment f[0..nf) of segment b back to a,
 * with the punctuation and case the cut needs. */
static void propose_move_back(scan *sc, int rule, float conf, size_t a, size_t b, word *f, int nf,
                              const char *msg)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    const char *p = B->text;
    ts_edit_list *out = sc->out;
    if (sc->punctuated) {
        /* A's stray full stop moves to the end of the fragment. */
        uint32_t an = A->text_len;
        while (an > 0 && is_blank(A->text[an - 1])) an--;
        char stop = 0;
        if (rule != R_VOCATIVE && an > 0 && A->text[an - 1] == '.') {
            stop = '.';
            note(out, ts_edit_replace(out, &speakers_rules[rule], (uint32_t)a, an - 1, an, "", 0),
                 "cut: the full stop moves to the end of the fragment");
        }
        if (rule != R_VOCATIVE && may_lower(sc->st, p, &f[0])) {
            char lc = (char)(p[f[0].cs] + 32);
            note(out, ts_edit_replace(out, &speakers_rules[rule], (uint32_t)b, f[0].cs, f[0].cs + 1, &lc, 1),
                 "cut: no capital inside the sentence");
        }
        word *l = &f[nf - 1];
        char tp = trail(p, l);
        const char *end_mark = rule == R_VOCATIVE ? "?" : stop ? "." : NULL;
        if (end_mark) {
            if (tp == ',' || tp == ';' || tp == ':' || (rule == R_VOCATIVE && tp == '.'))
                note(out, ts_edit_replace(out, &speakers_rules[rule], (uint32_t)b, l->e - 1, l->e, end_mark, 1),
                     "cut: the sentence now ends here");
            else if (!tp)
                note(out, ts_edit_replace(out, &speakers_rules[rule], (uint32_t)b, l->e, l->e, end_mark, 1),
                     "cut: the sentence now ends here");
        }
        /* The remainder starts a sentence. */
        word r[1];
        if (first_words(p + l->e, B->text_len - l->e, r, 1) == 1) {
            uint32_t at = l->e + r[0].cs;
            if (is_lower_ascii(p[at])) {
                char uc = (char)(p[at] - 32);
                note(out, ts_edit_replace(out, &speakers_rules[rule], (uint32_t)b, at, at + 1, &uc, 1),
                     "cut: the rest of the turn starts a sentence");
            }
        }
    }
    ts_edit *e = ts_edit_move(out, &speakers_rules[rule], (uint32_t)b, TS_EDIT_MOVE_PREV, 0,
                              f[nf - 1].e);
    if (e) {
        e->confidence = conf;
        e->message = say(out, "%s: '%.*s' moved to %.*s", msg,
                                     (int)(f[nf - 1].e - f[0].s), p + f[0].s,
                                     (int)A->speaker_len, A->speaker);
    }
    claim(sc, a, b);
}

/* ---- rules ------------------------------------------------------------- */

/* Rule 1 in well-punctuated text: a turn that stops without any
 * punctuation, followed by one that starts in lower case, cut a sentence
 * in two.  The shorter side (at most MAX_FRAGMENT words up to the
 * punctuation) joins the other; within one speaker (rule 6) the fragment
 * always joins the segment where the sentence began. */
static void rule_midsentence(scan *sc, size_t a, size_t b)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    if (!sc->punctuated) return;
    int same = same_speaker(A, B);
    word t[MAX_FRAGMENT + 2];
    int k = last_words(A->text, A->text_len, t, MAX_FRAGMENT + 2);
    if (k == 0) return;
    unsigned char ac = (unsigned char)last_char(A->text, &t[0]);
    if (!((ac | 0x20) >= 'a' && (ac | 0x20) <= 'z') && !(ac >= '0' && ac <= '9')) return;
    word f[MAX_FRAGMENT + 1];
    if (first_words(B->text, B->text_len, f, 1) == 0) return;
    const char *p = B->text;
    if (f[0].cs != f[0].s || !is_lower_ascii(p[f[0].cs])) return;
    if (f[0].ce - f[0].cs == 1 && p[f[0].cs] == 'i') return;
    if (classes(sc->st, p, &f[0]) & (C_MARKER | C_BACKCHANNEL)) return;
    /* the interjection pattern, from either end */
    if (!same && b + 1 < sc->t->n && same_speaker(A, seg(sc, b + 1)) &&
        count_words(B->text, B->text_len, 4) <= 3)
        return;
    if (!same && a > 0 && same_speaker(B, seg(sc, a - 1)) && count_words(A->text, A->text_len, 5) <= 4)
        return;
    /* The tail of a after its last sentence end. */
    int tail = 0;
    while (tail < k && (tail == 0 || !is_end(last_char(A->text, &t[tail])))) tail++;
    int whole_a = tail == k && k < MAX_FRAGMENT + 2;
    int nf = opening_fragment(sc, B->text, B->text_len, f, MAX_FRAGMENT);
    if (nf && (nf <= tail || whole_a || tail > MAX_FRAGMENT || same)) {
        char fe = trail(p, &f[nf - 1]);
        if (fe == '?' || fe == '!') return;
        propose_move_back(sc, same ? R_SPLIT_SENTENCE : R_FRAGMENT, 0.7f, a, b, f, nf,
                          "a sentence cut without punctuation, continued in lower case");
        return;
    }
    if (same || whole_a || tail > MAX_FRAGMENT) return;
    uint32_t cut = t[tail - 1].s;
    ts_edit *e = ts_edit_move(sc->out, &speakers_rules[R_FRAGMENT], (uint32_t)a, TS_EDIT_MOVE_NEXT,
                              cut, A->text_len);
    if (e) {
        e->confidence = 0.65f;
        e->message = say(sc->out, "a sentence cut without punctuation, continued in lower "
                                              "case: '%.*s' moved to %.*s",
                                     (int)(A->text_len - cut), A->text + cut, (int)B->speaker_len,
                                     B->speaker);
    }
    claim(sc, a, b);
}

/* Rule 1 (different speakers) and rule 6 (the same speaker): the opening
 * fragment of b completes the sentence a left unfinished. */
static void rule_fragment(scan *sc, size_t a, size_t b)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    int same = same_speaker(A, B);
    word f[MAX_SPLIT + 1];
    int nf = opening_fragment(sc, B->text, B->text_len, f, same ? MAX_SPLIT : MAX_FRAGMENT);
    if (nf == 0) return;
    const char *p = B->text;
    /* A turn ending in a question or exclamation is complete. */
    word la[1];
    if (last_words(A->text, A->text_len, la, 1) == 0) return;
    char ac = last_char(A->text, &la[0]);
    if (ac == '?' || ac == '!' || ac == '-') return;
    uint32_t m0 = classes(sc->st, p, &f[0]);
    if (m0 & (C_MARKER | C_BACKCHANNEL)) return;
    /* A question or exclamation is the speaker's own. */
    char fe = trail(p, &f[nf - 1]);
    if (fe == '?' || fe == '!') return;
    /* An echo of a's last words ("with him." / "With him.") is a reply. */
    word ea[MAX_SPLIT + 1];
    if (last_words(A->text, A->text_len, ea, nf) == nf) {
        int echo = 1;
        for (int i = 0; i < nf && echo; i++) {
            const word *x = &f[i], *y = &ea[nf - 1 - i];
            echo = x->ce - x->cs == y->ce - y->cs &&
                   strncasecmp(p + x->cs, A->text + y->cs, x->ce - x->cs) == 0;
        }
        if (echo) return;
    }
    int fixed = nf > 1 && fixed_opener(sc->st, p, &f[0], &f[1]);
    int ends_sentence = sc->punctuated && is_end(trail(p, &f[nf - 1]));
    int unfinished = unfinished_end(sc, A->text, A->text_len);
    const char *why = NULL;
    float conf = 0;
    if (unfinished && (m0 & C_FINITE) && ends_with_subject(sc, A->text, A->text_len)) {
        why = "a verb after a dangling subject";
        conf = 0.8f;
    } else if ((m0 & C_CONT_OPEN) && !fixed) {
        why = "an opening that rarely starts a sentence";
        conf = unfinished ? 0.8f : 0.65f;
    } else if ((m0 & C_FRAG_OPEN) && !fixed && ends_sentence && nf <= MAX_FRAGMENT) {
        why = "a verbless fragment ending the sentence";
        conf = unfinished ? 0.75f : 0.6f;
    } else if (unfinished && sc->punctuated && is_lower_ascii(p[f[0].cs]) && (m0 & ~C_SUBJECT)) {
        why = "a lower-case continuation";
        conf = 0.7f;
    } else if (same && unfinished && (m0 & C_FINITE) && ends_sentence) {
        why = "the verb of the sentence";
        conf = 0.6f;
    }
    if (!why) return;
    if (!same && nf > MAX_FRAGMENT) return;
    /* Rule 2: a few words of Y between two parts of X's sentence are an
     * interjection, not a misplaced fragment. */
    if (!same && b + 1 < sc->t->n && same_speaker(A, seg(sc, b + 1)) &&
        count_words(B->text, B->text_len, 4) <= 3)
        return;
    /* The same pattern seen from its end: a is the interjection, and b
     * resumes the sentence its own speaker left before it. */
    if (!same && a > 0 && same_speaker(B, seg(sc, a - 1)) &&
        count_words(A->text, A->text_len, 5) <= 4)
        return;
    propose_move_back(sc, same ? R_SPLIT_SENTENCE : R_FRAGMENT, conf, a, b, f, nf, why);
}

/* Rule 3: b opens with its own speaker's name, said by the other one. */
static void rule_vocative(scan *sc, size_t a, size_t b)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    if (same_speaker(A, B) || !B->speaker_len) return;
    word w[3];
    int k = first_words(B->text, B->text_len, w, 3);
    if (k < 2) return; /* the turn is only the name */
    const char *p = B->text;
    char tp = trail(p, &w[0]);
    if (sc->punctuated && tp != ',' && tp != '.' && tp != '?' && tp != '!') return;
    /* The speaker's first name. */
    size_t fl = 0;
    while (fl < B->speaker_len && B->speaker[fl] != ' ') fl++;
    size_t wl = w[0].ce - w[0].cs;
    if (wl != fl || strncasecmp(p + w[0].cs, B->speaker, fl) != 0) return;
    if (sc->punctuated && !is_upper_ascii(p[w[0].cs])) return;
    /* Same first name on both sides: the name proves nothing. */
    if (A->speaker_len >= fl && strncasecmp(A->speaker, B->speaker, fl) == 0 &&
        (A->speaker_len == fl || A->speaker[fl] == ' '))
        return;
    /* A self-introduction: "Jens here", "Jens from ...". */
    if (classes(sc->st, p, &w[1]) & C_INTRO) return;
    word la[1];
    if (last_words(A->text, A->text_len, la, 1) == 0) return;
    propose_move_back(sc, R_VOCATIVE, 0.8f, a, b, w, 1, "the name addresses the next speaker");
}

/* Rule 4: "yeah", "so", "well", "oh" after the last sentence of a goes
 * forward to the next speaker. */
static void rule_opener(scan *sc, size_t a, size_t b)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    if (same_speaker(A, B)) return;
    const char *p = A->text;
    word w[3];
    int k = last_words(p, A->text_len, w, 3);
    if (k < 2) return;
    if (!(classes(sc->st, p, &w[0]) & C_OPENER)) return;
    char tp = trail(p, &w[0]);
    if (tp && tp != ',') return; /* "Yeah." closes the turn */
    if (w[0].cs != w[0].s) return;
    if (sc->punctuated) {
        if (!is_end(last_char(p, &w[1]))) return;
    } else {
        /* "oh yeah", "but yeah": the opener belongs to the phrase before */
        if (classes(sc->st, p, &w[1]) & (C_OPENER | C_MARKER | C_CONJ)) return;
    }
    word bw[1];
    if (first_words(B->text, B->text_len, bw, 1) == 0) return;
    /* "... So" / "No, that was ...": the next turn opens with its own reply. */
    if (sc->punctuated && (classes(sc->st, B->text, &bw[0]) & (C_BACKCHANNEL | C_MARKER | C_ANSWER)))
        return;
    ts_edit_list *out = sc->out;
    if (sc->punctuated) {
        if (is_lower_ascii(p[w[0].cs])) {
            char uc = (char)(p[w[0].cs] - 32);
            note(out, ts_edit_replace(out, &speakers_rules[R_OPENER], (uint32_t)a, w[0].cs, w[0].cs + 1, &uc, 1),
                 "cut: the opener starts the next turn");
        }
        if (!tp && may_lower(sc->st, B->text, &bw[0])) {
            char lc = (char)(B->text[bw[0].cs] + 32);
            note(out, ts_edit_replace(out, &speakers_rules[R_OPENER], (uint32_t)b, bw[0].cs, bw[0].cs + 1, &lc, 1),
                 "cut: no capital after the opener");
        }
    }
    ts_edit *e = ts_edit_move(out, &speakers_rules[R_OPENER], (uint32_t)a, TS_EDIT_MOVE_NEXT,
                              w[0].s, A->text_len);
    if (e) {
        e->confidence = sc->punctuated ? 0.75f : 0.7f;
        e->message = say(out, "'%.*s' opens the next turn: moved to %.*s",
                                     (int)(w[0].e - w[0].s), p + w[0].s, (int)B->speaker_len,
                                     B->speaker);
    }
    claim(sc, a, b);
}

/* Rule 5: a short segment of Y between two of X that is part of X's
 * sentence ("It also." / "Got a lot of comments.") is X's. */
static void rule_island(scan *sc, size_t i)
{
    if (i == 0 || i + 1 >= sc->t->n) return;
    const ts_segment *A = seg(sc, i - 1), *I = seg(sc, i), *C = seg(sc, i + 1);
    if (!same_speaker(A, C) || same_speaker(A, I) || !A->speaker_len || !I->speaker_len) return;
    if (sc->claimed[i - 1] || sc->claimed[i] || sc->claimed[i + 1]) return;
    int nw = count_words(I->text, I->text_len, 5);
    double d = duration(I);
    if (nw == 0 || !(nw <= 3 || (d >= 0 && d < 1.0))) return;
    word w[5];
    int k = first_words(I->text, I->text_len, w, 5);
    int all_bc = 1;
    for (int j = 0; j < k; j++)
        if (!(classes(sc->st, I->text, &w[j]) & (C_BACKCHANNEL | C_MARKER))) all_bc = 0;
    if (all_bc) return; /* rule 2: an interjection */
    /* "No, I ...": a reply of its own. */
    if (classes(sc->st, I->text, &w[0]) & (C_BACKCHANNEL | C_MARKER)) return;
    if (!unfinished_end(sc, I->text, I->text_len)) return;
    word c[2];
    if (first_words(C->text, C->text_len, c, 1) == 0) return;
    uint32_t m = classes(sc->st, C->text, &c[0]);
    int cont = (m & (C_FINITE | C_CONT_OPEN)) ||
               (sc->punctuated && is_lower_ascii(C->text[c[0].cs]) && !(m & C_MARKER));
    if (!cont || (m & (C_MARKER | C_BACKCHANNEL))) return;
    if ((m & C_FINITE) && !ends_with_subject(sc, I->text, I->text_len)) return;
    if (pause_between(sc, i - 1) || pause_between(sc, i)) return;
    ts_edit *e = ts_edit_speaker(sc->out, &speakers_rules[R_ISLAND], (uint32_t)i, A->speaker,
                                 A->speaker_len);
    if (e) {
        e->confidence = 0.75f;
        e->message = say(sc->out, "'%.*s' continues into %.*s's next words: relabelled",
                                     (int)I->text_len, I->text, (int)A->speaker_len, A->speaker);
    }
    sc->claimed[i - 1] = sc->claimed[i] = sc->claimed[i + 1] = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Numbers the distinct labels 0, 1, ... (per segment, in id[]) with an
 * open-addressing table of segment indices; returns the count or -1. */
static long label_ids(const ts_transcript *t, size_t *id)
{
    size_t cap = 64;
    while (cap < 2 * t->n) cap *= 2;
    size_t *slot = malloc(cap * sizeof *slot), *slot_id = malloc(cap * sizeof *slot_id);
    if (!slot || !slot_id) {
        free(slot);
        free(slot_id);
        return -1;
    }
    for (size_t k = 0; k < cap; k++) slot[k] = SIZE_MAX;
    size_t n_ids = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        size_t h = hash_word(s->speaker, s->speaker_len) & (cap - 1);
        while (slot[h] != SIZE_MAX && !same_speaker(&t->segs[slot[h]], s)) h = (h + 1) & (cap - 1);
        if (slot[h] == SIZE_MAX) {
            slot[h] = i;
            slot_id[h] = n_ids++;
        }
        id[i] = slot_id[h];
    }
    free(slot);
    free(slot_id);
    return (long)n_ids;
}

static size_t words_in(const char *p, uint32_t n);

/* Fills sc->rate_median (per segment: the median speaking rate of its
 * speaker over segments of 2 s or more) and sc->names (the distinct first
 * words of labels, for report_question_to_name). */
static int speaking_rates(scan *sc)
{
    size_t n = sc->t->n;
    sc->rate_median = calloc(n ? n : 1, sizeof *sc->rate_median);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!sc->rate_median || !idx || !tmp || !r) {
        free(idx);
        free(tmp);
        free(r);
        return -1;
    }
    long n_ids = label_ids(sc->t, tmp);
    if (n_ids < 0) {
        free(idx);
        free(tmp);
        free(r);
        return -1;
    }
    /* Group the segments by label (a counting sort), then take medians. */
    size_t *start = calloc((size_t)n_ids + 1, sizeof *start);
    if (!start) {
        free(idx);
        free(tmp);
        free(r);
        return -1;
    }
    for (size_t i = 0; i < n; i++) start[tmp[i] + 1]++;
    for (long k = 0; k < n_ids; k++) start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++) idx[start[tmp[i]]++] = i;
    for (size_t g = 0; g < n;) {
        size_t e = g + 1;
        while (e < n && tmp[idx[e]] == tmp[idx[g]]) e++;
        size_t m = 0;
        for (size_t k = g; k < e; k++) {
            const ts_segment *s = seg(sc, idx[k]);
            double d = duration(s);
            if (d >= 2.0) r[m++] = (double)words_in(s->text, s->text_len) / d;
        }
        qsort(r, m, sizeof *r, cmp_double);
        double med = m ? r[m / 2] : 0;
        for (size_t k = g; k < e; k++) sc->rate_median[idx[k]] = med;
        g = e;
    }
    free(start);
    free(idx);
    free(tmp);
    free(r);
    return 0;
}

static size_t words_in(const char *p, uint32_t n)
{
    size_t w = 0;
    int prev_blank = 1;
    for (uint32_t q = 0; q < n; q++) {
        int b = p[q] == ' ' || p[q] == '\n' || p[q] == '\t' || p[q] == '\r';
        w += (size_t)((b ^ 1) & prev_blank);
        prev_blank = b;
    }
    return w;
}

/* Rule 7: a reply at the end of a ("..., No, no, no, it's not
 * marketing.") belongs to the next speaker.  Moved only when the timing
 * says a speaks too fast and b too slowly and the move evens them out;
 * otherwise reported. */
static void rule_hidden_turn(scan *sc, size_t a, size_t b)
{
    const ts_segment *A = seg(sc, a), *B = seg(sc, b);
    if (same_speaker(A, B) || !sc->punctuated) return;
    const char *p = A->text;
    word w[MAX_REPLY + 2];
    int k = last_words(p, A->text_len, w, MAX_REPLY + 2);
    /* The start of the last sentences, when one of them opens with a reply. */
    int start = -1;
    for (int i = 0; i < k && i < MAX_REPLY; i++) {
        int sentence_start = i + 1 < k ? is_end(last_char(p, &w[i + 1])) : 0;
        if (sentence_start && (classes(sc->st, p, &w[i]) & C_ANSWER) && trail(p, &w[i]) == ',') {
            start = i;
            break;
        }
    }
    if (start < 0 || !is_end(last_char(p, &w[0]))) return;
    uint32_t cut = w[start].s;
    size_t moved = (size_t)start + 1;
    ts_edit *e;
    double da = duration(A), db = duration(B);
    if (sc->timed && !sc->rate_median && speaking_rates(sc)) {
        sc->out->failed = true;
        return;
    }
    double ma = sc->rate_median ? sc->rate_median[a] : 0, mb = sc->rate_median ? sc->rate_median[b] : 0;
    int supported = 0;
    /* Word times, when there are some at the cut and the boundary, are the
     * evidence: a pause before the reply and none after it. */
    double in = 0, outer = 0;
    int ev = word_evidence(sc, a, b, 0, cut, &in, &outer);
    if (ev != EV_NONE) {
        if (ev != EV_FOR) {
            e = ts_edit_report(sc->out, &speakers_rules[R_HIDDEN_TURN], (uint32_t)a, cut, A->text_len);
            if (e) {
                e->confidence = 0.3f;
                e->message = say(sc->out, "'%.*s' may be %.*s's reply (the word times do not show a turn "
                                          "change before it: %.2fs pause there, %.2fs at the segment boundary): left",
                                 (int)(A->text_len - cut), p + cut, (int)B->speaker_len, B->speaker, in, outer);
            }
            return;
        }
        e = ts_edit_move(sc->out, &speakers_rules[R_HIDDEN_TURN], (uint32_t)a, TS_EDIT_MOVE_NEXT, cut,
                         A->text_len);
        if (e) {
            e->confidence = 0.7f;
            e->message = say(sc->out, "'%.*s' replies to %.*s: the word times put the turn change before "
                                      "it (%.2fs pause there, %.2fs at the segment boundary): moved to %.*s",
                             (int)(A->text_len - cut), p + cut, (int)A->speaker_len, A->speaker, in, outer,
                             (int)B->speaker_len, B->speaker);
        }
        claim(sc, a, b);
        return;
    }
    if (sc->timed && da > 0 && db > 0 && ma > 0 && mb > 0 && !pause_between(sc, a)) {
        double na = (double)words_in(A->text, A->text_len), nb = (double)words_in(B->text, B->text_len);
        double ra = na / da, rb = nb / db;
        double ra2 = (na - (double)moved) / da, rb2 = (nb + (double)moved) / db;
        /* a is implausibly fast and b slow; after the move both are nearer
         * their speakers' usual rates. */
        supported = ra > 1.4 * ma && rb < 0.6 * mb && ra2 < ra && rb2 <= 1.2 * mb &&
                    (ra2 / ma + ma / ra2) + (rb2 / mb + mb / rb2) < (ra / ma + ma / ra) + (rb / mb + mb / rb);
    }
    if (!supported) {
        e = ts_edit_report(sc->out, &speakers_rules[R_HIDDEN_TURN], (uint32_t)a, cut, A->text_len);
        if (e) {
            e->confidence = 0.4f;
            e->message = say(sc->out, "'%.*s' may be %.*s's reply (no timing evidence: left)",
                                         (int)(A->text_len - cut), p + cut, (int)B->speaker_len,
                                         B->speaker);
        }
        return;
    }
    e = ts_edit_move(sc->out, &speakers_rules[R_HIDDEN_TURN], (uint32_t)a, TS_EDIT_MOVE_NEXT, cut,
                     A->text_len);
    if (e) {
        e->confidence = 0.6f;
        e->message = say(sc->out, "'%.*s' replies to %.*s and the timing agrees: moved to %.*s",
                                     (int)(A->text_len - cut), p + cut, (int)A->speaker_len,
                                     A->speaker, (int)B->speaker_len, B->speaker);
    }
    claim(sc, a, b);
}

/* Rule 7, second shape: a question to a named person answered in the same
 * segment.  Reported only. */
static void report_question_to_name(scan *sc, size_t i)
{
    const ts_segment *A = seg(sc, i);
    if (!sc->punctuated) return;
    const char *p = A->text;
    for (uint32_t q = 0; q + 1 < A->text_len; q++) {
        const char *qm = memchr(p + q, '?', A->text_len - 1 - q);
        if (!qm) break;
        q = (uint32_t)(qm - p);
        /* the word before the '?' is another speaker's first name */
        uint32_t ws = q;
        while (ws > 0 && !is_blank(p[ws - 1]) && p[ws - 1] != ',') ws--;
        size_t wl = q - ws;
        if (wl < 2 || !is_upper_ascii(p[ws])) continue;
        if (!sc->names_done) {
            for (size_t i2 = 0; i2 < sc->t->n && sc->n_names < sizeof sc->names / sizeof sc->names[0]; i2++) {
                size_t k = 0;
                while (k < sc->n_names && !same_speaker(seg(sc, sc->names[k]), seg(sc, i2))) k++;
                if (k == sc->n_names && seg(sc, i2)->speaker_len) sc->names[sc->n_names++] = i2;
            }
            sc->names_done = true;
        }
        int named = 0;
        for (size_t j = 0; j < sc->n_names && !named; j++) {
            const ts_segment *s = seg(sc, sc->names[j]);
            size_t fl = 0;
            while (fl < s->speaker_len && s->speaker[fl] != ' ') fl++;
            if (same_speaker(s, A) || fl != wl) continue;
            named = strncasecmp(s->speaker, p + ws, wl) == 0;
        }
        if (!named) continue;
        uint32_t rest = q + 1;
        while (rest < A->text_len && is_blank(p[rest])) rest++;
        if (words_in(p + rest, A->text_len - rest) < 3) continue;
        ts_edit *e = ts_edit_report(sc->out, &speakers_rules[R_HIDDEN_TURN], (uint32_t)i, rest,
                                    A->text_len);
        if (e) {
            e->confidence = 0.3f;
            e->message = say(sc->out, "question to %.*s answered in the same segment: "
                                                  "a turn change may be missing",
                                         (int)wl, p + ws);
        }
        return;
    }
}

/* Rule 7, third shape: "mhm", "uh-huh" inside a turn, with words of the
 * same turn on both sides, were said by the listener.  Segment times
 * cannot say where, so this is reported only. */
static void report_backchannels(scan *sc, size_t i)
{
    const ts_segment *A = seg(sc, i);
    if (!A->speaker_len) return;
    const char *p = A->text;
    uint32_t n = A->text_len, q = 0;
    int nth = 0;
    while (q < n) {
        while (q < n && is_blank(p[q])) q++;
        if (q >= n) break;
        word w = {q, q, 0, 0};
        while (q < n && !is_blank(p[q])) q++;
        w.e = q;
        nth++;
        if (w.e - w.s > 8 || nth == 1) continue;
        char c = (char)(p[w.s] | 0x20);
        if (c != 'm' && c != 'u') continue;
        set_core(p, &w);
        if (!(classes(sc->st, p, &w) & C_LISTENER)) continue;
        uint32_t r = q;
        while (r < n && is_blank(p[r])) r++;
        if (r >= n) break; /* the last word: a turn of its own */
        ts_edit *e = ts_edit_report(sc->out, &speakers_rules[R_BACKCHANNEL], (uint32_t)i, w.s, w.e);
        if (e) {
            e->confidence = 0.5f;
            e->message = say(sc->out, "'%.*s' inside a turn of %.*s is probably the listener's",
                                         (int)(w.e - w.s), p + w.s, (int)A->speaker_len, A->speaker);
        }
    }
}

/* ---- labels ------------------------------------------------------------ */

typedef struct {
    const char *s;
    uint32_t len;
    size_t count, first;
} label;

static int edit1(const char *a, size_t la, const char *b, size_t lb)
{
    /* one substitution, insertion, deletion or adjacent swap, ASCII case-folded */
    if (la > lb + 1 || lb > la + 1) return 0;
    size_t i = 0;
    while (i < la && i < lb && (a[i] | 0x20) == (b[i] | 0x20)) i++;
    if (i == la && i == lb) return 0;
    if (la == lb) {
        if (strncasecmp(a + i + 1, b + i + 1, la - i - 1) == 0) return 1;
        return i + 1 < la && (a[i] | 0x20) == (b[i + 1] | 0x20) && (a[i + 1] | 0x20) == (b[i] | 0x20) &&
               strncasecmp(a + i + 2, b + i + 2, la - i - 2) == 0;
    }
    if (la > lb) return strncasecmp(a + i + 1, b + i, la - i - 1) == 0;
    return strncasecmp(a + i, b + i + 1, lb - i - 1) == 0;
}

static int anonymous(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !(s[i] >= '0' && s[i] <= '9')) i++;
    if (i == n) return 0;
    for (size_t k = i; k < n; k++)
        if (!(s[k] >= '0' && s[k] <= '9')) return 0;
    return i == 0 || strncasecmp(s, "speaker", i < 7 ? i : 7) == 0 || strncasecmp(s, "spk", 3) == 0 ||
           (i == 1 && (s[0] == 'S' || s[0] == 's'));
}

/* Trim, map, case and typo fixes for labels; returns the number proposed. */
static size_t label_rules(scan *sc)
{
    const ts_transcript *t = sc->t;
    size_t proposed = 0;
    label labels[256];
    size_t nl = 0, last_k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = seg(sc, i);
        const char *p = s->speaker;
        uint32_t n = s->speaker_len, a = 0, e = n;
        while (a < e && (p[a] == ' ' || p[a] == '\t')) a++;
        while (e > a && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == ':')) e--;
        if ((a > 0 || e < n) && e > a) {
            ts_edit *ed = ts_edit_speaker(sc->out, &speakers_rules[R_LABEL_TRIM], (uint32_t)i, p + a, e - a);
            if (ed) ed->message = say(sc->out, "speaker label '%.*s' trimmed", (int)n, p);
            sc->claimed[i] = 1;
            proposed++;
            continue;
        }
        for (size_t m = 0; m < sc->st->n_map; m++)
            if (strlen(sc->st->map[m].from) == n && memcmp(sc->st->map[m].from, p, n) == 0 &&
                strcmp(sc->st->map[m].to, sc->st->map[m].from) != 0) {
                const char *to = sc->st->map[m].to;
                ts_edit *ed = ts_edit_speaker(sc->out, &speakers_rules[R_LABEL_MAP], (uint32_t)i, to,
                                              strlen(to));
                if (ed) ed->message = say(sc->out, "speaker '%.*s' is %s", (int)n, p, to);
                sc->claimed[i] = 1;
                proposed++;
                break;
            }
        if (!n) continue;
        size_t k = last_k; /* labels come in runs: try the last one first */
        if (!(k < nl && labels[k].len == n && memcmp(labels[k].s, p, n) == 0))
            for (k = 0; k < nl; k++)
                if (labels[k].len == n && memcmp(labels[k].s, p, n) == 0) break;
        last_k = k;
        if (k < nl) labels[k].count++;
        else if (nl < sizeof labels / sizeof labels[0]) labels[nl++] = (label){p, n, 1, i};
    }
    if (proposed) return proposed;
    /* Unify: a label differing only in case, or by one letter from a label
     * at least three times as frequent (names of 4+ letters), takes the
     * frequent spelling. */
    for (size_t k = 0; k < nl; k++) {
        const label *best = NULL;
        int typo = 0;
        for (size_t j = 0; j < nl; j++) {
            if (j == k) continue;
            const label *o = &labels[j];
            int better = o->count > labels[k].count || (o->count == labels[k].count && o->first < labels[k].first);
            if (!better) continue;
            if (o->len == labels[k].len && strncasecmp(o->s, labels[k].s, o->len) == 0) {
                best = o;
                typo = 0;
                break;
            }
            if (labels[k].len >= 4 && o->len >= 4 && o->count >= 3 * labels[k].count &&
                !anonymous(o->s, o->len) && edit1(labels[k].s, labels[k].len, o->s, o->len) &&
                (!best || o->count > best->count)) {
                best = o;
                typo = 1;
            }
        }
        if (!best) continue;
        for (size_t i = 0; i < t->n; i++) {
            const ts_segment *s = seg(sc, i);
            if (s->speaker_len != labels[k].len || memcmp(s->speaker, labels[k].s, s->speaker_len)) continue;
            ts_edit *ed = ts_edit_speaker(sc->out, &speakers_rules[typo ? R_LABEL_TYPO : R_LABEL_CASE],
                                          (uint32_t)i, best->s, best->len);
            if (ed) {
                ed->confidence = typo ? 0.8f : 0.95f;
                ed->message = say(sc->out, "speaker '%.*s' written as its usual '%.*s'",
                                              (int)labels[k].len, labels[k].s, (int)best->len, best->s);
            }
            sc->claimed[i] = 1;
            proposed++;
        }
    }
    return proposed;
}

/* Names for anonymous labels: the last words before a turn address
 * someone ("But, Jens. How are you doing today?": one vote), or a turn
 * introduces its speaker ("I'm Jens", "my name is Jens": two votes).  A
 * name is suggested once, on the label's first segment, when it has at
 * least two votes and more than half of the label's.  Reported, never
 * applied. */
typedef struct {
    const char *label, *name;
    uint32_t label_len, name_len;
    unsigned votes;
    size_t first;
} vote;

/* anonymous() of a segment's label, remembered for the last label seen:
 * labels come in long runs. */
typedef struct {
    const ts_segment *last;
    int value;
} anon_memo;

static int anonymous_cached(const ts_segment *s, anon_memo *m)
{
    if (!m->last || !same_speaker(m->last, s)) {
        m->value = anonymous(s->speaker, s->speaker_len);
        m->last = s;
    }
    return m->value;
}

static void suggest_names(scan *sc, const uint8_t *only)
{
    anon_memo memo = {NULL, 0};
    const ts_transcript *t = sc->t;
    vote v[64];
    size_t nv = 0;
    for (size_t i = 1; i < t->n; i++) {
        const ts_segment *A = seg(sc, i - 1), *B = seg(sc, i);
        if (same_speaker(A, B) || !anonymous_cached(B, &memo)) continue;
        /* A vocative: a capitalised word that is not a common word, set off
         * by punctuation, within the last 12 words of A. */
        word w[12];
        int k = last_words(A->text, A->text_len, w, 12);
        const char *p = A->text;
        for (int j = 0; j + 1 < k; j++) {
            char tp = trail(p, &w[j]);
            if (!is_upper_ascii(p[w[j].cs]) || (tp != ',' && tp != '.' && tp != '?')) continue;
            if (w[j].ce - w[j].cs < 2 || classes(sc->st, p, &w[j])) continue;
            char before = last_char(p, &w[j + 1]);
            if (before != ',' && !(classes(sc->st, p, &w[j + 1]) & (C_CONJ | C_BACKCHANNEL))) continue;
            size_t q;
            for (q = 0; q < nv; q++)
                if (v[q].label_len == B->speaker_len && !memcmp(v[q].label, B->speaker, B->speaker_len) &&
                    v[q].name_len == w[j].ce - w[j].cs && !memcmp(v[q].name, p + w[j].cs, v[q].name_len))
                    break;
            if (q < nv) v[q].votes++;
            else if (nv < sizeof v / sizeof v[0])
                v[nv++] = (vote){B->speaker, p + w[j].cs, B->speaker_len, w[j].ce - w[j].cs, 1, i};
            break;
        }
    }
    /* Self-introductions: "I'm Jens", "my name is Jens" in the first words
     * of a turn of an anonymous speaker. */
    memo.last = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *B = seg(sc, i);
        if (!anonymous_cached(B, &memo)) continue;
        word w[12];
        int k = first_words(B->text, B->text_len, w, 12);
        const char *p = B->text;
        for (int j = 1; j < k; j++) {
            const word *x = &w[j], *y = &w[j - 1];
            size_t yl = y->ce - y->cs;
            int intro = (yl == 3 && strncasecmp(p + y->cs, "i'm", 3) == 0 && !trail(p, y)) ||
                        (yl == 2 && strncasecmp(p + y->cs, "is", 2) == 0 && j >= 2 &&
                         w[j - 2].ce - w[j - 2].cs == 4 && strncasecmp(p + w[j - 2].cs, "name", 4) == 0);
            if (!intro || !is_upper_ascii(p[x->cs]) || x->ce - x->cs < 2 || classes(sc->st, p, x)) continue;
            size_t q;
            for (q = 0; q < nv; q++)
                if (v[q].label_len == B->speaker_len && !memcmp(v[q].label, B->speaker, B->speaker_len) &&
                    v[q].name_len == x->ce - x->cs && !memcmp(v[q].name, p + x->cs, v[q].name_len))
                    break;
            /* one's own name counts double */
            if (q < nv) v[q].votes += 2;
            else if (nv < sizeof v / sizeof v[0])
                v[nv++] = (vote){B->speaker, p + x->cs, B->speaker_len, x->ce - x->cs, 2, i};
            break;
        }
    }
    /* Winners first: a name that wins for two labels proves nothing. */
    unsigned totals[64];
    uint8_t wins[64];
    for (size_t q = 0; q < nv; q++) {
        unsigned total = 0, best = 1;
        for (size_t r = 0; r < nv; r++)
            if (v[r].label_len == v[q].label_len && !memcmp(v[r].label, v[q].label, v[q].label_len)) {
                total += v[r].votes;
                if (v[r].votes > v[q].votes || (v[r].votes == v[q].votes && r < q)) best = 0;
            }
        totals[q] = total;
        wins[q] = best && v[q].votes >= 2 && 2 * v[q].votes > total;
    }
    for (size_t q = 0; q < nv; q++) {
        if (!wins[q]) continue;
        int shared = 0;
        for (size_t r = 0; r < nv; r++)
            if (r != q && wins[r] && v[r].name_len == v[q].name_len &&
                !memcmp(v[r].name, v[q].name, v[q].name_len))
                shared = 1;
        if (shared) continue;
        unsigned total = totals[q];
        size_t first = 0;
        while (first < t->n && !(seg(sc, first)->speaker_len == v[q].label_len &&
                                 !memcmp(seg(sc, first)->speaker, v[q].label, v[q].label_len)))
            first++;
        if (only && first < t->n && !only[first]) continue; /* reported in an earlier round */
        ts_edit *e = ts_edit_report(sc->out, &speakers_rules[R_NAME_SUGGESTION], (uint32_t)first, 0, 0);
        if (e) {
            e->confidence = (float)v[q].votes / (float)total;
            e->message = say(sc->out, "speaker '%.*s' may be '%.*s' (%u of %u votes: "
                                                  "addressed just before a turn 1, self-introduced 2)",
                                         (int)v[q].label_len, v[q].label, (int)v[q].name_len, v[q].name,
                                         v[q].votes, total);
        }
    }
}

/* ---- the pass ---------------------------------------------------------- */

/* Sentence punctuation in the first 256 KB of text (a sample: the answer
 * does not change within a file). */
static int is_punctuated(const ts_transcript *t)
{
    size_t words = 0, marks = 0, seen = 0;
    for (size_t i = 0; i < t->n && seen < (256u << 10); i++) {
        seen += t->segs[i].text_len;
        const char *p = t->segs[i].text;
        for (uint32_t q = 0; q < t->segs[i].text_len; q++) {
            char c = p[q];
            if (c == ' ') words++;
            else if (c == '.' || c == '?' || c == '!' || c == ',') marks++;
        }
        words++;
    }
    return marks * 30 >= words;
}

static int has_timing(const ts_transcript *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->segs[i].start.kind == TS_TC_NONE || t->segs[i].end.kind == TS_TC_NONE) return 0;
    return t->n > 0;
}

/* The engine passes `only` from the second round on: the segments the
 * previous round changed.  A rule looks at a boundary or an island when one
 * of its segments is among them; the labels are always checked as a whole. */
static ts_status run_speakers(ts_context *ctx, void *state, const ts_transcript *t,
                              const uint8_t *only, ts_edit_list *out)
{
    (void)ctx;
    scan sc = {.st = state, .t = t, .out = out};
    ts_status rc = TS_OK;
    if (t->n == 0) return TS_OK;
    sc.claimed = calloc(t->n, 1);
    if (!sc.claimed) return TS_ERR_NOMEM;
    size_t before = out->n;
    /* Relabelled segments are claimed: their boundaries wait a round, so
     * they are compared under the unified labels. */
    label_rules(&sc);
    sc.punctuated = is_punctuated(t);
    sc.timed = has_timing(t);
    for (size_t i = 1; i + 1 < t->n; i++)
        if (!only || only[i - 1] || only[i] || only[i + 1]) rule_island(&sc, i);
    for (size_t i = 0; i + 1 < t->n && !out->failed; i++) {
        if (only && !only[i] && !only[i + 1]) continue;
        /* Without labels (plain text) there are no turns to check. */
        if (!seg(&sc, i)->text_len || !seg(&sc, i + 1)->text_len || !seg(&sc, i)->speaker_len ||
            !seg(&sc, i + 1)->speaker_len)
            continue;
        if (pause_between(&sc, i)) continue;
        if (free_pair(&sc, i, i + 1)) rule_vocative(&sc, i, i + 1);
        if (free_pair(&sc, i, i + 1)) rule_midsentence(&sc, i, i + 1);
        if (free_pair(&sc, i, i + 1)) rule_fragment(&sc, i, i + 1);
        if (free_pair(&sc, i, i + 1)) rule_opener(&sc, i, i + 1);
        if (free_pair(&sc, i, i + 1)) rule_hidden_turn(&sc, i, i + 1);
    }
    for (size_t i = 0; i < t->n; i++)
        if (!only || only[i]) {
            report_question_to_name(&sc, i);
            report_backchannels(&sc, i);
        }
    suggest_names(&sc, only);
    /* Merge only once the boundaries have settled. */
    if (sc.st->merge_turns) {
        int pending = 0;
        for (size_t k = before; k < out->n; k++)
            if (!out->v[k].report_only) pending = 1;
        if (!pending)
            for (size_t i = 0; i + 1 < t->n; i++) {
                if (!same_speaker(seg(&sc, i), seg(&sc, i + 1)) || !seg(&sc, i)->speaker_len ||
                    sc.claimed[i] || sc.claimed[i + 1])
                    continue;
                ts_edit *e = ts_edit_merge_next(out, &speakers_rules[R_MERGE_TURNS], (uint32_t)i);
                if (e) e->message = say(out, "segment of %.*s merged with the next one",
                                                    (int)seg(&sc, i)->speaker_len, seg(&sc, i)->speaker);
                claim(&sc, i, i + 1);
            }
    }
    if (out->failed) rc = TS_ERR_NOMEM;
    free(sc.claimed);
    free(sc.rate_median);
    return rc;
}

const ts_pass ts_pass_speakers = {
    .info = {"speakers", "speaker labels and words on the wrong side of a turn", true,
             speakers_rules, R_COUNT},
    .segment_local = true, /* see run_speakers: neighbours of changed segments */
    .state_new = state_new,
    .state_free = state_free,
    .run = run_speakers,
};
