/*
 * test_xalloc.c — the one out-of-memory path (shiplog/xalloc.h): the
 * wrappers return usable memory (a unique pointer even for size 0), abort
 * with "shiplog: out of memory" when the allocator fails, and jansson
 * allocates through them once xalloc_init_json() ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shiplog/xalloc.h"

/* The child of failure_aborts_with_the_message: this program run again with
 * this argument asks for memory no allocator has. */
#define OOM_CHILD "--out-of-memory-child"
static const char *self; /* argv[0] (under valgrind, /proc/self/exe is valgrind) */

static void wrappers_return_usable_memory(void **state)
{
	(void)state;
	void *a = xmalloc(0), *b = xmalloc(0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	free(a);
	free(b);
	unsigned char *z = xcalloc(16, 4);
	for (int i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	z[63] = 7;
	z = xrealloc(z, 4096);
	assert_int_equal(z[63], 7);
	free(z);
	z = xcalloc(0, 0);
	assert_non_null(z);
	free(z);
	char *s = xstrdup("shiplog");
	assert_string_equal(s, "shiplog");
	free(s);
	s = xasprintf("%s-%d", "rc", 7);
	assert_string_equal(s, "rc-7");
	free(s);
}

static void jansson_allocates_through_xmalloc(void **state)
{
	(void)state;
	xalloc_init_json();
	json_malloc_t m = NULL;
	json_free_t f = NULL;
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, xmalloc);
	assert_ptr_equal(f, free);
	json_t *o = json_pack("{s:s}", "a", "b");
	char *text = json_dumps(o, JSON_COMPACT);
	assert_string_equal(text, "{\"a\":\"b\"}");
	free(text);
	json_decref(o);
}

/* In a child: an allocation no allocator can satisfy ends the process with
 * SIGABRT and the message, never a NULL.  The child is this program run
 * again, so that under AddressSanitizer it can be told to let malloc return
 * NULL (allocator_may_return_null) instead of reporting the size itself. */
static void failure_aborts_with_the_message(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		setenv("ASAN_OPTIONS", "allocator_may_return_null=1:detect_leaks=0", 1);
		execl(self, self, OOM_CHILD, (char *)NULL);
		_exit(5); /* could not run */
	}
	close(fds[1]);
	char buf[128] = "";
	size_t got = 0;
	ssize_t n;
	while (got + 1 < sizeof buf && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("the child exited %d: %s", WEXITSTATUS(status), buf);
	assert_int_equal(WTERMSIG(status), SIGABRT);
	/* the last line (AddressSanitizer may warn about the size before it) */
	static const char want[] = "shiplog: out of memory\n";
	size_t wl = sizeof want - 1;
	if (got < wl || strcmp(buf + got - wl, want) || (got > wl && buf[got - wl - 1] != '\n'))
		fail_msg("the child said: %s", buf);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 2 && !strcmp(argv[1], OOM_CHILD)) {
		void *p = xmalloc(SIZE_MAX / 2);
		return p ? 3 : 4; /* not reached: xmalloc aborts */
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrappers_return_usable_memory),
		cmocka_unit_test(jansson_allocates_through_xmalloc),
		cmocka_unit_test(failure_aborts_with_the_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
