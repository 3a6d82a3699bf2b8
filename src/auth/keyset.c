/* keyset.c — key loading and publishing with OpenSSL 3 (see keyset.h). Keys
 * become PEM text because libjwt takes nothing else. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "auth/keyset.h"
#include "core/b64url.h"
#include "core/jsonout.h"

#define KEYSET_BN_MAX	1024	/* bytes of an RSA modulus we handle */

static const char *const keyset_alg_names[KEYSET_ALG__MAX] = {
	"RS256", "ES256"
};

const char *
keyset_alg_name(enum keyset_alg alg)
{
	if ((int)alg < 0 || alg >= KEYSET_ALG__MAX)
		return NULL;
	return keyset_alg_names[alg];
}

int
keyset_alg_parse(const char *name)
{
	int i;

	for (i = 0; i < KEYSET_ALG__MAX; i++)
		if (strcmp(name, keyset_alg_names[i]) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ key sets */

void
keyset_init(struct keyset *ks)
{
	memset(ks, 0, sizeof(*ks));
}

static void
key_free(struct keyset_key *k)
{
	free(k->pub_pem);
	if (k->priv_pem != NULL) {
		OPENSSL_cleanse(k->priv_pem, k->priv_len);
		free(k->priv_pem);
	}
	json_object_put(k->jwk);
	memset(k, 0, sizeof(*k));
}

void
keyset_clear(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		key_free(&ks->keys[i]);
	ks->n = 0;
}

int
keyset_kid_valid(const char *kid)
{
	size_t n = strlen(kid);

	return n >= 1 && n <= KEYSET_KID_MAX && strspn(kid,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	    == n;
}

const struct keyset_key *
keyset_find(const struct keyset *ks, const char *kid)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i].kid, kid) == 0)
			return &ks->keys[i];
	return NULL;
}

int
keyset_same(const struct keyset *a, const struct keyset *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->keys[i].kid, b->keys[i].kid) != 0 ||
		    a->keys[i].alg != b->keys[i].alg ||
		    a->keys[i].pub_len != b->keys[i].pub_len ||
		    memcmp(a->keys[i].pub_pem, b->keys[i].pub_pem,
		    a->keys[i].pub_len) != 0)
			return 0;
	return 1;
}

size_t
keyset_usable(const struct keyset *ks, unsigned algs)
{
	size_t i, n = 0;

	for (i = 0; i < ks->n; i++)
		if (algs & (1u << ks->keys[i].alg))
			n++;
	return n;
}

const struct keyset_key *
keyset_signer(const struct keyset *ks)
{
	const struct keyset_key	*best = NULL;
	size_t			 i;

	for (i = 0; i < ks->n; i++)
		if (ks->keys[i].priv_pem != NULL && (best == NULL ||
		    strcmp(ks->keys[i].kid, best->kid) > 0))
			best = &ks->keys[i];
	return best;
}

/* Copies the bytes of a memory BIO into a fresh NUL-terminated string. */
static char *
bio_string(BIO *b, size_t *len)
{
	char	*data, *s;
	long	 n;

	if ((n = BIO_get_mem_data(b, &data)) <= 0)
		return NULL;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	return s;
}

/* Adds name: base64url(big-endian bytes of the BIGNUM param) to o. */
static int
jwk_add_bn(json_object *o, const char *name, const EVP_PKEY *pk,
    const char *param)
{
	BIGNUM		*bn = NULL;
	unsigned char	 bin[KEYSET_BN_MAX];
	char		 txt[KEYSET_BN_MAX * 4 / 3 + 4];
	int		 n, rc = -1;

	if (!EVP_PKEY_get_bn_param(pk, param, &bn))
		goto out;
	if ((n = BN_num_bytes(bn)) <= 0 || n > (int)sizeof(bin))
		goto out;
	if (BN_bn2bin(bn, bin) != n)
		goto out;
	if (b64url_encode(bin, (size_t)n, txt, sizeof(txt)) < 0)
		goto out;
	if (jsonout_string(o, name, txt) == -1)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/* EC P-256: x and y are the two halves of the uncompressed point. */
static int
jwk_add_ec(json_object *o, const EVP_PKEY *pk)
{
	unsigned char	 pt[65];
	char		 txt[64];
	size_t		 n = 0;

	if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &n) || n != 65 || pt[0] != 0x04)
		return -1;
	if (b64url_encode(pt + 1, 32, txt, sizeof(txt)) < 0 ||
	    jsonout_string(o, "x", txt) == -1)
		return -1;
	if (b64url_encode(pt + 33, 32, txt, sizeof(txt)) < 0 ||
	    jsonout_string(o, "y", txt) == -1)
		return -1;
	return 0;
}

