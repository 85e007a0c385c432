/*
 * test_github_events.c — check_suite, check_run, release, registry_package,
 * package, deployment and deployment_status deliveries through the real
 * endpoint, signed, and what each stores: check suites and runs against the
 * commit (order-independent), releases with an event per action (deletion
 * final), artifacts (the odd docker payloads, immutability on digest
 * conflicts), and GitHub deployments with their statuses.
 *
 * Every test starts from empty domain tables, so the example payloads
 * (which reuse ids across files) are sent byte-exact.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

#define DOCKER_DIGEST "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"
#define HEAD_SHA      "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("ghevents", db_url, sizeof db_url);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void reset_tables(void)
{
	free(itest_sql(db_url, "TRUNCATE check_suites, check_runs, releases, artifacts, "
			       "github_deployments, github_deployment_statuses, events CASCADE"));
}

static int reset(void **state)
{
	(void)state;
	reset_tables();
	return 0;
}

static long sqll(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sqll(const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql_long(db_url, sql);
}

/* Asserts the first column of the query is `expected` (NULL: SQL NULL). */
static void sql_is(const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sql_is(const char *expected, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char *v = itest_sql(db_url, sql);
	if (!expected) {
		if (v)
			fail_msg("expected NULL, got '%s' from: %s", v, sql);
	} else {
		if (!v)
			fail_msg("expected '%s', got NULL/no row from: %s", expected, sql);
		if (strcmp(v, expected) != 0)
			fail_msg("expected '%s', got '%s' from: %s", expected, v, sql);
	}
	free(v);
}

static long reply_row(const struct itest_response *r, long status, const char *word)
{
	if (r->status != status)
		fail_msg("expected %ld, got %ld: %.*s", status, r->status, (int)r->body_len,
			 r->body ? r->body : "");
	assert_non_null(r->json);
	if (word)
		assert_string_equal(json_string_value(json_object_get(r->json, "status")), word);
	return (long)json_integer_value(json_object_get(r->json, "delivery"));
}

/* Sends a fixture byte-exact, signed; asserts 200 processed; returns the row. */
static long send_fixture(const char *event, const char *file)
{
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, event, gh_delivery_id(id, sizeof id), file, &r);
	long row = reply_row(&r, 200, "processed");
	itest_response_free(&r);
	assert_int_equal(sqll("SELECT count(*) FROM deliveries WHERE id = %ld AND status = "
			      "'processed' AND signature = 'valid' AND error IS NULL",
			      row),
			 1);
	return row;
}

/* Sends a rewritten payload, signed; asserts the answer; returns the row. */
static long send_json(const char *event, const json_t *payload, long status, const char *word)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	long row = reply_row(&r, status, word);
	itest_response_free(&r);
	return row;
}

/* ---- check runs ---- */

static void check_run_fixtures_are_stored_against_the_commit(void **state)
{
	(void)state;
	send_fixture("check_run", "check_run.created.json");
	const char *row = "FROM check_runs WHERE github_id = 128620228";
	sql_is("queued", "SELECT status %s", row);
	sql_is(NULL, "SELECT conclusion %s", row);
	sql_is(HEAD_SHA, "SELECT head_sha %s", row);
	sql_is("Octocoders-linter", "SELECT name %s", row);
	sql_is("octocoders-linter", "SELECT app_name %s", row);
	sql_is("118578147", "SELECT check_suite_id::text %s", row);
	sql_is("2019-05-15T15:21:12Z",
	       "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       row);
	sql_is("https://github.com/Codertocat/Hello-World/runs/128620228", "SELECT html_url %s",
	       row);
	sql_is("Codertocat/Hello-World", "SELECT r.full_name FROM check_runs c JOIN repositories r "
					 "ON r.id = c.repository_id");

	long d = send_fixture("check_run", "check_run.completed.json");
	sql_is("completed", "SELECT status %s", row);
	sql_is("success", "SELECT conclusion %s", row);
	sql_is("2019-05-15T15:21:12Z",
	       "SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	       "%s",
	       row);
	assert_int_equal(sqll("SELECT count(*) FROM check_runs"), 1);
	/* a domain event per change, with who caused it */
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'check_run.updated' AND "
			      "actor = 'github:Codertocat' AND payload->>'head_sha' = '" HEAD_SHA
			      "'"),
			 2);
	assert_int_equal(
		sqll("SELECT count(*) FROM events WHERE kind = 'check_run.updated' AND "
		     "payload->>'status' = 'completed' AND payload->>'conclusion' = 'success'"),
		1);

	/* the deliveries API answers what was done with it */
	char path[64];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", d);
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "event")), "check_run");
	assert_string_equal(json_string_value(json_object_get(r.json, "action")), "completed");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	assert_string_equal(json_string_value(json_object_get(r.json, "signature")), "valid");
	assert_string_equal(json_string_value(json_object_get(r.json, "repository")),
			    "Codertocat/Hello-World");
	itest_response_free(&r);
}

