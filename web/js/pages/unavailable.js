// The server answers but cannot reach its database (503), or does not answer at all.
import { h } from '../dom.js';
import { render } from '../app.js';

export default function unavailable(ctx, err) {
	const noServer = err?.status === 0;
	ctx.title('Temporarily unavailable');
	const status = h(
		'p',
		{ class: 'muted', role: 'status', id: 'retry-status' },
		'Trying again in a few seconds…',
	);
	ctx.main.append(
		h(
			'div',
			{ class: 'page-narrow notfound', id: 'unavailable' },
			h('p', { class: 'big-code', 'aria-hidden': 'true' }, noServer ? '…' : '503'),
			h(
				'h1',
				{},
				noServer
					? 'shiplog is not answering'
					: 'shiplog cannot reach its database right now',
			),
			h(
				'p',
				{},
				noServer
					? 'Your browser could not reach the shiplog server. It may be restarting.'
					: 'The server is up, but its database is not answering. Nothing is lost: webhooks that arrive meanwhile are kept and applied when the database is back.',
			),
			err?.message ? h('p', { class: 'muted' }, err.message) : null,
			h(
				'p',
				{},
				h(
					'button',
					{
						type: 'button',
						class: 'btn btn-primary',
						onclick: () => render(),
					},
					'Try again now',
				),
			),
			status,
		),
	);
	let n = 0;
	ctx.every(5000, () => {
		n++;
		status.textContent = `Tried again ${n} time${n === 1 ? '' : 's'}…`;
		render();
	});
}
