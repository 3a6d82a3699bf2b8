// settings.js — name, time zone, default reminders, the email address and
// password, the calendars, app passwords for calendar apps, the private ICS
// feed address (copy, rotate), ICS import, the signed-in sessions (sign out
// one or everywhere) and deleting the account.

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, confirm, setTitle } from './ui.js';
import { reminderEditor } from './reminder-editor.js';
import { zones, browserZone } from './time.js';
import { calendarSettings } from './settings-calendars.js';
import { subscriptionSettings } from './settings-subscriptions.js';
import { appPasswordSettings } from './app-passwords.js';
import { mfaSettings } from './settings-mfa.js';
import { sessionSettings } from './settings-sessions.js';
import { emailSettings } from './settings-email.js';
import { passwordSettings } from './settings-password.js';

const FEED_KEY = 'aurora.feed.';

function feedUrlOf(res) {
	if (!res)
		return '';
	const u = res.url || res.feed_url || res.href || '';
	if (u)
		return u;
	if (res.secret)
		return location.origin + '/feeds/' + res.secret + '.ics';
	return '';
}

function section(title, intro, ...content) {
	const id = 'sec-' + title.toLowerCase().replace(/[^a-z]+/g, '-');
	return h('section', { class: 'settings-section', 'aria-labelledby': id },
		h('h2', { id, text: title }),
		intro ? h('p', { class: 'intro', text: intro }) : null,
		...content);
}

