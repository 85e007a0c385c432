/*
 * test_validate.c — the string checks the configuration and the API share
 * (shiplog/validate.h), at their boundaries: empty, the longest accepted
 * and one more, the characters just inside and outside each set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "shiplog/validate.h"

/* A string of n copies of c (n < 400). */
static const char *rep(char c, size_t n)
{
	static char buf[4][400];
	static int next;
	char *b = buf[next++ % 4];
	memset(b, c, n);
	b[n] = '\0';
	return b;
}

#define OK(call) assert_null(call)
#define BAD(call) assert_non_null(call)

static void slugs_are_letters_digits_dot_underscore_dash(void **state)
{
	(void)state;
	OK(validate_slug("a"));
	OK(validate_slug("Prod-EU_1.2"));
	OK(validate_slug("-"));
	OK(validate_slug(rep('x', 300))); /* no length limit of its own */
	BAD(validate_slug(""));
	BAD(validate_slug(NULL));
	BAD(validate_slug("a b"));
	BAD(validate_slug("a/b"));
	BAD(validate_slug("a@b"));
	BAD(validate_slug("caf\xc3\xa9"));
	assert_string_equal(validate_slug("a b"), "expected letters, digits, '.', '_' or '-'");
}

static void kubernetes_names_are_dns_1123(void **state)
{
	(void)state;
	OK(validate_k8s_name("a"));
	OK(validate_k8s_name("flux-system"));
	OK(validate_k8s_name("web.v2-0"));
	OK(validate_k8s_name("0abc"));
	OK(validate_k8s_name(rep('a', 253)));
	BAD(validate_k8s_name(rep('a', 254)));
	BAD(validate_k8s_name(""));
	BAD(validate_k8s_name(NULL));
	BAD(validate_k8s_name("-web"));
	BAD(validate_k8s_name(".web"));
	BAD(validate_k8s_name("Web"));
	BAD(validate_k8s_name("web_1"));
	BAD(validate_k8s_name("web/1"));
	assert_string_equal(validate_k8s_name("Web"),
			    "expected a Kubernetes name (lower-case letters, digits, '-' and '.')");
}

static void urls_are_http_or_https_with_a_host(void **state)
{
	(void)state;
	OK(validate_http_url("http://a"));
	OK(validate_http_url("https://example.com/path?q=1#x"));
	OK(validate_http_url("https://[::1]:8080/"));
	BAD(validate_http_url(NULL));
	BAD(validate_http_url(""));
	BAD(validate_http_url("http://"));
	BAD(validate_http_url("https://"));
	BAD(validate_http_url("https:///path"));
	BAD(validate_http_url("HTTPS://example.com"));
	BAD(validate_http_url("ftp://example.com"));
	BAD(validate_http_url("example.com"));
	BAD(validate_http_url("https://exa mple.com"));
	BAD(validate_http_url("https://example.com/\t"));
	BAD(validate_http_url("https://example.com/\n"));
	BAD(validate_http_url("https://example.com/\x01"));
	/* DEL is a control character: refused (the API's own copy let it in) */
	BAD(validate_http_url("https://example.com/\x7f"));
	/* bytes above ASCII are not controls */
	OK(validate_http_url("https://example.com/caf\xc3\xa9"));
	assert_string_equal(validate_http_url("ftp://x"), "expected an http:// or https:// URL");
}

static void repository_names_are_owner_slash_name(void **state)
{
	(void)state;
	char s[200];
	OK(validate_repo_name("weaveworks/weave-gitops"));
	OK(validate_repo_name("a/b"));
	OK(validate_repo_name("a/.github"));
	snprintf(s, sizeof s, "%s/%s", rep('o', 39), rep('n', 100));
	OK(validate_repo_name(s));
	snprintf(s, sizeof s, "%s/n", rep('o', 40));
	BAD(validate_repo_name(s));
	snprintf(s, sizeof s, "o/%s", rep('n', 101));
	BAD(validate_repo_name(s));
	BAD(validate_repo_name(""));
	BAD(validate_repo_name("owner"));
	BAD(validate_repo_name("/name"));
	BAD(validate_repo_name("owner/"));
	BAD(validate_repo_name("-owner/name"));
	BAD(validate_repo_name("ow.ner/name"));
	BAD(validate_repo_name("owner/na/me"));
	BAD(validate_repo_name("owner/."));
	BAD(validate_repo_name("owner/.."));
	BAD(validate_repo_name("owner/na me"));
}

static void branches_refuse_spaces_controls_dash_and_dotdot(void **state)
{
	(void)state;
	OK(validate_branch("main"));
	OK(validate_branch("release/1.2"));
	OK(validate_branch("a.b"));
	BAD(validate_branch("-main"));
	BAD(validate_branch("a..b"));
	BAD(validate_branch("a b"));
	BAD(validate_branch("a\x7f"));
	BAD(validate_branch("a\tb"));
}

