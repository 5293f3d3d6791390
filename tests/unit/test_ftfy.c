/*
 * test_ftfy.c - ftfy's own test suite (tests/data/ftfy/, Apache-2.0) run
 * through the encoding pass, one cmocka test per case.
 *
 * A case with "fixed-encoding" is run with only the mojibake repairs on
 * (no entities, no invisible characters, no NFC) and must give that text;
 * any other case runs with the pass's defaults and must give "fixed".  Both
 * sides are compared after straightening curly quotes and NFC, since quote
 * straightening is off by default here.  Every case is also run once more
 * with one more layer of damage (its UTF-8 read as Latin-1) and must give
 * the same text.  The cases ftfy itself fails (known-failures.json) are run
 * too and counted, but cannot fail the suite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <utf8proc.h>

#include "buf.h"
#include "tscrub.h"

typedef struct {
    char *label, *original, *expected;
    bool encoding_only, extra_layer;
} ftfy_case;

/* ts_write's sink: the output collected in a ts_buf. */
static int mem_write(void *ud, const char *d, size_t n) { return ts_buf_append(ud, d, n); }

/* The encoding pass's output for `in` (malloc'd), or NULL. */
static char *run_pass(const char *in, bool encoding_only)
{
    ts_context *ctx = ts_context_new();
    ts_transcript *t = NULL;
    ts_run *run = NULL;
    ts_buf out = {0};
    char *res = NULL;
    if (!ctx || ts_context_select_passes(ctx, "encoding", NULL)) goto done;
    if (encoding_only && (ts_context_set_option(ctx, "html-entities", "off") ||
                          ts_context_set_option(ctx, "invisible", "off") ||
                          ts_context_set_option(ctx, "nfc", "off")))
        goto done;
    if (ts_read(ctx, "case", in, strlen(in), "text", &t)) goto done;
    if (ts_fix(ctx, t, &run)) goto done;
    if (ts_write(ctx, t, NULL, mem_write, &out)) goto done;
    res = out.data ? out.data : strdup("");
    out.data = NULL;
done:
    free(out.data);
    ts_run_free(run);
    ts_transcript_free(t);
    ts_context_free(ctx);
    return res;
}

/* Straight quotes and NFC (malloc'd). */
static char *normalise(const char *s)
{
    utf8proc_uint8_t *nfc = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &nfc, UTF8PROC_NULLTERM | UTF8PROC_STABLE |
                     UTF8PROC_COMPOSE) < 0)
        return NULL;
    char *out = malloc(strlen((char *)nfc) + 1);
    size_t w = 0;
    for (const utf8proc_uint8_t *p = nfc; *p;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate(p, -1, &c);
        if (l <= 0) break;
        if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) out[w++] = '\'';
        else if (c >= 0x201C && c <= 0x201F) out[w++] = '"';
        else {
            memcpy(out + w, p, (size_t)l);
            w += (size_t)l;
        }
        p += l;
    }
    out[w] = '\0';
    free(nfc);
    return out;
}

/* s's UTF-8 read as Latin-1, then written as UTF-8 again (malloc'd). */
static char *add_layer(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1);
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) out[w++] = (char)*p;
        else {
            out[w++] = (char)(0xC0 | (*p >> 6));
            out[w++] = (char)(0x80 | (*p & 0x3F));
        }
    }
    out[w] = '\0';
    return out;
}

static bool check_case(const ftfy_case *c, char **got_out)
{
    char *in = c->extra_layer ? add_layer(c->original) : strdup(c->original);
    char *got = run_pass(in, c->encoding_only);
    char *a = got ? normalise(got) : NULL, *b = normalise(c->expected);
    bool ok = a && b && strcmp(a, b) == 0;
    free(in);
    free(a);
    free(b);
    *got_out = got;
    return ok;
}

static void test_case(void **state)
{
    const ftfy_case *c = *state;
    char *got = NULL;
    bool ok = check_case(c, &got);
    if (!ok)
        print_error("%s%s\n  input:    %s\n  expected: %s\n  got:      %s\n", c->label,
                    c->extra_layer ? " (one more layer)" : "", c->original, c->expected,
                    got ? got : "(error)");
    free(got);
    assert_true(ok);
}

static ftfy_case *cases;
static size_t n_cases, cap_cases;

static void add_case(const char *label, const char *orig, const char *expected, bool enc_only,
                     bool extra)
{
    if (n_cases == cap_cases) {
        cap_cases = cap_cases ? cap_cases * 2 : 256;
        cases = realloc(cases, cap_cases * sizeof *cases);
        assert_non_null(cases);
    }
    ftfy_case *c = &cases[n_cases++];
    c->label = strdup(label);
    c->original = strdup(orig);
    c->expected = strdup(expected);
    c->encoding_only = enc_only;
    c->extra_layer = extra;
}

int main(void)
{
    static const char *const files[] = {"in-the-wild.json", "synthetic.json", "negative.json",
                                        "language-names.json", "known-failures.json"};
    size_t known = 0, known_fixed = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, "tests/data/ftfy/%s", files[f]);
        json_error_t err;
        json_t *arr = json_load_file(path, 0, &err);
        if (!arr) {
            fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
            return 1;
        }
        size_t i;
        json_t *c;
        json_array_foreach(arr, i, c) {
            const char *label = json_string_value(json_object_get(c, "label"));
            const char *orig = json_string_value(json_object_get(c, "original"));
            const char *fixed = json_string_value(json_object_get(c, "fixed"));
            const char *fenc = json_string_value(json_object_get(c, "fixed-encoding"));
            const char *expect = json_string_value(json_object_get(c, "expect"));
            if (!label || !orig || !fixed || !expect) {
                fprintf(stderr, "%s: case %zu lacks a field\n", path, i);
                return 1;
            }
            char name[512];
            snprintf(name, sizeof name, "%s #%zu: %s", files[f], i, label);
            if (strcmp(expect, "pass") == 0) {
                add_case(name, orig, fenc ? fenc : fixed, fenc != NULL, false);
                add_case(name, orig, fenc ? fenc : fixed, fenc != NULL, true);
            } else {
                ftfy_case k = {name, (char *)orig, (char *)fixed, false, false};
                char *got = NULL;
                known++;
                if (check_case(&k, &got)) known_fixed++;
                free(got);
            }
        }
        json_decref(arr);
    }
    printf("ftfy known failures (ftfy 6.3.1 gets them wrong): tscrub gets %zu of %zu right\n",
           known_fixed, known);
    struct CMUnitTest *tests = calloc(n_cases, sizeof *tests);
    for (size_t i = 0; i < n_cases; i++) {
        char *name = malloc(strlen(cases[i].label) + 20);
        sprintf(name, "%s%s", cases[i].label, cases[i].extra_layer ? " +layer" : "");
        tests[i] = (struct CMUnitTest){name, test_case, NULL, NULL, &cases[i]};
    }
    int rc = _cmocka_run_group_tests("ftfy", tests, n_cases, NULL, NULL);
    for (size_t i = 0; i < n_cases; i++) {
        free((char *)tests[i].name);
        free(cases[i].label);
        free(cases[i].original);
        free(cases[i].expected);
    }
    free(tests);
    free(cases);
    return rc;
}
