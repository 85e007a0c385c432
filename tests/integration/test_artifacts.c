/*
 * test_artifacts.c — POST/GET /api/v1/artifacts: created (201), the same
 * again (200, no second effect), the same kind+name+version with another
 * digest refused (409 immutable, nothing changed), what an artifact
 * published by another path may still learn, validation naming the field,
 * scopes, filters with keyset pagination, and one artifact with its commit,
 * its run and the environments it is deployed in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define D(c) "sha256:" H64(c)
#define SHA(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static struct itest_server server;
static char db_url[512];
static char cfg_path[64];
static char *ci_token, *read_token;

static int group_setup(void **state)
{
	(void)state;
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-arts-XXXXXX");
	int fd = mkstemp(cfg_path);
	const char *yaml = "environments:\n  - name: staging\n    tier: staging\n"
			   "  - name: production\n    tier: production\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	itest_db_create("artifacts", db_url, sizeof db_url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	itest_server_start(&server, db_url, NULL);
	unsetenv("ITEST_CONFIG");
	ci_token = itest_token(&server, "ci");
	read_token = itest_token(&server, "read");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci_token);
	free(read_token);
	assert_int_equal(itest_server_stop(&server), 0);
	unlink(cfg_path);
	return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void post(const char *body, struct itest_response *r)
{
	itest_json(&server, "POST", "/api/v1/artifacts", ci_token, body, r);
}

static json_t *get_json(const char *path)
{
	struct itest_response r;
	itest_get(&server, path, read_token, &r);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	json_t *j = json_incref(r.json);
	itest_response_free(&r);
	return j;
}

static const char chart_body[] =
	"{\"kind\":\"chart\",\"name\":\"mccp\",\"version\":\"0.38.1-v00012-g1a2b3c4d\","
	"\"digest\":\"" D("a") "\",\"uri\":\"oci://ghcr.io/weaveworks/charts/mccp\","
	"\"size\":123456,\"repository\":\"weaveworks/weave-gitops-enterprise\","
	"\"commit\":\"" SHA("1") "\",\"run_id\":9876543210,"
	"\"labels\":{\"branch\":\"main\",\"signed\":true}}";

static void new_artifact_is_201_and_the_same_again_is_200(void **state)
{
	(void)state;
	struct itest_response r;
	post(chart_body, &r);
	assert_int_equal(r.status, 201);
	char loc[64];
	assert_true(itest_header(&r, "Location", loc, sizeof loc));
	json_int_t id = json_integer_value(json_object_get(r.json, "id"));
	char expect[64];
	snprintf(expect, sizeof expect, "/api/v1/artifacts/%lld", (long long)id);
	assert_string_equal(loc, expect);
	assert_string_equal(jstr(r.json, "kind"), "chart");
	assert_string_equal(jstr(r.json, "digest"), D("a"));
	assert_string_equal(jstr(r.json, "repository"), "weaveworks/weave-gitops-enterprise");
	assert_string_equal(jstr(r.json, "commit"), SHA("1"));
	assert_string_equal(jstr(r.json, "source"), "api");
	assert_int_equal(json_integer_value(json_object_get(r.json, "size")), 123456);
	assert_int_equal(json_integer_value(json_object_get(r.json, "run_id")), 9876543210LL);
	assert_true(json_is_true(json_object_get(json_object_get(r.json, "labels"), "signed")));
	itest_response_free(&r);
	post(chart_body, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "id")), id);
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts"), 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind ="
						" 'artifact.created'"),
			 1);
}

static void another_digest_for_a_published_version_is_409(void **state)
{
	(void)state;
	struct itest_response r;
	post("{\"kind\":\"chart\",\"name\":\"mccp\",\"version\":\"0.38.1-v00012-g1a2b3c4d\","
	     "\"digest\":\"" D("b") "\",\"commit\":\"" SHA("2") "\"}",
	     &r);
	itest_assert_problem(&r, 409, "/immutable", D("a"));
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts WHERE digest = '"
						D("a") "' AND commit_sha = '" SHA("1") "'"),
			 1);
	/* another kind, name or version with that digest is another artifact */
	post("{\"kind\":\"chart\",\"name\":\"mccp\",\"version\":\"0.38.1-v00013-g5e6f7a8b\","
	     "\"digest\":\"" D("b") "\"}",
	     &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
}

