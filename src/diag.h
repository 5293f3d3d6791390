/*
 * diag.h - diagnostics the library emits about its input and its own run.
 *
 * Every diagnostic has a code from one table, so that the ids users filter
 * on ("input/timecode") are listed in one place.  Findings of passes carry
 * their rule ids instead and go through the run log, not through here.
 */
#ifndef TS_DIAG_H
#define TS_DIAG_H

#include "tscrub.h"

#define TS_DIAG_CODES(X)                                                        \
    X(IO, "input/io", "the file cannot be read or written")                     \
    X(UTF8, "input/utf8", "the text is not valid UTF-8")                        \
    X(NUL, "input/nul", "the text contains a NUL byte (binary file?)")          \
    X(LONG_LINE, "input/long-line", "a line is longer than the 1 MiB limit")    \
    X(TIMECODE, "input/timecode", "a timecode is malformed or out of range")    \
    X(ORDER, "input/order", "segment times are out of order")                   \
    X(STRUCTURE, "input/structure", "a block is incomplete or ambiguous")       \
    X(FORMAT, "input/format", "the format is unknown or not recognised")        \
    X(USAGE, "usage", "a bad option or argument")                               \
    X(UNSETTLED, "engine/unsettled", "a pass kept proposing edits")             \
    X(RULES, "rules/pack", "a rule pack is malformed or an example fails")      \
    X(RULE_STOPPED, "rules/stopped", "a rule hit its regex limits or time budget")

typedef enum {
#define TS_DIAG_ENUM(name, id, desc) TS_DIAG_##name,
    TS_DIAG_CODES(TS_DIAG_ENUM)
#undef TS_DIAG_ENUM
    TS_DIAG_COUNT
} ts_diag_code;

const char *ts_diag_id(ts_diag_code code);

/* Sends a diagnostic to the context's sink (nothing when there is none). */
void ts_diag_emit(ts_context *ctx, const char *file, unsigned line, unsigned col,
                  ts_severity sev, ts_diag_code code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
