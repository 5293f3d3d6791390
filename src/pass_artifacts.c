/*
 * pass_artifacts.c - what ASR adds that nobody said, and timing sanity.
 *
 * Repetition loops: a run of segments of one speaker that say the same
 * thing (compared after normalising case, punctuation and spacing) keeps
 * its first segment and drops the others when it is three long, or six for
 * a short answer of two words or fewer ("Yeah." "Yeah." "Yeah." is
 * listeners nodding along); a segment that is one phrase said over and
 * over (at least three times and eight words, a cut-off last repeat
 * allowed) keeps the phrase once.
 *
 * Credit lines: phrases from dictionaries/credits/<lang>.txt, compiled in.
 * A segment that is nothing but a credit ("Subtitles by the Amara.org
 * community") is dropped; one that is nothing but an outro phrase ("Thanks
 * for watching!") is dropped only in the silent tail of the transcript,
 * where nothing but artifacts follows, and reported elsewhere; either at the
 * end of a longer segment is reported, never cut.
 *
 * Sound tags: "[Music]", "(laughs)", "*coughs*", "[LAUGHTER]", a bare "♪".
 * A note is a tag when one of its words is in dictionaries/sound-tags.txt.
 * Option sound-tags: keep (default) writes every tag in the style the file
 * uses most (delimiters and case), bracket writes "[lowercase]", remove
 * drops them.  Lyrics between notes ("♪ la la ♪") are words and stay.  A
 * tag that starts a sentence keeps a capital where the lines pass would
 * give it one, so that fix run twice changes nothing the second time.
 *
 * Empty segments are dropped.  Every drop is a TS_EDIT_DELETE, which logs
 * the segment's text and timing.
 *
 * Timing (when the format has it) is checked between each segment and the
 * next that stays: end before start, zero length, overlap with the same
 * speaker (warning) or another (info), out of order, gaps over max-gap
 * seconds, reading speed over max-cps characters a second.  Fixes are
 * opt-in: sort-timing, clip-overlaps, min-duration.
 *
 * The pass looks across segments, so it is not segment-local.  Most
 * segments need none of its checks, so cheap tests on the raw text (the
 * last word against the phrases' last words, a word seen three times,
 * neighbours of about the same length and letters) decide which segments
 * are normalised at all; that keeps the pass near the speed of reading
 * and writing the file.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "diag.h"
#include "pass.h"
#include "utf8.h"

enum {
    R_REPEAT_LOOP,
    R_CREDIT_LINE,
    R_SOUND_TAG,
    R_EMPTY_SEGMENT,
    R_END_BEFORE_START,
    R_ZERO_DURATION,
    R_OVERLAP,
    R_CROSSTALK,
    R_OUT_OF_ORDER,
    R_GAP,
    R_READING_SPEED,
    R_SHORT_SEGMENT,
    R_COUNT
};

static const ts_rule_info artifacts_rules[R_COUNT] = {
    [R_REPEAT_LOOP] = {"artifacts/repeat-loop", "repetition loop reduced to one", TS_SEV_WARNING},
    [R_CREDIT_LINE] = {"artifacts/credit-line", "hallucinated credit or outro line", TS_SEV_WARNING},
    [R_SOUND_TAG] = {"artifacts/sound-tag", "sound or music tag in the house style", TS_SEV_INFO},
    [R_EMPTY_SEGMENT] = {"artifacts/empty-segment", "segment without text dropped", TS_SEV_INFO},
    [R_END_BEFORE_START] = {"artifacts/end-before-start", "segment ends before it starts", TS_SEV_WARNING},
    [R_ZERO_DURATION] = {"artifacts/zero-duration", "segment has no duration", TS_SEV_WARNING},
    [R_OVERLAP] = {"artifacts/overlap", "segment overlaps the next one of the same speaker", TS_SEV_WARNING},
    [R_CROSSTALK] = {"artifacts/crosstalk", "segment overlaps the next one of another speaker", TS_SEV_INFO},
    [R_OUT_OF_ORDER] = {"artifacts/out-of-order", "segment starts before the previous one", TS_SEV_WARNING},
    [R_GAP] = {"artifacts/gap", "long gap before the next segment", TS_SEV_INFO},
    [R_READING_SPEED] = {"artifacts/reading-speed", "more characters per second than a reader can follow", TS_SEV_WARNING},
    [R_SHORT_SEGMENT] = {"artifacts/short-segment", "segment shorter than the minimum duration", TS_SEV_INFO},
};

/* ---- compiled-in data ------------------------------------------------- */

typedef struct {
    const char *lang;
    int outro;
    const char *text;
} credit_src;

static const credit_src credit_data[] = {
#include "credits.inc"
};
#define N_CREDITS (sizeof credit_data / sizeof credit_data[0])

static const char *const sound_words[] = {
#include "sound_tags.inc"
};
#define N_SOUND_WORDS (sizeof sound_words / sizeof sound_words[0])

/* ---- normalised text --------------------------------------------------

 * Words lower-cased, apostrophes dropped ("don't" == "dont"), everything
 * else a single space between words; in credit phrases a run of digits
 * becomes '#', which matches any number ("ZDF, 2017" == "ZDF, 2019").
 * map[k] is the source offset of the code point that produced byte k. */

typedef struct {
    char *s;
    uint32_t *map;
    size_t n, cap;
} norm;

static int norm_reserve(norm *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) return -1;
    b->s = s;
    uint32_t *m = realloc(b->map, cap * sizeof *m);
    if (!m) return -1;
    b->map = m;
    b->cap = cap;
    return 0;
}

static void norm_free(norm *b)
{
    free(b->s);
    free(b->map);
}

static int is_apostrophe(int32_t c) { return c == '\'' || c == 0x2019; }

