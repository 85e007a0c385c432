// charts.js — small SVG charts drawn at their container's pixel width (so text stays
// readable), redrawn when the window is resized.
import { svg, h } from './dom.js';

export function responsive(box, draw, signal) {
	const paint = () => {
		const w = Math.max(260, Math.floor(box.clientWidth || 600));
		box.replaceChildren(draw(w));
	};
	paint();
	let t = null;
	const onResize = () => {
		clearTimeout(t);
		t = setTimeout(paint, 150);
	};
	window.addEventListener('resize', onResize);
	signal?.addEventListener('abort', () => window.removeEventListener('resize', onResize));
	return paint;
}

// The smallest "nice" axis (3 to 5 ticks of 1, 2, 2.5 or 5 x 10^k) that holds v.
export function niceAxis(v) {
	if (!(v > 0)) return { max: 1, ticks: 4 };
	let best = null;
	for (const n of [4, 5, 3]) {
		const raw = v / n;
		const p = Math.pow(10, Math.floor(Math.log10(raw)));
		const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw - 1e-9);
		const max = step * n;
		if (!best || max < best.max - 1e-9) best = { max, ticks: n };
	}
	return best;
}

function niceMax(v) {
	return niceAxis(v).max;
}

// x label positions that never overlap: greedy from the left, the last label always shown
function placeLabels(xs, left, right, minGap = 70) {
	const clamp = (x) => Math.min(Math.max(x, left + 28), right - 28);
	const kept = [];
	xs.forEach((x, i) => {
		const cx = clamp(x);
		if (!kept.length || cx - kept[kept.length - 1][1] >= minGap) kept.push([i, cx]);
	});
	const lastI = xs.length - 1;
	if (xs.length > 1 && kept[kept.length - 1][0] !== lastI) {
		const cx = clamp(xs[lastI]);
		while (kept.length > 1 && cx - kept[kept.length - 1][1] < minGap) kept.pop();
		kept.push([lastI, cx]);
	}
	return new Map(kept);
}

// bars: [{label, value, tone: 'bad'|undefined, title}]
export function barChart(bars, { width, height = 180, format = (v) => String(v), label, yMax } = {}) {
	const left = 44, right = 8, top = 14, bottom = 26;
	const plotW = width - left - right, plotH = height - top - bottom;
	const ax = yMax ? { max: yMax, ticks: 4 } : niceAxis(Math.max(0, ...bars.map((b) => b.value || 0)));
	const max = ax.max;
	const bw = bars.length ? plotW / bars.length : plotW;
	const shown = placeLabels(bars.map((b, i) => left + i * bw + bw / 2), left, width - right, 64);
	const nodes = [];
	for (let i = 0; i <= ax.ticks; i++) {
		const v = (max * i) / ax.ticks;
		const y = top + plotH - (v / max) * plotH;
		nodes.push(svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: 'grid-line' }),
			svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis-text' }, format(v)));
	}
	bars.forEach((b, i) => {
		const v = b.value || 0;
		const bh = (v / max) * plotH;
		const x = left + i * bw + Math.min(6, bw * 0.15);
		const w = Math.max(2, bw - 2 * Math.min(6, bw * 0.15));
		nodes.push(svg('rect', { x, y: top + plotH - bh, width: w, height: Math.max(0, bh), rx: 2, class: b.tone === 'bad' ? 'bar-fail' : 'bar' },
			svg('title', {}, b.title || `${b.label}: ${format(v)}`)));
		if (b.part) {
			// a part of the bar (e.g. the failed ones), drawn at its foot
			const ph = (b.part / max) * plotH;
			nodes.push(svg('rect', { x, y: top + plotH - ph, width: w, height: Math.max(0, ph), class: 'bar-fail' },
				svg('title', {}, b.title || `${b.label}: ${format(b.part)}`)));
		}
		if (shown.has(i)) {
			nodes.push(svg('text', { x: shown.get(i), y: height - 8, 'text-anchor': 'middle', class: 'axis-text' }, b.label));
		}
	});
	return svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label || 'Bar chart' },
		svg('g', { class: 'axis' }, nodes.filter((n) => n.getAttribute('class') === 'grid-line' || n.getAttribute('class') === 'axis-text')),
		nodes.filter((n) => n.getAttribute('class') !== 'grid-line' && n.getAttribute('class') !== 'axis-text'));
}

// points: [{label, value (null = no data), title}]; second: optional dashed series
export function lineChart(points, { width, height = 180, format = (v) => String(v), label, yMax, yMin = 0, second } = {}) {
	const left = 44, right = 10, top = 14, bottom = 26;
	const plotW = width - left - right, plotH = height - top - bottom;
	const vals = points.map((p) => p.value).concat((second || []).map((p) => p.value)).filter((v) => v !== null && v !== undefined);
	const ax = yMax ? { max: yMax, ticks: 4 } : niceAxis(Math.max(1, ...vals));
	const max = ax.max;
	const n = points.length;
	const x = (i) => left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
	const y = (v) => top + plotH - ((v - yMin) / (max - yMin)) * plotH;
	const axis = [];
	for (let i = 0; i <= ax.ticks; i++) {
		const v = yMin + ((max - yMin) * i) / ax.ticks;
		axis.push(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v) }),
			svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
	}
	const shown = placeLabels(points.map((p, i) => x(i)), left, width - right, 72);
	points.forEach((p, i) => {
		if (shown.has(i)) axis.push(svg('text', { x: shown.get(i), y: height - 8, 'text-anchor': 'middle' }, p.label));
	});
	const path = (pts) => {
		let d = '';
		let pen = false;
		pts.forEach((p, i) => {
			if (p.value === null || p.value === undefined) {
				pen = false;
				return;
			}
			d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
			pen = true;
		});
		return d.trim();
	};
	const body = [];
	const d = path(points);
	if (d) {
		const defined = points.map((p, i) => [p, i]).filter(([p]) => p.value !== null && p.value !== undefined);
		if (defined.length > 1) {
			const [, i0] = defined[0], [, i1] = defined[defined.length - 1];
			body.push(svg('path', { class: 'area', d: `${path(points)} L${x(i1)},${y(yMin)} L${x(i0)},${y(yMin)} Z` }));
		}
		body.push(svg('path', { class: 'line', d }));
	}
	if (second) {
		const d2 = path(second);
		if (d2) body.push(svg('path', { class: 'line-2', d: d2 }));
	}
	points.forEach((p, i) => {
		if (p.value === null || p.value === undefined) return;
		body.push(svg('circle', { cx: x(i), cy: y(p.value), r: 3, class: 'dot' }, svg('title', {}, p.title || `${p.label}: ${format(p.value)}`)));
	});
	return svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label || 'Line chart' },
		svg('g', { class: 'axis' }, axis), body);
}

export function legend(items) {
	return h('div', { class: 'chart-legend' }, items.map(([cls, text]) => h('span', {}, h('span', { class: ['swatch', cls], 'aria-hidden': 'true' }), text)));
}
