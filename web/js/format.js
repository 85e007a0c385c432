// format.js — times, durations, SHAs, sizes.
const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const abs = new Intl.DateTimeFormat('en-GB', {
	year: 'numeric',
	month: 'short',
	day: 'numeric',
	hour: '2-digit',
	minute: '2-digit',
	timeZoneName: 'short',
});
const dayFmt = new Intl.DateTimeFormat('en-GB', {
	weekday: 'short',
	day: 'numeric',
	month: 'short',
});
const longDay = new Intl.DateTimeFormat('en-GB', {
	weekday: 'long',
	day: 'numeric',
	month: 'long',
	year: 'numeric',
});

export function parseTime(t) {
	if (!t) return null;
	const ms = typeof t === 'number' ? t : Date.parse(t);
	return Number.isFinite(ms) ? ms : null;
}

export function relative(t, now = Date.now()) {
	const ms = parseTime(t);
	if (ms === null) return '—';
	const s = (ms - now) / 1000;
	const a = Math.abs(s);
	if (a < 45) return 'just now';
	if (a < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
	if (a < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
	if (a < 26 * 86400) return rtf.format(Math.round(s / 86400), 'day');
	if (a < 320 * 86400) return rtf.format(Math.round(s / (30 * 86400)), 'month');
	return rtf.format(Math.round(s / (365 * 86400)), 'year');
}

export function absolute(t) {
	const ms = parseTime(t);
	return ms === null ? '' : abs.format(ms);
}

export function day(t) {
	const ms = parseTime(t);
	return ms === null ? '' : dayFmt.format(ms);
}

export function longDate(t) {
	const ms = parseTime(t);
	return ms === null ? '' : longDay.format(ms);
}

// 95 -> "1m 35s", 7300 -> "2h 2m", 200000 -> "2d 7h"
export function duration(seconds) {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
	const s = Math.max(0, Math.round(seconds));
	if (s < 60) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
	const hr = Math.floor(m / 60);
	if (hr < 48) return m % 60 ? `${hr}h ${m % 60}m` : `${hr}h`;
	const d = Math.floor(hr / 24);
	return hr % 24 ? `${d}d ${hr % 24}h` : `${d}d`;
}

export function between(a, b) {
	const x = parseTime(a),
		y = parseTime(b);
	if (x === null || y === null) return null;
	return (y - x) / 1000;
}

export function shortSha(sha) {
	return sha ? String(sha).slice(0, 7) : '';
}

export function bytes(n) {
	if (n === null || n === undefined) return '—';
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let v = n,
		i = 0;
	while (v >= 1000 && i < units.length - 1) {
		v /= 1000;
		i++;
	}
	return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function plural(n, one, many = one + 's') {
	return `${n} ${n === 1 ? one : many}`;
}

export function capitalise(s) {
	return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
