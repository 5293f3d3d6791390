/*
 * rules.c - loading rule packs (libxml2 + RelaxNG), compiling their
 * patterns (PCRE2 JIT), matching them under limits, and running their
 * examples.
 *
 * Loading is all-or-nothing: a pack is parsed, validated against the
 * schema, checked (ids, patterns, templates, examples) and only then added
 * to the set, so a broken pack never leaves half its rules behind.  Every
 * problem is reported with the pack's file, line and column; libxml2 keeps
 * no columns on nodes, so the column of an element is found by looking for
 * its start tag on its line.
 *
 * Matching protects the run from the patterns: PCRE2's match, depth and
 * heap limits are low, and the pass charges each rule the time it spends;
 * a rule over either is stopped for good and reported once by the pass.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8

#include "rules.h"

#include <errno.h>
#include <stdarg.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "context.h"
#include "diag.h"
#include "utf8.h"

/* Limits for user patterns: generous for sane patterns on a segment, small
 * enough that a catastrophic one fails within milliseconds. */
#define RULE_MATCH_LIMIT 200000u
#define RULE_DEPTH_LIMIT 2000u
#define RULE_HEAP_LIMIT_KIB 2048u
#define PACK_MAX_BYTES (16u << 20)

typedef struct {
    const char *name, *file, *text;
} bundled_pack;

static const bundled_pack bundled[] = {
#include "bundled_rules.inc"
};

static const char rules_rng[] =
#include "rules_rng.inc"
    ;

size_t ts_rules_bundled_count(void) { return sizeof bundled / sizeof bundled[0]; }
const char *ts_rules_bundled_name(size_t i)
{
    return i < ts_rules_bundled_count() ? bundled[i].name : NULL;
}

typedef struct {
    pcre2_code *code;
    pcre2_match_data *md;
    bool jit;                 /* JIT-compiled: matched with pcre2_jit_match */
} rx;

typedef struct {
    uint32_t s, e;
} span;

struct ts_rule {
    ts_rule_info info;        /* id "pack/rule" and description malloc'd */
    ts_rule_set *set;
    char *message;            /* template (malloc'd) */
    char *repl;               /* template, NULL when the rule has none */
    ts_fix_mode fix;
    rx *pat, *unless;         /* malloc'd */
    size_t n_pat, n_unless;
    span *uspans;             /* scratch: unless matches of the current text */
    size_t n_uspans, cap_uspans;
    ts_rule_state state;
    double spent_ns, scanned;
};

struct ts_rule_set {
    ts_rule **v;              /* malloc'd rules */
    size_t n, cap;
    pcre2_match_context *mctx;
    xmlRelaxNGPtr schema;     /* parsed on first load */
    double budget_ns, ns_per_byte;
};

struct ts_rule_match {
    const ts_rule *r;
    const rx *x;
    const char *text;
    size_t len, offset;       /* the subject and start offset of the match */
};

/* ---- the set ---------------------------------------------------------- */

ts_rule_set *ts_rule_set_new(void)
{
    ts_rule_set *set = calloc(1, sizeof *set);
    if (!set) return NULL;
    set->mctx = pcre2_match_context_create(NULL);
    if (!set->mctx) {
        free(set);
        return NULL;
    }
    pcre2_set_match_limit(set->mctx, RULE_MATCH_LIMIT);
    pcre2_set_depth_limit(set->mctx, RULE_DEPTH_LIMIT);
    pcre2_set_heap_limit(set->mctx, RULE_HEAP_LIMIT_KIB);
    set->budget_ns = 250e6;
    set->ns_per_byte = 200;
    return set;
}

static void rx_release(rx *x)
{
    pcre2_match_data_free(x->md);
    pcre2_code_free(x->code);
}

static void rule_free(ts_rule *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_pat; i++) rx_release(&r->pat[i]);
    for (size_t i = 0; i < r->n_unless; i++) rx_release(&r->unless[i]);
    free(r->pat);
    free(r->unless);
    free(r->uspans);
    free((char *)r->info.id);
    free((char *)r->info.description);
    free(r->message);
    free(r->repl);
    free(r);
}

void ts_rule_set_free(ts_rule_set *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) rule_free(set->v[i]);
    free(set->v);
    pcre2_match_context_free(set->mctx);
    if (set->schema) xmlRelaxNGFree(set->schema);
    free(set);
}

