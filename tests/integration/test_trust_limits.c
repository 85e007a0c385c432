/*
 * test_trust_limits.c — the limits that protect shiplog from a client must
 * not turn against the good clients beside it.
 *
 * Failed authentication: after more badly signed deliveries from one
 * address than the limit allows (GitHub's hook servers are shared by all its
 * customers), correctly signed GitHub and Flux deliveries from it are still
 * stored and valid tokens still work; only the failures get 429, and those
 * are not recorded.
 *
 * Body memory: request bodies held at once are bounded in all and per
 * client; a body beyond it is answered 503 with Retry-After (before the body
 * when Content-Length says so, at its end when it does not), small bodies
 * still pass, and the memory comes back when a request is done.  Concurrency
 * is made deterministic with Expect: 100-continue: a "100 Continue" on a
 * raw socket says the server has claimed that body's memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/crypto.h"

#define FLUX_SECRET "itest-trust-flux"
#define MiB (1024 * 1024)

static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("trust", db_url, sizeof db_url);
	return 0;
}

static long count(const char *sql)
{
	return itest_sql_long(db_url, sql);
}

/* ---- failed authentication ---- */

static void flux_send(const struct itest_server *s, const char *body, size_t len,
		      const char *secret, struct itest_response *out)
{
	char sig[200];
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
	unsigned char mac[32];
	char hex[65];
	crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), body, len, mac);
	crypto_hex(mac, sizeof mac, hex);
	snprintf(sig, sizeof sig, "X-Signature: sha256=%s", hex);
	headers[1] = sig;
	itest_http(s, "POST", "/webhooks/flux", headers, body, len, out);
}

static long get_tokens(const struct itest_server *s, const char *token)
{
	struct itest_response r;
	itest_get(s, "/api/v1/tokens", token, &r);
	long status = r.status;
	if (status == 429)
		itest_assert_problem(&r, 429, "/rate-limited", "retry in");
	itest_response_free(&r);
	return status;
}

/* The answer says the delivery was processed (200); frees it. */
static void assert_processed(struct itest_response *r)
{
	assert_int_equal(r->status, 200);
	assert_string_equal(json_string_value(json_object_get(r->json, "status")), "processed");
	itest_response_free(r);
}

static void good_credentials_pass_while_failures_are_throttled(void **state)
{
	(void)state;
	char cfg[256], cfg_env[300];
	itest_config_file("trust", "environments:\n"
				   "  - name: dev\n"
				   "    tier: development\n"
				   "    flux:\n"
				   "      - {kind: Kustomization, name: my-app-kustomization}\n",
			  cfg, sizeof cfg, cfg_env, sizeof cfg_env);
	/* the default limit: 30 failures a minute; the clock pinned, so the
	 * window cannot end midway */
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_FLUX_WEBHOOK_SECRET=" FLUX_SECRET,
			     "SHIPLOG_NOW=2030-05-05T10:00:10Z", cfg_env, NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	char *ci = itest_token(&s, "ci");
	struct itest_response r;
	char id[64];

	/* someone else on the shared address sends badly signed deliveries */
	for (int i = 0; i < 30; i++) {
		gh_send_raw(&s, "ping", gh_delivery_id(id, sizeof id), "not-the-secret", NULL,
			    "{\"zen\":\"x\"}", 11, &r);
		assert_int_equal(r.status, 401);
		itest_response_free(&r);
	}
	gh_send_raw(&s, "ping", gh_delivery_id(id, sizeof id), "not-the-secret", NULL,
		    "{\"zen\":\"x\"}", 11, &r);
	itest_assert_problem(&r, 429, "/rate-limited", "retry in");
	char retry[16];
	assert_true(itest_header(&r, "Retry-After", retry, sizeof retry));
	assert_int_equal(atoi(retry), 50); /* the rest of the minute */
	itest_response_free(&r);

	/* a correctly signed GitHub delivery from the same address is stored */
	gh_send_fixture(&s, "workflow_job", "trust-gh-good", "workflow_job.completed.success.json",
			&r);
	assert_processed(&r);
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE delivery_id = 'trust-gh-good'"
			       " AND signature = 'valid' AND status = 'processed' AND body IS NOT NULL"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM jobs"), 1);

	/* so is a correctly signed Flux event, and it makes its deployment */
	size_t len;
	char *flux = itest_read_file(SHIPLOG_FIXTURES "/flux/kustomization.progressing.info.json",
				     &len);
	assert_non_null(flux);
	flux_send(&s, flux, len, FLUX_SECRET, &r);
	assert_processed(&r);
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE source = 'flux'"
			       " AND signature = 'valid' AND status = 'processed'"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM deployments WHERE source = 'flux'"), 1);

	/* valid tokens work: the admin's, a database token, a sign-in */
	assert_int_equal(get_tokens(&s, ITEST_ADMIN_TOKEN), 200);
	itest_get(&s, "/api/v1/runs", ci, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	itest_json(&s, "POST", "/api/v1/session", NULL, "{\"token\":\"" ITEST_ADMIN_TOKEN "\"}",
		   &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	/* failures still get 429, whatever they present */
	assert_int_equal(get_tokens(&s, "shiplog_wrongwrongwrongwrongwrongwrongwrong"), 429);
	itest_json(&s, "POST", "/api/v1/session", NULL,
		   "{\"token\":\"shiplog_wrongwrongwrongwrongwrongwrongwrong\"}", &r);
	itest_assert_problem(&r, 429, "/rate-limited", NULL);
	itest_response_free(&r);
	flux_send(&s, flux, len, "not-the-flux-token", &r);
	itest_assert_problem(&r, 429, "/rate-limited", NULL);
	itest_response_free(&r);
	gh_send_raw(&s, "ping", "trust-gh-bad", "not-the-secret", NULL, "{\"zen\":\"x\"}", 11, &r);
	itest_assert_problem(&r, 429, "/rate-limited", NULL);
	itest_response_free(&r);
	/* ... and past the limit they are not recorded: the 30 before it are */
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE status = 'rejected'"), 30);
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE delivery_id = 'trust-gh-bad'"),
			 0);

	free(flux);
	free(ci);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(cfg);
}

/* ---- body memory: raw sockets, to hold a request open midway ---- */

/* A connection to the server from `local` ("127.0.0.2"; NULL: any). */
static int connect_from(const struct itest_server *s, const char *local)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (local) {
		struct sockaddr_in l = {0};
		l.sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, local, &l.sin_addr), 1);
		assert_int_equal(bind(fd, (struct sockaddr *)&l, sizeof l), 0);
	}
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Sends everything; false when the server closed the connection first. */
static bool send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads one answer's head (up to the blank line), at most 15 s: a hang is
 * a failure.  Returns its status; the head goes into buf. */
