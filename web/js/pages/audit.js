// Audit: who changed what (GET /api/v1/audit), and the failed sign-ins per address and hour.
// Admins only; the nav link is shown to admins, and the API answers 403 to anyone else.
import { h } from '../dom.js';
import { get, query, ApiError } from '../api.js';
import { timeEl, table, pageHead, refreshable, loading, section } from '../ui.js';

const ACTIONS = [
	'rc.created',
	'rc.changed',
	'rc.overridden',
	'feedback.posted',
	'feedback.triaged',
	'feedback.requested',
	'token.created',
	'token.revoked',
	'environment.created',
	'environment.changed',
	'environment.deleted',
	'delivery.replayed',
	'notification.retried',
	'session.signed_in',
	'session.signed_out',
	'run.reported',
	'artifact.reported',
	'deployment.reported',
];
const TARGETS = [
	'release_candidate',
	'feedback',
	'token',
	'environment',
	'delivery',
	'notification',
	'session',
	'run',
	'artifact',
	'deployment',
];
const FILTERS = ['actor', 'action', 'target_type', 'target_id', 'since', 'until'];

function field(name, label, control, hint) {
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: `f-${name}` }, label),
		control,
		h('p', { class: 'field-error', id: `f-${name}-error`, role: 'alert', hidden: true }),
		hint ? h('p', { class: 'hint' }, hint) : null,
	);
}

function input(name, label, value, attrs = {}) {
	return field(
		name,
		label,
		h('input', {
			id: `f-${name}`,
			name,
			type: 'search',
			value: value || '',
			autocomplete: 'off',
			spellcheck: 'false',
			'aria-describedby': `f-${name}-error`,
			...attrs,
		}),
	);
}

function select(name, label, options, value) {
	return field(
		name,
		label,
		h(
			'select',
			{ id: `f-${name}`, name, 'aria-describedby': `f-${name}-error` },
			h('option', { value: '' }, 'All'),
			options.map((v) => h('option', { value: v, selected: v === value }, v)),
		),
	);
}

// A JSON value for people: compact, in a <pre>.
function json(v) {
	return h('pre', { class: 'audit-json' }, JSON.stringify(v, null, 1));
}

function change(row) {
	if (row.before == null && row.after == null) return h('span', { class: 'faint' }, '—');
	return h(
		'details',
		{},
		h('summary', {}, row.before == null ? 'after' : 'before → after'),
		row.before == null ? null : h('div', {}, h('strong', {}, 'Before'), json(row.before)),
		row.after == null ? null : h('div', {}, h('strong', {}, 'After'), json(row.after)),
	);
}

const COLUMNS = [
	{ label: 'When', class: 'nowrap', cell: (r) => timeEl(r.at) },
	{
		label: 'Who',
		cell: (r) =>
			h(
				'div',
				{ class: 'cell-title' },
				h('span', {}, r.actor),
				h(
					'span',
					{ class: 'cell-sub' },
					`${r.via}${r.actor_id ? ` · token ${r.actor_id}` : ''}`,
				),
			),
	},
	{ label: 'Action', class: 'nowrap', cell: (r) => h('span', { class: 'tag' }, r.action) },
	{
		label: 'Target',
		cell: (r) => `${r.target_type}${r.target_id ? ` ${r.target_id}` : ''}`,
	},
	{ label: 'Reason', cell: (r) => r.reason || h('span', { class: 'faint' }, '—') },
	{ label: 'Change', cell: change },
	{
		label: 'Request',
		cell: (r) =>
			h(
				'div',
				{ class: 'cell-title' },
				h('code', {}, r.request_id || '—'),
				h('span', { class: 'cell-sub' }, r.remote_addr || ''),
			),
	},
];

const FAILED_COLUMNS = [
	{ label: 'Hour', class: 'nowrap', cell: (r) => timeEl(r.hour) },
	{ label: 'Client address', cell: (r) => h('code', {}, r.remote_addr) },
	{ label: 'Attempts', class: 'right', cell: (r) => String(r.attempts) },
	{ label: 'Last', class: 'nowrap', cell: (r) => timeEl(r.last_at) },
];

// A date input's day as the API's time: the start of that day (UTC); `until` is exclusive, so
// the day after the one chosen.
function dayTime(day, after) {
	if (!day) return '';
	const d = new Date(`${day}T00:00:00Z`);
	if (Number.isNaN(d.getTime())) return day;
	if (after) d.setUTCDate(d.getUTCDate() + 1);
	return d.toISOString().replace('.000Z', 'Z');
}

