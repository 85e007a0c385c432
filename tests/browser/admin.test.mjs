// The admin pages (web/js/pages/admin_*.js) in headless Chromium, driven with the keyboard by
// an admin: API tokens (created and shown once, copied, used, revoked), deliveries (each
// filter, one opened, replayed), the notifications outbox (a failed message retried); and a
// Sales person, who sees no admin link, gets the needs-admin page, and a 403 from the API.
//
// The server is the seeded one of dashboard.test.mjs with one more notification sink, whose
// URL is a local port nothing listens on: every message to it fails at once, on this machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, freePort } from './server.mjs';
import { seed } from './seed.mjs';
import { launch, person, open, problems, visit, shot, axeViolations } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WG = 'weaveworks/weave-gitops';
const SINK = 'admin-test-closed-port';

let server, facts, browser, admin, tmp;

// shiplog.test.yaml with one more sink (added to a notifications: section if it has one)
function configWithSink() {
	const base = readFileSync(resolve(HERE, 'shiplog.test.yaml'), 'utf8');
	const sink = [
		`    - name: ${SINK}`,
		'      type: webhook',
		'      url_env: ADMIN_TEST_SINK_URL',
		'      events: [rc.cut, rc.blocked, rc.ready, rc.released, feedback.new, main.broken]',
	].join('\n');
	let text;
	// a notifications: section of its own already? the sink goes first under its sinks:
	const sinks = /^notifications:\n(?: {2}.*\n|\s*\n)*? {2}sinks:\n/m;
	if (/^notifications:/m.test(base)) {
		assert.match(base, sinks, 'shiplog.test.yaml: notifications: has sinks:');
		text = base.replace(sinks, (m) => `${m}${sink}\n`);
	} else {
		text = `${base}\nnotifications:\n  sinks:\n${sink}\n`;
	}
	tmp = mkdtempSync(join(tmpdir(), 'shiplog-admin-test-'));
	const path = join(tmp, 'shiplog.admin.yaml');
	writeFileSync(path, text);
	return path;
}

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

