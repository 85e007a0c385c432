// make-run.test.mjs — the README's first command as a newcomer meets it: `make run` in a clean
// clone of this checkout (its committed HEAD, built from nothing), then the URL the banner
// prints in Chromium, signed in through the sign-in page with the admin token the banner
// prints, showing the demo data. The only environment it gives `make run` beyond a user's
// PATH and HOME: PORT (a free port), SHIPLOG_STATE_DIR (a temporary folder, so a user's state
// under /var/tmp is never touched) and JOBS (the suite's). Ctrl-C (SIGINT to the process
// group, as a terminal sends it) stops it; the cluster and the folder are removed at the end,
// also when the test fails.
//
// Environment: JOBS (build parallelism, passed on), SHIPLOG_MAKE_RUN_LOG (where the output of
// `make run` goes; default test-results/make-run.log), CHROME_PATH.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ROOT, freePort } from './server.mjs';
import { launch, open, problems, shot } from './harness.mjs';

const BANNER_TIMEOUT_MS = 600_000; // a build from nothing on two shared cores, then the demo data
const STOP_TIMEOUT_MS = 30_000;
const LOG = process.env.SHIPLOG_MAKE_RUN_LOG ?? resolve(ROOT, 'test-results/make-run.log');

let tmp = null; // /var/tmp/shiplog-make-run-XXXXXX: the clone and the state folder
let make = null; // the `make run` child, leader of its own process group
let browser = null;

function groupAlive(pgid) {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

// The state folder run.sh would pick for the clone without SHIPLOG_STATE_DIR (unique to this
// run, as the clone's path is): removed too, so that a run.sh ignoring the variable leaks nothing.
function defaultStateDir(clone) {
	return `/var/tmp/shiplog-shiplog-${createHash('sha256').update(clone).digest('hex').slice(0, 8)}`;
}

// Kills what is left of `make run`, removes its PostgreSQL cluster and the folders. Synchronous,
// so that it also runs from the exit and signal handlers; doing it twice does no harm.
function cleanUp() {
	if (make && groupAlive(make.pid)) process.kill(-make.pid, 'SIGKILL');
	if (!tmp) return;
	for (const state of [resolve(tmp, 'state'), defaultStateDir(resolve(tmp, 'shiplog'))]) {
		if (!existsSync(resolve(state, 'pg'))) continue;
		const r = spawnSync(
			'bash',
			[resolve(ROOT, 'scripts/pg.sh'), 'destroy', resolve(state, 'pg')],
			{ encoding: 'utf8', timeout: 90_000 },
		);
		if (r.status !== 0)
			console.log(`# pg.sh destroy ${state}/pg failed (exit ${r.status}): ${r.stderr}`);
		if (!state.startsWith(tmp)) rmSync(state, { recursive: true, force: true });
	}
	rmSync(tmp, { recursive: true, force: true });
	tmp = null;
}
process.once('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
	process.once(sig, () => {
		cleanUp();
		process.exit(128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[sig]);
	});

after(
	async () => {
		await browser?.close().catch(() => {});
		cleanUp();
	},
	{ timeout: 120_000 },
);

// Resolves with the banner's URL and admin token once `make run` has printed them; rejects when
// it exits first or takes longer than the timeout.
function waitForBanner(child, output) {
	return new Promise((ok, fail) => {
		const timer = setTimeout(
			() => fail(new Error(`no banner within ${BANNER_TIMEOUT_MS / 1000} s; see ${LOG}`)),
			BANNER_TIMEOUT_MS,
		);
		const look = () => {
			const text = output.join('');
			const url = /^\s*URL:\s+(\S+)\s*$/m.exec(text);
			const token = /^\s*admin token:\s+(\S+)\s*$/m.exec(text);
			const state = /^\s*state dir:\s+(\S+)\s*$/m.exec(text);
			if (/shiplog is running/.test(text) && url && token && state) {
				clearTimeout(timer);
				child.stdout.off('data', look);
				ok({ url: url[1], token: token[1], state: state[1] });
			}
		};
		child.stdout.on('data', look);
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			fail(
				new Error(
					`make run exited before its banner (${signal ?? `exit ${code}`}); last lines:\n${output.join('').split('\n').slice(-40).join('\n')}`,
				),
			);
		});
	});
}

