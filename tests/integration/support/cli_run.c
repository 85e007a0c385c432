/*
 * cli_run.c — running the built shiplog CLI from integration tests (see
 * cli_run.h).
 */
#include "cli_run.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *cli_run_path;

void cli_out_free(struct cli_out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof *o);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	lseek(fd, 0, SEEK_SET);
	ssize_t got;
	while ((got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[n] = '\0';
	return buf;
}

void cli_exec(struct cli_out *o, const char *url, const char *token, const char *stdin_path,
		     const char *const *args)
{
	memset(o, 0, sizeof *o);
	char out_path[] = "/tmp/shiplog-cli-test-out-XXXXXX";
	char err_path[] = "/tmp/shiplog-cli-test-err-XXXXXX";
	int fo = mkstemp(out_path), fe = mkstemp(err_path);
	assert_true(fo >= 0 && fe >= 0);
	unlink(out_path);
	unlink(err_path);
	const char *argv[64] = {"shiplog"};
	size_t n = 1;
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	for (size_t k = 0; argv[k]; k++)
		snprintf(o->cmdline + strlen(o->cmdline), sizeof o->cmdline - strlen(o->cmdline),
			 "%s%s", k ? " " : "", argv[k]);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		unsetenv("SHIPLOG_URL");
		unsetenv("SHIPLOG_TOKEN");
		if (url)
			setenv("SHIPLOG_URL", url, 1);
		if (token)
			setenv("SHIPLOG_TOKEN", token, 1);
		execv(cli_run_path, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	int st = 0;
	int64_t deadline = now_ms() + 60000;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail_msg("the CLI did not finish within 60 s");
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	o->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	o->out = slurp_fd(fo);
	o->err = slurp_fd(fe);
	close(fo);
	close(fe);
}

/* Fails with the CLI's output when its exit code is not `code`. */
void expect_code(const struct cli_out *o, int code)
{
	if (o->code != code) {
		fprintf(stderr, "%s\nexit %d, expected %d\n--- stdout:\n%s\n--- stderr:\n%s\n",
			o->cmdline, o->code, code, o->out, o->err);
		fail_msg("unexpected exit code");
	}
}

void expect_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle)) {
		fprintf(stderr, "expected to find \"%s\" in:\n%s\n", needle, haystack);
		fail_msg("text not found");
	}
}

/* stdout parsed as JSON (caller decrefs); fails when it is not JSON. */
json_t *out_json(const struct cli_out *o)
{
	json_error_t e;
	json_t *j = json_loads(o->out, 0, &e);
	if (!j) {
		fprintf(stderr, "stdout is not JSON (%s):\n%s\n", e.text, o->out);
		fail_msg("not JSON");
	}
	return j;
}

void expect_lacks(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle)) {
		fprintf(stderr, "expected NOT to find \"%s\" in:\n%s\n", needle, haystack);
		fail_msg("unexpected text found");
	}
}

/* A TCP port on 127.0.0.1 that nothing listens on. */
unsigned closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}
