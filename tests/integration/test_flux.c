/*
 * test_flux.c — POST /webhooks/flux end to end: every Flux fixture signed
 * (generic-hmac) against a server with a secret and unsigned (generic)
 * against one without, and the deployment each leaves; unsigned or wrongly
 * signed events refused (401) and recorded; sha384/sha512 signatures;
 * unmatched objects (202, delivery "unmatched"); the same body twice and a
 * Flux retry with a new timestamp (one deployment); late and out-of-order
 * events (the merge rule); the HelmRelease chart-version path (deployment
 * first, the chart artifact later — through POST /api/v1/artifacts and
 * through an artifact written by another path, resolved at read time);
 * malformed events; replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "shiplog/crypto.h"

#define FLUX_SECRET "itest-flux-token"
#define FIX(name) SHIPLOG_FIXTURES "/flux/" name
#define SHA_2024 "07a684d59d1bc9a58e0c0d07ed480812b2b9a29e"
#define SHA_2022 "71ea786475aba31c801435d840819f14a2cc0ef2"
#define SHA_DOCS "731f7eaddfb6af01cb2173e18f0f75b0ba780ef1"
#define CHART_VERSION "0.38.1-v00012-g1a2b3c4d"
#define CHART_COMMIT "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

static const char config_yaml[] =
	"environments:\n"
	"  - name: dev\n"
	"    tier: development\n"
	"    flux:\n"
	"      - kind: Kustomization\n"
	"        name: my-app-kustomization\n" /* namespace defaults to flux-system */
	"  - name: podinfo\n"
	"    tier: staging\n"
	"    flux:\n"
	"      - {kind: Kustomization, namespace: default, name: podinfo-kust}\n"
	"  - name: webapp\n"
	"    tier: production\n"
	"    flux:\n"
	"      - {kind: Kustomization, namespace: apps, name: webapp}\n"
	"  - name: staging\n"
	"    tier: staging\n"
	"    flux:\n"
	"      - {kind: HelmRelease, namespace: flux-system, name: mccp}\n"
	"      - {kind: HelmRelease, namespace: flux-system, name: mccp-next}\n"
	"      - {kind: Kustomization, namespace: flux-system, name: retry-app}\n"
	"      - {kind: Kustomization, namespace: flux-system, name: order-app}\n";

static struct itest_server server; /* with the Flux secret */
static char db_url[512];
static char cfg_path[64];

static void write_config(void)
{
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-flux-XXXXXX");
	int fd = mkstemp(cfg_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, config_yaml, strlen(config_yaml)), (ssize_t)strlen(config_yaml));
	close(fd);
}

static int group_setup(void **state)
{
	(void)state;
	write_config();
	itest_db_create("flux", db_url, sizeof db_url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {"SHIPLOG_FLUX_WEBHOOK_SECRET=" FLUX_SECRET, NULL};
	itest_server_start(&server, db_url, env);
	unsetenv("ITEST_CONFIG");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	unlink(cfg_path);
	return 0;
}

/* ---- helpers ---- */

/* Sends a Flux event; secret NULL = unsigned; algo "sha256", "sha384", "sha512". */
static void flux_send_algo(const struct itest_server *s, const char *body, size_t len,
			   const char *secret, const char *algo, struct itest_response *out)
{
	char sig[300];
	const char *headers[5] = {"Content-Type: application/json",
				  "Gotk-Component: kustomize-controller",
				  "User-Agent: Go-http-client/1.1", NULL, NULL};
	if (secret) {
		enum crypto_digest d = !strcmp(algo, "sha384")	 ? CRYPTO_SHA384
				       : !strcmp(algo, "sha512") ? CRYPTO_SHA512
								 : CRYPTO_SHA256;
		unsigned char mac[64];
		char hex[129];
		size_t n = crypto_hmac(d, secret, strlen(secret), body, len, mac);
		crypto_hex(mac, n, hex);
		snprintf(sig, sizeof sig, "X-Signature: %s=%s", algo, hex);
		headers[3] = sig;
	}
	itest_http(s, "POST", "/webhooks/flux", headers, body, len, out);
}

static void flux_send(const struct itest_server *s, const char *body, size_t len,
		      const char *secret, struct itest_response *out)
{
	flux_send_algo(s, body, len, secret, "sha256", out);
}

static void flux_send_json(const json_t *event, struct itest_response *out)
{
	char *text = json_dumps(event, JSON_COMPACT);
	assert_non_null(text);
	flux_send(&server, text, strlen(text), FLUX_SECRET, out);
	free(text);
}

static json_t *load_fixture(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j)
		fail_msg("%s: %s", path, err.text);
	return j;
}

