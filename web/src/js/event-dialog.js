// event-dialog.js — create, edit and delete an event in a modal dialog:
// title, calendar, start and end, all-day, time zone, location, description,
// repeat and up to five reminders.

import * as api from './api.js';
import { h, field, clearErrors, showError, showFieldError, busy, toast, choose, nextId } from './ui.js';
import { reminderEditor } from './reminder-editor.js';
import { swatch, validColor } from './calendars.js';
import * as rrule from './rrule.js';
import {
	zones, toLocalInput, parseLocalInput, toRfc3339, isDateOnly, addDays, dateIn, icalLocal, formatDateTime,
	formatDate,
} from './time.js';

const DEFAULT_DURATION_MS = 60 * 60 * 1000;

function zoneSelect(value) {
	const list = zones().slice();
	if (value && !list.includes(value))
		list.unshift(value);
	return h('select', {}, list.map((z) => h('option', { value: z, text: z.replace(/_/g, ' '), selected: z === value })));
}

// openEventDialog(ctx, opts): ctx = {me, refresh(), calendars (the store of
// calendars.js, optional)}; opts either {start: Date, end: Date, allDay} for
// a new event, or {id, occurrenceStart} to edit an existing one. Resolves
// when the dialog closes.
export async function openEventDialog(ctx, opts) {
	let event = null;
	if (ctx.calendars)
		await ctx.calendars.whenLoaded();
	if (opts.id) {
		try {
			event = await api.request('GET', '/api/v1/events/' + encodeURIComponent(opts.id));
		} catch (e) {
			toast(e.message, 'error');
			return;
		}
	}
	return new Promise((resolve) => build(ctx, opts, event, resolve));
}