/* Fills k (kid already set) from pk: public PEM, the JWK and, with
 * with_private, the private PEM. */
static int
key_fill(struct keyset_key *k, EVP_PKEY *pk, int with_private)
{
	BIO		*b = NULL;
	json_object	*jwk = NULL;
	int		 rc = -1;

	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (EVP_PKEY_get_bits(pk) < KEYSET_RSA_MIN_BITS ||
		    EVP_PKEY_get_bits(pk) > KEYSET_BN_MAX * 8)
			goto out;
		k->alg = KEYSET_RS256;
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		char	group[32];
		size_t	glen;

		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) ||
		    strcmp(group, "prime256v1") != 0)
			goto out;
		k->alg = KEYSET_ES256;
	} else
		goto out;

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(b, pk) ||
	    (k->pub_pem = bio_string(b, &k->pub_len)) == NULL)
		goto out;
	BIO_free(b);
	b = NULL;
	if (with_private) {
		if ((b = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) ||
		    (k->priv_pem = bio_string(b, &k->priv_len)) == NULL)
			goto out;
	}

	if ((jwk = json_object_new_object()) == NULL)
		goto out;
	if (k->alg == KEYSET_RS256) {
		if (jsonout_string(jwk, "kty", "RSA") == -1 ||
		    jwk_add_bn(jwk, "n", pk, OSSL_PKEY_PARAM_RSA_N) == -1 ||
		    jwk_add_bn(jwk, "e", pk, OSSL_PKEY_PARAM_RSA_E) == -1)
			goto out;
	} else {
		if (jsonout_string(jwk, "kty", "EC") == -1 ||
		    jsonout_string(jwk, "crv", "P-256") == -1 ||
		    jwk_add_ec(jwk, pk) == -1)
			goto out;
	}
	if (jsonout_string(jwk, "kid", k->kid) == -1 ||
	    jsonout_string(jwk, "use", "sig") == -1 ||
	    jsonout_string(jwk, "alg", keyset_alg_name(k->alg)) == -1)
		goto out;
	k->jwk = jwk;
	jwk = NULL;
	rc = 0;
out:
	BIO_free(b);
	json_object_put(jwk);
	return rc;
}

/* Never prompt for a passphrase: an encrypted key file is an error. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* Reads at most KEYSET_PEM_MAX bytes of dir/name, refusing anything but a
 * regular file closed to group and others. */
static int
read_key_file(const char *dir, const char *name, char *buf, size_t buflen,
    size_t *len, char *err, size_t errlen)
{
	char		 path[4096];
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd = -1, rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable by group or others "
		    "(chmod 600)", path);
		goto out;
	}
	while (got < buflen - 1) {
		n = read(fd, buf + got, buflen - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == buflen - 1) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path,
		    buflen - 2);
		goto out;
	}
	buf[got] = '\0';
	*len = got;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* 1 and the kid if name is "<kid>.pem" with a valid kid. */
static int
pem_name(const char *name, char *kid, size_t kidlen)
{
	size_t n = strlen(name);

	if (n <= 4 || strcmp(name + n - 4, ".pem") != 0 || n - 4 >= kidlen)
		return 0;
	memcpy(kid, name, n - 4);
	kid[n - 4] = '\0';
	return keyset_kid_valid(kid);
}

int
keyset_count_dir(const char *dir, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*e;
	char		 kid[KEYSET_KID_MAX + 1];
	int		 n = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (pem_name(e->d_name, kid, sizeof(kid)))
			n++;
	closedir(d);
	return n;
}

