/* check_auth.c — unit tests for the identity modules that need no database:
 * base64url, keys and the JWKS we publish, password hashing and rules, and
 * the verifier against a table of hostile tokens built here with OpenSSL. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "auth/account.h"
#include "auth/apppass.h"
#include "auth/device.h"
#include "auth/issuers.h"
#include "auth/keyset.h"
#include "auth/passwd.h"
#include "auth/throttle.h"
#include "auth/useragent.h"
#include "auth/verify.h"
#include "core/b64url.h"

/* ------------------------------------------------------------ fixtures */

static char	 tmpdir[] = "/tmp/check_auth.XXXXXX";
static char	 keydir[256], otherdir[256], extdir[256];
static time_t	 key_time;

static void
rmdir_all(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
setup_keys(void)
{
	char	kid[KEYSET_KID_MAX + 1], err[512];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_auth.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		ck_abort_msg("mkdtemp failed");
	snprintf(keydir, sizeof(keydir), "%s/keys", tmpdir);
	snprintf(otherdir, sizeof(otherdir), "%s/other", tmpdir);
	snprintf(extdir, sizeof(extdir), "%s/ext", tmpdir);
	key_time = time(NULL) - 3600;
	/* Same instant, same kid: the attacker's key carries our kid. */
	if (keyset_create(keydir, 2048, key_time, kid, sizeof(kid), err,
	    sizeof(err)) == -1 ||
	    keyset_create(otherdir, 2048, key_time, kid, sizeof(kid), err,
	    sizeof(err)) == -1 ||
	    keyset_create(extdir, 2048, key_time + 60, kid, sizeof(kid), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "keyset_create: %s\n", err);
		abort();
	}
}

static void
teardown_keys(void)
{
	rmdir_all(tmpdir);
}

static void
load(struct keyset *ks, const char *dir)
{
	char err[512];

	keyset_init(ks);
	if (keyset_load_dir(ks, dir, err, sizeof(err)) != 1)
		ck_abort_msg("keyset_load_dir(%s): %s", dir, err);
}

/* ------------------------------------------------------------ keys */

START_TEST(keys_create_and_load)
{
	struct keyset		 ks;
	const struct keyset_key	*k;
	char			 kid[KEYSET_KID_MAX + 1], err[512], path[512];
	struct tm		 tm;
	struct stat		 st;

	load(&ks, keydir);
	k = keyset_signer(&ks);
	ck_assert_ptr_nonnull(k);
	gmtime_r(&key_time, &tm);
	strftime(kid, sizeof(kid), "%Y%m%dT%H%M%SZ", &tm);
	ck_assert_str_eq(k->kid, kid);
	ck_assert_int_eq(k->alg, KEYSET_RS256);
	ck_assert_ptr_nonnull(k->priv_pem);
	ck_assert(strncmp(k->pub_pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
	snprintf(path, sizeof(path), "%s/%s.pem", keydir, kid);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A second key: the greater kid signs, both are published. */
	ck_assert_int_eq(keyset_create(keydir, 2048, key_time + 1, kid,
	    sizeof(kid), err, sizeof(err)), 0);
	ck_assert_int_eq(keyset_count_dir(keydir, err, sizeof(err)), 2);
	ck_assert_int_eq(keyset_load_dir(&ks, keydir, err, sizeof(err)), 2);
	ck_assert_str_eq(keyset_signer(&ks)->kid, kid);
	ck_assert_ptr_nonnull(keyset_find(&ks, kid));
	ck_assert_ptr_null(keyset_find(&ks, "nope"));
	/* The same kid twice is refused rather than overwritten. */
	ck_assert_int_eq(keyset_create(keydir, 2048, key_time + 1, kid,
	    sizeof(kid), err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/%s.pem", keydir, kid);
	ck_assert_int_eq(unlink(path), 0);
	keyset_clear(&ks);
	ck_assert_int_eq(keyset_count_dir("/nonexistent/dir", err,
	    sizeof(err)), 0);
}
END_TEST

START_TEST(keys_refuse_open_files)
{
	struct keyset	ks;
	char		path[512], err[512], kid[KEYSET_KID_MAX + 1];
	char		dir[300];
	FILE		*f;

	snprintf(dir, sizeof(dir), "%s/open", tmpdir);
	ck_assert_int_eq(keyset_create(dir, 2048, key_time, kid, sizeof(kid),
	    err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s.pem", dir, kid);
	ck_assert_int_eq(chmod(path, 0644), 0);
	keyset_init(&ks);
	ck_assert_int_eq(keyset_load_dir(&ks, dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_int_eq(ks.n, 0);
	/* Not a key at all. */
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    f);
	fclose(f);
	ck_assert_int_eq(keyset_load_dir(&ks, dir, err, sizeof(err)), -1);
	/* Files that are not <kid>.pem are ignored. */
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/README", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(keyset_load_dir(&ks, dir, err, sizeof(err)), 0);
	rmdir_all(dir);
}
END_TEST

/* base64url of the big-endian bytes of an RSA parameter of the key in pem. */
static void
rsa_param_b64(const char *pem, const char *param, char *out, size_t outlen)
{
	BIO		*b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY	*pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIGNUM		*bn = NULL;
	unsigned char	 bin[1024];
	int		 n;

	ck_assert_ptr_nonnull(pk);
	ck_assert(EVP_PKEY_get_bn_param(pk, param, &bn));
	n = BN_bn2bin(bn, bin);
	ck_assert_int_gt(b64url_encode(bin, (size_t)n, out, outlen), 0);
	BN_free(bn);
	EVP_PKEY_free(pk);
	BIO_free(b);
}

START_TEST(jwks_publish_and_parse)
{
	struct keyset		 ks, back;
	const struct keyset_key	*k;
	json_object		*doc, *keys, *jwk, *v;
	const char		*text;
	char			 n[400], err[256];

	load(&ks, keydir);
	k = keyset_signer(&ks);
	ck_assert_ptr_nonnull(doc = keyset_jwks(&ks));
	ck_assert(json_object_object_get_ex(doc, "keys", &keys));
	ck_assert_int_eq(json_object_array_length(keys), 1);
	jwk = json_object_array_get_idx(keys, 0);
	ck_assert(json_object_object_get_ex(jwk, "kty", &v));
	ck_assert_str_eq(json_object_get_string(v), "RSA");
	ck_assert(json_object_object_get_ex(jwk, "alg", &v));
	ck_assert_str_eq(json_object_get_string(v), "RS256");
	ck_assert(json_object_object_get_ex(jwk, "use", &v));
	ck_assert_str_eq(json_object_get_string(v), "sig");
	ck_assert(json_object_object_get_ex(jwk, "kid", &v));
	ck_assert_str_eq(json_object_get_string(v), k->kid);
	ck_assert(json_object_object_get_ex(jwk, "e", &v));
	ck_assert_str_eq(json_object_get_string(v), "AQAB");
	ck_assert(json_object_object_get_ex(jwk, "n", &v));
	rsa_param_b64(k->pub_pem, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n));
	ck_assert_str_eq(json_object_get_string(v), n);
	/* 2048 bits: 256 bytes, 342 base64url characters, no padding. */
	ck_assert_int_eq(strlen(json_object_get_string(v)), 342);
	ck_assert_ptr_null(json_object_object_get(jwk, "d"));
	ck_assert_ptr_null(json_object_object_get(jwk, "p"));

	/* What we publish turns back into the same public key. */
	text = json_object_to_json_string(doc);
	keyset_init(&back);
	ck_assert_int_eq(keyset_load_jwks(&back, text, strlen(text), err,
	    sizeof(err)), 1);
	ck_assert_str_eq(back.keys[0].pub_pem, k->pub_pem);
	ck_assert_ptr_null(back.keys[0].priv_pem);
	json_object_put(doc);

	/* Keys that must not be used are skipped; junk is refused. */
	text = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\","
	    "\"n\":\"AQAB\",\"e\":\"AQAB\"},{\"kty\":\"oct\",\"kid\":\"h\","
	    "\"k\":\"c2VjcmV0\"},{\"kty\":\"RSA\",\"kid\":\"small\","
	    "\"n\":\"AQAB\",\"e\":\"AQAB\"},{\"kty\":\"RSA\",\"kid\":\"../x\","
	    "\"n\":\"AQAB\",\"e\":\"AQAB\"}]}";
	ck_assert_int_eq(keyset_load_jwks(&back, text, strlen(text), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(keyset_load_jwks(&back, "[]", 2, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(keyset_load_jwks(&back, "{", 1, err, sizeof(err)), -1);
	keyset_clear(&back);
	keyset_clear(&ks);
}
END_TEST

/* ------------------------------------------------------------ passwords */

static const struct passwd_params fast = { 256, 1, 1 };

START_TEST(passwd_hash_verify)
{
	char	h1[PASSWD_HASH_MAX + 1], h2[PASSWD_HASH_MAX + 1];
	const struct passwd_params owasp = { 19456, 2, 1 };

	ck_assert_int_eq(passwd_hash(&fast, "correct horse", 13, h1,
	    sizeof(h1)), 0);
	ck_assert(strncmp(h1, "$argon2id$v=19$m=256,t=1,p=1$", 29) == 0);
	ck_assert_int_eq(passwd_verify(h1, "correct horse", 13), 1);
	ck_assert_int_eq(passwd_verify(h1, "correct horsE", 13), 0);
	ck_assert_int_eq(passwd_verify(h1, "correct hors", 12), 0);
	/* A fresh salt every time. */
	ck_assert_int_eq(passwd_hash(&fast, "correct horse", 13, h2,
	    sizeof(h2)), 0);
	ck_assert_str_ne(h1, h2);
	/* Only argon2id hashes are ours. */
	ck_assert_int_eq(passwd_verify("$argon2i$v=19$m=256,t=1,p=1$AAAA$AAAA",
	    "x", 1), 0);
	ck_assert_int_eq(passwd_verify("", "x", 1), 0);
	ck_assert_int_eq(passwd_verify(NULL, "x", 1), 0);
	ck_assert_int_eq(passwd_needs_rehash(&fast, h1), 0);
	ck_assert_int_eq(passwd_needs_rehash(&owasp, h1), 1);
	/* Passwords may hold anything but NUL, counted in code points. */
	ck_assert_int_eq(passwd_hash(&fast, "p\xc3\xa4ss \t\xe2\x82\xac!", 11,
	    h1, sizeof(h1)), 0);
	ck_assert_int_eq(passwd_verify(h1, "p\xc3\xa4ss \t\xe2\x82\xac!", 11),
	    1);
	ck_assert_int_eq(passwd_hash(&fast, "x", 1, h1, 10), -1);
}
END_TEST

START_TEST(passwd_policy)
{
	char	buf[1200];
	size_t	i;

	ck_assert_int_eq(passwd_check_policy("1234567", 7), PASSWD_TOO_SHORT);
	ck_assert_int_eq(passwd_check_policy("12345678", 8), PASSWD_OK);
	ck_assert_int_eq(passwd_check_policy("aaaaaaaa", 8), PASSWD_OK);
	/* Seven two-byte characters are seven, not fourteen. */
	ck_assert_int_eq(passwd_check_policy("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
	    "\xc3\xa4\xc3\xa4\xc3\xa4", 14), PASSWD_TOO_SHORT);
	for (i = 0; i < 256; i++)
		memcpy(buf + 2 * i, "\xc3\xa4", 2);
	ck_assert_int_eq(passwd_check_policy(buf, 512), PASSWD_OK);
	memcpy(buf + 512, "x", 1);
	ck_assert_int_eq(passwd_check_policy(buf, 513), PASSWD_TOO_LONG);
	ck_assert_int_eq(passwd_check_policy("1234\0" "5678", 9),
	    PASSWD_INVALID);
	ck_assert_int_eq(passwd_check_policy("1234567\xff", 8),
	    PASSWD_INVALID);
	ck_assert_int_eq(passwd_check_policy("123456\xc3", 7), PASSWD_INVALID);
	/* Overlong encoding of '/' and a UTF-16 surrogate. */
	ck_assert_int_eq(passwd_check_policy("1234567\xc0\xaf", 9),
	    PASSWD_INVALID);
	ck_assert_int_eq(passwd_check_policy("1234567\xed\xa0\x80", 10),
	    PASSWD_INVALID);
}
END_TEST

START_TEST(account_inputs)
{
	json_object	*in, *norm;
	char		 field[96], why[128];

	ck_assert(account_email_valid("a@example.com"));
	ck_assert(account_email_valid("first.last+tag@sub.example.co"));
	ck_assert(!account_email_valid("example.com"));
	ck_assert(!account_email_valid("a@b"));
	ck_assert(!account_email_valid("a@@example.com"));
	ck_assert(!account_email_valid("a b@example.com"));
	ck_assert(!account_email_valid(".a@example.com"));
	ck_assert(!account_email_valid("a..b@example.com"));
	ck_assert(!account_email_valid("a@-example.com"));
	ck_assert(!account_email_valid("a@example..com"));
	ck_assert(!account_email_valid("a@exa_mple.com"));
	ck_assert(!account_email_valid("\xc3\xa4@example.com"));

	ck_assert(account_time_zone_valid("Europe/Berlin"));
	ck_assert(account_time_zone_valid("America/New_York"));
	ck_assert(account_time_zone_valid("UTC"));
	ck_assert(!account_time_zone_valid("Mars/Olympus"));
	ck_assert(!account_time_zone_valid("../../etc/passwd"));
	ck_assert(!account_time_zone_valid("/etc/passwd"));
	ck_assert(!account_time_zone_valid("Europe"));	/* a directory */
	ck_assert(!account_time_zone_valid("Europe/Berlin "));
	ck_assert(!account_time_zone_valid(""));

	in = json_tokener_parse("[{\"minutes_before\":30},"
	    "{\"method\":\"email\",\"minutes_before\":0}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(norm,
	    JSON_C_TO_STRING_PLAIN), "[{\"method\":\"email\",\"minutes_before\""
	    ":30},{\"method\":\"email\",\"minutes_before\":0}]");
	json_object_put(norm);
	json_object_put(in);
	in = json_tokener_parse("[{\"minutes_before\":40321}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), -1);
	ck_assert_str_eq(field, "default_reminders[0].minutes_before");
	json_object_put(in);
	in = json_tokener_parse("[{\"minutes_before\":1},{\"minutes_before\":"
	    "2,\"x\":1}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), -1);
	ck_assert_str_eq(field, "default_reminders[1].x");
	json_object_put(in);
	in = json_tokener_parse("[{\"method\":\"sms\",\"minutes_before\":1}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), -1);
	ck_assert_str_eq(field, "default_reminders[0].method");
	json_object_put(in);
	in = json_tokener_parse("[{\"minutes_before\":1.5}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), -1);
	json_object_put(in);
	in = json_tokener_parse("[{\"minutes_before\":1},{\"minutes_before\":1},"
	    "{\"minutes_before\":1},{\"minutes_before\":1},{\"minutes_before\":1},"
	    "{\"minutes_before\":1}]");
	ck_assert_int_eq(account_reminders_parse(in, &norm, field,
	    sizeof(field), why, sizeof(why)), -1);
	ck_assert_str_eq(field, "default_reminders");
	json_object_put(in);
}
END_TEST

/* ------------------------------------------------------------ verifier */

#define ISS	"https://aurora.test"
#define EXT	"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
#define SUB	"6f1c1b1e-9a52-4a43-b1a5-2f9a1c3e2b10"
#define SID	"0d6c8f3e-54b1-4c0a-9d35-6b0d4f2f8a11"

static struct verifier	 ver;
static struct keyset	 other, extkeys;
static const struct keyset_key *ours, *theirs, *ext;

static void
setup_verifier(void)
{
	struct verify_issuer	*is;
	json_object		*jwks;
	const char		*text;
	char			 err[256];

	setup_keys();
	verify_init(&ver);
	is = verify_add_issuer(&ver, ISS);
	is->local = 1;
	verify_add_client(is, "aurora-web");
	load(&is->keys, keydir);
	ours = keyset_signer(&is->keys);
	load(&other, otherdir);
	theirs = keyset_signer(&other);
	/* The external issuer knows only the public half, from its JWKS. */
	load(&extkeys, extdir);
	ext = keyset_signer(&extkeys);
	is = verify_add_issuer(&ver, EXT);
	verify_add_client(is, "3n4b5urk1ft4fl3mg5e62d9ado");
	jwks = keyset_jwks(&extkeys);
	text = json_object_to_json_string(jwks);
	if (keyset_load_jwks(&is->keys, text, strlen(text), err,
	    sizeof(err)) != 1)
		abort();
	json_object_put(jwks);
}

static void
teardown_verifier(void)
{
	verify_free(&ver);
	keyset_clear(&other);
	keyset_clear(&extkeys);
	teardown_keys();
}

enum how { SIGN_RS256, SIGN_HS256_PUB, SIGN_NONE, SIGN_ES_WITH_RSA };

static char *
b64(const void *data, size_t len)
{
	char *out = malloc(len * 4 / 3 + 4);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_ge(b64url_encode(data, len, out,
	    len * 4 / 3 + 4), 0);
	return out;
}

/* header.payload.signature built from JSON texts, signed as how says with
 * the private (or, for the HMAC forgery, public) key of k. */
static char *
make(const char *header, const char *payload, enum how how,
    const struct keyset_key *k)
{
	char		*h = b64(header, strlen(header));
	char		*p = b64(payload, strlen(payload));
	char		*input, *sig = NULL, *tok;
	unsigned char	 mac[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int	 maclen = 0;
	size_t		 len, siglen = 0;
	BIO		*b;
	EVP_PKEY	*pk;
	EVP_MD_CTX	*md;

	len = strlen(h) + strlen(p) + 2;
	input = malloc(len);
	snprintf(input, len, "%s.%s", h, p);
	switch (how) {
	case SIGN_RS256:
	case SIGN_ES_WITH_RSA:
		b = BIO_new_mem_buf(k->priv_pem, (int)k->priv_len);
		pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		ck_assert_ptr_nonnull(pk);
		md = EVP_MD_CTX_new();
		ck_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
		    pk) == 1);
		ck_assert(EVP_DigestSign(md, NULL, &siglen,
		    (unsigned char *)input, strlen(input)) == 1);
		der = malloc(siglen);
		ck_assert(EVP_DigestSign(md, der, &siglen,
		    (unsigned char *)input, strlen(input)) == 1);
		sig = b64(der, siglen);
		free(der);
		EVP_MD_CTX_free(md);
		EVP_PKEY_free(pk);
		BIO_free(b);
		break;
	case SIGN_HS256_PUB:
		/* The classic forgery: HMAC keyed with the public PEM. */
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), k->pub_pem,
		    (int)k->pub_len, (unsigned char *)input, strlen(input),
		    mac, &maclen));
		sig = b64(mac, maclen);
		break;
	case SIGN_NONE:
		sig = strdup("");
		break;
	}
	len = strlen(input) + strlen(sig) + 2;
	tok = malloc(len);
	snprintf(tok, len, "%s.%s", input, sig);
	free(h);
	free(p);
	free(input);
	free(sig);
	return tok;
}

static char *
hdr(const char *alg, const char *kid, const char *extra)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "{\"alg\":\"%s\",\"kid\":\"%s\"%s}", alg,
	    kid, extra);
	return buf;
}

/* The claims of a good access token of ours, with extra members merged in
 * after (a later member of the same name wins in json-c: we build the JSON
 * with json-c so there are no duplicates). */
static char *
claims(time_t now, const char *changes)
{
	static char	 out[8192];
	json_object	*o, *c;

	o = json_object_new_object();
	json_object_object_add(o, "iss", json_object_new_string(ISS));
	json_object_object_add(o, "sub", json_object_new_string(SUB));
	json_object_object_add(o, "client_id",
	    json_object_new_string("aurora-web"));
	json_object_object_add(o, "token_use",
	    json_object_new_string("access"));
	json_object_object_add(o, "origin_jti", json_object_new_string(SID));
	json_object_object_add(o, "scope",
	    json_object_new_string("openid email profile"));
	json_object_object_add(o, "iat", json_object_new_int64(now - 10));
	json_object_object_add(o, "auth_time", json_object_new_int64(now - 10));
	json_object_object_add(o, "exp", json_object_new_int64(now + 3590));
	json_object_object_add(o, "jti", json_object_new_string(
	    "a5b7d0b4-4b5e-4f22-9d8b-3a5f0e7c1d22"));
	if (changes != NULL) {
		c = json_tokener_parse(changes);
		ck_assert_ptr_nonnull(c);
		json_object_object_foreach(c, key, val) {
			if (json_object_is_type(val, json_type_null))
				json_object_object_del(o, key);
			else
				json_object_object_add(o, key,
				    json_object_get(val));
		}
		json_object_put(c);
	}
	snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

static enum verify_result
check(const char *tok, char *why, size_t whylen)
{
	struct verify_claims c;

	return verify_token(&ver, tok, strlen(tok), time(NULL), &c, why,
	    whylen);
}

START_TEST(verifier_accepts_good_tokens)
{
	struct verify_claims	 c;
	time_t			 now = time(NULL);
	char			*tok, why[128];

	tok = make(hdr("RS256", ours->kid, ",\"typ\":\"JWT\""),
	    claims(now, NULL), SIGN_RS256, ours);
	ck_assert_msg(verify_token(&ver, tok, strlen(tok), now, &c, why,
	    sizeof(why)) == VERIFY_OK, "good token rejected: %s", why);
	ck_assert_str_eq(c.sub, SUB);
	ck_assert_str_eq(c.origin_jti, SID);
	ck_assert_ptr_eq(c.issuer, &ver.issuers[0]);
	ck_assert_int_eq(c.iat, now - 10);
	free(tok);
	/* Expired 30 s ago, or issued 30 s ahead: inside the leeway. */
	{
		char chg[128];

		snprintf(chg, sizeof(chg), "{\"exp\":%lld,\"iat\":%lld}",
		    (long long)now - 30, (long long)now - 600);
		tok = make(hdr("RS256", ours->kid, ""), claims(now, chg),
		    SIGN_RS256, ours);
		ck_assert_msg(check(tok, why, sizeof(why)) == VERIFY_OK,
		    "leeway: %s", why);
		free(tok);
		snprintf(chg, sizeof(chg), "{\"iat\":%lld,\"nbf\":%lld}",
		    (long long)now + 30, (long long)now + 30);
		tok = make(hdr("RS256", ours->kid, ""), claims(now, chg),
		    SIGN_RS256, ours);
		ck_assert_msg(check(tok, why, sizeof(why)) == VERIFY_OK,
		    "leeway: %s", why);
		free(tok);
	}
	/* A Cognito-shaped access token of the external issuer. */
	{
		char chg[512];

		snprintf(chg, sizeof(chg), "{\"iss\":\"%s\",\"client_id\":"
		    "\"3n4b5urk1ft4fl3mg5e62d9ado\",\"origin_jti\":null,"
		    "\"sub\":\"us-east-1:abc\",\"username\":\"ann\","
		    "\"scope\":\"aws.cognito.signin.user.admin\"}", EXT);
		tok = make(hdr("RS256", ext->kid, ""), claims(now, chg),
		    SIGN_RS256, ext);
		ck_assert_msg(verify_token(&ver, tok, strlen(tok), now, &c,
		    why, sizeof(why)) == VERIFY_OK, "external: %s", why);
		ck_assert_ptr_eq(c.issuer, &ver.issuers[1]);
		ck_assert_str_eq(c.sub, "us-east-1:abc");
		ck_assert_str_eq(c.username, "ann");
		free(tok);
	}
}
END_TEST

struct hostile {
	const char	*name;
	char		*token;
};

static char *
flip(const char *tok, int part)
{
	char	*t = strdup(tok), *p = t;
	int	 i;

	for (i = 0; i < part; i++)
		p = strchr(p, '.') + 1;
	/* A character in the middle of the part, changed to another
	 * base64url character. */
	i = (int)((strchr(p, '.') ? (size_t)(strchr(p, '.') - p) :
	    strlen(p)) / 2);
	p[i] = p[i] == 'A' ? 'B' : 'A';
	return t;
}

static size_t
b64len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* A validly signed token of exactly len characters: the lengths of the
 * header (an x5t member) and of a padding claim are chosen first, since a
 * 2048-bit signature always takes 342 characters. */
static char *
of_length(size_t len)
{
	time_t	 now = time(NULL);
	char	 x5t[8], extra[32], *pad, *chg, *tok, *h, *p;
	size_t	 hx, n;

	for (hx = 0; hx < 4; hx++) {
		memset(x5t, 'a', hx);
		x5t[hx] = '\0';
		snprintf(extra, sizeof(extra), ",\"x5t\":\"%s\"", x5t);
		h = hdr("RS256", ours->kid, extra);
		for (n = 1; n < 7000; n++) {
			pad = malloc(n + 1);
			memset(pad, 'x', n);
			pad[n] = '\0';
			chg = malloc(n + 32);
			snprintf(chg, n + 32, "{\"pad\":\"%s\"}", pad);
			p = claims(now, chg);
			free(pad);
			free(chg);
			if (b64len(strlen(h)) + b64len(strlen(p)) + 2 + 342 !=
			    len)
				continue;
			tok = make(h, p, SIGN_RS256, ours);
			ck_assert_uint_eq(strlen(tok), len);
			return tok;
		}
	}
	ck_abort_msg("no token of length %zu", len);
	return NULL;
}

START_TEST(verifier_rejects_hostile_tokens)
{
	time_t		 now = time(NULL);
	char		 chg[512], why[128], *good;
	char		*big;
	size_t		 i, n = 0;
	struct hostile	 t[64];

#define ADD(nm, tk) do { t[n].name = (nm); t[n].token = (tk); n++; } while (0)
	good = make(hdr("RS256", ours->kid, ""), claims(now, NULL), SIGN_RS256,
	    ours);
	ADD("alg none, no signature", make(hdr("none", ours->kid, ""),
	    claims(now, NULL), SIGN_NONE, ours));
	ADD("alg none, signature kept", make(hdr("none", ours->kid, ""),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("alg None", make(hdr("None", ours->kid, ""),
	    claims(now, NULL), SIGN_NONE, ours));
	ADD("HS256 keyed with the public PEM", make(hdr("HS256", ours->kid,
	    ""), claims(now, NULL), SIGN_HS256_PUB, ours));
	ADD("HS512 keyed with the public PEM", make(hdr("HS512", ours->kid,
	    ""), claims(now, NULL), SIGN_HS256_PUB, ours));
	ADD("alg rs256 (case)", make(hdr("rs256", ours->kid, ""),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("alg RS512 not allowed", make(hdr("RS512", ours->kid, ""),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("alg ES256 on an RSA key", make(hdr("ES256", ours->kid, ""),
	    claims(now, NULL), SIGN_ES_WITH_RSA, ours));
	ADD("no alg", make("{\"kid\":\"x\"}", claims(now, NULL), SIGN_RS256,
	    ours));
	ADD("unknown kid", make(hdr("RS256", "20000101T000000Z", ""),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("no kid", make("{\"alg\":\"RS256\"}", claims(now, NULL),
	    SIGN_RS256, ours));
	ADD("kid with path characters", make(hdr("RS256",
	    "../../../../etc/passwd", ""), claims(now, NULL), SIGN_RS256,
	    ours));
	ADD("kid with a slash", make(hdr("RS256", "keys/x", ""),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("jku header", make(hdr("RS256", ours->kid,
	    ",\"jku\":\"https://evil.example/jwks.json\""), claims(now, NULL),
	    SIGN_RS256, ours));
	ADD("x5u header", make(hdr("RS256", ours->kid,
	    ",\"x5u\":\"https://evil.example/cert.pem\""), claims(now, NULL),
	    SIGN_RS256, ours));
	ADD("jwk header", make(hdr("RS256", ours->kid,
	    ",\"jwk\":{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}"),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("x5c header", make(hdr("RS256", ours->kid, ",\"x5c\":[\"MIIB\"]"),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("crit header", make(hdr("RS256", ours->kid, ",\"crit\":[\"exp\"]"),
	    claims(now, NULL), SIGN_RS256, ours));
	ADD("typ not JWT", make(hdr("RS256", ours->kid, ",\"typ\":\"JWE\""),
	    claims(now, NULL), SIGN_RS256, ours));
	snprintf(chg, sizeof(chg), "{\"exp\":%lld,\"iat\":%lld}",
	    (long long)now - 61, (long long)now - 3661);
	ADD("expired (61 s)", make(hdr("RS256", ours->kid, ""),
	    claims(now, chg), SIGN_RS256, ours));
	snprintf(chg, sizeof(chg), "{\"nbf\":%lld}", (long long)now + 120);
	ADD("not yet valid", make(hdr("RS256", ours->kid, ""),
	    claims(now, chg), SIGN_RS256, ours));
	snprintf(chg, sizeof(chg), "{\"iat\":%lld}", (long long)now + 120);
	ADD("issued in the future", make(hdr("RS256", ours->kid, ""),
	    claims(now, chg), SIGN_RS256, ours));
	ADD("no exp", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"exp\":null}"), SIGN_RS256, ours));
	ADD("exp as a string", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"exp\":\"9999999999\"}"), SIGN_RS256, ours));
	ADD("no iat", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"iat\":null}"), SIGN_RS256, ours));
	ADD("wrong iss", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"iss\":\"https://evil.example\"}"), SIGN_RS256,
	    ours));
	ADD("iss with a trailing slash", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"iss\":\"" ISS "/\"}"), SIGN_RS256, ours));
	ADD("token_use id", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"token_use\":\"id\"}"), SIGN_RS256, ours));
	ADD("no token_use", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"token_use\":null}"), SIGN_RS256, ours));
	ADD("wrong client_id", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"client_id\":\"someone-else\"}"), SIGN_RS256,
	    ours));
	ADD("no client_id, aud instead", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"client_id\":null,\"aud\":\"aurora-web\"}"),
	    SIGN_RS256, ours));
	ADD("no sub", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"sub\":null}"), SIGN_RS256, ours));
	ADD("sub not a UUID", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"sub\":\"' OR 1=1 --\"}"), SIGN_RS256, ours));
	ADD("no origin_jti", make(hdr("RS256", ours->kid, ""),
	    claims(now, "{\"origin_jti\":null}"), SIGN_RS256, ours));
	{
		size_t	 len = strlen(good);
		char	*s = strdup(good);

		*strrchr(s, '.') = '\0';
		ADD("signature stripped (two parts)", s);
		s = malloc(len + 2);
		memcpy(s, good, strrchr(good, '.') - good + 1);
		s[strrchr(good, '.') - good + 1] = '\0';
		ADD("signature stripped (empty part)", s);
		s = malloc(len + 8);
		snprintf(s, len + 8, "%s.AAAA", good);
		ADD("four parts", s);
	}
	ADD("byte flipped in the header", flip(good, 0));
	ADD("byte flipped in the payload", flip(good, 1));
	ADD("byte flipped in the signature", flip(good, 2));
	ADD("signed by another key with our kid", make(hdr("RS256", ours->kid,
	    ""), claims(now, NULL), SIGN_RS256, theirs));
	ADD("our claims with the external issuer's key and kid",
	    make(hdr("RS256", ext->kid, ""), claims(now, NULL), SIGN_RS256,
	    ext));
	snprintf(chg, sizeof(chg), "{\"iss\":\"%s\",\"client_id\":"
	    "\"3n4b5urk1ft4fl3mg5e62d9ado\"}", EXT);
	ADD("external claims signed with our key", make(hdr("RS256",
	    ours->kid, ""), claims(now, chg), SIGN_RS256, ours));
	ADD("external claims with our client id", make(hdr("RS256", ext->kid,
	    ""), claims(now, "{\"iss\":\"" EXT "\"}"), SIGN_RS256, ext));
	ADD("8 KiB + 1", of_length(VERIFY_TOKEN_MAX + 1));
	ADD("garbage", strdup("not-a-token"));
	ADD("non-base64url characters", strdup("eyJhbGciOiJSUzI1NiJ9.e30=.c2ln"));
	ADD("spaces inside", strdup("eyJhbGciOiJSUzI1NiJ9 .e30.c2ln"));
	ADD("empty", strdup(""));
	ADD("header not JSON", make("RS256", claims(now, NULL), SIGN_RS256,
	    ours));
	ADD("payload not JSON", make(hdr("RS256", ours->kid, ""),
	    "[\"sub\"]", SIGN_RS256, ours));
	ADD("payload with trailing junk", make(hdr("RS256", ours->kid, ""),
	    "{\"a\":1} x", SIGN_RS256, ours));
	ck_assert_int_le(n, sizeof(t) / sizeof(t[0]));

	ck_assert_msg(check(good, why, sizeof(why)) == VERIFY_OK,
	    "the control token was rejected: %s", why);
	for (i = 0; i < n; i++) {
		enum verify_result r = check(t[i].token, why, sizeof(why));

		ck_assert_msg(r == VERIFY_REJECT, "hostile token \"%s\" got %d "
		    "(%s)", t[i].name, r, why);
		free(t[i].token);
	}
	/* The size cap is exact: 8 KiB passes, one more byte does not. */
	big = of_length(VERIFY_TOKEN_MAX);
	ck_assert_msg(check(big, why, sizeof(why)) == VERIFY_OK,
	    "an 8 KiB token was rejected: %s", why);
	free(big);
	free(good);
#undef ADD
}
END_TEST

START_TEST(verifier_cache)
{
	time_t			 now = time(NULL);
	char			*good, *bad, why[128];
	size_t			 i, used = 0;
	struct verify_issuer	*is = &ver.issuers[0];

	memset(ver.cache, 0, sizeof(ver.cache));
	good = make(hdr("RS256", ours->kid, ""), claims(now, NULL), SIGN_RS256,
	    ours);
	bad = flip(good, 2);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(check(good, why, sizeof(why)), VERIFY_OK);
		ck_assert_int_eq(check(bad, why, sizeof(why)), VERIFY_REJECT);
	}
	for (i = 0; i < VERIFY_CACHE_SLOTS; i++)
		used += ver.cache[i].used;
	ck_assert_uint_eq(used, 1);
	/* A remembered signature counts only for the key that made it: once
	 * the issuer's keys change, the token is checked afresh. */
	is->keys_gen++;
	ck_assert_int_eq(check(good, why, sizeof(why)), VERIFY_OK);
	/* And the clock is consulted on every use, hit or not. */
	ck_assert_int_eq(verify_token(&ver, good, strlen(good), now + 7200, &(
	    struct verify_claims){ 0 }, why, sizeof(why)), VERIFY_REJECT);
	ck_assert_str_eq(why, "expired");
	ck_assert_int_eq(verify_token(&ver, good, strlen(good), now - 600, &(
	    struct verify_claims){ 0 }, why, sizeof(why)), VERIFY_REJECT);
	ck_assert_str_eq(why, "issued in the future");
	free(good);
	free(bad);
}
END_TEST

