/*
 * fmt_ttml.c - TTML and DFXP (IMSC, EBU-TT-D, and the old 2006/10/ttaf1
 * namespace): one segment per <p> in <body>.
 *
 *     <tt xmlns="http://www.w3.org/ns/ttml" ttp:tickRate="10000000" ...>
 *       <head><metadata><ttm:agent xml:id="a1"><ttm:name>Anna</ttm:name>
 *       </ttm:agent></metadata></head>
 *       <body><div><p begin="00:00:01.000" end="10000000t"
 *       ttm:agent="a1">Hello<br/>there</p></div></body></tt>
 *
 * Times: clock (hh:mm:ss.fff, hh:mm:ss:ff at ttp:frameRate, with
 * ttp:frameRateMultiplier and ttp:subFrameRate) and offsets (h, m, s, ms,
 * f, t at ttp:tickRate); begin/end/dur of a <p> count from its enclosing
 * <body>/<div> begin.  The speaker is the <ttm:name> of the agent that
 * ttm:agent names (on the <p> or an ancestor), or the agent's id when it
 * has no name.  <br/> is a line break; spans give their text; whitespace
 * is collapsed unless xml:space="preserve".  Parsed with xmlkit (no
 * network, DTD or entities, depth limit).
 *
 * Round trip: a transcript written back with nothing changed is the input,
 * byte for byte.  Once something changed, libxml2 writes the document:
 * every element, attribute and metadata is kept, but the layout inside tags
 * (attributes on one line, double quotes) and the spelling of character
 * references are normalised.  A changed <p>
 * gets begin/end (or dur) as hh:mm:ss.mmm, its ttm:agent pointing at an
 * agent with the new name (added to head/metadata when missing), and, when
 * its text changed, the new text with <br/> for line breaks in place of
 * its children (inline <span> styling of that <p> is lost).  A merged
 * <p> is removed; a split adds a copy of the <p> after it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "fmtkit.h"
#include "timecode.h"
#include "xmlkit.h"

typedef struct {
    xmlDocPtr doc;
    xmlNodePtr *nodes;      /* document order */
    size_t n_nodes;
    int decl;               /* the input had an XML declaration */
} tt_doc;

typedef struct {
    size_t node;            /* index of the <p> */
    double base;            /* begin of its time container */
    int has_dur, has_end;
} tt_seg;

typedef struct {
    double frame_rate, sub_rate, tick_rate;
} rates;

/* A <p> of the body that is a segment: TTML does not nest paragraphs, and
 * a <p> inside another is only part of that one's markup. */
static int segment_p(xmlNodePtr n)
{
    if (!ts_xml_is(n, "p")) return 0;
    int body = 0;
    for (xmlNodePtr a = n->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
        if (ts_xml_is(a, "p")) return 0;
        body |= ts_xml_is(a, "body");
    }
    return body;
}

static void release_ttml(ts_transcript *t)
{
    tt_doc *d = t->fmt_data;
    if (d) {
        xmlFreeDoc(d->doc);
        free(d->nodes);
    }
    t->fmt_data = NULL;
}

static int digits(const char *s, int *n, double *v)
{
    int k = 0;
    double x = 0;
    while (s[k] >= '0' && s[k] <= '9' && k < 12) x = x * 10 + (s[k++] - '0');
    *n = k;
    *v = x;
    return k;
}

/* A TTML time expression in seconds; -1 when malformed. */
static double ttml_time(const char *s, const rates *r)
{
    if (!s) return -1;
    while (*s == ' ') s++;
    int n;
    double h, m, sec;
    const char *p = s;
    if (digits(p, &n, &h) && p[n] == ':') {
        p += n + 1;
        if (!digits(p, &n, &m) || n != 2 || p[n] != ':') return -1;
        p += n + 1;
        if (!digits(p, &n, &sec) || n != 2) return -1;
        p += n;
        double x = h * 3600 + m * 60 + sec;
        if (m > 59 || sec > 60) return -1;
        if (*p == '.') {
            p++;
            double f = 0, scale = 1;
            while (*p >= '0' && *p <= '9' && scale < 1e12) f = f * 10 + (*p++ - '0'), scale *= 10;
            if (scale == 1) return -1;
            x += f / scale;
        } else if (*p == ':') {
            double fr;
            p++;
            if (!digits(p, &n, &fr) || n < 2) return -1;
            p += n;
            double sub = 0;
            if (*p == '.') {
                p++;
                if (!digits(p, &n, &sub)) return -1;
                p += n;
            }
            x += (fr + sub / r->sub_rate) / r->frame_rate;
        }
        while (*p == ' ') p++;
        return *p ? -1 : x;
    }
    /* offset time */
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0) || v > 1e15) return -1;
    for (const char *q = s; q < end; q++)
        if (!((*q >= '0' && *q <= '9') || *q == '.')) return -1;
    double x;
    if (strcmp(end, "h") == 0) x = v * 3600;
    else if (strcmp(end, "m") == 0) x = v * 60;
    else if (strcmp(end, "s") == 0) x = v;
    else if (strcmp(end, "ms") == 0) x = v / 1000;
    else if (strcmp(end, "f") == 0) x = v / r->frame_rate;
    else if (strcmp(end, "t") == 0) x = v / r->tick_rate;
    else return -1;
    return x;
}

