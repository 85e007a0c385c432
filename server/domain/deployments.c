/*
 * deployments.c — the decisions of recording a deployment (see
 * deployments.h): pure functions over the facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/deployments.h"
#include "domain/flux_revision.h"
#include "domain/tiebreak.h"
#include "shiplog/hex.h"

bool deployment_fact_revision(struct deployment_fact *f, const char *text,
			      struct flux_revision *buf)
{
	if (!text || !*text)
		return false;
	f->revision = text;
	switch (flux_revision_parse(text, buf)) {
	case FLUX_REV_GIT:
		f->revision_kind = "git";
		f->commit_sha = buf->sha;
		break;
	case FLUX_REV_DIGEST:
		f->revision_kind = "digest";
		f->revision_digest = buf->digest;
		if (buf->version[0])
			f->chart_version = buf->version;
		break;
	case FLUX_REV_CHART:
		f->revision_kind = "chart";
		f->chart_version = buf->version;
		break;
	case FLUX_REV_INVALID:
		f->revision_kind = "other";
		f->revision_key = text;
		return true;
	}
	f->ref = buf->ref[0] ? buf->ref : NULL;
	f->revision_key = flux_revision_key(buf);
	return true;
}

bool deployment_write_plan(const struct deployment_fact *f, struct deployment_write *w)
{
	w->rank = deployment_status_rank(f->status);
	if (w->rank == 0 || !f->event_at || !f->revision_key)
		return false;
	char canon[1200];
	snprintf(canon, sizeof canon, "%s|%.500s|%.600s", f->status, f->reason ? f->reason : "",
		 f->message ? f->message : "");
	tiebreak_hash(canon, w->tiebreak);
	w->finished_at = f->finished_at ? f->finished_at : w->rank == 3 ? f->event_at : NULL;
	w->started_at = f->started_at ? f->started_at : f->event_at;
	return true;
}

bool deployment_changed(const struct deployment_state *before,
			const struct deployment_state *after, bool created)
{
	return created || !before->exists || strcmp(after->status, before->status) != 0 ||
	       after->has_commit != before->has_commit;
}

const char *deployment_report_event_at(const struct deployment_fact *f, const char *now)
{
	return f->finished_at ? f->finished_at
	       : deployment_status_rank(f->status) == 3 ? now
	       : f->started_at ? f->started_at
			       : now;
}

/* GitHub deployment states as deployment statuses. */
const char *deployment_github_status(const char *state)
{
	static const char *const same[] = {"queued", "in_progress", "success", "failure",
					   "error", "inactive", NULL};
	if (strcmp(state, "pending") == 0)
		return "queued";
	for (const char *const *s = same; *s; s++)
		if (strcmp(state, *s) == 0)
			return *s;
	return NULL;
}

bool deployment_fact_from_github(const struct github_deployment_row *row, char *origin,
				 size_t origin_size, struct deployment_fact *f)
{
	const char *status = deployment_github_status(row->state);
	if (!status || !hex_is_lower_sha(row->sha))
		return false;
	snprintf(origin, origin_size, "github:%lld:%lld", (long long)row->repository_id,
		 (long long)row->github_id);
	*f = (struct deployment_fact){0};
	f->environment_id = row->environment_id;
	f->source = "github";
	f->origin_key = origin;
	f->revision = row->sha;
	f->revision_kind = "git";
	f->revision_key = row->sha;
	f->commit_sha = row->sha;
	f->ref = row->ref;
	f->repository_id = row->repository_id;
	f->status = status;
	f->event_at = row->event_at;
	f->message = row->description;
	f->url = row->url;
	f->reason = row->kind == 'd' ? "deployment" : row->state;
	return true;
}

enum artifact_verdict artifact_offer_verdict(const char *stored_digest, const char *offered_digest)
{
	if (!offered_digest)
		return ARTIFACT_SAME;
	if (!stored_digest)
		return ARTIFACT_DIGEST_LEARNT;
	return strcmp(stored_digest, offered_digest) == 0 ? ARTIFACT_SAME : ARTIFACT_OTHER_DIGEST;
}
