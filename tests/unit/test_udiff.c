/*
 * Unit tests for udiff.  The expected outputs were produced by GNU diff
 * 3.8 (`diff -U<n> --label a --label b a b`) on the same inputs, so these
 * tests pin the format to what patch(1) and users expect, not merely to
 * what this implementation happens to print.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "udiff.h"

struct sink {
    char *data;
    size_t len, cap;
    unsigned calls;
    unsigned fail_at; /* 1-based call number that fails; 0 = never */
};

static int sink_write(void *ud, const char *data, size_t len)
{
    struct sink *s = ud;

    s->calls++;
    if (s->fail_at != 0 && s->calls >= s->fail_at)
        return 1;
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        char *p;
        while (cap < s->len + len + 1)
            cap *= 2;
        p = realloc(s->data, cap);
        if (!p)
            return 1;
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    return 0;
}

static void sink_free(struct sink *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

static void check_diff(const char *a, const char *b, unsigned context,
                       const char *expected)
{
    struct sink s = {0};
    int rc = ts_udiff(a, strlen(a), b, strlen(b), "a", "b", context,
                      sink_write, &s);

    assert_int_equal(rc, 1);
    assert_non_null(s.data);
    assert_string_equal(s.data, expected);
    sink_free(&s);
}

static size_t count_prefixed(const char *text, const char *prefix)
{
    size_t n = 0, plen = strlen(prefix);
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, prefix, plen) == 0)
            n++;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

#define TEN                                                                   \
    "line 1\nline 2\nline 3\nline 4\nline 5\n"                                \
    "line 6\nline 7\nline 8\nline 9\nline 10\n"

static void test_identical(void **state)
{
    struct sink s = {0};

    (void)state;
    assert_int_equal(ts_udiff(TEN, strlen(TEN), TEN, strlen(TEN), "a", "b", 3,
                              sink_write, &s),
                     0);
    assert_int_equal(s.calls, 0);
    assert_int_equal(ts_udiff(NULL, 0, NULL, 0, "a", "b", 3, sink_write, &s),
                     0);
    assert_int_equal(ts_udiff("x", 1, "x", 1, "a", "b", 0, sink_write, &s), 0);
    assert_int_equal(s.calls, 0);
    assert_null(s.data);
}

static void test_change_middle(void **state)
{
    (void)state;
    check_diff(TEN,
               "line 1\nline 2\nline 3\nline 4\nLINE 5\n"
               "line 6\nline 7\nline 8\nline 9\nline 10\n",
               3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,7 +2,7 @@\n"
               " line 2\n"
               " line 3\n"
               " line 4\n"
               "-line 5\n"
               "+LINE 5\n"
               " line 6\n"
               " line 7\n"
               " line 8\n");
}

static void test_insert_at_start(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5\n",
               "new first\nline 1\nline 2\nline 3\nline 4\nline 5\n", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -1,3 +1,4 @@\n"
               "+new first\n"
               " line 1\n"
               " line 2\n"
               " line 3\n");
}

static void test_delete_at_end(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n",
               "line 1\nline 2\nline 3\nline 4\n", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,5 +2,3 @@\n"
               " line 2\n"
               " line 3\n"
               " line 4\n"
               "-line 5\n"
               "-line 6\n");
}

static void test_empty_a(void **state)
{
    (void)state;
    check_diff("", "x\ny\n", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -0,0 +1,2 @@\n"
               "+x\n"
               "+y\n");
}

static void test_empty_b(void **state)
{
    (void)state;
    check_diff("x\ny\n", "", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -1,2 +0,0 @@\n"
               "-x\n"
               "-y\n");
}

static void test_no_newline_a(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5",
               "line 1\nline 2\nline 3\nline 4\nline 5\n", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,4 +2,4 @@\n"
               " line 2\n"
               " line 3\n"
               " line 4\n"
               "-line 5\n"
               "\\ No newline at end of file\n"
               "+line 5\n");
}

static void test_no_newline_b(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5\n",
               "line 1\nline 2\nline 3\nline 4\nline 5", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,4 +2,4 @@\n"
               " line 2\n"
               " line 3\n"
               " line 4\n"
               "-line 5\n"
               "+line 5\n"
               "\\ No newline at end of file\n");
}

static void test_no_newline_both(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5",
               "line 1\nline 2\nline 3\nline 4\nLINE 5", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,4 +2,4 @@\n"
               " line 2\n"
               " line 3\n"
               " line 4\n"
               "-line 5\n"
               "\\ No newline at end of file\n"
               "+LINE 5\n"
               "\\ No newline at end of file\n");
}

static void test_no_newline_context(void **state)
{
    (void)state;
    check_diff("line 1\nline 2\nline 3\nline 4\nline 5",
               "line 1\nLINE 2\nline 3\nline 4\nline 5", 3,
               "--- a\n"
               "+++ b\n"
               "@@ -1,5 +1,5 @@\n"
               " line 1\n"
               "-line 2\n"
               "+LINE 2\n"
               " line 3\n"
               " line 4\n"
               " line 5\n"
               "\\ No newline at end of file\n");
}

/* l1..l20 (or l30) with the given 1-based lines replaced by "X". */
static char *numbered(unsigned n, unsigned r1, unsigned r2)
{
    char *buf = malloc((size_t)n * 8 + 1);
    size_t len = 0;
    unsigned i;

    assert_non_null(buf);
    for (i = 1; i <= n; i++) {
        if (i == r1 || i == r2)
            len += (size_t)sprintf(buf + len, "X\n");
        else
            len += (size_t)sprintf(buf + len, "l%u\n", i);
    }
    return buf;
}

