/*
 * problem.c — the table of every error shiplog answers (see problem.h).
 */
#include "shiplog/problem.h"

#include <stdio.h>

static const struct problem_info problems[PROBLEM__COUNT] = {
	[PROBLEM_BAD_REQUEST] = {"bad-request", "Bad request", 400},
	[PROBLEM_MALFORMED_JSON] = {"malformed-json", "The body is not valid JSON", 400},
	[PROBLEM_INVALID_FIELD] = {"invalid-field", "A field has an invalid value", 400},
	[PROBLEM_MISSING_FIELD] = {"missing-field", "A required field is missing", 400},
	[PROBLEM_UNKNOWN_FIELD] = {"unknown-field", "The body has a field this endpoint does not take", 400},
	[PROBLEM_INVALID_PARAMETER] = {"invalid-parameter", "A parameter has an invalid value", 400},
	[PROBLEM_UNKNOWN_PARAMETER] = {"unknown-parameter", "This endpoint does not take that parameter", 400},
	[PROBLEM_UNAUTHORIZED] = {"unauthorized", "Authentication required", 401},
	[PROBLEM_BAD_SIGNATURE] = {"bad-signature", "The webhook signature is missing or wrong", 401},
	[PROBLEM_FORBIDDEN] = {"forbidden", "The token lacks the scope this needs", 403},
	[PROBLEM_CSRF] = {"csrf", "Cross-site request refused", 403},
	[PROBLEM_NOT_PERMITTED] = {"not-permitted", "This identity may not do that", 403},
	[PROBLEM_NOT_FOUND] = {"not-found", "Not found", 404},
	[PROBLEM_METHOD_NOT_ALLOWED] = {"method-not-allowed", "Method not allowed", 405},
	[PROBLEM_CONFLICT] = {"conflict", "Conflict with the current state", 409},
	[PROBLEM_IMMUTABLE] = {"immutable", "Published records are immutable", 409},
	[PROBLEM_ILLEGAL_TRANSITION] = {"illegal-transition", "That state change is not allowed", 409},
	[PROBLEM_STATE_CHANGED] = {"state-changed", "The state changed since the caller saw it", 409},
	[PROBLEM_NOT_READY] = {"not-ready", "The release candidate is not ready", 409},
	[PROBLEM_PAYLOAD_TOO_LARGE] = {"payload-too-large", "The body is too large", 413},
	[PROBLEM_URI_TOO_LONG] = {"uri-too-long", "The URL is too long", 414},
	[PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {"unsupported-media-type", "Unsupported content type", 415},
	[PROBLEM_RATE_LIMITED] = {"rate-limited", "Too many requests", 429},
	[PROBLEM_INTERNAL] = {"internal", "Internal server error", 500},
	[PROBLEM_DB_UNAVAILABLE] = {"database-unavailable", "The database is unavailable", 503},
	[PROBLEM_SHUTTING_DOWN] = {"shutting-down", "The server is shutting down", 503},
	[PROBLEM_BUSY] = {"busy", "The server holds too many request bodies", 503},
};

const struct problem_info *problem_info(enum problem_code code)
{
	if ((unsigned)code >= PROBLEM__COUNT)
		code = PROBLEM_INTERNAL;
	return &problems[code];
}

void problem_type_uri(enum problem_code code, char *buf, unsigned long size)
{
	snprintf(buf, size, "/problems/%s", problem_info(code)->slug);
}
