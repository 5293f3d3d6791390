/*
 * pass_encoding.c - the first pass: text that went through the wrong
 * character encoding, and characters nobody meant to type.
 *
 * Per segment, the stages below run in this order and a round proposes the
 * edits of the first stage that finds anything (the engine re-runs the pass
 * on changed segments, so the stages follow one another):
 *   html-entity      "&amp;", "&#39;", "&rsquo;" -> characters, in formats
 *                    that are not XML and in segments without a '<'
 *                    (option html-entities=auto|on|off)
 *   terminal-escape  ANSI escape sequences removed
 *   <code page>      mojibake undone (see mojibake.c for the heuristic); the
 *                    rule is named after the code page of the first layer:
 *                    encoding/cp1252, encoding/macroman, ...; encoding/mixed
 *                    when only some runs of a line were damaged, and
 *                    encoding/c1-controls for C1 controls alone
 *   invisible        U+FEFF, zero-width spaces, other invisible format
 *                    characters and C0 controls removed; ZWJ and ZWNJ are
 *                    kept between two characters that can join (emoji,
 *                    Indic and Arabic letters)
 *   nfc              Unicode NFC (utf8proc)
 *   opt-in, off by default: ligatures (ﬁ -> fi), fullwidth (Ａ -> A),
 *   straighten-quotes (’ -> '), consistent-quotes (the quote style that
 *   dominates the document wins).
 * Bytes the reader found not to be UTF-8 (read as Windows-1252) are
 * reported at their position as encoding/invalid-byte.
 *
 * Fast path: a segment of printable ASCII without '&' has nothing any
 * default stage could change and costs one scan of eight bytes at a time.
 * Lead bytes of U+0300 and above are looked at (for the invisible and NFC
 * stages) only when the stages before those proposed nothing.  The edits
 * of a one-line repair that leaves nothing for any stage are marked as
 * settling the segment, so the engine does not run the pass on it again
 * only to find that out.  Memory is proportional to the longest segment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "context.h"
#include "entities.h"
#include "mojibake.h"
#include "pass.h"
#include "utf8.h"

enum {
    R_LATIN1,
    R_CP1252,
    R_CP1251,
    R_CP1250,
    R_CP1253,
    R_CP1254,
    R_CP1257,
    R_ISO8859_2,
    R_MACROMAN,
    R_CP437,
    R_MIXED,
    R_C1,
    R_INVALID_BYTE,
    R_HTML_ENTITY,
    R_TERMINAL_ESCAPE,
    R_INVISIBLE,
    R_NFC,
    R_LIGATURES,
    R_FULLWIDTH,
    R_STRAIGHTEN_QUOTES,
    R_CONSISTENT_QUOTES,
    R_COUNT
};

static const ts_rule_info encoding_rules[R_COUNT] = {
    [R_LATIN1] = {"encoding/latin1", "UTF-8 that was read as Latin-1 decoded again", TS_SEV_WARNING},
    [R_CP1252] = {"encoding/cp1252", "UTF-8 that was read as Windows-1252 decoded again", TS_SEV_WARNING},
    [R_CP1251] = {"encoding/cp1251", "UTF-8 that was read as Windows-1251 decoded again", TS_SEV_WARNING},
    [R_CP1250] = {"encoding/cp1250", "UTF-8 that was read as Windows-1250 decoded again", TS_SEV_WARNING},
    [R_CP1253] = {"encoding/cp1253", "UTF-8 that was read as Windows-1253 decoded again", TS_SEV_WARNING},
    [R_CP1254] = {"encoding/cp1254", "UTF-8 that was read as Windows-1254 decoded again", TS_SEV_WARNING},
    [R_CP1257] = {"encoding/cp1257", "UTF-8 that was read as Windows-1257 decoded again", TS_SEV_WARNING},
    [R_ISO8859_2] = {"encoding/iso-8859-2", "UTF-8 that was read as ISO-8859-2 decoded again", TS_SEV_WARNING},
    [R_MACROMAN] = {"encoding/macroman", "UTF-8 that was read as MacRoman decoded again", TS_SEV_WARNING},
    [R_CP437] = {"encoding/cp437", "UTF-8 that was read as CP437 decoded again", TS_SEV_WARNING},
    [R_MIXED] = {"encoding/mixed", "mojibake in part of a line decoded again", TS_SEV_WARNING},
    [R_C1] = {"encoding/c1-controls", "C1 control replaced by its Windows-1252 character", TS_SEV_WARNING},
    [R_INVALID_BYTE] = {"encoding/invalid-byte", "byte that is not UTF-8 read as Windows-1252", TS_SEV_WARNING},
    [R_HTML_ENTITY] = {"encoding/html-entity", "HTML character reference decoded", TS_SEV_WARNING},
    [R_TERMINAL_ESCAPE] = {"encoding/terminal-escape", "terminal escape sequence removed", TS_SEV_WARNING},
    [R_INVISIBLE] = {"encoding/invisible", "invisible character removed", TS_SEV_INFO},
    [R_NFC] = {"encoding/nfc", "text normalised to Unicode NFC", TS_SEV_INFO},
    [R_LIGATURES] = {"encoding/ligatures", "Latin ligature split into letters (opt-in: ligatures=1)", TS_SEV_INFO},
    [R_FULLWIDTH] = {"encoding/fullwidth", "fullwidth character made ASCII (opt-in: fullwidth=1)", TS_SEV_INFO},
    [R_STRAIGHTEN_QUOTES] = {"encoding/straighten-quotes", "curly quote straightened (opt-in: straighten-quotes=1)", TS_SEV_INFO},
    [R_CONSISTENT_QUOTES] = {"encoding/consistent-quotes", "quote made consistent with the document (opt-in: consistent-quotes=1)", TS_SEV_INFO},
};

/* What a byte says about the stages that may have work in a segment. */
enum {
    B_AMP = 1,     /* '&': a character reference */
    B_ESC = 2,     /* ESC: a terminal escape sequence */
    B_CTL = 4,     /* a C0 control other than tab, line feeds, or DEL */
    B_HIGH = 8,    /* non-ASCII: mojibake */
    B_NFC = 16,    /* a lead byte of U+0300 and above: NFC */
    B_INVIS = 32,  /* a lead byte of the invisible format characters */
    B_LEADS = 64,  /* lead bytes of U+0300 and above, not looked at yet
                    * (scan_bytes; scan_leads turns them into the two above) */
};

