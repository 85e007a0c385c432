/*
 * validate.c — the string checks the configuration and the API share (see
 * shiplog/validate.h).
 */
#include <shiplog/validate.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

bool validate_is_hostname(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 253)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == len;
}

const char *validate_repo_name(const char *s)
{
	static const char *const expected = "expected owner/name (e.g. weaveworks/weave-gitops)";
	const char *slash = strchr(s, '/');
	size_t owner = slash ? (size_t)(slash - s) : 0, name;

	if (!slash || !owner || owner > 39 || s[0] == '-')
		return expected;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != owner)
		return expected;
	name = strlen(slash + 1);
	if (!name || name > 100 || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return expected;
	if (strspn(slash + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    name)
		return expected;
	return NULL;
}

bool validate_has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

const char *validate_branch(const char *s)
{
	if (validate_has_space_or_control(s) || s[0] == '-' || strstr(s, ".."))
		return "expected a git branch name";
	return NULL;
}

const char *validate_http_url(const char *s)
{
	const char *host;

	if (!s)
		return "expected an http:// or https:// URL";
	if (!strncmp(s, "https://", 8))
		host = s + 8;
	else if (!strncmp(s, "http://", 7))
		host = s + 7;
	else
		return "expected an http:// or https:// URL";
	if (!*host || *host == '/' || validate_has_space_or_control(s))
		return "expected an http:// or https:// URL";
	return NULL;
}

const char *validate_database_url(const char *s)
{
	if (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11) || strchr(s, '='))
		return NULL;
	return "expected a PostgreSQL URL (postgresql://...) or a key=value connection string";
}

const char *validate_header_name(const char *s)
{
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
	    strlen(s))
		return "expected an HTTP header name (e.g. X-Forwarded-Email)";
	return NULL;
}

/* Environment names, teams: simple identifiers that show up in URLs. */
const char *validate_slug(const char *s)
{
	if (!s || !*s || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    strlen(s))
		return "expected letters, digits, '.', '_' or '-'";
	return NULL;
}

/* Kubernetes object names and namespaces (DNS-1123). */
const char *validate_k8s_name(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (!len || len > 253 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len ||
	    s[0] == '-' || s[0] == '.')
		return "expected a Kubernetes name (lower-case letters, digits, '-' and '.')";
	return NULL;
}

const char *validate_not_blank(const char *s)
{
	if (strspn(s, " \t") == strlen(s))
		return "expected a non-empty value";
	return NULL;
}

/* An IP address or CIDR: its prefix length (the address's full length
 * without one) and that full length (32 or 128) into *bits and *max. */
bool validate_parse_cidr(const char *s, long *bits, long *max)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned char buf[sizeof(struct in6_addr)];

	if (!len || len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1)
		*max = 32;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		*max = 128;
	else
		return false;
	*bits = *max;
	if (slash) {
		size_t digits = strlen(slash + 1);

		if (!digits || digits > 3 || strspn(slash + 1, "0123456789") != digits)
			return false;
		*bits = strtol(slash + 1, NULL, 10);
	}
	return *bits <= *max;
}

const char *validate_proxy(const char *s)
{
	long bits, max;

	if (!validate_parse_cidr(s, &bits, &max))
		return "expected an IP address or CIDR (e.g. 10.0.0.0/8)";
	/* whoever can reach the port would be whoever they claim to be */
	if (bits == 0)
		return "a /0 range trusts every address to set the SSO header and "
		       "X-Forwarded-For: list the proxy's own address (\"127.0.0.1\" for a "
		       "sidecar)";
	return NULL;
}

/* "name@domain" or "*@domain". */
const char *validate_member(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || !validate_is_hostname(at + 1) ||
	    validate_has_space_or_control(s) || (strchr(s, '*') && (at != s + 1 || s[0] != '*')))
		return "expected an email address or \"*@domain\"";
	return NULL;
}

static const char *const artifact_kinds[] = { "image", "chart", "npm", "binary", "other", NULL };

/* "kind:name", e.g. "chart:mccp". */
const char *validate_artifact(const char *s)
{
	static const char *const expected =
		"expected kind:name with kind one of image, chart, npm, binary, other";
	const char *colon = strchr(s, ':');
	size_t i;

	if (!colon || !colon[1] || validate_has_space_or_control(s))
		return expected;
	for (i = 0; artifact_kinds[i]; i++)
		if (strlen(artifact_kinds[i]) == (size_t)(colon - s) &&
		    !strncmp(s, artifact_kinds[i], (size_t)(colon - s)))
			return NULL;
	return expected;
}

/* Secrets are never inline: the value names the variable that holds one. */
const char *validate_env_name(const char *s)
{
	if (!*s || (s[0] >= '0' && s[0] <= '9') ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s))
		return "expected the name of an environment variable that holds the secret "
		       "(secrets are never written in the file)";
	return NULL;
}

