#!/usr/bin/python3
"""python3-caldav (Debian's 0.11) driven against a server for
test_caldav_clients.py: run under /usr/bin/python3 (where Debian installs
the library), prints one JSON object with what the client saw. Steps that
fail are reported as {"error": "..."} in their place, so the test names
the step.

    caldav_client.py STEP BASE_URL USER PASSWORD

STEP: discover  principal, calendar home, calendars; MKCALENDAR one, list
                again, delete it
      objects   a weekly series with an override and an EXDATE, a single
                event; month and narrow searches; update; delete
      sync      sync tokens: full, after a create, an update, a delete
      uid       event_by_uid (a calendar-query with a UID prop-filter)"""

import datetime
import json
import sys
import traceback

import caldav
from caldav.lib import error

UTC = datetime.timezone.utc


def dt(y, mo, d, h=0, mi=0):
    return datetime.datetime(y, mo, d, h, mi, tzinfo=UTC)


SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Aurora tests//python3-caldav//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-series@caldav-client
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20270105T090000
DTEND;TZID=Europe/Berlin:20270105T100000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Berlin:20270119T090000
SUMMARY:Weekly planning
X-AURORA-TEST:kept
END:VEVENT
BEGIN:VEVENT
UID:weekly-series@caldav-client
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20270112T090000
DTSTART;TZID=Europe/Berlin:20270301T150000
DTEND;TZID=Europe/Berlin:20270301T160000
SUMMARY:Weekly planning (moved to March)
END:VEVENT
END:VCALENDAR
"""
# Occurrences: Jan 5, (Jan 12 -> Mar 1 15:00), (Jan 19 excluded), Jan 26,
# Feb 2, Feb 9. Single events: Jan 20 and Mar 20.

SINGLE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Aurora tests//python3-caldav//EN
BEGIN:VEVENT
UID:%(uid)s
DTSTAMP:20260101T000000Z
DTSTART:%(start)s
DTEND:%(end)s
SUMMARY:%(summary)s
END:VEVENT
END:VCALENDAR
"""


def uids(objs):
    out = []
    for o in objs:
        o.load() if not o.data else None
        for comp in o.icalendar_instance.walk("VEVENT"):
            out.append(str(comp["UID"]))
    return sorted(set(out))


def run(results, name, fn):
    try:
        results[name] = fn()
    except Exception as e:  # noqa: BLE001 — every failure is reported by name
        results[name] = {"error": "%s: %s" % (type(e).__name__, e),
                         "trace": traceback.format_exc()[-1500:]}


def calendar_of(client):
    principal = client.principal()
    cals = principal.calendars()
    return principal, cals[0]


def step_discover(client, results):
    principal = client.principal()
    results["principal"] = str(principal.url)
    run(results, "home", lambda: str(principal.calendar_home_set.url))
    cals = principal.calendars()
    results["calendars"] = [{"url": str(c.url), "name": c.get_display_name()} for c in cals]

    def make():
        cal = principal.make_calendar(name="Work from caldav", cal_id="work-caldav")
        return {"url": str(cal.url), "name": cal.get_display_name()}
    run(results, "made", make)
    run(results, "after_make", lambda: [{"url": str(c.url), "name": c.get_display_name()}
                                        for c in principal.calendars()])

    def delete():
        for c in principal.calendars():
            if c.get_display_name() == "Work from caldav":
                c.delete()
        return [c.get_display_name() for c in principal.calendars()]
    run(results, "after_delete", delete)