static void an_artifact_from_another_path_learns_what_it_lacked(void **state)
{
	(void)state;
	/* as the GitHub package mapper may write it: no digest, no commit */
	free(itest_sql(db_url, "INSERT INTO artifacts (kind, name, version, source)"
			       " VALUES ('npm', '@weaveworks/weave-gitops-main', '0.38.0-12-gabc', 'github')"));
	struct itest_response r;
	post("{\"kind\":\"npm\",\"name\":\"@weaveworks/weave-gitops-main\",\"version\":\"0.38.0-12-gabc\","
	     "\"digest\":\"" D("c") "\",\"commit\":\"" SHA("3") "\"}",
	     &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "digest"), D("c"));
	assert_string_equal(jstr(r.json, "commit"), SHA("3"));
	assert_string_equal(jstr(r.json, "source"), "github");
	itest_response_free(&r);
	/* and once it has a digest, it keeps it */
	post("{\"kind\":\"npm\",\"name\":\"@weaveworks/weave-gitops-main\",\"version\":\"0.38.0-12-gabc\","
	     "\"digest\":\"" D("d") "\"}",
	     &r);
	itest_assert_problem(&r, 409, "/immutable", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind ="
						" 'artifact.updated'"),
			 1);
}

static void artifact_posts_are_validated_naming_the_field(void **state)
{
	(void)state;
	static const struct {
		const char *body, *slug, *detail;
	} cases[] = {
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"sha256:abc\"}",
		 "/invalid-field", "digest"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" H64("a") "\"}",
		 "/invalid-field", "digest"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"sha256:" H64("A")
		 "\"}",
		 "/invalid-field", "digest"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"sha512:" H64("a")
		 "\"}",
		 "/invalid-field", "digest"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\"}", "/missing-field", "digest"},
		{"{\"kind\":\"wheel\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e") "\"}",
		 "/invalid-field", "kind"},
		{"{\"kind\":\"image\",\"version\":\"1\",\"digest\":\"" D("e") "\"}", "/missing-field",
		 "name"},
		{"{\"kind\":\"image\",\"name\":\"\",\"version\":\"1\",\"digest\":\"" D("e") "\"}",
		 "/invalid-field", "name"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"digest\":\"" D("e") "\"}", "/missing-field",
		 "version"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"repository\":\"nope\"}",
		 "/invalid-field", "repository"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"commit\":\"abc1234\"}",
		 "/invalid-field", "commit"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"size\":-1}",
		 "/invalid-field", "size"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"run_id\":\"abc\"}",
		 "/invalid-field", "run_id"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"labels\":[\"a\"]}",
		 "/invalid-field", "labels"},
		{"{\"kind\":\"image\",\"name\":\"x\",\"version\":\"1\",\"digest\":\"" D("e")
		 "\",\"tag\":\"latest\"}",
		 "/unknown-field", "tag"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct itest_response r;
		post(cases[i].body, &r);
		itest_assert_problem(&r, 400, cases[i].slug, cases[i].detail);
		itest_response_free(&r);
	}
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts WHERE name = 'x'"), 0);
}

static void artifact_writes_need_ci_and_reads_need_read(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/artifacts", NULL, chart_body, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/artifacts", read_token, chart_body, &r);
	itest_assert_problem(&r, 403, "/forbidden", "ci");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts", read_token, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts/1", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
}

static void artifacts_filter_and_paginate(void **state)
{
	(void)state;
	/* images of two repositories */
	for (int i = 0; i < 3; i++) {
		char body[600];
		snprintf(body, sizeof body,
			 "{\"kind\":\"image\",\"name\":\"weaveworks/ui-server\",\"version\":\"main-%d\","
			 "\"digest\":\"sha256:%064d\",\"repository\":\"%s\",\"commit\":\"%040d\"}",
			 i, i + 1, i == 2 ? "acme/other" : "weaveworks/weave-gitops-enterprise", i + 7);
		struct itest_response r;
		post(body, &r);
		assert_int_equal(r.status, 201);
		itest_response_free(&r);
	}
	json_t *j = get_json("/api/v1/artifacts?kind=image");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	/* newest first */
	assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "version"), "main-2");
	json_decref(j);
	j = get_json("/api/v1/artifacts?kind=image&repo=weaveworks/weave-gitops-enterprise");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
	j = get_json("/api/v1/artifacts?digest=sha256:"
		     "0000000000000000000000000000000000000000000000000000000000000002");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "version"), "main-1");
	json_decref(j);
	j = get_json("/api/v1/artifacts?commit=0000000");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	j = get_json("/api/v1/artifacts?commit=0000000000000000000000000000000000000009");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	j = get_json("/api/v1/artifacts?name=mccp&version=0.38.1-v00012-g1a2b3c4d");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	/* pages of 2 walk every artifact once */
	size_t seen = 0;
	char path[512] = "/api/v1/artifacts?limit=2";
	for (int pages = 0; pages < 10; pages++) {
		j = get_json(path);
		seen += json_array_size(json_object_get(j, "items"));
		const char *next = jstr(j, "next");
		if (!next) {
			json_decref(j);
			break;
		}
		snprintf(path, sizeof path, "%s", strstr(next, "/api/v1/"));
		json_decref(j);
	}
	assert_int_equal((long)seen, itest_sql_long(db_url, "SELECT count(*) FROM artifacts"));
	struct itest_response r;
	itest_get(&server, "/api/v1/artifacts?kind=wheel", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "kind");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts?digest=sha256:12", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "digest");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts?repo=noslash", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "repo");
	itest_response_free(&r);
}