export function renderSettings(root, ctx) {
	setTitle('Settings');
	const me = ctx.me;
	const header = h('header', { class: 'topbar' },
		h('div', { class: 'topbar-row' },
			h('p', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'Aurora Time' })),
			h('a', { href: '#/calendar', class: 'button-link secondary', text: 'Back to calendar' }),
			h('nav', { class: 'account', 'aria-label': 'Account' },
				h('span', { class: 'who', text: me.email || '' }),
				h('button', { type: 'button', class: 'secondary', text: 'Sign out', onclick: () => ctx.signOut() }))));

	// ---- profile
	const name = field({ label: 'Name', name: 'name', value: me.name || '', autocomplete: 'name', attrs: { maxlength: 200 } });
	const zoneList = zones().slice();
	const current = me.time_zone || browserZone();
	if (!zoneList.includes(current))
		zoneList.unshift(current);
	const tzSel = h('select', {}, zoneList.map((z) => h('option', { value: z, text: z.replace(/_/g, ' '), selected: z === current })));
	const bz = browserZone();
	const tz = field({ label: 'Time zone', name: 'time_zone', control: tzSel,
		hint: bz === current ? 'This is also the time zone of this device.' : 'This device is set to ' + bz.replace(/_/g, ' ') + '.' });
	if (bz !== current && zoneList.includes(bz)) {
		tz.append(h('button', { type: 'button', class: 'link', text: 'Use ' + bz.replace(/_/g, ' '),
			onclick: () => { tzSel.value = bz; } }));
	}
	const reminders = reminderEditor('default_reminders', 'Default reminders for new events', me.default_reminders || []);
	const saveBtn = h('button', { type: 'submit', class: 'primary', text: 'Save' });
	const profile = h('form', { novalidate: true, class: 'settings-form' }, name, tz, reminders,
		h('div', { class: 'actions' }, saveBtn));
	profile.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(profile);
		let body;
		try {
			body = { name: name.control.value.trim(), time_zone: tzSel.value, default_reminders: reminders.getValue() };
		} catch (e) {
			showError(profile, e);
			return;
		}
		try {
			const res = await busy(saveBtn, 'Saving…', () => api.request('PATCH', '/api/v1/me', body));
			Object.assign(me, res && typeof res === 'object' ? res : body);
			toast('Settings saved.');
		} catch (e) {
			showError(profile, e);
		}
	});

	// ---- feed
	const feedKey = FEED_KEY + (me.user_id || me.id || me.email || '');
	const feedInput = h('input', { type: 'text', readonly: true, id: 'feed-url', value: localStorage.getItem(feedKey) || '',
		spellcheck: 'false' });
	feedInput.dataset.field = 'feed';
	const feedField = h('div', { class: 'field' }, h('label', { for: 'feed-url', text: 'Private address in iCal format' }),
		feedInput, h('p', { class: 'error', id: 'feed-url-err', hidden: true }));
	feedInput.setAttribute('aria-describedby', 'feed-url-err');
	const copyBtn = h('button', { type: 'button', class: 'secondary', text: 'Copy' });
	const rotateBtn = h('button', { type: 'button', class: 'secondary' });
	const feedBox = h('div', { class: 'feed' }, feedField, h('div', { class: 'actions left' }, copyBtn, rotateBtn));
	function updateFeed() {
		const has = !!feedInput.value;
		feedField.hidden = !has;
		copyBtn.hidden = !has;
		// The accessible name holds the visible words (axe label-content-name-mismatch).
		rotateBtn.textContent = has ? 'Rotate' : 'Create the private address';
		if (has)
			rotateBtn.setAttribute('aria-label', 'Rotate the private address');
		else
			rotateBtn.removeAttribute('aria-label');
	}
	updateFeed();
	copyBtn.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(feedInput.value);
		} catch (e) {
			feedInput.select();
			document.execCommand && document.execCommand('copy');
		}
		toast('Address copied.');
	});
	rotateBtn.addEventListener('click', async () => {
		clearErrors(feedBox);
		if (feedInput.value && !await confirm('Rotate the private address?',
			'Calendar apps subscribed to the current address stop receiving updates until you give them the new one.',
			'Rotate', 'danger'))
			return;
		try {
			const res = await busy(rotateBtn, 'Working…', () => api.request('POST', '/api/v1/me/feed', null));
			const url = feedUrlOf(res);
			if (!url)
				throw new Error('The server did not return an address.');
			feedInput.value = url;
			localStorage.setItem(feedKey, url);
			updateFeed();
			feedInput.select();
			toast('Your new private address is ready.');
		} catch (e) {
			showError(feedBox, e, 'feed');
		}
	});

	// ---- import
	const fileInput = h('input', { type: 'file', accept: '.ics,text/calendar' });
	const file = field({ label: 'ICS file', name: 'file', control: fileInput,
		hint: 'An .ics file exported from another calendar, up to 5 MB. Importing the same file again updates the events instead of duplicating them.' });
	// Into which calendar: filled when the calendars are loaded; hidden
	// while there is only one.
	const importCalSel = h('select', {});
	const importCal = field({ label: 'Import into', name: 'calendar_id', control: importCalSel });
	importCal.hidden = true;
	function importCalendars(items) {
		const keep = importCalSel.value;
		clear(importCalSel);
		// A subscribed calendar takes no import (its feed fills it).
		items = items.filter((c) => !c.read_only);
		for (const c of items)
			importCalSel.append(h('option', { value: c.id, text: c.name, selected: keep ? c.id === keep : !!c.is_default }));
		if (keep && !items.some((c) => c.id === keep))
			importCalSel.value = (items.find((c) => c.is_default) || items[0] || {}).id || '';
		importCal.hidden = items.length < 2;
	}
	const importBtn = h('button', { type: 'submit', class: 'primary', text: 'Import' });
	const result = h('div', { class: 'import-result', role: 'status' });
	const importForm = h('form', { novalidate: true, class: 'settings-form' }, file, importCal,
		h('div', { class: 'actions' }, importBtn), result);
	importForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(importForm);
		result.textContent = '';
		const f = fileInput.files[0];
		if (!f) {
			showError(importForm, { message: 'Choose an .ics file first.', field: 'file' });
			return;
		}
		if (f.size > 5 * 1024 * 1024) {
			showError(importForm, { message: 'That file is larger than 5 MB.', field: 'file' });
			return;
		}
		try {
			const text = await f.text();
			const into = !importCal.hidden && importCalSel.value ? '?calendar_id=' + encodeURIComponent(importCalSel.value) : '';
			const res = await busy(importBtn, 'Importing…', () => api.request('POST', '/api/v1/events/import' + into, text,
				{ contentType: 'text/calendar; charset=utf-8', timeout: 120000 }));
			const parts = [];
			parts.push((res.imported || 0) + ' imported');
			parts.push((res.updated || 0) + ' updated');
			parts.push((res.skipped || 0) + ' skipped');
			result.append(h('p', { text: 'Import finished: ' + parts.join(', ') + '.' }));
			const errs = res.errors || [];
			if (errs.length) {
				result.append(h('ul', { class: 'import-errors' }, errs.slice(0, 20).map((e) =>
					h('li', { text: typeof e === 'string' ? e : (e.line ? 'Line ' + e.line + ': ' : '') + (e.message || JSON.stringify(e)) }))));
			}
			fileInput.value = '';
		} catch (e) {
			showError(importForm, Object.assign(e, { field: 'file' }));
		}
	});

	// ---- the address, and where the account is signed in
	const whoEl = header.querySelector('.who');
	const emailBox = emailSettings(me, () => {
		if (whoEl)
			whoEl.textContent = me.email || '';
	});
	const sessions = sessionSettings(me);
	sessions.load();
	const passwordBox = passwordSettings(me, () => sessions.load());

	// ---- account
	const deleteBtn = h('button', { type: 'button', class: 'danger', text: 'Delete account' });
	deleteBtn.addEventListener('click', async () => {
		if (!await confirm('Delete your account?', 'Your account, every event and every reminder are deleted for good. This cannot be undone.', 'Delete account', 'danger'))
			return;
		try {
			await busy(deleteBtn, 'Deleting…', () => api.request('DELETE', '/api/v1/me', null));
			api.forgetSession('deleted');   // the session listener shows sign-in with the notice
		} catch (e) {
			toast(e.message, 'error');
		}
	});

	// ---- calendars, and the apps that sync them
	const calendars = calendarSettings(importCalendars);
	// A subscription is also a calendar: the list above follows it.
	const subscriptions = subscriptionSettings(me, () => calendars.load());
	subscriptions.load();
	const appPasswords = appPasswordSettings(me);
	const mfa = mfaSettings(me);
	calendars.load();
	appPasswords.load();

	const main = h('main', { id: 'main', class: 'settings', tabindex: '-1', 'aria-labelledby': 'settings-title' },
		h('h1', { id: 'settings-title', text: 'Settings' }),
		section('Profile', null, profile),
		section('Email address', null, emailBox),
		section('Change password', null, passwordBox),
		section('Calendars', 'Keep work, family and other events apart. Each calendar has its own color and shows as its own calendar in phone and desktop apps.', calendars),
		section('Subscriptions', 'Follow calendars published elsewhere — public holidays, a school term, a team’s fixtures — by their address. Aurora checks them for changes (every hour unless you choose otherwise); their events are read-only.', subscriptions),
		section('Two-step sign-in', 'Protect your account with a code from an authenticator app on your phone, asked for after your password when you sign in.', mfa),
		section('Calendar apps', 'Sync your calendars both ways with the calendar on your iPhone, iPad, Mac or Android phone, Thunderbird or GNOME (CalDAV). Each app signs in with your email address and an app password of its own, never your account password.', appPasswords),
		section('Calendar feed', 'Subscribe to your calendar from Google Calendar, Apple Calendar or Thunderbird with this address. Keep it secret: anyone who has it can see your events.', feedBox),
		section('Import', 'Add the events of an iCalendar (.ics) file to your calendar.', importForm),
		section('Sessions', 'Where your account is signed in. Sign out a browser or app you do not recognise, then reset your password.', sessions),
		section('Account', null, h('div', { class: 'actions left' }, deleteBtn)));
	root.append(header, main);
	return () => {};
}
