// tests/e2e/web.mjs — the web frontend in headless Chromium against a real
// stack: sign-up with the emailed code, sign-in, events in month and week
// view, edit, drag to move and resize, delete, reminders sent by
// aurora-remind, API errors beside their field, the phone layout, keyboard
// use, the CSP, and an axe-core check of every screen.
//
// Run by tests/integration/test_web.py (which starts the stack):
//   node tests/e2e/web.mjs
// Environment: AURORA_E2E_BASE (http://127.0.0.1:PORT), AURORA_E2E_SES
// (the SES emulator, http://127.0.0.1:PORT), AURORA_E2E_OUT (screenshots go
// to its screenshots/), AURORA_E2E_CHROMIUM (default /usr/bin/chromium).
// Prints one line per check: PASS name / FAIL name: why / SKIP name: why.

// The set-up, reporting and small helpers shared with the other browser
// tests are in harness.mjs.

import fs from 'node:fs';
import path from 'node:path';
import {
	BASE, OUT, STEP_MS, apiFromPage, axeCheck as harnessAxeCheck, calendarIdle, chooseInDialog, cleanRunSteps,
	eventEl, expect, finish, launch, line, newContext, own, setFailureShots, shot, start, step, watch,
} from './harness.mjs';

const SES = (process.env.AURORA_E2E_SES || 'http://127.0.0.1:8005').replace(/\/$/, '');
const ZONE = 'America/St_Johns';      // -03:30/-02:30: a half-hour offset catches sloppy conversions

start('web', 240000);

// When a step fails, every open page is saved as FAIL-<name>-<n>.png (with
// its address and heading on a # line) before the pages and contexts the
// step opened with own() are closed.
let browserRef = null;

async function failureShots(name) {
	if (!browserRef)
		return;
	let n = 0;
	for (const ctx of browserRef.contexts()) {
		for (const pg of ctx.pages()) {
			if (pg.isClosed())
				continue;
			n++;
			const file = 'FAIL-' + name + '-' + n;
			let where = pg.url();
			try {
				where += ' — ' + await pg.evaluate(() => {
					const h1 = document.querySelector('h1');
					const dlg = document.querySelector('dialog[open] h2');
					const cal = document.getElementById('calendar');
					return 'h1 "' + (h1 ? h1.textContent.trim() : '') + '"' + (dlg ? ', dialog "' + dlg.textContent.trim() + '"' : '') +
						', requests pending ' + document.body.classList.contains('is-busy') +
						(cal ? ', calendar aria-busy ' + cal.getAttribute('aria-busy') : '');
				}, null, { timeout: 3000 });
			} catch (e) { /* the page may be stuck: the picture still helps */ }
			await shot(pg, file);
			line('# ' + name + ' failed; ' + file + '.png shows ' + where);
		}
	}
}

setFailureShots(failureShots);

// ---------------------------------------------------------------- helpers
async function httpJson(url, opts = {}) {
	const ctl = new AbortController();
	const t = setTimeout(() => ctl.abort(), 10000);
	try {
		const res = await fetch(url, Object.assign({ signal: ctl.signal }, opts));
		const text = await res.text();
		let body = null;
		try {
			body = text ? JSON.parse(text) : null;
		} catch (e) {
			body = text;
		}
		return { status: res.status, headers: res.headers, body };
	} finally {
		clearTimeout(t);
	}
}

// The 6-digit codes mailed to addr (oldest first), read from the SES
// emulator's store: what a person would read in their inbox.
async function mailedCodes(addr) {
	const r = await httpJson(SES + '/store');
	expect(r.status === 200, 'SES emulator /store answered ' + r.status);
	const codes = [];
	for (const m of (r.body && r.body.emails) || []) {
		const to = ((m.destination && m.destination.to) || []).join(' ').toLowerCase();
		if (!to.includes(addr.toLowerCase()))
			continue;
		const text = [m.subject || '', (m.body && m.body.text) || '', (m.body && m.body.html) || ''].join('\n');
		const found = /\b(\d{6})\b/.exec(text);
		if (found)
			codes.push({ code: found[1], subject: m.subject || '' });
	}
	return codes;
}

async function waitForNewCode(addr, seen, what) {
	const deadline = Date.now() + 30000;
	for (;;) {
		const codes = await mailedCodes(addr);
		const fresh = codes.filter((c) => !seen.has(c.code));
		if (fresh.length) {
			const c = fresh[fresh.length - 1];
			seen.add(c.code);
			return c.code;
		}
		expect(Date.now() < deadline, 'no ' + what + ' mail with a 6-digit code reached ' + addr +
			' in the SES emulator within 30 s (is aurora-remind --watch delivering the outbox?)');
		await new Promise((r) => setTimeout(r, 500));
	}
}

async function eventsInWindow(page, fromIso, toIso) {
	const r = await apiFromPage(page, 'GET', '/api/v1/events?from=' + encodeURIComponent(fromIso) +
		'&to=' + encodeURIComponent(toIso) + '&limit=500');
	expect(r.status === 200, 'GET /api/v1/events answered ' + r.status + ' ' + JSON.stringify(r.body).slice(0, 200));
	return r.body.items || [];
}

const pad = (n) => String(n).padStart(2, '0');

// Wall-clock parts of an instant in a zone.
function partsIn(date, tz) {
	const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
		day: '2-digit', hour: '2-digit', minute: '2-digit' });
	const o = {};
	for (const p of f.formatToParts(date))
		o[p.type] = p.value;
	return { date: o.year + '-' + o.month + '-' + o.day, time: o.hour + ':' + o.minute };
}

