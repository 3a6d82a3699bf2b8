// app-passwords.js — the "Calendar apps (CalDAV)" part of the settings:
// app passwords made by the server for phone and desktop calendar apps,
// shown once with the address and user name to type in; the list with
// when each was made and last used, and revoking one; and the Apple
// configuration profile that sets the account up on an iPhone, iPad or Mac.

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, confirm, nextId } from './ui.js';
import { formatDateTime } from './time.js';

const NAME_MAX = 100;

async function copyText(text, input) {
	try {
		await navigator.clipboard.writeText(text);
	} catch (e) {
		// No clipboard permission (an http page, an old browser): select the
		// text so that Ctrl+C copies it.
		input.focus();
		input.select();
		document.execCommand && document.execCommand('copy');
	}
}

// A read-only value with its label and a Copy button.
function copyField(label, value, copyLabel, done) {
	const id = nextId('f');
	const input = h('input', { type: 'text', id, readonly: true, value, spellcheck: 'false', autocomplete: 'off' });
	const btn = h('button', { type: 'button', class: 'secondary small', text: 'Copy', 'aria-label': copyLabel });
	btn.addEventListener('click', async () => {
		await copyText(value, input);
		toast(done);
	});
	const wrap = h('div', { class: 'field' }, h('label', { for: id, text: label }), h('div', { class: 'copy-row' }, input, btn));
	wrap.control = input;
	return wrap;
}

