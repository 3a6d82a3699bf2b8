// tests/e2e/harness.mjs — what every browser test script shares: the
// environment, PASS/FAIL reporting, steps with dependencies and a deadline,
// screenshots, the browser launch, CSP violation and script error capture,
// sign-in, the API seen from the page and the axe-core check.
//
// A script calls start(outDir, runMs) before anything else, launches the
// browser with launch(), opens its main page with newWatchedPage() (or
// watches others with watch()), and ends with finish(main).
// Environment: AURORA_E2E_BASE, AURORA_E2E_EMAIL, AURORA_E2E_PASSWORD,
// AURORA_E2E_OUT (screenshots go to its screenshots/), AURORA_E2E_CHROMIUM.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(TOP, 'package.json'));
const { chromium } = require('playwright-core');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = (process.env.AURORA_E2E_BASE || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const EMAIL = process.env.AURORA_E2E_EMAIL || '';
export const PASSWORD = process.env.AURORA_E2E_PASSWORD || '';
export const BROWSER = process.env.AURORA_E2E_CHROMIUM || '/usr/bin/chromium';
export const STEP_MS = 15000;        // default bound on every wait

export let OUT = '';
export let SHOTS = '';
let runDeadline = 0;
let runMinutes = 0;

// start(name, runMs): output under AURORA_E2E_OUT or var/test-output/<name>;
// steps started after runMs from now fail as not run.
export function start(name, runMs) {
	OUT = process.env.AURORA_E2E_OUT || path.join(TOP, 'var', 'test-output', name);
	SHOTS = path.join(OUT, 'screenshots');
	fs.mkdirSync(SHOTS, { recursive: true });
	runDeadline = Date.now() + runMs;
	runMinutes = Math.round(runMs / 60000);
}

// ---------------------------------------------------------------- reporting
const results = new Map();
let failed = 0;

export function line(s) {
	process.stdout.write(s.replace(/\s+/g, ' ').trim() + '\n');
}

export function pass(name) {
	results.set(name, 'pass');
	line('PASS ' + name);
}

export function fail(name, why) {
	results.set(name, 'fail');
	failed++;
	line('FAIL ' + name + ': ' + why);
}

export function expect(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

export async function shot(page, name) {
	try {
		await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true, timeout: 10000 });
	} catch (e) {
		line('# screenshot ' + name + ' failed: ' + e.message);
	}
}

// What a failed step leaves to look at: by default the main page as
// FAIL-<name>.png; a script may set its own (web.mjs saves every open page).
let pageRef = null;
let onFailure = async (name) => {
	if (pageRef && !pageRef.isClosed()) {
		await shot(pageRef, 'FAIL-' + name);
		line('# ' + name + ' failed at ' + pageRef.url() + '; see FAIL-' + name + '.png');
	}
};

export function setMainPage(page) {
	pageRef = page;
}

export function setFailureShots(fn) {
	onFailure = fn;
}

// Pages and contexts a step opens with own() are closed when it ends.
let scratch = [];

export function own(x) {
	scratch.push(x);
	return x;
}

// step(name, deps, fn): runs fn unless a step it depends on failed (then it
// fails too, naming the cause: nothing is silently skipped).
export async function step(name, deps, fn, timeoutMs = 60000) {
	for (const d of deps) {
		if (results.get(d) !== 'pass') {
			fail(name, 'not run: it needs "' + d + '", which ' + (results.has(d) ? 'failed' : 'did not run'));
			return false;
		}
	}
	if (Date.now() > runDeadline) {
		fail(name, 'not run: the run passed its ' + runMinutes + '-minute deadline');
		return false;
	}
	let timer;
	const mine = scratch = [];
	try {
		await Promise.race([
			fn(),
			new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timed out after ' + timeoutMs + ' ms')), timeoutMs); }),
		]);
		pass(name);
		return true;
	} catch (e) {
		await onFailure(name);
		fail(name, (e && e.message ? e.message : String(e)).split('\n').slice(0, 3).join(' '));
		return false;
	} finally {
		clearTimeout(timer);
		for (const x of mine.reverse())
			await x.close().catch(() => {});
	}
}