static void check_run_completed_then_created_stays_completed(void **state)
{
	(void)state;
	send_fixture("check_run", "check_run.completed.json");
	send_fixture("check_run", "check_run.created.json"); /* older, arrives late */
	const char *row = "FROM check_runs WHERE github_id = 128620228";
	sql_is("completed", "SELECT status %s", row);
	sql_is("success", "SELECT conclusion %s", row);
	sql_is("3", "SELECT status_rank::text %s", row);
	sql_is("t", "SELECT (completed_at IS NOT NULL)::text::char %s", row);
	/* the late event changed nothing, so it recorded nothing */
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'check_run.updated'"), 1);
}

/* check_run.completed (success) and .completed.1 (failure) have the same id
 * and the same completed_at: the tiebreak must pick the same winner in
 * either order. */
static void equal_time_check_run_completions_resolve_the_same_in_any_order(void **state)
{
	(void)state;
	send_fixture("check_run", "check_run.completed.json");
	send_fixture("check_run", "check_run.completed.1.json");
	char *first = itest_sqlf(db_url, "SELECT conclusion FROM check_runs WHERE github_id = 128620228");
	assert_non_null(first);
	assert_true(strcmp(first, "success") == 0 || strcmp(first, "failure") == 0);
	reset_tables();
	send_fixture("check_run", "check_run.completed.1.json");
	send_fixture("check_run", "check_run.completed.json");
	sql_is(first, "SELECT conclusion FROM check_runs WHERE github_id = 128620228");
	free(first);
}

/* ---- check suites ---- */

