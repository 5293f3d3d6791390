/*
 * options.c - option parsing, the stderr diagnostic sink, and small I/O
 * helpers shared by the subcommands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

enum {
    OPT_FROM = 256, OPT_TO, OPT_ONLY, OPT_SKIP, OPT_DICT, OPT_RULES, OPT_FPS,
    OPT_PARAGRAPHS, OPT_FAIL_ON, OPT_NAMES, OPT_SET, OPT_OUT_DIR, OPT_BACKUP, OPT_FORMAT,
    OPT_MIN_LEVEL, OPT_BASELINE, OPT_WRITE_BASELINE, OPT_CONFIG, OPT_NO_CONFIG, OPT_REF, OPT_RAW,
    OPT_JSON, OPT_AS, OPT_ALIAS
};

/* Options that set a pass option: `--NAME VALUE` is `--set KEY=VALUE`, and
 * a flag without argument sets KEY to "1".  One row per option. */
static const struct {
    const char *name, *key;
    int has_arg;
} pass_option_aliases[] = {
    {"speaker-turns", "speaker-turns", 1},
    {"strict", "rules-strict", 0},
    {"speakers", "speakers", 1},
    {"merge-turns", "merge-turns", 0},
    {"sound-tags", "sound-tags", 1},
    {"sort-timing", "sort-timing", 0},
    {"clip-overlaps", "clip-overlaps", 0},
    {"min-duration", "min-duration", 1},
    {"straighten-quotes", "straighten-quotes", 0},
    {"consistent-quotes", "consistent-quotes", 0},
    {"fullwidth", "fullwidth", 0},
    {"ligatures", "ligatures", 0},
    {"html-entities", "html-entities", 1},
    {"lang", "lang", 1},
    {NULL, NULL, 0},
};
#define N_ALIASES (sizeof pass_option_aliases / sizeof pass_option_aliases[0] - 1)

static const struct option fixed_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"in-place", no_argument, NULL, 'i'},
    {"recursive", no_argument, NULL, 'r'},
    {"jobs", required_argument, NULL, 'j'},
    {"out-dir", required_argument, NULL, OPT_OUT_DIR},
    {"backup", optional_argument, NULL, OPT_BACKUP},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"only", required_argument, NULL, OPT_ONLY},
    {"skip", required_argument, NULL, OPT_SKIP},
    {"dict", required_argument, NULL, OPT_DICT},
    {"rules", required_argument, NULL, OPT_RULES},
    {"fps", required_argument, NULL, OPT_FPS},
    {"paragraphs", no_argument, NULL, OPT_PARAGRAPHS},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"names", no_argument, NULL, OPT_NAMES},
    {"set", required_argument, NULL, OPT_SET},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"min-level", required_argument, NULL, OPT_MIN_LEVEL},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"ref", required_argument, NULL, OPT_REF},
    {"raw", required_argument, NULL, OPT_RAW},
    {"json", no_argument, NULL, OPT_JSON},
    {"as", required_argument, NULL, OPT_AS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "tscrub: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'tscrub --help'.\n");
    return EXIT_TROUBLE;
}

static int push(const char ***v, size_t *n, const char *s)
{
    const char **p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p) return -1;
    *v = p;
    p[(*n)++] = s;
    return 0;
}