/* Normalises p[0..n); returns -1 when memory ran out. */
static int normalise(norm *b, const char *p, size_t n, int digits_hash)
{
    b->n = 0;
    /* Lower-casing never grows a code point past 4 bytes, '#' and ' ' are 1. */
    if (norm_reserve(b, n * 2 + 8)) return -1;
    char *o = b->s;
    uint32_t *m = b->map;
    size_t w = 0;
    int space = 0, digits = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        int32_t cp;
        size_t len;
        if (c < 0x80) {
            /* ASCII without library calls: this loop sees every byte. */
            if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
                if (space && w) { o[w] = ' '; m[w++] = (uint32_t)i; }
                space = digits = 0;
                o[w] = (char)(c | 0x20);
                m[w++] = (uint32_t)i;
                i++;
                continue;
            }
            if (c != '\'' && (c < '0' || c > '9')) {
                space = 1;
                digits = 0;
                i++;
                continue;
            }
            cp = c;
            len = 1;
        } else {
            cp = ts_utf8_decode(p + i, n - i, &len);
        }
        if (cp >= 0 && (ts_cp_is_letter(cp) || (cp >= 0x300 && cp <= 0x36F))) {
            if (space && w) { o[w] = ' '; m[w++] = (uint32_t)i; }
            space = digits = 0;
            if (cp < 0x80) {
                o[w] = (char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0));
                m[w++] = (uint32_t)i;
            } else {
                char enc[4];
                size_t el = ts_utf8_encode(ts_cp_tolower(cp), enc);
                for (size_t k = 0; k < el; k++) { o[w] = enc[k]; m[w++] = (uint32_t)i; }
            }
        } else if (cp >= 0 && ts_cp_is_digit(cp)) {
            if (space && w) { o[w] = ' '; m[w++] = (uint32_t)i; }
            space = 0;
            if (!digits_hash) {
                for (size_t k = 0; k < len; k++) { o[w] = p[i + k]; m[w++] = (uint32_t)i; }
            } else if (!digits) {
                o[w] = '#';
                m[w++] = (uint32_t)i;
            }
            digits = 1;
        } else if (is_apostrophe(cp)) {
            /* inside a word: nothing */
        } else {
            space = 1;
            digits = 0;
        }
        i += len;
    }
    b->n = w;
    return 0;
}

/* Words that are not plain numbers (timestamps in the text do not count). */
static size_t count_words(const norm *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n;) {
        size_t j = i;
        int number = 1;
        while (j < b->n && b->s[j] != ' ') {
            if (b->s[j] < '0' || b->s[j] > '9') number = 0;
            j++;
        }
        n += !number;
        i = j + 1;
    }
    return n;
}

static int first_alnum(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80) return -1;
        if (ts_cp_is_alnum(c)) return c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0);
    }
    return 0;
}

static int last_alnum(const char *p, size_t n)
{
    while (n > 0) {
        unsigned char c = (unsigned char)p[--n];
        if (c >= 0x80) return -1;
        if (ts_cp_is_alnum(c)) return c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0);
    }
    return 0;
}

/* A quick test before comparing two texts normalised: equal texts have
 * about the same length and the same first and last letters. */
static int maybe_equal(const char *a, size_t an, const char *b, size_t bn)
{
    size_t big = an > bn ? an : bn, diff = an > bn ? an - bn : bn - an;
    if (diff > big / 4 + 2) return 0;
    int x = first_alnum(a, an), y = first_alnum(b, bn);
    if (x == 0 || y == 0 || (x > 0 && y > 0 && x != y)) return 0;
    x = last_alnum(a, an);
    y = last_alnum(b, bn);
    return x < 0 || y < 0 || x == y;
}

/* ---- per-context state -------------------------------------------------- */

enum { TAGS_KEEP, TAGS_BRACKET, TAGS_REMOVE };

/* Equal segments in a row that make a loop; short answers (two words or
 * fewer) repeat in real conversation, so they need a longer run. */
enum { LOOP_MIN = 3, LOOP_MIN_SHORT = 6 };

typedef struct {
    char *text;
    size_t len;
    int outro;
    const char *last;             /* its last word, for a quick first test */
    size_t last_len;
} phrase;

typedef struct {
    phrase *phrases;
    size_t n_phrases;
    int tags_mode;
    double max_gap, max_cps, min_duration;
    int max_cps_set;
    int sort_timing, clip_overlaps;
} art_state;

static void state_free(void *p)
{
    art_state *st = p;
    if (!st) return;
    for (size_t i = 0; i < st->n_phrases; i++) free(st->phrases[i].text);
    free(st->phrases);
    free(st);
}

static int parse_seconds(ts_context *ctx, const char *key, double *out)
{
    const char *v = ts_context_option(ctx, key);
    if (!v) return 0;
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0) || d > 1e6) {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "option %s needs a number of seconds (or characters) >= 0, not '%s'", key, v);
        return -1;
    }
    *out = d;
    return 1;
}

static int parse_flag(ts_context *ctx, const char *key, int *out)
{
    const char *v = ts_context_option(ctx, key);
    if (!v) return 0;
    if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true")) *out = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false")) *out = 0;
    else {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "option %s takes 1 or 0, not '%s'", key, v);
        return -1;
    }
    return 1;
}

static ts_status state_new(ts_context *ctx, void **out)
{
    ts_status rc = TS_ERR_NOMEM;
    art_state *st = calloc(1, sizeof *st);
    norm b = {0};
    if (!st) goto out;
    st->max_gap = 10.0;
    st->max_cps = 20.0;
    const char *tags = ts_context_option(ctx, "sound-tags");
    if (!tags || !strcmp(tags, "keep")) st->tags_mode = TAGS_KEEP;
    else if (!strcmp(tags, "bracket")) st->tags_mode = TAGS_BRACKET;
    else if (!strcmp(tags, "remove")) st->tags_mode = TAGS_REMOVE;
    else {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "--sound-tags takes keep, bracket or remove, not '%s'", tags);
        rc = TS_ERR_USAGE;
        goto out;
    }
    int r;
    if (parse_seconds(ctx, "max-gap", &st->max_gap) < 0 ||
        (r = parse_seconds(ctx, "max-cps", &st->max_cps)) < 0 ||
        parse_seconds(ctx, "min-duration", &st->min_duration) < 0 ||
        parse_flag(ctx, "sort-timing", &st->sort_timing) < 0 ||
        parse_flag(ctx, "clip-overlaps", &st->clip_overlaps) < 0) {
        rc = TS_ERR_USAGE;
        goto out;
    }
    st->max_cps_set = r;
    st->phrases = calloc(N_CREDITS ? N_CREDITS : 1, sizeof *st->phrases);
    if (!st->phrases) goto out;
    for (size_t i = 0; i < N_CREDITS; i++) {
        const char *x = credit_data[i].text;
        if (normalise(&b, x, strlen(x), 1)) goto out;
        phrase *ph = &st->phrases[st->n_phrases];
        ph->text = malloc(b.n + 1);
        if (!ph->text) goto out;
        memcpy(ph->text, b.s, b.n);
        ph->text[b.n] = '\0';
        ph->len = b.n;
        ph->outro = credit_data[i].outro;
        ph->last_len = 0;
        while (ph->last_len < b.n && b.s[b.n - 1 - ph->last_len] != ' ') ph->last_len++;
        ph->last = ph->text + b.n - ph->last_len;
        if (b.n) st->n_phrases++;
        else free(ph->text);
    }
    *out = st;
    st = NULL;
    rc = TS_OK;
