// Comparing two release candidates, who has not tried one yet, and asking for feedback, in
// Chromium against the seeded story (seed.mjs): v0.37.0-rc.1 (blocked, superseded) against
// v0.37.0-rc.2 (released), driven with the keyboard; the untried people of v0.38.0-rc.1; a
// release manager asks for feedback (the message reaches a local receiver with the form's
// link) and a Sales person sees no button (and the API answers 403).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { seed } from './seed.mjs';
import { launch, person, open, problems, visit, shot } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WGE = 'weaveworks/weave-gitops-enterprise';

const received = [];
let receiver, server, facts, browser, tmp, rmToken;

function listen(srv) {
	return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv.address().port)));
}

async function api(path, { method = 'GET', body, token, headers = {} } = {}) {
	const res = await fetch(server.url + '/api/v1' + path, {
		method,
		headers: {
			...(token === null ? {} : { Authorization: `Bearer ${token ?? server.adminToken}` }),
			...(body ? { 'Content-Type': 'application/json' } : {}),
			...headers,
		},
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function rcOf(version) {
	const { json } = await api(`/release-candidates?repo=${WGE}&limit=200`);
	const rc = json.items.find((r) => r.version === version);
	assert.ok(rc, `release candidate ${version}`);
	return rc;
}

function noProblems(page, what) {
	assert.deepEqual(problems(page), [], `${what}: console errors or page errors`);
}

before(
	async () => {
		receiver = createServer((req, res) => {
			let body = '';
			req.on('data', (c) => {
				body += c;
			});
			req.on('end', () => {
				let json = null;
				try {
					json = JSON.parse(body);
				} catch {
					/* recorded as text */
				}
				received.push({ path: req.url, json });
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end('{}');
			});
		});
		const port = await listen(receiver);
		tmp = mkdtempSync(join(tmpdir(), 'shiplog-compare-'));
		const config = join(tmp, 'shiplog.yaml');
		writeFileSync(
			config,
			readFileSync(resolve(HERE, 'shiplog.test.yaml'), 'utf8') +
				`
notifications:
  base_backoff_seconds: 0.2
  sinks:
    - {name: releases, type: webhook, url_env: COMPARE_HOOK_URL, events: [feedback.requested]}
`,
		);
		server = await startServer({
			config,
			db: 'shiplog_compare',
			extraEnv: { COMPARE_HOOK_URL: `http://127.0.0.1:${port}/hooks` },
		});
		facts = await seed(server.url, {
			adminToken: server.adminToken,
			githubSecret: server.githubSecret,
			fluxSecret: server.fluxSecret,
		});
		assert.deepEqual(facts.failures, [], 'the seed was accepted');
		// a release manager: a token with the release scope
		const t = await api('/tokens', {
			method: 'POST',
			body: {
				name: 'release manager',
				owner: 'rita@example.com',
				scopes: ['read', 'feedback', 'release'],
			},
		});
		assert.equal(t.status, 201);
		rmToken = t.json.token;
		browser = await launch();
	},
	{ timeout: 120_000 },
);

after(async () => {
	await browser?.close().catch(() => {});
	await server?.stop().catch(() => {});
	await new Promise((ok) => (receiver ? receiver.close(ok) : ok()));
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('compare v0.37.0-rc.1 with rc.2 from the RC page, with the keyboard', async () => {
	const rc1 = await rcOf('v0.37.0-rc.1');
	const rc2 = await rcOf('v0.37.0-rc.2');
	// what the page must show, from the API's own answers about each RC
	const changes = (await api(`/release-candidates/${rc2.id}/changes`)).json;
	const wantPrs = changes.since_previous_rc.added.map((p) => String(p.number)).sort();
	assert.ok(wantPrs.length >= 1, 'the fix was merged between the two candidates');
	const arts = async (id) => (await api(`/release-candidates/${id}`)).json.artifacts;
	const [a1, a2] = [await arts(rc1.id), await arts(rc2.id)];
	const key = (a) => `${a.kind} ${a.name}`;
	// each artifact's newest build on each side (an RC known by its commit ships them all)
	const newest = (list) => new Map(list.map((a) => [key(a), a]));
	const [n1, n2] = [newest(a1), newest(a2)];
	const wantChanged = [...n2]
		.filter(([k, a]) => n1.has(k) && n1.get(k).digest !== a.digest)
		.map(([k]) => k)
		.sort();
	assert.ok(wantChanged.length >= 1, 'a rebuilt artifact');
	const gates = async (id) => (await api(`/release-candidates/${id}/readiness`)).json.gates;
	const [g1, g2] = [await gates(rc1.id), await gates(rc2.id)];
	const wantGates = g2
		.filter((g) => g1.find((x) => x.gate === g.gate)?.status !== g.status)
		.map((g) => g.gate)
		.sort();

	const ctx = await person(browser, server.url, { token: facts.tokens.engineer });
	const page = await open(ctx);
	await visit(page, `/release-candidates/${rc2.id}`, '#untried .untried-team');
	// "Compare with…" on the RC page, then the pickers and the button, all by keyboard
	await page.focus('#compare-link');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#compare-base');
	assert.equal(await page.inputValue('#compare-head'), String(rc2.id), 'head is this RC');
	assert.equal(await page.inputValue('#compare-base'), String(rc1.id), 'base: the one before');
	await page.focus('#compare-base');
	await page.keyboard.type('v0.37.0-rc.1');
	assert.equal(await page.inputValue('#compare-base'), String(rc1.id));
	await page.keyboard.press('Tab');
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement?.id), 'compare-go');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#compare-prs');
	assert.equal(
		new URL(page.url()).search,
		`?base=${rc1.id}&head=${rc2.id}`,
		'the comparison has its own address',
	);
	assert.match(await page.textContent('#compare-summary'), /v0\.37\.0-rc\.1.*→.*v0\.37\.0-rc\.2/);

	const prs = await page.$$eval('#compare-prs li[data-pr]', (els) =>
		els.map((e) => e.dataset.pr).sort(),
	);
	assert.deepEqual(prs, wantPrs, 'the PRs added by rc.2');
	const changed = await page.$$eval('#compare-artifacts li[data-change="changed"]', (els) =>
		els.map((e) => e.dataset.artifact).sort(),
	);
	assert.deepEqual(changed, wantChanged, 'the artifacts rebuilt with another digest');
	const gateRows = await page.$$eval('#compare-gates li[data-gate]', (els) =>
		els.map((e) => e.dataset.gate).sort(),
	);
	assert.deepEqual(gateRows, wantGates, 'the gates whose status changed');
	// carried over: Erin's concern is still open; Alice's block was resolved
	const carried = await page.textContent('#compare-feedback');
	const erin = facts.feedback.find(
		(f) => f.rc === 'v0.37.0-rc.1' && f.who === 'erin@sales.example.com',
	);
	assert.ok(erin, 'the seed has Erin’s concern on rc.1');
	assert.match(carried, /erin@sales\.example\.com/);
	assert.doesNotMatch(carried, /alice@example\.com/);
	assert.match(carried, /Not re-checked on head yet|Re-checked on head/);
	await shot(page, 'rc-compare');
	noProblems(page, 'compare');

	// two candidates of different repositories: the server says why, the page shows it
	const other = (await api('/release-candidates?limit=200')).json.items.find(
		(r) => r.repository !== WGE,
	);
	if (other) {
		page.allow.push(/status of 400/);
		await visit(
			page,
			`/release-candidates/compare?base=${rc1.id}&head=${other.id}`,
			'#compare-result .callout-bad',
		);
		assert.match(await page.textContent('#compare-result'), /one repository/);
	}
	await ctx.close();
});

test('who has not tried v0.38.0-rc.1 yet: the people of each signing team', async () => {
	const rc = await rcOf('v0.38.0-rc.1');
	const ctx = await person(browser, server.url, { token: facts.tokens.engineer });
	const page = await open(ctx);
	await visit(page, `/release-candidates/${rc.id}`, '#untried .untried-team');
	const people = (team) =>
		page.$$eval(`#untried .untried-team[data-team="${team}"] li[data-person]`, (els) =>
			els.map((e) => e.dataset.person),
		);
	// Sales: Alice (named in the team) and Erin (seen on rc.1); Support: Bob approved
	assert.deepEqual(await people('sales'), ['alice@example.com', 'erin@sales.example.com']);
	assert.deepEqual(await people('support'), []);
	assert.match(
		await page.textContent('#untried .untried-team[data-team="support"]'),
		/Tried: bob@example\.com \(approve\)/,
	);
	// an engineer (no release scope) has no button
	assert.equal(await page.$('#ask-feedback'), null);
	await shot(page, 'rc-untried');
	noProblems(page, 'untried');
	await ctx.close();
});

test('a release manager asks for feedback; Sales sees no button and the API says 403', async () => {
	const rc = await rcOf('v0.38.0-rc.1');
	const ctx = await person(browser, server.url, { token: rmToken });
	const page = await open(ctx);
	await visit(page, `/release-candidates/${rc.id}`, '#untried .untried-team');
	await page.waitForSelector('#ask-feedback:not([hidden])');
	await page.focus('#ask-feedback');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#ask-dialog[open]');
	// the dialog: the teams whose sign-off is needed, ticked; a message; Send
	const ticked = await page.$$eval('#ask-dialog input[name="teams"]:checked', (els) =>
		els.map((e) => e.value),
	);
	assert.deepEqual(ticked, ['sales', 'support']);
	await page.keyboard.press('Tab'); // support
	await page.keyboard.press('Space'); // not support this time
	await page.keyboard.press('Tab'); // the message
	await page.keyboard.type('Please try cluster creation on staging');
	await shot(page, 'rc-ask-feedback');
	await page.keyboard.press('Tab'); // Send
	await page.keyboard.press('Enter');
	await page.waitForSelector('#ask-result .callout');
	const result = await page.textContent('#ask-result');
	assert.match(result, /Feedback asked for/);
	assert.match(result, /Teams: sales\./);
	assert.match(result, /Sent to 1 notification channel/);
	assert.equal(await page.$('#ask-dialog'), null, 'the dialog closed');
	assert.equal(
		await page.evaluate(() => document.activeElement?.id),
		'ask-feedback',
		'the keyboard is back on the button',
	);

	// the receiver gets it: the RC, what changed, the form's link — which opens the form
	for (let i = 0; i < 150 && !received.some((m) => m.json?.event === 'feedback.requested'); i++)
		await new Promise((r) => setTimeout(r, 100));
	const msg = received.find((m) => m.json?.event === 'feedback.requested');
	assert.ok(msg, 'the sink got feedback.requested');
	assert.equal(msg.json.data.version, 'v0.38.0-rc.1');
	assert.equal(msg.json.data.message, 'Please try cluster creation on staging');
	assert.deepEqual(msg.json.data.teams, ['sales']);
	assert.match(
		msg.json.summary,
		/Feedback wanted on v0\.38\.0-rc\.1 .* from sales — \d+ changes/,
	);
	const form = msg.json.links.feedback_form;
	assert.equal(form, `${server.url}/feedback/${rc.id}`);
	await visit(page, new URL(form).pathname, '#feedback-page h1, #feedback-page h2');
	assert.equal(await page.$('#not-found'), null, 'the link opens the feedback form');

	// asking again at once: the dialog shows the server's 429
	page.allow.push(/status of 429/);
	await visit(page, `/release-candidates/${rc.id}`, '#ask-feedback:not([hidden])');
	await page.focus('#ask-feedback');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#ask-dialog[open]');
	await page.focus('#ask-send');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.querySelector('#ask-error')?.textContent);
	assert.match(await page.textContent('#ask-error'), /less than 15 minutes ago/);
	await page.keyboard.press('Escape');
	await page.waitForSelector('#ask-dialog', { state: 'detached' });
	noProblems(page, 'ask for feedback');
	await ctx.close();

	// Sales: no button, and the API refuses
	const sales = await person(browser, server.url, { sso: 'alice@example.com' });
	const sp = await open(sales);
	await visit(sp, `/release-candidates/${rc.id}`, '#untried .untried-team');
	assert.equal(await sp.$('#ask-feedback'), null, 'no "Ask for feedback" for Sales');
	assert.ok(await sp.$('#compare-link'), 'comparing is for every reader');
	noProblems(sp, 'sales');
	await sales.close();
	const refused = await api(`/release-candidates/${rc.id}/feedback-requests`, {
		method: 'POST',
		body: {},
		token: facts.tokens.alice,
	});
	assert.equal(refused.status, 403);
	assert.match(refused.json.detail, /release/);
});

// axe-core's WCAG 2.1 A and AA rules on the compare page and the "Ask for feedback" dialog,
// light and dark, desktop and phone (the script is injected: these contexts bypass the CSP).
test('the compare page and the ask dialog pass the automated accessibility checks', async () => {
	const axe = resolve(HERE, 'node_modules/axe-core/axe.min.js');
	const rc1 = await rcOf('v0.37.0-rc.1');
	const rc2 = await rcOf('v0.37.0-rc.2');
	const next = await rcOf('v0.38.0-rc.1');
	const check = async (page) => {
		await page.addScriptTag({ path: axe });
		return page.evaluate(async () => {
			const r = await window.axe.run(document, {
				runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
			});
			return r.violations
				.filter((v) => v.impact === 'serious' || v.impact === 'critical')
				.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
		});
	};
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
		});
		const r = await ctx.request.post('/api/v1/session', { data: { token: rmToken } });
		assert.ok(r.ok(), 'signed in');
		const page = await ctx.newPage();
		await visit(
			page,
			`/release-candidates/compare?base=${rc1.id}&head=${rc2.id}`,
			'#compare-prs',
		);
		for (const v of await check(page))
			found.push(`compare ${viewport.width}px ${colorScheme}: ${v}`);
		await visit(page, `/release-candidates/${next.id}`, '#ask-feedback:not([hidden])');
		await page.click('#ask-feedback');
		await page.waitForSelector('#ask-dialog[open]');
		for (const v of await check(page))
			found.push(`ask dialog ${viewport.width}px ${colorScheme}: ${v}`);
		await ctx.close();
	}
	assert.deepEqual(found, []);
});
