/*
 * test_web_dir.c — a server whose web folder has no dashboard says so at
 * start-up, in its log, instead of answering a bare 404 at "/" in silence;
 * one with a dashboard names the folder it serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("web_dir", db_url, sizeof db_url);
	return 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Starts a server with SHIPLOG_WEB_DIR=web_dir, asks for "/", stops it; returns its log
 * (caller frees) and the status "/" was answered with. */
static char *start_with_web_dir(const char *web_dir, long *root_status)
{
	char env[600];
	snprintf(env, sizeof env, "SHIPLOG_WEB_DIR=%s", web_dir);
	const char *envs[] = {env, NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, envs);
	struct itest_response r;
	itest_get(&s, "/", NULL, &r);
	*root_status = r.status;
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(log);
	unlink(s.log_path);
	unlink(s.out_path);
	return log;
}

/* The JSON log line holding `needle`, or NULL. */
static const char *log_line_with(const char *log, const char *needle)
{
	const char *p = strstr(log, needle);
	if (!p)
		return NULL;
	while (p > log && p[-1] != '\n')
		p--;
	return p;
}

static void remove_file(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(remove(path), 0);
}

/* A server started with this web folder answers "/" with 404 and its start-up log has an
 * error line naming the folder, the reason and the variable to set. */
static void expect_no_dashboard(const char *web_dir, const char *reason)
{
	long status;
	char *log = start_with_web_dir(web_dir, &status);
	assert_int_equal(status, 404);
	const char *line = log_line_with(log, "NO DASHBOARD");
	if (!line)
		fail_msg("no start-up error about the missing dashboard; the log:\n%s", log);
	const char *end = strchr(line, '\n');
	char *copy = strndup(line, end ? (size_t)(end - line) : strlen(line));
	assert_non_null(strstr(copy, "\"level\":\"error\""));
	assert_non_null(strstr(copy, web_dir));
	assert_non_null(strstr(copy, reason));
	assert_non_null(strstr(copy, "SHIPLOG_WEB_DIR"));
	free(copy);
	assert_null(strstr(log, "serving the dashboard from"));
	free(log);
}

static void a_missing_web_folder_is_an_error_in_the_start_up_log(void **state)
{
	(void)state;
	char web[] = "/tmp/shiplog-web-XXXXXX";
	assert_non_null(mkdtemp(web));
	char missing[sizeof web + 16];
	snprintf(missing, sizeof missing, "%s/absent", web);
	expect_no_dashboard(missing, "No such file or directory");
	assert_int_equal(rmdir(web), 0);
}

static void a_web_folder_without_index_html_is_an_error_in_the_start_up_log(void **state)
{
	(void)state;
	char web[] = "/tmp/shiplog-web-XXXXXX";
	assert_non_null(mkdtemp(web));
	write_file(web, "app.js", "console.log(1);");
	expect_no_dashboard(web, "no readable index.html");

	/* an index.html that is a folder is no dashboard either */
	char sub[sizeof web + 16];
	snprintf(sub, sizeof sub, "%s/index.html", web);
	assert_int_equal(mkdir(sub, 0755), 0);
	expect_no_dashboard(web, "index.html is not a file");
	remove_file(web, "index.html");
	remove_file(web, "app.js");
	assert_int_equal(rmdir(web), 0);
}

static void a_web_folder_with_index_html_is_named_in_the_log_and_served(void **state)
{
	(void)state;
	char web[] = "/tmp/shiplog-web-XXXXXX";
	assert_non_null(mkdtemp(web));
	write_file(web, "index.html", "<!doctype html><title>t</title>");
	long status;
	char *log = start_with_web_dir(web, &status);
	assert_int_equal(status, 200);
	const char *line = log_line_with(log, "serving the dashboard from");
	if (!line)
		fail_msg("start-up does not name the web folder; the log:\n%s", log);
	assert_non_null(strstr(line, web));
	assert_null(strstr(log, "NO DASHBOARD"));
	free(log);
	remove_file(web, "index.html");
	assert_int_equal(rmdir(web), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_missing_web_folder_is_an_error_in_the_start_up_log),
		cmocka_unit_test(a_web_folder_without_index_html_is_an_error_in_the_start_up_log),
		cmocka_unit_test(a_web_folder_with_index_html_is_named_in_the_log_and_served),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
