#!/usr/bin/env python3
"""Sessions and account changes (issue 16): the session list with device
names, where from and last use; signing one session out; the change of
address with a code mailed to the new one (the old one in force until
then, a notice to it afterwards, a taken address indistinguishable, wrong
codes limited); the removal of accounts never confirmed by aurora-remind;
and the security mails (password reset, new app password, new address) in
the SES emulator.

    AURORA_BUILD=var/build python3 tests/integration/test_identity.py [name ...]
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import remind_util  # noqa: E402
import users  # noqa: E402
from stack import expect, run_tests  # noqa: E402

FIREFOX_LINUX = ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                 "Firefox/128.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
                 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
                 "Mobile/15E148 Safari/604.1")
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.0.0"


def auth(token):
    h = users.bearer(token)
    h["Content-Type"] = "application/json"
    return h


def login_as(stack, u, ua, source=None, email=None):
    r = users.post(stack, "/api/v1/auth/login",
                   {"email": email or u["email"], "password": u["password"]},
                   headers={"User-Agent": ua}, source=source)
    expect(r.status == 200, "login: %s" % r.describe())
    return r.body


def sessions(stack, token):
    r = users.request(stack, "GET", "/api/v1/me/sessions", headers=users.bearer(token))
    expect(r.status == 200, "sessions: %s" % r.describe())
    return r.body["items"]


def session_of(stack, token):
    cur = [s for s in sessions(stack, token) if s["current"]]
    expect(len(cur) == 1, "one current session, got %r" % cur)
    return cur[0]


def _send(stack, method, path, body, token):
    """A JSON request with a Bearer token, waiting out nginx's rate limit."""
    data = json.dumps(body)
    for _ in range(40):
        r = stack.request(method, path, data, auth(token))
        if not (r.status == 429 and isinstance(r.body, dict)
                and r.body.get("error", {}).get("message") == users.NGINX_429):
            return r
        time.sleep(0.3)
    return r


