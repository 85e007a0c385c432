// rc_actions.js — what a release manager (release or admin scope) does with release candidates
// in the dashboard: cut one (from a green commit of the default branch, with the proposed
// version), move it (start testing, approve, reject, mark released, supersede) and override
// its readiness. Every action asks for confirmation in a modal <dialog> (keyboard: Tab,
// Enter, Escape; focus goes into it and comes back), carries the state the person saw
// (`expected_state`) and shows the server's answer: a 409 not-ready lists the gates, a 409
// state-changed says what the state is now, a 403 names the scope that is needed.
// The server decides; this only leaves out what it would refuse.
import { h } from '../dom.js';
import { get, getAll, request } from '../api.js';
import { session, announce, navigate } from '../app.js';
import { capitalise } from '../format.js';
import { gatePill, timeEl } from '../ui.js';

export function mayRelease(s = session()) {
	const scopes = s?.scopes || [];
	return scopes.includes('release') || scopes.includes('admin');
}

// The manual transitions, by target state: the button and the dialog's words.
const MOVES = {
	testing: { label: 'Start testing', verb: 'start testing', tone: '' },
	approved: { label: 'Approve', verb: 'approve', tone: 'btn-primary' },
	released: { label: 'Mark released', verb: 'mark as released', tone: 'btn-primary' },
	rejected: { label: 'Reject…', verb: 'reject', tone: 'btn-danger', reason: 'required' },
	superseded: { label: 'Supersede', verb: 'supersede', tone: '' },
	draft: { label: 'Back to draft', verb: 'move back to draft', tone: '' },
};
const REASON_MAX = 500;

// A gate as the readiness answer ({gate, title, status, reason}) or a not-ready problem
// ({name, status, reason}) gives it.
function gateItem(g) {
	return h(
		'li',
		{ 'data-gate': g.name || g.gate },
		gatePill(g.status),
		' ',
		h('strong', {}, g.title || g.name || g.gate),
		g.reason ? h('span', { class: 'muted' }, ` — ${g.reason}`) : null,
	);
}

export function gateList(gates, attrs = {}) {
	return h('ul', { class: 'gate-list', ...attrs }, (gates || []).map(gateItem));
}

// A modal dialog: `body` (nodes), `fields` ({pointer: input}) whose refusals are shown beside
// them, `confirm` (the button's words), `submit(dialog)` → true to close. Focus goes to the
// first field (else the confirm button) and back to `from` (or dialog.returnTo) when it closes.
function openDialog({ id, title, body, confirm, danger = false, submit, from }) {
	document.getElementById(id)?.remove();
	const error = h('div', { class: 'dialog-error', id: `${id}-error`, role: 'alert' });
	const ok = h(
		'button',
		{
			type: 'submit',
			class: ['btn', danger ? 'btn-danger' : 'btn-primary'],
			'data-confirm': '',
		},
		confirm,
	);
	const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel' }, 'Cancel');
	const dialog = h(
		'dialog',
		{
			class: 'dialog',
			id,
			'aria-labelledby': `${id}-title`,
			'aria-describedby': `${id}-error`,
		},
		h(
			'form',
			{
				class: 'dialog-form',
				novalidate: true,
				onsubmit: async (e) => {
					e.preventDefault();
					if (ok.disabled) return;
					ok.disabled = cancel.disabled = true;
					error.replaceChildren();
					try {
						if (await submit(dialog, error)) dialog.close();
					} finally {
						ok.disabled = cancel.disabled = false;
					}
				},
			},
			h('h2', { id: `${id}-title` }, title),
			body,
			error,
			h('div', { class: 'dialog-buttons' }, cancel, ok),
		),
	);
	cancel.addEventListener('click', () => dialog.close());
	dialog.addEventListener('close', () => {
		dialog.remove();
		const back = dialog.returnTo || (typeof from === 'function' ? from() : from);
		if (back?.isConnected) back.focus();
	});
	document.body.append(dialog);
	dialog.showModal();
	(dialog.querySelector('input:not([type=hidden]), textarea, select') || ok).focus();
	return dialog;
}

