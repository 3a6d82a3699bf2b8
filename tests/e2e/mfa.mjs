// tests/e2e/mfa.mjs — two-step sign-in in the web app, in headless Chromium
// against a real stack (issue 16): set up in the settings with a code
// computed here (RFC 6238, node:crypto) from the key the set-up screen shows
// beside its QR code, the recovery codes shown once, sign out, sign in with
// the second step, sign in with a recovery code, and turn it off with the
// password and a code (after new recovery codes); axe-core on each new screen, no CSP violation, no
// script error.
//
// Run by tests/integration/test_web_mfa.py (which starts the stack and makes
// the account): node tests/e2e/mfa.mjs
// Environment: AURORA_E2E_BASE, AURORA_E2E_EMAIL, AURORA_E2E_PASSWORD,
// AURORA_E2E_OUT (screenshots go to its screenshots/), AURORA_E2E_CHROMIUM.
// Prints one line per check: PASS name / FAIL name: why.
// The set-up, reporting and small helpers shared with the other browser
// tests are in harness.mjs.

import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';

import {
	BASE, EMAIL, PASSWORD, TOP, axeCheck, cleanRunSteps, expect, finish, launch, newContext, newWatchedPage,
	shot, step, start,
} from './harness.mjs';

const require = createRequire(path.join(TOP, 'package.json'));

start('web-mfa', 240000);

// ---------------------------------------------------------------- TOTP
// RFC 4648 base32 (the key as shown, spaces allowed) and RFC 6238 (SHA-1,
// 6 digits, 30 s), written here so the test does not trust the server's code.
function base32(s) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
		const i = abc.indexOf(ch);
		expect(i >= 0, 'the key holds ' + JSON.stringify(ch));
		value = (value << 5) | i;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

function totp(key, t) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
	const mac = crypto.createHmac('sha1', key).update(msg).digest();
	const off = mac[mac.length - 1] & 15;
	return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// A code of a step no earlier code used: waits for the next step when
// `after` (seconds) is in the current one, and for a fresh one when fewer
// than 6 seconds are left in it.
async function freshCode(key, after) {
	for (;;) {
		const now = Date.now() / 1000;
		const step = Math.floor(now / 30);
		if (step > Math.floor(after / 30) && now - step * 30 < 24)
			return { code: totp(key, now), at: now };
		await new Promise((r) => setTimeout(r, ((step + 1) * 30 - now) * 1000 + 300));
	}
}

