// Two release candidates of one repository side by side (GET /api/v1/release-candidates/compare):
// the PRs head has that base has not (and the other way round), the artifacts whose digest
// changed, the gates that changed and the feedback carried over. /release-candidates/compare
// ?base=ID&head=ID; two pickers list the candidates of the repository.
import { h } from '../dom.js';
import { get, getAll, query } from '../api.js';
import { pageHead, section, extLink, gatePill, pill, errorBox, loading } from '../ui.js';
import { plural, shortSha } from '../format.js';
import * as rel from '../releases.js';

function prList(prs, empty) {
	if (!prs.length) return h('p', { class: 'empty' }, empty);
	return h(
		'ul',
		{ class: 'change-list changes' },
		prs.map((p) =>
			h(
				'li',
				{ 'data-pr': p.number },
				h(
					'span',
					{ class: 'pr-num' },
					p.url ? extLink(p.url, `#${p.number}`) : `#${p.number}`,
				),
				h(
					'span',
					{ class: 'change-text' },
					h('span', {}, p.title || ''),
					p.author ? h('span', { class: 'muted change-author' }, ` ${p.author}`) : null,
				),
			),
		),
	);
}

function digest(d) {
	return d ? h('code', { title: d }, d.replace(/^sha256:/, '').slice(0, 12)) : '—';
}

function artifactName(a) {
	return a.kind && a.name ? `${a.kind} ${a.name}` : a.digest || '(unknown artifact)';
}

function artifactsView(a) {
	const rows = [];
	for (const c of a.changed)
		rows.push(
			h(
				'li',
				{ 'data-artifact': artifactName(c), 'data-change': 'changed' },
				pill('warn', '↻', 'new digest'),
				h(
					'span',
					{ class: 'cell-title' },
					h('span', {}, artifactName(c)),
					h(
						'span',
						{ class: 'cell-sub' },
						c.base.version || '',
						' ',
						digest(c.base.digest),
						' → ',
						c.head.version || '',
						' ',
						digest(c.head.digest),
					),
				),
			),
		);
	for (const [list, tone, icon, label] of [
		[a.added, 'ok', '+', 'added'],
		[a.removed, 'bad', '−', 'removed'],
	])
		for (const x of list)
			rows.push(
				h(
					'li',
					{ 'data-artifact': artifactName(x), 'data-change': label },
					pill(tone, icon, label),
					h(
						'span',
						{ class: 'cell-title' },
						h('span', {}, artifactName(x)),
						h('span', { class: 'cell-sub' }, x.version || '', ' ', digest(x.digest)),
					),
				),
			);
	return [
		rows.length
			? h('ul', { class: 'change-list', id: 'compare-artifacts-list' }, rows)
			: h('p', { class: 'empty' }, 'The same artifacts.'),
		a.unchanged
			? h('p', { class: 'hint' }, `${plural(a.unchanged, 'artifact')} unchanged.`)
			: null,
	];
}

function gatesView(gates) {
	if (!gates.length) return h('p', { class: 'empty' }, 'Every gate has the same status.');
	const side = (s) => (s ? gatePill(s.status) : h('span', { class: 'muted' }, 'not evaluated'));
	return h(
		'ul',
		{ class: 'change-list compare-gates', id: 'compare-gates-list' },
		gates.map((g) =>
			h(
				'li',
				{ 'data-gate': g.gate },
				h('span', { class: 'gate-name' }, g.title),
				h(
					'span',
					{ class: 'row' },
					side(g.base),
					h('span', { 'aria-label': 'became' }, '→'),
					side(g.head),
				),
				g.head?.reason ? h('span', { class: 'gate-reason' }, g.head.reason) : null,
			),
		),
	);
}

function carriedView(list) {
	if (!list.length) return h('p', { class: 'empty' }, 'No open concern or block on the base.');
	return h(
		'ul',
		{ class: 'feedback-list', id: 'compare-feedback-list' },
		list.map((f) => {
			const item = rel.feedbackItem(f);
			const again = f.rechecked_on_head;
			item.append(
				h(
					'p',
					{ class: 'hint recheck' },
					again
						? `Re-checked on head: ${again.verdict}${again.comment ? ` — “${again.comment}”` : ''}`
						: f.to_recheck
							? 'Not re-checked on head yet.'
							: 'Its author gave no feedback on head.',
				),
			);
			return item;
		}),
	);
}

