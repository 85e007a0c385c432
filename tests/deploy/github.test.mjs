// deploy/github: the example workflow is a well-formed GitHub Actions workflow that reports the
// image with the shiplog CLI's documented flags; the README lists the webhook events.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';

import { DEPLOY, ROOT, loadYamlFile, rel } from './lib.mjs';

const WORKFLOW = path.join(DEPLOY, 'github/report-artifacts.yaml');
const FLAGS = ['--kind', '--name', '--version', '--digest', '--repository', '--commit', '--run-id'];

const TOP = new Set([
	'name',
	'run-name',
	'on',
	'permissions',
	'env',
	'defaults',
	'concurrency',
	'jobs',
]);
const JOB = new Set([
	'name',
	'needs',
	'permissions',
	'runs-on',
	'environment',
	'concurrency',
	'outputs',
	'env',
	'defaults',
	'if',
	'steps',
	'timeout-minutes',
	'strategy',
	'continue-on-error',
	'container',
	'services',
	'uses',
	'with',
	'secrets',
]);
const STEP = new Set([
	'id',
	'if',
	'name',
	'uses',
	'run',
	'shell',
	'with',
	'env',
	'continue-on-error',
	'timeout-minutes',
	'working-directory',
]);

function checkExpressions(v, where) {
	if (typeof v === 'string') {
		const opens = (v.match(/\$\{\{/g) ?? []).length;
		const closes = (v.match(/\}\}/g) ?? []).length;
		assert.equal(opens, closes, `${where}: unbalanced \${{ }}`);
	} else if (v && typeof v === 'object') {
		for (const [k, x] of Object.entries(v)) checkExpressions(x, `${where}.${k}`);
	}
}

test('report-artifacts.yaml is a well-formed workflow', () => {
	const docs = loadYamlFile(WORKFLOW);
	assert.equal(docs.length, 1);
	const wf = docs[0];
	for (const k of Object.keys(wf)) assert.ok(TOP.has(k), `unknown top-level key ${k}`);
	assert.ok(wf.on && wf.jobs, 'needs on: and jobs:');
	checkExpressions(wf, 'workflow');
	for (const [id, job] of Object.entries(wf.jobs)) {
		assert.match(id, /^[A-Za-z_][A-Za-z0-9_-]*$/, `job id ${id}`);
		for (const k of Object.keys(job)) assert.ok(JOB.has(k), `jobs.${id}: unknown key ${k}`);
		if (job.uses) continue; // reusable workflow call
		assert.ok(job['runs-on'], `jobs.${id}: runs-on`);
		assert.ok(Array.isArray(job.steps) && job.steps.length, `jobs.${id}: steps`);
		const ids = new Set();
		for (const [i, s] of job.steps.entries()) {
			for (const k of Object.keys(s))
				assert.ok(STEP.has(k), `jobs.${id}.steps[${i}]: unknown key ${k}`);
			assert.ok(
				Boolean(s.uses) !== Boolean(s.run),
				`jobs.${id}.steps[${i}]: exactly one of uses/run`,
			);
			if (s.uses)
				assert.match(
					s.uses,
					/^[^@\s]+@[^@\s]+$/,
					`jobs.${id}.steps[${i}]: uses owner/repo@ref`,
				);
			// steps.X.outputs may only name earlier steps.
			for (const m of JSON.stringify(s).matchAll(/steps\.([A-Za-z0-9_-]+)\./g))
				assert.ok(
					ids.has(m[1]),
					`jobs.${id}.steps[${i}] refers to step ${m[1]}, which is not an earlier step id`,
				);
			if (s.id) ids.add(s.id);
		}
	}
});

// The step that runs `shiplog artifact add`, with its job and workflow.
function reportStep() {
	const wf = loadYamlFile(WORKFLOW)[0];
	for (const job of Object.values(wf.jobs))
		for (const step of job.steps ?? [])
			if (/shiplog\s+artifact\s+add/.test(step.run ?? '')) return { wf, job, step };
	return {};
}

test('the workflow reports the image with `shiplog artifact add` and its documented flags', () => {
	const { step: s } = reportStep();
	assert.ok(s, 'no step runs `shiplog artifact add`');
	const cmd = s.run.replace(/\\\n/g, ' ');
	for (const f of FLAGS) assert.match(cmd, new RegExp(`${f}[ =]\\S`), `missing ${f}`);
	assert.match(cmd, /--kind[ =]image\b/);
	for (const [flag, v] of [
		['--repository', 'GITHUB_REPOSITORY'],
		['--commit', 'GITHUB_SHA'],
		['--run-id', 'GITHUB_RUN_ID'],
	])
		assert.match(cmd, new RegExp(`${flag}[ =]"?\\$\\{?${v}\\b`), `${flag} should be $${v}`);
	for (const v of ['SHIPLOG_URL', 'SHIPLOG_TOKEN'])
		assert.match(
			String(s.env?.[v] ?? ''),
			/^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$/,
			`${v} must come from secrets`,
		);
});

