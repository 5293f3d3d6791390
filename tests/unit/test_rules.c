/*
 * test_rules.c - rule packs: loading and refusing packs, matching with
 * unless patterns and replacement templates, examples, and the limits that
 * stop a catastrophic pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"

typedef struct {
    int errors;
    char last[512];
} sink_state;

static void sink(void *ud, const ts_diagnostic *d)
{
    sink_state *s = ud;
    if (d->severity == TS_SEV_ERROR) s->errors++;
    snprintf(s->last, sizeof s->last, "%s:%u:%u: %s", d->file ? d->file : "", d->line, d->col,
             d->message);
}

static char *write_pack(const char *xml)
{
    char *path = strdup("/tmp/tscrub-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(xml, f);
    fclose(f);
    return path;
}

#define RULE(id, fix, body)                                                          \
    "<rule id=\"" id "\" level=\"warning\" fix=\"" fix "\"><description>d</description>" \
    "<message>m $0</message>" body "</rule>"

static ts_rule_set *load(const char *xml, sink_state *s, ts_status *st, bool examples)
{
    ts_context *ctx = ts_context_new();
    ts_context_set_sink(ctx, sink, s);
    ts_rule_set *set = ts_rule_set_new();
    char *path = write_pack(xml);
    *st = ts_rule_set_load(ctx, set, path, examples, NULL, NULL);
    unlink(path);
    free(path);
    ts_context_free(ctx);
    return set;
}

typedef struct {
    char out[256];
    int n;
} hits;

static int collect(void *ud, ts_rule *r, const ts_rule_match *m, uint32_t s, uint32_t e)
{
    hits *h = ud;
    ts_buf b = TS_BUF_INIT;
    size_t len = strlen(h->out);
    if (ts_rule_fix_mode(r) != TS_FIX_NONE && ts_rule_expand(m, 0, &b) == 0)
        snprintf(h->out + len, sizeof h->out - len, "[%u,%u:%s]", s, e, b.data);
    else
        snprintf(h->out + len, sizeof h->out - len, "[%u,%u]", s, e);
    ts_buf_release(&b);
    h->n++;
    return 0;
}

static void test_bundled_core_loads(void **state)
{
    (void)state;
    sink_state s = {0};
    ts_context *ctx = ts_context_new();
    ts_context_set_sink(ctx, sink, &s);
    size_t passed = 0, failed = 0;
    assert_int_equal(ts_rules_test(ctx, "core", &passed, &failed), TS_OK);
    assert_true(passed > 20);
    assert_int_equal(failed, 0);
    assert_int_equal(s.errors, 0);
    ts_context_free(ctx);
}

static void test_replace_and_unless(void **state)
{
    (void)state;
    sink_state s = {0};
    ts_status st;
    ts_rule_set *set = load("<pack id=\"t\">" RULE(
                                "ok", "auto",
                                "<pattern case=\"insensitive\">\\bok\\b</pattern>"
                                "<unless>OK computer</unless><replace>\\u$0ay</replace>"
                                "<example fixed=\"Okay\"><marker>ok</marker></example>"
                                "<example>book</example>") "</pack>",
                            &s, &st, true);
    assert_int_equal(st, TS_OK);
    assert_int_equal(ts_rule_set_count(set), 1);
    ts_rule *r = ts_rule_set_at(set, 0);
    assert_string_equal(ts_rule_info_of(r)->id, "t/ok");
    hits h = {{0}, 0};
    const char *text = "ok, Ok and OK computer";
    assert_int_equal(ts_rule_scan(r, text, strlen(text), collect, &h), 0);
    assert_string_equal(h.out, "[0,2:Okay][4,6:Okay]");
    ts_rule_set_free(set);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* unknown attribute */
        "<pack id=\"t\" colour=\"x\">" RULE("a", "none", "<pattern>x</pattern>"
                                         "<example><marker>x</marker></example><example>y</example>") "</pack>",
        /* bad regex */
        "<pack id=\"t\">" RULE("a", "none", "<pattern>(x</pattern>"
                             "<example><marker>x</marker></example><example>y</example>") "</pack>",
        /* duplicate id */
        "<pack id=\"t\">" RULE("a", "none", "<pattern>x</pattern>"
                             "<example><marker>x</marker></example><example>y</example>")
            RULE("a", "none", "<pattern>y</pattern>"
                 "<example><marker>y</marker></example><example>x</example>") "</pack>",
        /* no unmarked example */
        "<pack id=\"t\">" RULE("a", "none", "<pattern>x</pattern>"
                             "<example><marker>x</marker></example>") "</pack>",
        /* a DTD */
        "<!DOCTYPE pack [<!ENTITY e \"x\">]><pack id=\"t\">" RULE("a", "none", "<pattern>&e;</pattern>"
                             "<example><marker>x</marker></example><example>y</example>") "</pack>",
        /* not XML */
        "<pack id=\"t\">",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sink_state s = {0};
        ts_status st;
        ts_rule_set *set = load(bad[i], &s, &st, false);
        assert_int_equal(st, TS_ERR_INPUT);
        assert_true(s.errors >= 1);
        assert_int_equal(ts_rule_set_count(set), 0);
        ts_rule_set_free(set);
    }
}

