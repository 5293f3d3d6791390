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
 * libxml2, streamed with xmlkit (no network, DTD or entities, depth
 * limit); the DOCTYPE is kept but its DTD is never loaded.  The reader
 * logs the Sync, Who and text children of every Turn while streaming and
 * makes the segments once the whole document is read (a <Speaker> may
 * follow its Turns; a Turn inside a Turn is read after it, as a tree
 * walk would); each segment keeps its Turn and chunk as ordinals.
 *
 * Round trip: a transcript written back with nothing changed (no segment
 * changed, dropped or added) is the input, byte for byte.  Once something
 * changed, the document is parsed into a tree, the chunks are found again
 * by their ordinals, and libxml2 writes the document in
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
#include "strmap.h"
#include "timecode.h"
#include "xmlkit.h"

typedef struct {
    size_t n_read;          /* segments read */
} trs_doc;

/* Where a segment came from, in terms the writer finds again in the tree:
 * the Turn (its ordinal among the Turn elements in document order) and the
 * chunk's first boundary in it.  A Turn's boundaries are its Sync and Who
 * children, after its first text node when that comes before them. */
typedef struct {
    uint32_t turn;
    uint32_t first;         /* the chunk ends at boundary first + 1, or with the Turn */
    uint32_t ordinal;       /* the segment's index when read */
    int starts_sync;        /* the chunk begins with its own <Sync> */
} trs_seg;

#define NONE ((size_t)-1)

static int parse_secs(const char *s, double *out)
{
    if (!s) return -1;
    double x;
    if (ts_kit_plain_decimal(s, strlen(s), &x) == 0) { /* the usual "12.345" */
        if (!(x < 1e8)) return -1;
        *out = x;
        return 0;
    }
    char *end;
    x = strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || *end || !(x >= 0 && x < 1e8)) return -1;
    *out = x;
    return 0;
}

/* ---- reading: streamed, no tree ---------------------------------------- */

/* The chunks of the Turns, logged while streaming and made segments once
 * the whole document (and every <Speaker>) is known: an event for each
 * boundary (a Sync or Who child of a Turn, or its first text node when that
 * comes before them), with the text of the chunk it starts. */
enum { EV_SYNC, EV_WHO, EV_TEXT };

typedef struct {
    uint32_t turn;
    uint8_t kind;
    uint8_t ok;             /* EV_SYNC: the time parsed */
    unsigned line;
    double time;            /* EV_SYNC */
    int nb;                 /* EV_WHO */
    const char *text;       /* the chunk's text, blanks collapsed and trimmed (arena) */
    uint32_t len;           /* 0: no text, no segment */
} trs_ev;

/* A Turn being streamed. */
typedef struct {
    int depth;
    uint32_t ord;           /* its ordinal */
    size_t chunk;           /* the event that started its open chunk, or NONE */
    ts_buf text;            /* the open chunk's text (reused by the next Turn at this level) */
} trs_open;

typedef struct {
    unsigned line;
    int times_ok;
    double ts, te;
    const char *ids;        /* its speaker attribute (arena), NULL if none */
} trs_turn;

/* A speaker id's display string: the <Speaker>'s name, else the id. */
typedef struct {
    const char *s;          /* arena */
    uint32_t len;
} trs_name;

typedef struct {
    ts_transcript *t;
    trs_doc *d;
    int depth;
    trs_open open[TS_XML_MAX_DEPTH]; /* the Turns open, outermost first */
    int n_open;
    int nested;             /* a Turn inside a Turn: its events are not in turn order */
    trs_turn *turns;        /* malloc'd */
    size_t n_turns, cap_turns;
    trs_ev *ev;             /* malloc'd */
    size_t n_ev, cap_ev;
    ts_strmap speakers;     /* id -> trs_name (the first <Speaker> with it) */
} trs_reader;

/* The end of Turn o's open chunk: its text goes to the event that started it. */
static void end_chunk(ts_xml_reader *xr, trs_reader *rd, trs_open *o)
{
    if (o->chunk == NONE) return;
    const char *b = o->text.data;
    size_t s0 = 0, s1 = o->text.len;
    while (s0 < s1 && b[s0] == ' ') s0++;
    while (s1 > s0 && b[s1 - 1] == ' ') s1--;
    if (s1 > s0) {
        char *txt = ts_arena_strndup(&rd->t->arena, b + s0, s1 - s0);
        if (!txt) {
            ts_xml_nomem(xr);
            return;
        }
        rd->ev[o->chunk].text = txt;
        rd->ev[o->chunk].len = (uint32_t)(s1 - s0);
    }
    o->text.len = 0;
}

