/*
 * pass.h - the interface every pass implements.
 *
 * A pass reads a transcript and appends edits to a list; it never changes
 * the transcript and never prints.  State a pass needs across runs (a
 * compiled rule pack, a dictionary) is created once per context through
 * state_new and freed with the context.
 */
#ifndef TS_PASS_H
#define TS_PASS_H

#include <stdbool.h>
#include <stdint.h>

#include "edit.h"
#include "transcript.h"
#include "tscrub.h"

typedef struct ts_pass {
    ts_pass_info info;
    /* Edits in a segment depend only on that segment: the engine then
     * hands the pass windows of a few thousand segments as its transcript
     * (segment numbers relative to the window), and after the first round
     * only the segments the previous round changed. */
    bool segment_local;
    /* Optional: builds the pass's per-context state; returns a ts_status. */
    ts_status (*state_new)(ts_context *ctx, void **state);
    void (*state_free)(void *state);
    /* Proposes edits.  `only`, when not NULL, has one byte per segment: the
     * pass may skip segments whose byte is 0.  Returns a ts_status. */
    ts_status (*run)(ts_context *ctx, void *state, const ts_transcript *t, const uint8_t *only,
                     ts_edit_list *out);
} ts_pass;

#endif
