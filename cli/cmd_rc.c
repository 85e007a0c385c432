/*
 * cmd_rc.c — release candidates: `shiplog rc cut` (POST
 * /api/v1/release-candidates), `rc ls`, `rc show ID`, `rc ready ID` (the
 * readiness checklist; its exit code gates a CI step), `rc notes ID` (the
 * release notes as Markdown) and `rc state ID STATE` (a manual state change).
 *
 * `rc notes` (text/markdown) and `rc state` (whose 409 names the allowed
 * states in fields of its own) need the server's whole answer, so they send
 * with cli_http_send and judge the answer here; the rest use cli_call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "table.h"

/* ---- helpers ------------------------------------------------------------------ */

/* A positive decimal id as the server takes it (1 .. 10^18-1). */
static bool is_id(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n && strspn(s, "0") < n;
}

/* Colours for the words of release candidates and their gates. */
static const char *rc_color(const char *word)
{
	static const struct {
		const char *word, *color;
	} colors[] = {
		{"approved", "\033[32m"}, {"released", "\033[32m"},   {"ready", "\033[32m"},
		{"rejected", "\033[31m"}, {"superseded", "\033[90m"}, {"testing", "\033[33m"},
		{"open", "\033[33m"},	  {"resolved", "\033[32m"},
	};
	for (size_t i = 0; word && i < sizeof colors / sizeof colors[0]; i++)
		if (strcmp(word, colors[i].word) == 0)
			return colors[i].color;
	return cli_state_color(word);
}

/* Joins the strings of a JSON array with ", " into buf; `none` when empty. */
static const char *join(const json_t *array, const char *none, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t i;
	json_t *v;
	json_array_foreach(array, i, v) {
		size_t used = strlen(buf);
		if (json_is_string(v))
			snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
				 json_string_value(v));
	}
	return buf[0] ? buf : none;
}

/* Writes text from the server to stdout, control characters but newlines
 * and tabs shown as '?' (an ESC could repaint the terminal). */
static void print_clean(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		putchar((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f ? '?' : ch);
	}
}

/* Sends and keeps the whole answer in *r (free it with cli_response_free):
 * CLI_EXIT_OK for a 2xx answer; CLI_EXIT_REFUSED for any other (printed
 * when `quiet` is false, *r kept for a closer look); no answer: why. */
