// auth.js — the signed-out screens: sign in, sign up, confirm the emailed
// code, forgot and reset password. Each renders into the given root.

import * as api from './api.js';
import { h, clear, field, clearErrors, showError, busy, toast, setTitle } from './ui.js';
import { browserZone } from './time.js';

// The address and password typed during sign-up stay in memory (never
// stored). Confirming sends the password with the code: the server makes
// it the account's password, so the person who reads the code decides,
// not whoever else signed up with the address (docs/identity.md); then the
// app signs straight in with it. After a reload it is gone, and the
// confirm form asks for it.
const flow = { email: '', password: '' };

function card(title, intro, ...content) {
	return h('main', { id: 'main', class: 'auth', tabindex: '-1' },
		h('div', { class: 'auth-card' },
			h('p', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Aurora Time'),
			h('h1', { text: title }),
			intro ? h('p', { class: 'intro', text: intro }) : null,
			...content));
}

function notice(text) {
	return text ? h('p', { class: 'notice', role: 'status', text }) : null;
}

function passwordField(label, name, autocomplete, hint) {
	// Length rules are the server's: its answer shows beside the field.
	const f = field({ label, name, type: 'password', autocomplete, required: true, hint,
		attrs: { maxlength: 256 } });
	const toggle = h('button', { type: 'button', class: 'link show-password', 'aria-pressed': 'false',
		text: 'Show password' });
	toggle.addEventListener('click', () => {
		const shown = f.control.type === 'text';
		f.control.type = shown ? 'password' : 'text';
		toggle.setAttribute('aria-pressed', String(!shown));
	});
	f.append(toggle);
	return f;
}

function emailField(value) {
	return field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true,
		value: value || flow.email, attrs: { maxlength: 254, spellcheck: 'false', autocapitalize: 'off' } });
}

// A form whose submit runs fn(values) with progress and error display.
function form(fields, submitLabel, busyLabel, fn) {
	const submit = h('button', { type: 'submit', class: 'primary wide', text: submitLabel });
	const f = h('form', { novalidate: true }, fields, submit);
	f.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(f);
		const values = Object.fromEntries(new FormData(f).entries());
		// The browser's own checks, shown the same way as the server's.
		for (const el of f.querySelectorAll('input')) {
			if (!el.checkValidity()) {
				const label = f.querySelector('label[for="' + el.id + '"]');
				const what = label ? label.textContent : 'This field';
				let msg = el.validationMessage;
				if (el.validity.valueMissing)
					msg = what + ' is required.';
				else if (el.validity.typeMismatch && el.type === 'email')
					msg = 'Enter an email address like name@example.com.';
				else if (el.validity.tooShort)
					msg = what + ' must be at least ' + el.minLength + ' characters.';
				showError(f, { message: msg, field: el.dataset.field });
				return;
			}
		}
		try {
			await busy(submit, busyLabel, () => fn(values, f));
		} catch (e) {
			showError(f, e);
		}
	});
	return f;
}

export function renderSignIn(root, params) {
	setTitle('Sign in');
	const f = form([
		emailField(params.get('email')),
		passwordField('Password', 'password', 'current-password'),
	], 'Sign in', 'Signing in…', async (v) => {
		flow.email = v.email;
		const res = await api.signIn(v.email.trim(), v.password);
		if (res && res.challenge === 'totp') {
			clear(root);
			renderSecondStep(root, res.session);
			return;
		}
		location.hash = '#/calendar';
	});
	const msg = params.get('msg');
	root.append(card('Sign in', null,
		notice(msg === 'expired' ? 'Your session has ended. Please sign in again.' :
			msg === 'reset' ? 'Your password has been changed. Sign in with the new one.' :
				msg === 'confirmed' ? 'Your email address is confirmed. Sign in to start.' :
					msg === 'signedout' ? 'You have been signed out.' :
						msg === 'deleted' ? 'Your account has been deleted.' : ''),
		f,
		h('p', { class: 'aside' }, h('a', { href: '#/forgot', text: 'Forgot password?' })),
		h('p', { class: 'aside' }, 'New to Aurora Time? ', h('a', { href: '#/signup', text: 'Create an account' }))));
	f.querySelector(params.get('email') ? 'input[type=password]' : 'input').focus();
}

// The second step of a sign-in with two-step sign-in on: a code from the
// authenticator app, or one of the recovery codes. The challenge lives 5
// minutes on the server; after that (or too many wrong codes) the person
// signs in again.
function renderSecondStep(root, session) {
	setTitle('Two-step sign-in');
	let useRecovery = false;
	const codeField = field({ label: 'Code from your authenticator app', name: 'code', autocomplete: 'one-time-code',
		required: true, hint: 'The 6-digit code the app shows for Aurora Time.',
		attrs: { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, spellcheck: 'false' } });
	const recoveryField = field({ label: 'Recovery code', name: 'recovery_code', autocomplete: 'off',
		hint: 'One of the codes you saved when you turned two-step sign-in on, like abcd-efgh-jkmn-pqrs. Each works once.',
		attrs: { maxlength: 64, spellcheck: 'false', autocapitalize: 'off' } });
	recoveryField.hidden = true;
	recoveryField.control.disabled = true;
	const f = form([codeField, recoveryField], 'Verify', 'Verifying…', async (v) => {
		await api.signInSecondStep(session, useRecovery ? { recovery_code: v.recovery_code.trim() } :
			{ code: v.code.trim() });
		location.hash = '#/calendar';
	});
	const toggle = h('button', { type: 'button', class: 'link', 'aria-pressed': 'false', text: 'Use a recovery code instead' });
	toggle.addEventListener('click', () => {
		useRecovery = !useRecovery;
		clearErrors(f);
		codeField.hidden = useRecovery;
		codeField.control.disabled = useRecovery;
		recoveryField.hidden = !useRecovery;
		recoveryField.control.disabled = !useRecovery;
		toggle.textContent = useRecovery ? 'Use a code from the app instead' : 'Use a recovery code instead';
		toggle.setAttribute('aria-pressed', String(useRecovery));
		(useRecovery ? recoveryField : codeField).control.focus();
	});
	root.append(card('Two-step sign-in', 'Your password is right. Now enter the code from your authenticator app.',
		f, h('p', { class: 'aside' }, toggle),
		h('p', { class: 'aside' }, h('a', { href: '#/signin?email=' + encodeURIComponent(flow.email.trim()),
			text: 'Back to sign in' }))));
	codeField.control.focus();
}

