// settings-subscriptions.js — the "Subscriptions" part of the settings:
// outside calendars followed by their address (a pasted webcal:// link
// works), each with its state in words, when it was last refreshed and
// why the last try failed; "Refresh now"; a dialog to rename, recolor,
// choose how often it is refreshed and whether reminders apply; and
// "Unsubscribe", which removes its calendar and events. A refresh too soon
// after the last one and an address the account already follows are
// refused by the server in words, which are shown as they are.

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, confirm, nextId, editDialog } from './ui.js';
import { swatch, PALETTE, colorField, nameColorChanges } from './calendars.js';
import { formatDateTime } from './time.js';

const URL_MAX = 2048;
const NAME_MAX = 100;
// refresh_minutes the server takes (15 minutes to a week): the usual steps.
const REFRESH_CHOICES = [
	[15, 'Every 15 minutes'], [30, 'Every 30 minutes'], [60, 'Every hour'], [180, 'Every 3 hours'],
	[360, 'Every 6 hours'], [720, 'Every 12 hours'], [1440, 'Every day'], [10080, 'Every week'],
];

function refreshSelect(value) {
	const known = REFRESH_CHOICES.some(([m]) => m === value);
	const list = known ? REFRESH_CHOICES : REFRESH_CHOICES.concat([[value, 'Every ' + value + ' minutes']]);
	return h('select', {}, list.map(([m, label]) => h('option', { value: String(m), text: label, selected: m === value })));
}

// The server's own words for the two refusals written for people (a 429
// of the refresh limit, whose generic text api.js would show otherwise,
// and already_subscribed, which names the subscription that has the
// address), as a sentence; other errors as api.js words them.
function inWords(e) {
	const said = (e && (e.status === 429 || e.code === 'already_subscribed') && e.detail || '').trim();
	if (!said)
		return (e && e.message) || 'Something went wrong. Please try again.';
	return said.charAt(0).toUpperCase() + said.slice(1) + (/[.!?]$/.test(said) ? '' : '.');
}

function when(ts, zone) {
	return ts ? formatDateTime(new Date(ts), zone) : '';
}

// The state of s in words, for people (the server's last_error is already
// written for them: "the server answered 404", "address not allowed").
export function describeState(s, zone) {
	const last = s.last_fetched_at ? ' Last refreshed ' + when(s.last_fetched_at, zone) + '.' : '';
	switch (s.status) {
	case 'ok':
		return 'Up to date.' + last;
	case 'error': {
		const why = (s.last_error || 'the calendar could not be fetched').trim();
		const good = s.last_success_at ? ' Showing the events of ' + when(s.last_success_at, zone) + '.' : '';
		return 'Could not refresh: ' + why + (/[.!?]$/.test(why) ? '' : '.') + good +
			(s.last_fetched_at ? ' Last tried ' + when(s.last_fetched_at, zone) + '.' : '');
	}
	case 'gone':
		return 'The publisher has removed this calendar (it is kept with its last events until you unsubscribe).' + last;
	default:
		return 'Waiting for the first refresh.';
	}
}

