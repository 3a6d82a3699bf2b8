#!/usr/bin/python3
"""Sign-up and confirmation under attack (issue 13, items 2 and 5), over
HTTP through nginx: a stranger who signs up with someone else's address
before and after its owner never gets a password that opens the account,
also once the day's code mails are spent; confirmation carries the
password of whoever reads the code, and asks for it after competing
sign-ups; wrong code guesses have a daily budget that a new code does not
reset. Codes are read the way users.read_code does (outbox, then the SES
emulator's store).
Run: /usr/bin/python3 tests/integration/test_security_auth.py [NAME...]"""

import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stack import check_json_error, expect, run_tests  # noqa: E402
import users  # noqa: E402
from users import post, unique_email  # noqa: E402

# src/auth/account.h
CODE_TRIES = 5        # ACCOUNT_CODE_TRIES: wrong tries before one code locks
CODE_SENDS = 10       # ACCOUNT_CODE_SENDS: code mails per user a day
CODE_GUESSES = 10     # ACCOUNT_CODE_GUESSES: wrong guesses per user a day

# Every call from a loopback address of its own (a /24 of its own too), so
# that neither nginx's per-client limit nor a per-network budget on account
# mail decides these tests.
_net = itertools.count(1)


def source():
    n = next(_net)
    return "127.%d.%d.1" % (60 + n // 250, n % 250 + 1)


def q(s):
    return users.sql_quote(s)


def sql(stack, query):
    return stack.psql(query).strip()


def signup(stack, addr, password, name=None):
    body = {"email": addr, "password": password}
    if name is not None:
        body["name"] = name
    r = post(stack, "/api/v1/auth/signup", body, source=source())
    expect(r.status == 201, "signup %s: %s" % (addr, r.describe()))
    return r


def confirm(stack, addr, code, password=None):
    body = {"email": addr, "code": code}
    if password is not None:
        body["password"] = password
    return post(stack, "/api/v1/auth/confirm", body, source=source())


def resend(stack, addr):
    r = post(stack, "/api/v1/auth/resend", {"email": addr}, source=source())
    expect(r.status == 202, "resend: %s" % r.describe())


def login_status(stack, addr, password):
    return users.login(stack, addr, password, source=source()).status


def mails_to(stack, addr, after_id):
    return int(sql(stack, "SELECT count(*) FROM mail_outbox WHERE kind = 'confirm' "
                          "AND lower(to_addr) = lower(%s) AND id > %d" % (q(addr), after_id)))


def wrong(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def field_of(r):
    return (r.body.get("error") or {}).get("field") if isinstance(r.body, dict) else None


def settle(stack):
    """Clears failed sign-ins so that later checks are not slowed down."""
    sql(stack, "DELETE FROM auth_login_failures")


# ---------------------------------------------------------------- tests

def test_takeover_before_confirmation(stack):
    """The issue's attack: the stranger signs up first and again after the
    owner; the owner confirms with the newest code. Before the fix the
    stranger's second password was the one in force."""
    victim = unique_email("victim")
    m0 = users.last_mail_id(stack)
    signup(stack, victim, "mallory first pass", name="Mallory")
    signup(stack, victim, "the victim's own password", name="Victoria")
    m1 = users.last_mail_id(stack)
    signup(stack, victim, "mallory second pass", name="Mallory again")
    expect(mails_to(stack, victim, m0) == 3, "each sign-up should still mail a code")
    code = users.read_code(stack, victim, "confirm", m1)
    # The owner's confirmation carries the password they typed.
    r = confirm(stack, victim, code, "the victim's own password")
    expect(r.status == 200 and r.body.get("confirmed") is True, "confirm: %s" % r.describe())
    expect(login_status(stack, victim, "mallory first pass") == 401, "the stranger's first password opens the account")
    expect(login_status(stack, victim, "mallory second pass") == 401, "the stranger's second password opens the account")
    r = users.login(stack, victim, "the victim's own password", source=source())
    expect(r.status == 200, "the owner's password does not open the account: %s" % r.describe())
    me = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(r.body["access_token"]))
    # The stranger's name went with the stranger's password.
    expect(me.status == 200 and me.body["name"] == "", "name after confirmation %r" % me.body.get("name"))
    expect(sql(stack, "SELECT count(*) FROM auth_signup_offers o JOIN users u ON u.id = o.user_id "
                      "WHERE u.email = %s" % q(victim)) == "0", "the offers outlive the confirmation")
    settle(stack)


def test_takeover_with_mail_cap_spent(stack):
    """Once the day's code mails are spent no new code goes out, so the
    owner holds a code the stranger's sign-up triggered: the owner's
    password still wins and the stranger's never works."""
    victim = unique_email("capped")
    m0 = users.last_mail_id(stack)
    uid = signup(stack, victim, "mallory first pass", name="Mallory").body["user_id"]
    code = users.read_code(stack, victim, "confirm", m0)
    # The rest of the day's mails, spent (as CODE_SENDS - 1 more sign-ups would).
    sql(stack, "UPDATE auth_codes SET sends = %d WHERE user_id = %s AND purpose = 'confirm'" % (CODE_SENDS, q(uid)))
    m1 = users.last_mail_id(stack)
    signup(stack, victim, "the owner's password")
    signup(stack, victim, "mallory second pass")
    expect(mails_to(stack, victim, m1) == 0, "a code went out past the daily cap")
    hashes = sql(stack, "SELECT password_hash FROM users WHERE id = %s" % q(uid))
    # Without a password the code no longer decides alone: two strangers offered.
    r = confirm(stack, victim, code)
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "password", "confirm without password: field %r" % field_of(r))
    expect(sql(stack, "SELECT password_hash FROM users WHERE id = %s" % q(uid)) == hashes,
           "a sign-up replaced the stored password")
    r = confirm(stack, victim, code, "the owner's password")
    expect(r.status == 200, "confirm with the owner's password: %s" % r.describe())
    expect(login_status(stack, victim, "mallory first pass") == 401, "the first stranger's password works")
    expect(login_status(stack, victim, "mallory second pass") == 401, "the second stranger's password works")
    expect(login_status(stack, victim, "the owner's password") == 200, "the owner's password fails")
    settle(stack)


