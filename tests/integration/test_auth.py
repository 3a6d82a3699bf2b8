#!/usr/bin/python3
"""Identity end to end, over HTTP through nginx: sign-up, codes, sign-in and
its slow-down, refresh rotation and reuse detection, sign-out, reset, the
profile, the published keys, a table of hostile tokens (each refused by a
protected route and by the auth_request endpoint), external issuers, nginx
auth_request, and the aurora-admin commands.
Run: /usr/bin/python3 tests/integration/test_auth.py [NAME...]"""

import base64
import glob
import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, JSON_TYPE, check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post, request, unique_email  # noqa: E402

ADMIN = os.path.join(BUILD, "src", "aurora-admin")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
INVALID_TOKEN = 'Bearer error="invalid_token"'
COGNITO = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AuroraTest"
COGNITO_CLIENT = "5r2jm7k1hq3d8c0vl6tfs4ub9e"


# ---------------------------------------------------------------- JWT kit

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def decode(token):
    h, p, _ = token.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(p))


def openssl(*args, data=None):
    r = subprocess.run(["openssl"] + list(args), input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


def rs256(keyfile, data):
    return openssl("dgst", "-sha256", "-sign", keyfile, data=data)


def rs256_ok(pubfile, data, sig):
    with tempfile.NamedTemporaryFile() as f:
        f.write(sig)
        f.flush()
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubfile, "-signature", f.name],
                           input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return r.returncode == 0


def sign(header, claims, keyfile):
    """A compact RS256 token; header and claims are dicts or raw text."""
    h = header if isinstance(header, str) else b64u_json(header)
    p = claims if isinstance(claims, str) else b64u_json(claims)
    data = ("%s.%s" % (h, p)).encode("ascii")
    return "%s.%s" % (data.decode(), b64u(rs256(keyfile, data)))


def new_rsa_key(path):
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
    os.chmod(path, 0o600)
    return path


def public_pem(keyfile):
    return openssl("pkey", "-in", keyfile, "-pubout")


def jwk_of(keyfile, kid):
    out = openssl("rsa", "-in", keyfile, "-noout", "-modulus").decode().strip()
    n = bytes.fromhex(out.split("=", 1)[1])
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64u(n), "e": "AQAB"}


def our_keys(stack):
    """{kid: path} of the stack's signing keys."""
    return {os.path.basename(p)[:-4]: p for p in glob.glob(os.path.join(stack.var, "keys", "*.pem"))}


def signer(stack):
    keys = our_keys(stack)
    kid = max(keys)
    return kid, keys[kid]


# ---------------------------------------------------------------- helpers

def sql(stack, q):
    return stack.psql(q).strip()


def q(s):
    return users.sql_quote(s)


def me(stack, token):
    return request(stack, "GET", "/api/v1/me", headers=bearer(token) if token is not None else None)


def verify(stack, token, raw=None):
    h = {"Authorization": raw} if raw is not None else (bearer(token) if token is not None else None)
    return request(stack, "GET", "/api/v1/auth/verify", headers=h)


def expect_401(r, where):
    expect(r.status == 401, "%s: expected 401, got %s" % (where, r.describe()))
    got = r.headers.get_all("WWW-Authenticate") or []
    expect(got == [INVALID_TOKEN], "%s: WWW-Authenticate %r" % (where, got))
    expect(r.headers.get("Content-Type") == JSON_TYPE, "%s: Content-Type %r" % (where, r.headers.get("Content-Type")))
    expect(r.error_code() == "unauthorized", "%s: error code %r" % (where, r.error_code()))


def expect_rejected(stack, token, where, raw=None):
    """The token is refused alike by a protected route and by auth_request's
    endpoint; returns the two bodies."""
    h = {"Authorization": raw} if raw is not None else bearer(token)
    a = request(stack, "GET", "/api/v1/me", headers=h)
    expect_401(a, where + " on /api/v1/me")
    b = request(stack, "GET", "/api/v1/auth/verify", headers=h, source=users.spread_source())
    expect_401(b, where + " on /api/v1/auth/verify")
    expect(b.headers.get("X-Aurora-User") is None, "%s: X-Aurora-User on a 401" % where)
    return a.raw, b.raw


def expect_accepted(stack, token, user_id, where):
    r = me(stack, token)
    expect(r.status == 200, "%s: /me gave %s" % (where, r.describe()))
    expect(r.body["user_id"] == user_id, "%s: /me user %r" % (where, r.body.get("user_id")))
    r = request(stack, "GET", "/api/v1/auth/verify", headers=bearer(token), source=users.spread_source())
    expect(r.status == 204, "%s: /verify gave %s" % (where, r.describe()))
    expect(r.headers.get("X-Aurora-User") == user_id, "%s: X-Aurora-User %r" % (where, r.headers.get("X-Aurora-User")))


def confirm(stack, addr, code, password=None):
    body = {"email": addr, "code": code}
    if password is not None:
        body["password"] = password
    return post(stack, "/api/v1/auth/confirm", body)


def refresh(stack, token):
    return post(stack, "/api/v1/auth/refresh", {"refresh_token": token})


def admin(stack, *args):
    return subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=60)


def clear_failures(stack):
    sql(stack, "DELETE FROM auth_login_failures")


def wrong_code(code):
    return "%06d" % ((int(code) + 1) % 1000000)


# ---------------------------------------------------------------- tests

def test_wellknown(stack):
    r = request(stack, "GET", "/.well-known/jwks.json")
    expect(r.status == 200, "jwks: %s" % r.describe())
    expect(r.headers.get("Content-Type") == JSON_TYPE, "jwks Content-Type %r" % r.headers.get("Content-Type"))
    expect("max-age" in (r.headers.get("Cache-Control") or ""), "jwks Cache-Control %r" % r.headers.get("Cache-Control"))
    keys = our_keys(stack)
    got = {k["kid"]: k for k in r.body["keys"]}
    expect(set(got) == set(keys), "published kids %s, key files %s" % (sorted(got), sorted(keys)))
    for kid, path in keys.items():
        want = jwk_of(path, kid)
        k = got[kid]
        for member in ("kty", "alg", "use", "n", "e"):
            expect(k.get(member) == want[member], "jwk %s.%s = %r, expected %r" % (kid, member, k.get(member), want[member]))
        for secret in ("d", "p", "q", "dp", "dq", "qi"):
            expect(secret not in k, "jwk %s publishes %s" % (kid, secret))
    r = request(stack, "GET", "/.well-known/openid-configuration")
    expect(r.status == 200, "openid-configuration: %s" % r.describe())
    base = stack.conf()["public_url"]
    expect(r.body["issuer"] == base, "issuer %r" % r.body.get("issuer"))
    expect(r.body["jwks_uri"] == base + "/.well-known/jwks.json", "jwks_uri %r" % r.body.get("jwks_uri"))
    expect(r.body["id_token_signing_alg_values_supported"] == ["RS256"],
           "algs %r" % r.body.get("id_token_signing_alg_values_supported"))
    expect(r.body["token_endpoint"] == base + "/api/v1/auth/refresh", "token_endpoint %r" % r.body.get("token_endpoint"))