typedef struct {
    ts_mojibake *mb;
    ts_entities *ent;
    const ts_rule_info *cp_rule[16]; /* by code page index */
    uint8_t byte_class[256];         /* B_* bits of each byte */
    /* For the BMP, two bits per code point: 1 NFC may change it
     * (!nfc_safe), 2 it is one of the invisible characters. */
    uint8_t lead_bits[0x10000 / 4];
} enc_state;

static bool nfc_safe(int32_t c);

/* What one run asks for, from the context's options. */
typedef struct {
    bool entities, invisible, nfc, ligatures, fullwidth, straighten, consistent;
    int quote_style;          /* consistent-quotes: 1 straight, 2 curly, 0 none */
} enc_opts;

/* Scratch memory for one run (malloc'd, released at the end). */
typedef struct {
    struct {
        int32_t *v;
        size_t n;
    } cps;                    /* the segment's code points (decode) */
    uint32_t *offs;           /* byte offset of each code point of cps, plus the end */
    size_t cap;               /* of cps.v and offs, in code points */
    ts_buf tmp;
    ts_mojibake_work *mbw;    /* mojibake repairs (made on first use) */
    /* The last "(N layers)" message, in the edit list's arena: lines
     * repaired the same way share it. */
    const ts_rule_info *msg_rule;
    int msg_layers;
    const char *msg;
} scratch;

static ts_status state_new(ts_context *ctx, void **out)
{
    (void)ctx;
    enc_state *s = calloc(1, sizeof *s);
    if (!s) return TS_ERR_NOMEM;
    s->mb = ts_mojibake_new();
    s->ent = ts_entities_new();
    if (!s->mb || !s->ent) {
        ts_mojibake_free(s->mb);
        ts_entities_free(s->ent);
        free(s);
        return TS_ERR_NOMEM;
    }
    for (int b = 0; b < 256; b++) {
        uint8_t k = 0;
        if (b == '&') k |= B_AMP;
        if (b == 0x1B) k |= B_ESC;
        if ((b < 0x20 && b != '\t' && b != '\n' && b != '\f' && b != '\r') || b == 0x7F) k |= B_CTL;
        if (b >= 0x80) k |= B_HIGH;
        if (b >= 0xCC) k |= B_NFC;
        if (b == 0xE1 || b == 0xE2 || b == 0xEF) k |= B_INVIS;
        s->byte_class[b] = k;
    }
    static const int32_t invis[][2] = {{0x180E, 0x180E}, {0x200B, 0x200D}, {0x2060, 0x2060},
                                       {0x206A, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}};
    for (int32_t c = 0; c < 0x10000; c++)
        if (!nfc_safe(c)) s->lead_bits[c >> 2] |= (uint8_t)(1u << ((c & 3) * 2));
    for (size_t k = 0; k < sizeof invis / sizeof invis[0]; k++)
        for (int32_t c = invis[k][0]; c <= invis[k][1]; c++) s->lead_bits[c >> 2] |= (uint8_t)(2u << ((c & 3) * 2));
    for (size_t i = 0; i < ts_mojibake_codepage_count(s->mb) && i < 16; i++) {
        const char *r = ts_mojibake_codepage_rule(s->mb, (int)i);
        s->cp_rule[i] = &encoding_rules[R_MIXED];
        for (int k = R_LATIN1; k <= R_CP437; k++)
            if (strcmp(encoding_rules[k].id + 9, r) == 0) s->cp_rule[i] = &encoding_rules[k];
    }
    *out = s;
    return TS_OK;
}

static void state_free(void *p)
{
    enc_state *s = p;
    if (!s) return;
    ts_mojibake_free(s->mb);
    ts_entities_free(s->ent);
    free(s);
}

static bool opt_off(ts_context *ctx, const char *key)
{
    const char *v = ts_context_option(ctx, key);
    return v && (strcmp(v, "0") == 0 || strcmp(v, "off") == 0 || strcmp(v, "no") == 0 ||
                 strcmp(v, "false") == 0);
}

static bool opt_on(ts_context *ctx, const char *key)
{
    const char *v = ts_context_option(ctx, key);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
                 strcmp(v, "true") == 0);
}

/* ---- helpers ------------------------------------------------------------ */

/* Decodes p[0..n) into sc->cps with byte offsets in sc->offs.  The text
 * is valid UTF-8 (the reader checked), so no validation here. */