// ---------------------------------------------------------------- browser
export async function launch() {
	return chromium.launch({
		executablePath: BROWSER,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		timeout: 30000,
	});
}

// CSP violations and uncaught script errors of every watched page, checked
// by cleanRunSteps() at the end.
export const cspViolations = [];
export const pageErrors = [];

// A context whose pages report CSP violations on the console (watch() hears
// them there).
export async function newContext(browser, opts) {
	const context = await browser.newContext(opts);
	context.setDefaultTimeout(STEP_MS);
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
		});
	});
	return context;
}

export function watch(page) {
	page.on('console', (m) => {
		const t = m.text();
		if (t.startsWith('CSP-VIOLATION') || /Content Security Policy/i.test(t))
			cspViolations.push(t);
	});
	page.on('pageerror', (e) => pageErrors.push(e.message));
	return page;
}

// The main page: watched, and the one a failed step photographs.
export async function newWatchedPage(context) {
	const page = watch(await context.newPage());
	setMainPage(page);
	return page;
}

export async function cleanRunSteps(dep) {
	await step('no_csp_violations', [dep], async () => {
		expect(!cspViolations.length, cspViolations.length + ' CSP violation(s): ' + cspViolations.slice(0, 3).join(' | '));
	});

	await step('no_script_errors', [dep], async () => {
		expect(!pageErrors.length, pageErrors.length + ' uncaught error(s): ' + pageErrors.slice(0, 3).join(' | '));
	});
}

// Runs main, then exits 1 if any check failed.
export function finish(main) {
	main().then(() => {
		line('# screenshots in ' + SHOTS);
		process.exit(failed ? 1 : 0);
	}, (e) => {
		fail('e2e_run', e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : String(e));
		process.exit(1);
	});
}

// ---------------------------------------------------------------- helpers
// Signs in through the form with the runner's account (the calendar's New
// event button shows it worked).
export async function signIn(page) {
	await page.goto(BASE + '/#/signin', { waitUntil: 'load', timeout: 30000 });
	await page.getByLabel('Email', { exact: true }).fill(EMAIL);
	await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('button', { name: 'New event' }).waitFor({ timeout: 20000 });
}

// The app's own session (tokens in localStorage), to ask the API directly
// what the UI did.
export async function apiFromPage(page, method, p, body) {
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

// Fails on a serious or critical axe violation, or any violation of a rule in
// enforced (turned on by name, so an axe update cannot drop it unnoticed);
// mustApply: rule ids that must have found something to check on this screen
// (a rule with nothing to look at passes without proving anything).
export async function axeCheck(page, screen, { mustApply = [], enforced = [] } = {}) {
	await page.evaluate(AXE_SOURCE);   // evaluate runs outside the page's CSP
	const res = await page.evaluate(async (enforced) => {
		const rules = {};
		for (const id of enforced)
			rules[id] = { enabled: true };
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { resultTypes: ['violations'], rules });
		return {
			violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
			applied: r.passes.concat(r.violations).map((v) => v.id),
		};
	}, enforced);
	fs.writeFileSync(path.join(OUT, 'axe-' + screen + '.json'), JSON.stringify(res.violations, null, 2));
	const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' ||
		enforced.includes(v.id));
	expect(!bad.length, screen + ': ' + bad.map((v) => v.impact + ' ' + v.id + ' (' + v.help + ') at ' + v.nodes.join(', ')).join('; '));
	for (const id of mustApply)
		expect(res.applied.includes(id), screen + ': axe found nothing for ' + id + ' to check');
}

// The first rendered event whose text includes title.
export function eventEl(page, title) {
	return page.locator('#calendar [data-event-id]').filter({ hasText: title });
}

// The calendar is aria-busy while it loads events and while a drag or resize
// is saved, until it has reloaded after it: then what it draws is final.
export async function calendarIdle(page) {
	await page.waitForFunction(() => {
		const cal = document.getElementById('calendar');
		return cal && cal.getAttribute('aria-busy') === 'false';
	}, null, { timeout: STEP_MS });
}

export async function chooseInDialog(page, label) {
	const dlg = page.locator('dialog[open]').last();
	await dlg.getByRole('button', { name: label, exact: true }).click({ timeout: STEP_MS });
}
