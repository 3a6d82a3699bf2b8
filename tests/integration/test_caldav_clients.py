#!/usr/bin/python3
"""Real CalDAV clients against Aurora Time (issue 14): vdirsyncer + khal
(a two-way sync journey from the base URL: create, edit and delete on each
side, a conflict) and python3-caldav (discovery, calendars, a time-range
search across a recurring series with an override and an EXDATE, update,
delete, sync tokens), all signed in with an app password made over REST;
and the same time-range queries asked of Radicale 3 (the reference) and of
Aurora, which must find the same objects.

    /usr/bin/python3 tests/integration/test_caldav_clients.py [NAME...]
    /usr/bin/python3 tests/integration/test_caldav_clients.py --radicale [NAME...]

--radicale runs the client tests against a throwaway Radicale instead of a
stack (the server side of the journey then goes through raw CalDAV instead
of the REST API): it proves the tests themselves against a reference
server."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Skip, expect, one_line, run_tests  # noqa: E402
from caldav_util import (  # noqa: E402
    SYSTEM_PY, Radicale, aurora_account, calendar_query, dav, find_calendar, ics_summary,
    ics_uids, multistatus, vcalendar, vevent)

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "caldav_client.py")
# The journey runs vdirsyncer and khal some 25 times.
os.environ.setdefault("AURORA_TEST_TIMEOUT", "300")


def client_env():
    """Debian's vdirsyncer/khal/python3-caldav: /usr/bin first, no pyenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV", "VDIRSYNCER"))}
    env["PATH"] = "/usr/bin:/bin:" + env.get("PATH", "")
    env["LC_ALL"] = env["LANG"] = "C.UTF-8"
    env["TZ"] = "UTC"
    return env


def run(cmd, input=None, timeout=60, env=None):  # noqa: A002
    r = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout, env=env or client_env())
    return r.returncode, r.stdout


# -- the server side: Aurora's REST API, or raw CalDAV on Radicale ------------

class AuroraServer:
    """An account on the stack; the 'server side' edits go through REST."""

    def __init__(self, stack):
        self.stack = stack
        self.acct = aurora_account(stack)
        self.port = stack.http_port
        self.user, self.password = self.acct["email"], self.acct["password"]
        self.base_url = "http://127.0.0.1:%d/" % self.port
        # python3-caldav 0.11 does no RFC 6764 discovery: it PROPFINDs the
        # URL it is given, which for Aurora is the DAV root (the same URL
        # docs/caldav.md gives Thunderbird and Evolution); vdirsyncer
        # starts from the base URL.
        self.dav_url = self.base_url + "dav/"

    def _req(self, method, path, body=None, extra=None):
        h = {"Authorization": "Bearer " + self.acct["access_token"]}
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body)
        h.update(extra or {})
        return self.stack.request(method, path, body, h)

    def create(self, title, start, end, rrule=None, alarm_minutes=None):
        body = {"title": title, "start": start, "end": end, "time_zone": "UTC",
                "reminders": [{"method": "email", "minutes_before": alarm_minutes}] if alarm_minutes else []}
        if rrule:
            body["recurrence"] = ["RRULE:" + rrule]
        r = self._req("POST", "/api/v1/events", body)
        expect(r.status == 201, "REST create: %s" % r.describe())
        return r.body["id"]

    def listing(self, start, end):
        r = self._req("GET", "/api/v1/events?from=%s&to=%s&limit=200" % (start, end))
        expect(r.status == 200, "REST list: %s" % r.describe())
        return r.body["items"]

    def items(self, start, end):
        return [(i["title"], i["id"]) for i in self.listing(start, end)]

    def titles(self, start, end):
        return sorted(t for t, _ in self.items(start, end))

    def find(self, title, start, end):
        ids = [i for t, i in self.items(start, end) if t == title]
        expect(len(ids) == 1, "REST lists %d events titled %r" % (len(ids), title))
        return ids[0]

    def rename(self, handle, title):
        r = self._req("PATCH", "/api/v1/events/" + handle, {"title": title})
        expect(r.status == 200, "REST PATCH: %s" % r.describe())

    def delete(self, handle):
        r = self._req("DELETE", "/api/v1/events/" + handle)
        expect(r.status == 204, "REST DELETE: %s" % r.describe())

    def calendar_names(self):
        r = self._req("GET", "/api/v1/calendars")
        expect(r.status == 200, "REST calendars: %s" % r.describe())
        return sorted(c["name"] for c in r.body["items"])


