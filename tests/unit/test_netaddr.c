/*
 * test_netaddr.c — trusted-proxy matching: exact addresses and CIDR ranges,
 * IPv4 and IPv6, and nothing for malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "http/netaddr.h"

static bool in(const char *addr, const char *entry)
{
	char copy[128];
	strncpy(copy, entry, sizeof copy - 1);
	copy[sizeof copy - 1] = '\0';
	char *list[1] = {copy};
	return netaddr_in_list(addr, strlen(addr), list, 1);
}

static void exact_addresses_match_only_themselves(void **state)
{
	(void)state;
	assert_true(in("10.0.3.7", "10.0.3.7"));
	assert_false(in("10.0.3.8", "10.0.3.7"));
	assert_true(in("::1", "::1"));
	assert_false(in("::2", "::1"));
}

static void cidr_ranges_match_their_members(void **state)
{
	(void)state;
	assert_true(in("10.200.1.2", "10.0.0.0/8"));
	assert_false(in("11.0.0.1", "10.0.0.0/8"));
	assert_true(in("192.168.1.77", "192.168.1.64/26"));
	assert_false(in("192.168.1.128", "192.168.1.64/26"));
	assert_true(in("1.2.3.4", "0.0.0.0/0"));
	assert_true(in("fd00::1234", "fd00::/8"));
	assert_false(in("fe80::1", "fd00::/8"));
	/* an IPv4 range does not swallow IPv6 addresses, nor the other way round */
	assert_false(in("::1", "0.0.0.0/0"));
	assert_false(in("10.0.0.1", "::/0"));
	/* an IPv4 peer seen through a dual-stack socket is still IPv4 */
	assert_true(in("::ffff:10.1.2.3", "10.0.0.0/8"));
}

static void malformed_input_never_matches(void **state)
{
	(void)state;
	assert_false(in("10.0.0.1", "10.0.0.0/33"));
	assert_false(in("10.0.0.1", "10.0.0.0/"));
	assert_false(in("10.0.0.1", "10.0.0.0/x"));
	assert_false(in("10.0.0.1", "not-an-address"));
	assert_false(in("", "10.0.0.0/8"));
	assert_false(in("10.0.0.1 ", "10.0.0.0/8"));
	assert_false(in("10.0.0", "10.0.0.0/8"));
	char garbage[] = "garbage", loopback[] = "127.0.0.0/8";
	char *list[2] = {garbage, loopback};
	assert_true(netaddr_in_list("127.0.0.1", 9, list, 2));
	assert_false(netaddr_in_list("127.0.0.1", 9, list, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_addresses_match_only_themselves),
		cmocka_unit_test(cidr_ranges_match_their_members),
		cmocka_unit_test(malformed_input_never_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