/* A Flux event for an object (fields as Flux writes them). */
static json_t *event(const char *kind, const char *ns, const char *name, const char *severity,
		     const char *reason, const char *timestamp, const char *revision_key,
		     const char *revision)
{
	json_t *e = json_pack("{s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:{s:s}, s:s}",
			      "involvedObject", "kind", kind, "namespace", ns, "name", name,
			      "severity", severity, "timestamp", timestamp, "message", "itest",
			      "reason", reason, "metadata", revision_key, revision,
			      "reportingController", "kustomize-controller");
	assert_non_null(e);
	return e;
}

static const char *jpath_str(const json_t *root, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *v = root;
	for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
		v = json_object_get(v, tok);
	return json_string_value(v);
}

static json_t *get_environment(const struct itest_server *s, const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/environments/%s", name);
	struct itest_response r;
	itest_get(s, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	json_t *j = json_incref(r.json);
	itest_response_free(&r);
	return j;
}

static long count(const char *url, const char *sql)
{
	return itest_sql_long(url, sql);
}

/* ---- every fixture ---- */

struct fixture_case {
	const char *file;
	long http;
	const char *delivery_status; /* processed / ignored */
};

static const struct fixture_case fixtures[] = {
	{"kustomization.progressing.info.json", 200, "processed"},
	{"kustomization.artifactfailed.error.json", 200, "processed"},
	{"gitrepository.newartifact.info.2022.json", 202, "ignored"},
	{"kustomization.progressing.info.2022.json", 200, "processed"},
	{"docs-v1beta3.generic.example.pretty.json", 200, "processed"},
	{"upstream-test-vector.generic-hmac.body.json", 202, "ignored"},
};

/* Sends every fixture byte-exact (signed with `secret`, or unsigned), then
 * checks the deployments they leave on server s. */
static void send_fixtures_and_check(const struct itest_server *s, const char *url,
				    const char *secret, const char *signature)
{
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, FIX("%s"), fixtures[i].file);
		size_t len;
		char *body = itest_read_file(path, &len);
		assert_non_null(body);
		struct itest_response r;
		flux_send(s, body, len, secret, &r);
		if (r.status != fixtures[i].http)
			fail_msg("%s: HTTP %ld, expected %ld: %s", fixtures[i].file, r.status,
				 fixtures[i].http, r.body);
		assert_string_equal(json_string_value(json_object_get(r.json, "status")),
				    fixtures[i].delivery_status);
		/* stored byte-exact, keyed by the body's SHA-256 */
		unsigned char sha[32];
		char hex[65], sql[512];
		crypto_sha256(body, len, sha);
		crypto_hex(sha, sizeof sha, hex);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM deliveries WHERE source = 'flux' AND event = 'flux'"
			 " AND delivery_id = '%s' AND status = '%s' AND signature = '%s'"
			 " AND body_size = %zu AND body IS NOT NULL",
			 hex, fixtures[i].delivery_status, signature, len);
		assert_int_equal(count(url, sql), 1);
		itest_response_free(&r);
		free(body);
	}
	/* dev: progressing (08:56:37, in_progress) and artifact failed (08:54:33,
	 * failure) for the same object and revision: one deployment, and the
	 * final status wins over the in-progress one whatever their times */
	json_t *dev = get_environment(s, "dev");
	assert_string_equal(jpath_str(dev, "current_deployment.status"), "failure");
	assert_string_equal(jpath_str(dev, "current_deployment.reason"), "ArtifactFailed");
	assert_string_equal(jpath_str(dev, "current_deployment.commit"), SHA_2024);
	assert_string_equal(jpath_str(dev, "current_deployment.revision"), "main@sha1:" SHA_2024);
	assert_string_equal(jpath_str(dev, "current_deployment.ref"), "main");
	assert_string_equal(jpath_str(dev, "current_deployment.source"), "flux");
	assert_string_equal(jpath_str(dev, "current_deployment.object.kind"), "Kustomization");
	assert_string_equal(jpath_str(dev, "current_deployment.object.namespace"), "flux-system");
	assert_string_equal(jpath_str(dev, "current_deployment.object.name"),
			    "my-app-kustomization");
	assert_string_equal(jpath_str(dev, "current_deployment.started_at"), "2024-07-12T08:54:33Z");
	assert_string_equal(jpath_str(dev, "current_deployment.last_event_at"),
			    "2024-07-12T08:56:37Z");
	assert_null(jpath_str(dev, "current_deployment.healthy_since"));
	json_decref(dev);
	/* podinfo: the 2022 event, old-style revision master/<sha> */
	json_t *pod = get_environment(s, "podinfo");
	assert_string_equal(jpath_str(pod, "current_deployment.status"), "in_progress");
	assert_string_equal(jpath_str(pod, "current_deployment.commit"), SHA_2022);
	assert_string_equal(jpath_str(pod, "current_deployment.ref"), "master");
	assert_string_equal(jpath_str(pod, "current_deployment.object.namespace"), "default");
	json_decref(pod);
	/* webapp: the docs example, revision under kustomize.toolkit.fluxcd.io/revision */
	json_t *web = get_environment(s, "webapp");
	assert_string_equal(jpath_str(web, "current_deployment.status"), "failure");
	assert_string_equal(jpath_str(web, "current_deployment.reason"), "ValidationFailed");
	assert_string_equal(jpath_str(web, "current_deployment.commit"), SHA_DOCS);
	assert_string_equal(jpath_str(web, "current_deployment.revision"), "main/" SHA_DOCS);
	json_decref(web);
	/* sources made no deployment: three in all, each with its history */
	assert_int_equal(count(url, "SELECT count(*) FROM deployments"), 3);
	assert_int_equal(count(url, "SELECT count(*) FROM deployments WHERE source = 'flux'"), 3);
	assert_int_equal(count(url, "SELECT count(*) FROM deployment_statuses s JOIN deployments d"
				    " ON d.id = s.deployment_id WHERE d.commit_sha = '" SHA_2024 "'"),
			 2);
	assert_int_equal(count(url, "SELECT count(*) FROM events WHERE kind = 'deployment.updated'"),
			 4); /* dev created, dev failed, podinfo, webapp */
}

