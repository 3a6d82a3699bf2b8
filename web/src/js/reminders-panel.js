// reminders-panel.js — the "Upcoming reminders" panel: the user's reminders
// from a week ago to a month ahead, each with its status (scheduled, sent,
// failed and why, skipped, cancelled), refreshed while visible.

import * as api from './api.js';
import { h, clear } from './ui.js';
import { formatDateTime, describeMinutes, toUtcString } from './time.js';

const PAST_MS = 7 * 86400000;
const AHEAD_MS = 31 * 86400000;
const REFRESH_MS = 20000;

const STATUS = {
	pending: ['Scheduled', 'scheduled'],
	scheduled: ['Scheduled', 'scheduled'],
	sending: ['Sending', 'sending'],
	sent: ['Sent', 'sent'],
	failed: ['Failed', 'failed'],
	skipped: ['Skipped', 'skipped'],
	cancelled: ['Cancelled', 'cancelled'],
};

const SKIP_REASON = 'Not sent: the event had already ended when the sender got to it.';

function itemsOf(res) {
	if (Array.isArray(res))
		return res;
	if (res && Array.isArray(res.items))
		return res.items;
	if (res && Array.isArray(res.reminders))
		return res.reminders;
	return [];
}

// reminderPanel(ctx) -> element with .refresh(); ctx: {me, openEvent(id, occ)}.
export function reminderPanel(ctx) {
	const titleId = 'reminders-title';
	const list = h('ul', { class: 'reminder-items', 'aria-live': 'polite' });
	const state = h('p', { class: 'panel-state', role: 'status' });
	const refreshBtn = h('button', { type: 'button', class: 'secondary small', text: 'Refresh',
		'aria-label': 'Refresh reminders' });
	const panel = h('aside', { class: 'panel reminders-panel', 'aria-labelledby': titleId },
		h('div', { class: 'panel-head' }, h('h2', { id: titleId, text: 'Upcoming reminders' }), refreshBtn),
		state, list);
	let timer = null;
	let loading = false;

	function render(all) {
		clear(list);
		// A cancelled reminder belonged to an event that changed or was
		// deleted: nothing the user needs to see.
		const items = all.filter((r) => r.status !== 'cancelled');
		const tz = (ctx.me && ctx.me.time_zone) || undefined;
		const now = Date.now();
		const due = (r) => r.remind_at || r.due_at;
		items.sort((a, b) => new Date(due(a)) - new Date(due(b)));
		const upcoming = items.filter((r) => ['pending', 'scheduled', 'sending'].includes(r.status) &&
			new Date(due(r)) >= now - 3600000);
		const recent = items.filter((r) => !upcoming.includes(r)).reverse();
		state.textContent = items.length ? '' : 'No reminders in the coming month. Add one to an event to get an email before it starts.';
		state.hidden = !!items.length;
		for (const [label, group] of [['Next', upcoming], ['Recent', recent]]) {
			if (!group.length)
				continue;
			list.append(h('li', { class: 'group-label', 'aria-hidden': 'true', text: label }));
			for (const r of group) {
				const [statusText, cls] = STATUS[r.status] || [r.status || 'Unknown', 'unknown'];
				const title = r.title || r.event_title || (r.event && r.event.title) || '(deleted event)';
				let reason = r.reason || r.last_error || r.error || (r.status === 'skipped' ? SKIP_REASON : '');
				if (r.status === 'pending' && r.attempts > 0 && r.next_attempt_at)
					reason = (reason ? reason + ' ' : '') + 'Trying again ' + formatDateTime(new Date(r.next_attempt_at), tz) + '.';
				const when = due(r) ? formatDateTime(new Date(due(r)), tz) : '';
				const occ = r.occurrence_start ? formatDateTime(new Date(r.occurrence_start), tz) : '';
				const eventId = r.event_id || (r.event && r.event.id);
				const head = eventId ?
					h('button', { type: 'button', class: 'link reminder-title', text: title,
						onclick: () => ctx.openEvent(eventId, r.occurrence_start) }) :
					h('span', { class: 'reminder-title', text: title });
				list.append(h('li', { class: 'reminder-item status-' + cls, dataset: { status: r.status || '' } },
					h('div', { class: 'reminder-line' }, head,
						h('span', { class: 'badge badge-' + cls, text: statusText })),
					h('p', { class: 'reminder-meta' },
						(r.minutes_before !== undefined && r.minutes_before !== null ?
							describeMinutes(Number(r.minutes_before)) + ' before' : 'Email') +
						(occ ? ' · event ' + occ : '') +
						(when ? ' · ' + (r.status === 'sent' && r.sent_at ? 'sent ' + formatDateTime(new Date(r.sent_at), tz) : 'due ' + when) : '')),
					reason && cls !== 'sent' ? h('p', { class: 'reminder-reason', text: reason }) : null));
			}
		}
	}

	async function refresh() {
		if (loading)
			return;
		loading = true;
		refreshBtn.disabled = true;
		panel.setAttribute('aria-busy', 'true');
		const now = Date.now();
		const q = '?from=' + encodeURIComponent(toUtcString(new Date(now - PAST_MS))) +
			'&to=' + encodeURIComponent(toUtcString(new Date(now + AHEAD_MS)));
		try {
			const res = await api.request('GET', '/api/v1/reminders' + q);
			render(itemsOf(res));
		} catch (e) {
			if (e.status !== 401) {
				state.hidden = false;
				state.textContent = 'Reminders could not be loaded: ' + e.message;
			}
		} finally {
			loading = false;
			refreshBtn.disabled = false;
			panel.removeAttribute('aria-busy');
		}
	}

	refreshBtn.addEventListener('click', refresh);
	panel.refresh = refresh;
	panel.start = () => {
		refresh();
		clearInterval(timer);
		timer = setInterval(() => {
			if (!document.hidden && panel.isConnected)
				refresh();
			else if (!panel.isConnected)
				clearInterval(timer);
		}, REFRESH_MS);
	};
	panel.stop = () => clearInterval(timer);
	return panel;
}
