// settings-calendars.js — the "Calendars" part of the settings: the list
// with each calendar's color, a new calendar (name and color), and per
// calendar a dialog to rename, recolor, set its default reminders, choose
// whether alarms set in apps are emailed, and delete it (the last one cannot
// be: the server says so).

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, confirm, nextId, editDialog } from './ui.js';
import { swatch, validColor, PALETTE, colorField, nameColorChanges } from './calendars.js';
import { reminderEditor } from './reminder-editor.js';

const NAME_MAX = 100;

// The server's words for a refusal when they are meant for people (a 409
// from DELETE says why the calendar stays); else the app's own message.
function refusal(e) {
	if (e && e.status === 409 && e.detail) {
		const m = e.detail.trim();
		return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
	}
	return e && e.message;
}

// A calendar's default reminders as minutes, or null (the account's apply).
function minutesOf(list) {
	if (!Array.isArray(list))
		return null;
	return list.map((m) => Number(m && typeof m === 'object' ? m.minutes_before : m));
}

// The next palette color no calendar uses yet.
function freshColor(items) {
	const used = new Set(items.map((c) => validColor(c.color)));
	return PALETTE.find((c) => !used.has(c)) || PALETTE[items.length % PALETTE.length];
}

// calendarSettings(onLoad) -> element (the section's content) with .load();
// onLoad(items) hears every fresh list (the import's calendar choice).
export function calendarSettings(onLoad) {
	const list = h('ul', { class: 'settings-list calendar-settings', 'aria-label': 'Your calendars' });
	const state = h('p', { class: 'panel-state', role: 'status', text: 'Loading calendars…' });
	let items = [];

	// ---- a new calendar
	const name = field({ label: 'New calendar name', name: 'name', attrs: { maxlength: NAME_MAX, autocomplete: 'off' } });
	const color = colorField('Color', PALETTE[1]);
	const addBtn = h('button', { type: 'submit', class: 'primary', text: 'Add calendar' });
	const addForm = h('form', { novalidate: true, class: 'add-form' }, name, color, h('div', { class: 'actions' }, addBtn));
	addForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(addForm);
		const body = { name: name.control.value.trim(), color: color.control.value.toLowerCase() };
		if (!body.name) {
			showError(addForm, { message: 'Give the calendar a name.', field: 'name' });
			return;
		}
		try {
			const made = await busy(addBtn, 'Adding…', () => api.request('POST', '/api/v1/calendars', body));
			name.control.value = '';
			toast('Calendar “' + ((made && made.name) || body.name) + '” added.');
			await load();
			color.control.value = freshColor(items);
		} catch (e) {
			showError(addForm, e);
		}
	});

	function render() {
		clear(list);
		state.hidden = items.length > 0;
		state.textContent = items.length ? '' : 'No calendars yet.';
		for (const c of items) {
			const edit = h('button', { type: 'button', class: 'secondary small', text: 'Edit',
				'aria-label': 'Edit calendar ' + c.name, onclick: () => openEdit(c, edit) });
			const meta = [];
			if (c.is_default)
				meta.push('Default for new events');
			if (c.read_only)
				meta.push('Subscription, read-only (see Subscriptions)');
			else
				meta.push(c.email_for_app_alarms === false ? 'Alarms set in apps are not emailed' : 'Alarms set in apps are emailed');
			list.append(h('li', { dataset: { calendarId: c.id } },
				h('span', { class: 'item-main' }, swatch(c.color),
					h('span', { class: 'item-name', text: c.name },
						h('span', { class: 'item-meta', text: meta.join(' · ') }))),
				edit));
		}
	}

	async function load() {
		try {
			const res = await api.request('GET', '/api/v1/calendars');
			items = (res && Array.isArray(res.items)) ? res.items : [];
			render();
			if (onLoad)
				onLoad(items);
		} catch (e) {
			state.hidden = false;
			state.textContent = 'Calendars could not be loaded: ' + e.message;
		}
	}

	// ---- one calendar: rename, recolor, alarms, delete
	function openEdit(cal, opener) {
		const nameF = field({ label: 'Calendar name', name: 'name', value: cal.name, attrs: { maxlength: NAME_MAX, autocomplete: 'off' } });
		const colorF = colorField('Color', cal.color);
		const mailBox = h('input', { type: 'checkbox', id: nextId('f'), checked: cal.email_for_app_alarms !== false });
		mailBox.dataset.field = 'email_for_app_alarms';
		const hintId = mailBox.id + '-hint';
		mailBox.setAttribute('aria-describedby', hintId);
		const mail = h('div', { class: 'field' },
			h('div', { class: 'field check' }, mailBox, h('label', { for: mailBox.id, text: 'Email me for alarms set in apps' })),
			h('p', { class: 'hint', id: hintId, text: 'Alarms that a phone or desktop calendar app sets on this calendar’s events also send you a reminder email. Email alarms always do.' }),
			h('p', { class: 'error', id: mailBox.id + '-err', hidden: true }));
		const own = minutesOf(cal.default_reminders);
		const sameBox = h('input', { type: 'checkbox', id: nextId('f'), checked: own === null });
		const same = h('div', { class: 'field check' }, sameBox,
			h('label', { for: sameBox.id, text: 'New events get my default reminders (from Profile)' }));
		const rem = reminderEditor('default_reminders', 'Default reminders for new events in this calendar',
			(own || []).map((m) => ({ method: 'email', minutes_before: m })));
		rem.hidden = sameBox.checked;
		sameBox.addEventListener('change', () => {
			rem.hidden = sameBox.checked || !!cal.read_only;
		});
		// A subscription's reminders are set on the subscription; its
		// events carry no alarms of apps.
		if (cal.read_only)
			same.hidden = rem.hidden = mail.hidden = true;
		const del = h('button', { type: 'button', class: 'danger', text: 'Delete calendar' });
		const { dlg, form, save } = editDialog('Edit calendar', [nameF, colorF, same, rem, mail], del, () => {
			// Back to the row's button (a new one if the list was redrawn).
			const again = list.querySelector('li[data-calendar-id="' + cal.id + '"] button');
			(again || (opener.isConnected ? opener : null) || addBtn).focus();
		});

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(form);
			const body = {};
			if (!nameColorChanges(form, nameF, colorF, cal, body))
				return;
			if (mailBox.checked !== (cal.email_for_app_alarms !== false))
				body.email_for_app_alarms = mailBox.checked;
			let want = null;
			if (!sameBox.checked) {
				try {
					want = rem.getValue().map((r) => r.minutes_before);
				} catch (e) {
					showError(form, e);
					return;
				}
			}
			if (JSON.stringify(want) !== JSON.stringify(own))
				body.default_reminders = want;
			if (!Object.keys(body).length) {
				dlg.close();
				return;
			}
			try {
				await busy(save, 'Saving…', () => api.request('PATCH', '/api/v1/calendars/' + encodeURIComponent(cal.id), body));
			} catch (e) {
				showError(form, e);
				return;
			}
			await load();
			dlg.close();
			toast('Calendar saved.');
		});

		del.addEventListener('click', async () => {
			clearErrors(form);
			if (!await confirm('Delete “' + cal.name + '”?',
				'The calendar and all its events are deleted for good, and their reminders are cancelled. Apps syncing it remove it too. This cannot be undone.',
				'Delete calendar', 'danger'))
				return;
			try {
				await busy(del, 'Deleting…', () => api.request('DELETE', '/api/v1/calendars/' + encodeURIComponent(cal.id)));
			} catch (e) {
				showError(form, { message: refusal(e) });
				return;
			}
			await load();
			dlg.close();
			toast('Calendar “' + cal.name + '” deleted.');
		});

		dlg.showModal();
		nameF.control.focus();
	}

	const box = h('div', { class: 'calendars-settings' }, state, list,
		h('h3', { class: 'sub', text: 'Add a calendar' }), addForm);
	box.load = load;
	return box;
}
