/*
 * db/events.h — reading the domain events table, and the connection the
 * live-event hub (http/sse.c) listens on.  Recording an event is
 * db_event_record (shiplog/db.h); which kinds exist is db/event_kinds.h.
 *
 * Contract: functions on a pooled struct db_conn return what db_query
 * returns (rows >= 0, or a negative enum db_status, logged); those on a
 * struct db_listener return a negative enum db_status when its connection
 * failed (not logged: the hub reconnects).  A json_t handed out through an
 * out-parameter belongs to the caller (json_decref), and is set only on
 * success.
 */
#ifndef SHIPLOG_DB_EVENTS_H
#define SHIPLOG_DB_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"

/* At most this many events per read. */
#define DB_EVENTS_PAGE 1000

/*
 * The events with id > after, in id order, at most DB_EVENTS_PAGE: *rows an
 * array of {id, kind, entity_type, entity_id, payload, at, actor} (id an
 * integer, payload an object, at RFC 3339 UTC text), as the event stream
 * sends them.
 */
int db_events_after(struct db_conn *c, int64_t after, json_t **rows);

/* The newest DB_EVENTS_NEWEST event ids: the highest, and their sum (an id
 * that commits late changes the sum even when it is not the highest).  1
 * and both set, or a failure. */
#define DB_EVENTS_NEWEST 256
int db_events_newest(struct db_conn *c, long long *max, long long *sum);

/* ---- the listener: its own connection, outside the pool ---- */

/* A connection that LISTENs on "shiplog_events". */
struct db_listener;

/* Connects to `url` and listens; NULL if it cannot (not logged). */
struct db_listener *db_listener_open(const char *url);
/* Closes it (NULL: nothing). */
void db_listener_close(struct db_listener *l);

/* The socket to poll for notifications. */
int db_listener_socket(const struct db_listener *l);
/* Reads what arrived on the socket; false if the connection failed. */
bool db_listener_consume(struct db_listener *l);
/* Drops the notifications received; true if there was any. */
bool db_listener_drain(struct db_listener *l);
/* Is the connection still good? */
bool db_listener_ok(const struct db_listener *l);

/* Sends NOTIFY "shiplog_events" (every listener, this one too, hears it). */
int db_listener_notify(struct db_listener *l);
/* The highest event id now (0: none). */
int db_listener_max_id(struct db_listener *l, int64_t *max);
/* As db_events_after, on the listener's connection. */
int db_listener_events_after(struct db_listener *l, int64_t after, json_t **rows);

#endif
