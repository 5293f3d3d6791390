/*
 * test_fmt_vtt_voice.c - voice spans as speakers, checked against the
 * web-platform-tests cue-text cases of tests/data/webvtt-wpt/
 * cue-text-parsing/tags.json: for every case with a <v> tag, a cue with
 * that payload has the span's title as its speaker when the span opens the
 * cue (no speaker when the title is empty) and the rest as its text; a
 * voice span inside the text leaves the cue as it is.
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

#include "tscrub.h"

#define TAGS "tests/data/webvtt-wpt/cue-text-parsing/tags.json"

typedef struct {
    char name[96];
    const char *payload;  /* owned by the JSON document */
    const char *tree;
} voice_case;

static void quiet(void *ud, const ts_diagnostic *d)
{
    (void)ud;
    (void)d;
}

/* The title="..." of the first span of an expected tree, or NULL. */
static char *title_of(const char *tree)
{
    const char *p = strstr(tree, "title=\"");
    if (!p || strncmp(tree, "| <span>", 8) != 0) return NULL;
    p += 7;
    const char *q = strchr(p, '"');
    return q ? strndup(p, (size_t)(q - p)) : NULL;
}

static void run_case(void **state)
{
    const voice_case *c = *state;
    char file[512];
    size_t pl = strcspn(c->payload, "\n");
    snprintf(file, sizeof file, "WEBVTT\n\n00:00.000 --> 00:01.000\n%.*s\n", (int)pl, c->payload);
    ts_context *ctx = ts_context_new();
    ts_context_set_sink(ctx, quiet, NULL);
    ts_transcript *t = NULL;
    assert_int_equal(ts_read(ctx, c->name, file, strlen(file), "vtt", &t), TS_OK);
    assert_int_equal(ts_transcript_segment_count(t), 1);
    ts_segment_view v;
    assert_true(ts_transcript_segment(t, 0, &v));
    char *title = title_of(c->tree);
    int opens = strncmp(c->payload, "<v", 2) == 0;
    if (opens && title && *title) {
        if (v.speaker_len != strlen(title) || memcmp(v.speaker, title, v.speaker_len) != 0)
            fail_msg("%s: speaker '%.*s', expected '%s'", c->name, (int)v.speaker_len, v.speaker, title);
        const char *rest = strchr(c->payload, '>') + 1;
        size_t rl = pl - (size_t)(rest - c->payload);
        if (v.text_len != rl || memcmp(v.text, rest, rl) != 0)
            fail_msg("%s: text '%.*s'", c->name, (int)v.text_len, v.text);
    } else {
        if (v.speaker_len) fail_msg("%s: unexpected speaker '%.*s'", c->name, (int)v.speaker_len, v.speaker);
        if (v.text_len != pl || memcmp(v.text, c->payload, pl) != 0)
            fail_msg("%s: text changed to '%.*s'", c->name, (int)v.text_len, v.text);
    }
    free(title);
    ts_transcript_free(t);
    ts_context_free(ctx);
}

int main(void)
{
    json_error_t err;
    json_t *root = json_load_file(TAGS, 0, &err);
    if (!json_is_array(root)) {
        fprintf(stderr, "cannot read %s: %s\n", TAGS, err.text);
        return 1;
    }
    size_t n = json_array_size(root), k = 0;
    voice_case *cases = calloc(n + 1, sizeof *cases);
    struct CMUnitTest *tests = calloc(n + 1, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(root, i);
        const char *text = json_string_value(json_object_get(o, "text"));
        const char *tree = json_string_value(json_object_get(o, "expectedTree"));
        if (!text || !tree || !strstr(text, "<v")) continue;
        voice_case *c = &cases[k];
        snprintf(c->name, sizeof c->name, "tags.json %zu: %.*s", i, (int)strcspn(text, "\n"), text);
        c->payload = text;
        c->tree = tree;
        tests[k] = (struct CMUnitTest){c->name, run_case, NULL, NULL, c};
        k++;
    }
    int rc = _cmocka_run_group_tests("webvtt-voice", tests, k, NULL, NULL);
    free(tests);
    free(cases);
    json_decref(root);
    return rc;
}
