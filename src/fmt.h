/*
 * fmt.h - the format registry: one reader/writer pair per file format.
 *
 * Readers and writers only translate between bytes and the data model; no
 * cleanup happens here.  A reader parses t->input (already checked for NUL
 * bytes, invalid UTF-8 and overlong lines, BOM removed) and records every
 * segment's source position.  A writer reproduces unchanged parts from the
 * raw bytes the reader kept when the transcript was read in its own format.
 */
#ifndef TS_FMT_H
#define TS_FMT_H

#include <stddef.h>

#include "out.h"
#include "transcript.h"
#include "tscrub.h"

typedef struct ts_format {
    ts_format_info info;
    /* 0 (certainly not) .. 100 (certainly) for the first bytes of a file. */
    int (*sniff)(const char *data, size_t len);
    ts_status (*read)(ts_context *ctx, ts_transcript *t);
    ts_status (*write)(ts_context *ctx, const ts_transcript *t, ts_out *out);
    void (*release)(ts_transcript *t); /* optional: frees t->fmt_data */
    /* NUL bytes are read as U+FFFD instead of being an error (WebVTT). */
    int nul_as_fffd;
    /* The reader decodes the bytes itself (XML declares its encoding), so
     * the input is not required to be UTF-8. */
    int own_encoding;
    /* The format is not line-based (JSON, XML): no line-length limit. */
    int long_lines_ok;
} ts_format;

#define TS_FORMAT_LIST(X) \
    X(premiere)           \
    X(dlm)                \
    X(srt)                \
    X(vtt)                \
    X(whisper)            \
    X(names)              \
    X(rttm)               \
    X(ttml)               \
    X(trs)                \
    X(aws)                \
    X(deepgram)           \
    X(assemblyai)         \
    X(text)

#define TS_FORMAT_DECLARE(name) extern const ts_format ts_fmt_##name;
TS_FORMAT_LIST(TS_FORMAT_DECLARE)
#undef TS_FORMAT_DECLARE

const ts_format *ts_format_find(const char *name);

/* The longest line a reader accepts; longer lines are an input error. */
#define TS_MAX_LINE (1u << 20)

/* ---- helpers shared by readers ---------------------------------------- */

/* One line of input: [start, end) without its line ending; next is the
 * offset of the following line. */
typedef struct {
    size_t start, end, next;
    unsigned number;
} ts_line;

/* Reads the line at *pos; returns 0 at end of input. */
int ts_next_line(const char *data, size_t len, size_t *pos, unsigned *number, ts_line *out);
/* 1-based line and column (in code points) of byte offset `off`. */
void ts_offset_pos(const char *data, size_t off, unsigned *line, unsigned *col);

#endif
