// deploy/kubernetes: the base and each overlay rendered (by lib.mjs's renderer, and by
// `kubectl kustomize` where kubectl exists), every rendered object validated, and the settings
// shiplogd depends on checked in the result.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
	DEPLOY,
	ROOT,
	envKeys,
	findOnPath,
	generatorNames,
	keyOf,
	kubectlKustomize,
	parseYamlDocs,
	quantity,
	rel,
	render,
	unhashGeneratedNames,
	validateObject,
} from './lib.mjs';

const K = path.join(DEPLOY, 'kubernetes');
const TARGETS = [
	{ name: 'base', dir: path.join(K, 'base'), replicas: 2, namespace: null },
	{
		name: 'staging',
		dir: path.join(K, 'overlays/staging'),
		replicas: 2,
		namespace: 'shiplog-staging',
		baseUrl: true,
	},
	{
		name: 'production',
		dir: path.join(K, 'overlays/production'),
		replicas: 3,
		namespace: 'shiplog-production',
		baseUrl: 'https://shiplog.example.com',
		ingressHost: 'shiplog.example.com',
	},
];

const SECRET_ENV = {
	// variable: optional?
	DATABASE_URL: false,
	SHIPLOG_ADMIN_TOKEN: false,
	SHIPLOG_SESSION_SECRET: false,
	SHIPLOG_GITHUB_WEBHOOK_SECRET: false,
	SHIPLOG_FLUX_WEBHOOK_SECRET: true,
};
// The oauth2-proxy sidecar's secrets: none optional.
const PROXY_SECRET_ENV = [
	'OAUTH2_PROXY_CLIENT_ID',
	'OAUTH2_PROXY_CLIENT_SECRET',
	'OAUTH2_PROXY_COOKIE_SECRET',
];
// shiplogd in the pod: loopback only, behind the sidecar.
const SHIPLOG_LISTEN = '127.0.0.1:8080';
const PROXY_PORT = 4180;

// shiplogd's drain limit after SIGTERM (server/http/daemon.c), if that file says.
function drainSeconds() {
	try {
		const m = /#define\s+DRAIN_LIMIT_MS\s+(\d+)/.exec(
			fs.readFileSync(path.join(ROOT, 'server/http/daemon.c'), 'utf8'),
		);
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
	if (typeof port === 'number') return port;
	return container.ports?.find((p) => p.name === port)?.containerPort;
}

// The same for a port of the pod (a Service's targetPort, a NetworkPolicy's port): a name may
// belong to any container.
function resolvePodPort(spec, port) {
	if (typeof port === 'number') return port;
	const found = spec.containers.flatMap((c) => c.ports ?? []).filter((p) => p.name === port);
	assert.equal(found.length, 1, `pod port "${port}" should be declared by exactly one container`);
	return found[0].containerPort;
}

