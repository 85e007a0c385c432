// One environment as a compact card (overview and environments list).
import { h } from '../dom.js';
import { shortSha, plural, duration, bytes } from '../format.js';
import { deployPill, timeEl, pill, shaEl } from '../ui.js';

export function revisionText(d) {
	if (!d) return null;
	if (d.chart_version) return d.chart_version;
	if (d.commit) return shortSha(d.commit);
	return d.revision || null;
}

export function behindPill(env) {
	const b = env.behind_default_branch;
	if (!b || b.commits === null || b.commits === undefined) return null;
	if (b.commits === 0) return pill('ok', '✓', 'up to date with main');
	return pill('warn', '↓', `${plural(b.commits, 'commit')} behind main`);
}

// release: the latest Release, for production (where released means deployed)
export function envCard(env, { release } = {}) {
	const d = env.current_deployment;
	const rev = revisionText(d);
	return h(
		'article',
		{ class: 'env-card', 'data-env': env.name },
		h(
			'div',
			{ class: 'row' },
			h(
				'h3',
				{},
				h('a', { href: `/environments/${encodeURIComponent(env.name)}` }, env.name),
			),
			h('span', { class: 'tier' }, env.tier || ''),
		),
		d
			? [
					h('div', { class: 'rev', title: d.revision || '' }, rev),
					h('div', { class: 'row' }, deployPill(d.status), behindPill(env)),
					h(
						'div',
						{ class: 'muted' },
						d.status === 'success' && d.healthy_since
							? ['healthy since ', timeEl(d.healthy_since)]
							: ['last change ', timeEl(d.last_event_at)],
					),
				]
			: release
				? [
						h('div', { class: 'rev' }, release.version),
						h('div', { class: 'row' }, pill('ok', '✓', 'released')),
						h('div', { class: 'muted' }, ['released ', timeEl(release.released_at)]),
					]
				: h(
						'div',
						{ class: 'muted' },
						env.tier === 'production'
							? 'Nothing released yet.'
							: 'No deployments reported.',
					),
	);
}

export function artifactList(all, linked = new Set()) {
	return h(
		'ul',
		{ class: 'artifact-list' },
		all.map((a) =>
			h(
				'li',
				{ 'data-kind': a.kind },
				h(
					'div',
					{ class: 'row' },
					h('span', { class: 'tag' }, a.kind),
					h('strong', { class: 'artifact-name' }, a.name),
					linked.has(a.digest) ? pill('ok', '✓', 'deployed') : null,
				),
				h(
					'div',
					{ class: 'muted' },
					a.version,
					a.size != null ? ` · ${bytes(a.size)}` : '',
				),
				h('code', { class: 'digest' }, a.digest),
			),
		),
	);
}

export function deploymentRows({ withEnv = false } = {}) {
	const cols = [
		{ label: 'Status', class: 'nowrap', cell: (d) => deployPill(d.status) },
		{
			label: 'Revision',
			cell: (d) =>
				h(
					'span',
					{ class: 'cell-title' },
					h('code', { class: 'sha', title: d.revision || '' }, revisionText(d) || '—'),
					d.reason ? h('span', { class: 'cell-sub' }, d.reason) : null,
				),
		},
		{ label: 'Commit', cell: (d) => shaEl(d.commit, d.repository) },
	];
	if (withEnv)
		cols.unshift({
			label: 'Environment',
			cell: (d) =>
				h(
					'a',
					{
						href: `/environments/${encodeURIComponent(d.environment)}`,
					},
					d.environment,
				),
		});
	cols.push(
		{ label: 'Source', cell: (d) => h('span', { class: 'tag' }, d.source || '—') },
		{ label: 'Started', class: 'nowrap', cell: (d) => timeEl(d.started_at) },
		{
			label: 'Took',
			class: 'right',
			cell: (d) =>
				h(
					'span',
					{ class: 'num' },
					d.finished_at && d.started_at
						? duration((Date.parse(d.finished_at) - Date.parse(d.started_at)) / 1000)
						: '—',
				),
		},
	);
	return cols;
}
