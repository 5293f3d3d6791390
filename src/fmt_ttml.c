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
 * is collapsed unless xml:space="preserve".  Streamed with xmlkit (no
 * network, DTD or entities, depth limit; no tree): segments are made as
 * their </p> ends, speakers named once every agent is known, and each
 * segment keeps the ordinal of its <p>.
 *
 * Round trip: a transcript written back with nothing changed is the input,
 * byte for byte.  Once something changed, the document is parsed into a
 * tree, the <p>s are found again by their ordinals, and libxml2 writes it:
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "context.h"
#include "diag.h"
#include "fmt.h"
#include "fmtkit.h"
#include "strmap.h"
#include "timecode.h"
#include "xmlkit.h"

typedef struct {
    int decl;               /* the input had an XML declaration */
    size_t n_read;          /* segments (segment <p>s) read */
} tt_doc;

typedef struct {
    size_t p;               /* ordinal of its <p> among the segment <p>s */
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

/* ---- reading: streamed, no tree ---------------------------------------- */

/* An <agent> with an id; its name once a <name> child gave one. */
typedef struct {
    const char *name;       /* arena */
    uint32_t len;
} tt_agent;

/* What a ttm:agent token names.  Segments hold the token until the whole
 * document is read (agents may follow the text); the token is stored
 * after its resolution, so a segment's speaker pointer leads back to it. */
typedef struct {
    const char *name;       /* the agent's name (arena), NULL: the token stays */
    uint32_t len;
    char tok[];
} tt_ref;

typedef struct {
    unsigned line;
    uint8_t in_p, in_body;  /* a <p> / <body> is this element or an ancestor */
    uint8_t collect, keep;  /* its text and <br/>s go into the segment; blanks kept */
    uint8_t space;          /* the nearest xml:space says preserve */
    uint8_t has_begin, has_agent;
    double begin;
    const char *bad_begin;  /* its malformed begin (arena), else NULL */
    tt_ref *agent;          /* its ttm:agent (NULL with has_agent: an empty value) */
    tt_agent *agent_def;    /* it is an <agent> with an id */
} tt_frame;

typedef struct {
    ts_transcript *t;
    tt_doc *td;
    rates r;
    int depth;
    tt_frame fr[TS_XML_MAX_DEPTH]; /* fr[depth - 1] */
    /* the segment <p> being read (seg_depth 0: none) */
    int seg_depth;
    unsigned seg_line;
    double seg_a, seg_e, seg_base;
    int seg_dur, seg_end, seg_keep;
    tt_ref *seg_agent;
    ts_buf text;
    /* the first text node of an agent's <name> */
    tt_agent *name_of;
    ts_buf name;
    ts_strmap agents;       /* id -> tt_agent (the first agent with it) */
    ts_strmap refs;         /* token -> tt_ref */
} tt_reader;

static tt_ref *intern_ref(ts_xml_reader *xr, tt_reader *rd, const char *v)
{
    size_t l = strcspn(v, " \t\n");
    int added;
    ts_strmap_slot *sl = ts_strmap_put(&rd->refs, v, l, &added);
    if (sl && added) {
        tt_ref *ref = ts_arena_alloc(&rd->t->arena, sizeof *ref + l + 1);
        if (ref) {
            ref->name = NULL;
            ref->len = (uint32_t)l;
            memcpy(ref->tok, v, l);
            ref->tok[l] = '\0';
        }
        sl->value = ref;
    }
    if (!sl || !sl->value) ts_xml_nomem(xr);
    return sl ? sl->value : NULL;
}

/* The end of a <name>'s first text node: the agent's name if not blank. */
static void name_done(ts_xml_reader *xr, tt_reader *rd)
{
    const char *s = rd->name.data ? rd->name.data : "";
    size_t k = rd->name.len;
    while (k && (*s == ' ' || *s == '\n' || *s == '\t')) s++, k--;
    while (k && (s[k - 1] == ' ' || s[k - 1] == '\n' || s[k - 1] == '\t')) k--;
    if (k && !rd->name_of->name) {
        rd->name_of->name = ts_arena_strndup(&rd->t->arena, s, k);
        if (!rd->name_of->name) ts_xml_nomem(xr);
        rd->name_of->len = (uint32_t)k;
    }
    rd->name_of = NULL;
}

/* Appends text to the segment: runs of blanks become one space unless
 * kept.  Text arrives in pieces; the result is that of the whole. */
static int gather(ts_buf *b, const char *s, size_t n, int keep)
{
    if (keep) return ts_buf_append(b, s, n);
    if (ts_buf_reserve(b, n)) return -1;
    /* one pass over the bytes: the output is never longer than the input */
    char *o = b->data + b->len;
    char last = b->len ? b->data[b->len - 1] : '\0';
    int blank = 0;
    for (const char *e = s + n; s < e; s++) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = 1;
            continue;
        }
        if (blank && last && last != ' ' && last != '\n') *o++ = ' ';
        blank = 0;
        *o++ = last = c;
    }
    /* trailing blanks: one space, unless at the start or after a space or break */
    if (blank && last && last != ' ' && last != '\n') *o++ = ' ';
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return 0;
}