function build(ctx, opts, event, resolve) {
	const me = ctx.me || {};
	const isNew = !event;
	const titleId = nextId('dlg');
	const tz0 = (event && event.time_zone) || me.time_zone || 'UTC';
	const parsed = rrule.parse(event ? event.recurrence : [], tz0);
	let otherLines = parsed.others;
	let version = event ? event.version : null;

	// ---- fields
	const title = field({ label: 'Title', name: 'title', required: true, value: event ? event.title : '',
		attrs: { maxlength: 200, placeholder: 'Add a title' } });
	// An event of a subscribed calendar: shown, never edited (its feed
	// is the one writer; the server refuses writes with 403).
	const ownCal = event && ctx.calendars ? ctx.calendars.byId(event.calendar_id) : null;
	const readOnly = !!(ownCal && ownCal.read_only);
	const calendar = calendarField(ctx.calendars, event);
	const allDayBox = h('input', { type: 'checkbox', id: nextId('f'), checked: event ? event.all_day : !!opts.allDay });
	allDayBox.dataset.field = 'all_day';
	const allDay = h('div', { class: 'field check' }, allDayBox, h('label', { for: allDayBox.id, text: 'All day' }));
	const start = field({ label: 'Start', name: 'start', type: 'datetime-local', required: true });
	const end = field({ label: 'End', name: 'end', type: 'datetime-local', required: true });
	const tzSel = zoneSelect(tz0);
	const tz = field({ label: 'Time zone', name: 'time_zone', control: tzSel });
	const location = field({ label: 'Location', name: 'location', value: event ? event.location : '',
		attrs: { maxlength: 500 } });
	const description = field({ label: 'Description', name: 'description',
		control: h('textarea', { rows: 4, maxlength: 10000 }) });
	description.control.value = event ? event.description || '' : '';
	// A new event starts with its calendar's default reminders (the
	// account's when the calendar has none); choosing another calendar
	// swaps them, unless they were changed here.
	const defaultsFor = (calId) => {
		const c = calId && ctx.calendars ? ctx.calendars.byId(calId) : null;
		if (c && Array.isArray(c.default_reminders))
			return c.default_reminders.map((m) => ({ method: 'email',
				minutes_before: Number(m && typeof m === 'object' ? m.minutes_before : m) }));
		return me.default_reminders || [];
	};
	let shownDefaults = event ? null : defaultsFor(calendar && calendar.control.value);
	const reminders = reminderEditor('reminders', 'Reminders', event ? event.reminders : shownDefaults);
	if (!event && calendar) {
		calendar.control.addEventListener('change', () => {
			let now;
			try {
				now = JSON.stringify(reminders.getValue().map((r) => r.minutes_before));
			} catch (e) {
				return;   // a half-typed row is an edit: left alone
			}
			if (now !== JSON.stringify(shownDefaults.map((r) => Number(r.minutes_before))))
				return;
			shownDefaults = defaultsFor(calendar.control.value);
			reminders.setValue(shownDefaults);
		});
	}

	// ---- repeat
	const repeatSel = h('select', {},
		[['none', 'Does not repeat'], ['DAILY', 'Daily'], ['WEEKLY', 'Weekly'], ['MONTHLY', 'Monthly'],
			['YEARLY', 'Yearly']].map(([v, t]) => h('option', { value: v, text: t })));
	if (parsed.repeat.freq === 'custom')
		repeatSel.append(h('option', { value: 'custom', text: rrule.describe(parsed.repeat) }));
	repeatSel.value = parsed.repeat.freq;
	const repeat = field({ label: 'Repeat', name: 'repeat', field: 'recurrence', control: repeatSel });
	const interval = field({ label: 'Every', name: 'interval', type: 'number', value: String(parsed.repeat.interval),
		field: 'recurrence[0]', attrs: { min: 1, max: 99, step: 1, inputmode: 'numeric' } });
	const intervalUnit = h('span', { class: 'unit-text' });
	interval.append(intervalUnit);
	const dayBoxes = rrule.WEEKDAYS.map(([code, name, short]) => {
		const id = nextId('f');
		const box = h('input', { type: 'checkbox', id, value: code, checked: parsed.repeat.byday.includes(code) });
		return h('span', { class: 'day-check' }, box,
			h('label', { for: id, title: name }, h('span', { 'aria-hidden': 'true', text: short.slice(0, 2) }),
				h('span', { class: 'visually-hidden', text: name })));
	});
	const days = h('fieldset', { class: 'fieldset weekdays' }, h('legend', { text: 'Repeat on' }), dayBoxes);
	const endsName = nextId('ends');
	const endsRadio = (value, label) => {
		const id = nextId('f');
		return [h('input', { type: 'radio', name: endsName, id, value, checked: parsed.repeat.ends === value }),
			h('label', { for: id, text: label })];
	};
	const untilInput = h('input', { type: 'date', value: parsed.repeat.until, 'aria-label': 'Repeat until' });
	const countInput = h('input', { type: 'number', min: 1, max: 1000, step: 1, value: String(parsed.repeat.count),
		'aria-label': 'Number of times', inputmode: 'numeric' });
	const ends = h('fieldset', { class: 'fieldset ends' }, h('legend', { text: 'Ends' }),
		h('div', { class: 'radio-row' }, endsRadio('never', 'Never')),
		h('div', { class: 'radio-row' }, endsRadio('until', 'On'), untilInput),
		h('div', { class: 'radio-row' }, endsRadio('count', 'After'), countInput, h('span', { text: 'times' })));
	const repeatDetails = h('div', { class: 'repeat-details' }, interval, days, ends);

	const seriesNote = h('p', { class: 'note', hidden: true });

	// ---- values in the inputs
	function setTimes(s, e, isAllDay, zone) {
		if (isAllDay) {
			start.control.type = 'date';
			end.control.type = 'date';
			start.control.value = s;
			end.control.value = e;
		} else {
			start.control.type = 'datetime-local';
			end.control.type = 'datetime-local';
			start.control.value = toLocalInput(s, zone);
			end.control.value = toLocalInput(e, zone);
		}
	}

	if (event) {
		if (event.all_day)
			setTimes(event.start.slice(0, 10), addDays(event.end.slice(0, 10), -1), true, tz0);
		else
			setTimes(new Date(event.start), new Date(event.end), false, tz0);
	} else if (opts.allDay) {
		const s = isDateOnly(opts.startStr) ? opts.startStr : dateIn(opts.start, tz0);
		const e = opts.endStr && isDateOnly(opts.endStr) ? addDays(opts.endStr, -1) : s;
		setTimes(s, e, true, tz0);
	} else {
		const s = opts.start || nextHalfHour();
		const e = opts.end && opts.end > s ? opts.end : new Date(s.getTime() + DEFAULT_DURATION_MS);
		setTimes(s, e, false, tz0);
	}

	function updateRepeatUi() {
		const f = repeatSel.value;
		repeatDetails.hidden = f === 'none' || f === 'custom';
		days.hidden = f !== 'WEEKLY';
		const unit = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' }[f] || '';
		intervalUnit.textContent = unit ? (Number(interval.control.value) === 1 ? unit : unit + 's') : '';
		if (f === 'WEEKLY' && !dayBoxes.some((d) => d.querySelector('input').checked)) {
			const sd = start.control.value.slice(0, 10);
			if (sd) {
				const code = rrule.weekdayOf(sd);
				dayBoxes.forEach((d) => { d.querySelector('input').checked = d.querySelector('input').value === code; });
			}
		}
		untilInput.disabled = !ends.querySelector('input[value=until]').checked;
		countInput.disabled = !ends.querySelector('input[value=count]').checked;
	}
	repeatSel.addEventListener('change', updateRepeatUi);
	interval.control.addEventListener('input', updateRepeatUi);
	ends.addEventListener('change', updateRepeatUi);
	if (!ends.querySelector('input:checked'))
		ends.querySelector('input[value=never]').checked = true;
	updateRepeatUi();

	// Keep the duration when the start moves, as calendars do.
	let lastStart = start.control.value;
	start.control.addEventListener('change', () => {
		const zone = tzSel.value;
		if (allDayBox.checked) {
			if (lastStart && end.control.value && isDateOnly(lastStart) && isDateOnly(start.control.value)) {
				const len = Math.max(0, daysDiff(lastStart, end.control.value));
				end.control.value = addDays(start.control.value, len);
			}
		} else {
			const ps = parseLocalInput(lastStart, zone);
			const pe = parseLocalInput(end.control.value, zone);
			const ns = parseLocalInput(start.control.value, zone);
			if (ps && pe && ns)
				end.control.value = toLocalInput(new Date(ns.getTime() + (pe - ps)), zone);
		}
		lastStart = start.control.value;
	});

	allDayBox.addEventListener('change', () => {
		const zone = tzSel.value;
		if (allDayBox.checked) {
			const s = start.control.value.slice(0, 10);
			const e = end.control.value.slice(0, 10) || s;
			setTimes(s, e < s ? s : e, true, zone);
		} else {
			const s = start.control.value || dateIn(new Date(), zone);
			const sd = parseLocalInput(s + 'T09:00', zone);
			setTimes(sd, new Date(sd.getTime() + DEFAULT_DURATION_MS), false, zone);
		}
		tz.hidden = allDayBox.checked;
		lastStart = start.control.value;
	});
	tz.hidden = allDayBox.checked;

	if (event && (event.recurrence || []).some((l) => /^(RRULE|RDATE)/i.test(l))) {
		seriesNote.hidden = false;
		seriesNote.textContent = 'This event repeats. Your changes apply to every event in the series, which starts on ' +
			(event.all_day ? formatDate(event.start.slice(0, 10)) : formatDateTime(new Date(event.start), tz0)) + '.';
	}

	// ---- the dialog
	const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
	const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
	const del = isNew || readOnly ? null : h('button', { type: 'button', class: 'danger', text: 'Delete' });
	const readOnlyNote = readOnly ? h('p', { class: 'note read-only-note', role: 'note',
		text: 'This event comes from your subscription “' + ownCal.name + '”. It changes only when that calendar does, so it cannot be edited here.' }) : null;
	const form = h('form', { class: 'event-form', novalidate: true },
		h('div', { class: 'dialog-head' },
			h('h2', { id: titleId, text: isNew ? 'New event' : readOnly ? 'Event' : 'Edit event' }),
			h('button', { type: 'button', class: 'icon-button close', 'aria-label': 'Close', text: '×',
				onclick: () => dlg.close() })),
		h('div', { class: 'dialog-body' },
			readOnlyNote,
			seriesNote,
			title,
			calendar,
			h('div', { class: 'row when' }, start, end),
			h('div', { class: 'row' }, allDay, tz),
			h('div', { class: 'row' }, repeat),
			repeatDetails,
			location,
			description,
			reminders),
		h('div', { class: 'actions' }, del, h('span', { class: 'spacer' }), cancel, save));
	const dlg = h('dialog', { class: 'dialog event-dialog', 'aria-labelledby': titleId }, form);

	cancel.addEventListener('click', () => dlg.close());
	dlg.addEventListener('close', () => {
		dlg.remove();
		resolve();
	});
	if (readOnly) {
		save.remove();
		cancel.textContent = 'Close';
		for (const el of form.querySelectorAll('.dialog-body input, .dialog-body select, .dialog-body textarea, .dialog-body button'))
			el.disabled = true;
		// Nothing in it takes focus now: the body itself does, so that a
		// keyboard can still scroll a long description.
		const bodyEl = form.querySelector('.dialog-body');
		bodyEl.tabIndex = 0;
		bodyEl.setAttribute('role', 'group');
		bodyEl.setAttribute('aria-label', 'Event details');
	}

	function collect() {
		const zone = tzSel.value;
		const isAllDay = allDayBox.checked;
		const body = {
			title: title.control.value.trim(),
			description: description.control.value,
			location: location.control.value.trim(),
			all_day: isAllDay,
			time_zone: zone,
		};
		if (!body.title)
			throw Object.assign(new Error('Give the event a title.'), { field: 'title' });
		if (isAllDay) {
			const s = start.control.value;
			const e = end.control.value || s;
			if (!isDateOnly(s))
				throw Object.assign(new Error('Choose a start date.'), { field: 'start' });
			if (!isDateOnly(e) || e < s)
				throw Object.assign(new Error('The end date cannot be before the start date.'), { field: 'end' });
			body.start = s;
			body.end = addDays(e, 1);
		} else {
			const s = parseLocalInput(start.control.value, zone);
			const e = parseLocalInput(end.control.value, zone);
			if (!s)
				throw Object.assign(new Error('Choose a start date and time.'), { field: 'start' });
			if (!e)
				throw Object.assign(new Error('Choose an end date and time.'), { field: 'end' });
			if (e <= s)
				throw Object.assign(new Error('The event must end after it starts.'), { field: 'end' });
			body.start = toRfc3339(s, zone);
			body.end = toRfc3339(e, zone);
		}
		const rep = {
			freq: repeatSel.value,
			interval: Number(interval.control.value) || 1,
			byday: dayBoxes.map((d) => d.querySelector('input')).filter((b) => b.checked).map((b) => b.value),
			ends: (ends.querySelector('input:checked') || {}).value || 'never',
			until: untilInput.value,
			count: Number(countInput.value) || 1,
			raw: parsed.repeat.raw,
		};
		if (rep.freq !== 'none' && rep.freq !== 'custom') {
			if (!Number.isInteger(rep.interval) || rep.interval < 1 || rep.interval > 99)
				throw Object.assign(new Error('Repeat every 1 to 99.'), { field: 'recurrence[0]' });
			if (rep.ends === 'until' && (!rep.until || rep.until < body.start.slice(0, 10)))
				throw Object.assign(new Error('The repeat must end on or after the first event.'), { field: 'recurrence' });
			if (rep.ends === 'count' && (!Number.isInteger(rep.count) || rep.count < 1 || rep.count > 1000))
				throw Object.assign(new Error('Repeat between 1 and 1000 times.'), { field: 'recurrence' });
		}
		const line = rrule.build(rep, isAllDay, zone);
		// Exceptions belong to the old rule: dropped when the repeat is removed.
		body.recurrence = line ? [line].concat(otherLines) : otherLines.filter((l) => /^RDATE/i.test(l));
		body.reminders = reminders.getValue();
		// A new event goes where the list says; an edit sends the calendar
		// only when it changes (a PATCH with it moves the event).
		if (calendar && (isNew || (event.calendar_id && calendar.control.value !== event.calendar_id)))
			body.calendar_id = calendar.control.value;
		return body;
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (readOnly)
			return;
		clearErrors(form);
		let body;
		try {
			body = collect();
		} catch (e) {
			showError(form, e);
			return;
		}
		try {
			await busy(save, 'Saving…', async () => {
				if (isNew) {
					await api.request('POST', '/api/v1/events', body);
				} else {
					await api.request('PATCH', '/api/v1/events/' + encodeURIComponent(event.id), body,
						{ headers: { 'If-Match': '"' + version + '"' } });
				}
			});
		} catch (e) {
			if (e.status === 412 && event) {
				// Someone changed it elsewhere: take the new version; keep the edits.
				try {
					const fresh = await api.request('GET', '/api/v1/events/' + encodeURIComponent(event.id));
					version = fresh.version;
					otherLines = rrule.parse(fresh.recurrence, fresh.time_zone).others;
				} catch (e2) { /* the message below still stands */ }
				showError(form, { message: 'This event was changed somewhere else meanwhile. Save again to keep your version.' });
				return;
			}
			if (e.field === 'recurrence' || /^recurrence/.test(e.field || ''))
				showFieldError(form, 'recurrence', e.message) || showError(form, e);
			else
				showError(form, e);
			return;
		}
		dlg.close();
		toast(isNew ? 'Event created.' : 'Event saved.');
		ctx.refresh();
	});

	if (del) {
		del.addEventListener('click', async () => {
			clearErrors(form);
			const recurring = (event.recurrence || []).some((l) => /^(RRULE|RDATE)/i.test(l));
			let which = 'all';
			if (recurring && opts.occurrenceStart) {
				which = await choose('Delete repeating event', null, [
					{ label: 'Cancel', value: null },
					{ label: 'This event', value: 'one', kind: 'danger' },
					{ label: 'All events', value: 'all', kind: 'danger' },
				]);
			} else {
				which = await choose('Delete event?', '“' + event.title + '” will be deleted.', [
					{ label: 'Cancel', value: null },
					{ label: 'Delete', value: 'all', kind: 'danger' },
				]);
			}
			if (!which)
				return;
			try {
				await busy(del, 'Deleting…', async () => {
					if (which === 'one')
						await excludeOccurrence(event, opts.occurrenceStart);
					else
						await api.request('DELETE', '/api/v1/events/' + encodeURIComponent(event.id));
				});
			} catch (e) {
				showError(form, e);
				return;
			}
			dlg.close();
			toast(which === 'one' ? 'That event was removed from the series.' : 'Event deleted.');
			ctx.refresh();
		});
	}

	document.body.append(dlg);
	dlg.showModal();
	(readOnly ? cancel : title.control).focus();
}

