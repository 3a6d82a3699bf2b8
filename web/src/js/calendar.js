// calendar.js — the main screen: month, week, day and agenda views drawn by
// FullCalendar in the user's time zone, events loaded window by window from
// the API and colored by their calendar, drag to move and resize, and beside
// it the calendar list (show/hide) and the reminders panel.

import * as api from './api.js';
import { h, toast, choose, setTitle } from './ui.js';
import { openEventDialog, excludeOccurrence } from './event-dialog.js';
import { reminderPanel } from './reminders-panel.js';
import { toRfc3339, toUtcString, partsIn, zonedToInstant, addDays, daysBetween } from './time.js';
import { WEEKDAYS } from './rrule.js';
import { patchCalendarA11y } from './a11y.js';
import { createCalendarStore, calendarList, validColor, contrastOf } from './calendars.js';

const VIEWS = [
	['dayGridMonth', 'Month', 'm'],
	['timeGridWeek', 'Week', 'w'],
	['timeGridDay', 'Day', 'd'],
	['agenda', 'Agenda', 'a'],
];
const VIEW_KEY = 'aurora.view';
const PAGE_LIMIT = 500;
const MAX_PAGES = 20;
const PHONE = '(max-width: 640px)';

function isRecurring(item) {
	if (Array.isArray(item.recurrence))
		return item.recurrence.some((l) => /^(RRULE|RDATE)/i.test(l));
	return !!item.occurrence_start && item.occurrence_start !== item.start;
}

function toFcEvent(item, store) {
	const occ = item.occurrence_start || item.start;
	const recurring = isRecurring(item);
	const cal = store.byId(item.calendar_id || store.defaultId());
	const color = cal ? validColor(cal.color) : null;
	const ev = {
		id: item.id + '@' + occ,
		title: item.title,
		start: item.start,
		end: item.end,
		allDay: !!item.all_day,
		classNames: recurring ? ['aurora-recurring'] : [],
		extendedProps: { eventId: item.id, occurrenceStart: occ, recurring, location: item.location || '',
			calendarId: item.calendar_id || '' },
	};
	// Only when known: FullCalendar would take an undefined color as the
	// string "undefined" and draw the event with no background.
	if (color) {
		ev.color = color;
		ev.contrastColor = contrastOf(color);
	}
	// A subscribed calendar's events change only with their feed.
	if (cal && cal.read_only) {
		ev.editable = false;
		ev.classNames.push('aurora-read-only');
	}
	return ev;
}

// The events of [from, to) in the calendars shown: all of them when none is
// hidden, else only the shown ones' (asked by calendar_id, and checked here
// too, so that a hidden calendar's event never shows).
async function fetchWindow(from, to, store) {
	const out = [];
	const ids = store.visibleIds();
	if (ids && !ids.length)
		return out;
	const only = ids ? new Set(ids) : null;
	const calQuery = ids ? ids.map((id) => '&calendar_id=' + encodeURIComponent(id)).join('') : '';
	let cursor = null;
	for (let page = 0; page < MAX_PAGES; page++) {
		let q = '?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to) + '&limit=' + PAGE_LIMIT + calQuery;
		if (cursor)
			q += '&cursor=' + encodeURIComponent(cursor);
		const res = await api.request('GET', '/api/v1/events' + q);
		for (const item of (res && res.items) || []) {
			if (!only || only.has(item.calendar_id || store.defaultId()))
				out.push(toFcEvent(item, store));
		}
		cursor = res && res.next_cursor;
		if (!cursor)
			break;
	}
	return out;
}

// Wall-clock milliseconds of an instant in tz (for moves that keep 09:00 at
// 09:00 across a daylight-saving change).
function wallMs(date, tz) {
	const p = partsIn(date, tz);
	return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
}

function fromWall(ms, tz) {
	const w = new Date(ms);
	return zonedToInstant(w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(),
		w.getUTCMinutes(), tz);
}

// Shifts BYDAY of a weekly rule by whole days, so that moving every
// Thursday meeting to Friday moves the rule too.
function shiftByday(lines, days) {
	const n = ((days % 7) + 7) % 7;
	if (!n)
		return lines;
	const codes = WEEKDAYS.map((w) => w[0]);
	return lines.map((l) => {
		if (!/^RRULE:/i.test(l) || !/FREQ=WEEKLY/i.test(l))
			return l;
		return l.replace(/BYDAY=([A-Z,]+)/i, (m, list) => 'BYDAY=' +
			list.split(',').map((c) => codes.includes(c) ? codes[(codes.indexOf(c) + n) % 7] : c).join(','));
	});
}

