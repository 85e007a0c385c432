// dom.js — building DOM without HTML strings. Every text goes through createTextNode or
// setAttribute, so data is never parsed as markup.
const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, child) {
	if (child === null || child === undefined || child === false) return;
	if (Array.isArray(child)) {
		for (const c of child) append(el, c);
		return;
	}
	if (child instanceof Node) {
		el.appendChild(child);
		return;
	}
	el.appendChild(document.createTextNode(String(child)));
}

function setAttrs(el, attrs) {
	if (!attrs) return;
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === 'class') {
			el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
		} else if (k === 'dataset') {
			for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
		} else if (k.startsWith('on') && typeof v === 'function') {
			el.addEventListener(k.slice(2).toLowerCase(), v);
		} else if (k === 'value' && 'value' in el) {
			el.value = v;
		} else if (k === 'checked' || k === 'selected' || k === 'disabled') {
			el[k] = Boolean(v);
		} else {
			el.setAttribute(k, v === true ? '' : String(v));
		}
	}
}

function isAttrs(x) {
	return x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Node);
}

// h('a', {href: '/runs', class: 'x'}, 'text', child...)
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (isAttrs(attrs)) setAttrs(el, attrs);
	else children.unshift(attrs);
	append(el, children);
	return el;
}

// svg('rect', {x: 1, width: 10})
export function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	if (isAttrs(attrs)) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false) continue;
			if (k === 'class')
				el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
			else el.setAttribute(k, String(v));
		}
	} else children.unshift(attrs);
	append(el, children);
	return el;
}

export function clear(el) {
	while (el.firstChild) el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

export function text(s) {
	return document.createTextNode(s == null ? '' : String(s));
}
