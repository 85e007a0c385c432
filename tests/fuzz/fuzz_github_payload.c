/*
 * fuzz_github_payload — everything a GitHub delivery goes through that needs
 * no database: decoding the delivery into JSON (raw or form-encoded
 * payload=), reading the fields every mapper reads through the JSON access
 * helpers (server/webhooks/json_access.c), status ranks, and the pure parts
 * of the mappers (job steps, package descriptions, run kinds).
 *
 * The mappers themselves (server/webhooks/gh_*.c) write to PostgreSQL inside
 * the delivery's transaction and cannot run here; their SQL side is covered
 * by the integration tests (every real fixture, plus malformed deliveries).
 * See README.md.
 *
 * Input: a delivery body.  Each input is decoded both as application/json
 * and as application/x-www-form-urlencoded (payload=...), as a delivery of
 * either content type would be.
 */
#include "fuzz.h"

#include <jansson.h>

#include "domain/runs_merge.h"
#include "http/form.h"
#include "shiplog/config.h"
#include "shiplog/hex.h"
#include "webhooks/gh_misc.h"
#include "webhooks/webhook.h"

/* The dotted paths the mappers read (grep wj_ server/webhooks), by helper. */
static const char *const str_paths[] = {
	"action", "sender.login", "repository.full_name", "repository.default_branch",
	"repository.html_url", "workflow.name", "workflow.path",
	"check_run.app.name", "check_run.app.slug", "check_run.conclusion",
	"check_run.details_url", "check_run.head_sha", "check_run.html_url", "check_run.name",
	"check_run.status", "check_suite.app.name", "check_suite.app.slug",
	"check_suite.conclusion", "check_suite.head_branch", "check_suite.head_sha",
	"check_suite.status", "deployment.creator.login", "deployment.description",
	"deployment.environment", "deployment.ref", "deployment.sha", "deployment.task",
	"deployment_status.description", "deployment_status.environment",
	"deployment_status.log_url", "deployment_status.state", "deployment_status.target_url",
	"release.author.login", "release.body", "release.html_url", "release.name",
	"release.tag_name", "release.target_commitish",
	"ref", "ref_type", "before", "after", "base_ref", "compare", "pusher.name",
	"pull_request.state", "pull_request.title", "pull_request.head.sha",
	"pull_request.head.ref", "pull_request.base.ref", "pull_request.merge_commit_sha",
	"pull_request.user.login", "pull_request.html_url", "head_commit.id",
	"head_commit.message", "head_commit.author.email",
	/* relative to workflow_run / workflow_job (read through wj_get first) */
	"conclusion", "display_title", "event", "head_branch", "head_sha", "html_url", "name",
	"path", "status", "runner_name", "workflow_name",
	/* relative to a package / package_version / container_metadata */
	"namespace", "package_type", "registry.type", "package_url", "target_commitish",
	"target_oid", "version", "tag.digest", "tag.name",
};

static const char *const int_paths[] = {
	"deployment.id", "repository.id", "workflow.id", "check_run.check_suite.id",
	"check_run.id", "check_suite.id", "deployment_status.id", "release.id", "number",
	"pull_request.number", "id", "run_id", "run_number", "workflow_id", "run_attempt",
	"installation.id", "hook_id",
};

static const char *const bool_paths[] = {
	"release.draft", "release.prerelease", "created", "deleted", "forced",
	"pull_request.merged", "pull_request.draft",
};

static const char *const time_paths[] = {
	"check_run.completed_at", "check_run.started_at", "check_suite.created_at",
	"check_suite.updated_at", "deployment.created_at", "deployment.updated_at",
	"deployment_status.created_at", "release.created_at", "release.published_at",
	"release.updated_at", "completed_at", "created_at", "started_at", "run_started_at",
	"updated_at", "repository.pushed_at", "pull_request.updated_at",
	"pull_request.merged_at", "head_commit.timestamp",
};

