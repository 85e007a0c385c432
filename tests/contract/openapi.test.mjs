// Contract test: a real shiplogd on its own database, data loaded through real endpoints (signed
// GitHub deliveries, a Flux event, a CI report, an artifact, a deployment...), then EVERY GET
// route of /api/v1/openapi.json called with real ids, and every answer — the loading ones
// and a few problem answers too — validated against the document's schema for its status.
// A field the handler emits that the schema does not list is a failure as well.
//
//   SHIPLOG_TEST_DATABASE_URL=postgresql://... node --test tests/contract/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import {
	ADMIN_TOKEN,
	Contract,
	HERE,
	createDatabase,
	dropDatabase,
	fluxEvent,
	githubDelivery,
	loadFixture,
	request,
	startServer,
	templateOf,
} from './lib.mjs';

const DB = `shiplog_contract_${process.pid}`;
const REPO = 'acme/shop';
const BASE_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f80911223344';
const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const MERGE_SHA = 'a21683865c088b5fe1906cf6552d15a285a4986d';
const NEXT_SHA = '5f3e2d1c0b9a88776655443322110ffeeddccbba';
const GAP_SHA = '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b';
const DIGEST = `sha256:${'4e'.repeat(32)}`;
const CHART_DIGEST = `sha256:${'5f'.repeat(32)}`;

let server;
let base;
let doc;
let contract;
let readToken;
let resolvedFeedback;
const mismatches = [];

// A request whose answer must conform to the document (any status the document lists).
async function call(method, path, opts = {}, template) {
	const res = await request(base, method, path, { token: ADMIN_TOKEN, ...opts });
	const t = template || templateOf(doc, method, path);
	if (process.env.CONTRACT_DUMP) {
		fs.appendFileSync(
			process.env.CONTRACT_DUMP,
			`${JSON.stringify({ method, path, template: t, status: res.status, body: res.json ?? res.text })}\n`,
		);
	}
	if (!t) {
		mismatches.push(`${method} ${path}: no path of the document matches`);
		return res;
	}
	mismatches.push(...contract.check(method, t, res, path));
	if (opts.body !== undefined && res.status < 300) {
		const ct = (opts.headers?.['Content-Type'] || 'application/json').split(';')[0];
		mismatches.push(...contract.checkRequest(method, t, ct, opts.body, path));
	}
	return res;
}

// The same, and the status must be one of `want`.
async function expectStatus(want, method, path, opts, template) {
	const res = await call(method, path, opts, template);
	const list = Array.isArray(want) ? want : [want];
	assert.ok(
		list.includes(res.status),
		`${method} ${path}: expected ${list.join('/')}, got ${res.status}: ${res.text.slice(0, 400)}`,
	);
	return res;
}

function flushMismatches() {
	const list = mismatches.splice(0);
	assert.deepEqual(list, [], `answers that do not match the document:\n${list.join('\n')}`);
}

function withRepo(p) {
	p.repository = {
		...p.repository,
		id: 4242,
		name: 'shop',
		full_name: REPO,
		default_branch: 'main',
		html_url: `https://github.com/${REPO}`,
		owner: { ...(p.repository?.owner || {}), login: 'acme' },
	};
	delete p.organization;
	return p;
}

async function github(event, payload, want = [200, 202]) {
	const d = githubDelivery(event, payload);
	return expectStatus(want, 'POST', '/webhooks/github', {
		token: null,
		headers: d.headers,
		body: d.body,
	});
}

function push(before, after, at, message) {
	const p = withRepo(loadFixture('github/push.1.json'));
	Object.assign(p, {
		ref: 'refs/heads/main',
		before,
		after,
		created: false,
		deleted: false,
		forced: false,
	});
	const commit = {
		id: after,
		message,
		timestamp: at,
		url: `https://github.com/${REPO}/commit/${after}`,
		author: { name: 'Dana', email: 'dana@example.com', username: 'dana' },
		committer: { name: 'Dana', email: 'dana@example.com', username: 'dana' },
		added: [],
		removed: [],
		modified: ['README.md'],
		distinct: true,
	};
	p.commits = [commit];
	p.head_commit = commit;
	p.repository.pushed_at = at;
	return github('push', p);
}

