/*
 * rc_gates.c — the readiness gates as pure functions of loaded facts
 * (see rc.h).  Reasons are written for people: what is missing, by whom,
 * since when.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/rc.h"
#include "shiplog/clock.h"

const char *rc_gate_status_name(enum rc_gate_status s)
{
	switch (s) {
	case RC_GATE_PASSED:
		return "passed";
	case RC_GATE_FAILED:
		return "failed";
	default:
		return "pending";
	}
}

void rc_gate_clear(struct rc_gate *g)
{
	json_decref(g->evidence);
	memset(g, 0, sizeof *g);
}

__attribute__((format(printf, 3, 4))) static void
gate_set(struct rc_gate *g, enum rc_gate_status st, const char *fmt, ...)
{
	g->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->reason, sizeof g->reason, fmt, ap);
	va_end(ap);
}

void rc_format_duration(int64_t seconds, char *buf, size_t size)
{
	if (seconds < 0)
		seconds = 0;
	int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
		s = seconds % 60;
	if (d)
		snprintf(buf, size, "%lld d %lld h", (long long)d, (long long)h);
	else if (h)
		snprintf(buf, size, m ? "%lld h %lld min" : "%lld h", (long long)h, (long long)m);
	else if (m)
		snprintf(buf, size, "%lld min", (long long)m);
	else
		snprintf(buf, size, "%lld s", (long long)s);
}

bool rc_conclusion_passes(const char *c)
{
	return c && (!strcmp(c, "success") || !strcmp(c, "skipped") || !strcmp(c, "neutral"));
}

static bool completed(const struct rc_job_fact *j)
{
	return j->status && !strcmp(j->status, "completed");
}

static json_t *job_json(const struct rc_job_fact *j)
{
	json_t *o = json_pack("{s:I, s:s?, s:i, s:s?, s:s?, s:b}", "run_id", (json_int_t)j->run_id,
			      "workflow", j->workflow, "attempt", j->attempt, "status", j->status,
			      "conclusion", j->conclusion, "required", j->required);
	if (j->name) {
		json_object_set_new(o, "job_id", json_integer(j->job_id));
		json_object_set_new(o, "job", json_string(j->name));
	}
	if (j->completed_at)
		json_object_set_new(o, "completed_at", json_string(j->completed_at));
	return o;
}

static const char *label_of(const struct rc_job_fact *j)
{
	return j->name ? j->name : j->workflow ? j->workflow : "a run";
}

/* Shared by the CI and smoke gates over the selected entries. */
static void gate_jobs(const struct rc_job_fact *jobs, size_t n, const char *sha, bool e2e_only,
		      bool skip_e2e, struct rc_gate *out)
{
	char short_sha[8];
	snprintf(short_sha, sizeof short_sha, "%.7s", sha ? sha : "");
	const char *what = e2e_only ? "smoke test" : "required job";
	json_t *failed = json_array(), *running = json_array(), *passed = json_array(),
	       *optional_failed = json_array();
	size_t considered = 0;
	const struct rc_job_fact *first_failed = NULL, *first_running = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct rc_job_fact *j = &jobs[i];
		if (e2e_only && (!j->name || !j->e2e))
			continue;
		if (skip_e2e && j->name && j->e2e)
			continue;
		considered++;
		bool done = completed(j);
		if (!j->required) {
			if (done && !rc_conclusion_passes(j->conclusion))
				json_array_append_new(optional_failed, job_json(j));
			continue;
		}
		if (!done) {
			if (!first_running)
				first_running = j;
			json_array_append_new(running, job_json(j));
		} else if (!rc_conclusion_passes(j->conclusion)) {
			if (!first_failed)
				first_failed = j;
			json_array_append_new(failed, job_json(j));
		} else {
			json_array_append_new(passed, job_json(j));
		}
	}
	out->evidence =
		json_pack("{s:s, s:o, s:o, s:o, s:o}", "commit", sha ? sha : "", "failed", failed,
			  "running", running, "passed", passed, "optional_failed", optional_failed);
	size_t nf = json_array_size(failed), nr = json_array_size(running),
	       np = json_array_size(passed), no = json_array_size(optional_failed);
	if (considered == 0) {
		if (e2e_only)
			gate_set(out, RC_GATE_PENDING,
				 "no smoke tests (e2e stage) have run on %s yet", short_sha);
		else
			gate_set(out, RC_GATE_PENDING, "no CI run has reported on %s yet",
				 short_sha);
		return;
	}
	if (nf) {
		gate_set(out, RC_GATE_FAILED, "%s %s%s%s failed (%s) on %s", what,
			 label_of(first_failed),
			 first_failed->name && first_failed->workflow ? " in " : "",
			 first_failed->name && first_failed->workflow ? first_failed->workflow : "",
			 first_failed->conclusion ? first_failed->conclusion : "failed", short_sha);
		if (nf > 1) {
			char more[64];
			snprintf(more, sizeof more, "; %zu failed in all", nf);
			strncat(out->reason, more, sizeof out->reason - strlen(out->reason) - 1);
		}
		return;
	}
	if (nr) {
		gate_set(out, RC_GATE_PENDING, "%zu %s%s still running on %s (%s%s)", nr, what,
			 nr == 1 ? " is" : "s are", short_sha, label_of(first_running),
			 nr > 1 ? ", ..." : "");
		return;
	}
	if (np == 0) {
		/* only optional entries */
		gate_set(out, RC_GATE_PENDING, "only optional %s have run on %s",
			 e2e_only ? "smoke tests" : "jobs", short_sha);
		return;
	}
	if (no)
		gate_set(
			out, RC_GATE_PASSED,
			"all %zu %ss passed on %s (%zu optional job%s failed; optional jobs do not "
			"count)",
			np, what, short_sha, no, no == 1 ? "" : "s");
	else
		gate_set(out, RC_GATE_PASSED, "all %zu %ss passed on %s", np, what, short_sha);
}

