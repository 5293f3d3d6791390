/*
 * xmlkit.h - hostile-input-safe XML for the XML format readers (TTML,
 * Transcriber): libxml2 with no network, no DTD loading, no entity
 * substitution, and no entity declarations at all (a billion-laughs file
 * is rejected before parsing), a nesting limit, and located errors.
 *
 * Readers stream the document (ts_xml_read: libxml2's SAX2 parser, no
 * tree), which keeps reading at parser speed; a writer that must change a
 * document parses it into a tree (ts_xml_parse) at write time.  Both see
 * the same names, attribute values and line numbers, so a reader can
 * record which element a segment came from as an ordinal the writer
 * finds again in the tree.  Also the small tree helpers the XML formats
 * share.
 */
#ifndef TS_XMLKIT_H
#define TS_XMLKIT_H

#include <libxml/tree.h>

#include "buf.h"
#include "diag.h"
#include "out.h"
#include "transcript.h"
#include "tscrub.h"

#define TS_XML_MAX_DEPTH 64

/* Initialises libxml2 once per process (its parser, the XML Schema types
 * and the Relax-NG type libraries), which is not safe to do from several threads at once: the
 * first ts_context_new calls it, before any worker thread parses XML. */
void ts_xml_init(void);

/* ---- streaming ------------------------------------------------------- */

typedef struct ts_xml_reader ts_xml_reader;

/* An attribute of a streamed element, as the tree would hold it. */
typedef struct {
    const char *name;  /* local name ("prefix:name" when the prefix is undeclared) */
    const char *ns;    /* namespace URI, or NULL */
    const char *value; /* character references decoded, NUL-terminated */
} ts_xml_att;

typedef struct {
    const char *name;  /* local name ("prefix:name" when the prefix is undeclared) */
    const ts_xml_att *atts;
    int n_atts;
    int depth;         /* the root element is 1 */
    unsigned line;     /* the line libxml2's tree would give the element */
} ts_xml_elem;

/* Events of ts_xml_read, in document order; every string is valid during
 * the call only.  Text is reported in pieces: consecutive text calls with
 * no other event between are one text node of the tree.  `line` of a text
 * piece is the line the tree would give a text node starting with it. */
typedef struct {
    void (*start)(ts_xml_reader *r, void *ud, const ts_xml_elem *e);
    void (*end)(ts_xml_reader *r, void *ud, int depth);
    void (*text)(ts_xml_reader *r, void *ud, const char *s, size_t n, int cdata, unsigned line);
    /* a comment or processing instruction (it separates text nodes) */
    void (*other)(ts_xml_reader *r, void *ud);
} ts_xml_handler;

/* Streams t->input through h (no tree is built), with the protections of
 * ts_xml_parse.  Errors are reported in the order the tree reader reports
 * them: a parse error, else the first entity reference or element nested
 * deeper than TS_XML_MAX_DEPTH, else the first ts_xml_fail of a handler.
 * After an error the handlers are not called again. */
ts_status ts_xml_read(ts_context *ctx, const ts_transcript *t, const ts_xml_handler *h, void *ud);
/* From a handler: the input is wrong at line:col (reported when the
 * document is otherwise well-formed); no more events. */
void ts_xml_fail(ts_xml_reader *r, unsigned line, unsigned col, ts_diag_code code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* From a handler: memory ran out; parsing stops. */
void ts_xml_nomem(ts_xml_reader *r);
/* Attribute `local` of e in any namespace or none (ns_part NULL), or in a
 * namespace whose URI contains ns_part; NULL if absent. */
const char *ts_xml_att_get(const ts_xml_elem *e, const char *local, const char *ns_part);

/* ---- trees ------------------------------------------------------------ */

/* Parses t->input; NULL and *st on error (reported as file:line:col). */
xmlDocPtr ts_xml_parse(ts_context *ctx, const ts_transcript *t, ts_status *st);

/* Every node of the document in document order (malloc'd array), so a
 * copy of the document can be addressed by the same indices. */
xmlNodePtr *ts_xml_nodes(xmlDocPtr doc, size_t *n);

/* The attribute `local` of node, in any namespace or none; NULL if absent.
 * The string belongs to the tree. */
const char *ts_xml_attr(xmlNodePtr node, const char *local);
/* Like ts_xml_attr, but only namespaced attributes whose namespace URI
 * contains `ns_part`. */
const char *ts_xml_nsattr(xmlNodePtr node, const char *local, const char *ns_part);
int ts_xml_is(xmlNodePtr node, const char *local);

/* Writes the document (serialised by libxml2) to o; without an XML
 * declaration when `decl` is 0. */
int ts_xml_write(xmlDocPtr doc, int decl, ts_out *o);

/* Appends s[0..n) to b escaped for XML text or attribute values. */
int ts_xml_escape(ts_buf *b, const char *s, size_t n);

#endif