/* The agent's display name: its <ttm:name>, else its id. */
static const char *agent_name(xmlNodePtr *nodes, size_t n, const char *id, size_t *len)
{
    const char *one = id;
    size_t l = strcspn(id, " \t\n");
    for (size_t i = 0; i < n; i++) {
        xmlNodePtr a = nodes[i];
        if (!ts_xml_is(a, "agent")) continue;
        /* nodes may be the whole document or just its agents */
        const char *xid = ts_xml_attr(a, "id");
        if (!xid || strlen(xid) != l || memcmp(xid, one, l) != 0) continue;
        for (xmlNodePtr c = a->children; c; c = c->next)
            if (ts_xml_is(c, "name") && c->children && c->children->type == XML_TEXT_NODE) {
                const char *s = (const char *)c->children->content;
                while (*s == ' ' || *s == '\n' || *s == '\t') s++;
                size_t k = strlen(s);
                while (k && (s[k - 1] == ' ' || s[k - 1] == '\n' || s[k - 1] == '\t')) k--;
                if (k) {
                    *len = k;
                    return s;
                }
            }
        break;
    }
    *len = l;
    return one;
}

static int preserve_space(xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        const char *sp = ts_xml_attr(n, "space");
        if (sp) return strcmp(sp, "preserve") == 0;
    }
    return 0;
}

static int gather(ts_buf *b, xmlNodePtr n, int keep)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            const char *s = (const char *)n->content;
            if (!s) continue;
            if (keep) {
                if (ts_buf_puts(b, s)) return -1;
                continue;
            }
            /* runs of non-blanks are copied at once; a run of blanks
             * becomes one space */
            while (*s) {
                size_t k = strcspn(s, " \t\n\r");
                if (k && ts_buf_append(b, s, k)) return -1;
                s += k;
                if (!*s) break;
                s += strspn(s, " \t\n\r");
                if (b->len && b->data[b->len - 1] != ' ' && b->data[b->len - 1] != '\n' &&
                    ts_buf_putc(b, ' '))
                    return -1;
            }
        } else if (ts_xml_is(n, "br")) {
            if (!keep) while (b->len && b->data[b->len - 1] == ' ') b->len--;
            if (ts_buf_putc(b, '\n')) return -1;
        } else if (ts_xml_is(n, "span")) {
            if (gather(b, n->children, keep || preserve_space(n))) return -1;
        }
    }
    return 0;
}

