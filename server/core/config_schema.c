/*
 * config_schema.c — the configuration's schema: every YAML mapping has a
 * table of directives (key name → handler, destination offset, limits,
 * validator), and the environment overrides are one more table using the
 * same handlers, so a value is checked the same way wherever it comes from.
 * The handlers parse values; the string validators are shared with the API
 * (shiplog/validate.h); the walker is config_yaml.c.
 */
#include <shiplog/auth.h>
#include <shiplog/clock.h>
#include <shiplog/notify_kinds.h>
#include <shiplog/validate.h>
#include <shiplog/xalloc.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_internal.h"

#define MAX_THREADS 1024
#define MAX_WEBHOOK_WORKERS 64
#define MAX_CONNECTIONS 1000000
#define MAX_BODY (1ll << 30)
#define MAX_BODY_MEMORY (1ll << 40)

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
		return config_bad_value(ld, d, v, "expected a non-empty value");
	if (d->check && (problem = d->check(v)))
		return config_bad_value(ld, d, v, "%s", problem);
	config_replace_string(config_field(base, d->offset), v);
	return true;
}

static bool parse_ranged(struct loader *ld, const struct directive *d, const char *v,
			 bool size, unsigned long long *out)
{
	if (!parse_number(v, size, out) || *out < (unsigned long long)d->min ||
	    *out > (unsigned long long)d->max) {
		if (size)
			return config_bad_value(ld, d, v,
						"expected a size in bytes between %lld and %lld "
						"(K, KiB, M, MiB, G, GiB suffixes allowed)",
						d->min, d->max);
		return config_bad_value(ld, d, v, "expected an integer between %lld and %lld",
					d->min, d->max);
	}
	return true;
}

static bool set_uint(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, false, &n))
		return false;
	*(unsigned *)config_field(base, d->offset) = (unsigned)n;
	return true;
}

static bool set_int(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, false, &n))
		return false;
	*(int *)config_field(base, d->offset) = (int)n;
	return true;
}

static bool set_size(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_ranged(ld, d, v, true, &n))
		return false;
	*(size_t *)config_field(base, d->offset) = (size_t)n;
	return true;
}

static bool set_bool(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	if (!parse_bool(v, config_field(base, d->offset)))
		return config_bad_value(ld, d, v, "expected true or false");
	return true;
}

/* webhooks.processing: "inline" (processed before the answer) or "queued"
 * (stored, answered 202, applied by background workers) */
static bool set_processing(struct loader *ld, const struct directive *d, const char *v,
			   void *base)
{
	bool *queued = config_field(base, d->offset);

	if (strcmp(v, "inline") == 0)
		*queued = false;
	else if (strcmp(v, "queued") == 0)
		*queued = true;
	else
		return config_bad_value(ld, d, v, "expected inline or queued");
	return true;
}

static bool set_listen(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	struct config *cfg = base;
	char host[256];
	uint16_t port;

	if (!parse_listen(v, host, sizeof(host), &port))
		return config_bad_value(
			ld, d, v, "expected host:port (e.g. 127.0.0.1:8080, :8080 or [::1]:8080)");
	config_replace_string(&cfg->listen_host, host);
	cfg->listen_port = port;
	return true;
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
		return config_bad_value(ld, d, v, "%s", problem);
	if (!env_value(ld, v, &secret))
		return false;
	if (secret)
		config_replace_string(config_field(base, d->offset), secret);
	return true;
}

static bool set_kind(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int kind = config_kind_parse(v);

	if (kind < 0)
		return config_bad_value(ld, d, v, "expected one of pr, main, release, other");
	*(enum run_kind *)config_field(base, d->offset) = (enum run_kind)kind;
	return true;
}

static bool set_stage(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int stage = config_stage_parse(v);

	if (stage < 0)
		return config_bad_value(
			ld, d, v,
			"expected one of lint, unit, integration, build, publish, e2e, other");
	*(enum job_stage *)config_field(base, d->offset) = (enum job_stage)stage;
	return true;
}