// The occurrence's new start and end as API values for the event's zone.
function newTimes(fcEvent, tz) {
	if (fcEvent.allDay) {
		const s = fcEvent.startStr.slice(0, 10);
		const e = fcEvent.endStr ? fcEvent.endStr.slice(0, 10) : addDays(s, 1);
		return { start: s, end: e, all_day: true };
	}
	const s = fcEvent.start;
	const e = fcEvent.end || new Date(s.getTime() + 3600000);
	return { start: toRfc3339(s, tz), end: toRfc3339(e, tz), all_day: false };
}

export function renderCalendar(root, ctx) {
	setTitle('Calendar');
	const me = ctx.me;
	const tz = me.time_zone || 'UTC';

	// ---- header
	const titleEl = h('h2', { class: 'range-title', id: 'range-title', 'aria-live': 'polite' });
	const todayBtn = h('button', { type: 'button', class: 'secondary', text: 'Today', 'aria-keyshortcuts': 't' });
	const prevBtn = h('button', { type: 'button', class: 'icon-button nav', 'aria-label': 'Previous', 'aria-keyshortcuts': 'k' },
		h('span', { class: 'chevron chevron-left', 'aria-hidden': 'true' }));
	const nextBtn = h('button', { type: 'button', class: 'icon-button nav', 'aria-label': 'Next', 'aria-keyshortcuts': 'j' },
		h('span', { class: 'chevron chevron-right', 'aria-hidden': 'true' }));
	const viewBtns = VIEWS.map(([view, label, key]) => h('button', { type: 'button', class: 'seg', text: label,
		'aria-pressed': 'false', 'aria-keyshortcuts': key, dataset: { view } }));
	const newBtn = h('button', { type: 'button', class: 'primary new-event', 'aria-keyshortcuts': 'c' },
		h('span', { class: 'plus', 'aria-hidden': 'true', text: '+' }), 'New event');
	const who = me.name || me.email || '';
	const header = h('header', { class: 'topbar' },
		h('h1', { class: 'visually-hidden', text: 'Calendar' }),
		h('div', { class: 'topbar-row' },
			h('p', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'Aurora Time' })),
			newBtn,
			h('nav', { class: 'account', 'aria-label': 'Account' },
				h('span', { class: 'who', text: who }),
				h('a', { href: '#/settings', class: 'button-link secondary', text: 'Settings' }),
				h('button', { type: 'button', class: 'secondary', text: 'Sign out', onclick: () => ctx.signOut() }))),
		h('div', { class: 'topbar-row toolbar', role: 'toolbar', 'aria-label': 'Calendar navigation' },
			todayBtn, prevBtn, nextBtn, titleEl,
			h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, viewBtns)));

	const calEl = h('div', { class: 'calendar', id: 'calendar' });
	const tzNote = h('p', { class: 'tz-note' }, 'Times shown in ', h('a', { href: '#/settings', text: tz.replace(/_/g, ' ') }));
	const main = h('main', { id: 'main', class: 'cal-main', tabindex: '-1', 'aria-labelledby': 'range-title' }, calEl, tzNote);
	const panel = reminderPanel({ me, openEvent: (id, occ) => openEdit(id, occ) });
	const calendars = createCalendarStore(me);
	const calList = calendarList(calendars);
	root.append(header, h('div', { class: 'layout' }, main, h('div', { class: 'side' }, calList, panel)));

	if (typeof window.FullCalendar === 'undefined') {
		calList.stop();
		calEl.append(h('p', { class: 'form-alert', role: 'alert', text: 'The calendar could not be loaded. Reload the page to try again.' }));
		return () => {};
	}
	// Events wait for the calendars (their colors, which are hidden); events
	// still show, in the default color, when the list cannot be had.
	const calendarsReady = calendars.load().catch((e) => {
		if (e.status !== 401)
			calList.showError('Calendars could not be loaded: ' + e.message);
	});

	const phone = window.matchMedia(PHONE).matches;
	let initialView = localStorage.getItem(VIEW_KEY);
	if (!VIEWS.some((v) => v[0] === initialView))
		initialView = phone ? 'timeGridDay' : 'timeGridWeek';

	const refresh = () => {
		calendar.refetchEvents();
		panel.refresh();
	};
	const dialogCtx = { me, refresh, calendars };

	function openEdit(id, occ) {
		return openEventDialog(dialogCtx, { id, occurrenceStart: occ });
	}

	// aria-busy on the calendar: events loading, or a drag or resize being
	// saved (from the drop until the calendar has reloaded after it).
	let loadingEvents = false;
	let saving = 0;
	function showBusy() {
		calEl.setAttribute('aria-busy', loadingEvents || saving > 0 ? 'true' : 'false');
	}

	async function onChange(info, kind) {
		saving++;
		showBusy();
		try {
			await saveChange(info, kind);
		} finally {
			saving--;
			showBusy();
		}
	}

	async function saveChange(info, kind) {
		const ev = info.event;
		const props = ev.extendedProps;
		let full;
		try {
			full = await api.request('GET', '/api/v1/events/' + encodeURIComponent(props.eventId));
		} catch (e) {
			info.revert();
			toast(e.message, 'error');
			return;
		}
		const etz = full.time_zone || tz;
		let which = 'all';
		if (props.recurring) {
			which = await choose(kind === 'move' ? 'Move repeating event' : 'Change repeating event', null, [
				{ label: 'Cancel', value: null },
				{ label: 'This event', value: 'one' },
				{ label: 'All events', value: 'all', kind: 'primary' },
			]);
			if (!which) {
				info.revert();
				return;
			}
		}
		const times = newTimes(ev, etz);
		const ifMatch = { headers: { 'If-Match': '"' + full.version + '"' } };
		try {
			if (!props.recurring) {
				await api.request('PATCH', '/api/v1/events/' + encodeURIComponent(full.id), times, ifMatch);
			} else if (which === 'one') {
				// The occurrence leaves the series and becomes an event of its own:
				// the copy first, so that a failure can never lose the occurrence
				// (if the series cannot be changed, the copy is taken back).
				const copy = {
					title: full.title, description: full.description || '', location: full.location || '',
					time_zone: etz, reminders: full.reminders || [],
				};
				if (full.calendar_id)
					copy.calendar_id = full.calendar_id;
				const made = await api.request('POST', '/api/v1/events', Object.assign(copy, times));
				try {
					await excludeOccurrence(full, props.occurrenceStart);
				} catch (e) {
					if (made && made.id)
						await api.request('DELETE', '/api/v1/events/' + encodeURIComponent(made.id)).catch(() => {});
					throw e;
				}
			} else {
				if (times.all_day !== !!full.all_day) {
					info.revert();
					toast('A whole series cannot switch between all-day and timed by dragging. Open the event to change it.', 'error');
					return;
				}
				const old = info.oldEvent;
				let body;
				if (times.all_day) {
					const ds = daysBetween(old.startStr.slice(0, 10), times.start);
					const oldLen = daysBetween(old.startStr.slice(0, 10), old.endStr ? old.endStr.slice(0, 10) : addDays(old.startStr.slice(0, 10), 1));
					const newLen = daysBetween(times.start, times.end);
					const s = addDays(full.start.slice(0, 10), ds);
					body = { start: s, end: addDays(addDays(full.end.slice(0, 10), ds), newLen - oldLen) };
					if (ds)
						body.recurrence = shiftByday(full.recurrence || [], ds);
				} else {
					const dStart = wallMs(ev.start, etz) - wallMs(old.start, etz);
					const oldEnd = old.end || new Date(old.start.getTime() + 3600000);
					const newEnd = ev.end || new Date(ev.start.getTime() + 3600000);
					const dEnd = wallMs(newEnd, etz) - wallMs(oldEnd, etz);
					const s = fromWall(wallMs(new Date(full.start), etz) + dStart, etz);
					const e = fromWall(wallMs(new Date(full.end), etz) + dEnd, etz);
					body = { start: toRfc3339(s, etz), end: toRfc3339(e, etz) };
					const ws = wallMs(new Date(full.start), etz);
					const dayShift = Math.floor((ws + dStart) / 86400000) - Math.floor(ws / 86400000);
					if (dayShift)
						body.recurrence = shiftByday(full.recurrence || [], dayShift);
				}
				await api.request('PATCH', '/api/v1/events/' + encodeURIComponent(full.id), body, ifMatch);
			}
		} catch (e) {
			info.revert();
			toast(e.status === 412 ? 'This event was changed somewhere else meanwhile; it has been reloaded.' : e.message, 'error');
			refresh();
			return;
		}
		toast(kind === 'move' ? 'Event moved.' : 'Event changed.');
		refresh();
	}

	const FC = window.FullCalendar;
	const calendar = new FC.Calendar(calEl, {
		headerToolbar: false,
		initialView,
		timeZone: tz,
		height: '100%',
		editable: true,
		selectable: true,
		selectMirror: true,
		nowIndicator: true,
		dayMaxEvents: true,
		navLinks: false,
		firstDay: Number(me.first_day) || 0,
		scrollTime: '07:30:00',
		views: {
			agenda: { type: 'list', duration: { days: 30 } },
		},
		events: (info, ok, fail) => {
			calendarsReady.then(() => fetchWindow(toUtcString(info.start), toUtcString(info.end), calendars)).then(ok, (e) => {
				// A 401 means the session ended: the sign-in screen says so.
				if (e.status !== 401)
					toast('Events could not be loaded: ' + e.message, 'error');
				fail(e);
			});
		},
		loading: (on) => {
			loadingEvents = on;
			showBusy();
		},
		datesSet: (info) => {
			titleEl.textContent = info.view.title;
			viewBtns.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === info.view.type)));
			localStorage.setItem(VIEW_KEY, info.view.type);
		},
		eventClick: (info) => {
			info.jsEvent.preventDefault();
			openEdit(info.event.extendedProps.eventId, info.event.extendedProps.occurrenceStart);
		},
		eventDidMount: (info) => {
			info.el.dataset.eventId = info.event.extendedProps.eventId;
			if (info.event.extendedProps.calendarId)
				info.el.dataset.calendarId = info.event.extendedProps.calendarId;
			if (info.event.extendedProps.recurring)
				info.el.dataset.recurring = 'true';
		},
		select: (info) => {
			calendar.unselect();
			openEventDialog(dialogCtx, { start: info.start, end: info.end, allDay: info.allDay,
				startStr: info.startStr, endStr: info.endStr });
		},
		eventDrop: (info) => onChange(info, 'move'),
		eventResize: (info) => onChange(info, 'resize'),
	});
	calendar.render();
	const unpatch = patchCalendarA11y(calEl);
	const unlisten = calendars.onChange((kind) => {
		if (kind === 'hidden')
			calendar.refetchEvents();
	});
	window.auroraCalendar = calendar;   // for people poking in the console, and the e2e tests

	todayBtn.addEventListener('click', () => calendar.today());
	prevBtn.addEventListener('click', () => calendar.prev());
	nextBtn.addEventListener('click', () => calendar.next());
	viewBtns.forEach((b) => b.addEventListener('click', () => calendar.changeView(b.dataset.view)));
	newBtn.addEventListener('click', () => {
		const d = calendar.getDate();
		const now = new Date();
		// New events start at the next half hour of the day in view.
		let start = new Date(Math.ceil(now.getTime() / 1800000) * 1800000);
		const view = calendar.view;
		if (now < view.currentStart || now >= view.currentEnd) {
			const p = partsIn(d, tz);
			start = zonedToInstant(p.y, p.mo, p.d, 9, 0, tz);
		}
		openEventDialog(dialogCtx, { start, end: new Date(start.getTime() + 3600000), allDay: false });
	});

	// Keyboard shortcuts, as in other calendars; never while typing or in a dialog.
	function onKey(e) {
		if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]'))
			return;
		const t = e.target;
		if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))
			return;
		const k = e.key.toLowerCase();
		const view = VIEWS.find((v) => v[2] === k);
		if (view)
			calendar.changeView(view[0]);
		else if (k === 't')
			calendar.today();
		else if (k === 'j' || k === 'n')
			calendar.next();
		else if (k === 'k' || k === 'p')
			calendar.prev();
		else if (k === 'c')
			newBtn.click();
		else
			return;
		e.preventDefault();
	}
	document.addEventListener('keydown', onKey);

	panel.start();

	// A reminder mail links to #/events/<id>.
	if (ctx.openEventId)
		openEdit(ctx.openEventId, null);

	return () => {
		document.removeEventListener('keydown', onKey);
		unlisten();
		calList.stop();
		unpatch();
		panel.stop();
		calendar.destroy();
		if (window.auroraCalendar === calendar)
			delete window.auroraCalendar;
	};
}
