/*
 * test_xmlkit.c - streaming XML (ts_xml_read): the events, names and
 * attribute values a handler sees are those of libxml2's tree, and errors
 * come in the tree reader's order (parse error, then entity reference or
 * nesting, then the handler's own).
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
#include "transcript.h"
#include "tscrub.h"
#include "xmlkit.h"

typedef struct {
    ts_buf log;
    const char *fail_on; /* element name whose start fails */
} rec;

static void on_start(ts_xml_reader *r, void *ud, const ts_xml_elem *e)
{
    rec *x = ud;
    ts_buf_printf(&x->log, "<%s d%d l%u", e->name, e->depth, e->line);
    for (int i = 0; i < e->n_atts; i++)
        ts_buf_printf(&x->log, " %s%s%s%s=%s", e->atts[i].ns ? "{" : "", e->atts[i].ns ? e->atts[i].ns : "",
                      e->atts[i].ns ? "}" : "", e->atts[i].name, e->atts[i].value);
    ts_buf_puts(&x->log, ">");
    if (x->fail_on && strcmp(e->name, x->fail_on) == 0)
        ts_xml_fail(r, e->line, 1, TS_DIAG_STRUCTURE, "failed at <%s>", e->name);
}

static void on_end(ts_xml_reader *r, void *ud, int depth)
{
    (void)r;
    ts_buf_printf(&((rec *)ud)->log, "</%d>", depth);
}

static void on_text(ts_xml_reader *r, void *ud, const char *s, size_t n, int cdata, unsigned line)
{
    (void)r;
    ts_buf_printf(&((rec *)ud)->log, "%s[%.*s]l%u", cdata ? "C" : "T", (int)n, s, line);
}

static void on_other(ts_xml_reader *r, void *ud)
{
    (void)r;
    ts_buf_puts(&((rec *)ud)->log, "O");
}

static void sink(void *ud, const ts_diagnostic *d)
{
    ts_buf_printf(ud, "%u:%u: %s\n", d->line, d->col, d->message);
}

/* Streams `xml`; the events into *log (caller frees), diagnostics into *diag. */
static ts_status stream(const char *xml, const char *fail_on, char **log, char **diag)
{
    ts_context *ctx = ts_context_new();
    ts_buf dg = TS_BUF_INIT;
    ts_context_set_sink(ctx, sink, &dg);
    size_t n = strlen(xml);
    char *in = malloc(n + 1);
    memcpy(in, xml, n + 1);
    ts_transcript *t = ts_transcript_new("x.xml", in, n);
    rec x = {TS_BUF_INIT, fail_on};
    static const ts_xml_handler h = {on_start, on_end, on_text, on_other};
    ts_status st = ts_xml_read(ctx, t, &h, &x);
    ts_buf_putc(&x.log, '\0');
    ts_buf_putc(&dg, '\0');
    *log = x.log.data;
    *diag = dg.data;
    ts_transcript_free(t);
    ts_context_free(ctx);
    return st;
}

static void events_as_the_tree_sees_them(void **state)
{
    (void)state;
    char *log, *diag;
    assert_int_equal(stream("<a xmlns:x=\"urn:x\" x:b=\"1\" y:c=\"2\" d=\"&amp;&#38;&lt;&#x41;\">\n"
                            "<x:e/>t&amp;1<!--c-->t2<![CDATA[cd]]><y:f/><?pi x?></a>",
                            NULL, &log, &diag),
                     TS_OK);
    /* undeclared prefixes stay in the name; '&' arrives decoded */
    assert_string_equal(log, "<a d1 l1 {urn:x}b=1 y:c=2 d=&&<A>T[\n]l2<e d2 l2></2>T[t]l2T[&]l2T[1]l2O"
                             "T[t2]l2C[cd]l2<y:f d2 l2></2>O</1>");
    assert_string_equal(diag, "");
    free(log);
    free(diag);
}

static void errors_in_the_tree_readers_order(void **state)
{
    (void)state;
    char deep[1024] = "<r>\n";
    for (int i = 0; i < 64; i++) strcat(deep, "<d>");
    strcat(deep, "x");
    for (int i = 0; i < 64; i++) strcat(deep, "</d>");
    char *log, *diag;

    /* a handler's error, alone */
    assert_int_equal(stream("<r>\n<p/>\n<q/></r>", "p", &log, &diag), TS_ERR_INPUT);
    assert_string_equal(diag, "2:1: failed at <p>\n");
    /* after it no more events */
    assert_string_equal(log, "<r d1 l1>T[\n]l2<p d2 l2>");
    free(log);
    free(diag);

    /* nesting beyond 64 levels outranks the handler's error before it */
    char *doc = malloc(2048);
    snprintf(doc, 2048, "%s</r>", deep);
    char *p = strstr(doc, "<d>");
    memmove(p + 4, p, strlen(p) + 1);
    memcpy(p, "<p/>", 4);
    assert_int_equal(stream(doc, "p", &log, &diag), TS_ERR_INPUT);
    assert_string_equal(diag, "2:1: XML nested deeper than 64 levels\n");
    free(log);
    free(diag);

    /* a parse error outranks both */
    snprintf(doc, 2048, "%s\n</x>", deep);
    assert_int_equal(stream(doc, "p", &log, &diag), TS_ERR_INPUT);
    assert_non_null(strstr(diag, "invalid XML: "));
    free(log);
    free(diag);
    free(doc);

    /* an undefined entity (possible with an external DTD) outranks the handler */
    assert_int_equal(stream("<!DOCTYPE r SYSTEM \"r.dtd\">\n<r><p/>\n&x;</r>", "p", &log, &diag),
                     TS_ERR_INPUT);
    assert_string_equal(diag, "3:1: undefined XML entity reference\n");
    free(log);
    free(diag);

    /* entity declarations never reach the parser */
    assert_int_equal(stream("<!DOCTYPE r [\n <!ENTITY a \"b\">]><r/>", NULL, &log, &diag), TS_ERR_INPUT);
    assert_string_equal(diag, "2:2: XML entity declarations are not accepted\n");
    assert_string_equal(log, "");
    free(log);
    free(diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_as_the_tree_sees_them),
        cmocka_unit_test(errors_in_the_tree_readers_order),
    };
    return cmocka_run_group_tests_name("xmlkit", tests, NULL, NULL);
}
