/*
 * jsonpull.h - a pull tokenizer for JSON held in memory: the caller asks
 * for one token after another and keeps only what it needs, so a reader of
 * a 100 MB word list never builds a document tree.
 *
 * The whole document is checked as it is pulled (RFC 8259 grammar, one
 * top-level object or array and nothing after it, escapes, surrogate pairs,
 * control characters and UTF-8 inside strings, numbers a double can hold,
 * integers an int64 can hold, nesting at most TS_JP_MAX_DEPTH), so a
 * document that is not JSON fails at its first bad byte whatever the caller
 * skips.  After an error every call returns TS_JP_ERROR; p->err says what
 * and p->err_at where (a byte offset).
 *
 * Strings are not copied: a string without escapes is a span of the input;
 * one with escapes is decoded only when the caller asks for its text, into
 * memory the caller provides.  The tokenizer itself allocates nothing.
 */
#ifndef TS_JSONPULL_H
#define TS_JSONPULL_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

#define TS_JP_MAX_DEPTH 64

typedef enum {
    TS_JP_ERROR = -1,
    TS_JP_EOF = 0, /* the document ended well */
    TS_JP_OBJECT,  /* '{' */
    TS_JP_OBJECT_END,
    TS_JP_ARRAY,   /* '[' */
    TS_JP_ARRAY_END,
    TS_JP_KEY,     /* an object key; its ':' is consumed, the value comes next */
    TS_JP_STRING,
    TS_JP_NUMBER,
    TS_JP_TRUE,
    TS_JP_FALSE,
    TS_JP_NULL,
} ts_jp_token;

typedef struct {
    const char *d;
    size_t len, pos;
    unsigned depth;
    unsigned char in_object[TS_JP_MAX_DEPTH + 1]; /* per open level: object (1) or array (0) */
    unsigned char need;                          /* what the grammar allows next */
    /* the current token */
    ts_jp_token tok;
    size_t at;           /* its first byte (a string's opening quote) */
    size_t s, e;         /* a string's raw contents, between the quotes */
    int escaped;         /* the string has backslash escapes */
    double num;          /* a number's value */
    int is_int;          /* the number has no fraction or exponent (then ival is exact) */
    int64_t ival;
    /* the line of the current token, counted in whitespace: raw line
     * breaks cannot occur anywhere else in JSON */
    unsigned line, tok_line;
    size_t line_start, tok_line_start;
    size_t col_at;       /* column cursor: byte col_at is in column col */
    unsigned col;
    /* the first error */
    size_t err_at;
    char err[96];
} ts_jp;

void ts_jp_init(ts_jp *p, const char *d, size_t len);

/* The next token (also stored in p->tok). */
ts_jp_token ts_jp_next(ts_jp *p);

/* Skips the rest of the value whose first token was just returned: for
 * TS_JP_OBJECT or TS_JP_ARRAY everything up to its end, nothing for a
 * scalar.  0, or -1 on an error in what was skipped. */
int ts_jp_skip(ts_jp *p);

/* Reads and skips a whole value (for a key whose value is not wanted). */
int ts_jp_skip_value(ts_jp *p);

/* The current TS_JP_KEY (or TS_JP_STRING) equals `s` once decoded. */
int ts_jp_is(const ts_jp *p, const char *s, size_t n);
#define TS_JP_IS(p, lit) ts_jp_is((p), lit, sizeof lit - 1)

/* The current string's text and length: a span of the input when it has
 * no escapes, else decoded into the arena (NUL-terminated there).  NULL
 * only when the arena is out of memory. */
const char *ts_jp_string(const ts_jp *p, ts_arena *a, size_t *n);

/* 1-based line and column (code points) of the current token's content:
 * a string's first character, any other token's first byte.  Cheap when
 * called for tokens in input order (a cursor moves along the line). */
void ts_jp_token_pos(ts_jp *p, unsigned *line, unsigned *col);

#endif
