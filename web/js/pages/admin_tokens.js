// Admin: API tokens. The list (never the values), a form to create one (its value shown once,
// with a copy button), and revoking (after a confirmation).
import { h } from '../dom.js';
import { get, post, request } from '../api.js';
import { timeEl, table, pageHead, section, loading, errorBox, pill } from '../ui.js';
import {
	requireAdmin,
	adminNav,
	confirmDialog,
	focusResult,
	markFieldErrors,
	focusAfterMore,
} from './admin_common.js';

const SCOPES = [
	['read', 'read — see everything in the dashboard and the API'],
	['ci', 'ci — report runs, artifacts and deployments; cut and move release candidates'],
	['feedback', 'feedback — give feedback on release candidates'],
	['release', 'release — run releases: move candidates, override gates, triage feedback'],
	['admin', 'admin — everything, including tokens, deliveries and the outbox'],
];

function textField(id, label, attrs, hint) {
	const input = h('input', {
		id,
		name: id.replace(/^token-/, ''),
		type: 'text',
		autocomplete: 'off',
		spellcheck: 'false',
		'aria-describedby': `${hint ? `${id}-hint ` : ''}${id}-error`,
		...attrs,
	});
	return {
		input,
		el: h(
			'div',
			{ class: 'field' },
			h('label', { for: id }, label),
			hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
			input,
			h('p', { class: 'field-error', id: `${id}-error` }),
		),
	};
}