def ses_wait(stack, pred, what, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        found = [m for m in stack.ses_emails() if pred(m)]
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("no mail in the SES emulator: %s" % what)
        time.sleep(0.3)


def to_of(m):
    return [a.lower() for a in m.get("destination", {}).get("to", [])]


def text_of(m):
    return m.get("body", {}).get("text", "") or ""


def outbox_rows(stack, sql_where):
    out = stack.psql("SELECT count(*) FROM mail_outbox WHERE " + sql_where).strip()
    return int(out or 0)


# ------------------------------------------------------------------ sessions

def test_session_fields(stack):
    u = users.create_user(stack)
    fx = login_as(stack, u, FIREFOX_LINUX)
    login_as(stack, u, SAFARI_IPHONE)
    login_as(stack, u, EDGE_WINDOWS)
    items = sessions(stack, fx["access_token"])
    expect(len(items) == 4, "four sessions, got %d" % len(items))
    cur = [s for s in items if s["current"]]
    expect(len(cur) == 1, "exactly one current: %r" % items)
    s = cur[0]
    expect(s["device_name"] == "Firefox on Linux", "device %r" % s["device_name"])
    expect(s["network"] == "127.0.0.0/24", "network %r" % s["network"])
    for k in ("id", "signed_in_at", "last_used_at", "expires_at"):
        expect(isinstance(s.get(k), str) and s[k], "field %s in %r" % (k, s))
    names = sorted(x["device_name"] for x in items)
    expect(names == sorted(["Firefox on Linux", "Safari on iPhone", "Edge on Windows",
                            "Unknown device"]), "names %r" % names)
    # Another caller's view marks another session as current.
    other = session_of(stack, u["access_token"])
    expect(other["id"] != s["id"] and other["device_name"] == "Unknown device",
           "create_user's session is its own current one: %r" % other)


def test_last_use_moves_on_refresh(stack):
    u = users.create_user(stack)
    fx = login_as(stack, u, FIREFOX_LINUX)
    sid = session_of(stack, fx["access_token"])["id"]
    stack.psql("UPDATE auth_sessions SET last_used_at = now() - interval '10 minutes', "
               "auth_time = now() - interval '1 hour' WHERE id = '%s'" % sid)
    before = session_of(stack, fx["access_token"])
    r = users.post(stack, "/api/v1/auth/refresh", {"refresh_token": fx["refresh_token"]},
                   headers={"User-Agent": FIREFOX_LINUX})
    expect(r.status == 200, "refresh: %s" % r.describe())
    after = session_of(stack, r.body["access_token"])
    expect(after["id"] == sid, "same session")
    expect(after["last_used_at"] > before["last_used_at"],
           "last use moved: %s -> %s" % (before["last_used_at"], after["last_used_at"]))
    expect(after["signed_in_at"] == before["signed_in_at"], "first use stays")
    # Within the minute a refresh writes nothing: last use stays put.
    stack.psql("UPDATE auth_sessions SET last_used_at = now() - interval '30 seconds' "
               "WHERE id = '%s'" % sid)
    mid = session_of(stack, r.body["access_token"])["last_used_at"]
    r2 = users.post(stack, "/api/v1/auth/refresh", {"refresh_token": r.body["refresh_token"]},
                    headers={"User-Agent": FIREFOX_LINUX})
    expect(r2.status == 200, "second refresh: %s" % r2.describe())
    late = session_of(stack, r2.body["access_token"])["last_used_at"]
    expect(late == mid, "no write within a minute: %s -> %s" % (mid, late))


def test_sign_out_one(stack):
    u = users.create_user(stack)
    fx = login_as(stack, u, FIREFOX_LINUX)
    ph = login_as(stack, u, SAFARI_IPHONE)
    phone = session_of(stack, ph["access_token"])["id"]
    r = users.request(stack, "DELETE", "/api/v1/me/sessions/" + phone,
                      headers=users.bearer(fx["access_token"]))
    expect(r.status == 204, "end one: %s" % r.describe())
    ids = [s["id"] for s in sessions(stack, fx["access_token"])]
    expect(phone not in ids, "the phone's session is gone from the list")
    r = users.post(stack, "/api/v1/auth/refresh", {"refresh_token": ph["refresh_token"]})
    expect(r.status == 401, "its refresh token is refused: %s" % r.describe())
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(ph["access_token"]))
    expect(r.status == 401, "its access token is refused: %s" % r.describe())
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(fx["access_token"]))
    expect(r.status == 200, "the other session goes on: %s" % r.describe())


# ------------------------------------------------------------ change of address

def test_email_change(stack):
    u = users.create_user(stack)
    new = users.unique_email("moved")
    before = users.last_mail_id(stack)
    r = _send(stack, "PATCH", "/api/v1/me", {"email": new}, u["access_token"])
    expect(r.status == 202, "patch: %s" % r.describe())
    expect(r.body.get("pending_email") == new, "pending_email %r" % r.body)
    expect(r.body.get("email") == u["email"], "old address in force: %r" % r.body)
    code = users.read_code(stack, new, "confirm", before)
    # The old address still signs in; the new one does not yet.
    expect(users.login(stack, u["email"], u["password"]).status == 200, "old signs in")
    expect(users.login(stack, new, u["password"]).status == 401, "new not yet")
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": wrong}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "code", "wrong code: %s" % r.describe())
    r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": code}, u["access_token"])
    expect(r.status == 200, "confirm: %s" % r.describe())
    expect(r.body["email"] == new and r.body["email_verified"] is True
           and r.body["pending_email"] is None, "new /me: %r" % r.body)
    expect(users.login(stack, new, u["password"]).status == 200, "new signs in")
    expect(users.login(stack, u["email"], u["password"]).status == 401, "old no more")
    r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": code}, u["access_token"])
    expect(r.status == 422, "the code is single-use: %s" % r.describe())
    mails = ses_wait(stack, lambda m: u["email"].lower() in to_of(m)
                     and "address of your Aurora Time account was changed" in m.get("subject", ""),
                     "notice to the old address")
    t = text_of(mails[-1])
    expect(new in t and "If it was not you" in t, "notice text %r" % t)


