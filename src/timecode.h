/*
 * timecode.h - timecodes that remember their source form.
 *
 * Editors export frame-based timecodes (HH:MM:SS:FF at a nominal rate,
 * `;` before the frames for drop-frame at 29.97/59.94); subtitle and ASR
 * formats use milliseconds.  A timecode keeps the form it was read in, so
 * a round trip writes exactly what was read, and converts to seconds only
 * to compare or to change format.
 */
#ifndef TS_TIMECODE_H
#define TS_TIMECODE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TS_TC_NONE = 0, TS_TC_FRAMES, TS_TC_MS } ts_tc_kind;

typedef struct {
    int64_t value;   /* frame label count at the nominal rate, or milliseconds */
    uint16_t fps;    /* nominal frame rate (TS_TC_FRAMES) */
    uint8_t kind;    /* ts_tc_kind */
    uint8_t drop;    /* drop-frame label */
    char sep;        /* separator before frames/fraction as read: ':' ';' ',' '.' */
} ts_timecode;

#define TS_TC_MAX_HOURS 99
#define TS_TC_TEXT_MAX 32

/* Parses "HH:MM:SS:FF" or "HH:MM:SS;FF" at nominal rate fps.  On failure
 * returns -1, sets *why and *err_off (byte offset of the offending field). */
int ts_tc_parse_frames(const char *s, size_t n, unsigned fps, ts_timecode *out,
                       const char **why, size_t *err_off);
/* Parses "HH:MM:SS,mmm" or "HH:MM:SS.mmm" (or MM:SS.mmm when allow_short). */
int ts_tc_parse_clock(const char *s, size_t n, int allow_short, ts_timecode *out,
                      const char **why, size_t *err_off);
/* Writes the timecode in its source form; returns the length. */
size_t ts_tc_format(const ts_timecode *tc, char out[TS_TC_TEXT_MAX]);
/* Seconds from zero, or -1 for TS_TC_NONE. */
double ts_tc_seconds(const ts_timecode *tc);
/* The timecode nearest to `seconds` in the form of `like`. */
ts_timecode ts_tc_from_seconds(double seconds, const ts_timecode *like);
int ts_tc_compare(const ts_timecode *a, const ts_timecode *b);
int ts_tc_valid_fps(unsigned fps);

#endif
