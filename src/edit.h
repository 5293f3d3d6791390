/*
 * edit.h - the edits passes propose and the engine applies.
 *
 * An edit is a text replacement inside one segment, or a segment operation
 * (set speaker, move a span to a neighbour, merge with the next segment,
 * split).  Every edit names its rule.  Passes build an edit list; the
 * engine applies the non-conflicting ones (ts_edits_apply) and re-runs the
 * pass until it has nothing left to propose, so a conflict only ever
 * postpones an edit to the next round.
 */
#ifndef TS_EDIT_H
#define TS_EDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "timecode.h"
#include "transcript.h"
#include "tscrub.h"

typedef enum {
    TS_EDIT_REPLACE = 0,  /* text[start,end) := repl */
    TS_EDIT_SPEAKER,      /* speaker := repl */
    TS_EDIT_MOVE_PREV,    /* text[0,end) goes to the end of the previous segment */
    TS_EDIT_MOVE_NEXT,    /* text[start,len) goes to the start of the next segment */
    TS_EDIT_MERGE_NEXT,   /* the next segment is appended to this one */
    TS_EDIT_SPLIT,        /* text[start,len) becomes a new segment after this one */
    TS_EDIT_DELETE,       /* the segment is dropped (its text and timing are logged) */
    TS_EDIT_TIMING,       /* start := tc_start, end := tc_end (TS_TC_NONE: unchanged) */
    TS_EDIT_MOVE_BEFORE,  /* the segment moves to just before segment `start` (t->n: to the end) */
} ts_edit_kind;

typedef struct {
    const ts_rule_info *rule;
    const char *message;      /* NULL: the rule's description */
    const char *repl;         /* list-arena copy (replacement or speaker) */
    uint32_t seg, start, end, repl_len;
    float confidence;
    uint8_t kind;             /* ts_edit_kind */
    uint8_t severity;         /* ts_severity */
    bool report_only;         /* a finding: reported, never applied */
    /* Set by a segment-local pass that has checked the text its edits of
     * this segment make: applied together, as proposed, they leave the
     * segment with nothing more for the pass, so the engine need not run
     * it on that segment again.  A pass that looks across segments sets it
     * on every edit of a round (and proposes no finding) only when it has
     * checked that all of them, applied as proposed, leave the transcript
     * with nothing more for it: the engine then ends its rounds there. */
    bool settles;
    ts_timecode split_at;     /* TS_EDIT_SPLIT: start of the new segment (NONE: interpolate) */
    ts_timecode tc_start, tc_end; /* TS_EDIT_TIMING: new times (NONE: unchanged) */
} ts_edit;

typedef struct {
    ts_edit *v;
    size_t n, cap;
    ts_arena arena;           /* replacement strings and messages */
    bool failed;              /* an allocation failed: the list is incomplete */
} ts_edit_list;

void ts_edit_list_init(ts_edit_list *l);
void ts_edit_list_release(ts_edit_list *l);
void ts_edit_list_clear(ts_edit_list *l);

/* Constructors return the new edit (so callers may set confidence or a
 * message) or NULL after an allocation failure, which also sets l->failed. */
ts_edit *ts_edit_replace(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                         uint32_t start, uint32_t end, const char *repl, size_t repl_len);
ts_edit *ts_edit_report(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                        uint32_t start, uint32_t end);
ts_edit *ts_edit_speaker(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                         const char *speaker, size_t len);
ts_edit *ts_edit_move(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                      ts_edit_kind dir, uint32_t start, uint32_t end);
ts_edit *ts_edit_merge_next(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg);
ts_edit *ts_edit_split(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg, uint32_t at,
                       const ts_timecode *start_of_new);
/* Drops segment `seg`.  The log entry carries the dropped text as `before`
 * and a message naming the segment's timing and speaker, so a removal is
 * never silent. */
ts_edit *ts_edit_delete(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg);
/* Sets the segment's start and/or end (a NULL or TS_TC_NONE time stays). */
ts_edit *ts_edit_timing(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                        const ts_timecode *start, const ts_timecode *end);
/* Moves segment `seg` to just before segment `before` (an index in the
 * current transcript; the segment count moves it to the end).  Several
 * segments may move to the same place in one round: they land in the
 * order their edits were proposed. */
ts_edit *ts_edit_move_before(ts_edit_list *l, const ts_rule_info *rule, uint32_t seg,
                             uint32_t before);
/* printf into the list's arena, for edit messages. */
const char *ts_edit_message(ts_edit_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Called for every applied edit, with the source position and the text
 * before and after (pointers into transcript memory). */
typedef int (*ts_apply_log_fn)(void *ud, const ts_edit *e, uint32_t seg, unsigned line,
                               unsigned col, const char *before, size_t before_len,
                               const char *after, size_t after_len);
typedef struct {
    ts_apply_log_fn fn;
    void *ud;
    bool no_positions; /* fn ignores line and col (which may then be 0): finding them is skipped */
} ts_apply_logger;

/* What changed.  The masks cover only the segments the edits could touch:
 * touched[i - lo] for segment i (before applying) in [lo, lo + n_touched),
 * dirty[i - lo] for segment i (after applying) in [lo, lo + n_dirty);
 * segments outside are unchanged.  When the segment array was rebuilt,
 * new_index[i - lo] is where segment i (before) now is, TS_SEG_GONE when it
 * was dropped or merged away; segments below lo keep their index and those
 * after the window shift by n_after - n_before (ts_apply_new_index). */
typedef struct {
    size_t applied;           /* edits applied */
    size_t deferred;          /* conflicting edits left for the next round */
    size_t lo, n_touched, n_dirty;
    uint8_t *touched;         /* malloc'd */
    uint8_t *dirty;           /* malloc'd */
    uint32_t *new_index;      /* malloc'd; NULL when no segment moved */
    size_t n_before, n_after; /* segment counts */
} ts_apply_result;

#define TS_SEG_GONE UINT32_MAX

/* Where segment `seg` (numbered before the edits) is now, or TS_SEG_GONE. */
uint32_t ts_apply_new_index(const ts_apply_result *r, uint32_t seg);

/* Applies the applicable (non-report) edits of v[0..n) to t.  Edits that
 * overlap an earlier accepted one are deferred.  Returns 0, or -1 when
 * memory ran out or the logger (NULL: none) failed (the transcript is then consistent
 * but only partly edited). */
int ts_edits_apply(ts_transcript *t, ts_edit *v, size_t n, const ts_apply_logger *log,
                   ts_apply_result *res);
void ts_apply_result_release(ts_apply_result *r);

#endif