class RadicaleServer:
    """The same operations as raw CalDAV on a throwaway Radicale."""

    def __init__(self, rad):
        self.rad = rad
        self.port = rad.port
        self.user, self.password = rad.auth
        self.base_url = self.dav_url = rad.base_url
        self.cal = rad.calendar_path

    @staticmethod
    def _ical_time(iso):
        return ":" + iso.replace("-", "").replace(":", "")

    def create(self, title, start, end, rrule=None, alarm_minutes=None):
        uid = "srv-%s" % uuid.uuid4().hex
        extra = ["RRULE:" + rrule] if rrule else []
        if alarm_minutes:
            extra += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                      "TRIGGER:-PT%dM" % alarm_minutes, "END:VALARM"]
        r = dav(self.port, "PUT", self.cal + uid + ".ics",
                vcalendar(vevent(uid, self._ical_time(start), self._ical_time(end), title, extra)),
                {"Content-Type": "text/calendar", "If-None-Match": "*"}, self.rad.auth)
        expect(r.status == 201, "PUT: %s" % r.describe())
        return self.cal + uid + ".ics"

    def items(self, start, end):
        found = calendar_query(self.port, self.cal, self.rad.auth, start.replace("-", "").replace(":", ""),
                               end.replace("-", "").replace(":", ""))
        return [(ics_summary(data), href) for href, data in found.items()]

    def titles(self, start, end):
        return sorted(t for t, _ in self.items(start, end))

    def find(self, title, start, end):
        ids = [i for t, i in self.items(start, end) if t == title]
        expect(len(ids) == 1, "the server holds %d events titled %r" % (len(ids), title))
        return ids[0]

    def rename(self, handle, title):
        r = dav(self.port, "GET", handle, auth=self.rad.auth)
        expect(r.status == 200, "GET: %s" % r.describe())
        text = re.sub(r"^SUMMARY:.*$", "SUMMARY:" + title, r.text(), flags=re.M)
        r = dav(self.port, "PUT", handle, text, {"Content-Type": "text/calendar",
                                                 "If-Match": r.headers["ETag"]}, self.rad.auth)
        expect(r.status in (200, 201, 204), "PUT: %s" % r.describe())

    def delete(self, handle):
        r = dav(self.port, "DELETE", handle, auth=self.rad.auth)
        expect(r.status in (200, 204), "DELETE: %s" % r.describe())

    def calendar_names(self):
        return None


def server_for(target):
    return AuroraServer(target) if not isinstance(target, Radicale) else RadicaleServer(target)


# -- the client side: vdirsyncer + khal ---------------------------------------

