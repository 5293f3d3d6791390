/*
 * pass_lines.c - broken lines, spacing and sentence capitals.
 *
 * ASR exports hard-wrap text and editors' exports keep the wrap; the pass
 * joins a segment's lines into one paragraph.  A word hyphenated across a
 * line break is joined only when hunspell knows the joined word
 * ("aggres-/sive"), otherwise the hyphen stays and only the break goes
 * ("well-/known" -> "well-known").  Spacing: runs of blanks become one
 * space, blanks at the ends of a segment go, no blank before , . ; : ? !
 * (".NET", ":)" and " ..." are left alone).  ".." becomes "." while "..."
 * stays.  The first letter of a segment and of a sentence after . ? ! is
 * capitalised, except after an ellipsis or an abbreviation
 * (dictionaries/abbreviations.txt, plus any dotted form like "e.g."), and
 * never for a word that is a URL, an e-mail address, or mixed-case like
 * "iPhone".  Each behaviour is its own rule.  All edits stay inside one
 * segment, so later rounds only revisit segments that changed.
 */
#include <string.h>
#include <strings.h>

#include "context.h"
#include "pass.h"
#include "spell.h"
#include "utf8.h"

enum {
    R_JOIN_WRAPPED,
    R_JOIN_HYPHENATED,
    R_COLLAPSE_SPACES,
    R_TRIM,
    R_SPACE_BEFORE_PUNCT,
    R_DOUBLE_PERIOD,
    R_CAPITALIZE_SEGMENT,
    R_CAPITALIZE_SENTENCE,
    R_COUNT
};

static const ts_rule_info lines_rules[R_COUNT] = {
    [R_JOIN_WRAPPED] = {"lines/join-wrapped", "hard-wrapped line joined into its paragraph", TS_SEV_INFO},
    [R_JOIN_HYPHENATED] = {"lines/join-hyphenated", "word hyphenated across a line break joined", TS_SEV_INFO},
    [R_COLLAPSE_SPACES] = {"lines/collapse-spaces", "run of blanks collapsed to one space", TS_SEV_INFO},
    [R_TRIM] = {"lines/trim", "blanks at the start or end of a segment removed", TS_SEV_INFO},
    [R_SPACE_BEFORE_PUNCT] = {"lines/space-before-punct", "space before punctuation removed", TS_SEV_WARNING},
    [R_DOUBLE_PERIOD] = {"lines/double-period", "'..' reduced to '.'", TS_SEV_WARNING},
    [R_CAPITALIZE_SEGMENT] = {"lines/capitalize-segment", "first letter of the segment capitalised", TS_SEV_WARNING},
    [R_CAPITALIZE_SENTENCE] = {"lines/capitalize-sentence", "first letter of a sentence capitalised", TS_SEV_WARNING},
};

