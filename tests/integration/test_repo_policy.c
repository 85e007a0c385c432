/*
 * test_repo_policy.c — per-repository release policies through the real server:
 * two repositories, one on the global policy (every two weeks, CI and smoke
 * gates on, the default RC pattern) and one with its own (weekly, CI and
 * smoke gates off, its own RC pattern).  The same kind of RC is ready in
 * one and waits for CI in the other; each train shows its own next date;
 * an RC version and a tag are read with the repository's pattern; GET
 * /api/v1/repos/{owner}/{name} shows the effective policy and where each
 * key comes from; a release is planned on its repository's cadence and ships
 * the RC its pattern targets; bad and unknown names are refused.  A SIGHUP that changes
 * a repository's policy takes effect at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define GLOBAL_REPO "itest/biweekly"
#define OWN_REPO    "itest/weekly"
#define C1	    "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
/* a Wednesday: the weekly train leaves tomorrow, the biweekly one in 9 days */
#define NOW "2026-05-06T09:00:00Z"

static struct itest_server server;
static char db_url[512];
static char config_path[256];

#define CONFIG_HEAD                                        \
	"releases:\n"                                      \
	"  cadence: {every: 2w, anchor: \"2026-05-15\"}\n" \
	"repositories:\n"                                  \
	"  - name: " GLOBAL_REPO "\n"                      \
	"  - name: itest/quiet\n"                          \
	"  - name: " OWN_REPO "\n"                         \
	"    default_branch: trunk\n"                      \
	"    releases:\n"                                  \
	"      rc_pattern: \"release-*_rc*\"\n"            \
	"      cadence: {every: 1w, weekday: thursday}\n"

static const char config_text[] = CONFIG_HEAD "      gates: {ci: false, smoke_tests: false}\n";
/* the reload: the weekly repository's CI gate back on, its soak changed */
static const char config_reloaded[] =
	CONFIG_HEAD "      gates: {smoke_tests: false, staging: {soak: 15m}}\n";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("policy", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("policy", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=" NOW, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* GET `path` as admin, expecting `want`; the caller frees *r. */
static json_t *get(const char *path, long want, struct itest_response *r)
{
	itest_get(&server, path, ITEST_ADMIN_TOKEN, r);
	if (r->status != want)
		fail_msg("GET %s answered %ld, expected %ld: %s", path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

/* Cuts RC `version` on C1 in `repo` through the API; returns its id. */
static long cut(const char *repo, const char *version, char *target, size_t size)
{
	char body[256];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"%s\",\"commit\":\"" C1 "\"}", version, repo);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/release-candidates", ITEST_ADMIN_TOKEN, body, &r);
	if (r.status != 201)
		fail_msg("cutting %s in %s answered %ld: %s", version, repo, r.status,
			 r.body ? r.body : "");
	long id = (long)itest_int(r.json, "id");
	if (target)
		snprintf(target, size, "%s", json_string_value(json_object_get(r.json, "target")));
	itest_response_free(&r);
	return id;
}

/* The readiness of RC `id`: its verdict and its gates' keys ("feedback",
 * "ci,smoke_tests,feedback"). */
static void readiness(long id, char *verdict, size_t vsize, char *gates, size_t gsize)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	struct itest_response r;
	json_t *o = get(path, 200, &r);
	snprintf(verdict, vsize, "%s", json_string_value(json_object_get(o, "verdict")));
	gates[0] = '\0';
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(o, "gates"), i, g) {
		size_t len = strlen(gates);
		snprintf(gates + len, gsize - len, "%s%s", i ? "," : "",
			 json_string_value(json_object_get(g, "gate")));
	}
	itest_response_free(&r);
}

/* A GitHub payload from tests/fixtures/github (never edited) moved to `repo`. */
static json_t *fixture_in(const char *fixture, const char *repo)
{
	json_t *p = gh_load_fixture(fixture);
	json_t *r = json_object_get(p, "repository");
	unsigned h = 5381;
	for (const char *c = repo; *c; c++)
		h = h * 33u + (unsigned char)*c;
	json_object_set_new(r, "full_name", json_string(repo));
	json_object_set_new(r, "name", json_string(strchr(repo, '/') + 1));
	json_object_set_new(r, "id", json_integer((json_int_t)(h % 1000000u)));
	return p;
}

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	json_decref(payload);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	itest_response_free(&r);
}