// The "Calendar" choice: the event's calendar, or for a new one the default
// calendar (the first shown one when the default is hidden). Null when the
// calendars are not known (the server then uses the default).
function calendarField(store, event) {
	if (!store || !store.items.length)
		return null;
	let current = event && event.calendar_id;
	if (!current || !store.byId(current)) {
		current = store.defaultId();
		if (!event && store.isHidden(current)) {
			const shown = store.items.find((c) => !store.isHidden(c.id) && !c.read_only);
			if (shown)
				current = shown.id;
		}
	}
	// Events go into the account's own calendars only; a subscribed
	// one is listed for its own events alone.
	const choices = store.items.filter((c) => !c.read_only || c.id === current);
	const sel = h('select', {}, choices.map((c) => h('option', { value: c.id, text: c.name, selected: c.id === current })));
	const mark = swatch(store.byId(current) ? store.byId(current).color : null);
	sel.addEventListener('change', () => {
		const c = store.byId(sel.value);
		mark.style.setProperty('--swatch', validColor(c ? c.color : null));
	});
	const f = field({ label: 'Calendar', name: 'calendar_id', control: sel, class: 'calendar-choice' });
	const row = h('div', { class: 'swatch-select' });
	sel.replaceWith(row);
	row.append(mark, sel);
	return f;
}

function daysDiff(a, b) {
	const pa = a.split('-').map(Number);
	const pb = b.split('-').map(Number);
	return Math.round((Date.UTC(pb[0], pb[1] - 1, pb[2]) - Date.UTC(pa[0], pa[1] - 1, pa[2])) / 86400000);
}

function nextHalfHour() {
	const t = Date.now();
	return new Date(Math.ceil(t / 1800000) * 1800000);
}

// The EXDATE line that removes the occurrence starting at occStart.
export function exdateLine(event, occStart) {
	if (event.all_day)
		return 'EXDATE;VALUE=DATE:' + String(occStart).slice(0, 10).replace(/-/g, '');
	return 'EXDATE;TZID=' + event.time_zone + ':' + icalLocal(new Date(occStart), event.time_zone);
}

// Removes one occurrence from a series (adds an EXDATE), version-checked.
export async function excludeOccurrence(event, occStart) {
	const recurrence = (event.recurrence || []).concat([exdateLine(event, occStart)]);
	return api.request('PATCH', '/api/v1/events/' + encodeURIComponent(event.id), { recurrence },
		{ headers: { 'If-Match': '"' + event.version + '"' } });
}