void ts_rule_set_budget(ts_rule_set *set, double base_ms, double ns_per_byte)
{
    set->budget_ns = base_ms * 1e6;
    set->ns_per_byte = ns_per_byte;
}

size_t ts_rule_set_count(const ts_rule_set *set) { return set->n; }
ts_rule *ts_rule_set_at(ts_rule_set *set, size_t i) { return i < set->n ? set->v[i] : NULL; }
const ts_rule_info *ts_rule_info_of(const ts_rule *r) { return &r->info; }
ts_fix_mode ts_rule_fix_mode(const ts_rule *r) { return r->fix; }
ts_rule_state ts_rule_get_state(const ts_rule *r) { return r->state; }

int ts_rule_charge(ts_rule *r, double ns, size_t bytes)
{
    if (r->state) return 0;
    r->spent_ns += ns;
    r->scanned += (double)bytes;
    if (r->spent_ns > r->set->budget_ns + r->scanned * r->set->ns_per_byte) {
        r->state = TS_RULE_BUDGET;
        return 1;
    }
    return 0;
}

/* ---- matching --------------------------------------------------------- */

/* One match attempt.  pcre2_jit_match skips the per-call checks of
 * pcre2_match (the subject is known valid), which matters at one call per
 * rule and segment; both honour the limits of the match context. */
static int rx_match(const rx *x, const char *text, size_t len, size_t off,
                    pcre2_match_context *mctx)
{
    if (x->jit)
        return pcre2_jit_match(x->code, (PCRE2_SPTR)text, len, off, 0, x->md, mctx);
    return pcre2_match(x->code, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, x->md, mctx);
}

/* Collects the matches of the rule's unless patterns in text (once per
 * scan, and only when a pattern matched).  Returns 0, 1 on a limit, -1 on
 * memory. */
static int collect_unless(ts_rule *r, const char *text, size_t len)
{
    r->n_uspans = 0;
    for (size_t k = 0; k < r->n_unless; k++) {
        const rx *x = &r->unless[k];
        size_t off = 0;
        while (off <= len) {
            int rc = rx_match(x, text, len, off, r->set->mctx);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) return 1;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
            if (r->n_uspans == r->cap_uspans) {
                size_t cap = r->cap_uspans ? r->cap_uspans * 2 : 8;
                span *p = realloc(r->uspans, cap * sizeof *p);
                if (!p) return -1;
                r->uspans = p;
                r->cap_uspans = cap;
            }
            r->uspans[r->n_uspans++] = (span){(uint32_t)ov[0], (uint32_t)ov[1]};
            size_t next = ov[1] > off ? ov[1] : off + 1;
            while (next < len && ((unsigned char)text[next] & 0xC0) == 0x80) next++;
            off = next;
        }
    }
    return 0;
}

static int overlaps_unless(const ts_rule *r, uint32_t s, uint32_t e)
{
    for (size_t i = 0; i < r->n_uspans; i++) {
        const span *u = &r->uspans[i];
        if (u->s < e && s < u->e) return 1;
    }
    return 0;
}

int ts_rule_scan(ts_rule *r, const char *text, size_t len, ts_rule_match_fn fn, void *ud)
{
    if (r->state) return 0;
    int unless_done = 0;
    for (size_t k = 0; k < r->n_pat; k++) {
        const rx *x = &r->pat[k];
        size_t off = 0;
        while (off <= len) {
            int rc = rx_match(x, text, len, off, r->set->mctx);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) {
                /* Anything else than "no match" on valid input means the
                 * pattern is too costly here. */
                r->state = TS_RULE_LIMIT;
                return 1;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
            size_t s = ov[0], e = ov[1];
            if (e > s) {
                int keep = 1;
                if (r->n_unless) {
                    if (!unless_done) {
                        int u = collect_unless(r, text, len);
                        if (u < 0) return -1;
                        if (u > 0) {
                            r->state = TS_RULE_LIMIT;
                            return 1;
                        }
                        unless_done = 1;
                    }
                    keep = !overlaps_unless(r, (uint32_t)s, (uint32_t)e);
                }
                if (keep) {
                    ts_rule_match m = {r, x, text, len, off};
                    if (fn(ud, r, &m, (uint32_t)s, (uint32_t)e)) return -1;
                }
            }
            /* \K can leave the end before the start offset: always advance. */
            size_t next = e > off ? e : off + 1;
            while (next < len && ((unsigned char)text[next] & 0xC0) == 0x80) next++;
            off = next;
        }
    }
    return 0;
}

