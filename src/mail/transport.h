/* transport.h — handing finished messages to a mail provider: Amazon SES
 * (v2 SendEmail over HTTPS, SigV4-signed by libcurl, several requests in
 * flight), SMTP (libcurl, STARTTLS, AUTH) or a directory of .eml files.
 *
 * The caller supplies messages one at a time through a source and learns
 * each result as soon as it is known, so that it can record it before the
 * next wait: the window in which a sent mail is not yet marked sent stays
 * as small as one database round trip. */
#ifndef AURORA_TRANSPORT_H
#define AURORA_TRANSPORT_H

#include <stddef.h>

#include "core/conf.h"

#define TRANSPORT_ERR_MAX	512
#define TRANSPORT_ID_MAX	256

enum transport_status {
	TRANSPORT_SENT,		/* accepted by the provider */
	TRANSPORT_RETRY,	/* temporary: throttled, 5xx, network */
	TRANSPORT_FAILED,	/* permanent for this message */
	TRANSPORT_PAUSE		/* not this message's fault (credentials,
				 * account paused, provider unreachable):
				 * it was not sent; stop sending for now */
};

struct transport_result {
	enum transport_status	 status;
	long			 retry_after_ms;	/* 0: none given */
	char			 provider_id[TRANSPORT_ID_MAX];
	char			 error[TRANSPORT_ERR_MAX];
};

struct transport_msg {
	long long	 id;		/* outbox id, for names and logs */
	int		 attempt;
	const char	*from;		/* header form: "Name <addr>" */
	const char	*from_addr;	/* envelope: bare address */
	const char	*to_addr;
	const char	*data;		/* the MIME message, CRLF lines */
	size_t		 len;
	void		*cookie;	/* the caller's */
};

/* Where messages come from and where results go. next returns the next
 * message to send or NULL when there is none (or the caller wants to stop);
 * the message must stay valid until done is called for it. done may make
 * next return NULL from then on. flush is called after each burst of done
 * calls, before the transport waits again: a caller may hold results from
 * done and record them together there, without delaying any of them. */
struct transport_source {
	struct transport_msg	*(*next)(void *arg);
	void			 (*done)(void *arg, struct transport_msg *m,
				     const struct transport_result *r);
	void			 (*flush)(void *arg);
	void			*arg;
};

struct transport;

/* Creates the transport conf->mail_transport names. Returns NULL with a
 * message in err on a configuration error. Free with transport_free. */
struct transport *transport_new(const struct conf *c, char *err,
    size_t errlen);
void transport_free(struct transport *t);

/* Sends every message src yields, paced at conf->max_send_rate, calling
 * src->done once per message. Returns 0 when the source ran dry, -1 on an
 * internal error (messages yielded but not done were not sent). */
int transport_run(struct transport *t, const struct transport_source *src)
    __attribute__((warn_unused_result));

/* SES only: prints the account's sending quota (GetAccount). Returns 0, or
 * -1 with a message in err. */
int transport_quota(struct transport *t, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Reaches the provider without sending: SES GetAccount (printing the
 * quota), SMTP up to AUTH and a NOOP, the file directory's permissions.
 * Returns 0, or -1 with a message in err. */
int transport_check(struct transport *t, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The name in the configuration ("ses", "smtp", "file"). */
const char *transport_name(const struct transport *t);

#endif
