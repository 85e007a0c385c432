/*
 * test_auth.c — scope rules, API token generation/hashing/shape, session ids
 * and CSRF tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/auth.h"
#include "shiplog/crypto.h"

#define SECRET "a-session-secret-of-reasonable-length"

/* ---- scopes ---- */

static void scope_matrix_admin_implies_all_and_any_scope_implies_read(void **state)
{
	(void)state;
	static const enum auth_scope needs[] = {AUTH_SCOPE_NONE, AUTH_SCOPE_READ, AUTH_SCOPE_CI,
						AUTH_SCOPE_FEEDBACK, AUTH_SCOPE_ADMIN};
	static const struct {
		unsigned have;
		bool allows[5]; /* NONE, READ, CI, FEEDBACK, ADMIN */
	} rows[] = {
		{0, {true, false, false, false, false}},
		{AUTH_SCOPE_READ, {true, true, false, false, false}},
		{AUTH_SCOPE_CI, {true, true, true, false, false}},
		{AUTH_SCOPE_FEEDBACK, {true, true, false, true, false}},
		{AUTH_SCOPE_ADMIN, {true, true, true, true, true}},
		{AUTH_SCOPE_CI | AUTH_SCOPE_FEEDBACK, {true, true, true, true, false}},
		{AUTH_SCOPE_READ | AUTH_SCOPE_CI, {true, true, true, false, false}},
		{AUTH_SCOPE_READ | AUTH_SCOPE_ADMIN, {true, true, true, true, true}},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (size_t j = 0; j < 5; j++)
			if (auth_allows(rows[i].have, needs[j]) != rows[i].allows[j])
				fail_msg("have 0x%x need %s: expected %s", rows[i].have,
					 auth_scope_name(needs[j]),
					 rows[i].allows[j] ? "allowed" : "refused");
}

static void ci_does_not_imply_feedback_nor_feedback_ci(void **state)
{
	(void)state;
	assert_false(auth_allows(AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK));
	assert_false(auth_allows(AUTH_SCOPE_FEEDBACK, AUTH_SCOPE_CI));
	assert_false(auth_allows(AUTH_SCOPE_READ, AUTH_SCOPE_CI));
}

/* RC writes take ci or release; release alone is no ci (runs, deployments,
 * artifacts) and no feedback. */
static void release_meets_ci_or_release_but_not_ci(void **state)
{
	(void)state;
	assert_true(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_CI_OR_RELEASE));
	assert_true(auth_allows(AUTH_SCOPE_CI, AUTH_SCOPE_CI_OR_RELEASE));
	assert_true(auth_allows(AUTH_SCOPE_ADMIN, AUTH_SCOPE_CI_OR_RELEASE));
	assert_false(auth_allows(AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK, AUTH_SCOPE_CI_OR_RELEASE));
	assert_false(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_CI));
	assert_false(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_FEEDBACK));
	assert_false(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_ADMIN));
	assert_true(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_READ));
	assert_string_equal(auth_scope_name(AUTH_SCOPE_CI_OR_RELEASE), "ci or release");
	/* a feedback's status: feedback or release (a release token triages any) */
	assert_true(auth_allows(AUTH_SCOPE_RELEASE, AUTH_SCOPE_FEEDBACK_OR_RELEASE));
	assert_true(auth_allows(AUTH_SCOPE_FEEDBACK, AUTH_SCOPE_FEEDBACK_OR_RELEASE));
	assert_false(auth_allows(AUTH_SCOPE_READ | AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK_OR_RELEASE));
	assert_string_equal(auth_scope_name(AUTH_SCOPE_FEEDBACK_OR_RELEASE), "feedback or release");
	assert_int_equal(auth_scope_parse("ci or release"), 0);
}

static void public_route_allows_anyone(void **state)
{
	(void)state;
	assert_true(auth_allows(0, AUTH_SCOPE_NONE));
	assert_true(auth_allows(AUTH_SCOPE_ADMIN, AUTH_SCOPE_NONE));
}

