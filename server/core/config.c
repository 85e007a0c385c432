/*
 * config.c — loads shiplog's configuration: built-in defaults, then a YAML
 * file (libyaml), then environment variables.
 *
 * The schema is data: every YAML mapping has a table of directives (key name
 * → handler, destination offset, limits, validator), and the environment
 * overrides are one more table using the same handlers, so a value is checked
 * the same way wherever it comes from.  Every error says where (FILE:LINE:
 * COLUMN, or the environment variable) and what was expected.
 *
 * Lookups on a loaded config (classification, teams) live in config_rules.c.
 */
#include <shiplog/clock.h>
#include <shiplog/config.h>
#include <shiplog/notify_kinds.h>
#include <shiplog/validate.h>
#include <shiplog/xalloc.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#ifndef SHIPLOG_DEFAULT_WEB_DIR
#define SHIPLOG_DEFAULT_WEB_DIR "web"
#endif

/* A configuration file is small; refuse anything absurd before parsing it. */
#define CONFIG_MAX_FILE_SIZE (4u << 20)
/* Aliases can make a small file expand into a huge tree: bound the walk. */
#define CONFIG_MAX_NODES 100000

#define MAX_THREADS 1024
#define MAX_WEBHOOK_WORKERS 64
#define MAX_CONNECTIONS 1000000
#define MAX_BODY (1ll << 30)
#define MAX_BODY_MEMORY (1ll << 40)

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

static void *field(void *base, size_t offset)
{
	return (char *)base + offset;
}

static void replace_string(char **dst, const char *value)
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
__attribute__((format(printf, 3, 4)))
static bool fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
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
__attribute__((format(printf, 4, 5)))
static bool bad_value(struct loader *ld, const struct directive *d, const char *value,
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

static size_t path_push(struct loader *ld, const char *name)
{
	size_t old = ld->path_len;

	snprintf(ld->path + old, sizeof(ld->path) - old, "%s%s", old ? "." : "", name);
	ld->path_len = strlen(ld->path);
	return old;
}

static size_t path_push_index(struct loader *ld, size_t index)
{
	size_t old = ld->path_len;

	snprintf(ld->path + old, sizeof(ld->path) - old, "[%zu]", index);
	ld->path_len = strlen(ld->path);
	return old;
}

static void path_pop(struct loader *ld, size_t old)
{
	ld->path_len = old;
	ld->path[old] = '\0';
}

/* ---- YAML node helpers ---- */

static yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

/* `key:`, `key: ~` and `key: null` all mean "nothing here". */
static bool node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
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

static bool count_node(struct loader *ld, const yaml_node_t *n)
{
	if (++ld->nodes > CONFIG_MAX_NODES)
		return fail(ld, n, "too many YAML nodes (more than %d after expanding aliases)",
			    CONFIG_MAX_NODES);
	return true;
}

/* The text of a scalar node, or NULL after reporting why not. */
static const char *scalar_text(struct loader *ld, const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		fail(ld, n, "expected a single value, got %s", node_kind(n));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	/* A "\0" escape would silently truncate names and secrets. */
	if (strlen(v) != n->data.scalar.length) {
		fail(ld, n, "the value contains a NUL character");
		return NULL;
	}
	return v;
}

/* The value node of `key` in a mapping, or NULL. */
static yaml_node_t *mapping_value(struct loader *ld, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(ld, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return node_at(ld, pair->value);
	}
	return NULL;
}

/* ---- value parsers shared by the file and the environment ---- */

struct size_suffix {
	const char *name;
	unsigned long long factor;
};

static const struct size_suffix size_suffixes[] = {
	{ "K", 1ull << 10 }, { "KiB", 1ull << 10 }, { "M", 1ull << 20 },
	{ "MiB", 1ull << 20 }, { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
	{ NULL, 0 },
};

/* Digits only (no sign, no spaces); sizes may carry a binary suffix. */
static bool parse_number(const char *s, bool allow_suffix, unsigned long long *out)
{
	const struct size_suffix *suffix;
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (!*end) {
		*out = n;
		return true;
	}
	if (!allow_suffix)
		return false;
	for (suffix = size_suffixes; suffix->name; suffix++) {
		if (!strcmp(end, suffix->name)) {
			if (n > ~0ull / suffix->factor)
				return false;
			*out = n * suffix->factor;
			return true;
		}
	}
	return false;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/*
 * "host:port", ":port" (all IPv4 interfaces, "0.0.0.0") or "[v6addr]:port".
 * A bare IPv6 address is refused: "::1:80" is ambiguous.
 */
static bool parse_listen(const char *s, char *host, size_t host_size, uint16_t *port)
{
	const char *colon, *p;
	unsigned long n;
	size_t len;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		struct in6_addr addr;

		if (!close || close[1] != ':')
			return false;
		len = (size_t)(close - s - 1);
		if (!len || len >= host_size)
			return false;
		memcpy(host, s + 1, len);
		host[len] = '\0';
		if (inet_pton(AF_INET6, host, &addr) != 1)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		len = (size_t)(colon - s);
		if (memchr(s, ':', len) || len >= host_size)
			return false;
		memcpy(host, s, len);
		host[len] = '\0';
		if (!len)
			snprintf(host, host_size, "0.0.0.0");
		else if (!validate_is_hostname(host))
			return false;
	}
	p = colon + 1;
	len = strlen(p);
	if (!len || len > 5 || strspn(p, "0123456789") != len)
		return false;
	n = strtoul(p, NULL, 10);
	if (n > 65535)
		return false;
	*port = (uint16_t)n;
	return true;
}

/* Strict "YYYY-MM-DD" of a real calendar day. */
static bool parse_date(const char *s, int *y, int *m, int *d)
{
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1970 || *m < 1 || *m > 12 || *d < 1)
		return false;
	return *d <= clock_days_in_month(*y, *m);
}

static const char *const weekday_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
};

/* ---- scalar handlers ---- */

static bool set_string(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	const char *problem;

	if (!*v)
		return bad_value(ld, d, v, "expected a non-empty value");
	if (d->check && (problem = d->check(v)))
		return bad_value(ld, d, v, "%s", problem);
	replace_string(field(base, d->offset), v);
	return true;
}

static bool parse_ranged(struct loader *ld, const struct directive *d, const char *v,
			 bool size, unsigned long long *out)
{
	if (!parse_number(v, size, out) || *out < (unsigned long long)d->min ||
	    *out > (unsigned long long)d->max) {
		if (size)
			return bad_value(ld, d, v,
					 "expected a size in bytes between %lld and %lld "
					 "(K, KiB, M, MiB, G, GiB suffixes allowed)",
					 d->min, d->max);
		return bad_value(ld, d, v, "expected an integer between %lld and %lld", d->min,
				 d->max);
	}
	return true;
}

static bool set_uint(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, false, &n))
		return false;
	*(unsigned *)field(base, d->offset) = (unsigned)n;
	return true;
}

static bool set_int(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, false, &n))
		return false;
	*(int *)field(base, d->offset) = (int)n;
	return true;
}

static bool set_size(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, true, &n))
		return false;
	*(size_t *)field(base, d->offset) = (size_t)n;
	return true;
}

static bool set_bool(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	if (!parse_bool(v, field(base, d->offset)))
		return bad_value(ld, d, v, "expected true or false");
	return true;
}

