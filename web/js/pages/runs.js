// Runs: a filterable list of pipeline runs (latest attempt of each).
import { h } from '../dom.js';
import { get, query } from '../api.js';
import {
	runPill,
	timeEl,
	shaEl,
	table,
	pageHead,
	durationEl,
	repoShort,
	refreshable,
	loading,
} from '../ui.js';

const KINDS = ['pr', 'main', 'release', 'other'];
const STATUSES = [
	['queued', 'Queued'],
	['in_progress', 'Running'],
	['waiting', 'Waiting'],
	['completed', 'Completed'],
];
const CONCLUSIONS = [
	['success', 'Passed'],
	['failure', 'Failed'],
	['cancelled', 'Cancelled'],
	['timed_out', 'Timed out'],
	['skipped', 'Skipped'],
	['action_required', 'Action required'],
];
const FILTERS = ['repo', 'kind', 'branch', 'status', 'conclusion', 'workflow', 'sha', 'pr'];

export function runRows(runs, { showRepo = true } = {}) {
	const cols = [
		{ label: 'Status', cell: (r) => runPill(r.status, r.conclusion), class: 'nowrap' },
		{
			label: 'Run',
			class: 'wrap-title',
			cell: (r) =>
				h(
					'div',
					{ class: 'cell-title' },
					h(
						'a',
						{ href: `/runs/${r.id}` },
						r.display_title || r.workflow?.name || `Run ${r.id}`,
					),
					h(
						'span',
						{ class: 'cell-sub' },
						`${r.workflow?.name || r.provider || ''}${r.run_number ? ` #${r.run_number}` : ''}`,
					),
				),
		},
	];
	if (showRepo)
		cols.push({
			label: 'Repository',
			class: 'nowrap',
			cell: (r) => h('span', { title: r.repository }, repoShort(r.repository)),
		});
	cols.push(
		{
			label: 'Branch',
			cell: (r) => h('span', { class: 'branch', title: r.branch || '' }, r.branch || '—'),
		},
		{ label: 'Commit', cell: (r) => shaEl(r.sha, r.repository) },
		{ label: 'Kind', cell: (r) => h('span', { class: 'tag' }, r.kind || 'other') },
		{
			label: 'Attempt',
			cell: (r) =>
				r.attempt > 1
					? h(
							'span',
							{
								class: 'badge-attempt',
								title: `Re-run: attempt ${r.attempt}`,
							},
							`↻ ${r.attempt}`,
						)
					: h('span', { class: 'faint' }, '1'),
		},
		{ label: 'Duration', class: 'right', cell: (r) => durationEl(r.duration_seconds) },
		{
			label: 'Started',
			class: 'nowrap',
			cell: (r) => timeEl(r.started_at || r.queued_at || r.created_at),
		},
	);
	return cols;
}

function select(name, label, options, value, all = 'All') {
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: `f-${name}` }, label),
		h(
			'select',
			{ id: `f-${name}`, name },
			h('option', { value: '' }, all),
			options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
		),
	);
}

function input(name, label, value, placeholder) {
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: `f-${name}` }, label),
		h('input', {
			id: `f-${name}`,
			name,
			type: 'search',
			value: value || '',
			placeholder,
			autocomplete: 'off',
			spellcheck: 'false',
		}),
	);
}

export default async function runs(ctx) {
	ctx.title('Runs');
	const q = ctx.query;
	const current = Object.fromEntries(FILTERS.map((f) => [f, q.get(f) || '']));
	const repos = (await get('/repos?limit=200', { signal: ctx.signal }))?.items || [];

	const form = h(
		'form',
		{
			class: 'filters',
			role: 'search',
			'aria-label': 'Filter runs',
			id: 'run-filters',
		},
		select(
			'repo',
			'Repository',
			repos.map((r) => [r.full_name, r.full_name]),
			current.repo,
			'All repositories',
		),
		select(
			'kind',
			'Kind',
			KINDS.map((k) => [
				k,
				k === 'pr'
					? 'Pull request'
					: k === 'main'
						? 'Default branch'
						: k[0].toUpperCase() + k.slice(1),
			]),
			current.kind,
		),
		input('branch', 'Branch', current.branch, 'main'),
		select('status', 'Status', STATUSES, current.status),
		select('conclusion', 'Result', CONCLUSIONS, current.conclusion),
		input('workflow', 'Workflow', current.workflow, 'deploy'),
		h(
			'div',
			{ class: 'field' },
			h('span', { class: 'field-label', 'aria-hidden': 'true' }, '\u00a0'),
			h('button', { type: 'button', class: 'btn', id: 'clear-filters' }, 'Clear'),
		),
	);
	const count = h('p', { class: 'hint', role: 'status', id: 'runs-count' });
	const list = h('div', { id: 'runs-list' }, loading());
	const more = h('div', { class: 'row' });

	ctx.main.append(
		pageHead({
			title: 'Runs',
			sub: 'Every pipeline run shiplog has heard of, newest first. Re-runs are attempts of the same run.',
		}),
		form,
		count,
		list,
		more,
	);

	let items = [];
	let next = null;
	function filters() {
		const f = {};
		for (const name of FILTERS) {
			const el = form.elements.namedItem(name);
			const v = el ? el.value.trim() : current[name];
			if (v) f[name] = v;
		}
		return f;
	}
	function draw() {
		list.replaceChildren(
			table(runRows(), items, {
				caption: 'Pipeline runs',
				id: 'runs-table',
				empty: 'No runs match these filters.',
			}),
		);
		list.querySelector('table')?.classList.add('cards');
		more.replaceChildren(
			next
				? h('button', { type: 'button', class: 'btn', onclick: loadMore }, 'Show more runs')
				: '',
		);
		const n = items.length;
		count.textContent =
			n === 0 ? 'No runs match.' : `Showing ${n}${next ? '+' : ''} run${n === 1 ? '' : 's'}.`;
	}
	const refresh = refreshable(list, async () => {
		const f = filters();
		if (f.pr && !f.repo) delete f.pr;
		const page = await get(`/runs${query({ ...f, limit: 50 })}`, {
			signal: ctx.signal,
		});
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
	function apply() {
		const f = filters();
		history.replaceState(null, '', `/runs${query(f)}`);
		refresh().catch(() => {});
	}
	let typing = null;
	form.addEventListener('change', apply);
	form.addEventListener('input', (ev) => {
		if (ev.target.tagName !== 'INPUT') return;
		clearTimeout(typing);
		typing = setTimeout(apply, 450);
	});
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		apply();
	});
	form.querySelector('#clear-filters').addEventListener('click', () => {
		for (const el of form.elements) if (el.name) el.value = '';
		current.sha = current.pr = '';
		apply();
	});
	await refresh();
	ctx.live(['run.updated'], () => refresh().catch(() => {}), { delay: 800 });
}