static void the_same_rc_is_judged_by_its_repositorys_gates(void **state)
{
	(void)state;
	long own = cut(OWN_REPO, "release-3_rc1", NULL, 0);
	long global = cut(GLOBAL_REPO, "v3.0.0-rc.1", NULL, 0);
	char verdict[32], gates[128];
	/* CI and smoke gates off, nothing else asked: ready */
	readiness(own, verdict, sizeof verdict, gates, sizeof gates);
	assert_string_equal(gates, "feedback");
	assert_string_equal(verdict, "ready");
	/* the global gates: CI and smoke tests wait for runs that never came */
	readiness(global, verdict, sizeof verdict, gates, sizeof gates);
	assert_string_equal(gates, "ci,smoke_tests,feedback");
	assert_string_equal(verdict, "pending");
}

static void rc_versions_and_tags_are_read_with_the_repositorys_pattern(void **state)
{
	(void)state;
	char target[64];
	/* "release-*_rc*": what comes before "_rc" is the release */
	cut(OWN_REPO, "release-7_rc2", target, sizeof target);
	assert_string_equal(target, "release-7");
	/* the default pattern ("v*-rc.*") sees no RC suffix in it */
	cut(GLOBAL_REPO, "release-7_rc2", target, sizeof target);
	assert_string_equal(target, "release-7_rc2");

	/* a tag created on GitHub: an RC tag in one repository, not the other */
	const char *repos[] = {OWN_REPO, GLOBAL_REPO};
	for (size_t i = 0; i < 2; i++) {
		json_t *p = fixture_in("create.json", repos[i]);
		json_object_set_new(p, "ref", json_string("release-8_rc1"));
		deliver("create", p);
	}
	char *flags =
		itest_sql(db_url, "SELECT string_agg(r.full_name || ':' || t.is_rc::text, ','"
				  " ORDER BY r.full_name) FROM tags t JOIN repositories r"
				  " ON r.id = t.repository_id WHERE t.name = 'release-8_rc1'");
	assert_string_equal(flags, GLOBAL_REPO ":false," OWN_REPO ":true");
	free(flags);
}

static void each_train_runs_on_its_repositorys_cadence(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = get("/api/v1/train?repo=" OWN_REPO, 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "repository")), OWN_REPO);
	assert_string_equal(json_string_value(json_object_get(o, "next_release_date")),
			    "2026-05-07");
	assert_int_equal(itest_int(o, "days_until_next"), 1);
	assert_int_equal(itest_int(json_object_get(o, "cadence"), "every_days"), 7);
	itest_response_free(&r);

	o = get("/api/v1/train?repo=" GLOBAL_REPO, 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "next_release_date")),
			    "2026-05-15");
	assert_int_equal(itest_int(o, "days_until_next"), 9);
	assert_int_equal(itest_int(json_object_get(o, "cadence"), "every_days"), 14);
	itest_response_free(&r);

	/* configured, never named by an event: its cadence, an empty train */
	o = get("/api/v1/train?repo=itest/quiet", 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "repository")), "itest/quiet");
	assert_string_equal(json_string_value(json_object_get(o, "next_release_date")),
			    "2026-05-15");
	assert_true(json_is_null(json_object_get(o, "current_rc")));
	itest_response_free(&r);

	/* a malformed name, and one shiplog does not know */
	itest_get(&server, "/api/v1/train?repo=not-a-repo", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "repo");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/train?repo=itest/nowhere", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "itest/nowhere");
	itest_response_free(&r);
}

