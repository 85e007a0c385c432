// api.js — the JSON API: fetch with the session cookie, the CSRF token on writes,
// problem+json errors as ApiError, pagination.
const BASE = '/api/v1';

let csrfToken = null;
export function setCsrf(token) {
	csrfToken = token || null;
}

// A problem+json answer (RFC 9457). `detail` is for people and is shown as it is; which field
// is at fault is read from the extension member `errors` of validation problems:
// [{pointer: "/verdict", detail}] for a JSON body field, [{parameter: "limit", detail}] for a
// path or query parameter, each detail without the field's name.
export class ApiError extends Error {
	constructor(status, problem, path) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem || {};
		this.path = path;
		this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
	}
	// why the body field at this JSON Pointer ("/comment") was refused, or null
	fieldError(pointer) {
		return this.errors.find((e) => e.pointer === pointer)?.detail ?? null;
	}
	// why this path or query parameter was refused, or null
	parameterError(name) {
		return this.errors.find((e) => e.parameter === name)?.detail ?? null;
	}
	get unavailable() {
		return this.status === 503;
	}
}

function emit(name, detail) {
	window.dispatchEvent(new CustomEvent(name, { detail }));
}

export async function request(
	path,
	{ method = 'GET', body, signal, quiet = false, headers = {} } = {},
) {
	const url =
		path.startsWith('/') && !path.startsWith(BASE) && !path.startsWith('/webhooks')
			? BASE + path
			: path;
	const h = { Accept: 'application/json', ...headers };
	if (body !== undefined) h['Content-Type'] = 'application/json';
	if (method !== 'GET' && method !== 'HEAD' && csrfToken) h['X-CSRF-Token'] = csrfToken;
	let res;
	try {
		res = await fetch(url, {
			method,
			headers: h,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			signal,
		});
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		const err = new ApiError(
			0,
			{
				title: 'The server did not answer',
				detail: 'shiplog could not be reached. Check your connection.',
			},
			url,
		);
		if (!quiet) emit('shiplog:unreachable', err);
		throw err;
	}
	if (res.status === 204) return null;
	const type = res.headers.get('Content-Type') || '';
	const isJson = type.includes('json');
	const data = isJson ? await res.json().catch(() => null) : await res.text();
	if (!res.ok) {
		const err = new ApiError(
			res.status,
			isJson ? data : { detail: String(data).slice(0, 200) },
			url,
		);
		if (!quiet) {
			if (res.status === 401) emit('shiplog:unauthenticated', err);
			else if (res.status === 503) emit('shiplog:unavailable', err);
		}
		throw err;
	}
	return data;
}

export const get = (path, opts) => request(path, opts);
export const post = (path, body, opts = {}) => request(path, { ...opts, method: 'POST', body });

// Follows `next` links until `max` items.
export async function getAll(path, { max = 500, signal } = {}) {
	const items = [];
	let next = path;
	while (next && items.length < max) {
		const page = await request(next, { signal });
		items.push(...(page?.items || []));
		next = page?.next || null;
	}
	return items.slice(0, max);
}

export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== undefined && v !== null && v !== '') q.set(k, v);
	}
	const s = q.toString();
	return s ? `?${s}` : '';
}
