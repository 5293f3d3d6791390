/*
 * test_pass_speakers.c - every rule of the speakers pass, and its guards,
 * on small timecoded transcripts run through the public API.
 */
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
    double start, end;
    const char *speaker, *text;
} blk;

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static int sbuf_write(void *ud, const char *d, size_t n)
{
    sbuf *b = ud;
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) return -1;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static void tc(char *out, double s)
{
    long f = (long)(s * 30 + 0.5);
    sprintf(out, "%02ld:%02ld:%02ld:%02ld", f / 108000, f / 1800 % 60, f / 30 % 60, f % 30);
}

/* Builds a premiere transcript from blocks. */
static char *build(const blk *b, size_t n)
{
    sbuf s = {0};
    sbuf_write(&s, "Test\n", 5);
    for (size_t i = 0; i < n; i++) {
        char a[32], e[32], line[2048];
        tc(a, b[i].start);
        tc(e, b[i].end);
        snprintf(line, sizeof line, "%s - %s\n%s\n%s\n", a, e, b[i].speaker, b[i].text);
        sbuf_write(&s, line, strlen(line));
    }
    return s.p;
}

typedef struct {
    char rules[4096];
    int findings;
} run_info;

/* Runs `fix --only speakers` (plus options) and returns the written text. */
static char *fix_with(const char *input, const char *format, const char *k1, const char *v1,
                      run_info *info)
{
    ts_context *ctx = ts_context_new();
    assert_non_null(ctx);
    assert_int_equal(ts_context_select_passes(ctx, "speakers", NULL), TS_OK);
    if (k1) assert_int_equal(ts_context_set_option(ctx, k1, v1), TS_OK);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "t", input, strlen(input), format, &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    if (info) {
        info->rules[0] = '\0';
        info->findings = 0;
        for (size_t i = 0; i < ts_run_count(run); i++) {
            ts_edit_info e;
            ts_run_get(run, i, &e);
            if (!e.applied) info->findings++;
            if (!strstr(info->rules, e.rule) && strlen(info->rules) + strlen(e.rule) + 2 < sizeof info->rules) {
                strcat(info->rules, e.rule);
                strcat(info->rules, " ");
            }
        }
    }
    sbuf out = {0};
    assert_int_equal(ts_write(ctx, t, NULL, sbuf_write, &out), TS_OK);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
    return out.p;
}

static char *fix(const blk *b, size_t n, run_info *info)
{
    char *in = build(b, n);
    char *out = fix_with(in, "premiere", NULL, NULL, info);
    free(in);
    return out;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Asserts the fixed transcript equals the blocks `want`. */
static void expect(const blk *in, size_t n, const blk *want, size_t nw, const char *rule)
{
    run_info info;
    char *got = fix(in, n, &info);
    char *exp = build(want, nw);
    if (strcmp(got, exp) != 0) fprintf(stderr, "got:\n%s\nwant:\n%s\n", got, exp);
    assert_string_equal(got, exp);
    if (rule) assert_non_null(strstr(info.rules, rule));
    /* fix twice == fix once */
    char *again = fix_with(got, "premiere", NULL, NULL, NULL);
    assert_string_equal(again, got);
    free(again);
    free(got);
    free(exp);
}

static void unchanged(const blk *in, size_t n) { expect(in, n, in, n, NULL); }

/* ---- rule 1: boundary-fragment --------------------------------------- */

static void fragment_verb_after_subject(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Jens", "I'm a little bit of a petrolhead. Right. And so I."},
                {5, 8, "Stefan", "Was, I think I was like, wait, what is that?"}};
    blk want[] = {{1, 5, "Jens", "I'm a little bit of a petrolhead. Right. And so I was."},
                  {5, 8, "Stefan", "I think I was like, wait, what is that?"}};
    expect(in, N(in), want, N(want), "speakers/boundary-fragment");
}

static void fragment_stops_before_marker(void **state)
{
    (void)state;
    blk in[] = {{1, 3, "Stefan", "Okay. But this is still just a place where you."},
                {3, 9, "Jens", "Could okay a race circuit. Yes."}};
    blk want[] = {{1, 3, "Stefan", "Okay. But this is still just a place where you could."},
                  {3, 9, "Jens", "Okay a race circuit. Yes."}};
    expect(in, N(in), want, N(want), "speakers/boundary-fragment");
}

