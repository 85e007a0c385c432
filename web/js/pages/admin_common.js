// What the admin pages share: the admin check (a clear page for everyone else), the
// sub-navigation between them, a confirmation as a modal <dialog>, and the status pills of
// deliveries and notifications.
import { h } from '../dom.js';
import { get, query, ApiError } from '../api.js';
import { pill, refreshable } from '../ui.js';

export function isAdmin(session) {
	return Boolean(session?.scopes?.includes('admin'));
}

// true when the session may see the admin pages; otherwise renders the needs-admin page
// (`what`: the start of a sentence, "API tokens are").
// The API refuses these routes with 403 anyway: this page only says so before asking.
export function requireAdmin(ctx, what) {
	if (isAdmin(ctx.session)) return true;
	ctx.title('Needs the admin scope');
	const scopes = ctx.session?.scopes || [];
	ctx.main.append(
		h(
			'div',
			{ class: 'page-narrow notfound', id: 'needs-admin' },
			h('p', { class: 'big-code', 'aria-hidden': 'true' }, '403'),
			h('h1', {}, 'This page needs the admin scope'),
			h(
				'p',
				{},
				`${what} for administrators of shiplog. `,
				ctx.session?.subject
					? `You are signed in as ${ctx.session.subject} with ${
							scopes.length ? scopes.join(', ') : 'no scopes'
						}.`
					: 'You are not signed in as an administrator.',
			),
			h(
				'p',
				{ class: 'muted' },
				'Ask an administrator of shiplog if you need something done here.',
			),
			h(
				'p',
				{ class: 'row' },
				h('a', { class: 'btn btn-primary', href: '/' }, 'Go to the overview'),
			),
		),
	);
	return false;
}

const TABS = [
	['/admin/tokens', 'tokens', 'API tokens'],
	['/admin/deliveries', 'deliveries', 'Deliveries'],
	['/admin/outbox', 'outbox', 'Notifications outbox'],
];

export function adminNav(current) {
	return h(
		'nav',
		{ class: 'admin-nav', 'aria-label': 'Administration' },
		h(
			'ul',
			{},
			TABS.map(([href, key, label]) =>
				h(
					'li',
					{},
					h('a', { href, 'aria-current': key === current ? 'page' : null }, label),
				),
			),
		),
	);
}

// Asks before something that cannot be undone. Resolves true when confirmed. A modal
// <dialog>: focus starts on Cancel, Escape cancels, and focus returns to what had it.
export function confirmDialog({ title, body, confirm, danger = false }) {
	const opener = document.activeElement;
	return new Promise((resolve) => {
		const cancelBtn = h('button', { type: 'button', class: 'btn', value: 'cancel' }, 'Cancel');
		const okBtn = h(
			'button',
			{
				type: 'button',
				class: ['btn', danger ? 'btn-danger' : 'btn-primary'],
				value: 'ok',
			},
			confirm,
		);
		const dialog = h(
			'dialog',
			{
				class: 'confirm-dialog',
				'aria-labelledby': 'confirm-title',
				'aria-describedby': 'confirm-body',
			},
			h('h2', { id: 'confirm-title' }, title),
			h('div', { id: 'confirm-body' }, body),
			h('div', { class: 'row confirm-actions' }, cancelBtn, okBtn),
		);
		let answer = false;
		cancelBtn.addEventListener('click', () => dialog.close());
		okBtn.addEventListener('click', () => {
			answer = true;
			dialog.close();
		});
		dialog.addEventListener('close', () => {
			dialog.remove();
			if (opener && opener.isConnected) opener.focus();
			resolve(answer);
		});
		document.body.append(dialog);
		dialog.showModal();
		cancelBtn.focus();
	});
}

const DELIVERY_TONES = {
	processed: ['ok', '✓', 'processed'],
	ignored: ['muted', '–', 'ignored'],
	unmatched: ['muted', '–', 'unmatched'],
	duplicate: ['muted', '=', 'duplicate'],
	received: ['pending', '○', 'received'],
	failed: ['bad', '✕', 'failed'],
	rejected: ['bad', '⊘', 'rejected'],
};

