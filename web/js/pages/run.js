// A run: its attempts, each with its jobs grouped by stage and a Gantt timeline.
import { h } from '../dom.js';
import { get } from '../api.js';
import { shortSha, duration } from '../format.js';
import {
	runPill,
	timeEl,
	shaEl,
	extLink,
	pageHead,
	section,
	kv,
	durationEl,
	refreshable,
	statePill,
	stageLabel,
} from '../ui.js';
import { gantt } from './gantt.js';

// Jobs grouped by stage: one <tbody> per stage, headed by the stage's name.
function jobsTable(stages) {
	const cols = [
		{
			label: 'Job',
			class: 'wrap-title',
			cell: (j) =>
				h(
					'div',
					{ class: 'cell-title' },
					j.url ? extLink(j.url, j.name) : h('span', {}, j.name),
					j.required === false
						? h(
								'span',
								{ class: 'cell-sub' },
								'optional: may fail without making the run red',
							)
						: null,
				),
		},
		{ label: 'Result', cell: (j) => runPill(j.status, j.conclusion) },
		{ label: 'Runner', cell: (j) => h('span', { class: 'muted' }, j.runner || '—') },
		{
			label: 'Waited',
			class: 'right',
			cell: (j) =>
				durationEl(
					j.queued_at && j.started_at
						? (Date.parse(j.started_at) - Date.parse(j.queued_at)) / 1000
						: null,
				),
		},
		{
			label: 'Duration',
			class: 'right',
			cell: (j) =>
				durationEl(
					j.duration_seconds ??
						(j.started_at && !j.completed_at
							? (Date.now() - Date.parse(j.started_at)) / 1000
							: null),
				),
		},
	];
	if (!stages.some((s) => s.jobs.length))
		return h('p', { class: 'empty' }, 'No jobs reported for this attempt yet.');
	const stageDuration = (s) => {
		const ran = s.jobs.filter((j) => j.conclusion !== 'skipped');
		const st = ran.map((j) => Date.parse(j.started_at || '')).filter(Number.isFinite);
		const en = ran.map((j) => Date.parse(j.completed_at || '')).filter(Number.isFinite);
		return st.length && en.length ? (Math.max(...en) - Math.min(...st)) / 1000 : null;
	};
	return h(
		'div',
		{ class: 'table-wrap' },
		h(
			'table',
			{ class: 'grid cards jobs' },
			h('caption', { class: 'visually-hidden' }, 'Jobs by stage'),
			h(
				'thead',
				{},
				h(
					'tr',
					{},
					cols.map((c) => h('th', { scope: 'col', class: c.class }, c.label)),
				),
			),
			stages
				.filter((s) => s.jobs.length)
				.map((s) =>
					h(
						'tbody',
						{ 'data-stage': s.stage },
						h(
							'tr',
							{ class: 'stage-group' },
							h(
								'th',
								{
									scope: 'rowgroup',
									colspan: String(cols.length),
									class: 'stage-name',
								},
								stageLabel(s.stage),
								h(
									'span',
									{ class: 'muted' },
									` · ${s.jobs.length} job${s.jobs.length === 1 ? '' : 's'} · ${duration(stageDuration(s))}`,
								),
							),
						),
						s.jobs.map((j) =>
							h(
								'tr',
								{},
								cols.map((c) =>
									h(
										'td',
										{
											class: c.class,
											'data-label': c.label,
										},
										c.cell(j),
									),
								),
							),
						),
					),
				),
		),
	);
}

function attemptView(a, container) {
	const stages = a.stages || [];
	const chartBox = h('div', { class: 'gantt-box' });
	const draw = () => {
		const w = Math.max(280, Math.floor(chartBox.clientWidth || container.clientWidth || 900));
		const g = gantt(stages, { width: w });
		chartBox.replaceChildren(g || h('p', { class: 'empty' }, 'No timings yet.'));
	};
	const failed = stages
		.flatMap((s) => s.jobs)
		.filter((j) => j.conclusion === 'failure' || j.conclusion === 'timed_out');
	const view = h(
		'div',
		{ class: 'stack' },
		failed.length
			? h(
					'div',
					{ class: 'callout callout-bad' },
					h('strong', {}, failed.length === 1 ? 'Failed job: ' : 'Failed jobs: '),
					failed.map((j, i) => [i ? ', ' : '', j.url ? extLink(j.url, j.name) : j.name]),
				)
			: null,
		section('Timeline', chartBox, {
			id: `timeline-${a.attempt}`,
			actions: h(
				'span',
				{ class: 'muted' },
				`${a.duration_seconds != null ? duration(a.duration_seconds) : 'running'} · light bars are time waiting for a runner`,
			),
		}),
		section('Jobs', jobsTable(stages), { id: `jobs-${a.attempt}`, className: 'flush' }),
	);
	return { view, draw };
}

