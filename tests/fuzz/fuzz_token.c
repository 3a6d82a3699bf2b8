/* fuzz_token.c — arbitrary bytes into the access-token verifier
 * (verify_token): length and shape, base64url decoding of header and
 * payload, the header's JSON and members, issuer, algorithm and kid, the
 * signature, and every claim. Each input is tried twice:
 *   1. as it is (a forged or mangled token: must never get past the
 *      signature);
 *   2. re-signed: its first two parts, whatever they hold, signed with the
 *      test key (ES256), so that mutations of the header and claims reach
 *      the claim checks behind the signature. A token accepted that way
 *      must carry sane claims, and must be refused once one character of
 *      its signature changes.
 * Two issuers share the verifier, as in production: ours (local, sub and
 * origin_jti must be UUIDs) and an external one; both hold the test key
 * under different kids. The clock is fixed, so corpus tokens stay valid.
 * Two builds: with libFuzzer (`make fuzz-token`, clang
 * -fsanitize=fuzzer,address,undefined), and as a plain program replaying
 * the files or directories named on its command line (default: the
 * checked-in corpus), which `make check` runs; `fuzz_token -w DIR` writes
 * the seed tokens into DIR. No database or network is touched. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/keyset.h"
#include "auth/verify.h"
#include "core/b64url.h"
#include "replay.h"

#define FUZZ_MAX_INPUT	(VERIFY_TOKEN_MAX + 64)
#define FUZZ_NOW	1780000000	/* 2026-05-28T20:26:40Z */
#define FUZZ_ISS	"https://aurora.test"
#define FUZZ_EXT	"https://idp.example.test/pool"
#define FUZZ_SIG_MAX	128		/* base64url of R||S is 86 */

/* A throwaway P-256 key that exists only for this harness. */
static const char fuzz_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHxZPD9xg+vnDSisE\n"
    "FAwnWkHjjmtEs5C3SIyFMK9G3tahRANCAARVC6g/iVAVSPXF0dstSPs9TgUpsZvJ\n"
    "L8y/Jkqcq/+Af58/VoqDrFu+Bk02db/yUSMmRfz49YuM9nrQyMdH8syi\n"
    "-----END PRIVATE KEY-----\n";

static struct verifier	*ver;
static EVP_PKEY		*fuzz_key;
static unsigned long	 accepted_sent, accepted_resigned;	/* replay */

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_token: %s\n", what);
	abort();
}

/* The verifier, as a worker sets it up: our issuer and an external one,
 * each with the test key's public half from a JWKS under its own kid. */
static void
setup(void)
{
	struct verify_issuer	*is;
	BIO			*b;
	unsigned char		 pt[65];
	char			 x[64], y[64], jwks[512], err[256];
	size_t			 n = 0;

	if ((b = BIO_new_mem_buf(fuzz_key_pem, -1)) == NULL ||
	    (fuzz_key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		fail("test key does not load");
	BIO_free(b);
	if (!EVP_PKEY_get_octet_string_param(fuzz_key,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) || n != 65 ||
	    b64url_encode(pt + 1, 32, x, sizeof(x)) < 0 ||
	    b64url_encode(pt + 33, 32, y, sizeof(y)) < 0)
		fail("test key has no P-256 point");
	if ((ver = calloc(1, sizeof(*ver))) == NULL)
		fail("out of memory");
	verify_init(ver);

	if ((is = verify_add_issuer(ver, FUZZ_ISS)) == NULL ||
	    verify_add_client(is, "aurora-web") == -1 ||
	    verify_set_algs(is, "RS256,ES256", err, sizeof(err)) == -1)
		fail("local issuer");
	is->local = 1;
	snprintf(jwks, sizeof(jwks), "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"kid\":\"fuzz-local\",\"use\":\"sig\",\"alg\":"
	    "\"ES256\",\"x\":\"%s\",\"y\":\"%s\"}]}", x, y);
	if (keyset_load_jwks(&is->keys, jwks, strlen(jwks), err,
	    sizeof(err)) != 1)
		fail("local key set");

	if ((is = verify_add_issuer(ver, FUZZ_EXT)) == NULL ||
	    verify_add_client(is, "3n4b5urk1ft4fl3mg5e62d9ado") == -1 ||
	    verify_set_algs(is, "ES256", err, sizeof(err)) == -1)
		fail("external issuer");
	snprintf(jwks, sizeof(jwks), "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"kid\":\"fuzz-ext\",\"x\":\"%s\",\"y\":\"%s\"}]}",
	    x, y);
	if (keyset_load_jwks(&is->keys, jwks, strlen(jwks), err,
	    sizeof(err)) != 1)
		fail("external key set");
}

/* base64url(R || S) of an ES256 signature over data, into out. */
static int
sign_es256(const char *data, size_t len, char *out, size_t outlen)
{
	EVP_MD_CTX		*md = NULL;
	ECDSA_SIG		*sig = NULL;
	const BIGNUM		*r, *s;
	const unsigned char	*p;
	unsigned char		 der[80], rs[64];
	size_t			 dlen = sizeof(der);
	int			 rc = -1;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, fuzz_key) != 1 ||
	    EVP_DigestSign(md, der, &dlen, (const unsigned char *)data,
	    len) != 1)
		goto out;
	p = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32)
		goto out;
	if (b64url_encode(rs, sizeof(rs), out, outlen) < 0)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

