/*
 * test_git.c — push, create and delete deliveries through the real
 * endpoint, signed: tags (RC or not, deleted, in either order), branches
 * (created, moved, deleted), the default-branch sequence (ordered, deduped,
 * reset, rewritten, gaps and late deliveries), and what the commit, repos
 * and branch-health answers make of it — health turning red and green
 * again from workflow_run deliveries.
 *
 * The fixtures are sent byte-exact where the test is about the real payload;
 * chained tests rewrite ids, SHAs, refs and times (parsed with jansson) and
 * give each test its own repository, so the tests do not see each other.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

#define ZERO_SHA  "0000000000000000000000000000000000000000"
#define HELLO_SHA "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("git", db_url, sizeof db_url);
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

static void assert_sql(const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void assert_sql(const char *expected, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char *v = itest_sql(db_url, sql);
	if (!expected) {
		if (v)
			fail_msg("%s\n  expected no value, got %s", sql, v);
		return;
	}
	if (!v || strcmp(v, expected) != 0)
		fail_msg("%s\n  expected %s, got %s", sql, expected, v ? v : "(null)");
	free(v);
}

/* A distinct, valid 40-hex SHA per seed. */
static const char *sha_of(unsigned seed, char out[41])
{
	unsigned h = seed * 2654435761u;
	snprintf(out, 41, "%08x%08x%08x%08x%08x", h, seed, h ^ 0x5bd1e995u, seed * 7u + 1u,
		 0x12345678u + seed);
	return out;
}

/* Points a payload at repository `full_name` (default branch main). */
static void set_repo(json_t *payload, const char *full_name)
{
	json_t *repo = json_object_get(payload, "repository");
	assert_non_null(repo);
	char url[300];
	snprintf(url, sizeof url, "https://github.com/%s", full_name);
	unsigned h = 5381;
	for (const char *s = full_name; *s; s++)
		h = h * 33u + (unsigned char)*s;
	json_object_set_new(repo, "full_name", json_string(full_name));
	json_object_set_new(repo, "name", json_string(strchr(full_name, '/') + 1));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "master_branch", json_string("main"));
	json_object_set_new(repo, "html_url", json_string(url));
	json_object_set_new(repo, "id", json_integer((json_int_t)(h % 1000000000u)));
}

static void send_expect(const char *event, const char *delivery_id, const json_t *payload,
			const char *status)
{
	struct itest_response r;
	gh_send_json(&server, event, delivery_id, payload, &r);
	if (r.status != 200 && r.status != 202)
		fail_msg("%s delivery answered %ld: %s", event, r.status, r.body ? r.body : "");
	const char *got = json_string_value(json_object_get(r.json, "status"));
	if (!got || strcmp(got, status) != 0)
		fail_msg("%s delivery: expected %s, got %s", event, status, r.body ? r.body : "");
	itest_response_free(&r);
}

/* Sends a delivery under a fresh id; it must be processed.  Steals payload. */
static void deliver(const char *event, json_t *payload)
{
	char id[64];
	send_expect(event, gh_delivery_id(id, sizeof id), payload, "processed");
	json_decref(payload);
}

static void deliver_fixture(const char *event, const char *fixture)
{
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, event, gh_delivery_id(id, sizeof id), fixture, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", fixture, r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
}

/*
 * A push to `ref` of repository `repo`: commits (oldest first, NULL-ended)
 * become payload.commits[], head_commit is `after`.  pushed_at: Unix seconds.
 */
static json_t *push_payload(const char *repo, const char *ref, const char *before,
			    const char *after, const char *const *commits, bool forced,
			    long pushed_at)
{
	json_t *p = gh_load_fixture("push.with-new-branch.json");
	set_repo(p, repo);
	json_t *tmpl = json_deep_copy(json_array_get(json_object_get(p, "commits"), 0));
	assert_non_null(tmpl);
	json_object_set_new(p, "ref", json_string(ref));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(after));
	json_object_set_new(p, "created", json_boolean(strcmp(before, ZERO_SHA) == 0));
	json_object_set_new(p, "deleted", json_false());
	json_object_set_new(p, "forced", json_boolean(forced));
	json_t *list = json_array();
	for (size_t i = 0; commits && commits[i]; i++) {
		json_t *c = json_deep_copy(tmpl);
		char msg[80], url[200];
		snprintf(msg, sizeof msg, "commit %.8s", commits[i]);
		snprintf(url, sizeof url, "https://github.com/%s/commit/%s", repo, commits[i]);
		json_object_set_new(c, "id", json_string(commits[i]));
		json_object_set_new(c, "message", json_string(msg));
		json_object_set_new(c, "url", json_string(url));
		json_array_append_new(list, c);
	}
	json_object_set_new(p, "commits", list);
	json_t *head = json_deep_copy(tmpl);
	char msg[80];
	snprintf(msg, sizeof msg, "commit %.8s", after);
	json_object_set_new(head, "id", json_string(after));
	json_object_set_new(head, "message", json_string(msg));
	json_object_set_new(p, "head_commit", head);
	json_object_set_new(json_object_get(p, "repository"), "pushed_at", json_integer(pushed_at));
	json_decref(tmpl);
	return p;
}

