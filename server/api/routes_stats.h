/*
 * routes_stats.h — parameter specs of the statistics routes (included by
 * routes.c only).
 */
static const struct param_spec stats_days_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Only this repository (owner/name)", 0},
	{"days", PARAM_QUERY, PARAM_INT, false, 1, 366, NULL, "How many days, ending now (default 30)",
	 0},
	{0},
};

static const struct param_spec stats_weeks_params[] = {
	{"environment", PARAM_QUERY, PARAM_STRING, false, 1, 100, NULL, "Only this environment", 0},
	{"weeks", PARAM_QUERY, PARAM_INT, false, 1, 104, NULL,
	 "How many weeks, ending with this one (default 12)", 0},
	{0},
};

static const struct param_spec stats_repo_weeks_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Only this repository (owner/name)", 0},
	{"weeks", PARAM_QUERY, PARAM_INT, false, 1, 104, NULL,
	 "How many weeks, ending with this one (default 12)", 0},
	{0},
};
