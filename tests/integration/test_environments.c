/*
 * test_environments.c — environments and deployments through the API:
 * environments declared in the configuration (listed in order, refused to
 * the API with 409, declared once when replicas start together, released
 * when the configuration drops them), API-made ones created, changed and
 * deleted, validation and scopes; the current deployment, since when it
 * has been healthy and how far behind the default branch it is (from the
 * default-branch sequence); deployment history and the cross-environment
 * list with filters and keyset pagination; POST /api/v1/deployments; and
 * GitHub deployment statuses folded into the environment of the same name.
 *
 * The default-branch sequence is built by sending signed GitHub push
 * deliveries to main (the push mapper, webhooks/gh_git.c, builds it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define NOW "2025-01-10T12:00:00Z"
#define C(n) n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n

static const char config_yaml[] =
	"environments:\n"
	"  - name: dev\n"
	"    tier: development\n"
	"    url: https://dev.example.com\n"
	"    description: Tilt on a laptop\n"
	"    flux:\n"
	"      - kind: kustomization\n" /* the config accepts any case */
	"        name: widget\n"
	"  - name: staging\n"
	"    tier: staging\n"
	"    order: 5\n"
	"    flux:\n"
	"      - {kind: HelmRelease, name: mccp}\n"
	"  - name: production\n"
	"    tier: production\n";

static struct itest_server server;
static char db_url[512];
static char cfg_path[64];
static char *ci_token, *read_token;

static void write_file(char *path_template, const char *text)
{
	int fd = mkstemp(path_template);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-envs-XXXXXX");
	write_file(cfg_path, config_yaml);
	itest_db_create("environments", db_url, sizeof db_url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=" NOW, NULL};
	itest_server_start(&server, db_url, env);
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

/* ---- helpers ---- */

static const json_t *jpath(const json_t *root, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *v = root;
	for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
		v = json_object_get(v, tok);
	return v;
}

static const char *jstr(const json_t *root, const char *path)
{
	return json_string_value(jpath(root, path));
}

static json_int_t jint(const json_t *root, const char *path)
{
	const json_t *v = jpath(root, path);
	if (!json_is_integer(v))
		fail_msg("%s: not an integer", path);
	return json_integer_value(v);
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

/* POSTs a deployment report; returns the HTTP status, *id the deployment. */
static long report(const char *body, json_int_t *id)
{
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/deployments", ci_token, body, &r);
	long st = r.status;
	if (st != 200 && st != 201)
		fail_msg("POST /api/v1/deployments: %ld %s", st, r.body);
	if (id)
		*id = json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	return st;
}

static void flux_unsigned(const char *body)
{
	const char *headers[] = {"Content-Type: application/json", NULL};
	struct itest_response r;
	itest_http(&server, "POST", "/webhooks/flux", headers, body, strlen(body), &r);
	if (r.status != 200)
		fail_msg("flux: %ld %s", r.status, r.body);
	itest_response_free(&r);
}

/* ---- configuration ---- */

static void config_environments_are_listed_in_order_with_their_fields(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/environments");
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 3);
	/* order: dev 1 (first in the list), production 3 (third), staging 5 (given) */
	assert_string_equal(jstr(json_array_get(items, 0), "name"), "dev");
	assert_string_equal(jstr(json_array_get(items, 1), "name"), "production");
	assert_string_equal(jstr(json_array_get(items, 2), "name"), "staging");
	assert_true(json_is_null(json_object_get(j, "next")));
	json_t *dev = json_array_get(items, 0);
	assert_string_equal(jstr(dev, "tier"), "development");
	assert_string_equal(jstr(dev, "url"), "https://dev.example.com");
	assert_string_equal(jstr(dev, "description"), "Tilt on a laptop");
	assert_string_equal(jstr(dev, "managed_by"), "config");
	assert_int_equal(jint(dev, "order"), 1);
	json_t *flux = json_object_get(dev, "flux");
	assert_int_equal(json_array_size(flux), 1);
	assert_string_equal(jstr(json_array_get(flux, 0), "kind"), "Kustomization");
	assert_string_equal(jstr(json_array_get(flux, 0), "namespace"), "flux-system");
	assert_string_equal(jstr(json_array_get(flux, 0), "name"), "widget");
	assert_true(json_is_null(json_object_get(dev, "current_deployment")));
	assert_true(json_is_null(json_object_get(dev, "behind_default_branch")));
	assert_int_equal(jint(json_array_get(items, 2), "order"), 5);
	json_decref(j);
	j = get_json("/api/v1/environments?tier=production");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	j = get_json("/api/v1/environments/Staging"); /* names compare without case */
	assert_string_equal(jstr(j, "name"), "staging");
	json_decref(j);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind ="
						" 'environment.changed' AND actor = 'config'"),
			 3);
}

