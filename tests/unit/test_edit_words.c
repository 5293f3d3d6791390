/*
 * test_edit_words.c - the word-timing layer: words found in a segment's
 * text, and kept true by every edit that rewrites, moves, splits or merges
 * text (words keep their times and follow their text; segment times follow
 * moved words).
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

/* Adds a segment whose words are its blank-separated tokens, each timed
 * from `start` (ms) at 500 ms a word with a 100 ms pause before the next. */
static ts_segment *add(ts_transcript *t, const char *text, const char *speaker, int64_t start)
{
    ts_segment *s = ts_transcript_push(t);
    assert_non_null(s);
    s->text = s->orig_text = text;
    s->text_len = s->orig_len = (uint32_t)strlen(text);
    s->speaker = speaker;
    s->speaker_len = (uint32_t)strlen(speaker);
    ts_word w[16];
    const char *tx[16];
    uint32_t len[16];
    size_t n = 0;
    for (const char *p = text; *p && n < 16;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ') q++;
        tx[n] = p;
        len[n] = (uint32_t)(q - p);
        w[n] = (ts_word){(double)(start + 600 * (int64_t)n) / 1000.0,
                         (double)(start + 600 * (int64_t)n + 500) / 1000.0, 0, 0, 0.9f, NULL};
        n++;
        p = q;
    }
    s->start = ms(start);
    s->end = ms(start + 600 * (int64_t)(n ? n - 1 : 0) + 500);
    assert_int_equal(ts_segment_locate_words(t, s, w, tx, len, n), 0);
    return s;
}

/* "text[at,len)@start-end ..." of a segment's words, times in ms. */
static void words_are(const ts_segment *s, const char *want)
{
    char got[512] = "";
    for (uint32_t k = 0; k < s->n_words; k++) {
        const ts_word *w = &s->words[k];
        char one[96];
        snprintf(one, sizeof one, "%s%.*s@%ld-%ld", k ? " " : "", (int)w->len, s->text + w->at,
                 w->start < 0 ? -1L : (long)(w->start * 1000 + 0.5),
                 w->end < 0 ? -1L : (long)(w->end * 1000 + 0.5));
        strncat(got, one, sizeof got - strlen(got) - 1);
    }
    assert_string_equal(got, want);
}

static void apply(ts_transcript *t, ts_edit_list *l)
{
    ts_apply_result res;
    assert_int_equal(ts_edits_apply(t, l->v, l->n, NULL, &res), 0);
    ts_apply_result_release(&res);
    ts_edit_list_clear(l);
}

static void test_locate(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    ts_segment *s = ts_transcript_push(t);
    s->text = "[music] Hello, world.";
    s->text_len = (uint32_t)strlen(s->text);
    ts_word w[2] = {{0.5, 0.9, 0, 0, 0.8f, NULL}, {1.0, 1.4, 0, 0, -1, NULL}};
    const char *tx[2] = {" Hello,", " world."};
    uint32_t len[2] = {7, 7};
    assert_int_equal(ts_segment_locate_words(t, s, w, tx, len, 2), 0);
    words_are(s, "Hello,@500-900 world.@1000-1400");
    assert_ptr_equal(ts_segment_word_at(s, 10), &s->words[0]);
    assert_null(ts_segment_word_at(s, 14)); /* the blank between */
    /* a word the text does not have: no words at all */
    ts_segment *u = ts_transcript_push(t);
    u->text = "Hello there.";
    u->text_len = (uint32_t)strlen(u->text);
    tx[1] = " world.";
    assert_int_equal(ts_segment_locate_words(t, u, w, tx, len, 2), 1);
    assert_null(u->words);
    ts_transcript_free(t);
}