static bool set_tier(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	static const char *const tiers[] = { "development", "staging", "production", "other" };
	size_t i;

	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		if (!strcmp(v, tiers[i])) {
			config_replace_string(config_field(base, d->offset), tiers[i]);
			return true;
		}
	}
	return config_bad_value(ld, d, v, "expected one of development, staging, production, other");
}

/* Only these Flux kinds report deployments; store the canonical spelling. */
static bool set_flux_kind(struct loader *ld, const struct directive *d, const char *v,
			  void *base)
{
	static const char *const kinds[] = { "HelmRelease", "Kustomization" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcasecmp(v, kinds[i])) {
			config_replace_string(config_field(base, d->offset), kinds[i]);
			return true;
		}
	}
	return config_bad_value(ld, d, v, "expected HelmRelease or Kustomization");
}

static bool set_weekday(struct loader *ld, const struct directive *d, const char *v,
			void *base)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (!strcasecmp(v, weekday_names[i]) ||
		    (strlen(v) == 3 && !strncasecmp(v, weekday_names[i], 3))) {
			*(int *)config_field(base, d->offset) = i;
			return true;
		}
	}
	return config_bad_value(ld, d, v, "expected a day of the week (e.g. thursday)");
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
		return config_bad_value(ld, d, v, "expected a period like 1w, 2w or 10d (at most a year)");
	*(int *)config_field(base, d->offset) = (int)days;
	return true;
}

static bool set_date(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	int y, m, day;

	if (!parse_date(v, &y, &m, &day))
		return config_bad_value(ld, d, v, "expected a date YYYY-MM-DD");
	config_replace_string(config_field(base, d->offset), v);
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
			*(unsigned *)config_field(base, d->offset) = (unsigned)(n * units[i].factor);
			return true;
		}
	}
	return config_bad_value(ld, d, v,
				"expected a duration like 90s, 30m, 2h or 1d (at most %lld days)",
				d->max / 86400);
}

/* Days to keep something: 0 (keep forever) or d->min .. d->max. */
static bool set_days(struct loader *ld, const struct directive *d, const char *v, void *base)
{
	unsigned long long n = 0;

	if (!parse_number(v, false, &n) ||
	    (n && (n < (unsigned long long)d->min || n > (unsigned long long)d->max)))
		return config_bad_value(
			ld, d, v,
			"expected 0 (keep forever) or a number of days between %lld and %lld",
			d->min, d->max);
	*(unsigned *)config_field(base, d->offset) = (unsigned)n;
	return true;
}

/* ---- node handlers ---- */

static bool set_section(struct loader *ld, const struct directive *d, yaml_node_t *node,
			void *base)
{
	return config_apply_mapping(ld, d->arg, node, base);
}

