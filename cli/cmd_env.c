/*
 * cmd_env.c — `shiplog env [NAME]`: what every environment runs (GET
 * /api/v1/environments), or one environment and its deployments, newest
 * first (GET /api/v1/environments/{name} and …/{name}/deployments).
 *
 * With --json, `env NAME` prints the environment as the server answers it
 * (one request); the deployment history is `GET …/deployments`.
 */
#include <stdio.h>

#include "format.h"
#include "http.h"
#include "table.h"

static const char *const env_headers[] = {"NAME",	   "TIER",	  "REVISION",
					  "COMMIT",	   "STATUS",	  "DEPLOYED",
					  "HEALTHY SINCE", "BEHIND MAIN", NULL};

/* "3 commits, 2h05m" behind the default branch; "-" when unknown. */
static const char *behind_text(const json_t *env, char *buf, size_t size)
{
	const json_t *b = cli_jget(env, "behind_default_branch");
	const json_t *n = cli_jget(b, "commits");
	if (!json_is_integer(n))
		return "-";
	long long commits = (long long)json_integer_value(n);
	if (commits == 0)
		return "up to date";
	char dur[32];
	const json_t *secs = cli_jget(b, "seconds");
	if (json_is_integer(secs))
		snprintf(buf, size, "%lld commit%s, %s", commits, commits == 1 ? "" : "s",
			 cli_duration_format((long long)json_integer_value(secs), dur, sizeof dur));
	else
		snprintf(buf, size, "%lld commit%s", commits, commits == 1 ? "" : "s");
	return buf;
}

static void env_row(struct cli_table *t, const json_t *env)
{
	const json_t *d = cli_jget(env, "current_deployment");
	const char *status = cli_jstr(d, "status");
	const char *deployed = cli_jstr(d, "deployed_at");
	if (!deployed)
		deployed = cli_jstr(d, "started_at");
	char sha[16], when[32], healthy[32], behind[64], rev[160];
	cli_table_row(t);
	cli_table_cell(t, cli_jstr(env, "name"));
	cli_table_cell(t, cli_jstr(env, "tier"));
	cli_table_cell(t, cli_short_revision(cli_jstr(d, "revision"), rev, sizeof rev));
	cli_table_cell(t, cli_short_sha(cli_jstr(d, "commit"), 7, sha, sizeof sha));
	cli_table_cell_color(t, status, cli_state_color(status));
	cli_table_cell(t, cli_time_format(deployed, when, sizeof when));
	cli_table_cell(t, cli_time_format(cli_jstr(d, "healthy_since"), healthy, sizeof healthy));
	cli_table_cell(t, behind_text(env, behind, sizeof behind));
}

static int env_list(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/environments");
	cli_url_query(&u, "tier", cli_arg(a, "tier"));
	json_t *list;
	int rc = cli_list(c, &u, cli_flag(a, "all"), &list);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, list);
		json_decref(list);
		return CLI_EXIT_OK;
	}
	struct cli_table *t = cli_table_new(env_headers, 0);
	size_t i;
	json_t *env;
	json_array_foreach(json_object_get(list, "items"), i, env) {
		env_row(t, env);
	}
	if (cli_table_rows(t) == 0)
		puts("No environments.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

/* The deployments of one environment, newest first. */
static void print_history(const struct cli *c, const json_t *list)
{
	static const char *const headers[] = {"ID",	"REVISION", "COMMIT",	"STATUS",
					      "SOURCE", "STARTED",  "FINISHED", NULL};
	struct cli_table *h = cli_table_new(headers, 0);
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(list, "items"), i, d) {
		char id[32], sha[16], started[32], finished[32], rev[160];
		const char *status = cli_jstr(d, "status");
		cli_table_row(h);
		cli_table_cell(h, cli_jtext(d, "id", id, sizeof id));
		cli_table_cell(h, cli_short_revision(cli_jstr(d, "revision"), rev, sizeof rev));
		cli_table_cell(h, cli_short_sha(cli_jstr(d, "commit"), 7, sha, sizeof sha));
		cli_table_cell_color(h, status, cli_state_color(status));
		cli_table_cell(h, cli_jstr(d, "source"));
		cli_table_cell(h,
			       cli_time_format(cli_jstr(d, "started_at"), started, sizeof started));
		cli_table_cell(
			h, cli_time_format(cli_jstr(d, "finished_at"), finished, sizeof finished));
	}
	puts("\nDeployments:");
	if (cli_table_rows(h) == 0)
		puts("  none yet");
	else
		cli_table_print(h, stdout, c->color, 2);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(h);
}

static int env_show(struct cli *c, const struct cli_args *a)
{
	if (a->npos == 0)
		return env_list(c, a);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/environments");
	cli_url_segment(&u, a->pos[0]);
	json_t *env;
	int rc = cli_call(c, "GET", &u, NULL, &env, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, env);
		json_decref(env);
		return CLI_EXIT_OK;
	}
	cli_url_segment(&u, "deployments");
	json_t *history;
	rc = cli_list(c, &u, cli_flag(a, "all"), &history);
	if (rc == CLI_EXIT_OK) {
		struct cli_table *t = cli_table_new(env_headers, 0);
		env_row(t, env);
		cli_table_print(t, stdout, c->color, 0);
		cli_table_free(t);
		const char *url = cli_jstr(env, "url");
		if (url)
			printf("URL: %s\n", url);
		print_history(c, history);
		json_decref(history);
	}
	json_decref(env);
	return rc;
}

static const struct cli_opt env_opts[] = {
	{"tier", "TIER", 0, "only this tier: development, staging, production or other"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

const struct cli_command cli_cmd_env = {
	.name = "env",
	.summary = "What each environment runs, or one environment and its deployments",
	.positional = "[NAME]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = env_opts,
	.run = env_show,
	.details = "Examples:\n  shiplog env\n  shiplog env staging\n",
};
