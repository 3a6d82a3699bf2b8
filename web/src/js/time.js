// time.js — wall-clock time in named time zones with Intl only: the event
// dialog edits local date and time in the event's zone, the API wants
// RFC 3339 with that zone's offset at that instant.

export function browserZone() {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	} catch (e) {
		return 'UTC';
	}
}

let zoneList = null;
export function zones() {
	if (zoneList)
		return zoneList;
	let list = [];
	try {
		list = Intl.supportedValuesOf('timeZone');
	} catch (e) {
		list = [];
	}
	if (!list.includes('UTC'))
		list = ['UTC'].concat(list);
	zoneList = list;
	return list;
}

export function isValidZone(tz) {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: tz });
		return true;
	} catch (e) {
		return false;
	}
}

const fmtCache = new Map();
function partsFormatter(tz) {
	let f = fmtCache.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
			hour: '2-digit', minute: '2-digit', second: '2-digit',
		});
		fmtCache.set(tz, f);
	}
	return f;
}

// {y, mo, d, h, mi, s} of the instant in zone tz.
export function partsIn(date, tz) {
	const out = {};
	for (const p of partsFormatter(tz).formatToParts(date))
		if (p.type !== 'literal')
			out[p.type] = Number(p.value);
	return { y: out.year, mo: out.month, d: out.day, h: out.hour % 24, mi: out.minute, s: out.second };
}

// Minutes east of UTC of zone tz at the instant.
export function offsetMinutes(date, tz) {
	const p = partsIn(date, tz);
	const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
	return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

// The instant at which the wall clock in tz shows the given time. In a gap
// (spring forward) it lands after the gap; in an overlap (fall back), on the
// earlier of the two, as most calendars do.
export function zonedToInstant(y, mo, d, h, mi, tz) {
	const guess = Date.UTC(y, mo - 1, d, h, mi, 0);
	const off1 = offsetMinutes(new Date(guess), tz);
	let t = guess - off1 * 60000;
	const off2 = offsetMinutes(new Date(t), tz);
	if (off2 !== off1)
		t = guess - off2 * 60000;
	// Overlap: prefer the earlier instant when it shows the same wall time.
	const earlier = t - 3600000;
	const pe = partsIn(new Date(earlier), tz);
	if (pe.y === y && pe.mo === mo && pe.d === d && pe.h === h && pe.mi === mi)
		t = earlier;
	return new Date(t);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function formatOffset(min) {
	const sign = min < 0 ? '-' : '+';
	const a = Math.abs(min);
	return sign + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
}

// "2026-03-05T09:00:00+07:00": the instant as wall time in tz.
export function toRfc3339(date, tz) {
	const p = partsIn(date, tz);
	return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + 'T' + pad(p.h) + ':' + pad(p.mi) + ':' + pad(p.s) +
		formatOffset(offsetMinutes(date, tz));
}

// "2026-03-05T09:00:00Z" (no fraction: strict RFC 3339 parsers take it).
export function toUtcString(date) {
	return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

// Value of an <input type="datetime-local"> for the instant in tz.
export function toLocalInput(date, tz) {
	const p = partsIn(date, tz);
	return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + 'T' + pad(p.h) + ':' + pad(p.mi);
}

export function parseLocalInput(value, tz) {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || '');
	if (!m)
		return null;
	return zonedToInstant(+m[1], +m[2], +m[3], +m[4], +m[5], tz);
}

// "YYYY-MM-DD" of the instant in tz.
export function dateIn(date, tz) {
	const p = partsIn(date, tz);
	return p.y + '-' + pad(p.mo) + '-' + pad(p.d);
}

export function isDateOnly(s) {
	return /^\d{4}-\d{2}-\d{2}$/.test(s || '');
}

export function addDays(dateStr, n) {
	const [y, m, d] = dateStr.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d + n));
	return t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate());
}

export function daysBetween(a, b) {
	const pa = a.split('-').map(Number);
	const pb = b.split('-').map(Number);
	return Math.round((Date.UTC(pb[0], pb[1] - 1, pb[2]) - Date.UTC(pa[0], pa[1] - 1, pa[2])) / 86400000);
}

// Moves a wall-clock time in tz by whole days and milliseconds of wall time
// (what dragging an event by a day keeps: 09:00 stays 09:00 across DST).
export function shiftWall(date, tz, days, ms) {
	const p = partsIn(date, tz);
	const wall = new Date(Date.UTC(p.y, p.mo - 1, p.d + days, p.h, p.mi, p.s) + ms);
	return zonedToInstant(wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(),
		wall.getUTCHours(), wall.getUTCMinutes(), tz);
}

// iCalendar local form "20260312T090000" of the instant in tz.
export function icalLocal(date, tz) {
	const p = partsIn(date, tz);
	return '' + p.y + pad(p.mo) + pad(p.d) + 'T' + pad(p.h) + pad(p.mi) + pad(p.s);
}

export function formatDateTime(date, tz, opts) {
	try {
		return new Intl.DateTimeFormat(undefined, Object.assign({
			timeZone: tz, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
		}, opts || {})).format(date);
	} catch (e) {
		return date.toISOString();
	}
}

export function formatDate(dateStr) {
	const [y, m, d] = dateStr.split('-').map(Number);
	return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' })
		.format(new Date(Date.UTC(y, m - 1, d)));
}

// "30 minutes", "1 hour", "2 days", "1 week" for a reminder's minutes.
export function describeMinutes(min) {
	const units = [[10080, 'week'], [1440, 'day'], [60, 'hour'], [1, 'minute']];
	if (min === 0)
		return 'at the start';
	for (const [n, name] of units)
		if (min % n === 0) {
			const v = min / n;
			return v + ' ' + name + (v === 1 ? '' : 's');
		}
	return min + ' minutes';
}
