/* conf.c — aurora.conf parsing. One table lists every setting with its type
 * and range, so a typo or an out-of-range value stops start-up by name. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

enum conf_type { CT_STR, CT_INT, CT_LONG, CT_BOOL, CT_OCTAL, CT_LEVEL };

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	size_t		 size;		/* CT_STR: field size */
	long		 min, max;	/* numeric range */
	const char	*def;		/* default as text, NULL: empty/required */
	int		 required;
};

#define S(f)	offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
static const struct conf_key conf_keys[] = {
	{ "listen", CT_STR, S(listen), 0, 0, "unix:/run/aurora-time/api.sock", 0 },
	{ "socket_mode", CT_OCTAL, S(socket_mode), 0, 0777, "0660", 0 },
	{ "socket_group", CT_STR, S(socket_group), 0, 0, "", 0 },
	{ "workers", CT_INT, S(workers), 1, 256, "4", 0 },
	{ "graceful_timeout", CT_INT, S(graceful_timeout), 0, 3600, "10", 0 },
	{ "recurrence_cache", CT_INT, S(recurrence_cache), 0, 1048576, "8192",
	    0 },
	{ "max_body", CT_LONG, S(max_body), 1024, 64L << 20, "1048576", 0 },
	{ "max_import_body", CT_LONG, S(max_import_body), 1024, 64L << 20,
	    "5242880", 0 },
	{ "log_level", CT_LEVEL, S(log_level), 0, 0, "info", 0 },
	{ "public_url", CT_STR, S(public_url), 0, 0, "http://127.0.0.1:8080", 0 },
	{ "sql_dir", CT_STR, S(sql_dir), 0, 0, DATADIR "/aurora-time/sql", 0 },
	{ "db_conninfo", CT_STR, S(db_conninfo), 0, 0, NULL, 1 },
	{ "db_admin_conninfo", CT_STR, S(db_admin_conninfo), 0, 0, "", 0 },
	{ "db_remind_conninfo", CT_STR, S(db_remind_conninfo), 0, 0, "", 0 },
	{ "db_prepared", CT_BOOL, S(db_prepared), 0, 1, "on", 0 },
	{ "db_connect_timeout", CT_INT, S(db_connect_timeout), 1, 60, "3", 0 },
	{ "db_statement_timeout", CT_INT, S(db_statement_timeout), 0,
	    3600000, "10000", 0 },
	{ "jwt_key_dir", CT_STR, S(jwt_key_dir), 0, 0,
	    "/var/lib/aurora-time/keys", 0 },
	{ "jwt_issuer", CT_STR, S(jwt_issuer), 0, 0, "", 0 },
	{ "jwt_client_id", CT_STR, S(jwt_client_id), 0, 0, "aurora-web", 0 },
	{ "jwt_algorithms", CT_STR, S(jwt_algorithms), 0, 0, "RS256", 0 },
	{ "access_token_ttl", CT_INT, S(access_token_ttl), 60, 86400, "3600",
	    0 },
	{ "refresh_token_ttl", CT_INT, S(refresh_token_ttl), 300, 315360000,
	    "2592000", 0 },
	{ "external_issuers_file", CT_STR, S(external_issuers_file), 0, 0, "",
	    0 },
	{ "password_m_cost", CT_INT, S(password_m_cost), 8, 4194304, "19456",
	    0 },
	{ "password_t_cost", CT_INT, S(password_t_cost), 1, 100, "2", 0 },
	{ "password_parallelism", CT_INT, S(password_parallelism), 1, 64, "1",
	    0 },
	{ "login_max_failures", CT_INT, S(login_max_failures), 1, 1000, "5",
	    0 },
	{ "login_max_failures_addr", CT_INT, S(login_max_failures_addr), 1,
	    100000, "20", 0 },
	{ "login_failure_window", CT_INT, S(login_failure_window), 60, 86400,
	    "900", 0 },
	{ "login_max_failures_device", CT_INT, S(login_max_failures_device), 1,
	    1000, "5", 0 },
	{ "login_device_ttl", CT_INT, S(login_device_ttl), 3600, 315360000,
	    "31536000", 0 },
	{ "account_mail_network_hourly", CT_INT,
	    S(account_mail_network_hourly), 0, 10000000, "20", 0 },
	{ "account_mail_global_hourly", CT_INT, S(account_mail_global_hourly),
	    0, 10000000, "1000", 0 },
	{ "account_mail_global_daily", CT_INT, S(account_mail_global_daily), 0,
	    100000000, "10000", 0 },
	{ "mail_transport", CT_STR, S(mail_transport), 0, 0, "ses", 0 },
	{ "mail_from", CT_STR, S(mail_from), 0, 0,
	    "Aurora Time <no-reply@localhost>", 0 },
	{ "ses_region", CT_STR, S(ses_region), 0, 0, "", 0 },
	{ "ses_endpoint", CT_STR, S(ses_endpoint), 0, 0, "", 0 },
	{ "aws_access_key_id", CT_STR, S(aws_access_key_id), 0, 0, "", 0 },
	{ "aws_secret_access_key", CT_STR, S(aws_secret_access_key), 0, 0, "",
	    0 },
	{ "aws_session_token", CT_STR, S(aws_session_token), 0, 0, "", 0 },
	{ "max_send_rate", CT_INT, S(max_send_rate), 1, 100000, "14", 0 },
	{ "send_concurrency", CT_INT, S(send_concurrency), 1, 64, "8", 0 },
	{ "smtp_url", CT_STR, S(smtp_url), 0, 0, "smtp://127.0.0.1:25", 0 },
	{ "smtp_user", CT_STR, S(smtp_user), 0, 0, "", 0 },
	{ "smtp_password", CT_STR, S(smtp_password), 0, 0, "", 0 },
	{ "smtp_starttls", CT_BOOL, S(smtp_starttls), 0, 1, "on", 0 },
	{ "smtp_cafile", CT_STR, S(smtp_cafile), 0, 0, "", 0 },
	{ "mail_dir", CT_STR, S(mail_dir), 0, 0, "/var/spool/aurora-time/mail",
	    0 },
	{ "send_max_attempts", CT_INT, S(send_max_attempts), 1, 100, "8", 0 },
	{ "send_lease_seconds", CT_INT, S(send_lease_seconds), 2, 3600, "300",
	    0 },
	{ "send_batch", CT_INT, S(send_batch), 1, 10000, "200", 0 },
	{ "send_backoff_base_ms", CT_INT, S(send_backoff_base_ms), 1, 3600000,
	    "30000", 0 },
	{ "send_backoff_max_seconds", CT_INT, S(send_backoff_max_seconds), 1,
	    86400, "3600", 0 },
	{ "remind_poll_seconds", CT_INT, S(remind_poll_seconds), 1, 3600, "15",
	    0 },
	{ "outbox_retention_days", CT_INT, S(outbox_retention_days), 0, 36500,
	    "90", 0 },
};
#undef S
#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const struct conf_key *
conf_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
parse_long(const char *s, int base, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
conf_assign(struct conf *c, const struct conf_key *k, const char *v,
    const char *where, char *err, size_t errlen)
{
	char	*field = (char *)c + k->off;
	long	 n;

	switch (k->type) {
	case CT_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "%s: %s is longer than %zu bytes",
			    where, k->name, k->size - 1);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case CT_INT:
	case CT_LONG:
	case CT_OCTAL:
		if (parse_long(v, k->type == CT_OCTAL ? 8 : 10, k->min, k->max,
		    &n) == -1) {
			snprintf(err, errlen, "%s: %s must be %s %ld..%ld, "
			    "not \"%s\"", where, k->name,
			    k->type == CT_OCTAL ? "an octal mode" : "a number",
			    k->min, k->max, v);
			return -1;
		}
		if (k->type == CT_LONG)
			*(long *)(void *)field = n;
		else
			*(int *)(void *)field = (int)n;
		return 0;
	case CT_BOOL:
		if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") ||
		    !strcmp(v, "1"))
			*(int *)(void *)field = 1;
		else if (!strcmp(v, "off") || !strcmp(v, "no") ||
		    !strcmp(v, "false") || !strcmp(v, "0"))
			*(int *)(void *)field = 0;
		else {
			snprintf(err, errlen, "%s: %s must be on or off, not "
			    "\"%s\"", where, k->name, v);
			return -1;
		}
		return 0;
	case CT_LEVEL:
		if (strcmp(v, "debug") && strcmp(v, "info") &&
		    strcmp(v, "warn") && strcmp(v, "error")) {
			snprintf(err, errlen, "%s: %s must be debug, info, warn "
			    "or error, not \"%s\"", where, k->name, v);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	}
	return -1;
}