def test_signup_confirm_login(stack):
    addr = unique_email("flow")
    before = users.last_mail_id(stack)
    r = users.signup(stack, addr, "a good password", name="Ada Lovelace")
    expect(r.status == 201, "signup: %s" % r.describe())
    expect(set(r.body) == {"user_id", "email", "confirmed"}, "signup body %r" % r.body)
    expect(r.body["email"] == addr and r.body["confirmed"] is False, "signup body %r" % r.body)
    uid = r.body["user_id"]
    expect(UUID_RE.match(uid), "user_id %r" % uid)
    row = sql(stack, "SELECT email, email_verified, name, issuer, password_hash FROM users WHERE id = %s" % q(uid))
    email, verified, name, issuer, pwhash = row.split("|")
    expect((email, verified, name, issuer) == (addr, "f", "Ada Lovelace", "local"), "user row %r" % row)
    expect(pwhash.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "password hash %r" % pwhash)
    expect("good password" not in pwhash, "the password is in its hash")
    mail = sql(stack, "SELECT kind, status, subject, user_id FROM mail_outbox WHERE id > %d AND to_addr = %s"
               % (before, q(addr))).split("\n")
    expect(len(mail) == 1, "expected one mail, got %r" % mail)
    kind, status, subject, mail_user = mail[0].split("|")
    expect(kind == "confirm" and mail_user == uid, "mail %r" % mail[0])
    expect(status in ("pending", "sending", "sent"), "mail status %r" % status)
    code = users.read_code(stack, addr, "confirm", before)
    stored = sql(stack, "SELECT encode(code_hash, 'hex') FROM auth_codes WHERE user_id = %s AND purpose = 'confirm'" % q(uid))
    expect(len(stored) == 64 and code not in stored, "stored code %r" % stored)

    # Unconfirmed: the same answer as a wrong password.
    r1 = users.login(stack, addr, "a good password")
    r2 = users.login(stack, addr, "a wrong password")
    expect_401(r1, "login before confirming")
    expect(r1.raw == r2.raw, "unconfirmed %r vs wrong password %r" % (r1.raw, r2.raw))
    clear_failures(stack)

    r = confirm(stack, addr, wrong_code(code))
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("field") == "code", "field %r" % r.body["error"].get("field"))
    r = confirm(stack, addr.upper(), code)
    expect(r.status == 200, "confirm: %s" % r.describe())
    expect(r.body == {"user_id": uid, "email": addr, "confirmed": True}, "confirm body %r" % r.body)
    expect(sql(stack, "SELECT email_verified FROM users WHERE id = %s" % q(uid)) == "t", "not confirmed in the database")
    r = confirm(stack, addr, code)
    check_json_error(r, 422, "validation_failed")

    r = users.login(stack, "  " + addr.upper() + " ", "a good password")
    expect(r.status == 200, "login: %s" % r.describe())
    expect(set(r.body) == {"access_token", "id_token", "refresh_token", "token_type", "expires_in"}, "login body keys %r" % sorted(r.body))
    expect(r.body["token_type"] == "Bearer" and r.body["expires_in"] == 3600, "login body %r" % r.body)
    expect(r.headers.get("Cache-Control") == "no-store", "Cache-Control %r" % r.headers.get("Cache-Control"))
    expect(re.fullmatch(r"[A-Za-z0-9_-]{43}", r.body["refresh_token"]), "refresh token %r" % r.body["refresh_token"])
    base = stack.conf()["public_url"]
    ah, ac = decode(r.body["access_token"])
    ih, ic = decode(r.body["id_token"])
    kid, keyfile = signer(stack)
    expect(ah == {"alg": "RS256", "kid": kid, "typ": "JWT"}, "access header %r" % ah)
    expect(ih["kid"] == kid and ih["alg"] == "RS256", "id header %r" % ih)
    expect(ac["iss"] == base and ac["sub"] == uid and ac["token_use"] == "access"
           and ac["client_id"] == "aurora-web" and ac["scope"] == "openid email profile"
           and ac["exp"] - ac["iat"] == 3600 and ac["auth_time"] == ac["iat"]
           and abs(ac["iat"] - time.time()) < 30 and UUID_RE.match(ac["jti"])
           and UUID_RE.match(ac["origin_jti"]) and "email" not in ac, "access claims %r" % ac)
    expect(ic["iss"] == base and ic["sub"] == uid and ic["token_use"] == "id" and ic["aud"] == "aurora-web"
           and ic["email"] == addr and ic["email_verified"] is True and ic["name"] == "Ada Lovelace"
           and ic["origin_jti"] == ac["origin_jti"] and ic["jti"] != ac["jti"], "id claims %r" % ic)
    # The signature checks out with the published key, outside our code.
    with tempfile.NamedTemporaryFile() as pub:
        pub.write(public_pem(keyfile))
        pub.flush()
        for tok in (r.body["access_token"], r.body["id_token"]):
            h, p, s = tok.split(".")
            expect(rs256_ok(pub.name, ("%s.%s" % (h, p)).encode(), unb64u(s)), "signature does not verify")
    expect(sql(stack, "SELECT count(*) FROM auth_sessions WHERE id = %s AND user_id = %s AND revoked_at IS NULL"
               % (q(ac["origin_jti"]), q(uid))) == "1", "no session row")
    stored = sql(stack, "SELECT encode(token_hash, 'hex') FROM auth_refresh_tokens WHERE session_id = %s" % q(ac["origin_jti"]))
    expect(stored == hashlib.sha256(r.body["refresh_token"].encode()).hexdigest(), "refresh token stored as %r" % stored)

    token = r.body["access_token"]
    r = me(stack, token)
    expect(r.status == 200, "/me: %s" % r.describe())
    expect(r.body["user_id"] == uid and r.body["email"] == addr and r.body["email_verified"] is True
           and r.body["name"] == "Ada Lovelace" and r.body["time_zone"] == "UTC"
           and r.body["default_reminders"] == [] and r.body["issuer"] == "local", "/me %r" % r.body)
    r = verify(stack, token)
    expect(r.status == 204 and r.raw == b"", "verify: %s" % r.describe())
    expect(r.headers.get("X-Aurora-User") == uid, "X-Aurora-User %r" % r.headers.get("X-Aurora-User"))
    expect(r.headers.get("X-Aurora-Email") == addr, "X-Aurora-Email %r" % r.headers.get("X-Aurora-Email"))
    # The id token is not an access token.
    expect_rejected(stack, users.login(stack, addr, "a good password").body["id_token"], "the id token")
    # Tokens never reach the log.
    log = open(os.path.join(stack.var, "log", "aurora-api.log"), errors="replace").read()
    expect(token.split(".")[2] not in log, "the access token is in the log")


def test_signup_validation(stack):
    cases = [
        ({"password": "long enough"}, 422, "email"),
        ({"email": "not-an-address", "password": "long enough"}, 422, "email"),
        ({"email": "a@b", "password": "long enough"}, 422, "email"),
        ({"email": "x" * 250 + "@example.com", "password": "long enough"}, 422, "email"),
        ({"email": 42, "password": "long enough"}, 422, "email"),
        ({"email": unique_email(), "password": "1234567"}, 422, "password"),
        ({"email": unique_email(), "password": "x" * 257}, 422, "password"),
        ({"email": unique_email(), "password": 12345678}, 422, "password"),
        ({"email": unique_email()}, 422, "password"),
        ({"email": unique_email(), "password": "long enough", "name": "n" * 201}, 422, "name"),
        ({"email": unique_email(), "password": "long enough", "name": "tab\there"}, 422, "name"),
        ({"email": unique_email(), "password": "long enough", "admin": True}, 422, "admin"),
        ({"email": unique_email(), "password": "long enough", "email_verified": True}, 422, "email_verified"),
    ]
    for body, status, field in cases:
        r = post(stack, "/api/v1/auth/signup", body)
        check_json_error(r, status, "validation_failed")
        expect(r.body["error"].get("field") == field, "%r: field %r, expected %r" % (body, r.body["error"].get("field"), field))
    r = post(stack, "/api/v1/auth/signup", "{not json")
    check_json_error(r, 400, "invalid_json")
    # NUL never reaches a password: the JSON layer refuses it.
    r = post(stack, "/api/v1/auth/signup", {"email": unique_email(), "password": "1234\u00005678"})
    check_json_error(r, 400, "invalid_json")
    r = post(stack, "/api/v1/auth/signup", {"email": unique_email(), "password": "long enough"},
             headers={"Content-Type": "text/plain"})
    check_json_error(r, 415)
    # Any characters, counted as characters: 256 two-byte ones and tabs.
    addr = unique_email("umlaut")
    r = users.signup(stack, addr, "\u00e4" * 256)
    expect(r.status == 201, "256 characters: %s" % r.describe())
    r = users.signup(stack, unique_email(), "\t\u20ac \U0001F600 pass")
    expect(r.status == 201, "control characters in a password: %s" % r.describe())
    # Names up to 200 characters, trimmed addresses, stored as typed.
    addr = unique_email("Mixed.Case")
    r = users.signup(stack, "  %s\t" % addr, "long enough", name="\u00e9" * 200)
    expect(r.status == 201 and r.body["email"] == addr, "trimmed signup: %s" % r.describe())
    expect(sql(stack, "SELECT email FROM users WHERE id = %s" % q(r.body["user_id"])) == addr, "stored address")


