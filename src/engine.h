/*
 * engine.h - the pass pipeline (private declarations).
 *
 * The engine runs the enabled passes in canonical order over a transcript.
 * Each pass runs in rounds: its applicable edits are applied, and it runs
 * again until it proposes nothing that applies, so `fix` reaches a fixed
 * point and running it twice changes nothing.  Findings (edits that are
 * reported, not applied) are logged once, from the round in which their
 * segment settled; for a pass that is not segment-local, from its final
 * round, since a finding may be about a neighbour that changed.
 */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include "pass.h"

/* Rounds per pass before the engine gives up and reports it. */
#define TS_MAX_ROUNDS 8

const ts_pass *ts_engine_pass(size_t i);
size_t ts_engine_pass_count(void);

#endif
