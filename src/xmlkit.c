/*
 * xmlkit.c - safe libxml2 parsing and tree helpers (see xmlkit.h).
 *
 * libxml2 keeps its error in the parser context, so nothing is printed and
 * no global handler is installed (several contexts may parse at once).
 * Entity declarations are refused by a byte scan before the parser runs:
 * a transcript needs none, and refusing them removes every entity
 * expansion attack at once, whatever the libxml2 version.
 */
#include "xmlkit.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlsave.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"

static int depth_ok(xmlNodePtr n, int depth, xmlNodePtr *bad)
{
    for (; n; n = n->next) {
        if (n->type == XML_ENTITY_REF_NODE) {
            *bad = n;
            return 0;
        }
        if (depth > TS_XML_MAX_DEPTH) {
            *bad = n;
            return 0;
        }
        if (n->type == XML_ELEMENT_NODE && !depth_ok(n->children, depth + 1, bad)) return 0;
    }
    return 1;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
    xmlInitParser();
    xmlSchemaInitTypes();
    xmlRelaxNGInitTypes();
}

void ts_xml_init(void) { pthread_once(&xml_once, xml_init_once); }

/* The first error is the one worth reporting; libxml2 keeps the last. */
typedef struct {
    int set, line, col;
    char msg[200];
} first_error;

static void on_error(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr pc = ud;
    first_error *fe = pc ? pc->_private : NULL;
    if (!fe || fe->set || !e || e->level < XML_ERR_ERROR) return;
    fe->set = 1;
    fe->line = e->line;
    fe->col = e->int2;
    snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "cannot parse");
    size_t n = strlen(fe->msg);
    while (n && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' ')) fe->msg[--n] = '\0';
}

/* Refuses what no transcript needs before libxml2 sees it: entity
 * declarations (every expansion attack at once, whatever the libxml2
 * version) and sizes libxml2's int lengths cannot hold. */
static int precheck(ts_context *ctx, const ts_transcript *t)
{
    const char *d = t->input;
    size_t n = t->input_len;
    /* '!' is rarer than '<' in XML and in speech */
    for (const char *p = n ? memchr(d, '!', n) : NULL; p; p = memchr(p + 1, '!', (size_t)(d + n - p - 1))) {
        size_t i = (size_t)(p - d);
        if (i >= 1 && i + 7 <= n && memcmp(p - 1, "<!ENTITY", 8) == 0) {
            unsigned line, col;
            ts_offset_pos(d, i - 1, &line, &col);
            ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "XML entity declarations are not accepted");
            return -1;
        }
        if (i + 1 >= n) break;
    }
    if (n > (size_t)0x7fffffff) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "XML file too large");
        return -1;
    }
    return 0;
}

static const int parse_options =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT | XML_PARSE_BIG_LINES;

static void report_parse_error(ts_context *ctx, const ts_transcript *t, const first_error *fe)
{
    ts_diag_emit(ctx, t->name, fe->line > 0 ? (unsigned)fe->line : 1, fe->col > 0 ? (unsigned)fe->col : 1,
                 TS_SEV_ERROR, TS_DIAG_STRUCTURE, "invalid XML: %s", fe->set ? fe->msg : "cannot parse");
}

xmlDocPtr ts_xml_parse(ts_context *ctx, const ts_transcript *t, ts_status *st)
{
    *st = TS_ERR_INPUT;
    const char *d = t->input;
    size_t n = t->input_len;
    if (precheck(ctx, t)) return NULL;
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        *st = TS_ERR_NOMEM;
        return NULL;
    }
    first_error fe = {0, 0, 0, ""};
    pc->_private = &fe;
    if (pc->sax) pc->sax->serror = on_error;
    xmlDocPtr doc = xmlCtxtReadMemory(pc, d, (int)n, NULL, NULL, parse_options);
    if (!doc) {
        report_parse_error(ctx, t, &fe);
        xmlFreeParserCtxt(pc);
        return NULL;
    }
    xmlFreeParserCtxt(pc);
    xmlNodePtr bad = NULL;
    if (!depth_ok(xmlDocGetRootElement(doc), 1, &bad)) {
        ts_diag_emit(ctx, t->name, (unsigned)xmlGetLineNo(bad) > 0 ? (unsigned)xmlGetLineNo(bad) : 1, 1,
                     TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     bad->type == XML_ENTITY_REF_NODE
                         ? "undefined XML entity reference"
                         : "XML nested deeper than 64 levels");
        xmlFreeDoc(doc);
        return NULL;
    }
    *st = TS_OK;
    return doc;
}

