#!/usr/bin/python3
"""Subscriptions to outside calendars in the web app (issue 18), on a
throwaway stack: builds the frontend, makes a confirmed account with one
subscription whose last refresh failed two hours ago and one event of its
feed today (written as the database owner, as the fetcher would; its
address is on this machine and not due, so no fetcher contacts anything),
and one fetched ten minutes ago, with aurora-api's refresh limit at an hour
so that its "Refresh now" is refused; then runs tests/e2e/subscriptions.mjs
in headless Chromium, whose PASS / FAIL lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web_subscriptions.py
Environment: AURORA_BUILD, AURORA_TEST_OUT (screenshots go to
$AURORA_TEST_OUT/web-subscriptions/screenshots), AURORA_KEEP_STACK=1."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import users  # noqa: E402
from web_util import run_account_e2e  # noqa: E402

E2E_TIMEOUT = 300
FEED_NAME = "School term"
FEED_EVENT = "Sports day"
RECENT_NAME = "Fetched lately"
REFRESH_MIN_SECONDS = 3600


def prepare(stack, user):
    stack.restart_api({"AURORA_SUBSCRIPTION_REFRESH_MIN_SECONDS": str(REFRESH_MIN_SECONDS)})
    hdr = dict(users.JSON, **users.bearer(user["access_token"]))
    r = stack.request("PATCH", "/api/v1/me", json.dumps({"time_zone": "UTC"}), hdr)
    if r.status != 200:
        raise users.UserError("PATCH /api/v1/me: %s" % r.describe())
    r = stack.request("POST", "/api/v1/subscriptions",
                      json.dumps({"url": "https://127.0.0.1:9/school.ics", "name": FEED_NAME,
                                  "color": "#0b8043"}), hdr)
    if r.status != 201:
        raise users.UserError("POST /api/v1/subscriptions: %s" % r.describe())
    sub = r.body
    stack.psql("UPDATE subscriptions SET status = 'error', last_error = 'the server answered 404', "
               "last_fetched_at = now() - interval '2 hours', last_success_at = now() - interval '1 day', "
               "next_fetch_at = now() + interval '1 day' WHERE id = '%s'" % sub["id"])
    stack.psql("INSERT INTO events (user_id, calendar_id, uid, title, starts_at, ends_at, time_zone, series_end) "
               "VALUES ('%s', '%s', 'sports@school', '%s', date_trunc('day', now()) + interval '10 hours', "
               "date_trunc('day', now()) + interval '11 hours', 'UTC', "
               "date_trunc('day', now()) + interval '11 hours')" % (user["user_id"], sub["calendar_id"], FEED_EVENT))
    r = stack.request("POST", "/api/v1/subscriptions",
                      json.dumps({"url": "https://127.0.0.1:9/fixtures.ics", "name": RECENT_NAME}), hdr)
    if r.status != 201:
        raise users.UserError("POST /api/v1/subscriptions: %s" % r.describe())
    stack.psql("UPDATE subscriptions SET status = 'ok', last_fetched_at = now() - interval '10 minutes', "
               "last_success_at = now() - interval '10 minutes', next_fetch_at = now() + interval '1 hour' "
               "WHERE id = '%s'" % r.body["id"])
    return {"AURORA_E2E_FEED_NAME": FEED_NAME, "AURORA_E2E_FEED_EVENT": FEED_EVENT,
            "AURORA_E2E_RECENT_NAME": RECENT_NAME}


if __name__ == "__main__":
    sys.exit(run_account_e2e("subscriptions", "subscriptions.mjs", E2E_TIMEOUT, prepare))
