/*
 * rc_read.c — the answers about release candidates assembled from loaded
 * facts: one RC, what to re-check on it, what it runs on, its readiness
 * (the gate sequence) and the journey's last steps (see rc_answers.h).
 * Pure: db/release_candidates_read.c loads the facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/rc_answers.h"
#include "shiplog/clock.h"
#include "shiplog/xalloc.h"

json_t *rc_answer_rc(json_t *o, json_t *artifacts, json_t *history, const char *state,
		     json_t *to_recheck)
{
	if (!json_is_object(o)) {
		json_decref(o);
		json_decref(artifacts);
		json_decref(history);
		json_decref(to_recheck);
		return NULL;
	}
	json_object_set_new(o, "artifacts", artifacts);
	json_object_set_new(o, "artifacts_from",
			    json_string(json_array_size(json_object_get(o, "artifact_digests"))
						? "digests"
						: "commit"));
	json_object_set_new(o, "history", history);
	int st = rc_state_parse(state);
	json_t *allowed = json_array();
	enum rc_state next[4];
	size_t k = st >= 0 ? rc_state_allowed((enum rc_state)st, next, 4) : 0;
	for (size_t i = 0; i < k; i++)
		json_array_append_new(allowed, json_string(rc_state_name(next[i])));
	json_object_set_new(o, "allowed_transitions", allowed);
	json_object_set_new(o, "feedback_open",
			    json_boolean(st >= 0 && !rc_state_closed((enum rc_state)st)));
	json_object_set_new(o, "to_recheck", to_recheck);
	return o;
}

json_t *rc_answer_recheck(const char *version, const json_t *carried)
{
	json_t *out = json_array();
	size_t i;
	const json_t *row;
	json_array_foreach(carried, i, row) {
		const char *v = json_string_value(json_object_get(row, "version"));
		if (!v || rc_version_compare(v, version) >= 0)
			continue; /* only what earlier RCs carried */
		json_t *f = json_object_get(row, "feedback");
		if (json_is_object(f))
			json_object_set_new(f, "to_recheck", json_true());
		json_array_append(out, f ? f : json_null());
	}
	return out;
}

json_t *rc_answer_running(const char *version, const char *commit, json_t *artifacts,
			  const struct rc_staging_row *st)
{
	json_t *staging = json_null();
	if (st->found) {
		staging = json_pack("{s:s}", "environment", st->environment);
		if (st->has_deployment) {
			json_object_set_new(staging, "deployment_id",
					    json_integer(st->deployment_id));
			json_object_set_new(staging, "revision", json_string(st->revision));
			json_object_set_new(staging, "commit",
					    st->commit[0] ? json_string(st->commit) : json_null());
			json_object_set_new(staging, "status", json_string(st->status));
		}
	}
	return json_pack("{s:s, s:s?, s:o, s:o}", "rc", version, "commit",
			 commit && commit[0] ? commit : NULL, "artifacts", artifacts, "staging",
			 staging);
}

/* ---- readiness: the gates in the order the answer lists them ---- */

/* What a gate is evaluated on. */
struct gate_input {
	const struct config *cfg;
	const struct rc_readiness_facts *f;
	int64_t now_us;
};

/* Evaluates a gate into *g.  Clearing *applies leaves the gate out of the
 * answer (it starts true). */
typedef void gate_eval(const struct gate_input *in, struct rc_gate *g, bool *applies);

static void commit_unknown(struct rc_gate *g)
{
	g->status = RC_GATE_PENDING;
	snprintf(g->reason, sizeof g->reason, "the RC's commit is not known yet");
}

static void ci_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	const struct rc_readiness_facts *f = in->f;
	if (!f->commit[0])
		commit_unknown(g);
	else
		rc_gate_ci(f->jobs, f->n_jobs, f->commit, !in->cfg->gates.smoke_tests, g);
}

