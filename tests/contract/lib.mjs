// Helpers of the contract test: a throwaway database and a real shiplogd on it, HTTP with
// signed webhook deliveries, and validation of answers against the server's own OpenAPI
// document (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it).
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures');

export const ADMIN_TOKEN = 'contract-admin-token-0123456789abcdef';
export const GITHUB_SECRET = 'contract-github-secret';
export const FLUX_SECRET = 'contract-flux-secret';

// --- database and server ---------------------------------------------------------------------

function testClusterUrl() {
	const url = process.env.SHIPLOG_TEST_DATABASE_URL;
	if (!url) {
		throw new Error(
			'SHIPLOG_TEST_DATABASE_URL is not set: run through `make test` (scripts/test.sh), ' +
				'or start a cluster with scripts/pg.sh and export its URL',
		);
	}
	return url;
}

// The cluster URL with another database name (keeps user, host, port and query).
export function urlWithDatabase(url, db) {
	const u = new URL(url);
	u.pathname = `/${db}`;
	return u.toString();
}

// Drops and creates database `name` in the test cluster; returns its URL.
export function createDatabase(name) {
	const url = testClusterUrl();
	const r = spawnSync(
		'psql',
		[
			url,
			'-X',
			'-q',
			'-v',
			'ON_ERROR_STOP=1',
			'-c',
			`DROP DATABASE IF EXISTS ${name}`,
			'-c',
			`CREATE DATABASE ${name}`,
		],
		{
			encoding: 'utf8',
			env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
		},
	);
	if (r.status !== 0) throw new Error(`psql could not create ${name}: ${r.stderr || r.error}`);
	return urlWithDatabase(url, name);
}

export function dropDatabase(name) {
	spawnSync(
		'psql',
		[testClusterUrl(), '-X', '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`],
		{
			encoding: 'utf8',
			env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
		},
	);
}

// Starts build/shiplogd (or $SHIPLOGD) on 127.0.0.1:0 and resolves with {url, stop, log}
// once it prints "shiplog listening on http://...".
export function startServer(databaseUrl, extraEnv = {}) {
	const bin = process.env.SHIPLOGD || path.join(ROOT, 'build', 'shiplogd');
	if (!fs.existsSync(bin))
		throw new Error(`${bin} does not exist: build first (cmake --build build)`);
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplog-contract-'));
	const env = { ...process.env };
	for (const k of Object.keys(env)) if (k.startsWith('SHIPLOG_')) delete env[k];
	Object.assign(env, {
		DATABASE_URL: databaseUrl,
		SHIPLOG_LISTEN: '127.0.0.1:0',
		SHIPLOG_ADMIN_TOKEN: ADMIN_TOKEN,
		SHIPLOG_GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
		SHIPLOG_FLUX_WEBHOOK_SECRET: FLUX_SECRET,
		SHIPLOG_SESSION_SECRET: 'contract-session-secret',
		SHIPLOG_DATA_DIR: dataDir,
		SHIPLOG_THREADS: '4',
		SHIPLOG_DB_CONNECTIONS: '8',
		SHIPLOG_DB_WAIT_SECONDS: '10',
		SHIPLOG_LOG_LEVEL: 'warn',
		...extraEnv,
	});
	const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	child.stderr.on('data', (d) => {
		log += d;
		if (log.length > 200000) log = log.slice(-100000);
	});
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((res) => child.once('exit', res));
			child.kill('SIGTERM');
			const t = setTimeout(() => child.kill('SIGKILL'), 10000);
			await exited;
			clearTimeout(t);
		}
		fs.rmSync(dataDir, { recursive: true, force: true });
	};
	return new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`shiplogd did not start within 20 s:\n${out}\n${log}`));
		}, 20000);
		child.stdout.on('data', (d) => {
			out += d;
			const m = /shiplog listening on (http:\/\/[^\s/]+)\//.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve({ url: m[1], stop, log: () => log });
			}
		});
		child.once('exit', (code, sig) => {
			clearTimeout(timer);
			reject(new Error(`shiplogd exited during start-up (${code ?? sig}):\n${out}\n${log}`));
		});
	});
}

// --- HTTP ------------------------------------------------------------------------------------

// One request; resolves with {status, contentType, text, json, headers}.  `body` may be a
// string/Buffer (sent as is) or an object (sent as JSON).
export async function request(base, method, pathAndQuery, { token, headers = {}, body } = {}) {
	const h = { ...headers };
	if (token) h.Authorization = `Bearer ${token}`;
	let payload;
	if (body !== undefined) {
		if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
		else {
			payload = JSON.stringify(body);
			if (!h['Content-Type']) h['Content-Type'] = 'application/json';
		}
	}
	// an answer that never ends (a stream the document does not announce) fails, not hangs
	const signal = AbortSignal.timeout(15000);
	let res;
	let text;
	try {
		res = await fetch(base + pathAndQuery, {
			method,
			headers: h,
			body: payload,
			signal,
		});
		text = await res.text();
	} catch (e) {
		throw new Error(
			`${method} ${pathAndQuery}: no complete answer within 15 s (${e.name}: ${e.message})`,
		);
	}
	const contentType = (res.headers.get('content-type') || '').split(';')[0].trim();
	let json;
	if (/json$/.test(contentType) && text.length) {
		try {
			json = JSON.parse(text);
		} catch (e) {
			throw new Error(
				`${method} ${pathAndQuery}: answered ${res.status} with invalid JSON: ${e.message}`,
			);
		}
	}
	return { status: res.status, contentType, text, json, headers: res.headers };
}