int ts_rule_expand(const ts_rule_match *m, int what, ts_buf *out)
{
    const char *tmpl = what ? m->r->message : m->r->repl;
    if (!tmpl) return -1;
    ts_buf_clear(out);
    PCRE2_SIZE cap = 256;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ts_buf_reserve(out, cap + 1)) return -1;
        PCRE2_SIZE n = cap;
        int rc = pcre2_substitute(m->x->code, (PCRE2_SPTR)m->text, m->len, m->offset,
                                  PCRE2_NO_UTF_CHECK | PCRE2_SUBSTITUTE_MATCHED |
                                      PCRE2_SUBSTITUTE_REPLACEMENT_ONLY |
                                      PCRE2_SUBSTITUTE_EXTENDED |
                                      PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                  m->x->md, NULL, (PCRE2_SPTR)tmpl, PCRE2_ZERO_TERMINATED,
                                  (PCRE2_UCHAR *)out->data, &n);
        if (rc >= 0) {
            out->len = n;
            out->data[n] = '\0';
            return 0;
        }
        if (rc != PCRE2_ERROR_NOMEMORY) return -1;
        cap = n;
    }
    return -1;
}

/* ---- diagnostics while loading ---------------------------------------- */

typedef struct {
    ts_context *ctx;
    const char *file;
    const char *text;         /* the pack's bytes, to find columns */
    size_t len;
    int errors;
} loader;