static ts_status read_ttml(ts_context *ctx, ts_transcript *t)
{
    ts_status st;
    xmlDocPtr doc = ts_xml_parse(ctx, t, &st);
    if (!doc) return st;
    tt_doc *td = ts_arena_calloc(&t->arena, 1, sizeof *td);
    if (!td) {
        xmlFreeDoc(doc);
        return TS_ERR_NOMEM;
    }
    td->doc = doc;
    t->fmt_data = td;
    t->format = &ts_fmt_ttml;
    td->decl = t->input_len >= 5 && memcmp(t->input, "<?xml", 5) == 0;
    td->nodes = ts_xml_nodes(doc, &td->n_nodes);
    if (!td->nodes) return TS_ERR_NOMEM;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!ts_xml_is(root, "tt")) {
        ts_diag_emit(ctx, t->name, root ? (unsigned)xmlGetLineNo(root) : 1, 1, TS_SEV_ERROR,
                     TS_DIAG_STRUCTURE, "not TTML: the root element is not <tt>");
        return TS_ERR_INPUT;
    }
    rates r = {30, 1, 0};
    const char *fr = ts_xml_nsattr(root, "frameRate", "parameter");
    if (fr && (r.frame_rate = atof(fr)) <= 0) r.frame_rate = 30;
    const char *mul = ts_xml_nsattr(root, "frameRateMultiplier", "parameter");
    double num, den;
    if (mul && sscanf(mul, "%lf %lf", &num, &den) == 2 && num > 0 && den > 0) r.frame_rate *= num / den;
    const char *sub = ts_xml_nsattr(root, "subFrameRate", "parameter");
    if (sub && atof(sub) > 0) r.sub_rate = atof(sub);
    const char *tr = ts_xml_nsattr(root, "tickRate", "parameter");
    r.tick_rate = tr && atof(tr) > 0 ? atof(tr) : (fr ? r.frame_rate * r.sub_rate : 1);

    /* the agents, once: looking them up per <p> in the whole document
     * would make reading quadratic */
    size_t n_agents = 0;
    xmlNodePtr *agents = malloc((td->n_nodes + 1) * sizeof *agents);
    if (!agents) return TS_ERR_NOMEM;
    for (size_t i = 0; i < td->n_nodes; i++)
        if (ts_xml_is(td->nodes[i], "agent")) agents[n_agents++] = td->nodes[i];
    ts_buf b = TS_BUF_INIT;
    st = TS_ERR_INPUT;
    for (size_t i = 0; i < td->n_nodes; i++) {
        xmlNodePtr p = td->nodes[i];
        if (!segment_p(p)) continue;
        unsigned line = (unsigned)xmlGetLineNo(p);
        /* the container's begin */
        double base = 0, cont_end = -1;
        for (xmlNodePtr a = p->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
            const char *bg = ts_xml_attr(a, "begin");
            if (bg) {
                double x = ttml_time(bg, &r);
                if (x < 0) {
                    ts_diag_emit(ctx, t->name, (unsigned)xmlGetLineNo(a), 1, TS_SEV_ERROR,
                                 TS_DIAG_TIMECODE, "malformed TTML time '%s'", bg);
                    goto out;
                }
                base += x;
            }
        }
        const char *bs = ts_xml_attr(p, "begin"), *es = ts_xml_attr(p, "end"), *ds = ts_xml_attr(p, "dur");
        double a = bs ? ttml_time(bs, &r) : 0, e = es ? ttml_time(es, &r) : -1,
               du = ds ? ttml_time(ds, &r) : -1;
        const char *badv = bs && a < 0 ? bs : es && e < 0 ? es : ds && du < 0 ? ds : NULL;
        if (badv) {
            ts_diag_emit(ctx, t->name, line, 1, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                         "malformed TTML time '%s'", badv);
            goto out;
        }
        if (e < 0) e = du >= 0 ? a + du : (cont_end >= 0 ? cont_end : a);
        if (e < a) {
            ts_diag_emit(ctx, t->name, line, 1, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                         "end time is before the begin");
            goto out;
        }
        b.len = 0;
        int keep = preserve_space(p);
        if (gather(&b, p->children, keep)) { st = TS_ERR_NOMEM; goto out; }
        size_t s0 = 0, s1 = b.len;
        if (!keep) {
            while (s0 < s1 && (b.data[s0] == ' ' || b.data[s0] == '\n')) s0++;
            while (s1 > s0 && (b.data[s1 - 1] == ' ' || b.data[s1 - 1] == '\n')) s1--;
        }
        ts_segment *sg = ts_transcript_push(t);
        tt_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
        char *text = ts_arena_strndup(&t->arena, b.data ? b.data + s0 : "", s1 - s0);
        if (!sg || !fd || !text) { st = TS_ERR_NOMEM; goto out; }
        fd->node = i;
        fd->base = base;
        fd->has_dur = ds && !es;
        fd->has_end = es != NULL;
        sg->fmt_data = fd;
        sg->start = (ts_timecode){(int64_t)llround((base + a) * 1000.0), 3, TS_TC_MS, 0, '.'};
        sg->end = (ts_timecode){(int64_t)llround((base + e) * 1000.0), 3, TS_TC_MS, 0, '.'};
        sg->text = sg->orig_text = text;
        sg->text_len = sg->orig_len = (uint32_t)(s1 - s0);
        sg->line = sg->text_line = line;
        sg->text_col = 1;
        sg->flags |= TS_SEG_MAP_LOST;
        const char *ag = NULL;
        for (xmlNodePtr q = p; q && q->type == XML_ELEMENT_NODE && !ag; q = q->parent)
            ag = ts_xml_nsattr(q, "agent", "metadata");
        if (ag && *ag) {
            size_t l;
            const char *nm = agent_name(agents, n_agents, ag, &l);
            sg->speaker = ts_arena_strndup(&t->arena, nm, l);
            if (!sg->speaker) { st = TS_ERR_NOMEM; goto out; }
            sg->speaker_len = (uint32_t)l;
        } else {
            sg->speaker = "";
            sg->flags |= TS_SEG_NO_SPEAKER;
        }
    }
    st = TS_OK;
