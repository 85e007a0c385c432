/*
 * test_sql_layer.c — every SQL statement lives under server/db/ (the query
 * layer, see ARCHITECTURE.md).  Scans every .c and .h under server/ and
 * include/ outside server/db/ (and db.h, the layer's own header) for SQL:
 *  - string literals, adjacent ones joined as the compiler joins them (with
 *    an ALL_CAPS macro between them, and a macro call's literal arguments,
 *    taken as part of the run), that hold SELECT … FROM, INSERT INTO,
 *    UPDATE … SET or DELETE FROM, in any case;
 *  - calls of the functions that run SQL text: db_query, db_query_bin,
 *    db_exec, db_defer and libpq's PQexec, PQexecParams, PQprepare, ...
 * Comments are skipped; a literal such as the route method "DELETE" is not
 * SQL.  Any SQL found fails the test, naming the file and the line; so does
 * naming libpq's PGresult or PGconn there (the query layer hands out structs
 * or JSON, never a result set).
 * SQL_LAYER_DEBUG=1 in the environment prints what was found in each file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


/* Functions whose argument is SQL text (include/shiplog/db.h, libpq). */
/*
 * server/domain/ is pure: its files include neither libpq, db.h, server/db/
 * nor anything of webhooks/, http/, api/ or notify/, and do not name a
 * connection or a result (which they could only get through those).
 */

/* What a pure file may not include (a prefix of the quoted/bracketed name)
 * nor name (an identifier). */
static const char *const impure_includes[] = {
	"libpq", "shiplog/db.h", "db/", "webhooks/", "http/", "api/", "notify/",
};
static const char *const impure_names[] = {"db_conn", "db_pool", "PGresult", "PGconn"};

static const char *const sql_functions[] = {
	"db_query",	      "db_query_bin",	"db_exec",
	"db_defer",	      "PQexec",		"PQexecParams",
	"PQprepare",	      "PQexecPrepared", "PQsendQuery",
	"PQsendQueryParams",  "PQsendPrepare",	"PQsendQueryPrepared",
	"PQdescribePrepared",
};

/* SQL in a run of joined literals (REG_ICASE; "…" may span anything). */
static const char *const sql_patterns[] = {
	"(^|[^a-z0-9_])select([^a-z0-9_].*)?[^a-z0-9_]from([^a-z0-9_]|$)",
	"(^|[^a-z0-9_])insert[[:space:]]+into([^a-z0-9_]|$)",
	"(^|[^a-z0-9_])update([^a-z0-9_].*)?[^a-z0-9_]set([^a-z0-9_]|$)",
	"(^|[^a-z0-9_])delete[[:space:]]+from([^a-z0-9_]|$)",
};
#define N_PATTERNS (sizeof sql_patterns / sizeof sql_patterns[0])
static regex_t patterns[N_PATTERNS];

static void compile_patterns(void)
{
	static bool done;
	if (done)
		return;
	for (size_t i = 0; i < N_PATTERNS; i++)
		assert_int_equal(regcomp(&patterns[i], sql_patterns[i],
					 REG_EXTENDED | REG_ICASE | REG_NOSUB),
				 0);
	done = true;
}

/* The first SQL found in a text, as "line N: what". */
struct finding {
	bool found;
	char what[160];
};

struct run {
	char *text;
	size_t len, cap;
	int line; /* where it starts */
};

static void run_add(struct run *r, const char *s, size_t n)
{
	if (r->len + n + 2 > r->cap) {
		r->cap = (r->len + n + 2) * 2;
		r->text = realloc(r->text, r->cap);
		assert_non_null(r->text);
	}
	for (size_t i = 0; i < n; i++) {
		/* an escaped newline or tab separates words as a space does */
		if (s[i] == '\\' && i + 1 < n && strchr("ntr", s[i + 1])) {
			r->text[r->len++] = ' ';
			i++;
		} else {
			r->text[r->len++] = s[i];
		}
	}
	r->text[r->len++] = ' '; /* a macro or a line between literals */
	r->text[r->len] = '\0';
}

