/*
 * gh_packages.c — registry_package and package: a published package version
 * becomes an artifact (source 'github').
 *
 * Real payloads are odd: the docker examples carry package_type "npm" (the
 * container metadata is what says "image"), a container version may have
 * an EMPTY tag name with its digest as the version, and the package URL of
 * an untagged image ends in ':'.  Artifacts are immutable: the same
 * kind+name+version with a different digest is not overwritten; the
 * conflict is recorded as the domain event "artifact.conflict" (the
 * delivery itself is a fact GitHub reports, so it is processed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/artifacts.h"
#include "domain/deployments.h"
#include "shiplog/hex.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

static bool text_in(const char *s, const char *const *set)
{
	if (!s)
		return false;
	for (; *set; set++)
		if (strcasecmp(s, *set) == 0)
			return true;
	return false;
}

static bool nonempty(const char *s)
{
	return s && *s;
}

const char *gh_package_describe(const json_t *payload, struct gh_package *out)
{
	memset(out, 0, sizeof *out);
	out->size = -1;
	const char *root = "registry_package";
	const json_t *pkg = wj_get(payload, root);
	if (!json_is_object(pkg)) {
		root = "package";
		pkg = wj_get(payload, root);
	}
	if (!json_is_object(pkg))
		return "package: missing or not an object (registry_package or package)";
	const json_t *pv = wj_get(pkg, "package_version");
	if (!json_is_object(pv))
		return strcmp(root, "package") == 0
			       ? "package.package_version: missing or not an object"
			       : "registry_package.package_version: missing or not an object";

	/* kind: container metadata or a container registry/type says image,
	 * whatever package_type claims */
	static const char *const container_words[] = {"container", "docker", NULL};
	const char *type = wj_str(pkg, "package_type");
	const json_t *cm = wj_get(pv, "container_metadata");
	const json_t *dm = wj_get(pv, "docker_metadata");
	bool container =
		text_in(type, container_words) ||
		text_in(wj_str(pkg, "registry.type"), container_words) ||
		(json_is_object(cm) && (json_is_object(json_object_get(cm, "tag")) ||
					json_is_object(json_object_get(cm, "manifest")))) ||
		(json_is_array(dm) && json_array_size(dm) > 0) ||
		(json_is_object(dm) && json_object_size(dm) > 0);
	if (container)
		out->kind = "image";
	else if (type && strcasecmp(type, "npm") == 0)
		out->kind = "npm";
	else
		out->kind = "other";
	/* rubygems, maven, nuget and anything unknown: other */

	const char *name = wj_str(pkg, "name");
	if (!nonempty(name))
		return strcmp(root, "package") == 0 ? "package.name: missing or empty"
						    : "registry_package.name: missing or empty";
	const char *ns = wj_str(pkg, "namespace");
	if (container && nonempty(ns))
		snprintf(out->name, sizeof out->name, "%s/%s", ns, name);
	else
		snprintf(out->name, sizeof out->name, "%s", name);

	const char *tag = json_is_object(cm) ? wj_str(cm, "tag.name") : NULL;
	const char *pv_version = wj_str(pv, "version");
	const char *pv_name = wj_str(pv, "name");
	const char *version = NULL;
	if (container && nonempty(tag))
		version = tag;
	else if (nonempty(pv_version))
		version = pv_version;
	else if (nonempty(pv_name))
		version = pv_name;
	else if (nonempty(tag))
		version = tag;
	if (!version)
		return strcmp(root, "package") == 0
			       ? "package.package_version.version: missing or empty"
			       : "registry_package.package_version.version: missing or empty";
	snprintf(out->version, sizeof out->version, "%s", version);

	const char *candidates[3] = {pv_version,
				     json_is_object(cm) ? wj_str(cm, "tag.digest") : NULL, pv_name};
	for (size_t i = 0; i < 3 && !out->digest; i++)
		if (gh_is_sha256_digest(candidates[i]))
			out->digest = candidates[i];

	const char *package_url = wj_str(pv, "package_url");
	const char *html_url = wj_str(pv, "html_url");
	if (!nonempty(html_url))
		html_url = wj_str(pkg, "html_url");
	size_t pl = package_url ? strlen(package_url) : 0;
	if (pl > 1 && package_url[pl - 1] == ':' && out->digest)
		/* an untagged image: "ghcr.io/o/n:" → "ghcr.io/o/n@sha256:…" */
		snprintf(out->uri, sizeof out->uri, "%.*s@%s", (int)(pl - 1), package_url,
			 out->digest);
	else if (pl > 0)
		snprintf(out->uri, sizeof out->uri, "%s", package_url);
	else if (nonempty(html_url))
		snprintf(out->uri, sizeof out->uri, "%s", html_url);

	const char *commitish = wj_str(pv, "target_commitish");
	const char *oid = wj_str(pv, "target_oid");
	if (hex_is_sha(commitish))
		out->commit = commitish;
	else if (hex_is_sha(oid))
		out->commit = oid;

	const json_t *files = wj_get(pv, "package_files");
	if (json_is_array(files)) {
		size_t i;
		const json_t *f;
		json_array_foreach(files, i, f) {
			const json_t *sz = json_object_get(f, "size");
			if (json_is_integer(sz) && json_integer_value(sz) >= 0)
				out->size = (out->size < 0 ? 0 : out->size) +
					    (int64_t)json_integer_value(sz);
		}
	}
	const json_t *labels = json_is_object(cm) ? wj_get(cm, "labels.all_labels") : NULL;
	out->labels = json_is_object(labels) ? labels : NULL;
	return NULL;
}

