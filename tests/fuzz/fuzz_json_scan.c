/*
 * fuzz_json_scan — the queued mode's body check (server/webhooks/json_scan.c)
 * against jansson, differentially: whatever the scanner vouches for must be
 * a JSON object json_loadb(JSON_ALLOW_NUL) accepts (else a body jansson
 * refuses would be answered 202 instead of 400), and the action and
 * repository it reports must be what wj_str reads from jansson's tree.
 *
 * Input: a delivery body.
 */
#include "fuzz.h"

#include <jansson.h>

#include "webhooks/json_scan.h"
#include "webhooks/webhook.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char action[64], repo[256];
	bool vouched = json_scan_delivery((const char *)data, size, action, sizeof action, repo,
					  sizeof repo);
	FUZZ_CHECK(memchr(action, '\0', sizeof action) != NULL);
	FUZZ_CHECK(memchr(repo, '\0', sizeof repo) != NULL);
	if (!vouched)
		return 0; /* the inline path: jansson decides */
	json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	FUZZ_CHECK(j != NULL);
	FUZZ_CHECK(json_is_object(j));
	wj_replace_nul(j); /* as webhook_delivery_json stores it */
	const char *ja = wj_str(j, "action"), *jr = wj_str(j, "repository.full_name");
	/* "" when absent, not a string, or longer than the buffer */
	if (ja && strlen(ja) < sizeof action)
		FUZZ_CHECK(strcmp(action, ja) == 0);
	else
		FUZZ_CHECK(action[0] == '\0');
	if (jr && strlen(jr) < sizeof repo)
		FUZZ_CHECK(strcmp(repo, jr) == 0);
	else
		FUZZ_CHECK(repo[0] == '\0');
	json_decref(j);
	return 0;
}