static void config_declared_environments_are_refused_to_the_api(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"staging\",\"tier\":\"production\"}", &r);
	itest_assert_problem(&r, 409, "/conflict", "declared in the configuration");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, "{\"name\":\"DEV\"}",
		   &r);
	itest_assert_problem(&r, 409, "/conflict", "configuration");
	itest_response_free(&r);
	itest_json(&server, "PATCH", "/api/v1/environments/staging", ITEST_ADMIN_TOKEN,
		   "{\"tier\":\"other\"}", &r);
	itest_assert_problem(&r, 409, "/conflict", "declared in the configuration");
	itest_response_free(&r);
	itest_json(&server, "DELETE", "/api/v1/environments/production", ITEST_ADMIN_TOKEN, NULL,
		   &r);
	itest_assert_problem(&r, 409, "/conflict", "declared in the configuration");
	itest_response_free(&r);
	json_t *j = get_json("/api/v1/environments/staging");
	assert_string_equal(jstr(j, "tier"), "staging");
	json_decref(j);
}

static void replicas_starting_together_declare_environments_once(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("envreplicas", url, sizeof url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	struct itest_server a, b;
	itest_server_spawn(&a, url, NULL);
	itest_server_spawn(&b, url, NULL);
	assert_true(itest_server_wait(&a, 20000));
	assert_true(itest_server_wait(&b, 20000));
	unsetenv("ITEST_CONFIG");
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM environments"), 3);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM events WHERE kind ="
					     " 'environment.changed'"),
			 3);
	assert_int_equal(itest_server_stop(&a), 0);
	assert_int_equal(itest_server_stop(&b), 0);
	/* a changed configuration: dev changes, staging is no longer declared
	 * (kept, and now the API's), production is unchanged */
	char other[64];
	snprintf(other, sizeof other, "/tmp/shiplog-envs2-XXXXXX");
	write_file(other, "environments:\n"
			  "  - name: dev\n"
			  "    tier: staging\n"
			  "  - name: production\n"
			  "    tier: production\n"
			  "    order: 3\n");
	setenv("ITEST_CONFIG", other, 1);
	itest_server_start(&a, url, NULL);
	unsetenv("ITEST_CONFIG");
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM environments WHERE name = 'dev'"
					     " AND tier = 'staging' AND managed_by = 'config'"
					     " AND flux = '[]'"),
			 1);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM environments WHERE name ="
					     " 'staging' AND managed_by = 'api' AND deleted_at IS NULL"),
			 1);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM events WHERE kind ="
					     " 'environment.changed'"),
			 5); /* + dev updated, staging released */
	/* released: the API may now change it */
	struct itest_response r;
	itest_json(&a, "PATCH", "/api/v1/environments/staging", ITEST_ADMIN_TOKEN,
		   "{\"description\":\"was in the config\"}", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&a), 0);
	unlink(other);
}

/* ---- API-made environments ---- */

