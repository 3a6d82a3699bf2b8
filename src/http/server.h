/* server.h — the FastCGI process model: a master that opens the socket,
 * preforks workers, replaces any that die and stops them gracefully. */
#ifndef AURORA_SERVER_H
#define AURORA_SERVER_H

#include <stddef.h>

#include "core/conf.h"
#include "http/http.h"
#include "http/metrics.h"

struct server_app {
	/* Runs in each worker after fork; returns its context or NULL. */
	void	*(*worker_init)(const struct conf *c, struct metrics *m);
	void	 (*worker_free)(void *ctx);
	/* Answers one request; an unanswered request gets a 500. */
	void	 (*handle)(void *ctx, struct http_req *req);
	/* Shared counters (metrics_create() before server_run), or NULL. */
	struct metrics	*metrics;
};

/* Takes the socket systemd passes (socket activation: LISTEN_PID is this
 * process and LISTEN_FDS is 1), else opens the one named by c->listen (unix:
 * mode and group set; a socket another live server still answers on is
 * refused). *owned is 1 when this process created the socket file and must
 * remove it on stop. Returns the descriptor, or -1 with a message in err. */
int server_listen(const struct conf *c, int *owned, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Runs the master loop until SIGTERM or SIGINT; SIGHUP replaces the workers
 * one by one. Returns the process exit status. */
int server_run(const struct conf *c, int fd, int owned,
    const struct server_app *app);

#endif
