#!/usr/bin/python3
"""End-to-end tests of the events API (issue 4) on a throwaway stack:
CRUD with versions, window listing with recurrence and cursors, isolation
between users on every endpoint, hostile input, ICS export/feeds/import and
reminder scheduling. Run: /usr/bin/python3 tests/integration/test_events.py [NAME...]"""

import datetime
import json
import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import JSON_TYPE, Skip, check_json_error, expect, run_tests  # noqa: E402

try:
    import users  # noqa: E402
except ImportError:  # written in parallel by the identity engineer
    users = None

EVENTS = "/api/v1/events"
JSON_HDR = {"Content-Type": "application/json"}
ICS_HDR = {"Content-Type": "text/calendar"}
MARCH = "from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z"


# -- helpers ---------------------------------------------------------------

def user(stack):
    if users is None:
        raise Skip("tests/integration/users.py is missing")
    r = stack.request("POST", "/api/v1/auth/login", body=b"{}", headers=JSON_HDR)
    if r.status == 404:
        raise Skip("/api/v1/auth/login does not exist yet")
    return users.create_user(stack)


def auth(u, extra=None):
    h = {"Authorization": "Bearer " + u["access_token"]}
    h.update(extra or {})
    return h


def jauth(u, extra=None):
    return auth(u, dict(JSON_HDR, **(extra or {})))


def create(stack, u, **fields):
    body = {"title": "Event", "start": "2026-03-05T09:00:00+07:00",
            "end": "2026-03-05T10:00:00+07:00", "time_zone": "Asia/Ho_Chi_Minh",
            "reminders": []}
    body.update(fields)
    r = stack.request("POST", EVENTS, json.dumps(body), jauth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    return r.body


def get(stack, u, eid):
    return stack.request("GET", "%s/%s" % (EVENTS, eid), headers=auth(u))


def list_window(stack, u, query):
    r = stack.request("GET", "%s?%s" % (EVENTS, query), headers=auth(u))
    expect(r.status == 200, "list %s: %s" % (query, r.describe()))
    expect(set(r.body) == {"items", "next_cursor"}, "list keys %r" % sorted(r.body))
    return r.body


def list_all(stack, u, query, limit):
    """Every item of a window, page by page."""
    items, cursor, pages = [], None, 0
    while True:
        q = "%s&limit=%d" % (query, limit)
        if cursor:
            q += "&cursor=" + cursor
        page = list_window(stack, u, q)
        expect(len(page["items"]) <= limit, "page longer than limit")
        items += page["items"]
        cursor = page["next_cursor"]
        pages += 1
        expect(pages < 200, "pagination does not end")
        if cursor is None:
            return items


def psql(stack, sql):
    return stack.psql(sql).strip()


def count_events(stack, user_id):
    return int(psql(stack, "SELECT count(*) FROM events WHERE user_id = '%s'" % user_id))


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def key(item):
    return (item["occurrence_start"], item["id"])


# -- CRUD ------------------------------------------------------------------

def test_create_read_update_delete(stack):
    u = user(stack)
    body = {"title": "Team sync", "description": "Weekly, with notes",
            "location": "Room 4", "start": "2026-03-05T09:00:00+07:00",
            "end": "2026-03-05T10:00:00+07:00", "time_zone": "Asia/Ho_Chi_Minh",
            "all_day": False,
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=10",
                           "EXDATE;TZID=Asia/Ho_Chi_Minh:20260312T090000"],
            "reminders": [{"method": "email", "minutes_before": 30}]}
    r = stack.request("POST", EVENTS, json.dumps(body), jauth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    expect(r.headers.get("Content-Type") == JSON_TYPE, "Content-Type %r" % r.headers.get("Content-Type"))
    ev = r.body
    eid = ev["id"]
    expect(re.fullmatch(r"[0-9a-f-]{36}", eid), "id %r" % eid)
    expect(r.headers.get("Location") == "%s/%s" % (EVENTS, eid), "Location %r" % r.headers.get("Location"))
    expect(r.headers.get("ETag") == '"1"', "ETag %r" % r.headers.get("ETag"))
    for k, v in body.items():
        expect(ev[k] == v, "%s: %r != %r" % (k, ev[k], v))
    expect(ev["version"] == 1, "version %r" % ev["version"])
    expect(set(ev) == set(body) | {"id", "calendar_id", "created_at", "updated_at", "version"},
           "members %r" % sorted(ev))
    for k in ("created_at", "updated_at"):
        expect(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ev[k]), "%s %r" % (k, ev[k]))

    r = get(stack, u, eid)
    expect(r.status == 200 and r.body == ev, "read back: %s" % r.describe())
    expect(r.headers.get("ETag") == '"1"', "GET ETag %r" % r.headers.get("ETag"))

    # PATCH changes only what it names; If-Match takes 1 and "1".
    r = stack.request("PATCH", "%s/%s" % (EVENTS, eid), json.dumps({"title": "Renamed"}),
                      jauth(u, {"If-Match": '"1"'}))
    expect(r.status == 200, "patch: %s" % r.describe())
    expect(r.body["title"] == "Renamed" and r.body["version"] == 2, "patched %r" % r.body)
    expect(r.body["location"] == "Room 4" and r.body["recurrence"] == body["recurrence"],
           "patch changed other members: %r" % r.body)
    expect(r.headers.get("ETag") == '"2"', "PATCH ETag %r" % r.headers.get("ETag"))
    r = stack.request("PATCH", "%s/%s" % (EVENTS, eid), json.dumps({"location": None}),
                      jauth(u, {"If-Match": "2"}))
    expect(r.status == 200 and r.body["location"] == "" and r.body["version"] == 3,
           "patch location null: %s" % r.describe())

    # A stale version is refused and changes nothing.
    r = stack.request("PATCH", "%s/%s" % (EVENTS, eid), json.dumps({"title": "Lost update"}),
                      jauth(u, {"If-Match": '"2"'}))
    check_json_error(r, 412, "precondition_failed")
    r = stack.request("DELETE", "%s/%s" % (EVENTS, eid), headers=auth(u, {"If-Match": "1"}))
    check_json_error(r, 412, "precondition_failed")
    r = get(stack, u, eid)
    expect(r.body["title"] == "Renamed" and r.body["version"] == 3, "after 412: %r" % r.body)

    r = stack.request("DELETE", "%s/%s" % (EVENTS, eid), headers=auth(u))
    expect(r.status == 204 and r.raw == b"", "delete: %s" % r.describe())
    check_json_error(get(stack, u, eid), 404, "not_found")
    check_json_error(stack.request("DELETE", "%s/%s" % (EVENTS, eid), headers=auth(u)), 404, "not_found")
    expect(count_events(stack, u["user_id"]) == 0, "row left behind")