/* A completed workflow_run on `branch` at `sha`, created at minute `minute`. */
static json_t *run_payload(const char *repo, long run_id, const char *workflow, const char *sha,
			   const char *branch, const char *conclusion, int minute)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	set_repo(p, repo);
	json_t *wr = json_object_get(p, "workflow_run");
	char created[40], updated[40], path[200], url[300];
	snprintf(created, sizeof created, "2024-03-01T10:%02d:00Z", minute);
	snprintf(updated, sizeof updated, "2024-03-01T10:%02d:30Z", minute);
	snprintf(path, sizeof path, ".github/workflows/%s.yml", workflow);
	snprintf(url, sizeof url, "https://github.com/%s/actions/runs/%ld", repo, run_id);
	json_object_set_new(wr, "id", json_integer(run_id));
	json_object_set_new(wr, "run_number", json_integer(run_id % 1000));
	json_object_set_new(wr, "run_attempt", json_integer(1));
	json_object_set_new(wr, "name", json_string(workflow));
	json_object_set_new(wr, "path", json_string(path));
	json_object_set_new(wr, "workflow_id",
			    json_integer((json_int_t)strlen(workflow) * 1000 + workflow[0]));
	json_object_set_new(wr, "head_sha", json_string(sha));
	json_object_set_new(wr, "head_branch", json_string(branch));
	json_object_set_new(wr, "event", json_string("push"));
	json_object_set_new(wr, "status", json_string("completed"));
	json_object_set_new(wr, "conclusion", json_string(conclusion));
	json_object_set_new(wr, "created_at", json_string(created));
	json_object_set_new(wr, "run_started_at", json_string(created));
	json_object_set_new(wr, "updated_at", json_string(updated));
	json_object_set_new(wr, "html_url", json_string(url));
	json_object_set_new(wr, "pull_requests", json_array());
	json_object_set_new(json_object_get(wr, "head_commit"), "id", json_string(sha));
	json_t *wf = json_object_get(p, "workflow");
	json_object_set_new(wf, "name", json_string(workflow));
	json_object_set_new(wf, "path", json_string(path));
	return p;
}

static json_t *get_ok(const char *path, struct itest_response *r)
{
	itest_get(&server, path, ITEST_ADMIN_TOKEN, r);
	if (r->status != 200)
		fail_msg("GET %s answered %ld: %s", path, r->status, r->body ? r->body : "");
	assert_non_null(r->json);
	return r->json;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The sequence of a repository's branch as "sha8,sha8,..." (left entries as -sha8). */
static char *sequence_of(const char *repo, const char *branch)
{
	return itest_sqlf(db_url, "SELECT string_agg(CASE WHEN bs.left_at IS NULL THEN '' ELSE '-' END "
		    "|| left(bs.sha, 8), ',' ORDER BY bs.seq) FROM branch_sequence bs "
		    "JOIN repositories r ON r.id = bs.repository_id "
		    "WHERE r.full_name = '%s' AND bs.branch = '%s'",
		    repo, branch);
}

static void assert_sequence(const char *repo, const char *expected)
{
	char *got = sequence_of(repo, "main");
	if (!got || strcmp(got, expected) != 0)
		fail_msg("sequence of %s: expected %s, got %s", repo, expected,
			 got ? got : "(empty)");
	free(got);
}

/* "sha8,sha8" from SHAs (left ones prefixed with '-' by the caller). */
static void join8(char *out, size_t size, const char *const *shas)
{
	out[0] = '\0';
	for (size_t i = 0; shas[i]; i++) {
		size_t n = strlen(out);
		snprintf(out + n, size - n, "%s%.*s", i ? "," : "", shas[i][0] == '-' ? 9 : 8,
			 shas[i]);
	}
}

/* ---- tags: the byte-exact fixtures ---- */

static void create_and_push_fixtures_record_a_tag_and_its_deletion(void **state)
{
	(void)state;
	/* create.json: tag simple-tag appears (no SHA in a create event) */
	deliver_fixture("create", "create.json");
	assert_sql("f|f|t",
		   "SELECT t.is_rc::text::char || '|' || (t.deleted_at IS NOT NULL)::text::char "
		   "|| '|' || (t.sha IS NULL)::text::char FROM tags t JOIN repositories r "
		   "ON r.id = t.repository_id WHERE r.full_name = 'Codertocat/Hello-World' "
		   "AND t.name = 'simple-tag'");
	/* the organisation variant names the same tag: one row, one event */
	deliver_fixture("create", "create.with-organization.json");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM tags WHERE name = 'simple-tag'"), 1);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'tag.created' "
				  "AND entity_id = 'Codertocat/Hello-World:simple-tag'"),
			 1);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'tag.rc'"), 0);

	/* push.json is that tag's deletion: deleted true, after zeros, head_commit null */
	deliver_fixture("push", "push.json");
	assert_sql("2019-05-15 15:20:57+00|" HELLO_SHA,
		   "SELECT (deleted_at AT TIME ZONE 'UTC')::text || '+00|' || sha FROM tags "
		   "WHERE name = 'simple-tag'");
	assert_sql("t|f|f|0|refs/tags/simple-tag",
		   "SELECT deleted::text::char || '|' || created::text::char || '|' || "
		   "forced::text::char || '|' || commit_count || '|' || ref FROM pushes");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM branch_sequence"), 0);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM branches"), 0);
	/* push.1.json is the same deletion again (another example): nothing more */
	deliver_fixture("push", "push.1.json");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM pushes"), 1);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'tag.deleted'"), 1);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'push'"), 1);
	/* a creation older than the deletion does not bring it back */
	deliver_fixture("create", "create.json");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM tags WHERE name = 'simple-tag' "
				  "AND deleted_at IS NOT NULL"),
			 1);
}