// Waits (bounded) until fn() returns something truthy, re-asking the server each time.
async function until(what, fn, timeout = 20_000) {
	const deadline = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

function noProblems(page, what) {
	assert.deepEqual(problems(page), [], `${what}: console errors or page errors`);
}

const focused = (page) =>
	page.evaluate(() => {
		const el = document.activeElement;
		return el ? el.id || el.dataset.retry || el.dataset.revoke || el.textContent.trim() : '';
	});

// Presses Tab until the focused element matches `selector` (every action is reachable so).
async function tabTo(page, selector, max = 120) {
	for (let i = 0; i < max; i++) {
		if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
		await page.keyboard.press('Tab');
	}
	assert.fail(`${selector} is not reachable with Tab (focus on ${await focused(page)})`);
}

// The confirmation <dialog>: opens with focus on Cancel; Tab to the action, Enter.
async function confirmWithKeyboard(page, name) {
	await page.waitForSelector('dialog.confirm-dialog[open]');
	assert.equal(await focused(page), 'Cancel', 'the dialog opens with focus on Cancel');
	await page.keyboard.press('Tab');
	assert.equal(await focused(page), name);
	await page.keyboard.press('Enter');
	await page.waitForSelector('dialog.confirm-dialog', { state: 'detached' });
}

const cellTexts = (page, label) =>
	page.$$eval(`#deliveries-table td[data-label="${label}"]`, (tds) =>
		tds.map((td) => td.textContent.trim()),
	);

// Picks an option of a <select> with the keyboard: focused, arrows to the option (each step
// is a change, as a person pressing the arrows makes).
async function chooseWithKeyboard(page, selector, text) {
	await page.focus(selector);
	const [from, to] = await page.$eval(
		selector,
		(el, t) => [el.selectedIndex, [...el.options].findIndex((o) => o.text === t)],
		text,
	);
	assert.ok(to >= 0, `${selector} offers ${text}`);
	for (let i = from; i !== to; i += to > from ? 1 : -1)
		await page.keyboard.press(to > from ? 'ArrowDown' : 'ArrowUp');
	assert.equal(await page.$eval(selector, (el) => el.options[el.selectedIndex].text), text);
}

before(
	async () => {
		const closed = await freePort(); // free a moment ago: nothing listens there
		server = await startServer({
			config: configWithSink(),
			db: `${process.env.SHIPLOG_BROWSER_DB ?? 'shiplog_browser'}_admin`,
			extraEnv: {
				ADMIN_TEST_SINK_URL: `http://127.0.0.1:${closed}/hook`,
				// one attempt: a failed message is dead at once, for the Retry button
				SHIPLOG_NOTIFY_MAX_ATTEMPTS: '1',
				SHIPLOG_NOTIFY_TIMEOUT_SECONDS: '2',
			},
		});
		facts = await seed(server.url, {
			adminToken: server.adminToken,
			githubSecret: server.githubSecret,
			fluxSecret: server.fluxSecret,
			log: (m) => console.log(`# ${m}`),
		});
		browser = await launch();
		admin = await person(browser, server.url, { token: server.adminToken });
		await admin.grantPermissions(['clipboard-read', 'clipboard-write'], {
			origin: server.url,
		});
	},
	{ timeout: 120_000 },
);

after(async () => {
	await browser?.close().catch(() => {});
	await server?.stop().catch(() => {});
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the seed went in', () => {
	assert.deepEqual(facts.failures, []);
});

test('an admin creates a token with the keyboard: shown once, copied, it works; then revokes it', async (t) => {
	const page = await open(admin);
	await visit(page, '/', '#nav');
	assert.equal(await page.isVisible('#nav a[href="/admin/tokens"]'), true, 'the Admin link');
	await visit(page, '/admin/tokens', '#tokens-table');
	await shot(page, 'admin-tokens');

	// the form, with the keyboard only
	await page.locator('body').focus();
	await tabTo(page, '#token-name');
	await page.keyboard.type('release bot');
	await page.keyboard.press('Tab');
	assert.equal(await focused(page), 'token-owner');
	await page.keyboard.type('release-bot@example.com');
	await page.keyboard.press('Tab');
	assert.equal(await focused(page), 'token-scope-read');
	await page.keyboard.press('Space');
	await tabTo(page, '#token-scope-release');
	await page.keyboard.press('Space');
	await tabTo(page, '#token-form button[type=submit]');
	await page.keyboard.press('Enter');

	await page.waitForSelector('#token-value');
	assert.equal(await focused(page), 'token-created-title', 'focus moves to the new token');
	const value = await page.inputValue('#token-value');
	assert.match(value, /^[A-Za-z0-9_-]{16,}$/);
	assert.match(await page.textContent('#token-warning'), /will not be shown again/);
	await shot(page, 'admin-token-created');

	// copy: to the clipboard (or, without one, the text is selected)
	await tabTo(page, '#token-copy');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.querySelector('#token-copied').textContent !== '');
	const copied = await page.evaluate(async () => ({
		note: document.querySelector('#token-copied').textContent,
		selected: (() => {
			const el = document.querySelector('#token-value');
			return el.value.slice(el.selectionStart, el.selectionEnd);
		})(),
		clipboard: await navigator.clipboard.readText().catch(() => null),
	}));
	assert.equal(copied.selected, value, 'the value is selected');
	if (/Copied/.test(copied.note)) assert.equal(copied.clipboard, value);
	t.diagnostic(`copy: ${copied.note}`);

	// the token works, with the scopes chosen
	const me = await api('/runs?limit=1', { token: value });
	assert.equal(me.status, 200, 'the new token reads');
	const write = await api('/tokens', { token: value });
	assert.equal(write.status, 403, 'but is no admin');
	const row = page.locator('#tokens-table tbody tr', { hasText: 'release bot' });
	assert.match(await row.textContent(), /release-bot@example\.com/);
	assert.match(await row.locator('td[data-label=Scopes]').textContent(), /read\s*release/);

	// reloaded, the value is gone for good
	await page.reload();
	await page.waitForSelector('#tokens-table');
	assert.equal(await page.$('#token-value'), null);
	assert.equal((await page.content()).includes(value), false, 'the value is nowhere on the page');

	// revoke, confirmed in the dialog; cancelling first changes nothing
	const id = (await api('/tokens?limit=200')).json.items.find((t) => t.name === 'release bot').id;
	await page.locator('body').focus();
	await tabTo(page, `button[data-revoke="${id}"]`);
	await page.keyboard.press('Enter');
	await page.waitForSelector('dialog.confirm-dialog[open]');
	await shot(page, 'admin-token-revoke-dialog');
	await page.keyboard.press('Escape');
	await page.waitForSelector('dialog.confirm-dialog', { state: 'detached' });
	assert.equal(await focused(page), String(id), 'focus returns to the Revoke button');
	assert.equal((await api('/runs?limit=1', { token: value })).status, 200, 'not revoked');
	await page.keyboard.press('Enter');
	await confirmWithKeyboard(page, 'Revoke token');
	await page.waitForFunction(() =>
		/Revoked/.test(document.querySelector('#tokens-status').textContent),
	);
	assert.equal(await focused(page), 'tokens-status', 'focus moves to what happened');
	assert.match(await row.locator('td[data-label=State]').textContent(), /revoked/);
	assert.equal(await row.locator('button[data-revoke]').count(), 0);
	assert.equal((await api('/runs?limit=1', { token: value })).status, 401, 'refused now');

	// a token without a scope is refused, next to the scopes
	await tabTo(page, '#token-name');
	await page.keyboard.type('no scopes');
	await page.keyboard.press('Tab');
	await page.keyboard.type('nobody@example.com');
	await tabTo(page, '#token-form button[type=submit]');
	page.allow.push(/status of 400/); // expected before it is sent: the console may log it first
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.querySelector('#token-scopes-error').textContent);
	assert.match(await page.textContent('#token-scopes-error'), /at least one scope/);
	assert.equal(await focused(page), 'token-scope-read');
	noProblems(page, 'tokens');
	await page.close();
});

