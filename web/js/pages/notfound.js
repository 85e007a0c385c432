// Not found: a route the app does not know, or an API 404 for what a page shows.
import { h } from '../dom.js';

export default function notFound(ctx, err) {
	ctx.title('Not found');
	ctx.main.append(
		h(
			'div',
			{ class: 'page-narrow notfound', id: 'not-found' },
			h('p', { class: 'big-code', 'aria-hidden': 'true' }, '404'),
			h('h1', {}, err ? 'We could not find that' : 'This page does not exist'),
			h(
				'p',
				{},
				err
					? 'shiplog has no record of it. It may not have been reported yet, or the link is wrong.'
					: 'The address may have a typo, or the page has moved.',
			),
			err?.message ? h('p', { class: 'muted' }, err.message) : null,
			h(
				'p',
				{ class: 'row' },
				h('a', { class: 'btn btn-primary', href: '/' }, 'Go to the overview'),
				h('a', { class: 'btn', href: '/journey' }, 'Search for a change'),
			),
		),
	);
}
