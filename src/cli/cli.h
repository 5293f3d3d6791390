/*
 * cli.h - shared declarations of the command-line front end.
 *
 * Only the CLI prints and chooses exit codes: 0 success or clean, 1
 * findings at or above --fail-on (lint) or differences (diff), 2 usage,
 * input or output error.
 */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../tscrub.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_TROUBLE = 2 };

typedef struct {
    const char *from, *to, *only, *skip, *output;
    const char *format, *baseline, *write_baseline, *config; /* lint and configuration */
    ts_severity min_level;
    bool no_config, fps_set;
    const char *ref, *raw;               /* score */
    bool json;
    const char *as;                      /* dict export: aws, deepgram, whisper-prompt */
    const char *sub;                     /* a command's subcommand word (dict export) */
    const char **dicts, **rules, **sets; /* sets: "key=value" pass options */
    size_t n_dicts, n_rules, n_sets;
    const char **owned;                  /* malloc'd strings to free */
    size_t n_owned;
    unsigned fps;
    bool quiet, paragraphs, in_place, names, recursive;
    bool findings_unused;            /* fix, diff: passes may skip work for findings */
    const char *out_dir, *backup;   /* backup: suffix, NULL for none */
    unsigned jobs;                  /* 0: one per core */
    ts_severity fail_on;
    bool fail_never;
    char **files;
    int n_files;
} cli_options;

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(cli_options *opt);
} cli_command;

/* Parses argv after the command name; returns 0, or EXIT_TROUBLE after
 * printing the problem, or -1 when --help/--version was handled. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_options *opt);
void cli_options_release(cli_options *opt);
/* A context configured from the options, with the stderr sink. */
ts_context *cli_context(const cli_options *opt);
void cli_usage(FILE *to);
/* Reads a whole file ("-" is stdin) into a malloc'd buffer. */
int cli_slurp(const char *path, char **data, size_t *len);
/* ts_write_fn over a FILE*. */
int cli_write_stdio(void *ud, const char *data, size_t len);
/* Reports a failed write to stdout; returns EXIT_TROUBLE. */
int cli_stdout_error(void);

int cli_fix_jsonl(cli_options *opt);
int cmd_fix(cli_options *opt);
int cmd_lint(cli_options *opt);
int cmd_diff(cli_options *opt);
int cmd_convert(cli_options *opt);
int cmd_passes(cli_options *opt);
int cmd_formats(cli_options *opt);
int cmd_review(cli_options *opt);
int cmd_rules(cli_options *opt);
int cmd_score(cli_options *opt);
int cmd_dict(cli_options *opt);

#endif