static void api_environments_are_created_changed_and_deleted(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"qa\",\"tier\":\"staging\",\"url\":\"https://qa.example.com\","
		   "\"description\":\"manual testing\","
		   "\"flux\":[{\"kind\":\"helmrelease\",\"namespace\":\"qa\",\"name\":\"mccp\"}]}",
		   &r);
	assert_int_equal(r.status, 201);
	char loc[128];
	assert_true(itest_header(&r, "Location", loc, sizeof loc));
	assert_string_equal(loc, "/api/v1/environments/qa");
	assert_string_equal(jstr(r.json, "managed_by"), "api");
	assert_int_equal(jint(r.json, "order"), 6); /* after the others */
	assert_string_equal(jstr(json_array_get(json_object_get(r.json, "flux"), 0), "kind"),
			    "HelmRelease");
	itest_response_free(&r);
	itest_json(&server, "PATCH", "/api/v1/environments/qa", ITEST_ADMIN_TOKEN,
		   "{\"tier\":\"other\",\"order\":2,\"url\":null,"
		   "\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"qa-apps\"}]}",
		   &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "tier"), "other");
	assert_int_equal(jint(r.json, "order"), 2);
	assert_true(json_is_null(json_object_get(r.json, "url")));
	assert_string_equal(jstr(r.json, "description"), "manual testing"); /* untouched */
	assert_string_equal(jstr(json_array_get(json_object_get(r.json, "flux"), 0), "namespace"),
			    "flux-system");
	itest_response_free(&r);
	/* a Flux event for its new object lands in it */
	flux_unsigned("{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"flux-system\","
		      "\"name\":\"qa-apps\"},\"severity\":\"info\",\"timestamp\":\"2025-01-10T10:00:00Z\","
		      "\"message\":\"ok\",\"reason\":\"ReconciliationSucceeded\","
		      "\"metadata\":{\"revision\":\"main@sha1:" C("9") "\"},"
		      "\"reportingController\":\"kustomize-controller\"}");
	json_t *qa = get_json("/api/v1/environments/qa");
	assert_string_equal(jstr(qa, "current_deployment.commit"), C("9"));
	json_decref(qa);
	itest_json(&server, "DELETE", "/api/v1/environments/qa", ITEST_ADMIN_TOKEN, NULL, &r);
	assert_int_equal(r.status, 204);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/environments/qa", read_token, &r);
	itest_assert_problem(&r, 404, "/not-found", "qa");
	itest_response_free(&r);
	itest_json(&server, "DELETE", "/api/v1/environments/qa", ITEST_ADMIN_TOKEN, NULL, &r);
	itest_assert_problem(&r, 404, "/not-found", "qa");
	itest_response_free(&r);
	itest_json(&server, "PATCH", "/api/v1/environments/qa", ITEST_ADMIN_TOKEN,
		   "{\"tier\":\"other\"}", &r);
	itest_assert_problem(&r, 404, "/not-found", "qa");
	itest_response_free(&r);
	/* its deployments are kept; the name may be used again */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM deployments d JOIN environments e"
						" ON e.id = d.environment_id WHERE e.name = 'qa'"),
			 1);
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, "{\"name\":\"qa\"}",
		   &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "tier"), "other");
	assert_true(json_is_null(json_object_get(r.json, "current_deployment")));
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, "{\"name\":\"QA\"}",
		   &r);
	itest_assert_problem(&r, 409, "/conflict", "already exists");
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind ="
						" 'environment.changed' AND payload->>'name' = 'qa'"),
			 4); /* created, updated, deleted, created */
}

