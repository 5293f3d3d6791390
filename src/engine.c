/*
 * engine.c - contexts, the canonical pass table, and the fix loop that
 * turns passes' proposals into applied, logged edits.
 */
#include "engine.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "dict.h"
#include "diag.h"
#include "pass_list.h"
#include "spell.h"
#include "transcript.h"
#include "xmlkit.h"

#define TS_PASS_ENTRY(name) &ts_pass_##name,
static const ts_pass *const pass_table[] = {TS_PASS_LIST(TS_PASS_ENTRY)};
#undef TS_PASS_ENTRY
#define N_PASSES (sizeof pass_table / sizeof pass_table[0])

_Static_assert(N_PASSES <= TS_MAX_PASSES, "raise TS_MAX_PASSES");

const ts_pass *ts_engine_pass(size_t i) { return i < N_PASSES ? pass_table[i] : NULL; }
size_t ts_engine_pass_count(void) { return N_PASSES; }
size_t ts_pass_count(void) { return N_PASSES; }
const ts_pass_info *ts_pass_at(size_t i) { return i < N_PASSES ? &pass_table[i]->info : NULL; }

/* ---- context ---------------------------------------------------------- */

static uint32_t default_passes(void)
{
    uint32_t m = 0;
    for (size_t i = 0; i < N_PASSES; i++)
        if (pass_table[i]->info.default_on) m |= 1u << i;
    return m;
}

ts_context *ts_context_new(void)
{
    ts_xml_init();
    ts_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->fps = 30;
    ctx->pass_enabled = default_passes();
    return ctx;
}

static void free_paths(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void ts_context_free(ts_context *ctx)
{
    if (!ctx) return;
    for (size_t i = 0; i < N_PASSES; i++)
        if (ctx->pass_state[i] && pass_table[i]->state_free)
            pass_table[i]->state_free(ctx->pass_state[i]);
    ts_speller_close(ctx->speller);
    ts_termset_free(ctx->terms);
    free_paths(ctx->dicts, ctx->n_dicts);
    free_paths(ctx->rules, ctx->n_rules);
    free_paths(ctx->opt_keys, ctx->n_opts);
    free_paths(ctx->opt_values, ctx->n_opts);
    free(ctx->hunspell_dir);
    free(ctx);
}

void ts_context_set_sink(ts_context *ctx, ts_diag_fn fn, void *ud)
{
    ctx->sink = fn;
    ctx->sink_ud = ud;
}

ts_status ts_context_set_fps(ts_context *ctx, unsigned fps)
{
    if (!ts_tc_valid_fps(fps)) {
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                     "frame rate %u out of range (1-120)", fps);
        return TS_ERR_USAGE;
    }
    ctx->fps = fps;
    return TS_OK;
}

void ts_context_set_paragraphs(ts_context *ctx, bool on) { ctx->paragraphs = on; }

void ts_context_set_run_detail(ts_context *ctx, ts_run_detail detail) { ctx->run_detail = detail; }

static ts_status parse_pass_names(ts_context *ctx, const char *list, uint32_t *mask)
{
    *mask = 0;
    const char *p = list;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n) {
            size_t i;
            for (i = 0; i < N_PASSES; i++)
                if (strlen(pass_table[i]->info.name) == n &&
                    memcmp(pass_table[i]->info.name, p, n) == 0)
                    break;
            if (i == N_PASSES) {
                ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_ERROR, TS_DIAG_USAGE,
                             "unknown pass '%.*s' (see 'tscrub passes')", (int)n, p);
                return TS_ERR_USAGE;
            }
            *mask |= 1u << i;
        }
        if (!q) break;
        p = q + 1;
    }
    return TS_OK;
}

ts_status ts_context_select_passes(ts_context *ctx, const char *only, const char *skip)
{
    uint32_t m = default_passes(), x;
    ts_status st;
    if (only) {
        if ((st = parse_pass_names(ctx, only, &x))) return st;
        m = x;
    }
    if (skip) {
        if ((st = parse_pass_names(ctx, skip, &x))) return st;
        m &= ~x;
    }
    ctx->pass_enabled = m;
    return TS_OK;
}