static void fragment_verbless(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "Like, imagine, you can train a model."},
                {5, 9, "Jens", "To do that. Like if you are a terrorist, you will use it."}};
    blk want[] = {{1, 5, "Stefan", "Like, imagine, you can train a model to do that."},
                  {5, 9, "Jens", "Like if you are a terrorist, you will use it."}};
    expect(in, N(in), want, N(want), "speakers/boundary-fragment");
}

static void fragment_guard_question(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "Do you know what I?"},
                {5, 9, "Jens", "Was, I think I was like, wait, what is that?"}};
    unchanged(in, N(in));
}

static void fragment_guard_fixed_opener(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "I like that a lot."},
                {5, 9, "Jens", "At least, that is what I heard from the others."}};
    unchanged(in, N(in));
}

static void fragment_guard_to_opener(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "That is the plan for the model."},
                {5, 9, "Jens", "To me, it sounds like a very bad idea."}};
    unchanged(in, N(in));
}

static void fragment_guard_pause(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Jens", "I'm a little bit of a petrolhead. Right. And so I."},
                {7, 9, "Stefan", "Was, I think I was like, wait, what is that?"}};
    unchanged(in, N(in));
}

static void fragment_guard_long(void **state)
{
    (void)state;
    /* no punctuation within three words: nothing to delimit the fragment */
    blk in[] = {{1, 5, "Jens", "I'm a little bit of a petrolhead. And so I."},
                {5, 9, "Stefan", "Was thinking about going there with some friends."}};
    unchanged(in, N(in));
}

/* ---- rule 1 in punctuated text: a sentence cut without punctuation ---- */

static void midsentence_back(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "I think that is the point. We should really"},
                {5, 9, "Jens", "go there. Yes, I agree with that completely."}};
    blk want[] = {{1, 5, "Stefan", "I think that is the point. We should really go there."},
                  {5, 9, "Jens", "Yes, I agree with that completely."}};
    expect(in, N(in), want, N(want), "speakers/boundary-fragment");
}

static void midsentence_forward(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "I think that is the point. And then"},
                {5, 9, "Jens", "we went to the track with some friends and had a good time."}};
    blk want[] = {{1, 5, "Stefan", "I think that is the point."},
                  {5, 9, "Jens", "And then we went to the track with some friends and had a good time."}};
    expect(in, N(in), want, N(want), "speakers/boundary-fragment");
}

static void midsentence_guards(void **state)
{
    (void)state;
    blk cut_off[] = {{1, 5, "Stefan", "I think that is the point. We should really--"},
                     {5, 9, "Jens", "go there. Yes, I agree with that completely."}};
    unchanged(cut_off, N(cut_off));
    blk capital[] = {{1, 5, "Stefan", "I think that is the point. We should really"},
                     {5, 9, "Jens", "Go there. Yes, I agree with that completely."}};
    unchanged(capital, N(capital));
    blk backchannel[] = {{1, 5, "Stefan", "I think that is the point. We should really"},
                         {5, 9, "Jens", "mm-hmm yes, I agree with that completely."}};
    unchanged(backchannel, N(backchannel));
}

/* ---- rule 2: interjection -------------------------------------------- */

static void interjection_left_alone(void **state)
{
    (void)state;
    blk in[] = {{1, 4, "Stefan", "So I went down to the."},
                {4, 5, "Jens", "Yeah."},
                {5, 9, "Stefan", "Store, and I bought some bread there."}};
    unchanged(in, N(in));
    blk in2[] = {{1, 4, "Stefan", "So I went down to the."},
                 {4, 5, "Jens", "Oh, really."},
                 {5, 9, "Stefan", "Store, and I bought some bread there."}};
    unchanged(in2, N(in2));
}

/* ---- rule 3: vocative ------------------------------------------------ */

static void vocative_moves_back(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "I would agree with that."},
                {5, 9, "Jens", "Jens, yes that's probably right."}};
    blk want[] = {{1, 5, "Stefan", "I would agree with that. Jens?"},
                  {5, 9, "Jens", "Yes that's probably right."}};
    expect(in, N(in), want, N(want), "speakers/vocative");
}

