// tests/e2e/calendars.mjs — several calendars and app passwords in the web
// app, in headless Chromium against a real stack (issue 14): a second
// calendar made in the settings, an event put in it through the event
// dialog and drawn in its color, the calendar hidden (the event goes, and
// stays gone after a reload) and shown again, its settings changed (name,
// alarm mail, default reminders), an ICS file imported into it, an app
// password shown once and revoked, the Apple profile downloaded, the new
// screens at 375 px, calendars deleted (the last one cannot be), with an
// axe-core check of each new screen and no CSP violation.
//
// Run by tests/integration/test_web_calendars.py (which starts the stack and
// makes the account): node tests/e2e/calendars.mjs
// Environment: AURORA_E2E_BASE, AURORA_E2E_EMAIL, AURORA_E2E_PASSWORD,
// AURORA_E2E_OUT (screenshots go to its screenshots/), AURORA_E2E_CHROMIUM.
// Prints one line per check: PASS name / FAIL name: why.
// The set-up, reporting and small helpers shared with the other browser
// tests are in harness.mjs.

import fs from 'node:fs';
import path from 'node:path';
import {
	BASE, EMAIL, OUT, PASSWORD, STEP_MS, apiFromPage, axeCheck, calendarIdle, chooseInDialog,
	cleanRunSteps, eventEl, expect, finish, launch, line, newContext, newWatchedPage, pageErrors, shot, signIn, start,
	step,
} from './harness.mjs';

const ZONE = 'UTC';                  // the account's zone too (set by the runner)

start('web-calendars', 180000);

// Whether the page shows secret anywhere: in its text or in a field's value
// (which the HTML serialisation leaves out).
async function pageHolds(page, secret) {
	return page.evaluate((s) => document.body.innerText.includes(s) ||
		[...document.querySelectorAll('input, textarea')].some((i) => i.value.includes(s)), secret);
}

async function noHorizontalScroll(page, what) {
	const m = await page.evaluate(() => ({
		sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
		wide: [...document.querySelectorAll('body *')].filter((e) => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && r.right > document.documentElement.clientWidth + 1 && getComputedStyle(e).position !== 'fixed';
		}).slice(0, 3).map((e) => e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0]),
	}));
	expect(m.sw <= m.cw, what + ': the page is ' + m.sw + ' px wide in a ' + m.cw + ' px viewport (' + m.wide.join(', ') + ')');
}

async function calendars(page) {
	const r = await apiFromPage(page, 'GET', '/api/v1/calendars');
	expect(r.status === 200, 'GET /api/v1/calendars answered ' + r.status + ' ' + JSON.stringify(r.body).slice(0, 200));
	return r.body.items || [];
}

async function openSettings(page) {
	await page.goto(BASE + '/#/settings');
	await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
	await page.locator('.calendar-settings li').first().waitFor();
}

async function openCalendar(page) {
	await page.goto(BASE + '/#/calendar');
	await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
	await page.locator('.calendars-panel .calendar-item').first().waitFor();
	await calendarIdle(page);
}