/* Column (in code points) of the first "<name" on line `line`, or 1. */
static unsigned elem_col(const loader *L, unsigned line, const char *name)
{
    if (!line || !name) return 1;
    const char *p = L->text, *end = L->text + L->len;
    for (unsigned l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return 1;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    size_t nlen = strlen(name);
    for (const char *q = p; q + 1 + nlen <= eol; q++)
        if (*q == '<' && memcmp(q + 1, name, nlen) == 0) {
            char c = q + 1 + nlen < eol ? q[1 + nlen] : ' ';
            if (c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\r')
                return (unsigned)ts_utf8_count(p, (size_t)(q - p)) + 1;
        }
    return 1;
}

static void lerror(loader *L, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lerror(loader *L, const xmlNode *node, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = node ? (unsigned)xmlGetLineNo(node) : 0;
    unsigned col = node && line ? elem_col(L, line, (const char *)node->name) : 0;
    ts_diag_emit(L->ctx, L->file, line, col, TS_SEV_ERROR, TS_DIAG_RULES, "%s", msg);
    L->errors++;
}

/* RelaxNG only says "Element rule failed to validate attributes"; name the
 * attribute.  The table repeats what rules.rng allows, for this message
 * only: the schema stays the authority on what is valid. */
static void explain_attributes(const xmlNode *node, char *msg, size_t cap)
{
    static const struct {
        const char *elem, *allowed, *required;
    } attrs[] = {
        {"pack", " id ", " id "},
        {"rule", " id level fix ", " id level fix "},
        {"pattern", " case ", ""},
        {"unless", " case ", ""},
        {"example", " fixed ", ""},
    };
    const char *allowed = " ", *required = "";
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (strcmp((const char *)node->name, attrs[i].elem) == 0) {
            allowed = attrs[i].allowed;
            required = attrs[i].required;
        }
    size_t w = 0;
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        char key[80];
        snprintf(key, sizeof key, " %s ", (const char *)a->name);
        if (!strstr(allowed, key))
            w += (size_t)snprintf(msg + w, w < cap ? cap - w : 0, "%sunknown attribute '%s' on <%s>",
                                  w ? "; " : "", (const char *)a->name, (const char *)node->name);
    }
    for (const char *r = required; *r;) {
        while (*r == ' ') r++;
        size_t n = strcspn(r, " ");
        if (!n) break;
        char name[40];
        snprintf(name, sizeof name, "%.*s", (int)n, r);
        if (!xmlHasProp(node, (const xmlChar *)name))
            w += (size_t)snprintf(msg + w, w < cap ? cap - w : 0, "%s<%s> needs attribute '%s'",
                                  w ? "; " : "", (const char *)node->name, name);
        r += n;
    }
    if (!w) /* a value the schema does not allow */
        w = (size_t)snprintf(msg, cap, "<%s> has an attribute value rules.rng does not allow "
                                       "(see rules/README.md)", (const char *)node->name);
    if (w >= cap) msg[cap - 1] = '\0';
}

/* libxml2's structured errors (parser and RelaxNG) land here. */
static void xml_error(void *ud, xmlErrorPtr e)
{
    loader *L = ud;
    if (!e || e->level == XML_ERR_WARNING) return;
    char msg[400];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
    for (char *nl = msg; (nl = strchr(nl, '\n'));) *nl = ' '; /* one diagnostic, one line */
    unsigned line = e->line > 0 ? (unsigned)e->line : 0, col = 0;
    const xmlNode *node = e->node;
    if (e->domain == XML_FROM_RELAXNGV && node && node->type == XML_ELEMENT_NODE &&
        strstr(msg, "failed to validate attributes")) {
        /* libxml2 may point at the first child of the element it names. */
        char named[64];
        if (sscanf(msg, "Element %63s", named) == 1 && strcmp(named, (const char *)node->name) &&
            node->parent && node->parent->type == XML_ELEMENT_NODE &&
            strcmp(named, (const char *)node->parent->name) == 0)
            node = node->parent;
        explain_attributes(node, msg, sizeof msg);
    }
    if (e->domain == XML_FROM_RELAXNGV && node) {
        line = (unsigned)xmlGetLineNo(node);
        col = elem_col(L, line, (const char *)node->name);
    } else if (e->domain == XML_FROM_PARSER || e->domain == XML_FROM_NAMESPACE) {
        col = e->int2 > 0 ? (unsigned)e->int2 : 1;
    }
    ts_diag_emit(L->ctx, L->file, line, line ? (col ? col : 1) : 0, TS_SEV_ERROR, TS_DIAG_RULES,
                 "%s", msg);
    L->errors++;
}

/* The parser context routes errors to ctxt->sax->serror with the context as
 * user data; its _private field points at the loader. */
static void parser_error(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr pc = ud;
    xml_error(pc->_private, e);
}

/* ---- building rules from the tree ------------------------------------- */

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Text content of an element, literal (malloc'd). */
static char *content(const xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s = strdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

/* Prose: runs of white space become one space, none at the ends. */
static char *prose(const xmlNode *n)
{
    char *s = content(n);
    if (!s) return NULL;
    char *w = s;
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = w != s;
            continue;
        }
        if (space) *w++ = ' ';
        space = 0;
        *w++ = *p;
    }
    *w = '\0';
    return s;
}

static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

static int compile_rx(loader *L, const xmlNode *n, const char *what, rx *out)
{
    char *src = content(n);
    if (!src) return -1;
    uint32_t flags = PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
    char *cs = attr(n, "case");
    if (cs && strcmp(cs, "insensitive") == 0) flags |= PCRE2_CASELESS;
    free(cs);
    int err;
    PCRE2_SIZE off;
    out->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, flags, &err, &off, NULL);
    if (!out->code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(err, buf, sizeof buf);
        lerror(L, n, "bad %s regex at offset %zu: %s", what, (size_t)off, (const char *)buf);
        free(src);
        return -1;
    }
    uint32_t empty = 0;
    pcre2_pattern_info(out->code, PCRE2_INFO_MATCHEMPTY, &empty);
    if (empty) {
        lerror(L, n, "%s '%s' can match the empty string", what, src);
        free(src);
        return -1;
    }
    free(src);
    /* No JIT (unsupported CPU) is not an error: the interpreter is used.
     * "--set rules-jit=0" asks for the interpreter, for memory checkers
     * that cannot see into JIT code. */
    const char *jit = ts_context_option(L->ctx, "rules-jit");
    out->jit = !(jit && strcmp(jit, "0") == 0) &&
               pcre2_jit_compile(out->code, PCRE2_JIT_COMPLETE) == 0;
    out->md = pcre2_match_data_create_from_pattern(out->code, NULL);
    if (!out->md) {
        lerror(L, n, "out of memory");
        return -1;
    }
    return 0;
}

static int push_rx(loader *L, const xmlNode *n, const char *what, rx **v, size_t *cnt)
{
    rx *p = realloc(*v, (*cnt + 1) * sizeof *p);
    if (!p) {
        lerror(L, n, "out of memory");
        return -1;
    }
    *v = p;
    memset(&p[*cnt], 0, sizeof *p);
    if (compile_rx(L, n, what, &p[*cnt])) {
        rx_release(&p[*cnt]);
        return -1;
    }
    (*cnt)++;
    return 0;
}

/* ---- examples --------------------------------------------------------- */

typedef struct {
    span m[4];
    size_t n;
    ts_buf repl;
    int repl_ok, repl_done;
} example_hits;

static int on_example_match(void *ud, ts_rule *r, const ts_rule_match *m, uint32_t s, uint32_t e)
{
    example_hits *h = ud;
    if (h->n < 4) h->m[h->n] = (span){s, e};
    if (h->n == 0 && r->repl) {
        h->repl_ok = ts_rule_expand(m, 0, &h->repl) == 0;
        h->repl_done = 1;
    }
    if (r->message && h->n == 0) {
        ts_buf tmp = TS_BUF_INIT;
        int bad = ts_rule_expand(m, 1, &tmp);
        ts_buf_release(&tmp);
        if (bad) h->repl_ok = -1; /* a broken message template */
    }
    h->n++;
    return 0;
}

static void quote(char *out, size_t cap, const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n && w + 5 < cap; i++) {
        if (s[i] == '\n') { out[w++] = '\\'; out[w++] = 'n'; }
        else out[w++] = s[i];
    }
    out[w] = '\0';
}