def test_signup_existing_addresses(stack):
    owner = users.create_user(stack, password="the owner's password")
    fresh = users.signup(stack, unique_email("fresh"), "some password")
    before = users.last_mail_id(stack)
    a = users.signup(stack, owner["email"], "attacker password", name="Mallory")
    b = users.signup(stack, owner["email"].upper(), "attacker password 2")
    for r in (a, b):
        expect(r.status == 201, "signup of a confirmed address: %s" % r.describe())
        expect(set(r.body) == set(fresh.body) and r.body["confirmed"] is False, "shape %r vs %r" % (r.body, fresh.body))
        expect(UUID_RE.match(r.body["user_id"]) and r.body["user_id"] != owner["user_id"], "user_id %r" % r.body["user_id"])
    expect(a.body["user_id"] == b.body["user_id"], "decoy ids differ: %r %r" % (a.body["user_id"], b.body["user_id"]))
    expect(a.headers.get("Content-Type") == fresh.headers.get("Content-Type"), "content types differ")
    row = sql(stack, "SELECT name, password_hash FROM users WHERE id = %s" % q(owner["user_id"]))
    expect(not row.startswith("Mallory"), "the owner's name changed")
    expect(users.login(stack, owner["email"], "attacker password").status == 401, "the attacker's password works")
    expect(users.login(stack, owner["email"], owner["password"]).status == 200, "the owner's password stopped working")
    notices = sql(stack, "SELECT subject FROM mail_outbox WHERE id > %d AND user_id = %s" % (before, q(owner["user_id"]))).split("\n")
    expect(len(notices) == 2 and notices[0].startswith("Sign-up attempt"), "notices %r" % notices)
    expect(sql(stack, "SELECT count(*) FROM users WHERE lower(email) = lower(%s)" % q(owner["email"])) == "1", "a second account")
    clear_failures(stack)

    # An unconfirmed address: a later sign-up gets a fresh code (the earlier
    # code stops working) but sets no password: the code's reader names it
    # when confirming (tests/integration/test_security_auth.py).
    addr = unique_email("pending")
    m0 = users.last_mail_id(stack)
    r1 = users.signup(stack, addr, "first password")
    code1 = users.read_code(stack, addr, "confirm", m0)
    m1 = users.last_mail_id(stack)
    r2 = users.signup(stack, addr, "second password")
    code2 = users.read_code(stack, addr, "confirm", m1)
    expect(r1.status == r2.status == 201 and r1.body["user_id"] == r2.body["user_id"], "ids %r %r" % (r1.body, r2.body))
    if code1 != code2:
        check_json_error(confirm(stack, addr, code1, "second password"), 422, "validation_failed")
    r = confirm(stack, addr, code2)
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"].get("field") == "password", "two sign-ups, no password: %s" % r.describe())
    r = confirm(stack, addr, code2, "second password")
    expect(r.status == 200, "confirm with the second code: %s" % r.describe())
    expect(users.login(stack, addr, "first password").status == 401, "the first password works")
    expect(users.login(stack, addr, "second password").status == 200, "the second password fails")
    clear_failures(stack)


def test_resend(stack):
    addr = unique_email("resend")
    m0 = users.last_mail_id(stack)
    users.signup(stack, addr, "some password")
    code1 = users.read_code(stack, addr, "confirm", m0)
    m1 = users.last_mail_id(stack)
    r = post(stack, "/api/v1/auth/resend", {"email": addr})
    expect(r.status == 202 and r.body == {"status": "accepted"}, "resend: %s" % r.describe())
    code2 = users.read_code(stack, addr, "confirm", m1)
    if code1 != code2:
        check_json_error(confirm(stack, addr, code1), 422, "validation_failed")
    expect(confirm(stack, addr, code2).status == 200, "the resent code does not confirm")
    # Confirmed or unknown addresses: the same answer, and no mail.
    m2 = users.last_mail_id(stack)
    for a in (addr, unique_email("nobody")):
        r2 = post(stack, "/api/v1/auth/resend", {"email": a})
        expect(r2.status == 202 and r2.raw == r.raw, "resend for %s: %s" % (a, r2.describe()))
    expect(users.last_mail_id(stack) == m2, "mail was queued for a confirmed or unknown address")
    check_json_error(post(stack, "/api/v1/auth/resend", {"email": "nope"}), 422, "validation_failed")
    check_json_error(post(stack, "/api/v1/auth/resend", {"email": addr, "x": 1}), 422, "validation_failed")


def test_code_lockout_expiry(stack):
    addr = unique_email("lock")
    m0 = users.last_mail_id(stack)
    r = users.signup(stack, addr, "some password")
    uid = r.body["user_id"]
    code = users.read_code(stack, addr, "confirm", m0)
    for _ in range(5):
        check_json_error(confirm(stack, addr, wrong_code(code)), 422, "validation_failed")
    expect(sql(stack, "SELECT attempts FROM auth_codes WHERE user_id = %s AND purpose = 'confirm'" % q(uid)) == "5",
           "attempts not counted")
    r = confirm(stack, addr, code)
    check_json_error(r, 422, "validation_failed")
    expect(sql(stack, "SELECT email_verified FROM users WHERE id = %s" % q(uid)) == "f", "confirmed after the lock")
    # A new code unlocks; an expired one does not confirm.
    m1 = users.last_mail_id(stack)
    post(stack, "/api/v1/auth/resend", {"email": addr})
    code = users.read_code(stack, addr, "confirm", m1)
    sql(stack, "UPDATE auth_codes SET expires_at = now() - interval '1 second' WHERE user_id = %s" % q(uid))
    check_json_error(confirm(stack, addr, code), 422, "validation_failed")
    sql(stack, "UPDATE auth_codes SET expires_at = now() + interval '1 hour' WHERE user_id = %s" % q(uid))
    expect(confirm(stack, addr, code).status == 200, "a live code did not confirm")
    # Codes expire 24 hours after they are sent.
    addr2 = unique_email("ttl")
    users.signup(stack, addr2, "some password")
    left = float(sql(stack, "SELECT extract(epoch FROM c.expires_at - c.created_at) FROM auth_codes c "
                            "JOIN users u ON u.id = c.user_id WHERE u.email = %s" % q(addr2)))
    expect(abs(left - 86400) < 5, "code lifetime %r s" % left)
    check_json_error(confirm(stack, addr, "12345"), 422, "validation_failed")
    check_json_error(confirm(stack, addr, "abcdef"), 422, "validation_failed")


def test_login_failures_alike(stack):
    u = users.create_user(stack)
    clear_failures(stack)
    unknown = users.login(stack, unique_email("ghost"), u["password"])
    wrong = users.login(stack, u["email"], u["password"] + "x")
    expect_401(unknown, "unknown address")
    expect_401(wrong, "wrong password")
    expect(unknown.raw == wrong.raw, "bodies differ: %r vs %r" % (unknown.raw, wrong.raw))
    expect(unknown.body["error"]["message"] == "incorrect email or password", "message %r" % unknown.body)
    # Both spend a password hash: an unknown address takes as long.
    def timed(addr, pw):
        t = time.monotonic()
        r = users.login(stack, addr, pw)
        dt = time.monotonic() - t
        expect(r.status == 401, "login %s: %s" % (addr, r.describe()))
        return dt
    # Interleaved, fastest of five each: scheduling noise only adds time.
    t_unknown, t_wrong = [], []
    for i in range(5):
        clear_failures(stack)
        t_unknown.append(timed(unique_email("ghost"), "whatever pw"))
        t_wrong.append(timed(u["email"], "whatever pw %d" % i))
    clear_failures(stack)
    expect(min(t_unknown) > 0.5 * min(t_wrong) and min(t_wrong) > 0.5 * min(t_unknown),
           "unknown address %s s, wrong password %s s" % (["%.3f" % t for t in t_unknown], ["%.3f" % t for t in t_wrong]))
    check_json_error(users.login(stack, u["email"], "short"), 422, "validation_failed")
    check_json_error(post(stack, "/api/v1/auth/login", {"email": u["email"]}), 422, "validation_failed")
    check_json_error(post(stack, "/api/v1/auth/login", {"email": u["email"], "password": u["password"], "mfa": "1"}),
                     422, "validation_failed")