static void check_suite_fixtures_are_stored_and_merge_in_any_order(void **state)
{
	(void)state;
	send_fixture("check_suite", "check_suite.requested.json");
	const char *req = "FROM check_suites WHERE github_id = 118578174";
	sql_is("queued", "SELECT status %s", req);
	sql_is(NULL, "SELECT conclusion %s", req);
	sql_is("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "SELECT head_sha %s", req);
	sql_is("master", "SELECT head_branch %s", req);
	sql_is("octocoders-linter", "SELECT app_name %s", req);

	send_fixture("check_suite", "check_suite.completed.json");
	send_fixture("check_suite", "check_suite.completed.1.json");
	const char *done = "FROM check_suites WHERE github_id = 118578147";
	sql_is("completed", "SELECT status %s", done);
	sql_is("success", "SELECT conclusion %s", done);
	sql_is(HEAD_SHA, "SELECT head_sha %s", done);
	sql_is("2019-05-15T15:21:14Z",
	       "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       done);
	/* the two completions differ only in head_branch, with equal times */
	char *branch = itest_sqlf(db_url, "SELECT head_branch %s", done);
	assert_non_null(branch);
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'check_suite.updated'"), 2);

	reset_tables();
	send_fixture("check_suite", "check_suite.completed.1.json");
	send_fixture("check_suite", "check_suite.completed.json");
	sql_is(branch, "SELECT head_branch %s", done);
	free(branch);

	/* requested after completed (rewritten to the completed suite's id and a
	 * later updated_at): a lower status rank never wins */
	json_t *p = gh_load_fixture("check_suite.requested.json");
	json_t *cs = json_object_get(p, "check_suite");
	json_object_set_new(cs, "id", json_integer(118578147));
	json_object_set_new(cs, "updated_at", json_string("2030-01-01T00:00:00Z"));
	send_json("check_suite", p, 200, "processed");
	json_decref(p);
	sql_is("completed", "SELECT status %s", done);
	sql_is("success", "SELECT conclusion %s", done);
}

static void check_payload_without_id_is_refused_naming_the_field(void **state)
{
	(void)state;
	json_t *p = gh_load_fixture("check_run.created.json");
	json_object_del(json_object_get(p, "check_run"), "id");
	char id[64];
	struct itest_response r;
	gh_send_json(&server, "check_run", gh_delivery_id(id, sizeof id), p, &r);
	itest_assert_problem(&r, 400, "invalid-field", "check_run.id");
	itest_response_free(&r);
	json_decref(p);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM deliveries WHERE delivery_id = '%s' AND status = 'failed' "
		 "AND error LIKE '%%check_run.id%%'",
		 id);
	assert_int_equal(itest_sql_long(db_url, sql), 1);
	assert_int_equal(sqll("SELECT count(*) FROM check_runs"), 0);
}

/* the commit answers with the checks other CI systems reported on it */
static void commit_api_shows_its_check_suites_and_runs(void **state)
{
	(void)state;
	send_fixture("check_suite", "check_suite.completed.json");
	send_fixture("check_run", "check_run.completed.json");
	send_fixture("check_run", "check_run.created.json"); /* late: changes nothing */
	char *token = itest_token(&server, "read");
	struct itest_response r;
	itest_get(&server, "/api/v1/repos/Codertocat/Hello-World/commits/" HEAD_SHA, token, &r);
	free(token);
	if (r.status != 200)
		fail_msg("expected 200, got %ld: %.*s", r.status, (int)r.body_len,
			 r.body ? r.body : "");
	json_t *suites = json_object_get(r.json, "check_suites");
	json_t *runs = json_object_get(r.json, "check_runs");
	assert_int_equal(json_array_size(suites), 1);
	assert_int_equal(json_array_size(runs), 1);
	json_t *cs = json_array_get(suites, 0);
	assert_int_equal(json_integer_value(json_object_get(cs, "id")), 118578147);
	assert_string_equal(json_string_value(json_object_get(cs, "status")), "completed");
	assert_string_equal(json_string_value(json_object_get(cs, "conclusion")), "success");
	assert_string_equal(json_string_value(json_object_get(cs, "head_branch")), "changes");
	json_t *cr = json_array_get(runs, 0);
	assert_int_equal(json_integer_value(json_object_get(cr, "id")), 128620228);
	assert_int_equal(json_integer_value(json_object_get(cr, "check_suite_id")), 118578147);
	assert_string_equal(json_string_value(json_object_get(cr, "name")), "Octocoders-linter");
	assert_string_equal(json_string_value(json_object_get(cr, "status")), "completed");
	assert_string_equal(json_string_value(json_object_get(cr, "conclusion")), "success");
	assert_string_equal(json_string_value(json_object_get(cr, "completed_at")),
			    "2019-05-15T15:21:12Z");
	itest_response_free(&r);
}

/* ---- releases ---- */

static void release_fixtures_keep_the_release_and_an_event_per_action(void **state)
{
	(void)state;
	const char *row = "FROM releases WHERE github_id = 17372790";
	send_fixture("release", "release.created.json");
	sql_is("0.0.1", "SELECT tag_name %s", row);
	sql_is("created", "SELECT last_action %s", row);
	sql_is("false", "SELECT prerelease::text %s", row);
	sql_is("false", "SELECT draft::text %s", row);
	sql_is("master", "SELECT target_commitish %s", row);
	sql_is("Codertocat", "SELECT author %s", row);
	sql_is("", "SELECT name %s", row);
	sql_is("https://github.com/Codertocat/Hello-World/releases/tag/0.0.1", "SELECT html_url %s",
	       row);
	sql_is("2019-05-15T15:19:25Z",
	       "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       row);
	sql_is("2019-05-15T15:20:53Z",
	       "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	       "%s",
	       row);
	sql_is(NULL, "SELECT deleted_at %s", row);

	send_fixture("release", "release.prereleased.json");
	sql_is("true", "SELECT prerelease::text %s", row);
	sql_is("prereleased", "SELECT last_action %s", row);
	send_fixture("release", "release.published.json");
	sql_is("false", "SELECT prerelease::text %s", row);
	sql_is("published", "SELECT last_action %s", row);
	send_fixture("release", "release.released.json");
	sql_is("released", "SELECT last_action %s", row);
	assert_int_equal(sqll("SELECT count(*) FROM releases"), 1);

	const char *kinds[] = {"release.created", "release.prereleased", "release.published",
			       "release.released"};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = '%s' AND "
				      "entity_type = 'release' AND payload->>'tag' = '0.0.1' AND "
				      "payload->>'repository' = 'Codertocat/Hello-World'",
				      kinds[i]),
				 1);
	/* the prereleased event says it was a prerelease: an RC, not a release */
	sql_is("true",
	       "SELECT payload->>'prerelease' FROM events WHERE kind = 'release.prereleased'");
	sql_is("false",
	       "SELECT payload->>'prerelease' FROM events WHERE kind = 'release.published'");
}

