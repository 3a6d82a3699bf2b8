// api.js — the one way the app talks to aurora-api: JSON requests with the
// access token, silent refresh before it expires, one retry after a 401, and
// errors turned into ApiError objects carrying words a person understands.

const STORE_KEY = 'aurora.session';
const REFRESH_MARGIN_MS = 60 * 1000;     // refresh this long before expiry
const REQUEST_TIMEOUT_MS = 30 * 1000;
const SLOW_MS = 250;                     // progress shows after this long

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field || null;
	}
}

// Friendly words for the codes whose server message is not meant for people.
const CODE_MESSAGES = {
	network: 'Aurora Time cannot be reached. Check your connection and try again.',
	timeout: 'The server took too long to answer. Please try again.',
	rate_limited: 'Too many attempts in a short time. Wait a minute and try again.',
	payload_too_large: 'That is too large to send. Try a smaller file.',
	internal: 'Something went wrong on our side. Please try again in a moment.',
	bad_gateway: 'The service is not reachable right now. Please try again in a moment.',
	unavailable: 'The service is busy or restarting. Please try again in a moment.',
	gateway_timeout: 'The server took too long to answer. Please try again.',
	precondition_failed: 'This event was changed somewhere else meanwhile. It has been reloaded; check it and try again.',
	conflict: 'That conflicts with something that already exists.',
	not_found: 'That no longer exists. It may have been deleted.',
};

