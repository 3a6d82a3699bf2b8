#!/usr/bin/python3
"""Issue 13, items 3-7 on a throwaway stack: a secret feed URL ends with the
access it was made with (password reset, sign out everywhere, admin
disable, deleted owner); nginx's logs never hold a feed secret; no table
holds a confirmation or reset code once its mail has gone, and the API role
cannot read mail bodies; every mail names its outbox row in
X-Aurora-Outbox-Id, also in the duplicate a lost answer causes; the
sender's role reads no password hash and queues no account mail.
Run: /usr/bin/python3 tests/integration/test_security_ops.py [NAME...]"""

import email
import email.policy
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import bearer, post, unique_email  # noqa: E402
from remind_util import (  # noqa: E402
    REMIND, add_account_mails, add_reminder, lit, make_event, make_user, msgid, one, outbox,
    run_remind, sql, stop_watcher, wait_for, write_conf)
from ses_stub import SesStub  # noqa: E402

ADMIN = os.path.join(BUILD, "src", "aurora-admin")
FEED_RE = re.compile(r"/feeds/([A-Za-z0-9_-]{43})\.ics$")
FINAL = ("sent", "failed", "skipped", "cancelled")


# ---------------------------------------------------------------- helpers

def admin(stack, *args):
    import subprocess
    return subprocess.run([ADMIN, "-c", os.path.join(stack.var, "aurora.conf")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)


def new_feed(stack, token):
    """Creates (or rotates) the user's feed; returns (path, secret)."""
    r = stack.request("POST", "/api/v1/me/feed", headers=bearer(token))
    expect(r.status == 201, "create feed: %s" % r.describe())
    m = FEED_RE.search(r.body["url"])
    expect(m, "feed url %r" % r.body["url"])
    return "/feeds/%s.ics" % m.group(1), m.group(1)


def feed_status(stack, path):
    return stack.request("GET", path).status


def expect_feed_gone(stack, path, why):
    r = stack.request("GET", path)
    check_json_error(r, 404, "not_found")
    expect(r.status == 404, "%s: the feed still answers %d" % (why, r.status))


def sign_in(stack, u, password=None):
    r = users.login(stack, u["email"], password or u["password"])
    expect(r.status == 200, "login: %s" % r.describe())
    return r.body["access_token"]


def as_role(stack, role, text):
    """Runs SQL as role; returns the CompletedProcess (check returncode)."""
    return sql(stack, text, user=role, check=False)


def denied(r):
    return r.returncode != 0 and "permission denied" in r.stderr


def ensure_watcher(stack):
    """tools/stack runs aurora-remind --watch against the SES emulator; a
    test of test_remind.py may have stopped it."""
    stack._tool_ok("start")


def code_columns(stack):
    """Every text-like column of every table in the schema, as
    [(table, column)]: where a code could be kept."""
    rows = sql(stack, "SELECT c.table_name, c.column_name FROM information_schema.columns c "
               "JOIN information_schema.tables t USING (table_schema, table_name) "
               "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
               "AND c.data_type IN ('text', 'character varying', 'character', 'json', "
               "'jsonb', 'ARRAY') ORDER BY 1, 2;")
    return [(r[0], r[1]) for r in rows]


def rows_holding(stack, code):
    """[(table, column, count)] of rows in which the 6-digit code stands
    alone (not inside a longer number)."""
    found = []
    pat = lit("(^|[^0-9])%s([^0-9]|$)" % code)
    for table, col in code_columns(stack):
        n = one(stack, 'SELECT count(*) FROM "%s" WHERE "%s"::text ~ %s;' % (table, col, pat))
        if n != "0":
            found.append((table, col, int(n)))
    return found


def emulator_code(stack, addr, kind_word, timeout=15.0):
    """The newest code the SES emulator holds for addr, from a mail whose
    subject names kind_word ("confirmation" or "reset")."""
    deadline = time.monotonic() + timeout
    while True:
        codes = []
        for m in stack.ses_emails():
            if addr.lower() in json.dumps(m["destination"]).lower() and \
                    kind_word in m.get("subject", "").lower():
                codes += users.CODE_RE.findall(m["body"].get("text") or "")
        if codes:
            return codes[-1]
        if time.monotonic() > deadline:
            raise AssertionError("no %s code for %s in the emulator" % (kind_word, addr))
        time.sleep(0.2)


def wait_final(stack, kind, addr, after_id, timeout=15.0):
    """Waits until the newest mail of kind to addr after after_id is in a
    final state; returns its id and status."""
    q = ("SELECT id, status FROM mail_outbox WHERE kind = %s AND lower(to_addr) = lower(%s) "
         "AND id > %d ORDER BY id DESC LIMIT 1;" % (lit(kind), lit(addr), after_id))
    got = []

    def done():
        rows = sql(stack, q)
        got[:] = rows[0] if rows else []
        return bool(rows) and rows[0][1] in FINAL
    wait_for(done, timeout, "the %s mail to %s to be sent" % (kind, addr))
    return int(got[0]), got[1]


# ---------------------------------------------------------------- item 3: feeds

def test_feed_ends_with_password_reset(stack):
    u = users.create_user(stack)
    path, _ = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the new feed does not answer")
    m0 = users.last_mail_id(stack)
    r = post(stack, "/api/v1/auth/forgot", {"email": u["email"]})
    expect(r.status == 202, "forgot: %s" % r.describe())
    code = users.read_code(stack, u["email"], "reset", m0)
    r = post(stack, "/api/v1/auth/reset",
             {"email": u["email"], "code": code, "new_password": "a new password 1"})
    expect(r.status == 204, "reset: %s" % r.describe())
    expect_feed_gone(stack, path, "after a password reset")
    # A feed made after the reset works.
    path2, _ = new_feed(stack, sign_in(stack, u, "a new password 1"))
    expect(feed_status(stack, path2) == 200, "a feed made after the reset does not answer")
    expect_feed_gone(stack, path, "the old URL after a new feed")


def test_feed_ends_with_logout_all(stack):
    u = users.create_user(stack)
    path, _ = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the new feed does not answer")
    r = post(stack, "/api/v1/auth/logout-all", "", headers=bearer(u["access_token"]))
    expect(r.status == 204, "logout-all: %s" % r.describe())
    expect_feed_gone(stack, path, "after sign out everywhere")
    path2, _ = new_feed(stack, sign_in(stack, u))
    expect(feed_status(stack, path2) == 200, "a feed made after logout-all does not answer")


def test_feed_ends_with_admin_disable(stack):
    """aurora-admin user disable: the feed answers 404 at once; enabling
    the account again does not bring the old URL back (it was made before
    the disable), a new one works."""
    u = users.create_user(stack)
    path, _ = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the new feed does not answer")
    r = admin(stack, "user", "disable", u["email"])
    expect(r.returncode == 0, "disable: %s" % r.stdout)
    expect_feed_gone(stack, path, "after aurora-admin user disable")
    r = admin(stack, "user", "enable", u["email"])
    expect(r.returncode == 0, "enable: %s" % r.stdout)
    expect_feed_gone(stack, path, "the pre-disable URL after enable")
    path2, _ = new_feed(stack, sign_in(stack, u))
    expect(feed_status(stack, path2) == 200, "a feed made after enable does not answer")


def test_feed_of_disabled_owner(stack):
    """The disabled flag alone (whoever set it) closes the feed; clearing it
    opens the same URL again when no sign-out happened in between."""
    u = users.create_user(stack)
    path, _ = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the new feed does not answer")
    sql(stack, "UPDATE users SET disabled = true WHERE id = %s;" % lit(u["user_id"]))
    expect_feed_gone(stack, path, "owner disabled")
    sql(stack, "UPDATE users SET disabled = false WHERE id = %s;" % lit(u["user_id"]))
    expect(feed_status(stack, path) == 200, "feed of a re-enabled owner")


def test_feed_of_deleted_owner(stack):
    u = users.create_user(stack)
    path, _ = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the new feed does not answer")
    r = stack.request("DELETE", "/api/v1/me", headers=bearer(u["access_token"]))
    expect(r.status == 204, "delete account: %s" % r.describe())
    expect_feed_gone(stack, path, "owner deleted")


# ---------------------------------------------------------------- item 4: logs

def test_nginx_logs_hold_no_feed_secret(stack):
    """nginx's access and error logs, and aurora-api's own, after feed
    requests in several spellings and one nginx refuses itself."""
    u = users.create_user(stack)
    path, secret = new_feed(stack, u["access_token"])
    expect(feed_status(stack, path) == 200, "the feed does not answer")
    # The same feed through spellings nginx normalises, a 404 and a 304.
    for p in ("/%66eeds/" + secret + ".ics", "//feeds/" + secret + ".ics?x=1",
              "/api/../feeds/" + secret + ".ics",
              "/feeds/" + secret[:-1] + "A.ics"):
        stack.request("GET", p)
    # A request nginx refuses itself (413: it writes an error line quoting
    # the request line at level error).
    s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=5)
    try:
        s.sendall(("POST /feeds/%s.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                   "Connection: close\r\n\r\n" % secret).encode())
        answer = s.recv(200)
    finally:
        s.close()
    expect(answer.startswith(b"HTTP/1.1 413"), "oversized body: %r" % answer[:60])
    time.sleep(0.3)  # nginx writes its logs unbuffered; let the last line land
    logs = {}
    for name in ("nginx-access.log", "nginx-error.log", "aurora-api.log"):
        with open(os.path.join(stack.var, "log", name), errors="replace") as f:
            logs[name] = f.read()
    for name, text in logs.items():
        expect(secret not in text and secret[:20] not in text,
               "%s holds the feed secret: %r" % (name, [l for l in text.splitlines()
                                                       if secret[:20] in l][:3]))
    masked = [l for l in logs["nginx-access.log"].splitlines() if "/feeds/[secret]" in l]
    expect(len(masked) >= 6, "the feed requests are not in the access log masked: %r" % masked)
    expect(any(" 413 " in l for l in masked), "the 413 is not logged: %r" % masked)


# ---------------------------------------------------------------- item 5: codes

def test_no_code_kept_after_its_mail_went(stack):
    """A confirmation and a reset code, each mailed by the running sender:
    once the mail is sent no text column of any table holds the code (the
    superuser looks), and the row's body is empty."""
    ensure_watcher(stack)
    addr = unique_email("codes")
    m0 = users.last_mail_id(stack)
    r = users.signup(stack, addr, "a password for codes")
    expect(r.status == 201, "signup: %s" % r.describe())
    oid, status = wait_final(stack, "confirm", addr, m0)
    expect(status == "sent", "the confirmation mail ended %s" % status)
    code = emulator_code(stack, addr, "confirmation")
    held = rows_holding(stack, code)
    expect(held == [], "the confirmation code %s is still in %r" % (code, held))
    expect(one(stack, "SELECT length(body_text) FROM mail_outbox WHERE id = %d;" % oid) == "0",
           "the sent mail kept its body")
    m1 = users.last_mail_id(stack)
    r = post(stack, "/api/v1/auth/forgot", {"email": addr})
    expect(r.status == 202, "forgot: %s" % r.describe())
    oid, status = wait_final(stack, "reset", addr, m1)
    expect(status == "sent", "the reset mail ended %s" % status)
    code = emulator_code(stack, addr, "reset")
    held = rows_holding(stack, code)
    expect(held == [], "the reset code %s is still in %r" % (code, held))


def test_failed_and_superseded_mail_forget_their_body(stack):
    """Every final state blanks an account mail's body in the statement
    that sets it; a newer account mail of the same kind for the same user
    cancels the older unsent one (whose code is dead anyway)."""
    user = make_user(stack, unique_email("supersede"))
    # Queued as the API queues them (its role, its columns), due in an
    # hour so that the running sender leaves them alone.
    ins = ("INSERT INTO mail_outbox (user_id, kind, to_addr, subject, body_text, due_at) "
           "VALUES (%s, '%%s', 'x@example.org', 'Your code', 'Your code is:\n\n    %%s\n', "
           "now() + interval '1 hour');" % lit(user))
    for kind, code in (("confirm", "111111"), ("confirm", "222222"), ("reset", "333333")):
        r = as_role(stack, "aurora_api", ins % (kind, code))
        expect(r.returncode == 0, "the API role could not queue account mail: %s" % r.stderr)
    rows = sql(stack, "SELECT kind, status, body_text <> '', coalesce(last_error, '') "
               "FROM mail_outbox WHERE user_id = %s ORDER BY id;" % lit(user))
    expect([r[:3] for r in rows] == [["confirm", "cancelled", "f"], ["confirm", "pending", "t"],
                                     ["reset", "pending", "t"]], "rows %r" % rows)
    expect("superseded" in rows[0][3], "reason %r" % rows[0][3])
    expect(rows_holding(stack, "111111") == [], "the superseded code is still readable")
    # The sender records a permanent failure (its role, its columns).
    r = as_role(stack, "aurora_remind", "UPDATE mail_outbox SET status = 'failed', "
                "lease_until = NULL, last_error = 'x' WHERE user_id = %s AND kind = 'reset';"
                % lit(user))
    expect(r.returncode == 0, "sender update: %s" % r.stderr)
    expect(rows_holding(stack, "333333") == [], "a failed mail kept its code")
    sql(stack, "DELETE FROM users WHERE id = %s;" % lit(user))


def test_api_role_reads_no_mail_body(stack):
    r = as_role(stack, "aurora_api", "SELECT body_text FROM mail_outbox LIMIT 1;")
    expect(denied(r), "aurora_api can read mail bodies: %r" % (r.stdout + r.stderr))
    r = as_role(stack, "aurora_api", "SELECT * FROM mail_outbox LIMIT 1;")
    expect(denied(r), "aurora_api can read every column: %r" % (r.stdout + r.stderr))
    r = as_role(stack, "aurora_api", "SELECT id, status, kind, to_addr, due_at, attempts, "
                "last_error, sent_at FROM mail_outbox LIMIT 1;")
    expect(r.returncode == 0, "aurora_api lost a column it lists: %s" % r.stderr)
    r = as_role(stack, "aurora_api", "DELETE FROM mail_outbox WHERE false;")
    expect(denied(r), "aurora_api may delete mail")
    r = as_role(stack, "aurora_api", "UPDATE mail_outbox SET body_text = 'x' WHERE false;")
    expect(denied(r), "aurora_api may rewrite a body")
    r = as_role(stack, "aurora_api", "UPDATE mail_outbox SET provider_id = 'x' WHERE false;")
    expect(denied(r), "aurora_api may write delivery results")


# ---------------------------------------------------------------- item 6: outbox id

def test_outbox_id_header_on_every_mail(stack):
    """A confirmation and a reminder sent through SES (a stub that keeps
    the raw MIME request: the SES emulator, aws-ses-v2-local 2.10, stores
    a Raw message's addresses, subject and bodies but none of its other
    headers) and through the file transport: each carries
    X-Aurora-Outbox-Id equal to its outbox row's id."""
    stop_watcher(stack)
    stub = SesStub().start()
    try:
        sql(stack, "DELETE FROM mail_outbox WHERE status = 'pending';")
        acct = add_account_mails(stack, 1, to_fmt="hdr{i}-" + unique_email("x"))[0]
        user = make_user(stack, unique_email("hdr"))
        start = one(stack, "SELECT to_char(date_trunc('minute', now()) + interval '2 hours', "
                    "'YYYY-MM-DD HH24:MI:SSOF');")
        end = one(stack, "SELECT to_char(%s::timestamptz + interval '1 hour', "
                  "'YYYY-MM-DD HH24:MI:SSOF');" % lit(start))
        ev = make_event(stack, user, "Header check", start, end)
        rem = int(add_reminder(stack, ev, start, 120, due_at="now()"))
        conf = write_conf(stack, "hdr-ses.conf", mail_transport="ses", ses_endpoint=stub.url,
                          ses_region="us-east-1")
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "remind exit %d: %s" % (r.returncode, r.stderr[-400:]))
        rows = outbox(stack, [acct, rem])
        expect(all(v["status"] == "sent" for v in rows.values()), "rows %r" % rows)
        for oid in (acct, rem):
            m = stub.messages.get(msgid(stack, oid))
            expect(m is not None, "mail %d not received: %r" % (oid, list(stub.messages)))
            expect(m["X-Aurora-Outbox-Id"] == str(oid),
                   "mail %d: X-Aurora-Outbox-Id %r" % (oid, m["X-Aurora-Outbox-Id"]))
        d = os.path.join(stack.var, "hdr-mail-out")
        os.makedirs(d, exist_ok=True)
        ids = add_account_mails(stack, 2, to_fmt="file{i}-" + unique_email("x"))
        conf = write_conf(stack, "hdr-file.conf", mail_transport="file", mail_dir=d)
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "remind exit %d: %s" % (r.returncode, r.stderr[-400:]))
        for oid in ids:
            with open(os.path.join(d, "outbox-%d-1.eml" % oid), "rb") as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.default)
            expect(m["X-Aurora-Outbox-Id"] == str(oid), "file mail %d: %r"
                   % (oid, m["X-Aurora-Outbox-Id"]))
    finally:
        stub.stop()
        ensure_watcher(stack)


