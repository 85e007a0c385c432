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