// "reminders[1].minutes_before" -> "Reminder 2", "new_password" -> "New password".
function humanField(field) {
	let m;
	if ((m = /^(default_)?reminders\[(\d+)\]/.exec(field)))
		return (m[1] ? 'Default reminder ' : 'Reminder ') + (Number(m[2]) + 1);
	if (/^recurrence/.test(field))
		return 'The repeat rule';
	const s = field.replace(/\[\d+\]/g, '').replace(/[._]/g, ' ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

// A 429 says how long to wait when its Retry-After does (nginx's limit on
// /api/v1/auth/ asks for 1 s; failed sign-ins for a minute or more).
function rateLimitedMessage(seconds) {
	if (!(seconds > 0))
		return CODE_MESSAGES.rate_limited;
	let wait;
	if (seconds <= 5)
		wait = 'a few seconds';
	else if (seconds < 90)
		wait = seconds + ' seconds';
	else
		wait = Math.ceil(seconds / 60) + ' minutes';
	return 'Too many attempts in a short time. Wait ' + wait + ' and try again.';
}

function friendlyMessage(status, code, message, field, retryAfter) {
	if (status === 429 || code === 'rate_limited')
		return rateLimitedMessage(retryAfter);
	if (CODE_MESSAGES[code])
		return CODE_MESSAGES[code];
	if (status >= 500)
		return CODE_MESSAGES.internal;
	let m = (message || '').trim();
	if (field && m.startsWith(field))
		m = humanField(field) + m.slice(field.length);
	if (!m)
		m = 'The request failed (HTTP ' + status + ').';
	m = m.charAt(0).toUpperCase() + m.slice(1);
	if (!/[.!?]$/.test(m))
		m += '.';
	return m;
}

// ---------------------------------------------------------------- progress
let pending = 0;
let slowTimer = null;
const progressListeners = new Set();

export function onProgress(fn) {
	progressListeners.add(fn);
}

function progressStart() {
	pending++;
	if (pending === 1 && !slowTimer)
		slowTimer = setTimeout(() => {
			slowTimer = null;
			if (pending > 0)
				progressListeners.forEach((fn) => fn(true));
		}, SLOW_MS);
}

function progressEnd() {
	pending = Math.max(0, pending - 1);
	if (pending === 0) {
		clearTimeout(slowTimer);
		slowTimer = null;
		progressListeners.forEach((fn) => fn(false));
	}
}

// ---------------------------------------------------------------- session
// The session lives in localStorage so that a reload and other tabs keep it;
// docs/frontend.md weighs this against sessionStorage. Only the tokens are
// kept; the password never is.
let session = loadSession();
let refreshTimer = null;
let refreshing = null;
let refreshingEpoch = -1;
const sessionListeners = new Set();
// Bumped whenever the session ends or a new one starts (not when tokens are
// refreshed): an answer to a request sent under an older epoch must not put
// its tokens back, or a refresh still running when the user signed out would
// sign them in again behind the sign-in screen.
let epoch = 0;

function loadSession() {
	try {
		const s = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
		if (s && typeof s.refresh_token === 'string' && s.refresh_token)
			return s;
	} catch (e) {
		// A damaged entry is as good as none.
	}
	return null;
}

function saveSession(s) {
	if (!s && session)
		epoch++;
	session = s;
	if (s)
		localStorage.setItem(STORE_KEY, JSON.stringify(s));
	else
		localStorage.removeItem(STORE_KEY);
	scheduleRefresh();
}

export function onSessionChange(fn) {
	sessionListeners.add(fn);
}

function notifySession(reason) {
	sessionListeners.forEach((fn) => fn(session, reason));
}

// Another tab signed in, refreshed or signed out.
window.addEventListener('storage', (e) => {
	if (e.key !== STORE_KEY)
		return;
	const had = !!session;
	session = loadSession();
	scheduleRefresh();
	if (had !== !!session) {
		epoch++;
		notifySession(session ? 'tab-signin' : 'tab-signout');
	}
});

export function isSignedIn() {
	return !!session;
}

function decodeJwtPayload(token) {
	try {
		const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
		const bin = atob(part + '='.repeat((4 - part.length % 4) % 4));
		const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
		return JSON.parse(new TextDecoder().decode(bytes));
	} catch (e) {
		return {};
	}
}

// Identity claims of the signed-in user (from the id token; for display only).
export function identity() {
	if (!session || !session.id_token)
		return {};
	return decodeJwtPayload(session.id_token);
}

function sessionFromTokens(t) {
	const lifetime = Number(t.expires_in) > 0 ? Number(t.expires_in) * 1000 : 3600 * 1000;
	return {
		access_token: t.access_token,
		id_token: t.id_token || (session && session.id_token) || '',
		refresh_token: t.refresh_token,
		access_exp: Date.now() + lifetime,
		lifetime: lifetime,
	};
}

function scheduleRefresh() {
	clearTimeout(refreshTimer);
	refreshTimer = null;
	if (!session)
		return;
	// Refresh at the margin before expiry, or at 80% of a short lifetime.
	const margin = Math.min(REFRESH_MARGIN_MS, (session.lifetime || 3600000) * 0.2);
	const wait = Math.max(1000, session.access_exp - margin - Date.now());
	refreshTimer = setTimeout(() => {
		refresh().catch(() => { /* reported through the session listeners */ });
	}, Math.min(wait, 2 ** 31 - 1));
}

// Runs fn while holding the cross-tab refresh lock where the browser has Web
// Locks: two tabs refreshing the same token at once would look like token
// theft to the server (reuse detection) and end the session.
function withRefreshLock(fn) {
	if (navigator.locks && navigator.locks.request)
		return navigator.locks.request('aurora-refresh', fn);
	return fn();
}

// refresh(force): new tokens from the refresh token. Without force, a token
// another tab refreshed meanwhile is taken as it is; with force (after a
// 401), only if it differs from the access token that was refused. Rejects
// with ApiError 401 when the session ended meanwhile (signed out here or in
// another tab); the tokens it got then are revoked, not kept.
export function refresh(force = false) {
	if (refreshing && refreshingEpoch === epoch)
		return refreshing;
	const refused = force && session ? session.access_token : null;
	const started = epoch;
	const over = () => new ApiError(401, 'unauthorized', 'You are signed out.', null);
	const run = withRefreshLock(async () => {
		if (started !== epoch)
			throw over();
		const stored = loadSession();
		if (stored && stored.access_token && stored.access_exp - Date.now() > REFRESH_MARGIN_MS &&
		    stored.access_token !== refused) {
			session = stored;
			scheduleRefresh();
			return session;
		}
		const token = (stored && stored.refresh_token) || (session && session.refresh_token);
		if (!token)
			throw over();
		let res;
		try {
			res = await sendRetrying('POST', '/api/v1/auth/refresh', { refresh_token: token });
		} catch (e) {
			if (started === epoch && (e.status === 400 || e.status === 401 || e.status === 422)) {
				saveSession(null);
				notifySession('expired');
			}
			throw e;
		}
		if (started !== epoch) {
			// Signed out (or in again) while this was on its way.
			send('POST', '/api/v1/auth/logout', { refresh_token: res.refresh_token }, null).catch(() => {});
			throw over();
		}
		saveSession(sessionFromTokens(res));
		return session;
	}).finally(() => {
		if (refreshing === run)
			refreshing = null;
	});
	refreshing = run;
	refreshingEpoch = started;
	return run;
}

async function accessToken() {
	if (!session)
		return null;
	if (!session.access_token || session.access_exp - Date.now() < REFRESH_MARGIN_MS / 2) {
		try {
			await refresh();
		} catch (e) {
			// A session that still has a good access token is used as it is.
			if (!session || !session.access_token || session.access_exp <= Date.now() || e.status === 401)
				throw e;
		}
	}
	return session ? session.access_token : null;
}

// ---------------------------------------------------------------- requests
async function send(method, path, body, token, opts = {}) {
	const headers = { Accept: 'application/json' };
	let payload;
	if (body !== undefined && body !== null) {
		if (opts.contentType) {
			headers['Content-Type'] = opts.contentType;
			payload = body;
		} else {
			headers['Content-Type'] = 'application/json';
			payload = JSON.stringify(body);
		}
	}
	if (token)
		headers.Authorization = 'Bearer ' + token;
	Object.assign(headers, opts.headers || {});
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), opts.timeout || REQUEST_TIMEOUT_MS);
	progressStart();
	let res;
	try {
		res = await fetch(path, { method, headers, body: payload, signal: ctl.signal,
			credentials: 'same-origin', cache: 'no-store' });
	} catch (e) {
		const code = ctl.signal.aborted ? 'timeout' : 'network';
		throw new ApiError(0, code, CODE_MESSAGES[code], null);
	} finally {
		clearTimeout(timer);
		progressEnd();
	}
	if (res.ok && opts.blob)
		return res.blob();
	let data = null;
	const text = await res.text().catch(() => '');
	if (text && (res.headers.get('Content-Type') || '').startsWith('application/json')) {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok) {
		const err = data && data.error ? data.error : {};
		const code = err.code || (res.status === 401 ? 'unauthorized' : 'http_' + res.status);
		const retryAfter = Number(res.headers.get('Retry-After')) || 0;
		const e = new ApiError(res.status, code, friendlyMessage(res.status, code, err.message, err.field, retryAfter), err.field);
		e.retryAfter = retryAfter;
		// The server's own words, for the screens that know them to be
		// meant for people (a generic code message replaces them above).
		e.detail = typeof err.message === 'string' ? err.message : '';
		throw e;
	}
	if (data !== null && typeof data === 'object')
		Object.defineProperty(data, '_etag', { value: res.headers.get('ETag'), enumerable: false });
	return data;
}