static void tag_deletion_delivered_before_its_creation_still_ends_deleted(void **state)
{
	(void)state;
	/* the same two payloads in the other order, on a repository of their own */
	json_t *del = gh_load_fixture("push.json");
	set_repo(del, "itest/tag-order");
	json_t *cre = gh_load_fixture("create.json");
	set_repo(cre, "itest/tag-order");
	/* keep the real times: create at 15:20:56, the deletion at 15:20:57 */
	json_object_set_new(json_object_get(del, "repository"), "pushed_at",
			    json_integer(1557933657));
	json_object_set_new(json_object_get(cre, "repository"), "pushed_at",
			    json_string("2019-05-15T15:20:56Z"));
	deliver("push", del);
	deliver("create", cre);
	assert_sql("2019-05-15 15:20:56|2019-05-15 15:20:57|" HELLO_SHA,
		   "SELECT (t.created_at AT TIME ZONE 'UTC')::text || '|' || "
		   "(t.deleted_at AT TIME ZONE 'UTC')::text || '|' || t.sha FROM tags t "
		   "JOIN repositories r ON r.id = t.repository_id WHERE r.full_name = "
		   "'itest/tag-order'");
	/* a creation NEWER than the deletion brings the tag back */
	json_t *again = gh_load_fixture("create.json");
	set_repo(again, "itest/tag-order");
	json_object_set_new(json_object_get(again, "repository"), "pushed_at",
			    json_string("2019-05-16T09:00:00Z"));
	deliver("create", again);
	assert_sql("t", "SELECT (t.deleted_at IS NULL)::text::char FROM tags t JOIN repositories r "
			"ON r.id = t.repository_id WHERE r.full_name = 'itest/tag-order'");
}

static void rc_tag_via_create_is_flagged_and_plain_tag_is_not(void **state)
{
	(void)state;
	json_t *rc = gh_load_fixture("create.json");
	set_repo(rc, "itest/rc");
	json_object_set_new(rc, "ref", json_string("v1.2.0-rc.1"));
	deliver("create", rc);
	json_t *plain = gh_load_fixture("create.with-organization.json");
	set_repo(plain, "itest/rc");
	json_object_set_new(plain, "ref", json_string("v1.2.0"));
	deliver("create", plain);
	assert_sql("v1.2.0:f,v1.2.0-rc.1:t",
		   "SELECT string_agg(t.name || ':' || t.is_rc::text::char, ',' ORDER BY t.name) "
		   "FROM tags t JOIN repositories r ON r.id = t.repository_id "
		   "WHERE r.full_name = 'itest/rc'");
	assert_sql("itest/rc:v1.2.0-rc.1",
		   "SELECT string_agg(entity_id, ',') FROM events WHERE kind = 'tag.rc'");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'tag.created' "
				  "AND entity_id LIKE 'itest/rc:%%'"),
			 2);
	/* a tag push fills the SHA (the commit, not an annotated tag's object) */
	char c1[41], tagobj[41];
	sha_of(501, c1);
	sha_of(502, tagobj);
	json_t *push = push_payload("itest/rc", "refs/tags/v1.2.0-rc.1", ZERO_SHA, tagobj, NULL,
				    false, 1709287200);
	json_object_set_new(json_object_get(push, "head_commit"), "id", json_string(c1));
	deliver("push", push);
	char *sha = itest_sqlf(db_url, "SELECT sha FROM tags WHERE name = 'v1.2.0-rc.1'");
	assert_string_equal(sha, c1);
	free(sha);
	/* no second tag.rc for a tag that already existed */
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'tag.rc'"), 1);
}

/* ---- the default-branch sequence ---- */

static void push_with_new_branch_fixture_starts_the_default_branch_sequence(void **state)
{
	(void)state;
	deliver_fixture("push", "push.with-new-branch.json");
	/* master is Hello-World's default branch: the sequence starts at the commit */
	assert_sql("1|" HELLO_SHA,
		   "SELECT bs.seq || '|' || bs.sha FROM branch_sequence bs JOIN repositories r "
		   "ON r.id = bs.repository_id WHERE r.full_name = 'Codertocat/Hello-World' "
		   "AND bs.branch = 'master'");
	assert_sql(HELLO_SHA, "SELECT head_sha FROM branches WHERE name = 'master'");
	assert_sql("t|f|f", "SELECT created::text::char || '|' || gap::text::char || '|' || "
			    "rewrote::text::char FROM pushes WHERE ref = 'refs/heads/master'");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'branch.created' "
				  "AND entity_id = 'Codertocat/Hello-World:master'"),
			 1);
	/* the commit answer, by a 7-digit prefix */
	struct itest_response r;
	json_t *c = get_ok("/api/v1/repos/Codertocat/Hello-World/commits/6113728", &r);
	assert_string_equal(jstr(c, "sha"), HELLO_SHA);
	assert_string_equal(jstr(c, "message"), "Initial commit");
	assert_string_equal(jstr(json_object_get(c, "author"), "login"), "Codertocat");
	assert_string_equal(jstr(c, "committed_at"), "2019-05-15T15:19:25Z");
	json_t *db = json_object_get(c, "default_branch");
	assert_string_equal(jstr(db, "name"), "master");
	assert_int_equal(json_integer_value(json_object_get(db, "seq")), 1);
	assert_false(json_is_true(json_object_get(db, "left")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "branches"), 0)),
			    "master");
	itest_response_free(&r);
}

