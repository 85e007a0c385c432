// ui.js — shared pieces: status pills (colour AND icon AND text), times, SHAs, tables.
import { h } from './dom.js';
import { relative, absolute, shortSha, duration } from './format.js';

const RUN_TONES = {
	success: ['ok', '✓', 'passed'],
	failure: ['bad', '✕', 'failed'],
	timed_out: ['bad', '✕', 'timed out'],
	startup_failure: ['bad', '✕', 'failed to start'],
	cancelled: ['muted', '⊘', 'cancelled'],
	skipped: ['muted', '–', 'skipped'],
	neutral: ['muted', '–', 'neutral'],
	stale: ['muted', '–', 'stale'],
	action_required: ['warn', '!', 'action needed'],
};
const STATUS_TONES = {
	in_progress: ['run', '◐', 'running'],
	queued: ['pending', '○', 'queued'],
	waiting: ['pending', '○', 'waiting'],
	requested: ['pending', '○', 'queued'],
	pending: ['pending', '○', 'pending'],
};
const DEPLOY_TONES = {
	success: ['ok', '✓', 'deployed'],
	failure: ['bad', '✕', 'failed'],
	error: ['bad', '✕', 'error'],
	in_progress: ['run', '◐', 'deploying'],
	queued: ['pending', '○', 'queued'],
	inactive: ['muted', '–', 'inactive'],
};
// Gate.status
const GATE_TONES = {
	passed: ['ok', '✓', 'passed'],
	failed: ['bad', '✕', 'failed'],
	pending: ['pending', '○', 'pending'],
};
const VERDICT_TONES = {
	approve: ['ok', '✓', 'approve'],
	concern: ['warn', '!', 'concern'],
	block: ['bad', '✕', 'block'],
};

export function pill(tone, icon, label, extra) {
	return h(
		'span',
		{ class: ['pill', `pill-${tone}`, extra] },
		h('span', { class: 'pill-icon', 'aria-hidden': 'true' }, icon),
		label,
	);
}

export function runPill(status, conclusion) {
	const t =
		status === 'completed'
			? RUN_TONES[conclusion] || ['muted', '?', conclusion || 'done']
			: STATUS_TONES[status] || ['muted', '?', status || 'unknown'];
	return pill(...t);
}

export function runTone(status, conclusion) {
	return status === 'completed'
		? (RUN_TONES[conclusion] || ['muted'])[0]
		: (STATUS_TONES[status] || ['muted'])[0];
}

export function deployPill(status) {
	return pill(...(DEPLOY_TONES[status] || ['muted', '?', status || 'unknown']));
}

export function gatePill(state) {
	return pill(...(GATE_TONES[state] || ['muted', '?', state || 'unknown']));
}

export function verdictPill(verdict) {
	return pill(...(VERDICT_TONES[verdict] || ['muted', '?', verdict || '—']));
}

export function statePill(text, tone = 'muted', icon = '•') {
	return pill(tone, icon, text);
}

export function timeEl(t, { prefix = '' } = {}) {
	if (!t) return h('span', { class: 'muted' }, '—');
	return h(
		'time',
		{ datetime: t, title: absolute(t), class: 'rel', dataset: { prefix } },
		prefix + relative(t),
	);
}

// keeps every relative time fresh
export function tickTimes(root = document) {
	for (const el of root.querySelectorAll('time.rel')) {
		el.textContent = (el.dataset.prefix || '') + relative(el.getAttribute('datetime'));
	}
}

export function shaEl(sha, repo) {
	if (!sha) return h('span', { class: 'muted' }, '—');
	const code = h('code', { class: 'sha', title: sha }, shortSha(sha));
	if (!repo) return code;
	return h(
		'a',
		{
			href: `/journey?q=${encodeURIComponent(sha)}&repo=${encodeURIComponent(repo)}`,
			class: 'sha-link',
			title: `Where is ${shortSha(sha)}? (${sha})`,
		},
		code,
	);
}