static void every_fixture_signed_becomes_its_deployment(void **state)
{
	(void)state;
	send_fixtures_and_check(&server, db_url, FLUX_SECRET, "valid");
}

static void every_fixture_unsigned_is_accepted_without_a_secret(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("fluxnosecret", url, sizeof url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	struct itest_server s;
	itest_server_start(&s, url, NULL);
	unsetenv("ITEST_CONFIG");
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(strstr(log, "NO FLUX WEBHOOK SECRET"));
	free(log);
	send_fixtures_and_check(&s, url, NULL, "not-configured");
	assert_int_equal(itest_server_stop(&s), 0);
}

/* ---- signatures ---- */

static void unsigned_or_wrongly_signed_events_are_401_and_recorded(void **state)
{
	(void)state;
	json_t *e = event("Kustomization", "flux-system", "my-app-kustomization", "info",
			  "ReconciliationSucceeded", "2024-07-12T10:00:00Z", "revision",
			  "main@sha1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	char *text = json_dumps(e, JSON_COMPACT);
	size_t len = strlen(text);
	struct itest_response r;
	flux_send(&server, text, len, NULL, &r);
	itest_assert_problem(&r, 401, "/bad-signature", "X-Signature: missing");
	itest_response_free(&r);
	flux_send(&server, text, len, "not-the-token", &r);
	itest_assert_problem(&r, 401, "/bad-signature", "does not match");
	itest_response_free(&r);
	/* a valid MAC, of another body (the upstream vector's) */
	const char *headers[] = {"Content-Type: application/json",
				 "X-Signature: sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7",
				 NULL};
	itest_http(&server, "POST", "/webhooks/flux", headers, text, len, &r);
	itest_assert_problem(&r, 401, "/bad-signature", NULL);
	itest_response_free(&r);
	/* each refusal is recorded without its body, and changed nothing */
	assert_int_equal(count(db_url, "SELECT count(*) FROM deliveries WHERE source = 'flux'"
				       " AND status = 'rejected' AND signature = 'missing' AND body IS NULL"),
			 1);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deliveries WHERE source = 'flux'"
				       " AND status = 'rejected' AND signature = 'invalid' AND body IS NULL"),
			 2);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE commit_sha ="
				       " 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"),
			 0);
	/* the same bytes correctly signed go through */
	flux_send(&server, text, len, FLUX_SECRET, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE commit_sha ="
				       " 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AND status = 'success'"),
			 1);
	free(text);
	json_decref(e);
}