static void vocative_guards(void **state)
{
    (void)state;
    blk only_name[] = {{1, 5, "Stefan", "I would agree with that."}, {5, 9, "Jens", "Jens."}};
    unchanged(only_name, N(only_name));
    blk intro[] = {{1, 5, "Stefan", "Who is on the line?"}, {5, 9, "Jens", "Jens here, from the office."}};
    unchanged(intro, N(intro));
    blk same_name[] = {{1, 5, "Adam Stacoviak", "That is what I think."},
                       {5, 9, "Adam Morse", "Adam, you have mentioned that before."}};
    unchanged(same_name, N(same_name));
    blk other_name[] = {{1, 5, "Stefan", "That is what I think."},
                        {5, 9, "Jens", "Jacob, can you clip that?"}};
    unchanged(other_name, N(other_name));
}

/* ---- rule 4: stranded opener ----------------------------------------- */

static void opener_moves_forward(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "That is the whole story. So"},
                {5, 9, "Jens", "What do you think about it?"}};
    blk want[] = {{1, 5, "Stefan", "That is the whole story."},
                  {5, 9, "Jens", "So what do you think about it?"}};
    expect(in, N(in), want, N(want), "speakers/stranded-opener");
}

static void opener_guards(void **state)
{
    (void)state;
    blk closed[] = {{1, 5, "Stefan", "They'll tell you right here. Yeah."},
                    {5, 9, "Jens", "But you know, there is another point."}};
    unchanged(closed, N(closed));
    blk closer[] = {{1, 5, "Stefan", "They'll tell you right here. Okay"},
                    {5, 9, "Jens", "But you know, there is another point."}};
    unchanged(closer, N(closer));
    blk mid[] = {{1, 5, "Stefan", "They'll tell you and so"},
                 {5, 9, "Jens", "But you know, there is another point."}};
    unchanged(mid, N(mid));
}

static void opener_unpunctuated(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "A", "i still have to go to work so"},
                {5, 9, "B", "okay we decided that"},
                {9, 12, "A", "we will see oh yeah"},
                {12, 15, "B", "but now that much"}};
    blk want[] = {{1, 5, "A", "i still have to go to work"},
                  {5, 9, "B", "so okay we decided that"},
                  {9, 12, "A", "we will see oh yeah"},
                  {12, 15, "B", "but now that much"}};
    expect(in, N(in), want, N(want), "speakers/stranded-opener");
}

/* ---- rule 5: island, and rule 6 joining what it leaves ---------------- */

static void island_relabelled(void **state)
{
    (void)state;
    blk in[] = {{1, 12, "Stefan", "This got a lot of likes, by the way."},
                {12.6, 13.2, "Jens", "It also."},
                {13.2, 20, "Stefan", "Got a lot of comments. Let's go through it."}};
    blk want[] = {{1, 12, "Stefan", "This got a lot of likes, by the way."},
                  {12.6, 13.2, "Stefan", "It also got a lot of comments."},
                  {13.2, 20, "Stefan", "Let's go through it."}};
    expect(in, N(in), want, N(want), "speakers/island");
}

static void island_guard_backchannel(void **state)
{
    (void)state;
    blk in[] = {{1, 12, "Stefan", "This got a lot of likes, by the way."},
                {12.6, 13.2, "Jens", "Oh wow."},
                {13.2, 20, "Stefan", "Got a lot of comments. Let's go through it."}};
    unchanged(in, N(in));
    blk finished[] = {{1, 12, "Stefan", "This got a lot of likes, by the way."},
                      {12.6, 13.2, "Jens", "I like it."},
                      {13.2, 20, "Stefan", "Got a lot of comments. Let's go through it."}};
    unchanged(finished, N(finished));
}

static void split_sentence_joined(void **state)
{
    (void)state;
    blk in[] = {{1, 16, "Stefan", "When they take over, they're going to look."},
                {16, 23, "Stefan", "At me, they're gonna be like, oh, nice."}};
    blk want[] = {{1, 16, "Stefan", "When they take over, they're going to look at me."},
                  {16, 23, "Stefan", "They're gonna be like, oh, nice."}};
    expect(in, N(in), want, N(want), "speakers/split-sentence");
}

/* ---- rule 7: hidden turn --------------------------------------------- */

static const blk hidden_base[] = {
    {0, 20, "Stefan", "And we're live. Welcome back, ladies and gentlemen, to another episode of the show. We're a few minutes late. Thanks for waiting. Welcome back. Today we are going to be talking about languages."},
    {20.1, 26, "Jens", "I'm good. You forgot one topic. I want to talk about the new plugin system we built."},
    {26.1, 30.3, "Stefan", "And we're going to do a little bit of marketing and talk about the new plugin system. No, no, no, it's not marketing."},
    {30.4, 35, "Jens", "It's it's, information for developers."},
    {35.1, 54, "Stefan", "Exactly. It's information for developers. But, yeah, I mean, today is going to be a fun episode. Let's get right into it, which was the rust versus go thing."},
    {54.1, 66, "Jens", "So for some reason, I'm not sure why I did it, but I wrote it in the wrong way, and then I learned how to use it properly, which took a while."},
};