export function deliveryPill(status) {
	return pill(...(DELIVERY_TONES[status] || ['muted', '?', status || 'unknown']));
}

const NOTIFICATION_TONES = {
	sent: ['ok', '✓', 'sent'],
	pending: ['pending', '○', 'pending'],
	in_flight: ['run', '◐', 'sending'],
	dead: ['bad', '✕', 'dead'],
	superseded: ['muted', '–', 'superseded'],
};

export function notificationPill(n) {
	if (n.status === 'pending' && n.last_error) return pill('warn', '!', 'failed, will retry');
	return pill(...(NOTIFICATION_TONES[n.status] || ['muted', '?', n.status || 'unknown']));
}

// A message that takes focus after an action (the result, or the server's problem).
export function focusResult(el) {
	el.setAttribute('tabindex', '-1');
	el.focus();
}

// Marks the fields named in the problem's `errors` (by parameter or JSON Pointer) and returns
// whether any was.
export function markFieldErrors(err, fields) {
	let any = false;
	for (const [key, input] of Object.entries(fields)) {
		const why = key.startsWith('/') ? err?.fieldError?.(key) : err?.parameterError?.(key);
		const out = document.getElementById(`${input.id}-error`);
		if (why) {
			input.setAttribute('aria-invalid', 'true');
			if (out) out.textContent = why;
			any = true;
		} else {
			input.removeAttribute('aria-invalid');
			if (out) out.textContent = '';
		}
	}
	return any;
}

// After "Show more": focus stays on the next "Show more", or goes to the list when it is all.
export function focusAfterMore(listBox, more) {
	const target = more.querySelector('button') || listBox.querySelector('table');
	if (!target) return;
	if (target.tagName === 'TABLE') target.setAttribute('tabindex', '-1');
	target.focus();
}

// A list filtered by `controls` (query parameter name -> its input or select), paged with
// "Show more": the filters go into the page's URL (`url`) and the API's query (`api`); typing
// waits for a pause, a choice applies at once; a filter the server refuses is marked beside
// its field. `render(items)` makes the table; `nouns`: [one, many]. Returns {refresh, clear}.
export function filteredList(
	ctx,
	{ api, url, form, controls, listBox, more, count, nouns, render },
) {
	let items = [];
	let next = null;
	const filters = () => {
		const f = {};
		for (const [name, el] of Object.entries(controls)) {
			const v = el.value.trim();
			if (v) f[name] = v;
		}
		return f;
	};
	function draw() {
		listBox.replaceChildren(render(items));
		listBox.querySelector('table')?.classList.add('cards');
		more.replaceChildren(
			next
				? h(
						'button',
						{ type: 'button', class: 'btn', onclick: loadMore },
						`Show more ${nouns[1]}`,
					)
				: '',
		);
		const n = items.length;
		count.textContent =
			n === 0
				? `No ${nouns[1]} match.`
				: `Showing ${n}${next ? '+' : ''} ${n === 1 ? nouns[0] : nouns[1]}.`;
	}
	const refresh = refreshable(listBox, async () => {
		try {
			const page = await get(`${api}${query({ ...filters(), limit: 50 })}`, {
				signal: ctx.signal,
			});
			markFieldErrors(null, controls);
			items = page?.items || [];
			next = page?.next || null;
			draw();
			return undefined;
		} catch (e) {
			if (e instanceof ApiError && e.status === 400 && markFieldErrors(e, controls)) {
				items = [];
				next = null;
				more.replaceChildren();
				count.textContent = 'Fix the filter marked above.';
				return h('p', { class: 'empty' }, 'No list: a filter was refused.');
			}
			throw e;
		}
	});
	async function loadMore() {
		if (!next) return;
		const page = await get(next, { signal: ctx.signal });
		items = items.concat(page?.items || []);
		next = page?.next || null;
		draw();
		focusAfterMore(listBox, more);
	}
	function apply() {
		history.replaceState(null, '', `${url}${query(filters())}`);
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
		clearTimeout(typing);
		apply();
	});
	return {
		refresh,
		clear() {
			for (const el of Object.values(controls)) el.value = '';
			apply();
		},
	};
}