/* What an accepted token's claims must look like whatever it said. */
static void
check_claims(const struct verify_claims *c)
{
	if (c->issuer == NULL || (c->issuer != &ver->issuers[0] &&
	    c->issuer != &ver->issuers[1]))
		fail("accepted with no known issuer");
	if (c->sub[0] == '\0' || strlen(c->sub) > VERIFY_SUB_MAX)
		fail("accepted without a sub");
	if (c->issuer->local && (!verify_is_uuid(c->sub) ||
	    !verify_is_uuid(c->origin_jti)))
		fail("local token accepted without UUIDs");
	if (c->exp <= c->iat || FUZZ_NOW >= c->exp + VERIFY_LEEWAY ||
	    c->iat > FUZZ_NOW + VERIFY_LEEWAY ||
	    c->nbf > FUZZ_NOW + VERIFY_LEEWAY)
		fail("accepted outside its lifetime");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_claims	 c;
	const char		*tok = (const char *)data, *dot1, *dot2;
	char			*re = NULL, why[160], sig[FUZZ_SIG_MAX];
	size_t			 signed_len, n;
	enum verify_result	 rc;

	if (ver == NULL)
		setup();
	if (size > FUZZ_MAX_INPUT)
		return 0;

	/* 1. As sent. */
	if ((rc = verify_token(ver, tok, size, FUZZ_NOW, &c, why,
	    sizeof(why))) == VERIFY_OK) {
		check_claims(&c);
		accepted_sent++;
	} else if (rc != VERIFY_REJECT)
		fail("neither accepted nor rejected");

	/* 2. Header and payload as sent, signed with the test key. */
	if ((dot1 = memchr(tok, '.', size)) == NULL)
		return 0;
	if ((dot2 = memchr(dot1 + 1, '.', size - (size_t)(dot1 + 1 - tok))) ==
	    NULL)
		dot2 = tok + size;
	signed_len = (size_t)(dot2 - tok);
	if (sign_es256(tok, signed_len, sig, sizeof(sig)) == -1)
		fail("signing failed");
	n = signed_len + 1 + strlen(sig);
	if ((re = malloc(n + 1)) == NULL)
		fail("out of memory");
	memcpy(re, tok, signed_len);
	re[signed_len] = '.';
	memcpy(re + signed_len + 1, sig, strlen(sig) + 1);
	if ((rc = verify_token(ver, re, n, FUZZ_NOW, &c, why, sizeof(why))) ==
	    VERIFY_OK) {
		check_claims(&c);
		accepted_resigned++;
		/* One character of the signature changed: refused. The
		 * character is in the middle, so the encoding stays
		 * canonical and the signature itself is what fails. */
		re[signed_len + 1 + 20] = re[signed_len + 1 + 20] == 'A' ?
		    'B' : 'A';
		if (verify_token(ver, re, n, FUZZ_NOW, &c, why,
		    sizeof(why)) != VERIFY_REJECT)
			fail("a changed signature was accepted");
	} else if (rc != VERIFY_REJECT)
		fail("neither accepted nor rejected");
	free(re);
	return 0;
}

