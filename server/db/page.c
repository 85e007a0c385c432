/*
 * db/page.c — a page of a list the database rendered as JSON (see
 * db/page.h).
 */
#include <stdio.h>

#include "db/page.h"
#include "db/result.h"

void db_page_query_text(const struct db_page_query *q, char before[24], char limit[16])
{
	snprintf(before, 24, "%lld", (long long)q->before_id);
	snprintf(limit, 16, "%d", q->limit + 1);
}

void db_page_fill(struct db_page *p, const PGresult *res, int n, int limit, int json_col,
		  int id_col, int time_col)
{
	p->items = json_array();
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		json_t *o = PQgetisnull(res, i, json_col)
				    ? NULL
				    : json_loads(PQgetvalue(res, i, json_col), JSON_DECODE_ANY, NULL);
		if (o)
			json_array_append_new(p->items, o);
	}
	p->more = n > limit;
	p->last_id = 0;
	p->last_time[0] = '\0';
	if (p->more) {
		p->last_id = db_get_i64(res, shown - 1, id_col);
		if (time_col >= 0)
			snprintf(p->last_time, sizeof p->last_time, "%s",
				 PQgetvalue(res, shown - 1, time_col));
	}
}
