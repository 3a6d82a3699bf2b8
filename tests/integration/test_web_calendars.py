#!/usr/bin/python3
"""Several calendars and app passwords in the web app (issue 14), on a
throwaway stack: builds the frontend, makes a confirmed account, then runs
tests/e2e/calendars.mjs in headless Chromium (playwright-core + axe-core from
npm), whose PASS / FAIL lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web_calendars.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web-calendars/screenshots, default var/test-output/...),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import users  # noqa: E402
from web_util import run_account_e2e  # noqa: E402

E2E_TIMEOUT = 300


def prepare(stack, user):
    # The run reads times in UTC, as the account shows them.
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": "UTC"}),
                      dict(users.JSON, **users.bearer(user["access_token"])))
    if r.status != 200:
        raise users.UserError("PATCH /api/v1/me: %s" % r.describe())
    return {}


if __name__ == "__main__":
    sys.exit(run_account_e2e("calendars", "calendars.mjs", E2E_TIMEOUT, prepare))