def test_defaults_from_user(stack):
    """time_zone and reminders left out come from the user's settings."""
    u = user(stack)
    psql(stack, "UPDATE users SET time_zone = 'Europe/Berlin', default_reminders = "
         "'[{\"method\": \"email\", \"minutes_before\": 10}]' WHERE id = '%s'" % u["user_id"])
    r = stack.request("POST", EVENTS, json.dumps({
        "title": "Defaults", "start": "2026-07-01T09:00:00+02:00", "end": "2026-07-01T10:00:00+02:00"}),
        jauth(u))
    expect(r.status == 201, "create: %s" % r.describe())
    expect(r.body["time_zone"] == "Europe/Berlin", "time_zone %r" % r.body["time_zone"])
    expect(r.body["reminders"] == [{"method": "email", "minutes_before": 10}], "reminders %r" % r.body["reminders"])
    expect(r.body["start"] == "2026-07-01T09:00:00+02:00", "start %r" % r.body["start"])
    r = stack.request("POST", EVENTS, json.dumps({
        "title": "None", "start": "2026-07-01T09:00:00Z", "end": "2026-07-01T10:00:00Z", "reminders": []}),
        jauth(u))
    expect(r.status == 201 and r.body["reminders"] == [], "explicit []: %s" % r.describe())


def test_all_day(stack):
    u = user(stack)
    ev = create(stack, u, title="Holiday", all_day=True, start="2026-03-28", end="2026-03-30",
                time_zone="Europe/Berlin")
    expect(ev["start"] == "2026-03-28" and ev["end"] == "2026-03-30", "dates %r" % ev)
    items = list_window(stack, u, MARCH)["items"]
    expect([i["start"] for i in items] == ["2026-03-28"], "listed %r" % items)
    r = stack.request("POST", EVENTS, json.dumps({"title": "x", "all_day": True, "start": "2026-03-28T00:00:00Z",
                                                  "end": "2026-03-29"}), jauth(u))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"]["field"] == "start", "field %r" % r.body["error"])


# -- listing ---------------------------------------------------------------

def test_list_window_and_recurrence(stack):
    u = user(stack)
    weekly = create(stack, u, title="Weekly", recurrence=[
        "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=10", "EXDATE;TZID=Asia/Ho_Chi_Minh:20260312T090000"])
    single = create(stack, u, title="Single", start="2026-03-10T12:00:00Z", end="2026-03-10T13:00:00Z",
                    time_zone="UTC")
    create(stack, u, title="April", start="2026-04-10T12:00:00Z", end="2026-04-10T13:00:00Z")
    # Started before the window, still running inside it.
    spanning = create(stack, u, title="Spanning", start="2026-02-27T00:00:00Z", end="2026-03-02T00:00:00Z")
    items = list_window(stack, u, MARCH)["items"]
    got = [(i["title"], i["start"]) for i in items]
    want = [("Spanning", "2026-02-27T07:00:00+07:00"),
            ("Weekly", "2026-03-05T09:00:00+07:00"),
            ("Single", "2026-03-10T12:00:00Z"),
            ("Weekly", "2026-03-19T09:00:00+07:00"),
            ("Weekly", "2026-03-26T09:00:00+07:00")]
    expect(got == want, "window items %r" % got)
    for i in items:
        expect(i["occurrence_start"] == i["start"], "occurrence_start %r" % i)
        expect(i["id"] in (weekly["id"], single["id"], spanning["id"]), "foreign id %r" % i["id"])
    w = [i for i in items if i["title"] == "Weekly"]
    expect(all(i["end"][11:] == "10:00:00+07:00" for i in w), "occurrence ends %r" % [i["end"] for i in w])
    # Window edges: end exclusive, start inclusive of overlap.
    items = list_window(stack, u, "from=2026-03-10T13:00:00Z&to=2026-03-19T02:00:00Z")["items"]
    expect(items == [], "edges %r" % [(i["title"], i["start"]) for i in items])
    items = list_window(stack, u, "from=2026-03-10T12:59:59Z&to=2026-03-19T02:00:01Z")["items"]
    expect([i["title"] for i in items] == ["Single", "Weekly"], "edges+1 %r" % [i["title"] for i in items])


def test_list_dst_local_time(stack):
    """A weekly 09:00 New York meeting stays at 09:00 local across DST."""
    u = user(stack)
    create(stack, u, title="NY", start="2026-02-26T09:00:00-05:00", end="2026-02-26T09:30:00-05:00",
           time_zone="America/New_York", recurrence=["RRULE:FREQ=WEEKLY"])
    items = list_window(stack, u, "from=2026-02-25T00:00:00Z&to=2026-03-20T00:00:00Z")["items"]
    starts = [i["start"] for i in items]
    expect(starts == ["2026-02-26T09:00:00-05:00", "2026-03-05T09:00:00-05:00",
                      "2026-03-12T09:00:00-04:00", "2026-03-19T09:00:00-04:00"], "starts %r" % starts)
    # Far in the future, an endless series still lists.
    items = list_window(stack, u, "from=2036-06-01T00:00:00Z&to=2036-06-15T00:00:00Z")["items"]
    expect([i["start"] for i in items] == ["2036-06-05T09:00:00-04:00", "2036-06-12T09:00:00-04:00"],
           "2036 %r" % [i["start"] for i in items])


def test_list_pagination_and_concurrent_inserts(stack):
    u = user(stack)
    for d in range(1, 8):
        create(stack, u, title="S%d" % d, start="2026-03-%02dT10:00:00Z" % d,
               end="2026-03-%02dT11:00:00Z" % d, time_zone="UTC")
    # Two events at the same instant: ordered by id.
    create(stack, u, title="Twin A", start="2026-03-04T10:00:00Z", end="2026-03-04T10:30:00Z", time_zone="UTC")
    create(stack, u, title="Daily", start="2026-03-02T08:00:00Z", end="2026-03-02T08:30:00Z",
           time_zone="UTC", recurrence=["RRULE:FREQ=DAILY;COUNT=6"])
    everything = list_window(stack, u, MARCH + "&limit=500")
    expect(everything["next_cursor"] is None, "next_cursor on the last page")
    full = everything["items"]
    expect(len(full) == 7 + 1 + 6, "%d items" % len(full))
    keys = [key(i) for i in full]
    expect(keys == sorted(keys, key=lambda k: (datetime.datetime.fromisoformat(k[0].replace("Z", "+00:00")), k[1])),
           "not ordered by (start, id)")
    for limit in (1, 2, 3, 5):
        paged = list_all(stack, u, MARCH, limit)
        expect([key(i) for i in paged] == keys, "limit %d pages differ" % limit)

    # Insert while paging: what existed is neither skipped nor repeated.
    page = list_window(stack, u, MARCH + "&limit=4")
    seen = [key(i) for i in page["items"]]
    create(stack, u, title="Early", start="2026-03-01T00:30:00Z", end="2026-03-01T01:00:00Z", time_zone="UTC")
    create(stack, u, title="Late", start="2026-03-30T00:30:00Z", end="2026-03-30T01:00:00Z", time_zone="UTC")
    create(stack, u, title="Same instant as page end", start=page["items"][-1]["start"],
           end="2026-03-31T00:00:00Z", time_zone="UTC")
    cursor = page["next_cursor"]
    while cursor:
        page = list_window(stack, u, MARCH + "&limit=4&cursor=" + cursor)
        seen += [key(i) for i in page["items"]]
        cursor = page["next_cursor"]
    expect(len(seen) == len(set(seen)), "an item repeated")
    expect(set(keys) <= set(seen), "items skipped: %r" % (set(keys) - set(seen)))
    titles = {i["title"] for i in list_window(stack, u, MARCH + "&limit=500")["items"]}
    expect({"Early", "Late"} <= titles, "new events missing from a fresh listing")


