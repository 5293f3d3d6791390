/*
 * fmt_trs.c - Transcriber (.trs) files:
 *
 *     <?xml version="1.0" encoding="ISO-8859-1"?>
 *     <!DOCTYPE Trans SYSTEM "trans-14.dtd">
 *     <Trans ...><Speakers><Speaker id="sp1" name="Anna"/></Speakers>
 *     <Episode><Section type="report" startTime="0" endTime="9.6">
 *     <Turn speaker="sp1" startTime="0" endTime="9.6">
 *     <Sync time="0"/>
 *     text
 *     <Event desc="rire"/>
 *     more text
 *     <Sync time="4.2"/>
 *     ...
 *
 * A segment is the text of a Turn from one <Sync> to the next; in an
 * overlapping turn (speaker="sp1 sp2") each <Who nb="N"/> starts a segment
 * of the Nth speaker, with the times of its Sync span (so segments may
 * overlap).  Its end is the next Sync or the Turn's endTime.  The speaker
 * is the <Speaker>'s name.  Events, comments and backgrounds are not text
 * and stay where they are.  Whitespace in the text is collapsed.  The
 * document's declared encoding (usually ISO-8859-1) is decoded by
 * libxml2, parsed with xmlkit (no network, DTD or entities, depth limit);
 * the DOCTYPE is kept but its DTD is never loaded.
 *
 * Round trip: a transcript written back with nothing changed is the input,
 * byte for byte.  Once something changed, libxml2 writes the document in
 * its declared encoding: everything is kept, but the layout inside tags
 * (attributes on one line, double quotes) and the spelling of character
 * references are normalised.  A changed segment's text goes into
 * its first text node, as one line; its other text nodes become line
 * breaks (so events that stood between its words follow the text); a
 * changed start
 * sets its Sync time; a changed speaker moves the segment (and the rest of
 * its Turn) into a new Turn of that speaker, adding a <Speaker> when the
 * name is new.  A merged segment's Sync and text are removed; a split adds
 * a <Sync> with the new segment's text after its part.
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
    xmlNodePtr *nodes;
    size_t n_nodes;
    xmlNodePtr *speakers;   /* the <Speaker> elements (reading only) */
    size_t n_speakers;
} trs_doc;

typedef struct {
    size_t turn;        /* node index of the Turn */
    size_t first;       /* first node of the chunk (a Sync, Who or text) */
    size_t next;        /* node that ends the chunk (SIZE_MAX: end of turn) */
    int starts_sync;    /* the chunk begins with its own <Sync> */
} trs_seg;

#define NONE ((size_t)-1)

static void release_trs(ts_transcript *t)
{
    trs_doc *d = t->fmt_data;
    if (d) {
        xmlFreeDoc(d->doc);
        free(d->nodes);
        free(d->speakers);
    }
    t->fmt_data = NULL;
}

static int parse_secs(const char *s, double *out)
{
    if (!s) return -1;
    char *end;
    double x = strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || *end || !(x >= 0 && x < 1e8)) return -1;
    *out = x;
    return 0;
}

static size_t index_of(const trs_doc *d, xmlNodePtr n, size_t from)
{
    for (size_t i = from; i < d->n_nodes; i++)
        if (d->nodes[i] == n) return i;
    for (size_t i = 0; i < from && i < d->n_nodes; i++)
        if (d->nodes[i] == n) return i;
    return NONE;
}

/* Name of speaker id[0..n) (the id itself when it has no <Speaker>). */
static const char *speaker_name(const trs_doc *d, const char *id, size_t n, size_t *len)
{
    for (size_t i = 0; i < d->n_speakers; i++) {
        xmlNodePtr s = d->speakers[i];
        const char *sid = ts_xml_attr(s, "id");
        if (!sid || strlen(sid) != n || memcmp(sid, id, n) != 0) continue;
        const char *nm = ts_xml_attr(s, "name");
        if (nm && *nm) {
            *len = strlen(nm);
            return nm;
        }
        break;
    }
    *len = n;
    return id;
}

