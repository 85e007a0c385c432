/*
 * cli_run.h — running the built shiplog CLI from integration tests and
 * judging what it did.
 */
#ifndef SHIPLOG_CLI_RUN_H
#define SHIPLOG_CLI_RUN_H

#include <jansson.h>

#include "itest.h"

struct cli_out {
	char cmdline[1024]; /* what was run, for failure messages */
	int code;	    /* exit status, or 128 + signal */
	char *out;	    /* stdout (owned) */
	char *err;	    /* stderr (owned) */
};

/* The CLI binary to run (tests set it from SHIPLOG_CLI_PATH). */
extern const char *cli_run_path;

void cli_out_free(struct cli_out *o);

/*
 * Runs the CLI with `args` (NULL-terminated), SHIPLOG_URL=url and
 * SHIPLOG_TOKEN=token in its environment (NULL: unset), standard input from
 * `stdin_path` (NULL: /dev/null).  A CLI that runs longer than 60 s is
 * killed and fails the test.
 */
void cli_exec(struct cli_out *o, const char *url, const char *token, const char *stdin_path,
	      const char *const *args);

/* Fails with the CLI's output when its exit code is not `code`. */
void expect_code(const struct cli_out *o, int code);
void expect_contains(const char *haystack, const char *needle);
void expect_lacks(const char *haystack, const char *needle);
/* stdout parsed as JSON (caller decrefs); fails when it is not JSON. */
json_t *out_json(const struct cli_out *o);
/* A TCP port on 127.0.0.1 that nothing listens on. */
unsigned closed_port(void);

#endif