def test_login_slow_down(stack):
    u = users.create_user(stack)
    clear_failures(stack)
    for i in range(5):
        expect_401(users.login(stack, u["email"], "wrong password %d" % i), "failure %d" % (i + 1))
    r = users.login(stack, u["email"], u["password"])
    check_json_error(r, 429, "rate_limited")
    first = int(r.headers.get("Retry-After", "0"))
    expect(1 <= first <= 60, "Retry-After %r" % r.headers.get("Retry-After"))
    # Another client is slowed down for this account too.
    check_json_error(users.login(stack, u["email"], u["password"], source="127.0.0.2"), 429, "rate_limited")
    # After the wait, one more failure doubles it.
    sql(stack, "UPDATE auth_login_failures SET at = at - interval '61 seconds'")
    expect_401(users.login(stack, u["email"], "wrong again"), "failure 6")
    r = users.login(stack, u["email"], u["password"])
    check_json_error(r, 429, "rate_limited")
    second = int(r.headers.get("Retry-After", "0"))
    expect(60 < second <= 120, "Retry-After after 6 failures %r (first %d)" % (r.headers.get("Retry-After"), first))
    # Old failures fall out of the window; success clears the account.
    sql(stack, "UPDATE auth_login_failures SET at = at - interval '1000 seconds'")
    r = users.login(stack, u["email"], u["password"])
    expect(r.status == 200, "login after the window: %s" % r.describe())
    key = hashlib.sha256(u["email"].lower().encode()).hexdigest()
    expect(sql(stack, "SELECT count(*) FROM auth_login_failures WHERE email_hash = decode('%s', 'hex') "
                      "AND at > now() - interval '900 seconds'" % key) == "0", "failures not cleared")
    # An unknown address is slowed down exactly like a known one.
    ghost = unique_email("ghost")
    for i in range(5):
        expect_401(users.login(stack, ghost, "wrong password"), "ghost failure %d" % (i + 1))
    check_json_error(users.login(stack, ghost, "wrong password"), 429, "rate_limited")
    expect(ghost not in sql(stack, "SELECT string_agg(encode(email_hash, 'escape'), ',') FROM auth_login_failures"),
           "addresses stored in clear")
    clear_failures(stack)

    # Per client address: 20 failures from one client, on any addresses.
    v = users.create_user(stack)
    for i in range(20):
        expect_401(users.login(stack, unique_email("spray"), "password %d" % i, source="127.0.0.3"), "spray %d" % i)
    r = users.login(stack, v["email"], v["password"], source="127.0.0.3")
    check_json_error(r, 429, "rate_limited")
    expect(int(r.headers.get("Retry-After", "0")) >= 1, "Retry-After %r" % r.headers.get("Retry-After"))
    expect(users.login(stack, v["email"], v["password"], source="127.0.0.4").status == 200,
           "another client was slowed down")
    clear_failures(stack)


def test_refresh_rotation_and_reuse(stack):
    u = users.create_user(stack)
    other = users.login(stack, u["email"], u["password"]).body
    _, c1 = decode(u["access_token"])
    time.sleep(1.1)
    r = refresh(stack, u["refresh_token"])
    expect(r.status == 200, "refresh: %s" % r.describe())
    expect(r.headers.get("Cache-Control") == "no-store", "Cache-Control %r" % r.headers.get("Cache-Control"))
    t2 = r.body
    expect(t2["refresh_token"] != u["refresh_token"] and t2["token_type"] == "Bearer", "rotation %r" % t2)
    _, c2 = decode(t2["access_token"])
    expect(c2["origin_jti"] == c1["origin_jti"] and c2["auth_time"] == c1["auth_time"] and c2["iat"] > c1["iat"]
           and c2["jti"] != c1["jti"], "claims after refresh %r vs %r" % (c2, c1))
    _, i2 = decode(t2["id_token"])
    expect(i2["email"] == u["email"] and i2["token_use"] == "id", "id token after refresh %r" % i2)
    expect_accepted(stack, t2["access_token"], u["user_id"], "refreshed token")
    # The old refresh token again: reuse. The whole session ends.
    expect_401(refresh(stack, u["refresh_token"]), "reused refresh token")
    expect(sql(stack, "SELECT revoked_reason FROM auth_sessions WHERE id = %s" % q(c1["origin_jti"])) == "reuse",
           "session not revoked for reuse")
    expect_401(refresh(stack, t2["refresh_token"]), "the newest token of a reused session")
    expect_rejected(stack, t2["access_token"], "an access token of a reused session")
    expect_rejected(stack, u["access_token"], "the first access token of a reused session")
    # Another session of the same user is untouched.
    expect_accepted(stack, other["access_token"], u["user_id"], "another session")
    expect(refresh(stack, other["refresh_token"]).status == 200, "another session's refresh failed")
    # Malformed, unknown and expired.
    for bad in ("x", "A" * 43, b64u(os.urandom(32))):
        expect_401(refresh(stack, bad), "refresh token %r" % bad)
    check_json_error(post(stack, "/api/v1/auth/refresh", {}), 422, "validation_failed")
    check_json_error(post(stack, "/api/v1/auth/refresh", {"refresh_token": 5}), 422, "validation_failed")
    t3 = users.login(stack, u["email"], u["password"]).body
    _, c3 = decode(t3["access_token"])
    sql(stack, "UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = %s" % q(c3["origin_jti"]))
    expect_401(refresh(stack, t3["refresh_token"]), "refresh token of an expired session")
    life = float(sql(stack, "SELECT extract(epoch FROM expires_at - auth_time) FROM auth_sessions WHERE id = %s"
                            % q(c1["origin_jti"])))
    expect(life == 2592000, "session lifetime %r" % life)


def test_logout(stack):
    u = users.create_user(stack)
    other = users.login(stack, u["email"], u["password"]).body
    r = post(stack, "/api/v1/auth/logout", {"refresh_token": u["refresh_token"]})
    expect(r.status == 204 and r.raw == b"", "logout: %s" % r.describe())
    expect_401(refresh(stack, u["refresh_token"]), "refresh after logout")
    expect_rejected(stack, u["access_token"], "access token after logout")
    _, c = decode(u["access_token"])
    expect(sql(stack, "SELECT revoked_reason FROM auth_sessions WHERE id = %s" % q(c["origin_jti"])) == "logout",
           "session not revoked")
    expect_accepted(stack, other["access_token"], u["user_id"], "the other session")
    for again in (u["refresh_token"], "garbage", b64u(os.urandom(32))):
        r = post(stack, "/api/v1/auth/logout", {"refresh_token": again})
        expect(r.status == 204, "logout %r: %s" % (again, r.describe()))
    check_json_error(post(stack, "/api/v1/auth/logout", {}), 422, "validation_failed")