def test_list_long_and_edge_events(stack):
    """Single events longer than the 14 days the listing looks back for
    short ones (sql/006_list_bounds.sql) are listed, in order, once per
    page walk; so are short ones that start before the window and end in
    it, and ones ending exactly at its start are not."""
    u = user(stack)
    want = set()
    for title, start, end in [
            ("Sabbatical", "2025-11-01T00:00:00Z", "2026-06-01T00:00:00Z"),  # 7 months, across March
            ("Long trip", "2026-02-10T00:00:00Z", "2026-03-05T00:00:00Z"),    # 23 days, into March
            ("Fortnight", "2026-02-15T12:00:00Z", "2026-03-01T12:00:00Z"),    # exactly 14 days
            ("Overnight", "2026-02-28T22:00:00Z", "2026-03-01T02:00:00Z"),
            ("Late long", "2026-03-20T00:00:00Z", "2026-05-01T00:00:00Z")]:
        create(stack, u, title=title, start=start, end=end, time_zone="UTC")
        want.add(title)
    for title, start, end in [
            ("Ends at the start", "2026-02-10T00:00:00Z", "2026-03-01T00:00:00Z"),
            ("Short, ends at the start", "2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z"),
            ("Long, before", "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z"),
            ("After", "2026-04-01T00:00:00Z", "2026-04-30T00:00:00Z")]:
        create(stack, u, title=title, start=start, end=end, time_zone="UTC")
    for d in (3, 10, 20):
        create(stack, u, title="Short %d" % d, start="2026-03-%02dT09:00:00Z" % d,
               end="2026-03-%02dT10:00:00Z" % d, time_zone="UTC")
        want.add("Short %d" % d)
    full = list_window(stack, u, MARCH + "&limit=500")["items"]
    expect({i["title"] for i in full} == want, "titles %r" % sorted(i["title"] for i in full))
    expect(len(full) == len(want), "%d items" % len(full))
    keys = [key(i) for i in full]
    expect(keys == sorted(keys, key=lambda k: (datetime.datetime.fromisoformat(k[0].replace("Z", "+00:00")), k[1])),
           "not ordered by (start, id)")
    for limit in (1, 2, 3):
        expect([key(i) for i in list_all(stack, u, MARCH, limit)] == keys, "limit %d pages differ" % limit)


def recur_cache(stack):
    text = stack.request("GET", "/metrics").raw.decode()
    got = {}
    for result in ("hit", "miss"):
        m = re.search(r'^aurora_recurrence_cache_total\{result="%s"\} (\d+)$' % result, text, re.M)
        expect(m, "no %s counter in /metrics" % result)
        got[result] = int(m.group(1))
    return got


def test_list_recurrence_memo(stack):
    """Each worker expands a series' year once and then answers from its
    memo (counted in /metrics); an edited series is never answered from
    the expansion of its old rule, whichever worker answers."""
    u = user(stack)
    ev = create(stack, u, title="Weekly", start="2026-03-02T09:00:00Z", end="2026-03-02T10:00:00Z",
                time_zone="UTC", recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO"])
    before = recur_cache(stack)
    n = 3 * stack.workers + 1
    for _ in range(n):
        items = list_window(stack, u, MARCH)["items"]
        expect([i["start"][:10] for i in items] == ["2026-03-02", "2026-03-09", "2026-03-16",
                                                    "2026-03-23", "2026-03-30"], "mondays %r" % items)
    after = recur_cache(stack)
    expect(after["miss"] - before["miss"] <= stack.workers, "%r -> %r" % (before, after))
    expect(after["hit"] - before["hit"] >= n - stack.workers, "%r -> %r" % (before, after))
    r = stack.request("PATCH", "/api/v1/events/" + ev["id"], body=json.dumps(
        {"recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2"]}), headers=jauth(u))
    expect(r.status == 200, "patch: %s" % r.describe())
    for _ in range(n):
        items = list_window(stack, u, MARCH)["items"]
        # DTSTART (a Monday) is the first of the COUNT (RFC 5545).
        expect([i["start"][:10] for i in items] == ["2026-03-02", "2026-03-03"],
               "after the change: %r" % [i["start"] for i in items])


def test_list_parameters(stack):
    u = user(stack)
    bad = [
        ("", "from"),
        ("from=2026-03-01T00:00:00Z", "to"),
        ("from=2026-03-01&to=2026-04-01T00:00:00Z", "from"),
        ("from=2026-03-01T00:00:00&to=2026-04-01T00:00:00Z", "from"),
        ("from=2026-02-30T00:00:00Z&to=2026-04-01T00:00:00Z", "from"),
        ("from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
        ("from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z", "to"),
        (MARCH + "&limit=0", "limit"),
        (MARCH + "&limit=501", "limit"),
        (MARCH + "&limit=abc", "limit"),
        (MARCH + "&limit=-1", "limit"),
        (MARCH + "&limit=99999999999999999999", "limit"),
        (MARCH + "&limit=1.5", "limit"),
        (MARCH + "&cursor=garbage", "cursor"),
        (MARCH + "&cursor=" + "A" * 3000, "cursor"),
        (MARCH + "&cursor=%00", "cursor"),
        (MARCH + "&colour=red", "colour"),
        (MARCH + "&limit=5&limit=6", "limit"),
    ]
    for q, field in bad:
        r = stack.request("GET", "%s?%s" % (EVENTS, q), headers=auth(u))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == field, "%s: field %r, expected %r" % (q, r.body["error"], field))
    # 366 days is the longest window allowed.
    list_window(stack, u, "from=2026-01-01T00:00:00Z&to=2027-01-02T00:00:00Z")
    expect(list_window(stack, u, MARCH)["items"] == [], "new user has events")


# -- isolation -------------------------------------------------------------