/* webhooks.processing: "inline" (processed before the answer) or "queued"
 * (stored, answered 202, applied by background workers) */
static bool set_processing(struct loader *ld, const struct directive *d, const char *v,
			   void *base)
{
	bool *queued = field(base, d->offset);

	if (strcmp(v, "inline") == 0)
		*queued = false;
	else if (strcmp(v, "queued") == 0)
		*queued = true;
	else
		return bad_value(ld, d, v, "expected inline or queued");
	return true;
}

static bool set_listen(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	struct config *cfg = base;
	char host[256];
	uint16_t port;

	if (!parse_listen(v, host, sizeof(host), &port))
		return bad_value(ld, d, v,
				 "expected host:port (e.g. 127.0.0.1:8080, :8080 or [::1]:8080)");
	replace_string(&cfg->listen_host, host);
	cfg->listen_port = port;
	return true;
}

static void config_warn(struct config *cfg, const char *text)
{
	if (cfg->n_warnings >= sizeof cfg->warnings / sizeof cfg->warnings[0])
		return;
	cfg->warnings[cfg->n_warnings++] = xstrdup(text);
}

/* The value of the variable an `_env` key names.  Unset (or empty) is an
 * error: a configured secret that silently went missing would turn signature
 * checks off.  --check-config, run where the secrets are not, only warns. */
static bool env_value(struct loader *ld, const char *name, const char **value)
{
	*value = ld->getenv_fn ? ld->getenv_fn(name) : NULL;
	if (*value && **value)
		return true;
	*value = NULL;
	if (ld->unset_env_warns) {
		char w[512];

		snprintf(w, sizeof w, "%s: environment variable %s is not set; shiplogd will not "
			 "start until it is", ld->path, name);
		config_warn(ld->cfg, w);
		return true;
	}
	snprintf(ld->why, sizeof ld->why,
		 "environment variable %s is not set: set it, or remove this key", name);
	return false;
}

static bool set_secret_env(struct loader *ld, const struct directive *d, const char *v,
			   void *base)
{
	const char *problem = validate_env_name(v), *secret;

	if (problem)
		return bad_value(ld, d, v, "%s", problem);
	if (!env_value(ld, v, &secret))
		return false;
	if (secret)
		replace_string(field(base, d->offset), secret);
	return true;
}

static bool set_kind(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int kind = config_kind_parse(v);

	if (kind < 0)
		return bad_value(ld, d, v, "expected one of pr, main, release, other");
	*(enum run_kind *)field(base, d->offset) = (enum run_kind)kind;
	return true;
}

static bool set_stage(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int stage = config_stage_parse(v);

	if (stage < 0)
		return bad_value(ld, d, v,
				 "expected one of lint, unit, integration, build, publish, e2e, other");
	*(enum job_stage *)field(base, d->offset) = (enum job_stage)stage;
	return true;
}

static bool set_tier(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	static const char *const tiers[] = { "development", "staging", "production", "other" };
	size_t i;

	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		if (!strcmp(v, tiers[i])) {
			replace_string(field(base, d->offset), tiers[i]);
			return true;
		}
	}
	return bad_value(ld, d, v, "expected one of development, staging, production, other");
}

/* Only these Flux kinds report deployments; store the canonical spelling. */
static bool set_flux_kind(struct loader *ld, const struct directive *d, const char *v,
			  void *base)
{
	static const char *const kinds[] = { "HelmRelease", "Kustomization" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcasecmp(v, kinds[i])) {
			replace_string(field(base, d->offset), kinds[i]);
			return true;
		}
	}
	return bad_value(ld, d, v, "expected HelmRelease or Kustomization");
}

static bool set_weekday(struct loader *ld, const struct directive *d, const char *v,
			void *base)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (!strcasecmp(v, weekday_names[i]) ||
		    (strlen(v) == 3 && !strncasecmp(v, weekday_names[i], 3))) {
			*(int *)field(base, d->offset) = i;
			return true;
		}
	}
	return bad_value(ld, d, v, "expected a day of the week (e.g. thursday)");
}

/* "1w", "2w", "10d": stored in days. */
static bool set_every(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	size_t digits = strspn(v, "0123456789");
	unsigned long n = digits && digits <= 3 ? strtoul(v, NULL, 10) : 0;
	unsigned long days = 0;

	if (n && !strcmp(v + digits, "w"))
		days = n * 7;
	else if (n && !strcmp(v + digits, "d"))
		days = n;
	if (!days || days > 366)
		return bad_value(ld, d, v, "expected a period like 1w, 2w or 10d (at most a year)");
	*(int *)field(base, d->offset) = (int)days;
	return true;
}

static bool set_date(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int y, m, day;

	if (!parse_date(v, &y, &m, &day))
		return bad_value(ld, d, v, "expected a date YYYY-MM-DD");
	replace_string(field(base, d->offset), v);
	return true;
}

/* "90s", "30m", "2h", "1d" or plain seconds ("0" = no wait): stored in seconds. */
static bool set_duration(struct loader *ld, const struct directive *d, const char *v,
			 void *base)
{
	static const struct {
		const char *suffix;
		unsigned long long factor;
	} units[] = { { "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 } };
	size_t digits = strspn(v, "0123456789"), i;
	unsigned long long n = digits && digits <= 7 ? strtoull(v, NULL, 10) : 0;

	for (i = 0; digits && digits <= 7 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(v + digits, units[i].suffix) &&
		    n * units[i].factor <= (unsigned long long)d->max) {
			*(unsigned *)field(base, d->offset) = (unsigned)(n * units[i].factor);
			return true;
		}
	}
	return bad_value(ld, d, v, "expected a duration like 90s, 30m, 2h or 1d (at most %lld days)",
			 d->max / 86400);
}

/* Days to keep something: 0 (keep forever) or d->min .. d->max. */
static bool set_days(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_number(v, false, &n) ||
	    (n && (n < (unsigned long long)d->min || n > (unsigned long long)d->max)))
		return bad_value(ld, d, v,
				 "expected 0 (keep forever) or a number of days between %lld and %lld",
				 d->min, d->max);
	*(unsigned *)field(base, d->offset) = (unsigned)n;
	return true;
}

/* ---- node handlers ---- */

static bool apply_mapping(struct loader *ld, const struct directive *table, yaml_node_t *node,
			  void *base);

static bool set_section(struct loader *ld, const struct directive *d, yaml_node_t *node,
			void *base)
{
	return apply_mapping(ld, d->arg, node, base);
}

static bool set_string_list(struct loader *ld, const struct directive *d, yaml_node_t *node,
			    void *base)
{
	char ***list = field(base, d->offset);
	size_t *count = field(base, d->count_offset);
	size_t n, i;

	if (node_is_null(node))
		return true;
	if (node->type != YAML_SEQUENCE_NODE)
		return fail(ld, node, "expected a list, got %s", node_kind(node));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	/* Each key is seen once (duplicates are refused), so nothing to free. */
	*list = xcalloc(n, sizeof(char *));
	*count = 0;
	for (i = 0; i < n; i++) {
		yaml_node_t *item = node_at(ld, node->data.sequence.items.start[i]);
		size_t old = path_push_index(ld, i);
		const char *v, *problem = NULL;

		if (!item)
			return fail(ld, node, "malformed YAML document");
		if (!count_node(ld, item) || !(v = scalar_text(ld, item)))
			return false;
		if (!*v)
			problem = "expected a non-empty value";
		else if (d->check)
			problem = d->check(v);
		if (problem) {
			bad_value(ld, d, v, "%s", problem);
			return fail(ld, item, "%s", ld->why);
		}
		(*list)[i] = xstrdup(v);
		*count = i + 1;
		path_pop(ld, old);
	}
	return true;
}