static void scope_names_round_trip(void **state)
{
	(void)state;
	static const enum auth_scope all[] = {AUTH_SCOPE_READ, AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK,
					      AUTH_SCOPE_ADMIN, AUTH_SCOPE_RELEASE};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		assert_int_equal(auth_scope_parse(auth_scope_name(all[i])), (unsigned)all[i]);
	assert_string_equal(auth_scope_name(AUTH_SCOPE_RELEASE), "release");
	assert_string_equal(auth_scope_name(AUTH_SCOPE_READ), "read");
	assert_string_equal(auth_scope_name(AUTH_SCOPE_CI), "ci");
	assert_string_equal(auth_scope_name(AUTH_SCOPE_FEEDBACK), "feedback");
	assert_string_equal(auth_scope_name(AUTH_SCOPE_ADMIN), "admin");
}

static void unknown_scope_name_parses_to_zero(void **state)
{
	(void)state;
	static const char *const bad[] = {"",	   "root", "READ", "read ",
					  " read", "none", "adm",  "readx"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (auth_scope_parse(bad[i]) != 0)
			fail_msg("\"%s\" parsed as a scope", bad[i]);
	assert_string_equal(auth_scope_name(AUTH_SCOPE_NONE), "none");
}

/* ---- tokens ---- */

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static void generated_token_has_prefix_length_and_alphabet(void **state)
{
	(void)state;
	char t[AUTH_TOKEN_TEXT_LEN + 1];
	memset(t, 'X', sizeof t);
	auth_token_generate(t);
	assert_int_equal(strlen(t), AUTH_TOKEN_TEXT_LEN);
	assert_int_equal(strncmp(t, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)), 0);
	assert_string_equal(AUTH_TOKEN_PREFIX, "shiplog_");
	for (size_t i = strlen(AUTH_TOKEN_PREFIX); i < AUTH_TOKEN_TEXT_LEN; i++)
		if (!b64url_char(t[i]))
			fail_msg("token char %zu is '%c'", i, t[i]);
	assert_true(auth_token_well_formed(t));
	/* the random part decodes back to 256 bits */
	unsigned char raw[AUTH_TOKEN_RAW_LEN + 3];
	assert_int_equal(crypto_b64url_decode(t + 8, AUTH_TOKEN_TEXT_LEN - 8, raw),
			 AUTH_TOKEN_RAW_LEN);
}

static void two_generated_tokens_differ(void **state)
{
	(void)state;
	char a[AUTH_TOKEN_TEXT_LEN + 1], b[AUTH_TOKEN_TEXT_LEN + 1];
	auth_token_generate(a);
	auth_token_generate(b);
	assert_string_not_equal(a, b);
}

