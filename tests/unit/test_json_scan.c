/*
 * test_json_scan.c — the queued mode's body check (server/webhooks/json_scan.c):
 * every GitHub fixture is vouched for, with the action and repository jansson
 * reads; what jansson refuses is refused; extraction follows wj_str (last
 * duplicate wins, cut at U+0000, non-strings and overlong values give "").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhooks/json_scan.h"
#include "webhooks/webhook.h"

static char action[64], repo[256];

static bool scan(const char *text)
{
	return json_scan_delivery(text, strlen(text), action, sizeof action, repo, sizeof repo);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static void every_github_fixture_is_vouched_for(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/github", SHIPLOG_FIXTURES);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t len = 0;
		char *body = read_all(path, &len);
		assert_non_null(body);
		if (!json_scan_delivery(body, len, action, sizeof action, repo, sizeof repo))
			fail_msg("%s: not vouched for", e->d_name);
		json_t *j = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
		assert_non_null(j);
		wj_replace_nul(j);
		const char *ja = wj_str(j, "action"), *jr = wj_str(j, "repository.full_name");
		assert_string_equal(action, ja ? ja : "");
		assert_string_equal(repo, jr ? jr : "");
		json_decref(j);
		free(body);
		n++;
	}
	closedir(d);
	assert_true(n >= 40);
}

static void jansson_refusals_are_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"   ",
		"[]",
		"\"s\"",
		"1",
		"{",
		"{}x",
		"{} {}",
		"{\"a\":}",
		"{\"a\" 1}",
		"{\"a\":1,}",
		"{,}",
		"{\"a\":[1,]}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":-}",
		"{\"a\":+1}",
		"{\"a\":tru}",
		"{\"a\":nul}",
		"{\"a\":NaN}",
		"{\"a\":Infinity}",
		"{\"a\":9223372036854775808}",
		"{\"a\":-9223372036854775809}",
		"{\"a\":1e400}",
		"{\"a\":-1e400}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}",
		"{\"a\":\"\\uD800\"}",
		"{\"a\":\"\\uD800\\u0041\"}",
		"{\"a\":\"\\uDC00\"}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":\"\xC0\xAF\"}",         /* overlong */
		"{\"a\":\"\xE0\x80\xAF\"}",     /* overlong */
		"{\"a\":\"\xED\xA0\x80\"}",     /* an encoded surrogate */
		"{\"a\":\"\xF4\x90\x80\x80\"}", /* above U+10FFFF */
		"{\"a\":\"\xF5\x80\x80\x80\"}",
		"{\"a\":\"\x80\"}",
		"{\"a\":\"\xC3\"}",
		"{\"\\u0000\":1}", /* a NUL in a key */
		"{\"a\":\"unterminated}",
		"{'a':1}",
		"{a:1}",
		"\xEF\xBB\xBF{}", /* a byte order mark */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
		bool jansson_object = j && json_is_object(j);
		json_decref(j);
		assert_false(jansson_object); /* the cases are right */
		if (scan(bad[i]))
			fail_msg("case %zu accepted: %s", i, bad[i]);
	}
	/* a NUL byte in the text itself */
	assert_false(json_scan_delivery("{\"a\":\"x\0y\"}", 11, action, sizeof action, repo,
					sizeof repo));
	/* deeper than the scanner's limit: not vouched for (jansson decides) */
	char deep[2 * 600 + 16];
	size_t k = 0;
	deep[k++] = '{';
	deep[k++] = '"';
	deep[k++] = 'a';
	deep[k++] = '"';
	deep[k++] = ':';
	for (int i = 0; i < 600; i++)
		deep[k++] = '[';
	for (int i = 0; i < 600; i++)
		deep[k++] = ']';
	deep[k++] = '}';
	deep[k] = '\0';
	assert_false(scan(deep));
}

