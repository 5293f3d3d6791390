/*
 * score.c - `tscrub score --ref REF [--raw RAW] [--json] HYP`: how far HYP's
 * words and speakers are from REF, and with RAW, how many of the speaker
 * changes from RAW to HYP were right.  Any format tscrub reads; a dlm file
 * given as the reference is read from its ref_text/ref_spk fields unless
 * --set dlm-fields=... says otherwise.  Exit 0, or 2 on a usage or input
 * error.
 */
#include <stdio.h>
#include <string.h>

#include "../score.h"
#include "cli.h"

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static int load(const cli_options *opt, const char *path, int as_ref, ts_transcript **t)
{
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    int has_fields = 0;
    for (size_t i = 0; i < opt->n_sets; i++)
        if (strncmp(opt->sets[i], "dlm-fields=", 11) == 0) has_fields = 1;
    if (as_ref && !has_fields && ts_context_set_option(ctx, "dlm-fields", "ref")) {
        ts_context_free(ctx);
        return EXIT_TROUBLE;
    }
    ts_status st = ts_read_file(ctx, path, opt->from, t);
    ts_context_free(ctx);
    return st ? EXIT_TROUBLE : EXIT_CLEAN;
}

int cmd_score(cli_options *opt)
{
    if (!opt->ref || opt->n_files != 1) {
        fprintf(stderr, "tscrub: error: score needs --ref REF and one hypothesis file\n"
                        "Try 'tscrub --help'.\n");
        return EXIT_TROUBLE;
    }
    ts_transcript *ref = NULL, *hyp = NULL, *raw = NULL;
    int rc = load(opt, opt->ref, 1, &ref);
    if (!rc) rc = load(opt, opt->files[0], 0, &hyp);
    if (!rc && opt->raw) rc = load(opt, opt->raw, 0, &raw);
    ts_score s;
    if (!rc) {
        ts_status st = ts_score_compute(ref, hyp, raw, &s);
        if (st == TS_ERR_USAGE)
            fprintf(stderr, "tscrub: error: too many words to align in memory; "
                            "score shorter pieces\n");
        else if (st)
            fprintf(stderr, "tscrub: error: out of memory\n");
        if (st) rc = EXIT_TROUBLE;
    }
    if (!rc) {
        size_t wer_err = s.wer_sub + s.wer_del + s.wer_ins;
        size_t wer_total = s.wer_correct + s.wer_sub + s.wer_del;
        size_t cp_err = s.cp_sub + s.cp_del + s.cp_ins;
        if (opt->json) {
            printf("{\n  \"recordings\": %zu,\n  \"ref_words\": %zu,\n  \"hyp_words\": %zu,\n"
                   "  \"WER\": %.6f,\n  \"wer_sub\": %zu,\n  \"wer_del\": %zu,\n  \"wer_ins\": %zu,\n"
                   "  \"WDER\": %.6f,\n  \"wder_wrong\": %zu,\n  \"wder_total\": %zu,\n"
                   "  \"cpWER\": %.6f,\n  \"cpwer_errors\": %zu,\n  \"cpwer_total\": %zu",
                   s.recordings, s.ref_words, s.hyp_words, wer_total ? (double)wer_err / (double)wer_total : 0.0,
                   s.wer_sub, s.wer_del, s.wer_ins,
                   s.wder_total ? (double)s.wder_wrong / (double)s.wder_total : 0.0, s.wder_wrong,
                   s.wder_total, s.cp_total ? (double)cp_err / (double)s.cp_total : 0.0, cp_err,
                   s.cp_total);
            if (raw)
                printf(",\n  \"raw_WDER\": %.6f,\n  \"raw_wder_wrong\": %zu,\n  \"changed\": %zu,\n"
                       "  \"changed_aligned\": %zu,\n  \"changed_right\": %zu,\n"
                       "  \"changed_was_right\": %zu,\n  \"change_precision\": %.6f",
                       s.raw_wder_total ? (double)s.raw_wder_wrong / (double)s.raw_wder_total : 0.0,
                       s.raw_wder_wrong, s.changed, s.changed_aligned, s.changed_right,
                       s.changed_was_right,
                       s.changed_aligned ? (double)s.changed_right / (double)s.changed_aligned : 0.0);
            printf("\n}\n");
        } else {
            printf("recordings %zu, reference %zu words, hypothesis %zu words\n", s.recordings,
                   s.ref_words, s.hyp_words);
            printf("WER    %6.2f%%  (%zu substituted, %zu deleted, %zu inserted of %zu)\n",
                   pct(wer_err, wer_total), s.wer_sub, s.wer_del, s.wer_ins, wer_total);
            printf("WDER   %6.2f%%  (%zu of %zu aligned words with the wrong speaker)\n",
                   pct(s.wder_wrong, s.wder_total), s.wder_wrong, s.wder_total);
            printf("cpWER  %6.2f%%  (%zu errors of %zu)\n", pct(cp_err, s.cp_total), cp_err,
                   s.cp_total);
            if (raw) {
                printf("raw WDER %6.2f%% (%zu of %zu)\n", pct(s.raw_wder_wrong, s.raw_wder_total),
                       s.raw_wder_wrong, s.raw_wder_total);
                printf("changes: %zu words changed speaker, %zu aligned to the reference, "
                       "%zu right now (precision %.1f%%), %zu were right before\n",
                       s.changed, s.changed_aligned, s.changed_right,
                       pct(s.changed_right, s.changed_aligned), s.changed_was_right);
            }
        }
    }
    ts_transcript_free(ref);
    ts_transcript_free(hyp);
    ts_transcript_free(raw);
    return rc;
}
