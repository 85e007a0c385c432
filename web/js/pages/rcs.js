// Release candidates and releases: the list, with state, readiness and feedback; release
// managers cut a new candidate from here (rc_actions.js).
import { h } from '../dom.js';
import { getAll, query } from '../api.js';
import { timeEl, shaEl, table, pageHead, section, refreshable, extLink, pill } from '../ui.js';
import * as rel from '../releases.js';
import { cutButton } from './rc_actions.js';

export default async function rcs(ctx) {
	ctx.title('Releases');
	const listBox = h('div', {});
	const relBox = h('div', {});
	const trainBox = h('div', {});
	ctx.main.append(
		pageHead({
			title: 'Releases',
			sub: 'Release candidates, what blocks them, and what shipped.',
			actions: [
				cutButton(),
				h(
					'a',
					{ class: 'btn btn-primary', href: '/feedback' },
					'Give feedback on the current candidate',
				),
			],
		}),
		h(
			'div',
			{ class: 'grid-main' },
			section('Release candidates', listBox, {
				id: 'rc-list',
				className: 'flush',
			}),
			h(
				'div',
				{ class: 'stack' },
				section('Release train', trainBox, { id: 'train' }),
				section('Releases', relBox, { id: 'releases', className: 'flush' }),
			),
		),
	);

	const list = refreshable(listBox, async () => {
		const items = await rel.listRcs(ctx.signal, 100);
		const current = rel.pickCurrent(items);
		// readiness of the candidates still in play
		const open = items.filter(rel.isOpen).slice(0, 6);
		const ready = new Map(
			await Promise.all(
				open.map(async (rc) => [
					rc.id,
					await rel.readiness(rc.id, ctx.signal).catch(() => null),
				]),
			),
		);
		const t = table(
			[
				{
					label: 'Candidate',
					class: 'wrap-title',
					cell: (rc) =>
						h(
							'div',
							{ class: 'cell-title' },
							h(
								'a',
								{
									href: `/release-candidates/${rc.id}`,
								},
								rc.version,
							),
							h(
								'span',
								{
									class: 'cell-sub',
									title: rc.repository,
								},
								`${rc.repository.split('/').pop()} · for ${rc.target}`,
							),
						),
				},
				{
					label: 'State',
					cell: (rc) =>
						h(
							'span',
							{ class: 'row' },
							rel.rcStatePill(rc),
							rc.id === current?.id && rel.isOpen(rc)
								? pill('run', '★', 'current')
								: null,
						),
				},
				{
					label: 'Readiness',
					cell: (rc) =>
						ready.get(rc.id)
							? rel.readinessPill(ready.get(rc.id))
							: rc.superseded_by
								? h('span', { class: 'muted' }, `→ ${rc.superseded_by.version}`)
								: rc.release
									? h(
											'span',
											{
												class: 'muted',
											},
											`shipped as ${rc.release.version}`,
										)
									: h(
											'span',
											{
												class: 'muted',
											},
											'—',
										),
				},
				{ label: 'Feedback', cell: (rc) => rel.feedbackCounts(rc) },
				{
					label: 'Cut',
					class: 'nowrap',
					cell: (rc) =>
						h(
							'span',
							{ class: 'cell-title' },
							timeEl(rc.cut_at),
							h('span', { class: 'cell-sub' }, shaEl(rc.commit, rc.repository)),
						),
				},
			],
			items,
			{
				caption: 'Release candidates',
				empty: 'No release candidate has been cut yet.',
				rowClass: (rc) => (rel.isOpen(rc) ? null : 'closed'),
			},
		);
		t.querySelector?.('table')?.classList.add('cards');
		return t;
	});
	const releases = refreshable(relBox, async () => {
		const items = await getAll(`/releases${query({ limit: 50 })}`, {
			max: 20,
			signal: ctx.signal,
		});
		if (!items.length) return h('p', { class: 'empty' }, 'Nothing released yet.');
		return h(
			'ul',
			{ class: 'health-list' },
			items.map((r) =>
				h(
					'li',
					{ class: 'health-item', 'data-release': r.version },
					h(
						'span',
						{ class: 'repo-name' },
						r.version,
						h('span', { class: 'muted' }, ` · ${r.repository.split('/').pop()}`),
					),
					pill('ok', '✓', 'released'),
					h(
						'span',
						{ class: 'why' },
						'Released ',
						timeEl(r.released_at),
						r.release_candidate
							? [
									' from ',
									h(
										'a',
										{
											href: `/release-candidates/${r.release_candidate.id}`,
										},
										r.release_candidate.version,
									),
								]
							: null,
						r.days_late > 0
							? ` · ${r.days_late} days after the planned ${r.planned_for}`
							: r.planned_for
								? ' · on time'
								: null,
						r.url ? [' · ', extLink(r.url, 'GitHub')] : null,
					),
				),
			),
		);
	});
	const train = refreshable(trainBox, async () => rel.trainPanel(ctx.signal));
	await Promise.all([list(), releases(), train()]);
	ctx.live(
		['tag.rc', 'release.*', 'rc.*', 'feedback.*', 'deployment.updated', 'run.updated'],
		() => {
			list().catch(() => {});
			releases().catch(() => {});
			train().catch(() => {});
		},
		{ delay: 800 },
	);
}