static int send_keep(struct cli *c, const char *method, const struct cli_url *u, const json_t *body,
		     bool quiet, struct cli_response *r)
{
	memset(r, 0, sizeof *r);
	if (u->overflow) {
		fputs("shiplog: the request is too long (shorten the arguments)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (body && !text)
		abort();
	int rc = cli_http_send(c, method, u->buf, text, text ? strlen(text) : 0, r);
	free(text);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status < 200 || r->status > 299) {
		if (!quiet)
			cli_print_refusal(c, r);
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/* "/api/v1/release-candidates/ID" and an optional further path. */
static void rc_url(struct cli_url *u, const char *id, const char *sub)
{
	cli_url_init(u, "/api/v1/release-candidates");
	cli_url_segment(u, id);
	if (sub)
		cli_url_segment(u, sub);
}

/* "acme/app v1.2.0-rc.2" */
static void print_rc_title(const char *prefix, const json_t *rc)
{
	char id[32];
	printf("%s %s  %s %s\n", prefix, cli_jtext(rc, "id", id, sizeof id) ? id : "-",
	       cli_jstr(rc, "repository") ? cli_jstr(rc, "repository") : "-",
	       cli_jstr(rc, "version") ? cli_jstr(rc, "version") : "-");
}

/* ---- shiplog rc cut --------------------------------------------------------------- */

static const struct cli_opt cut_opts[] = {
	{"repository", "OWNER/NAME", CLI_OPT_REQUIRED, "the repository"},
	{"version", "VERSION", CLI_OPT_REQUIRED, "the RC's version (its tag), e.g. v1.2.0-rc.1"},
	{"commit", "SHA", CLI_OPT_REQUIRED, "the commit it is cut from (40 hex digits)"},
	{"artifact", "DIGEST", CLI_OPT_REPEAT,
	 "sha256:<64 hex> of an artifact it ships (default: those built from its commit)"},
	{"notes", "TEXT", 0, "free text about this RC"},
	{0},
};

static const struct cli_field cut_fields[] = {
	{"repository", "repository", CLI_FIELD_STRING},
	{"version", "version", CLI_FIELD_STRING},
	{"commit", "commit", CLI_FIELD_STRING},
	{"notes", "notes", CLI_FIELD_STRING},
	{0},
};

static int rc_cut(struct cli *c, const struct cli_args *a)
{
	json_t *body = cli_body_from_args(a, cut_fields);
	json_t *artifacts = json_array();
	size_t it = 0;
	const char *digest;
	while ((digest = cli_arg_next(a, "artifact", &it)))
		json_array_append_new(artifacts, json_stringn_nocheck(digest, strlen(digest)));
	if (json_array_size(artifacts))
		json_object_set(body, "artifacts", artifacts);
	json_decref(artifacts);

	struct cli_url u;
	cli_url_init(&u, "/api/v1/release-candidates");
	json_t *rc_json;
	long status = 0;
	int rc = cli_call(c, "POST", &u, body, &rc_json, &status);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, rc_json);
	} else {
		char id[32], sha[16];
		const char *state = cli_jstr(rc_json, "state");
		printf("%s release candidate %s: %s %s (target %s) at %s, %s\n",
		       status == 201 ? "Cut" : "Merged into",
		       cli_jtext(rc_json, "id", id, sizeof id) ? id : "-",
		       cli_jstr(rc_json, "repository") ? cli_jstr(rc_json, "repository") : "-",
		       cli_jstr(rc_json, "version") ? cli_jstr(rc_json, "version") : "-",
		       cli_jstr(rc_json, "target") ? cli_jstr(rc_json, "target") : "-",
		       cli_short_sha(cli_jstr(rc_json, "commit"), 7, sha, sizeof sha),
		       state ? state : "-");
	}
	json_decref(rc_json);
	return CLI_EXIT_OK;
}

static const struct cli_command rc_cut_cmd = {
	.name = "cut",
	.summary = "Cut a release candidate of a commit",
	.opts = cut_opts,
	.run = rc_cut,
	.details = "Cutting a version that a tag or a GitHub pre-release already made is not an\n"
		   "error (it is merged into that RC); cutting it again at another commit or with\n"
		   "other artifacts is refused (exit 1).  Needs a token with scope ci or release.\n\n"
		   "Example:\n"
		   "  shiplog rc cut --repository acme/app --version v1.2.0-rc.1 \\\n"
		   "    --commit \"$GITHUB_SHA\" --artifact sha256:0123... --notes \"first cut\"\n",
};

/* ---- shiplog rc ls ---------------------------------------------------------------- */

static const struct cli_opt ls_opts[] = {
	{"repo", "OWNER/NAME", 0, "only this repository"},
	{"state", "STATE", 0, "draft, testing, approved, rejected, released or superseded"},
	{"target", "VERSION", 0, "candidates for this release, e.g. v1.2.0"},
	{"limit", "N", CLI_OPT_INT, "release candidates per page (1-200, default 50)"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

static const struct cli_field ls_query[] = {
	{"repo", "repo", CLI_FIELD_STRING},
	{"state", "state", CLI_FIELD_STRING},
	{"target", "target", CLI_FIELD_STRING},
	{"limit", "limit", CLI_FIELD_STRING},
	{0},
};

static int rc_ls(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/release-candidates");
	cli_query_from_args(&u, a, ls_query);
	json_t *list;
	int rc = cli_list(c, &u, cli_flag(a, "all"), &list);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, list);
		json_decref(list);
		return CLI_EXIT_OK;
	}
	static const char *const headers[] = {"ID",    "REPO",	 "VERSION", "TARGET",
					      "STATE", "COMMIT", "CUT AT",  NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(list, "items"), i, item) {
		char id[32], sha[16], cut[32];
		const char *state = cli_jstr(item, "state");
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(item, "id", id, sizeof id));
		cli_table_cell(t, cli_jstr(item, "repository"));
		cli_table_cell(t, cli_jstr(item, "version"));
		cli_table_cell(t, cli_jstr(item, "target"));
		cli_table_cell_color(t, state, rc_color(state));
		cli_table_cell(t, cli_short_sha(cli_jstr(item, "commit"), 7, sha, sizeof sha));
		cli_table_cell(t, cli_time_format(cli_jstr(item, "cut_at"), cut, sizeof cut));
	}
	if (cli_table_rows(t) == 0)
		puts("No release candidates.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

static const struct cli_command rc_ls_cmd = {
	.name = "ls",
	.summary = "List release candidates, newest first",
	.opts = ls_opts,
	.run = rc_ls,
	.details = "Example:\n  shiplog rc ls --repo acme/app --target v1.2.0\n",
};

/* ---- shiplog rc show ID -------------------------------------------------------------- */

static void kv(struct cli_table *t, const char *key, const char *value)
{
	cli_table_row(t);
	cli_table_cell(t, key);
	cli_table_cell(t, value);
}

static void print_summary(const struct cli *c, const json_t *rc)
{
	char buf[512], buf2[64];
	const char *state = cli_jstr(rc, "state");
	struct cli_table *t = cli_table_new(NULL, 2);
	cli_table_row(t);
	cli_table_cell(t, "state");
	cli_table_cell_color(t, state, rc_color(state));
	kv(t, "target", cli_jstr(rc, "target"));
	kv(t, "commit", cli_jstr(rc, "commit"));
	kv(t, "tag", cli_jstr(rc, "tag"));
	kv(t, "made by", join(cli_jget(rc, "sources"), "-", buf, sizeof buf));
	cli_table_row(t);
	cli_table_cell(t, "cut");
	cli_table_cellf(t, "%s by %s", cli_time_format(cli_jstr(rc, "cut_at"), buf2, sizeof buf2),
			cli_jstr(rc, "cut_by") ? cli_jstr(rc, "cut_by") : "-");
	kv(t, "state changed", cli_time_format(cli_jstr(rc, "state_changed_at"), buf, sizeof buf));
	if (cli_jstr(rc, "superseded_by.version")) {
		cli_table_row(t);
		cli_table_cell(t, "superseded by");
		cli_table_cellf(t, "%s (%s)", cli_jstr(rc, "superseded_by.version"),
				cli_jtext(rc, "superseded_by.id", buf2, sizeof buf2) ? buf2 : "-");
	}
	if (cli_jstr(rc, "release.version")) {
		cli_table_row(t);
		cli_table_cell(t, "released");
		cli_table_cellf(
			t, "%s at %s", cli_jstr(rc, "release.version"),
			cli_time_format(cli_jstr(rc, "release.released_at"), buf2, sizeof buf2));
	}
	kv(t, "url", cli_jstr(rc, "url"));
	json_t *fb = cli_jget(rc, "feedback");
	cli_table_row(t);
	cli_table_cell(t, "feedback");
	cli_table_cellf(t, "%lld approve, %lld concern, %lld block, %lld unresolved; %s",
			(long long)json_integer_value(json_object_get(fb, "approve")),
			(long long)json_integer_value(json_object_get(fb, "concern")),
			(long long)json_integer_value(json_object_get(fb, "block")),
			(long long)json_integer_value(json_object_get(fb, "unresolved")),
			json_is_true(cli_jget(rc, "feedback_open")) ? "open" : "closed");
	kv(t, "next states", join(cli_jget(rc, "allowed_transitions"), "none", buf, sizeof buf));
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);

	const char *notes = cli_jstr(rc, "notes");
	if (notes && *notes) {
		puts("\nNotes:");
		for (const char *p = notes; *p;) {
			size_t n = strcspn(p, "\n");
			fputs("  ", stdout);
			print_clean(p, n);
			putchar('\n');
			p += n;
			if (*p)
				p++;
		}
	}
}

static void print_history(const struct cli *c, const json_t *history)
{
	static const char *const headers[] = {"AT", "FROM", "TO", "BY", "WHY", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *h;
	json_array_foreach(history, i, h) {
		char at[32], why[200];
		const char *to = cli_jstr(h, "to");
		const char *fact = cli_jstr(h, "fact");
		const char *reason = cli_jstr(h, "reason");
		cli_table_row(t);
		cli_table_cell(t, cli_time_format(cli_jstr(h, "at"), at, sizeof at));
		cli_table_cell(t, cli_jstr(h, "from"));
		cli_table_cell_color(t, to, rc_color(to));
		cli_table_cellf(t, "%s (%s)", cli_jstr(h, "actor") ? cli_jstr(h, "actor") : "-",
				cli_jstr(h, "source") ? cli_jstr(h, "source") : "-");
		if (reason && fact)
			cli_table_cellf(t, "%s; %s", cli_first_line(reason, 80, why, sizeof why), fact);
		else
			cli_table_cell(t, cli_first_line(reason ? reason : fact, 100, why, sizeof why));
	}
	puts("\nHistory:");
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
}

static void print_artifacts(const struct cli *c, const json_t *rc)
{
	const char *from = cli_jstr(rc, "artifacts_from");
	const json_t *artifacts = cli_jget(rc, "artifacts");
	printf("\nArtifacts (%s):", from && strcmp(from, "digests") == 0
					    ? "the digests it was cut with"
					    : "built from its commit");
	if (!json_array_size(artifacts)) {
		puts(" none");
		return;
	}
	putchar('\n');
	static const char *const headers[] = {"ID", "KIND", "NAME", "VERSION", "DIGEST", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *art;
	json_array_foreach(artifacts, i, art) {
		char id[32], digest[32];
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(art, "id", id, sizeof id));
		cli_table_cell(t, cli_jstr(art, "kind"));
		cli_table_cell(t, cli_jstr(art, "name"));
		cli_table_cell(t, cli_jstr(art, "version"));
		cli_table_cell(t,
			       cli_short_sha(cli_jstr(art, "digest"), 12, digest, sizeof digest));
	}
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
}

/* Feedback items as a table; `with_rc`: a column for the RC each is on. */
static void print_feedback(const struct cli *c, const char *title, const json_t *items,
			   bool with_rc, const char *none)
{
	if (!json_array_size(items)) {
		printf("\n%s: %s\n", title, none);
		return;
	}
	static const char *const with[] = {"ID",     "RC",   "VERDICT", "SEVERITY", "STATUS",
					   "AUTHOR", "TEAM", "AREA",	"COMMENT",  NULL};
	static const char *const without[] = {"ID",   "VERDICT", "SEVERITY", "STATUS", "AUTHOR",
					      "TEAM", "AREA",	 "COMMENT",  NULL};
	struct cli_table *t = cli_table_new(with_rc ? with : without, 0);
	size_t i;
	json_t *f;
	json_array_foreach(items, i, f) {
		char id[32], comment[200], author[240];
		const char *verdict = cli_jstr(f, "verdict");
		const char *status = cli_jstr(f, "status");
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(f, "id", id, sizeof id));
		if (with_rc)
			cli_table_cell(t, cli_jstr(f, "release_candidate.version"));
		cli_table_cell_color(t, verdict, rc_color(verdict));
		cli_table_cell(t, cli_jstr(f, "severity"));
		cli_table_cell_color(t, status, rc_color(status));
		snprintf(author, sizeof author, "%s%s",
			 cli_jstr(f, "author") ? cli_jstr(f, "author") : "-",
			 json_is_true(cli_jget(f, "verified")) ? "" : " (unverified)");
		cli_table_cell(t, author);
		cli_table_cell(t, cli_jstr(f, "team"));
		cli_table_cell(t, cli_jstr(f, "area"));
		cli_table_cell(t, cli_first_line(cli_jstr(f, "comment"), 60, comment, sizeof comment));
	}
	printf("\n%s:\n", title);
	cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
}

/* The RC's feedback that is not resolved yet (every page). */
static int unresolved_feedback(struct cli *c, const char *id, json_t **out)
{
	*out = NULL;
	struct cli_url u;
	rc_url(&u, id, "feedback");
	cli_url_query(&u, "limit", "200");
	json_t *list;
	int rc = cli_list(c, &u, true, &list);
	if (rc != CLI_EXIT_OK)
		return rc;
	json_t *open = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(list, "items"), i, f) {
		const char *status = cli_jstr(f, "status");
		if (!status || strcmp(status, "resolved") != 0)
			json_array_append(open, f);
	}
	json_decref(list);
	*out = open;
	return CLI_EXIT_OK;
}

