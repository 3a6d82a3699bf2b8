/* issuers.c — the external issuers file and JWKS fetching (see issuers.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "auth/issuers.h"
#include "core/buf.h"
#include "core/log.h"

char *
issuers_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*data = NULL;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, data + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read failed", path);
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	data[got] = '\0';
	*len = got;
	return data;
fail:
	free(data);
	close(fd);
	return NULL;
}

static size_t
fetch_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	if (nmemb != 0 && size > ((size_t)-1) / nmemb)
		return 0;
	/* A short count makes curl stop: the document is over its cap. */
	if (buf_add(b, ptr, size * nmemb) != BUF_OK)
		return 0;
	return size * nmemb;
}

/* 1 if url is https://, or http:// to a loopback host (tests, sidecars). */
static int
uri_allowed(const char *url)
{
	static const char *const loop[] = {
		"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
		"http://localhost/", "http://[::1]:", "http://[::1]/", NULL
	};
	size_t i;

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	for (i = 0; loop[i] != NULL; i++)
		if (strncasecmp(url, loop[i], strlen(loop[i])) == 0)
			return 1;
	return 0;
}

int
issuers_refetch(struct verify_issuer *is, time_t now)
{
	CURL		*curl = NULL;
	struct buf	 b;
	char		 err[256];
	long		 status = 0;
	int		 rc = -1, n;

	if (is->jwks_uri[0] == '\0')
		return 0;
	if (is->jwks_tried != 0 && now - is->jwks_tried < VERIFY_JWKS_REFETCH &&
	    now >= is->jwks_tried)
		return 0;
	is->jwks_tried = now;
	buf_init(&b, KEYSET_JWKS_MAX);
	if ((curl = curl_easy_init()) == NULL)
		goto out;
	if (curl_easy_setopt(curl, CURLOPT_URL, is->jwks_uri) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http") !=
	    CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 3L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_TIMEOUT,
	    (long)ISSUERS_FETCH_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_USERAGENT, "aurora-time") !=
	    CURLE_OK)
		goto out;
	if (curl_easy_perform(curl) != CURLE_OK) {
		log_msg(LOG_WARN, "jwks_fetch", "%s: fetch failed",
		    is->jwks_uri);
		goto out;
	}
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || status != 200) {
		log_msg(LOG_WARN, "jwks_fetch", "%s: HTTP status %ld",
		    is->jwks_uri, status);
		goto out;
	}
	err[0] = '\0';
	if ((n = keyset_load_jwks(&is->keys, b.data ? b.data : "", b.len, err,
	    sizeof(err))) == -1) {
		log_msg(LOG_WARN, "jwks_fetch", "%s: %s", is->jwks_uri, err);
		goto out;
	}
	log_msg(LOG_INFO, "jwks_fetch", "%s: %d keys", is->jwks_uri, n);
	is->keys_gen++;
	rc = 1;
out:
	if (curl != NULL)
		curl_easy_cleanup(curl);
	buf_free(&b);
	return rc;
}

