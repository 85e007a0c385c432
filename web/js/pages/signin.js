// Sign in with an API token (when reading is not public and no SSO proxy names the person).
import { h } from '../dom.js';
import { post, ApiError } from '../api.js';
import { refreshSession, navigate, session } from '../app.js';

export default function signIn(ctx) {
	ctx.title('Sign in');
	if (session()?.authenticated && location.pathname === '/sign-in') {
		navigate(ctx.query.get('next') || '/', { replace: true });
		return;
	}
	const back =
		location.pathname === '/sign-in'
			? ctx.query.get('next') || '/'
			: location.pathname + location.search;
	const error = h('p', { class: 'field-error', id: 'token-error', 'aria-live': 'assertive' });
	const input = h('input', {
		id: 'token',
		name: 'token',
		type: 'password',
		autocomplete: 'off',
		spellcheck: 'false',
		required: true,
		'aria-describedby': 'token-hint token-error',
	});
	const button = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
	const form = h(
		'form',
		{ class: 'stack', id: 'signin-form', novalidate: true },
		h(
			'div',
			{ class: 'field' },
			h('label', { for: 'token' }, 'API token'),
			input,
			h(
				'p',
				{ class: 'hint', id: 'token-hint' },
				'Paste a token an administrator gave you. It is sent once to sign you in; the browser keeps a session cookie, not the token.',
			),
			error,
		),
		h('div', {}, button),
	);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		error.textContent = '';
		input.removeAttribute('aria-invalid');
		const token = input.value.trim();
		if (!token) {
			error.textContent = 'Paste your token first.';
			input.setAttribute('aria-invalid', 'true');
			input.focus();
			return;
		}
		button.disabled = true;
		try {
			await post('/session', { token }, { quiet: true });
			await refreshSession();
			navigate(back === '/sign-in' ? '/' : back, { replace: true });
		} catch (e) {
			error.textContent =
				e instanceof ApiError && (e.status === 401 || e.status === 400)
					? 'That token was not accepted. Check that you copied all of it.'
					: `Could not sign in: ${e.message}`;
			input.setAttribute('aria-invalid', 'true');
			input.focus();
		} finally {
			button.disabled = false;
		}
	});
	const s = session();
	ctx.main.append(
		h(
			'div',
			{ class: 'page-narrow' },
			h(
				'div',
				{ class: 'signin-card' },
				h('h1', {}, 'Sign in to shiplog'),
				h(
					'p',
					{ class: 'muted' },
					s?.public_read
						? 'Reading is open to everyone here; signing in lets you give feedback.'
						: 'shiplog shows where every change is, from pull request to release. Sign in to see it.',
				),
				form,
			),
		),
	);
}
