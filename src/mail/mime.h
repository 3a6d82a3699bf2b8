/* mime.h — RFC 5322 / RFC 2045 messages: UTF-8 headers as RFC 2047 encoded
 * words, a multipart/alternative body of quoted-printable text and HTML,
 * CRLF line ends and no line over 78 characters. */
#ifndef AURORA_MIME_H
#define AURORA_MIME_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

#define MIME_ADDR_MAX		254	/* RFC 5321 path limit */
#define MIME_NAME_MAX		256	/* display name bytes */
#define MIME_MESSAGE_MAX	(1 << 20)	/* whole message */

struct mime_msg {
	const char	*from;		/* "Display Name <addr>" or "addr" */
	const char	*to;		/* a bare address */
	const char	*subject;	/* UTF-8, any length */
	const char	*text;		/* UTF-8 plain text body */
	const char	*html;		/* UTF-8 HTML document, NULL: none */
	const char	*message_id;	/* without the angle brackets */
	long long	 outbox_id;	/* > 0: sent as X-Aurora-Outbox-Id */
	time_t		 date;
	const char	*boundary;	/* NULL: a random one */
};

/* Splits "Display Name <addr>" (or a bare "addr") into its parts. Returns 0,
 * or -1 when spec is malformed or a part does not fit. */
int mime_addr_split(const char *spec, char *name, size_t namelen,
    char *addr, size_t addrlen) __attribute__((warn_unused_result));

/* 1 if addr is a plain ASCII local@domain address we are willing to put on
 * an envelope and in a header, else 0. */
int mime_addr_valid(const char *addr);

/* Appends "Name: value" CRLF, folded; value is sanitised (control
 * characters become spaces) and RFC 2047 encoded when not plain ASCII or
 * too long for one line. */
int mime_header(struct buf *out, const char *name, const char *value)
    __attribute__((warn_unused_result));

/* Appends text as quoted-printable with CRLF line ends. */
int mime_qp(struct buf *out, const char *text)
    __attribute__((warn_unused_result));

/* Formats t as an RFC 5322 date in UTC ("Wed, 25 Nov 2026 18:41:47 +0000"). */
int mime_date(time_t t, char *out, size_t outlen);

/* Builds the whole message into out (which the caller set up with
 * buf_init; MIME_MESSAGE_MAX is a good cap). Returns 0, or -1 when an
 * address is invalid, the message is too big or memory ran out; out may
 * then hold a partial message. */
int mime_build(const struct mime_msg *m, struct buf *out)
    __attribute__((warn_unused_result));

#endif