static void test_hunks_far_apart(void **state)
{
    char *a = numbered(30, 0, 0), *b = numbered(30, 5, 25);

    (void)state;
    check_diff(a, b, 3,
               "--- a\n"
               "+++ b\n"
               "@@ -2,7 +2,7 @@\n"
               " l2\n"
               " l3\n"
               " l4\n"
               "-l5\n"
               "+X\n"
               " l6\n"
               " l7\n"
               " l8\n"
               "@@ -22,7 +22,7 @@\n"
               " l22\n"
               " l23\n"
               " l24\n"
               "-l25\n"
               "+X\n"
               " l26\n"
               " l27\n"
               " l28\n");
    free(a);
    free(b);
}

/* 6 unchanged lines between the changes: the contexts touch, one hunk. */
static void test_hunks_merge(void **state)
{
    char *a = numbered(20, 0, 0), *b = numbered(20, 3, 10);

    (void)state;
    check_diff(a, b, 3,
               "--- a\n"
               "+++ b\n"
               "@@ -1,13 +1,13 @@\n"
               " l1\n"
               " l2\n"
               "-l3\n"
               "+X\n"
               " l4\n"
               " l5\n"
               " l6\n"
               " l7\n"
               " l8\n"
               " l9\n"
               "-l10\n"
               "+X\n"
               " l11\n"
               " l12\n"
               " l13\n");
    free(a);
    free(b);
}

/* 7 unchanged lines between the changes: one more than 2 * context. */
static void test_hunks_just_apart(void **state)
{
    char *a = numbered(20, 0, 0), *b = numbered(20, 3, 11);

    (void)state;
    check_diff(a, b, 3,
               "--- a\n"
               "+++ b\n"
               "@@ -1,6 +1,6 @@\n"
               " l1\n"
               " l2\n"
               "-l3\n"
               "+X\n"
               " l4\n"
               " l5\n"
               " l6\n"
               "@@ -8,7 +8,7 @@\n"
               " l8\n"
               " l9\n"
               " l10\n"
               "-l11\n"
               "+X\n"
               " l12\n"
               " l13\n"
               " l14\n");
    free(a);
    free(b);
}

static void test_context_zero(void **state)
{
    (void)state;
    check_diff("a\nb\nc\nd\ne\n", "a\nb\nNEW\nc\ne\n", 0,
               "--- a\n"
               "+++ b\n"
               "@@ -2,0 +3 @@\n"
               "+NEW\n"
               "@@ -4 +4,0 @@\n"
               "-d\n");
}

static void test_write_failure(void **state)
{
    struct sink s = {0};

    (void)state;
    s.fail_at = 1;
    assert_int_equal(ts_udiff("x\n", 2, "y\n", 2, "a", "b", 3, sink_write, &s),
                     -1);
    assert_int_equal(s.calls, 1);
    sink_free(&s);
}

/* Generates n lines; every `every`-th line (from `phase`) differs in b. */
static char *gen_lines(size_t n, size_t every, size_t phase, int changed,
                       size_t *len)
{
    char *buf = malloc(n * 24 + 1);
    size_t i, pos = 0;

    assert_non_null(buf);
    for (i = 0; i < n; i++) {
        if (changed && i % every == phase)
            pos += (size_t)sprintf(buf + pos, "changed %zu\n", i);
        else
            pos += (size_t)sprintf(buf + pos, "line %zu\n", i);
    }
    *len = pos;
    return buf;
}

static void test_large_input(void **state)
{
    const size_t n = 200000;
    size_t alen, blen;
    char *a = gen_lines(n, 1000, 500, 0, &alen);
    char *b = gen_lines(n, 1000, 500, 1, &blen);
    struct sink s = {0};

    (void)state;
    assert_int_equal(
        ts_udiff(a, alen, b, blen, "a", "b", 3, sink_write, &s), 1);
    assert_int_equal(count_prefixed(s.data, "@@ "), n / 1000);
    assert_int_equal(count_prefixed(s.data, "-line "), n / 1000);
    assert_int_equal(count_prefixed(s.data, "+changed "), n / 1000);
    assert_non_null(strstr(s.data, "@@ -498,7 +498,7 @@\n line 497\n"));
    sink_free(&s);

    /* A write error on a later flush must also surface and stop output;
     * wide context makes the output span several buffer flushes. */
    s.fail_at = 2;
    assert_int_equal(
        ts_udiff(a, alen, b, blen, "a", "b", 100, sink_write, &s), -1);
    assert_int_equal(s.calls, 2);
    sink_free(&s);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_change_middle),
        cmocka_unit_test(test_insert_at_start),
        cmocka_unit_test(test_delete_at_end),
        cmocka_unit_test(test_empty_a),
        cmocka_unit_test(test_empty_b),
        cmocka_unit_test(test_no_newline_a),
        cmocka_unit_test(test_no_newline_b),
        cmocka_unit_test(test_no_newline_both),
        cmocka_unit_test(test_no_newline_context),
        cmocka_unit_test(test_hunks_far_apart),
        cmocka_unit_test(test_hunks_merge),
        cmocka_unit_test(test_hunks_just_apart),
        cmocka_unit_test(test_context_zero),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_large_input),
    };

    return cmocka_run_group_tests_name("udiff", tests, NULL, NULL);
}
