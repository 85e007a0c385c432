/*
 * fuzz.h — what every libFuzzer harness in tests/fuzz shares.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput (and maybe
 * LLVMFuzzerInitialize); libFuzzer provides main().  A harness never keeps
 * state between inputs, frees everything it allocates (ASan's leak checker
 * runs after each input), and turns a broken invariant into an abort() with
 * a message, which libFuzzer reports as a crash with the input saved.
 */
#ifndef SHIPLOG_FUZZ_H
#define SHIPLOG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the code under test; a failure is a finding. */
#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                   \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* The input as a C string, cut at its first NUL: what libmicrohttpd, libyaml
 * and getenv() hand shiplog can never hold one.  Caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t n = 0;
	while (n < size && data[n])
		n++;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
