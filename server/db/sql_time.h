/*
 * db/sql_time.h — how SQL renders a timestamptz as text for the API: RFC 3339
 * UTC, whole seconds (SQL_TS) or with microseconds (SQL_TS_US, for cursors
 * and exact instants).  String-literal fragments around an expression, so a
 * statement built with them stays a literal (db_query prepares by address).
 */
#ifndef SHIPLOG_DB_SQL_TIME_H
#define SHIPLOG_DB_SQL_TIME_H

#define SQL_TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define SQL_TS_US(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#endif
