#!/usr/bin/python3
"""Two-step sign-in with an authenticator app (issue 16, RFC 6238 TOTP) on a
throwaway stack, with codes computed here by hmac/hashlib (independent of
liboath, which the server uses): set-up and confirmation, the recovery codes,
sign-in answering a challenge and no tokens, the second step by code or
recovery code, one step either side accepted and two refused, replays
refused, guesses limited per challenge and per account, expired challenges,
"amr" in the access and ID tokens and kept by refresh, turning it off with
password and code, aurora-admin user mfa-reset, a fresh code to make an app
password, the on/off mails in the SES emulator, and the secret never stored
in the clear.
Run: /usr/bin/python3 tests/integration/test_totp.py [NAME...]"""

import base64
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import time
from urllib.parse import parse_qs, unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post  # noqa: E402

ADMIN = os.path.join(BUILD, "src", "aurora-admin")
TOTP = "/api/v1/me/mfa/totp"
RECOVERY_RE = re.compile(r"^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$")


# ---------------------------------------------------------------- helpers

def lit(s):
    return "'" + str(s).replace("'", "''") + "'"


def code_at(secret_b32, t):
    """RFC 6238 with RFC 4226's dynamic truncation, SHA-1, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    off = mac[-1] & 15
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def early_in_step(margin=8):
    """Waits until at least margin seconds remain in the current 30-second
    step, so a code computed now is judged in the same step."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.2)


def json_req(stack, method, path, token, body=None):
    hdrs = bearer(token)
    data = None
    if body is not None:
        hdrs["Content-Type"] = "application/json"
        data = json.dumps(body)
    for _ in range(40):
        r = stack.request(method, path, data, hdrs)
        if not (r.status == 429 and isinstance(r.body, dict)
                and r.body.get("error", {}).get("message") == users.NGINX_429):
            return r
        time.sleep(0.3)
    return r


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def enrol(stack, u):
    """Turns two-step sign-in on for u: its secret, recovery codes."""
    r = json_req(stack, "POST", TOTP, u["access_token"])
    expect(r.status == 200, "set-up: %s" % r.describe())
    secret = r.body["secret"]
    early_in_step()
    # The previous step's code (inside the one-step window): the step in
    # force now stays unused, so a test signs in with it at once instead of
    # waiting up to 30 s for a fresh code.
    r = json_req(stack, "POST", TOTP + "/confirm", u["access_token"],
                 {"code": code_at(secret, time.time() - 30)})
    expect(r.status == 200, "confirm: %s" % r.describe())
    return secret, r.body["recovery_codes"]


def mfa_user(stack):
    u = users.create_user(stack)
    u["secret"], u["recovery"] = enrol(stack, u)
    return u


def login(stack, u):
    r = post(stack, "/api/v1/auth/login", {"email": u["email"], "password": u["password"]})
    expect(r.status == 200, "login: %s" % r.describe())
    return r


def challenge(stack, u):
    r = login(stack, u)
    expect(r.body.get("challenge") == "totp" and isinstance(r.body.get("session"), str),
           "login with two-step on: %r" % r.body)
    return r.body["session"]


def second(stack, session, code=None, recovery=None):
    body = {"session": session}
    if code is not None:
        body["code"] = code
    if recovery is not None:
        body["recovery_code"] = recovery
    return post(stack, "/api/v1/auth/mfa", body)


def wait_next_step(last_t):
    """Sleeps until the step after the one of last_t has begun: a new code."""
    nxt = (int(last_t) // 30 + 1) * 30
    if time.time() < nxt:
        time.sleep(nxt - time.time() + 0.2)


def admin(stack, *args):
    return subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)


def wait_mail(stack, addr, subject, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in stack.ses_emails()
                 if addr.lower() in json.dumps(m).lower() and m.get("subject") == subject]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def mail_text(m):
    body = m.get("body") or {}
    return body.get("text") or json.dumps(m)


# ---------------------------------------------------------------- tests

