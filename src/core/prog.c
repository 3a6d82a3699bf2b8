/* prog.c — the common start of aurora-remind and aurora-fetch (prog.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/prog.h"

int
prog_start(const char *prog, const char *path, int test, struct conf *c,
    void (*on_stop)(int))
{
	struct sigaction	 sa;
	char			 err[CONF_ERR_MAX];

	if (conf_load(c, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (test) {
		printf("%s: configuration %s is valid\n", prog, path);
		return 0;
	}
	log_init(prog, c->log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a signal must cut a wait short */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return PROG_RUN;
}
