"""A real SMTP server on loopback for the aurora-remind tests: aiosmtpd
(Debian's python3-aiosmtpd) requiring STARTTLS with a throwaway self-signed
certificate and AUTH PLAIN/LOGIN, storing what it accepts."""

import os
import ssl
import subprocess
import tempfile
import threading

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    HAVE_AIOSMTPD = True
except ImportError:
    HAVE_AIOSMTPD = False

from stack import free_ports


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@reject.test"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.box.lock:
            self.box.messages.append({
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "data": envelope.original_content or envelope.content,
                "tls": session.ssl is not None,
                "auth": session.authenticated,
            })
        return "250 2.0.0 queued"


class SmtpBox:
    def __init__(self, user="remind", password="s3cret"):
        self.user, self.password = user, password
        self.lock = threading.Lock()
        self.messages = []
        self.dir = tempfile.mkdtemp(prefix="aurora-smtp-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        self.controller = None
        self.port = None

    def _auth(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode() == self.user and
              auth_data.password.decode() == self.password)
        # handled=False: the server itself answers 535 on failure
        return AuthResult(success=ok, handled=False)

    def start(self):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "1",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        self.port = free_ports(1)[0]
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     tls_context=ctx, require_starttls=True,
                                     authenticator=self._auth, auth_required=True,
                                     auth_require_tls=True)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None
