/* jsonout.c — json-c members and elements added with failures checked
 * (see jsonout.h): one home for the put-on-failure that json-c 0.16 leaves
 * to its callers. */
#include "config.h"

#include "core/jsonout.h"

int
jsonout_add(json_object *o, const char *key, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int
jsonout_string(json_object *o, const char *key, const char *s)
{
	return jsonout_add(o, key, json_object_new_string(s));
}

int
jsonout_int(json_object *o, const char *key, int64_t n)
{
	return jsonout_add(o, key, json_object_new_int64(n));
}

int
jsonout_bool(json_object *o, const char *key, int b)
{
	return jsonout_add(o, key, json_object_new_boolean(b != 0));
}

int
jsonout_null(json_object *o, const char *key)
{
	/* NULL is json-c's JSON null; nothing to put on failure. */
	return json_object_object_add(o, key, NULL) == 0 ? 0 : -1;
}

int
jsonout_push(json_object *a, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int
jsonout_quote(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s, *run = p;
	char			 esc[6] = { '\\', 'u', '0', '0' };
	size_t			 elen;

	if (buf_add(b, "\"", 1) != BUF_OK)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		elen = 2;
		switch (*p) {
		case '"':
		case '\\':
			esc[1] = (char)*p;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			elen = 6;
		}
		if (buf_add(b, run, (size_t)(p - run)) != BUF_OK ||
		    buf_add(b, esc, elen) != BUF_OK)
			return -1;
		run = p + 1;
	}
	if (buf_add(b, run, (size_t)(p - run)) != BUF_OK ||
	    buf_add(b, "\"", 1) != BUF_OK)
		return -1;
	return 0;
}