def test_lost_answer_duplicate_carries_outbox_id(stack):
    """The second duplicate window docs/reminders.md describes: SES accepts
    a mail but its answer does not arrive within the request timeout
    (send_lease_seconds / 2 here 1 s); the sender retries and SES gets the
    mail twice. Both copies carry the same X-Aurora-Outbox-Id."""
    stop_watcher(stack)
    copies = []

    def slow_first(stub, key, count):
        with stub.lock:
            copies.append(stub.messages[key]["X-Aurora-Outbox-Id"])
        if count == 1:
            time.sleep(2.0)  # accepted, but the answer comes too late
        return None
    stub = SesStub(plan=slow_first).start()
    try:
        sql(stack, "DELETE FROM mail_outbox WHERE status = 'pending';")
        oid = add_account_mails(stack, 1, to_fmt="dup{i}-" + unique_email("x"))[0]
        conf = write_conf(stack, "dup.conf", mail_transport="ses", ses_endpoint=stub.url,
                          ses_region="us-east-1", send_lease_seconds=2,
                          send_backoff_base_ms=100, send_backoff_max_seconds=1)
        deadline = time.monotonic() + 30
        while outbox(stack, [oid])[oid]["status"] != "sent" and time.monotonic() < deadline:
            r = run_remind(conf, "--once")
            time.sleep(0.3)
        row = outbox(stack, [oid])[oid]
        expect(row["status"] == "sent", "row %r" % row)
        expect(stub.seen.get(msgid(stack, oid)) == 2 and row["attempts"] == 2,
               "SES saw the mail %r times in %d attempts" % (stub.seen.get(msgid(stack, oid)),
                                                              row["attempts"]))
        expect(copies == [str(oid), str(oid)], "the copies carried %r" % copies)
    finally:
        stub.stop()
        ensure_watcher(stack)