static void tt_text(ts_xml_reader *xr, void *ud, const char *s, size_t n, int cdata, unsigned line)
{
    (void)line;
    tt_reader *rd = ud;
    if (rd->name_of) {
        if (!cdata) {
            if (ts_buf_append(&rd->name, s, n)) ts_xml_nomem(xr);
            return;
        }
        name_done(xr, rd);
    }
    if (rd->seg_depth && rd->fr[rd->depth - 1].collect &&
        gather(&rd->text, s, n, rd->fr[rd->depth - 1].keep))
        ts_xml_nomem(xr);
}

static void tt_other(ts_xml_reader *xr, void *ud)
{
    tt_reader *rd = ud;
    if (rd->name_of) name_done(xr, rd);
}

static void seg_start(ts_xml_reader *xr, tt_reader *rd, const ts_xml_elem *e, tt_frame *f)
{
    /* the container's begin, summed from the <p> up as the tree reader did */
    double base = 0;
    for (int d = e->depth - 2; d >= 0; d--) {
        const tt_frame *a = &rd->fr[d];
        if (a->bad_begin) {
            ts_xml_fail(xr, a->line, 1, TS_DIAG_TIMECODE, "malformed TTML time '%s'", a->bad_begin);
            return;
        }
        if (a->has_begin) base += a->begin;
    }
    const char *bs = ts_xml_att_get(e, "begin", NULL), *es = ts_xml_att_get(e, "end", NULL),
               *ds = ts_xml_att_get(e, "dur", NULL);
    double a = bs ? ttml_time(bs, &rd->r) : 0, en = es ? ttml_time(es, &rd->r) : -1,
           du = ds ? ttml_time(ds, &rd->r) : -1;
    const char *badv = bs && a < 0 ? bs : es && en < 0 ? es : ds && du < 0 ? ds : NULL;
    if (badv) {
        ts_xml_fail(xr, e->line, 1, TS_DIAG_TIMECODE, "malformed TTML time '%s'", badv);
        return;
    }
    if (en < 0) en = du >= 0 ? a + du : a;
    if (en < a) {
        ts_xml_fail(xr, e->line, 1, TS_DIAG_TIMECODE, "end time is before the begin");
        return;
    }
    rd->seg_depth = e->depth;
    rd->seg_line = e->line;
    rd->seg_a = a;
    rd->seg_e = en;
    rd->seg_base = base;
    rd->seg_dur = ds && !es;
    rd->seg_end = es != NULL;
    rd->seg_keep = f->space;
    /* the speaker: ttm:agent of the <p> or of its nearest ancestor with one */
    rd->seg_agent = NULL;
    for (int d = e->depth - 1; d >= 0; d--)
        if (rd->fr[d].has_agent) {
            rd->seg_agent = rd->fr[d].agent;
            break;
        }
    f->collect = 1;
    f->keep = f->space;
    rd->text.len = 0;
}

