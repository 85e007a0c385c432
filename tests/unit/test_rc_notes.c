/*
 * test_rc_notes.c — release-note categories and the Markdown notes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domain/rc.h"

static int category(const char *a, const char *b)
{
	const char *labels[2] = {a, b};
	size_t n = b ? 2 : a ? 1 : 0;
	return rc_note_category_of(labels, n);
}

static const char *key(int c)
{
	return c < 0 ? "excluded" : rc_note_categories[c].key;
}

static void labels_pick_the_category(void **state)
{
	(void)state;
	assert_string_equal(key(category("enhancement", NULL)), "enhancement");
	assert_string_equal(key(category("Bug", NULL)), "bug");
	assert_string_equal(key(category("ui", NULL)), "ui");
	assert_string_equal(key(category("test", NULL)), "test");
	assert_string_equal(key(category("dependencies", NULL)), "dependencies");
	assert_string_equal(key(category(NULL, NULL)), "uncategorised");
	assert_string_equal(key(category("good first issue", NULL)), "uncategorised");
	/* two labels: the first category in print order wins */
	assert_string_equal(key(category("bug", "enhancement")), "enhancement");
	/* excluded whatever else it carries */
	assert_string_equal(key(category("enhancement", "Exclude from release notes")), "excluded");
}

static void markdown_has_headings_and_pr_lines_in_order(void **state)
{
	(void)state;
	json_t *groups =
		json_pack("{s:[{s:i, s:s}, {s:i, s:s}], s:[{s:i, s:s}], s:[], s:[{s:i, s:s}]}",
			  "enhancement", "number", 12, "title", "Add login", "number", 15, "title",
			  "Dark\nmode", "bug", "number", 13, "title", "Fix crash", "ui",
			  "uncategorised", "number", 14, "title", "Refactor");
	char *md = rc_notes_markdown("v1.2.0-rc.2", "v1.1.0", groups);
	assert_string_equal(md, "## Enhancements\n\n"
				"- PR: #12 - Add login\n"
				"- PR: #15 - Dark mode\n"
				"\n## Bugs\n\n"
				"- PR: #13 - Fix crash\n"
				"\n## Uncategorized\n\n"
				"- PR: #14 - Refactor\n");
	free(md);
	json_decref(groups);
}

static void markdown_says_when_nothing_changed(void **state)
{
	(void)state;
	json_t *groups = json_object();
	char *md = rc_notes_markdown("v1.2.0-rc.1", "v1.1.0", groups);
	assert_string_equal(md, "No changes in v1.2.0-rc.1 since v1.1.0.\n");
	free(md);
	json_decref(groups);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(labels_pick_the_category),
		cmocka_unit_test(markdown_has_headings_and_pr_lines_in_order),
		cmocka_unit_test(markdown_says_when_nothing_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
