// Release candidates and releases: the list, with state, readiness and feedback; release
// managers cut a new candidate from here (rc_actions.js).
import { h } from '../dom.js';
import { getAll, query } from '../api.js';
import { timeEl, shaEl, table, pageHead, section, refreshable, extLink, pill } from '../ui.js';
import * as rel from '../releases.js';
import { responsive, barChart, legend } from '../charts.js';
import { releasesPerWeek } from '../stats.js';
import { plural } from '../format.js';
import { cutButton } from './rc_actions.js';

const WEEKS = 8;

// Releases per week (the ones GitHub shipped unready in red), with the readiness overrides
// and the rest said in words below it: the chart's text alternative.
function weeklyChart(box, signal) {
	const chartBox = h('div', { class: 'chart-box' });
	const key = legend([
		['', 'releases'],
		['swatch-bad', 'released without readiness'],
	]);
	const note = h('p', { class: 'chart-note' });
	let data = { weeks: [], totals: {} };
	let paint = null;
	const draw = (w) =>
		barChart(
			data.weeks.map((x) => ({
				label: x.label,
				value: x.released,
				part: x.unready,
				title:
					`Week of ${x.label}: ${plural(x.released, 'release')} (${x.unready} without ` +
					`readiness), ${plural(x.overrides, 'override')}, ${plural(x.cut, 'candidate')} cut`,
			})),
			{
				width: w,
				integer: true,
				label: 'Releases per week (released without readiness in red)',
				empty: `No releases in the last ${WEEKS} weeks.`,
			},
		);
	return async () => {
		data = await releasesPerWeek({ weeks: WEEKS, signal });
		if (!box.contains(chartBox)) box.replaceChildren(chartBox, key, note);
		if (paint) paint();
		else paint = responsive(chartBox, draw, signal);
		const t = data.totals;
		key.hidden = !t.released;
		const busy = data.weeks.filter((x) => x.overrides);
		note.textContent =
			`In ${WEEKS} weeks: ${plural(t.cut, 'candidate')} cut, ${plural(t.released, 'release')}` +
			` (${t.unready} released by GitHub without readiness), ` +
			`${plural(t.overrides, 'readiness override')}` +
			(busy.length
				? ` (${busy.map((x) => `week of ${x.label}: ${x.overrides}`).join(', ')})`
				: '') +
			`. Source: ${data.source}.`;
	};
}

export default async function rcs(ctx) {
	ctx.title('Releases');
	const listBox = h('div', {});
	const relBox = h('div', {});
	const trainBox = h('div', {});
	const weeklyBox = h('div', {});
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
				section('Releases and overrides per week', weeklyBox, { id: 'chart-releases' }),
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
	const weekly = refreshable(weeklyBox, weeklyChart(weeklyBox, ctx.signal));
	await Promise.all([list(), releases(), train(), weekly()]);
	ctx.live(
		['tag.rc', 'release.*', 'rc.*', 'feedback.*', 'deployment.updated', 'run.updated'],
		() => {
			list().catch(() => {});
			releases().catch(() => {});
			train().catch(() => {});
			weekly().catch(() => {});
		},
		{ delay: 800 },
	);
}
