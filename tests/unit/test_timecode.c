/* Timecodes: parsing with range checks, drop-frame, formatting back to the
 * source form, and conversion to and from seconds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "timecode.h"

static int parse(const char *s, unsigned fps, ts_timecode *tc, const char **why, size_t *off)
{
    return ts_tc_parse_frames(s, strlen(s), fps, tc, why, off);
}

static void test_frames_round_trip(void **state)
{
    (void)state;
    const char *cases[] = {"00:00:00:00", "00:00:21:00", "01:02:03:29", "99:59:59:29"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ts_timecode tc;
        const char *why;
        size_t off;
        assert_int_equal(parse(cases[i], 30, &tc, &why, &off), 0);
        char out[TS_TC_TEXT_MAX];
        ts_tc_format(&tc, out);
        assert_string_equal(out, cases[i]);
    }
}

static void test_frames_seconds(void **state)
{
    (void)state;
    ts_timecode tc;
    const char *why;
    size_t off;
    assert_int_equal(parse("00:01:00:15", 30, &tc, &why, &off), 0);
    assert_true(fabs(ts_tc_seconds(&tc) - 60.5) < 1e-9);
    assert_int_equal(parse("00:00:01:12", 25, &tc, &why, &off), 0);
    assert_true(fabs(ts_tc_seconds(&tc) - 1.48) < 1e-9);
}

static void test_frames_errors(void **state)
{
    (void)state;
    struct { const char *s; unsigned fps; size_t off; } bad[] = {
        {"00:60:00:00", 30, 3}, {"00:00:60:00", 30, 6}, {"00:00:00:30", 30, 9},
        {"00:00:00:25", 25, 9}, {"00:00:00", 30, 8},    {"0:00:00:00", 30, 1},
        {"00:00:00:00x", 30, 11}, {"aa:00:00:00", 30, 0}, {"00:00:00;00", 25, 8},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ts_timecode tc;
        const char *why = NULL;
        size_t off = 99;
        assert_int_equal(parse(bad[i].s, bad[i].fps, &tc, &why, &off), -1);
        assert_non_null(why);
        assert_int_equal(off, bad[i].off);
    }
}

static void test_drop_frame(void **state)
{
    (void)state;
    ts_timecode tc;
    const char *why;
    size_t off;
    /* Labels ;00 and ;01 do not exist at minutes not divisible by ten. */
    assert_int_equal(parse("00:01:00;00", 30, &tc, &why, &off), -1);
    assert_int_equal(parse("00:01:00;02", 30, &tc, &why, &off), 0);
    assert_true(tc.drop);
    char out[TS_TC_TEXT_MAX];
    ts_tc_format(&tc, out);
    assert_string_equal(out, "00:01:00;02");
    /* 00:01:00;02 is real frame 1800 at 29.97 fps. */
    assert_true(fabs(ts_tc_seconds(&tc) - 1800 * 1001.0 / 30000.0) < 1e-9);
    assert_int_equal(parse("00:10:00;00", 30, &tc, &why, &off), 0);
    /* Ten minutes of drop-frame is 17982 real frames. */
    assert_true(fabs(ts_tc_seconds(&tc) - 17982 * 1001.0 / 30000.0) < 1e-9);
    ts_timecode back = ts_tc_from_seconds(ts_tc_seconds(&tc), &tc);
    assert_int_equal(back.value, tc.value);
    for (int64_t v = 0; v < 30 * 60 * 25; v += 7) {
        ts_timecode x = tc;
        x.value = v;
        char s[TS_TC_TEXT_MAX];
        ts_tc_format(&x, s);
        ts_timecode y;
        if (parse(s, 30, &y, &why, &off)) continue; /* a skipped label */
        ts_timecode z = ts_tc_from_seconds(ts_tc_seconds(&y), &y);
        assert_int_equal(z.value, y.value);
    }
}

static void test_clock(void **state)
{
    (void)state;
    ts_timecode tc;
    const char *why;
    size_t off;
    assert_int_equal(ts_tc_parse_clock("01:02:03,456", 12, 0, &tc, &why, &off), 0);
    assert_int_equal(tc.value, 3723456);
    char out[TS_TC_TEXT_MAX];
    ts_tc_format(&tc, out);
    assert_string_equal(out, "01:02:03,456");
    assert_int_equal(ts_tc_parse_clock("02:03.456", 9, 1, &tc, &why, &off), 0);
    ts_tc_format(&tc, out);
    assert_string_equal(out, "02:03.456");
    assert_int_equal(ts_tc_parse_clock("02:03.456", 9, 0, &tc, &why, &off), -1);
    assert_int_equal(ts_tc_parse_clock("00:00:61,000", 12, 0, &tc, &why, &off), -1);
    assert_int_equal(ts_tc_parse_clock("00:00:01,00", 11, 0, &tc, &why, &off), -1);
}

static void test_compare_and_convert(void **state)
{
    (void)state;
    ts_timecode a, b;
    const char *why;
    size_t off;
    assert_int_equal(parse("00:00:01:00", 30, &a, &why, &off), 0);
    assert_int_equal(ts_tc_parse_clock("00:00:00,999", 12, 0, &b, &why, &off), 0);
    assert_int_equal(ts_tc_compare(&a, &b), 1);
    assert_int_equal(ts_tc_compare(&b, &a), -1);
    assert_int_equal(ts_tc_compare(&a, &a), 0);
    ts_timecode c = ts_tc_from_seconds(2.5, &a);
    char out[TS_TC_TEXT_MAX];
    ts_tc_format(&c, out);
    assert_string_equal(out, "00:00:02:15");
    c = ts_tc_from_seconds(-3, &a);
    assert_int_equal(c.value, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_round_trip), cmocka_unit_test(test_frames_seconds),
        cmocka_unit_test(test_frames_errors),     cmocka_unit_test(test_drop_frame),
        cmocka_unit_test(test_clock),             cmocka_unit_test(test_compare_and_convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