/* A boundary of the innermost open Turn: ends its chunk, starts one. */
static trs_ev *add_ev(ts_xml_reader *xr, trs_reader *rd, int kind, unsigned line)
{
    trs_open *o = &rd->open[rd->n_open - 1];
    end_chunk(xr, rd, o);
    if (rd->n_ev == rd->cap_ev) {
        size_t c = rd->cap_ev ? rd->cap_ev * 2 : 1024;
        trs_ev *v = realloc(rd->ev, c * sizeof *v);
        if (!v) {
            ts_xml_nomem(xr);
            return NULL;
        }
        rd->ev = v;
        rd->cap_ev = c;
    }
    o->chunk = rd->n_ev;
    trs_ev *e = &rd->ev[rd->n_ev++];
    memset(e, 0, sizeof *e);
    e->turn = o->ord;
    e->kind = (uint8_t)kind;
    e->line = line;
    return e;
}

static void trs_start(ts_xml_reader *xr, void *ud, const ts_xml_elem *e)
{
    trs_reader *rd = ud;
    rd->depth = e->depth;
    if (e->depth == 1 && strcmp(e->name, "Trans") != 0) {
        ts_xml_fail(xr, e->line, 1, TS_DIAG_STRUCTURE,
                    "not a Transcriber file: the root element is not <Trans>");
        return;
    }
    int child = rd->n_open && rd->open[rd->n_open - 1].depth == e->depth - 1;
    if (child && (strcmp(e->name, "Sync") == 0 || strcmp(e->name, "Who") == 0)) {
        int sync = e->name[0] == 'S';
        trs_ev *ev = add_ev(xr, rd, sync ? EV_SYNC : EV_WHO, e->line);
        if (!ev) return;
        if (sync) ev->ok = !parse_secs(ts_xml_att_get(e, "time", NULL), &ev->time);
        else {
            const char *nb = ts_xml_att_get(e, "nb", NULL);
            ev->nb = nb ? atoi(nb) : 0;
        }
    } else if (strcmp(e->name, "Turn") == 0) {
        if (rd->n_turns == rd->cap_turns) {
            size_t c = rd->cap_turns ? rd->cap_turns * 2 : 256;
            trs_turn *v = realloc(rd->turns, c * sizeof *v);
            if (!v) {
                ts_xml_nomem(xr);
                return;
            }
            rd->turns = v;
            rd->cap_turns = c;
        }
        trs_turn *tn = &rd->turns[rd->n_turns];
        tn->line = e->line;
        tn->times_ok = !parse_secs(ts_xml_att_get(e, "startTime", NULL), &tn->ts) &&
                       !parse_secs(ts_xml_att_get(e, "endTime", NULL), &tn->te);
        const char *ids = ts_xml_att_get(e, "speaker", NULL);
        tn->ids = NULL;
        if (ids && !(tn->ids = ts_arena_strdup(&rd->t->arena, ids))) {
            ts_xml_nomem(xr);
            return;
        }
        rd->nested |= rd->n_open > 0;
        trs_open *o = &rd->open[rd->n_open++];
        o->depth = e->depth;
        o->ord = (uint32_t)rd->n_turns++;
        o->chunk = NONE;
        o->text.len = 0;
    } else if (strcmp(e->name, "Speaker") == 0) {
        const char *id = ts_xml_att_get(e, "id", NULL), *nm = ts_xml_att_get(e, "name", NULL);
        int added;
        ts_strmap_slot *sl = id ? ts_strmap_put(&rd->speakers, id, strlen(id), &added) : NULL;
        if (id && !sl) {
            ts_xml_nomem(xr);
            return;
        }
        if (sl && added) {
            const char *s = nm && *nm ? nm : id;
            trs_name *v = ts_arena_alloc(&rd->t->arena, sizeof *v);
            if (!v || !(v->s = ts_arena_strdup(&rd->t->arena, s))) {
                ts_xml_nomem(xr);
                return;
            }
            v->len = (uint32_t)strlen(s);
            sl->value = v;
        }
    }
}

