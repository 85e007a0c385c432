/*
 * fuzz_json_body — JSON request bodies: parsed the way the dispatcher
 * parses them (server/http/dispatch.c parse_body: json_loadb with
 * JSON_REJECT_DUPLICATES), then checked with http_body_check against the
 * body spec of EVERY route that takes a JSON body, so one input reaches every
 * field checker in the table.
 *
 * Input: a request body.
 */
#include "fuzz.h"

#include <jansson.h>

#include "shiplog/http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* jansson seeds its hash function from /dev/urandom by default: pin it,
	 * so the same input takes the same path on every run */
	json_object_seed(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!body) {
		/* the 400 reply quotes these */
		FUZZ_CHECK(memchr(jerr.text, '\0', sizeof jerr.text) != NULL);
		return 0;
	}
	for (const struct route *rt = http_routes; rt->method; rt++) {
		if (rt->body != BODY_JSON && rt->body != BODY_JSON_OR_FORM)
			continue;
		enum problem_code code = PROBLEM_INTERNAL;
		char err[512];
		err[0] = '\0';
		char pointer[256];
		bool ok = http_body_check(rt->body_params, body, &code, err, sizeof err, pointer,
					  sizeof pointer);
		FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
		if (!ok) {
			FUZZ_CHECK(err[0] != '\0');
			FUZZ_CHECK(memchr(pointer, '\0', sizeof pointer) != NULL);
			/* a JSON Pointer for a field; "" only when the body itself is wrong */
			FUZZ_CHECK((code == PROBLEM_MALFORMED_JSON) == (pointer[0] == '\0'));
			FUZZ_CHECK(code == PROBLEM_MALFORMED_JSON || code == PROBLEM_UNKNOWN_FIELD ||
				   code == PROBLEM_MISSING_FIELD || code == PROBLEM_INVALID_FIELD);
		}
	}
	json_decref(body);
	return 0;
}
