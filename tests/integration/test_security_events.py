#!/usr/bin/python3
"""Regression tests for issue 13 (events part) on a throwaway stack: costly
recurrence rules and ICS files cannot hold API workers (a rule libical would
search for seconds inside one call, too many VEVENTs, an import whose total
work exceeds its budget), every worker answers /api/v1/health within a
second after such requests, rules stored before the checks existed are
cheap to read, one text rule for JSON and ICS (C1 controls), and the
scheduler's cancel statement is scoped to the owner.
Run: /usr/bin/python3 tests/integration/test_security_events.py [NAME...]"""

import datetime
import json
import os
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import TOP, Skip, check_json_error, expect, run_tests  # noqa: E402

try:
    import users  # noqa: E402
except ImportError:
    users = None

EVENTS = "/api/v1/events"
IMPORT = EVENTS + "/import"
JSON_HDR = {"Content-Type": "application/json"}
ICS_HDR = {"Content-Type": "text/calendar"}
WINDOW = "from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z"

# The rule of the issue: no February has 31 days, and libical 3.0.16
# searched up to the year 20000 inside one icalrecur_iterator_next call.
FEB31 = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=31;BYMONTH=2"
# More rules that never occur or occur too rarely for a bounded search.
NEVER = [FEB31,
         "FREQ=YEARLY;BYMONTH=2;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=30",
         "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
         "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=SU"]
# Valid, but each costs the server tens of milliseconds (a COUNT series
# walked from 1950 to find where it ends; planned reminders).
COSTLY = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=29;BYMONTH=2;COUNT=60"

# src/events/ics.h
ICS_MAX_EVENTS = 5000
ICS_IMPORT_BUDGET_S = 4  # CPU seconds
ICS_IMPORT_WALL_S = 8  # the wall-clock cap


# -- helpers ---------------------------------------------------------------

def user(stack):
    if users is None:
        raise Skip("tests/integration/users.py is missing")
    return users.create_user(stack)


def auth(u, extra=None):
    h = {"Authorization": "Bearer " + u["access_token"]}
    h.update(extra or {})
    return h


def psql(stack, sql):
    return stack.psql(sql).strip()


def count_events(stack, u):
    return int(psql(stack, "SELECT count(*) FROM events WHERE user_id = '%s'" % u["user_id"]))


def vevent(uid, rule=None, summary="Event", start="20260105T090000Z", alarm=False):
    lines = ["BEGIN:VEVENT", "UID:%s" % uid, "DTSTART:%s" % start, "SUMMARY:%s" % summary]
    if rule:
        lines.append("RRULE:%s" % rule)
    if alarm:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"]
    lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


def calendar(events):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) +
            "END:VCALENDAR\r\n").encode("utf-8")


def timed(stack, method, path, body=None, headers=None, timeout=90.0):
    t0 = time.monotonic()
    r = stack.request(method, path, body, headers, timeout=timeout)
    return r, time.monotonic() - t0


def costly_file(prefix, n=2000):
    # Far below ICS_MAX_EVENTS, far above the budget's worth of work.
    return calendar(vevent("%s-%d@x" % (prefix, i), COSTLY, start="19500205T090000Z", alarm=True)
                    for i in range(n))


def never_file(prefix, n=40):
    return calendar(vevent("%s-%d@x" % (prefix, i), NEVER[i % len(NEVER)]) for i in range(n))


def concurrently(fns):
    """Runs the callables at once; returns their results (or exceptions)."""
    out = [None] * len(fns)

    def run(i):
        try:
            out[i] = fns[i]()
        except Exception as e:  # noqa: BLE001 — reported by the caller
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def health_on_every_worker(stack, what):
    """As many health checks at once as there are workers: each answers
    within a second only if no worker is still busy with earlier work."""
    res = concurrently([lambda: timed(stack, "GET", "/api/v1/health", timeout=10.0)
                        for _ in range(stack.workers)])
    for x in res:
        expect(not isinstance(x, Exception), "%s: health check failed: %r" % (what, x))
        r, dt = x
        expect(r.status == 200 and r.body.get("status") == "ok", "%s: health %s" % (what, r.describe()))
        expect(dt < 1.0, "%s: a health check took %.2f s" % (what, dt))


# -- tests -----------------------------------------------------------------

