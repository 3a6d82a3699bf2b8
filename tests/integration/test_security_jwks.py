#!/usr/bin/python3
"""An external issuer's JWKS, fetched over HTTP (issue 13, item 10): served
here by a small http.server on loopback that counts its fetches and changes
its answer. One API worker, so that the fetch counts are those of one
verifier (each worker keeps its own keys and schedule).
  - a valid but empty key set never replaces the keys in use;
  - a flood of tokens with forged kids costs at most one fetch a minute;
  - keys are fetched again once the answer's max-age is over, so a key
    published is taken and a key withdrawn is refused.
Run: /usr/bin/python3 tests/integration/test_security_jwks.py [NAME...]"""

import http.server
import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import expect, run_tests  # noqa: E402
from test_auth import expect_rejected, jwk_of, me, new_rsa_key, sign  # noqa: E402

ISS = "https://login.example.test/realms/jwks-refresh"
CLIENT = "jwks-refresh-client"
REFETCH = 60  # VERIFY_JWKS_REFETCH: unknown kids fetch at most this often


class Jwks:
    """A JWKS endpoint on 127.0.0.1: answers the document and Cache-Control
    set last, counts the fetches."""

    def __init__(self, doc, cache_control=None):
        self.doc, self.cc, self.hits = doc, cache_control, 0
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with outer.lock:
                    outer.hits += 1
                    body = json.dumps(outer.doc).encode()
                    cc = outer.cc
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if cc:
                    self.send_header("Cache-Control", cc)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, doc, cache_control=None):
        with self.lock:
            self.doc, self.cc = doc, cache_control

    def count(self):
        with self.lock:
            return self.hits

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def token(keyfile, kid, sub):
    now = int(time.time())
    return sign({"kid": kid, "alg": "RS256", "typ": "JWT"},
                {"iss": ISS, "sub": sub, "client_id": CLIENT, "iat": now, "exp": now + 600,
                 "jti": str(uuid.uuid4())}, keyfile)


def accepted(stack, tok, where):
    r = me(stack, tok)
    expect(r.status == 200, "%s: /me gave %s" % (where, r.describe()))


class Issuer:
    """The stack's API restarted with one external issuer fetching from a
    fresh Jwks endpoint; keys A and B made here."""

    def __init__(self, stack, name, cache_control, refresh_min=None):
        self.stack = stack
        d = os.path.join(stack.var, "jwks-" + name)
        os.makedirs(d, exist_ok=True)
        self.a = new_rsa_key(os.path.join(d, "a.pem"))
        self.b = new_rsa_key(os.path.join(d, "b.pem"))
        self.srv = Jwks({"keys": [jwk_of(self.a, "key-a")]}, cache_control)
        conf = {"issuer": ISS, "jwks_uri": "http://127.0.0.1:%d/jwks.json" % self.srv.port,
                "client_ids": [CLIENT], "algorithms": ["RS256"], "require_token_use": False}
        if refresh_min is not None:
            conf["jwks_refresh_min"] = refresh_min
        path = os.path.join(d, "issuers.json")
        with open(path, "w") as f:
            json.dump([conf], f)
        stack.restart_api({"AURORA_EXTERNAL_ISSUERS_FILE": path})
        self.sub = "jwks|" + uuid.uuid4().hex

    def close(self):
        self.srv.close()
        self.stack.restart_api({"AURORA_EXTERNAL_ISSUERS_FILE": None})


def test_empty_set_keeps_keys(stack):
    iss = Issuer(stack, "empty", "max-age=600")
    try:
        accepted(stack, token(iss.a, "key-a", iss.sub), "key A")
        expect(iss.srv.count() == 1, "first use: %d fetches" % iss.srv.count())
        # The endpoint now answers a valid but empty set. A minute on, a
        # forged kid makes the worker fetch it.
        iss.srv.serve({"keys": []}, "max-age=600")
        time.sleep(REFETCH + 1)
        expect_rejected(stack, token(iss.a, "forged-kid", iss.sub), "a forged kid")
        expect(iss.srv.count() == 2, "the empty set was not fetched (%d fetches)" % iss.srv.count())
        # The keys in use stay: a token signed with A still passes.
        accepted(stack, token(iss.a, "key-a", iss.sub), "key A after an empty set was served")
        log = stack.log_tail("aurora-api.log", 200)
        expect("keeping the 1 keys in use" in log, "no warning about the refused set in the log")
    finally:
        iss.close()


def test_unknown_kid_flood(stack):
    iss = Issuer(stack, "flood", "max-age=3600")
    try:
        accepted(stack, token(iss.a, "key-a", iss.sub), "key A")
        before = iss.srv.count()
        t0 = time.monotonic()
        for i in range(40):
            r = me(stack, token(iss.a, "forged-%d-%s" % (i, uuid.uuid4().hex[:8]), iss.sub))
            expect(r.status == 401, "forged kid %d: %s" % (i, r.describe()))
        minutes = int((time.monotonic() - t0) // REFETCH) + 1
        fetched = iss.srv.count() - before
        expect(fetched <= minutes, "40 forged kids cost %d fetches in %d minute(s) (at most %d)"
               % (fetched, minutes, minutes))
        accepted(stack, token(iss.a, "key-a", iss.sub), "key A after the flood")
    finally:
        iss.close()


def test_new_key_after_max_age(stack):
    # The issuers file lowers the floor of max-age to 10 s so that the test
    # need not wait the default 5 minutes.
    iss = Issuer(stack, "rotate", "public, max-age=10", refresh_min=10)
    try:
        accepted(stack, token(iss.a, "key-a", iss.sub), "key A")
        expect(iss.srv.count() == 1, "first use: %d fetches" % iss.srv.count())
        # The issuer rotates: B published, A withdrawn.
        iss.srv.serve({"keys": [jwk_of(iss.b, "key-b")]}, "public, max-age=10")
        # Within a minute of the last fetch an unknown kid fetches nothing,
        # and within max-age the keys are not fetched again.
        expect_rejected(stack, token(iss.b, "key-b", iss.sub), "key B before max-age")
        expect(iss.srv.count() == 1, "fetched before max-age (%d fetches)" % iss.srv.count())
        time.sleep(11)
        accepted(stack, token(iss.b, "key-b", iss.sub), "key B after max-age")
        expect(iss.srv.count() == 2, "after max-age: %d fetches" % iss.srv.count())
        expect_rejected(stack, token(iss.a, "key-a", iss.sub), "withdrawn key A")
    finally:
        iss.close()


TESTS = [
    ("empty_set_keeps_keys", test_empty_set_keeps_keys),
    ("unknown_kid_flood", test_unknown_kid_flood),
    ("new_key_after_max_age", test_new_key_after_max_age),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=1))
