// a11y.js — corrections to the markup FullCalendar 7 renders, found by
// axe-core, kept up to date by a MutationObserver as the calendar re-renders:
//  - a month-view day cell is labelled "November 25, 2026" while it shows
//    "25" and its events, so its name does not contain its visible text: the
//    date moves to aria-description and the name comes from the content;
//  - the agenda's per-day role="list" holds role="button" events directly: it
//    becomes role="group" (a list must contain list items);
//  - the scroller of the time grid (and of the month and agenda when they
//    overflow) holds nothing focusable when no event is in view, so a
//    keyboard cannot scroll to the evening (axe scrollable-region-focusable),
//    and FullCalendar 7 has no option for it. The scroller sits between a
//    grid's rowgroup and its rows, where a focusable or named element would
//    break the grid's structure; so the first cell inside it (the time
//    column's row header "Timed", a month's first day) takes focus
//    (tabindex 0, as grid cells do), and the arrow keys and Page Up/Down
//    then scroll its scroller. A scroller outside a grid (the agenda) becomes
//    a named, focusable region itself.
// Only attributes are touched, never Preact's child nodes.

const SCROLLER_NAME = 'Calendar, scrollable';

function fix(root) {
	for (const cell of root.querySelectorAll('[role=gridcell][aria-label]')) {
		cell.setAttribute('aria-description', cell.getAttribute('aria-label'));
		cell.removeAttribute('aria-label');
	}
	// FullCalendar's scrollers are the elements it gives an inline
	// overflow-y: auto (its class names are hashed, so not those).
	for (const sc of root.querySelectorAll('[style*="overflow"]')) {
		if (sc.style.overflowY !== 'auto' || sc.querySelector('[data-scroll-focus]') || sc.hasAttribute('data-scroll-focus'))
			continue;
		const cell = sc.querySelector('[role=rowheader], [role=gridcell]');
		const target = cell || (sc.closest('[role=grid], [role=table], [role=rowgroup]') ? null : sc);
		if (!target)
			continue;
		target.setAttribute('tabindex', '0');
		target.setAttribute('data-scroll-focus', '');
		if (target === sc) {
			sc.setAttribute('role', 'region');
			sc.setAttribute('aria-label', SCROLLER_NAME);
		}
	}
	for (const list of root.querySelectorAll('[role=list]')) {
		const bad = [...list.children].some((c) => c.getAttribute('role') && c.getAttribute('role') !== 'listitem');
		if (bad)
			list.setAttribute('role', 'group');
	}
}

// Returns a function that stops watching.
export function patchCalendarA11y(root) {
	let queued = false;
	const run = () => {
		queued = false;
		observer.disconnect();
		try {
			fix(root);
		} finally {
			observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
				attributeFilter: ['aria-label', 'role'] });
		}
	};
	const observer = new MutationObserver(() => {
		if (!queued) {
			queued = true;
			queueMicrotask(run);
		}
	});
	run();
	return () => observer.disconnect();
}
