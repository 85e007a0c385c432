// app.js — the dashboard's shell: session, routing (History API), live events, the pages.
import { h, replace, clear } from './dom.js';
import { get, request, setCsrf, ApiError } from './api.js';
import { connect, disconnect, subscribe, onStatus } from './live.js';
import { tickTimes, loading } from './ui.js';

const PAGES = [
	[/^\/$/, () => import('./pages/overview.js'), 'overview'],
	[/^\/runs$/, () => import('./pages/runs.js'), 'runs'],
	[/^\/runs\/(\d+)$/, () => import('./pages/run.js'), 'runs'],
	[/^\/journey$/, () => import('./pages/journey.js'), 'journey'],
	[/^\/environments$/, () => import('./pages/environments.js'), 'environments'],
	[/^\/environments\/([^/]+)$/, () => import('./pages/environment.js'), 'environments'],
	[/^\/release-candidates$/, () => import('./pages/rcs.js'), 'releases'],
	[/^\/release-candidates\/compare$/, () => import('./pages/rc_compare.js'), 'releases'],
	[/^\/release-candidates\/(\d+)$/, () => import('./pages/rc.js'), 'releases'],
	[/^\/feedback$/, () => import('./pages/feedback.js'), 'feedback'],
	[/^\/feedback\/(\d+)$/, () => import('./pages/feedback.js'), 'feedback'],
	[/^\/audit$/, () => import('./pages/audit.js'), 'audit'],
	[/^\/sign-in$/, () => import('./pages/signin.js'), null],
	// admin pages (they show a needs-admin page to anyone else)
	[/^\/admin(?:\/tokens)?$/, () => import('./pages/admin_tokens.js'), 'admin'],
	[/^\/admin\/deliveries$/, () => import('./pages/admin_deliveries.js'), 'admin'],
	[/^\/admin\/deliveries\/(\d+)$/, () => import('./pages/admin_deliveries.js'), 'admin'],
	[/^\/admin\/outbox$/, () => import('./pages/admin_outbox.js'), 'admin'],
];

const state = {
	session: null,
	page: null, // {controller, unsubs}
	first: true,
};

const main = document.getElementById('main');
const announcer = document.getElementById('announcer');

export function announce(msg) {
	announcer.textContent = '';
	setTimeout(() => {
		announcer.textContent = msg;
	}, 50);
}

export function navigate(url, { replace: rep = false } = {}) {
	if (rep) history.replaceState(null, '', url);
	else history.pushState(null, '', url);
	render();
}

function canRead(session) {
	return Boolean(session?.authenticated || session?.public_read);
}

async function loadSession() {
	try {
		state.session = await get('/session');
	} catch (e) {
		state.session = { authenticated: false, public_read: false, error: e };
	}
	setCsrf(state.session?.csrf_token);
	renderWho();
	showScopedNav();
	return state.session;
}

// Navigation entries with data-scope="admin" (etc.) are shown only to sessions with that scope.
function showScopedNav() {
	const scopes = state.session?.scopes || [];
	for (const el of document.querySelectorAll('#nav [data-scope]'))
		el.hidden = !scopes.includes(el.dataset.scope);
}

export function session() {
	return state.session;
}

export async function refreshSession() {
	return loadSession();
}

function renderWho() {
	const who = document.getElementById('who');
	const s = state.session;
	document.body.classList.toggle('signed-out', !canRead(s));
	if (!who) return;
	if (s?.authenticated) {
		replace(
			who,
			h('span', { class: 'who-name', title: s.subject }, s.subject),
			s.team ? h('span', { class: 'who-team' }, s.team) : null,
			scopesMenu(s),
			h('button', { type: 'button', class: 'btn-link', onclick: signOut }, 'Sign out'),
		);
	} else if (s?.public_read) {
		replace(who, h('a', { href: '/sign-in' }, 'Sign in'));
	} else {
		clear(who);
	}
}

// What the person may do and why: "release — role team:release-managers".
const SCOPE_SOURCES = {
	default: 'everyone signed in',
	token: 'your API token',
	'admin-token': 'the admin token',
};
function scopeSource(src) {
	const m = /^role:(team|group):(.*)$/.exec(src || '');
	return m ? `role ${m[1]}:${m[2]}` : SCOPE_SOURCES[src] || src || '';
}
function scopesMenu(s) {
	const scopes = s.scopes || [];
	if (!scopes.length) return null;
	return h(
		'details',
		{ class: 'who-scopes', id: 'who-scopes' },
		h('summary', {}, 'Scopes'),
		h(
			'ul',
			{ 'aria-label': 'Your scopes and where they come from' },
			scopes.map((sc) =>
				h(
					'li',
					{ 'data-scope': sc },
					h('strong', {}, sc),
					` — ${scopeSource(s.scope_sources?.[sc])}`,
				),
			),
		),
	);
}

async function signOut() {
	try {
		await request('/session', { method: 'DELETE' });
	} catch {
		// signed out either way
	}
	disconnect();
	await loadSession();
	navigate(canRead(state.session) ? '/' : '/sign-in');
}

