/*
 * roles.h — what a person signed in through SSO may do: the default read and
 * feedback, plus the scopes of the configuration's roles (roles:) naming
 * their team or one of their SSO groups.  Pure: a function of the
 * configuration and the identity's team and groups, evaluated on every
 * request, so a changed configuration applies to open sessions too.
 */
#ifndef SHIPLOG_DOMAIN_ROLES_H
#define SHIPLOG_DOMAIN_ROLES_H

#include "shiplog/auth.h"
#include "shiplog/config.h"

/* What SSO people get without any role. */
#define ROLES_SSO_DEFAULT (AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK)

/*
 * An SSO person's scopes: ROLES_SSO_DEFAULT plus those of every role naming
 * `team` (the team the configuration maps them to; "" or NULL for none) or
 * one of `groups` (the trusted groups header's value: comma-separated,
 * blanks around a name ignored, compared ignoring case; NULL for none).
 * from[i] says where bit 1 << i came from, the first that granted it:
 * "default", "role:team:<team>" or "role:group:<group>"; "" when not held.
 */
unsigned roles_sso_scopes(const struct config *cfg, const char *team, const char *groups,
			  char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN]);

/* from[i] = `what` for every bit of `scopes`, "" for the others (tokens:
 * "token", "admin-token"). */
void roles_mark(unsigned scopes, const char *what, char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN]);

#endif