static void environment_writes_are_validated(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		long status;
		const char *slug, *detail;
	} cases[] = {
		{"{\"name\":\"has space\"}", 400, "/invalid-field", "name"},
		{"{\"name\":\"\"}", 400, "/invalid-field", "name"},
		{"{\"tier\":\"staging\"}", 400, "/missing-field", "name"},
		{"{\"name\":\"x1\",\"tier\":\"prod\"}", 400, "/invalid-field", "tier"},
		{"{\"name\":\"x1\",\"url\":\"ftp://x\"}", 400, "/invalid-field", "url"},
		{"{\"name\":\"x1\",\"order\":-1}", 400, "/invalid-field", "order"},
		{"{\"name\":\"x1\",\"colour\":\"red\"}", 400, "/unknown-field", "colour"},
		{"{\"name\":\"x1\",\"flux\":{}}", 400, "/invalid-field", "flux"},
		{"{\"name\":\"x1\",\"flux\":[\"widget\"]}", 400, "/invalid-field", "flux[0]"},
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"GitRepository\",\"name\":\"a\"}]}", 400,
		 "/invalid-field", "flux[0].kind"},
		{"{\"name\":\"x1\",\"flux\":[{\"name\":\"a\"}]}", 400, "/invalid-field",
		 "flux[0].kind"},
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"a\"},"
		 "{\"kind\":\"Kustomization\"}]}",
		 400, "/invalid-field", "flux[1].name"},
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"Bad_Name\"}]}", 400,
		 "/invalid-field", "flux[0].name"},
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"a\","
		 "\"namespace\":\"-x\"}]}",
		 400, "/invalid-field", "flux[0].namespace"},
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"a\",\"team\":1}]}",
		 400, "/invalid-field", "flux[0].team"},
		/* dev's Kustomization flux-system/widget cannot deploy to two places */
		{"{\"name\":\"x1\",\"flux\":[{\"kind\":\"Kustomization\",\"name\":\"widget\"}]}", 409,
		 "/conflict", "environment dev"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct itest_response r;
		itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, cases[i].body,
			   &r);
		itest_assert_problem(&r, cases[i].status, cases[i].slug, cases[i].detail);
		itest_response_free(&r);
	}
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM environments WHERE name = 'x1'"),
			 0);
}

static void environment_writes_need_admin_and_reads_need_read(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/environments", NULL, "{\"name\":\"x2\"}", &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/environments", read_token, "{\"name\":\"x2\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/environments", ci_token, "{\"name\":\"x2\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	itest_json(&server, "DELETE", "/api/v1/environments/dev", ci_token, NULL, &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/environments", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deployments", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/deployments", read_token,
		   "{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"success\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", "ci");
	itest_response_free(&r);
}

/* ---- current deployment, healthy since, behind the default branch ---- */

#define ZERO_SHA C("0")

/* A push of `commits` (oldest first) to acme/widget's main. */
static void push_main(int n, const char *before, const char *after, const char *const *commits,
		      bool forced, long pushed_at)
{
	json_t *list = json_array();
	for (size_t i = 0; commits[i]; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "id", commits[i], "message",
						      "a change", "timestamp",
						      "2025-01-10T07:00:00Z"));
	json_t *p = json_pack(
		"{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:{s:s, s:s}, s:{s:I, s:s, s:s, s:I},"
		" s:{s:s}}",
		"ref", "refs/heads/main", "before", before, "after", after, "created",
		strcmp(before, ZERO_SHA) == 0, "deleted", 0, "forced", forced, "commits", list,
		"head_commit", "id", after, "message", "a change", "repository", "id",
		(json_int_t)4242, "full_name", "acme/widget", "default_branch", "main", "pushed_at",
		(json_int_t)pushed_at, "sender", "login", "octocat");
	assert_non_null(p);
	char id[32];
	snprintf(id, sizeof id, "env-push-%d", n);
	struct itest_response r;
	gh_send_json(&server, "push", id, p, &r);
	if (r.status != 200)
		fail_msg("push %d: %ld %s", n, r.status, r.body);
	itest_response_free(&r);
	json_decref(p);
}

static void seed_default_branch(void)
{
	/* acme/widget main, built by signed pushes: c1 .. c5 pushed at 08:00,
	 * 09:00, 10:00, 11:00, 11:30; c6 (09:30) left main in a forced push */
	push_main(1, ZERO_SHA, C("1"), (const char *const[]){C("1"), NULL}, false, 1736496000);
	push_main(2, C("1"), C("2"), (const char *const[]){C("2"), NULL}, false, 1736499600);
	push_main(3, C("2"), C("6"), (const char *const[]){C("6"), NULL}, false, 1736501400);
	push_main(4, C("6"), C("3"), (const char *const[]){C("3"), NULL}, true, 1736503200);
	push_main(5, C("3"), C("4"), (const char *const[]){C("4"), NULL}, false, 1736506800);
	push_main(6, C("4"), C("5"), (const char *const[]){C("5"), NULL}, false, 1736508600);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM branch_sequence bs JOIN"
						" repositories r ON r.id = bs.repository_id"
						" WHERE r.full_name = 'acme/widget' AND bs.branch = 'main'"
						" AND bs.left_at IS NULL"),
			 5);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM branch_sequence"
						" WHERE sha = '" C("6") "' AND left_at IS NOT NULL"),
			 1);
}