def test_setup_and_confirm(stack):
    u = users.create_user(stack)
    tok = u["access_token"]
    r = json_req(stack, "GET", "/api/v1/me", tok)
    expect(r.status == 200 and r.body.get("mfa") == {"totp": False, "recovery_codes_left": 0},
           "/me before: %r" % r.body)
    r = json_req(stack, "POST", TOTP, tok)
    expect(r.status == 200, "set-up: %s" % r.describe())
    secret, uri = r.body["secret"], r.body["otpauth_uri"]
    expect(re.fullmatch(r"[A-Z2-7]{32}", secret), "secret %r: 160 bits of base32" % secret)
    parts = urlsplit(uri)
    expect(parts.scheme == "otpauth" and parts.netloc == "totp", "uri %r" % uri)
    expect(unquote(parts.path) == "/Aurora Time:" + u["email"], "label of %r" % uri)
    expect(uri.startswith("otpauth://totp/Aurora%20Time:"), "issuer spelt %r" % uri)
    q = parse_qs(parts.query)
    expect(q == {"secret": [secret], "issuer": ["Aurora Time"]}, "query of %r" % uri)
    expect(r.headers.get("Cache-Control", "").startswith("no-store"), "secret answer cached")
    # Nothing is enforced before the confirmation.
    r = login(stack, u)
    expect("access_token" in r.body, "pending set-up enforced: %r" % r.body)
    # A new set-up replaces a pending one.
    r = json_req(stack, "POST", TOTP, tok)
    expect(r.status == 200 and r.body["secret"] != secret, "restart: %s" % r.describe())
    secret = r.body["secret"]
    early_in_step()
    wrong = "%06d" % ((int(code_at(secret, time.time())) + 1) % 1000000)
    r = json_req(stack, "POST", TOTP + "/confirm", tok, {"code": wrong})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "POST", TOTP + "/confirm", tok, {"code": "12345"})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "POST", TOTP + "/confirm", tok, {"code": code_at(secret, time.time())})
    expect(r.status == 200, "confirm: %s" % r.describe())
    codes = r.body["recovery_codes"]
    expect(len(codes) == 10 and len(set(codes)) == 10
           and all(RECOVERY_RE.match(c) for c in codes), "recovery codes %r" % codes)
    r = json_req(stack, "GET", "/api/v1/me", tok)
    expect(r.body.get("mfa") == {"totp": True, "recovery_codes_left": 10}, "/me after: %r" % r.body)
    # On already: a second set-up is refused, the secret stays.
    r = json_req(stack, "POST", TOTP, tok)
    check_json_error(r, 409, "conflict")
    r = json_req(stack, "POST", TOTP + "/confirm", tok, {"code": code_at(secret, time.time())})
    check_json_error(r, 409, "conflict")
    # Stored hashed: no recovery code in the table.
    rows = stack.psql("SELECT encode(code_hash, 'hex') FROM auth_recovery_codes WHERE user_id = %s"
                      % lit(u["user_id"])).split()
    want = sorted(hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes)
    expect(sorted(rows) == want, "recovery codes not stored as their SHA-256")


def test_secret_not_stored_in_clear(stack):
    u = mfa_user(stack)
    raw = base64.b32decode(u["secret"])
    row = stack.psql("SELECT t::text, encode(secret_box, 'hex') FROM auth_totp t WHERE user_id = %s"
                     % lit(u["user_id"])).strip()
    expect(row, "no auth_totp row")
    expect(u["secret"].lower() not in row.lower() and raw.hex() not in row.lower(),
           "the secret is readable in auth_totp: %s" % row)
    expect(len(row.split("|")[1]) == 96, "box of %r" % row)
    # Bound to its user: another user's box does not open for this one.
    v = mfa_user(stack)
    stack.psql("UPDATE auth_totp SET secret_box = (SELECT secret_box FROM auth_totp WHERE user_id = %s)"
               " WHERE user_id = %s" % (lit(v["user_id"]), lit(u["user_id"])))
    s = challenge(stack, u)
    early_in_step()
    r = second(stack, s, code_at(v["secret"], time.time()))
    expect(r.status in (401, 500), "a moved box opened: %s" % r.describe())
    expect(r.status != 200, "a moved box signed in")