static void token_hash_is_sha256_of_the_text(void **state)
{
	(void)state;
	char t[AUTH_TOKEN_TEXT_LEN + 1];
	auth_token_generate(t);
	unsigned char got[32], want[32];
	auth_token_hash(t, got);
	crypto_sha256(t, strlen(t), want);
	assert_memory_equal(got, want, 32);

	auth_token_hash("abc", got);
	char hex[65];
	crypto_hex(got, 32, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void token_well_formed_refuses_bad_lengths_and_characters(void **state)
{
	(void)state;
	char buf[600];
	memset(buf, 'a', sizeof buf);
	buf[15] = '\0';
	assert_false(auth_token_well_formed(buf));
	buf[15] = 'a';
	buf[16] = '\0';
	assert_true(auth_token_well_formed(buf));
	buf[16] = 'a';
	buf[512] = '\0';
	assert_true(auth_token_well_formed(buf));
	buf[512] = 'a';
	buf[513] = '\0';
	assert_false(auth_token_well_formed(buf));

	assert_false(auth_token_well_formed(""));
	assert_false(auth_token_well_formed("shiplog_abc def0123456789"));
	assert_false(auth_token_well_formed("shiplog_abcdef0123456789 "));
	assert_false(auth_token_well_formed("shiplog_abc\tdef0123456789"));
	assert_false(auth_token_well_formed("shiplog_abc\ndef0123456789"));
	assert_false(auth_token_well_formed("shiplog_abc\x01"
					    "def0123456789"));
	assert_false(auth_token_well_formed("shiplog_abc\x7f"
					    "def0123456789"));
	assert_false(auth_token_well_formed("shiplog_abc\xc3\xa9"
					    "def0123456789"));
	assert_true(auth_token_well_formed("an-operator's~chosen!token"));
}

/* ---- sessions ---- */

static void session_ids_are_random_43_char_base64url(void **state)
{
	(void)state;
	char a[AUTH_SESSION_ID_LEN + 1], b[AUTH_SESSION_ID_LEN + 1];
	auth_session_generate(a);
	auth_session_generate(b);
	assert_int_equal(strlen(a), AUTH_SESSION_ID_LEN);
	for (const char *p = a; *p; p++)
		assert_true(b64url_char(*p));
	assert_string_not_equal(a, b);
	assert_true(auth_session_well_formed(a));
	assert_true(auth_session_well_formed(b));
}

static void session_ids_of_the_wrong_shape_are_refused(void **state)
{
	(void)state;
	char id[AUTH_SESSION_ID_LEN + 1];
	auth_session_generate(id);
	char buf[128];
	snprintf(buf, sizeof buf, "%sA", id); /* too long */
	assert_false(auth_session_well_formed(buf));
	snprintf(buf, sizeof buf, "%.*s", AUTH_SESSION_ID_LEN - 1, id); /* too short */
	assert_false(auth_session_well_formed(buf));
	snprintf(buf, sizeof buf, "%s", id);
	buf[10] = '.'; /* the old signed cookies had dots */
	assert_false(auth_session_well_formed(buf));
	buf[10] = '=';
	assert_false(auth_session_well_formed(buf));
	assert_false(auth_session_well_formed(""));
	assert_false(auth_session_well_formed(NULL));
	/* an old stateless cookie is not a session id */
	assert_false(auth_session_well_formed("eyJzdWIiOiJhIiwic2NwIjoxNX0.q8Hx3kZ0bY7mN2pL5tR9wA"));
}

static void session_hash_is_sha256_of_the_id(void **state)
{
	(void)state;
	char id[AUTH_SESSION_ID_LEN + 1];
	auth_session_generate(id);
	unsigned char h[32], want[32];
	auth_session_hash(id, h);
	crypto_sha256(id, strlen(id), want);
	assert_memory_equal(h, want, 32);
	char other[AUTH_SESSION_ID_LEN + 1];
	snprintf(other, sizeof other, "%s", id);
	other[0] = other[0] == 'A' ? 'B' : 'A';
	auth_session_hash(other, want);
	assert_memory_not_equal(h, want, 32);
}

/* ---- CSRF ---- */

static void csrf_token_checks_for_its_own_session(void **state)
{
	(void)state;
	char tok[64];
	auth_csrf_token(SECRET, "session-one", tok, sizeof tok);
	assert_int_equal(strlen(tok), 43);
	assert_true(auth_csrf_check(SECRET, "session-one", tok));
}

static void csrf_token_of_another_session_is_refused(void **state)
{
	(void)state;
	char tok[64], other[64];
	auth_csrf_token(SECRET, "session-one", tok, sizeof tok);
	auth_csrf_token(SECRET, "session-two", other, sizeof other);
	assert_string_not_equal(tok, other);
	assert_false(auth_csrf_check(SECRET, "session-two", tok));
	assert_false(auth_csrf_check(SECRET, "session-on", tok));
}

static void empty_or_missing_csrf_token_is_refused(void **state)
{
	(void)state;
	char tok[64];
	auth_csrf_token(SECRET, "session-one", tok, sizeof tok);
	assert_false(auth_csrf_check(SECRET, "session-one", ""));
	assert_false(auth_csrf_check(SECRET, "session-one", NULL));
	assert_false(auth_csrf_check(SECRET, "", tok));
	assert_false(auth_csrf_check(SECRET, NULL, tok));
	/* a session without an id never passes, even with the token of "" */
	char empty_tok[64];
	auth_csrf_token(SECRET, "", empty_tok, sizeof empty_tok);
	assert_false(auth_csrf_check(SECRET, "", empty_tok));
}

static void csrf_token_under_another_secret_is_refused(void **state)
{
	(void)state;
	char tok[64];
	auth_csrf_token("other-secret", "session-one", tok, sizeof tok);
	assert_false(auth_csrf_check(SECRET, "session-one", tok));
}

static void altered_csrf_token_is_refused(void **state)
{
	(void)state;
	char tok[64], buf[80];
	auth_csrf_token(SECRET, "session-one", tok, sizeof tok);
	for (size_t i = 0; i < strlen(tok); i++) {
		char saved = tok[i];
		tok[i] = saved == 'A' ? 'B' : 'A';
		assert_false(auth_csrf_check(SECRET, "session-one", tok));
		tok[i] = saved;
	}
	snprintf(buf, sizeof buf, "%s=", tok);
	assert_false(auth_csrf_check(SECRET, "session-one", buf));
	snprintf(buf, sizeof buf, "%.42s", tok);
	assert_false(auth_csrf_check(SECRET, "session-one", buf));
}

static void csrf_token_for_a_real_session_id_round_trips(void **state)
{
	(void)state;
	char id[AUTH_SESSION_ID_LEN + 1];
	auth_session_generate(id);
	char tok[64];
	auth_csrf_token(SECRET, id, tok, sizeof tok);
	assert_true(auth_csrf_check(SECRET, id, tok));
}

/* auth.h: the token is base64url(HMAC-SHA256(secret, "csrf:" id)). */
static void documented_csrf_token(const char *secret, const char *id, char *out)
{
	size_t ml = strlen("csrf:") + strlen(id);
	char *msg = malloc(ml + 1);
	assert_non_null(msg);
	snprintf(msg, ml + 1, "csrf:%s", id);
	unsigned char mac[64];
	size_t n = crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), msg, ml, mac);
	crypto_b64url_encode(mac, n, out);
	free(msg);
}

