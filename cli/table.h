/*
 * table.h — aligned columns for people: a header row, then rows of cells,
 * each column as wide as its widest cell (counted in characters, not bytes,
 * so UTF-8 names line up).  A cell may carry a colour, used only when the
 * caller says so (stdout is a TTY and --json is off); padding ignores it.
 *
 * Ownership: the table copies every string it is given; cli_table_free
 * frees them.  Allocation failure aborts.
 */
#ifndef SHIPLOG_CLI_TABLE_H
#define SHIPLOG_CLI_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct cli_table;

/* headers: NULL-terminated column titles; NULL: a table without a header
 * row of `ncols` columns (key/value lists). */
struct cli_table *cli_table_new(const char *const *headers, size_t ncols);
/* Starts a new row; cells are then added left to right. */
void cli_table_row(struct cli_table *t);
/* Adds a cell to the current row: NULL or "" is shown as "-". */
void cli_table_cell(struct cli_table *t, const char *text);
void cli_table_cell_color(struct cli_table *t, const char *text, const char *color);
void cli_table_cellf(struct cli_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t cli_table_rows(const struct cli_table *t);
/* Prints the table; `indent` spaces before each line. */
void cli_table_print(const struct cli_table *t, FILE *f, bool color, int indent);
void cli_table_free(struct cli_table *t);

#endif