void rc_gate_ci(const struct rc_job_fact *jobs, size_t n, const char *sha, bool include_e2e,
		struct rc_gate *out)
{
	memset(out, 0, sizeof *out);
	gate_jobs(jobs, n, sha, false, !include_e2e, out);
}

void rc_gate_smoke(const struct rc_job_fact *jobs, size_t n, const char *sha, struct rc_gate *out)
{
	memset(out, 0, sizeof *out);
	gate_jobs(jobs, n, sha, true, false, out);
}

void rc_gate_artifacts(char *const *required, size_t n_required,
		       const struct rc_artifact_fact *have, size_t n_have, bool ci_settled,
		       struct rc_gate *out)
{
	memset(out, 0, sizeof *out);
	json_t *present = json_array(), *missing = json_array(), *undigested = json_array();
	char list[400] = "";
	for (size_t i = 0; i < n_required; i++) {
		const char *colon = strchr(required[i], ':');
		if (!colon)
			continue;
		size_t kl = (size_t)(colon - required[i]);
		const struct rc_artifact_fact *found = NULL, *without = NULL;
		for (size_t j = 0; j < n_have; j++) {
			const struct rc_artifact_fact *a = &have[j];
			if (!a->kind || !a->name || strlen(a->kind) != kl ||
			    strncmp(a->kind, required[i], kl) || strcmp(a->name, colon + 1))
				continue;
			if (a->digest && *a->digest)
				found = a;
			else
				without = a;
		}
		if (found) {
			json_array_append_new(
				present, json_pack("{s:s, s:I, s:s?, s:s}", "required", required[i],
						   "id", (json_int_t)found->id, "version",
						   found->version, "digest", found->digest));
			continue;
		}
		if (without)
			json_array_append_new(undigested,
					      json_pack("{s:s, s:I}", "required", required[i], "id",
							(json_int_t)without->id));
		else
			json_array_append_new(missing, json_string(required[i]));
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s%s", len ? ", " : "", required[i],
			 without ? " (no digest)" : "");
	}
	out->evidence = json_pack("{s:o, s:o, s:o}", "present", present, "missing", missing,
				  "without_digest", undigested);
	size_t np = json_array_size(present);
	if (n_required == 0) {
		gate_set(out, RC_GATE_PASSED, "no required artifacts are configured");
		return;
	}
	if (np == n_required) {
		gate_set(out, RC_GATE_PASSED,
			 "all %zu required artifacts are published with a digest", n_required);
		return;
	}
	if (ci_settled)
		gate_set(out, RC_GATE_FAILED, "not published: %s", list);
	else
		gate_set(out, RC_GATE_PENDING, "not published yet (CI is still running): %s", list);
}

