// The feedback form, for people who are not engineers: pick the candidate (the current one
// preselected), read what changed in plain words, give a verdict and a comment.
// Keyboard and screen-reader friendly: labels, a fieldset with a legend, errors listed in
// a summary that takes focus and next to each field, a confirmation that takes focus.
import { h } from '../dom.js';
import { get, post, ApiError } from '../api.js';
import { absolute, capitalise } from '../format.js';
import { session } from '../app.js';
import * as rel from '../releases.js';

const VERDICTS = [
	['approve', '✓', 'Approve', 'Ready for my customers.'],
	['concern', '!', 'Concern', 'Usable, but something worries me.'],
	['block', '✕', 'Block', 'Must not ship like this.'],
];
const PLAIN_GROUPS = new Set(['enhancement', 'ui', 'bug', 'uncategorised']);

function plainChanges(changes) {
	const groups = rel.changeGroups(changes);
	const main = groups.filter((g) => PLAIN_GROUPS.has(g.key));
	const behind = groups.filter((g) => !PLAIN_GROUPS.has(g.key));
	const hidden = behind.reduce((n, g) => n + g.items.length, 0);
	if (!main.length && !hidden)
		return h('p', {}, 'Nothing customers would notice changed since the last release.');
	return h(
		'div',
		{ class: 'changes-plain' },
		main.map((g) =>
			h(
				'section',
				{ 'data-group': g.key },
				h('h3', {}, g.plainTitle),
				h(
					'ul',
					{},
					g.items.map((p) => h('li', {}, p.title)),
				),
			),
		),
		hidden
			? h(
					'details',
					{},
					h(
						'summary',
						{},
						`And ${hidden} behind-the-scenes change${hidden === 1 ? '' : 's'} (tests and updates of the parts we build on)`,
					),
					behind.map((g) =>
						h(
							'ul',
							{},
							g.items.map((p) => h('li', {}, p.title)),
						),
					),
				)
			: null,
	);
}

function field(id, label, control, { hint, optional } = {}) {
	const err = h('p', { class: 'field-error', id: `${id}-error` });
	const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
	control.setAttribute('aria-describedby', describedBy);
	return h(
		'div',
		{ class: 'field', 'data-field': id },
		h(
			'label',
			{ for: id },
			label,
			optional ? h('span', { class: 'muted' }, ' (optional)') : null,
		),
		hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
		control,
		err,
	);
}