def test_feb31_rule_json_api(stack):
    """The rule of the issue through the JSON API: 422 on the rule, fast."""
    u = user(stack)
    for rule in NEVER:
        body = {"title": "x", "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
                "time_zone": "UTC", "recurrence": ["RRULE:" + rule], "reminders": []}
        r, dt = timed(stack, "POST", EVENTS, json.dumps(body), auth(u, JSON_HDR))
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"]["field"] == "recurrence[0]", "field %r" % r.body["error"])
        msg = r.body["error"]["message"]
        expect("never occurs" in msg or "too rarely" in msg, "%s: message %r" % (rule, msg))
        expect(dt < 1.0, "%s answered after %.2f s" % (rule, dt))
    body["recurrence"] = ["RRULE:" + FEB31]
    r = stack.request("POST", EVENTS, json.dumps(body), auth(u, JSON_HDR))
    expect("BYSETPOS" in r.body["error"]["message"], "message %r" % r.body["error"])
    # A PATCH is checked the same way.
    body["recurrence"] = ["RRULE:FREQ=MONTHLY;BYMONTH=2"]
    r = stack.request("POST", EVENTS, json.dumps(body), auth(u, JSON_HDR))
    expect(r.status == 201, "create: %s" % r.describe())
    r, dt = timed(stack, "PATCH", "%s/%s" % (EVENTS, r.body["id"]),
                  json.dumps({"recurrence": ["RRULE:" + FEB31]}), auth(u, JSON_HDR))
    check_json_error(r, 422, "validation_failed")
    expect(dt < 1.0, "PATCH answered after %.2f s" % dt)
    expect(count_events(stack, u) == 1, "events stored")


def test_feb31_rule_import(stack):
    """The same rules in a file: those events are skipped with the reason,
    the others imported, and the answer comes fast."""
    u = user(stack)
    body = calendar([vevent("ok@x", "FREQ=WEEKLY")] + [vevent("bad%d@x" % i, rule)
                                                         for i, rule in enumerate(NEVER)])
    r, dt = timed(stack, "POST", IMPORT, body, auth(u, ICS_HDR))
    expect(r.status == 200, "import: %s" % r.describe())
    expect(dt < 1.0, "import answered after %.2f s" % dt)
    expect((r.body["imported"], r.body["skipped"]) == (1, len(NEVER)), "counts %r" % r.body)
    msgs = [e["message"] for e in r.body["errors"]]
    expect(all("never occurs" in m or "too rarely" in m for m in msgs), "errors %r" % msgs)
    expect(any("BYSETPOS" in m for m in msgs), "errors %r" % msgs)
    expect(count_events(stack, u) == 1, "events stored")


def test_too_many_vevents(stack):
    """One more VEVENT than ICS_MAX_EVENTS: 413 naming the limit, nothing
    imported."""
    u = user(stack)
    body = calendar(vevent("n%d@x" % i) for i in range(ICS_MAX_EVENTS + 1))
    r, dt = timed(stack, "POST", IMPORT, body, auth(u, ICS_HDR))
    check_json_error(r, 413, "payload_too_large")
    msg = r.body["error"]["message"]
    expect(str(ICS_MAX_EVENTS) in msg and "VEVENT" in msg, "message %r" % msg)
    expect(isinstance(r.body["error"].get("line"), int) and r.body["error"]["line"] > 0,
           "line %r" % r.body["error"])
    expect(count_events(stack, u) == 0, "something was imported")
    # Exactly the limit is fine.
    body = calendar(vevent("n%d@x" % i) for i in range(ICS_MAX_EVENTS))
    r = stack.request("POST", IMPORT, body, auth(u, ICS_HDR), timeout=60.0)
    expect(r.status == 200 and r.body["imported"] == ICS_MAX_EVENTS, "at the limit: %s" % r.describe())


def test_import_budget(stack):
    """Many costly but valid series: refused once the import has taken its
    budget (413 naming it), nothing imported, answered soon after."""
    u = user(stack)
    r, dt = timed(stack, "POST", IMPORT, costly_file("c"), auth(u, ICS_HDR))
    check_json_error(r, 413, "payload_too_large")
    # The CPU budget, or on a busy machine the wall-clock cap; named in
    # words either way.
    msg = r.body["error"]["message"]
    expect("%d seconds of processing" % ICS_IMPORT_BUDGET_S in msg or "%d seconds," % ICS_IMPORT_WALL_S in msg,
           "message %r" % r.body["error"])
    expect("ICS_IMPORT" not in msg, "a macro's name in the message: %r" % msg)
    expect(dt < ICS_IMPORT_WALL_S + 2, "answered after %.2f s" % dt)
    expect(count_events(stack, u) == 0, "something was imported")
    n = int(psql(stack, "SELECT count(*) FROM mail_outbox WHERE user_id = '%s' AND kind = 'reminder'"
                 % u["user_id"]))
    expect(n == 0, "%d reminder mails left behind" % n)


