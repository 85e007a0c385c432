// stats.js — the numbers behind the charts. Where the server offers aggregate endpoints
// (GET /api/v1/stats/...) they are used; until then they are computed here from the
// runs and deployments lists (bounded: a few hundred items, a handful of run details).
import { get, getAll, query, hasRoute } from './api.js';
import { parseTime, day } from './format.js';

const DAY = 86400_000;

function dayKey(ms) {
	const d = new Date(ms);
	return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function median(xs) {
	if (!xs.length) return null;
	const s = xs.slice().sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function statsRoute(...names) {
	return names.find((n) => hasRoute(n)) || null;
}

// [{key, label, total, passed, failed, passRate (0..100 | null), duration (median s | null)}]
export async function mainDaily({ days = 21, repo, signal } = {}) {
	const since = new Date(Date.now() - days * DAY);
	since.setHours(0, 0, 0, 0);
	const route = statsRoute('/stats/main', '/stats/default-branch', '/stats/main-daily', '/stats/pass-rate');
	if (route) {
		try {
			const data = await get(`${route}${query({ repo, days, since: since.toISOString() })}`, { signal });
			const items = data?.items || data?.days || [];
			if (items.length) {
				return {
					source: route,
					days: items.map((d) => {
						const key = d.day || d.date;
						const total = d.total ?? d.runs ?? null;
						const passed = d.passed ?? d.success ?? null;
						const rate = d.pass_rate ?? (total ? (100 * passed) / total : null);
						return {
							key, label: day(`${key}T12:00:00Z`), total, passed, failed: d.failed ?? (total != null && passed != null ? total - passed : null),
							passRate: rate !== null && rate <= 1 && d.pass_rate !== undefined && !(rate > 1) ? rate * 100 : rate,
							duration: d.median_duration_seconds ?? d.duration_seconds ?? d.p50_duration_seconds ?? null,
						};
					}),
				};
			}
		} catch {
			// fall back to computing it
		}
	}
	const runs = await getAll(`/runs${query({ kind: 'main', repo, since: since.toISOString(), limit: 200 })}`, { max: 1200, signal });
	const byDay = new Map();
	for (let t = since.getTime(); t <= Date.now(); t += DAY) byDay.set(dayKey(t), { key: dayKey(t), t, total: 0, passed: 0, failed: 0, durations: [] });
	for (const r of runs) {
		if (r.status !== 'completed') continue;
		const t = parseTime(r.created_at);
		const d = byDay.get(dayKey(t));
		if (!d) continue;
		if (r.conclusion === 'success') d.passed++;
		else if (r.conclusion === 'failure' || r.conclusion === 'timed_out') d.failed++;
		else continue;
		d.total++;
		if (r.duration_seconds != null) d.durations.push(r.duration_seconds);
	}
	return {
		source: 'computed from GET /api/v1/runs?kind=main',
		runs,
		days: [...byDay.values()].map((d) => ({
			key: d.key, label: day(d.t), total: d.total, passed: d.passed, failed: d.failed,
			passRate: d.total ? (100 * d.passed) / d.total : null,
			duration: median(d.durations),
		})),
	};
}

// [{label, total, failed}] per week (Monday first), newest last
export async function deploymentsPerWeek({ weeks = 8, environment, signal } = {}) {
	const route = statsRoute('/stats/deployments', '/stats/deployments-per-week');
	if (route) {
		try {
			const data = await get(`${route}${query({ weeks, environment })}`, { signal });
			const items = data?.items || data?.weeks || [];
			if (items.length) {
				return {
					source: route,
					weeks: items.map((w) => ({
						label: day(w.week || w.week_start || w.start),
						total: w.total ?? w.deployments ?? w.count ?? 0,
						failed: w.failed ?? 0,
					})),
				};
			}
		} catch {
			// fall back
		}
	}
	const monday = (ms) => {
		const d = new Date(ms);
		d.setHours(0, 0, 0, 0);
		d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
		return d.getTime();
	};
	const first = monday(Date.now()) - (weeks - 1) * 7 * DAY;
	const buckets = [];
	for (let i = 0; i < weeks; i++) buckets.push({ t: first + i * 7 * DAY, total: 0, failed: 0 });
	const items = await getAll(`/deployments${query({ environment, limit: 200 })}`, { max: 1000, signal });
	for (const d of items) {
		const t = parseTime(d.started_at || d.created_at);
		if (t === null || t < first) continue;
		const b = buckets[Math.floor((monday(t) - first) / (7 * DAY))];
		if (!b) continue;
		b.total++;
		if (d.status === 'failure' || d.status === 'error') b.failed++;
	}
	return {
		source: 'computed from GET /api/v1/deployments',
		weeks: buckets.map((b) => ({ label: day(b.t), total: b.total, failed: b.failed })),
	};
}

const STAGES = ['lint', 'unit', 'integration', 'build', 'publish', 'e2e', 'other'];

// [{stage, seconds}] medians over the latest completed default-branch runs
export async function stageDurations({ runs, sample = 8, repo, signal } = {}) {
	const route = statsRoute('/stats/stages', '/stats/stage-durations');
	if (route) {
		try {
			const data = await get(`${route}${query({ repo, kind: 'main' })}`, { signal });
			const items = data?.items || data?.stages || [];
			if (items.length) {
				return {
					source: route,
					stages: items.map((s) => ({ stage: s.stage, seconds: s.median_seconds ?? s.p50_seconds ?? s.seconds ?? s.duration_seconds ?? null })),
				};
			}
		} catch {
			// fall back
		}
	}
	let list = runs;
	if (!list) list = (await get(`/runs${query({ kind: 'main', repo, status: 'completed', limit: 30 })}`, { signal }))?.items || [];
	const picked = list.filter((r) => r.status === 'completed').slice(0, sample);
	const details = await Promise.all(picked.map((r) => get(`/runs/${r.id}`, { signal }).catch(() => null)));
	const per = new Map();
	for (const r of details) {
		const a = (r?.attempts || []).slice().sort((x, y) => y.attempt - x.attempt)[0];
		for (const s of a?.stages || []) {
			const ran = s.jobs.filter((j) => j.conclusion !== 'skipped' && j.conclusion !== 'cancelled');
			const starts = ran.map((j) => parseTime(j.started_at)).filter((x) => x !== null);
			const ends = ran.map((j) => parseTime(j.completed_at)).filter((x) => x !== null);
			if (!starts.length || !ends.length) continue;
			const secs = (Math.max(...ends) - Math.min(...starts)) / 1000;
			if (!per.has(s.stage)) per.set(s.stage, []);
			per.get(s.stage).push(secs);
		}
	}
	return {
		source: `computed from ${details.filter(Boolean).length} runs (GET /api/v1/runs/{id})`,
		stages: STAGES.filter((s) => per.has(s)).map((s) => ({ stage: s, seconds: median(per.get(s)) })),
	};
}
