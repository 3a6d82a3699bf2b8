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

/* Cache-Control header values of the answer, joined by commas. */
struct fetch_headers {
	char	cc[ISSUERS_CC_MAX];
	size_t	len;
	int	seen;
};

static size_t
fetch_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_headers	*h = arg;
	size_t			 n, take;

	if (nmemb != 0 && size > ((size_t)-1) / nmemb)
		return 0;
	n = size * nmemb;
	if (n < 14 || strncasecmp(ptr, "Cache-Control:", 14) != 0)
		return n;
	ptr += 14;
	take = n - 14;
	while (take > 0 && (ptr[take - 1] == '\r' || ptr[take - 1] == '\n'))
		take--;
	/* What does not fit is dropped: a header that long is no answer
	 * we need to understand, and the default age applies to it. */
	if (h->len + take + 2 > sizeof(h->cc))
		return n;
	if (h->len > 0)
		h->cc[h->len++] = ',';
	memcpy(h->cc + h->len, ptr, take);
	h->len += take;
	h->cc[h->len] = '\0';
	h->seen = 1;
	return n;
}

/* The value of a max-age directive: 1 and the seconds (capped at
 * ISSUERS_MAX_AGE_MAX + 1), 0 if it is not digits (quoted or not). */
static int
max_age_value(const char *p, size_t n, long *out)
{
	size_t	i;
	long	v = 0;

	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		if (v <= ISSUERS_MAX_AGE_MAX)
			v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 1;
}

long
issuers_max_age(const char *cc, long min_age)
{
	const char	*p = cc, *eq;
	size_t		 n, name;
	long		 age = ISSUERS_MAX_AGE_DEFAULT, v;
	int		 have = 0, nocache = 0;

	if (min_age < ISSUERS_AGE_MIN_FLOOR || min_age > ISSUERS_MAX_AGE_MAX)
		min_age = ISSUERS_MAX_AGE_MIN;
	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		eq = memchr(p, '=', n);
		name = eq != NULL ? (size_t)(eq - p) : n;
		while (name > 0 && (p[name - 1] == ' ' || p[name - 1] == '\t'))
			name--;
		if (name == 7 && strncasecmp(p, "max-age", 7) == 0 &&
		    eq != NULL && !have) {
			eq++;
			while (eq < p + n && (*eq == ' ' || *eq == '\t'))
				eq++;
			if (max_age_value(eq, (size_t)(p + n - eq), &v)) {
				age = v;
				have = 1;
			}
		} else if ((name == 8 && strncasecmp(p, "no-cache", 8) == 0) ||
		    (name == 8 && strncasecmp(p, "no-store", 8) == 0))
			nocache = 1;
		p += strcspn(p, ",");
	}
	if (nocache)
		age = 0;
	if (age < min_age)
		age = min_age;
	if (age > ISSUERS_MAX_AGE_MAX)
		age = ISSUERS_MAX_AGE_MAX;
	return age;
}

/* "RS256" or "RS256 or ES256": the algorithms is accepts. */
static void
alg_list(const struct verify_issuer *is, char *out, size_t outlen)
{
	size_t	used = 0;
	int	a;

	out[0] = '\0';
	for (a = 0; a < KEYSET_ALG__MAX; a++)
		if ((is->algs & (1u << a)) && used < outlen)
			used += (size_t)snprintf(out + used, outlen - used,
			    "%s%s", used ? " or " : "",
			    keyset_alg_name((enum keyset_alg)a));
}

int
issuers_accept_jwks(struct verify_issuer *is, const char *json, size_t len,
    long max_age, time_t now, char *err, size_t errlen)
{
	struct keyset	 fresh;
	char		 algs[64];
	size_t		 usable;
	int		 n, rc = -1;

	keyset_init(&fresh);
	if ((n = keyset_load_jwks(&fresh, json, len, err, errlen)) == -1)
		goto out;
	/* An empty set, or one whose keys all use another algorithm, would
	 * refuse every token of the issuer: a publishing mistake or an
	 * attack on the way, never a reason to drop the keys in use. */
	if ((usable = keyset_usable(&fresh, is->algs)) == 0) {
		alg_list(is, algs, sizeof(algs));
		snprintf(err, errlen, "%s holds no usable %s key; keeping the "
		    "%zu keys in use", n == 0 ? "the set is empty or" :
		    "the set", algs, is->keys.n);
		goto out;
	}
	if (!keyset_same(&fresh, &is->keys)) {
		keyset_clear(&is->keys);
		is->keys = fresh;
		keyset_init(&fresh);
		is->keys_gen++;
	}
	is->jwks_expires = now + max_age;
	rc = (int)usable;
out:
	keyset_clear(&fresh);
	return rc;
}