out:
    norm_free(&b);
    state_free(st);
    return rc;
}

/* ---- credit lines ------------------------------------------------------- */

enum { CREDIT_NONE, CREDIT_WHOLE, CREDIT_TAIL };

static int is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

/* Matches phrase ph against the end of b, backwards ('#' takes a run of
 * digits); returns where the match starts in b, or -1. */
static long match_tail(const phrase *ph, const norm *b)
{
    size_t i = b->n, k = ph->len;
    while (k > 0) {
        char c = ph->text[k - 1];
        if (c == '#') {
            if (i == 0 || !is_ascii_digit(b->s[i - 1])) return -1;
            while (i > 0 && is_ascii_digit(b->s[i - 1])) i--;
        } else {
            if (i == 0 || b->s[i - 1] != c) return -1;
            i--;
        }
        k--;
    }
    return (long)i;
}

/* Does the normalised text end with a known phrase (at a word boundary)?
 * Returns CREDIT_WHOLE or CREDIT_TAIL, the phrase and where it starts. */
static int match_credit(const art_state *st, const norm *b, const phrase **which, size_t *at)
{
    if (b->n == 0) return CREDIT_NONE;
    char last = b->s[b->n - 1];
    for (size_t i = 0; i < st->n_phrases; i++) {
        const phrase *ph = &st->phrases[i];
        char pl = ph->text[ph->len - 1];
        if (pl != last && !(pl == '#' && is_ascii_digit(last))) continue;
        long m = match_tail(ph, b);
        if (m < 0) continue;
        *which = ph;
        *at = (size_t)m;
        if (m == 0) return CREDIT_WHOLE;
        if (b->s[m - 1] == ' ') return CREDIT_TAIL;
    }
    return CREDIT_NONE;
}

/* Source offset where a tail match starts: the credit is reported from
 * there, after the sentence that precedes it. */
static int tail_is_sentence(const char *p, uint32_t at)
{
    while (at > 0 && (p[at - 1] == ' ' || p[at - 1] == '\n' || p[at - 1] == '\t')) at--;
    return at == 0 || p[at - 1] == '.' || p[at - 1] == '!' || p[at - 1] == '?' ||
           p[at - 1] == ']' || p[at - 1] == ')' || p[at - 1] == '*';
}

/* ---- sound tags --------------------------------------------------------- */

enum { D_SQUARE, D_PAREN, D_STAR, D_NOTES, D_COUNT };
enum { C_LOWER, C_CAPITAL, C_UPPER, C_OTHER, C_COUNT };

typedef struct {
    uint32_t seg, start, end;      /* the whole tag, delimiters included */
    uint32_t c0, c1;               /* its words */
    uint8_t delim, casing;
    uint8_t lead;                  /* starts a segment or sentence */
    uint8_t lead_chain;            /* ... or follows tags that do */
    char emph;                     /* markdown emphasis inside: "(*laugh*)" */
} tag;

typedef struct {
    tag *v;
    size_t n, cap;
} tag_list;

static int is_sound_word(const char *w, size_t n)
{
    for (size_t i = 0; i < N_SOUND_WORDS; i++)
        if (strlen(sound_words[i]) == n && memcmp(sound_words[i], w, n) == 0) return 1;
    return 0;
}

/* The note p[c0,c1) is a sound tag: 1-4 words, no digits, one a sound word. */
static int sound_note(const char *p, uint32_t c0, uint32_t c1, uint8_t *casing)
{
    if (c1 <= c0 || c1 - c0 > 40) return 0;
    char w[24];
    size_t wl = 0;
    int words = 0, hit = 0, lower = 0, upper = 0, first_upper = 0, later_upper = 0, letters = 0;
    for (uint32_t i = c0; i <= c1; i++) {
        unsigned char c = i < c1 ? (unsigned char)p[i] : ' ';
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            int up = c <= 'Z';
            if (up) {
                upper++;
                if (letters == 0) first_upper = 1;
                else later_upper = 1;
            } else {
                lower++;
            }
            letters++;
            if (wl < sizeof w) w[wl++] = (char)(c | 0x20);
            else wl = sizeof w + 1;
        } else if (c == ' ' || c == '-') {
            if (wl) {
                words++;
                if (wl <= sizeof w && is_sound_word(w, wl)) hit = 1;
            }
            wl = 0;
        } else if (c == '\'') {
            /* "someone's" */
        } else {
            return 0; /* digits, punctuation, non-ASCII: not a plain tag */
        }
    }
    if (!hit || words > 4) return 0;
    if (upper == 0) *casing = C_LOWER;
    else if (lower == 0 && letters > 1) *casing = C_UPPER;
    else if (first_upper && !later_upper) *casing = C_CAPITAL;
    else *casing = C_OTHER;
    return 1;
}

static int tag_push(tag_list *l, const tag *t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        tag *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *t;
    return 0;
}

static int is_note(const char *p, uint32_t n, uint32_t i)
{
    /* ♪ U+266A, ♫ U+266B */
    return i + 2 < n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x99 &&
           ((unsigned char)p[i + 2] == 0xAA || (unsigned char)p[i + 2] == 0xAB);
}

/* Finds the sound tags of one segment; returns -1 on allocation failure.
 * *words_outside is set when the segment has letters or digits outside its
 * tags. */
static int is_tag_start(unsigned char c) { return c == '[' || c == '(' || c == '*' || c == 0xE2; }

