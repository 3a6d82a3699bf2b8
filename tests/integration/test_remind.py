#!/usr/bin/python3
"""aurora-remind against real peers: the SES emulator (aws-ses-v2-local), a
botocore-verifying SES endpoint, a fault-injecting SES stub, and a real SMTP
server (aiosmtpd) on loopback; faults (429, 500, SIGKILL mid-batch, two
senders, a database restart, an event deleted after the claim) and the
daylight-saving case. Run: /usr/bin/python3 tests/integration/test_remind.py [NAME...]"""

import base64
import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Skip, expect, run_tests  # noqa: E402
from remind_util import (  # noqa: E402
    REMIND, add_account_mails, add_reminder, clear_outbox, lit, make_event, make_user,
    msgid, one, outbox, run_remind, sql, start_remind, stop_watcher, wait_for,
    write_conf)
from ses_stub import HAVE_BOTOCORE, SesStub  # noqa: E402
from remind_smtp import HAVE_AIOSMTPD, SmtpBox  # noqa: E402


def uniq(prefix="u"):
    return "%s-%s@example.org" % (prefix, uuid.uuid4().hex[:10])


def setup(stack):
    if not os.access(REMIND, os.X_OK):
        raise AssertionError("%s is not built" % REMIND)
    stop_watcher(stack)
    clear_outbox(stack)


def ses_conf(stack, name, endpoint, **kw):
    return write_conf(stack, name, mail_transport="ses", ses_endpoint=endpoint,
                      ses_region="us-east-1", **kw)


def future_event(stack, user, title="Planning", minutes=60, tz="UTC", **kw):
    """An event starting in `minutes` minutes, one hour long; returns
    (event id, occurrence start text)."""
    start = one(stack, "SELECT to_char((date_trunc('minute', now()) + interval '%d minutes') "
                "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');" % minutes)
    end = one(stack, "SELECT to_char((%s::timestamptz + interval '1 hour') AT TIME ZONE 'UTC', "
              "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');" % ("'" + start + "'"))
    return make_event(stack, user, title, start, end, tz=tz, **kw), start


def due_reminder(stack, user, title="Planning", **kw):
    """A reminder due now for an event an hour ahead; returns outbox id."""
    ev, start = future_event(stack, user, title, **kw)
    return add_reminder(stack, ev, start, 60, due_at="now()"), ev


# ---------------------------------------------------------------- database
def test_sql_privileges_and_due_index(stack):
    setup(stack)
    r = sql(stack, "CREATE TABLE remind_evil (x int);", user="aurora_remind", check=False)
    expect(r.returncode != 0 and "permission denied" in r.stderr,
           "aurora_remind could create a table: %r" % r.stderr)
    r = sql(stack, "UPDATE mail_outbox SET to_addr = 'x@y.z';", user="aurora_remind", check=False)
    expect(r.returncode != 0 and "permission denied" in r.stderr,
           "aurora_remind could rewrite a recipient: %r" % r.stderr)
    r = sql(stack, "DELETE FROM mail_outbox;", user="aurora_remind", check=False)
    expect(r.returncode != 0 and "permission denied" in r.stderr, "aurora_remind could delete")
    sql(stack, "UPDATE mail_outbox SET status = status;", user="aurora_remind")
    # 20,000 pending mails none of which is due: the claim reads the
    # partial index mail_outbox_due, not the table.
    sql(stack, "INSERT INTO mail_outbox (kind, to_addr, subject, body_text, due_at) "
        "SELECT 'confirm', 'a@b.test', 's', 'b', now() + interval '1 day' + i * interval '1 s' "
        "FROM generate_series(1, 20000) i; ANALYZE mail_outbox;")
    plan = "\n".join(r[0] for r in sql(stack, "EXPLAIN SELECT id FROM mail_outbox "
                                       "WHERE status = 'pending' AND due_at <= now() "
                                       "ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED;"))
    expect("mail_outbox_due" in plan and "Seq Scan" not in plan, "due query plan:\n" + plan)
    conf = ses_conf(stack, "priv.conf", "http://127.0.0.1:9")
    r = run_remind(conf, "--once")
    expect(r.returncode == 0, "--once with nothing due exited %d: %s" % (r.returncode, r.stderr))
    expect(one(stack, "SELECT count(*) FROM mail_outbox WHERE status <> 'pending';") == "0",
           "a not-due mail changed state")
    clear_outbox(stack)