def test_isolation_every_endpoint(stack):
    a, b = user(stack), user(stack)
    ev = create(stack, a, title="A's secret", recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
                reminders=[{"method": "email", "minutes_before": 5}])
    eid = ev["id"]
    before = get(stack, a, eid).body
    path = "%s/%s" % (EVENTS, eid)
    check_json_error(stack.request("GET", path, headers=auth(b)), 404, "not_found")
    r = stack.request("PATCH", path, json.dumps({"title": "pwned"}), jauth(b))
    check_json_error(r, 404, "not_found")
    r = stack.request("PATCH", path, json.dumps({"title": "pwned"}), jauth(b, {"If-Match": "1"}))
    check_json_error(r, 404, "not_found")
    check_json_error(stack.request("DELETE", path, headers=auth(b)), 404, "not_found")
    # A missing event answers exactly the same.
    missing = stack.request("GET", "%s/%s" % (EVENTS, uuid.uuid4()), headers=auth(b))
    theirs = stack.request("GET", path, headers=auth(b))
    expect(missing.status == theirs.status and missing.body == theirs.body,
           "missing %s vs foreign %s" % (missing.describe(), theirs.describe()))
    expect(list_window(stack, b, MARCH)["items"] == [], "B lists A's events")
    r = stack.request("GET", "/api/v1/calendar.ics", headers=auth(b))
    expect(r.status == 200 and b"A's secret" not in r.raw and eid.encode() not in r.raw,
           "B's calendar.ics shows A's event")
    # B's feed shows B's calendar only.
    r = stack.request("POST", "/api/v1/me/feed", headers=auth(b))
    expect(r.status == 201, "feed: %s" % r.describe())
    feed = r.body["url"].split("127.0.0.1:%d" % stack.http_port, 1)[-1]
    r = stack.request("GET", feed)
    expect(r.status == 200 and b"A's secret" not in r.raw, "B's feed shows A's event")
    # B importing A's UID makes B's own event; A's is untouched.
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
           "DTSTART:20260305T020000Z\r\nDTEND:20260305T030000Z\r\nSUMMARY:B's copy\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n" % eid)
    r = stack.request("POST", EVENTS + "/import", ics, auth(b, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 1 and r.body["updated"] == 0, "import: %s" % r.describe())
    # A's data is unchanged, including its reminder rules and row count.
    after = get(stack, a, eid)
    expect(after.status == 200 and after.body == before, "A's event changed: %r" % after.body)
    expect(count_events(stack, a["user_id"]) == 1, "A's events count changed")
    expect([i["title"] for i in list_window(stack, a, MARCH)["items"]] == ["A's secret"] * 3,
           "A's listing changed")
    # Malformed ids and missing tokens.
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201=1--", eid.upper() + "0"):
        check_json_error(stack.request("GET", "%s/%s" % (EVENTS, bad), headers=auth(a)), 404, "not_found")
        check_json_error(stack.request("DELETE", "%s/%s" % (EVENTS, bad), headers=auth(a)), 404, "not_found")
    for method, p in (("GET", EVENTS + "?" + MARCH), ("POST", EVENTS), ("GET", path), ("PATCH", path),
                      ("DELETE", path), ("GET", "/api/v1/calendar.ics"), ("POST", EVENTS + "/import"),
                      ("POST", "/api/v1/me/feed"), ("DELETE", "/api/v1/me/feed")):
        r = stack.request(method, p, body=b"{}" if method in ("POST", "PATCH") else None, headers=JSON_HDR)
        check_json_error(r, 401, "unauthorized")
    expect(get(stack, a, eid).body == before, "A's event changed at the end")


# -- hostile input ---------------------------------------------------------

def test_hostile_bodies(stack):
    u = user(stack)
    base = {"title": "x", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z"}

    def with_(**kw):
        b = dict(base)
        b.update(kw)
        return json.dumps(b).encode()

    cases = [
        # (body bytes, status, field)
        (b'{"title": "x", "start": ', 400, None),
        (b"[1, 2]", 400, None),
        (b"", 400, None),
        (b'{"title": "\xff\xfe", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T10:00:00Z"}', 400, None),
        (b'{"title": "a\x00b"}', 400, None),
        (b"{" * 5000 + b"}" * 5000, 400, None),
        # An escaped NUL: refused by the JSON reader before the event's.
        (with_(title="a\u0000b"), 400, None),
        (with_(title=""), 422, "title"),
        (with_(title="x" * 201), 422, "title"),
        (with_(title=["x"]), 422, "title"),
        (with_(description="x" * 10001), 422, "description"),
        (with_(location="x" * 501), 422, "location"),
        (with_(start="2026-02-30T09:00:00Z"), 422, "start"),
        (with_(start="2026-03-05T09:00:00"), 422, "start"),
        (with_(start="2026-03-05T25:00:00Z"), 422, "start"),
        (with_(start="yesterday"), 422, "start"),
        (with_(start=1772676000), 422, "start"),
        (with_(end="2026-03-05T08:00:00Z"), 422, "end"),
        (with_(time_zone="Mars/Olympus"), 422, "time_zone"),
        (with_(time_zone="../../../etc/passwd"), 422, "time_zone"),
        (with_(time_zone="America/New_York\u0000x"), 400, None),
        (with_(all_day=1), 422, "all_day"),
        (with_(recurrence=["RRULE:FREQ=SECONDLY"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=MINUTELY"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=HOURLY;COUNT=5"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=DAILY;COUNT=1000000000"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=YEARLY;INTERVAL=99999999999999999999"]), 422, "recurrence[0]"),
        (with_(recurrence=["RRULE:FREQ=WEEKLY", "RRULE:FREQ=DAILY"]), 422, "recurrence[1]"),
        (with_(recurrence=["RRULE:NOPE"]), 422, "recurrence[0]"),
        (with_(recurrence=["EXDATE:2026" + "0305T090000Z," * 101]), 422, "recurrence[0]"),
        (with_(recurrence=["EXDATE:20260306T090000Z"] * 101), 422, "recurrence[100]"),
        (with_(recurrence=["RRULE:FREQ=DAILY\r\nX-INJECTED:1"]), 422, "recurrence[0]"),
        (with_(reminders=[{"minutes_before": m} for m in range(6)]), 422, "reminders"),
        (with_(reminders=[{"minutes_before": 40321}]), 422, "reminders[0].minutes_before"),
        (with_(reminders=[{"minutes_before": -5}]), 422, "reminders[0].minutes_before"),
        (with_(reminders=[{"minutes_before": 2 ** 70}]), 422, "reminders[0].minutes_before"),
        (with_(reminders=[{"minutes_before": 1.5}]), 422, "reminders[0].minutes_before"),
        (with_(reminders=[{"minutes_before": True}]), 422, "reminders[0].minutes_before"),
        (with_(reminders=[{"method": "sms", "minutes_before": 5}]), 422, "reminders[0].method"),
        (b'{"title":"x","start":"2026-03-05T09:00:00Z","end":"2026-03-05T10:00:00Z",'
         b'"reminders":[{"minutes_before":1e999}]}', 422, "reminders[0].minutes_before"),
        (with_(id=str(uuid.uuid4())), 422, "id"),
        (with_(version=99), 422, "version"),
        (with_(created_at="2020-01-01T00:00:00Z"), 422, "created_at"),
        (with_(user_id=str(uuid.uuid4())), 422, "user_id"),
        (with_(owner="someone"), 422, "owner"),
        (with_(colour="red"), 422, "colour"),
    ]
    for body, status, field in cases:
        t0 = time.monotonic()
        r = stack.request("POST", EVENTS, body, jauth(u), timeout=10)
        took = time.monotonic() - t0
        check_json_error(r, status)
        if field is not None:
            expect(r.body["error"].get("field") == field,
                   "%r: field %r, expected %r" % (body[:80], r.body["error"], field))
        expect(took < 3, "%r took %.1fs" % (body[:80], took))
    # Wrong media type, oversized body.
    r = stack.request("POST", EVENTS, json.dumps(base), auth(u, {"Content-Type": "text/plain"}))
    check_json_error(r, 415, "unsupported_media_type")
    r = stack.request("POST", EVENTS, b'{"title":"' + b"x" * (2 << 20) + b'"}', jauth(u), timeout=30)
    check_json_error(r, 413, "payload_too_large")
    # PATCH takes the same checks, and a bad If-Match.
    ev = create(stack, u)
    p = "%s/%s" % (EVENTS, ev["id"])
    for body, field in ((b'{"start":"2026-13-01T00:00:00Z"}', "start"), (b'{"id":"x"}', "id"),
                        (b'{"title":null}', "title"), (b'{"end":"2026-03-05T08:00:00+07:00"}', "end")):
        r = stack.request("PATCH", p, body, jauth(u))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == field, "PATCH %r: %r" % (body, r.body["error"]))
    for im in ("abc", '"1', "99999999999999", "-1"):
        r = stack.request("PATCH", p, b'{"title":"y"}', jauth(u, {"If-Match": im}))
        check_json_error(r, 412, "precondition_failed")
    expect(get(stack, u, ev["id"]).body == ev, "event changed by refused PATCHes")
    expect(count_events(stack, u["user_id"]) == 1, "refused creates left rows")
    expect(stack.healthy(), "the API is not healthy after hostile input")
    log = stack.log_tail("aurora-api.log", 400)
    expect('"status":500' not in log, "a 500 was logged")


# -- ICS -------------------------------------------------------------------

def unfold(text):
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def test_calendar_export(stack):
    u = user(stack)
    ev = create(stack, u, title="Sync, weekly; ok", description="Line 1\nLine 2",
                recurrence=["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=10",
                            "EXDATE;TZID=Asia/Ho_Chi_Minh:20260312T090000"],
                reminders=[{"method": "email", "minutes_before": 30}])
    create(stack, u, title="Berlin", start="2026-06-01T09:00:00+02:00", end="2026-06-01T10:00:00+02:00",
           time_zone="Europe/Berlin")
    create(stack, u, title="Day off", all_day=True, start="2026-06-02", end="2026-06-03", time_zone="UTC")
    r = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u))
    expect(r.status == 200, "export: %s" % r.describe())
    expect(r.headers.get("Content-Type") == "text/calendar; charset=utf-8", "type %r" % r.headers.get("Content-Type"))
    etag = r.headers.get("ETag")
    expect(etag and re.fullmatch(r'"[0-9a-f]{40}"', etag), "ETag %r" % etag)
    text = r.raw.decode("utf-8")
    expect(text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n"), "not a calendar")
    expect(all(len(line.encode()) <= 75 for line in text.split("\r\n")), "unfolded long line")
    t = unfold(text)
    for needle in ("VERSION:2.0", "BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n", "TZID:Europe/Berlin",
                   "UID:%s" % ev["id"], "DTSTART;TZID=Asia/Ho_Chi_Minh:20260305T090000",
                   "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TH", "EXDATE;TZID=Asia/Ho_Chi_Minh:20260312T090000",
                   "BEGIN:VALARM", "TRIGGER:-PT30M", "SUMMARY:Sync\\, weekly\\; ok",
                   "DESCRIPTION:Line 1\\nLine 2", "DTSTART;VALUE=DATE:20260602"):
        expect(needle in t, "missing %r" % needle)
    # Unchanged calendar: same ETag and 304 on If-None-Match.
    r2 = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u))
    expect(r2.raw == r.raw and r2.headers.get("ETag") == etag, "export not stable")
    r3 = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u, {"If-None-Match": etag}))
    expect(r3.status == 304 and r3.raw == b"", "If-None-Match: %s" % r3.describe())
    expect(r3.headers.get("ETag") == etag, "304 ETag %r" % r3.headers.get("ETag"))
    # A change changes the ETag.
    stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"title": "Changed"}), jauth(u))
    r4 = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u, {"If-None-Match": etag}))
    expect(r4.status == 200 and r4.headers.get("ETag") != etag, "changed calendar: %s" % r4.describe())
    expect("UID:%s" % ev["id"] in unfold(r4.raw.decode()), "UID not stable across versions")


