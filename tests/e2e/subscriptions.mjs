// tests/e2e/subscriptions.mjs — subscriptions to outside calendars in the
// web app, in headless Chromium against a real stack (issue 18): a pasted
// webcal:// address subscribed in the settings (stored as https://), each
// subscription's state in words (a failed refresh says why and when), its
// calendar marked read-only among the calendars, "Refresh now", the edit
// dialog (name, color, how often, reminders), an event of the feed shown
// read-only in the event dialog (no Save, no Delete, fields disabled) and
// not offered as a calendar for new events, and unsubscribing, with an
// axe-core check of each new screen and no CSP violation. The server's
// refusals in words: an address the account follows already (subscribe
// and edit, naming the subscription that has it) and "Refresh now" too
// soon after the last fetch (how long ago, how long to wait).
//
// Run by tests/integration/test_web_subscriptions.py, which makes the
// account and, as the database owner, a subscription whose last refresh
// failed with one event of its feed today: AURORA_E2E_FEED_NAME,
// AURORA_E2E_FEED_EVENT; and one fetched ten minutes ago under a refresh
// limit of an hour: AURORA_E2E_RECENT_NAME.
// Prints one line per check: PASS name / FAIL name: why.

import {
	BASE, apiFromPage, axeCheck, calendarIdle, chooseInDialog, cleanRunSteps, eventEl, expect, finish, launch,
	newContext, newWatchedPage, shot, signIn, start, step,
} from './harness.mjs';

const ZONE = 'UTC';
const FEED_NAME = process.env.AURORA_E2E_FEED_NAME || '';
const FEED_EVENT = process.env.AURORA_E2E_FEED_EVENT || '';
const RECENT_NAME = process.env.AURORA_E2E_RECENT_NAME || '';

start('web-subscriptions', 180000);

async function subscriptions(page) {
	const r = await apiFromPage(page, 'GET', '/api/v1/subscriptions');
	expect(r.status === 200, 'GET /api/v1/subscriptions answered ' + r.status + ' ' + JSON.stringify(r.body).slice(0, 200));
	return r.body.items || [];
}

async function calendars(page) {
	const r = await apiFromPage(page, 'GET', '/api/v1/calendars');
	expect(r.status === 200, 'GET /api/v1/calendars answered ' + r.status);
	return r.body.items || [];
}

async function openSettings(page) {
	await page.goto(BASE + '/#/settings');
	await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
	await page.locator('.subscription-settings li').first().waitFor();
}

// A 409 already_subscribed (resp) shown in words under the address field
// of scope (the subscribe form or the edit dialog), naming the runner's
// subscription, which has the address.
async function expectTaken(resp, scope, what) {
	expect(resp.status() === 409, what + ' answered ' + resp.status());
	const err = scope.locator('.error:not([hidden])').first();
	await err.waitFor();
	const said = (await err.textContent()).trim();
	expect(said === 'You already subscribe to this address as "' + FEED_NAME + '".', what + ' says "' + said + '"');
}

function row(page, name) {
	return page.locator('.subscription-settings li').filter({ hasText: name });
}