def test_old_final_mail_pruned(stack):
    """Mail in a final state older than outbox_retention_days is deleted by
    a pass; pending, recent, and reminders whose occurrence is not that old
    yet stay. The sender deletes only through outbox_prune(), which the API
    role may not call."""
    setup(stack)
    rows = [  # (label, kind, status, updated days ago, occurrence days from now, kept)
        ("sent 100 d", "confirm", "sent", 100, None, False),
        ("failed 40 d", "confirm", "failed", 40, None, False),
        ("skipped 31 d", "confirm", "skipped", 31, None, False),
        ("sent 10 d", "confirm", "sent", 10, None, True),
        ("pending, old row", "confirm", "pending", 100, None, True),
        ("reminder sent 100 d, occurred 99 d ago", "reminder", "sent", 100, -99, False),
        ("reminder cancelled 100 d, occurrence ahead", "reminder", "cancelled", 100, 5, True),
        ("reminder sent 35 d, occurred 20 d ago", "reminder", "sent", 35, -20, True),
    ]
    for label, kind, status, age, occ, _ in rows:
        occ_sql = "NULL" if occ is None else "now() + interval '%d days'" % occ
        sql(stack, "INSERT INTO mail_outbox (kind, to_addr, subject, body_text, occurrence_start, "
            "minutes_before, due_at, status, attempts, sent_at, updated_at) VALUES "
            "('%s', 'a@b.test', %s, 'b', %s, %s, now() + interval '1 day', '%s', 1, NULL, "
            "now() - interval '%d days');"
            % (kind, lit(label), occ_sql, "NULL" if kind == "confirm" else "10", status, age))
    r = sql(stack, "SELECT outbox_prune(1, 10);", user="aurora_api", check=False)
    expect(r.returncode != 0 and "permission denied" in r.stderr,
           "aurora_api could prune: %r" % r.stderr)
    keep_all = write_conf(stack, "prune-off.conf", outbox_retention_days=0)
    r = run_remind(keep_all, "--once")
    expect(r.returncode == 0, "--once: %s" % r.stderr)
    expect(one(stack, "SELECT count(*) FROM mail_outbox;") == str(len(rows)), "retention 0 deleted mail")
    conf = write_conf(stack, "prune.conf", outbox_retention_days=30)
    r = run_remind(conf, "--once")
    expect(r.returncode == 0, "--once: %s" % r.stderr)
    left = {row[0] for row in sql(stack, "SELECT subject FROM mail_outbox;")}
    want = {label for label, _, _, _, _, kept in rows if kept}
    expect(left == want, "kept %r, want %r" % (sorted(left), sorted(want)))
    expect("deleted 4 mails older than 30 days" in r.stderr, "no prune log line: %r" % r.stderr[-500:])
    clear_outbox(stack)


# ---------------------------------------------------------------- the emulator
def emulator_store(stack):
    r = stack.ses_request("GET", "/store")
    expect(r.status == 200, "GET /store: %s" % r.describe())
    return r.body if isinstance(r.body, dict) else json.loads(r.raw)


def test_watch_sends_confirmation_within_seconds(stack):
    """tools/stack runs aurora-remind --watch; a queued code (NOTIFY from
    the 004 trigger) reaches the SES emulator within seconds."""
    if not os.access(REMIND, os.X_OK):
        raise AssertionError("%s is not built" % REMIND)
    clear_outbox(stack)
    stack._tool_ok("start")  # (re)starts the watcher if a test stopped it
    stack.ses_request("POST", "/clear-store")
    time.sleep(1.0)  # let the watcher settle into its wait
    to = uniq("confirm")
    t0 = time.monotonic()
    oid = one(stack, "INSERT INTO mail_outbox (kind, to_addr, subject, body_text, due_at) "
              "VALUES ('confirm', '%s', 'Confirm your address', "
              "'Your code is 314159.', now()) RETURNING id;" % to)
    found = []

    def arrived():
        found[:] = [m for m in emulator_store(stack)["emails"] if to in m["destination"]["to"]]
        return bool(found)
    wait_for(arrived, 5, "the confirmation mail in the emulator")
    elapsed = time.monotonic() - t0
    expect(elapsed < 5, "took %.1fs" % elapsed)
    m = found[0]
    expect(m["subject"] == "Confirm your address", "subject %r" % m["subject"])
    expect("Your code is 314159." in m["body"]["text"], "text %r" % m["body"]["text"])
    expect("Your code is 314159." in (m["body"].get("html") or ""), "no html part")
    expect(m["from"] == '"Aurora Time" <no-reply@aurora.test>' or
           m["from"] == "Aurora Time <no-reply@aurora.test>", "from %r" % m["from"])
    wait_for(lambda: outbox(stack, [oid])[int(oid)]["status"] == "sent", 5, "status sent")
    row = outbox(stack, [oid])[int(oid)]
    expect(row["provider_id"] == m["messageId"], "provider_id %r vs %r" %
           (row["provider_id"], m["messageId"]))
    # SIGTERM: the watcher stops promptly and cleanly
    pid = int(open(os.path.join(stack.var, "run", "aurora-remind.pid")).read())
    t0 = time.monotonic()
    expect(stop_watcher(stack), "the watcher was not running")
    expect(time.monotonic() - t0 < 5, "the watcher took %.1fs to stop" % (time.monotonic() - t0))
    expect(not os.path.exists("/proc/%d/cmdline" % pid) or
           open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z",
           "watcher still alive")