static void sha384_and_sha512_signatures_are_accepted(void **state)
{
	(void)state;
	const char *algos[] = {"sha384", "sha512"};
	for (int i = 0; i < 2; i++) {
		char ts[32];
		snprintf(ts, sizeof ts, "2024-07-12T11:0%d:00Z", i);
		json_t *e = event("Kustomization", "flux-system", "my-app-kustomization", "info",
				  "Progressing", ts, "revision",
				  "main@sha1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
		char *text = json_dumps(e, JSON_COMPACT);
		struct itest_response r;
		flux_send_algo(&server, text, strlen(text), FLUX_SECRET, algos[i], &r);
		if (r.status != 200)
			fail_msg("%s: HTTP %ld: %s", algos[i], r.status, r.body);
		itest_response_free(&r);
		/* the other algorithm's MAC under this label is refused */
		char sig[300];
		unsigned char mac[64];
		char hex[129];
		size_t n = crypto_hmac(i ? CRYPTO_SHA384 : CRYPTO_SHA512, FLUX_SECRET,
				       strlen(FLUX_SECRET), text, strlen(text), mac);
		crypto_hex(mac, n, hex);
		snprintf(sig, sizeof sig, "X-Signature: %s=%s", algos[i], hex);
		const char *headers[] = {"Content-Type: application/json", sig, NULL};
		itest_http(&server, "POST", "/webhooks/flux", headers, text, strlen(text), &r);
		itest_assert_problem(&r, 401, "/bad-signature", NULL);
		itest_response_free(&r);
		free(text);
		json_decref(e);
	}
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE commit_sha ="
				       " 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'"),
			 1);
}

/* ---- matching and idempotency ---- */

static void unmatched_object_is_202_and_kept_as_unmatched(void **state)
{
	(void)state;
	json_t *e = load_fixture(FIX("kustomization.progressing.info.json"));
	json_object_set_new(json_object_get(e, "involvedObject"), "name",
			    json_string("nobody-claims-this"));
	struct itest_response r;
	flux_send_json(e, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "unmatched");
	long id = (long)json_integer_value(json_object_get(r.json, "delivery"));
	itest_response_free(&r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", id);
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "unmatched");
	assert_string_equal(json_string_value(json_object_get(r.json, "source")), "flux");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "body")),
			       "nobody-claims-this"));
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deliveries?source=flux&status=unmatched", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	itest_response_free(&r);
	/* the same object in another namespace is another object */
	json_object_set_new(json_object_get(e, "involvedObject"), "name",
			    json_string("my-app-kustomization"));
	json_object_set_new(json_object_get(e, "involvedObject"), "namespace",
			    json_string("elsewhere"));
	flux_send_json(e, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "unmatched");
	itest_response_free(&r);
	json_decref(e);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE object_name ="
				       " 'nobody-claims-this' OR object_namespace = 'elsewhere'"),
			 0);
}