static ts_status add_path(char ***v, size_t *n, const char *path)
{
    char *copy = strdup(path);
    char **p = realloc(*v, (*n + 1) * sizeof *p);
    if (!copy || !p) {
        free(copy);
        if (p) *v = p;
        return TS_ERR_NOMEM;
    }
    *v = p;
    p[(*n)++] = copy;
    return TS_OK;
}

ts_status ts_context_add_dict(ts_context *ctx, const char *path)
{
    return add_path(&ctx->dicts, &ctx->n_dicts, path);
}

ts_status ts_context_add_rules(ts_context *ctx, const char *path)
{
    return add_path(&ctx->rules, &ctx->n_rules, path);
}

ts_status ts_context_set_option(ts_context *ctx, const char *key, const char *value)
{
    for (size_t i = 0; i < ctx->n_opts; i++)
        if (strcmp(ctx->opt_keys[i], key) == 0) {
            char *v = strdup(value);
            if (!v) return TS_ERR_NOMEM;
            free(ctx->opt_values[i]);
            ctx->opt_values[i] = v;
            return TS_OK;
        }
    char **k = realloc(ctx->opt_keys, (ctx->n_opts + 1) * sizeof *k);
    if (!k) return TS_ERR_NOMEM;
    ctx->opt_keys = k;
    char **v = realloc(ctx->opt_values, (ctx->n_opts + 1) * sizeof *v);
    if (!v) return TS_ERR_NOMEM;
    ctx->opt_values = v;
    k[ctx->n_opts] = strdup(key);
    v[ctx->n_opts] = strdup(value);
    if (!k[ctx->n_opts] || !v[ctx->n_opts]) {
        free(k[ctx->n_opts]);
        free(v[ctx->n_opts]);
        return TS_ERR_NOMEM;
    }
    ctx->n_opts++;
    return TS_OK;
}

const char *ts_context_option(const ts_context *ctx, const char *key)
{
    for (size_t i = 0; i < ctx->n_opts; i++)
        if (strcmp(ctx->opt_keys[i], key) == 0) return ctx->opt_values[i];
    return NULL;
}

ts_status ts_context_set_hunspell_dir(ts_context *ctx, const char *dir)
{
    char *copy = strdup(dir);
    if (!copy) return TS_ERR_NOMEM;
    free(ctx->hunspell_dir);
    ctx->hunspell_dir = copy;
    return TS_OK;
}

struct ts_speller *ts_context_speller(ts_context *ctx)
{
    if (ctx->speller || ctx->speller_failed) return ctx->speller;
    const char *dir = ctx->hunspell_dir ? ctx->hunspell_dir : "/usr/share/hunspell";
    const char *lang = ts_context_option(ctx, "lang");
    if (!lang || !*lang || strchr(lang, '/')) lang = "en_US";
    ctx->speller = ts_speller_open(dir, lang);
    if (!ctx->speller) {
        ctx->speller_failed = true;
        ts_diag_emit(ctx, NULL, 0, 0, TS_SEV_WARNING, TS_DIAG_IO,
                     "cannot open the hunspell dictionary %s/%s (install its hunspell package, e.g. hunspell-en-us); "
                     "checks that need it are skipped",
                     dir, lang);
    }
    return ctx->speller;
}

/* ---- the run log ------------------------------------------------------ */

/* The log keeps its own copy of the text before and after each edit, so
 * that segment texts can be rewritten in place: inside the entry when
 * both fit in 16 bytes (nearly all edits), else one block in the run's
 * arena, before then after.  An entry is 48 bytes: a run over a large
 * transcript logs millions of them, and writing them was a fifth of the
 * time of a pass that repairs mojibake. */
#define TEXT_INLINE 16
#define LEN_LONG 0xFFFFu /* both lengths are in front of the text block */

enum { HAS_BEFORE = 1, HAS_AFTER = 2, APPLIED = 4 };

