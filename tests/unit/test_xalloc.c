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

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

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
 * SIGABRT and the message, never a NULL. */
static void failure_aborts_with_the_message(void **state)
{
	(void)state;
#ifdef UNDER_ASAN
	skip(); /* ASan reports an impossible size itself before malloc returns */
#else
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		void *p = xmalloc(SIZE_MAX / 2);
		_exit(p ? 3 : 4); /* not reached */
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
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(buf, "shiplog: out of memory\n");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrappers_return_usable_memory),
		cmocka_unit_test(jansson_allocates_through_xmalloc),
		cmocka_unit_test(failure_aborts_with_the_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