static void same_body_twice_and_a_retry_make_one_deployment(void **state)
{
	(void)state;
	json_t *e = event("Kustomization", "flux-system", "retry-app", "info",
			  "ReconciliationSucceeded", "2024-08-01T10:00:00Z", "revision",
			  "main@sha1:cccccccccccccccccccccccccccccccccccccccc");
	char *text = json_dumps(e, JSON_COMPACT);
	struct itest_response r;
	flux_send(&server, text, strlen(text), FLUX_SECRET, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	flux_send(&server, text, strlen(text), FLUX_SECRET, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "duplicate");
	itest_response_free(&r);
	free(text);
	/* Flux retries later with a new timestamp: a new delivery, same deployment */
	json_object_set_new(e, "timestamp", json_string("2024-08-01T10:05:00Z"));
	flux_send_json(e, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	/* and the old-style revision of the same commit is still the same deployment */
	json_object_set_new(e, "timestamp", json_string("2024-08-01T10:06:00Z"));
	json_object_set_new(e, "metadata",
			    json_pack("{s:s}", "kustomize.toolkit.fluxcd.io/revision",
				      "main/cccccccccccccccccccccccccccccccccccccccc"));
	flux_send_json(e, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_decref(e);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE object_name = 'retry-app'"),
			 1);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deliveries WHERE source = 'flux' AND"
				       " status = 'processed' AND convert_from(body, 'UTF8') LIKE"
				       " '%retry-app%'"),
			 3);
	assert_int_equal(count(db_url, "SELECT count(*) FROM events WHERE kind = 'deployment.updated'"
				       " AND payload->>'origin' = 'Kustomization/flux-system/retry-app'"),
			 1);
	/* first success is when it was deployed; the latest event orders it */
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE object_name = 'retry-app'"
				       " AND started_at = '2024-08-01T10:00:00Z'"
				       " AND last_event_at = '2024-08-01T10:06:00Z' AND status = 'success'"),
			 1);
	/* a replay of a stored delivery changes nothing either */
	char *id = itest_sql(db_url, "SELECT min(id) FROM deliveries WHERE source = 'flux' AND"
				     " status = 'processed' AND convert_from(body, 'UTF8') LIKE '%retry-app%'");
	char path[96];
	snprintf(path, sizeof path, "/api/v1/deliveries/%s/replay", id);
	free(id);
	itest_json(&server, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE object_name = 'retry-app'"),
			 1);
}

