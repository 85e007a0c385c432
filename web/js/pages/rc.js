// One release candidate: readiness gates with reasons, artifacts, changes grouped by label,
// the notes, all feedback with its status, its overrides — kept live. Release managers
// (release or admin scope) move it from here (rc_actions.js); nobody else sees the actions.
import { h } from '../dom.js';
import { get, request } from '../api.js';
import { session } from '../app.js';
import { capitalise } from '../format.js';
import {
	timeEl,
	shaEl,
	pageHead,
	section,
	refreshable,
	kv,
	extLink,
	labelTag,
	statePill,
	pill,
} from '../ui.js';
import { artifactList } from './envcard.js';
import * as rel from '../releases.js';
import { mayRelease, moveButtons, cutButton, overrideNotices, gateList } from './rc_actions.js';

function changesView(changes) {
	const groups = rel.changeGroups(changes);
	if (!groups.length) return h('p', { class: 'empty' }, 'No changes since the previous release.');
	return groups.map((g) =>
		h(
			'div',
			{ class: 'change-group', 'data-group': g.key },
			h('h3', {}, `${g.title} `, h('span', { class: 'muted' }, `(${g.items.length})`)),
			h(
				'ul',
				{ class: 'change-list changes' },
				g.items.map((p) =>
					h(
						'li',
						{},
						h(
							'span',
							{ class: 'pr-num' },
							p.url ? extLink(p.url, `#${p.number}`) : `#${p.number}`,
						),
						h(
							'span',
							{ class: 'change-text' },
							h('span', {}, p.title, ' '),
							p.labels.filter((l) => l !== g.key).map(labelTag),
							p.author
								? h(
										'span',
										{
											class: 'muted change-author',
										},
										p.author,
									)
								: null,
						),
					),
				),
			),
		),
	);
}