def test_feed_urls(stack):
    u = user(stack)
    create(stack, u, title="In the feed")
    r = stack.request("POST", "/api/v1/me/feed", headers=auth(u))
    expect(r.status == 201, "create feed: %s" % r.describe())
    url = r.body["url"]
    m = re.fullmatch(r"http://127\.0\.0\.1:%d(/feeds/[A-Za-z0-9_-]{43}\.ics)" % stack.http_port, url)
    expect(m, "feed url %r" % url)
    path = m.group(1)
    secret = path[len("/feeds/"):-len(".ics")]
    stored = psql(stack, "SELECT encode(secret_sha256, 'hex') FROM event_feeds WHERE user_id = '%s'" % u["user_id"])
    expect(len(stored) == 64 and secret not in stored, "stored %r" % stored)
    r = stack.request("GET", path)
    expect(r.status == 200 and b"SUMMARY:In the feed" in r.raw, "feed: %s" % r.describe())
    etag = r.headers.get("ETag")
    r2 = stack.request("GET", path, headers={"If-None-Match": etag})
    expect(r2.status == 304, "feed If-None-Match: %s" % r2.describe())
    r2 = stack.request("HEAD", path)
    expect(r2.status == 200 and r2.raw == b"", "HEAD: %s" % r2.describe())
    # Rotation: the old URL stops working, the new one works.
    r = stack.request("POST", "/api/v1/me/feed", headers=auth(u))
    new = r.body["url"].split(str(stack.http_port), 1)[1]
    expect(new != path, "rotation kept the secret")
    check_json_error(stack.request("GET", path), 404, "not_found")
    expect(stack.request("GET", new).status == 200, "rotated feed")
    # Wrong secrets of every shape.
    for bad in ("/feeds/x.ics", "/feeds/%s.ics" % ("A" * 43), "/feeds/%s.ics" % ("A" * 200),
                "/feeds/%s.ics.ics" % secret, "/feeds/%s" % secret, "/feeds/%s.ICS" % secret):
        r = stack.request("GET", bad)
        expect(r.status == 404, "%s: %s" % (bad, r.describe()))
    r = stack.request("DELETE", "/api/v1/me/feed", headers=auth(u))
    expect(r.status == 204, "delete feed: %s" % r.describe())
    check_json_error(stack.request("GET", new), 404, "not_found")
    check_json_error(stack.request("DELETE", "/api/v1/me/feed", headers=auth(u)), 404, "not_found")


