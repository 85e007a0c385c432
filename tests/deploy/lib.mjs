// Helpers for the deploy/ validation tests: YAML loading, schema validation of Kubernetes and
// Flux objects (kubernetes-models, @kubernetes-models/flux-cd), a strict unknown-field check, and
// a small Kustomize renderer for the features deploy/kubernetes uses.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const require = createRequire(import.meta.url);

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const DEPLOY = path.join(ROOT, 'deploy');

export const rel = (p) => path.relative(ROOT, p) || '.';

// --- YAML ---------------------------------------------------------------------------------

// All YAML files under dir, sorted, skipping node_modules.
export function yamlFiles(dir = DEPLOY) {
	const out = [];
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (/\.ya?ml$/.test(e.name)) out.push(p);
		}
	};
	walk(dir);
	return out.sort();
}

// Parses every document of a YAML text; throws on any error or warning (duplicate keys, bad
// indentation, unknown tags...). Empty documents (a lone `---`) are dropped.
export function parseYamlDocs(text, name) {
	const docs = YAML.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
	const list = Array.isArray(docs) ? docs : [docs];
	const out = [];
	for (const doc of list) {
		const problems = [...doc.errors, ...doc.warnings];
		if (problems.length)
			throw new Error(`${name}: ${problems.map((e) => e.message).join('; ')}`);
		const value = doc.toJS({ maxAliasCount: 100 });
		if (value !== null && value !== undefined) out.push(value);
	}
	return out;
}

export function loadYamlFile(file) {
	return parseYamlDocs(fs.readFileSync(file, 'utf8'), rel(file));
}

// Every `*_env` key of a parsed shiplog.yaml (the name of the variable that holds a secret), with
// where it is: [{key: "repositories[0].webhook_secret_env", variable: "WGE_GITHUB_SECRET"}].
export function envKeys(value, where = '') {
	if (Array.isArray(value)) return value.flatMap((v, i) => envKeys(v, `${where}[${i}]`));
	if (value === null || typeof value !== 'object') return [];
	return Object.entries(value).flatMap(([k, v]) => {
		const key = where ? `${where}.${k}` : k;
		return k.endsWith('_env') && typeof v === 'string'
			? [{ key, variable: v }]
			: envKeys(v, key);
	});
}

// --- models ---------------------------------------------------------------------------------

// apiVersion -> module of the package that holds its models.
function modelModule(apiVersion) {
	if (!apiVersion.includes('/')) return `kubernetes-models/${apiVersion}`; // core: "v1"
	if (apiVersion.includes('.toolkit.fluxcd.io/'))
		return `@kubernetes-models/flux-cd/${apiVersion}`;
	return `kubernetes-models/${apiVersion}`;
}

// The model class for apiVersion + kind, or null when the packages know no such top-level kind.
export function modelFor(apiVersion, kind) {
	if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
	let mod;
	try {
		mod = require(modelModule(apiVersion));
	} catch {
		return null;
	}
	const Cls = mod[kind];
	// Only top-level resources carry their own apiVersion/kind (not e.g. v1 "Container").
	if (typeof Cls !== 'function' || Cls.apiVersion !== apiVersion || Cls.kind !== kind)
		return null;
	return Cls;
}

export const describeObj = (o) =>
	`${o?.apiVersion ?? '?'} ${o?.kind ?? '?'} ${o?.metadata?.namespace ? o.metadata.namespace + '/' : ''}${
		o?.metadata?.name ?? o?.metadata?.generateName ?? '?'
	}`;

// Validates obj against its schema; throws with every schema error. `partial`: obj is a
// strategic-merge patch, so missing required fields are fine, wrong and unknown ones are not.
export function validateObject(obj, { partial = false } = {}) {
	const Cls = modelFor(obj?.apiVersion, obj?.kind);
	if (!Cls)
		throw new Error(
			`${describeObj(obj)}: unknown apiVersion/kind (no model in kubernetes-models or flux-cd)`,
		);
	try {
		new Cls(obj).validate();
	} catch (e) {
		const errors = (e.errors ?? []).filter((x) => !(partial && x.keyword === 'required'));
		if (!partial || !e.errors || errors.length)
			throw new Error(
				`${describeObj(obj)}: ${partial && e.errors ? errors.map((x) => `data${x.instancePath} ${x.message}`).join(', ') : e.message}`,
			);
	}
	const unknown = unknownFields(Cls, obj);
	if (unknown.length)
		throw new Error(`${describeObj(obj)}: unknown field(s): ${unknown.join(', ')}`);
}