static int rc_show(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (!is_id(id))
		return cli_usage_error(a, "not a release candidate id: '%s'", id);
	struct cli_url u;
	rc_url(&u, id, NULL);
	json_t *rc_json;
	int rc = cli_call(c, "GET", &u, NULL, &rc_json, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, rc_json);
		json_decref(rc_json);
		return CLI_EXIT_OK;
	}
	/* the feedback list only when there is feedback at all */
	json_t *open = NULL;
	json_t *fb = cli_jget(rc_json, "feedback");
	if (json_integer_value(json_object_get(fb, "approve")) +
		    json_integer_value(json_object_get(fb, "concern")) +
		    json_integer_value(json_object_get(fb, "block")) >
	    0) {
		rc = unresolved_feedback(c, id, &open);
		if (rc != CLI_EXIT_OK) {
			json_decref(rc_json);
			return rc;
		}
	}
	print_rc_title("Release candidate", rc_json);
	print_summary(c, rc_json);
	print_history(c, cli_jget(rc_json, "history"));
	print_artifacts(c, rc_json);
	print_feedback(c, "Open feedback", open, false, "none");
	print_feedback(c, "To re-check (unresolved on earlier RCs of this release)",
		       cli_jget(rc_json, "to_recheck"), true, "none");
	json_decref(open);
	json_decref(rc_json);
	return CLI_EXIT_OK;
}