static void seg_end(ts_xml_reader *xr, tt_reader *rd)
{
    ts_transcript *t = rd->t;
    ts_buf *b = &rd->text;
    size_t s0 = 0, s1 = b->len;
    if (!rd->seg_keep) {
        while (s0 < s1 && (b->data[s0] == ' ' || b->data[s0] == '\n')) s0++;
        while (s1 > s0 && (b->data[s1 - 1] == ' ' || b->data[s1 - 1] == '\n')) s1--;
    }
    ts_segment *sg = ts_transcript_push(t);
    tt_seg *fd = ts_arena_alloc(&t->arena, sizeof *fd);
    char *text = ts_arena_strndup(&t->arena, b->data ? b->data + s0 : "", s1 - s0);
    rd->seg_depth = 0;
    if (!sg || !fd || !text) {
        ts_xml_nomem(xr);
        return;
    }
    fd->p = rd->td->n_read++;
    fd->base = rd->seg_base;
    fd->has_dur = rd->seg_dur;
    fd->has_end = rd->seg_end;
    sg->fmt_data = fd;
    double base = rd->seg_base;
    sg->start = (ts_timecode){(int64_t)llround((base + rd->seg_a) * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->end = (ts_timecode){(int64_t)llround((base + rd->seg_e) * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->text = sg->orig_text = text;
    sg->text_len = sg->orig_len = (uint32_t)(s1 - s0);
    sg->line = sg->text_line = rd->seg_line;
    sg->text_col = 1;
    sg->flags |= TS_SEG_MAP_LOST;
    if (rd->seg_agent) {
        /* the token, until every agent is known */
        sg->speaker = rd->seg_agent->tok;
        sg->speaker_len = rd->seg_agent->len;
    } else {
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
    }
}

static void read_rates(rates *r, const ts_xml_elem *e)
{
    *r = (rates){30, 1, 0};
    const char *fr = ts_xml_att_get(e, "frameRate", "parameter");
    if (fr && (r->frame_rate = atof(fr)) <= 0) r->frame_rate = 30;
    const char *mul = ts_xml_att_get(e, "frameRateMultiplier", "parameter");
    double num, den;
    if (mul && sscanf(mul, "%lf %lf", &num, &den) == 2 && num > 0 && den > 0) r->frame_rate *= num / den;
    const char *sub = ts_xml_att_get(e, "subFrameRate", "parameter");
    if (sub && atof(sub) > 0) r->sub_rate = atof(sub);
    const char *tr = ts_xml_att_get(e, "tickRate", "parameter");
    r->tick_rate = tr && atof(tr) > 0 ? atof(tr) : (fr ? r->frame_rate * r->sub_rate : 1);
}

static void tt_start(ts_xml_reader *xr, void *ud, const ts_xml_elem *e)
{
    tt_reader *rd = ud;
    if (rd->name_of) name_done(xr, rd);
    rd->depth = e->depth;
    tt_frame *f = &rd->fr[e->depth - 1], *up = e->depth > 1 ? f - 1 : NULL;
    memset(f, 0, sizeof *f);
    f->line = e->line;
    if (!up) {
        if (strcmp(e->name, "tt") != 0) {
            ts_xml_fail(xr, e->line, 1, TS_DIAG_STRUCTURE, "not TTML: the root element is not <tt>");
            return;
        }
        read_rates(&rd->r, e);
    }
    const char *sp = ts_xml_att_get(e, "space", NULL);
    f->space = sp ? strcmp(sp, "preserve") == 0 : up ? up->space : 0;
    const char *bg = ts_xml_att_get(e, "begin", NULL);
    if (bg) {
        double x = ttml_time(bg, &rd->r);
        if (x >= 0) {
            f->has_begin = 1;
            f->begin = x;
        } else if (!(f->bad_begin = ts_arena_strdup(&rd->t->arena, bg))) {
            ts_xml_nomem(xr);
            return;
        }
    }
    const char *ag = ts_xml_att_get(e, "agent", "metadata");
    if (ag) {
        f->has_agent = 1;
        if (*ag && !(f->agent = intern_ref(xr, rd, ag))) return;
    }
    int is_p = strcmp(e->name, "p") == 0;
    f->in_p = (up && up->in_p) || is_p;
    f->in_body = (up && up->in_body) || strcmp(e->name, "body") == 0;
    if (is_p && up && !up->in_p && up->in_body) {
        seg_start(xr, rd, e, f);
    } else if (up && up->collect) {
        if (strcmp(e->name, "br") == 0) {
            ts_buf *b = &rd->text;
            if (!up->keep)
                while (b->len && b->data[b->len - 1] == ' ') b->len--;
            if (ts_buf_putc(b, '\n')) ts_xml_nomem(xr);
        } else if (strcmp(e->name, "span") == 0) {
            f->collect = 1;
            f->keep = up->keep || f->space;
        }
    }
    if (strcmp(e->name, "agent") == 0) {
        const char *id = ts_xml_att_get(e, "id", NULL);
        if (id) {
            int added;
            ts_strmap_slot *sl = ts_strmap_put(&rd->agents, id, strlen(id), &added);
            tt_agent *def = ts_arena_calloc(&rd->t->arena, 1, sizeof *def);
            if (!sl || !def) {
                ts_xml_nomem(xr);
                return;
            }
            if (added) sl->value = def;
            f->agent_def = def;
        }
    } else if (up && up->agent_def && !up->agent_def->name && strcmp(e->name, "name") == 0) {
        rd->name_of = up->agent_def;
        rd->name.len = 0;
    }
}

static void tt_end(ts_xml_reader *xr, void *ud, int depth)
{
    tt_reader *rd = ud;
    if (rd->name_of) name_done(xr, rd);
    if (depth == rd->seg_depth) seg_end(xr, rd);
    rd->depth = depth - 1;
}

static ts_status read_ttml(ts_context *ctx, ts_transcript *t)
{
    tt_doc *td = ts_arena_calloc(&t->arena, 1, sizeof *td);
    tt_reader *rd = calloc(1, sizeof *rd);
    if (!td || !rd) {
        free(rd);
        return TS_ERR_NOMEM;
    }
    td->decl = t->input_len >= 5 && memcmp(t->input, "<?xml", 5) == 0;
    rd->t = t;
    rd->td = td;
    ts_strmap_init(&rd->agents);
    ts_strmap_init(&rd->refs);
    static const ts_xml_handler h = {tt_start, tt_end, tt_text, tt_other};
    ts_status st = ts_xml_read(ctx, t, &h, rd);
    if (st == TS_OK) {
        t->fmt_data = td;
        t->format = &ts_fmt_ttml;
        /* the agents' names, now that every agent is known */
        for (size_t i = 0; i < rd->refs.cap; i++) {
            tt_ref *ref = rd->refs.slots[i].key ? rd->refs.slots[i].value : NULL;
            ts_strmap_slot *sl = ref ? ts_strmap_find(&rd->agents, ref->tok, ref->len) : NULL;
            const tt_agent *a = sl ? sl->value : NULL;
            if (a && a->name) {
                ref->name = a->name;
                ref->len = a->len;
            }
        }
        for (size_t i = 0; i < t->n; i++) {
            ts_segment *sg = &t->segs[i];
            if (sg->flags & TS_SEG_NO_SPEAKER) continue;
            const tt_ref *ref = (const tt_ref *)(sg->speaker - offsetof(tt_ref, tok));
            if (ref->name) {
                sg->speaker = ref->name;
                sg->speaker_len = ref->len;
            }
        }
    }
    ts_buf_release(&rd->text);
    ts_buf_release(&rd->name);
    ts_strmap_release(&rd->agents);
    ts_strmap_release(&rd->refs);
    free(rd);
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
    int changed = t->n != td->n_read;
    for (size_t i = 0; i < t->n && !changed; i++)
        if (t->segs[i].flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW))
            changed = 1;
    if (!changed) {
        if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
        ts_out_write(o, t->input, t->input_len);
        return TS_OK;
    }
    /* The tree, only now that it is needed; it was read before, so it parses. */
    ts_status st;
    xmlDocPtr doc = ts_xml_parse(ctx, t, &st);
    if (!doc) return st;
    st = TS_ERR_NOMEM;
    size_t nn = 0, np = 0;
    xmlNodePtr *nodes = ts_xml_nodes(doc, &nn);
    unsigned char *used = calloc(td->n_read + 1, 1);
    xmlNodePtr *last = calloc(td->n_read + 1, sizeof *last);
    int counter = 0;
    if (!nodes || !used || !last) goto out;
    /* nodes[k]: the kth segment <p>, as the reader counted them */
    for (size_t i = 0; i < nn; i++)
        if (segment_p(nodes[i])) nodes[np++] = nodes[i];
    if (np != td->n_read) goto out;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const tt_seg *fd = s->fmt_data;
        xmlNodePtr p;
        if (!last[fd->p]) {
            p = nodes[fd->p];
        } else {
            /* a split: a copy of the <p> after the previous part */
            p = xmlDocCopyNode(nodes[fd->p], doc, 2);
            if (!p || !xmlAddNextSibling(last[fd->p], p)) goto out;
        }
        last[fd->p] = p;
        used[fd->p] = 1;
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
    for (size_t i = 0; i < np; i++) {
        if (used[i]) continue;
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
    .own_encoding = 1,
    .long_lines_ok = 1,
};