# ---------------------------------------------------------------- item 7: roles

def test_sender_role_least_privilege(stack):
    r = as_role(stack, "aurora_remind", "SELECT password_hash FROM users LIMIT 1;")
    expect(denied(r), "aurora_remind reads password hashes: %r" % (r.stdout + r.stderr))
    r = as_role(stack, "aurora_remind", "SELECT signed_out_at, external_sub FROM users LIMIT 1;")
    expect(denied(r), "aurora_remind reads sign-in data")
    r = as_role(stack, "aurora_remind", "SELECT id, email, email_verified, disabled, time_zone "
                "FROM users LIMIT 1;")
    expect(r.returncode == 0, "aurora_remind lost what reminders need: %s" % r.stderr)
    for stmt in ("INSERT INTO mail_outbox (kind, to_addr, subject, body_text, due_at) VALUES "
                 "('confirm', 'victim@example.org', 'Your code', 'Your code is: 123456', now());",
                 "INSERT INTO mail_outbox (kind, due_at) VALUES ('confirm', now());",
                 "INSERT INTO mail_outbox (kind, to_addr, subject, body_text, occurrence_start, "
                 "minutes_before, due_at) VALUES ('reminder', 'victim@example.org', 's', 'b', "
                 "now(), 5, now());"):
        r = as_role(stack, "aurora_remind", stmt)
        expect(r.returncode != 0, "aurora_remind queued a mail of its own: %s" % stmt)
    expect(one(stack, "SELECT count(*) FROM mail_outbox WHERE to_addr = 'victim@example.org';")
           == "0", "a forged mail is queued")
    for table in ("auth_codes", "auth_sessions", "event_feeds"):
        r = as_role(stack, "aurora_remind", "SELECT 1 FROM %s LIMIT 1;" % table)
        expect(denied(r), "aurora_remind reads %s" % table)