function pullRequest(
	fixture,
	fields,
	{ number = 7, branch = 'feature/gift-cards', sha = HEAD_SHA } = {},
) {
	const p = withRepo(loadFixture(`github/${fixture}`));
	p.number = number;
	const pr = p.pull_request;
	Object.assign(
		pr,
		{
			number,
			title: 'Checkout accepts gift cards',
			created_at: '2026-03-02T09:00:00Z',
			html_url: `https://github.com/${REPO}/pull/${number}`,
		},
		fields,
	);
	pr.head = { ...pr.head, ref: branch, sha };
	pr.base = { ...pr.base, ref: 'main', sha: BASE_SHA };
	pr.labels = [{ name: 'payments' }];
	return github('pull_request', p);
}

function workflowRun(
	id,
	{ name = 'ci', branch, sha, conclusion, created, event = 'push', prs = [] },
) {
	const p = withRepo(loadFixture('github/workflow_run.completed.json'));
	const wr = p.workflow_run;
	Object.assign(wr, {
		id,
		name,
		path: '.github/workflows/ci.yaml',
		head_branch: branch,
		head_sha: sha,
		event,
		pull_requests: prs,
		status: 'completed',
		conclusion,
		created_at: created,
		run_started_at: created,
		updated_at: created.replace(/:00Z$/, ':59Z'),
		run_attempt: 1,
		html_url: `https://github.com/${REPO}/actions/runs/${id}`,
	});
	return github('workflow_run', p);
}

function workflowJob(id, runId, name, sha, branch) {
	const p = withRepo(loadFixture('github/workflow_job.completed.success.json'));
	Object.assign(p.workflow_job, {
		id,
		run_id: runId,
		run_attempt: 1,
		name,
		head_sha: sha,
		head_branch: branch,
		workflow_name: 'ci',
		created_at: '2026-03-02T09:10:00Z',
		started_at: '2026-03-02T09:10:05Z',
		completed_at: '2026-03-02T09:14:00Z',
	});
	return github('workflow_job', p);
}

function checkEvent(fixture, key, sha) {
	const p = withRepo(loadFixture(`github/${fixture}`));
	p[key].head_sha = sha;
	if (p[key].check_suite) p[key].check_suite.head_sha = sha;
	return github(key, p);
}

before(async () => {
	const url = createDatabase(DB);
	server = await startServer(url, {
		SHIPLOG_CONFIG: path.join(HERE, 'shiplog.contract.yaml'),
	});
	base = server.url;
	const res = await request(base, 'GET', '/api/v1/openapi.json');
	assert.equal(res.status, 200, `openapi.json answered ${res.status}`);
	doc = res.json;
	contract = new Contract(doc);
});

after(async () => {
	if (server) await server.stop();
	dropDatabase(DB);
});