/* A hit answers exactly what the full check answered, and a remembered
 * token dies with its key. */
START_TEST(verifier_cache_hit_claims)
{
	time_t			 now = time(NULL);
	char			*good, why[128];
	struct verify_claims	 miss, hit;
	struct verify_issuer	*is = &ver.issuers[0];
	size_t			 nkeys;

	memset(ver.cache, 0, sizeof(ver.cache));
	good = make(hdr("RS256", ours->kid, ""), claims(now,
	    "{\"email\":\"a@example.test\",\"nbf\":1}"), SIGN_RS256, ours);
	ck_assert_int_eq(verify_token(&ver, good, strlen(good), now, &miss,
	    why, sizeof(why)), VERIFY_OK);
	ck_assert_int_eq(verify_token(&ver, good, strlen(good), now, &hit,
	    why, sizeof(why)), VERIFY_OK);
	ck_assert_int_eq(memcmp(&miss, &hit, sizeof(hit)), 0);
	ck_assert_str_eq(hit.sub, SUB);
	ck_assert_str_eq(hit.origin_jti, SID);
	ck_assert_str_eq(hit.email, "a@example.test");
	ck_assert_ptr_eq(hit.issuer, is);
	/* The issuer's keys change and the token's key is gone. */
	nkeys = is->keys.n;
	is->keys.n = 0;
	is->keys_gen++;
	ck_assert_int_eq(check(good, why, sizeof(why)), VERIFY_REJECT);
	ck_assert_str_eq(why, "unknown kid");
	is->keys.n = nkeys;
	is->keys_gen++;
	ck_assert_int_eq(check(good, why, sizeof(why)), VERIFY_OK);
	free(good);
}
END_TEST

