/*
 * test_flux_revision.c — parsing Flux revisions (every form Flux has
 * written, and garbage), chart versions, the reason/severity → status
 * table, object kinds and the status ranks of the merge rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/flux_revision.h"

#define SHA "07a684d59d1bc9a58e0c0d07ed480812b2b9a29e"
#define SHA_UPPER "07A684D59D1BC9A58E0C0D07ED480812B2B9A29E"
#define D256 "4f0b7e4d2a1f9c3b8e6d5a4c3b2a1908f7e6d5c4b3a29180706f5e4d3c2b1a09"

struct rev_case {
	const char *text;
	enum flux_rev_kind kind;
	const char *ref;     /* expected ref ("" none) */
	const char *key;     /* expected flux_revision_key */
	const char *version; /* expected version ("" none) */
};

static const struct rev_case cases[] = {
	/* Flux >= 2.0: <ref>@sha1:<sha> */
	{"main@sha1:" SHA, FLUX_REV_GIT, "main", SHA, ""},
	{"feature/x@sha1:" SHA, FLUX_REV_GIT, "feature/x", SHA, ""},
	{"refs/heads/release/v1.2@sha1:" SHA, FLUX_REV_GIT, "refs/heads/release/v1.2", SHA, ""},
	{"v0.38.0@sha1:" SHA, FLUX_REV_GIT, "v0.38.0", SHA, ""},
	{"main@sha1:" SHA_UPPER, FLUX_REV_GIT, "main", SHA, ""},
	{"sha1:" SHA, FLUX_REV_GIT, "", SHA, ""},
	/* the older <ref>/<sha>, the ref may hold slashes */
	{"main/" SHA, FLUX_REV_GIT, "main", SHA, ""},
	{"master/71ea786475aba31c801435d840819f14a2cc0ef2", FLUX_REV_GIT, "master",
	 "71ea786475aba31c801435d840819f14a2cc0ef2", ""},
	{"feature/x/" SHA, FLUX_REV_GIT, "feature/x", SHA, ""},
	/* a bare SHA */
	{SHA, FLUX_REV_GIT, "", SHA, ""},
	{SHA_UPPER, FLUX_REV_GIT, "", SHA, ""},
	/* OCI artifacts and buckets: digests, not commits */
	{"main@sha256:" D256, FLUX_REV_DIGEST, "main", "sha256:" D256, ""},
	{"latest@sha256:" D256, FLUX_REV_DIGEST, "latest", "sha256:" D256, ""},
	{"sha256:" D256, FLUX_REV_DIGEST, "", "sha256:" D256, ""},
	{"main@blake3:" D256, FLUX_REV_DIGEST, "main", "blake3:" D256, ""},
	/* a chart version with its OCI digest: the version is kept */
	{"0.38.1@sha256:" D256, FLUX_REV_DIGEST, "0.38.1", "sha256:" D256, "0.38.1"},
	/* chart versions (HelmRelease) */
	{"0.38.1-v00012-g1a2b3c4d", FLUX_REV_CHART, "", "0.38.1-v00012-g1a2b3c4d",
	 "0.38.1-v00012-g1a2b3c4d"},
	{"1.2.3", FLUX_REV_CHART, "", "1.2.3", "1.2.3"},
	{"0.0.0-0", FLUX_REV_CHART, "", "0.0.0-0", "0.0.0-0"},
	{"1.0.0-rc.1+build.5", FLUX_REV_CHART, "", "1.0.0-rc.1+build.5", "1.0.0-rc.1+build.5"},
	{"6.5.4+a1b2c3", FLUX_REV_CHART, "", "6.5.4+a1b2c3", "6.5.4+a1b2c3"},
	/* garbage */
	{"", FLUX_REV_INVALID, "", "", ""},
	{"main", FLUX_REV_INVALID, "", "", ""},
	{"main@sha1:07a684d", FLUX_REV_INVALID, "", "", ""},           /* short */
	{"main@sha1:" SHA "00", FLUX_REV_INVALID, "", "", ""},          /* long */
	{"main@sha1:zza684d59d1bc9a58e0c0d07ed480812b2b9a29e", FLUX_REV_INVALID, "", "", ""},
	{"main@md5:d41d8cd98f00b204e9800998ecf8427e", FLUX_REV_INVALID, "", "", ""},
	{"main@sha256:" SHA, FLUX_REV_INVALID, "", "", ""},             /* wrong length */
	{"main@", FLUX_REV_INVALID, "", "", ""},
	{"@", FLUX_REV_INVALID, "", "", ""},
	{"ma in@sha1:" SHA, FLUX_REV_INVALID, "", "", ""},              /* space in ref */
	{"main/07a684d", FLUX_REV_INVALID, "", "", ""},
	{"/" SHA, FLUX_REV_INVALID, "", "", ""},                        /* empty ref */
	{"1.2", FLUX_REV_INVALID, "", "", ""},
	{"01.2.3", FLUX_REV_INVALID, "", "", ""},                       /* leading zero */
	{"1.2.3-", FLUX_REV_INVALID, "", "", ""},
	{"1.2.3-a..b", FLUX_REV_INVALID, "", "", ""},
	{"v1.2.3", FLUX_REV_INVALID, "", "", ""},                       /* charts have no v */
	{"sha1:", FLUX_REV_INVALID, "", "", ""},
	{"\x01\x02", FLUX_REV_INVALID, "", "", ""},
};