describe('the OpenAPI document is true to the running server', () => {
	it('loads data through real endpoints, and every answer matches the document', async () => {
		// GitHub: the default branch, a PR with CI and checks, its merge, main going red.
		await push(
			'0000000000000000000000000000000000000000',
			BASE_SHA,
			'2026-03-02T08:00:00Z',
			'Initial commit',
		);
		await pullRequest('pull_request.opened.json', {
			updated_at: '2026-03-02T09:00:00Z',
		});
		await workflowRun(9001, {
			branch: 'feature/gift-cards',
			sha: HEAD_SHA,
			conclusion: 'success',
			created: '2026-03-02T09:10:00Z',
			event: 'pull_request',
		});
		await workflowJob(90011, 9001, 'unit', HEAD_SHA, 'feature/gift-cards');
		await checkEvent('check_suite.completed.json', 'check_suite', HEAD_SHA);
		await checkEvent('check_run.completed.json', 'check_run', HEAD_SHA);
		await pullRequest('pull_request.closed.json', {
			state: 'closed',
			merged: true,
			updated_at: '2026-03-02T10:00:00Z',
			closed_at: '2026-03-02T10:00:00Z',
			merged_at: '2026-03-02T10:00:00Z',
			merge_commit_sha: MERGE_SHA,
		});
		await push(
			BASE_SHA,
			MERGE_SHA,
			'2026-03-02T10:00:05Z',
			'Merge pull request #7 from acme/feature/gift-cards',
		);
		await workflowRun(9002, {
			branch: 'main',
			sha: MERGE_SHA,
			conclusion: 'success',
			created: '2026-03-02T10:01:00Z',
		});
		await workflowJob(90021, 9002, 'smoke', MERGE_SHA, 'main');
		await pullRequest(
			'pull_request.opened.json',
			{ title: 'Tidy the basket', updated_at: '2026-03-02T10:30:00Z' },
			{ number: 8, branch: 'tidy-basket', sha: NEXT_SHA },
		);
		await push(MERGE_SHA, NEXT_SHA, '2026-03-02T11:00:00Z', 'Tidy the basket');
		await workflowRun(9003, {
			branch: 'main',
			sha: NEXT_SHA,
			conclusion: 'failure',
			created: '2026-03-02T11:01:00Z',
		});
		// a push whose `before` shiplog never saw: a gap in the default branch
		await push(
			'77777777777777777777777777777777777777aa',
			GAP_SHA,
			'2026-03-02T12:30:00Z',
			'After a missed delivery',
		);
		const tag = withRepo(loadFixture('github/create.json'));
		Object.assign(tag, { ref: 'v1.0.0-rc.1', ref_type: 'tag', master_branch: 'main' });
		await github('create', tag);
		await github('ping', withRepo(loadFixture('github/ping.json')));

		// Another CI system reports a run (201 new, 200 the same again).
		const report = {
			repository: REPO,
			provider: 'gitlab-ci',
			external_id: '555',
			sha: MERGE_SHA,
			branch: 'main',
			workflow: 'build',
			status: 'completed',
			conclusion: 'success',
			run_number: 12,
			url: 'https://gitlab.example.com/acme/shop/-/pipelines/555',
			started_at: '2026-03-02T10:02:00Z',
			completed_at: '2026-03-02T10:09:00Z',
			jobs: [
				{
					name: 'lint',
					status: 'completed',
					conclusion: 'success',
					stage: 'lint',
				},
				{
					name: 'unit',
					status: 'completed',
					conclusion: 'failure',
					runner: 'gl-runner-3',
					required: true,
				},
			],
		};
		await expectStatus(201, 'POST', '/api/v1/runs', { body: report });
		await expectStatus(200, 'POST', '/api/v1/runs', { body: report });

		// Environments, a Flux event, an artifact, a reported deployment.
		await expectStatus(201, 'POST', '/api/v1/environments', {
			body: {
				name: 'staging',
				tier: 'staging',
				url: 'https://staging.example.com',
				description: 'Where RCs are tested',
				flux: [{ kind: 'Kustomization', name: 'shop' }],
			},
		});
		await expectStatus(201, 'POST', '/api/v1/environments', {
			body: { name: 'production', tier: 'production' },
		});
		await expectStatus(201, 'POST', '/api/v1/environments', {
			body: { name: 'scratch' },
		});
		await expectStatus(200, 'PATCH', '/api/v1/environments/scratch', {
			body: { description: 'for a while', url: null },
		});
		await expectStatus(204, 'DELETE', '/api/v1/environments/scratch');
		const flux = (name, reason, sha, ts) => ({
			involvedObject: {
				kind: 'Kustomization',
				namespace: 'flux-system',
				name,
				apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
			},
			severity: reason.endsWith('Failed') ? 'error' : 'info',
			timestamp: ts,
			message: `${reason} ${sha.slice(0, 7)}`,
			reason,
			metadata: { revision: `main@sha1:${sha}` },
			reportingController: 'kustomize-controller',
		});
		for (const ev of [
			flux('shop', 'ReconciliationSucceeded', MERGE_SHA, '2026-03-02T10:20:00Z'),
			flux('shop', 'Progressing', NEXT_SHA, '2026-03-02T11:20:00Z'),
			flux(
				'nobody-claims-this',
				'ReconciliationSucceeded',
				MERGE_SHA,
				'2026-03-02T10:20:00Z',
			),
		]) {
			const f = fluxEvent(ev);
			await expectStatus([200, 202], 'POST', '/webhooks/flux', {
				token: null,
				headers: f.headers,
				body: f.body,
			});
		}
		const artifact = {
			kind: 'image',
			name: 'ghcr.io/acme/shop',
			version: '1.0.0',
			digest: DIGEST,
			uri: 'ghcr.io/acme/shop:1.0.0',
			size: 48211000,
			repository: REPO,
			commit: MERGE_SHA,
			run_id: 9002,
			labels: { workflow: 'ci' },
		};
		await expectStatus(201, 'POST', '/api/v1/artifacts', { body: artifact });
		await expectStatus(200, 'POST', '/api/v1/artifacts', { body: artifact });
		await expectStatus(201, 'POST', '/api/v1/artifacts', {
			body: {
				kind: 'chart',
				name: 'shop',
				version: '0.1.0',
				digest: CHART_DIGEST,
				repository: REPO,
				commit: MERGE_SHA,
				run_id: 77,
			},
		});
		const helm = fluxEvent({
			involvedObject: {
				kind: 'HelmRelease',
				namespace: 'previews',
				name: 'shop-preview',
				apiVersion: 'helm.toolkit.fluxcd.io/v2',
			},
			severity: 'info',
			timestamp: '2026-03-02T10:40:00Z',
			message: 'Helm upgrade succeeded',
			reason: 'UpgradeSucceeded',
			metadata: { revision: '0.1.0' },
			reportingController: 'helm-controller',
		});
		await expectStatus(200, 'POST', '/webhooks/flux', {
			token: null,
			headers: helm.headers,
			body: helm.body,
		});
		await expectStatus(201, 'POST', '/api/v1/deployments', {
			body: {
				environment: 'production',
				repository: REPO,
				commit: MERGE_SHA,
				artifacts: [DIGEST],
				status: 'success',
				started_at: '2026-03-02T12:00:00Z',
				finished_at: '2026-03-02T12:05:00Z',
			},
		});

		// Tokens and a session.
		const created = await expectStatus(201, 'POST', '/api/v1/tokens', {
			body: { name: 'dashboard', owner: 'dana@example.com', scopes: ['read'] },
		});
		readToken = created.json.token;
		const other = await expectStatus(201, 'POST', '/api/v1/tokens', {
			body: {
				name: 'old ci',
				owner: 'ci@example.com',
				scopes: ['ci', 'feedback'],
			},
		});
		await expectStatus(204, 'DELETE', `/api/v1/tokens/${other.json.id}`);
		await expectStatus(200, 'POST', '/api/v1/session', {
			token: null,
			body: { token: readToken },
		});
		// sign-in is JSON only: an HTML form cannot sign a browser in (login CSRF)
		await expectStatus(415, 'POST', '/api/v1/session', {
			token: null,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: `token=${encodeURIComponent(readToken)}`,
		});
		await expectStatus(204, 'DELETE', '/api/v1/session', { token: null });

		// Release candidates, feedback, a release.
		const rc = await expectStatus(201, 'POST', '/api/v1/release-candidates', {
			body: {
				version: 'v1.1.0-rc.1',
				repository: REPO,
				commit: NEXT_SHA,
				artifacts: [DIGEST],
				notes: 'First RC of 1.1',
			},
		});
		await expectStatus(200, 'POST', '/api/v1/release-candidates', {
			body: {
				version: 'v1.1.0-rc.1',
				repository: REPO,
				commit: NEXT_SHA,
				artifacts: [DIGEST],
			},
		});
		await expectStatus(200, 'PATCH', `/api/v1/release-candidates/${rc.json.id}`, {
			body: { state: 'testing', reason: 'on staging' },
		});
		const fb = await expectStatus(
			201,
			'POST',
			`/api/v1/release-candidates/${rc.json.id}/feedback`,
			{
				body: {
					author: 'qa@example.com',
					team: 'qa',
					verdict: 'block',
					severity: 'high',
					area: 'checkout',
					comment: 'Gift cards are charged twice',
				},
			},
		);
		const concern = await expectStatus(
			201,
			'POST',
			`/api/v1/release-candidates/${rc.json.id}/feedback`,
			{
				body: {
					author: 'pm@example.com',
					verdict: 'concern',
					comment: 'The basket total flickers',
				},
			},
		);
		await expectStatus(200, 'PATCH', `/api/v1/feedback/${fb.json.id}`, {
			body: { status: 'acknowledged' },
		});
		// the dashboard's form
		await expectStatus(201, 'POST', `/api/v1/release-candidates/${rc.json.id}/feedback`, {
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'author=ops%40example.com&verdict=approve&team=',
		});
		// the next RC supersedes it, and carries its unresolved block to re-check
		const rc2 = await expectStatus(201, 'POST', '/api/v1/release-candidates', {
			body: { version: 'v1.1.0-rc.2', repository: REPO, commit: NEXT_SHA },
		});
		await expectStatus(200, 'PATCH', `/api/v1/feedback/${concern.json.id}`, {
			body: {
				status: 'resolved',
				resolution: 'Fixed in rc.2',
				fixed_in: rc2.json.id,
			},
		});
		// a person the configuration maps to a team: verified feedback, counted
		const alice = await expectStatus(201, 'POST', '/api/v1/tokens', {
			body: {
				name: 'alice',
				owner: 'alice@example.com',
				scopes: ['read', 'feedback'],
			},
		});
		await expectStatus(201, 'POST', `/api/v1/release-candidates/${rc2.json.id}/feedback`, {
			token: alice.json.token,
			body: { verdict: 'approve' },
		});
		// a release manager asks for feedback on it (the default token is an admin's)
		await expectStatus(
			201,
			'POST',
			`/api/v1/release-candidates/${rc2.json.id}/feedback-requests`,
			{ body: { message: 'Please try the new login' } },
		);
		resolvedFeedback = concern.json.id;
		const release = withRepo(loadFixture('github/release.published.json'));
		Object.assign(release.release, {
			tag_name: 'v1.0.0',
			name: '1.0.0',
			target_commitish: 'main',
			prerelease: false,
			draft: false,
			created_at: '2026-03-02T09:30:00Z',
			published_at: '2026-03-02T09:35:00Z',
			html_url: `https://github.com/${REPO}/releases/tag/v1.0.0`,
		});
		await github('release', release);
		// rc.2 is released: the RC, the journey and "where" know the release
		const released = withRepo(loadFixture('github/release.published.json'));
		Object.assign(released.release, {
			id: 17372791,
			tag_name: 'v1.1.0',
			name: '1.1.0',
			target_commitish: 'main',
			prerelease: false,
			draft: false,
			created_at: '2026-03-03T10:00:00Z',
			published_at: '2026-03-03T10:05:00Z',
			html_url: `https://github.com/${REPO}/releases/tag/v1.1.0`,
		});
		await github('release', released);
		// and the next release's first candidate is open: approving it before its gates
		// pass is refused with the gates listed, acting on a state it has left is refused,
		// and a release manager (here the admin) overrides the gates with a reason
		const rc3 = await expectStatus(201, 'POST', '/api/v1/release-candidates', {
			body: { version: 'v1.2.0-rc.1', repository: REPO, commit: GAP_SHA },
		});
		const rc3Path = `/api/v1/release-candidates/${rc3.json.id}`;
		await expectStatus(200, 'PATCH', rc3Path, {
			body: { state: 'testing', expected_state: 'draft' },
		});
		await expectStatus(409, 'PATCH', rc3Path, { body: { state: 'approved' } });
		await expectStatus(409, 'PATCH', rc3Path, {
			body: { state: 'rejected', expected_state: 'draft' },
		});
		await expectStatus(200, 'PATCH', rc3Path, {
			body: {
				state: 'approved',
				expected_state: 'testing',
				override_reason: 'Sales signed it off on a call',
			},
		});

		// A delivery replayed.
		const deliveries = await expectStatus(200, 'GET', '/api/v1/deliveries?event=push&limit=1');
		await expectStatus(200, 'POST', `/api/v1/deliveries/${deliveries.json.items[0].id}/replay`);
		// A refused sign-in, for the audit trail's failed sign-ins.
		await expectStatus(401, 'POST', '/api/v1/session', {
			token: null,
			body: { token: `shiplog_${'0'.repeat(43)}` },
		});
		flushMismatches();
	});

	it('answers every GET route of the document with what its schema says', async (t) => {
		const gets = Object.entries(doc.paths)
			.filter(([, item]) => item.get)
			.map(([p]) => p)
			.sort();
		assert.ok(gets.length > 10, 'the document lists too few GET routes');
		const lists = new Map(); // list path -> items
		const listOf = async (p) => {
			if (!lists.has(p)) {
				const r = await expectStatus(200, 'GET', p, {}, p);
				assert.ok(Array.isArray(r.json?.items), `${p} is not a list`);
				lists.set(p, r.json.items);
			}
			return lists.get(p);
		};
		// Values of the path parameters that no list names.
		const fixed = {
			owner: ['acme'],
			number: ['7'],
			sha: [MERGE_SHA, HEAD_SHA, NEXT_SHA.slice(0, 10)],
			branch: ['main', 'feature/gift-cards'],
		};
		for (const template of gets) {
			await t.test(`GET ${template}`, async () => {
				mismatches.length = 0;
				const op = doc.paths[template].get;
				const multi = new Set(
					(op.parameters || [])
						.filter((q) => q['x-shiplog-multi-segment'])
						.map((q) => q.name),
				);
				const fill = (x, name, v) =>
					x.replace(
						`{${name}}`,
						multi.has(name)
							? v.split('/').map(encodeURIComponent).join('/')
							: encodeURIComponent(v),
					);
				const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
				let paths = [template];
				if (params.length) {
					// the first parameter comes from the list its path starts with
					const first = params[0];
					const listPath = template.slice(0, template.indexOf(`{${first}}`) - 1);
					let values;
					if (first === 'owner') {
						values = ['acme'];
					} else if (doc.paths[listPath]?.get) {
						const items = await listOf(listPath);
						values = items
							.slice(0, 20)
							.map((i) => i[first])
							.filter((v) => v !== undefined && v !== null)
							.map(String);
					}
					assert.ok(
						values?.length,
						`${template}: no value for {${first}} (add one to the contract test, or data to list at ${listPath})`,
					);
					paths = values.map((v) => fill(template, first, v));
					for (const p of params.slice(1)) {
						const vs = p === 'name' && first === 'owner' ? ['shop'] : fixed[p];
						assert.ok(
							vs,
							`${template}: no value for {${p}}: add one to the contract test`,
						);
						paths = paths.flatMap((x) => vs.map((v) => fill(x, p, v)));
					}
				}
				// required query parameters: two candidates of one repository for compare,
				// else the values the data has
				if (template === '/api/v1/release-candidates/compare') {
					const rcs = await listOf('/api/v1/release-candidates');
					const [head, base] = rcs.filter((r) => r.repository === rcs[0]?.repository);
					assert.ok(base, `${template}: two release candidates of one repository`);
					paths = [`${template}?base=${base.id}&head=${head.id}`];
				} else {
					const query = { repo: 'acme/shop' };
					const required = (op.parameters || []).filter(
						(x) => x.in === 'query' && x.required,
					);
					for (const q of required) {
						assert.ok(
							query[q.name],
							`${template}: no value for ?${q.name}: add one to the contract test`,
						);
						const v = `${q.name}=${encodeURIComponent(query[q.name])}`;
						paths = paths.map((x) => `${x}${x.includes('?') ? '&' : '?'}${v}`);
					}
				}
				for (const p of paths) {
					if (op.responses['200']?.content?.['text/event-stream']) {
						await eventStream(template, p);
					} else {
						const r = await call('GET', p, {}, template);
						assert.equal(
							r.status,
							200,
							`GET ${p}: ${r.status} ${r.text.slice(0, 300)}`,
						);
					}
					// lists: a page of one, and the page its next link leads to
					if ((op.parameters || []).some((q) => q.in === 'query' && q.name === 'limit')) {
						const sep = p.includes('?') ? '&' : '?';
						const page = await expectStatus(
							200,
							'GET',
							`${p}${sep}limit=1`,
							{},
							template,
						);
						if (page.json.next) {
							const next = new URL(page.json.next, base);
							await expectStatus(
								200,
								'GET',
								next.pathname + next.search,
								{},
								template,
							);
						}
					}
				}
				flushMismatches();
			});
		}
	});

	it('answers problems the document describes: 404, 400, 401, 403, 405, 409, 415', async () => {
		mismatches.length = 0;
		const cases = [
			[404, 'GET', '/api/v1/runs/987654321', {}],
			[404, 'GET', '/api/v1/repos/acme/unknown/pulls/1', {}],
			[404, 'GET', '/api/v1/environments/nowhere', {}],
			[400, 'GET', '/api/v1/runs?bogus=1', {}],
			[400, 'GET', '/api/v1/runs?limit=0', {}],
			[400, 'GET', '/healthz?verbose=1', {}],
			[400, 'POST', '/api/v1/runs', { body: { repository: REPO } }],
			[
				400,
				'POST',
				'/api/v1/artifacts',
				{
					body: '{"kind":',
					headers: { 'Content-Type': 'application/json' },
				},
			],
			[401, 'GET', '/api/v1/runs', { token: null }],
			[401, 'GET', '/api/v1/deliveries', { token: 'not-a-token-of-this-server' }],
			[403, 'GET', '/api/v1/tokens', { token: () => readToken }],
			[
				409,
				'POST',
				'/api/v1/artifacts',
				{
					body: {
						kind: 'image',
						name: 'ghcr.io/acme/shop',
						version: '1.0.0',
						digest: `sha256:${'00'.repeat(32)}`,
					},
				},
			],
			[409, 'POST', '/api/v1/environments', { body: { name: 'staging' } }],
			[
				415,
				'POST',
				'/api/v1/deployments',
				{
					body: 'environment=staging',
					headers: { 'Content-Type': 'text/plain' },
				},
			],
			[
				409,
				'PATCH',
				'/api/v1/environments/preview',
				{ body: { description: 'managed by the configuration' } },
			],
			[409, 'PATCH', '/api/v1/feedback/{resolved}', { body: { status: 'acknowledged' } }],
			[404, 'GET', '/api/v1/train?repo=acme/nothing', {}],
			[405, 'PUT', '/api/v1/runs', {}],
		];
		for (const [status, method, pth, o] of cases) {
			const p = pth.replace('{resolved}', String(resolvedFeedback));
			const opts = { ...o };
			if (typeof opts.token === 'function') opts.token = opts.token();
			let res;
			if (status === 405) {
				res = await request(base, method, p, {
					token: ADMIN_TOKEN,
					...opts,
				});
				// not an operation: checked against the Problem schema directly
				const v = contract.ajv.getSchema(
					'https://shiplog.invalid/api/v1/openapi.json#/components/schemas/Problem',
				);
				assert.ok(v(res.json), `405 is not a Problem: ${JSON.stringify(v.errors)}`);
			} else {
				res = await call(method, p, opts);
			}
			assert.equal(
				res.status,
				status,
				`${method} ${p}: expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`,
			);
			assert.equal(
				res.contentType,
				'application/problem+json',
				`${method} ${p}: ${res.contentType}`,
			);
			assert.equal(res.json.status, status);
		}
		// a delivery with a wrong signature
		const d = githubDelivery('push', withRepo(loadFixture('github/push.json')), {
			secret: 'wrong',
		});
		const res = await call('POST', '/webhooks/github', {
			token: null,
			headers: d.headers,
			body: d.body,
		});
		assert.equal(res.status, 401);
		assert.equal(res.json.type, '/problems/bad-signature');
		flushMismatches();
	});
});

// GET of a text/event-stream route: the status and media type the document says, then the
// stream is closed after its first bytes.
async function eventStream(template, p) {
	const ac = new AbortController();
	const timer = setTimeout(() => ac.abort(), 5000);
	try {
		const res = await fetch(base + p, {
			headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
			signal: ac.signal,
		});
		const ct = (res.headers.get('content-type') || '').split(';')[0].trim();
		const response = doc.paths[template].get.responses[String(res.status)];
		assert.ok(response?.content?.[ct], `GET ${p}: ${res.status} ${ct} is not in the document`);
		const reader = res.body.getReader();
		const first = await reader.read();
		assert.match(Buffer.from(first.value || []).toString(), /retry: \d+/);
		contract.calls.push(['GET', template, res.status]);
	} finally {
		clearTimeout(timer);
		ac.abort();
	}
}