def test_login_challenge_then_tokens_with_amr(stack):
    plain = users.create_user(stack)
    for tok in (plain["access_token"], plain["id_token"]):
        expect(claims(tok).get("amr") == ["pwd"], "password-only amr %r" % claims(tok))
    u = mfa_user(stack)
    r = login(stack, u)
    expect(set(r.body) >= {"challenge", "session"} and r.body["challenge"] == "totp",
           "challenge answer %r" % r.body)
    expect(not any(k in r.body for k in ("access_token", "id_token", "refresh_token")),
           "tokens before the second step: %r" % r.body)
    expect(len(r.body["session"]) >= 32, "session %r" % r.body["session"])
    early_in_step()
    r2 = second(stack, r.body["session"], code_at(u["secret"], time.time()))
    expect(r2.status == 200, "second step: %s" % r2.describe())
    for name in ("access_token", "id_token"):
        expect(claims(r2.body[name]).get("amr") == ["pwd", "otp", "mfa"],
               "%s amr %r" % (name, claims(r2.body[name])))
    # The session works, and refresh keeps how it was signed in.
    r3 = json_req(stack, "GET", "/api/v1/me", r2.body["access_token"])
    expect(r3.status == 200, "/me with the new token: %s" % r3.describe())
    r4 = post(stack, "/api/v1/auth/refresh", {"refresh_token": r2.body["refresh_token"]})
    expect(r4.status == 200, "refresh: %s" % r4.describe())
    for name in ("access_token", "id_token"):
        expect(claims(r4.body[name]).get("amr") == ["pwd", "otp", "mfa"],
               "refreshed %s amr %r" % (name, claims(r4.body[name])))
    r5 = post(stack, "/api/v1/auth/refresh", {"refresh_token": plain["refresh_token"]})
    expect(r5.status == 200 and claims(r5.body["access_token"]).get("amr") == ["pwd"],
           "refreshed password-only amr: %s" % r5.describe())
    # A used challenge is gone.
    r6 = second(stack, r.body["session"], code_at(u["secret"], time.time() + 30))
    check_json_error(r6, 401, "unauthorized")


def test_wrong_password_gets_no_challenge(stack):
    u = mfa_user(stack)
    r = post(stack, "/api/v1/auth/login", {"email": u["email"], "password": "wrong-" + u["password"]})
    check_json_error(r, 401, "unauthorized")
    expect("session" not in json.dumps(r.body), "a challenge for a wrong password")


def test_replay_refused(stack):
    u = mfa_user(stack)
    early_in_step()
    now = time.time()
    code = code_at(u["secret"], now)
    r = second(stack, challenge(stack, u), code)
    expect(r.status == 200, "first use: %s" % r.describe())
    r = second(stack, challenge(stack, u), code)
    check_json_error(r, 401, "unauthorized")
    # An older code after a newer one: refused too.
    r = second(stack, challenge(stack, u), code_at(u["secret"], now - 30))
    check_json_error(r, 401, "unauthorized")


def test_window_one_step_either_side(stack):
    """Codes of one step either side pass, two steps off do not: judged
    while confirming (two off first, so neither is refused as a replay),
    then at sign-in one step ahead of the confirmation's step."""
    u = users.create_user(stack)
    r = json_req(stack, "POST", TOTP, u["access_token"])
    expect(r.status == 200, "set-up: %s" % r.describe())
    secret = r.body["secret"]
    early_in_step(12)
    now = time.time()
    for d in (-2, 2):
        r = json_req(stack, "POST", TOTP + "/confirm", u["access_token"],
                     {"code": code_at(secret, now + d * 30)})
        check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "POST", TOTP + "/confirm", u["access_token"],
                 {"code": code_at(secret, now - 30)})
    expect(r.status == 200, "one step back: %s" % r.describe())
    r = second(stack, challenge(stack, u), code_at(secret, now + 30))
    expect(r.status == 200, "one step ahead: %s" % r.describe())
    r = second(stack, challenge(stack, u), code_at(secret, now + 60))
    check_json_error(r, 401, "unauthorized")


def test_guesses_limited_per_challenge(stack):
    u = mfa_user(stack)
    early_in_step(15)
    s = challenge(stack, u)
    good = code_at(u["secret"], time.time())
    bad = "%06d" % ((int(good) + 500000) % 1000000)
    for i in range(5):
        r = second(stack, s, bad)
        check_json_error(r, 401, "unauthorized")
    r = second(stack, s, good)
    check_json_error(r, 401, "unauthorized")
    left = stack.psql("SELECT count(*) FROM auth_mfa_challenges WHERE user_id = %s"
                      % lit(u["user_id"])).strip()
    expect(left == "0", "a spent challenge kept: %s" % left)


