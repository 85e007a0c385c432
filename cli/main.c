/*
 * main.c — `shiplog`, the command-line client of the shiplog server.
 *
 * Reads the command line against the command tree (args.c), settles the
 * global options (--url/$SHIPLOG_URL, --token/$SHIPLOG_TOKEN, --json,
 * --timeout), and runs the command.  The exit code is the command's: 0 ok,
 * 1 the server said no, 2 usage, 3 unreachable (enum cli_exit).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "http.h"
#include "shiplog/xalloc.h"

static const struct cli_command *const root_commands[] = {
	&cli_cmd_artifact, &cli_cmd_deploy,  &cli_cmd_runs, &cli_cmd_run,      &cli_cmd_env,
	&cli_cmd_where,	   &cli_cmd_journey, &cli_cmd_rc,   &cli_cmd_feedback, &cli_cmd_audit,
	NULL,
};

static const struct cli_command root = {
	.name = "shiplog",
	.summary = "Record and ask what happened to a change, from pull request to release.",
	.subs = root_commands,
	.details = "Environment:\n"
		   "  SHIPLOG_URL    the server, e.g. https://shiplog.example.com\n"
		   "  SHIPLOG_TOKEN  an API token (scope read to look, ci to record)\n"
		   "  NO_COLOR       no colours, even on a terminal\n",
};

/* The server URL from --url or $SHIPLOG_URL, without trailing slashes. */
static int settle_url(struct cli *c, const struct cli_args *a)
{
	const char *url = cli_global(a, "url");
	if (!url)
		url = getenv("SHIPLOG_URL");
	if (!url || !*url) {
		fputs("shiplog: no server: set SHIPLOG_URL or pass --url\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		fprintf(stderr, "shiplog: the server URL must start with http:// or https://: %s\n",
			url);
		return CLI_EXIT_USAGE;
	}
	c->url = xstrdup(url);
	size_t n = strlen(c->url);
	while (n > 0 && c->url[n - 1] == '/')
		c->url[--n] = '\0';
	return CLI_EXIT_OK;
}

static int run(const struct cli_args *a)
{
	struct cli c = {0};
	int rc = settle_url(&c, a);
	if (rc != CLI_EXIT_OK)
		return rc;
	c.token = cli_global(a, "token");
	if (!c.token)
		c.token = getenv("SHIPLOG_TOKEN");
	c.json = cli_global(a, "json") != NULL;
	long long timeout = 30;
	if (cli_arg_int(a, "timeout", &timeout) && (timeout < 1 || timeout > 86400)) {
		free(c.url);
		return cli_usage_error(a, "--timeout: from 1 to 86400 seconds");
	}
	c.timeout = (long)timeout;
	const char *no_color = getenv("NO_COLOR");
	c.color = !c.json && isatty(STDOUT_FILENO) && !(no_color && *no_color);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("shiplog: cannot initialise libcurl\n", stderr);
		free(c.url);
		return CLI_EXIT_UNREACHABLE;
	}
	rc = a->cmd->run(&c, a);
	cli_http_cleanup(&c);
	curl_global_cleanup();
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
		perror("shiplog: writing the output");
		rc = CLI_EXIT_REFUSED;
	}
	return rc;
}

int main(int argc, char **argv)
{
	xalloc_init_json(); /* before any JSON: jansson aborts on OOM too */
	struct cli_args a;
	int rc;
	switch (cli_args_parse(&root, argc, argv, &a)) {
	case CLI_PARSE_HELP:
		cli_help(stdout, a.cmd, a.path);
		rc = CLI_EXIT_OK;
		break;
	case CLI_PARSE_VERSION:
		printf("shiplog %s\n", SHIPLOG_VERSION);
		rc = CLI_EXIT_OK;
		break;
	case CLI_PARSE_OK:
		rc = run(&a);
		break;
	default:
		rc = CLI_EXIT_USAGE;
		break;
	}
	cli_args_free(&a);
	return rc;
}