typedef struct {
    union {
        const char *p;
        char in[TEXT_INLINE];
    } text;
    uint32_t line, col, seg;
    float confidence;
    float start;          /* the segment's start, seconds */
    uint32_t message;     /* index into the run's messages; 0: none */
    uint16_t before_len, after_len; /* LEN_LONG: see above */
    uint16_t rule;        /* index into the run's tallies */
    uint8_t severity;
    uint8_t flags;        /* HAS_BEFORE, HAS_AFTER, APPLIED */
} log_entry;

_Static_assert(sizeof(log_entry) == 48, "log entries grew");

/* Entries live in fixed-size chunks: a run over a large transcript logs
 * millions of edits, and a doubling array would copy them and briefly hold
 * both copies. */
#define LOG_CHUNK 4096

typedef struct {
    const ts_rule_info *rule;
    size_t applied, reported;
} rule_tally;

struct ts_run {
    ts_arena arena;   /* texts and messages copied out of the edits */
    log_entry **chunks;
    size_t n, n_chunks;
    const char **msgs; /* malloc'd; msgs[0] unused, a repeat of the last shares it */
    size_t n_msgs;
    bool tally_only;  /* TS_RUN_TALLY: no entries */
    rule_tally *tally; /* malloc'd, in order of first use */
    size_t n_tally, last_tally;
    uint32_t clock;   /* counts the applies; a changed segment takes its value */
    bool no_findings; /* findings are not logged (sweeps after the first) */
};

/* Counts an edit of `rule` and returns the rule's index, or -1.  A run
 * sees a few dozen rules at most, mostly the same one many times over: the
 * last one found is tried first. */
static long tally_add(ts_run *run, const ts_rule_info *rule, bool applied)
{
    size_t i = run->last_tally;
    if (i >= run->n_tally || run->tally[i].rule != rule) {
        for (i = 0; i < run->n_tally && run->tally[i].rule != rule; i++) {}
        if (i == run->n_tally) {
            if (i == UINT16_MAX) return -1;
            rule_tally *p = realloc(run->tally, (run->n_tally + 1) * sizeof *p);
            if (!p) return -1;
            run->tally = p;
            p[run->n_tally++] = (rule_tally){rule, 0, 0};
        }
        run->last_tally = i;
    }
    if (applied) run->tally[i].applied++;
    else run->tally[i].reported++;
    return (long)i;
}

/* The message's index, copying it unless it repeats the last one. */
static int message_index(ts_run *run, const char *msg, uint32_t *out)
{
    *out = 0;
    if (!msg) return 0;
    if (run->n_msgs > 1 && strcmp(run->msgs[run->n_msgs - 1], msg) == 0) {
        *out = (uint32_t)(run->n_msgs - 1);
        return 0;
    }
    if (run->n_msgs >= UINT32_MAX) return -1;
    size_t n = run->n_msgs ? run->n_msgs : 1;
    if ((n & (n - 1)) == 0) { /* grow at powers of two */
        const char **p = realloc(run->msgs, 2 * n * sizeof *p);
        if (!p) return -1;
        run->msgs = p;
    }
    if (!(run->msgs[n] = ts_arena_strdup(&run->arena, msg))) return -1;
    run->n_msgs = n + 1;
    *out = (uint32_t)n;
    return 0;
}

static int text_set(ts_run *run, log_entry *l, const char *before, size_t blen,
                    const char *after, size_t alen)
{
    if (!before) blen = 0;
    if (!after) alen = 0;
    if (blen > UINT32_MAX || alen > UINT32_MAX) return -1;
    l->flags |= (before ? HAS_BEFORE : 0) | (after ? HAS_AFTER : 0);
    if (blen + alen <= TEXT_INLINE) {
        l->before_len = (uint16_t)blen;
        l->after_len = (uint16_t)alen;
        if (blen) memcpy(l->text.in, before, blen);
        if (alen) memcpy(l->text.in + blen, after, alen);
        return 0;
    }
    bool lng = blen >= LEN_LONG || alen >= LEN_LONG;
    size_t head = lng ? 2 * sizeof(uint32_t) : 0;
    char *p = ts_arena_alloc_bytes(&run->arena, head + blen + alen);
    if (!p) return -1;
    if (lng) {
        uint32_t v[2] = {(uint32_t)blen, (uint32_t)alen};
        memcpy(p, v, sizeof v);
        l->before_len = l->after_len = LEN_LONG;
    } else {
        l->before_len = (uint16_t)blen;
        l->after_len = (uint16_t)alen;
    }
    if (blen) memcpy(p + head, before, blen);
    if (alen) memcpy(p + head + blen, after, alen);
    l->text.p = p;
    return 0;
}

