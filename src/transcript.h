/*
 * transcript.h - the data model every reader produces and every pass reads.
 *
 * A transcript is its header bytes plus an array of segments.  A segment has
 * timing, a speaker label, its text (UTF-8, lines of a hard-wrapped block
 * joined by '\n'), and its provenance: the source line and column of its
 * text, the text as it was read, and the shifts applied to it since, so any
 * byte offset in the current text maps back to a source line:col.
 *
 * Memory: the transcript owns its input buffer (texts read from it point
 * into it) and an arena that holds everything else allocated for it; the
 * segment array itself is malloc'd because structural edits rebuild it.
 */
#ifndef TS_TRANSCRIPT_H
#define TS_TRANSCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "timecode.h"
#include "tscrub.h"

struct ts_format;

/* A recognised word with its timing, as engines that time words report it
 * (Whisper, WhisperX, AWS, Deepgram, AssemblyAI).  It points into its
 * segment's current text: [at, at + len), which starts and ends outside
 * whitespace (it may hold some, after edits joined or split words).  A
 * segment's words are in text order and do not overlap; text no word covers
 * has no timing.  Edits keep them true (edit.c): a rewritten word keeps its
 * times, words rewritten into one get the times of all, a deleted word goes,
 * and words moved, split or merged into another segment go with their
 * text. */
typedef struct {
    double start, end;            /* seconds; negative: the source gave none */
    uint32_t at, len;
    float prob;                   /* 0..1; negative: unknown */
    const void *src;              /* format-private: the word as read, or NULL */
} ts_word;

/* One applied replacement, in the coordinates of the text it was applied to. */
typedef struct {
    uint32_t at, old_len, new_len;
} ts_shift;

enum {
    TS_SEG_TIMING_DIRTY = 1u << 0,   /* timing changed: writers regenerate it */
    TS_SEG_SPEAKER_DIRTY = 1u << 1,  /* speaker changed */
    TS_SEG_TEXT_DIRTY = 1u << 2,     /* text changed */
    TS_SEG_MAP_LOST = 1u << 3,       /* text came from elsewhere: map to segment start */
    TS_SEG_NO_SPEAKER = 1u << 4,     /* the source had no speaker line */
    TS_SEG_NEW = 1u << 5,            /* created by a split: no raw bytes */
    TS_SEG_END_GUESSED = 1u << 6,    /* the format has no end time: the reader
                                      * took the next segment's start */
};

typedef struct {
    ts_timecode start, end;
    const char *speaker;
    const char *text;
    uint32_t speaker_len, text_len;
    uint32_t text_cap;            /* >0: text is this segment's own arena buffer of
                                   * that size, rewritten in place when an edit fits */
    uint32_t flags;
    /* provenance */
    uint32_t line;                /* source line of the segment's first line */
    uint32_t text_line, text_col; /* where its text starts (col in code points) */
    uint32_t n_words;             /* entries of words (below) */
    uint32_t stamp;               /* ts_fix: when the engine last changed it
                                   * (0: not in this run) */
    const char *orig_text;
    uint32_t orig_len;
    uint32_t n_shifts;
    ts_shift *shifts;             /* arena-owned, exactly n_shifts long; never
                                   * changed in place, so a copy of the
                                   * pointer and count stays valid */
    /* word timing: NULL when the source had none; otherwise n_words
     * entries (possibly 0) in the arena, never changed in place.  (The
     * four-byte fields are kept in pairs: millions of segments.) */
    ts_word *words;
    /* format-private: exact source bytes, so unchanged parts round-trip */
    const char *raw_head;         /* e.g. timing + speaker lines */
    const char *raw_tail;         /* e.g. blank lines after the text */
    uint32_t raw_head_len, raw_tail_len;
    void *fmt_data;
} ts_segment;

struct ts_transcript {
    ts_arena arena;
    const struct ts_format *format;
    const char *name;             /* arena */
    char *input;                  /* malloc'd input bytes, owned */
    size_t input_len;
    const char *header;           /* raw bytes before the first segment */
    size_t header_len;
    const char *eol;              /* "\n" or "\r\n", as the input used */
    bool bom;
    /* Bytes of the input that were not UTF-8 and were read as Windows-1252:
     * offsets into `input` where their characters start (arena). */
    const uint32_t *recoded;
    const uint8_t *recoded_byte;  /* the original byte at each offset */
    size_t n_recoded;
    ts_segment *segs;             /* malloc'd */
    size_t n, cap;
    void *fmt_data;
};

/* New empty transcript taking ownership of `input` (malloc'd, may be NULL). */
ts_transcript *ts_transcript_new(const char *name, char *input, size_t input_len);
/* Makes room for n segments in total, so readers that know the count
 * avoid the copies of a growing array; -1 on allocation failure. */
int ts_transcript_reserve(ts_transcript *t, size_t n);
/* Appends a zeroed segment; NULL on allocation failure. */
ts_segment *ts_transcript_push(ts_transcript *t);
/* Maps byte offset `off` of the segment's current text to its source
 * position. */
void ts_segment_source_pos(const ts_segment *s, uint32_t off, unsigned *line, unsigned *col);

/* Where the last mapping ended, so that mapping offsets in increasing order
 * costs one scan of the segment rather than one per offset. */
typedef struct {
    uint32_t orig_off, line_start;
    unsigned line, cols; /* cols: code points from line_start to orig_off */
} ts_pos_cursor;

void ts_pos_cursor_init(const ts_segment *s, ts_pos_cursor *c);
/* Like ts_segment_source_pos for offsets given in increasing order. */
void ts_segment_source_pos_at(const ts_segment *s, uint32_t off, ts_pos_cursor *c,
                              unsigned *line, unsigned *col);
/* Records a replacement for source mapping. */
int ts_segment_add_shift(ts_transcript *t, ts_segment *s, uint32_t at, uint32_t old_len,
                         uint32_t new_len);
/* Replaces s->shifts by a copy with room for k more entries after the
 * n_shifts current ones (n_shifts is unchanged; the caller fills the room
 * and then raises it). */
int ts_segment_grow_shifts(ts_transcript *t, ts_segment *s, uint32_t k);

/* Words whose times are known: the first (or last) such word of the
 * segment, or NULL. */
const ts_word *ts_segment_first_timed(const ts_segment *s);
const ts_word *ts_segment_last_timed(const ts_segment *s);
/* The word covering byte `off` of the segment's text, or NULL. */
const ts_word *ts_segment_word_at(const ts_segment *s, uint32_t off);

/* Gives the segment the words w[0..n) of texts text[k][0..len[k]) (their
 * spans are ignored), found in order in its text: a word's text is looked
 * for after the previous one (at most 256 bytes on), leading and trailing
 * blanks ignored.
 * When a word cannot be found the segment gets no words (the source and the
 * text disagree, so no mapping is better than a wrong one); returns 1 then,
 * 0 when set, -1 on allocation failure. */
int ts_segment_locate_words(ts_transcript *t, ts_segment *s, const ts_word *w,
                            const char *const *text, const uint32_t *len, size_t n);
/* Carries the segment's words through the shifts from index `base` on (the
 * replacements of one batch, applied to text it had when they were
 * recorded): see ts_word for the rules.  -1 on allocation failure. */
int ts_segment_remap_words(ts_transcript *t, ts_segment *s, uint32_t base);

#endif