static void smoke_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	const struct rc_readiness_facts *f = in->f;
	if (!f->commit[0])
		commit_unknown(g);
	else
		rc_gate_smoke(f->jobs, f->n_jobs, f->commit, g);
}

static void artifacts_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	const struct config *cfg = in->cfg;
	const struct rc_readiness_facts *f = in->f;
	rc_gate_artifacts(cfg->required_artifacts, cfg->n_required_artifacts, f->artifacts,
			  f->n_artifacts, f->jobs_settled, g);
}

static void staging_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	const struct config *cfg = in->cfg;
	const struct rc_readiness_facts *r = in->f;
	const struct rc_staging_row *st = &r->staging;
	*applies = st->found || cfg->gates.staging_environment;
	if (!*applies)
		return;
	memset(g, 0, sizeof *g);
	if (!st->found) {
		g->status = RC_GATE_FAILED;
		snprintf(g->reason, sizeof g->reason,
			 "there is no environment named %s (gates.staging.environment)",
			 cfg->gates.staging_environment);
		g->evidence = json_pack("{s:s}", "environment", cfg->gates.staging_environment);
		return;
	}
	struct rc_staging_fact f = {0};
	f.environment = st->environment;
	f.has_deployment = st->has_deployment;
	f.deployment_id = st->deployment_id;
	f.revision = st->revision;
	f.deployed_commit = st->commit[0] ? st->commit : NULL;
	f.status = st->status;
	f.reason = st->reason[0] ? st->reason : NULL;
	f.healthy_since_us = st->healthy_since_us;
	f.now_us = in->now_us;
	f.soak_seconds = cfg->gates.soak_seconds;
	f.descendant_counts = cfg->gates.staging_descendant;
	if ((r->commit[0] && f.deployed_commit && !strcmp(r->commit, f.deployed_commit)) ||
	    (r->has_digests && st->digest_overlap))
		f.relation = RC_REV_SAME;
	else if (st->rc_seq_known && st->deployed_seq_known)
		f.relation = st->deployed_seq > st->rc_seq ? RC_REV_DESCENDANT : RC_REV_ANCESTOR;
	else
		f.relation = RC_REV_UNKNOWN;
	f.commits_after = (long)st->commits_between;
	rc_gate_staging(&f, g);
}

static void feedback_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	const struct config *cfg = in->cfg;
	const struct rc_readiness_facts *r = in->f;
	size_t nt = cfg->gates.n_approvals;
	struct rc_team_count *teams = xcalloc(nt + 1, sizeof *teams);
	for (size_t i = 0; i < nt; i++) {
		teams[i].team = cfg->gates.approvals[i].team;
		teams[i].min = cfg->gates.approvals[i].min;
		for (size_t k = 0; k < r->n_approvals; k++)
			if (!strcasecmp(r->approvals[k].team, teams[i].team))
				teams[i].have = r->approvals[k].approvers;
	}
	struct rc_block_fact *blocks = xcalloc(r->n_blocks + 1, sizeof *blocks);
	size_t nb = 0;
	for (size_t i = 0; i < r->n_blocks; i++) {
		const struct rc_block_fact *b = &r->blocks[i];
		/* a later RC's blocks are not this one's */
		if (b->carried_over && rc_version_compare(b->rc_version, r->version) >= 0)
			continue;
		blocks[nb++] = *b;
	}
	rc_gate_feedback(teams, nt, blocks, nb, g);
	free(blocks);
	free(teams);
}

static bool ci_on(const struct config *cfg)
{
	return cfg->gates.ci;
}

static bool smoke_on(const struct config *cfg)
{
	return cfg->gates.smoke_tests;
}

static bool artifacts_on(const struct config *cfg)
{
	return cfg->gates.artifacts && cfg->n_required_artifacts;
}

static bool staging_on(const struct config *cfg)
{
	return cfg->gates.staging;
}

