// releases.js — release candidates, readiness, changes, feedback, releases and the train:
// fetching and reading them (field names normalised in one place).
import { h } from './dom.js';
import { get, getAll, hasRoute, query } from './api.js';
import { longDate, plural, relative, parseTime } from './format.js';
import { gatePill, pill, timeEl, verdictPill, shaEl } from './ui.js';

export const available = () => hasRoute('/release-candidates');

// ---- field readers ----
export const rcVersion = (rc) => rc?.version || rc?.tag || rc?.name || `#${rc?.id}`;
export const rcState = (rc) => rc?.state || rc?.status || 'open';
export const rcCommit = (rc) => (typeof rc?.commit === 'string' ? rc.commit : rc?.commit?.sha) || rc?.commit_sha || rc?.sha || null;
export const rcRepo = (rc) => rc?.repository || rc?.repo || null;
export const rcCutAt = (rc) => rc?.cut_at || rc?.created_at || null;
export const rcTarget = (rc) => rc?.target_release || rc?.target || rc?.release || null;

const RC_STATES = {
	draft: ['pending', '○', 'draft'],
	testing: ['run', '●', 'in testing'],
	open: ['run', '●', 'in testing'],
	approved: ['ok', '✓', 'approved'],
	rejected: ['bad', '✕', 'rejected'],
	released: ['ok', '✓', 'released'],
	superseded: ['muted', '↷', 'superseded'],
};
const CLOSED = ['released', 'rejected', 'superseded'];

export function rcStatePill(rc) {
	const s = rcState(rc);
	return pill(...(RC_STATES[s] || ['muted', '•', s]));
}

export function isOpen(rc) {
	if (typeof rc?.feedback_open === 'boolean') return rc.feedback_open;
	return !CLOSED.includes(rcState(rc));
}

export function feedbackCounts(rc) {
	const f = rc?.feedback;
	if (!f || typeof f !== 'object') return null;
	const parts = [];
	if (f.approve) parts.push(pill('ok', '✓', `${f.approve} approve`));
	if (f.concern) parts.push(pill('warn', '!', `${f.concern} concern`));
	if (f.block) parts.push(pill('bad', '✕', `${f.block} block`));
	return parts.length ? h('span', { class: 'row' }, parts) : h('span', { class: 'muted' }, 'none yet');
}

export function gatesOf(readiness) {
	const list = readiness?.gates || readiness?.checks || readiness?.items || [];
	return list.map((g) => ({
		name: g.title || g.name || g.gate || g.id,
		key: g.name || g.gate || g.id,
		state: g.state || g.status || g.result || (g.passed === true ? 'passed' : g.passed === false ? 'failed' : 'pending'),
		reason: g.reason || g.detail || g.message || g.description || '',
	}));
}

export function readinessState(readiness) {
	if (!readiness) return null;
	const s = readiness.state || readiness.status || readiness.verdict;
	if (s) return s;
	if (readiness.ready === true) return 'passed';
	const gates = gatesOf(readiness);
	if (gates.some((g) => g.state === 'failed' || g.state === 'fail')) return 'failed';
	if (gates.length && gates.every((g) => g.state === 'passed' || g.state === 'pass')) return 'passed';
	return 'pending';
}

export function readinessPill(readiness, { large = false } = {}) {
	const s = readinessState(readiness);
	const waiting = gatesOf(readiness).filter((g) => g.state === 'pending').length;
	const map = {
		ready: ['ok', '✓', 'ready to release'],
		passed: ['ok', '✓', 'ready to release'],
		failed: ['bad', '✕', 'not ready'],
		pending: ['pending', '○', waiting ? `waiting on ${waiting} gate${waiting === 1 ? '' : 's'}` : 'waiting'],
	};
	return h('span', { class: 'readiness', 'data-verdict': s || 'unknown' }, pill(...(map[s] || ['muted', '•', s || 'unknown']), large ? 'pill-lg' : null));
}

export function checklist(readiness) {
	const gates = gatesOf(readiness);
	if (!gates.length) return h('p', { class: 'empty' }, 'No readiness gates configured.');
	return h('ul', { class: 'checklist', 'aria-label': 'Readiness gates' }, gates.map((g) => h('li', { 'data-gate': g.key, 'data-state': g.state },
		h('span', {}, gatePill(g.state)),
		h('span', {}, h('span', { class: 'gate-name' }, g.name), g.reason ? h('span', { class: 'gate-reason' }, g.reason) : null))));
}

// feedback
export const fbAuthor = (f) => f?.author || f?.author_name || f?.created_by || 'someone';
export const fbTeam = (f) => f?.team || null;
export const fbStatus = (f) => f?.status || 'open';
export const fbAt = (f) => f?.created_at || null;

