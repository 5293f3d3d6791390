/*
 * rules.h - rule packs: loading, validating, compiling and matching them.
 *
 * A rule pack is an XML file (rules/NAME.xml) validated against rules/rules.rng.
 * It is parsed by libxml2 with no network access, no DTD and no entity
 * expansion; every rule's patterns are compiled once with PCRE2 (UTF + UCP)
 * and JIT-compiled.  A rule set is the union of the packs a context loaded;
 * the `rules` pass owns one per context.  Regexes written by users run with
 * low match/depth/heap limits and a per-rule time budget: a rule that hits
 * them is stopped (for the rest of the set's life) and reported once, so a
 * catastrophic pattern never stalls a run.
 *
 * The bundled packs (rules/NAME.xml in the source tree) and the schema are
 * compiled in, so `core` works without any installed data; a pack argument
 * that names a bundled pack ("core", "clean-verbatim") loads it, anything
 * else is a file path.
 */
#ifndef TS_RULES_H
#define TS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tscrub.h"

typedef struct ts_rule_set ts_rule_set;
typedef struct ts_rule ts_rule;

typedef enum { TS_FIX_AUTO = 0, TS_FIX_SUGGEST, TS_FIX_NONE } ts_fix_mode;

/* Why a rule was stopped. */
typedef enum { TS_RULE_RUNNING = 0, TS_RULE_LIMIT, TS_RULE_BUDGET } ts_rule_state;

ts_rule_set *ts_rule_set_new(void);
void ts_rule_set_free(ts_rule_set *set);

/* Per-rule time budget: `base_ms` plus `ns_per_byte` for every byte the rule
 * has scanned; a rule that spends more is stopped. */
void ts_rule_set_budget(ts_rule_set *set, double base_ms, double ns_per_byte);

/* Loads a pack (a bundled pack's name or a file path) into the set.  Every
 * problem goes to the context's sink as a located error and gives
 * TS_ERR_INPUT; the set is then unchanged.  With `run_examples`, every
 * example is run too and a failing one is an error; *passed and *failed
 * (may be NULL) count the examples. */
ts_status ts_rule_set_load(ts_context *ctx, ts_rule_set *set, const char *pack, bool run_examples,
                           size_t *passed, size_t *failed);

size_t ts_rule_set_count(const ts_rule_set *set);
ts_rule *ts_rule_set_at(ts_rule_set *set, size_t i);
const ts_rule_info *ts_rule_info_of(const ts_rule *r);
ts_fix_mode ts_rule_fix_mode(const ts_rule *r);
ts_rule_state ts_rule_get_state(const ts_rule *r);

/* Charges the rule `ns` nanoseconds spent scanning `bytes`; returns 1 when
 * that puts it over its budget (it is stopped now; report it once). */
int ts_rule_charge(ts_rule *r, double ns, size_t bytes);

/* One accepted match, valid during the callback.  `expand` writes the
 * rule's replacement (what = 0) or its message (what = 1) for this match
 * into `out` (replacing its contents); it returns 0, or -1 when the rule
 * has no replacement or the template failed. */
typedef struct ts_rule_match ts_rule_match;
typedef int (*ts_rule_match_fn)(void *ud, ts_rule *r, const ts_rule_match *m, uint32_t start,
                                uint32_t end);
int ts_rule_expand(const ts_rule_match *m, int what, ts_buf *out);

/* Runs the rule over text[0..len) (valid UTF-8) and calls fn for every
 * match that no `unless` pattern overlaps, in order.  Returns 0; 1 when the
 * rule hit a limit or its budget now (it is stopped; report it once); -1
 * when fn failed or memory ran out.  A stopped rule finds nothing. */
int ts_rule_scan(ts_rule *r, const char *text, size_t len, ts_rule_match_fn fn, void *ud);

#endif