// "+05:30" style offset of ZONE at the wall time dateStr + 'T' + time.
function offsetAt(dateStr, time) {
	const [y, m, d] = dateStr.split('-').map(Number);
	const [hh, mm] = time.split(':').map(Number);
	const guess = Date.UTC(y, m - 1, d, hh, mm);
	for (const off of [-150, -180, -210, -240, -120, -270]) {
		const t = new Date(guess - off * 60000);
		const p = partsIn(t, ZONE);
		if (p.date === dateStr && p.time === pad(hh) + ':' + pad(mm)) {
			const a = Math.abs(off);
			return (off < 0 ? '-' : '+') + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
		}
	}
	throw new Error('no offset found for ' + dateStr + ' ' + time + ' in ' + ZONE);
}

function addDays(dateStr, n) {
	const [y, m, d] = dateStr.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d + n));
	return t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate());
}

function weekdayCode(dateStr) {
	const [y, m, d] = dateStr.split('-').map(Number);
	return ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
}

// Rules enforced whatever impact axe gives them, and asked for by name so
// that an axe update cannot turn them off unnoticed (issue 17: the calendar's
// scroller must be reachable with the keyboard).
const AXE_ENFORCED = ['scrollable-region-focusable'];

// mustApply: rule ids that must have found something to check on this screen.
async function axeCheck(page, screen, mustApply = []) {
	await harnessAxeCheck(page, screen, { mustApply, enforced: AXE_ENFORCED });
}

async function noHorizontalScroll(page, what) {
	const m = await page.evaluate(() => ({
		sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
		bw: document.body.scrollWidth,
		wide: [...document.querySelectorAll('body *')].filter((e) => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && r.right > document.documentElement.clientWidth + 1 &&
				getComputedStyle(e).position !== 'fixed';
		}).slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + String(e.className).split(' ')[0]),
	}));
	expect(m.sw <= m.cw && m.bw <= m.cw, what + ': page is ' + Math.max(m.sw, m.bw) + ' px wide in a ' + m.cw +
		' px viewport (too wide: ' + m.wide.join(', ') + ')');
}

