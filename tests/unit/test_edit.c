/* Edit application: replacements in order, overlaps deferred, source
 * positions, and segment operations (speaker, moves, merge, split). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edit.h"
#include "transcript.h"
#include "tscrub.h"

static const ts_rule_info rule = {"test/rule", "a test rule", TS_SEV_WARNING};

static const char doc[] =
    "Header\n"
    "00:00:01:00 - 00:00:03:00\n"
    "Stefan\n"
    "And so I.\n"
    "00:00:03:00 - 00:00:05:00\n"
    "Jens\n"
    "Was, I think\n"
    "so too.\n"
    "00:00:05:00 - 00:00:09:00\n"
    "Stefan\n"
    "Third block here.\n";

typedef struct {
    ts_context *ctx;
    ts_transcript *t;
    ts_edit_list l;
    unsigned logged, line, col;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = ts_context_new();
    assert_int_equal(ts_read(f->ctx, "doc", doc, sizeof doc - 1, "premiere", &f->t), TS_OK);
    ts_edit_list_init(&f->l);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_edit_list_release(&f->l);
    ts_transcript_free(f->t);
    ts_context_free(f->ctx);
    free(f);
    return 0;
}

static int logger(void *ud, const ts_edit *e, uint32_t seg, unsigned line, unsigned col,
                  const char *before, size_t before_len, const char *after, size_t after_len)
{
    (void)e; (void)seg; (void)before; (void)before_len; (void)after; (void)after_len;
    fixture *f = ud;
    if (f->logged++ == 0) {
        f->line = line;
        f->col = col;
    }
    return 0;
}

static const char *text(fixture *f, size_t i, char *buf)
{
    memcpy(buf, f->t->segs[i].text, f->t->segs[i].text_len);
    buf[f->t->segs[i].text_len] = '\0';
    return buf;
}

static void apply(fixture *f, ts_apply_result *r)
{
    ts_apply_logger lg = {logger, f, false};
    assert_int_equal(ts_edits_apply(f->t, f->l.v, f->l.n, &lg, r), 0);
}

static void test_replace_in_order(void **state)
{
    fixture *f = *state;
    char b[128];
    /* Proposed out of order; applied by position. */
    ts_edit_replace(&f->l, &rule, 1, 12, 13, " ", 1);   /* the line break */
    ts_edit_replace(&f->l, &rule, 1, 0, 3, "was", 3);
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 2);
    assert_int_equal(r.deferred, 0);
    assert_string_equal(text(f, 1, b), "was, I think so too.");
    /* Only segment 1 was in reach of the edits. */
    assert_int_equal(r.lo, 1);
    assert_int_equal(r.n_touched, 1);
    assert_int_equal(r.touched[0], 1);
    /* The first logged edit (position 0) is at line 7, column 1. */
    assert_int_equal(f->line, 7);
    assert_int_equal(f->col, 1);
    ts_apply_result_release(&r);
}

static void test_overlap_deferred(void **state)
{
    fixture *f = *state;
    char b[128];
    ts_edit_replace(&f->l, &rule, 2, 0, 5, "3rd", 3);
    ts_edit_replace(&f->l, &rule, 2, 3, 8, "X", 1);      /* overlaps the first */
    ts_edit_replace(&f->l, &rule, 2, 5, 5, "!", 1);      /* insertion right after: fine */
    ts_edit_report(&f->l, &rule, 2, 0, 5);               /* findings never apply */
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 2);
    assert_int_equal(r.deferred, 1);
    assert_string_equal(text(f, 2, b), "3rd! block here.");
    ts_apply_result_release(&r);
}

static void test_invalid_ranges_ignored(void **state)
{
    fixture *f = *state;
    ts_edit_replace(&f->l, &rule, 7, 0, 1, "x", 1);      /* no such segment */
    ts_edit_replace(&f->l, &rule, 0, 3, 99, "x", 1);     /* past the end */
    ts_edit_replace(&f->l, &rule, 0, 5, 2, "x", 1);      /* reversed */
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 0);
    assert_int_equal(r.deferred, 3);
    ts_apply_result_release(&r);
}

static void test_source_position_after_shift(void **state)
{
    fixture *f = *state;
    ts_segment *s = &f->t->segs[1];
    unsigned line, col;
    ts_segment_source_pos(s, 13, &line, &col);           /* "so too." on line 8 */
    assert_int_equal(line, 8);
    assert_int_equal(col, 1);
    ts_edit_replace(&f->l, &rule, 1, 0, 4, "", 0);       /* drop "Was," */
    ts_apply_result r;
    apply(f, &r);
    ts_segment_source_pos(s, 9, &line, &col);            /* still "so too." */
    assert_int_equal(line, 8);
    assert_int_equal(col, 1);
    ts_apply_result_release(&r);
}