int
issuers_due(const struct verify_issuer *is, time_t now,
    enum issuers_need need)
{
	if (is->jwks_uri[0] == '\0')
		return 0;
	/* A clock set back makes every timestamp suspect: fetch. */
	if (is->jwks_tried != 0 && now < is->jwks_tried)
		return 1;
	if (need == ISSUERS_SCHEDULED)
		return now >= is->jwks_expires;
	return is->jwks_tried == 0 || now - is->jwks_tried >=
	    VERIFY_JWKS_REFETCH;
}

/* A failed refresh is a warning the first time and until keys come in
 * again; each worker retries every VERIFY_JWKS_REFETCH seconds, and a
 * warning a minute per worker would bury the log. */
static void
refresh_failed(struct verify_issuer *is, time_t now, const char *why)
{
	log_msg(is->jwks_warned ? LOG_DEBUG : LOG_WARN, "jwks_fetch",
	    "%s: %s", is->jwks_uri, why);
	is->jwks_warned = 1;
	if (is->jwks_expires <= now)
		is->jwks_expires = now + VERIFY_JWKS_REFETCH;
}

int
issuers_refresh(struct verify_issuer *is, time_t now,
    enum issuers_need need)
{
	CURL			*curl = NULL;
	struct buf		 b;
	struct fetch_headers	 h;
	char			 err[256];
	long			 status = 0, age;
	unsigned		 gen = is->keys_gen;
	int			 rc = -1, n;

	if (!issuers_due(is, now, need))
		return 0;
	is->jwks_tried = now;
	is->jwks_fetches++;
	memset(&h, 0, sizeof(h));
	buf_init(&b, KEYSET_JWKS_MAX);
	if ((curl = curl_easy_init()) == NULL) {
		refresh_failed(is, now, "out of memory");
		goto out;
	}
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
	    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, fetch_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_USERAGENT, "aurora-time") !=
	    CURLE_OK) {
		refresh_failed(is, now, "curl setup failed");
		goto out;
	}
	if (curl_easy_perform(curl) != CURLE_OK) {
		refresh_failed(is, now, "fetch failed");
		goto out;
	}
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || status != 200) {
		snprintf(err, sizeof(err), "HTTP status %ld", status);
		refresh_failed(is, now, err);
		goto out;
	}
	age = issuers_max_age(h.seen ? h.cc : NULL, is->jwks_age_min);
	err[0] = '\0';
	if ((n = issuers_accept_jwks(is, b.data ? b.data : "", b.len, age,
	    now, err, sizeof(err))) == -1) {
		refresh_failed(is, now, err[0] ? err : "not a usable JWKS");
		goto out;
	}
	log_msg(is->jwks_warned || is->keys_gen != gen ? LOG_INFO : LOG_DEBUG,
	    "jwks_fetch", "%s: %d usable keys of %zu, next fetch in %ld s",
	    is->jwks_uri, n, is->keys.n, age);
	is->jwks_warned = 0;
	rc = is->keys_gen != gen ? 1 : 0;
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
	json_object		*age = NULL;
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
			else if (strcmp(key, "jwks_refresh_min") == 0)
				age = val;
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
	if (age != NULL) {
		if (!json_object_is_type(age, json_type_int) ||
		    json_object_get_int64(age) < ISSUERS_AGE_MIN_FLOOR ||
		    json_object_get_int64(age) > ISSUERS_MAX_AGE_MAX) {
			snprintf(err, errlen, "%s: jwks_refresh_min must be "
			    "%d to %d seconds", is->iss, ISSUERS_AGE_MIN_FLOOR,
			    ISSUERS_MAX_AGE_MAX);
			goto out;
		}
		is->jwks_age_min = (long)json_object_get_int64(age);
	} else
		is->jwks_age_min = ISSUERS_MAX_AGE_MIN;
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
		    0 || keyset_usable(&is->keys, is->algs) == 0) {
			snprintf(err, errlen, "%s: %s: %s", is->iss,
			    is->jwks_file, why[0] ? why : "no usable key for "
			    "the issuer's algorithms");
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