static void late_and_out_of_order_events_follow_the_merge_rule(void **state)
{
	(void)state;
	const char *rev = "main@sha1:dddddddddddddddddddddddddddddddddddddddd";
	struct itest_response r;
	/* success at 10:02 arrives first, then the in-progress of 10:01 */
	json_t *ok = event("Kustomization", "flux-system", "order-app", "info",
			   "ReconciliationSucceeded", "2024-09-01T10:02:00Z", "revision", rev);
	flux_send_json(ok, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_t *prog = event("Kustomization", "flux-system", "order-app", "info", "Progressing",
			     "2024-09-01T10:01:00Z", "revision", rev);
	flux_send_json(prog, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	const char *q = "SELECT status || ' ' || to_char(started_at AT TIME ZONE 'UTC', 'HH24:MI')"
			" FROM deployments WHERE object_name = 'order-app'";
	char *v = itest_sql(db_url, q);
	assert_string_equal(v, "success 10:01"); /* the start is the earliest event */
	free(v);
	/* a later health-check failure wins over the success ... */
	json_t *bad = event("Kustomization", "flux-system", "order-app", "error",
			    "HealthCheckFailed", "2024-09-01T10:10:00Z", "revision", rev);
	flux_send_json(bad, &r);
	itest_response_free(&r);
	/* ... and a progressing event even later does not undo a final status */
	json_object_set_new(prog, "timestamp", json_string("2024-09-01T10:11:00Z"));
	flux_send_json(prog, &r);
	itest_response_free(&r);
	v = itest_sql(db_url, "SELECT status FROM deployments WHERE object_name = 'order-app'");
	assert_string_equal(v, "failure");
	free(v);
	/* it recovers: healthy since the success after the failure */
	json_object_set_new(ok, "timestamp", json_string("2024-09-01T10:20:00Z"));
	flux_send_json(ok, &r);
	itest_response_free(&r);
	/* an old failure delivered late changes nothing */
	json_object_set_new(bad, "timestamp", json_string("2024-09-01T10:05:00Z"));
	flux_send_json(bad, &r);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deployments?environment=staging&commit=dddddddd", ITEST_ADMIN_TOKEN,
		  &r);
	assert_int_equal(r.status, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *d = json_array_get(items, 0);
	assert_string_equal(jpath_str(d, "status"), "success");
	assert_string_equal(jpath_str(d, "healthy_since"), "2024-09-01T10:20:00Z");
	assert_string_equal(jpath_str(d, "deployed_at"), "2024-09-01T10:02:00Z");
	assert_string_equal(jpath_str(d, "finished_at"), "2024-09-01T10:20:00Z");
	itest_response_free(&r);
	json_decref(ok);
	json_decref(prog);
	json_decref(bad);
}

/* ---- HelmRelease: chart version first, the chart artifact later ---- */

static void helm_release_chart_version_resolves_when_the_chart_appears(void **state)
{
	(void)state;
	json_t *e = event("HelmRelease", "flux-system", "mccp", "info", "UpgradeSucceeded",
			  "2024-10-01T09:00:00Z", "helm.toolkit.fluxcd.io/revision", CHART_VERSION);
	json_object_set_new(json_object_get(e, "involvedObject"), "apiVersion",
			    json_string("helm.toolkit.fluxcd.io/v2beta1"));
	struct itest_response r;
	flux_send_json(e, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_decref(e);
	json_t *env = get_environment(&server, "staging");
	assert_string_equal(jpath_str(env, "current_deployment.revision"), CHART_VERSION);
	assert_string_equal(jpath_str(env, "current_deployment.revision_kind"), "chart");
	assert_string_equal(jpath_str(env, "current_deployment.chart_version"), CHART_VERSION);
	assert_null(jpath_str(env, "current_deployment.commit"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(env, "current_deployment"),
							 "artifacts")),
			 0);
	json_decref(env);
	/* CI publishes the chart */
	char *ci = itest_token(&server, "ci");
	itest_json(&server, "POST", "/api/v1/artifacts", ci,
		   "{\"kind\":\"chart\",\"name\":\"mccp\",\"version\":\"" CHART_VERSION "\","
		   "\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		   "\"repository\":\"weaveworks/weave-gitops-enterprise\",\"commit\":\"" CHART_COMMIT "\"}",
		   &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	env = get_environment(&server, "staging");
	assert_string_equal(jpath_str(env, "current_deployment.commit"), CHART_COMMIT);
	assert_string_equal(jpath_str(env, "current_deployment.repository"),
			    "weaveworks/weave-gitops-enterprise");
	json_t *arts = json_object_get(json_object_get(env, "current_deployment"), "artifacts");
	assert_int_equal(json_array_size(arts), 1);
	assert_string_equal(jpath_str(json_array_get(arts, 0), "kind"), "chart");
	assert_string_equal(jpath_str(json_array_get(arts, 0), "version"), CHART_VERSION);
	json_decref(env);
	/* resolved when the artifact was stored, with a domain event */
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE chart_version = '"
				       CHART_VERSION "' AND commit_sha = '" CHART_COMMIT
				       "' AND resolved_artifact_id IS NOT NULL"),
			 1);
	assert_int_equal(count(db_url, "SELECT count(*) FROM events WHERE kind = 'deployment.updated'"
				       " AND payload->>'resolved' = 'artifact'"),
			 1);
	/* the artifact knows where it is deployed */
	itest_get(&server, "/api/v1/artifacts?kind=chart&name=mccp", ci, &r);
	json_int_t art_id = json_integer_value(
		json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "id"));
	itest_response_free(&r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/artifacts/%lld", (long long)art_id);
	itest_get(&server, path, ci, &r);
	json_t *envs = json_object_get(r.json, "environments");
	assert_int_equal(json_array_size(envs), 1);
	assert_string_equal(jpath_str(json_array_get(envs, 0), "environment"), "staging");
	assert_true(json_is_true(json_object_get(json_array_get(envs, 0), "current")));
	itest_response_free(&r);
	free(ci);
}

static void chart_written_by_another_path_is_resolved_at_read_time(void **state)
{
	(void)state;
	/* a newer chart version deployed by a second HelmRelease ... */
	json_t *e = event("HelmRelease", "flux-system", "mccp-next", "info", "InstallSucceeded",
			  "2024-10-02T09:00:00Z", "revision", "0.38.1-v00013-g5e6f7a8b");
	struct itest_response r;
	flux_send_json(e, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_decref(e);
	/* ... whose chart is written as the GitHub package mapper writes it
	 * (straight into artifacts, not through POST /api/v1/artifacts) */
	char *v = itest_sql(db_url,
			    "INSERT INTO artifacts (kind, name, version, digest, commit_sha, source)"
			    " VALUES ('chart', 'mccp-next', '0.38.1-v00013-g5e6f7a8b',"
			    " 'sha256:2222222222222222222222222222222222222222222222222222222222222222',"
			    " '5e6f7a8b00000000000000000000000000000000', 'github') RETURNING id");
	free(v);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE object_name ="
				       " 'mccp-next' AND commit_sha IS NULL"),
			 1);
	itest_get(&server, "/api/v1/deployments?environment=staging&commit=5e6f7a8b",
		  ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jpath_str(json_array_get(items, 0), "chart_version"),
			    "0.38.1-v00013-g5e6f7a8b");
	itest_response_free(&r);
	json_t *env = get_environment(&server, "staging");
	/* the latest event of the environment is the current deployment */
	assert_string_equal(jpath_str(env, "current_deployment.commit"),
			    "5e6f7a8b00000000000000000000000000000000");
	assert_string_equal(jpath_str(env, "current_deployment.object.name"), "mccp-next");
	json_decref(env);
}