export function fbStatusPill(f) {
	const s = fbStatus(f);
	if (f?.verdict === 'approve' && s === 'open') return null;
	const map = {
		open: ['warn', '○', 'open'],
		acknowledged: ['run', '◐', 'acknowledged'],
		resolved: ['ok', '✓', 'resolved'],
	};
	return pill(...(map[s] || ['muted', '•', s]));
}

export function feedbackItem(f, { fresh = false, showRc = false, actions = null } = {}) {
	const note = typeof f.resolution === 'string' ? f.resolution : f.resolution?.note || null;
	const fixed = f.fixed_in?.version || null;
	return h('li', { class: ['feedback-item', fresh && 'is-new'], id: `feedback-${f.id}`, 'data-feedback-id': f.id, 'data-verdict': f.verdict, 'data-status': fbStatus(f) },
		h('div', { class: 'feedback-meta' },
			verdictPill(f.verdict),
			fbStatusPill(f),
			h('strong', {}, fbAuthor(f)),
			fbTeam(f) ? h('span', { class: 'who-team' }, fbTeam(f)) : null,
			f.verified === false ? h('span', { class: 'tag', title: 'This identity is not mapped to a team in the configuration, so it does not count towards a sign-off' }, 'unverified') : null,
			f.to_recheck && f.release_candidate ? h('span', { class: 'tag' }, `from ${f.release_candidate.version}`) : null,
			showRc && f.release_candidate ? h('a', { href: `/release-candidates/${f.release_candidate.id}` }, f.release_candidate.version) : null,
			f.severity ? h('span', { class: 'tag' }, `severity: ${f.severity}`) : null,
			f.area ? h('span', { class: 'tag' }, f.area) : null,
			h('span', { class: 'muted' }, timeEl(fbAt(f)))),
		f.comment ? h('p', { class: 'feedback-comment' }, f.comment) : h('p', { class: 'feedback-comment muted' }, 'No comment.'),
		note || fixed ? h('p', { class: 'feedback-note' }, [fbStatus(f) === 'resolved' ? 'Resolved' : 'Note', fixed ? ` in ${fixed}` : '', note ? `: ${note}` : '']) : null,
		actions ? actions(f) : null);
}

// changes: [{key, title, plainTitle, items: [{number, title, url, labels, author}]}]
const GROUPS = [
	['enhancement', 'Enhancements', 'New features'],
	['ui', 'UI', 'Changes to the screens'],
	['bug', 'Bugs', 'Fixes'],
	['test', 'Tests', 'Behind the scenes'],
	['dependencies', 'Dependencies', 'Behind the scenes'],
	['other', 'Other', 'Other changes'],
];
export function changeGroups(changes) {
	if (!changes) return [];
	let groups = changes.groups || changes.sections || changes.categories;
	if (groups && !Array.isArray(groups)) groups = Object.entries(groups).map(([label, items]) => ({ label, items }));
	if (!groups) {
		const items = changes.items || changes.pull_requests || changes.pulls || [];
		const by = new Map();
		for (const p of items) {
			const labels = p.labels || [];
			if (labels.includes('exclude from release notes')) continue;
			const key = GROUPS.find(([k]) => labels.includes(k))?.[0] || 'other';
			if (!by.has(key)) by.set(key, []);
			by.get(key).push(p);
		}
		groups = [...by.entries()].map(([label, items]) => ({ label, items }));
	}
	return groups.map((g) => {
		const key = (g.label || g.key || g.name || 'other').toLowerCase();
		const known = GROUPS.find(([k]) => k === key);
		return {
			key,
			title: g.title || known?.[1] || g.label || 'Other',
			plainTitle: known?.[2] || g.title || 'Other changes',
			items: (g.items || g.pull_requests || g.pulls || g.changes || []).map((p) => ({
				number: p.number ?? p.pull_request?.number ?? null,
				title: p.title || p.message || '',
				url: p.url || p.html_url || null,
				labels: p.labels || [],
				author: p.author || p.author_login || null,
				repository: p.repository || null,
				sha: p.sha || p.merge_commit_sha || null,
			})),
		};
	}).filter((g) => g.key !== 'exclude from release notes' && g.items.length)
		.sort((a, b) => GROUPS.findIndex(([k]) => k === a.key) - GROUPS.findIndex(([k]) => k === b.key));
}

// ---- fetching ----
export async function listRcs(signal, max = 200) {
	if (!available()) return [];
	return getAll(`/release-candidates${query({ limit: 100 })}`, { max, signal });
}