static char *alias_value(const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s=%s", key, value);
    return s;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_options *opt)
{
    memset(opt, 0, sizeof *opt);
    size_t nfixed = sizeof fixed_options / sizeof fixed_options[0] - 1;
    struct option long_options[sizeof fixed_options / sizeof fixed_options[0] + N_ALIASES];
    memcpy(long_options, fixed_options, nfixed * sizeof *long_options);
    for (size_t i = 0; pass_option_aliases[i].name; i++)
        long_options[nfixed + i] = (struct option){pass_option_aliases[i].name,
                                                   pass_option_aliases[i].has_arg ? required_argument : no_argument,
                                                   NULL, OPT_ALIAS + (int)i};
    long_options[nfixed + N_ALIASES] = (struct option){NULL, 0, NULL, 0};
    opt->fps = 30;
    opt->fail_on = TS_SEV_WARNING;
    /* "tscrub dict export --as ...": a command with a subcommand word */
    if (cmd && strcmp(cmd->name, "dict") == 0 && argc > 1 && argv[1][0] != '-') {
        opt->sub = argv[1];
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:irj:qhV", long_options, NULL)) != -1) {
        switch (c) {
        case 'o': opt->output = optarg; break;
        case 'i': opt->in_place = true; break;
        case 'r': opt->recursive = true; break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 256)
                return usage_error("--jobs needs a number from 1 to 256, not '%s'", optarg);
            opt->jobs = (unsigned)v;
            break;
        }
        case OPT_OUT_DIR: opt->out_dir = optarg; break;
        case OPT_BACKUP: opt->backup = optarg ? optarg : "~"; break;
        case 'q': opt->quiet = true; break;
        case 'h': cli_usage(stdout); return -1;
        case 'V': printf("tscrub %s\n", TS_VERSION); return -1;
        case OPT_FROM: opt->from = optarg; break;
        case OPT_TO: opt->to = optarg; break;
        case OPT_ONLY: opt->only = optarg; break;
        case OPT_SKIP: opt->skip = optarg; break;
        case OPT_DICT:
            if (push(&opt->dicts, &opt->n_dicts, optarg)) return usage_error("%s", "out of memory");
            break;
        case OPT_RULES:
            if (push(&opt->rules, &opt->n_rules, optarg)) return usage_error("%s", "out of memory");
            break;
        case OPT_FPS: {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 120)
                return usage_error("--fps needs a frame rate from 1 to 120, not '%s'", optarg);
            opt->fps = (unsigned)v;
            opt->fps_set = true;
            break;
        }
        case OPT_PARAGRAPHS: opt->paragraphs = true; break;
        case OPT_NAMES: opt->names = true; break;
        case OPT_REF: opt->ref = optarg; break;
        case OPT_RAW: opt->raw = optarg; break;
        case OPT_JSON: opt->json = true; break;
        case OPT_AS: opt->as = optarg; break;
        case OPT_FAIL_ON:
            if (strcmp(optarg, "info") == 0) opt->fail_on = TS_SEV_INFO;
            else if (strcmp(optarg, "warning") == 0) opt->fail_on = TS_SEV_WARNING;
            else if (strcmp(optarg, "error") == 0) opt->fail_on = TS_SEV_ERROR;
            else if (strcmp(optarg, "never") == 0) opt->fail_never = true;
            else return usage_error("--fail-on takes info, warning, error or never, not '%s'", optarg);
            break;
        case OPT_FORMAT: opt->format = optarg; break;
        case OPT_MIN_LEVEL:
            if (strcmp(optarg, "info") == 0) opt->min_level = TS_SEV_INFO;
            else if (strcmp(optarg, "warning") == 0) opt->min_level = TS_SEV_WARNING;
            else if (strcmp(optarg, "error") == 0) opt->min_level = TS_SEV_ERROR;
            else return usage_error("--min-level takes info, warning or error, not '%s'", optarg);
            break;
        case OPT_BASELINE: opt->baseline = optarg; break;
        case OPT_WRITE_BASELINE: opt->write_baseline = optarg; break;
        case OPT_CONFIG: opt->config = optarg; break;
        case OPT_NO_CONFIG: opt->no_config = true; break;
        case OPT_SET:
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return usage_error("--set needs KEY=VALUE, not '%s'", optarg);
            if (push(&opt->sets, &opt->n_sets, optarg)) return usage_error("%s", "out of memory");
            break;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            if (c >= OPT_ALIAS && c < OPT_ALIAS + (int)N_ALIASES) {
                size_t k = (size_t)(c - OPT_ALIAS);
                char *s = alias_value(pass_option_aliases[k].key,
                                      pass_option_aliases[k].has_arg ? optarg : "1");
                if (!s || push(&opt->sets, &opt->n_sets, s)) {
                    free(s);
                    return usage_error("%s", "out of memory");
                }
                if (push(&opt->owned, &opt->n_owned, s)) return usage_error("%s", "out of memory");
                break;
            }
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    opt->files = argv + optind;
    opt->n_files = argc - optind;
    if ((opt->output != NULL) + opt->in_place + (opt->out_dir != NULL) > 1)
        return usage_error("%s", "--output, --out-dir and --in-place exclude each other");
    if (opt->output && opt->n_files > 1)
        return usage_error("%s", "--output takes a single input file; use --out-dir");
    if (opt->backup && !opt->in_place)
        return usage_error("%s", "--backup goes with --in-place");
    if (opt->backup && (!*opt->backup || strchr(opt->backup, '/')))
        return usage_error("--backup needs a suffix without '/', not '%s'", opt->backup);
    (void)cmd;
    return cli_config_load(opt);
}