def test_email_taken_indistinguishable(stack):
    a = users.create_user(stack)
    b = users.create_user(stack)
    free = users.unique_email("free")
    before = users.last_mail_id(stack)
    r1 = _send(stack, "PATCH", "/api/v1/me", {"email": b["email"].upper()}, a["access_token"])
    r2 = _send(stack, "PATCH", "/api/v1/me", {"email": free}, a["access_token"])
    expect(r1.status == r2.status == 202, "both 202: %s / %s" % (r1.describe(), r2.describe()))
    expect(sorted(r1.body) == sorted(r2.body), "same shape: %r / %r" % (r1.body, r2.body))
    expect(r1.body["pending_email"] == b["email"].upper(), "taken one pending: %r" % r1.body)
    # No code went to the taken address: its owner got a note instead.
    n = outbox_rows(stack, "id > %d AND kind = 'confirm' AND lower(to_addr) = lower('%s')"
                    % (before, b["email"]))
    expect(n == 0, "no code mailed to the taken address (%d)" % n)
    mails = ses_wait(stack, lambda m: b["email"].lower() in to_of(m)
                     and "Someone tried" in m.get("subject", ""), "note to the owner")
    expect("Nothing was changed" in text_of(mails[-1]), "note text")
    # B keeps its address and its sign-in.
    expect(users.login(stack, b["email"], b["password"]).status == 200, "B signs in")


def test_email_wrong_codes_limited(stack):
    u = users.create_user(stack)
    new = users.unique_email("guess")
    before = users.last_mail_id(stack)
    r = _send(stack, "PATCH", "/api/v1/me", {"email": new}, u["access_token"])
    expect(r.status == 202, "patch: %s" % r.describe())
    code = users.read_code(stack, new, "confirm", before)
    wrong = "%06d" % ((int(code) + 7) % 1000000)
    for i in range(5):
        r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": wrong}, u["access_token"])
        expect(r.status == 422, "wrong %d: %s" % (i, r.describe()))
    r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": code}, u["access_token"])
    expect(r.status == 422, "the right code after 5 wrong ones is refused: %s" % r.describe())
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(u["access_token"]))
    expect(r.body["email"] == u["email"], "address unchanged")
    expect(r.body["pending_email"] == new, "still pending while the code lives: %r" % r.body)
    stack.psql("UPDATE auth_codes SET expires_at = now() - interval '1 minute' "
               "WHERE user_id = '%s' AND purpose = 'email_change'" % u["user_id"])
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(u["access_token"]))
    expect(r.body["pending_email"] is None, "nothing pending once the code expired: %r" % r.body)


def test_email_change_refusals(stack):
    u = users.create_user(stack)
    r = _send(stack, "PATCH", "/api/v1/me", {"email": u["email"]}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "email", "own address: %s" % r.describe())
    r = _send(stack, "PATCH", "/api/v1/me", {"email": "not an address"}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "email", "bad address: %s" % r.describe())
    r = _send(stack, "POST", "/api/v1/me/email/confirm", {"code": "123456"}, u["access_token"])
    expect(r.status == 422, "nothing pending: %s" % r.describe())


# ---------------------------------------------- accounts never confirmed