static void one_artifact_shows_its_commit_run_and_environments(void **state)
{
	(void)state;
	/* the commit and the run, as the GitHub mappers store them */
	free(itest_sql(db_url,
		       "INSERT INTO commits (repository_id, sha, message, author_login, committed_at)"
		       " SELECT id, '" SHA("1") "', 'Bump the chart', 'octocat', '2025-01-01T10:00:00Z'"
		       " FROM repositories WHERE full_name = 'weaveworks/weave-gitops-enterprise'"));
	free(itest_sql(db_url,
		       "INSERT INTO runs (repository_id, external_id, workflow_name, kind, status,"
		       " conclusion, head_sha) SELECT id, '9876543210', 'deploy', 'main', 'completed',"
		       " 'success', '" SHA("1") "' FROM repositories"
		       " WHERE full_name = 'weaveworks/weave-gitops-enterprise'"));
	char *id = itest_sql(db_url, "SELECT id FROM artifacts WHERE kind = 'chart' AND version ="
				     " '0.38.1-v00012-g1a2b3c4d'");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/artifacts/%s", id);
	json_t *a = get_json(path);
	assert_string_equal(jstr(json_object_get(a, "commit_detail"), "message"), "Bump the chart");
	assert_string_equal(jstr(json_object_get(a, "commit_detail"), "author"), "octocat");
	assert_string_equal(jstr(json_object_get(a, "run"), "workflow"), "deploy");
	assert_string_equal(jstr(json_object_get(a, "run"), "conclusion"), "success");
	assert_int_equal(itest_array_size(a, "environments"), 0);
	json_decref(a);
	/* deployed to staging (by digest), then something else went to staging
	 * and this to production */
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/deployments", ci_token,
		   "{\"environment\":\"staging\",\"revision\":\"0.38.1-v00012-g1a2b3c4d\","
		   "\"artifacts\":[\"" D("a") "\"],\"status\":\"success\","
		   "\"finished_at\":\"2025-01-02T10:00:00Z\"}",
		   &r);
	assert_int_equal(r.status, 201);
	/* a chart version the API names resolves to the chart, and its commit */
	assert_string_equal(jstr(r.json, "commit"), SHA("1"));
	assert_int_equal(json_array_size(json_object_get(r.json, "artifacts")), 1);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/deployments", ci_token,
		   "{\"environment\":\"staging\",\"commit\":\"" SHA("5") "\",\"status\":\"success\","
		   "\"finished_at\":\"2025-01-03T10:00:00Z\"}",
		   &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/deployments", ci_token,
		   "{\"environment\":\"production\",\"commit\":\"" SHA("1") "\",\"artifacts\":[\""
		   D("a") "\"],\"status\":\"success\",\"finished_at\":\"2025-01-04T10:00:00Z\"}",
		   &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	a = get_json(path);
	json_t *envs = json_object_get(a, "environments");
	assert_int_equal(json_array_size(envs), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_array_get(envs, i);
		bool prod = strcmp(jstr(e, "environment"), "production") == 0;
		assert_true(prod || strcmp(jstr(e, "environment"), "staging") == 0);
		assert_true(json_is_boolean(json_object_get(e, "current")));
		assert_int_equal(json_is_true(json_object_get(e, "current")), prod);
	}
	json_decref(a);
	free(id);
	itest_get(&server, "/api/v1/artifacts/999999", read_token, &r);
	itest_assert_problem(&r, 404, "/not-found", "999999");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/artifacts/abc", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "id");
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_artifact_is_201_and_the_same_again_is_200),
		cmocka_unit_test(another_digest_for_a_published_version_is_409),
		cmocka_unit_test(an_artifact_from_another_path_learns_what_it_lacked),
		cmocka_unit_test(artifact_posts_are_validated_naming_the_field),
		cmocka_unit_test(artifact_writes_need_ci_and_reads_need_read),
		cmocka_unit_test(artifacts_filter_and_paginate),
		cmocka_unit_test(one_artifact_shows_its_commit_run_and_environments),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