function picker(id, label, rcs, selected) {
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: id }, label),
		h(
			'select',
			{ id, name: id === 'compare-base' ? 'base' : 'head', required: true },
			h('option', { value: '' }, 'Choose a candidate…'),
			rcs.map((rc) =>
				h(
					'option',
					{ value: String(rc.id), selected: String(rc.id) === String(selected) },
					`${rc.version} (${rc.state})`,
				),
			),
		),
	);
}

export default async function rcCompare(ctx) {
	ctx.title('Compare release candidates');
	const q = ctx.query;
	const base = q.get('base') || '';
	const head = q.get('head') || '';
	const form = h('div', {});
	const out = h('div', { id: 'compare-result' });
	ctx.main.append(
		pageHead({
			eyebrow: 'Releases',
			title: 'Compare release candidates',
			sub: 'What one candidate has that the other has not: pull requests, artifacts, gates and open feedback.',
		}),
		section('Candidates', form, { id: 'compare-pick' }),
		out,
	);
	form.replaceChildren(loading());
	// the repository: the head's (or base's), else that of the newest candidate
	let repo = q.get('repo');
	const known = head || base;
	if (!repo && known)
		repo = (await get(`/release-candidates/${known}`, { signal: ctx.signal })).repository;
	const rcs = await getAll(`/release-candidates${query({ repo, limit: 200 })}`, {
		signal: ctx.signal,
		max: 200,
	});
	if (!repo && rcs.length) repo = rcs[0].repository;
	const mine = rcs.filter((rc) => rc.repository === repo);
	// base defaults to the candidate before head
	let baseSel = base;
	if (!baseSel && head) {
		const i = mine.findIndex((rc) => String(rc.id) === head);
		baseSel = i >= 0 && mine[i + 1] ? String(mine[i + 1].id) : '';
	}
	const submit = h(
		'button',
		{ type: 'submit', class: 'btn btn-primary', id: 'compare-go' },
		'Compare',
	);
	form.replaceChildren(
		h(
			'form',
			{
				class: 'row compare-form',
				onsubmit: (e) => {
					e.preventDefault();
					const data = new FormData(e.target);
					ctx.navigate(
						`/release-candidates/compare${query({ base: data.get('base'), head: data.get('head') })}`,
					);
				},
			},
			repo ? h('p', { class: 'muted' }, repo) : null,
			picker('compare-base', 'Base (compared with)', mine, baseSel),
			picker('compare-head', 'Head', mine, head),
			submit,
		),
	);
	if (!base || !head) {
		out.replaceChildren(
			h(
				'p',
				{ class: 'empty' },
				'Choose two candidates of one repository and press Compare.',
			),
		);
		return;
	}
	out.replaceChildren(loading());
	let c;
	try {
		c = await get(`/release-candidates/compare${query({ base, head })}`, {
			signal: ctx.signal,
		});
	} catch (e) {
		if (e?.name === 'AbortError') return;
		out.replaceChildren(errorBox(e));
		return;
	}
	ctx.title(`${c.base.version} → ${c.head.version} · Compare`);
	const link = (rc) => h('a', { href: `/release-candidates/${rc.id}` }, rc.version);
	const added = c.pull_requests.added;
	const removed = c.pull_requests.removed;
	out.replaceChildren(
		h(
			'p',
			{ class: 'lead', id: 'compare-summary' },
			link(c.base),
			' ',
			h('span', { class: 'muted' }, c.base.commit ? `(${shortSha(c.base.commit)})` : ''),
			' → ',
			link(c.head),
			' ',
			h('span', { class: 'muted' }, c.head.commit ? `(${shortSha(c.head.commit)})` : ''),
			c.same_target
				? ''
				: h('span', { class: 'muted' }, ' · candidates of different releases'),
		),
		h(
			'div',
			{ class: 'grid-main' },
			h(
				'div',
				{ class: 'stack' },
				section(
					`Pull requests (+${added.length} −${removed.length})`,
					[
						h('h3', {}, 'Added'),
						prList(added, 'Nothing new.'),
						h('h3', {}, 'Removed'),
						prList(removed, 'Nothing gone.'),
					],
					{ id: 'compare-prs' },
				),
				section('Feedback carried over', carriedView(c.feedback.carried_over), {
					id: 'compare-feedback',
				}),
			),
			h(
				'div',
				{ class: 'stack' },
				section('Artifacts', artifactsView(c.artifacts), { id: 'compare-artifacts' }),
				section('Gates that changed', gatesView(c.gates), { id: 'compare-gates' }),
			),
		),
	);
}
