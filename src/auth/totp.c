/* totp.c — two-step sign-in with an authenticator app (see totp.h): codes
 * through liboath, secrets sealed with AES-256-GCM, recovery codes, the
 * second-step challenge and the security mail when it is turned on or off. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "auth/account_internal.h"
#include "auth/passwd.h"
#include "auth/totp.h"
#include "core/b64url.h"
#include "core/log.h"
#include "core/sha256.h"
#include "mail/outbox.h"
#include "mail/render.h"

#define TOTP_NONCE	12
#define TOTP_TAG	16
#define TOTP_BOX	(TOTP_NONCE + TOTP_SECRET_BYTES + TOTP_TAG)	/* 48 */
#define TOTP_KDF_INFO	"aurora-time totp secret v1"
#define TOTP_RECOVERY_CHARS	16
/* 32 letters and digits without l, o, 0 and 1: 5 bits each, unbiased. */
#define TOTP_RECOVERY_ALPHABET	"abcdefghijkmnpqrstuvwxyz23456789"
#define TOTP_MAIL_MAX	2048

static const struct db_stmt st_enroll = {
	"totp_enroll",
	"INSERT INTO auth_totp AS t (user_id, secret_box) "
	"SELECT $1::uuid, decode($2, 'hex') FROM users WHERE id = $1::uuid "
	"ON CONFLICT (user_id) DO UPDATE SET secret_box = EXCLUDED.secret_box, "
	"       last_step = 0, created_at = now() "
	" WHERE t.confirmed_at IS NULL "
	"RETURNING 1",
	2, 0
};

static const struct db_stmt st_state = {
	"totp_state",
	"SELECT encode(secret_box, 'hex'), confirmed_at IS NOT NULL, last_step,"
	"       CASE WHEN failed_at > now() - make_interval(secs => $2::int) "
	"            THEN failures ELSE 0 END, "
	"       COALESCE(extract(epoch FROM now() - failed_at), 0)::float8 "
	"  FROM auth_totp WHERE user_id = $1::uuid FOR UPDATE",
	2, 0
};

static const struct db_stmt st_status = {
	"totp_status",
	"SELECT " TOTP_SQL_ON("$1::uuid"),
	1, 1
};

static const struct db_stmt st_fail = {
	"totp_fail",
	"UPDATE auth_totp SET failures = CASE WHEN failed_at IS NULL OR "
	"       failed_at <= now() - make_interval(secs => $2::int) THEN 1 "
	"       ELSE failures + 1 END, failed_at = now() "
	" WHERE user_id = $1::uuid",
	2, 0
};

static const struct db_stmt st_accept = {
	"totp_accept",
	"UPDATE auth_totp SET last_step = GREATEST(last_step, $2::bigint), "
	"       failures = 0, failed_at = NULL, "
	"       confirmed_at = COALESCE(confirmed_at, now()) "
	" WHERE user_id = $1::uuid",
	2, 0
};

static const struct db_stmt st_recovery_clear = {
	"totp_recovery_clear",
	"DELETE FROM auth_recovery_codes WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_recovery_add = {
	"totp_recovery_add",
	"INSERT INTO auth_recovery_codes (user_id, code_hash) "
	"VALUES ($1::uuid, decode($2, 'hex'))",
	2, 0
};

static const struct db_stmt st_recovery_use = {
	"totp_recovery_use",
	"UPDATE auth_recovery_codes SET used_at = now() "
	" WHERE user_id = $1::uuid AND code_hash = decode($2, 'hex') "
	"   AND used_at IS NULL",
	2, 0
};

static const struct db_stmt st_remove = {
	"totp_remove",
	"DELETE FROM auth_totp WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_challenges_clear = {
	"totp_challenges_clear",
	"DELETE FROM auth_mfa_challenges WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_challenge_new = {
	"totp_challenge_new",
	"WITH old AS (DELETE FROM auth_mfa_challenges "
	"              WHERE expires_at < now()) "
	"INSERT INTO auth_mfa_challenges (id_hash, user_id, expires_at) "
	"VALUES (decode($2, 'hex'), $1::uuid, "
	"        now() + make_interval(secs => $3::int))",
	3, 0
};

static const struct db_stmt st_challenge_get = {
	"totp_challenge_get",
	"SELECT c.user_id, c.expires_at > now(), c.attempts, u.email, "
	"       u.email_verified, u.name, u.disabled "
	"  FROM auth_mfa_challenges c JOIN users u ON u.id = c.user_id "
	" WHERE c.id_hash = decode($1, 'hex') FOR UPDATE OF c",
	1, 0
};

