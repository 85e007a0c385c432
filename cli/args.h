/*
 * args.h — parsing argv against the command tree, and the help and usage
 * texts made from the same tables (used by main.c).
 */
#ifndef SHIPLOG_CLI_ARGS_H
#define SHIPLOG_CLI_ARGS_H

#include <stdio.h>

#include "cli.h"

/* Options every command takes (--url, --token, --json, --timeout). */
extern const struct cli_opt cli_global_opts[];

enum cli_parse_result {
	CLI_PARSE_OK,	   /* a->cmd is runnable, its arguments checked */
	CLI_PARSE_HELP,	   /* -h/--help: print cli_help(a->cmd) to stdout, exit 0 */
	CLI_PARSE_VERSION, /* --version */
	CLI_PARSE_USAGE,   /* bad command line: message and usage already on stderr */
};

/*
 * Parses argv from argv[1] down the tree that starts at `root`.  Fills *a
 * (a->vals and a->pos are malloc'd arrays of argv pointers: free them with
 * cli_args_free).  Global options may appear anywhere.
 */
enum cli_parse_result cli_args_parse(const struct cli_command *root, int argc, char **argv,
				     struct cli_args *a);
void cli_args_free(struct cli_args *a);

/* The full help of a command (its synopsis, options, globals, details). */
void cli_help(FILE *f, const struct cli_command *cmd, const char *path);
/* The short usage: synopsis and the command's own options. */
void cli_usage(FILE *f, const struct cli_command *cmd, const char *path);

#endif