export default async function feedback(ctx) {
	ctx.title('Give feedback');
	const s = session();
	const root = h('div', { class: 'calm', id: 'feedback-page' });
	ctx.main.append(root);
	const all = await rel.listRcs(ctx.signal, 100);
	const open = all.filter(rel.isOpen).sort((a, b) => Date.parse(b.cut_at) - Date.parse(a.cut_at));
	const wanted = ctx.params[0] ? Number(ctx.params[0]) : null;
	let chosen = wanted ? all.find((r) => r.id === wanted) : rel.pickCurrent(open);
	if (wanted && !chosen) {
		chosen = await get(`/release-candidates/${wanted}`, { signal: ctx.signal });
	}
	root.append(
		h('h1', {}, 'How is the new version?'),
		h(
			'p',
			{ class: 'lead' },
			'Tell the team whether this release candidate is good for your customers. It takes a minute.',
		),
	);
	if (!chosen) {
		root.append(
			h(
				'div',
				{ class: 'card' },
				h(
					'p',
					{},
					'There is no release candidate waiting for feedback right now. We will ask when the next one is ready.',
				),
			),
		);
		return;
	}
	if (!rel.isOpen(chosen)) {
		root.append(
			h(
				'div',
				{ class: 'card', id: 'closed-rc' },
				h('h2', {}, `${chosen.version} is closed`),
				h(
					'p',
					{},
					chosen.superseded_by
						? [
								'It was replaced by ',
								h(
									'a',
									{
										href: `/feedback/${chosen.superseded_by.id}`,
									},
									chosen.superseded_by.version,
								),
								'. Please look at that one instead.',
							]
						: 'It no longer takes feedback.',
				),
				open.length
					? h(
							'p',
							{},
							h(
								'a',
								{
									class: 'btn btn-primary',
									href: `/feedback/${rel.pickCurrent(open).id}`,
								},
								`Give feedback on ${rel.pickCurrent(open).version}`,
							),
						)
					: null,
			),
		);
		return;
	}

	if (!s?.authenticated) {
		// reading may be public; giving feedback needs to know who speaks
		root.append(
			h(
				'div',
				{ class: 'card', id: 'sign-in-first' },
				h('h2', {}, `Sign in to give feedback on ${chosen.version}`),
				h('p', {}, 'The team needs to know who says what, so feedback is given signed in.'),
				h(
					'p',
					{},
					h(
						'a',
						{
							class: 'btn btn-primary',
							href: `/sign-in?next=${encodeURIComponent(`/feedback/${chosen.id}`)}`,
						},
						'Sign in',
					),
				),
			),
		);
		return;
	}
	// --- what changed ---
	const changesBox = h('div', {}, h('p', { class: 'muted' }, 'Loading the list of changes…'));
	const rcSelect = h(
		'select',
		{ id: 'rc', name: 'rc' },
		(open.some((r) => r.id === chosen.id) ? open : [chosen, ...open]).map((r) =>
			h(
				'option',
				{ value: String(r.id), selected: r.id === chosen.id },
				`${r.version}${r.target ? ` (the coming ${r.target})` : ''}`,
			),
		),
	);
	async function loadChanges(id) {
		try {
			changesBox.replaceChildren(
				plainChanges(
					await get(`/release-candidates/${id}/changes`, {
						signal: ctx.signal,
					}),
				),
			);
		} catch (e) {
			if (e?.name === 'AbortError') return;
			changesBox.replaceChildren(
				h('p', { class: 'muted' }, 'The list of changes could not be loaded.'),
			);
		}
	}
	const rcLabel = h('span', {}, chosen.version);
	rcSelect.addEventListener('change', () => {
		const r = open.find((x) => String(x.id) === rcSelect.value) || chosen;
		chosen = r;
		rcLabel.textContent = r.version;
		history.replaceState(null, '', `/feedback/${r.id}`);
		loadChanges(r.id);
	});

	// --- the form ---
	const summary = h('div', {
		class: 'error-summary',
		id: 'error-summary',
		tabindex: '-1',
		role: 'alert',
		'aria-labelledby': 'error-summary-title',
	});
	const verdictError = h('p', { class: 'field-error', id: 'verdict-error' });
	const verdicts = h(
		'fieldset',
		{ id: 'verdict-group', 'aria-describedby': 'verdict-error' },
		h('legend', {}, 'Your verdict'),
		h(
			'div',
			{ class: 'verdicts' },
			VERDICTS.map(([v, icon, title, desc]) =>
				h(
					'div',
					{ class: ['verdict', `verdict-${v}`] },
					h('input', {
						type: 'radio',
						name: 'verdict',
						id: `verdict-${v}`,
						value: v,
						'aria-describedby': `verdict-${v}-desc`,
					}),
					h(
						'label',
						{ for: `verdict-${v}` },
						h(
							'span',
							{ class: 'v-title' },
							h(
								'span',
								{
									class: 'v-icon',
									'aria-hidden': 'true',
								},
								icon,
							),
							title,
						),
						h(
							'span',
							{
								class: 'v-desc',
								id: `verdict-${v}-desc`,
							},
							desc,
						),
					),
				),
			),
		),
		verdictError,
	);
	const comment = h('textarea', {
		id: 'comment',
		name: 'comment',
		rows: '5',
		maxlength: '4000',
	});
	const severity = h(
		'select',
		{ id: 'severity', name: 'severity' },
		h('option', { value: '' }, 'Choose…'),
		h('option', { value: 'low' }, 'Low — a small annoyance'),
		h('option', { value: 'medium' }, 'Medium — customers will notice'),
		h('option', { value: 'high' }, 'High — customers cannot do an important task'),
		h('option', { value: 'critical' }, 'Critical — it stops a customer’s business'),
	);
	const severityField = field('severity', 'How serious is it?', severity, { optional: true });
	severityField.hidden = true;
	const area = h('input', {
		type: 'text',
		id: 'area',
		name: 'area',
		maxlength: '100',
		autocomplete: 'off',
	});
	const who = s?.subject || '';
	const mapped = Boolean(s?.authenticated && s?.team);
	const nameInput = h('input', {
		type: 'text',
		id: 'author',
		name: 'author',
		maxlength: '200',
		autocomplete: 'name',
		value: who,
	});
	const teamInput = h('input', {
		type: 'text',
		id: 'team',
		name: 'team',
		maxlength: '64',
		autocomplete: 'organization',
		value: s?.team || '',
	});
	const submit = h(
		'button',
		{ type: 'submit', class: 'btn btn-primary', id: 'send-feedback' },
		'Send feedback',
	);
	const identity = s?.authenticated
		? h(
				'div',
				{ class: 'identity', id: 'identity' },
				h(
					'span',
					{},
					'You are giving feedback as ',
					h('strong', {}, s.subject),
					s.team
						? [' for the ', h('strong', {}, s.team), ' team']
						: ' (no team on record)',
					'.',
				),
			)
		: null;

	const form = h(
		'form',
		{ id: 'feedback-form', novalidate: true, 'aria-labelledby': 'form-title' },
		summary,
		h('h2', { id: 'form-title' }, 'Your feedback on ', rcLabel),
		identity,
		verdicts,
		severityField,
		field('comment', 'Tell us more', comment, {
			hint: 'What did you try? What should the team know? Your words are shown to the team as you typed them.',
		}),
		field('area', 'Which part of the product?', area, {
			optional: true,
			hint: 'For example: cluster creation, pipelines, the login page.',
		}),
		// who speaks: the server takes it from a session the configuration maps to a team
		mapped ? null : field('author', 'Your name', nameInput),
		mapped ? null : field('team', 'Your team', teamInput, { optional: true }),
		h(
			'div',
			{ class: 'row' },
			submit,
			h('span', { class: 'muted', id: 'send-status', role: 'status' }),
		),
	);

	verdicts.addEventListener('change', () => {
		const v = form.elements.namedItem('verdict').value;
		severityField.hidden = !(v === 'concern' || v === 'block');
		clearError('verdict');
	});

	const card = h('div', { class: 'card', id: 'form-card' }, form);
	root.append(
		h(
			'div',
			{ class: 'card', id: 'rc-card' },
			field('rc', 'Release candidate', rcSelect, {
				hint: 'The newest one is chosen for you.',
			}),
			h('h2', {}, 'What changed'),
			changesBox,
		),
		card,
	);
	loadChanges(chosen.id);

	function fieldEl(name) {
		return name === 'verdict'
			? document.getElementById('verdict-approve')
			: form.querySelector(`#${name}`);
	}
	function clearError(name) {
		const err = document.getElementById(`${name}-error`);
		if (err) err.textContent = '';
		const el = name === 'verdict' ? verdicts : fieldEl(name);
		el?.removeAttribute('aria-invalid');
	}
	// the fields as the error summary names them
	const LABELS = {
		verdict: 'Your verdict',
		comment: 'Your comment',
		severity: 'How serious',
		area: 'Part of the product',
		author: 'Your name',
		team: 'Your team',
	};
	// errors: [{name, message, summary}]: the message beside the field, and in the summary
	// (default: the message)
	function showErrors(errors) {
		for (const name of Object.keys(LABELS)) clearError(name);
		summary.replaceChildren();
		if (!errors.length) return;
		for (const { name, message } of errors) {
			const err = document.getElementById(`${name}-error`);
			if (err) err.replaceChildren(h('span', { 'aria-hidden': 'true' }, '✕'), message);
			const el = name === 'verdict' ? verdicts : fieldEl(name);
			el?.setAttribute('aria-invalid', 'true');
		}
		summary.replaceChildren(
			h(
				'h2',
				{ id: 'error-summary-title' },
				errors.length === 1 ? 'One thing to fix' : `${errors.length} things to fix`,
			),
			h(
				'ul',
				{},
				errors.map(({ name, message, summary: line }) =>
					h(
						'li',
						{},
						h(
							'a',
							{
								href: `#${name === 'verdict' ? 'verdict-approve' : name}`,
								onclick: (ev) => {
									ev.preventDefault();
									fieldEl(name)?.focus();
								},
							},
							line || message,
						),
					),
				),
			),
		);
		summary.focus();
	}
	// what the server refused, field by field (problem.errors: JSON Pointers into the body we
	// sent); a field this form does not show, or a problem without errors, goes to the top
	function serverErrors(e) {
		const out = [];
		for (const x of e.errors) {
			const name = x.pointer?.split('/')[1];
			if (Object.hasOwn(LABELS, name ?? '') && (name === 'verdict' || fieldEl(name)))
				out.push({
					name,
					message: capitalise(x.detail),
					summary: `${LABELS[name]}: ${x.detail}`,
				});
		}
		return out;
	}
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const verdict = form.elements.namedItem('verdict').value;
		const errors = [];
		if (!verdict)
			errors.push({
				name: 'verdict',
				message: 'Choose approve, concern or block.',
			});
		if ((verdict === 'block' || verdict === 'concern') && !comment.value.trim()) {
			errors.push({
				name: 'comment',
				message:
					verdict === 'block'
						? 'Say what has to be fixed before this can ship.'
						: 'Say what worries you.',
			});
		}
		if (errors.length) {
			showErrors(errors);
			return;
		}
		showErrors([]);
		const body = { verdict };
		if (comment.value.trim()) body.comment = comment.value.trim();
		if (!severityField.hidden && severity.value) body.severity = severity.value;
		if (area.value.trim()) body.area = area.value.trim();
		if (!mapped && nameInput.value.trim()) body.author = nameInput.value.trim();
		if (!mapped && teamInput.value.trim()) body.team = teamInput.value.trim();
		submit.disabled = true;
		const status = document.getElementById('send-status');
		status.textContent = 'Sending…';
		try {
			const saved = await post(`/release-candidates/${chosen.id}/feedback`, body, {
				quiet: true,
			});
			status.textContent = '';
			confirm(saved);
		} catch (e) {
			status.textContent = '';
			submit.disabled = false;
			if (e instanceof ApiError && e.status === 401) {
				showErrors([
					{
						name: 'verdict',
						message: 'Your session has ended. Sign in again, then send your feedback.',
					},
				]);
				return;
			}
			if (e instanceof ApiError && e.status === 403) {
				showErrors([
					{
						name: 'verdict',
						message: e.problem?.type?.includes('csrf')
							? 'This page is out of date. Reload it and send your feedback again.'
							: 'You are not allowed to give feedback. Ask for access.',
					},
				]);
				return;
			}
			const fields = e instanceof ApiError ? serverErrors(e) : [];
			if (fields.length) showErrors(fields);
			else
				showErrors([
					{
						name: 'verdict',
						message:
							e.status === 409
								? `${chosen.version} no longer takes feedback: ${e.message}`
								: `Your feedback was not saved: ${e.message}`,
					},
				]);
		}
	});

	function confirm(saved) {
		const v = VERDICTS.find(([k]) => k === saved.verdict) || VERDICTS[0];
		const heading = h(
			'h2',
			{ tabindex: '-1', id: 'confirmation-title' },
			'Thank you — your feedback is saved',
		);
		const box = h(
			'div',
			{
				class: 'confirmation',
				id: 'confirmation',
				role: 'region',
				'aria-labelledby': 'confirmation-title',
			},
			heading,
			h('p', {}, `The team can see it now on the page of ${chosen.version}.`),
			h(
				'dl',
				{ class: 'kv' },
				h('dt', {}, 'Release candidate'),
				h('dd', {}, chosen.version),
				h('dt', {}, 'Your verdict'),
				h('dd', { id: 'saved-verdict' }, `${v[2]} — ${v[3]}`),
				saved.severity ? [h('dt', {}, 'How serious'), h('dd', {}, saved.severity)] : null,
				h('dt', {}, 'Your comment'),
				h('dd', { class: 'feedback-comment', id: 'saved-comment' }, saved.comment || '—'),
				saved.area ? [h('dt', {}, 'Part of the product'), h('dd', {}, saved.area)] : null,
				h('dt', {}, 'From'),
				h('dd', {}, `${saved.author}${saved.team ? ` (${saved.team})` : ''}`),
				h('dt', {}, 'Saved'),
				h('dd', {}, absolute(saved.created_at)),
			),
			h(
				'p',
				{ class: 'row' },
				h(
					'a',
					{
						class: 'btn btn-primary',
						href: `/release-candidates/${chosen.id}${saved.id ? `#feedback-${saved.id}` : ''}`,
						id: 'see-on-rc',
					},
					'See it on the release candidate page',
				),
				h(
					'a',
					{
						class: 'btn',
						href: `/feedback/${chosen.id}`,
						onclick: (ev) => {
							ev.preventDefault();
							ctx.navigate(`/feedback/${chosen.id}`, {
								replace: true,
							});
						},
					},
					'Give more feedback',
				),
			),
		);
		card.replaceWith(box);
		document.getElementById('rc-card')?.remove();
		heading.focus();
		window.scrollTo(0, 0);
		ctx.announce(`Saved: ${v[2]} on ${chosen.version}.`);
	}
}