#ifndef AURORA_LIBFUZZER
/* The seed tokens: header and claims as JSON, signed with the test key. */
static const struct {
	const char	*name, *header, *claims;
} seeds[] = {
	{ "local-good", "{\"alg\":\"ES256\",\"kid\":\"fuzz-local\","
	  "\"typ\":\"JWT\"}",
	  "{\"iss\":\"" FUZZ_ISS "\",\"sub\":\"6f1c1b1e-9a52-4a43-b1a5-"
	  "2f9a1c3e2b10\",\"client_id\":\"aurora-web\",\"token_use\":"
	  "\"access\",\"origin_jti\":\"0d6c8f3e-54b1-4c0a-9d35-6b0d4f2f8a11\","
	  "\"scope\":\"openid email\",\"iat\":1779999990,\"auth_time\":"
	  "1779999990,\"exp\":1780003590,\"jti\":\"a5b7d0b4-4b5e-4f22-9d8b-"
	  "3a5f0e7c1d22\"}" },
	{ "external-good", "{\"kid\":\"fuzz-ext\",\"alg\":\"ES256\"}",
	  "{\"sub\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"iss\":\""
	  FUZZ_EXT "\",\"client_id\":\"3n4b5urk1ft4fl3mg5e62d9ado\","
	  "\"token_use\":\"access\",\"scope\":\"aws.cognito.signin.user."
	  "admin\",\"auth_time\":1779999000,\"iat\":1779999000.5,\"exp\":"
	  "1780002600,\"nbf\":1779999000,\"username\":\"jane@example.org\","
	  "\"email\":\"jane@example.org\",\"email_verified\":\"true\"}" },
	{ "external-with-local-kid",
	  "{\"alg\":\"ES256\",\"kid\":\"fuzz-local\"}",
	  "{\"iss\":\"" FUZZ_EXT "\",\"sub\":\"x\",\"client_id\":"
	  "\"3n4b5urk1ft4fl3mg5e62d9ado\",\"token_use\":\"access\","
	  "\"iat\":1779999990,\"exp\":1780003590}" },
	{ "local-expired", "{\"alg\":\"ES256\",\"kid\":\"fuzz-local\"}",
	  "{\"iss\":\"" FUZZ_ISS "\",\"sub\":\"6f1c1b1e-9a52-4a43-b1a5-"
	  "2f9a1c3e2b10\",\"client_id\":\"aurora-web\",\"token_use\":"
	  "\"access\",\"origin_jti\":\"0d6c8f3e-54b1-4c0a-9d35-6b0d4f2f8a11\","
	  "\"iat\":1779990000,\"exp\":1779993600}" },
	{ "local-rs256-header", "{\"alg\":\"RS256\",\"kid\":\"fuzz-local\","
	  "\"jku\":\"https://evil.test/jwks\"}",
	  "{\"iss\":\"" FUZZ_ISS "\",\"sub\":\"6f1c1b1e-9a52-4a43-b1a5-"
	  "2f9a1c3e2b10\",\"client_id\":\"aurora-web\",\"token_use\":"
	  "\"access\",\"origin_jti\":\"0d6c8f3e-54b1-4c0a-9d35-6b0d4f2f8a11\","
	  "\"iat\":1779999990,\"exp\":1780003590,\"nbf\":1.7799e9}" },
};

static int
write_seeds(const char *dir)
{
	char		 h[1024], p[2048], sig[FUZZ_SIG_MAX], path[4096];
	FILE		*f;
	size_t		 i, hl;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		if (b64url_encode(seeds[i].header,
		    strlen(seeds[i].header), h, sizeof(h)) < 0 ||
		    b64url_encode(seeds[i].claims,
		    strlen(seeds[i].claims), p, sizeof(p)) < 0)
			return -1;
		hl = strlen(h);
		if (hl + 1 + strlen(p) + 1 > sizeof(h))
			return -1;
		h[hl] = '.';
		memcpy(h + hl + 1, p, strlen(p) + 1);
		if (sign_es256(h, strlen(h), sig, sizeof(sig)) == -1)
			return -1;
		snprintf(path, sizeof(path), "%s/%s.jwt", dir, seeds[i].name);
		if ((f = fopen(path, "wb")) == NULL) {
			perror(path);
			return -1;
		}
		fprintf(f, "%s.%s", h, sig);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int	 count = 0, rc;

	if (argc == 3 && strcmp(argv[1], "-w") == 0) {
		setup();
		return write_seeds(argv[2]) == 0 ? 0 : 1;
	}
	rc = fuzz_replay_args(argc, argv, FUZZ_CORPUS, FUZZ_MAX_INPUT,
	    &count);
	printf("fuzz_token: %d inputs replayed, %lu accepted as sent, %lu "
	    "once re-signed\n", count, accepted_sent, accepted_resigned);
	/* The checked-in corpus holds valid tokens: if none passes, the
	 * harness stops at the first checks and fuzzes nothing behind
	 * them. */
	if (argc < 2 && (accepted_sent == 0 || accepted_resigned == 0))
		rc = -1;
	if (ver != NULL) {
		verify_free(ver);
		free(ver);
	}
	EVP_PKEY_free(fuzz_key);
	return rc == 0 && count > 0 ? 0 : 1;
}
#endif