static int decode(scratch *sc, const char *p, size_t n)
{
    sc->cps.n = 0;
    if (sc->cap < n + 1) {
        uint32_t *o = realloc(sc->offs, (n + 1) * sizeof *o);
        if (!o) return -1;
        sc->offs = o;
        int32_t *v = realloc(sc->cps.v, (n + 1) * sizeof *v);
        if (!v) return -1;
        sc->cps.v = v;
        sc->cap = n + 1;
    }
    const unsigned char *u = (const unsigned char *)p;
    int32_t *v = sc->cps.v;
    size_t i = 0, k = 0;
    while (i < n) {
        size_t len;
        int32_t cp = ts_utf8_decode_valid(u, n, i, &len);
        sc->offs[k] = (uint32_t)i;
        v[k++] = cp;
        i += len;
    }
    sc->cps.n = k;
    sc->offs[k] = (uint32_t)n;
    return 0;
}

/* UTF-8 of v[0..n) into sc->tmp. */
static int encode(scratch *sc, const int32_t *v, size_t n)
{
    ts_buf_clear(&sc->tmp);
    if (ts_buf_reserve(&sc->tmp, n * 4 + 1)) return -1;
    for (size_t i = 0; i < n; i++)
        sc->tmp.len += ts_utf8_encode(v[i], sc->tmp.data + sc->tmp.len);
    return 0;
}

static ts_edit *replace_cps(ts_edit_list *out, const ts_rule_info *rule, uint32_t seg, scratch *sc,
                            uint32_t base, size_t a, size_t b, const int32_t *repl, size_t rn)
{
    if (encode(sc, repl, rn)) {
        out->failed = true;
        return NULL;
    }
    return ts_edit_replace(out, rule, seg, base + sc->offs[a], base + sc->offs[b], sc->tmp.data,
                           sc->tmp.len);
}

static bool anchor(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool cont_byte(uint8_t c) { return (c & 0xC0) == 0x80; }

/* The first anchor in u[i..n), or n; eight bytes at a time.  For bytes
 * below 0x80, x + (0x80 - lo) has the top bit set when x >= lo and
 * x + (0x7F - hi) when x > hi, without carries between bytes. */
static size_t next_anchor(const uint8_t *u, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        uint64_t x = w & ~high, l = x | (0x20 * ones); /* A-Z as a-z */
        uint64_t digit = (x + (0x80 - '0') * ones) & ~(x + (0x7F - '9') * ones);
        uint64_t alpha = (l + (0x80 - 'a') * ones) & ~(l + (0x7F - 'z') * ones);
        uint64_t hit = (digit | alpha) & ~w & high;
        if (hit) return i + ts_word_first(hit);
    }
    while (i < n && !anchor(u[i])) i++;
    return i;
}

/* The length of the common prefix of a[0..an) and b[0..bn). */
static size_t common_prefix(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) break;
    }
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* Proposes the difference between the UTF-8 texts o[0..on) (at byte
 * `base` of the segment) and f[0..fn) as one edit per changed stretch
 * between ASCII letters and digits, which re-decoding never changes.
 * Stretches the two share are skipped in one comparison: the work starts
 * after the last anchor before the first difference.  Both texts are
 * valid UTF-8, so a prefix or suffix they share ends on the same
 * character boundary on both sides once it is cut back to one.  Returns
 * the edit count. */
static size_t propose_diff(ts_edit_list *out, const ts_rule_info *rule, uint32_t seg, uint32_t base,
                           const uint8_t *o, size_t on, const uint8_t *f, size_t fn, const char *msg)
{
    size_t count = 0, ao = 0, af = 0;
    for (;;) {
        size_t same = common_prefix(o + ao, on - ao, f + af, fn - af);
        if (ao + same == on && af + same == fn) break;
        size_t q = same;
        while (q > 0 && !anchor(o[ao + q - 1])) q--;
        ao += q;
        af += q;
        /* The next anchors at or after ao / af. */
        size_t no = ao + same - q, nf = af + same - q;
        no = next_anchor(o, no, on);
        nf = next_anchor(f, nf, fn);
        bool end_o = no == on, end_f = nf == fn;
        if (end_o != end_f || (!end_o && o[no] != f[nf])) {
            /* The anchors disagree: one edit for everything left. */
            no = on;
            nf = fn;
            end_o = end_f = true;
        }
        size_t a = ao, b = no, x = af, y = nf;
        while (a < b && x < y && o[a] == f[x]) a++, x++;
        while (a > ao && a < on && cont_byte(o[a])) a--, x--;
        while (a < b && x < y && o[b - 1] == f[y - 1]) b--, y--;
        while (b < no && cont_byte(o[b])) b++, y++;
        if (a < b || x < y) {
            ts_edit *e = ts_edit_replace(out, rule, seg, base + (uint32_t)a, base + (uint32_t)b,
                                         (const char *)f + x, y - x);
            if (!e) return count;
            if (msg) e->message = msg;
            count++;
        }
        if (end_o) break;
        ao = no + 1;
        af = nf + 1;
    }
    return count;
}

/* ---- stages ----------------------------------------------------------- */

/* Decodes the reference at q[0..n); "&amp;" followed by the rest of another
 * reference ("&amp;lt;") is decoded to the end, so a second run finds
 * nothing left.  Returns the length consumed. */