def test_sessions_list_and_end(stack):
    """GET /api/v1/me/sessions lists where the user is signed in (the
    asking session marked current); DELETE /api/v1/me/sessions/{id} signs
    one out at once: its access token is refused and its refresh token
    dead, the others untouched. Someone else's session is a 404 like a
    missing one."""
    u = users.create_user(stack)
    phone = users.login(stack, u["email"], u["password"]).body
    laptop = users.login(stack, u["email"], u["password"]).body
    sid = {name: decode(t["access_token"])[1]["origin_jti"]
           for name, t in (("first", u), ("phone", phone), ("laptop", laptop))}
    r = request(stack, "GET", "/api/v1/me/sessions", headers=bearer(laptop["access_token"]))
    expect(r.status == 200, "list: %s" % r.describe())
    items = r.body["items"]
    expect({i["id"] for i in items} == set(sid.values()), "sessions %r" % items)
    expect([i["id"] for i in items if i["current"]] == [sid["laptop"]], "current %r" % items)
    for i in items:
        expect(set(i) == {"id", "signed_in_at", "last_used_at", "expires_at", "device_name",
                          "network", "current"}, "fields %r" % i)
        expect(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", i["expires_at"]), "expires_at %r" % i)
    # Sign the phone out from the laptop.
    r = request(stack, "DELETE", "/api/v1/me/sessions/" + sid["phone"], headers=bearer(laptop["access_token"]))
    expect(r.status == 204, "end: %s" % r.describe())
    expect_rejected(stack, phone["access_token"], "the ended session's access token")
    expect_401(refresh(stack, phone["refresh_token"]), "the ended session's refresh token")
    expect_accepted(stack, u["access_token"], u["user_id"], "another session after ending one")
    r = request(stack, "GET", "/api/v1/me/sessions", headers=bearer(laptop["access_token"]))
    expect({i["id"] for i in r.body["items"]} == {sid["first"], sid["laptop"]}, "after ending: %r" % r.body)
    # Ended twice, unknown, malformed, someone else's: one 404.
    other = users.create_user(stack)
    other_sid = decode(other["access_token"])[1]["origin_jti"]
    for bad in (sid["phone"], str(uuid.uuid4()), "nope", "x" * 40, other_sid):
        check_json_error(request(stack, "DELETE", "/api/v1/me/sessions/" + bad,
                                 headers=bearer(laptop["access_token"])), 404, "not_found")
    expect_accepted(stack, other["access_token"], other["user_id"], "the other user's session")
    expect_401(request(stack, "GET", "/api/v1/me/sessions"), "list without a token")
    # Ending the session asking is signing out here.
    r = request(stack, "DELETE", "/api/v1/me/sessions/" + sid["laptop"], headers=bearer(laptop["access_token"]))
    expect(r.status == 204, "end own: %s" % r.describe())
    expect_rejected(stack, laptop["access_token"], "own session after ending it")


def test_session_cap(stack):
    """A user keeps at most 100 live sessions; the least recently used end."""
    u = users.create_user(stack)
    _, c = decode(u["access_token"])
    sql(stack, "INSERT INTO auth_sessions (user_id, auth_time, expires_at, last_used_at) "
               "SELECT %s, now() - interval '1 day', now() + interval '1 day', "
               "now() - interval '1 hour' - g * interval '1 second' FROM generate_series(1, 100) g" % q(u["user_id"]))
    oldest = sql(stack, "SELECT id FROM auth_sessions WHERE user_id = %s ORDER BY last_used_at LIMIT 2"
                 % q(u["user_id"])).split("\n")
    r = users.login(stack, u["email"], u["password"])
    expect(r.status == 200, "login: %s" % r.describe())
    live = sql(stack, "SELECT count(*) FROM auth_sessions WHERE user_id = %s AND revoked_at IS NULL" % q(u["user_id"]))
    expect(live == "100", "%s live sessions" % live)
    ended = sql(stack, "SELECT id FROM auth_sessions WHERE user_id = %s AND revoked_reason = 'limit' ORDER BY id"
                % q(u["user_id"])).split("\n")
    expect(sorted(ended) == sorted(oldest), "ended %r, expected the two oldest %r" % (ended, oldest))
    expect_accepted(stack, u["access_token"], u["user_id"], "the first session, recently used")
    expect_accepted(stack, r.body["access_token"], u["user_id"], "the new session")


def test_logout_all(stack):
    u = users.create_user(stack)
    s2 = users.login(stack, u["email"], u["password"]).body
    expect_401(post(stack, "/api/v1/auth/logout-all", {}), "logout-all without a token")
    r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(u["access_token"]))
    expect(r.status == 204, "logout-all: %s" % r.describe())
    for name, tok in (("first", u["access_token"]), ("second", s2["access_token"])):
        expect_rejected(stack, tok, "%s session's access token after logout-all" % name)
    for tok in (u["refresh_token"], s2["refresh_token"]):
        expect_401(refresh(stack, tok), "refresh after logout-all")
    expect(sql(stack, "SELECT count(*) FROM auth_sessions WHERE user_id = %s AND revoked_reason = 'logout_all'"
                      % q(u["user_id"])) == "2", "sessions not revoked")
    expect(sql(stack, "SELECT signed_out_at > now() - interval '1 minute' FROM users WHERE id = %s" % q(u["user_id"])) == "t",
           "signed_out_at not set")
    # Signing in right away (the same second) works.
    r = users.login(stack, u["email"], u["password"])
    expect(r.status == 200, "login after logout-all: %s" % r.describe())
    expect_accepted(stack, r.body["access_token"], u["user_id"], "a token issued after logout-all")
    # A token minted with our key and a live session but issued before the
    # sign-out is refused by its iat alone.
    _, c = decode(r.body["access_token"])
    kid, keyfile = signer(stack)
    old = dict(c, iat=c["iat"] - 5, exp=c["exp"] - 5, jti=str(uuid.uuid4()))
    expect_rejected(stack, sign({"alg": "RS256", "kid": kid}, old, keyfile), "iat before the sign-out")
    fresh = dict(c, jti=str(uuid.uuid4()))
    expect_accepted(stack, sign({"alg": "RS256", "kid": kid}, fresh, keyfile), u["user_id"], "a re-minted live token")


def test_forgot_reset(stack):
    u = users.create_user(stack)
    other = users.login(stack, u["email"], u["password"]).body
    m0 = users.last_mail_id(stack)
    a = post(stack, "/api/v1/auth/forgot", {"email": unique_email("nobody")})
    expect(a.status == 202, "forgot unknown: %s" % a.describe())
    expect(users.last_mail_id(stack) == m0, "mail queued for an unknown address")
    b = post(stack, "/api/v1/auth/forgot", {"email": u["email"].upper()})
    expect(b.status == 202 and a.raw == b.raw, "forgot answers differ: %r %r" % (a.raw, b.raw))
    code = users.read_code(stack, u["email"], "reset", m0)
    reset = lambda body: post(stack, "/api/v1/auth/reset", body)  # noqa: E731
    r = reset({"email": u["email"], "code": wrong_code(code), "new_password": "brand new password"})
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"]["field"] == "code", "field %r" % r.body["error"]["field"])
    r = reset({"email": u["email"], "code": code, "new_password": "short"})
    check_json_error(r, 422, "validation_failed")
    expect(r.body["error"]["field"] == "new_password", "field %r" % r.body["error"]["field"])
    r = reset({"email": u["email"], "code": code, "new_password": "brand new password", "extra": 1})
    check_json_error(r, 422, "validation_failed")
    r = reset({"email": unique_email("nobody"), "code": code, "new_password": "brand new password"})
    check_json_error(r, 422, "validation_failed")
    r = reset({"email": u["email"], "code": code, "new_password": "brand new password"})
    expect(r.status == 204, "reset: %s" % r.describe())
    # Signed out everywhere; the old password is gone; the code is used.
    for tok in (u["access_token"], other["access_token"]):
        expect_rejected(stack, tok, "an access token from before the reset")
    expect_401(refresh(stack, other["refresh_token"]), "refresh after reset")
    expect(users.login(stack, u["email"], u["password"]).status == 401, "the old password works")
    expect(users.login(stack, u["email"], "brand new password").status == 200, "the new password fails")
    r = reset({"email": u["email"], "code": code, "new_password": "another password"})
    check_json_error(r, 422, "validation_failed")
    # A reset also confirms an address that never was.
    addr = unique_email("unconfirmed")
    users.signup(stack, addr, "forgotten password")
    m1 = users.last_mail_id(stack)
    post(stack, "/api/v1/auth/forgot", {"email": addr})
    code = users.read_code(stack, addr, "reset", m1)
    expect(reset({"email": addr, "code": code, "new_password": "remembered now"}).status == 204, "reset unconfirmed")
    expect(users.login(stack, addr, "remembered now").status == 200, "login after reset of an unconfirmed account")
    clear_failures(stack)