static const struct db_stmt st_challenge_fail = {
	"totp_challenge_fail",
	"UPDATE auth_mfa_challenges SET attempts = attempts + 1 "
	" WHERE id_hash = decode($1, 'hex')",
	1, 0
};

static const struct db_stmt st_challenge_done = {
	"totp_challenge_done",
	"DELETE FROM auth_mfa_challenges WHERE id_hash = decode($1, 'hex')",
	1, 0
};

static const struct db_stmt st_user_mail = {
	"totp_user_mail",
	"SELECT email, time_zone, COALESCE(password_hash, '') "
	"  FROM users WHERE id = $1::uuid",
	1, 1
};

static const struct db_stmt st_user_by_email = {
	"totp_user_by_email",
	"SELECT id FROM users WHERE lower(email) = lower($1) "
	"   AND issuer = 'local'",
	1, 1
};

/* ------------------------------------------------------------ codes */

int
totp_init(void)
{
	/* Once per process, before any other liboath call; a prefork
	 * worker gets here on its first code. */
	static int done;

	if (!done && oath_init() != OATH_OK)
		return -1;
	done = 1;
	return 0;
}

int
totp_code_at(const unsigned char *secret, size_t len, time_t t,
    char out[TOTP_DIGITS + 1])
{
	if (totp_init() == -1 ||
	    oath_totp_generate((const char *)secret, len, t, TOTP_STEP,
	    OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, out) != OATH_OK) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* liboath's comparison hook: constant time, so the answer's timing does
 * not tell how many leading digits were right. */
static int
code_cmp(void *handle, const char *test_otp)
{
	const char *code = handle;

	if (strlen(test_otp) != TOTP_DIGITS)
		return -1;
	return CRYPTO_memcmp(code, test_otp, TOTP_DIGITS) == 0 ? 0 : 1;
}

/* 1 if s is exactly TOTP_DIGITS ASCII digits. */
static int
code_wellformed(const char *s)
{
	size_t i;

	for (i = 0; i < TOTP_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[TOTP_DIGITS] == '\0';
}

int
totp_code_check(const unsigned char *secret, size_t len, time_t now,
    const char *code, uint64_t after, uint64_t *step)
{
	uint64_t	counter = 0;
	int		pos = 0, rc;

	*step = 0;
	if (!code_wellformed(code))
		return 0;
	if (totp_init() == -1)
		return -1;
	rc = oath_totp_validate3_callback((const char *)secret, len, now,
	    TOTP_STEP, OATH_TOTP_DEFAULT_START_TIME, TOTP_DIGITS, TOTP_WINDOW,
	    &pos, &counter, code_cmp, (void *)code);
	if (rc == OATH_INVALID_OTP)
		return 0;
	if (rc < 0)
		return -1;
	/* A step at or before the last accepted one is a replay (or an
	 * older code seen after a newer one): never twice. */
	if (counter <= after)
		return 0;
	*step = counter;
	return 1;
}

int
totp_base32(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	char	*b32 = NULL, *eq;
	size_t	 n = 0;
	int	 rc = -1;

	if (totp_init() == -1 ||
	    oath_base32_encode((const char *)in, len, &b32, &n) != OATH_OK)
		return -1;
	/* Authenticator apps take the secret unpadded (Key Uri Format). */
	if ((eq = memchr(b32, '=', n)) != NULL)
		n = (size_t)(eq - b32);
	if (n + 1 > outlen)
		goto out;
	memcpy(out, b32, n);
	out[n] = '\0';
	rc = 0;
out:
	if (b32 != NULL) {
		OPENSSL_cleanse(b32, strlen(b32));
		free(b32);
	}
	return rc;
}

/* Percent-encodes s (RFC 3986 unreserved kept) onto out at *at. */
static int
uri_escape(const char *s, char *out, size_t outlen, size_t *at)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~') {
			if (*at + 2 > outlen)
				return -1;
			out[(*at)++] = (char)*p;
		} else {
			if (*at + 4 > outlen)
				return -1;
			out[(*at)++] = '%';
			out[(*at)++] = hex[*p >> 4];
			out[(*at)++] = hex[*p & 15];
		}
	}
	out[*at] = '\0';
	return 0;
}

