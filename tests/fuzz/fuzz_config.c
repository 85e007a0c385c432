/*
 * fuzz_config — the YAML configuration loader (config_load_string,
 * include/shiplog/config.h) and the questions asked of a loaded config
 * (server/core/config_rules.c).
 *
 * Input: YAML text, optionally followed by a NUL byte and an environment,
 * one NAME=value per line ("SHIPLOG_THREADS=8\nGH_SECRET=abc").  The loader
 * reads the environment only through the fake getenv below, which answers
 * from that list (for the overrides like SHIPLOG_LISTEN and for the secrets
 * named by *_env keys) and never from the real process environment.
 *
 * Aliases: libyaml expands them into a tree the loader walks; the loader
 * caps the nodes it visits (CONFIG_MAX_NODES), so a "billion laughs" input
 * must end in an error quickly, not in a timeout or an out-of-memory.
 */
#include "fuzz.h"

#include "shiplog/config.h"

#define MAX_ENV 32

static struct {
	char *name;
	char *value;
} env[MAX_ENV];
static size_t n_env;

static char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < n_env; i++)
		if (strcmp(env[i].name, name) == 0)
			return env[i].value;
	return NULL;
}

/* Parses "NAME=value\n..." (the input after the YAML's NUL) into env[]. */
static void env_parse(char *text)
{
	char *save = NULL;
	n_env = 0;
	for (char *line = strtok_r(text, "\n", &save); line && n_env < MAX_ENV;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		env[n_env].name = line;
		env[n_env].value = eq + 1;
		n_env++;
	}
}

static void ask(const struct config *cfg)
{
	static const char *const repos[] = {"weaveworks/weave-gitops-enterprise", "octo/repo",
					    "Octo/Repo", ""};
	static const char *const jobs[] = {"unit-tests (ubuntu-latest)", "lint", "build-and-push",
					   "e2e / playwright", ""};
	static const char *const workflows[][2] = {
		{".github/workflows/ci.yaml", "CI"},
		{".github/workflows/release.yml", "Release"},
		{"", ""},
	};
	FUZZ_CHECK(cfg->listen_host && cfg->base_url && cfg->web_dir && cfg->data_dir &&
		   cfg->releases.rc_pattern);
	FUZZ_CHECK(cfg->db_connections > 0 && cfg->threads > 0);
	FUZZ_CHECK(cfg->n_warnings <= sizeof cfg->warnings / sizeof cfg->warnings[0]);
	for (size_t i = 0; i < cfg->n_repositories; i++)
		FUZZ_CHECK(cfg->repositories[i].name != NULL);
	for (size_t r = 0; r < sizeof repos / sizeof repos[0]; r++) {
		const struct config_repository *repo = config_find_repository(cfg, repos[r]);
		FUZZ_CHECK(repo == NULL || (repo >= cfg->repositories &&
					    repo < cfg->repositories + cfg->n_repositories));
		for (size_t j = 0; j < sizeof jobs / sizeof jobs[0]; j++) {
			enum job_stage stage = STAGE_OTHER;
			bool required = false;
			config_classify_job(cfg, repos[r], jobs[j], &stage, &required);
			FUZZ_CHECK(stage >= STAGE_LINT && stage <= STAGE_OTHER);
			FUZZ_CHECK(config_stage_parse(config_stage_name(stage)) == (int)stage);
		}
		for (size_t w = 0; w < sizeof workflows / sizeof workflows[0]; w++) {
			int kind = config_classify_workflow(cfg, repos[r], workflows[w][0],
							    workflows[w][1]);
			FUZZ_CHECK(kind >= -1 && kind <= RUN_KIND_OTHER);
		}
	}
	const char *emails[] = {"dev@example.com", "someone@weave.works", ""};
	for (size_t e = 0; e < sizeof emails / sizeof emails[0]; e++) {
		const struct config_team *t = config_team_of(cfg, emails[e]);
		FUZZ_CHECK(t == NULL || (t >= cfg->teams && t < cfg->teams + cfg->n_teams));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t yl = 0;
	while (yl < size && data[yl])
		yl++;
	/* the YAML as its own allocation of exactly its size: libyaml reads by
	 * length, and ASan sees a read past the end */
	char *yaml = malloc(yl ? yl : 1);
	if (!yaml)
		abort();
	if (yl)
		memcpy(yaml, data, yl);
	char *envtext = yl < size ? fuzz_cstr(data + yl + 1, size - yl - 1) : NULL;
	n_env = 0;
	if (envtext)
		env_parse(envtext);

	struct config_error err;
	memset(&err, 0x55, sizeof err);
	struct config *cfg = config_load_string("fuzz.yaml", yaml, yl, fake_getenv, &err);
	if (cfg) {
		ask(cfg);
		config_free(cfg);
	} else {
		/* every refusal says where and what */
		FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
		FUZZ_CHECK(err.message[0] != '\0');
	}
	free(envtext);
	free(yaml);
	return 0;
}
