/*
 * routes_environments.h — parameter specs of the artifacts, environments,
 * deployments and Flux routes (included by routes.c only).
 */

static const char *const artifact_kinds[] = {"image", "chart", "npm", "binary", "other", NULL};
static const char *const environment_tiers[] = {"development", "staging", "production", "other",
						 NULL};
static const char *const deployment_statuses[] = {"queued", "in_progress", "success", "failure",
						   "error", "inactive", NULL};
static const char *const deployment_sources[] = {"flux", "github", "api", NULL};

static const struct param_spec artifact_body[] = {
	{"kind", PARAM_BODY, PARAM_ENUM, true, 0, 0, artifact_kinds,
	 "image, chart, npm, binary or other", 0},
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 255, NULL,
	 "Name, e.g. weaveworks/weave-gitops-enterprise-ui-server or mccp", 0},
	{"version", PARAM_BODY, PARAM_STRING, true, 1, 128, NULL,
	 "Version or tag, e.g. 0.38.1-v00012-g1a2b3c4d", 0},
	{"digest", PARAM_BODY, PARAM_DIGEST, true, 0, 0, NULL, "Content digest sha256:<64 hex>", 0},
	{"uri", PARAM_BODY, PARAM_STRING, false, 1, 2048, NULL, "Where it is published", 0},
	{"size", PARAM_BODY, PARAM_INT, false, 0, 9007199254740991LL, NULL, "Size in bytes", 0},
	{"repository", PARAM_BODY, PARAM_REPO, false, 0, 0, NULL,
	 "The repository it was built from (owner/name)", 0},
	{"commit", PARAM_BODY, PARAM_SHA, false, 0, 0, NULL, "The commit it was built from", 0},
	{"run_id", PARAM_BODY, PARAM_INT, false, 1, 9007199254740991LL, NULL,
	 "The CI run that built it, as the CI system numbers it (GitHub: github.run_id)", 0},
	{"labels", PARAM_BODY, PARAM_OBJECT, false, 0, 0, NULL, "Free-form labels", 0},
	{0},
};

static const struct param_spec artifact_list_params[] = {
	{"kind", PARAM_QUERY, PARAM_ENUM, false, 0, 0, artifact_kinds, "Kind", 0},
	{"name", PARAM_QUERY, PARAM_STRING, false, 1, 255, NULL, "Name (exact)", 0},
	{"version", PARAM_QUERY, PARAM_STRING, false, 1, 128, NULL, "Version (exact)", 0},
	{"digest", PARAM_QUERY, PARAM_DIGEST, false, 0, 0, NULL, "Digest sha256:<64 hex>", 0},
	{"commit", PARAM_QUERY, PARAM_SHA, false, 0, 0, NULL,
	 "Built from this commit (prefix of 7+ hex digits)", 0},
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec environment_name_params[] = {
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Environment name", 0},
	{0},
};

static const struct param_spec environment_history_params[] = {
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Environment name", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec environment_list_params[] = {
	{"tier", PARAM_QUERY, PARAM_ENUM, false, 0, 0, environment_tiers, "Tier", 0},
	{0},
};

#define ENVIRONMENT_FIELDS                                                                      \
	{"tier", PARAM_BODY, PARAM_ENUM, false, 0, 0, environment_tiers,                         \
	 "development, staging, production or other (default other)", 0},                        \
	{"url", PARAM_BODY, PARAM_STRING, false, 1, 2048, NULL, "Where it is (http/https)", 0},   \
	{"description", PARAM_BODY, PARAM_STRING, false, 0, 2000, NULL, "What it is for", 0},    \
	{"order", PARAM_BODY, PARAM_INT, false, 0, 1000000, NULL,                                \
	 "Position in lists (default: after the others)", 0},                                    \
	{"flux", PARAM_BODY, PARAM_ARRAY, false, 0, 50, NULL,                                    \
	 "Flux objects that deploy to it: {kind: HelmRelease|Kustomization, namespace "          \
	 "(default flux-system), name}",                                                         \
	 PARAM_OBJECT}

static const struct param_spec environment_create_body[] = {
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 100, NULL,
	 "Name: letters, digits, '.', '_' or '-'", 0},
	ENVIRONMENT_FIELDS,
	{0},
};

static const struct param_spec environment_update_body[] = {
	ENVIRONMENT_FIELDS,
	{0},
};

static const struct param_spec deployment_list_params[] = {
	{"environment", PARAM_QUERY, PARAM_STRING, false, 1, 100, NULL, "Environment name", 0},
	{"status", PARAM_QUERY, PARAM_ENUM, false, 0, 0, deployment_statuses, "Status", 0},
	{"commit", PARAM_QUERY, PARAM_SHA, false, 0, 0, NULL,
	 "Deployed commit (prefix of 7+ hex digits)", 0},
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	{"source", PARAM_QUERY, PARAM_ENUM, false, 0, 0, deployment_sources,
	 "Who reported it: flux, github or api", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec deployment_body[] = {
	{"environment", PARAM_BODY, PARAM_STRING, true, 1, 100, NULL, "Environment name", 0},
	{"repository", PARAM_BODY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	{"revision", PARAM_BODY, PARAM_STRING, false, 1, 255, NULL,
	 "What was deployed: main@sha1:<sha>, a tag, a chart version... (or give commit)", 0},
	{"commit", PARAM_BODY, PARAM_SHA, false, 0, 0, NULL, "The commit deployed", 0},
	{"artifacts", PARAM_BODY, PARAM_ARRAY, false, 0, 50, NULL,
	 "Digests (sha256:<64 hex>) of the artifacts deployed", PARAM_DIGEST},
	{"status", PARAM_BODY, PARAM_ENUM, true, 0, 0, deployment_statuses,
	 "queued, in_progress, success, failure, error or inactive", 0},
	{"started_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL, "Started at", 0},
	{"finished_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL,
	 "Finished at (with a final status)", 0},
	{0},
};