/* ---- malformed and ignored ---- */

static void malformed_events_are_refused_and_kept(void **state)
{
	(void)state;
	struct itest_response r;
	const char *not_json = "{\"involvedObject\": ";
	flux_send(&server, not_json, strlen(not_json), FLUX_SECRET, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "not valid JSON");
	itest_response_free(&r);
	const char *no_kind = "{\"involvedObject\":{\"name\":\"x\"},\"reason\":\"Progressing\"}";
	flux_send(&server, no_kind, strlen(no_kind), FLUX_SECRET, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "involvedObject.kind");
	itest_response_free(&r);
	const char *no_name = "{\"involvedObject\":{\"kind\":\"Kustomization\",\"name\":7}}";
	flux_send(&server, no_name, strlen(no_name), FLUX_SECRET, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "involvedObject.name");
	itest_response_free(&r);
	static char huge[1100];
	memset(huge, 'a', sizeof huge - 1);
	json_t *e = event("Kustomization", "flux-system", "my-app-kustomization", "info",
			  "Progressing", "2024-11-01T00:00:00Z", "revision", huge);
	flux_send_json(e, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "metadata.revision");
	itest_response_free(&r);
	json_decref(e);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deliveries WHERE source = 'flux' AND"
				       " status = 'failed' AND body IS NOT NULL"),
			 4);
	/* only JSON */
	const char *headers[] = {"Content-Type: text/plain", NULL};
	itest_http(&server, "POST", "/webhooks/flux", headers, "{}", 2, &r);
	itest_assert_problem(&r, 415, "/unsupported-media-type", "application/json");
	itest_response_free(&r);
}

static void unknown_reasons_and_events_without_revision_are_ignored(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *e = event("Kustomization", "flux-system", "my-app-kustomization", "info",
			  "SomethingNew", "2024-11-01T00:00:00Z", "revision",
			  "main@sha1:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	flux_send_json(e, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ignored");
	itest_response_free(&r);
	json_object_set_new(e, "reason", json_string("ReconciliationSucceeded"));
	json_object_set_new(e, "metadata", json_pack("{s:s}", "summary", "no revision here"));
	flux_send_json(e, &r);
	assert_int_equal(r.status, 202);
	itest_response_free(&r);
	/* a HelmChart (a source) is never a deployment, claimed or not */
	json_t *chart = event("HelmChart", "flux-system", "mccp", "info", "ChartPullSucceeded",
			      "2024-11-01T00:00:00Z", "revision", CHART_VERSION);
	flux_send_json(chart, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ignored");
	itest_response_free(&r);
	json_decref(chart);
	json_decref(e);
	assert_int_equal(count(db_url, "SELECT count(*) FROM deployments WHERE commit_sha ="
				       " 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture_signed_becomes_its_deployment),
		cmocka_unit_test(every_fixture_unsigned_is_accepted_without_a_secret),
		cmocka_unit_test(unsigned_or_wrongly_signed_events_are_401_and_recorded),
		cmocka_unit_test(sha384_and_sha512_signatures_are_accepted),
		cmocka_unit_test(unmatched_object_is_202_and_kept_as_unmatched),
		cmocka_unit_test(same_body_twice_and_a_retry_make_one_deployment),
		cmocka_unit_test(late_and_out_of_order_events_follow_the_merge_rule),
		cmocka_unit_test(helm_release_chart_version_resolves_when_the_chart_appears),
		cmocka_unit_test(chart_written_by_another_path_is_resolved_at_read_time),
		cmocka_unit_test(malformed_events_are_refused_and_kept),
		cmocka_unit_test(unknown_reasons_and_events_without_revision_are_ignored),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
