// harness.mjs — Chromium (Debian's, driven by playwright-core), contexts for the people in
// the tests, pages that fail on any console error or page error, and screenshots.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './server.mjs';

export const SHOTS = process.env.SHIPLOG_SCREENSHOTS ?? resolve(ROOT, 'build/screenshots');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch() {
	mkdirSync(SHOTS, { recursive: true });
	return chromium.launch({
		executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
	});
}

// A browser context for one person. `token`: signs in through POST /api/v1/session (the
// cookie lands in the context); `sso`: an SSO proxy's X-Forwarded-Email on every request.
export async function person(
	browser,
	baseURL,
	{ token, sso, phone = false, colorScheme = 'light' } = {},
) {
	const ctx = await browser.newContext({
		baseURL,
		viewport: phone ? PHONE : DESKTOP,
		deviceScaleFactor: 1,
		isMobile: phone,
		hasTouch: phone,
		colorScheme,
		reducedMotion: 'reduce',
		extraHTTPHeaders: sso ? { 'X-Forwarded-Email': sso } : {},
	});
	if (token) {
		const r = await ctx.request.post('/api/v1/session', { data: { token } });
		if (!r.ok()) throw new Error(`sign-in failed: ${r.status()} ${await r.text()}`);
	}
	return ctx;
}

// A page that records console errors and page errors. `allow`: regexps of messages that a
// test expects (e.g. the 404 of a resource it asked for on purpose).
export async function open(ctx, { allow = [] } = {}) {
	const page = await ctx.newPage();
	page.problems = [];
	page.allow = allow;
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		const text = `${m.text()} ${m.location()?.url ?? ''}`;
		if (page.allow.some((re) => re.test(text))) return;
		page.problems.push(`console.error: ${text}`);
	});
	page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
	page.on('dialog', (d) => {
		page.problems.push(`dialog: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	return page;
}

export function problems(page) {
	return page.problems.slice();
}

// Navigates and waits until the app has rendered `ready` (a selector) and nothing is busy.
export async function visit(page, path, ready, { timeout = 15_000 } = {}) {
	await page.goto(path);
	await page.waitForSelector(ready, { timeout });
	await page.waitForFunction(
		() =>
			!document.querySelector('main[aria-busy="true"]') &&
			!document.querySelector('main .loading'),
		null,
		{ timeout },
	);
}

export async function shot(page, name) {
	const vp = page.viewportSize();
	const kind = vp && vp.width < 700 ? 'phone' : 'desktop';
	const path = resolve(SHOTS, `${name}-${kind}.png`);
	// full-page shots from the top, so the sticky bar is where a person sees it
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path, fullPage: true });
	return path;
}

const AXE = resolve(dirname(fileURLToPath(import.meta.url)), 'node_modules/axe-core/axe.min.js');

// axe-core's WCAG 2.1 A/AA rules on the page: its serious and critical violations, one line
// each. Its script is injected, so the page's context must bypass the CSP.
export async function axeViolations(page) {
	await page.addScriptTag({ path: AXE });
	return page.evaluate(async () => {
		const r = await window.axe.run(document, {
			runOnly: {
				type: 'tag',
				values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
			},
		});
		return r.violations
			.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`);
	});
}