// A text field with its label, limit and the place for the server's refusal.
function reasonField(id, label, { required, max = REASON_MAX, value = '' } = {}) {
	const input = h('textarea', {
		id,
		name: id,
		rows: '3',
		maxlength: String(max),
		required: required ? true : null,
		'aria-required': required ? 'true' : null,
		'aria-describedby': `${id}-hint ${id}-error`,
		value,
	});
	const wrap = h(
		'div',
		{ class: 'field' },
		h(
			'label',
			{ for: id },
			label,
			' ',
			h('span', { class: 'muted' }, required ? '(required)' : '(optional)'),
		),
		input,
		h('p', { class: 'hint', id: `${id}-hint` }, `At most ${max} characters.`),
		h('p', { class: 'field-error', id: `${id}-error` }),
	);
	return { input, wrap };
}

function fieldProblem(input, message) {
	input.setAttribute('aria-invalid', 'true');
	document
		.getElementById(`${input.id}-error`)
		.replaceChildren(h('span', { 'aria-hidden': 'true' }, '✕'), capitalise(message));
	input.focus();
}

function clearField(input) {
	input.removeAttribute('aria-invalid');
	document.getElementById(`${input.id}-error`)?.replaceChildren();
}

// What a refusal says, in the dialog: the gates of a not-ready, the scope of a 403.
function problemView(e, { onOverride } = {}) {
	const type = e.problem?.type || '';
	if (e.status === 409 && type.endsWith('/not-ready')) {
		return h(
			'div',
			{ class: 'callout callout-bad', 'data-problem': 'not-ready' },
			h(
				'p',
				{},
				h('strong', {}, 'Not ready. '),
				'Nothing changed. These gates are not passing:',
			),
			gateList(e.problem.gates, { 'aria-label': 'Gates not passing' }),
			onOverride
				? h(
						'p',
						{},
						h(
							'button',
							{
								type: 'button',
								class: 'btn',
								'data-action': 'override',
								onclick: onOverride,
							},
							'Override readiness…',
						),
					)
				: null,
		);
	}
	if (e.status === 403) {
		return h(
			'div',
			{ class: 'callout callout-bad', 'data-problem': 'not-permitted' },
			h('p', {}, h('strong', {}, 'Not permitted. '), e.message),
		);
	}
	return h(
		'div',
		{ class: 'callout callout-bad', 'data-problem': type.split('/').pop() || String(e.status) },
		h('p', {}, e.message),
	);
}

function isStateChanged(e) {
	return e?.status === 409 && (e.problem?.type || '').endsWith('/state-changed');
}

// The answer to a state change, on the page (`result`, a status region): success, or the
// state the RC has moved to meanwhile (then the page is refreshed).
function say(result, tone, ...text) {
	result.replaceChildren(
		h('div', { class: `callout callout-${tone}`, tabindex: '-1' }, h('p', {}, ...text)),
	);
}

function stateChanged(e, ctx, dialog) {
	const now = e.problem?.state;
	say(
		ctx.result,
		'warn',
		h('strong', {}, 'The state changed meanwhile. '),
		now ? `${ctx.cand.version} is ${now} now` : e.message,
		now ? ' — the page shows it; nothing was changed by you.' : '',
	);
	dialog.returnTo = ctx.result.firstChild;
	dialog.close();
	ctx.refresh();
}

