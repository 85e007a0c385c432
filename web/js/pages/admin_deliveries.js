// Admin: inbound webhook deliveries. The list, filtered by source, event, status and
// repository (in the URL), paged; one delivery with its headers, its body pretty-printed
// (large ones only on request, so the page stays responsive) and every attempt; replay.
import { h } from '../dom.js';
import { get, post } from '../api.js';
import { bytes } from '../format.js';
import { timeEl, table, pageHead, section, loading, errorBox, kv, refreshable } from '../ui.js';
import {
	requireAdmin,
	adminNav,
	confirmDialog,
	deliveryPill,
	focusResult,
	filteredList,
} from './admin_common.js';

const SOURCES = [
	['github', 'GitHub'],
	['flux', 'Flux'],
];
const STATUSES = [
	'processed',
	'ignored',
	'unmatched',
	'received',
	'failed',
	'rejected',
	'duplicate',
];
const FILTERS = ['source', 'event', 'status', 'repository'];
// bodies longer than this are shown on request: pretty-printing and laying out megabytes of
// text would hold the page for seconds
const SHOW_AT_ONCE = 200_000;

function filterField(name, label, control) {
	control.setAttribute('aria-describedby', `f-${name}-error`);
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: `f-${name}` }, label),
		control,
		h('p', { class: 'field-error', id: `f-${name}-error` }),
	);
}

function select(name, options, value, all) {
	return h(
		'select',
		{ id: `f-${name}`, name },
		h('option', { value: '' }, all),
		options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
	);
}

function eventLabel(d) {
	return d.action ? `${d.event}.${d.action}` : d.event || '—';
}

async function list(ctx) {
	ctx.title('Deliveries');
	const current = Object.fromEntries(FILTERS.map((f) => [f, ctx.query.get(f) || '']));
	const repos = (await get('/repos?limit=200', { signal: ctx.signal }))?.items || [];
	const repoNames = repos.map((r) => r.full_name);
	if (current.repository && !repoNames.includes(current.repository))
		repoNames.unshift(current.repository);
	const controls = {
		source: select('source', SOURCES, current.source, 'All sources'),
		event: h('input', {
			id: 'f-event',
			name: 'event',
			type: 'search',
			value: current.event,
			placeholder: 'push',
			autocomplete: 'off',
			spellcheck: 'false',
		}),
		status: select(
			'status',
			STATUSES.map((s) => [s, s]),
			current.status,
			'All statuses',
		),
		repository: select(
			'repository',
			repoNames.map((n) => [n, n]),
			current.repository,
			'All repositories',
		),
	};
	const form = h(
		'form',
		{
			class: 'filters',
			role: 'search',
			'aria-label': 'Filter deliveries',
			id: 'delivery-filters',
		},
		filterField('source', 'Source', controls.source),
		filterField('event', 'Event', controls.event),
		filterField('status', 'Status', controls.status),
		filterField('repository', 'Repository', controls.repository),
		h(
			'div',
			{ class: 'field' },
			h('span', { class: 'field-label', 'aria-hidden': 'true' }, '\u00a0'),
			h('button', { type: 'button', class: 'btn', id: 'clear-filters' }, 'Clear'),
		),
	);
	const count = h('p', { class: 'hint', role: 'status', id: 'deliveries-count' });
	const listBox = h('div', { id: 'deliveries-list' }, loading());
	const more = h('div', { class: 'row' });
	ctx.main.append(
		adminNav('deliveries'),
		pageHead({
			eyebrow: 'Administration',
			title: 'Deliveries',
			sub: 'Every webhook GitHub and Flux sent, as received, newest first. Open one to see its headers and body, or to process it again.',
		}),
		form,
		count,
		listBox,
		more,
	);

	const render = (items) =>
		table(
			[
				{ label: 'Status', class: 'nowrap', cell: (d) => deliveryPill(d.status) },
				{
					label: 'Delivery',
					class: 'wrap-title',
					cell: (d) =>
						h(
							'div',
							{ class: 'cell-title' },
							h('a', { href: `/admin/deliveries/${d.id}` }, eventLabel(d)),
							h(
								'span',
								{ class: 'cell-sub mono' },
								`#${d.id} · ${d.delivery_id}${d.replay_of ? ` · replay of #${d.replay_of}` : ''}`,
							),
						),
				},
				{ label: 'Source', cell: (d) => d.source },
				{
					label: 'Repository',
					cell: (d) => d.repository || h('span', { class: 'muted' }, '—'),
				},
				{ label: 'Size', class: 'right nowrap', cell: (d) => bytes(d.body_size) },
				{ label: 'Received', class: 'nowrap', cell: (d) => timeEl(d.received_at) },
				{
					label: 'Error',
					cell: (d) => (d.error ? h('span', { class: 'delivery-error' }, d.error) : ''),
				},
			],
			items,
			{
				caption: 'Deliveries',
				id: 'deliveries-table',
				empty: 'No deliveries match these filters.',
			},
		);
	const list = filteredList(ctx, {
		api: '/deliveries',
		url: '/admin/deliveries',
		form,
		controls,
		listBox,
		more,
		count,
		nouns: ['delivery', 'deliveries'],
		render,
	});
	form.querySelector('#clear-filters').addEventListener('click', () => list.clear());
	await list.refresh();
}

