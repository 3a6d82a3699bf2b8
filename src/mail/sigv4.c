/* sigv4.c — credentials and libcurl SigV4 set-up (see sigv4.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/sigv4.h"

static int
pick(char *out, size_t outlen, const char *env, const char *conf)
{
	const char *v = getenv(env);

	if (v == NULL || *v == '\0')
		v = conf;
	if (strlen(v) >= outlen)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int
header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
sigv4_creds_load(const struct conf *c, struct sigv4_creds *cr, char *err,
    size_t errlen)
{
	const char	*r = c->ses_region, *p;

	memset(cr, 0, sizeof(*cr));
	if (pick(cr->key_id, sizeof(cr->key_id), "AWS_ACCESS_KEY_ID",
	    c->aws_access_key_id) == -1 ||
	    pick(cr->secret, sizeof(cr->secret), "AWS_SECRET_ACCESS_KEY",
	    c->aws_secret_access_key) == -1 ||
	    pick(cr->token, sizeof(cr->token), "AWS_SESSION_TOKEN",
	    c->aws_session_token) == -1) {
		snprintf(err, errlen, "an AWS credential is too long");
		return -1;
	}
	if (cr->key_id[0] == '\0' || cr->secret[0] == '\0') {
		snprintf(err, errlen, "no AWS credentials: set AWS_ACCESS_KEY_ID "
		    "and AWS_SECRET_ACCESS_KEY (or aws_access_key_id and "
		    "aws_secret_access_key)");
		return -1;
	}
	if (strchr(cr->key_id, ':') != NULL || !header_safe(cr->key_id) ||
	    !header_safe(cr->secret) || !header_safe(cr->token)) {
		snprintf(err, errlen, "an AWS credential holds a character it "
		    "cannot hold");
		return -1;
	}
	if (*r == '\0' && ((r = getenv("AWS_REGION")) == NULL || *r == '\0') &&
	    ((r = getenv("AWS_DEFAULT_REGION")) == NULL || *r == '\0'))
		r = "us-east-1";
	for (p = r; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			break;
	if (*p != '\0' || strlen(r) >= sizeof(cr->region)) {
		snprintf(err, errlen, "invalid AWS region \"%.64s\"", r);
		return -1;
	}
	memcpy(cr->region, r, strlen(r) + 1);
	return 0;
}

int
sigv4_apply(CURL *h, const struct sigv4_creds *cr, const char *service,
    struct curl_slist **headers)
{
	char			 param[128], tok[CONF_STR_MAX + 32];
	struct curl_slist	*l;

	/* The service is named explicitly: libcurl would derive "email"
	 * from SES's host name, and a custom endpoint has none at all. */
	if (snprintf(param, sizeof(param), "aws:amz:%s:%s", cr->region,
	    service) >= (int)sizeof(param))
		return -1;
	if (curl_easy_setopt(h, CURLOPT_AWS_SIGV4, param) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERNAME, cr->key_id) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD, cr->secret) != CURLE_OK)
		return -1;
	if (cr->token[0] != '\0') {
		snprintf(tok, sizeof(tok), "X-Amz-Security-Token: %s",
		    cr->token);
		if ((l = curl_slist_append(*headers, tok)) == NULL)
			return -1;
		*headers = l;
	}
	return 0;
}