static void test_failing_example(void **state)
{
    (void)state;
    sink_state s = {0};
    ts_status st;
    ts_rule_set *set = load("<pack id=\"t\">" RULE("a", "auto", "<pattern>colour</pattern>"
                                                   "<replace>color</replace>"
                                                   "<example fixed=\"colours\"><marker>colour</marker>s</example>"
                                                   "<example>color</example>") "</pack>",
                            &s, &st, true);
    assert_int_equal(st, TS_ERR_INPUT);
    assert_non_null(strstr(s.last, "gives 'colors', the example expects 'colours'"));
    ts_rule_set_free(set);
}

static void test_catastrophic_pattern_stops(void **state)
{
    (void)state;
    sink_state s = {0};
    ts_status st;
    ts_rule_set *set = load("<pack id=\"t\">" RULE("slow", "none", "<pattern>(a+)+$</pattern>"
                                                   "<example>x <marker>aaa</marker></example>"
                                                   "<example>b</example>") "</pack>",
                            &s, &st, true);
    assert_int_equal(st, TS_OK);
    ts_rule *r = ts_rule_set_at(set, 0);
    char text[20002];
    memset(text, 'a', 20000);
    text[20000] = 'b';
    text[20001] = '\0';
    hits h = {{0}, 0};
    assert_int_equal(ts_rule_scan(r, text, strlen(text), collect, &h), 1);
    assert_int_equal(ts_rule_get_state(r), TS_RULE_LIMIT);
    /* Stopped for good: finds nothing afterwards, and says nothing more. */
    assert_int_equal(ts_rule_scan(r, "aaa", 3, collect, &h), 0);
    assert_int_equal(h.n, 0);
    ts_rule_set_free(set);
}

static void test_budget(void **state)
{
    (void)state;
    sink_state s = {0};
    ts_status st;
    ts_rule_set *set = load("<pack id=\"t\">" RULE("a", "none", "<pattern>x</pattern>"
                                                   "<example><marker>x</marker></example>"
                                                   "<example>y</example>") "</pack>",
                            &s, &st, false);
    ts_rule_set_budget(set, 1, 10);
    ts_rule *r = ts_rule_set_at(set, 0);
    assert_int_equal(ts_rule_charge(r, 0.5e6, 1000), 0);
    assert_int_equal(ts_rule_charge(r, 1e6, 1000), 1);
    assert_int_equal(ts_rule_get_state(r), TS_RULE_BUDGET);
    ts_rule_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_core_loads),
        cmocka_unit_test(test_replace_and_unless),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_failing_example),
        cmocka_unit_test(test_catastrophic_pattern_stops),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
