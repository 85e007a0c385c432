// One environment: current revision, its artifacts with digests, healthy since, behind
// main, and its deployment history.
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

export default async function environment(ctx) {
	const name = ctx.params[0];
	const head = h('div', {});
	const current = h('div', {});
	const arts = h('div', {});
	const hist = h('div', {});
	const more = h('div', { class: 'panel-foot' });
	ctx.main.append(
		head,
		h(
			'div',
			{ class: 'grid-main' },
			h(
				'div',
				{ class: 'stack' },
				section('Deployment history', [hist, more], {
					id: 'env-history',
					className: 'flush',
				}),
			),
			h(
				'div',
				{ class: 'stack' },
				section('Now running', current, { id: 'env-current' }),
				section('Artifacts', arts, { id: 'env-artifacts' }),
			),
		),
	);

	let env = null;
	const loadEnv = refreshable(current, async () => {
		env = await get(`/environments/${encodeURIComponent(name)}`, {
			signal: ctx.signal,
		});
		ctx.title(`${env.name} · Environments`);
		head.replaceChildren(
			pageHead({
				eyebrow: `Environment · ${env.tier || 'other'}`,
				title: env.name,
				status: env.current_deployment ? deployPill(env.current_deployment.status) : null,
				sub: env.description || null,
				actions: [
					env.url
						? extLink(env.url, 'Open the environment', {
								class: 'btn',
							})
						: null,
				],
			}),
		);
		const d = env.current_deployment;
		const b = env.behind_default_branch;
		if (!d) {
			const release = env.tier === 'production' ? await rel.latestRelease(ctx.signal) : null;
			arts.replaceChildren(h('p', { class: 'empty' }, 'Nothing deployed.'));
			return release
				? kv([
						['Released', h('strong', {}, release.version)],
						['When', timeEl(release.released_at)],
					])
				: h(
						'p',
						{ class: 'empty' },
						env.tier === 'production'
							? 'Production means released: nothing released yet.'
							: 'No deployment reported yet.',
					);
		}
		// every artifact built from the deployed commit, with its digest
		let built = [];
		if (d.commit)
			built =
				(
					await get(`/artifacts${query({ commit: d.commit, limit: 50 })}`, {
						signal: ctx.signal,
					})
				)?.items || [];
		const linked = new Set((d.artifacts || []).map((a) => a.digest));
		const all = [...(d.artifacts || []), ...built.filter((a) => !linked.has(a.digest))];
		arts.replaceChildren(
			all.length
				? artifactList(all, linked)
				: h('p', { class: 'empty' }, 'No artifacts recorded for this revision.'),
		);
		return kv([
			['Revision', h('code', { class: 'sha', title: d.revision || '' }, revisionText(d))],
			[
				'Status',
				h(
					'span',
					{ class: 'row' },
					deployPill(d.status),
					d.reason ? h('span', { class: 'muted' }, d.reason) : null,
				),
			],
			[
				'Commit',
				h(
					'span',
					{ class: 'row' },
					shaEl(d.commit, d.repository),
					d.repository ? h('span', { class: 'muted' }, d.repository) : null,
				),
			],
			[
				'Healthy since',
				d.status === 'success' && d.healthy_since
					? timeEl(d.healthy_since)
					: h('span', { class: 'muted' }, 'not healthy'),
			],
			['Behind main', b ? behindPill(env) || '—' : h('span', { class: 'muted' }, 'unknown')],
			[
				'Deployed by',
				d.object
					? `${d.source}: ${d.object.kind} ${d.object.namespace}/${d.object.name}`
					: d.source,
			],
			d.message ? ['Message', h('span', { class: 'muted' }, d.message)] : null,
		]);
	});

	let items = [];
	let next = null;
	const drawHist = () => {
		hist.replaceChildren(
			table(deploymentRows(), items, {
				caption: `Deployments to ${name}`,
				empty: 'No deployments yet.',
			}),
		);
		hist.querySelector('table')?.classList.add('cards');
		more.replaceChildren(
			next
				? h(
						'button',
						{ type: 'button', class: 'btn', onclick: loadMore },
						'Show older deployments',
					)
				: h(
						'span',
						{ class: 'muted' },
						`${items.length} deployment${items.length === 1 ? '' : 's'}`,
					),
		);
	};
	const loadHist = refreshable(hist, async () => {
		const page = await get(
			`/environments/${encodeURIComponent(name)}/deployments${query({ limit: 25 })}`,
			{ signal: ctx.signal },
		);
		items = page?.items || [];
		next = page?.next || null;
		drawHist();
		return undefined;
	});
	async function loadMore() {
		const page = await get(next, { signal: ctx.signal });
		items = items.concat(page?.items || []);
		next = page?.next || null;
		drawHist();
	}
	await loadEnv();
	await loadHist();
	ctx.live(
		['deployment.updated', 'environment.changed'],
		() => {
			loadEnv().catch(() => {});
			loadHist().catch(() => {});
		},
		{ delay: 600 },
	);
}
