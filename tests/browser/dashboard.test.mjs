// The dashboard and the Sales feedback form in headless Chromium, against a real shiplogd
// loaded with a few weeks of a product through its real endpoints (seed.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { startServer } from './server.mjs';
import { seed, deliver, runPayload } from './seed.mjs';
import { launch, person, open, problems, visit, shot, SHOTS, axeViolations } from './harness.mjs';

const WGE = 'weaveworks/weave-gitops-enterprise';
const XSS =
	'Blocks our demo. <script>window.__xss = "script"</script><img src=x onerror="window.__xss = \'img\'"> Please fix.';

let server, facts, browser, engineer, engineerPhone, engineerDark;

async function api(path, { method = 'GET', body, token } = {}) {
	const res = await fetch(server.url + '/api/v1' + path, {
		method,
		headers: {
			Authorization: `Bearer ${token ?? server.adminToken}`,
			...(body ? { 'Content-Type': 'application/json' } : {}),
		},
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function currentRc() {
	const { json } = await api('/release-candidates?limit=50');
	return json.items.find((r) => r.version === 'v0.38.0-rc.1');
}

const capitalised = (t) => t.charAt(0).toUpperCase() + t.slice(1);

function noProblems(page, what) {
	assert.deepEqual(problems(page), [], `${what}: console errors or page errors`);
}

before(
	async () => {
		server = await startServer();
		facts = await seed(server.url, {
			adminToken: server.adminToken,
			githubSecret: server.githubSecret,
			fluxSecret: server.fluxSecret,
			log: (m) => console.log(`# ${m}`),
		});
		browser = await launch();
		engineer = await person(browser, server.url, { token: facts.tokens.engineer });
		engineerPhone = await person(browser, server.url, {
			token: facts.tokens.engineer,
			phone: true,
		});
		engineerDark = await person(browser, server.url, {
			token: facts.tokens.engineer,
			colorScheme: 'dark',
		});
	},
	{ timeout: 90_000 },
);

after(async () => {
	await browser?.close().catch(() => {});
	await server?.stop().catch(() => {});
	if (browser) console.log(`# screenshots in ${SHOTS}`);
});

test('the seed loads a few weeks of a product through the real endpoints', (t) => {
	assert.deepEqual(facts.failures, [], 'every delivery and API call was accepted and processed');
	assert.deepEqual(facts.skipped, [], 'nothing of the story was skipped');
	assert.ok(
		facts.deliveries.github > 500 && facts.deliveries.github < 3000,
		`GitHub deliveries: ${facts.deliveries.github}`,
	);
	assert.ok(facts.deliveries.flux > 20, `Flux events: ${facts.deliveries.flux}`);
	assert.ok(
		facts.runs.flaky.length > 0 && facts.runs.redMain.length > 0,
		'flaky re-runs and a red main',
	);
	assert.ok(
		facts.releaseCandidates.length >= 3 && facts.releases.length >= 1,
		'candidates and a release',
	);
	assert.ok(facts.feedback.length >= 5, 'feedback given');
	// how long it took is printed, not asserted: speed is measured by bench/, and a busy
	// machine must not fail a test of behaviour
	t.diagnostic(`the seed took ${facts.seconds} s`);
});

test('a browser without a session sees the sign-in, and a token signs it in', async () => {
	const ctx = await person(browser, server.url, {});
	const page = await open(ctx);
	await visit(page, '/runs', '#signin-form');
	await shot(page, 'sign-in');
	await page.setViewportSize({ width: 390, height: 844 });
	await shot(page, 'sign-in');
	await page.setViewportSize({ width: 1440, height: 900 });
	await page.fill('#token', 'not-a-real-token-at-all');
	page.allow.push(/status of 401/);
	await page.press('#token', 'Enter');
	await page.waitForSelector('#token[aria-invalid="true"]');
	assert.match(await page.textContent('#token-error'), /not accepted/);
	await page.fill('#token', facts.tokens.engineer);
	await page.press('#token', 'Enter');
	await page.waitForSelector('#runs-table');
	assert.equal(new URL(page.url()).pathname, '/runs', 'back where the person wanted to go');
	assert.match(await page.textContent('#who'), /dave@example\.com/);
	noProblems(page, 'sign-in');

	// signing out ends the session on the server: a copy of the cookie is worthless
	const [cookie] = (await ctx.cookies()).filter((c) => c.name === 'shiplog_session');
	assert.ok(cookie, 'a session cookie');
	const withCopy = (path) =>
		fetch(new URL(path, server.url), {
			headers: { Cookie: `shiplog_session=${cookie.value}` },
		});
	assert.equal(
		(await withCopy('/api/v1/runs?limit=1')).status,
		200,
		'the copied cookie works while signed in',
	);
	await page.click('#who button');
	await page.waitForSelector('#signin-form');
	assert.equal(
		(await withCopy('/api/v1/runs?limit=1')).status,
		401,
		'the copied cookie after sign-out',
	);
	noProblems(page, 'sign-out');
	await ctx.close();
});

// Every page, with data, on a desktop and on a phone; no console errors.
const PAGES = [
	['overview', () => '/', '#chart-stages svg.chart'],
	['runs', () => '/runs', '#runs-table tbody tr'],
	['run', async () => `/runs/${(await flakyRun()).id}`, '#attempt-panel svg.gantt'],
	[
		'journey',
		() => `/journey?q=${encodeURIComponent(`${WGE}#${facts.journeyPull.number}`)}`,
		'#journey-now',
	],
	['environments', () => '/environments', '#env-staging .kv'],
	['environment', () => '/environments/staging', '#env-history tbody tr'],
	['release-candidates', () => '/release-candidates', '#rc-list tbody tr'],
	[
		'release-candidate',
		async () => `/release-candidates/${(await currentRc()).id}`,
		'#readiness .checklist',
	],
	['feedback', () => '/feedback', '#feedback-form .verdicts'],
	['not-found', () => '/no/such/page', '#not-found'],
];

const DARK = new Set(['overview', 'release-candidate']);
let flaky = null;
async function flakyRun() {
	if (flaky) return flaky;
	const { json } = await api(`/runs?repo=${encodeURIComponent(WGE)}&limit=200`);
	flaky =
		json.items.find((r) => r.attempt > 1 && r.kind === 'main') ||
		json.items.find((r) => r.attempt > 1);
	return flaky;
}

for (const [name, path, ready] of PAGES) {
	test(`page ${name} renders with data and logs no console errors (desktop and phone)`, async () => {
		for (const ctx of [engineer, engineerPhone]) {
			const page = await open(ctx);
			await visit(page, await path(), ready);
			if (name === 'overview') await page.waitForSelector('#chart-pass svg.chart circle');
			assert.ok((await page.textContent('h1'))?.trim().length > 0, 'a heading');
			const [scrollWidth, width] = await page.evaluate(() => [
				document.documentElement.scrollWidth,
				window.innerWidth,
			]);
			assert.ok(
				scrollWidth <= width,
				`${name}: the page is ${scrollWidth}px wide in a ${width}px window (sideways scrolling)`,
			);
			await shot(page, name);
			noProblems(page, name);
			await page.close();
		}
		if (DARK.has(name)) {
			const page = await open(engineerDark);
			await visit(page, await path(), ready);
			await shot(page, `${name}-dark`);
			noProblems(page, `${name} (dark)`);
			await page.close();
		}
	});
}

// axe-core's WCAG 2.1 A and AA rules on every page, light and dark, desktop and phone.
// (Its script is injected, so this context bypasses the CSP; every other test keeps it.)
test('every page passes the automated accessibility checks (axe-core, WCAG 2.1 AA)', async () => {
	const found = [];
	for (const [viewport, colorScheme] of [
		[{ width: 1440, height: 900 }, 'light'],
		[{ width: 390, height: 844 }, 'light'],
		[{ width: 1440, height: 900 }, 'dark'],
	]) {
		const ctx = await browser.newContext({
			baseURL: server.url,
			viewport,
			colorScheme,
			bypassCSP: true,
			reducedMotion: 'reduce',
			extraHTTPHeaders: { 'X-Forwarded-Email': 'alice@example.com' },
		});
		for (const [name, path, ready] of PAGES) {
			const page = await ctx.newPage();
			await visit(page, await path(), ready);
			const violations = await axeViolations(page);
			for (const v of violations)
				found.push(`${name} ${viewport.width}px ${colorScheme}: ${v}`);
			await page.close();
		}
		await ctx.close();
	}
	assert.deepEqual(found, []);
});

test('the overview says which default branch is red and why', async () => {
	const page = await open(engineer);
	await visit(page, '/', '#health .health-item');
	const red = page.locator('#health .health-item[data-state="red"]');
	assert.equal(await red.count(), 1);
	assert.match(await red.textContent(), /weaveworks\/weave-gitops\b.*Red since.*First failure/s);
	assert.equal(
		await page
			.locator('#health .health-item[data-repo="weaveworks/weave-gitops-enterprise"]')
			.getAttribute('data-state'),
		'green',
	);
	assert.match(await page.textContent('#environments [data-env="staging"]'), /deployed/);
	assert.match(await page.textContent('#current-rc'), /v0\.38\.0-rc\.1/);
	noProblems(page, 'overview');
	await page.close();
});

// Each repository's train runs on its own cadence (repositories[].releases in
// shiplog.test.yaml: weave-gitops weekly on Tuesdays, the product every two weeks on Thursdays).
test('the release train shows each repository its own next date', async () => {
	const page = await open(engineer);
	await visit(page, '/', '#train-body .train-repo');
	const block = (repo) => page.locator(`#train-body .train-repo[data-repository="${repo}"]`);
	const oss = await block('weaveworks/weave-gitops').textContent();
	const wge = await block('weaveworks/weave-gitops-enterprise').textContent();
	assert.match(oss, /Tuesday, .*A release every week on Tuesday/s);
	assert.match(wge, /Thursday, .*A release every 2 weeks on Thursday/s);
	await shot(page, 'overview-trains');
	noProblems(page, 'overview train');
	await page.close();
});

// The releases page counts the weeks' releases and the readiness overrides (the seed's one:
// Rita approves v0.37.0-rc.2 over the pending feedback gate), in the chart and in words.
test('the releases page charts releases and readiness overrides per week', async () => {
	const page = await open(engineer);
	await visit(page, '/release-candidates', '#chart-releases svg.chart');
	const note = await page.textContent('#chart-releases .chart-note');
	assert.match(note, /\b1 readiness override \(week of [^)]+: 1\)/);
	assert.match(note, /GET \/api\/v1\/stats\/releases/);
	assert.match(
		await page.getAttribute('#chart-releases svg.chart', 'aria-label'),
		/Releases per week/,
	);
	noProblems(page, 'releases per week');
	await page.close();
});

// A server that has heard of nothing yet: the charts say so instead of drawing axes over an
// empty grid; then one short run on main (70 s, one job): the duration axes in whole minutes
// count 0m 1m 2m..., each label once.
test('charts say when their window is empty, and small ranges get distinct tick labels', async () => {
	const saved = { db: process.env.SHIPLOG_BROWSER_DB, log: process.env.SHIPLOG_BROWSER_LOG };
	process.env.SHIPLOG_BROWSER_DB = 'shiplog_browser_empty';
	process.env.SHIPLOG_BROWSER_LOG = resolve(
		dirname(server.logPath),
		'empty/browser-shiplogd.log',
	);
	let empty;
	try {
		empty = await startServer();
	} finally {
		for (const [k, v] of [
			['SHIPLOG_BROWSER_DB', saved.db],
			['SHIPLOG_BROWSER_LOG', saved.log],
		]) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	}
	const ctx = await person(browser, empty.url, { token: empty.adminToken });
	try {
		const page = await open(ctx);
		const CHARTS = ['#chart-pass', '#chart-duration', '#chart-deploys', '#chart-stages'];
		await visit(page, '/', '#health');
		for (const id of CHARTS) {
			await page.waitForSelector(`${id} .chart-empty`, { timeout: 15_000 });
			assert.equal(
				await page.locator(`${id} svg.chart`).count(),
				0,
				`${id}: no axes over an empty grid`,
			);
		}
		assert.match(
			await page.textContent('#chart-pass .chart-empty'),
			/No runs on the default branch in the last 21 days/,
		);
		assert.match(
			await page.textContent('#chart-duration .chart-empty'),
			/No runs on the default branch in the last 21 days/,
		);
		assert.match(
			await page.textContent('#chart-deploys .chart-empty'),
			/No deployments in the last 6 weeks/,
		);
		assert.match(
			await page.textContent('#chart-stages .chart-empty'),
			/No jobs in the last 30 days/,
		);
		await shot(page, 'overview-empty');
		noProblems(page, 'overview with no data');

		const done = Date.now() - 5 * 60_000;
		const res = await fetch(`${empty.url}/api/v1/runs`, {
			method: 'POST',
			headers: {
				Authorization: `Bearer ${empty.adminToken}`,
				'Content-Type': 'application/json',
			},
			body: JSON.stringify({
				repository: 'weaveworks/pipeline-controller',
				provider: 'buildkite',
				external_id: 'short-1',
				workflow: 'CI',
				kind: 'main',
				branch: 'main',
				sha: 'c0ffee'.repeat(6) + 'c0ff',
				status: 'completed',
				conclusion: 'success',
				started_at: new Date(done - 70_000).toISOString(),
				completed_at: new Date(done).toISOString(),
				jobs: [
					{
						name: 'build',
						status: 'completed',
						conclusion: 'success',
						stage: 'build',
						started_at: new Date(done - 70_000).toISOString(),
						completed_at: new Date(done).toISOString(),
					},
				],
			}),
		});
		assert.equal(res.status, 201, await res.text());
		await visit(page, '/', '#chart-duration svg.chart circle');
		await page.waitForSelector('#chart-stages svg.chart rect.bar');
		for (const id of ['#chart-duration', '#chart-stages']) {
			const ticks = await page.$$eval(`${id} svg.chart .y-tick`, (ts) =>
				ts.map((t) => t.textContent),
			);
			assert.ok(ticks.length >= 3, `${id}: ${ticks.length} tick labels`);
			assert.equal(
				new Set(ticks).size,
				ticks.length,
				`${id}: tick labels ${ticks.join(' ')}`,
			);
			assert.ok(ticks.includes('1m'), `${id}: ${ticks.join(' ')}`);
		}
		await page.waitForSelector('#chart-deploys .chart-empty');
		await shot(page, 'overview-one-run');
		noProblems(page, 'overview with one run');
		await page.close();
	} finally {
		await ctx.close();
		await empty.stop();
	}
});

test('filters change the runs list', async () => {
	const page = await open(engineer);
	await visit(page, '/runs', '#runs-table tbody tr');
	const rows = page.locator('#runs-table tbody tr');
	const all = await rows.count();
	const repoCells = () =>
		page.$$eval('#runs-table tbody tr td[data-label="Repository"]', (tds) =>
			tds.map((td) => td.textContent.trim()),
		);
	assert.ok(new Set(await repoCells()).size > 1, 'several repositories at first');

	await page.selectOption('#f-repo', 'weaveworks/weave-gitops');
	await page.waitForFunction(() =>
		[...document.querySelectorAll('#runs-table tbody td[data-label="Repository"]')].every(
			(td) => td.textContent.trim() === 'weave-gitops',
		),
	);
	assert.deepEqual([...new Set(await repoCells())], ['weave-gitops']);
	assert.match(page.url(), /repo=weaveworks%2Fweave-gitops/);

	await page.selectOption('#f-conclusion', 'failure');
	await page.waitForFunction(() => {
		const pills = [...document.querySelectorAll('#runs-table tbody td[data-label="Status"]')];
		return pills.length > 0 && pills.every((td) => /failed/.test(td.textContent));
	});
	const failed = await rows.count();
	assert.ok(failed > 0 && failed < all, `${failed} failed runs of ${all}`);

	await page.selectOption('#f-conclusion', '');
	await page.fill('#f-branch', 'main');
	await page.waitForFunction(() => {
		const b = [...document.querySelectorAll('#runs-table tbody td[data-label="Branch"]')];
		return b.length > 0 && b.every((td) => td.textContent.trim() === 'main');
	});
	await page.click('#clear-filters');
	await page.waitForFunction(
		(n) => document.querySelectorAll('#runs-table tbody tr').length === n,
		all,
	);
	noProblems(page, 'runs filters');
	await page.close();
});

test('the runs list and the overview update live when a run is reported', async () => {
	const runs = await open(engineer);
	await visit(runs, '/runs', '#runs-table tbody tr');
	const overview = await open(engineerPhone);
	await visit(overview, '/', '#recent-runs tbody tr');
	for (const p of [runs, overview])
		await p.evaluate(() => {
			window.__sameDocument = true;
		});
	const title = `Live: a run reported while the page is open ${Date.now()}`;
	const payload = runPayload({
		repository: WGE,
		runId: 9_900_000_001,
		sha: 'f00dfeed'.repeat(5),
		title,
		status: 'in_progress',
		name: 'run tests',
		path: '.github/workflows/test.yaml',
		branch: 'sam/live-run',
	});
	await deliver(server.url, { githubSecret: server.githubSecret }, 'workflow_run', payload);
	for (const p of [runs, overview]) {
		await p.waitForFunction(
			(t) => [...document.querySelectorAll('tbody a')].some((a) => a.textContent === t),
			title,
			{ timeout: 15_000 },
		);
		assert.equal(await p.evaluate(() => window.__sameDocument), true, 'no reload');
	}
	const row = runs.locator('#runs-table tbody tr', { hasText: title });
	assert.match(await row.textContent(), /running/);
	// and when it finishes, its pill turns red in place
	await deliver(
		server.url,
		{ githubSecret: server.githubSecret },
		'workflow_run',
		runPayload({
			repository: WGE,
			runId: 9_900_000_001,
			sha: 'f00dfeed'.repeat(5),
			title,
			status: 'completed',
			conclusion: 'failure',
			name: 'run tests',
			path: '.github/workflows/test.yaml',
			branch: 'sam/live-run',
		}),
	);
	await runs.waitForFunction(
		(t) =>
			[...document.querySelectorAll('#runs-table tbody tr')].some(
				(tr) => tr.textContent.includes(t) && /failed/.test(tr.textContent),
			),
		title,
		{ timeout: 15_000 },
	);
	noProblems(runs, 'live runs');
	noProblems(overview, 'live overview');
	await runs.close();
	await overview.close();
});

test('a run page shows jobs by stage, a timeline, the re-run attempts and links to GitHub', async () => {
	const run = await flakyRun();
	const page = await open(engineer);
	await visit(page, `/runs/${run.id}`, '#attempt-panel svg.gantt');
	const tabs = page.locator('[role="tab"]');
	assert.equal(await tabs.count(), run.attempt);
	assert.equal(
		await tabs.last().getAttribute('aria-selected'),
		'true',
		'the latest attempt is shown',
	);
	assert.ok((await page.locator('svg.gantt rect.bar-ok').count()) >= 3, 'bars of passed jobs');
	assert.ok(
		(await page.locator('a[href^="https://github.com/"]').count()) > 3,
		'links to GitHub',
	);
	await tabs.last().focus();
	for (let i = 1; i < run.attempt; i++) await page.keyboard.press('ArrowLeft');
	await page.waitForSelector('[role="tab"]:first-child[aria-selected="true"]');
	assert.equal(
		await page.evaluate(() => document.activeElement?.id),
		'tab-1',
		'focus follows the arrow keys',
	);
	await page.waitForSelector('svg.gantt rect.bar-bad');
	await shot(page, 'run-first-attempt');
	noProblems(page, 'run page');
	await page.close();
});

test('the journey search finds a PR and a commit', async () => {
	const pr = facts.journeyPull;
	const page = await open(engineer);
	await visit(page, '/journey', '#journey-form');
	await page.fill('#journey-q', `${WGE}#${pr.number}`);
	await page.press('#journey-q', 'Enter');
	await page.waitForSelector(`[data-pr="${WGE}#${pr.number}"] #journey-now`);
	const road = await page.textContent('#journey-road');
	assert.match(road, /Pull request opened/);
	assert.match(road, /Merged/);
	assert.match(road, /Deployed to staging/);
	assert.match(
		await page.textContent('.journey-title'),
		new RegExp(pr.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
	);
	assert.ok((await page.locator('.legs li').count()) >= 2, 'how long each leg took');
	// it went all the way: in v0.37.0-rc.1, released in v0.37.0
	assert.match(road, /In RC v0\.37\.0-rc\.1/);
	assert.match(await page.textContent('#journey-now'), /Released in v0\.37\.0/);

	await page.fill('#journey-q', pr.mergeSha.slice(0, 10));
	await page.press('#journey-q', 'Enter');
	await page.waitForSelector('#journey-where [data-env="staging"]');
	assert.match(
		await page.textContent('#journey-where [data-env="staging"]'),
		/contains this change/,
	);
	noProblems(page, 'journey');
	await page.close();
});

// The journey of a change that went out in v0.37.0: it was in v0.37.0-rc.1 and -rc.2 (the
// one released), and v0.38.0-rc.1, cut later, contains it too. The steps come in the order
// they happened; the candidates, feedback and release are those of v0.37.0; v0.38.0-rc.1 and
// its feedback are listed apart ("also in"), not mixed into the road.
test('the journey of a released change follows the release that shipped it, in time order', async () => {
	const pr = facts.journeyPull;
	const page = await open(engineer);
	await visit(page, `/journey?q=${encodeURIComponent(`${WGE}#${pr.number}`)}`, '#journey-now');
	const steps = await page.$$eval('#journey-road li[data-step]', (lis) =>
		lis.map((li) => ({
			step: li.dataset.step,
			at: li.querySelector('.step-head time')?.getAttribute('datetime') ?? null,
			text: li.textContent,
		})),
	);
	const reached = steps.filter((s) => s.at);
	assert.ok(reached.length >= 6, `steps reached: ${reached.map((s) => s.step).join(', ')}`);
	for (let i = 1; i < reached.length; i++) {
		assert.ok(
			Date.parse(reached[i - 1].at) <= Date.parse(reached[i].at),
			`${reached[i].step} (${reached[i].at}) is listed after ${reached[i - 1].step} (${reached[i - 1].at})`,
		);
	}
	const step = (name) => steps.find((s) => s.step === name);
	assert.match(step('in_rc').text, /In RC v0\.37\.0-rc\.1/);
	assert.match(step('in_rc').text, /v0\.37\.0-rc\.2/, 'the candidate that shipped it');
	assert.match(step('released').text, /Released in v0\.37\.0/);
	// the feedback of v0.37.0's candidates, counted by verdict; none of v0.38.0-rc.1's
	const given = facts.feedback.filter((f) => f.rc.startsWith('v0.37.0-rc.'));
	for (const verdict of ['approve', 'concern', 'block']) {
		const n = given.filter((f) => f.verdict === verdict).length;
		assert.ok(n > 0, `the seed gave ${verdict} feedback on v0.37.0`);
		assert.match(step('feedback').text, new RegExp(`\\b${n} ${verdict}\\b`));
	}
	assert.doesNotMatch(
		await page.textContent('#journey-road'),
		/v0\.38\.0/,
		'the later candidate is not on the road',
	);
	// ... but listed apart, with a link to it
	const later = (await api('/release-candidates?limit=50')).json.items.find(
		(r) => r.version === 'v0.38.0-rc.1',
	);
	const also = page.locator('#journey-also-in');
	assert.match(await also.textContent(), /v0\.38\.0-rc\.1/);
	assert.equal(await also.locator(`a[href="/release-candidates/${later.id}"]`).count(), 1);
	assert.match(await page.textContent('#journey-now'), /Released in v0\.37\.0/);
	await shot(page, 'journey-released');
	noProblems(page, 'journey of a released change');
	await page.close();
});

test('feedback end to end: a block from a phone with the keyboard only, seen live on the RC page', async () => {
	const rc = await currentRc();
	assert.ok(rc, 'v0.38.0-rc.1 exists');

	// a release manager watches the candidate's page in another browser context
	const watcher = await open(engineer);
	await visit(watcher, `/release-candidates/${rc.id}`, '#readiness .checklist');
	await watcher.waitForSelector('#feedback-list');
	await watcher.evaluate(() => {
		window.__sameDocument = true;
	});
	const before = await watcher.getAttribute('#readiness-verdict .readiness', 'data-verdict');
	assert.notEqual(before, 'failed', 'not failed before the block');
	const itemsBefore = await watcher.locator('#feedback-list [data-feedback-id]').count();

	// Alice from Sales, behind the SSO proxy, on her phone
	const alice = await person(browser, server.url, { sso: 'alice@example.com', phone: true });
	const page = await open(alice);
	await visit(page, '/feedback', '#feedback-form');
	assert.match(
		await page.textContent('#identity'),
		/alice@example\.com.*sales/s,
		'name and team from SSO',
	);
	assert.equal(
		await page.inputValue('#rc'),
		String(rc.id),
		'the current candidate is preselected',
	);
	await page.waitForSelector('.changes-plain h3');
	assert.match(
		await page.textContent('.changes-plain'),
		/New features|Fixes|Changes to the screens/,
	);
	await shot(page, 'feedback-sales');

	// keyboard only: Tab to the verdicts, arrows to "block", Tab on to the comment, Enter
	await page.locator('body').focus();
	let guard = 0;
	while ((await page.evaluate(() => document.activeElement?.name)) !== 'verdict') {
		await page.keyboard.press('Tab');
		assert.ok(++guard < 40, 'the verdicts are reachable with Tab');
	}
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	assert.equal(
		await page.evaluate(() => document.querySelector('input[name=verdict]:checked')?.value),
		'block',
	);
	await page.keyboard.press('Tab'); // severity (shown for concern and block)
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'severity');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'comment');
	await page.keyboard.type(XSS);
	await page.keyboard.press('Tab');
	if ((await page.evaluate(() => document.activeElement?.id)) === 'area') {
		await page.keyboard.type('Cluster creation');
		await page.keyboard.press('Tab');
	}
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'send-feedback');
	await page.keyboard.press('Enter');

	await page.waitForSelector('#confirmation');
	assert.equal(
		await page.evaluate(() => document.activeElement?.id),
		'confirmation-title',
		'the confirmation takes focus',
	);
	assert.match(await page.textContent('#saved-verdict'), /Block/);
	assert.equal(
		await page.textContent('#saved-comment'),
		XSS,
		'the comment is shown as typed, as text',
	);
	assert.equal(
		await page.locator('#confirmation img').count(),
		0,
		'no element made from the comment',
	);
	await shot(page, 'feedback-confirmation');

	// the watcher's page, without a reload: the block appears and readiness turns failed
	await watcher.waitForFunction(
		() => document.querySelector('#feedback-list [data-verdict="block"][data-feedback-id]'),
		null,
		{ timeout: 15_000 },
	);
	await watcher.waitForSelector('#readiness-verdict .readiness[data-verdict="failed"]', {
		timeout: 15_000,
	});
	assert.equal(
		await watcher.evaluate(() => window.__sameDocument),
		true,
		'updated live, not reloaded',
	);
	assert.equal(
		await watcher.locator('#feedback-list [data-feedback-id]').count(),
		itemsBefore + 1,
	);
	const item = watcher.locator('#feedback-list [data-verdict="block"]').first();
	assert.match(await item.textContent(), /alice@example\.com/);
	assert.equal(await item.locator('.feedback-comment').textContent(), XSS);
	assert.equal(await watcher.locator('#feedback-list img').count(), 0);
	assert.match(await watcher.textContent('#readiness'), /block/i, 'the gate names the block');
	await shot(watcher, 'release-candidate-after-block');

	for (const p of [page, watcher]) {
		assert.equal(
			await p.evaluate(() => window.__xss),
			undefined,
			'nothing from the comment ran',
		);
	}
	// the link in the confirmation leads to the RC page, which shows it too
	await page.click('#see-on-rc');
	await page.waitForSelector('#feedback-list [data-verdict="block"]');
	assert.equal(await page.evaluate(() => window.__xss), undefined);
	noProblems(page, 'feedback form');
	noProblems(watcher, 'RC page');
	await alice.close();
	await watcher.close();
});

test('on the RC page, an admin acknowledges, resolves and reopens the block with the keyboard; readiness follows', async () => {
	const rc = await currentRc();
	// someone of another team (read + feedback) sees alice's block and no way to change it:
	// only she, her team (sales) or an admin may
	const engCtx = await person(browser, server.url, { token: facts.tokens.engineer });
	const eng = await open(engCtx);
	await visit(
		eng,
		`/release-candidates/${rc.id}`,
		'#feedback-list [data-verdict="block"][data-status="open"]',
	);
	const blockId = await eng.getAttribute(
		'#feedback-list [data-verdict="block"][data-status="open"]',
		'data-feedback-id',
	);
	assert.equal(
		await eng.locator(`#feedback-${blockId} .feedback-actions`).count(),
		0,
		'no buttons the server would refuse',
	);
	assert.match(
		await eng.textContent(`#feedback-${blockId} .feedback-who-may`),
		/alice@example\.com, their team \(sales\), a release manager or an admin can acknowledge or resolve this/,
	);
	noProblems(eng, 'RC page as someone of another team');
	await engCtx.close();

	const ctx = await person(browser, server.url, { token: server.adminToken });
	const page = await open(ctx, { allow: [/status of 400/] });
	await visit(page, `/release-candidates/${rc.id}`, '#readiness .checklist');
	await page.waitForSelector('#readiness-verdict .readiness[data-verdict="failed"]');
	const block = '#feedback-list [data-verdict="block"]';
	await page.waitForSelector(`${block}[data-status="open"] [data-action="acknowledge"]`);
	const id = await page.getAttribute(`${block}[data-status="open"]`, 'data-feedback-id');
	const item = `#feedback-${id}`;

	// acknowledge: Tab to the button, Enter; the keyboard stays on the item's actions
	await page.focus(`${item} [data-action="acknowledge"]`);
	await page.keyboard.press('Enter');
	await page.waitForSelector(`${item}[data-status="acknowledged"]`);
	await page.waitForFunction((sel) => document.activeElement?.closest(sel), item);
	assert.equal(
		await page.locator(`${item} [data-action="acknowledge"]`).count(),
		0,
		'acknowledged once',
	);
	assert.equal(
		await page.getAttribute('#readiness-verdict .readiness', 'data-verdict'),
		'failed',
		'an acknowledged block still blocks',
	);

	// resolve with a note: the note field takes focus; what is typed is shown as text
	const note = 'Fixed the <b>install</b> path in the chart; re-tested on kind.';
	await page.focus(`${item} [data-action="resolve"]`);
	await page.keyboard.press('Enter');
	await page.waitForFunction((sel) => document.activeElement?.matches(sel), `#resolution-${id}`);
	// first a note longer than the server takes (a browser without the maxlength): the
	// problem's errors name the field (pointer /resolution), and its message stands beside the
	// note field, which keeps the keyboard and what was typed
	const tooLong = 'y'.repeat(2001);
	await page.evaluate(
		(sel) => document.querySelector(sel).removeAttribute('maxlength'),
		`#resolution-${id}`,
	);
	await page.fill(`#resolution-${id}`, tooLong);
	const [answer] = await Promise.all([
		page.waitForResponse(
			(r) =>
				r.request().method() === 'PATCH' &&
				new URL(r.url()).pathname === `/api/v1/feedback/${id}`,
			{ timeout: 10_000 },
		),
		page.keyboard.press('Enter'),
	]);
	assert.equal(answer.status(), 400);
	const refused = await answer.json();
	const why = refused.errors?.find((x) => x.pointer === '/resolution');
	assert.ok(why, `the 400 problem names the field in errors: ${JSON.stringify(refused)}`);
	await page.waitForSelector(`#resolution-${id}[aria-invalid="true"]`, { timeout: 10_000 });
	assert.equal(
		(await page.textContent(`#resolution-${id}-error`)).replace('✕', ''),
		capitalised(why.detail),
	);
	assert.equal(
		await page.getAttribute(`#resolution-${id}`, 'aria-describedby'),
		`resolution-${id}-error`,
	);
	assert.equal(await page.evaluate(() => document.activeElement?.id), `resolution-${id}`);
	assert.equal(await page.inputValue(`#resolution-${id}`), tooLong, 'what was typed is kept');
	assert.equal(
		await page.textContent(`${item} form.feedback-resolve > p.field-error[role="alert"]`),
		'',
		'nothing in the general message',
	);
	await shot(page, 'release-candidate-note-refused');
	await page.fill(`#resolution-${id}`, '');
	await page.keyboard.type(note);
	await page.keyboard.press('Enter');
	await page.waitForSelector(`${item}[data-status="resolved"]`);
	assert.equal(await page.textContent(`${item} .feedback-note`), `Resolved: ${note}`);
	assert.equal(await page.locator(`${item} .feedback-note b`).count(), 0, 'the note is text');
	await page.waitForSelector('#readiness-verdict .readiness:not([data-verdict="failed"])', {
		timeout: 15_000,
	});
	const stored = (await api(`/release-candidates/${rc.id}/feedback?limit=200`)).json.items.find(
		(f) => String(f.id) === id,
	);
	assert.equal(stored.status, 'resolved');
	assert.equal(
		typeof stored.resolution === 'string' ? stored.resolution : stored.resolution?.note,
		note,
	);
	await shot(page, 'release-candidate-block-resolved');

	// reopen: it blocks again
	await page.click(`${item} [data-action="reopen"]`);
	await page.waitForSelector(`${item}[data-status="open"]`);
	await page.waitForSelector('#readiness-verdict .readiness[data-verdict="failed"]', {
		timeout: 15_000,
	});
	noProblems(page, 'RC page triage');
	await ctx.close();

	// a reader sees the feedback and no way to change it
	const { json: t } = await api('/tokens', {
		method: 'POST',
		body: { name: 'reader', owner: 'rita@example.com', scopes: ['read'] },
	});
	const readerCtx = await person(browser, server.url, { token: t.token });
	const reader = await open(readerCtx);
	await visit(reader, `/release-candidates/${rc.id}`, '#feedback-list [data-feedback-id]');
	assert.equal(await reader.locator('#feedback-list .feedback-actions').count(), 0);
	noProblems(reader, 'RC page as a reader');
	await readerCtx.close();
});

test('the form shows what the server refuses next to the field, and announces it', async () => {
	const ctx = await person(browser, server.url, {
		sso: 'erin@sales.example.com',
		phone: true,
	});
	const page = await open(ctx, { allow: [/status of 400/] });
	await visit(page, '/feedback', '#feedback-form');
	// nothing chosen: the client says so first
	await page.click('#send-feedback');
	await page.waitForSelector('#error-summary h2');
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
	assert.match(await page.textContent('#verdict-error'), /approve, concern or block/);
	await shot(page, 'feedback-errors');
	// a limit only the server knows (a browser without the maxlength): the problem's errors
	// name the field by JSON Pointer (/area), and its message appears next to that field. The
	// problem's detail is for people — here the server's sentence is swapped for another one,
	// which the page shows nowhere near a field: it must not read the field out of it.
	let refused = null;
	await page.route('**/api/v1/release-candidates/*/feedback', async (route) => {
		const res = await route.fetch();
		refused = await res.json();
		await route.fulfill({
			response: res,
			json: { ...refused, detail: 'That was not accepted.' },
		});
	});
	await page.check('#verdict-concern');
	await page.fill('#comment', 'The new pipeline screen is hard to read.');
	await page.evaluate(() => document.getElementById('area').removeAttribute('maxlength'));
	await page.fill('#area', 'x'.repeat(150));
	await page.click('#send-feedback');
	await page.waitForSelector('#error-summary h2', { timeout: 10_000 });
	assert.equal(refused?.status, 400);
	const why = refused.errors?.find((x) => x.pointer === '/area');
	assert.ok(why, `the 400 problem names the field in errors: ${JSON.stringify(refused)}`);
	assert.equal((await page.textContent('#area-error')).replace('✕', ''), capitalised(why.detail));
	assert.equal(await page.getAttribute('#area', 'aria-invalid'), 'true');
	assert.equal(await page.textContent('#verdict-error'), '', 'the verdict is not blamed');
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
	assert.ok(
		(await page.textContent('#error-summary')).includes(`Part of the product: ${why.detail}`),
		'the summary names the field',
	);
	assert.equal(await page.locator('#confirmation').count(), 0, 'nothing saved');
	await shot(page, 'feedback-refused');
	await page.unroute('**/api/v1/release-candidates/*/feedback');
	noProblems(page, 'server-side validation');
	await ctx.close();
});

test('a POST without the CSRF token is refused (403)', async () => {
	const rc = await currentRc();
	const ctx = await person(browser, server.url, { sso: 'alice@example.com' });
	const page = await open(ctx, { allow: [/status of 403/] });
	await visit(page, `/release-candidates/${rc.id}`, '#readiness .checklist');
	const res = await page.evaluate(async (id) => {
		const session = await (await fetch('/api/v1/session')).json();
		const post = (headers) =>
			fetch(`/api/v1/release-candidates/${id}/feedback`, {
				method: 'POST',
				credentials: 'same-origin',
				headers: { 'Content-Type': 'application/json', ...headers },
				body: JSON.stringify({
					verdict: 'approve',
					comment: 'sent without the token',
				}),
			});
		const without = await post({});
		const wrong = await post({ 'X-CSRF-Token': 'forged' });
		return {
			authenticated: session.authenticated,
			without: without.status,
			type: (await without.json()).type,
			wrong: wrong.status,
		};
	}, rc.id);
	assert.equal(res.authenticated, true);
	assert.equal(res.without, 403);
	assert.equal(res.wrong, 403);
	assert.match(res.type, /csrf/);
	const { json } = await api(`/release-candidates/${rc.id}/feedback?limit=200`);
	assert.ok(
		!json.items.some((f) => f.comment === 'sent without the token'),
		'nothing was stored',
	);
	noProblems(page, 'CSRF');
	await ctx.close();
});

test("a missing file gets the 404 page, a missing page the app's own", async () => {
	const res = await fetch(server.url + '/no-such-file.js');
	assert.equal(res.status, 404);
	assert.match(await res.text(), /This file does not exist/);
	const page = await open(engineer, { allow: [/status of 404/] });
	await visit(page, '/runs/987654321', '#not-found');
	assert.match(await page.textContent('#not-found'), /could not find/i);
	noProblems(page, 'not found');
	await page.close();
});

test('when the server cannot reach its database, pages say so kindly and recover', async (t) => {
	const pgctl = process.env.SHIPLOG_TEST_PG_CTL,
		pgdir = process.env.SHIPLOG_TEST_PG_DIR;
	const page = await open(engineer, { allow: [/status of 503/, /ERR_/, /EventSource/] });
	if (pgctl && pgdir) {
		// the real thing: stop the test cluster for a moment
		const { execFileSync } = await import('node:child_process');
		execFileSync(pgctl, ['stop', pgdir], { stdio: 'ignore' });
		try {
			await visit(page, '/environments', '#unavailable', { timeout: 20_000 });
		} finally {
			execFileSync(pgctl, ['start', pgdir], { stdio: 'ignore' });
		}
	} else {
		t.diagnostic('SHIPLOG_TEST_PG_CTL/DIR unset: the 503 comes from a routed reply instead');
		await page.route('**/api/v1/environments**', (route) =>
			route.fulfill({
				status: 503,
				contentType: 'application/problem+json',
				body: JSON.stringify({
					type: '/problems/database-unavailable',
					title: 'The database is unavailable',
					status: 503,
					detail: 'could not read environments',
				}),
			}),
		);
		await visit(page, '/environments', '#unavailable');
	}
	assert.match(await page.textContent('#unavailable h1'), /cannot reach its database/);
	await shot(page, 'database-unavailable');
	await page.unroute('**/api/v1/environments**').catch(() => {});
	await page.click('#unavailable button');
	await page.waitForSelector('#env-staging', { timeout: 20_000 });
	noProblems(page, 'unavailable');
	await page.close();
});
