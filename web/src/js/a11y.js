// a11y.js — corrections to the markup FullCalendar 7 renders, found by
// axe-core, kept up to date by a MutationObserver as the calendar re-renders:
//  - a month-view day cell is labelled "November 25, 2026" while it shows
//    "25" and its events, so its name does not contain its visible text: the
//    date moves to aria-description and the name comes from the content;
//  - the agenda's per-day role="list" holds role="button" events directly: it
//    becomes role="group" (a list must contain list items).
// Only attributes are touched, never Preact's child nodes.

function fix(root) {
	for (const cell of root.querySelectorAll('[role=gridcell][aria-label]')) {
		cell.setAttribute('aria-description', cell.getAttribute('aria-label'));
		cell.removeAttribute('aria-label');
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
