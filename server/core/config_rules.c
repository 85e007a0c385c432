/*
 * config_rules.c — questions asked of a loaded configuration: which
 * repository, which team, which stage a job is in, which kind a workflow is,
 * and the names of those enumerations.
 *
 * All of it only reads the config, so it is safe from any thread.
 */
#include <shiplog/config.h>

#include <fnmatch.h>
#include <string.h>
#include <strings.h>

static const char *const stage_names[] = {
	[STAGE_LINT] = "lint",       [STAGE_UNIT] = "unit",   [STAGE_INTEGRATION] = "integration",
	[STAGE_BUILD] = "build",     [STAGE_PUBLISH] = "publish", [STAGE_E2E] = "e2e",
	[STAGE_OTHER] = "other",
};

static const char *const kind_names[] = {
	[RUN_KIND_PR] = "pr",
	[RUN_KIND_MAIN] = "main",
	[RUN_KIND_RELEASE] = "release",
	[RUN_KIND_OTHER] = "other",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * What a job is when no rule says: the first word found in its name wins,
 * in this order (so "build-and-push" is a build, "ui-unit-tests" a unit test).
 */
static const struct {
	const char *word;
	enum job_stage stage;
} job_heuristics[] = {
	{ "lint", STAGE_LINT },
	{ "unit", STAGE_UNIT },
	{ "integration", STAGE_INTEGRATION },
	{ "build", STAGE_BUILD },
	{ "publish", STAGE_PUBLISH },
	{ "release", STAGE_PUBLISH },
	{ "push", STAGE_PUBLISH },
	{ "e2e", STAGE_E2E },
	{ "smoke", STAGE_E2E },
	{ "playwright", STAGE_E2E },
};

const char *config_stage_name(enum job_stage stage)
{
	if ((size_t)stage < COUNT(stage_names))
		return stage_names[stage];
	return "other";
}

const char *config_kind_name(enum run_kind kind)
{
	if ((size_t)kind < COUNT(kind_names))
		return kind_names[kind];
	return "other";
}

int config_stage_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < COUNT(stage_names); i++)
		if (!strcmp(s, stage_names[i]))
			return (int)i;
	return -1;
}

int config_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < COUNT(kind_names); i++)
		if (!strcmp(s, kind_names[i]))
			return (int)i;
	return -1;
}

const struct config_repository *config_find_repository(const struct config *cfg,
							const char *full_name)
{
	size_t i;

	if (!cfg || !full_name)
		return NULL;
	for (i = 0; i < cfg->n_repositories; i++)
		if (!strcasecmp(cfg->repositories[i].name, full_name))
			return &cfg->repositories[i];
	return NULL;
}

static bool is_domain_pattern(const char *member)
{
	return member[0] == '*' && member[1] == '@';
}

/*
 * An exact address anywhere beats a domain pattern, so a person listed by
 * name in one team is not claimed by another team's "*@domain".
 */
const struct config_team *config_team_of(const struct config *cfg, const char *email)
{
	const char *at;
	size_t i, j;

	if (!cfg || !email || !(at = strrchr(email, '@')) || at == email)
		return NULL;
	for (i = 0; i < cfg->n_teams; i++)
		for (j = 0; j < cfg->teams[i].n_members; j++)
			if (!is_domain_pattern(cfg->teams[i].members[j]) &&
			    !strcasecmp(cfg->teams[i].members[j], email))
				return &cfg->teams[i];
	for (i = 0; i < cfg->n_teams; i++)
		for (j = 0; j < cfg->teams[i].n_members; j++)
			if (is_domain_pattern(cfg->teams[i].members[j]) &&
			    !strcasecmp(cfg->teams[i].members[j] + 2, at + 1))
				return &cfg->teams[i];
	return NULL;
}

static const struct config_job_rule *match_job(const struct config_job_rule *rules, size_t n,
					       const char *job_name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!fnmatch(rules[i].match, job_name, 0))
			return &rules[i];
	return NULL;
}

static enum job_stage guess_stage(const char *job_name)
{
	size_t i;

	for (i = 0; job_name && i < COUNT(job_heuristics); i++)
		if (strcasestr(job_name, job_heuristics[i].word))
			return job_heuristics[i].stage;
	return STAGE_OTHER;
}

void config_classify_job(const struct config *cfg, const char *repo, const char *job_name,
			 enum job_stage *stage, bool *required)
{
	const struct config_job_rule *rule = NULL;
	const struct config_repository *r;

	if (cfg && job_name) {
		r = config_find_repository(cfg, repo);
		if (r)
			rule = match_job(r->jobs, r->n_jobs, job_name);
		if (!rule)
			rule = match_job(cfg->jobs, cfg->n_jobs, job_name);
	}
	if (stage)
		*stage = rule ? rule->stage : guess_stage(job_name);
	if (required)
		*required = rule ? rule->required : true;
}

/*
 * All rules against the path first (it identifies a workflow), then against
 * the file's base name (so "test.yaml" works as a pattern), then the name.
 */
static int match_workflow(const struct config_workflow_rule *rules, size_t n, const char *path,
			  const char *name)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	const char *subjects[3] = { path, slash ? slash + 1 : NULL, name };
	size_t s, i;

	for (s = 0; s < COUNT(subjects); s++)
		for (i = 0; subjects[s] && i < n; i++)
			if (!fnmatch(rules[i].match, subjects[s], 0))
				return (int)rules[i].kind;
	return -1;
}

int config_classify_workflow(const struct config *cfg, const char *repo, const char *path,
			     const char *name)
{
	const struct config_repository *r;
	int kind = -1;

	if (!cfg)
		return -1;
	r = config_find_repository(cfg, repo);
	if (r)
		kind = match_workflow(r->workflows, r->n_workflows, path, name);
	if (kind < 0)
		kind = match_workflow(cfg->workflows, cfg->n_workflows, path, name);
	return kind;
}

const struct config_release_key_name config_release_keys[] = {
	{ "rc_pattern", CONFIG_REL_RC_PATTERN },
	{ "cadence", CONFIG_REL_CADENCE },
	{ "required_artifacts", CONFIG_REL_REQUIRED_ARTIFACTS },
	{ "gates.ci", CONFIG_REL_GATE_CI },
	{ "gates.smoke_tests", CONFIG_REL_GATE_SMOKE_TESTS },
	{ "gates.artifacts", CONFIG_REL_GATE_ARTIFACTS },
	{ "gates.staging.enabled", CONFIG_REL_GATE_STAGING },
	{ "gates.staging.environment", CONFIG_REL_GATE_STAGING_ENVIRONMENT },
	{ "gates.staging.soak", CONFIG_REL_GATE_SOAK },
	{ "gates.staging.descendant", CONFIG_REL_GATE_DESCENDANT },
	{ "gates.approvals", CONFIG_REL_GATE_APPROVALS },
	{ NULL, 0 },
};