/* The gate sequence, in the order of the answer's `gates`.  A gate the
 * configuration turns off (`on` false) is not evaluated (`on` NULL: always
 * on); one that clears *applies (staging without a staging environment) is
 * left out.  The rules are rc_gates.c. */
static const struct gate_step {
	const char *key;
	const char *title;
	bool (*on)(const struct config *cfg);
	gate_eval *eval;
} gate_steps[] = {
	{"ci", "CI green on the RC's commit", ci_on, ci_gate},
	{"smoke_tests", "Smoke tests passed", smoke_on, smoke_gate},
	{"artifacts", "Required artifacts published", artifacts_on, artifacts_gate},
	{"staging", "Staged and soaked", staging_on, staging_gate},
	{"feedback", "Feedback", NULL, feedback_gate},
};

#define N_GATES (sizeof gate_steps / sizeof gate_steps[0])

bool rc_readiness_gate_on(const struct config *cfg, const char *key)
{
	for (size_t i = 0; i < N_GATES; i++)
		if (!strcmp(gate_steps[i].key, key))
			return !gate_steps[i].on || gate_steps[i].on(cfg);
	return false;
}

static void add_gate(json_t *gates, const char *key, const char *title, const struct rc_gate *g)
{
	/* the gate keeps its evidence: the reply takes a reference of its own */
	json_t *evidence = g->evidence ? json_incref(g->evidence) : json_object();
	json_array_append_new(gates, json_pack("{s:s, s:s, s:s, s:s, s:o}", "gate", key, "title",
					       title, "status", rc_gate_status_name(g->status),
					       "reason", g->reason, "evidence", evidence));
}

json_t *rc_answer_readiness(const struct config *cfg, const struct rc_readiness_facts *f,
			    json_t *summary, int64_t now_us)
{
	struct rc_gate gates[N_GATES];
	const struct gate_step *listed[N_GATES];
	size_t ng = 0;
	memset(gates, 0, sizeof gates);
	const struct gate_input in = {cfg, f, now_us};
	for (size_t i = 0; i < N_GATES; i++) {
		const struct gate_step *s = &gate_steps[i];
		bool applies = true;
		if (s->on && !s->on(cfg))
			continue;
		s->eval(&in, &gates[ng], &applies);
		if (applies)
			listed[ng++] = s;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < ng; i++)
		add_gate(list, listed[i]->key, listed[i]->title, &gates[i]);
	const char *verdict = rc_verdict(gates, ng);
	char now[40];
	clock_format_rfc3339(now_us, now, sizeof now);
	json_t *out = json_pack("{s:o, s:s, s:b, s:s, s:o}", "release_candidate", summary,
				"verdict", verdict, "ready", !strcmp(verdict, "ready"),
				"evaluated_at", now, "gates", list);
	for (size_t i = 0; i < N_GATES; i++)
		rc_gate_clear(&gates[i]);
	return out;
}

json_t *rc_readiness_unready(const json_t *readiness)
{
	json_t *out = json_array();
	size_t i;
	const json_t *g;
	json_array_foreach(json_object_get(readiness, "gates"), i, g) {
		const char *status = json_string_value(json_object_get(g, "status"));
		if (status && !strcmp(status, "passed"))
			continue;
		json_array_append_new(out,
				      json_pack("{s:s?, s:s?, s:s?}", "name",
						json_string_value(json_object_get(g, "gate")),
						"status", status, "reason",
						json_string_value(json_object_get(g, "reason"))));
	}
	return out;
}

/* ---- the journey ---- */

static void journey_step(json_t *steps, const char *step, const char *title, const char *at,
			 json_t *detail)
{
	json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:o, s:o}", "step", step, "title",
					       title, "status", at ? "done" : "pending", "at",
					       at ? json_string(at) : json_null(), "detail",
					       detail ? detail : json_object()));
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The candidates of the release that shipped the commit (see
 * rc_journey_steps, db/release_candidates.h):
 * marks in `in_line` (one flag per RC of `rcs`, oldest first) the RCs of
 * the shipping release's target that contain it, up to the RC it was
 * released from; without a release, those of the first RC's target.
 */
