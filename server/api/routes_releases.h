/*
 * routes_releases.h — parameter specs of the release-candidate, readiness,
 * feedback, release and train routes (included by routes.c only).
 */
static const char *const rc_states[] = {"draft",    "testing",    "approved", "rejected",
					"released", "superseded", NULL};
static const char *const feedback_verdicts[] = {"approve", "concern", "block", NULL};
static const char *const feedback_severities[] = {"low", "medium", "high", "critical", NULL};
static const char *const feedback_statuses[] = {"open", "acknowledged", "resolved", NULL};

static const struct param_spec rc_list_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	{"state", PARAM_QUERY, PARAM_ENUM, false, 0, 0, rc_states, "State", 0},
	{"target", PARAM_QUERY, PARAM_STRING, false, 1, 128, NULL,
	 "Target release, e.g. v0.38.0", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec rc_create_body[] = {
	{"version", PARAM_BODY, PARAM_STRING, true, 1, 128, NULL,
	 "The RC's version (its tag), e.g. v0.38.0-rc.1", 0},
	{"repository", PARAM_BODY, PARAM_REPO, true, 0, 0, NULL, "owner/name", 0},
	{"commit", PARAM_BODY, PARAM_SHA, true, 0, 0, NULL, "The commit it is cut from (40 hex)",
	 0},
	{"artifacts", PARAM_BODY, PARAM_ARRAY, false, 0, 50, NULL,
	 "Digests of the artifacts it ships (default: those built from its commit)",
	 PARAM_DIGEST},
	{"notes", PARAM_BODY, PARAM_STRING, false, 1, 10000, NULL, "Free text about this RC", 0},
	{0},
};

static const struct param_spec rc_proposal_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, true, 0, 0, NULL, "Repository owner/name", 0},
	{0},
};

static const struct param_spec rc_update_body[] = {
	{"state", PARAM_BODY, PARAM_ENUM, true, 0, 0, rc_states,
	 "The new state (a manual change must be one the RC's allowed_transitions lists)", 0},
	{"reason", PARAM_BODY, PARAM_STRING, false, 1, 500, NULL, "Why (kept in its history)", 0},
	{"expected_state", PARAM_BODY, PARAM_ENUM, false, 0, 0, rc_states,
	 "The state the caller saw; if the RC has left it: 409 state-changed, nothing changes", 0},
	{"override_reason", PARAM_BODY, PARAM_STRING, false, 1, 500, NULL,
	 "Approve or release although a gate failed or is pending (needs the release scope): "
	 "why; recorded with the gates not passed",
	 0},
	{0},
};

static const struct param_spec feedback_list_params[] = {
	{"id", PARAM_PATH, PARAM_ID, true, 0, 0, NULL, "Release candidate id", 0},
	{"verdict", PARAM_QUERY, PARAM_ENUM, false, 0, 0, feedback_verdicts, "Verdict", 0},
	{"status", PARAM_QUERY, PARAM_ENUM, false, 0, 0, feedback_statuses, "Status", 0},
	{"team", PARAM_QUERY, PARAM_STRING, false, 1, 64, NULL, "Team", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec feedback_create_body[] = {
	{"author", PARAM_BODY, PARAM_STRING, false, 1, 200, NULL,
	 "Who says it (default and only choice: the signed-in identity when it is mapped to a "
	 "team)",
	 0},
	{"team", PARAM_BODY, PARAM_STRING, false, 1, 64, NULL,
	 "Team (from the configuration for mapped identities)", 0},
	{"verdict", PARAM_BODY, PARAM_ENUM, true, 0, 0, feedback_verdicts,
	 "approve, concern or block", 0},
	{"severity", PARAM_BODY, PARAM_ENUM, false, 0, 0, feedback_severities,
	 "low, medium, high or critical", 0},
	{"area", PARAM_BODY, PARAM_STRING, false, 1, 100, NULL, "What part of the product", 0},
	{"comment", PARAM_BODY, PARAM_STRING, false, 1, 4000, NULL,
	 "What they saw (required with concern and block)", 0},
	{"given_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL,
	 "When it was given, for feedback entered later (default: now); not in the future, "
	 "not before the release candidate was cut",
	 0},
	{0},
};

static const struct param_spec feedback_update_body[] = {
	{"status", PARAM_BODY, PARAM_ENUM, true, 0, 0, feedback_statuses,
	 "open, acknowledged or resolved", 0},
	{"resolution", PARAM_BODY, PARAM_STRING, false, 1, 2000, NULL,
	 "How it was resolved (with status resolved)", 0},
	{"fixed_in", PARAM_BODY, PARAM_ID, false, 0, 0, NULL,
	 "The release candidate that fixes it (with status resolved)", 0},
	{0},
};

static const struct param_spec release_list_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec train_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL,
	 "Repository owner/name (default: the one with the latest RC or release)", 0},
	{0},
};

/* comparing two RCs, who has not tried one, asking for feedback
 * (release_candidates_compare.c, feedback_requests.c) */
static const struct param_spec rc_compare_params[] = {
	{"base", PARAM_QUERY, PARAM_ID, true, 0, 0, NULL,
	 "The release candidate compared with (its id)", 0},
	{"head", PARAM_QUERY, PARAM_ID, true, 0, 0, NULL,
	 "The release candidate compared (its id); of the same repository", 0},
	{0},
};

static const struct param_spec feedback_request_body[] = {
	{"teams", PARAM_BODY, PARAM_ARRAY, false, 0, 20, NULL,
	 "The teams asked, each a team of the configuration (default: the teams whose sign-off "
	 "the release needs)",
	 PARAM_STRING},
	{"message", PARAM_BODY, PARAM_STRING, false, 1, 1000, NULL,
	 "A word to the people asked (not only whitespace)", 0},
	{0},
};
