#!/usr/bin/env python3
"""bench/ics-import.py — the cost of importing an ICS file of ICS_MAX_EVENTS
(5,000) simple VEVENTs, the file of test_security_events' too_many_vevents,
through POST /api/v1/events/import on a throwaway stack (one aurora-api
worker). Not part of the test suite. Imports the file ROUNDS times (default
3), each into a new account (every event inserted), then once more into the
last account (every event updated), and prints for each: the wall time, the
CPU time of the aurora-api worker and of its PostgreSQL backend (from
/proc), and the load average. With PERF=FILE, perf record -g runs on the
worker and its
PostgreSQL backend during the first import (read it with perf report --no-children -i
FILE). EVENTS=N imports N events instead.
Usage: AURORA_BUILD=var/build-x python3 bench/ics-import.py [ROUNDS]"""
import os
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import stack as stackmod  # noqa: E402
import users  # noqa: E402
from ops_cpu_cost import cpu_seconds as cpu_of  # noqa: E402
from test_security_events import ICS_MAX_EVENTS, calendar, vevent  # noqa: E402

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
perf = os.environ.get("PERF")
nevents = int(os.environ.get("EVENTS", ICS_MAX_EVENTS))
body = calendar(vevent("n%d@x" % i) for i in range(nevents))


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def one(s, u, label, record):
    hdr = {"Authorization": "Bearer " + u["access_token"], "Content-Type": "text/calendar"}
    api = set(s.worker_pids())
    pg = {int(x) for x in s.psql("SELECT pid FROM pg_stat_activity "
                                 "WHERE application_name = 'aurora-api'").split()}
    p = None
    if record:
        p = subprocess.Popen(["perf", "record", "-g", "-o", perf, "-p",
                              ",".join(str(x) for x in api | pg)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
    a0, p0, t0 = cpu_of(api), cpu_of(pg), time.monotonic()
    r = s.request("POST", "/api/v1/events/import", body, hdr, timeout=120.0)
    wall = time.monotonic() - t0
    a1, p1 = cpu_of(api), cpu_of(pg)
    if p is not None:
        p.send_signal(2)
        p.wait()
    ok = r.status == 200 and (r.body["imported"] + r.body["updated"]) == nevents
    print("%-8s %s wall %6.0f ms  aurora-api CPU %6.0f ms  postgres CPU %6.0f ms  load %s"
          % (label, "ok " if ok else "BAD", wall * 1e3, (a1 - a0) * 1e3, (p1 - p0) * 1e3,
             load()), flush=True)
    if not ok:
        print(r.describe())


s = stackmod.Stack(workers=1)
s.start()
try:
    u = None
    for i in range(rounds):
        u = users.create_user(s)
        one(s, u, "insert", perf is not None and i == 0)
    one(s, u, "update", False)
finally:
    s.stop()