def test_reminder_through_emulator(stack):
    setup(stack)
    stack.ses_request("POST", "/clear-store")
    to = uniq("berlin")
    user = make_user(stack, to, tz="Europe/Berlin")
    ev, start = future_event(stack, user, "Zahnarzt & Co <3", location="Praxis Müller",
                             description="Bring the card.\nSecond line.")
    oid = add_reminder(stack, ev, start, 60, due_at="now()")
    conf = ses_conf(stack, "emu.conf", "http://127.0.0.1:%d" % stack.ses_port)
    r = run_remind(conf, "--once")
    expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-800:]))
    mails = [m for m in emulator_store(stack)["emails"] if to in m["destination"]["to"]]
    expect(len(mails) == 1, "expected 1 mail to %s, got %d" % (to, len(mails)))
    m = mails[0]
    local = one(stack, "SELECT to_char(%s::timestamptz AT TIME ZONE 'Europe/Berlin', "
                "'HH24:MI');" % ("'" + start + "'"))
    expect(m["subject"].startswith("Reminder: Zahnarzt & Co <3, ") and local in m["subject"],
           "subject %r (local start %s)" % (m["subject"], local))
    text = m["body"]["text"]
    for want in ("When:", local, "(Europe/Berlin)", "Where: Praxis Müller", "Bring the card.",
                 "%s/#/events/%s" % (stack.conf()["public_url"], ev)):
        expect(want in text, "%r missing from the text part:\n%s" % (want, text))
    html = m["body"]["html"]
    expect("Zahnarzt &amp; Co &lt;3" in html and "<3" not in html.split("<title>")[1][:40],
           "title not escaped in html")
    expect('href="%s/#/events/%s"' % (stack.conf()["public_url"], ev) in html, "no link in html")
    row = outbox(stack, [oid])[int(oid)]
    expect(row["status"] == "sent" and row["attempts"] == 1, "row %r" % row)
    expect(row["provider_id"] == m["messageId"], "provider id %r" % row["provider_id"])
    # user_id was filled by the 004 trigger
    expect(one(stack, "SELECT user_id FROM mail_outbox WHERE id = %s;" % oid) == user,
           "user_id not filled")


# ---------------------------------------------------------------- signatures
def test_sigv4_checked_by_botocore(stack):
    if not HAVE_BOTOCORE:
        raise AssertionError("python3-botocore is missing (apt-get install python3-botocore)")
    setup(stack)
    token = "FQoGZXIvYXdzEXAMPLETOKEN/+=="
    stub = SesStub(verify=True, region="us-east-1",
                   secrets={"AKIDREMINDTEST": ("remind-test-secret", token)}).start()
    try:
        user = make_user(stack, uniq("sig"))
        ids = [due_reminder(stack, user, "Sig %d ünïcødé" % i)[0] for i in range(5)]
        ids += add_account_mails(stack, 5)
        conf = ses_conf(stack, "sig.conf", stub.url, send_concurrency=3)
        r = run_remind(conf, "--once", env={"AWS_SESSION_TOKEN": token})
        expect(not stub.sig_failures, "botocore rejected: %s" % stub.sig_failures[:3])
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-800:]))
        rows = outbox(stack, ids)
        expect(all(v["status"] == "sent" for v in rows.values()), "rows %r" % rows)
        expect(stub.delivered_total() == 10, "delivered %d" % stub.delivered_total())
        # --quota (GetAccount) is signed too
        q = run_remind(conf, "--quota", env={"AWS_SESSION_TOKEN": token})
        expect(q.returncode == 0, "--quota exit %d: %s" % (q.returncode, q.stderr))
        expect("MaxSendRate: 14" in q.stdout and "Max24HourSend: 50000" in q.stdout,
               "--quota printed %r" % q.stdout)
        # The checker really checks: a wrong secret is refused (403), the
        # sender stops (exit 1) and the mail waits, its attempt not counted.
        clear_outbox(stack)
        bad = add_account_mails(stack, 1)
        r = run_remind(conf, "--once", env={"AWS_SESSION_TOKEN": token,
                                            "AWS_SECRET_ACCESS_KEY": "wrong"})
        expect(r.returncode == 1, "wrong secret: exit %d" % r.returncode)
        expect(stub.sig_failures and "signature mismatch" in stub.sig_failures[-1],
               "checker: %r" % stub.sig_failures[-1:])
        row = outbox(stack, bad)[bad[0]]
        expect(row["status"] == "pending" and row["attempts"] == 0, "row %r" % row)
    finally:
        stub.stop()


# ---------------------------------------------------------------- faults
def test_429_then_200_sent_once_after_backoff(stack):
    setup(stack)

    def plan(stub, key, n):
        if n == 1:
            return (429, "TooManyRequestsException", "Maximum sending rate exceeded.", {})
        return None
    stub = SesStub(plan=plan).start()
    try:
        user = make_user(stack, uniq("throttle"))
        oid, _ = due_reminder(stack, user)
        conf = ses_conf(stack, "429.conf", stub.url, send_backoff_base_ms=400)
        for _ in range(40):
            run_remind(conf, "--once")
            if outbox(stack, [oid])[int(oid)]["status"] == "sent":
                break
            time.sleep(0.1)
        row = outbox(stack, [oid])[int(oid)]
        expect(row["status"] == "sent" and row["attempts"] == 2, "row %r" % row)
        key = msgid(stack, int(oid))
        expect(stub.delivered == {key: 1}, "delivered %r" % stub.delivered)
        times = [t for t, k, s in stub.requests if k == key]
        expect(len(times) == 2, "requests %r" % stub.requests)
        gap = times[1] - times[0]
        expect(gap >= 0.2, "retried after %.3fs, before the backoff (>= 0.2s)" % gap)
    finally:
        stub.stop()


