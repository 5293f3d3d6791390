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

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemastypes.h>
#include <libxml/xmlsave.h>
#include <pthread.h>
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

xmlDocPtr ts_xml_parse(ts_context *ctx, const ts_transcript *t, ts_status *st)
{
    *st = TS_ERR_INPUT;
    const char *d = t->input;
    size_t n = t->input_len;
    for (size_t i = 0; i + 8 <= n; i++) {
        if (d[i] == '<' && d[i + 1] == '!' && memcmp(d + i, "<!ENTITY", 8) == 0) {
            unsigned line, col;
            ts_offset_pos(d, i, &line, &col);
            ts_diag_emit(ctx, t->name, line, col, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                         "XML entity declarations are not accepted");
            return NULL;
        }
    }
    if (n > (size_t)0x7fffffff) {
        ts_diag_emit(ctx, t->name, 1, 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE, "XML file too large");
        return NULL;
    }
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        *st = TS_ERR_NOMEM;
        return NULL;
    }
    first_error fe = {0, 0, 0, ""};
    pc->_private = &fe;
    if (pc->sax) pc->sax->serror = on_error;
    xmlDocPtr doc = xmlCtxtReadMemory(pc, d, (int)n, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_COMPACT | XML_PARSE_BIG_LINES);
    if (!doc) {
        ts_diag_emit(ctx, t->name, fe.line > 0 ? (unsigned)fe.line : 1,
                     fe.col > 0 ? (unsigned)fe.col : 1, TS_SEV_ERROR, TS_DIAG_STRUCTURE,
                     "invalid XML: %s", fe.set ? fe.msg : "cannot parse");
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
