// Journey: search a PR (owner/name#123, name#123, #123) or a commit SHA; the road from
// pull request to release as a timeline, where the change is now, how long each leg took.
import { h } from '../dom.js';
import { get, query, ApiError } from '../api.js';
import { duration, between, shortSha, parseTime } from '../format.js';
import {
	timeEl,
	shaEl,
	extLink,
	section,
	pill,
	deployPill,
	runPill,
	pageHead,
	refreshable,
	repoShort,
	loading,
} from '../ui.js';

export function parseQuery(text, repos, fallbackRepo) {
	const s = (text || '').trim().replace(/^https?:\/\/github\.com\//i, '');
	if (!s) return null;
	let m = /^([\w.-]+)\/([\w.-]+)(?:#|\/pull\/)(\d+)$/.exec(s);
	if (m) return { kind: 'pr', repo: `${m[1]}/${m[2]}`, number: Number(m[3]) };
	m = /^([\w.-]+)#(\d+)$/.exec(s);
	if (m) {
		const r = repos.find((x) => x.full_name.split('/')[1].toLowerCase() === m[1].toLowerCase());
		return {
			kind: 'pr',
			repo: r ? r.full_name : null,
			number: Number(m[2]),
			missingRepo: r ? null : m[1],
		};
	}
	m = /^(?:PR\s*)?#?(\d{1,7})$/i.exec(s);
	if (m) return { kind: 'pr', repo: fallbackRepo, number: Number(m[1]) };
	m = /^(?:([\w.-]+)\/([\w.-]+)@)?([0-9a-f]{7,40})$/i.exec(s);
	if (m)
		return {
			kind: 'sha',
			repo: m[1] ? `${m[1]}/${m[2]}` : null,
			sha: m[3].toLowerCase(),
		};
	return { kind: 'invalid', text: s };
}

function repoPath(full) {
	const [o, n] = full.split('/');
	return `/repos/${encodeURIComponent(o)}/${encodeURIComponent(n)}`;
}

// "In RC v1.2.0-rc.1" → "in RC v1.2.0-rc.1": a title inside a sentence
const lowerFirst = (t) => t.charAt(0).toLowerCase() + t.slice(1);

const STEP_ICON = { done: '✓', failed: '✕', in_progress: '◐', pending: '', skipped: '–' };

// The road, in the order of the API's step names (JourneyStep.step): how far along a change
// is. The server lists the steps in the order they happened, which may differ (staging may
// get a commit before its main pipeline ends).
const ROAD = [
	'opened',
	'ci',
	'merged',
	'main_pipeline',
	'e2e',
	'deployed',
	'in_rc',
	'feedback',
	'released',
];
const roadIndex = (s) => ROAD.indexOf(s.step.startsWith('deployed:') ? 'deployed' : s.step);

// The steps reached, in the order they happened (the server's); then those not reached, in
// road order.
function arrange(steps) {
	const reached = steps.filter((s) => s.at && s.status !== 'pending');
	const ahead = steps
		.filter((s) => !s.at || s.status === 'pending')
		.sort((a, b) => roadIndex(a) - roadIndex(b));
	// a failed attempt followed by a later success of the same step is history, not a stop
	const lastOk = new Map();
	for (const s of reached) if (s.status === 'done') lastOk.set(s.step, parseTime(s.at));
	for (const s of reached) {
		s._superseded =
			s.status === 'failed' && lastOk.has(s.step) && lastOk.get(s.step) > parseTime(s.at);
	}
	// pending steps that lie behind the furthest reached step of the road were skipped
	const furthest = Math.max(-1, ...reached.map(roadIndex));
	for (const s of ahead) s._skipped = roadIndex(s) < furthest;
	return {
		reached,
		ahead: ahead.filter((s) => !s._skipped),
		skipped: ahead.filter((s) => s._skipped),
	};
}

// Where the change is now: the furthest step of the road it reached (road order, not time),
// unless a later or equal step failed (and was not re-run green) or is running.
function nowStep({ reached, ahead }) {
	const idx = roadIndex;
	const done = reached.filter((s) => s.status === 'done' || s._superseded);
	const furthest = done.reduce(
		(m, s) =>
			!m || idx(s) > idx(m) || (idx(s) === idx(m) && Date.parse(s.at) > Date.parse(m.at))
				? s
				: m,
		null,
	);
	const blocking = reached
		.filter((s) => (s.status === 'failed' && !s._superseded) || s.status === 'in_progress')
		.filter((s) => !furthest || idx(s) >= idx(furthest))
		.sort((a, b) => idx(b) - idx(a))[0];
	if (blocking) return { step: blocking, kind: blocking.status };
	const next = ahead.find((s) => !furthest || idx(s) > idx(furthest)) || null;
	return { step: furthest, kind: 'done', next };
}

function feedbackPills(f) {
	return h(
		'span',
		{ class: 'row' },
		f.approve ? pill('ok', '✓', `${f.approve} approve`) : null,
		f.concern ? pill('warn', '!', `${f.concern} concern`) : null,
		f.block ? pill('bad', '✕', `${f.block} block`) : null,
		!f.approve && !f.concern && !f.block ? h('span', { class: 'muted' }, 'no feedback') : null,
	);
}

// What a step is about: the fields of its detail (JourneyStep.detail) for that step.
function stepDetail(s, repo) {
	const d = s.detail;
	const bits = [];
	switch (s.step) {
		case 'opened':
			if (d.url) bits.push(extLink(d.url, 'GitHub'));
			if (d.author) bits.push(h('span', {}, `by ${d.author}`));
			break;
		case 'ci':
			if (d.run_id)
				bits.push(
					h(
						'a',
						{ href: `/runs/${d.run_id}` },
						`run ${d.run_id}${d.attempt > 1 ? `, attempt ${d.attempt}` : ''}`,
					),
				);
			break;
		case 'merged':
			if (d.merge_commit_sha)
				bits.push(h('span', { class: 'row' }, 'as ', shaEl(d.merge_commit_sha, repo)));
			break;
		case 'main_pipeline':
			for (const r of d.runs || [])
				bits.push(
					h(
						'span',
						{ class: 'row' },
						h('a', { href: `/runs/${r.run_id}` }, r.workflow || `run ${r.run_id}`),
						runPill(r.status, r.conclusion),
					),
				);
			break;
		case 'e2e': {
			const jobs = d.jobs || [];
			const failed = jobs.filter((j) => j.conclusion === 'failure' && j.required);
			if (jobs.length)
				bits.push(
					h(
						'span',
						{},
						failed.length
							? `${failed.length} of ${jobs.length} required jobs failed: ${failed.map((j) => j.name).join(', ')}`
							: `${jobs.length} jobs: ${jobs.map((j) => j.name).join(', ')}`,
					),
				);
			break;
		}
		case 'in_rc':
			// the candidates of the release that shipped it (or will), oldest first
			if (d.release_candidates.length) {
				bits.push(
					h(
						'span',
						{ class: 'row' },
						d.release_candidates.map((r) =>
							h(
								'span',
								{ class: 'row' },
								h(
									'a',
									{
										href: `/release-candidates/${r.id}`,
									},
									r.version,
								),
								h('span', { class: 'tag' }, r.state),
							),
						),
					),
				);
			}
			break;
		case 'feedback':
			bits.push(feedbackPills(d));
			break;
		case 'released':
			if (d.release)
				bits.push(
					h(
						'span',
						{ class: 'row' },
						h('strong', {}, d.release.version),
						d.release.url ? extLink(d.release.url, 'GitHub') : null,
					),
				);
			break;
		default:
			if (d.revision)
				bits.push(
					h(
						'span',
						{ class: 'row' },
						h('code', { class: 'sha' }, d.revision),
						h(
							'a',
							{
								href: `/environments/${encodeURIComponent(d.environment)}`,
							},
							d.environment,
						),
					),
				);
	}
	return bits.length ? h('div', { class: 'step-detail row' }, bits) : null;
}

// The release candidates and releases that contain the change too but did not ship it
// (Journey.also_in): listed apart from the road.
function alsoInView(also, steps) {
	const rcs = also.release_candidates,
		rels = also.releases;
	if (!rcs.length && !rels.length) return null;
	const released = steps.find((s) => s.step === 'released' && s.status === 'done');
	const inRc = steps.find((s) => s.step === 'in_rc' && s.status === 'done');
	const why = released
		? `These contain the change too, but did not ship it: it shipped in ${released.detail.release.version}, and the road above follows that release.`
		: inRc
			? `These contain the change too; the road above follows the candidates of ${inRc.detail.release_candidates[0].target}, the first release it was in.`
			: 'These contain the change too.';
	return section(
		'Also in',
		h(
			'div',
			{ class: 'stack' },
			h('p', { class: 'hint' }, why),
			rcs.length
				? h(
						'ul',
						{
							class: 'change-list',
							'aria-label': 'Other release candidates that contain this change',
						},
						rcs.map((r) =>
							h(
								'li',
								{ 'data-rc': r.version },
								h(
									'a',
									{
										href: `/release-candidates/${r.id}`,
									},
									r.version,
								),
								h('span', { class: 'tag' }, r.state),
								h('span', { class: 'muted' }, 'cut ', timeEl(r.cut_at)),
								feedbackPills(r.feedback),
							),
						),
					)
				: null,
			rels.length
				? h(
						'ul',
						{
							class: 'change-list',
							'aria-label': 'Later releases that contain this change',
						},
						rels.map((r) =>
							h(
								'li',
								{ 'data-release': r.version },
								h('strong', {}, r.version),
								h('span', { class: 'muted' }, 'released ', timeEl(r.released_at)),
								r.url ? extLink(r.url, 'GitHub') : null,
							),
						),
					)
				: null,
		),
		{ id: 'journey-also-in' },
	);
}

function timeline(arr, repo) {
	const { reached, ahead, skipped } = arr;
	const now = nowStep(arr);
	const items = [];
	let prev = null;
	for (const s of reached) {
		const leg = prev ? between(prev.at, s.at) : null;
		const isNow = now.step === s && now.kind !== 'done';
		const cls = s._superseded
			? 'done'
			: s.status === 'failed'
				? 'bad'
				: s.status === 'in_progress'
					? 'now'
					: 'done';
		items.push(
			h(
				'li',
				{
					class: [cls, isNow && 'now'],
					'data-step': s.step,
					'data-status': s.status,
				},
				h(
					'span',
					{ class: 'node', 'aria-hidden': 'true' },
					s._superseded ? '↻' : (STEP_ICON[s.status] ?? ''),
				),
				h(
					'div',
					{ class: 'step-head' },
					h('span', { class: 'step-title' }, s.title),
					s._superseded
						? pill('warn', '↻', 'failed, then re-run')
						: s.status === 'failed'
							? pill('bad', '✕', 'failed')
							: s.status === 'in_progress'
								? pill('run', '◐', 'in progress')
								: null,
					timeEl(s.at),
				),
				stepDetail(s, repo),
				leg !== null && leg >= 0
					? h(
							'span',
							{ class: 'leg' },
							`+${duration(leg)} after ${lowerFirst(prev.title)}`,
						)
					: null,
			),
		);
		prev = s;
	}
	for (const s of ahead) {
		items.push(
			h(
				'li',
				{ class: 'future', 'data-step': s.step, 'data-status': s.status },
				h('span', { class: 'node', 'aria-hidden': 'true' }),
				h(
					'div',
					{ class: 'step-head' },
					h('span', { class: 'step-title' }, s.title),
					h('span', { class: 'muted' }, 'not yet'),
				),
			),
		);
	}
	return [
		h('ol', { class: 'timeline', 'aria-label': 'Journey steps' }, items),
		skipped.length
			? h(
					'p',
					{ class: 'hint' },
					`Not part of this change's road: ${skipped.map((s) => lowerFirst(s.title)).join(', ')}.`,
				)
			: null,
	];
}

function nowBanner(arr) {
	const now = nowStep(arr);
	const s = now.step;
	let text, tone, icon;
	if (!s) {
		[text, tone, icon] = ['Not started yet', 'pending', '○'];
	} else if (now.kind === 'failed') {
		[text, tone, icon] = [`Stopped: ${lowerFirst(s.title)} failed`, 'bad', '✕'];
	} else if (now.kind === 'in_progress') {
		[text, tone, icon] = [`${s.title} — running now`, 'run', '◐'];
	} else if (now.next) {
		[text, tone, icon] = [s.title, 'run', '●'];
	} else {
		[text, tone, icon] = [s.title, 'ok', '✓'];
	}
	return h(
		'div',
		{
			class: ['now-banner', `now-${tone}`],
			id: 'journey-now',
			role: 'status',
			'data-step': s?.step || '',
		},
		h('span', { class: 'now-icon', 'aria-hidden': 'true' }, icon),
		h(
			'div',
			{ class: 'now-text' },
			h('span', { class: 'now-label' }, 'Where it is now'),
			h('strong', {}, text),
			h(
				'span',
				{ class: 'muted' },
				s?.at ? timeEl(s.at) : null,
				now.next ? ` · next: ${lowerFirst(now.next.title)}` : '',
			),
		),
	);
}

// The legs people ask about: review, to main, to staging, to a release candidate, to release.
function legs(steps) {
	const first = (pred) =>
		steps
			.filter((s) => s.at && s.status === 'done' && pred(s))
			.sort((a, b) => parseTime(a.at) - parseTime(b.at))[0];
	const opened = first((s) => s.step === 'opened');
	const merged = first((s) => s.step === 'merged');
	const main = first((s) => s.step === 'main_pipeline');
	const staging = first((s) => s.step.startsWith('deployed:') && s.detail.tier === 'staging');
	const rc = first((s) => s.step === 'in_rc');
	const released = first((s) => s.step === 'released');
	const out = [];
	const add = (label, a, b) => {
		if (a && b)
			out.push(
				h(
					'li',
					{},
					label,
					h('span', { class: 'leg-time' }, duration(Math.max(0, between(a.at, b.at)))),
				),
			);
	};
	add('Open → merged', opened, merged);
	add('Merged → main green', merged, main);
	add('Merged → on staging', merged, staging);
	add('Merged → in a release candidate', merged, rc);
	add('Merged → released', merged, released);
	add('Opened → released', opened, released);
	return out.length
		? h('ul', { class: 'legs', 'aria-label': 'How long each leg took' }, out)
		: null;
}

function whereView(w) {
	const envs = w.environments;
	return h(
		'div',
		{ class: 'stack' },
		h(
			'div',
			{ class: 'env-cards' },
			envs.map((e) =>
				h(
					'article',
					{ class: 'env-card', 'data-env': e.name },
					h(
						'div',
						{ class: 'row' },
						h(
							'h3',
							{},
							h(
								'a',
								{
									href: `/environments/${encodeURIComponent(e.name)}`,
								},
								e.name,
							),
						),
						h('span', { class: 'tier' }, e.tier || ''),
					),
					e.contains
						? pill('ok', '✓', 'contains this change')
						: pill('muted', '–', e.current_deployment ? 'not yet' : 'nothing deployed'),
					e.current_deployment
						? h(
								'div',
								{ class: 'muted' },
								'runs ',
								h(
									'code',
									{ class: 'sha' },
									e.current_deployment.revision ||
										shortSha(e.current_deployment.commit),
								),
								' ',
								deployPill(e.current_deployment.status),
							)
						: null,
				),
			),
		),
		w.release_candidates.length
			? h(
					'p',
					{},
					'In release candidates: ',
					w.release_candidates.map((r, i) => [
						i ? ', ' : '',
						h('a', { href: `/release-candidates/${r.id}` }, r.version),
					]),
				)
			: null,
		w.releases.length
			? h(
					'p',
					{},
					'Released in: ',
					w.releases.map((r, i) => [i ? ', ' : '', r.version]),
				)
			: null,
		w.artifacts.length
			? h(
					'div',
					{},
					h('h3', {}, 'Built from this commit'),
					h(
						'ul',
						{ class: 'change-list' },
						w.artifacts.map((a) =>
							h(
								'li',
								{},
								h('span', { class: 'tag' }, a.kind),
								h('span', {}, `${a.name}:${a.version}`),
								h(
									'span',
									{
										class: 'digest',
										title: a.digest,
									},
									a.digest.slice(0, 19) + '…',
								),
							),
						),
					),
				)
			: null,
	);
}

export default async function journey(ctx) {
	ctx.title('Journey');
	const repos = (await get('/repos?limit=200', { signal: ctx.signal }))?.items || [];
	const initialRepo =
		ctx.query.get('repo') ||
		repos.find((r) => /enterprise/.test(r.full_name))?.full_name ||
		repos[0]?.full_name ||
		'';
	const qText = ctx.query.get('q') || '';
	const input = h('input', {
		id: 'journey-q',
		name: 'q',
		type: 'search',
		value: qText,
		autocomplete: 'off',
		spellcheck: 'false',
		placeholder: 'weaveworks/weave-gitops-enterprise#3512 or a commit SHA',
		'aria-describedby': 'journey-hint',
	});
	const repoSelect = h(
		'select',
		{
			id: 'journey-repo',
			name: 'repo',
			'aria-label': 'Repository for a bare PR number or SHA',
		},
		repos.map((r) =>
			h('option', { value: r.full_name, selected: r.full_name === initialRepo }, r.full_name),
		),
	);
	const form = h(
		'form',
		{
			class: 'search-bar',
			role: 'search',
			'aria-label': 'Find a change',
			id: 'journey-form',
		},
		h('label', { for: 'journey-q', class: 'visually-hidden' }, 'Pull request or commit'),
		input,
		repoSelect,
		h('button', { type: 'submit', class: 'btn btn-primary' }, 'Show the journey'),
	);
	const result = h('div', { id: 'journey-result', 'aria-live': 'polite' });
	ctx.main.append(
		pageHead({
			title: 'Journey of a change',
			sub: 'Where is my change? From pull request to release, with how long each leg took.',
		}),
		form,
		h(
			'p',
			{ class: 'hint', id: 'journey-hint' },
			'Type a pull request as owner/name#123, name#123 or #123 (in the repository chosen), or a commit SHA (7 to 40 hex digits).',
		),
		result,
	);

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const q = input.value.trim();
		ctx.navigate(`/journey${query({ q, repo: repoSelect.value })}`);
	});

	if (!qText) {
		result.replaceChildren(
			h(
				'div',
				{ class: 'callout callout-info' },
				h(
					'p',
					{},
					'Search for a pull request or a commit to see its road. Recently merged:',
				),
				await recentMerged(ctx),
			),
		);
		return;
	}
	const parsed = parseQuery(qText, repos, repoSelect.value);
	const show = refreshable(result, async () => {
		if (!parsed || parsed.kind === 'invalid')
			return h(
				'div',
				{ class: 'callout callout-warn', role: 'alert' },
				`“${qText}” is neither a pull request (owner/name#123) nor a commit SHA.`,
			);
		if (parsed.kind === 'pr') {
			if (!parsed.repo)
				return h(
					'div',
					{ class: 'callout callout-warn', role: 'alert' },
					`No repository called “${parsed.missingRepo}”.`,
				);
			return prJourney(ctx, parsed.repo, parsed.number);
		}
		return shaJourney(ctx, parsed.sha, parsed.repo || ctx.query.get('repo'));
	});
	result.replaceChildren(loading('Finding the change…'));
	await show().catch((e) => {
		if (e instanceof ApiError && e.status === 404) {
			result.replaceChildren(
				h(
					'div',
					{ class: 'callout callout-warn', role: 'alert' },
					h('strong', {}, 'Not found. '),
					`shiplog has no record of ${qText}. It may be in another repository, or not reported yet.`,
				),
			);
			return;
		}
		throw e;
	});
	ctx.live(
		[
			'run.updated',
			'pull_request.updated',
			'deployment.updated',
			'tag.rc',
			'release.*',
			'rc.*',
			'feedback.*',
		],
		() => show().catch(() => {}),
		{ delay: 1000 },
	);
}

