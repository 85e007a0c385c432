// deploy/flux: the objects that deploy shiplog (GitRepository + Kustomization) and the ones that
// send Flux events to shiplog (Provider + Alert), checked against each other, the overlays and
// the README.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
	DEPLOY,
	ROOT,
	kustomizationFile,
	loadYamlFile,
	render,
	validateObject,
	yamlFiles,
} from './lib.mjs';

const objs = yamlFiles(path.join(DEPLOY, 'flux')).flatMap(loadYamlFile);
const find = (apiVersion, kind) => {
	const found = objs.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
	assert.equal(
		found.length,
		1,
		`expected one ${kind} (${apiVersion}) in deploy/flux, found ${found.length}`,
	);
	return found[0];
};
const ns = (o) => o.metadata.namespace ?? 'default';

test('Flux objects validate against the Flux CRD schemas', () => {
	assert.ok(objs.length >= 4, 'deploy/flux holds too few objects');
	for (const o of objs) validateObject(o);
});

test('Kustomization deploys the production overlay from the GitRepository', () => {
	const repo = find('source.toolkit.fluxcd.io/v1', 'GitRepository');
	const ks = find('kustomize.toolkit.fluxcd.io/v1', 'Kustomization');
	assert.match(repo.spec.url, /^(https|ssh):\/\//, 'GitRepository url');
	assert.ok(
		repo.spec.ref?.branch || repo.spec.ref?.tag || repo.spec.ref?.semver,
		'GitRepository ref',
	);
	assert.equal(ks.spec.sourceRef.kind, 'GitRepository');
	assert.equal(ks.spec.sourceRef.name, repo.metadata.name, 'sourceRef names the GitRepository');
	assert.equal(ks.spec.sourceRef.namespace ?? ns(ks), ns(repo), 'sourceRef namespace');
	assert.equal(ks.spec.path, './deploy/kubernetes/overlays/production');
	const dir = path.join(ROOT, ks.spec.path);
	assert.ok(kustomizationFile(dir), `${ks.spec.path} has no kustomization.yaml`);
	assert.ok(render(dir).length > 0, `${ks.spec.path} renders nothing`);
	assert.equal(ks.spec.prune, true, 'prune');
	assert.ok(ks.spec.wait === true || ks.spec.healthChecks?.length, 'wait: true or healthChecks');
	assert.match(ks.spec.timeout ?? '', /^\d+(ms|s|m|h)/, 'timeout');
	assert.ok(ks.spec.interval, 'interval');
	// .spec.ignore (gitignore syntax) must not leave the overlay out of the artifact.
	if (repo.spec.ignore) {
		const lines = repo.spec.ignore
			.split('\n')
			.map((l) => l.trim())
			.filter((l) => l && !l.startsWith('#'));
		let included = true;
		const p = ks.spec.path.replace(/^\.\//, '/') + '/';
		for (const l of lines) {
			const neg = l.startsWith('!');
			const pat = neg ? l.slice(1) : l;
			const hit = pat === '/*' || p.startsWith(pat.endsWith('/') ? pat : pat + '/');
			if (hit) included = neg;
		}
		assert.ok(included, `GitRepository .spec.ignore excludes ${ks.spec.path}`);
	}
});

test('Provider and Alert send Kustomization and HelmRelease events to shiplog, signed', () => {
	const provider = find('notification.toolkit.fluxcd.io/v1beta3', 'Provider');
	const alert = find('notification.toolkit.fluxcd.io/v1beta3', 'Alert');
	assert.equal(provider.spec.type, 'generic-hmac');
	const url = new URL(provider.spec.address);
	assert.equal(url.protocol, 'https:');
	assert.equal(url.pathname, '/webhooks/flux');
	const ingress = render(path.join(DEPLOY, 'kubernetes/overlays/production')).find(
		(o) => o.kind === 'Ingress',
	);
	assert.ok(
		ingress?.spec.rules.some((r) => r.host === url.host),
		`Provider address host ${url.host} is not the production Ingress host`,
	);
	assert.ok(provider.spec.secretRef?.name, 'Provider secretRef (the HMAC key)');
	assert.equal(alert.spec.providerRef.name, provider.metadata.name, 'Alert providerRef');
	assert.equal(ns(alert), ns(provider), 'Alert and Provider in one namespace');
	assert.equal(alert.spec.eventSeverity, 'info', 'eventSeverity info (successes too)');
	for (const kind of ['Kustomization', 'HelmRelease'])
		assert.ok(
			alert.spec.eventSources.some((s) => s.kind === kind && s.name === '*'),
			`eventSources: ${kind} *`,
		);
	// The README shows how to create the Provider's Secret, with key `token`.
	const readme = fs.readFileSync(path.join(DEPLOY, 'README.md'), 'utf8');
	const re = new RegExp(
		`create secret generic ${provider.spec.secretRef.name}\\s*\\\\?\\s*--from-literal=token=`,
	);
	assert.match(
		readme,
		re,
		`deploy/README.md must show how to create Secret ${provider.spec.secretRef.name} with key token`,
	);
});
