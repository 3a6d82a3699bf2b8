#!/usr/bin/python3
"""The CalDAV front end's collection-level protocol (issue 14), as raw HTTP
through the stack's nginx: discovery (/.well-known/caldav, the principal,
the calendar home), OPTIONS, HTTP Basic with app passwords (anonymous,
Bearer and the account password refused with a Basic challenge), PROPFIND
with Depth 0 and 1 (infinity refused with propfind-finite-depth; unknown
properties 404 inside the 207, left out with Brief/Prefer), PROPPATCH,
MKCALENDAR and DELETE of calendars as REST sees them, XML with a DTD or
entities refused unexpanded, body and nesting caps, unknown methods 405 with
Allow, and another account's principal, home and calendars answering 404 for
every method, guessed hrefs included.
Run: /usr/bin/python3 tests/integration/test_caldav_protocol.py [NAME...]"""

import base64
import http.client
import json
import os
import sys
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Skip, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post  # noqa: E402

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"
A = "{http://apple.com/ns/ical/}"
XML = {"Content-Type": "application/xml; charset=utf-8"}
CHALLENGE = 'Basic realm="Aurora Time", charset="UTF-8"'
TOKEN_PREFIX = "http://aurora-time.invalid/sync/"


# ---------------------------------------------------------------- helpers

def basic(email, password):
    raw = ("%s:%s" % (email, password)).encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def dav_user(stack):
    """A confirmed account with one app password; u["auth"] is its Basic
    header, u["principal"], u["home"] its hrefs."""
    u = users.create_user(stack)
    r = post(stack, "/api/v1/me/app-passwords", {"name": "protocol test"},
             headers=bearer(u["access_token"]))
    if r.status in (404, 405):
        raise Skip("app passwords are not served yet (%d)" % r.status)
    expect(r.status == 201, "app password: %s" % r.describe())
    u["app_password"] = r.body["password"]
    u["auth"] = basic(u["email"], u["app_password"])
    u["principal"] = "/dav/principals/%s/" % u["user_id"]
    u["home"] = "/dav/calendars/%s/" % u["user_id"]
    return u


def dav(stack, method, path, body=None, auth=None, headers=None):
    hdrs = dict(auth or {})
    if body is not None:
        hdrs.update(XML)
    hdrs.update(headers or {})
    return stack.request(method, path, body, hdrs)


def need_dav(stack):
    r = stack.request("OPTIONS", "/dav/")
    if r.status in (404, 405) and b"DAV" not in (r.headers.get("DAV") or "").encode():
        raise Skip("the DAV layer is not served yet: OPTIONS /dav/ answered %d" % r.status)


def propfind_body(*props):
    """props: (namespace, name) pairs."""
    prefixes = {"DAV:": "d", C[1:-1]: "c", CS[1:-1]: "cs", A[1:-1]: "a"}
    inner = "".join("<%s:%s/>" % (prefixes[ns], name) for ns, name in props)
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<d:propfind xmlns:d="DAV:" xmlns:c="%s" xmlns:cs="%s" xmlns:a="%s">'
            '<d:prop>%s</d:prop></d:propfind>' % (C[1:-1], CS[1:-1], A[1:-1], inner))


def multistatus(r, why):
    expect(r.status == 207, "%s: %s" % (why, r.describe()))
    ctype = r.headers.get("Content-Type", "")
    expect(ctype.startswith("application/xml"), "%s: Content-Type %r" % (why, ctype))
    return ET.fromstring(r.raw)


def responses(root):
    """{href: {"200": {tag: element}, "404": {...}}}"""
    out = {}
    for resp in root.findall(D + "response"):
        href = urllib.parse.unquote(resp.find(D + "href").text)
        stats = {}
        for ps in resp.findall(D + "propstat"):
            code = ps.find(D + "status").text.split()[1]
            stats.setdefault(code, {})
            for prop in ps.find(D + "prop"):
                stats[code][prop.tag] = prop
        out[href] = stats
    return out


def one(root, href, why):
    rs = responses(root)
    expect(href in rs, "%s: no response for %s in %s" % (why, href, list(rs)))
    return rs[href]


def calendars_rest(stack, u):
    r = stack.request("GET", "/api/v1/calendars", headers=bearer(u["access_token"]))
    expect(r.status == 200, "GET /api/v1/calendars: %s" % r.describe())
    return r.body["items"]


def default_calendar_href(stack, u):
    cals = calendars_rest(stack, u)
    default = [c for c in cals if c.get("is_default")] or cals
    return u["home"] + urllib.parse.quote(default[0]["dav_name"]) + "/", default[0]


def dav_error_element(r, tag):
    try:
        root = ET.fromstring(r.raw)
    except ET.ParseError:
        return False
    return root.tag == D + "error" and root.find(tag) is not None


# ---------------------------------------------------------------- tests

def test_wellknown_redirects_any_method(stack):
    need_dav(stack)
    for method in ("GET", "PROPFIND", "OPTIONS", "HEAD"):
        for path in ("/.well-known/caldav", "/.well-known/caldav/"):
            r = stack.request(method, path, headers={"Depth": "0"})
            expect(r.status == 301, "%s %s: %s" % (method, path, r.describe()))
            loc = r.headers.get("Location", "")
            expect(loc == "/dav/" or loc.endswith("://127.0.0.1:%d/dav/" % stack.http_port),
                   "%s %s: Location %r" % (method, path, loc))


def test_options_needs_no_auth(stack):
    need_dav(stack)
    u = dav_user(stack)
    for path, auth in (("/dav/", None), (u["principal"], None), (u["principal"], u["auth"]),
                       (u["home"], u["auth"])):
        r = dav(stack, "OPTIONS", path, auth=auth)
        expect(r.status == 200, "OPTIONS %s: %s" % (path, r.describe()))
        caps = [c.strip() for c in (r.headers.get("DAV") or "").split(",")]
        expect("1" in caps and "3" in caps and "calendar-access" in caps,
               "OPTIONS %s: DAV %r" % (path, caps))
        expect("calendar-auto-schedule" not in caps, "scheduling advertised: %r" % caps)
        allow = [m.strip() for m in (r.headers.get("Allow") or "").split(",")]
        expect("PROPFIND" in allow and "OPTIONS" in allow, "OPTIONS %s: Allow %r" % (path, allow))


