/*
 * github_send.c — signed GitHub deliveries for integration tests.
 */
#include "github_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shiplog/crypto.h"

void gh_send_raw(const struct itest_server *s, const char *event, const char *delivery_id,
		 const char *secret, const char *content_type, const void *body, size_t len,
		 struct itest_response *out)
{
	char h_event[128], h_delivery[200], h_sig[200], h_ct[128];
	snprintf(h_event, sizeof h_event, "X-GitHub-Event: %s", event);
	snprintf(h_delivery, sizeof h_delivery, "X-GitHub-Delivery: %s", delivery_id);
	snprintf(h_ct, sizeof h_ct, "Content-Type: %s", content_type ? content_type : "application/json");
	const char *headers[6] = {h_event, h_delivery, h_ct, "User-Agent: GitHub-Hookshot/itest",
				  NULL, NULL};
	if (secret) {
		unsigned char mac[64];
		char hex[129];
		size_t n = crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), body, len, mac);
		crypto_hex(mac, n, hex);
		snprintf(h_sig, sizeof h_sig, "X-Hub-Signature-256: sha256=%s", hex);
		headers[4] = h_sig;
	}
	itest_http(s, "POST", "/webhooks/github", headers, body, len, out);
}

void gh_send_json(const struct itest_server *s, const char *event, const char *delivery_id,
		  const json_t *payload, struct itest_response *out)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	assert_non_null(text);
	gh_send_raw(s, event, delivery_id, ITEST_GITHUB_SECRET, NULL, text, strlen(text), out);
	free(text);
}

static char *fixture_path(const char *name)
{
	char *path = malloc(1024);
	snprintf(path, 1024, "%s/github/%s", SHIPLOG_FIXTURES, name);
	return path;
}

void gh_send_fixture(const struct itest_server *s, const char *event, const char *delivery_id,
		     const char *fixture_name, struct itest_response *out)
{
	char *path = fixture_path(fixture_name);
	size_t len = 0;
	char *body = itest_read_file(path, &len);
	if (!body)
		fail_msg("fixture %s is missing", path);
	gh_send_raw(s, event, delivery_id, ITEST_GITHUB_SECRET, NULL, body, len, out);
	free(body);
	free(path);
}

json_t *gh_load_fixture(const char *fixture_name)
{
	char *path = fixture_path(fixture_name);
	json_error_t err;
	json_t *j = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (!j)
		fail_msg("fixture %s: %s", path, err.text);
	free(path);
	return j;
}

const char *gh_delivery_id(char *buf, size_t size)
{
	static int counter;
	snprintf(buf, size, "itest-%d-%d", (int)getpid(), ++counter);
	return buf;
}