static bool set_string_list(struct loader *ld, const struct directive *d, yaml_node_t *node,
			    void *base)
{
	char ***list = config_field(base, d->offset);
	size_t *count = config_field(base, d->count_offset);
	size_t n, i;

	if (config_node_is_null(node))
		return true;
	if (node->type != YAML_SEQUENCE_NODE)
		return config_fail(ld, node, "expected a list, got %s", config_node_kind(node));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	/* Each key is seen once (duplicates are refused), so nothing to free. */
	*list = xcalloc(n, sizeof(char *));
	*count = 0;
	for (i = 0; i < n; i++) {
		yaml_node_t *item = config_node_at(ld, node->data.sequence.items.start[i]);
		size_t old = config_path_push_index(ld, i);
		const char *v, *problem = NULL;

		if (!item)
			return config_fail(ld, node, "malformed YAML document");
		if (!config_count_node(ld, item) || !(v = config_scalar_text(ld, item)))
			return false;
		if (!*v)
			problem = "expected a non-empty value";
		else if (d->check)
			problem = d->check(v);
		if (problem) {
			config_bad_value(ld, d, v, "%s", problem);
			return config_fail(ld, item, "%s", ld->why);
		}
		(*list)[i] = xstrdup(v);
		*count = i + 1;
		config_path_pop(ld, old);
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

/* roles[].scopes: read, feedback, release; ci and admin stay with tokens. */
static bool set_role_scopes(struct loader *ld, const struct directive *d, yaml_node_t *node,
			    void *base)
{
	unsigned *bits = config_field(base, d->offset);
	size_t n, i;

	if (node->type != YAML_SEQUENCE_NODE)
		return config_fail(ld, node, "expected a list, got %s", config_node_kind(node));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (!n)
		return config_fail(ld, node, "expected at least one of read, feedback, release");
	for (i = 0; i < n; i++) {
		yaml_node_t *item = config_node_at(ld, node->data.sequence.items.start[i]);
		size_t old = config_path_push_index(ld, i);
		const char *v;
		unsigned b;

		if (!item)
			return config_fail(ld, node, "malformed YAML document");
		if (!config_count_node(ld, item) || !(v = config_scalar_text(ld, item)))
			return false;
		b = auth_scope_parse(v);
		if (b == AUTH_SCOPE_CI || b == AUTH_SCOPE_ADMIN)
			return config_fail(ld, item,
					   "\"%s\" is not granted by a role (ci and admin stay with "
					   "tokens); expected read, feedback or release",
					   v);
		if (!b)
			return config_fail(ld, item,
					   "unknown scope \"%.64s\"; expected read, feedback or release",
					   v);
		*bits |= b;
		config_path_pop(ld, old);
	}
	return true;
}

/* Lists of mappings: elements are counted as soon as they are initialised,
 * so config_free() cleans up a list that failed half-way. */
static bool set_list(struct loader *ld, const struct directive *d, yaml_node_t *node,
		     void *base)
{
	const struct list_spec *spec = d->arg;
	size_t *count = config_field(base, d->count_offset);
	size_t n, i;
	char *array;

	if (config_node_is_null(node))
		return true;
	if (node->type != YAML_SEQUENCE_NODE)
		return config_fail(ld, node, "expected a list, got %s", config_node_kind(node));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	array = xcalloc(n, spec->size);
	memcpy(config_field(base, d->offset), &array, sizeof(array));
	*count = 0;
	for (i = 0; i < n; i++) {
		yaml_node_t *item = config_node_at(ld, node->data.sequence.items.start[i]);
		size_t old = config_path_push_index(ld, i);
		void *elem = array + i * spec->size;

		if (!item)
			return config_fail(ld, node, "malformed YAML document");
		if (spec->init)
			spec->init(elem, i);
		*count = i + 1;
		if (item->type != YAML_MAPPING_NODE)
			return config_fail(ld, item, "expected a mapping, got %s", config_node_kind(item));
		if (!config_apply_mapping(ld, spec->fields, item, elem))
			return false;
		if (spec->check && !spec->check(ld, item, array, i))
			return false;
		config_path_pop(ld, old);
	}
	return true;
}

static const struct directive cadence_directives[];

static bool set_cadence(struct loader *ld, const struct directive *d, yaml_node_t *node,
			void *base)
{
	struct config_cadence *c = config_field(base, d->offset);
	int y = 0, m = 1, day = 1, wd;

	if (config_node_is_null(node))
		return true;
	c->weekday = -1;
	if (!config_apply_mapping(ld, cadence_directives, node, base))
		return false;
	if (c->anchor) {
		parse_date(c->anchor, &y, &m, &day);
		wd = clock_weekday_of_days(clock_days_from_civil(y, m, day));
		if (c->weekday < 0) {
			c->weekday = wd;
		} else if (c->every_days % 7 == 0 && c->weekday != wd) {
			size_t old = config_path_push(ld, "anchor");

			config_fail(ld, config_mapping_value(ld, node, "anchor"),
				    "%s is a %s, not a %s", c->anchor, weekday_names[wd],
				    weekday_names[c->weekday]);
			config_path_pop(ld, old);
			return false;
		}
	} else if (c->every_days % 7) {
		return config_fail(ld, node, "an anchor date is required when \"every\" is in days");
	} else if (c->weekday < 0) {
		return config_fail(ld, node, "expected a weekday or an anchor date");
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
	old = config_path_push(ld, "name");
	config_fail(ld, config_mapping_value(ld, item, "name"), "\"%s\" is listed twice", name);
	config_path_pop(ld, old);
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
		old = config_path_push(ld, "team");
		config_fail(ld, config_mapping_value(ld, item, "team"), "\"%s\" is listed twice", a[index].team);
		config_path_pop(ld, old);
		return false;
	}
	return true;
}

/* A role names a team or a group, not both, not neither. */
static bool check_role(struct loader *ld, yaml_node_t *item, const void *array, size_t index)
{
	const struct config_role *r = (const struct config_role *)array + index;

	if (!r->team == !r->group)
		return config_fail(ld, item, "expected a team or a group (one of them)");
	return true;
}

/* An SSO group's name, as the groups header lists it (comma-separated). */
static const char *validate_group(const char *s)
{
	if (strlen(s) > 200)
		return "expected at most 200 characters";
	for (; *s; s++)
		if (*s == ',' || (unsigned char)*s < ' ' || *s == 0x7f)
			return "expected a group name without commas or control characters";
	return NULL;
}

bool config_check_role_teams(struct loader *ld, const struct config *cfg, yaml_node_t *root)
{
	size_t i, j;

	for (i = 0; i < cfg->n_roles; i++) {
		const char *team = cfg->roles[i].team;
		yaml_node_t *n = config_mapping_value(ld, root, "roles"), *item = NULL;
		bool known = !team;

		for (j = 0; team && j < cfg->n_teams; j++)
			if (!strcasecmp(cfg->teams[j].name, team))
				known = true;
		if (known)
			continue;
		if (n && n->type == YAML_SEQUENCE_NODE &&
		    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) > i)
			item = config_node_at(ld, n->data.sequence.items.start[i]);
		config_path_pop(ld, 0);
		config_path_push(ld, "roles");
		config_path_push_index(ld, i);
		config_path_push(ld, "team");
		return config_fail(
			ld, item ? config_mapping_value(ld, item, "team") : root,
			"\"%s\" is not one of the teams (list it under teams, with its members)",
			team);
	}
	return true;
}

/* The first approval of `rel` naming a team that is not configured, or -1. */
static long unknown_gate_team(const struct config *cfg, const struct config_releases *rel)
{
	size_t i, j;

	for (i = 0; i < rel->gates.n_approvals; i++) {
		bool known = false;

		for (j = 0; j < cfg->n_teams; j++)
			if (!strcasecmp(cfg->teams[j].name, rel->gates.approvals[i].team))
				known = true;
		if (!known)
			return (long)i;
	}
	return -1;
}

/* Reports approvals[i].team of the `releases` mapping `rel_node` (NULL: not
 * found, the error points at the root); the path is already pushed. */
static bool fail_gate_team(struct loader *ld, yaml_node_t *root, yaml_node_t *rel_node,
			   size_t i, const char *team)
{
	yaml_node_t *n = rel_node, *item = NULL;

	n = n ? config_mapping_value(ld, n, "gates") : NULL;
	n = n ? config_mapping_value(ld, n, "approvals") : NULL;
	if (n && n->type == YAML_SEQUENCE_NODE &&
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) > i)
		item = config_node_at(ld, n->data.sequence.items.start[i]);
	config_path_push(ld, "gates");
	config_path_push(ld, "approvals");
	config_path_push_index(ld, i);
	config_path_push(ld, "team");
	return config_fail(ld, item ? config_mapping_value(ld, item, "team") : root,
			   "\"%s\" is not one of the teams (list it under teams, with its members)",
			   team);
}

