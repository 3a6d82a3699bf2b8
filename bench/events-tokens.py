#!/usr/bin/python3
"""Signs in N random bench users (bench-<i>@bench.test, shared password)
through the benchmark's nginx and writes one access token per line.
Usage: events-tokens.py PORT USERS N PASSWORD OUTFILE"""

import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request


def main():
    port, users, n, password, out = sys.argv[1:6]
    users, n = int(users), int(n)
    picks = random.Random(4).sample(range(1, users + 1), n)
    tokens, lock, errors = [], threading.Lock(), []

    def work(part):
        for i in part:
            body = json.dumps({"email": "bench-%d@bench.test" % i, "password": password}).encode()
            req = urllib.request.Request("http://127.0.0.1:%s/api/v1/auth/login" % port, data=body,
                                         headers={"Content-Type": "application/json"})
            tok = None
            for attempt in range(5):
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        tok = json.load(r)["access_token"]
                    break
                except urllib.error.HTTPError as e:
                    # A worker meeting a restarted database answers 503 once.
                    if e.code != 503 or attempt == 4:
                        with lock:
                            errors.append("%d: %s" % (i, e))
                        break
                    time.sleep(0.2)
                except Exception as e:  # noqa: BLE001 — reported below
                    with lock:
                        errors.append("%d: %s" % (i, e))
                    break
            if tok is None:
                continue
            with lock:
                tokens.append(tok)

    threads = [threading.Thread(target=work, args=(picks[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("login failures: %d (first: %s)" % (len(errors), errors[0]), file=sys.stderr)
        return 1
    with open(out, "w") as f:
        f.write("\n".join(tokens) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