async function recentMerged(ctx) {
	const runs = (await get('/runs?kind=main&limit=8', { signal: ctx.signal }))?.items || [];
	return h(
		'ul',
		{ class: 'change-list' },
		runs.map((r) => {
			const m = /\(#(\d+)\)\s*$/.exec(r.display_title || '');
			const href = m
				? `/journey${query({ q: `${r.repository}#${m[1]}` })}`
				: `/journey${query({ q: r.sha, repo: r.repository })}`;
			return h(
				'li',
				{},
				h('a', { href }, r.display_title || shortSha(r.sha)),
				h('span', { class: 'muted' }, repoShort(r.repository)),
			);
		}),
	);
}

async function prJourney(ctx, repo, number) {
	const j = await get(`${repoPath(repo)}/pulls/${number}/journey`, { signal: ctx.signal });
	const pr = j.pull_request;
	ctx.title(`#${number} ${pr.title || ''} · Journey`);
	const arr = arrange(j.steps.map((s) => ({ ...s })));
	return h(
		'div',
		{ class: 'stack', 'data-pr': `${repo}#${number}` },
		h(
			'div',
			{ class: 'page-head' },
			h(
				'div',
				{},
				h('p', { class: 'eyebrow' }, `${repo} · pull request #${number}`),
				h('h2', { class: 'journey-title' }, pr.title || `#${number}`),
				h(
					'p',
					{ class: 'sub row' },
					pr.author ? `by ${pr.author}` : '',
					pr.url ? extLink(pr.url, 'Open in GitHub') : null,
					h('a', { href: `/runs${query({ repo, pr: number })}` }, 'Its runs'),
				),
			),
		),
		nowBanner(arr),
		legs(j.steps),
		section('The road', timeline(arr, repo), { id: 'journey-road' }),
		alsoInView(j.also_in, j.steps),
	);
}

async function shaJourney(ctx, sha, repoHint) {
	let repo = repoHint;
	const found = (await get(`/runs${query({ sha, limit: 1 })}`, { signal: ctx.signal }))
		?.items?.[0];
	if (found) repo = found.repository;
	if (!repo) throw new ApiError(404, { detail: 'no repository knows this commit' });
	const where = await get(`${repoPath(repo)}/commits/${sha}/where`, { signal: ctx.signal });
	const commit = where.commit || {};
	const pr = where.pull_requests[0];
	ctx.title(`${shortSha(sha)} · Journey`);
	const parts = [
		h(
			'div',
			{ class: 'page-head' },
			h(
				'div',
				{},
				h('p', { class: 'eyebrow' }, `${repo} · commit`),
				h(
					'h2',
					{ class: 'journey-title row' },
					h('code', { class: 'sha' }, shortSha(where.sha)),
					(commit.message || '').split('\n')[0],
				),
				h(
					'p',
					{ class: 'sub row' },
					commit.author ? `by ${commit.author}` : '',
					commit.committed_at ? timeEl(commit.committed_at) : null,
					commit.url ? extLink(commit.url, 'Open in GitHub') : null,
					where.default_branch
						? h(
								'span',
								{ class: 'muted' },
								`#${where.default_branch.seq} on ${where.default_branch.name}${where.default_branch.left ? ' (rewritten away)' : ''}`,
							)
						: h('span', { class: 'muted' }, 'not on the default branch'),
				),
			),
		),
		section('Where it is', whereView(where), { id: 'journey-where' }),
	];
	if (pr) {
		try {
			parts.push(await prJourney(ctx, repo, pr.number));
		} catch (e) {
			if (e.status !== 404) throw e;
		}
	}
	return h('div', { class: 'stack', 'data-sha': sha }, parts);
}
