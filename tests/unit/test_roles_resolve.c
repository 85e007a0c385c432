/*
 * test_roles_resolve.c — an SSO person's scopes from the configuration's roles
 * (server/domain/roles.c): the default read and feedback, plus the roles of
 * their team and of their SSO groups, each scope with where it came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/roles.h"
#include "shiplog/auth.h"
#include "shiplog/config.h"

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static struct config *load(const char *text)
{
	struct config_error err = {{0}};
	struct config *cfg = config_load_string("roles.yaml", text, strlen(text), no_env, &err);
	if (!cfg)
		fail_msg("config: %s", err.message);
	return cfg;
}

static const char *const config_text =
	"teams:\n"
	"  - {name: release-managers, members: [rm@example.com]}\n"
	"  - {name: sales, members: [\"*@sales.example.com\"]}\n"
	"roles:\n"
	"  - {team: release-managers, scopes: [read, feedback, release]}\n"
	"  - {group: Release-Leads, scopes: [release]}\n"
	"  - {group: sales, scopes: [read, feedback]}\n";

#define FROM(i) from[__builtin_ctz((unsigned)(i))]

static void no_role_gives_the_default(void **state)
{
	(void)state;
	struct config *cfg = load(config_text);
	char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	assert_int_equal(roles_sso_scopes(cfg, "sales", "sales", from),
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK);
	assert_string_equal(FROM(AUTH_SCOPE_READ), "default");
	assert_string_equal(FROM(AUTH_SCOPE_FEEDBACK), "default");
	assert_string_equal(FROM(AUTH_SCOPE_RELEASE), "");
	assert_string_equal(FROM(AUTH_SCOPE_CI), "");
	assert_int_equal(roles_sso_scopes(cfg, "", NULL, from),
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK);
	assert_int_equal(roles_sso_scopes(NULL, NULL, NULL, from),
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK);
	config_free(cfg);
}

static void a_team_role_adds_release(void **state)
{
	(void)state;
	struct config *cfg = load(config_text);
	char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	assert_int_equal(roles_sso_scopes(cfg, "Release-Managers", NULL, from),
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK | AUTH_SCOPE_RELEASE);
	assert_string_equal(FROM(AUTH_SCOPE_RELEASE), "role:team:release-managers");
	assert_string_equal(FROM(AUTH_SCOPE_READ), "default");
	config_free(cfg);
}

/* groups: comma-separated, blanks around a name ignored, no prefix matches */
static void a_group_role_matches_whole_names_only(void **state)
{
	(void)state;
	struct config *cfg = load(config_text);
	char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	unsigned dflt = AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK;
	assert_int_equal(roles_sso_scopes(cfg, "", "engineering, release-leads ,x", from),
			 dflt | AUTH_SCOPE_RELEASE);
	assert_string_equal(FROM(AUTH_SCOPE_RELEASE), "role:group:Release-Leads");
	static const char *const not_it[] = {"release-leads-x", "xrelease-leads",
					     "release", "", ",", "release leads",
					     "Release-Leads2,sales"};
	for (size_t i = 0; i < sizeof not_it / sizeof not_it[0]; i++)
		if (roles_sso_scopes(cfg, "", not_it[i], from) != dflt)
			fail_msg("groups \"%s\" gave a role", not_it[i]);
	config_free(cfg);
}

/* a role grants only read, feedback and release, whatever it holds */
static void a_role_never_gives_ci_or_admin(void **state)
{
	(void)state;
	struct config *cfg = load(config_text);
	char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	cfg->roles[0].scopes |= AUTH_SCOPE_CI | AUTH_SCOPE_ADMIN;
	unsigned got = roles_sso_scopes(cfg, "release-managers", NULL, from);
	assert_int_equal(got, AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK | AUTH_SCOPE_RELEASE);
	config_free(cfg);
}

static void tokens_are_marked_as_such(void **state)
{
	(void)state;
	char from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	roles_mark(AUTH_SCOPE_CI | AUTH_SCOPE_READ, "token", from);
	assert_string_equal(FROM(AUTH_SCOPE_CI), "token");
	assert_string_equal(FROM(AUTH_SCOPE_READ), "token");
	assert_string_equal(FROM(AUTH_SCOPE_RELEASE), "");
	assert_string_equal(FROM(AUTH_SCOPE_ADMIN), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_role_gives_the_default),
		cmocka_unit_test(a_team_role_adds_release),
		cmocka_unit_test(a_group_role_matches_whole_names_only),
		cmocka_unit_test(a_role_never_gives_ci_or_admin),
		cmocka_unit_test(tokens_are_marked_as_such),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