/* Checks the run of literals that just ended, then empties it. */
static void run_end(struct run *r, struct finding *f)
{
	if (r->len && !f->found) {
		for (size_t i = 0; i < N_PATTERNS; i++) {
			if (regexec(&patterns[i], r->text, 0, NULL, 0) == 0) {
				f->found = true;
				snprintf(f->what, sizeof f->what, "line %d: \"%.100s\"", r->line,
					 r->text);
				break;
			}
		}
	}
	r->len = 0;
	if (r->text)
		r->text[0] = '\0';
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Past a comment, a string or a character literal starting at p (p itself
 * if none starts there); *line counts the newlines passed.  For a string,
 * its contents go into `r` (joined onto what came before). */
static const char *skip_lexeme(const char *p, int *line, struct run *r)
{
	if (p[0] == '/' && p[1] == '/') {
		while (*p && *p != '\n')
			p++;
		return p;
	}
	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
			*line += *p == '\n';
		return *p ? p + 2 : p;
	}
	if (*p == '"' || *p == '\'') {
		char quote = *p;
		const char *start = ++p;
		for (; *p && *p != quote && *p != '\n'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (quote == '"') {
			if (!r->len)
				r->line = *line;
			run_add(r, start, (size_t)(p - start));
		}
		return *p == quote ? p + 1 : p;
	}
	return p;
}

/* Scans C source text for SQL; the first finding in f. */
static void scan_text(const char *src, struct finding *f)
{
	compile_patterns();
	struct run r = {0};
	int line = 1;
	const char *p = src;
	while (*p && !f->found) {
		const char *q = skip_lexeme(p, &line, &r);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '\n' || isspace((unsigned char)*p) || (*p == '\\' && p[1] == '\n')) {
			line += *p == '\n' || p[1] == '\n';
			p += *p == '\\' ? 2 : 1;
			continue;
		}
		if (is_ident(*p) && (p == src || !is_ident(p[-1]))) {
			const char *s = p;
			bool caps = true;
			while (is_ident(*p)) {
				caps = caps && !islower((unsigned char)*p);
				p++;
			}
			size_t n = (size_t)(p - s);
			const char *after = p;
			while (*after == ' ' || *after == '\t')
				after++;
			if (*after == '(' && !isdigit((unsigned char)*s)) {
				for (size_t i = 0;
				     i < sizeof sql_functions / sizeof sql_functions[0]; i++) {
					if (strlen(sql_functions[i]) == n &&
					    !strncmp(s, sql_functions[i], n)) {
						f->found = true;
						snprintf(f->what, sizeof f->what, "line %d: %.*s(",
							 line, (int)n, s);
					}
				}
			}
			if (caps && r.len && *after == '(') {
				/* a macro call inside a run of literals, e.g.
				 * "SELECT " TS("at") " FROM t": its literals join it */
				int depth = 0;
				for (p = after; *p; p++) {
					const char *next = skip_lexeme(p, &line, &r);
					if (next != p) {
						p = next - 1;
						continue;
					}
					line += *p == '\n';
					depth += *p == '(';
					if (*p == ')' && --depth == 0) {
						p++;
						break;
					}
				}
			} else if (!caps) {
				run_end(&r, f);
			}
			continue;
		}
		/* anything else ends a run of adjacent literals */
		run_end(&r, f);
		p++;
	}
	run_end(&r, f);
	free(r.text);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static bool scan_file(const char *path, struct finding *f)
{
	char *src = slurp(path);
	if (!src)
		return false;
	*f = (struct finding){0};
	scan_text(src, f);
	free(src);
	return true;
}

static size_t files_scanned, files_with_sql;

/* Does a source text name libpq's result or connection types (outside
 * comments)?  *what: which, with its line. */
static bool names_a_result_set(const char *src, char *what, size_t size)
{
	static const char *const names[] = {"PGresult", "PGconn"};
	int line = 1;
	struct run ignored = {0};
	for (const char *p = src; *p;) {
		const char *q = skip_lexeme(p, &line, &ignored);
		if (q != p) {
			p = q;
			continue;
		}
		if (is_ident(*p) && (p == src || !is_ident(p[-1]))) {
			const char *s = p;
			while (is_ident(*p))
				p++;
			for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
				if (strlen(names[i]) == (size_t)(p - s) &&
				    !strncmp(s, names[i], (size_t)(p - s))) {
					snprintf(what, size, "%s (line %d)", names[i], line);
					free(ignored.text);
					return true;
				}
			}
			continue;
		}
		line += *p == '\n';
		p++;
	}
	free(ignored.text);
	return false;
}