static void test_move_prev_with_text_edits(void **state)
{
    fixture *f = *state;
    char b[128];
    /* "And so I." / "Was, I think..." -> "And so I was." / "I think..." */
    ts_edit_replace(&f->l, &rule, 0, 8, 9, "", 0);       /* "I." -> "I" */
    ts_edit_replace(&f->l, &rule, 1, 0, 4, "was.", 4);   /* "Was," -> "was." */
    ts_edit_move(&f->l, &rule, 1, TS_EDIT_MOVE_PREV, 0, 4);
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 3);
    assert_string_equal(text(f, 0, b), "And so I was.");
    assert_string_equal(text(f, 1, b), "I think\nso too.");
    assert_int_equal(f->t->n, 3);
    ts_apply_result_release(&r);
}

static void test_move_next(void **state)
{
    fixture *f = *state;
    char b[128];
    ts_edit_move(&f->l, &rule, 1, TS_EDIT_MOVE_NEXT, 13, 20);
    ts_apply_result r;
    apply(f, &r);
    assert_string_equal(text(f, 1, b), "Was, I think");
    assert_string_equal(text(f, 2, b), "so too. Third block here.");
    ts_apply_result_release(&r);
}

static void test_conflicting_ops_deferred(void **state)
{
    fixture *f = *state;
    ts_edit_move(&f->l, &rule, 1, TS_EDIT_MOVE_PREV, 0, 4);
    ts_edit_move(&f->l, &rule, 1, TS_EDIT_MOVE_NEXT, 13, 20);  /* claims segment 1 again */
    ts_edit_move(&f->l, &rule, 0, TS_EDIT_MOVE_PREV, 0, 3);    /* no previous segment */
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 1);
    assert_int_equal(r.deferred, 2);
    ts_apply_result_release(&r);
}

static void test_speaker(void **state)
{
    fixture *f = *state;
    ts_edit_speaker(&f->l, &rule, 1, "Stefan", 6);
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(f->t->segs[1].speaker_len, 6);
    assert_memory_equal(f->t->segs[1].speaker, "Stefan", 6);
    assert_true(f->t->segs[1].flags & TS_SEG_SPEAKER_DIRTY);
    ts_apply_result_release(&r);
}

static void test_merge_and_split(void **state)
{
    fixture *f = *state;
    char b[128];
    ts_edit_merge_next(&f->l, &rule, 0);
    ts_edit_split(&f->l, &rule, 2, 5, NULL);                   /* "Third" | "block here." */
    ts_apply_result r;
    apply(f, &r);
    assert_int_equal(r.applied, 2);
    assert_int_equal(f->t->n, 3);
    assert_string_equal(text(f, 0, b), "And so I. Was, I think\nso too.");
    assert_int_equal(f->t->segs[0].end.value, 5 * 30);
    assert_string_equal(text(f, 1, b), "Third");
    assert_string_equal(text(f, 2, b), "block here.");
    /* Split time interpolated by bytes: 5 s + 4 s * 5/17. */
    assert_int_equal(f->t->segs[1].end.value, f->t->segs[2].start.value);
    assert_true(f->t->segs[2].start.value > 5 * 30 && f->t->segs[2].start.value < 9 * 30);
    assert_int_equal(r.n_after, 3);
    assert_int_equal(r.lo, 0);
    assert_int_equal(r.n_dirty, 3);
    assert_int_equal(r.dirty[0], 1);
    assert_int_equal(r.dirty[2], 1);
    ts_apply_result_release(&r);
}

static int writer(void *ud, const char *p, size_t n)
{
    return strncat(ud, p, n) ? 0 : -1;
}

static void test_written_after_ops(void **state)
{
    fixture *f = *state;
    ts_edit_speaker(&f->l, &rule, 2, "Jens", 4);
    ts_edit_replace(&f->l, &rule, 1, 12, 13, " ", 1);
    ts_apply_result r;
    apply(f, &r);
    char out[1024] = "";
    assert_int_equal(ts_write(f->ctx, f->t, NULL, writer, out), TS_OK);
    assert_string_equal(out,
                        "Header\n"
                        "00:00:01:00 - 00:00:03:00\n"
                        "Stefan\n"
                        "And so I.\n"
                        "00:00:03:00 - 00:00:05:00\n"
                        "Jens\n"
                        "Was, I think so too.\n"
                        "00:00:05:00 - 00:00:09:00\n"
                        "Jens\n"
                        "Third block here.\n");
    ts_apply_result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replace_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_ranges_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_position_after_shift, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_prev_with_text_edits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicting_ops_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speaker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_and_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_written_after_ops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
