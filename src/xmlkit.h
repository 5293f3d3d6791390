/*
 * xmlkit.h - hostile-input-safe XML for the XML format readers (TTML,
 * Transcriber): libxml2 with no network, no DTD loading, no entity
 * substitution, and no entity declarations at all (a billion-laughs file
 * is rejected before parsing), a nesting limit, and located errors.
 * Also the small tree helpers the XML formats share.
 */
#ifndef TS_XMLKIT_H
#define TS_XMLKIT_H

#include <libxml/tree.h>

#include "buf.h"
#include "out.h"
#include "transcript.h"
#include "tscrub.h"

#define TS_XML_MAX_DEPTH 64

/* Initialises libxml2 once per process (its parser, the XML Schema types
 * and the Relax-NG type libraries), which is not safe to do from several threads at once: the
 * first ts_context_new calls it, before any worker thread parses XML. */
void ts_xml_init(void);

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