// Saves the account's configuration profile (it names the server and user;
// the device asks for the app password while installing it). The API wants
// the access token, so the file is fetched and handed over as a blob.
async function downloadProfile(btn) {
	let blob;
	try {
		blob = await busy(btn, 'Downloading…', () => api.request('GET', '/api/v1/me/caldav.mobileconfig', null, { blob: true }));
	} catch (e) {
		toast(e.status === 404 ? 'The profile is not available on this server. Add the account by hand instead.' : e.message, 'error');
		return;
	}
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: 'aurora-time.mobileconfig', hidden: true });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// appPasswordSettings(me) -> element (the section's content) with .load().
export function appPasswordSettings(me) {
	const tz = me.time_zone || undefined;
	const list = h('ul', { class: 'settings-list app-passwords', 'aria-label': 'Your app passwords' });
	const state = h('p', { class: 'panel-state', role: 'status', text: 'Loading app passwords…' });
	const shown = h('div', { class: 'secret-area' });
	let items = [];

	const name = field({ label: 'App name', name: 'name',
		hint: 'Which app or device will use it, for example “iPhone” or “Thunderbird at work”.',
		attrs: { maxlength: NAME_MAX, autocomplete: 'off' } });
	// With two-step sign-in on, a new app password needs a fresh code.
	const code = field({ label: 'Code from your authenticator app', name: 'code', autocomplete: 'one-time-code',
		hint: 'Two-step sign-in is on: confirm with the 6-digit code the app shows.',
		attrs: { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6 } });
	code.hidden = !(me.mfa && me.mfa.totp);
	const createBtn = h('button', { type: 'submit', class: 'primary', text: 'Create app password' });
	const form = h('form', { novalidate: true, class: 'add-form' }, name, code, h('div', { class: 'actions' }, createBtn));

	// The new password, once: with the server address and user name.
	function showOnce(made) {
		clear(shown);
		const host = location.host;
		const davUrl = location.origin + '/dav/';
		const headId = nextId('h');
		const pw = copyField('App password', made.password || '', 'Copy the app password', 'App password copied.');
		const addr = copyField('Server address', davUrl, 'Copy the server address', 'Server address copied.');
		const user = copyField('User name', me.email || '', 'Copy the user name', 'User name copied.');
		const doneBtn = h('button', { type: 'button', class: 'secondary', text: 'Done' });
		const box = h('section', { class: 'secret-box', 'aria-labelledby': headId },
			h('h3', { id: headId, tabindex: '-1', text: 'App password for “' + (made.name || '') + '”' }),
			h('p', { text: 'Type it into the app now: it is shown only this once. If you lose it, revoke it and create a new one.' }),
			pw, user, addr,
			h('ul', {},
				h('li', { text: 'iPhone, iPad and Mac: the server is just ' + host + '.' }),
				h('li', { text: 'DAVx⁵ (Android): sign in with URL and user name, base URL ' + location.origin + '/.' }),
				h('li', { text: 'Thunderbird, GNOME and others: use the server address above.' })),
			h('div', { class: 'actions left' }, doneBtn));
		doneBtn.addEventListener('click', () => {
			clear(shown);
			name.control.focus();
		});
		shown.append(box);
		box.querySelector('h3').focus();
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const body = { name: name.control.value.trim() };
		if (!body.name) {
			showError(form, { message: 'Name the app or device that will use it.', field: 'name' });
			return;
		}
		if (me.mfa && me.mfa.totp)
			code.hidden = false;
		if (!code.hidden)
			body.code = code.control.value.trim();
		let made;
		try {
			made = await busy(createBtn, 'Creating…', () => api.request('POST', '/api/v1/me/app-passwords', body));
		} catch (e) {
			if (e.field === 'code')
				code.hidden = false;
			showError(form, e);
			return;
		}
		name.control.value = '';
		code.control.value = '';
		showOnce(made || {});
		await load();
	});

	function render() {
		clear(list);
		state.hidden = items.length > 0;
		state.textContent = items.length ? '' : 'No app passwords yet.';
		for (const p of items) {
			const made = p.created_at ? formatDateTime(new Date(p.created_at), tz) : '';
			const used = p.last_used_at ? 'last used ' + formatDateTime(new Date(p.last_used_at), tz) : 'never used';
			const revoke = h('button', { type: 'button', class: 'danger small', text: 'Revoke',
				'aria-label': 'Revoke ' + p.name });
			revoke.addEventListener('click', async () => {
				if (!await confirm('Revoke “' + p.name + '”?',
					'Apps using this password stop syncing at once and ask for a password again.', 'Revoke', 'danger'))
					return;
				try {
					await busy(revoke, 'Revoking…', () => api.request('DELETE', '/api/v1/me/app-passwords/' + encodeURIComponent(p.id)));
				} catch (e) {
					if (e.status !== 404) {
						toast(e.message, 'error');
						return;
					}
				}
				toast('“' + p.name + '” revoked.');
				await load();
				name.control.focus();
			});
			list.append(h('li', { dataset: { appPasswordId: p.id } },
				h('span', { class: 'item-main' },
					h('span', { class: 'item-name', text: p.name },
						h('span', { class: 'item-meta', text: (made ? 'Created ' + made + ' · ' : '') + used }))),
				revoke));
		}
	}

	async function load() {
		try {
			const res = await api.request('GET', '/api/v1/me/app-passwords');
			items = (res && Array.isArray(res.items)) ? res.items : [];
			render();
		} catch (e) {
			state.hidden = false;
			state.textContent = 'App passwords could not be loaded: ' + e.message;
		}
	}

	const profileBtn = h('button', { type: 'button', class: 'secondary', text: 'Download profile',
		'aria-describedby': 'profile-hint' });
	profileBtn.addEventListener('click', () => downloadProfile(profileBtn));

	const box = h('div', { class: 'app-password-settings' }, shown, state, list,
		h('h3', { class: 'sub', text: 'New app password' }), form,
		h('h3', { class: 'sub', text: 'iPhone, iPad and Mac' }),
		h('p', { class: 'hint', id: 'profile-hint', text: 'A configuration profile sets up the account in the Calendar app. Open it on the device, install it in Settings (or System Settings on a Mac) and type an app password when asked.' }),
		h('div', { class: 'actions left' }, profileBtn));
	box.load = load;
	return box;
}