class Desk:
    """vdirsyncer pairing the server (discovery from its base URL) with a
    filesystem vdir that khal reads and writes."""

    def __init__(self, server):
        self.dir = tempfile.mkdtemp(prefix="aurora-vdir-")
        self.local = os.path.join(self.dir, "calendars")
        os.makedirs(os.path.join(self.dir, "status"))
        os.makedirs(self.local)
        self.conf = os.path.join(self.dir, "vdirsyncer.conf")
        with open(self.conf, "w") as f:
            f.write('[general]\nstatus_path = "%s/status/"\n\n'
                    '[pair aurora]\na = "aurora_remote"\nb = "aurora_local"\n'
                    'collections = ["from a", "from b"]\n\n'
                    '[storage aurora_remote]\ntype = "caldav"\nurl = "%s"\n'
                    'username = "%s"\npassword = "%s"\n\n'
                    '[storage aurora_local]\ntype = "filesystem"\npath = "%s/"\nfileext = ".ics"\n'
                    % (self.dir, server.base_url, server.user, server.password, self.local))
        self.env = dict(client_env(), VDIRSYNCER_CONFIG=self.conf)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def vdirsyncer(self, *args, input=None):  # noqa: A002
        return run(["vdirsyncer"] + list(args), input=input, env=self.env)

    def discover(self):
        rc, out = self.vdirsyncer("discover", input="y\n" * 20)
        expect(rc == 0, "vdirsyncer discover exited %d:\n%s" % (rc, out))
        names = sorted(os.listdir(self.local))
        expect(names, "discover made no local collection:\n" + out)
        # khal reads the account's first (default) calendar.
        self.collection = os.path.join(self.local, "default" if "default" in names else names[0])
        self.khal_conf = os.path.join(self.dir, "khal.conf")
        with open(self.khal_conf, "w") as f:
            f.write("[calendars]\n[[aurora]]\npath = %s\ntype = calendar\n"
                    "[locale]\ntimeformat = %%H:%%M\ndateformat = %%Y-%%m-%%d\n"
                    "longdateformat = %%Y-%%m-%%d\ndatetimeformat = %%Y-%%m-%%d %%H:%%M\n"
                    "longdatetimeformat = %%Y-%%m-%%d %%H:%%M\n"
                    "local_timezone = UTC\ndefault_timezone = UTC\n"
                    "[default]\ndefault_calendar = aurora\n"
                    "[sqlite]\npath = %s/khal.db\n" % (self.collection, self.dir))
        return out

    def sync(self, ok=True):
        rc, out = self.vdirsyncer("sync")
        if ok:
            expect(rc == 0, "vdirsyncer sync exited %d:\n%s" % (rc, out))
        return rc, out

    def khal(self, *args, input=None):  # noqa: A002
        rc, out = run(["khal", "-c", self.khal_conf] + list(args), input=input, env=self.env)
        expect(rc == 0, "khal %s exited %d:\n%s" % (" ".join(args), rc, out))
        return out

    def khal_titles(self, day_from, day_to):
        out = self.khal("list", "-f", "{title}", "--day-format", "", day_from, day_to)
        return sorted(line for line in out.splitlines() if line.strip())

    def khal_edit(self, title, answers):
        # khal offers each occurrence it finds in turn: "n" skips the rest.
        return self.khal("edit", "--show-past", title, input=answers + "n\n" * 10)

    def files(self):
        out = {}
        for n in sorted(os.listdir(self.collection)):
            with open(os.path.join(self.collection, n), encoding="utf-8") as f:
                out[n] = f.read()
        return out


def wait_until(fn, what, seconds=5.0):
    """Some checks run right after a write another process made; give them
    a moment, then report what was seen."""
    deadline = time.monotonic() + seconds
    while True:
        ok, seen = fn()
        if ok:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError("%s; saw %r" % (what, seen))
        time.sleep(0.2)


MARCH = ("2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z")


