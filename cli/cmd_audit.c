/*
 * cmd_audit.c — the audit trail: `shiplog audit ls` (GET /api/v1/audit,
 * admin tokens only): who changed what, newest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

static const struct cli_opt ls_opts[] = {
	{"actor", "WHO", 0, "an e-mail or a token's owner"},
	{"action", "ACTION", 0, "rc.created, rc.changed, rc.overridden, token.revoked, ..."},
	{"target-type", "TYPE", 0, "release_candidate, feedback, token, environment, ..."},
	{"target-id", "ID", 0, "the target's id or name (with --target-type)"},
	{"since", "TIME", 0, "at or after (RFC 3339, e.g. 2026-05-01T00:00:00Z)"},
	{"until", "TIME", 0, "before (RFC 3339)"},
	{"limit", "N", CLI_OPT_INT, "rows per page (1-200, default 50)"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

static const struct cli_field ls_query[] = {
	{"actor", "actor", CLI_FIELD_STRING},
	{"action", "action", CLI_FIELD_STRING},
	{"target-type", "target_type", CLI_FIELD_STRING},
	{"target-id", "target_id", CLI_FIELD_STRING},
	{"since", "since", CLI_FIELD_STRING},
	{"until", "until", CLI_FIELD_STRING},
	{"limit", "limit", CLI_FIELD_STRING},
	{0},
};

static int audit_ls(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/audit");
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
	static const char *const headers[] = {"ID",     "AT",	  "ACTOR", "VIA", "ACTION",
					      "TARGET", "REASON", "FROM",  NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *row;
	json_array_foreach(json_object_get(list, "items"), i, row) {
		char id[32], at[32], target[300];
		const char *tid = cli_jstr(row, "target_id");
		snprintf(target, sizeof target, "%s%s%s", cli_jstr(row, "target_type"),
			 tid ? " " : "", tid ? tid : "");
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(row, "id", id, sizeof id));
		cli_table_cell(t, cli_time_format(cli_jstr(row, "at"), at, sizeof at));
		cli_table_cell(t, cli_jstr(row, "actor"));
		cli_table_cell(t, cli_jstr(row, "via"));
		cli_table_cell(t, cli_jstr(row, "action"));
		cli_table_cell(t, target);
		cli_table_cell(t, cli_jstr(row, "reason"));
		cli_table_cell(t, cli_jstr(row, "remote_addr"));
	}
	if (cli_table_rows(t) == 0)
		puts("No audit rows.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

static const struct cli_command audit_ls_cmd = {
	.name = "ls",
	.summary = "List the audit trail, newest first (an admin token)",
	.opts = ls_opts,
	.run = audit_ls,
	.details = "Every write by a person or a token: release candidates cut, moved and\n"
		   "overridden, feedback given and triaged, tokens, environments, replays,\n"
		   "retries, sign-ins and sign-outs.  --json prints before/after too.\n"
		   "Example:\n"
		   "  shiplog audit ls --action rc.overridden --since 2026-05-01T00:00:00Z\n",
};

static const struct cli_command *const audit_subs[] = {&audit_ls_cmd, NULL};

const struct cli_command cli_cmd_audit = {
	.name = "audit",
	.summary = "Who changed what: the audit trail (admin)",
	.subs = audit_subs,
};