out:
    ts_buf_release(&b);
    free(agents);
    return st;
}

static void clock(double sec, char *b, size_t n)
{
    long long ms = llround(sec < 0 ? 0 : sec * 1000.0);
    snprintf(b, n, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60,
             ms % 1000);
}

static const char *const TTM_NS = "http://www.w3.org/ns/ttml#metadata";

/* The id of an agent called name[0..n) in the copy, adding one if none. */
static const xmlChar *agent_id(xmlDocPtr doc, xmlNodePtr root, const char *name, size_t n, int *counter)
{
    size_t nn;
    xmlNodePtr *nodes = ts_xml_nodes(doc, &nn);
    if (!nodes) return NULL;
    xmlNodePtr head = NULL, meta = NULL;
    const xmlChar *found = NULL;
    for (size_t i = 0; i < nn && !found; i++) {
        xmlNodePtr a = nodes[i];
        if (ts_xml_is(a, "head") && a->parent == root) head = a;
        if (ts_xml_is(a, "metadata") && head && a->parent == head) meta = a;
        if (!ts_xml_is(a, "agent")) continue;
        const char *id = ts_xml_attr(a, "id");
        if (!id) continue;
        size_t l;
        const char *nm = agent_name(nodes, nn, id, &l);
        if (l == n && memcmp(nm, name, n) == 0) found = (const xmlChar *)id;
    }
    free(nodes);
    if (found) return found;
    xmlNsPtr ns = xmlSearchNsByHref(doc, root, (const xmlChar *)TTM_NS);
    if (!ns) ns = xmlSearchNsByHref(doc, root, (const xmlChar *)"http://www.w3.org/2006/10/ttaf1#metadata");
    if (!ns) ns = xmlNewNs(root, (const xmlChar *)TTM_NS, (const xmlChar *)"ttm");
    if (!head) {
        head = xmlNewDocNode(doc, root->ns, (const xmlChar *)"head", NULL);
        if (!head) return NULL;
        if (root->children) xmlAddPrevSibling(root->children, head);
        else xmlAddChild(root, head);
    }
    if (!meta) {
        meta = xmlNewDocNode(doc, root->ns, (const xmlChar *)"metadata", NULL);
        if (!meta || !xmlAddChild(head, meta)) return NULL;
    }
    char id[48];
    snprintf(id, sizeof id, "tscrub-agent-%d", ++*counter);
    xmlNodePtr ag = xmlNewDocNode(doc, ns, (const xmlChar *)"agent", NULL);
    if (!ag || !xmlAddChild(meta, ag)) return NULL;
    xmlNsPtr xmlns = xmlSearchNs(doc, ag, (const xmlChar *)"xml");
    xmlSetNsProp(ag, xmlns, (const xmlChar *)"id", (const xmlChar *)id);
    xmlSetProp(ag, (const xmlChar *)"type", (const xmlChar *)"person");
    char *nm = strndup(name, n);
    if (!nm) return NULL;
    xmlNodePtr nmn = xmlNewDocNode(doc, ns, (const xmlChar *)"name", NULL);
    if (nmn) {
        xmlAddChild(ag, nmn);
        xmlNodeAddContent(nmn, (const xmlChar *)nm);
        xmlSetProp(nmn, (const xmlChar *)"type", (const xmlChar *)"full");
    }
    free(nm);
    return (const xmlChar *)ts_xml_attr(ag, "id");
}