// subscriptionSettings(me, onChange) -> element with .load(); onChange()
// hears every change that adds, renames or removes a calendar.
export function subscriptionSettings(me, onChange) {
	const zone = (me && me.time_zone) || undefined;
	const list = h('ul', { class: 'settings-list subscription-settings', 'aria-label': 'Your subscriptions' });
	const state = h('p', { class: 'panel-state', role: 'status', text: 'Loading subscriptions…' });
	let items = [];

	// ---- a new subscription
	const url = field({ label: 'Calendar address', name: 'url', type: 'url',
		hint: 'The link the publisher gives, starting with https://, http:// or webcal://.',
		attrs: { maxlength: URL_MAX, autocomplete: 'off', placeholder: 'webcal://example.org/holidays.ics', spellcheck: 'false' } });
	const name = field({ label: 'Name (optional)', name: 'name', attrs: { maxlength: NAME_MAX, autocomplete: 'off' } });
	const color = colorField('Subscription color', PALETTE[5]);
	const addBtn = h('button', { type: 'submit', class: 'primary', text: 'Subscribe' });
	const addForm = h('form', { novalidate: true, class: 'add-form subscribe-form' }, url, name, color,
		h('div', { class: 'actions' }, addBtn));
	addForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(addForm);
		const body = { url: url.control.value.trim(), color: color.control.value.toLowerCase() };
		const n = name.control.value.trim();
		if (n)
			body.name = n;
		if (!body.url) {
			showError(addForm, { message: 'Paste the address of the calendar.', field: 'url' });
			return;
		}
		try {
			const made = await busy(addBtn, 'Subscribing…', () => api.request('POST', '/api/v1/subscriptions', body));
			url.control.value = '';
			name.control.value = '';
			toast('Subscribed to “' + ((made && made.name) || body.url) + '”. Its events appear within a minute.');
			await load();
			if (onChange)
				onChange();
		} catch (e) {
			showError(addForm, { message: inWords(e), field: e.field });
		}
	});

	async function refresh(s, btn) {
		try {
			await busy(btn, 'Refreshing…', () => api.request('POST', '/api/v1/subscriptions/' + encodeURIComponent(s.id) + '/refresh'));
			toast('“' + s.name + '” will be refreshed in a moment.');
			// The fetcher takes it within seconds: show the outcome then.
			setTimeout(() => load(), 4000);
		} catch (e) {
			toast(inWords(e), 'error');
		}
	}

	function render() {
		clear(list);
		state.hidden = items.length > 0;
		state.textContent = items.length ? '' : 'You follow no outside calendars yet.';
		for (const s of items) {
			const edit = h('button', { type: 'button', class: 'secondary small', text: 'Edit',
				'aria-label': 'Edit subscription ' + s.name, onclick: () => openEdit(s, edit) });
			const again = h('button', { type: 'button', class: 'secondary small', text: 'Refresh now',
				'aria-label': 'Refresh now: ' + s.name });
			again.addEventListener('click', () => refresh(s, again));
			list.append(h('li', { dataset: { subscriptionId: s.id, status: s.status } },
				h('span', { class: 'item-main' }, swatch(s.color),
					h('span', { class: 'item-name', text: s.name },
						h('span', { class: 'item-meta subscription-url', text: s.url }),
						h('span', { class: 'item-meta subscription-state' + (s.status === 'error' || s.status === 'gone' ? ' warn' : ''),
							text: describeState(s, zone) }))),
				h('span', { class: 'item-actions' }, again, edit)));
		}
	}

	async function load() {
		try {
			const res = await api.request('GET', '/api/v1/subscriptions');
			items = (res && Array.isArray(res.items)) ? res.items : [];
			render();
		} catch (e) {
			state.hidden = false;
			state.textContent = 'Subscriptions could not be loaded: ' + e.message;
		}
	}

	// ---- one subscription: rename, recolor, how often, reminders, remove
	function openEdit(s, opener) {
		const urlF = field({ label: 'Calendar address', name: 'url', type: 'url', value: s.url,
			attrs: { maxlength: URL_MAX, autocomplete: 'off', spellcheck: 'false' } });
		const nameF = field({ label: 'Name', name: 'name', value: s.name, attrs: { maxlength: NAME_MAX, autocomplete: 'off' } });
		const colorF = colorField('Color', s.color);
		const every = field({ label: 'Refresh', name: 'refresh_minutes', control: refreshSelect(s.refresh_minutes) });
		const remBox = h('input', { type: 'checkbox', id: nextId('f'), checked: !!s.reminders });
		remBox.dataset.field = 'reminders';
		const hintId = remBox.id + '-hint';
		remBox.setAttribute('aria-describedby', hintId);
		const rem = h('div', { class: 'field' },
			h('div', { class: 'field check' }, remBox, h('label', { for: remBox.id, text: 'Remind me of its events' })),
			h('p', { class: 'hint', id: hintId, text: 'Your default reminders (from Profile) apply to this calendar’s events. Alarms in the calendar itself never send email.' }),
			h('p', { class: 'error', id: remBox.id + '-err', hidden: true }));
		const del = h('button', { type: 'button', class: 'danger', text: 'Unsubscribe' });
		const { dlg, form, save } = editDialog('Edit subscription', [nameF, colorF, urlF, every, rem], del, () => {
			const again = list.querySelector('li[data-subscription-id="' + s.id + '"] button');
			(again || (opener.isConnected ? opener : null) || addBtn).focus();
		});

		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(form);
			const body = {};
			if (!nameColorChanges(form, nameF, colorF, s, body))
				return;
			const u = urlF.control.value.trim();
			if (u !== s.url)
				body.url = u;
			const m = Number(every.control.value);
			if (m !== s.refresh_minutes)
				body.refresh_minutes = m;
			if (remBox.checked !== !!s.reminders)
				body.reminders = remBox.checked;
			if (!Object.keys(body).length) {
				dlg.close();
				return;
			}
			try {
				await busy(save, 'Saving…', () => api.request('PATCH', '/api/v1/subscriptions/' + encodeURIComponent(s.id), body));
			} catch (e) {
				showError(form, { message: inWords(e), field: e.field });
				return;
			}
			await load();
			if (onChange && (body.name || body.color))
				onChange();
			dlg.close();
			toast('Subscription saved.');
		});

		del.addEventListener('click', async () => {
			clearErrors(form);
			if (!await confirm('Unsubscribe from “' + s.name + '”?',
				'Its calendar and events are removed from your account and from the apps that sync it. You can subscribe again at any time.',
				'Unsubscribe', 'danger'))
				return;
			try {
				await busy(del, 'Removing…', () => api.request('DELETE', '/api/v1/subscriptions/' + encodeURIComponent(s.id)));
			} catch (e) {
				showError(form, e);
				return;
			}
			await load();
			if (onChange)
				onChange();
			dlg.close();
			toast('Unsubscribed from “' + s.name + '”.');
		});

		dlg.showModal();
		nameF.control.focus();
	}

	const box = h('div', { class: 'subscriptions-settings' }, state, list,
		h('h3', { class: 'sub', text: 'Subscribe to a calendar' }), addForm);
	box.load = load;
	return box;
}
