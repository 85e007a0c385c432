// A release run from the dashboard, with the keyboard, by a release manager: Rita, signed in
// through SSO, whose team release-managers has the release scope through `roles:` in
// shiplog.test.yaml. On the seeded story's v0.38.0-rc.1 (in testing, Sales has not approved):
// approving is refused as not ready with its gates, an override with a reason is recorded and
// shown (page and history) and reaches a second dashboard live, a page that saw a state the RC
// has left gets state-changed, and once Sales approves it is approved and marked released.
// Then she cuts v0.39.0-rc.1 from the newest green commit with the proposed version, cuts
// -rc.2 (which supersedes -rc.1, live on a page open on it), starts testing and rejects it with
// a reason. Alice (Sales) sees none of the actions, and the API refuses them with 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { seed } from './seed.mjs';
import { launch, person, open, problems, visit, shot } from './harness.mjs';

const WGE = 'weaveworks/weave-gitops-enterprise';
const REFUSED = [/status of 409/, /status of 403/];

let server, facts, browser, rita, ritaElsewhere, alice;

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

async function rcByVersion(version) {
	const { json } = await api('/release-candidates?limit=50');
	const rc = json.items.find((r) => r.version === version);
	assert.ok(rc, `${version} is not listed`);
	return (await api(`/release-candidates/${rc.id}`)).json;
}

function noProblems(page, what) {
	assert.deepEqual(problems(page), [], `${what}: console errors or page errors`);
}

// Presses Tab until the focus is on `selector` (the way a keyboard user gets there).
async function tabTo(page, selector, { max = 80, shift = false } = {}) {
	for (let i = 0; i < max; i++) {
		if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
		await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
	}
	assert.fail(`${selector} not reached with the Tab key`);
}

async function focused(page, selector) {
	return page.evaluate((s) => !!document.activeElement?.matches(s), selector);
}

// Opens the RC page and puts the keyboard at the top of the release actions.
async function rcPage(page, id) {
	await visit(page, `/release-candidates/${id}`, '#rc-summary dl');
	await page.waitForSelector('#rc-action-buttons button');
}

// The action button `action` of the RC page, by keyboard; its dialog opens with Enter.
async function openAction(page, action, dialog) {
	await page.focus('#main');
	await tabTo(page, `#rc-action-buttons [data-action="${action}"]`);
	await page.keyboard.press('Enter');
	await page.waitForSelector(`dialog#${dialog}[open]`);
}

// Tab from the dialog's field to its confirm button and press Enter.
async function confirm(page, dialog) {
	await tabTo(page, `dialog#${dialog} [data-confirm]`, { max: 20 });
	await page.keyboard.press('Enter');
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
		rita = await person(browser, server.url, { sso: 'rita@example.com' });
		ritaElsewhere = await person(browser, server.url, { sso: 'rita@example.com' });
		alice = await person(browser, server.url, { sso: 'alice@example.com' });
	},
	{ timeout: 180_000 },
);

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('the signed-in menu lists the scopes and where they come from', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	const page = await open(rita);
	await rcPage(page, rc.id);
	await page.focus('#main');
	await tabTo(page, '#who-scopes summary', { shift: true });
	await page.keyboard.press('Enter');
	await page.waitForSelector('#who-scopes[open] li[data-scope="release"]');
	assert.equal(
		await page.textContent('#who-scopes li[data-scope="release"]'),
		'release — role team:release-managers',
	);
	assert.equal(
		await page.textContent('#who-scopes li[data-scope="feedback"]'),
		'feedback — everyone signed in',
	);
	await shot(page, 'release-scopes');
	noProblems(page, 'scopes');
	await page.close();
});

