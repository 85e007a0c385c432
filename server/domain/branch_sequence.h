/*
 * domain/branch_sequence.h — the planner of the default branch's sequence:
 * what a push to the default branch does to it, decided from facts loaded
 * beforehand (server/db/git.c loads them and applies the plan).  Pure: no
 * database, no allocation.
 *
 * THE DEFAULT-BRANCH SEQUENCE (branch_sequence; ARCHITECTURE.md sums it up)
 *
 * Every push to the repository's default branch extends an ordered sequence
 * (seq 1, 2, 3... per repository + branch) with the SHAs of payload.commits[]
 * in payload order (oldest first), then `after` if it is not among them;
 * SHAs already in the sequence (and not left) are skipped.  So "revision R
 * contains commit C" is seq(C) <= seq(R), over entries whose left_at is NULL.
 * The KNOWN HEAD is the entry with the highest seq that has not left.
 *
 *  1. Normal: `before` is the known head, or the sequence is empty: append.
 *  2. Already there: a non-forced push whose `after` is already in the
 *     sequence (the same push under a new delivery id, or a late copy)
 *     appends nothing.  A push identical to one already recorded (ref,
 *     before, after, forced, deleted) is a redelivery unless its `before` is
 *     the known head (the same move made twice, e.g. reset back and forth):
 *     it changes nothing, and no second `pushes` row is written.  (Replays
 *     of one delivery id are this case too.)
 *  3. Late delivery: a non-forced push whose `after` is not in the sequence
 *     but is the `before` of a recorded push whose commits are: the two
 *     arrived out of order.  Its new commits are INSERTED just before that
 *     later push's first entry (the entries from there on are renumbered),
 *     and the later push's gap flag is cleared (the hole is filled).  The
 *     late push itself is a gap only if its own `before` is not the entry
 *     just before the insertion point.
 *  4. Gap: any other non-forced push whose `before` is not the known head
 *     (a missed delivery; also a `created` push, before all zeros, onto a
 *     non-empty sequence): pushes.gap = true, then append anyway.  Gaps are
 *     listed by the branch health answer, not papered over.
 *  5. Forced push whose `after` is already in the sequence (the branch was
 *     reset back): every entry after it gets left_at; pushes.rewrote = true;
 *     nothing is appended.  (If `after` is already the head: a redelivery,
 *     nothing happens.)
 *  6. Forced push whose `after` is new (a rewrite): a push payload carries
 *     no parent SHAs, so which earlier entries are still ancestors of the
 *     new head cannot be known.  `before`'s entry, every entry after it and
 *     every entry that came with the same push as `before` are marked left;
 *     pushes.rewrote = true (and gap = true too when `before` was not the
 *     known head); then the new commits are appended.  LIMITATION: commits
 *     of older pushes that the rewrite also dropped stay in the sequence;
 *     commits of `before`'s push that survived the rewrite are marked left
 *     unless the forced push lists them again (then they are re-appended).
 *  7. Forced pushes are applied in arrival order (never reordered); a
 *     deletion of the default branch marks the branch deleted and leaves the
 *     sequence alone.  Only payload.commits[] is known (GitHub caps it):
 *     commits beyond the cap are missing from the sequence.
 *  8. Each push holds a per-(repository, ref) advisory lock for the rest
 *     of its transaction, so replicas apply the pushes of a ref one at a
 *     time.
 *
 * How the planner is used: bseq_plan() is called with the facts loaded so
 * far; when it needs one more (the entry of `before`, the later push of a
 * late delivery, the entry before the insertion point) it says which, the
 * caller loads it and calls again.  So only the facts the decision needs
 * are ever read, in the order the rule reads them.  Then the SHAs of the
 * push that are already in the sequence (read after the plan's marking of
 * entries as left) are dropped with bseq_keep_new(), and what is left is
 * appended or inserted as the plan says.
 */
#ifndef SHIPLOG_DOMAIN_BRANCH_SEQUENCE_H
#define SHIPLOG_DOMAIN_BRANCH_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/hex.h"

/* An entry of the sequence that has not left (found = false: none). */
struct bseq_entry {
	bool found;
	int64_t seq;
	int64_t push_id; /* the push that brought it; 0 when none */
	char sha[HEX_SHA_LEN + 1];
};

/* The push being applied. */
struct bseq_push {
	const char *before; /* lowercase SHA, or "" when the payload had none */
	const char *after;  /* lowercase SHA */
	bool forced;
	bool recorded; /* an identical push (ref, before, after, forced, deleted) is recorded */
};

/* Facts the planner asks for (one bit each). */
enum bseq_fact {
	BSEQ_FACT_BEFORE = 1u << 0,   /* before_entry */
	BSEQ_FACT_LATER = 1u << 1,    /* later_found, later_push, later_first_seq */
	BSEQ_FACT_PREVIOUS = 1u << 2, /* previous */
};

/* What is known of the sequence.  head and after_entry are always loaded
 * first; the others only when bseq_plan() asks (their bit in `loaded`). */
struct bseq_facts {
	struct bseq_entry head;        /* the known head */
	struct bseq_entry after_entry; /* `after`'s entry */
	unsigned loaded;               /* enum bseq_fact bits */
	struct bseq_entry before_entry; /* BEFORE: `before`'s entry */
	/* LATER: the recorded non-forced push of this ref whose before is
	 * `after` and that has entries in the sequence (the one whose first
	 * entry comes first), and the seq of its first entry */
	bool later_found;
	int64_t later_push;
	int64_t later_first_seq;
	/* PREVIOUS: the entry just before later_first_seq */
	struct bseq_entry previous;
};

enum bseq_action {
	BSEQ_NONE,    /* nothing changes (cases 2, 5 at the head, and redeliveries) */
	BSEQ_APPEND,  /* append the new SHAs after the last entry (cases 1, 4) */
	BSEQ_INSERT,  /* insert the new SHAs at seq `at`, the entries from `at` on
		       * move up; clear fills_push's gap flag (case 3) */
	BSEQ_RESET,   /* every entry after seq `at` leaves; nothing appended (case 5) */
	BSEQ_REWRITE, /* if left_from.found: left_from's entry, every entry after it
		       * and every entry of left_from.push_id leave; then append (case 6) */
};

struct bseq_plan {
	enum bseq_action act;
	bool gap, rewrote;         /* what the pushes row records */
	int64_t at;                /* RESET: seq of `after`; INSERT: the position */
	int64_t fills_push;        /* INSERT: the later push whose gap this fills */
	struct bseq_entry left_from; /* REWRITE: `before`'s entry */
};

/*
 * Decides what push p does to the sequence known by *f.  Returns 0 with
 * *plan filled, or the one enum bseq_fact that must be loaded into *f (and
 * its bit set in f->loaded) before calling again.
 */
unsigned bseq_plan(const struct bseq_facts *f, const struct bseq_push *p, struct bseq_plan *plan);

/*
 * Drops from list[0..n) the SHAs that are among known[0..nknown) (the ones
 * already in the sequence and not left), keeping the order of the rest.
 * Returns how many are kept (list[0..kept) holds them).
 */
size_t bseq_keep_new(char (*list)[HEX_SHA_LEN + 1], size_t n, const char *const *known,
		     size_t nknown);

#endif
