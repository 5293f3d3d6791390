/*
 * test_edit_segments.c - the segment operations that drop, retime and reorder
 * segments (TS_EDIT_DELETE, TS_EDIT_TIMING, TS_EDIT_MOVE_BEFORE): what they
 * do to the transcript, what they log, and how they conflict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edit.h"
#include "transcript.h"
#include "timecode_ms.h"

static const ts_rule_info rule = {"test/op", "test operation", TS_SEV_INFO};

/* Five segments "s0".."s4", one second each, speaker "A". */
static ts_transcript *make(void)
{
    static const char *texts[] = {"s0", "s1", "s2", "s3", "s4"};
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    assert_non_null(t);
    for (int i = 0; i < 5; i++) {
        ts_segment *s = ts_transcript_push(t);
        assert_non_null(s);
        s->text = s->orig_text = texts[i];
        s->text_len = s->orig_len = 2;
        s->speaker = "A";
        s->speaker_len = 1;
        s->start = ms(i * 1000);
        s->end = ms(i * 1000 + 1000);
        s->line = s->text_line = (uint32_t)(i * 3 + 1);
        s->text_col = 1;
    }
    return t;
}

typedef struct {
    char msg[5][160];
    char before[5][40];
    int n;
} log_rec;

static int record(void *ud, const ts_edit *e, uint32_t seg, unsigned line, unsigned col,
                  const char *before, size_t before_len, const char *after, size_t after_len)
{
    (void)seg; (void)line; (void)col; (void)after; (void)after_len;
    log_rec *r = ud;
    if (r->n < 5) {
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s", e->message ? e->message : "");
        snprintf(r->before[r->n], sizeof r->before[0], "%.*s", (int)before_len, before ? before : "");
        r->n++;
    }
    return 0;
}

static void order_is(const ts_transcript *t, const char *want)
{
    char got[32] = "";
    for (size_t i = 0; i < t->n; i++) strncat(got, t->segs[i].text, t->segs[i].text_len);
    assert_string_equal(got, want);
}

static void test_delete_logs_text_and_timing(void **state)
{
    (void)state;
    ts_transcript *t = make();
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit *e = ts_edit_delete(&l, &rule, 1);
    e->message = "why";
    ts_apply_result res;
    log_rec rec = {0};
    assert_int_equal(ts_edits_apply(t, l.v, l.n, &(ts_apply_logger){record, &rec, false}, &res), 0);
    order_is(t, "s0s2s3s4");
    assert_int_equal(res.applied, 1);
    assert_int_equal(rec.n, 1);
    assert_string_equal(rec.before[0], "s1");
    assert_string_equal(rec.msg[0], "why: segment 00:00:01,000 - 00:00:02,000 (A) dropped");
    assert_non_null(res.new_index); /* rebuilt */
    assert_int_equal(ts_apply_new_index(&res, 0), 0);
    assert_int_equal(ts_apply_new_index(&res, 1), TS_SEG_GONE);
    assert_int_equal(ts_apply_new_index(&res, 2), 1);
    assert_int_equal(res.n_after, 4);
    ts_apply_result_release(&res);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_timing_sets_end_only(void **state)
{
    (void)state;
    ts_transcript *t = make();
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_timecode end = ms(1500);
    ts_edit_timing(&l, &rule, 1, NULL, &end);
    ts_apply_result res;
    log_rec rec = {0};
    assert_int_equal(ts_edits_apply(t, l.v, l.n, &(ts_apply_logger){record, &rec, false}, &res), 0);
    assert_int_equal(t->segs[1].start.value, 1000);
    assert_int_equal(t->segs[1].end.value, 1500);
    assert_true(t->segs[1].flags & TS_SEG_TIMING_DIRTY);
    assert_null(res.new_index); /* no rebuild */
    assert_string_equal(rec.before[0], "00:00:01,000 - 00:00:02,000");
    ts_apply_result_release(&res);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_move_before(void **state)
{
    (void)state;
    ts_transcript *t = make();
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_move_before(&l, &rule, 3, 1);  /* s3 back before s1 */
    ts_apply_result res;
    assert_int_equal(ts_edits_apply(t, l.v, l.n, NULL, &res), 0);
    order_is(t, "s0s3s1s2s4");
    assert_int_equal(ts_apply_new_index(&res, 3), 1);
    assert_int_equal(ts_apply_new_index(&res, 1), 2);
    ts_apply_result_release(&res);

    ts_edit_list_clear(&l);
    ts_edit_move_before(&l, &rule, 0, 5);  /* s0 to the end */
    assert_int_equal(ts_edits_apply(t, l.v, l.n, NULL, &res), 0);
    order_is(t, "s3s1s2s4s0");
    ts_apply_result_release(&res);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_moves_to_one_place_keep_their_order(void **state)
{
    (void)state;
    ts_transcript *t = make();
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_move_before(&l, &rule, 1, 3);  /* proposed first: lands first */
    ts_edit_move_before(&l, &rule, 0, 3);
    ts_edit_delete(&l, &rule, 3);          /* a place segments move to stays: deferred */
    ts_apply_result res;
    assert_int_equal(ts_edits_apply(t, l.v, l.n, NULL, &res), 0);
    order_is(t, "s2s1s0s3s4");
    assert_int_equal(res.applied, 2);
    assert_int_equal(res.deferred, 1);
    ts_apply_result_release(&res);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_conflicts_are_deferred(void **state)
{
    (void)state;
    ts_transcript *t = make();
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_delete(&l, &rule, 2);
    ts_edit_move_before(&l, &rule, 4, 2);  /* target claimed by the delete */
    ts_edit_move_before(&l, &rule, 1, 2);  /* before its successor: a no-op */
    ts_edit_merge_next(&l, &rule, 2);      /* segment claimed */
    ts_apply_result res;
    assert_int_equal(ts_edits_apply(t, l.v, l.n, NULL, &res), 0);
    order_is(t, "s0s1s3s4");
    assert_int_equal(res.applied, 1);
    assert_int_equal(res.deferred, 3);
    ts_apply_result_release(&res);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_logs_text_and_timing),
        cmocka_unit_test(test_timing_sets_end_only),
        cmocka_unit_test(test_move_before),
        cmocka_unit_test(test_moves_to_one_place_keep_their_order),
        cmocka_unit_test(test_conflicts_are_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