static void deleted_release_stays_deleted_when_older_events_arrive(void **state)
{
	(void)state;
	const char *row = "FROM releases WHERE github_id = 17372790";
	send_fixture("release", "release.published.json");
	json_t *p = gh_load_fixture("release.published.json");
	json_object_set_new(p, "action", json_string("deleted"));
	send_json("release", p, 200, "processed");
	json_decref(p);
	sql_is("t", "SELECT (deleted_at IS NOT NULL)::text::char %s", row);
	sql_is("deleted", "SELECT last_action %s", row);
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'release.deleted' AND "
			      "payload->>'tag' = '0.0.1' AND payload->>'deleted' = 'true'"),
			 1);
	/* a redelivered publish of the same release does not bring it back */
	send_fixture("release", "release.released.json");
	sql_is("t", "SELECT (deleted_at IS NOT NULL)::text::char %s", row);
	assert_int_equal(sqll("SELECT count(*) FROM releases"), 1);
}

static void release_odd_actions_and_payloads(void **state)
{
	(void)state;
	/* an action shiplog does not use: stored, answered 202 */
	json_t *p = gh_load_fixture("release.published.json");
	json_object_set_new(p, "action", json_string("assigned"));
	long row = send_json("release", p, 202, "ignored");
	assert_int_equal(
		sqll("SELECT count(*) FROM deliveries WHERE id = %ld AND status = 'ignored'", row),
		1);
	assert_int_equal(sqll("SELECT count(*) FROM releases"), 0);
	json_decref(p);

	/* no tag: refused, naming the field, and nothing stored */
	p = gh_load_fixture("release.published.json");
	json_object_del(json_object_get(p, "release"), "tag_name");
	char id[64];
	struct itest_response r;
	gh_send_json(&server, "release", gh_delivery_id(id, sizeof id), p, &r);
	itest_assert_problem(&r, 400, "invalid-field", "release.tag_name");
	itest_response_free(&r);
	json_decref(p);
	assert_int_equal(sqll("SELECT count(*) FROM deliveries WHERE delivery_id = '%s' AND "
			      "status = 'failed'",
			      id),
			 1);
	assert_int_equal(sqll("SELECT count(*) FROM releases"), 0);
	assert_int_equal(sqll("SELECT count(*) FROM events"), 0);
}

/* ---- packages → artifacts ---- */

static void registry_package_docker_fixture_is_an_image_despite_npm_type(void **state)
{
	(void)state;
	send_fixture("registry_package", "registry_package.published.docker.json");
	assert_int_equal(sqll("SELECT count(*) FROM artifacts"), 1);
	const char *row = "FROM artifacts";
	/* package_type says "npm"; the container metadata says image */
	sql_is("image", "SELECT kind %s", row);
	sql_is("Codertocat/hello-world/hello-world-npm", "SELECT name %s", row);
	/* empty tag name: the digest the payload gives as version is the version */
	sql_is(DOCKER_DIGEST, "SELECT version %s", row);
	sql_is(DOCKER_DIGEST, "SELECT digest %s", row);
	sql_is("ghcr.io/Codertocat/hello-world@" DOCKER_DIGEST, "SELECT uri %s", row);
	sql_is("github", "SELECT source %s", row);
	sql_is(NULL, "SELECT commit_sha %s", row);
	sql_is("Codertocat/hello-world-npm",
	       "SELECT r.full_name FROM artifacts a JOIN repositories r ON r.id = a.repository_id");
	sql_is("nightly", "SELECT labels->>'org.opencontainers.image.version' %s", row);
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'artifact.created' AND "
			      "payload->>'digest' = '" DOCKER_DIGEST "'"),
			 1);
}

