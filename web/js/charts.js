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

// The smallest "nice" axis (3 to 5 ticks of 1, 2, 2.5 or 5 x 10^k) that holds v and whose tick
// labels, as `format` writes them, all differ: a range of a minute or two in whole minutes gets
// ticks a minute apart (0m 1m 2m), never 0m 0m 1m 1m. `integer`: whole steps only (counts).
export function niceAxis(v, { format = (x) => String(x), integer = false } = {}) {
	const top = v > 0 ? v : 1;
	let best = null;
	for (const n of [4, 5, 3]) {
		const raw = top / n;
		let exp = Math.floor(Math.log10(raw));
		let found = null;
		for (let tries = 0; !found && tries < 40; tries++, exp++) {
			for (const m of [1, 2, 2.5, 5]) {
				const step = m * Math.pow(10, exp);
				if (step < raw - 1e-9 || (integer && Math.abs(step - Math.round(step)) > 1e-9))
					continue;
				const labels = new Set(Array.from({ length: n + 1 }, (_, i) => format(step * i)));
				if (labels.size === n + 1) {
					found = step;
					break;
				}
			}
		}
		if (found === null) continue;
		const max = found * n;
		if (!best || max < best.max - 1e-9) best = { max, ticks: n };
	}
	return best || { max: top, ticks: 1 };
}

// The y axis: its tick values and labels, and the left margin that holds the longest label
// (11px text, about 6.5px a character).
function yTicks(ax, format, yMin = 0) {
	const ticks = Array.from({ length: ax.ticks + 1 }, (_, i) => {
		const v = yMin + ((ax.max - yMin) * i) / ax.ticks;
		return { v, text: format(v) };
	});
	const left = Math.max(36, Math.ceil(Math.max(...ticks.map((t) => t.text.length)) * 6.5) + 12);
	return { ticks, left };
}

// What a chart shows when its window holds nothing: a sentence, at the chart's height, instead
// of axes over an empty grid.
function emptyChart(message) {
	return h('div', { class: 'chart-empty' }, h('p', {}, message));
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

// bars: [{label, value (null = no data), part, tone: 'bad'|undefined, title}]; `empty`: what to
// say when no bar has a value above zero. `integer`: values are counts.
export function barChart(
	bars,
	{
		width,
		height = 180,
		format = (v) => String(v),
		label,
		yMax,
		empty = 'No data in this window.',
		integer = false,
	} = {},
) {
	if (!bars.some((b) => b.value > 0)) return emptyChart(empty);
	const ax = yMax
		? { max: yMax, ticks: 4 }
		: niceAxis(Math.max(...bars.map((b) => b.value || 0)), { format, integer });
	const { ticks, left } = yTicks(ax, format);
	const right = 8,
		top = 14,
		bottom = 26;
	const plotW = width - left - right,
		plotH = height - top - bottom;
	const max = ax.max;
	const bw = plotW / bars.length;
	const shown = placeLabels(
		bars.map((b, i) => left + i * bw + bw / 2),
		left,
		width - right,
		64,
	);
	const axis = [];
	const body = [];
	for (const { v, text } of ticks) {
		const y = top + plotH - (v / max) * plotH;
		axis.push(
			svg('line', {
				x1: left,
				x2: width - right,
				y1: y,
				y2: y,
				class: 'grid-line',
			}),
			svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'y-tick' }, text),
		);
	}
	bars.forEach((b, i) => {
		const v = b.value || 0;
		const bh = (v / max) * plotH;
		// at most 72px wide, centred in its slot
		const w = Math.min(72, Math.max(2, bw - 2 * Math.min(6, bw * 0.15)));
		const x = left + i * bw + (bw - w) / 2;
		body.push(
			svg(
				'rect',
				{
					x,
					y: top + plotH - bh,
					width: w,
					height: Math.max(0, bh),
					rx: 2,
					class: b.tone === 'bad' ? 'bar-fail' : 'bar',
				},
				svg('title', {}, b.title || `${b.label}: ${format(v)}`),
			),
		);
		if (b.part) {
			// a part of the bar (e.g. the failed ones), drawn at its foot
			const ph = (b.part / max) * plotH;
			body.push(
				svg(
					'rect',
					{
						x,
						y: top + plotH - ph,
						width: w,
						height: Math.max(0, ph),
						class: 'bar-fail',
					},
					svg('title', {}, b.title || `${b.label}: ${format(b.part)}`),
				),
			);
		}
		if (shown.has(i)) {
			axis.push(
				svg(
					'text',
					{
						x: shown.get(i),
						y: height - 8,
						'text-anchor': 'middle',
						class: 'x-tick',
					},
					b.label,
				),
			);
		}
	});
	return svg(
		'svg',
		{
			class: 'chart',
			width,
			height,
			viewBox: `0 0 ${width} ${height}`,
			role: 'img',
			'aria-label': label || 'Bar chart',
		},
		svg('g', { class: 'axis' }, axis),
		body,
	);
}

