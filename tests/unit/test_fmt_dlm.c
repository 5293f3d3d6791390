/*
 * test_fmt_dlm.c - the DiarizationLM JSON reader and writer: segments per
 * speaker run, recordings kept apart, byte-exact round trip, fields chosen
 * by dlm-fields, errors located, writing from another format.
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
    char *p;
    size_t n;
} sbuf;

static int sbuf_write(void *ud, const char *d, size_t n)
{
    sbuf *b = ud;
    char *q = realloc(b->p, b->n + n + 1);
    if (!q) return -1;
    b->p = q;
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static const char sample[] =
    "{\n"
    "  \"utterances\": [\n"
    "    {\n"
    "      \"utterance_id\": \"a\",\n"
    "      \"hyp_text\": \"hi there so how are you\",\n"
    "      \"hyp_spk\": \"1 1 1 2 2 2 \",\n"
    "      \"ref_text\": \"Hi there. How are you?\",\n"
    "      \"ref_spk\": \"1 1 2 2 2\"\n"
    "    },\n"
    "    {\n"
    "      \"utterance_id\": \"b\",\n"
    "      \"hyp_text\": \"fine thanks\",\n"
    "      \"hyp_spk\": \"2 2\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void segments_and_roundtrip(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "x.json", sample, strlen(sample), NULL, &t), TS_OK);
    assert_string_equal(ts_transcript_format(t), "dlm");
    /* separator, "hi there so" (1), "how are you" (2), separator, "fine thanks" (2) */
    assert_int_equal(ts_transcript_segment_count(t), 5);
    ts_segment_view v;
    ts_transcript_segment(t, 1, &v);
    assert_int_equal(v.text_len, strlen("hi there so"));
    assert_memory_equal(v.speaker, "1", 1);
    assert_true(v.start < 0);
    ts_transcript_segment(t, 3, &v);
    assert_int_equal(v.text_len, 0);
    assert_int_equal(v.speaker_len, 0);
    sbuf out = {0};
    assert_int_equal(ts_write(ctx, t, NULL, sbuf_write, &out), TS_OK);
    assert_string_equal(out.p, sample);
    free(out.p);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void fix_writes_back(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_context_select_passes(ctx, "speakers", NULL);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "x.json", sample, strlen(sample), NULL, &t), TS_OK);
    ts_run *run = NULL;
    assert_int_equal(ts_fix(ctx, t, &run), TS_OK);
    sbuf out = {0};
    assert_int_equal(ts_write(ctx, t, NULL, sbuf_write, &out), TS_OK);
    /* the stranded "so" went to speaker 2; the other fields stay */
    assert_non_null(strstr(out.p, "\"hyp_text\": \"hi there so how are you\""));
    assert_non_null(strstr(out.p, "\"hyp_spk\": \"1 1 2 2 2 2 \""));
    assert_non_null(strstr(out.p, "\"ref_spk\": \"1 1 2 2 2\""));
    assert_non_null(strstr(out.p, "\"hyp_spk\": \"2 2\""));
    free(out.p);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void ref_fields(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_context_set_option(ctx, "dlm-fields", "ref");
    ts_transcript *t = NULL;
    /* the second utterance has no ref fields: an input error */
    assert_int_equal(ts_read(ctx, "x.json", sample, strlen(sample), "dlm", &t), TS_ERR_INPUT);
    const char one[] = "{\"utterances\": [{\"ref_text\": \"Hi there. How are you?\", \"ref_spk\": \"1 1 2 2 2\"}]}";
    assert_int_equal(ts_read(ctx, "x.json", one, strlen(one), "dlm", &t), TS_OK);
    ts_segment_view v;
    ts_transcript_segment(t, 2, &v);
    assert_int_equal(v.text_len, strlen("How are you?"));
    ts_transcript_free(t);
    ts_context_set_option(ctx, "dlm-fields", "nonsense");
    assert_int_equal(ts_read(ctx, "x.json", one, strlen(one), "dlm", &t), TS_ERR_USAGE);
    ts_context_free(ctx);
}

static int errors;
static unsigned err_line;
static void sink(void *ud, const ts_diagnostic *d)
{
    (void)ud;
    if (d->severity == TS_SEV_ERROR) {
        errors++;
        err_line = d->line;
    }
}

static void bad_input(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    ts_context_set_sink(ctx, sink, NULL);
    ts_transcript *t = NULL;
    const char *bad[] = {
        "{\"utterances\": [",
        "{\"utterances\": 3}",
        "{\"utterances\": [{\"hyp_text\": \"a b\", \"hyp_spk\": \"1\"}]}",
        "{\"utterances\": [{\"hyp_text\": 5, \"hyp_spk\": \"1\"}]}",
        "{\"utterances\": [7]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errors = 0;
        assert_int_equal(ts_read(ctx, "x.json", bad[i], strlen(bad[i]), "dlm", &t), TS_ERR_INPUT);
        assert_int_equal(errors, 1);
        assert_true(err_line >= 1);
    }
    ts_context_free(ctx);
}

static void from_other_format(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    const char in[] = "Title\n00:00:01:00 - 00:00:02:00\nStefan\nHello there.\n"
                      "00:00:02:00 - 00:00:03:00\nJens\nHi.\n00:00:03:00 - 00:00:04:00\nStefan\nBye now.\n";
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, "x.txt", in, strlen(in), "premiere", &t), TS_OK);
    sbuf out = {0};
    assert_int_equal(ts_write(ctx, t, "dlm", sbuf_write, &out), TS_OK);
    assert_non_null(strstr(out.p, "\"hyp_text\": \"Hello there. Hi. Bye now.\""));
    assert_non_null(strstr(out.p, "\"hyp_spk\": \"1 1 2 1 1\""));
    assert_non_null(strstr(out.p, "\"hyp_diarized_text\": \"<speaker:1> Hello there. <speaker:2> Hi. <speaker:1> Bye now.\""));
    free(out.p);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segments_and_roundtrip),
        cmocka_unit_test(fix_writes_back),
        cmocka_unit_test(ref_fields),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(from_other_format),
    };
    return cmocka_run_group_tests_name("fmt_dlm", tests, NULL, NULL);
}
