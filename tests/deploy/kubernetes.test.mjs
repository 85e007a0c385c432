// deploy/kubernetes: the base and each overlay rendered (by lib.mjs's renderer, and by
// `kubectl kustomize` where kubectl exists), every rendered object validated, and the settings
// shiplogd depends on checked in the result.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import {
	DEPLOY, ROOT, findOnPath, generatorNames, keyOf, kubectlKustomize, quantity, rel, render,
	unhashGeneratedNames, validateObject,
} from "./lib.mjs";

const K = path.join(DEPLOY, "kubernetes");
const TARGETS = [
	{ name: "base", dir: path.join(K, "base"), replicas: 2, namespace: null },
	{ name: "staging", dir: path.join(K, "overlays/staging"), replicas: 2, namespace: "shiplog-staging", baseUrl: true },
	{
		name: "production", dir: path.join(K, "overlays/production"), replicas: 3, namespace: "shiplog-production",
		baseUrl: "https://shiplog.example.com", ingressHost: "shiplog.example.com",
	},
];

const SECRET_ENV = {
	// variable: optional?
	DATABASE_URL: false,
	SHIPLOG_ADMIN_TOKEN: false,
	SHIPLOG_SESSION_SECRET: false,
	SHIPLOG_GITHUB_WEBHOOK_SECRET: false,
	SHIPLOG_FLUX_WEBHOOK_SECRET: true,
	WGE_GITHUB_SECRET: true,
};

// shiplogd's drain limit after SIGTERM (server/http/daemon.c), if that file says.
function drainSeconds() {
	try {
		const m = /#define\s+DRAIN_LIMIT_MS\s+(\d+)/.exec(fs.readFileSync(path.join(ROOT, "server/http/daemon.c"), "utf8"));
		if (m) return Number(m[1]) / 1000;
	} catch {
		/* default below */
	}
	return 25;
}

const one = (objs, kind, what = kind) => {
	const found = objs.filter((o) => o.kind === kind);
	assert.equal(found.length, 1, `expected exactly one ${what}, found ${found.length}`);
	return found[0];
};
const selects = (selector, labels) =>
	Object.entries(selector?.matchLabels ?? selector ?? {}).every(([k, v]) => labels?.[k] === v);

// Container port number for a probe/Service port given by number or name.
function resolvePort(container, port) {
	if (typeof port === "number") return port;
	return container.ports?.find((p) => p.name === port)?.containerPort;
}