static size_t decode_reference(const enc_state *st, const char *q, size_t n, char *buf, size_t *bl)
{
    size_t l = ts_entities_decode(st->ent, q, n, buf, bl);
    while (l && *bl == 1 && buf[0] == '&' && l < n) {
        char cand[48];
        size_t cl = n - l < sizeof cand - 1 ? n - l : sizeof cand - 1;
        cand[0] = '&';
        memcpy(cand + 1, q + l, cl);
        size_t l2 = ts_entities_decode(st->ent, cand, cl + 1, buf, bl);
        if (!l2) {
            buf[0] = '&';
            *bl = 1;
            break;
        }
        l += l2 - 1;
    }
    return l;
}

static size_t stage_entities(const enc_state *st, ts_edit_list *out, uint32_t seg, const char *p, size_t n)
{
    if (memchr(p, '<', n)) return 0; /* markup: its references are not ours */
    size_t count = 0;
    for (const char *q = p; (q = memchr(q, '&', n - (size_t)(q - p)));) {
        char buf[16];
        size_t bl, l = decode_reference(st, q, n - (size_t)(q - p), buf, &bl);
        if (!l) {
            q++;
            continue;
        }
        uint32_t at = (uint32_t)(q - p);
        ts_edit_replace(out, &encoding_rules[R_HTML_ENTITY], seg, at, at + (uint32_t)l, buf, bl);
        count++;
        q += l;
    }
    return count;
}

/* Length of the escape sequence at p[0..n) (p[0] == ESC). */
static size_t escape_len(const char *p, size_t n)
{
    if (n < 2) return 1;
    size_t i = 2;
    if (p[1] == '[') { /* CSI: parameters, intermediates, a final byte */
        while (i < n && p[i] >= 0x30 && p[i] <= 0x3F) i++;
        while (i < n && p[i] >= 0x20 && p[i] <= 0x2F) i++;
        return i < n && p[i] >= 0x40 && p[i] <= 0x7E ? i + 1 : 1;
    }
    if (p[1] == ']') { /* OSC: up to BEL or ESC \ */
        while (i < n && p[i] != '\a' && !(p[i] == 0x1B && i + 1 < n && p[i + 1] == '\\')) {
            if ((unsigned char)p[i] < 0x20 && p[i] != 0x1B) return 1;
            i++;
        }
        if (i >= n) return 1;
        return p[i] == '\a' ? i + 1 : i + 2;
    }
    if (p[1] >= 0x40 && p[1] <= 0x5F) return 2;
    return 1;
}

static size_t stage_escapes(ts_edit_list *out, uint32_t seg, const char *p, size_t n)
{
    size_t count = 0;
    for (const char *q = p; (q = memchr(q, 0x1B, n - (size_t)(q - p)));) {
        size_t l = escape_len(q, n - (size_t)(q - p));
        if (l < 2) {
            q++;
            continue; /* a lone ESC is left to the invisible stage */
        }
        uint32_t at = (uint32_t)(q - p);
        ts_edit_replace(out, &encoding_rules[R_TERMINAL_ESCAPE], seg, at, at + (uint32_t)l, "", 0);
        count++;
        q += l;
    }
    return count;
}

static unsigned scan_leads(const enc_state *st, const char *p, size_t n);

/* *settles: the segment is one line, and its repair is final and leaves
 * nothing for any default stage, so the next round would propose nothing
 * for it.  A repair only turns non-ASCII into non-ASCII and keeps or drops
 * ASCII, so the repaired text has '&', ESC or a control only if the text
 * had (`need`, its byte scan); its lead bytes are looked at. */
static size_t stage_mojibake(const enc_state *st, ts_edit_list *out, uint32_t seg, scratch *sc,
                             const char *p, size_t n, unsigned need, bool *settles)
{
    size_t count = 0;
    *settles = false;
    for (size_t ls = 0; ls < n;) {
        const char *nl = memchr(p + ls, '\n', n - ls);
        size_t le = nl ? (size_t)(nl - p) : n;
        if (ts_mojibake_is_bad(st->mb, p + ls, le - ls)) {
            if (!sc->mbw && !(sc->mbw = ts_mojibake_work_new())) goto oom;
            const char *fx;
            size_t fxn;
            int first, layers;
            bool done;
            int r = ts_mojibake_fix(st->mb, sc->mbw, p + ls, le - ls, &fx, &fxn, &first, &layers, &done, true);
            if (r < 0) goto oom;
            if (r > 0) {
                *settles = done && ls == 0 && le == n && !(need & (B_AMP | B_ESC | B_CTL)) &&
                           !scan_leads(st, fx, fxn);
                const ts_rule_info *rule = first >= 0 && first < 16 ? st->cp_rule[first]
                                           : first == TS_MB_C1     ? &encoding_rules[R_C1]
                                                                   : &encoding_rules[R_MIXED];
                const char *msg = NULL;
                if (layers > 1) {
                    if (!sc->msg || sc->msg_rule != rule || sc->msg_layers != layers) {
                        sc->msg = ts_edit_message(out, "%s (%d layers)", rule->description, layers);
                        sc->msg_rule = rule;
                        sc->msg_layers = layers;
                    }
                    msg = sc->msg;
                }
                count += propose_diff(out, rule, seg, (uint32_t)ls, (const uint8_t *)p + ls, le - ls,
                                      (const uint8_t *)fx, fxn, msg);
            }
        }
        ls = le + 1;
    }
    return count;
oom:
    out->failed = true;
    return count;
}

static bool joiner_context(int32_t c)
{
    if (c < 0x80 || c == 0xA0) return false;
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_SO || k == UTF8PROC_CATEGORY_SK || (k >= UTF8PROC_CATEGORY_LU &&
           k <= UTF8PROC_CATEGORY_LO) || (k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME) ||
           c == 0xFE0F || (c >= 0x1F3FB && c <= 0x1F3FF);
}

