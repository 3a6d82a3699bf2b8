#!/usr/bin/python3
"""Two-step sign-in in the web app (issue 16), on a throwaway stack: builds
the frontend, makes a confirmed account, then runs tests/e2e/mfa.mjs in
headless Chromium (playwright-core + axe-core from npm), whose PASS / FAIL
lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web_mfa.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web-mfa/screenshots, default var/test-output/...),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from web_util import run_account_e2e  # noqa: E402

E2E_TIMEOUT = 330


if __name__ == "__main__":
    sys.exit(run_account_e2e("mfa", "mfa.mjs", E2E_TIMEOUT))
