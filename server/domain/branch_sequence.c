/*
 * branch_sequence.c — the default-branch sequence planner; the rule is the
 * comment in branch_sequence.h.
 */
#include "domain/branch_sequence.h"

#include <string.h>

unsigned bseq_plan(const struct bseq_facts *f, const struct bseq_push *p, struct bseq_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	bool before_is_head = f->head.found && p->before[0] && strcmp(p->before, f->head.sha) == 0;
	if (p->recorded && !before_is_head)
		return 0; /* a redelivery of a push already applied */
	if (p->forced) {
		if (f->after_entry.found) {
			/* reset back; already the head: a redelivery */
			if (!(f->head.found && f->after_entry.seq == f->head.seq)) {
				plan->act = BSEQ_RESET;
				plan->at = f->after_entry.seq;
				plan->rewrote = true;
			}
			return 0;
		}
		if (p->before[0] && !(f->loaded & BSEQ_FACT_BEFORE))
			return BSEQ_FACT_BEFORE;
		plan->act = BSEQ_REWRITE;
		plan->rewrote = true;
		plan->gap = f->head.found && !before_is_head;
		if (p->before[0])
			plan->left_from = f->before_entry;
		return 0;
	}
	if (f->after_entry.found)
		return 0; /* already there: a redelivery or a late copy */
	if (!f->head.found || before_is_head) {
		plan->act = BSEQ_APPEND;
		return 0;
	}
	/* a recorded later push that built on `after`: this one arrived late */
	if (!(f->loaded & BSEQ_FACT_LATER))
		return BSEQ_FACT_LATER;
	if (!f->later_found) {
		plan->act = BSEQ_APPEND;
		plan->gap = true;
		return 0;
	}
	/* is our `before` the entry just before the insertion point? */
	if (!(f->loaded & BSEQ_FACT_PREVIOUS))
		return BSEQ_FACT_PREVIOUS;
	plan->act = BSEQ_INSERT;
	plan->fills_push = f->later_push;
	plan->at = f->later_first_seq;
	plan->gap = f->previous.found && strcmp(f->previous.sha, p->before) != 0;
	return 0;
}

size_t bseq_keep_new(char (*list)[HEX_SHA_LEN + 1], size_t n, const char *const *known,
		     size_t nknown)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool is_known = false;
		for (size_t k = 0; k < nknown && !is_known; k++)
			is_known = strcmp(known[k], list[i]) == 0;
		if (!is_known) {
			if (kept != i)
				memcpy(list[kept], list[i], HEX_SHA_LEN + 1);
			kept++;
		}
	}
	return kept;
}
