// settings-sessions.js — the "Sessions" part of the settings: every browser
// and app signed in to the account, named from its User-Agent by the server
// ("Firefox on Linux"), with where it signed in from (the network, not the
// whole address), when it signed in and when it was last used; signing one
// out, and signing out everywhere.

import * as api from './api.js';
import { h, clear, toast, confirm, busy } from './ui.js';
import { formatDateTime } from './time.js';

// sessionSettings(me) -> element (the section's content) with .load().
export function sessionSettings(me) {
	const tz = me.time_zone || undefined;
	const list = h('ul', { class: 'settings-list sessions', 'aria-label': 'Signed-in devices' });
	const state = h('p', { class: 'panel-state', role: 'status', text: 'Loading sessions…' });
	let items = [];

	function when(s) {
		return s ? formatDateTime(new Date(s), tz) : '';
	}

	async function signOutOne(s, btn, label) {
		if (s.current) {
			if (!await confirm('Sign out of this browser?', 'You will need to sign in again here.', 'Sign out'))
				return;
			await api.signOut();	// the session listener shows sign-in
			return;
		}
		if (!await confirm('Sign out ' + label + '?',
			'That browser or app needs to sign in again. Calendar apps using an app password keep syncing; revoke the app password for that.',
			'Sign out'))
			return;
		try {
			await busy(btn, 'Signing out…', () => api.request('DELETE', '/api/v1/me/sessions/' + encodeURIComponent(s.id)));
		} catch (e) {
			if (e.status !== 404) {
				toast(e.message, 'error');
				return;
			}
		}
		toast(label + ' is signed out.');
		await load();
		everywhereBtn.focus();
	}

	function render() {
		clear(list);
		state.hidden = items.length > 0;
		state.textContent = items.length ? '' : 'No open sessions.';
		for (const s of items) {
			const label = s.device_name || 'Unknown device';
			const meta = [];
			if (s.network)
				meta.push('From ' + s.network);
			meta.push('Signed in ' + when(s.signed_in_at));
			meta.push('Last used ' + when(s.last_used_at));
			const btn = h('button', { type: 'button', class: 'secondary small', text: 'Sign out',
				'aria-label': 'Sign out ' + label + (s.current ? ' (this browser)' : '') });
			btn.addEventListener('click', () => signOutOne(s, btn, label));
			list.append(h('li', { dataset: { sessionId: s.id } },
				h('span', { class: 'item-main' },
					h('span', { class: 'item-name', text: label },
						s.current ? h('span', { class: 'badge', text: 'This browser' }) : null,
						h('span', { class: 'item-meta', text: meta.join(' · ') }))),
				btn));
		}
	}

	async function load() {
		try {
			const res = await api.request('GET', '/api/v1/me/sessions');
			items = (res && Array.isArray(res.items)) ? res.items : [];
			render();
		} catch (e) {
			state.hidden = false;
			state.textContent = 'Sessions could not be loaded: ' + e.message;
		}
	}

	const everywhereBtn = h('button', { type: 'button', class: 'secondary', text: 'Sign out everywhere' });
	everywhereBtn.addEventListener('click', async () => {
		if (!await confirm('Sign out everywhere?', 'Every browser and app signed in to your account, this one included, will need to sign in again, and app passwords stop working.', 'Sign out everywhere'))
			return;
		try {
			await busy(everywhereBtn, 'Signing out…', () => api.signOutEverywhere());
			// The session listener has shown the sign-in screen.
		} catch (e) {
			toast(e.message, 'error');
		}
	});

	const box = h('div', { class: 'session-settings' }, state, list,
		h('div', { class: 'actions left' }, everywhereBtn));
	box.load = load;
	return box;
}