// One transition: confirm, PATCH with expected_state, show the answer.
// ctx: {cand, result, refresh(), focusAfter() -> element, readiness() -> answer or null}
export function moveDialog(to, ctx, from) {
	const cand = ctx.cand;
	const seen = cand.state; // the state the person saw when asking
	const move = MOVES[to] || { label: to, verb: `move to ${to}` };
	const label = to === 'testing' && seen === 'approved' ? 'Back to testing' : move.label;
	const reason = reasonField(
		'rc-move-reason',
		to === 'rejected' ? 'Why is it rejected?' : 'Reason',
		{ required: move.reason === 'required' },
	);
	const mayOverride = (to === 'approved' || to === 'released') && mayRelease();
	openDialog({
		id: 'rc-move',
		title: `${label.replace('…', '')} ${cand.version}?`,
		from,
		danger: to === 'rejected',
		confirm: label.replace('…', ''),
		body: [
			h(
				'p',
				{},
				`${cand.version} is ${seen}. You are about to ${move.verb} it`,
				to === 'rejected' ? ': feedback closes and it cannot be released.' : '.',
			),
			reason.wrap,
		],
		submit: async (dialog, error) => {
			clearField(reason.input);
			const text = reason.input.value.trim();
			if (move.reason === 'required' && !text) {
				fieldProblem(reason.input, 'say why, for its history');
				return false;
			}
			const body = { state: to, expected_state: seen };
			if (text) body.reason = text;
			try {
				await request(`/release-candidates/${cand.id}`, { method: 'PATCH', body });
			} catch (e) {
				if (isStateChanged(e)) {
					stateChanged(e, ctx, dialog);
					return false;
				}
				if (e.fieldError?.('/reason')) {
					fieldProblem(reason.input, e.fieldError('/reason'));
					return false;
				}
				error.replaceChildren(
					problemView(e, {
						onOverride: mayOverride
							? () => {
									dialog.close();
									overrideDialog(ctx, from, to, e.problem?.gates);
								}
							: null,
					}),
				);
				error.querySelector('button')?.focus();
				return false;
			}
			say(ctx.result, 'ok', `${cand.version} is ${to} now.`);
			announce(`${cand.version} is ${to} now.`);
			await ctx.refresh();
			dialog.returnTo = ctx.result.firstChild;
			return true;
		},
	});
}

// Override: approve or release an RC that is not ready, with a reason (recorded, shown on the
// page and in its history). Lists what is failing now.
export async function overrideDialog(ctx, from, preferred, knownGates) {
	const cand = ctx.cand;
	const seen = cand.state;
	const targets = ['approved', 'released'].filter((s) => cand.allowed_transitions.includes(s));
	if (!targets.length) return;
	let gates = knownGates;
	if (!gates) {
		const r = await get(`/release-candidates/${cand.id}/readiness`).catch(() => null);
		gates = (r?.gates || []).filter((g) => g.status !== 'passed');
	}
	const reason = reasonField('rc-override-reason', 'Why release it anyway?', { required: true });
	const pick = targets.length > 1 ? targets.includes(preferred) : false;
	const choice = h(
		'fieldset',
		{ class: 'choice' },
		h('legend', { class: 'field-label' }, 'Override to'),
		targets.map((s, i) =>
			h(
				'label',
				{ class: 'choice-item' },
				h('input', {
					type: 'radio',
					name: 'rc-override-to',
					value: s,
					checked: pick ? s === preferred : i === 0,
				}),
				` ${s === 'approved' ? 'Approve' : 'Mark released'}`,
			),
		),
	);
	openDialog({
		id: 'rc-override',
		title: `Override readiness of ${cand.version}?`,
		from,
		danger: true,
		confirm: 'Override',
		body: [
			h(
				'p',
				{},
				`${cand.version} is ${seen} and not ready. An override is recorded with your name, the gates below and your reason, shown on this page and in its history, and notified.`,
			),
			gates.length
				? [
						h('p', { class: 'field-label' }, 'Not passing now'),
						gateList(gates, {
							'aria-label': 'Gates not passing',
							id: 'override-gates',
						}),
					]
				: h('p', { class: 'muted' }, 'Every gate passes now.'),
			targets.length > 1 ? choice : null,
			reason.wrap,
		],
		submit: async (dialog, error) => {
			clearField(reason.input);
			const text = reason.input.value.trim();
			if (!text) {
				fieldProblem(reason.input, 'required: say why it ships anyway');
				return false;
			}
			const to =
				dialog.querySelector('input[name="rc-override-to"]:checked')?.value || targets[0];
			try {
				await request(`/release-candidates/${cand.id}`, {
					method: 'PATCH',
					body: { state: to, expected_state: seen, override_reason: text },
				});
			} catch (e) {
				if (isStateChanged(e)) {
					stateChanged(e, ctx, dialog);
					return false;
				}
				const at = e.fieldError?.('/override_reason');
				if (at) {
					fieldProblem(reason.input, at);
					return false;
				}
				error.replaceChildren(problemView(e));
				return false;
			}
			say(ctx.result, 'warn', `${cand.version} is ${to} now, readiness overridden.`);
			announce(`${cand.version} is ${to} now, readiness overridden.`);
			await ctx.refresh();
			dialog.returnTo = ctx.result.firstChild;
			return true;
		},
	});
}