def test_vdirsyncer_khal_journey(target):
    srv = server_for(target)
    desk = Desk(srv)
    try:
        # An event outside March stays throughout: vdirsyncer refuses to
        # sync a side that was emptied completely (its safety, not ours).
        srv.create("Anchor in February", "2027-02-01T09:00:00Z", "2027-02-01T10:00:00Z")
        desk.discover()
        desk.sync()
        expect(len(desk.files()) == 1, "the first sync brought %r" % list(desk.files()))
        anchor = set(desk.files())

        # 1. khal creates -> sync -> the server lists it.
        desk.khal("new", "-a", "aurora", "2027-03-10", "10:00", "11:00", "Made in khal")
        made = {n: t for n, t in desk.files().items() if n not in anchor}
        expect(len(made) == 1, "khal wrote %d files" % len(made))
        local_text = list(made.values())[0]
        desk.sync()
        expect(srv.titles(*MARCH) == ["Made in khal"], "server lists %r" % srv.titles(*MARCH))

        # 2. The server creates -> sync -> khal lists it.
        srv.create("Made on the server", "2027-03-12T09:00:00Z", "2027-03-12T10:00:00Z")
        desk.sync()
        expect(desk.khal_titles("2027-03-01", "2027-03-31") == ["Made in khal", "Made on the server"],
               "khal lists %r" % desk.khal_titles("2027-03-01", "2027-03-31"))

        # 3. An edit in khal -> sync -> the server has it.
        desk.khal_edit("Made in khal", "s\nEdited in khal\nn\n")
        desk.sync()
        expect(srv.titles(*MARCH) == ["Edited in khal", "Made on the server"],
               "server after the khal edit: %r" % srv.titles(*MARCH))
        # ... and the UID khal chose is the one the server keeps.
        uid_local = ics_uids(local_text)
        auth = (srv.user, srv.password)
        found = calendar_query(srv.port, find_calendar(srv.port, auth), auth,
                               "20270301T000000Z", "20270401T000000Z")
        uids = set().union(*(ics_uids(d) for d in found.values()))
        expect(len(uid_local) == 1 and uid_local <= uids, "khal's UID %r, the server's %r" % (uid_local, uids))

        # 4. An edit on the server -> sync -> khal shows it.
        h = srv.find("Made on the server", *MARCH)
        srv.rename(h, "Edited on the server")
        desk.sync()
        expect(desk.khal_titles("2027-03-01", "2027-03-31") == ["Edited in khal", "Edited on the server"],
               "khal after the server edit: %r" % desk.khal_titles("2027-03-01", "2027-03-31"))

        # 5. A conflict: both sides edit the same event, then sync.
        srv.rename(srv.find("Edited in khal", *MARCH), "Conflict: server side")
        desk.khal_edit("Edited in khal", "s\nConflict: khal side\nn\n")
        rc, out = desk.sync(ok=False)
        expect(rc != 0, "vdirsyncer reported no conflict (exit 0):\n" + out)
        expect(re.search(r"conflict|both.*changed", out, re.I), "no conflict in the output:\n" + out)
        # Nothing lost: each side keeps its own version.
        expect("Conflict: server side" in srv.titles(*MARCH), "server lost its side: %r" % srv.titles(*MARCH))
        expect("Conflict: khal side" in desk.khal_titles("2027-03-01", "2027-03-31"),
               "khal lost its side")
        # Resolve as a user would: take the server's copy (a = remote).
        rc, out = run(["vdirsyncer", "-v", "WARNING", "sync"], env=dict(
            desk.env, VDIRSYNCER_CONFIG=_with_resolution(desk, "a wins")))
        expect(rc == 0, "sync with conflict_resolution = \"a wins\" exited %d:\n%s" % (rc, out))
        expect(desk.khal_titles("2027-03-01", "2027-03-31") == ["Conflict: server side", "Edited on the server"],
               "after resolving: khal %r" % desk.khal_titles("2027-03-01", "2027-03-31"))

        # 6. Deleted in khal -> sync -> gone from the server.
        desk.khal_edit("Conflict: server side", "D\ny\n")
        desk.sync()
        expect(srv.titles(*MARCH) == ["Edited on the server"], "server after the khal delete: %r"
               % srv.titles(*MARCH))

        # 7. Deleted on the server -> sync -> gone from khal and the vdir.
        srv.delete(srv.find("Edited on the server", *MARCH))
        desk.sync()
        expect(desk.khal_titles("2027-03-01", "2027-03-31") == [], "khal after the server delete: %r"
               % desk.khal_titles("2027-03-01", "2027-03-31"))
        expect(set(desk.files()) == anchor, "vdir keeps %r" % list(desk.files()))
        expect(desk.khal_titles("2027-02-01", "2027-02-02") == ["Anchor in February"], "the anchor is gone")
        # A last sync has nothing to do.
        rc, out = desk.sync()
        expect(not re.search(r"Copying|Deleting|Updating", out), "an idle sync did work:\n" + out)
    finally:
        desk.close()


def alarm_triggers(text):
    return re.findall(r"^TRIGGER[^:]*:(.*?)\r?$", text, re.M)