static void test_replacements(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    ts_segment *s = add(t, "so teh open a i model", "A", 0);
    words_are(s, "so@0-500 teh@600-1100 open@1200-1700 a@1800-2300 i@2400-2900 model@3000-3500");
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_replace(&l, &rule, 0, 0, 1, "S", 1);          /* inside a word */
    ts_edit_replace(&l, &rule, 0, 3, 6, "the", 3);        /* a whole word */
    ts_edit_replace(&l, &rule, 0, 7, 15, "OpenAI", 6);    /* three words into one */
    ts_edit_replace(&l, &rule, 0, 21, 21, ".", 1);        /* joins the last word */
    apply(t, &l);
    assert_string_equal(t->segs[0].text, "So the OpenAI model.");
    words_are(&t->segs[0], "So@0-500 the@600-1100 OpenAI@1200-2900 model.@3000-3500");
    /* a deleted word goes; words joined by removing the blank become one */
    ts_edit_replace(&l, &rule, 0, 2, 6, "", 0);           /* " the" */
    ts_edit_replace(&l, &rule, 0, 13, 14, "", 0);         /* "OpenAI model." */
    apply(t, &l);
    assert_string_equal(t->segs[0].text, "So OpenAImodel.");
    words_are(&t->segs[0], "So@0-500 OpenAImodel.@1200-3500");
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_move_prev_carries_times(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, "I went to", "A", 0);                /* words end at 1700 */
    add(t, "the shop. Did you?", "B", 2000);    /* the@2000-2500 shop.@2600-3100 ... */
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_move(&l, &rule, 1, TS_EDIT_MOVE_PREV, 0, 9);
    apply(t, &l);
    assert_string_equal(t->segs[0].text, "I went to the shop.");
    words_are(&t->segs[0], "I@0-500 went@600-1100 to@1200-1700 the@2000-2500 shop.@2600-3100");
    words_are(&t->segs[1], "Did@3200-3700 you?@3800-4300");
    assert_int_equal(t->segs[0].end.value, 3100);
    assert_int_equal(t->segs[1].start.value, 3200);
    assert_true(t->segs[0].flags & TS_SEG_TIMING_DIRTY);
    assert_true(t->segs[1].flags & TS_SEG_TIMING_DIRTY);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_move_next_carries_times(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, "That is all. Yeah,", "A", 0);       /* Yeah,@1800-2300 */
    add(t, "I agree.", "B", 2500);
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_move(&l, &rule, 0, TS_EDIT_MOVE_NEXT, 13, 18);
    apply(t, &l);
    assert_string_equal(t->segs[1].text, "Yeah, I agree.");
    words_are(&t->segs[0], "That@0-500 is@600-1100 all.@1200-1700");
    words_are(&t->segs[1], "Yeah,@1800-2300 I@2500-3000 agree.@3100-3600");
    assert_int_equal(t->segs[0].end.value, 1700);
    assert_int_equal(t->segs[1].start.value, 1800);
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_split_and_merge(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    add(t, "one two three four", "A", 0);
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_split(&l, &rule, 0, 8, NULL); /* before "three" */
    apply(t, &l);
    assert_int_equal(t->n, 2);
    words_are(&t->segs[0], "one@0-500 two@600-1100");
    words_are(&t->segs[1], "three@1200-1700 four@1800-2300");
    /* the new segment starts with its first word, not at a guess */
    assert_int_equal(t->segs[1].start.value, 1200);
    assert_int_equal(t->segs[0].end.value, 1200);
    ts_edit_merge_next(&l, &rule, 0);
    apply(t, &l);
    assert_int_equal(t->n, 1);
    assert_string_equal(t->segs[0].text, "one two three four");
    words_are(&t->segs[0], "one@0-500 two@600-1100 three@1200-1700 four@1800-2300");
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

static void test_no_words_stays_without(void **state)
{
    (void)state;
    ts_transcript *t = ts_transcript_new("t", NULL, 0);
    ts_segment *s = ts_transcript_push(t);
    s->text = "a b";
    s->text_len = 3;
    s->start = ms(0);
    s->end = ms(1000);
    ts_segment *u = ts_transcript_push(t);
    u->text = "c d";
    u->text_len = 3;
    u->start = ms(1000);
    u->end = ms(2000);
    ts_edit_list l;
    ts_edit_list_init(&l);
    ts_edit_move(&l, &rule, 1, TS_EDIT_MOVE_PREV, 0, 1);
    apply(t, &l);
    assert_null(t->segs[0].words);
    assert_null(t->segs[1].words);
    assert_int_equal(t->segs[0].end.value, 1000); /* no word times: no retiming */
    ts_edit_list_release(&l);
    ts_transcript_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_replacements),
        cmocka_unit_test(test_move_prev_carries_times),
        cmocka_unit_test(test_move_next_carries_times),
        cmocka_unit_test(test_split_and_merge),
        cmocka_unit_test(test_no_words_stays_without),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
