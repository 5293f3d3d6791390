/*
 * test_dict.c - term-list parsing: fields, comments, located errors, and
 * the exports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "dict.h"

typedef struct {
    char last[512];
    unsigned line, col;
    int n;
} sink_log;

static void sink(void *ud, const ts_diagnostic *d)
{
    sink_log *l = ud;
    snprintf(l->last, sizeof l->last, "%s [%s]", d->message, d->rule);
    l->line = d->line;
    l->col = d->col;
    l->n++;
}

static ts_status parse(ts_termset *set, sink_log *log, const char *text)
{
    ts_context *ctx = ts_context_new();
    assert_non_null(ctx);
    ts_context_set_sink(ctx, sink, log);
    ts_termset_init(set);
    ts_status st = ts_termset_parse(set, ctx, "t.terms", text, strlen(text));
    ts_context_free(ctx);
    return st;
}

static void test_fields(void **state)
{
    (void)state;
    ts_termset set;
    sink_log log = {0};
    const char *text = "# comment\n"
                       "\n"
                       "C#   # a language, not a comment\n"
                       "Go ; guard: Golang, Rust ; except: let's go, go to\n"
                       "ChatGPT ; heard: chat gbt, chad gpt ; suggest\n"
                       "Mac ; plural ; exact\n";
    assert_int_equal(parse(&set, &log, text), TS_OK);
    assert_int_equal(log.n, 0);
    assert_int_equal(set.n, 4);
    assert_string_equal(set.terms[0].text, "C#");
    assert_string_equal(set.terms[1].text, "Go");
    assert_int_equal(set.terms[1].n_guard, 2);
    assert_string_equal(set.terms[1].guard[0], "golang");
    assert_int_equal(set.terms[1].n_except, 2);
    assert_string_equal(set.terms[1].except[0], "lets go");
    assert_int_equal(set.terms[2].n_heard, 2);
    assert_string_equal(set.terms[2].heard[1], "chad gpt");
    assert_true(set.terms[2].flags & TS_TERM_SUGGEST);
    assert_true(set.terms[3].flags & TS_TERM_PLURAL);
    assert_true(set.terms[3].flags & TS_TERM_EXACT);
    assert_int_equal(set.terms[3].line, 6);
    ts_termset_release(&set);
}

static void test_errors_are_located(void **state)
{
    (void)state;
    ts_termset set;
    sink_log log = {0};
    assert_int_equal(parse(&set, &log, "Go\nRüst ; gaurd: x\n"), TS_ERR_INPUT);
    assert_int_equal(log.line, 2);
    assert_int_equal(log.col, 8); /* code points: "Rüst ; " is 7 */
    assert_non_null(strstr(log.last, "unknown field 'gaurd:'"));
    assert_non_null(strstr(log.last, "[input/dict]"));
    ts_termset_release(&set);

    memset(&log, 0, sizeof log);
    assert_int_equal(parse(&set, &log, "Go ; heard: a,,b\n"), TS_ERR_INPUT);
    assert_non_null(strstr(log.last, "empty value"));
    ts_termset_release(&set);

    memset(&log, 0, sizeof log);
    assert_int_equal(parse(&set, &log, " ; suggest\n"), TS_ERR_INPUT);
    ts_termset_release(&set);

    memset(&log, 0, sizeof log);
    assert_int_equal(parse(&set, &log, "ok\n\xff\n"), TS_ERR_INPUT);
    assert_int_equal(log.line, 2);
    assert_non_null(strstr(log.last, "UTF-8"));
    ts_termset_release(&set);

    memset(&log, 0, sizeof log);
    assert_int_equal(parse(&set, &log, "Go ; loud\n"), TS_ERR_INPUT);
    assert_non_null(strstr(log.last, "unknown flag 'loud'"));
    ts_termset_release(&set);
}

static int buf_write(void *ud, const char *data, size_t len) { return ts_buf_append(ud, data, len); }

static void test_exports(void **state)
{
    (void)state;
    ts_termset set;
    sink_log log = {0};
    assert_int_equal(parse(&set, &log, "LLM\nClaude Opus 4\nNode.js\n"), TS_OK);
    ts_buf b = TS_BUF_INIT;
    size_t left;
    assert_int_equal(ts_termset_export(&set, TS_EXPORT_AWS, buf_write, &b, &left), 0);
    assert_int_equal(ts_buf_putc(&b, '\0'), 0);
    assert_string_equal(b.data, "Phrase\tSoundsLike\tIPA\tDisplayAs\n"
                                "L.L.M.\t\t\tLLM\n"
                                "Claude-Opus-four\t\t\tClaude Opus 4\n"
                                "Nodejs\t\t\tNode.js\n");
    ts_buf_clear(&b);
    assert_int_equal(ts_termset_export(&set, TS_EXPORT_WHISPER, buf_write, &b, &left), 0);
    assert_int_equal(ts_buf_putc(&b, '\0'), 0);
    assert_string_equal(b.data, "Glossary: LLM, Claude Opus 4, Node.js.\n");
    assert_int_equal(left, 0);
    ts_buf_clear(&b);
    assert_int_equal(ts_termset_export(&set, TS_EXPORT_DEEPGRAM, buf_write, &b, &left), 0);
    assert_int_equal(ts_buf_putc(&b, '\0'), 0);
    assert_string_equal(b.data, "LLM\nClaude Opus 4\nNode.js\n");
    ts_buf_release(&b);
    ts_termset_release(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_errors_are_located),
        cmocka_unit_test(test_exports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