// A request nobody typed (the token refresh) waits out one short 429 and
// tries once more: nginx turned it away before the API saw it.
async function sendRetrying(method, path, body) {
	try {
		return await send(method, path, body, null);
	} catch (e) {
		if (e.status !== 429 || !(e.retryAfter > 0) || e.retryAfter > 5)
			throw e;
		await new Promise((resolve) => setTimeout(resolve, e.retryAfter * 1000));
		return send(method, path, body, null);
	}
}

// Ends the session here (when it is still the one a request started under)
// and tells the listeners; the error to throw.
function sessionOver(started) {
	if (session && started === epoch) {
		saveSession(null);
		notifySession('expired');
	}
	return new ApiError(401, 'unauthorized', 'Your session has ended. Please sign in again.', null);
}

// request(method, path, body?, {auth = true, headers, contentType, timeout,
// blob}) resolves to the parsed JSON body (null for 204), or with blob set to
// the body as a Blob (a file to save), or rejects with ApiError.
export async function request(method, path, body, opts = {}) {
	const auth = opts.auth !== false;
	if (!auth)
		return send(method, path, body, null, opts);
	const started = epoch;
	let token = await accessToken();
	if (!token)
		throw new ApiError(401, 'unauthorized', 'You are signed out. Please sign in again.', null);
	try {
		return await send(method, path, body, token, opts);
	} catch (e) {
		if (e.status !== 401)
			throw e;
		if (started !== epoch)
			throw e;   // signed out or in again meanwhile: not this session's business
		// The token may have been revoked or the clock may be off: one refresh,
		// one retry, then the session is over. A refresh that could not get
		// through (network, 429, 5xx) ends nothing: the error says what to do.
		try {
			await refresh(true);
		} catch (re) {
			if (re.status === 0 || re.status === 429 || re.status >= 500)
				throw re;
			throw sessionOver(started);
		}
		token = started === epoch && session && session.access_token;
		if (!token)
			throw new ApiError(401, 'unauthorized', 'You are signed out. Please sign in again.', null);
		try {
			return await send(method, path, body, token, opts);
		} catch (e2) {
			if (e2.status === 401)
				throw sessionOver(started);
			throw e2;
		}
	}
}