def test_confirm_without_password_competing(stack):
    addr = unique_email("competing")
    signup(stack, addr, "first password")
    m1 = users.last_mail_id(stack)
    signup(stack, addr, "second password")
    code = users.read_code(stack, addr, "confirm", m1)
    # A wrong code without password says "code", like any bad code: only the
    # code's reader learns that the address has competing sign-ups.
    r = confirm(stack, addr, wrong(code))
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "code", "wrong code: field %r" % field_of(r))
    r = confirm(stack, addr, code)
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "password", "field %r, expected password" % field_of(r))
    expect("password" in r.body["error"]["message"], "message %r" % r.body["error"]["message"])
    expect(sql(stack, "SELECT email_verified FROM users WHERE email = %s" % q(addr)) == "f",
           "confirmed without a password after competing sign-ups")
    # The password follows sign-up's rules.
    r = confirm(stack, addr, code, "short")
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "password", "short password: field %r" % field_of(r))
    r = confirm(stack, addr, code, 12345678)
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "password", "numeric password: field %r" % field_of(r))
    # The right code was not used up by the 422s.
    r = confirm(stack, addr, code, "first password")
    expect(r.status == 200, "confirm with the password: %s" % r.describe())
    expect(login_status(stack, addr, "first password") == 200, "the confirmed password fails")
    expect(login_status(stack, addr, "second password") == 401, "the other offer works")
    # Unknown and confirmed addresses answer a password-carrying confirm
    # exactly like a wrong code.
    a = confirm(stack, unique_email("nobody"), code, "first password")
    b = confirm(stack, addr, code, "first password")
    c = confirm(stack, addr, wrong(code))
    for r in (a, b):
        check_json_error(r, 422, "validation_failed")
        expect(r.raw == c.raw, "answers differ: %r vs %r" % (r.raw, c.raw))
    settle(stack)


def test_confirm_without_password_single_offer(stack):
    addr = unique_email("single")
    m0 = users.last_mail_id(stack)
    signup(stack, addr, "the only password", name="Solo")
    code = users.read_code(stack, addr, "confirm", m0)
    r = confirm(stack, addr, code)
    expect(r.status == 200 and r.body.get("confirmed") is True, "confirm: %s" % r.describe())
    r = users.login(stack, addr, "the only password", source=source())
    expect(r.status == 200, "login: %s" % r.describe())
    me = users.request(stack, "GET", "/api/v1/me", headers=users.bearer(r.body["access_token"]))
    expect(me.body.get("name") == "Solo", "name %r" % me.body.get("name"))
    # With the same password sent along the name stays too.
    addr2 = unique_email("single2")
    m1 = users.last_mail_id(stack)
    signup(stack, addr2, "the only password", name="Duo")
    code = users.read_code(stack, addr2, "confirm", m1)
    expect(confirm(stack, addr2, code, "the only password").status == 200, "confirm with the same password")
    expect(sql(stack, "SELECT name FROM users WHERE email = %s" % q(addr2)) == "Duo", "name lost")
    # A resend is no offer: one password, so no password needed.
    addr3 = unique_email("single3")
    m2 = users.last_mail_id(stack)
    signup(stack, addr3, "resent password")
    users.read_code(stack, addr3, "confirm", m2)
    m3 = users.last_mail_id(stack)
    resend(stack, addr3)
    code = users.read_code(stack, addr3, "confirm", m3)
    expect(confirm(stack, addr3, code).status == 200, "confirm after a resend")
    expect(login_status(stack, addr3, "resent password") == 200, "login after a resend")


