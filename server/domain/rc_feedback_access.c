/*
 * rc_feedback_access.c — who may change the status of a piece of feedback
 * (see rc.h).  A block holds the release gate closed until it is resolved,
 * so resolving is not for anyone who may give feedback: it is for whoever
 * gave it, their team, a release manager (the release scope) or an admin.
 */
#include <stdio.h>
#include <strings.h>

#include "domain/rc.h"
#include "shiplog/auth.h"

enum feedback_right rc_feedback_right(const struct config *cfg, const struct auth_identity *who,
				      const char *created_by)
{
	if (!who || !who->authenticated)
		return FEEDBACK_RIGHT_NONE;
	if (who->scopes & AUTH_SCOPE_ADMIN)
		return FEEDBACK_RIGHT_ADMIN;
	if (who->scopes & AUTH_SCOPE_RELEASE)
		return FEEDBACK_RIGHT_RELEASE;
	if (!created_by || !created_by[0] || !who->subject[0])
		return FEEDBACK_RIGHT_NONE;
	if (!strcasecmp(who->subject, created_by))
		return FEEDBACK_RIGHT_AUTHOR;
	/* the author's team as the configuration has it now, like the
	 * requester's (identity_set) */
	const struct config_team *t = config_team_of(cfg, created_by);
	if (t && who->team[0] && !strcasecmp(t->name, who->team))
		return FEEDBACK_RIGHT_TEAM;
	return FEEDBACK_RIGHT_NONE;
}

void rc_feedback_refusal(const struct config *cfg, const char *created_by, const char *verb,
			 char *buf, size_t size)
{
	const struct config_team *t = config_team_of(cfg, created_by);
	if (t)
		snprintf(buf, size,
			 "only the author (%s), their team (%s), a release manager or an admin "
			 "may %s this feedback",
			 created_by, t->name, verb);
	else
		snprintf(buf, size,
			 "only the author (%s), a release manager or an admin may %s this "
			 "feedback",
			 created_by, verb);
}
