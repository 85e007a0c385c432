// releases.js — release candidates, readiness, changes, feedback, releases and the train:
// fetching them and the pieces the pages draw them with. Fields are read by the names the API
// publishes (GET /api/v1/openapi.json: ReleaseCandidateSummary, Readiness, Gate, Changes,
// Feedback, Release, Train).
import { h } from './dom.js';
import { get, getAll, query } from './api.js';
import { longDate, plural, relative, parseTime } from './format.js';
import { gatePill, pill, timeEl, verdictPill, shaEl } from './ui.js';

// RCState: draft, testing, approved, rejected, released, superseded
const RC_STATES = {
	draft: ['pending', '○', 'draft'],
	testing: ['run', '●', 'in testing'],
	approved: ['ok', '✓', 'approved'],
	rejected: ['bad', '✕', 'rejected'],
	released: ['ok', '✓', 'released'],
	superseded: ['muted', '↷', 'superseded'],
};
// the states that take no more feedback (the server's rc_state_closed)
const CLOSED = ['released', 'rejected', 'superseded'];

export function rcStatePill(rc) {
	return pill(...(RC_STATES[rc.state] || ['muted', '•', rc.state]));
}

export function isOpen(rc) {
	return !CLOSED.includes(rc.state);
}

// ReleaseCandidateSummary.feedback: {approve, concern, block, unresolved}
export function feedbackCounts(rc) {
	const f = rc.feedback;
	const parts = [];
	if (f.approve) parts.push(pill('ok', '✓', `${f.approve} approve`));
	if (f.concern) parts.push(pill('warn', '!', `${f.concern} concern`));
	if (f.block) parts.push(pill('bad', '✕', `${f.block} block`));
	return parts.length
		? h('span', { class: 'row' }, parts)
		: h('span', { class: 'muted' }, 'none yet');
}

// Readiness.verdict: ready, pending or failed; each gate passed, failed or pending
export function readinessPill(readiness, { large = false } = {}) {
	const v = readiness.verdict;
	const waiting = readiness.gates.filter((g) => g.status === 'pending').length;
	const map = {
		ready: ['ok', '✓', 'ready to release'],
		failed: ['bad', '✕', 'not ready'],
		pending: [
			'pending',
			'○',
			waiting ? `waiting on ${waiting} gate${waiting === 1 ? '' : 's'}` : 'waiting',
		],
	};
	return h(
		'span',
		{ class: 'readiness', 'data-verdict': v },
		pill(...(map[v] || ['muted', '•', v]), large ? 'pill-lg' : null),
	);
}

export function checklist(readiness) {
	const gates = readiness.gates;
	if (!gates.length) return h('p', { class: 'empty' }, 'No readiness gates configured.');
	return h(
		'ul',
		{ class: 'checklist', 'aria-label': 'Readiness gates' },
		gates.map((g) =>
			h(
				'li',
				{ 'data-gate': g.gate, 'data-state': g.status },
				h('span', {}, gatePill(g.status)),
				h(
					'span',
					{},
					h('span', { class: 'gate-name' }, g.title),
					g.reason ? h('span', { class: 'gate-reason' }, g.reason) : null,
				),
			),
		),
	);
}

// feedback
export function fbStatusPill(f) {
	if (f.verdict === 'approve' && f.status === 'open') return null;
	const map = {
		open: ['warn', '○', 'open'],
		acknowledged: ['run', '◐', 'acknowledged'],
		resolved: ['ok', '✓', 'resolved'],
	};
	return pill(...(map[f.status] || ['muted', '•', f.status]));
}

