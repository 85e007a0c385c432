/*
 * args.c — argv against the command tables: sub-command lookup, long
 * options (`--name value` and `--name=value`), repeated and integer options,
 * positional arguments, and the help and usage texts made from the tables.
 *
 * Values are borrowed from argv; nothing here copies a string.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "shiplog/xalloc.h"

const struct cli_opt cli_global_opts[] = {
	{"url", "URL", 0, "shiplog server (default: $SHIPLOG_URL)"},
	{"token", "TOKEN", 0, "API token (default: $SHIPLOG_TOKEN)"},
	{"json", NULL, 0, "print the server's JSON instead of a table"},
	{"timeout", "SECONDS", CLI_OPT_INT, "give up on a request after this long (default 30)"},
	{"version", NULL, 0, "print the version of this client"},
	{0},
};

#define NGLOBALS (sizeof cli_global_opts / sizeof cli_global_opts[0] - 1)

static bool is_global(const struct cli_opt *o)
{
	return o >= cli_global_opts && o < cli_global_opts + NGLOBALS;
}

static const struct cli_opt *opt_find(const struct cli_opt *opts, const char *name, size_t len)
{
	for (const struct cli_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct cli_command *sub_find(const struct cli_command *cmd, const char *name)
{
	for (const struct cli_command *const *s = cmd->subs; s && *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

static bool is_decimal(const char *s)
{
	if (!*s || strlen(s) > 18)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void path_append(struct cli_args *a, const char *word)
{
	size_t used = strlen(a->path);
	snprintf(a->path + used, sizeof a->path - used, "%s%s", used ? " " : "", word);
}

static void vusage_error(const struct cli_args *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vusage_error(const struct cli_args *a, const char *fmt, va_list ap)
{
	fprintf(stderr, "shiplog%s%s: ", a->path[0] ? " " : "", a->path);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	cli_usage(stderr, a->cmd, a->path);
}

int cli_usage_error(const struct cli_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vusage_error(a, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

static enum cli_parse_result parse_error(const struct cli_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static enum cli_parse_result parse_error(const struct cli_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vusage_error(a, fmt, ap);
	va_end(ap);
	return CLI_PARSE_USAGE;
}

/* Checks what the whole command line must satisfy once it is read. */
static enum cli_parse_result check_complete(struct cli_args *a)
{
	const struct cli_command *cmd = a->cmd;
	if (!cmd->run)
		return parse_error(a, "missing command");
	if (a->npos < cmd->min_pos)
		return parse_error(a, "missing %s", cmd->positional ? cmd->positional : "argument");
	if (a->npos > cmd->max_pos)
		return parse_error(a, "unexpected argument '%s'", a->pos[cmd->max_pos]);
	bool replaced = cmd->unless && cli_flag(a, cmd->unless);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		bool given = cli_flag(a, o->name);
		if (replaced && given && strcmp(o->name, cmd->unless) != 0)
			return parse_error(a, "--%s cannot be combined with --%s", o->name,
					   cmd->unless);
		if (!replaced && !given && (o->flags & CLI_OPT_REQUIRED))
			return parse_error(a, "missing --%s", o->name);
	}
	return CLI_PARSE_OK;
}

/* One "--name[=value]" at argv[*i]; consumes its value. */
static enum cli_parse_result parse_option(struct cli_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	if (arg[1] != '-')
		return parse_error(a, "unknown option '%s'", arg);
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = opt_find(a->cmd->opts, name, len);
	if (!o)
		o = opt_find(cli_global_opts, name, len);
	if (!o)
		return parse_error(a, "unknown option '--%.*s'", (int)len, name);
	const char *value = "";
	if (o->metavar) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return parse_error(a, "--%s needs a value (%s)", o->name, o->metavar);
		if ((o->flags & CLI_OPT_INT) && !is_decimal(value))
			return parse_error(a, "--%s: not a number: '%s'", o->name, value);
	} else if (eq) {
		return parse_error(a, "--%s takes no value", o->name);
	}
	a->vals[a->nvals++] = (struct cli_value){o, value};
	return CLI_PARSE_OK;
}

enum cli_parse_result cli_args_parse(const struct cli_command *root, int argc, char **argv,
				     struct cli_args *a)
{
	memset(a, 0, sizeof *a);
	a->cmd = root;
	a->vals = xcalloc((size_t)argc + 1, sizeof *a->vals);
	a->pos = xcalloc((size_t)argc + 1, sizeof *a->pos);
	bool help = false, options_end = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!options_end && arg[0] == '-' && arg[1]) {
			if (strcmp(arg, "--") == 0) {
				options_end = true;
			} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
				help = true;
			} else {
				enum cli_parse_result r = parse_option(a, argc, argv, &i);
				if (r != CLI_PARSE_OK)
					return r;
			}
			continue;
		}
		if (a->cmd->subs && a->npos == 0) {
			const struct cli_command *sub = sub_find(a->cmd, arg);
			if (!sub) {
				if (help)
					return CLI_PARSE_HELP;
				return parse_error(a, "unknown command '%s'", arg);
			}
			a->cmd = sub;
			path_append(a, sub->name);
			continue;
		}
		a->pos[a->npos++] = arg;
	}
	if (help)
		return CLI_PARSE_HELP;
	if (cli_global(a, "version"))
		return CLI_PARSE_VERSION;
	return check_complete(a);
}