/* auth.trusted_proxies: each entry may set the SSO header and X-Forwarded-For,
 * so a range (rather than the proxy's own address) is worth a warning; a /0 is
 * refused by validate_proxy. */
static bool set_trusted_proxies(struct loader *ld, const struct directive *d, yaml_node_t *node,
				void *base)
{
	const struct config *cfg = base;
	long bits, max;
	size_t i;

	if (!set_string_list(ld, d, node, base))
		return false;
	for (i = 0; i < cfg->n_trusted_proxies; i++) {
		char w[512];

		if (!validate_parse_cidr(cfg->trusted_proxies[i], &bits, &max) || bits == max)
			continue;
		snprintf(w, sizeof w,
			 "%s[%zu]: \"%s\" trusts a range of 2^%ld addresses, not one proxy: any of "
			 "them may set the SSO header (an identity) and X-Forwarded-For; list only "
			 "the proxy's own address (\"127.0.0.1\" for a sidecar)",
			 ld->path, i, cfg->trusted_proxies[i], max - bits);
		config_warn(ld->cfg, w);
	}
	return true;
}

/* Lists of mappings: elements are counted as soon as they are initialised,
 * so config_free() cleans up a list that failed half-way. */
static bool set_list(struct loader *ld, const struct directive *d, yaml_node_t *node,
		     void *base)
{
	const struct list_spec *spec = d->arg;
	size_t *count = field(base, d->count_offset);
	size_t n, i;
	char *array;

	if (node_is_null(node))
		return true;
	if (node->type != YAML_SEQUENCE_NODE)
		return fail(ld, node, "expected a list, got %s", node_kind(node));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	array = xcalloc(n, spec->size);
	memcpy(field(base, d->offset), &array, sizeof(array));
	*count = 0;
	for (i = 0; i < n; i++) {
		yaml_node_t *item = node_at(ld, node->data.sequence.items.start[i]);
		size_t old = path_push_index(ld, i);
		void *elem = array + i * spec->size;

		if (!item)
			return fail(ld, node, "malformed YAML document");
		if (spec->init)
			spec->init(elem, i);
		*count = i + 1;
		if (item->type != YAML_MAPPING_NODE)
			return fail(ld, item, "expected a mapping, got %s", node_kind(item));
		if (!apply_mapping(ld, spec->fields, item, elem))
			return false;
		if (spec->check && !spec->check(ld, item, array, i))
			return false;
		path_pop(ld, old);
	}
	return true;
}

static const struct directive cadence_directives[];

static bool set_cadence(struct loader *ld, const struct directive *d, yaml_node_t *node,
			void *base)
{
	struct config_cadence *c = field(base, d->offset);
	int y = 0, m = 1, day = 1, wd;

	if (node_is_null(node))
		return true;
	c->weekday = -1;
	if (!apply_mapping(ld, cadence_directives, node, base))
		return false;
	if (c->anchor) {
		parse_date(c->anchor, &y, &m, &day);
		wd = clock_weekday_of_days(clock_days_from_civil(y, m, day));
		if (c->weekday < 0) {
			c->weekday = wd;
		} else if (c->every_days % 7 == 0 && c->weekday != wd) {
			size_t old = path_push(ld, "anchor");

			fail(ld, mapping_value(ld, node, "anchor"), "%s is a %s, not a %s",
			     c->anchor, weekday_names[wd], weekday_names[c->weekday]);
			path_pop(ld, old);
			return false;
		}
	} else if (c->every_days % 7) {
		return fail(ld, node, "an anchor date is required when \"every\" is in days");
	} else if (c->weekday < 0) {
		return fail(ld, node, "expected a weekday or an anchor date");
	}
	return true;
}

/* ---- list element initialisers and checks ---- */

static void init_job_rule(void *elem, size_t index)
{
	struct config_job_rule *r = elem;

	(void)index;
	r->stage = STAGE_OTHER;
	r->required = true;
}

static void init_repository(void *elem, size_t index)
{
	struct config_repository *r = elem;

	(void)index;
	r->default_branch = xstrdup("main");
}

static void init_environment(void *elem, size_t index)
{
	struct config_environment *e = elem;

	e->tier = xstrdup("other");
	e->order = (int)index + 1; /* list order unless told otherwise */
}

static void init_flux(void *elem, size_t index)
{
	struct config_flux_object *f = elem;

	(void)index;
	f->namespace_ = xstrdup("flux-system");
}

/* Reports a name repeated earlier in the same list (compared ignoring case). */
static bool check_unique(struct loader *ld, yaml_node_t *item, const char *name,
			 const char *earlier)
{
	size_t old;

	if (strcasecmp(name, earlier))
		return true;
	old = path_push(ld, "name");
	fail(ld, mapping_value(ld, item, "name"), "\"%s\" is listed twice", name);
	path_pop(ld, old);
	return false;
}

static bool check_repository(struct loader *ld, yaml_node_t *item, const void *array,
			     size_t index)
{
	const struct config_repository *r = array;
	size_t i;

	for (i = 0; i < index; i++)
		if (!check_unique(ld, item, r[index].name, r[i].name))
			return false;
	return true;
}

static bool check_environment(struct loader *ld, yaml_node_t *item, const void *array,
			      size_t index)
{
	const struct config_environment *e = array;
	size_t i;

	for (i = 0; i < index; i++)
		if (!check_unique(ld, item, e[index].name, e[i].name))
			return false;
	return true;
}

static bool check_team(struct loader *ld, yaml_node_t *item, const void *array, size_t index)
{
	const struct config_team *t = array;
	size_t i;

	for (i = 0; i < index; i++)
		if (!check_unique(ld, item, t[index].name, t[i].name))
			return false;
	return true;
}

static bool check_approval(struct loader *ld, yaml_node_t *item, const void *array,
			   size_t index)
{
	const struct config_approval *a = array;
	size_t i, old;

	for (i = 0; i < index; i++) {
		if (strcasecmp(a[index].team, a[i].team))
			continue;
		old = path_push(ld, "team");
		fail(ld, mapping_value(ld, item, "team"), "\"%s\" is listed twice", a[index].team);
		path_pop(ld, old);
		return false;
	}
	return true;
}

/* Every team a gate wants approvals from must be a configured team (checked
 * once the whole file is read: teams may come after releases). */