// When the CLI is built (build/shiplog, or $SHIPLOG_CLI) and has `artifact add`: its help must
// list the flags the example uses, and the example step, run as GitHub would run it, must send
// the artifact to a stand-in shiplog on 127.0.0.1. Until the CLI exists this only notes it.
function builtCli(ctx) {
	const cli = process.env.SHIPLOG_CLI || path.join(ROOT, 'build/shiplog');
	if (!fs.existsSync(cli)) {
		ctx.diagnostic(`${rel(cli)} not built: the example step was not run against the CLI`);
		return null;
	}
	const r = spawnSync(cli, ['artifact', 'add', '--help'], {
		encoding: 'utf8',
		timeout: 10000,
		env: { PATH: process.env.PATH },
	});
	const help = `${r.stdout}${r.stderr}`;
	if (r.status !== 0 || !/--kind/.test(help)) {
		ctx.diagnostic(
			`${rel(cli)} has no 'artifact add' yet (exit ${r.status}): the example step was not run`,
		);
		return null;
	}
	return { cli, help };
}

test('the shiplog CLI, where built, lists the flags the workflow uses', (ctx) => {
	const built = builtCli(ctx);
	if (!built) return;
	for (const f of FLAGS)
		assert.ok(built.help.includes(f), `\`shiplog artifact add --help\` does not list ${f}`);
});

test('the example step, run with the built CLI, reports the image to shiplog', async (ctx) => {
	const built = builtCli(ctx);
	if (!built) return;
	const { wf, job, step } = reportStep();
	assert.ok(step, 'no step runs `shiplog artifact add`');
	const values = {
		TAG: 'v1.2.3',
		DIGEST: `sha256:${'ab'.repeat(32)}`,
		GITHUB_REPOSITORY: 'org/app',
		GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
		GITHUB_RUN_ID: '987654321',
		SHIPLOG_TOKEN: 'test-token-' + 'x'.repeat(20),
	};
	const got = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			got.push({
				method: req.method,
				url: req.url,
				auth: req.headers.authorization,
				body,
			});
			let echo = {};
			try {
				echo = JSON.parse(body);
			} catch {
				/* reported below */
			}
			res.writeHead(201, { 'Content-Type': 'application/json' });
			res.end(
				JSON.stringify({
					id: 1,
					...echo,
					created_at: '2024-01-01T00:00:00Z',
				}),
			);
		});
	});
	await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
	try {
		const url = `http://127.0.0.1:${server.address().port}`;
		// The step's env with its ${{ }} expressions replaced, as the runner would.
		const env = {
			PATH: `${path.dirname(built.cli)}${path.delimiter}${process.env.PATH}`,
		};
		for (const [k, v] of Object.entries({ ...wf.env, ...job.env, ...step.env })) {
			env[k] = String(v).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr) => {
				if (expr === 'secrets.SHIPLOG_URL') return url;
				if (expr === 'secrets.SHIPLOG_TOKEN') return values.SHIPLOG_TOKEN;
				if (expr === 'github.ref_name') return values.TAG;
				if (/^steps\.[\w-]+\.outputs\.digest$/.test(expr)) return values.DIGEST;
				throw new Error(`no test value for \${{ ${expr} }} in the report step's env`);
			});
		}
		Object.assign(env, {
			GITHUB_REPOSITORY: values.GITHUB_REPOSITORY,
			GITHUB_SHA: values.GITHUB_SHA,
			GITHUB_RUN_ID: values.GITHUB_RUN_ID,
		});
		const child = spawn('bash', ['-eo', 'pipefail', '-c', step.run], {
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (out += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
		const code = await new Promise((ok) => child.on('close', ok));
		clearTimeout(timer);
		assert.equal(code, 0, `the report step exited ${code}:\n${out}`);
		if (!got.length && /^shiplog \d+\.\d+/.test(out.trim()))
			assert.fail(
				`the CLI printed its version instead of sending the artifact: it takes \`artifact add --version VALUE\` for the global --version (cli/args.c)`,
			);
		assert.equal(
			got.length,
			1,
			`expected one request, got ${got.length}; the step printed:\n${out}`,
		);
		const [req] = got;
		assert.equal(req.method, 'POST');
		assert.equal(req.url, '/api/v1/artifacts');
		assert.equal(req.auth, `Bearer ${values.SHIPLOG_TOKEN}`);
		const body = JSON.parse(req.body);
		const sent = JSON.stringify(body);
		for (const v of [
			'image',
			env.IMAGE ?? 'ghcr.io/org/app',
			values.TAG,
			values.DIGEST,
			values.GITHUB_REPOSITORY,
			values.GITHUB_SHA,
			values.GITHUB_RUN_ID,
		])
			assert.ok(sent.includes(v), `the request body lacks ${v}: ${sent}`);
	} finally {
		await new Promise((ok) => server.close(ok));
	}
});

test('deploy/github/README.md lists the webhook URL, content type and every event', () => {
	const readme = fs.readFileSync(path.join(DEPLOY, 'github/README.md'), 'utf8');
	assert.ok(readme.includes('/webhooks/github'), 'webhook URL');
	assert.ok(readme.includes('application/json'), 'content type');
	assert.ok(readme.includes('SHIPLOG_GITHUB_WEBHOOK_SECRET'), 'secret');
	for (const e of [
		'workflow_run',
		'workflow_job',
		'push',
		'create',
		'delete',
		'pull_request',
		'release',
		'registry_package',
		'package',
		'check_suite',
		'check_run',
		'deployment',
		'deployment_status',
	])
		assert.ok(readme.includes(`\`${e}\``), `event ${e} is not listed`);
	assert.ok(readme.includes('report-artifacts.yaml'), 'links the example workflow');
});