def test_vdirsyncer_khal_series_and_alarms(target):
    """Weekly series and their alarms both ways: a series made in khal with
    an alarm is a series with that reminder over REST; one made over REST
    with a reminder reaches khal as a series with its VALARM; an edit in
    khal keeps the reminder (one, not two); a delete in khal removes the
    series."""
    srv = server_for(target)
    rest = isinstance(srv, AuroraServer)
    srv.create("Anchor in February", "2027-02-01T09:00:00Z", "2027-02-01T10:00:00Z")
    desk = Desk(srv)
    try:
        desk.discover()
        desk.sync()
        desk.khal("new", "-a", "aurora", "-r", "weekly", "-u", "2027-03-30", "-m", "15m",
                  "2027-03-01", "10:00", "11:00", "Weekly from khal")
        desk.sync()
        if rest:
            got = [(i["title"], i["start"][:10], [r["minutes_before"] for r in i["reminders"]])
                   for i in srv.listing(*MARCH)]
            want = [("Weekly from khal", "2027-03-%02d" % d, [15]) for d in (1, 8, 15, 22, 29)]
            expect(got == want, "REST lists %r" % got)
        else:
            expect(srv.titles(*MARCH) == ["Weekly from khal"], "server holds %r" % srv.titles(*MARCH))

        srv.create("Weekly from the server", "2027-03-03T09:00:00Z", "2027-03-03T10:00:00Z",
                   rrule="FREQ=WEEKLY;COUNT=3", alarm_minutes=30)
        desk.sync()
        titles = desk.khal_titles("2027-03-01", "2027-03-31")
        expect(titles == sorted(["Weekly from khal"] * 5 + ["Weekly from the server"] * 3),
               "khal lists %r" % titles)
        mine = [t for t in desk.files().values() if "SUMMARY:Weekly from the server" in t]
        expect(len(mine) == 1 and alarm_triggers(mine[0]) == ["-PT30M"],
               "the server's series reached khal as %r" % mine)

        desk.khal_edit("Weekly from the server", "s\nWeekly renamed in khal\nn\n")
        desk.sync()
        if rest:
            got = [(i["title"], [r["minutes_before"] for r in i["reminders"]]) for i in srv.listing(*MARCH)
                   if not i["title"].startswith("Weekly from khal")]
            expect(got == [("Weekly renamed in khal", [30])] * 3, "REST after the khal edit: %r" % got)
        else:
            expect("Weekly renamed in khal" in srv.titles(*MARCH), "server %r" % srv.titles(*MARCH))
        # A second sync changes nothing: what khal wrote back came back alike.
        rc, out = desk.sync()
        expect(not re.search(r"Copying|Deleting|Updating", out), "a second sync did work:\n" + out)
        mine = [t for t in desk.files().values() if "Weekly renamed in khal" in t]
        expect(len(mine) == 1 and alarm_triggers(mine[0]) == ["-PT30M"],
               "alarms after the round trip: %r" % [alarm_triggers(t) for t in mine])

        desk.khal_edit("Weekly from khal", "D\ny\n")
        desk.sync()
        left = srv.titles(*MARCH)
        expect("Weekly from khal" not in left and left.count("Weekly renamed in khal") == (3 if rest else 1),
               "server after the khal delete: %r" % left)
    finally:
        desk.close()


def test_vdirsyncer_unicode_href(target):
    """An object whose client-chosen name holds spaces and non-ASCII
    (vdirsyncer's own test_dav_unicode_href) syncs down, an edit in khal
    goes back to that very name, and a delete there removes it."""
    srv = server_for(target)
    auth = (srv.user, srv.password)
    cal = find_calendar(srv.port, auth) if isinstance(srv, AuroraServer) else srv.cal
    name = "Caf\u00e9 \u2615 \u65e5\u672c #1.ics"
    href = cal + quote(name)
    text = vcalendar(vevent("unicode-href@aurora-tests", ":20270310T090000Z", ":20270310T100000Z",
                            "Unicode name"))
    r = dav(srv.port, "PUT", href, text, {"Content-Type": "text/calendar", "If-None-Match": "*"}, auth)
    expect(r.status == 201, "PUT %s: %s" % (href, r.describe()))
    srv.create("Anchor in February", "2027-02-01T09:00:00Z", "2027-02-01T10:00:00Z")
    desk = Desk(srv)
    try:
        desk.discover()
        desk.sync()
        expect(desk.khal_titles("2027-03-01", "2027-03-31") == ["Unicode name"],
               "khal lists %r" % desk.khal_titles("2027-03-01", "2027-03-31"))
        desk.khal_edit("Unicode name", "s\nUnicode name edited\nn\n")
        desk.sync()
        r = dav(srv.port, "GET", href, auth=auth)
        expect(r.status == 200 and "SUMMARY:Unicode name edited" in r.text(),
               "GET %s after the edit: %s" % (href, r.describe()))
        desk.khal_edit("Unicode name edited", "D\ny\n")
        desk.sync()
        r = dav(srv.port, "GET", href, auth=auth)
        expect(r.status == 404, "GET %s after the delete: %s" % (href, r.describe()))
    finally:
        desk.close()


