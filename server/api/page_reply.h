/*
 * api/page_reply.h — a keyset page (api.h's struct api_page) asked of the
 * query layer (db/page.h) and replied as a list with its next link.
 */
#ifndef SHIPLOG_API_PAGE_REPLY_H
#define SHIPLOG_API_PAGE_REPLY_H

#include "api/api.h"
#include "db/page.h"

/* The page a request's limit and cursor ask for (borrows pg's cursor
 * time): from the newest row without a cursor. */
struct db_page_query api_page_query(const struct api_page *pg);

/* Replies the page's items with a next cursor when more follow; takes
 * over p->items. */
void api_reply_db_page(struct http_request *r, struct db_page *p);

#endif
