"""Signed-in users for the integration tests (Python 3 stdlib only).

    import users
    u = users.create_user(stack)          # signs up, confirms, signs in
    stack.request("GET", "/api/v1/me", headers=users.bearer(u["access_token"]))

create_user returns dict(email, password, user_id, access_token,
refresh_token, id_token). Confirmation and reset codes are read from the
mail_outbox table (as the database superuser), falling back to the SES
emulator's store once the sender has dealt with the row.
"""

import base64
import email
import email.policy
import json
import re
import time
import uuid

JSON = {"Content-Type": "application/json"}
# nginx's own 429 (limit_req on /api/v1/auth/), as opposed to the API's.
NGINX_429 = "Too many requests; retry later."
CODE_RE = re.compile(r"code is:\s*(\d{6})\b")


class UserError(Exception):
    pass


def bearer(token):
    return {"Authorization": "Bearer " + token}


def post(stack, path, body, headers=None, source=None, tries=40):
    """POST a JSON body (dict, or str/bytes as is). Waits out nginx's
    request-rate limit on /api/v1/auth/ (10/s, burst 20), so tests can
    make many calls; the API's own 429s are returned."""
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    hdrs = dict(JSON)
    hdrs.update(headers or {})
    for _ in range(tries):
        r = stack.request("POST", path, data, hdrs, source=source)
        if not (r.status == 429 and isinstance(r.body, dict)
                and r.body.get("error", {}).get("message") == NGINX_429):
            return r
        time.sleep(0.3)
    return r


_sources = iter(())


def spread_source():
    """A loopback address from a pool of 250, so that many token checks in
    a row do not meet nginx's per-client rate limit on /api/v1/auth/."""
    global _sources
    try:
        return next(_sources)
    except StopIteration:
        _sources = iter(["127.0.1.%d" % i for i in range(1, 251)])
        return next(_sources)


def request(stack, method, path, headers=None, source=None, tries=40):
    """Any request, waiting out nginx's rate limit like post()."""
    for _ in range(tries):
        r = stack.request(method, path, headers=headers, source=source)
        if not (r.status == 429 and isinstance(r.body, dict)
                and r.body.get("error", {}).get("message") == NGINX_429):
            return r
        time.sleep(0.3)
    return r


def unique_email(prefix="user"):
    return "%s-%s@example.com" % (prefix, uuid.uuid4().hex[:12])


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


def last_mail_id(stack):
    out = stack.psql("SELECT COALESCE(max(id), 0) FROM mail_outbox").strip()
    return int(out or 0)


def _ses_codes(stack, addr):
    """Codes in mail the SES emulator holds for addr, oldest first."""
    found = []
    try:
        mails = stack.ses_emails()
    except Exception:  # noqa: BLE001 — the fallback is best effort
        return found
    for m in mails:
        text = json.dumps(m)
        if addr.lower() not in text.lower():
            continue
        texts = [text]
        raw = None
        if isinstance(m, dict):
            raw = m.get("rawData") or (m.get("body") or {}).get("raw")
        if isinstance(raw, str):
            try:
                msg = email.message_from_bytes(base64.b64decode(raw), policy=email.policy.default)
                for part in msg.walk():
                    if part.get_content_type() == "text/plain":
                        texts.append(part.get_content())
            except Exception:  # noqa: BLE001
                pass
        for t in texts:
            found += CODE_RE.findall(t.replace("\\n", "\n"))
    return found


def read_code(stack, addr, kind="confirm", after_id=0, timeout=15.0):
    """The newest 6-digit code mailed to addr (kind 'confirm' or 'reset')
    in an outbox row with id > after_id."""
    deadline = time.monotonic() + timeout
    while True:
        out = stack.psql(
            "SELECT id, encode(convert_to(COALESCE(body_text, ''), 'UTF8'), 'base64') "
            "FROM mail_outbox WHERE kind = %s AND lower(to_addr) = lower(%s) AND id > %d "
            "ORDER BY id DESC LIMIT 1" % (sql_quote(kind), sql_quote(addr), after_id))
        if out.strip():
            mail_id, b64 = out.strip().split("|", 1)
            body = base64.b64decode(b64.replace("\n", "")).decode("utf-8")
            m = CODE_RE.search(body)
            if m:
                return m.group(1)
            codes = _ses_codes(stack, addr)
            if codes:
                return codes[-1]
        if time.monotonic() > deadline:
            raise UserError("no %s code mailed to %s" % (kind, addr))
        time.sleep(0.2)


def signup(stack, addr, password, name=None):
    body = {"email": addr, "password": password}
    if name is not None:
        body["name"] = name
    return post(stack, "/api/v1/auth/signup", body)


def login(stack, addr, password, source=None):
    return post(stack, "/api/v1/auth/login", {"email": addr, "password": password}, source=source)


def create_user(stack, email=None, password=None, name=None):  # noqa: A002 — the asked-for signature
    """Signs up, confirms with the mailed code and signs in."""
    addr = email or unique_email()
    password = password or "pw-" + uuid.uuid4().hex
    before = last_mail_id(stack)
    r = signup(stack, addr, password, name)
    if r.status != 201:
        raise UserError("signup %s: %s" % (addr, r.describe()))
    user_id = r.body["user_id"]
    code = read_code(stack, addr, "confirm", before)
    r = post(stack, "/api/v1/auth/confirm", {"email": addr, "code": code})
    if r.status != 200:
        raise UserError("confirm %s: %s" % (addr, r.describe()))
    r = login(stack, addr, password)
    if r.status != 200:
        raise UserError("login %s: %s" % (addr, r.describe()))
    return dict(email=addr, password=password, user_id=user_id,
                access_token=r.body["access_token"], refresh_token=r.body["refresh_token"],
                id_token=r.body["id_token"])