static void package_docker_fixture_with_the_same_digest_changes_nothing(void **state)
{
	(void)state;
	send_fixture("registry_package", "registry_package.published.docker.json");
	char *before = itest_sqlf(db_url, "SELECT row_to_json(a)::text FROM artifacts a");
	send_fixture("package", "package.published.docker.json");
	char *after = itest_sqlf(db_url, "SELECT row_to_json(a)::text FROM artifacts a");
	assert_non_null(before);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(sqll("SELECT count(*) FROM artifacts"), 1);
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind LIKE 'artifact.%%'"), 1);

	/* alone, the package fixture also carries the commit (target_oid) */
	reset_tables();
	send_fixture("package", "package.published.docker.json");
	sql_is("image", "SELECT kind FROM artifacts");
	sql_is("6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b", "SELECT commit_sha FROM artifacts");
}

static void package_npm_fixture_is_an_npm_artifact(void **state)
{
	(void)state;
	send_fixture("package", "package.published.npm.json");
	const char *row = "FROM artifacts";
	sql_is("npm", "SELECT kind %s", row);
	sql_is("hello-world-npm", "SELECT name %s", row);
	sql_is("1.0.0", "SELECT version %s", row);
	sql_is(DOCKER_DIGEST, "SELECT digest %s", row);
	sql_is("https://github.com/Codertocat/hello-world-npm/packages/10696?version=1.0.0",
	       "SELECT uri %s", row);
	sql_is("654", "SELECT size::text %s", row);
	sql_is("6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b", "SELECT commit_sha %s", row);
}

static void artifact_digest_conflict_keeps_the_first_and_is_recorded(void **state)
{
	(void)state;
	send_fixture("package", "package.published.npm.json");
	char other[80] = "sha256:";
	memset(other + 7, 'a', 64);
	other[71] = '\0';
	json_t *p = gh_load_fixture("package.published.npm.json");
	json_object_set_new(json_object_get(json_object_get(p, "package"), "package_version"),
			    "name", json_string(other));
	long row = send_json("package", p, 200, "processed");
	json_decref(p);
	/* the delivery is a fact GitHub reported: processed, no error */
	assert_int_equal(sqll("SELECT count(*) FROM deliveries WHERE id = %ld AND status = "
			      "'processed' AND error IS NULL",
			      row),
			 1);
	/* the artifact is immutable: the first digest stays */
	assert_int_equal(sqll("SELECT count(*) FROM artifacts"), 1);
	sql_is(DOCKER_DIGEST, "SELECT digest FROM artifacts WHERE kind = 'npm' AND name = "
			      "'hello-world-npm' AND version = '1.0.0'");
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'artifact.conflict' AND "
			      "entity_id = (SELECT id::text FROM artifacts) AND "
			      "payload->>'stored_digest' = '" DOCKER_DIGEST "' AND "
			      "payload->>'offered_digest' = '%s' AND payload->>'version' = '1.0.0'",
			      other),
			 1);
}

/* ---- GitHub deployments ---- */