test(
	'make run in a clean clone serves the dashboard: sign in with the printed token, see the demo data',
	{ timeout: BANNER_TIMEOUT_MS + 180_000 },
	async () => {
		const started = Date.now();
		tmp = mkdtempSync('/var/tmp/shiplog-make-run-');
		chmodSync(tmp, 0o755); // as root, the postgres user must reach state/pg
		const clone = resolve(tmp, 'shiplog');
		execFileSync('git', ['clone', '--quiet', ROOT, clone], {
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		const head = execFileSync('git', ['-C', clone, 'log', '-1', '--format=%h %s'], {
			encoding: 'utf8',
		}).trim();
		console.log(`# make run in a clone of ${head}`);
		if (
			execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], {
				encoding: 'utf8',
			}).trim()
		)
			console.log(
				'# note: the checkout has uncommitted changes; this test runs what is committed',
			);

		const port = await freePort();
		mkdirSync(dirname(LOG), { recursive: true });
		const log = createWriteStream(LOG);
		const env = {
			PATH: process.env.PATH,
			HOME: process.env.HOME ?? '/root',
			PORT: String(port),
			SHIPLOG_STATE_DIR: resolve(tmp, 'state'),
			...(process.env.JOBS ? { JOBS: process.env.JOBS } : {}),
		};
		make = spawn('make', ['run'], {
			cwd: clone,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		const output = [];
		for (const stream of [make.stdout, make.stderr]) {
			stream.setEncoding('utf8');
			stream.on('data', (s) => {
				output.push(s);
				log.write(s);
			});
		}
		const { url, token, state } = await waitForBanner(make, output);
		const base = `http://127.0.0.1:${port}`;
		console.log(`# banner after ${Math.round((Date.now() - started) / 1000)} s: ${url}`);
		assert.equal(url, `${base}/`, 'the banner prints the URL of the port asked for');
		assert.equal(state, env.SHIPLOG_STATE_DIR, 'the state is where SHIPLOG_STATE_DIR says');

		const root = await fetch(url);
		assert.equal(
			root.status,
			200,
			`GET ${url} serves the dashboard: ${(await root.text()).slice(0, 300)}`,
		);
		assert.doesNotMatch(output.join(''), /NO DASHBOARD/, 'shiplogd found its dashboard');
		// the example configuration's deployment URL is not this server's
		const openapi = await (await fetch(`${base}/api/v1/openapi.json`)).json();
		assert.deepEqual(
			openapi.servers,
			[{ url: base }],
			'the OpenAPI servers are the printed URL',
		);

		browser = await launch();
		const ctx = await browser.newContext({
			viewport: { width: 1440, height: 900 },
			reducedMotion: 'reduce',
		});
		const page = await open(ctx);
		const landing = await page.goto(url);
		assert.equal(landing.status(), 200, `GET ${url}`);
		assert.match(landing.headers()['content-type'] ?? '', /^text\/html/);
		await page.waitForSelector('#signin-form', { timeout: 15_000 });
		await page.fill('#token', token);
		await page.press('#token', 'Enter');
		// signed in, the app shows the overview where the person was (no navigation of ours)
		await page.waitForSelector(
			'#health .health-item[data-repo="weaveworks/weave-gitops-enterprise"]',
			{ timeout: 15_000 },
		);
		await page.waitForFunction(
			() =>
				!document.querySelector('main[aria-busy="true"]') &&
				!document.querySelector('main .loading'),
			null,
			{ timeout: 15_000 },
		);
		assert.equal(page.url(), url, 'signed in, on the overview');
		const [cookie] = (await ctx.cookies()).filter((c) => c.name === 'shiplog_session');
		assert.ok(cookie, 'a session cookie');
		assert.equal(cookie.secure, false, 'the session cookie is not Secure on plain http');
		// the demo data that scripts/demo-data.sh loaded (tests/browser/seed.mjs's story)
		assert.match(await page.textContent('#health'), /weaveworks\/weave-gitops\b/);
		assert.equal(
			await page.getAttribute(
				'#health .health-item[data-repo="weaveworks/weave-gitops"]',
				'data-state',
			),
			'red',
			'the open-source sibling is red now',
		);
		assert.match(
			await page.textContent('#current-rc'),
			/v0\.38\.0-rc\.1/,
			'the release candidate waiting for Sales',
		);
		assert.ok((await page.locator('#recent-runs tbody tr').count()) > 0, 'recent runs');
		await shot(page, 'make-run-overview');
		assert.deepEqual(problems(page), [], 'no console errors or page errors');
		await ctx.close();

		// Ctrl-C, as in a terminal: the server stops, and so does make run
		process.kill(-make.pid, 'SIGINT');
		const deadline = Date.now() + STOP_TIMEOUT_MS;
		while (groupAlive(make.pid) && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		assert.ok(
			!groupAlive(make.pid),
			`make run and shiplogd stopped within ${STOP_TIMEOUT_MS / 1000} s of Ctrl-C`,
		);
		await assert.rejects(fetch(`${base}/healthz`), 'nothing answers on the port any more');
		assert.match(output.join(''), /shiplogd exited \(status 0\)/);
		console.log(
			`# make run, sign-in and demo data checked in ${Math.round((Date.now() - started) / 1000)} s`,
		);
	},
);
