/*
 * test_pulls.c — pull_request deliveries through the real endpoint, signed,
 * read back through GET /api/v1/repos/{owner}/{name}/pulls/{number}: the
 * fixtures (opened, synchronize, closed, reopened, and the one real merged
 * capture), the head-SHA history, labels and edits, out-of-order and
 * equal-time deliveries, and the 404/400 answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

#define HEAD_SHA "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
#define BASE_SHA "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
#define NEW_HEAD "5b4a3c2d1e0f5b4a3c2d1e0f5b4a3c2d1e0f5b4a"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("pulls", db_url, sizeof db_url);
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

/* ---- helpers ---- */

static void set_repo(json_t *payload, const char *full_name)
{
	json_t *repo = json_object_get(payload, "repository");
	assert_non_null(repo);
	json_object_set_new(repo, "full_name", json_string(full_name));
	json_object_set_new(repo, "name", json_string(strchr(full_name, '/') + 1));
	json_object_set_new(repo, "default_branch", json_string("main"));
}

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	json_decref(payload);
}

static void deliver_fixture(const char *fixture)
{
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, "pull_request", gh_delivery_id(id, sizeof id), fixture, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", fixture, r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
}

/* A fixture rewritten: repository (NULL: keep), number (0: keep), action
 * (NULL: keep), updated_at (NULL: keep). */
static json_t *pr_payload(const char *fixture, const char *repo, int number, const char *action,
			  const char *updated_at)
{
	json_t *p = gh_load_fixture(fixture);
	json_t *pr = json_object_get(p, "pull_request");
	if (repo)
		set_repo(p, repo);
	if (number) {
		json_object_set_new(p, "number", json_integer(number));
		json_object_set_new(pr, "number", json_integer(number));
	}
	if (action)
		json_object_set_new(p, "action", json_string(action));
	if (updated_at)
		json_object_set_new(pr, "updated_at", json_string(updated_at));
	return p;
}

static void set_labels(json_t *p, const char *const *names)
{
	json_t *pr = json_object_get(p, "pull_request");
	json_t *tmpl = json_deep_copy(json_array_get(json_object_get(pr, "labels"), 0));
	assert_non_null(tmpl);
	json_t *labels = json_array();
	for (size_t i = 0; names[i]; i++) {
		json_t *l = json_deep_copy(tmpl);
		json_object_set_new(l, "name", json_string(names[i]));
		json_object_set_new(l, "id", json_integer((json_int_t)(1000 + i)));
		json_array_append_new(labels, l);
	}
	json_object_set_new(pr, "labels", labels);
	json_decref(tmpl);
}

static json_t *get_pr(const char *repo, int number, struct itest_response *r)
{
	char path[300];
	snprintf(path, sizeof path, "/api/v1/repos/%s/pulls/%d", repo, number);
	itest_get(&server, path, ITEST_ADMIN_TOKEN, r);
	if (r->status != 200)
		fail_msg("GET %s answered %ld: %s", path, r->status, r->body ? r->body : "");
	return r->json;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "a,b,c" of an array of strings, or of objects' `key`. */
static void joined(const json_t *arr, const char *key, char *out, size_t size)
{
	out[0] = '\0';
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = key ? jstr(v, key) : json_string_value(v);
		size_t n = strlen(out);
		snprintf(out + n, size - n, "%s%s", i ? "," : "", s ? s : "?");
	}
}

static void assert_labels(const json_t *pr, const char *expected)
{
	char got[300];
	joined(json_object_get(pr, "labels"), NULL, got, sizeof got);
	assert_string_equal(got, expected);
}

static void assert_shas(const json_t *pr, const char *expected)
{
	char got[400];
	joined(json_object_get(pr, "head_shas"), "sha", got, sizeof got);
	assert_string_equal(got, expected);
}

/* ---- the fixtures on Codertocat/Hello-World #2, in their natural order ---- */