export default async function run(ctx) {
	const id = ctx.params[0];
	const root = h('div', { id: 'run-page' });
	ctx.main.append(root);
	let selected = null;
	let onResize = null;

	let data = null;
	const draw = () => {
		const r = data;
		ctx.title(`${r.display_title || r.workflow?.name || 'Run'} · ${r.repository}`);
		const attempts = (r.attempts || []).slice().sort((a, b) => a.attempt - b.attempt);
		if (selected === null || !attempts.some((a) => a.attempt === selected))
			selected = attempts.length ? attempts[attempts.length - 1].attempt : null;

		const prs = (r.pull_requests || []).map((p) =>
			h(
				'span',
				{ class: 'row' },
				extLink(p.url, `#${p.number}`),
				h('span', {}, p.title || ''),
			),
		);
		const commit = r.commit || {};
		const head = pageHead({
			eyebrow: `${r.repository} · ${r.workflow?.name || r.provider}${r.run_number ? ` #${r.run_number}` : ''}`,
			title: r.display_title || r.workflow?.name || `Run ${r.id}`,
			status: runPill(r.status, r.conclusion),
			actions: [
				r.kind === 'pr' && r.pull_requests?.[0]
					? h(
							'a',
							{
								class: 'btn',
								href: `/journey?q=${encodeURIComponent(`${r.repository}#${r.pull_requests[0].number}`)}`,
							},
							'Journey of this PR',
						)
					: null,
				r.sha
					? h(
							'a',
							{
								class: 'btn',
								href: `/journey?q=${encodeURIComponent(r.sha)}&repo=${encodeURIComponent(r.repository)}`,
							},
							`Where is ${shortSha(r.sha)}?`,
						)
					: null,
				r.url ? extLink(r.url, 'Open in GitHub', { class: 'btn' }) : null,
			],
		});
		const summary = section(
			'Summary',
			kv([
				[
					'Workflow',
					h(
						'span',
						{},
						r.workflow?.name || '—',
						r.workflow?.path
							? h('span', { class: 'muted' }, ` (${r.workflow.path})`)
							: '',
					),
				],
				['Kind', h('span', { class: 'tag' }, r.kind || 'other')],
				['Trigger', r.event || '—'],
				['Branch', h('span', { class: 'branch' }, r.branch || '—')],
				[
					'Commit',
					h(
						'span',
						{ class: 'row' },
						shaEl(r.sha, r.repository),
						commit.message ? h('span', {}, commit.message.split('\n')[0]) : null,
						commit.author
							? h(
									'span',
									{ class: 'muted' },
									`by ${commit.author_login || commit.author}`,
								)
							: null,
					),
				],
				prs.length ? ['Pull requests', h('span', { class: 'stack' }, prs)] : null,
				['Queued', timeEl(r.queued_at)],
				['Started', timeEl(r.started_at)],
				[
					'Finished',
					r.completed_at ? timeEl(r.completed_at) : statePill('not yet', 'run', '◐'),
				],
				['Duration', durationEl(r.duration_seconds)],
				[
					'Attempts',
					attempts.length > 1
						? h('span', { class: 'badge-attempt' }, `↻ ${attempts.length} attempts`)
						: '1',
				],
			]),
			{ id: 'run-summary' },
		);

		const tabs =
			attempts.length > 1
				? h(
						'div',
						{
							class: 'attempt-tabs',
							role: 'tablist',
							'aria-label': 'Attempts',
						},
						attempts.map((a) =>
							h(
								'button',
								{
									type: 'button',
									role: 'tab',
									id: `tab-${a.attempt}`,
									'aria-selected': String(a.attempt === selected),
									'aria-controls': 'attempt-panel',
									tabindex: a.attempt === selected ? '0' : '-1',
									onclick: () => {
										selected = a.attempt;
										draw();
										document.getElementById(`tab-${a.attempt}`)?.focus();
									},
									onkeydown: (ev) => {
										const i = attempts.findIndex(
											(x) => x.attempt === a.attempt,
										);
										const d =
											ev.key === 'ArrowRight'
												? 1
												: ev.key === 'ArrowLeft'
													? -1
													: 0;
										if (!d) return;
										ev.preventDefault();
										const nx =
											attempts[(i + d + attempts.length) % attempts.length];
										selected = nx.attempt;
										draw();
										document.getElementById(`tab-${nx.attempt}`)?.focus();
									},
								},
								`Attempt ${a.attempt}`,
								runPill(a.status, a.conclusion),
							),
						),
					)
				: null;
		const att = attempts.find((a) => a.attempt === selected);
		const av = att ? attemptView(att, root) : null;
		const panel = h(
			'div',
			{
				id: 'attempt-panel',
				role: attempts.length > 1 ? 'tabpanel' : null,
				'aria-labelledby': attempts.length > 1 ? `tab-${selected}` : null,
			},
			av ? av.view : h('p', { class: 'empty' }, 'No attempts recorded yet.'),
		);
		root.replaceChildren(
			head,
			h(
				'div',
				{ class: 'grid-main' },
				h('div', { class: 'stack' }, tabs, panel),
				h('div', { class: 'stack' }, summary),
			),
		);
		if (av) {
			av.draw();
			if (onResize) window.removeEventListener('resize', onResize);
			let t = null;
			onResize = () => {
				clearTimeout(t);
				t = setTimeout(av.draw, 150);
			};
			window.addEventListener('resize', onResize);
		}
	};
	const refresh = refreshable(root, async () => {
		data = await get(`/runs/${id}`, { signal: ctx.signal });
		draw();
		return undefined;
	});
	ctx.signal.addEventListener(
		'abort',
		() => onResize && window.removeEventListener('resize', onResize),
	);
	await refresh();
	ctx.live(['run.updated', 'job.updated'], () => refresh().catch(() => {}), {
		filter: (e) => String(e?.payload?.run_id ?? e?.entity_id) === String(id),
	});
}
