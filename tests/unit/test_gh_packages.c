/*
 * test_gh_packages.c — what a registry_package / package delivery says was
 * published (gh_package_describe), on the real example payloads and their
 * odd cases, and the small helpers the check/release mappers share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhooks/gh_misc.h"

#define DOCKER_DIGEST "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"

static json_t *fixture(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/github/%s", SHIPLOG_FIXTURES, name);
	json_error_t err;
	json_t *j = json_load_file(path, JSON_ALLOW_NUL, &err);
	if (!j)
		fail_msg("%s: %s", path, err.text);
	return j;
}

static void registry_package_docker_is_an_image_despite_package_type_npm(void **state)
{
	(void)state;
	json_t *p = fixture("registry_package.published.docker.json");
	/* the oddity under test really is in the payload */
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(p, "registry_package"), "package_type")),
			    "npm");
	struct gh_package pkg;
	assert_null(gh_package_describe(p, &pkg));
	assert_string_equal(pkg.kind, "image");
	assert_string_equal(pkg.name, "Codertocat/hello-world/hello-world-npm");
	/* empty tag name: the version is the digest the payload gives as version */
	assert_string_equal(pkg.version, DOCKER_DIGEST);
	assert_non_null(pkg.digest);
	assert_string_equal(pkg.digest, DOCKER_DIGEST);
	/* the untagged package URL "ghcr.io/Codertocat/hello-world:" pins the digest */
	assert_string_equal(pkg.uri, "ghcr.io/Codertocat/hello-world@" DOCKER_DIGEST);
	/* target_commitish "master" and a 64-hex target_oid are not commits */
	assert_null(pkg.commit);
	assert_non_null(pkg.labels);
	assert_string_equal(
		json_string_value(json_object_get(pkg.labels, "org.opencontainers.image.version")),
		"nightly");
	json_decref(p);
}

static void package_docker_takes_the_commit_from_target_oid(void **state)
{
	(void)state;
	json_t *p = fixture("package.published.docker.json");
	struct gh_package pkg;
	assert_null(gh_package_describe(p, &pkg));
	assert_string_equal(pkg.kind, "image");
	assert_string_equal(pkg.name, "Codertocat/hello-world/hello-world-npm");
	assert_string_equal(pkg.version, DOCKER_DIGEST);
	assert_string_equal(pkg.digest, DOCKER_DIGEST);
	assert_non_null(pkg.commit);
	assert_string_equal(pkg.commit, "6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b");
	json_decref(p);
}

static void package_npm_is_npm_with_its_semver_and_file_size(void **state)
{
	(void)state;
	json_t *p = fixture("package.published.npm.json");
	struct gh_package pkg;
	assert_null(gh_package_describe(p, &pkg));
	assert_string_equal(pkg.kind, "npm");
	assert_string_equal(pkg.name, "hello-world-npm");
	assert_string_equal(pkg.version, "1.0.0");
	/* the only sha256:<64 hex> in the listed places is package_version.name */
	assert_string_equal(pkg.digest, DOCKER_DIGEST);
	assert_string_equal(pkg.uri, "https://github.com/Codertocat/hello-world-npm/packages/10696"
				     "?version=1.0.0");
	assert_int_equal(pkg.size, 654);
	assert_non_null(pkg.commit);
	assert_string_equal(pkg.commit, "6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b");
	assert_null(pkg.labels);
	json_decref(p);
}

static void a_tagged_container_is_versioned_by_its_tag(void **state)
{
	(void)state;
	json_t *p = fixture("registry_package.published.docker.json");
	json_t *pv = json_object_get(json_object_get(p, "registry_package"), "package_version");
	json_t *tag = json_object_get(json_object_get(pv, "container_metadata"), "tag");
	json_object_set_new(tag, "name", json_string("v1.2.3"));
	json_object_set_new(pv, "package_url",
			    json_string("ghcr.io/codertocat/hello-world:v1.2.3"));
	json_object_set_new(pv, "target_commitish",
			    json_string("0123456789abcdef0123456789abcdef01234567"));
	struct gh_package pkg;
	assert_null(gh_package_describe(p, &pkg));
	assert_string_equal(pkg.kind, "image");
	assert_string_equal(pkg.version, "v1.2.3");
	assert_string_equal(pkg.digest, DOCKER_DIGEST);
	assert_string_equal(pkg.uri, "ghcr.io/codertocat/hello-world:v1.2.3");
	assert_string_equal(pkg.commit, "0123456789abcdef0123456789abcdef01234567");
	json_decref(p);
}

