// Every YAML file under deploy/: it parses, and each document is something we know how to check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
	DEPLOY,
	kustomizationFile,
	kustomizationRefs,
	loadYamlFile,
	rel,
	validateObject,
	yamlFiles,
} from './lib.mjs';

// Files that are not Kubernetes objects, and the test that checks them.
const SHIPLOG_CONFIGS = new Set([
	'deploy/shiplog.example.yaml',
	'deploy/kubernetes/base/shiplog.yaml',
]); // config.test.mjs
const isWorkflow = (r) => r.startsWith('deploy/github/'); // github.test.mjs

// Strategic-merge patch files named by any kustomization.yaml (validated as partial objects).
function patchFiles() {
	const out = new Set();
	for (const f of yamlFiles()) {
		if (path.basename(f) !== 'kustomization.yaml') continue;
		for (const [what, p] of kustomizationRefs(path.dirname(f)))
			if (what === 'patches') out.add(p);
	}
	return out;
}

const files = yamlFiles();

test('deploy/ has the expected files', () => {
	const have = new Set(files.map(rel));
	for (const f of [
		'deploy/kubernetes/base/kustomization.yaml',
		'deploy/kubernetes/base/deployment.yaml',
		'deploy/kubernetes/base/shiplog.yaml',
		'deploy/kubernetes/overlays/staging/kustomization.yaml',
		'deploy/kubernetes/overlays/production/kustomization.yaml',
		'deploy/flux/deploy-shiplog.yaml',
		'deploy/flux/notify-shiplog.yaml',
		'deploy/github/report-artifacts.yaml',
	])
		assert.ok(have.has(f), `${f} is missing`);
	for (const f of ['deploy/README.md', 'deploy/github/README.md'])
		assert.ok(fs.existsSync(path.join(DEPLOY, '..', f)), `${f} is missing`);
});

describe('every YAML document under deploy/ parses and validates', () => {
	const patches = patchFiles();
	for (const file of files) {
		const r = rel(file);
		test(r, () => {
			const docs = loadYamlFile(file); // throws on syntax errors and duplicate keys
			assert.ok(docs.length > 0, `${r} has no YAML document`);
			if (SHIPLOG_CONFIGS.has(r) || isWorkflow(r)) return; // checked by their own tests
			for (const [i, doc] of docs.entries()) {
				const where = `${r} (document ${i + 1})`;
				assert.ok(
					doc && typeof doc === 'object' && !Array.isArray(doc),
					`${where}: not a mapping`,
				);
				assert.ok(
					doc.apiVersion && doc.kind,
					`${where}: no apiVersion/kind: not a Kubernetes object`,
				);
				if (doc.apiVersion.startsWith('kustomize.config.k8s.io/')) {
					assert.equal(
						path.basename(file),
						'kustomization.yaml',
						`${where}: a Kustomization must be kustomization.yaml`,
					);
					assert.equal(
						docs.length,
						1,
						`${where}: kustomization.yaml must hold one document`,
					);
					continue; // its references and rendering: below and kubernetes.test.mjs
				}
				validateObject(doc, { partial: patches.has(file) });
			}
		});
	}
});

describe('kustomizations refer to existing files, and use every file in their folder', () => {
	for (const file of files.filter((f) => path.basename(f) === 'kustomization.yaml')) {
		const dir = path.dirname(file);
		test(rel(dir), () => {
			const refs = kustomizationRefs(dir);
			for (const [what, p] of refs) {
				assert.ok(fs.existsSync(p), `${rel(file)}: ${what} ${rel(p)} does not exist`);
				if (fs.statSync(p).isDirectory())
					assert.ok(
						kustomizationFile(p),
						`${rel(file)}: ${what} ${rel(p)} is a folder without kustomization.yaml`,
					);
			}
			const used = new Set(refs.map(([, p]) => p));
			for (const e of fs.readdirSync(dir)) {
				const p = path.join(dir, e);
				if (p === file || !/\.ya?ml$/.test(e)) continue;
				assert.ok(
					used.has(p),
					`${rel(p)} is not listed in ${rel(file)} (forgotten in resources/patches?)`,
				);
			}
		});
	}
});