/* Is v[i] a character nobody can see and nobody meant? */
static bool invisible(const int32_t *v, size_t n, size_t i)
{
    int32_t c = v[i];
    if (c < 0x20) return c != '\t' && c != '\n' && c != '\f' && c != '\r';
    if (c == 0x7F) return true;
    switch (c) {
    case 0x200B: case 0x2060: case 0xFEFF: case 0x180E: case 0xFFF9: case 0xFFFA: case 0xFFFB:
        return true;
    case 0x200C: case 0x200D:
        return !(i > 0 && i + 1 < n && joiner_context(v[i - 1]) && joiner_context(v[i + 1]));
    default:
        return c >= 0x206A && c <= 0x206F;
    }
}

static size_t stage_invisible(ts_edit_list *out, uint32_t seg, scratch *sc, const char *p, size_t n)
{
    /* Runs only when the segment's byte scan saw a control or the lead
     * bytes of an invisible character (lead_needs), so no test of its own. */
    if (decode(sc, p, n)) {
        out->failed = true;
        return 0;
    }
    size_t count = 0;
    const int32_t *v = sc->cps.v;
    for (size_t k = 0; k < sc->cps.n; k++) {
        if (!invisible(v, sc->cps.n, k)) continue;
        size_t e = k + 1;
        while (e < sc->cps.n && invisible(v, sc->cps.n, e)) e++;
        ts_edit *ed = ts_edit_replace(out, &encoding_rules[R_INVISIBLE], seg, sc->offs[k], sc->offs[e], "", 0);
        if (ed && e - k == 1) ed->message = ts_edit_message(out, "invisible U+%04X removed", (unsigned)v[k]);
        else if (ed) ed->message = ts_edit_message(out, "%zu invisible characters removed (U+%04X, ...)", e - k,
                                                   (unsigned)v[k]);
        count++;
        k = e - 1;
    }
    return count;
}

/* Can NFC leave c alone whatever surrounds it?  No for combining marks and
 * other characters that compose with the one before them, Hangul vowel and
 * final jamo, and characters with a canonical decomposition outside the
 * blocks of precomposed letters that NFC keeps (singletons such as U+212B
 * ANGSTROM SIGN, composition exclusions). */
static bool nfc_safe(int32_t c)
{
    if (c < 0x300) return true;
    const utf8proc_property_t *pr = utf8proc_get_property(c);
    if (pr->combining_class || pr->comp_exclusion) return false;
    if (pr->comb_index != UINT16_MAX && pr->comb_index >= 0x8000) return false;
    if ((c >= 0x1160 && c <= 0x11FF) || (c >= 0xD7B0 && c <= 0xD7FF)) return false;
    if (pr->decomp_type == 0 && pr->decomp_seqindex != UINT16_MAX)
        return (c >= 0x0388 && c < 0x0500) || (c >= 0x1E00 && c < 0x1F00);
    return true;
}

static bool nfc_safe_cached(const enc_state *st, int32_t c)
{
    if (c < 0x10000) return !(st->lead_bits[c >> 2] & (1u << ((c & 3) * 2)));
    return nfc_safe(c);
}

static size_t stage_nfc(const enc_state *st, ts_edit_list *out, uint32_t seg, const char *p, size_t n)
{
    size_t count = 0;
    for (size_t ws = 0; ws < n;) {
        size_t we = ws, i;
        while (we < n && p[we] != ' ' && p[we] != '\n') we++;
        /* Below U+0300 every character is already NFC and no mark follows. */
        for (i = ws; i < we && (unsigned char)p[i] < 0xCC; i++) {}
        if (i < we) {
            const unsigned char *u = (const unsigned char *)p;
            while (i < we) {
                if (u[i] < 0xCC) { i++; continue; }
                size_t l;
                int32_t cp = ts_utf8_decode_valid(u, we, i, &l);
                if (!nfc_safe_cached(st, cp)) break;
                i += l;
            }
        }
        if (i < we) {
            utf8proc_uint8_t *r = NULL;
            utf8proc_ssize_t rl = utf8proc_map((const utf8proc_uint8_t *)p + ws, (utf8proc_ssize_t)(we - ws), &r,
                                               UTF8PROC_STABLE | UTF8PROC_COMPOSE);
            if (rl < 0) {
                free(r);
                if (rl == UTF8PROC_ERROR_NOMEM) out->failed = true;
                return count;
            }
            if ((size_t)rl != we - ws || memcmp(r, p + ws, we - ws) != 0) {
                ts_edit_replace(out, &encoding_rules[R_NFC], seg, (uint32_t)ws, (uint32_t)we,
                                (const char *)r, (size_t)rl);
                count++;
            }
            free(r);
        }
        ws = we + 1;
    }
    return count;
}

/* ---- opt-in stages ------------------------------------------------------ */

static const struct { int32_t from; const char *to; } ligatures[] = {
    {0x0132, "IJ"}, {0x0133, "ij"}, {0x0149, "\xCA\xBCn"}, {0x01C4, "D\xC5\xBD"}, {0x01C5, "D\xC5\xBE"},
    {0x01C6, "d\xC5\xBE"}, {0x01C7, "LJ"}, {0x01C8, "Lj"}, {0x01C9, "lj"}, {0x01CA, "NJ"},
    {0x01CB, "Nj"}, {0x01CC, "nj"}, {0x01F1, "DZ"}, {0x01F2, "Dz"}, {0x01F3, "dz"},
    {0xFB00, "ff"}, {0xFB01, "fi"}, {0xFB02, "fl"}, {0xFB03, "ffi"}, {0xFB04, "ffl"},
    {0xFB05, "\xC5\xBFt"}, {0xFB06, "st"},
};