static int find_tags(tag_list *l, uint32_t seg, const char *p, uint32_t n, int *words_outside)
{
    uint32_t covered = 0; /* end of the last tag */
    size_t first = l->n;  /* this segment's first tag */
    int outside = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!words_outside || outside) {
            while (i < n && !is_tag_start((unsigned char)p[i])) i++;
            if (i >= n) break;
        }
        unsigned char c = (unsigned char)p[i];
        tag t = {seg, i, 0, 0, 0, 0, 0, 0, 0, 0};
        if (c == '[' || c == '(') {
            char close = c == '[' ? ']' : ')';
            uint32_t j = i + 1;
            while (j < n && j - i <= 42 && p[j] != close && p[j] != '[' && p[j] != '(' && p[j] != '\n') j++;
            /* Markdown emphasis inside the note, "(*laugh*)" or "(_laugh_)",
             * belongs to the tag. */
            uint32_t c0 = i + 1, c1 = j;
            if (j < n && c1 - c0 >= 3 && (p[c0] == '*' || p[c0] == '_') && p[c1 - 1] == p[c0]) {
                c0++;
                c1--;
            }
            if (j < n && p[j] == close && sound_note(p, c0, c1, &t.casing)) {
                t.end = j + 1;
                t.c0 = c0;
                t.c1 = c1;
                t.emph = c0 > i + 1 ? p[i + 1] : 0;
                t.delim = c == '[' ? D_SQUARE : D_PAREN;
            }
        } else if (c == '*' && (i == 0 || (p[i - 1] != '*' && !ts_cp_is_alnum((unsigned char)p[i - 1]))) &&
                   i + 1 < n && p[i + 1] != ' ' && p[i + 1] != '*') {
            uint32_t j = i + 1;
            while (j < n && j - i <= 42 && p[j] != '*' && p[j] != '\n') j++;
            if (j < n && p[j] == '*' && p[j - 1] != ' ' && (j + 1 >= n || p[j + 1] != '*') &&
                (j + 1 >= n || !ts_cp_is_alnum((unsigned char)p[j + 1])) &&
                sound_note(p, i + 1, j, &t.casing)) {
                t.end = j + 1;
                t.c0 = i + 1;
                t.c1 = j;
                t.delim = D_STAR;
            }
        } else if (is_note(p, n, i)) {
            /* A bare run of notes ("♪", "♪♪", "♪ ♪") is a music tag; notes
             * around words are lyrics and stay. */
            uint32_t j = i;
            while (j < n && (is_note(p, n, j) || p[j] == ' ')) j += p[j] == ' ' ? 1 : 3;
            while (j > i && p[j - 1] == ' ') j--;
            uint32_t k = j;
            while (k < n && p[k] == ' ') k++;
            int lyrics_after = k < n && ts_cp_is_alnum((unsigned char)p[k]);
            int lyrics_before = 0;
            for (uint32_t b = covered; b < i; b++)
                if (is_note(p, n, b)) lyrics_before = 1; /* an opening note before: we close lyrics */
            if (!lyrics_after && !lyrics_before) {
                t.end = j;
                t.c0 = t.c1 = i;
                t.delim = D_NOTES;
                t.casing = C_OTHER;
            } else {
                i = j - 1;
                continue;
            }
        }
        if (t.end) {
            uint32_t b = i;
            while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '"' || p[b - 1] == '\n')) b--;
            t.lead = b == 0 || p[b - 1] == '.' || p[b - 1] == '!' || p[b - 1] == '?';
            t.lead_chain = t.lead || (l->n > first && l->v[l->n - 1].end == b && l->v[l->n - 1].lead_chain);
            if (tag_push(l, &t)) return -1;
            covered = t.end;
            i = t.end - 1;
            continue;
        }
        if (c >= 0x80 || ts_cp_is_alnum(c)) outside = 1;
    }
    if (words_outside) *words_outside = outside;
    return 0;
}

/* Writes the tag's words in casing `cs` after `open`, then `close`. */
/* The lines pass capitalises the first letter after a "[" or "(" that
 * starts a sentence; a tag it would capitalise keeps that capital. */
static int capped_by_lines(const tag *t)
{
    return t->lead && (t->delim == D_SQUARE || t->delim == D_PAREN) && !t->emph;
}

/* Writes the tag's words in casing `cs` between the delimiters of `delim`,
 * inside emphasis `emph` when not 0. */
static char *render_tag(ts_edit_list *out, const char *p, const tag *t, int delim, int cs,
                        char emph, size_t *len)
{
    static const char *const opens[D_COUNT] = {"[", "(", "*", ""};
    static const char *const closes[D_COUNT] = {"]", ")", "*", ""};
    const char *words = p + t->c0;
    size_t wn = t->c1 - t->c0;
    if (t->delim == D_NOTES) {
        words = "music";
        wn = 5;
    }
    char *r = ts_arena_alloc(&out->arena, wn + 5);
    if (!r) {
        out->failed = true;
        return NULL;
    }
    size_t w = 0;
    r[w++] = opens[delim][0];
    if (emph) r[w++] = emph;
    int first = 1;
    for (size_t i = 0; i < wn; i++) {
        char c = words[i];
        int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        if (letter) {
            int up = cs == C_UPPER || (cs == C_CAPITAL && first) ||
                     (cs == C_OTHER && t->delim != D_NOTES && c <= 'Z');
            c = up ? (char)(c & ~0x20) : (char)(c | 0x20);
            first = 0;
        }
        r[w++] = c;
    }
    if (emph) r[w++] = emph;
    r[w++] = closes[delim][0];
    *len = w;
    return r;
}

/* ---- the run -------------------------------------------------------------- */

typedef struct {
    ts_context *ctx;
    const art_state *st;
    const ts_transcript *t;
    ts_edit_list *out;
    uint8_t *gone;                 /* per segment: dropped this round */
    uint8_t *busy;                 /* per segment: dropped or given a segment operation */
    tag_list tags;
    size_t tail_from;              /* segments from here on are a silent tail of artifacts */
} run_ctx;

static int same_speaker(const ts_segment *a, const ts_segment *b)
{
    return a->speaker_len == b->speaker_len && memcmp(a->speaker, b->speaker, a->speaker_len) == 0;
}

static int is_blank_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return 0;
    return 1;
}

static int word_char(unsigned char c) { return c >= 0x80 || ts_cp_is_alnum(c) || c == '\''; }

/* A segment that is one phrase over and over: keep the first.  Returns 1
 * when it proposed the reduction. */
static int check_phrase_loop(run_ctx *r, uint32_t seg, const ts_segment *s, const norm *b)
{
    uint32_t ws[512], we[512];
    size_t nw = 0;
    for (size_t i = 0; i < b->n && nw < 512;) {
        size_t j = i;
        while (j < b->n && b->s[j] != ' ') j++;
        ws[nw] = (uint32_t)i;
        we[nw++] = (uint32_t)j;
        i = j + 1;
    }
    if (nw < 8 || nw == 512) return 0;
    for (size_t p = 1; p * 3 <= nw; p++) {
        if (we[p] - ws[p] != we[0] - ws[0] || memcmp(b->s + ws[p], b->s + ws[0], we[0] - ws[0]))
            continue;
        size_t k;
        for (k = p; k < nw; k++) {
            size_t la = we[k] - ws[k], lb = we[k - p] - ws[k - p];
            if (la == lb && !memcmp(b->s + ws[k], b->s + ws[k - p], la)) continue;
            /* a last repeat cut off mid-word */
            if (k + 1 == nw && la < lb && !memcmp(b->s + ws[k], b->s + ws[k - p], la)) continue;
            break;
        }
        if (k < nw) continue;
        /* End of the first repeat in the source, with its closing punctuation. */
        const char *x = s->text;
        uint32_t end = b->map[we[p - 1] - 1];
        while (end < s->text_len && word_char((unsigned char)x[end])) end++;
        while (end < s->text_len && (x[end] == '.' || x[end] == '!' || x[end] == '?')) end++;
        if (end >= s->text_len) return 0;
        ts_edit *e = ts_edit_replace(r->out, &artifacts_rules[R_REPEAT_LOOP], seg, end,
                                     s->text_len, "", 0);
        if (e) e->message = ts_edit_message(r->out, "'%.*s' repeated %zu times reduced to one",
                                            (int)end, x, (nw + p - 1) / p);
        return 1;
    }
    return 0;
}