/* Runs one example; returns 1 when it passes, 0 after reporting why not. */
static int run_example(loader *L, ts_rule *r, const xmlNode *ex)
{
    ts_buf text = TS_BUF_INIT;
    int marked = 0, ok = 0;
    span mark = {0, 0};
    char *fixed = NULL;
    example_hits h = {.repl = TS_BUF_INIT};
    example_hits h2 = {.repl = TS_BUF_INIT};
    char q1[200], q2[200];
    for (const xmlNode *c = ex->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content && ts_buf_puts(&text, (const char *)c->content)) goto out;
        } else if (is_elem(c, "marker")) {
            char *s = content(c);
            if (!s) goto out;
            mark.s = (uint32_t)text.len;
            int bad = ts_buf_puts(&text, s);
            free(s);
            if (bad) goto out;
            mark.e = (uint32_t)text.len;
            marked = 1;
        }
    }
    if (ts_buf_putc(&text, '\0')) goto out;
    text.len--;
    if (ts_rule_scan(r, text.data, text.len, on_example_match, &h)) {
        lerror(L, ex, "rule '%s' hit its regex limits on this example", r->info.id);
        goto out;
    }
    if (h.repl_ok < 0) {
        lerror(L, ex, "rule '%s': the message or replacement template fails on this example",
               r->info.id);
        goto out;
    }
    if (!marked) {
        if (h.n) {
            quote(q1, sizeof q1, text.data + h.m[0].s, h.m[0].e - h.m[0].s);
            lerror(L, ex, "rule '%s' matches '%s' in an example that should not match",
                   r->info.id, q1);
            goto out;
        }
        ok = 1;
        goto out;
    }
    if (h.n != 1 || h.m[0].s != mark.s || h.m[0].e != mark.e) {
        quote(q1, sizeof q1, text.data + mark.s, mark.e - mark.s);
        if (h.n == 0)
            lerror(L, ex, "rule '%s' does not match the marked '%s'", r->info.id, q1);
        else if (h.n > 1)
            lerror(L, ex, "rule '%s' matches %zu times, expected once at '%s'", r->info.id, h.n,
                   q1);
        else {
            quote(q2, sizeof q2, text.data + h.m[0].s, h.m[0].e - h.m[0].s);
            lerror(L, ex, "rule '%s' matches '%s', not the marked '%s'", r->info.id, q2, q1);
        }
        goto out;
    }
    if (!r->repl) {
        ok = 1;
        goto out;
    }
    if (!h.repl_ok) {
        lerror(L, ex, "rule '%s': the replacement template fails on this example", r->info.id);
        goto out;
    }
    ts_buf fixed_text = TS_BUF_INIT;
    if (ts_buf_append(&fixed_text, text.data, mark.s) ||
        ts_buf_append(&fixed_text, h.repl.data, h.repl.len) ||
        ts_buf_puts(&fixed_text, text.data + mark.e) || ts_buf_putc(&fixed_text, '\0')) {
        ts_buf_release(&fixed_text);
        goto out;
    }
    fixed = attr(ex, "fixed");
    if (!fixed || strcmp(fixed, fixed_text.data) != 0) {
        quote(q1, sizeof q1, fixed_text.data, fixed_text.len - 1);
        quote(q2, sizeof q2, fixed ? fixed : "", fixed ? strlen(fixed) : 0);
        lerror(L, ex, "rule '%s' gives '%s', the example expects '%s'", r->info.id, q1, q2);
        ts_buf_release(&fixed_text);
        goto out;
    }
    int rc = ts_rule_scan(r, fixed_text.data, fixed_text.len - 1, on_example_match, &h2);
    if (rc || h2.n) {
        quote(q1, sizeof q1, fixed_text.data, fixed_text.len - 1);
        lerror(L, ex, "rule '%s' still matches its own fix '%s' (fix must be idempotent)",
               r->info.id, q1);
        ts_buf_release(&fixed_text);
        goto out;
    }
    ts_buf_release(&fixed_text);
    ok = 1;