static int single_quote(int32_t c) { return c == 0x02BC || (c >= 0x2018 && c <= 0x201B); }
static int double_quote(int32_t c) { return c >= 0x201C && c <= 0x201F; }

static size_t stage_opt_in(ts_edit_list *out, uint32_t seg, scratch *sc, const enc_opts *o,
                           const char *p, size_t n)
{
    size_t count = 0;
    if (decode(sc, p, n)) {
        out->failed = true;
        return 0;
    }
    const int32_t *v = sc->cps.v;
    for (size_t k = 0; k < sc->cps.n; k++) {
        int32_t c = v[k];
        uint32_t a = sc->offs[k], b = sc->offs[k + 1];
        if (o->ligatures)
            for (size_t j = 0; j < sizeof ligatures / sizeof ligatures[0]; j++)
                if (ligatures[j].from == c) {
                    ts_edit_replace(out, &encoding_rules[R_LIGATURES], seg, a, b, ligatures[j].to,
                                    strlen(ligatures[j].to));
                    count++;
                }
        if (o->fullwidth && (c == 0x3000 || (c >= 0xFF01 && c <= 0xFFEE))) {
            utf8proc_int32_t d[8];
            int last;
            utf8proc_ssize_t dl = c == 0x3000 ? 1 : utf8proc_decompose_char(c, d, 8, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &last);
            if (c == 0x3000) d[0] = ' ';
            if (dl > 0 && dl <= 8 && !(dl == 1 && d[0] == c)) {
                replace_cps(out, &encoding_rules[R_FULLWIDTH], seg, sc, 0, k, k + 1, d, (size_t)dl);
                count++;
            }
        }
        bool straight = o->straighten || o->quote_style == 1;
        const ts_rule_info *qr = o->straighten ? &encoding_rules[R_STRAIGHTEN_QUOTES] : &encoding_rules[R_CONSISTENT_QUOTES];
        if (straight && single_quote(c)) {
            ts_edit_replace(out, qr, seg, a, b, "'", 1);
            count++;
        } else if (straight && double_quote(c)) {
            ts_edit_replace(out, qr, seg, a, b, "\"", 1);
            count++;
        } else if (!o->straighten && o->quote_style == 2 && (c == '\'' || c == '"')) {
            /* Curly: opening after a space, a bracket or the start. */
            int32_t prev = k ? v[k - 1] : ' ';
            bool open = prev == ' ' || prev == '\n' || prev == '(' || prev == '[' || prev == 0x2014;
            const char *q = c == '\'' ? (open ? "\xE2\x80\x98" : "\xE2\x80\x99")
                                      : (open ? "\xE2\x80\x9C" : "\xE2\x80\x9D");
            ts_edit_replace(out, &encoding_rules[R_CONSISTENT_QUOTES], seg, a, b, q, 3);
            count++;
        }
    }
    return count;
}

/* Which quote style dominates the document: 1 straight, 2 curly, 0 no clear
 * winner (two thirds of the quotes at least). */
static int dominant_quotes(const ts_transcript *t)
{
    size_t straight = 0, curly = 0;
    for (size_t i = 0; i < t->n; i++) {
        const unsigned char *p = (const unsigned char *)t->segs[i].text;
        size_t n = t->segs[i].text_len;
        for (size_t k = 0; k < n; k++) {
            if (p[k] == '\'' || p[k] == '"') straight++;
            else if (p[k] == 0xE2 && k + 2 < n && p[k + 1] == 0x80 && p[k + 2] >= 0x98 && p[k + 2] <= 0x9F)
                curly++;
        }
    }
    if (straight + curly == 0) return 0;
    if (straight * 3 >= (straight + curly) * 2) return curly ? 1 : 0;
    if (curly * 3 >= (straight + curly) * 2) return straight ? 2 : 0;
    return 0;
}

/* ---- invalid bytes -------------------------------------------------------- */

/* Reports the bytes the reader decoded as Windows-1252 that lie in the
 * segment's text, at their current offsets. */
static void report_recoded(const ts_transcript *t, ts_edit_list *out, uint32_t seg)
{
    const ts_segment *s = &t->segs[seg];
    if (!t->n_recoded || (s->flags & TS_SEG_MAP_LOST) || s->orig_text < t->input ||
        s->orig_text >= t->input + t->input_len)
        return;
    uint32_t base = (uint32_t)(s->orig_text - t->input);
    size_t lo = 0, hi = t->n_recoded;
    while (lo < hi) { /* the first recoded byte at or after base */
        size_t mid = (lo + hi) / 2;
        if (t->recoded[mid] < base) lo = mid + 1;
        else hi = mid;
    }
    for (size_t k = lo; k < t->n_recoded && t->recoded[k] < base + s->orig_len; k++) {
        uint32_t off = t->recoded[k] - base;
        for (uint32_t j = 0; j < s->n_shifts; j++) {
            const ts_shift *sh = &s->shifts[j];
            if (off >= sh->at + sh->old_len) off = off - sh->old_len + sh->new_len;
            else if (off >= sh->at) off = sh->at;
        }
        if (off > s->text_len) off = s->text_len;
        size_t len = 0;
        if (off < s->text_len) ts_utf8_decode(s->text + off, s->text_len - off, &len);
        ts_edit *e = ts_edit_report(out, &encoding_rules[R_INVALID_BYTE], seg, off, off + (uint32_t)len);
        if (e) {
            unsigned char b = t->recoded_byte[k];
            char u[4];
            size_t ul = ts_utf8_encode(ts_cp1252_decode(b), u);
            e->message = ts_edit_message(out, "byte 0x%02X is not UTF-8; read as Windows-1252 '%.*s'",
                                         b, (int)ul, u);
        }
    }
}

