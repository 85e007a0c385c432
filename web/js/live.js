// live.js — one EventSource for the whole app. Pages subscribe to kinds of domain events
// ("run.updated", "feedback.*", ...) and re-fetch what they show; calls are debounced so a
// burst of events is one refresh.
// The kinds of domain events the server records (db_event_record), each delivered as a named
// server-sent event: an EventSource hears only the names it listens to.
const KINDS = [
	'run.updated',
	'job.updated',
	'deployment.updated',
	'pull_request.updated',
	'environment.changed',
	'artifact.created',
	'artifact.updated',
	'artifact.conflict',
	'tag.created',
	'tag.rc',
	'tag.deleted',
	'branch.created',
	'branch.deleted',
	'push',
	// release.<action> of GitHub's release events, and release.shipped: shiplog recorded a release
	'release.published',
	'release.unpublished',
	'release.created',
	'release.edited',
	'release.deleted',
	'release.prereleased',
	'release.released',
	'release.shipped',
	'rc.created',
	'rc.updated',
	'rc.state_changed',
	'feedback.created',
	'feedback.updated',
	'github_deployment.created',
	'github_deployment.status',
	'check_suite.updated',
	'check_run.updated',
	'token.created',
	'token.revoked',
];

let source = null;
const subscribers = new Set();
const seen = new Set();
let statusListener = () => {};

export function onStatus(fn) {
	statusListener = fn;
}

function dispatch(ev) {
	let data;
	try {
		data = JSON.parse(ev.data);
	} catch {
		return;
	}
	// a reconnect re-sends a short window: drop what was seen
	const id = data?.id ?? ev.lastEventId;
	if (id !== undefined && id !== '') {
		if (seen.has(String(id))) return;
		seen.add(String(id));
		if (seen.size > 5000) seen.delete(seen.values().next().value);
	}
	const kind = data?.kind || ev.type;
	for (const s of subscribers) {
		if (s.matches(kind, data)) s.fire(data);
	}
}

export function connect() {
	if (source || typeof EventSource === 'undefined') return;
	source = new EventSource('/api/v1/events');
	statusListener('connecting');
	source.onopen = () => statusListener('live');
	source.onerror = () =>
		statusListener(source.readyState === EventSource.CLOSED ? 'off' : 'connecting');
	source.onmessage = dispatch;
	for (const k of KINDS) source.addEventListener(k, dispatch);
}

export function disconnect() {
	if (source) source.close();
	source = null;
	statusListener('off');
}

// subscribe(['run.*', 'job.updated'], fn, {delay}) -> unsubscribe
export function subscribe(kinds, fn, { delay = 400, filter } = {}) {
	const patterns = kinds.map((k) => (k.endsWith('.*') ? [k.slice(0, -1), true] : [k, false]));
	let timer = null;
	let pending = [];
	const sub = {
		matches(kind, data) {
			if (!patterns.some(([p, prefix]) => (prefix ? kind.startsWith(p) : kind === p)))
				return false;
			return filter ? filter(data) : true;
		},
		fire(data) {
			pending.push(data);
			clearTimeout(timer);
			timer = setTimeout(() => {
				const batch = pending;
				pending = [];
				fn(batch);
			}, delay);
		},
	};
	subscribers.add(sub);
	return () => {
		clearTimeout(timer);
		subscribers.delete(sub);
	};
}