def test_anonymous_gets_basic_challenge(stack):
    need_dav(stack)
    u = dav_user(stack)
    for path in ("/dav/", u["principal"], u["home"]):
        r = dav(stack, "PROPFIND", path, propfind_body(("DAV:", "current-user-principal")),
                headers={"Depth": "0"})
        expect(r.status == 401, "anonymous PROPFIND %s: %s" % (path, r.describe()))
        expect(r.headers.get_all("WWW-Authenticate") == [CHALLENGE],
               "WWW-Authenticate %r" % r.headers.get_all("WWW-Authenticate"))
        expect(u["user_id"].encode() not in r.raw or path != "/dav/", "401 body leaks")


def test_bearer_and_account_password_refused(stack):
    need_dav(stack)
    u = dav_user(stack)
    body = propfind_body(("DAV:", "current-user-principal"))
    for why, auth in (("Bearer", bearer(u["access_token"])),
                      ("account password", basic(u["email"], u["password"])),
                      ("wrong app password", basic(u["email"], "abcd-efgh-ijkl-mnop-qrst-uvwx-yzab")),
                      ("garbage base64", {"Authorization": "Basic !!!notbase64"}),
                      ("no colon", {"Authorization": "Basic " +
                                    base64.b64encode(u["email"].encode()).decode()})):
        r = dav(stack, "PROPFIND", "/dav/", body, auth, {"Depth": "0"})
        expect(r.status == 401, "%s: %s" % (why, r.describe()))
        expect(r.headers.get_all("WWW-Authenticate") == [CHALLENGE],
               "%s: WWW-Authenticate %r" % (why, r.headers.get_all("WWW-Authenticate")))
    # The right one, with the email in another case.
    r = dav(stack, "PROPFIND", "/dav/", body, basic(u["email"].upper(), u["app_password"]),
            {"Depth": "0"})
    multistatus(r, "email in upper case")


def test_discovery_principal_and_home(stack):
    need_dav(stack)
    u = dav_user(stack)
    root = multistatus(dav(stack, "PROPFIND", "/dav/",
                           propfind_body(("DAV:", "current-user-principal")), u["auth"],
                           {"Depth": "0"}), "PROPFIND /dav/")
    got = one(root, "/dav/", "root")["200"][D + "current-user-principal"].find(D + "href").text
    expect(got == u["principal"], "current-user-principal %r" % got)

    body = propfind_body(("DAV:", "resourcetype"), ("DAV:", "displayname"),
                         ("DAV:", "principal-URL"), ("DAV:", "current-user-principal"),
                         (C[1:-1], "calendar-home-set"), (C[1:-1], "calendar-user-address-set"),
                         (C[1:-1], "schedule-inbox-URL"), (C[1:-1], "schedule-outbox-URL"),
                         (CS[1:-1], "email-address-set"))
    root = multistatus(dav(stack, "PROPFIND", u["principal"], body, u["auth"], {"Depth": "0"}),
                       "PROPFIND principal")
    p = one(root, u["principal"], "principal")
    ok = p["200"]
    expect(ok[D + "resourcetype"].find(D + "principal") is not None, "not a principal")
    expect(ok[D + "principal-URL"].find(D + "href").text == u["principal"], "principal-URL")
    expect(ok[C + "calendar-home-set"].find(D + "href").text == u["home"], "calendar-home-set")
    addrs = [h.text for h in ok[C + "calendar-user-address-set"].findall(D + "href")]
    expect(addrs == ["mailto:" + u["email"]], "calendar-user-address-set %r" % addrs)
    expect(ok[D + "displayname"].text, "empty displayname")
    for tag in (C + "schedule-inbox-URL", C + "schedule-outbox-URL", CS + "email-address-set"):
        expect(tag in p.get("404", {}), "%s not a 404 propstat: %r" % (tag, list(p)))

    # Brief: t / Prefer: return=minimal leave the 404s out.
    for hdr in ({"Brief": "t"}, {"Prefer": "return=minimal"}):
        hdr["Depth"] = "0"
        root = multistatus(dav(stack, "PROPFIND", u["principal"], body, u["auth"], hdr),
                           "minimal")
        p = one(root, u["principal"], "minimal")
        expect("404" not in p and C + "calendar-home-set" in p["200"],
               "%r: propstats %r" % (hdr, list(p)))

    # The home: a collection with the reports iOS looks for there.
    body = propfind_body(("DAV:", "resourcetype"), ("DAV:", "supported-report-set"),
                         ("DAV:", "owner"), ("DAV:", "current-user-privilege-set"),
                         ("DAV:", "displayname"))
    root = multistatus(dav(stack, "PROPFIND", u["home"], body, u["auth"], {"Depth": "0"}),
                       "PROPFIND home")
    h = one(root, u["home"], "home")["200"]
    expect(h[D + "resourcetype"].find(D + "collection") is not None, "home not a collection")
    reports = {r[0].tag for r in h[D + "supported-report-set"].iter(D + "report")}
    expect({D + "sync-collection", C + "calendar-multiget", C + "calendar-query"} <= reports,
           "home supported-report-set %r" % reports)
    expect(h[D + "owner"].find(D + "href").text == u["principal"], "owner")