static void deployment_fixtures_are_stored(void **state)
{
	(void)state;
	send_fixture("deployment", "deployment.created.json");
	const char *row = "FROM github_deployments WHERE github_id = 145988746";
	sql_is("production", "SELECT environment %s", row);
	sql_is("f95f852bd8fca8fcc58a9a2d6c842781e32a215e", "SELECT sha %s", row);
	sql_is("master", "SELECT ref %s", row);
	sql_is("deploy", "SELECT task %s", row);
	sql_is("Codertocat", "SELECT creator %s", row);
	sql_is("2019-05-15T15:20:53Z",
	       "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       row);
	assert_int_equal(
		sqll("SELECT count(*) FROM events WHERE kind = 'github_deployment.created' "
		     "AND payload->>'environment' = 'production'"),
		1);

	send_fixture("deployment_status", "deployment_status.created.json");
	const char *st = "FROM github_deployment_statuses WHERE github_id = 209916254";
	sql_is("success", "SELECT state %s", st);
	sql_is("production", "SELECT environment %s", st);
	sql_is("145988746", "SELECT deployment_github_id::text %s", st);
	sql_is(NULL, "SELECT target_url %s", st); /* "" in the payload: no URL */
	sql_is("2019-05-15T15:20:55Z",
	       "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       st);
	assert_int_equal(sqll("SELECT count(*) FROM github_deployments"), 1);
	assert_int_equal(sqll("SELECT count(*) FROM events WHERE kind = 'github_deployment.status' "
			      "AND payload->>'state' = 'success' AND payload->>'sha' = "
			      "'f95f852bd8fca8fcc58a9a2d6c842781e32a215e'"),
			 1);
}

static void gh_pages_deployment_fixtures_are_stored(void **state)
{
	(void)state;
	send_fixture("deployment", "deployment.created.gh-pages.json");
	const char *row = "FROM github_deployments WHERE github_id = 145988746";
	sql_is("github-pages", "SELECT environment %s", row);
	sql_is("gh-pages", "SELECT ref %s", row);
	sql_is("2022-01-03T01:28:30Z",
	       "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') %s",
	       row);

	send_fixture("deployment_status", "deployment_status.created.gh-pages.json");
	const char *st = "FROM github_deployment_statuses WHERE github_id = 209916254";
	sql_is("in_progress", "SELECT state %s", st);
	sql_is("github-pages", "SELECT environment %s", st);
	sql_is("https://github.com/Codertocat/Hello-World/runs/145988746?check_suite_focus=true",
	       "SELECT target_url %s", st);
	sql_is("https://github.com/CorsixTH/CorsixTH/runs/4687056418?check_suite_focus=true",
	       "SELECT log_url %s", st);

	/* GitHub redelivers: one status, one event */
	send_fixture("deployment_status", "deployment_status.created.gh-pages.json");
	assert_int_equal(sqll("SELECT count(*) FROM github_deployment_statuses"), 1);
	assert_int_equal(
		sqll("SELECT count(*) FROM events WHERE kind = 'github_deployment.status'"), 1);
}

static void deployment_status_alone_brings_its_deployment(void **state)
{
	(void)state;
	send_fixture("deployment_status", "deployment_status.created.json");
	sql_is("production",
	       "SELECT environment FROM github_deployments WHERE github_id = 145988746");
	sql_is("success", "SELECT state FROM github_deployment_statuses");
}

static void newer_deployment_description_wins_in_any_order(void **state)
{
	(void)state;
	/* the gh-pages example (updated 2022) then the 2019 one, same id */
	send_fixture("deployment", "deployment.created.gh-pages.json");
	send_fixture("deployment", "deployment.created.json");
	sql_is("github-pages", "SELECT environment FROM github_deployments");
	sql_is("gh-pages", "SELECT ref FROM github_deployments");
	/* the earliest creation time is kept */
	sql_is("2019-05-15T15:20:53Z",
	       "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	       "FROM github_deployments");
	reset_tables();
	send_fixture("deployment", "deployment.created.json");
	send_fixture("deployment", "deployment.created.gh-pages.json");
	sql_is("github-pages", "SELECT environment FROM github_deployments");
	sql_is("gh-pages", "SELECT ref FROM github_deployments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(check_run_fixtures_are_stored_against_the_commit, reset),
		cmocka_unit_test_setup(check_run_completed_then_created_stays_completed, reset),
		cmocka_unit_test_setup(
			equal_time_check_run_completions_resolve_the_same_in_any_order, reset),
		cmocka_unit_test_setup(check_suite_fixtures_are_stored_and_merge_in_any_order,
				       reset),
		cmocka_unit_test_setup(check_payload_without_id_is_refused_naming_the_field, reset),
		cmocka_unit_test_setup(commit_api_shows_its_check_suites_and_runs, reset),
		cmocka_unit_test_setup(release_fixtures_keep_the_release_and_an_event_per_action,
				       reset),
		cmocka_unit_test_setup(deleted_release_stays_deleted_when_older_events_arrive,
				       reset),
		cmocka_unit_test_setup(release_odd_actions_and_payloads, reset),
		cmocka_unit_test_setup(registry_package_docker_fixture_is_an_image_despite_npm_type,
				       reset),
		cmocka_unit_test_setup(package_docker_fixture_with_the_same_digest_changes_nothing,
				       reset),
		cmocka_unit_test_setup(package_npm_fixture_is_an_npm_artifact, reset),
		cmocka_unit_test_setup(artifact_digest_conflict_keeps_the_first_and_is_recorded,
				       reset),
		cmocka_unit_test_setup(deployment_fixtures_are_stored, reset),
		cmocka_unit_test_setup(gh_pages_deployment_fixtures_are_stored, reset),
		cmocka_unit_test_setup(deployment_status_alone_brings_its_deployment, reset),
		cmocka_unit_test_setup(newer_deployment_description_wins_in_any_order, reset),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
