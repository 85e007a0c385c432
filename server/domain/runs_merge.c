/*
 * runs_merge.c — the pure inputs of the runs merge (see domain/runs_merge.h;
 * the statements that apply it are in db/runs.c, the rule is written out in
 * db/runs.h).
 */
#include "domain/runs_merge.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/policy.h"
#include "domain/tiebreak.h"
#include "shiplog/clock.h"

const char *runs_status_normalise(const char *status)
{
	if (!status)
		return NULL;
	if (!strcmp(status, "queued") || !strcmp(status, "requested") || !strcmp(status, "pending"))
		return "queued";
	if (!strcmp(status, "in_progress"))
		return "in_progress";
	if (!strcmp(status, "waiting"))
		return "waiting";
	if (!strcmp(status, "completed"))
		return "completed";
	return NULL;
}

int runs_status_rank(const char *status)
{
	if (!status)
		return 0;
	if (!strcmp(status, "queued"))
		return 1;
	if (!strcmp(status, "in_progress") || !strcmp(status, "waiting"))
		return 2;
	if (!strcmp(status, "completed"))
		return 3;
	return 0;
}

static bool looks_like_version_tag(const char *b)
{
	/* v1.2.3, v1.2.3-rc.1, 1.2.3: digits '.' digits '.' digits then anything */
	const char *p = b[0] == 'v' ? b + 1 : b;
	for (int part = 0; part < 3; part++) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (part < 2) {
			if (*p != '.')
				return false;
			p++;
		}
	}
	return *p == '\0' || *p == '-' || *p == '+';
}

const char *runs_classify_kind(const struct config *cfg, const char *repo, const char *path,
			       const char *name, const char *head_branch, const char *event,
			       const char *default_branch)
{
	int k = config_classify_workflow(cfg, repo, path, name);
	if (k >= 0)
		return config_kind_name((enum run_kind)k);
	if (event && !strcmp(event, "release"))
		return "release";
	if (!head_branch || !*head_branch)
		return "other";
	struct config_releases pol = {.rc_pattern = NULL};
	if (cfg)
		policy_of(cfg, repo, &pol); /* the repository's RC pattern */
	if (!strncmp(head_branch, "refs/tags/", 10) || looks_like_version_tag(head_branch) ||
	    (pol.rc_pattern && !fnmatch(pol.rc_pattern, head_branch, 0)))
		return "release";
	const char *b = !strncmp(head_branch, "refs/heads/", 11) ? head_branch + 11 : head_branch;
	if (default_branch && !strcmp(b, default_branch))
		return "main";
	return "pr";
}

static json_t *time_or_null(const json_t *v)
{
	int64_t us;
	if (!json_is_string(v) || !clock_parse_rfc3339(json_string_value(v), &us))
		return json_null();
	char buf[40];
	clock_format_rfc3339(us, buf, sizeof buf);
	return json_string(buf);
}

static json_t *string_or_null(const json_t *v)
{
	return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

json_t *runs_steps_normalise(const json_t *steps)
{
	json_t *out = json_array();
	size_t i;
	const json_t *s;
	if (!json_is_array(steps))
		return out;
	json_array_foreach(steps, i, s)
	{
		if (!json_is_object(s))
			continue;
		const json_t *num = json_object_get(s, "number");
		const char *status = runs_status_normalise(json_string_value(json_object_get(s, "status")));
		json_t *o = json_object();
		json_object_set_new(o, "number", json_is_integer(num) ? json_integer(json_integer_value(num))
									: json_null());
		json_object_set_new(o, "name", string_or_null(json_object_get(s, "name")));
		json_object_set_new(o, "status", status ? json_string(status) : json_null());
		json_object_set_new(o, "conclusion",
				    status && !strcmp(status, "completed")
					    ? string_or_null(json_object_get(s, "conclusion"))
					    : json_null());
		json_object_set_new(o, "started_at", time_or_null(json_object_get(s, "started_at")));
		json_object_set_new(o, "completed_at", time_or_null(json_object_get(s, "completed_at")));
		json_array_append_new(out, o);
	}
	return out;
}

void runs_run_key(const struct run_fact *f, struct run_merge_key *k)
{
	memset(k, 0, sizeof *k);
	k->attempt = f->attempt < 1 ? 1 : f->attempt;
	if (f->run_level) {
		k->rank = runs_status_rank(f->status);
		k->info_rank = (long long)k->attempt * 10 + k->rank;
		const char *parts[3] = {f->status, f->conclusion, f->completed_at};
		tiebreak_of(parts, 3, k->tiebreak);
		k->status = f->status;
		k->conclusion = f->conclusion;
		k->event_time = f->event_time;
		k->queued_at = f->queued_at;
		k->started_at = f->started_at;
		k->completed_at = f->completed_at;
		k->html_url = f->html_url;
	}
	k->kind = runs_merged_kind(f, f->kind_given, f->workflow_path, f->workflow_name,
				   f->head_branch, f->event);
}

const char *runs_merged_kind(const struct run_fact *f, const char *kind_given, const char *path,
			     const char *name, const char *head_branch, const char *event)
{
	return kind_given ? kind_given
			  : runs_classify_kind(f->cfg, f->repo_name, path, name, head_branch,
					       event, f->default_branch);
}

void runs_job_key(const struct job_fact *j, struct job_merge_key *k)
{
	k->rank = runs_status_rank(j->status);
	const char *parts[6] = {j->status,	   j->conclusion,  j->started_at,
				j->completed_at, j->runner_name, j->name};
	tiebreak_of(parts, 6, k->tiebreak);
	k->stage = j->stage ? j->stage : "other";
}