/* The texts of entry l: before at *b (blen bytes), after at *a. */
static void text_get(const log_entry *l, const char **b, size_t *blen, const char **a,
                     size_t *alen)
{
    const char *p;
    if (l->before_len == LEN_LONG && l->after_len == LEN_LONG) {
        uint32_t v[2];
        memcpy(v, l->text.p, sizeof v);
        *blen = v[0];
        *alen = v[1];
        p = l->text.p + sizeof v;
    } else {
        *blen = l->before_len;
        *alen = l->after_len;
        p = *blen + *alen <= TEXT_INLINE ? l->text.in : l->text.p;
    }
    *b = l->flags & HAS_BEFORE ? p : NULL;
    *a = l->flags & HAS_AFTER ? p + *blen : NULL;
    if (!*b) *blen = 0;
    if (!*a) *alen = 0;
}

static int run_push(ts_run *run, const ts_segment *s, const ts_edit *e, uint32_t seg,
                    unsigned line, unsigned col, const char *before, size_t before_len,
                    const char *after, size_t after_len, bool applied)
{
    long rule = tally_add(run, e->rule, applied);
    if (rule < 0) return -1;
    if (run->tally_only) return 0;
    if (run->n == run->n_chunks * LOG_CHUNK) {
        log_entry **p = realloc(run->chunks, (run->n_chunks + 1) * sizeof *p);
        if (!p) return -1;
        run->chunks = p;
        if (!(p[run->n_chunks] = malloc(LOG_CHUNK * sizeof **p))) return -1;
        run->n_chunks++;
    }
    log_entry *l = &run->chunks[run->n / LOG_CHUNK][run->n % LOG_CHUNK];
    l->flags = applied ? APPLIED : 0;
    if (message_index(run, e->message, &l->message) ||
        text_set(run, l, before, before_len, after, after_len))
        return -1;
    run->n++;
    l->rule = (uint16_t)rule;
    l->line = line;
    l->col = col;
    l->seg = seg;
    l->confidence = e->confidence;
    l->start = s ? (float)ts_tc_seconds(&s->start) : -1.0f;
    l->severity = e->severity;
    return 0;
}

typedef struct {
    ts_run *run;
    const ts_transcript *t;
} apply_log;

static int log_applied(void *ud, const ts_edit *e, uint32_t seg, unsigned line, unsigned col,
                       const char *before, size_t before_len, const char *after, size_t after_len)
{
    apply_log *al = ud;
    const ts_segment *s = seg < al->t->n ? &al->t->segs[seg] : NULL;
    return run_push(al->run, s, e, seg, line, col, before, before_len, after, after_len, true);
}

size_t ts_run_count(const ts_run *run) { return run ? run->n : 0; }

size_t ts_run_tally_count(const ts_run *run) { return run ? run->n_tally : 0; }

bool ts_run_tally_get(const ts_run *run, size_t i, ts_rule_tally *out)
{
    if (!run || i >= run->n_tally) return false;
    out->rule = run->tally[i].rule->id;
    out->applied = run->tally[i].applied;
    out->reported = run->tally[i].reported;
    return true;
}

