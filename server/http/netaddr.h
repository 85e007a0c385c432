/*
 * http/netaddr.h — matching a peer address against the configured trusted
 * proxies: exact addresses ("10.0.3.7", "::1") or CIDR ranges
 * ("10.0.0.0/8", "fd00::/8").
 */
#ifndef SHIPLOG_NETADDR_H
#define SHIPLOG_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Is addr (text, len bytes) within one of the entries? Malformed entries
 * and addresses never match. */
bool netaddr_in_list(const char *addr, size_t len, char *const *entries, size_t n_entries);

#endif