def test_guesses_limited_per_account(stack):
    u = mfa_user(stack)
    early_in_step(15)
    good = code_at(u["secret"], time.time())
    bad = "%06d" % ((int(good) + 500000) % 1000000)
    s1 = challenge(stack, u)
    for _ in range(3):
        check_json_error(second(stack, s1, bad), 401, "unauthorized")
    s2 = challenge(stack, u)  # a right password does not reset the count
    for _ in range(2):
        check_json_error(second(stack, s2, bad), 401, "unauthorized")
    s3 = challenge(stack, u)
    r = second(stack, s3, good)
    check_json_error(r, 429, "rate_limited")
    retry = int(r.headers.get("Retry-After", "0"))
    expect(0 < retry <= 60, "Retry-After %r" % retry)
    # Recovery codes are held too, and confirming/turning off share the count.
    r = second(stack, s3, recovery=u["recovery"][0])
    check_json_error(r, 429, "rate_limited")
    r = json_req(stack, "DELETE", TOTP, u["access_token"],
                 {"password": u["password"], "code": good})
    check_json_error(r, 429, "rate_limited")
    # Once the wait is over (moved back here), the right code passes.
    stack.psql("UPDATE auth_totp SET failed_at = now() - interval '61 seconds' WHERE user_id = %s"
               % lit(u["user_id"]))
    r = second(stack, s3, good)
    expect(r.status == 200, "after the wait: %s" % r.describe())


def test_recovery_code_single_use(stack):
    u = mfa_user(stack)
    rc = u["recovery"][3]
    r = second(stack, challenge(stack, u), recovery=rc)
    expect(r.status == 200, "recovery code: %s" % r.describe())
    expect(claims(r.body["access_token"]).get("amr") == ["pwd", "otp", "mfa"],
           "amr with a recovery code %r" % claims(r.body["access_token"]))
    r = second(stack, challenge(stack, u), recovery=rc)
    check_json_error(r, 401, "unauthorized")
    # Typed in capitals without hyphens: the same code.
    r = second(stack, challenge(stack, u), recovery=u["recovery"][4].replace("-", "").upper())
    expect(r.status == 200, "recovery code as typed: %s" % r.describe())
    used = stack.psql("SELECT count(*) FROM auth_recovery_codes WHERE user_id = %s AND used_at IS NOT NULL"
                      % lit(u["user_id"])).strip()
    expect(used == "2", "used recovery codes %s" % used)
    # Both or neither of code and recovery_code: 422.
    s = challenge(stack, u)
    check_json_error(second(stack, s, "123456", u["recovery"][5]), 422, "validation_failed")
    check_json_error(second(stack, s), 422, "validation_failed")


def test_recovery_codes_renewed(stack):
    u = mfa_user(stack)
    tok = u["access_token"]
    r = second(stack, challenge(stack, u), recovery=u["recovery"][0])
    expect(r.status == 200, "recovery code: %s" % r.describe())
    r = json_req(stack, "GET", "/api/v1/me", tok)
    expect(r.body["mfa"] == {"totp": True, "recovery_codes_left": 9}, "/me after one used: %r" % r.body)
    path = TOTP + "/recovery-codes"
    check_json_error(json_req(stack, "POST", path, tok, {}), 422, "validation_failed")
    early_in_step()
    good = code_at(u["secret"], time.time())
    r = json_req(stack, "POST", path, tok, {"code": "%06d" % ((int(good) + 9) % 1000000)})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "POST", path, tok, {"code": good})
    expect(r.status == 200, "renew: %s" % r.describe())
    new = r.body["recovery_codes"]
    expect(len(set(new)) == 10 and all(RECOVERY_RE.match(c) for c in new)
           and not set(new) & set(u["recovery"]), "new codes %r" % new)
    # The code is spent, the old recovery codes are gone, the new ones work.
    check_json_error(json_req(stack, "POST", path, tok, {"code": good}), 422, "validation_failed")
    check_json_error(second(stack, challenge(stack, u), recovery=u["recovery"][1]), 401, "unauthorized")
    r = second(stack, challenge(stack, u), recovery=new[0])
    expect(r.status == 200, "new recovery code: %s" % r.describe())
    r = json_req(stack, "GET", "/api/v1/me", tok)
    expect(r.body["mfa"]["recovery_codes_left"] == 9, "/me after renewal: %r" % r.body)
    plain = users.create_user(stack)
    check_json_error(json_req(stack, "POST", path, plain["access_token"], {"code": "123456"}), 409, "conflict")