static void current_deployment_is_healthy_since_and_behind_main(void **state)
{
	(void)state;
	seed_default_branch();
	json_int_t id1, id2;
	assert_int_equal(report("{\"environment\":\"dev\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("2") "\",\"revision\":\"main@sha1:" C("2") "\","
				"\"status\":\"in_progress\",\"started_at\":\"2025-01-10T09:10:00Z\"}",
				&id1),
			 201);
	assert_int_equal(report("{\"environment\":\"dev\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("2") "\",\"status\":\"failure\","
				"\"finished_at\":\"2025-01-10T09:20:00Z\"}",
				&id2),
			 200);
	assert_int_equal(id1, id2); /* the same deployment, moved forward */
	json_t *dev = get_json("/api/v1/environments/dev");
	assert_string_equal(jstr(dev, "current_deployment.status"), "failure");
	assert_true(json_is_null(jpath(dev, "current_deployment.healthy_since")));
	json_decref(dev);
	assert_int_equal(report("{\"environment\":\"dev\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("2") "\",\"status\":\"success\","
				"\"finished_at\":\"2025-01-10T09:40:00Z\"}",
				NULL),
			 200);
	dev = get_json("/api/v1/environments/dev");
	assert_int_equal(jint(dev, "current_deployment.id"), id1);
	assert_string_equal(jstr(dev, "current_deployment.commit"), C("2"));
	assert_string_equal(jstr(dev, "current_deployment.source"), "api");
	assert_string_equal(jstr(dev, "current_deployment.repository"), "acme/widget");
	assert_string_equal(jstr(dev, "current_deployment.status"), "success");
	assert_string_equal(jstr(dev, "current_deployment.started_at"), "2025-01-10T09:10:00Z");
	assert_string_equal(jstr(dev, "current_deployment.deployed_at"), "2025-01-10T09:40:00Z");
	assert_string_equal(jstr(dev, "current_deployment.healthy_since"), "2025-01-10T09:40:00Z");
	/* behind: c3, c4, c5 were pushed after c2 (c6 left main); the oldest at 10:00 */
	assert_string_equal(jstr(dev, "behind_default_branch.repository"), "acme/widget");
	assert_string_equal(jstr(dev, "behind_default_branch.branch"), "main");
	assert_int_equal(jint(dev, "behind_default_branch.commits"), 3);
	assert_string_equal(jstr(dev, "behind_default_branch.since"), "2025-01-10T10:00:00Z");
	assert_int_equal(jint(dev, "behind_default_branch.seconds"), 7200); /* NOW is 12:00 */
	json_decref(dev);

	/* Flux deploys c4 (a newer event): it is current; Flux names no
	 * repository, the default-branch sequence does */
	flux_unsigned("{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"flux-system\","
		      "\"name\":\"widget\"},\"severity\":\"info\",\"timestamp\":\"2025-01-10T11:45:00Z\","
		      "\"message\":\"applied\",\"reason\":\"ReconciliationSucceeded\","
		      "\"metadata\":{\"revision\":\"main@sha1:" C("4") "\"},"
		      "\"reportingController\":\"kustomize-controller\"}");
	dev = get_json("/api/v1/environments/dev");
	assert_string_equal(jstr(dev, "current_deployment.commit"), C("4"));
	assert_string_equal(jstr(dev, "current_deployment.source"), "flux");
	assert_string_equal(jstr(dev, "current_deployment.repository"), "acme/widget");
	assert_string_equal(jstr(dev, "current_deployment.healthy_since"), "2025-01-10T11:45:00Z");
	assert_int_equal(jint(dev, "behind_default_branch.commits"), 1);
	assert_string_equal(jstr(dev, "behind_default_branch.since"), "2025-01-10T11:30:00Z");
	assert_int_equal(jint(dev, "behind_default_branch.seconds"), 1800);
	json_decref(dev);

	/* at the head: nothing behind */
	assert_int_equal(report("{\"environment\":\"production\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("5") "\",\"status\":\"success\","
				"\"finished_at\":\"2025-01-10T11:50:00Z\"}",
				NULL),
			 201);
	json_t *prod = get_json("/api/v1/environments/production");
	assert_int_equal(jint(prod, "behind_default_branch.commits"), 0);
	assert_true(json_is_null(jpath(prod, "behind_default_branch.since")));
	assert_int_equal(jint(prod, "behind_default_branch.seconds"), 0);
	json_decref(prod);
	/* a commit that left main (or was never on it) has no place to count from */
	assert_int_equal(report("{\"environment\":\"production\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("6") "\",\"status\":\"success\","
				"\"finished_at\":\"2025-01-10T11:55:00Z\"}",
				NULL),
			 201);
	prod = get_json("/api/v1/environments/production");
	assert_string_equal(jstr(prod, "current_deployment.commit"), C("6"));
	assert_true(json_is_null(json_object_get(prod, "behind_default_branch")));
	json_decref(prod);
	/* a queued deployment is not current yet */
	assert_int_equal(report("{\"environment\":\"production\",\"repository\":\"acme/widget\","
				"\"commit\":\"" C("7") "\",\"status\":\"queued\","
				"\"started_at\":\"2025-01-10T11:58:00Z\"}",
				NULL),
			 201);
	prod = get_json("/api/v1/environments/production");
	assert_string_equal(jstr(prod, "current_deployment.commit"), C("6"));
	json_decref(prod);
}

