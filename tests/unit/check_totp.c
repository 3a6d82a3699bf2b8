/* check_totp.c — unit tests of two-step sign-in's codes (auth/totp.c over
 * liboath): RFC 6238's published SHA-1 vectors, the window of one step
 * either side, replay refusal, base32 (RFC 4648 vectors), the otpauth URI,
 * and the security mail's time (mail/render.c). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "auth/totp.h"
#include "mail/render.h"

/* RFC 6238 Appendix B: the SHA-1 seed and its 8-digit codes. */
static const unsigned char rfc_seed[] = "12345678901234567890";
static const struct {
	time_t		 t;
	const char	*code;
} rfc_vectors[] = {
	{ 59, "94287082" },
	{ 1111111109, "07081804" },
	{ 1111111111, "14050471" },
	{ 1234567890, "89005924" },
	{ 2000000000, "69279037" },
	{ 20000000000LL, "65353130" },
};
#define NVECTORS (sizeof(rfc_vectors) / sizeof(rfc_vectors[0]))

START_TEST(rfc6238_vectors_through_liboath)
{
	char	otp[9];
	size_t	i;

	ck_assert_int_eq(totp_init(), 0);
	for (i = 0; i < NVECTORS; i++) {
		ck_assert_int_eq(oath_totp_generate((const char *)rfc_seed, 20,
		    rfc_vectors[i].t, 30, 0, 8, otp), OATH_OK);
		ck_assert_str_eq(otp, rfc_vectors[i].code);
	}
}
END_TEST

/* Our six digits are the low six of the RFC's eight (the same truncated
 * value, modulo 10^6). */
START_TEST(rfc6238_vectors_six_digits)
{
	char	code[TOTP_DIGITS + 1];
	size_t	i;

	for (i = 0; i < NVECTORS; i++) {
		ck_assert_int_eq(totp_code_at(rfc_seed, 20, rfc_vectors[i].t,
		    code), 0);
		ck_assert_str_eq(code, rfc_vectors[i].code + 2);
	}
}
END_TEST

START_TEST(check_accepts_one_step_either_side)
{
	const time_t	now = 1111111111;	/* step 37037037 */
	const uint64_t	t0 = (uint64_t)now / 30;
	char		code[TOTP_DIGITS + 1];
	uint64_t	step;
	int		d;

	for (d = -2; d <= 2; d++) {
		ck_assert_int_eq(totp_code_at(rfc_seed, 20, now + d * 30, code),
		    0);
		ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, code, 0,
		    &step), d >= -1 && d <= 1);
		if (d >= -1 && d <= 1)
			ck_assert_uint_eq(step, t0 + (uint64_t)(int64_t)d);
	}
	/* The RFC's own code of this instant. */
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, "050471", 0,
	    &step), 1);
	ck_assert_uint_eq(step, t0);
}
END_TEST

START_TEST(check_refuses_replay_and_older_steps)
{
	const time_t	now = 1234567890;
	const uint64_t	t0 = (uint64_t)now / 30;
	char		code[TOTP_DIGITS + 1], prev[TOTP_DIGITS + 1];
	uint64_t	step;

	ck_assert_int_eq(totp_code_at(rfc_seed, 20, now, code), 0);
	ck_assert_int_eq(totp_code_at(rfc_seed, 20, now - 30, prev), 0);
	/* Accepted once, then its step is the last: refused. */
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, code, t0 - 1,
	    &step), 1);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, code, t0, &step),
	    0);
	/* An older code after a newer one was accepted: refused too. */
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, prev, t0, &step),
	    0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, now, prev, t0 - 2,
	    &step), 1);
	ck_assert_uint_eq(step, t0 - 1);
}
END_TEST

START_TEST(check_refuses_malformed_codes)
{
	uint64_t step;

	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "287082 ", 0,
	    &step), 0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "28708", 0,
	    &step), 0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "28708a", 0,
	    &step), 0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "94287082", 0,
	    &step), 0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "", 0, &step), 0);
	ck_assert_int_eq(totp_code_check(rfc_seed, 20, 59, "287082", 0,
	    &step), 1);
}
END_TEST

START_TEST(base32_rfc4648_vectors)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	char	out[64];
	char	*back = NULL;
	size_t	i, n = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(totp_base32((const unsigned char *)v[i].in,
		    strlen(v[i].in), out, sizeof(out)), 0);
		ck_assert_str_eq(out, v[i].out);
	}
	/* A 160-bit secret is 32 characters, and decodes back. */
	ck_assert_int_eq(totp_base32(rfc_seed, 20, out, sizeof(out)), 0);
	ck_assert_uint_eq(strlen(out), TOTP_SECRET_B32_LEN);
	ck_assert_str_eq(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	ck_assert_int_eq(oath_base32_decode(out, strlen(out), &back, &n),
	    OATH_OK);
	ck_assert_uint_eq(n, 20);
	ck_assert(memcmp(back, rfc_seed, 20) == 0);
	free(back);
	/* Too small an output is refused, not cut. */
	ck_assert_int_eq(totp_base32(rfc_seed, 20, out, 32), -1);
}
END_TEST

START_TEST(uri_escapes_issuer_and_account)
{
	char uri[TOTP_URI_MAX];

	ck_assert_int_eq(totp_uri("a+b@example.com", "GEZDGNBV", uri,
	    sizeof(uri)), 0);
	ck_assert_str_eq(uri, "otpauth://totp/Aurora%20Time:a%2Bb%40"
	    "example.com?secret=GEZDGNBV&issuer=Aurora%20Time");
	ck_assert_int_eq(totp_uri("a@example.com", "GEZDGNBV", uri, 20), -1);
}
END_TEST

START_TEST(mail_time_in_reader_zone)
{
	char out[96];

	ck_assert_int_eq(render_when(1796212800, "Europe/Berlin", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "Wednesday 2 December 2026 at 13:00 CET");
	ck_assert_int_eq(render_when(1796212800, "No/Such_Zone", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "Wednesday 2 December 2026 at 12:00 UTC");
	ck_assert_int_eq(render_when(1796212800, "UTC", out, 10), -1);
}
END_TEST

static Suite *
totp_suite(void)
{
	Suite	*s = suite_create("totp");
	TCase	*tc = tcase_create("codes");

	tcase_add_test(tc, rfc6238_vectors_through_liboath);
	tcase_add_test(tc, rfc6238_vectors_six_digits);
	tcase_add_test(tc, check_accepts_one_step_either_side);
	tcase_add_test(tc, check_refuses_replay_and_older_steps);
	tcase_add_test(tc, check_refuses_malformed_codes);
	tcase_add_test(tc, base32_rfc4648_vectors);
	tcase_add_test(tc, uri_escapes_issuer_and_account);
	tcase_add_test(tc, mail_time_in_reader_zone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(totp_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
