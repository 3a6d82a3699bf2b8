#!/usr/bin/env python3
"""bench/auth-me.py — GET /api/v1/me beside GET /api/v1/health on one
throwaway stack (issue 15, "authentication without a round trip"). Not part
of the test suite. Starts the stack of tests/integration/stack.py (4 workers,
nginx) from AURORA_BUILD, signs in 50 users, then runs wrk -t2 -c32 for
DURATION seconds (default 10) in turn: health, /me (bench/token-get.lua, a
random token each request), health, /me. Prints req/s, p99, the ratio
/me / health, the load average, and the CPU each request cost the aurora-api
workers and their PostgreSQL backends (from /proc: a figure that a loaded
machine disturbs less than throughput).
Usage: AURORA_BUILD=var/build-bench python3 bench/auth-me.py LABEL [DURATION]"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import stack as stackmod  # noqa: E402
import users  # noqa: E402
from ops_cpu_cost import cpu_seconds as cpu_of  # noqa: E402

label = sys.argv[1] if len(sys.argv) > 1 else "run"
dur = int(sys.argv[2]) if len(sys.argv) > 2 else 10

s = stackmod.Stack(workers=4)
s.start()
try:
    tokens = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    tokens.write("\n".join(users.create_user(s)["access_token"] for _ in range(50)) + "\n")
    tokens.close()
    base = "http://127.0.0.1:%d" % s.http_port
    cpu = []

    def wrk(name, *args):
        api = set(s.worker_pids())
        pg = {int(x) for x in s.psql("SELECT pid FROM pg_stat_activity "
                                     "WHERE application_name = 'aurora-api'").split()}
        a0, p0 = cpu_of(api), cpu_of(pg)
        r = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % dur, "--latency"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", r.stdout).group(1))
        m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", r.stdout)
        p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
        n = int(re.search(r"(\d+) requests in", r.stdout).group(1))
        cpu.append((name, (cpu_of(api) - a0) / n * 1e6, (cpu_of(pg) - p0) / n * 1e6))
        return rps, p99, int(bad.group(1)) if bad else 0

    lua = os.path.join(TOP, "bench", "token-get.lua")
    wrk("warm-up", base + "/api/v1/health")
    del cpu[:]
    res = {"health": [], "me": []}
    for _ in range(2):
        res["health"].append(wrk("health", base + "/api/v1/health"))
        res["me"].append(wrk("/me", "-s", lua, base, "--", tokens.name, "/api/v1/me"))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    h = sum(x[0] for x in res["health"]) / 2
    me = sum(x[0] for x in res["me"]) / 2
    print("%s: health %.0f req/s (p99 %s ms), /me %.0f req/s (p99 %s ms, non-2xx %d), "
          "/me / health = %.2f; load %s"
          % (label, h, "/".join("%.2f" % x[1] for x in res["health"]), me,
             "/".join("%.2f" % x[1] for x in res["me"]), sum(x[2] for x in res["me"]), me / h, load),
          flush=True)
    for name, a, p in cpu:
        print("  cpu per request %-7s aurora-api worker %4.0f us, postgres backend %4.0f us"
              % (name, a, p), flush=True)
    os.unlink(tokens.name)
finally:
    s.stop()
