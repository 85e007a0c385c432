/*
 * cli.h — the `shiplog` command-line client: commands as data, parsed
 * arguments, and the state every command gets.
 *
 * A command is a `struct cli_command` (name, options, positional arguments,
 * the function that runs it, or sub-commands for a family such as
 * `artifact add|ls`).  main.c walks argv down the command tree, parses the
 * options against the command's table plus the global ones (args.c), prints
 * help and usage from the same tables, and calls `run`.  Adding a command is
 * adding a table entry in its cmd_*.c file and one line in main.c.
 *
 * Exit codes are a contract with CI scripts (enum cli_exit).
 *
 * Ownership: all strings in the tables are static.  A `struct cli_args`
 * borrows argv; its arrays belong to main.c.  `struct cli` owns its curl
 * handle and url copy (http.c frees them in cli_http_cleanup).
 */
#ifndef SHIPLOG_CLI_H
#define SHIPLOG_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The exit codes a CI step can trust. */
enum cli_exit {
	CLI_EXIT_OK = 0,	  /* done */
	CLI_EXIT_REFUSED = 1,	  /* the server answered with an error (its detail printed) */
	CLI_EXIT_USAGE = 2,	  /* bad command line (the usage printed) */
	CLI_EXIT_UNREACHABLE = 3, /* no answer: connection refused, DNS, timeout, TLS */
};

/* Option flags. */
#define CLI_OPT_REQUIRED 0x1u /* must be given (see cli_command.unless) */
#define CLI_OPT_REPEAT	 0x2u /* may be given several times */
#define CLI_OPT_INT	 0x4u /* value must be a non-negative decimal integer */

struct cli_opt {
	const char *name;    /* long name without "--" */
	const char *metavar; /* NULL: a flag that takes no value */
	unsigned flags;	     /* CLI_OPT_* */
	const char *help;
};

struct cli;
struct cli_args;

struct cli_command {
	const char *name;
	const char *summary;	/* one line, shown in the parent's list */
	const char *positional; /* usage of positional arguments ("SHA"), NULL: none */
	unsigned min_pos, max_pos;
	const struct cli_opt *opts; /* {0}-terminated; NULL: none */
	/* An option that replaces all the others (e.g. "file" for run report):
	 * when given, CLI_OPT_REQUIRED is not enforced and no other option of
	 * this command may be given.  NULL: none. */
	const char *unless;
	int (*run)(struct cli *c, const struct cli_args *a); /* returns an enum cli_exit */
	const struct cli_command *const *subs;		     /* NULL-terminated; a family */
	const char *details; /* more help after the options; NULL: none */
};

/* State shared by every command. */
struct cli {
	char *url;	   /* base URL, no trailing slash (owned) */
	const char *token; /* bearer token (borrowed from argv/environ), NULL: none */
	bool json;	   /* print the server's JSON instead of tables */
	bool color;	   /* stdout is a TTY, not --json, NO_COLOR unset */
	long timeout;	   /* seconds for a whole request */
	void *curl;	   /* CURL *, created on first use (owned) */
};

/* One option occurrence in argv order. */
struct cli_value {
	const struct cli_opt *opt;
	const char *value; /* borrowed from argv; "" for a flag */
};

struct cli_args {
	const struct cli_command *cmd;
	char path[96]; /* "artifact add": for messages */
	struct cli_value *vals;
	size_t nvals;
	const char **pos;
	size_t npos;
};

/* The last value of the command's option `name`, or NULL when it was not
 * given (a flag gives "").  A command's option and a global one may share a
 * name (`run report --url` is the run's link, `shiplog --url` the server):
 * which one an occurrence is depends on where it stands, before or after
 * the command word, and the two are looked up apart. */
const char *cli_arg(const struct cli_args *a, const char *name);
/* The same for the global options (--url, --token, --json, --timeout...). */
const char *cli_global(const struct cli_args *a, const char *name);
/* Was the command's option `name` given. */
bool cli_flag(const struct cli_args *a, const char *name);
/* Iterates a repeated option: start with *iter = 0; NULL at the end. */
const char *cli_arg_next(const struct cli_args *a, const char *name, size_t *iter);
/* A CLI_OPT_INT option's value in *out (the command's, else the global
 * one); false when it was not given. */
bool cli_arg_int(const struct cli_args *a, const char *name, long long *out);

/* Prints "shiplog PATH: message" and the command's usage to stderr;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The commands (cmd_*.c). */
extern const struct cli_command cli_cmd_artifact;
extern const struct cli_command cli_cmd_deploy;
extern const struct cli_command cli_cmd_runs;
extern const struct cli_command cli_cmd_run;
extern const struct cli_command cli_cmd_env;
extern const struct cli_command cli_cmd_where;
extern const struct cli_command cli_cmd_journey;
extern const struct cli_command cli_cmd_rc;
extern const struct cli_command cli_cmd_feedback;
extern const struct cli_command cli_cmd_audit;

#endif