static const struct cli_command rc_show_cmd = {
	.name = "show",
	.summary = "Show a release candidate: state, history, artifacts, open feedback",
	.positional = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = rc_show,
	.details = "\"To re-check\" lists the concerns and blocks given on earlier RCs of the\n"
		   "same release that are not resolved yet: see whether this RC fixes them.\n",
};

/* ---- shiplog rc ready ID -------------------------------------------------------------- */

static int rc_ready(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (!is_id(id))
		return cli_usage_error(a, "not a release candidate id: '%s'", id);
	struct cli_url u;
	rc_url(&u, id, "readiness");
	json_t *r;
	int rc = cli_call(c, "GET", &u, NULL, &r, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	const char *verdict = cli_jstr(r, "verdict");
	bool ready = verdict && strcmp(verdict, "ready") == 0;
	const char *version = cli_jstr(r, "release_candidate.version");
	if (c->json) {
		cli_print_json(stdout, r);
		if (!ready)
			fprintf(stderr, "shiplog: %s is not ready: %s\n", version ? version : id,
				verdict ? verdict : "no verdict");
		json_decref(r);
		return ready ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	}
	const json_t *rcj = cli_jget(r, "release_candidate");
	const char *state = cli_jstr(rcj, "state");
	char idbuf[32];
	printf("Release candidate %s  %s %s (%s)\n",
	       cli_jtext(rcj, "id", idbuf, sizeof idbuf) ? idbuf : id,
	       cli_jstr(rcj, "repository") ? cli_jstr(rcj, "repository") : "-",
	       version ? version : "-", state ? state : "-");
	static const char *const headers[] = {"GATE", "STATUS", "REASON", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i, failed = 0, pending = 0;
	json_t *g;
	json_array_foreach(cli_jget(r, "gates"), i, g) {
		const char *status = cli_jstr(g, "status");
		if (status && strcmp(status, "failed") == 0)
			failed++;
		else if (!status || strcmp(status, "passed") != 0)
			pending++;
		cli_table_row(t);
		cli_table_cell(t, cli_jstr(g, "gate"));
		cli_table_cell_color(t, status, rc_color(status));
		cli_table_cell(t, cli_jstr(g, "reason"));
	}
	if (cli_table_rows(t) == 0)
		puts("No gates.");
	else
		cli_table_print(t, stdout, c->color, 0);
	cli_table_free(t);
	char when[32];
	const char *at = cli_time_format(cli_jstr(r, "evaluated_at"), when, sizeof when);
	if (ready)
		printf("\nReady (as of %s).\n", at);
	else
		printf("\nNot ready: %s (%zu failed, %zu pending; as of %s).\n",
		       verdict ? verdict : "no verdict", failed, pending, at);
	json_decref(r);
	return ready ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
}

static const struct cli_command rc_ready_cmd = {
	.name = "ready",
	.summary = "Is a release candidate ready? Each gate: passed, failed or pending",
	.positional = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = rc_ready,
	.details = "EXIT CODE: 0 when the verdict is ready, 1 when it is not (a gate failed or is\n"
		   "still pending), so a CI step can gate on it (with --json as well):\n"
		   "  shiplog rc ready \"$RC_ID\" && ./promote.sh\n",
};

/* ---- shiplog rc notes ID --------------------------------------------------------------- */

static int rc_notes(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (!is_id(id))
		return cli_usage_error(a, "not a release candidate id: '%s'", id);
	struct cli_url u;
	if (c->json) {
		rc_url(&u, id, "changes");
		json_t *changes;
		int rc = cli_call(c, "GET", &u, NULL, &changes, NULL);
		if (rc != CLI_EXIT_OK)
			return rc;
		cli_print_json(stdout, changes);
		json_decref(changes);
		return CLI_EXIT_OK;
	}
	rc_url(&u, id, "notes.md");
	struct cli_response r;
	int rc = send_keep(c, "GET", &u, NULL, false, &r);
	if (rc == CLI_EXIT_OK) {
		/* Markdown as the server wrote it; only terminal controls masked */
		print_clean(r.body, r.len);
		if (r.len && r.body[r.len - 1] != '\n')
			putchar('\n');
	}
	cli_response_free(&r);
	return rc;
}

static const struct cli_command rc_notes_cmd = {
	.name = "notes",
	.summary = "Print a release candidate's release notes (Markdown)",
	.positional = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = rc_notes,
	.details = "The pull requests merged since the previous release, grouped by label.\n"
		   "With --json: the structured changes the notes are made from\n"
		   "(GET /api/v1/release-candidates/ID/changes).\n\n"
		   "Example:\n  shiplog rc notes 42 > RELEASE_NOTES.md\n",
};

/* ---- shiplog rc state ID STATE ------------------------------------------------------------ */

static const struct cli_opt state_opts[] = {
	{"reason", "TEXT", 0, "why (kept in its history)"},
	{"override-reason", "TEXT", 0,
	 "approve or release although a gate failed or is pending (scope release; recorded)"},
	{"expected-state", "STATE", 0, "refuse the change if the RC is no longer in this state"},
	{0},
};

/* The server's 409 in words: the gates that are not passed, the state it is in now, or the
 * states allowed from it. */
static void rc_state_refused(const json_t *problem)
{
	const json_t *gates = cli_jget(problem, "gates");
	const json_t *allowed = cli_jget(problem, "allowed");
	const char *current = cli_jstr(problem, "current");
	if (json_is_array(gates)) {
		size_t i;
		const json_t *g;
		json_array_foreach(gates, i, g)
		{
			const char *name = cli_jstr(g, "name"), *status = cli_jstr(g, "status");
			const char *why = cli_jstr(g, "reason");
			fprintf(stderr, "shiplog: gate %s %s%s%s\n", name ? name : "-",
				status ? status : "-", why ? ": " : "", why ? why : "");
		}
		if (json_array_size(gates))
			fprintf(stderr, "shiplog: a release manager may go on with "
					"--override-reason TEXT (recorded)\n");
	} else if (cli_jstr(problem, "expected_state")) {
		const char *now = cli_jstr(problem, "state");
		fprintf(stderr, "shiplog: it is %s now, not %s\n", now ? now : "-",
			cli_jstr(problem, "expected_state"));
	} else if (json_is_array(allowed)) {
		char list[300];
		if (json_array_size(allowed))
			fprintf(stderr, "shiplog: allowed from %s: %s\n", current ? current : "its state",
				join(allowed, "-", list, sizeof list));
		else
			fprintf(stderr, "shiplog: allowed from %s: none (it is final)\n",
				current ? current : "its state");
	}
}

static int rc_state(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (!is_id(id))
		return cli_usage_error(a, "not a release candidate id: '%s'", id);
	json_t *body = json_object();
	json_object_set_new(body, "state", json_stringn_nocheck(a->pos[1], strlen(a->pos[1])));
	static const char *const text_opts[][2] = {{"reason", "reason"},
						   {"override-reason", "override_reason"},
						   {"expected-state", "expected_state"}};
	for (size_t i = 0; i < sizeof text_opts / sizeof text_opts[0]; i++) {
		const char *v = cli_arg(a, text_opts[i][0]);
		if (v)
			json_object_set_new(body, text_opts[i][1], json_stringn_nocheck(v, strlen(v)));
	}
	struct cli_url u;
	rc_url(&u, id, NULL);
	struct cli_response r;
	int rc = send_keep(c, "PATCH", &u, body, false, &r);
	json_decref(body);
	if (rc == CLI_EXIT_REFUSED) {
		rc_state_refused(r.json);
	} else if (rc == CLI_EXIT_OK && !r.json) {
		fprintf(stderr, "shiplog: the server's answer (HTTP %ld) is not JSON\n", r.status);
		rc = CLI_EXIT_REFUSED;
	} else if (rc == CLI_EXIT_OK) {
		if (c->json) {
			cli_print_json(stdout, r.json);
		} else {
			/* the change just made is the last entry of its history */
			const json_t *history = cli_jget(r.json, "history");
			const json_t *last = json_array_get(history, json_array_size(history) - 1);
			const char *to = cli_jstr(r.json, "state");
			const char *from = cli_jstr(last, "from");
			char rid[32], list[300];
			printf("Release candidate %s (%s %s): %s -> %s; next: %s\n",
			       cli_jtext(r.json, "id", rid, sizeof rid) ? rid : id,
			       cli_jstr(r.json, "repository") ? cli_jstr(r.json, "repository")
							      : "-",
			       cli_jstr(r.json, "version") ? cli_jstr(r.json, "version") : "-",
			       from ? from : "-", to ? to : "-",
			       join(cli_jget(r.json, "allowed_transitions"), "none", list,
				    sizeof list));
		}
	}
	cli_response_free(&r);
	return rc;
}

static const struct cli_command rc_state_cmd = {
	.name = "state",
	.summary = "Change a release candidate's state",
	.positional = "ID STATE",
	.min_pos = 2,
	.max_pos = 2,
	.opts = state_opts,
	.run = rc_state,
	.details = "STATE: draft, testing, approved, rejected, released or superseded; only the\n"
		   "changes `rc show` lists as next states are allowed: another one is refused\n"
		   "(exit 1) naming the allowed ones.  Needs a token with scope ci or release.\n"
		   "Approving or releasing an RC that is not ready is refused (exit 1) listing\n"
		   "the gates that failed or are pending, unless --override-reason is given by\n"
		   "a token with scope release (the override is recorded and announced).\n"
		   "--expected-state refuses the change if someone moved the RC meanwhile.\n\n"
		   "Examples:\n  shiplog rc state 42 rejected --reason \"crash on login\"\n"
		   "  shiplog rc state 42 approved --expected-state testing \\\n"
		   "      --override-reason \"Support signs off on Monday; agreed with Sales\"\n",
};

/* ---- the family ------------------------------------------------------------------------ */

static const struct cli_command *const rc_subs[] = {
	&rc_cut_cmd, &rc_ls_cmd, &rc_show_cmd, &rc_ready_cmd, &rc_notes_cmd, &rc_state_cmd, NULL,
};

const struct cli_command cli_cmd_rc = {
	.name = "rc",
	.summary = "Cut, list and follow release candidates, and check their readiness",
	.subs = rc_subs,
};
