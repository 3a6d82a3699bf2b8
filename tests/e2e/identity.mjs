// tests/e2e/identity.mjs — the Sessions and Email address parts of the
// settings in headless Chromium against a real stack (issue 16): the list of
// signed-in devices with their names ("Firefox on Linux"), where from and
// when, this browser marked; signing another device out; changing the
// address with the code mailed to the new one (read from the SES emulator)
// while the old one stays in force; changing the password (this browser
// stays signed in); signing out everywhere; with an
// axe-core check of each new screen and no CSP violation or script error.
//
// Run by tests/integration/test_web_identity.py (which starts the stack,
// makes the account and a second sign-in as Firefox on Linux):
// node tests/e2e/identity.mjs
// Environment: AURORA_E2E_BASE, AURORA_E2E_EMAIL, AURORA_E2E_PASSWORD,
// AURORA_E2E_NEW_EMAIL (the address to move to), AURORA_E2E_SES (the SES
// emulator, whose /store holds the mail sent), AURORA_E2E_OUT,
// AURORA_E2E_CHROMIUM. Prints one line per check: PASS name / FAIL name: why.
// The small helpers repeat those of calendars.mjs, a script of its own.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(TOP, 'package.json'));
const { chromium } = require('playwright-core');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const BASE = (process.env.AURORA_E2E_BASE || 'http://127.0.0.1:8080').replace(/\/$/, '');
const EMAIL = process.env.AURORA_E2E_EMAIL || '';
const PASSWORD = process.env.AURORA_E2E_PASSWORD || '';
const OUT = process.env.AURORA_E2E_OUT || path.join(TOP, 'var', 'test-output', 'web-identity');
const SHOTS = path.join(OUT, 'screenshots');
const BROWSER = process.env.AURORA_E2E_CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 15000;
const RUN_DEADLINE = Date.now() + 180000;

fs.mkdirSync(SHOTS, { recursive: true });

// ---------------------------------------------------------------- reporting
const results = new Map();
let failed = 0;

function line(s) {
	process.stdout.write(s.replace(/\s+/g, ' ').trim() + '\n');
}

function pass(name) {
	results.set(name, 'pass');
	line('PASS ' + name);
}

function fail(name, why) {
	results.set(name, 'fail');
	failed++;
	line('FAIL ' + name + ': ' + why);
}

function expect(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

let pageRef = null;

async function shot(page, name) {
	try {
		await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true, timeout: 10000 });
	} catch (e) {
		line('# screenshot ' + name + ' failed: ' + e.message);
	}
}

// step(name, deps, fn): runs fn unless a step it depends on failed (then it
// fails too, naming the cause).
async function step(name, deps, fn, timeoutMs = 60000) {
	for (const d of deps) {
		if (results.get(d) !== 'pass') {
			fail(name, 'not run: it needs "' + d + '", which ' + (results.has(d) ? 'failed' : 'did not run'));
			return false;
		}
	}
	if (Date.now() > RUN_DEADLINE) {
		fail(name, 'not run: the run passed its 3-minute deadline');
		return false;
	}
	let timer;
	try {
		await Promise.race([
			fn(),
			new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timed out after ' + timeoutMs + ' ms')), timeoutMs); }),
		]);
		pass(name);
		return true;
	} catch (e) {
		if (pageRef && !pageRef.isClosed()) {
			await shot(pageRef, 'FAIL-' + name);
			line('# ' + name + ' failed at ' + pageRef.url() + '; see FAIL-' + name + '.png');
		}
		fail(name, (e && e.message ? e.message : String(e)).split('\n').slice(0, 3).join(' '));
		return false;
	} finally {
		clearTimeout(timer);
	}
}

// The app's own session (tokens in localStorage), to ask the API directly
// what the UI did.
async function apiFromPage(page, method, p, body) {
	return page.evaluate(async ([method, p, body]) => {
		const s = JSON.parse(localStorage.getItem('aurora.session') || 'null');
		const res = await fetch(p, {
			method,
			headers: Object.assign({ Accept: 'application/json' }, s ? { Authorization: 'Bearer ' + s.access_token } : {},
				body ? { 'Content-Type': 'application/json' } : {}),
			body: body ? JSON.stringify(body) : undefined,
		});
		const text = await res.text();
		let data = null;
		try { data = JSON.parse(text); } catch (e) { data = text; }
		return { status: res.status, body: data };
	}, [method, p, body || null]);
}