void cli_args_free(struct cli_args *a)
{
	free(a->vals);
	free(a->pos);
	a->vals = NULL;
	a->pos = NULL;
}

/* The last value given to option `name` of the command (global=false) or
 * of the global options. */
static const char *last_value(const struct cli_args *a, const char *name, bool global)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->nvals; i++)
		if (is_global(a->vals[i].opt) == global && strcmp(a->vals[i].opt->name, name) == 0)
			v = a->vals[i].value;
	return v;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	return last_value(a, name, false);
}

const char *cli_global(const struct cli_args *a, const char *name)
{
	return last_value(a, name, true);
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_arg(a, name) != NULL;
}

const char *cli_arg_next(const struct cli_args *a, const char *name, size_t *iter)
{
	for (; *iter < a->nvals; (*iter)++)
		if (!is_global(a->vals[*iter].opt) && strcmp(a->vals[*iter].opt->name, name) == 0)
			return a->vals[(*iter)++].value;
	return NULL;
}

bool cli_arg_int(const struct cli_args *a, const char *name, long long *out)
{
	const char *v = cli_arg(a, name);
	if (!v)
		v = cli_global(a, name);
	if (!v)
		return false;
	*out = strtoll(v, NULL, 10); /* checked by the parser: CLI_OPT_INT */
	return true;
}

/* ---- help and usage ------------------------------------------------------ */

static void synopsis(FILE *f, const struct cli_command *cmd, const char *path)
{
	fprintf(f, "usage: shiplog%s%s", path[0] ? " " : "", path);
	if (cmd->subs) {
		fputs(" COMMAND [options]\n", f);
		return;
	}
	if (cmd->positional)
		fprintf(f, " %s", cmd->positional);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		if (o->flags & CLI_OPT_REQUIRED)
			fprintf(f, " --%s %s", o->name, o->metavar);
	fputs(" [options]", f);
	if (cmd->unless) {
		const struct cli_opt *u = opt_find(cmd->opts, cmd->unless, strlen(cmd->unless));
		fprintf(f, "\n       shiplog %s --%s %s", path, cmd->unless, u ? u->metavar : "");
	}
	fputc('\n', f);
}

static void options(FILE *f, const char *title, const struct cli_opt *opts)
{
	if (!opts || !opts->name)
		return;
	fprintf(f, "\n%s:\n", title);
	for (const struct cli_opt *o = opts; o->name; o++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		/* a long option name gets its help on the next line */
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s", left, "");
		else
			fprintf(f, "  %-24s", left);
		fprintf(f, " %s%s%s\n", o->help, (o->flags & CLI_OPT_REQUIRED) ? " (required)" : "",
			(o->flags & CLI_OPT_REPEAT) ? " (repeatable)" : "");
	}
}

static void commands(FILE *f, const struct cli_command *cmd, const char *path)
{
	fputs("\nCommands:\n", f);
	for (const struct cli_command *const *s = cmd->subs; *s; s++)
		fprintf(f, "  %-10s %s\n", (*s)->name, (*s)->summary);
	fprintf(f, "\nRun 'shiplog%s%s COMMAND --help' for a command's options.\n",
		path[0] ? " " : "", path);
}

void cli_usage(FILE *f, const struct cli_command *cmd, const char *path)
{
	synopsis(f, cmd, path);
	if (cmd->subs) {
		commands(f, cmd, path);
		return;
	}
	options(f, "Options", cmd->opts);
	fprintf(f, "Run 'shiplog %s --help' for more.\n", path);
}

void cli_help(FILE *f, const struct cli_command *cmd, const char *path)
{
	synopsis(f, cmd, path);
	if (cmd->summary)
		fprintf(f, "\n%s\n", cmd->summary);
	if (cmd->subs) {
		commands(f, cmd, path);
	} else {
		options(f, "Options", cmd->opts);
	}
	options(f, "Global options", cli_global_opts);
	fputs("  -h, --help               this help\n", f);
	fputs("\nExit codes: 0 done, 1 the server refused (its reason printed), 2 bad usage,\n"
	      "3 the server could not be reached.\n",
	      f);
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
}
