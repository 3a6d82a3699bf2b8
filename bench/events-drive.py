#!/usr/bin/python3
"""A mixed workload over every events endpoint, good and hostile requests
alike, for the leak check of bench/events.sh (aurora-api under valgrind).
Usage: events-drive.py PORT TOKENFILE ROUNDS. Exits 1 on a 5xx answer."""

import http.client
import json
import sys

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:drive-%d@bench\r\n"
       "DTSTART;TZID=Europe/Berlin:20260305T090000\r\nDURATION:PT1H\r\nSUMMARY:Imported\r\n"
       "RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20260312T090000\r\n"
       "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def main():
    port, tokfile, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tokens = [t.strip() for t in open(tokfile) if t.strip()][:5]
    bad = 0

    def req(method, path, body=None, tok=None, ctype="application/json", extra=None):
        nonlocal bad
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
        h = {"Content-Type": ctype}
        if tok:
            h["Authorization"] = "Bearer " + tok
        h.update(extra or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status >= 500:
            bad += 1
            print("%s %s -> %d %s" % (method, path, r.status, data[:200]), file=sys.stderr)
        return r.status, r.getheader("ETag"), data

    for i in range(rounds):
        tok = tokens[i % len(tokens)]
        ev = {"title": "Drive %d" % i, "start": "2026-03-05T09:00:00+01:00", "end": "2026-03-05T10:00:00+01:00",
              "time_zone": "Europe/Berlin", "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=10",
                                                           "EXDATE;TZID=Europe/Berlin:20260312T090000"],
              "reminders": [{"method": "email", "minutes_before": 30}]}
        st, _, data = req("POST", "/api/v1/events", json.dumps(ev), tok)
        eid = json.loads(data)["id"] if st == 201 else "00000000-0000-0000-0000-000000000000"
        req("GET", "/api/v1/events?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&limit=3", tok=tok)
        st, _, data = req("GET", "/api/v1/events?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&limit=2",
                          tok=tok)
        cur = json.loads(data).get("next_cursor") if st == 200 else None
        if cur:
            req("GET", "/api/v1/events?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z&limit=2&cursor=" + cur,
                tok=tok)
        req("GET", "/api/v1/events/" + eid, tok=tok)
        req("PATCH", "/api/v1/events/" + eid, json.dumps({"title": "x", "time_zone": "America/New_York"}), tok,
            extra={"If-Match": "1"})
        req("PATCH", "/api/v1/events/" + eid, json.dumps({"title": "stale"}), tok, extra={"If-Match": "1"})
        for body in ('{"title": ', '{"title":"x","start":"2026-02-30T00:00:00Z","end":"x"}',
                     '{"title":"x","start":"2026-03-05T09:00:00Z","end":"2026-03-05T10:00:00Z",'
                     '"recurrence":["RRULE:FREQ=SECONDLY"]}',
                     '{"title":"x","start":"2026-03-05T09:00:00Z","end":"2026-03-05T10:00:00Z",'
                     '"reminders":[{"minutes_before":1e999}],"colour":1}', "[" * 100):
            req("POST", "/api/v1/events", body, tok)
        req("GET", "/api/v1/events?from=bad", tok=tok)
        req("GET", "/api/v1/events?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&cursor=zzz", tok=tok)
        req("GET", "/api/v1/calendar.ics", tok=tok)
        req("POST", "/api/v1/events/import", ICS % i, tok, ctype="text/calendar")
        req("POST", "/api/v1/events/import", "BEGIN:VCALENDAR\r\nBROKEN\r\n", tok, ctype="text/calendar")
        st, _, data = req("POST", "/api/v1/me/feed", None, tok)
        if st == 201:
            url = json.loads(data)["url"]
            req("GET", url[url.index("/feeds/"):])
        req("DELETE", "/api/v1/events/" + eid, tok=tok)
        req("GET", "/api/v1/events/not-a-uuid", tok=tok)
        req("GET", "/api/v1/events", tok="garbage")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
