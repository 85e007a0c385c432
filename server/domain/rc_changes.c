/*
 * rc_changes.c — what is in an RC, assembled from the merged PRs db/release_candidates.h
 * loads (pure; see rc_answers.h): the PRs merged on the default branch
 * after the previous release up to the RC's commit, grouped by label for
 * release notes, and the difference to the previous RC of the same target.
 *
 * Bounds: the upper bound is the RC commit's place in the default-branch
 * sequence (when the commit is not in the sequence: PRs merged before the
 * RC was cut).  The lower bound is the previous release's commit place
 * (when unknown: PRs merged after the previous release), where the previous
 * release is the highest released version below the RC's target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/rc_answers.h"

/* The category of a PR object (labels as strings or {name} objects). */
static int pr_category(const json_t *pr)
{
	const json_t *labels = json_object_get(pr, "labels");
	const char *names[32];
	size_t n = 0, i;
	const json_t *l;
	json_array_foreach(labels, i, l) {
		const char *s = json_is_string(l) ? json_string_value(l)
						  : json_string_value(json_object_get(l, "name"));
		if (s && n < 32)
			names[n++] = s;
	}
	return rc_note_category_of(names, n);
}

void rc_changes_group(json_t *prs, json_t **groups, json_t **excluded)
{
	*groups = json_object();
	*excluded = json_array();
	for (int c = 0; c < RC_NOTE_CATEGORIES; c++)
		json_object_set_new(*groups, rc_note_categories[c].key, json_array());
	size_t i;
	json_t *pr;
	json_array_foreach(prs, i, pr) {
		int c = pr_category(pr);
		json_object_set_new(pr, "category",
				    c < 0 ? json_null() : json_string(rc_note_categories[c].key));
		if (c < 0)
			json_array_append(*excluded, pr);
		else
			json_array_append(json_object_get(*groups, rc_note_categories[c].key), pr);
	}
}

static bool has_number(const json_t *prs, json_int_t number)
{
	size_t i;
	const json_t *pr;
	json_array_foreach(prs, i, pr) {
		if (json_integer_value(json_object_get(pr, "number")) == number)
			return true;
	}
	return false;
}

json_t *rc_changes_difference(const json_t *a, const json_t *b)
{
	json_t *out = json_array();
	size_t i;
	json_t *pr;
	json_array_foreach(a, i, pr) {
		if (!has_number(b, json_integer_value(json_object_get(pr, "number"))))
			json_array_append(out, pr);
	}
	return out;
}

json_t *rc_answer_since_rc(int64_t id, const char *version, const char *commit, const json_t *prs,
			   const json_t *prev_prs)
{
	return json_pack("{s:{s:I, s:s, s:s?}, s:o, s:o}", "release_candidate", "id",
			 (json_int_t)id, "version", version, "commit",
			 commit && commit[0] ? commit : NULL, "added",
			 rc_changes_difference(prs, prev_prs), "removed",
			 rc_changes_difference(prev_prs, prs));
}

json_t *rc_answer_changes(json_t *summary, const char *commit, json_t *previous_release,
			  json_t *prs, json_t *since_rc)
{
	json_t *groups, *excluded;
	rc_changes_group(prs, &groups, &excluded);
	size_t included = json_array_size(prs) - json_array_size(excluded);
	json_t *out = json_pack("{s:o, s:s?, s:o, s:I, s:o, s:o, s:O, s:o}", "release_candidate",
				summary, "commit", commit && commit[0] ? commit : NULL,
				"previous_release", previous_release ? previous_release : json_null(),
				"count", (json_int_t)included, "groups", groups, "excluded", excluded,
				"pull_requests", prs, "since_previous_rc",
				since_rc ? since_rc : json_null());
	json_decref(prs);
	return out;
}