def test_calendar_properties(stack):
    need_dav(stack)
    u = dav_user(stack)
    href, cal = default_calendar_href(stack, u)
    body = propfind_body(
        ("DAV:", "resourcetype"), ("DAV:", "displayname"), (C[1:-1], "calendar-description"),
        (A[1:-1], "calendar-color"), (A[1:-1], "calendar-order"), (C[1:-1], "calendar-timezone"),
        (C[1:-1], "supported-calendar-component-set"), (C[1:-1], "supported-calendar-data"),
        ("DAV:", "supported-report-set"), ("DAV:", "current-user-privilege-set"),
        ("DAV:", "owner"), (CS[1:-1], "getctag"), ("DAV:", "sync-token"),
        (C[1:-1], "max-resource-size"), (CS[1:-1], "source"), ("DAV:", "current-user-principal"))
    root = multistatus(dav(stack, "PROPFIND", u["home"], body, u["auth"], {"Depth": "1"}),
                       "PROPFIND home Depth 1")
    rs = responses(root)
    expect(u["home"] in rs and urllib.parse.unquote(href) in rs,
           "Depth 1 on the home: %r, expected the home and %s" % (list(rs), href))
    p = rs[urllib.parse.unquote(href)]
    ok = p["200"]
    rt = ok[D + "resourcetype"]
    expect(rt.find(D + "collection") is not None and rt.find(C + "calendar") is not None,
           "resourcetype %r" % [e.tag for e in rt])
    expect(ok[D + "displayname"].text == cal["name"], "displayname %r" % ok[D + "displayname"].text)
    color = ok[A + "calendar-color"].text
    expect(color == cal["color"].upper() + "FF", "calendar-color %r for %r" % (color, cal["color"]))
    expect(int(ok[A + "calendar-order"].text) == cal.get("sort_order", 0), "calendar-order")
    tz = ok[C + "calendar-timezone"].text or ""
    expect("BEGIN:VCALENDAR" in tz and "BEGIN:VTIMEZONE" in tz, "calendar-timezone %r" % tz[:80])
    comps = [c.get("name") for c in ok[C + "supported-calendar-component-set"]]
    expect(comps == ["VEVENT"], "components %r" % comps)
    expect(ok[C + "supported-calendar-data"].find(C + "calendar-data") is not None,
           "supported-calendar-data")
    privs = {e.tag for e in ok[D + "current-user-privilege-set"].iter()}
    expect({D + "read", D + "write", D + "write-properties", D + "write-content", D + "bind",
            D + "unbind"} <= privs, "privileges %r" % privs)
    ctag, token = ok[CS + "getctag"].text, ok[D + "sync-token"].text
    expect(token.startswith(TOKEN_PREFIX) and ctag == token and token != "0",
           "getctag %r sync-token %r" % (ctag, token))
    expect(int(ok[C + "max-resource-size"].text) == 1048576, "max-resource-size")
    expect(CS + "source" in p.get("404", {}), "CalendarServer source not 404: %r" % list(p))

    # The token moves with a change made through REST.
    r = stack.request("POST", "/api/v1/events", json.dumps({
        "title": "moves the token", "start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z",
        "time_zone": "UTC", "calendar_id": cal["id"]}),
        dict(bearer(u["access_token"]), **{"Content-Type": "application/json"}))
    expect(r.status == 201, "REST create: %s" % r.describe())
    root = multistatus(dav(stack, "PROPFIND", href, propfind_body(("DAV:", "sync-token")),
                           u["auth"], {"Depth": "0"}), "PROPFIND calendar")
    after = one(root, urllib.parse.unquote(href), "calendar")["200"][D + "sync-token"].text
    expect(after != token and after.startswith(TOKEN_PREFIX), "token %r after %r" % (after, token))


def test_depth_one_lists_objects(stack):
    need_dav(stack)
    u = dav_user(stack)
    href, cal = default_calendar_href(stack, u)
    r = stack.request("POST", "/api/v1/events", json.dumps({
        "title": "listed", "start": "2026-03-03T09:00:00Z", "end": "2026-03-03T10:00:00Z",
        "time_zone": "UTC", "calendar_id": cal["id"]}),
        dict(bearer(u["access_token"]), **{"Content-Type": "application/json"}))
    expect(r.status == 201, "REST create: %s" % r.describe())
    event_id = r.body["id"]
    body = propfind_body(("DAV:", "getetag"), ("DAV:", "getcontenttype"), ("DAV:", "resourcetype"))
    root = multistatus(dav(stack, "PROPFIND", href, body, u["auth"], {"Depth": "1"}),
                       "PROPFIND calendar Depth 1")
    rs = responses(root)
    objs = [h for h in rs if h != urllib.parse.unquote(href)]
    expect(len(objs) == 1 and objs[0].endswith(event_id + ".ics"), "objects %r" % objs)
    ok = rs[objs[0]]["200"]
    etag = ok[D + "getetag"].text
    expect(etag.startswith('"') and etag.endswith('"') and etag[1:-1].isdigit(), "ETag %r" % etag)
    expect(ok[D + "getcontenttype"].text.startswith("text/calendar"), "getcontenttype")
    expect(len(ok[D + "resourcetype"]) == 0, "an object is not a collection")
    # Depth 0 on the object itself.
    root = multistatus(dav(stack, "PROPFIND", objs[0], body, u["auth"], {"Depth": "0"}),
                       "PROPFIND object")
    expect(one(root, objs[0], "object")["200"][D + "getetag"].text == etag, "object ETag")
    r = dav(stack, "PROPFIND", href + "no-such.ics", body, u["auth"], {"Depth": "0"})
    expect(r.status == 404, "missing object: %s" % r.describe())


def test_allprop_and_propname(stack):
    need_dav(stack)
    u = dav_user(stack)
    href, _ = default_calendar_href(stack, u)
    for body in (None, '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>'):
        root = multistatus(dav(stack, "PROPFIND", href, body, u["auth"], {"Depth": "0"}),
                           "allprop")
        ok = one(root, urllib.parse.unquote(href), "allprop")["200"]
        expect(D + "resourcetype" in ok and D + "displayname" in ok, "allprop %r" % list(ok))
    root = multistatus(dav(stack, "PROPFIND", href,
                           '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>', u["auth"],
                           {"Depth": "0"}), "propname")
    ok = one(root, urllib.parse.unquote(href), "propname")["200"]
    expect(D + "sync-token" in ok and all(len(e) == 0 and not e.text for e in ok.values()),
           "propname %r" % list(ok))


def test_depth_infinity_refused(stack):
    need_dav(stack)
    u = dav_user(stack)
    body = propfind_body(("DAV:", "displayname"))
    for hdrs in ({}, {"Depth": "infinity"}, {"Depth": "Infinity"}):
        r = dav(stack, "PROPFIND", u["home"], body, u["auth"], hdrs)
        expect(r.status == 403, "%r: %s" % (hdrs, r.describe()))
        expect(dav_error_element(r, D + "propfind-finite-depth"),
               "%r: no propfind-finite-depth in %r" % (hdrs, r.raw[:300]))
    r = dav(stack, "PROPFIND", u["home"], body, u["auth"], {"Depth": "2"})
    expect(r.status == 400, "Depth 2: %s" % r.describe())


def proppatch(props_set, props_remove=""):
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<d:propertyupdate xmlns:d="DAV:" xmlns:c="%s" xmlns:a="%s" xmlns:x="urn:x">'
            '%s%s</d:propertyupdate>' % (
                C[1:-1], A[1:-1],
                "<d:set><d:prop>%s</d:prop></d:set>" % props_set if props_set else "",
                "<d:remove><d:prop>%s</d:prop></d:remove>" % props_remove if props_remove else ""))