test('an admin filters deliveries by each filter, opens one and replays it', async () => {
	const page = await open(admin);
	await visit(page, '/admin/deliveries', '#deliveries-table');
	await shot(page, 'admin-deliveries');

	// source
	await chooseWithKeyboard(page, '#f-source', 'Flux');
	await page.waitForFunction(() => /source=flux/.test(location.search));
	await page.waitForSelector('#deliveries-table');
	await page.waitForFunction(() =>
		[...document.querySelectorAll('#deliveries-table td[data-label=Source]')].every(
			(td) => td.textContent === 'flux',
		),
	);
	assert.ok((await cellTexts(page, 'Source')).length > 0, 'Flux deliveries are listed');
	await chooseWithKeyboard(page, '#f-source', 'GitHub');
	await page.waitForFunction(() => /source=github/.test(location.search));

	// event, typed
	await page.focus('#f-event');
	await page.keyboard.type('pull_request');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => /event=pull_request/.test(location.search));
	await page.waitForFunction(() => {
		const cells = [...document.querySelectorAll('#deliveries-table td[data-label=Delivery] a')];
		return cells.length > 0 && cells.every((a) => /^pull_request(\.|$)/.test(a.textContent));
	});

	// status
	await page.focus('#f-event');
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Backspace');
	await chooseWithKeyboard(page, '#f-status', 'processed');
	await page.waitForFunction(
		() => /status=processed/.test(location.search) && !/event=/.test(location.search),
	);
	await page.waitForFunction(() => {
		const cells = [...document.querySelectorAll('#deliveries-table td[data-label=Status]')];
		return cells.length > 0 && cells.every((td) => td.textContent.includes('processed'));
	});

	// a filter the server refuses is marked beside its field, from the problem's errors
	page.allow.push(/status of 400/);
	await page.focus('#f-event');
	await page.keyboard.type('x'.repeat(65));
	await page.keyboard.press('Enter');
	await page.waitForSelector('#f-event[aria-invalid="true"]');
	assert.match(await page.textContent('#f-event-error'), /at most 64/);
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Backspace');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#f-event:not([aria-invalid])');

	// repository
	await chooseWithKeyboard(page, '#f-repository', WG);
	await page.waitForFunction(
		(r) => new URLSearchParams(location.search).get('repository') === r,
		WG,
	);
	await page.waitForFunction((r) => {
		const cells = [...document.querySelectorAll('#deliveries-table td[data-label=Repository]')];
		return cells.length > 0 && cells.every((td) => td.textContent === r);
	}, WG);
	const expected = await api(
		`/deliveries?source=github&status=processed&repository=${encodeURIComponent(WG)}&limit=50`,
	);
	const first = expected.json.items[0];
	assert.match(
		await page.textContent('#deliveries-table tbody tr:first-child'),
		new RegExp(`#${first.id} `),
		'the list is the API answer',
	);
	await shot(page, 'admin-deliveries-filtered');

	// open the first one with the keyboard
	await page.locator('body').focus();
	await tabTo(page, `a[href="/admin/deliveries/${first.id}"]`);
	await page.keyboard.press('Enter');
	await page.waitForSelector('#headers-table');
	await page.waitForFunction(() => !document.querySelector('main .loading'));
	assert.match(await page.textContent('#headers-table'), /x-github-event/i);
	const body = await page.textContent('#delivery-body');
	assert.deepEqual(JSON.parse(body).repository.full_name, WG, 'the body, as JSON');
	assert.match(body, /\n {2}"/, 'pretty-printed');
	assert.equal(await page.$$eval('#attempts-table tbody tr', (r) => r.length), 1);
	await shot(page, 'admin-delivery');

	// replay: confirmed, the answer shown and focused, the new attempt listed
	await page.locator('body').focus();
	await tabTo(page, '#replay');
	await page.keyboard.press('Enter');
	await confirmWithKeyboard(page, 'Replay');
	await page.waitForSelector('#replay-result');
	assert.equal(await focused(page), 'replay-result');
	assert.match(await page.textContent('#replay-result'), /Replayed: processed/);
	const replays = await until('the replay recorded', async () => {
		const all = (await api(`/deliveries?repository=${encodeURIComponent(WG)}&limit=200`)).json
			.items;
		return all.filter((d) => d.replay_of === first.id).length ? all : null;
	});
	const replay = replays.find((d) => d.replay_of === first.id);
	assert.match(await page.textContent('#replay-result'), new RegExp(`delivery #${replay.id}`));
	await page.waitForFunction(
		() => document.querySelectorAll('#attempts-table tbody tr').length === 2,
	);
	await shot(page, 'admin-delivery-replayed');
	noProblems(page, 'deliveries');
	await page.close();
});

