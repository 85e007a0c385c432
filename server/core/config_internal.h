/*
 * core/config_internal.h — what the parts of the configuration loader share
 * (not for other modules):
 *  - config_yaml.c, the walker: reads YAML (libyaml) and the environment,
 *    walks mappings against tables of directives, and says where an error
 *    is (FILE:LINE:COLUMN and the key path, or the environment variable);
 *  - config_schema.c, the schema: the tables of directives (every key, its
 *    handler, limits and validator) and the handlers that parse values;
 *  - config.c: defaults, loading, derived values, freeing.
 * The string validators the schema uses are shared with the API
 * (shiplog/validate.h).
 */
#ifndef SHIPLOG_CONFIG_INTERNAL_H
#define SHIPLOG_CONFIG_INTERNAL_H

#include <shiplog/config.h>

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* Aliases can make a small file expand into a huge tree: bound the walk. */
#define CONFIG_MAX_NODES 100000

/* Loading state: where we are, for error messages. */
struct loader {
	const char *file;        /* name used in messages, NULL for env */
	yaml_document_t *doc;
	char *(*getenv_fn)(const char *);
	struct config_error *err;
	char path[256];          /* "repositories[1].jobs[0].stage" */
	size_t path_len;
	size_t nodes;
	char why[384];           /* what a scalar handler found wrong */
	struct config *cfg;      /* the config being built (for warnings) */
	bool unset_env_warns;    /* CONFIG_UNSET_ENV_WARNS: --check-config */
};

struct directive;

/* Parses a textual value into base + d->offset; on failure fills ld->why. */
typedef bool (*scalar_fn)(struct loader *ld, const struct directive *d, const char *value,
			  void *base);
/* Handles a whole YAML node (sections, lists); reports its own errors. */
typedef bool (*node_fn)(struct loader *ld, const struct directive *d, yaml_node_t *node,
			void *base);

struct directive {
	const char *name;
	scalar_fn scalar;       /* exactly one of scalar / node is set */
	node_fn node;
	size_t offset;          /* destination in the target struct */
	size_t count_offset;    /* lists: where the element count goes */
	long long min, max;     /* numbers: accepted range */
	const char *(*check)(const char *s); /* strings: NULL or what was expected */
	const void *arg;        /* sub-table or list spec */
	bool required;
	bool secret;            /* never echo the value in errors */
};

/* A list of mappings, each parsed with `fields` into an element of `size`. */
struct list_spec {
	size_t size;
	const struct directive *fields;
	void (*init)(void *elem, size_t index);
	bool (*check)(struct loader *ld, yaml_node_t *item, const void *array, size_t index);
};

/* ---- the walker (config_yaml.c) ---- */

/* base + offset: where a directive writes. */
void *config_field(void *base, size_t offset);
/* Replaces *dst with a copy of value. */
void config_replace_string(char **dst, const char *value);

/* Reports "FILE:LINE:COLUMN: path: what" (or "VARIABLE: what" for the
 * environment) into the loader's error; returns false. */
__attribute__((format(printf, 3, 4)))
bool config_fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...);
/* For scalar handlers: "<expected>, got "<value>"" (the value left out for
 * a secret) into ld->why; returns false. */
__attribute__((format(printf, 4, 5)))
bool config_bad_value(struct loader *ld, const struct directive *d, const char *value,
		      const char *fmt, ...);

/* The key path of messages: push returns what pop restores. */
size_t config_path_push(struct loader *ld, const char *name);
size_t config_path_push_index(struct loader *ld, size_t index);
void config_path_pop(struct loader *ld, size_t old);

yaml_node_t *config_node_at(struct loader *ld, int index);
/* `key:`, `key: ~` and `key: null` all mean "nothing here". */
bool config_node_is_null(const yaml_node_t *n);
/* "a mapping", "a list" or "a single value", for messages. */
const char *config_node_kind(const yaml_node_t *n);
/* Counts a node against CONFIG_MAX_NODES (false after reporting). */
bool config_count_node(struct loader *ld, const yaml_node_t *n);
/* The text of a scalar node, or NULL after reporting why not. */
const char *config_scalar_text(struct loader *ld, const yaml_node_t *n);
/* The value node of `key` in a mapping, or NULL. */
yaml_node_t *config_mapping_value(struct loader *ld, const yaml_node_t *map, const char *key);

/* Applies a mapping node to base with a table of directives: unknown and
 * repeated keys and missing required ones are errors. */
bool config_apply_mapping(struct loader *ld, const struct directive *table, yaml_node_t *node,
			  void *base);
/* The YAML text (one document), then the environment overrides. */
bool config_apply_yaml(struct loader *ld, struct config *cfg, const char *text, size_t len);
bool config_apply_env(struct loader *ld, struct config *cfg);

/* ---- the schema (config_schema.c) ---- */

extern const struct directive config_top_directives[];
/* Environment overrides, applied after the file: same handlers, same limits. */
extern const struct directive config_env_directives[];
/* Every team a gate wants approvals from is a configured team (checked once
 * the whole file is read: teams may come after releases). */
bool config_check_gate_teams(struct loader *ld, const struct config *cfg, yaml_node_t *root);
/* Every role naming a team names a configured team (after the whole file). */
bool config_check_role_teams(struct loader *ld, const struct config *cfg, yaml_node_t *root);

/* ---- config.c ---- */

/* A release policy's built-in defaults (the global block starts with them;
 * so does a repository's, whose unwritten keys are never read). */
void config_releases_defaults(struct config_releases *rel);

/* Keeps a warning for start-up to print (the first few). */
void config_warn(struct config *cfg, const char *text);

#endif
