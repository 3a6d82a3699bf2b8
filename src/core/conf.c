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

/* One setting: how it is parsed, and how it is documented. aurora.conf(5),
 * the sample aurora.conf and docs/configuration.md are made from these rows
 * by tools/confdoc (make confdoc), and make check fails when they differ, so
 * a key's documentation lives here and nowhere else. */
struct conf_key {
	const char		*name;
	size_t			 off;
	size_t			 size;		/* CT_STR: field size */
	enum conf_section	 sec;
	enum conf_type		 type;
	long			 min, max;	/* numeric range */
	const char		*def;		/* default as text, NULL: empty */
	int			 required;
	const char		*doc;		/* meaning; `literal` in backquotes */
	const char		*shown;		/* default as the docs say it, when
						 * the text of def does not tell */
	const char		*sample;	/* value in the sample file (def) */
	int			 active;	/* the sample sets it, else a comment */
};

/* Key name, offset and size of the struct conf field of the same name. */
#define K(f)	#f, offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
static const struct conf_key conf_keys[] = {
	/* ---- server (aurora-api) */
	{ K(listen), CONF_SEC_SERVER, CT_STR, 0, 0,
	    "unix:/run/aurora-time/api.sock", .active = 1, .doc =
	    "`unix:/absolute/path` or `tcp:host:port` (`tcp::9000` for all "
	    "addresses — only on a private network: FastCGI has no "
	    "authentication)" },
	{ K(socket_mode), CONF_SEC_SERVER, CT_OCTAL, 0, 0777, "0660",
	    .active = 1, .doc =
	    "permission bits of the Unix socket; give nginx's group access with "
	    "`socket_group`" },
	{ K(socket_group), CONF_SEC_SERVER, CT_STR, 0, 0, "", .active = 1,
	    .shown = "(unchanged)", .sample = "www-data", .doc =
	    "group that owns the Unix socket, e.g. `www-data`; empty keeps the "
	    "group it was made with" },
	{ K(workers), CONF_SEC_SERVER, CT_INT, 1, 256, "4", .active = 1, .doc =
	    "preforked worker processes; each holds one database connection" },
	{ K(graceful_timeout), CONF_SEC_SERVER, CT_INT, 0, 3600, "10",
	    .active = 1, .doc =
	    "seconds a stopping worker may spend finishing its request before it "
	    "is killed" },
	{ K(recurrence_cache), CONF_SEC_SERVER, CT_INT, 0, 1048576, "8192",
	    .active = 1, .doc =
	    "series-years each worker keeps expanded for listings (0: expand on "
	    "every request); about 2 KiB each at most (16 MiB per worker by "
	    "default). Keyed by the series' whole definition, so an edited event "
	    "is never answered from an old expansion; hits and misses in "
	    "`/metrics` (`aurora_recurrence_cache_total`)" },
	{ K(max_body), CONF_SEC_SERVER, CT_LONG, 1024, 64L << 20, "1048576",
	    .active = 1, .doc =
	    "largest JSON request body in bytes (413 above it)" },
	{ K(max_import_body), CONF_SEC_SERVER, CT_LONG, 1024, 64L << 20,
	    "5242880", .doc =
	    "largest ICS import body in bytes (413 above it)" },
	{ K(log_level), CONF_SEC_SERVER, CT_LEVEL, 0, 0, "info", .active = 1,
	    .doc =
	    "`debug`, `info`, `warn` or `error`; logs are JSON lines on stderr" },
	{ K(public_url), CONF_SEC_SERVER, CT_STR, 0, 0, "http://127.0.0.1:8080",
	    .active = 1, .sample = "https://calendar.example.org", .doc =
	    "the address users reach, no trailing `/`; used in links and as the "
	    "default token issuer" },
	{ K(sql_dir), CONF_SEC_SERVER, CT_STR, 0, 0, DATADIR "/aurora-time/sql",
	    .shown = "`$(datadir)/aurora-time/sql`",
	    .sample = "/usr/share/aurora-time/sql", .doc =
	    "migrations, applied by `aurora-admin migrate`" },

	/* ---- database */
	{ K(db_conninfo), CONF_SEC_DATABASE, CT_STR, 0, 0, NULL, .required = 1,
	    .active = 1, .shown = "(required)",
	    .sample = "host=/var/run/postgresql dbname=aurora user=aurora_api",
	    .doc =
	    "libpq connection string of the API role (`aurora_api`)" },
	{ K(db_admin_conninfo), CONF_SEC_DATABASE, CT_STR, 0, 0, "", .active = 1,
	    .sample = "host=/var/run/postgresql dbname=aurora user=aurora_owner",
	    .doc =
	    "connection string of the schema owner (`aurora_owner`), used only by "
	    "`aurora-admin migrate`" },
	{ K(db_remind_conninfo), CONF_SEC_DATABASE, CT_STR, 0, 0, "",
	    .active = 1,
	    .sample = "host=/var/run/postgresql dbname=aurora user=aurora_remind",
	    .doc =
	    "connection string of the reminder sender role (`aurora_remind`)" },
	{ K(db_fetch_conninfo), CONF_SEC_DATABASE, CT_STR, 0, 0, "",
	    .active = 1,
	    .sample = "host=/var/run/postgresql dbname=aurora user=aurora_fetch",
	    .doc =
	    "connection string of the feed fetcher role (`aurora_fetch`), used "
	    "by `aurora-fetch`" },
	{ K(db_prepared), CONF_SEC_DATABASE, CT_BOOL, 0, 1, "on", .active = 1,
	    .doc =
	    "server-side prepared statements; `off` sends every statement with its "
	    "text (PgBouncer in transaction mode before 1.21)" },
	{ K(db_connect_timeout), CONF_SEC_DATABASE, CT_INT, 1, 60, "3",
	    .active = 1, .doc =
	    "seconds to wait for a connection; while the database is down "
	    "requests answer 503 with `Retry-After`" },
	{ K(db_statement_timeout), CONF_SEC_DATABASE, CT_INT, 0, 3600000,
	    "10000", .active = 1, .doc =
	    "milliseconds any one statement may run (0: no limit)" },
	{ K(db_read_conninfo), CONF_SEC_DATABASE, CT_STR, 0, 0, "",
	    .shown = "(none)",
	    .sample = "host=10.0.0.21 dbname=aurora user=aurora_api", .doc =
	    "connection string of a streaming replica (`pg_basebackup -R`) for "
	    "the reads of published feeds, ICS export and event listings, with "
	    "the API role; empty: every read goes to `db_conninfo`. A user who "
	    "wrote since the replica's last confirmed position reads from the "
	    "primary, and so does everyone while the replica is down or lags "
	    "(`docs/scaling.md`)" },
	{ K(db_read_max_lag), CONF_SEC_DATABASE, CT_INT, 1, 60, "5", .doc =
	    "seconds the replica may be behind the primary before reads go back "
	    "to the primary; measured by each worker at most once a second" },

	/* ---- identity: src/auth */
	{ K(jwt_key_dir), CONF_SEC_IDENTITY, CT_STR, 0, 0,
	    "/var/lib/aurora-time/keys", .active = 1, .doc =
	    "directory of RSA private keys `<kid>.pem` (mode 0600, owned by the "
	    "API user); the greatest kid signs, all are published in "
	    "`/.well-known/jwks.json`. `aurora-admin keys create` adds one; "
	    "aurora-api does not start without one" },
	{ K(jwt_issuer), CONF_SEC_IDENTITY, CT_STR, 0, 0, "",
	    .shown = "(`public_url`)", .sample = "https://calendar.example.org",
	    .doc =
	    "the `iss` of our tokens, exactly as relying parties must expect it; "
	    "empty: `public_url`" },
	{ K(jwt_client_id), CONF_SEC_IDENTITY, CT_STR, 0, 0, "aurora-web",
	    .active = 1, .doc =
	    "the built-in app client: `client_id` of access tokens, `aud` of id "
	    "tokens" },
	{ K(jwt_algorithms), CONF_SEC_IDENTITY, CT_STR, 0, 0, "RS256",
	    .active = 1, .doc =
	    "algorithms our own tokens may carry (RS256, ES256; `none` and HMAC "
	    "never); must include RS256" },
	{ K(access_token_ttl), CONF_SEC_IDENTITY, CT_INT, 60, 86400, "3600",
	    .active = 1, .doc =
	    "seconds an access (and id) token lives" },
	{ K(refresh_token_ttl), CONF_SEC_IDENTITY, CT_INT, 300, 315360000,
	    "2592000", .active = 1, .doc =
	    "seconds a sign-in lasts (300 s to 10 years): refresh-token rotation "
	    "never extends it" },
	{ K(external_issuers_file), CONF_SEC_IDENTITY, CT_STR, 0, 0, "",
	    .shown = "(none)", .sample = "/etc/aurora-time/issuers.json", .doc =
	    "JSON list of other issuers whose access tokens are accepted (Amazon "
	    "Cognito user pools, OpenID Connect providers); see "
	    "`docs/identity.md`" },
	{ K(password_m_cost), CONF_SEC_IDENTITY, CT_INT, 8, 4194304, "19456",
	    .active = 1, .doc =
	    "argon2id memory in KiB (OWASP's minimum recommendation)" },
	{ K(password_t_cost), CONF_SEC_IDENTITY, CT_INT, 1, 100, "2",
	    .active = 1, .doc =
	    "argon2id passes" },
	{ K(password_parallelism), CONF_SEC_IDENTITY, CT_INT, 1, 64, "1",
	    .active = 1, .doc =
	    "argon2id lanes. Changing any of the three rehashes each password at "
	    "its next sign-in" },
	{ K(login_max_failures), CONF_SEC_IDENTITY, CT_INT, 1, 1000, "5",
	    .active = 1, .doc =
	    "failed sign-ins for one account (email address) within "
	    "`login_failure_window` before it is slowed down (429 with "
	    "`Retry-After`, 60 s, doubling, at most the window)" },
	{ K(login_max_failures_addr), CONF_SEC_IDENTITY, CT_INT, 1, 100000, "20",
	    .active = 1, .doc =
	    "the same for one client address (`REMOTE_ADDR`, whatever accounts "
	    "it tries); a client presenting a valid device token for the account "
	    "it signs in to is not held by its address's failures "
	    "(`docs/identity.md`, \"Sign-in throttling and device cookies\")" },
	{ K(login_failure_window), CONF_SEC_IDENTITY, CT_INT, 60, 86400, "900",
	    .active = 1, .doc =
	    "seconds a failed sign-in counts" },
	{ K(login_max_failures_device), CONF_SEC_IDENTITY, CT_INT, 1, 1000, "5",
	    .active = 1, .doc =
	    "failed sign-ins made with one device token within the window before "
	    "that token is refused (429 with `Retry-After`, like the others)" },
	{ K(login_device_ttl), CONF_SEC_IDENTITY, CT_INT, 3600, 315360000,
	    "31536000", .active = 1, .doc =
	    "seconds (1 hour to 10 years; default a year) a device token is good: "
	    "the `aurora_device` cookie handed out at each sign-in" },
	{ K(account_mail_network_hourly), CONF_SEC_IDENTITY, CT_INT, 0,
	    10000000, "20", .active = 1, .doc =
	    "sign-up, resend and forgot requests (each may mail an address) per "
	    "client network — IPv4 /24, IPv6 /64 — per clock hour; past it 429 "
	    "`rate_limited` with `Retry-After`; 0: no cap (`docs/identity.md`, "
	    "\"Account mail budget\")" },
	{ K(account_mail_global_hourly), CONF_SEC_IDENTITY, CT_INT, 0, 10000000,
	    "1000", .active = 1, .doc =
	    "the same for the whole service per clock hour (all networks, shared "
	    "by all API hosts); keep it well below the mail provider's sending "
	    "quota; 0: no cap" },
	{ K(account_mail_global_daily), CONF_SEC_IDENTITY, CT_INT, 0, 100000000,
	    "10000", .active = 1, .doc =
	    "the same for the whole service per UTC day; 0: no cap" },
	{ K(unconfirmed_account_days), CONF_SEC_IDENTITY, CT_INT, 0, 3650, "7",
	    .active = 1, .doc =
	    "accounts whose address was never confirmed are deleted this many "
	    "days after sign-up, with their mail, by `aurora-remind` (up to 500 "
	    "per pass); a confirmed account is never touched; 0 keeps them" },

	/* ---- mail: aurora-remind */
	{ K(mail_transport), CONF_SEC_MAIL, CT_STR, 0, 0, "ses", .active = 1,
	    .doc =
	    "`ses` (Amazon SES v2 API), `smtp` (any relay, or SES's SMTP "
	    "interface) or `file` (`.eml` files, for debugging)" },
	{ K(mail_from), CONF_SEC_MAIL, CT_STR, 0, 0,
	    "Aurora Time <no-reply@localhost>", .active = 1,
	    .sample = "Aurora Time <no-reply@calendar.example.org>", .doc =
	    "sender, `Display Name <address>` or a bare address; its domain also "
	    "names the `Message-ID`s" },
	{ K(ses_region), CONF_SEC_MAIL, CT_STR, 0, 0, "", .active = 1,
	    .shown = "(from `AWS_REGION`, `AWS_DEFAULT_REGION`, else "
	    "`us-east-1`)", .sample = "us-east-1", .doc =
	    "SES region" },
	{ K(ses_endpoint), CONF_SEC_MAIL, CT_STR, 0, 0, "",
	    .shown = "`https://email.REGION.amazonaws.com`",
	    .sample = "http://127.0.0.1:8005", .doc =
	    "endpoint override, e.g. `http://127.0.0.1:8005` for the local "
	    "emulator" },
	{ K(aws_access_key_id), CONF_SEC_MAIL, CT_STR, 0, 0, "", .doc =
	    "SES access key; used only when the `AWS_*` variables are not set "
	    "(keep credentials in the environment)" },
	{ K(aws_secret_access_key), CONF_SEC_MAIL, CT_STR, 0, 0, "", .doc =
	    "its secret; used only when the `AWS_*` variables are not set "
	    "(better: `AWS_SECRET_ACCESS_KEY` in the environment)" },
	{ K(aws_session_token), CONF_SEC_MAIL, CT_STR, 0, 0, "", .doc =
	    "session token of temporary credentials; used only when the `AWS_*` "
	    "variables are not set" },
	{ K(max_send_rate), CONF_SEC_MAIL, CT_INT, 1, 100000, "14", .active = 1,
	    .doc =
	    "messages per second at most, across all requests in flight (SES's "
	    "`MaxSendRate`: `aurora-remind --quota` shows it)" },
	{ K(send_concurrency), CONF_SEC_MAIL, CT_INT, 1, 64, "8", .active = 1,
	    .doc =
	    "SES requests in flight at once" },
	{ K(smtp_url), CONF_SEC_MAIL, CT_STR, 0, 0, "smtp://127.0.0.1:25",
	    .sample = "smtp://relay.example.org:587", .doc =
	    "`smtp://host:port` (587 for submission) or `smtps://host:465`" },
	{ K(smtp_user), CONF_SEC_MAIL, CT_STR, 0, 0, "", .sample = "aurora",
	    .doc =
	    "AUTH user name; no AUTH when it is empty" },
	{ K(smtp_password), CONF_SEC_MAIL, CT_STR, 0, 0, "", .doc =
	    "AUTH password (better: `AURORA_SMTP_PASSWORD` in the environment)" },
	{ K(smtp_starttls), CONF_SEC_MAIL, CT_BOOL, 0, 1, "on", .doc =
	    "require STARTTLS on `smtp://` (a relay without it is refused)" },
	{ K(smtp_cafile), CONF_SEC_MAIL, CT_STR, 0, 0, "",
	    .shown = "(system CAs)", .sample = "/etc/ssl/certs/relay-ca.pem",
	    .doc =
	    "CA bundle that signs the relay's certificate" },
	{ K(mail_dir), CONF_SEC_MAIL, CT_STR, 0, 0, "/var/spool/aurora-time/mail",
	    .doc =
	    "directory of the `file` transport" },
	{ K(send_max_attempts), CONF_SEC_MAIL, CT_INT, 1, 100, "8", .active = 1,
	    .doc =
	    "attempts before a mail with temporary failures becomes `failed`" },
	{ K(send_lease_seconds), CONF_SEC_MAIL, CT_INT, 2, 3600, "300",
	    .active = 1, .doc =
	    "how long a claim lasts; a sender that dies leaves mail that is sent "
	    "again once its lease expires. Requests time out at half of it (at "
	    "most 30 s)" },
	{ K(send_batch), CONF_SEC_MAIL, CT_INT, 1, 10000, "200", .active = 1,
	    .doc =
	    "mails claimed per statement (also capped so a batch fits a quarter "
	    "of the lease at `max_send_rate`)" },
	{ K(send_backoff_base_ms), CONF_SEC_MAIL, CT_INT, 1, 3600000, "30000",
	    .doc =
	    "milliseconds before the first retry; it doubles with each attempt, "
	    "with jitter (a random point in the upper half), and a provider's "
	    "`Retry-After` wins when longer" },
	{ K(send_backoff_max_seconds), CONF_SEC_MAIL, CT_INT, 1, 86400, "3600",
	    .doc =
	    "longest retry delay in seconds" },
	{ K(remind_poll_seconds), CONF_SEC_MAIL, CT_INT, 1, 3600, "15",
	    .active = 1, .doc =
	    "`--watch`: longest sleep without a NOTIFY (it also wakes at the next "
	    "due mail)" },
	{ K(outbox_retention_days), CONF_SEC_MAIL, CT_INT, 0, 36500, "90",
	    .active = 1, .doc =
	    "mail in a final state (sent, failed, skipped, cancelled) is deleted "
	    "by aurora-remind this many days later, up to 5,000 per pass "
	    "(reminders once their occurrence is that old too); 0 keeps it "
	    "forever" },

	/* ---- subscriptions: aurora-fetch */
	{ K(subscription_allow_loopback), CONF_SEC_SUBSCRIPTIONS, CT_BOOL, 0, 1,
	    "off", .active = 1, .doc =
	    "let a feed address reach this machine's loopback addresses "
	    "(`127.0.0.0/8`, `::1`, `localhost` and every other spelling); off, "
	    "such a feed fails with \"address not allowed\" before anything "
	    "connects. `tools/dev up` turns it on for local test servers" },
	{ K(subscription_allow_private), CONF_SEC_SUBSCRIPTIONS, CT_BOOL, 0, 1,
	    "off", .active = 1, .doc =
	    "let a feed address reach private networks (RFC 1918, `100.64.0.0/10`, "
	    "IPv6 ULA `fc00::/7`): for intranet feeds. Link-local (cloud "
	    "metadata `169.254.169.254`), multicast, unspecified and reserved "
	    "addresses are refused whatever it says" },
	{ K(subscription_max_bytes), CONF_SEC_SUBSCRIPTIONS, CT_LONG, 1024,
	    64L << 20, "5242880", .active = 1, .doc =
	    "largest feed in bytes (after decompression), enforced while it "
	    "arrives: a larger one stops there and keeps the last good events" },
	{ K(subscription_max_events), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1, 50000,
	    "5000", .active = 1, .doc =
	    "events (VEVENT) one feed may hold; a feed with more keeps its last "
	    "good events and says why" },
	{ K(subscription_max_per_user), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1,
	    10000, "50", .active = 1, .doc =
	    "subscriptions one account may have (aurora-api refuses the next "
	    "one)" },
	{ K(subscription_refresh_min_seconds), CONF_SEC_SUBSCRIPTIONS, CT_INT,
	    1, 86400, "60", .active = 1, .doc =
	    "seconds that must pass between fetches of one subscription that "
	    "its account asks for: aurora-api refuses a refresh sooner after "
	    "the last fetch or the last refresh (429 with `Retry-After`), and "
	    "a new address given sooner is fetched when the time is up" },
	{ K(subscription_timeout), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1, 600, "30",
	    .active = 1, .doc =
	    "seconds one request of a feed may take in all (each redirect is "
	    "a request of its own)" },
	{ K(subscription_connect_timeout), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1,
	    120, "10", .active = 1, .doc =
	    "seconds to resolve a feed's host and to connect to it" },
	{ K(subscription_concurrency), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1, 1000,
	    "100", .active = 1, .doc =
	    "feeds fetched at once (libcurl's multi interface, one process); "
	    "one host is still asked for one feed at a time" },
	{ K(subscription_retry_seconds), CONF_SEC_SUBSCRIPTIONS, CT_INT, 10,
	    86400, "300", .active = 1, .doc =
	    "after a failed fetch the feed is tried again this many seconds "
	    "later, doubling with each failure in a row, at most a day" },
	{ K(subscription_pace_percent), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1, 100,
	    "10", .active = 1, .doc =
	    "share of its time aurora-fetch may work (its own CPU and its "
	    "waits on PostgreSQL); it rests the remainder in short pauses, so "
	    "a round of many feeds leaves the cores to the API and takes "
	    "longer instead. Time spent waiting for feed servers counts as "
	    "rest. 100: never pause" },
	{ K(subscription_poll_seconds), CONF_SEC_SUBSCRIPTIONS, CT_INT, 1, 3600,
	    "60", .active = 1, .doc =
	    "`aurora-fetch --watch`: longest sleep without a NOTIFY (it also "
	    "wakes when the next feed is due)" },
};
#undef K
#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