static void revision_table_parses_every_form_and_refuses_garbage(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rev_case *c = &cases[i];
		struct flux_revision rev;
		enum flux_rev_kind k = flux_revision_parse(c->text, &rev);
		if (k != c->kind || rev.kind != c->kind)
			fail_msg("case %zu \"%s\": kind %d, expected %d", i, c->text, (int)k,
				 (int)c->kind);
		if (strcmp(rev.ref, c->ref) != 0)
			fail_msg("case %zu \"%s\": ref \"%s\", expected \"%s\"", i, c->text, rev.ref,
				 c->ref);
		if (strcmp(flux_revision_key(&rev), c->key) != 0)
			fail_msg("case %zu \"%s\": key \"%s\", expected \"%s\"", i, c->text,
				 flux_revision_key(&rev), c->key);
		if (strcmp(rev.version, c->version) != 0)
			fail_msg("case %zu \"%s\": version \"%s\", expected \"%s\"", i, c->text,
				 rev.version, c->version);
		if (k == FLUX_REV_GIT)
			assert_int_equal(strlen(rev.sha), 40);
	}
}

static void null_and_overlong_revisions_are_invalid(void **state)
{
	(void)state;
	struct flux_revision rev;
	assert_int_equal(flux_revision_parse(NULL, &rev), FLUX_REV_INVALID);
	static char longref[2100];
	memset(longref, 'a', sizeof longref - 60);
	snprintf(longref + sizeof longref - 60, 60, "@sha1:%s", SHA);
	assert_int_equal(flux_revision_parse(longref, &rev), FLUX_REV_INVALID);
	/* a ref that just fits is kept whole */
	char fits[320];
	memset(fits, 'b', 255);
	snprintf(fits + 255, sizeof fits - 255, "@sha1:%s", SHA);
	assert_int_equal(flux_revision_parse(fits, &rev), FLUX_REV_GIT);
	assert_int_equal(strlen(rev.ref), 255);
	memset(fits, 'b', 256);
	snprintf(fits + 256, sizeof fits - 256, "@sha1:%s", SHA);
	assert_int_equal(flux_revision_parse(fits, &rev), FLUX_REV_INVALID);
}

static void semver_accepts_chart_versions_only(void **state)
{
	(void)state;
	assert_true(flux_is_semver("0.38.1-v00012-g1a2b3c4d"));
	assert_true(flux_is_semver("10.20.30"));
	assert_true(flux_is_semver("1.0.0-alpha.1"));
	/* SemVer 2.0.0: no leading zero in a numeric pre-release identifier;
	 * build metadata and alphanumeric identifiers may have one */
	assert_false(flux_is_semver("1.0.0-01"));
	assert_false(flux_is_semver("1.0.0-rc.01"));
	assert_true(flux_is_semver("1.0.0-rc.0"));
	assert_true(flux_is_semver("1.0.0-0a"));
	assert_true(flux_is_semver("1.0.0+001"));
	assert_true(flux_is_semver("1.0.0-rc.1+build.007"));
	assert_false(flux_is_semver("1.0.0-rc..1"));
	assert_false(flux_is_semver("1.0.0-"));
	assert_false(flux_is_semver(NULL));
	assert_false(flux_is_semver(""));
	assert_false(flux_is_semver("1.0"));
	assert_false(flux_is_semver("1.0.0.0"));
	assert_false(flux_is_semver("1.0.0+"));
	assert_false(flux_is_semver("1.0.0-al$pha"));
	assert_false(flux_is_semver("a.b.c"));
}