/* Many users in turn keep their remembered tokens: with 1,000 tokens a
 * direct-mapped table of 1,024 slots lost ~40 % of them to collisions. */
START_TEST(verifier_cache_capacity)
{
	enum { NTOK = 600 };
	time_t	 now = time(NULL);
	char	*tok[NTOK], chg[96], why[128];
	size_t	 i, round, used;

	memset(ver.cache, 0, sizeof(ver.cache));
	for (i = 0; i < NTOK; i++) {
		snprintf(chg, sizeof(chg), "{\"jti\":\"%08zx-0000-4000-8000-"
		    "000000000000\"}", i);
		tok[i] = make(hdr("RS256", ours->kid, ""), claims(now, chg),
		    SIGN_RS256, ours);
	}
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NTOK; i++)
			ck_assert_int_eq(check(tok[i], why, sizeof(why)),
			    VERIFY_OK);
		for (i = 0, used = 0; i < VERIFY_CACHE_SLOTS; i++)
			used += ver.cache[i].used;
		/* Every token remembered once; only a set that drew five of
		 * them (about one run in thirty) may have lost one. A table
		 * of 1,024 direct-mapped slots keeps ~450 of 600. */
		ck_assert_uint_le(used, NTOK);
		ck_assert_uint_ge(used, NTOK - 4);
	}
	for (i = 0; i < NTOK; i++)
		free(tok[i]);
}
END_TEST

