// Environments: each with what it runs now, since when it is healthy, how far behind the
// default branch it is, and its last deployments.
import { h } from '../dom.js';
import { get, query } from '../api.js';
import {
	deployPill,
	timeEl,
	shaEl,
	table,
	pageHead,
	section,
	refreshable,
	kv,
	extLink,
} from '../ui.js';
import { revisionText, behindPill, artifactList, deploymentRows } from './envcard.js';
import * as rel from '../releases.js';

function cards(t) {
	t.querySelector?.('table')?.classList.add('cards');
	return t;
}

function envPanel(env, history, release) {
	const d = env.current_deployment;
	const b = env.behind_default_branch;
	const body = h(
		'div',
		{ class: 'env-body' },
		h(
			'div',
			{ class: 'stack' },
			env.description ? h('p', { class: 'muted' }, env.description) : null,
			d
				? kv([
						[
							'Runs',
							h(
								'span',
								{ class: 'row' },
								h(
									'code',
									{
										class: 'sha',
										title: d.revision || '',
									},
									revisionText(d),
								),
								deployPill(d.status),
							),
						],
						[
							'Commit',
							h(
								'span',
								{ class: 'row' },
								shaEl(d.commit, d.repository),
								d.repository
									? h(
											'span',
											{
												class: 'muted',
											},
											d.repository,
										)
									: null,
							),
						],
						[
							'Healthy since',
							d.status === 'success' && d.healthy_since
								? timeEl(d.healthy_since)
								: h(
										'span',
										{ class: 'muted' },
										d.status === 'success' ? '—' : 'not healthy',
									),
						],
						[
							'Behind main',
							b
								? h(
										'span',
										{ class: 'row' },
										behindPill(env),
										b.commits > 0 && b.since
											? h(
													'span',
													{
														class: 'muted',
													},
													[
														'oldest missing change from ',
														timeEl(b.since),
													],
												)
											: null,
									)
								: h('span', { class: 'muted' }, 'unknown'),
						],
						[
							'Artifacts',
							(d.artifacts || []).length
								? artifactList(
										d.artifacts,
										new Set(d.artifacts.map((a) => a.digest)),
									)
								: h('span', { class: 'muted' }, 'none linked'),
						],
					])
				: release
					? kv([
							[
								'Released',
								h(
									'span',
									{ class: 'row' },
									h('strong', {}, release.version),
									timeEl(release.released_at),
								),
							],
							['Commit', shaEl(release.commit, release.repository)],
						])
					: h(
							'p',
							{ class: 'empty' },
							env.tier === 'production'
								? 'Production means released: nothing released yet.'
								: 'No deployment reported yet.',
						),
		),
		history.length
			? h(
					'div',
					{ class: 'stack' },
					h('h3', {}, 'Last deployments'),
					cards(
						table(
							deploymentRows().filter((c) => c.label !== 'Source'),
							history,
							{
								caption: `Last deployments to ${env.name}`,
							},
						),
					),
				)
			: null,
	);
	return section(
		h(
			'span',
			{ class: 'row' },
			h('a', { href: `/environments/${encodeURIComponent(env.name)}` }, env.name),
			h('span', { class: 'tier' }, env.tier || ''),
			env.url ? extLink(env.url, 'open') : null,
		),
		body,
		{ id: `env-${env.name}` },
	);
}

export default async function environments(ctx) {
	ctx.title('Environments');
	const box = h('div', { class: 'stack', id: 'environments-list' });
	ctx.main.append(
		pageHead({
			title: 'Environments',
			sub: 'What each environment runs, since when it is healthy, and how far it is behind the default branch.',
		}),
		box,
	);
	const refresh = refreshable(box, async () => {
		const [list, release] = await Promise.all([
			get('/environments', { signal: ctx.signal }),
			rel.latestRelease(ctx.signal),
		]);
		const envs = list?.items || [];
		if (!envs.length) return h('p', { class: 'empty' }, 'No environments are configured.');
		const histories = await Promise.all(
			envs.map((e) =>
				get(
					`/environments/${encodeURIComponent(e.name)}/deployments${query({ limit: 5 })}`,
					{ signal: ctx.signal },
				)
					.then((p) => p?.items || [])
					.catch(() => []),
			),
		);
		return envs.map((e, i) =>
			envPanel(e, histories[i], e.tier === 'production' ? release : null),
		);
	});
	await refresh();
	ctx.live(
		['deployment.updated', 'environment.changed', 'release.*'],
		() => refresh().catch(() => {}),
		{ delay: 600 },
	);
}
