// Overview: is main green, recent runs, environments, the current RC, the next release,
// and the trends.
import { h } from '../dom.js';
import { get } from '../api.js';
import { duration, plural } from '../format.js';
import {
	runPill,
	pill,
	timeEl,
	shaEl,
	section,
	table,
	refreshable,
	pageHead,
	loading,
	repoShort,
	stageLabel,
} from '../ui.js';
import { envCard } from './envcard.js';
import { responsive, barChart, lineChart, legend } from '../charts.js';
import { mainDaily, deploymentsPerWeek, stageDurations } from '../stats.js';
import * as rel from '../releases.js';

async function healthOf(repo, signal) {
	const [owner, name] = repo.full_name.split('/');
	const branch = repo.default_branch || 'main';
	try {
		return {
			repo,
			health: await get(
				`/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/branches/${branch.split('/').map(encodeURIComponent).join('/')}/health`,
				{ signal },
			),
		};
	} catch (e) {
		if (e.status === 503 || e.status === 401) throw e;
		return { repo, health: null, error: e };
	}
}

function healthItem({ repo, health }) {
	const state = health?.state;
	const latest = (health?.workflows || [])
		.map((w) => w.latest)
		.filter(Boolean)
		.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
	let statePill, why;
	if (state === 'green') {
		statePill = pill('ok', '✓', 'green');
		why = latest
			? [
					'Last run ',
					h(
						'a',
						{ href: `/runs/${latest.id}` },
						`${latest.workflow} #${latest.run_number ?? latest.id}`,
					),
					' passed ',
					timeEl(latest.created_at),
					' on ',
					shaEl(latest.head_sha, repo.full_name),
				]
			: 'Passing.';
	} else if (state === 'red') {
		const f = health.first_failing_run;
		const s = (health.suspects || [])[0];
		statePill = pill('bad', '✕', 'red');
		why = [
			'Red since ',
			timeEl(health.red_since),
			'. ',
			f
				? [
						'First failure: ',
						h('a', { href: `/runs/${f.id}` }, `${f.workflow} #${f.run_number ?? f.id}`),
						' on ',
						shaEl(f.head_sha, repo.full_name),
					]
				: null,
			s
				? [
						' — ',
						s.pull_request
							? `${s.pull_request.title} (#${s.pull_request.number})`
							: (s.message || '').split('\n')[0],
						s.author?.login ? ` by ${s.author.login}` : '',
					]
				: null,
			(health.suspects || []).length > 1
				? h(
						'span',
						{ class: 'muted' },
						` · ${plural(health.suspects.length, 'suspect commit')}`,
					)
				: null,
		];
	} else {
		// unknown: no pipeline on the branch has finished yet (or the health could not be read)
		statePill = pill('muted', '–', 'no verdict');
		why = health
			? 'No default-branch pipeline has finished yet.'
			: "Could not read this branch's health.";
	}
	return h(
		'li',
		{
			class: 'health-item',
			'data-repo': repo.full_name,
			'data-state': state || 'unknown',
		},
		h(
			'span',
			{ class: 'repo-name' },
			h(
				'a',
				{
					href: `/runs?repo=${encodeURIComponent(repo.full_name)}&kind=main`,
				},
				repo.full_name,
			),
			h('span', { class: 'muted' }, ` · ${repo.default_branch || 'main'}`),
		),
		statePill,
		h('span', { class: 'why' }, why),
	);
}

function chartPanel(title, id, body, note) {
	return section(title, [body, note ? h('p', { class: 'chart-note' }, note) : null], { id });
}

