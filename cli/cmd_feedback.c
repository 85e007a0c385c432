/*
 * cmd_feedback.c — what internal customers say about a release candidate:
 * `shiplog feedback add RC_ID` (POST /api/v1/release-candidates/{id}/feedback),
 * `feedback ls RC_ID` (GET the same) and `feedback resolve FEEDBACK_ID`
 * (PATCH /api/v1/feedback/{id}: acknowledge, resolve, or reopen).
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

/* A positive decimal id as the server takes it (1 .. 10^18-1). */
static bool is_id(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n && strspn(s, "0") < n;
}

static const char *feedback_color(const char *word)
{
	if (word && strcmp(word, "open") == 0)
		return "\033[33m";
	if (word && strcmp(word, "resolved") == 0)
		return "\033[32m";
	return cli_state_color(word);
}

/* "Feedback 12 on v1.2.0-rc.1: block (high, login) by bob@acme.com (qa), open" */
static void print_one(const char *what, const json_t *f)
{
	char id[32], detail[300] = "";
	const char *severity = cli_jstr(f, "severity"), *area = cli_jstr(f, "area");
	if (severity || area)
		snprintf(detail, sizeof detail, " (%s%s%s)", severity ? severity : "",
			 severity && area ? ", " : "", area ? area : "");
	const char *team = cli_jstr(f, "team");
	const char *status = cli_jstr(f, "status");
	printf("%s %s on %s: %s%s by %s (%s%s%s), %s", what,
	       cli_jtext(f, "id", id, sizeof id) ? id : "-",
	       cli_jstr(f, "release_candidate.version") ? cli_jstr(f, "release_candidate.version")
							: "-",
	       cli_jstr(f, "verdict") ? cli_jstr(f, "verdict") : "-", detail,
	       cli_jstr(f, "author") ? cli_jstr(f, "author") : "-", team ? team : "no team",
	       team ? ", " : "; ",
	       json_is_true(cli_jget(f, "verified")) ? "verified" : "unverified",
	       status ? status : "-");
	if (cli_jstr(f, "fixed_in.version"))
		printf(", fixed in %s", cli_jstr(f, "fixed_in.version"));
	putchar('\n');
}

/* ---- shiplog feedback add RC_ID -------------------------------------------------------- */

static const struct cli_opt add_opts[] = {
	{"verdict", "VERDICT", CLI_OPT_REQUIRED, "approve, concern or block"},
	{"author", "WHO", 0, "who says it (default: you, when your identity is an email)"},
	{"team", "TEAM", 0, "their team (from the configuration for mapped people)"},
	{"severity", "SEVERITY", 0, "low, medium, high or critical"},
	{"area", "AREA", 0, "what part of the product"},
	{"comment", "TEXT", 0, "what they saw (required with concern and block)"},
	{0},
};

static const struct cli_field add_fields[] = {
	{"verdict", "verdict", CLI_FIELD_STRING},
	{"author", "author", CLI_FIELD_STRING},
	{"team", "team", CLI_FIELD_STRING},
	{"severity", "severity", CLI_FIELD_STRING},
	{"area", "area", CLI_FIELD_STRING},
	{"comment", "comment", CLI_FIELD_STRING},
	{0},
};

static int feedback_add(struct cli *c, const struct cli_args *a)
{
	const char *rc_id = a->pos[0];
	if (!is_id(rc_id))
		return cli_usage_error(a, "not a release candidate id: '%s'", rc_id);
	json_t *body = cli_body_from_args(a, add_fields);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/release-candidates");
	cli_url_segment(&u, rc_id);
	cli_url_segment(&u, "feedback");
	json_t *f;
	int rc = cli_call(c, "POST", &u, body, &f, NULL);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, f);
	else
		print_one("Recorded feedback", f);
	json_decref(f);
	return CLI_EXIT_OK;
}

static const struct cli_command feedback_add_cmd = {
	.name = "add",
	.summary = "Give feedback on a release candidate",
	.positional = "RC_ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = add_opts,
	.run = feedback_add,
	.details = "Refused (exit 1) on a released, rejected or superseded release candidate.\n"
		   "Needs a token with scope feedback.\n\n"
		   "Example:\n"
		   "  shiplog feedback add 42 --verdict block --severity high --area login \\\n"
		   "    --author ana@acme.com --team qa --comment \"SSO login loops\"\n",
};

/* ---- shiplog feedback ls RC_ID ---------------------------------------------------------- */