// The URL an exec probe fetches with curl, or null.
function curlProbeUrl(probe) {
	const cmd = probe?.exec?.command ?? [];
	if (cmd[0] !== 'curl' || (!cmd.includes('-f') && !cmd.some((a) => /^-[a-zA-Z]*f/.test(a))))
		return null;
	return cmd.find((a) => /^https?:\/\//.test(a)) ?? null;
}

// `--name=value` flags of a container's args (a flag given more than once: every value).
function flags(args = []) {
	const out = new Map();
	for (const a of args) {
		const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
		assert.ok(m, `argument ${a}: expected --flag=value`);
		out.set(m[1], [...(out.get(m[1]) ?? []), m[2] ?? 'true']);
	}
	return out;
}

// All checks on one rendered set of objects. Returns the env ConfigMap's data (for config.test).
function checkRendered(objs, t) {
	const byKey = new Map(objs.map((o) => [keyOf(o), o]));
	assert.equal(byKey.size, objs.length, 'two objects with the same kind, namespace and name');
	for (const o of objs) validateObject(o);

	const dep = one(objs, 'Deployment');
	const spec = dep.spec.template.spec;
	const podLabels = dep.spec.template.metadata?.labels;
	assert.ok(
		selects(dep.spec.selector, podLabels),
		'Deployment selector does not match its pod labels',
	);
	assert.equal(dep.spec.replicas, t.replicas, 'replicas');
	assert.ok(dep.spec.replicas >= 2, 'at least 2 replicas');

	// --- security -----------------------------------------------------------------------------
	const psc = spec.securityContext ?? {};
	const containers = [...(spec.initContainers ?? []), ...spec.containers];
	for (const c of containers) {
		const sc = c.securityContext ?? {};
		const eff = (k) => (sc[k] !== undefined ? sc[k] : psc[k]);
		const who = `container ${c.name}`;
		assert.equal(eff('runAsNonRoot'), true, `${who}: runAsNonRoot`);
		assert.equal(eff('runAsUser'), 10001, `${who}: runAsUser 10001`);
		assert.equal(sc.readOnlyRootFilesystem, true, `${who}: readOnlyRootFilesystem`);
		assert.equal(sc.allowPrivilegeEscalation, false, `${who}: allowPrivilegeEscalation false`);
		assert.ok(sc.capabilities?.drop?.includes('ALL'), `${who}: capabilities.drop ALL`);
		assert.ok(!sc.capabilities?.add?.length, `${who}: adds capabilities`);
		assert.ok(!sc.privileged, `${who}: privileged`);
		assert.equal(
			eff('seccompProfile')?.type,
			'RuntimeDefault',
			`${who}: seccompProfile RuntimeDefault`,
		);
		assert.ok(c.image, `${who}: image`);
		for (const kind of ['requests', 'limits'])
			for (const r of ['cpu', 'memory'])
				assert.ok(c.resources?.[kind]?.[r] !== undefined, `${who}: resources.${kind}.${r}`);
		for (const r of ['cpu', 'memory'])
			assert.ok(
				quantity(c.resources.requests[r]) <= quantity(c.resources.limits[r]),
				`${who}: ${r} request above limit`,
			);
	}
	assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, 'host namespaces');
	const sa = one(objs, 'ServiceAccount');
	assert.equal(
		spec.serviceAccountName,
		sa.metadata.name,
		'serviceAccountName names the ServiceAccount',
	);
	assert.equal(
		sa.automountServiceAccountToken,
		false,
		'ServiceAccount automountServiceAccountToken false',
	);
	assert.notEqual(
		spec.automountServiceAccountToken,
		true,
		'pod automounts a service account token',
	);

	// --- the shiplog container ---------------------------------------------------------------
	const c = spec.containers.find((x) => x.name === 'shiplog');
	assert.ok(c, 'no container "shiplog"');
	assert.deepEqual(c.args, ['--config', '/etc/shiplog/shiplog.yaml'], 'args');
	// It listens on the pod's loopback: it must not offer a port to the Service or the kubelet.
	assert.ok(
		!c.ports?.length,
		'the shiplog container declares no ports: only the sidecar is reachable',
	);
	// The kubelet cannot reach 127.0.0.1 in the pod: the probes run curl in the container.
	for (const [probe, p] of [
		['startupProbe', '/healthz'],
		['livenessProbe', '/healthz'],
		['readinessProbe', '/readyz'],
	]) {
		assert.ok(
			!c[probe]?.httpGet,
			`${probe}: an httpGet probe cannot reach shiplogd on loopback`,
		);
		assert.equal(
			curlProbeUrl(c[probe]),
			`http://${SHIPLOG_LISTEN}${p}`,
			`${probe}: curl -f http://${SHIPLOG_LISTEN}${p}`,
		);
	}
	const mig = (spec.initContainers ?? []).find((x) => x.args?.includes('--migrate-only'));
	if (mig) assert.equal(mig.image, c.image, 'the migrate init container runs the same image');
	const shiplogContainers = containers.filter((x) => x.name !== 'oauth2-proxy');
	assert.ok(
		new Set(shiplogContainers.map((x) => x.image)).size === 1 &&
			/^ghcr\.io\/example\/shiplog:/.test(c.image),
		`image ${c.image}: expected the ghcr.io/example/shiplog placeholder on every shiplog container`,
	);

	// --- the oauth2-proxy sidecar: the only way in --------------------------------------------
	const proxy = spec.containers.find((x) => x.name === 'oauth2-proxy');
	assert.ok(proxy, 'no container "oauth2-proxy"');
	assert.match(
		proxy.image,
		/^quay\.io\/oauth2-proxy\/oauth2-proxy:v\d+\.\d+\.\d+$/,
		'oauth2-proxy image, pinned',
	);
	assert.equal(resolvePort(proxy, 'http'), PROXY_PORT, `oauth2-proxy port http ${PROXY_PORT}`);
	const f = flags(proxy.args);
	const flag = (name) => {
		assert.equal(f.get(name)?.length, 1, `oauth2-proxy --${name} exactly once`);
		return f.get(name)[0];
	};
	assert.equal(
		flag('upstream'),
		`http://${SHIPLOG_LISTEN}/`,
		'oauth2-proxy --upstream is shiplogd on loopback',
	);
	assert.equal(flag('http-address'), `0.0.0.0:${PROXY_PORT}`, 'oauth2-proxy --http-address');
	// A client's X-Forwarded-Email is deleted and replaced on every proxied request, skipped
	// routes included, only while the proxy itself sets that header (see deployment.yaml).
	assert.equal(flag('pass-user-headers'), 'true', '--pass-user-headers=true');
	assert.equal(flag('skip-auth-strip-headers'), 'true', '--skip-auth-strip-headers=true');
	assert.ok(
		!f.has('prefer-email-to-user') || f.get('prefer-email-to-user')[0] === 'false',
		"--prefer-email-to-user would stop the proxy from stripping a client's X-Forwarded-Email",
	);
	// Bearer tokens must pass: nothing may make the proxy set (and so strip) Authorization.
	for (const x of ['pass-authorization-header', 'basic-auth-password', 'pass-basic-auth'])
		assert.ok(
			!f.has(x) || f.get(x)[0] === 'false',
			`--${x} would replace a client's Authorization header`,
		);
	const routes = f.get('skip-auth-route') ?? [];
	for (const r of routes) {
		const re = r.replace(/^[A-Z]+!?=/, '');
		// the regex is matched against the path *and query*: an unanchored one can be reached
		// from any path with "?x=/webhooks/"
		assert.ok(
			re.startsWith('^/'),
			`--skip-auth-route=${r}: anchor it at the start of the path`,
		);
	}
	for (const p of [
		'/webhooks/github',
		'/webhooks/flux',
		'/api/v1/release-candidates',
		'/healthz',
		'/readyz',
	])
		assert.ok(
			routes.some((r) => new RegExp(r.replace(/^[A-Z]+!?=/, '')).test(p)),
			`${p} must pass the proxy without sign-in`,
		);
	for (const p of ['/', '/release-candidates/1', '/index.html'])
		assert.ok(
			!routes.some((r) => new RegExp(r.replace(/^[A-Z]+!?=/, '')).test(p)),
			`${p} must need a sign-in at the proxy`,
		);
	const penv = new Map((proxy.env ?? []).map((e) => [e.name, e]));
	for (const name of PROXY_SECRET_ENV) {
		const ref = penv.get(name)?.valueFrom?.secretKeyRef;
		assert.ok(
			ref?.name && ref?.key && !ref.optional,
			`oauth2-proxy ${name} must come from a required secretKeyRef`,
		);
	}
	for (const probe of ['livenessProbe', 'readinessProbe'])
		assert.equal(
			resolvePort(proxy, proxy[probe]?.httpGet?.port),
			PROXY_PORT,
			`oauth2-proxy ${probe} on its port`,
		);
	const grace = spec.terminationGracePeriodSeconds;
	assert.equal(grace, 30, 'terminationGracePeriodSeconds 30');
	assert.ok(
		grace > drainSeconds(),
		`terminationGracePeriodSeconds ${grace} must exceed shiplogd's drain limit ${drainSeconds()} s`,
	);

	// Secrets from secretKeyRef, optional exactly where allowed.
	const env = new Map((c.env ?? []).map((e) => [e.name, e]));
	for (const [name, optional] of Object.entries(SECRET_ENV)) {
		const ref = env.get(name)?.valueFrom?.secretKeyRef;
		assert.ok(ref?.name && ref?.key, `${name} must come from a secretKeyRef`);
		assert.equal(Boolean(ref.optional), optional, `${name}: optional should be ${optional}`);
	}
	for (const e of c.env ?? [])
		assert.ok(
			!/SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(e.name) || e.valueFrom,
			`${e.name} is a literal in the manifest`,
		);

	// ConfigMaps: every reference resolves; the env one sets the listen address and data dir.
	const configMaps = new Map(
		objs.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]),
	);
	const cmRefs = [
		...containers.flatMap((x) => (x.envFrom ?? []).map((e) => e.configMapRef?.name)),
		...containers.flatMap((x) => (x.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name)),
		...(spec.volumes ?? []).map((v) => v.configMap?.name),
	].filter(Boolean);
	for (const n of cmRefs)
		assert.ok(configMaps.has(n), `ConfigMap ${n} is referenced but not rendered`);
	const envData = Object.assign(
		{},
		...(c.envFrom ?? []).map((e) => configMaps.get(e.configMapRef?.name)?.data ?? {}),
	);
	assert.equal(
		envData.SHIPLOG_LISTEN ?? env.get('SHIPLOG_LISTEN')?.value,
		SHIPLOG_LISTEN,
		'SHIPLOG_LISTEN: loopback',
	);
	if (t.baseUrl) {
		assert.match(envData.SHIPLOG_BASE_URL ?? '', /^https:\/\/[^/]+$/, 'SHIPLOG_BASE_URL');
		if (typeof t.baseUrl === 'string')
			assert.equal(envData.SHIPLOG_BASE_URL, t.baseUrl, 'SHIPLOG_BASE_URL');
		const proxyEnv = Object.assign(
			{},
			...(proxy.envFrom ?? []).map((e) => configMaps.get(e.configMapRef?.name)?.data ?? {}),
		);
		assert.equal(
			proxyEnv.OAUTH2_PROXY_REDIRECT_URL,
			`${envData.SHIPLOG_BASE_URL}/oauth2/callback`,
			"OAUTH2_PROXY_REDIRECT_URL is the public URL's /oauth2/callback",
		);
	}

	// Volumes: the config file at /etc/shiplog/shiplog.yaml, a writable data dir.
	const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
	const volume = (m) => (spec.volumes ?? []).find((v) => v.name === m?.name);
	const cfgVol = volume(mounts.get('/etc/shiplog'));
	assert.ok(cfgVol?.configMap, '/etc/shiplog must be a ConfigMap volume');
	const cfgMap = configMaps.get(cfgVol.configMap.name);
	assert.ok(
		typeof cfgMap?.data?.['shiplog.yaml'] === 'string',
		`ConfigMap ${cfgVol.configMap.name} has no shiplog.yaml`,
	);
	assert.ok(
		cfgMap.data['shiplog.yaml'] === fs.readFileSync(path.join(K, 'base/shiplog.yaml'), 'utf8'),
		`the shiplog.yaml in ConfigMap ${cfgVol.configMap.name} differs from deploy/kubernetes/base/shiplog.yaml`,
	);
	// The header is an identity: trusted from the sidecar, on the pod's loopback, and nothing else.
	const [mounted] = parseYamlDocs(cfgMap.data['shiplog.yaml'], 'the mounted shiplog.yaml');
	assert.equal(
		mounted.auth?.sso_header,
		'X-Forwarded-Email',
		'the mounted config takes X-Forwarded-Email',
	);
	assert.deepEqual(
		mounted.auth?.trusted_proxies,
		['127.0.0.1'],
		'the mounted config trusts exactly ["127.0.0.1"]',
	);
	// Every variable a `_env` key names is set in the container, and not optional: shiplogd does
	// not start without it.
	for (const { key, variable } of envKeys(mounted)) {
		const e = env.get(variable);
		assert.ok(
			e && (e.value || (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional)),
			`${key} names ${variable}: the shiplog container must set it (a required secretKeyRef)`,
		);
	}
	const dataDir = envData.SHIPLOG_DATA_DIR ?? '/var/lib/shiplog';
	assert.equal(dataDir, '/var/lib/shiplog', 'SHIPLOG_DATA_DIR');
	const dataMount = mounts.get(dataDir);
	const dataVol = volume(dataMount);
	assert.ok(
		dataVol?.emptyDir || dataVol?.persistentVolumeClaim || dep.kind === 'StatefulSet',
		`${dataDir} must be an emptyDir or PVC volume`,
	);
	assert.ok(!dataMount.readOnly, `${dataDir} must be writable`);

	// --- Service, PDB, NetworkPolicy ----------------------------------------------------------
	const svc = one(objs, 'Service');
	assert.equal(svc.spec.type ?? 'ClusterIP', 'ClusterIP', 'Service type');
	assert.ok(selects(svc.spec.selector, podLabels), 'Service selector does not match the pods');
	const sp = svc.spec.ports.find((p) => p.port === 80);
	assert.ok(sp, 'Service port 80');
	for (const p of svc.spec.ports)
		assert.equal(
			resolvePodPort(spec, p.targetPort),
			PROXY_PORT,
			`Service port ${p.port} -> the oauth2-proxy sidecar's ${PROXY_PORT}`,
		);
	const pdb = one(objs, 'PodDisruptionBudget');
	assert.equal(pdb.spec.minAvailable, 1, 'PDB minAvailable 1');
	assert.ok(selects(pdb.spec.selector, podLabels), 'PDB selector does not match the pods');
	for (const np of objs.filter((o) => o.kind === 'NetworkPolicy')) {
		assert.ok(
			selects(np.spec.podSelector, podLabels),
			'NetworkPolicy does not select the pods',
		);
		const rules = np.spec.ingress ?? [];
		assert.ok(
			rules.every((r) => r.ports?.length),
			'every NetworkPolicy ingress rule names its ports',
		);
		const ports = rules.flatMap((r) => r.ports).map((p) => resolvePodPort(spec, p.port));
		assert.deepEqual(
			[...new Set(ports)],
			[PROXY_PORT],
			`NetworkPolicy allows the sidecar's port ${PROXY_PORT}, and nothing else`,
		);
	}

	// --- namespace and Ingress ----------------------------------------------------------------
	if (t.namespace) {
		const ns = objs.find((o) => o.kind === 'Namespace');
		assert.equal(ns?.metadata?.name, t.namespace, `Namespace ${t.namespace}`);
		for (const o of objs)
			if (o.kind !== 'Namespace')
				assert.equal(o.metadata?.namespace, t.namespace, `${keyOf(o)}: namespace`);
	}
	const ingresses = objs.filter((o) => o.kind === 'Ingress');
	if (t.ingressHost) {
		assert.equal(ingresses.length, 1, 'one Ingress');
		const ing = ingresses[0];
		const rule = ing.spec.rules.find((r) => r.host === t.ingressHost);
		assert.ok(rule, `Ingress host ${t.ingressHost}`);
		assert.ok(
			ing.spec.tls?.some((x) => x.hosts?.includes(t.ingressHost) && x.secretName),
			'Ingress TLS for the host',
		);
		for (const p of rule.http.paths) {
			const b = p.backend.service;
			assert.equal(b.name, svc.metadata.name, 'Ingress backend is the Service');
			const port = svc.spec.ports.find(
				(x) => x.name === b.port.name || x.port === b.port.number,
			);
			assert.ok(port, 'Ingress backend port');
			// through the sidecar, which strips a client's X-Forwarded-Email; never to shiplogd
			assert.equal(
				resolvePodPort(spec, port.targetPort),
				PROXY_PORT,
				`Ingress path ${p.path}: backend is the oauth2-proxy port`,
			);
		}
		assert.equal(
			`https://${t.ingressHost}`,
			envData.SHIPLOG_BASE_URL,
			'SHIPLOG_BASE_URL matches the Ingress host',
		);
	} else {
		assert.equal(ingresses.length, 0, `no Ingress expected in ${t.name}`);
	}
	return {
		envData,
		secretRefs: [...containers.flatMap((x) => x.env ?? [])]
			.map((e) => e.valueFrom?.secretKeyRef)
			.filter(Boolean),
	};
}

