/*
 * table.c — aligned columns (see table.h).
 *
 * Text from the server is shown to people on a terminal: control
 * characters (an ESC could repaint the screen) are replaced by '?' when a
 * cell is added.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/xalloc.h"
#include "table.h"

#define COLOR_RESET "\033[0m"
#define COLUMN_GAP  2

struct cell {
	char *text;	   /* owned, sanitised */
	const char *color; /* static, may be NULL */
};

struct cli_table {
	size_t ncols;
	bool has_header;
	struct cell *cells; /* row-major; the header is row 0 when present */
	size_t ncells, cap;
};

static char *sanitised_copy(const char *text)
{
	if (!text || !*text)
		text = "-";
	char *s = xstrdup(text);
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

static void push(struct cli_table *t, const char *text, const char *color)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
	}
	t->cells[t->ncells++] = (struct cell){sanitised_copy(text), color};
}

struct cli_table *cli_table_new(const char *const *headers, size_t ncols)
{
	struct cli_table *t = xcalloc(1, sizeof *t);
	if (headers) {
		ncols = 0;
		while (headers[ncols])
			ncols++;
		t->ncols = ncols;
		t->has_header = true;
		for (size_t i = 0; i < ncols; i++)
			push(t, headers[i], NULL);
	}
	t->ncols = ncols ? ncols : 1;
	return t;
}

/* Completes a short row with "-" cells. */
static void finish_row(struct cli_table *t)
{
	while (t->ncells % t->ncols)
		push(t, NULL, NULL);
}

void cli_table_row(struct cli_table *t)
{
	finish_row(t);
}

void cli_table_cell_color(struct cli_table *t, const char *text, const char *color)
{
	push(t, text, color);
}

void cli_table_cell(struct cli_table *t, const char *text)
{
	push(t, text, NULL);
}

void cli_table_cellf(struct cli_table *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	push(t, buf, NULL);
}

size_t cli_table_rows(const struct cli_table *t)
{
	size_t rows = (t->ncells + t->ncols - 1) / t->ncols;
	return t->has_header ? rows - 1 : rows;
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

void cli_table_print(const struct cli_table *t, FILE *f, bool color, int indent)
{
	size_t total = (t->ncells + t->ncols - 1) / t->ncols * t->ncols;
	size_t *width = xcalloc(t->ncols, sizeof *width);
	for (size_t i = 0; i < t->ncells; i++) {
		size_t w = display_width(t->cells[i].text);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t i = 0; i < total; i++) {
		size_t col = i % t->ncols;
		const struct cell *c = i < t->ncells ? &t->cells[i] : NULL;
		const char *text = c ? c->text : "-";
		if (col == 0 && indent > 0)
			fprintf(f, "%*s", indent, "");
		bool paint = color && c && c->color;
		bool header = color && t->has_header && i < t->ncols;
		if (paint)
			fputs(c->color, f);
		else if (header)
			fputs("\033[1m", f);
		fputs(text, f);
		if (paint || header)
			fputs(COLOR_RESET, f);
		if (col + 1 == t->ncols) {
			fputc('\n', f);
		} else {
			size_t pad = width[col] - display_width(text) + COLUMN_GAP;
			fprintf(f, "%*s", (int)pad, "");
		}
	}
	free(width);
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}