/* rel: the path below the source dir. */
static void scan_dir(const char *rel)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/%s", SHIPLOG_SOURCE_DIR, rel);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1280], sub[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		size_t n = strlen(e->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(sub, "server/db") != 0) /* the query layer */
				scan_dir(sub);
			continue;
		}
		bool source = n > 2 && e->d_name[n - 2] == '.' &&
			      (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h');
		if (!source || !strcmp(sub, "include/shiplog/db.h"))
			continue;
		struct finding f;
		assert_true(scan_file(path, &f));
		files_scanned++;
		char *src = slurp(path);
		assert_non_null(src);
		char what[160];
		if (names_a_result_set(src, what, sizeof what)) {
			files_with_sql++;
			print_error("%s names libpq's %s: results stay in server/db/, which hands "
				    "out structs or JSON\n",
				    sub, what);
		}
		free(src);
		if (!f.found)
			continue;
		files_with_sql++;
		if (getenv("SQL_LAYER_DEBUG"))
			print_message("%s: %s\n", sub, f.what);
		print_error("%s holds SQL (%s): move it into server/db/\n", sub, f.what);
	}
	closedir(d);
}

static void no_sql_outside_the_query_layer(void **state)
{
	(void)state;
	scan_dir("server");
	scan_dir("include");
	/* the scan read the tree (were it broken, it would find nothing) */
	assert_true(files_scanned >= 50);
	if (files_with_sql)
		fail_msg("%zu file(s) outside server/db/ hold SQL", files_with_sql);
}

static bool holds_sql(const char *src)
{
	struct finding f = {0};
	scan_text(src, &f);
	return f.found;
}

static void the_scanner_tells_sql_from_other_text(void **state)
{
	(void)state;
	/* SQL */
	assert_true(holds_sql("x = \"SELECT id FROM runs\";"));
	assert_true(holds_sql("x = \"select id \"\n\t\"from runs\";"));
	assert_true(holds_sql("x = \"SELECT \" COLUMNS \" FROM runs\";"));
	assert_true(holds_sql("x = \"SELECT \" TS(\"at\") \", id FROM runs\";"));
	assert_true(holds_sql("#define Q \\\n\t\"SELECT id \" \\\n\t\"FROM runs\"\n"));
	assert_true(holds_sql("x = \"INSERT INTO runs (id) VALUES ($1)\";"));
	assert_true(holds_sql("x = \"insert\\n  into runs\";"));
	assert_true(holds_sql("x = \"UPDATE runs SET x = 1\";"));
	assert_true(holds_sql("x = \"DELETE FROM runs\";"));
	assert_true(holds_sql("n = db_query(c, sql, 0, NULL, NULL);"));
	assert_true(holds_sql("n = db_exec (c, \"BEGIN\");"));
	assert_true(holds_sql("r = PQexecParams(pg, q, 1, NULL, p, NULL, NULL, 0);"));
	assert_true(holds_sql("r = PQexec(pg, \"LISTEN x\");"));
	assert_true(holds_sql("x = \"delete\" LATER(y) \"from t\";"));
	/* not SQL */
	assert_false(holds_sql("{\"DELETE\", \"/api/v1/tokens/{id}\", api_tokens_delete},"));
	assert_false(holds_sql("/* SELECT id FROM runs */ x = 1;"));
	assert_false(holds_sql("// db_query(c, \"UPDATE runs SET x = 1\")\nx = 1;"));
	assert_false(holds_sql("log(\"db_query( failed\");"));
	assert_false(holds_sql("n = my_db_query(c); db_query_count = 1;"));
	assert_false(holds_sql("x = \"SELECT\", y = \"FROM runs\";"));
	assert_false(holds_sql("x = \"selection from\"; y = \"updated settings\";"));
	assert_false(holds_sql("c = '\"'; x = \"DELETE\"; y = \"FROM\";"));
	char what[160];
	assert_true(names_a_result_set("static PGresult *r;\n", what, sizeof what));
	assert_string_equal(what, "PGresult (line 1)");
	assert_true(names_a_result_set("/* x */\nPGconn *pg = db_pg(c);", what, sizeof what));
	assert_false(names_a_result_set("/* a PGresult */ x = \"PGconn\"; my_PGresult = 1;",
					 what, sizeof what));
}

