/* check_core.c — unit tests for the plumbing: buffers and configuration. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/b64url.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/conf.h"
#include "core/jsonout.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "db/array.h"
#include "db/db.h"

START_TEST(buf_respects_cap)
{
	struct buf b;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_add(&b, "1234", 4), BUF_OK);
	ck_assert_int_eq(buf_add(&b, "5678", 4), BUF_OK);
	ck_assert_int_eq(buf_add(&b, "9", 1), BUF_TOO_BIG);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	buf_reset(&b);
	ck_assert_int_eq(buf_printf(&b, "%d-%s", 42, "ab"), BUF_OK);
	ck_assert_str_eq(b.data, "42-ab");
	ck_assert_int_eq(buf_printf(&b, "%s", "toolong"), BUF_TOO_BIG);
	ck_assert_str_eq(b.data, "42-ab");
	buf_free(&b);
	buf_free(&b);	/* twice is harmless */
}
END_TEST

START_TEST(buf_huge_len_rejected)
{
	struct buf b;

	buf_init(&b, 16);
	ck_assert_int_eq(buf_add(&b, "x", (size_t)-1), BUF_TOO_BIG);
	ck_assert_ptr_null(b.data);
	buf_free(&b);
}
END_TEST

static char *
write_conf(const char *text)
{
	static char	 path[] = "/tmp/aurora-conf-XXXXXX";
	char		*p = strdup(path);
	int		 fd = mkstemp(p);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

START_TEST(conf_reads_file_and_env)
{
	struct conf	 c;
	char		 err[CONF_ERR_MAX];
	char		*p = write_conf("# comment\n"
	    "db_conninfo = \"dbname=aurora user=aurora_api\"\n"
	    "workers=7\n  socket_mode = 0600\nlog_level = debug\n");

	setenv("AURORA_WORKERS", "3", 1);
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_conninfo, "dbname=aurora user=aurora_api");
	ck_assert_int_eq(c.workers, 3);
	ck_assert_int_eq(c.socket_mode, 0600);
	ck_assert_str_eq(c.log_level, "debug");
	ck_assert_int_eq(c.max_body, 1048576);
	unsetenv("AURORA_WORKERS");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(conf_rejects_by_name)
{
	struct conf	 c;
	char		 err[CONF_ERR_MAX];
	char		*p;

	p = write_conf("db_conninfo = x\nworkrs = 4\n");
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown setting \"workrs\""));
	ck_assert_ptr_nonnull(strstr(err, ":2"));
	unlink(p);
	free(p);

	p = write_conf("db_conninfo = x\nworkers = 4x\n");
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "workers"));
	unlink(p);
	free(p);

	p = write_conf("db_conninfo = x\nworkers = 100000\n");
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), -1);
	unlink(p);
	free(p);

	p = write_conf("workers = 2\n");
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "db_conninfo"));
	unlink(p);
	free(p);

	p = write_conf("db_conninfo = x\nlisten = 127.0.0.1:9000\n");
	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "listen"));
	unlink(p);
	free(p);

	ck_assert_int_eq(conf_load(&c, "/nonexistent/aurora.conf", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* jsonout: a member added whole or not at all; a NULL value (a failed
 * json_object_new_*) is refused, the object left as it was. */
START_TEST(jsonout_adds_or_refuses)
{
	json_object	*o, *a;

	ck_assert_ptr_nonnull(o = json_object_new_object());
	ck_assert_ptr_nonnull(a = json_object_new_array());
	ck_assert_int_eq(jsonout_string(o, "s", "x"), 0);
	ck_assert_int_eq(jsonout_int(o, "n", -5), 0);
	ck_assert_int_eq(jsonout_bool(o, "b", 7), 0);
	ck_assert_int_eq(jsonout_null(o, "z"), 0);
	ck_assert_int_eq(jsonout_add(o, "bad", NULL), -1);
	ck_assert_int_eq(jsonout_push(a, json_object_new_int(1)), 0);
	ck_assert_int_eq(jsonout_push(a, NULL), -1);
	ck_assert_int_eq(jsonout_add(o, "a", a), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN),
	    "{\"s\":\"x\",\"n\":-5,\"b\":true,\"z\":null,\"a\":[1]}");
	json_object_put(o);
}
END_TEST

START_TEST(clock_formats_utc)
{
	char out[32];

	ck_assert_int_eq(clock_rfc3339_utc(0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(clock_rfc3339_utc(1772672400, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-03-05T01:00:00Z");
}
END_TEST

START_TEST(utf8_strict)
{
	uint32_t cp;

	ck_assert_int_eq(utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'A');
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4,
	    &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	/* overlong, surrogate, past U+10FFFF, cut off, stray continuation */
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp),
	    -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp),
	    -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4,
	    &cp), -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp), -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\x80", 1, &cp), -1);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"", 0, &cp), -1);
}
END_TEST

/* ------------------------------------------------------------ base64url
 * (moved from check_auth.c with the codec; the token verifier relies on
 * every refusal below) */

START_TEST(b64url_vectors)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	unsigned char	bin[3] = { 0xfb, 0xff, 0xbf }, dec[64];
	char		out[64];
	size_t		i;
	long		n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = b64url_encode(v[i].in, strlen(v[i].in), out,
		    sizeof(out));
		ck_assert_int_eq(n, (long)strlen(v[i].out));
		ck_assert_str_eq(out, v[i].out);
		n = b64url_decode(v[i].out, strlen(v[i].out), dec,
		    sizeof(dec));
		ck_assert_int_eq(n, (long)strlen(v[i].in));
		ck_assert(memcmp(dec, v[i].in, (size_t)n) == 0);
	}
	/* The URL-safe alphabet, never + or /. */
	ck_assert_int_eq(b64url_encode(bin, 3, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "-_-_");
	ck_assert_int_eq(b64url_decode("-_-_", 4, dec, sizeof(dec)), 3);
	ck_assert(memcmp(dec, bin, 3) == 0);
	/* Too small an output buffer. */
	ck_assert_int_eq(b64url_encode("foobar", 6, out, 8), -1);
	ck_assert_int_eq(b64url_decode("Zm9vYmFy", 8, dec, 5), -1);
}
END_TEST