static int set_text(xmlDocPtr doc, xmlNodePtr p, const char *s, size_t n)
{
    xmlNodePtr c = p->children;
    while (c) {
        xmlNodePtr next = c->next;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        c = next;
    }
    size_t i = 0;
    while (i <= n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        xmlNodePtr tx = xmlNewDocTextLen(doc, (const xmlChar *)s + i, (int)(e - i));
        if (!tx || !xmlAddChild(p, tx)) return -1;
        if (!nl) break;
        xmlNodePtr br = xmlNewDocNode(doc, p->ns, (const xmlChar *)"br", NULL);
        if (!br || !xmlAddChild(p, br)) return -1;
        i = e + 1;
    }
    return 0;
}

static ts_status write_native(ts_context *ctx, const ts_transcript *t, const tt_doc *td, ts_out *o)
{
    (void)ctx;
    int changed = 0;
    size_t np = 0;
    for (size_t i = 0; i < td->n_nodes; i++) np += segment_p(td->nodes[i]);
    if (t->n != np) changed = 1;
    for (size_t i = 0; i < t->n && !changed; i++)
        if (t->segs[i].flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW))
            changed = 1;
    if (!changed) {
        if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
        ts_out_write(o, t->input, t->input_len);
        return TS_OK;
    }
    ts_status st = TS_ERR_NOMEM;
    xmlDocPtr doc = xmlCopyDoc(td->doc, 1);
    size_t nn = 0;
    xmlNodePtr *nodes = doc ? ts_xml_nodes(doc, &nn) : NULL;
    unsigned char *used = calloc(td->n_nodes + 1, 1);
    xmlNodePtr *last = calloc(td->n_nodes + 1, sizeof *last);
    int counter = 0;
    if (!doc || !nodes || !used || !last || nn != td->n_nodes) goto out;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const tt_seg *fd = s->fmt_data;
        xmlNodePtr p;
        if (!last[fd->node]) {
            p = nodes[fd->node];
        } else {
            /* a split: a copy of the <p> after the previous part */
            p = xmlDocCopyNode(nodes[fd->node], doc, 2);
            if (!p || !xmlAddNextSibling(last[fd->node], p)) goto out;
        }
        last[fd->node] = p;
        used[fd->node] = 1;
        if (s->flags & (TS_SEG_TIMING_DIRTY | TS_SEG_NEW)) {
            char b[40];
            clock(ts_tc_seconds(&s->start) - fd->base, b, sizeof b);
            xmlSetProp(p, (const xmlChar *)"begin", (const xmlChar *)b);
            if (fd->has_dur) {
                snprintf(b, sizeof b, "%.3fs", ts_tc_seconds(&s->end) - ts_tc_seconds(&s->start));
                xmlSetProp(p, (const xmlChar *)"dur", (const xmlChar *)b);
            } else {
                clock(ts_tc_seconds(&s->end) - fd->base, b, sizeof b);
                xmlSetProp(p, (const xmlChar *)"end", (const xmlChar *)b);
            }
        }
        if (s->flags & TS_SEG_SPEAKER_DIRTY) {
            xmlAttrPtr old = NULL;
            for (xmlAttrPtr a = p->properties; a; a = a->next)
                if (strcmp((const char *)a->name, "agent") == 0) old = a;
            if (old) xmlRemoveProp(old);
            if (s->speaker_len) {
                const xmlChar *id = agent_id(doc, root, s->speaker, s->speaker_len, &counter);
                xmlNsPtr ns = xmlSearchNsByHref(doc, root, (const xmlChar *)TTM_NS);
                if (!ns) ns = xmlSearchNsByHref(doc, root, (const xmlChar *)"http://www.w3.org/2006/10/ttaf1#metadata");
                if (!id || !xmlSetNsProp(p, ns, (const xmlChar *)"agent", id)) goto out;
            }
        }
        if ((s->flags & (TS_SEG_TEXT_DIRTY | TS_SEG_NEW)) && set_text(doc, p, s->text, s->text_len)) goto out;
    }
    /* <p>s whose segment was merged into another */
    for (size_t i = 0; i < td->n_nodes; i++) {
        if (!segment_p(td->nodes[i]) || used[i]) continue;
        xmlUnlinkNode(nodes[i]);
        xmlFreeNode(nodes[i]);
    }
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    st = ts_xml_write(doc, td->decl, o) ? TS_ERR_NOMEM : TS_OK;
out:
    free(used);
    free(last);
    free(nodes);
    xmlFreeDoc(doc);
    return st;
}

