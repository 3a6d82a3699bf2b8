/* check_sigv4.c — proves that the way we drive libcurl's SigV4 signing
 * (sigv4_apply) yields AWS's expected Authorization header, using AWS's
 * published test vectors (aws-sigv4-test-suite/v4, found beside the
 * checkout in ../shared, or at $AURORA_SIGV4_SUITE). Each request goes to a
 * listener on loopback, which records what libcurl actually sent.
 *
 * The cases SES sending relies on must pass. The rest are run and reported;
 * libcurl 7.88 is known to canonicalise some query strings, duplicate
 * headers and UTF-8/space paths differently (fixed in 8.3-8.13), so those
 * are expected failures, listed here and printed, not hidden. Without the
 * vectors the program exits 77 (automake: SKIP) and says why. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "mail/sigv4.h"

static const char *const required[] = {
	"get-vanilla", "get-vanilla-with-session-token", "post-vanilla",
	"post-header-key-case", "post-header-key-sort",
	"post-header-value-case", NULL
};

static char	suite_dir[4096];

struct capture {
	int	fd;
	char	auth[1024];
	char	raw[16384];
};

static void *
listener(void *arg)
{
	struct capture	*c = arg;
	const char	*ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
			    "Connection: close\r\n\r\n";
	char		*hdr_end, *p, *eol, *cl;
	size_t		 got = 0, want = 0;
	ssize_t		 n;
	int		 s;

	if ((s = accept(c->fd, NULL, NULL)) == -1)
		return NULL;
	while (got < sizeof(c->raw) - 1) {
		if ((n = read(s, c->raw + got, sizeof(c->raw) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		c->raw[got] = '\0';
		if ((hdr_end = strstr(c->raw, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			want = (size_t)(hdr_end - c->raw) + 4;
			if ((cl = strcasestr(c->raw, "\r\nContent-Length:")) !=
			    NULL && cl < hdr_end)
				want += strtoul(cl + 17, NULL, 10);
		}
		if (got >= want)
			break;
	}
	c->raw[got] = '\0';
	for (p = c->raw; (eol = strstr(p, "\r\n")) != NULL && eol != p;
	    p = eol + 2)
		if (strncasecmp(p, "Authorization:", 14) == 0) {
			p += 14;
			while (*p == ' ')
				p++;
			snprintf(c->auth, sizeof(c->auth), "%.*s",
			    (int)(eol - p), p);
		}
	(void)!write(s, ok, strlen(ok));
	close(s);
	return NULL;
}

static char *
slurp(const char *dir, const char *name)
{
	char	 path[8192], *buf;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs one vector. Returns 1 pass, 0 mismatch, -1 not expressible with
 * libcurl (why says so). */