// ---------------------------------------------------------------- auth calls
// With two-step sign-in on, the answer is {challenge: 'totp', session}
// and nobody is signed in yet: the caller asks for the second step
// (signInSecondStep). Otherwise the tokens, saved.
export async function signIn(email, password) {
	let tokens;
	try {
		tokens = await send('POST', '/api/v1/auth/login', { email, password }, null);
	} catch (e) {
		if (e.status === 401)
			throw new ApiError(401, 'unauthorized', 'The email address or password is not right.', 'password');
		throw e;
	}
	if (tokens && tokens.challenge)
		return tokens;
	epoch++;
	saveSession(sessionFromTokens(tokens));
	notifySession('signin');
	return tokens;
}

// The second step of a sign-in: answer is {code} or {recovery_code}.
export async function signInSecondStep(session, answer) {
	let tokens;
	try {
		tokens = await send('POST', '/api/v1/auth/mfa', Object.assign({ session }, answer), null);
	} catch (e) {
		if (e.status === 401)
			throw new ApiError(401, 'unauthorized', (answer.recovery_code !== undefined ?
				'That recovery code is not right or was used already' :
				'That code is not right') + ', or this sign-in has expired (after 5 minutes or 5 wrong tries): ' +
				'try again, or go back and sign in again.',
			answer.recovery_code !== undefined ? 'recovery_code' : 'code');
		throw e;
	}
	epoch++;
	saveSession(sessionFromTokens(tokens));
	notifySession('signin');
	return tokens;
}

// Forgets the tokens and tells the listeners at once (the sign-in screen
// shows straight away); the promise covers revoking them on the server,
// which nobody needs to wait for.
export async function signOut() {
	const token = session && session.refresh_token;
	saveSession(null);
	notifySession('signout');
	if (token) {
		// Revoking is best effort: the tokens are already gone from this browser.
		try {
			await send('POST', '/api/v1/auth/logout', { refresh_token: token }, null);
		} catch (e) {
			/* nothing more to do */
		}
	}
}

export async function signOutEverywhere() {
	await request('POST', '/api/v1/auth/logout-all', null);
	saveSession(null);
	notifySession('signout');
}

// reason: 'signout' (default), 'deleted' (the account is gone) or 'reset'.
export function forgetSession(reason = 'signout') {
	saveSession(null);
	notifySession(reason);
}

// Called once at start: a stored session is used as it is; the first request
// refreshes its access token if needed.
export function resume() {
	scheduleRefresh();
	return !!session;
}