/* ---- history and the cross-environment list ---- */

static void history_is_newest_first_and_keyset_paginated(void **state)
{
	(void)state;
	const char *commits[] = {C("a"), C("b"), C("c")};
	for (int i = 0; i < 3; i++) {
		char body[512];
		snprintf(body, sizeof body,
			 "{\"environment\":\"staging\",\"repository\":\"acme/gadget\",\"commit\":\"%s\","
			 "\"status\":\"success\",\"started_at\":\"2025-01-09T0%d:00:00Z\","
			 "\"finished_at\":\"2025-01-09T0%d:30:00Z\"}",
			 commits[i], i + 1, i + 1);
		report(body, NULL);
	}
	json_t *page = get_json("/api/v1/environments/staging/deployments?limit=2");
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "commit"), C("c"));
	assert_string_equal(jstr(json_array_get(items, 1), "commit"), C("b"));
	const char *next = jstr(page, "next");
	assert_non_null(next);
	const char *rel = strstr(next, "/api/v1/");
	assert_non_null(rel);
	json_t *page2 = get_json(rel);
	items = json_object_get(page2, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "commit"), C("a"));
	assert_true(json_is_null(json_object_get(page2, "next")));
	json_decref(page);
	json_decref(page2);
	struct itest_response r;
	itest_get(&server, "/api/v1/environments/nowhere/deployments", read_token, &r);
	itest_assert_problem(&r, 404, "/not-found", "nowhere");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/environments/staging/deployments?cursor=bm9wZQ", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "cursor");
	itest_response_free(&r);
}