static int append_text(ts_buf *b, const char *s)
{
    while (*s) {
        size_t k = strcspn(s, " \t\n\r");
        if (k && ts_buf_append(b, s, k)) return -1;
        s += k;
        if (!*s) break;
        s += strspn(s, " \t\n\r");
        if (b->len && b->data[b->len - 1] != ' ' && ts_buf_putc(b, ' ')) return -1;
    }
    return 0;
}

typedef struct {
    ts_context *ctx;
    ts_transcript *t;
    trs_doc *d;
    ts_buf text;
} reader;

static ts_status emit(reader *r, size_t turn, size_t first, size_t next, int sync, double a, double e,
                      const char *spk, size_t spk_len, unsigned line)
{
    size_t s0 = 0, s1 = r->text.len;
    while (s0 < s1 && r->text.data[s0] == ' ') s0++;
    while (s1 > s0 && r->text.data[s1 - 1] == ' ') s1--;
    if (s1 == s0) return TS_OK;
    ts_transcript *t = r->t;
    if (e < a) e = a;
    if (t->n && a < ts_tc_seconds(&t->segs[t->n - 1].start)) {
        ts_diag_emit(r->ctx, t->name, line, 1, TS_SEV_ERROR, TS_DIAG_ORDER,
                     "Sync time before the previous one");
        return TS_ERR_INPUT;
    }
    ts_segment *sg = ts_transcript_push(t);
    trs_seg *fd = ts_arena_calloc(&t->arena, 1, sizeof *fd);
    char *txt = ts_arena_strndup(&t->arena, r->text.data + s0, s1 - s0);
    if (!sg || !fd || !txt) return TS_ERR_NOMEM;
    fd->turn = turn;
    fd->first = first;
    fd->next = next;
    fd->starts_sync = sync;
    sg->fmt_data = fd;
    sg->start = (ts_timecode){(int64_t)llround(a * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->end = (ts_timecode){(int64_t)llround(e * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->text = sg->orig_text = txt;
    sg->text_len = sg->orig_len = (uint32_t)(s1 - s0);
    sg->line = sg->text_line = line;
    sg->text_col = 1;
    sg->flags |= TS_SEG_MAP_LOST;
    if (spk_len) {
        sg->speaker = ts_arena_strndup(&t->arena, spk, spk_len);
        if (!sg->speaker) return TS_ERR_NOMEM;
        sg->speaker_len = (uint32_t)spk_len;
    } else {
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
    }
    return TS_OK;
}

static ts_status read_turn(reader *r, size_t ti)
{
    xmlNodePtr turn = r->d->nodes[ti];
    double ts, te;
    const char *sa = ts_xml_attr(turn, "startTime"), *ea = ts_xml_attr(turn, "endTime");
    unsigned tline = (unsigned)xmlGetLineNo(turn);
    if (parse_secs(sa, &ts) || parse_secs(ea, &te)) {
        ts_diag_emit(r->ctx, r->t->name, tline, 1, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                     "Turn needs startTime and endTime in seconds");
        return TS_ERR_INPUT;
    }
    const char *ids = ts_xml_attr(turn, "speaker");
    const char *idv[16];
    size_t idl[16], nid = 0;
    for (const char *p = ids ? ids : ""; *p && nid < 16;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ') q++;
        idv[nid] = p;
        idl[nid++] = (size_t)(q - p);
        p = q;
    }
    /* chunks */
    double cur = ts;
    int who = nid == 1 ? 1 : 0;
    size_t first = NONE;
    int sync = 0;
    unsigned line = tline;
    r->text.len = 0;
    ts_status st;
    for (xmlNodePtr c = turn->children; c; c = c->next) {
        int is_sync = ts_xml_is(c, "Sync"), is_who = ts_xml_is(c, "Who");
        if (is_sync || is_who) {
            /* end of the current chunk: the next Sync time (or this one) */
            double end = te;
            if (is_sync) {
                double x;
                if (parse_secs(ts_xml_attr(c, "time"), &x)) {
                    ts_diag_emit(r->ctx, r->t->name, (unsigned)xmlGetLineNo(c), 1, TS_SEV_ERROR,
                                 TS_DIAG_TIMECODE, "Sync needs a time in seconds");
                    return TS_ERR_INPUT;
                }
                end = x;
            } else {
                for (xmlNodePtr n = c->next; n; n = n->next)
                    if (ts_xml_is(n, "Sync") && !parse_secs(ts_xml_attr(n, "time"), &end)) break;
            }
            size_t nm_len = 0;
            const char *nm = who >= 1 && (size_t)who <= nid ? speaker_name(r->d, idv[who - 1], idl[who - 1], &nm_len) : "";
            size_t here = index_of(r->d, c, ti);
            if (first != NONE &&
                (st = emit(r, ti, first, here, sync, cur, end, nm, nm_len, line)))
                return st;
            r->text.len = 0;
            first = here;
            sync = is_sync;
            line = (unsigned)xmlGetLineNo(c);
            if (is_sync) cur = end;
            else {
                const char *nb = ts_xml_attr(c, "nb");
                who = nb ? atoi(nb) : 0;
            }
            continue;
        }
        if (c->type == XML_TEXT_NODE && c->content) {
            if (first == NONE) {
                first = index_of(r->d, c, ti);
                line = (unsigned)xmlGetLineNo(c);
            }
            if (append_text(&r->text, (const char *)c->content)) return TS_ERR_NOMEM;
        }
    }
    size_t nm_len = 0;
    const char *nm = who >= 1 && (size_t)who <= nid ? speaker_name(r->d, idv[who - 1], idl[who - 1], &nm_len) : "";
    if (first != NONE && (st = emit(r, ti, first, NONE, sync, cur, te, nm, nm_len, line))) return st;
    return TS_OK;
}

static ts_status read_trs(ts_context *ctx, ts_transcript *t)
{
    ts_status st;
    xmlDocPtr doc = ts_xml_parse(ctx, t, &st);
    if (!doc) return st;
    trs_doc *d = ts_arena_calloc(&t->arena, 1, sizeof *d);
    if (!d) {
        xmlFreeDoc(doc);
        return TS_ERR_NOMEM;
    }
    d->doc = doc;
    t->fmt_data = d;
    t->format = &ts_fmt_trs;
    d->nodes = ts_xml_nodes(doc, &d->n_nodes);
    if (!d->nodes) return TS_ERR_NOMEM;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!ts_xml_is(root, "Trans")) {
        ts_diag_emit(ctx, t->name, root ? (unsigned)xmlGetLineNo(root) : 1, 1, TS_SEV_ERROR,
                     TS_DIAG_STRUCTURE, "not a Transcriber file: the root element is not <Trans>");
        return TS_ERR_INPUT;
    }
    d->speakers = malloc((d->n_nodes + 1) * sizeof *d->speakers);
    if (!d->speakers) return TS_ERR_NOMEM;
    for (size_t i = 0; i < d->n_nodes; i++)
        if (ts_xml_is(d->nodes[i], "Speaker")) d->speakers[d->n_speakers++] = d->nodes[i];
    reader r = {ctx, t, d, TS_BUF_INIT};
    st = TS_OK;
    for (size_t i = 0; i < d->n_nodes && !st; i++)
        if (ts_xml_is(d->nodes[i], "Turn")) st = read_turn(&r, i);
    ts_buf_release(&r.text);
    return st;
}

/* ---- writing ------------------------------------------------------------ */

static void secs(double x, char *b, size_t n) { snprintf(b, n, "%.3f", x < 0 ? 0 : x); }

/* The id of the speaker named name[0..n) in doc, adding a <Speaker>. */
static const char *speaker_id(xmlDocPtr doc, const char *name, size_t n)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), spk = NULL;
    size_t nn;
    xmlNodePtr *nodes = ts_xml_nodes(doc, &nn);
    if (!nodes) return NULL;
    const char *found = NULL;
    int max = 0;
    for (size_t i = 0; i < nn && !found; i++) {
        xmlNodePtr s = nodes[i];
        if (ts_xml_is(s, "Speakers")) spk = s;
        if (!ts_xml_is(s, "Speaker")) continue;
        const char *id = ts_xml_attr(s, "id"), *nm = ts_xml_attr(s, "name");
        if (id && strncmp(id, "spk", 3) == 0 && atoi(id + 3) > max) max = atoi(id + 3);
        if (id && nm && strlen(nm) == n && memcmp(nm, name, n) == 0) found = id;
    }
    free(nodes);
    if (found) return found;
    if (!spk) {
        spk = xmlNewDocNode(doc, NULL, (const xmlChar *)"Speakers", NULL);
        if (!spk) return NULL;
        if (root->children) xmlAddPrevSibling(root->children, spk);
        else xmlAddChild(root, spk);
    }
    char id[32], *nm = strndup(name, n);
    snprintf(id, sizeof id, "spk%d", max + 1);
    xmlNodePtr s = xmlNewDocNode(doc, NULL, (const xmlChar *)"Speaker", NULL);
    if (!nm || !s || !xmlAddChild(spk, s)) {
        free(nm);
        return NULL;
    }
    xmlSetProp(s, (const xmlChar *)"id", (const xmlChar *)id);
    xmlSetProp(s, (const xmlChar *)"name", (const xmlChar *)nm);
    free(nm);
    return ts_xml_attr(s, "id");
}

/* The chunk from `first` up to `stop` gets `text` (when `put`) in its first
 * text node; its other text nodes become line breaks, so the markers and
 * events in it keep their lines. */
static int replace_chunk_text(xmlDocPtr doc, xmlNodePtr first, xmlNodePtr stop, const char *text,
                              size_t len, int put)
{
    char *s = malloc(len + 3);
    if (!s) return -1;
    s[0] = '\n';
    if (len) memcpy(s + 1, text, len);
    for (size_t i = 1; i <= len; i++)
        if (s[i] == '\n') s[i] = ' ';
    s[len + 1] = '\n';
    s[len + 2] = '\0';
    int done = !put;
    for (xmlNodePtr c = first; c && c != stop; c = c->next) {
        if (c->type != XML_TEXT_NODE) continue;
        xmlNodeSetContent(c, (const xmlChar *)(done ? "\n" : s));
        done = 1;
    }
    int rc = 0;
    if (!done) {
        /* no text node yet: one right after the chunk's marker */
        xmlNodePtr tx = xmlNewDocText(doc, (const xmlChar *)s);
        rc = tx && xmlAddNextSibling(first, tx) ? 0 : -1;
    }
    free(s);
    return rc;
}

static ts_status write_native(const ts_transcript *t, const trs_doc *td, ts_out *o)
{
    int changed = 0;
    for (size_t i = 0; i < t->n && !changed; i++)
        if (t->segs[i].flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW))
            changed = 1;
    /* a merge leaves a chunk without its segment */
    for (size_t i = 1; i < t->n && !changed; i++) {
        const trs_seg *a = t->segs[i - 1].fmt_data, *b = t->segs[i].fmt_data;
        if (a->next != b->first && a->next != NONE) {
            /* chunks without text between are fine; a text chunk is not */
            for (xmlNodePtr c = td->nodes[a->next]; c && c != td->nodes[b->first]; c = c->next)
                if (c->type == XML_TEXT_NODE && c->content && strspn((const char *)c->content, " \t\r\n") < strlen((const char *)c->content))
                    changed = 1;
        }
    }
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
    if (!doc || !nodes || !used || nn != td->n_nodes) goto out;
    /* First every chunk's text (before turns are split), then speakers. */
    for (size_t i = 0; i < t->n; i++) used[((const trs_seg *)t->segs[i].fmt_data)->first] = 1;
    for (size_t i = 0; i < td->n_nodes; i++) {
        /* chunks of merged segments: drop their text and Sync */
        xmlNodePtr n = td->nodes[i];
        if (used[i] || !(ts_xml_is(n, "Sync") || ts_xml_is(n, "Who")) || !ts_xml_is(n->parent, "Turn"))
            continue; /* only chunks the reader made segments of */
        int text = 0;
        for (xmlNodePtr c = n->next; c && !ts_xml_is(c, "Sync") && !ts_xml_is(c, "Who"); c = c->next)
            if (c->type == XML_TEXT_NODE && strspn((const char *)c->content, " \t\r\n") < strlen((const char *)c->content)) text = 1;
        if (!text) continue;
        xmlNodePtr stop = nodes[i]->next;
        while (stop && !ts_xml_is(stop, "Sync") && !ts_xml_is(stop, "Who")) stop = stop->next;
        if (replace_chunk_text(doc, nodes[i], stop, NULL, 0, 0)) goto out;
        if (ts_xml_is(n, "Sync")) {
            xmlUnlinkNode(nodes[i]);
            xmlFreeNode(nodes[i]);
            nodes[i] = NULL;
        }
    }
    xmlNodePtr prev_end = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const trs_seg *fd = s->fmt_data;
        xmlNodePtr first = nodes[fd->first], stop = fd->next != NONE ? nodes[fd->next] : NULL;
        if (!first) goto out;
        if (s->flags & TS_SEG_NEW) {
            /* a split: a new Sync with this text after the previous part */
            char b[32];
            secs(ts_tc_seconds(&s->start), b, sizeof b);
            xmlNodePtr sy = xmlNewDocNode(doc, NULL, (const xmlChar *)"Sync", NULL);
            if (!sy || !prev_end || !xmlAddNextSibling(prev_end, sy)) goto out;
            xmlSetProp(sy, (const xmlChar *)"time", (const xmlChar *)b);
            if (replace_chunk_text(doc, sy, sy->next, s->text, s->text_len, 1)) goto out;
            prev_end = sy->next;
            first = sy;
        } else {
            if ((s->flags & TS_SEG_TEXT_DIRTY) || (i + 1 < t->n && (t->segs[i + 1].flags & TS_SEG_NEW)))
                if (replace_chunk_text(doc, first, stop, s->text, s->text_len, 1)) goto out;
            prev_end = stop ? stop->prev : NULL;
            if (!prev_end) {
                prev_end = first;
                while (prev_end->next) prev_end = prev_end->next;
            }
            if ((s->flags & TS_SEG_TIMING_DIRTY) && fd->starts_sync) {
                char b[32];
                secs(ts_tc_seconds(&s->start), b, sizeof b);
                xmlSetProp(first, (const xmlChar *)"time", (const xmlChar *)b);
            }
        }
        if (s->flags & TS_SEG_SPEAKER_DIRTY) {
            xmlNodePtr turn = first->parent;
            const char *id = s->speaker_len ? speaker_id(doc, s->speaker, s->speaker_len) : NULL;
            if (s->speaker_len && !id) goto out;
            int at_start = 1;
            for (xmlNodePtr c = turn->children; c && c != first; c = c->next)
                if (c->type != XML_TEXT_NODE || strspn((const char *)c->content, " \t\r\n") < strlen((const char *)c->content))
                    if (!ts_xml_is(c, "Sync") || c->next != first) at_start = 0;
            if (!at_start) {
                /* move this chunk and the rest of the turn into a new Turn */
                xmlNodePtr nt = xmlDocCopyNode(turn, doc, 2);
                if (!nt || !xmlAddNextSibling(turn, nt)) goto out;
                char b[32];
                secs(ts_tc_seconds(&s->start), b, sizeof b);
                xmlSetProp(nt, (const xmlChar *)"startTime", (const xmlChar *)b);
                xmlSetProp(turn, (const xmlChar *)"endTime", (const xmlChar *)b);
                for (xmlNodePtr c = first; c;) {
                    xmlNodePtr next = c->next;
                    xmlUnlinkNode(c);
                    xmlAddChild(nt, c);
                    c = next;
                }
                turn = nt;
            }
            if (id) xmlSetProp(turn, (const xmlChar *)"speaker", (const xmlChar *)id);
            else xmlUnsetProp(turn, (const xmlChar *)"speaker");
        }
    }
    if (t->bom) ts_out_write(o, "\xEF\xBB\xBF", 3);
    st = ts_xml_write(doc, 1, o) ? TS_ERR_NOMEM : TS_OK;
