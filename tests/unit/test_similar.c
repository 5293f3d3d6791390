/*
 * test_similar.c - folding and edit distances.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "similar.h"
#include "strmap.h"

static void test_fold(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ts_fold_ascii("Nürburgring", strlen("Nürburgring"), out, sizeof out, 0), 11);
    assert_string_equal(out, "nurburgring");
    ts_fold_ascii("graphql-go-tools", 16, out, sizeof out, 1);
    assert_string_equal(out, "GRAPHQLGOTOOLS");
    ts_fold_ascii("Straße's", strlen("Straße's"), out, sizeof out, 0);
    assert_string_equal(out, "strasses");
    ts_fold_ascii("abcdef", 6, out, 4, 0);
    assert_string_equal(out, "abc");
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(ts_edit_distance("kitten", 6, "sitting", 7, 10), 3);
    assert_int_equal(ts_edit_distance("recieve", 7, "receive", 7, 10), 1); /* transposition */
    assert_int_equal(ts_edit_distance("abc", 3, "abc", 3, 0), 0);
    assert_int_equal(ts_edit_distance("abcdef", 6, "uvwxyz", 6, 2), 3); /* capped at max+1 */
    assert_true(ts_similarity("rustacane", 9, "rustacean", 9) > 0.75);
    assert_true(ts_similarity("", 0, "", 0) == 1.0);
}

static void test_strmap(void **state)
{
    (void)state;
    ts_strmap m;
    ts_strmap_init(&m);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "w%d", i), added;
        ts_strmap_slot *s = ts_strmap_put(&m, key, (size_t)n, &added);
        assert_non_null(s);
        assert_int_equal(added, 1);
        s->value = (void *)(intptr_t)(i + 1);
    }
    int added;
    assert_int_equal((intptr_t)ts_strmap_put(&m, "w7", 2, &added)->value, 8);
    assert_int_equal(added, 0);
    assert_int_equal((intptr_t)ts_strmap_find(&m, "w999", 4)->value, 1000);
    assert_null(ts_strmap_find(&m, "w1000", 5));
    assert_int_equal(m.n, 1000);
    ts_strmap_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_strmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