export function feedbackItem(f, { fresh = false, showRc = false, actions = null } = {}) {
	const fixed = f.fixed_in?.version || null;
	return h(
		'li',
		{
			class: ['feedback-item', fresh && 'is-new'],
			id: `feedback-${f.id}`,
			'data-feedback-id': f.id,
			'data-verdict': f.verdict,
			'data-status': f.status,
		},
		h(
			'div',
			{ class: 'feedback-meta' },
			verdictPill(f.verdict),
			fbStatusPill(f),
			h('strong', {}, f.author),
			f.team ? h('span', { class: 'who-team' }, f.team) : null,
			f.verified === false
				? h(
						'span',
						{
							class: 'tag',
							title: 'This identity is not mapped to a team in the configuration, so it does not count towards a sign-off',
						},
						'unverified',
					)
				: null,
			f.to_recheck
				? h('span', { class: 'tag' }, `from ${f.release_candidate.version}`)
				: null,
			showRc
				? h(
						'a',
						{
							href: `/release-candidates/${f.release_candidate.id}`,
						},
						f.release_candidate.version,
					)
				: null,
			f.severity ? h('span', { class: 'tag' }, `severity: ${f.severity}`) : null,
			f.area ? h('span', { class: 'tag' }, f.area) : null,
			h('span', { class: 'muted' }, timeEl(f.given_at)),
		),
		f.comment
			? h('p', { class: 'feedback-comment' }, f.comment)
			: h('p', { class: 'feedback-comment muted' }, 'No comment.'),
		f.resolution || fixed
			? h('p', { class: 'feedback-note' }, [
					f.status === 'resolved' ? 'Resolved' : 'Note',
					fixed ? ` in ${fixed}` : '',
					f.resolution ? `: ${f.resolution}` : '',
				])
			: null,
		actions ? actions(f) : null,
	);
}

// Changes.groups: {enhancement, ui, bug, test, dependencies, uncategorised}, each a list of
// ChangePullRequest, in release-notes order -> [{key, title, plainTitle, items}] without the
// empty ones (what is excluded from the notes is in Changes.excluded, not here)
const GROUPS = [
	['enhancement', 'Enhancements', 'New features'],
	['ui', 'UI', 'Changes to the screens'],
	['bug', 'Bugs', 'Fixes'],
	['test', 'Tests', 'Behind the scenes'],
	['dependencies', 'Dependencies', 'Behind the scenes'],
	['uncategorised', 'Other', 'Other changes'],
];
export function changeGroups(changes) {
	return GROUPS.map(([key, title, plainTitle]) => ({
		key,
		title,
		plainTitle,
		items: changes.groups[key],
	})).filter((g) => g.items.length);
}

// ---- fetching ----
export async function listRcs(signal, max = 200) {
	return getAll(`/release-candidates${query({ limit: 100 })}`, { max, signal });
}

// The candidate people look at now: the newest open one (else the newest)
export function pickCurrent(rcs) {
	const open = rcs.filter(isOpen);
	const sorted = (open.length ? open : rcs)
		.slice()
		.sort((a, b) => parseTime(b.cut_at) - parseTime(a.cut_at) || b.id - a.id);
	return sorted[0] || null;
}

export async function readiness(id, signal) {
	return get(`/release-candidates/${id}/readiness`, { signal });
}

export async function latestRelease(signal) {
	const page = await get('/releases?limit=1', { signal });
	return page.items[0] || null;
}

export async function currentRcPanel(signal) {
	const rcs = await listRcs(signal, 50);
	const rc = pickCurrent(rcs);
	if (!rc) return h('p', { class: 'empty' }, 'No release candidate has been cut yet.');
	const r = await readiness(rc.id, signal);
	return h(
		'div',
		{ class: 'stack', 'data-rc': rc.version },
		h(
			'div',
			{ class: 'rc-head-state' },
			h('a', { href: `/release-candidates/${rc.id}`, class: 'stat-value' }, rc.version),
			rcStatePill(rc),
		),
		h('div', { class: 'muted' }, [
			'Cut ',
			timeEl(rc.cut_at),
			rc.commit ? [' from ', shaEl(rc.commit, rc.repository)] : null,
		]),
		feedbackCounts(rc),
		h(
			'div',
			{},
			h('div', { class: 'row' }, h('strong', {}, 'Readiness'), readinessPill(r)),
			checklist(r),
		),
		h(
			'div',
			{ class: 'row' },
			isOpen(rc)
				? h(
						'a',
						{
							class: 'btn btn-primary',
							href: `/feedback/${rc.id}`,
						},
						'Give feedback',
					)
				: null,
			h('a', { class: 'btn', href: `/release-candidates/${rc.id}` }, 'Details'),
		),
	);
}