async function axeCheck(page, screen) {
	await page.evaluate(AXE_SOURCE);   // evaluate runs outside the page's CSP
	const res = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
	fs.writeFileSync(path.join(OUT, 'axe-' + screen + '.json'), JSON.stringify(res, null, 2));
	const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(!bad.length, screen + ': ' + bad.map((v) => v.impact + ' ' + v.id + ' (' + v.help + ') at ' + v.nodes.join(', ')).join('; '));
}

const NEW_EMAIL = process.env.AURORA_E2E_NEW_EMAIL || '';
const SES = (process.env.AURORA_E2E_SES || '').replace(/\/$/, '');

// The newest code mailed to addr, from the SES emulator's store (the test's
// stand-in for reading the mailbox).
async function mailedCode(addr) {
	for (let i = 0; i < 75; i++) {
		const res = await fetch(SES + '/store');
		const store = await res.json();
		const codes = (store.emails || [])
			.filter((m) => (m.destination && m.destination.to || []).some((t) => t.toLowerCase() === addr.toLowerCase()))
			.map((m) => /code is:\s*([0-9]{6})/.exec((m.body && m.body.text) || ''))
			.filter(Boolean);
		if (codes.length)
			return codes[codes.length - 1][1];
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error('no code was mailed to ' + addr);
}

async function sessions(page) {
	const r = await apiFromPage(page, 'GET', '/api/v1/me/sessions');
	expect(r.status === 200, 'GET /api/v1/me/sessions answered ' + r.status);
	return r.body.items || [];
}

async function main() {
	expect(EMAIL && PASSWORD && NEW_EMAIL && SES, 'AURORA_E2E_EMAIL, _PASSWORD, _NEW_EMAIL and _SES must be set');
	const browser = await chromium.launch({
		executablePath: BROWSER,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		timeout: 30000,
	});
	const cspViolations = [];
	const pageErrors = [];
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC',
			locale: 'en-US' });
		context.setDefaultTimeout(STEP_MS);
		await context.addInitScript(() => {
			document.addEventListener('securitypolicyviolation', (e) => {
				console.error('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
			});
		});
		const page = await context.newPage();
		pageRef = page;
		page.on('console', (m) => {
			const t = m.text();
			if (t.startsWith('CSP-VIOLATION') || /Content Security Policy/i.test(t))
				cspViolations.push(t);
		});
		page.on('pageerror', (e) => pageErrors.push(e.message));
		const sessionsSection = page.locator('section[aria-labelledby="sec-sessions"]');

		await step('sign_in', [], async () => {
			await page.goto(BASE + '/#/signin', { waitUntil: 'load', timeout: 30000 });
			await page.getByLabel('Email', { exact: true }).fill(EMAIL);
			await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		await step('sessions_page', ['sign_in'], async () => {
			await page.goto(BASE + '/#/settings');
			await page.getByRole('heading', { name: 'Sessions', level: 2 }).waitFor();
			const list = sessionsSection.getByRole('list', { name: 'Signed-in devices' });
			await list.locator('li').nth(1).waitFor();
			const firefox = list.locator('li').filter({ hasText: 'Firefox on Linux' });
			expect(await firefox.count() === 1, 'no "Firefox on Linux" row: ' + (await list.innerText()).slice(0, 300));
			const text = await firefox.innerText();
			expect(/From 127\.0\.0\.0\/24/.test(text), 'the row does not say where from: ' + text);
			expect(/Signed in .+Last used /.test(text.replace(/\n/g, ' ')), 'the row lacks first and last use: ' + text);
			const mine = list.locator('li').filter({ hasText: 'This browser' });
			expect(await mine.count() === 1, 'this browser is not marked');
			expect(/Headless Chrome on Linux|Chrome on Linux/.test(await mine.innerText()), 'this browser is named ' + await mine.innerText());
			await shot(page, '01-sessions');
			await axeCheck(page, 'settings-sessions');
		});

		await step('sign_out_other_device', ['sessions_page'], async () => {
			const before = await sessions(page);
			const fx = before.find((s) => s.device_name === 'Firefox on Linux');
			expect(fx, 'the API lists no Firefox session');
			await sessionsSection.getByRole('button', { name: 'Sign out Firefox on Linux', exact: true }).click();
			await page.locator('dialog[open]').getByRole('button', { name: 'Sign out', exact: true }).click();
			await sessionsSection.locator('li').filter({ hasText: 'Firefox on Linux' }).waitFor({ state: 'detached' });
			const after = await sessions(page);
			expect(!after.some((s) => s.id === fx.id), 'the Firefox session is still open');
			expect(after.some((s) => s.current), 'this browser was signed out too');
		});

		await step('change_email', ['sign_in'], async () => {
			const sec = page.locator('section[aria-labelledby="sec-email-address"]');
			await sec.getByLabel('New email address', { exact: true }).fill(NEW_EMAIL);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH'),
				sec.getByRole('button', { name: 'Send code', exact: true }).click(),
			]);
			expect(resp.status() === 202, 'PATCH /api/v1/me answered ' + resp.status());
			await sec.getByText('We sent a code to ' + NEW_EMAIL).waitFor();
			let me = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(me.body.email === EMAIL && me.body.pending_email === NEW_EMAIL, 'before the code: ' + JSON.stringify(me.body).slice(0, 200));
			await shot(page, '02-email-code');
			await axeCheck(page, 'settings-email-code');
			const code = await mailedCode(NEW_EMAIL);
			await sec.getByLabel('Code from the mail', { exact: true }).fill(code);
			await sec.getByRole('button', { name: 'Confirm new address', exact: true }).click();
			await sec.getByText('Your email address is ' + NEW_EMAIL + '.').waitFor();
			me = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(me.body.email === NEW_EMAIL && me.body.pending_email === null, 'after the code: ' + JSON.stringify(me.body).slice(0, 200));
			expect((await page.locator('.topbar .who').innerText()).trim() === NEW_EMAIL, 'the header still shows the old address');
			await axeCheck(page, 'settings-email');
		});

		await step('change_password', ['sign_in'], async () => {
			const sec = page.locator('section[aria-labelledby="sec-change-password"]');
			await sec.getByLabel('Current password', { exact: true }).fill(PASSWORD);
			await sec.getByLabel('New password', { exact: true }).fill('changed-' + PASSWORD);
			expect(!(await sec.getByLabel('Code from your authenticator app', { exact: true }).isVisible()),
				'a code is asked for while two-step sign-in is off');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/me/password')),
				sec.getByRole('button', { name: 'Change password', exact: true }).click(),
			]);
			expect(resp.status() === 204, 'POST /api/v1/me/password answered ' + resp.status());
			await page.getByText('Your password was changed.').waitFor();
			const me = await apiFromPage(page, 'GET', '/api/v1/me');
			expect(me.status === 200, 'this browser was signed out by its own change');
			await axeCheck(page, 'settings-password');
		});

		await step('sign_out_everywhere', ['sessions_page'], async () => {
			await sessionsSection.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
			await page.locator('dialog[open]').getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
			await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 20000 });
		});

		await step('no_csp_violations', ['sign_in'], async () => {
			expect(!cspViolations.length, cspViolations.length + ' CSP violation(s): ' + cspViolations.slice(0, 3).join(' | '));
		});

		await step('no_script_errors', ['sign_in'], async () => {
			expect(!pageErrors.length, pageErrors.length + ' uncaught error(s): ' + pageErrors.slice(0, 3).join(' | '));
		});
	} finally {
		await browser.close().catch(() => {});
	}
	line('# screenshots in ' + SHOTS);
}

main().then(() => process.exit(failed ? 1 : 0), (e) => {
	fail('e2e_run', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : String(e));
	process.exit(1);
});
