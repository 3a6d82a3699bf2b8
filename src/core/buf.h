/* buf.h — a growable byte buffer with a hard cap, for bytes that arrive from
 * outside (request bodies, mail bodies): growth stops at the cap, never later. */
#ifndef AURORA_BUF_H
#define AURORA_BUF_H

#include <stddef.h>

struct buf {
	char	*data;	/* always NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 alloc;
	size_t	 cap;	/* most bytes len may reach */
};

enum buf_err {
	BUF_OK = 0,
	BUF_TOO_BIG,	/* the cap would be passed; the buffer is unchanged */
	BUF_NOMEM
};

/* Starts an empty buffer that may hold up to cap bytes. */
void buf_init(struct buf *b, size_t cap);
/* Appends len bytes; on failure the buffer keeps its old contents. */
enum buf_err buf_add(struct buf *b, const void *data, size_t len)
    __attribute__((warn_unused_result));
enum buf_err buf_addstr(struct buf *b, const char *s)
    __attribute__((warn_unused_result));
enum buf_err buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
/* Empties the buffer but keeps its memory for reuse. */
void buf_reset(struct buf *b);
/* Releases the memory; safe on a zeroed or already-freed buffer. */
void buf_free(struct buf *b);
/* Hands the bytes to the caller (free() them) and leaves b empty. */
char *buf_detach(struct buf *b);

#endif
