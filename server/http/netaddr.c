/*
 * netaddr.c — address and CIDR matching (see netaddr.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "http/netaddr.h"

/* Parses an address into 16 bytes (IPv4 mapped as ::ffff:a.b.c.d). */
static bool parse_addr(const char *text, unsigned char out[16], bool *v4)
{
	struct in_addr a4;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		*v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, text, out) != 1)
		return false;
	/* a dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d: treat as IPv4 */
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	*v4 = memcmp(out, mapped, 12) == 0;
	return true;
}

static bool entry_matches(const unsigned char addr[16], bool addr_v4, const char *entry)
{
	char host[64];
	const char *slash = strchr(entry, '/');
	size_t hl = slash ? (size_t)(slash - entry) : strlen(entry);
	if (hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, entry, hl);
	host[hl] = '\0';
	unsigned char net[16];
	bool v4;
	if (!parse_addr(host, net, &v4) || v4 != addr_v4)
		return false;
	long bits = v4 ? 32 : 128;
	if (slash) {
		char *end;
		bits = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || bits < 0 || bits > (v4 ? 32 : 128))
			return false;
	}
	if (v4)
		bits += 96; /* the mapped prefix must match too */
	for (long i = 0; i < bits; i++) {
		unsigned char mask = (unsigned char)(0x80 >> (i % 8));
		if ((addr[i / 8] & mask) != (net[i / 8] & mask))
			return false;
	}
	return true;
}

bool netaddr_in_list(const char *addr, size_t len, char *const *entries, size_t n_entries)
{
	char text[64];
	if (len == 0 || len >= sizeof text)
		return false;
	memcpy(text, addr, len);
	text[len] = '\0';
	unsigned char a[16];
	bool v4;
	if (!parse_addr(text, a, &v4))
		return false;
	for (size_t i = 0; i < n_entries; i++)
		if (entry_matches(a, v4, entries[i]))
			return true;
	return false;
}
