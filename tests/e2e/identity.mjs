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
// The set-up, reporting and small helpers shared with the other browser
// tests are in harness.mjs.

import {
	BASE, EMAIL, PASSWORD, apiFromPage, axeCheck, cleanRunSteps, expect, finish, launch, newContext,
	newWatchedPage, shot, signIn, start, step,
} from './harness.mjs';

start('web-identity', 180000);

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
	const browser = await launch();
	try {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, timezoneId: 'UTC',
			locale: 'en-US' });
		const page = await newWatchedPage(context);
		const sessionsSection = page.locator('section[aria-labelledby="sec-sessions"]');

		await step('sign_in', [], async () => {
			await signIn(page);
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

		await cleanRunSteps('sign_in');
	} finally {
		await browser.close().catch(() => {});
	}
}

finish(main);
