/* route.c — matching a request path against the route table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http/route.h"

/* Compares path with pattern segment by segment, capturing "{}" segments.
 * Returns 1 on a match. A captured segment must be non-empty and short. */
static int
route_path_match(const char *pattern, const char *path,
    char params[HTTP_PARAM_MAX][HTTP_SEGMENT_MAX])
{
	size_t		 np = 0, seg, suf;
	const char	*slash;

	while (*pattern != '\0' && *path != '\0') {
		if (pattern[0] == '{' && pattern[1] == '}') {
			/* A literal suffix ("{}.ics") stays out of the
			 * capture and is compared as usual afterwards. */
			suf = strcspn(pattern + 2, "/");
			slash = strchr(path, '/');
			seg = slash ? (size_t)(slash - path) : strlen(path);
			if (seg <= suf || memcmp(path + seg - suf, pattern + 2,
			    suf) != 0)
				return 0;
			seg -= suf;
			if (seg >= HTTP_SEGMENT_MAX || np >= HTTP_PARAM_MAX)
				return 0;
			memcpy(params[np], path, seg);
			params[np][seg] = '\0';
			np++;
			path += seg;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/* 1 when path is prefix (which ends in '/') without its last slash, or
 * starts with it. */
static int
route_prefix_match(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (n > 0 && strncmp(path, prefix, n - 1) == 0 && path[n - 1] == '\0')
		return 1;
	return strncmp(path, prefix, n) == 0;
}

enum route_result
route_match(const struct route *table, size_t n, struct http_req *req,
    const struct route **found, char *allow, size_t allowlen)
{
	char		 params[HTTP_PARAM_MAX][HTTP_SEGMENT_MAX];
	size_t		 i, used = 0;
	int		 path_seen = 0, m = req->method;
	unsigned	 listed = 0;

	*found = NULL;
	if (allowlen > 0)
		allow[0] = '\0';
	if (m == HTTP_HEAD)
		m = HTTP_GET;
	for (i = 0; i < n; i++) {
		if (table[i].flags & ROUTE_PREFIX) {
			if (!route_prefix_match(table[i].pattern, req->path))
				continue;
			memset(req->params, 0, sizeof(req->params));
			req->route = table[i].pattern;
			req->route_idx = (int)i;
			*found = &table[i];
			return ROUTE_FOUND;
		}
		if (!route_path_match(table[i].pattern, req->path, params))
			continue;
		if (table[i].method == m) {
			memcpy(req->params, params, sizeof(params));
			req->route = table[i].pattern;
			req->route_idx = (int)i;
			*found = &table[i];
			return ROUTE_FOUND;
		}
		path_seen = 1;
		if (listed & (1u << table[i].method))
			continue;
		listed |= 1u << table[i].method;
		used += (size_t)snprintf(allow + used, allowlen > used ?
		    allowlen - used : 0, "%s%s", used ? ", " : "",
		    http_method_name(table[i].method));
		if (used >= allowlen)
			used = allowlen ? allowlen - 1 : 0;
	}
	return path_seen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