static bool check_gate_teams(struct loader *ld, const struct config *cfg, yaml_node_t *root)
{
	size_t i, j;

	for (i = 0; i < cfg->gates.n_approvals; i++) {
		const char *team = cfg->gates.approvals[i].team;
		yaml_node_t *n = mapping_value(ld, root, "releases"), *item = NULL;
		bool known = false;

		for (j = 0; j < cfg->n_teams; j++)
			if (!strcasecmp(cfg->teams[j].name, team))
				known = true;
		if (known)
			continue;
		n = n ? mapping_value(ld, n, "gates") : NULL;
		n = n ? mapping_value(ld, n, "approvals") : NULL;
		if (n && n->type == YAML_SEQUENCE_NODE &&
		    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) > i)
			item = node_at(ld, n->data.sequence.items.start[i]);
		path_pop(ld, 0);
		path_push(ld, "releases");
		path_push(ld, "gates");
		path_push(ld, "approvals");
		path_push_index(ld, i);
		path_push(ld, "team");
		return fail(ld, item ? mapping_value(ld, item, "team") : root,
			    "\"%s\" is not one of the teams (list it under teams, with its members)",
			    team);
	}
	return true;
}

/* ---- the schema ---- */

#define CFG(m) offsetof(struct config, m)
#define WFR(m) offsetof(struct config_workflow_rule, m)
#define JOB(m) offsetof(struct config_job_rule, m)
#define REPO(m) offsetof(struct config_repository, m)
#define ENV(m) offsetof(struct config_environment, m)
#define FLUX(m) offsetof(struct config_flux_object, m)
#define TEAM(m) offsetof(struct config_team, m)
#define APPROVAL(m) offsetof(struct config_approval, m)

static const struct directive workflow_rule_fields[] = {
	{ .name = "match", .scalar = set_string, .offset = WFR(match), .required = true },
	{ .name = "kind", .scalar = set_kind, .offset = WFR(kind), .required = true },
	{ 0 },
};

static const struct directive job_rule_fields[] = {
	{ .name = "match", .scalar = set_string, .offset = JOB(match), .required = true },
	{ .name = "stage", .scalar = set_stage, .offset = JOB(stage), .required = true },
	{ .name = "required", .scalar = set_bool, .offset = JOB(required) },
	{ 0 },
};

static const struct list_spec workflow_rule_list = {
	.size = sizeof(struct config_workflow_rule),
	.fields = workflow_rule_fields,
};

static const struct list_spec job_rule_list = {
	.size = sizeof(struct config_job_rule),
	.fields = job_rule_fields,
	.init = init_job_rule,
};

static const struct directive repository_fields[] = {
	{ .name = "name", .scalar = set_string, .offset = REPO(name), .check = validate_repo_name,
	  .required = true },
	{ .name = "default_branch", .scalar = set_string, .offset = REPO(default_branch),
	  .check = validate_branch },
	{ .name = "webhook_secret_env", .scalar = set_secret_env, .offset = REPO(webhook_secret) },
	{ .name = "workflows", .node = set_list, .offset = REPO(workflows),
	  .count_offset = REPO(n_workflows), .arg = &workflow_rule_list },
	{ .name = "jobs", .node = set_list, .offset = REPO(jobs), .count_offset = REPO(n_jobs),
	  .arg = &job_rule_list },
	{ 0 },
};

static const struct directive flux_fields[] = {
	{ .name = "kind", .scalar = set_flux_kind, .offset = FLUX(kind), .required = true },
	{ .name = "namespace", .scalar = set_string, .offset = FLUX(namespace_),
	  .check = validate_k8s_name },
	{ .name = "name", .scalar = set_string, .offset = FLUX(name), .check = validate_k8s_name,
	  .required = true },
	{ 0 },
};

static const struct list_spec flux_list = {
	.size = sizeof(struct config_flux_object),
	.fields = flux_fields,
	.init = init_flux,
};

static const struct directive environment_fields[] = {
	{ .name = "name", .scalar = set_string, .offset = ENV(name), .check = validate_slug,
	  .required = true },
	{ .name = "tier", .scalar = set_tier, .offset = ENV(tier) },
	{ .name = "url", .scalar = set_string, .offset = ENV(url), .check = validate_http_url },
	{ .name = "description", .scalar = set_string, .offset = ENV(description) },
	{ .name = "order", .scalar = set_int, .offset = ENV(order), .min = 0, .max = 1000000 },
	{ .name = "flux", .node = set_list, .offset = ENV(flux), .count_offset = ENV(n_flux),
	  .arg = &flux_list },
	{ 0 },
};

static const struct directive team_fields[] = {
	{ .name = "name", .scalar = set_string, .offset = TEAM(name), .check = validate_slug,
	  .required = true },
	{ .name = "members", .node = set_string_list, .offset = TEAM(members),
	  .count_offset = TEAM(n_members), .check = validate_member },
	{ 0 },
};

static const struct list_spec repository_list = {
	.size = sizeof(struct config_repository),
	.fields = repository_fields,
	.init = init_repository,
	.check = check_repository,
};

static const struct list_spec environment_list = {
	.size = sizeof(struct config_environment),
	.fields = environment_fields,
	.init = init_environment,
	.check = check_environment,
};

static const struct list_spec team_list = {
	.size = sizeof(struct config_team),
	.fields = team_fields,
	.check = check_team,
};

static const struct directive server_directives[] = {
	{ .name = "listen", .scalar = set_listen },
	{ .name = "threads", .scalar = set_uint, .offset = CFG(threads), .min = 1,
	  .max = MAX_THREADS },
	{ .name = "db_connections", .scalar = set_uint, .offset = CFG(db_connections), .min = 1,
	  .max = MAX_THREADS },
	{ .name = "max_connections", .scalar = set_uint, .offset = CFG(max_connections), .min = 1,
	  .max = MAX_CONNECTIONS },
	{ .name = "per_ip_connections", .scalar = set_uint, .offset = CFG(per_ip_connections),
	  .min = 1, .max = MAX_CONNECTIONS },
	{ .name = "connection_timeout", .scalar = set_uint, .offset = CFG(connection_timeout),
	  .min = 1, .max = 86400 },
	{ .name = "api_body_limit", .scalar = set_size, .offset = CFG(api_body_limit), .min = 1,
	  .max = MAX_BODY },
	{ .name = "webhook_body_limit", .scalar = set_size, .offset = CFG(webhook_body_limit),
	  .min = 1, .max = MAX_BODY },
	{ .name = "body_memory_limit", .scalar = set_size, .offset = CFG(body_memory_limit),
	  .min = 0, .max = MAX_BODY_MEMORY },
	{ .name = "per_ip_body_memory", .scalar = set_size, .offset = CFG(per_ip_body_memory),
	  .min = 0, .max = MAX_BODY_MEMORY },
	{ .name = "base_url", .scalar = set_string, .offset = CFG(base_url), .check = validate_http_url },
	{ .name = "web_dir", .scalar = set_string, .offset = CFG(web_dir) },
	{ .name = "data_dir", .scalar = set_string, .offset = CFG(data_dir) },
	{ 0 },
};

static const struct directive database_directives[] = {
	{ .name = "url", .scalar = set_string, .offset = CFG(database_url),
	  .check = validate_database_url, .secret = true },
	{ .name = "timeout_ms", .scalar = set_uint, .offset = CFG(db_timeout_ms), .min = 1,
	  .max = 600000 },
	{ 0 },
};