def test_purge_unconfirmed(stack):
    stale = users.unique_email("stale")
    fresh = users.unique_email("fresh")
    for addr in (stale, fresh):
        r = users.signup(stack, addr, "pw-" + addr)
        expect(r.status == 201, "signup: %s" % r.describe())
    kept = users.create_user(stack)
    stack.psql("UPDATE users SET created_at = now() - interval '8 days' "
               "WHERE lower(email) IN (lower('%s'), lower('%s'))" % (stale, kept["email"]))
    stack.psql("UPDATE users SET created_at = now() - interval '6 days' "
               "WHERE lower(email) = lower('%s')" % fresh)
    uid = stack.psql("SELECT id FROM users WHERE lower(email) = lower('%s')" % stale).strip()
    expect(outbox_rows(stack, "user_id = '%s'" % uid) >= 1, "the stale account has mail rows")
    conf = remind_util.write_conf(stack, "identity-purge.conf")
    p = remind_util.run_remind(conf, "--once")
    expect(p.returncode == 0, "aurora-remind --once: %s %s" % (p.returncode, p.stderr[-500:]))
    left = stack.psql("SELECT lower(email) FROM users WHERE lower(email) IN "
                      "(lower('%s'), lower('%s'), lower('%s'))"
                      % (stale, fresh, kept["email"])).split()
    expect(stale.lower() not in left, "the 8-day-old unconfirmed account is gone")
    expect(fresh.lower() in left, "a 6-day-old one is kept")
    expect(kept["email"].lower() in left, "a confirmed one is kept")
    expect(outbox_rows(stack, "user_id = '%s'" % uid) == 0, "its mail rows are gone")
    expect("removed 1 accounts never confirmed" in p.stderr + p.stdout
           or "removed" in p.stderr + p.stdout, "logged: %s" % p.stderr[-300:])
    # 0 keeps them.
    stack.psql("UPDATE users SET created_at = now() - interval '30 days' "
               "WHERE lower(email) = lower('%s')" % fresh)
    conf0 = remind_util.write_conf(stack, "identity-keep.conf", unconfirmed_account_days=0)
    p = remind_util.run_remind(conf0, "--once")
    expect(p.returncode == 0, "remind with 0: %s" % p.stderr[-300:])
    n = stack.psql("SELECT count(*) FROM users WHERE lower(email) = lower('%s')" % fresh).strip()
    expect(n == "1", "unconfirmed_account_days = 0 keeps accounts")


def test_remind_cannot_delete_users(stack):
    """aurora_remind deletes only through the function."""
    info = remind_util.conninfo(stack, "aurora_remind")
    pgbin = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
    r = subprocess.run([os.path.join(pgbin, "psql"), "-X", "-q", "-A", "-t", info, "-c",
                        "DELETE FROM users WHERE false"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    expect(r.returncode != 0 and "permission denied" in r.stderr, "refused: %r" % r.stderr)


# ------------------------------------------------------------ security mails

def test_mail_password_reset(stack):
    u = users.create_user(stack)
    r = _send(stack, "PATCH", "/api/v1/me", {"time_zone": "Europe/Berlin"}, u["access_token"])
    expect(r.status == 200, "zone: %s" % r.describe())
    before = users.last_mail_id(stack)
    r = users.post(stack, "/api/v1/auth/forgot", {"email": u["email"]})
    expect(r.status in (202, 204), "forgot: %s" % r.describe())
    code = users.read_code(stack, u["email"], "reset", before)
    r = users.post(stack, "/api/v1/auth/reset",
                   {"email": u["email"], "code": code, "new_password": "pw-new-" + code + "x"})
    expect(r.status == 204, "reset: %s" % r.describe())
    mails = ses_wait(stack, lambda m: u["email"].lower() in to_of(m)
                     and m.get("subject") == "Your Aurora Time password was reset",
                     "password reset notice")
    t = text_of(mails[-1])
    expect(" CET" in t or " CEST" in t, "time in the user's zone: %r" % t)
    expect("If it was not you" in t and "every device was signed out" in t, "text %r" % t)


def test_mail_app_password(stack):
    u = users.create_user(stack)
    r = _send(stack, "POST", "/api/v1/me/app-passwords", {"name": "Anna's iPhone"},
              u["access_token"])
    expect(r.status == 201, "create: %s" % r.describe())
    mails = ses_wait(stack, lambda m: u["email"].lower() in to_of(m)
                     and m.get("subject") == "A new app password for your Aurora Time account",
                     "app password notice")
    t = text_of(mails[-1])
    expect("\"Anna's iPhone\"" in t and "UTC" in t and "If it was not you" in t, "text %r" % t)
    expect("Settings, Calendar apps" in t, "what to do: %r" % t)


# ------------------------------------------------------- change of password

def test_password_change(stack):
    u = users.create_user(stack)
    fx = login_as(stack, u, FIREFOX_LINUX)
    r = _send(stack, "POST", "/api/v1/me/password",
              {"password": "wrong-" + u["password"], "new_password": "brand-new-pw-1"},
              u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "password", "wrong current: %s" % r.describe())
    r = _send(stack, "POST", "/api/v1/me/password",
              {"password": u["password"], "new_password": "short"}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "new_password", "short new: %s" % r.describe())
    r = _send(stack, "POST", "/api/v1/me/password",
              {"password": u["password"], "new_password": "brand-new-pw-1"}, u["access_token"])
    expect(r.status == 204, "change: %s" % r.describe())
    # This session goes on; the other one is signed out.
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(u["access_token"]))
    expect(r.status == 200, "the changing session goes on: %s" % r.describe())
    r = users.post(stack, "/api/v1/auth/refresh", {"refresh_token": fx["refresh_token"]})
    expect(r.status == 401, "the other session is signed out: %s" % r.describe())
    r = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(fx["access_token"]))
    expect(r.status == 401, "its access token too: %s" % r.describe())
    expect(users.login(stack, u["email"], u["password"]).status == 401, "old password refused")
    expect(users.login(stack, u["email"], "brand-new-pw-1").status == 200, "new password signs in")
    mails = ses_wait(stack, lambda m: u["email"].lower() in to_of(m)
                     and m.get("subject") == "Your Aurora Time password was changed",
                     "password changed notice")
    t = text_of(mails[-1])
    expect("was changed" in t and "If it was not you" in t and "UTC" in t, "text %r" % t)