/* Could the text end with a known phrase?  Compares its last word, so
 * that only the rare candidates are normalised. */
static int credit_candidate(const art_state *st, const char *p, size_t n)
{
    size_t e = n;
    while (e > 0 && (unsigned char)p[e - 1] < 0x80 && !ts_cp_is_alnum((unsigned char)p[e - 1])) e--;
    size_t b = e;
    int high = 0, digits = 1;
    while (b > 0 && ((unsigned char)p[b - 1] >= 0x80 || ts_cp_is_alnum((unsigned char)p[b - 1]) ||
                     p[b - 1] == '\'')) {
        b--;
        if ((unsigned char)p[b] >= 0x80) high = 1;
        if (p[b] < '0' || p[b] > '9') digits = 0;
    }
    if (b == e) return 0;
    if (high) return 1; /* non-ASCII case folding: let the full match decide */
    for (size_t i = 0; i < st->n_phrases; i++) {
        const phrase *ph = &st->phrases[i];
        if (digits) {
            if (ph->last_len == 1 && ph->last[0] == '#') return 1;
            continue;
        }
        size_t k = ph->last_len, j = e;
        while (k > 0 && j > b) {
            char c = p[j - 1];
            if (c == '\'') { j--; continue; }
            if ((char)(c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0)) != ph->last[k - 1]) break;
            k--;
            j--;
        }
        while (j > b && p[j - 1] == '\'') j--;
        if (k == 0 && j == b) return 1;
    }
    return 0;
}

/* Could the text be one phrase over and over?  Every word of the phrase
 * comes back in each of at least three repeats, so the longest of the
 * first eight words (less its first letter, which may change case) must
 * occur three times. */
static int loop_candidate(const char *p, size_t n)
{
    if (n < 16) return 0;
    size_t best = 0, best_len = 0, i = 0;
    for (int w = 0; w < 8 && i < n; w++) {
        while (i < n && !ts_cp_is_alnum((unsigned char)p[i]) && (unsigned char)p[i] < 0x80) i++;
        size_t a = i;
        while (i < n && ((unsigned char)p[i] >= 0x80 || ts_cp_is_alnum((unsigned char)p[i]))) i++;
        if (i - a > best_len) {
            best = a;
            best_len = i - a;
        }
    }
    const char *needle = p + best + 1;
    size_t nl = best_len > 1 ? best_len - 1 : best_len;
    if (best_len <= 1) needle = p + best;
    if (nl == 0) return 0;
    const char *q = p, *end = p + n;
    for (int found = 0; found < 3; found++) {
        const char *h = memmem(q, (size_t)(end - q), needle, nl);
        if (!h) return 0;
        q = h + nl;
    }
    return 1;
}

/* Everything but loops across segments for segment `seg`; b is scratch
 * space for its normalised text, filled only when a quick test says a
 * check needs it. */
static void check_segment(run_ctx *r, uint32_t seg, norm *b)
{
    const ts_segment *s = &r->t->segs[seg];
    const phrase *ph = NULL;
    size_t cat = 0;
    int normalised = 0, m = CREDIT_NONE;
    if (credit_candidate(r->st, s->text, s->text_len)) {
        if (normalise(b, s->text, s->text_len, 0)) {
            r->out->failed = true;
            return;
        }
        normalised = 1;
        m = match_credit(r->st, b, &ph, &cat);
    }
    if (m == CREDIT_WHOLE && (!ph->outro || seg >= r->tail_from)) {
        ts_edit *e = ts_edit_delete(r->out, &artifacts_rules[R_CREDIT_LINE], seg);
        if (e) e->message = ph->outro ? "outro phrase in the silent tail"
                                      : "hallucinated credit line";
        r->gone[seg] = 1;
        return;
    }
    if (m == CREDIT_WHOLE) {
        ts_edit *e = ts_edit_report(r->out, &artifacts_rules[R_CREDIT_LINE], seg, 0, s->text_len);
        if (e) {
            e->message = "outro phrase before the end of the transcript: check it was said";
            e->severity = TS_SEV_INFO;
        }
    } else if (m == CREDIT_TAIL) {
        uint32_t at = b->map[cat];
        if (tail_is_sentence(s->text, at)) {
            ts_edit *e = ts_edit_report(r->out, &artifacts_rules[R_CREDIT_LINE], seg, at,
                                        s->text_len);
            if (e && ph->outro) {
                e->message = "segment ends with an outro phrase: check it was said";
                e->severity = TS_SEV_INFO;
            } else if (e) {
                e->message = "segment ends with a credit line: remove it by hand";
            }
        }
    }
    if (loop_candidate(s->text, s->text_len)) {
        if (!normalised && normalise(b, s->text, s->text_len, 0)) {
            r->out->failed = true;
            return;
        }
        if (check_phrase_loop(r, seg, s, b)) return;
    }

    size_t before = r->tags.n;
    int outside = 1;
    if (!memchr(s->text, '[', s->text_len) && !memchr(s->text, '(', s->text_len) &&
        !memchr(s->text, '*', s->text_len) && !memchr(s->text, 0xE2, s->text_len))
        return; /* no tag can start here */
    if (find_tags(&r->tags, seg, s->text, s->text_len,
                  r->st->tags_mode == TAGS_REMOVE ? &outside : NULL)) {
        r->out->failed = true;
        return;
    }
    if (r->st->tags_mode == TAGS_REMOVE && r->tags.n > before && !outside) {
        ts_edit *e = ts_edit_delete(r->out, &artifacts_rules[R_SOUND_TAG], seg);
        if (e) e->message = "nothing but sound tags (--sound-tags remove)";
        r->gone[seg] = 1;
        r->tags.n = before;
    }
}

static double secs(const ts_timecode *tc) { return ts_tc_seconds(tc); }

