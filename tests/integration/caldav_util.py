"""Helpers for the CalDAV client tests (Python 3 stdlib only): a throwaway
Radicale 3 server as the reference, raw DAV requests with Basic auth, an
Aurora account with an app password, and small iCalendar builders.

    rad = Radicale().start()              # /usr/bin/python3 -m radicale
    r = dav(rad.port, "PROPFIND", "/", auth=(rad.user, rad.password))
    acct = aurora_account(stack)          # user + app password over REST

Radicale runs with plain htpasswd auth, owner_only rights and its storage
in a temporary directory, on a free port; stop() removes everything."""

import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import expect, free_ports  # noqa: E402

SYSTEM_PY = "/usr/bin/python3"
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/"}


class DavResponse:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    def text(self):
        return self.raw.decode("utf-8", "replace")

    def xml(self):
        return ET.fromstring(self.raw)

    def describe(self):
        return "HTTP %d %s" % (self.status, " ".join(self.text().split())[:300])


def basic(user, password):
    tok = base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")
    return {"Authorization": "Basic " + tok}


def dav(port, method, path, body=None, headers=None, auth=None, timeout=30.0):
    """One request on a fresh connection to 127.0.0.1:port."""
    hdrs = dict(headers or {})
    if auth:
        hdrs.update(basic(*auth))
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        return DavResponse(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def multistatus(resp):
    """{href: {"status": ..., "props": {tag: element}}} of a 207 answer
    (props from 200 propstats only)."""
    expect(resp.status == 207, "expected 207, got %s" % resp.describe())
    out = {}
    for r in resp.xml().findall("d:response", NS):
        href = r.findtext("d:href", namespaces=NS)
        props = {}
        for ps in r.findall("d:propstat", NS):
            if " 200 " in (ps.findtext("d:status", namespaces=NS) or ""):
                for p in ps.find("d:prop", NS):
                    props[p.tag] = p
        out[href] = {"status": r.findtext("d:status", namespaces=NS), "props": props}
    return out


QUERY_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/>%s</D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="%s" end="%s"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>
"""


def calendar_query(port, path, auth, start, end, with_data=True):
    """{href: calendar-data text or None} of a Depth 1 time-range query."""
    body = QUERY_BODY % ("<C:calendar-data/>" if with_data else "", start, end)
    r = dav(port, "REPORT", path, body, {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            auth)
    out = {}
    for href, v in multistatus(r).items():
        el = v["props"].get("{urn:ietf:params:xml:ns:caldav}calendar-data")
        out[href] = el.text if el is not None else None
    return out


def ics_uids(text):
    return set(re.findall(r"^UID:(.*?)\r?$", text or "", re.M))


def ics_summary(text):
    m = re.search(r"^SUMMARY:(.*?)\r?$", text or "", re.M)
    return m.group(1) if m else None


def vcalendar(*vevents, prodid="-//Aurora tests//caldav//EN"):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:%s\r\n" % prodid +
            "".join(vevents) + "END:VCALENDAR\r\n")


def vevent(uid, start, end, summary, extra=(), stamp="20260101T000000Z"):
    """start/end: iCalendar values with their parameters, e.g.
    ':20270104T100000Z' or ';TZID=Europe/Berlin:20270104T100000'."""
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + stamp, "DTSTART" + start,
             "DTEND" + end, "SUMMARY:" + summary] + list(extra) + ["END:VEVENT"]
    return "".join(line + "\r\n" for line in lines)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Radicale:
    """A throwaway Radicale (Debian's 3.1.8) under /usr/bin/python3 with
    one user and one calendar, /<user>/default/, made with MKCALENDAR so
    that it looks like an Aurora account's default calendar."""

    def __init__(self, user="alice", password="radicale-pw-1"):
        self.user, self.password = user, password
        self.dir = self.port = self.proc = None

    @property
    def auth(self):
        return (self.user, self.password)

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/" % self.port

    @property
    def calendar_path(self):
        return "/%s/default/" % self.user

    def start(self, timeout=30):
        self.dir = tempfile.mkdtemp(prefix="aurora-radicale-")
        (self.port,) = free_ports(1)
        os.makedirs(os.path.join(self.dir, "store"))
        with open(os.path.join(self.dir, "users"), "w") as f:
            f.write("%s:%s\n" % (self.user, self.password))
        conf = os.path.join(self.dir, "config")
        with open(conf, "w") as f:
            f.write("[server]\nhosts = 127.0.0.1:%d\n"
                    "[auth]\ntype = htpasswd\nhtpasswd_filename = %s/users\n"
                    "htpasswd_encryption = plain\n"
                    "[rights]\ntype = owner_only\n"
                    "[storage]\nfilesystem_folder = %s/store\n"
                    "[web]\ntype = none\n[logging]\nlevel = warning\n"
                    % (self.port, self.dir, self.dir))
        self.log = open(os.path.join(self.dir, "radicale.log"), "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        self.proc = subprocess.Popen([SYSTEM_PY, "-m", "radicale", "--config", conf],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("radicale did not start")
            time.sleep(0.1)
        r = dav(self.port, "MKCALENDAR", self.calendar_path, auth=self.auth)
        expect(r.status == 201, "radicale MKCALENDAR: %s" % r.describe())
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.log.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


# -- Aurora ----------------------------------------------------------------

def app_password(stack, access_token, name="Tests"):
    r = stack.request("POST", "/api/v1/me/app-passwords", json.dumps({"name": name}),
                      {"Content-Type": "application/json", "Authorization": "Bearer " + access_token})
    if r.status == 404:
        return None
    expect(r.status == 201 and isinstance(r.body, dict) and r.body.get("password"),
           "POST /api/v1/me/app-passwords: %s" % r.describe())
    return r.body["password"]


def dav_ready(stack):
    """True once the stack answers CalDAV discovery (a 301 from
    /.well-known/caldav to /dav/)."""
    r = dav(stack.http_port, "PROPFIND", "/.well-known/caldav", headers={"Depth": "0"})
    return r.status in (301, 308) and (r.headers.get("Location") or "").rstrip("/").endswith("/dav")


def find_calendar(port, auth, base="/"):
    """Follows discovery as clients do (well-known, current-user-principal,
    calendar-home-set, Depth 1 on the home) and returns the path of the
    default (first) calendar."""
    path = base
    prop = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:current-user-principal/><C:calendar-home-set/><D:resourcetype/>'
            '<D:displayname/></D:prop></D:propfind>')
    r = dav(port, "PROPFIND", "/.well-known/caldav", prop, {"Depth": "0"}, auth)
    if r.status in (301, 302, 307, 308):
        path = r.headers["Location"]
        path = re.sub(r"^https?://[^/]+", "", path)
    ms = multistatus(dav(port, "PROPFIND", path, prop, {"Depth": "0"}, auth))
    principal = list(ms.values())[0]["props"]["{DAV:}current-user-principal"].findtext("d:href", namespaces=NS)
    ms = multistatus(dav(port, "PROPFIND", principal, prop, {"Depth": "0"}, auth))
    home = list(ms.values())[0]["props"]["{urn:ietf:params:xml:ns:caldav}calendar-home-set"].findtext(
        "d:href", namespaces=NS)
    ms = multistatus(dav(port, "PROPFIND", home, prop, {"Depth": "1"}, auth))
    cals = sorted(h for h, v in ms.items()
                  if "{DAV:}resourcetype" in v["props"] and
                  v["props"]["{DAV:}resourcetype"].find("c:calendar", NS) is not None)
    expect(cals, "no calendar under %s" % home)
    return cals[0]


def aurora_account(stack):
    """A signed-in user with an app password: dict(email, password (the app
    password), access_token, user_id, account_password)."""
    import users
    u = users.create_user(stack)
    pw = app_password(stack, u["access_token"])
    expect(pw is not None, "POST /api/v1/me/app-passwords answered 404")
    expect(dav_ready(stack), "/.well-known/caldav does not redirect to /dav/")
    return dict(email=u["email"], password=pw, access_token=u["access_token"], user_id=u["user_id"],
                account_password=u["password"])