/* The objects the mappers read relative paths from. */
static const char *const sub_objects[] = {
	"", "workflow_run", "workflow_job", "check_run", "check_suite", "deployment",
	"deployment_status", "release", "registry_package", "package",
	"registry_package.package_version", "package.package_version",
	"registry_package.package_version.container_metadata",
	"package.package_version.container_metadata", "pull_request", "head_commit",
};

/* Arrays the mappers walk item by item. */
static const char *const arrays[] = {
	"workflow_run.pull_requests", "workflow_job.steps", "workflow_job.labels",
	"check_suite.pull_requests", "check_run.pull_requests", "commits",
	"registry_package.package_version.package_files", "package.package_version.package_files",
	"registry_package.package_version.container_metadata.labels.all_labels",
	"pull_request.labels",
};

static struct config *cfg;

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(1);
	/* a config with rules, so run kinds are classified through them too */
	static const char yaml[] = "workflows:\n"
				   "  - match: \"*release*\"\n"
				   "    kind: release\n"
				   "repositories:\n"
				   "  - name: octo-org/octo-repo\n"
				   "    workflows:\n"
				   "      - match: \".github/workflows/ci.yml\"\n"
				   "        kind: pr\n";
	struct config_error err;
	cfg = config_load_string("fuzz.yaml", yaml, sizeof yaml - 1, no_env, &err);
	if (!cfg) {
		fprintf(stderr, "fuzz_github_payload: built-in config: %s\n", err.message);
		abort();
	}
	return 0;
}

static void read_time(const json_t *root, const char *path)
{
	char buf[40];
	memset(buf, 'x', sizeof buf);
	const char *t = wj_time(root, path, buf, sizeof buf);
	if (!t)
		return;
	FUZZ_CHECK(t == buf);
	size_t n = strnlen(buf, sizeof buf);
	FUZZ_CHECK(n >= 20 && n < sizeof buf && buf[n - 1] == 'Z');
}

static void read_fields(const json_t *root)
{
	char buf[32];
	int64_t v;
	for (size_t i = 0; i < sizeof str_paths / sizeof str_paths[0]; i++) {
		const char *s = wj_str(root, str_paths[i]);
		FUZZ_CHECK(s == NULL || json_is_string(wj_get(root, str_paths[i])));
		(void)webhook_status_rank(s);
		const char *norm = runs_status_normalise(s);
		FUZZ_CHECK(runs_status_rank(norm) == webhook_status_rank(s));
	}
	for (size_t i = 0; i < sizeof int_paths / sizeof int_paths[0]; i++) {
		bool has = wj_int(root, int_paths[i], &v);
		const char *t = wj_int_text(root, int_paths[i], buf, sizeof buf);
		FUZZ_CHECK(has == (t != NULL));
		if (t)
			FUZZ_CHECK(strtoll(t, NULL, 10) == v);
	}
	for (size_t i = 0; i < sizeof bool_paths / sizeof bool_paths[0]; i++) {
		int b = wj_bool(root, bool_paths[i]);
		FUZZ_CHECK(b >= -1 && b <= 1);
	}
	for (size_t i = 0; i < sizeof time_paths / sizeof time_paths[0]; i++)
		read_time(root, time_paths[i]);
}

/*
 * Every path that names a node must find it: walks the document and asks
 * wj_get for each object member by its dotted path (members whose keys a
 * dotted path can spell: non-empty, no '.', shorter than wj_get's 128),
 * checking the typed helpers agree with the node.  Bounded, so a huge or
 * deep document cannot turn into a timeout.
 */
struct walk {
	const json_t *root;
	size_t visited;
	char path[1024];
};