/* GitHub publishes release `tag` of `repo` on Monday 2026-05-04; returns the
 * release as GET /api/v1/releases?repo= lists it (the caller frees *r). */
static json_t *publish(const char *repo, long id, const char *tag, struct itest_response *r)
{
	json_t *p = fixture_in("release.published.json", repo);
	json_t *rel = json_object_get(p, "release");
	json_object_set_new(rel, "id", json_integer(id));
	json_object_set_new(rel, "tag_name", json_string(tag));
	json_object_set_new(rel, "name", json_string(tag));
	json_object_set_new(rel, "draft", json_false());
	json_object_set_new(rel, "prerelease", json_false());
	json_object_set_new(rel, "created_at", json_string("2026-05-04T10:00:00Z"));
	json_object_set_new(rel, "published_at", json_string("2026-05-04T10:00:00Z"));
	deliver("release", p);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/releases?repo=%s", repo);
	json_t *items = json_object_get(get(path, 200, r), "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(items, i), "version")),
			    tag))
			return json_array_get(items, i);
	fail_msg("%s: no release %s in %s", repo, tag, r->body);
	return NULL;
}

static void a_release_is_planned_and_matched_by_its_repositorys_policy(void **state)
{
	(void)state;
	/* weekly on Thursdays: planned for 2026-04-30, four days late; it ships
	 * the RC whose target the repository's pattern gave */
	struct itest_response r;
	json_t *rel = publish(OWN_REPO, 9301, "release-3", &r);
	assert_string_equal(json_string_value(json_object_get(rel, "planned_for")), "2026-04-30");
	assert_int_equal(itest_int(rel, "days_late"), 4);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(rel, "release_candidate"), "version")),
			    "release-3_rc1");
	itest_response_free(&r);
	/* every two weeks from 2026-05-15: planned for 2026-05-01, three days late */
	rel = publish(GLOBAL_REPO, 9302, "v3.0.0", &r);
	assert_string_equal(json_string_value(json_object_get(rel, "planned_for")), "2026-05-01");
	assert_int_equal(itest_int(rel, "days_late"), 3);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(rel, "release_candidate"), "version")),
			    "v3.0.0-rc.1");
	itest_response_free(&r);
}

static void a_version_is_proposed_with_the_repositorys_pattern(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = get("/api/v1/release-candidates/proposal?repo=" OWN_REPO, 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "rc_pattern")), "release-*_rc*");
	itest_response_free(&r);
	o = get("/api/v1/release-candidates/proposal?repo=" GLOBAL_REPO, 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "rc_pattern")), "v*-rc.*");
	itest_response_free(&r);
}