/* ---- streaming ------------------------------------------------------- */

struct ts_xml_reader {
    first_error fe;          /* first: on_error finds it through _private */
    xmlParserCtxtPtr pc;
    const ts_xml_handler *h;
    void *ud;
    int depth;
    int quiet;               /* an error is recorded: no more events */
    ts_status st;            /* TS_ERR_NOMEM when memory ran out */
    /* the first entity reference or too deep node (reported before a
     * handler's error, as the tree check did) */
    unsigned bad_line;
    const char *bad_msg;
    /* a handler's error */
    unsigned fail_line, fail_col;
    ts_diag_code fail_code;
    char *fail_msg;          /* malloc'd */
    /* the current element's attributes and the strings they point to */
    ts_xml_att *atts;        /* malloc'd */
    size_t atts_cap;
    ts_buf strs;
};

static void stream_bad(ts_xml_reader *r, const char *msg)
{
    r->quiet = 1;
    if (r->bad_msg || r->st != TS_OK) return;
    r->bad_line = (unsigned)xmlSAX2GetLineNumber(r->pc);
    r->bad_msg = msg;
}

void ts_xml_nomem(ts_xml_reader *r)
{
    r->quiet = 1;
    r->st = TS_ERR_NOMEM;
    xmlStopParser(r->pc);
}