// points: [{label, value (null = no data), title}]; second: optional dashed series; `empty`:
// what to say when no point has a value
export function lineChart(
	points,
	{
		width,
		height = 180,
		format = (v) => String(v),
		label,
		yMax,
		yMin = 0,
		second,
		empty = 'No data in this window.',
	} = {},
) {
	const vals = points
		.map((p) => p.value)
		.concat((second || []).map((p) => p.value))
		.filter((v) => v !== null && v !== undefined);
	if (!vals.length) return emptyChart(empty);
	const ax = yMax ? { max: yMax, ticks: 4 } : niceAxis(Math.max(...vals), { format });
	const { ticks, left } = yTicks(ax, format, yMin);
	const right = 10,
		top = 14,
		bottom = 26;
	const plotW = width - left - right,
		plotH = height - top - bottom;
	const max = ax.max;
	const n = points.length;
	const x = (i) => left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
	const y = (v) => top + plotH - ((v - yMin) / (max - yMin)) * plotH;
	const axis = [];
	for (const { v, text } of ticks) {
		axis.push(
			svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v) }),
			svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'y-tick' }, text),
		);
	}
	const shown = placeLabels(
		points.map((p, i) => x(i)),
		left,
		width - right,
		72,
	);
	points.forEach((p, i) => {
		if (shown.has(i))
			axis.push(
				svg(
					'text',
					{
						x: shown.get(i),
						y: height - 8,
						'text-anchor': 'middle',
						class: 'x-tick',
					},
					p.label,
				),
			);
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
		// the area under each unbroken run of points (a day without data breaks the line)
		let run = [];
		const area = (r) => {
			if (r.length > 1) {
				const edge = r
					.map((i) => `L${x(i).toFixed(1)},${y(points[i].value).toFixed(1)}`)
					.join(' ');
				body.push(
					svg('path', {
						class: 'area',
						d: `M${x(r[0]).toFixed(1)},${y(yMin)} ${edge} L${x(r[r.length - 1]).toFixed(1)},${y(yMin)} Z`,
					}),
				);
			}
		};
		points.forEach((p, i) => {
			if (p.value === null || p.value === undefined) {
				area(run);
				run = [];
			} else run.push(i);
		});
		area(run);
		body.push(svg('path', { class: 'line', d }));
	}
	if (second) {
		const d2 = path(second);
		if (d2) body.push(svg('path', { class: 'line-2', d: d2 }));
	}
	points.forEach((p, i) => {
		if (p.value === null || p.value === undefined) return;
		body.push(
			svg(
				'circle',
				{ cx: x(i), cy: y(p.value), r: 3, class: 'dot' },
				svg('title', {}, p.title || `${p.label}: ${format(p.value)}`),
			),
		);
	});
	return svg(
		'svg',
		{
			class: 'chart',
			width,
			height,
			viewBox: `0 0 ${width} ${height}`,
			role: 'img',
			'aria-label': label || 'Line chart',
		},
		svg('g', { class: 'axis' }, axis),
		body,
	);
}

export function legend(items) {
	return h(
		'div',
		{ class: 'chart-legend' },
		items.map(([cls, text]) =>
			h('span', {}, h('span', { class: ['swatch', cls], 'aria-hidden': 'true' }), text),
		),
	);
}