int
totp_uri(const char *email, const char *secret_b32, char *out, size_t outlen)
{
	size_t	at;
	int	n;

	/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER; the
	 * defaults (SHA1, 6 digits, 30 s) are left out, as Google
	 * Authenticator reads them best. */
	n = snprintf(out, outlen, "otpauth://totp/");
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	at = (size_t)n;
	if (uri_escape(TOTP_ISSUER, out, outlen, &at) == -1 ||
	    at + 2 > outlen)
		return -1;
	out[at++] = ':';
	if (uri_escape(email, out, outlen, &at) == -1)
		return -1;
	n = snprintf(out + at, outlen - at, "?secret=%s&issuer=", secret_b32);
	if (n < 0 || (size_t)n >= outlen - at)
		return -1;
	at += (size_t)n;
	return uri_escape(TOTP_ISSUER, out, outlen, &at);
}

/* ------------------------------------------------------------ sealing */

/* The sealing key: HKDF-SHA256 of the server's secret with our own label,
 * so it is not the key device tokens use. */
static enum db_rc
seal_key(struct db *db, unsigned char key[32])
{
	unsigned char	 pepper[32];
	EVP_KDF		*kdf = NULL;
	EVP_KDF_CTX	*kctx = NULL;
	OSSL_PARAM	 params[4];
	enum db_rc	 rc;

	if ((rc = account_device_secret(db, pepper)) != DB_OK)
		return rc;
	rc = DB_ERROR;
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    pepper, sizeof(pepper));
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (char *)TOTP_KDF_INFO, strlen(TOTP_KDF_INFO));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, key, 32, params) != 1)
		goto out;
	rc = DB_OK;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	OPENSSL_cleanse(pepper, sizeof(pepper));
	return rc;
}

/* Seals secret for user_id into box (nonce, ciphertext, tag). 0 or -1. */
static int
seal(const unsigned char key[32], const char *user_id,
    const unsigned char secret[TOTP_SECRET_BYTES], unsigned char box[TOTP_BOX])
{
	EVP_CIPHER_CTX	*ctx = NULL;
	int		 n = 0, rc = -1;

	if (RAND_bytes(box, TOTP_NONCE) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, box) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)user_id,
	    (int)strlen(user_id)) != 1 ||
	    EVP_EncryptUpdate(ctx, box + TOTP_NONCE, &n, secret,
	    TOTP_SECRET_BYTES) != 1 || n != TOTP_SECRET_BYTES ||
	    EVP_EncryptFinal_ex(ctx, box + TOTP_NONCE + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TOTP_TAG,
	    box + TOTP_NONCE + TOTP_SECRET_BYTES) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Opens a box (hex, as the database gave it) of user_id into secret. 0, or
 * -1 when it does not open (wrong key or user, or tampered). */
static int
unseal(const unsigned char key[32], const char *user_id, const char *hex,
    unsigned char secret[TOTP_SECRET_BYTES])
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 box[TOTP_BOX];
	size_t		 len = 0;
	int		 n = 0, rc = -1;

	if (OPENSSL_hexstr2buf_ex(box, sizeof(box), &len, hex, '\0') != 1 ||
	    len != TOTP_BOX)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, box) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)user_id,
	    (int)strlen(user_id)) != 1 ||
	    EVP_DecryptUpdate(ctx, secret, &n, box + TOTP_NONCE,
	    TOTP_SECRET_BYTES) != 1 || n != TOTP_SECRET_BYTES ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TOTP_TAG,
	    box + TOTP_NONCE + TOTP_SECRET_BYTES) != 1 ||
	    EVP_DecryptFinal_ex(ctx, secret + n, &n) != 1)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(secret, TOTP_SECRET_BYTES);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* ------------------------------------------------------------ helpers */

static enum totp_rc
from_db(enum db_rc rc)
{
	return rc == DB_UNAVAILABLE || rc == DB_RETRY ? TOTP_UNAVAILABLE :
	    TOTP_ERROR;
}

static double
db_double(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	return errno != 0 || end == s || *end != '\0' || !isfinite(v) ? 0 : v;
}

static uint64_t
db_u64(const char *s)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? 0 : (uint64_t)v;
}

/* The locked authenticator of a user, read by state_lock. */
struct totp_state {
	unsigned char	secret[TOTP_SECRET_BYTES];
	int		confirmed;
	uint64_t	last_step;
	long		retry_after;	/* > 0: the account's guesses are spent */
};

/* Inside the caller's transaction: locks and opens user_id's
 * authenticator. TOTP_NOT_FOUND without one. */
