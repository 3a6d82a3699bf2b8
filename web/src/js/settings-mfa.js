// settings-mfa.js — the "Two-step sign-in" part of the settings: setting up
// an authenticator app (a QR code of the otpauth URI, drawn with the DOM
// from the bundled npm "qrcode" library, and the key to type instead),
// confirming it with a first code, the recovery codes shown once, and
// new recovery codes for a current code, and turning it off with the
// password and a current code.

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, nextId } from './ui.js';
import { create as qrCreate } from './qrcode.js';

const SVG = 'http://www.w3.org/2000/svg';
const QUIET = 4;	// modules of white border the QR specification asks for

function svgEl(tag, attrs) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs))
		el.setAttribute(k, String(v));
	return el;
}

// The QR code of text as an SVG image: one path of unit squares, scaled
// by the stylesheet. The label is what a screen reader announces.
export function qrImage(text, label) {
	const qr = qrCreate(text, { errorCorrectionLevel: 'M' });
	const n = qr.modules.size;
	const side = n + 2 * QUIET;
	let d = '';
	for (let r = 0; r < n; r++)
		for (let c = 0; c < n; c++)
			if (qr.modules.get(r, c))
				d += 'M' + (c + QUIET) + ' ' + (r + QUIET) + 'h1v1h-1z';
	const svg = svgEl('svg', { viewBox: '0 0 ' + side + ' ' + side, class: 'qr-code', role: 'img',
		'aria-label': label, 'shape-rendering': 'crispEdges' });
	svg.append(svgEl('rect', { width: side, height: side, fill: '#ffffff' }),
		svgEl('path', { d, fill: '#000000' }));
	return svg;
}

function codeField(label, hint) {
	return field({ label, name: 'code', autocomplete: 'one-time-code', required: true, hint,
		attrs: { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, spellcheck: 'false' } });
}

