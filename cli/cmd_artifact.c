/*
 * cmd_artifact.c — `shiplog artifact add` (record a published artifact:
 * POST /api/v1/artifacts) and `shiplog artifact ls` (GET /api/v1/artifacts).
 *
 * Artifacts are immutable: adding the same kind+name+version with the same
 * digest again is fine (200, exit 0), with another digest it is refused
 * (409, exit 1) — so a CI step may simply retry.
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

/* ---- shiplog artifact add ---------------------------------------------------- */

static const struct cli_opt add_opts[] = {
	{"kind", "KIND", CLI_OPT_REQUIRED, "image, chart, npm, binary or other"},
	{"name", "NAME", CLI_OPT_REQUIRED, "e.g. ghcr.io/acme/app"},
	{"version", "VERSION", CLI_OPT_REQUIRED, "e.g. v1.2.3 or a tag"},
	{"digest", "DIGEST", CLI_OPT_REQUIRED, "sha256:<64 hex digits>"},
	{"uri", "URI", 0, "where it can be fetched"},
	{"size", "BYTES", CLI_OPT_INT, "size in bytes"},
	{"repository", "OWNER/NAME", 0, "the repository it was built from"},
	{"commit", "SHA", 0, "the commit it was built from"},
	{"run-id", "ID", CLI_OPT_INT,
	 "the CI run that built it, as the CI numbers it ($GITHUB_RUN_ID)"},
	{"label", "KEY=VALUE", CLI_OPT_REPEAT, "a label"},
	{0},
};

static const struct cli_field add_fields[] = {
	{"kind", "kind", CLI_FIELD_STRING},
	{"name", "name", CLI_FIELD_STRING},
	{"version", "version", CLI_FIELD_STRING},
	{"digest", "digest", CLI_FIELD_STRING},
	{"uri", "uri", CLI_FIELD_STRING},
	{"size", "size", CLI_FIELD_INT},
	{"repository", "repository", CLI_FIELD_STRING},
	{"commit", "commit", CLI_FIELD_STRING},
	{"run-id", "run_id", CLI_FIELD_INT},
	{0},
};

static int artifact_add(struct cli *c, const struct cli_args *a)
{
	json_t *body = cli_body_from_args(a, add_fields);
	json_t *labels = json_object();
	size_t it = 0;
	const char *label;
	while ((label = cli_arg_next(a, "label", &it))) {
		const char *eq = strchr(label, '=');
		if (!eq || eq == label) {
			json_decref(labels);
			json_decref(body);
			return cli_usage_error(a, "--label: expected KEY=VALUE, got '%s'", label);
		}
		char key[256];
		snprintf(key, sizeof key, "%.*s", (int)(eq - label), label);
		json_object_set_new(labels, key, json_string_nocheck(eq + 1));
	}
	if (json_object_size(labels))
		json_object_set(body, "labels", labels);
	json_decref(labels);

	struct cli_url u;
	cli_url_init(&u, "/api/v1/artifacts");
	json_t *artifact;
	long status = 0;
	int rc = cli_call(c, "POST", &u, body, &artifact, &status);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, artifact);
	} else {
		char id[32], digest[32];
		printf("%s artifact %s: %s %s %s %s\n",
		       status == 201 ? "Recorded" : "Already recorded",
		       cli_jtext(artifact, "id", id, sizeof id), cli_arg(a, "kind"),
		       cli_arg(a, "name"), cli_arg(a, "version"),
		       cli_short_sha(cli_jstr(artifact, "digest") ? cli_jstr(artifact, "digest")
								  : cli_arg(a, "digest"),
				     12, digest, sizeof digest));
	}
	json_decref(artifact);
	return CLI_EXIT_OK;
}

static const struct cli_command artifact_add_cmd = {
	.name = "add",
	.summary = "Record an artifact a build published (image, chart, npm, binary)",
	.opts = add_opts,
	.run = artifact_add,
	.details =
		"Adding the same artifact again with the same digest is not an error;\n"
		"with another digest it is refused (exit 1): published artifacts are immutable.\n\n"
		"Example:\n"
		"  shiplog artifact add --kind image --name ghcr.io/acme/app --version v1.2.3 \\\n"
		"    --digest sha256:0123... --repository acme/app --commit \"$GITHUB_SHA\"\n",
};

/* ---- shiplog artifact ls ------------------------------------------------------ */

static const struct cli_opt ls_opts[] = {
	{"kind", "KIND", 0, "image, chart, npm, binary or other"},
	{"name", "NAME", 0, "only this name"},
	{"version", "VERSION", 0, "only this version"},
	{"digest", "DIGEST", 0, "only this digest"},
	{"commit", "SHA", 0, "built from this commit (7+ hex digits)"},
	{"repo", "OWNER/NAME", 0, "built from this repository"},
	{"limit", "N", CLI_OPT_INT, "artifacts per page (1-200, default 50)"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

static const struct cli_field ls_query[] = {
	{"kind", "kind", CLI_FIELD_STRING},	  {"name", "name", CLI_FIELD_STRING},
	{"version", "version", CLI_FIELD_STRING}, {"digest", "digest", CLI_FIELD_STRING},
	{"commit", "commit", CLI_FIELD_STRING},	  {"repo", "repo", CLI_FIELD_STRING},
	{"limit", "limit", CLI_FIELD_STRING},	  {0},
};

static int artifact_ls(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/artifacts");
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
	static const char *const headers[] = {"ID",   "KIND",	"NAME",	   "VERSION", "DIGEST",
					      "REPO", "COMMIT", "CREATED", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *art;
	json_array_foreach(json_object_get(list, "items"), i, art) {
		char id[32], digest[32], commit[16], created[32];
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(art, "id", id, sizeof id));
		cli_table_cell(t, cli_jstr(art, "kind"));
		cli_table_cell(t, cli_jstr(art, "name"));
		cli_table_cell(t, cli_jstr(art, "version"));
		cli_table_cell(t,
			       cli_short_sha(cli_jstr(art, "digest"), 12, digest, sizeof digest));
		cli_table_cell(t, cli_jstr(art, "repository"));
		cli_table_cell(t, cli_short_sha(cli_jstr(art, "commit"), 7, commit, sizeof commit));
		cli_table_cell(
			t, cli_time_format(cli_jstr(art, "created_at"), created, sizeof created));
	}
	if (cli_table_rows(t) == 0)
		puts("No artifacts.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

static const struct cli_command artifact_ls_cmd = {
	.name = "ls",
	.summary = "List artifacts, newest first",
	.opts = ls_opts,
	.run = artifact_ls,
};

static const struct cli_command *const artifact_subs[] = {&artifact_add_cmd, &artifact_ls_cmd,
							  NULL};

const struct cli_command cli_cmd_artifact = {
	.name = "artifact",
	.summary = "Record and list artifacts (images, charts, npm packages, binaries)",
	.subs = artifact_subs,
};