void rc_gate_staging(const struct rc_staging_fact *f, struct rc_gate *out)
{
	memset(out, 0, sizeof *out);
	const char *env = f->environment ? f->environment : "staging";
	char rev[80];
	if (f->deployed_commit)
		snprintf(rev, sizeof rev, "%.7s", f->deployed_commit);
	else
		snprintf(rev, sizeof rev, "%.60s", f->revision ? f->revision : "?");
	out->evidence =
		json_pack("{s:s, s:i}", "environment", env, "soak_seconds", (int)f->soak_seconds);
	if (!f->has_deployment) {
		gate_set(out, RC_GATE_PENDING, "%s has no deployment yet", env);
		return;
	}
	json_object_set_new(out->evidence, "deployment_id", json_integer(f->deployment_id));
	json_object_set_new(out->evidence, "revision",
			    f->revision ? json_string(f->revision) : json_null());
	json_object_set_new(out->evidence, "commit",
			    f->deployed_commit ? json_string(f->deployed_commit) : json_null());
	json_object_set_new(out->evidence, "status",
			    f->status ? json_string(f->status) : json_null());
	static const char *const relations[] = {"same", "descendant", "ancestor", "unknown"};
	json_object_set_new(out->evidence, "relation", json_string(relations[f->relation]));
	switch (f->relation) {
	case RC_REV_SAME:
		break;
	case RC_REV_DESCENDANT:
		json_object_set_new(out->evidence, "commits_after", json_integer(f->commits_after));
		if (!f->descendant_counts) {
			gate_set(out, RC_GATE_FAILED,
				 "%s runs %s, %ld commit%s after the RC's; only the RC's own "
				 "revision counts (gates.staging.descendant: false)",
				 env, rev, f->commits_after, f->commits_after == 1 ? "" : "s");
			return;
		}
		break;
	case RC_REV_ANCESTOR:
		gate_set(out, RC_GATE_PENDING,
			 "%s still runs %s, an earlier revision: the RC is not deployed there yet",
			 env, rev);
		return;
	default:
		gate_set(out, RC_GATE_PENDING,
			 "%s runs %s, which is not the RC's revision (nor known to contain it)",
			 env, rev);
		return;
	}
	const char *st = f->status ? f->status : "";
	if (!strcmp(st, "failure") || !strcmp(st, "error")) {
		gate_set(out, RC_GATE_FAILED, "the deployment of %s to %s failed%s%s", rev, env,
			 f->reason ? ": " : "", f->reason ? f->reason : "");
		return;
	}
	if (strcmp(st, "success") != 0 || f->healthy_since_us <= 0) {
		gate_set(out, RC_GATE_PENDING, "%s is deploying %s (%s)", env, rev,
			 *st ? st : "no status yet");
		return;
	}
	char since[40], soak[32], healthy[32], at[40];
	clock_format_rfc3339(f->healthy_since_us, since, sizeof since);
	int64_t healthy_s = (f->now_us - f->healthy_since_us) / 1000000;
	if (healthy_s < 0)
		healthy_s = 0;
	rc_format_duration(healthy_s, healthy, sizeof healthy);
	rc_format_duration(f->soak_seconds, soak, sizeof soak);
	int64_t soaked_us = f->healthy_since_us + (int64_t)f->soak_seconds * 1000000;
	clock_format_rfc3339(soaked_us, at, sizeof at);
	json_object_set_new(out->evidence, "healthy_since", json_string(since));
	json_object_set_new(out->evidence, "healthy_seconds", json_integer(healthy_s));
	json_object_set_new(out->evidence, "soaked_at", json_string(at));
	const char *which = f->relation == RC_REV_SAME ? "the RC's revision" : "a later revision";
	if (healthy_s >= (int64_t)f->soak_seconds)
		gate_set(out, RC_GATE_PASSED, "%s runs %s (%s), healthy since %s: %s, soak %s", env,
			 which, rev, since, healthy, soak);
	else
		gate_set(out, RC_GATE_PENDING,
			 "%s runs %s (%s), healthy for %s of the %s soak (soaked at %s)", env,
			 which, rev, healthy, soak, at);
}