IMPORT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other app//EN\r\n"
          "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
          "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
          "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n"
          "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
          "BEGIN:VEVENT\r\nUID:one@other\r\nDTSTAMP:20260101T000000Z\r\n"
          "DTSTART;TZID=Europe/Berlin:20260305T090000\r\nDTEND;TZID=Europe/Berlin:20260305T100000\r\n"
          "SUMMARY:%s\r\nLOCATION:Berlin\\, Room 1\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
          "EXDATE;TZID=Europe/Berlin:20260312T090000\r\n"
          "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:two@other\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260320\r\n"
          "SUMMARY:Whole day\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:one@other\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260319T090000\r\n"
          "DTSTART;TZID=Europe/Berlin:20260319T110000\r\nDTEND;TZID=Europe/Berlin:20260319T120000\r\n"
          "SUMMARY:moved\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:one@other\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260326T090000\r\n"
          "DTSTART;TZID=Europe/Berlin:20260326T090000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
          "END:VCALENDAR\r\n")


def test_import(stack):
    u = user(stack)
    r = stack.request("POST", EVENTS + "/import", IMPORT % "Planning", auth(u, ICS_HDR))
    expect(r.status == 200, "import: %s" % r.describe())
    # The series, the all-day event and the changed instance (moved to
    # 11:00); the cancelled one only takes its instance out of the series.
    expect(r.body["imported"] == 3 and r.body["updated"] == 0 and r.body["skipped"] == 0,
           "counts %r" % r.body)
    expect(r.body["errors"] == [], "errors %r" % r.body["errors"])
    items = list_window(stack, u, MARCH)["items"]
    got = [(i["title"], i["start"]) for i in items]
    expect(got == [("Planning", "2026-03-05T09:00:00+01:00"), ("moved", "2026-03-19T11:00:00+01:00"),
                   ("Whole day", "2026-03-20")], "imported items %r" % got)
    p = [i for i in items if i["title"] == "Planning"][0]
    expect(p["location"] == "Berlin, Room 1" and p["time_zone"] == "Europe/Berlin", "fields %r" % p)
    expect(p["reminders"] == [{"method": "email", "minutes_before": 15}], "reminders %r" % p["reminders"])
    # Importing again updates by UID instead of duplicating.
    r = stack.request("POST", EVENTS + "/import", IMPORT % "Planning v2", auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["imported"] == 0 and r.body["updated"] == 3, "re-import %r" % r.body)
    expect(count_events(stack, u["user_id"]) == 3, "re-import duplicated events")
    titles = sorted({i["title"] for i in list_window(stack, u, MARCH)["items"]})
    expect(titles == ["Planning v2", "Whole day", "moved"], "titles %r" % titles)
    # Our own export imports back as updates of the same events.
    exported = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u)).raw
    r = stack.request("POST", EVENTS + "/import", exported, auth(u, ICS_HDR))
    expect(r.status == 200 and r.body["updated"] == 3 and r.body["imported"] == 0, "round trip %r" % r.body)
    expect([(i["title"], i["start"]) for i in list_window(stack, u, MARCH)["items"]] ==
           [("Planning v2", "2026-03-05T09:00:00+01:00"), ("moved", "2026-03-19T11:00:00+01:00"),
            ("Whole day", "2026-03-20")], "after the round trip")


def test_import_changed_instances(stack):
    """Changed and cancelled instances (RECURRENCE-ID) before their series
    in the file, of a timed and of an all-day series, as Google and Apple
    export them; importing twice changes nothing."""
    u = user(stack)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
           "BEGIN:VEVENT\r\nUID:standup@google\r\nRECURRENCE-ID:20260310T140000Z\r\n"
           "DTSTART:20260310T160000Z\r\nDTEND:20260310T161500Z\r\nSUMMARY:Standup (late)\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:standup@google\r\nRECURRENCE-ID;TZID=America/New_York:20260312T100000\r\n"
           "DTSTART;TZID=America/New_York:20260312T100000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:standup@google\r\nDTSTART;TZID=America/New_York:20260309T100000\r\n"
           "DTEND;TZID=America/New_York:20260309T101500\r\nRRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=5\r\n"
           "SUMMARY:Standup\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:rota@apple\r\nDTSTART;VALUE=DATE:20260302\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
           "SUMMARY:On call\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:rota@apple\r\nRECURRENCE-ID;VALUE=DATE:20260309\r\n"
           "DTSTART;VALUE=DATE:20260310\r\nSUMMARY:On call (swapped)\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    want = [("On call", "2026-03-02"), ("Standup", "2026-03-09T10:00:00-04:00"),
            ("On call (swapped)", "2026-03-10"), ("Standup (late)", "2026-03-10T16:00:00Z"),
            ("Standup", "2026-03-11T10:00:00-04:00"), ("Standup", "2026-03-13T10:00:00-04:00"),
            ("On call", "2026-03-16")]
    for round_, counts in ((1, (4, 0)), (2, (0, 4))):
        r = stack.request("POST", EVENTS + "/import", ics, auth(u, ICS_HDR))
        expect(r.status == 200 and (r.body["imported"], r.body["updated"]) == counts and
               r.body["skipped"] == 0, "import %d: %s" % (round_, r.describe()))
        got = [(i["title"], i["start"]) for i in list_window(stack, u, MARCH)["items"]]
        expect(got == want, "import %d lists %r" % (round_, got))
    expect(count_events(stack, u["user_id"]) == 4, "events stored")