export const hmacHex = (secret, raw) =>
	crypto.createHmac('sha256', secret).update(raw).digest('hex');

let deliveryCounter = 0;

// A GitHub delivery: the payload dumped once, signed over exactly those bytes.
export function githubDelivery(event, payload, { secret = GITHUB_SECRET, id } = {}) {
	const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
	return {
		headers: {
			'Content-Type': 'application/json',
			'X-GitHub-Event': event,
			'X-GitHub-Delivery': id || `contract-${process.pid}-${++deliveryCounter}`,
			'X-Hub-Signature-256': `sha256=${hmacHex(secret, raw)}`,
		},
		body: raw,
	};
}

// A Flux event signed like notification-controller's generic-hmac provider.
export function fluxEvent(event, secret = FLUX_SECRET) {
	const raw = JSON.stringify(event);
	return {
		headers: {
			'Content-Type': 'application/json',
			'X-Signature': `sha256=${hmacHex(secret, raw)}`,
		},
		body: raw,
	};
}

export const loadFixture = (rel) => JSON.parse(fs.readFileSync(path.join(FIXTURES, rel), 'utf8'));

// --- validation against the document -----------------------------------------------------------

const DOC_ID = 'https://shiplog.invalid/api/v1/openapi.json';

// "/api/v1/runs/{id}" -> "~1api~1v1~1runs~1{id}" (a JSON pointer token)
const pointerToken = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// A copy of a schema in which every object schema that lists properties refuses the fields
// it does not list (unevaluatedProperties: false), unless it says otherwise: "does the schema
// list every field the answer has?".  The members of an allOf stay open (the object they
// compose is closed, and sees the properties they evaluate), so a member that is a component
// $ref points at that component's open twin, "<Name>__open".
const KEEP = new Set(['enum', 'const', 'example', 'examples', 'default']);
function closeSchema(node, open = false) {
	if (Array.isArray(node)) return node.map((n) => closeSchema(n));
	if (!node || typeof node !== 'object') return node;
	const out = {};
	for (const [k, v] of Object.entries(node)) {
		if (KEEP.has(k)) out[k] = v;
		else if (k === 'allOf' && Array.isArray(v)) {
			out[k] = v.map((m) =>
				m && typeof m.$ref === 'string' && m.$ref.startsWith('#/components/schemas/')
					? { ...m, $ref: `${m.$ref}__open` }
					: closeSchema(m, true),
			);
		} else if (k === 'properties' && v && typeof v === 'object') {
			out[k] = Object.fromEntries(
				Object.entries(v).map(([name, sub]) => [name, closeSchema(sub)]),
			);
		} else out[k] = closeSchema(v);
	}
	const composes = Array.isArray(out.allOf);
	if (
		!open &&
		(out.properties || composes) &&
		!('additionalProperties' in out) &&
		!('unevaluatedProperties' in out) &&
		!('patternProperties' in out)
	) {
		out.unevaluatedProperties = false;
	}
	return out;
}

function closeComponents(components) {
	const schemas = {};
	for (const [name, s] of Object.entries(components.schemas || {})) {
		schemas[name] = closeSchema(s);
		schemas[`${name}__open`] = closeSchema(s, true);
	}
	return { ...components, schemas, responses: closeSchema(components.responses || {}) };
}

export class Contract {
	constructor(doc) {
		this.doc = doc;
		this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
		addFormats(this.ajv);
		this.ajv.addSchema({ ...doc, $id: DOC_ID });
		// components only, closed: "does the schema list every field the answer has?"
		this.closed = new Ajv2020({ strict: false, allErrors: true });
		addFormats(this.closed);
		this.closed.addSchema({
			components: closeComponents(doc.components),
			paths: closeSchema(doc.paths, true),
			$id: DOC_ID,
		});
		this.cache = new Map();
		this.calls = []; // [method, template, status]
	}

	operation(method, template) {
		const item = this.doc.paths[template];
		return item && item[method.toLowerCase()];
	}

	validator(ajv, pointer) {
		const key = `${ajv === this.ajv ? 'o' : 'c'}${pointer}`;
		if (!this.cache.has(key)) {
			const v = ajv.getSchema(`${DOC_ID}#${pointer}`);
			if (!v) throw new Error(`no schema at ${pointer}`);
			this.cache.set(key, v);
		}
		return this.cache.get(key);
	}