async function errorFor(page, label) {
	const input = page.getByLabel(label, { exact: true });
	const ids = ((await input.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
	let text = '';
	for (const id of ids) {
		const el = page.locator('#' + id);
		if (await el.count() && await el.isVisible())
			text += (await el.textContent()).trim();
	}
	return { text, invalid: await input.getAttribute('aria-invalid') };
}

// Waits until the view button labelled label is the pressed one and the
// calendar has finished loading that view's events.
async function waitForView(page, label) {
	await page.waitForFunction((label) => {
		const b = document.querySelector('.segmented [aria-pressed=true]');
		const cal = document.getElementById('calendar');
		return b && b.textContent === label && cal && cal.getAttribute('aria-busy') === 'false';
	}, label, { timeout: STEP_MS });
}

// ---------------------------------------------------------------- the run
async function main() {
	const browser = await launch();
	browserRef = browser;
	try {
		const context = await newContext(browser, { viewport: { width: 1280, height: 860 }, timezoneId: ZONE,
			locale: 'en-US' });
		const page = await context.newPage();
		watch(page);

		const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
		const email = 'e2e-' + stamp + '@example.com';
		let password = 'correct horse ' + stamp;
		const seenCodes = new Set();
		const title = 'Team sync ' + stamp;
		const reminderTitle = 'Reminder check ' + stamp;
		let eventId = null;
		let firstDate = null;

		await step('page_loads', [], async () => {
			const r = await page.goto(BASE + '/', { waitUntil: 'load', timeout: 30000 });
			expect(r && r.status() === 200, 'GET / answered ' + (r && r.status()));
			const csp = r.headers()['content-security-policy'] || '';
			expect(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) && !/unsafe-inline/.test(csp),
				'the page is not served under the strict CSP: ' + csp);
			await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
			await shot(page, '01-sign-in');
		});

		await step('axe_sign_in', ['page_loads'], () => axeCheck(page, 'sign-in'));

		await step('rate_limited_message', ['page_loads'], async () => {
			// nginx allows 10 auth requests a second per client address (burst
			// 20), and this whole run comes from 127.0.0.1: what a person sees
			// when sign-in is turned away, with nginx's own 429 answer.
			await page.route('**/api/v1/auth/login', (route) => route.fulfill({ status: 429,
				headers: { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '1' },
				body: '{"error":{"code":"rate_limited","message":"Too many requests; retry later."}}\n' }));
			try {
				await page.getByLabel('Email', { exact: true }).fill(email);
				await page.getByLabel('Password', { exact: true }).fill('not tried at all');
				const [resp] = await Promise.all([
					page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'), { timeout: STEP_MS }),
					page.getByRole('button', { name: 'Sign in', exact: true }).click(),
				]);
				expect(resp.status() === 429, 'the stubbed sign-in answered ' + resp.status());
				const alert = page.locator('.form-alert[role=alert]');
				await alert.waitFor();
				const text = (await alert.textContent()).trim();
				expect(/too many/i.test(text) && /wait .+ try again/i.test(text),
					'a 429 shows "' + text + '", not what happened and what to do');
				expect(!/rate_limited|HTTP \d|429/.test(text), 'the 429 message shows a code, not words: ' + text);
				await page.getByRole('button', { name: 'Sign in', exact: true }).and(page.locator(':enabled')).waitFor();
				expect(await page.evaluate(() => localStorage.getItem('aurora.session')) === null, 'a refused sign-in stored a session');
				await shot(page, '01b-sign-in-rate-limited');
			} finally {
				await page.unroute('**/api/v1/auth/login');
			}
			await page.getByLabel('Password', { exact: true }).fill('');
		});

		await step('api_error_beside_field', ['page_loads'], async () => {
			await page.getByRole('link', { name: 'Create an account' }).click();
			await page.getByRole('button', { name: 'Sign up', exact: true }).waitFor();
			await shot(page, '02-sign-up');
			await axeCheck(page, 'sign-up');
			await page.getByLabel('Name', { exact: true }).fill('E2E Person');
			await page.getByLabel('Email', { exact: true }).fill(email);
			// Too short for the server: the browser does not check it, the API does.
			await page.getByLabel('Password', { exact: true }).fill('short');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'), { timeout: STEP_MS }),
				page.getByRole('button', { name: 'Sign up', exact: true }).click(),
			]);
			expect(resp.status() === 422, 'sign-up with a 5-character password answered ' + resp.status() + ', not 422');
			const apiErr = (await resp.json()).error || {};
			expect(apiErr.field === 'password', 'the API named field ' + JSON.stringify(apiErr.field) + ', not "password"');
			await page.waitForFunction(() => document.querySelector('input[name=password][aria-invalid=true]'), null,
				{ timeout: STEP_MS });
			const err = await errorFor(page, 'Password');
			expect(err.invalid === 'true', 'the Password field is not marked aria-invalid');
			expect(err.text.length > 5, 'no error text is shown next to the Password field');
			expect(!/validation_failed|HTTP \d/.test(err.text), 'the error shows a code, not words: ' + err.text);
			expect(await page.locator('.form-alert:visible').count() === 0, 'the error was shown at the top, not beside its field');
			await shot(page, '03-sign-up-error');
		});

		await step('sign_up_and_confirm', ['page_loads'], async () => {
			if (!(await page.getByRole('button', { name: 'Sign up', exact: true }).count())) {
				await page.goto(BASE + '/#/signup');
				await page.getByLabel('Email', { exact: true }).fill(email);
			}
			await page.getByLabel('Password', { exact: true }).fill(password);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'), { timeout: STEP_MS }),
				page.getByRole('button', { name: 'Sign up', exact: true }).click(),
			]);
			expect(resp.status() === 201, 'POST /api/v1/auth/signup answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await page.getByLabel('Confirmation code', { exact: true }).waitFor();
			const code = await waitForNewCode(email, seenCodes, 'confirmation');
			await page.getByLabel('Confirmation code', { exact: true }).fill(code);
			// The password typed at sign-up is still in memory: not asked again.
			expect(await page.getByLabel('Password', { exact: true }).count() === 0,
				'the confirm form asks for the password it was just given');
			await shot(page, '04-confirm');
			await axeCheck(page, 'confirm');
			const [confirmReq] = await Promise.all([
				page.waitForRequest((r) => r.url().endsWith('/api/v1/auth/confirm'), { timeout: STEP_MS }),
				page.getByRole('button', { name: 'Confirm', exact: true }).click(),
			]);
			// The code's reader names the password in force (issue 13): the
			// one typed at sign-up goes with the code.
			const sent = confirmReq.postDataJSON() || {};
			expect(sent.password === password && sent.email === email,
				'the confirmation did not carry the sign-up password: ' + JSON.stringify(Object.keys(sent)));
			// Confirming signs the new account straight in.
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			const me = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(me.status === 200, 'GET /api/v1/me answered ' + me.status);
			expect(me.body.time_zone === ZONE, 'a new account should take the browser\'s time zone ' + ZONE +
				', got ' + me.body.time_zone);
		});

		// After a reload the sign-up's password is gone from memory (it is
		// never stored): the confirm form asks for it and sends it.
		await step('confirm_after_reload_asks_password', ['page_loads'], async () => {
			const ctx = own(await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: ZONE,
				locale: 'en-US' }));
			ctx.setDefaultTimeout(STEP_MS);
			const p = await ctx.newPage();
			watch(p);
			const email2 = 'e2e-reload-' + stamp + '@example.com';
			const password2 = 'reloaded horse ' + stamp;
			await p.goto(BASE + '/#/signup');
			await p.getByLabel('Email', { exact: true }).fill(email2);
			await p.getByLabel('Password', { exact: true }).fill(password2);
			const [resp] = await Promise.all([
				p.waitForResponse((r) => r.url().endsWith('/api/v1/auth/signup'), { timeout: STEP_MS }),
				p.getByRole('button', { name: 'Sign up', exact: true }).click(),
			]);
			expect(resp.status() === 201, 'POST /api/v1/auth/signup answered ' + resp.status());
			await p.getByLabel('Confirmation code', { exact: true }).waitFor();
			const kept = await p.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),
				document.cookie]));
			expect(!kept.includes(password2), 'the sign-up password is in the browser\'s storage');
			await p.reload({ waitUntil: 'load' });
			await p.getByLabel('Confirmation code', { exact: true }).waitFor();
			await p.getByLabel('Password', { exact: true }).waitFor();
			const code = await waitForNewCode(email2, seenCodes, 'confirmation');
			await p.getByLabel('Confirmation code', { exact: true }).fill(code);
			// Without the password the form says so beside the field.
			await p.getByRole('button', { name: 'Confirm', exact: true }).click();
			await p.waitForFunction(() => document.querySelector('input[name=password][aria-invalid=true]'), null,
				{ timeout: STEP_MS });
			await p.getByLabel('Password', { exact: true }).fill(password2);
			await shot(p, '04b-confirm-after-reload');
			await axeCheck(p, 'confirm-after-reload');
			const [req] = await Promise.all([
				p.waitForRequest((r) => r.url().endsWith('/api/v1/auth/confirm'), { timeout: STEP_MS }),
				p.getByRole('button', { name: 'Confirm', exact: true }).click(),
			]);
			expect((req.postDataJSON() || {}).password === password2, 'the typed password was not sent with the code');
			await p.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		// A new account's week holds no event, so no event in the time
		// grid's scroller takes focus: something else in it must (axe
		// scrollable-region-focusable), reached with Tab, keeping the scroll
		// position, and Page Down must then scroll it.
		await step('empty_calendar_scroller_keyboard', ['sign_up_and_confirm'], async () => {
			await waitForView(page, 'Week');
			await axeCheck(page, 'empty-week', ['scrollable-region-focusable']);
			const scrolledTo = await page.evaluate(() => [...document.querySelectorAll('#calendar *')]
				.filter((e) => e.scrollTop > 0).map((e) => e.scrollTop));
			await page.locator('body').click({ position: { x: 2, y: 2 } });
			let found = null;
			for (let i = 0; i < 40 && !found; i++) {
				await page.keyboard.press('Tab');
				found = await page.evaluate(() => {
					const el = document.activeElement;
					let sc = el;
					while (sc && sc.id !== 'calendar' && !(sc.scrollHeight > sc.clientHeight + 1 &&
						/auto|scroll/.test(getComputedStyle(sc).overflowY)))
						sc = sc.parentElement;
					if (!el || !el.closest('#calendar') || !sc || sc.id === 'calendar')
						return null;
					sc.dataset.e2eScroller = '1';
					return { name: el.getAttribute('aria-label') || el.textContent.trim(), top: sc.scrollTop };
				});
			}
			expect(found, 'Tab never reaches the scrollable part of the week view');
			expect(found.name, 'what takes focus in the calendar scroller has no accessible name');
			await shot(page, '05a-calendar-scroller-focus');
			// Taking focus keeps the scroll position (the morning, scrollTime).
			expect(scrolledTo.includes(found.top), 'focus moved the calendar to ' + found.top + ' px from ' + scrolledTo);
			await page.keyboard.press('PageDown');
			await page.waitForFunction((top) => document.querySelector('[data-e2e-scroller]').scrollTop > top, found.top,
				{ timeout: 5000 }).catch(() => expect(false, 'Page Down does not scroll the calendar from the focus Tab gave it'));
			await page.evaluate(() => delete document.querySelector('[data-e2e-scroller]').dataset.e2eScroller);
		});

		// A reminder that aurora-remind sends within a couple of minutes;
		// checked at the end so the wait overlaps the other steps.
		let reminderStart = null;
		await step('create_event_with_soon_reminder', ['sign_up_and_confirm'], async () => {
			const start = new Date(Math.ceil(Date.now() / 60000) * 60000 + 2 * 60000);
			reminderStart = start;
			const s = partsIn(start, ZONE);
			const e = partsIn(new Date(start.getTime() + 30 * 60000), ZONE);
			await page.getByRole('button', { name: 'New event' }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByLabel('Title', { exact: true }).fill(reminderTitle);
			await dlg.getByLabel('Start', { exact: true }).fill(s.date + 'T' + s.time);
			await dlg.getByLabel('End', { exact: true }).fill(e.date + 'T' + e.time);
			const rem = dlg.getByLabel('Reminder 1', { exact: true });
			if (!(await rem.count()))
				await dlg.getByRole('button', { name: 'Add reminder' }).click();
			await dlg.getByLabel('Reminder 1', { exact: true }).fill('1');
			await dlg.getByLabel('Reminder 1 unit', { exact: true }).selectOption('minutes');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			expect(resp.status() === 201, 'POST /api/v1/events answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 300));
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
		});

		await step('session_survives_reload', ['sign_up_and_confirm'], async () => {
			await page.reload({ waitUntil: 'load' });
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			expect(await page.getByRole('button', { name: 'Sign in', exact: true }).count() === 0, 'the sign-in form came back after a reload');
		});

		await step('sign_out_and_sign_in', ['sign_up_and_confirm'], async () => {
			await page.getByRole('button', { name: 'Sign out', exact: true }).click();
			await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
			const stored = await page.evaluate(() => localStorage.getItem('aurora.session'));
			expect(stored === null, 'tokens are still stored after signing out');
			await page.getByLabel('Email', { exact: true }).fill(email);
			await page.getByLabel('Password', { exact: true }).fill('not the password');
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.waitForFunction(() => document.querySelector('input[name=password][aria-invalid=true]'), null, { timeout: STEP_MS });
			const err = await errorFor(page, 'Password');
			expect(/password/i.test(err.text), 'a wrong password shows "' + err.text + '" beside the Password field');
			await page.getByLabel('Password', { exact: true }).fill(password);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		await step('silent_token_refresh', ['sign_out_and_sign_in'], async () => {
			const before = await page.evaluate(() => JSON.parse(localStorage.getItem('aurora.session')));
			// Pretend the access token expires in 20 s: the app must refresh on its own.
			await page.evaluate(() => {
				const s = JSON.parse(localStorage.getItem('aurora.session'));
				s.access_exp = Date.now() + 20000;
				localStorage.setItem('aurora.session', JSON.stringify(s));
			});
			await page.reload({ waitUntil: 'load' });
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			await page.waitForFunction((old) => {
				const s = JSON.parse(localStorage.getItem('aurora.session') || 'null');
				return s && s.refresh_token !== old && s.access_exp > Date.now() + 120000;
			}, before.refresh_token, { timeout: 20000 });
			const r = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(r.status === 200, 'after the silent refresh GET /api/v1/me answered ' + r.status);
		});

		await step('create_weekly_event_with_reminder', ['sign_out_and_sign_in'], async () => {
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await page.getByRole('button', { name: 'Today', exact: true }).click();
			// This week, on a day that leaves room to drag one day later.
			const today = partsIn(new Date(), ZONE).date;
			const days = await page.locator('#calendar [role=columnheader][data-date]').evaluateAll((els) => els.map((e) => e.dataset.date));
			expect(days.length === 7, 'week view shows ' + days.length + ' day columns');
			firstDate = days.includes(today) && today !== days[6] ? today : days[2];
			await page.getByRole('button', { name: 'New event' }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByLabel('Title', { exact: true }).fill(title);
			await dlg.getByLabel('Start', { exact: true }).fill(firstDate + 'T10:00');
			await dlg.getByLabel('End', { exact: true }).fill(firstDate + 'T11:00');
			await dlg.getByLabel('Location', { exact: true }).fill('Room 4');
			await dlg.getByLabel('Description', { exact: true }).fill('Weekly status.');
			await dlg.getByLabel('Repeat', { exact: true }).selectOption('WEEKLY');
			const rem = dlg.getByLabel('Reminder 1', { exact: true });
			if (!(await rem.count()))
				await dlg.getByRole('button', { name: 'Add reminder' }).click();
			await dlg.getByLabel('Reminder 1', { exact: true }).fill('30');
			await dlg.getByLabel('Reminder 1 unit', { exact: true }).selectOption('minutes');
			await shot(page, '05-new-event-dialog');
			await axeCheck(page, 'event-dialog');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			const text = await resp.text();
			expect(resp.status() === 201, 'POST /api/v1/events answered ' + resp.status() + ' ' + text.slice(0, 300));
			const ev = JSON.parse(text);
			eventId = ev.id;
			const want = firstDate + 'T10:00:00' + offsetAt(firstDate, '10:00');
			expect(ev.start === want, 'saved start is ' + ev.start + ', expected ' + want);
			expect(ev.time_zone === ZONE, 'saved time zone ' + ev.time_zone);
			expect((ev.recurrence || []).some((l) => l === 'RRULE:FREQ=WEEKLY;BYDAY=' + weekdayCode(firstDate)),
				'saved recurrence ' + JSON.stringify(ev.recurrence));
			expect((ev.reminders || []).length === 1 && ev.reminders[0].minutes_before === 30,
				'saved reminders ' + JSON.stringify(ev.reminders));
		});

		await step('event_in_week_view', ['create_weekly_event_with_reminder'], async () => {
			const el = eventEl(page, title);
			await el.first().waitFor();
			expect(await el.count() === 1, 'week view shows ' + (await el.count()) + ' copies of the event');
			const txt = await el.first().textContent();
			expect(/10:00/.test(txt) && /11:00/.test(txt), 'the event shows "' + txt + '", not 10:00 – 11:00');
			// Drawn in the column of its day, beside the 10:00 row.
			const col = await page.locator('#calendar [role=columnheader][data-date="' + firstDate + '"]').boundingBox();
			const box = await el.first().boundingBox();
			expect(box.x >= col.x - 2 && box.x + box.width <= col.x + col.width + 2,
				'the event is not drawn in the column of ' + firstDate);
			const slot = await page.locator('#calendar [data-time="10:00:00"]').first().boundingBox();
			expect(Math.abs(box.y - slot.y) < 6, 'the event top (' + box.y + ') is not at the 10:00 line (' + slot.y + ')');
			await shot(page, '06-week-view');
			await axeCheck(page, 'week-view', ['scrollable-region-focusable']);
		});

		await step('event_in_month_view', ['create_weekly_event_with_reminder'], async () => {
			await page.getByRole('button', { name: 'Month', exact: true }).click();
			// Until the month's events are in, the week's are still drawn: count
			// only once the calendar has finished loading.
			await waitForView(page, 'Month');
			const el = eventEl(page, title);
			await el.first().waitFor();
			// Weekly: at least the first occurrence and the next one in the visible weeks.
			const n = await el.count();
			const visibleDays = await page.locator('#calendar [role=gridcell][data-date]').evaluateAll((els) => els.map((e) => e.dataset.date));
			const expected = visibleDays.filter((d) => d >= firstDate && weekdayCode(d) === weekdayCode(firstDate)).length;
			expect(n >= Math.min(expected, 2) && n <= expected,
				'month view shows ' + n + ' occurrences of a weekly event; ' + expected + ' of its days are visible');
			const cell = await page.locator('#calendar [role=gridcell][data-date="' + firstDate + '"]').boundingBox();
			const box = await el.first().boundingBox();
			expect(box.x >= cell.x - 2 && box.x < cell.x + cell.width, 'the first occurrence is not in the cell of ' + firstDate);
			await shot(page, '07-month-view');
			await axeCheck(page, 'month-view');
			await page.getByRole('button', { name: 'Agenda', exact: true }).click();
			await waitForView(page, 'Agenda');
			await eventEl(page, title).first().waitFor();
			await shot(page, '08-agenda-view');
			await axeCheck(page, 'agenda-view');
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await waitForView(page, 'Week');
			await eventEl(page, title).first().waitFor();
		});

		await step('edit_event', ['event_in_week_view'], async () => {
			await eventEl(page, title).first().click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Edit event' }).waitFor();
			expect(await dlg.getByLabel('Location', { exact: true }).inputValue() === 'Room 4', 'the dialog lost the location');
			await dlg.getByLabel('Title', { exact: true }).fill(title + ' (edited)');
			await dlg.getByLabel('Location', { exact: true }).fill('Room 5');
			await shot(page, '09-edit-event-dialog');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/events/' + eventId) && r.request().method() === 'PATCH'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			expect(resp.status() === 200, 'PATCH answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			await eventEl(page, title + ' (edited)').first().waitFor();
			const r = await apiFromPage(page, 'GET', '/api/v1/events/' + eventId);
			expect(r.body.title === title + ' (edited)' && r.body.location === 'Room 5', 'the API has ' + JSON.stringify(r.body).slice(0, 200));
			expect(r.body.start.startsWith(firstDate + 'T10:00:00'), 'editing moved the start to ' + r.body.start);
		});

		await step('move_by_dragging', ['edit_event'], async () => {
			// Dragging is between the day columns of the week view.
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await waitForView(page, 'Week');
			const el = eventEl(page, title + ' (edited)').first();
			await el.waitFor();
			const box = await el.boundingBox();
			const target = addDays(firstDate, 1);
			const col = await page.locator('#calendar [role=columnheader][data-date="' + target + '"]').boundingBox();
			expect(col, 'no column for ' + target + ' in week view');
			const x0 = box.x + box.width / 2;
			const y0 = box.y + Math.min(12, box.height / 3);
			const x1 = col.x + col.width / 2;
			await page.mouse.move(x0, y0);
			await page.mouse.down();
			for (let i = 1; i <= 10; i++)
				await page.mouse.move(x0 + (x1 - x0) * i / 10, y0 + 1, { steps: 2 });
			await page.mouse.up();
			// A repeating event asks which occurrences move.
			await chooseInDialog(page, 'All events');
			const deadline = Date.now() + STEP_MS;
			let r;
			for (;;) {
				r = await apiFromPage(page, 'GET', '/api/v1/events/' + eventId);
				if (r.body && r.body.start && r.body.start.startsWith(target))
					break;
				expect(Date.now() < deadline, 'after dragging, the API still has start ' + (r.body && r.body.start));
				await page.waitForTimeout(300);
			}
			expect(r.body.start === target + 'T10:00:00' + offsetAt(target, '10:00') &&
				r.body.end === target + 'T11:00:00' + offsetAt(target, '11:00'),
				'after dragging one day later the event is ' + r.body.start + ' – ' + r.body.end);
			expect((r.body.recurrence || []).includes('RRULE:FREQ=WEEKLY;BYDAY=' + weekdayCode(target)),
				'the weekly rule did not follow the move: ' + JSON.stringify(r.body.recurrence));
			firstDate = target;
			await calendarIdle(page);
			await eventEl(page, title + ' (edited)').first().waitFor();
			await shot(page, '10-after-drag');
		});

		await step('resize_by_dragging', ['move_by_dragging'], async () => {
			await calendarIdle(page);
			const el = eventEl(page, title + ' (edited)').first();
			await el.hover();
			const box = await el.boundingBox();
			const slot10 = await page.locator('#calendar [data-time="10:00:00"]').first().boundingBox();
			const slot11 = await page.locator('#calendar [data-time="11:00:00"]').first().boundingBox();
			const hour = slot11.y - slot10.y;
			const x = box.x + box.width / 2;
			const y0 = box.y + box.height - 3;
			await page.mouse.move(x, y0);
			await page.mouse.down();
			for (let i = 1; i <= 10; i++)
				await page.mouse.move(x, y0 + hour * i / 10, { steps: 2 });
			await page.mouse.up();
			await chooseInDialog(page, 'All events');
			const deadline = Date.now() + STEP_MS;
			let r;
			for (;;) {
				r = await apiFromPage(page, 'GET', '/api/v1/events/' + eventId);
				if (r.body && r.body.end === firstDate + 'T12:00:00' + offsetAt(firstDate, '12:00'))
					break;
				expect(Date.now() < deadline, 'after dragging the bottom edge an hour down, the API has end ' + (r.body && r.body.end));
				await page.waitForTimeout(300);
			}
			expect(r.body.start === firstDate + 'T10:00:00' + offsetAt(firstDate, '10:00'), 'resizing changed the start to ' + r.body.start);
			await calendarIdle(page);
		});

		await step('keyboard_use', ['sign_out_and_sign_in'], async () => {
			// Tab reaches "New event"; Enter opens the dialog; Escape closes it.
			await page.locator('body').click({ position: { x: 2, y: 2 } });
			let found = false;
			for (let i = 0; i < 12 && !found; i++) {
				await page.keyboard.press('Tab');
				found = await page.evaluate(() => document.activeElement && document.activeElement.textContent.includes('New event'));
			}
			expect(found, '"New event" is not reachable with Tab');
			await page.keyboard.press('Enter');
			await page.locator('dialog[open]').waitFor();
			const focused = await page.evaluate(() => document.activeElement && document.activeElement.labels &&
				document.activeElement.labels[0] && document.activeElement.labels[0].textContent);
			expect(focused === 'Title', 'the dialog did not put focus on Title (focus is on ' + focused + ')');
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			// Shortcuts: m for month, w for week.
			await page.keyboard.press('m');
			await page.waitForFunction(() => document.querySelector('.segmented [aria-pressed=true]').dataset.view === 'dayGridMonth');
			await page.keyboard.press('w');
			await page.waitForFunction(() => document.querySelector('.segmented [aria-pressed=true]').dataset.view === 'timeGridWeek');
		});

		await step('delete_event', ['edit_event'], async () => {
			const el = eventEl(page, title + ' (edited)').first();
			await el.waitFor();
			await el.click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Edit event' }).waitFor();
			await dlg.getByRole('button', { name: 'Delete', exact: true }).click();
			await chooseInDialog(page, 'All events');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			await page.waitForFunction((t) => ![...document.querySelectorAll('#calendar [data-event-id]')]
				.some((e) => e.textContent.includes(t)), title, { timeout: STEP_MS });
			const r = await apiFromPage(page, 'GET', '/api/v1/events/' + eventId);
			expect(r.status === 404, 'after deleting, GET /api/v1/events/{id} answered ' + r.status);
			await shot(page, '11-after-delete');
		});

		await step('all_day_event', ['sign_out_and_sign_in'], async () => {
			let day = addDays(partsIn(new Date(), ZONE).date, 1);
			if (weekdayCode(day) === 'SA')
				day = addDays(day, 1);   // both days in one row of the month grid
			await page.getByRole('button', { name: 'New event' }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByLabel('Title', { exact: true }).fill('Offsite ' + stamp);
			await dlg.getByLabel('All day', { exact: true }).check();
			await dlg.getByLabel('Start', { exact: true }).fill(day);
			await dlg.getByLabel('End', { exact: true }).fill(addDays(day, 1));
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			const text = await resp.text();
			expect(resp.status() === 201, 'POST /api/v1/events answered ' + resp.status() + ' ' + text.slice(0, 300));
			const ev = JSON.parse(text);
			// The dialog shows the last day; the API's end is exclusive.
			expect(ev.all_day === true && ev.start === day && ev.end === addDays(day, 2),
				'saved all-day event ' + ev.start + ' – ' + ev.end + ' (all_day ' + ev.all_day + '), expected ' + day + ' – ' + addDays(day, 2));
			await page.getByRole('button', { name: 'Month', exact: true }).click();
			await page.evaluate((d) => window.auroraCalendar.gotoDate(d), day);
			const el = eventEl(page, 'Offsite ' + stamp).first();
			await el.waitFor();
			const cell = await page.locator('#calendar [role=gridcell][data-date="' + day + '"]').boundingBox();
			const box = await el.boundingBox();
			expect(box.x >= cell.x - 2 && box.x < cell.x + cell.width && box.width > cell.width * 1.5,
				'the two-day event is not drawn across ' + day + ' and the next day');
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await page.getByRole('button', { name: 'Today', exact: true }).click();
		});

		await step('settings_screen', ['sign_out_and_sign_in'], async () => {
			await page.getByRole('link', { name: 'Settings' }).click();
			await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
			expect(await page.getByLabel('Name', { exact: true }).inputValue() === 'E2E Person', 'the Name field does not show the name');
			expect(await page.getByLabel('Time zone', { exact: true }).inputValue() === ZONE, 'the Time zone field does not show ' + ZONE);
			// Default reminders: one of 1 hour.
			await page.getByRole('button', { name: 'Add reminder' }).click();
			await page.getByLabel('Reminder 1', { exact: true }).fill('1');
			await page.getByLabel('Reminder 1 unit', { exact: true }).selectOption('hours');
			await page.getByLabel('Name', { exact: true }).fill('E2E Renamed');
			await page.getByRole('button', { name: 'Save', exact: true }).click();
			await page.getByText('Settings saved.').waitFor();
			const me = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(me.body.name === 'E2E Renamed', 'name is ' + me.body.name);
			expect(JSON.stringify((me.body.default_reminders || []).map((r) => r.minutes_before)) === '[60]',
				'default reminders are ' + JSON.stringify(me.body.default_reminders));
			// The private feed address: create, then it serves ICS.
			await page.getByRole('button', { name: 'Create the private address' }).click();
			const feed = page.getByLabel('Private address in iCal format', { exact: true });
			await feed.waitFor();
			const url = await feed.inputValue();
			expect(/\/feeds\/.+\.ics$/.test(url), 'the feed address is ' + url);
			const ics = await fetch(BASE + new URL(url).pathname);
			const body = await ics.text();
			expect(ics.status === 200 && body.includes('BEGIN:VCALENDAR'), 'the feed answered ' + ics.status);
			expect(body.includes(reminderTitle), 'the feed does not list the event "' + reminderTitle + '"');
			await page.getByRole('button', { name: 'Rotate the private address' }).click();
			await chooseInDialog(page, 'Rotate');
			await page.waitForFunction((old) => {
				const el = document.getElementById('feed-url');
				return el && el.value && el.value !== old;
			}, url);
			const oldFeed = await fetch(BASE + new URL(url).pathname);
			expect(oldFeed.status === 404, 'the rotated-away feed address still answers ' + oldFeed.status);
			await shot(page, '12-settings');
			await axeCheck(page, 'settings');
		});

		await step('ics_import', ['settings_screen'], async () => {
			const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Aurora e2e//EN', 'BEGIN:VEVENT',
				'UID:e2e-import-' + stamp + '@example.com', 'DTSTAMP:20260101T000000Z',
				'DTSTART;VALUE=DATE:' + addDays(partsIn(new Date(), ZONE).date, 1).replace(/-/g, ''),
				'DTEND;VALUE=DATE:' + addDays(partsIn(new Date(), ZONE).date, 2).replace(/-/g, ''),
				'SUMMARY:Imported ' + stamp, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
			const file = path.join(OUT, 'import-' + stamp + '.ics');
			fs.writeFileSync(file, ics);
			await page.getByLabel('ICS file', { exact: true }).setInputFiles(file);
			await page.getByRole('button', { name: 'Import', exact: true }).click();
			await page.getByText(/Import finished: 1 imported/).waitFor({ timeout: STEP_MS });
		});

		await step('reminder_sent_in_panel', ['create_event_with_soon_reminder'], async () => {
			await page.goto(BASE + '/#/calendar');
			const panel = page.getByRole('complementary', { name: 'Upcoming reminders' });
			await panel.waitFor();
			const item = panel.locator('.reminder-item').filter({ hasText: reminderTitle });
			const deadline = reminderStart.getTime() + 75000;
			for (;;) {
				if (await item.count()) {
					const status = await item.first().getAttribute('data-status');
					if (status === 'sent')
						break;
					expect(status !== 'failed', 'the reminder failed: ' + (await item.first().textContent()));
				}
				expect(Date.now() < deadline, 'the reminder due at ' + new Date(reminderStart.getTime() - 60000).toISOString() +
					' is not shown as sent (' + (await item.count() ? await item.first().textContent() : 'not listed') + ')');
				await page.waitForTimeout(3000);
				await panel.getByRole('button', { name: 'Refresh reminders' }).click();
			}
			expect(await item.first().locator('.badge').textContent() === 'Sent', 'the badge does not say Sent');
			const mails = await httpJson(SES + '/store');
			const got = ((mails.body && mails.body.emails) || []).some((m) => ((m.destination || {}).to || []).join(' ').includes(email) &&
				((m.subject || '') + ((m.body || {}).text || '')).includes(reminderTitle));
			expect(got, 'no reminder mail for "' + reminderTitle + '" reached the SES emulator');
			await shot(page, '13-reminder-sent');
		}, 180000);

		await step('phone_layout_no_horizontal_scroll', ['sign_out_and_sign_in'], async () => {
			const phone = own(await browser.newContext({ viewport: { width: 375, height: 740 }, timezoneId: ZONE, locale: 'en-US',
				isMobile: true, hasTouch: true, deviceScaleFactor: 2 }));
			phone.setDefaultTimeout(STEP_MS);
			const p = await phone.newPage();
			watch(p);
			await p.goto(BASE + '/#/signin');
			await p.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
			await noHorizontalScroll(p, 'sign-in at 375 px');
			await shot(p, '20-phone-sign-in');
			await p.getByLabel('Email', { exact: true }).fill(email);
			await p.getByLabel('Password', { exact: true }).fill(password);
			await p.getByRole('button', { name: 'Sign in', exact: true }).click();
			await p.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			for (const view of ['Day', 'Week', 'Month', 'Agenda']) {
				await p.getByRole('button', { name: view, exact: true }).click();
				await waitForView(p, view);
				await noHorizontalScroll(p, view + ' view at 375 px');
				await shot(p, '21-phone-' + view.toLowerCase());
			}
			await axeCheck(p, 'phone-calendar');
			await p.getByRole('button', { name: 'New event' }).click();
			await p.locator('dialog[open]').waitFor();
			await noHorizontalScroll(p, 'the event dialog at 375 px');
			const dbox = await p.locator('dialog[open]').boundingBox();
			expect(dbox.x >= 0 && dbox.x + dbox.width <= 375, 'the event dialog is ' + dbox.width + ' px wide at x ' + dbox.x);
			await shot(p, '22-phone-event-dialog');
			await p.keyboard.press('Escape');
			await p.getByRole('link', { name: 'Settings' }).click();
			await p.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
			await noHorizontalScroll(p, 'settings at 375 px');
			await shot(p, '23-phone-settings');
		});

		await step('forgot_and_reset_password', ['sign_out_and_sign_in'], async () => {
			const p = own(await context.newPage());
			watch(p);
			await p.goto(BASE + '/#/signin');
			// Signed in already in this context: the app goes to the calendar.
			await p.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			// Signing out shows the sign-in screen at once and revokes the tokens
			// in the background. A slow revoke (a busy server) must not pull the
			// person back from the screen they went to next: it is held here
			// until they are on "Forgot password?" and have typed their address.
			let release;
			const held = new Promise((r) => { release = r; });
			await p.route('**/api/v1/auth/logout', async (route) => {
				await held;
				await route.continue().catch(() => {});
			});
			const revoked = p.waitForResponse((r) => r.url().endsWith('/api/v1/auth/logout'), { timeout: STEP_MS });
			revoked.catch(() => {});   // awaited below; never an unhandled rejection
			try {
				await p.getByRole('button', { name: 'Sign out', exact: true }).click();
				await p.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
				expect(await p.evaluate(() => localStorage.getItem('aurora.session')) === null,
					'tokens are still stored after signing out');
				await p.getByRole('link', { name: 'Forgot password?' }).click();
				await p.getByRole('heading', { name: 'Reset your password', level: 1 }).waitFor();
				await p.getByLabel('Email', { exact: true }).fill(email);
			} finally {
				release();
			}
			const logout = await revoked;
			expect(logout.status() === 204, 'POST /api/v1/auth/logout answered ' + logout.status());
			await logout.finished();
			await p.unroute('**/api/v1/auth/logout');
			await p.getByRole('button', { name: 'Send reset code' }).click();
			await p.getByLabel('Reset code', { exact: true }).waitFor();
			expect(await p.getByLabel('Email', { exact: true }).inputValue() === email,
				'the reset form lost the address typed on the forgot screen');
			const code = await waitForNewCode(email, seenCodes, 'password reset');
			await p.getByLabel('Reset code', { exact: true }).fill(code);
			password = 'a brand new password ' + stamp;
			await p.getByLabel('New password', { exact: true }).fill(password);
			await shot(p, '14-reset-password');
			await axeCheck(p, 'reset-password');
			await p.getByRole('button', { name: 'Change password' }).click();
			await p.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
			await p.getByLabel('Password', { exact: true }).fill(password);
			await p.getByRole('button', { name: 'Sign in', exact: true }).click();
			await p.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		await step('sign_out_everywhere', ['forgot_and_reset_password'], async () => {
			// The reset page signed in again with the new password; tabs share it.
			await page.goto(BASE + '/#/calendar');
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			const refreshToken = await page.evaluate(() => JSON.parse(localStorage.getItem('aurora.session')).refresh_token);
			await page.getByRole('link', { name: 'Settings' }).click();
			await page.getByRole('button', { name: 'Sign out everywhere' }).click();
			await chooseInDialog(page, 'Sign out everywhere');
			await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
			const r = await httpJson(BASE + '/api/v1/auth/refresh', { method: 'POST',
				headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) });
			expect(r.status === 401, 'the old refresh token still answers ' + r.status + ' after signing out everywhere');
		});

		await cleanRunSteps('page_loads');
	} finally {
		await browser.close().catch(() => {});
	}
}

finish(main);