def test_proppatch_shows_in_rest(stack):
    need_dav(stack)
    u = dav_user(stack)
    href, cal = default_calendar_href(stack, u)
    r = dav(stack, "PROPPATCH", href, proppatch(
        "<d:displayname>Work &amp; more</d:displayname>"
        "<a:calendar-color>#FF8800FF</a:calendar-color>"
        "<a:calendar-order>3</a:calendar-order>"
        "<c:calendar-description>Büro</c:calendar-description>"), u["auth"])
    p = one(multistatus(r, "PROPPATCH"), urllib.parse.unquote(href), "PROPPATCH")
    expect(list(p) == ["200"] and len(p["200"]) == 4, "propstats %r" % p)
    now = [c for c in calendars_rest(stack, u) if c["id"] == cal["id"]][0]
    expect(now["name"] == "Work & more" and now["color"] == "#ff8800" and
           now["sort_order"] == 3 and now["description"] == "Büro", "REST sees %r" % now)
    # #RRGGBB is taken too.
    r = dav(stack, "PROPPATCH", href, proppatch("<a:calendar-color>#00aa11</a:calendar-color>"),
            u["auth"])
    multistatus(r, "PROPPATCH #RRGGBB")
    expect([c for c in calendars_rest(stack, u) if c["id"] == cal["id"]][0]["color"] == "#00aa11",
           "color not set")

    # All or nothing: a protected property fails (403), the rest 424, nothing changes.
    r = dav(stack, "PROPPATCH", href, proppatch(
        "<d:displayname>Not kept</d:displayname><d:resourcetype/>"), u["auth"])
    p = one(multistatus(r, "PROPPATCH protected"), urllib.parse.unquote(href), "protected")
    expect(set(p) == {"403", "424"} and D + "resourcetype" in p["403"] and
           D + "displayname" in p["424"], "propstats %r" % {k: list(v) for k, v in p.items()})
    # A protected property: 403.
    r = dav(stack, "PROPPATCH", href, proppatch("<d:getetag>\"1\"</d:getetag>"), u["auth"])
    p = one(multistatus(r, "PROPPATCH protected"), urllib.parse.unquote(href), "protected")
    expect(list(p) == ["403"], "protected: %r" % list(p))
    # A bad value: 409 for it, 424 for the others.
    r = dav(stack, "PROPPATCH", href, proppatch(
        "<d:displayname>Nor this</d:displayname><a:calendar-color>orange</a:calendar-color>"),
        u["auth"])
    p = one(multistatus(r, "PROPPATCH bad color"), urllib.parse.unquote(href), "bad color")
    expect(A + "calendar-color" in p.get("409", {}) and D + "displayname" in p.get("424", {}),
           "bad color: %r" % {k: list(v) for k, v in p.items()})
    r = dav(stack, "PROPPATCH", href, proppatch("<d:displayname></d:displayname>"), u["auth"])
    p = one(multistatus(r, "PROPPATCH empty name"), urllib.parse.unquote(href), "empty name")
    expect(list(p) == ["409"], "empty name: %r" % list(p))
    now = [c for c in calendars_rest(stack, u) if c["id"] == cal["id"]][0]
    expect(now["name"] == "Work & more" and now["color"] == "#00aa11", "changed anyway: %r" % now)
    # The home and the principal hold nothing a client may write: 403 each.
    for path in (u["home"], u["principal"]):
        r = dav(stack, "PROPPATCH", path, proppatch(
            "<d:displayname>Mine</d:displayname><x:default-alarm>1</x:default-alarm>"), u["auth"])
        p = one(multistatus(r, "PROPPATCH " + path), path, "PROPPATCH " + path)
        expect(list(p) == ["403"] and len(p["403"]) == 2, "%s: %r" % (path, list(p)))


def prop_statuses(r, href, why):
    p = one(multistatus(r, why), urllib.parse.unquote(href), why)
    return {tag: code for code, props in p.items() for tag in props}