void ts_xml_fail(ts_xml_reader *r, unsigned line, unsigned col, ts_diag_code code, const char *fmt, ...)
{
    if (r->quiet) return;
    r->quiet = 1;
    r->fail_line = line;
    r->fail_col = col;
    r->fail_code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    r->fail_msg = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!r->fail_msg) {
        ts_xml_nomem(r);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

const char *ts_xml_att_get(const ts_xml_elem *e, const char *local, const char *ns_part)
{
    for (int i = 0; i < e->n_atts; i++) {
        const ts_xml_att *a = &e->atts[i];
        if (strcmp(a->name, local) != 0) continue;
        if (ns_part && (!a->ns || !strstr(a->ns, ns_part))) continue;
        return a->value;
    }
    return NULL;
}

/* The name the tree gives a node: libxml2 keeps an undeclared prefix. */
static const char *tree_name(ts_xml_reader *r, const xmlChar *local, const xmlChar *prefix,
                             const xmlChar *uri, size_t *off)
{
    *off = (size_t)-1;
    if (!prefix || uri) return (const char *)local;
    *off = r->strs.len;
    if (ts_buf_puts(&r->strs, (const char *)prefix) || ts_buf_putc(&r->strs, ':') ||
        ts_buf_puts(&r->strs, (const char *)local) || ts_buf_putc(&r->strs, '\0'))
        return NULL;
    return "";
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **nss, int nb_atts, int nb_defaulted,
                     const xmlChar **atts)
{
    (void)nb_ns;
    (void)nss;
    ts_xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
    if (++r->depth > TS_XML_MAX_DEPTH) stream_bad(r, "XML nested deeper than 64 levels");
    if (r->quiet) return;
    /* the tree leaves out attributes defaulted by a DTD */
    int n = nb_atts - nb_defaulted;
    if (n < 0) n = 0;
    if ((size_t)n > r->atts_cap) {
        size_t c = (size_t)n + 8;
        ts_xml_att *a = realloc(r->atts, c * sizeof *a);
        if (!a) {
            ts_xml_nomem(r);
            return;
        }
        r->atts = a;
        r->atts_cap = c;
    }
    /* names and values go into one buffer first (it may move), pointers after */
    r->strs.len = 0;
    size_t name_off, *offs = NULL, offs_small[2 * 16];
    if (n > 16 && !(offs = malloc(2 * (size_t)n * sizeof *offs))) {
        ts_xml_nomem(r);
        return;
    }
    if (!offs) offs = offs_small;
    const char *name = tree_name(r, local, prefix, uri, &name_off);
    int err = !name;
    for (int i = 0; i < n && !err; i++) {
        const xmlChar **a = atts + 5 * i;
        size_t aoff;
        const char *an = tree_name(r, a[0], a[1], a[2], &aoff);
        err = !an;
        r->atts[i].name = an;
        r->atts[i].ns = (const char *)a[2];
        offs[2 * i] = aoff;
        /* The value as the tree holds it: libxml2 hands '&' over as
         * "&#38;" and the tree decodes it. */
        offs[2 * i + 1] = r->strs.len;
        const char *v = (const char *)a[3], *ve = (const char *)a[4];
        while (!err && v < ve) {
            const char *amp = memchr(v, '&', (size_t)(ve - v));
            size_t k = amp ? (size_t)(amp - v) : (size_t)(ve - v);
            err = k && ts_buf_append(&r->strs, v, k);
            v += k;
            if (!amp || err) break;
            if (ve - v >= 5 && memcmp(v, "&#38;", 5) == 0) v += 5;
            else v++;
            err = ts_buf_putc(&r->strs, '&');
        }
        err = err || ts_buf_putc(&r->strs, '\0');
    }
    if (err) {
        if (offs != offs_small) free(offs);
        ts_xml_nomem(r);
        return;
    }
    if (name_off != (size_t)-1) name = r->strs.data + name_off;
    for (int i = 0; i < n; i++) {
        if (offs[2 * i] != (size_t)-1) r->atts[i].name = r->strs.data + offs[2 * i];
        r->atts[i].value = r->strs.data + offs[2 * i + 1];
    }
    if (offs != offs_small) free(offs);
    ts_xml_elem e = {name, r->atts, n, r->depth, (unsigned)xmlSAX2GetLineNumber(r->pc)};
    if (r->h->start) r->h->start(r, r->ud, &e);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)local;
    (void)prefix;
    (void)uri;
    ts_xml_reader *r = ((xmlParserCtxtPtr)ctx)->_private;
    int d = r->depth--;
    if (!r->quiet && r->h->end) r->h->end(r, r->ud, d);
}

static void text_node(ts_xml_reader *r, const xmlChar *s, int n, int cdata)
{
    if (r->depth + 1 > TS_XML_MAX_DEPTH) stream_bad(r, "XML nested deeper than 64 levels");
    if (!r->quiet && r->h->text && n > 0)
        r->h->text(r, r->ud, (const char *)s, (size_t)n, cdata, (unsigned)xmlSAX2GetLineNumber(r->pc));
}

static void on_chars(void *ctx, const xmlChar *s, int n) { text_node(((xmlParserCtxtPtr)ctx)->_private, s, n, 0); }
static void on_cdata(void *ctx, const xmlChar *s, int n) { text_node(((xmlParserCtxtPtr)ctx)->_private, s, n, 1); }

static void other_node(ts_xml_reader *r)
{
    if (r->depth + 1 > TS_XML_MAX_DEPTH) stream_bad(r, "XML nested deeper than 64 levels");
    if (!r->quiet && r->h->other) r->h->other(r, r->ud);
}

static void on_comment(void *ctx, const xmlChar *s)
{
    (void)s;
    other_node(((xmlParserCtxtPtr)ctx)->_private);
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    other_node(((xmlParserCtxtPtr)ctx)->_private);
}

/* Only undeclared entities get here (declarations are refused and the
 * predefined ones arrive as text): the tree would hold a reference node. */
static void on_reference(void *ctx, const xmlChar *name)
{
    (void)name;
    stream_bad(((xmlParserCtxtPtr)ctx)->_private, "undefined XML entity reference");
}