// The generated validators, like the API server without strict field validation, accept fields
// the schema does not know ("replica: 3", "readinessprobe:"), which Kubernetes then silently
// drops. To catch those, validate once more on a copy of the object wrapped in Proxies that
// record every property the validator looks at. A validator reads each property its schema
// declares (`data.replicas === undefined || ...`) and enumerates the keys of maps (labels,
// ConfigMap data, resource limits). A key present in an object that the validator read other
// properties of, but never this one, is unknown to the schema. Objects the validator does not
// look into at all (free-form fields) are not judged.
export function unknownFields(Cls, obj) {
	const records = [];
	const wrap = (v, where) => {
		if (Array.isArray(v)) return v.map((x, i) => wrap(x, `${where}[${i}]`));
		if (v === null || typeof v !== 'object') return v;
		const target = {};
		for (const [k, x] of Object.entries(v)) target[k] = wrap(x, where ? `${where}.${k}` : k);
		const rec = { where, keys: Object.keys(v), read: new Set(), enumerated: false };
		records.push(rec);
		return new Proxy(target, {
			get(t, k, r) {
				if (typeof k === 'string') rec.read.add(k);
				return Reflect.get(t, k, r);
			},
			has(t, k) {
				if (typeof k === 'string') rec.read.add(k);
				return Reflect.has(t, k);
			},
			ownKeys(t) {
				rec.enumerated = true;
				return Reflect.ownKeys(t);
			},
		});
	};
	const proxied = wrap(obj, '');
	try {
		Cls.prototype.validate.call(proxied);
	} catch {
		// Schema errors are validateObject's to report. The validators collect all errors, so
		// what they read is still known, except inside values of the wrong type (not judged).
	}
	const unknown = [];
	for (const rec of records) {
		if (rec.enumerated || rec.read.size === 0) continue;
		for (const k of rec.keys)
			if (!rec.read.has(k)) unknown.push(rec.where ? `${rec.where}.${k}` : k);
	}
	return unknown;
}

// --- quantities -----------------------------------------------------------------------------

const SUFFIX = {
	'': 1,
	m: 1e-3,
	k: 1e3,
	M: 1e6,
	G: 1e9,
	T: 1e12,
	Ki: 1024,
	Mi: 1024 ** 2,
	Gi: 1024 ** 3,
	Ti: 1024 ** 4,
};

// "50m" -> 0.05, "64Mi" -> 67108864, 1 -> 1.
export function quantity(q) {
	if (typeof q === 'number') return q;
	const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
	if (!m) throw new Error(`not a quantity: ${q}`);
	return Number(m[1]) * SUFFIX[m[2] ?? ''];
}

// --- a small kustomize ----------------------------------------------------------------------
// Renders a kustomization folder with the features deploy/kubernetes uses: resources (files
// and folders), configMapGenerator (files, literals; behavior create/merge/replace), patches
// (strategic-merge patch files), replicas, images, labels and namespace. Generated names get no
// hash suffix. Anything else is refused, so a new feature in deploy/ must be added here (or the
// overlays are only checked where kubectl exists).

const KUSTOMIZATION_KEYS = new Set([
	'apiVersion',
	'kind',
	'resources',
	'namespace',
	'labels',
	'replicas',
	'images',
	'configMapGenerator',
	'patches',
]);
const CLUSTER_SCOPED = new Set([
	'Namespace',
	'ClusterRole',
	'ClusterRoleBinding',
	'CustomResourceDefinition',
	'PriorityClass',
	'StorageClass',
	'PersistentVolume',
	'IngressClass',
	'ValidatingWebhookConfiguration',
	'MutatingWebhookConfiguration',
]);
// Strategic-merge keys of the lists that patches may touch (others are replaced whole).
const MERGE_KEYS = {
	containers: 'name',
	initContainers: 'name',
	env: 'name',
	volumes: 'name',
	volumeMounts: 'mountPath',
	ports: 'containerPort',
	imagePullSecrets: 'name',
};

export function kustomizationFile(dir) {
	for (const n of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
		const p = path.join(dir, n);
		if (fs.existsSync(p)) return p;
	}
	return null;
}