def _with_resolution(desk, how):
    path = desk.conf + ".resolve"
    with open(desk.conf) as f:
        text = f.read()
    text = text.replace('collections = ["from a", "from b"]\n',
                        'collections = ["from a", "from b"]\nconflict_resolution = "%s"\n' % how)
    with open(path, "w") as f:
        f.write(text)
    return path


# -- python3-caldav -------------------------------------------------------------

def caldav_step(srv, step):
    rc, out = run([SYSTEM_PY, CLIENT, step, srv.dav_url, srv.user, srv.password], timeout=120)
    start = out.find("{\n")
    expect(start >= 0, "caldav_client.py %s exited %d without JSON:\n%s" % (step, rc, out[-3000:]))
    try:
        res = json.loads(out[start:out.rfind("}") + 1])
    except ValueError:
        raise AssertionError("caldav_client.py %s printed no JSON:\n%s" % (step, out[-3000:]))
    expect("fatal" not in res, "python3-caldav %s: %s\n%s" % (step, res.get("fatal"), res.get("trace")))
    return res


def ok(res, key):
    v = res.get(key)
    if isinstance(v, dict) and "error" in v:
        raise AssertionError("python3-caldav step %s: %s\n%s" % (key, v["error"], v.get("trace", "")))
    return v


def test_python_caldav_discover_and_calendars(target):
    srv = server_for(target)
    res = caldav_step(srv, "discover")
    base = srv.base_url.rstrip("/")
    expect(res["principal"].startswith(base + "/"), "principal %r" % res["principal"])
    home = ok(res, "home")
    cals = res["calendars"]
    expect(len(cals) == 1 and cals[0]["url"].startswith(home), "calendars %r under home %r" % (cals, home))
    made = ok(res, "made")
    expect(made["name"] == "Work from caldav" and made["url"].rstrip("/").endswith("/work-caldav"),
           "MKCALENDAR made %r" % made)
    after = ok(res, "after_make")
    expect(sorted(c["name"] for c in after) == sorted([cals[0]["name"], "Work from caldav"]),
           "calendars after MKCALENDAR %r" % after)
    expect(ok(res, "after_delete") == [cals[0]["name"]], "after delete %r" % res["after_delete"])
    names = srv.calendar_names()
    if names is not None:  # Aurora: CalDAV collections are the REST calendars
        expect(names == [cals[0]["name"]], "REST calendars after the delete %r" % names)
        # ... and one made over REST is a collection under the home.
        r = srv._req("POST", "/api/v1/calendars", {"name": "Made over REST", "color": "#336699"})
        expect(r.status == 201, "REST calendar: %s" % r.describe())
        path = "/" + home.split("/", 3)[3]
        ms = multistatus(dav(srv.port, "PROPFIND", path, '<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
                             '<D:prop><D:displayname/><D:resourcetype/></D:prop></D:propfind>',
                             {"Depth": "1"}, (srv.user, srv.password)))
        shown = sorted(v["props"]["{DAV:}displayname"].text for h, v in ms.items()
                       if "{DAV:}displayname" in v["props"] and h.rstrip("/") != path.rstrip("/"))
        expect("Made over REST" in shown, "collections under the home: %r" % shown)


