#!/usr/bin/python3
"""App passwords (issue 14) on a throwaway stack: POST/GET/DELETE
/api/v1/me/app-passwords (the password shown once, never listed, at least
16 characters, kept only as SHA-256, a cap per account, another user's id
answered 404); a password reset, "sign out everywhere", account disable and
account deletion remove them; an app password never signs in at
/api/v1/auth/login; the Apple configuration profile.

The tests named dav_* sign in to the CalDAV root with HTTP Basic (the DAV
layer calls auth/apppass's apppass_check): right credentials 207; wrong
ones, the account password, a Bearer token, a revoked app password, one
from before a sign-out everywhere, a reset or a disable 401 with
WWW-Authenticate Basic; failures slow down sign-in like wrong passwords at
/api/v1/auth/login. They SKIP while /dav/ is not served yet (404/405).
Run: /usr/bin/python3 tests/integration/test_apppass.py [NAME...]"""

import base64
import hashlib
import json
import os
import plistlib
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, Skip, check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post, spread_source  # noqa: E402

ADMIN = os.path.join(BUILD, "src", "aurora-admin")
PASSWORD_RE = re.compile(r"^[a-z]{4}(-[a-z]{4}){6}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PATH = "/api/v1/me/app-passwords"
MAX = 50
PROPFIND = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/>'
            '</d:prop></d:propfind>')


# ---------------------------------------------------------------- helpers

def lit(s):
    return "'" + str(s).replace("'", "''") + "'"


def json_req(stack, method, path, token, body=None):
    hdrs = bearer(token)
    data = None
    if body is not None:
        hdrs["Content-Type"] = "application/json"
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return stack.request(method, path, data, hdrs)


def create(stack, token, name="Phone"):
    r = json_req(stack, "POST", PATH, token, {"name": name})
    expect(r.status == 201, "create %r: %s" % (name, r.describe()))
    return r.body


def listing(stack, token):
    r = json_req(stack, "GET", PATH, token)
    expect(r.status == 200, "list: %s" % r.describe())
    return r


def rows_of(stack, user_id):
    return int(stack.psql("SELECT count(*) FROM app_passwords WHERE user_id = %s"
                          % lit(user_id)).strip())


def admin(stack, *args):
    return subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)


def reset_password(stack, u, new_password):
    m0 = users.last_mail_id(stack)
    r = post(stack, "/api/v1/auth/forgot", {"email": u["email"]})
    expect(r.status == 202, "forgot: %s" % r.describe())
    code = users.read_code(stack, u["email"], "reset", m0)
    r = post(stack, "/api/v1/auth/reset",
             {"email": u["email"], "code": code, "new_password": new_password})
    expect(r.status == 204, "reset: %s" % r.describe())


def basic(email, password):
    raw = ("%s:%s" % (email, password)).encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def propfind(stack, auth=None, source=None):
    hdrs = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
    hdrs.update(auth or {})
    return stack.request("PROPFIND", "/dav/", PROPFIND, hdrs, source=source)


def need_dav(stack):
    """Skips the calling test while the DAV layer is not served."""
    r = propfind(stack)
    if r.status in (404, 405):
        raise Skip("the DAV layer is not there yet: PROPFIND /dav/ answered %d "
                   "(these tests run once src/dav/ lands)" % r.status)


def dav_ok(stack, auth, why):
    r = propfind(stack, auth, source=spread_source())
    expect(r.status == 207, "%s: PROPFIND /dav/ answered %s" % (why, r.describe()))


def dav_refused(stack, auth, why):
    # A fresh source address each time: the per-address budget of
    # sign-in failures is not what these tests are about.
    r = propfind(stack, auth, source=spread_source())
    expect(r.status == 401, "%s: PROPFIND /dav/ answered %s, expected 401"
           % (why, r.describe()))
    got = r.headers.get_all("WWW-Authenticate") or []
    expect(any(h.startswith("Basic ") and 'realm="Aurora Time"' in h for h in got),
           "%s: WWW-Authenticate %r, expected Basic realm=\"Aurora Time\"" % (why, got))


