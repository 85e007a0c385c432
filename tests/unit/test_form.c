/*
 * test_form.c — application/x-www-form-urlencoded lookup (http_form_value)
 * and query-component encoding (http_url_encode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "http/internal.h"

struct form_result {
	int rc;
	char *value;
	size_t len;
};

/* Looks name up in a heap copy of body without a terminating NUL, so
 * valgrind sees any read past len. */
static struct form_result lookup(const char *body, const char *name)
{
	size_t len = strlen(body);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, body, len);
	struct form_result r = {-2, (char *)(uintptr_t)1, 99};
	r.rc = http_form_value(copy, len, name, &r.value, &r.len);
	free(copy);
	return r;
}

static void form_gives(const char *body, const char *name, const char *want)
{
	struct form_result r = lookup(body, name);
	if (r.rc != 1)
		fail_msg("%s in \"%s\": rc %d", name, body, r.rc);
	assert_non_null(r.value);
	assert_int_equal(r.len, strlen(want));
	assert_memory_equal(r.value, want, r.len);
	assert_int_equal(r.value[r.len], '\0');
	free(r.value);
}

static void form_lacks(const char *body, const char *name)
{
	struct form_result r = lookup(body, name);
	if (r.rc != 0)
		fail_msg("%s in \"%s\": rc %d, want 0", name, body, r.rc);
	assert_null(r.value);
	assert_int_equal(r.len, 0);
}

static void form_is_broken(const char *body, const char *name)
{
	struct form_result r = lookup(body, name);
	if (r.rc != -1)
		fail_msg("%s in \"%s\": rc %d, want -1", name, body, r.rc);
	assert_null(r.value);
}

static void present_field_is_found(void **state)
{
	(void)state;
	form_gives("token=abc", "token", "abc");
	form_gives("a=1&token=abc&b=2", "token", "abc");
	form_gives("a=1&token=abc", "token", "abc");
	form_gives("token=shiplog_AbC-_09", "token", "shiplog_AbC-_09");
}

static void absent_field_is_reported_absent(void **state)
{
	(void)state;
	form_lacks("", "token");
	form_lacks("a=1&b=2", "token");
	form_lacks("tok=1&tokens=2&Token=3", "token");
	form_lacks("&&&", "token");
	form_lacks("=token", "token");
}

static void empty_value_is_found_and_empty(void **state)
{
	(void)state;
	form_gives("token=", "token", "");
	form_gives("token=&a=1", "token", "");
	form_gives("a=1&token", "token", ""); /* a key without '=' */
	form_gives("token&a=1", "token", "");
}

static void plus_decodes_to_space(void **state)
{
	(void)state;
	form_gives("q=hello+world", "q", "hello world");
	form_gives("q=+++", "q", "   ");
	form_gives("q=a%2Bb", "q", "a+b"); /* an escaped plus stays a plus */
}

static void percent_escapes_are_decoded(void **state)
{
	(void)state;
	form_gives("q=%41%62%7e", "q", "Ab~");
	form_gives("q=%41%62%7E", "q", "Ab~");
	form_gives("q=a%26b%3Dc", "q", "a&b=c");
	form_gives("q=%C3%A9t%C3%A9", "q", "\xc3\xa9t\xc3\xa9");
	form_gives("q=100%25", "q", "100%");
	form_gives("q=%ff", "q", "\xff");
}

static void percent_00_decodes_to_a_nul_counted_in_value_len(void **state)
{
	(void)state;
	struct form_result r = lookup("q=a%00b&x=1", "q");
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.value, "a\0b", 3);
	assert_int_equal(r.value[3], '\0');
	free(r.value);
}

static void broken_escapes_are_refused(void **state)
{
	(void)state;
	form_is_broken("q=%", "q");
	form_is_broken("q=%4", "q");
	form_is_broken("q=%zz", "q");
	form_is_broken("q=%4z", "q");
	form_is_broken("q=%z4", "q");
	form_is_broken("q=abc%", "q");
	form_is_broken("q=abc%4&x=1", "q");
	form_is_broken("q=%%41", "q");
	form_is_broken("q=% 41", "q");
}