def test_sender_still_plans_and_sends(stack):
    """With the narrowed rights the sender still plans a reminder from an
    event's rules (INSERT ... ON CONFLICT as aurora_remind) and sends it."""
    stop_watcher(stack)
    stub = SesStub().start()
    try:
        user = make_user(stack, unique_email("plan"), tz="Europe/Berlin")
        # The reminder comes due 3 seconds from now: planned by one pass,
        # sent by a later one.
        start = one(stack, "SELECT to_char(date_trunc('second', now()) + interval '3603 s', "
                    "'YYYY-MM-DD HH24:MI:SSOF');")
        end = one(stack, "SELECT to_char(%s::timestamptz + interval '1 hour', "
                  "'YYYY-MM-DD HH24:MI:SSOF');" % lit(start))
        ev = make_event(stack, user, "Planned", start, end, reminders=[60])
        conf = write_conf(stack, "plan.conf", mail_transport="ses", ses_endpoint=stub.url,
                          ses_region="us-east-1")
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "remind exit %d: %s" % (r.returncode, r.stderr[-400:]))
        rows = sql(stack, "SELECT id, status FROM mail_outbox WHERE event_id = %s;" % lit(ev))
        expect(len(rows) == 1 and rows[0][1] == "pending", "planned %r" % rows)
        oid = int(rows[0][0])
        wait_for(lambda: one(stack, "SELECT due_at <= now() FROM mail_outbox WHERE id = %d;"
                             % oid) == "t", 10, "the reminder to come due")
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "remind exit %d: %s" % (r.returncode, r.stderr[-400:]))
        expect(outbox(stack, [oid])[oid]["status"] == "sent", "not sent: %s" % r.stderr[-400:])
        expect(stub.messages[msgid(stack, oid)]["X-Aurora-Outbox-Id"] == str(oid), "header")
    finally:
        stub.stop()
        ensure_watcher(stack)