export default async function audit(ctx) {
	ctx.title('Audit');
	const q = ctx.query;
	const current = Object.fromEntries(FILTERS.map((f) => [f, q.get(f) || '']));
	const form = h(
		'form',
		{
			class: 'filters',
			role: 'search',
			'aria-label': 'Filter the audit trail',
			id: 'audit-filters',
		},
		input('actor', 'Who', current.actor, { placeholder: 'name@example.com' }),
		select('action', 'Action', ACTIONS, current.action),
		select('target_type', 'Target', TARGETS, current.target_type),
		input('target_id', 'Target id', current.target_id),
		input('since', 'From day', current.since.slice(0, 10), { type: 'date' }),
		input('until', 'To day', current.until ? current.until.slice(0, 10) : '', { type: 'date' }),
		h(
			'div',
			{ class: 'field' },
			h('span', { class: 'field-label', 'aria-hidden': 'true' }, '\u00a0'),
			h('button', { type: 'button', class: 'btn', id: 'clear-filters' }, 'Clear'),
		),
	);
	const count = h('p', { class: 'hint', role: 'status', id: 'audit-count' });
	const list = h('div', { id: 'audit-list' }, loading());
	const more = h('div', { class: 'row' });
	const failed = h('div', { id: 'failed-sign-ins' }, loading());

	ctx.main.append(
		pageHead({
			title: 'Audit',
			sub: 'Every change made by a person or a token, newest first: recorded in the same transaction as the change, and never edited.',
		}),
		form,
		count,
		list,
		more,
		section('Failed sign-ins', failed, { id: 'failed' }),
	);

	let items = [];
	let next = null;
	function filters() {
		const f = {};
		for (const name of FILTERS) {
			const el = form.elements.namedItem(name);
			let v = el ? el.value.trim() : current[name];
			if (name === 'since') v = dayTime(v, false);
			if (name === 'until') v = dayTime(v, true);
			if (v) f[name] = v;
		}
		return f;
	}
	function showErrors(err) {
		for (const name of FILTERS) {
			const p = form.querySelector(`#f-${name}-error`);
			const why = err instanceof ApiError ? err.parameterError(name) : null;
			p.textContent = why || '';
			p.hidden = !why;
			form.elements.namedItem(name)?.setAttribute('aria-invalid', why ? 'true' : 'false');
		}
	}
	function draw() {
		list.replaceChildren(
			table(COLUMNS, items, {
				caption: 'Audit trail',
				id: 'audit-table',
				empty: 'No changes match these filters.',
			}),
		);
		// on a phone each row is a card, not a table to scroll sideways
		list.querySelector('table')?.classList.add('cards');
		more.replaceChildren(
			next
				? h('button', { type: 'button', class: 'btn', onclick: loadMore }, 'Show more')
				: '',
		);
		const n = items.length;
		count.textContent =
			n === 0
				? 'No changes match.'
				: `Showing ${n}${next ? '+' : ''} change${n === 1 ? '' : 's'}.`;
	}
	const refresh = refreshable(list, async () => {
		let page;
		try {
			page = await get(`/audit${query({ ...filters(), limit: 50 })}`, { signal: ctx.signal });
		} catch (e) {
			showErrors(e);
			throw e;
		}
		showErrors(null);
		items = page?.items || [];
		next = page?.next || null;
		draw();
		return undefined;
	});
	async function loadMore() {
		if (!next) return;
		const page = await get(next, { signal: ctx.signal });
		items = items.concat(page?.items || []);
		next = page?.next || null;
		draw();
	}
	const refreshFailed = refreshable(failed, async () => {
		const page = await get('/audit/failed-sign-ins?limit=48', { signal: ctx.signal });
		const rows = table(FAILED_COLUMNS, page?.items || [], {
			caption: 'Failed sign-ins per address and hour',
			id: 'failed-table',
			empty: 'No failed sign-ins.',
		});
		rows.querySelector?.('table')?.classList.add('cards');
		return [
			h(
				'p',
				{ class: 'hint' },
				'Refused tokens (sign-ins and bearer tokens), counted per client address and hour.',
			),
			rows,
		];
	});
	function apply() {
		const f = {};
		for (const name of FILTERS) {
			const el = form.elements.namedItem(name);
			if (el?.value.trim()) f[name] = el.value.trim();
		}
		history.replaceState(null, '', `/audit${query(f)}`);
		refresh().catch(() => {});
	}
	let typing = null;
	form.addEventListener('change', apply);
	form.addEventListener('input', (ev) => {
		if (ev.target.tagName !== 'INPUT' || ev.target.type === 'date') return;
		clearTimeout(typing);
		typing = setTimeout(apply, 450);
	});
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		apply();
	});
	form.querySelector('#clear-filters').addEventListener('click', () => {
		for (const el of form.elements) if (el.name) el.value = '';
		apply();
	});
	await Promise.all([refresh(), refreshFailed()]);
	ctx.every(30000, () => refreshFailed().catch(() => {}));
}