// The body as text for people: JSON pretty-printed, anything else as it is.
function pretty(body, encoding) {
	if (encoding !== 'utf-8') return body;
	try {
		return JSON.stringify(JSON.parse(body), null, 2);
	} catch {
		return body;
	}
}

function bodyPanel(d) {
	if (d.body === null || d.body === undefined) {
		const why =
			d.status === 'rejected'
				? 'Not kept: the sender was not authenticated, so only its size and SHA-256 were stored.'
				: d.status === 'duplicate'
					? 'Not kept: a duplicate of a delivery that had already been processed (its first attempt keeps the body).'
					: 'No longer stored: retention pruned the body; its size and SHA-256 remain.';
		return h('p', { class: 'callout callout-info', id: 'delivery-body-pruned' }, why);
	}
	const pre = h('pre', {
		class: 'code-block',
		id: 'delivery-body',
		tabindex: '0',
		'aria-label': 'Body',
	});
	const note = h('p', { class: 'hint', id: 'delivery-body-note' });
	const binary = d.body_encoding !== 'utf-8';
	if (binary) note.textContent = 'Not UTF-8 text: shown base64url-encoded.';
	function showAll() {
		pre.textContent = pretty(d.body, d.body_encoding);
		note.textContent = binary ? note.textContent : 'JSON shown pretty-printed.';
	}
	if (d.body.length <= SHOW_AT_ONCE) {
		showAll();
		return [note, pre];
	}
	pre.textContent = d.body.slice(0, SHOW_AT_ONCE);
	const button = h(
		'button',
		{ type: 'button', class: 'btn', id: 'delivery-body-all' },
		`Show all ${bytes(d.body.length)}${binary ? '' : ', pretty-printed'}`,
	);
	note.replaceChildren(
		`A large body (${bytes(d.body_size)}): showing the first ${bytes(SHOW_AT_ONCE)} as received. `,
		button,
	);
	button.addEventListener('click', () => {
		button.disabled = true;
		button.textContent = 'Formatting…';
		// let the page paint "Formatting…" before the work
		setTimeout(() => {
			showAll();
			pre.focus();
		}, 0);
	});
	return [note, pre];
}