export function loadKustomization(dir) {
	const file = kustomizationFile(dir);
	if (!file) throw new Error(`${rel(dir)}: no kustomization.yaml`);
	const docs = loadYamlFile(file);
	if (docs.length !== 1)
		throw new Error(`${rel(file)}: expected one document, found ${docs.length}`);
	const k = docs[0];
	if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization')
		throw new Error(
			`${rel(file)}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`,
		);
	for (const key of Object.keys(k))
		if (!KUSTOMIZATION_KEYS.has(key))
			throw new Error(
				`${rel(file)}: "${key}" is not supported by tests/deploy/lib.mjs's renderer; extend render()`,
			);
	return { file, k };
}

// Every file a kustomization refers to, as [what, absolute path].
export function kustomizationRefs(dir) {
	const { k } = loadKustomization(dir);
	const refs = [];
	for (const r of k.resources ?? []) refs.push(['resources', path.resolve(dir, r)]);
	for (const p of k.patches ?? []) if (p.path) refs.push(['patches', path.resolve(dir, p.path)]);
	for (const g of k.configMapGenerator ?? [])
		for (const f of g.files ?? [])
			refs.push(['configMapGenerator', path.resolve(dir, f.split('=').pop())]);
	return refs;
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => structuredClone(v);

export function strategicMerge(base, patch, where = '') {
	for (const [k, v] of Object.entries(patch)) {
		if (k.startsWith('$'))
			throw new Error(`patch directive ${where}${k} is not supported by the renderer`);
		if (v === null) {
			delete base[k];
		} else if (Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(base[k])) {
			const key = MERGE_KEYS[k];
			for (const item of v) {
				const existing = base[k].find((e) => e?.[key] === item?.[key]);
				if (existing) strategicMerge(existing, item, `${where}${k}[${item[key]}].`);
				else base[k].push(clone(item));
			}
		} else if (isObj(v) && isObj(base[k])) {
			strategicMerge(base[k], v, `${where}${k}.`);
		} else {
			base[k] = clone(v);
		}
	}
	return base;
}

const podSpecOf = (o) =>
	o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
const allContainers = (spec) => [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];

function splitImage(image) {
	const at = image.indexOf('@');
	const noDigest = at >= 0 ? image.slice(0, at) : image;
	const colon = noDigest.lastIndexOf(':');
	if (colon > noDigest.lastIndexOf('/'))
		return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
	return { name: noDigest, tag: null };
}

export function render(dir) {
	const { file, k } = loadKustomization(dir);
	const where = rel(file);
	const objs = [];
	for (const r of k.resources ?? []) {
		const p = path.resolve(dir, r);
		if (!fs.existsSync(p)) throw new Error(`${where}: resource ${r} does not exist`);
		if (fs.statSync(p).isDirectory()) objs.push(...render(p));
		else objs.push(...loadYamlFile(p));
	}
	for (const g of k.configMapGenerator ?? []) {
		for (const key of Object.keys(g))
			if (!['name', 'files', 'literals', 'behavior'].includes(key))
				throw new Error(
					`${where}: configMapGenerator "${key}" is not supported by the renderer`,
				);
		const data = {};
		for (const f of g.files ?? []) {
			const [key, src] = f.includes('=') ? f.split('=') : [path.basename(f), f];
			const p = path.resolve(dir, src);
			if (!fs.existsSync(p))
				throw new Error(`${where}: configMapGenerator file ${src} does not exist`);
			data[key] = fs.readFileSync(p, 'utf8');
		}
		for (const l of g.literals ?? []) {
			const i = l.indexOf('=');
			if (i <= 0) throw new Error(`${where}: literal "${l}" is not KEY=VALUE`);
			data[l.slice(0, i)] = l.slice(i + 1);
		}
		const behavior = g.behavior ?? 'create';
		const existing = objs.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === g.name);
		if (behavior === 'create') {
			if (existing)
				throw new Error(
					`${where}: ConfigMap ${g.name} exists already (use behavior: merge)`,
				);
			objs.push({
				apiVersion: 'v1',
				kind: 'ConfigMap',
				metadata: { name: g.name },
				data,
			});
		} else if (behavior === 'merge' || behavior === 'replace') {
			if (!existing)
				throw new Error(
					`${where}: behavior ${behavior}: no ConfigMap ${g.name} to ${behavior}`,
				);
			existing.data = behavior === 'merge' ? { ...existing.data, ...data } : data;
		} else {
			throw new Error(`${where}: unknown configMapGenerator behavior ${behavior}`);
		}
	}
	for (const p of k.patches ?? []) {
		for (const key of Object.keys(p))
			if (key !== 'path')
				throw new Error(
					`${where}: patches[].${key} is not supported by the renderer (use path:)`,
				);
		const pfile = path.resolve(dir, p.path);
		if (!fs.existsSync(pfile)) throw new Error(`${where}: patch ${p.path} does not exist`);
		for (const patch of loadYamlFile(pfile)) {
			if (!isObj(patch) || !patch.kind || !patch.metadata?.name)
				throw new Error(
					`${rel(pfile)}: a strategic-merge patch needs kind and metadata.name`,
				);
			const target = objs.find(
				(o) => o.kind === patch.kind && o.metadata?.name === patch.metadata.name,
			);
			if (!target)
				throw new Error(`${rel(pfile)}: no ${patch.kind} ${patch.metadata.name} to patch`);
			strategicMerge(target, patch);
		}
	}
	for (const r of k.replicas ?? []) {
		const targets = objs.filter(
			(o) => o.metadata?.name === r.name && o.spec && 'template' in o.spec,
		);
		if (!targets.length) throw new Error(`${where}: replicas: nothing named ${r.name}`);
		for (const t of targets) t.spec.replicas = r.count;
	}
	for (const im of k.images ?? []) {
		let hit = false;
		for (const o of objs)
			for (const c of allContainers(podSpecOf(o))) {
				const { name, tag } = splitImage(c.image ?? '');
				if (name !== im.name) continue;
				hit = true;
				const newTag = im.newTag ?? tag;
				c.image =
					(im.newName ?? name) +
					(im.digest ? `@${im.digest}` : newTag ? `:${newTag}` : '');
			}
		if (!hit) throw new Error(`${where}: images: no container uses ${im.name}`);
	}
	for (const l of k.labels ?? []) {
		if (l.includeSelectors || l.includeTemplates)
			throw new Error(
				`${where}: labels with includeSelectors/includeTemplates are not supported by the renderer`,
			);
		for (const o of objs)
			o.metadata = {
				...o.metadata,
				labels: { ...o.metadata?.labels, ...l.pairs },
			};
	}
	if (k.namespace)
		for (const o of objs)
			if (!CLUSTER_SCOPED.has(o.kind)) o.metadata = { ...o.metadata, namespace: k.namespace };
	return objs;
}