static const struct directive auth_directives[] = {
	{ .name = "public_read", .scalar = set_bool, .offset = CFG(public_read) },
	{ .name = "session_ttl", .scalar = set_uint, .offset = CFG(session_ttl), .min = 60,
	  .max = 30 * 86400 },
	{ .name = "sso_header", .scalar = set_string, .offset = CFG(sso_header),
	  .check = validate_header_name },
	{ .name = "trusted_proxies", .node = set_trusted_proxies, .offset = CFG(trusted_proxies),
	  .count_offset = CFG(n_trusted_proxies), .check = validate_proxy },
	{ 0 },
};

static const struct directive webhook_directives[] = {
	{ .name = "github_secret_env", .scalar = set_secret_env,
	  .offset = CFG(github_webhook_secret) },
	{ .name = "flux_secret_env", .scalar = set_secret_env, .offset = CFG(flux_webhook_secret) },
	{ .name = "processing", .scalar = set_processing, .offset = CFG(webhook_queued) },
	{ .name = "workers", .scalar = set_uint, .offset = CFG(webhook_workers), .min = 0,
	  .max = MAX_WEBHOOK_WORKERS },
	{ 0 },
};

static const struct directive cadence_directives[] = {
	{ .name = "every", .scalar = set_every, .offset = CFG(cadence.every_days),
	  .required = true },
	{ .name = "weekday", .scalar = set_weekday, .offset = CFG(cadence.weekday) },
	{ .name = "anchor", .scalar = set_date, .offset = CFG(cadence.anchor) },
	{ 0 },
};

static const struct directive approval_fields[] = {
	{ .name = "team", .scalar = set_string, .offset = APPROVAL(team), .check = validate_slug,
	  .required = true },
	{ .name = "min", .scalar = set_int, .offset = APPROVAL(min), .min = 1, .max = 1000,
	  .required = true },
	{ 0 },
};

static const struct list_spec approval_list = {
	.size = sizeof(struct config_approval),
	.fields = approval_fields,
	.check = check_approval,
};

static const struct directive staging_gate_directives[] = {
	{ .name = "enabled", .scalar = set_bool, .offset = CFG(gates.staging) },
	{ .name = "environment", .scalar = set_string, .offset = CFG(gates.staging_environment),
	  .check = validate_slug },
	{ .name = "soak", .scalar = set_duration, .offset = CFG(gates.soak_seconds), .min = 0,
	  .max = 30 * 86400 },
	{ .name = "descendant", .scalar = set_bool, .offset = CFG(gates.staging_descendant) },
	{ 0 },
};

static const struct directive gate_directives[] = {
	{ .name = "ci", .scalar = set_bool, .offset = CFG(gates.ci) },
	{ .name = "smoke_tests", .scalar = set_bool, .offset = CFG(gates.smoke_tests) },
	{ .name = "artifacts", .scalar = set_bool, .offset = CFG(gates.artifacts) },
	{ .name = "staging", .node = set_section, .arg = staging_gate_directives },
	{ .name = "approvals", .node = set_list, .offset = CFG(gates.approvals),
	  .count_offset = CFG(gates.n_approvals), .arg = &approval_list },
	{ 0 },
};

static const struct directive release_directives[] = {
	{ .name = "rc_pattern", .scalar = set_string, .offset = CFG(rc_pattern),
	  .check = validate_not_blank },
	{ .name = "cadence", .node = set_cadence, .offset = CFG(cadence) },
	{ .name = "required_artifacts", .node = set_string_list,
	  .offset = CFG(required_artifacts), .count_offset = CFG(n_required_artifacts),
	  .check = validate_artifact },
	{ .name = "gates", .node = set_section, .arg = gate_directives },
	{ 0 },
};

/*
 * retention: how long stored data is kept (server/core/retention.c prunes).
 * Whole delivery rows are kept at least a week: the row of a delivery that
 * succeeded is what turns a redelivery of it (GitHub offers redelivery for
 * three days) into a duplicate instead of a second application.
 */
#define RETENTION_MAX_DAYS 36500
#define RETENTION_MAX_INTERVAL (7 * 86400)
#define RETENTION_MAX_BATCH 100000

static const struct directive retention_directives[] = {
	{ .name = "delivery_bodies_days", .scalar = set_days,
	  .offset = CFG(retention.delivery_bodies_days), .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "deliveries_days", .scalar = set_days, .offset = CFG(retention.deliveries_days),
	  .min = 7, .max = RETENTION_MAX_DAYS },
	{ .name = "events_days", .scalar = set_days, .offset = CFG(retention.events_days),
	  .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "notifications_days", .scalar = set_days,
	  .offset = CFG(retention.notifications_days), .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "interval_seconds", .scalar = set_uint,
	  .offset = CFG(retention.interval_seconds), .min = 1, .max = RETENTION_MAX_INTERVAL },
	{ .name = "batch_size", .scalar = set_uint, .offset = CFG(retention.batch_size),
	  .min = 1, .max = RETENTION_MAX_BATCH },
	{ 0 },
};

/*
 * notifications: sinks (Slack-compatible incoming webhooks and generic JSON
 * webhooks), GitHub commit statuses, and the outbox's retry policy
 * (server/notify/ sends; see shiplog/notify.h).
 */
/* A kind a sink may subscribe to (shiplog/notify_kinds.h); the message
 * lists them (a buffer per thread: loading may run in any thread). */
static const char *check_notify_event(const char *s)
{
	static _Thread_local char expected[512];
	const struct notify_kind *k = notify_kind_find(s);
	if (k && k->event)
		return NULL;
	const char *sep = "expected one of ";
	size_t o = 0;
	for (k = notify_kinds; k->name; k++) {
		if (!k->event || o >= sizeof expected)
			continue;
		o += (size_t)snprintf(expected + o, sizeof expected - o, "%s%s", sep, k->name);
		sep = ", ";
	}
	return expected;
}

static const char *check_status_context(const char *s)
{
	if (strlen(s) > 100 || validate_not_blank(s) || strpbrk(s, "\r\n"))
		return "expected a commit status context of at most 100 characters "
		       "(e.g. shiplog/readiness)";
	return NULL;
}

static bool set_sink_type(struct loader *ld, const struct directive *d, const char *v,
			  void *base)
{
	if (strcmp(v, "slack") && strcmp(v, "webhook"))
		return bad_value(ld, d, v, "expected slack or webhook");
	replace_string(field(base, d->offset), v);
	return true;
}

/* url_env: the sink's URL is a secret (a Slack webhook URL is its own
 * credential), so it comes from the environment and is never echoed. */
static bool set_sink_url_env(struct loader *ld, const struct directive *d, const char *v,
			     void *base)
{
	struct config_notify_sink *sink = base;
	const char *problem = validate_env_name(v), *url;

	if (problem)
		return bad_value(ld, d, v, "%s", problem);
	replace_string(&sink->url_env, v);
	if (!env_value(ld, v, &url))
		return false;
	if (!url)
		return true;
	if (validate_http_url(url)) {
		snprintf(ld->why, sizeof(ld->why),
			 "environment variable %s: expected an http:// or https:// URL", v);
		return false;
	}
	replace_string(&sink->url, url);
	return true;
}

