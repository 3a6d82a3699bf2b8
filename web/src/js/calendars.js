// calendars.js — the account's calendars as the screens share them: loaded
// from the API, which ones are shown (remembered per account in this
// browser), their colors, and the list with show/hide switches beside the
// calendar.

import * as api from './api.js';
import { h, clear, field, showError } from './ui.js';

const HIDDEN_KEY = 'aurora.hidden-calendars.';
export const DEFAULT_COLOR = '#1a5fc9';
// The colors offered first for a new calendar (all readable with white or
// black text, see contrastOf).
export const PALETTE = ['#1a5fc9', '#0b8043', '#d50000', '#f4511e', '#8e24aa', '#039be5', '#616161', '#e67c73'];

function channel(v) {
	const c = v / 255;
	return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function luminance(hex) {
	const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
	if (!m)
		return 0;
	const [r, g, b] = m.slice(1).map((x) => channel(parseInt(x, 16)));
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// The text color that reads best on background hex: white or black,
// whichever contrasts more (one of them always reaches 4.5:1, WCAG AA).
export function contrastOf(hex) {
	const l = luminance(hex);
	return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? '#ffffff' : '#000000';
}

export function validColor(c) {
	return typeof c === 'string' && /^#[0-9a-fA-F]{6}$/.test(c) ? c.toLowerCase() : DEFAULT_COLOR;
}

// A small colored square beside a calendar's name. The color goes in
// through the CSSOM (a custom property), which the CSP allows.
export function swatch(color) {
	const s = h('span', { class: 'swatch', 'aria-hidden': 'true' });
	s.style.setProperty('--swatch', validColor(color));
	return s;
}

// A color field of the settings' forms.
export function colorField(label, value) {
	const input = h('input', { type: 'color', value: validColor(value) });
	return field({ label, name: 'color', control: input, class: 'color-field' });
}

// Puts into body the name and color of an edit form (nameF, colorF) that
// differ from item's. False, with the error shown in form, when the name
// is empty.
export function nameColorChanges(form, nameF, colorF, item, body) {
	const n = nameF.control.value.trim();
	if (!n) {
		showError(form, { message: 'Give the calendar a name.', field: 'name' });
		return false;
	}
	if (n !== item.name)
		body.name = n;
	const col = colorF.control.value.toLowerCase();
	if (col !== validColor(item.color))
		body.color = col;
	return true;
}

// createCalendarStore(me) -> the store the calendar screen, its list and
// the event dialog share: .items, .load(), .whenLoaded(), .byId(id), .defaultId(),
// .isHidden(id), .setHidden(id, on), .visibleIds(), .onChange(fn(kind))
// (returns the function that stops listening).
export function createCalendarStore(me) {
	const key = HIDDEN_KEY + (me.user_id || me.id || me.email || '');
	const listeners = new Set();
	let hidden = new Set();
	try {
		const v = JSON.parse(localStorage.getItem(key) || '[]');
		if (Array.isArray(v))
			hidden = new Set(v.filter((x) => typeof x === 'string'));
	} catch (e) {
		// A damaged entry shows every calendar.
	}
	let loading = null;
	const store = {
		items: [],
		loaded: false,
		load() {
			const p = loading = fetchList().finally(() => {
				if (loading === p)
					loading = null;
			});
			return p;
		},
		// The list as loaded, or being loaded; loads it if it never was.
		// Never rejects (a failed load leaves the list empty).
		whenLoaded() {
			if (store.loaded)
				return Promise.resolve(store.items);
			return (loading || store.load()).catch(() => store.items);
		},
		byId(id) {
			return store.items.find((c) => c.id === id) || null;
		},
		defaultId() {
			const d = store.items.find((c) => c.is_default) || store.items[0];
			return d ? d.id : null;
		},
		isHidden(id) {
			return hidden.has(id);
		},
		setHidden(id, on) {
			if (on)
				hidden.add(id);
			else
				hidden.delete(id);
			save();
			notify('hidden');
		},
		// null: every calendar is shown (no filter needed).
		visibleIds() {
			if (!store.loaded || !store.items.some((c) => hidden.has(c.id)))
				return null;
			return store.items.filter((c) => !hidden.has(c.id)).map((c) => c.id);
		},
		onChange(fn) {
			listeners.add(fn);
			return () => listeners.delete(fn);
		},
	};
	async function fetchList() {
		const res = await api.request('GET', '/api/v1/calendars');
		store.items = (res && Array.isArray(res.items)) ? res.items : [];
		store.loaded = true;
		// Forget hidden ids of calendars that no longer exist.
		const ids = new Set(store.items.map((c) => c.id));
		const kept = [...hidden].filter((id) => ids.has(id));
		if (kept.length !== hidden.size) {
			hidden = new Set(kept);
			save();
		}
		notify('items');
		return store.items;
	}
	function save() {
		try {
			if (hidden.size)
				localStorage.setItem(key, JSON.stringify([...hidden]));
			else
				localStorage.removeItem(key);
		} catch (e) {
			// Storage full or off: the choice lasts until the page is left.
		}
	}
	// kind: 'items' (the list changed) or 'hidden' (a calendar was shown or hidden).
	function notify(kind) {
		listeners.forEach((fn) => fn(kind));
	}
	return store;
}

// calendarList(store) -> the "Calendars" box: one switch per calendar,
// its color beside its name; unchecking one hides its events.
export function calendarList(store) {
	const titleId = 'calendars-title';
	const list = h('ul', { class: 'calendar-items' });
	const state = h('p', { class: 'panel-state', role: 'status' });
	const box = h('section', { class: 'panel calendars-panel', 'aria-labelledby': titleId },
		h('div', { class: 'panel-head' }, h('h2', { id: titleId, text: 'Calendars' }),
			h('a', { href: '#/settings', class: 'small-link', text: 'Manage',
				'aria-label': 'Manage calendars' })),
		state, list);

	function render() {
		clear(list);
		state.hidden = store.items.length > 0;
		state.textContent = store.items.length ? '' : (store.loaded ? 'No calendars.' : 'Loading calendars…');
		for (const c of store.items) {
			const id = 'cal-show-' + c.id;
			const check = h('input', { type: 'checkbox', id, checked: !store.isHidden(c.id) });
			check.style.setProperty('accent-color', validColor(c.color));
			check.addEventListener('change', () => store.setHidden(c.id, !check.checked));
			list.append(h('li', { class: 'calendar-item', dataset: { calendarId: c.id } },
				check, h('label', { for: id }, swatch(c.color), h('span', { class: 'calendar-name', text: c.name }))));
		}
	}
	// The switches already show a show/hide change: redrawn only when the
	// list itself changes, so that focus stays on the switch just used.
	const off = store.onChange((kind) => {
		if (kind === 'items')
			render();
	});
	render();
	box.stop = off;
	box.showError = (message) => {
		state.hidden = false;
		state.textContent = message;
	};
	return box;
}
