// main.js — start-up and the hash router: signed-out screens, the calendar
// and the settings; keeps the session across reloads and tabs.

import * as api from './api.js';
import { h, clear, toast } from './ui.js';
import { renderSignIn, renderSignUp, renderConfirm, renderForgot, renderReset } from './auth.js';
import { renderCalendar } from './calendar.js';
import { renderSettings } from './settings.js';
import { browserZone } from './time.js';

const root = document.getElementById('app');
const progress = document.getElementById('progress');
let teardown = null;
let me = null;
let renderSeq = 0;

api.onProgress((on) => {
	progress.hidden = !on;
	document.body.classList.toggle('is-busy', on);
});

api.onSessionChange((session, reason) => {
	if (!session) {
		me = null;
		const msg = reason === 'expired' ? 'expired' : 'signedout';
		if (!/^#\/(signin|signup|confirm|forgot|reset)/.test(location.hash))
			location.hash = '#/signin?msg=' + msg;
		else
			route();
	} else if (reason === 'tab-signin' && /^#\/(signin|signup|confirm|forgot|reset)/.test(location.hash)) {
		location.hash = '#/calendar';
	}
});

function parseHash() {
	const raw = location.hash.replace(/^#/, '');
	const [path, query] = raw.split('?');
	return { path: path || '/', params: new URLSearchParams(query || '') };
}

async function loadMe() {
	if (me)
		return me;
	const res = await api.request('GET', '/api/v1/me');
	me = Object.assign({ time_zone: browserZone(), default_reminders: [] }, res || {});
	return me;
}

async function signOut() {
	await api.signOut();
	location.hash = '#/signin?msg=signedout';
}

const PUBLIC = {
	'/signin': renderSignIn,
	'/signup': renderSignUp,
	'/confirm': renderConfirm,
	'/forgot': renderForgot,
	'/reset': renderReset,
};

async function route() {
	const seq = ++renderSeq;
	const { path, params } = parseHash();
	if (teardown) {
		try {
			teardown();
		} catch (e) { /* a broken screen must not block the next one */ }
		teardown = null;
	}
	document.querySelectorAll('dialog').forEach((d) => d.remove());
	clear(root);

	if (PUBLIC[path]) {
		if (api.isSignedIn() && (path === '/signin' || path === '/signup')) {
			location.replace('#/calendar');
			return;
		}
		PUBLIC[path](root, params);
		return;
	}
	if (!api.isSignedIn()) {
		location.replace('#/signin');
		return;
	}
	root.append(h('p', { class: 'loading', role: 'status', text: 'Loading your calendar…' }));
	let user;
	try {
		user = await loadMe();
	} catch (e) {
		if (seq !== renderSeq)
			return;
		clear(root);
		if (e.status === 401)
			return;   // the session listener sends the user to sign in
		const retry = h('button', { type: 'button', class: 'primary', text: 'Try again', onclick: route });
		root.append(h('main', { id: 'main', class: 'auth' }, h('div', { class: 'auth-card' },
			h('h1', { text: 'Aurora Time is not reachable' }),
			h('p', { class: 'form-alert', role: 'alert', text: e.message }), retry)));
		return;
	}
	if (seq !== renderSeq)
		return;
	clear(root);
	const ctx = { me: user, signOut };
	const m = /^\/events\/([0-9a-fA-F-]{36})$/.exec(path);
	if (path === '/settings') {
		teardown = renderSettings(root, ctx);
	} else {
		if (m)
			ctx.openEventId = m[1];
		teardown = renderCalendar(root, ctx);
		if (m)
			history.replaceState(null, '', '#/calendar');
	}
}

// The skip link moves focus without touching the hash the router owns.
document.addEventListener('click', (e) => {
	const a = e.target.closest && e.target.closest('a.skip-link');
	if (!a)
		return;
	e.preventDefault();
	const main = document.getElementById('main');
	if (main)
		main.focus();
});

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => {
	const err = e.reason;
	if (err && err.name === 'ApiError' && err.status !== 401)
		toast(err.message, 'error');
});

api.resume();
if (!location.hash || location.hash === '#' || location.hash === '#/')
	location.replace(api.isSignedIn() ? '#/calendar' : '#/signin');   // hashchange routes
else
	route();
