/*
 * reply.c — building a request's reply (see http.h).  The dispatcher turns
 * the finished struct http_reply into a libmicrohttpd response.
 */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "shiplog/app.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "shiplog/xalloc.h"

static void reply_reset_body(struct http_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
	rep->body_len = 0;
}

void http_reply_bytes(struct http_request *r, unsigned status, const char *content_type,
		      const void *body, size_t len)
{
	reply_reset_body(&r->reply);
	r->reply.status = status;
	r->reply.content_type = content_type;
	r->reply.body = xmalloc(len + 1);
	if (len)
		memcpy(r->reply.body, body, len);
	r->reply.body[len] = '\0';
	r->reply.body_len = len;
}

static void reply_take(struct http_request *r, unsigned status, const char *content_type,
		       char *body)
{
	reply_reset_body(&r->reply);
	r->reply.status = status;
	r->reply.content_type = content_type;
	r->reply.body = body;
	r->reply.body_len = body ? strlen(body) : 0;
}

void http_reply_json(struct http_request *r, unsigned status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (!s) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not encode the reply");
		return;
	}
	reply_take(r, status, "application/json", s);
}

void http_reply_problem_members(struct http_request *r, enum problem_code code, const char *detail,
				json_t *members)
{
	const struct problem_info *p = problem_info(code);
	char type[128];
	problem_type_uri(code, type, sizeof type);
	json_t *o = json_pack("{s:s, s:s, s:i}", "type", type, "title", p->title, "status",
			      (int)p->status);
	if (!o)
		abort();
	if (detail) {
		/* the detail may quote client input: keep it valid UTF-8 for JSON */
		json_t *d = json_string(detail);
		if (!d)
			d = json_string("(detail not printable)");
		json_object_set_new(o, "detail", d);
	}
	if (r->path) {
		json_t *inst = json_string(r->path);
		if (inst)
			json_object_set_new(o, "instance", inst);
	}
	json_object_set_new(o, "request_id", json_string(r->request_id));
	if (members) {
		json_object_update_missing(o, members);
		json_decref(members);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		abort();
	reply_take(r, p->status, "application/problem+json", s);
	if (p->status >= 500)
		log_msg(LOG_ERROR, "request %s answered %u %s", r->request_id, p->status, p->slug);
}

void http_reply_problem(struct http_request *r, enum problem_code code, const char *detail_fmt, ...)
{
	char detail[1024];
	if (detail_fmt) {
		va_list ap;
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof detail, detail_fmt, ap);
		va_end(ap);
	}
	http_reply_problem_members(r, code, detail_fmt ? detail : NULL, NULL);
}

void http_reply_db_failure(struct http_request *r, const char *what_fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof what, what_fmt, ap);
	va_end(ap);
	const struct db_failure *f = db_failure_last();
	switch (f->kind) {
	case DB_FAILURE_CONFLICT:
		if (f->column[0])
			http_reply_problem(r, PROBLEM_CONFLICT,
					   "%s: another record already has this %s", what, f->column);
		else
			http_reply_problem(r, PROBLEM_CONFLICT,
					   "%s: it conflicts with a stored record (constraint %s)", what,
					   f->constraint[0] ? f->constraint : "unknown");
		return;
	case DB_FAILURE_INVALID:
		if (f->column[0] && !strchr(f->column, ',')) {
			/* one column: the body field of that name, as every field
			 * problem says which */
			char pointer[160];
			snprintf(pointer, sizeof pointer, "/%s", f->column);
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, pointer,
						 "the database refuses this value (%s)", what);
		} else {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "",
						 "%s: the database refuses this record (constraint %s)",
						 what, f->constraint[0] ? f->constraint : "unknown");
		}
		return;
	case DB_FAILURE_BUG:
		log_msg(LOG_ERROR, "request %s %s: statement of %s failed with SQLSTATE %s",
			r->method, r->path, f->statement[0] ? f->statement : "?", f->sqlstate);
		http_reply_problem(r, PROBLEM_INTERNAL, "%s: an internal error (logged)", what);
		return;
	case DB_FAILURE_NONE:
	case DB_FAILURE_UNAVAILABLE:
		break;
	}
	http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "%s", what);
	http_reply_header(r, "Retry-After", "5");
}

static bool is_parameter_problem(enum problem_code code)
{
	return code == PROBLEM_INVALID_PARAMETER || code == PROBLEM_UNKNOWN_PARAMETER;
}

void http_reply_field_problem(struct http_request *r, enum problem_code code, const char *field,
			      const char *reason_fmt, ...)
{
	char reason[768], name[256], detail[1100];
	va_list ap;
	va_start(ap, reason_fmt);
	vsnprintf(reason, sizeof reason, reason_fmt, ap);
	va_end(ap);
	bool parameter = is_parameter_problem(code);
	if (parameter)
		snprintf(name, sizeof name, "%s", field);
	else
		http_field_name(field, name, sizeof name);
	if (name[0])
		snprintf(detail, sizeof detail, "%s: %s", name, reason);
	else
		snprintf(detail, sizeof detail, "%s", reason);
	json_t *where = json_string(field), *why = json_string(reason);
	json_t *members = NULL;
	if (where && why) /* both valid UTF-8: they may quote client input */
		members = json_pack("{s:[{s:o, s:o}]}", "errors",
				    parameter ? "parameter" : "pointer", where, "detail", why);
	else {
		json_decref(where);
		json_decref(why);
	}
	http_reply_problem_members(r, code, detail, members);
}

bool http_body_check_reply(struct http_request *r, const struct param_spec *specs,
			   const json_t *body, const char *at)
{
	enum problem_code code;
	char err[512], pointer[256], name[256];
	if (http_body_check(specs, body, &code, err, sizeof err, pointer, sizeof pointer))
		return true;
	http_field_name(pointer, name, sizeof name);
	const char *reason = http_check_reason(err, name);
	char where[512];
	snprintf(where, sizeof where, "%s%s", at, pointer);
	/* an item that is not an object is a wrong field of the body, not a wrong body */
	if (code == PROBLEM_MALFORMED_JSON && at[0])
		code = PROBLEM_INVALID_FIELD;
	if (code == PROBLEM_MALFORMED_JSON)
		http_reply_problem(r, code, "%s", err);
	else
		http_reply_field_problem(r, code, where, "%s", reason);
	return false;
}

void http_reply_header(struct http_request *r, const char *name, const char *value)
{
	struct http_reply *rep = &r->reply;
	struct http_header *h = xrealloc(rep->headers, (rep->n_headers + 1) * sizeof *h);
	rep->headers = h;
	h[rep->n_headers].name = xstrdup(name);
	h[rep->n_headers].value = xstrdup(value);
	rep->n_headers++;
}

void http_reply_list(struct http_request *r, json_t *items, const char *next_cursor)
{
	json_t *next = json_null();
	if (next_cursor) {
		/* the same URL with the cursor replaced */
		char *url = http_request_url_with(r, "cursor", next_cursor);
		next = json_string(url);
		free(url);
	}
	http_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

void http_reply_free(struct http_reply *rep)
{
	free(rep->body);
	for (size_t i = 0; i < rep->n_headers; i++) {
		free(rep->headers[i].name);
		free(rep->headers[i].value);
	}
	free(rep->headers);
	memset(rep, 0, sizeof *rep);
}

struct db_conn *http_db(struct http_request *r)
{
	if (r->db)
		return r->db;
	r->db = db_acquire(r->app->db);
	if (!r->db) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE,
				   "the database cannot be reached; try again shortly");
		http_reply_header(r, "Retry-After", "5");
	}
	return r->db;
}