START_TEST(verifier_algorithms_setting)
{
	struct verify_issuer	is;
	char			err[128];

	memset(&is, 0, sizeof(is));
	ck_assert_int_eq(verify_set_algs(&is, "RS256", err, sizeof(err)), 0);
	ck_assert_uint_eq(is.algs, 1u << KEYSET_RS256);
	ck_assert_int_eq(verify_set_algs(&is, "RS256, ES256", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(is.algs, (1u << KEYSET_RS256) | (1u << KEYSET_ES256));
	ck_assert_int_eq(verify_set_algs(&is, "none", err, sizeof(err)), -1);
	ck_assert_int_eq(verify_set_algs(&is, "HS256", err, sizeof(err)), -1);
	ck_assert_int_eq(verify_set_algs(&is, "rs256", err, sizeof(err)), -1);
	ck_assert_int_eq(verify_set_algs(&is, "", err, sizeof(err)), -1);
	ck_assert(verify_is_uuid(SUB));
	ck_assert(!verify_is_uuid("6f1c1b1e-9a52-4a43-b1a5-2f9a1c3e2b1"));
	ck_assert(!verify_is_uuid("6f1c1b1e-9a52-4a43-b1a5-2f9a1c3e2b100"));
	ck_assert(!verify_is_uuid("6f1c1b1e+9a52-4a43-b1a5-2f9a1c3e2b10"));
}
END_TEST

/* ------------------------------------------------------------ abuse limits */

#define KEY_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KEY_B "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(device_tokens)
{
	static const unsigned char secret[32] = { 1, 2, 3 }, wrong[32] = { 9 };
	char	tok[DEVICE_TOKEN_MAX + 1], tok2[DEVICE_TOKEN_MAX + 1];
	char	bad[DEVICE_TOKEN_MAX + 8], id[65], id2[65];
	time_t	now = 1800000000;
	size_t	i, n;

	ck_assert_int_eq(device_issue(secret, sizeof(secret), KEY_A, now, tok,
	    sizeof(tok)), 0);
	ck_assert(strncmp(tok, "d1.1800000000.", 14) == 0);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, tok, now,
	    86400, id), 1);
	ck_assert_uint_eq(strlen(id), 64);
	/* Another sign-in: another nonce, another device id. */
	ck_assert_int_eq(device_issue(secret, sizeof(secret), KEY_A, now, tok2,
	    sizeof(tok2)), 0);
	ck_assert_str_ne(tok, tok2);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, tok2, now,
	    86400, id2), 1);
	ck_assert_str_ne(id, id2);
	/* Bound to the account, the secret and the lifetime. */
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_B, tok, now,
	    86400, id), 0);
	ck_assert_str_eq(id, "");
	ck_assert_int_eq(device_check(wrong, sizeof(wrong), KEY_A, tok, now,
	    86400, id), 0);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, tok,
	    now + 86401, 86400, id), 0);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, tok,
	    now - DEVICE_SKEW - 1, 86400, id), 0);
	/* Any changed character, a cut or an addition is refused. */
	n = strlen(tok);
	for (i = 0; i < n; i++) {
		memcpy(bad, tok, n + 1);
		bad[i] = bad[i] == 'a' ? 'b' : bad[i] == '.' ? '-' :
		    bad[i] == '1' ? '2' : 'a';
		ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A,
		    bad, now, 86400, id), 0);
		memcpy(bad, tok, i);
		bad[i] = '\0';
		ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A,
		    bad, now, 86400, id), 0);
	}
	snprintf(bad, sizeof(bad), "%s0", tok);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, bad, now,
	    86400, id), 0);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, NULL, now,
	    86400, id), 0);
	ck_assert_int_eq(device_check(secret, sizeof(secret), KEY_A, "", now,
	    86400, id), 0);
	/* Too small a buffer; a malformed account key. */
	ck_assert_int_eq(device_issue(secret, sizeof(secret), KEY_A, now, tok,
	    40), -1);
	ck_assert_int_eq(device_issue(secret, sizeof(secret), "xyz", now, tok,
	    sizeof(tok)), -1);
}
END_TEST