int
keyset_load_dir(struct keyset *ks, const char *dir, char *err, size_t errlen)
{
	DIR			*d = NULL;
	struct dirent		*e;
	struct keyset_key	 tmp;
	char			*pem = NULL, kid[KEYSET_KID_MAX + 1];
	size_t			 len, i, j;
	BIO			*b = NULL;
	EVP_PKEY		*pk = NULL;
	int			 rc = -1;

	keyset_clear(ks);
	if ((pem = malloc(KEYSET_PEM_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "jwt_key_dir %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (!pem_name(e->d_name, kid, sizeof(kid)))
			continue;
		if (ks->n == KEYSET_MAX) {
			snprintf(err, errlen, "%s: more than %d keys", dir,
			    KEYSET_MAX);
			goto out;
		}
		if (read_key_file(dir, e->d_name, pem, KEYSET_PEM_MAX, &len,
		    err, errlen) == -1)
			goto out;
		if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
		    (pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase,
		    NULL)) == NULL) {
			snprintf(err, errlen, "%s/%s: not an unencrypted PEM "
			    "private key", dir, e->d_name);
			goto out;
		}
		memset(&tmp, 0, sizeof(tmp));
		memcpy(tmp.kid, kid, strlen(kid) + 1);
		if (!EVP_PKEY_is_a(pk, "RSA") || key_fill(&tmp, pk, 1) == -1) {
			key_free(&tmp);
			snprintf(err, errlen, "%s/%s: not an RSA key of at "
			    "least %d bits", dir, e->d_name,
			    KEYSET_RSA_MIN_BITS);
			goto out;
		}
		/* Keep the set sorted by kid. */
		for (i = 0; i < ks->n && strcmp(ks->keys[i].kid, kid) < 0; i++)
			;
		for (j = ks->n; j > i; j--)
			ks->keys[j] = ks->keys[j - 1];
		ks->keys[i] = tmp;
		ks->n++;
		EVP_PKEY_free(pk);
		pk = NULL;
		BIO_free(b);
		b = NULL;
		OPENSSL_cleanse(pem, len);
	}
	rc = (int)ks->n;
out:
	if (rc == -1)
		keyset_clear(ks);
	if (d != NULL)
		closedir(d);
	EVP_PKEY_free(pk);
	BIO_free(b);
	if (pem != NULL) {
		OPENSSL_cleanse(pem, KEYSET_PEM_MAX);
		free(pem);
	}
	return rc;
}

/* The bytes of a base64url member of a JWK, into out. */
static long
jwk_bytes(json_object *jwk, const char *name, unsigned char *out,
    size_t outlen)
{
	json_object	*v;
	const char	*s;
	size_t		 n;

	if (!json_object_object_get_ex(jwk, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || strlen(s) != n)
		return -1;
	return b64url_decode(s, n, out, outlen);
}

/* Builds an EVP_PKEY from the public parameters of an RSA or P-256 JWK. */
static EVP_PKEY *
jwk_to_pkey(json_object *jwk, const char *kty)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*n = NULL, *e = NULL;
	unsigned char	 nb[KEYSET_BN_MAX], eb[16], pt[65];
	long		 nlen, elen;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (strcmp(kty, "RSA") == 0) {
		if ((nlen = jwk_bytes(jwk, "n", nb, sizeof(nb))) <= 0 ||
		    (elen = jwk_bytes(jwk, "e", eb, sizeof(eb))) <= 0)
			goto out;
		if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL ||
		    (e = BN_bin2bn(eb, (int)elen, NULL)) == NULL)
			goto out;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
	} else {
		json_object	*crv;

		if (!json_object_object_get_ex(jwk, "crv", &crv) ||
		    !json_object_is_type(crv, json_type_string) ||
		    strcmp(json_object_get_string(crv), "P-256") != 0)
			goto out;
		pt[0] = 0x04;
		if (jwk_bytes(jwk, "x", pt + 1, 32) != 32 ||
		    jwk_bytes(jwk, "y", pt + 33, 32) != 32)
			goto out;
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)))
			goto out;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, kty, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* The string member name of o, or NULL if absent or not a string. */
