/*
 * roles.c — an SSO person's scopes from the configuration's roles (see
 * roles.h).
 */
#include "domain/roles.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void roles_mark(unsigned scopes, const char *what, char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN])
{
	for (unsigned i = 0; i < AUTH_N_SCOPES; i++)
		snprintf(from[i], AUTH_SCOPE_FROM_LEN, "%s", (scopes >> i) & 1u ? what : "");
}

/* Is `group` one of the comma-separated `groups`? */
static bool in_groups(const char *groups, const char *group)
{
	size_t want = strlen(group);
	const char *p = groups;

	while (p && *p) {
		const char *end = strchr(p, ',');
		const char *stop = end ? end : p + strlen(p);

		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		const char *last = stop;
		while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
			last--;
		if ((size_t)(last - p) == want && want && !strncasecmp(p, group, want))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Adds `scopes` to *have, recording `why` for the bits new to it. */
static void grant(unsigned *have, unsigned scopes, const char *kind, const char *name,
		  char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN])
{
	for (unsigned i = 0; i < AUTH_N_SCOPES; i++) {
		unsigned b = 1u << i;
		if (!(scopes & b) || (*have & b))
			continue;
		if (kind)
			snprintf(from[i], AUTH_SCOPE_FROM_LEN, "role:%s:%s", kind, name);
		else
			snprintf(from[i], AUTH_SCOPE_FROM_LEN, "%s", name);
		*have |= b;
	}
}

unsigned roles_sso_scopes(const struct config *cfg, const char *team, const char *groups,
			  char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN])
{
	unsigned have = 0;

	roles_mark(0, "", from);
	grant(&have, ROLES_SSO_DEFAULT, NULL, "default", from);
	for (size_t i = 0; cfg && i < cfg->n_roles; i++) {
		const struct config_role *r = &cfg->roles[i];
		/* what the configuration allows a role, whatever it holds */
		unsigned may = r->scopes & (ROLES_SSO_DEFAULT | AUTH_SCOPE_RELEASE);

		if (r->team && team && team[0] && !strcasecmp(r->team, team))
			grant(&have, may, "team", r->team, from);
		else if (r->group && groups && in_groups(groups, r->group))
			grant(&have, may, "group", r->group, from);
	}
	return have;
}