/* ---- the pass ------------------------------------------------------------ */

/* For the lead byte u[i] (0xCC and above): B_INVIS when it starts one of
 * the invisible characters, B_NFC when it starts a character NFC may
 * change or a sequence cut short (the same tests as the stages, so that
 * they run only when they act). */
static unsigned lead_needs(const enc_state *st, const unsigned char *u, size_t n, size_t i)
{
    size_t len;
    int32_t cp = ts_utf8_decode_valid(u, n, i, &len);
    if (len == 1) return B_NFC;
    if (cp >= 0x10000) return nfc_safe(cp) ? 0 : B_NFC;
    unsigned b = (st->lead_bits[cp >> 2] >> ((cp & 3) * 2)) & 3;
    return (b & 1 ? B_NFC : 0) | (b & 2 ? B_INVIS : 0);
}

/* The B_* bits of p[0..n) that single bytes decide, and B_LEADS for lead
 * bytes that need a closer look.  Sixteen (then eight) bytes of printable
 * ASCII without '&', or of non-ASCII, are classified at once. */
static inline unsigned scan16(const enc_state *st, const unsigned char *u)
{
    ts_v16 v = ts_v16_load(u);
    unsigned acc = 0;
    if (ts_v16_any((ts_v16)((v < 0x20) | (v == '&') | (v == 0x7F)))) {
        for (size_t k = 0; k < 16; k++) acc |= st->byte_class[u[k]];
        return acc;
    }
    if (!ts_v16_any(v & 0x80)) return 0;
    return ts_v16_any((ts_v16)(v >= 0xCC)) ? B_HIGH | B_LEADS : B_HIGH;
}

static unsigned scan_bytes(const enc_state *st, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    unsigned acc = 0;
    size_t i = 0;
    if (n >= 16) {
        for (; i + 16 <= n; i += 16) acc |= scan16(st, u + i);
        /* the rest as the last sixteen bytes: the bits are ORed, so
         * looking at some bytes twice changes nothing */
        if (i < n) acc |= scan16(st, u + n - 16);
        i = n;
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        /* Bytes below 0x20, '&' (0x26) and DEL in one test each (borrows
         * make false alarms only next to a true one). */
        uint64_t ctl = (w - 0x2020202020202020ull) & ~w;
        uint64_t x = w ^ 0x2626262626262626ull;
        uint64_t amp = (x - 0x0101010101010101ull) & ~x;
        uint64_t y = w ^ 0x7F7F7F7F7F7F7F7Full;
        uint64_t del = (y - 0x0101010101010101ull) & ~y;
        uint64_t high = w & 0x8080808080808080ull;
        if ((ctl | amp | del) & 0x8080808080808080ull) {
            for (size_t k = 0; k < 8; k++) acc |= st->byte_class[u[i + k]];
            continue;
        }
        if (!high) continue;
        /* Lead bytes 0xCC and above (U+0300 on): (b & 0x7F) + 0x34 carries
         * into bit 7 exactly when b & 0x7F >= 0x4C, never across bytes. */
        uint64_t lead = ((w & 0x7F7F7F7F7F7F7F7Full) + 0x3434343434343434ull) & high;
        acc |= lead ? B_HIGH | B_LEADS : B_HIGH;
    }
    for (; i < n; i++) acc |= st->byte_class[u[i]];
    if (acc & (B_NFC | B_INVIS)) acc = (acc & ~(unsigned)(B_NFC | B_INVIS)) | B_LEADS;
    return acc;
}

/* B_NFC and B_INVIS from the lead bytes of 0xCC and above in p[0..n). */
static unsigned scan_leads(const enc_state *st, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    unsigned acc = 0;
    for (size_t i = 0; i < n && acc != (B_NFC | B_INVIS);) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            uint64_t lead = ((w & 0x7F7F7F7F7F7F7F7Full) + 0x3434343434343434ull) & w & 0x8080808080808080ull;
            while (lead) {
                acc |= lead_needs(st, u, n, i + ts_word_byte_of_bit((unsigned)__builtin_ctzll(lead)));
                lead &= lead - 1;
            }
            i += 8;
            continue;
        }
        if (u[i] >= 0xCC) acc |= lead_needs(st, u, n, i);
        i++;
    }
    return acc;
}

/* Does an edit from out->v[mark..] survive the engine's per-rule settings
 * ("rule.<id>" = off drops a rule's edits)?  A stage whose edits would all
 * be dropped must not hold back the stages after it. */
static bool kept_edits(const ts_context *ctx, bool rule_opts, const ts_edit_list *out, size_t mark)
{
    if (!rule_opts) return out->n > mark;
    for (size_t k = mark; k < out->n; k++) {
        char key[128];
        snprintf(key, sizeof key, "rule.%s", out->v[k].rule->id);
        const char *v = ts_context_option(ctx, key);
        if (!v || strcmp(v, "off") != 0) return true;
    }
    return false;
}