// The buttons of the transitions the RC allows now (and Override when it is not ready).
export function moveButtons(ctx, readiness) {
	const cand = ctx.cand;
	const out = cand.allowed_transitions.map((to) => {
		const m = MOVES[to] || { label: to, tone: '' };
		const label = to === 'testing' && cand.state === 'approved' ? 'Back to testing' : m.label;
		const b = h(
			'button',
			{
				type: 'button',
				class: ['btn', m.tone],
				'data-action': to,
				onclick: () => moveDialog(to, ctx, () => ctx.focusAfter(to)),
			},
			label,
		);
		return b;
	});
	const notReady = readiness && readiness.verdict !== 'ready';
	if (
		notReady &&
		(cand.allowed_transitions.includes('approved') ||
			cand.allowed_transitions.includes('released'))
	)
		out.push(
			h(
				'button',
				{
					type: 'button',
					class: 'btn',
					'data-action': 'override',
					onclick: () => overrideDialog(ctx, () => ctx.focusAfter('override')),
				},
				'Override readiness…',
			),
		);
	return out;
}

// ---- cutting a release candidate ----

function commitChoice(c, i) {
	return h(
		'label',
		{ class: 'choice-item commit-choice' },
		h('input', {
			type: 'radio',
			name: 'rc-cut-commit',
			value: c.sha,
			checked: i === 0,
			'data-sha': c.sha,
		}),
		h(
			'span',
			{ class: 'cell-title' },
			h(
				'span',
				{},
				h('code', { class: 'sha' }, c.sha.slice(0, 7)),
				' ',
				c.title || '(no message known)',
			),
			h(
				'span',
				{ class: 'cell-sub' },
				i === 0 ? 'newest green · ' : '',
				c.author ? `${c.author} · ` : '',
				timeEl(c.committed_at || c.pushed_at),
				c.release_candidate ? ` · already ${c.release_candidate.version}` : '',
			),
		),
	);
}