size_t
conf_doc_count(void)
{
	return CONF_NKEYS;
}

void
conf_doc_get(size_t i, struct conf_doc *out)
{
	const struct conf_key *k = &conf_keys[i];

	memset(out, 0, sizeof(*out));
	out->name = k->name;
	out->section = k->sec;
	out->def = k->def != NULL ? k->def : "";
	out->shown = k->shown;
	out->sample = k->sample != NULL ? k->sample : out->def;
	out->active = k->active;
	out->required = k->required;
	out->doc = k->doc;
	switch (k->type) {
	case CT_STR:
		snprintf(out->range, sizeof(out->range), "text, at most %zu "
		    "bytes", k->size - 1);
		break;
	case CT_INT:
	case CT_LONG:
		snprintf(out->range, sizeof(out->range), "%ld..%ld", k->min,
		    k->max);
		out->numeric = 1;
		break;
	case CT_OCTAL:
		snprintf(out->range, sizeof(out->range), "octal mode %lo..%04lo",
		    (unsigned long)k->min, (unsigned long)k->max);
		out->numeric = 1;
		break;
	case CT_BOOL:
		snprintf(out->range, sizeof(out->range), "on or off (also "
		    "yes/no, true/false, 1/0)");
		break;
	case CT_LEVEL:
		snprintf(out->range, sizeof(out->range), "debug, info, warn or "
		    "error");
		break;
	}
}

const char *
conf_section_name(enum conf_section s)
{
	static const char *const names[CONF_SEC__MAX] = {
		"server", "database", "identity", "mail", "subscriptions"
	};

	return (unsigned)s < CONF_SEC__MAX ? names[s] : NULL;
}

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