static bool xml_format(const ts_transcript *t)
{
    const char *f = ts_transcript_format(t);
    return strstr(f, "xml") || strstr(f, "ttml") || strstr(f, "dfxp") || strstr(f, "html") ||
           strstr(f, "sami");
}

static ts_status run_encoding(ts_context *ctx, void *state, const ts_transcript *t, const uint8_t *only,
                              ts_edit_list *out)
{
    const enc_state *st = state;
    enc_opts o = {0};
    const char *ent = ts_context_option(ctx, "html-entities");
    o.entities = ent ? strcmp(ent, "on") == 0 || strcmp(ent, "1") == 0 ||
                           (strcmp(ent, "auto") == 0 && !xml_format(t))
                     : !xml_format(t);
    o.invisible = !opt_off(ctx, "invisible");
    o.nfc = !opt_off(ctx, "nfc");
    o.ligatures = opt_on(ctx, "ligatures");
    o.fullwidth = opt_on(ctx, "fullwidth");
    o.straighten = opt_on(ctx, "straighten-quotes");
    o.consistent = opt_on(ctx, "consistent-quotes");
    if (o.consistent && !o.straighten) o.quote_style = dominant_quotes(t);
    bool opt_in = o.ligatures || o.fullwidth || o.straighten || o.quote_style;
    /* Consistent quotes depend on the whole document: every segment is
     * looked at in every round, and quotes change only in a round where
     * nothing else does, so the style is judged on the final text. */
    if (o.consistent) only = NULL;
    size_t before = 0;
    for (size_t k = 0; k < out->n; k++) before += !out->v[k].report_only;
    bool rule_opts = false;
    for (size_t k = 0; k < ctx->n_opts && !rule_opts; k++) rule_opts = strncmp(ctx->opt_keys[k], "rule.", 5) == 0;
    bool settle_ok = !opt_in && !o.consistent && !rule_opts;
    scratch sc = {0};
    for (size_t i = 0; i < t->n && !out->failed; i++) {
        if (only && !only[i]) continue;
        const ts_segment *s = &t->segs[i];
        const char *p = s->text;
        size_t n = s->text_len;
        uint32_t seg = (uint32_t)i;
        size_t before_report = out->n;
        report_recoded(t, out, seg);
        size_t seg_mark = out->n == before_report ? out->n : SIZE_MAX;
        /* Bits from lead bytes are worked out only for the stages after
         * the mojibake repair, which need them only when it does nothing. */
        unsigned need = scan_bytes(st, p, n);
        if (!need && !(o.quote_style == 2 && (memchr(p, '\'', n) || memchr(p, '"', n))))
            continue;
        /* STAGE(call): keep the stage's edits and stop when it proposed any
         * that a "rule.<id>=off" option does not drop. */
#define STAGE(call)                                             \
        do {                                                    \
            size_t mark_ = out->n;                              \
            if ((call) && kept_edits(ctx, rule_opts, out, mark_)) goto next; \
            out->n = mark_;                                     \
        } while (0)
        if (o.entities && (need & B_AMP)) STAGE(stage_entities(st, out, seg, p, n));
        if (o.invisible && (need & B_ESC)) STAGE(stage_escapes(out, seg, p, n));
        if (need & B_HIGH) {
            size_t mark = out->n;
            bool settles;
            if (stage_mojibake(st, out, seg, &sc, p, n, need, &settles) && kept_edits(ctx, rule_opts, out, mark)) {
                /* Only when nothing but this repair decides what the next
                 * round would do: no findings, options or opt-in stages. */
                if (settles && settle_ok && mark == seg_mark)
                    for (size_t k = mark; k < out->n; k++) out->v[k].settles = true;
                goto next;
            }
            out->n = mark;
        }
        if (need & B_LEADS) need = (need & ~(unsigned)B_LEADS) | scan_leads(st, p, n);
        if (o.invisible && (need & (B_CTL | B_INVIS))) STAGE(stage_invisible(out, seg, &sc, p, n));
        if (o.nfc && (need & B_NFC)) STAGE(stage_nfc(st, out, seg, p, n));
        if (opt_in) stage_opt_in(out, seg, &sc, &o, p, n);
#undef STAGE
    next:;
    }
    if (o.quote_style && !out->failed) {
        /* Drop this round's consistent-quotes edits if anything else
         * changes: the next round judges the style again. */
        size_t other = 0;
        for (size_t k = before; k < out->n; k++)
            other += !out->v[k].report_only && out->v[k].rule != &encoding_rules[R_CONSISTENT_QUOTES];
        if (other) {
            size_t w = before;
            for (size_t k = before; k < out->n; k++)
                if (out->v[k].rule != &encoding_rules[R_CONSISTENT_QUOTES]) out->v[w++] = out->v[k];
            out->n = w;
        }
    }
    free(sc.cps.v);
    free(sc.offs);
    ts_mojibake_work_free(sc.mbw);
    ts_buf_release(&sc.tmp);
    return out->failed ? TS_ERR_NOMEM : TS_OK;
}

const ts_pass ts_pass_encoding = {
    .info = {"encoding",
             "mojibake, invalid bytes, HTML entities, invisible characters, NFC (opt-in: "
             "--straighten-quotes, --consistent-quotes, --fullwidth, --ligatures; "
             "--html-entities auto|on|off, --set invisible=off, --set nfc=off)",
             true,
             encoding_rules, R_COUNT},
    .segment_local = true,
    .state_new = state_new,
    .state_free = state_free,
    .run = run_encoding,
};