// All checks on one rendered set of objects. Returns the env ConfigMap's data (for config.test).
function checkRendered(objs, t) {
	const byKey = new Map(objs.map((o) => [keyOf(o), o]));
	assert.equal(byKey.size, objs.length, "two objects with the same kind, namespace and name");
	for (const o of objs) validateObject(o);

	const dep = one(objs, "Deployment");
	const spec = dep.spec.template.spec;
	const podLabels = dep.spec.template.metadata?.labels;
	assert.ok(selects(dep.spec.selector, podLabels), "Deployment selector does not match its pod labels");
	assert.equal(dep.spec.replicas, t.replicas, "replicas");
	assert.ok(dep.spec.replicas >= 2, "at least 2 replicas");

	// --- security -----------------------------------------------------------------------------
	const psc = spec.securityContext ?? {};
	const containers = [...(spec.initContainers ?? []), ...spec.containers];
	for (const c of containers) {
		const sc = c.securityContext ?? {};
		const eff = (k) => (sc[k] !== undefined ? sc[k] : psc[k]);
		const who = `container ${c.name}`;
		assert.equal(eff("runAsNonRoot"), true, `${who}: runAsNonRoot`);
		assert.equal(eff("runAsUser"), 10001, `${who}: runAsUser 10001`);
		assert.equal(sc.readOnlyRootFilesystem, true, `${who}: readOnlyRootFilesystem`);
		assert.equal(sc.allowPrivilegeEscalation, false, `${who}: allowPrivilegeEscalation false`);
		assert.ok(sc.capabilities?.drop?.includes("ALL"), `${who}: capabilities.drop ALL`);
		assert.ok(!sc.capabilities?.add?.length, `${who}: adds capabilities`);
		assert.ok(!sc.privileged, `${who}: privileged`);
		assert.equal(eff("seccompProfile")?.type, "RuntimeDefault", `${who}: seccompProfile RuntimeDefault`);
		assert.ok(c.image, `${who}: image`);
		for (const kind of ["requests", "limits"])
			for (const r of ["cpu", "memory"]) assert.ok(c.resources?.[kind]?.[r] !== undefined, `${who}: resources.${kind}.${r}`);
		for (const r of ["cpu", "memory"])
			assert.ok(quantity(c.resources.requests[r]) <= quantity(c.resources.limits[r]), `${who}: ${r} request above limit`);
	}
	assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, "host namespaces");
	const sa = one(objs, "ServiceAccount");
	assert.equal(spec.serviceAccountName, sa.metadata.name, "serviceAccountName names the ServiceAccount");
	assert.equal(sa.automountServiceAccountToken, false, "ServiceAccount automountServiceAccountToken false");
	assert.notEqual(spec.automountServiceAccountToken, true, "pod automounts a service account token");

	// --- the shiplog container ---------------------------------------------------------------
	const c = spec.containers.find((x) => x.name === "shiplog");
	assert.ok(c, 'no container "shiplog"');
	assert.deepEqual(c.args, ["--config", "/etc/shiplog/shiplog.yaml"], "args");
	assert.equal(resolvePort(c, "http"), 8080, "container port http 8080");
	for (const [probe, p] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]]) {
		assert.equal(c[probe]?.httpGet?.path, p, `${probe} path`);
		assert.equal(resolvePort(c, c[probe].httpGet.port), 8080, `${probe} port`);
	}
	if (c.startupProbe?.httpGet) assert.equal(resolvePort(c, c.startupProbe.httpGet.port), 8080, "startupProbe port");
	const mig = (spec.initContainers ?? []).find((x) => x.args?.includes("--migrate-only"));
	if (mig) assert.equal(mig.image, c.image, "the migrate init container runs the same image");
	assert.ok(
		new Set(containers.map((x) => x.image)).size === 1 && /^ghcr\.io\/example\/shiplog:/.test(c.image),
		`image ${c.image}: expected the ghcr.io/example/shiplog placeholder on every container`,
	);
	const grace = spec.terminationGracePeriodSeconds;
	assert.equal(grace, 30, "terminationGracePeriodSeconds 30");
	assert.ok(grace > drainSeconds(), `terminationGracePeriodSeconds ${grace} must exceed shiplogd's drain limit ${drainSeconds()} s`);

	// Secrets from secretKeyRef, optional exactly where allowed.
	const env = new Map((c.env ?? []).map((e) => [e.name, e]));
	for (const [name, optional] of Object.entries(SECRET_ENV)) {
		const ref = env.get(name)?.valueFrom?.secretKeyRef;
		assert.ok(ref?.name && ref?.key, `${name} must come from a secretKeyRef`);
		assert.equal(Boolean(ref.optional), optional, `${name}: optional should be ${optional}`);
	}
	for (const e of c.env ?? [])
		assert.ok(!/SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(e.name) || e.valueFrom, `${e.name} is a literal in the manifest`);

	// ConfigMaps: every reference resolves; the env one sets the listen address and data dir.
	const configMaps = new Map(objs.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
	const cmRefs = [
		...containers.flatMap((x) => (x.envFrom ?? []).map((e) => e.configMapRef?.name)),
		...containers.flatMap((x) => (x.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name)),
		...(spec.volumes ?? []).map((v) => v.configMap?.name),
	].filter(Boolean);
	for (const n of cmRefs) assert.ok(configMaps.has(n), `ConfigMap ${n} is referenced but not rendered`);
	const envData = Object.assign({}, ...(c.envFrom ?? []).map((e) => configMaps.get(e.configMapRef?.name)?.data ?? {}));
	assert.equal(envData.SHIPLOG_LISTEN ?? env.get("SHIPLOG_LISTEN")?.value, "0.0.0.0:8080", "SHIPLOG_LISTEN");
	if (t.baseUrl) {
		assert.match(envData.SHIPLOG_BASE_URL ?? "", /^https:\/\/[^/]+$/, "SHIPLOG_BASE_URL");
		if (typeof t.baseUrl === "string") assert.equal(envData.SHIPLOG_BASE_URL, t.baseUrl, "SHIPLOG_BASE_URL");
	}

	// Volumes: the config file at /etc/shiplog/shiplog.yaml, a writable data dir.
	const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
	const volume = (m) => (spec.volumes ?? []).find((v) => v.name === m?.name);
	const cfgVol = volume(mounts.get("/etc/shiplog"));
	assert.ok(cfgVol?.configMap, "/etc/shiplog must be a ConfigMap volume");
	const cfgMap = configMaps.get(cfgVol.configMap.name);
	assert.ok(typeof cfgMap?.data?.["shiplog.yaml"] === "string", `ConfigMap ${cfgVol.configMap.name} has no shiplog.yaml`);
	assert.ok(cfgMap.data["shiplog.yaml"] === fs.readFileSync(path.join(DEPLOY, "shiplog.example.yaml"), "utf8"),
		`the shiplog.yaml in ConfigMap ${cfgVol.configMap.name} differs from deploy/shiplog.example.yaml`);
	const dataDir = envData.SHIPLOG_DATA_DIR ?? "/var/lib/shiplog";
	assert.equal(dataDir, "/var/lib/shiplog", "SHIPLOG_DATA_DIR");
	const dataMount = mounts.get(dataDir);
	const dataVol = volume(dataMount);
	assert.ok(dataVol?.emptyDir || dataVol?.persistentVolumeClaim || dep.kind === "StatefulSet",
		`${dataDir} must be an emptyDir or PVC volume`);
	assert.ok(!dataMount.readOnly, `${dataDir} must be writable`);

	// --- Service, PDB, NetworkPolicy ----------------------------------------------------------
	const svc = one(objs, "Service");
	assert.equal(svc.spec.type ?? "ClusterIP", "ClusterIP", "Service type");
	assert.ok(selects(svc.spec.selector, podLabels), "Service selector does not match the pods");
	const sp = svc.spec.ports.find((p) => p.port === 80);
	assert.ok(sp, "Service port 80");
	assert.equal(resolvePort(c, sp.targetPort), 8080, "Service targetPort -> 8080");
	const pdb = one(objs, "PodDisruptionBudget");
	assert.equal(pdb.spec.minAvailable, 1, "PDB minAvailable 1");
	assert.ok(selects(pdb.spec.selector, podLabels), "PDB selector does not match the pods");
	for (const np of objs.filter((o) => o.kind === "NetworkPolicy")) {
		assert.ok(selects(np.spec.podSelector, podLabels), "NetworkPolicy does not select the pods");
		const ports = (np.spec.ingress ?? []).flatMap((r) => r.ports ?? []).map((p) => resolvePort(c, p.port));
		assert.ok(ports.includes(8080), "NetworkPolicy must allow port 8080");
	}

	// --- namespace and Ingress ----------------------------------------------------------------
	if (t.namespace) {
		const ns = objs.find((o) => o.kind === "Namespace");
		assert.equal(ns?.metadata?.name, t.namespace, `Namespace ${t.namespace}`);
		for (const o of objs)
			if (o.kind !== "Namespace") assert.equal(o.metadata?.namespace, t.namespace, `${keyOf(o)}: namespace`);
	}
	const ingresses = objs.filter((o) => o.kind === "Ingress");
	if (t.ingressHost) {
		assert.equal(ingresses.length, 1, "one Ingress");
		const ing = ingresses[0];
		const rule = ing.spec.rules.find((r) => r.host === t.ingressHost);
		assert.ok(rule, `Ingress host ${t.ingressHost}`);
		assert.ok(ing.spec.tls?.some((x) => x.hosts?.includes(t.ingressHost) && x.secretName), "Ingress TLS for the host");
		for (const p of rule.http.paths) {
			const b = p.backend.service;
			assert.equal(b.name, svc.metadata.name, "Ingress backend is the Service");
			assert.ok(svc.spec.ports.some((x) => x.name === b.port.name || x.port === b.port.number), "Ingress backend port");
		}
		assert.equal(`https://${t.ingressHost}`, envData.SHIPLOG_BASE_URL, "SHIPLOG_BASE_URL matches the Ingress host");
	} else {
		assert.equal(ingresses.length, 0, `no Ingress expected in ${t.name}`);
	}
	return { envData, secretRefs: [...containers.flatMap((x) => x.env ?? [])].map((e) => e.valueFrom?.secretKeyRef).filter(Boolean) };
}