def test_password_change_limited(stack):
    u = users.create_user(stack)
    for i in range(5):
        r = _send(stack, "POST", "/api/v1/me/password",
                  {"password": "guess-%d-xxxx" % i, "new_password": "brand-new-pw-1"},
                  u["access_token"])
        expect(r.status == 422, "guess %d: %s" % (i, r.describe()))
    r = _send(stack, "POST", "/api/v1/me/password",
              {"password": u["password"], "new_password": "brand-new-pw-1"}, u["access_token"])
    expect(r.status == 429 and r.headers.get("Retry-After"), "limited like sign-in: %s" % r.describe())
    expect(users.login(stack, u["email"], "brand-new-pw-1").status in (401, 429), "not changed")


def test_mfa_guards_email_and_password(stack):
    """With two-step sign-in on, a session alone cannot move the account
    to another address or change its password."""
    import test_totp as mfa
    u = users.create_user(stack)
    secret, _ = mfa.enrol(stack, u)
    new = users.unique_email("mfa")
    r = _send(stack, "PATCH", "/api/v1/me", {"email": new}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "code", "no code: %s" % r.describe())
    r = _send(stack, "POST", "/api/v1/me/password",
              {"password": u["password"], "new_password": "brand-new-pw-2"}, u["access_token"])
    expect(r.status == 422 and r.body["error"]["field"] == "code", "no code: %s" % r.describe())
    mfa.early_in_step()
    r = _send(stack, "PATCH", "/api/v1/me", {"email": new, "code": mfa.code_at(secret, time.time())},
              u["access_token"])
    expect(r.status == 202 and r.body["pending_email"] == new, "with a code: %s" % r.describe())


TESTS = [
    ("session_fields", test_session_fields),
    ("last_use_moves_on_refresh", test_last_use_moves_on_refresh),
    ("sign_out_one", test_sign_out_one),
    ("email_change", test_email_change),
    ("email_taken_indistinguishable", test_email_taken_indistinguishable),
    ("email_wrong_codes_limited", test_email_wrong_codes_limited),
    ("email_change_refusals", test_email_change_refusals),
    ("purge_unconfirmed", test_purge_unconfirmed),
    ("remind_cannot_delete_users", test_remind_cannot_delete_users),
    ("mail_password_reset", test_mail_password_reset),
    ("mail_app_password", test_mail_app_password),
    ("password_change", test_password_change),
    ("password_change_limited", test_password_change_limited),
    ("mfa_guards_email_and_password", test_mfa_guards_email_and_password),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