/* App password names: 1-100 characters (not bytes) of UTF-8 without
 * control characters, and not only spaces. */
START_TEST(apppass_names)
{
	char	long_name[APPPASS_NAME_MAX * 2 + 3];
	size_t	i;

	ck_assert_int_eq(apppass_name_valid("iPhone"), 1);
	ck_assert_int_eq(apppass_name_valid("Thunderbird at work \xe2\x98\x8e"),
	    1);
	ck_assert_int_eq(apppass_name_valid(""), 0);
	ck_assert_int_eq(apppass_name_valid("   "), 0);
	ck_assert_int_eq(apppass_name_valid("a\tb"), 0);
	ck_assert_int_eq(apppass_name_valid("a\x7f"), 0);
	ck_assert_int_eq(apppass_name_valid("a\xc2\x85"), 0);	/* C1 NEL */
	ck_assert_int_eq(apppass_name_valid("\xff"), 0);
	ck_assert_int_eq(apppass_name_valid("\xc3"), 0);	/* cut off */
	/* 100 two-byte characters pass, 101 do not. */
	for (i = 0; i < APPPASS_NAME_MAX; i++) {
		long_name[2 * i] = (char)0xc3;
		long_name[2 * i + 1] = (char)0xa9;
	}
	long_name[2 * i] = '\0';
	ck_assert_int_eq(apppass_name_valid(long_name), 1);
	long_name[2 * i] = 'x';
	long_name[2 * i + 1] = '\0';
	ck_assert_int_eq(apppass_name_valid(long_name), 0);
	/* The shown password: 7 groups of 4 letters, at least 16, 128 bits. */
	ck_assert_int_eq(APPPASS_LEN, 34);
	ck_assert_int_ge(APPPASS_LETTERS, 16);
	ck_assert_int_ge(APPPASS_LETTERS * 4700, 128 * 1000);	/* log2 26 > 4.7 */
}
END_TEST