async function detail(ctx, id) {
	ctx.title(`Delivery ${id}`);
	const d = await get(`/deliveries/${id}`, { signal: ctx.signal });
	const answer = h('div', { id: 'replay-answer' });
	const replay = h(
		'button',
		{ type: 'button', class: 'btn btn-primary', id: 'replay' },
		'Replay',
	);
	const attemptsBox = h('div', { id: 'delivery-attempts' });
	let attempts = d.attempts || [];
	let stale = false; // after a replay: read them again
	const drawAttempts = refreshable(attemptsBox, async () => {
		if (stale) attempts = (await get(`/deliveries/${id}`, { signal: ctx.signal })).attempts;
		stale = false;
		const node = table(
			[
				{
					label: 'Attempt',
					cell: (a) =>
						String(a.id) === String(id)
							? h('span', { 'aria-current': 'page' }, `#${a.id} (this one)`)
							: h('a', { href: `/admin/deliveries/${a.id}` }, `#${a.id}`),
				},
				{ label: 'Status', cell: (a) => deliveryPill(a.status) },
				{ label: 'Received', cell: (a) => timeEl(a.received_at) },
				{ label: 'Error', cell: (a) => a.error || '' },
			],
			attempts || [],
			{ caption: 'Attempts with this delivery id', id: 'attempts-table' },
		);
		node.querySelector('table')?.classList.add('cards');
		return node;
	});
	const headers = Object.entries(d.headers || {}).sort(([a], [b]) => a.localeCompare(b));
	ctx.main.append(
		adminNav('deliveries'),
		h('p', {}, h('a', { href: '/admin/deliveries' }, '← All deliveries')),
		pageHead({
			eyebrow: `Delivery #${d.id} · ${d.source}`,
			title: eventLabel(d),
			status: deliveryPill(d.status),
			sub: d.repository || null,
			actions: d.body_stored ? replay : null,
		}),
		answer,
		section(
			'Delivery',
			kv([
				['Delivery id', h('code', {}, d.delivery_id)],
				['Source', d.source],
				['Event', eventLabel(d)],
				['Repository', d.repository || '—'],
				['Received', timeEl(d.received_at)],
				['Processed', timeEl(d.processed_at)],
				['Status', deliveryPill(d.status)],
				d.error ? ['Error', h('span', { class: 'delivery-error' }, d.error)] : null,
				['Signature', d.signature],
				['Size', bytes(d.body_size)],
				['SHA-256', h('code', { class: 'digest' }, d.body_sha256)],
				d.hook_id ? ['Hook id', d.hook_id] : null,
				d.replay_of
					? [
							'Replay of',
							h('a', { href: `/admin/deliveries/${d.replay_of}` }, `#${d.replay_of}`),
						]
					: null,
			]),
			{ id: 'delivery-facts', className: 'admin-panel' },
		),
		section('Attempts', attemptsBox, {
			id: 'delivery-attempts-panel',
			className: 'admin-panel',
		}),
		section(
			'Headers',
			table(
				[
					{ label: 'Header', cell: ([k]) => h('code', {}, k) },
					{
						label: 'Value',
						cell: ([, v]) => h('span', { class: 'header-value' }, String(v)),
					},
				],
				headers,
				{
					caption: 'Headers kept with the delivery',
					id: 'headers-table',
					empty: 'No headers kept.',
				},
			),
			{ id: 'delivery-headers', className: 'admin-panel' },
		),
		section('Body', bodyPanel(d), { id: 'delivery-body-panel', className: 'admin-panel' }),
	);
	await drawAttempts();
	for (const t of ctx.main.querySelectorAll('#headers-table')) t.classList.add('cards');

	replay.addEventListener('click', async () => {
		const ok = await confirmDialog({
			title: `Replay delivery #${d.id}?`,
			body: h(
				'p',
				{},
				`shiplog processes this ${eventLabel(d)} delivery again, as if it had just arrived (the duplicate check is skipped), and records the attempt.`,
			),
			confirm: 'Replay',
		});
		if (!ok) return;
		replay.disabled = true;
		let box;
		try {
			const res = await post(`/deliveries/${d.id}/replay`, undefined);
			box = h(
				'div',
				{ class: 'callout callout-ok', role: 'status', id: 'replay-result' },
				h(
					'p',
					{},
					h('strong', {}, `Replayed: ${res.status}. `),
					res.delivery
						? [
								'Recorded as ',
								h(
									'a',
									{ href: `/admin/deliveries/${res.delivery}` },
									`delivery #${res.delivery}`,
								),
								'.',
							]
						: null,
				),
			);
		} catch (e) {
			if (e?.status === 401) throw e;
			box = h(
				'div',
				{ class: 'callout callout-bad', role: 'alert', id: 'replay-result' },
				h('p', {}, h('strong', {}, 'Not replayed. '), e.message),
			);
		} finally {
			replay.disabled = false;
		}
		answer.replaceChildren(box);
		focusResult(box);
		stale = true;
		await drawAttempts().catch(() => {});
	});
}

export default async function adminDeliveries(ctx) {
	if (!requireAdmin(ctx, 'Webhook deliveries are')) return;
	if (ctx.params[0]) return detail(ctx, ctx.params[0]);
	try {
		return await list(ctx);
	} catch (e) {
		if (e?.name === 'AbortError' || e?.status === 401 || e?.status === 503) throw e;
		ctx.main.append(errorBox(e));
	}
}