/* Every team a gate wants approvals from must be a configured team, in the
 * global policy and in each repository's (checked once the whole file is
 * read: teams may come after releases). */
bool config_check_gate_teams(struct loader *ld, const struct config *cfg, yaml_node_t *root)
{
	long bad = unknown_gate_team(cfg, &cfg->releases);
	yaml_node_t *repos, *item;
	size_t r;

	if (bad >= 0) {
		config_path_pop(ld, 0);
		config_path_push(ld, "releases");
		return fail_gate_team(ld, root, config_mapping_value(ld, root, "releases"),
				      (size_t)bad, cfg->releases.gates.approvals[bad].team);
	}
	repos = config_mapping_value(ld, root, "repositories");
	for (r = 0; r < cfg->n_repositories; r++) {
		const struct config_releases *rel = cfg->repositories[r].releases;

		if (!rel || (bad = unknown_gate_team(cfg, rel)) < 0)
			continue;
		item = repos && repos->type == YAML_SEQUENCE_NODE ?
			       config_node_at(ld, repos->data.sequence.items.start[r]) :
			       NULL;
		config_path_pop(ld, 0);
		config_path_push(ld, "repositories");
		config_path_push_index(ld, r);
		config_path_push(ld, "releases");
		return fail_gate_team(ld, root,
				      item ? config_mapping_value(ld, item, "releases") : NULL,
				      (size_t)bad, rel->gates.approvals[bad].team);
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
#define ROLE(m) offsetof(struct config_role, m)
#define APPROVAL(m) offsetof(struct config_approval, m)
#define REL(m) offsetof(struct config_releases, m)

static const struct directive release_directives[];
static bool set_repo_releases(struct loader *ld, const struct directive *d, yaml_node_t *node,
			      void *base);

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
	{ .name = "releases", .node = set_repo_releases, .offset = REPO(releases),
	  .arg = release_directives },
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

static const struct directive role_fields[] = {
	{ .name = "team", .scalar = set_string, .offset = ROLE(team), .check = validate_slug },
	{ .name = "group", .scalar = set_string, .offset = ROLE(group), .check = validate_group },
	{ .name = "scopes", .node = set_role_scopes, .offset = ROLE(scopes), .required = true },
	{ 0 },
};

static const struct list_spec role_list = {
	.size = sizeof(struct config_role),
	.fields = role_fields,
	.check = check_role,
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
	{ .name = "sso_groups_header", .scalar = set_string, .offset = CFG(sso_groups_header),
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
	{ .name = "every", .scalar = set_every, .offset = REL(cadence.every_days),
	  .required = true },
	{ .name = "weekday", .scalar = set_weekday, .offset = REL(cadence.weekday) },
	{ .name = "anchor", .scalar = set_date, .offset = REL(cadence.anchor) },
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
	{ .name = "enabled", .scalar = set_bool, .offset = REL(gates.staging) },
	{ .name = "environment", .scalar = set_string, .offset = REL(gates.staging_environment),
	  .check = validate_slug },
	{ .name = "soak", .scalar = set_duration, .offset = REL(gates.soak_seconds), .min = 0,
	  .max = 30 * 86400 },
	{ .name = "descendant", .scalar = set_bool, .offset = REL(gates.staging_descendant) },
	{ 0 },
};

static const struct directive gate_directives[] = {
	{ .name = "ci", .scalar = set_bool, .offset = REL(gates.ci) },
	{ .name = "smoke_tests", .scalar = set_bool, .offset = REL(gates.smoke_tests) },
	{ .name = "artifacts", .scalar = set_bool, .offset = REL(gates.artifacts) },
	{ .name = "staging", .node = set_section, .arg = staging_gate_directives },
	{ .name = "approvals", .node = set_list, .offset = REL(gates.approvals),
	  .count_offset = REL(gates.n_approvals), .arg = &approval_list },
	{ 0 },
};

static const struct directive release_directives[] = {
	{ .name = "rc_pattern", .scalar = set_string, .offset = REL(rc_pattern),
	  .check = validate_not_blank },
	{ .name = "cadence", .node = set_cadence, .offset = REL(cadence) },
	{ .name = "required_artifacts", .node = set_string_list,
	  .offset = REL(required_artifacts), .count_offset = REL(n_required_artifacts),
	  .check = validate_artifact },
	{ .name = "gates", .node = set_section, .arg = gate_directives },
	{ 0 },
};

/* releases: the global policy, in place */
static bool set_releases(struct loader *ld, const struct directive *d, yaml_node_t *node,
			 void *base)
{
	return config_apply_mapping(ld, d->arg, node, config_field(base, d->offset));
}

/* repositories[].releases: the keys written replace the global ones (the
 * merge is policy_effective()'s, server/domain/policy.c); `given` says which
 * they are, from the YAML paths of config_release_keys. */
static bool set_repo_releases(struct loader *ld, const struct directive *d, yaml_node_t *node,
			      void *base)
{
	struct config_releases **slot = config_field(base, d->offset);
	const struct config_release_key_name *k;

	if (config_node_is_null(node))
		return true;
	*slot = xcalloc(1, sizeof **slot);
	config_releases_defaults(*slot);
	if (!config_apply_mapping(ld, d->arg, node, *slot))
		return false;
	for (k = config_release_keys; k->path; k++) {
		char part[64];
		const char *p = k->path;
		yaml_node_t *n = node;

		while (n && *p) {
			size_t len = strcspn(p, ".");

			snprintf(part, sizeof part, "%.*s", (int)len, p);
			n = config_mapping_value(ld, n, part);
			p += len + (p[len] == '.');
		}
		if (n)
			(*slot)->given |= k->bit;
	}
	return true;
}

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
	{ .name = "audit_days", .scalar = set_days, .offset = CFG(retention.audit_days),
	  .min = 1, .max = RETENTION_MAX_DAYS },
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
		return config_bad_value(ld, d, v, "expected slack or webhook");
	config_replace_string(config_field(base, d->offset), v);
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
		return config_bad_value(ld, d, v, "%s", problem);
	config_replace_string(&sink->url_env, v);
	if (!env_value(ld, v, &url))
		return false;
	if (!url)
		return true;
	if (validate_http_url(url)) {
		snprintf(ld->why, sizeof(ld->why),
			 "environment variable %s: expected an http:// or https:// URL", v);
		return false;
	}
	config_replace_string(&sink->url, url);
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
		return config_bad_value(ld, d, v,
					"expected a number of seconds between %g and %g (e.g. 5 "
					"or 0.5)",
					(double)d->min / 1000, (double)d->max / 1000);
	*(double *)config_field(base, d->offset) = x;
	return true;
}

static bool set_github_status(struct loader *ld, const struct directive *d, yaml_node_t *node,
			      void *base)
{
	struct config *cfg = base;

	cfg->notifications.github.configured = true;
	return config_apply_mapping(ld, d->arg, node, base);
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
		old = config_path_push(ld, "name");
		config_fail(ld, config_mapping_value(ld, item, "name"),
			    "\"github_status\" is reserved for commit statuses (the github_status "
			    "section)");
		config_path_pop(ld, old);
		return false;
	}
	if (!s[index].n_events)
		return config_fail(ld, item, "expected at least one event under \"events\"");
	if (!strcmp(s[index].type, "slack") && config_mapping_value(ld, item, "secret_env")) {
		old = config_path_push(ld, "secret_env");
		config_fail(ld, config_mapping_value(ld, item, "secret_env"),
			    "only a webhook sink is signed; a Slack URL is its own secret");
		config_path_pop(ld, old);
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

const struct directive config_top_directives[] = {
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
	{ .name = "roles", .node = set_list, .offset = CFG(roles), .count_offset = CFG(n_roles),
	  .arg = &role_list },
	{ .name = "releases", .node = set_releases, .offset = CFG(releases),
	  .arg = release_directives },
	{ .name = "retention", .node = set_section, .arg = retention_directives },
	{ .name = "notifications", .node = set_section, .arg = notification_directives },
	{ 0 },
};

/* Environment overrides, applied after the file: same handlers, same limits. */
const struct directive config_env_directives[] = {
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
	{ .name = "SHIPLOG_RETENTION_AUDIT_DAYS", .scalar = set_days,
	  .offset = CFG(retention.audit_days), .min = 1, .max = RETENTION_MAX_DAYS },
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

