/*
 * rc_compare.c — two RCs compared, who has not tried an RC yet, and the
 * rules of asking for feedback (see rc_compare.h).  Pure: the facts come
 * from db/release_candidates_compare.h and db/feedback_requests.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/rc.h"
#include "domain/rc_answers.h"
#include "domain/rc_compare.h"
#include "shiplog/xalloc.h"

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* ---- compare ---- */

/* An artifact's identity across RCs: kind and name, else its digest. */
static void artifact_key(const json_t *a, char *out, size_t size)
{
	const char *kind = jstr(a, "kind"), *name = jstr(a, "name");
	if (kind && name)
		snprintf(out, size, "%s\x1f%s", kind, name);
	else
		snprintf(out, size, "digest\x1f%s", jstr(a, "digest") ? jstr(a, "digest") : "");
}

static const json_t *artifact_find(const json_t *list, const char *key)
{
	size_t i;
	const json_t *a;
	char k[600];
	json_array_foreach(list, i, a) {
		artifact_key(a, k, sizeof k);
		if (!strcmp(k, key))
			return a;
	}
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static json_t *artifact_side(const json_t *a)
{
	return json_pack("{s:O?, s:O?}", "version", json_object_get(a, "version"), "digest",
			 json_object_get(a, "digest"));
}

/* One artifact per identity, the newest (the last listed: the RC's artifacts
 * come oldest first), in the order the identities first appear (new array). */
static json_t *newest_per_key(const json_t *list)
{
	json_t *out = json_array();
	size_t i, k;
	json_t *a, *b;
	char key[600], other[600];
	json_array_foreach(list, i, a) {
		artifact_key(a, key, sizeof key);
		bool replaced = false;
		json_array_foreach(out, k, b) {
			artifact_key(b, other, sizeof other);
			if (!strcmp(key, other)) {
				json_array_set(out, k, a);
				replaced = true;
				break;
			}
		}
		if (!replaced)
			json_array_append(out, a);
	}
	return out;
}

static json_t *compare_artifacts(const json_t *all_base, const json_t *all_head)
{
	json_t *base = newest_per_key(all_base), *head = newest_per_key(all_head);
	json_t *changed = json_array(), *added = json_array(), *removed = json_array();
	json_int_t unchanged = 0;
	size_t i;
	json_t *a;
	char key[600];
	json_array_foreach(head, i, a) {
		artifact_key(a, key, sizeof key);
		const json_t *b = artifact_find(base, key);
		if (!b)
			json_array_append(added, a);
		else if (!same_str(jstr(a, "digest"), jstr(b, "digest")))
			json_array_append_new(
				changed, json_pack("{s:O?, s:O?, s:o, s:o}", "kind",
						   json_object_get(a, "kind"), "name",
						   json_object_get(a, "name"), "base",
						   artifact_side(b), "head", artifact_side(a)));
		else
			unchanged++;
	}
	json_array_foreach(base, i, a) {
		artifact_key(a, key, sizeof key);
		if (!artifact_find(head, key))
			json_array_append(removed, a);
	}
	json_decref(base);
	json_decref(head);
	return json_pack("{s:o, s:o, s:o, s:I}", "changed", changed, "added", added, "removed",
			 removed, "unchanged", unchanged);
}

static const json_t *gate_find(const json_t *gates, const char *key)
{
	size_t i;
	const json_t *g;
	json_array_foreach(gates, i, g) {
		if (key && same_str(jstr(g, "gate"), key))
			return g;
	}
	return NULL;
}

static json_t *gate_side(const json_t *g)
{
	if (!g)
		return json_null();
	return json_pack("{s:O?, s:O?}", "status", json_object_get(g, "status"), "reason",
			 json_object_get(g, "reason"));
}

static void gate_changed(json_t *out, const json_t *b, const json_t *h)
{
	const json_t *any = h ? h : b;
	json_array_append_new(out, json_pack("{s:O?, s:O?, s:o, s:o}", "gate",
					     json_object_get(any, "gate"), "title",
					     json_object_get(any, "title"), "base", gate_side(b),
					     "head", gate_side(h)));
}

static json_t *compare_gates(const json_t *base, const json_t *head)
{
	json_t *out = json_array();
	size_t i;
	const json_t *g;
	json_array_foreach(head, i, g) {
		const json_t *b = gate_find(base, jstr(g, "gate"));
		if (!b || !same_str(jstr(b, "status"), jstr(g, "status")))
			gate_changed(out, b, g);
	}
	json_array_foreach(base, i, g) {
		if (!gate_find(head, jstr(g, "gate")))
			gate_changed(out, g, NULL);
	}
	return out;
}

/* The newest feedback of `author` among `list` (oldest first), or NULL. */
static const json_t *newest_by(const json_t *list, const char *author)
{
	const json_t *found = NULL;
	size_t i;
	const json_t *f;
	json_array_foreach(list, i, f) {
		const char *a = jstr(f, "author");
		if (author && a && !strcasecmp(a, author))
			found = f;
	}
	return found;
}

static json_t *carried_over(const struct rc_compare_side *base,
			    const struct rc_compare_side *head, bool later_of_target)
{
	json_t *out = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(base->feedback, i, f) {
		const char *verdict = jstr(f, "verdict"), *status = jstr(f, "status");
		if (!verdict || !strcmp(verdict, "approve") || !status ||
		    !strcmp(status, "resolved"))
			continue;
		json_t *item = json_copy(f);
		json_object_set_new(item, "to_recheck", json_boolean(later_of_target));
		const json_t *again = newest_by(head->feedback, jstr(f, "author"));
		json_object_set_new(item, "rechecked_on_head",
				    again ? json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "id",
						      json_object_get(again, "id"), "verdict",
						      json_object_get(again, "verdict"), "status",
						      json_object_get(again, "status"), "comment",
						      json_object_get(again, "comment"), "given_at",
						      json_object_get(again, "given_at"))
					  : json_null());
		json_array_append_new(out, item);
	}
	return out;
}