# ---------------------------------------------------------------- REST

def test_create_list_delete(stack):
    u = users.create_user(stack)
    tok = u["access_token"]
    expect(listing(stack, tok).body == {"items": []}, "a new account lists app passwords")
    r = json_req(stack, "POST", PATH, tok, {"name": "iPhone ☎"})
    expect(r.status == 201, "create: %s" % r.describe())
    a = r.body
    expect(set(a) == {"id", "name", "password", "created_at"}, "create answered %r" % a)
    expect(UUID_RE.match(a["id"]), "id %r" % a["id"])
    expect(a["name"] == "iPhone ☎", "name %r" % a["name"])
    expect(TIME_RE.match(a["created_at"]), "created_at %r" % a["created_at"])
    pw = a["password"]
    expect(PASSWORD_RE.match(pw), "password %r is not 7 groups of 4 letters" % pw)
    expect(len(pw.replace("-", "")) >= 16, "password %r is shorter than 16" % pw)
    cc = r.headers.get("Cache-Control") or ""
    expect("no-store" in cc, "the answer holding the password may be cached: %r" % cc)

    b = create(stack, tok, "Laptop")
    expect(b["password"] != pw, "two app passwords are the same")
    r = listing(stack, tok)
    items = r.body["items"]
    expect([i["id"] for i in items] == [a["id"], b["id"]], "listed %r" % items)
    for i in items:
        expect(set(i) == {"id", "name", "created_at", "last_used_at"}, "item %r" % i)
        expect(i["last_used_at"] is None, "never used, but last_used_at %r" % i["last_used_at"])
    expect(pw not in r.raw.decode("utf-8") and pw.replace("-", "") not in r.raw.decode("utf-8"),
           "the listing holds the password")

    r = json_req(stack, "DELETE", PATH + "/" + a["id"], tok)
    expect(r.status == 204, "delete: %s" % r.describe())
    expect([i["id"] for i in listing(stack, tok).body["items"]] == [b["id"]],
           "the deleted one is still listed")
    r = json_req(stack, "DELETE", PATH + "/" + a["id"], tok)
    check_json_error(r, 404, "not_found")
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "%27"):
        r = json_req(stack, "DELETE", PATH + "/" + bad, tok)
        check_json_error(r, 404, "not_found")
    expect(rows_of(stack, u["user_id"]) == 1, "rows left after one delete")


def test_another_users_id_is_404(stack):
    u = users.create_user(stack)
    v = users.create_user(stack)
    a = create(stack, u["access_token"])
    r = json_req(stack, "DELETE", PATH + "/" + a["id"], v["access_token"])
    check_json_error(r, 404, "not_found")
    expect(listing(stack, v["access_token"]).body["items"] == [],
           "another user lists the app password")
    expect([i["id"] for i in listing(stack, u["access_token"]).body["items"]] == [a["id"]],
           "another user's DELETE removed it")


def test_names_checked(stack):
    u = users.create_user(stack)
    tok = u["access_token"]
    for body, why in (({}, "no name"), ({"name": ""}, "empty"), ({"name": "   "}, "spaces"),
                      ({"name": "x" * 101}, "101 characters"), ({"name": "a\nb"}, "newline"),
                      ({"name": 7}, "a number"), ({"name": "ok", "secret": "x"}, "unknown field"),
                      ({"name": "ok", "password": "mine"}, "a chosen password")):
        r = json_req(stack, "POST", PATH, tok, body)
        check_json_error(r, 422, "validation_failed")
        expect(r.status == 422, "%s: %s" % (why, r.describe()))
    r = json_req(stack, "POST", PATH, tok, "not json")
    check_json_error(r, 400, "invalid_json")
    create(stack, tok, "é" * 100)
    expect(rows_of(stack, u["user_id"]) == 1, "a refused name left a row")