static int
load_one(struct verifier *v, json_object *o, size_t idx, char *err,
    size_t errlen)
{
	struct verify_issuer	*is = NULL;
	json_object		*iss = NULL, *file = NULL, *uri = NULL;
	json_object		*clients = NULL, *algs = NULL, *tu = NULL, *x;
	char			 list[128], why[256], *jwks = NULL;
	size_t			 i, n, len, used = 0;
	int			 rc = -1;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "issuer %zu: not an object", idx);
		return -1;
	}
	{
		json_object_object_foreach(o, key, val) {
			if (strcmp(key, "issuer") == 0)
				iss = val;
			else if (strcmp(key, "jwks_file") == 0)
				file = val;
			else if (strcmp(key, "jwks_uri") == 0)
				uri = val;
			else if (strcmp(key, "client_ids") == 0)
				clients = val;
			else if (strcmp(key, "algorithms") == 0)
				algs = val;
			else if (strcmp(key, "require_token_use") == 0)
				tu = val;
			else {
				snprintf(err, errlen, "issuer %zu: unknown "
				    "member \"%s\"", idx, key);
				return -1;
			}
		}
	}
	if (iss == NULL || !json_object_is_type(iss, json_type_string) ||
	    strncmp(json_object_get_string(iss), "https://", 8) != 0) {
		snprintf(err, errlen, "issuer %zu: \"issuer\" must be an "
		    "https:// URL", idx);
		return -1;
	}
	if ((is = verify_add_issuer(v, json_object_get_string(iss))) == NULL) {
		snprintf(err, errlen, "issuer %zu: %s is repeated, too long, "
		    "or one issuer too many", idx, json_object_get_string(iss));
		return -1;
	}
	if ((file == NULL) == (uri == NULL)) {
		snprintf(err, errlen, "%s: give one of jwks_file and jwks_uri",
		    is->iss);
		goto out;
	}
	if (clients == NULL || !json_object_is_type(clients, json_type_array) ||
	    (n = json_object_array_length(clients)) == 0) {
		snprintf(err, errlen, "%s: client_ids must list at least one "
		    "app client id", is->iss);
		goto out;
	}
	for (i = 0; i < n; i++) {
		x = json_object_array_get_idx(clients, i);
		if (!json_object_is_type(x, json_type_string) ||
		    verify_add_client(is, json_object_get_string(x)) == -1) {
			snprintf(err, errlen, "%s: client_ids[%zu] is not a "
			    "usable client id", is->iss, i);
			goto out;
		}
	}
	if (algs != NULL) {
		if (!json_object_is_type(algs, json_type_array) ||
		    json_object_array_length(algs) == 0) {
			snprintf(err, errlen, "%s: algorithms must be a "
			    "non-empty list", is->iss);
			goto out;
		}
		list[0] = '\0';
		for (i = 0; i < json_object_array_length(algs); i++) {
			x = json_object_array_get_idx(algs, i);
			if (!json_object_is_type(x, json_type_string) ||
			    strchr(json_object_get_string(x), ',') != NULL ||
			    (len = strlen(json_object_get_string(x))) + used +
			    2 >= sizeof(list)) {
				snprintf(err, errlen, "%s: algorithms[%zu] is "
				    "not supported", is->iss, i);
				goto out;
			}
			memcpy(list + used, json_object_get_string(x), len);
			used += len;
			list[used++] = ',';
			list[used] = '\0';
		}
		if (verify_set_algs(is, list, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: %s", is->iss, why);
			goto out;
		}
	}
	if (tu != NULL) {
		if (!json_object_is_type(tu, json_type_boolean)) {
			snprintf(err, errlen, "%s: require_token_use must be "
			    "true or false", is->iss);
			goto out;
		}
		is->require_token_use = json_object_get_boolean(tu);
	}
	if (file != NULL) {
		if (!json_object_is_type(file, json_type_string) ||
		    snprintf(is->jwks_file, sizeof(is->jwks_file), "%s",
		    json_object_get_string(file)) >= (int)sizeof(is->jwks_file)) {
			snprintf(err, errlen, "%s: bad jwks_file", is->iss);
			goto out;
		}
		if ((jwks = issuers_read_file(is->jwks_file, KEYSET_JWKS_MAX,
		    &len, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "%s: %s", is->iss, why);
			goto out;
		}
		if (keyset_load_jwks(&is->keys, jwks, len, why, sizeof(why)) <=
		    0) {
			snprintf(err, errlen, "%s: %s: %s", is->iss,
			    is->jwks_file, why[0] ? why : "no usable key");
			goto out;
		}
	} else {
		if (!json_object_is_type(uri, json_type_string) ||
		    !uri_allowed(json_object_get_string(uri)) ||
		    snprintf(is->jwks_uri, sizeof(is->jwks_uri), "%s",
		    json_object_get_string(uri)) >= (int)sizeof(is->jwks_uri)) {
			snprintf(err, errlen, "%s: jwks_uri must be an https:// "
			    "URL", is->iss);
			goto out;
		}
	}
	rc = 0;
out:
	free(jwks);
	return rc;
}

int
issuers_load_file(struct verifier *v, const char *path, char *err,
    size_t errlen)
{
	json_tokener	*tok = NULL;
	json_object	*doc = NULL;
	char		*data = NULL;
	size_t		 len, i, n = 0;
	int		 rc = -1;

	if ((data = issuers_read_file(path, ISSUERS_FILE_MAX, &len, err,
	    errlen)) == NULL)
		return -1;
	if ((tok = json_tokener_new_ex(8)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	doc = json_tokener_parse_ex(tok, data, (int)len);
	if (doc == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(doc, json_type_array)) {
		snprintf(err, errlen, "%s: not a JSON array of issuers", path);
		goto out;
	}
	n = json_object_array_length(doc);
	for (i = 0; i < n; i++) {
		char why[2048];

		if (load_one(v, json_object_array_get_idx(doc, i), i, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: %s", path, why);
			goto out;
		}
	}
	rc = (int)n;
out:
	json_object_put(doc);
	if (tok != NULL)
		json_tokener_free(tok);
	free(data);
	return rc;
}
