/* conf.h — the settings of aurora.conf ("key = value" lines), shared by every
 * binary, with AURORA_<KEY> environment overrides for secrets. */
#ifndef AURORA_CONF_H
#define AURORA_CONF_H

#include <stddef.h>

#define CONF_STR_MAX	1024	/* longest accepted string value */
#define CONF_ERR_MAX	512

struct conf {
	/* server */
	char	listen[CONF_STR_MAX];		/* unix:/path or tcp:host:port */
	int	socket_mode;			/* permission bits of a unix socket */
	char	socket_group[64];		/* group of a unix socket, "" keeps it */
	int	workers;			/* preforked FastCGI workers */
	int	graceful_timeout;		/* seconds a stopping worker may finish */
	int	recurrence_cache;		/* series-years memoised per worker */
	long	max_body;			/* bytes of a JSON request body */
	long	max_import_body;		/* bytes of an ICS import body */
	char	log_level[16];
	char	public_url[CONF_STR_MAX];	/* base URL users reach, no trailing / */
	char	sql_dir[CONF_STR_MAX];		/* migrations */
	/* database */
	char	db_conninfo[CONF_STR_MAX];	/* API role */
	char	db_admin_conninfo[CONF_STR_MAX];	/* schema owner: migrations */
	char	db_remind_conninfo[CONF_STR_MAX];	/* reminder sender role */
	char	db_fetch_conninfo[CONF_STR_MAX];	/* feed fetcher role */
	int	db_prepared;			/* server-side prepared statements */
	int	db_connect_timeout;		/* seconds */
	int	db_statement_timeout;		/* milliseconds */
	char	db_read_conninfo[CONF_STR_MAX];	/* a streaming replica, "": none */
	int	db_read_max_lag;		/* seconds the replica may lag */
	/* identity: src/auth */
	char	jwt_key_dir[CONF_STR_MAX];	/* <kid>.pem RSA private keys */
	char	jwt_issuer[CONF_STR_MAX];	/* "" : public_url */
	char	jwt_client_id[128];		/* the built-in app client */
	char	jwt_algorithms[64];		/* allow-list, e.g. "RS256" */
	int	access_token_ttl;		/* seconds (id tokens too) */
	int	refresh_token_ttl;		/* seconds from sign-in */
	char	external_issuers_file[CONF_STR_MAX];	/* JSON, "" : none */
	int	password_m_cost;		/* argon2id memory, KiB */
	int	password_t_cost;		/* argon2id passes */
	int	password_parallelism;		/* argon2id lanes */
	int	login_max_failures;		/* per account in the window */
	int	login_max_failures_addr;	/* per client address */
	int	login_failure_window;		/* seconds */
	int	login_max_failures_device;	/* per device token in the window */
	int	login_device_ttl;		/* seconds a device token is good */
	int	account_mail_network_hourly;	/* per /24 or /64, 0: no cap */
	int	account_mail_global_hourly;	/* whole service, 0: no cap */
	int	account_mail_global_daily;	/* whole service, 0: no cap */
	int	unconfirmed_account_days;	/* then deleted, 0: kept */
	/* mail: aurora-remind */
	char	mail_transport[16];		/* ses, smtp or file */
	char	mail_from[CONF_STR_MAX];	/* "Name <addr>" or addr */
	char	ses_region[64];			/* "" : AWS_REGION, us-east-1 */
	char	ses_endpoint[CONF_STR_MAX];	/* "" : the region's endpoint */
	char	aws_access_key_id[256];		/* AWS_* variables win */
	char	aws_secret_access_key[256];
	char	aws_session_token[CONF_STR_MAX];
	int	max_send_rate;			/* messages per second */
	int	send_concurrency;		/* requests in flight (ses) */
	char	smtp_url[CONF_STR_MAX];		/* smtp://host:587 or smtps:// */
	char	smtp_user[256];
	char	smtp_password[256];
	int	smtp_starttls;			/* require STARTTLS on smtp:// */
	char	smtp_cafile[CONF_STR_MAX];	/* "" : system CA store */
	char	mail_dir[CONF_STR_MAX];		/* file transport: .eml files */
	int	send_max_attempts;		/* then the mail is failed */
	int	send_lease_seconds;		/* a claim's lifetime */
	int	send_batch;			/* mails claimed at once */
	int	send_backoff_base_ms;		/* first retry delay */
	int	send_backoff_max_seconds;	/* longest retry delay */
	int	remind_poll_seconds;		/* --watch timer without NOTIFY */
	int	outbox_retention_days;		/* final mail kept, 0: forever */
	/* subscriptions: aurora-fetch */
	int	subscription_allow_loopback;	/* feeds on 127/8, ::1 */
	int	subscription_allow_private;	/* RFC 1918, CGNAT, ULA */
	long	subscription_max_bytes;		/* a feed's body, decoded */
	int	subscription_max_events;	/* VEVENTs per feed */
	int	subscription_max_per_user;	/* subscriptions per account */
	int	subscription_refresh_min_seconds; /* between fetches on request */
	int	subscription_timeout;		/* seconds per request */
	int	subscription_connect_timeout;	/* seconds to connect */
	int	subscription_concurrency;	/* requests in flight */
	int	subscription_retry_seconds;	/* first retry after an error */
	int	subscription_pace_percent;	/* of aurora-fetch's time */
	int	subscription_poll_seconds;	/* --watch without NOTIFY */
};

/* The sections of aurora.conf(5), docs/configuration.md and the sample. */
enum conf_section {
	CONF_SEC_SERVER,
	CONF_SEC_DATABASE,
	CONF_SEC_IDENTITY,
	CONF_SEC_MAIL,
	CONF_SEC_SUBSCRIPTIONS,
	CONF_SEC__MAX
};

/* What the documentation says of one setting (tools/confdoc). Text is
 * static; doc and shown mark literal text with `backquotes`. */
struct conf_doc {
	const char		*name;
	enum conf_section	 section;
	const char		*def;		/* default as parsed, "" : empty */
	const char		*shown;		/* default as the docs say it, or
						 * NULL: def verbatim */
	char			 range[96];	/* "1..256", "on or off", ... */
	int			 numeric;	/* range is a bound, not a form */
	const char		*sample;	/* value in the sample file */
	int			 active;	/* the sample sets it, else comment */
	int			 required;
	const char		*doc;		/* meaning, without final stop */
};

/* Number of settings; conf_doc_get() describes setting i < conf_doc_count()
 * into out (no allocation). */
size_t conf_doc_count(void);
void conf_doc_get(size_t i, struct conf_doc *out);
/* "server", "database", "identity", "mail", "subscriptions"; NULL for
 * anything else. */
const char *conf_section_name(enum conf_section s);

/* Fills c with defaults, reads path (NULL: defaults and environment only),
 * then applies AURORA_* overrides and checks required settings.
 * Returns 0, or -1 with a message naming the setting (and line) in err. */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Sets the defaults only. */
void conf_defaults(struct conf *c);

/* Sets one key from text, as a file line would; "where" prefixes errors. */
int conf_set(struct conf *c, const char *key, const char *value,
    const char *where, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
