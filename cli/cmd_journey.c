/*
 * cmd_journey.c — `shiplog journey OWNER/NAME#NUMBER`: the way of a pull
 * request from opened to released, each step with its time and the time
 * since the previous one, and where it is now
 * (GET /api/v1/repos/{owner}/{name}/pulls/{number}/journey).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

/* "acme/app#12" → owner, name, number; false when it is not that shape. */
static bool parse_pull(const char *ref, char *owner, char *name, size_t size, char *number,
		       size_t nsize)
{
	const char *hash = strrchr(ref, '#');
	if (!hash || !hash[1] || strspn(hash + 1, "0123456789") != strlen(hash + 1) ||
	    strlen(hash + 1) >= nsize || strlen(hash + 1) > 10)
		return false;
	char repo[256];
	if ((size_t)(hash - ref) >= sizeof repo)
		return false;
	snprintf(repo, sizeof repo, "%.*s", (int)(hash - ref), ref);
	snprintf(number, nsize, "%s", hash + 1);
	return cli_repo_split(repo, owner, name, size);
}

/* A step's detail as one short line: a string as is, an object as
 * "key=value" pairs (nested values as compact JSON), "-" when empty. */
static void detail_text(const json_t *detail, char *buf, size_t size)
{
	snprintf(buf, size, "-");
	if (json_is_string(detail)) {
		snprintf(buf, size, "%s", json_string_value(detail));
	} else if (json_is_object(detail) && json_object_size(detail)) {
		size_t used = 0;
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)detail, key, v) {
			char *text = json_is_string(v)
					     ? NULL
					     : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			int n = snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "", key,
					 text ? text : json_string_value(v));
			free(text);
			if (n < 0 || (size_t)n >= size - used)
				break;
			used += (size_t)n;
		}
	} else if (detail && !json_is_null(detail) && !json_is_object(detail)) {
		char *s = json_dumps(detail, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(buf, size, "%s", s ? s : "-");
		free(s);
	}
	if (strlen(buf) > 80)
		snprintf(buf + 77, size - 77, "...");
}

static void print_journey(const struct cli *c, const json_t *j, const char *ref)
{
	const json_t *pr = cli_jget(j, "pull_request");
	const char *pr_title = cli_jstr(pr, "title");
	const char *state = cli_jstr(pr, "state");
	printf("%s  %s", ref, pr_title ? pr_title : "");
	if (state)
		printf(" (%s%s)", state, json_is_true(cli_jget(pr, "merged")) ? ", merged" : "");
	fputc('\n', stdout);

	const char *current = cli_jstr(j, "current_step");
	const char *current_title = NULL;
	static const char *const headers[] = {"STEP", "STATUS", "AT", "AFTER", "DETAIL", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *step;
	json_array_foreach(cli_jget(j, "steps"), i, step) {
		const char *name = cli_jstr(step, "step");
		const char *title = cli_jstr(step, "title");
		const char *status = cli_jstr(step, "status");
		char at[32], after[32], detail[128];
		const json_t *since = cli_jget(step, "since_previous_seconds");
		detail_text(cli_jget(step, "detail"), detail, sizeof detail);
		cli_table_row(t);
		if (!title)
			title = name;
		if (name && current && strcmp(name, current) == 0) {
			current_title = title;
			cli_table_cellf(t, "%s (now)", title);
		} else {
			cli_table_cell(t, title);
		}
		cli_table_cell_color(t, status, cli_state_color(status));
		cli_table_cell(t, cli_time_format(cli_jstr(step, "at"), at, sizeof at));
		cli_table_cell(t,
			       json_is_integer(since)
				       ? cli_duration_format((long long)json_integer_value(since),
							     after, sizeof after)
			       : json_is_real(since)
				       ? cli_duration_format((long long)json_real_value(since),
							     after, sizeof after)
				       : "-");
		cli_table_cell(t, detail);
	}
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
	if (current)
		printf("Now: %s\n", current_title ? current_title : current);
}

static int journey(struct cli *c, const struct cli_args *a)
{
	char owner[128], name[128], number[16];
	if (!parse_pull(a->pos[0], owner, name, sizeof owner, number, sizeof number))
		return cli_usage_error(a, "expected OWNER/NAME#NUMBER, got '%s'", a->pos[0]);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/repos");
	cli_url_segment(&u, owner);
	cli_url_segment(&u, name);
	cli_url_segment(&u, "pulls");
	cli_url_segment(&u, number);
	cli_url_segment(&u, "journey");
	json_t *j;
	int rc = cli_call(c, "GET", &u, NULL, &j, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, j);
	else
		print_journey(c, j, a->pos[0]);
	json_decref(j);
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_journey = {
	.name = "journey",
	.summary = "The journey of a pull request, from opened to released",
	.positional = "OWNER/NAME#NUMBER",
	.min_pos = 1,
	.max_pos = 1,
	.run = journey,
	.details = "Example:\n  shiplog journey acme/app#1234\n",
};
