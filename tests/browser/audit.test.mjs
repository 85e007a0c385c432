// The audit page (/audit): an admin finds who changed what with the keyboard (filters in the
// URL, before/after of a change, the failed sign-ins); anyone else has no link to it, and the
// API refuses them (403).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { launch, person, open, problems, visit, shot, DESKTOP, PHONE } from './harness.mjs';

let server, browser, admin, reader, readToken;

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

before(
	async () => {
		server = await startServer({
			db: `${process.env.SHIPLOG_BROWSER_DB ?? 'shiplog_browser'}_audit`,
		});
		const t = await api('/tokens', {
			method: 'POST',
			body: { name: 'reader', owner: 'rita@example.com', scopes: ['read'] },
		});
		assert.equal(t.status, 201);
		readToken = t.json.token;
		for (const name of ['audit-one', 'audit-two']) {
			const r = await api('/environments', { method: 'POST', body: { name } });
			assert.equal(r.status, 201);
		}
		const p = await api('/environments/audit-two', {
			method: 'PATCH',
			body: { description: 'the second one' },
		});
		assert.equal(p.status, 200);
		// a stranger guessing tokens
		for (let i = 0; i < 3; i++) {
			const r = await api('/session', {
				method: 'POST',
				token: null,
				body: { token: `shiplog_${'x'.repeat(43)}` },
			});
			assert.equal(r.status, 401);
		}
		browser = await launch();
		admin = await person(browser, server.url, { token: server.adminToken });
		reader = await person(browser, server.url, { token: readToken });
	},
	{ timeout: 60_000 },
);

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('an admin finds a change with the keyboard and sees what it changed', async () => {
	const page = await open(admin);
	await visit(page, '/', '#nav');
	const link = page.locator('#nav a[href="/audit"]');
	assert.equal(await link.isVisible(), true, 'admins have the Audit link');
	await link.click();
	await page.waitForSelector('#audit-table tbody tr');
	assert.equal(await page.locator('h1').textContent(), 'Audit');
	const text = await page.locator('#audit-table').textContent();
	assert.match(text, /environment\.created/);
	assert.match(text, /environment\.changed/);
	assert.match(text, /token\.created/);

	// the action filter, by keyboard: focus, choose, the list and the URL follow
	await page.focus('#f-action');
	await page.selectOption('#f-action', 'environment.changed');
	await page.waitForFunction(() => location.search.includes('action=environment.changed'));
	await page.waitForFunction(
		() => document.querySelectorAll('#audit-table tbody tr').length === 1,
	);
	const row = page.locator('#audit-table tbody tr').first();
	assert.match(await row.textContent(), /environment audit-two/);
	// before → after, opened with the keyboard
	await row.locator('summary').focus();
	await page.keyboard.press('Enter');
	const change = await row.locator('details').textContent();
	assert.match(change, /Before/);
	assert.match(change, /the second one/);

	// the failed sign-ins: three refused tokens from one address, one row
	assert.equal(await page.locator('#failed-table tbody tr').count(), 1);
	const cells = await page.locator('#failed-table tbody tr td').allTextContents();
	assert.equal(cells[1], '127.0.0.1');
	assert.equal(cells[2], '3');
	await shot(page, 'audit');
	assert.deepEqual(problems(page), []);
});

test('anyone else has no link to it, and the API refuses them', async () => {
	const page = await open(reader, { allow: [/403/] });
	await visit(page, '/', '#nav');
	assert.equal(await page.locator('#nav a[href="/audit"]').isVisible(), false);
	await page.goto('/audit');
	await page.waitForSelector('#audit-list [role="alert"]');
	assert.match(await page.locator('#audit-list').textContent(), /admin/);
	const r = await api('/audit', { token: readToken });
	assert.equal(r.status, 403);
	assert.deepEqual(problems(page), []);
});

test('the audit page passes the automated accessibility checks (axe-core, WCAG 2.1 AA)', async () => {
	const axe = resolve(
		dirname(fileURLToPath(import.meta.url)),
		'node_modules/axe-core/axe.min.js',
	);
	const found = [];
	for (const [phone, colorScheme] of [
		[false, 'light'],
		[true, 'light'],
		[false, 'dark'],
	]) {
		const ctx = await browser.newContext({
			baseURL: server.url,
			viewport: phone ? PHONE : DESKTOP,
			colorScheme,
			bypassCSP: true, // axe is injected as a script
			reducedMotion: 'reduce',
		});
		const signIn = await ctx.request.post('/api/v1/session', {
			data: { token: server.adminToken },
		});
		assert.equal(signIn.status(), 200);
		const page = await open(ctx);
		await visit(page, '/audit', '#audit-table tbody tr');
		await page.addScriptTag({ path: axe });
		const violations = await page.evaluate(async () => {
			const r = await window.axe.run(document, {
				runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
			});
			return r.violations
				.filter((v) => v.impact === 'serious' || v.impact === 'critical')
				.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
		});
		for (const v of violations)
			found.push(`${phone ? 'phone' : 'desktop'} ${colorScheme}: ${v}`);
		if (phone) await shot(page, 'audit');
		await ctx.close();
	}
	assert.deepEqual(found, []);
});