def test_me_patch_delete(stack):
    u = users.create_user(stack)
    h = bearer(u["access_token"])
    H = dict(h, **{"Content-Type": "application/json"})

    def patch(body):
        return stack.request("PATCH", "/api/v1/me", json.dumps(body) if not isinstance(body, str) else body, H)
    r = patch({"name": "Grace Hopper", "time_zone": "Europe/Berlin",
               "default_reminders": [{"minutes_before": 30}, {"method": "email", "minutes_before": 1440}]})
    expect(r.status == 200, "patch: %s" % r.describe())
    want = [{"method": "email", "minutes_before": 30}, {"method": "email", "minutes_before": 1440}]
    expect(r.body["name"] == "Grace Hopper" and r.body["time_zone"] == "Europe/Berlin"
           and r.body["default_reminders"] == want, "patched %r" % r.body)
    expect(me(stack, u["access_token"]).body == r.body, "GET differs from the PATCH answer")
    row = sql(stack, "SELECT name, time_zone, default_reminders::text FROM users WHERE id = %s" % q(u["user_id"]))
    name, tz, rem = row.split("|")
    expect(name == "Grace Hopper" and tz == "Europe/Berlin" and json.loads(rem) == want, "row %r" % row)
    r = patch({"time_zone": "America/New_York"})
    expect(r.status == 200 and r.body["name"] == "Grace Hopper" and r.body["time_zone"] == "America/New_York",
           "partial patch %r" % r.body)
    expect(patch({}).status == 200, "empty patch")
    bad = [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../../etc/passwd"}, "time_zone"),
        ({"time_zone": "Europe"}, "time_zone"),
        ({"time_zone": "posix/Europe/Berlin"}, "time_zone"),
        ({"time_zone": 5}, "time_zone"),
        ({"name": "n" * 201}, "name"),
        ({"name": None}, "name"),
        # A new address is taken (issue 16: test_identity.py); a bad one not.
        ({"email": "not-an-address"}, "email"),
        ({"email": 5}, "email"),
        ({"user_id": str(uuid.uuid4())}, "user_id"),
        ({"email_verified": False}, "email_verified"),
        ({"default_reminders": {}}, "default_reminders"),
        ({"default_reminders": [{"minutes_before": 1}] * 6}, "default_reminders"),
        ({"default_reminders": [{"minutes_before": 40321}]}, "default_reminders[0].minutes_before"),
        ({"default_reminders": [{"minutes_before": -1}]}, "default_reminders[0].minutes_before"),
        ({"default_reminders": [{"minutes_before": 10}, {"minutes_before": "10"}]}, "default_reminders[1].minutes_before"),
        ({"default_reminders": [{"method": "sms", "minutes_before": 10}]}, "default_reminders[0].method"),
        ({"default_reminders": [{"minutes_before": 10, "at": 1}]}, "default_reminders[0].at"),
    ]
    for body, field in bad:
        r = patch(body)
        check_json_error(r, 422, "validation_failed")
        expect(r.body["error"].get("field") == field, "%r: field %r" % (body, r.body["error"].get("field")))
    expect(me(stack, u["access_token"]).body["time_zone"] == "America/New_York", "a rejected patch changed something")
    # DELETE removes the user and everything that hangs off it.
    sql(stack, "INSERT INTO events (user_id, uid, title, starts_at, ends_at, time_zone, series_end) VALUES "
               "(%s, 'e1', 'Dentist', now(), now() + interval '1 hour', 'UTC', now() + interval '1 hour')" % q(u["user_id"]))
    r = stack.request("DELETE", "/api/v1/me", headers=h)
    expect(r.status == 204, "delete: %s" % r.describe())
    for table, col in (("users", "id"), ("events", "user_id"), ("auth_sessions", "user_id"),
                       ("mail_outbox", "user_id"), ("auth_codes", "user_id")):
        n = sql(stack, "SELECT count(*) FROM %s WHERE %s = %s" % (table, col, q(u["user_id"])))
        expect(n == "0", "%d rows left in %s" % (int(n), table))
    expect_rejected(stack, u["access_token"], "the token of a deleted user")
    expect(users.login(stack, u["email"], u["password"]).status == 401, "a deleted user signs in")
    expect_401(stack.request("DELETE", "/api/v1/me"), "DELETE /me without a token")
    clear_failures(stack)


def test_hostile_tokens(stack):
    u = users.create_user(stack)
    kid, keyfile = signer(stack)
    good_h, good = decode(u["access_token"])
    now = int(time.time())
    tmp = tempfile.mkdtemp(prefix="aurora-jwt-")
    try:
        attacker = new_rsa_key(os.path.join(tmp, "attacker.pem"))
        pub = public_pem(keyfile)
        H = {"alg": "RS256", "kid": kid}

        def mint(claims=None, header=None, key=keyfile):
            return sign(header or H, dict(good, **(claims or {})) if claims is not None else good, key)

        def without(*names):
            return {k: v for k, v in good.items() if k not in names}

        def hs256(header, claims, secret):
            data = ("%s.%s" % (b64u_json(header), b64u_json(claims))).encode()
            return "%s.%s" % (data.decode(), b64u(hmac.new(secret, data, hashlib.sha256).digest()))

        def flip(token, part):
            parts = token.split(".")
            raw = bytearray(unb64u(parts[part]))
            raw[len(raw) // 2] ^= 0x01
            parts[part] = b64u(bytes(raw))
            return ".".join(parts)

        def of_length(n):
            for hx in range(4):
                h = dict(H, x5t="a" * hx)
                for pad in range(1, 7000):
                    c = dict(good, pad="x" * pad)
                    if len(b64u_json(h)) + len(b64u_json(c)) + 2 + 342 == n:
                        t = sign(h, c, keyfile)
                        expect(len(t) == n, "built %d, wanted %d" % (len(t), n))
                        return t
            raise AssertionError("no token of length %d" % n)

        control = mint()
        expect_accepted(stack, control, u["user_id"], "the control token minted here")
        big_ok = of_length(8192)
        expect_accepted(stack, big_ok, u["user_id"], "an 8 KiB token")
        good_payload = b64u_json(good)
        table = [
            ("alg none", "%s.%s." % (b64u_json({"alg": "none", "kid": kid}), good_payload)),
            ("alg none with a signature", "%s.%s" % (b64u_json({"alg": "none", "kid": kid}), good_payload)
             + "." + control.split(".")[2]),
            ("alg None", "%s.%s." % (b64u_json({"alg": "None"}), good_payload)),
            ("HS256 keyed with the public key's PEM", hs256({"alg": "HS256", "kid": kid}, good, pub)),
            ("HS256 keyed with the PEM, no kid", hs256({"alg": "HS256"}, good, pub)),
            ("HS512 keyed with the PEM", "%s.%s.%s" % (b64u_json({"alg": "HS512", "kid": kid}), good_payload,
                                                      b64u(hmac.new(pub, ("%s.%s" % (b64u_json({"alg": "HS512", "kid": kid}), good_payload)).encode(), hashlib.sha512).digest()))),
            ("alg rs256", mint(header={"alg": "rs256", "kid": kid})),
            ("alg RS512", mint(header={"alg": "RS512", "kid": kid})),
            ("alg PS256", mint(header={"alg": "PS256", "kid": kid})),
            ("unknown kid", mint(header={"alg": "RS256", "kid": "19990101T000000Z"})),
            ("no kid", mint(header={"alg": "RS256"})),
            ("kid with path characters", mint(header={"alg": "RS256", "kid": "../../../../../etc/passwd"})),
            ("kid naming our key file by path", mint(header={"alg": "RS256", "kid": "../keys/" + kid})),
            ("kid with a NUL", mint(header={"alg": "RS256", "kid": kid + "\u0000"})),
            ("jku pointing elsewhere", mint(header=dict(H, jku="http://127.0.0.1:9/jwks.json"))),
            ("jku with the attacker's key", sign(dict(H, jku="http://127.0.0.1:9/jwks.json"), good, attacker)),
            ("x5u pointing elsewhere", mint(header=dict(H, x5u="http://127.0.0.1:9/cert.pem"))),
            ("embedded jwk of the attacker", sign(dict(H, jwk=jwk_of(attacker, kid)), good, attacker)),
            ("x5c header", mint(header=dict(H, x5c=["MIIBIjAN"]))),
            ("crit header", mint(header=dict(H, crit=["exp"]))),
            ("expired", mint({"exp": now - 61, "iat": now - 3661})),
            ("expired long ago", mint({"exp": now - 86400, "iat": now - 90000})),
            ("not yet valid", mint({"nbf": now + 300})),
            ("issued in the future", mint({"iat": now + 300, "exp": now + 3900})),
            ("no exp", sign(H, without("exp"), keyfile)),
            ("no iat", sign(H, without("iat"), keyfile)),
            ("exp as a string", mint({"exp": str(now + 3600)})),
            ("wrong iss", mint({"iss": "https://evil.example"})),
            ("iss with a trailing slash", mint({"iss": good["iss"] + "/"})),
            ("token_use id", mint({"token_use": "id"})),
            ("our own id token", u["id_token"]),
            ("no token_use", sign(H, without("token_use"), keyfile)),
            ("wrong client_id", mint({"client_id": "someone-else"})),
            ("no client_id", sign(H, without("client_id"), keyfile)),
            ("sub of another format", mint({"sub": "' OR '1'='1"})),
            ("sub of no user", mint({"sub": str(uuid.uuid4())})),
            ("session of no one", mint({"origin_jti": str(uuid.uuid4())})),
            ("no session", sign(H, without("origin_jti"), keyfile)),
            ("signature stripped", ".".join(control.split(".")[:2]) + "."),
            ("signature part missing", ".".join(control.split(".")[:2])),
            ("four parts", control + ".e30"),
            ("byte flipped in the header", flip(control, 0)),
            ("byte flipped in the payload", flip(control, 1)),
            ("byte flipped in the signature", flip(control, 2)),
            ("signed by another key with the right kid", sign(H, good, attacker)),
            ("8 KiB + 1", of_length(8193)),
            ("non-base64url garbage", "!!!.@@@.###"),
            ("padding", control.split(".")[0] + "=." + control.split(".")[1] + "." + control.split(".")[2]),
            ("standard base64", control.replace("-", "+").replace("_", "/") if ("-" in control or "_" in control) else "a+b/.c.d"),
            ("empty", ""),
            ("one word", "token"),
        ]
        bodies = set()
        for name, tok in table:
            a, b = expect_rejected(stack, tok, name)
            bodies.add((a, b))
        for raw in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "bearer" + control, "Token " + control,
                    "Bearer " + control + " x"):
            a, b = expect_rejected(stack, None, "Authorization %r" % raw[:20], raw=raw)
            bodies.add((a, b))
        r = request(stack, "GET", "/api/v1/me")
        expect_401(r, "no Authorization header")
        r = request(stack, "GET", "/api/v1/auth/verify")
        expect_401(r, "no Authorization header on verify")
        expect(len(bodies) == 1, "401 bodies differ between failures: %r" % list(bodies)[:3])
        # A user disabled by the operator: their unexpired token dies.
        r = admin(stack, "user", "disable", u["email"])
        expect(r.returncode == 0, "user disable: %s" % r.stdout)
        expect_rejected(stack, control, "a disabled user's unexpired token")
        expect_401(refresh(stack, u["refresh_token"]), "a disabled user's refresh token")
        expect(users.login(stack, u["email"], u["password"]).status == 401, "a disabled user signs in")
        r = admin(stack, "user", "enable", u["email"])
        expect(r.returncode == 0, "user enable: %s" % r.stdout)
        r = users.login(stack, u["email"], u["password"])
        expect(r.status == 200, "login after enable: %s" % r.describe())
        expect_rejected(stack, control, "a token from before the account was disabled")
        log = open(os.path.join(stack.var, "log", "aurora-api.log"), errors="replace").read()
        expect(control.split(".")[2] not in log and good_payload not in log, "a token reached the log")
    finally:
        subprocess.run(["rm", "-rf", tmp])
        clear_failures(stack)