static void the_smaller_checks(void **state)
{
	(void)state;
	OK(validate_database_url("postgresql://u@h/db"));
	OK(validate_database_url("postgres://h"));
	OK(validate_database_url("host=h dbname=d"));
	BAD(validate_database_url("mysql://h"));
	BAD(validate_database_url(""));

	OK(validate_header_name("X-Forwarded-Email"));
	OK(validate_header_name("x_user"));
	BAD(validate_header_name("X Forwarded"));
	BAD(validate_header_name("X:Y"));

	OK(validate_not_blank("x"));
	OK(validate_not_blank(" x "));
	BAD(validate_not_blank(""));
	BAD(validate_not_blank(" \t "));

	OK(validate_env_name("A"));
	OK(validate_env_name("_SECRET_1"));
	BAD(validate_env_name(""));
	BAD(validate_env_name("1SECRET"));
	BAD(validate_env_name("MY-SECRET"));
	BAD(validate_env_name("s3cr3t value"));

	OK(validate_artifact("chart:mccp"));
	OK(validate_artifact("image:org/ui"));
	BAD(validate_artifact("chart:"));
	BAD(validate_artifact(":mccp"));
	BAD(validate_artifact("helm:mccp"));
	BAD(validate_artifact("chartx:mccp"));
	BAD(validate_artifact("char:mccp"));
	BAD(validate_artifact("chart:a b"));

	OK(validate_member("ann@example.com"));
	OK(validate_member("*@example.com"));
	BAD(validate_member("@example.com"));
	BAD(validate_member("ann"));
	BAD(validate_member("ann@"));
	BAD(validate_member("a@b@c"));
	BAD(validate_member("a*@example.com"));
	BAD(validate_member("**@example.com"));
	BAD(validate_member("ann@exa mple.com"));
	BAD(validate_member("ann@exa_mple.com"));
}

static void hostnames_and_controls(void **state)
{
	(void)state;
	assert_true(validate_is_hostname("a"));
	assert_true(validate_is_hostname("Example-1.com"));
	assert_true(validate_is_hostname(rep('h', 253)));
	assert_false(validate_is_hostname(rep('h', 254)));
	assert_false(validate_is_hostname(""));
	assert_false(validate_is_hostname("a_b"));
	assert_false(validate_is_hostname("a:b"));

	assert_false(validate_has_space_or_control(""));
	assert_false(validate_has_space_or_control("abc~"));
	assert_false(validate_has_space_or_control("caf\xc3\xa9"));
	assert_true(validate_has_space_or_control(" "));
	assert_true(validate_has_space_or_control("a\x1f"));
	assert_true(validate_has_space_or_control("a\x7f"));
}

static void proxies_are_addresses_or_ranges_but_not_everyone(void **state)
{
	(void)state;
	long bits = -1, max = -1;
	assert_true(validate_parse_cidr("10.0.0.1", &bits, &max));
	assert_int_equal(bits, 32);
	assert_int_equal(max, 32);
	assert_true(validate_parse_cidr("10.0.0.0/8", &bits, &max));
	assert_int_equal(bits, 8);
	assert_true(validate_parse_cidr("::1", &bits, &max));
	assert_int_equal(bits, 128);
	assert_int_equal(max, 128);
	assert_true(validate_parse_cidr("fd00::/128", &bits, &max));
	assert_int_equal(bits, 128);
	assert_false(validate_parse_cidr("10.0.0.0/33", &bits, &max));
	assert_false(validate_parse_cidr("fd00::/129", &bits, &max));
	assert_false(validate_parse_cidr("10.0.0.0/", &bits, &max));
	assert_false(validate_parse_cidr("10.0.0.0/0008", &bits, &max));
	assert_false(validate_parse_cidr("10.0.0.0/-1", &bits, &max));
	assert_false(validate_parse_cidr("/8", &bits, &max));
	assert_false(validate_parse_cidr("", &bits, &max));
	assert_false(validate_parse_cidr("localhost", &bits, &max));

	OK(validate_proxy("127.0.0.1"));
	OK(validate_proxy("10.0.0.0/1"));
	BAD(validate_proxy("0.0.0.0/0"));
	BAD(validate_proxy("::/0"));
	BAD(validate_proxy("10.0.0.0/33"));
	assert_string_equal(validate_proxy("x"), "expected an IP address or CIDR (e.g. 10.0.0.0/8)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slugs_are_letters_digits_dot_underscore_dash),
		cmocka_unit_test(kubernetes_names_are_dns_1123),
		cmocka_unit_test(urls_are_http_or_https_with_a_host),
		cmocka_unit_test(repository_names_are_owner_slash_name),
		cmocka_unit_test(branches_refuse_spaces_controls_dash_and_dotdot),
		cmocka_unit_test(the_smaller_checks),
		cmocka_unit_test(hostnames_and_controls),
		cmocka_unit_test(proxies_are_addresses_or_ranges_but_not_everyone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
