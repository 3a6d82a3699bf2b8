"""A local endpoint that answers like Amazon SES v2 (SendEmail, GetAccount),
for the aurora-remind tests (Python 3 stdlib + Debian's python3-botocore).

- With verify=True every request's SigV4 signature is recomputed with
  botocore's own signer (SigV4Auth) from the headers the request says it
  signed, its body and its X-Amz-Date; a mismatch answers 403 like SES
  (SignatureDoesNotMatch). ses_sigcheck.py runs it on its own.
- plan(stub, key, n) decides each SendEmail answer: key is the mail's
  Message-ID (from the raw MIME), n how many times that key was seen
  (1 = first). It returns None for 200, or (status, error_type, message,
  extra_headers). It may also block (hold) or act (delete an event).
- Every request is recorded; a mail counts as delivered when the stub
  answered it 200 ("delivered" maps Message-ID -> count).
"""

import base64
import email
import email.policy
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    HAVE_BOTOCORE = True
except ImportError:  # reported by the tests that need it
    HAVE_BOTOCORE = False

ACCOUNT = {
    "DedicatedIpAutoWarmupEnabled": False,
    "EnforcementStatus": "HEALTHY",
    "ProductionAccessEnabled": True,
    "SendingEnabled": True,
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 17.0},
}


def verify_sigv4(method, path, headers, body, secrets, region=None, service="ses"):
    """Recomputes the Authorization header's signature with botocore.
    headers: list of (name, value) as received. Returns None when it
    matches, else the reason."""
    auth = None
    for k, v in headers:
        if k.lower() == "authorization":
            auth = v
    if not auth or not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no AWS4-HMAC-SHA256 Authorization header"
    try:
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        cred, signed, sig = parts["Credential"], parts["SignedHeaders"], parts["Signature"]
        key_id, date, c_region, c_service, term = cred.split("/")
    except (KeyError, ValueError):
        return "malformed Authorization header"
    if term != "aws4_request":
        return "bad credential scope"
    if c_service != service:
        return "signed for service %r, not %r" % (c_service, service)
    if region and c_region != region:
        return "signed for region %r, not %r" % (c_region, region)
    if key_id not in secrets:
        return "unknown access key %r" % key_id
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return "host and x-amz-date must be signed"
    got = {}
    for k, v in headers:
        lk = k.lower()
        if lk in names:
            if lk in got:
                return "signed header %s appears twice" % lk
            got[lk] = v
    missing = [n for n in names if n not in got]
    if missing:
        return "signed headers missing from the request: %s" % ",".join(missing)
    amz_date = got["x-amz-date"]
    if not amz_date.startswith(date):
        return "x-amz-date does not match the credential date"
    secret, token = secrets[key_id]
    creds = Credentials(key_id, secret, token)
    req = AWSRequest(method=method, url="http://%s%s" % (got["host"], path), data=body,
                     headers={k: v for k, v in got.items()})
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(creds, c_service, c_region)
    # botocore decides which headers it signs; they must be the ones the
    # request lists, or AWS would compute a different canonical request.
    mine = signer.signed_headers(signer.headers_to_sign(req))
    if mine != signed:
        return "botocore signs %r, the request lists %r" % (mine, signed)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != sig:
        return "signature mismatch (botocore: %s, request: %s)" % (expected, sig)
    return None


class SesStub:
    def __init__(self, verify=False, secrets=None, region=None, plan=None, delay=0.0):
        self.verify = verify
        self.secrets = secrets or {}
        self.region = region
        self.plan = plan
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = []       # (time, path, key, status)
        self.seen = {}           # key -> times seen
        self.delivered = {}      # key -> times answered 200
        self.sig_failures = []
        self.messages = {}       # key -> email.message.EmailMessage
        self.release = threading.Event()
        self.connections = 0     # TCP connections accepted
        self.server = None
        self.thread = None
        self.port = None

    # -- lifecycle -------------------------------------------------------
    def start(self, port=0):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with stub.lock:
                    stub.connections += 1

            def log_message(self, fmt, *args):
                pass

            def _answer(self, status, obj, extra=None):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status, etype, message, extra=None):
                hdrs = {"x-amzn-ErrorType": etype + ":http://internal.amazon.com/coral/com.amazonaws.sesv2/"}
                hdrs.update(extra or {})
                self._answer(status, {"message": message}, hdrs)

            def _check(self, body):
                if not stub.verify:
                    return True
                why = verify_sigv4(self.command, self.path, list(self.headers.items()), body,
                                   stub.secrets, stub.region)
                if why is None:
                    return True
                with stub.lock:
                    stub.sig_failures.append(why)
                self._error(403, "SignatureDoesNotMatch", why)
                return False

            def do_GET(self):
                if self.path != "/v2/email/account":
                    self._answer(404, {"message": "not found"})
                    return
                if self._check(b""):
                    self._answer(200, ACCOUNT)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                if self.path != "/v2/email/outbound-emails":
                    self._answer(404, {"message": "not found"})
                    return
                if not self._check(body):
                    return
                try:
                    req = json.loads(body)
                    raw = base64.b64decode(req["Content"]["Raw"]["Data"], validate=True)
                    msg = email.message_from_bytes(raw, policy=email.policy.default)
                    key = msg["Message-ID"]
                    assert req["Destination"]["ToAddresses"] == [str(msg["To"])]
                except Exception as e:  # noqa: BLE001 — a malformed request is a 400
                    self._error(400, "BadRequestException", "malformed request: %s" % e)
                    return
                with stub.lock:
                    stub.seen[key] = stub.seen.get(key, 0) + 1
                    count = stub.seen[key]
                    stub.messages[key] = msg
                if stub.delay:
                    time.sleep(stub.delay)
                verdict = stub.plan(stub, key, count) if stub.plan else None
                if verdict is None:
                    with stub.lock:
                        stub.delivered[key] = stub.delivered.get(key, 0) + 1
                        stub.requests.append((time.monotonic(), key, 200))
                    self._answer(200, {"MessageId": "stub-%s" % hashlib.sha1(
                        ("%s-%d" % (key, count)).encode()).hexdigest()[:16]})
                    return
                status, etype, message, extra = verdict
                with stub.lock:
                    stub.requests.append((time.monotonic(), key, status))
                self._error(status, etype, message, extra)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def delivered_total(self):
        with self.lock:
            return sum(self.delivered.values())

    def duplicates(self):
        with self.lock:
            return {k: v for k, v in self.delivered.items() if v > 1}
