/*
 * main.c - the tscrub command: dispatches to a subcommand from one table.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"fix", "clean transcripts and write the result", cmd_fix},
    {"lint", "report what fix would change and what it cannot fix", cmd_lint},
    {"diff", "show the changes fix would make as a unified diff", cmd_diff},
    {"convert", "read and write in another format, no passes", cmd_convert},
    {"review", "write an HTML page to review every change (-o FILE)", cmd_review},
    {"passes", "list every pass and rule", cmd_passes},
    {"rules", "rules test|list [PACK|FILE...]: run the examples of rule packs, or list their rules", cmd_rules},
    {"score", "WER, WDER, cpWER of a transcript against a reference", cmd_score},
    {"dict", "export term lists for a speech recogniser (see tscrub(1))", cmd_dict},
    {"formats", "list every format, its extensions and how it is detected", cmd_formats},
};

void cli_usage(FILE *to)
{
    fprintf(to,
            "usage: tscrub COMMAND [OPTIONS] [FILE|-]...\n"
            "\n"
            "Cleans ASR transcripts: broken lines, spacing, sentence capitals, and more.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(to,
            "\n"
            "Options:\n"
            "  -o, --output FILE    write to FILE instead of stdout (replaced atomically)\n"
            "  -i, --in-place       rewrite each input file atomically (fix)\n"
            "      --backup[=SUF]   with --in-place: keep the original as FILE~ (or FILE+SUF)\n"
            "      --out-dir DIR    write each result under DIR, mirroring the input tree\n"
            "  -r, --recursive      process the transcripts in directories\n"
            "  -j, --jobs N         files processed in parallel (default: one per core)\n"
            "      --from FORMAT    input format (default: detect)\n"
            "      --to FORMAT      output format (default: the input's)\n"
            "      --only PASS,...  run only these passes\n"
            "      --skip PASS,...  do not run these passes\n"
            "      --dict FILE      add a term list (repeatable)\n"
            "      --lang LANG      hunspell dictionary for spelling (default en_US)\n"
            "      --rules FILE     add a rule pack (repeatable)\n"
            "      --fps N          frame rate of HH:MM:SS:FF timecodes (default 30)\n"
            "      --paragraphs     text format: one segment per paragraph, not per line\n"
            "      --set KEY=VALUE  set a pass option (repeatable; see tscrub(1))\n"
            "      --speakers MAP   rename speakers: \"SPEAKER_00=Stefan,SPEAKER_01=Jens\"\n"
            "      --merge-turns    join consecutive segments of one speaker\n"
            "      --speaker-turns F  relabel segments (or words, with word times) by an RTTM file's turns\n"
            "      --html-entities M  decode &amp; &#39; ...: auto (plain-text formats), on, off\n"
            "      --straighten-quotes  curly quotes to straight (off by default)\n"
            "      --consistent-quotes  quotes and apostrophes in the document's dominant style\n"
            "      --fullwidth      fullwidth forms to ASCII (off by default)\n"
            "      --ligatures      Latin ligatures to letters (off by default)\n"
            "      --sound-tags M   sound tags: keep (unify the style), bracket, remove\n"
            "      --sort-timing    put segments that are out of time order in place\n"
            "      --clip-overlaps  cut a segment that runs into its speaker's next one\n"
            "      --min-duration S merge shorter segments into a neighbour of the same speaker\n"
            "      --ref FILE       score: the reference transcript\n"
            "      --raw FILE       score: the transcript before fixing (change precision)\n"
            "      --json           score: JSON output\n"
            "      --fail-on LEVEL  lint exits 1 on findings at or above LEVEL:\n"
            "                       info, warning (default), error, never\n"
            "      --format F       lint output: text (default), json, sarif, github,\n"
            "                       rdjsonl, checkstyle\n"
            "      --min-level L    lint shows findings at or above L (default info)\n"
            "      --baseline FILE  lint hides findings listed in FILE\n"
            "      --write-baseline FILE  lint writes every finding to FILE, exits 0\n"
            "      --strict         run the rule packs' examples when loading them\n"
            "      --config FILE    read FILE instead of the nearest tscrub.ini\n"
            "      --no-config      read no tscrub.ini\n"
            "  -q, --quiet          no warnings on stderr, errors only\n"
            "  -h, --help           this help\n"
            "  -V, --version        the version\n"
            "\n"
            "Formats:\n");
    for (size_t i = 0; i < ts_format_count(); i++) {
        const ts_format_info *f = ts_format_at(i);
        fprintf(to, "  %-9s %s\n            detected by %s\n", f->name, f->description, f->detection);
    }
    fprintf(to,
            "\n"
            "Exit status: 0 success (lint: clean; diff: no changes), 1 lint findings at or\n"
            "above --fail-on or diff changes, 2 usage, input or output error.\n"
            "See tscrub(1).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_TROUBLE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        cli_usage(stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_CLEAN : cli_stdout_error();
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("tscrub %s\n", TS_VERSION);
        return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_CLEAN : cli_stdout_error();
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) != 0) continue;
        cli_options opt;
        int rc = cli_parse(&commands[i], argc - 1, argv + 1, &opt);
        if (rc == 0) rc = commands[i].run(&opt);
        else if (rc < 0) rc = EXIT_CLEAN;
        cli_options_release(&opt);
        if (fflush(stdout) != 0 || ferror(stdout)) rc = cli_stdout_error();
        return rc;
    }
    fprintf(stderr, "tscrub: error: unknown command '%s'\n", name);
    cli_usage(stderr);
    return EXIT_TROUBLE;
}