static const struct {
    const char *word;
    size_t len;
} abbreviations[] = {
#include "abbreviations.inc"
};

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_punct(char c) { return c == ',' || c == '.' || c == ';' || c == ':' || c == '?' || c == '!'; }
static int is_ascii_alpha(char c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int is_closer(char c) { return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}'; }

/* Code point before byte offset i (or -1 at the start). */
static int32_t cp_before(const char *p, size_t i)
{
    if (i == 0) return -1;
    size_t k = ts_utf8_prev(p, i), l;
    return ts_utf8_decode(p + k, i - k, &l);
}

static int32_t cp_at(const char *p, size_t n, size_t i, size_t *len)
{
    if (i >= n) { *len = 0; return -1; }
    return ts_utf8_decode(p + i, n - i, len);
}

/* End of the non-blank word starting at i. */
static size_t word_end(const char *p, size_t n, size_t i)
{
    while (i < n && !is_blank(p[i])) i++;
    return i;
}

static size_t word_start(const char *p, size_t i)
{
    while (i > 0 && !is_blank(p[i - 1])) i--;
    return i;
}

/* A word that must keep its case: URL, e-mail, mixed case (iPhone, eBay). */
static int keep_case(const char *p, size_t s, size_t e)
{
    size_t len;
    if (memchr(p + s, '@', e - s)) return 1;
    if (e - s >= 4 && strncasecmp(p + s, "www.", 4) == 0) return 1;
    for (size_t i = s; i + 2 < e; i++)
        if (p[i] == ':' && p[i + 1] == '/' && p[i + 2] == '/') return 1;
    size_t i = s;
    cp_at(p, e, i, &len);
    for (i += len; i < e; i += len) {
        int32_t c = cp_at(p, e, i, &len);
        if (len == 0) break;
        if (ts_cp_is_upper(c)) return 1;
        if (p[i] == '.' && i + 1 < e && !is_closer(p[i + 1]) && !is_punct(p[i + 1])) return 1; /* node.js */
    }
    return 0;
}

/* The word ending with the '.' at `dot` is an abbreviation. */
static int is_abbreviation(const char *p, size_t dot)
{
    size_t s = word_start(p, dot);
    while (s < dot && !ts_cp_is_alnum((unsigned char)p[s]) && (unsigned char)p[s] < 0x80) s++;
    if (memchr(p + s, '.', dot - s)) return 1; /* e.g. i.e. U.S. */
    size_t n = dot - s;
    for (size_t k = 0; k < sizeof abbreviations / sizeof abbreviations[0]; k++)
        if (abbreviations[k].len == n && (abbreviations[k].word[0] | 0x20) == (p[s] | 0x20) &&
            strncasecmp(abbreviations[k].word, p + s, n) == 0)
            return 1;
    return 0;
}

/* Proposes upper-casing the letter at i when it starts a word that may be
 * capitalised. */
static void capitalize_at(ts_edit_list *out, uint32_t seg, const char *p, size_t n, size_t i,
                          int rule)
{
    size_t len;
    int32_t c = cp_at(p, n, i, &len);
    if (!ts_cp_is_lower(c)) return;
    if (keep_case(p, i, word_end(p, n, i))) return;
    int32_t u = ts_cp_toupper(c);
    char enc[4];
    size_t el = ts_utf8_encode(u, enc);
    if (u == c || el == 0) return;
    ts_edit_replace(out, &lines_rules[rule], seg, (uint32_t)i, (uint32_t)(i + len), enc, el);
}

/* Is the '.', '?' or '!' at i a sentence end? */
static int sentence_end(const char *p, size_t n, size_t i)
{
    if (p[i] == '?' || p[i] == '!') return 1;
    if (p[i] != '.') return 0;
    if ((i > 0 && p[i - 1] == '.') || (i + 1 < n && p[i + 1] == '.')) return 0; /* ... trail */
    if (i == 0 || is_blank(p[i - 1])) return 0;
    return !is_abbreviation(p, i);
}

static void join_break(ts_context *ctx, ts_edit_list *out, uint32_t seg, const char *p, size_t n,
                       size_t a, size_t b)
{
    /* "word-" <break> "word": a hyphenated word, or a compound. */
    if (a >= 2 && p[a - 1] == '-' && is_ascii_alpha(p[a - 2]) && b < n && is_ascii_alpha(p[b])) {
        size_t ws = a - 1;
        while (ws > 0 && is_ascii_alpha(p[ws - 1])) ws--;
        size_t we = b;
        while (we < n && is_ascii_alpha(p[we])) we++;
        if (ws == 0 || is_blank(p[ws - 1])) {
            char joined[128];
            size_t l1 = a - 1 - ws, l2 = we - b;
            struct ts_speller *sp = l1 + l2 < sizeof joined ? ts_context_speller(ctx) : NULL;
            if (sp) {
                memcpy(joined, p + ws, l1);
                memcpy(joined + l1, p + b, l2);
                if (ts_speller_check(sp, joined, l1 + l2)) {
                    ts_edit *e = ts_edit_replace(out, &lines_rules[R_JOIN_HYPHENATED], seg,
                                                 (uint32_t)(a - 1), (uint32_t)b, "", 0);
                    if (e) e->message = ts_edit_message(out, "'%.*s' joined across a line break",
                                                        (int)(l1 + l2), joined);
                    return;
                }
            }
            ts_edit *e = ts_edit_replace(out, &lines_rules[R_JOIN_WRAPPED], seg, (uint32_t)a,
                                         (uint32_t)b, "", 0);
            if (e) e->message = "hard-wrapped line joined (hyphenated compound kept)";
            return;
        }
    }
    ts_edit_replace(out, &lines_rules[R_JOIN_WRAPPED], seg, (uint32_t)a, (uint32_t)b, " ", 1);
}

/* Would removing the blanks before the punctuation at b be right? */
static int drop_space_before(const char *p, size_t n, size_t b)
{
    if (b >= n || !is_punct(p[b])) return 0;
    char c = p[b], next = b + 1 < n ? p[b + 1] : ' ';
    if (c == '.' && next == '.') return 0;                    /* " ..." */
    if (c == ':' && !is_blank(next)) return 0;                /* " :)", " :D" */
    if ((c == '.' || c == ',') && !is_blank(next) && !is_punct(next) && !is_closer(next))
        return 0;                                             /* ".NET", " ,5" */
    return 1;
}

static void lint_segment(ts_context *ctx, ts_edit_list *out, uint32_t seg, const char *p, size_t n)
{
    if (n == 0) return;
    size_t s = 0, e = n;
    while (s < n && is_blank(p[s])) s++;
    while (e > s && is_blank(p[e - 1])) e--;
    if (s > 0) ts_edit_replace(out, &lines_rules[R_TRIM], seg, 0, (uint32_t)s, "", 0);
    if (e < n) ts_edit_replace(out, &lines_rules[R_TRIM], seg, (uint32_t)e, (uint32_t)n, "", 0);
    if (s == e) return;

    /* Segment start: skip opening quotes and brackets. */
    size_t first = s;
    while (first < e && (p[first] == '"' || p[first] == '\'' || p[first] == '(' || p[first] == '['))
        first++;
    if (!(first + 2 < e && p[first] == '.' && p[first + 1] == '.'))
        capitalize_at(out, seg, p, e, first, R_CAPITALIZE_SEGMENT);

    /* Bytes where a rule can start; the scan skips everything else. */
    static const uint8_t interesting[256] = {
        [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['.'] = 1, ['?'] = 1, ['!'] = 1,
    };
    for (size_t i = s; i < e; i++) {
        while (i < e && !interesting[(unsigned char)p[i]]) i++;
        if (i >= e) break;
        char c = p[i];
        /* The common case: one space between two words. */
        if (c == ' ' && i + 1 < e && !is_blank(p[i + 1]) && !is_punct(p[i + 1])) continue;
        if (is_blank(c)) {
            size_t a = i, b = i;
            int newline = 0, other = 0;
            while (b < e && is_blank(p[b])) {
                if (p[b] == '\n') newline = 1;
                else if (p[b] != ' ') other = 1;
                b++;
            }
            if (newline) join_break(ctx, out, seg, p, e, a, b);
            else if (drop_space_before(p, e, b))
                ts_edit_replace(out, &lines_rules[R_SPACE_BEFORE_PUNCT], seg, (uint32_t)a,
                                (uint32_t)b, "", 0);
            else if (b - a > 1 || other)
                ts_edit_replace(out, &lines_rules[R_COLLAPSE_SPACES], seg, (uint32_t)a,
                                (uint32_t)b, " ", 1);
            i = b - 1;
            continue;
        }
        if (c == '.' && i + 1 < e && p[i + 1] == '.' && (i + 2 >= e || p[i + 2] != '.') &&
            (i == s || p[i - 1] != '.')) {
            int32_t before = cp_before(p, i);
            char after = i + 2 < e ? p[i + 2] : ' ';
            if (i > s && (ts_cp_is_alnum(before) || is_closer((char)before)) &&
                (is_blank(after) || is_closer(after)))
                ts_edit_replace(out, &lines_rules[R_DOUBLE_PERIOD], seg, (uint32_t)(i + 1),
                                (uint32_t)(i + 2), "", 0);
            i++;
            continue;
        }
        if ((c == '.' || c == '?' || c == '!') && sentence_end(p, e, i)) {
            size_t k = i + 1;
            while (k < e && (is_closer(p[k]) || p[k] == '?' || p[k] == '!')) k++;
            size_t j = k;
            while (j < e && is_blank(p[j])) j++;
            while (j < e && j > k && (p[j] == '"' || p[j] == '(' || p[j] == '[')) j++;
            if (j > k && j < e) capitalize_at(out, seg, p, e, j, R_CAPITALIZE_SENTENCE);
        }
    }
}

static ts_status run_lines(ts_context *ctx, void *state, const ts_transcript *t,
                           const uint8_t *only, ts_edit_list *out)
{
    (void)state;
    for (size_t i = 0; i < t->n; i++) {
        if (only && !only[i]) continue;
        lint_segment(ctx, out, (uint32_t)i, t->segs[i].text, t->segs[i].text_len);
        if (out->failed) return TS_ERR_NOMEM;
    }
    return TS_OK;
}

const ts_pass ts_pass_lines = {
    .info = {"lines", "broken lines, spacing and sentence capitals", true, lines_rules, R_COUNT},
    .segment_local = true,
    .run = run_lines,
};