static json_t *side_summary(const struct rc_compare_side *s)
{
	json_t *o = json_is_object(s->rc) ? json_deep_copy(s->rc) : json_object();
	const char *verdict = jstr(s->readiness, "verdict");
	json_object_set_new(o, "verdict", verdict ? json_string(verdict) : json_null());
	return o;
}

json_t *rc_answer_compare(const struct rc_compare_side *base, const struct rc_compare_side *head)
{
	const char *bt = jstr(base->rc, "target"), *ht = jstr(head->rc, "target");
	const char *bv = jstr(base->rc, "version"), *hv = jstr(head->rc, "version");
	bool same_target = bt && ht && !strcmp(bt, ht);
	bool later = same_target && bv && hv && rc_version_compare(hv, bv) > 0;
	return json_pack(
		"{s:o, s:o, s:b, s:{s:o, s:o}, s:o, s:o, s:{s:o}}", "base", side_summary(base),
		"head", side_summary(head), "same_target", same_target, "pull_requests", "added",
		rc_changes_difference(head->prs, base->prs), "removed",
		rc_changes_difference(base->prs, head->prs), "artifacts",
		compare_artifacts(base->artifacts, head->artifacts), "gates",
		compare_gates(json_object_get(base->readiness, "gates"),
			      json_object_get(head->readiness, "gates")),
		"feedback", "carried_over", carried_over(base, head, later));
}

/* ---- who has not tried it yet ---- */

static bool listed(const json_t *people, const char *person)
{
	size_t i;
	const json_t *p;
	json_array_foreach(people, i, p) {
		const char *s = jstr(p, "person");
		if (s && !strcasecmp(s, person))
			return true;
	}
	return false;
}

/* The first of `list` whose author is `person`, or NULL. */
static const json_t *first_by(const json_t *list, const char *person)
{
	size_t i;
	const json_t *f;
	json_array_foreach(list, i, f) {
		const char *a = jstr(f, "author");
		if (a && !strcasecmp(a, person))
			return f;
	}
	return NULL;
}

/* given is oldest first: the newest feedback of `person` on the RC */
static const json_t *given_by(const json_t *given, const char *person)
{
	return newest_by(given, person);
}

