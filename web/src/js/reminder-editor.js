// reminder-editor.js — up to five "N minutes/hours/days/weeks before" rows,
// used by the event dialog (field "reminders") and the settings
// ("default_reminders"). Values are [{method: "email", minutes_before}].

import { h, clear, nextId } from './ui.js';

export const MAX_REMINDERS = 5;
const MAX_MINUTES = 40320;
const UNITS = [['minutes', 1], ['hours', 60], ['days', 1440], ['weeks', 10080]];

function split(minutes) {
	for (let i = UNITS.length - 1; i > 0; i--)
		if (minutes > 0 && minutes % UNITS[i][1] === 0)
			return [minutes / UNITS[i][1], UNITS[i][0]];
	return [minutes, 'minutes'];
}

// reminderEditor(fieldName, legend, reminders) -> element with .getValue()
// (throws an Error with .field naming the bad row) and .setValue(list).
export function reminderEditor(fieldName, legend, initial) {
	const listEl = h('ul', { class: 'reminder-list' });
	const errId = nextId('rem-err');
	const addBtn = h('button', { type: 'button', class: 'link add-reminder', text: 'Add reminder' });
	const none = h('p', { class: 'hint no-reminders', text: 'No reminders.' });
	const box = h('fieldset', { class: 'fieldset reminders', 'data-field': fieldName },
		h('legend', { text: legend }),
		none,
		listEl,
		addBtn,
		h('p', { class: 'error', id: errId, hidden: true }));
	box.setAttribute('aria-describedby', errId);
	box.id = nextId('rem');
	// showFieldError finds the error slot by the control's id.
	const slot = box.querySelector('.error');
	slot.id = box.id + '-err';

	function renumber() {
		const rows = [...listEl.children];
		rows.forEach((row, i) => {
			const n = i + 1;
			row.amount.dataset.field = fieldName + '[' + i + ']';
			row.amountLabel.textContent = 'Reminder ' + n;
			row.unit.setAttribute('aria-label', 'Reminder ' + n + ' unit');
			row.remove.setAttribute('aria-label', 'Remove reminder ' + n);
		});
		addBtn.hidden = rows.length >= MAX_REMINDERS;
		none.hidden = rows.length > 0;
	}

	function addRow(minutes) {
		const [amount, unit] = split(minutes);
		const id = nextId('rem');
		const amountEl = h('input', { type: 'number', id, min: 0, max: MAX_MINUTES, step: 1, value: String(amount),
			inputmode: 'numeric', class: 'amount' });
		const amountLabel = h('label', { for: id, class: 'visually-hidden' });
		const unitEl = h('select', { class: 'unit' },
			UNITS.map(([name]) => h('option', { value: name, text: name, selected: name === unit })));
		const errEl = h('span', { class: 'error', id: id + '-err', hidden: true });
		amountEl.setAttribute('aria-describedby', id + '-err');
		const removeBtn = h('button', { type: 'button', class: 'icon-button', text: '×' });
		const row = h('li', { class: 'reminder-row' }, amountLabel, amountEl, unitEl,
			h('span', { class: 'before', text: 'before' }), removeBtn, errEl);
		row.amount = amountEl;
		row.amountLabel = amountLabel;
		row.unit = unitEl;
		row.remove = removeBtn;
		removeBtn.addEventListener('click', () => {
			const next = row.nextElementSibling || row.previousElementSibling;
			row.remove();
			renumber();
			(next ? next.querySelector('input') : addBtn).focus();
		});
		listEl.append(row);
		renumber();
		return row;
	}

	addBtn.addEventListener('click', () => {
		if (listEl.children.length >= MAX_REMINDERS)
			return;
		const row = addRow(listEl.children.length === 0 ? 30 : 1440);
		row.amount.focus();
	});

	box.setValue = (list) => {
		clear(listEl);
		for (const r of (list || []).slice(0, MAX_REMINDERS))
			addRow(Number(r.minutes_before) || 0);
		renumber();
	};

	box.getValue = () => {
		return [...listEl.children].map((row, i) => {
			const n = Number(row.amount.value);
			const mult = UNITS.find((u) => u[0] === row.unit.value)[1];
			const minutes = n * mult;
			if (row.amount.value === '' || !Number.isInteger(n) || n < 0 || minutes > MAX_MINUTES) {
				const e = new Error('Enter a whole number; a reminder can be at most 4 weeks before.');
				e.field = fieldName + '[' + i + ']';
				throw e;
			}
			return { method: 'email', minutes_before: minutes };
		});
	};

	box.setValue(initial);
	return box;
}