static void trs_end(ts_xml_reader *xr, void *ud, int depth)
{
    trs_reader *rd = ud;
    if (rd->n_open && rd->open[rd->n_open - 1].depth == depth) end_chunk(xr, rd, &rd->open[--rd->n_open]);
    rd->depth = depth - 1;
}

/* Appends text with runs of blanks as one space (none at the start). */
static int append_text(ts_buf *b, const char *s, size_t n)
{
    if (ts_buf_reserve(b, n)) return -1;
    char *o = b->data + b->len;
    int space = 0;
    for (const char *e = s + n; s < e; s++) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && o > b->data && o[-1] != ' ') *o++ = ' ';
        space = 0;
        *o++ = c;
    }
    if (space && o > b->data && o[-1] != ' ') *o++ = ' ';
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return 0;
}

static void trs_text(ts_xml_reader *xr, void *ud, const char *s, size_t n, int cdata, unsigned line)
{
    trs_reader *rd = ud;
    trs_open *o = rd->n_open ? &rd->open[rd->n_open - 1] : NULL;
    if (cdata || !o || o->depth != rd->depth) return;
    /* text before any Sync or Who starts the first chunk */
    if (o->chunk == NONE && !add_ev(xr, rd, EV_TEXT, line)) return;
    if (append_text(&o->text, s, n)) ts_xml_nomem(xr);
}

/* The display string of speaker id[0..n). */
static const trs_name *speaker_name(trs_reader *rd, const char *id, size_t n)
{
    int added;
    ts_strmap_slot *sl = ts_strmap_put(&rd->speakers, id, n, &added);
    if (!sl) return NULL;
    if (added) {
        /* no <Speaker>: the id */
        trs_name *v = ts_arena_alloc(&rd->t->arena, sizeof *v);
        if (!v || !(v->s = ts_arena_strndup(&rd->t->arena, id, n))) return NULL;
        v->len = (uint32_t)n;
        sl->value = v;
    }
    return sl->value;
}

typedef struct {
    ts_context *ctx;
    trs_reader *rd;
    uint32_t turn;
} chunk_ctx;