def test_cap_per_account(stack):
    u = users.create_user(stack)
    tok = u["access_token"]
    for i in range(MAX):
        create(stack, tok, "app %d" % i)
    r = json_req(stack, "POST", PATH, tok, {"name": "one too many"})
    check_json_error(r, 409, "conflict")
    expect(str(MAX) in r.body["error"]["message"], "the message does not say the cap: %r"
           % r.body["error"]["message"])
    expect(rows_of(stack, u["user_id"]) == MAX, "more than the cap stored")
    first = listing(stack, tok).body["items"][0]["id"]
    r = json_req(stack, "DELETE", PATH + "/" + first, tok)
    expect(r.status == 204, "delete: %s" % r.describe())
    create(stack, tok, "room again")


def test_stored_only_as_hash(stack):
    u = users.create_user(stack)
    a = create(stack, u["access_token"])
    pw = a["password"]
    letters = pw.replace("-", "")
    row = stack.psql("SELECT encode(secret_sha256, 'hex'), name FROM app_passwords WHERE id = %s"
                     % lit(a["id"])).strip().split("|")
    expect(row[0] == hashlib.sha256(letters.encode()).hexdigest(),
           "secret_sha256 is not SHA-256 of the password's letters")
    # No column of any table holds the password, with or without hyphens.
    cols = stack.psql("SELECT c.table_name, c.column_name FROM information_schema.columns c "
                      "JOIN information_schema.tables t USING (table_schema, table_name) "
                      "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'")
    for line in cols.strip().splitlines():
        table, col = line.split("|")
        n = stack.psql('SELECT count(*) FROM "%s" WHERE "%s"::text LIKE %s OR "%s"::text LIKE %s'
                       % (table, col, lit("%" + letters + "%"), col, lit("%" + pw + "%")))
        expect(n.strip() == "0", "%s.%s holds the password" % (table, col))


def test_routes_need_a_token(stack):
    for method, path in (("GET", PATH), ("POST", PATH), ("DELETE", PATH + "/x"),
                         ("GET", "/api/v1/me/caldav.mobileconfig")):
        r = stack.request(method, path, "{}" if method == "POST" else None,
                          {"Content-Type": "application/json"} if method == "POST" else {})
        check_json_error(r, 401, "unauthorized")


def test_app_password_never_signs_in(stack):
    """account_login compares with users.password_hash only."""
    u = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    for attempt in (pw, pw.replace("-", "")):
        r = users.login(stack, u["email"], attempt, source=spread_source())
        check_json_error(r, 401, "unauthorized")
    r = users.login(stack, u["email"], u["password"], source=spread_source())
    expect(r.status == 200, "the account password stopped working: %s" % r.describe())


def test_logout_all_removes_them(stack):
    u = users.create_user(stack)
    create(stack, u["access_token"])
    create(stack, u["access_token"], "Laptop")
    r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(u["access_token"]))
    expect(r.status == 204, "logout-all: %s" % r.describe())
    expect(rows_of(stack, u["user_id"]) == 0, "app passwords outlive sign out everywhere")
    tok = users.login(stack, u["email"], u["password"]).body["access_token"]
    expect(listing(stack, tok).body["items"] == [], "listed after sign out everywhere")
    create(stack, tok, "after")
    expect(len(listing(stack, tok).body["items"]) == 1, "a new one is not listed")


def test_reset_removes_them(stack):
    u = users.create_user(stack)
    create(stack, u["access_token"])
    reset_password(stack, u, "a new password 1")
    expect(rows_of(stack, u["user_id"]) == 0, "app passwords outlive a password reset")


def test_disable_removes_them(stack):
    u = users.create_user(stack)
    create(stack, u["access_token"])
    r = admin(stack, "user", "disable", u["email"])
    expect(r.returncode == 0, "disable: %s" % r.stdout)
    expect(rows_of(stack, u["user_id"]) == 0, "app passwords outlive an account disable")
    r = admin(stack, "user", "enable", u["email"])
    expect(r.returncode == 0, "enable: %s" % r.stdout)