TESTS = [
    ("feed_ends_with_password_reset", test_feed_ends_with_password_reset),
    ("feed_ends_with_logout_all", test_feed_ends_with_logout_all),
    ("feed_ends_with_admin_disable", test_feed_ends_with_admin_disable),
    ("feed_of_disabled_owner", test_feed_of_disabled_owner),
    ("feed_of_deleted_owner", test_feed_of_deleted_owner),
    ("nginx_logs_hold_no_feed_secret", test_nginx_logs_hold_no_feed_secret),
    ("no_code_kept_after_its_mail_went", test_no_code_kept_after_its_mail_went),
    ("failed_and_superseded_mail_forget_their_body",
     test_failed_and_superseded_mail_forget_their_body),
    ("api_role_reads_no_mail_body", test_api_role_reads_no_mail_body),
    ("outbox_id_header_on_every_mail", test_outbox_id_header_on_every_mail),
    ("lost_answer_duplicate_carries_outbox_id", test_lost_answer_duplicate_carries_outbox_id),
    ("sender_role_least_privilege", test_sender_role_least_privilege),
    ("sender_still_plans_and_sends", test_sender_still_plans_and_sends),
]

if __name__ == "__main__":
    if not os.access(REMIND, os.X_OK):
        print("FAIL setup: %s is not built" % REMIND)
        sys.exit(1)
    sys.exit(run_tests(TESTS, workers=2))