bool ts_run_get(const ts_run *run, size_t i, ts_edit_info *out)
{
    if (!run || i >= run->n) return false;
    const log_entry *l = &run->chunks[i / LOG_CHUNK][i % LOG_CHUNK];
    const ts_rule_info *rule = run->tally[l->rule].rule;
    out->rule = rule->id;
    out->message = l->message ? run->msgs[l->message] : rule->description;
    out->severity = (ts_severity)l->severity;
    out->confidence = l->confidence;
    out->applied = l->flags & APPLIED;
    out->line = l->line;
    out->col = l->col;
    out->segment = l->seg;
    out->start = l->start;
    text_get(l, &out->before, &out->before_len, &out->after, &out->after_len);
    out->description = rule->description;
    return true;
}

void ts_run_free(ts_run *run)
{
    if (!run) return;
    for (size_t i = 0; i < run->n_chunks; i++) free(run->chunks[i]);
    free(run->chunks);
    free(run->msgs);
    free(run->tally);
    ts_arena_release(&run->arena);
    free(run);
}

/* ---- the fix loop ----------------------------------------------------- */

/* Logs the findings of a round for segments whose state is final: those
 * the round examined (examined[i - from]; NULL: all) and did not change. */
/* Findings were made on the transcript before `res` was applied; when that
 * rebuilt the segment array they are mapped to their segments' new places
 * (and dropped with a segment that went). */
static ts_status log_findings(ts_run *run, const ts_transcript *t, const ts_edit_list *l,
                              const uint8_t *examined, size_t from, const ts_apply_result *res)
{
    for (size_t i = 0; i < l->n; i++) {
        const ts_edit *e = &l->v[i];
        if (!e->report_only) continue;
        if (examined && (e->seg < from || !examined[e->seg - from])) continue;
        if (res && e->seg >= res->lo && e->seg - res->lo < res->n_touched &&
            res->touched[e->seg - res->lo])
            continue;
        uint32_t seg = res ? ts_apply_new_index(res, e->seg) : e->seg;
        if (seg == TS_SEG_GONE || seg >= t->n) continue;
        const ts_segment *s = &t->segs[seg];
        unsigned line, col;
        uint32_t start = e->start > s->text_len ? s->text_len : e->start;
        uint32_t end = e->end > s->text_len ? s->text_len : e->end;
        ts_segment_source_pos(s, start, &line, &col);
        if (run_push(run, s, e, seg, line, col, s->text + start, end - start, NULL, 0, false))
            return TS_ERR_NOMEM;
    }
    return TS_OK;
}

/* Per-rule settings from the options: "rule.<id>" = off (the rule's edits
 * are dropped: neither applied nor reported) or a level (info, warning,
 * error) that replaces the rule's own. */
static void apply_rule_settings(const ts_context *ctx, ts_edit_list *l)
{
    size_t k;
    for (k = 0; k < ctx->n_opts; k++)
        if (strncmp(ctx->opt_keys[k], "rule.", 5) == 0) break;
    if (k == ctx->n_opts) return;
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++) {
        ts_edit *e = &l->v[i];
        char key[256];
        snprintf(key, sizeof key, "rule.%s", e->rule->id);
        const char *v = ts_context_option(ctx, key);
        if (v) {
            if (strcmp(v, "off") == 0) continue;
            if (strcmp(v, "info") == 0) e->severity = TS_SEV_INFO;
            else if (strcmp(v, "warning") == 0) e->severity = TS_SEV_WARNING;
            else if (strcmp(v, "error") == 0) e->severity = TS_SEV_ERROR;
        }
        l->v[w++] = *e;
    }
    l->n = w;
}

/* Runs pass `pi` in rounds until it proposes nothing applicable.  A
 * segment-local pass sees only the window [from, *to) as its transcript,
 * and after the first round only the segments the previous round changed;
 * its edits are moved back to absolute segment numbers before applying.
 * Structural edits change the segment count; *to follows them. */