static int read_head(int fd, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	while (!strstr(buf, "\r\n\r\n")) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 15000) <= 0)
			fail_msg("no answer within 15 s (got \"%s\")", buf);
		/* byte by byte: what follows the head is the next answer's */
		ssize_t got = read(fd, buf + n, 1);
		if (got <= 0)
			fail_msg("connection closed before an answer (got \"%s\")", buf);
		n += (size_t)got;
		buf[n] = '\0';
		assert_true(n + 1 < size);
	}
	int status = 0;
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &status), 1);
	return status;
}

/* Reads the rest of the answer (to the close) after its head. */
static char *read_rest(int fd)
{
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 15000) <= 0)
			fail_msg("the answer did not end within 15 s");
		if (n + 1024 > cap)
			b = realloc(b, cap *= 2);
		ssize_t got = read(fd, b + n, cap - n - 1);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	b[n] = '\0';
	return b;
}

/* A signed GitHub ping of `size` bytes. */
static char *big_ping(size_t size)
{
	char *b = malloc(size + 1);
	const char *head = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1,\"padding\":\"";
	size_t h = strlen(head);
	memcpy(b, head, h);
	memset(b + h, 'a', size - h - 2);
	memcpy(b + size - 2, "\"}", 3);
	return b;
}

/* Starts POST /webhooks/github of `len` bytes with Expect: 100-continue,
 * signed (secret) or not; returns the status of the first answer: 100 when
 * the server took it (the body may follow), else its refusal. */
static int start_delivery(int fd, const char *delivery, const char *body, size_t len,
			  const char *secret, char *head, size_t head_size)
{
	char req[1024], sig[160] = "";
	if (secret) {
		unsigned char mac[32];
		char hex[65];
		crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), body, len, mac);
		crypto_hex(mac, sizeof mac, hex);
		snprintf(sig, sizeof sig, "X-Hub-Signature-256: sha256=%s\r\n", hex);
	}
	int n = snprintf(req, sizeof req,
			 "POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Content-Type: application/json\r\nX-GitHub-Event: ping\r\n"
			 "X-GitHub-Delivery: %s\r\n%sContent-Length: %zu\r\n"
			 "Expect: 100-continue\r\nConnection: close\r\n\r\n",
			 delivery, sig, len);
	assert_true(send_all(fd, req, (size_t)n));
	return read_head(fd, head, head_size);
}

/* Sends the rest of a delivery that start_delivery() began (`from` bytes
 * on); it must be processed. */
static void finish_delivery(int fd, const char *body, size_t len, size_t from)
{
	char head[4096];
	assert_true(send_all(fd, body + from, len - from));
	assert_int_equal(read_head(fd, head, sizeof head), 200);
	free(read_rest(fd));
	close(fd);
}

static void assert_busy(const char *head, const char *body, const char *detail)
{
	char want[64];
	assert_non_null(strstr(head, "Content-Type: application/problem+json"));
	assert_non_null(strstr(head, "Retry-After: 5\r\n"));
	snprintf(want, sizeof want, "\"status\":503");
	assert_non_null(strstr(body, want));
	assert_non_null(strstr(body, "/problems/busy"));
	if (!strstr(body, detail))
		fail_msg("\"%s\" not in %s", detail, body);
}