def test_expired_challenge(stack):
    u = mfa_user(stack)
    s = challenge(stack, u)
    ttl = stack.psql("SELECT round(extract(epoch FROM expires_at - created_at)) FROM auth_mfa_challenges"
                     " WHERE user_id = %s" % lit(u["user_id"])).strip()
    expect(ttl == "300", "challenge lives %s s" % ttl)
    stack.psql("UPDATE auth_mfa_challenges SET expires_at = now() - interval '1 second'"
               " WHERE user_id = %s" % lit(u["user_id"]))
    early_in_step()
    r = second(stack, s, code_at(u["secret"], time.time()))
    check_json_error(r, 401, "unauthorized")
    r = second(stack, "A" * 43, code_at(u["secret"], time.time()))
    check_json_error(r, 401, "unauthorized")
    r = second(stack, "not a session", code_at(u["secret"], time.time()))
    check_json_error(r, 401, "unauthorized")


def test_disable_needs_password_and_code(stack):
    u = mfa_user(stack)
    tok = u["access_token"]
    early_in_step()
    good = code_at(u["secret"], time.time())
    bad = "%06d" % ((int(good) + 1) % 1000000)
    r = json_req(stack, "DELETE", TOTP, tok, {"password": "wrong-" + u["password"], "code": good})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "DELETE", TOTP, tok, {"password": u["password"], "code": bad})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "DELETE", TOTP, tok, {"password": u["password"]})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "DELETE", TOTP, tok, {"password": u["password"], "code": good})
    expect(r.status == 204, "turn off: %s" % r.describe())
    r = json_req(stack, "GET", "/api/v1/me", tok)
    expect(r.body.get("mfa") == {"totp": False, "recovery_codes_left": 0}, "/me after off: %r" % r.body)
    r = login(stack, u)
    expect("access_token" in r.body and claims(r.body["access_token"])["amr"] == ["pwd"],
           "login after off: %r" % r.body)
    left = stack.psql("SELECT (SELECT count(*) FROM auth_totp WHERE user_id = %s) +"
                      " (SELECT count(*) FROM auth_recovery_codes WHERE user_id = %s)"
                      % (lit(u["user_id"]), lit(u["user_id"]))).strip()
    expect(left == "0", "rows left after off: %s" % left)
    r = json_req(stack, "DELETE", TOTP, tok, {"password": u["password"], "code": good})
    check_json_error(r, 409, "conflict")


def test_on_and_off_mails(stack):
    u = mfa_user(stack)
    on = wait_mail(stack, u["email"], "Two-step sign-in was turned on")
    expect(len(on) == 1, "turned-on mails: %d" % len(on))
    text = mail_text(on[0])
    expect("turned on" in text and "If it was not you" in text and "reset it" in text,
           "turned-on text %r" % text)
    expect(re.search(r"\d{2}:\d{2} UTC", text), "no time in the user's zone: %r" % text)
    early_in_step()
    r = json_req(stack, "DELETE", TOTP, u["access_token"],
                 {"password": u["password"], "code": code_at(u["secret"], time.time())})
    expect(r.status == 204, "turn off: %s" % r.describe())
    off = wait_mail(stack, u["email"], "Two-step sign-in was turned off")
    expect(len(off) == 1, "turned-off mails: %d" % len(off))
    expect("If it was not you" in mail_text(off[0]), "turned-off text %r" % mail_text(off[0]))
    # Both stay sent: the second does not supersede the first.
    st = stack.psql("SELECT string_agg(status, ',' ORDER BY id) FROM mail_outbox"
                    " WHERE user_id = %s AND kind = 'security'" % lit(u["user_id"])).strip()
    expect(st == "sent,sent", "security mail states %r" % st)


def test_mail_in_user_zone(stack):
    u = users.create_user(stack)
    r = json_req(stack, "PATCH", "/api/v1/me", u["access_token"], {"time_zone": "Asia/Kolkata"})
    expect(r.status == 200, "zone: %s" % r.describe())
    enrol(stack, u)
    on = wait_mail(stack, u["email"], "Two-step sign-in was turned on")
    expect(on and "IST" in mail_text(on[0]), "not in the user's zone: %r" % on)