def test_passwords_from_before_signout_not_listed(stack):
    """One made beside a sign-out (created_at before signed_out_at) is not
    listed even if its row is still there."""
    u = users.create_user(stack)
    a = create(stack, u["access_token"])
    # The sign-out lies between the password's creation and the token's.
    stack.psql("UPDATE app_passwords SET created_at = now() - interval '1 hour' WHERE id = %s"
               % lit(a["id"]))
    stack.psql("UPDATE users SET signed_out_at = now() - interval '30 minutes' WHERE id = %s"
               % lit(u["user_id"]))
    expect(listing(stack, u["access_token"]).body["items"] == [],
           "a password from before the sign-out is listed")
    expect(rows_of(stack, u["user_id"]) == 1, "the test row went away")
    stack.psql("UPDATE users SET signed_out_at = '-infinity' WHERE id = %s" % lit(u["user_id"]))
    expect([i["id"] for i in listing(stack, u["access_token"]).body["items"]] == [a["id"]],
           "listing does not follow signed_out_at")


def test_account_deletion_removes_them(stack):
    u = users.create_user(stack)
    create(stack, u["access_token"])
    r = json_req(stack, "DELETE", "/api/v1/me", u["access_token"])
    expect(r.status == 204, "delete account: %s" % r.describe())
    expect(rows_of(stack, u["user_id"]) == 0, "app passwords outlive their account")


def test_mobileconfig(stack):
    addr = users.unique_email("o'hara&co")
    u = users.create_user(stack, email=addr)
    pw = create(stack, u["access_token"])["password"]
    r = json_req(stack, "GET", "/api/v1/me/caldav.mobileconfig", u["access_token"])
    expect(r.status == 200, "profile: %s" % r.describe())
    expect(r.headers.get("Content-Type") == "application/x-apple-aspen-config",
           "Content-Type %r" % r.headers.get("Content-Type"))
    expect("attachment" in (r.headers.get("Content-Disposition") or ""), "not a download")
    raw = r.raw.decode("utf-8")
    expect("&amp;" in raw and "&apos;" in raw, "the address is not escaped in the XML")
    expect(pw not in raw and pw.replace("-", "") not in raw and u["password"] not in raw,
           "the profile holds a password")
    p = plistlib.loads(r.raw)
    expect(p["PayloadType"] == "Configuration" and p["PayloadVersion"] == 1, "top %r" % p)
    expect(len(p["PayloadContent"]) == 1, "payloads %r" % p["PayloadContent"])
    c = p["PayloadContent"][0]
    expect(c["PayloadType"] == "com.apple.caldav.account", "payload type %r" % c["PayloadType"])
    expect(c["CalDAVUsername"] == addr, "username %r" % c["CalDAVUsername"])
    public = stack.conf()["public_url"].strip('"')
    m = re.match(r"^(https?)://([^/:]+)(?::(\d+))?", public)
    expect(c["CalDAVHostName"] == m.group(2), "host %r, public_url %r"
           % (c["CalDAVHostName"], public))
    expect(c["CalDAVUseSSL"] == (m.group(1) == "https"), "UseSSL %r" % c["CalDAVUseSSL"])
    port = int(m.group(3) or (443 if m.group(1) == "https" else 80))
    expect(c["CalDAVPort"] == port, "port %r, expected %d" % (c["CalDAVPort"], port))
    expect(c["CalDAVPrincipalURL"] == "%s/dav/principals/%s/" % (public, u["user_id"]),
           "principal %r" % c["CalDAVPrincipalURL"])
    expect("CalDAVPassword" not in c, "the profile sets a password")
    expect(UUID_RE.match(c["PayloadUUID"].lower()) and UUID_RE.match(p["PayloadUUID"].lower()),
           "payload UUIDs %r %r" % (c["PayloadUUID"], p["PayloadUUID"]))


# ---------------------------------------------------------------- HTTP Basic at /dav/

