/*
 * config_yaml.c — the configuration's walker: YAML (libyaml) and
 * environment variables applied through tables of directives, and where an
 * error is (see core/config_internal.h).  What each key accepts is in
 * config_schema.c.
 */
#include <shiplog/xalloc.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/config_internal.h"

void *config_field(void *base, size_t offset)
{
	return (char *)base + offset;
}

void config_replace_string(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
}

/* ---- error reporting ---- */

/* Quotes a value for a message: escaped, truncated. */
static void quote(char *out, size_t size, const char *s)
{
	size_t o = 0, i;

	out[o++] = '"';
	for (i = 0; s[i] && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 60) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Bounded append: messages are truncated rather than overflowing. */
static void append(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf), n = strlen(s);

	if (len + 1 >= size)
		return;
	if (n > size - len - 1)
		n = size - len - 1;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
}

/* "FILE:LINE:COLUMN: path: what" (or "VARIABLE: what" for the environment). */
bool config_fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char *msg = ld->err->message;
	size_t size = sizeof(ld->err->message);
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg[0] = '\0';
	if (node && ld->file)
		snprintf(msg, size, "%s:%zu:%zu: ", ld->file, node->start_mark.line + 1,
			 node->start_mark.column + 1);
	if (ld->path_len) {
		append(msg, size, ld->path);
		append(msg, size, ": ");
	}
	append(msg, size, what);
	return false;
}

/* For scalar handlers: "<expected>, got "<value>"" into ld->why. */
bool config_bad_value(struct loader *ld, const struct directive *d, const char *value,
		      const char *fmt, ...)
{
	char expected[256], quoted[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expected, sizeof(expected), fmt, ap);
	va_end(ap);
	if (d->secret) {
		snprintf(ld->why, sizeof(ld->why), "%s", expected);
	} else {
		quote(quoted, sizeof(quoted), value);
		snprintf(ld->why, sizeof(ld->why), "%s, got %s", expected, quoted);
	}
	return false;
}

size_t config_path_push(struct loader *ld, const char *name)
{
	size_t old = ld->path_len;

	snprintf(ld->path + old, sizeof(ld->path) - old, "%s%s", old ? "." : "", name);
	ld->path_len = strlen(ld->path);
	return old;
}

size_t config_path_push_index(struct loader *ld, size_t index)
{
	size_t old = ld->path_len;

	snprintf(ld->path + old, sizeof(ld->path) - old, "[%zu]", index);
	ld->path_len = strlen(ld->path);
	return old;
}

void config_path_pop(struct loader *ld, size_t old)
{
	ld->path_len = old;
	ld->path[old] = '\0';
}

/* ---- YAML node helpers ---- */

yaml_node_t *config_node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

/* `key:`, `key: ~` and `key: null` all mean "nothing here". */
bool config_node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

const char *config_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

bool config_count_node(struct loader *ld, const yaml_node_t *n)
{
	if (++ld->nodes > CONFIG_MAX_NODES)
		return config_fail(ld, n,
				   "too many YAML nodes (more than %d after expanding aliases)",
				   CONFIG_MAX_NODES);
	return true;
}

/* The text of a scalar node, or NULL after reporting why not. */
const char *config_scalar_text(struct loader *ld, const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		config_fail(ld, n, "expected a single value, got %s", config_node_kind(n));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	/* A "\0" escape would silently truncate names and secrets. */
	if (strlen(v) != n->data.scalar.length) {
		config_fail(ld, n, "the value contains a NUL character");
		return NULL;
	}
	return v;
}

/* The value node of `key` in a mapping, or NULL. */
yaml_node_t *config_mapping_value(struct loader *ld, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = config_node_at(ld, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return config_node_at(ld, pair->value);
	}
	return NULL;
}

/* ---- the walker ---- */

static bool apply_directive(struct loader *ld, const struct directive *d, yaml_node_t *node,
			    void *base)
{
	const char *v;

	if (!config_count_node(ld, node))
		return false;
	if (d->node)
		return d->node(ld, d, node, base);
	if (config_node_is_null(node))
		return d->required ? config_fail(ld, node, "expected a value") : true;
	if (!(v = config_scalar_text(ld, node)))
		return false;
	if (!d->scalar(ld, d, v, base))
		return config_fail(ld, node, "%s", ld->why);
	return true;
}

