/* sigv4.h — AWS credentials and region, and the libcurl settings that make
 * it sign a request with Signature Version 4 (CURLOPT_AWS_SIGV4). We only
 * configure; libcurl computes the signature. */
#ifndef AURORA_SIGV4_H
#define AURORA_SIGV4_H

#include <stddef.h>

#include <curl/curl.h>

#include "core/conf.h"

struct sigv4_creds {
	char	key_id[256];
	char	secret[256];
	char	token[CONF_STR_MAX];	/* "" unless temporary credentials */
	char	region[64];
};

/* Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN when set, else from the configuration; the region from
 * ses_region, else AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. Returns
 * 0, or -1 with a message in err (never containing a secret). */
int sigv4_creds_load(const struct conf *c, struct sigv4_creds *cr,
    char *err, size_t errlen) __attribute__((warn_unused_result));

/* Makes h sign its requests for service in cr->region: sets
 * CURLOPT_AWS_SIGV4 ("aws:amz:REGION:SERVICE") and the key pair, and appends
 * X-Amz-Security-Token to *headers for temporary credentials (the caller
 * sets CURLOPT_HTTPHEADER after adding its own headers, and frees the list).
 * Returns 0 or -1. */
int sigv4_apply(CURL *h, const struct sigv4_creds *cr, const char *service,
    struct curl_slist **headers) __attribute__((warn_unused_result));

#endif