def test_500_forever_fails_after_attempt_limit(stack):
    setup(stack)
    stub = SesStub(plan=lambda s, k, n: (500, "InternalFailure", "backend exploded", {})).start()
    try:
        user = make_user(stack, uniq("boom"))
        oid, ev = due_reminder(stack, user, "Doomed")
        conf = ses_conf(stack, "500.conf", stub.url, send_max_attempts=3,
                        send_backoff_base_ms=50)
        last = None
        for _ in range(60):
            last = run_remind(conf, "--once")
            if outbox(stack, [oid])[int(oid)]["status"] == "failed":
                break
            time.sleep(0.1)
        row = outbox(stack, [oid])[int(oid)]
        expect(row["status"] == "failed" and row["attempts"] == 3, "row %r" % row)
        expect(row["last_error"].startswith("gave up after 3 attempts: ") and
               "HTTP 500" in row["last_error"] and "backend exploded" in row["last_error"],
               "last_error %r" % row["last_error"])
        expect(last.returncode == 1, "the run that gave up exited %d" % last.returncode)
        expect(sum(1 for _, k, _ in stub.requests if k == msgid(stack, int(oid))) == 3,
               "requests %r" % stub.requests)
        expect(not stub.delivered, "delivered %r" % stub.delivered)
        check_api_shows_failure(stack, user, ev, row["last_error"])
    finally:
        stub.stop()


def check_api_shows_failure(stack, user_id, event_id, reason):
    """GET /api/v1/reminders shows the failure with its reason (needs a
    token: tests/integration/users.py from the identity work)."""
    try:
        import users  # noqa: F401
    except ImportError:
        r = stack.request("GET", "/api/v1/reminders")
        expect(r.status == 401, "GET /api/v1/reminders without a token: %s" % r.describe())
        return
    import users
    u = users.create_user(stack)
    token, uid = u["access_token"], u["user_id"]
    sql(stack, "UPDATE mail_outbox SET user_id = %s WHERE event_id = %s;" % (
        "'" + uid + "'", "'" + event_id + "'"))
    sql(stack, "UPDATE events SET user_id = %s WHERE id = %s;" % ("'" + uid + "'", "'" + event_id + "'"))
    r = stack.request("GET", "/api/v1/reminders", headers={"Authorization": "Bearer " + token})
    expect(r.status == 200, "GET /api/v1/reminders: %s" % r.describe())
    items = [i for i in r.body["reminders"] if i["event_id"] == event_id]
    expect(len(items) == 1, "reminders %r" % r.body)
    expect(items[0]["status"] == "failed" and items[0]["reason"] == reason and
           items[0]["attempts"] == 3 and items[0]["event_title"] == "Doomed" and
           items[0]["minutes_before"] == 60 and items[0]["next_attempt_at"] is None,
           "item %r" % items[0])
    # the window is validated, and another user sees nothing of it
    r = stack.request("GET", "/api/v1/reminders?from=yesterday",
                      headers={"Authorization": "Bearer " + token})
    expect(r.status == 422 and r.error_code() == "validation_failed", r.describe())
    r = stack.request("GET", "/api/v1/reminders?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
                      headers={"Authorization": "Bearer " + token})
    expect(r.status == 422, r.describe())
    r = stack.request("GET", "/api/v1/reminders?limit=5",
                      headers={"Authorization": "Bearer " + token})
    expect(r.status == 422, "undeclared parameter: %s" % r.describe())
    other = users.create_user(stack)
    r = stack.request("GET", "/api/v1/reminders",
                      headers={"Authorization": "Bearer " + other["access_token"]})
    expect(r.status == 200 and r.body["reminders"] == [], "other user: %s" % r.describe())


def test_message_rejected_is_permanent(stack):
    setup(stack)
    stub = SesStub(plan=lambda s, k, n: (400, "MessageRejected",
                                         "Email address is not verified.", {})).start()
    try:
        ids = add_account_mails(stack, 2)
        conf = ses_conf(stack, "rej.conf", stub.url)
        r = run_remind(conf, "--once")
        expect(r.returncode == 1, "exit %d" % r.returncode)
        rows = outbox(stack, ids)
        for v in rows.values():
            expect(v["status"] == "failed" and v["attempts"] == 1 and
                   "MessageRejected" in v["last_error"] and "not verified" in v["last_error"],
                   "row %r" % v)
    finally:
        stub.stop()


