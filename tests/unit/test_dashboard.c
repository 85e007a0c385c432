/*
 * test_dashboard.c — the links messages carry: the table of dashboard paths,
 * percent-encoding of keys, truncation, and that the dashboard's router
 * (web/js/app.js) has a page for every path of the table.  Opening the links
 * in a browser is tests/browser/links.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/dashboard.h"

static void links_use_the_dashboard_paths(void **state)
{
	(void)state;
	char buf[128];
	assert_true(dashboard_link(buf, sizeof buf, "https://shiplog.example.com",
				   DASHBOARD_RELEASE_CANDIDATE, "42"));
	assert_string_equal(buf, "https://shiplog.example.com/release-candidates/42");
	assert_true(dashboard_link(buf, sizeof buf, "http://127.0.0.1:8080", DASHBOARD_RUN, "7"));
	assert_string_equal(buf, "http://127.0.0.1:8080/runs/7");
	assert_true(dashboard_link(buf, sizeof buf, "http://x", DASHBOARD_ENVIRONMENT, "staging"));
	assert_string_equal(buf, "http://x/environments/staging");
}

static void a_key_is_one_encoded_segment(void **state)
{
	(void)state;
	char buf[128];
	assert_true(dashboard_link(buf, sizeof buf, "http://x", DASHBOARD_ENVIRONMENT,
				   "eu west/1?#%é"));
	assert_string_equal(buf, "http://x/environments/eu%20west%2F1%3F%23%25%C3%A9");
}

static void a_link_that_does_not_fit_is_empty(void **state)
{
	(void)state;
	char buf[32];
	memset(buf, 'X', sizeof buf);
	assert_false(dashboard_link(buf, 30, "http://a-long-host.example.com",
				    DASHBOARD_ENVIRONMENT, "production"));
	assert_string_equal(buf, "");
	assert_int_equal(buf[31], 'X');
	/* exactly fitting, with an encoded byte at the end */
	char fit[sizeof "http://x/runs/%20"];
	assert_true(dashboard_link(fit, sizeof fit, "http://x", DASHBOARD_RUN, " "));
	assert_string_equal(fit, "http://x/runs/%20");
	assert_false(dashboard_link(fit, sizeof fit - 1, "http://x", DASHBOARD_RUN, " "));
}

/* Every path of the table is a page of the dashboard's router. */
static void the_dashboard_routes_every_path(void **state)
{
	(void)state;
	FILE *f = fopen(SHIPLOG_SOURCE_DIR "/web/js/app.js", "r");
	assert_non_null(f);
	static char js[1 << 16];
	size_t n = fread(js, 1, sizeof js - 1, f);
	fclose(f);
	js[n] = '\0';
	for (int p = 0; p < DASHBOARD__COUNT; p++) {
		/* "/runs/" is written /^\/runs\/(...)$/ in PAGES */
		const char *path = dashboard_path((enum dashboard_page)p);
		char re[96] = "[/^";
		for (const char *c = path; *c; c++) {
			size_t len = strlen(re);
			if (*c == '/')
				snprintf(re + len, sizeof re - len, "\\/");
			else
				snprintf(re + len, sizeof re - len, "%c", *c);
		}
		if (!strstr(js, re))
			fail_msg("web/js/app.js has no page for %s (looked for %s)", path, re);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links_use_the_dashboard_paths),
		cmocka_unit_test(a_key_is_one_encoded_segment),
		cmocka_unit_test(a_link_that_does_not_fit_is_empty),
		cmocka_unit_test(the_dashboard_routes_every_path),
	};
	return cmocka_run_group_tests_name("dashboard links", tests, NULL, NULL);
}