test('Sales sees no release action, and the API refuses her with 403', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	const page = await open(alice, { allow: REFUSED });
	await visit(page, `/release-candidates/${rc.id}`, '#rc-summary dl');
	await page.waitForSelector('#readiness .checklist');
	assert.equal(await page.$('#rc-actions'), null, 'Alice has a release actions panel');
	assert.equal(await page.$('[data-action="approved"], [data-action="override"]'), null);
	assert.equal(await page.$('#who-scopes li[data-scope="release"]'), null);
	await visit(page, '/release-candidates', '#rc-list table');
	assert.equal(await page.$('#rc-cut-open'), null, 'Alice may cut release candidates');

	// with her session and its CSRF token, as the dashboard would send them
	const s = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()));
	assert.deepEqual(s.scopes, ['read', 'feedback']);
	const headers = { 'X-CSRF-Token': s.csrf_token };
	for (const [method, path, data] of [
		[
			'PATCH',
			`/api/v1/release-candidates/${rc.id}`,
			{ state: 'approved', expected_state: 'testing' },
		],
		[
			'PATCH',
			`/api/v1/release-candidates/${rc.id}`,
			{ state: 'approved', expected_state: 'testing', override_reason: 'Sales says so' },
		],
		[
			'POST',
			'/api/v1/release-candidates',
			{ version: 'v9.9.9-rc.1', repository: WGE, commit: rc.commit },
		],
	]) {
		const r = await page.request.fetch(path, { method, headers, data });
		assert.equal(r.status(), 403, `${method} ${path}: ${await r.text()}`);
		const p = await r.json();
		assert.match(p.detail, /release/, `${method} ${path}: the 403 names the release scope`);
	}
	assert.equal((await api(`/release-candidates/${rc.id}`)).json.state, 'testing');
	noProblems(page, 'Sales on the RC page');
	await page.close();
});

// axe-core's WCAG 2.1 A and AA rules on what a release manager sees: the release actions,
// the override form and the cut form, light and dark. (Its script is injected, so this
// context bypasses the CSP.)
test('the release actions and their dialogs pass the automated accessibility checks', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	const axe = resolve(
		dirname(fileURLToPath(import.meta.url)),
		'node_modules/axe-core/axe.min.js',
	);
	const found = [];
	for (const colorScheme of ['light', 'dark']) {
		const ctx = await browser.newContext({
			baseURL: server.url,
			viewport: { width: 1440, height: 900 },
			colorScheme,
			bypassCSP: true,
			reducedMotion: 'reduce',
			extraHTTPHeaders: { 'X-Forwarded-Email': 'rita@example.com' },
		});
		const page = await ctx.newPage();
		const check = async (what) => {
			await page.addScriptTag({ path: axe });
			const violations = await page.evaluate(async () => {
				const r = await window.axe.run(document, {
					runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
				});
				return r.violations
					.filter((v) => v.impact === 'serious' || v.impact === 'critical')
					.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
			});
			for (const v of violations) found.push(`${what} ${colorScheme}: ${v}`);
		};
		await rcPage(page, rc.id);
		await page.waitForSelector('[data-action="override"]');
		await check('RC page');
		await page.click('[data-action="override"]');
		await page.waitForSelector('dialog#rc-override[open] #override-gates li');
		await check('override form');
		await page.keyboard.press('Escape');
		await page.click('#rc-cut-open');
		await page.waitForSelector('dialog#rc-cut[open] input[name="rc-cut-commit"]');
		await check('cut form');
		await ctx.close();
	}
	assert.deepEqual(found, []);
});