static enum totp_rc
state_lock(struct db *db, const struct conf *c, const char *user_id,
    struct totp_state *st)
{
	PGresult	*res = NULL;
	unsigned char	 key[32];
	const char	*p[2];
	char		 window[16];
	enum db_rc	 drc;
	enum totp_rc	 rc = TOTP_ERROR;

	memset(st, 0, sizeof(*st));
	snprintf(window, sizeof(window), "%d", c->login_failure_window);
	p[0] = user_id;
	p[1] = window;
	if ((drc = db_exec(db, &st_state, p, &res)) != DB_OK)
		return from_db(drc);
	if (PQntuples(res) != 1) {
		rc = TOTP_NOT_FOUND;
		goto out;
	}
	if ((drc = seal_key(db, key)) != DB_OK) {
		rc = from_db(drc);
		goto out;
	}
	if (unseal(key, user_id, PQgetvalue(res, 0, 0), st->secret) == -1) {
		log_msg(LOG_ERROR, "totp_unseal", "the authenticator secret "
		    "of %s does not open (auth_secret changed?)", user_id);
		goto out;
	}
	st->confirmed = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	st->last_step = db_u64(PQgetvalue(res, 0, 2));
	st->retry_after = account_slow_down(account_db_long(PQgetvalue(res, 0,
	    3)), db_double(PQgetvalue(res, 0, 4)), TOTP_FREE_FAILURES,
	    c->login_failure_window);
	rc = TOTP_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	PQclear(res);
	return rc;
}

/* Counts a wrong answer against the account. */
static enum db_rc
count_failure(struct db *db, const struct conf *c, const char *user_id)
{
	const char	*p[2];
	char		 window[16];

	snprintf(window, sizeof(window), "%d", c->login_failure_window);
	p[0] = user_id;
	p[1] = window;
	return db_run(db, &st_fail, p, NULL);
}

/* Records step as the last accepted one and clears the failures. */
static enum db_rc
accept_step(struct db *db, const char *user_id, uint64_t step)
{
	const char	*p[2];
	char		 s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)step);
	p[0] = user_id;
	p[1] = s;
	return db_run(db, &st_accept, p, NULL);
}

/* A recovery code as typed, reduced to its 16 characters (case, hyphens
 * and spaces forgiven) and hashed. 0, or -1 when it cannot be one. */
static int
recovery_hash(const char *in, char hash[65])
{
	char	norm[TOTP_RECOVERY_CHARS + 1];
	size_t	n = 0;
	int	c;

	if (strlen(in) > TOTP_RECOVERY_INPUT_MAX)
		return -1;
	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		c = tolower((unsigned char)*in);
		if (strchr(TOTP_RECOVERY_ALPHABET, c) == NULL || c == '\0' ||
		    n == TOTP_RECOVERY_CHARS)
			return -1;
		norm[n++] = (char)c;
	}
	if (n != TOTP_RECOVERY_CHARS)
		return -1;
	norm[n] = '\0';
	return sha256_hex(norm, n, hash);
}

/* A new recovery code, "abcd-efgh-ijkm-npqr", into out. 0 or -1. */
static int
recovery_new(char out[TOTP_RECOVERY_LEN + 1])
{
	unsigned char	b[TOTP_RECOVERY_CHARS];
	size_t		i, at = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	for (i = 0; i < TOTP_RECOVERY_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[at++] = '-';
		out[at++] = TOTP_RECOVERY_ALPHABET[b[i] & 31];
	}
	out[at] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

/* Inside the caller's transaction: replaces user_id's recovery codes with
 * TOTP_RECOVERY_CODES new ones, into codes (their hashes into the table). */
static enum totp_rc
recovery_issue(struct db *db, const char *user_id,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1])
{
	const char	*p[2];
	char		 hash[65];
	size_t		 i;
	enum db_rc	 drc;

	p[0] = user_id;
	if ((drc = db_run(db, &st_recovery_clear, p, NULL)) != DB_OK)
		return from_db(drc);
	for (i = 0; i < TOTP_RECOVERY_CODES; i++) {
		if (recovery_new(codes[i]) == -1 ||
		    recovery_hash(codes[i], hash) == -1)
			return TOTP_ERROR;
		p[1] = hash;
		if ((drc = db_run(db, &st_recovery_add, p, NULL)) != DB_OK)
			return from_db(drc);
	}
	return TOTP_OK;
}

/* Tells the owner that two-step sign-in was turned on or off (by support
 * when support is set), in their time zone, inside the caller's
 * transaction. */
