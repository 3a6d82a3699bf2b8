#!/usr/bin/python3
"""Abuse limits of the identity endpoints (issue 13, items 8 and 9), end to
end through nginx: the account-mail budget per client network and for the
whole service (429 rate_limited with Retry-After, counted on /metrics, and
the same answer whatever the address), sign-in throttling that spares
clients with a device cookie for the account (OWASP's device cookies), and
GET /api/v1/auth/verify (nginx's auth_request target) outside the sign-in
rate limit.
Run: /usr/bin/python3 tests/integration/test_security_limits.py [NAME...]"""

import http.cookies
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post, unique_email  # noqa: E402

DEVICE_COOKIE = "aurora_device"
NAT = "127.0.0.9"


def sql(stack, q):
    return stack.psql(q).strip()


def clear_budget(stack):
    """Empties the account mail counters (a no-op where the table does
    not exist, so that a missing budget fails on behaviour, not here)."""
    sql(stack, "DO $$ BEGIN IF to_regclass('account_mail_budget') IS NOT NULL THEN "
               "DELETE FROM account_mail_budget; END IF; END $$")


def metric(stack, name, labels):
    """The value of one sample on /metrics (0 when absent)."""
    r = stack.request("GET", "/metrics")
    expect(r.status == 200, "/metrics: %s" % r.describe())
    text = r.raw.decode("utf-8")
    m = re.search(r"^%s\{%s\} (\d+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    return int(m.group(1)) if m else 0


def mail_limited(stack, scope):
    return metric(stack, "aurora_account_mail_limited_total", 'scope="%s"' % scope)


def expect_budget_429(r, where):
    check_json_error(r, 429, "rate_limited")
    # nginx's own 429 says "Too many requests"; this one is the API's.
    expect(r.body["error"]["message"] != users.NGINX_429, "%s: nginx's 429, not the API's" % where)
    retry = r.headers.get("Retry-After")
    expect(retry is not None and retry.isdigit() and 1 <= int(retry) <= 86400,
           "%s: Retry-After %r" % (where, retry))
    return r


def signup(stack, addr, source):
    return post(stack, "/api/v1/auth/signup", {"email": addr, "password": "pw-" + addr}, source=source)


def device_cookie(r):
    """The aurora_device cookie an answer sets, as a Morsel (None if none)."""
    for h in r.headers.get_all("Set-Cookie") or []:
        c = http.cookies.SimpleCookie()
        c.load(h)
        if DEVICE_COOKIE in c:
            return c[DEVICE_COOKIE]
    return None


def login(stack, u, password=None, source=NAT, cookie=None, body_token=None):
    body = {"email": u["email"], "password": password or u["password"]}
    if body_token is not None:
        body["device_token"] = body_token
    headers = {"Cookie": "theme=dark; %s=%s" % (DEVICE_COOKIE, cookie)} if cookie else None
    return post(stack, "/api/v1/auth/login", body, headers=headers, source=source)


# ---------------------------------------------------------------- item 8

def test_account_mail_budget(stack):
    """Sign-up, resend and forgot share a per-network (/24) and a global
    budget; past it 429 with Retry-After, counted on /metrics, alike for
    every address; another network keeps its own budget."""
    known = users.create_user(stack)
    clear_budget(stack)
    stack.restart_api({"AURORA_ACCOUNT_MAIL_NETWORK_HOURLY": 3,
                       "AURORA_ACCOUNT_MAIL_GLOBAL_HOURLY": 8})
    try:
        before_net, before_glob = mail_limited(stack, "network"), mail_limited(stack, "global")
        # Three from 127.0.5.0/24 (two addresses in it): room for all.
        for i, src in enumerate(("127.0.5.1", "127.0.5.2", "127.0.5.1")):
            r = signup(stack, unique_email("budget%d" % i), src)
            expect(r.status == 201, "sign-up %d within the budget: %s" % (i + 1, r.describe()))
        outbox = int(sql(stack, "SELECT count(*) FROM mail_outbox"))
        # The fourth from the same /24 is refused, for sign-up, resend and
        # forgot alike, with one answer for an address that has an account
        # and one that has none.
        answers = []
        for path, body in (
                ("/api/v1/auth/signup", {"email": unique_email("over"), "password": "pw-over-budget"}),
                ("/api/v1/auth/signup", {"email": known["email"], "password": "pw-over-budget"}),
                ("/api/v1/auth/resend", {"email": unique_email("ghost")}),
                ("/api/v1/auth/resend", {"email": known["email"]}),
                ("/api/v1/auth/forgot", {"email": known["email"]}),
                ("/api/v1/auth/forgot", {"email": unique_email("ghost")})):
            r = expect_budget_429(post(stack, path, body, source="127.0.5.77"), "%s over the budget" % path)
            answers.append((path, r.body))
        for path in ("/api/v1/auth/signup", "/api/v1/auth/resend", "/api/v1/auth/forgot"):
            # The retry seconds may tick between two answers on a slow
            # machine; what must not differ is everything else.
            bodies = [re.sub(r"\d+ seconds", "N seconds", json.dumps(b, sort_keys=True))
                      for p, b in answers if p == path]
            expect(bodies[0] == bodies[1], "%s: 429 differs by address: %r" % (path, bodies))
        expect(int(sql(stack, "SELECT count(*) FROM mail_outbox")) == outbox, "a refused request queued mail")
        expect(mail_limited(stack, "network") == before_net + 6,
               "aurora_account_mail_limited_total{scope=\"network\"} did not count 6 refusals")
        # Another network has its own budget.
        r = signup(stack, unique_email("othernet"), "127.0.6.1")
        expect(r.status == 201, "sign-up from another /24: %s" % r.describe())
        r = post(stack, "/api/v1/auth/forgot", {"email": known["email"]}, source="127.0.6.1")
        expect(r.status == 202, "forgot from another /24: %s" % r.describe())
        # 5 of the global 8 spent (refusals took nothing): 3 more from
        # fresh networks, then the service's budget is spent for all.
        expect(sql(stack, "SELECT n FROM account_mail_budget WHERE scope = 'global_hour'") == "5",
               "global counter %r" % sql(stack, "SELECT scope, key, n FROM account_mail_budget"))
        for i in range(3):
            r = signup(stack, unique_email("glob%d" % i), "127.0.%d.1" % (10 + i))
            expect(r.status == 201, "sign-up %d within the global budget: %s" % (i + 1, r.describe()))
        r = expect_budget_429(signup(stack, unique_email("glob-over"), "127.0.20.1"), "global budget")
        expect("service" in r.body["error"]["message"], "global 429 message %r" % r.body)
        expect_budget_429(post(stack, "/api/v1/auth/resend", {"email": known["email"]}, source="127.0.21.1"),
                          "resend over the global budget")
        expect(mail_limited(stack, "global") == before_glob + 2,
               "aurora_account_mail_limited_total{scope=\"global\"} did not count 2 refusals")
        # Sign-in is not account mail: it still works.
        r = users.login(stack, known["email"], known["password"], source="127.0.22.1")
        expect(r.status == 200, "sign-in while the mail budget is spent: %s" % r.describe())
    finally:
        clear_budget(stack)
        stack.restart_api({"AURORA_ACCOUNT_MAIL_NETWORK_HOURLY": None,
                           "AURORA_ACCOUNT_MAIL_GLOBAL_HOURLY": None})


def test_account_mail_network_key(stack):
    """A request counts against its client's /24 (IPv6 /64 is covered by
    the unit tests: loopback has no IPv6 network to send from)."""
    clear_budget(stack)
    r = signup(stack, unique_email("net"), "127.0.7.200")
    expect(r.status == 201, "sign-up: %s" % r.describe())
    keys = sql(stack, "SELECT key FROM account_mail_budget WHERE scope = 'network'")
    expect(keys == "127.0.7.0/24", "network key %r" % keys)
    clear_budget(stack)


# ---------------------------------------------------------------- item 9

def test_nat_lockout_spares_known_devices(stack):
    """After 20 failures from one address, a client that signed in to the
    account before (its device cookie) still signs in there; a client
    without one is throttled; a cookie helps only for its own account."""
    sql(stack, "DELETE FROM auth_login_failures")
    a, b, c = users.create_user(stack), users.create_user(stack), users.create_user(stack)
    # A and B signed in before from behind the NAT: a browser keeps the
    # cookie, an app asks for the token in the body.
    r = login(stack, a)
    expect(r.status == 200, "A's first sign-in: %s" % r.describe())
    ca = device_cookie(r)
    expect(ca is not None and ca.value, "no %s cookie on sign-in: %r" % (DEVICE_COOKIE, r.headers.get_all("Set-Cookie")))
    expect(ca["httponly"] and ca["samesite"] == "Strict" and ca["path"].startswith("/api/v1/auth"),
           "cookie attributes %r" % ca.OutputString())
    expect(not ca["secure"], "Secure on a plain-http stack: %r" % ca.OutputString())
    expect(int(ca["max-age"]) > 86400, "cookie Max-Age %r" % ca["max-age"])
    expect("device_token" not in r.body, "a browser's token leaked into the body: %r" % sorted(r.body))
    r = login(stack, b, body_token="")
    expect(r.status == 200 and r.body.get("device_token"), "B's app sign-in: %s" % r.describe())
    tb = r.body["device_token"]
    expect(users.login(stack, c["email"], c["password"], source=NAT).status == 200, "C's sign-in")

    # Someone behind the NAT sprays passwords at many accounts.
    for i in range(20):
        r = users.login(stack, unique_email("spray"), "password %d" % i, source=NAT)
        expect(r.status == 401, "spray %d: %s" % (i, r.describe()))
    r = users.login(stack, unique_email("spray"), "one more", source=NAT)
    check_json_error(r, 429, "rate_limited")
    # C's new browser (no cookie) waits, even with the right password.
    r = users.login(stack, c["email"], c["password"], source=NAT)
    check_json_error(r, 429, "rate_limited")
    expect(int(r.headers.get("Retry-After", "0")) >= 1, "Retry-After %r" % r.headers.get("Retry-After"))
    # A's browser and B's app go on signing in.
    r = login(stack, a, cookie=ca.value)
    expect(r.status == 200, "A with its device cookie behind a throttled address: %s" % r.describe())
    expect(device_cookie(r) is not None, "no fresh cookie for A")
    r = login(stack, b, body_token=tb)
    expect(r.status == 200, "B with its device token behind a throttled address: %s" % r.describe())
    expect(r.body.get("device_token") and r.body["device_token"] != tb, "B got no fresh token")
    # A's cookie does not help for B or C, nor a forged one.
    check_json_error(login(stack, b, cookie=ca.value), 429, "rate_limited")
    check_json_error(login(stack, c, cookie=ca.value), 429, "rate_limited")
    check_json_error(login(stack, c, body_token=tb), 429, "rate_limited")
    parts = ca.value.split(".")
    forged = ".".join(parts[:-1] + [("0" if parts[-1][0] != "0" else "1") + parts[-1][1:]])
    check_json_error(login(stack, a, cookie=forged), 429, "rate_limited")
    # Another address is not affected by the NAT's failures.
    r = users.login(stack, c["email"], c["password"], source="127.0.0.10")
    expect(r.status == 200, "C from another address: %s" % r.describe())
    sql(stack, "DELETE FROM auth_login_failures")


def test_device_cookie_limits_still_apply(stack):
    """The per-account slow-down holds whatever the cookie, and a device
    cookie with too many failures is itself locked out."""
    sql(stack, "DELETE FROM auth_login_failures")
    u = users.create_user(stack)
    r = login(stack, u, source="127.0.0.11")
    cu = device_cookie(r)
    expect(r.status == 200 and cu is not None, "sign-in: %s" % r.describe())
    for i in range(5):
        r = login(stack, u, password="wrong password %d" % i, source="127.0.0.11", cookie=cu.value)
        expect(r.status == 401, "wrong password %d with the cookie: %s" % (i, r.describe()))
    check_json_error(login(stack, u, source="127.0.0.11", cookie=cu.value), 429, "rate_limited")
    # Failures made with a device cookie are the device's, not the address's.
    n = sql(stack, "SELECT count(*) FROM auth_login_failures WHERE addr = '127.0.0.11' AND device IS NULL")
    expect(n == "0", "%s failures with a device cookie counted against the address" % n)
    sql(stack, "DELETE FROM auth_login_failures")

    # The device's own lockout, with the account's limit raised above it.
    stack.restart_api({"AURORA_LOGIN_MAX_FAILURES": 50, "AURORA_LOGIN_MAX_FAILURES_DEVICE": 3})
    try:
        r = login(stack, u, source="127.0.0.12")
        cd = device_cookie(r)
        expect(r.status == 200 and cd is not None, "sign-in: %s" % r.describe())
        for i in range(3):
            r = login(stack, u, password="wrong password %d" % i, source="127.0.0.12", cookie=cd.value)
            expect(r.status == 401, "device failure %d: %s" % (i, r.describe()))
        check_json_error(login(stack, u, source="127.0.0.12", cookie=cd.value), 429, "rate_limited")
        expect(metric(stack, "aurora_login_limited_total", 'scope="device"') >= 1, "device lockout not counted")
        # Without that cookie (a fresh client) the account itself is fine.
        r = login(stack, u, source="127.0.0.13")
        expect(r.status == 200, "the account after one device's lockout: %s" % r.describe())
    finally:
        sql(stack, "DELETE FROM auth_login_failures")
        stack.restart_api({"AURORA_LOGIN_MAX_FAILURES": None, "AURORA_LOGIN_MAX_FAILURES_DEVICE": None})


def test_verify_not_rate_limited(stack):
    """nginx's auth_request target answers every check of a busy proxy: 30
    in a row from one address, valid and invalid tokens, never a 429."""
    u = users.create_user(stack)
    statuses = []
    for i in range(30):
        token = u["access_token"] if i % 3 else "not-a-token"
        r = stack.request("GET", "/api/v1/auth/verify", headers=bearer(token), source="127.0.0.14")
        statuses.append(r.status)
    expect(429 not in statuses, "429 among the checks: %r" % statuses)
    expect(set(statuses) == {204, 401}, "statuses %r" % statuses)
    # The rest of /api/v1/auth/ stays behind nginx's limit (10 r/s, burst
    # 20): a cheap call there is refused by nginx itself.
    answers = [stack.request("POST", "/api/v1/auth/refresh", '{"refresh_token":"not-a-token"}',
                             {"Content-Type": "application/json"}, source="127.0.0.15")
               for _ in range(40)]
    expect(any(r.status == 429 and r.body.get("error", {}).get("message") == users.NGINX_429
               for r in answers if isinstance(r.body, dict)),
           "/api/v1/auth/refresh lost nginx's rate limit: %r" % [r.status for r in answers])


TESTS = [
    ("account_mail_budget", test_account_mail_budget),
    ("account_mail_network_key", test_account_mail_network_key),
    ("nat_lockout_spares_known_devices", test_nat_lockout_spares_known_devices),
    ("device_cookie_limits_still_apply", test_device_cookie_limits_still_apply),
    ("verify_not_rate_limited", test_verify_not_rate_limited),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