class JwksServer:
    """Serves one JWKS document on 127.0.0.1 and counts the fetches."""

    def __init__(self, doc):
        self.doc = doc
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits += 1
                body = json.dumps(outer.doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def cognito_claims(iss, client, sub, now, **extra):
    c = {"sub": sub, "iss": iss, "client_id": client, "origin_jti": str(uuid.uuid4()),
         "event_id": str(uuid.uuid4()), "token_use": "access", "scope": "aws.cognito.signin.user.admin",
         "auth_time": now - 5, "exp": now + 3600, "iat": now - 5, "jti": str(uuid.uuid4()), "username": sub}
    c.update(extra)
    return c


def test_external_issuer(stack):
    d = os.path.join(stack.var, "external")
    os.makedirs(d, exist_ok=True)
    key = new_rsa_key(os.path.join(d, "cognito.pem"))
    key2 = new_rsa_key(os.path.join(d, "oidc.pem"))
    with open(os.path.join(d, "jwks.json"), "w") as f:
        json.dump({"keys": [jwk_of(key, "cognito-kid-1")]}, f)
    srv = JwksServer({"keys": [jwk_of(key2, "oidc-kid-1")]})
    oidc_iss = "https://login.example.test/realms/aurora"
    issuers = os.path.join(d, "issuers.json")
    with open(issuers, "w") as f:
        json.dump([{"issuer": COGNITO, "jwks_file": os.path.join(d, "jwks.json"), "client_ids": [COGNITO_CLIENT]},
                   {"issuer": oidc_iss, "jwks_uri": "http://127.0.0.1:%d/jwks.json" % srv.port,
                    "client_ids": ["oidc-client"], "algorithms": ["RS256"], "require_token_use": False}], f)
    try:
        stack.restart_api({"AURORA_EXTERNAL_ISSUERS_FILE": issuers})
        now = int(time.time())
        sub = str(uuid.uuid4())
        hdr = {"kid": "cognito-kid-1", "alg": "RS256"}
        tok = sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now), key)
        expect(sql(stack, "SELECT count(*) FROM users WHERE external_sub = %s" % q(sub)) == "0", "user exists early")
        r = me(stack, tok)
        expect(r.status == 200, "a Cognito token: %s" % r.describe())
        expect(r.body["issuer"] == COGNITO and r.body["email_verified"] is False, "external /me %r" % r.body)
        uid = r.body["user_id"]
        row = sql(stack, "SELECT id, issuer, external_sub, email, password_hash IS NULL FROM users WHERE external_sub = %s" % q(sub))
        expect(row == "%s|%s|%s|%s@external.invalid|t" % (uid, COGNITO, sub, sub), "created user %r" % row)
        expect_accepted(stack, tok, uid, "the Cognito token again")
        expect(sql(stack, "SELECT count(*) FROM users WHERE external_sub = %s" % q(sub)) == "1", "user created twice")
        # Its claims, where it has them, fill the user in.
        sub2 = str(uuid.uuid4())
        tok2 = sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub2, now, email="ext@example.com",
                                        email_verified=True), key)
        r = me(stack, tok2)
        expect(r.status == 200 and r.body["email"] == "ext@example.com" and r.body["email_verified"] is True,
               "external user with an address: %s" % r.describe())
        # The external issuer's own rules: client ids, token_use, keys.
        for name, t in (
            ("wrong client", sign(hdr, cognito_claims(COGNITO, "aurora-web", sub, now), key)),
            ("id token", sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now, token_use="id"), key)),
            ("our kid", sign({"kid": signer(stack)[0], "alg": "RS256"}, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now), signer(stack)[1])),
            ("other key", sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now), key2)),
            ("HS256 with its PEM", "%s.%s.%s" % (b64u_json({"kid": "cognito-kid-1", "alg": "HS256"}),
                                                  b64u_json(cognito_claims(COGNITO, COGNITO_CLIENT, sub, now)), "AAAA")),
            ("expired", sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now, exp=now - 100, iat=now - 3700), key)),
        ):
            expect_rejected(stack, t, "Cognito: " + name)
        # An OIDC provider whose JWKS is fetched over HTTP on first use.
        osub = "oidc|" + uuid.uuid4().hex
        otok = sign({"kid": "oidc-kid-1", "alg": "RS256", "typ": "JWT"},
                    {"iss": oidc_iss, "sub": osub, "client_id": "oidc-client", "aud": "aurora",
                     "iat": now, "exp": now + 600, "email": "oidc@example.com", "email_verified": True}, key2)
        r = me(stack, otok)
        expect(r.status == 200 and r.body["issuer"] == oidc_iss and r.body["email"] == "oidc@example.com",
               "OIDC token: %s" % r.describe())
        expect(srv.hits >= 1, "the JWKS was never fetched")
        hits = srv.hits
        for _ in range(3):
            expect_rejected(stack, sign({"kid": "oidc-kid-unknown", "alg": "RS256"},
                                        {"iss": oidc_iss, "sub": osub, "client_id": "oidc-client",
                                         "iat": now, "exp": now + 600}, key2), "unknown OIDC kid")
        expect(srv.hits - hits <= stack.workers, "JWKS fetched %d times for unknown kids" % (srv.hits - hits))
        # Global sign-out works for external users too.
        r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(tok))
        expect(r.status == 204, "external logout-all: %s" % r.describe())
        expect_rejected(stack, tok, "an external token from before logout-all")
        later = sign(hdr, cognito_claims(COGNITO, COGNITO_CLIENT, sub, now, iat=int(time.time()) + 2), key)
        expect_accepted(stack, later, uid, "an external token issued after logout-all")
        # Removed from the configuration: the same token is refused.
        stack.restart_api({"AURORA_EXTERNAL_ISSUERS_FILE": None})
        expect_rejected(stack, later, "a Cognito token once its issuer is removed")
        expect_rejected(stack, otok, "an OIDC token once its issuer is removed")
    finally:
        srv.close()
        if stack.env.get("AURORA_EXTERNAL_ISSUERS_FILE"):
            stack.restart_api({"AURORA_EXTERNAL_ISSUERS_FILE": None})