out:
    free(used);
    free(nodes);
    xmlFreeDoc(doc);
    return st;
}

static ts_status write_trs(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    (void)ctx;
    if (t->format == &ts_fmt_trs && t->fmt_data) return write_native(t, t->fmt_data, o);
    ts_buf b = TS_BUF_INIT;
    int err = 0;
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
    double end = 0;
    for (size_t i = 0; i < t->n; i++)
        if (ts_tc_seconds(&t->segs[i].end) > end) end = ts_tc_seconds(&t->segs[i].end);
    char e[32], a[32], z[32];
    secs(end, e, sizeof e);
    err |= ts_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<!DOCTYPE Trans SYSTEM \"trans-14.dtd\">\n<Trans version=\"1\">\n");
    if (nsp) {
        err |= ts_buf_puts(&b, "<Speakers>\n");
        for (size_t k = 0; k < nsp; k++) {
            err |= ts_buf_printf(&b, "<Speaker id=\"spk%zu\" name=\"", k + 1);
            err |= ts_xml_escape(&b, first[k]->speaker, first[k]->speaker_len);
            err |= ts_buf_puts(&b, "\" check=\"no\" dialect=\"native\" accent=\"\" scope=\"local\"/>\n");
        }
        err |= ts_buf_puts(&b, "</Speakers>\n");
    }
    err |= ts_buf_printf(&b, "<Episode>\n<Section type=\"report\" startTime=\"0.000\" endTime=\"%s\">\n", e);
    for (size_t i = 0; !err && i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        secs(ts_tc_seconds(&s->start), a, sizeof a);
        secs(ts_tc_seconds(&s->end), z, sizeof z);
        err |= ts_buf_puts(&b, "<Turn");
        if (idx[i]) err |= ts_buf_printf(&b, " speaker=\"spk%zu\"", idx[i]);
        err |= ts_buf_printf(&b, " startTime=\"%s\" endTime=\"%s\">\n<Sync time=\"%s\"/>\n", a, z, a);
        err |= ts_xml_escape(&b, s->text, s->text_len);
        err |= ts_buf_puts(&b, "\n</Turn>\n");
    }
    err |= ts_buf_puts(&b, "</Section>\n</Episode>\n</Trans>\n");
    free(first);
    free(idx);
    if (!err) ts_out_write(o, b.data, b.len);
    ts_buf_release(&b);
    return err ? TS_ERR_NOMEM : TS_OK;
}

static int sniff_trs(const char *d, size_t n)
{
    size_t lim = n < 4096 ? n : 4096;
    for (size_t i = 0; i + 7 <= lim; i++)
        if (d[i] == '<' && memcmp(d + i, "<Trans", 6) == 0 && (d[i + 6] == ' ' || d[i + 6] == '>' || d[i + 6] == '\n'))
            return 90;
    return 0;
}

const ts_format ts_fmt_trs = {
    .info = {"trs", "Transcriber .trs (Speakers, Turn, Sync; any declared encoding)", "trs",
             "a <Trans> element in the first 4 KiB"},
    .sniff = sniff_trs,
    .read = read_trs,
    .write = write_trs,
    .release = release_trs,
    .own_encoding = 1,
    .long_lines_ok = 1,
};
