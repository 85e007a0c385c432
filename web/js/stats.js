// stats.js — the numbers behind the charts, from the server's aggregate endpoints
// (GET /api/v1/stats/...): one request per chart, whatever the size of the history.
import { get, query } from './api.js';
import { day } from './format.js';

// {source, days: [{key, label, total, passed, failed, passRate (0..100 | null),
//   duration (median seconds | null)}]}
export async function mainDaily({ days = 21, repo, signal } = {}) {
	const data = await get(`/stats/default-branch${query({ repo, days })}`, { signal });
	return {
		source: 'GET /api/v1/stats/default-branch',
		days: (data?.series || []).map((d) => ({
			key: d.day,
			label: day(`${d.day}T12:00:00Z`),
			total: d.runs,
			passed: d.passed,
			failed: d.failed,
			passRate: d.pass_rate === null ? null : d.pass_rate * 100,
			duration: d.median_duration_seconds,
		})),
	};
}

// {source, weeks: [{label, total, failed}]}, oldest first
export async function deploymentsPerWeek({ weeks = 8, environment, signal } = {}) {
	const data = await get(`/stats/deployments${query({ weeks, environment })}`, { signal });
	return {
		source: 'GET /api/v1/stats/deployments',
		weeks: (data?.series || []).map((w) => ({
			label: day(`${w.starts}T12:00:00Z`),
			total: w.deployments,
			failed: w.failed,
		})),
	};
}

// {source, stages: [{stage, seconds}]}: median job duration per stage, pipeline order
export async function stageDurations({ days = 30, repo, signal } = {}) {
	const data = await get(`/stats/stages${query({ repo, days })}`, { signal });
	return {
		source: 'GET /api/v1/stats/stages',
		stages: (data?.stages || []).map((s) => ({
			stage: s.stage,
			seconds: s.median_seconds,
		})),
	};
}

// {source, jobs: [{repository, workflow, job, flakyRuns, lastSeen, lastRunId}]}
export async function flakyJobs({ days = 30, repo, signal } = {}) {
	const data = await get(`/stats/flaky-jobs${query({ repo, days })}`, { signal });
	return {
		source: 'GET /api/v1/stats/flaky-jobs',
		jobs: (data?.jobs || []).map((j) => ({
			repository: j.repository,
			workflow: j.workflow,
			job: j.job,
			flakyRuns: j.flaky_runs,
			lastSeen: j.last_seen,
			lastRunId: j.last_run_id,
		})),
	};
}

// {source, weeks: [{label, cut, released, overrides, unready}], totals: {same}}, oldest first:
// release candidates cut, versions released, readiness overrides (approvals or releases of an
// unready RC by a release manager) and GitHub releases of unready RCs
export async function releasesPerWeek({ weeks = 8, repo, signal } = {}) {
	const data = await get(`/stats/releases${query({ repo, weeks })}`, { signal });
	const counts = (w) => ({
		cut: w.rcs_cut,
		released: w.released,
		overrides: w.overrides,
		unready: w.released_without_readiness,
	});
	return {
		source: 'GET /api/v1/stats/releases',
		weeks: (data?.series || []).map((w) => ({
			label: day(`${w.starts}T12:00:00Z`),
			...counts(w),
		})),
		totals: counts(data?.totals || {}),
	};
}