/* The first impurity of a domain source text, or false. */
static bool impurity(const char *src, char *what, size_t size)
{
	int line = 1;
	for (const char *p = src; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if ((p == src || p[-1] == '\n') && *p == '#') {
			const char *q = p + 1;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!strncmp(q, "include", 7)) {
				q += 7;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '"' || *q == '<') {
					q++;
					for (size_t i = 0; i < sizeof impure_includes / sizeof *impure_includes;
					     i++) {
						size_t n = strlen(impure_includes[i]);
						if (!strncmp(q, impure_includes[i], n) ||
						    (!strncmp(q, "../", 3) &&
						     !strncmp(q + 3, impure_includes[i], n))) {
							snprintf(what, size, "line %d: #include %.*s", line,
								 (int)strcspn(q, "\">\n"), q);
							return true;
						}
					}
				}
			}
		}
		if (is_ident(*p) && (p == src || !is_ident(p[-1]))) {
			const char *s = p;
			while (is_ident(p[1]))
				p++;
			size_t n = (size_t)(p - s) + 1;
			for (size_t i = 0; i < sizeof impure_names / sizeof *impure_names; i++) {
				if (strlen(impure_names[i]) == n && !strncmp(s, impure_names[i], n)) {
					snprintf(what, size, "line %d: %s", line, impure_names[i]);
					return true;
				}
			}
		}
	}
	return false;
}

static void the_domain_is_pure(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/server/domain", SHIPLOG_SOURCE_DIR);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	size_t scanned = 0, bad = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 3 || e->d_name[n - 2] != '.' ||
		    (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
			continue;
		char path[1280], rel[512], what[160];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(rel, sizeof rel, "server/domain/%s", e->d_name);
		char *src = slurp(path);
		assert_non_null(src);
		scanned++;
		bool impure = impurity(src, what, sizeof what);
		free(src);
		if (impure) {
			bad++;
			print_error("%s is not pure (%s): move it to server/db/ or the glue\n", rel,
				    what);
		}
	}
	closedir(d);
	assert_true(scanned >= 10);
	if (bad)
		fail_msg("%zu domain file(s) are not pure", bad);
}

static void the_purity_check_finds_what_it_should(void **state)
{
	(void)state;
	char what[160];
	assert_true(impurity("#include <libpq-fe.h>\n", what, sizeof what));
	assert_true(impurity("x;\n#include \"shiplog/db.h\"\n", what, sizeof what));
	assert_string_equal(what, "line 2: #include shiplog/db.h");
	assert_true(impurity("# include \"../webhooks/webhook.h\"\n", what, sizeof what));
	assert_true(impurity("#include \"db/result.h\"\n", what, sizeof what));
	assert_true(impurity("int f(struct db_conn *c);\n", what, sizeof what));
	assert_true(impurity("static PGresult *r;\n", what, sizeof what));
	assert_false(impurity("#include \"shiplog/config.h\"\n#include \"domain/rc.h\"\n", what,
			      sizeof what));
	assert_false(impurity("int my_db_conn_count; /* a db_connection */\n", what, sizeof what));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_scanner_tells_sql_from_other_text),
		cmocka_unit_test(no_sql_outside_the_query_layer),
		cmocka_unit_test(the_purity_check_finds_what_it_should),
		cmocka_unit_test(the_domain_is_pure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