static void three_pushes_to_main_build_the_sequence_in_order(void **state)
{
	(void)state;
	const char *repo = "itest/seq";
	char a[6][41];
	for (unsigned i = 0; i < 6; i++)
		sha_of(100 + i, a[i]);
	const char *p1[] = {a[0], NULL}, *p2[] = {a[1], a[2], NULL}, *p3[] = {a[3], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, a[0], p1, false, 1709280000));
	deliver("push", push_payload(repo, "refs/heads/main", a[0], a[2], p2, false, 1709280060));
	/* `after` not among the commits (a merge whose commits were listed earlier) is appended */
	deliver("push", push_payload(repo, "refs/heads/main", a[2], a[4], p3, false, 1709280120));
	/* a feature branch does not touch the sequence */
	const char *f[] = {a[5], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/feature/x", ZERO_SHA, a[5], f, false, 1709280180));
	char want[200];
	const char *order[] = {a[0], a[1], a[2], a[3], a[4], NULL};
	join8(want, sizeof want, order);
	assert_sequence(repo, want);
	assert_sql("1,2,3,4,5", "SELECT string_agg(bs.seq::text, ',' ORDER BY bs.seq) FROM "
				"branch_sequence bs JOIN repositories r ON r.id = bs.repository_id "
				"WHERE r.full_name = 'itest/seq'");
	assert_int_equal(
		itest_sql_longf(db_url, 
			"SELECT count(*) FROM pushes p JOIN repositories r ON r.id = "
			"p.repository_id WHERE r.full_name = 'itest/seq' AND (p.gap OR p.rewrote)"),
		0);
	char *head = itest_sqlf(db_url, "SELECT b.head_sha FROM branches b JOIN repositories r ON r.id = "
			  "b.repository_id WHERE r.full_name = 'itest/seq' AND b.name = 'main'");
	assert_string_equal(head, a[4]);
	free(head);
	head = itest_sqlf(db_url, "SELECT b.head_sha FROM branches b JOIN repositories r ON r.id = "
		    "b.repository_id WHERE r.full_name = 'itest/seq' AND b.name = 'feature/x'");
	assert_string_equal(head, a[5]);
	free(head);
	/* commits carry their message, and the commit answer its place */
	struct itest_response r;
	char path[200];
	snprintf(path, sizeof path, "/api/v1/repos/itest/seq/commits/%s", a[2]);
	json_t *c = get_ok(path, &r);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(c, "default_branch"), "seq")),
		3);
	char msg[40];
	snprintf(msg, sizeof msg, "commit %.8s", a[2]);
	assert_string_equal(jstr(c, "message"), msg);
	itest_response_free(&r);
	/* the feature-branch commit is on feature/x, not on main */
	snprintf(path, sizeof path, "/api/v1/repos/itest/seq/commits/%.12s", a[5]);
	c = get_ok(path, &r);
	assert_true(json_is_null(json_object_get(c, "default_branch")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "branches"), 0)),
			    "feature/x");
	assert_int_equal(json_array_size(json_object_get(c, "branches")), 1);
	itest_response_free(&r);
}

static void duplicate_push_under_a_new_delivery_id_appends_nothing(void **state)
{
	(void)state;
	const char *repo = "itest/dup";
	char a[3][41];
	for (unsigned i = 0; i < 3; i++)
		sha_of(200 + i, a[i]);
	const char *p1[] = {a[0], NULL}, *p2[] = {a[1], a[2], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, a[0], p1, false, 1709280000));
	json_t *second = push_payload(repo, "refs/heads/main", a[0], a[2], p2, false, 1709280060);
	char id[64];
	gh_delivery_id(id, sizeof id);
	send_expect("push", id, second, "processed");
	/* the same delivery id again: the ingest layer's duplicate */
	send_expect("push", id, second, "duplicate");
	/* the same content under a new id (GitHub's "redeliver"): no second effect */
	deliver("push", json_incref(second));
	json_decref(second);
	char want[200];
	const char *order[] = {a[0], a[1], a[2], NULL};
	join8(want, sizeof want, order);
	assert_sequence(repo, want);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM pushes p JOIN repositories r ON r.id = "
				  "p.repository_id WHERE r.full_name = 'itest/dup'"),
			 2);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM pushes WHERE gap"), 0);
	/* a replay of the stored delivery (admin) is idempotent too */
	long row = itest_sql_longf(db_url, "SELECT id FROM deliveries WHERE delivery_id = '%s' "
			    "AND status = 'processed'",
			    id);
	char path[100];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", row);
	struct itest_response r;
	itest_json(&server, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "processed");
	itest_response_free(&r);
	assert_sequence(repo, want);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'push' "
				  "AND payload->>'repository' = 'itest/dup'"),
			 2);
}

