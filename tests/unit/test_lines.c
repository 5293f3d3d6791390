/* The lines pass: each rule on its own input, its guards, idempotency,
 * and the fallback when hunspell's dictionary is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tscrub.h"

typedef struct {
    char out[4096];
    unsigned warnings;
} sink;

static void on_diag(void *ud, const ts_diagnostic *d)
{
    sink *s = ud;
    if (d->severity == TS_SEV_WARNING) s->warnings++;
}

static int on_write(void *ud, const char *p, size_t n)
{
    sink *s = ud;
    size_t l = strlen(s->out);
    if (l + n >= sizeof s->out) return -1;
    memcpy(s->out + l, p, n);
    s->out[l + n] = '\0';
    return 0;
}

/* Runs `lines` over `in` (text format, paragraphs); returns the output in
 * s->out and the rule ids applied, space-separated, in rules. */
static void fix(const char *in, sink *s, char *rules, size_t rules_size, const char *hunspell_dir)
{
    memset(s, 0, sizeof *s);
    ts_context *ctx = ts_context_new();
    ts_context_set_sink(ctx, on_diag, s);
    ts_context_set_paragraphs(ctx, true);
    if (hunspell_dir) ts_context_set_hunspell_dir(ctx, hunspell_dir);
    assert_int_equal(ts_context_select_passes(ctx, "lines", NULL), TS_OK);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "in", in, strlen(in), "text", &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    assert_int_equal(ts_write(ctx, t, NULL, on_write, s), TS_OK);
    if (rules) {
        rules[0] = '\0';
        for (size_t i = 0; i < ts_run_count(run); i++) {
            ts_edit_info e;
            ts_run_get(run, i, &e);
            if (i) strncat(rules, " ", rules_size - strlen(rules) - 1);
            strncat(rules, e.rule + 6, rules_size - strlen(rules) - 1); /* without "lines/" */
        }
    }
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void expect(const char *in, const char *out, const char *rules)
{
    sink s;
    char got[1024];
    fix(in, &s, got, sizeof got, NULL);
    assert_string_equal(s.out, out);
    if (rules) assert_string_equal(got, rules);
    /* A second run changes nothing. */
    sink again;
    char none[1024];
    fix(s.out, &again, none, sizeof none, NULL);
    assert_string_equal(again.out, s.out);
    assert_string_equal(none, "");
}

static void test_join_wrapped(void **state)
{
    (void)state;
    expect("It goes on\nto the next line.\n", "It goes on to the next line.\n", "join-wrapped");
    expect("Trailing blanks   \n  and leading ones.\n", "Trailing blanks and leading ones.\n",
           "join-wrapped");
}

static void test_hyphenation(void **state)
{
    (void)state;
    expect("An aggres-\nsive take.\n", "An aggressive take.\n", "join-hyphenated");
    expect("A well-\nknown fact.\n", "A well-known fact.\n", "join-wrapped");
    expect("A dash -\nhere.\n", "A dash - here.\n", "join-wrapped");
}

static void test_hyphen_without_dictionary(void **state)
{
    (void)state;
    sink s;
    fix("An aggres-\nsive take.\n", &s, NULL, 0, "/nonexistent");
    assert_string_equal(s.out, "An aggres-sive take.\n");
    assert_int_equal(s.warnings, 1);
}

static void test_spacing(void **state)
{
    (void)state;
    expect("Too  many   spaces.\n", "Too many spaces.\n", "collapse-spaces collapse-spaces");
    expect("Well , yes ; no ?\n", "Well, yes; no?\n",
           "space-before-punct space-before-punct space-before-punct");
    expect("  Padded.  \n", "Padded.\n", "trim trim");
    /* Left alone: ".NET", a smiley, an ellipsis trail. */
    expect("We use .NET here :) and so ...\n", "We use .NET here :) and so ...\n", "");
}

static void test_periods(void **state)
{
    (void)state;
    expect("The right way.. Yes.\n", "The right way. Yes.\n", "double-period");
    expect("And so... Fine.\n", "And so... Fine.\n", "");
    expect("Go ../up now.\n", "Go ../up now.\n", "");
}

static void test_capitals(void **state)
{
    (void)state;
    expect("yeah. also this.\n", "Yeah. Also this.\n", "capitalize-segment capitalize-sentence");
    expect("What? yes! no.\n", "What? Yes! No.\n", "capitalize-sentence capitalize-sentence");
    expect("He said \"stop.\" then left.\n", "He said \"stop.\" Then left.\n", "capitalize-sentence");
    /* Guards: ellipsis trails, abbreviations, URLs, e-mail, mixed case. */
    expect("Wait... and then.\n", "Wait... and then.\n", "");
    expect("See e.g. this. Mr. smith. Go vs. them.\n", "See e.g. this. Mr. smith. Go vs. them.\n", "");
    expect("Done. www.example.com works. bob@example.com too. iPhone sales.\n",
           "Done. www.example.com works. bob@example.com too. iPhone sales.\n", "");
    expect("iPhone first.\n", "iPhone first.\n", "");
    expect("über alles.\n", "Über alles.\n", "capitalize-segment");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_wrapped), cmocka_unit_test(test_hyphenation),
        cmocka_unit_test(test_hyphen_without_dictionary), cmocka_unit_test(test_spacing),
        cmocka_unit_test(test_periods), cmocka_unit_test(test_capitals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
