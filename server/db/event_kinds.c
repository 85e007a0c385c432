/*
 * event_kinds.c — the kinds of domain events and who may read them (see
 * event_kinds.h).
 */
#include <string.h>

#include "db/event_kinds.h"

const struct event_kind event_kinds[] = {
	/* API tokens: names, owners and scopes, as only GET /api/v1/tokens
	 * (admin) shows them */
	{"token.created", AUTH_SCOPE_ADMIN},
	{"token.revoked", AUTH_SCOPE_ADMIN},
	/* pipeline runs and their jobs, checks (GET /api/v1/runs, repos) */
	{"run.updated", AUTH_SCOPE_READ},
	{"job.updated", AUTH_SCOPE_READ},
	{"check_suite.updated", AUTH_SCOPE_READ},
	{"check_run.updated", AUTH_SCOPE_READ},
	/* git: pushes, branches, tags, pull requests (GET /api/v1/repos/…) */
	{"push", AUTH_SCOPE_READ},
	{"branch.created", AUTH_SCOPE_READ},
	{"branch.deleted", AUTH_SCOPE_READ},
	{"tag.created", AUTH_SCOPE_READ},
	{"tag.rc", AUTH_SCOPE_READ},
	{"tag.deleted", AUTH_SCOPE_READ},
	{"pull_request.updated", AUTH_SCOPE_READ},
	/* GitHub releases, one kind per action (gh_releases.c) */
	{"release.published", AUTH_SCOPE_READ},
	{"release.prereleased", AUTH_SCOPE_READ},
	{"release.released", AUTH_SCOPE_READ},
	{"release.created", AUTH_SCOPE_READ},
	{"release.edited", AUTH_SCOPE_READ},
	{"release.deleted", AUTH_SCOPE_READ},
	{"release.unpublished", AUTH_SCOPE_READ},
	/* artifacts (GET /api/v1/artifacts) */
	{"artifact.created", AUTH_SCOPE_READ},
	{"artifact.updated", AUTH_SCOPE_READ},
	{"artifact.conflict", AUTH_SCOPE_READ},
	/* environments and deployments (GET /api/v1/environments, deployments) */
	{"environment.changed", AUTH_SCOPE_READ},
	{"deployment.updated", AUTH_SCOPE_READ},
	{"github_deployment.created", AUTH_SCOPE_READ},
	{"github_deployment.status", AUTH_SCOPE_READ},
	/* release candidates, feedback, releases (GET /api/v1/release-candidates,
	 * …/feedback, /api/v1/releases) */
	{"rc.created", AUTH_SCOPE_READ},
	{"rc.updated", AUTH_SCOPE_READ},
	{"rc.state_changed", AUTH_SCOPE_READ},
	{"feedback.created", AUTH_SCOPE_READ},
	{"feedback.updated", AUTH_SCOPE_READ},
	{"rc.feedback_requested", AUTH_SCOPE_READ},
	{"release.shipped", AUTH_SCOPE_READ},
};

const size_t event_kinds_count = sizeof event_kinds / sizeof event_kinds[0];

static const struct event_kind *find(const char *kind)
{
	for (size_t i = 0; kind && i < event_kinds_count; i++)
		if (!strcmp(event_kinds[i].kind, kind))
			return &event_kinds[i];
	return NULL;
}

bool event_kind_known(const char *kind)
{
	return find(kind) != NULL;
}

enum auth_scope event_kind_scope(const char *kind)
{
	const struct event_kind *k = find(kind);
	return k ? k->scope : AUTH_SCOPE_ADMIN;
}