START_TEST(throttle_networks)
{
	static const struct { const char *in, *out; } v[] = {
		{ "203.0.113.77", "203.0.113.0/24" },
		{ "203.0.113.1", "203.0.113.0/24" },
		{ "127.0.0.9", "127.0.0.0/24" },
		{ "::ffff:198.51.100.9", "198.51.100.0/24" },
		{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
		{ "2001:db8:1:2::ffff", "2001:db8:1:2::/64" },
		{ "2001:db8::1", "2001:db8::/64" },
		{ "::1", "::/64" },
		{ "", "-" },
		{ "not an address", "?" },
		{ "203.0.113.256", "?" },
		{ "2001:db8:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16", "?" },
	};
	char	out[THROTTLE_NET_MAX];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		throttle_network(v[i].in, out);
		ck_assert_str_eq(out, v[i].out);
	}
	throttle_network(NULL, out);
	ck_assert_str_eq(out, "-");
}
END_TEST

/* ------------------------------------------------------------ JWKS refresh */

/* A JWKS endpoint on loopback, run by a thread of the test process: it
 * answers every GET with the document and Cache-Control set last, and
 * counts the requests. */
static struct {
	int		 fd;
	unsigned	 port;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	char		 body[16384];
	char		 cc[128];	/* "" sends no Cache-Control */
	int		 status;
	int		 hits;
} srv = { .fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER };

static void *
srv_loop(void *arg)
{
	char	req[4096], resp[17000];
	ssize_t	n;
	size_t	got, len, off;
	int	c;

	(void)arg;
	while ((c = accept(srv.fd, NULL, NULL)) != -1) {
		got = 0;
		while (got < sizeof(req) - 1 &&
		    (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		pthread_mutex_lock(&srv.mu);
		srv.hits++;
		len = (size_t)snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "%s%s%sConnection: close\r\n\r\n%s", srv.status,
		    strlen(srv.body), srv.cc[0] ? "Cache-Control: " : "",
		    srv.cc, srv.cc[0] ? "\r\n" : "", srv.body);
		pthread_mutex_unlock(&srv.mu);
		for (off = 0; off < len; off += (size_t)n)
			if ((n = write(c, resp + off, len - off)) <= 0)
				break;
		close(c);
	}
	return NULL;
}

static void
srv_set(int status, const char *body, const char *cc)
{
	pthread_mutex_lock(&srv.mu);
	srv.status = status;
	snprintf(srv.body, sizeof(srv.body), "%s", body);
	snprintf(srv.cc, sizeof(srv.cc), "%s", cc ? cc : "");
	pthread_mutex_unlock(&srv.mu);
}

static int
srv_hits(void)
{
	int n;

	pthread_mutex_lock(&srv.mu);
	n = srv.hits;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

static void
srv_start(void)
{
	struct sockaddr_in	a;
	socklen_t		alen = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(srv.fd, 0);
	ck_assert_int_eq(bind(srv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(srv.fd, 16), 0);
	ck_assert_int_eq(getsockname(srv.fd, (struct sockaddr *)&a, &alen), 0);
	srv.port = ntohs(a.sin_port);
	srv.hits = 0;
	ck_assert_int_eq(pthread_create(&srv.th, NULL, srv_loop, NULL), 0);
}

static void
srv_stop(void)
{
	shutdown(srv.fd, SHUT_RDWR);
	pthread_join(srv.th, NULL);
	close(srv.fd);
	srv.fd = -1;
}

#define JWKS_ISS	"https://login.jwks.test/realms/aurora"

static struct verifier	*jv;
static struct verify_issuer *jis;
static char		 good_jwks[4096];

/* A verifier whose one issuer fetches its keys from srv, which serves the
 * external test key (ext) for now. */
static void
jwks_begin(const char *cc)
{
	json_object *doc = keyset_jwks(&extkeys);

	ck_assert_ptr_nonnull(doc);
	snprintf(good_jwks, sizeof(good_jwks), "%s",
	    json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	srv_set(200, good_jwks, cc);
	srv_start();
	jv = calloc(1, sizeof(*jv));
	ck_assert_ptr_nonnull(jv);
	verify_init(jv);
	jis = verify_add_issuer(jv, JWKS_ISS);
	ck_assert_ptr_nonnull(jis);
	ck_assert_int_eq(verify_add_client(jis, "aurora-web"), 0);
	snprintf(jis->jwks_uri, sizeof(jis->jwks_uri),
	    "http://127.0.0.1:%u/.well-known/jwks.json", srv.port);
}

static void
jwks_end(void)
{
	verify_free(jv);
	free(jv);
	srv_stop();
}

/* A token of the issuer signed with k under kid, issued at now. */
static enum verify_result
jwks_try(const struct keyset_key *k, const char *kid, time_t now)
{
	struct verify_claims	 c;
	enum verify_result	 rc;
	char			 why[128], *tok;

	tok = make(hdr("RS256", kid, ""), claims(now, "{\"iss\":\"" JWKS_ISS
	    "\"}"), SIGN_RS256, k);
	rc = verify_token(jv, tok, strlen(tok), now, &c, why, sizeof(why));
	free(tok);
	return rc;
}

START_TEST(jwks_empty_set_kept_out)
{
	time_t	t0 = time(NULL);

	jwks_begin("max-age=600");
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 1);
	/* The endpoint now answers a valid but empty set. A forged kid a
	 * minute later makes the worker fetch it: the keys must stay. */
	srv_set(200, "{\"keys\":[]}", "max-age=600");
	ck_assert_int_eq(jwks_try(ext, "forged-kid", t0 + 61), VERIFY_REJECT);
	ck_assert_int_eq(srv_hits(), 2);
	ck_assert_uint_eq(jis->keys.n, 1);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 62), VERIFY_OK);
	/* Nor when the max-age is over, nor with keys that are not for
	 * signatures, nor with no JWKS at all. */
	srv_set(200, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"x\",\"use\":"
	    "\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", NULL);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 601), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 3);
	srv_set(200, "{\"kids\":[]}", NULL);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 661), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 4);
	ck_assert_uint_eq(jis->keys.n, 1);
	ck_assert_str_eq(jis->keys.keys[0].kid, ext->kid);
	jwks_end();
}
END_TEST