export function pickCurrent(rcs) {
	const open = rcs.filter(isOpen);
	const sorted = (open.length ? open : rcs).slice().sort((a, b) => (parseTime(rcCutAt(b)) ?? b.id) - (parseTime(rcCutAt(a)) ?? a.id) || b.id - a.id);
	return sorted[0] || null;
}

export async function readiness(id, signal) {
	if (!hasRoute('/release-candidates/{id}/readiness')) return null;
	return get(`/release-candidates/${id}/readiness`, { signal });
}

export async function latestRelease(signal) {
	if (!hasRoute('/releases')) return null;
	try {
		const page = await get('/releases?limit=1', { signal });
		return page?.items?.[0] || null;
	} catch (e) {
		if (e.status === 503 || e.status === 401) throw e;
		return null;
	}
}

export async function currentRcPanel(signal) {
	if (!available()) return h('p', { class: 'empty' }, 'This server does not track release candidates yet.');
	const rcs = await listRcs(signal, 50);
	const rc = pickCurrent(rcs);
	if (!rc) return h('p', { class: 'empty' }, 'No release candidate has been cut yet.');
	const r = await readiness(rc.id, signal).catch((e) => {
		if (e.status === 503 || e.status === 401) throw e;
		return null;
	});
	return h('div', { class: 'stack', 'data-rc': rcVersion(rc) },
		h('div', { class: 'rc-head-state' },
			h('a', { href: `/release-candidates/${rc.id}`, class: 'stat-value' }, rcVersion(rc)),
			rcStatePill(rc)),
		h('div', { class: 'muted' }, ['Cut ', timeEl(rcCutAt(rc)), rcCommit(rc) ? [' from ', shaEl(rcCommit(rc), rcRepo(rc))] : null]),
		feedbackCounts(rc),
		r ? h('div', {}, h('div', { class: 'row' }, h('strong', {}, 'Readiness'), readinessPill(r)), checklist(r)) : null,
		h('div', { class: 'row' },
			h('a', { class: 'btn btn-primary', href: `/feedback/${rc.id}` }, 'Give feedback'),
			h('a', { class: 'btn', href: `/release-candidates/${rc.id}` }, 'Details')));
}

export async function train(signal) {
	if (!hasRoute('/train')) return null;
	return get('/train', { signal });
}

function cadenceText(c) {
	if (!c) return null;
	if (typeof c === 'string') return c;
	const n = c.every_days;
	const day = c.weekday ? ` on ${c.weekday.charAt(0).toUpperCase()}${c.weekday.slice(1)}` : '';
	if (!n) return null;
	if (n % 7 === 0) return `every ${n === 7 ? 'week' : `${n / 7} weeks`}${day}`;
	return `every ${n} days${day}`;
}

export async function trainPanel(signal) {
	const quietly = (p) => p.catch((e) => {
		if (e.status === 503 || e.status === 401) throw e;
		return null;
	});
	const [t, releases] = await Promise.all([
		quietly(train(signal)),
		hasRoute('/releases') ? quietly(get('/releases?limit=4', { signal })) : null,
	]);
	if (!t || !t.next_release_date) return h('p', { class: 'empty' }, 'No release cadence is configured.');
	const next = `${String(t.next_release_date).slice(0, 10)}T12:00:00Z`;
	const days = t.days_until_next;
	const on = t.on_the_train;
	const onCount = Array.isArray(on) ? on.length : on?.count ?? null;
	const past = (releases?.items || []).filter((r) => r.planned_for);
	return h('div', { class: 'stack', id: 'train-body' },
		h('div', { class: 'stat' },
			h('span', { class: 'stat-value' }, longDate(next)),
			h('span', { class: 'stat-label' }, `next release · ${days === 0 ? 'today' : days === 1 ? 'tomorrow' : days != null ? `in ${days} days` : relative(next)}`)),
		cadenceText(t.cadence) ? h('div', { class: 'muted' }, `A release ${cadenceText(t.cadence)}.`) : null,
		onCount !== null ? h('div', {}, h('strong', {}, plural(onCount, 'change')), ' on the train', t.current_rc ? [' · candidate ', h('a', { href: `/release-candidates/${t.current_rc.id}` }, t.current_rc.version)] : null) : null,
		past.length ? h('ul', { class: 'change-list', 'aria-label': 'Past releases against the plan' }, past.map((r) => h('li', {},
			h('strong', {}, r.version),
			r.days_late > 0 ? pill('warn', '!', `${plural(r.days_late, 'day')} late`) : pill('ok', '✓', 'on time'),
			h('span', { class: 'muted' }, `planned ${longDate(`${r.planned_for}T12:00:00Z`)}`)))) : null);
}