static void forced_push_back_to_an_older_commit_marks_later_entries_left(void **state)
{
	(void)state;
	const char *repo = "itest/reset";
	char a[5][41];
	for (unsigned i = 0; i < 5; i++)
		sha_of(300 + i, a[i]);
	const char *p1[] = {a[0], NULL}, *p2[] = {a[1], a[2], NULL}, *p4[] = {a[3], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, a[0], p1, false, 1709280000));
	deliver("push", push_payload(repo, "refs/heads/main", a[0], a[2], p2, false, 1709280060));
	/* git push --force origin a0:main */
	deliver("push", push_payload(repo, "refs/heads/main", a[2], a[0], NULL, true, 1709280120));
	char want[200];
	char l1[12], l2[12];
	snprintf(l1, sizeof l1, "-%.8s", a[1]);
	snprintf(l2, sizeof l2, "-%.8s", a[2]);
	const char *order[] = {a[0], l1, l2, NULL};
	join8(want, sizeof want, order);
	assert_sequence(repo, want);
	assert_sql("t|t|f",
		   "SELECT p.forced::text::char || '|' || p.rewrote::text::char || '|' || "
		   "p.gap::text::char FROM pushes p JOIN repositories r ON r.id = "
		   "p.repository_id WHERE r.full_name = 'itest/reset' AND p.after_sha = '%s' "
		   "AND p.before_sha = '%s'",
		   a[0], a[2]);
	/* the next push builds on a0 again: no gap, appended after the left entries */
	deliver("push", push_payload(repo, "refs/heads/main", a[0], a[3], p4, false, 1709280180));
	const char *order2[] = {a[0], l1, l2, a[3], NULL};
	join8(want, sizeof want, order2);
	assert_sequence(repo, want);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM pushes p JOIN repositories r ON r.id = "
				  "p.repository_id WHERE r.full_name = 'itest/reset' AND p.gap"),
			 0);
	/* the commit answer says a1 left the branch */
	struct itest_response r;
	char path[200];
	snprintf(path, sizeof path, "/api/v1/repos/itest/reset/commits/%s", a[1]);
	json_t *db = json_object_get(get_ok(path, &r), "default_branch");
	assert_true(json_is_true(json_object_get(db, "left")));
	assert_non_null(jstr(db, "left_at"));
	itest_response_free(&r);
	/* the forced push delivered again changes nothing */
	deliver("push", push_payload(repo, "refs/heads/main", a[2], a[0], NULL, true, 1709280120));
	assert_sequence(repo, want);
	/* and the rewrite shows in the health answer */
	json_t *h = get_ok("/api/v1/repos/itest/reset/branches/main/health", &r);
	json_t *gaps = json_object_get(h, "gaps");
	assert_int_equal(json_array_size(gaps), 1);
	assert_true(json_is_true(json_object_get(json_array_get(gaps, 0), "rewrote")));
	itest_response_free(&r);
}

static void forced_push_rewriting_main_marks_the_old_head_left_and_appends(void **state)
{
	(void)state;
	const char *repo = "itest/rewrite";
	char a[3][41], b[2][41];
	for (unsigned i = 0; i < 3; i++)
		sha_of(400 + i, a[i]);
	sha_of(410, b[0]);
	sha_of(411, b[1]);
	const char *p1[] = {a[0], NULL}, *p2[] = {a[1], a[2], NULL}, *pf[] = {b[0], b[1], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, a[0], p1, false, 1709280000));
	deliver("push", push_payload(repo, "refs/heads/main", a[0], a[2], p2, false, 1709280060));
	/* amend + rebase: a1, a2 replaced by b0, b1 */
	deliver("push", push_payload(repo, "refs/heads/main", a[2], b[1], pf, true, 1709280120));
	char want[200], l1[12], l2[12];
	snprintf(l1, sizeof l1, "-%.8s", a[1]);
	snprintf(l2, sizeof l2, "-%.8s", a[2]);
	const char *order[] = {a[0], l1, l2, b[0], b[1], NULL};
	join8(want, sizeof want, order);
	assert_sequence(repo, want);
	assert_sql("t|f", "SELECT p.rewrote::text::char || '|' || p.gap::text::char FROM pushes p "
			  "JOIN repositories r ON r.id = p.repository_id "
			  "WHERE r.full_name = 'itest/rewrite' AND p.forced");
	/* the head is b1; "contains" works on the new entries */
	assert_sql("5", "SELECT max(bs.seq)::text FROM branch_sequence bs JOIN repositories r "
			"ON r.id = bs.repository_id WHERE r.full_name = 'itest/rewrite' "
			"AND bs.left_at IS NULL");
	struct itest_response r;
	json_t *h = get_ok("/api/v1/repos/itest/rewrite/branches/main/health", &r);
	json_t *g = json_array_get(json_object_get(h, "gaps"), 0);
	assert_true(json_is_true(json_object_get(g, "rewrote")));
	assert_true(json_is_true(json_object_get(g, "forced")));
	assert_string_equal(jstr(g, "after"), b[1]);
	itest_response_free(&r);
}

