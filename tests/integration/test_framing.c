/*
 * test_framing.c — where a request ends must not be open to two readings.
 * A proxy in front of shiplog and shiplog itself could otherwise disagree
 * on it, and what one takes for body the other answers as a second request
 * (request smuggling).  Two Content-Length headers, Content-Length with
 * Transfer-Encoding, a transfer coding other than chunked, and a header
 * name with whitespace in it ("Content-Length : 5") are each refused with
 * one 400 and the connection closed: the bytes after the headers are never
 * answered as a request of their own.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "itest.h"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("framing", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* A request that, read the other way, is a second request of its own. */
#define SMUGGLED "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

/*
 * Sends `raw` on a new connection and reads until the server closes it
 * (bounded well above anything but a server that keeps the connection
 * open).  Returns how many responses came; the first is parsed into out.
 */
static int exchange(const char *raw, struct itest_response *out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)server.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	struct timeval tv = {20, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	size_t n = strlen(raw);
	assert_int_equal(write(fd, raw, n), (ssize_t)n);
	size_t cap = 1 << 16, got = 0;
	char *buf = malloc(cap);
	ssize_t r = -1;
	while (got < cap - 1 && (r = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	bool eof = r == 0;
	close(fd);
	buf[got] = '\0';
	if (!eof)
		fail_msg("the connection was not closed after: %s", buf);
	memset(out, 0, sizeof *out);
	const char *end = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.1 ", 9) || !end)
		fail_msg("not an HTTP response: %s", buf);
	out->status = strtol(buf + 9, NULL, 10);
	out->headers = strndup(buf, (size_t)(end + 2 - buf));
	char len[32] = "";
	size_t body_len = strlen(end + 4);
	if (itest_header(out, "Content-Length", len, sizeof len) &&
	    strtoul(len, NULL, 10) < body_len)
		body_len = strtoul(len, NULL, 10);
	out->body = strndup(end + 4, body_len);
	out->body_len = body_len;
	out->json = json_loadb(out->body, body_len, 0, NULL);
	/* more responses after the first one's body? (all these have a length) */
	int responses = 1;
	for (const char *p = end + 4 + body_len; *p; responses++) {
		struct itest_response next = {0};
		const char *e = strstr(p, "\r\n\r\n");
		if (strncmp(p, "HTTP/1.", 7) || !e)
			fail_msg("after %d responses, not a response: %s", responses, p);
		next.headers = strndup(p, (size_t)(e + 2 - p));
		size_t bl = itest_header(&next, "Content-Length", len, sizeof len)
				    ? strtoul(len, NULL, 10)
				    : strlen(e + 4);
		itest_response_free(&next);
		p = e + 4 + (bl < strlen(e + 4) ? bl : strlen(e + 4));
	}
	free(buf);
	return responses;
}

/* Exactly one answer, a 400 naming `detail`, and Connection: close. */
static void assert_refused_once(const char *raw, const char *detail)
{
	struct itest_response r;
	int responses = exchange(raw, &r);
	if (responses != 1)
		fail_msg("%d responses (the rest was answered as a request): %s", responses,
			 r.headers);
	itest_assert_problem(&r, 400, "/bad-request", detail);
	char conn[32] = "";
	assert_true(itest_header(&r, "Connection", conn, sizeof conn));
	assert_string_equal(conn, "close");
	itest_response_free(&r);
}

static void two_different_content_lengths_are_refused(void **state)
{
	(void)state;
	/* read as 5 bytes, the rest would be a second request */
	char raw[512];
	snprintf(raw, sizeof raw,
		 "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		 "Content-Length: 5\r\nContent-Length: %zu\r\n\r\n{}   " SMUGGLED,
		 5 + strlen(SMUGGLED));
	assert_refused_once(raw, "Content-Length");
}

/* RFC 9112 §6.3 allows treating identical copies as one; shiplog refuses any
 * repetition, which no honest client sends. */
static void a_repeated_content_length_is_refused(void **state)
{
	(void)state;
	assert_refused_once("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: application/json\r\n"
			    "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
			    "Content-Length");
}

static void content_length_with_transfer_encoding_is_refused(void **state)
{
	(void)state;
	/* chunked, the body ends at the 0 chunk and a second request follows;
	 * by Content-Length all of it is body */
	char raw[512];
	snprintf(raw, sizeof raw,
		 "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
		 5 + strlen(SMUGGLED));
	assert_refused_once(raw, "Transfer-Encoding");
}

static void a_transfer_coding_other_than_chunked_is_refused(void **state)
{
	(void)state;
	/* a proxy that reads "chunked" here stops at the 0 chunk */
	assert_refused_once("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: application/json\r\n"
			    "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
			    "Transfer-Encoding");
	assert_refused_once("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
			    "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" SMUGGLED,
			    "Transfer-Encoding");
	/* HTTP/1.0 has no transfer codings: an HTTP/1.0 proxy reads no body */
	assert_refused_once("POST /api/v1/tokens HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
			    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "0\r\n\r\n" SMUGGLED,
			    "HTTP/1.0");
}

static void whitespace_in_a_header_name_is_refused(void **state)
{
	(void)state;
	/* a proxy may read this as the body's length; libmicrohttpd keeps it
	 * as a header named "Content-Length " and reads no body */
	char raw[512];
	snprintf(raw, sizeof raw,
		 "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		 "Content-Length : %zu\r\n\r\n" SMUGGLED,
		 strlen(SMUGGLED));
	assert_refused_once(raw, "header name");
	assert_refused_once("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-Email\t: a@b\r\n\r\n",
			    "header name");
	assert_refused_once("GET /healthz HTTP/1.1\r\nHost: x\r\nFoo Bar: x\r\n\r\n" SMUGGLED,
			    "header name");
}

/* The checks do not get in the way of ordinary requests on one connection. */
static void well_framed_requests_share_a_connection(void **state)
{
	(void)state;
	struct itest_response r;
	/* two pipelined requests, the second asks to close: two answers */
	int responses = exchange("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\n"
				 "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
				 "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				 &r);
	assert_int_equal(responses, 2);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
	responses = exchange("POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\n"
			     "Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n"
			     "2\r\n{}\r\n0\r\n\r\n"
			     "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			     &r);
	assert_int_equal(responses, 2);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_different_content_lengths_are_refused),
		cmocka_unit_test(a_repeated_content_length_is_refused),
		cmocka_unit_test(content_length_with_transfer_encoding_is_refused),
		cmocka_unit_test(a_transfer_coding_other_than_chunked_is_refused),
		cmocka_unit_test(whitespace_in_a_header_name_is_refused),
		cmocka_unit_test(well_framed_requests_share_a_connection),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
