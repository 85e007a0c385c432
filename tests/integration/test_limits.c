/*
 * test_limits.c — the connection limits an attacker runs into: an idle
 * client is cut off by the connection timeout, the per-IP connection limit
 * holds, and an oversized header block is refused (431) before shiplog
 * reads it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

static struct itest_server server;
static char db_url[512];
static char cfg_path[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-limits-XXXXXX");
	int fd = mkstemp(cfg_path);
	const char *yaml = "server:\n  connection_timeout: 2\n  per_ip_connections: 4\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	itest_db_create("limits", db_url, sizeof db_url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	itest_server_start(&server, db_url, NULL);
	unsetenv("ITEST_CONFIG");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(cfg_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static int connect_to(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Waits until the server closes fd (read returns 0 or an error); ms spent. */
static long wait_closed(int fd, long max_ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int rc = poll(&p, 1, 100);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (rc > 0) {
			char buf[512];
			ssize_t n = read(fd, buf, sizeof buf);
			if (n <= 0)
				return ms;
		}
		if (ms > max_ms)
			return -1;
	}
}

static void an_idle_client_is_cut_off_by_the_connection_timeout(void **state)
{
	(void)state;
	int fd = connect_to(server.port);
	/* a client trickling half a request and then going quiet */
	assert_int_equal(write(fd, "GET /healthz HTTP/1.1\r\n", 23), 23);
	/* closed by the 2 s timeout: well before the default 30 s would, and not never
	 * (the bound is generous so that a busy machine cannot fail it) */
	long ms = wait_closed(fd, 10000);
	close(fd);
	assert_true(ms >= 0);
}

/* Is fd closed by the peer (now, without waiting)? */
static bool closed_now(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, 0) <= 0)
		return false;
	char buf[64];
	return read(fd, buf, sizeof buf) <= 0;
}

static void the_per_ip_connection_limit_holds(void **state)
{
	(void)state;
	/* five connections from one address with a limit of four: the workers
	 * accept them in no particular order, so exactly one of the five is
	 * refused — closed at once, long before the 2 s idle timeout */
	usleep(500 * 1000); /* the previous test's connection is cleaned up */
	int fds[5];
	for (int i = 0; i < 5; i++)
		fds[i] = connect_to(server.port);
	usleep(700 * 1000);
	int closed = 0;
	for (int i = 0; i < 5; i++)
		closed += closed_now(fds[i]);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
	/* at least the one over the limit; at most one more, if a closed
	 * connection of an earlier test is still being cleaned up */
	assert_true(closed >= 1 && closed <= 2);
	/* once they are gone, requests are served again */
	usleep(300 * 1000);
	struct itest_response r;
	itest_get(&server, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
}

static void an_oversized_header_block_is_refused(void **state)
{
	(void)state;
	size_t n = 80 * 1024;
	char *value = malloc(n + 32);
	strcpy(value, "X-Padding: ");
	memset(value + 11, 'a', n);
	value[11 + n] = '\0';
	struct itest_response r;
	itest_http(&server, "GET", "/healthz", (const char *const[]){value, NULL}, NULL, 0, &r);
	/* libmicrohttpd answers 431 and closes; while the client is still
	 * sending, the close may reach it as a reset before the answer does */
	if (r.status != 431)
		assert_true(r.status == 0 && r.curl_error != 0);
	itest_response_free(&r);
	free(value);
	/* the server is unharmed */
	itest_get(&server, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_idle_client_is_cut_off_by_the_connection_timeout),
		cmocka_unit_test(the_per_ip_connection_limit_holds),
		cmocka_unit_test(an_oversized_header_block_is_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