// The key in groups of four, as authenticator apps show it.
function grouped(secret) {
	return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

// mfaSettings(me) -> element (the section's content); me.mfa.totp says
// whether two-step sign-in is on.
export function mfaSettings(me) {
	const box = h('div', { class: 'mfa-settings' });
	let on = !!(me.mfa && me.mfa.totp);
	let left = (me.mfa && me.mfa.recovery_codes_left) || 0;

	function status(text) {
		return h('p', { class: 'mfa-status', role: 'status', text });
	}

	function renderOff(message) {
		clear(box);
		const start = h('button', { type: 'button', class: 'primary', text: 'Set up two-step sign-in' });
		start.addEventListener('click', async () => {
			let res;
			try {
				res = await busy(start, 'Starting…', () => api.request('POST', '/api/v1/me/mfa/totp', null));
			} catch (e) {
				toast(e.message, 'error');
				return;
			}
			renderSetup(res);
		});
		box.append(status(message || 'Off. Signing in needs only your password.'),
			h('div', { class: 'actions left' }, start));
	}

	function renderSetup(res) {
		clear(box);
		const headId = nextId('h');
		const keyId = nextId('f');
		const code = codeField('Code from the app', 'The 6-digit code the app shows for Aurora Time.');
		const confirmBtn = h('button', { type: 'submit', class: 'primary', text: 'Turn on' });
		const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
		const form = h('form', { novalidate: true, class: 'settings-form' }, code,
			h('div', { class: 'actions left' }, confirmBtn, cancel));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(form);
			const v = code.control.value.trim();
			if (!/^[0-9]{6}$/.test(v)) {
				showError(form, { message: 'Enter the 6 digits the app shows.', field: 'code' });
				return;
			}
			let done;
			try {
				done = await busy(confirmBtn, 'Checking…', () =>
					api.request('POST', '/api/v1/me/mfa/totp/confirm', { code: v }));
			} catch (e) {
				showError(form, e, 'code');
				return;
			}
			on = true;
			me.mfa = { totp: true };	// the app-password form asks for a code now
			left = (done.recovery_codes || []).length;
			renderCodes(done.recovery_codes || []);
		});
		cancel.addEventListener('click', () => renderOff());
		const setup = h('section', { class: 'secret-box mfa-setup', 'aria-labelledby': headId },
			h('h3', { id: headId, tabindex: '-1', text: 'Set up your authenticator app' }),
			h('ol', { class: 'steps' },
				h('li', {}, h('p', { text: 'Open an authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password or Aegis) and scan this code.' }),
					qrImage(res.otpauth_uri, 'QR code to scan with your authenticator app')),
				h('li', {}, h('p', {}, 'Cannot scan it? Add an account by hand with this key (time-based):'),
					h('div', { class: 'field' }, h('label', { for: keyId, text: 'Key' }),
						h('input', { type: 'text', id: keyId, readonly: true, value: grouped(res.secret),
							class: 'mfa-key', spellcheck: 'false', autocomplete: 'off' }))),
				h('li', {}, h('p', { text: 'Enter the code the app shows to turn two-step sign-in on.' }), form)));
		box.append(setup);
		setup.querySelector('h3').focus();
	}

	function renderCodes(codes, title) {
		clear(box);
		const headId = nextId('h');
		const text = codes.join('\n') + '\n';
		const copy = h('button', { type: 'button', class: 'secondary', text: 'Copy codes' });
		copy.addEventListener('click', async () => {
			try {
				await navigator.clipboard.writeText(text);
				toast('Recovery codes copied.');
			} catch (e) {
				toast('Copying is not allowed here: select the codes and copy them.', 'error');
			}
		});
		const save = h('button', { type: 'button', class: 'secondary', text: 'Download codes' });
		save.addEventListener('click', () => {
			const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
			const a = h('a', { href: url, download: 'aurora-time-recovery-codes.txt', hidden: true });
			document.body.append(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(url), 60000);
		});
		const done = h('button', { type: 'button', class: 'primary', text: 'I have saved them' });
		done.addEventListener('click', () => renderOn());
		const section = h('section', { class: 'secret-box', 'aria-labelledby': headId },
			h('h3', { id: headId, tabindex: '-1', text: title || 'Two-step sign-in is on: save your recovery codes' }),
			h('p', { text: 'If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown only this once: keep them somewhere safe, such as a password manager.' }),
			h('ul', { class: 'recovery-codes', 'aria-label': 'Recovery codes' },
				codes.map((c) => h('li', {}, h('code', { text: c })))),
			h('div', { class: 'actions left' }, copy, save, done));
		box.append(section);
		section.querySelector('h3').focus();
	}

	// New recovery codes for a current code: the old ones stop working.
	function renewForm() {
		const code = codeField('Code for new recovery codes', 'A current code from your authenticator app. Your old recovery codes stop working.');
		const renew = h('button', { type: 'submit', class: 'secondary', text: 'Get new recovery codes' });
		const form = h('form', { novalidate: true, class: 'settings-form' }, code, h('div', { class: 'actions left' }, renew));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(form);
			const v = code.control.value.trim();
			if (!/^[0-9]{6}$/.test(v)) {
				showError(form, { message: 'Enter the 6 digits the app shows.', field: 'code' });
				return;
			}
			let done;
			try {
				done = await busy(renew, 'Checking…', () =>
					api.request('POST', '/api/v1/me/mfa/totp/recovery-codes', { code: v }));
			} catch (e) {
				showError(form, e, 'code');
				return;
			}
			left = (done.recovery_codes || []).length;
			renderCodes(done.recovery_codes || [], 'New recovery codes: save them');
		});
		return form;
	}

	function renderOn() {
		clear(box);
		const pw = field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password',
			required: true, attrs: { maxlength: 256 } });
		const code = codeField('Code from the app', 'A current code from your authenticator app.');
		const off = h('button', { type: 'submit', class: 'danger', text: 'Turn off two-step sign-in' });
		const form = h('form', { novalidate: true, class: 'settings-form' }, pw, code,
			h('div', { class: 'actions left' }, off));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(form);
			if (!pw.control.value) {
				showError(form, { message: 'Password is required.', field: 'password' });
				return;
			}
			const v = code.control.value.trim();
			if (!/^[0-9]{6}$/.test(v)) {
				showError(form, { message: 'Enter the 6 digits the app shows.', field: 'code' });
				return;
			}
			try {
				await busy(off, 'Turning off…', () =>
					api.request('DELETE', '/api/v1/me/mfa/totp', { password: pw.control.value, code: v }));
			} catch (e) {
				showError(form, e, 'code');
				return;
			}
			on = false;
			me.mfa = { totp: false };
			toast('Two-step sign-in is off.');
			renderOff('Off. Signing in needs only your password.');
			box.querySelector('button').focus();
		});
		box.append(status('On. Signing in asks for a code from your authenticator app after your password.'),
			h('h3', { class: 'sub', text: 'Recovery codes' }),
			h('p', { class: 'hint', text: left === 1 ? '1 recovery code left.' : left + ' recovery codes left.' }),
			renewForm(),
			h('h3', { class: 'sub', text: 'Turn off' }), form);
	}

	if (on)
		renderOn();
	else
		renderOff();
	box.isOn = () => on;
	return box;
}
