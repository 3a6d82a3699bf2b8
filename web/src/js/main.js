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
let meSeq = 0;        // bumped when the session changes: an older GET /me is not this user's
let renderSeq = 0;
const PUBLIC_HASH = /^#\/(signin|signup|confirm|forgot|reset)(\?|$)/;
const SIGNED_OUT_MSG = { expired: 'expired', deleted: 'deleted' };

api.onProgress((on) => {
	progress.hidden = !on;
	document.body.classList.toggle('is-busy', on);
});

// The one place that leaves a signed-in screen when the session ends (sign
// out here or in another tab, expiry, account deleted). A signed-out screen
// is left alone: the person may be typing in it (say, the forgot-password
// form they went to right after signing out).
api.onSessionChange((session, reason) => {
	me = null;
	meSeq++;
	if (!session) {
		if (!PUBLIC_HASH.test(location.hash))
			location.hash = '#/signin?msg=' + (SIGNED_OUT_MSG[reason] || 'signedout');
	} else if (reason === 'tab-signin' && PUBLIC_HASH.test(location.hash)) {
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
	const seq = meSeq;
	const res = await api.request('GET', '/api/v1/me');
	const user = Object.assign({ time_zone: browserZone(), default_reminders: [] }, res || {});
	if (seq === meSeq)
		me = user;
	return user;
}

// The session listener shows the sign-in screen at once; revoking the tokens
// goes on in the background. (Waiting for it and then setting the hash threw
// away whatever the person had opened meanwhile, e.g. "Forgot password?".)
function signOut() {
	api.signOut().catch(() => { /* best effort: the tokens are gone from here */ });
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
			h('h1', { text: e.status === 429 ? 'Aurora Time is busy' : 'Aurora Time is not reachable' }),
			h('p', { class: 'form-alert', role: 'alert', text: e.message }), retry)));
		return;
	}
	if (seq !== renderSeq)
		return;
	if (!api.isSignedIn()) {
		// Signed out while loading: the session listener has sent the page
		// to sign in; drawing the calendar now would cover that screen.
		if (!PUBLIC_HASH.test(location.hash))
			location.replace('#/signin?msg=signedout');
		return;
	}
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