/* Seconds with an optional fraction ("5", "0.25"); d->min/d->max in ms. */
static bool set_seconds_fraction(struct loader *ld, const struct directive *d, const char *v,
				 void *base)
{
	size_t digits = strspn(v, "0123456789"), frac = 0;
	bool shape;
	double x = -1;

	if (digits && v[digits] == '.')
		frac = strspn(v + digits + 1, "0123456789");
	shape = digits && digits <= 7 &&
		(!v[digits] || (v[digits] == '.' && frac && frac <= 6 && !v[digits + 1 + frac]));
	if (shape)
		x = strtod(v, NULL);
	if (!shape || x * 1000 < (double)d->min || x * 1000 > (double)d->max)
		return bad_value(ld, d, v, "expected a number of seconds between %g and %g (e.g. 5 "
				 "or 0.5)",
				 (double)d->min / 1000, (double)d->max / 1000);
	*(double *)field(base, d->offset) = x;
	return true;
}

static bool set_github_status(struct loader *ld, const struct directive *d, yaml_node_t *node,
			      void *base)
{
	struct config *cfg = base;

	cfg->notifications.github.configured = true;
	return apply_mapping(ld, d->arg, node, base);
}

static bool check_notify_sink(struct loader *ld, yaml_node_t *item, const void *array,
			      size_t index)
{
	const struct config_notify_sink *s = array;
	size_t i, old;

	for (i = 0; i < index; i++)
		if (!check_unique(ld, item, s[index].name, s[i].name))
			return false;
	if (!strcasecmp(s[index].name, "github_status")) {
		old = path_push(ld, "name");
		fail(ld, mapping_value(ld, item, "name"),
		     "\"github_status\" is reserved for commit statuses (the github_status section)");
		path_pop(ld, old);
		return false;
	}
	if (!s[index].n_events)
		return fail(ld, item, "expected at least one event under \"events\"");
	if (!strcmp(s[index].type, "slack") && mapping_value(ld, item, "secret_env")) {
		old = path_push(ld, "secret_env");
		fail(ld, mapping_value(ld, item, "secret_env"),
		     "only a webhook sink is signed; a Slack URL is its own secret");
		path_pop(ld, old);
		return false;
	}
	return true;
}

#define SINK(m) offsetof(struct config_notify_sink, m)
#define NOTIFY_MAX_ATTEMPTS 100
#define NOTIFY_MAX_TIMEOUT 300
#define NOTIFY_BACKOFF_MIN_MS 10
#define NOTIFY_BACKOFF_MAX_MS 3600000

static const struct directive notify_sink_fields[] = {
	{ .name = "name", .scalar = set_string, .offset = SINK(name), .check = validate_slug,
	  .required = true },
	{ .name = "type", .scalar = set_sink_type, .offset = SINK(type), .required = true },
	{ .name = "url_env", .scalar = set_sink_url_env, .required = true },
	{ .name = "secret_env", .scalar = set_secret_env, .offset = SINK(secret) },
	{ .name = "events", .node = set_string_list, .offset = SINK(events),
	  .count_offset = SINK(n_events), .check = check_notify_event, .required = true },
	{ 0 },
};

static const struct list_spec notify_sink_list = {
	.size = sizeof(struct config_notify_sink),
	.fields = notify_sink_fields,
	.check = check_notify_sink,
};

static const struct directive github_status_directives[] = {
	{ .name = "token_env", .scalar = set_secret_env, .offset = CFG(notifications.github.token),
	  .required = true },
	{ .name = "api_url", .scalar = set_string, .offset = CFG(notifications.github.api_url),
	  .check = validate_http_url },
	{ .name = "context", .scalar = set_string, .offset = CFG(notifications.github.context),
	  .check = check_status_context },
	{ 0 },
};

static const struct directive notification_directives[] = {
	{ .name = "sinks", .node = set_list, .offset = CFG(notifications.sinks),
	  .count_offset = CFG(notifications.n_sinks), .arg = &notify_sink_list },
	{ .name = "github_status", .node = set_github_status, .arg = github_status_directives },
	{ .name = "max_attempts", .scalar = set_uint, .offset = CFG(notifications.max_attempts),
	  .min = 1, .max = NOTIFY_MAX_ATTEMPTS },
	{ .name = "base_backoff_seconds", .scalar = set_seconds_fraction,
	  .offset = CFG(notifications.base_backoff_seconds), .min = NOTIFY_BACKOFF_MIN_MS,
	  .max = NOTIFY_BACKOFF_MAX_MS },
	{ .name = "timeout_seconds", .scalar = set_uint,
	  .offset = CFG(notifications.timeout_seconds), .min = 1, .max = NOTIFY_MAX_TIMEOUT },
	{ 0 },
};

static const struct directive top_directives[] = {
	{ .name = "server", .node = set_section, .arg = server_directives },
	{ .name = "database", .node = set_section, .arg = database_directives },
	{ .name = "auth", .node = set_section, .arg = auth_directives },
	{ .name = "webhooks", .node = set_section, .arg = webhook_directives },
	{ .name = "workflows", .node = set_list, .offset = CFG(workflows),
	  .count_offset = CFG(n_workflows), .arg = &workflow_rule_list },
	{ .name = "jobs", .node = set_list, .offset = CFG(jobs), .count_offset = CFG(n_jobs),
	  .arg = &job_rule_list },
	{ .name = "repositories", .node = set_list, .offset = CFG(repositories),
	  .count_offset = CFG(n_repositories), .arg = &repository_list },
	{ .name = "environments", .node = set_list, .offset = CFG(environments),
	  .count_offset = CFG(n_environments), .arg = &environment_list },
	{ .name = "teams", .node = set_list, .offset = CFG(teams), .count_offset = CFG(n_teams),
	  .arg = &team_list },
	{ .name = "releases", .node = set_section, .arg = release_directives },
	{ .name = "retention", .node = set_section, .arg = retention_directives },
	{ .name = "notifications", .node = set_section, .arg = notification_directives },
	{ 0 },
};

