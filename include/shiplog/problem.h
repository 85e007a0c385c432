/*
 * problem.h — every error shiplog answers, as one table.
 *
 * Each code has a stable `type` URI, a title and an HTTP status.  Replies are
 * application/problem+json (RFC 9457); the `detail` names the field or header
 * at fault.  Clients may rely on `type`; titles and details are for people.
 */
#ifndef SHIPLOG_PROBLEM_H
#define SHIPLOG_PROBLEM_H

enum problem_code {
	PROBLEM_BAD_REQUEST,
	PROBLEM_MALFORMED_JSON,
	PROBLEM_INVALID_FIELD,
	PROBLEM_MISSING_FIELD,
	PROBLEM_UNKNOWN_FIELD,
	PROBLEM_INVALID_PARAMETER,
	PROBLEM_UNKNOWN_PARAMETER,
	PROBLEM_UNAUTHORIZED,
	PROBLEM_BAD_SIGNATURE,
	PROBLEM_FORBIDDEN,
	PROBLEM_CSRF,
	PROBLEM_NOT_PERMITTED,
	PROBLEM_NOT_FOUND,
	PROBLEM_METHOD_NOT_ALLOWED,
	PROBLEM_CONFLICT,
	PROBLEM_IMMUTABLE,
	PROBLEM_ILLEGAL_TRANSITION,
	PROBLEM_STATE_CHANGED,
	PROBLEM_NOT_READY,
	PROBLEM_PAYLOAD_TOO_LARGE,
	PROBLEM_URI_TOO_LONG,
	PROBLEM_UNSUPPORTED_MEDIA_TYPE,
	PROBLEM_RATE_LIMITED,
	PROBLEM_INTERNAL,
	PROBLEM_DB_UNAVAILABLE,
	PROBLEM_SHUTTING_DOWN,
	PROBLEM_BUSY,
	PROBLEM__COUNT
};

struct problem_info {
	const char *slug;  /* stable: the last part of the type URI */
	const char *title; /* short, for people */
	unsigned status;   /* HTTP status */
};

/* The entry for `code` (never NULL for a valid code). */
const struct problem_info *problem_info(enum problem_code code);

/* Writes the type URI of `code` ("/problems/<slug>") into buf. */
void problem_type_uri(enum problem_code code, char *buf, unsigned long size);

#endif
