/* Readers and writers of the premiere and text formats: segments as read,
 * byte-exact round trips, detection, and located errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fmtkit.h"
#include "transcript.h"
#include "tscrub.h"

typedef struct {
    char out[1 << 19];
    char diag[512];
    unsigned ndiag;
} sink;

static void on_diag(void *ud, const ts_diagnostic *d)
{
    sink *s = ud;
    if (s->ndiag++ == 0)
        snprintf(s->diag, sizeof s->diag, "%u:%u %s %s", d->line, d->col, d->rule, d->message);
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

static ts_transcript *read_str(ts_context *ctx, sink *s, const char *data, const char *fmt)
{
    memset(s, 0, sizeof *s);
    ts_context_set_sink(ctx, on_diag, s);
    ts_transcript *t = NULL;
    ts_read(ctx, "in", data, strlen(data), fmt, &t);
    return t;
}

static void round_trip(const char *data, const char *fmt, size_t nseg)
{
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s, data, fmt);
    assert_non_null(t);
    assert_int_equal(ts_transcript_segment_count(t), nseg);
    assert_int_equal(ts_write(ctx, t, NULL, on_write, &s), TS_OK);
    assert_string_equal(s.out, data);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_premiere_segments(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s,
                                "Episode\ntype: x\n"
                                "00:00:01:00 - 00:00:02:15\nStefan\nfirst line\nsecond line\n"
                                "00:00:03:00 - 00:00:04:00\nJens\nOne more.\n",
                                NULL);
    assert_non_null(t);
    assert_string_equal(ts_transcript_format(t), "premiere");
    ts_segment_view v;
    assert_true(ts_transcript_segment(t, 0, &v));
    assert_true(v.start == 1.0 && v.end == 2.5);
    assert_int_equal(v.speaker_len, 6);
    assert_memory_equal(v.speaker, "Stefan", 6);
    assert_int_equal(v.text_len, strlen("first line\nsecond line"));
    assert_memory_equal(v.text, "first line\nsecond line", v.text_len);
    assert_int_equal(v.line, 3);
    assert_true(ts_transcript_segment(t, 1, &v));
    assert_int_equal(v.line, 7);
    assert_false(ts_transcript_segment(t, 2, &v));
    assert_int_equal(t->segs[1].text_line, 9);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_premiere_round_trips(void **state)
{
    (void)state;
    round_trip("H\n00:00:01:00 - 00:00:02:00\nA\ntext\n", NULL, 1);
    round_trip("H\r\n00:00:01:00 - 00:00:02:00\r\nA\r\nwrapped\r\ntext\r\n\r\n"
               "00:00:03:00 - 00:00:04:00\r\nB\r\nmore\r\n", NULL, 2);
    round_trip("\xEF\xBB\xBF" "00:00:01;02 - 00:00:02;00\nA  \ntext  \n\n\n", NULL, 1);
    round_trip("00:00:01:00 - 00:00:02:00\nno speaker line, this is a long text line\n", NULL, 1);
    round_trip("00:00:01:00 - 00:00:02:00\nA\n\nafter a blank\n00:00:02:00 - 00:00:03:00\nA\n"
               "00:00:03:00 - 00:00:04:00\nB\nno final newline", NULL, 3);
}

static void test_premiere_many_blocks(void **state)
{
    (void)state;
    /* More blocks than the reader's first allocation, so its block array
     * grows while it reads. */
    size_t n = 5000, cap = n * 64 + 16, len = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    len += (size_t)snprintf(doc + len, cap - len, "Header\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len, "%02zu:%02zu:%02zu:00 - %02zu:%02zu:%02zu:10\n%s\nline %zu\n",
                                i / 3600, i / 60 % 60, i % 60, i / 3600, i / 60 % 60, i % 60,
                                i % 2 ? "Jens" : "Stefan", i);
    round_trip(doc, NULL, n);
    free(doc);
}