def test_health_on_every_worker_after_hostile_imports(stack):
    """As many hostile imports at once as there are workers — costly files
    and files of never-occurring rules — each answered within the budget;
    then every worker answers /api/v1/health within a second."""
    us = [user(stack) for _ in range(stack.workers)]
    for kind, make, limit in (("never", never_file, 3.0),
                              ("costly", costly_file, ICS_IMPORT_WALL_S + 3)):
        res = concurrently([lambda u=u, i=i: timed(stack, "POST", IMPORT, make("%s%d" % (kind, i)),
                                                   auth(u, ICS_HDR))
                            for i, u in enumerate(us)])
        for x in res:
            expect(not isinstance(x, Exception), "%s import: %r" % (kind, x))
            r, dt = x
            expect(r.status in (200, 413), "%s import: %s" % (kind, r.describe()))
            expect(dt < limit, "%s import answered after %.2f s" % (kind, dt))
        health_on_every_worker(stack, "after %d %s imports" % (len(us), kind))


def test_rules_stored_before_the_checks(stack):
    """A row written before these checks (simulated in SQL) with the rule of
    the issue: listing, reading and exporting it stay fast (the rule is
    refused when read: the export keeps the first occurrence)."""
    u = user(stack)
    body = {"title": "Old row", "start": "2026-02-02T09:00:00Z", "end": "2026-02-02T10:00:00Z",
            "time_zone": "UTC", "recurrence": ["RRULE:FREQ=MONTHLY;BYMONTH=2"], "reminders": []}
    r = stack.request("POST", EVENTS, json.dumps(body), auth(u, JSON_HDR))
    expect(r.status == 201, "create: %s" % r.describe())
    eid = r.body["id"]
    psql(stack, "UPDATE events SET recurrence = ARRAY['RRULE:%s'] WHERE id = '%s'" % (FEB31, eid))
    for path in ("%s?%s" % (EVENTS, WINDOW), "%s?from=2030-01-01T00:00:00Z&to=2031-01-01T00:00:00Z" % EVENTS,
                 "%s/%s" % (EVENTS, eid), "/api/v1/calendar.ics"):
        r, dt = timed(stack, "GET", path, headers=auth(u))
        expect(r.status == 200, "%s: %s" % (path, r.describe()))
        expect(dt < 1.0, "%s answered after %.2f s" % (path, dt))
    ics = stack.request("GET", "/api/v1/calendar.ics", headers=auth(u)).raw.decode()
    expect("SUMMARY:Old row" in ics and "BYSETPOS" not in ics, "export %r" % ics[-400:])
    health_on_every_worker(stack, "after reading a stored hostile rule")


def test_c1_control_in_ics_summary(stack):
    """U+0085 in a title: the JSON API refuses it; the import skips that
    event with the same message and stores the rest."""
    u = user(stack)
    body = {"title": "pay\u0085now", "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z",
            "reminders": []}
    r = stack.request("POST", EVENTS, json.dumps(body), auth(u, JSON_HDR))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"]["field"] == "title", "field %r" % r.body["error"])
    api_msg = r.body["error"]["message"]
    ics = calendar([vevent("c1@x", summary="pay\u0085now"), vevent("c1b@x", summary="csi\u009b31m"),
                    vevent("fine@x", summary="caf\u00e9 \u00a0ok")])
    r = stack.request("POST", IMPORT, ics, auth(u, ICS_HDR))
    expect(r.status == 200 and (r.body["imported"], r.body["skipped"]) == (1, 2), "import: %s" % r.describe())
    for e in r.body["errors"]:
        expect(re.fullmatch(r"line \d+: " + re.escape(api_msg), e["message"]), "error %r vs %r" % (e, api_msg))
    titles = psql(stack, "SELECT string_agg(title, '|') FROM events WHERE user_id = '%s'" % u["user_id"])
    expect(titles == "caf\u00e9 \u00a0ok", "stored titles %r" % titles)


def cancel_event_sql():
    """The outbox's own statement that cancels an event's pending reminders,
    as src/mail/outbox.c (the one owner of mail_outbox) has it: the test
    runs exactly the text the binaries prepare."""
    with open(os.path.join(TOP, "src", "mail", "outbox.c"), encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"st_cancel_event = \{(.*?)\};", src, re.S)
    expect(m is not None, "st_cancel_event not found in src/mail/outbox.c")
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
    expect(parts and parts[0] == "outbox_cancel_event", "statement %r" % parts[:1])
    return "".join(parts[1:])