static void deployments_filter_across_environments(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/deployments?environment=staging");
	json_t *items = json_object_get(j, "items");
	size_t staging = json_array_size(items);
	assert_true(staging >= 3);
	for (size_t i = 0; i < staging; i++)
		assert_string_equal(jstr(json_array_get(items, i), "environment"), "staging");
	json_decref(j);
	j = get_json("/api/v1/deployments?repo=acme/gadget");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	j = get_json("/api/v1/deployments?commit=bbbbbbb");
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "commit"), C("b"));
	json_decref(j);
	j = get_json("/api/v1/deployments?status=queued");
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "commit"), C("7"));
	json_decref(j);
	j = get_json("/api/v1/deployments?source=flux&environment=dev");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	j = get_json("/api/v1/deployments?environment=staging&status=failure");
	assert_int_equal(itest_array_size(j, "items"), 0);
	json_decref(j);
	/* newest first across environments, paginated */
	j = get_json("/api/v1/deployments?limit=1");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_true(json_is_string(json_object_get(j, "next")));
	json_decref(j);
	struct itest_response r;
	itest_get(&server, "/api/v1/deployments?status=deployed", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "status");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deployments?commit=xyz", read_token, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "commit");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deployments/999999", read_token, &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
}

static void deployment_reports_are_validated(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		const char *slug, *detail;
	} cases[] = {
		{"{\"environment\":\"nowhere\",\"commit\":\"" C("1") "\",\"status\":\"success\"}",
		 "/invalid-field", "environment"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\"}", "/missing-field", "status"},
		{"{\"environment\":\"dev\",\"status\":\"success\"}", "/missing-field", "revision"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"deployed\"}",
		 "/invalid-field", "status"},
		{"{\"environment\":\"dev\",\"commit\":\"1234567\",\"status\":\"success\"}",
		 "/invalid-field", "commit"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"success\","
		 "\"artifacts\":[\"sha256:abc\"]}",
		 "/invalid-field", "artifacts[0]"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"in_progress\","
		 "\"finished_at\":\"2025-01-10T09:00:00Z\"}",
		 "/invalid-field", "finished_at"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"success\","
		 "\"started_at\":\"2025-01-10T09:00:00Z\",\"finished_at\":\"2025-01-10T08:00:00Z\"}",
		 "/invalid-field", "finished_at"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"revision\":\"main@sha1:" C("2")
		 "\",\"status\":\"success\"}",
		 "/invalid-field", "commit"},
		{"{\"environment\":\"dev\",\"commit\":\"" C("1") "\",\"status\":\"success\","
		 "\"started_at\":\"yesterday\"}",
		 "/invalid-field", "started_at"},
	};
	long before = itest_sql_long(db_url, "SELECT count(*) FROM deployments");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct itest_response r;
		itest_json(&server, "POST", "/api/v1/deployments", ci_token, cases[i].body, &r);
		itest_assert_problem(&r, 400, cases[i].slug, cases[i].detail);
		itest_response_free(&r);
	}
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM deployments"), before);
}