static void fmt_tc(const ts_timecode *tc, char out[TS_TC_TEXT_MAX]) { ts_tc_format(tc, out); }

typedef struct {
    double start;
    size_t k;      /* position among the segments that stay */
} mover;

static int cmp_mover(const void *pa, const void *pb)
{
    const mover *a = pa, *b = pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* Sorting by start time in one round: the longest run of segments that
 * is already in order stays where it is; every other segment moves to just
 * before the first of those that starts later (equal starts keep their
 * order).  Returns 1 when it proposed moves, 0 when none were needed, -1
 * on allocation failure. */
static int plan_sort(run_ctx *r)
{
    const ts_transcript *t = r->t;
    size_t m = 0, len = 0, nm = 0;
    int rc = -1;
    size_t *idx = malloc((t->n ? t->n : 1) * sizeof *idx);
    double *x = malloc((t->n ? t->n : 1) * sizeof *x);
    size_t *tails = malloc((t->n + 1) * sizeof *tails);
    size_t *prev = malloc((t->n ? t->n : 1) * sizeof *prev);
    uint8_t *stay = calloc(t->n ? t->n : 1, 1);
    mover *mv = malloc((t->n ? t->n : 1) * sizeof *mv);
    double *sx = malloc((t->n ? t->n : 1) * sizeof *sx);
    size_t *sidx = malloc((t->n ? t->n : 1) * sizeof *sidx);
    if (!idx || !x || !tails || !prev || !stay || !mv || !sx || !sidx) goto out;
    int disorder = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (r->gone[i]) continue;
        if (t->segs[i].start.kind == TS_TC_NONE) { rc = 0; goto out; }
        idx[m] = i;
        x[m] = secs(&t->segs[i].start);
        if (m > 0 && x[m] < x[m - 1]) disorder = 1;
        m++;
    }
    if (!disorder) { rc = 0; goto out; }
    /* Longest non-decreasing subsequence, patience style. */
    for (size_t k = 0; k < m; k++) {
        size_t lo = 0, hi = len;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (x[tails[mid]] <= x[k]) lo = mid + 1;
            else hi = mid;
        }
        prev[k] = lo > 0 ? tails[lo - 1] : SIZE_MAX;
        tails[lo] = k;
        if (lo == len) len++;
    }
    for (size_t k = tails[len - 1];; k = prev[k]) {
        stay[k] = 1;
        if (prev[k] == SIZE_MAX) break;
    }
    size_t ns = 0;
    for (size_t k = 0; k < m; k++) {
        if (stay[k]) {
            sx[ns] = x[k];
            sidx[ns++] = idx[k];
        } else if (!r->busy[idx[k]]) {
            mv[nm++] = (mover){x[k], k};
        }
    }
    /* Moves to one place land in the order proposed: by time. */
    qsort(mv, nm, sizeof *mv, cmp_mover);
    for (size_t i = 0; i < nm; i++) {
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sx[mid] <= mv[i].start) lo = mid + 1;
            else hi = mid;
        }
        size_t seg = idx[mv[i].k], to = lo < ns ? sidx[lo] : t->n;
        char tc[TS_TC_TEXT_MAX];
        fmt_tc(&t->segs[seg].start, tc);
        ts_edit *e = ts_edit_move_before(r->out, &artifacts_rules[R_OUT_OF_ORDER], (uint32_t)seg,
                                         (uint32_t)to);
        if (e) e->message = ts_edit_message(r->out, "segment starting at %s moved to its place in time", tc);
        r->busy[seg] = 1;
        if (to < t->n) r->busy[to] = 1;
    }
    rc = (int)(nm > 0);
out:
    free(idx);
    free(x);
    free(tails);
    free(prev);
    free(stay);
    free(mv);
    free(sx);
    free(sidx);
    return rc;
}

/* Timing checks between each staying segment and the next staying one. */
/* Characters a reader reads: subtitle markup (<i>, <v Name>, {\an8})
 * does not count. */
static size_t visible_chars(const char *p, size_t n)
{
    size_t count = 0;
    char close = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (close) {
            if (c == (unsigned char)close) close = 0;
            continue;
        }
        if (c == '<' || (c == '{' && i + 1 < n && p[i + 1] == '\\')) {
            close = c == '<' ? '>' : '}';
            continue;
        }
        if ((c & 0xC0) != 0x80) count++;
    }
    return count;
}

