/* auth.c — HTTP Basic for CalDAV: the account's email and one of its app
 * passwords (src/auth/apppass.h). Bearer tokens and the account password
 * never pass here. */
#include "config.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "auth/apppass.h"
#include "core/utf8.h"
#include "dav/dav.h"

/* The longest credentials looked at: an address, a colon and the longest
 * password apppass_check reads, base64-encoded. */
#define BASIC_PLAIN_MAX	(ACCOUNT_EMAIL_MAX + 1 + APPPASS_INPUT_MAX)
#define BASIC_B64_MAX	((BASIC_PLAIN_MAX + 2) / 3 * 4)

#define BASIC_CHALLENGE	"Basic realm=\"Aurora Time\", charset=\"UTF-8\""

static void
challenge(struct http_req *req, const char *msg)
{
	(void)http_add_header(req, "WWW-Authenticate", BASIC_CHALLENGE);
	dav_error(req, 401, NULL, "%s", msg);
}

/* Decodes standard base64 (RFC 4648 section 4, padded) of exactly len
 * characters into out (NUL-terminated). Returns the decoded length, or -1
 * for anything that is not canonical base64 of a short enough string. */
static int
b64_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, pad = 0;
	int	n;

	if (len == 0 || len % 4 != 0 || len > BASIC_B64_MAX ||
	    len / 4 * 3 + 1 > outlen)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			if (i < len - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad > 0)	/* a character after '=' */
			return -1;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)len);
	/* EVP_DecodeBlock counts the padding as decoded zero bytes. */
	if (n < 0 || (size_t)n < pad)
		return -1;
	n -= (int)pad;
	out[n] = '\0';
	return n;
}

int
dav_authenticate(struct dav_ctx *ctx)
{
	struct http_req	*req = ctx->req;
	const char	*h = req->authorization, *colon;
	char		 plain[BASIC_B64_MAX / 4 * 3 + 1], *pw;
	int		 n, retry = 0;
	size_t		 elen;
	enum apppass_rc	 rc;

	if (h == NULL || *h == '\0') {
		challenge(req, "sign in with your email and an app password");
		return -1;
	}
	if (strncasecmp(h, "Basic ", 6) != 0) {
		challenge(req, "CalDAV signs in with HTTP Basic: your email "
		    "and an app password");
		return -1;
	}
	h += 6;
	while (*h == ' ')
		h++;
	if ((n = b64_decode(h, strlen(h), plain, sizeof(plain))) < 0 ||
	    memchr(plain, '\0', (size_t)n) != NULL ||
	    utf8_count(plain, (size_t)n, UTF8_NO_CTL) < 0 ||
	    (colon = strchr(plain, ':')) == NULL ||
	    strchr(colon + 1, ':') != NULL) {
		challenge(req, "the Basic credentials cannot be read");
		goto wipe;
	}
	elen = (size_t)(colon - plain);
	pw = plain + elen + 1;
	if (elen == 0 || elen > ACCOUNT_EMAIL_MAX || *pw == '\0' ||
	    strlen(pw) > APPPASS_INPUT_MAX) {
		challenge(req, "wrong email or app password");
		goto wipe;
	}
	plain[elen] = '\0';
	memcpy(ctx->email, plain, elen + 1);
	rc = apppass_check(ctx->app->db, ctx->email, pw, req->remote_addr,
	    time(NULL), ctx->user_id, &retry);
	switch (rc) {
	case APPPASS_OK:
		break;
	case APPPASS_LIMITED:
		(void)http_add_header(req, "Retry-After", "%d",
		    retry > 0 ? retry : 1);
		dav_error(req, 429, NULL, "too many failed sign-ins; retry "
		    "later");
		goto wipe;
	case APPPASS_UNAVAILABLE:
		(void)http_add_header(req, "Retry-After", "5");
		dav_error(req, 503, NULL, "the service is temporarily "
		    "unavailable; try again shortly");
		goto wipe;
	case APPPASS_ERROR:
		dav_error(req, 500, NULL, "internal error");
		goto wipe;
	default:
		challenge(req, "wrong email or app password");
		goto wipe;
	}
	explicit_bzero(plain, sizeof(plain));
	memcpy(req->user_id, ctx->user_id, sizeof(ctx->user_id));
	ctx->ev.db = ctx->app->db;
	ctx->ev.occ = ctx->app->occ;
	ctx->ev.user_id = ctx->user_id;
	ctx->ev.now = time(NULL);
	return 0;
wipe:
	explicit_bzero(plain, sizeof(plain));
	return -1;
}