test('approving a candidate that is not ready is refused with its gates; an override with a reason is recorded, shown and live elsewhere', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	assert.equal(rc.state, 'testing');
	const page = await open(rita, { allow: REFUSED });
	const other = await open(ritaElsewhere);
	await rcPage(page, rc.id);
	await rcPage(other, rc.id);

	// Approve: confirmation, then the server's 409 not-ready with the gate that is pending
	await openAction(page, 'approved', 'rc-move');
	assert.ok(await focused(page, 'dialog#rc-move textarea'), 'the dialog takes the focus');
	await confirm(page, 'rc-move');
	await page.waitForSelector(
		'dialog#rc-move [data-problem="not-ready"] li[data-gate="feedback"]',
	);
	assert.match(
		await page.textContent('dialog#rc-move [data-problem="not-ready"]'),
		/approvals needed: sales 0 of 1/,
	);
	await shot(page, 'release-not-ready');
	// Escape closes it; nothing changed; the keyboard is back on Approve
	await page.keyboard.press('Escape');
	await page.waitForSelector('dialog#rc-move', { state: 'detached' });
	assert.ok(await focused(page, '[data-action="approved"]'));
	assert.equal((await api(`/release-candidates/${rc.id}`)).json.state, 'testing');

	// Override: the form lists what is failing and requires a reason
	await openAction(page, 'override', 'rc-override');
	assert.ok(await page.$('#override-gates li[data-gate="feedback"]'));
	await confirm(page, 'rc-override');
	await page.waitForSelector('#rc-override-reason[aria-invalid="true"]');
	assert.ok(await focused(page, '#rc-override-reason'), 'the empty reason takes the focus');
	// markup in a reason stays text wherever it is shown
	const reason =
		'Sales is at the offsite; Jane approved it by mail. <img src=x onerror="window.__xss = 1">';
	await page.keyboard.type(reason);
	await shot(page, 'release-override-form');
	await confirm(page, 'rc-override');
	await page.waitForSelector('dialog#rc-override', { state: 'detached' });
	await page.waitForSelector('.override[data-override="approved"]');
	assert.match(await page.textContent('.override'), new RegExp(`by rita@example.com`));
	assert.ok((await page.textContent('.override')).includes(reason));
	assert.ok(await focused(page, '#rc-action-result .callout'), 'the answer takes the focus');
	await page.waitForFunction(
		(r) => document.querySelector('#rc-history .history-override')?.textContent.includes(r),
		reason,
	);
	assert.ok(await page.$('#rc-history .history-override li[data-gate="feedback"]'));
	assert.equal(await page.$('.override img, #rc-history img'), null);
	assert.equal(await page.evaluate(() => window.__xss), undefined);
	const stored = (await api(`/release-candidates/${rc.id}`)).json;
	assert.equal(stored.state, 'approved');
	assert.equal(stored.overrides.length, 1);
	assert.equal(stored.overrides[0].reason, reason);
	await shot(page, 'release-overridden');

	// the other dashboard, open all along, shows it without a reload
	await other.waitForSelector('.override[data-override="approved"]', { timeout: 15_000 });
	await other.waitForFunction(() =>
		document.querySelector('#rc-summary')?.textContent.includes('approved'),
	);
	noProblems(page, 'override');
	noProblems(other, 'the other dashboard');
	await page.close();
	await other.close();
});

test('a page that saw a state the RC has left is told the state changed, and shows the new one', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	assert.equal(rc.state, 'approved');
	const page = await open(rita, { allow: REFUSED });
	await rcPage(page, rc.id);
	await openAction(page, 'rejected', 'rc-move');
	await page.keyboard.type('Found a crash on login.');
	// meanwhile, elsewhere
	const moved = await api(`/release-candidates/${rc.id}`, {
		method: 'PATCH',
		body: { state: 'testing', expected_state: 'approved', reason: 'one more look' },
	});
	assert.equal(moved.status, 200, JSON.stringify(moved.json));
	await confirm(page, 'rc-move');
	await page.waitForSelector('dialog#rc-move', { state: 'detached' });
	await page.waitForSelector('#rc-action-result .callout-warn');
	assert.match(await page.textContent('#rc-action-result'), /changed meanwhile.*testing now/);
	assert.ok(await focused(page, '#rc-action-result .callout'));
	await page.waitForFunction(() =>
		document.querySelector('#rc-summary')?.textContent.includes('in testing'),
	);
	assert.equal((await api(`/release-candidates/${rc.id}`)).json.state, 'testing');
	await shot(page, 'release-state-changed');
	noProblems(page, 'state changed');
	await page.close();
});

test('once Sales approves, the candidate is approved and marked released', async () => {
	const rc = await rcByVersion('v0.38.0-rc.1');
	const fb = await api(`/release-candidates/${rc.id}/feedback`, {
		method: 'POST',
		token: facts.tokens.alice,
		body: { verdict: 'approve' },
	});
	assert.equal(fb.status, 201, JSON.stringify(fb.json));
	const page = await open(rita);
	await rcPage(page, rc.id);
	await page.waitForSelector('#readiness-verdict [data-verdict="ready"]');
	assert.equal(await page.$('[data-action="override"]'), null, 'a ready RC needs no override');
	await openAction(page, 'approved', 'rc-move');
	await confirm(page, 'rc-move');
	await page.waitForSelector('#rc-action-result .callout-ok');
	await page.waitForSelector('#rc-action-buttons [data-action="released"]');
	await openAction(page, 'released', 'rc-move');
	await page.keyboard.type('Shipped to customers.');
	await confirm(page, 'rc-move');
	await page.waitForFunction(() =>
		document.querySelector('#rc-action-result')?.textContent.includes('released now'),
	);
	const stored = (await api(`/release-candidates/${rc.id}`)).json;
	assert.equal(stored.state, 'released');
	assert.equal(stored.history.at(-1).reason, 'Shipped to customers.');
	assert.equal(stored.history.at(-1).actor, 'rita@example.com');
	await page.waitForSelector('#rc-action-buttons p.muted');
	await shot(page, 'release-released');
	noProblems(page, 'approve and release');
	await page.close();
});