function claims(token) {
	return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

async function session(page) {
	return page.evaluate(() => JSON.parse(localStorage.getItem('aurora.session') || 'null'));
}

async function openSettings(page) {
	await page.goto(BASE + '/#/settings');
	await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
	await page.getByRole('heading', { name: 'Two-step sign-in', level: 2 }).waitFor();
}

async function signOut(page) {
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

async function passwordStep(page) {
	await page.getByLabel('Email', { exact: true }).fill(EMAIL);
	await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
	expect(!(await session(page)), 'tokens were kept after the password alone');
}

// ---------------------------------------------------------------- the run
async function main() {
	expect(EMAIL && PASSWORD, 'AURORA_E2E_EMAIL and AURORA_E2E_PASSWORD must name a confirmed account');
	const browser = await launch();
	try {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
		const page = await newWatchedPage(context);

		let key = null;
		let lastUsed = 0;
		let recovery = [];

		await step('sign_in', [], async () => {
			await page.goto(BASE + '/#/signin', { waitUntil: 'load', timeout: 30000 });
			await page.getByLabel('Email', { exact: true }).fill(EMAIL);
			await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			const s = await session(page);
			expect(JSON.stringify(claims(s.access_token).amr) === '["pwd"]', 'amr before ' + JSON.stringify(claims(s.access_token).amr));
		});

		await step('setup_screen', ['sign_in'], async () => {
			await openSettings(page);
			expect(await page.getByText('Off. Signing in needs only your password.').isVisible(), 'the section does not say it is off');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/me/mfa/totp') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Set up two-step sign-in', exact: true }).click(),
			]);
			expect(resp.status() === 200, 'POST /api/v1/me/mfa/totp answered ' + resp.status());
			const setup = await resp.json();
			const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
			await qr.waitFor();
			const box = await qr.boundingBox();
			expect(box && box.width >= 150 && box.height >= 150, 'the QR code is ' + JSON.stringify(box));
			// The drawn modules are those npm "qrcode" (run here in Node, not
			// the page's bundle) makes of the otpauth URI the API answered.
			const d = await page.locator('svg.qr-code path').getAttribute('d');
			const want = require('qrcode').create(setup.otpauth_uri, { errorCorrectionLevel: 'M' }).modules;
			const drawn = new Set((d || '').split('M').filter(Boolean).map((m) => m.split('h')[0]));
			let dark = 0, wrong = 0;
			for (let r = 0; r < want.size; r++)
				for (let c = 0; c < want.size; c++) {
					const on = !!want.get(r, c);
					dark += on;
					wrong += on !== drawn.has((c + 4) + ' ' + (r + 4));
				}
			expect(dark > 200 && wrong === 0 && drawn.size === dark,
				'the QR code differs from the URI\'s in ' + wrong + ' modules (' + drawn.size + ' drawn, ' + dark + ' expected)');
			const shown = await page.getByLabel('Key', { exact: true }).inputValue();
			expect(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/.test(shown), 'the key reads ' + JSON.stringify(shown));
			key = base32(shown);
			expect(key.length === 20, 'the key is ' + key.length + ' bytes');
			expect(shown.replace(/ /g, '') === setup.secret && setup.otpauth_uri.includes('secret=' + setup.secret),
				'the key shown is not the secret of the URI');
			await shot(page, 'mfa-setup');
			await axeCheck(page, 'mfa-setup');
		});

		await step('setup_wrong_code', ['setup_screen'], async () => {
			const { code } = await freshCode(key, 0);
			const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
			await page.locator('.mfa-settings').getByLabel('Code from the app', { exact: true }).fill(wrong);
			await page.getByRole('button', { name: 'Turn on', exact: true }).click();
			const err = page.locator('.mfa-setup p.error:not([hidden]), .mfa-setup .form-alert:not([hidden])').first();
			await err.waitFor();
			await axeCheck(page, 'mfa-setup-error');
		});

		await step('setup_confirm', ['setup_wrong_code'], async () => {
			const { code, at } = await freshCode(key, 0);
			await page.locator('.mfa-settings').getByLabel('Code from the app', { exact: true }).fill(code);
			await page.getByRole('button', { name: 'Turn on', exact: true }).click();
			await page.getByRole('heading', { name: 'Two-step sign-in is on: save your recovery codes' }).waitFor();
			lastUsed = at;
			recovery = await page.locator('.recovery-codes code').allTextContents();
			expect(recovery.length === 10 && recovery.every((c) => /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/.test(c)),
				'recovery codes ' + JSON.stringify(recovery));
			await shot(page, 'mfa-recovery-codes');
			await axeCheck(page, 'mfa-recovery-codes');
			await page.getByRole('button', { name: 'I have saved them', exact: true }).click();
			await page.getByText('On. Signing in asks for a code', { exact: false }).waitFor();
			expect(!(await page.locator('.recovery-codes').count()), 'the recovery codes stay on screen');
			await axeCheck(page, 'mfa-on');
		});

		await step('sign_in_second_step', ['setup_confirm'], async () => {
			await signOut(page);
			await passwordStep(page);
			await shot(page, 'mfa-second-step');
			await axeCheck(page, 'mfa-second-step');
			const { code, at } = await freshCode(key, lastUsed);
			await page.getByLabel('Code from your authenticator app', { exact: true }).fill(code);
			await page.getByRole('button', { name: 'Verify', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			lastUsed = at;
			const s = await session(page);
			expect(JSON.stringify(claims(s.access_token).amr) === '["pwd","otp","mfa"]',
				'amr after the second step ' + JSON.stringify(claims(s.access_token).amr));
		});

		await step('second_step_wrong_code', ['sign_in_second_step'], async () => {
			await signOut(page);
			await passwordStep(page);
			const wrong = String((Number(totp(key, Date.now() / 1000)) + 3) % 1000000).padStart(6, '0');
			await page.getByLabel('Code from your authenticator app', { exact: true }).fill(wrong);
			await page.getByRole('button', { name: 'Verify', exact: true }).click();
			await page.getByText('That code is not right', { exact: false }).waitFor();
			expect(!(await session(page)), 'signed in with a wrong code');
			await axeCheck(page, 'mfa-second-step-error');
		});

		await step('sign_in_recovery_code', ['second_step_wrong_code'], async () => {
			await page.getByRole('button', { name: 'Use a recovery code instead', exact: true }).click();
			const input = page.getByLabel('Recovery code', { exact: true });
			await input.waitFor();
			expect(!(await page.getByLabel('Code from your authenticator app', { exact: true }).isVisible()),
				'the code field stays visible');
			await axeCheck(page, 'mfa-recovery-entry');
			await input.fill(recovery[0].toUpperCase());
			await page.getByRole('button', { name: 'Verify', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			// Used once: the same code is refused the next time.
			await signOut(page);
			await passwordStep(page);
			await page.getByRole('button', { name: 'Use a recovery code instead', exact: true }).click();
			await page.getByLabel('Recovery code', { exact: true }).fill(recovery[0]);
			await page.getByRole('button', { name: 'Verify', exact: true }).click();
			await page.getByText('That recovery code is not right or was used already', { exact: false }).waitFor();
			await page.getByLabel('Recovery code', { exact: true }).fill(recovery[1]);
			await page.getByRole('button', { name: 'Verify', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		await step('new_recovery_codes', ['sign_in_recovery_code'], async () => {
			await openSettings(page);
			await page.getByText('On. Signing in asks for a code', { exact: false }).waitFor();
			await page.getByText('8 recovery codes left.', { exact: true }).waitFor();
			await axeCheck(page, 'mfa-on-settings');
			const { code, at } = await freshCode(key, lastUsed);
			await page.getByLabel('Code for new recovery codes', { exact: true }).fill(code);
			await page.getByRole('button', { name: 'Get new recovery codes', exact: true }).click();
			await page.getByRole('heading', { name: 'New recovery codes: save them' }).waitFor();
			lastUsed = at;
			const fresh = await page.locator('.recovery-codes code').allTextContents();
			expect(fresh.length === 10 && !fresh.some((c) => recovery.includes(c)), 'new codes ' + JSON.stringify(fresh));
			recovery = fresh;
			await page.getByRole('button', { name: 'I have saved them', exact: true }).click();
			await page.getByText('10 recovery codes left.', { exact: true }).waitFor();
		});

		await step('turn_off', ['new_recovery_codes'], async () => {
			await openSettings(page);
			await page.getByText('On. Signing in asks for a code', { exact: false }).waitFor();
			const { code } = await freshCode(key, lastUsed);
			// Within the section: other settings have password fields too.
			const mfa = page.locator('.mfa-settings');
			await mfa.getByLabel('Password', { exact: true }).fill(PASSWORD);
			await mfa.getByLabel('Code from the app', { exact: true }).fill(code);
			await mfa.getByRole('button', { name: 'Turn off two-step sign-in', exact: true }).click();
			await page.getByText('Off. Signing in needs only your password.').waitFor();
			await axeCheck(page, 'mfa-off');
			await signOut(page);
			await page.getByLabel('Email', { exact: true }).fill(EMAIL);
			await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
		});

		await cleanRunSteps('sign_in');
	} finally {
		await browser.close().catch(() => {});
	}
}

finish(main);
