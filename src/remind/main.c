/* main.c — aurora-remind: sends the mail in the outbox (reminders, account
 * codes). Run by cron with --once, or as a service with --watch. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "remind/run.h"

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
	char			 err[CONF_ERR_MAX];
	struct sigaction	 sa;
	int			 ch, mode = -1, test = 0, verbose = 0;

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
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-remind: %s\n", err);
		return REMIND_EXIT_TROUBLE;
	}
	if (test) {
		printf("aurora-remind: configuration %s is valid\n", path);
		return REMIND_EXIT_OK;
	}
	log_init("aurora-remind", conf.log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a signal must cut a wait short */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return remind_main(&conf, (enum remind_mode)mode, verbose);
}
