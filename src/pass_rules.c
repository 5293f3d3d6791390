/*
 * pass_rules.c - the `rules` pass: runs the rule packs' regexes over every
 * segment and proposes their fixes and findings.
 *
 * The packs are loaded once per context (rules.c): the packs named by the
 * option `rules-packs` (default "core"; bundled names or paths), then every
 * `--rules FILE`.  With `rules-strict` set, each pack's examples run at
 * load time and a failing one is an error.  A rule with fix="auto"
 * proposes its replacement; "suggest" and "none" report a finding (the
 * suggestion goes into the message), so fix only ever changes text through
 * a rule that says it may.
 *
 * When the caller shows no findings (option "findings" = 0: fix, diff),
 * rules that can only report (fix="suggest" or "none") are not run: their
 * results would be thrown away.
 *
 * Segments are handled in blocks of about 64 KiB of text, rule by rule, so
 * the time each rule spends is measured with two clock reads per block; a
 * rule over its budget, or whose pattern hits a PCRE2 limit, is stopped and
 * reported once (a diagnostic naming it) and the run goes on without it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"
#include "diag.h"
#include "pass.h"
#include "rules.h"

#define BLOCK_BYTES 65536

typedef struct {
    ts_rule_set *set;
    ts_buf msg, repl;
    bool fixes_only;           /* findings are not shown: run fix="auto" rules only */
} rules_state;

static double now_ns(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void state_free(void *p)
{
    rules_state *s = p;
    if (!s) return;
    ts_rule_set_free(s->set);
    ts_buf_release(&s->msg);
    ts_buf_release(&s->repl);
    free(s);
}

static int opt_on(const ts_context *ctx, const char *key)
{
    const char *v = ts_context_option(ctx, key);
    return v && strcmp(v, "0") != 0 && strcmp(v, "off") != 0 && strcmp(v, "false") != 0 &&
           strcmp(v, "no") != 0;
}

static ts_status state_new(ts_context *ctx, void **out)
{
    rules_state *s = calloc(1, sizeof *s);
    if (!s || !(s->set = ts_rule_set_new())) {
        free(s);
        return TS_ERR_NOMEM;
    }
    const char *v = ts_context_option(ctx, "rules-budget-ms");
    if (v) ts_rule_set_budget(s->set, strtod(v, NULL), 200);
    bool strict = opt_on(ctx, "rules-strict");
    const char *f = ts_context_option(ctx, "findings");
    s->fixes_only = f && strcmp(f, "0") == 0;
    ts_status st = TS_OK, r;
    const char *packs = ts_context_option(ctx, "rules-packs");
    if (!packs) packs = "core";
    /* Every pack is loaded even after a failure, so one run reports all. */
    for (const char *p = packs; *p;) {
        while (*p == ' ' || *p == ',') p++;
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ') n--;
        if (n) {
            char *name = strndup(p, n);
            if (!name) {
                st = TS_ERR_NOMEM;
                break;
            }
            r = ts_rule_set_load(ctx, s->set, name, strict, NULL, NULL);
            free(name);
            if (r && !st) st = r;
        }
        p += n;
        while (*p && *p != ',') p++;
    }
    for (size_t i = 0; i < ctx->n_rules; i++) {
        r = ts_rule_set_load(ctx, s->set, ctx->rules[i], strict, NULL, NULL);
        if (r && !st) st = r;
    }
    if (st) {
        state_free(s);
        return st;
    }
    *out = s;
    return TS_OK;
}

typedef struct {
    rules_state *s;
    ts_edit_list *out;
    uint32_t seg;
    const char *text;
} match_ctx;

static int on_match(void *ud, ts_rule *r, const ts_rule_match *m, uint32_t start, uint32_t end)
{
    match_ctx *mc = ud;
    rules_state *s = mc->s;
    const ts_rule_info *info = ts_rule_info_of(r);
    ts_fix_mode fix = ts_rule_fix_mode(r);
    int have_repl = fix != TS_FIX_NONE && ts_rule_expand(m, 0, &s->repl) == 0;
    int have_msg = ts_rule_expand(m, 1, &s->msg) == 0;
    ts_edit *e;
    if (fix == TS_FIX_AUTO && have_repl) {
        /* A replacement that changes nothing would never settle. */
        if (s->repl.len == end - start && memcmp(s->repl.data, mc->text + start, end - start) == 0)
            return 0;
        e = ts_edit_replace(mc->out, info, mc->seg, start, end, s->repl.data, s->repl.len);
        if (e && have_msg) e->message = ts_edit_message(mc->out, "%s", s->msg.data);
    } else {
        e = ts_edit_report(mc->out, info, mc->seg, start, end);
        if (e && have_repl)
            e->message = ts_edit_message(mc->out, "%s (suggested: '%.*s')",
                                         have_msg ? s->msg.data : info->description,
                                         (int)s->repl.len, s->repl.data);
        else if (e && have_msg)
            e->message = ts_edit_message(mc->out, "%s", s->msg.data);
    }
    return e ? 0 : -1;
}

static void report_stopped(ts_context *ctx, const ts_transcript *t, const ts_segment *sg,
                           ts_rule *r)
{
    const char *why = ts_rule_get_state(r) == TS_RULE_LIMIT
                          ? "its pattern hit the PCRE2 match/depth/heap limit"
                          : "it used up its time budget";
    ts_diag_emit(ctx, t->name, sg ? sg->text_line : 0, sg ? sg->text_col : 0, TS_SEV_WARNING,
                 TS_DIAG_RULE_STOPPED, "rule '%s' stopped: %s; the run goes on without it",
                 ts_rule_info_of(r)->id, why);
}

static ts_status run(ts_context *ctx, void *state, const ts_transcript *t, const uint8_t *only,
                     ts_edit_list *out)
{
    rules_state *s = state;
    size_t nr = ts_rule_set_count(s->set);
    match_ctx mc = {s, out, 0, NULL};
    for (size_t i = 0; i < t->n;) {
        size_t j = i, bytes = 0;
        while (j < t->n && bytes < BLOCK_BYTES) {
            if (!only || only[j]) bytes += t->segs[j].text_len;
            j++;
        }
        for (size_t k = 0; k < nr; k++) {
            ts_rule *r = ts_rule_set_at(s->set, k);
            if (ts_rule_get_state(r)) continue;
            if (s->fixes_only && ts_rule_fix_mode(r) != TS_FIX_AUTO) continue;
            double t0 = now_ns();
            for (size_t g = i; g < j; g++) {
                if (only && !only[g]) continue;
                const ts_segment *sg = &t->segs[g];
                mc.seg = (uint32_t)g;
                mc.text = sg->text;
                int rc = ts_rule_scan(r, sg->text, sg->text_len, on_match, &mc);
                if (rc < 0) return TS_ERR_NOMEM;
                if (rc > 0) {
                    report_stopped(ctx, t, sg, r);
                    break;
                }
            }
            if (ts_rule_charge(r, now_ns() - t0, bytes)) report_stopped(ctx, t, NULL, r);
        }
        i = j;
    }
    return TS_OK;
}

const ts_pass ts_pass_rules = {
    .info = {"rules",
             "rule packs: house rules as regexes with examples (core on by default; "
             "--rules FILE, --set rules-packs=core,clean-verbatim)",
             true, NULL, 0},
    .segment_local = true,
    .state_new = state_new,
    .state_free = state_free,
    .run = run,
};