static bool unknown_key(struct loader *ld, const struct directive *table, yaml_node_t *key,
			const char *name)
{
	char quoted[80], known[256];
	size_t o = 0;

	quote(quoted, sizeof(quoted), name);
	known[0] = '\0';
	for (; table->name && o < sizeof(known); table++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", o ? ", " : "",
				      table->name);
	return config_fail(ld, key, "unknown key %s (expected one of: %s)", quoted, known);
}

bool config_apply_mapping(struct loader *ld, const struct directive *table, yaml_node_t *node,
			  void *base)
{
	uint64_t seen = 0;
	yaml_node_pair_t *pair;
	size_t i;

	if (config_node_is_null(node))
		goto required;
	if (node->type != YAML_MAPPING_NODE)
		return config_fail(ld, node, "expected a mapping, got %s", config_node_kind(node));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = config_node_at(ld, pair->key), *value = config_node_at(ld, pair->value);
		const char *name;
		size_t old;
		bool ok;

		if (!key || !value)
			return config_fail(ld, node, "malformed YAML document");
		if (key->type != YAML_SCALAR_NODE)
			return config_fail(ld, key, "expected a key name, got %s", config_node_kind(key));
		name = (const char *)key->data.scalar.value;
		for (i = 0; table[i].name && strcmp(table[i].name, name); i++)
			;
		if (!table[i].name)
			return unknown_key(ld, table, key, name);
		if (seen & (1ull << i))
			return config_fail(ld, key, "key \"%s\" appears twice", name);
		seen |= 1ull << i;
		old = config_path_push(ld, name);
		ok = apply_directive(ld, &table[i], value, base);
		config_path_pop(ld, old);
		if (!ok)
			return false;
	}
required:
	for (i = 0; table[i].name; i++)
		if (table[i].required && !(seen & (1ull << i)))
			return config_fail(ld, node, "missing required key \"%s\"", table[i].name);
	return true;
}

bool config_apply_env(struct loader *ld, struct config *cfg)
{
	const struct directive *d;

	if (!ld->getenv_fn)
		return true;
	for (d = config_env_directives; d->name; d++) {
		const char *v = ld->getenv_fn(d->name);

		/* Empty means unset: compose files often pass "VAR=". */
		if (!v || !*v)
			continue;
		config_path_pop(ld, 0);
		config_path_push(ld, d->name);
		if (!d->scalar(ld, d, v, cfg))
			return config_fail(ld, NULL, "%s", ld->why);
	}
	config_path_pop(ld, 0);
	return true;
}

static void syntax_error(struct loader *ld, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "cannot parse YAML";

	if (parser->error == YAML_MEMORY_ERROR) {
		fputs("shiplog: out of memory\n", stderr);
		abort();
	}
	if (parser->error == YAML_READER_ERROR)
		snprintf(ld->err->message, sizeof(ld->err->message), "%s: %s at byte %zu",
			 ld->file, problem, parser->problem_offset);
	else
		snprintf(ld->err->message, sizeof(ld->err->message), "%s:%zu:%zu: %s%s%s",
			 ld->file, parser->problem_mark.line + 1,
			 parser->problem_mark.column + 1, problem, parser->context ? " " : "",
			 parser->context ? parser->context : "");
}

bool config_apply_yaml(struct loader *ld, struct config *cfg, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	bool ok = false;

	if (!yaml_parser_initialize(&parser)) {
		fputs("shiplog: out of memory\n", stderr);
		abort();
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(ld, &parser);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		ok = true; /* an empty file: defaults */
		goto out_doc;
	}
	/* A second document is almost certainly a paste mistake. */
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(ld, &parser);
		goto out_doc;
	}
	if (yaml_document_get_root_node(&extra)) {
		snprintf(ld->err->message, sizeof(ld->err->message),
			 "%s:%zu:%zu: expected a single YAML document", ld->file,
			 extra.start_mark.line + 1, extra.start_mark.column + 1);
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);
	ld->doc = &doc;
	ok = config_count_node(ld, root) &&
	     config_apply_mapping(ld, config_top_directives, root, cfg) &&
	     config_check_gate_teams(ld, cfg, root) && config_check_role_teams(ld, cfg, root);
	ld->doc = NULL;
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return ok;
}

