/*
 * github_send.h — sending signed GitHub deliveries to a test server.
 */
#ifndef SHIPLOG_GITHUB_SEND_H
#define SHIPLOG_GITHUB_SEND_H

#include <jansson.h>

#include "itest.h"

/* The secret test servers are started with (pass ITEST_GITHUB_SECRET_ENV
 * in extra_env). */
#define ITEST_GITHUB_SECRET "itest-github-secret"
#define ITEST_GITHUB_SECRET_ENV "SHIPLOG_GITHUB_WEBHOOK_SECRET=" ITEST_GITHUB_SECRET

/* Sends raw bytes as a delivery, signed with `secret` (NULL: unsigned). */
void gh_send_raw(const struct itest_server *s, const char *event, const char *delivery_id,
		 const char *secret, const char *content_type, const void *body, size_t len,
		 struct itest_response *out);

/* Sends a JSON document (dumped compactly) signed with the test secret. */
void gh_send_json(const struct itest_server *s, const char *event, const char *delivery_id,
		  const json_t *payload, struct itest_response *out);

/* Sends a fixture file from tests/fixtures/github/ byte-exact, signed. */
void gh_send_fixture(const struct itest_server *s, const char *event, const char *delivery_id,
		     const char *fixture_name, struct itest_response *out);

/* Loads a fixture as JSON (new reference) to rewrite before gh_send_json. */
json_t *gh_load_fixture(const char *fixture_name);

/* A fresh delivery id ("itest-<pid>-<n>"), into buf. */
const char *gh_delivery_id(char *buf, size_t size);

#endif
