/*
 * entities.h - HTML/XML character references ("&amp;", "&#39;", "&rsquo;",
 * "&#x2019;") in text that is not markup.
 *
 * The table of HTML5 names is parsed once per context from
 * rules/encoding/html-entities.txt, compiled in.
 */
#ifndef TS_ENTITIES_H
#define TS_ENTITIES_H

#include <stddef.h>

typedef struct ts_entities ts_entities;

ts_entities *ts_entities_new(void);
void ts_entities_free(ts_entities *e);

/* When s[0..n) starts with a character reference that names a character,
 * writes its UTF-8 (at most 12 bytes) to out, sets *out_len and returns
 * the reference's length; otherwise returns 0.  References to U+0000,
 * surrogates, C0 controls other than tab and line feed, and numbers past
 * U+10FFFF are left alone; &#128;..&#159; mean Windows-1252, as in HTML. */
size_t ts_entities_decode(const ts_entities *e, const char *s, size_t n, char *out,
                          size_t *out_len);

#endif
