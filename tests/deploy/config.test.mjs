// The configurations shiplog ships with: deploy/shiplog.example.yaml (make run, the Docker image,
// docker-compose) and its copy for the Kubernetes pods, which differs only where the pod's
// oauth2-proxy sidecar needs it. Both are accepted by `shiplogd --check-config`, alone and with
// each overlay's environment, and every variable a `_env` key names is set where they run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { DEPLOY, ROOT, envKeys, loadYamlFile, rel, render } from './lib.mjs';

const EXAMPLE = path.join(DEPLOY, 'shiplog.example.yaml');
const COPY = path.join(DEPLOY, 'kubernetes/base/shiplog.yaml');
const COMPOSE = path.join(ROOT, 'docker-compose.yml');
const SHIPLOGD = path.resolve(ROOT, process.env.SHIPLOGD || 'build/shiplogd');

// Only PATH and what is given: variables of the machine running the tests stay out.
function checkConfig(file, env = {}) {
	assert.ok(
		fs.existsSync(SHIPLOGD),
		`${SHIPLOGD} does not exist: build shiplogd first, or set SHIPLOGD`,
	);
	const r = spawnSync(SHIPLOGD, ['--check-config', file], {
		encoding: 'utf8',
		timeout: 20000,
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
	});
	if (r.error) throw r.error;
	assert.equal(
		r.status,
		0,
		`shiplogd --check-config ${rel(file)} exited ${r.status}:\n${r.stdout}${r.stderr}`,
	);
	return `${r.stdout}${r.stderr}`;
}

test('deploy/shiplog.example.yaml trusts no identity header', () => {
	const [example] = loadYamlFile(EXAMPLE);
	assert.equal(example.auth?.sso_header, undefined, 'auth.sso_header must stay commented out');
	assert.equal(
		example.auth?.trusted_proxies,
		undefined,
		'auth.trusted_proxies must stay commented out',
	);
});

test("deploy/kubernetes/base/shiplog.yaml is the example, except for the sidecar's settings", () => {
	const [example] = loadYamlFile(EXAMPLE),
		[copy] = loadYamlFile(COPY);
	assert.equal(copy.server.listen, '127.0.0.1:8080', "shiplogd listens on the pod's loopback");
	assert.equal(
		copy.auth.sso_header,
		'X-Forwarded-Email',
		'auth.sso_header: what oauth2-proxy sets',
	);
	assert.deepEqual(
		copy.auth.trusted_proxies,
		['127.0.0.1'],
		'auth.trusted_proxies: exactly ["127.0.0.1"], the sidecar',
	);
	assert.equal(
		copy.server.per_ip_connections,
		copy.server.max_connections,
		'every connection comes from the sidecar: per_ip_connections = max_connections',
	);
	const expected = structuredClone(example);
	expected.server.listen = copy.server.listen;
	expected.server.per_ip_connections = copy.server.per_ip_connections;
	expected.auth.sso_header = copy.auth.sso_header;
	expected.auth.trusted_proxies = copy.auth.trusted_proxies;
	assert.deepEqual(
		copy,
		expected,
		`${rel(COPY)} differs from ${rel(EXAMPLE)} in more than the sidecar's settings`,
	);
});

test('envKeys finds every `_env` key, wherever it is', () => {
	assert.deepEqual(
		envKeys({
			webhooks: { github_secret_env: 'A', processing: 'inline' },
			repositories: [{ name: 'x' }, { webhook_secret_env: 'B' }],
		}),
		[
			{ key: 'webhooks.github_secret_env', variable: 'A' },
			{ key: 'repositories[1].webhook_secret_env', variable: 'B' },
		],
	);
});

// The image's /etc/shiplog/shiplog.yaml is the example (Dockerfile); compose runs it.
test('docker-compose.yml sets every variable that the configuration it runs names', () => {
	const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
	assert.match(
		dockerfile,
		/install [^\n]*deploy\/shiplog\.example\.yaml [^\n]*\/etc\/shiplog\/shiplog\.yaml/,
		'the Dockerfile installs deploy/shiplog.example.yaml as /etc/shiplog/shiplog.yaml',
	);
	const [compose] = loadYamlFile(COMPOSE);
	const svc = compose.services.shiplog;
	assert.ok(
		!(svc.volumes ?? []).some((v) => String(v).includes('/etc/shiplog')),
		"compose runs the image's config",
	);
	const env = svc.environment ?? {};
	assert.ok(!Array.isArray(env), 'docker-compose.yml: environment as a mapping');
	for (const { key, variable } of envKeys(loadYamlFile(EXAMPLE)[0])) {
		const v = env[variable];
		// "${X:-}" may be empty, and empty is unset to shiplogd: a literal or "${X:?...}" only
		assert.ok(
			typeof v === 'string' && v && !/^\$\{[A-Z0-9_]+(:?-[^}]*)?\}$/.test(v),
			`${rel(EXAMPLE)} ${key} names ${variable}: docker-compose.yml must set it (a value or \${${variable}:?...})`,
		);
	}
	// ... and publishes the port on loopback only
	assert.deepEqual(
		svc.ports,
		['127.0.0.1:8080:8080'],
		'docker-compose.yml publishes 8080 on 127.0.0.1 only',
	);
});

test('shiplogd --check-config accepts deploy/shiplog.example.yaml with an empty environment, without a warning', () => {
	const out = checkConfig(EXAMPLE);
	assert.match(out, /valid/);
	assert.doesNotMatch(out, /warning/);
});

test('shiplogd --check-config accepts deploy/kubernetes/base/shiplog.yaml', () => {
	const out = checkConfig(COPY);
	assert.match(out, /valid/);
});

for (const overlay of ['staging', 'production']) {
	test(`shiplogd --check-config accepts it with the ${overlay} overlay's environment`, () => {
		const objs = render(path.join(DEPLOY, 'kubernetes/overlays', overlay));
		const dep = objs.find((o) => o.kind === 'Deployment');
		const c = dep.spec.template.spec.containers.find((x) => x.name === 'shiplog');
		const env = {};
		for (const e of c.envFrom ?? [])
			Object.assign(
				env,
				objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === e.configMapRef?.name)
					?.data,
			);
		for (const e of c.env ?? [])
			env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? 'x'.repeat(64) : '');
		env.DATABASE_URL = 'postgresql://shiplog@db.invalid:5432/shiplog';
		assert.ok(env.SHIPLOG_BASE_URL, 'overlay sets SHIPLOG_BASE_URL');
		const out = checkConfig(COPY, env);
		assert.doesNotMatch(out, /warning/, 'with every secret set there should be no warning');
	});
}