static ts_status emit(chunk_ctx *c, const trs_ev *chunk, size_t first, int sync, double a, double e,
                      const trs_name *spk, unsigned line)
{
    if (!chunk->len) return TS_OK;
    ts_transcript *t = c->rd->t;
    if (e < a) e = a;
    if (t->n && a < ts_tc_seconds(&t->segs[t->n - 1].start)) {
        ts_diag_emit(c->ctx, t->name, line, 1, TS_SEV_ERROR, TS_DIAG_ORDER,
                     "Sync time before the previous one");
        return TS_ERR_INPUT;
    }
    ts_segment *sg = ts_transcript_push(t);
    trs_seg *fd = ts_arena_alloc(&t->arena, sizeof *fd);
    if (!sg || !fd) return TS_ERR_NOMEM;
    fd->turn = c->turn;
    fd->first = (uint32_t)first;
    fd->ordinal = (uint32_t)c->rd->d->n_read++;
    fd->starts_sync = sync;
    sg->fmt_data = fd;
    sg->start = (ts_timecode){(int64_t)llround(a * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->end = (ts_timecode){(int64_t)llround(e * 1000.0), 3, TS_TC_MS, 0, '.'};
    sg->text = sg->orig_text = chunk->text;
    sg->text_len = sg->orig_len = chunk->len;
    sg->line = sg->text_line = line;
    sg->text_col = 1;
    sg->flags |= TS_SEG_MAP_LOST;
    if (spk) {
        sg->speaker = spk->s;
        sg->speaker_len = spk->len;
    } else {
        sg->speaker = "";
        sg->flags |= TS_SEG_NO_SPEAKER;
    }
    return TS_OK;
}

/* The segments of Turn ti, from its events ev[0..n). */
static ts_status read_turn(chunk_ctx *c, const trs_ev *ev, size_t n)
{
    trs_reader *rd = c->rd;
    const trs_turn *turn = &rd->turns[c->turn];
    if (!turn->times_ok) {
        ts_diag_emit(c->ctx, rd->t->name, turn->line, 1, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                     "Turn needs startTime and endTime in seconds");
        return TS_ERR_INPUT;
    }
    double ts = turn->ts, te = turn->te;
    const char *idv[16];
    size_t idl[16], nid = 0;
    for (const char *p = turn->ids ? turn->ids : ""; *p && nid < 16;) {
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
    size_t first = NONE, bounds = 0, next_sync = 0;
    const trs_ev *chunk = NULL;
    int sync = 0;
    unsigned line = turn->line;
    ts_status st;
    for (size_t i = 0; i < n; i++) {
        const trs_ev *x = &ev[i];
        if (x->kind == EV_TEXT) {
            /* only ever the first event of a Turn */
            first = bounds++;
            line = x->line;
            chunk = x;
            continue;
        }
        /* end of the current chunk: this Sync's time, or after a Who the
         * next Sync's (the next one with a time) */
        double end = te;
        if (x->kind == EV_SYNC) {
            if (!x->ok) {
                ts_diag_emit(c->ctx, rd->t->name, x->line, 1, TS_SEV_ERROR, TS_DIAG_TIMECODE,
                             "Sync needs a time in seconds");
                return TS_ERR_INPUT;
            }
            end = x->time;
        } else {
            if (next_sync <= i)
                for (next_sync = i + 1; next_sync < n; next_sync++)
                    if (ev[next_sync].kind == EV_SYNC && ev[next_sync].ok) break;
            if (next_sync < n) end = ev[next_sync].time;
        }
        const trs_name *nm = NULL;
        if (who >= 1 && (size_t)who <= nid && !(nm = speaker_name(rd, idv[who - 1], idl[who - 1])))
            return TS_ERR_NOMEM;
        size_t here = bounds++;
        if (first != NONE && (st = emit(c, chunk, first, sync, cur, end, nm, line))) return st;
        chunk = x;
        first = here;
        sync = x->kind == EV_SYNC;
        line = x->line;
        if (sync) cur = end;
        else who = x->nb;
    }
    const trs_name *nm = NULL;
    if (who >= 1 && (size_t)who <= nid && !(nm = speaker_name(rd, idv[who - 1], idl[who - 1])))
        return TS_ERR_NOMEM;
    if (first != NONE && (st = emit(c, chunk, first, sync, cur, te, nm, line))) return st;
    return TS_OK;
}

/* Events of Turns inside Turns interleave; the tree reader took the Turns
 * one after the other, so the events are regrouped by Turn, each Turn's
 * in document order (a counting sort). */
static int group_by_turn(trs_reader *rd)
{
    size_t *at = calloc(rd->n_turns + 1, sizeof *at);
    trs_ev *v = malloc((rd->n_ev + 1) * sizeof *v);
    if (!at || !v) {
        free(at);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < rd->n_ev; i++) at[rd->ev[i].turn + 1]++;
    for (size_t k = 0; k < rd->n_turns; k++) at[k + 1] += at[k];
    for (size_t i = 0; i < rd->n_ev; i++) v[at[rd->ev[i].turn]++] = rd->ev[i];
    free(at);
    free(rd->ev);
    rd->ev = v;
    return 0;
}

static ts_status read_trs(ts_context *ctx, ts_transcript *t)
{
    trs_doc *d = ts_arena_calloc(&t->arena, 1, sizeof *d);
    trs_reader *rd = calloc(1, sizeof *rd);
    if (!d || !rd) {
        free(rd);
        return TS_ERR_NOMEM;
    }
    rd->t = t;
    rd->d = d;
    ts_strmap_init(&rd->speakers);
    static const ts_xml_handler h = {trs_start, trs_end, trs_text, NULL};
    ts_status st = ts_xml_read(ctx, t, &h, rd);
    if (st == TS_OK && rd->nested && group_by_turn(rd)) st = TS_ERR_NOMEM;
    if (st == TS_OK) {
        t->fmt_data = d;
        t->format = &ts_fmt_trs;
        chunk_ctx c = {ctx, rd, 0};
        size_t i = 0;
        for (size_t k = 0; k < rd->n_turns && st == TS_OK; k++) {
            size_t j = i;
            while (j < rd->n_ev && rd->ev[j].turn == k) j++;
            c.turn = (uint32_t)k;
            st = read_turn(&c, j > i ? rd->ev + i : NULL, j - i);
            i = j;
        }
    }
    for (int k = 0; k < TS_XML_MAX_DEPTH; k++) ts_buf_release(&rd->open[k].text);
    ts_strmap_release(&rd->speakers);
    free(rd->turns);
    free(rd->ev);
    free(rd);
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

/* The Turns of the tree in document order, and their boundaries as the
 * reader counted them: bound[at[k] .. at[k + 1]) are Turn k's. */
typedef struct {
    xmlNodePtr *bound;
    size_t *at;
    size_t n_turns, n_bound;
} trs_tree;

static int is_boundary(xmlNodePtr n) { return ts_xml_is(n, "Sync") || ts_xml_is(n, "Who"); }

static int tree_turns(xmlDocPtr doc, trs_tree *tr)
{
    size_t nn;
    xmlNodePtr *nodes = ts_xml_nodes(doc, &nn);
    if (!nodes) return -1;
    size_t nt = 0, nb = 0;
    for (size_t i = 0; i < nn; i++) {
        if (!ts_xml_is(nodes[i], "Turn")) continue;
        nt++;
        for (xmlNodePtr c = nodes[i]->children; c; c = c->next) nb++;
    }
    tr->bound = malloc((nb + 1) * sizeof *tr->bound);
    tr->at = malloc((nt + 1) * sizeof *tr->at);
    if (!tr->bound || !tr->at) {
        free(nodes);
        return -1;
    }
    tr->n_turns = tr->n_bound = 0;
    for (size_t i = 0; i < nn; i++) {
        if (!ts_xml_is(nodes[i], "Turn")) continue;
        tr->at[tr->n_turns++] = tr->n_bound;
        for (xmlNodePtr c = nodes[i]->children; c; c = c->next)
            if (is_boundary(c) || (c->type == XML_TEXT_NODE && tr->n_bound == tr->at[tr->n_turns - 1]))
                tr->bound[tr->n_bound++] = c;
    }
    tr->at[tr->n_turns] = tr->n_bound;
    free(nodes);
    return 0;
}

static ts_status write_native(ts_context *ctx, const ts_transcript *t, const trs_doc *td, ts_out *o)
{
    /* a segment dropped (or merged) leaves its chunk behind */
    int changed = t->n != td->n_read;
    for (size_t i = 0; i < t->n && !changed; i++)
        if ((t->segs[i].flags & (TS_SEG_TIMING_DIRTY | TS_SEG_SPEAKER_DIRTY | TS_SEG_TEXT_DIRTY | TS_SEG_NEW)) ||
            ((const trs_seg *)t->segs[i].fmt_data)->ordinal != i)
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
    trs_tree tr = {NULL, NULL, 0, 0};
    unsigned char *used = NULL;
    if (tree_turns(doc, &tr) || !(used = calloc(tr.n_bound + 1, 1))) goto out;
    xmlNodePtr *nodes = tr.bound;
    /* First every chunk's text (before turns are split), then speakers. */
    for (size_t i = 0; i < t->n; i++) {
        const trs_seg *fd = t->segs[i].fmt_data;
        if (fd->turn >= tr.n_turns || fd->first >= tr.at[fd->turn + 1] - tr.at[fd->turn]) goto out;
        used[tr.at[fd->turn] + fd->first] = 1;
    }
    for (size_t i = 0; i < tr.n_bound; i++) {
        /* chunks of merged segments: drop their text and Sync */
        xmlNodePtr n = nodes[i];
        if (used[i] || !is_boundary(n)) continue; /* only chunks the reader made segments of */
        int text = 0;
        for (xmlNodePtr c = n->next; c && !is_boundary(c); c = c->next)
            if (c->type == XML_TEXT_NODE && strspn((const char *)c->content, " \t\r\n") < strlen((const char *)c->content)) text = 1;
        if (!text) continue;
        xmlNodePtr stop = n->next;
        while (stop && !is_boundary(stop)) stop = stop->next;
        if (replace_chunk_text(doc, n, stop, NULL, 0, 0)) goto out;
        if (ts_xml_is(n, "Sync")) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
            nodes[i] = NULL;
        }
    }
    xmlNodePtr prev_end = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const ts_segment *s = &t->segs[i];
        const trs_seg *fd = s->fmt_data;
        size_t k = tr.at[fd->turn] + fd->first;
        xmlNodePtr first = nodes[k], stop = k + 1 < tr.at[fd->turn + 1] ? nodes[k + 1] : NULL;
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
    free(tr.bound);
    free(tr.at);
    xmlFreeDoc(doc);
    return st;
}

static ts_status write_trs(ts_context *ctx, const ts_transcript *t, ts_out *o)
{
    if (t->format == &ts_fmt_trs && t->fmt_data) return write_native(ctx, t, t->fmt_data, o);
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
    .own_encoding = 1,
    .long_lines_ok = 1,
};