const kubectl = findOnPath("kubectl");

for (const t of TARGETS) {
	describe(`kustomize ${t.name} (${rel(t.dir)})`, () => {
		test("renders and passes the checks", () => {
			checkRendered(render(t.dir), t);
		});

		// Not a skipped test where kubectl is missing: everything else is still checked above.
		test("kubectl kustomize renders the same objects, which pass the checks", (ctx) => {
			if (!kubectl) {
				ctx.diagnostic("kubectl not on PATH: kubectl kustomize not run (the overlay was rendered by tests/deploy/lib.mjs)");
				console.log(`note: kubectl not found; ${rel(t.dir)} checked with tests/deploy/lib.mjs's renderer only`);
				return;
			}
			const raw = kubectlKustomize(kubectl, t.dir);
			const { objs, renamed } = unhashGeneratedNames(raw, generatorNames(t.dir));
			assert.ok(renamed.size > 0, "kubectl output has no hash-suffixed generated ConfigMaps");
			checkRendered(objs, t);
			const mine = Object.fromEntries(render(t.dir).map((o) => [keyOf(o), o]));
			const theirs = Object.fromEntries(objs.map((o) => [keyOf(o), o]));
			assert.deepStrictEqual(mine, theirs, "tests/deploy/lib.mjs's renderer and kubectl kustomize disagree");
		});
	});
}

test("deploy/README.md creates Secret shiplog with every key the Deployment needs", () => {
	const readme = fs.readFileSync(path.join(DEPLOY, "README.md"), "utf8");
	const m = /kubectl[^\n]*create secret generic shiplog((?:[^\n]*\\\n)*[^\n]*)/.exec(readme);
	assert.ok(m, "deploy/README.md has no `kubectl ... create secret generic shiplog` command");
	const keys = new Set([...m[1].matchAll(/--from-literal=([A-Za-z0-9_.-]+)=/g)].map((x) => x[1]));
	const { secretRefs } = checkRendered(render(TARGETS[2].dir), TARGETS[2]);
	for (const ref of secretRefs) {
		assert.equal(ref.name, "shiplog", `secretKeyRef to ${ref.name}: document it in deploy/README.md`);
		if (!ref.optional) assert.ok(keys.has(ref.key), `deploy/README.md's create secret command lacks --from-literal=${ref.key}=`);
		else assert.ok(readme.includes(`\`${ref.key}\``), `deploy/README.md does not mention the optional key ${ref.key}`);
	}
});
