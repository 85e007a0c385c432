/*
 * policy.c — a repository's effective release policy (see policy.h for the
 * merge rule).
 */
#include "domain/policy.h"

#include <string.h>

static const char *const weekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
				       "thursday", "friday", "saturday"};

void policy_effective(const struct config_releases *global, const struct config_releases *repo,
		      struct config_releases *out)
{
	*out = *global;
	out->given = 0;
	if (!repo)
		return;
	unsigned g = repo->given;
	if (g & CONFIG_REL_RC_PATTERN)
		out->rc_pattern = repo->rc_pattern;
	if (g & CONFIG_REL_CADENCE)
		out->cadence = repo->cadence;
	if (g & CONFIG_REL_REQUIRED_ARTIFACTS) {
		out->required_artifacts = repo->required_artifacts;
		out->n_required_artifacts = repo->n_required_artifacts;
	}
	if (g & CONFIG_REL_GATE_CI)
		out->gates.ci = repo->gates.ci;
	if (g & CONFIG_REL_GATE_SMOKE_TESTS)
		out->gates.smoke_tests = repo->gates.smoke_tests;
	if (g & CONFIG_REL_GATE_ARTIFACTS)
		out->gates.artifacts = repo->gates.artifacts;
	if (g & CONFIG_REL_GATE_STAGING)
		out->gates.staging = repo->gates.staging;
	if (g & CONFIG_REL_GATE_STAGING_ENVIRONMENT)
		out->gates.staging_environment = repo->gates.staging_environment;
	if (g & CONFIG_REL_GATE_SOAK)
		out->gates.soak_seconds = repo->gates.soak_seconds;
	if (g & CONFIG_REL_GATE_DESCENDANT)
		out->gates.staging_descendant = repo->gates.staging_descendant;
	if (g & CONFIG_REL_GATE_APPROVALS) {
		out->gates.approvals = repo->gates.approvals;
		out->gates.n_approvals = repo->gates.n_approvals;
	}
	out->given = g;
}

void policy_of(const struct config *cfg, const char *full_name, struct config_releases *out)
{
	const struct config_repository *r =
		full_name ? config_find_repository(cfg, full_name) : NULL;
	policy_effective(&cfg->releases, r ? r->releases : NULL, out);
}

json_t *policy_cadence_json(const struct config_cadence *c)
{
	if (c->every_days <= 0)
		return json_null();
	return json_pack("{s:i, s:s, s:s?}", "every_days", c->every_days, "weekday",
			 c->weekday >= 0 && c->weekday < 7 ? weekdays[c->weekday] : "", "anchor",
			 c->anchor);
}

json_t *policy_json(const struct config_releases *p)
{
	json_t *artifacts = json_array(), *approvals = json_array();
	for (size_t i = 0; i < p->n_required_artifacts; i++)
		json_array_append_new(artifacts, json_string(p->required_artifacts[i]));
	for (size_t i = 0; i < p->gates.n_approvals; i++)
		json_array_append_new(approvals,
				      json_pack("{s:s, s:i}", "team", p->gates.approvals[i].team,
						"min", p->gates.approvals[i].min));
	const struct config_gates *g = &p->gates;
	return json_pack("{s:s, s:o, s:o, s:{s:b, s:b, s:b, s:{s:b, s:s?, s:I, s:b}, s:o}}",
			 "rc_pattern", p->rc_pattern, "cadence", policy_cadence_json(&p->cadence),
			 "required_artifacts", artifacts, "gates", "ci", g->ci, "smoke_tests",
			 g->smoke_tests, "artifacts", g->artifacts, "staging", "enabled",
			 g->staging, "environment", g->staging_environment, "soak_seconds",
			 (json_int_t)g->soak_seconds, "descendant", g->staging_descendant,
			 "approvals", approvals);
}

json_t *policy_sources_json(const struct config_releases *p)
{
	json_t *o = json_object();
	for (const struct config_release_key_name *k = config_release_keys; k->path; k++)
		json_object_set_new(o, k->path,
				    json_string(p->given & k->bit ? "repository" : "global"));
	return o;
}