def step_objects(client, results):
    _, cal = calendar_of(client)
    results["calendar"] = str(cal.url)

    saved = {}

    def create():
        saved["series"] = cal.save_event(SERIES)
        saved["jan"] = cal.save_event(SINGLE % dict(uid="single-jan@caldav-client", start="20270120T080000Z",
                                                    end="20270120T090000Z", summary="Single in January"))
        saved["mar"] = cal.save_event(SINGLE % dict(uid="single-mar@caldav-client", start="20270320T080000Z",
                                                    end="20270320T090000Z", summary="Single in March"))
        return [str(saved[k].url) for k in ("series", "jan", "mar")]
    run(results, "created", create)

    def search(start, end):
        return uids(cal.search(start=start, end=end, event=True, expand=False))
    # Months: February holds only series occurrences after the first; March
    # the override and a single; January everything but the override.
    run(results, "feb", lambda: search(dt(2027, 2, 1), dt(2027, 3, 1)))
    run(results, "mar", lambda: search(dt(2027, 3, 1), dt(2027, 4, 1)))
    run(results, "apr", lambda: search(dt(2027, 4, 1), dt(2027, 5, 1)))
    # Narrow windows: the EXDATE'd and the moved-away instance only.
    run(results, "exdate_window", lambda: search(dt(2027, 1, 19, 7), dt(2027, 1, 19, 10)))
    run(results, "moved_away_window", lambda: search(dt(2027, 1, 12, 7), dt(2027, 1, 12, 10)))
    run(results, "override_window", lambda: search(dt(2027, 3, 1, 13), dt(2027, 3, 1, 16)))
    run(results, "date_search_feb", lambda: uids(cal.date_search(dt(2027, 2, 1), dt(2027, 3, 1),
                                                                  expand=False)))

    def expanded():
        objs = cal.search(start=dt(2027, 1, 1), end=dt(2027, 4, 1), event=True, expand=True)
        starts = []
        for o in objs:
            for comp in o.icalendar_instance.walk("VEVENT"):
                if str(comp["UID"]) == "weekly-series@caldav-client":
                    starts.append(comp["DTSTART"].dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"))
        return sorted(starts)
    run(results, "expanded_series_starts", expanded)

    # Objects by their URLs (GET), as a syncing client holds them.
    def fetched():
        return caldav.Event(client, url=saved["series"].url, parent=cal).load().data
    run(results, "series_data", fetched)

    def update():
        ev = caldav.Event(client, url=saved["jan"].url, parent=cal).load()
        ev.icalendar_instance.walk("VEVENT")[0]["SUMMARY"] = "Single in January, renamed"
        ev.save()
        again = caldav.Event(client, url=saved["jan"].url, parent=cal).load()
        return str(again.icalendar_instance.walk("VEVENT")[0]["SUMMARY"])
    run(results, "updated_summary", update)

    def delete():
        saved["mar"].delete()
        try:
            caldav.Event(client, url=saved["mar"].url, parent=cal).load()
            return "still there"
        except error.NotFoundError:
            return "gone"
    run(results, "deleted", delete)
    run(results, "mar_after_delete", lambda: search(dt(2027, 3, 1), dt(2027, 4, 1)))
    run(results, "all_after", lambda: uids(cal.events()))


def step_sync(client, results):
    _, cal = calendar_of(client)
    coll = cal.objects_by_sync_token(load_objects=True)
    results["token0"] = coll.sync_token
    results["full"] = sorted(str(o.url) for o in coll)
    e = cal.save_event(SINGLE % dict(uid="sync-1@caldav-client", start="20270405T080000Z",
                                     end="20270405T090000Z", summary="Sync one"))
    results["created_url"] = str(e.url)

    def step():
        updated, deleted = coll.sync()
        return {"token": coll.sync_token, "updated": sorted(str(o.url) for o in updated),
                "deleted": sorted(str(o.url) for o in deleted)}
    run(results, "after_create", step)
    run(results, "no_change", step)

    def edit():
        ev = caldav.Event(client, url=e.url, parent=cal).load()
        ev.icalendar_instance.walk("VEVENT")[0]["SUMMARY"] = "Sync one, edited"
        ev.save()
        return step()
    run(results, "after_update", edit)

    def remove():
        e.delete()
        return step()
    run(results, "after_delete", remove)

    def from_old_token():
        again = cal.objects_by_sync_token(sync_token=results["token0"], load_objects=False)
        return {"token": again.sync_token, "urls": sorted(str(o.url) for o in again)}
    run(results, "from_token0", from_old_token)


def step_uid(client, results):
    _, cal = calendar_of(client)
    cal.save_event(SINGLE % dict(uid="by-uid@caldav-client", start="20270505T080000Z",
                                 end="20270505T090000Z", summary="Found by UID"))
    cal.save_event(SINGLE % dict(uid="other@caldav-client", start="20270505T080000Z",
                                 end="20270505T090000Z", summary="Not this one"))

    def by_uid():
        ev = cal.event_by_uid("by-uid@caldav-client")
        return str(ev.icalendar_instance.walk("VEVENT")[0]["SUMMARY"])
    run(results, "by_uid", by_uid)

    def missing():
        try:
            cal.event_by_uid("nobody@caldav-client")
            return "found"
        except error.NotFoundError:
            return "not found"
    run(results, "missing", missing)


def main():
    step, url, user, password = sys.argv[1:5]
    results = {}
    client = caldav.DAVClient(url=url, username=user, password=password)
    try:
        {"discover": step_discover, "objects": step_objects, "sync": step_sync,
         "uid": step_uid}[step](client, results)
    except Exception as e:  # noqa: BLE001
        results["fatal"] = "%s: %s" % (type(e).__name__, e)
        results["trace"] = traceback.format_exc()[-2000:]
    json.dump(results, sys.stdout, indent=1, default=str)
    print()


if __name__ == "__main__":
    main()
