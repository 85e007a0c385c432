// The configuration the pods mount: byte-identical to deploy/shiplog.example.yaml, and accepted
// by `shiplogd --check-config`, alone and with each overlay's environment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { DEPLOY, ROOT, rel, render } from "./lib.mjs";

const EXAMPLE = path.join(DEPLOY, "shiplog.example.yaml");
const COPY = path.join(DEPLOY, "kubernetes/base/shiplog.yaml");
const SHIPLOGD = path.resolve(ROOT, process.env.SHIPLOGD || "build/shiplogd");

// Only PATH and what is given: variables of the machine running the tests stay out.
function checkConfig(file, env = {}) {
	assert.ok(fs.existsSync(SHIPLOGD), `${SHIPLOGD} does not exist: build shiplogd first, or set SHIPLOGD`);
	const r = spawnSync(SHIPLOGD, ["--check-config", file], {
		encoding: "utf8", timeout: 20000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
	});
	if (r.error) throw r.error;
	assert.equal(r.status, 0, `shiplogd --check-config ${rel(file)} exited ${r.status}:\n${r.stdout}${r.stderr}`);
	return `${r.stdout}${r.stderr}`;
}

test("deploy/kubernetes/base/shiplog.yaml is byte-identical to deploy/shiplog.example.yaml", () => {
	const a = fs.readFileSync(EXAMPLE), b = fs.readFileSync(COPY);
	assert.ok(a.equals(b), `${rel(COPY)} differs from ${rel(EXAMPLE)}: cp ${rel(EXAMPLE)} ${rel(COPY)}`);
});

test("shiplogd --check-config accepts deploy/kubernetes/base/shiplog.yaml", () => {
	const out = checkConfig(COPY);
	assert.match(out, /valid/);
});

for (const overlay of ["staging", "production"]) {
	test(`shiplogd --check-config accepts it with the ${overlay} overlay's environment`, () => {
		const objs = render(path.join(DEPLOY, "kubernetes/overlays", overlay));
		const dep = objs.find((o) => o.kind === "Deployment");
		const c = dep.spec.template.spec.containers.find((x) => x.name === "shiplog");
		const env = {};
		for (const e of c.envFrom ?? []) Object.assign(env, objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === e.configMapRef?.name)?.data);
		for (const e of c.env ?? []) env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? "x".repeat(64) : "");
		env.DATABASE_URL = "postgresql://shiplog@db.invalid:5432/shiplog";
		assert.ok(env.SHIPLOG_BASE_URL, "overlay sets SHIPLOG_BASE_URL");
		const out = checkConfig(COPY, env);
		assert.doesNotMatch(out, /warning/, "with every secret set there should be no warning");
	});
}