def test_dead_properties(stack):
    """Properties Aurora does not model are kept as dead properties of the
    calendar (Apple's among them), given back by PROPFIND, allprop and
    propname, removable; protected ones stay 403; past the caps 507."""
    need_dav(stack)
    u = dav_user(stack)
    href, cal = default_calendar_href(stack, u)
    alarm = "BEGIN:VALARM&#13;\nACTION:AUDIO&#13;\nTRIGGER:-PT15M&#13;\nEND:VALARM&#13;\n"
    sets = ("<a:calendar-enabled>1</a:calendar-enabled>"
            "<a:default-alarm-vevent-datetime>%s</a:default-alarm-vevent-datetime>"
            # Prefixes declared on the request's root, attributes, nesting.
            '<x:nested k="v &amp; w"><x:a>t &lt; u</x:a><y:b xmlns:y="urn:y" y:at="1"/>'
            "</x:nested>"
            "<c:schedule-calendar-transp><c:opaque/></c:schedule-calendar-transp>"
            "<plain>no namespace é</plain>" % alarm)
    r = dav(stack, "PROPPATCH", href, proppatch(sets), u["auth"])
    st = prop_statuses(r, href, "PROPPATCH dead")
    want = {A + "calendar-enabled", A + "default-alarm-vevent-datetime", "{urn:x}nested",
            C + "schedule-calendar-transp", "plain"}
    expect(set(st) == want and set(st.values()) == {"200"}, "PROPPATCH dead: %r" % st)

    def found(body, depth="0"):
        r = dav(stack, "PROPFIND", href, body, u["auth"], {"Depth": depth})
        return one(multistatus(r, "PROPFIND dead"), urllib.parse.unquote(href), "PROPFIND")

    asked = ('<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:a="%s" '
             'xmlns:c="%s" xmlns:z="urn:x"><d:prop><a:calendar-enabled/>'
             '<a:default-alarm-vevent-datetime/><z:nested/><c:schedule-calendar-transp/><plain/>'
             '<z:never-set/><d:displayname/></d:prop></d:propfind>' % (A[1:-1], C[1:-1]))
    p = found(asked)
    ok = p.get("200", {})
    expect(want <= set(ok) and "{urn:x}never-set" in p.get("404", {}),
           "PROPFIND dead: %r" % {k: list(v) for k, v in p.items()})
    expect(ok[A + "calendar-enabled"].text == "1", "calendar-enabled %r"
           % ok[A + "calendar-enabled"].text)
    expect(ok[A + "default-alarm-vevent-datetime"].text ==
           "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
           "default alarm %r" % ok[A + "default-alarm-vevent-datetime"].text)
    n = ok["{urn:x}nested"]
    expect(n.get("k") == "v & w" and n.find("{urn:x}a").text == "t < u" and
           n.find("{urn:y}b").get("{urn:y}at") == "1", "nested %r" % ET.tostring(n))
    expect(ok[C + "schedule-calendar-transp"].find(C + "opaque") is not None, "transp")
    expect(ok["plain"].text == "no namespace é", "plain %r" % ok["plain"].text)
    # allprop gives them too; propname names them.
    p = found(None)
    expect(want <= set(p.get("200", {})), "allprop: %r" % list(p.get("200", {})))
    p = found('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>')
    expect(want <= set(p.get("200", {})), "propname: %r" % list(p.get("200", {})))
    # Depth 1 on the home: each calendar its own.
    r = dav(stack, "PROPFIND", u["home"], asked, u["auth"], {"Depth": "1"})
    rs = responses(multistatus(r, "home Depth 1"))
    expect(A + "calendar-enabled" in rs[urllib.parse.unquote(href)].get("200", {}), "home listing")
    # Protected live properties: 403, and the dead one beside it 424, not stored.
    for prop in ("<d:getetag>\"1\"</d:getetag>", "<d:resourcetype/>",
                 "<d:sync-token>x</d:sync-token>", "<cs:getctag xmlns:cs=\"%s\">1</cs:getctag>"
                 % CS[1:-1], "<d:current-user-privilege-set/>", "<d:owner/>",
                 "<d:supported-report-set/>", "<c:supported-calendar-component-set/>"):
        r = dav(stack, "PROPPATCH", href, proppatch(prop + "<x:later>1</x:later>"), u["auth"])
        st = prop_statuses(r, href, "protected " + prop)
        expect(sorted(st.values()) == ["403", "424"] and st["{urn:x}later"] == "424",
               "protected %s: %r" % (prop, st))
        refused = [ps for ps in ET.fromstring(r.raw).iter(D + "propstat")
                   if " 403 " in ps.find(D + "status").text]
        expect(len(refused) == 1 and refused[0].find(
            D + "error/" + D + "cannot-modify-protected-property") is not None,
            "protected %s: no cannot-modify-protected-property: %r" % (prop, r.raw[:600]))
    expect("{urn:x}later" in found(
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop><x:later/>'
        "</d:prop></d:propfind>").get("404", {}), "a refused PROPPATCH stored its dead property")
    # Remove: gone, others kept.
    r = dav(stack, "PROPPATCH", href, proppatch("", "<a:calendar-enabled/><x:nested/>"), u["auth"])
    st = prop_statuses(r, href, "remove")
    expect(set(st.values()) == {"200"}, "remove: %r" % st)
    p = found(asked)
    expect(A + "calendar-enabled" in p.get("404", {}) and "{urn:x}nested" in p.get("404", {}) and
           A + "default-alarm-vevent-datetime" in p.get("200", {}), "after remove: %r"
           % {k: list(v) for k, v in p.items()})
    # Caps: one value over 4 KiB; more than 32; more than 64 KiB in all.
    big = "<x:big>%s</x:big>" % ("b" * 5000)
    st = prop_statuses(dav(stack, "PROPPATCH", href, proppatch(big + "<x:small>1</x:small>"),
                           u["auth"]), href, "big")
    expect(st == {"{urn:x}big": "507", "{urn:x}small": "424"}, "big: %r" % st)
    many = "".join("<x:m%d>%d</x:m%d>" % (i, i, i) for i in range(40))
    st = prop_statuses(dav(stack, "PROPPATCH", href, proppatch(many), u["auth"]), href, "many")
    expect(set(st.values()) == {"507"}, "40 properties: %r" % set(st.values()))
    wide = "".join("<x:w%d>%s</x:w%d>" % (i, "w" * 3900, i) for i in range(20))
    st = prop_statuses(dav(stack, "PROPPATCH", href, proppatch(wide), u["auth"]), href, "wide")
    expect(set(st.values()) == {"507"}, "78 KB of properties: %r" % set(st.values()))
    p = found(asked)
    expect(A + "default-alarm-vevent-datetime" in p.get("200", {}), "kept after refusals")
    # REST is not disturbed by them.
    expect([c for c in calendars_rest(stack, u) if c["id"] == cal["id"]], "REST lists it")


def test_mkcalendar_keeps_timezone(stack):
    """MKCALENDAR keeps calendar-timezone (as a dead property, given back
    as sent instead of the account's zone) and properties of its own."""
    need_dav(stack)
    u = dav_user(stack)
    href = u["home"] + "tz/"
    tz = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Vienna\r\n"
          "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n"
          "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n")
    body = ('<?xml version="1.0" encoding="utf-8"?>'
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="%s" xmlns:a="%s"><d:set><d:prop>'
            '<d:displayname>Zoned</d:displayname>'
            '<c:calendar-timezone>%s</c:calendar-timezone>'
            '<a:calendar-enabled>1</a:calendar-enabled>'
            '</d:prop></d:set></c:mkcalendar>' % (C[1:-1], A[1:-1], tz.replace("\r", "&#13;")))
    r = dav(stack, "MKCALENDAR", href, body, u["auth"])
    expect(r.status == 201, "MKCALENDAR: %s" % r.describe())
    r = dav(stack, "PROPFIND", href, propfind_body((C[1:-1], "calendar-timezone"),
                                                   (A[1:-1], "calendar-enabled")),
            u["auth"], {"Depth": "0"})
    ok = one(multistatus(r, "PROPFIND"), href, "PROPFIND").get("200", {})
    expect(C + "calendar-timezone" in ok and ok[C + "calendar-timezone"].text == tz,
           "calendar-timezone %r" % (ok.get(C + "calendar-timezone") is not None and
                                     ok[C + "calendar-timezone"].text))
    expect(A + "calendar-enabled" in ok and ok[A + "calendar-enabled"].text == "1",
           "calendar-enabled %r" % list(ok))
    # PROPPATCH changes it; removed, the account's zone is given again.
    r = dav(stack, "PROPPATCH", href, proppatch("", "<c:calendar-timezone/>"), u["auth"])
    expect(set(prop_statuses(r, href, "remove tz").values()) == {"200"}, "remove tz")
    r = dav(stack, "PROPFIND", href, propfind_body((C[1:-1], "calendar-timezone")),
            u["auth"], {"Depth": "0"})
    ok = one(multistatus(r, "PROPFIND"), href, "PROPFIND").get("200", {})
    expect(C + "calendar-timezone" in ok and "Vienna" not in ok[C + "calendar-timezone"].text,
           "the account's zone after remove")
    # Past the caps at creation: 507, nothing made.
    big = body.replace("<a:calendar-enabled>1</a:calendar-enabled>",
                       "<a:calendar-enabled>%s</a:calendar-enabled>" % ("1" * 5000))
    r = dav(stack, "MKCALENDAR", u["home"] + "big/", big, u["auth"])
    expect(r.status == 507, "MKCALENDAR with 5000 bytes: %s" % r.describe())
    expect(not [c for c in calendars_rest(stack, u) if c["dav_name"] == "big"], "made anyway")


