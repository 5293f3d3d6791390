/*
 * test_score.c - WER, WDER (Hungarian speaker mapping), cpWER, change
 * precision, the normalisation and the alignment tie-break of score.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "score.h"
#include "tscrub.h"

/* A dlm transcript with one utterance per text/speaker pair. */
static ts_transcript *dlm(ts_context *ctx, const char *text, const char *spk, const char *text2,
                          const char *spk2)
{
    char buf[2048];
    if (text2)
        snprintf(buf, sizeof buf,
                 "{\"utterances\": [{\"utterance_id\": \"a\", \"hyp_text\": \"%s\", \"hyp_spk\": \"%s\"},"
                 " {\"utterance_id\": \"b\", \"hyp_text\": \"%s\", \"hyp_spk\": \"%s\"}]}",
                 text, spk, text2, spk2);
    else
        snprintf(buf, sizeof buf,
                 "{\"utterances\": [{\"utterance_id\": \"a\", \"hyp_text\": \"%s\", \"hyp_spk\": \"%s\"}]}",
                 text, spk);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "t.json", buf, strlen(buf), "dlm", &t), TS_OK);
    return t;
}

static ts_score run3(const char *rt, const char *rs, const char *ht, const char *hs, const char *wt,
                     const char *ws)
{
    ts_context *ctx = ts_context_new();
    ts_transcript *r = dlm(ctx, rt, rs, NULL, NULL), *h = dlm(ctx, ht, hs, NULL, NULL);
    ts_transcript *w = wt ? dlm(ctx, wt, ws, NULL, NULL) : NULL;
    ts_score s;
    assert_int_equal(ts_score_compute(r, h, w, &s), TS_OK);
    ts_transcript_free(r);
    ts_transcript_free(h);
    ts_transcript_free(w);
    ts_context_free(ctx);
    return s;
}

static void identical(void **state)
{
    (void)state;
    ts_score s = run3("a b c d", "1 1 2 2", "a b c d", "1 1 2 2", NULL, NULL);
    assert_int_equal(s.wer_correct, 4);
    assert_int_equal(s.wer_sub + s.wer_del + s.wer_ins, 0);
    assert_int_equal(s.wder_total, 4);
    assert_int_equal(s.wder_wrong, 0);
    assert_int_equal(s.cp_total, 4);
    assert_int_equal(s.cp_sub + s.cp_del + s.cp_ins, 0);
}

static void labels_mapped(void **state)
{
    (void)state;
    /* the names of the speakers do not matter, only the partition */
    ts_score s = run3("a b c d", "1 1 2 2", "a b c d", "2 2 1 1", NULL, NULL);
    assert_int_equal(s.wder_wrong, 0);
    assert_int_equal(s.cp_sub + s.cp_del + s.cp_ins, 0);
}

static void one_wrong_speaker(void **state)
{
    (void)state;
    ts_score s = run3("a b c d", "1 1 2 2", "a b c d", "1 1 1 2", NULL, NULL);
    assert_int_equal(s.wder_total, 4);
    assert_int_equal(s.wder_wrong, 1);
    /* cpWER: speaker 1 has "a b c" against "a b": one insertion; speaker 2
     * "d" against "c d": one deletion */
    assert_int_equal(s.cp_ins + s.cp_del, 2);
}

static void normalisation(void **state)
{
    (void)state;
    ts_score s = run3("Hello, uh-huh It's -", "1 1 1 1", "hello uhhuh its -", "1 1 1 1", NULL, NULL);
    assert_int_equal(s.wer_correct, 4);
}

static void tie_break(void **state)
{
    (void)state;
    /* "a b" against "b a": insertion and deletion around the match of "b"
     * (ties prefer insertion, then deletion, then a substitution) */
    ts_score s = run3("a b", "1 2", "b a", "1 2", NULL, NULL);
    assert_int_equal(s.wer_correct, 1);
    assert_int_equal(s.wer_del, 1);
    assert_int_equal(s.wer_ins, 1);
    assert_int_equal(s.wer_sub, 0);
    assert_int_equal(s.wder_total, 1);
    assert_int_equal(s.wder_wrong, 0);
}

static void substitutions_count_for_wder(void **state)
{
    (void)state;
    ts_score s = run3("a b c", "1 1 2", "a x c", "1 1 2", NULL, NULL);
    assert_int_equal(s.wer_sub, 1);
    assert_int_equal(s.wder_total, 3);
}

static void change_precision(void **state)
{
    (void)state;
    /* raw has "c" and "e" wrong; the fix repairs "c" and breaks "f" */
    ts_score s = run3("a b c d e f g h", "1 1 1 1 2 2 2 2", "a b c d e f g h", "1 1 1 1 2 1 2 2",
                      "a b c d e f g h", "1 1 2 1 2 2 2 2");
    assert_int_equal(s.raw_wder_wrong, 1);
    assert_int_equal(s.changed, 2);
    assert_int_equal(s.changed_aligned, 2);
    assert_int_equal(s.changed_right, 1);
    assert_int_equal(s.changed_was_right, 1);
}

static void recordings_scored_apart(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    /* speaker "1" is a different person in each recording */
    ts_transcript *r = dlm(ctx, "a b c d", "1 1 2 2", "e f g h", "1 1 2 2");
    ts_transcript *h = dlm(ctx, "a b c d", "1 1 2 2", "e f g h", "2 2 1 1");
    ts_score s;
    assert_int_equal(ts_score_compute(r, h, NULL, &s), TS_OK);
    assert_int_equal(s.recordings, 2);
    assert_int_equal(s.wder_wrong, 0);
    assert_int_equal(s.wder_total, 8);
    ts_transcript_free(r);
    ts_transcript_free(h);
    ts_context_free(ctx);
}

static void empty_inputs(void **state)
{
    (void)state;
    ts_score s = run3("", "", "a", "1", NULL, NULL);
    assert_int_equal(s.wer_ins, 1);
    assert_int_equal(s.wder_total, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical),
        cmocka_unit_test(labels_mapped),
        cmocka_unit_test(one_wrong_speaker),
        cmocka_unit_test(normalisation),
        cmocka_unit_test(tie_break),
        cmocka_unit_test(substitutions_count_for_wder),
        cmocka_unit_test(change_precision),
        cmocka_unit_test(recordings_scored_apart),
        cmocka_unit_test(empty_inputs),
    };
    return cmocka_run_group_tests_name("score", tests, NULL, NULL);
}