// ---------------------------------------------------------------- the run
async function main() {
	expect(EMAIL && PASSWORD, 'AURORA_E2E_EMAIL and AURORA_E2E_PASSWORD must name a confirmed account');
	const browser = await launch();
	try {
		const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, timezoneId: ZONE,
			locale: 'en-US' });
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
		const page = await newWatchedPage(context);

		const stamp = Date.now().toString(36);
		const workName = 'Work ' + stamp;
		const workColor = '#0b8043';
		const eventTitle = 'Budget review ' + stamp;
		const homeTitle = 'Dentist ' + stamp;
		const appName = 'Phone ' + stamp;
		let work = null;
		let defaultCal = null;
		let appPassword = null;
		let davServed = false;   // whether /dav/ took the app password (the DAV layer may not be built in)

		await step('sign_in', [], async () => {
			await signIn(page);
			// A new account has its one default calendar, shown in the list.
			const items = await calendars(page);
			expect(items.length === 1 && items[0].is_default, 'a new account has calendars ' + JSON.stringify(items).slice(0, 300));
			defaultCal = items[0];
			const box = page.getByRole('checkbox', { name: defaultCal.name, exact: true });
			await box.waitFor();
			expect(await box.isChecked(), 'the default calendar is not shown (its switch is off)');
		});

		await step('create_calendar_in_settings', ['sign_in'], async () => {
			await openSettings(page);
			await page.getByLabel('New calendar name', { exact: true }).fill(workName);
			await page.getByLabel('Color', { exact: true }).fill(workColor);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/calendars') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Add calendar', exact: true }).click(),
			]);
			expect(resp.status() === 201, 'POST /api/v1/calendars answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await page.locator('.calendar-settings li').filter({ hasText: workName }).waitFor();
			work = (await calendars(page)).find((c) => c.name === workName);
			expect(work, 'the API does not list "' + workName + '"');
			expect(work.color.toLowerCase() === workColor, 'the new calendar has color ' + work.color + ', not ' + workColor);
			expect(!work.is_default, 'the new calendar became the default');
			expect(await page.getByLabel('New calendar name', { exact: true }).inputValue() === '', 'the name field was not cleared');
			await shot(page, '01-settings-calendars');
			await axeCheck(page, 'settings-calendars');
		});

		await step('edit_calendar_dialog', ['create_calendar_in_settings'], async () => {
			await page.getByRole('button', { name: 'Edit calendar ' + workName, exact: true }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByRole('heading', { name: 'Edit calendar' }).waitFor();
			const focused = await page.evaluate(() => document.activeElement && document.activeElement.labels &&
				document.activeElement.labels[0] && document.activeElement.labels[0].textContent);
			expect(focused === 'Calendar name', 'the dialog put focus on ' + focused + ', not the name');
			const mail = dlg.getByLabel('Email me for alarms set in apps', { exact: true });
			expect(await mail.isChecked(), 'emailing alarms set in apps is off for a new calendar (the default is on)');
			await shot(page, '02-edit-calendar');
			await axeCheck(page, 'edit-calendar');
			// Renamed and back, with the alarm mail turned off: one PATCH.
			await dlg.getByLabel('Calendar name', { exact: true }).fill(workName + ' (renamed)');
			await mail.uncheck();
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/calendars/' + work.id) && r.request().method() === 'PATCH'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			expect(resp.status() === 200, 'PATCH /api/v1/calendars/{id} answered ' + resp.status() + ' ' + (await resp.text()).slice(0, 200));
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			let c = (await calendars(page)).find((x) => x.id === work.id);
			expect(c.name === workName + ' (renamed)' && c.email_for_app_alarms === false,
				'after the edit the API has ' + JSON.stringify(c).slice(0, 300));
			await page.locator('.calendar-settings li').filter({ hasText: workName + ' (renamed)' }).waitFor();
			// Escape closes without saving; focus goes back to the row's button.
			await page.getByRole('button', { name: 'Edit calendar ' + workName + ' (renamed)', exact: true }).click();
			await page.getByLabel('Calendar name', { exact: true }).fill('never saved');
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			const back = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
			expect(back === 'Edit calendar ' + workName + ' (renamed)', 'after Escape focus is on ' + back);
			// The original name again, the mail back on, and default reminders
			// of its own (10 minutes).
			await page.getByRole('button', { name: 'Edit calendar ' + workName + ' (renamed)', exact: true }).click();
			const dlg2 = page.locator('dialog[open]');
			await dlg2.getByLabel('Calendar name', { exact: true }).fill(workName);
			await dlg2.getByLabel('Email me for alarms set in apps', { exact: true }).check();
			const same = dlg2.getByLabel('New events get my default reminders (from Profile)', { exact: true });
			expect(await same.isChecked(), 'a new calendar does not use the account\'s default reminders');
			await same.uncheck();
			await dlg2.getByRole('button', { name: 'Add reminder' }).click();
			await dlg2.getByLabel('Reminder 1', { exact: true }).fill('10');
			await dlg2.getByLabel('Reminder 1 unit', { exact: true }).selectOption('minutes');
			await dlg2.getByRole('button', { name: 'Save', exact: true }).click();
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			c = (await calendars(page)).find((x) => x.id === work.id);
			expect(c.name === workName && c.email_for_app_alarms === true &&
				JSON.stringify(c.default_reminders) === '[10]', 'after the second edit the API has ' + JSON.stringify(c).slice(0, 300));
		});

		await step('event_in_second_calendar', ['edit_calendar_dialog'], async () => {
			await openCalendar(page);
			await page.getByRole('button', { name: 'Week', exact: true }).click();
			await page.getByRole('button', { name: 'Today', exact: true }).click();
			await calendarIdle(page);
			const days = await page.locator('#calendar [role=columnheader][data-date]').evaluateAll((els) => els.map((e) => e.dataset.date));
			const day = days[3];
			// One event in the default calendar, made through the API, which
			// must stay when the other calendar is hidden.
			const home = await apiFromPage(page, 'POST', '/api/v1/events', { title: homeTitle, start: day + 'T08:00:00Z',
				end: day + 'T09:00:00Z', time_zone: ZONE });
			expect(home.status === 201 && home.body.calendar_id === defaultCal.id,
				'an event made without calendar_id: ' + home.status + ' ' + JSON.stringify(home.body).slice(0, 200));
			await page.getByRole('button', { name: 'New event' }).click();
			const dlg = page.locator('dialog[open]');
			await dlg.getByLabel('Title', { exact: true }).fill(eventTitle);
			const sel = dlg.getByLabel('Calendar', { exact: true });
			expect(await sel.inputValue() === defaultCal.id, 'a new event does not start in the default calendar');
			expect(await dlg.getByLabel('Reminder 1', { exact: true }).count() === 0,
				'a new event in the default calendar has reminders the account does not set');
			await sel.selectOption({ label: workName });
			// The calendar's own default reminders come with it.
			await dlg.getByLabel('Reminder 1', { exact: true }).waitFor();
			expect(await dlg.getByLabel('Reminder 1', { exact: true }).inputValue() === '10' &&
				await dlg.getByLabel('Reminder 1 unit', { exact: true }).inputValue() === 'minutes',
				'choosing the calendar did not bring its 10-minute default reminder');
			await dlg.getByLabel('Start', { exact: true }).fill(day + 'T14:00');
			await dlg.getByLabel('End', { exact: true }).fill(day + 'T15:00');
			await shot(page, '03-event-dialog-calendar');
			await axeCheck(page, 'event-dialog-calendar');
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST'),
				dlg.getByRole('button', { name: 'Save', exact: true }).click(),
			]);
			const text = await resp.text();
			expect(resp.status() === 201, 'POST /api/v1/events answered ' + resp.status() + ' ' + text.slice(0, 300));
			const ev = JSON.parse(text);
			expect(ev.calendar_id === work.id, 'the event went to calendar ' + ev.calendar_id + ', not ' + work.id);
			expect(JSON.stringify((ev.reminders || []).map((r) => r.minutes_before)) === '[10]',
				'the event was saved with reminders ' + JSON.stringify(ev.reminders));
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			const el = eventEl(page, eventTitle).first();
			await el.waitFor();
			await eventEl(page, homeTitle).first().waitFor();
			// Drawn in its calendar's color.
			const color = await el.evaluate((e) => {
				let n = e;
				while (n && !n.style.getPropertyValue('--fc-event-color'))
					n = n.parentElement;
				return n ? n.style.getPropertyValue('--fc-event-color') : '';
			});
			expect(color.trim().toLowerCase() === workColor, 'the event is drawn in "' + color + '", not its calendar\'s ' + workColor);
			expect(await el.getAttribute('data-calendar-id') === work.id, 'the event element does not name its calendar');
			// Reopened, the dialog shows its calendar.
			await el.click();
			await page.locator('dialog[open]').getByRole('heading', { name: 'Edit event' }).waitFor();
			expect(await page.locator('dialog[open]').getByLabel('Calendar', { exact: true }).inputValue() === work.id,
				'the edit dialog does not show the event\'s calendar');
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			await shot(page, '04-week-two-calendars');
			await axeCheck(page, 'week-two-calendars');
		});

		await step('hide_and_show_calendar', ['event_in_second_calendar'], async () => {
			const box = page.getByRole('checkbox', { name: workName, exact: true });
			await box.uncheck();
			await page.waitForFunction((t) => ![...document.querySelectorAll('#calendar [data-event-id]')]
				.some((e) => e.textContent.includes(t)), eventTitle, { timeout: STEP_MS });
			await calendarIdle(page);
			expect(await eventEl(page, homeTitle).count() > 0, 'hiding one calendar hid the other\'s event too');
			// Focus stays on the switch (keyboard users toggle several in a row).
			expect(await page.evaluate(() => document.activeElement && document.activeElement.type === 'checkbox'),
				'focus left the switch after hiding the calendar');
			// Remembered across a reload.
			await page.reload({ waitUntil: 'load' });
			await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
			await page.getByRole('checkbox', { name: workName, exact: true }).waitFor();
			await calendarIdle(page);
			await eventEl(page, homeTitle).first().waitFor();
			expect(!(await page.getByRole('checkbox', { name: workName, exact: true }).isChecked()), 'after a reload the hidden calendar is shown again');
			expect(await eventEl(page, eventTitle).count() === 0, 'after a reload the hidden calendar\'s event is drawn');
			await shot(page, '05-calendar-hidden');
			// Shown again with the keyboard.
			await page.getByRole('checkbox', { name: workName, exact: true }).focus();
			await page.keyboard.press('Space');
			await eventEl(page, eventTitle).first().waitFor();
			expect(await page.getByRole('checkbox', { name: workName, exact: true }).isChecked(), 'Space did not turn the switch back on');
			const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('aurora.hidden-calendars.'))
				.map((k) => localStorage.getItem(k)).join(''));
			expect(!stored.includes(work.id), 'the shown calendar is still stored as hidden: ' + stored);
		});

		await step('import_into_calendar', ['create_calendar_in_settings'], async () => {
			await openSettings(page);
			const into = page.getByLabel('Import into', { exact: true });
			await into.waitFor();
			expect(await into.inputValue() === defaultCal.id, 'the import does not go to the default calendar unless asked');
			await into.selectOption({ label: workName });
			const day = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10).replace(/-/g, '');
			const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Aurora e2e//EN', 'BEGIN:VEVENT',
				'UID:e2e-cal-import-' + stamp + '@example.com', 'DTSTAMP:20260101T000000Z',
				'DTSTART:' + day + 'T120000Z', 'DTEND:' + day + 'T130000Z',
				'SUMMARY:Imported ' + stamp, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
			const file = path.join(OUT, 'import-' + stamp + '.ics');
			fs.writeFileSync(file, ics);
			await page.getByLabel('ICS file', { exact: true }).setInputFiles(file);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/events/import') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Import', exact: true }).click(),
			]);
			expect(resp.status() === 200 && resp.url().includes('calendar_id=' + work.id),
				'the import answered ' + resp.status() + ' at ' + resp.url());
			await page.getByText(/Import finished: 1 imported/).waitFor();
			const from = new Date(Date.now()).toISOString().slice(0, 19) + 'Z';
			const to = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 19) + 'Z';
			const ev = await apiFromPage(page, 'GET', '/api/v1/events?from=' + from + '&to=' + to + '&calendar_id=' + work.id);
			expect(ev.status === 200 && (ev.body.items || []).some((e) => e.title === 'Imported ' + stamp && e.calendar_id === work.id),
				'the imported event is not in "' + workName + '": ' + JSON.stringify(ev.body).slice(0, 300));
		});

		await step('app_password_shown_once', ['sign_in'], async () => {
			await openSettings(page);
			await page.locator('.app-password-settings .panel-state, .app-passwords li').first().waitFor();
			await page.getByLabel('App name', { exact: true }).fill(appName);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/me/app-passwords') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Create app password', exact: true }).click(),
			]);
			const text = await resp.text();
			expect(resp.status() === 201, 'POST /api/v1/me/app-passwords answered ' + resp.status() + ' ' + text.slice(0, 200));
			const made = JSON.parse(text);
			const pw = page.getByLabel('App password', { exact: true });
			await pw.waitFor();
			appPassword = await pw.inputValue();
			expect(appPassword.length >= 16 && appPassword === made.password, 'the page shows "' + appPassword + '" as the app password');
			expect(await page.getByLabel('Server address', { exact: true }).inputValue() === BASE + '/dav/',
				'the server address shown is ' + await page.getByLabel('Server address', { exact: true }).inputValue());
			expect(await page.getByLabel('User name', { exact: true }).inputValue() === EMAIL, 'the user name shown is not the email');
			await page.getByRole('button', { name: 'Copy the app password' }).click();
			const copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
			expect(copied === null || copied === appPassword, 'Copy put "' + copied + '" on the clipboard');
			const row = page.locator('.app-passwords li').filter({ hasText: appName });
			await row.waitFor();
			expect(/never used/.test(await row.textContent()), 'the new password is not listed as never used: ' + await row.textContent());
			// Where the DAV layer answers, the password signs an app in.
			const dav = await fetch(BASE + '/dav/', { method: 'PROPFIND', headers: { Depth: '0',
				Authorization: 'Basic ' + Buffer.from(EMAIL + ':' + appPassword).toString('base64') } });
			davServed = ![404, 405, 501].includes(dav.status);
			if (davServed)
				expect(dav.status === 207, 'PROPFIND /dav/ with the new app password answered ' + dav.status);
			else
				line('# /dav/ answers ' + dav.status + ' on this stack (no DAV layer): the password is not tried against it');
			await shot(page, '06-app-password-created');
			await axeCheck(page, 'app-password-created');
			// The list never carries it; Done and a reload show it nowhere.
			const list = await apiFromPage(page, 'GET', '/api/v1/me/app-passwords');
			expect(list.status === 200 && !JSON.stringify(list.body).includes(appPassword), 'the list answer carries the password');
			expect(await pageHolds(page, appPassword), 'the page does not hold the password it shows');
			await page.getByRole('button', { name: 'Done', exact: true }).click();
			expect(!(await pageHolds(page, appPassword)), 'the password is still in the page after Done');
			expect(await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('name')) === 'name',
				'after Done focus is not back on the App name field');
			await page.reload({ waitUntil: 'load' });
			await page.locator('.app-passwords li').filter({ hasText: appName }).waitFor();
			expect(!(await pageHolds(page, appPassword)), 'the password is in the page after a reload');
			const kept = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
			expect(!kept.includes(appPassword), 'the app password is in the browser\'s storage');
		});

		await step('app_password_revoked', ['app_password_shown_once'], async () => {
			await page.getByRole('button', { name: 'Revoke ' + appName, exact: true }).click();
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/me/app-passwords/') && r.request().method() === 'DELETE'),
				chooseInDialog(page, 'Revoke'),
			]);
			expect(resp.status() === 204, 'DELETE /api/v1/me/app-passwords/{id} answered ' + resp.status());
			await page.locator('.app-passwords li').filter({ hasText: appName }).waitFor({ state: 'detached' });
			const list = await apiFromPage(page, 'GET', '/api/v1/me/app-passwords');
			expect(list.status === 200 && !(list.body.items || []).some((p) => p.name === appName), 'the API still lists the revoked password');
			// Revoked means refused at once, where the DAV layer answers.
			const dav = await fetch(BASE + '/dav/', { method: 'PROPFIND', headers: { Depth: '0',
				Authorization: 'Basic ' + Buffer.from(EMAIL + ':' + appPassword).toString('base64') } });
			if (davServed)
				expect(dav.status === 401, 'the revoked app password still gets ' + dav.status + ' from /dav/');
			await shot(page, '07-app-password-revoked');
		});

		await step('profile_download', ['app_password_revoked'], async () => {
			const [dl] = await Promise.all([
				page.waitForEvent('download', { timeout: STEP_MS }),
				page.getByRole('button', { name: 'Download profile', exact: true }).click(),
			]);
			expect(dl.suggestedFilename() === 'aurora-time.mobileconfig', 'the profile is saved as ' + dl.suggestedFilename());
			const file = await dl.path();
			const xml = fs.readFileSync(file, 'utf8');
			expect(xml.includes('<string>com.apple.caldav.account</string>') && xml.includes('<string>' + EMAIL + '</string>'),
				'the downloaded profile is not a CalDAV account for ' + EMAIL + ': ' + xml.slice(0, 200));
			expect(!xml.includes('CalDAVPassword'), 'the profile carries a password');
		});

		await step('phone_layout', ['create_calendar_in_settings'], async () => {
			const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, timezoneId: ZONE, locale: 'en-US',
				isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
			try {
				phone.setDefaultTimeout(STEP_MS);
				const p = await phone.newPage();
				p.on('pageerror', (e) => pageErrors.push(e.message));
				await p.goto(BASE + '/#/signin');
				await p.getByLabel('Email', { exact: true }).fill(EMAIL);
				await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
				await p.getByRole('button', { name: 'Sign in', exact: true }).click();
				await p.getByRole('checkbox', { name: workName, exact: true }).waitFor({ timeout: 20000 });
				await noHorizontalScroll(p, 'the calendar with its calendar list at 375 px');
				await p.goto(BASE + '/#/settings');
				await p.locator('.calendar-settings li').filter({ hasText: workName }).waitFor();
				await noHorizontalScroll(p, 'settings at 375 px');
				await p.getByRole('button', { name: 'Edit calendar ' + workName, exact: true }).click();
				const box = await p.locator('dialog[open]').boundingBox();
				expect(box.x >= 0 && box.x + box.width <= 375, 'the calendar dialog is ' + box.width + ' px wide at x ' + box.x);
				await shot(p, '09-phone-edit-calendar');
			} finally {
				await phone.close().catch(() => {});
			}
		});

		await step('delete_calendars', ['event_in_second_calendar'], async () => {
			await openSettings(page);
			// The second calendar: its events go with it.
			await page.getByRole('button', { name: 'Edit calendar ' + workName, exact: true }).click();
			await page.locator('dialog[open]').getByRole('button', { name: 'Delete calendar', exact: true }).click();
			await page.locator('dialog[open]').last().getByRole('heading', { name: 'Delete “' + workName + '”?' }).waitFor();
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/calendars/') && r.request().method() === 'DELETE'),
				chooseInDialog(page, 'Delete calendar'),
			]);
			expect(resp.status() === 204, 'DELETE /api/v1/calendars/{id} answered ' + resp.status());
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			await page.locator('.calendar-settings li').filter({ hasText: workName }).waitFor({ state: 'detached' });
			const items = await calendars(page);
			expect(items.length === 1 && items[0].id === defaultCal.id, 'after deleting, the API lists ' + JSON.stringify(items).slice(0, 200));
			// The last calendar cannot go: the dialog says why and it stays.
			await page.getByRole('button', { name: 'Edit calendar ' + defaultCal.name, exact: true }).click();
			await page.locator('dialog[open]').getByRole('button', { name: 'Delete calendar', exact: true }).click();
			const [resp2] = await Promise.all([
				page.waitForResponse((r) => r.url().includes('/api/v1/calendars/') && r.request().method() === 'DELETE'),
				chooseInDialog(page, 'Delete calendar'),
			]);
			expect(resp2.status() === 409, 'deleting the last calendar answered ' + resp2.status() + ', not 409');
			const alert = page.locator('dialog[open] .form-alert[role=alert]');
			await alert.waitFor();
			const said = (await alert.textContent()).trim();
			expect(said.length > 10 && !/HTTP \d|conflict$/i.test(said), 'refusing to delete the last calendar shows "' + said + '"');
			await shot(page, '08-last-calendar-refused');
			await axeCheck(page, 'last-calendar-refused');
			await page.keyboard.press('Escape');
			await page.locator('dialog[open]').waitFor({ state: 'detached' });
			expect((await calendars(page)).length === 1, 'the last calendar was deleted');
			// The deleted calendar's event went with it.
			const from = new Date(Date.now() - 14 * 86400000).toISOString().slice(0, 19) + 'Z';
			const to = new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 19) + 'Z';
			const ev = await apiFromPage(page, 'GET', '/api/v1/events?from=' + from + '&to=' + to + '&limit=500');
			expect(ev.status === 200, 'GET /api/v1/events answered ' + ev.status + ' ' + JSON.stringify(ev.body).slice(0, 200));
			const titles = (ev.body.items || []).map((e) => e.title);
			expect(titles.includes(homeTitle), 'the default calendar\'s event went too: ' + JSON.stringify(titles));
			expect(!titles.includes(eventTitle), 'the deleted calendar\'s event is still listed');
		});

		await cleanRunSteps('sign_in');
	} finally {
		await browser.close().catch(() => {});
	}
}

finish(main);