// Train: one repository's (`repo`: owner/name), on that repository's own cadence; without
// it the server picks the repository with the latest RC or release.
export async function train(signal, repo) {
	return get(`/train${query({ repo })}`, { signal });
}

// Train.cadence: {every_days, weekday, anchor} or null
function cadenceText(c) {
	if (!c) return null;
	const day = c.weekday ? ` on ${c.weekday.charAt(0).toUpperCase()}${c.weekday.slice(1)}` : '';
	const n = c.every_days;
	if (n % 7 === 0) return `every ${n === 7 ? 'week' : `${n / 7} weeks`}${day}`;
	return `every ${n} days${day}`;
}

// The train of every repository with a cadence, each on its own (repositories[].releases may
// give one its own rhythm), soonest first; a repository's name heads its train when there
// are several.
export async function trainPanel(signal) {
	const repos = await getAll('/repos', { signal, max: 20 });
	const trains = repos.length
		? await Promise.all(repos.map((r) => train(signal, r.full_name)))
		: [await train(signal)];
	const planned = trains
		.filter((t) => t.next_release_date)
		.sort((a, b) => a.next_release_date.localeCompare(b.next_release_date));
	if (!planned.length) return h('p', { class: 'empty' }, 'No release cadence is configured.');
	if (planned.length === 1) return trainBlock(planned[0], { id: 'train-body' });
	return h(
		'div',
		{ class: 'stack', id: 'train-body' },
		planned.map((t) =>
			trainBlock(
				t,
				{ class: 'stack train-repo', 'data-repository': t.repository },
				h('h3', {}, t.repository),
			),
		),
	);
}

function trainBlock(t, attrs, heading = null) {
	const next = `${t.next_release_date}T12:00:00Z`;
	const days = t.days_until_next;
	const past = t.past_releases.filter((r) => r.planned_for).slice(0, 4);
	return h(
		'div',
		{ class: 'stack', ...attrs },
		heading,
		h(
			'div',
			{ class: 'stat' },
			h('span', { class: 'stat-value' }, longDate(next)),
			h(
				'span',
				{ class: 'stat-label' },
				`next release · ${days === 0 ? 'today' : days === 1 ? 'tomorrow' : days !== null ? `in ${days} days` : relative(next)}`,
			),
		),
		cadenceText(t.cadence)
			? h('div', { class: 'muted' }, `A release ${cadenceText(t.cadence)}.`)
			: null,
		h(
			'div',
			{},
			h('strong', {}, plural(t.on_the_train.count, 'change')),
			' on the train',
			t.current_rc
				? [
						' · candidate ',
						h(
							'a',
							{
								href: `/release-candidates/${t.current_rc.id}`,
							},
							t.current_rc.version,
						),
					]
				: null,
		),
		past.length
			? h(
					'ul',
					{
						class: 'change-list',
						'aria-label': 'Past releases against the plan',
					},
					past.map((r) =>
						h(
							'li',
							{},
							h('strong', {}, r.version),
							r.days_late > 0
								? pill('warn', '!', `${plural(r.days_late, 'day')} late`)
								: pill('ok', '✓', 'on time'),
							h(
								'span',
								{ class: 'muted' },
								`planned ${longDate(`${r.planned_for}T12:00:00Z`)}`,
							),
						),
					),
				)
			: null,
	);
}
