// Admin: the notifications outbox. Every outbound message (Slack, webhooks, GitHub commit
// statuses) with its status, attempts, last error, times; a Retry for failed and dead ones.
import { h } from '../dom.js';
import { post } from '../api.js';
import { plural } from '../format.js';
import { timeEl, table, pageHead, loading, errorBox } from '../ui.js';
import {
	requireAdmin,
	adminNav,
	confirmDialog,
	notificationPill,
	focusResult,
	filteredList,
} from './admin_common.js';

const STATUSES = [
	['pending', 'Pending (waiting for an attempt)'],
	['in_flight', 'Sending'],
	['sent', 'Sent'],
	['dead', 'Dead (gave up)'],
	['superseded', 'Superseded'],
];
const FILTERS = ['status', 'sink'];

// a message that failed and may be sent again: dead, or pending after a failure
export function retryable(n) {
	return n.status === 'dead' || (n.status === 'pending' && Boolean(n.last_error));
}

function entityLabel(n) {
	if (!n.entity) return '';
	if (n.entity.type === 'release_candidate')
		return h(
			'a',
			{ href: `/release-candidates/${n.entity.id}` },
			`release candidate ${n.entity.id}`,
		);
	return `${n.entity.type} ${n.entity.id}`;
}

export default async function adminOutbox(ctx) {
	if (!requireAdmin(ctx, 'The notifications outbox is')) return;
	ctx.title('Notifications outbox');
	const current = Object.fromEntries(FILTERS.map((f) => [f, ctx.query.get(f) || '']));
	const controls = {
		status: h(
			'select',
			{ id: 'f-status', name: 'status', 'aria-describedby': 'f-status-error' },
			h('option', { value: '' }, 'All statuses'),
			STATUSES.map(([v, t]) => h('option', { value: v, selected: v === current.status }, t)),
		),
		sink: h('input', {
			id: 'f-sink',
			name: 'sink',
			type: 'search',
			value: current.sink,
			placeholder: 'releases',
			autocomplete: 'off',
			spellcheck: 'false',
			'aria-describedby': 'f-sink-error',
		}),
	};
	const field = (name, label) =>
		h(
			'div',
			{ class: 'field' },
			h('label', { for: `f-${name}` }, label),
			controls[name],
			h('p', { class: 'field-error', id: `f-${name}-error` }),
		);
	const form = h(
		'form',
		{
			class: 'filters',
			role: 'search',
			'aria-label': 'Filter notifications',
			id: 'outbox-filters',
		},
		field('status', 'Status'),
		field('sink', 'Sink'),
		h(
			'div',
			{ class: 'field' },
			h('span', { class: 'field-label', 'aria-hidden': 'true' }, '\u00a0'),
			h('button', { type: 'submit', class: 'btn', id: 'outbox-refresh' }, 'Refresh'),
		),
	);
	const answer = h('div', { id: 'retry-answer' });
	const count = h('p', { class: 'hint', role: 'status', id: 'outbox-count' });
	const listBox = h('div', { id: 'outbox-list' }, loading());
	const more = h('div', { class: 'row' });
	ctx.main.append(
		adminNav('outbox'),
		pageHead({
			eyebrow: 'Administration',
			title: 'Notifications outbox',
			sub: 'What shiplog sends out — Slack and webhook messages, GitHub commit statuses — newest first. A failed message is retried with backoff and, after its last attempt, dead until someone retries it.',
		}),
		form,
		answer,
		count,
		listBox,
		more,
	);

	const render = (items) =>
		table(
			[
				{ label: 'Status', class: 'nowrap', cell: notificationPill },
				{
					label: 'Message',
					class: 'nowrap',
					cell: (n) =>
						h(
							'div',
							{ class: 'cell-title' },
							h('span', { class: 'mono' }, n.kind),
							h('span', { class: 'cell-sub' }, `#${n.id} `, entityLabel(n)),
						),
				},
				{
					label: 'Sink',
					cell: (n) =>
						h('span', {}, n.sink, h('span', { class: 'cell-sub' }, ` ${n.sink_type}`)),
				},
				{
					label: 'Attempts',
					class: 'nowrap',
					cell: (n) =>
						h(
							'span',
							{ class: 'num', title: `${n.attempts_left} left` },
							`${n.attempt_count}`,
							h('span', { class: 'cell-sub' }, ` (${n.attempts_left} left)`),
						),
				},
				{
					label: 'Last error',
					class: 'cell-error',
					cell: (n) =>
						n.last_error
							? h(
									'span',
									{ class: 'delivery-error' },
									n.last_status_code ? `HTTP ${n.last_status_code}: ` : '',
									n.last_error,
								)
							: '',
				},
				{ label: 'Created', class: 'nowrap', cell: (n) => timeEl(n.created_at) },
				{
					label: 'Next attempt',
					class: 'nowrap',
					cell: (n) =>
						n.status === 'sent'
							? h('span', { class: 'muted' }, 'sent ', timeEl(n.sent_at))
							: timeEl(n.next_attempt_at),
				},
				{
					label: 'Actions',
					cell: (n) =>
						retryable(n)
							? h(
									'button',
									{
										type: 'button',
										class: 'btn btn-small',
										dataset: { retry: String(n.id) },
										'aria-label': `Retry notification ${n.id} (${n.kind} to ${n.sink})`,
										onclick: () => retry(n),
									},
									'Retry',
								)
							: '',
				},
			],
			items,
			{
				caption: 'Outbound notifications',
				id: 'outbox-table',
				empty: 'No notifications match.',
				rowClass: (n) => `outbox-${n.status}`,
			},
		);
	const { refresh } = filteredList(ctx, {
		api: '/notifications',
		url: '/admin/outbox',
		form,
		controls,
		listBox,
		more,
		count,
		nouns: ['notification', 'notifications'],
		render,
	});

	async function retry(n) {
		const ok = await confirmDialog({
			title: `Retry notification #${n.id}?`,
			body: h(
				'p',
				{},
				`shiplog sends this ${n.kind} message to ${n.sink} again now, with a fresh budget of attempts.`,
				n.last_error ? ` Its last attempt failed: ${n.last_error}` : '',
			),
			confirm: 'Retry now',
		});
		if (!ok) return;
		let box;
		try {
			const m = await post(`/notifications/${n.id}/retry`, undefined);
			box = h(
				'div',
				{ class: 'callout callout-ok', role: 'status', id: 'retry-result' },
				h(
					'p',
					{},
					h('strong', {}, `Notification #${m.id} queued again: ${m.status}. `),
					`${plural(m.attempts_left, 'attempt')} left; attempts so far: ${m.attempt_count}.`,
				),
			);
		} catch (e) {
			if (e?.status === 401) throw e;
			box = h(
				'div',
				{ class: 'callout callout-bad', role: 'alert', id: 'retry-result' },
				h('p', {}, h('strong', {}, `Notification #${n.id} not retried. `), e.message),
			);
		}
		await refresh().catch(() => {});
		answer.replaceChildren(box);
		focusResult(box);
	}

	try {
		await refresh();
	} catch (e) {
		if (e?.name === 'AbortError' || e?.status === 401 || e?.status === 503) throw e;
		listBox.replaceChildren(errorBox(e));
	}
}