async function main() {
	expect(FEED_NAME && FEED_EVENT && RECENT_NAME,
		'AURORA_E2E_FEED_NAME, AURORA_E2E_FEED_EVENT and AURORA_E2E_RECENT_NAME must be set by the runner');
	const browser = await launch();
	try {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, timezoneId: ZONE,
			locale: 'en-US' });
		const page = await newWatchedPage(context);
		const stamp = Date.now().toString(36);
		const newName = 'Fixtures ' + stamp;
		let added = null;
		let feed = null;

		await step('sign_in', [], async () => {
			await signIn(page);
			feed = (await subscriptions(page)).find((s) => s.name === FEED_NAME);
			expect(feed, 'the runner\'s subscription is not listed');
		});

		await step('state_in_words', ['sign_in'], async () => {
			await openSettings(page);
			const r = row(page, FEED_NAME);
			await r.waitFor();
			const text = (await r.locator('.subscription-state').textContent()).trim();
			expect(/^Could not refresh: the server answered 404\./.test(text) && /Last tried /.test(text) &&
				/Showing the events of /.test(text), 'the failed subscription says "' + text + '"');
			expect((await r.locator('.subscription-url').textContent()).trim() === feed.url, 'the address is not shown');
			// Its calendar is among the calendars, marked read-only.
			const cal = page.locator('.calendar-settings li').filter({ hasText: FEED_NAME });
			await cal.waitFor();
			expect(/read-only/.test(await cal.textContent()), 'the subscribed calendar is not marked read-only');
		});

		await step('subscribe_webcal', ['sign_in'], async () => {
			await page.getByLabel('Calendar address', { exact: true }).fill('webcal://127.0.0.1:9/team.ics');
			await page.getByLabel('Name (optional)', { exact: true }).fill(newName);
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions') && x.request().method() === 'POST'),
				page.getByRole('button', { name: 'Subscribe', exact: true }).click(),
			]);
			expect(resp.status() === 201, 'POST /api/v1/subscriptions answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await row(page, newName).waitFor();
			added = (await subscriptions(page)).find((s) => s.name === newName);
			expect(added && added.url === 'https://127.0.0.1:9/team.ics', 'webcal:// was stored as ' + (added && added.url));
			const text = (await row(page, newName).locator('.subscription-state').textContent()).trim();
			// A running fetcher may have tried it already (nothing listens there).
			expect(/^(Waiting for the first refresh\.|Could not refresh: .+)/.test(text), 'a new subscription says "' + text + '"');
			expect(await page.getByLabel('Calendar address', { exact: true }).inputValue() === '', 'the address field was not cleared');
			// The calendars list takes it in at once.
			await page.locator('.calendar-settings li').filter({ hasText: newName }).waitFor();
			await shot(page, '01-settings-subscriptions');
			await axeCheck(page, 'settings-subscriptions');
		});

		await step('refused_address', ['subscribe_webcal'], async () => {
			await page.getByLabel('Calendar address', { exact: true }).fill('ftp://127.0.0.1/x.ics');
			await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
			const err = page.locator('.subscribe-form .error:not([hidden])').first();
			await err.waitFor();
			const said = (await err.textContent()).trim();
			expect(/https:\/\/, http:\/\/ or webcal:\/\//.test(said), 'a refused address says "' + said + '"');
			await axeCheck(page, 'subscribe-refused');
			await page.getByLabel('Calendar address', { exact: true }).fill('');
		});

		await step('refresh_now', ['sign_in'], async () => {
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions/' + feed.id + '/refresh')),
				page.getByRole('button', { name: 'Refresh now: ' + FEED_NAME, exact: true }).click(),
			]);
			expect(resp.status() === 202, 'refresh answered ' + resp.status());
			await page.locator('.toast').filter({ hasText: 'will be refreshed' }).waitFor();
		});

		await step('subscribe_taken', ['subscribe_webcal'], async () => {
			// The runner's address spelt with webcal://: the same address.
			const before = (await subscriptions(page)).length;
			await page.getByLabel('Calendar address', { exact: true }).fill(feed.url.replace(/^https:/, 'webcal:'));
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions') && x.request().method() === 'POST'),
				page.getByRole('button', { name: 'Subscribe', exact: true }).click(),
			]);
			await expectTaken(resp, page.locator('.subscribe-form'), 'subscribing again');
			expect(await page.getByLabel('Calendar address', { exact: true }).getAttribute('aria-invalid') === 'true',
				'the address field is not marked invalid');
			expect((await subscriptions(page)).length === before, 'a second subscription was made');
			await shot(page, '05-subscribe-taken');
			await axeCheck(page, 'subscribe-taken');
			await page.getByLabel('Calendar address', { exact: true }).fill('');
		});

		await step('refresh_too_soon', ['sign_in'], async () => {
			await openSettings(page);
			const [resp] = await Promise.all([
				page.waitForResponse((x) => /\/api\/v1\/subscriptions\/[^/]+\/refresh$/.test(x.url())),
				page.getByRole('button', { name: 'Refresh now: ' + RECENT_NAME, exact: true }).click(),
			]);
			expect(resp.status() === 429, 'a refresh 10 minutes after a fetch answered ' + resp.status());
			const t = page.locator('.toast').filter({ hasText: 'try again in' });
			await t.waitFor();
			const said = (await t.textContent()).trim();
			expect(/^This subscription was fetched 1\d minutes ago, and a subscription may be refreshed once every 60 minutes: try again in [45]\d minutes\./.test(said),
				'a refresh too soon says "' + said + '"');
			await shot(page, '06-refresh-too-soon');
			await axeCheck(page, 'refresh-too-soon');
		});

		await step('edit_subscription', ['subscribe_webcal'], async () => {
			await page.getByRole('button', { name: 'Edit subscription ' + newName, exact: true }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Edit subscription' }).waitFor();
			await shot(page, '02-edit-subscription');
			await axeCheck(page, 'edit-subscription');
			await dlg.getByLabel('Name', { exact: true }).fill(newName + ' B');
			await dlg.getByLabel('Color', { exact: true }).fill('#8e24aa');
			await dlg.getByLabel('Refresh', { exact: true }).selectOption({ label: 'Every day' });
			await dlg.getByLabel('Remind me of its events', { exact: true }).check();
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions/' + added.id) && x.request().method() === 'PATCH'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			expect(resp.status() === 200, 'PATCH answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			const s = (await subscriptions(page)).find((x) => x.id === added.id);
			expect(s.name === newName + ' B' && s.color === '#8e24aa' && s.refresh_minutes === 1440 && s.reminders === true,
				'after the edit the API has ' + JSON.stringify(s).slice(0, 300));
			const c = (await calendars(page)).find((x) => x.id === added.calendar_id);
			expect(c && c.name === newName + ' B' && c.color === '#8e24aa', 'its calendar was not renamed');
			await page.locator('.calendar-settings li').filter({ hasText: newName + ' B' }).waitFor();
		});

		await step('read_only_event', ['sign_in'], async () => {
			await page.goto(BASE + '/#/calendar');
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await page.getByRole('button', { name: 'Today', exact: true }).click();
			await calendarIdle(page);
			const el = eventEl(page, FEED_EVENT).first();
			await el.waitFor();
			await el.click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Event', exact: true }).waitFor();
			await dlg.locator('.read-only-note').waitFor();
			expect(/subscription/.test(await dlg.locator('.read-only-note').textContent()), 'no note saying why');
			expect(await dlg.getByLabel('Title', { exact: true }).isDisabled(), 'the title can be edited');
			expect(await dlg.getByRole('button', { name: 'Save', exact: true }).count() === 0, 'a Save button is offered');
			expect(await dlg.getByRole('button', { name: 'Delete', exact: true }).count() === 0, 'a Delete button is offered');
			await shot(page, '03-read-only-event');
			await axeCheck(page, 'read-only-event');
			await dlg.getByRole('button', { name: 'Close', exact: true }).last().click();
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			// New events are not offered the subscribed calendars.
			await page.getByRole('button', { name: 'New event' }).click();
			const nd = page.locator('dialog[open]');
			const labels = await nd.getByLabel('Calendar', { exact: true }).locator('option').allTextContents();
			expect(!labels.includes(FEED_NAME), 'a new event may go into the subscription: ' + JSON.stringify(labels));
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
		});

		await step('edit_taken', ['edit_subscription'], async () => {
			await openSettings(page);
			await page.getByRole('button', { name: 'Edit subscription ' + newName + ' B', exact: true }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Edit subscription' }).waitFor();
			await dlg.getByLabel('Calendar address', { exact: true }).fill(feed.url);
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions/' + added.id) && x.request().method() === 'PATCH'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			await expectTaken(resp, dlg, 'PATCH to a followed address');
			await axeCheck(page, 'edit-taken');
			const s = (await subscriptions(page)).find((x) => x.id === added.id);
			expect(s.url === 'https://127.0.0.1:9/team.ics', 'the refused address was stored: ' + s.url);
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
		});

		await step('unsubscribe', ['edit_subscription'], async () => {
			await openSettings(page);
			await page.getByRole('button', { name: 'Edit subscription ' + newName + ' B', exact: true }).click();
			await page.locator('dialog[open]').getByRole('button', { name: 'Unsubscribe', exact: true }).click();
			const [resp] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith('/api/v1/subscriptions/' + added.id) && x.request().method() === 'DELETE'),
				chooseInDialog(page, 'Unsubscribe'),
			]);
			expect(resp.status() === 204, 'DELETE answered ' + resp.status());
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			await row(page, newName).waitFor({ state: 'detached' });
			await page.locator('.calendar-settings li').filter({ hasText: newName }).waitFor({ state: 'detached' });
			expect(!(await calendars(page)).some((c) => c.id === added.calendar_id), 'its calendar is still listed');
		});

		await step('narrow_screen', ['sign_in'], async () => {
			await page.setViewportSize({ width: 375, height: 800 });
			await openSettings(page);
			const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
			expect(m.sw <= m.cw, 'at 375 px the page is ' + m.sw + ' px wide');
			await page.locator('.subscriptions-settings').scrollIntoViewIfNeeded();
			await shot(page, '04-subscriptions-375');
			await page.setViewportSize({ width: 1280, height: 900 });
		});

		await cleanRunSteps('sign_in');
	} finally {
		await browser.close().catch(() => {});
	}
}

finish(main);
