// gantt.js — jobs of one attempt as horizontal bars on a time axis, grouped by stage.
// Sized to its container in pixels (no scaling), so text stays readable on a phone.
import { svg } from '../dom.js';
import { parseTime, duration, absolute } from '../format.js';
import { runTone, stageLabel } from '../ui.js';

export function gantt(stages, { width = 900, now = Date.now() } = {}) {
	const rows = [];
	const startOf = (j) => Date.parse(j.started_at || j.queued_at || '') || Infinity;
	for (const s of stages) {
		rows.push({ stage: s.stage });
		for (const j of s.jobs
			.slice()
			.sort((a, b) => startOf(a) - startOf(b) || a.name.localeCompare(b.name)))
			rows.push({ job: j });
	}
	const jobs = rows.filter((r) => r.job).map((r) => r.job);
	const t0 = Math.min(
		...jobs.map((j) => parseTime(j.queued_at) ?? parseTime(j.started_at) ?? Infinity),
	);
	const t1 = Math.max(
		...jobs.map(
			(j) =>
				parseTime(j.completed_at) ??
				(j.started_at ? now : parseTime(j.queued_at)) ??
				-Infinity,
		),
	);
	if (!Number.isFinite(t0) || !Number.isFinite(t1) || t1 <= t0) return null;

	const narrow = width < 560;
	const labelW = narrow ? 118 : 200;
	const right = narrow ? 46 : 64;
	const rowH = 24,
		stageH = 22,
		axisH = 24;
	const plotW = Math.max(80, width - labelW - right);
	const x = (t) => labelW + ((t - t0) / (t1 - t0)) * plotW;
	let y = axisH;
	const body = [];
	let alt = false;
	for (const r of rows) {
		if (r.stage) {
			body.push(svg('text', { x: 4, y: y + 15, class: 'stage-label' }, stageLabel(r.stage)));
			y += stageH;
			continue;
		}
		const j = r.job;
		alt = !alt;
		body.push(
			svg('rect', {
				x: 0,
				y,
				width,
				height: rowH,
				class: ['row-bg', alt && 'alt'],
			}),
		);
		const name =
			j.name.length > (narrow ? 16 : 28) ? j.name.slice(0, narrow ? 15 : 27) + '…' : j.name;
		body.push(svg('text', { x: 12, y: y + 16 }, svg('title', {}, j.name), name));
		const q = parseTime(j.queued_at),
			s = parseTime(j.started_at),
			c = parseTime(j.completed_at);
		const start = s ?? q;
		const end = c ?? (s ? now : null);
		if (q !== null && s !== null && s > q) {
			body.push(
				svg(
					'rect',
					{
						x: x(q),
						y: y + 9,
						width: Math.max(1, x(s) - x(q)),
						height: 6,
						rx: 2,
						class: 'bar-queue',
					},
					svg('title', {}, `${j.name}: waited ${duration((s - q) / 1000)} for a runner`),
				),
			);
		}
		if (start !== null && end !== null) {
			const tone = runTone(j.status, j.conclusion);
			const w = Math.max(3, x(end) - x(start));
			body.push(
				svg(
					'rect',
					{
						x: x(start),
						y: y + 5,
						width: w,
						height: 14,
						rx: 3,
						class: `bar-${tone}`,
					},
					svg(
						'title',
						{},
						`${j.name}: ${j.status === 'completed' ? j.conclusion : j.status}, ${duration((end - start) / 1000)} (${absolute(j.started_at)})`,
					),
				),
			);
			body.push(
				svg(
					'text',
					{
						x: Math.min(x(start) + w + 6, width - right + 4),
						y: y + 16,
						class: 'dur',
					},
					duration((end - start) / 1000),
				),
			);
		}
		y += rowH;
	}
	// axis: 4-6 ticks of elapsed time
	const total = (t1 - t0) / 1000;
	const steps = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
	const step = steps.find((s) => total / s <= (narrow ? 4 : 7)) || 7200;
	const axis = [];
	for (let t = 0; t <= total; t += step) {
		const px = x(t0 + t * 1000);
		axis.push(
			svg('line', { x1: px, x2: px, y1: axisH - 4, y2: y }),
			svg(
				'text',
				{ x: px, y: 14, 'text-anchor': t === 0 ? 'start' : 'middle' },
				t === 0 ? '0' : duration(t),
			),
		);
	}
	return svg(
		'svg',
		{
			class: 'gantt',
			width,
			height: y + 6,
			viewBox: `0 0 ${width} ${y + 6}`,
			role: 'img',
			'aria-label': `Timeline of ${jobs.length} jobs over ${duration(total)}`,
		},
		svg('g', { class: 'axis' }, axis),
		body,
	);
}
