/*
 * test_jsonpull.c - the pull tokenizer: the tokens, strings and numbers a
 * reader sees, positions, skipping, and every kind of bad document failing
 * at its first bad byte (never reading past the input: each prefix of a
 * good document is tried on an exact-size copy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "jsonpull.h"
#include "mem.h"

/* The document's tokens as text: { } [ ] k:KEY s:STRING n:NUMBER (i:
 * for integers) t f z, then "." at the end or "!OFFSET:message". */
static char *tokens(const char *doc, size_t len)
{
    char *d = malloc(len ? len : 1); /* exact size: a read past the end is caught by ASan */
    memcpy(d, doc, len);
    ts_arena a;
    ts_arena_init(&a);
    ts_buf out = {0};
    ts_jp p;
    ts_jp_init(&p, d, len);
    for (;;) {
        ts_jp_token t = ts_jp_next(&p);
        size_t n;
        const char *s;
        switch (t) {
        case TS_JP_ERROR: ts_buf_printf(&out, "!%zu:%s", p.err_at, p.err); goto done;
        case TS_JP_EOF: ts_buf_puts(&out, "."); goto done;
        case TS_JP_OBJECT: ts_buf_puts(&out, "{ "); break;
        case TS_JP_OBJECT_END: ts_buf_puts(&out, "} "); break;
        case TS_JP_ARRAY: ts_buf_puts(&out, "[ "); break;
        case TS_JP_ARRAY_END: ts_buf_puts(&out, "] "); break;
        case TS_JP_KEY:
        case TS_JP_STRING:
            s = ts_jp_string(&p, &a, &n);
            ts_buf_printf(&out, "%s:%.*s ", t == TS_JP_KEY ? "k" : "s", (int)n, s);
            break;
        case TS_JP_NUMBER:
            if (p.is_int) ts_buf_printf(&out, "i:%lld ", (long long)p.ival);
            else ts_buf_printf(&out, "n:%.17g ", p.num);
            break;
        case TS_JP_TRUE: ts_buf_puts(&out, "t "); break;
        case TS_JP_FALSE: ts_buf_puts(&out, "f "); break;
        case TS_JP_NULL: ts_buf_puts(&out, "z "); break;
        }
    }
done:
    ts_arena_release(&a);
    free(d);
    char *r = strndup(out.data ? out.data : "", out.len);
    ts_buf_release(&out);
    return r;
}

#define CHECK(doc, want)                              \
    do {                                              \
        char *got_ = tokens(doc, sizeof doc - 1);     \
        assert_string_equal(got_, want);              \
        free(got_);                                   \
    } while (0)

static void token_stream(void **state)
{
    (void)state;
    CHECK("{\"a\": [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}}",
          "{ k:a [ i:1 n:-2.5 n:300 t f z s:x ] k:b { } } .");
    CHECK(" [ ] ", "[ ] .");
    CHECK("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[ s:\"\\/\b\f\n\r\t ] .");
    /* \u escapes: BMP, a surrogate pair, non-ASCII kept as it is */
    CHECK("[\"caf\\u00e9 \\ud83d\\ude00 \xc3\xa9\"]", "[ s:caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9 ] .");
    CHECK("[0, -0, 9223372036854775807, -9223372036854775808]",
          "[ i:0 i:0 i:9223372036854775807 i:-9223372036854775808 ] .");
}

static void numbers_are_exact(void **state)
{
    (void)state;
    static const char *const nums[] = {"0.1", "12.345", "0.04", "1.69", "359999.967", "123456789.123456789",
                                       "1e-7", "2.5E+3", "-0.001", "1.7976931348623157e308", "4.9e-324"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        ts_jp p;
        ts_jp_init(&p, nums[i], strlen(nums[i]));
        assert_int_equal(ts_jp_next(&p), TS_JP_NUMBER);
        assert_true(p.num == strtod(nums[i], NULL));
        assert_int_equal(ts_jp_next(&p), TS_JP_EOF);
    }
}

