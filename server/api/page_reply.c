/*
 * page_reply.c — a page of the query layer as a reply (see
 * api/page_reply.h).
 */
#include <stdlib.h>

#include "api/page_reply.h"

struct db_page_query api_page_query(const struct api_page *pg)
{
	return (struct db_page_query){
		.before_id = pg->has_cursor ? pg->before_id : INT64_MAX,
		.before_time = pg->has_cursor && pg->before_time[0] ? pg->before_time : "infinity",
		.limit = pg->limit,
	};
}

void api_reply_db_page(struct http_request *r, struct db_page *p)
{
	char *next = p->more ? api_cursor_make(p->last_id, p->last_time[0] ? p->last_time : NULL)
			     : NULL;
	http_reply_list(r, p->items, next);
	p->items = NULL;
	free(next);
}