static void valid_odd_documents_pass(void **state)
{
	(void)state;
	const char *good[] = {
		"{}",
		" \t\r\n{ } \n",
		"{\"a\":[],\"b\":{},\"c\":[[{}]],\"d\":null,\"e\":true,\"f\":false}",
		"{\"n\":[0,-0,1.5,-1.5e-3,2E+10,9223372036854775807,-9223372036854775808,1e308,1e-400]}",
		"{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}",
		"{\"nul\":\"a\\u0000b\"}",
		"{\"utf8\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"}",
		"{\"a\":1,\"a\":2}",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		json_t *j = json_loads(good[i], JSON_ALLOW_NUL, NULL);
		assert_non_null(j);
		json_decref(j);
		if (!scan(good[i]))
			fail_msg("case %zu refused: %s", i, good[i]);
	}
}

static void action_and_repository_as_wj_str_reads_them(void **state)
{
	(void)state;
	assert_true(scan("{\"action\":\"opened\",\"repository\":{\"id\":1,\"owner\":{\"full_name\":"
			 "\"no\"},\"full_name\":\"octo/app\"}}"));
	assert_string_equal(action, "opened");
	assert_string_equal(repo, "octo/app");
	/* the last duplicate wins; escapes decoded, in keys too */
	assert_true(scan("{\"action\":\"a\",\"act\\u0069on\":\"b\\u00e9\",\"repository\":{\"full_name\":"
			 "\"x/1\"},\"repository\":{\"name\":\"y\"}}"));
	assert_string_equal(action, "b\xC3\xA9");
	assert_string_equal(repo, "");
	/* not a string; nested deeper; U+0000 as U+FFFD (as webhook_delivery_json) */
	assert_true(scan("{\"action\":5,\"x\":{\"action\":\"inner\"},\"repository\":{\"full_name\":"
			 "\"a/b\\u0000c\"}}"));
	assert_string_equal(action, "");
	assert_string_equal(repo, "a/b\xEF\xBF\xBD" "c");
	/* too long for the buffer: not reported */
	char doc[400];
	snprintf(doc, sizeof doc, "{\"action\":\"%0100d\"}", 0);
	assert_true(scan(doc));
	assert_string_equal(action, "");
	/* absent */
	assert_true(scan("{\"zen\":\"z\"}"));
	assert_string_equal(action, "");
	assert_string_equal(repo, "");
}

/* A U+0000 in a payload string becomes U+FFFD, in every string of the tree,
 * and nothing after it is lost; strings without one are left alone. */
static void nul_becomes_replacement_character_everywhere(void **state)
{
	(void)state;
	const char doc[] = "{\"head_commit\":{\"message\":\"fix\\u0000 the \\u0000\\u0000build\"},"
			   "\"list\":[\"\\u0000\",\"plain\",{\"deep\":[\"a\\u0000\"]}],\"n\":1,"
			   "\"same\":\"caf\u00e9\"}";
	json_t *j = json_loads(doc, JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	json_t *plain = json_array_get(json_object_get(j, "list"), 1);
	const char *before = json_string_value(plain);
	assert_int_equal(wj_replace_nul(j), 3);
	const json_t *msg = wj_get(j, "head_commit.message");
	static const char want[] = "fix\xEF\xBF\xBD the \xEF\xBF\xBD\xEF\xBF\xBD" "build";
	assert_int_equal(json_string_length(msg), sizeof want - 1);
	assert_memory_equal(json_string_value(msg), want, sizeof want - 1);
	assert_string_equal(wj_str(j, "head_commit.message"), want);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "list"), 0)),
			    "\xEF\xBF\xBD");
	const json_t *deep = json_array_get(
		json_object_get(json_array_get(json_object_get(j, "list"), 2), "deep"), 0);
	assert_string_equal(json_string_value(deep), "a\xEF\xBF\xBD");
	/* untouched: the same string object, the same bytes */
	assert_ptr_equal(json_string_value(plain), before);
	assert_string_equal(wj_str(j, "same"), "caf\xC3\xA9");
	/* a second pass finds nothing */
	assert_int_equal(wj_replace_nul(j), 0);
	json_decref(j);
	assert_int_equal(wj_replace_nul(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_github_fixture_is_vouched_for),
		cmocka_unit_test(jansson_refusals_are_refused),
		cmocka_unit_test(valid_odd_documents_pass),
		cmocka_unit_test(action_and_repository_as_wj_str_reads_them),
		cmocka_unit_test(nul_becomes_replacement_character_everywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