static void reasons_map_to_deployment_statuses(void **state)
{
	(void)state;
	static const struct {
		const char *reason, *severity, *status;
	} t[] = {
		{"Progressing", "info", "in_progress"},
		{"ProgressingWithRetry", "info", "in_progress"},
		{"DependencyNotReady", "info", "queued"},
		{"ReconciliationSucceeded", "info", "success"},
		{"InstallSucceeded", "info", "success"},
		{"UpgradeSucceeded", "info", "success"},
		{"TestSucceeded", "info", "success"},
		{"ReconciliationFailed", "error", "failure"},
		{"HealthCheckFailed", "error", "failure"},
		{"ArtifactFailed", "error", "failure"},
		{"UpgradeFailed", "error", "failure"},
		{"InstallFailed", "error", "failure"},
		{"ValidationFailed", "error", "failure"},
		/* a Failed reason is a failure even when the severity says info */
		{"BuildFailed", "info", "failure"},
		{"RollbackSucceeded", "info", "failure"},
		{"UninstallSucceeded", "info", "inactive"},
		/* unknown reasons: only severity error says something */
		{"SomethingNew", "error", "failure"},
		{"SomethingNew", "info", NULL},
		{"reason", "info", NULL},
		{"Failed", "info", NULL},
		{NULL, NULL, NULL},
		{NULL, "error", "failure"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = flux_reason_status(t[i].reason, t[i].severity);
		if ((got == NULL) != (t[i].status == NULL) ||
		    (got && strcmp(got, t[i].status) != 0))
			fail_msg("%s/%s: %s, expected %s", t[i].reason ? t[i].reason : "(null)",
				 t[i].severity ? t[i].severity : "(null)", got ? got : "(null)",
				 t[i].status ? t[i].status : "(null)");
	}
}

static void sources_do_not_deploy_and_deployers_are_known(void **state)
{
	(void)state;
	const char *sources[] = {"GitRepository", "OCIRepository", "HelmRepository", "HelmChart",
				 "Bucket"};
	for (size_t i = 0; i < 5; i++) {
		assert_true(flux_is_source_kind(sources[i]));
		assert_false(flux_is_deployer_kind(sources[i]));
	}
	assert_true(flux_is_deployer_kind("Kustomization"));
	assert_true(flux_is_deployer_kind("HelmRelease"));
	assert_false(flux_is_deployer_kind("kustomization")); /* Flux spells kinds exactly */
	assert_false(flux_is_deployer_kind("ImageUpdateAutomation"));
	assert_false(flux_is_deployer_kind(NULL));
	assert_false(flux_is_source_kind(NULL));
}

static void status_ranks_order_queued_progress_final(void **state)
{
	(void)state;
	assert_int_equal(deployment_status_rank("queued"), 1);
	assert_int_equal(deployment_status_rank("in_progress"), 2);
	assert_int_equal(deployment_status_rank("success"), 3);
	assert_int_equal(deployment_status_rank("failure"), 3);
	assert_int_equal(deployment_status_rank("error"), 3);
	assert_int_equal(deployment_status_rank("inactive"), 3);
	assert_int_equal(deployment_status_rank("pending"), 0);
	assert_int_equal(deployment_status_rank(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(revision_table_parses_every_form_and_refuses_garbage),
		cmocka_unit_test(null_and_overlong_revisions_are_invalid),
		cmocka_unit_test(semver_accepts_chart_versions_only),
		cmocka_unit_test(reasons_map_to_deployment_statuses),
		cmocka_unit_test(sources_do_not_deploy_and_deployers_are_known),
		cmocka_unit_test(status_ranks_order_queued_progress_final),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
