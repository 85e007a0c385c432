// seed.mjs — a realistic few weeks of a product, loaded into a running shiplog through its
// real endpoints: signed GitHub deliveries (POST /webhooks/github), signed Flux events
// (POST /webhooks/flux) and API calls with tokens. Nothing goes to the database directly.
//
//   import { seed } from './seed.mjs';
//   const facts = await seed('http://127.0.0.1:8080', {adminToken, githubSecret, fluxSecret});
//
// Also a command: `node seed.mjs URL` with SHIPLOG_ADMIN_TOKEN, SHIPLOG_GITHUB_WEBHOOK_SECRET
// and SHIPLOG_FLUX_WEBHOOK_SECRET in the environment.
//
// The story (times relative to now, deterministic apart from that):
//   - three repositories: weaveworks/weave-gitops-enterprise (the product: PR workflow
//     "run tests", main workflow "deploy" with smoke tests, "release" on tags),
//     weaveworks/weave-gitops (open-source sibling, publishes npm packages) and
//     weaveworks/pipeline-controller;
//   - three weeks of pull requests with labels, each pushed, tested (some flaky: failed,
//     then passed on a re-run of the same commit), merged (squash) and built on main;
//   - the product's main went red for a day after a kind bump (two red runs, then a fix);
//     the open-source sibling's main is red right now;
//   - every main build publishes a Helm chart and two images; Flux upgrades staging to it
//     (one upgrade failed while main was red);
//   - v0.37.0-rc.1 was blocked by Sales, fixed, superseded by v0.37.0-rc.2, approved (by
//     Rita, the release manager, overriding the feedback gate while Support had not
//     answered: a recorded override) and released as v0.37.0; v0.38.0-rc.1 was cut
//     yesterday and waits for Sales;
//   - a few open pull requests, one with its tests running now.
// Where the release-candidate endpoints exist (GET /api/v1/release-candidates...), feedback
// is given through them with the people's own tokens; otherwise that part is skipped and
// `facts.skipped` says so.
import { createHash, createHmac, randomUUID } from 'node:crypto';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// ---- small deterministic helpers ----------------------------------------------------------
function mulberry32(a) {
	return function () {
		a |= 0;
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const sha1 = (label) => createHash('sha1').update(label).digest('hex');
const digestOf = (label) => 'sha256:' + createHash('sha256').update(label).digest('hex');
const iso = (ms) => new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const pad5 = (n) => String(n).padStart(5, '0');

// ---- the product ----------------------------------------------------------------------------
const PEOPLE = {
	alice: { email: 'alice@example.com', name: 'Alice Martin', team: 'sales' },
	bob: { email: 'bob@example.com', name: 'Bob Okafor', team: 'support' },
	carol: { email: 'carol@example.com', name: 'Carol Jensen', team: 'engineering' },
	erin: { email: 'erin@sales.example.com', name: 'Erin Walsh', team: 'sales' },
	lena: {
		email: 'lena@eng.example.com',
		name: 'Lena Vogel',
		team: 'engineering',
		scopes: ['read', 'ci', 'feedback'],
	},
	// the release manager: approves and releases, and overrides a gate with a reason
	rita: {
		email: 'rita@eng.example.com',
		name: 'Rita Alvarez',
		team: 'engineering',
		scopes: ['read', 'feedback', 'release'],
	},
};

const DEVS = ['mara-k', 'tomasz-d', 'lena-v', 'sam-ortiz', 'priya-n', 'jonas-b'];

const WGE = {
	full: 'weaveworks/weave-gitops-enterprise',
	id: 269040385,
	numbers: 3480,
	pr: {
		name: 'run tests',
		path: '.github/workflows/test.yaml',
		id: 2823525,
		jobs: [
			{ name: 'lint', dur: 190 },
			{ name: 'unit-tests', dur: 540 },
			{ name: 'ui-unit-tests', dur: 380 },
			{ name: 'integration-tests', dur: 840 },
			{ name: 'build', dur: 660, needs: ['lint'] },
		],
	},
	main: {
		name: 'deploy',
		path: '.github/workflows/deploy.yaml',
		id: 2823526,
		jobs: [
			{ name: 'build', dur: 720 },
			{ name: 'coverage', dur: 260, needs: ['build'] },
			{ name: 'smoke-tests-github', dur: 1080, needs: ['build'] },
			{ name: 'smoke-tests-gitlab-deploy', dur: 1260, needs: ['build'] },
			{ name: 'smoke-tests-gitlab-tenant', dur: 1190, needs: ['build'] },
			{ name: 'playwright-smoke-tests', dur: 900, needs: ['build'] },
			{
				name: 'smoke-test-results',
				dur: 40,
				needs: [
					'smoke-tests-github',
					'smoke-tests-gitlab-deploy',
					'smoke-tests-gitlab-tenant',
				],
			},
			{
				name: 'notify-failure',
				dur: 15,
				needs: ['smoke-test-results'],
				onlyOnFailure: true,
			},
		],
	},
	release: {
		name: 'release',
		path: '.github/workflows/release.yaml',
		id: 2823527,
		jobs: [
			{ name: 'build', dur: 780 },
			{ name: 'changelog', dur: 45 },
			{ name: 'goreleaser', dur: 420, needs: ['build'] },
		],
	},
};

const OSS = {
	full: 'weaveworks/weave-gitops',
	id: 195371539,
	numbers: 4120,
	pr: {
		name: 'PR',
		path: '.github/workflows/pr.yaml',
		id: 3911002,
		jobs: [
			{ name: 'lint', dur: 150 },
			{ name: 'unit-tests', dur: 480 },
			{ name: 'ui-unit-tests', dur: 300 },
			{ name: 'build', dur: 420 },
		],
	},
	main: {
		name: 'main',
		path: '.github/workflows/main.yaml',
		id: 3911003,
		jobs: [
			{ name: 'build', dur: 400 },
			{ name: 'unit-tests', dur: 500 },
			{ name: 'publish-npm', dur: 120, needs: ['build', 'unit-tests'] },
		],
	},
};

const PLC = {
	full: 'weaveworks/pipeline-controller',
	id: 560112071,
	numbers: 210,
	pr: {
		name: 'CI',
		path: '.github/workflows/ci.yaml',
		id: 5102001,
		jobs: [
			{ name: 'lint', dur: 80 },
			{ name: 'unit-tests', dur: 260 },
			{ name: 'build', dur: 200, needs: ['lint'] },
		],
	},
	main: {
		name: 'CI',
		path: '.github/workflows/ci.yaml',
		id: 5102001,
		jobs: [
			{ name: 'lint', dur: 80 },
			{ name: 'unit-tests', dur: 260 },
			{ name: 'build', dur: 200, needs: ['lint'] },
		],
	},
};

// Titles with their labels: what Sales reads as "what changed".
const WGE_PRS = [
	['Add cluster bootstrapping from templates', ['enhancement']],
	['Explorer: filter applications by namespace', ['ui']],
	['Fix RBAC check for impersonated users', ['bug']],
	['Bump golang.org/x/net from 0.17.0 to 0.19.0', ['dependencies'], 'dependabot[bot]'],
	['Show policy violations on the application page', ['enhancement']],
	['Pipelines: promote by pull request', ['enhancement']],
	['Smoke tests: retry the GitLab tenant set-up', ['test']],
	['Fix template rendering when a value is empty', ['bug']],
	['CI: cache Go modules between jobs', ['exclude from release notes']],
	['Cluster page: show the Kubernetes version', ['ui']],
	['Bump @babel/traverse from 7.22.5 to 7.23.2', ['dependencies'], 'dependabot[bot]'],
	['GitOpsSets: support matrix generators', ['enhancement']],
	['Fix cluster creation form losing values on back', ['bug', 'ui'], null, 'fix-rc'],
	['Terraform: approve plans from the UI', ['enhancement']],
	['Fix secrets list failing with many namespaces', ['bug']],
	['Update CODEOWNERS', ['exclude from release notes']],
	['Bump kind to v0.20.0 in the smoke tests', ['dependencies'], null, 'breaks-main'],
	['Workspaces: list service accounts', ['ui']],
	['Fix smoke tests with kind v0.20', ['test'], null, 'fixes-main'],
	['Add tenancy view to the explorer', ['enhancement']],
	['Fix broken link to the policy docs', ['bug']],
	['Bump helm.sh/helm/v3 from 3.12.3 to 3.13.2', ['dependencies'], 'dependabot[bot]'],
	['Notifications: show provider status', ['ui']],
	['Fix pagination of the violations list', ['bug']],
	['Add integration tests for the pipeline controller', ['test']],
	['Pipelines: show the promotion history', ['enhancement']],
	['Fix the dark theme of the YAML editor', ['ui', 'bug']],
	['Secrets: create SOPS secrets from the UI', ['enhancement']],
	['Bump github.com/fluxcd/pkg/runtime to 0.43.0', ['dependencies'], 'dependabot[bot]'],
	['Speed up the applications list by 40%', ['enhancement']],
	['Fix timezone of dates on the cluster page', ['bug']],
	['Explorer: remember the last query', ['ui']],
];
const OSS_PRS = [
	['Add OCI repository support to the sources view', ['enhancement']],
	['Fix reconcile button for suspended objects', ['bug']],
	['Bump webpack from 5.88.2 to 5.89.0', ['dependencies'], 'dependabot[bot]'],
	['Show inventory of Helm releases', ['ui']],
	['Fix flaky TestReconcile', ['test']],
	['Add graph view of Kustomization dependencies', ['enhancement']],
	['Bump golang.org/x/crypto from 0.14.0 to 0.17.0', ['dependencies'], 'dependabot[bot]'],
	['Fix yarn lint warnings', ['exclude from release notes']],
	['Sources: show the last fetched revision', ['ui']],
	['Fix crash when a HelmChart has no version', ['bug'], null, 'breaks-main'],
	['Use the new Flux status conditions', ['enhancement']],
];
const PLC_PRS = [
	['Promotion strategy: notification', ['enhancement']],
	['Fix leader election lease renewal', ['bug']],
	['Bump controller-runtime to 0.16.3', ['dependencies'], 'dependabot[bot]'],
	['Add metrics for promotions', ['enhancement']],
	['Fix requeue on missing secret', ['bug']],
];

const FEEDBACK = {
	rc1Block: {
		verdict: 'block',
		severity: 'high',
		area: 'Cluster creation',
		comment:
			'The cluster creation form forgets the template values when I go back a ' +
			'step. Two customers demo this flow next week, so this has to work.',
	},
	rc1Concern: {
		verdict: 'concern',
		severity: 'low',
		area: 'Explorer',
		comment: 'The namespace filter is great, but the label "ns" is not obvious to customers.',
	},
	rc2ApproveSales: {
		verdict: 'approve',
		area: 'Cluster creation',
		comment: 'Checked the cluster creation flow again: it keeps my values now. Good to go.',
	},
	rc2ApproveSupport: {
		verdict: 'approve',
		comment: 'Runbooks updated for the new pipeline screens.',
	},
	rc2ApproveEng: {
		verdict: 'approve',
		comment: 'Upgrade from v0.36.0 tested on our demo cluster.',
	},
	next1ApproveSupport: {
		verdict: 'approve',
		area: 'Pipelines',
		comment: 'Support runbook checked against the new promotion history. Fine for us.',
	},
};

// ---- transport -------------------------------------------------------------------------------
class Loader {
	constructor(baseUrl, opts) {
		this.base = baseUrl.replace(/\/+$/, '');
		this.opts = opts;
		this.count = { github: 0, flux: 0, api: 0 };
		this.failures = [];
		this.inflight = new Set();
		this.concurrency = opts.concurrency ?? 6;
	}

	async request(method, path, body, headers = {}) {
		let lastErr;
		for (let attempt = 0; attempt < 4; attempt++) {
			try {
				const res = await fetch(this.base + path, {
					method,
					headers,
					body,
				});
				const text = await res.text();
				if (res.status === 503 || res.status === 429) {
					lastErr = new Error(`${method} ${path}: ${res.status} ${text}`);
					await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
					continue;
				}
				return { status: res.status, text, json: safeJson(text) };
			} catch (e) {
				lastErr = e;
				await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
			}
		}
		throw lastErr;
	}

	async api(method, path, body, token = this.opts.adminToken, okStatuses = [200, 201, 204]) {
		this.count.api++;
		const headers = { Authorization: `Bearer ${token}` };
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		const res = await this.request(
			method,
			'/api/v1' + path,
			body === undefined ? undefined : JSON.stringify(body),
			headers,
		);
		if (!okStatuses.includes(res.status)) {
			throw new Error(`${method} /api/v1${path}: ${res.status} ${res.text.slice(0, 400)}`);
		}
		return res.json;
	}

	async github(event, payload) {
		this.count.github++;
		const body = JSON.stringify(payload);
		const sig = createHmac('sha256', this.opts.githubSecret ?? '')
			.update(body)
			.digest('hex');
		const headers = {
			'Content-Type': 'application/json',
			'X-GitHub-Event': event,
			'X-GitHub-Delivery': randomUUID(),
			'X-GitHub-Hook-ID': '421337',
			'User-Agent': 'GitHub-Hookshot/seed',
		};
		if (this.opts.githubSecret) headers['X-Hub-Signature-256'] = 'sha256=' + sig;
		const res = await this.request('POST', '/webhooks/github', body, headers);
		if (res.status === 401) {
			throw new Error(
				`GitHub delivery refused (401: ${res.json?.detail ?? res.text.slice(0, 200)}); ` +
					"githubSecret must be the server's SHIPLOG_GITHUB_WEBHOOK_SECRET",
			);
		}
		if (res.status >= 300 && res.status !== 202) {
			this.failures.push(`github ${event}: ${res.status} ${res.text.slice(0, 300)}`);
		} else if (res.json && (res.json.status === 'failed' || res.json.result === 'failed')) {
			this.failures.push(`github ${event}: processing failed: ${res.text.slice(0, 300)}`);
		}
		return res;
	}

	async flux(payload) {
		this.count.flux++;
		const body = JSON.stringify(payload);
		const headers = { 'Content-Type': 'application/json' };
		if (this.opts.fluxSecret) {
			headers['X-Signature'] =
				'sha256=' + createHmac('sha256', this.opts.fluxSecret).update(body).digest('hex');
		}
		const res = await this.request('POST', '/webhooks/flux', body, headers);
		if (res.status === 401) {
			throw new Error(
				`Flux event refused (401: ${res.json?.detail ?? res.text.slice(0, 200)}); ` +
					"fluxSecret must be the server's SHIPLOG_FLUX_WEBHOOK_SECRET",
			);
		}
		if (res.status >= 300 && res.status !== 202) {
			this.failures.push(`flux: ${res.status} ${res.text.slice(0, 300)}`);
		}
		return res;
	}

	// Runs ops in order: unordered ops run up to `concurrency` at a time; an ordered op waits
	// for everything before it and runs alone (pushes, tags, releases, feedback).
	async run(ops) {
		for (const op of ops) {
			if (op.ordered) {
				await this.drain();
				await op.fn();
				continue;
			}
			while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
			const p = op.fn().finally(() => this.inflight.delete(p));
			this.inflight.add(p);
		}
		await this.drain();
	}

	async drain() {
		while (this.inflight.size) await Promise.allSettled([...this.inflight]);
	}
}

function safeJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

// ---- payload builders ------------------------------------------------------------------------
function repoObject(repo, pushedAt) {
	const [owner, name] = repo.full.split('/');
	const o = {
		id: repo.id,
		name,
		full_name: repo.full,
		private: false,
		owner: { login: owner, type: 'Organization' },
		html_url: `https://github.com/${repo.full}`,
		default_branch: 'main',
	};
	if (pushedAt) o.pushed_at = Math.floor(pushedAt / 1000);
	return o;
}

function commitObject(repo, sha, message, author, at) {
	return {
		id: sha,
		tree_id: sha1('tree' + sha),
		distinct: true,
		message,
		timestamp: iso(at),
		url: `https://github.com/${repo.full}/commit/${sha}`,
		author: {
			name: author,
			email: `${author.replace(/\W/g, '')}@users.noreply.github.com`,
			username: author,
		},
		committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
		added: [],
		removed: [],
		modified: ['README.md'],
	};
}

function pushPayload(repo, { ref, before, after, commits, at, pusher, created = false }) {
	return {
		ref,
		before: before ?? '0000000000000000000000000000000000000000',
		after,
		created,
		deleted: false,
		forced: false,
		base_ref: null,
		compare: `https://github.com/${repo.full}/compare/${(before ?? '0').slice(0, 12)}...${after.slice(0, 12)}`,
		commits,
		head_commit: commits.length ? commits[commits.length - 1] : null,
		pusher: { name: pusher, email: `${pusher}@users.noreply.github.com` },
		repository: repoObject(repo, at),
		sender: { login: pusher, type: 'User' },
	};
}

function prPayload(repo, pr, action, at) {
	const merged = action === 'closed' && pr.mergedAt != null;
	return {
		action,
		number: pr.number,
		pull_request: {
			id: 1500000000 + (repo.id % 1000) * 10000 + pr.number,
			number: pr.number,
			html_url: `https://github.com/${repo.full}/pull/${pr.number}`,
			state: action === 'closed' ? 'closed' : 'open',
			title: pr.title,
			user: {
				login: pr.author,
				type: pr.author.endsWith('[bot]') ? 'Bot' : 'User',
			},
			body: '',
			labels: pr.labels.map((name, i) => ({ id: 9000 + i, name })),
			created_at: iso(pr.openedAt),
			updated_at: iso(at),
			closed_at: action === 'closed' ? iso(at) : null,
			merged_at: merged ? iso(pr.mergedAt) : null,
			merge_commit_sha: merged ? pr.mergeSha : null,
			draft: false,
			merged,
			head: { ref: pr.branch, sha: pr.headSha, label: `weaveworks:${pr.branch}` },
			base: { ref: 'main', sha: pr.baseSha, label: 'weaveworks:main' },
		},
		repository: repoObject(repo),
		sender: { login: pr.author, type: 'User' },
	};
}

// Schedules jobs after `start`: each starts when its `needs` are done, plus a queue delay.
function scheduleJobs(specs, start, rng, outcome) {
	const done = new Map();
	const jobs = [];
	const failed = new Set(outcome.fail ?? []);
	let anyFailed = false;
	for (const spec of specs) {
		const ready = Math.max(start, ...(spec.needs ?? []).map((n) => done.get(n) ?? start));
		const queued = ready;
		const begin = ready + (8 + rng() * 40) * 1000;
		const dur = spec.dur * (0.8 + rng() * 0.45) * 1000 * (outcome.slow?.[spec.name] ?? 1);
		let conclusion = failed.has(spec.name) ? 'failure' : 'success';
		if (spec.onlyOnFailure) conclusion = anyFailed ? 'success' : 'skipped';
		if (failed.has(spec.name)) anyFailed = true;
		const end =
			conclusion === 'skipped' ? begin : begin + (failed.has(spec.name) ? dur * 0.6 : dur);
		done.set(spec.name, end);
		jobs.push({ name: spec.name, queued, start: begin, end, conclusion });
	}
	return jobs;
}

function jobSteps(job, at) {
	const main = job.name.startsWith('smoke')
		? 'Run Ginkgo smoke tests'
		: job.name.includes('lint')
			? 'Run linters'
			: job.name.includes('build')
				? 'Build and push images'
				: job.name.includes('publish') || job.name === 'goreleaser'
					? 'Publish'
					: 'Run tests';
	const s = job.start,
		e = job.end;
	const mid = s + (e - s) * 0.1;
	return [
		{
			name: 'Set up job',
			status: 'completed',
			conclusion: 'success',
			number: 1,
			started_at: iso(s),
			completed_at: iso(s + 2000),
		},
		{
			name: 'Run actions/checkout@v4',
			status: 'completed',
			conclusion: 'success',
			number: 2,
			started_at: iso(s + 2000),
			completed_at: iso(mid),
		},
		{
			name: main,
			status: at >= e ? 'completed' : 'in_progress',
			conclusion:
				at >= e ? (job.conclusion === 'skipped' ? 'skipped' : job.conclusion) : null,
			number: 3,
			started_at: iso(mid),
			completed_at: at >= e ? iso(e - 1000) : null,
		},
		{
			name: 'Complete job',
			status: at >= e ? 'completed' : 'queued',
			conclusion: at >= e ? 'success' : null,
			number: 4,
			started_at: at >= e ? iso(e - 1000) : null,
			completed_at: at >= e ? iso(e) : null,
		},
	];
}

// ---- the generator ---------------------------------------------------------------------------
class Story {
	constructor(loader, now, rng) {
		this.L = loader;
		this.now = now;
		this.rng = rng;
		this.ops = [];
		this.runIds = 7_100_000_000;
		this.jobIds = 19_500_000_000;
		this.runNumbers = new Map();
		this.mainHead = new Map();
		this.commitCount = new Map();
		this.lastTag = new Map();
		this.facts = {
			repositories: [],
			pulls: [],
			runs: { flaky: [], redMain: [], running: [] },
			artifacts: 0,
			deployments: [],
			releaseCandidates: [],
			releases: [],
			feedback: [],
			overrides: [],
			skipped: [],
		};
	}

	gh(event, payload, ordered = false) {
		this.ops.push({ ordered, fn: () => this.L.github(event, payload) });
	}

	// One attempt of a workflow run: the run requested, its jobs, the run completed (or in
	// progress when `now` is before its end).
	run(
		repo,
		wf,
		{
			runId,
			attempt = 1,
			sha,
			branch,
			event = 'push',
			created,
			start,
			outcome = {},
			title,
			runNumber,
			pulls = [],
		},
	) {
		const rng = this.rng;
		const jobs = scheduleJobs(wf.jobs, start, rng, outcome);
		const end = Math.max(...jobs.map((j) => j.end)) + 5000;
		const running = end > this.now;
		const failed = jobs.some(
			(j) =>
				j.conclusion === 'failure' &&
				!(wf.jobs.find((s) => s.name === j.name)?.name === 'playwright-smoke-tests'),
		);
		const conclusion = failed ? 'failure' : 'success';
		const url = `https://github.com/${repo.full}/actions/runs/${runId}`;
		const wr = (status, updated) => ({
			action:
				status === 'completed'
					? 'completed'
					: status === 'queued'
						? 'requested'
						: 'in_progress',
			workflow_run: {
				id: runId,
				name: wf.name,
				path: wf.path,
				workflow_id: wf.id,
				event,
				head_branch: branch,
				head_sha: sha,
				run_number: runNumber,
				run_attempt: attempt,
				display_title: title,
				html_url: attempt > 1 ? `${url}/attempts/${attempt}` : url,
				status,
				conclusion: status === 'completed' ? conclusion : null,
				created_at: iso(created),
				run_started_at: iso(start),
				updated_at: iso(updated),
				pull_requests: pulls,
				previous_attempt_url: attempt > 1 ? `${url}/attempts/${attempt - 1}` : null,
			},
			workflow: { id: wf.id, name: wf.name, path: wf.path },
			repository: repoObject(repo),
			sender: { login: 'github-actions[bot]', type: 'Bot' },
		});
		this.gh('workflow_run', wr('queued', start));
		if (running) this.gh('workflow_run', wr('in_progress', start + 3000));
		for (const j of jobs) {
			if (j.queued > this.now) continue;
			const jobId = this.jobIds++;
			const status =
				j.end <= this.now ? 'completed' : j.start <= this.now ? 'in_progress' : 'queued';
			this.gh('workflow_job', {
				action: status,
				workflow_job: {
					id: jobId,
					run_id: runId,
					run_attempt: attempt,
					head_sha: sha,
					head_branch: branch,
					workflow_name: wf.name,
					name: j.name,
					status,
					conclusion: status === 'completed' ? j.conclusion : null,
					created_at: iso(j.queued),
					started_at: iso(status === 'queued' ? j.queued : j.start),
					completed_at: status === 'completed' ? iso(j.end) : null,
					html_url: `${url}/job/${jobId}`,
					labels: ['ubuntu-latest'],
					runner_id: 10 + (jobId % 40),
					runner_name: `GitHub Actions ${10 + (jobId % 40)}`,
					runner_group_name: 'GitHub Actions',
					steps: status === 'queued' ? [] : jobSteps(j, this.now),
				},
				repository: repoObject(repo),
				sender: { login: 'github-actions[bot]', type: 'Bot' },
			});
		}
		if (!running) this.gh('workflow_run', wr('completed', end));
		return { runId, end, conclusion, running, jobs };
	}

	nextRunNumber(repo, wf) {
		const k = repo.full + wf.path;
		const n = (this.runNumbers.get(k) ?? 1200) + 1;
		this.runNumbers.set(k, n);
		return n;
	}

	// A workflow run with optional re-runs: `attempts` is a list of outcomes, the last one final.
	workflow(repo, wf, { sha, branch, at, title, attempts = [{}], pulls = [] }) {
		const runId = this.runIds++;
		const runNumber = this.nextRunNumber(repo, wf);
		let start = at + 20_000;
		let result;
		attempts.forEach((outcome, i) => {
			result = this.run(repo, wf, {
				runId,
				attempt: i + 1,
				sha,
				branch,
				created: at,
				start,
				outcome,
				title,
				runNumber,
				pulls,
			});
			start = result.end + (25 + this.rng() * 50) * MIN; // someone notices and re-runs
		});
		return { ...result, runId, attempts: attempts.length };
	}

	initRepo(repo, at) {
		const sha = sha1(repo.full + ':root');
		const commits = [
			commitObject(repo, sha, 'Initial import of the release branch history', 'mara-k', at),
		];
		this.gh(
			'push',
			pushPayload(repo, {
				ref: 'refs/heads/main',
				before: null,
				after: sha,
				commits,
				at,
				pusher: 'mara-k',
				created: true,
			}),
			true,
		);
		this.mainHead.set(repo.full, sha);
		this.commitCount.set(repo.full, 1);
		this.facts.repositories.push(repo.full);
	}

	chartVersion(repo, sha) {
		const tag = (this.lastTag.get(repo.full) ?? 'v0.36.0').replace(/^v/, '');
		return `${tag}-v${pad5(this.commitCount.get(repo.full))}-g${sha.slice(0, 8)}`;
	}

	// The product's artifacts of one build of main, and Flux rolling staging to the chart.
	publishMain(repo, sha, runId, at, { deploy = true, deployFails = false } = {}) {
		if (repo === WGE) {
			const version = this.chartVersion(repo, sha);
			const tag = `main-${sha.slice(0, 8)}`;
			const arts = [
				[
					'chart',
					'mccp',
					version,
					`oci://ghcr.io/weaveworks/charts/mccp:${version}`,
					48_213,
				],
				[
					'image',
					'weaveworks/weave-gitops-enterprise-clusters-service',
					tag,
					`ghcr.io/weaveworks/weave-gitops-enterprise-clusters-service:${tag}`,
					61_204_113,
				],
				[
					'image',
					'weaveworks/weave-gitops-enterprise-ui-server',
					tag,
					`ghcr.io/weaveworks/weave-gitops-enterprise-ui-server:${tag}`,
					27_880_402,
				],
			];
			for (const a of arts) this.artifact(repo, sha, runId, a);
			if (deploy) this.fluxUpgrade(version, at + 4 * MIN, deployFails);
			return version;
		}
		if (repo === OSS) {
			const version = `0.38.0-${pad5(this.commitCount.get(repo.full))}-g${sha.slice(0, 8)}`;
			this.artifact(repo, sha, runId, [
				'npm',
				'@weaveworks/weave-gitops-main',
				version,
				`https://npm.pkg.github.com/@weaveworks/weave-gitops-main/-/weave-gitops-main-${version}.tgz`,
				3_402_117,
			]);
			return version;
		}
		return null;
	}

	artifact(repo, sha, runId, [kind, name, version, uri, size]) {
		this.facts.artifacts++;
		const body = {
			kind,
			name,
			version,
			digest: digestOf(`${kind}:${name}:${version}`),
			uri,
			size,
			repository: repo.full,
			commit: sha,
			run_id: runId,
			labels: { built_by: 'github-actions' },
		};
		this.ops.push({
			ordered: false,
			fn: () => this.L.api('POST', '/artifacts', body, this.ciToken, [200, 201]),
		});
	}

	fluxUpgrade(version, at, fails) {
		if (at > this.now) return;
		const ev = (reason, severity, message, t) => ({
			involvedObject: {
				kind: 'HelmRelease',
				namespace: 'flux-system',
				name: 'mccp',
				uid: '0c1f6a2e-8a57-4c3f-9d1e-6a1f3b2c9d10',
				apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
			},
			severity,
			timestamp: iso(t),
			message,
			reason,
			metadata: { revision: version },
			reportingController: 'helm-controller',
			reportingInstance: 'helm-controller-5d6c8b9f7-x2k4q',
		});
		this.ops.push({
			ordered: true,
			fn: () =>
				this.L.flux(
					ev('Progressing', 'info', `Upgrading flux-system/mccp to ${version}`, at),
				),
		});
		const done = at + (3 + this.rng() * 4) * MIN;
		if (done > this.now) return;
		const final = fails
			? ev(
					'UpgradeFailed',
					'error',
					`Helm upgrade failed: timed out waiting for the condition (mccp@${version})`,
					done,
				)
			: ev(
					'UpgradeSucceeded',
					'info',
					`Helm upgrade succeeded for release flux-system/mccp.v${this.facts.deployments.length + 40} with chart mccp@${version}`,
					done,
				);
		this.ops.push({ ordered: true, fn: () => this.L.flux(final) });
		this.facts.deployments.push({
			environment: 'staging',
			version,
			status: fails ? 'failure' : 'success',
			at: iso(done),
		});
	}

	// A pull request: its branch pushed, opened, tested (maybe re-run). Returns the plan that
	// merge() completes.
	open(repo, number, [title, labels, bot, role], { openedAt, ciOutcomes, runningNow = false }) {
		const author = bot ?? DEVS[number % DEVS.length];
		const slug = title
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-|-$/g, '')
			.slice(0, 40);
		const branch = bot ? `dependabot/${slug}` : `${author.split('-')[0]}/${slug}`;
		const headSha = sha1(`${repo.full}:pr:${number}:head`);
		const pr = {
			repository: repo.full,
			number,
			title,
			labels,
			author,
			branch,
			headSha,
			baseSha: this.mainHead.get(repo.full),
			openedAt,
			mergedAt: null,
			mergeSha: null,
			role,
			state: 'open',
		};
		const pushAt = openedAt - 4 * MIN;
		this.gh(
			'push',
			pushPayload(repo, {
				ref: `refs/heads/${branch}`,
				before: null,
				after: headSha,
				created: true,
				commits: [commitObject(repo, headSha, title, author, pushAt)],
				at: pushAt,
				pusher: author,
			}),
			true,
		);
		this.gh('pull_request', prPayload(repo, pr, 'opened', openedAt));
		const ci = this.workflow(repo, repo.pr, {
			sha: headSha,
			branch,
			at: runningNow ? this.now - 5 * MIN : pushAt,
			title,
			attempts: ciOutcomes ?? [{}],
		});
		pr.prRunId = ci.runId;
		pr.ciConclusion = ci.running ? null : ci.conclusion;
		pr.ciEnd = ci.end;
		if (ci.attempts > 1)
			this.facts.runs.flaky.push({
				repository: repo.full,
				number,
				runId: ci.runId,
			});
		if (ci.running)
			this.facts.runs.running.push({
				repository: repo.full,
				number,
				runId: ci.runId,
			});
		this.facts.pulls.push(pr);
		return pr;
	}

	// Merged (squash): one commit on main, the main pipeline, its artifacts, staging.
	merge(repo, pr, mergedAt, { mainOutcome = {}, deployFails = false } = {}) {
		pr.mergedAt = mergedAt;
		pr.mergeSha = sha1(`${repo.full}:pr:${pr.number}:merge`);
		pr.state = 'merged';
		this.gh('pull_request', prPayload(repo, pr, 'closed', mergedAt));
		this.mainCommit(repo, pr.mergeSha, `${pr.title} (#${pr.number})`, pr.author, mergedAt);
		const main = this.workflow(repo, repo.main, {
			sha: pr.mergeSha,
			branch: 'main',
			at: mergedAt + 5000,
			title: `${pr.title} (#${pr.number})`,
			attempts: Array.isArray(mainOutcome) ? mainOutcome : [mainOutcome],
		});
		pr.mainRunId = main.runId;
		pr.mainConclusion = main.running ? null : main.conclusion;
		if (main.conclusion === 'failure' && !main.running)
			this.facts.runs.redMain.push({
				repository: repo.full,
				number: pr.number,
				runId: main.runId,
			});
		if (main.attempts > 1)
			this.facts.runs.flaky.push({
				repository: repo.full,
				number: pr.number,
				runId: main.runId,
				main: true,
			});
		// the build job publishes whatever the smoke tests say
		const buildJob = main.jobs.find((j) => j.name === 'build');
		if (buildJob && buildJob.end <= this.now) {
			pr.chartVersion = this.publishMain(repo, pr.mergeSha, main.runId, buildJob.end, {
				deployFails,
			});
		}
		return pr;
	}

	mainCommit(repo, sha, message, author, at) {
		const before = this.mainHead.get(repo.full);
		this.gh(
			'push',
			pushPayload(repo, {
				ref: 'refs/heads/main',
				before,
				after: sha,
				commits: [commitObject(repo, sha, message, author, at)],
				at,
				pusher: author,
			}),
			true,
		);
		this.mainHead.set(repo.full, sha);
		this.commitCount.set(repo.full, this.commitCount.get(repo.full) + 1);
	}

	// A tag on main's head: the tag, the release workflow, its artifacts, the GitHub release.
	tag(repo, name, at, { prerelease, author = 'lena-v', sha = this.mainHead.get(repo.full) }) {
		this.gh(
			'create',
			{
				ref: name,
				ref_type: 'tag',
				master_branch: 'main',
				description: null,
				pusher_type: 'user',
				repository: repoObject(repo, at),
				sender: { login: author, type: 'User' },
			},
			true,
		);
		this.gh(
			'push',
			pushPayload(repo, {
				ref: `refs/tags/${name}`,
				before: null,
				after: sha,
				commits: [],
				at,
				pusher: author,
				created: true,
			}),
			true,
		);
		const rel = this.workflow(repo, repo.release, {
			sha,
			branch: name,
			at: at + 10_000,
			title: name,
		});
		const version = name.replace(/^v/, '');
		const arts = [
			['chart', 'mccp', version, `oci://ghcr.io/weaveworks/charts/mccp:${version}`, 48_377],
			[
				'image',
				'weaveworks/weave-gitops-enterprise-clusters-service',
				name,
				`ghcr.io/weaveworks/weave-gitops-enterprise-clusters-service:${name}`,
				61_377_020,
			],
			[
				'image',
				'weaveworks/weave-gitops-enterprise-ui-server',
				name,
				`ghcr.io/weaveworks/weave-gitops-enterprise-ui-server:${name}`,
				27_901_553,
			],
			[
				'binary',
				'gitops',
				name,
				`https://github.com/${repo.full}/releases/download/${name}/gitops-linux-x86_64.tar.gz`,
				41_022_880,
			],
		];
		for (const a of arts) this.artifact(repo, sha, rel.runId, a);
		const releaseId = 130_000_000 + Math.floor(this.rng() * 9_000_000);
		const published = rel.end + 2 * MIN;
		const release = {
			id: releaseId,
			tag_name: name,
			name,
			target_commitish: 'main',
			draft: false,
			prerelease,
			author: { login: author, type: 'User' },
			html_url: `https://github.com/${repo.full}/releases/tag/${name}`,
			created_at: iso(at),
			published_at: iso(published),
			body: `Release ${name}`,
		};
		if (prerelease && this.rcApi?.cut) {
			// the release manager cuts it (the CLI does this in the release workflow); the tag
			// and the pre-release above are the same fact seen from GitHub
			this.ops.push({
				ordered: true,
				fn: () =>
					this.L.api(
						'POST',
						'/release-candidates',
						{
							version: name,
							repository: repo.full,
							commit: sha,
						},
						this.tokens.lena,
						[200, 201],
					).catch((e) => this.L.failures.push(`cutting ${name}: ${e.message}`)),
			});
		}
		this.gh(
			'release',
			{
				action: 'published',
				release,
				repository: repoObject(repo),
				sender: { login: author },
			},
			true,
		);
		this.gh(
			'release',
			{
				action: prerelease ? 'prereleased' : 'released',
				release,
				repository: repoObject(repo),
				sender: { login: author },
			},
			true,
		);
		if (!prerelease) this.lastTag.set(repo.full, name);
		const facts = {
			repository: repo.full,
			tag: name,
			sha,
			releaseId,
			at: iso(published),
			release,
		};
		(prerelease ? this.facts.releaseCandidates : this.facts.releases).push(facts);
		return facts;
	}

	// Feedback, given when the release-candidate API exists (resolved at run time).
	// `givenAt` (ms): when the story has it given; the server records it as given then.
	feedback(version, who, fb, givenAt) {
		this.ops.push({
			ordered: true,
			fn: () => this.giveFeedback(version, who, fb, givenAt),
		});
	}

	async giveFeedback(version, who, fb, givenAt) {
		if (!this.rcApi) return;
		const rc = await this.findRc(version);
		if (!rc) {
			this.facts.skipped.push(
				`feedback on ${version}: no release candidate ${version} was found`,
			);
			return;
		}
		const person = PEOPLE[who];
		// loading twice into one database gives each person's feedback once
		const given = await this.L.api(
			'GET',
			`/release-candidates/${rc.id}/feedback?limit=200`,
		).catch(() => null);
		const already = (given?.items ?? []).find(
			(f) => f.author === person.email && f.verdict === fb.verdict,
		);
		if (already) {
			this.facts.feedback.push({
				rc: version,
				rcId: rc.id,
				id: already.id,
				who: person.email,
				team: person.team,
				verdict: fb.verdict,
			});
			return already;
		}
		const body = { verdict: fb.verdict, comment: fb.comment };
		if (fb.severity && this.rcApi.feedbackFields.has('severity')) body.severity = fb.severity;
		if (fb.area && this.rcApi.feedbackFields.has('area')) body.area = fb.area;
		if (givenAt && givenAt < Date.now() && this.rcApi.feedbackFields.has('given_at'))
			body.given_at = new Date(givenAt).toISOString();
		if (this.rcApi.feedbackFields.has('author_name')) body.author_name = person.name;
		if (this.rcApi.feedbackFields.has('name')) body.name = person.name;
		let out;
		try {
			out = await this.L.api(
				'POST',
				`/release-candidates/${rc.id}/feedback`,
				body,
				this.tokens[who],
				[200, 201],
			);
		} catch (e) {
			this.L.failures.push(`feedback on ${version} by ${person.email}: ${e.message}`);
			return;
		}
		this.facts.feedback.push({
			rc: version,
			rcId: rc.id,
			id: out?.id,
			who: person.email,
			team: person.team,
			verdict: fb.verdict,
		});
		return out;
	}

	resolveFeedback(version, who, note, fixedIn) {
		this.ops.push({
			ordered: true,
			fn: async () => {
				if (!this.rcApi?.resolve) return;
				const f = this.facts.feedback.find(
					(x) => x.rc === version && x.who === PEOPLE[who].email,
				);
				const fixed = await this.findRc(fixedIn);
				if (!f?.id) return;
				const body = { status: 'resolved' };
				if (this.rcApi.resolveFields.has('resolution')) body.resolution = note;
				else if (this.rcApi.resolveFields.has('note')) body.note = note;
				if (fixed && this.rcApi.resolveFields.has('fixed_in')) body.fixed_in = fixed.id;
				if (fixed && this.rcApi.resolveFields.has('fixed_in_rc_id'))
					body.fixed_in_rc_id = fixed.id;
				// by whoever gave it (only they, their team or an admin may);
				// 409: already resolved (a second load into the same database)
				await this.L.api(
					this.rcApi.resolve.method,
					this.rcApi.resolve.path.replace('{id}', f.id),
					body,
					this.tokens[who],
					[200, 201, 204, 409],
				).catch((e) => this.L.failures.push(`resolving feedback ${f.id}: ${e.message}`));
			},
		});
	}

	// A release manager moves an RC `to` a state while a gate is not passed: the override
	// is recorded with `reason` (PATCH .../{id} with override_reason, from the state seen).
	override(version, who, to, reason) {
		this.ops.push({
			ordered: true,
			fn: async () => {
				if (!this.rcApi?.cut) return;
				const rc = await this.findRc(version);
				// a second load into the same database finds it moved already
				if (!rc || rc.state !== 'testing') return;
				const out = await this.L.api(
					'PATCH',
					`/release-candidates/${rc.id}`,
					{ state: to, expected_state: rc.state, override_reason: reason },
					this.tokens[who],
				).catch((e) => this.L.failures.push(`overriding ${version}: ${e.message}`));
				if (out?.overrides?.length)
					this.facts.overrides.push({ rc: version, rcId: rc.id, who, to, reason });
			},
		});
	}

	async findRc(version) {
		const page = await this.L.api('GET', '/release-candidates?limit=200').catch(() => null);
		return (page?.items ?? []).find(
			(x) => x.version === version || x.tag === version || x.name === version,
		);
	}
}

// What the server offers: route paths and the feedback body's fields, from its OpenAPI.
async function discover(L) {
	const res = await L.request('GET', '/api/v1/openapi.json');
	const doc = res.json ?? {};
	const paths = doc.paths ?? {};
	const has = (p, m = 'get') => Boolean(paths[p]?.[m]);
	const out = { paths: new Set(Object.keys(paths)) };
	if (
		has('/api/v1/release-candidates') &&
		has('/api/v1/release-candidates/{id}/feedback', 'post')
	) {
		const op = paths['/api/v1/release-candidates/{id}/feedback'].post;
		const schema = op.requestBody?.content?.['application/json']?.schema ?? {};
		out.rc = {
			cut: has('/api/v1/release-candidates', 'post'),
			feedbackFields: new Set(Object.keys(resolveSchema(doc, schema).properties ?? {})),
			resolve: null,
			resolveFields: new Set(),
		};
		for (const [p, m] of [
			['/api/v1/feedback/{id}', 'patch'],
			['/api/v1/feedback/{id}', 'post'],
			['/api/v1/feedback/{id}/status', 'post'],
			['/api/v1/feedback/{id}/status', 'put'],
		]) {
			if (has(p, m)) {
				out.rc.resolve = {
					method: m.toUpperCase(),
					path: p.replace('/api/v1', ''),
				};
				const s = paths[p][m].requestBody?.content?.['application/json']?.schema ?? {};
				out.rc.resolveFields = new Set(Object.keys(resolveSchema(doc, s).properties ?? {}));
				break;
			}
		}
	}
	return out;
}

function resolveSchema(doc, s) {
	if (s && s.$ref) {
		const name = s.$ref.split('/').pop();
		return doc.components?.schemas?.[name] ?? {};
	}
	return s ?? {};
}

// ---- the seed --------------------------------------------------------------------------------
export async function seed(
	baseUrl,
	{ adminToken, githubSecret, fluxSecret, now = Date.now(), log = () => {}, concurrency } = {},
) {
	if (!adminToken) throw new Error('seed: adminToken is required');
	const t0 = Date.now();
	const L = new Loader(baseUrl, { adminToken, githubSecret, fluxSecret, concurrency });
	const story = new Story(L, now, mulberry32(20231207));
	const api = await discover(L);
	story.rcApi = api.rc ?? null;
	if (!story.rcApi)
		story.facts.skipped.push(
			'release candidates: the server has no /api/v1/release-candidates yet; no feedback given',
		);

	// people and CI act with their own tokens, so feedback carries who gave it
	story.tokens = {};
	for (const [key, p] of Object.entries(PEOPLE)) {
		const t = await L.api('POST', '/tokens', {
			name: `seed: ${p.name}`,
			owner: p.email,
			scopes: p.scopes ?? ['read', 'feedback'],
		});
		story.tokens[key] = t.token ?? t.value;
	}
	const ci = await L.api('POST', '/tokens', {
		name: 'seed: github actions',
		owner: 'ci@example.com',
		scopes: ['read', 'ci'],
	});
	story.ciToken = ci.token ?? ci.value;
	const reader = await L.api('POST', '/tokens', {
		name: 'seed: dashboard reader',
		owner: 'dave@example.com',
		scopes: ['read', 'feedback'],
	});
	story.facts.tokens = { engineer: reader.token ?? reader.value, ...story.tokens };

	// staging must be claimed by Flux's HelmRelease flux-system/mccp (the config usually does it)
	const envs = (await L.api('GET', '/environments'))?.items ?? [];
	if (
		!envs.some((e) => (e.flux ?? []).some((f) => f.kind === 'HelmRelease' && f.name === 'mccp'))
	) {
		if (!envs.some((e) => e.name === 'staging')) {
			await L.api('POST', '/environments', {
				name: 'staging',
				tier: 'staging',
				url: 'https://staging.example.com',
				order: 2,
				description: 'Long-lived cluster that always runs the newest build of main.',
				flux: [
					{
						kind: 'HelmRelease',
						namespace: 'flux-system',
						name: 'mccp',
					},
				],
			});
		} else {
			story.facts.skipped.push(
				'staging exists without the HelmRelease flux-system/mccp: Flux events stay unmatched',
			);
		}
	}

	const start = now - 22 * DAY;
	const rng = story.rng;
	for (const r of [WGE, OSS, PLC]) story.initRepo(r, start);
	story.lastTag.set(WGE.full, 'v0.36.0');

	// Milestones in time order; each emits its deliveries when it is reached, so main's head,
	// its commit count and the tags always see the history before them.
	const timeline = [];
	const at = (t, fn) => timeline.push({ t, fn });
	const rc1At = now - 14 * DAY;
	const nextRcAt = now - 20 * HOUR;
	let wgeRed = false;

	// the product
	const span = now - 8 * HOUR - (start + 12 * HOUR);
	let n = WGE.numbers;
	WGE_PRS.forEach((spec, i) => {
		const number = n++;
		const role = spec[3];
		if (role === 'fix-rc' || role === 'fixes-main') return; // placed by the story below
		const openedAt = start + 12 * HOUR + (span * i) / WGE_PRS.length + rng() * 3 * HOUR;
		const flaky = !role && rng() < 0.2;
		const ciOutcomes = flaky
			? [{ fail: ['integration-tests'] }, {}]
			: !role && rng() < 0.08
				? [{ fail: ['lint'] }, {}]
				: [{}];
		const mergeAfter = (3 + rng() * 26) * HOUR;
		const flakySmoke = !role && rng() < 0.1;
		at(openedAt, () => {
			const pr = story.open(WGE, number, spec, { openedAt, ciOutcomes });
			const mergedAt = Math.max(openedAt + mergeAfter, pr.ciEnd + 20 * MIN);
			if (mergedAt > now - 10 * MIN) return; // still open
			at(mergedAt, () => {
				let mainOutcome = flakySmoke ? [{ fail: ['smoke-tests-gitlab-tenant'] }, {}] : {};
				let deployFails = false;
				if (role === 'breaks-main') {
					wgeRed = true;
					mainOutcome = {
						fail: ['smoke-tests-github', 'smoke-tests-gitlab-deploy'],
					};
					deployFails = true;
					// the fix comes the next day
					const fixSpec = WGE_PRS.find((s) => s[3] === 'fixes-main');
					const fixNumber = WGE.numbers + WGE_PRS.indexOf(fixSpec);
					const fixOpened = mergedAt + 15 * HOUR;
					at(fixOpened, () => {
						const fix = story.open(WGE, fixNumber, fixSpec, {
							openedAt: fixOpened,
						});
						at(fixOpened + 4 * HOUR, () => {
							wgeRed = false;
							story.merge(WGE, fix, fixOpened + 4 * HOUR);
						});
					});
				} else if (wgeRed) {
					mainOutcome = { fail: ['smoke-tests-github'] }; // merged while main was red
				}
				story.merge(WGE, pr, mergedAt, { mainOutcome, deployFails });
			});
		});
	});
	// open pull requests: one with its tests running right now, one with a failing lint
	at(now - 2 * DAY, () =>
		story.open(
			WGE,
			n++,
			['Bump sigs.k8s.io/controller-runtime to 0.16.3', ['dependencies'], 'dependabot[bot]'],
			{ openedAt: now - 2 * DAY },
		),
	);
	at(now - 5 * HOUR, () =>
		story.open(WGE, n++, ['Fix flicker when the cluster list refreshes', ['ui', 'bug']], {
			openedAt: now - 5 * HOUR,
			ciOutcomes: [{ fail: ['lint'] }],
		}),
	);
	at(now - 6 * MIN, () =>
		story.open(WGE, n++, ['Explorer: export the results as CSV', ['enhancement']], {
			openedAt: now - 6 * MIN,
			runningNow: true,
		}),
	);

	// release candidates: rc.1 blocked by Sales, fixed, rc.2 approved and released
	at(rc1At, () => {
		const rc1 = story.tag(WGE, 'v0.37.0-rc.1', rc1At, { prerelease: true });
		at(rc1At + 20 * HOUR, () =>
			story.feedback('v0.37.0-rc.1', 'alice', FEEDBACK.rc1Block, rc1At + 20 * HOUR),
		);
		at(rc1At + 22 * HOUR, () =>
			story.feedback('v0.37.0-rc.1', 'erin', FEEDBACK.rc1Concern, rc1At + 22 * HOUR),
		);
		const fixSpec = WGE_PRS.find((s) => s[3] === 'fix-rc');
		const fixNumber = WGE.numbers + WGE_PRS.indexOf(fixSpec);
		const fixOpened = rc1At + 23 * HOUR;
		at(fixOpened, () => {
			const fix = story.open(WGE, fixNumber, fixSpec, { openedAt: fixOpened });
			const mergedAt = fixOpened + 5 * HOUR;
			at(mergedAt, () => {
				story.merge(WGE, fix, mergedAt);
				const rc2At = mergedAt + 3 * HOUR;
				at(rc2At, () => {
					const rc2 = story.tag(WGE, 'v0.37.0-rc.2', rc2At, {
						prerelease: true,
					});
					at(rc2At + 2 * HOUR, () =>
						story.resolveFeedback(
							'v0.37.0-rc.1',
							'alice',
							`Fixed by #${fixNumber}; works on v0.37.0-rc.2`,
							'v0.37.0-rc.2',
						),
					);
					at(rc2At + 18 * HOUR, () =>
						story.feedback(
							'v0.37.0-rc.2',
							'alice',
							FEEDBACK.rc2ApproveSales,
							rc2At + 18 * HOUR,
						),
					);
					// Support has not answered yet: the release manager approves over
					// the feedback gate (the demo's recorded override)
					at(rc2At + 18.5 * HOUR, () =>
						story.override(
							'v0.37.0-rc.2',
							'rita',
							'approved',
							'Sales confirmed the fix on rc.2; Support signs off tomorrow and the train leaves today',
						),
					);
					at(rc2At + 19 * HOUR, () =>
						story.feedback(
							'v0.37.0-rc.2',
							'bob',
							FEEDBACK.rc2ApproveSupport,
							rc2At + 19 * HOUR,
						),
					);
					at(rc2At + 20 * HOUR, () =>
						story.feedback(
							'v0.37.0-rc.2',
							'carol',
							FEEDBACK.rc2ApproveEng,
							rc2At + 20 * HOUR,
						),
					);
					at(rc2At + 26 * HOUR, () =>
						story.tag(WGE, 'v0.37.0', rc2At + 26 * HOUR, {
							prerelease: false,
							sha: rc2.sha,
						}),
					);
				});
			});
		});
		return rc1;
	});
	// the next candidate, cut yesterday; Support approved, Sales has not answered yet
	at(nextRcAt, () => {
		story.tag(WGE, 'v0.38.0-rc.1', nextRcAt, { prerelease: true });
		at(now - 6 * HOUR, () =>
			story.feedback('v0.38.0-rc.1', 'bob', FEEDBACK.next1ApproveSupport, now - 6 * HOUR),
		);
	});

	// the open-source sibling: main red since its last two merges
	n = OSS.numbers;
	OSS_PRS.forEach((spec, i) => {
		const number = n++;
		const last = i >= OSS_PRS.length - 2;
		const openedAt = start + DAY + i * 1.85 * DAY + rng() * 6 * HOUR;
		const mergeAfter = (3 + rng() * 18) * HOUR;
		const ciOutcomes = rng() < 0.15 ? [{ fail: ['unit-tests'] }, {}] : [{}];
		at(openedAt, () => {
			const pr = story.open(OSS, number, spec, { openedAt, ciOutcomes });
			const mergedAt = Math.min(
				Math.max(openedAt + mergeAfter, pr.ciEnd + 20 * MIN),
				now - 3 * HOUR,
			);
			at(mergedAt, () =>
				story.merge(OSS, pr, mergedAt, {
					mainOutcome: last ? { fail: ['unit-tests'] } : {},
				}),
			);
		});
	});
	// a small controller
	n = PLC.numbers;
	PLC_PRS.forEach((spec, i) => {
		const number = n++;
		const openedAt = start + 2 * DAY + i * 3.6 * DAY;
		const mergeAfter = (4 + rng() * 30) * HOUR;
		at(openedAt, () => {
			const pr = story.open(PLC, number, spec, { openedAt });
			const mergedAt = Math.max(openedAt + mergeAfter, pr.ciEnd + 20 * MIN);
			at(mergedAt, () => story.merge(PLC, pr, mergedAt));
		});
	});

	// play the timeline (milestones may add later milestones)
	for (;;) {
		timeline.sort((a, b) => a.t - b.t);
		const next = timeline.shift();
		if (!next) break;
		next.fn();
	}

	await L.run(story.ops);
	const facts = story.facts;
	facts.deliveries = { ...L.count };
	facts.failures = L.failures;
	facts.seconds = (Date.now() - t0) / 1000;
	facts.journeyPull =
		facts.pulls.find(
			(p) =>
				p.repository === WGE.full &&
				p.state === 'merged' &&
				p.labels.includes('enhancement') &&
				p.mergedAt < now - 15 * DAY,
		) ?? null;
	log(
		`seed: ${L.count.github} GitHub deliveries, ${L.count.flux} Flux events, ${L.count.api} API calls in ${facts.seconds.toFixed(1)} s`,
	);
	if (L.failures.length) log(`seed: ${L.failures.length} failures, first: ${L.failures[0]}`);
	return facts;
}

// One signed GitHub delivery (for tests that report something while a page is open).
export async function deliver(baseUrl, { githubSecret }, event, payload) {
	const L = new Loader(baseUrl, { githubSecret });
	const res = await L.github(event, payload);
	if (L.failures.length) throw new Error(L.failures[0]);
	return res;
}

// A workflow_run payload of the seed's shape: deliver(url, secrets, 'workflow_run', runPayload({...})).
export function runPayload({
	repository,
	runId,
	name = 'deploy',
	path = '.github/workflows/deploy.yaml',
	branch = 'main',
	sha,
	title,
	status,
	conclusion = null,
	createdAt = Date.now(),
	attempt = 1,
}) {
	const repo = { full: repository, id: 424242 };
	return {
		action:
			status === 'completed'
				? 'completed'
				: status === 'queued'
					? 'requested'
					: 'in_progress',
		workflow_run: {
			id: runId,
			name,
			path,
			workflow_id: 99,
			event: 'push',
			head_branch: branch,
			head_sha: sha,
			run_number: 4242,
			run_attempt: attempt,
			display_title: title,
			html_url: `https://github.com/${repository}/actions/runs/${runId}`,
			status,
			conclusion,
			created_at: iso(createdAt),
			run_started_at: iso(createdAt),
			updated_at: iso(Date.now()),
			pull_requests: [],
		},
		workflow: { id: 99, name, path },
		repository: repoObject(repo),
		sender: { login: 'github-actions[bot]', type: 'Bot' },
	};
}

// command line: node seed.mjs URL
if (import.meta.url === `file://${process.argv[1]}`) {
	const url = process.argv[2] ?? process.env.SHIPLOG_URL ?? 'http://127.0.0.1:8080';
	seed(url, {
		adminToken: process.env.SHIPLOG_ADMIN_TOKEN,
		githubSecret: process.env.SHIPLOG_GITHUB_WEBHOOK_SECRET,
		fluxSecret: process.env.SHIPLOG_FLUX_WEBHOOK_SECRET,
		log: (m) => console.error(m),
	})
		.then((facts) => {
			const { tokens, ...rest } = facts;
			console.log(JSON.stringify({ ...rest, pulls: rest.pulls.length }, null, 2));
			if (facts.failures.length) process.exit(1);
		})
		.catch((e) => {
			console.error(e);
			process.exit(1);
		});
}