static void hidden_turn_with_timing(void **state)
{
    (void)state;
    blk want[N(hidden_base)];
    memcpy(want, hidden_base, sizeof want);
    want[2].text = "And we're going to do a little bit of marketing and talk about the new plugin system.";
    want[3].text = "No, no, no, it's not marketing. It's it's, information for developers.";
    expect(hidden_base, N(hidden_base), want, N(want), "speakers/hidden-turn");
}

static void hidden_turn_reported_without_timing(void **state)
{
    (void)state;
    blk in[N(hidden_base)];
    memcpy(in, hidden_base, sizeof in);
    in[3].end = 31.4; /* the next segment is not slow: no evidence */
    run_info info;
    char *in_text = build(in, N(in));
    char *got = fix_with(in_text, "premiere", NULL, NULL, &info);
    assert_string_equal(got, in_text);
    assert_non_null(strstr(info.rules, "speakers/hidden-turn"));
    assert_true(info.findings >= 1);
    free(got);
    free(in_text);
}

static void question_to_name_reported(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "Stefan", "What do you think about it, Jens? I think it is great, really."},
                {5, 9, "Jens", "Sure."}};
    run_info info;
    char *in_text = build(in, N(in));
    char *got = fix_with(in_text, "premiere", NULL, NULL, &info);
    assert_string_equal(got, in_text);
    assert_non_null(strstr(info.rules, "speakers/hidden-turn"));
    free(got);
    free(in_text);
}

static void backchannel_reported(void **state)
{
    (void)state;
    blk in[] = {{1, 9, "Stefan", "So we drove to the track. Mhm. And then it started to rain."},
                {9, 12, "Jens", "Uh-huh, that sounds bad. What then? Mhm"}};
    run_info info;
    char *a = build(in, N(in));
    char *got = fix_with(a, "premiere", NULL, NULL, &info);
    assert_string_equal(got, a);
    assert_non_null(strstr(info.rules, "speakers/backchannel"));
    assert_int_equal(info.findings, 1); /* not the opening or the last word */
    free(got);
    free(a);
}

/* ---- labels ------------------------------------------------------------ */

static void labels_unified(void **state)
{
    (void)state;
    blk in[] = {{1, 2, "Stefan", "One."},   {2, 3, "Jens", "Two."},  {3, 4, "Stefan:", "Three."},
                {4, 5, "stefan", "Four."},  {5, 6, "Jens", "Five."}, {6, 7, "Stefan", "Six."},
                {7, 8, "Jnes", "Seven."},   {8, 9, "Stefan", "Eight."}, {9, 10, "Jens", "Nine."}};
    blk want[] = {{1, 2, "Stefan", "One."}, {2, 3, "Jens", "Two."},  {3, 4, "Stefan", "Three."},
                  {4, 5, "Stefan", "Four."}, {5, 6, "Jens", "Five."}, {6, 7, "Stefan", "Six."},
                  {7, 8, "Jens", "Seven."}, {8, 9, "Stefan", "Eight."}, {9, 10, "Jens", "Nine."}};
    run_info info;
    char *got = fix(in, N(in), &info);
    char *exp = build(want, N(want));
    assert_string_equal(got, exp);
    assert_non_null(strstr(info.rules, "speakers/label-trim"));
    assert_non_null(strstr(info.rules, "speakers/label-case"));
    assert_non_null(strstr(info.rules, "speakers/label-typo"));
    free(got);
    free(exp);
}

static void label_map_option(void **state)
{
    (void)state;
    blk in[] = {{1, 2, "SPEAKER_00", "One."}, {2, 3, "SPEAKER_01", "Two."}};
    blk want[] = {{1, 2, "Stefan", "One."}, {2, 3, "Jens", "Two."}};
    char *a = build(in, N(in)), *b = build(want, N(want));
    char *got = fix_with(a, "premiere", "speakers", "SPEAKER_00=Stefan, SPEAKER_01=Jens", NULL);
    assert_string_equal(got, b);
    free(got);
    free(a);
    free(b);
}

