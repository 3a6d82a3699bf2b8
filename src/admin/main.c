/* main.c — aurora-admin: operator tasks (migrate, check-config). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "admin/identity.h"
#include "core/conf.h"
#include "mail/transport.h"
#include "db/migrate.h"

static void
usage(void)
{
	fprintf(stderr, "usage: aurora-admin [-c aurora.conf] command\n"
	    "commands:\n"
	    "  migrate        apply pending migrations from sql_dir\n"
	    "  check-config   validate the configuration, reach the database and\n"
	    "                 the mail provider (nothing is sent)\n"
	    "  keys create [BITS] | list | ensure\n"
	    "                 token signing keys in jwt_key_dir (ensure: create "
	    "one if none)\n"
	    "  user list | disable EMAIL | enable EMAIL | delete EMAIL |\n"
	    "       mfa-reset EMAIL\n");
	exit(2);
}

static PGconn *
connect_or_report(const char *conninfo, const char *what)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "aurora-admin: cannot connect with %s: %s",
		    what, conn ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static int
cmd_migrate(const struct conf *c)
{
	PGconn	*conn;
	int	 n;

	if (c->db_admin_conninfo[0] == '\0') {
		fprintf(stderr, "aurora-admin: db_admin_conninfo is not set\n");
		return 1;
	}
	if ((conn = connect_or_report(c->db_admin_conninfo,
	    "db_admin_conninfo")) == NULL)
		return 1;
	n = migrate_apply(conn, c->sql_dir, stdout, stderr);
	PQfinish(conn);
	if (n < 0)
		return 1;
	printf("%d migration%s applied\n", n, n == 1 ? "" : "s");
	return 0;
}

/* Reaches the configured mail provider without sending anything. */
static int
check_mail(const struct conf *c)
{
	struct transport	*t;
	char			 err[TRANSPORT_ERR_MAX];
	int			 rc = -1;

	if ((t = transport_new(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "aurora-admin: mail_transport: %s\n", err);
		goto out;
	}
	if (transport_check(t, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-admin: cannot reach the %s transport: "
		    "%s\n", transport_name(t), err);
		goto out;
	}
	printf("mail transport %s reachable\n", transport_name(t));
	rc = 0;
out:
	transport_free(t);
	return rc;
}

static int
cmd_check_config(const struct conf *c)
{
	PGconn	*conn;
	int	 bad = 0;

	if ((conn = connect_or_report(c->db_conninfo, "db_conninfo")) == NULL)
		bad = 1;
	PQfinish(conn);
	if (c->db_remind_conninfo[0] != '\0') {
		if ((conn = connect_or_report(c->db_remind_conninfo,
		    "db_remind_conninfo")) == NULL)
			bad = 1;
		PQfinish(conn);
	}
	if (check_mail(c) == -1)
		bad = 1;
	if (!bad)
		printf("configuration ok\n");
	return bad;
}

int
main(int argc, char *argv[])
{
	static struct conf	 conf;
	const char		*path = SYSCONFDIR "/aurora-time/aurora.conf";
	char			 err[CONF_ERR_MAX];
	int			 ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-admin: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "keys") == 0 &&
	    (ch = admin_keys(&conf, argc, argv)) != 2)
		return ch;
	if (strcmp(argv[0], "user") == 0 &&
	    (ch = admin_user(&conf, argc, argv)) != 2)
		return ch;
	if (argc != 1)
		usage();
	if (strcmp(argv[0], "migrate") == 0)
		return cmd_migrate(&conf);
	if (strcmp(argv[0], "check-config") == 0)
		return cmd_check_config(&conf);
	usage();
	return 2;
}