// --- kubectl --------------------------------------------------------------------------------

export function findOnPath(cmd) {
	for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
		if (!d) continue;
		const p = path.join(d, cmd);
		try {
			fs.accessSync(p, fs.constants.X_OK);
			return p;
		} catch {
			/* next */
		}
	}
	return null;
}

export function kubectlKustomize(kubectl, dir) {
	const r = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: 60000 });
	if (r.error) throw r.error;
	if (r.status !== 0)
		throw new Error(`kubectl kustomize ${rel(dir)} exited ${r.status}: ${r.stderr}`);
	return parseYamlDocs(r.stdout, `kubectl kustomize ${rel(dir)}`);
}

// kustomize appends a content hash to generated ConfigMap names and rewrites references to
// them. Undo that, so kubectl's output compares with render()'s.
export function unhashGeneratedNames(objs, generatorNames) {
	const map = new Map();
	for (const o of objs) {
		const m = /^(.+)-[a-z0-9]{10}$/.exec(o.metadata?.name ?? '');
		if (o.kind === 'ConfigMap' && m && generatorNames.has(m[1])) map.set(o.metadata.name, m[1]);
	}
	const fix = (v) => {
		if (Array.isArray(v)) return v.map(fix);
		if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
		return typeof v === 'string' && map.has(v) ? map.get(v) : v;
	};
	return { objs: objs.map(fix), renamed: map };
}

// configMapGenerator names used anywhere in the kustomization tree of dir.
export function generatorNames(dir, acc = new Set()) {
	const { k } = loadKustomization(dir);
	for (const g of k.configMapGenerator ?? []) acc.add(g.name);
	for (const r of k.resources ?? []) {
		const p = path.resolve(dir, r);
		if (fs.existsSync(p) && fs.statSync(p).isDirectory()) generatorNames(p, acc);
	}
	return acc;
}

export const keyOf = (o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