def test_sigkill_mid_batch(stack):
    """30 mails; the endpoint answers 10 and then holds the next requests;
    the sender is SIGKILLed while they wait. After the lease expires a
    second run sends the other 20: each mail delivered exactly once."""
    setup(stack)
    answered = threading.Semaphore(10)
    holding = threading.Event()
    holding.set()

    def plan(stub, key, n):
        if answered.acquire(blocking=False) or not holding.is_set():
            return None
        stub.release.wait(30)
        return (503, "ServiceUnavailable", "released", {})
    stub = SesStub(plan=plan).start()
    try:
        ids = add_account_mails(stack, 30)
        conf = ses_conf(stack, "kill.conf", stub.url, send_concurrency=4,
                        send_lease_seconds=4, send_batch=30)
        p = start_remind(conf, "--once")
        wait_for(lambda: stub.delivered_total() == 10 and len(stub.seen) > 10, 20,
                 "10 delivered and more held")
        time.sleep(0.3)  # the 10 answers are recorded promptly
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)
        holding.clear()
        stub.release.set()
        rows = outbox(stack, ids)
        sent_first = [i for i, v in rows.items() if v["status"] == "sent"]
        leased = [i for i, v in rows.items() if v["status"] == "sending"]
        expect(len(sent_first) == 10, "sent before the kill: %d (%r)" % (len(sent_first), rows))
        expect(leased, "no leased rows left by the killed sender")
        time.sleep(4.5)  # the lease runs out
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "second run exit %d: %s" % (r.returncode, r.stderr[-600:]))
        rows = outbox(stack, ids)
        expect(all(v["status"] == "sent" for v in rows.values()),
               "not all sent: %r" % {i: v["status"] for i, v in rows.items()})
        expect(stub.delivered_total() == 30 and not stub.duplicates(),
               "delivered %d, duplicates %r" % (stub.delivered_total(), stub.duplicates()))
        expect(set(stub.delivered) == {msgid(stack, i) for i in ids}, "wrong set delivered")
        for i in leased:
            expect(rows[i]["attempts"] == 2, "reclaimed mail %d attempts %d" % (i, rows[i]["attempts"]))
        for i in sent_first:
            expect(rows[i]["attempts"] == 1, "mail %d attempts %d" % (i, rows[i]["attempts"]))
    finally:
        stub.stop()


def test_rate_limit_and_connection_reuse(stack):
    """max_send_rate = 20 with 4 requests in flight: no one-second window
    holds more than 20 sends (+1 for the window's edge), the whole batch
    takes as long as the rate says, and 4 connections carry all of it."""
    setup(stack)
    stub = SesStub(delay=0.01).start()
    try:
        ids = add_account_mails(stack, 60)
        conf = ses_conf(stack, "rate.conf", stub.url, max_send_rate=20, send_concurrency=4)
        t0 = time.monotonic()
        r = run_remind(conf, "--once")
        took = time.monotonic() - t0
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-400:]))
        expect(stub.delivered_total() == 60, "delivered %d" % stub.delivered_total())
        times = sorted(t for t, _, _ in stub.requests)
        worst = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
        expect(worst <= 21, "%d sends within one second at max_send_rate 20" % worst)
        expect(took >= 2.8, "60 mails at 20/s took only %.2fs" % took)
        expect(stub.connections <= 4, "%d connections for 60 mails (no reuse?)" % stub.connections)
        expect(all(v["status"] == "sent" for v in outbox(stack, ids).values()), "not all sent")
    finally:
        stub.stop()


def test_two_senders_1000_mails_each_once(stack):
    setup(stack)
    stub = SesStub().start()
    try:
        ids = add_account_mails(stack, 1000)
        conf = ses_conf(stack, "two.conf", stub.url, send_batch=25, send_concurrency=4,
                        max_send_rate=500)
        a = start_remind(conf, "--once")
        b = start_remind(conf, "--once")
        out_a, err_a = a.communicate(timeout=120)
        out_b, err_b = b.communicate(timeout=120)
        expect(a.returncode == 0 and b.returncode == 0,
               "exits %d %d: %s %s" % (a.returncode, b.returncode, err_a[-300:], err_b[-300:]))
        expect(stub.delivered_total() == 1000, "delivered %d" % stub.delivered_total())
        expect(not stub.duplicates(), "sent twice: %r" % list(stub.duplicates())[:5])
        expect(set(stub.delivered) == {msgid(stack, i) for i in ids}, "wrong set")
        expect(one(stack, "SELECT count(*) FROM mail_outbox WHERE status = 'sent' "
                   "AND attempts = 1;") == "1000", "database record")

        def sent_by(err):
            return sum(int(m) for m in re.findall(r'"msg":"sent (\d+),', err))
        sa, sb = sent_by(err_a), sent_by(err_b)
        expect(sa + sb == 1000 and sa > 0 and sb > 0,
               "the senders report %d + %d (both must have sent)" % (sa, sb))
    finally:
        stub.stop()