static enum db_rc
mail_change(struct db *db, const struct conf *c, const char *user_id,
    int on, int support, time_t now)
{
	PGresult	*res = NULL;
	const char	*p[1] = { user_id };
	char		 body[TOTP_MAIL_MAX], when[96];
	enum db_rc	 rc;

	if ((rc = db_exec(db, &st_user_mail, p, &res)) != DB_OK)
		return rc;
	rc = DB_ERROR;
	if (PQntuples(res) != 1 || render_when(now, PQgetvalue(res, 0, 1),
	    when, sizeof(when)) == -1)
		goto out;
	if (on)
		snprintf(body, sizeof(body),
		    "Hello,\n\n"
		    "two-step sign-in with an authenticator app was turned on "
		    "for your Aurora Time account (%s) on %s. From now on, "
		    "signing in asks for a code from the app after your "
		    "password.\n\n"
		    "If this was you, there is nothing to do. Keep your "
		    "recovery codes somewhere safe.\n\n"
		    "If it was not you, someone knows your password: reset it "
		    "at %s/ (this signs out every device), then turn two-step "
		    "sign-in off and on again in Settings with your own app.\n",
		    PQgetvalue(res, 0, 0), when, c->public_url);
	else
		snprintf(body, sizeof(body),
		    "Hello,\n\n"
		    "two-step sign-in was turned off for your Aurora Time "
		    "account (%s) on %s%s. Signing in now needs only your "
		    "password.\n\n"
		    "If this was you, there is nothing to do.\n\n"
		    "If it was not you, reset your password at %s/ now (this "
		    "signs out every device) and turn two-step sign-in back on "
		    "in Settings.\n",
		    PQgetvalue(res, 0, 0), when,
		    support ? " by Aurora Time support" : "", c->public_url);
	rc = outbox_queue_account_mail(db, user_id, "security",
	    PQgetvalue(res, 0, 0), on ? "Two-step sign-in was turned on" :
	    "Two-step sign-in was turned off", body);
out:
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------ set-up */

enum totp_rc
totp_enroll(struct db *db, const char *user_id,
    char secret_b32[TOTP_SECRET_B32_LEN + 1], char uri[TOTP_URI_MAX])
{
	PGresult	*res = NULL;
	unsigned char	 secret[TOTP_SECRET_BYTES], key[32], box[TOTP_BOX];
	char		 hex[2 * TOTP_BOX + 1];
	const char	*p[2];
	size_t		 i;
	long		 n = 0;
	enum db_rc	 drc;
	enum totp_rc	 rc = TOTP_ERROR;

	secret_b32[0] = uri[0] = '\0';
	if (RAND_bytes(secret, sizeof(secret)) != 1 ||
	    totp_base32(secret, sizeof(secret), secret_b32,
	    TOTP_SECRET_B32_LEN + 1) == -1)
		goto out;
	if ((drc = seal_key(db, key)) != DB_OK) {
		rc = from_db(drc);
		goto out;
	}
	if (seal(key, user_id, secret, box) == -1)
		goto out;
	for (i = 0; i < TOTP_BOX; i++)
		snprintf(hex + 2 * i, 3, "%02x", box[i]);
	p[0] = user_id;
	if ((drc = db_exec(db, &st_user_mail, p, &res)) != DB_OK) {
		rc = from_db(drc);
		goto out;
	}
	/* An account without a password here (an external issuer's) has
	 * no sign-in of ours to add a step to. */
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 2) == 0) {
		rc = TOTP_NOT_FOUND;
		goto out;
	}
	if (totp_uri(PQgetvalue(res, 0, 0), secret_b32, uri, TOTP_URI_MAX) ==
	    -1)
		goto out;
	p[1] = hex;
	if ((drc = db_run(db, &st_enroll, p, &n)) != DB_OK) {
		rc = from_db(drc);
		goto out;
	}
	/* No row: the user is gone, or a confirmed one kept its secret. */
	rc = n == 1 ? TOTP_OK : TOTP_CONFLICT;
out:
	PQclear(res);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != TOTP_OK) {
		OPENSSL_cleanse(secret_b32, TOTP_SECRET_B32_LEN + 1);
		uri[0] = '\0';
	}
	return rc;
}

static enum totp_rc check_tx(struct db *, const struct conf *, const char *,
    int, const char *, time_t, long *);

