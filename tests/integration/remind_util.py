"""Helpers for the aurora-remind tests: SQL as the postgres superuser on the
stack's socket, users/events/outbox rows, a private aurora.conf per test,
and running aurora-remind itself (Python 3 stdlib only)."""

import os
import signal
import subprocess
import time

from stack import BUILD, expect

PGBIN = os.environ.get("AURORA_PGBIN", "/usr/lib/postgresql/15/bin")
REMIND = os.path.join(BUILD, "src", "aurora-remind")
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIDREMINDTEST", "AWS_SECRET_ACCESS_KEY": "remind-test-secret"}


def lit(v):
    """An SQL literal (test data only; the product never builds SQL)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def conninfo(stack, user):
    parts = dict(p.split("=", 1) for p in stack.conf()["db_admin_conninfo"].split())
    parts["user"] = user
    return " ".join("%s=%s" % kv for kv in parts.items())


def sql(stack, text, user="postgres", check=True):
    """Runs text through psql; returns rows as lists of strings."""
    r = subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-At", "-F", "\t",
                        "-v", "ON_ERROR_STOP=1", conninfo(stack, user)],
                       input=text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError("psql failed: %s" % r.stderr.strip())
    if not check:
        return r
    return [line.split("\t") for line in r.stdout.splitlines() if line != ""]


def one(stack, text, user="postgres"):
    rows = sql(stack, text, user)
    expect(len(rows) == 1, "expected one row from %r, got %r" % (text, rows))
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def clear_outbox(stack):
    sql(stack, "DELETE FROM mail_outbox;")


def make_user(stack, email, tz="UTC", verified=True, disabled=False, name="Test User"):
    return one(stack, "INSERT INTO users (email, email_verified, time_zone, name, disabled) "
               "VALUES (%s, %s, %s, %s, %s) RETURNING id;"
               % (lit(email), lit(verified), lit(tz), lit(name), lit(disabled)))


def make_event(stack, user_id, title, start, end, tz="UTC", location="", description="",
               recurrence=None, series_end=None, reminders=None):
    """start/end: SQL timestamptz texts. With reminders (a list of minutes)
    the event gets those rules and the events module's schedule
    (schedule_extend, run by each aurora-remind pass) plans its mail; without,
    the test queues the outbox rows itself and the event is marked as
    already scheduled so that the schedule leaves them alone."""
    rec = "ARRAY[%s]::text[]" % ",".join(lit(r) for r in recurrence) if recurrence else "'{}'"
    ev = one(stack, "INSERT INTO events (user_id, uid, title, description, location, "
             "starts_at, ends_at, time_zone, recurrence, series_end, reminders_scheduled_until, "
             "reminder_minutes) "
             "VALUES (%s, gen_random_uuid()::text, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
             "RETURNING id;"
             % (lit(user_id), lit(title), lit(description), lit(location), lit(start),
                lit(end), lit(tz), rec, lit(series_end or end),
                "'-infinity'" if reminders else "'infinity'",
                # the rules as the events module keeps them with the row
                "ARRAY[%s]::int[]" % ",".join(str(m) for m in (reminders or []))))
    for i, m in enumerate(reminders or []):
        sql(stack, "INSERT INTO event_reminders (event_id, position, minutes_before) "
            "VALUES (%s, %d, %d);" % (lit(ev), i, m))
    return ev


def add_reminder(stack, event_id, occurrence_start, minutes_before, due_at=None):
    """A reminder row (user_id left out: the 004 trigger fills it); due_at
    is an SQL expression, by default occurrence_start - minutes_before."""
    due = due_at if due_at else "%s::timestamptz - make_interval(mins => %d)" % (
        lit(occurrence_start), minutes_before)
    return one(stack, "INSERT INTO mail_outbox (kind, event_id, occurrence_start, "
               "minutes_before, due_at) VALUES ('reminder', %s, %s, %d, %s) RETURNING id;"
               % (lit(event_id), lit(occurrence_start), minutes_before, due))


def add_account_mails(stack, n, to_fmt="user{i}@example.org", subject_fmt="Code {i}",
                      due="now()"):
    """n account mails in one statement; returns their ids in order."""
    rows = sql(stack, "INSERT INTO mail_outbox (kind, to_addr, subject, body_text, due_at) "
               "SELECT 'confirm', format(%s, i), format(%s, i), "
               "format('Your code is %%s', 100000 + i), %s "
               "FROM generate_series(1, %d) i RETURNING id;"
               % (lit(to_fmt.replace("{i}", "%s")), lit(subject_fmt.replace("{i}", "%s")), due, n))
    return [int(r[0]) for r in rows]


def outbox(stack, ids):
    """{id: {status, attempts, last_error, provider_id, event_id}}."""
    if not ids:
        return {}
    rows = sql(stack, "SELECT id, status, attempts, coalesce(last_error, ''), "
               "coalesce(provider_id, ''), coalesce(event_id::text, '') FROM mail_outbox "
               "WHERE id IN (%s) ORDER BY id;" % ",".join(str(int(i)) for i in ids))
    return {int(r[0]): {"status": r[1], "attempts": int(r[2]), "last_error": r[3],
                        "provider_id": r[4], "event_id": r[5]} for r in rows}


def msgid(stack_or_none, outbox_id, domain="aurora.test"):
    return "<aurora-%d@%s>" % (outbox_id, domain)


def stop_watcher(stack):
    """Stops the aurora-remind --watch that tools/stack started, so a test
    owns the outbox. Returns True if one was running."""
    pidfile = os.path.join(stack.var, "run", "aurora-remind.pid")
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if b"aurora-remind" not in f.read():
                return False
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    for _ in range(150):
        if not os.path.exists("/proc/%d" % pid):
            break
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except OSError:
            break
        time.sleep(0.1)
    os.unlink(pidfile)
    return True


def write_conf(stack, name, **overrides):
    """A copy of the stack's aurora.conf with overrides (later lines win)."""
    path = os.path.join(stack.var, name)
    with open(os.path.join(stack.var, "aurora.conf")) as f:
        text = f.read()
    defaults = dict(send_backoff_base_ms=200, send_backoff_max_seconds=5,
                    send_lease_seconds=20, max_send_rate=1000, log_level="info")
    defaults.update(overrides)
    text += "\n# test overrides\n" + "".join("%s = %s\n" % kv for kv in defaults.items())
    with open(path, "w") as f:
        f.write(text)
    return path


def remind_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AURORA_") and not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env.update(extra or {})
    return env


def run_remind(conf, *args, env=None, timeout=120):
    return subprocess.run([REMIND, "-c", conf] + list(args), env=remind_env(env),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)


def start_remind(conf, *args, env=None, log=None):
    return subprocess.Popen([REMIND, "-c", conf] + list(args), env=remind_env(env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=log or subprocess.PIPE, universal_newlines=True)


def wait_for(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out after %ss waiting for %s" % (seconds, what))