static void check_timing(run_ctx *r)
{
    const ts_transcript *t = r->t;
    const art_state *st = r->st;
    ts_edit_list *out = r->out;
    const char *fmt = ts_transcript_format(t);
    int cps_on = st->max_cps_set ? st->max_cps > 0
                                 : (fmt && (!strcmp(fmt, "srt") || !strcmp(fmt, "vtt") ||
                                            !strcmp(fmt, "webvtt")));
    uint8_t *busy = r->busy;
    memcpy(busy, r->gone, t->n);
    if (st->sort_timing) {
        int moved = plan_sort(r);
        if (moved < 0) {
            out->failed = true;
            return;
        }
        if (moved) return; /* the other checks look at the sorted transcript next round */
    }
    size_t i = 0;
    while (i < t->n && r->gone[i]) i++;
    while (i < t->n) {
        size_t j = i + 1;
        while (j < t->n && r->gone[j]) j++;
        const ts_segment *a = &t->segs[i];
        if (a->start.kind == TS_TC_NONE || a->end.kind == TS_TC_NONE) return;
        if (a->flags & TS_SEG_END_GUESSED) { /* no duration to judge */
            i = j;
            continue;
        }
        double a0 = secs(&a->start), a1 = secs(&a->end);
        char x[TS_TC_TEXT_MAX], y[TS_TC_TEXT_MAX];
        if (a1 < a0) {
            ts_edit *e = ts_edit_report(out, &artifacts_rules[R_END_BEFORE_START], (uint32_t)i, 0, 0);
            fmt_tc(&a->start, x);
            fmt_tc(&a->end, y);
            if (e) e->message = ts_edit_message(out, "segment ends (%s) before it starts (%s)", y, x);
        } else if (a1 == a0) {
            ts_edit *e = ts_edit_report(out, &artifacts_rules[R_ZERO_DURATION], (uint32_t)i, 0, 0);
            fmt_tc(&a->start, x);
            if (e) e->message = ts_edit_message(out, "segment starts and ends at %s", x);
        } else if (cps_on && st->max_cps > 0) {
            size_t chars = visible_chars(a->text, a->text_len);
            double cps = (double)chars / (a1 - a0);
            if (cps > st->max_cps) {
                ts_edit *e = ts_edit_report(out, &artifacts_rules[R_READING_SPEED], (uint32_t)i, 0, 0);
                if (e) e->message = ts_edit_message(out, "%.1f characters per second (limit %g)",
                                                    cps, st->max_cps);
            }
        }
        if (st->min_duration > 0 && a1 >= a0 && a1 - a0 < st->min_duration && !busy[i]) {
            /* Merge into a neighbour of the same speaker: the previous one
             * if it stays, else the next. */
            size_t p = i;
            while (p > 0 && r->gone[p - 1]) p--;
            int done = 0;
            if (p > 0 && p == i && !busy[i - 1] && same_speaker(&t->segs[i - 1], a) &&
                secs(&t->segs[i - 1].start) <= a0) {
                ts_edit *e = ts_edit_merge_next(out, &artifacts_rules[R_SHORT_SEGMENT], (uint32_t)(i - 1));
                if (e) e->message = ts_edit_message(out, "%.2f s segment merged into the previous one of the same speaker", a1 - a0);
                busy[i - 1] = busy[i] = 1;
                done = 1;
            } else if (j == i + 1 && j < t->n && !busy[j] && same_speaker(&t->segs[j], a) &&
                       secs(&t->segs[j].start) >= a0) {
                ts_edit *e = ts_edit_merge_next(out, &artifacts_rules[R_SHORT_SEGMENT], (uint32_t)i);
                if (e) e->message = ts_edit_message(out, "%.2f s segment merged with the next one of the same speaker", a1 - a0);
                busy[i] = busy[j] = 1;
                done = 1;
            }
            if (!done) {
                ts_edit *e = ts_edit_report(out, &artifacts_rules[R_SHORT_SEGMENT], (uint32_t)i, 0, 0);
                if (e) e->message = ts_edit_message(out, "%.2f s segment (minimum %g s) has no neighbour of the same speaker to merge into", a1 - a0, st->min_duration);
            }
        }
        if (j >= t->n) break;
        const ts_segment *b = &t->segs[j];
        if (b->start.kind == TS_TC_NONE) return;
        double b0 = secs(&b->start);
        if (b0 < a0) {
            if (!st->sort_timing) { /* sorting left this pair for the next round */
                ts_edit *e = ts_edit_report(out, &artifacts_rules[R_OUT_OF_ORDER], (uint32_t)j, 0, 0);
                fmt_tc(&b->start, x);
                fmt_tc(&a->start, y);
                if (e) e->message = ts_edit_message(out, "segment starts (%s) before the previous one (%s)", x, y);
            }
        } else if (a1 > b0) {
            int same = same_speaker(a, b);
            fmt_tc(&b->start, x);
            if (same && st->clip_overlaps && b0 > a0 && !busy[i]) {
                ts_timecode end = b->start;
                if (end.kind != a->end.kind || end.fps != a->end.fps || end.drop != a->end.drop)
                    end = ts_tc_from_seconds(b0, &a->end);
                ts_edit *e = ts_edit_timing(out, &artifacts_rules[R_OVERLAP], (uint32_t)i, NULL, &end);
                if (e) e->message = ts_edit_message(out, "end clipped to where the next segment of the same speaker starts (%s)", x);
                busy[i] = 1;
            } else {
                ts_edit *e = ts_edit_report(out, &artifacts_rules[same ? R_OVERLAP : R_CROSSTALK], (uint32_t)i, 0, 0);
                if (e) e->message = ts_edit_message(out, "segment runs %.2f s into the next one%s, which starts at %s",
                                                    a1 - b0, same ? " of the same speaker" : "", x);
            }
        } else if (st->max_gap > 0 && b0 - a1 > st->max_gap) {
            ts_edit *e = ts_edit_report(out, &artifacts_rules[R_GAP], (uint32_t)i, 0, 0);
            fmt_tc(&a->end, x);
            fmt_tc(&b->start, y);
            if (e) e->message = ts_edit_message(out, "%.1f s without speech after this segment (%s to %s)", b0 - a1, x, y);
        }
        i = j;
    }
}

/* Proposes the house style for every tag found, once the whole transcript
 * has been seen (keep mode follows the style the file uses most). */
static void emit_tags(run_ctx *r)
{
    const art_state *st = r->st;
    int delim = D_SQUARE, cs = C_LOWER;
    if (st->tags_mode == TAGS_KEEP) {
        /* The lines pass capitalises a tag that starts a sentence, so a
         * capitalised tag there says nothing about the file's style. */
        size_t nd[D_COUNT] = {0}, nc[C_COUNT] = {0};
        for (size_t i = 0; i < r->tags.n; i++) {
            const tag *tg = &r->tags.v[i];
            nd[tg->delim]++;
            if (tg->delim != D_NOTES && !(capped_by_lines(tg) && tg->casing == C_CAPITAL))
                nc[tg->casing]++;
        }
        /* Notes alone are a consistent style; ties go to square brackets,
         * then to lower case. */
        if (nd[D_NOTES] == r->tags.n) return;
        for (int d = D_PAREN; d < D_NOTES; d++)
            if (nd[d] > nd[delim]) delim = d;
        for (int c = C_CAPITAL; c < C_OTHER; c++)
            if (nc[c] > nc[cs]) cs = c;
        if (nc[C_LOWER] + nc[C_CAPITAL] + nc[C_UPPER] == 0) cs = C_OTHER; /* keep each tag's case */
    }
    for (size_t i = 0; i < r->tags.n; i++) {
        const tag *tg = &r->tags.v[i];
        if (r->busy[tg->seg]) continue; /* dropped or merged: next round */
        const ts_segment *s = &r->t->segs[tg->seg];
        if (st->tags_mode == TAGS_REMOVE) {
            uint32_t a = tg->start, b = tg->end;
            if (b < s->text_len && s->text[b] == ' ') b++;
            else if (a > 0 && s->text[a - 1] == ' ') a--;
            /* The word that now starts the sentence gets its capital, as
             * the lines pass would give it. */
            char cap[8];
            size_t cap_len = 0;
            uint32_t w = b;
            while (w < s->text_len && w - b < 6 &&
                   (s->text[w] == '"' || s->text[w] == '(' || s->text[w] == '['))
                w++;
            if (tg->lead_chain && w < s->text_len && s->text[w] >= 'a' && s->text[w] <= 'z' &&
                !(i + 1 < r->tags.n && r->tags.v[i + 1].seg == tg->seg &&
                  r->tags.v[i + 1].start <= w)) {
                uint32_t k = w;
                while (k < s->text_len && s->text[k] >= 'a' && s->text[k] <= 'z') k++;
                if (k == s->text_len || s->text[k] == ' ' || s->text[k] == ',' ||
                    ((s->text[k] == '.' || s->text[k] == '!' || s->text[k] == '?') &&
                     (k + 1 == s->text_len || s->text[k + 1] == ' '))) {
                    memcpy(cap, s->text + b, w - b);
                    cap[w - b] = (char)(s->text[w] - 32);
                    cap_len = w - b + 1;
                    b = w + 1;
                }
            }
            ts_edit *e = ts_edit_replace(r->out, &artifacts_rules[R_SOUND_TAG], tg->seg, a, b, cap, cap_len);
            if (e) e->message = cap_len ? "sound tag removed (--sound-tags remove), next word capitalised"
                                        : "sound tag removed (--sound-tags remove)";
            continue;
        }
        int tcs = cs == C_OTHER ? tg->casing : cs;
        /* Keep mode keeps emphasis inside brackets; the bracket style has none. */
        char emph = st->tags_mode == TAGS_KEEP && delim != D_STAR ? tg->emph : 0;
        if (tg->delim == delim && tg->emph == emph &&
            (tg->casing == tcs || tcs == C_OTHER ||
             (tcs == C_LOWER && tg->casing == C_CAPITAL && capped_by_lines(tg))))
            continue;
        /* What is written here starts a sentence with "[" or "(" and a
         * letter: the lines pass would capitalise it. */
        if (tcs == C_LOWER && tg->lead && delim != D_STAR && !emph) tcs = C_CAPITAL;
        size_t len;
        char *rep = render_tag(r->out, s->text, tg, delim, tcs, emph, &len);
        if (!rep) return;
        if (len == tg->end - tg->start && !memcmp(rep, s->text + tg->start, len)) continue;
        ts_edit *e = ts_edit_replace(r->out, &artifacts_rules[R_SOUND_TAG], tg->seg, tg->start,
                                     tg->end, rep, len);
        if (e) e->message = st->tags_mode == TAGS_KEEP
                                ? "sound tag written in the style the file uses most"
                                : "sound tag written as [lowercase] (--sound-tags bracket; a capital where it starts a sentence)";
    }
}

