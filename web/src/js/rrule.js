// rrule.js — the repeat choices of the event dialog to and from RFC 5545
// lines. Rules the dialog cannot show (BYSETPOS, several BYMONTHDAYs, ...)
// are kept as they are and shown as a custom rule.

import { dateIn, partsIn, zonedToInstant } from './time.js';

export const WEEKDAYS = [
	['MO', 'Monday', 'Mon'], ['TU', 'Tuesday', 'Tue'], ['WE', 'Wednesday', 'Wed'],
	['TH', 'Thursday', 'Thu'], ['FR', 'Friday', 'Fri'], ['SA', 'Saturday', 'Sat'], ['SU', 'Sunday', 'Sun'],
];
const JS_DAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

export function weekdayOf(dateStr) {
	const [y, m, d] = dateStr.split('-').map(Number);
	return JS_DAY[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

export function emptyRepeat() {
	return { freq: 'none', interval: 1, byday: [], ends: 'never', until: '', count: 10, raw: null };
}

// parse(["RRULE:...", "EXDATE...", ...], tz) -> {repeat, others}: the dialog's
// model of the first RRULE, and the other lines (kept unchanged).
export function parse(lines, tz) {
	const repeat = emptyRepeat();
	const others = [];
	let seen = false;
	for (const line of lines || []) {
		if (!seen && /^RRULE:/i.test(line)) {
			seen = true;
			Object.assign(repeat, parseRule(line.slice(6), tz, line));
		} else {
			others.push(line);
		}
	}
	return { repeat, others };
}

function parseRule(body, tz, line) {
	const parts = {};
	for (const kv of body.split(';')) {
		const i = kv.indexOf('=');
		if (i > 0)
			parts[kv.slice(0, i).toUpperCase()] = kv.slice(i + 1);
	}
	const custom = { freq: 'custom', raw: line };
	const known = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'UNTIL', 'COUNT', 'WKST']);
	if (Object.keys(parts).some((k) => !known.has(k)))
		return custom;
	const freq = parts.FREQ;
	if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq))
		return custom;
	const out = { freq, interval: 1, byday: [], ends: 'never', until: '', count: 10, raw: null };
	if (parts.INTERVAL) {
		const n = Number(parts.INTERVAL);
		if (!Number.isInteger(n) || n < 1 || n > 999)
			return custom;
		out.interval = n;
	}
	if (parts.BYDAY) {
		if (freq !== 'WEEKLY')
			return custom;
		const days = parts.BYDAY.split(',');
		if (!days.every((d) => JS_DAY.includes(d)))
			return custom;
		out.byday = days;
	}
	if (parts.COUNT && parts.UNTIL)
		return custom;
	if (parts.COUNT) {
		const n = Number(parts.COUNT);
		if (!Number.isInteger(n) || n < 1)
			return custom;
		out.ends = 'count';
		out.count = n;
	} else if (parts.UNTIL) {
		const u = parts.UNTIL;
		let m;
		if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(u))) {
			out.until = m[1] + '-' + m[2] + '-' + m[3];
		} else if ((m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(u))) {
			out.until = dateIn(new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])), tz);
		} else if ((m = /^(\d{4})(\d{2})(\d{2})T\d{6}$/.exec(u))) {
			out.until = m[1] + '-' + m[2] + '-' + m[3];
		} else {
			return custom;
		}
		out.ends = 'until';
	}
	return out;
}

const pad = (n) => String(n).padStart(2, '0');

// The RRULE line for the dialog's choices, or null for "does not repeat".
// UNTIL is a date for all-day events and, for timed ones, the end of that day
// in the event's zone written in UTC (RFC 5545 3.3.10 with a TZID'd DTSTART).
export function build(repeat, allDay, tz) {
	if (!repeat || repeat.freq === 'none')
		return null;
	if (repeat.freq === 'custom')
		return repeat.raw;
	const parts = ['FREQ=' + repeat.freq];
	if (repeat.interval && repeat.interval > 1)
		parts.push('INTERVAL=' + repeat.interval);
	if (repeat.freq === 'WEEKLY' && repeat.byday.length)
		parts.push('BYDAY=' + WEEKDAYS.map((w) => w[0]).filter((d) => repeat.byday.includes(d)).join(','));
	if (repeat.ends === 'count')
		parts.push('COUNT=' + repeat.count);
	else if (repeat.ends === 'until' && repeat.until) {
		const [y, m, d] = repeat.until.split('-').map(Number);
		if (allDay) {
			parts.push('UNTIL=' + y + pad(m) + pad(d));
		} else {
			const t = zonedToInstant(y, m, d, 23, 59, tz);
			const u = partsIn(t, 'UTC');
			parts.push('UNTIL=' + u.y + pad(u.mo) + pad(u.d) + 'T' + pad(u.h) + pad(u.mi) + '59Z');
		}
	}
	return 'RRULE:' + parts.join(';');
}

// "Weekly on Monday, Thursday, 10 times" — for the event details.
export function describe(repeat) {
	if (!repeat || repeat.freq === 'none')
		return 'Does not repeat';
	if (repeat.freq === 'custom')
		return 'Custom rule: ' + repeat.raw.replace(/^RRULE:/, '');
	const unit = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' }[repeat.freq];
	let s = repeat.interval > 1 ? 'Every ' + repeat.interval + ' ' + unit + 's' :
		{ DAILY: 'Daily', WEEKLY: 'Weekly', MONTHLY: 'Monthly', YEARLY: 'Yearly' }[repeat.freq];
	if (repeat.freq === 'WEEKLY' && repeat.byday.length)
		s += ' on ' + WEEKDAYS.filter((w) => repeat.byday.includes(w[0])).map((w) => w[1]).join(', ');
	if (repeat.ends === 'count')
		s += ', ' + repeat.count + (repeat.count === 1 ? ' time' : ' times');
	else if (repeat.ends === 'until' && repeat.until)
		s += ', until ' + repeat.until;
	return s;
}