static void csrf_token_is_the_documented_hmac(void **state)
{
	(void)state;
	char got[64], want[64];
	auth_csrf_token(SECRET, "q8Hx3kZ0bY7mN2pL5tR9wA", got, sizeof got);
	documented_csrf_token(SECRET, "q8Hx3kZ0bY7mN2pL5tR9wA", want);
	assert_string_equal(got, want);
}

/* auth_csrf_token() formats "csrf:" + id into a 64-byte stack buffer and
 * then MACs snprintf's return value worth of bytes: for an id over 58
 * characters that reads past the buffer (valgrind: uninitialised values in
 * crypto_b64url_encode) and MACs stack garbage instead of the id. */
static void csrf_token_for_a_long_session_id_is_the_documented_hmac(void **state)
{
	(void)state;
	char id[101];
	memset(id, 'a', 100);
	id[100] = '\0';
	char got[64], want[64];
	auth_csrf_token(SECRET, id, got, sizeof got);
	documented_csrf_token(SECRET, id, want);
	assert_string_equal(got, want);
	assert_true(auth_csrf_check(SECRET, id, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scope_matrix_admin_implies_all_and_any_scope_implies_read),
		cmocka_unit_test(ci_does_not_imply_feedback_nor_feedback_ci),
		cmocka_unit_test(release_meets_ci_or_release_but_not_ci),
		cmocka_unit_test(public_route_allows_anyone),
		cmocka_unit_test(scope_names_round_trip),
		cmocka_unit_test(unknown_scope_name_parses_to_zero),
		cmocka_unit_test(generated_token_has_prefix_length_and_alphabet),
		cmocka_unit_test(two_generated_tokens_differ),
		cmocka_unit_test(token_hash_is_sha256_of_the_text),
		cmocka_unit_test(token_well_formed_refuses_bad_lengths_and_characters),
		cmocka_unit_test(session_ids_are_random_43_char_base64url),
		cmocka_unit_test(session_ids_of_the_wrong_shape_are_refused),
		cmocka_unit_test(session_hash_is_sha256_of_the_id),
		cmocka_unit_test(csrf_token_checks_for_its_own_session),
		cmocka_unit_test(csrf_token_of_another_session_is_refused),
		cmocka_unit_test(empty_or_missing_csrf_token_is_refused),
		cmocka_unit_test(csrf_token_under_another_secret_is_refused),
		cmocka_unit_test(altered_csrf_token_is_refused),
		cmocka_unit_test(csrf_token_for_a_real_session_id_round_trips),
		cmocka_unit_test(csrf_token_is_the_documented_hmac),
		cmocka_unit_test(csrf_token_for_a_long_session_id_is_the_documented_hmac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