static int
run_case(const char *name, char *got, size_t gotlen, char *want,
    size_t wantlen, const char **why)
{
	char			 dir[8192], url[4096], hdr[4096], connect[128];
	char			*ctx = NULL, *req = NULL, *signed_req = NULL;
	char			*line, *eol, *body, *p, *method, *target;
	struct sigv4_creds	 cr;
	struct curl_slist	*hdrs = NULL, *ct = NULL;
	struct sockaddr_in	 sa;
	socklen_t		 salen = sizeof(sa);
	struct capture		 cap;
	json_object		*o = NULL, *cred, *v;
	pthread_t		 th;
	CURL			*h = NULL;
	int			 rc = -1, started = 0;
	const char		*service = "service";

	*why = NULL;
	got[0] = want[0] = '\0';
	memset(&cap, 0, sizeof(cap));
	cap.fd = -1;
	snprintf(dir, sizeof(dir), "%s/%s", suite_dir, name);
	if ((ctx = slurp(dir, "context.json")) == NULL ||
	    (req = slurp(dir, "request.txt")) == NULL ||
	    (signed_req = slurp(dir, "header-signed-request.txt")) == NULL) {
		*why = "case files missing";
		goto out;
	}
	if ((p = strstr(signed_req, "\nAuthorization:")) != NULL) {
		p += 15;
		snprintf(want, wantlen, "%.*s", (int)strcspn(p, "\r\n"), p);
	}
	memset(&cr, 0, sizeof(cr));
	o = json_tokener_parse(ctx);
	if (o == NULL || !json_object_object_get_ex(o, "credentials", &cred)) {
		*why = "bad context.json";
		goto out;
	}
	if (json_object_object_get_ex(cred, "access_key_id", &v))
		snprintf(cr.key_id, sizeof(cr.key_id), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(cred, "secret_access_key", &v))
		snprintf(cr.secret, sizeof(cr.secret), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(cred, "token", &v))
		snprintf(cr.token, sizeof(cr.token), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(o, "region", &v))
		snprintf(cr.region, sizeof(cr.region), "%s",
		    json_object_get_string(v));
	if (json_object_object_get_ex(o, "service", &v))
		service = json_object_get_string(v);

	/* request line: METHOD TARGET HTTP/1.1 */
	eol = strchr(req, '\n');
	if (eol == NULL) {
		*why = "bad request.txt";
		goto out;
	}
	*eol = '\0';
	method = req;
	if ((target = strchr(method, ' ')) == NULL) {
		*why = "bad request line";
		goto out;
	}
	*target++ = '\0';
	if ((p = strrchr(target, ' ')) == NULL) {
		*why = "bad request line";
		goto out;
	}
	*p = '\0';
	body = NULL;
	for (line = eol + 1; *line != '\0'; line = eol + 1) {
		if ((eol = strchr(line, '\n')) == NULL)
			eol = line + strlen(line);
		if (eol == line) {	/* blank line: the body follows */
			body = *eol ? eol + 1 : eol;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			*why = "folded header value (libcurl sends headers "
			    "as given)";
			goto out;
		}
		snprintf(hdr, sizeof(hdr), "%.*s", (int)(eol - line), line);
		if (strncasecmp(hdr, "Host:", 5) == 0) {
			if (*eol == '\0')
				break;
			continue;
		}
		if ((hdrs = curl_slist_append(hdrs, hdr)) == NULL)
			goto out;
		if (*eol == '\0')
			break;
	}
	/* The instant the vectors were signed at. */
	if ((hdrs = curl_slist_append(hdrs, "X-Amz-Date: 20150830T123600Z")) ==
	    NULL)
		goto out;

	if ((cap.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(cap.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(cap.fd, 1) == -1 ||
	    getsockname(cap.fd, (struct sockaddr *)&sa, &salen) == -1)
		goto out;
	if (pthread_create(&th, NULL, listener, &cap) != 0)
		goto out;
	started = 1;

	snprintf(url, sizeof(url), "http://example.amazonaws.com%s", target);
	snprintf(connect, sizeof(connect),
	    "example.amazonaws.com:80:127.0.0.1:%d", ntohs(sa.sin_port));
	if ((ct = curl_slist_append(NULL, connect)) == NULL ||
	    (h = curl_easy_init()) == NULL)
		goto out;
	if (sigv4_apply(h, &cr, service, &hdrs) == -1)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, ct);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	if (body != NULL && *body != '\0') {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (curl_easy_perform(h) != CURLE_OK) {
		*why = "the request failed (libcurl refused the URL?)";
		goto out;
	}
	pthread_join(th, NULL);
	started = 0;
	snprintf(got, gotlen, "%s", cap.auth);
	rc = strcmp(got, want) == 0 ? 1 : 0;
out:
	if (started) {
		shutdown(cap.fd, SHUT_RDWR);
		pthread_cancel(th);
		pthread_join(th, NULL);
	}
	if (cap.fd != -1)
		close(cap.fd);
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(ct);
	json_object_put(o);
	free(ctx);
	free(req);
	free(signed_req);
	return rc;
}

static int
is_required(const char *name)
{
	const char *const *r;

	for (r = required; *r != NULL; r++)
		if (strcmp(*r, name) == 0)
			return 1;
	return 0;
}

START_TEST(required_vectors_pass)
{
	char		 got[1024], want[1024];
	const char	*why;
	int		 i, rc;

	for (i = 0; required[i] != NULL; i++) {
		rc = run_case(required[i], got, sizeof(got), want, sizeof(want),
		    &why);
		ck_assert_msg(rc == 1, "%s: %s\n  got:  %s\n  want: %s",
		    required[i], why ? why : "signature differs", got, want);
		printf("PASS sigv4 %s\n", required[i]);
	}
}
END_TEST

/* Every other case, reported. A required case may never land here. */
START_TEST(other_vectors_reported)
{
	struct dirent	**names = NULL;
	char		 got[1024], want[1024];
	const char	*why;
	int		 n, i, rc, pass = 0, differ = 0, cannot = 0;

	n = scandir(suite_dir, &names, NULL, alphasort);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.' || is_required(names[i]->d_name)) {
			free(names[i]);
			continue;
		}
		rc = run_case(names[i]->d_name, got, sizeof(got), want,
		    sizeof(want), &why);
		if (rc == 1) {
			pass++;
			printf("PASS sigv4 %s\n", names[i]->d_name);
		} else if (rc == 0) {
			differ++;
			printf("XFAIL sigv4 %s: libcurl %s signs it "
			    "differently, a known difference (path "
			    "normalisation, query order, repeated or "
			    "multi-value headers, a signed body-hash header, "
			    "a token added after signing; see the case's "
			    "context.json); SES sending uses none of these\n",
			    names[i]->d_name,
			    curl_version_info(CURLVERSION_NOW)->version);
		} else {
			cannot++;
			printf("XFAIL sigv4 %s: %s\n", names[i]->d_name, why);
		}
		free(names[i]);
	}
	free(names);
	printf("sigv4 vectors beyond the required ones: %d pass, %d signed "
	    "differently, %d not expressible\n", pass, differ, cannot);
}
END_TEST

int
main(void)
{
	const char	*env = getenv("AURORA_SIGV4_SUITE");
	Suite		*s;
	TCase		*tc;
	SRunner		*sr;
	DIR		*d;
	int		 failed;

	if (env != NULL && *env != '\0')
		snprintf(suite_dir, sizeof(suite_dir), "%s/v4", env);
	else
		snprintf(suite_dir, sizeof(suite_dir),
		    "%s/../shared/aws-sigv4-test-suite/v4", TOP_SRCDIR);
	if ((d = opendir(suite_dir)) == NULL) {
		printf("SKIP: the SigV4 test vectors are not at %s (set "
		    "AURORA_SIGV4_SUITE to the aws-sigv4-test-suite folder)\n",
		    suite_dir);
		return 77;
	}
	closedir(d);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s = suite_create("sigv4");
	tc = tcase_create("vectors");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, required_vectors_pass);
	tcase_add_test(tc, other_vectors_reported);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