static void bodies_beyond_the_memory_budget_get_503(void **state)
{
	(void)state;
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_BODY_MEMORY_LIMIT=4MiB", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	char head[4096];
	size_t big = 3 * MiB, two = 2 * MiB;
	char *a_body = big_ping(big), *b_body = big_ping(two);

	/* A: a 3 MiB delivery, its memory claimed, its body not yet sent */
	int a = connect_from(&s, NULL);
	assert_int_equal(start_delivery(a, "budget-a", a_body, big, ITEST_GITHUB_SECRET, head,
					sizeof head),
			 100);
	assert_true(send_all(a, a_body, 1000));

	/* B: 2 MiB more do not fit in 4 MiB: 503 before its body */
	int b = connect_from(&s, NULL);
	assert_int_equal(start_delivery(b, "budget-b", b_body, two, NULL, head, sizeof head), 503);
	char *rest = read_rest(b);
	assert_busy(head, rest, "the server holds too many request bodies");
	free(rest);
	close(b);

	/* the same without Expect: the body is read and dropped, then 503 */
	struct itest_response r;
	gh_send_raw(&s, "ping", "budget-c", NULL, NULL, b_body, two, &r);
	itest_assert_problem(&r, 503, "/busy", "too many request bodies");
	char retry[16];
	assert_true(itest_header(&r, "Retry-After", retry, sizeof retry));
	assert_string_equal(retry, "5");
	itest_response_free(&r);

	/* a body that grows past it with no Content-Length (chunked): 503 at
	 * its end, and the connection closed */
	int c = connect_from(&s, NULL);
	const char *creq = "POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			   "Content-Type: application/json\r\nX-GitHub-Event: ping\r\n"
			   "X-GitHub-Delivery: budget-chunked\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_true(send_all(c, creq, strlen(creq)));
	for (size_t sent = 0; sent < two; sent += 65536) {
		char size_line[32];
		snprintf(size_line, sizeof size_line, "%x\r\n", 65536);
		assert_true(send_all(c, size_line, strlen(size_line)));
		assert_true(send_all(c, b_body + sent, 65536));
		assert_true(send_all(c, "\r\n", 2));
	}
	assert_true(send_all(c, "0\r\n\r\n", 5));
	assert_int_equal(read_head(c, head, sizeof head), 503);
	assert_non_null(strstr(head, "Connection: close"));
	rest = read_rest(c);
	assert_busy(head, rest, "the server holds too many request bodies");
	free(rest);
	close(c);

	/* small requests still pass: a read, and a small delivery */
	itest_get(&s, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	gh_send_raw(&s, "ping", "budget-small", ITEST_GITHUB_SECRET, NULL, "{\"zen\":\"x\"}", 11,
		    &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	/* A finishes normally: the signed delivery is stored */
	finish_delivery(a, a_body, big, 1000);
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE delivery_id = 'budget-a'"
			       " AND status = 'processed' AND body_size = 3145728"),
			 1);

	/* its memory is back: another 3 MiB delivery fits */
	gh_send_raw(&s, "ping", "budget-d", ITEST_GITHUB_SECRET, NULL, a_body, big, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* none of the refused ones was stored or even recorded */
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE delivery_id IN"
			       " ('budget-b', 'budget-c', 'budget-chunked')"),
			 0);

	free(a_body);
	free(b_body);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void one_client_cannot_hold_more_than_its_share(void **state)
{
	(void)state;
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_PER_IP_BODY_MEMORY=3MiB", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	char head[4096];
	size_t two = 2 * MiB;
	char *body = big_ping(two);

	/* A from 127.0.0.1 holds 2 MiB */
	int a = connect_from(&s, "127.0.0.1");
	assert_int_equal(start_delivery(a, "share-a", body, two, ITEST_GITHUB_SECRET, head,
					sizeof head),
			 100);
	/* B from the same address would hold 4 MiB of its 3 */
	int b = connect_from(&s, "127.0.0.1");
	assert_int_equal(start_delivery(b, "share-b", body, two, ITEST_GITHUB_SECRET, head,
					sizeof head),
			 503);
	char *rest = read_rest(b);
	assert_busy(head, rest, "this client has too many request bodies in flight");
	free(rest);
	close(b);
	/* C from another address is not held back by it */
	int c = connect_from(&s, "127.0.0.2");
	assert_int_equal(start_delivery(c, "share-c", body, two, ITEST_GITHUB_SECRET, head,
					sizeof head),
			 100);
	finish_delivery(c, body, two, 0);
	/* A finishes; then 127.0.0.1 may send as much again */
	finish_delivery(a, body, two, 0);
	b = connect_from(&s, "127.0.0.1");
	assert_int_equal(start_delivery(b, "share-b2", body, two, ITEST_GITHUB_SECRET, head,
					sizeof head),
			 100);
	finish_delivery(b, body, two, 0);
	assert_int_equal(count("SELECT count(*) FROM deliveries WHERE delivery_id IN"
			       " ('share-a', 'share-c', 'share-b2') AND status = 'processed'"),
			 3);

	free(body);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_credentials_pass_while_failures_are_throttled),
		cmocka_unit_test(bodies_beyond_the_memory_budget_get_503),
		cmocka_unit_test(one_client_cannot_hold_more_than_its_share),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