def test_import_broken_is_atomic(stack):
    u = user(stack)
    create(stack, u, title="Existing")
    good = ("BEGIN:VEVENT\r\nUID:g%d@x\r\nDTSTART:20260305T090000Z\r\nDTEND:20260305T100000Z\r\n"
            "SUMMARY:good\r\nEND:VEVENT\r\n")
    broken = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + good % 1 + good % 2 +
              "BEGIN:VEVENT\r\nUID:bad@x\r\nDTSTART 20260230T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r = stack.request("POST", EVENTS + "/import", broken, auth(u, ICS_HDR))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("line") == 17, "line %r" % r.body["error"])
    expect(count_events(stack, u["user_id"]) == 1, "half an import stored")
    cases = [
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nnot a property line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 4),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260305T090000Z\r\nEND:VCALENDAR\r\n", 5),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:\xff\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 4),
        ("hello", 1),
    ]
    for text, line in cases:
        body = text.encode("latin-1")
        r = stack.request("POST", EVENTS + "/import", body, auth(u, ICS_HDR))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("line") == line, "%r: %r" % (text[:60], r.body["error"]))
    r = stack.request("POST", EVENTS + "/import", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                      auth(u, {"Content-Type": "application/json"}))
    check_json_error(r, 415, "unsupported_media_type")
    cap = int(stack.conf().get("max_import_body", str(5 << 20)))
    big = b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"x" * (cap + 10) + b"\r\nEND:VCALENDAR\r\n"
    r = stack.request("POST", EVENTS + "/import", big, auth(u, ICS_HDR), timeout=60)
    check_json_error(r, 413, "payload_too_large")
    # Just under the cap is read (and is a valid, empty calendar).
    pad = cap - 200
    ok = b"BEGIN:VCALENDAR\r\n" + (b"X-PAD:" + b"x" * 70 + b"\r\n") * (pad // 78) + b"END:VCALENDAR\r\n"
    r = stack.request("POST", EVENTS + "/import", ok, auth(u, ICS_HDR), timeout=60)
    expect(r.status == 200 and r.body["imported"] == 0, "large valid file: %s" % r.describe())
    expect(count_events(stack, u["user_id"]) == 1, "event count changed")


# -- reminder scheduling ---------------------------------------------------

def outbox(stack, eid):
    out = psql(stack, "SELECT status, extract(epoch FROM occurrence_start)::bigint, minutes_before, "
               "extract(epoch FROM due_at)::bigint, user_id FROM mail_outbox "
               "WHERE kind = 'reminder' AND event_id = '%s' ORDER BY occurrence_start, minutes_before, id" % eid)
    rows = []
    for line in out.splitlines():
        s, o, m, d, uid = line.split("|")
        rows.append((s, int(o), int(m), int(d), uid))
    return rows


def test_reminders_scheduled_with_changes(stack):
    u = user(stack)
    start = utcnow().replace(second=0) + datetime.timedelta(hours=3)
    s = int(start.timestamp())
    ev = create(stack, u, title="Soon", start=iso(start), end=iso(start + datetime.timedelta(hours=1)),
                time_zone="UTC", reminders=[{"method": "email", "minutes_before": 30},
                                            {"method": "email", "minutes_before": 60}])
    rows = outbox(stack, ev["id"])
    expect(rows == [("pending", s, 30, s - 1800, u["user_id"]), ("pending", s, 60, s - 3600, u["user_id"])],
           "after create %r" % rows)
    # Moving the event: old mail cancelled, new mail pending, same transaction.
    new = start + datetime.timedelta(hours=1)
    n = int(new.timestamp())
    r = stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]),
                      json.dumps({"start": iso(new), "end": iso(new + datetime.timedelta(hours=1)),
                                  "reminders": [{"minutes_before": 30}]}), jauth(u))
    expect(r.status == 200, "patch: %s" % r.describe())
    rows = outbox(stack, ev["id"])
    pending = [x for x in rows if x[0] == "pending"]
    expect(pending == [("pending", n, 30, n - 1800, u["user_id"])], "pending after move %r" % rows)
    expect(sorted(x[2] for x in rows if x[0] == "cancelled") == [30, 60], "cancelled after move %r" % rows)
    # Removing and re-adding a rule brings its mail back, once.
    stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"reminders": []}), jauth(u))
    expect([x for x in outbox(stack, ev["id"]) if x[0] == "pending"] == [], "pending after reminders []")
    stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"reminders": [{"minutes_before": 30}]}),
                  jauth(u))
    rows = outbox(stack, ev["id"])
    expect([x for x in rows if x[0] == "pending"] == [("pending", n, 30, n - 1800, u["user_id"])],
           "re-added %r" % rows)
    # A title change leaves the schedule alone.
    before = outbox(stack, ev["id"])
    stack.request("PATCH", "%s/%s" % (EVENTS, ev["id"]), json.dumps({"title": "Renamed"}), jauth(u))
    expect(outbox(stack, ev["id"]) == before, "title change touched the schedule")
    # Deleting cancels everything pending.
    eid = ev["id"]
    expect(stack.request("DELETE", "%s/%s" % (EVENTS, eid), headers=auth(u)).status == 204, "delete")
    left = psql(stack, "SELECT count(*) FROM mail_outbox WHERE kind = 'reminder' AND user_id = '%s' "
                "AND status = 'pending'" % u["user_id"])
    expect(left == "0", "%s pending mails after delete" % left)


def test_reminders_recurring_horizon(stack):
    u = user(stack)
    start = utcnow().replace(second=0) + datetime.timedelta(hours=2)
    ev = create(stack, u, title="Daily", start=iso(start), end=iso(start + datetime.timedelta(minutes=30)),
                time_zone="UTC", recurrence=["RRULE:FREQ=DAILY"], reminders=[{"minutes_before": 10}])
    rows = outbox(stack, ev["id"])
    now = time.time()
    expect(all(x[0] == "pending" for x in rows), "statuses %r" % rows)
    expect(all(now - 60 <= x[3] <= now + 7 * 86400 + 60 for x in rows), "due outside the horizon %r" % rows)
    expect(len(rows) in (7, 8), "%d mails for a 7-day horizon" % len(rows))
    until = psql(stack, "SELECT reminders_scheduled_until <> 'infinity' FROM events WHERE id = '%s'" % ev["id"])
    expect(until == "t", "endless series marked as fully planned")
    # Single events are planned once: their horizon becomes infinity.
    single = create(stack, u, title="Once", start=iso(start), end=iso(start + datetime.timedelta(hours=1)),
                    time_zone="UTC", reminders=[{"minutes_before": 10}])
    until = psql(stack, "SELECT reminders_scheduled_until FROM events WHERE id = '%s'" % single["id"])
    expect(until == "infinity", "single event horizon %r" % until)


# -- issue 17: defects found as a new user ---------------------------------

