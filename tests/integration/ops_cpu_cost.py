#!/usr/bin/python3
"""CPU cost of a sign-in (argon2id) and of a token refresh (two RSA
signatures), for the capacity model of docs/scaling.md. Not a test: it
starts a throwaway stack, drives POST /api/v1/auth/login and
/api/v1/auth/refresh from 16 client threads for 8 s each, and divides the
CPU time that aurora-api, nginx and PostgreSQL used (from /proc) by the
answers. Run: /usr/bin/python3 tests/integration/ops_cpu_cost.py"""

import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import Stack  # noqa: E402
import users  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], stdout=subprocess.PIPE,
                         universal_newlines=True, timeout=10).stdout
    return {int(p) for p in out.split()}


def server_pids(stack):
    with open(os.path.join(stack.var, "run", "nginx.pid")) as f:
        nginx = int(f.read())
    with open(os.path.join(stack.var, "pg-location")) as f:
        pgdata = os.path.join(f.read().strip(), "data")
    with open(os.path.join(pgdata, "postmaster.pid")) as f:
        postgres = int(f.readline())
    pids = set()
    for master in (stack.api_master_pid(), nginx, postgres):
        pids |= {master} | children(master)
    return pids


def cpu_seconds(pids):
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / TICK


def run(stack, people, kind, seconds=8):
    done, failed = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(u):
        token = u["refresh_token"]
        while time.monotonic() < stop:
            if kind == "sign-in":
                body = {"email": u["email"], "password": u["password"]}
                r = stack.request("POST", "/api/v1/auth/login", json.dumps(body), users.JSON,
                                  source=users.spread_source())
            else:
                r = stack.request("POST", "/api/v1/auth/refresh", json.dumps({"refresh_token": token}),
                                  users.JSON, source=users.spread_source())
                if r.status == 200:
                    token = r.body["refresh_token"]
            with lock:
                if r.status == 200:
                    done[0] += 1
                else:
                    failed[0] += 1

    pids = server_pids(stack)
    c0, t0 = cpu_seconds(pids), time.monotonic()
    threads = [threading.Thread(target=loop, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, used = time.monotonic() - t0, cpu_seconds(pids) - c0
    print("%-8s %6.0f/s  %6.2f CPU-ms each (aurora-api + nginx + PostgreSQL), %.2f cores busy, %d failed"
          % (kind, done[0] / elapsed, 1000 * used / max(done[0], 1), used / elapsed, failed[0]), flush=True)


def main():
    stack = Stack(workers=4).start()
    try:
        people = [users.create_user(stack) for _ in range(16)]
        run(stack, people, "sign-in")
        run(stack, people, "refresh")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
