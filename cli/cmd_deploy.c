/*
 * cmd_deploy.c — `shiplog deploy record`: an environment received a
 * revision (POST /api/v1/deployments), for deployers other than Flux and
 * GitHub deployments.
 */
#include <stdio.h>

#include "fields.h"
#include "format.h"
#include "http.h"

static const struct cli_opt record_opts[] = {
	{"environment", "NAME", CLI_OPT_REQUIRED, "the environment deployed to"},
	{"repository", "OWNER/NAME", 0, "the repository of the revision"},
	{"revision", "REV", 0, "what was deployed, as the deployer names it"},
	{"commit", "SHA", 0, "the commit deployed"},
	{"artifact", "DIGEST", CLI_OPT_REPEAT, "an artifact deployed (sha256:...)"},
	{"status", "STATUS", CLI_OPT_REQUIRED,
	 "queued, in_progress, success, failure, error or inactive"},
	{"started-at", "TIME", 0, "RFC 3339 or now"},
	{"finished-at", "TIME", 0, "RFC 3339 or now"},
	{0},
};

static const struct cli_field record_fields[] = {
	{"environment", "environment", CLI_FIELD_STRING},
	{"repository", "repository", CLI_FIELD_STRING},
	{"revision", "revision", CLI_FIELD_STRING},
	{"commit", "commit", CLI_FIELD_STRING},
	{"status", "status", CLI_FIELD_STRING},
	{"started-at", "started_at", CLI_FIELD_TIME},
	{"finished-at", "finished_at", CLI_FIELD_TIME},
	{0},
};

static int deploy_record(struct cli *c, const struct cli_args *a)
{
	json_t *body = cli_body_from_args(a, record_fields);
	json_t *digests = json_array();
	size_t it = 0;
	const char *digest;
	while ((digest = cli_arg_next(a, "artifact", &it)))
		json_array_append_new(digests, json_string_nocheck(digest));
	if (json_array_size(digests))
		json_object_set(body, "artifacts", digests);
	json_decref(digests);

	struct cli_url u;
	cli_url_init(&u, "/api/v1/deployments");
	json_t *dep;
	long status = 0;
	int rc = cli_call(c, "POST", &u, body, &dep, &status);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, dep);
	} else {
		char id[32];
		const char *state = cli_jstr(dep, "status");
		const char *rev = cli_jstr(dep, "revision");
		printf("%s deployment %s: %s <- %s: %s\n", status == 201 ? "Recorded" : "Updated",
		       cli_jtext(dep, "id", id, sizeof id),
		       cli_jstr(dep, "environment") ? cli_jstr(dep, "environment")
						    : cli_arg(a, "environment"),
		       rev			 ? rev
		       : cli_jstr(dep, "commit") ? cli_jstr(dep, "commit")
						 : "-",
		       state ? state : "-");
	}
	json_decref(dep);
	return CLI_EXIT_OK;
}

static const struct cli_command deploy_record_cmd = {
	.name = "record",
	.summary = "Record that an environment received a revision",
	.opts = record_opts,
	.run = deploy_record,
	.details = "Example:\n"
		   "  shiplog deploy record --environment staging --repository acme/app \\\n"
		   "    --commit \"$GITHUB_SHA\" --artifact sha256:0123... --status success \\\n"
		   "    --finished-at now\n",
};

static const struct cli_command *const deploy_subs[] = {&deploy_record_cmd, NULL};

const struct cli_command cli_cmd_deploy = {
	.name = "deploy",
	.summary = "Record deployments made by other deployers than Flux",
	.subs = deploy_subs,
};