def test_cancel_event_is_owner_scoped(stack):
    """outbox_cancel_event run as aurora_api with another user's event id
    and the caller's own user id cancels nothing; with the owner's it does."""
    victim, attacker = user(stack), user(stack)
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=2)
    body = {"title": "Victim's", "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "time_zone": "UTC", "reminders": [{"minutes_before": 30}]}
    r = stack.request("POST", EVENTS, json.dumps(body), auth(victim, JSON_HDR))
    expect(r.status == 201, "create: %s" % r.describe())
    eid = r.body["id"]
    pending = "SELECT count(*) FROM mail_outbox WHERE event_id = '%s' AND status = 'pending'" % eid
    expect(psql(stack, pending) == "1", "no pending reminder to protect")
    sql = cancel_event_sql()

    def run(user_id):
        psql(stack, "SET ROLE aurora_api; PREPARE c AS %s; EXECUTE c('%s', '%s')" % (sql, eid, user_id))

    run(attacker["user_id"])
    expect(psql(stack, pending) == "1", "another user's call cancelled the victim's reminder")
    run(victim["user_id"])
    expect(psql(stack, pending) == "0", "the owner's call cancelled nothing")


def test_remind_replanning_does_not_delay_others(stack):
    """aurora-remind re-plans series before it sends. One user's series —
    rows stored before the rule checks existed (written in SQL) and 2000
    costly but valid ones, all due for re-planning — must not hold up
    another user's reminder that is due now: the pass ends within seconds
    with it sent, leaving the rest of the re-planning to later passes."""
    from remind_util import (REMIND, add_reminder, clear_outbox, lit, make_event, make_user,
                             one, outbox, run_remind, sql, stop_watcher, write_conf)
    from ses_stub import SesStub
    if not os.access(REMIND, os.X_OK):
        raise AssertionError("%s is not built" % REMIND)
    stop_watcher(stack)
    clear_outbox(stack)
    attacker = make_user(stack, "attacker-%s@example.org" % uuid.uuid4().hex[:10])
    victim = make_user(stack, "victim-%s@example.org" % uuid.uuid4().hex[:10])
    rows = ["(%s, %s)" % (lit("RRULE:" + rule), lit(start)) for rule, start in
            [(r, "2026-01-05T09:00:00Z") for r in NEVER * 5] + [(COSTLY, "1950-02-05T09:00:00Z")] * 2000]
    sql(stack, "WITH r(rule, s) AS (VALUES %s), e AS ("
        " INSERT INTO events (user_id, uid, title, description, location, starts_at, ends_at, time_zone,"
        "  recurrence, series_end, reminders_scheduled_until, reminder_minutes)"
        " SELECT %s, gen_random_uuid()::text, 'costly', '', '', r.s::timestamptz,"
        "  r.s::timestamptz + interval '1 hour', 'UTC', ARRAY[r.rule], 'infinity', '-infinity', ARRAY[15]"
        " FROM r RETURNING id)"
        " INSERT INTO event_reminders (event_id, position, minutes_before) SELECT id, 0, 15 FROM e;"
        % (",".join(rows), lit(attacker)))
    start = one(stack, "SELECT to_char((date_trunc('minute', now()) + interval '60 minutes') "
                "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');")
    end = one(stack, "SELECT to_char((%s::timestamptz + interval '1 hour') AT TIME ZONE 'UTC', "
              "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');" % lit(start))
    ev = make_event(stack, victim, "Victim's meeting", start, end)
    oid = int(add_reminder(stack, ev, start, 60, due_at="now()"))
    stub = SesStub().start()
    try:
        conf = write_conf(stack, "replan.conf", mail_transport="ses", ses_endpoint=stub.url,
                          ses_region="us-east-1")
        t0 = time.monotonic()
        r = run_remind(conf, "--once", timeout=600)
        dt = time.monotonic() - t0
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-400:]))
        expect(outbox(stack, [oid])[oid]["status"] == "sent", "the victim's reminder was not sent")
        expect(dt < 6.0, "the pass took %.1f s before it sent the victim's reminder" % dt)
        left = int(one(stack, "SELECT count(*) FROM events WHERE user_id = %s AND "
                       "reminders_scheduled_until < now()" % lit(attacker)))
        expect(0 < left < len(rows), "%d of the attacker's series left for later passes" % left)
    finally:
        stub.stop()


TESTS = [
    ("feb31_rule_json_api", test_feb31_rule_json_api),
    ("feb31_rule_import", test_feb31_rule_import),
    ("too_many_vevents", test_too_many_vevents),
    ("import_budget", test_import_budget),
    ("health_on_every_worker_after_hostile_imports", test_health_on_every_worker_after_hostile_imports),
    ("rules_stored_before_the_checks", test_rules_stored_before_the_checks),
    ("c1_control_in_ics_summary", test_c1_control_in_ics_summary),
    ("cancel_event_is_owner_scoped", test_cancel_event_is_owner_scoped),
    # Last: it stops the stack's own aurora-remind.
    ("remind_replanning_does_not_delay_others", test_remind_replanning_does_not_delay_others),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
