/*
 * routes_audit.h — parameter specs of the audit trail's routes (included by
 * routes.c only).
 */
static const struct param_spec audit_list_params[] = {
	{"actor", PARAM_QUERY, PARAM_STRING, false, 1, 256, NULL,
	 "Who: an e-mail, a token's owner, or \"admin (SHIPLOG_ADMIN_TOKEN)\"", 0},
	{"action", PARAM_QUERY, PARAM_STRING, false, 1, 64, NULL,
	 "What: rc.created, rc.changed, rc.overridden, feedback.posted, token.revoked, ...", 0},
	{"target_type", PARAM_QUERY, PARAM_STRING, false, 1, 64, NULL,
	 "The kind of thing changed: release_candidate, feedback, token, environment, ...", 0},
	{"target_id", PARAM_QUERY, PARAM_STRING, false, 1, 256, NULL, "Its id or name", 0},
	{"since", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "At or after", 0},
	{"until", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "Before", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec audit_failed_params[] = {
	{"since", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "Hours at or after", 0},
	{"until", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "Hours before", 0},
	API_PAGE_PARAMS,
	{0},
};