def test_python_caldav_objects_and_search(target):
    srv = server_for(target)
    res = caldav_step(srv, "objects")
    series, jan, mar = "weekly-series@caldav-client", "single-jan@caldav-client", "single-mar@caldav-client"
    expect(len(ok(res, "created")) == 3, "created %r" % res["created"])
    want = {
        "feb": [series],            # later occurrences of the series
        "mar": [mar, series],       # the override moved into March
        "apr": [],
        "exdate_window": [],        # the only instance there is excluded
        "moved_away_window": [],    # the instance the override moved away
        "override_window": [series],
        "date_search_feb": [series],
    }
    for k, v in want.items():
        expect(ok(res, k) == v, "search %s found %r, expected %r" % (k, res[k], v))
    starts = ok(res, "expanded_series_starts")
    expect(starts == ["2027-01-05T08:00Z", "2027-01-26T08:00Z", "2027-02-02T08:00Z",
                      "2027-02-09T08:00Z", "2027-03-01T14:00Z"], "expanded series %r" % starts)
    data = ok(res, "series_data")
    for needle in ("X-AURORA-TEST:kept", "RECURRENCE-ID;TZID=Europe/Berlin:20270112T090000",
                   "EXDATE;TZID=Europe/Berlin:20270119T090000"):
        expect(needle in data.replace("\r\n", "\n"), "%s lost on the way back:\n%s" % (needle, data))
    expect(ok(res, "updated_summary") == "Single in January, renamed", "update %r" % res["updated_summary"])
    expect(ok(res, "deleted") == "gone", "delete %r" % res["deleted"])
    expect(ok(res, "mar_after_delete") == [series], "March after the delete %r" % res["mar_after_delete"])
    expect(ok(res, "all_after") == [jan, series], "objects left %r" % res["all_after"])
    if isinstance(srv, AuroraServer):
        # A CalDAV write shows up in the REST listing at once.
        titles = srv.titles("2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z")
        expect("Single in January, renamed" in titles and "Single in March" not in titles,
               "REST lists %r" % titles)


def test_python_caldav_sync_tokens(target):
    srv = server_for(target)
    # Something in the calendar before the first sync.
    srv.create("Before the first sync", "2027-04-01T09:00:00Z", "2027-04-01T10:00:00Z")
    res = caldav_step(srv, "sync")
    tok0 = res["token0"]
    expect(isinstance(tok0, str) and re.match(r"^[a-z]+:", tok0) and tok0 != "0", "token %r" % tok0)
    expect(len(res["full"]) == 1, "a full sync listed %r" % res["full"])
    url = res["created_url"]
    a = ok(res, "after_create")
    expect(a["updated"] == [url] and a["deleted"] == [] and a["token"] != tok0, "after create %r" % a)
    n = ok(res, "no_change")
    expect(n["updated"] == [] and n["deleted"] == [] and n["token"] == a["token"], "no change %r" % n)
    u = ok(res, "after_update")
    expect(u["updated"] == [url] and u["deleted"] == [] and u["token"] != a["token"], "after update %r" % u)
    d = ok(res, "after_delete")
    expect(d["updated"] == [] and d["deleted"] == [url] and d["token"] != u["token"], "after delete %r" % d)
    z = ok(res, "from_token0")
    # Created and deleted since token0: reported once (as a tombstone).
    expect(z["urls"] == [url] and z["token"] == d["token"], "from the first token %r" % z)
    if isinstance(srv, AuroraServer):
        # A REST edit shows up in the next sync-collection.
        h = srv.find("Before the first sync", "2027-04-01T00:00:00Z", "2027-04-02T00:00:00Z")
        srv.rename(h, "Renamed over REST")
        body = ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>%s</D:sync-token>'
                '<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>'
                % d["token"])
        cal = find_calendar(srv.port, (srv.user, srv.password))
        r = dav(srv.port, "REPORT", cal, body, {"Depth": "1", "Content-Type": "application/xml"},
                (srv.user, srv.password))
        name = res["full"][0].rsplit("/", 1)[1]
        expect(r.status == 207 and name in r.text(), "sync after a REST edit (want %s): %s"
               % (name, r.describe()))


def test_python_caldav_event_by_uid(target):
    """python3-caldav finds an object by UID with a calendar-query holding
    a UID prop-filter (text-match); its event_by_uid() is how scripts
    built on the library look an event up."""
    srv = server_for(target)
    res = caldav_step(srv, "uid")
    expect(ok(res, "by_uid") == "Found by UID", "event_by_uid found %r" % res["by_uid"])
    expect(ok(res, "missing") == "not found", "an unknown UID: %r" % res["missing"])


# -- Aurora beside Radicale: the same query, the same objects ----------------