static void a_report_names_its_artifacts_known_or_not(void **state)
{
	(void)state;
	struct itest_response r;
	char digest[72] = "sha256:";
	memset(digest + 7, 'e', 64);
	digest[71] = '\0';
	char body[512];
	snprintf(body, sizeof body,
		 "{\"kind\":\"image\",\"name\":\"acme/widget-ui\",\"version\":\"main-eeeeeeee\","
		 "\"digest\":\"%s\"}",
		 digest);
	itest_json(&server, "POST", "/api/v1/artifacts", ci_token, body, &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	char unknown[72] = "sha256:";
	memset(unknown + 7, 'f', 64);
	unknown[71] = '\0';
	snprintf(body, sizeof body,
		 "{\"environment\":\"staging\",\"revision\":\"v1.0.0\",\"commit\":\"" C("e") "\","
		 "\"artifacts\":[\"%s\",\"%s\"],\"status\":\"success\","
		 "\"finished_at\":\"2025-01-10T11:59:00Z\"}",
		 digest, unknown);
	json_int_t id;
	assert_int_equal(report(body, &id), 201);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/deployments/%lld", (long long)id);
	json_t *d = get_json(path);
	assert_string_equal(jstr(d, "revision"), "v1.0.0");
	assert_string_equal(jstr(d, "commit"), C("e"));
	json_t *arts = json_object_get(d, "artifacts");
	assert_int_equal(json_array_size(arts), 2);
	assert_string_equal(jstr(json_array_get(arts, 0), "name"), "acme/widget-ui");
	assert_string_equal(jstr(json_array_get(arts, 0), "digest"), digest);
	assert_true(json_is_null(json_object_get(json_array_get(arts, 1), "name")));
	assert_string_equal(jstr(json_array_get(arts, 1), "digest"), unknown);
	json_t *hist = json_object_get(d, "history");
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(jstr(json_array_get(hist, 0), "status"), "success");
	json_decref(d);
	/* the same report again: the same deployment */
	assert_int_equal(report(body, NULL), 200);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM deployments WHERE commit_sha = '"
						C("e") "'"),
			 1);
}

/* ---- GitHub deployments ---- */

static void github_deployment_statuses_feed_the_environment_of_that_name(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_fixture(&server, "deployment", "env-gh-1", "deployment.created.json", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_t *j = get_json("/api/v1/deployments?source=github");
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "status"), "queued");
	assert_string_equal(jstr(json_array_get(items, 0), "environment"), "production");
	json_decref(j);
	gh_send_fixture(&server, "deployment_status", "env-gh-2", "deployment_status.created.json", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* github-pages is no environment here: not a deployment */
	gh_send_fixture(&server, "deployment_status", "env-gh-3",
			"deployment_status.created.gh-pages.json", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	j = get_json("/api/v1/deployments?source=github");
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *d = json_array_get(items, 0);
	assert_string_equal(jstr(d, "status"), "success");
	assert_string_equal(jstr(d, "commit"), "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
	assert_string_equal(jstr(d, "repository"), "Codertocat/Hello-World");
	assert_string_equal(jstr(d, "ref"), "master");
	assert_string_equal(jstr(d, "started_at"), "2019-05-15T15:20:53Z");
	assert_string_equal(jstr(d, "finished_at"), "2019-05-15T15:20:55Z");
	json_decref(j);
	/* folded once, however often it is read */
	json_decref(get_json("/api/v1/environments"));
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM deployments WHERE source = 'github'"),
			 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM deployment_statuses s JOIN"
						" deployments d ON d.id = s.deployment_id"
						" WHERE d.source = 'github'"),
			 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_environments_are_listed_in_order_with_their_fields),
		cmocka_unit_test(config_declared_environments_are_refused_to_the_api),
		cmocka_unit_test(replicas_starting_together_declare_environments_once),
		cmocka_unit_test(api_environments_are_created_changed_and_deleted),
		cmocka_unit_test(environment_writes_are_validated),
		cmocka_unit_test(environment_writes_need_admin_and_reads_need_read),
		cmocka_unit_test(current_deployment_is_healthy_since_and_behind_main),
		cmocka_unit_test(history_is_newest_first_and_keyset_paginated),
		cmocka_unit_test(deployments_filter_across_environments),
		cmocka_unit_test(deployment_reports_are_validated),
		cmocka_unit_test(a_report_names_its_artifacts_known_or_not),
		cmocka_unit_test(github_deployment_statuses_feed_the_environment_of_that_name),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