// The proposal's cut dialog, by keyboard, from the list page (on: a page open on rc.1).
async function cutByKeyboard(page, { version, sha }) {
	await visit(page, '/release-candidates', '#rc-list table');
	await page.focus('#main');
	await tabTo(page, '#rc-cut-open');
	await page.keyboard.press('Enter');
	await page.waitForSelector('dialog#rc-cut[open] input[name="rc-cut-commit"]');
	assert.equal(await page.inputValue('#rc-cut-repo'), WGE);
	const checked = await page.getAttribute('input[name="rc-cut-commit"]:checked', 'value');
	assert.equal(checked, sha, 'the newest green commit is offered first');
	assert.equal(await page.inputValue('#rc-cut-version'), version);
	await shot(page, `release-cut-${version}`);
	await confirm(page, 'rc-cut');
	await page.waitForFunction((v) => document.querySelector('h1')?.textContent === v, version);
	await page.waitForSelector('#rc-summary dl');
	return Number(new URL(page.url()).pathname.split('/').pop());
}

test('cut from the newest green commit with the proposed version; the next cut supersedes it, live; start testing; reject with a reason', async () => {
	// the newest green commit, by the branch health answer
	const health = (await api(`/repos/${WGE}/branches/main/health`)).json;
	assert.equal(health.state, 'green');
	const newest = health.workflows[0].latest.head_sha;
	const page = await open(rita, { allow: REFUSED });
	const first = await cutByKeyboard(page, { version: 'v0.39.0-rc.1', sha: newest });
	assert.equal((await api(`/release-candidates/${first}`)).json.commit, newest);

	// a page open on -rc.1 sees it superseded by -rc.2 live
	const other = await open(ritaElsewhere);
	await rcPage(other, first);
	const second = await cutByKeyboard(page, { version: 'v0.39.0-rc.2', sha: newest });
	await other.waitForSelector(`.callout a[href="/release-candidates/${second}"]`, {
		timeout: 15_000,
	});
	assert.match(await other.textContent('#rc-summary'), /superseded/);
	assert.equal((await api(`/release-candidates/${first}`)).json.state, 'superseded');
	noProblems(other, 'superseded live');
	await other.close();

	// start testing, then reject: the reason is required by the form
	await page.waitForSelector('#rc-action-buttons [data-action="testing"]');
	await openAction(page, 'testing', 'rc-move');
	await confirm(page, 'rc-move');
	await page.waitForFunction(() =>
		document.querySelector('#rc-action-result')?.textContent.includes('testing now'),
	);
	await page.waitForSelector('#rc-action-buttons [data-action="rejected"]');
	await openAction(page, 'rejected', 'rc-move');
	await confirm(page, 'rc-move');
	await page.waitForSelector('#rc-move-reason[aria-invalid="true"]');
	assert.ok(await focused(page, '#rc-move-reason'));
	await page.keyboard.type('Login loops on Safari.');
	await confirm(page, 'rc-move');
	await page.waitForFunction(() =>
		document.querySelector('#rc-action-result')?.textContent.includes('rejected now'),
	);
	await page.waitForFunction(() =>
		document.querySelector('#rc-history')?.textContent.includes('Login loops on Safari.'),
	);
	const stored = (await api(`/release-candidates/${second}`)).json;
	assert.equal(stored.state, 'rejected');
	assert.equal(stored.history.at(-1).reason, 'Login loops on Safari.');
	await shot(page, 'release-rejected');
	noProblems(page, 'cut, start testing, reject');
	await page.close();
});
