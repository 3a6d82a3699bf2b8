#!/usr/bin/python3
"""A test endpoint that answers like SES v2 and recomputes the SigV4
signature of every request it receives with botocore's signer (Debian's
python3-botocore), answering 403 SignatureDoesNotMatch on a mismatch.

    ses_sigcheck.py --key AKID --secret SECRET [--token T] [--region R] [--port N]

Point aurora-remind at it with ses_endpoint = http://127.0.0.1:N. The
tests use the same code in-process (ses_stub.SesStub(verify=True))."""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ses_stub import HAVE_BOTOCORE, SesStub  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--token")
    ap.add_argument("--region")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    if not HAVE_BOTOCORE:
        sys.exit("python3-botocore is not installed")
    stub = SesStub(verify=True, secrets={a.key: (a.secret, a.token)}, region=a.region)
    stub.start(a.port)
    print("listening on %s" % stub.url, flush=True)
    try:
        while True:
            time.sleep(5)
            print("delivered %d, signature failures %d" % (stub.delivered_total(),
                                                          len(stub.sig_failures)), flush=True)
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":
    main()