def test_mkcalendar_and_delete(stack):
    need_dav(stack)
    u = dav_user(stack)
    name = "Privé Kalender ☃"
    href = u["home"] + urllib.parse.quote(name) + "/"
    body = ('<?xml version="1.0" encoding="utf-8"?>'
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="%s" xmlns:a="%s"><d:set><d:prop>'
            '<d:displayname>Family</d:displayname><a:calendar-color>#112233FF</a:calendar-color>'
            '<c:calendar-description>kids</c:calendar-description>'
            '<c:supported-calendar-component-set><c:comp name="VEVENT"/>'
            '</c:supported-calendar-component-set>'
            '<c:calendar-timezone>BEGIN:VCALENDAR&#13;\nEND:VCALENDAR</c:calendar-timezone>'
            '</d:prop></d:set></c:mkcalendar>' % (C[1:-1], A[1:-1]))
    r = dav(stack, "MKCALENDAR", href, body, u["auth"])
    expect(r.status == 201, "MKCALENDAR: %s" % r.describe())
    made = [c for c in calendars_rest(stack, u) if c["dav_name"] == name]
    expect(len(made) == 1 and made[0]["name"] == "Family" and made[0]["color"] == "#112233" and
           made[0]["description"] == "kids", "REST sees %r" % made)
    rs = responses(multistatus(dav(stack, "PROPFIND", u["home"],
                                   propfind_body(("DAV:", "displayname")), u["auth"],
                                   {"Depth": "1"}), "home after MKCALENDAR"))
    expect(u["home"] + name + "/" in rs, "new calendar not listed: %r" % list(rs))
    r = dav(stack, "MKCALENDAR", href, None, u["auth"])
    expect(r.status == 405, "MKCALENDAR again: %s" % r.describe())
    # Without a body: named after its URL.
    href2 = u["home"] + "plain/"
    r = dav(stack, "MKCALENDAR", href2, None, u["auth"])
    expect(r.status == 201, "MKCALENDAR without body: %s" % r.describe())
    expect([c["name"] for c in calendars_rest(stack, u) if c["dav_name"] == "plain"] == ["plain"],
           "name from the URL")
    # A task list is not something we store.
    r = dav(stack, "MKCALENDAR", u["home"] + "tasks/", body.replace("VEVENT", "VTODO"), u["auth"])
    expect(r.status == 403, "VTODO calendar: %s" % r.describe())

    r = dav(stack, "DELETE", href, None, u["auth"])
    expect(r.status == 204, "DELETE: %s" % r.describe())
    expect(not [c for c in calendars_rest(stack, u) if c["dav_name"] == name], "still listed")
    r = dav(stack, "PROPFIND", href, propfind_body(("DAV:", "displayname")), u["auth"],
            {"Depth": "0"})
    expect(r.status == 404, "PROPFIND deleted: %s" % r.describe())
    # The last calendar stays.
    r = dav(stack, "DELETE", href2, None, u["auth"])
    expect(r.status == 204, "DELETE plain: %s" % r.describe())
    last, _ = default_calendar_href(stack, u)
    r = dav(stack, "DELETE", last, None, u["auth"])
    expect(r.status in (403, 409), "DELETE of the last calendar: %s" % r.describe())
    expect(b"last" in r.raw, "no reason given: %r" % r.raw[:300])
    expect(len(calendars_rest(stack, u)) == 1, "last calendar deleted")


def test_xml_with_dtd_refused(stack):
    need_dav(stack)
    u = dav_user(stack)
    secret_file = '<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY x SYSTEM "file:///etc/passwd">]>' \
                  '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname>' \
                  '</d:prop></d:propfind>'
    laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + "".join(
        '<!ENTITY %s "%s">' % (chr(ord("b") + i), ("&%s;" % chr(ord("a") + i)) * 10)
        for i in range(8)) + ']><d:propfind xmlns:d="DAV:"><d:prop><d:x>&i;</d:x>' \
        '</d:prop></d:propfind>'
    internal = '<?xml version="1.0"?><!DOCTYPE d:propfind><d:propfind xmlns:d="DAV:">' \
               '<d:allprop/></d:propfind>'
    for why, body in (("external entity", secret_file), ("billion laughs", laughs),
                      ("doctype", internal)):
        t = time.monotonic()
        r = dav(stack, "PROPFIND", u["home"], body, u["auth"], {"Depth": "0"})
        expect(r.status == 400, "%s: %s" % (why, r.describe()))
        expect(b"root:" not in r.raw and b"aaaaaaaaaaaaaaaaaaaa" not in r.raw,
               "%s: expanded: %r" % (why, r.raw[:200]))
        expect(time.monotonic() - t < 2, "%s: slow" % why)
    # Not well-formed, not XML, not a propfind, a prefix never declared.
    for body in ('<d:propfind xmlns:d="DAV:"><d:prop>', "hello", '<x:propfind xmlns:x="urn:x"/>',
                 '<d:propfind><d:allprop/></d:propfind>'):
        r = dav(stack, "PROPFIND", u["home"], body, u["auth"], {"Depth": "0"})
        expect(r.status == 400, "%r: %s" % (body, r.describe()))


def test_body_caps(stack):
    need_dav(stack)
    u = dav_user(stack)
    big = '<d:propfind xmlns:d="DAV:"><d:prop>' + "<d:displayname/>" * 20000 + \
          '</d:prop></d:propfind>'
    expect(len(big) > 256 * 1024, "test body too small")
    r = dav(stack, "PROPFIND", u["home"], big, u["auth"], {"Depth": "0"})
    expect(r.status == 413, "oversized XML: %s" % r.describe())
    deep = '<d:propfind xmlns:d="DAV:"><d:prop>' + "<d:x>" * 40 + "</d:x>" * 40 + \
           '</d:prop></d:propfind>'
    r = dav(stack, "PROPFIND", u["home"], deep, u["auth"], {"Depth": "0"})
    expect(r.status == 400, "deep XML: %s" % r.describe())
    many = '<d:propfind xmlns:d="DAV:"><d:prop>' + "<d:x/>" * 12000 + '</d:prop></d:propfind>'
    r = dav(stack, "PROPFIND", u["home"], many, u["auth"], {"Depth": "0"})
    expect(r.status == 400, "12000 elements: %s" % r.describe())