void cli_options_release(cli_options *opt)
{
    for (size_t i = 0; i < opt->n_owned; i++) free((char *)opt->owned[i]);
    free(opt->owned);
    free(opt->dicts);
    free(opt->rules);
    free(opt->sets);
    opt->dicts = opt->rules = opt->sets = opt->owned = NULL;
}

static void stderr_sink(void *ud, const ts_diagnostic *d)
{
    const cli_options *opt = ud;
    if (opt->quiet && d->severity != TS_SEV_ERROR) return;
    const char *file = d->file ? d->file : "tscrub";
    if (d->line)
        fprintf(stderr, "%s:%u:%u: %s: %s [%s]\n", file, d->line, d->col ? d->col : 1,
                ts_severity_name(d->severity), d->message, d->rule);
    else
        fprintf(stderr, "%s: %s: %s [%s]\n", file, ts_severity_name(d->severity), d->message,
                d->rule);
}

ts_context *cli_context(const cli_options *opt)
{
    ts_context *ctx = ts_context_new();
    if (!ctx) {
        fprintf(stderr, "tscrub: error: out of memory\n");
        return NULL;
    }
    ts_context_set_sink(ctx, stderr_sink, (void *)opt);
    ts_context_set_paragraphs(ctx, opt->paragraphs);
    const char *hd = getenv("TSCRUB_HUNSPELL_DIR");
    if ((ts_context_set_fps(ctx, opt->fps)) ||
        ts_context_select_passes(ctx, opt->only, opt->skip) ||
        (hd && ts_context_set_hunspell_dir(ctx, hd))) {
        ts_context_free(ctx);
        return NULL;
    }
    for (size_t i = 0; i < opt->n_dicts; i++)
        if (ts_context_add_dict(ctx, opt->dicts[i])) goto fail;
    for (size_t i = 0; i < opt->n_rules; i++)
        if (ts_context_add_rules(ctx, opt->rules[i])) goto fail;
    if (opt->findings_unused && ts_context_set_option(ctx, "findings", "0")) goto fail;
    for (size_t i = 0; i < opt->n_sets; i++) {
        const char *eq = strchr(opt->sets[i], '=');
        char key[128];
        size_t kl = (size_t)(eq - opt->sets[i]);
        if (kl >= sizeof key) kl = sizeof key - 1;
        memcpy(key, opt->sets[i], kl);
        key[kl] = '\0';
        if (ts_context_set_option(ctx, key, eq + 1)) goto fail;
    }
    return ctx;
fail:
    fprintf(stderr, "tscrub: error: out of memory\n");
    ts_context_free(ctx);
    return NULL;
}

int cli_slurp(const char *path, char **data, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    int err = 0;
    while (buf) {
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) { free(buf); buf = NULL; errno = ENOMEM; break; }
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) err = errno ? errno : EIO;
            break;
        }
    }
    if (f != stdin) fclose(f);
    if (!buf || err) {
        free(buf);
        if (err) errno = err;
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_write_stdio(void *ud, const char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ud) == len ? 0 : -1;
}

int cli_stdout_error(void)
{
    fprintf(stderr, "tscrub: error: writing to standard output: %s\n",
            errno ? strerror(errno) : "write error");
    return EXIT_TROUBLE;
}