def test_guess_limit_survives_new_code(stack):
    """Before: every new code reset the count, 10 codes a day gave 50
    guesses. Now CODE_GUESSES wrong guesses a day, whatever the codes."""
    addr = unique_email("guesses")
    m0 = users.last_mail_id(stack)
    uid = signup(stack, addr, "guessed password").body["user_id"]
    code = users.read_code(stack, addr, "confirm", m0)
    spent = 0
    while spent < CODE_GUESSES:
        for _ in range(min(CODE_TRIES, CODE_GUESSES - spent)):
            check_json_error(confirm(stack, addr, wrong(code)), 422, "validation_failed")
            spent += 1
        m = users.last_mail_id(stack)
        resend(stack, addr)
        code = users.read_code(stack, addr, "confirm", m)
    expect(sql(stack, "SELECT attempts FROM auth_codes WHERE user_id = %s AND purpose = 'confirm'" % q(uid)) == "0",
           "a new code should start its own count of tries")
    # The right, fresh code is refused: the day's guesses are spent. The
    # answer is the one of any bad code, so it tells no address apart.
    r = confirm(stack, addr, code)
    check_json_error(r, 422, "validation_failed")
    expect(field_of(r) == "code", "field %r" % field_of(r))
    expect(r.raw == confirm(stack, unique_email("nobody"), code).raw, "the limit answers differently")
    expect(sql(stack, "SELECT email_verified FROM users WHERE id = %s" % q(uid)) == "f", "confirmed past the limit")
    expect(sql(stack, "SELECT guesses FROM auth_codes WHERE user_id = %s AND purpose = 'confirm'" % q(uid))
           == str(CODE_GUESSES), "guesses past the limit were counted")
    # Another code the same day does not help either.
    m = users.last_mail_id(stack)
    resend(stack, addr)
    code = users.read_code(stack, addr, "confirm", m)
    check_json_error(confirm(stack, addr, code), 422, "validation_failed")
    # Once the day since the first wrong guess has passed, the code works.
    sql(stack, "UPDATE auth_codes SET guess_window_start = now() - interval '1 day 1 second' "
               "WHERE user_id = %s AND purpose = 'confirm'" % q(uid))
    r = confirm(stack, addr, code)
    expect(r.status == 200, "confirm after the day passed: %s" % r.describe())


def test_guess_limit_reset_codes(stack):
    """The same daily budget guards reset codes, per purpose."""
    u = users.create_user(stack, password="before the reset")
    addr = u["email"]
    code = None
    for _ in range(CODE_GUESSES // CODE_TRIES):
        m = users.last_mail_id(stack)
        r = post(stack, "/api/v1/auth/forgot", {"email": addr}, source=source())
        expect(r.status == 202, "forgot: %s" % r.describe())
        code = users.read_code(stack, addr, "reset", m)
        for _ in range(CODE_TRIES):
            r = post(stack, "/api/v1/auth/reset", {"email": addr, "code": wrong(code),
                                                   "new_password": "after the reset"}, source=source())
            check_json_error(r, 422, "validation_failed")
    m = users.last_mail_id(stack)
    post(stack, "/api/v1/auth/forgot", {"email": addr}, source=source())
    code = users.read_code(stack, addr, "reset", m)
    r = post(stack, "/api/v1/auth/reset", {"email": addr, "code": code, "new_password": "after the reset"},
             source=source())
    check_json_error(r, 422, "validation_failed")
    expect(login_status(stack, addr, "before the reset") == 200, "the password changed past the limit")
    sql(stack, "UPDATE auth_codes SET guess_window_start = now() - interval '1 day 1 second' "
               "WHERE user_id = %s AND purpose = 'reset'" % q(u["user_id"]))
    r = post(stack, "/api/v1/auth/reset", {"email": addr, "code": code, "new_password": "after the reset"},
             source=source())
    expect(r.status == 204, "reset after the day passed: %s" % r.describe())
    settle(stack)


TESTS = [
    ("takeover_before_confirmation", test_takeover_before_confirmation),
    ("takeover_with_mail_cap_spent", test_takeover_with_mail_cap_spent),
    ("confirm_without_password_competing", test_confirm_without_password_competing),
    ("confirm_without_password_single_offer", test_confirm_without_password_single_offer),
    ("guess_limit_survives_new_code", test_guess_limit_survives_new_code),
    ("guess_limit_reset_codes", test_guess_limit_reset_codes),
]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, workers=2))