def test_dav_basic_right_credentials(stack):
    need_dav(stack)
    u = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    dav_ok(stack, basic(u["email"], pw), "email and app password")
    dav_ok(stack, basic(u["email"].upper(), pw), "the address in capitals")
    dav_ok(stack, basic(u["email"], pw.replace("-", "").upper()),
           "the password without hyphens, in capitals")


def test_dav_basic_refusals(stack):
    need_dav(stack)
    u = users.create_user(stack)
    v = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    other = create(stack, v["access_token"])["password"]
    dav_refused(stack, None, "no credentials")
    dav_refused(stack, basic(u["email"], pw[:-1] + ("a" if pw[-1] != "a" else "b")),
                "a wrong app password")
    dav_refused(stack, basic(u["email"], u["password"]), "the account password")
    dav_refused(stack, basic(u["email"], other), "another account's app password")
    dav_refused(stack, basic(v["email"], pw), "my app password with another address")
    dav_refused(stack, bearer(u["access_token"]), "a Bearer token")
    # Those were failures of u and v; the right password still works.
    dav_ok(stack, basic(u["email"], pw), "after the refusals")


def test_dav_revoked_is_refused_next_request(stack):
    need_dav(stack)
    u = users.create_user(stack)
    a = create(stack, u["access_token"])
    dav_ok(stack, basic(u["email"], a["password"]), "before the revocation")
    r = json_req(stack, "DELETE", PATH + "/" + a["id"], u["access_token"])
    expect(r.status == 204, "delete: %s" % r.describe())
    dav_refused(stack, basic(u["email"], a["password"]), "the very next request after DELETE")


def test_dav_logout_all_reset_disable(stack):
    need_dav(stack)
    u = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    dav_ok(stack, basic(u["email"], pw), "a new app password")
    r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(u["access_token"]))
    expect(r.status == 204, "logout-all: %s" % r.describe())
    dav_refused(stack, basic(u["email"], pw), "after sign out everywhere")

    tok = users.login(stack, u["email"], u["password"]).body["access_token"]
    pw = create(stack, tok)["password"]
    dav_ok(stack, basic(u["email"], pw), "one made after sign out everywhere")
    reset_password(stack, u, "a new password 1")
    dav_refused(stack, basic(u["email"], pw), "after a password reset")

    tok = users.login(stack, u["email"], "a new password 1").body["access_token"]
    pw = create(stack, tok)["password"]
    dav_ok(stack, basic(u["email"], pw), "one made after the reset")
    r = admin(stack, "user", "disable", u["email"])
    expect(r.returncode == 0, "disable: %s" % r.stdout)
    dav_refused(stack, basic(u["email"], pw), "after aurora-admin user disable")
    r = admin(stack, "user", "enable", u["email"])
    expect(r.returncode == 0, "enable: %s" % r.stdout)
    dav_refused(stack, basic(u["email"], pw), "the pre-disable app password after enable")


def test_dav_refused_account_states(stack):
    """The row alone decides nothing: a disabled, an unconfirmed account and
    a password from before signed_out_at are refused even if the row is
    still there (the flag set by hand, as another tool might)."""
    need_dav(stack)
    u = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    uid = lit(u["user_id"])
    for set_, reset, why in (
            ("disabled = true", "disabled = false", "disabled"),
            ("email_verified = false", "email_verified = true", "unconfirmed"),
            ("signed_out_at = now() + interval '1 minute'", "signed_out_at = '-infinity'",
             "signed out after it was made")):
        stack.psql("UPDATE users SET %s WHERE id = %s" % (set_, uid))
        dav_refused(stack, basic(u["email"], pw), why)
        stack.psql("UPDATE users SET %s WHERE id = %s" % (reset, uid))
        dav_ok(stack, basic(u["email"], pw), "no longer " + why)