// A GitHub delivery signed with `secret` (the server's, or a wrong one).
async function sendGithub(event, payload, secret) {
	const body = JSON.stringify(payload);
	const res = await fetch(server.url + '/webhooks/github', {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			'X-GitHub-Event': event,
			'X-GitHub-Delivery': randomUUID(),
			'X-Hub-Signature-256':
				'sha256=' + createHmac('sha256', secret).update(body).digest('hex'),
		},
		body,
	});
	return { status: res.status, json: await res.json() };
}

test('a body that was not kept says so; a large one is shown in part until asked', async () => {
	const page = await open(admin);
	const repository = { id: 1, full_name: WG, default_branch: 'main' };
	const forged = await sendGithub('star', { action: 'created', repository }, 'not-the-secret');
	assert.equal(forged.status, 401);
	const rejected = (await api('/deliveries?status=rejected&limit=1')).json.items[0];
	await visit(page, `/admin/deliveries/${rejected.id}`, '#delivery-body-pruned');
	assert.match(await page.textContent('#delivery-body-pruned'), /Not kept: the sender was not/);
	assert.equal(await page.$('#replay'), null, 'nothing to replay');

	const padding = 'x'.repeat(600_000);
	const big = await sendGithub(
		'star',
		{ action: 'created', repository, padding },
		server.githubSecret,
	);
	assert.equal(big.status, 202);
	await visit(page, `/admin/deliveries/${big.json.delivery}`, '#delivery-body-all');
	const shown = () => page.$eval('#delivery-body', (el) => el.textContent.length);
	assert.equal(await shown(), 200_000, 'the first 200 kB, as received');
	assert.match(await page.textContent('#delivery-body-note'), /A large body/);
	await page.locator('body').focus();
	await tabTo(page, '#delivery-body-all');
	await page.keyboard.press('Enter');
	await page.waitForFunction(
		() => document.querySelector('#delivery-body').textContent.length > 600_000,
	);
	assert.equal(await focused(page), 'delivery-body', 'focus moves to the body');
	assert.equal(JSON.parse(await page.textContent('#delivery-body')).padding, padding);
	noProblems(page, 'bodies');
	await page.close();
});