def test_database_restart_during_run(stack):
    setup(stack)
    stub = SesStub(delay=0.02).start()
    try:
        ids = add_account_mails(stack, 200)
        conf = ses_conf(stack, "pgr.conf", stub.url, send_concurrency=2, max_send_rate=80,
                        send_lease_seconds=60)
        p = start_remind(conf, "--once")
        wait_for(lambda: stub.delivered_total() >= 40, 30, "40 mails delivered")
        stack.pg_stop()
        time.sleep(1.5)
        stack.pg_start()
        out, err = p.communicate(timeout=120)
        if any(v["status"] != "sent" for v in outbox(stack, ids).values()):
            r = run_remind(conf, "--once")  # what the next cron minute would do
            expect(r.returncode == 0, "follow-up run: %s" % r.stderr[-500:])
        rows = outbox(stack, ids)
        expect(all(v["status"] == "sent" for v in rows.values()),
               "not sent: %r" % {i: v for i, v in rows.items() if v["status"] != "sent"})
        expect(stub.delivered_total() == 200 and not stub.duplicates(),
               "delivered %d, duplicates %r" % (stub.delivered_total(), stub.duplicates()))
        expect("db_" in err or "record_retry" in err or "unavailable" in err,
               "the run did not notice the restart:\n%s" % err[-800:])
    finally:
        stub.stop()


def test_event_deleted_after_claim(stack):
    """Documented: a reminder whose event is deleted after the claim but
    before the mail is handed to the transport is cancelled, not sent; one
    deleted after the hand-over was already sent and stays 'sent'."""
    setup(stack)
    user = make_user(stack, uniq("del"))
    ev_a, start_a = future_event(stack, user, "Kept")
    ev_b, start_b = future_event(stack, user, "Deleted before hand-over", minutes=61)
    ev_c, start_c = future_event(stack, user, "Deleted during send", minutes=62)
    a = int(add_reminder(stack, ev_a, start_a, 60, due_at="now() - interval '3 s'"))
    b = int(add_reminder(stack, ev_b, start_b, 60, due_at="now() - interval '2 s'"))
    c = int(add_reminder(stack, ev_c, start_c, 60, due_at="now() - interval '1 s'"))

    def plan(stub, key, n):
        # While A is on the wire (claimed, B and C not yet handed over),
        # B's event is deleted; while C is on the wire, C's event is.
        if key == msgid(stack, a):
            sql(stack, "DELETE FROM events WHERE id = '%s';" % ev_b)
        if key == msgid(stack, c):
            sql(stack, "DELETE FROM events WHERE id = '%s';" % ev_c)
        return None
    stub = SesStub(plan=plan).start()
    try:
        conf = ses_conf(stack, "del.conf", stub.url, send_concurrency=1)
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-500:]))
        rows = outbox(stack, [a, b, c])
        expect(rows[a]["status"] == "sent", "A %r" % rows[a])
        expect(rows[b]["status"] == "cancelled" and
               rows[b]["last_error"] == "event deleted before the reminder was sent",
               "B %r" % rows[b])
        expect(rows[c]["status"] == "sent" and rows[c]["event_id"] == "", "C %r" % rows[c])
        expect(set(stub.delivered) == {msgid(stack, a), msgid(stack, c)},
               "delivered %r" % stub.delivered)
    finally:
        stub.stop()


def test_skips_ended_unconfirmed_and_deleted(stack):
    setup(stack)
    stub = SesStub().start()
    try:
        user = make_user(stack, uniq("skip"))
        ev = make_event(stack, user, "Long over", "2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z")
        ended = int(add_reminder(stack, ev, "2026-01-05T09:00:00Z", 15))  # cron was down
        lazy = make_user(stack, uniq("unconfirmed"), verified=False)
        unconfirmed, _ = due_reminder(stack, lazy)
        ev2, start2 = future_event(stack, user, "Gone")
        gone = int(add_reminder(stack, ev2, start2, 60, due_at="now()"))
        sql(stack, "DELETE FROM events WHERE id = '%s';" % ev2)
        conf = ses_conf(stack, "skip.conf", stub.url)
        dry = run_remind(conf, "--dry-run")
        expect(dry.returncode == 0 and "3 due mails" in dry.stdout, "dry run: %r" % dry.stdout)
        expect(one(stack, "SELECT count(*) FROM mail_outbox WHERE status = 'pending';") == "3",
               "--dry-run changed the outbox")
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-500:]))
        rows = outbox(stack, [ended, int(unconfirmed), gone])
        expect(rows[ended]["status"] == "skipped" and "ended" in rows[ended]["last_error"],
               "ended %r" % rows[ended])
        expect(rows[int(unconfirmed)]["status"] == "skipped" and
               "not confirmed" in rows[int(unconfirmed)]["last_error"],
               "unconfirmed %r" % rows[int(unconfirmed)])
        expect(rows[gone]["status"] == "cancelled", "deleted %r" % rows[gone])
        expect(not stub.seen, "something was sent: %r" % stub.seen)
    finally:
        stub.stop()