/* Environment overrides, applied after the file: same handlers, same limits. */
static const struct directive env_directives[] = {
	{ .name = "DATABASE_URL", .scalar = set_string, .offset = CFG(database_url),
	  .check = validate_database_url, .secret = true },
	{ .name = "SHIPLOG_LISTEN", .scalar = set_listen },
	{ .name = "SHIPLOG_ADMIN_TOKEN", .scalar = set_string, .offset = CFG(admin_token),
	  .secret = true },
	{ .name = "SHIPLOG_SESSION_SECRET", .scalar = set_string, .offset = CFG(session_secret),
	  .secret = true },
	{ .name = "SHIPLOG_GITHUB_WEBHOOK_SECRET", .scalar = set_string,
	  .offset = CFG(github_webhook_secret), .secret = true },
	{ .name = "SHIPLOG_FLUX_WEBHOOK_SECRET", .scalar = set_string,
	  .offset = CFG(flux_webhook_secret), .secret = true },
	{ .name = "SHIPLOG_WEBHOOK_PROCESSING", .scalar = set_processing,
	  .offset = CFG(webhook_queued) },
	{ .name = "SHIPLOG_WEBHOOK_WORKERS", .scalar = set_uint, .offset = CFG(webhook_workers),
	  .min = 0, .max = MAX_WEBHOOK_WORKERS },
	{ .name = "SHIPLOG_PUBLIC_READ", .scalar = set_bool, .offset = CFG(public_read) },
	{ .name = "SHIPLOG_THREADS", .scalar = set_uint, .offset = CFG(threads), .min = 1,
	  .max = MAX_THREADS },
	{ .name = "SHIPLOG_DB_CONNECTIONS", .scalar = set_uint, .offset = CFG(db_connections),
	  .min = 1, .max = MAX_THREADS },
	{ .name = "SHIPLOG_BODY_MEMORY_LIMIT", .scalar = set_size, .offset = CFG(body_memory_limit),
	  .min = 0, .max = MAX_BODY_MEMORY },
	{ .name = "SHIPLOG_PER_IP_BODY_MEMORY", .scalar = set_size,
	  .offset = CFG(per_ip_body_memory), .min = 0, .max = MAX_BODY_MEMORY },
	{ .name = "SHIPLOG_BASE_URL", .scalar = set_string, .offset = CFG(base_url),
	  .check = validate_http_url },
	{ .name = "SHIPLOG_WEB_DIR", .scalar = set_string, .offset = CFG(web_dir) },
	{ .name = "SHIPLOG_DATA_DIR", .scalar = set_string, .offset = CFG(data_dir) },
	{ .name = "SHIPLOG_SSO_HEADER", .scalar = set_string, .offset = CFG(sso_header),
	  .check = validate_header_name },
	{ .name = "SHIPLOG_RETENTION_DELIVERY_BODIES_DAYS", .scalar = set_days,
	  .offset = CFG(retention.delivery_bodies_days), .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "SHIPLOG_RETENTION_DELIVERIES_DAYS", .scalar = set_days,
	  .offset = CFG(retention.deliveries_days), .min = 7, .max = RETENTION_MAX_DAYS },
	{ .name = "SHIPLOG_RETENTION_EVENTS_DAYS", .scalar = set_days,
	  .offset = CFG(retention.events_days), .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "SHIPLOG_RETENTION_NOTIFICATIONS_DAYS", .scalar = set_days,
	  .offset = CFG(retention.notifications_days), .min = 1, .max = RETENTION_MAX_DAYS },
	{ .name = "SHIPLOG_RETENTION_INTERVAL_SECONDS", .scalar = set_uint,
	  .offset = CFG(retention.interval_seconds), .min = 1, .max = RETENTION_MAX_INTERVAL },
	{ .name = "SHIPLOG_RETENTION_BATCH_SIZE", .scalar = set_uint,
	  .offset = CFG(retention.batch_size), .min = 1, .max = RETENTION_MAX_BATCH },
	{ .name = "SHIPLOG_NOTIFY_MAX_ATTEMPTS", .scalar = set_uint,
	  .offset = CFG(notifications.max_attempts), .min = 1, .max = NOTIFY_MAX_ATTEMPTS },
	{ .name = "SHIPLOG_NOTIFY_BASE_BACKOFF_SECONDS", .scalar = set_seconds_fraction,
	  .offset = CFG(notifications.base_backoff_seconds), .min = NOTIFY_BACKOFF_MIN_MS,
	  .max = NOTIFY_BACKOFF_MAX_MS },
	{ .name = "SHIPLOG_NOTIFY_TIMEOUT_SECONDS", .scalar = set_uint,
	  .offset = CFG(notifications.timeout_seconds), .min = 1, .max = NOTIFY_MAX_TIMEOUT },
	{ 0 },
};

/* ---- the walker ---- */

static bool apply_directive(struct loader *ld, const struct directive *d, yaml_node_t *node,
			    void *base)
{
	const char *v;

	if (!count_node(ld, node))
		return false;
	if (d->node)
		return d->node(ld, d, node, base);
	if (node_is_null(node))
		return d->required ? fail(ld, node, "expected a value") : true;
	if (!(v = scalar_text(ld, node)))
		return false;
	if (!d->scalar(ld, d, v, base))
		return fail(ld, node, "%s", ld->why);
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
	return fail(ld, key, "unknown key %s (expected one of: %s)", quoted, known);
}

static bool apply_mapping(struct loader *ld, const struct directive *table, yaml_node_t *node,
			  void *base)
{
	uint64_t seen = 0;
	yaml_node_pair_t *pair;
	size_t i;

	if (node_is_null(node))
		goto required;
	if (node->type != YAML_MAPPING_NODE)
		return fail(ld, node, "expected a mapping, got %s", node_kind(node));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = node_at(ld, pair->key), *value = node_at(ld, pair->value);
		const char *name;
		size_t old;
		bool ok;

		if (!key || !value)
			return fail(ld, node, "malformed YAML document");
		if (key->type != YAML_SCALAR_NODE)
			return fail(ld, key, "expected a key name, got %s", node_kind(key));
		name = (const char *)key->data.scalar.value;
		for (i = 0; table[i].name && strcmp(table[i].name, name); i++)
			;
		if (!table[i].name)
			return unknown_key(ld, table, key, name);
		if (seen & (1ull << i))
			return fail(ld, key, "key \"%s\" appears twice", name);
		seen |= 1ull << i;
		old = path_push(ld, name);
		ok = apply_directive(ld, &table[i], value, base);
		path_pop(ld, old);
		if (!ok)
			return false;
	}
required:
	for (i = 0; table[i].name; i++)
		if (table[i].required && !(seen & (1ull << i)))
			return fail(ld, node, "missing required key \"%s\"", table[i].name);
	return true;
}

static bool apply_env(struct loader *ld, struct config *cfg)
{
	const struct directive *d;

	if (!ld->getenv_fn)
		return true;
	for (d = env_directives; d->name; d++) {
		const char *v = ld->getenv_fn(d->name);

		/* Empty means unset: compose files often pass "VAR=". */
		if (!v || !*v)
			continue;
		path_pop(ld, 0);
		path_push(ld, d->name);
		if (!d->scalar(ld, d, v, cfg))
			return fail(ld, NULL, "%s", ld->why);
	}
	path_pop(ld, 0);
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

static bool apply_yaml(struct loader *ld, struct config *cfg, const char *text, size_t len)
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
	ok = count_node(ld, root) && apply_mapping(ld, top_directives, root, cfg) &&
	     check_gate_teams(ld, cfg, root);
	ld->doc = NULL;
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return ok;
}

static void set_defaults(struct config *cfg)
{
	cfg->listen_host = xstrdup("127.0.0.1");
	cfg->listen_port = 8080;
	cfg->threads = 16;
	cfg->webhook_workers = 1;
	cfg->db_connections = 0; /* threads + 4 once threads is known */
	cfg->max_connections = 1024;
	cfg->per_ip_connections = 64;
	cfg->connection_timeout = 30;
	cfg->api_body_limit = 1u << 20;
	cfg->webhook_body_limit = 25u << 20;
	cfg->body_memory_limit = 128u << 20;
	cfg->per_ip_body_memory = 64u << 20;
	cfg->web_dir = xstrdup(SHIPLOG_DEFAULT_WEB_DIR);
	cfg->data_dir = xstrdup("./data");
	cfg->retention.delivery_bodies_days = 30;
	cfg->retention.deliveries_days = 365;
	cfg->retention.events_days = 90;
	cfg->retention.notifications_days = 90;
	cfg->retention.interval_seconds = 3600;
	cfg->retention.batch_size = 5000;
	cfg->db_timeout_ms = 5000;
	cfg->session_ttl = 12 * 3600;
	cfg->public_read = false;
	cfg->rc_pattern = xstrdup("v*-rc.*");
	cfg->gates.ci = true;
	cfg->gates.smoke_tests = true;
	cfg->gates.artifacts = true;
	cfg->gates.staging = true;
	cfg->gates.soak_seconds = 1800;
	cfg->gates.staging_descendant = true;
	cfg->notifications.max_attempts = 8;
	cfg->notifications.base_backoff_seconds = 5;
	cfg->notifications.timeout_seconds = 10;
	cfg->notifications.github.api_url = xstrdup("https://api.github.com");
	cfg->notifications.github.context = xstrdup("shiplog/readiness");
}