// Release notes as the server writes them: "## Heading", "- item" lines, paragraphs.
// Everything stays text; links in items become "#123" references to GitHub when known.
function markdown(md) {
	const out = [];
	let list = null;
	for (const raw of md.split('\n')) {
		const line = raw.trimEnd();
		const head = /^(#{1,4})\s+(.*)$/.exec(line);
		const item = /^\s*[-*]\s+(.*)$/.exec(line);
		if (head) {
			list = null;
			out.push(h(head[1].length <= 2 ? 'h3' : 'h4', {}, head[2]));
		} else if (item) {
			if (!list) {
				list = h('ul', {});
				out.push(list);
			}
			list.append(
				h(
					'li',
					{},
					item[1].replace(/\*\*(.+?)\*\*/g, '$1').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1'),
				),
			);
		} else if (line.trim()) {
			list = null;
			out.push(h('p', {}, line.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')));
		} else {
			list = null;
		}
	}
	// scrollable, so it can take focus and be scrolled with the keyboard
	return h(
		'div',
		{ class: 'notes', tabindex: '0', role: 'region', 'aria-label': 'Release notes' },
		out.length ? out : h('p', { class: 'empty' }, 'No notes.'),
	);
}

export default async function rc(ctx) {
	const id = ctx.params[0];
	const head = h('div', {});
	const notices = h('div', {});
	const readyBox = h('div', {});
	const fbBox = h('div', {});
	const changesBox = h('div', {});
	const summaryBox = h('div', {});
	const artBox = h('div', {});
	const notesBox = h('div', {});
	const historyBox = h('div', {});
	// release actions: the server's answers (a status region) and the buttons
	const actionResult = h('div', { id: 'rc-action-result', role: 'status' });
	const actionButtons = h('div', { class: 'row wrap', id: 'rc-action-buttons' });
	// ---- compare/untried: the "Compare with…" link goes into headExtra, the "Who has not
	// tried it yet" section into leftExtra (both rendered in place, never re-created) ----
	const headExtra = h('span', { class: 'row', id: 'rc-head-extra' });
	const leftExtra = h('div', { class: 'stack', id: 'rc-left-extra' });
	// ---- end of compare/untried ----
	const readyHead = h('span', { id: 'readiness-verdict' });
	const fbHead = h('span', {});
	ctx.main.append(
		head,
		notices,
		h(
			'div',
			{ class: 'grid-main' },
			h(
				'div',
				{ class: 'stack' },
				section(h('span', { class: 'row' }, 'Readiness', readyHead), readyBox, {
					id: 'readiness',
				}),
				section(h('span', { class: 'row' }, 'Feedback', fbHead), fbBox, {
					id: 'feedback',
					className: 'flush',
				}),
				leftExtra,
				section('What changed', changesBox, { id: 'changes' }),
			),
			h(
				'div',
				{ class: 'stack' },
				mayRelease()
					? section('Release actions', [actionResult, actionButtons], {
							id: 'rc-actions',
						})
					: null,
				section('Summary', summaryBox, { id: 'rc-summary' }),
				section('Artifacts', artBox, { id: 'rc-artifacts' }),
				section('Release notes', notesBox, {
					id: 'rc-notes',
					actions: h(
						'a',
						{
							href: `/api/v1/release-candidates/${id}/notes.md`,
							target: '_blank',
							rel: 'noopener',
						},
						'Markdown',
					),
				}),
				section('History', historyBox, { id: 'rc-history' }),
			),
		),
	);

	let cand = null;
	// The release actions of the state on the page: only those its allowed_transitions
	// lists, and Override while it is not ready. A live refresh keeps the keyboard's place.
	const actions = {
		get cand() {
			return cand;
		},
		result: actionResult,
		refresh: () => Promise.all([summary(), readiness()]),
		focusAfter(action) {
			const head = document.getElementById('rc-actions-title');
			head?.setAttribute('tabindex', '-1');
			return (
				actionButtons.querySelector(`[data-action="${action}"]`) ||
				actionResult.querySelector('[tabindex]') ||
				head
			);
		},
	};
	function renderActions() {
		if (!mayRelease() || !cand) return;
		const had = actionButtons.contains(document.activeElement)
			? document.activeElement.dataset.action
			: null;
		const buttons = moveButtons(actions, ready);
		actionButtons.replaceChildren(
			...[
				buttons.length
					? null
					: h(
							'p',
							{ class: 'muted' },
							`No change of state is possible from ${cand.state}.`,
						),
				...buttons,
				cutButton(cand.repository, 'Cut the next RC…'),
			].filter(Boolean),
		);
		if (had) actionButtons.querySelector(`[data-action="${had}"]`)?.focus();
	}
	const summary = refreshable(summaryBox, async () => {
		cand = await get(`/release-candidates/${id}`, { signal: ctx.signal });
		const v = cand.version;
		ctx.title(`${v} · Release candidates`);
		head.replaceChildren(
			pageHead({
				eyebrow: `${cand.repository} · release candidate${cand.target ? ` for ${cand.target}` : ''}`,
				title: v,
				status: rel.rcStatePill(cand),
				actions: [
					cand.feedback_open
						? h(
								'a',
								{
									class: 'btn btn-primary',
									href: `/feedback/${cand.id}`,
								},
								'Give feedback',
							)
						: null,
					cand.url ? extLink(cand.url, 'GitHub', { class: 'btn' }) : null,
					headExtra,
				],
			}),
		);
		const n = [...overrideNotices(cand)];
		if (cand.superseded_by)
			n.push(
				h(
					'div',
					{ class: 'callout callout-warn' },
					'Superseded by ',
					h(
						'a',
						{
							href: `/release-candidates/${cand.superseded_by.id}`,
						},
						cand.superseded_by.version,
					),
					'. Feedback is closed on this candidate.',
				),
			);
		if (cand.release)
			n.push(
				h(
					'div',
					{ class: 'callout callout-ok' },
					`Released as ${cand.release.version} `,
					timeEl(cand.release.released_at),
					'.',
				),
			);
		if (cand.to_recheck.length) {
			n.push(
				h(
					'div',
					{ class: 'callout callout-info', id: 'to-recheck' },
					h(
						'p',
						{},
						h('strong', {}, 'To re-check: '),
						'feedback on earlier candidates of this release that is not resolved yet.',
					),
					h(
						'ul',
						{ class: 'feedback-list' },
						cand.to_recheck.map((f) => rel.feedbackItem(f)),
					),
				),
			);
		}
		notices.replaceChildren(...n);
		artBox.replaceChildren(
			cand.artifacts.length
				? artifactList(
						cand.artifacts.map((a) => ({
							...a,
							name: a.name || '(unknown artifact)',
							version: a.version || '',
						})),
					)
				: h('p', { class: 'empty' }, 'No artifacts recorded for this commit yet.'),
		);
		historyBox.replaceChildren(
			cand.history.length
				? h(
						'ol',
						{ class: 'change-list' },
						cand.history.map((x) =>
							h(
								'li',
								{},
								statePill(
									x.to,
									x.to === 'released' || x.to === 'approved'
										? 'ok'
										: x.to === 'rejected'
											? 'bad'
											: 'muted',
									'→',
								),
								h(
									'span',
									{ class: 'cell-title' },
									h('span', {}, x.reason || x.fact || `now ${x.to}`),
									x.override
										? h(
												'span',
												{ class: 'history-override' },
												pill('warn', '!', 'readiness overridden'),
												` “${x.override.reason}”`,
												gateList(x.override.gates, {
													'aria-label': 'Gates not passing then',
												}),
											)
										: null,
									h(
										'span',
										{
											class: 'cell-sub',
										},
										x.actor ? `by ${x.actor} · ` : '',
										timeEl(x.at),
									),
								),
							),
						),
					)
				: h('p', { class: 'empty' }, 'No changes of state.'),
		);
		renderActions();
		return kv([
			['Version', h('strong', {}, v)],
			['Target release', cand.target || '—'],
			[
				'State',
				h(
					'span',
					{ class: 'row' },
					rel.rcStatePill(cand),
					cand.state_changed_at ? timeEl(cand.state_changed_at) : null,
				),
			],
			[
				'Commit',
				cand.commit
					? h(
							'span',
							{ class: 'row' },
							shaEl(cand.commit, cand.repository),
							h(
								'a',
								{
									href: `/journey?q=${encodeURIComponent(cand.commit)}&repo=${encodeURIComponent(cand.repository)}`,
								},
								'where is it?',
							),
						)
					: h('span', { class: 'muted' }, 'not known yet'),
			],
			['Cut', h('span', {}, timeEl(cand.cut_at), ` by ${cand.cut_by}`)],
			['Feedback', rel.feedbackCounts(cand)],
		]);
	});

	let ready = null; // the last readiness answer
	const readiness = refreshable(readyBox, async () => {
		const r = await get(`/release-candidates/${id}/readiness`, { signal: ctx.signal });
		ready = r;
		renderActions();
		readyHead.replaceChildren(rel.readinessPill(r));
		return [
			rel.checklist(r),
			r.evaluated_at
				? h('p', { class: 'hint' }, 'Checked ', timeEl(r.evaluated_at), '.')
				: null,
		];
	});

	// Triage, for those who may (feedback, release or admin scope): acknowledge, resolve with a
	// note, reopen. A note being written survives the live refreshes of the list.
	const scopes = session()?.scopes || [];
	const canTriage =
		scopes.includes('feedback') || scopes.includes('release') || scopes.includes('admin');
	// A piece of feedback is changed by whoever gave it, their team, a release manager
	// (release scope) or an admin (the
	// server decides, and its 403 says why; this only leaves out buttons it would refuse).
	// Verified feedback carries its giver's team.
	const same = (a, b) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
	const mayChange = (f) =>
		scopes.includes('admin') ||
		scopes.includes('release') ||
		same(session()?.subject, f.created_by) ||
		(f.verified && same(session()?.team, f.team));
	const drafts = new Map(); // feedback id -> the resolution note being written
	let focusAfter = null; // a selector of the element to focus after the next refresh
	// fields: the inputs of the body's fields, by JSON Pointer ({'/resolution': input}); a
	// field the server refuses gets its message beside it (problem.errors), the rest below
	async function setStatus(f, body, errorEl, fields = {}) {
		// one change at a time: the item's buttons wait for the answer
		const controls = [
			...(errorEl.closest('.feedback-actions')?.querySelectorAll('button') || []),
		];
		for (const b of controls) b.disabled = true;
		errorEl.textContent = '';
		for (const input of Object.values(fields)) {
			input.removeAttribute('aria-invalid');
			document.getElementById(`${input.id}-error`).textContent = '';
		}
		try {
			await request(`/feedback/${f.id}`, { method: 'PATCH', body });
			drafts.delete(f.id);
			focusAfter = `#feedback-${f.id} .feedback-actions button`;
			force = true;
			await Promise.all([feedback(), readiness(), summary()]);
		} catch (e) {
			for (const b of controls) b.disabled = false;
			const at = Object.entries(fields).filter(([pointer]) => e.fieldError?.(pointer));
			for (const [pointer, input] of at) {
				document
					.getElementById(`${input.id}-error`)
					.replaceChildren(
						h('span', { 'aria-hidden': 'true' }, '✕'),
						capitalise(e.fieldError(pointer)),
					);
				input.setAttribute('aria-invalid', 'true');
			}
			if (at.length) at[0][1].focus();
			else errorEl.textContent = e.message;
		}
	}
	function triage(f) {
		if (!canTriage || f.verdict === 'approve') return null;
		if (!mayChange(f)) {
			// say who can, rather than leave a block that seems stuck
			if (f.status === 'resolved') return null;
			const team = f.verified && f.team ? `, their team (${f.team})` : '';
			return h(
				'p',
				{ class: 'muted feedback-who-may' },
				`${f.created_by}${team}, a release manager or an admin can ${f.status === 'open' ? 'acknowledge or resolve' : 'resolve'} this.`,
			);
		}
		const status = f.status;
		const error = h('p', { class: 'field-error', role: 'alert' });
		const buttons = [];
		if (status === 'open') {
			buttons.push(
				h(
					'button',
					{
						type: 'button',
						class: 'btn',
						'data-action': 'acknowledge',
						onclick: () => setStatus(f, { status: 'acknowledged' }, error),
					},
					'Acknowledge',
				),
			);
		}
		if (status === 'resolved') {
			buttons.push(
				h(
					'button',
					{
						type: 'button',
						class: 'btn',
						'data-action': 'reopen',
						onclick: () => setStatus(f, { status: 'open' }, error),
					},
					'Reopen',
				),
			);
		} else if (drafts.has(f.id)) {
			const input = h('input', {
				type: 'text',
				id: `resolution-${f.id}`,
				name: 'resolution',
				maxlength: '2000',
				value: drafts.get(f.id),
				autocomplete: 'off',
				'aria-describedby': `resolution-${f.id}-error`,
				oninput: (e) => drafts.set(f.id, e.target.value),
			});
			const form = h(
				'form',
				{
					class: 'feedback-resolve',
					'data-feedback-id': f.id,
					onfocusout: (e) => {
						if (stale && !form.contains(e.relatedTarget))
							setTimeout(() => feedback(), 0);
					},
					onsubmit: (e) => {
						e.preventDefault();
						const note = input.value.trim();
						setStatus(
							f,
							note
								? {
										status: 'resolved',
										resolution: note,
									}
								: { status: 'resolved' },
							error,
							{ '/resolution': input },
						);
					},
				},
				h(
					'label',
					{ for: `resolution-${f.id}` },
					'How was it resolved? ',
					h('span', { class: 'muted' }, '(optional)'),
				),
				h('p', { class: 'field-error', id: `resolution-${f.id}-error` }),
				h(
					'div',
					{ class: 'row' },
					input,
					h(
						'button',
						{
							type: 'submit',
							class: 'btn btn-primary',
							'data-action': 'resolve-confirm',
						},
						'Resolve',
					),
					h(
						'button',
						{
							type: 'button',
							class: 'btn',
							onclick: () => {
								drafts.delete(f.id);
								focusAfter = `#feedback-${f.id}-resolve`;
								force = true;
								feedback();
							},
						},
						'Cancel',
					),
				),
				error,
			);
			return h(
				'div',
				{ class: 'feedback-actions' },
				buttons.length ? h('div', { class: 'row' }, buttons) : null,
				form,
			);
		} else {
			buttons.push(
				h(
					'button',
					{
						type: 'button',
						class: 'btn',
						id: `feedback-${f.id}-resolve`,
						'data-action': 'resolve',
						onclick: () => {
							drafts.set(f.id, '');
							focusAfter = `#resolution-${f.id}`;
							feedback();
						},
					},
					'Resolve…',
				),
			);
		}
		return h('div', { class: 'feedback-actions' }, h('div', { class: 'row' }, buttons), error);
	}

	const seen = new Set();
	let firstFb = true;
	let stale = false; // a refresh put off while a note is being written
	let force = false; // the refresh the form itself asks for (saved, cancelled)
	let focusing = false; // the keyboard is on its way into the list just drawn
	const feedback = refreshable(fbBox, async () => {
		if (
			!force &&
			(focusing || fbBox.querySelector('.feedback-resolve')?.contains(document.activeElement))
		) {
			stale = true; // not under the writer's fingers: once the form loses focus (or the keyboard lands)
			return undefined;
		}
		stale = force = false;
		const page = await get(`/release-candidates/${id}/feedback?limit=200`, {
			signal: ctx.signal,
		});
		const items = page.items;
		const unresolved = items.filter(
			(f) => f.verdict !== 'approve' && f.status !== 'resolved',
		).length;
		fbHead.replaceChildren(
			h(
				'span',
				{ class: 'muted' },
				`${items.length}${unresolved ? ` · ${unresolved} unresolved` : ''}`,
			),
		);
		const out = items.length
			? h(
					'ul',
					{
						class: 'feedback-list',
						id: 'feedback-list',
						'aria-live': 'polite',
						'aria-relevant': 'additions',
					},
					items.map((f) =>
						rel.feedbackItem(f, {
							fresh: !firstFb && !seen.has(f.id),
							actions: triage,
						}),
					),
				)
			: h('p', { class: 'empty', id: 'feedback-list' }, 'No feedback yet.');
		for (const f of items) seen.add(f.id);
		firstFb = false;
		// keep the keyboard where it was across the re-render
		const active = document.activeElement?.id;
		const target =
			focusAfter ||
			(active && out.querySelector(`#${CSS.escape(active)}`)
				? `#${CSS.escape(active)}`
				: null);
		focusAfter = null;
		if (target) {
			focusing = true;
			setTimeout(() => {
				// once it is in the page
				focusing = false;
				fbBox.querySelector(target)?.focus();
				// a refresh put off meanwhile, when the keyboard did not land in a note
				if (
					stale &&
					!fbBox.querySelector('.feedback-resolve')?.contains(document.activeElement)
				)
					feedback().catch(() => {});
			}, 0);
		}
		return out;
	});

	const changes = refreshable(changesBox, async () => {
		return changesView(await get(`/release-candidates/${id}/changes`, { signal: ctx.signal }));
	});
	const notes = refreshable(notesBox, async () => {
		return markdown(
			await get(`/release-candidates/${id}/notes.md`, {
				signal: ctx.signal,
				headers: { Accept: 'text/markdown' },
			}),
		);
	});

	await summary();
	await Promise.all([readiness(), feedback(), changes(), notes()]);
	// (compare helper) who has not tried it yet, "Ask for feedback…" and "Compare with…"
	const { default: renderUntried } = await import('./rc_untried.js');
	await renderUntried(ctx, id, fbBox.closest('section'), () => cand);
	const quiet = (fn) => () => fn().catch(() => {});
	ctx.live(
		['feedback.*'],
		async () => {
			await Promise.all([feedback(), readiness(), summary()]).catch(() => {});
		},
		{ delay: 200 },
	);
	ctx.live(
		['rc.*', 'tag.rc', 'release.*'],
		quiet(async () => {
			await Promise.all([summary(), readiness(), feedback()]);
		}),
		{ delay: 400 },
	);
	ctx.live(
		['run.updated', 'job.updated', 'deployment.updated', 'artifact.created'],
		quiet(async () => {
			await Promise.all([readiness(), summary()]);
		}),
		{ delay: 1000 },
	);
}