out:
    free(fixed);
    ts_buf_release(&text);
    ts_buf_release(&h.repl);
    ts_buf_release(&h2.repl);
    r->state = TS_RULE_RUNNING; /* examples never stop a rule for good */
    return ok;
}

/* ---- one rule --------------------------------------------------------- */

static ts_rule *build_rule(loader *L, ts_rule_set *set, const char *pack_id, const xmlNode *n)
{
    ts_rule *r = calloc(1, sizeof *r);
    if (!r) {
        lerror(L, n, "out of memory");
        return NULL;
    }
    r->set = set;
    char *id = attr(n, "id"), *level = attr(n, "level"), *fix = attr(n, "fix");
    size_t idlen = strlen(pack_id) + (id ? strlen(id) : 0) + 2;
    char *full = malloc(idlen);
    if (!id || !level || !fix || !full) {
        free(full);
        lerror(L, n, "out of memory");
        goto fail;
    }
    snprintf(full, idlen, "%s/%s", pack_id, id);
    r->info.id = full;
    r->info.severity = strcmp(level, "error") == 0     ? TS_SEV_ERROR
                       : strcmp(level, "warning") == 0 ? TS_SEV_WARNING
                                                       : TS_SEV_INFO;
    r->fix = strcmp(fix, "auto") == 0 ? TS_FIX_AUTO
             : strcmp(fix, "suggest") == 0 ? TS_FIX_SUGGEST
                                           : TS_FIX_NONE;
    size_t n_marked = 0, n_plain = 0;
    const xmlNode *repl_node = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (is_elem(c, "description")) {
            if (!(r->info.description = prose(c))) goto nomem;
        } else if (is_elem(c, "message")) {
            if (!(r->message = prose(c))) goto nomem;
        } else if (is_elem(c, "pattern")) {
            if (push_rx(L, c, "pattern", &r->pat, &r->n_pat)) goto fail;
        } else if (is_elem(c, "unless")) {
            if (push_rx(L, c, "unless", &r->unless, &r->n_unless)) goto fail;
        } else if (is_elem(c, "replace")) {
            if (!(r->repl = content(c))) goto nomem;
            repl_node = c;
        } else if (is_elem(c, "example")) {
            int marked = 0;
            for (const xmlNode *m = c->children; m; m = m->next) marked |= is_elem(m, "marker");
            xmlChar *fx = xmlGetProp(c, (const xmlChar *)"fixed");
            if (fx && (!marked || r->fix == TS_FIX_NONE))
                lerror(L, c, "rule '%s': 'fixed' belongs only on marked examples of a rule with "
                       "a replacement", full);
            else if (!fx && marked && r->fix != TS_FIX_NONE)
                lerror(L, c, "rule '%s': a marked example needs fixed=\"...\" (the text after "
                       "the fix)", full);
            xmlFree(fx);
            if (marked) n_marked++;
            else n_plain++;
        }
    }
    if (r->fix == TS_FIX_NONE && repl_node)
        lerror(L, repl_node, "rule '%s' has fix=\"none\" and a <replace>", full);
    if (r->fix != TS_FIX_NONE && !repl_node)
        lerror(L, n, "rule '%s' has fix=\"%s\" but no <replace>", full, fix);
    if (!n_marked || !n_plain)
        lerror(L, n, "rule '%s' needs at least one marked and one unmarked example", full);
    free(id);
    free(level);
    free(fix);
    return r;
