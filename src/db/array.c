/* array.c — PostgreSQL array literals (see array.h). */
#include "config.h"

#include <stdio.h>

#include "db/array.h"

/* A comma unless the literal was just opened. */
static int
sep(struct buf *b)
{
	if (b->len == 0 || b->data[b->len - 1] == '{')
		return 0;
	return buf_add(b, ",", 1) == BUF_OK ? 0 : -1;
}

int
db_array_open(struct buf *b)
{
	return buf_add(b, "{", 1) == BUF_OK ? 0 : -1;
}

int
db_array_int(struct buf *b, long long v)
{
	if (sep(b) == -1)
		return -1;
	return buf_printf(b, "%lld", v) == BUF_OK ? 0 : -1;
}

int
db_array_text(struct buf *b, const char *s)
{
	if (sep(b) == -1)
		return -1;
	if (s == NULL)
		return buf_addstr(b, "NULL") == BUF_OK ? 0 : -1;
	if (buf_add(b, "\"", 1) != BUF_OK)
		return -1;
	for (; *s != '\0'; s++) {
		if ((*s == '"' || *s == '\\') && buf_add(b, "\\", 1) != BUF_OK)
			return -1;
		if (buf_add(b, s, 1) != BUF_OK)
			return -1;
	}
	return buf_add(b, "\"", 1) == BUF_OK ? 0 : -1;
}

int
db_array_close(struct buf *b)
{
	return buf_add(b, "}", 1) == BUF_OK ? 0 : -1;
}

int
db_array_ints(const int *v, size_t n, char *out, size_t outlen)
{
	struct buf	 b;
	size_t		 i;
	int		 rc = -1;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	buf_init(&b, outlen - 1);
	if (db_array_open(&b) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (db_array_int(&b, v[i]) == -1)
			goto out;
	if (db_array_close(&b) == -1)
		goto out;
	snprintf(out, outlen, "%s", b.data);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}