static void bad_documents(void **state)
{
    (void)state;
    CHECK("", "!0:unexpected end of the document (the file ends too early)");
    CHECK("{\"a\": 1", "{ k:a i:1 !7:expected ',' or '}' (the file ends too early)");
    CHECK("{\"a\" 1}", "{ !5:expected ':' after the key, found '1'");
    CHECK("{\"a\": 1,}", "{ k:a i:1 !8:expected a string key, found '}'");
    CHECK("[1,]", "[ i:1 !3:expected a value, found ']'");
    CHECK("[1 2]", "[ i:1 !3:expected ',' or ']', found '2'");
    CHECK("{1: 2}", "{ !1:expected a string key or '}', found '1'");
    CHECK("[1]]", "[ i:1 ] !3:expected the end of the document, found ']'");
    CHECK("[1] x", "[ i:1 ] !4:expected the end of the document, found 'x'");
    CHECK("[01]", "[ i:0 !2:expected ',' or ']', found '1'");
    CHECK("[1.]", "[ !3:invalid number: no digit after '.', found ']'");
    CHECK("[1e]", "[ !3:invalid number: no digit in the exponent, found ']'");
    CHECK("[-]", "[ !2:invalid number, found ']'");
    CHECK("[+1]", "[ !1:expected a value, found '+'");
    CHECK("[tru]", "[ !1:invalid literal, found 't'");
    CHECK("[nan]", "[ !1:invalid literal, found 'n'");
    CHECK("[1e400]", "[ !1:number out of range, found '1'");
    CHECK("[-1e400]", "[ !1:number out of range, found '-'");
    CHECK("[9223372036854775808]", "[ !1:integer out of range, found '9'");
    CHECK("[-9223372036854775809]", "[ !1:integer out of range, found '-'");
    CHECK("[99999999999999999999999]", "[ !1:integer out of range, found '9'");
    CHECK("[\"abc", "[ !5:unterminated string (the file ends too early)");
    CHECK("[\"a\\", "[ !4:unterminated string (the file ends too early)");
    CHECK("[\"a\\x\"]", "[ !3:invalid escape in string, found '\\'");
    CHECK("[\"\\u12\"]", "[ !2:invalid \\u escape in string, found '\\'");
    CHECK("[\"\\u0000\"]", "[ !2:\\u0000 (NUL) in string, found '\\'");
    CHECK("[\"\\udc00\"]", "[ !2:lone low surrogate in string, found '\\'");
    CHECK("[\"\\ud800\"]", "[ !2:high surrogate without its low half in string, found '\\'");
    CHECK("[\"\\ud800\\u0041\"]", "[ !2:high surrogate without its low half in string, found '\\'");
    CHECK("[\"a\tb\"]", "[ !3:control character in string, found byte 0x09");
    CHECK("[\"a\nb\"]", "[ !3:control character in string, found byte 0x0A");
    CHECK("[\"\xff\"]", "[ !2:invalid UTF-8 in string, found byte 0xFF");
    CHECK("[\"\xed\xa0\x80\"]", "[ !2:invalid UTF-8 in string, found byte 0xED");
    CHECK("[\"\xc3\"]", "[ !2:invalid UTF-8 in string, found byte 0xC3");
    CHECK("\xef\xbb\xbf[]", "!0:expected a value, found byte 0xEF");

    /* nesting: 64 levels are fine, the 65th is an error at its bracket */
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    char *got = tokens(deep, 128);
    assert_non_null(strstr(got, "] ."));
    free(got);
    memset(deep, '[', 65);
    got = tokens(deep, 65);
    assert_string_equal(strstr(got, "!"), "!64:JSON nested deeper than 64 levels");
    free(got);
}

/* Every prefix of a good document is an error (never a crash), and an
 * error at or before its end. */
static void truncated_documents(void **state)
{
    (void)state;
    static const char doc[] = "{\"w\": [{\"text\": \"caf\\u00e9 \\ud83d\\ude00\", \"start\": 1.25e1, "
                              "\"ok\": [true, false, null], \"n\": -12}], \"x\": {}}";
    for (size_t n = 0; n < sizeof doc - 1; n++) {
        char *got = tokens(doc, n);
        const char *bang = strrchr(got, '!');
        assert_non_null(bang);
        assert_true((size_t)strtoul(bang + 1, NULL, 10) <= n);
        free(got);
    }
    char *got = tokens(doc, sizeof doc - 1);
    assert_non_null(strstr(got, "} ."));
    free(got);
}

static void keys_skipping_and_positions(void **state)
{
    (void)state;
    static const char doc[] = "{\"skip\": {\"a\": [1, {\"b\": [[]]}]},\n"
                              "  \"t\\u0065xt\": \"\xc3\xa9t\xc3\xa9\", \"more\": 1,\n"
                              "\"x\": \"y\"}";
    ts_jp p;
    ts_jp_init(&p, doc, sizeof doc - 1);
    assert_int_equal(ts_jp_next(&p), TS_JP_OBJECT);
    assert_int_equal(ts_jp_next(&p), TS_JP_KEY);
    assert_true(TS_JP_IS(&p, "skip"));
    assert_int_equal(ts_jp_skip_value(&p), 0);
    assert_int_equal(p.depth, 1);
    assert_int_equal(ts_jp_next(&p), TS_JP_KEY);
    assert_true(TS_JP_IS(&p, "text")); /* escapes decoded for the comparison */
    assert_false(TS_JP_IS(&p, "tex"));
    assert_false(TS_JP_IS(&p, "texts"));
    unsigned line, col;
    ts_jp_token_pos(&p, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    assert_int_equal(ts_jp_next(&p), TS_JP_STRING);
    ts_jp_token_pos(&p, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 17);
    assert_int_equal(ts_jp_next(&p), TS_JP_KEY);
    ts_jp_token_pos(&p, &line, &col); /* after a non-ASCII string: columns count code points */
    assert_int_equal(col, 24);
    assert_int_equal(ts_jp_skip_value(&p), 0);
    assert_int_equal(ts_jp_next(&p), TS_JP_KEY);
    assert_int_equal(ts_jp_next(&p), TS_JP_STRING);
    ts_jp_token_pos(&p, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 7);
    assert_int_equal(ts_jp_next(&p), TS_JP_OBJECT_END);
    assert_int_equal(ts_jp_next(&p), TS_JP_EOF);
    /* an error sticks */
    ts_jp_init(&p, "[}", 2);
    assert_int_equal(ts_jp_next(&p), TS_JP_ARRAY);
    assert_int_equal(ts_jp_next(&p), TS_JP_ERROR);
    assert_int_equal(ts_jp_next(&p), TS_JP_ERROR);
    assert_int_equal(ts_jp_skip(&p), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_stream),
        cmocka_unit_test(numbers_are_exact),
        cmocka_unit_test(bad_documents),
        cmocka_unit_test(truncated_documents),
        cmocka_unit_test(keys_skipping_and_positions),
    };
    return cmocka_run_group_tests_name("jsonpull", tests, NULL, NULL);
}
