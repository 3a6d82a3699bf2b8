// settings-password.js — changing the password while signed in (POST
// /api/v1/me/password): the current one, the new one, and a code from the
// authenticator app while two-step sign-in is on. Every other browser and
// app signed in with the password is signed out; this one stays, and so do
// app passwords. A mail tells the owner.

import * as api from './api.js';
import { h, field, clearErrors, showError, busy, toast } from './ui.js';

const PW_MIN = 8;

// passwordSettings(me, onChanged) -> element; onChanged() after a change
// (the sessions list shrank).
export function passwordSettings(me, onChanged) {
	const current = field({ label: 'Current password', name: 'password', type: 'password', autocomplete: 'current-password' });
	const next = field({ label: 'New password', name: 'new_password', type: 'password', autocomplete: 'new-password',
		hint: 'At least ' + PW_MIN + ' characters. Other browsers and apps signed in with your password are signed out.' });
	const code = field({ label: 'Code from your authenticator app', name: 'code', autocomplete: 'one-time-code',
		attrs: { inputmode: 'numeric', maxlength: 6, spellcheck: 'false' } });
	const saveBtn = h('button', { type: 'submit', class: 'primary', text: 'Change password' });
	const form = h('form', { novalidate: true, class: 'settings-form' }, current, next, code,
		h('div', { class: 'actions' }, saveBtn));

	function show() {
		code.hidden = !(me.mfa && me.mfa.totp);
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const body = { password: current.control.value, new_password: next.control.value };
		if (!body.password) {
			showError(form, { message: 'Enter your current password.', field: 'password' });
			return;
		}
		if ([...body.new_password].length < PW_MIN) {
			showError(form, { message: 'The new password needs at least ' + PW_MIN + ' characters.', field: 'new_password' });
			return;
		}
		if (!code.hidden)
			body.code = code.control.value.trim();
		try {
			await busy(saveBtn, 'Changing…', () => api.request('POST', '/api/v1/me/password', body));
		} catch (e) {
			showError(form, e, 'password');
			return;
		}
		current.control.value = '';
		next.control.value = '';
		code.control.value = '';
		toast('Your password was changed. Other browsers and apps were signed out.');
		if (onChanged)
			onChanged();
	});

	// Two-step sign-in may have been turned on since the page was drawn.
	form.addEventListener('focusin', show);
	show();
	const box = h('div', { class: 'password-settings' }, form);
	box.refresh = show;
	return box;
}