static void missed_push_is_a_gap_in_health_and_the_late_push_fills_it(void **state)
{
	(void)state;
	const char *repo = "itest/gap";
	char a[4][41];
	for (unsigned i = 0; i < 4; i++)
		sha_of(600 + i, a[i]);
	const char *p1[] = {a[0], NULL}, *p2[] = {a[1], NULL}, *p3[] = {a[2], a[3], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, a[0], p1, false, 1709280000));
	/* push 2 (a0 -> a1) is missing; push 3 (a1 -> a3) arrives */
	deliver("push", push_payload(repo, "refs/heads/main", a[1], a[3], p3, false, 1709280120));
	char want[200];
	const char *order[] = {a[0], a[2], a[3], NULL};
	join8(want, sizeof want, order);
	assert_sequence(repo, want);
	struct itest_response r;
	json_t *h = get_ok("/api/v1/repos/itest/gap/branches/main/health", &r);
	json_t *gaps = json_object_get(h, "gaps");
	assert_int_equal(json_array_size(gaps), 1);
	json_t *g = json_array_get(gaps, 0);
	assert_true(json_is_true(json_object_get(g, "gap")));
	assert_false(json_is_true(json_object_get(g, "rewrote")));
	assert_string_equal(jstr(g, "before"), a[1]);
	assert_string_equal(jstr(g, "after"), a[3]);
	itest_response_free(&r);
	/* push 2 arrives late: its commit goes where it belongs, the gap is filled */
	deliver("push", push_payload(repo, "refs/heads/main", a[0], a[1], p2, false, 1709280060));
	const char *order2[] = {a[0], a[1], a[2], a[3], NULL};
	join8(want, sizeof want, order2);
	assert_sequence(repo, want);
	assert_sql("1,2,3,4", "SELECT string_agg(bs.seq::text, ',' ORDER BY bs.seq) FROM "
			      "branch_sequence bs JOIN repositories r ON r.id = bs.repository_id "
			      "WHERE r.full_name = 'itest/gap'");
	h = get_ok("/api/v1/repos/itest/gap/branches/main/health", &r);
	assert_int_equal(itest_array_size(h, "gaps"), 0);
	itest_response_free(&r);
	/* the branch head stays at the newest push, whatever the arrival order */
	assert_sql(a[3], "SELECT b.head_sha FROM branches b JOIN repositories r ON r.id = "
			 "b.repository_id WHERE r.full_name = 'itest/gap' AND b.name = 'main'");
}

/* ---- branches ---- */

static void branch_created_pushed_and_deleted(void **state)
{
	(void)state;
	const char *repo = "itest/branches";
	json_t *cre = gh_load_fixture("create.json");
	set_repo(cre, repo);
	json_object_set_new(cre, "ref", json_string("feature/login"));
	json_object_set_new(cre, "ref_type", json_string("branch"));
	json_object_set_new(json_object_get(cre, "repository"), "pushed_at",
			    json_string("2024-03-01T09:00:00Z"));
	deliver("create", cre);
	char s1[41];
	sha_of(700, s1);
	const char *p1[] = {s1, NULL};
	deliver("push", push_payload(repo, "refs/heads/feature/login", ZERO_SHA, s1, p1, false,
				     1709283600 /* 09:00:00 */ + 60));
	assert_sql(s1,
		   "SELECT b.head_sha FROM branches b JOIN repositories r ON r.id = "
		   "b.repository_id WHERE r.full_name = 'itest/branches' AND b.deleted_at IS NULL "
		   "AND b.name = 'feature/login'");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'branch.created' "
				  "AND entity_id = 'itest/branches:feature/login'"),
			 1);
	/* the delete event */
	json_t *del = gh_load_fixture("create.json");
	set_repo(del, repo);
	json_object_set_new(del, "ref", json_string("feature/login"));
	json_object_set_new(del, "ref_type", json_string("branch"));
	json_object_set_new(json_object_get(del, "repository"), "pushed_at",
			    json_string("2024-03-01T10:00:00Z"));
	deliver("delete", del);
	assert_sql("2024-03-01 10:00:00",
		   "SELECT (b.deleted_at AT TIME ZONE 'UTC')::text FROM "
		   "branches b JOIN repositories r ON r.id = b.repository_id "
		   "WHERE r.full_name = 'itest/branches'");
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'branch.deleted' "
				  "AND entity_id = 'itest/branches:feature/login'"),
			 1);
	/* the push that deleted it (deleted: true, after zeros) arrives too: no second event */
	json_t *pdel = push_payload(repo, "refs/heads/feature/login", s1, ZERO_SHA, NULL, false,
				    1709287200);
	json_object_set_new(pdel, "deleted", json_true());
	json_object_set_new(pdel, "head_commit", json_null());
	deliver("push", pdel);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM events WHERE kind = 'branch.deleted' "
				  "AND entity_id = 'itest/branches:feature/login'"),
			 1);
	assert_sql("t",
		   "SELECT p.deleted::text::char FROM pushes p JOIN repositories r ON r.id = "
		   "p.repository_id WHERE r.full_name = 'itest/branches' AND p.after_sha = '%s'",
		   ZERO_SHA);
	/* a stale push from before the deletion does not revive the branch */
	char s0[41];
	sha_of(699, s0);
	const char *p0[] = {s0, NULL};
	deliver("push", push_payload(repo, "refs/heads/feature/login", ZERO_SHA, s0, p0, false,
				     1709283600 + 30));
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM branches b JOIN repositories r ON r.id = "
				  "b.repository_id WHERE r.full_name = 'itest/branches' "
				  "AND b.deleted_at IS NULL"),
			 0);
	/* a create of an unknown ref_type is stored, not used */
	json_t *odd = gh_load_fixture("create.json");
	set_repo(odd, repo);
	json_object_set_new(odd, "ref_type", json_string("repository"));
	char id[64];
	send_expect("create", gh_delivery_id(id, sizeof id), odd, "ignored");
	json_decref(odd);
}

/* ---- commits and repos answers ---- */