START_TEST(b64url_rejects)
{
	unsigned char dec[64];

	ck_assert_int_eq(b64url_decode("Zg==", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("+/+/", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("Zm9vY", 5, dec, sizeof(dec)),
	    -1);
	ck_assert_int_eq(b64url_decode("Zm 9", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("Zm.9", 4, dec, sizeof(dec)), -1);
	/* Non-canonical: "Zh" has bits set past the one byte it carries. */
	ck_assert_int_eq(b64url_decode("Zh", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("Zg", 2, dec, sizeof(dec)), 1);
}
END_TEST

START_TEST(b64url_lengths_and_alphabet)
{
	unsigned char	all[256], dec[256 + 3];
	char		out[400];
	size_t		i;
	long		n;
	int		c;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	/* Every byte value round-trips; the length is B64URL_ENCODED_LEN. */
	for (i = 0; i <= sizeof(all); i++) {
		n = b64url_encode(all, i, out, sizeof(out));
		ck_assert_int_eq(n, (long)B64URL_ENCODED_LEN(i));
		ck_assert_uint_eq(strspn(out, B64URL_ALPHABET), (size_t)n);
		ck_assert(B64URL_DECODED_MAX((size_t)n) >= i);
		ck_assert_int_eq(b64url_decode(out, (size_t)n, dec,
		    sizeof(dec)), (long)i);
		ck_assert(memcmp(dec, all, i) == 0);
	}
	/* 32 random bytes (refresh tokens, feed secrets) are 43 characters. */
	ck_assert_int_eq(B64URL_ENCODED_LEN(32), 43);
	/* Room for the NUL is required; exactly enough is enough. */
	ck_assert_int_eq(b64url_encode("foo", 3, out, 4), -1);
	ck_assert_int_eq(b64url_encode("foo", 3, out, 5), 4);
	ck_assert_int_eq(b64url_decode("Zm9v", 4, dec, 3), 3);
	ck_assert_int_eq(b64url_decode("Zm9v", 4, dec, 2), -1);
	/* The alphabet, and nothing else (not bytes past 0x7f either). */
	for (c = 0; c < 256; c++)
		ck_assert_int_eq(b64url_char(c), c != 0 &&
		    strchr(B64URL_ALPHABET, c) != NULL);
	ck_assert_int_eq(b64url_decode("Zm\xc3\xa9", 4, dec, sizeof(dec)),
	    -1);
	ck_assert_int_eq(b64url_decode("Zm\0v", 4, dec, sizeof(dec)), -1);
	/* One left-over character never makes a byte (the old cursor decoder
	 * dropped it); padding is never accepted, even where it would fit. */
	ck_assert_int_eq(b64url_decode("Zm9vY", 5, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("Zm8=", 4, dec, sizeof(dec)), -1);
	/* Non-canonical two- and three-character tails. */
	ck_assert_int_eq(b64url_decode("Zm9", 3, dec, sizeof(dec)), -1);
	ck_assert_int_eq(b64url_decode("Zm8", 3, dec, sizeof(dec)), 2);
	ck_assert_int_eq(b64url_decode("", 0, dec, 0), 0);
}
END_TEST

/* ------------------------------------------------------------ sha256 */

START_TEST(sha256_hex_vectors)
{
	char	out[SHA256_HEX_LEN + 1];
	char	big[1000];

	/* FIPS 180-2 test vectors, lower-case hex as the database holds. */
	ck_assert_int_eq(sha256_hex("", 0, out), 0);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(sha256_hex("abc", 3, out), 0);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* Only len bytes count: a NUL inside is data, the rest is ignored. */
	ck_assert_int_eq(sha256_hex("abcdef", 3, out), 0);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(sha256_hex("a\0b", 3, out), 0);
	ck_assert_str_eq(out, "59b271ae1bbcb1d31d41929817f4b16f"
	    "b439eb4f31520b5ad1d5ce98920a7138");
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(sha256_hex(big, sizeof(big), out), 0);
	ck_assert_str_eq(out, "41edece42d63e8d9bf515a9ba6932e1c"
	    "20cbc9f5a5d134645adb5db1b9737ea3");
	ck_assert_uint_eq(strlen(out), SHA256_HEX_LEN);
}
END_TEST

/* ------------------------------------------------------------ db options */

START_TEST(db_options_read_the_conf)
{
	struct conf		 c;
	struct db_options	 o;
	char			 err[CONF_ERR_MAX];
	char			*p = write_conf("db_conninfo = \"dbname=a\"\n"
	    "db_remind_conninfo = \"dbname=r\"\ndb_prepared = off\n"
	    "db_connect_timeout = 7\ndb_statement_timeout = 1234\n");

	ck_assert_int_eq(conf_load(&c, p, err, sizeof(err)), 0);
	memset(&o, 0xff, sizeof(o));
	db_options_from_conf(&o, &c, c.db_remind_conninfo, "aurora-remind");
	ck_assert_str_eq(o.conninfo, "dbname=r");
	ck_assert_str_eq(o.application_name, "aurora-remind");
	ck_assert_int_eq(o.prepared, 0);
	ck_assert_int_eq(o.connect_timeout, 7);
	ck_assert_int_eq(o.statement_timeout, 1234);
	ck_assert_ptr_null(o.error_counter);
	unlink(p);
	free(p);

	/* The defaults: prepared statements on. */
	conf_defaults(&c);
	db_options_from_conf(&o, &c, c.db_conninfo, "aurora-api");
	ck_assert_ptr_eq(o.conninfo, c.db_conninfo);
	ck_assert_int_eq(o.prepared, 1);
	ck_assert_int_eq(o.connect_timeout, c.db_connect_timeout);
	ck_assert_int_eq(o.statement_timeout, c.db_statement_timeout);
}
END_TEST

/* ------------------------------------------------------------ db arrays */

START_TEST(db_array_literals)
{
	struct buf	 b;
	char		 out[16];
	static const int v[] = { 5, -10, 2147483647 };

	buf_init(&b, 64);
	ck_assert_int_eq(db_array_open(&b), 0);
	ck_assert_int_eq(db_array_close(&b), 0);
	ck_assert_str_eq(b.data, "{}");
	buf_reset(&b);
	ck_assert_int_eq(db_array_open(&b), 0);
	ck_assert_int_eq(db_array_int(&b, 1), 0);
	ck_assert_int_eq(db_array_int(&b, -9223372036854775807LL - 1), 0);
	ck_assert_int_eq(db_array_close(&b), 0);
	ck_assert_str_eq(b.data, "{1,-9223372036854775808}");
	buf_reset(&b);
	/* Text: quoted, '"' and '\' escaped, NULL the SQL NULL. */
	ck_assert_int_eq(db_array_open(&b), 0);
	ck_assert_int_eq(db_array_text(&b, "a\"b\\c"), 0);
	ck_assert_int_eq(db_array_text(&b, NULL), 0);
	ck_assert_int_eq(db_array_text(&b, ""), 0);
	ck_assert_int_eq(db_array_text(&b, "{"), 0);
	ck_assert_int_eq(db_array_close(&b), 0);
	ck_assert_str_eq(b.data, "{\"a\\\"b\\\\c\",NULL,\"\",\"{\"}");
	buf_free(&b);
	/* The cap holds: a full buffer is an error, not a cut literal. */
	buf_init(&b, 4);
	ck_assert_int_eq(db_array_open(&b), 0);
	ck_assert_int_eq(db_array_int(&b, 12), 0);
	ck_assert_int_eq(db_array_int(&b, 3), -1);
	buf_free(&b);
	/* Fixed buffers (the reminders column). */
	ck_assert_int_eq(db_array_ints(v, 3, out, sizeof(out)), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(db_array_ints(v, 2, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "{5,-10}");
	ck_assert_int_eq(db_array_ints(v, 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "{}");
	ck_assert_int_eq(db_array_ints(v, 0, out, 3), 0);
	ck_assert_int_eq(db_array_ints(v, 0, out, 2), -1);
}
END_TEST

/* ------------------------------------------------------------ utf8_count */

START_TEST(utf8_count_rules)
{
	/* Characters, not bytes. */
	ck_assert_int_eq(utf8_count("", 0, 0), 0);
	ck_assert_int_eq(utf8_count("caf\xc3\xa9", 5, 0), 4);
	ck_assert_int_eq(utf8_count("\xf0\x9f\x98\x80!", 5, UTF8_NO_CTL), 2);
	/* Ill-formed bytes and NUL: always refused. */
	ck_assert_int_eq(utf8_count("a\xc0\xaf", 3, 0), -1);
	ck_assert_int_eq(utf8_count("a\xed\xa0\x80", 4, 0), -1);
	ck_assert_int_eq(utf8_count("a\xe2\x82", 3, 0), -1);
	ck_assert_int_eq(utf8_count("a\0b", 3, 0), -1);
	ck_assert_int_eq(utf8_count("a\0b", 3, UTF8_NO_CTL | UTF8_TEXT_CTL),
	    -1);
	/* Passwords (no flags): any other control is a character. */
	ck_assert_int_eq(utf8_count("a\tb\x7f\x01\xc2\x85", 7, 0), 6);
	/* Event text: no C0, DEL or C1 ... */
	ck_assert_int_eq(utf8_count("a\tb", 3, UTF8_NO_CTL), -1);
	ck_assert_int_eq(utf8_count("a\x7f", 2, UTF8_NO_CTL), -1);
	ck_assert_int_eq(utf8_count("a\x1f", 2, UTF8_NO_CTL), -1);
	ck_assert_int_eq(utf8_count("a\xc2\x80", 3, UTF8_NO_CTL), -1);
	ck_assert_int_eq(utf8_count("a\xc2\x9f", 3, UTF8_NO_CTL), -1);
	ck_assert_int_eq(utf8_count("a\xc2\xa0", 3, UTF8_NO_CTL), 2);
	/* ... but tab, CR and LF where text may hold lines. */
	ck_assert_int_eq(utf8_count("a\tb\r\nc", 6,
	    UTF8_NO_CTL | UTF8_TEXT_CTL), 6);
	ck_assert_int_eq(utf8_count("a\x0b", 2, UTF8_NO_CTL | UTF8_TEXT_CTL),
	    -1);
	ck_assert_int_eq(utf8_count("a\xc2\x85", 3,
	    UTF8_NO_CTL | UTF8_TEXT_CTL), -1);
	/* len bounds the walk: a cut sequence is ill-formed. */
	ck_assert_int_eq(utf8_count("caf\xc3\xa9", 4, 0), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("core");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, buf_respects_cap);
	tcase_add_test(tc, buf_huge_len_rejected);
	tcase_add_test(tc, conf_reads_file_and_env);
	tcase_add_test(tc, conf_rejects_by_name);
	tcase_add_test(tc, clock_formats_utc);
	tcase_add_test(tc, jsonout_adds_or_refuses);
	tcase_add_test(tc, utf8_strict);
	tcase_add_test(tc, b64url_vectors);
	tcase_add_test(tc, b64url_rejects);
	tcase_add_test(tc, b64url_lengths_and_alphabet);
	tcase_add_test(tc, sha256_hex_vectors);
	tcase_add_test(tc, db_options_read_the_conf);
	tcase_add_test(tc, db_array_literals);
	tcase_add_test(tc, utf8_count_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
