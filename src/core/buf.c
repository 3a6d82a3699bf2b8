/* buf.c — capped growable buffer (see buf.h). Modelled on curl's dynbuf. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

static enum buf_err
buf_grow(struct buf *b, size_t need)
{
	size_t	 want;
	char	*p;

	if (need > b->cap || need + 1 < need)
		return BUF_TOO_BIG;
	if (need + 1 <= b->alloc)
		return BUF_OK;
	want = b->alloc ? b->alloc : 64;
	while (want < need + 1)
		want = want > (size_t)-1 / 2 ? need + 1 : want * 2;
	if (want > b->cap + 1)
		want = b->cap + 1;
	if ((p = realloc(b->data, want)) == NULL)
		return BUF_NOMEM;
	b->data = p;
	b->alloc = want;
	return BUF_OK;
}

enum buf_err
buf_add(struct buf *b, const void *data, size_t len)
{
	enum buf_err rc;

	if (len > b->cap - b->len)
		return BUF_TOO_BIG;
	if ((rc = buf_grow(b, b->len + len)) != BUF_OK)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return BUF_OK;
}

enum buf_err
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum buf_err
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list		 ap;
	int		 n;
	enum buf_err	 rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return BUF_NOMEM;
	if ((size_t)n > b->cap - b->len)
		return BUF_TOO_BIG;
	if ((rc = buf_grow(b, b->len + (size_t)n)) != BUF_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return BUF_OK;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

char *
buf_detach(struct buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = b->alloc = 0;
	return p;
}
