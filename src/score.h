/*
 * score.h - how far a transcript's words and speakers are from a
 * reference: WER, WDER, cpWER, and the precision of speaker changes.
 *
 * The metrics are those of DiarizationLM (Wang et al. 2024), computed the
 * way its published implementation does, so results can be compared:
 * words are lower-cased and stripped of , . _ ? ! - " ' (a character is kept
 * when removing it would leave nothing); the alignment is a word Levenshtein
 * alignment whose ties prefer, at every cell, an insertion, then a deletion,
 * then a match or substitution, traced back from the end; WDER counts, over
 * aligned word pairs (matches and substitutions), the words whose speaker
 * differs from the reference after the best one-to-one speaker mapping
 * (Hungarian algorithm); cpWER aligns each reference speaker's words with
 * each hypothesis speaker's words, maps speakers one to one so that the most
 * words match, and sums the errors of the mapped pairs.
 *
 * A transcript may hold several recordings (the dlm format's utterances;
 * recordings are separated by a segment with neither speaker nor text):
 * each recording is scored on its own and the counts are summed.
 */
#ifndef TS_SCORE_H
#define TS_SCORE_H

#include <stddef.h>

#include "tscrub.h"

typedef struct {
    size_t recordings;
    size_t ref_words, hyp_words, ref_speakers, hyp_speakers;
    size_t wer_correct, wer_sub, wer_del, wer_ins;
    size_t wder_total, wder_wrong;
    size_t cp_correct, cp_sub, cp_del, cp_ins, cp_total;
    /* With a raw transcript: words whose speaker label differs between raw
     * and hypothesis, how many of them are right now, were right before. */
    size_t changed, changed_aligned, changed_right, changed_was_right;
    size_t raw_wder_wrong, raw_wder_total;
} ts_score;

/* Scores hyp against ref, and the changes from raw (may be NULL) to hyp.
 * Returns TS_OK, TS_ERR_NOMEM, or TS_ERR_USAGE when the inputs are too
 * long to align in memory (over 2^30 word pairs per recording). */
ts_status ts_score_compute(const ts_transcript *ref, const ts_transcript *hyp,
                           const ts_transcript *raw, ts_score *out);

#endif
