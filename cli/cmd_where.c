/*
 * cmd_where.c — `shiplog where SHA --repo OWNER/NAME`: which environments,
 * release candidates and releases contain a commit, and the artifacts built
 * from it (GET /api/v1/repos/{owner}/{name}/commits/{sha}/where).
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

/* Prints `title` and a table of `items` with the given columns, or `none`
 * when there are none.  cols[i] lists the paths to try for column i. */
struct column {
	const char *header;
	const char *const *paths;
	enum { COL_TEXT, COL_TIME, COL_SHA, COL_DIGEST, COL_STATE, COL_REVISION } kind;
};

static void section(const struct cli *c, const char *title, const json_t *items,
		    const struct column *cols, size_t ncols, const char *none)
{
	if (!json_array_size(items)) {
		printf("%s: %s\n", title, none);
		return;
	}
	const char *headers[8] = {0};
	for (size_t k = 0; k < ncols && k < 7; k++)
		headers[k] = cols[k].header;
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		cli_table_row(t);
		for (size_t k = 0; k < ncols && k < 7; k++) {
			char raw[256], shown[160];
			const char *v = cli_jtext_any(item, cols[k].paths, raw, sizeof raw);
			switch (cols[k].kind) {
			case COL_TIME:
				cli_table_cell(t, cli_time_format(v, shown, sizeof shown));
				break;
			case COL_SHA:
				cli_table_cell(t, cli_short_sha(v, 7, shown, sizeof shown));
				break;
			case COL_DIGEST:
				cli_table_cell(t, cli_short_sha(v, 12, shown, sizeof shown));
				break;
			case COL_REVISION:
				cli_table_cell(t, cli_short_revision(v, shown, sizeof shown));
				break;
			case COL_STATE:
				cli_table_cell_color(t, v, cli_state_color(v));
				break;
			default:
				cli_table_cell(t, v);
				break;
			}
		}
	}
	printf("%s:\n", title);
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
}

static const char *const p_name[] = {"name", "environment", NULL};
static const char *const p_tier[] = {"tier", NULL};
static const char *const p_contains[] = {"contains", NULL};
static const char *const p_revision[] = {"current_deployment.revision", "revision", NULL};
static const char *const p_status[] = {"current_deployment.status", "status", "state", NULL};
static const char *const p_since[] = {"current_deployment.at", "since", "deployed_at", NULL};
static const char *const p_version[] = {"version", "tag", "name", NULL};
static const char *const p_state[] = {"state", "status", NULL};
static const char *const p_created[] = {"published_at", "created_at", NULL};
static const char *const p_number[] = {"number", NULL};
static const char *const p_title[] = {"title", NULL};
static const char *const p_kind[] = {"kind", NULL};
static const char *const p_version_only[] = {"version", NULL};
static const char *const p_digest[] = {"digest", NULL};

static const struct column env_cols[] = {
	{"ENVIRONMENT", p_name, COL_TEXT},	{"TIER", p_tier, COL_TEXT},
	{"CONTAINS IT", p_contains, COL_STATE}, {"RUNS", p_revision, COL_REVISION},
	{"STATUS", p_status, COL_STATE},	{"SINCE", p_since, COL_TIME},
};
static const struct column pr_cols[] = {
	{"PR", p_number, COL_TEXT},
	{"TITLE", p_title, COL_TEXT},
	{"STATE", p_state, COL_TEXT},
};
static const struct column rc_cols[] = {
	{"VERSION", p_version, COL_TEXT},
	{"STATE", p_state, COL_STATE},
	{"SINCE", p_created, COL_TIME},
};
static const struct column release_cols[] = {
	{"VERSION", p_version, COL_TEXT},
	{"PUBLISHED", p_created, COL_TIME},
};
static const struct column artifact_cols[] = {
	{"KIND", p_kind, COL_TEXT},
	{"NAME", p_name, COL_TEXT},
	{"VERSION", p_version_only, COL_TEXT},
	{"DIGEST", p_digest, COL_DIGEST},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* Where the commit stands on the default branch. */
static void print_branch(const json_t *w)
{
	const json_t *b = cli_jget(w, "default_branch");
	const char *name = cli_jstr(b, "name");
	char when[32];
	if (!json_is_object(b))
		puts("Not on the default branch (not merged, or its push was not seen).");
	else if (json_is_true(cli_jget(b, "left")))
		printf("Was on %s, but a force-push rewrote it away.\n", name ? name : "-");
	else
		printf("On %s since %s.\n", name ? name : "the default branch",
		       cli_time_format(cli_jstr(b, "pushed_at"), when, sizeof when));
}

static void print_where(const struct cli *c, const json_t *w, const char *repo)
{
	const json_t *commit = cli_jget(w, "commit");
	const char *sha = cli_jstr(w, "sha");
	if (!sha)
		sha = json_is_string(commit) ? json_string_value(commit) : cli_jstr(commit, "sha");
	const char *message = cli_jstr(commit, "message");
	char short_sha[16];
	printf("Commit %s in %s", cli_short_sha(sha, 12, short_sha, sizeof short_sha), repo);
	if (message)
		printf(": %.*s", (int)strcspn(message, "\n"), message);
	fputc('\n', stdout);
	print_branch(w);
	fputc('\n', stdout);
	section(c, "Environments", cli_jget(w, "environments"), env_cols, NCOLS(env_cols),
		"none yet");
	if (cli_jget(w, "pull_requests"))
		section(c, "Pull requests", cli_jget(w, "pull_requests"), pr_cols, NCOLS(pr_cols),
			"none");
	if (cli_jget(w, "release_candidates"))
		section(c, "Release candidates", cli_jget(w, "release_candidates"), rc_cols,
			NCOLS(rc_cols), "in none yet");
	if (cli_jget(w, "releases"))
		section(c, "Releases", cli_jget(w, "releases"), release_cols, NCOLS(release_cols),
			"in none yet");
	section(c, "Artifacts", cli_jget(w, "artifacts"), artifact_cols, NCOLS(artifact_cols),
		"none built from it");
}

static int where(struct cli *c, const struct cli_args *a)
{
	const char *repo = cli_arg(a, "repo");
	char owner[128], name[128];
	if (!cli_repo_split(repo, owner, name, sizeof owner))
		return cli_usage_error(a, "--repo: expected OWNER/NAME, got '%s'", repo);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/repos");
	cli_url_segment(&u, owner);
	cli_url_segment(&u, name);
	cli_url_segment(&u, "commits");
	cli_url_segment(&u, a->pos[0]);
	cli_url_segment(&u, "where");
	json_t *w;
	int rc = cli_call(c, "GET", &u, NULL, &w, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, w);
	else
		print_where(c, w, repo);
	json_decref(w);
	return CLI_EXIT_OK;
}

static const struct cli_opt where_opts[] = {
	{"repo", "OWNER/NAME", CLI_OPT_REQUIRED, "the repository of the commit"},
	{0},
};

const struct cli_command cli_cmd_where = {
	.name = "where",
	.summary = "Where is a commit: environments, release candidates, releases",
	.positional = "SHA",
	.min_pos = 1,
	.max_pos = 1,
	.opts = where_opts,
	.run = where,
	.details = "Example:\n  shiplog where 3f2c1ab --repo acme/app\n",
};