def test_nginx_auth_request(stack):
    """The documented nginx snippet (docs/identity.md) protects a location
    with auth_request against GET /api/v1/auth/verify."""
    v = subprocess.run(["nginx", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True).stdout
    expect("http_auth_request_module" in v, "nginx lacks the auth_request module")
    u = users.create_user(stack)
    d = os.path.join(stack.var, "authreq")
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sock = stack.conf()["listen"][len("unix:"):]
    conf = """
%(user)s
worker_processes 1;
pid %(d)s/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(d)s/tmp/body;
    fastcgi_temp_path %(d)s/tmp/fastcgi;
    proxy_temp_path %(d)s/tmp/proxy;
    uwsgi_temp_path %(d)s/tmp/uwsgi;
    scgi_temp_path %(d)s/tmp/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        location = /_aurora_auth {
            internal;
            fastcgi_pass unix:%(sock)s;
            fastcgi_pass_request_body off;
            fastcgi_param REQUEST_METHOD GET;
            fastcgi_param REQUEST_URI /api/v1/auth/verify;
            fastcgi_param CONTENT_LENGTH "";
            fastcgi_param REMOTE_ADDR $remote_addr;
            fastcgi_param HTTP_PROXY "";
        }
        location /private/ {
            root %(d)s/www;
            auth_request /_aurora_auth;
            auth_request_set $aurora_user $upstream_http_x_aurora_user;
            auth_request_set $aurora_email $upstream_http_x_aurora_email;
            add_header X-Seen-User $aurora_user always;
            add_header X-Seen-Email $aurora_email always;
        }
    }
}
""" % {"user": "user root;" if os.getuid() == 0 else "", "d": d, "port": port, "sock": sock}
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(conf)
    os.makedirs(os.path.join(d, "www", "private"), exist_ok=True)
    with open(os.path.join(d, "www", "private", "page"), "w") as f:
        f.write("private page\n")
    r = subprocess.run(["nginx", "-p", d + "/", "-c", os.path.join(d, "nginx.conf"), "-e", os.path.join(d, "error.log")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=30)
    expect(r.returncode == 0, "nginx did not start: %s" % r.stdout)
    try:
        time.sleep(0.3)
        r = stack.request("GET", "/private/page", headers=bearer(u["access_token"]), port=port)
        expect(r.status == 200, "auth_request with a good token: %s" % r.describe())
        expect(r.raw == b"private page\n", "body %r" % r.raw)
        expect(r.headers.get("X-Seen-User") == u["user_id"] and r.headers.get("X-Seen-Email") == u["email"],
               "identity passed on: %r %r" % (r.headers.get("X-Seen-User"), r.headers.get("X-Seen-Email")))
        for h in (None, bearer(u["access_token"] + "x"), bearer(u["id_token"])):
            r = stack.request("GET", "/private/page", headers=h, port=port)
            expect(r.status == 401, "auth_request with %r: %s" % (h and list(h.values())[0][:20], r.describe()))
            expect(b"private" not in r.raw, "the page leaked on a 401")
            expect(r.headers.get("WWW-Authenticate") == INVALID_TOKEN, "WWW-Authenticate %r" % r.headers.get("WWW-Authenticate"))
        # The subrequest is a GET whatever the method of the request.
        r = stack.request("POST", "/private/page", body="x", headers=bearer(u["access_token"]), port=port)
        expect(r.status == 405 and r.headers.get("X-Seen-User") == u["user_id"],
               "POST through auth_request: %s %r" % (r.describe(), r.headers.get("X-Seen-User")))
    finally:
        with open(os.path.join(d, "nginx.pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGQUIT)
        for _ in range(50):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)


def test_admin_keys_and_rotation(stack):
    r = admin(stack, "keys", "list")
    old_kid, _ = signer(stack)
    expect(r.returncode == 0 and "%s  RS256  signing" % old_kid in r.stdout, "keys list: %r" % r.stdout)
    r = admin(stack, "keys", "ensure")
    expect(r.returncode == 0 and "holds 1 key" in r.stdout, "keys ensure with a key: %r" % r.stdout)
    u = users.create_user(stack)
    time.sleep(1.1)
    r = admin(stack, "keys", "create")
    expect(r.returncode == 0 and r.stdout.startswith("created key "), "keys create: %r" % r.stdout)
    new_kid = r.stdout.split()[2]
    expect(re.fullmatch(r"\d{8}T\d{6}Z", new_kid) and new_kid > old_kid, "new kid %r (old %r)" % (new_kid, old_kid))
    st = os.stat(os.path.join(stack.var, "keys", new_kid + ".pem"))
    expect(st.st_mode & 0o777 == 0o600, "key file mode %o" % (st.st_mode & 0o777))
    # Workers load keys at start: SIGHUP replaces them.
    master = stack.api_master_pid()
    before = stack.worker_pids(master)
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = stack.worker_pids(master)
        if len(now) == stack.workers and not (now & before):
            break
        time.sleep(0.2)
    expect(not (stack.worker_pids(master) & before), "workers were not replaced")
    expect(stack.wait_healthy(10), "unhealthy after SIGHUP")
    kids = {k["kid"] for k in request(stack, "GET", "/.well-known/jwks.json").body["keys"]}
    expect(kids == {old_kid, new_kid}, "published kids %r" % kids)
    r = users.login(stack, u["email"], u["password"])
    expect(decode(r.body["access_token"])[0]["kid"] == new_kid, "not signed with the new key")
    expect_accepted(stack, r.body["access_token"], u["user_id"], "a token of the new key")
    expect_accepted(stack, u["access_token"], u["user_id"], "a token of the old key")
    r = admin(stack, "keys", "create", "1024")
    expect(r.returncode != 0, "a 1024-bit key was accepted")
    r = admin(stack, "keys", "frobnicate")
    expect(r.returncode == 2, "keys frobnicate: %d" % r.returncode)
    # Users.
    r = admin(stack, "user", "list")
    expect(r.returncode == 0 and u["email"] in r.stdout and u["user_id"] in r.stdout, "user list: %r" % r.stdout[-300:])
    r = admin(stack, "user", "delete", u["email"])
    expect(r.returncode == 0, "user delete: %s" % r.stdout)
    expect(sql(stack, "SELECT count(*) FROM users WHERE id = %s" % q(u["user_id"])) == "0", "user not deleted")
    expect_rejected(stack, u["access_token"], "a token of a deleted user")
    r = admin(stack, "user", "delete", u["email"])
    expect(r.returncode == 1 and "no user" in r.stdout, "deleting twice: %r" % r.stdout)


def test_users_helper(stack):
    """users.create_user, which other test files use, gives working tokens."""
    u = users.create_user(stack)
    expect(set(u) == {"email", "password", "user_id", "access_token", "refresh_token", "id_token"}, "keys %r" % sorted(u))
    expect_accepted(stack, u["access_token"], u["user_id"], "create_user's token")
    v = users.create_user(stack, email=unique_email("named"), password="chosen password")
    expect(v["password"] == "chosen password" and v["email"].startswith("named-"), "create_user arguments ignored")


TESTS = [
    ("wellknown", test_wellknown),
    ("signup_confirm_login", test_signup_confirm_login),
    ("signup_validation", test_signup_validation),
    ("signup_existing_addresses", test_signup_existing_addresses),
    ("resend", test_resend),
    ("code_lockout_expiry", test_code_lockout_expiry),
    ("login_failures_alike", test_login_failures_alike),
    ("login_slow_down", test_login_slow_down),
    ("refresh_rotation_and_reuse", test_refresh_rotation_and_reuse),
    ("logout", test_logout),
    ("session_cap", test_session_cap),
    ("logout_all", test_logout_all),
    ("sessions_list_and_end", test_sessions_list_and_end),
    ("forgot_reset", test_forgot_reset),
    ("me_patch_delete", test_me_patch_delete),
    ("hostile_tokens", test_hostile_tokens),
    ("external_issuer", test_external_issuer),
    ("nginx_auth_request", test_nginx_auth_request),
    ("admin_keys_and_rotation", test_admin_keys_and_rotation),
    ("users_helper", test_users_helper),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