static void commit_answer_resolves_prefixes_and_refuses_ambiguity(void **state)
{
	(void)state;
	const char *repo = "itest/prefix";
	const char *x = "abcdef1000000000000000000000000000000001";
	const char *y = "abcdef1200000000000000000000000000000002";
	const char *p1[] = {x, y, NULL};
	deliver("push", push_payload(repo, "refs/heads/main", ZERO_SHA, y, p1, false, 1709280000));
	struct itest_response r;
	itest_get(&server, "/api/v1/repos/itest/prefix/commits/abcdef1", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "sha");
	itest_response_free(&r);
	json_t *c = get_ok("/api/v1/repos/itest/prefix/commits/ABCDEF12", &r);
	assert_string_equal(jstr(c, "sha"), y);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(c, "default_branch"), "seq")),
		2);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/prefix/commits/1234567", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "1234567");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/nope/commits/abcdef1", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "itest/nope");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/prefix/commits/abc", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "sha");
	itest_response_free(&r);
}

static void repos_are_listed_newest_first_with_a_next_link(void **state)
{
	(void)state;
	long total = itest_sql_longf(db_url, "SELECT count(*) FROM repositories");
	assert_true(total >= 4);
	struct itest_response r;
	json_t *page = get_ok("/api/v1/repos?limit=2", &r);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	json_int_t first = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
	json_int_t second = json_integer_value(json_object_get(json_array_get(items, 1), "id"));
	assert_true(first > second);
	assert_non_null(jstr(json_array_get(items, 0), "full_name"));
	assert_non_null(jstr(json_array_get(items, 0), "default_branch"));
	const char *next = jstr(page, "next");
	assert_non_null(next);
	const char *rel = strstr(next, "/api/v1/repos");
	assert_non_null(rel);
	char path[512];
	snprintf(path, sizeof path, "%s", rel);
	itest_response_free(&r);
	long seen = 2;
	while (1) {
		page = get_ok(path, &r);
		items = json_object_get(page, "items");
		seen += (long)json_array_size(items);
		json_int_t top =
			json_integer_value(json_object_get(json_array_get(items, 0), "id"));
		assert_true(top < second);
		second = json_integer_value(
			json_object_get(json_array_get(items, json_array_size(items) - 1), "id"));
		next = jstr(page, "next");
		if (!next) {
			itest_response_free(&r);
			break;
		}
		snprintf(path, sizeof path, "%s", strstr(next, "/api/v1/repos"));
		itest_response_free(&r);
	}
	assert_int_equal(seen, total);
	itest_get(&server, "/api/v1/repos", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

/* ---- branch health ---- */

static json_t *health(const char *repo, const char *branch, struct itest_response *r)
{
	char path[300];
	snprintf(path, sizeof path, "/api/v1/repos/%s/branches/%s/health", repo, branch);
	return get_ok(path, r);
}

static long run_row(const char *external_id)
{
	return itest_sql_longf(db_url, "SELECT id FROM runs WHERE external_id = '%s'", external_id);
}

static void branch_health_turns_red_then_green_with_the_suspects(void **state)
{
	(void)state;
	const char *repo = "itest/health";
	char c[7][41];
	for (unsigned i = 0; i < 7; i++)
		sha_of(800 + i, c[i]);
	const char *p1[] = {c[0], c[1], NULL}, *p2[] = {c[2], c[3], NULL}, *p3[] = {c[4], NULL},
		   *p4[] = {c[5], c[6], NULL};
	deliver("push",
		push_payload(repo, "refs/heads/main", ZERO_SHA, c[1], p1, false, 1709280000));
	deliver("push", push_payload(repo, "refs/heads/main", c[1], c[3], p2, false, 1709280060));
	deliver("push", push_payload(repo, "refs/heads/main", c[3], c[4], p3, false, 1709280120));
	deliver("push", push_payload(repo, "refs/heads/main", c[4], c[6], p4, false, 1709280180));
	/* c3 came with PR #31 (its merge commit) */
	json_t *pr = gh_load_fixture("pull_request.closed.merged.json");
	set_repo(pr, repo);
	json_t *pro = json_object_get(pr, "pull_request");
	json_object_set_new(pr, "number", json_integer(31));
	json_object_set_new(pro, "number", json_integer(31));
	json_object_set_new(pro, "title", json_string("Make the widget faster"));
	json_object_set_new(pro, "merge_commit_sha", json_string(c[3]));
	deliver("pull_request", pr);

	struct itest_response r;
	json_t *h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "unknown");
	itest_response_free(&r);

	/* ci green on c1, lint green throughout */
	deliver("workflow_run", run_payload(repo, 9001, "ci", c[1], "main", "success", 1));
	deliver("workflow_run", run_payload(repo, 9101, "lint", c[1], "main", "success", 2));
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "green");
	assert_true(json_is_null(json_object_get(h, "red_since")));
	assert_int_equal(json_array_size(json_object_get(h, "workflows")), 2);
	itest_response_free(&r);

	/* ci fails on c4: red since that run; suspects c2, c3, c4 */
	deliver("workflow_run", run_payload(repo, 9002, "ci", c[4], "main", "failure", 10));
	deliver("workflow_run", run_payload(repo, 9102, "lint", c[4], "main", "success", 11));
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "red");
	assert_string_equal(jstr(h, "red_since"), "2024-03-01T10:10:00Z");
	json_t *ff = json_object_get(h, "first_failing_run");
	assert_int_equal(json_integer_value(json_object_get(ff, "id")), run_row("9002"));
	assert_string_equal(jstr(ff, "head_sha"), c[4]);
	assert_string_equal(jstr(ff, "url"), "https://github.com/itest/health/actions/runs/9002");
	json_t *lg = json_object_get(h, "last_green_run");
	assert_int_equal(json_integer_value(json_object_get(lg, "id")), run_row("9001"));
	assert_string_equal(jstr(lg, "head_sha"), c[1]);
	json_t *sus = json_object_get(h, "suspects");
	assert_int_equal(json_array_size(sus), 3);
	assert_string_equal(jstr(json_array_get(sus, 0), "sha"), c[2]);
	assert_string_equal(jstr(json_array_get(sus, 1), "sha"), c[3]);
	assert_string_equal(jstr(json_array_get(sus, 2), "sha"), c[4]);
	char msg[40];
	snprintf(msg, sizeof msg, "commit %.8s", c[2]);
	assert_string_equal(jstr(json_array_get(sus, 0), "message"), msg);
	assert_string_equal(jstr(json_object_get(json_array_get(sus, 0), "author"), "name"),
			    "Codertocat");
	json_t *spr = json_object_get(json_array_get(sus, 1), "pull_request");
	assert_int_equal(json_integer_value(json_object_get(spr, "number")), 31);
	assert_string_equal(jstr(spr, "title"), "Make the widget faster");
	assert_true(json_is_null(json_object_get(json_array_get(sus, 0), "pull_request")));
	itest_response_free(&r);

	/* still failing on c5; a cancelled run on c6 is no verdict: red since 10:10 still */
	deliver("workflow_run", run_payload(repo, 9003, "ci", c[5], "main", "failure", 20));
	deliver("workflow_run", run_payload(repo, 9004, "ci", c[6], "main", "cancelled", 25));
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "red");
	assert_string_equal(jstr(h, "red_since"), "2024-03-01T10:10:00Z");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(h, "first_failing_run"), "id")),
		run_row("9002"));
	assert_int_equal(json_array_size(json_object_get(h, "suspects")), 3);
	itest_response_free(&r);

	/* fixed on c6: green again */
	deliver("workflow_run", run_payload(repo, 9005, "ci", c[6], "main", "success", 30));
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "green");
	assert_true(json_is_null(json_object_get(h, "first_failing_run")));
	assert_int_equal(itest_array_size(h, "suspects"), 0);
	itest_response_free(&r);

	/* a timed-out lint run makes it red again, with lint's own suspects (c5, c6) */
	deliver("workflow_run", run_payload(repo, 9103, "lint", c[6], "main", "timed_out", 31));
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "red");
	assert_string_equal(jstr(h, "red_since"), "2024-03-01T10:31:00Z");
	assert_int_equal(json_array_size(json_object_get(h, "suspects")), 2);
	assert_string_equal(jstr(json_array_get(json_object_get(h, "suspects"), 0), "sha"), c[5]);
	itest_response_free(&r);
}