enum totp_rc
totp_confirm(struct db *db, const struct identity *id, const char *user_id,
    const char *code, time_t now,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1], long *retry_after)
{
	enum db_rc	 drc;
	enum totp_rc	 rc;

	*retry_after = 0;
	memset(codes, 0, TOTP_RECOVERY_CODES * (TOTP_RECOVERY_LEN + 1));
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	rc = check_tx(db, id->conf, user_id, 0, code, now, retry_after);
	if (rc == TOTP_DENIED) {
		/* The wrong guess counts: commit it. */
		if ((drc = db_commit(db)) != DB_OK)
			goto dberr;
		goto out;
	}
	if (rc != TOTP_OK)
		goto rollback;
	if ((rc = recovery_issue(db, user_id, codes)) != TOTP_OK)
		goto rollback;
	if ((drc = mail_change(db, id->conf, user_id, 1, 0, now)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK)
		goto dberr;
	rc = TOTP_OK;
	goto out;
dberr:
	rc = from_db(drc);
rollback:
	db_rollback(db);
out:
	if (rc != TOTP_OK)
		OPENSSL_cleanse(codes, TOTP_RECOVERY_CODES *
		    (TOTP_RECOVERY_LEN + 1));
	return rc;
}

enum totp_rc
totp_status(struct db *db, const char *user_id, int *on)
{
	PGresult	*res = NULL;
	const char	*p[1] = { user_id };
	enum db_rc	 drc;

	*on = 0;
	if ((drc = db_exec(db, &st_status, p, &res)) != DB_OK)
		return from_db(drc);
	*on = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return TOTP_OK;
}

/* Inside an open transaction: checks a fresh code of user_id's
 * authenticator, which must be confirmed (sign-in, turning off) or still
 * pending (confirmation): else TOTP_NOT_FOUND or TOTP_CONFLICT. A wrong
 * code is counted (the caller commits it: failures must stick), a right
 * one spent. */
static enum totp_rc
check_tx(struct db *db, const struct conf *c, const char *user_id,
    int confirmed, const char *code, time_t now, long *retry_after)
{
	struct totp_state	st;
	uint64_t		step;
	int			ok;
	enum db_rc		drc;
	enum totp_rc		rc;

	if ((rc = state_lock(db, c, user_id, &st)) != TOTP_OK)
		goto out;
	if (st.confirmed != confirmed) {
		rc = confirmed ? TOTP_NOT_FOUND : TOTP_CONFLICT;
		goto out;
	}
	if (st.retry_after > 0) {
		*retry_after = st.retry_after;
		rc = TOTP_LIMITED;
		goto out;
	}
	if ((ok = totp_code_check(st.secret, sizeof(st.secret), now, code,
	    st.last_step, &step)) == -1) {
		rc = TOTP_ERROR;
		goto out;
	}
	if (!ok) {
		rc = (drc = count_failure(db, c, user_id)) == DB_OK ?
		    TOTP_DENIED : from_db(drc);
		goto out;
	}
	rc = (drc = accept_step(db, user_id, step)) == DB_OK ? TOTP_OK :
	    from_db(drc);
out:
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

enum totp_rc
totp_verify(struct db *db, const struct identity *id, const char *user_id,
    const char *code, time_t now, long *retry_after)
{
	enum db_rc	drc;
	enum totp_rc	rc;

	*retry_after = 0;
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	rc = check_tx(db, id->conf, user_id, 1, code, now, retry_after);
	if ((rc == TOTP_OK || rc == TOTP_DENIED) &&
	    (drc = db_commit(db)) != DB_OK)
		rc = from_db(drc);
	db_rollback(db);
	return rc;
}

enum totp_rc
totp_recovery_renew(struct db *db, const struct identity *id,
    const char *user_id, const char *code, time_t now,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1], long *retry_after)
{
	enum db_rc	drc;
	enum totp_rc	rc;

	*retry_after = 0;
	memset(codes, 0, TOTP_RECOVERY_CODES * (TOTP_RECOVERY_LEN + 1));
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	rc = check_tx(db, id->conf, user_id, 1, code, now, retry_after);
	if (rc == TOTP_OK)
		rc = recovery_issue(db, user_id, codes);
	/* A wrong code is counted: that must stick too. */
	if ((rc == TOTP_OK || rc == TOTP_DENIED) &&
	    (drc = db_commit(db)) != DB_OK)
		rc = from_db(drc);
	db_rollback(db);
	if (rc != TOTP_OK)
		OPENSSL_cleanse(codes, TOTP_RECOVERY_CODES *
		    (TOTP_RECOVERY_LEN + 1));
	return rc;
}

/* Deletes user_id's authenticator, recovery codes and challenges. */
static enum db_rc
remove_tx(struct db *db, const char *user_id, long *n)
{
	const char	*p[1] = { user_id };
	enum db_rc	 drc;

	if ((drc = db_run(db, &st_remove, p, n)) != DB_OK ||
	    (drc = db_run(db, &st_recovery_clear, p, NULL)) != DB_OK)
		return drc;
	return db_run(db, &st_challenges_clear, p, NULL);
}

enum totp_rc
totp_disable(struct db *db, const struct identity *id, const char *user_id,
    const char *password, size_t pwlen, const char *code, time_t now,
    long *retry_after)
{
	PGresult	*res = NULL;
	struct totp_state st;
	const char	*p[1] = { user_id };
	uint64_t	 step;
	int		 pw_ok, code_ok;
	long		 n = 0;
	enum db_rc	 drc;
	enum totp_rc	 rc;

	*retry_after = 0;
	memset(&st, 0, sizeof(st));
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	if ((rc = state_lock(db, id->conf, user_id, &st)) != TOTP_OK)
		goto rollback;
	if (!st.confirmed) {
		rc = TOTP_NOT_FOUND;
		goto rollback;
	}
	if (st.retry_after > 0) {
		*retry_after = st.retry_after;
		rc = TOTP_LIMITED;
		goto rollback;
	}
	if ((drc = db_exec(db, &st_user_mail, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = TOTP_NOT_FOUND;
		goto rollback;
	}
	/* Both checks always run: the answer does not tell which failed. */
	pw_ok = PQgetlength(res, 0, 2) > 0 ?
	    passwd_verify(PQgetvalue(res, 0, 2), password, pwlen) : 0;
	code_ok = totp_code_check(st.secret, sizeof(st.secret), now, code,
	    st.last_step, &step);
	if (pw_ok == -1 || code_ok == -1) {
		rc = TOTP_ERROR;
		goto rollback;
	}
	if (!pw_ok || !code_ok) {
		if ((drc = count_failure(db, id->conf, user_id)) != DB_OK ||
		    (drc = db_commit(db)) != DB_OK)
			goto dberr;
		rc = TOTP_DENIED;
		goto out;
	}
	if ((drc = remove_tx(db, user_id, &n)) != DB_OK ||
	    (drc = mail_change(db, id->conf, user_id, 0, 0, now)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK)
		goto dberr;
	rc = TOTP_OK;
	goto out;
dberr:
	rc = from_db(drc);
rollback:
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

enum totp_rc
totp_reset_email(struct db *db, const struct conf *c, const char *email,
    int *was_on)
{
	PGresult	*res = NULL;
	const char	*p[1] = { email };
	char		 uid[37];
	long		 n = 0;
	enum db_rc	 drc;
	enum totp_rc	 rc;

	*was_on = 0;
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	if ((drc = db_exec(db, &st_user_by_email, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = TOTP_NOT_FOUND;
		goto rollback;
	}
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(res, 0, 0));
	if ((drc = remove_tx(db, uid, &n)) != DB_OK)
		goto dberr;
	/* A set-up never confirmed was not on: no mail for it. */
	*was_on = n > 0;
	if (n > 0 && (drc = mail_change(db, c, uid, 0, 1, time(NULL))) !=
	    DB_OK)
		goto dberr;
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	rc = TOTP_OK;
	goto out;
dberr:
	rc = from_db(drc);
rollback:
	db_rollback(db);
out:
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------ step two */

/* 1 if s looks like one of our challenges (43 base64url characters that
 * decode to 32 bytes). */
static int
challenge_wellformed(const char *s)
{
	unsigned char b[33];

	return strlen(s) == TOTP_CHALLENGE_LEN &&
	    b64url_decode(s, TOTP_CHALLENGE_LEN, b, sizeof(b)) == 32;
}

enum totp_rc
totp_challenge_new(struct db *db, const char *user_id,
    char session[TOTP_CHALLENGE_LEN + 1])
{
	unsigned char	 b[32];
	const char	*p[3];
	char		 hash[65], ttl[16];
	enum db_rc	 drc;

	session[0] = '\0';
	if (RAND_bytes(b, sizeof(b)) != 1 ||
	    b64url_encode(b, sizeof(b), session, TOTP_CHALLENGE_LEN + 1) !=
	    TOTP_CHALLENGE_LEN ||
	    sha256_hex(session, TOTP_CHALLENGE_LEN, hash) == -1) {
		OPENSSL_cleanse(b, sizeof(b));
		session[0] = '\0';
		return TOTP_ERROR;
	}
	OPENSSL_cleanse(b, sizeof(b));
	snprintf(ttl, sizeof(ttl), "%d", TOTP_CHALLENGE_TTL);
	p[0] = user_id;
	p[1] = hash;
	p[2] = ttl;
	if ((drc = db_run(db, &st_challenge_new, p, NULL)) != DB_OK) {
		session[0] = '\0';
		return from_db(drc);
	}
	return TOTP_OK;
}

enum totp_rc
totp_challenge_answer(struct db *db, const struct identity *id,
    const char *session, const char *code, const char *recovery, time_t now,
    struct account_user *u, long *retry_after)
{
	PGresult		*res = NULL;
	struct totp_state	 st;
	const char		*p[2];
	char			 hash[65], rhash[65], uid[37];
	uint64_t		 step = 0;
	long			 attempts, n = 0;
	int			 ok = 0, last;
	enum db_rc		 drc;
	enum totp_rc		 rc;

	*retry_after = 0;
	memset(u, 0, sizeof(*u));
	memset(&st, 0, sizeof(st));
	if (!challenge_wellformed(session))
		return TOTP_DENIED;
	if (sha256_hex(session, TOTP_CHALLENGE_LEN, hash) == -1)
		return TOTP_ERROR;
	if ((drc = db_begin(db)) != DB_OK)
		return from_db(drc);
	p[0] = hash;
	if ((drc = db_exec(db, &st_challenge_get, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = TOTP_DENIED;
		goto rollback;
	}
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(res, 0, 0));
	attempts = account_db_long(PQgetvalue(res, 0, 2));
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0 ||
	    attempts >= TOTP_CHALLENGE_TRIES ||
	    strcmp(PQgetvalue(res, 0, 4), "t") != 0 ||
	    strcmp(PQgetvalue(res, 0, 6), "t") == 0) {
		/* Expired, spent, or the account is no longer usable. */
		if ((drc = db_run(db, &st_challenge_done, p, NULL)) != DB_OK ||
		    (drc = db_commit(db)) != DB_OK)
			goto dberr;
		rc = TOTP_DENIED;
		goto out;
	}
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", uid);
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 3));
	u->email_verified = 1;
	snprintf(u->name, sizeof(u->name), "%s", PQgetvalue(res, 0, 5));
	if ((rc = state_lock(db, id->conf, uid, &st)) != TOTP_OK ||
	    !st.confirmed) {
		/* Turned off since the password step (support's reset):
		 * sign in again. */
		if (rc == TOTP_NOT_FOUND || rc == TOTP_OK)
			rc = TOTP_DENIED;
		goto rollback;
	}
	if (st.retry_after > 0) {
		*retry_after = st.retry_after;
		rc = TOTP_LIMITED;
		goto rollback;
	}
	if (code != NULL) {
		if ((ok = totp_code_check(st.secret, sizeof(st.secret), now,
		    code, st.last_step, &step)) == -1) {
			rc = TOTP_ERROR;
			goto rollback;
		}
	} else if (recovery != NULL && recovery_hash(recovery, rhash) == 0) {
		p[0] = uid;
		p[1] = rhash;
		if ((drc = db_run(db, &st_recovery_use, p, &n)) != DB_OK)
			goto dberr;
		ok = n == 1;
	}
	p[0] = hash;
	if (!ok) {
		/* The last try ends the challenge: the row goes. */
		last = attempts + 1 >= TOTP_CHALLENGE_TRIES;
		if ((drc = db_run(db, last ? &st_challenge_done :
		    &st_challenge_fail, p, NULL)) != DB_OK ||
		    (drc = count_failure(db, id->conf, uid)) != DB_OK ||
		    (drc = db_commit(db)) != DB_OK)
			goto dberr;
		rc = TOTP_DENIED;
		goto out;
	}
	if ((drc = db_run(db, &st_challenge_done, p, NULL)) != DB_OK ||
	    (drc = accept_step(db, uid, step)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK)
		goto dberr;
	rc = TOTP_OK;
	goto out;
dberr:
	rc = from_db(drc);
rollback:
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(&st, sizeof(st));
	if (rc != TOTP_OK)
		memset(u, 0, sizeof(*u));
	return rc;
}