nomem:
    lerror(L, n, "out of memory");
fail:
    free(id);
    free(level);
    free(fix);
    rule_free(r);
    return NULL;
}

/* ---- loading a pack --------------------------------------------------- */

static int load_schema(loader *L, ts_rule_set *set)
{
    if (set->schema) return 0;
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(rules_rng, (int)strlen(rules_rng));
    if (!pc) return -1;
    xmlRelaxNGSetParserStructuredErrors(pc, xml_error, L);
    set->schema = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
    if (!set->schema) {
        ts_diag_emit(L->ctx, "rules.rng", 0, 0, TS_SEV_ERROR, TS_DIAG_RULES,
                     "the built-in rule schema does not load");
        return -1;
    }
    return 0;
}

static int read_pack(loader *L, const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ts_diag_emit(L->ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_RULES,
                     "cannot read the rule pack: %s", strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= PACK_MAX_BYTES) break;
            char *p = realloc(buf, cap * 2);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err || n >= PACK_MAX_BYTES) {
        free(buf);
        ts_diag_emit(L->ctx, path, 0, 0, TS_SEV_ERROR, TS_DIAG_RULES,
                     err ? "cannot read the rule pack" : "the rule pack is too large (16 MiB limit)");
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int set_push(ts_rule_set *set, ts_rule *r)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        ts_rule **p = realloc(set->v, cap * sizeof *p);
        if (!p) return -1;
        set->v = p;
        set->cap = cap;
    }
    set->v[set->n++] = r;
    return 0;
}