def test_chunked_body(stack):
    """A body sent without Content-Length (chunked, as some clients do)
    is read, not taken for an empty one (which would mean allprop)."""
    need_dav(stack)
    u = dav_user(stack)
    body = propfind_body((C[1:-1], "calendar-home-set")).encode()
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    try:
        hdrs = dict(u["auth"], **XML)
        hdrs["Depth"] = "0"
        conn.request("PROPFIND", u["principal"], body=iter([body[:40], body[40:]]),
                     headers=hdrs, encode_chunked=True)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    expect(resp.status == 207, "chunked PROPFIND: %d %r" % (resp.status, raw[:200]))
    p = one(ET.fromstring(raw), u["principal"], "chunked")
    expect(list(p["200"]) == [C + "calendar-home-set"],
           "chunked body not read: %r" % {k: list(v) for k, v in p.items()})


def test_unknown_methods_405(stack):
    need_dav(stack)
    u = dav_user(stack)
    for method in ("FROB", "MKCOL", "LOCK", "UNLOCK", "COPY", "MOVE", "ACL", "PATCH", "POST"):
        # Methods no resource takes are refused even before sign-in;
        # PATCH and POST are HTTP's own, checked after it like the rest.
        for auth in ((None, u["auth"]) if method not in ("PATCH", "POST") else (u["auth"],)):
            r = dav(stack, method, u["home"], None, auth)
            expect(r.status == 405, "%s (auth %s): %s" % (method, bool(auth), r.describe()))
            allow = [m.strip() for m in (r.headers.get("Allow") or "").split(",")]
            expect("PROPFIND" in allow and "OPTIONS" in allow and method not in allow,
                   "%s: Allow %r" % (method, allow))
    # A method DAV knows, where it does not apply.
    r = dav(stack, "MKCALENDAR", u["principal"], None, u["auth"])
    expect(r.status == 405 and "PROPFIND" in (r.headers.get("Allow") or ""),
           "MKCALENDAR on the principal: %s" % r.describe())


def test_isolation(stack):
    need_dav(stack)
    a = dav_user(stack)
    b = dav_user(stack)
    b_href, b_cal = default_calendar_href(stack, b)
    # A secret in B's calendar name that must never show to A.
    r = dav(stack, "PROPPATCH", b_href, proppatch("<d:displayname>B-secret</d:displayname>"),
            b["auth"])
    multistatus(r, "B names its calendar")
    guessed = "/dav/calendars/%s/" % uuid.uuid4()
    targets = [b["principal"], b["home"], b_href, b_href + "%s.ics" % uuid.uuid4(),
               b["home"] + "newcal/", guessed, guessed + "default/",
               "/dav/principals/%s/" % uuid.uuid4()]
    bodies = {"PROPFIND": propfind_body(("DAV:", "displayname"), ("DAV:", "sync-token")),
              "PROPPATCH": proppatch("<d:displayname>A was here</d:displayname>"),
              "REPORT": '<c:calendar-query xmlns:d="DAV:" xmlns:c="%s"><d:prop><d:getetag/>'
                        '</d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter>'
                        '</c:calendar-query>' % C[1:-1],
              "PUT": None, "GET": None, "HEAD": None, "DELETE": None, "MKCALENDAR": None}
    for path in targets:
        for method, body in bodies.items():
            hdrs = {"Depth": "1"}
            if method == "PUT":
                body = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
                hdrs["Content-Type"] = "text/calendar"
            r = dav(stack, method, path, body, a["auth"], hdrs)
            expect(r.status in (403, 404), "A %s %s: %s" % (method, path, r.describe()))
            expect(b"B-secret" not in r.raw and b["email"].encode() not in r.raw,
                   "A %s %s: leaks %r" % (method, path, r.raw[:300]))
    now = [c for c in calendars_rest(stack, b) if c["id"] == b_cal["id"]]
    expect(len(now) == 1 and now[0]["name"] == "B-secret", "B's calendar changed: %r" % now)
    expect(len(calendars_rest(stack, b)) == 1, "a calendar was made in B's home")