def test_dav_last_used_at(stack):
    need_dav(stack)
    u = users.create_user(stack)
    a = create(stack, u["access_token"])
    dav_ok(stack, basic(u["email"], a["password"]), "first use")
    items = listing(stack, u["access_token"]).body["items"]
    first = items[0]["last_used_at"]
    expect(first is not None and TIME_RE.match(first), "last_used_at after use: %r" % first)
    q = "SELECT last_used_at FROM app_passwords WHERE id = %s" % lit(a["id"])
    exact = stack.psql(q).strip()
    for _ in range(3):
        dav_ok(stack, basic(u["email"], a["password"]), "again")
    expect(stack.psql(q).strip() == exact, "last_used_at written on every request")
    # More than a minute ago: the next use moves it.
    stack.psql("UPDATE app_passwords SET last_used_at = now() - interval '2 minutes' "
               "WHERE id = %s" % lit(a["id"]))
    old = stack.psql(q).strip()
    dav_ok(stack, basic(u["email"], a["password"]), "after a minute")
    expect(stack.psql(q).strip() != old, "last_used_at did not move after a minute")


def test_dav_failures_slow_down_sign_in(stack):
    """Wrong Basic passwords are sign-in failures of the address: past
    login_max_failures they are answered with Retry-After, and the password
    form is slowed down too. The owner's app password keeps working."""
    need_dav(stack)
    u = users.create_user(stack)
    pw = create(stack, u["access_token"])["password"]
    limit = int(stack.conf().get("login_max_failures", "5"))
    for i in range(limit):
        dav_refused(stack, basic(u["email"], "wrong password %d" % i), "failure %d" % i)
    r = propfind(stack, basic(u["email"], "wrong again"), source=spread_source())
    expect(r.status in (401, 429), "past the limit: %s" % r.describe())
    ra = r.headers.get("Retry-After")
    expect(ra is not None and ra.isdigit() and int(ra) > 0,
           "past the limit: no Retry-After (%r): %s" % (ra, r.describe()))
    r = users.login(stack, u["email"], u["password"], source=spread_source())
    check_json_error(r, 429, "rate_limited")
    dav_ok(stack, basic(u["email"], pw), "the right app password while slowed down")


def test_dav_failures_per_address(stack):
    """The client address's budget (login_max_failures_addr) counts Basic
    failures across addresses of mail."""
    need_dav(stack)
    limit = int(stack.conf().get("login_max_failures_addr", "20"))
    src = "127.0.2.7"
    for i in range(limit):
        r = propfind(stack, basic(users.unique_email("probe"), "wrong"), source=src)
        expect(r.status == 401, "failure %d: %s" % (i, r.describe()))
    r = propfind(stack, basic(users.unique_email("probe"), "wrong"), source=src)
    expect(r.status in (401, 429) and (r.headers.get("Retry-After") or "").isdigit(),
           "past the address limit: %s" % r.describe())


TESTS = [
    ("create_list_delete", test_create_list_delete),
    ("another_users_id_is_404", test_another_users_id_is_404),
    ("names_checked", test_names_checked),
    ("cap_per_account", test_cap_per_account),
    ("stored_only_as_hash", test_stored_only_as_hash),
    ("routes_need_a_token", test_routes_need_a_token),
    ("app_password_never_signs_in", test_app_password_never_signs_in),
    ("logout_all_removes_them", test_logout_all_removes_them),
    ("reset_removes_them", test_reset_removes_them),
    ("disable_removes_them", test_disable_removes_them),
    ("passwords_from_before_signout_not_listed", test_passwords_from_before_signout_not_listed),
    ("account_deletion_removes_them", test_account_deletion_removes_them),
    ("mobileconfig", test_mobileconfig),
    ("dav_basic_right_credentials", test_dav_basic_right_credentials),
    ("dav_basic_refusals", test_dav_basic_refusals),
    ("dav_revoked_is_refused_next_request", test_dav_revoked_is_refused_next_request),
    ("dav_logout_all_reset_disable", test_dav_logout_all_reset_disable),
    ("dav_refused_account_states", test_dav_refused_account_states),
    ("dav_last_used_at", test_dav_last_used_at),
    ("dav_failures_slow_down_sign_in", test_dav_failures_slow_down_sign_in),
    ("dav_failures_per_address", test_dav_failures_per_address),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