def test_scheduled_reminder_sent_when_due(stack):
    """End to end with the events module's schedule: an event with a
    60-minute reminder starting in 60 minutes and 4 seconds. The first pass
    plans the mail (due in 4 s) and sends nothing; a pass after the due time
    sends it, once."""
    setup(stack)
    stub = SesStub().start()
    try:
        user = make_user(stack, uniq("sched"), tz="Asia/Tokyo")
        start = one(stack, "SELECT to_char((date_trunc('second', now()) + interval '3604 s') "
                    "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');")
        end = one(stack, "SELECT to_char((%s::timestamptz + interval '30 min') AT TIME ZONE "
                  "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');" % ("'" + start + "'"))
        ev = make_event(stack, user, "Scheduled call", start, end, reminders=[60])
        conf = ses_conf(stack, "sched.conf", stub.url)
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "first pass exit %d: %s" % (r.returncode, r.stderr[-400:]))
        rows = sql(stack, "SELECT id, status, minutes_before, to_char(occurrence_start AT TIME ZONE "
                   "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM mail_outbox "
                   "WHERE event_id = '%s';" % ev)
        expect(len(rows) == 1 and rows[0][1:] == ["pending", "60", start],
               "the schedule planned %r" % rows)
        expect(not stub.seen, "sent before it was due")
        oid = int(rows[0][0])
        wait_for(lambda: one(stack, "SELECT due_at <= now() FROM mail_outbox WHERE id = %d;"
                             % oid) == "t", 10, "the reminder to come due")
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "second pass exit %d: %s" % (r.returncode, r.stderr[-400:]))
        expect(outbox(stack, [oid])[oid]["status"] == "sent", "not sent")
        expect(stub.delivered == {msgid(stack, oid): 1}, "delivered %r" % stub.delivered)
        expect("(Asia/Tokyo)" in stub.messages[msgid(stack, oid)].get_body(("plain",)).get_content(),
               "not in the user's zone")
        r = run_remind(conf, "--once")
        expect(stub.delivered_total() == 1 and one(stack, "SELECT count(*) FROM mail_outbox "
                                                   "WHERE event_id = '%s';" % ev) == "1",
               "a later pass planned or sent it again")
    finally:
        stub.stop()


# ---------------------------------------------------------------- time
def test_weekly_event_across_dst(stack):
    """A weekly Sunday 09:00 Europe/Berlin event across the change to
    summer time on 2027-03-28: the reminders (30 min before) fall at 08:30
    local both weeks, i.e. 07:30Z then 06:30Z, and each mail says 09:00."""
    setup(stack)
    stub = SesStub().start()
    try:
        user = make_user(stack, uniq("dst"), tz="Europe/Berlin")
        ev = make_event(stack, user, "Sunday run", "2027-03-21T08:00:00Z", "2027-03-21T09:00:00Z",
                        tz="Europe/Berlin", recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"],
                        series_end="2027-04-04T08:00:00Z")
        # The schedule gives these rows (the events module's expansion);
        # both occurrences are 09:00 local.
        occ = [one(stack, "SELECT to_char((%s::timestamp AT TIME ZONE 'Europe/Berlin') "
                   "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"');" % d)
               for d in ("'2027-03-21 09:00'", "'2027-03-28 09:00'")]
        expect(occ == ["2027-03-21T08:00:00Z", "2027-03-28T07:00:00Z"], "occurrences %r" % occ)
        ids = [int(add_reminder(stack, ev, o, 30)) for o in occ]
        dues = [r[0] for r in sql(stack, "SELECT to_char(due_at AT TIME ZONE 'Europe/Berlin', "
                                  "'YYYY-MM-DD HH24:MI') FROM mail_outbox WHERE id IN (%d, %d) "
                                  "ORDER BY due_at;" % tuple(ids))]
        expect(dues == ["2027-03-21 08:30", "2027-03-28 08:30"], "due (local) %r" % dues)
        conf = ses_conf(stack, "dst.conf", stub.url)
        r = run_remind(conf, "--once")
        expect(not stub.seen, "a reminder months early was sent")
        # Time passes: each becomes due in turn.
        for i, (oid, zone) in enumerate(zip(ids, ("CET", "CEST"))):
            sql(stack, "UPDATE mail_outbox SET due_at = now() WHERE id = %d;" % oid)
            r = run_remind(conf, "--once")
            expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-400:]))
            m = stub.messages.get(msgid(stack, oid))
            expect(m is not None, "reminder %d not sent" % i)
            subj = str(m["Subject"])
            day = ("21", "28")[i]
            expect(subj == "Reminder: Sunday run, Sun %s Mar, 09:00 %s" % (day, zone),
                   "subject %r" % subj)
            text = m.get_body(("plain",)).get_content()
            expect("Sunday, %s March 2027, 09:00-10:00 %s (Europe/Berlin)" % (day, zone) in text,
                   "text %r" % text)
    finally:
        stub.stop()


