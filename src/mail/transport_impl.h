/* transport_impl.h — what the transports share; not for other modules. */
#ifndef AURORA_TRANSPORT_IMPL_H
#define AURORA_TRANSPORT_IMPL_H

#include <stdint.h>

#include "mail/tbucket.h"
#include "mail/transport.h"

struct transport_ops {
	const char	*name;
	int		(*run)(struct transport *, const struct transport_source *);
	int		(*quota)(struct transport *, char *, size_t);
	/* Reaches the provider without sending anything; 0 or -1 + err. */
	int		(*check)(struct transport *, char *, size_t);
	void		(*free)(struct transport *);
};

struct transport {
	const struct transport_ops	*ops;
	const struct conf		*conf;
	struct tbucket			 bucket;
	void				*impl;
};

int transport_ses_init(struct transport *t, char *err, size_t errlen);
int transport_smtp_init(struct transport *t, char *err, size_t errlen);
int transport_file_init(struct transport *t, char *err, size_t errlen);

/* Waits (sleeping) until the rate limit allows one more send; returns 0. */
int transport_pace(struct transport *t);

/* Fills r; fmt describes an error (ignored for TRANSPORT_SENT). */
void transport_result_set(struct transport_result *r,
    enum transport_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* SES: sorts an answer (HTTP status, curl code, x-amzn-ErrorType or body
 * error type, Retry-After seconds) into a result. */
void transport_ses_classify(long http_status, int curl_code,
    const char *error_type, const char *body, long retry_after_s,
    struct transport_result *r);

#endif