export function renderSignUp(root) {
	setTitle('Create an account');
	const f = form([
		field({ label: 'Name', name: 'name', autocomplete: 'name', hint: 'Optional. Shown in your reminders.',
			attrs: { maxlength: 200 } }),
		emailField(),
		passwordField('Password', 'password', 'new-password', 'At least 8 characters.'),
	], 'Sign up', 'Creating account…', async (v) => {
		const body = { email: v.email.trim(), password: v.password };
		if (v.name.trim())
			body.name = v.name.trim();
		await api.request('POST', '/api/v1/auth/signup', body, { auth: false });
		flow.email = body.email;
		flow.password = v.password;
		location.hash = '#/confirm?email=' + encodeURIComponent(body.email);
	});
	root.append(card('Create your account', 'Your calendar, with reminders by email.', f,
		h('p', { class: 'aside' }, 'Already have an account? ', h('a', { href: '#/signin', text: 'Sign in instead' }))));
	f.querySelector('input').focus();
}

export function renderConfirm(root, params) {
	setTitle('Confirm your email');
	const email = params.get('email') || flow.email;
	// Without the sign-up's password in memory (a reload, another tab),
	// the person types it here; it is sent either way.
	const remembered = flow.password !== '';
	const f = form([
		emailField(email),
		field({ label: 'Confirmation code', name: 'code', autocomplete: 'one-time-code', required: true,
			hint: 'The 6-digit code we emailed you. It is valid for 24 hours.',
			attrs: { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6 } }),
		remembered ? null : passwordField('Password', 'password', 'current-password',
			'The password you chose when you signed up. Confirming makes it your password.'),
	], 'Confirm', 'Confirming…', async (v) => {
		const addr = v.email.trim();
		const password = remembered ? flow.password : v.password;
		await api.request('POST', '/api/v1/auth/confirm', { email: addr, code: v.code.trim(), password },
			{ auth: false });
		// The confirmed password is the account's: sign straight in.
		await api.signIn(addr, password);
		flow.password = '';
		// A new account starts in the browser's time zone.
		try {
			await api.request('PATCH', '/api/v1/me', { time_zone: browserZone() });
		} catch (e) {
			toast('Your time zone could not be set; choose it in Settings.', 'error');
		}
		location.hash = '#/calendar';
	});
	const resend = h('button', { type: 'button', class: 'secondary wide', text: 'Send a new code' });
	resend.addEventListener('click', async () => {
		clearErrors(f);
		const addr = f.querySelector('input[name=email]').value.trim();
		if (!addr) {
			showError(f, { message: 'Enter your email address first.', field: 'email' });
			return;
		}
		try {
			await busy(resend, 'Sending…', () =>
				api.request('POST', '/api/v1/auth/resend', { email: addr }, { auth: false }));
			toast('A new code is on its way to ' + addr + '.');
		} catch (e) {
			showError(f, e);
		}
	});
	root.append(card('Check your email', email ? 'We sent a 6-digit code to ' + email + '.' : null, f, resend,
		h('p', { class: 'aside' }, h('a', { href: '#/signin', text: 'Back to sign in' }))));
	f.querySelector(email ? 'input[name=code]' : 'input').focus();
}

export function renderForgot(root) {
	setTitle('Forgot password');
	const f = form([emailField()], 'Send reset code', 'Sending…', async (v) => {
		const addr = v.email.trim();
		await api.request('POST', '/api/v1/auth/forgot', { email: addr }, { auth: false });
		flow.email = addr;
		location.hash = '#/reset?email=' + encodeURIComponent(addr);
	});
	root.append(card('Reset your password', 'Enter your email address and we will send you a code.', f,
		h('p', { class: 'aside' }, h('a', { href: '#/signin', text: 'Back to sign in' }))));
	f.querySelector('input').focus();
}

export function renderReset(root, params) {
	setTitle('Choose a new password');
	const f = form([
		emailField(params.get('email')),
		field({ label: 'Reset code', name: 'code', autocomplete: 'one-time-code', required: true,
			hint: 'If an account exists for this address, a 6-digit code is on its way.',
			attrs: { inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6 } }),
		passwordField('New password', 'new_password', 'new-password', 'At least 8 characters.'),
	], 'Change password', 'Changing…', async (v) => {
		const addr = v.email.trim();
		await api.request('POST', '/api/v1/auth/reset', { email: addr, code: v.code.trim(), new_password: v.new_password },
			{ auth: false });
		api.forgetSession('reset');
		location.hash = '#/signin?msg=reset&email=' + encodeURIComponent(addr);
	});
	root.append(card('Choose a new password', null, f,
		h('p', { class: 'aside' }, h('a', { href: '#/signin', text: 'Back to sign in' }))));
	f.querySelector(params.get('email') ? 'input[name=code]' : 'input').focus();
}