function setNav(section) {
	for (const a of document.querySelectorAll('#nav a')) {
		if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	document.body.dataset.section = section || 'none';
}

function leavePage() {
	const p = state.page;
	if (!p) return;
	p.controller.abort();
	for (const u of p.unsubs) u();
	state.page = null;
}

function context(params, section) {
	const controller = new AbortController();
	const unsubs = [];
	state.page = { controller, unsubs };
	return {
		main,
		params,
		query: new URLSearchParams(location.search),
		session: state.session,
		signal: controller.signal,
		navigate,
		announce,
		section,
		title(t) {
			document.title = t ? `${t} · shiplog` : 'shiplog';
		},
		// live(['run.updated'], (events) => refetch())
		live(kinds, fn, opts) {
			unsubs.push(
				subscribe(
					kinds,
					(batch) => {
						if (!controller.signal.aborted) fn(batch);
					},
					opts,
				),
			);
		},
		every(ms, fn) {
			const t = setInterval(() => {
				if (!controller.signal.aborted) fn();
			}, ms);
			unsubs.push(() => clearInterval(t));
		},
	};
}

function focusHeading() {
	const h1 = main.querySelector('h1');
	if (h1) {
		h1.setAttribute('tabindex', '-1');
		h1.focus({ preventScroll: false });
	} else {
		main.focus();
	}
}

export async function render() {
	leavePage();
	const path = location.pathname.replace(/\/+$/, '') || '/';
	let match = null;
	for (const [re, load, section] of PAGES) {
		const m = re.exec(path);
		if (m) {
			match = { load, section, params: m.slice(1).map(decodeURIComponent) };
			break;
		}
	}
	// sessions live in the database: a server that cannot reach it cannot say
	// who this is either, which is not the same as being signed out
	if (state.session?.error) await loadSession();
	const s = state.session;
	const down = s?.error instanceof ApiError && (s.error.status === 503 || s.error.status === 0);
	if (down) {
		match = { load: () => Promise.reject(s.error), section: null, params: [] };
	} else if (!canRead(s) && path !== '/sign-in') {
		match = {
			load: PAGES.find((p) => p[0].test('/sign-in'))[1],
			section: null,
			params: [],
		};
	}
	if (!match) match = { load: () => import('./pages/notfound.js'), section: null, params: [] };
	setNav(match.section);
	if (canRead(s)) connect();
	const ctx = context(match.params, match.section);
	replace(main, loading());
	main.setAttribute('aria-busy', 'true');
	try {
		const mod = await match.load();
		if (ctx.signal.aborted) return;
		clear(main);
		await mod.default(ctx);
	} catch (e) {
		if (ctx.signal.aborted || e?.name === 'AbortError') return;
		await showError(e, ctx);
	} finally {
		if (!ctx.signal.aborted) main.removeAttribute('aria-busy');
	}
	if (ctx.signal.aborted) return;
	if (!state.first) {
		focusHeading();
		const h1 = main.querySelector('h1');
		announce(h1 ? h1.textContent : document.title);
	}
	state.first = false;
}

async function showError(e, ctx) {
	clear(main);
	if (e instanceof ApiError && e.status === 404) {
		const mod = await import('./pages/notfound.js');
		return mod.default(ctx, e);
	}
	if (e instanceof ApiError && e.status === 401) {
		await loadSession();
		const mod = await import('./pages/signin.js');
		return mod.default(ctx);
	}
	if (e instanceof ApiError && (e.status === 503 || e.status === 0)) {
		const mod = await import('./pages/unavailable.js');
		return mod.default(ctx, e);
	}
	console.warn('shiplog: page failed', e);
	ctx.title('Something went wrong');
	main.append(
		h(
			'div',
			{ class: 'page-narrow' },
			h('h1', {}, 'Something went wrong'),
			h('p', {}, e?.message || String(e)),
			h(
				'p',
				{},
				h('button', { type: 'button', class: 'btn', onclick: () => render() }, 'Try again'),
			),
		),
	);
}

// same-origin links route in the page
document.addEventListener('click', (ev) => {
	if (
		ev.defaultPrevented ||
		ev.button !== 0 ||
		ev.metaKey ||
		ev.ctrlKey ||
		ev.shiftKey ||
		ev.altKey
	)
		return;
	const a = ev.target.closest('a');
	if (!a || a.target || a.hasAttribute('download')) return;
	const href = a.getAttribute('href');
	if (
		!href ||
		!href.startsWith('/') ||
		href.startsWith('//') ||
		href.startsWith('/api/') ||
		href.startsWith('/metrics') ||
		href.startsWith('/healthz') ||
		href.startsWith('/readyz')
	)
		return;
	ev.preventDefault();
	closeMenu();
	if (href === location.pathname + location.search) return;
	navigate(href);
});

window.addEventListener('popstate', () => render());

window.addEventListener('shiplog:unauthenticated', async () => {
	const before = state.session?.authenticated;
	await loadSession();
	if (before && !canRead(state.session)) {
		disconnect();
		render();
	}
});

// the phone menu
const menuButton = document.getElementById('menu-button');
function closeMenu() {
	if (!menuButton) return;
	menuButton.setAttribute('aria-expanded', 'false');
	document.body.classList.remove('menu-open');
}
menuButton?.addEventListener('click', () => {
	const open = menuButton.getAttribute('aria-expanded') !== 'true';
	menuButton.setAttribute('aria-expanded', String(open));
	document.body.classList.toggle('menu-open', open);
});
document.addEventListener('keydown', (ev) => {
	if (ev.key === 'Escape' && document.body.classList.contains('menu-open')) {
		closeMenu();
		menuButton.focus();
	}
});

// the live indicator
onStatus((st) => {
	const el = document.getElementById('live');
	if (!el) return;
	el.dataset.state = st;
	const label = { live: 'Live', connecting: 'Reconnecting…', off: 'Offline' }[st] || st;
	replace(el, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), label);
	el.title =
		st === 'live'
			? 'Pages update by themselves as events arrive'
			: 'Live updates are paused; pages still load';
});

setInterval(() => tickTimes(main), 30_000);

(async function boot() {
	await loadSession();
	await render();
	document.documentElement.dataset.ready = 'true';
})();
