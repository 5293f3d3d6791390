/*
 * test_pass_artifacts.c - timing checks of the artifacts pass that no
 * reader in the tree can produce input for yet (a segment ending before it
 * starts: the premiere reader refuses it), run on transcripts built here,
 * plus the reading-speed limit and the rule that fix twice == fix once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "transcript.h"
#include "timecode_ms.h"
#include "tscrub.h"

static void add(ts_transcript *t, int64_t a, int64_t b, const char *speaker, const char *text)
{
    ts_segment *s = ts_transcript_push(t);
    assert_non_null(s);
    s->text = s->orig_text = text;
    s->text_len = s->orig_len = (uint32_t)strlen(text);
    s->speaker = speaker;
    s->speaker_len = (uint32_t)strlen(speaker);
    s->start = ms(a);
    s->end = ms(b);
    s->line = s->text_line = (uint32_t)t->n;
    s->text_col = 1;
}

/* Number of log entries with this rule id. */
static int count(const ts_run *run, const char *rule)
{
    int n = 0;
    ts_edit_info e;
    for (size_t i = 0; ts_run_get(run, i, &e); i++) n += strcmp(e.rule, rule) == 0;
    return n;
}

static ts_run *fix(ts_context *ctx, ts_transcript *t)
{
    ts_run *run = NULL;
    assert_int_equal(ts_context_select_passes(ctx, "artifacts", NULL), TS_OK);
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    return run;
}

static void test_backwards_and_zero(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, 1000, 3000, "A", "Fine.");
    add(t, 5000, 4000, "A", "This one ends before it starts.");
    add(t, 6000, 6000, "B", "Zero.");
    add(t, 7000, 9000, "B", "Fine again.");
    ts_run *run = fix(ctx, t);
    assert_int_equal(count(run, "artifacts/end-before-start"), 1);
    assert_int_equal(count(run, "artifacts/zero-duration"), 1);
    assert_int_equal(ts_run_count(run), 2);
    assert_int_equal(t->n, 4); /* reported, never dropped */
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_reading_speed(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    assert_int_equal(ts_context_set_option(ctx, "max-cps", "15"), TS_OK);
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, 0, 1000, "A", "Far too many words for one second of screen time.");
    add(t, 2000, 6000, "A", "This one reads fine.");
    ts_run *run = fix(ctx, t);
    assert_int_equal(count(run, "artifacts/reading-speed"), 1);
    ts_edit_info e;
    assert_true(ts_run_get(run, 0, &e));
    assert_int_equal(e.segment, 0);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_sort_clip_merge_settle(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    assert_int_equal(ts_context_set_option(ctx, "sort-timing", "1"), TS_OK);
    assert_int_equal(ts_context_set_option(ctx, "clip-overlaps", "1"), TS_OK);
    assert_int_equal(ts_context_set_option(ctx, "min-duration", "0.5"), TS_OK);
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, 9000, 10000, "A", "d");
    add(t, 1000, 3000, "A", "a");
    add(t, 2500, 4000, "A", "b");
    add(t, 4000, 4200, "B", "c1");
    add(t, 4300, 6000, "B", "c2");
    ts_run *run = fix(ctx, t);
    assert_int_equal(t->n, 4);
    const char *want[] = {"a", "b", "c1 c2", "d"};
    for (size_t i = 0; i < t->n; i++) {
        assert_int_equal(t->segs[i].text_len, strlen(want[i]));
        assert_memory_equal(t->segs[i].text, want[i], t->segs[i].text_len);
    }
    assert_int_equal(t->segs[0].end.value, 2500); /* clipped */
    assert_int_equal(t->segs[2].end.value, 6000); /* merged */
    ts_run_free(run);
    /* A second run finds nothing left to change. */
    run = fix(ctx, t);
    ts_edit_info e;
    for (size_t i = 0; ts_run_get(run, i, &e); i++) assert_false(e.applied);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backwards_and_zero),
        cmocka_unit_test(test_reading_speed),
        cmocka_unit_test(test_sort_clip_merge_settle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
