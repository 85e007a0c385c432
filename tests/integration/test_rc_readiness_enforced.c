/*
 * test_rc_readiness_enforced.c — readiness is enforced on a person's state
 * changes (PATCH /api/v1/release-candidates/{id}) and recorded when GitHub
 * ships without it.
 *
 * Two gates are evaluated (smoke tests and staging are off, no artifacts
 * are required): CI green on the RC's commit and one Sales approval.  An RC
 * is made ready by a passing CI run and Sam's approval, or left unready by
 * a failed run and no approval.  Approving or releasing an unready RC is
 * 409 not-ready listing each gate not passed, unless a release manager (the
 * release scope) overrides with a reason — recorded, and shown in the RC's
 * overrides and history.  expected_state guards against acting on a state
 * the RC has already left (409 state-changed), also when two requests race.
 * A GitHub release of an unready RC is recorded, marked
 * released_without_readiness.  (rc.overridden reaching a sink:
 * test_notify.c.)
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO "itest/enforced"
#define NOW  "2026-04-01T12:00:00Z"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *ci, *rm, *sales;

static const char config_text[] = "repositories:\n"
				  "  - name: " REPO "\n"
				  "teams:\n"
				  "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				  "releases:\n"
				  "  gates:\n"
				  "    smoke_tests: false\n"
				  "    staging: {enabled: false}\n"
				  "    approvals: [{team: sales, min: 1}]\n";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rcenforced", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("rcenforced", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=" NOW, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
	ci = itest_token_owned(&server, "release-bot", "ci");
	rm = itest_token_owned(&server, "rita@example.com", "release");
	sales = itest_token_owned(&server, "sam@sales.example.com", "feedback");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(rm);
	free(sales);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- helpers ---- */