static const char *
jstr(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
keyset_load_jwks(struct keyset *ks, const char *json, size_t len, char *err,
    size_t errlen)
{
	json_tokener		*tok = NULL;
	json_object		*doc = NULL, *keys, *jwk;
	struct keyset		 fresh;
	struct keyset_key	*k;
	const char		*kty, *kid, *use, *alg;
	EVP_PKEY		*pk;
	size_t			 i, nkeys;
	int			 rc = -1;

	keyset_init(&fresh);
	if (errlen > 0)
		err[0] = '\0';
	if (len > KEYSET_JWKS_MAX) {
		snprintf(err, errlen, "JWKS larger than %d bytes",
		    KEYSET_JWKS_MAX);
		goto out;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL)
		goto out;
	doc = json_tokener_parse_ex(tok, json, (int)len);
	if (doc == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		snprintf(err, errlen, "not a JWKS document ({\"keys\":[...]})");
		goto out;
	}
	nkeys = json_object_array_length(keys);
	for (i = 0; i < nkeys; i++) {
		jwk = json_object_array_get_idx(keys, i);
		if (!json_object_is_type(jwk, json_type_object))
			continue;
		kty = jstr(jwk, "kty");
		kid = jstr(jwk, "kid");
		use = jstr(jwk, "use");
		alg = jstr(jwk, "alg");
		/* Encryption keys and keys without a usable kid never
		 * verify a signature here. */
		if (kty == NULL || kid == NULL || !keyset_kid_valid(kid) ||
		    (use != NULL && strcmp(use, "sig") != 0))
			continue;
		if (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0)
			continue;
		if (keyset_find(&fresh, kid) != NULL) {
			snprintf(err, errlen, "JWKS repeats kid \"%s\"", kid);
			goto out;
		}
		if (fresh.n == KEYSET_MAX) {
			snprintf(err, errlen, "JWKS has more than %d keys",
			    KEYSET_MAX);
			goto out;
		}
		if ((pk = jwk_to_pkey(jwk, kty)) == NULL)
			continue;
		k = &fresh.keys[fresh.n];
		memset(k, 0, sizeof(*k));
		memcpy(k->kid, kid, strlen(kid) + 1);
		if (key_fill(k, pk, 0) == -1) {
			key_free(k);
			EVP_PKEY_free(pk);
			continue;
		}
		EVP_PKEY_free(pk);
		/* A JWK that names an algorithm must name its key's own. */
		if (alg != NULL && strcmp(alg, keyset_alg_name(k->alg)) != 0) {
			key_free(k);
			continue;
		}
		fresh.n++;
	}
	keyset_clear(ks);
	*ks = fresh;
	keyset_init(&fresh);
	rc = (int)ks->n;
out:
	keyset_clear(&fresh);
	json_object_put(doc);
	if (tok != NULL)
		json_tokener_free(tok);
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	return rc;
}

json_object *
keyset_jwks(const struct keyset *ks)
{
	json_object	*doc, *arr;
	size_t		 i;

	if ((doc = json_object_new_object()) == NULL)
		return NULL;
	/* doc owns arr once added (jsonout_add puts it on failure). */
	arr = json_object_new_array();
	if (jsonout_add(doc, "keys", arr) == -1)
		goto fail;
	/* Each key's JWK is shared: a reference more, dropped on failure. */
	for (i = 0; i < ks->n; i++)
		if (jsonout_push(arr, json_object_get(ks->keys[i].jwk)) == -1)
			goto fail;
	return doc;
fail:
	json_object_put(doc);
	return NULL;
}

int
keyset_create(const char *dir, int bits, time_t now, char *kid,
    size_t kidlen, char *err, size_t errlen)
{
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;
	struct tm	 tm;
	char		 path[4096], tmp[4096];
	FILE		*f = NULL;
	int		 fd = -1, rc = -1;

	tmp[0] = '\0';
	if (bits < KEYSET_RSA_MIN_BITS || bits > 8192) {
		snprintf(err, errlen, "RSA keys must have %d to 8192 bits",
		    KEYSET_RSA_MIN_BITS);
		goto out;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(kid, kidlen, "%Y%m%dT%H%M%SZ", &tm) == 0) {
		snprintf(err, errlen, "cannot format the key id");
		goto out;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/%s.pem", dir, kid) >=
	    (int)sizeof(path) || snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir,
	    kid) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		tmp[0] = '\0';
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (unsigned)bits) <= 0 ||
	    EVP_PKEY_generate(ctx, &pk) <= 0) {
		snprintf(err, errlen, "RSA key generation failed");
		goto out;
	}
	/* Written aside and linked into place, so that a reader never sees
	 * half a key and an existing key is never overwritten. */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (!PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: write failed", tmp);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "%s: write failed", tmp);
		goto out;
	}
	f = NULL;
	if (link(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == EEXIST ?
		    "a key with this id exists already (wait a second)" :
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
