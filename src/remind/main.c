/* main.c — aurora-remind: sends the mail in the outbox (reminders, account
 * codes). Run by cron with --once, or as a service with --watch. The
 * sending rules live in mail/sender.c; this front end reads the options,
 * opens the database and the transport, and hands the sender the other
 * domains' work of a pass: the schedule extension and the pruning of the
 * calendars' journal (events), the removal of accounts never confirmed
 * (auth); mail may call neither itself. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/prog.h"
#include "auth/account.h"
#include "db/db.h"
#include "events/calendar.h"
#include "events/schedule.h"
#include "mail/sender.h"
#include "mail/transport.h"

#define REMIND_EXIT_OK		0
#define REMIND_EXIT_TROUBLE	1	/* cron mails the operator */
#define REMIND_EXIT_USAGE	2

/* Tombstones are kept CALENDAR_TOMBSTONE_DAYS: a watching sender prunes
 * them at most this often (seconds), as it scans calendar_changes. */
#define REMIND_PRUNE_INTERVAL	600

enum remind_mode { REMIND_ONCE, REMIND_WATCH, REMIND_DRY_RUN, REMIND_QUOTA };

/* Set by the signal handler; the sender finishes what is in flight and
 * returns when it sees it. */
static volatile sig_atomic_t remind_stop;

/* The configuration of the run, for the pass hook (which the sender calls
 * with the database and the time only). */
static const struct conf *remind_conf;

static void
usage(void)
{
	fprintf(stderr, "usage: aurora-remind [-c aurora.conf] "
	    "--once | --watch | --dry-run [-v] | --quota | -t\n");
	exit(REMIND_EXIT_USAGE);
}

static void
on_signal(int sig)
{
	(void)sig;
	remind_stop = 1;
}

/* The domains' part of a sender's pass (sender_extend_fn): the reminder
 * schedule extended (events), then, at most every REMIND_PRUNE_INTERVAL,
 * the calendars' old tombstones pruned (events) and the accounts never
 * confirmed removed with their mail (auth). A failed prune or purge is
 * logged and waits for the next interval; it does not hold up the mail. */
static enum db_rc
remind_events_pass(struct db *db, time_t now, long *inserted)
{
	static time_t	 last_prune;
	long long	 pruned, purged;
	enum db_rc	 rc, arc;

	if ((rc = schedule_extend(db, now, inserted)) != DB_OK)
		return rc;
	if (last_prune != 0 && now - last_prune < REMIND_PRUNE_INTERVAL &&
	    now >= last_prune)
		return DB_OK;
	last_prune = now;
	if ((rc = calendar_prune(db, CALENDAR_TOMBSTONE_DAYS, &pruned)) !=
	    DB_OK)
		log_msg(LOG_ERROR, "journal", "pruning the calendars' "
		    "tombstones failed");
	else if (pruned > 0)
		log_msg(LOG_INFO, "journal", "pruned %lld tombstones older "
		    "than %d days", pruned, CALENDAR_TOMBSTONE_DAYS);
	if ((arc = account_purge_unconfirmed(db,
	    remind_conf->unconfirmed_account_days, ACCOUNT_PURGE_BATCH,
	    &purged)) != DB_OK)
		log_msg(LOG_ERROR, "accounts", "removing accounts never "
		    "confirmed failed");
	else if (purged > 0)
		log_msg(LOG_INFO, "accounts", "removed %lld accounts never "
		    "confirmed in %d days", purged,
		    remind_conf->unconfirmed_account_days);
	return rc == DB_UNAVAILABLE || arc == DB_UNAVAILABLE ?
	    DB_UNAVAILABLE : DB_OK;
}

/* Runs mode with configuration c; verbose makes --dry-run print whole
 * messages. Returns an exit status. Owns the sender, transport and
 * database handle it makes. */
static int
remind_run(const struct conf *c, enum remind_mode mode, int verbose)
{
	struct sender		*s;
	struct transport	*tr = NULL;
	struct db		*db = NULL;
	struct db_options	 o;
	char			 err[TRANSPORT_ERR_MAX];
	int			 status = REMIND_EXIT_OK;

	remind_conf = c;
	if ((s = sender_new(c, &remind_stop)) == NULL)
		return REMIND_EXIT_TROUBLE;
	if (mode != REMIND_DRY_RUN &&
	    (tr = transport_new(c, err, sizeof(err))) == NULL) {
		log_msg(LOG_ERROR, "config", "%s", err);
		status = REMIND_EXIT_TROUBLE;
		goto out;
	}
	if (mode == REMIND_QUOTA) {
		if (transport_quota(tr, err, sizeof(err)) == -1) {
			fprintf(stderr, "aurora-remind: %s\n", err);
			status = REMIND_EXIT_TROUBLE;
		}
		goto out;
	}
	if (c->db_remind_conninfo[0] == '\0') {
		log_msg(LOG_ERROR, "config", "db_remind_conninfo is not set");
		status = REMIND_EXIT_TROUBLE;
		goto out;
	}
	db_options_from_conf(&o, c, c->db_remind_conninfo, "aurora-remind");
	if ((db = db_new(&o)) == NULL) {
		log_msg(LOG_ERROR, "nomem", "out of memory");
		status = REMIND_EXIT_TROUBLE;
		goto out;
	}
	sender_attach(s, db, tr, remind_events_pass);
	switch (mode) {
	case REMIND_DRY_RUN:
		if (sender_dry_run(s, verbose, stdout) == -1) {
			fprintf(stderr, "aurora-remind: cannot read the "
			    "outbox\n");
			status = REMIND_EXIT_TROUBLE;
		}
		goto out;
	case REMIND_WATCH:
		sender_run_watch(s);
		break;
	default:
		sender_run_once(s);
		break;
	}
	status = sender_trouble(s) ? REMIND_EXIT_TROUBLE : REMIND_EXIT_OK;
out:
	sender_free(s);
	transport_free(tr);
	db_free(db);
	return status;
}

int
main(int argc, char *argv[])
{
	static struct conf	 conf;
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "watch", no_argument, NULL, 'w' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quota", no_argument, NULL, 'q' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*path = SYSCONFDIR "/aurora-time/aurora.conf";
	int			 ch, mode = -1, test = 0, verbose = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:tvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'o':
		case 'w':
		case 'n':
		case 'q':
			if (mode != -1)
				usage();
			mode = ch == 'o' ? REMIND_ONCE : ch == 'w' ?
			    REMIND_WATCH : ch == 'n' ? REMIND_DRY_RUN :
			    REMIND_QUOTA;
			break;
		case 't':
			test = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("aurora-remind %s\n", PACKAGE_VERSION);
			return REMIND_EXIT_OK;
		default:
			usage();
		}
	}
	if (optind != argc || (mode == -1 && !test) || (mode != -1 && test))
		usage();
	if ((rc = prog_start("aurora-remind", path, test, &conf, on_signal)) !=
	    PROG_RUN)
		return rc;
	return remind_run(&conf, (enum remind_mode)mode, verbose);
}