static void opened_fixture_is_read_back_whole(void **state)
{
	(void)state;
	deliver_fixture("pull_request.opened.json");
	struct itest_response r;
	json_t *pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_string_equal(jstr(pr, "repository"), "Codertocat/Hello-World");
	assert_int_equal(json_integer_value(json_object_get(pr, "number")), 2);
	assert_string_equal(jstr(pr, "title"), "Update the README with new information.");
	assert_string_equal(jstr(pr, "author"), "Codertocat");
	assert_string_equal(jstr(pr, "state"), "open");
	assert_false(json_is_true(json_object_get(pr, "draft")));
	assert_false(json_is_true(json_object_get(pr, "merged")));
	assert_labels(pr, "bug");
	assert_string_equal(jstr(pr, "head_ref"), "changes");
	assert_string_equal(jstr(pr, "head_sha"), HEAD_SHA);
	assert_string_equal(jstr(pr, "base_ref"), "master");
	assert_string_equal(jstr(pr, "url"), "https://github.com/Codertocat/Hello-World/pull/2");
	assert_string_equal(jstr(pr, "opened_at"), "2019-05-15T15:20:33Z");
	assert_true(json_is_null(json_object_get(pr, "closed_at")));
	assert_true(json_is_null(json_object_get(pr, "merge_commit_sha")));
	assert_shas(pr, HEAD_SHA);
	assert_int_equal(itest_array_size(pr, "runs"), 0);
	itest_response_free(&r);
	assert_int_equal(
		itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'pull_request.updated'"), 1);
	/* the same delivery again under a new id: no change, no event */
	deliver_fixture("pull_request.opened.json");
	assert_int_equal(
		itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'pull_request.updated'"), 1);
}

static void synchronize_adds_each_new_head_to_the_sha_history(void **state)
{
	(void)state;
	/* the fixture's head is unchanged; its `before` (the base here) is not a PR SHA */
	deliver_fixture("pull_request.synchronize.json");
	struct itest_response r;
	json_t *pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_shas(pr, HEAD_SHA);
	itest_response_free(&r);
	/* a push to the branch: after = head.sha = a new SHA */
	json_t *p =
		pr_payload("pull_request.synchronize.json", NULL, 0, NULL, "2019-05-15T15:21:00Z");
	json_object_set_new(p, "before", json_string(HEAD_SHA));
	json_object_set_new(p, "after", json_string(NEW_HEAD));
	json_object_set_new(json_object_get(json_object_get(p, "pull_request"), "head"), "sha",
			    json_string(NEW_HEAD));
	deliver("pull_request", p);
	pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_string_equal(jstr(pr, "head_sha"), NEW_HEAD);
	assert_shas(pr, HEAD_SHA "," NEW_HEAD);
	assert_int_equal(
		itest_sql_longf(db_url, "SELECT count(*) FROM pull_request_shas WHERE sha = '" BASE_SHA "'"), 0);
	itest_response_free(&r);
}

static void closed_fixture_closes_and_a_stale_reopened_does_not_reopen(void **state)
{
	(void)state;
	deliver_fixture("pull_request.closed.json");
	struct itest_response r;
	json_t *pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_string_equal(jstr(pr, "closed_at"), "2019-05-15T15:21:18Z");
	assert_false(json_is_true(json_object_get(pr, "merged")));
	/* the newest event names the head: the closed one (15:21:18) says ec26... */
	assert_string_equal(jstr(pr, "head_sha"), HEAD_SHA);
	assert_shas(pr, HEAD_SHA "," NEW_HEAD);
	itest_response_free(&r);
	/* reopened.json carries updated_at 15:20:33, older than the close: it loses */
	deliver_fixture("pull_request.reopened.json");
	pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_string_equal(jstr(pr, "closed_at"), "2019-05-15T15:21:18Z");
	itest_response_free(&r);
	/* a real reopen, later than the close */
	deliver("pull_request",
		pr_payload("pull_request.reopened.json", NULL, 0, NULL, "2019-05-15T15:30:00Z"));
	pr = get_pr("Codertocat/Hello-World", 2, &r);
	assert_string_equal(jstr(pr, "state"), "open");
	assert_true(json_is_null(json_object_get(pr, "closed_at")));
	assert_string_equal(jstr(pr, "updated_at"), "2019-05-15T15:30:00Z");
	itest_response_free(&r);
}

static void merged_fixture_real_capture_is_merged_with_its_merge_commit(void **state)
{
	(void)state;
	deliver_fixture("pull_request.closed.merged.json");
	struct itest_response r;
	json_t *pr = get_pr("ailisp/gcbapp-buildconfig-example", 3, &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_true(json_is_true(json_object_get(pr, "merged")));
	assert_string_equal(jstr(pr, "merge_commit_sha"),
			    "a21683865c088b5fe1906cf6552d15a285a4986d");
	assert_string_equal(jstr(pr, "merged_at"), "2019-11-26T07:01:13Z");
	assert_string_equal(jstr(pr, "closed_at"), "2019-11-26T07:01:13Z");
	assert_string_equal(jstr(pr, "author"), "byao1276");
	assert_string_equal(jstr(pr, "head_ref"), "byao1276-patch-1");
	assert_string_equal(jstr(pr, "base_ref"), "master");
	assert_string_equal(jstr(pr, "title"), "Byao1276 patch 1");
	assert_labels(pr, "");
	assert_shas(pr, "7b5a809ab03679215c55926f7d111156ec98b865");
	json_t *mc = json_object_get(pr, "merge_commit");
	assert_string_equal(jstr(mc, "sha"), "a21683865c088b5fe1906cf6552d15a285a4986d");
	assert_true(json_is_null(json_object_get(mc, "default_branch"))); /* no push seen */
	itest_response_free(&r);
	/* an older "opened" for the same PR, delivered late, changes nothing */
	json_t *old = pr_payload("pull_request.opened.json", NULL, 3, NULL, "2019-11-13T01:28:51Z");
	json_t *real = gh_load_fixture("pull_request.closed.merged.json");
	json_object_set(old, "repository", json_object_get(real, "repository"));
	json_decref(real);
	deliver("pull_request", old);
	pr = get_pr("ailisp/gcbapp-buildconfig-example", 3, &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_true(json_is_true(json_object_get(pr, "merged")));
	assert_string_equal(jstr(pr, "title"), "Byao1276 patch 1");
	assert_string_equal(jstr(pr, "merge_commit_sha"),
			    "a21683865c088b5fe1906cf6552d15a285a4986d");
	/* its head SHA is history all the same */
	assert_shas(pr, HEAD_SHA ",7b5a809ab03679215c55926f7d111156ec98b865");
	itest_response_free(&r);
}

/* ---- order independence ---- */

static void closed_delivered_before_opened_ends_closed(void **state)
{
	(void)state;
	deliver("pull_request",
		pr_payload("pull_request.closed.json", "itest/pr-order", 0, NULL, NULL));
	deliver("pull_request",
		pr_payload("pull_request.opened.json", "itest/pr-order", 0, NULL, NULL));
	struct itest_response r;
	json_t *pr = get_pr("itest/pr-order", 2, &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_string_equal(jstr(pr, "closed_at"), "2019-05-15T15:21:18Z");
	assert_string_equal(jstr(pr, "opened_at"), "2019-05-15T15:20:33Z");
	assert_string_equal(jstr(pr, "updated_at"), "2019-05-15T15:21:18Z");
	assert_shas(pr, HEAD_SHA);
	itest_response_free(&r);
}

static void labels_and_title_follow_the_newest_event(void **state)
{
	(void)state;
	const char *repo = "itest/pr-labels";
	deliver("pull_request", pr_payload("pull_request.opened.json", repo, 0, NULL, NULL));
	json_t *p =
		pr_payload("pull_request.opened.json", repo, 0, "labeled", "2019-05-15T15:22:00Z");
	const char *two[] = {"bug", "enhancement", NULL};
	set_labels(p, two);
	deliver("pull_request", p);
	struct itest_response r;
	json_t *pr = get_pr(repo, 2, &r);
	assert_labels(pr, "bug,enhancement");
	itest_response_free(&r);
	p = pr_payload("pull_request.opened.json", repo, 0, "unlabeled", "2019-05-15T15:23:00Z");
	const char *one[] = {"enhancement", NULL};
	set_labels(p, one);
	deliver("pull_request", p);
	/* a labeled event from before the unlabel, delivered late: ignored */
	p = pr_payload("pull_request.opened.json", repo, 0, "labeled", "2019-05-15T15:22:30Z");
	const char *three[] = {"bug", "enhancement", "wontfix", NULL};
	set_labels(p, three);
	deliver("pull_request", p);
	pr = get_pr(repo, 2, &r);
	assert_labels(pr, "enhancement");
	itest_response_free(&r);
	/* edited: a new title */
	p = pr_payload("pull_request.opened.json", repo, 0, "edited", "2019-05-15T15:24:00Z");
	json_object_set_new(json_object_get(p, "pull_request"), "title",
			    json_string("Better README"));
	const char *keep[] = {"enhancement", NULL};
	set_labels(p, keep);
	deliver("pull_request", p);
	pr = get_pr(repo, 2, &r);
	assert_string_equal(jstr(pr, "title"), "Better README");
	assert_labels(pr, "enhancement");
	itest_response_free(&r);
}

static void equal_updated_at_resolves_the_same_whatever_the_order(void **state)
{
	(void)state;
	const char *repo = "itest/pr-tie";
	const char *when = "2019-05-15T15:40:00Z";
	for (int number = 50; number <= 51; number++) {
		json_t *a = pr_payload("pull_request.opened.json", repo, number, "edited", when);
		json_object_set_new(json_object_get(a, "pull_request"), "title",
				    json_string("Title A"));
		json_t *b = pr_payload("pull_request.closed.json", repo, number, NULL, when);
		json_object_set_new(json_object_get(b, "pull_request"), "title",
				    json_string("Title B"));
		if (number == 50) {
			deliver("pull_request", a);
			deliver("pull_request", b);
		} else {
			deliver("pull_request", b);
			deliver("pull_request", a);
		}
	}
	struct itest_response r1, r2;
	json_t *p50 = get_pr(repo, 50, &r1);
	json_t *p51 = get_pr(repo, 51, &r2);
	assert_string_equal(jstr(p50, "state"), jstr(p51, "state"));
	assert_string_equal(jstr(p50, "title"), jstr(p51, "title"));
	/* one of the two won whole: never state from one and title from the other */
	bool closed = strcmp(jstr(p50, "state"), "closed") == 0;
	assert_string_equal(jstr(p50, "title"), closed ? "Title B" : "Title A");
	assert_true(
		json_equal(json_object_get(p50, "closed_at"), json_object_get(p51, "closed_at")));
	itest_response_free(&r1);
	itest_response_free(&r2);
}

/* ---- errors ---- */

static void unknown_repository_or_pr_is_404_and_bad_numbers_400(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/repos/itest/none/pulls/2", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "itest/none");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/Codertocat/Hello-World/pulls/999", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "#999");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/Codertocat/Hello-World/pulls/abc", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "number");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/Codertocat/Hello-World/pulls/0", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "number");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/Codertocat/Hello-World/pulls/2", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
	/* a pull_request delivery without its pull request is refused, naming the field */
	json_t *p = gh_load_fixture("pull_request.opened.json");
	json_object_del(p, "pull_request");
	char id[64];
	gh_send_json(&server, "pull_request", gh_delivery_id(id, sizeof id), p, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "pull_request");
	itest_response_free(&r);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opened_fixture_is_read_back_whole),
		cmocka_unit_test(synchronize_adds_each_new_head_to_the_sha_history),
		cmocka_unit_test(closed_fixture_closes_and_a_stale_reopened_does_not_reopen),
		cmocka_unit_test(merged_fixture_real_capture_is_merged_with_its_merge_commit),
		cmocka_unit_test(closed_delivered_before_opened_ends_closed),
		cmocka_unit_test(labels_and_title_follow_the_newest_event),
		cmocka_unit_test(equal_updated_at_resolves_the_same_whatever_the_order),
		cmocka_unit_test(unknown_repository_or_pr_is_404_and_bad_numbers_400),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
