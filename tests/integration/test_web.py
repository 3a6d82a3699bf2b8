#!/usr/bin/python3
"""The web frontend on a throwaway stack: how nginx serves it (CSP, caching,
no inline code), then the end-to-end run in headless Chromium
(tests/e2e/web.mjs, playwright-core + axe-core from npm), whose PASS / FAIL /
SKIP lines are relayed as they come.

Run: /usr/bin/python3 tests/integration/test_web.py
Environment: AURORA_BUILD (build directory), AURORA_TEST_OUT (screenshots go
to $AURORA_TEST_OUT/web/screenshots, default var/test-output/web),
AURORA_KEEP_STACK=1 keeps the stack for inspection."""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import SECURITY_HEADERS, Stack, StackError, TOP, check_security_headers, expect, one_line  # noqa: E402
# NODE, CHROMIUM, relay and test_build are also taken from here by the other
# browser test wrappers written before web_util.
from web_util import CHROMIUM, NODE, Report, build_web, out_dir, relay, run_e2e  # noqa: E402,F401

E2E_TIMEOUT = 420

report = Report()
test_build = build_web


def run_check(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 — every failure is reported
        report(name, "%s: %s" % (type(e).__name__, e))
        return False
    report(name)
    return True


# ------------------------------------------------------------ static checks
def index_html(stack):
    r = stack.request("GET", "/")
    expect(r.status == 200, "GET / answered %d" % r.status)
    return r, r.raw.decode("utf-8")


def test_index_served(stack):
    r, html = index_html(stack)
    expect((r.headers.get("Content-Type") or "").startswith("text/html"), "Content-Type %r" % r.headers.get("Content-Type"))
    expect(r.headers.get("Cache-Control") == "no-cache", "index.html Cache-Control %r, want no-cache" % r.headers.get("Cache-Control"))
    check_security_headers(r)
    expect(SECURITY_HEADERS["Content-Security-Policy"] in (r.headers.get("Content-Security-Policy") or ""), "no strict CSP")


def test_no_inline_code(stack):
    _, html = index_html(stack)
    inline_scripts = [m.group(0) for m in re.finditer(r"<script\b(?![^>]*\bsrc=)[^>]*>", html, re.I)]
    expect(not inline_scripts, "inline <script>: %r" % inline_scripts)
    expect(not re.search(r"<style\b", html, re.I), "inline <style> element in index.html")
    expect(not re.search(r"\sstyle\s*=", html, re.I), "style attribute in index.html")
    expect(not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler attribute in index.html")
    # The app's own code never builds HTML from strings nor sets style attributes.
    src = os.path.join(TOP, "web", "src", "js")
    for name in sorted(os.listdir(src)):
        text = open(os.path.join(src, name), encoding="utf-8").read()
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "setAttribute('style'",
                    'setAttribute("style"', "eval(", "new Function("):
            expect(bad not in text, "web/src/js/%s uses %s" % (name, bad))


def test_assets_hashed_and_cached(stack):
    _, html = index_html(stack)
    refs = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    expect(len(refs) >= 6, "index.html refers to %d assets" % len(refs))
    for ref in refs:
        expect(re.fullmatch(r"/assets/[A-Za-z0-9_-]+\.[0-9a-f]{12}\.(js|css|svg)", ref), "asset name not content-hashed: %s" % ref)
        r = stack.request("GET", ref)
        expect(r.status == 200, "%s answered %d" % (ref, r.status))
        cc = r.headers.get("Cache-Control") or ""
        expect("immutable" in cc and "max-age=31536000" in cc, "%s Cache-Control %r" % (ref, cc))
        ctype = r.headers.get("Content-Type") or ""
        want = {"js": "application/javascript", "css": "text/css", "svg": "image/svg+xml"}[ref.rsplit(".", 1)[1]]
        expect(ctype.startswith(want), "%s Content-Type %r" % (ref, ctype))
    # Module imports resolve to hashed siblings that exist.
    for ref in refs:
        if ref.endswith(".js") and "fullcalendar" not in ref:
            body = stack.request("GET", ref).raw.decode("utf-8")
            for imp in re.findall(r"""from\s*['"](\./[^'"]+)['"]""", body):
                r = stack.request("GET", "/assets/" + imp[2:])
                expect(r.status == 200, "%s imports %s, which answers %d" % (ref, imp, r.status))


def main():
    names = sys.argv[1:]
    if not run_check("web_build", test_build):
        return 1
    stack = Stack(workers=4)
    try:
        try:
            stack.start()
        except (StackError, subprocess.TimeoutExpired) as e:
            report("web_stack", "stack did not start: %s" % one_line(str(e), 300))
            return 1
        for name, fn in (("web_index_served", test_index_served), ("web_no_inline_code", test_no_inline_code),
                         ("web_assets_hashed_and_cached", test_assets_hashed_and_cached)):
            if not names or name in names:
                run_check(name, fn, stack)
        if not names or "e2e" in names:
            started = time.monotonic()
            run_e2e(stack, report, "e2e", "web.mjs", out_dir("web"), E2E_TIMEOUT,
                    {"AURORA_E2E_SES": "http://127.0.0.1:%d" % stack.ses_port},
                    logs=("aurora-api.log", "aurora-remind.log", "nginx-error.log"), need_checks=False)
            print("# e2e took %.0f s" % (time.monotonic() - started), file=sys.stderr)
    finally:
        stack.stop()
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