static void other_package_types_are_other_and_carry_no_fake_digest(void **state)
{
	(void)state;
	const char *types[] = {"rubygems", "maven", "nuget", "something-new"};
	for (size_t i = 0; i < 4; i++) {
		json_t *p =
			json_pack("{s:{s:s, s:s, s:{s:s, s:s, s:s}}}", "package", "name", "thing",
				  "package_type", types[i], "package_version", "version", "2.0.1",
				  "name", "sha256:short", "html_url", "https://x/y");
		struct gh_package pkg;
		assert_null(gh_package_describe(p, &pkg));
		assert_string_equal(pkg.kind, "other");
		assert_string_equal(pkg.name, "thing");
		assert_string_equal(pkg.version, "2.0.1");
		assert_null(pkg.digest);
		assert_string_equal(pkg.uri, "https://x/y");
		assert_int_equal(pkg.size, -1);
		json_decref(p);
	}
	/* "container" as package_type is an image even without metadata */
	json_t *p = json_pack("{s:{s:s, s:s, s:s, s:{s:s}}}", "package", "name", "api", "namespace",
			      "acme", "package_type", "CONTAINER", "package_version", "version",
			      "sha256:"
			      "0000000000000000000000000000000000000000000000000000000000000000");
	struct gh_package pkg;
	assert_null(gh_package_describe(p, &pkg));
	assert_string_equal(pkg.kind, "image");
	assert_string_equal(pkg.name, "acme/api");
	assert_non_null(pkg.digest);
	json_decref(p);
}

static void missing_fields_are_named(void **state)
{
	(void)state;
	struct gh_package pkg;
	json_t *p = json_pack("{s:s}", "action", "published");
	const char *why = gh_package_describe(p, &pkg);
	assert_non_null(why);
	assert_non_null(strstr(why, "package"));
	json_decref(p);

	p = json_pack("{s:{s:s}}", "registry_package", "name", "x");
	why = gh_package_describe(p, &pkg);
	assert_non_null(why);
	assert_non_null(strstr(why, "registry_package.package_version"));
	json_decref(p);

	p = json_pack("{s:{s:i, s:{s:s}}}", "package", "name", 7, "package_version", "version",
		      "1");
	why = gh_package_describe(p, &pkg);
	assert_non_null(why);
	assert_non_null(strstr(why, "package.name"));
	json_decref(p);

	p = json_pack("{s:{s:s, s:{s:s}}}", "package", "name", "x", "package_version", "version",
		      "");
	why = gh_package_describe(p, &pkg);
	assert_non_null(why);
	assert_non_null(strstr(why, "package.package_version.version"));
	json_decref(p);
}

static void helpers_recognise_digests(void **state)
{
	(void)state;
	assert_true(gh_is_sha256_digest(DOCKER_DIGEST));
	assert_false(gh_is_sha256_digest("sha256:6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b"));
	assert_false(gh_is_sha256_digest(
		"sha512:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498"));
	assert_false(gh_is_sha256_digest(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_package_docker_is_an_image_despite_package_type_npm),
		cmocka_unit_test(package_docker_takes_the_commit_from_target_oid),
		cmocka_unit_test(package_npm_is_npm_with_its_semver_and_file_size),
		cmocka_unit_test(a_tagged_container_is_versioned_by_its_tag),
		cmocka_unit_test(other_package_types_are_other_and_carry_no_fake_digest),
		cmocka_unit_test(missing_fields_are_named),
		cmocka_unit_test(helpers_recognise_digests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