export default async function overview(ctx) {
	ctx.title('Overview');
	const healthBox = h('div', {}, loading());
	const rcBox = h('div', {}, loading());
	const trainBox = h('div', {}, loading());
	const envBox = h('div', {}, loading());
	const runsBox = h('div', {}, loading());
	const passBox = h('div', { class: 'chart-box' }, loading());
	const durBox = h('div', { class: 'chart-box' }, loading());
	const deployBox = h('div', { class: 'chart-box' }, loading());
	const stageBox = h('div', { class: 'chart-box' }, loading());
	const notes = {
		pass: h('p', { class: 'chart-note' }),
		deploy: h('p', { class: 'chart-note' }),
		stage: h('p', { class: 'chart-note' }),
	};
	// legends and notes say nothing over an empty window: shown once there is data
	const legends = {
		pass: legend([['', 'passed runs, % of finished']]),
		deploy: legend([
			['', 'deployments'],
			['swatch-bad', 'failed'],
		]),
	};
	legends.pass.hidden = legends.deploy.hidden = true;

	ctx.main.append(
		pageHead({
			title: 'Overview',
			sub: 'Where every change is, from pull request to release.',
		}),
		h(
			'div',
			{ class: 'grid-main' },
			h(
				'div',
				{ class: 'stack' },
				section('Default branches', healthBox, {
					id: 'health',
					className: 'flush',
				}),
				section('Environments', envBox, {
					id: 'environments',
					actions: h('a', { href: '/environments' }, 'All environments'),
				}),
				section('Recent runs', runsBox, {
					id: 'recent-runs',
					className: 'flush',
					actions: h('a', { href: '/runs' }, 'All runs'),
				}),
			),
			h(
				'div',
				{ class: 'stack' },
				section('Release candidate', rcBox, { id: 'current-rc' }),
				section('Release train', trainBox, { id: 'train' }),
			),
		),
		h('h2', { class: 'section-title' }, 'Trends'),
		h(
			'div',
			{ class: 'grid-2' },
			chartPanel(
				'Default branch: pass rate per day',
				'chart-pass',
				[passBox, legends.pass],
				null,
			),
			chartPanel('Default branch: median duration per day', 'chart-duration', durBox, null),
			chartPanel('Deployments per week', 'chart-deploys', [
				deployBox,
				legends.deploy,
				notes.deploy,
			]),
			chartPanel('Stage durations', 'chart-stages', [stageBox, notes.stage]),
		),
		notes.pass,
	);

	const health = refreshable(healthBox, async () => {
		const repos = (await get('/repos?limit=50', { signal: ctx.signal }))?.items || [];
		if (!repos.length)
			return h(
				'p',
				{ class: 'empty' },
				'No repositories yet. Point a GitHub webhook at shiplog to start.',
			);
		const rows = await Promise.all(repos.map((r) => healthOf(r, ctx.signal)));
		rows.sort(
			(a, b) =>
				(b.health?.state === 'red') - (a.health?.state === 'red') ||
				a.repo.full_name.localeCompare(b.repo.full_name),
		);
		return h('ul', { class: 'health-list' }, rows.map(healthItem));
	});

	const envs = refreshable(envBox, async () => {
		const [list, release] = await Promise.all([
			get('/environments', { signal: ctx.signal }),
			rel.latestRelease(ctx.signal),
		]);
		const items = list?.items || [];
		if (!items.length) return h('p', { class: 'empty' }, 'No environments configured.');
		return h(
			'div',
			{ class: 'env-cards' },
			items.map((e) => envCard(e, { release: e.tier === 'production' ? release : null })),
		);
	});

	const recent = refreshable(runsBox, async () => {
		const items = (await get('/runs?limit=10', { signal: ctx.signal }))?.items || [];
		const t = table(
			[
				{
					label: 'Status',
					class: 'nowrap',
					cell: (r) => runPill(r.status, r.conclusion),
				},
				{
					label: 'Run',
					class: 'wrap-title',
					cell: (r) =>
						h(
							'div',
							{ class: 'cell-title' },
							h(
								'a',
								{ href: `/runs/${r.id}` },
								r.display_title || r.workflow?.name || `Run ${r.id}`,
							),
							h(
								'span',
								{ class: 'cell-sub' },
								`${repoShort(r.repository)} · ${r.workflow?.name || ''}${r.run_number ? ` #${r.run_number}` : ''} · ${r.branch || ''}`,
							),
						),
				},
				{ label: 'Commit', cell: (r) => shaEl(r.sha, r.repository) },
				{
					label: 'Started',
					class: 'nowrap',
					cell: (r) => timeEl(r.started_at || r.created_at),
				},
			],
			items,
			{ caption: 'Recent runs', empty: 'No runs yet.' },
		);
		t.querySelector?.('table')?.classList.add('cards');
		return t;
	});

	const rc = refreshable(rcBox, async () => rel.currentRcPanel(ctx.signal));
	const train = refreshable(trainBox, async () => rel.trainPanel(ctx.signal));

	async function charts() {
		// minutes on the axes, written as durations: 0, 15s, 30s ... 1m, 1m 15s
		const minutes = (v) => (v === 0 ? '0' : duration(v * 60));
		const days = 21;
		const noRuns = `No runs on the default branch in the last ${days} days.`;
		const daily = await mainDaily({ days, signal: ctx.signal });
		const pts = daily.days.map((d) => ({
			label: d.label,
			value: d.passRate === null ? null : Math.round(d.passRate),
			title: d.total
				? `${d.label}: ${d.passed} of ${d.total} passed`
				: `${d.label}: no finished runs`,
		}));
		legends.pass.hidden = !pts.some((p) => p.value !== null);
		responsive(
			passBox,
			(w) =>
				lineChart(pts, {
					width: w,
					yMax: 100,
					format: (v) => `${Math.round(v)}%`,
					label: 'Pass rate of default-branch runs per day',
					empty: noRuns,
				}),
			ctx.signal,
		);
		const dur = daily.days.map((d) => ({
			label: d.label,
			value: d.duration === null ? null : d.duration / 60,
			title: d.duration
				? `${d.label}: median ${duration(d.duration)} over ${d.total} runs`
				: `${d.label}: no runs`,
		}));
		responsive(
			durBox,
			(w) =>
				lineChart(dur, {
					width: w,
					format: minutes,
					label: 'Median duration of default-branch runs per day',
					empty: noRuns,
				}),
			ctx.signal,
		);
		notes.pass.textContent = `Charts: ${daily.source}.`;
		const weeks = 6;
		const [dep, stages] = await Promise.all([
			deploymentsPerWeek({ weeks, signal: ctx.signal }),
			stageDurations({ days: 30, signal: ctx.signal }),
		]);
		responsive(
			deployBox,
			(w) => {
				return barChart(
					dep.weeks.map((x) => ({
						label: x.label,
						value: x.total,
						part: x.failed,
						title: `Week of ${x.label}: ${x.total} deployments, ${x.failed} failed`,
					})),
					{
						width: w,
						integer: true,
						label: 'Deployments per week (failed ones in red)',
						empty: `No deployments in the last ${weeks} weeks.`,
					},
				);
			},
			ctx.signal,
		);
		const deployed = dep.weeks.reduce((s, x) => s + x.total, 0);
		legends.deploy.hidden = deployed === 0;
		notes.deploy.textContent = deployed
			? `${deployed} deployments in ${dep.weeks.length} weeks, ${dep.weeks.reduce((s, x) => s + x.failed, 0)} failed.`
			: '';
		responsive(
			stageBox,
			(w) =>
				barChart(
					stages.stages.map((s) => ({
						label: stageLabel(s.stage),
						value: s.seconds / 60,
						title: `${s.stage}: median ${duration(s.seconds)}`,
					})),
					{
						width: w,
						format: minutes,
						label: 'Median job duration per stage',
						empty: 'No jobs in the last 30 days.',
					},
				),
			ctx.signal,
		);
		notes.stage.textContent = `Median job duration of each stage over the last 30 days (${stages.source}).`;
	}

	await Promise.all([health(), envs(), recent(), rc(), train()]);
	charts().catch((e) => {
		if (e?.name !== 'AbortError')
			passBox.replaceChildren(h('p', { class: 'empty' }, `Charts unavailable: ${e.message}`));
	});

	const quiet = (fn) => () => fn().catch(() => {});
	ctx.live(
		['run.updated'],
		quiet(async () => {
			await Promise.all([health(), recent()]);
		}),
		{ delay: 1000 },
	);
	ctx.live(['deployment.updated', 'environment.changed', 'release.*'], quiet(envs), {
		delay: 800,
	});
	ctx.live(
		['tag.rc', 'release.*', 'rc.*', 'feedback.*', 'deployment.updated'],
		quiet(async () => {
			await Promise.all([rc(), train()]);
		}),
		{ delay: 800 },
	);
}