export function extLink(url, label, attrs = {}) {
	if (!url || !/^https?:\/\//i.test(url)) return h('span', {}, label);
	return h(
		'a',
		{ href: url, rel: 'noopener noreferrer', target: '_blank', class: 'ext', ...attrs },
		label,
		h('span', { class: 'ext-icon', 'aria-hidden': 'true' }, ' ↗'),
		h('span', { class: 'visually-hidden' }, ' (opens GitHub in a new tab)'),
	);
}

export function durationEl(seconds) {
	return h('span', { class: 'num' }, duration(seconds));
}

// columns: [{label, cell(row) -> node|string, class, head class}]
export function table(columns, rows, { caption, rowClass, empty = 'Nothing here yet.', id } = {}) {
	if (!rows.length) return h('p', { class: 'empty' }, empty);
	return h(
		'div',
		{ class: 'table-wrap' },
		h(
			'table',
			{ class: 'grid', id },
			caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
			h(
				'thead',
				{},
				h(
					'tr',
					{},
					columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)),
				),
			),
			h(
				'tbody',
				{},
				rows.map((r) =>
					h(
						'tr',
						{ class: rowClass ? rowClass(r) : null },
						columns.map((c) =>
							h(
								'td',
								{
									class: c.class,
									'data-label': c.label,
								},
								c.cell(r),
							),
						),
					),
				),
			),
		),
	);
}

export function section(title, body, { id, actions, level = 2, className } = {}) {
	const head = h(`h${level}`, { id: id ? `${id}-title` : null }, title);
	return h(
		'section',
		{ class: ['panel', className], id, 'aria-labelledby': id ? `${id}-title` : null },
		h(
			'header',
			{ class: 'panel-head' },
			head,
			actions ? h('div', { class: 'panel-actions' }, actions) : null,
		),
		h('div', { class: 'panel-body' }, body),
	);
}

export function loading(label = 'Loading…') {
	return h(
		'p',
		{ class: 'loading', role: 'status' },
		h('span', { class: 'spinner', 'aria-hidden': 'true' }),
		label,
	);
}

export function errorBox(err, retry) {
	return h(
		'div',
		{ class: 'callout callout-bad', role: 'alert' },
		h('p', {}, h('strong', {}, 'Could not load this. '), err?.message || String(err)),
		retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Try again') : null,
	);
}

export function kv(pairs) {
	return h(
		'dl',
		{ class: 'kv' },
		pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
	);
}

export function repoShort(full) {
	return full ? full.split('/').pop() : '';
}

export function pageHead({ eyebrow, title, sub, actions, status } = {}) {
	return h(
		'div',
		{ class: 'page-head' },
		h(
			'div',
			{ class: 'page-title' },
			eyebrow ? h('p', { class: 'eyebrow' }, eyebrow) : null,
			h('div', { class: 'row' }, h('h1', {}, title), status || null),
			sub ? h('p', { class: 'sub' }, sub) : null,
		),
		actions ? h('div', { class: 'actions' }, actions) : null,
	);
}

export function labelTag(label) {
	const cls =
		'tag-' +
		String(label)
			.toLowerCase()
			.replace(/[^a-z]+/g, '-');
	return h('span', { class: ['tag', cls] }, label);
}

// A region that re-renders itself: section body replaced by fn()'s result.
export function refreshable(container, fn) {
	let running = null;
	let again = false;
	let first = true;
	async function run() {
		if (running) {
			again = true;
			return running;
		}
		running = (async () => {
			try {
				const node = await fn();
				if (node !== undefined) {
					container.replaceChildren(
						...(Array.isArray(node) ? node : [node]).filter(Boolean),
					);
				}
			} catch (e) {
				if (e?.name === 'AbortError') return;
				if (
					e?.status === 401 ||
					e?.status === 503 ||
					e?.status === 0 ||
					(first && e?.status === 404)
				)
					throw e;
				container.replaceChildren(errorBox(e, () => run().catch(() => {})));
			} finally {
				running = null;
				first = false;
			}
		})();
		await running;
		if (again) {
			again = false;
			await run();
		}
	}
	return run;
}

const STAGE_LABELS = {
	lint: 'Lint',
	unit: 'Unit tests',
	integration: 'Integration tests',
	build: 'Build',
	publish: 'Publish',
	e2e: 'End-to-end',
	other: 'Other',
};
export function stageLabel(stage) {
	return STAGE_LABELS[stage] || stage;
}