static void shipping_line(const json_t *rcs, const json_t *release, bool *in_line)
{
	size_t n = json_array_size(rcs), shipped = n, i;
	const char *target = NULL;
	if (release) {
		json_int_t rc_id = json_integer_value(json_object_get(release, "rc_id"));
		for (i = 0; i < n && shipped == n; i++) {
			const json_t *rc = json_array_get(rcs, i);
			if (rc_id && json_integer_value(json_object_get(rc, "id")) == rc_id)
				shipped = i;
		}
		/* a release's version is the target of its candidates */
		target = shipped < n ? jstr(json_array_get(rcs, shipped), "target")
				     : jstr(release, "version");
	} else if (n) {
		target = jstr(json_array_get(rcs, 0), "target");
	}
	const char *released_at = release ? jstr(release, "released_at") : NULL;
	for (i = 0; i < n; i++) {
		const json_t *rc = json_array_get(rcs, i);
		const char *t = jstr(rc, "target"), *cut = jstr(rc, "cut_at");
		in_line[i] = target && t && !strcmp(t, target);
		/* candidates cut after the one that shipped it were not on its road
		 * (RFC 3339 UTC times of one format compare as strings) */
		if (shipped < n)
			in_line[i] = in_line[i] && i <= shipped;
		else if (released_at)
			in_line[i] = in_line[i] && cut && strcmp(cut, released_at) <= 0;
	}
}

void rc_answer_journey(const json_t *rcs, const json_t *releases, json_t *steps, json_t *also_in)
{
	const json_t *rel = json_array_get(releases, 0);
	size_t nrc = json_array_size(rcs);
	bool *in_line = xcalloc(nrc + 1, sizeof *in_line);
	shipping_line(rcs, rel, in_line);
	json_t *line = json_array(), *also_rcs = json_array(), *also_releases = json_array();
	size_t i;
	json_t *rc;
	json_array_foreach(rcs, i, rc)
		json_array_append(in_line[i] ? line : also_rcs, rc);
	free(in_line);
	json_t *later;
	json_array_foreach(releases, i, later)
		if (i > 0)
			json_array_append(also_releases, later);
	json_object_set_new(also_in, "release_candidates", also_rcs);
	json_object_set_new(also_in, "releases", also_releases);

	/* in RC: the first candidate of that release */
	const json_t *first = json_array_get(line, 0);
	char title[300];
	if (first)
		snprintf(title, sizeof title, "In RC %s", jstr(first, "version"));
	journey_step(steps, "in_rc", first ? title : "In a release candidate",
		     first ? jstr(first, "cut_at") : NULL,
		     json_pack("{s:O}", "release_candidates", line));
	/* feedback: what people said about those candidates, from the first word */
	const char *fb_at = NULL;
	json_int_t counts[3] = {0, 0, 0};
	json_array_foreach(line, i, rc) {
		const json_t *f = json_object_get(rc, "feedback");
		const char *at = jstr(f, "first_at");
		if (at && (!fb_at || strcmp(at, fb_at) < 0))
			fb_at = at;
		counts[0] += json_integer_value(json_object_get(f, "approve"));
		counts[1] += json_integer_value(json_object_get(f, "concern"));
		counts[2] += json_integer_value(json_object_get(f, "block"));
	}
	journey_step(steps, "feedback", "Feedback", fb_at,
		     json_pack("{s:I, s:I, s:I}", "approve", counts[0], "concern", counts[1],
			       "block", counts[2]));
	/* released: the first release containing it */
	if (rel)
		snprintf(title, sizeof title, "Released in %s", jstr(rel, "version"));
	journey_step(steps, "released", rel ? title : "Released",
		     rel ? jstr(rel, "released_at") : NULL,
		     rel ? json_pack("{s:O}", "release", rel) : NULL);
	json_decref(line);
}
