/* The run log: a tally-only run applies the same edits as a full one, counts
 * each rule's edits and findings as the full log lists them, and keeps no
 * entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tscrub.h"

/* Mojibake, an entity, a lone "i", doubled blanks and an unknown word
 * (a finding of the spelling pass). */
static const char input[] = "Speaker 1: i donâ€™t like CafÃ© &amp; tea.  Really\n"
                            "Speaker 2: and so I\n"
                            "Speaker 1: was there. teh end. CafÃ© again, donâ€™t.\n";

typedef struct {
    char out[1024];
    size_t len;
} text;

static int on_write(void *ud, const char *p, size_t n)
{
    text *s = ud;
    if (s->len + n >= sizeof s->out) return -1;
    memcpy(s->out + s->len, p, n);
    s->len += n;
    s->out[s->len] = '\0';
    return 0;
}

static void quiet(void *ud, const ts_diagnostic *d) { (void)ud, (void)d; }

/* The run's rule ids belong to the context: the caller frees *ctx after
 * the run. */
static ts_run *run_with(ts_run_detail detail, text *out, ts_context **ctx_out)
{
    ts_context *ctx = *ctx_out = ts_context_new();
    assert_non_null(ctx);
    ts_context_set_sink(ctx, quiet, NULL);
    ts_context_set_run_detail(ctx, detail);
    /* Under memcheck (scripts/check-valgrind sets TSCRUB_NO_JIT) rule
     * patterns run interpreted: JIT code is invisible to it. */
    if (getenv("TSCRUB_NO_JIT")) ts_context_set_option(ctx, "rules-jit", "0");
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "in.txt", input, sizeof input - 1, "text", &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    memset(out, 0, sizeof *out);
    assert_int_equal(ts_write(ctx, t, NULL, on_write, out), TS_OK);
    ts_transcript_free(t);
    return run;
}

static const ts_rule_tally *find(const ts_rule_tally *v, size_t n, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].rule, rule) == 0) return &v[i];
    return NULL;
}

static void test_tally_matches_log(void **state)
{
    (void)state;
    text full_out, tally_out;
    ts_context *full_ctx, *tally_ctx;
    ts_run *full = run_with(TS_RUN_EDITS, &full_out, &full_ctx);
    ts_run *tally = run_with(TS_RUN_TALLY, &tally_out, &tally_ctx);
    assert_string_equal(full_out.out, tally_out.out);
    assert_true(ts_run_count(full) > 0);
    assert_int_equal(ts_run_count(tally), 0);

    /* The full run's tallies are what its entries say. */
    size_t nt = ts_run_tally_count(full);
    assert_true(nt > 0);
    ts_rule_tally v[64];
    assert_true(nt <= 64);
    for (size_t i = 0; i < nt; i++) assert_true(ts_run_tally_get(full, i, &v[i]));
    assert_false(ts_run_tally_get(full, nt, &v[0]));
    size_t applied = 0, reported = 0;
    for (size_t i = 0; i < ts_run_count(full); i++) {
        ts_edit_info e;
        assert_true(ts_run_get(full, i, &e));
        const ts_rule_tally *k = find(v, nt, e.rule);
        assert_non_null(k);
        if (e.applied) applied++;
        else reported++;
    }
    size_t sa = 0, sr = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t a = 0, r = 0;
        for (size_t j = 0; j < ts_run_count(full); j++) {
            ts_edit_info e;
            ts_run_get(full, j, &e);
            if (strcmp(e.rule, v[i].rule) == 0) *(e.applied ? &a : &r) += 1;
        }
        assert_int_equal(v[i].applied, a);
        assert_int_equal(v[i].reported, r);
        sa += v[i].applied;
        sr += v[i].reported;
    }
    assert_int_equal(sa, applied);
    assert_int_equal(sr, reported);
    assert_true(reported > 0); /* findings are counted too */
    const ts_rule_tally *cp = find(v, nt, "encoding/cp1252");
    assert_non_null(cp);
    assert_int_equal(cp->applied, 4);

    /* The tally-only run counts the same. */
    assert_int_equal(ts_run_tally_count(tally), nt);
    for (size_t i = 0; i < nt; i++) {
        ts_rule_tally k;
        assert_true(ts_run_tally_get(tally, i, &k));
        const ts_rule_tally *f = find(v, nt, k.rule);
        assert_non_null(f);
        assert_int_equal(k.applied, f->applied);
        assert_int_equal(k.reported, f->reported);
    }
    ts_run_free(full);
    ts_run_free(tally);
    ts_context_free(full_ctx);
    ts_context_free(tally_ctx);
}

/* Texts of 64 KiB and more keep their lengths outside the entry. */
static void test_long_texts(void **state)
{
    (void)state;
    size_t reps = 40000, n = 3 + 4 * reps + 4;
    char *in = malloc(n + 1);
    assert_non_null(in);
    memcpy(in, "Caf", 3);
    for (size_t k = 0; k < reps; k++) memcpy(in + 3 + 4 * k, "\xC3\x83\xC2\xA9", 4); /* "Ã©" */
    memcpy(in + 3 + 4 * reps, " ok\n", 4);
    in[n] = '\0';
    ts_context *ctx = ts_context_new();
    assert_non_null(ctx);
    ts_context_set_sink(ctx, quiet, NULL);
    assert_int_equal(ts_context_select_passes(ctx, "encoding", NULL), TS_OK);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "long.txt", in, n, "text", &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    assert_int_equal(ts_run_count(run), 1);
    ts_edit_info e;
    assert_true(ts_run_get(run, 0, &e));
    assert_int_equal(e.before_len, 4 * reps);
    assert_int_equal(e.after_len, 2 * reps);
    assert_memory_equal(e.before, in + 3, 4 * reps);
    for (size_t k = 0; k < reps; k++) assert_memory_equal(e.after + 2 * k, "\xC3\xA9", 2); /* "é" */
    assert_true(e.applied);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
    free(in);
}

static void test_no_run(void **state)
{
    (void)state;
    ts_rule_tally k;
    assert_int_equal(ts_run_tally_count(NULL), 0);
    assert_false(ts_run_tally_get(NULL, 0, &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_matches_log),
        cmocka_unit_test(test_long_texts),
        cmocka_unit_test(test_no_run),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