static void broken_escape_in_another_field_does_not_matter(void **state)
{
	(void)state;
	form_gives("x=%&q=ok", "q", "ok");
	form_gives("q=ok&x=%zz", "q", "ok");
}

static void first_occurrence_wins(void **state)
{
	(void)state;
	form_gives("q=1&q=2", "q", "1");
	form_gives("a=0&q=first&q=second&q=third", "q", "first");
	form_gives("q=&q=2", "q", "");
}

static void key_prefix_is_not_confused(void **state)
{
	(void)state;
	form_gives("payloadx=1&payload=2", "payload", "2");
	form_gives("xpayload=1&payload=2", "payload", "2");
	form_gives("payload=2&payloadx=1", "payload", "2");
	form_gives("pay=1&payload=2", "payload", "2");
	form_lacks("payloadx=1", "payload");
}

static void value_may_contain_equals_signs(void **state)
{
	(void)state;
	form_gives("q=a=b=c", "q", "a=b=c");
}

static void length_bounds_the_body(void **state)
{
	(void)state;
	/* only the first len bytes are the body */
	const char body[] = "q=short&r=2";
	char *v = NULL;
	size_t vl = 0;
	assert_int_equal(http_form_value(body, 4, "q", &v, &vl), 1);
	assert_int_equal(vl, 2);
	assert_memory_equal(v, "sh", 2);
	free(v);
	assert_int_equal(http_form_value(body, 7, "r", &v, &vl), 0);
	assert_int_equal(http_form_value(body, 0, "q", &v, &vl), 0);
}

static void encodes_as(const char *in, const char *want)
{
	char *got = http_url_encode(in);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void url_encode_keeps_unreserved_characters(void **state)
{
	(void)state;
	encodes_as("", "");
	encodes_as("AZaz09-_.~", "AZaz09-_.~");
}

static void url_encode_escapes_reserved_characters(void **state)
{
	(void)state;
	encodes_as(" ", "%20");
	encodes_as("a b", "a%20b");
	encodes_as("&=?#/+%", "%26%3D%3F%23%2F%2B%25");
	encodes_as(":@!$'()*,;[]", "%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D");
	encodes_as("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D");
	encodes_as("\t\n\x7f", "%09%0A%7F");
}

static void url_encode_escapes_each_utf8_byte(void **state)
{
	(void)state;
	encodes_as("\xc3\xa9", "%C3%A9");
	encodes_as("caf\xc3\xa9 \xe2\x98\x95", "caf%C3%A9%20%E2%98%95");
	encodes_as("\xf0\x9f\x9a\x80", "%F0%9F%9A%80");
	encodes_as("\xff", "%FF");
}

static void url_encode_output_decodes_back(void **state)
{
	(void)state;
	char in[256];
	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	char *enc = http_url_encode(in);
	assert_non_null(enc);
	size_t el = strlen(enc);
	char *body = malloc(el + 3);
	assert_non_null(body);
	memcpy(body, "v=", 2);
	memcpy(body + 2, enc, el + 1);
	char *v = NULL;
	size_t vl = 0;
	assert_int_equal(http_form_value(body, el + 2, "v", &v, &vl), 1);
	assert_int_equal(vl, 255);
	assert_memory_equal(v, in, 255);
	free(v);
	free(body);
	free(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(present_field_is_found),
		cmocka_unit_test(absent_field_is_reported_absent),
		cmocka_unit_test(empty_value_is_found_and_empty),
		cmocka_unit_test(plus_decodes_to_space),
		cmocka_unit_test(percent_escapes_are_decoded),
		cmocka_unit_test(percent_00_decodes_to_a_nul_counted_in_value_len),
		cmocka_unit_test(broken_escapes_are_refused),
		cmocka_unit_test(broken_escape_in_another_field_does_not_matter),
		cmocka_unit_test(first_occurrence_wins),
		cmocka_unit_test(key_prefix_is_not_confused),
		cmocka_unit_test(value_may_contain_equals_signs),
		cmocka_unit_test(length_bounds_the_body),
		cmocka_unit_test(url_encode_keeps_unreserved_characters),
		cmocka_unit_test(url_encode_escapes_reserved_characters),
		cmocka_unit_test(url_encode_escapes_each_utf8_byte),
		cmocka_unit_test(url_encode_output_decodes_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
