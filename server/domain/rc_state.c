/*
 * rc_state.c — the state machines of release candidates and of feedback,
 * as tables (see rc.h).
 */
#include <string.h>

#include "domain/rc.h"

static const char *const rc_state_names[RC_STATE__COUNT] = {
	[RC_DRAFT] = "draft",	    [RC_TESTING] = "testing",	[RC_APPROVED] = "approved",
	[RC_REJECTED] = "rejected", [RC_RELEASED] = "released", [RC_SUPERSEDED] = "superseded",
};

/* Manual transitions: from → the states a person may move it to.  Superseding
 * is shiplog's own doing (a newer RC of the same target), never manual. */
static const enum rc_state rc_manual[RC_STATE__COUNT][4] = {
	[RC_DRAFT] = {RC_TESTING, RC_REJECTED, RC_STATE__COUNT},
	[RC_TESTING] = {RC_APPROVED, RC_REJECTED, RC_STATE__COUNT},
	[RC_APPROVED] = {RC_RELEASED, RC_TESTING, RC_REJECTED, RC_STATE__COUNT},
	[RC_REJECTED] = {RC_STATE__COUNT},
	[RC_RELEASED] = {RC_STATE__COUNT},
	[RC_SUPERSEDED] = {RC_STATE__COUNT},
};

const char *rc_state_name(enum rc_state s)
{
	return (unsigned)s < RC_STATE__COUNT ? rc_state_names[s] : "unknown";
}

int rc_state_parse(const char *s)
{
	for (int i = 0; s && i < RC_STATE__COUNT; i++)
		if (strcmp(s, rc_state_names[i]) == 0)
			return i;
	return -1;
}

size_t rc_state_allowed(enum rc_state from, enum rc_state *out, size_t max)
{
	size_t n = 0;
	if ((unsigned)from >= RC_STATE__COUNT)
		return 0;
	for (size_t i = 0; i < 4 && rc_manual[from][i] != RC_STATE__COUNT; i++)
		if (n < max)
			out[n++] = rc_manual[from][i];
	return n;
}

bool rc_state_allows(enum rc_state from, enum rc_state to)
{
	enum rc_state allowed[4];
	size_t n = rc_state_allowed(from, allowed, 4);
	for (size_t i = 0; i < n; i++)
		if (allowed[i] == to)
			return true;
	return false;
}

bool rc_state_closed(enum rc_state s)
{
	return s == RC_RELEASED || s == RC_REJECTED || s == RC_SUPERSEDED;
}

bool rc_state_needs_readiness(enum rc_state to)
{
	return to == RC_APPROVED || to == RC_RELEASED;
}

enum rc_readiness_rule rc_readiness_rule(enum rc_state from, enum rc_state to, bool ready,
					 bool override_given)
{
	/* staying where it is changes nothing, so it needs nothing */
	if (from == to || !rc_state_needs_readiness(to) || ready)
		return RC_READINESS_GO;
	return override_given ? RC_READINESS_OVERRIDE : RC_READINESS_REFUSE;
}

const char *rc_override_reason_problem(const char *reason)
{
	if (!reason || strspn(reason, " \t\r\n") == strlen(reason))
		return "expected a reason (not only whitespace)";
	return NULL;
}

static const char *const fb_names[FEEDBACK__COUNT] = {"open", "acknowledged", "resolved"};

static const enum feedback_status fb_next[FEEDBACK__COUNT][3] = {
	[FEEDBACK_OPEN] = {FEEDBACK_ACKNOWLEDGED, FEEDBACK_RESOLVED, FEEDBACK__COUNT},
	[FEEDBACK_ACKNOWLEDGED] = {FEEDBACK_RESOLVED, FEEDBACK__COUNT, FEEDBACK__COUNT},
	[FEEDBACK_RESOLVED] = {FEEDBACK_OPEN, FEEDBACK__COUNT, FEEDBACK__COUNT},
};

const char *rc_feedback_status_name(enum feedback_status s)
{
	return (unsigned)s < FEEDBACK__COUNT ? fb_names[s] : "unknown";
}

int rc_feedback_status_parse(const char *s)
{
	for (int i = 0; s && i < FEEDBACK__COUNT; i++)
		if (strcmp(s, fb_names[i]) == 0)
			return i;
	return -1;
}

size_t rc_feedback_status_allowed(enum feedback_status from, enum feedback_status *out, size_t max)
{
	size_t n = 0;
	if ((unsigned)from >= FEEDBACK__COUNT)
		return 0;
	for (size_t i = 0; i < 3 && fb_next[from][i] != FEEDBACK__COUNT; i++)
		if (n < max)
			out[n++] = fb_next[from][i];
	return n;
}

bool rc_feedback_status_allows(enum feedback_status from, enum feedback_status to)
{
	enum feedback_status allowed[3];
	size_t n = rc_feedback_status_allowed(from, allowed, 3);
	for (size_t i = 0; i < n; i++)
		if (allowed[i] == to)
			return true;
	return false;
}
