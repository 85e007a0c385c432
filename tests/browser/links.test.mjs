// Every link a message of shiplog's carries opens a real page of the dashboard: Slack
// messages, generic webhooks and GitHub commit statuses, as they are sent to a local
// receiver while the seed loads a few weeks of a product (and a failed staging deployment).
// Each distinct link is opened in Chromium, signed in, and must show its page — not the
// dashboard's "not found".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { seed } from './seed.mjs';
import { launch, person, open, problems, visit } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const EVENTS =
	'[rc.cut, rc.ready, rc.blocked, rc.released, main.broken, main.fixed, deployment.failed, feedback.new]';

const received = [];
let receiver, server, browser, reader, tmp;

function listen(srv) {
	return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv.address().port)));
}

before(
	async () => {
		// the receiver: Slack, the webhook and GitHub's statuses API, all answered 2xx
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
				received.push({ path: req.url, json, body });
				res.writeHead(req.url.includes('/statuses/') ? 201 : 200, {
					'Content-Type': 'application/json',
				});
				res.end('{}');
			});
		});
		const port = await listen(receiver);
		tmp = mkdtempSync(join(tmpdir(), 'shiplog-links-'));
		const config = join(tmp, 'shiplog.yaml');
		writeFileSync(
			config,
			readFileSync(resolve(HERE, 'shiplog.test.yaml'), 'utf8') +
				`
notifications:
  base_backoff_seconds: 0.2
  sinks:
    - {name: chat, type: slack, url_env: LINKS_SLACK_URL, events: ${EVENTS}}
    - {name: hooks, type: webhook, url_env: LINKS_HOOK_URL, secret_env: LINKS_HOOK_SECRET, events: ${EVENTS}}
  github_status:
    token_env: LINKS_GITHUB_TOKEN
    api_url: "http://127.0.0.1:${port}/api/v3/"
`,
		);
		server = await startServer({
			config,
			db: 'shiplog_links',
			extraEnv: {
				LINKS_SLACK_URL: `http://127.0.0.1:${port}/slack`,
				LINKS_HOOK_URL: `http://127.0.0.1:${port}/hooks`,
				LINKS_HOOK_SECRET: 'links-secret',
				LINKS_GITHUB_TOKEN: 'links-token',
			},
		});
		const facts = await seed(server.url, {
			adminToken: server.adminToken,
			githubSecret: server.githubSecret,
			fluxSecret: server.fluxSecret,
		});
		assert.deepEqual(facts.failures, [], 'the seed was accepted');
		// a failed deployment, so that an environment's link is among them
		const res = await fetch(`${server.url}/api/v1/deployments`, {
			method: 'POST',
			headers: {
				Authorization: `Bearer ${server.adminToken}`,
				'Content-Type': 'application/json',
			},
			body: JSON.stringify({
				environment: 'staging',
				repository: 'weaveworks/weave-gitops-enterprise',
				commit: facts.releaseCandidates.at(-1)?.commit ?? 'a'.repeat(40),
				status: 'failure',
				started_at: new Date(Date.now() - 60_000).toISOString(),
				finished_at: new Date().toISOString(),
			}),
		});
		assert.ok(
			res.status === 201 || res.status === 200,
			`deployment: ${res.status} ${await res.text()}`,
		);
		browser = await launch();
		reader = await person(browser, server.url, { token: server.adminToken });
	},
	{ timeout: 120_000 },
);

after(async () => {
	await browser?.close().catch(() => {});
	await server?.stop().catch(() => {});
	await new Promise((ok) => (receiver ? receiver.close(ok) : ok()));
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Every dashboard link in what was received: {kind, url, from}
function links() {
	const out = new Map(); // one entry per sender and link
	const add = (kind, url, from) => {
		if (typeof url === 'string' && url.startsWith(server.url))
			out.set(`${from} ${url}`, { kind, url, from });
	};
	for (const m of received) {
		if (m.path === '/hooks') {
			for (const [kind, url] of Object.entries(m.json?.links ?? {}))
				add(kind, url, `webhook ${m.json?.event}`);
		} else if (m.path === '/slack') {
			// every <url|text> of the message's blocks
			for (const [, url] of m.body.matchAll(/<(https?:[^|>]+)\|/g))
				add('slack', url, 'slack');
		} else if (m.path.includes('/statuses/')) {
			add('release_candidate', m.json?.target_url, 'github status');
		}
	}
	return [...out.values()];
}

function receivedSummary() {
	const byPath = {};
	for (const m of received) {
		const key = m.path.includes('/statuses/')
			? 'github status'
			: `${m.path} ${m.json?.event ?? ''}`;
		byPath[key] = (byPath[key] ?? 0) + 1;
	}
	return JSON.stringify({
		received: byPath,
		links: links().map((l) => `${l.kind} ${l.url}`),
	});
}

async function waitFor(what, fn, ms = 30_000) {
	const end = Date.now() + ms;
	for (;;) {
		if (fn()) return;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}: ${receivedSummary()}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

test('messages carry links to release candidates, runs and environments', async () => {
	await waitFor('a link of each kind', () => {
		const kinds = new Set(
			links()
				.filter((l) => l.from.startsWith('webhook'))
				.map((l) => l.kind),
		);
		return (
			kinds.has('release_candidate') &&
			kinds.has('run') &&
			kinds.has('environment') &&
			received.some((m) => m.path.includes('/statuses/')) &&
			received.some((m) => m.path === '/slack')
		);
	});
	const slack = received.find((m) => m.path === '/slack');
	assert.ok(
		links().some((l) => l.from === 'slack'),
		`a Slack message links back: ${slack.body.slice(0, 300)}`,
	);
});

test('every link a message carries opens its page in the dashboard', async () => {
	const all = [...new Map(links().map((l) => [l.url, l])).values()]; // each page once
	assert.ok(all.length >= 3, `links: ${all.map((l) => l.url).join(', ')}`);
	for (const from of ['slack', 'github status'])
		assert.ok(
			links().some((l) => l.from === from),
			`${from} carries a link`,
		);
	const page = await open(reader);
	for (const l of all) {
		await visit(page, l.url, 'main h1');
		const notFound = await page.$('#not-found');
		const h1 = (await page.textContent('main h1'))?.trim();
		assert.equal(notFound, null, `${l.url} (${l.from}) shows "${h1}"`);
		const path = new URL(l.url).pathname;
		// the page of what the link names: its id or name is what the page shows
		const section = await page.evaluate(() => document.body.dataset.section);
		const expected = {
			'/release-candidates/': 'releases',
			'/runs/': 'runs',
			'/environments/': 'environments',
		};
		const prefix = Object.keys(expected).find((p) => path.startsWith(p));
		assert.ok(prefix, `${l.url} (${l.from}) is not a link to an RC, a run or an environment`);
		assert.equal(section, expected[prefix], `${l.url} opened the ${section} section`);
	}
	assert.deepEqual(problems(page), [], 'no console errors on the linked pages');
	await page.close();
});