/* {"keys":[one P-256 key]}: usable only by an issuer that allows ES256. */
static void
ec_jwks(char *out, size_t outlen)
{
	EVP_PKEY	*pk = EVP_EC_gen("P-256");
	unsigned char	 pt[65];
	char		 x[64], y[64];
	size_t		 n = 0;

	ck_assert_ptr_nonnull(pk);
	ck_assert(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt), &n) && n == 65);
	ck_assert_int_ge(b64url_encode(pt + 1, 32, x, sizeof(x)), 0);
	ck_assert_int_ge(b64url_encode(pt + 33, 32, y, sizeof(y)), 0);
	snprintf(out, outlen, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"kid\":\"ec-1\",\"use\":\"sig\",\"alg\":\"ES256\",\"x\":\"%s\","
	    "\"y\":\"%s\"}]}", x, y);
	EVP_PKEY_free(pk);
}

START_TEST(jwks_unusable_set_kept_out)
{
	time_t	t0 = time(NULL);
	char	ec[1024];

	ec_jwks(ec, sizeof(ec));
	jwks_begin("max-age=600");
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0), VERIFY_OK);
	/* A set of ES256 keys for an issuer configured for RS256: no token
	 * could pass with it, so the RS256 key stays in use. */
	srv_set(200, ec, "max-age=600");
	ck_assert_int_eq(jwks_try(ext, "forged-kid", t0 + 61), VERIFY_REJECT);
	ck_assert_int_eq(srv_hits(), 2);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 62), VERIFY_OK);
	ck_assert_uint_eq(jis->keys.n, 1);
	ck_assert_int_eq(jis->keys.keys[0].alg, KEYSET_RS256);
	jwks_end();
}
END_TEST

START_TEST(jwks_unusable_depends_on_algorithms)
{
	struct verifier		*v = calloc(1, sizeof(*v));
	struct verify_issuer	*is;
	time_t			 t0 = time(NULL);
	char			 ec[1024], err[256];

	ck_assert_ptr_nonnull(v);
	verify_init(v);
	ec_jwks(ec, sizeof(ec));
	is = verify_add_issuer(v, "https://es.jwks.test");
	ck_assert_ptr_nonnull(is);
	ck_assert_int_eq(issuers_accept_jwks(is, ec, strlen(ec), 600, t0,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "RS256"));
	ck_assert_uint_eq(is->keys.n, 0);
	ck_assert_int_eq(issuers_accept_jwks(is, "{\"keys\":[]}", 11, 600, t0,
	    err, sizeof(err)), -1);
	/* The same document is taken by an issuer that allows ES256. */
	ck_assert_int_eq(verify_set_algs(is, "ES256", err, sizeof(err)), 0);
	ck_assert_int_eq(issuers_accept_jwks(is, ec, strlen(ec), 600, t0,
	    err, sizeof(err)), 1);
	ck_assert_uint_eq(is->keys.n, 1);
	ck_assert_int_eq(is->jwks_expires, t0 + 600);
	verify_free(v);
	free(v);
}
END_TEST

START_TEST(jwks_max_age_parsing)
{
	static const struct {
		const char	*cc;
		long		 min, want;
	} t[] = {
		{ NULL, 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "max-age=600", 0, 600 },
		{ "public, max-age=7200, must-revalidate", 0, 7200 },
		{ "Max-Age=900", 0, 900 },
		{ "max-age = 900", 0, 900 },
		{ "max-age=\"1200\"", 0, 1200 },
		{ "max-age=10", 0, ISSUERS_MAX_AGE_MIN },
		{ "max-age=0", 0, ISSUERS_MAX_AGE_MIN },
		{ "max-age=999999999999999999999", 0, ISSUERS_MAX_AGE_MAX },
		{ "max-age=86401", 0, ISSUERS_MAX_AGE_MAX },
		{ "max-age=abc", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "max-age=-5", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "max-age=", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "s-maxage=60", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "max-stale=60", 0, ISSUERS_MAX_AGE_DEFAULT },
		{ "no-cache", 0, ISSUERS_MAX_AGE_MIN },
		{ "no-store, max-age=600", 0, ISSUERS_MAX_AGE_MIN },
		{ "max-age=600,max-age=60", 0, 600 },
		{ "max-age=20", 10, 20 },
		{ "max-age=5", 10, 10 },
		{ "max-age=20", 5, ISSUERS_MAX_AGE_MIN },	/* below floor */
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(issuers_max_age(t[i].cc, t[i].min) == t[i].want,
		    "%s (min %ld): %ld, not %ld", t[i].cc ? t[i].cc : "NULL",
		    t[i].min, issuers_max_age(t[i].cc, t[i].min), t[i].want);
}
END_TEST

START_TEST(jwks_refresh_by_max_age)
{
	struct verify_claims	 c;
	json_object		*doc;
	time_t			 t0 = time(NULL);
	unsigned		 gen;
	char			 why[128], *tok;

	/* Fetched keys are used for max-age seconds, then fetched again. */
	jwks_begin("public, max-age=900");
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 1);
	gen = jis->keys_gen;
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 899), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 1);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 900), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 2);
	/* The same keys again: remembered tokens stay remembered. */
	ck_assert_uint_eq(jis->keys_gen, gen);
	/* Too short an age is clamped up, a missing one is an hour. */
	srv_set(200, good_jwks, "max-age=5");
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 1800), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 3);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 1800 +
	    ISSUERS_MAX_AGE_MIN - 1), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 3);
	srv_set(200, good_jwks, NULL);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 1800 +
	    ISSUERS_MAX_AGE_MIN), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 4);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 1800 +
	    ISSUERS_MAX_AGE_MIN + ISSUERS_MAX_AGE_DEFAULT - 1), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 4);
	/* The issuer drops the key (rotation): once the max-age is over its
	 * tokens are refused, also one verified and remembered before. */
	t0 += 1800 + ISSUERS_MAX_AGE_MIN + ISSUERS_MAX_AGE_DEFAULT;
	doc = keyset_jwks(&other);
	ck_assert_ptr_nonnull(doc);
	srv_set(200, json_object_to_json_string(doc), "max-age=600");
	json_object_put(doc);
	tok = make(hdr("RS256", ext->kid, ""), claims(t0 - 100,
	    "{\"iss\":\"" JWKS_ISS "\"}"), SIGN_RS256, ext);
	ck_assert_int_eq(verify_token(jv, tok, strlen(tok), t0 - 1, &c, why,
	    sizeof(why)), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 4);
	ck_assert_int_eq(verify_token(jv, tok, strlen(tok), t0, &c, why,
	    sizeof(why)), VERIFY_REJECT);
	free(tok);
	ck_assert_int_eq(srv_hits(), 5);
	ck_assert_str_eq(jis->keys.keys[0].kid, theirs->kid);
	ck_assert_uint_ne(jis->keys_gen, gen);
	/* And a key published is taken at the next refresh. */
	ck_assert_int_eq(jwks_try(theirs, theirs->kid, t0 + 1), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 5);
	jwks_end();
}
END_TEST