def test_all_day_end_exclusive_in_zone(stack):
    """An all-day event ends at local midnight of its (exclusive) end date
    in its zone: 2026-03-05..2026-03-07 in Berlin ends 2026-03-06T23:00Z,
    so a window starting at or after that does not list it, whichever half
    of the listing query (short or long single events) finds it."""
    u = user(stack)
    create(stack, u, title="Trip", all_day=True, start="2026-03-05", end="2026-03-07",
           time_zone="Europe/Berlin")
    # 20 days: read by the query's long half, not by the short one.
    create(stack, u, title="Long trip", all_day=True, start="2026-02-15", end="2026-03-07",
           time_zone="Europe/Berlin")
    for window in ("from=2026-03-07T12:00:00Z&to=2026-03-08T00:00:00Z",
                   "from=2026-03-06T23:00:00Z&to=2026-03-08T00:00:00Z"):
        items = list_window(stack, u, window)["items"]
        expect(items == [], "%s lists %r" % (window, [(i["title"], i["start"], i["end"]) for i in items]))
    # One second earlier, both still run.
    items = list_window(stack, u, "from=2026-03-06T22:59:59Z&to=2026-03-08T00:00:00Z")["items"]
    expect(sorted(i["title"] for i in items) == ["Long trip", "Trip"],
           "last second %r" % [(i["title"], i["start"], i["end"]) for i in items])
    # Ended events do not take up a page (the query's LIMIT): limit=1
    # still finds the one that runs, after two that have ended.
    create(stack, u, title="Weekend", all_day=True, start="2026-03-06", end="2026-03-07",
           time_zone="Europe/Berlin")
    later = create(stack, u, title="Later", all_day=True, start="2026-03-07", end="2026-03-08",
                   time_zone="Europe/Berlin")
    page = list_window(stack, u, "from=2026-03-07T12:00:00Z&to=2026-03-08T00:00:00Z&limit=1")
    expect([i["id"] for i in page["items"]] == [later["id"]] and page["next_cursor"] is None,
           "limit=1 page %r" % page)


def test_dtstart_off_rule_is_first_instance(stack):
    """A weekly BYDAY=TH,SA event starting on a Wednesday is shown on that
    Wednesday (RFC 5545: DTSTART is the first instance and counts in
    COUNT), in the listing (memo and direct expansion), in a window that
    holds only DTSTART, in the export and in the reminder plan."""
    u = user(stack)
    counted = create(stack, u, title="Counted", start="2026-03-04T09:00:00+01:00",
                     end="2026-03-04T10:00:00+01:00", time_zone="Europe/Berlin",
                     recurrence=["RRULE:FREQ=WEEKLY;BYDAY=TH,SA;COUNT=4"])
    endless = create(stack, u, title="Endless", start="2026-03-04T18:00:00+01:00",
                     end="2026-03-04T19:00:00+01:00", time_zone="Europe/Berlin",
                     recurrence=["RRULE:FREQ=WEEKLY;BYDAY=TH,SA"])
    counted_starts = ["2026-03-04T09:00:00+01:00", "2026-03-05T09:00:00+01:00",
                      "2026-03-07T09:00:00+01:00", "2026-03-12T09:00:00+01:00"]
    endless_starts = ["2026-03-%sT18:00:00+01:00" % d for d in ("04", "05", "07", "12", "14", "19", "21",
                                                               "26", "28")]

    def in_window(starts, lo, hi):
        return [x for x in starts if lo <= datetime.datetime.fromisoformat(x) < hi]

    # A month (repeated, so warm memos answer too), eleven days, a window
    # holding only the Wednesday, and one across a year end.
    for lo, hi in [("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")] * 3 + [
            ("2026-03-04T00:00:00Z", "2026-03-15T00:00:00Z"),
            ("2026-03-04T07:00:00Z", "2026-03-04T20:00:00Z"),
            ("2025-06-01T00:00:00Z", "2026-03-15T00:00:00Z")]:
        items = list_all(stack, u, "from=%s&to=%s" % (lo, hi), 500)
        got = {}
        for i in items:
            got.setdefault(i["title"], []).append(i["start"])
        lo_t = datetime.datetime.fromisoformat(lo.replace("Z", "+00:00"))
        hi_t = datetime.datetime.fromisoformat(hi.replace("Z", "+00:00"))
        want = {"Counted": in_window(counted_starts, lo_t, hi_t), "Endless": in_window(endless_starts, lo_t, hi_t)}
        expect(got == want, "%s..%s: %r, want %r" % (lo, hi, got, want))
    # The export says the same to other calendar apps.
    t = unfold(stack.request("GET", "/api/v1/calendar.ics", headers=auth(u)).raw.decode())
    for ev in (counted, endless):
        block = t[t.index("UID:%s" % ev["id"]):]
        block = block[:block.index("END:VEVENT")]
        expect("DTSTART;TZID=Europe/Berlin:20260304T" in block, "export DTSTART %r" % block)
    # Reminders: the first mail is for the Wednesday (the event is planned
    # from now; only check when the Wednesday is still ahead).
    soon = utcnow().replace(second=0, microsecond=0) + datetime.timedelta(days=2)
    while soon.weekday() in (3, 5):  # not a Thursday or Saturday
        soon += datetime.timedelta(days=1)
    ev = create(stack, u, title="Planned", start=iso(soon), end=iso(soon + datetime.timedelta(hours=1)),
                time_zone="UTC", recurrence=["RRULE:FREQ=WEEKLY;BYDAY=TH,SA;COUNT=3"],
                reminders=[{"minutes_before": 10}])
    rows = outbox(stack, ev["id"])
    expect(rows and rows[0][1] == int(soon.timestamp()), "first reminder %r for %s" % (rows, iso(soon)))


TESTS = [
    ("create_read_update_delete", test_create_read_update_delete),
    ("defaults_from_user", test_defaults_from_user),
    ("all_day", test_all_day),
    ("list_window_and_recurrence", test_list_window_and_recurrence),
    ("list_dst_local_time", test_list_dst_local_time),
    ("list_pagination_and_concurrent_inserts", test_list_pagination_and_concurrent_inserts),
    ("list_long_and_edge_events", test_list_long_and_edge_events),
    ("list_recurrence_memo", test_list_recurrence_memo),
    ("list_parameters", test_list_parameters),
    ("isolation_every_endpoint", test_isolation_every_endpoint),
    ("hostile_bodies", test_hostile_bodies),
    ("calendar_export", test_calendar_export),
    ("feed_urls", test_feed_urls),
    ("import", test_import),
    ("import_broken_is_atomic", test_import_broken_is_atomic),
    ("import_changed_instances", test_import_changed_instances),
    ("reminders_scheduled_with_changes", test_reminders_scheduled_with_changes),
    ("reminders_recurring_horizon", test_reminders_recurring_horizon),
    ("all_day_end_exclusive_in_zone", test_all_day_end_exclusive_in_zone),
    ("dtstart_off_rule_is_first_instance", test_dtstart_off_rule_is_first_instance),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
