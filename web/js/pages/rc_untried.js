// On the RC page: who has not tried it yet (per team whose sign-off the release needs: its
// named members and the people seen before who gave no feedback on it), "Ask for feedback"
// for release managers (a confirmation dialog, then the server's answer), and the link to
// compare it with another candidate. rc.js calls renderUntried once; it keeps itself live.
import { h } from '../dom.js';
import { get, request } from '../api.js';
import { session } from '../app.js';
import { timeEl, section, refreshable, pill } from '../ui.js';
import { plural } from '../format.js';

// May this session ask for feedback? (the server decides; this only leaves out a button it
// would refuse with 403)
export function mayAskForFeedback(s = session()) {
	const scopes = s?.scopes || [];
	return scopes.includes('release') || scopes.includes('admin');
}

function person(p) {
	return h(
		'li',
		{ class: 'untried-person', 'data-person': p.person },
		h('span', { class: 'cell-title' }, p.person),
		h(
			'span',
			{ class: 'cell-sub' },
			p.seen
				? [`last gave feedback on ${p.seen.version} `, timeEl(p.seen.given_at)]
				: p.named
					? 'named in the team, no feedback yet'
					: '',
		),
	);
}

function teamView(t) {
	const need = `needs ${plural(t.min, 'approval')}`;
	return h(
		'div',
		{ class: 'untried-team', 'data-team': t.team },
		h(
			'h3',
			{},
			`${t.team} `,
			h('span', { class: 'muted' }, `· ${need} · ${t.untried.length} not tried`),
		),
		t.untried.length
			? h('ul', { class: 'change-list untried-list' }, t.untried.map(person))
			: h('p', { class: 'empty' }, 'Everyone we know of has tried it.'),
		t.tried.length
			? h(
					'p',
					{ class: 'hint untried-tried' },
					'Tried: ',
					t.tried.map((x, i) => [i ? ', ' : '', `${x.person} (${x.verdict})`]),
				)
			: null,
	);
}

// The confirmation dialog: which teams, a message; resolves with the server's answer or null.
function askDialog(rc, teams) {
	return new Promise((resolve) => {
		const error = h('p', { class: 'field-error', id: 'ask-error', role: 'alert' });
		const msgError = h('p', { class: 'field-error', id: 'ask-message-error' });
		const boxes = teams.map((t) =>
			h('input', {
				type: 'checkbox',
				name: 'teams',
				value: t,
				checked: true,
				id: `ask-team-${t}`,
			}),
		);
		const message = h('textarea', {
			id: 'ask-message',
			name: 'message',
			maxlength: '1000',
			rows: '3',
			'aria-describedby': 'ask-message-error',
		});
		const send = h(
			'button',
			{ type: 'submit', class: 'btn btn-primary', id: 'ask-send' },
			'Send',
		);
		const dialog = h(
			'dialog',
			{ class: 'dialog', id: 'ask-dialog', 'aria-labelledby': 'ask-title' },
			h(
				'form',
				{
					method: 'dialog',
					onsubmit: async (e) => {
						e.preventDefault();
						const body = {};
						if (teams.length)
							body.teams = boxes.filter((b) => b.checked).map((b) => b.value);
						if (message.value.trim()) body.message = message.value.trim();
						send.disabled = true;
						error.textContent = msgError.textContent = '';
						try {
							const res = await request(
								`/release-candidates/${rc.id}/feedback-requests`,
								{
									method: 'POST',
									body,
								},
							);
							dialog.close();
							resolve(res);
						} catch (err) {
							send.disabled = false;
							const why = err.fieldError?.('/message');
							if (why) {
								msgError.textContent = why;
								message.setAttribute('aria-invalid', 'true');
								message.focus();
							} else error.textContent = err.message;
						}
					},
				},
				h('h2', { id: 'ask-title' }, `Ask for feedback on ${rc.version}?`),
				h(
					'p',
					{},
					'Everyone subscribed to feedback requests is told, with what changed and the link to the feedback form.',
				),
				teams.length
					? h(
							'fieldset',
							{},
							h('legend', {}, 'Teams to ask'),
							boxes.map((b) => h('label', { class: 'row' }, b, b.value)),
						)
					: null,
				h(
					'label',
					{ for: 'ask-message' },
					'Message ',
					h('span', { class: 'muted' }, '(optional)'),
				),
				message,
				msgError,
				error,
				h(
					'div',
					{ class: 'row' },
					send,
					h(
						'button',
						{
							type: 'button',
							class: 'btn',
							id: 'ask-cancel',
							onclick: () => dialog.close(),
						},
						'Cancel',
					),
				),
			),
		);
		dialog.addEventListener('close', () => {
			dialog.remove();
			resolve(null);
		});
		document.body.append(dialog);
		dialog.showModal();
		(boxes[0] || message).focus();
	});
}

export function compareLink(rc) {
	return h(
		'a',
		{
			class: 'btn',
			id: 'compare-link',
			href: `/release-candidates/compare?head=${rc.id}`,
		},
		'Compare with…',
	);
}

// Appends the section to `after`'s parent, right after it; `rc()` gives the RC as the page
// last read it (for feedback_open and the version).
export default async function renderUntried(ctx, id, after, rc) {
	const body = h('div', {});
	const result = h('div', { id: 'ask-result', role: 'status' });
	const askBtn = h(
		'button',
		{ type: 'button', class: 'btn btn-primary', id: 'ask-feedback', hidden: true },
		'Ask for feedback…',
	);
	const sec = section('Who has not tried it yet', [result, body], {
		id: 'untried',
		actions: [compareLink({ id }), mayAskForFeedback() ? askBtn : null],
	});
	after.after(sec);
	let teams = [];
	askBtn.addEventListener('click', async () => {
		const res = await askDialog(
			rc(),
			teams.map((t) => t.team),
		);
		askBtn.focus();
		if (!res) return;
		result.replaceChildren(
			h(
				'div',
				{ class: res.notified ? 'callout callout-ok' : 'callout callout-warn' },
				h(
					'p',
					{},
					h('strong', {}, 'Feedback asked for. '),
					res.teams.length ? `Teams: ${res.teams.join(', ')}. ` : '',
					res.notified
						? `Sent to ${plural(res.notified, 'notification channel')}.`
						: 'No notification channel subscribes to feedback.requested: nobody was told.',
				),
				h(
					'p',
					{ class: 'hint' },
					res.changes,
					'. Next request possible ',
					timeEl(res.next_allowed_at),
					'.',
				),
			),
		);
	});
	const load = refreshable(body, async () => {
		const u = await get(`/release-candidates/${id}/untried`, { signal: ctx.signal });
		teams = u.teams;
		askBtn.hidden = !rc()?.feedback_open;
		if (!u.teams.length)
			return h(
				'p',
				{ class: 'empty' },
				'No team’s sign-off is required (releases.gates.approvals).',
			);
		const open = u.teams.reduce((n, t) => n + t.untried.length, 0);
		return [
			h(
				'p',
				{ class: 'row' },
				pill(
					open ? 'warn' : 'ok',
					open ? '•' : '✓',
					`${plural(open, 'person', 'people')} not tried yet`,
				),
			),
			...u.teams.map(teamView),
		];
	});
	await load();
	ctx.live(['feedback.*', 'rc.*'], () => load().catch(() => {}), { delay: 300 });
}