static json_t *untried_team(const struct config *cfg, const struct config_approval *ap,
			    const json_t *seen, const json_t *given)
{
	const struct config_team *team = NULL;
	for (size_t i = 0; i < cfg->n_teams && !team; i++)
		if (!strcasecmp(cfg->teams[i].name, ap->team))
			team = &cfg->teams[i];
	json_t *untried = json_array(), *tried = json_array();
	size_t i;
	const json_t *f;
	/* who of the team gave feedback on this RC */
	json_array_foreach(given, i, f) {
		const char *a = jstr(f, "author");
		const struct config_team *t = config_team_of(cfg, a);
		if (!a || !t || strcasecmp(t->name, ap->team) || listed(tried, a))
			continue;
		const json_t *last = given_by(given, a);
		json_array_append_new(tried, json_pack("{s:s, s:O?, s:O?}", "person", a, "verdict",
						       json_object_get(last, "verdict"),
						       "given_at",
						       json_object_get(last, "given_at")));
	}
	for (size_t m = 0; team && m < team->n_members; m++) {
		const char *who = team->members[m];
		if (who[0] == '*' || listed(untried, who) || given_by(given, who))
			continue;
		const json_t *s = first_by(seen, who); /* newest first: the last time */
		json_array_append_new(untried,
				      json_pack("{s:s, s:b, s:o}", "person", who, "named", true,
						"seen",
						s ? json_pack("{s:O?, s:O?}", "version",
							      json_object_get(s, "version"),
							      "given_at",
							      json_object_get(s, "given_at"))
						  : json_null()));
	}
	json_array_foreach(seen, i, f) {
		const char *a = jstr(f, "author");
		const struct config_team *t = config_team_of(cfg, a);
		if (!a || !t || strcasecmp(t->name, ap->team) || listed(untried, a) ||
		    given_by(given, a))
			continue;
		json_array_append_new(
			untried, json_pack("{s:s, s:b, s:{s:O?, s:O?}}", "person", a, "named", false,
					   "seen", "version", json_object_get(f, "version"),
					   "given_at", json_object_get(f, "given_at")));
	}
	return json_pack("{s:s, s:i, s:o, s:o}", "team", team ? team->name : ap->team, "min",
			 ap->min, "untried", untried, "tried", tried);
}

json_t *rc_answer_untried(const struct config *cfg, json_t *summary, const json_t *seen,
			  const json_t *given)
{
	json_t *teams = json_array();
	for (size_t i = 0; cfg && i < cfg->gates.n_approvals; i++)
		json_array_append_new(teams,
				      untried_team(cfg, &cfg->gates.approvals[i], seen, given));
	return json_pack("{s:o, s:o}", "release_candidate", summary ? summary : json_null(),
			 "teams", teams);
}

/* ---- asking for feedback ---- */

long rc_feedback_request_wait(int64_t last_us, int64_t now_us)
{
	if (last_us <= 0)
		return 0;
	int64_t due = last_us + (int64_t)RC_FEEDBACK_REQUEST_INTERVAL_S * 1000000;
	if (now_us >= due)
		return 0;
	return (long)((due - now_us + 999999) / 1000000);
}

char *rc_changes_summary(const json_t *changes)
{
	json_int_t count = json_integer_value(json_object_get(changes, "count"));
	const char *since = jstr(json_object_get(changes, "previous_release"), "version");
	char groups[400] = "";
	size_t len = 0;
	const json_t *g = json_object_get(changes, "groups");
	for (int c = 0; c < RC_NOTE_CATEGORIES; c++) {
		size_t n = json_array_size(json_object_get(g, rc_note_categories[c].key));
		if (!n || len >= sizeof groups)
			continue;
		int w = snprintf(groups + len, sizeof groups - len, "%s%zu %s", len ? ", " : "", n,
				 rc_note_categories[c].heading);
		if (w > 0)
			len += (size_t)w;
	}
	const json_t *prev = json_object_get(changes, "since_previous_rc");
	char since_rc[300] = "";
	if (json_is_object(prev))
		snprintf(since_rc, sizeof since_rc, "; %zu new since %s",
			 json_array_size(json_object_get(prev, "added")),
			 jstr(json_object_get(prev, "release_candidate"), "version")
				 ? jstr(json_object_get(prev, "release_candidate"), "version")
				 : "the previous RC");
	return xasprintf("%lld change%s%s%s%s%s%s", (long long)count, count == 1 ? "" : "s",
			 since ? " since " : "", since ? since : "", groups[0] ? ": " : "", groups,
			 since_rc);
}
