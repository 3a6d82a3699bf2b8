#!/usr/bin/python3
"""Restarting aurora-api (a new binary or configuration) with no failed
request: the socket is held outside the process, as systemd does with
aurora-api.socket, and handed over by socket activation (LISTEN_PID and
LISTEN_FDS). Run: /usr/bin/python3 tests/integration/test_upgrade.py"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import BUILD, expect, run_tests  # noqa: E402

# bash puts the held socket on descriptor 3 and becomes aurora-api, whose
# pid is then the LISTEN_PID it was given.
ACTIVATE = 'exec 3<&"$2"; export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" -c "$1"'


def wait_gone(pid, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def spawn(conf, fd, log):
    return subprocess.Popen(
        ["/bin/bash", "-c", ACTIVATE, os.path.join(BUILD, "src", "aurora-api"), conf, str(fd)],
        pass_fds=(fd,), stdout=log, stderr=log, start_new_session=True)


def test_socket_activated_restart_no_failed_requests(stack):
    conf = os.path.join(stack.var, "aurora.conf")
    listen = stack.conf()["listen"]
    expect(listen.startswith("unix:"), "the stack listens on %r" % listen)
    path = listen[5:]
    old = stack.api_master_pid()
    os.kill(old, signal.SIGTERM)
    expect(wait_gone(old), "the stack's aurora-api did not stop")

    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    procs = []
    log = open(os.path.join(stack.var, "log", "activated-api.log"), "ab")
    stop = threading.Event()
    results = {"ok": 0, "failed": 0, "statuses": {}}
    lock = threading.Lock()

    def load():
        while not stop.is_set():
            r = stack.request("GET", "/api/v1/health", timeout=10)
            with lock:
                if r.status == 200:
                    results["ok"] += 1
                else:
                    results["failed"] += 1
                    results["statuses"][r.status] = results["statuses"].get(r.status, 0) + 1

    try:
        if os.path.exists(path):
            os.unlink(path)
        held.bind(path)
        os.chmod(path, 0o660)
        held.listen(1024)
        procs.append(spawn(conf, held.fileno(), log))
        expect(stack.wait_healthy(20), "the socket-activated aurora-api did not answer")
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        # Two restarts under load: stop the running server, start a new one
        # on the same socket; queued connections wait for it.
        for _ in range(2):
            time.sleep(1.5)
            current = procs[-1]
            current.send_signal(signal.SIGTERM)
            procs.append(spawn(conf, held.fileno(), log))
            expect(wait_gone(current.pid), "the old server did not stop")
            current.wait(timeout=10)
            expect(current.returncode == 0, "the old server exited with %s" % current.returncode)
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        print("# %d requests answered, %d failed %r across two restarts"
              % (results["ok"], results["failed"], results["statuses"]), file=sys.stderr)
        expect(results["ok"] > 50, "too few requests went through: %d" % results["ok"])
        expect(results["failed"] == 0, "%d requests failed during restarts: %r"
               % (results["failed"], results["statuses"]))
        expect(os.path.exists(path), "a stopping server removed the socket it did not create")
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        held.close()
        log.close()
        if os.path.exists(path):
            os.unlink(path)
        # The stack's own server again, for whatever runs next.
        stack._tool_ok("start", timeout=180)


if __name__ == "__main__":
    sys.exit(run_tests([
        ("socket_activated_restart_no_failed_requests",
         test_socket_activated_restart_no_failed_requests),
    ]))