	// Checks a request body the server accepted against the operation's requestBody: what
	// the server takes, the document must allow.  Returns a list of mismatches.
	checkRequest(method, template, contentType, body, where = template) {
		const op = this.operation(method, template);
		const media = op?.requestBody?.content?.[contentType];
		if (!media)
			return [
				`${method} ${where}: the server took a ${contentType} body the document does not describe`,
			];
		let value = body;
		if (typeof body === 'string' || Buffer.isBuffer(body)) {
			if (contentType === 'application/x-www-form-urlencoded')
				value = Object.fromEntries(new URLSearchParams(String(body)));
			else if (/json$/.test(contentType)) value = JSON.parse(String(body));
		}
		const pointer = `/paths/${pointerToken(template)}/${method.toLowerCase()}/requestBody/content/${pointerToken(contentType)}/schema`;
		const v = this.validator(this.ajv, pointer);
		return v(value)
			? []
			: [
					`${method} ${where}: a body the server took does not match the document's requestBody:\n` +
						v.errors
							.map(
								(e) =>
									`    ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
							)
							.join('\n'),
				];
	}

	// Checks one answer of `method template` against the document; returns a list of
	// mismatches (empty when it conforms).
	check(method, template, res, where = template) {
		const errs = [];
		const op = this.operation(method, template);
		if (!op) return [`${method} ${where}: the document has no operation ${method} ${template}`];
		this.calls.push([method, template, res.status]);
		const code = String(res.status);
		const key = op.responses[code] ? code : op.responses.default ? 'default' : null;
		if (!key) {
			return [
				`${method} ${where}: answered ${res.status}, which the document does not list ` +
					`(it lists ${Object.keys(op.responses).join(', ')}); body: ${res.text.slice(0, 300)}`,
			];
		}
		let response = op.responses[key];
		let at = `/paths/${pointerToken(template)}/${method.toLowerCase()}/responses/${key}`;
		while (response && response.$ref) {
			// a shared response: "#/components/responses/Problem404"
			at = response.$ref.replace(/^#/, '');
			response = at
				.split('/')
				.slice(1)
				.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
				.reduce((o, t) => (o ? o[t] : undefined), this.doc);
		}
		if (!response)
			return [
				`${method} ${where}: the response for ${res.status} is a $ref that does not resolve`,
			];
		if (!response.content) {
			if (res.text.length)
				errs.push(
					`${method} ${where}: ${res.status} documented without content, got ${res.contentType}: ${res.text.slice(0, 200)}`,
				);
			return errs;
		}
		const media = response.content[res.contentType];
		if (!media) {
			return [
				`${method} ${where}: ${res.status} answered ${res.contentType || 'no content type'}; ` +
					`the document says ${Object.keys(response.content).join(' or ')}`,
			];
		}
		if (!/json$/.test(res.contentType)) return errs;
		if (!media.schema)
			return [`${method} ${where}: ${res.status} ${res.contentType} has no schema`];
		const pointer = `${at}/content/${pointerToken(res.contentType)}/schema`;
		let v;
		try {
			v = this.validator(this.ajv, pointer);
		} catch (e) {
			return [
				`${method} ${where} (${res.status}): its schema does not compile: ${e.message}`,
			];
		}
		if (!v(res.json)) {
			errs.push(
				`${method} ${where} (${res.status}): the answer does not match its schema:\n` +
					v.errors
						.map(
							(e) =>
								`    ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
						)
						.join('\n'),
			);
			return errs;
		}
		const c = this.validator(this.closed, pointer);
		if (!c(res.json)) {
			const extra = c.errors
				.filter((e) => e.keyword === 'unevaluatedProperties')
				.map((e) => `${e.instancePath}/${e.params.unevaluatedProperty}`);
			errs.push(
				`${method} ${where} (${res.status}): fields the schema does not list: ${
					[...new Set(extra)].join(', ') ||
					c.errors.map((e) => `${e.instancePath} ${e.message}`).join('; ')
				}`,
			);
		}
		return errs;
	}
}

// The route template a concrete path matches ("/api/v1/runs/12" -> "/api/v1/runs/{id}"),
// for the document's paths; the most literal segments win.
export function templateOf(doc, method, concretePath) {
	const p = concretePath.split('?')[0];
	let best = null;
	let bestScore = -1;
	for (const [t, item] of Object.entries(doc.paths)) {
		if (!item[method.toLowerCase()]) continue;
		const multi = new Set(
			(item[method.toLowerCase()].parameters || [])
				.filter((q) => q['x-shiplog-multi-segment'])
				.map((q) => `{${q.name}}`),
		);
		const re = new RegExp(
			`^${t
				.split(/(\{[^}]+\})/)
				.map((s, i) =>
					i % 2
						? multi.has(s)
							? '(.+)'
							: '([^/]+)'
						: s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
				)
				.join('')}$`,
		);
		if (!re.test(p)) continue;
		const score = t.split('/').filter((s) => s && !s.startsWith('{')).length;
		if (score > bestScore) {
			best = t;
			bestScore = score;
		}
	}
	return best;
}