void config_bound_port(struct config *cfg, unsigned port)
{
	if (!cfg->base_url_derived || (cfg->base_url && port == cfg->listen_port))
		return;
	const char *host = cfg->listen_host;
	char url[300];

	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		host = "localhost";
	snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host,
		 port);
	free(cfg->base_url);
	cfg->base_url = xstrdup(url);
}

/* Values derived from others, once file and environment are both in. */
static void finish(struct config *cfg)
{
	size_t len;

	if (!cfg->db_connections)
		cfg->db_connections = cfg->threads + 4 + (cfg->webhook_queued ? cfg->webhook_workers : 0);
	if (!cfg->base_url) {
		cfg->base_url_derived = true;
		config_bound_port(cfg, cfg->listen_port);
	}
	if (cfg->sso_header && !cfg->n_trusted_proxies) {
		char w[512];

		snprintf(w, sizeof w,
			 "auth.sso_header %s is set, but auth.trusted_proxies is empty: the "
			 "header is ignored whoever sends it",
			 cfg->sso_header);
		config_warn(cfg, w);
	}
	/* API calls are built as api_url + "/repos/...". */
	len = strlen(cfg->notifications.github.api_url);
	while (len > 0 && cfg->notifications.github.api_url[len - 1] == '/')
		cfg->notifications.github.api_url[--len] = '\0';
	/* Links are built as base_url + "/path". */
	len = strlen(cfg->base_url);
	while (len > 0 && cfg->base_url[len - 1] == '/')
		cfg->base_url[--len] = '\0';
}

static struct config *load(const char *path, const char *text, size_t len,
			   char *(*getenv_fn)(const char *), unsigned flags,
			   struct config_error *err)
{
	struct config_error scratch;
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct loader ld = {
		.file = path ? path : "(config)",
		.getenv_fn = getenv_fn,
		.err = err ? err : &scratch,
		.cfg = cfg,
		.unset_env_warns = flags & CONFIG_UNSET_ENV_WARNS,
	};

	ld.err->message[0] = '\0';
	set_defaults(cfg);
	if (path)
		cfg->path = xstrdup(path);
	if (text && !apply_yaml(&ld, cfg, text, len))
		goto fail;
	ld.file = NULL;
	if (!apply_env(&ld, cfg))
		goto fail;
	finish(cfg);
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

struct config *config_load_string_flags(const char *name, const char *text, size_t len,
					char *(*getenv_fn)(const char *), unsigned flags,
					struct config_error *err)
{
	return load(name ? name : "(string)", text ? text : "", text ? len : 0, getenv_fn, flags,
		    err);
}

struct config *config_load_string(const char *name, const char *text, size_t len,
				  char *(*getenv_fn)(const char *), struct config_error *err)
{
	return config_load_string_flags(name, text, len, getenv_fn, 0, err);
}

struct config *config_load(const char *path, char *(*getenv_fn)(const char *),
			   struct config_error *err)
{
	return config_load_flags(path, getenv_fn, 0, err);
}

struct config *config_load_flags(const char *path, char *(*getenv_fn)(const char *),
				 unsigned flags, struct config_error *err)
{
	struct config_error scratch;
	struct config *cfg = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	if (!path)
		return load(NULL, NULL, 0, getenv_fn, flags, err);
	if (!err)
		err = &scratch;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err->message, sizeof(err->message), "%s: cannot open: %s", path,
			 strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			if (cap > CONFIG_MAX_FILE_SIZE) {
				snprintf(err->message, sizeof(err->message),
					 "%s: file is larger than %u bytes", path,
					 CONFIG_MAX_FILE_SIZE);
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			text = xrealloc(text, cap);
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err->message, sizeof(err->message), "%s: cannot read: %s", path,
			 strerror(errno));
		goto out;
	}
	cfg = load(path, text, len, getenv_fn, flags, err);
out:
	fclose(f);
	free(text);
	return cfg;
}

/* ---- freeing ---- */

static void free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_workflow_rules(struct config_workflow_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].match);
	free(r);
}

static void free_job_rules(struct config_job_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].match);
	free(r);
}

void config_free(struct config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_warnings; i++)
		free(cfg->warnings[i]);
	free(cfg->path);
	free(cfg->listen_host);
	free(cfg->base_url);
	free(cfg->web_dir);
	free(cfg->data_dir);
	free(cfg->database_url);
	free(cfg->admin_token);
	free(cfg->session_secret);
	free(cfg->sso_header);
	free_strings(cfg->trusted_proxies, cfg->n_trusted_proxies);
	free(cfg->github_webhook_secret);
	free(cfg->flux_webhook_secret);
	free_workflow_rules(cfg->workflows, cfg->n_workflows);
	free_job_rules(cfg->jobs, cfg->n_jobs);
	for (i = 0; i < cfg->n_repositories; i++) {
		struct config_repository *r = &cfg->repositories[i];

		free(r->name);
		free(r->default_branch);
		free(r->webhook_secret);
		free_workflow_rules(r->workflows, r->n_workflows);
		free_job_rules(r->jobs, r->n_jobs);
	}
	free(cfg->repositories);
	for (i = 0; i < cfg->n_environments; i++) {
		struct config_environment *e = &cfg->environments[i];

		free(e->name);
		free(e->tier);
		free(e->url);
		free(e->description);
		for (j = 0; j < e->n_flux; j++) {
			free(e->flux[j].kind);
			free(e->flux[j].namespace_);
			free(e->flux[j].name);
		}
		free(e->flux);
	}
	free(cfg->environments);
	for (i = 0; i < cfg->n_teams; i++) {
		free(cfg->teams[i].name);
		free_strings(cfg->teams[i].members, cfg->teams[i].n_members);
	}
	free(cfg->teams);
	free(cfg->rc_pattern);
	free(cfg->cadence.anchor);
	free_strings(cfg->required_artifacts, cfg->n_required_artifacts);
	free(cfg->gates.staging_environment);
	for (i = 0; i < cfg->gates.n_approvals; i++)
		free(cfg->gates.approvals[i].team);
	free(cfg->gates.approvals);
	for (i = 0; i < cfg->notifications.n_sinks; i++) {
		struct config_notify_sink *s = &cfg->notifications.sinks[i];

		free(s->name);
		free(s->type);
		free(s->url);
		free(s->url_env);
		free(s->secret);
		free_strings(s->events, s->n_events);
	}
	free(cfg->notifications.sinks);
	free(cfg->notifications.github.token);
	free(cfg->notifications.github.api_url);
	free(cfg->notifications.github.context);
	free(cfg);
}