static void a_repository_shows_its_effective_policy_and_sources(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = get("/api/v1/repos/ITEST/Weekly", 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "full_name")), OWN_REPO);
	assert_string_equal(json_string_value(json_object_get(o, "default_branch")), "trunk");
	assert_true(json_is_true(json_object_get(o, "configured")));
	assert_non_null(json_object_get(json_object_get(o, "repository"), "id"));
	json_t *pol = json_object_get(o, "policy"), *src = json_object_get(o, "policy_sources");
	assert_string_equal(json_string_value(json_object_get(pol, "rc_pattern")), "release-*_rc*");
	assert_int_equal(itest_int(json_object_get(pol, "cadence"), "every_days"), 7);
	assert_false(json_is_true(json_object_get(json_object_get(pol, "gates"), "ci")));
	assert_string_equal(json_string_value(json_object_get(src, "rc_pattern")), "repository");
	assert_string_equal(json_string_value(json_object_get(src, "cadence")), "repository");
	assert_string_equal(json_string_value(json_object_get(src, "gates.ci")), "repository");
	assert_string_equal(json_string_value(json_object_get(src, "gates.staging.soak")),
			    "global");
	assert_string_equal(json_string_value(json_object_get(src, "required_artifacts")),
			    "global");
	itest_response_free(&r);

	o = get("/api/v1/repos/itest/biweekly", 200, &r);
	src = json_object_get(o, "policy_sources");
	const char *key;
	json_t *v;
	json_object_foreach(src, key, v)
		assert_string_equal(json_string_value(v), "global");
	assert_int_equal(json_object_size(src), 11);
	assert_int_equal(
		itest_int(json_object_get(json_object_get(o, "policy"), "cadence"), "every_days"),
		14);
	itest_response_free(&r);

	/* configured only: what the configuration says, nothing from GitHub yet */
	o = get("/api/v1/repos/itest/quiet", 200, &r);
	assert_true(json_is_true(json_object_get(o, "configured")));
	assert_true(json_is_null(json_object_get(o, "repository")));
	assert_string_equal(json_string_value(json_object_get(o, "default_branch")), "main");
	itest_response_free(&r);

	/* unknown to shiplog (neither configured nor seen): 404; malformed: 400 */
	itest_get(&server, "/api/v1/repos/itest/nowhere", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "itest/nowhere is unknown");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/-itest/weekly", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "owner: expected a GitHub owner");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/we%20ekly", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "name: expected a repository name");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/..", ITEST_ADMIN_TOKEN, &r);
	assert_true(r.status == 400 || r.status == 404);
	itest_response_free(&r);
	/* reading needs the read scope like every other repository answer */
	itest_get(&server, "/api/v1/repos/itest/weekly", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

static size_t count_in_log(const char *needle)
{
	size_t len, n = 0;
	char *log = itest_read_file(server.log_path, &len);
	for (const char *p = log ? log : ""; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return n;
}

static void a_reloaded_policy_applies_at_once(void **state)
{
	(void)state;
	long own = cut(OWN_REPO, "release-9_rc1", NULL, 0);
	char verdict[32], gates[128];
	readiness(own, verdict, sizeof verdict, gates, sizeof gates);
	assert_string_equal(gates, "feedback");

	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.tmp", config_path);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(config_reloaded, 1, strlen(config_reloaded), f),
			 strlen(config_reloaded));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, config_path), 0);
	size_t before = count_in_log("configuration reloaded");
	assert_int_equal(kill(server.pid, SIGHUP), 0);
	/* bounded wait for the reload's log line (not a timing assumption) */
	for (int i = 0; i < 2000 && count_in_log("configuration reloaded") == before; i++) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	assert_true(count_in_log("configuration reloaded") > before);

	/* the CI gate is the global one again; the soak is the repository's */
	readiness(own, verdict, sizeof verdict, gates, sizeof gates);
	assert_string_equal(gates, "ci,feedback");
	assert_string_equal(verdict, "pending");
	struct itest_response r;
	json_t *o = get("/api/v1/repos/itest/weekly", 200, &r);
	json_t *src = json_object_get(o, "policy_sources");
	assert_string_equal(json_string_value(json_object_get(src, "gates.ci")), "global");
	assert_string_equal(json_string_value(json_object_get(src, "gates.staging.soak")),
			    "repository");
	assert_int_equal(
		itest_int(json_object_get(json_object_get(json_object_get(o, "policy"), "gates"),
					  "staging"),
			  "soak_seconds"),
		900);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_same_rc_is_judged_by_its_repositorys_gates),
		cmocka_unit_test(rc_versions_and_tags_are_read_with_the_repositorys_pattern),
		cmocka_unit_test(each_train_runs_on_its_repositorys_cadence),
		cmocka_unit_test(a_release_is_planned_and_matched_by_its_repositorys_policy),
		cmocka_unit_test(a_version_is_proposed_with_the_repositorys_pattern),
		cmocka_unit_test(a_repository_shows_its_effective_policy_and_sources),
		cmocka_unit_test(a_reloaded_policy_applies_at_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