static void test_premiere_errors(void **state)
{
    (void)state;
    struct { const char *in; const char *diag; } bad[] = {
        {"H\n00:00:01:00 - 00:00:00:00\nA\nx.\n", "2:15 input/timecode end timecode is before the start"},
        {"00:00:01:00 - 00:00:02:00\nOkay\n", "2:1 input/structure cannot tell whether 'Okay' is a "
                                               "speaker or the text: add the missing speaker or text line"},
        /* Not UTF-8 is an error only in a file with control bytes (binary);
         * otherwise such bytes are read as Windows-1252. */
        {"00:00:01:00 - 00:00:02:00\nA\nx\x01\xff.\n", "3:3 input/utf8 invalid UTF-8 (byte 0xFF)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ts_context *ctx = ts_context_new();
        sink s;
        ts_transcript *t = read_str(ctx, &s, bad[i].in, NULL);
        assert_null(t);
        assert_int_equal(s.ndiag, 1);
        assert_string_equal(s.diag, bad[i].diag);
        ts_context_free(ctx);
    }
}

/* Segments out of time order are content, not a malformed file: they are
 * read as they stand and the artifacts pass reports (or sorts) them. */
static void test_premiere_out_of_order_reads(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s, "H\n00:00:01:00 - 00:00:02:00\nA\nx.\n"
                                         "00:00:00:00 - 00:00:01:00\nB\ny.\n", NULL);
    assert_non_null(t);
    assert_int_equal(s.ndiag, 0);
    assert_int_equal(ts_transcript_segment_count(t), 2);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_fps_option(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    assert_int_equal(ts_context_set_fps(ctx, 25), TS_OK);
    sink s;
    ts_transcript *t = read_str(ctx, &s, "00:00:01:24 - 00:00:02:00\nA\nx.\n", NULL);
    assert_non_null(t);
    ts_segment_view v;
    ts_transcript_segment(t, 0, &v);
    assert_true(v.start > 1.95 && v.start < 1.97);
    ts_transcript_free(t);
    t = read_str(ctx, &s, "00:00:01:25 - 00:00:02:00\nA\nx.\n", NULL);
    assert_null(t);
    assert_int_equal(ts_context_set_fps(ctx, 0), TS_ERR_USAGE);
    ts_context_free(ctx);
}

static void test_text_format(void **state)
{
    (void)state;
    round_trip("one line\n\n\nanother\n", "text", 2);
    round_trip("\n\nleading blanks\r\nand crlf\r\n", "text", 2);
    round_trip("", "text", 0);
    ts_context *ctx = ts_context_new();
    ts_context_set_paragraphs(ctx, true);
    sink s;
    ts_transcript *t = read_str(ctx, &s, "a paragraph\nwrapped here\n\nsecond one\n", "text");
    assert_non_null(t);
    assert_int_equal(ts_transcript_segment_count(t), 2);
    ts_segment_view v;
    ts_transcript_segment(t, 0, &v);
    assert_memory_equal(v.text, "a paragraph\nwrapped here", v.text_len);
    assert_true(v.start < 0);
    assert_int_equal(ts_write(ctx, t, NULL, on_write, &s), TS_OK);
    assert_string_equal(s.out, "a paragraph\nwrapped here\n\nsecond one\n");
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_detection_and_conversion(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s, "just some text\nwith lines\n", NULL);
    assert_string_equal(ts_transcript_format(t), "text");
    ts_transcript_free(t);
    t = read_str(ctx, &s, "H\n00:00:01:00 - 00:00:02:00\nA\nx.\n", NULL);
    assert_int_equal(ts_write(ctx, t, "text", on_write, &s), TS_OK);
    assert_string_equal(s.out, "x.\n");
    ts_transcript_free(t);
    t = read_str(ctx, &s, "plain line\n", "text");
    assert_int_equal(ts_write(ctx, t, "premiere", on_write, &s), TS_OK);
    assert_string_equal(s.out, "00:00:00:00 - 00:00:00:00\n\nplain line\n");
    ts_transcript *back = read_str(ctx, &s, "00:00:00:00 - 00:00:00:00\n\nplain line\n", NULL);
    assert_non_null(back);
    ts_segment_view v;
    ts_transcript_segment(back, 0, &v);
    assert_int_equal(v.speaker_len, 0);
    assert_memory_equal(v.text, "plain line", v.text_len);
    ts_transcript_free(back);
    assert_int_equal(ts_write(ctx, t, "nonsense", on_write, &s), TS_ERR_USAGE);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static int failing_write(void *ud, const char *p, size_t n)
{
    (void)ud; (void)p; (void)n;
    return -1;
}

/* Word times of a Whisper file through the public API: spans in the
 * segment's text (its leading space set aside), times, probabilities. */
static void test_whisper_words(void **state)
{
    (void)state;
    static const char data[] =
        "{\"segments\": [{\"start\": 0.5, \"end\": 1.5, \"text\": \" Hi there.\", \"words\": ["
        "{\"word\": \" Hi\", \"start\": 0.5, \"end\": 0.8, \"probability\": 0.9},"
        "{\"word\": \" there.\", \"start\": 0.9, \"end\": 1.5}]}]}";
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s, data, "whisper");
    assert_non_null(t);
    assert_int_equal(ts_transcript_word_count(t, 0), 2);
    ts_word_view w;
    assert_true(ts_transcript_word(t, 0, 1, &w));
    assert_int_equal(w.at, 3);
    assert_int_equal(w.len, 6);
    assert_true(w.start > 0.89 && w.start < 0.91 && w.end > 1.49 && w.end < 1.51);
    assert_true(w.probability < 0);
    assert_true(ts_transcript_word(t, 0, 0, &w));
    assert_true(w.probability > 0.89 && w.probability < 0.91);
    assert_false(ts_transcript_word(t, 0, 2, &w));
    assert_int_equal(ts_transcript_word_count(t, 1), 0);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static void test_write_error(void **state)
{
    (void)state;
    ts_context *ctx = ts_context_new();
    sink s;
    ts_transcript *t = read_str(ctx, &s, "H\n00:00:01:00 - 00:00:02:00\nA\nx.\n", NULL);
    assert_int_equal(ts_write(ctx, t, NULL, failing_write, NULL), TS_ERR_IO);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

static unsigned long long pow10i(unsigned k)
{
    unsigned long long p = 1;
    while (k--) p *= 10;
    return p;
}

/* The plain-decimal shortcut gives strtod's value bit for bit, and
 * declines everything that is not a plain decimal of at most 15 digits. */
static void test_plain_decimal(void **state)
{
    (void)state;
    uint64_t r = 88172645463325252ull;
    for (int k = 0; k < 200000; k++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        char b[32];
        unsigned ip = (unsigned)(r % 100000000u), fd = (unsigned)(r >> 40) % 8;
        unsigned long long fr = (r >> 20) % 10000000ull;
        int n = fd ? snprintf(b, sizeof b, "%u.%0*llu", ip, (int)fd, fr % (unsigned long long)pow10i(fd))
                   : snprintf(b, sizeof b, "%u", ip);
        double fast, slow = strtod(b, NULL);
        if (n > 16 || strlen(b) - (fd ? 1 : 0) > 15) continue;
        assert_int_equal(ts_kit_plain_decimal(b, (size_t)n, &fast), 0);
        assert_memory_equal(&fast, &slow, sizeof fast);
    }
    const char *no[] = {"", ".", "1.", "-1", "+1", "1e3", "1.5e2", "1,5", "12a", "1234567890123456", " 1"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        double x;
        assert_int_equal(ts_kit_plain_decimal(no[i], strlen(no[i]), &x), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_premiere_segments), cmocka_unit_test(test_premiere_round_trips),
        cmocka_unit_test(test_premiere_errors), cmocka_unit_test(test_premiere_many_blocks),   cmocka_unit_test(test_fps_option),
        cmocka_unit_test(test_premiere_out_of_order_reads), cmocka_unit_test(test_plain_decimal),
        cmocka_unit_test(test_text_format),       cmocka_unit_test(test_detection_and_conversion),
        cmocka_unit_test(test_write_error),       cmocka_unit_test(test_whisper_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