def test_admin_mfa_reset(stack):
    u = mfa_user(stack)
    r = admin(stack, "user", "mfa-reset", u["email"].upper())
    expect(r.returncode == 0 and "turned off" in r.stdout, "mfa-reset: %s" % r.stdout)
    r = login(stack, u)
    expect("access_token" in r.body, "login after reset: %r" % r.body)
    off = wait_mail(stack, u["email"], "Two-step sign-in was turned off")
    expect(off and "support" in mail_text(off[0]), "support's mail %r" % off)
    r = admin(stack, "user", "mfa-reset", u["email"])
    expect(r.returncode == 0 and "off already" in r.stdout, "second reset: %s" % r.stdout)
    r = admin(stack, "user", "mfa-reset", "nobody-%d@example.com" % os.getpid())
    expect(r.returncode == 1, "unknown address: %d %s" % (r.returncode, r.stdout))
    # A challenge issued before the reset does not sign in afterwards.
    v = mfa_user(stack)
    s = challenge(stack, v)
    expect(admin(stack, "user", "mfa-reset", v["email"]).returncode == 0, "reset v")
    r = second(stack, s, code_at(v["secret"], time.time()))
    check_json_error(r, 401, "unauthorized")


def test_app_password_needs_fresh_code(stack):
    path = "/api/v1/me/app-passwords"
    plain = users.create_user(stack)
    r = json_req(stack, "POST", path, plain["access_token"], {"name": "Phone"})
    expect(r.status == 201, "without two-step: %s" % r.describe())
    u = mfa_user(stack)
    tok = u["access_token"]
    r = json_req(stack, "POST", path, tok, {"name": "Phone"})
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("field") == "code", "field %r" % r.body)
    early_in_step()
    good = code_at(u["secret"], time.time())
    r = json_req(stack, "POST", path, tok, {"name": "Phone", "code": "%06d" % ((int(good) + 7) % 1000000)})
    check_json_error(r, 422, "validation_failed")
    r = json_req(stack, "POST", path, tok, {"name": "Phone", "code": good})
    expect(r.status == 201, "with a fresh code: %s" % r.describe())
    r = json_req(stack, "POST", path, tok, {"name": "Tablet", "code": good})
    check_json_error(r, 422, "validation_failed")


def test_nginx_rate_limits(stack):
    """nginx limits the second step and the /me/mfa/ calls per client like
    sign-in (10 r/s, burst 20): a fast run of 45 meets its own 429."""
    body = json.dumps({"session": "A" * 43, "code": "123456"})
    for path, source in (("/api/v1/auth/mfa", "127.0.0.77"), (TOTP + "/confirm", "127.0.0.78")):
        limited = 0
        for _ in range(45):
            r = stack.request("POST", path, body, {"Content-Type": "application/json"}, source=source)
            if r.status == 429 and isinstance(r.body, dict) and \
                    r.body.get("error", {}).get("message") == users.NGINX_429:
                limited += 1
        expect(limited >= 5, "%s: %d of 45 fast requests limited by nginx" % (path, limited))


def test_routes_need_a_token(stack):
    for method, path in (("POST", TOTP), ("POST", TOTP + "/confirm"),
                         ("POST", TOTP + "/recovery-codes"), ("DELETE", TOTP)):
        r = stack.request(method, path, json.dumps({"code": "123456"}),
                          {"Content-Type": "application/json"})
        check_json_error(r, 401, "unauthorized")


if __name__ == "__main__":
    sys.exit(run_tests([
        ("setup_and_confirm", test_setup_and_confirm),
        ("secret_not_stored_in_clear", test_secret_not_stored_in_clear),
        ("login_challenge_then_tokens_with_amr", test_login_challenge_then_tokens_with_amr),
        ("wrong_password_gets_no_challenge", test_wrong_password_gets_no_challenge),
        ("replay_refused", test_replay_refused),
        ("window_one_step_either_side", test_window_one_step_either_side),
        ("guesses_limited_per_challenge", test_guesses_limited_per_challenge),
        ("guesses_limited_per_account", test_guesses_limited_per_account),
        ("recovery_code_single_use", test_recovery_code_single_use),
        ("recovery_codes_renewed", test_recovery_codes_renewed),
        ("expired_challenge", test_expired_challenge),
        ("disable_needs_password_and_code", test_disable_needs_password_and_code),
        ("on_and_off_mails", test_on_and_off_mails),
        ("mail_in_user_zone", test_mail_in_user_zone),
        ("admin_mfa_reset", test_admin_mfa_reset),
        ("app_password_needs_fresh_code", test_app_password_needs_fresh_code),
        ("nginx_rate_limits", test_nginx_rate_limits),
        ("routes_need_a_token", test_routes_need_a_token),
    ]))