static void walk(struct walk *w, const json_t *node, size_t plen, int depth)
{
	const char *key;
	const json_t *v;
	if (depth > 12 || !json_is_object(node))
		return;
	json_object_foreach((json_t *)(uintptr_t)node, key, v)
	{
		if (++w->visited > 2000)
			return;
		size_t kl = strlen(key);
		if (kl == 0 || kl >= 128 || strchr(key, '.') || plen + kl + 2 > sizeof w->path)
			continue;
		size_t n = plen;
		if (n)
			w->path[n++] = '.';
		memcpy(w->path + n, key, kl + 1);
		FUZZ_CHECK(wj_get(w->root, w->path) == v);
		const char *s = wj_str(w->root, w->path);
		FUZZ_CHECK((s != NULL) == json_is_string(v));
		int64_t i;
		FUZZ_CHECK(wj_int(w->root, w->path, &i) == json_is_integer(v));
		int b = wj_bool(w->root, w->path);
		FUZZ_CHECK(b == (json_is_boolean(v) ? json_is_true(v) : -1));
		if (json_is_string(v) || json_is_integer(v))
			read_time(w->root, w->path);
		walk(w, v, n + kl, depth + 1);
		w->path[plen] = '\0';
	}
}

static void pure_mappers(const json_t *p)
{
	/* workflow_job.steps as stored */
	json_t *steps = runs_steps_normalise(wj_get(p, "workflow_job.steps"));
	FUZZ_CHECK(json_is_array(steps));
	json_decref(steps);

	/* registry_package / package */
	struct gh_package pkg;
	const char *problem = gh_package_describe(p, &pkg);
	if (!problem) {
		FUZZ_CHECK(pkg.kind != NULL);
		FUZZ_CHECK(memchr(pkg.name, '\0', sizeof pkg.name) != NULL);
		FUZZ_CHECK(memchr(pkg.version, '\0', sizeof pkg.version) != NULL);
		FUZZ_CHECK(memchr(pkg.uri, '\0', sizeof pkg.uri) != NULL);
		FUZZ_CHECK(pkg.commit == NULL || hex_is_sha(pkg.commit));
		FUZZ_CHECK(pkg.digest == NULL || gh_is_sha256_digest(pkg.digest));
	}

	/* run kind (gh_runs.c): config rules, then branch and event heuristics */
	const json_t *wr = wj_get(p, "workflow_run");
	if (!wr)
		wr = wj_get(p, "workflow_job");
	const char *kind = runs_classify_kind(
		cfg, wj_str(p, "repository.full_name"), wj_str(wr, "path"), wj_str(wr, "name"),
		wj_str(wr, "head_branch"), wj_str(wr, "event"),
		wj_str(p, "repository.default_branch"));
	FUZZ_CHECK(kind && config_kind_parse(kind) >= 0);

	/* arrays walked item by item */
	for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
		const json_t *arr = wj_get(p, arrays[a]);
		size_t i;
		const json_t *item;
		if (!json_is_array(arr))
			continue;
		json_array_foreach(arr, i, item)
		{
			if (i >= 64)
				break;
			read_fields(item);
		}
	}
}

static void one_delivery(const char *content_type, const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan sees a read past the body's end */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	if (size)
		memcpy(body, data, size);
	struct webhook_delivery d = {
		.source = "github",
		.event = "fuzz",
		.delivery_id = "fuzz",
		.content_type = content_type,
		.signature = "valid",
		.body = body,
		.body_len = size,
	};
	char why[512];
	why[0] = '\0';
	json_t *payload = webhook_delivery_json(&d, why, sizeof why);
	if (!payload) {
		FUZZ_CHECK(why[0] != '\0');
		free(body);
		return;
	}
	FUZZ_CHECK(json_is_object(payload));
	for (size_t i = 0; i < sizeof sub_objects / sizeof sub_objects[0]; i++) {
		const json_t *sub = sub_objects[i][0] ? wj_get(payload, sub_objects[i]) : payload;
		if (sub)
			read_fields(sub);
	}
	pure_mappers(payload);
	struct walk w = {.root = payload, .visited = 0};
	w.path[0] = '\0';
	walk(&w, payload, 0, 0);
	json_decref(payload);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_delivery("application/json", data, size);
	one_delivery("application/x-www-form-urlencoded", data, size);
	return 0;
}