static ts_status write_ttml(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    if (t->format == &ts_fmt_ttml && t->fmt_data) return write_native(ctx, t, t->fmt_data, o);
    ts_buf b = TS_BUF_INIT;
    const char *eol = t->eol;
    int err = 0;
    err |= ts_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>%s"
                             "<tt xmlns=\"http://www.w3.org/ns/ttml\" "
                             "xmlns:ttm=\"http://www.w3.org/ns/ttml#metadata\">%s",
                         eol, eol);
    /* agents: one per distinct speaker, in order of appearance */
    size_t nsp = 0;
    const ts_segment **first = calloc(t->n + 1, sizeof *first);
    size_t *idx = calloc(t->n + 1, sizeof *idx);
    if (!first || !idx) err = 1;
    for (size_t i = 0; !err && i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        if (!s->speaker_len) continue;
        size_t k = 0;
        while (k < nsp && !(first[k]->speaker_len == s->speaker_len &&
                            memcmp(first[k]->speaker, s->speaker, s->speaker_len) == 0))
            k++;
        if (k == nsp) first[nsp++] = s;
        idx[i] = k + 1;
    }
    if (!err && nsp) {
        err |= ts_buf_printf(&b, "  <head>%s    <metadata>%s", eol, eol);
        for (size_t k = 0; k < nsp; k++) {
            err |= ts_buf_printf(&b, "      <ttm:agent xml:id=\"speaker%zu\" type=\"person\"><ttm:name type=\"full\">", k + 1);
            err |= ts_xml_escape(&b, first[k]->speaker, first[k]->speaker_len);
            err |= ts_buf_printf(&b, "</ttm:name></ttm:agent>%s", eol);
        }
        err |= ts_buf_printf(&b, "    </metadata>%s  </head>%s", eol, eol);
    }
    err |= ts_buf_printf(&b, "  <body>%s    <div>%s", eol, eol);
    for (size_t i = 0; !err && i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        char a[40], z[40];
        clock(ts_tc_seconds(&s->start), a, sizeof a);
        clock(ts_tc_seconds(&s->end), z, sizeof z);
        err |= ts_buf_printf(&b, "      <p begin=\"%s\" end=\"%s\"", a, z);
        if (idx[i]) err |= ts_buf_printf(&b, " ttm:agent=\"speaker%zu\"", idx[i]);
        err |= ts_buf_puts(&b, ">");
        const char *p = s->text;
        size_t n = s->text_len;
        for (const char *q; (q = memchr(p, '\n', n));) {
            err |= ts_xml_escape(&b, p, (size_t)(q - p));
            err |= ts_buf_puts(&b, "<br/>");
            n -= (size_t)(q - p) + 1;
            p = q + 1;
        }
        err |= ts_xml_escape(&b, p, n);
        err |= ts_buf_printf(&b, "</p>%s", eol);
    }
    err |= ts_buf_printf(&b, "    </div>%s  </body>%s</tt>%s", eol, eol, eol);
    free(first);
    free(idx);
    if (!err) {
        if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
        ts_out_write(o, b.data, b.len);
    }
    ts_buf_release(&b);
    return err ? TS_ERR_NOMEM : TS_OK;
}

static int sniff_ttml(const char *d, size_t n)
{
    size_t lim = n < 4096 ? n : 4096;
    for (size_t i = 0; i + 4 <= lim; i++) {
        if (d[i] != '<') continue;
        size_t k = i + 1;
        if (k + 3 <= lim && memcmp(d + k, "tt:", 3) == 0) k += 3;
        if (k + 3 <= lim && d[k] == 't' && d[k + 1] == 't' &&
            (d[k + 2] == ' ' || d[k + 2] == '>' || d[k + 2] == '\n' || d[k + 2] == '\t' || d[k + 2] == '\r'))
            return 90;
    }
    return 0;
}

const ts_format ts_fmt_ttml = {
    .info = {"ttml", "TTML / DFXP (IMSC, EBU-TT-D; speakers from ttm:agent)", "ttml dfxp",
             "a <tt> element in the first 4 KiB"},
    .sniff = sniff_ttml,
    .read = read_ttml,
    .write = write_ttml,
    .release = release_ttml,
    .own_encoding = 1,
    .long_lines_ok = 1,
};
