/*
 * domain/tiebreak.h — the tiebreak of the merge rule.
 *
 * Rows that several deliveries update (runs, jobs, checks, pull requests,
 * releases, deployments) keep an event's facts only if its (rank, event
 * time, tiebreak) is greater than the stored one, so replicas converge
 * whatever order the deliveries arrive in.  The tiebreak is the lowercase
 * hex SHA-256 of a canonical string of what the event says; the callers
 * choose the parts, this is the one place that hashes and joins them.
 */
#ifndef SHIPLOG_DOMAIN_TIEBREAK_H
#define SHIPLOG_DOMAIN_TIEBREAK_H

#include <stddef.h>

/* Lowercase hex SHA-256 of `canonical`: 64 digits and a NUL into out. */
void tiebreak_hash(const char *canonical, char out[65]);

/* The tiebreak of the parts joined by '|' (NULL as ""), whatever their
 * length. */
void tiebreak_of(const char *const *parts, size_t n, char out[65]);

/* The parts joined by '|' (NULL as "") into buf, cut at size - 1 bytes:
 * a canonical string of bounded length for tiebreak_hash(). */
void tiebreak_canon(char *buf, size_t size, const char *const *parts, size_t n);

#endif