static const struct cli_opt ls_opts[] = {
	{"verdict", "VERDICT", 0, "approve, concern or block"},
	{"status", "STATUS", 0, "open, acknowledged or resolved"},
	{"team", "TEAM", 0, "only this team's"},
	{"limit", "N", CLI_OPT_INT, "feedback per page (1-200, default 50)"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

static const struct cli_field ls_query[] = {
	{"verdict", "verdict", CLI_FIELD_STRING},
	{"status", "status", CLI_FIELD_STRING},
	{"team", "team", CLI_FIELD_STRING},
	{"limit", "limit", CLI_FIELD_STRING},
	{0},
};

static int feedback_ls(struct cli *c, const struct cli_args *a)
{
	const char *rc_id = a->pos[0];
	if (!is_id(rc_id))
		return cli_usage_error(a, "not a release candidate id: '%s'", rc_id);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/release-candidates");
	cli_url_segment(&u, rc_id);
	cli_url_segment(&u, "feedback");
	cli_query_from_args(&u, a, ls_query);
	json_t *list;
	int rc = cli_list(c, &u, cli_flag(a, "all"), &list);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, list);
		json_decref(list);
		return CLI_EXIT_OK;
	}
	static const char *const headers[] = {"ID",   "VERDICT", "SEVERITY", "STATUS",	"AUTHOR",
					      "TEAM", "AREA",	 "COMMENT",  "CREATED", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(list, "items"), i, f) {
		char id[32], comment[200], author[240], created[32];
		const char *verdict = cli_jstr(f, "verdict");
		const char *status = cli_jstr(f, "status");
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(f, "id", id, sizeof id));
		cli_table_cell_color(t, verdict, feedback_color(verdict));
		cli_table_cell(t, cli_jstr(f, "severity"));
		cli_table_cell_color(t, status, feedback_color(status));
		snprintf(author, sizeof author, "%s%s",
			 cli_jstr(f, "author") ? cli_jstr(f, "author") : "-",
			 json_is_true(cli_jget(f, "verified")) ? "" : " (unverified)");
		cli_table_cell(t, author);
		cli_table_cell(t, cli_jstr(f, "team"));
		cli_table_cell(t, cli_jstr(f, "area"));
		cli_table_cell(t, cli_first_line(cli_jstr(f, "comment"), 60, comment, sizeof comment));
		cli_table_cell(t,
			       cli_time_format(cli_jstr(f, "created_at"), created, sizeof created));
	}
	if (cli_table_rows(t) == 0)
		puts("No feedback.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

static const struct cli_command feedback_ls_cmd = {
	.name = "ls",
	.summary = "List the feedback on a release candidate, newest first",
	.positional = "RC_ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = ls_opts,
	.run = feedback_ls,
	.details = "\"(unverified)\": the author is not one the configuration maps to the team;\n"
		   "such an approval does not count towards the team's sign-off.\n",
};

/* ---- shiplog feedback resolve FEEDBACK_ID ------------------------------------------------ */

static const struct cli_opt resolve_opts[] = {
	{"status", "STATUS", 0, "acknowledged or resolved (default resolved; open reopens)"},
	{"resolution", "TEXT", 0, "how it was resolved (with status resolved)"},
	{"fixed-in", "RC_ID", CLI_OPT_INT,
	 "the release candidate that fixes it (with status resolved)"},
	{0},
};

static const struct cli_field resolve_fields[] = {
	{"status", "status", CLI_FIELD_STRING},
	{"resolution", "resolution", CLI_FIELD_STRING},
	{"fixed-in", "fixed_in", CLI_FIELD_INT},
	{0},
};

static int feedback_resolve(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (!is_id(id))
		return cli_usage_error(a, "not a feedback id: '%s'", id);
	json_t *body = cli_body_from_args(a, resolve_fields);
	if (!json_object_get(body, "status"))
		json_object_set_new(body, "status", json_string("resolved"));
	struct cli_url u;
	cli_url_init(&u, "/api/v1/feedback");
	cli_url_segment(&u, id);
	json_t *f;
	int rc = cli_call(c, "PATCH", &u, body, &f, NULL);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, f);
	else
		print_one("Feedback", f);
	json_decref(f);
	return CLI_EXIT_OK;
}

static const struct cli_command feedback_resolve_cmd = {
	.name = "resolve",
	.summary = "Acknowledge or resolve feedback (or reopen it)",
	.positional = "FEEDBACK_ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = resolve_opts,
	.run = feedback_resolve,
	.details = "Needs a token with scope feedback, whose owner gave the feedback or is in\n"
		   "the same team (any feedback with a release or admin token).\n\n"
		   "Example:\n"
		   "  shiplog feedback resolve 12 --resolution \"fixed the SSO redirect\" "
		   "--fixed-in 43\n",
};

/* ---- the family ------------------------------------------------------------------------- */

static const struct cli_command *const feedback_subs[] = {&feedback_add_cmd, &feedback_ls_cmd,
							  &feedback_resolve_cmd, NULL};

const struct cli_command cli_cmd_feedback = {
	.name = "feedback",
	.summary = "Give, list and resolve feedback on release candidates",
	.subs = feedback_subs,
};