static void branch_health_knows_slashes_unknown_branches_and_unknown_repos(void **state)
{
	(void)state;
	const char *repo = "itest/health2";
	char s[41];
	sha_of(900, s);
	deliver("workflow_run", run_payload(repo, 9501, "ci", s, "release/1.0", "failure", 5));
	struct itest_response r;
	json_t *h = health(repo, "release/1.0", &r);
	assert_string_equal(jstr(h, "branch"), "release/1.0");
	assert_string_equal(jstr(h, "state"), "red");
	/* never green, no sequence on that branch: no suspects beyond what is known */
	assert_true(json_is_null(json_object_get(h, "last_green_run")));
	assert_string_equal(jstr(json_object_get(h, "first_failing_run"), "head_sha"), s);
	itest_response_free(&r);
	h = health(repo, "main", &r);
	assert_string_equal(jstr(h, "state"), "unknown");
	assert_int_equal(itest_array_size(h, "workflows"), 0);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/itest/missing/branches/main/health", ITEST_ADMIN_TOKEN,
		  &r);
	itest_assert_problem(&r, 404, "/not-found", "itest/missing");
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_and_push_fixtures_record_a_tag_and_its_deletion),
		cmocka_unit_test(tag_deletion_delivered_before_its_creation_still_ends_deleted),
		cmocka_unit_test(rc_tag_via_create_is_flagged_and_plain_tag_is_not),
		cmocka_unit_test(push_with_new_branch_fixture_starts_the_default_branch_sequence),
		cmocka_unit_test(three_pushes_to_main_build_the_sequence_in_order),
		cmocka_unit_test(duplicate_push_under_a_new_delivery_id_appends_nothing),
		cmocka_unit_test(forced_push_back_to_an_older_commit_marks_later_entries_left),
		cmocka_unit_test(forced_push_rewriting_main_marks_the_old_head_left_and_appends),
		cmocka_unit_test(missed_push_is_a_gap_in_health_and_the_late_push_fills_it),
		cmocka_unit_test(branch_created_pushed_and_deleted),
		cmocka_unit_test(commit_answer_resolves_prefixes_and_refuses_ambiguity),
		cmocka_unit_test(repos_are_listed_newest_first_with_a_next_link),
		cmocka_unit_test(branch_health_turns_red_then_green_with_the_suspects),
		cmocka_unit_test(branch_health_knows_slashes_unknown_branches_and_unknown_repos),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