START_TEST(jwks_unknown_kid_refetch_limited)
{
	time_t	t0 = time(NULL);
	char	kid[32];
	int	i;

	jwks_begin("max-age=3600");
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0), VERIFY_OK);
	ck_assert_int_eq(srv_hits(), 1);
	/* A flood of forged kids: no fetch within VERIFY_JWKS_REFETCH of
	 * the last one, then one, then none again. */
	for (i = 0; i < 100; i++) {
		snprintf(kid, sizeof(kid), "forged-%d", i);
		ck_assert_int_eq(jwks_try(ext, kid, t0 + i *
		    (VERIFY_JWKS_REFETCH - 1) / 100), VERIFY_REJECT);
	}
	ck_assert_int_eq(srv_hits(), 1);
	for (i = 0; i < 100; i++) {
		snprintf(kid, sizeof(kid), "forged-%d", i);
		ck_assert_int_eq(jwks_try(ext, kid, t0 + VERIFY_JWKS_REFETCH +
		    i * (VERIFY_JWKS_REFETCH - 1) / 100), VERIFY_REJECT);
	}
	ck_assert_int_eq(srv_hits(), 2);
	/* A failing endpoint is no excuse for more fetches, and the keys
	 * in use stay. */
	srv_set(500, "oops", NULL);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(jwks_try(ext, "forged", t0 + 2 *
		    VERIFY_JWKS_REFETCH + i), VERIFY_REJECT);
	ck_assert_int_eq(srv_hits(), 3);
	ck_assert_int_eq(jwks_try(ext, ext->kid, t0 + 2 * VERIFY_JWKS_REFETCH +
	    30), VERIFY_OK);
	/* When the max-age is over, a token with a forged kid costs the one
	 * scheduled fetch, not a second one for its kid. */
	srv_set(200, good_jwks, "max-age=3600");
	ck_assert_int_eq(jwks_try(ext, "forged", t0 + 3600), VERIFY_REJECT);
	ck_assert_int_eq(srv_hits(), 4);
	ck_assert_int_eq(jwks_try(ext, "forged-2", t0 + 3601), VERIFY_REJECT);
	ck_assert_int_eq(srv_hits(), 4);
	jwks_end();
}
END_TEST

/* The account's zone check is core/zone's (libical) since issue 17. The
 * old check took every regular file under /usr/share/zoneinfo with an
 * IANA-looking name; every such file that is a zone (TZif) must still be
 * accepted, so no user's stored zone is refused. The files that are not
 * zones (leapseconds) are refused now: nothing could render in them. */
static int	zones_seen, zones_refused, nonzones_accepted;

static int
zone_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char	*name = path + strlen("/usr/share/zoneinfo/");
	char		 magic[4];
	FILE		*f;
	size_t		 n, got;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	n = strlen(name);
	if (n == 0 || n > ACCOUNT_TZ_MAX || strspn(name, "ABCDEFGHIJKLMNOP"
	    "QRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != n ||
	    strncmp(name, "posix/", 6) == 0 || strncmp(name, "right/", 6) == 0)
		return 0;
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (got == sizeof(magic) && memcmp(magic, "TZif", 4) == 0) {
		zones_seen++;
		if (!account_time_zone_valid(name)) {
			fprintf(stderr, "zone refused: %s\n", name);
			zones_refused++;
		}
	} else if (account_time_zone_valid(name)) {
		fprintf(stderr, "not a zone, accepted: %s\n", name);
		nonzones_accepted++;
	}
	return 0;
}

START_TEST(account_zones_every_zone_file)
{
	struct stat	 st;

	/* nftw follows links, as the old stat() did (US/Eastern...). */
	ck_assert_int_eq(nftw("/usr/share/zoneinfo", zone_file, 16, 0), 0);
	ck_assert_int_gt(zones_seen, 300);
	ck_assert_int_eq(zones_refused, 0);
	ck_assert_int_eq(nonzones_accepted, 0);
	if (stat("/usr/share/zoneinfo/leapseconds", &st) == 0)
		ck_assert(!account_time_zone_valid("leapseconds"));
	ck_assert(account_time_zone_valid("US/Eastern"));
	ck_assert(account_time_zone_valid("Etc/GMT+5"));
	ck_assert(!account_time_zone_valid("posix/Europe/Berlin"));
	ck_assert(!account_time_zone_valid("Europe//Berlin"));
	ck_assert(!account_time_zone_valid("Europe/Berlin/"));
}
END_TEST

/* Device names of the sessions page: real headers of each family, the
 * imitators before the imitated, and caps on what is read. */
START_TEST(useragent_names)
{
	static const struct {
		const char *ua, *name;
	} cases[] = {
		{ "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
		  "Firefox/128.0", "Firefox on Linux" },
		{ "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) "
		  "Gecko/20100101 Firefox/127.0", "Firefox on Ubuntu" },
		{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
		  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
		  "Mobile/15E148 Safari/604.1", "Safari on iPhone" },
		{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
		  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
		  "Safari/605.1.15", "Safari on macOS" },
		{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
		  "Chrome on Windows" },
		{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 "
		  "Edg/126.0.0.0", "Edge on Windows" },
		{ "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
		  "Chrome on Android" },
		{ "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 "
		  "Mobile Safari/537.36", "Samsung Internet on Android" },
		{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
		  "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 "
		  "Mobile/15E148 Safari/604.1", "Chrome on iPhone" },
		{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 "
		  "OPR/111.0.0.0", "Opera on Windows" },
		{ "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
		  "Chrome on ChromeOS" },
		{ "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) "
		  "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		  "Browser on iPad" },
		{ "curl/7.88.1", "curl" },
		{ "python-requests/2.31.0", "Python script" },
		{ "AuroraTime/1.0 (iPhone; iOS 17.5)", "Aurora app on iPhone" },
		{ "DAVx5/4.4 (2024/05/01; dav4jvm; okhttp/4.12.0) Android/14",
		  "DAVx5 on Android" },
		{ "Mozilla/5.0 (Windows NT 10.0)", "Windows device" },
		{ "", "Unknown device" },
		{ "<script>alert(1)</script>", "Unknown device" },
	};
	char	 out[USERAGENT_NAME_MAX], *big;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		useragent_name(cases[i].ua, out);
		ck_assert_msg(strcmp(out, cases[i].name) == 0, "%s: %s, not %s",
		    cases[i].ua, out, cases[i].name);
	}
	useragent_name(NULL, out);
	ck_assert_str_eq(out, "Unknown device");
	/* A marker past the first USERAGENT_SCAN bytes is not seen. */
	big = malloc(USERAGENT_SCAN + 64);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', USERAGENT_SCAN + 63);
	memcpy(big + USERAGENT_SCAN + 20, "Firefox/1", 9);
	big[USERAGENT_SCAN + 63] = '\0';
	useragent_name(big, out);
	ck_assert_str_eq(out, "Unknown device");
	memcpy(big + 10, "Firefox/1", 9);
	useragent_name(big, out);
	ck_assert_str_eq(out, "Firefox");
	free(big);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc;

	tc = tcase_create("keys");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup_keys, teardown_keys);
	tcase_add_test(tc, keys_create_and_load);
	tcase_add_test(tc, keys_refuse_open_files);
	tcase_add_test(tc, jwks_publish_and_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("passwd");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, passwd_hash_verify);
	tcase_add_test(tc, passwd_policy);
	tcase_add_test(tc, account_inputs);
	tcase_add_test(tc, account_zones_every_zone_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("verifier");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_verifier, teardown_verifier);
	tcase_add_test(tc, verifier_accepts_good_tokens);
	tcase_add_test(tc, verifier_rejects_hostile_tokens);
	tcase_add_test(tc, verifier_cache);
	tcase_add_test(tc, verifier_cache_capacity);
	tcase_add_test(tc, verifier_cache_hit_claims);
	tcase_add_test(tc, verifier_algorithms_setting);
	suite_add_tcase(s, tc);

	tc = tcase_create("jwks_refresh");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_verifier, teardown_verifier);
	tcase_add_test(tc, jwks_empty_set_kept_out);
	tcase_add_test(tc, jwks_unusable_set_kept_out);
	tcase_add_test(tc, jwks_unusable_depends_on_algorithms);
	tcase_add_test(tc, jwks_max_age_parsing);
	tcase_add_test(tc, jwks_refresh_by_max_age);
	tcase_add_test(tc, jwks_unknown_kid_refetch_limited);
	suite_add_tcase(s, tc);

	tc = tcase_create("abuse_limits");
	tcase_add_test(tc, device_tokens);
	tcase_add_test(tc, throttle_networks);
	suite_add_tcase(s, tc);

	tc = tcase_create("apppass");
	tcase_add_test(tc, apppass_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("sessions");
	tcase_add_test(tc, useragent_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(auth_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
