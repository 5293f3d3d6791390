/*
 * rules_cmd.c - `tscrub rules test [PACK|FILE...]`: runs every example of
 * the named rule packs (all bundled packs when none is named); `tscrub
 * rules list [PACK|FILE...]`: their rules, ids, levels and fix modes.
 *
 * Failing examples and broken packs are reported on stderr as located
 * errors by the library; the closing line on stdout counts the examples,
 * "rules: N passed, N failed", so test harnesses can add it to their
 * totals.  A pack that does not load counts as one failure.  Exit 0 when
 * everything passed, 2 otherwise.
 */
#include <string.h>

#include "cli.h"

static void print_rule(void *ud, const ts_rule_info *r, const char *fix)
{
    (void)ud;
    printf("  %-34s %-7s %-7s  %s\n", r->id, ts_severity_name(r->severity), fix, r->description);
}

static int list(ts_context *ctx, cli_options *opt)
{
    int rc = EXIT_CLEAN;
    int n = opt->n_files - 1;
    size_t total = n > 0 ? (size_t)n : ts_rules_bundled_count();
    for (size_t i = 0; i < total; i++) {
        const char *pack = n > 0 ? opt->files[i + 1] : ts_rules_bundled_name(i);
        printf("%s\n", pack);
        if (ts_rules_list(ctx, pack, print_rule, NULL)) rc = EXIT_TROUBLE;
    }
    return rc;
}

int cmd_rules(cli_options *opt)
{
    if (opt->n_files < 1 ||
        (strcmp(opt->files[0], "test") != 0 && strcmp(opt->files[0], "list") != 0)) {
        fprintf(stderr, "tscrub: error: usage: tscrub rules test|list [PACK|FILE...]\n"
                        "Try 'tscrub --help'.\n");
        return EXIT_TROUBLE;
    }
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    if (strcmp(opt->files[0], "list") == 0) {
        int rc = list(ctx, opt);
        ts_context_free(ctx);
        return rc;
    }
    size_t passed = 0, failed = 0;
    int rc = EXIT_CLEAN;
    int n = opt->n_files - 1;
    size_t total = n > 0 ? (size_t)n : ts_rules_bundled_count();
    for (size_t i = 0; i < total; i++) {
        const char *pack = n > 0 ? opt->files[i + 1] : ts_rules_bundled_name(i);
        size_t f = 0;
        ts_status st = ts_rules_test(ctx, pack, &passed, &f);
        if (st) {
            rc = EXIT_TROUBLE;
            if (f == 0) f = 1;
        }
        failed += f;
    }
    printf("rules: %zu passed, %zu failed\n", passed, failed);
    ts_context_free(ctx);
    return rc;
}