int gh_on_package(struct webhook_ctx *ctx)
{
	if (strcmp(ctx->action, "published") != 0 && strcmp(ctx->action, "updated") != 0)
		return WH_IGNORED;
	struct gh_package pkg;
	const char *why = gh_package_describe(ctx->payload, &pkg);
	if (why)
		return webhook_bad(ctx, "%s", why);
	if (wj_get(ctx->payload, "repository.full_name")) {
		int rc = webhook_repo(ctx);
		if (rc < 0)
			return rc;
	}
	char size[24];
	snprintf(size, sizeof size, "%lld", (long long)pkg.size);
	char *labels = pkg.labels ? json_dumps(pkg.labels, JSON_COMPACT) : NULL;
	struct db_artifact a = {.kind = pkg.kind,
				.name = pkg.name,
				.version = pkg.version,
				.digest = pkg.digest,
				.uri = pkg.uri[0] ? pkg.uri : NULL,
				.size = pkg.size >= 0 ? size : NULL,
				.repository_id = ctx->repo_id,
				.commit = pkg.commit,
				.labels = labels};
	char id[24];
	int n = db_artifact_insert_github(ctx->db, &a, ctx->actor, id);
	free(labels);
	if (n < 0)
		return n;
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?}", "kind", pkg.kind, "name",
			       pkg.name, "version", pkg.version, "digest", pkg.digest, "uri",
			       pkg.uri[0] ? pkg.uri : NULL, "commit", pkg.commit);
	if (ctx->repo_id)
		json_object_set_new(ev, "repository", json_string(ctx->repo_name));
	int rc = DB_OK;
	if (n > 0) {
		rc = db_event_record(ctx->db, "artifact.created", "artifact", id, ctx->actor, ev);
		json_decref(ev);
		return rc < 0 ? rc : WH_OK;
	}
	/* it exists: immutable, except that a digest never known may be learnt */
	struct db_artifact_stored stored;
	n = db_artifact_lock(ctx->db, pkg.kind, pkg.name, pkg.version, &stored);
	if (n <= 0) {
		json_decref(ev);
		return n < 0 ? n : DB_SOFT_ERROR; /* deleted meanwhile: retry the delivery */
	}
	switch (artifact_offer_verdict(stored.has_digest ? stored.digest : NULL, pkg.digest)) {
	case ARTIFACT_OTHER_DIGEST:
		json_object_set_new(ev, "stored_digest", json_string(stored.digest));
		json_object_set_new(ev, "offered_digest", json_string(pkg.digest));
		json_object_set_new(ev, "delivery", json_string(ctx->d->delivery_id));
		rc = db_event_record(ctx->db, "artifact.conflict", "artifact", stored.id, ctx->actor,
				     ev);
		break;
	case ARTIFACT_DIGEST_LEARNT:
		rc = db_artifact_learn_digest(ctx->db, stored.id, pkg.digest);
		if (rc > 0)
			rc = db_event_record(ctx->db, "artifact.updated", "artifact", stored.id,
					     ctx->actor, ev);
		break;
	case ARTIFACT_SAME:
		break;
	}
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}
