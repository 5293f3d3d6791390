/*
 * config.h - the project configuration file, tscrub.ini.
 */
#ifndef TS_CLI_CONFIG_H
#define TS_CLI_CONFIG_H

#include "cli.h"

/* Loads --config FILE, or the first tscrub.ini in the current directory or
 * above (unless --no-config), into the options; the command line keeps
 * precedence.  Returns 0, or EXIT_TROUBLE after printing every problem as
 * file:line:1: error: ... */
int cli_config_load(cli_options *opt);

#endif
