/* main.c — aurora-api: the FastCGI server for every /api/ route. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/app.h"
#include "core/conf.h"
#include "core/log.h"
#include "http/server.h"

static void
usage(void)
{
	fprintf(stderr, "usage: aurora-api [-t] [-c aurora.conf]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct conf	 conf;	/* shared read-only by every worker */
	const char		*path = SYSCONFDIR "/aurora-time/aurora.conf";
	char			 err[CONF_ERR_MAX];
	int			 ch, fd, owned, test = 0;
	struct server_app	 app = {
		app_worker_init, app_worker_free, app_handle, NULL
	};

	while ((ch = getopt(argc, argv, "c:tV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("aurora-api %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-api: %s\n", err);
		return 1;
	}
	if (test) {
		printf("aurora-api: configuration %s is valid\n", path);
		return 0;
	}
	log_init("aurora-api", conf.log_level);
	if ((app.metrics = metrics_create(app_nroutes)) == NULL) {
		log_msg(LOG_ERROR, "start", "cannot map shared metrics");
		return 1;
	}
	if ((fd = server_listen(&conf, &owned, err, sizeof(err))) == -1) {
		log_msg(LOG_ERROR, "start", "%s", err);
		return 1;
	}
	return server_run(&conf, fd, owned, &app);
}
