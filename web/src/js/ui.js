// ui.js — small DOM helpers: element building (text only, never HTML
// strings), labelled form fields with their error slots, API errors shown
// beside their field, toasts, and confirmation dialogs.

let uid = 0;
export function nextId(prefix) {
	uid += 1;
	return (prefix || 'id') + '-' + uid;
}

// h('button', {class: 'x', onclick: fn, 'aria-label': '…'}, 'text', child…)
// Attributes are set with setAttribute (never "style"; never inline
// handlers: on* keys become listeners).
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2).toLowerCase(), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else if (k === 'value')
			el.value = v;
		else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'required' || k === 'multiple')
			el[k] = !!v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'style')
			throw new Error('h(): no style attributes (CSP)');
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

// A labelled control with a hint and an error slot. opts: label, name,
// type, value, hint, autocomplete, required, attrs (extra attributes),
// control (a ready-made element instead of an <input>).
export function field(opts) {
	const id = opts.id || nextId('f');
	const errId = id + '-err';
	const hintId = id + '-hint';
	const control = opts.control || h('input', Object.assign({
		type: opts.type || 'text',
		value: opts.value,
		autocomplete: opts.autocomplete,
		required: opts.required,
	}, opts.attrs || {}));
	control.id = id;
	if (opts.name)
		control.name = opts.name;
	control.dataset.field = opts.field || opts.name || '';
	const described = [];
	if (opts.hint)
		described.push(hintId);
	described.push(errId);
	control.setAttribute('aria-describedby', described.join(' '));
	const wrap = h('div', { class: 'field' + (opts.class ? ' ' + opts.class : '') },
		h('label', { for: id, text: opts.label }),
		control,
		opts.hint ? h('p', { class: 'hint', id: hintId, text: opts.hint }) : null,
		h('p', { class: 'error', id: errId, hidden: true }));
	wrap.control = control;
	return wrap;
}

export function clearErrors(form) {
	form.querySelectorAll('.error').forEach((e) => {
		e.textContent = '';
		e.hidden = true;
	});
	form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
	const alert = form.querySelector('.form-alert');
	if (alert) {
		alert.textContent = '';
		alert.hidden = true;
	}
}

// Finds the control an API error's field names: exact data-field first, then
// the field's leading name ("reminders[1].minutes_before" -> a control with
// data-field="reminders[1]" or "reminders").
function controlFor(form, fieldName) {
	if (!fieldName)
		return null;
	const esc = (s) => s.replace(/["\\]/g, '\\$&');
	let name = fieldName;
	for (;;) {
		const el = form.querySelector('[data-field="' + esc(name) + '"]');
		if (el)
			return el;
		const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
		if (cut <= 0)
			return null;
		name = name.slice(0, cut);
	}
}

export function showFieldError(form, fieldName, message) {
	const control = controlFor(form, fieldName);
	if (control) {
		const wrap = control.closest('.field, .fieldset');
		const errEl = document.getElementById(control.id + '-err') ||
			(wrap ? wrap.querySelector('.error') : null);
		if (errEl) {
			errEl.textContent = message;
			errEl.hidden = false;
			control.setAttribute('aria-invalid', 'true');
			return control;
		}
	}
	return null;
}

// Shows err beside its field when it names one this form has, else in the
// form's alert; focuses the field. Returns nothing; never throws.
export function showError(form, err, fallbackField) {
	const message = (err && err.message) || 'Something went wrong. Please try again.';
	const control = showFieldError(form, err && err.field, message) ||
		(fallbackField ? showFieldError(form, fallbackField, message) : null);
	if (control) {
		control.focus();
		return;
	}
	let alert = form.querySelector('.form-alert');
	if (!alert) {
		alert = h('p', { class: 'form-alert', role: 'alert' });
		form.prepend(alert);
	}
	alert.textContent = message;
	alert.hidden = false;
}

// Marks a submit button busy while fn runs: disabled, aria-busy, its label
// changed to busyText; restores it afterwards.
export async function busy(button, busyText, fn) {
	const label = button.textContent;
	button.disabled = true;
	button.setAttribute('aria-busy', 'true');
	button.classList.add('busy');
	if (busyText)
		button.textContent = busyText;
	try {
		return await fn();
	} finally {
		button.disabled = false;
		button.removeAttribute('aria-busy');
		button.classList.remove('busy');
		button.textContent = label;
	}
}

// ---------------------------------------------------------------- toasts
export function toast(message, kind) {
	const box = document.getElementById('toasts');
	if (!box)
		return;
	const t = h('div', { class: 'toast' + (kind ? ' toast-' + kind : '') },
		h('span', { text: message }),
		h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', text: '×',
			onclick: () => t.remove() }));
	box.append(t);
	setTimeout(() => t.remove(), kind === 'error' ? 10000 : 5000);
}

// ---------------------------------------------------------------- dialogs
// choose(title, message, [{label, value, kind}]) resolves to the value of the
// button pressed, or null when dismissed (Escape).
export function choose(title, message, choices) {
	return new Promise((resolve) => {
		const titleId = nextId('dlg');
		const dlg = h('dialog', { class: 'dialog dialog-small', 'aria-labelledby': titleId },
			h('h2', { id: titleId, text: title }),
			message ? h('p', { text: message }) : null,
			h('div', { class: 'actions' }, choices.map((c) => h('button', {
				type: 'button',
				class: c.kind || '',
				text: c.label,
				onclick: () => {
					dlg.close();
					resolve(c.value);
				},
			}))));
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(null);
		});
		document.body.append(dlg);
		dlg.showModal();
	});
}

// editDialog(title, fields, danger, onClose) -> {dlg, form, save}: a
// modal form of the settings: a heading with a close button, the fields,
// and danger (a button, or null) | Cancel | Save. Cancel and Escape close
// it; onClose runs once it is gone (to put focus back). The caller
// handles the form's submit and shows the dialog (showModal).
export function editDialog(title, fields, danger, onClose) {
	const titleId = nextId('dlg');
	const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
	const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
	const form = h('form', { class: 'event-form', novalidate: true },
		h('div', { class: 'dialog-head' },
			h('h2', { id: titleId, text: title }),
			h('button', { type: 'button', class: 'icon-button close', 'aria-label': 'Close', text: '×',
				onclick: () => dlg.close() })),
		h('div', { class: 'dialog-body' }, fields),
		h('div', { class: 'actions' }, danger, h('span', { class: 'spacer' }), cancel, save));
	const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
	cancel.addEventListener('click', () => dlg.close());
	dlg.addEventListener('close', () => {
		dlg.remove();
		if (onClose)
			onClose();
	});
	document.body.append(dlg);
	return { dlg, form, save };
}

export function confirm(title, message, okLabel, kind) {
	return choose(title, message, [
		{ label: 'Cancel', value: false },
		{ label: okLabel || 'OK', value: true, kind: kind || 'primary' },
	]).then((v) => v === true);
}

export function setTitle(text) {
	document.title = text ? text + ' · Aurora Time' : 'Aurora Time';
}