test('an admin retries a failed notification from the outbox', async () => {
	const dead = await until('a dead notification to the closed port', async () => {
		const r = await api(`/notifications?status=dead&sink=${SINK}&limit=1`);
		return r.json.items[0];
	});
	assert.match(dead.last_error, /.+/, 'it failed with an error');
	const page = await open(admin);
	await visit(page, '/admin/outbox', '#outbox-table');
	await shot(page, 'admin-outbox');
	await visit(page, `/admin/outbox?status=dead&sink=${SINK}`, `button[data-retry="${dead.id}"]`);
	const row = page.locator('#outbox-table tbody tr', {
		has: page.locator(`button[data-retry="${dead.id}"]`),
	});
	assert.match(await row.textContent(), new RegExp(SINK));
	assert.match(await row.locator('td[data-label="Last error"]').textContent(), /.+/);
	assert.match(await row.locator('td[data-label=Attempts]').textContent(), /^1\b/);

	await page.locator('body').focus();
	await tabTo(page, `button[data-retry="${dead.id}"]`);
	await page.keyboard.press('Enter');
	await confirmWithKeyboard(page, 'Retry now');
	await page.waitForSelector('#retry-result');
	assert.equal(await focused(page), 'retry-result');
	assert.match(
		await page.textContent('#retry-result'),
		new RegExp(`Notification #${dead.id} queued again: pending`),
	);
	// sent again: a second attempt, which fails like the first
	const again = await until('the second attempt', async () => {
		const n = (await api(`/notifications?sink=${SINK}&limit=200`)).json.items.find(
			(x) => x.id === dead.id,
		);
		return n.attempt_count === 2 && n.status === 'dead' ? n : null;
	});
	assert.equal(again.attempts.length, 2);
	await tabTo(page, '#outbox-refresh');
	await page.keyboard.press('Enter');
	await page.waitForFunction(
		(id) =>
			/^2\b/.test(
				document
					.querySelector(`button[data-retry="${id}"]`)
					?.closest('tr')
					?.querySelector('td[data-label=Attempts]')?.textContent ?? '',
			),
		dead.id,
	);
	await shot(page, 'admin-outbox-retried');
	noProblems(page, 'outbox');
	await page.close();
});

test('a Sales person sees no admin link, the needs-admin page, and a 403 from the API', async () => {
	const alice = await person(browser, server.url, { sso: 'alice@example.com' });
	const page = await open(alice, { allow: [/status of 403/] });
	await visit(page, '/', '#nav');
	assert.equal(await page.isVisible('#nav a[href="/admin/tokens"]'), false, 'no Admin link');
	for (const path of [
		'/admin/tokens',
		'/admin/deliveries',
		'/admin/deliveries/1',
		'/admin/outbox',
	]) {
		await visit(page, path, '#needs-admin');
		assert.match(await page.textContent('#needs-admin h1'), /needs the admin scope/);
		assert.match(await page.textContent('#needs-admin'), /alice@example\.com/);
		assert.equal(await page.$('#token-form, #deliveries-table, #outbox-table, #replay'), null);
	}
	await shot(page, 'admin-needs-admin');
	for (const path of [
		'/tokens',
		'/deliveries',
		'/deliveries?repository=' + WG,
		'/notifications',
	]) {
		const r = await alice.request.get('/api/v1' + path);
		assert.equal(r.status(), 403, path);
		assert.match((await r.json()).detail, /admin/, path);
	}
	noProblems(page, 'needs-admin');
	await alice.close();
});

test('the admin pages pass axe-core (WCAG 2.1 AA) and fit a phone', async () => {
	const delivery = (await api('/deliveries?status=processed&limit=1')).json.items[0].id;
	const pages = [
		['admin-tokens', '/admin/tokens', '#tokens-table'],
		['admin-deliveries', '/admin/deliveries', '#deliveries-table'],
		['admin-delivery', `/admin/deliveries/${delivery}`, '#headers-table'],
		['admin-outbox', '/admin/outbox', '#outbox-table'],
	];
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
		const r = await ctx.request.post('/api/v1/session', { data: { token: server.adminToken } });
		assert.equal(r.status(), 200);
		for (const [name, path, ready] of pages) {
			const page = await ctx.newPage();
			await visit(page, path, ready);
			if (viewport.width < 700) {
				await shot(page, name);
				const wide = await page.evaluate(
					() => document.documentElement.scrollWidth > window.innerWidth + 1,
				);
				if (wide) found.push(`${name} phone: scrolls sideways`);
			}
			const violations = await axeViolations(page);
			for (const v of violations)
				found.push(`${name} ${viewport.width}px ${colorScheme}: ${v}`);
			await page.close();
		}
		await ctx.close();
	}
	assert.deepEqual(found, []);
});