export default async function adminTokens(ctx) {
	if (!requireAdmin(ctx, 'API tokens are')) return;
	ctx.title('API tokens');
	const status = h('p', { class: 'hint', role: 'status', id: 'tokens-status' });
	const listBox = h('div', { id: 'tokens-list' }, loading());
	const more = h('div', { class: 'row' });
	const shownBox = h('div', { id: 'token-created' });

	// --- the form ---
	const name = textField('token-name', 'Name', { maxlength: 100, required: true }, null);
	const owner = textField(
		'token-owner',
		'Owner',
		{ maxlength: 200, required: true, placeholder: 'ci@example.com' },
		'The person (e-mail) or service the token acts for.',
	);
	const scopeBoxes = SCOPES.map(([value, label]) =>
		h(
			'label',
			{ class: 'check' },
			h('input', { type: 'checkbox', name: 'scopes', value, id: `token-scope-${value}` }),
			' ',
			label,
		),
	);
	const scopesError = h('p', { class: 'field-error', id: 'token-scopes-error' });
	const scopesSet = h(
		'fieldset',
		{ class: 'field scopes', id: 'token-scopes', 'aria-describedby': 'token-scopes-error' },
		h('legend', { class: 'field-label' }, 'Scopes'),
		scopeBoxes,
		scopesError,
	);
	const formError = h('div', { id: 'token-form-error' });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token');
	const form = h(
		'form',
		{ class: 'admin-form', id: 'token-form', novalidate: true },
		name.el,
		owner.el,
		scopesSet,
		formError,
		h('div', { class: 'row' }, submit),
	);

	ctx.main.append(
		adminNav('tokens'),
		pageHead({
			eyebrow: 'Administration',
			title: 'API tokens',
			sub: 'Tokens for CI systems and people. shiplog stores only a hash of each: a token is shown once, when it is made.',
		}),
		shownBox,
		section('Create a token', form, { id: 'create-token', className: 'admin-panel' }),
		section('Tokens', [status, listBox, more], { id: 'token-list', className: 'admin-panel' }),
	);

	let items = [];
	let next = null;

	function row(t) {
		return t.revoked_at
			? h('span', {}, pill('muted', '⊘', 'revoked'), ' ', timeEl(t.revoked_at))
			: pill('ok', '✓', 'active');
	}
	function draw() {
		listBox.replaceChildren(
			table(
				[
					{
						label: 'Name',
						cell: (t) => h('span', { class: 'token-name' }, t.name),
					},
					{ label: 'Owner', cell: (t) => t.owner },
					{
						label: 'Scopes',
						cell: (t) => t.scopes.map((s) => h('span', { class: 'tag' }, s)),
					},
					{
						label: 'Created',
						class: 'nowrap',
						cell: (t) =>
							h(
								'span',
								{},
								timeEl(t.created_at),
								h('span', { class: 'cell-sub' }, ` by ${t.created_by}`),
							),
					},
					{ label: 'Last used', class: 'nowrap', cell: (t) => timeEl(t.last_used_at) },
					{ label: 'State', class: 'nowrap', cell: row },
					{
						label: 'Actions',
						cell: (t) =>
							t.revoked_at
								? ''
								: h(
										'button',
										{
											type: 'button',
											class: 'btn btn-small',
											dataset: { revoke: String(t.id) },
											'aria-label': `Revoke ${t.name} (token ${t.id})`,
											onclick: () => revoke(t),
										},
										'Revoke',
									),
					},
				],
				items,
				{
					caption: 'API tokens',
					id: 'tokens-table',
					empty: 'No tokens yet.',
					rowClass: (t) => (t.revoked_at ? 'revoked' : null),
				},
			),
		);
		listBox.querySelector('table')?.classList.add('cards');
		more.replaceChildren(
			next
				? h('button', { type: 'button', class: 'btn', onclick: loadMore }, 'Show more')
				: '',
		);
	}
	async function load() {
		try {
			const page = await get('/tokens?limit=50', { signal: ctx.signal });
			items = page?.items || [];
			next = page?.next || null;
			draw();
		} catch (e) {
			if (e?.name === 'AbortError') return;
			if (e?.status === 401 || e?.status === 503 || e?.status === 0) throw e;
			listBox.replaceChildren(errorBox(e, () => load()));
		}
	}
	async function loadMore() {
		const page = await get(next, { signal: ctx.signal });
		items = items.concat(page?.items || []);
		next = page?.next || null;
		draw();
		focusAfterMore(listBox, more);
	}

	async function revoke(t) {
		const ok = await confirmDialog({
			title: `Revoke “${t.name}”?`,
			body: h(
				'p',
				{},
				`Whoever uses this token (${t.owner}) is refused from now on, and its browser sessions end. This cannot be undone.`,
			),
			confirm: 'Revoke token',
			danger: true,
		});
		if (!ok) return;
		let said, tone;
		try {
			await request(`/tokens/${t.id}`, { method: 'DELETE' });
			[said, tone] = [`Revoked “${t.name}”.`, 'hint'];
		} catch (e) {
			if (e?.status === 401) throw e;
			[said, tone] = [`Could not revoke “${t.name}”: ${e.message}`, 'field-error'];
		}
		await load();
		// said once the list shows it, and focused at once: the row's button is gone
		status.replaceChildren(said);
		status.className = tone;
		focusResult(status);
	}

	function showCreated(t) {
		const value = h('input', {
			id: 'token-value',
			type: 'text',
			readonly: true,
			value: t.token,
			class: 'token-value mono',
			'aria-describedby': 'token-warning',
			spellcheck: 'false',
		});
		const copied = h('p', { class: 'hint', role: 'status', id: 'token-copied' });
		const copy = h(
			'button',
			{ type: 'button', class: 'btn btn-primary', id: 'token-copy' },
			'Copy',
		);
		copy.addEventListener('click', async () => {
			value.focus();
			value.select();
			try {
				await navigator.clipboard.writeText(t.token);
				copied.textContent = 'Copied to the clipboard.';
			} catch {
				// no clipboard (permissions, plain http): the text is selected instead
				copied.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.';
			}
		});
		const heading = h('h2', { id: 'token-created-title' }, `Token “${t.name}” created`);
		shownBox.replaceChildren(
			h(
				'section',
				{
					class: 'callout callout-warn token-once',
					'aria-labelledby': 'token-created-title',
				},
				heading,
				h(
					'p',
					{ id: 'token-warning' },
					h('strong', {}, 'Copy it now: it will not be shown again. '),
					`shiplog keeps only its hash. Scopes: ${t.scopes.join(', ')}; owner ${t.owner}.`,
				),
				h(
					'div',
					{ class: 'row token-row' },
					h('label', { for: 'token-value', class: 'visually-hidden' }, 'The new token'),
					value,
					copy,
				),
				copied,
				h(
					'p',
					{},
					h(
						'button',
						{
							type: 'button',
							class: 'btn-link',
							onclick: () => {
								shownBox.replaceChildren();
								name.input.focus();
							},
						},
						'I have copied it: hide it',
					),
				),
			),
		);
		focusResult(heading);
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const body = {
			name: name.input.value.trim(),
			owner: owner.input.value.trim(),
			scopes: scopeBoxes
				.map((l) => l.querySelector('input'))
				.filter((c) => c.checked)
				.map((c) => c.value),
		};
		formError.replaceChildren();
		submit.disabled = true;
		try {
			const t = await post('/tokens', body);
			markFieldErrors(null, { '/name': name.input, '/owner': owner.input });
			scopesError.textContent = '';
			form.reset();
			showCreated(t);
			await load();
		} catch (e) {
			if (e?.status === 401) throw e;
			const fields = markFieldErrors(e, { '/name': name.input, '/owner': owner.input });
			const scopesWhy = e.fieldError?.('/scopes');
			scopesError.textContent = scopesWhy || '';
			if (scopesWhy) scopesSet.setAttribute('aria-invalid', 'true');
			else scopesSet.removeAttribute('aria-invalid');
			if (e.fieldError?.('/name')) name.input.focus();
			else if (e.fieldError?.('/owner')) owner.input.focus();
			else if (scopesWhy) scopeBoxes[0].querySelector('input').focus();
			if (!fields && !scopesWhy) {
				const box = h(
					'div',
					{ class: 'callout callout-bad', role: 'alert' },
					h('p', {}, h('strong', {}, 'Not created. '), e.message),
				);
				formError.replaceChildren(box);
				focusResult(box);
			}
		} finally {
			submit.disabled = false;
		}
	});

	await load();
}
