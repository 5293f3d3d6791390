/*
 * dict_export.c - `tscrub dict export --as aws|deepgram|whisper-prompt`.
 *
 * Loads the term lists named with --dict and as arguments, and writes them
 * in a form a recogniser takes as a hint, so the same list that repairs a
 * transcript also biases the recognition upstream: an AWS Transcribe custom
 * vocabulary table, a Deepgram keyterm list, or a Whisper prompt.  A bad
 * term list is reported as file:line:col and exits 2, like a bad transcript.
 */
#include <errno.h>
#include <string.h>

#include "../atomic.h"
#include "../dict.h"
#include "cli.h"

static int dict_usage(void)
{
    fprintf(stderr,
            "usage: tscrub dict export --as aws|deepgram|whisper-prompt [-o FILE] "
            "[--dict FILE]... [FILE]...\n");
    return EXIT_TROUBLE;
}

int cmd_dict(cli_options *opt)
{
    if (!opt->sub || strcmp(opt->sub, "export") != 0) return dict_usage();
    ts_export_kind kind;
    if (!opt->as) {
        fprintf(stderr, "tscrub: error: dict export needs --as aws, deepgram or whisper-prompt\n");
        return EXIT_TROUBLE;
    }
    if (strcmp(opt->as, "aws") == 0) kind = TS_EXPORT_AWS;
    else if (strcmp(opt->as, "deepgram") == 0) kind = TS_EXPORT_DEEPGRAM;
    else if (strcmp(opt->as, "whisper-prompt") == 0) kind = TS_EXPORT_WHISPER;
    else {
        fprintf(stderr, "tscrub: error: --as takes aws, deepgram or whisper-prompt, not '%s'\n",
                opt->as);
        return EXIT_TROUBLE;
    }
    if (opt->n_dicts == 0 && opt->n_files < 1) {
        fprintf(stderr, "tscrub: error: dict export needs a term list (--dict FILE or FILE)\n");
        return EXIT_TROUBLE;
    }
    ts_context *ctx = cli_context(opt);
    if (!ctx) return EXIT_TROUBLE;
    int rc = EXIT_CLEAN;
    ts_termset set;
    ts_termset_init(&set);
    for (size_t i = 0; i < opt->n_dicts && !rc; i++)
        if (ts_termset_load(&set, ctx, opt->dicts[i])) rc = EXIT_TROUBLE;
    for (int i = 0; i < opt->n_files && !rc; i++)
        if (ts_termset_load(&set, ctx, opt->files[i])) rc = EXIT_TROUBLE;
    if (rc) goto out;
    size_t left = 0;
    if (!opt->output) {
        if (ts_termset_export(&set, kind, cli_write_stdio, stdout, &left)) {
            rc = cli_stdout_error();
            goto out;
        }
    } else {
        ts_atomic_file f;
        if (ts_atomic_open(&f, opt->output)) {
            fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", opt->output, strerror(errno));
            rc = EXIT_TROUBLE;
            goto out;
        }
        if (ts_termset_export(&set, kind, ts_atomic_write, &f, &left) || ts_atomic_commit(&f)) {
            int e = f.err ? f.err : errno;
            ts_atomic_abort(&f);
            fprintf(stderr, "%s: error: cannot write: %s [input/io]\n", opt->output,
                    strerror(e ? e : EIO));
            rc = EXIT_TROUBLE;
            goto out;
        }
    }
    if (left && !opt->quiet)
        fprintf(stderr, "tscrub: warning: %zu term(s) left out (%s)\n", left,
                kind == TS_EXPORT_WHISPER ? "past Whisper's 224-token prompt window"
                                          : "no letters AWS accepts");
out:
    ts_termset_release(&set);
    ts_context_free(ctx);
    return rc;
}
