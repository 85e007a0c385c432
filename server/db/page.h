/*
 * db/page.h — one page of a keyset-paginated list whose rows the database
 * renders as JSON text, newest first.  A page query reads one row more
 * than it shows, to know whether more follow.
 *
 * Contract: db_page_fill() takes the rows of a PGresult (it does not clear
 * it); the page's items belong to the caller (json_decref, or hand them to
 * http_reply_list()).
 */
#ifndef SHIPLOG_DB_PAGE_H
#define SHIPLOG_DB_PAGE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Where a page starts and how long it is. */
struct db_page_query {
	int64_t before_id;       /* rows before this id (INT64_MAX: from the newest) */
	const char *before_time; /* time-keyed lists: rows before it ("infinity": from the newest) */
	int limit;               /* rows shown */
};

struct db_page {
	json_t *items;       /* the rows shown, as objects (a row whose text does not parse is left out) */
	bool more;           /* rows follow: last_id and last_time key the last row shown */
	int64_t last_id;
	char last_time[48];  /* "" for an id-keyed list */
};

/* The query's before id and limit + 1 (the rows to read) as statement
 * parameters. */
void db_page_query_text(const struct db_page_query *q, char before[24], char limit[16]);

/*
 * Fills p from the n rows of res, read with LIMIT limit + 1: the JSON text
 * of each row is in column json_col, its id in id_col and (time_col >= 0)
 * its time, as the cursor carries it, in time_col.
 */
void db_page_fill(struct db_page *p, const PGresult *res, int n, int limit, int json_col,
		  int id_col, int time_col);

#endif