# ---------------------------------------------------------------- SMTP, file
def test_smtp_starttls_auth(stack):
    if not HAVE_AIOSMTPD:
        raise AssertionError("python3-aiosmtpd is missing (apt-get install python3-aiosmtpd)")
    setup(stack)
    box = SmtpBox().start()
    try:
        user = make_user(stack, uniq("smtp"), tz="America/New_York")
        oid, ev = due_reminder(stack, user, "Über-Meeting")
        codes = add_account_mails(stack, 2)
        conf = write_conf(stack, "smtp.conf", mail_transport="smtp",
                          smtp_url="smtp://127.0.0.1:%d" % box.port, smtp_user=box.user,
                          smtp_password=box.password, smtp_starttls="on", smtp_cafile=box.cert)
        r = run_remind(conf, "--once")
        expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-600:]))
        expect(len(box.messages) == 3, "received %d" % len(box.messages))
        for m in box.messages:
            expect(m["tls"] and m["auth"], "not over TLS with AUTH: %r" % m)
            expect(m["mail_from"] == "no-reply@aurora.test", "MAIL FROM %r" % m["mail_from"])
        rem = [m for m in box.messages if m["rcpt_tos"] == [one(stack, "SELECT email FROM users "
                                                                "WHERE id = '%s';" % user)]]
        expect(len(rem) == 1, "reminder envelope")
        msg = email.message_from_bytes(rem[0]["data"], policy=email.policy.default)
        expect(str(msg["Subject"]).startswith("Reminder: Über-Meeting, "), "subject %r" % msg["Subject"])
        expect(msg["Message-ID"] == msgid(stack, int(oid)), "Message-ID %r" % msg["Message-ID"])
        expect(msg.get_content_type() == "multipart/alternative", "type %r" % msg.get_content_type())
        expect("(America/New_York)" in msg.get_body(("plain",)).get_content(), "zone missing")
        rows = outbox(stack, [oid] + codes)
        expect(all(v["status"] == "sent" for v in rows.values()), "rows %r" % rows)
        # A wrong password: the relay refuses AUTH; the sender stops with
        # exit 1 and the mail waits (not counted as an attempt).
        clear_outbox(stack)
        wait = add_account_mails(stack, 1)
        conf = write_conf(stack, "smtp-bad.conf", mail_transport="smtp",
                          smtp_url="smtp://127.0.0.1:%d" % box.port, smtp_user=box.user,
                          smtp_password="nope", smtp_starttls="on", smtp_cafile=box.cert)
        r = run_remind(conf, "--once")
        expect(r.returncode == 1, "bad password: exit %d" % r.returncode)
        row = outbox(stack, wait)[wait[0]]
        expect(row["status"] == "pending" and row["attempts"] == 0, "row %r" % row)
        # A recipient the relay refuses for good (550): failed at once.
        clear_outbox(stack)
        rej = add_account_mails(stack, 1, to_fmt="nobody{i}@reject.test")
        conf = write_conf(stack, "smtp-ok.conf", mail_transport="smtp",
                          smtp_url="smtp://127.0.0.1:%d" % box.port, smtp_user=box.user,
                          smtp_password=box.password, smtp_starttls="on", smtp_cafile=box.cert)
        r = run_remind(conf, "--once")
        row = outbox(stack, rej)[rej[0]]
        expect(row["status"] == "failed" and "550" in row["last_error"], "row %r" % row)
    finally:
        box.stop()


def test_file_transport(stack):
    setup(stack)
    d = os.path.join(stack.var, "mail-out")
    os.makedirs(d, exist_ok=True)
    ids = add_account_mails(stack, 2, subject_fmt="Réinitialisation {i}")
    conf = write_conf(stack, "file.conf", mail_transport="file", mail_dir=d)
    r = run_remind(conf, "--once")
    expect(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-400:]))
    names = sorted(os.listdir(d))
    expect(names == sorted("outbox-%d-1.eml" % i for i in ids), "files %r" % names)
    with open(os.path.join(d, names[0]), "rb") as f:
        raw = f.read()
    expect(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "not CRLF throughout")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    expect(str(msg["Subject"]).startswith("Réinitialisation "), "subject %r" % msg["Subject"])
    expect(msg["Date"] is not None and msg["MIME-Version"] == "1.0", "headers")
    rows = outbox(stack, ids)
    expect(all(v["status"] == "sent" and v["provider_id"].endswith(".eml") for v in rows.values()),
           "rows %r" % rows)


TESTS = [
    ("watch_sends_confirmation_within_seconds", test_watch_sends_confirmation_within_seconds),
    ("sql_privileges_and_due_index", test_sql_privileges_and_due_index),
    ("old_final_mail_pruned", test_old_final_mail_pruned),
    ("reminder_through_emulator", test_reminder_through_emulator),
    ("sigv4_checked_by_botocore", test_sigv4_checked_by_botocore),
    ("429_then_200_sent_once_after_backoff", test_429_then_200_sent_once_after_backoff),
    ("500_forever_fails_after_attempt_limit", test_500_forever_fails_after_attempt_limit),
    ("message_rejected_is_permanent", test_message_rejected_is_permanent),
    ("sigkill_mid_batch", test_sigkill_mid_batch),
    ("rate_limit_and_connection_reuse", test_rate_limit_and_connection_reuse),
    ("two_senders_1000_mails_each_once", test_two_senders_1000_mails_each_once),
    ("database_restart_during_run", test_database_restart_during_run),
    ("event_deleted_after_claim", test_event_deleted_after_claim),
    ("skips_ended_unconfirmed_and_deleted", test_skips_ended_unconfirmed_and_deleted),
    ("scheduled_reminder_sent_when_due", test_scheduled_reminder_sent_when_due),
    ("weekly_event_across_dst", test_weekly_event_across_dst),
    ("smtp_starttls_auth", test_smtp_starttls_auth),
    ("file_transport", test_file_transport),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
