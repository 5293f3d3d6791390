/*
 * lint_output.h - what `tscrub lint` shows, and how.
 *
 * A lint report collects the findings of every file (applied edits and
 * findings no rule fixes), drops those in the baseline, sorts them
 * deterministically (file, line, column, rule) and writes them in one of
 * the formats CI tools read: text, json, sarif (2.1.0), github (workflow
 * commands), rdjsonl (reviewdog) or checkstyle.  It also decides lint's
 * exit status: 1 when a reported finding is at or above --fail-on.
 */
#ifndef TS_LINT_OUTPUT_H
#define TS_LINT_OUTPUT_H

#include "cli.h"

typedef struct lint_report lint_report;

/* Checks the format name and loads the baseline; NULL after printing the
 * problem (exit 2). */
lint_report *lint_report_new(const cli_options *opt);
void lint_report_free(lint_report *r);

/* Call before ts_fix on each file: remembers where its segments start,
 * their timecodes and text (for fingerprints), and the source's line
 * starts (for byte columns).  `src` is the file's bytes.  0 or -1 (memory). */
int lint_report_begin(lint_report *r, const char *name, const ts_transcript *t, const char *src,
                      size_t src_len);
/* Adds the run of the file begun last.  0 or -1 (memory). */
int lint_report_add(lint_report *r, const ts_run *run);
/* Writes the report (and the baseline with --write-baseline) and returns
 * the exit status: EXIT_CLEAN, EXIT_FINDINGS or EXIT_TROUBLE. */
int lint_report_finish(lint_report *r);

#endif
