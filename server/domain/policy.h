/*
 * domain/policy.h — a repository's effective release policy: the global
 * `releases:` block with the keys of the repository's own block
 * (repositories[].releases) in place of the global ones.
 *
 * The merge rule.  Each key of config_release_keys (shiplog/config.h)
 * merges on its own: rc_pattern, cadence, required_artifacts, and inside
 * gates each gate — ci, smoke_tests, artifacts, approvals — and each key
 * of the staging gate (enabled, environment, soak, descendant).  A key
 * written in the repository's block replaces the global key whole: a list
 * (required_artifacts, gates.approvals) or the cadence is never merged item
 * by item, and an empty list or `cadence: ~` there means "none for this
 * repository".  A key it does not write is the global one (the built-in
 * default when the global block does not write it either).
 *
 * Pure: the answers borrow the configuration's strings and arrays, valid as
 * long as that configuration is (a reload never frees a running one).
 */
#ifndef SHIPLOG_DOMAIN_POLICY_H
#define SHIPLOG_DOMAIN_POLICY_H

#include <jansson.h>

#include "shiplog/config.h"

/* *out = `global` with the keys `repo` gives (repo->given) taken from
 * `repo` (NULL: none); out->given says which those are. */
void policy_effective(const struct config_releases *global, const struct config_releases *repo,
		      struct config_releases *out);

/* The effective policy of repository `full_name` ("owner/name", any case;
 * NULL or not configured: the global policy). */
void policy_of(const struct config *cfg, const char *full_name, struct config_releases *out);

/* {every_days, weekday (its name), anchor (null when none)}, or JSON null
 * when there is no cadence. */
json_t *policy_cadence_json(const struct config_cadence *c);

/* The policy as JSON: {rc_pattern, cadence, required_artifacts, gates: {ci,
 * smoke_tests, artifacts, staging: {enabled, environment, soak_seconds,
 * descendant}, approvals: [{team, min}]}}. */
json_t *policy_json(const struct config_releases *p);

/* Where each key comes from: {"rc_pattern": "global" | "repository", ...}
 * for every key of config_release_keys, by its path. */
json_t *policy_sources_json(const struct config_releases *p);

#endif
