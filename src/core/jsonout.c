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