COMPARE_OBJECTS = [
    # name, VEVENT text(s)
    ("weekly", vevent("cmp-weekly", ";TZID=America/New_York:20270104T090000",
                      ";TZID=America/New_York:20270104T100000", "Weekly NY",
                      ["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T000000Z",
                       "EXDATE;TZID=America/New_York:20270208T090000"])),
    ("override", vevent("cmp-ovr", ":20270105T120000Z", ":20270105T130000Z", "Daily x5",
                        ["RRULE:FREQ=DAILY;COUNT=5"]) +
     vevent("cmp-ovr", ":20270420T120000Z", ":20270420T130000Z", "Moved to April",
            ["RECURRENCE-ID:20270107T120000Z"])),
    ("allday", vevent("cmp-allday", ";VALUE=DATE:20270215", ";VALUE=DATE:20270216", "All day")),
    ("long", vevent("cmp-long", ":20270125T080000Z", ":20270305T080000Z", "Spans months")),
    ("endless", vevent("cmp-endless", ":20261201T070000Z", ":20261201T073000Z", "Monthly forever",
                       ["RRULE:FREQ=MONTHLY;BYMONTHDAY=1"])),
    ("floating", vevent("cmp-floating", ":20270310T090000", ":20270310T100000", "Floating")),
    ("zero", vevent("cmp-zero", ":20270501T090000Z", ":20270501T100000Z", "No instances",
                    ["RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE:20270501T090000Z", "EXDATE:20270508T090000Z"])),
]
COMPARE_WINDOWS = [
    ("20270101T000000Z", "20270201T000000Z"), ("20270201T000000Z", "20270301T000000Z"),
    ("20270301T000000Z", "20270401T000000Z"), ("20270401T000000Z", "20270501T000000Z"),
    ("20270501T000000Z", "20270601T000000Z"), ("20270208T130000Z", "20270208T160000Z"),
    ("20270107T000000Z", "20270108T000000Z"), ("20270310T000000Z", "20270311T000000Z"),
    ("20280601T000000Z", "20280602T000000Z"),
]


def test_time_range_same_as_radicale(stack):
    srv = AuroraServer(stack)
    auth = (srv.user, srv.password)
    cal = find_calendar(srv.port, auth)
    rad = Radicale().start()
    try:
        for name, body in COMPARE_OBJECTS:
            text = vcalendar(body)
            for port, path, a in ((srv.port, cal, auth), (rad.port, rad.calendar_path, rad.auth)):
                r = dav(port, "PUT", path + name + ".ics", text,
                        {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}, a)
                expect(r.status == 201, "PUT %s on %d: %s" % (name, port, r.describe()))
        diffs = []
        for start, end in COMPARE_WINDOWS:
            got = {}
            for label, port, path, a in (("aurora", srv.port, cal, auth),
                                         ("radicale", rad.port, rad.calendar_path, rad.auth)):
                found = calendar_query(port, path, a, start, end)
                got[label] = sorted(u for d in found.values() for u in ics_uids(d))
            if got["aurora"] != got["radicale"]:
                diffs.append("%s..%s: aurora %r, radicale %r" % (start, end, got["aurora"], got["radicale"]))
        expect(not diffs, "time-range answers differ:\n" + "\n".join(diffs))
    finally:
        rad.stop()


TESTS = [
    ("vdirsyncer_khal_journey", test_vdirsyncer_khal_journey),
    ("vdirsyncer_khal_series_and_alarms", test_vdirsyncer_khal_series_and_alarms),
    ("vdirsyncer_unicode_href", test_vdirsyncer_unicode_href),
    ("python_caldav_discover_and_calendars", test_python_caldav_discover_and_calendars),
    ("python_caldav_objects_and_search", test_python_caldav_objects_and_search),
    ("python_caldav_sync_tokens", test_python_caldav_sync_tokens),
    ("python_caldav_event_by_uid", test_python_caldav_event_by_uid),
]


def run_on_radicale(tests):
    """Each client test against a fresh Radicale; same output format."""
    selected = sys.argv[1:]
    failed = 0
    for name, fn in tests:
        if selected and name not in selected:
            continue
        rad = Radicale().start()
        try:
            fn(rad)
        except Skip as e:
            print("SKIP %s: %s" % (name, one_line(e)), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %s: %s" % (name, one_line("%s: %s" % (type(e).__name__, e))), flush=True)
            print("# " + traceback.format_exc().rstrip().replace("\n", "\n# "), file=sys.stderr)
        else:
            print("PASS %s" % name, flush=True)
        finally:
            rad.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--radicale"]:
        del sys.argv[1]
        sys.exit(run_on_radicale(TESTS))
    sys.exit(run_tests(TESTS + [("time_range_same_as_radicale", test_time_range_same_as_radicale)]))