const kubectl = findOnPath('kubectl');

for (const t of TARGETS) {
	describe(`kustomize ${t.name} (${rel(t.dir)})`, () => {
		test('renders and passes the checks', () => {
			checkRendered(render(t.dir), t);
		});

		// Not a skipped test where kubectl is missing: everything else is still checked above.
		test('kubectl kustomize renders the same objects, which pass the checks', (ctx) => {
			if (!kubectl) {
				ctx.diagnostic(
					'kubectl not on PATH: kubectl kustomize not run (the overlay was rendered by tests/deploy/lib.mjs)',
				);
				console.log(
					`note: kubectl not found; ${rel(t.dir)} checked with tests/deploy/lib.mjs's renderer only`,
				);
				return;
			}
			const raw = kubectlKustomize(kubectl, t.dir);
			const { objs, renamed } = unhashGeneratedNames(raw, generatorNames(t.dir));
			assert.ok(renamed.size > 0, 'kubectl output has no hash-suffixed generated ConfigMaps');
			checkRendered(objs, t);
			const mine = Object.fromEntries(render(t.dir).map((o) => [keyOf(o), o]));
			const theirs = Object.fromEntries(objs.map((o) => [keyOf(o), o]));
			assert.deepStrictEqual(
				mine,
				theirs,
				"tests/deploy/lib.mjs's renderer and kubectl kustomize disagree",
			);
		});
	});
}

test('deploy/README.md creates Secret shiplog with every key the Deployment needs', () => {
	const readme = fs.readFileSync(path.join(DEPLOY, 'README.md'), 'utf8');
	const m = /kubectl[^\n]*create secret generic shiplog((?:[^\n]*\\\n)*[^\n]*)/.exec(readme);
	assert.ok(m, 'deploy/README.md has no `kubectl ... create secret generic shiplog` command');
	const keys = new Set([...m[1].matchAll(/--from-literal=([A-Za-z0-9_.-]+)=/g)].map((x) => x[1]));
	const { secretRefs } = checkRendered(render(TARGETS[2].dir), TARGETS[2]);
	for (const ref of secretRefs) {
		assert.equal(
			ref.name,
			'shiplog',
			`secretKeyRef to ${ref.name}: document it in deploy/README.md`,
		);
		if (!ref.optional)
			assert.ok(
				keys.has(ref.key),
				`deploy/README.md's create secret command lacks --from-literal=${ref.key}=`,
			);
		else
			assert.ok(
				readme.includes(`\`${ref.key}\``),
				`deploy/README.md does not mention the optional key ${ref.key}`,
			);
	}
});
