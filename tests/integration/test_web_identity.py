#!/usr/bin/python3
"""The Sessions and Email address settings in the web app (issue 16), on a
throwaway stack: builds the frontend, makes a confirmed account and signs it
in once more as Firefox on Linux, then runs tests/e2e/identity.mjs in
headless Chromium (playwright-core + axe-core from npm), whose PASS / FAIL
lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web_identity.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web-identity/screenshots, default var/test-output/...),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import users  # noqa: E402
from web_util import run_account_e2e  # noqa: E402

E2E_TIMEOUT = 300


def prepare(stack, user):
    # A second device, as the sessions page should name it.
    r = users.post(stack, "/api/v1/auth/login",
                   {"email": user["email"], "password": user["password"]},
                   headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                                          "Gecko/20100101 Firefox/128.0"})
    if r.status != 200:
        raise users.UserError("login as Firefox: %s" % r.describe())
    return {"AURORA_E2E_NEW_EMAIL": users.unique_email("moved"),
            "AURORA_E2E_SES": "http://127.0.0.1:%d" % stack.ses_port}


if __name__ == "__main__":
    sys.exit(run_account_e2e("identity", "identity.mjs", E2E_TIMEOUT, prepare))