// The dialog that cuts an RC. `repo`: the repository to start with (else the first).
export async function cutDialog({ repo, from } = {}) {
	const repos = (await getAll('/repos?limit=100', { max: 200 })).map((r) => r.full_name);
	// by default the repository of the newest RC
	if (!repo) repo = (await get('/release-candidates?limit=1')).items[0]?.repository;
	if (repo && !repos.includes(repo)) repos.unshift(repo);
	const select = h(
		'select',
		{ id: 'rc-cut-repo', name: 'repository' },
		repos.map((r) => h('option', { value: r, selected: r === repo }, r)),
	);
	const version = h('input', {
		type: 'text',
		id: 'rc-cut-version',
		name: 'version',
		maxlength: '128',
		autocomplete: 'off',
		spellcheck: 'false',
		'aria-describedby': 'rc-cut-version-hint rc-cut-version-error',
	});
	const hint = h('p', { class: 'hint', id: 'rc-cut-version-hint' });
	const commits = h('div', { id: 'rc-cut-commits' });
	let proposal = null;
	async function load() {
		commits.replaceChildren(h('p', { class: 'muted' }, 'Looking for green commits…'));
		proposal = await get(
			`/release-candidates/proposal?repo=${encodeURIComponent(select.value)}`,
		);
		version.value = proposal.version || '';
		hint.replaceChildren(
			proposal.previous_release
				? `Proposed from the previous release ${proposal.previous_release} and the pattern ${proposal.rc_pattern}.`
				: `Nothing released yet; proposed from the pattern ${proposal.rc_pattern}.`,
		);
		commits.replaceChildren(
			proposal.candidates.length
				? h(
						'fieldset',
						{ class: 'choice' },
						h(
							'legend',
							{ class: 'field-label' },
							`Commit (green on ${proposal.default_branch})`,
						),
						proposal.candidates.map(commitChoice),
					)
				: h(
						'p',
						{ class: 'callout callout-warn', id: 'rc-cut-none' },
						`No green commit on ${proposal.default_branch} yet: nothing to cut from.`,
					),
		);
	}
	select.addEventListener('change', () =>
		load().catch((e) => {
			version.value = '';
			commits.replaceChildren(problemView(e));
		}),
	);
	await load();
	openDialog({
		id: 'rc-cut',
		title: 'Cut a release candidate',
		from,
		confirm: 'Cut',
		body: [
			h('div', { class: 'field' }, h('label', { for: 'rc-cut-repo' }, 'Repository'), select),
			commits,
			h(
				'div',
				{ class: 'field' },
				h('label', { for: 'rc-cut-version' }, 'Version'),
				version,
				hint,
				h('p', { class: 'field-error', id: 'rc-cut-version-error' }),
			),
		],
		submit: async (dialog, error) => {
			clearField(version);
			const sha = dialog.querySelector('input[name="rc-cut-commit"]:checked')?.value;
			if (!sha) {
				error.replaceChildren(
					h('p', { class: 'callout callout-bad' }, 'Pick a green commit.'),
				);
				return false;
			}
			if (!version.value.trim()) {
				fieldProblem(version, 'required, e.g. v0.38.0-rc.1');
				return false;
			}
			let rc;
			try {
				rc = await request('/release-candidates', {
					method: 'POST',
					body: { version: version.value.trim(), repository: select.value, commit: sha },
				});
			} catch (e) {
				if (e.fieldError?.('/version')) fieldProblem(version, e.fieldError('/version'));
				else error.replaceChildren(problemView(e));
				return false;
			}
			dialog.close();
			announce(`${rc.version} cut.`);
			navigate(`/release-candidates/${rc.id}`);
			return true;
		},
	});
}

// "Cut a release candidate…" for those who may, else nothing.
export function cutButton(repo, label = 'Cut a release candidate…') {
	if (!mayRelease()) return null;
	const b = h(
		'button',
		{
			type: 'button',
			class: 'btn',
			id: 'rc-cut-open',
			'data-action': 'cut',
			onclick: () =>
				cutDialog({ repo, from: b }).catch((e) => console.warn('shiplog: cut', e)),
		},
		label,
	);
	return b;
}

// The overrides of an RC and a release without readiness, as callouts.
export function overrideNotices(cand) {
	const out = [];
	for (const o of cand.overrides || []) {
		out.push(
			h(
				'div',
				{ class: 'callout callout-warn override', 'data-override': o.to_state },
				h(
					'p',
					{},
					h('strong', {}, 'Readiness overridden: '),
					`${o.from_state} → ${o.to_state} by ${o.actor} `,
					timeEl(o.at),
					'. ',
					h('span', { class: 'override-reason' }, `“${o.reason}”`),
				),
				o.gates?.length
					? gateList(o.gates, { 'aria-label': 'Gates not passing then' })
					: null,
			),
		);
	}
	const rwr = cand.released_without_readiness;
	if (rwr)
		out.push(
			h(
				'div',
				{ class: 'callout callout-bad', id: 'released-without-readiness' },
				h(
					'p',
					{},
					h('strong', {}, 'Released without readiness '),
					timeEl(rwr.at),
					': these gates were not passing.',
				),
				gateList(rwr.gates, { 'aria-label': 'Gates not passing at the release' }),
			),
		);
	return out;
}
