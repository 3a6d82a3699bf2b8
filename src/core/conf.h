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
	long	max_body;			/* bytes of a JSON request body */
	long	max_import_body;		/* bytes of an ICS import body */
	char	log_level[16];
	char	public_url[CONF_STR_MAX];	/* base URL users reach, no trailing / */
	char	sql_dir[CONF_STR_MAX];		/* migrations */
	/* database */
	char	db_conninfo[CONF_STR_MAX];	/* API role */
	char	db_admin_conninfo[CONF_STR_MAX];	/* schema owner: migrations */
	char	db_remind_conninfo[CONF_STR_MAX];	/* reminder sender role */
	int	db_prepared;			/* server-side prepared statements */
	int	db_connect_timeout;		/* seconds */
	int	db_statement_timeout;		/* milliseconds */
};

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