def test_ios_like_discovery(stack):
    """The requests iOS/macOS make when an account is added, in order, with
    the property lists they send (many of them unknown here, in namespaces
    of their own): each step answers what the next one needs."""
    need_dav(stack)
    u = dav_user(stack)
    minimal = {"Depth": "0", "Brief": "t", "Prefer": "return=minimal"}
    body = propfind_body(("DAV:", "current-user-principal"), ("DAV:", "principal-URL"),
                         ("DAV:", "resourcetype"))
    r = stack.request("PROPFIND", "/.well-known/caldav", body, dict(XML, **minimal))
    expect(r.status == 301, "well-known: %s" % r.describe())
    r = dav(stack, "PROPFIND", "/dav/", body, None, minimal)
    expect(r.status == 401 and r.headers.get("WWW-Authenticate") == CHALLENGE,
           "anonymous first: %s" % r.describe())
    root = multistatus(dav(stack, "PROPFIND", "/dav/", body, u["auth"], minimal), "root")
    principal = one(root, "/dav/", "root")["200"][D + "current-user-principal"][0].text
    r = dav(stack, "OPTIONS", principal, None, u["auth"])
    expect("calendar-access" in (r.headers.get("DAV") or ""), "OPTIONS principal")
    me = "{http://me.com/_namespace/}"
    principal_props = (
        '<A:propfind xmlns:A="DAV:"><A:prop>'
        '<B:calendar-home-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<B:calendar-user-address-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<A:current-user-principal/><A:displayname/>'
        '<C:dropbox-home-URL xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:email-address-set xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:notification-URL xmlns:C="http://calendarserver.org/ns/"/>'
        '<A:principal-collection-set/><A:principal-URL/><A:resource-id/>'
        '<B:schedule-inbox-URL xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<B:schedule-outbox-URL xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<A:supported-report-set/>'
        '<D:quota xmlns:D="http://me.com/_namespace/"/>'
        '</A:prop></A:propfind>')
    root = multistatus(dav(stack, "PROPFIND", principal, principal_props, u["auth"],
                           {"Depth": "0"}), "principal")
    p = one(root, principal, "principal")
    home = p["200"][C + "calendar-home-set"][0].text
    expect(home == u["home"], "home %r" % home)
    expect(me + "quota" in p["404"] and C + "schedule-inbox-URL" in p["404"],
           "unknown principal properties not 404: %r" % list(p["404"]))
    calendar_props = (
        '<A:propfind xmlns:A="DAV:"><A:prop>'
        '<A:add-member/><C:allowed-sharing-modes xmlns:C="http://calendarserver.org/ns/"/>'
        '<D:autoprovisioned xmlns:D="http://apple.com/ns/ical/"/>'
        '<E:bulk-requests xmlns:E="http://me.com/_namespace/"/>'
        '<D:calendar-color xmlns:D="http://apple.com/ns/ical/"/>'
        '<B:calendar-description xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<B:calendar-free-busy-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<D:calendar-order xmlns:D="http://apple.com/ns/ical/"/>'
        '<B:calendar-timezone xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<A:current-user-privilege-set/>'
        '<B:default-alarm-vevent-date xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<B:default-alarm-vevent-datetime xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<A:displayname/><C:getctag xmlns:C="http://calendarserver.org/ns/"/>'
        '<D:language-code xmlns:D="http://apple.com/ns/ical/"/>'
        '<D:location-code xmlns:D="http://apple.com/ns/ical/"/>'
        '<A:owner/><C:pre-publish-url xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:publish-url xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:push-transports xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:pushkey xmlns:C="http://calendarserver.org/ns/"/>'
        '<A:quota-available-bytes/><A:quota-used-bytes/>'
        '<D:refreshrate xmlns:D="http://apple.com/ns/ical/"/>'
        '<A:resource-id/><A:resourcetype/>'
        '<B:schedule-calendar-transp xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<B:schedule-default-calendar-URL xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<C:source xmlns:C="http://calendarserver.org/ns/"/>'
        '<C:subscribed-strip-alarms xmlns:C="http://calendarserver.org/ns/"/>'
        '<B:supported-calendar-component-set xmlns:B="urn:ietf:params:xml:ns:caldav"/>'
        '<A:supported-report-set/><A:sync-token/>'
        '</A:prop></A:propfind>')
    root = multistatus(dav(stack, "PROPFIND", home, calendar_props, u["auth"], {"Depth": "1"}),
                       "home Depth 1")
    rs = responses(root)
    cals = [h for h in rs if h != home]
    expect(len(cals) == 1, "calendars %r" % cals)
    c = rs[cals[0]]
    expect({D + "sync-token", CS + "getctag", A + "calendar-color", D + "displayname",
            C + "supported-calendar-component-set", D + "current-user-privilege-set"}
           <= set(c["200"]), "calendar 200s %r" % list(c["200"]))
    expect(CS + "pushkey" in c["404"] and "{http://me.com/_namespace/}bulk-requests" in c["404"],
           "calendar 404s %r" % list(c["404"]))
    reports = {r[0].tag for r in rs[home]["200"][D + "supported-report-set"].iter(D + "report")}
    expect(D + "sync-collection" in reports, "home reports %r" % reports)


def test_credentials_never_logged(stack):
    """Neither the app password nor the Authorization header (as sent or
    decoded) reaches a log, for right and wrong credentials alike."""
    need_dav(stack)
    u = dav_user(stack)
    wrong = "wxyz-wxyz-wxyz-wxyz-wxyz-wxyz-wxyz"
    body = propfind_body(("DAV:", "current-user-principal"))
    for auth in (u["auth"], basic(u["email"], wrong)):
        dav(stack, "PROPFIND", "/dav/", body, auth, {"Depth": "0"})
        dav(stack, "FROB", "/dav/", None, auth)
    time.sleep(1)  # nginx writes its access log line after the answer
    secrets = [u["app_password"], wrong, u["auth"]["Authorization"].split()[1],
               basic(u["email"], wrong)["Authorization"].split()[1]]
    logdir = os.path.join(stack.var, "log")
    seen = 0
    for name in os.listdir(logdir):
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        seen += len(data)
        for s in secrets:
            expect(s.encode() not in data, "%s holds a credential" % name)
    expect(seen > 0, "no logs to look at in %s" % logdir)


def test_database_down_503(stack):
    """With the database gone, signed-in requests answer 503 with
    Retry-After (never 401: the app would ask the user for a password);
    what needs no database still answers."""
    need_dav(stack)
    u = dav_user(stack)
    body = propfind_body(("DAV:", "current-user-principal"))
    stack.pg_stop()
    try:
        r = dav(stack, "PROPFIND", u["principal"], body, u["auth"], {"Depth": "0"})
        expect(r.status == 503, "database down: %s" % r.describe())
        expect(r.headers.get("Retry-After"), "no Retry-After")
        expect(r.headers.get("Content-Type", "").startswith("application/xml"),
               "503 body type %r" % r.headers.get("Content-Type"))
        r = stack.request("OPTIONS", u["principal"])
        expect(r.status == 200 and "calendar-access" in (r.headers.get("DAV") or ""),
               "OPTIONS with the database down: %s" % r.describe())
        r = stack.request("PROPFIND", "/.well-known/caldav")
        expect(r.status == 301, "well-known with the database down: %s" % r.describe())
    finally:
        stack.pg_start()
    deadline = time.monotonic() + 20
    while True:
        r = dav(stack, "PROPFIND", u["principal"], body, u["auth"], {"Depth": "0"})
        if r.status == 207 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    multistatus(r, "after the database is back")


TESTS = [
    ("wellknown_redirects_any_method", test_wellknown_redirects_any_method),
    ("options_needs_no_auth", test_options_needs_no_auth),
    ("anonymous_gets_basic_challenge", test_anonymous_gets_basic_challenge),
    ("bearer_and_account_password_refused", test_bearer_and_account_password_refused),
    ("discovery_principal_and_home", test_discovery_principal_and_home),
    ("calendar_properties", test_calendar_properties),
    ("depth_one_lists_objects", test_depth_one_lists_objects),
    ("allprop_and_propname", test_allprop_and_propname),
    ("depth_infinity_refused", test_depth_infinity_refused),
    ("proppatch_shows_in_rest", test_proppatch_shows_in_rest),
    ("dead_properties", test_dead_properties),
    ("mkcalendar_keeps_timezone", test_mkcalendar_keeps_timezone),
    ("mkcalendar_and_delete", test_mkcalendar_and_delete),
    ("xml_with_dtd_refused", test_xml_with_dtd_refused),
    ("body_caps", test_body_caps),
    ("chunked_body", test_chunked_body),
    ("unknown_methods_405", test_unknown_methods_405),
    ("isolation", test_isolation),
    ("ios_like_discovery", test_ios_like_discovery),
    ("credentials_never_logged", test_credentials_never_logged),
    ("database_down_503", test_database_down_503),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
