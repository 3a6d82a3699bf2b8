#!/usr/bin/python3
"""Data and set-up for bench/caldav.sh (Python 3 stdlib only).

    caldav-load.py gen DIR N
        N iCalendar objects over 2026 into DIR (one file each, <uid>.ics):
        90 % single events, 10 % weekly series (half endless, half 20
        instances, a quarter in Europe/Berlin with its VTIMEZONE, some with
        an EXDATE); fixed seed, so both servers get the same bytes
    caldav-load.py account PORT EMAIL PASSWORD
        signs in through the API (the account must exist, confirmed), makes
        an app password and prints "APP_PASSWORD CALENDAR_PATH"
    caldav-load.py put PORT CAL_PATH USER PASSWORD DIR [THREADS]
        PUTs every file of DIR (If-None-Match: *) over keep-alive
        connections; prints "count seconds"
    caldav-load.py put-collection PORT CAL_PATH USER PASSWORD DIR
        one PUT of all objects as one calendar to CAL_PATH (Radicale's
        whole-collection upload; it stores one item per UID)
    caldav-load.py sync PORT CAL_PATH USER PASSWORD [TOKEN]
        one sync-collection REPORT; prints "status responses seconds token"
"""

import base64
import datetime
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import xml.etree.ElementTree as ET

BERLIN = """BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def gen(directory, n):
    rnd = random.Random(14)
    os.makedirs(directory, exist_ok=True)
    for i in range(n):
        uid = "bench-%05d@aurora-bench" % i
        day = rnd.randrange(0, 365)
        hour = rnd.randrange(7, 19)
        t = datetime.datetime(2026, 1, 1, hour) + datetime.timedelta(days=day)
        stamp = t.strftime("%Y%m%dT%H%M%S")
        end = (t + datetime.timedelta(minutes=45)).strftime("%Y%m%dT%H%M%S")
        tz, extra = "", []
        if i % 10 == 0:  # a weekly series
            if i % 40 == 0:
                tz = "Europe/Berlin"
            extra.append("RRULE:FREQ=WEEKLY" + ("" if i % 20 == 0 else ";COUNT=20"))
            if i % 30 == 0:
                ex = (t + datetime.timedelta(days=14)).strftime("%Y%m%dT%H%M%S")
                extra.append("EXDATE%s:%s%s" % (";TZID=" + tz if tz else "", ex, "" if tz else "Z"))
        if tz:
            dt = ";TZID=%s:%s" % (tz, stamp)
            de = ";TZID=%s:%s" % (tz, end)
        else:
            dt, de = ":%sZ" % stamp, ":%sZ" % end
        body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Aurora bench//caldav//EN\r\n" +
                (BERLIN if tz else "") +
                "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART%s\r\nDTEND%s\r\n"
                "SUMMARY:Bench event %d\r\nLOCATION:Room %d\r\n" % (uid, dt, de, i, i % 17) +
                "".join(x + "\r\n" for x in extra) +
                "END:VEVENT\r\nEND:VCALENDAR\r\n")
        with open(os.path.join(directory, "%s.ics" % uid.split("@")[0]), "w", newline="") as f:
            f.write(body)


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.headers, r.read()


def account(port, email, password):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    for _ in range(40):
        st, _, raw = request(conn, "POST", "/api/v1/auth/login",
                             json.dumps({"email": email, "password": password}),
                             {"Content-Type": "application/json"})
        if st != 503 and st != 429:
            break
        time.sleep(0.5)
    if st != 200:
        sys.exit("login: %d %s" % (st, raw[:200]))
    token = json.loads(raw)["access_token"]
    st, _, raw = request(conn, "POST", "/api/v1/me/app-passwords", json.dumps({"name": "bench"}),
                         {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    if st != 201:
        sys.exit("app password: %d %s" % (st, raw[:200]))
    pw = json.loads(raw)["password"]
    auth = {"Authorization": basic(email, pw), "Depth": "0"}
    prop = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:current-user-principal/><C:calendar-home-set/></D:prop></D:propfind>')
    st, _, raw = request(conn, "PROPFIND", "/dav/", prop, auth)
    href = re.search(rb"current-user-principal>\s*<[^>]*href>([^<]+)<", raw)
    if st != 207 or not href:
        sys.exit("PROPFIND /dav/: %d %s" % (st, raw[:300]))
    st, _, raw = request(conn, "PROPFIND", href.group(1).decode(), prop, auth)
    home = re.search(rb"calendar-home-set>\s*<[^>]*href>([^<]+)<", raw)
    if st != 207 or not home:
        sys.exit("PROPFIND principal: %d %s" % (st, raw[:300]))
    # The account's default calendar: dav_name "default" (sql/011).
    print(pw, home.group(1).decode().rstrip("/") + "/default/")


def put(port, cal, user, password, directory, threads=4):
    files = sorted(os.listdir(directory))
    parts = [files[i::threads] for i in range(threads)]
    errors = []
    auth = basic(user, password)

    def work(part):
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
        for name in part:
            with open(os.path.join(directory, name), "rb") as f:
                body = f.read()
            st, _, raw = request(conn, "PUT", cal + name, body, {
                "Authorization": auth, "Content-Type": "text/calendar; charset=utf-8",
                "If-None-Match": "*"})
            if st not in (201, 204):
                errors.append("%s: %d %s" % (name, st, raw[:200]))
                if len(errors) > 5:
                    return
    t0 = time.monotonic()
    ts = [threading.Thread(target=work, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("PUT failed: " + "; ".join(errors[:5]))
    print(len(files), "%.1f" % (time.monotonic() - t0))


def put_collection(port, cal, user, password, directory):
    comps, tzs = [], {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), newline="") as f:
            text = f.read()
        for tz in re.findall(r"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", text, re.S):
            tzs[re.search(r"TZID:(.*?)\r", tz).group(1)] = tz
        comps += re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S)
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Aurora bench//caldav//EN\r\n" +
            "".join(tzs.values()) + "".join(comps) + "END:VCALENDAR\r\n").encode()
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
    t0 = time.monotonic()
    st, _, raw = request(conn, "PUT", cal, body, {"Authorization": basic(user, password),
                                                  "Content-Type": "text/calendar; charset=utf-8"})
    if st not in (201, 204):
        sys.exit("collection PUT: %d %s" % (st, raw[:300]))
    print(len(comps), "%.1f" % (time.monotonic() - t0))


def sync(port, cal, user, password, token=""):
    body = ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
            '<D:sync-token>%s</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/><D:getcontenttype/></D:prop></D:sync-collection>' % token)
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
    t0 = time.monotonic()
    st, _, raw = request(conn, "REPORT", cal, body, {
        "Authorization": basic(user, password), "Depth": "1",
        "Content-Type": "application/xml; charset=utf-8"})
    secs = time.monotonic() - t0
    n, tok = 0, "-"
    if st == 207:
        root = ET.fromstring(raw)
        n = len(root.findall("{DAV:}response"))
        tok = root.findtext("{DAV:}sync-token") or "-"
    print(st, n, "%.4f" % secs, tok)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(args[0], int(args[1]))
    elif cmd == "account":
        account(*args)
    elif cmd == "put":
        put(*args[:5], threads=int(args[5]) if len(args) > 5 else 4)
    elif cmd == "put-collection":
        put_collection(*args)
    elif cmd == "sync":
        sync(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