void rc_gate_feedback(const struct rc_team_count *teams, size_t n_teams,
		      const struct rc_block_fact *blocks, size_t n_blocks, struct rc_gate *out)
{
	memset(out, 0, sizeof *out);
	json_t *approvals = json_array(), *bl = json_array();
	char missing[400] = "", have[400] = "";
	for (size_t i = 0; i < n_teams; i++) {
		const struct rc_team_count *t = &teams[i];
		json_array_append_new(approvals,
				      json_pack("{s:s, s:i, s:i}", "team", t->team, "required",
						t->min, "approvals", t->have));
		char *buf = t->have < t->min ? missing : have;
		size_t len = strlen(buf);
		snprintf(buf + len, 400 - len, "%s%s %d of %d", len ? ", " : "", t->team, t->have,
			 t->min);
	}
	for (size_t i = 0; i < n_blocks; i++) {
		const struct rc_block_fact *b = &blocks[i];
		json_array_append_new(bl,
				      json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:b}", "feedback_id",
						(json_int_t)b->feedback_id, "author", b->author,
						"team", b->team, "rc", b->rc_version, "area",
						b->area, "carried_over", b->carried_over));
	}
	out->evidence = json_pack("{s:o, s:o}", "approvals", approvals, "unresolved_blocks", bl);
	if (n_blocks) {
		const struct rc_block_fact *b = &blocks[0];
		gate_set(out, RC_GATE_FAILED, "unresolved block by %s%s%s%s on %s%s%s%s",
			 b->author ? b->author : "someone", b->team ? " (" : "",
			 b->team ? b->team : "", b->team ? ")" : "",
			 b->rc_version ? b->rc_version : "?",
			 b->carried_over ? " (carried over until confirmed fixed)" : "",
			 b->area ? ", area " : "", b->area ? b->area : "");
		if (n_blocks > 1) {
			char more[64];
			snprintf(more, sizeof more, "; %zu unresolved blocks in all", n_blocks);
			strncat(out->reason, more, sizeof out->reason - strlen(out->reason) - 1);
		}
		return;
	}
	if (missing[0]) {
		gate_set(out, RC_GATE_PENDING, "approvals needed: %s", missing);
		return;
	}
	if (n_teams)
		gate_set(out, RC_GATE_PASSED, "approved: %s; no unresolved block", have);
	else
		gate_set(out, RC_GATE_PASSED,
			 "no approvals are required and no block is unresolved");
}

const char *rc_verdict(const struct rc_gate *gates, size_t n)
{
	bool pending = false;
	for (size_t i = 0; i < n; i++) {
		if (gates[i].status == RC_GATE_FAILED)
			return "failed";
		if (gates[i].status == RC_GATE_PENDING)
			pending = true;
	}
	return pending ? "pending" : "ready";
}