ts_status ts_xml_read(ts_context *ctx, const ts_transcript *t, const ts_xml_handler *h, void *ud)
{
    if (precheck(ctx, t)) return TS_ERR_INPUT;
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc || !pc->sax) {
        xmlFreeParserCtxt(pc);
        return TS_ERR_NOMEM;
    }
    ts_xml_reader r = {{0, 0, 0, ""}, pc, h, ud, 0, 0, TS_OK, 0, NULL, 0, 0, 0, NULL, NULL, 0, TS_BUF_INIT};
    /* no tree: only the events the readers need, and no DTD handling */
    xmlSAXHandler *sax = pc->sax;
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_chars;
    sax->ignorableWhitespace = on_chars;
    sax->cdataBlock = on_cdata;
    sax->comment = on_comment;
    sax->processingInstruction = on_pi;
    sax->reference = on_reference;
    sax->serror = on_error;
    pc->_private = &r;
    xmlCtxtReadMemory(pc, t->input, (int)t->input_len, NULL, NULL, parse_options);
    ts_status st = r.st;
    if (st == TS_OK) {
        st = TS_ERR_INPUT;
        if (!pc->wellFormed) report_parse_error(ctx, t, &r.fe);
        else if (r.bad_msg)
            ts_diag_emit(ctx, t->name, r.bad_line ? r.bad_line : 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "%s", r.bad_msg);
        else if (r.fail_msg)
            ts_diag_emit(ctx, t->name, r.fail_line, r.fail_col, TS_SEV_ERROR, r.fail_code, "%s", r.fail_msg);
        else st = TS_OK;
    }
    xmlFreeParserCtxt(pc);
    free(r.fail_msg);
    free(r.atts);
    ts_buf_release(&r.strs);
    return st;
}

static int collect(xmlNodePtr n, xmlNodePtr **v, size_t *len, size_t *cap)
{
    for (; n; n = n->next) {
        if (*len == *cap) {
            size_t c = *cap ? *cap * 2 : 256;
            xmlNodePtr *p = realloc(*v, c * sizeof *p);
            if (!p) return -1;
            *v = p;
            *cap = c;
        }
        (*v)[(*len)++] = n;
        if (n->type == XML_ELEMENT_NODE && collect(n->children, v, len, cap)) return -1;
    }
    return 0;
}

xmlNodePtr *ts_xml_nodes(xmlDocPtr doc, size_t *n)
{
    xmlNodePtr *v = NULL;
    size_t cap = 0;
    *n = 0;
    if (collect(doc->children, &v, n, &cap)) {
        free(v);
        return NULL;
    }
    if (!v) v = malloc(sizeof *v);
    return v;
}

int ts_xml_is(xmlNodePtr node, const char *local)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, local) == 0;
}

const char *ts_xml_nsattr(xmlNodePtr node, const char *local, const char *ns_part)
{
    if (!node || node->type != XML_ELEMENT_NODE) return NULL;
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, local) != 0) continue;
        if (ns_part && (!a->ns || !a->ns->href || !strstr((const char *)a->ns->href, ns_part))) continue;
        if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

const char *ts_xml_attr(xmlNodePtr node, const char *local) { return ts_xml_nsattr(node, local, NULL); }

static int out_write(void *ud, const char *buf, int len)
{
    ts_out_write(ud, buf, (size_t)len);
    return len;
}

int ts_xml_write(xmlDocPtr doc, int decl, ts_out *o)
{
    const char *enc = doc->encoding ? (const char *)doc->encoding : "UTF-8";
    xmlSaveCtxtPtr s = xmlSaveToIO(out_write, NULL, o, enc, decl ? 0 : XML_SAVE_NO_DECL);
    if (!s) return -1;
    long r = xmlSaveDoc(s, doc);
    xmlSaveClose(s);
    return r < 0 ? -1 : 0;
}

int ts_xml_escape(ts_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        }
        if (r ? ts_buf_puts(b, r) : ts_buf_putc(b, s[i])) return -1;
    }
    return 0;
}