/* Start of the silent tail: the last segments that are nothing but credit
 * or outro lines, sound tags or blanks. */
static int find_tail(run_ctx *r, norm *b)
{
    const ts_transcript *t = r->t;
    size_t i = t->n;
    while (i > 0) {
        const ts_segment *s = &t->segs[i - 1];
        if (normalise(b, s->text, s->text_len, 0)) return -1;
        const phrase *ph;
        size_t at;
        int artifact = b->n == 0 || match_credit(r->st, b, &ph, &at) == CREDIT_WHOLE;
        if (!artifact) {
            size_t before = r->tags.n;
            int outside = 1;
            if (find_tags(&r->tags, (uint32_t)(i - 1), s->text, s->text_len, &outside)) return -1;
            artifact = r->tags.n > before && !outside;
            r->tags.n = before;
        }
        if (!artifact) break;
        i--;
    }
    r->tail_from = i;
    return 0;
}

static ts_status run_artifacts(ts_context *ctx, void *state, const ts_transcript *t,
                               const uint8_t *only, ts_edit_list *out)
{
    (void)only;
    ts_status rc = TS_ERR_NOMEM;
    run_ctx r = {ctx, state, t, out, NULL, NULL, {0}, 0};
    norm nb[2] = {{0}, {0}};
    r.gone = calloc(t->n ? t->n : 1, 1);
    r.busy = calloc(t->n ? t->n : 1, 1);
    if (!r.gone || !r.busy || find_tail(&r, &nb[0])) goto out;

    /* Loops first: a segment dropped as a repeat gets nothing else.
     * eq[i]: segment i says what segment i - 1 said. */
    uint8_t *eq = calloc(t->n ? t->n : 1, 1);
    if (!eq) goto out;
    for (size_t i = 1; i < t->n; i++) {
        const ts_segment *a = &t->segs[i - 1], *b = &t->segs[i];
        if (!same_speaker(a, b) || !maybe_equal(a->text, a->text_len, b->text, b->text_len))
            continue;
        if (normalise(&nb[0], a->text, a->text_len, 0) ||
            normalise(&nb[1], b->text, b->text_len, 0)) {
            free(eq);
            goto out;
        }
        eq[i] = nb[0].n > 0 && nb[0].n == nb[1].n && !memcmp(nb[0].s, nb[1].s, nb[0].n);
    }
    for (size_t a = 0; a < t->n;) {
        size_t b = a + 1;
        while (b < t->n && eq[b]) b++;
        if (b - a >= LOOP_MIN) {
            const ts_segment *s = &t->segs[a];
            if (normalise(&nb[0], s->text, s->text_len, 0)) {
                free(eq);
                goto out;
            }
            /* Two or three "Yeah." in a row are listeners nodding along. */
            if (b - a >= (count_words(&nb[0]) <= 2 ? LOOP_MIN_SHORT : LOOP_MIN)) {
                for (size_t j = a + 1; j < b; j++) {
                    ts_edit *e = ts_edit_delete(out, &artifacts_rules[R_REPEAT_LOOP], (uint32_t)j);
                    if (e) e->message = ts_edit_message(out, "repetition loop (%zu equal segments in a row)", b - a);
                    r.gone[j] = 1;
                }
            }
        }
        a = b;
    }
    free(eq);

    for (size_t j = 0; j < t->n && !out->failed; j++) {
        if (r.gone[j]) continue;
        const ts_segment *s = &t->segs[j];
        if (is_blank_text(s->text, s->text_len)) {
            ts_edit *e = ts_edit_delete(out, &artifacts_rules[R_EMPTY_SEGMENT], (uint32_t)j);
            if (e) e->message = "no text";
            r.gone[j] = 1;
            continue;
        }
        check_segment(&r, (uint32_t)j, &nb[0]);
    }
    if (out->failed) goto out;
    check_timing(&r);
    emit_tags(&r);
    rc = out->failed ? TS_ERR_NOMEM : TS_OK;
out:
    norm_free(&nb[0]);
    norm_free(&nb[1]);
    free(r.tags.v);
    free(r.gone);
    free(r.busy);
    return rc;
}

const ts_pass ts_pass_artifacts = {
    .info = {"artifacts", "repetition loops, credit lines, sound tags, empty segments, timing",
             true, artifacts_rules, R_COUNT},
    .segment_local = false,
    .state_new = state_new,
    .state_free = state_free,
    .run = run_artifacts,
};