static ts_status run_rounds(ts_context *ctx, size_t pi, ts_transcript *t, ts_run *run,
                            ts_edit_list *list, size_t from, size_t *to, uint32_t since)
{
    const ts_pass *p = pass_table[pi];
    ts_status st = TS_OK;
    uint8_t *examined = NULL; /* examined[i - from]; NULL = all segments */
    ts_apply_result res = {0};
    if (p->segment_local) {
        examined = malloc(*to - from ? *to - from : 1);
        if (!examined) return TS_ERR_NOMEM;
        size_t any = 0;
        for (size_t i = from; i < *to; i++)
            any += examined[i - from] = !since || t->segs[i].stamp > since;
        if (!any) {
            free(examined);
            return TS_OK;
        }
    }
    uint8_t *settle = NULL; /* settle[i - from]: 1 all of its edits settle it */
    int round;
    for (round = 0; round < TS_MAX_ROUNDS; round++) {
        ts_edit_list_clear(list);
        if (p->segment_local) {
            ts_transcript window = *t;
            window.segs = t->segs + from;
            window.n = *to - from;
            st = p->run(ctx, ctx->pass_state[pi], &window, examined, list);
            for (size_t i = 0; i < list->n; i++) list->v[i].seg += (uint32_t)from;
        } else {
            st = p->run(ctx, ctx->pass_state[pi], t, NULL, list);
        }
        if (!st && list->failed) st = TS_ERR_NOMEM;
        if (st) break;
        size_t proposed = list->n;
        apply_rule_settings(ctx, list);
        /* Segments whose edits (and no findings) all settle them, as long
         * as the edits are applied as proposed. */
        free(settle);
        settle = NULL;
        if (p->segment_local && list->n == proposed && *to > from) {
            settle = calloc(*to - from, 1);
            if (!settle) {
                st = TS_ERR_NOMEM;
                break;
            }
            for (size_t i = 0; i < list->n; i++) {
                const ts_edit *e = &list->v[i];
                if (e->seg < from || e->seg >= *to) continue;
                uint8_t *m = &settle[e->seg - from];
                *m = e->settles && !e->report_only && *m != 2 ? 1 : 2;
            }
        }
        size_t applicable = 0;
        for (size_t i = 0; i < list->n; i++) applicable += !list->v[i].report_only;
        if (applicable == 0) {
            if (!run->no_findings) st = log_findings(run, t, list, examined, from, NULL);
            break;
        }
        /* A pass that looks across segments may mark every edit of a round
         * (no findings among them) as settling the transcript. */
        bool settles_all = !p->segment_local && list->n == proposed;
        for (size_t i = 0; i < list->n && settles_all; i++)
            settles_all = list->v[i].settles && !list->v[i].report_only;
        ts_apply_result_release(&res);
        apply_log al = {run, t};
        /* a tally-only run needs no positions (run_push keeps only counts) */
        ts_apply_logger logger = {log_applied, &al, run->tally_only};
        if (ts_edits_apply(t, list->v, list->n, &logger, &res)) {
            st = TS_ERR_NOMEM;
            break;
        }
        /* Findings in segments this round did not change are final; a pass
         * that looks across segments reports only the settled transcript,
         * since a finding may be about a neighbour that changed. */
        if ((p->segment_local || res.applied == 0 || round + 1 == TS_MAX_ROUNDS) &&
            !run->no_findings && (st = log_findings(run, t, list, examined, from, &res)))
            break;
        *to = *to + res.n_after - res.n_before;
        if (res.applied == 0) break;
        run->clock++;
        for (size_t k = 0; k < res.n_dirty; k++)
            if (res.dirty[k] && res.lo + k < t->n) t->segs[res.lo + k].stamp = run->clock;
        /* ...and when all of them went in as proposed, the round that
         * would confirm it is not run */
        if (settles_all && res.deferred == 0 && res.applied == applicable) break;
        if (p->segment_local) {
            /* Next round: the segments this one changed. */
            free(examined);
            examined = calloc(*to - from ? *to - from : 1, 1);
            if (!examined) {
                st = TS_ERR_NOMEM;
                break;
            }
            bool settled = settle && res.deferred == 0 && !res.new_index;
            for (size_t k = 0; k < res.n_dirty; k++) {
                size_t i = res.lo + k;
                if (res.dirty[k] && i >= from && i < *to && !(settled && settle[i - from] == 1))
                    examined[i - from] = 1;
            }
        }
    }
    if (!st && round == TS_MAX_ROUNDS)
        ts_diag_emit(ctx, t->name, 0, 0, TS_SEV_WARNING, TS_DIAG_UNSETTLED,
                     "pass '%s' still proposed edits after %d rounds", p->info.name,
                     TS_MAX_ROUNDS);
    ts_apply_result_release(&res);
    free(examined);
    free(settle);
    return st;
}