static json_t *call(const char *method, const char *path, const char *tok, const char *body,
		    long want, struct itest_response *r)
{
	if (body)
		itest_json(&server, method, path, tok, body, r);
	else
		itest_get(&server, path, tok, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

static void ok(const char *method, const char *path, const char *tok, const char *body, long want)
{
	struct itest_response r;
	call(method, path, tok, body, want, &r);
	itest_response_free(&r);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("no string \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
	return s ? s : ""; /* fail_msg does not return; the compiler cannot know */
}

static const char *rc_path(long id)
{
	static __thread char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	return path;
}

/* An RC v<k>.0.0-rc.1 in testing, ready (CI passed, Sales approved) or not
 * (CI failed, no approval); returns its id. */
static long make_rc(int k, bool ready)
{
	char sha[41], body[1024];
	for (int i = 0; i < 20; i++)
		snprintf(sha + 2 * i, 3, "%02x", k);
	snprintf(body, sizeof body,
		 "{\"version\":\"v%d.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", k,
		 sha);
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	ok("PATCH", rc_path(id), ci, "{\"state\":\"testing\"}", 200);
	snprintf(body, sizeof body,
		 "{\"repository\":\"" REPO
		 "\",\"provider\":\"buildkite\",\"external_id\":\"bk-%d\","
		 "\"workflow\":\"pipeline\",\"sha\":\"%s\",\"status\":\"completed\","
		 "\"conclusion\":\"%s\",\"jobs\":[{\"name\":\"build\",\"status\":\"completed\","
		 "\"conclusion\":\"%s\",\"stage\":\"build\",\"required\":true}]}",
		 k, sha, ready ? "success" : "failure", ready ? "success" : "failure");
	ok("POST", "/api/v1/runs", ci, body, 201);
	if (ready) {
		char path[128];
		snprintf(path, sizeof path, "%s/feedback", rc_path(id));
		ok("POST", path, sales, "{\"verdict\":\"approve\"}", 201);
	}
	return id;
}

static const char *state_of(long id)
{
	static char st[32];
	struct itest_response r;
	call("GET", rc_path(id), ITEST_ADMIN_TOKEN, NULL, 200, &r);
	snprintf(st, sizeof st, "%s", str(r.json, "state"));
	itest_response_free(&r);
	return st;
}

static long history_length(long id)
{
	return itest_sql_longf(db_url, "SELECT count(*) FROM rc_state_changes WHERE rc_id = %ld",
			       id);
}

static long overrides_of(long id)
{
	return itest_sql_longf(db_url, "SELECT count(*) FROM rc_overrides WHERE rc_id = %ld", id);
}

/* The unready gates of this story, as a 409 or an override lists them. */
static void expect_unready_gates(const json_t *gates)
{
	if (json_array_size(gates) != 2)
		fail_msg("expected the ci and feedback gates, got %s",
			 json_dumps(gates, JSON_COMPACT));
	const json_t *g = json_array_get(gates, 0);
	assert_string_equal(str(g, "name"), "ci");
	assert_string_equal(str(g, "status"), "failed");
	assert_non_null(strstr(str(g, "reason"), "required job build in pipeline failed"));
	g = json_array_get(gates, 1);
	assert_string_equal(str(g, "name"), "feedback");
	assert_string_equal(str(g, "status"), "pending");
	assert_string_equal(str(g, "reason"), "approvals needed: sales 0 of 1");
}

/* ---- the cases ---- */

static void an_unready_rc_is_not_approved_and_409_lists_its_gates(void **state)
{
	(void)state;
	long id = make_rc(1, false);
	long before = history_length(id);
	struct itest_response r;
	itest_json(&server, "PATCH", rc_path(id), ci, "{\"state\":\"approved\"}", &r);
	itest_assert_problem(&r, 409, "/not-ready", "is not ready to be approved");
	assert_non_null(
		strstr(str(r.json, "detail"), "ci failed (required job build in pipeline failed"));
	assert_non_null(strstr(str(r.json, "detail"), "feedback pending (approvals needed"));
	expect_unready_gates(json_object_get(r.json, "gates"));
	itest_response_free(&r);
	/* the gates are GET .../readiness's */
	char path[128];
	snprintf(path, sizeof path, "%s/readiness", rc_path(id));
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(str(r.json, "verdict"), "failed");
	itest_response_free(&r);
	/* an admin without an override is refused the same way */
	itest_json(&server, "PATCH", rc_path(id), ITEST_ADMIN_TOKEN, "{\"state\":\"approved\"}",
		   &r);
	itest_assert_problem(&r, 409, "/not-ready", NULL);
	itest_response_free(&r);
	/* nothing changed */
	assert_string_equal(state_of(id), "testing");
	assert_int_equal(history_length(id), before);
	assert_int_equal(overrides_of(id), 0);
	/* moves that need no readiness still go: testing → rejected */
	call("PATCH", rc_path(id), ci, "{\"state\":\"rejected\",\"reason\":\"CI red\"}", 200, &r);
	assert_string_equal(str(r.json, "state"), "rejected");
	assert_int_equal(itest_array_size(r.json, "overrides"), 0);
	itest_response_free(&r);
}

static void a_release_manager_overrides_and_the_override_is_recorded(void **state)
{
	(void)state;
	long id = make_rc(2, false);
	struct itest_response r;
	call("PATCH", rc_path(id), rm,
	     "{\"state\":\"approved\",\"reason\":\"customer hotfix\","
	     "\"override_reason\":\"the failing build is a known flake; Sales is away\"}",
	     200, &r);
	assert_string_equal(str(r.json, "state"), "approved");
	itest_response_free(&r);
	/* released, again over the same gates */
	call("PATCH", rc_path(id), rm,
	     "{\"state\":\"released\",\"override_reason\":\"shipping the hotfix now\"}", 200, &r);
	itest_response_free(&r);

	json_t *rc = call("GET", rc_path(id), ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(str(rc, "state"), "released");
	assert_string_equal(str(json_object_get(rc, "release"), "version"), "v2.0.0");
	json_t *overrides = json_object_get(rc, "overrides");
	assert_int_equal(json_array_size(overrides), 2);
	json_t *o = json_array_get(overrides, 0);
	assert_string_equal(str(o, "actor"), "rita@example.com");
	assert_string_equal(str(o, "from_state"), "testing");
	assert_string_equal(str(o, "to_state"), "approved");
	assert_string_equal(str(o, "at"), NOW);
	assert_string_equal(str(o, "reason"), "the failing build is a known flake; Sales is away");
	expect_unready_gates(json_object_get(o, "gates"));
	o = json_array_get(overrides, 1);
	assert_string_equal(str(o, "from_state"), "approved");
	assert_string_equal(str(o, "to_state"), "released");
	assert_string_equal(str(o, "reason"), "shipping the hotfix now");
	/* the history says which changes were overrides */
	json_t *history = json_object_get(rc, "history");
	size_t n = json_array_size(history);
	assert_true(n >= 4);
	for (size_t i = 0; i < n - 2; i++)
		assert_true(json_is_null(json_object_get(json_array_get(history, i), "override")));
	json_t *h = json_array_get(history, n - 2);
	assert_string_equal(str(h, "to"), "approved");
	assert_string_equal(str(h, "reason"), "customer hotfix");
	assert_string_equal(str(h, "actor"), "rita@example.com");
	json_t *ov = json_object_get(h, "override");
	assert_string_equal(str(ov, "reason"), "the failing build is a known flake; Sales is away");
	expect_unready_gates(json_object_get(ov, "gates"));
	h = json_array_get(history, n - 1);
	assert_string_equal(str(h, "to"), "released");
	assert_string_equal(str(json_object_get(h, "override"), "reason"),
			    "shipping the hotfix now");
	assert_true(json_is_null(json_object_get(rc, "released_without_readiness")));
	itest_response_free(&r);
}

static void an_override_needs_the_release_scope(void **state)
{
	(void)state;
	long id = make_rc(3, false);
	long before = history_length(id);
	struct itest_response r;
	itest_json(&server, "PATCH", rc_path(id), ci,
		   "{\"state\":\"approved\",\"override_reason\":\"trust me\"}", &r);
	itest_assert_problem(&r, 403, "/not-permitted", "release scope");
	itest_response_free(&r);
	/* also where no override would be needed: the field is refused */
	itest_json(&server, "PATCH", rc_path(id), ci,
		   "{\"state\":\"rejected\",\"override_reason\":\"trust me\"}", &r);
	itest_assert_problem(&r, 403, "/not-permitted", "override_reason");
	itest_response_free(&r);
	assert_string_equal(state_of(id), "testing");
	assert_int_equal(history_length(id), before);
	assert_int_equal(overrides_of(id), 0);
}

static void a_ready_rc_is_approved_by_ci_and_an_override_of_it_is_no_override(void **state)
{
	(void)state;
	long id = make_rc(4, true);
	struct itest_response r;
	call("PATCH", rc_path(id), ci, "{\"state\":\"approved\",\"expected_state\":\"testing\"}",
	     200, &r);
	assert_string_equal(str(r.json, "state"), "approved");
	itest_response_free(&r);
	/* override_reason on a ready RC: accepted, nothing recorded; 500
	 * characters is the most it takes */
	char body[700], reason[501];
	memset(reason, 'x', 500);
	reason[500] = '\0';
	snprintf(body, sizeof body, "{\"state\":\"released\",\"override_reason\":\"%s\"}", reason);
	call("PATCH", rc_path(id), rm, body, 200, &r);
	assert_string_equal(str(r.json, "state"), "released");
	assert_int_equal(itest_array_size(r.json, "overrides"), 0);
	itest_response_free(&r);
	assert_int_equal(overrides_of(id), 0);
}

static void bad_override_reasons_and_expected_states_are_400(void **state)
{
	(void)state;
	long id = make_rc(5, false);
	long before = history_length(id);
	char reason[502], body[700];
	memset(reason, 'x', 501);
	reason[501] = '\0';
	snprintf(body, sizeof body, "{\"state\":\"approved\",\"override_reason\":\"%s\"}", reason);
	static const struct {
		const char *body, *field;
	} cases[] = {
		{"{\"state\":\"approved\",\"override_reason\":\"\"}", "override_reason"},
		{"{\"state\":\"approved\",\"override_reason\":\"  \\t\\n \"}", "override_reason"},
		{"{\"state\":\"approved\",\"override_reason\":42}", "override_reason"},
		{NULL, "override_reason"}, /* 501 characters */
		{"{\"state\":\"approved\",\"expected_state\":3}", "expected_state"},
		{"{\"state\":\"approved\",\"expected_state\":\"shipped\"}", "expected_state"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct itest_response r;
		/* a release manager: nothing but the field stands in the way */
		itest_json(&server, "PATCH", rc_path(id), rm, cases[i].body ? cases[i].body : body,
			   &r);
		if (r.status != 400 || !strstr(r.body, cases[i].field))
			fail_msg("case %zu answered %ld: %s", i, r.status, r.body);
		itest_assert_problem(&r, 400, "/invalid-field", cases[i].field);
		char pointer[64];
		snprintf(pointer, sizeof pointer, "/%s", cases[i].field);
		json_t *err = json_array_get(json_object_get(r.json, "errors"), 0);
		assert_string_equal(str(err, "pointer"), pointer);
		itest_response_free(&r);
	}
	assert_string_equal(state_of(id), "testing");
	assert_int_equal(history_length(id), before);
	assert_int_equal(overrides_of(id), 0);
}

static void a_state_the_rc_has_left_is_409_state_changed(void **state)
{
	(void)state;
	long id = make_rc(6, true);
	long before = history_length(id);
	struct itest_response r;
	/* the caller saw it in draft; it is in testing now */
	itest_json(&server, "PATCH", rc_path(id), ci,
		   "{\"state\":\"rejected\",\"expected_state\":\"draft\"}", &r);
	itest_assert_problem(&r, 409, "/state-changed", "is testing now, not draft");
	assert_string_equal(str(r.json, "state"), "testing");
	assert_string_equal(str(r.json, "expected_state"), "draft");
	itest_response_free(&r);
	/* also when the move itself would be allowed from there */
	itest_json(&server, "PATCH", rc_path(id), rm,
		   "{\"state\":\"approved\",\"expected_state\":\"approved\","
		   "\"override_reason\":\"x\"}",
		   &r);
	itest_assert_problem(&r, 409, "/state-changed", NULL);
	itest_response_free(&r);
	assert_string_equal(state_of(id), "testing");
	assert_int_equal(history_length(id), before);
	/* an unknown RC is still 404 */
	itest_json(&server, "PATCH", "/api/v1/release-candidates/999999", ci,
		   "{\"state\":\"rejected\",\"expected_state\":\"testing\"}", &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
	/* the state it saw: the change goes */
	call("PATCH", rc_path(id), ci, "{\"state\":\"rejected\",\"expected_state\":\"testing\"}",
	     200, &r);
	assert_string_equal(str(r.json, "state"), "rejected");
	itest_response_free(&r);
}

/* ---- two people act on what they both saw ---- */

struct racer {
	long id;
	const char *body;
	pthread_barrier_t *start;
	long status;
	char type[64];
};

static void *race(void *arg)
{
	struct racer *x = arg;
	pthread_barrier_wait(x->start);
	struct itest_response r;
	itest_json(&server, "PATCH", rc_path(x->id), ci, x->body, &r);
	x->status = r.status;
	const char *t = json_string_value(json_object_get(r.json, "type"));
	snprintf(x->type, sizeof x->type, "%s", t ? t : "");
	itest_response_free(&r);
	return NULL;
}

static void of_two_concurrent_changes_from_one_state_exactly_one_wins(void **state)
{
	(void)state;
	/* testing → approved and testing → rejected, both from "testing": each
	 * is allowed alone, and approved → rejected would be allowed after the
	 * first, so only expected_state keeps the second from going through */
	for (int round = 0; round < 6; round++) {
		long id = make_rc(10 + round, true);
		long before = history_length(id);
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, 2);
		struct racer a = {id, "{\"state\":\"approved\",\"expected_state\":\"testing\"}",
				  &start, 0, ""};
		struct racer b = {id,
				  "{\"state\":\"rejected\",\"expected_state\":\"testing\","
				  "\"reason\":\"install broken\"}",
				  &start, 0, ""};
		pthread_t ta, tb;
		assert_int_equal(pthread_create(&ta, NULL, race, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, race, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		pthread_barrier_destroy(&start);
		struct racer *won = a.status == 200 ? &a : &b, *lost = won == &a ? &b : &a;
		if (won->status != 200 || lost->status != 409 ||
		    strcmp(lost->type, "/problems/state-changed"))
			fail_msg("round %d: approve answered %ld %s, reject %ld %s", round,
				 a.status, a.type, b.status, b.type);
		assert_int_equal(history_length(id), before + 1);
		assert_string_equal(state_of(id), won == &a ? "approved" : "rejected");
	}
}

/* ---- feedback changing while an approval is under way ---- */

struct reopener {
	long feedback_id;
	_Atomic bool done;
	long status;
};

static void *reopen(void *arg)
{
	struct reopener *x = arg;
	char path[96];
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", x->feedback_id);
	struct itest_response r;
	itest_json(&server, "PATCH", path, sales, "{\"status\":\"open\"}", &r);
	x->status = r.status;
	itest_response_free(&r);
	x->done = true;
	return NULL;
}

static void reopening_a_block_waits_for_an_approval_under_way(void **state)
{
	(void)state;
	/* a ready RC with a block from Sales, resolved; its author may reopen it */
	long id = make_rc(40, true);
	char path[128];
	snprintf(path, sizeof path, "%s/feedback", rc_path(id));
	struct itest_response r;
	call("POST", path, sales, "{\"verdict\":\"block\",\"comment\":\"login loops\"}", 201,
	     &r);
	long fid = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", fid);
	/* a release manager's token (release alone) resolves anyone's feedback */
	ok("PATCH", path, rm, "{\"status\":\"resolved\",\"resolution\":\"fixed\"}", 200);

	/* an approval between its readiness check and its commit holds the RC's
	 * row: reopening the block must wait for it, not slip in between */
	PGconn *approval = PQconnectdb(db_url);
	assert_int_equal(PQstatus(approval), CONNECTION_OK);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT 1 FROM release_candidates WHERE id = %ld FOR UPDATE", id);
	PGresult *res = PQexec(approval, "BEGIN");
	PQclear(res);
	res = PQexec(approval, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	int holder = PQbackendPID(approval);

	struct reopener x = {.feedback_id = fid};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reopen, &x), 0);
	/* until the reopen waits on the lock the approval holds (or answers) */
	char waiting[256];
	snprintf(waiting, sizeof waiting,
		 "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
		 " AND %d = ANY (pg_blocking_pids(pid))",
		 holder);
	bool blocked = false;
	for (int i = 0; i < 3000 && !x.done && !blocked; i++) {
		blocked = itest_sql_long(db_url, waiting) > 0;
		if (!blocked)
			usleep(10 * 1000);
	}
	if (!blocked) {
		res = PQexec(approval, "ROLLBACK");
		PQclear(res);
		PQfinish(approval);
		pthread_join(t, NULL);
		fail_msg("reopening the block did not wait for the approval under way (answered "
			 "%ld)",
			 x.status);
	}
	res = PQexec(approval, "COMMIT");
	PQclear(res);
	PQfinish(approval);
	pthread_join(t, NULL);
	assert_int_equal(x.status, 200);
	/* and now approving sees the open block */
	call("PATCH", rc_path(id), ci, "{\"state\":\"approved\"}", 409, &r);
	assert_string_equal(str(r.json, "type"), "/problems/not-ready");
	itest_response_free(&r);
}

/* ---- GitHub ships what it ships ---- */

static void release_published(long release_id, const char *tag, const char *at)
{
	json_t *p = gh_load_fixture("release.published.json");
	json_t *repo = json_object_get(p, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("enforced"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "id", json_integer(727272));
	json_t *rel = json_object_get(p, "release");
	json_object_set_new(rel, "id", json_integer(release_id));
	json_object_set_new(rel, "tag_name", json_string(tag));
	json_object_set_new(rel, "prerelease", json_false());
	json_object_set_new(rel, "draft", json_false());
	json_object_set_new(rel, "published_at", json_string(at));
	json_object_set_new(rel, "updated_at", json_string(at));
	char id[64];
	struct itest_response r;
	gh_send_json(&server, "release", gh_delivery_id(id, sizeof id), p, &r);
	if (r.status != 200)
		fail_msg("release answered %ld: %s", r.status, r.body ? r.body : "");
	itest_response_free(&r);
	json_decref(p);
}

static void a_github_release_of_an_unready_rc_is_recorded_and_marked(void **state)
{
	(void)state;
	long unready = make_rc(30, false), ready = make_rc(31, true);
	release_published(9930, "v30.0.0", "2026-04-01T11:30:00Z");
	release_published(9931, "v31.0.0", "2026-04-01T11:31:00Z");
	struct itest_response r;
	json_t *rc = call("GET", rc_path(unready), ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(str(rc, "state"), "released");
	assert_string_equal(str(json_object_get(rc, "release"), "version"), "v30.0.0");
	json_t *mark = json_object_get(rc, "released_without_readiness");
	if (!json_is_object(mark))
		fail_msg("not marked: %s", json_dumps(rc, JSON_COMPACT));
	assert_string_equal(str(mark, "at"), "2026-04-01T11:30:00Z");
	expect_unready_gates(json_object_get(mark, "gates"));
	/* GitHub's fact is no override */
	assert_int_equal(itest_array_size(rc, "overrides"), 0);
	itest_response_free(&r);
	/* the list says it too */
	call("GET", "/api/v1/release-candidates?target=v30.0.0", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *item = json_array_get(json_object_get(r.json, "items"), 0);
	assert_true(json_is_object(json_object_get(item, "released_without_readiness")));
	itest_response_free(&r);
	/* a ready one is released unmarked */
	rc = call("GET", rc_path(ready), ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(str(rc, "state"), "released");
	assert_true(json_is_null(json_object_get(rc, "released_without_readiness")));
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_unready_rc_is_not_approved_and_409_lists_its_gates),
		cmocka_unit_test(a_release_manager_overrides_and_the_override_is_recorded),
		cmocka_unit_test(an_override_needs_the_release_scope),
		cmocka_unit_test(a_ready_rc_is_approved_by_ci_and_an_override_of_it_is_no_override),
		cmocka_unit_test(bad_override_reasons_and_expected_states_are_400),
		cmocka_unit_test(a_state_the_rc_has_left_is_409_state_changed),
		cmocka_unit_test(of_two_concurrent_changes_from_one_state_exactly_one_wins),
		cmocka_unit_test(reopening_a_block_waits_for_an_approval_under_way),
		cmocka_unit_test(a_github_release_of_an_unready_rc_is_recorded_and_marked),
	};
	return cmocka_run_group_tests_name("rc readiness enforced", tests, group_setup,
					   group_teardown);
}
