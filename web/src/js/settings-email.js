// settings-email.js — changing the account's email address: the new
// address gets a code, and the old one stays the sign-in address until the
// code is entered here (PATCH /api/v1/me {email}, then POST
// /api/v1/me/email/confirm). The answer is the same whether or not the new
// address has an account of its own, so this screen never says so either.

import * as api from './api.js';
import { h, field, clearErrors, showError, busy, toast } from './ui.js';

// emailSettings(me, onChanged) -> element; onChanged(profile) after the
// address changed.
export function emailSettings(me, onChanged) {
	const current = h('p', { class: 'intro' });
	const addr = field({ label: 'New email address', name: 'email', type: 'email', autocomplete: 'email',
		hint: 'We mail a code to the new address. Your current address stays in use until you enter it.',
		attrs: { maxlength: 254, spellcheck: 'false' } });
	// Two-step sign-in on: a new address (which could reset the password)
	// needs a code from the authenticator app too.
	const otp = field({ label: 'Code from your authenticator app', name: 'code', autocomplete: 'one-time-code',
		attrs: { inputmode: 'numeric', maxlength: 6, spellcheck: 'false' } });
	const sendBtn = h('button', { type: 'submit', class: 'primary', text: 'Send code' });
	const askForm = h('form', { novalidate: true, class: 'settings-form' }, addr, otp, h('div', { class: 'actions' }, sendBtn));

	const sent = h('p', { role: 'status' });
	const code = field({ label: 'Code from the mail', name: 'code', autocomplete: 'one-time-code',
		attrs: { inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}', spellcheck: 'false' } });
	const confirmBtn = h('button', { type: 'submit', class: 'primary', text: 'Confirm new address' });
	const cancelBtn = h('button', { type: 'button', class: 'secondary', text: 'Use another address' });
	const codeForm = h('form', { novalidate: true, class: 'settings-form' }, sent, code,
		h('div', { class: 'actions' }, cancelBtn, confirmBtn));

	function show() {
		current.textContent = 'Your email address is ' + (me.email || '') + '.';
		otp.hidden = !(me.mfa && me.mfa.totp);
		const pending = me.pending_email || '';
		codeForm.hidden = !pending;
		askForm.hidden = !!pending;
		if (pending)
			sent.textContent = 'We sent a code to ' + pending + '. It works for 24 hours.';
	}

	askForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(askForm);
		const email = addr.control.value.trim();
		if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
			showError(askForm, { message: 'Enter an email address such as name@example.com.', field: 'email' });
			return;
		}
		const body = { email };
		if (!otp.hidden)
			body.code = otp.control.value.trim();
		try {
			const res = await busy(sendBtn, 'Sending…', () => api.request('PATCH', '/api/v1/me', body));
			Object.assign(me, res && typeof res === 'object' ? res : { pending_email: email });
			if (!me.pending_email)
				me.pending_email = email;
		} catch (e) {
			showError(askForm, e, 'email');
			return;
		}
		addr.control.value = '';
		otp.control.value = '';
		code.control.value = '';
		show();
		code.control.focus();
	});

	codeForm.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(codeForm);
		const value = code.control.value.trim();
		if (!/^[0-9]{6}$/.test(value)) {
			showError(codeForm, { message: 'The code has six digits.', field: 'code' });
			return;
		}
		try {
			const res = await busy(confirmBtn, 'Confirming…', () => api.request('POST', '/api/v1/me/email/confirm', { code: value }));
			Object.assign(me, res || {});
		} catch (e) {
			showError(codeForm, e, 'code');
			return;
		}
		code.control.value = '';
		show();
		toast('Your email address is now ' + me.email + '.');
		if (onChanged)
			onChanged(me);
		addr.control.focus();
	});

	cancelBtn.addEventListener('click', () => {
		// The pending address stays on the server until replaced; asking
		// for another one replaces it and its code.
		codeForm.hidden = true;
		askForm.hidden = false;
		addr.control.focus();
	});

	// Two-step sign-in may have been turned on since the page was drawn.
	askForm.addEventListener('focusin', () => {
		otp.hidden = !(me.mfa && me.mfa.totp);
	});
	show();
	return h('div', { class: 'email-settings' }, current, askForm, codeForm);
}