/* Segment-local passes run over windows of segments, so the edit list and
 * the per-round bookkeeping stay small however long the transcript is. */
#define LOCAL_CHUNK 4096

/* Runs pass `pi`: over every segment (since 0), or, for a segment-local
 * pass, over those changed after clock value `since`. */
static ts_status run_pass(ts_context *ctx, size_t pi, ts_transcript *t, ts_run *run,
                          ts_edit_list *list, uint32_t since)
{
    const ts_pass *p = pass_table[pi];
    ts_status st = TS_OK;
    if (p->state_new && !ctx->pass_state[pi]) {
        st = p->state_new(ctx, &ctx->pass_state[pi]);
        if (st) return st;
    }
    if (!p->segment_local) {
        size_t to = t->n;
        return run_rounds(ctx, pi, t, run, list, 0, &to, 0);
    }
    for (size_t from = 0; from < t->n && !st;) {
        size_t to = from + LOCAL_CHUNK < t->n ? from + LOCAL_CHUNK : t->n;
        st = run_rounds(ctx, pi, t, run, list, from, &to, since);
        from = to;
    }
    return st;
}

/* Each pass runs until it proposes nothing, but a later pass can change
 * what an earlier one saw ("servicess" spelled "services" completes a term
 * the dictionary pass had to leave): the passes sweep again, in order,
 * until no pass changes anything after an earlier one ran (fix twice must
 * be fix once), at most TS_MAX_SWEEPS times.  A sweep after the first
 * skips a pass when nothing changed since it last ran, gives a
 * segment-local pass only the segments changed since, and logs applied
 * edits only: the findings are those of the first sweep. */
#define TS_MAX_SWEEPS 4

ts_status ts_fix(ts_context *ctx, ts_transcript *t, ts_run **out)
{
    *out = NULL;
    ts_run *run = calloc(1, sizeof *run);
    if (!run) return TS_ERR_NOMEM;
    ts_arena_init(&run->arena);
    run->tally_only = ctx->run_detail == TS_RUN_TALLY;
    ts_edit_list list;
    ts_edit_list_init(&list);
    ts_status st = TS_OK;
    for (size_t i = 0; i < t->n; i++) t->segs[i].stamp = 0;
    uint32_t done_at[N_PASSES] = {0}; /* run->clock when pass i last finished */
    int sweep;
    for (sweep = 0; sweep < TS_MAX_SWEEPS && !st; sweep++) {
        run->no_findings = sweep > 0;
        bool ran = false, stale = false; /* stale: a pass changed text an earlier one saw */
        for (size_t i = 0; i < N_PASSES && !st; i++) {
            if (!(ctx->pass_enabled & (1u << i))) continue;
            if (sweep && run->clock == done_at[i]) continue;
            uint32_t before = run->clock;
            st = run_pass(ctx, i, t, run, &list, sweep ? done_at[i] : 0);
            if (run->clock != before && ran) stale = true;
            done_at[i] = run->clock;
            ran = true;
        }
        if (!stale) break;
    }
    if (!st && sweep == TS_MAX_SWEEPS)
        ts_diag_emit(ctx, t->name, 0, 0, TS_SEV_WARNING, TS_DIAG_UNSETTLED,
                     "the passes still changed each other's results after %d sweeps",
                     TS_MAX_SWEEPS);
    ts_edit_list_release(&list);
    if (st) {
        ts_run_free(run);
        return st;
    }
    *out = run;
    return TS_OK;
}
