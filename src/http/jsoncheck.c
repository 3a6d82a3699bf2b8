/* jsoncheck.c — an RFC 8259 grammar check run before json-c builds objects.
 * json-c 0.16 in strict mode still takes single-quoted strings, NaN,
 * Infinity, raw control characters and lone UTF-16 surrogates; clients get
 * invalid_json for those instead. UTF-8 itself is checked by json-c. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http/internal.h"

struct jc {
	const unsigned char	*p, *end;
	int			 depth, maxdepth;
	const char		*why;
};

static void
jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jc_fail(struct jc *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return -1;
}

static int
jc_hex4(struct jc *j, unsigned *out)
{
	unsigned	v = 0;
	int		i, c;

	if (j->end - j->p < 4)
		return jc_fail(j, "bad \\u escape");
	for (i = 0; i < 4; i++) {
		c = j->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return jc_fail(j, "bad \\u escape");
	}
	j->p += 4;
	*out = v;
	return 0;
}

static int
jc_string(struct jc *j)
{
	unsigned u, lo;

	j->p++;	/* opening quote */
	while (j->p < j->end) {
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if (*j->p < 0x20)
			return jc_fail(j, "control character in a string");
		if (*j->p != '\\') {
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			break;
		switch (*j->p++) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			break;
		case 'u':
			if (jc_hex4(j, &u) == -1)
				return -1;
			if (u == 0)
				return jc_fail(j, "NUL character in a string");
			if (u >= 0xdc00 && u <= 0xdfff)
				return jc_fail(j, "lone UTF-16 surrogate");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (j->end - j->p < 2 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return jc_fail(j, "lone UTF-16 surrogate");
				j->p += 2;
				if (jc_hex4(j, &lo) == -1)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jc_fail(j, "lone UTF-16 surrogate");
			}
			break;
		default:
			return jc_fail(j, "bad escape in a string");
		}
	}
	return jc_fail(j, "unterminated string");
}

static int
jc_digits(struct jc *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : jc_fail(j, "bad number");
}

static int
jc_number(struct jc *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (jc_digits(j) == -1)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (jc_digits(j) == -1)
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (jc_digits(j) == -1)
			return -1;
	}
	return 0;
}

static int
jc_literal(struct jc *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jc_fail(j, "unexpected character");
	j->p += n;
	return 0;
}

static int jc_value(struct jc *j);

static int
jc_container(struct jc *j, int object)
{
	char close = object ? '}' : ']';

	if (++j->depth > j->maxdepth)
		return jc_fail(j, "nested too deeply");
	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if (object) {
			if (j->p >= j->end || *j->p != '"')
				return jc_fail(j, "expected a quoted member name");
			if (jc_string(j) == -1)
				return -1;
			jc_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jc_fail(j, "expected ':'");
			j->p++;
		}
		if (jc_value(j) == -1)
			return -1;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			jc_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		return jc_fail(j, object ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
}

static int
jc_value(struct jc *j)
{
	jc_ws(j);
	if (j->p >= j->end)
		return jc_fail(j, "unexpected end of input");
	switch (*j->p) {
	case '{':
		return jc_container(j, 1);
	case '[':
		return jc_container(j, 0);
	case '"':
		return jc_string(j);
	case 't':
		return jc_literal(j, "true");
	case 'f':
		return jc_literal(j, "false");
	case 'n':
		return jc_literal(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jc_number(j);
		return jc_fail(j, "unexpected character");
	}
}

int
http_json_check(const char *data, size_t len, int maxdepth, char *why,
    size_t whylen)
{
	struct jc j;

	j.p = (const unsigned char *)data;
	j.end = j.p + len;
	j.depth = 0;
	j.maxdepth = maxdepth;
	j.why = NULL;
	if (jc_value(&j) == 0) {
		jc_ws(&j);
		if (j.p == j.end)
			return 0;
		jc_fail(&j, "data after the JSON value");
	}
	snprintf(why, whylen, "body is not valid JSON: %s at byte %zu", j.why,
	    (size_t)(j.p - (const unsigned char *)data));
	return -1;
}