ts_status ts_rule_set_load(ts_context *ctx, ts_rule_set *set, const char *pack, bool run_examples,
                           size_t *passed, size_t *failed)
{
    loader L = {ctx, pack, NULL, 0, 0};
    char *owned = NULL;
    xmlParserCtxtPtr pc = NULL;
    xmlDocPtr doc = NULL;
    xmlRelaxNGValidCtxtPtr vc = NULL;
    char *pack_id = NULL;
    size_t first = set->n, n_pass = 0, n_fail = 0;
    ts_status st = TS_ERR_INPUT;

    for (size_t i = 0; i < ts_rules_bundled_count(); i++)
        if (strcmp(bundled[i].name, pack) == 0) {
            L.file = bundled[i].file;
            L.text = bundled[i].text;
            L.len = strlen(L.text);
        }
    if (!L.text) {
        if (read_pack(&L, pack, &owned, &L.len)) goto out;
        L.text = owned;
    }
    if (load_schema(&L, set)) goto out;

    pc = xmlNewParserCtxt();
    if (!pc) goto nomem;
    pc->_private = &L;
    pc->sax->serror = parser_error;
    /* No network, no DTD loading, no entity substitution (XML_PARSE_NOENT
     * is deliberately absent); CDATA becomes text.  A pack is UTF-8 whatever
     * its declaration says: libxml2's converters for other encodings print
     * their errors straight to stderr instead of the error handler. */
    doc = xmlCtxtReadMemory(pc, L.text, (int)L.len, L.file, "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES |
                                XML_PARSE_IGNORE_ENC);
    if (!doc || L.errors) {
        if (!L.errors)
            ts_diag_emit(ctx, L.file, 1, 1, TS_SEV_ERROR, TS_DIAG_RULES, "not a well-formed XML file");
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        /* DTD nodes carry no line: find the declaration in the text. */
        unsigned line = 1;
        const char *d = strstr(L.text, "<!DOCTYPE");
        for (const char *p = L.text; d && p < d; p++) line += *p == '\n';
        ts_diag_emit(ctx, L.file, line, d ? elem_col(&L, line, "!DOCTYPE") : 1, TS_SEV_ERROR,
                     TS_DIAG_RULES, "a rule pack may not have a DOCTYPE (no DTDs, no entities)");
        goto out;
    }
    vc = xmlRelaxNGNewValidCtxt(set->schema);
    if (!vc) goto nomem;
    xmlRelaxNGSetValidStructuredErrors(vc, xml_error, &L);
    int valid = xmlRelaxNGValidateDoc(vc, doc);
    if (valid != 0) {
        if (!L.errors)
            ts_diag_emit(ctx, L.file, 1, 1, TS_SEV_ERROR, TS_DIAG_RULES,
                         "the rule pack does not follow rules.rng");
        goto out;
    }

    xmlNodePtr root = xmlDocGetRootElement(doc);
    pack_id = attr(root, "id");
    if (!pack_id) goto nomem;
    for (size_t i = 0; i < set->n; i++) {
        const char *id = set->v[i]->info.id;
        size_t pl = strlen(pack_id);
        if (strncmp(id, pack_id, pl) == 0 && id[pl] == '/') {
            lerror(&L, root, "a pack with id '%s' is already loaded", pack_id);
            goto out;
        }
    }
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (!is_elem(c, "rule")) continue;
        ts_rule *r = build_rule(&L, set, pack_id, c);
        if (!r) continue;
        for (size_t i = first; i < set->n; i++)
            if (strcmp(set->v[i]->info.id, r->info.id) == 0) {
                lerror(&L, c, "duplicate rule id '%s'", r->info.id);
                break;
            }
        if (set_push(set, r)) {
            rule_free(r);
            goto nomem;
        }
    }
    /* Examples run only on a pack that is otherwise sound, and all of them
     * run, so one report lists every failing example. */
    if (run_examples && !L.errors) {
        size_t k = first;
        for (xmlNodePtr c = root->children; c; c = c->next) {
            if (!is_elem(c, "rule")) continue;
            ts_rule *r = set->v[k++];
            for (xmlNodePtr ex = c->children; ex; ex = ex->next) {
                if (!is_elem(ex, "example")) continue;
                if (run_example(&L, r, ex)) n_pass++;
                else n_fail++;
            }
        }
    }
    if (!L.errors) st = TS_OK;
    goto out;
nomem:
    ts_diag_emit(ctx, L.file, 0, 0, TS_SEV_ERROR, TS_DIAG_RULES, "out of memory");
    st = TS_ERR_NOMEM;
out:
    if (st != TS_OK) {
        for (size_t i = first; i < set->n; i++) rule_free(set->v[i]);
        set->n = first;
    }
    if (passed) *passed += n_pass;
    if (failed) *failed += n_fail;
    free(pack_id);
    if (vc) xmlRelaxNGFreeValidCtxt(vc);
    if (doc) xmlFreeDoc(doc);
    if (pc) xmlFreeParserCtxt(pc);
    free(owned);
    return st;
}

ts_status ts_rules_test(ts_context *ctx, const char *pack, size_t *passed, size_t *failed)
{
    ts_rule_set *set = ts_rule_set_new();
    if (!set) return TS_ERR_NOMEM;
    size_t f0 = failed ? *failed : 0, f = 0, p = 0;
    ts_status st = ts_rule_set_load(ctx, set, pack, true, &p, &f);
    ts_rule_set_free(set);
    if (passed) *passed += p;
    if (failed) *failed = f0 + f;
    if (!st && f) st = TS_ERR_INPUT;
    return st;
}

ts_status ts_rules_list(ts_context *ctx, const char *pack, ts_rule_list_fn fn, void *ud)
{
    static const char *const fix_names[] = {"auto", "suggest", "none"};
    ts_rule_set *set = ts_rule_set_new();
    if (!set) return TS_ERR_NOMEM;
    ts_status st = ts_rule_set_load(ctx, set, pack, false, NULL, NULL);
    for (size_t i = 0; !st && i < set->n; i++)
        fn(ud, &set->v[i]->info, fix_names[set->v[i]->fix]);
    ts_rule_set_free(set);
    return st;
}