int
conf_set(struct conf *c, const char *key, const char *value,
    const char *where, char *err, size_t errlen)
{
	const struct conf_key *k;

	if ((k = conf_find(key)) == NULL) {
		snprintf(err, errlen, "%s: unknown setting \"%s\"", where, key);
		return -1;
	}
	return conf_assign(c, k, value, where, err, errlen);
}

void
conf_defaults(struct conf *c)
{
	char	 err[CONF_ERR_MAX];
	size_t	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].def != NULL &&
		    conf_assign(c, &conf_keys[i], conf_keys[i].def, "default",
		    err, sizeof(err)) == -1)
			abort();	/* a bad default is a programming error */
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Reads "key = value" lines; a value may be wrapped in double quotes to keep
 * leading or trailing blanks. */
static int
conf_read_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	 line[CONF_STR_MAX + 128], where[CONF_STR_MAX + 32];
	char	*key, *val, *eq;
	int	 lineno = 0, rc = -1;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		n = strlen(line);
		if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s: line too long", where);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#' || *key == ';')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s: expected \"key = value\"",
			    where);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		n = strlen(val);
		if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
			val[n - 1] = '\0';
			val++;
		}
		if (conf_set(c, key, val, where, err, errlen) == -1)
			goto out;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int
conf_read_env(struct conf *c, char *err, size_t errlen)
{
	char		 name[96], where[128];
	const char	*v;
	size_t		 i, j;

	for (i = 0; i < CONF_NKEYS; i++) {
		snprintf(name, sizeof(name), "AURORA_%s", conf_keys[i].name);
		for (j = 7; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL)
			continue;
		snprintf(where, sizeof(where), "environment %s", name);
		if (conf_assign(c, &conf_keys[i], v, where, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	size_t i;

	conf_defaults(c);
	if (path != NULL && conf_read_file(c, path, err, errlen) == -1)
		return -1;
	if (conf_read_env(c, err, errlen) == -1)
		return -1;
	for (i = 0; i < CONF_NKEYS; i++) {
		const char *field = (const char *)c + conf_keys[i].off;

		if (conf_keys[i].required && conf_keys[i].type == CT_STR &&
		    field[0] == '\0') {
			snprintf(err, errlen, "%s: required setting \"%s\" is "
			    "missing", path ? path : "configuration",
			    conf_keys[i].name);
			return -1;
		}
	}
	if (strncmp(c->listen, "unix:/", 6) != 0 &&
	    strncmp(c->listen, "tcp:", 4) != 0) {
		snprintf(err, errlen, "%s: listen must be unix:/absolute/path "
		    "or tcp:host:port, not \"%s\"", path ? path : "configuration",
		    c->listen);
		return -1;
	}
	return 0;
}