static void label_map_bad_option(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_context_select_passes(ctx, "speakers", NULL);
    ts_context_set_option(ctx, "speakers", "SPEAKER_00");
    blk in[] = {{1, 2, "SPEAKER_00", "One."}};
    char *a = build(in, 1);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "t", a, strlen(a), "premiere", &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_ERR_USAGE);
    ts_transcript_free(t);
    ts_context_free(ctx);
    free(a);
}

static void name_suggested(void **state)
{
    (void)state;
    blk in[] = {{1, 5, "SPEAKER_00", "Welcome back. But, Jens. How are you doing today?"},
                {5, 9, "SPEAKER_01", "I'm good, thanks."},
                {9, 12, "SPEAKER_00", "Great to hear. So, Jens, what do you think about it?"},
                {12, 15, "SPEAKER_01", "I think it is fine."}};
    run_info info;
    char *a = build(in, N(in));
    char *got = fix_with(a, "premiere", NULL, NULL, &info);
    assert_string_equal(got, a); /* a suggestion only */
    assert_non_null(strstr(info.rules, "speakers/name-suggestion"));
    free(got);
    free(a);
    /* a self-introduction counts two votes */
    blk intro[] = {{1, 5, "SPEAKER_00", "Welcome to the show."},
                   {5, 9, "SPEAKER_01", "Thanks. Hi, I'm Priya and I work on compilers."}};
    a = build(intro, 2);
    got = fix_with(a, "premiere", NULL, NULL, &info);
    assert_non_null(strstr(info.rules, "speakers/name-suggestion"));
    free(got);
    free(a);
    /* one vote is not enough */
    a = build(in, 2);
    got = fix_with(a, "premiere", NULL, NULL, &info);
    assert_null(strstr(info.rules, "speakers/name-suggestion"));
    free(got);
    free(a);
}

static void merge_turns_option(void **state)
{
    (void)state;
    blk in[] = {{1, 2, "Stefan", "One."}, {2, 3, "Stefan", "Two."}, {3, 4, "Jens", "Three."}};
    char *a = build(in, N(in));
    char *got = fix_with(a, "premiere", "merge-turns", "1", NULL);
    assert_non_null(strstr(got, "00:00:01:00 - 00:00:03:00\nStefan\nOne. Two.\n"));
    free(got);
    char *off = fix_with(a, "premiere", NULL, NULL, NULL);
    assert_string_equal(off, a);
    free(off);
    free(a);
}

static void plain_text_untouched(void **state)
{
    (void)state;
    const char *in = "It is going to look.\nAt me, they said.\nAnd so I.\nWas, I think.\n";
    char *got = fix_with(in, "text", NULL, NULL, NULL);
    assert_string_equal(got, in);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fragment_verb_after_subject),
        cmocka_unit_test(fragment_stops_before_marker),
        cmocka_unit_test(fragment_verbless),
        cmocka_unit_test(fragment_guard_question),
        cmocka_unit_test(fragment_guard_fixed_opener),
        cmocka_unit_test(fragment_guard_to_opener),
        cmocka_unit_test(fragment_guard_pause),
        cmocka_unit_test(fragment_guard_long),
        cmocka_unit_test(midsentence_back),
        cmocka_unit_test(midsentence_forward),
        cmocka_unit_test(midsentence_guards),
        cmocka_unit_test(interjection_left_alone),
        cmocka_unit_test(vocative_moves_back),
        cmocka_unit_test(vocative_guards),
        cmocka_unit_test(opener_moves_forward),
        cmocka_unit_test(opener_guards),
        cmocka_unit_test(opener_unpunctuated),
        cmocka_unit_test(island_relabelled),
        cmocka_unit_test(island_guard_backchannel),
        cmocka_unit_test(split_sentence_joined),
        cmocka_unit_test(hidden_turn_with_timing),
        cmocka_unit_test(hidden_turn_reported_without_timing),
        cmocka_unit_test(question_to_name_reported),
        cmocka_unit_test(backchannel_reported),
        cmocka_unit_test(labels_unified),
        cmocka_unit_test(label_map_option),
        cmocka_unit_test(label_map_bad_option),
        cmocka_unit_test(name_suggested),
        cmocka_unit_test(merge_turns_option),
        cmocka_unit_test(plain_text_untouched),
    };
    return cmocka_run_group_tests_name("pass_speakers", tests, NULL, NULL);
}
