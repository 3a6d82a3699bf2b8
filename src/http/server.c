/* server.c — prefork master and worker loop over libfcgi (see server.h).
 * Workers use FCGX_Accept_r with SIGTERM blocked while a request runs, so a
 * stop lets in-flight requests finish. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fcgiapp.h>

#include "core/clock.h"
#include "core/jsonout.h"
#include "core/log.h"
#include "http/internal.h"
#include "http/server.h"

#define SERVER_MAX_WORKERS	256
#define SERVER_RESPAWN_MIN_US	500000	/* a worker dying sooner backs off */

/* Signal flags: the only state a handler may touch. */
static volatile sig_atomic_t	sig_stop;
static volatile sig_atomic_t	sig_hup;
static volatile sig_atomic_t	sig_chld;
static volatile sig_atomic_t	worker_listen_fd = -1;

static void
master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		sig_stop = 1;
	else if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGCHLD)
		sig_chld = 1;
}

static void
worker_signal(int sig)
{
	int fd = worker_listen_fd;

	(void)sig;
	sig_stop = 1;
	FCGX_ShutdownPending();
	/* Wakes a worker about to block in accept(): accept then fails. */
	if (fd >= 0) {
		worker_listen_fd = -1;
		close(fd);
	}
}

static int
unix_path(const struct conf *c, const char **path)
{
	if (strncmp(c->listen, "unix:", 5) != 0)
		return 0;
	*path = c->listen + 5;
	return 1;
}

/* 1 if a server answers on the unix socket at path. */
static int
unix_socket_live(const char *path)
{
	struct sockaddr_un	 sa;
	int			 fd, live;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

/* sd_listen_fds(3) without libsystemd: fd 3 when LISTEN_PID names us and
 * LISTEN_FDS is exactly 1; -1 when not socket-activated. */
static int
server_activated_fd(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char		*end;
	long		 p, n;

	if (pid == NULL || fds == NULL)
		return -1;
	p = strtol(pid, &end, 10);
	if (*pid == '\0' || *end != '\0' || p != (long)getpid())
		return -1;
	n = strtol(fds, &end, 10);
	if (*fds == '\0' || *end != '\0' || n != 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 3;
}

int
server_listen(const struct conf *c, int *owned, char *err, size_t errlen)
{
	const char	*path;
	struct stat	 st;
	struct group	 gr, *grp = NULL;
	char		 grbuf[4096];
	int		 fd;

	*owned = 0;
	if (FCGX_Init() != 0) {
		snprintf(err, errlen, "libfcgi failed to initialise");
		return -1;
	}
	/* The socket outlives restarts, so connections queue instead of
	 * failing while a new binary starts. */
	if ((fd = server_activated_fd()) >= 0) {
		if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "LISTEN_FDS: descriptor 3 is not "
			    "a socket");
			return -1;
		}
		return fd;
	}
	if (!unix_path(c, &path)) {
		/* libfcgi takes "host:port" for TCP. */
		if ((fd = FCGX_OpenSocket(c->listen + 4, 1024)) < 0) {
			snprintf(err, errlen, "listen %s: cannot bind",
			    c->listen);
			return -1;
		}
		return fd;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "listen %s: exists and is not a "
			    "socket", path);
			return -1;
		}
		if (unix_socket_live(path)) {
			snprintf(err, errlen, "listen %s: another server is "
			    "already answering there", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = FCGX_OpenSocket(path, 1024)) < 0) {
		snprintf(err, errlen, "listen %s: cannot bind: %s", path,
		    strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)c->socket_mode) == -1) {
		snprintf(err, errlen, "listen %s: chmod: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (c->socket_group[0] != '\0') {
		if (getgrnam_r(c->socket_group, &gr, grbuf, sizeof(grbuf),
		    &grp) != 0 || grp == NULL) {
			snprintf(err, errlen, "socket_group %s: no such group",
			    c->socket_group);
			goto fail;
		}
		if (chown(path, (uid_t)-1, grp->gr_gid) == -1) {
			snprintf(err, errlen, "listen %s: chown: %s", path,
			    strerror(errno));
			goto fail;
		}
	}
	*owned = 1;
	return fd;
fail:
	close(fd);
	unlink(path);
	return -1;
}

/* Keeps feed secrets (in the path) out of the log: also a secret in
 * another spelling (//feeds/, /x/../feeds/, percent-encoded), which does
 * not route here but is the secret all the same. */
static void
log_path(const char *path, char *out, size_t outlen)
{
	if (strstr(path, "/feeds/") != NULL)
		snprintf(out, outlen, "/feeds/[redacted]");
	else if (strchr(path, '%') != NULL)
		snprintf(out, outlen, "[redacted: percent-encoded path]");
	else
		snprintf(out, outlen, "%s", path);
}

static void
worker_log_request(const struct http_req *req)
{
	json_object	*o;
	char		 path[HTTP_PATH_MAX], dur[32];
	double		 ms;

	ms = (double)(clock_mono_us() - req->start_us) / 1000.0;
	log_path(req->path, path, sizeof(path));
	/* Three decimals, not json-c's full double precision. */
	snprintf(dur, sizeof(dur), "%.3f", ms);
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "method", req->method_name) == -1 ||
	    jsonout_string(o, "path", path) == -1 ||
	    jsonout_int(o, "status", req->status) == -1 ||
	    jsonout_add(o, "dur_ms", json_object_new_double_s(ms, dur)) ==
	    -1 || (req->route != NULL &&
	    jsonout_string(o, "route", req->route) == -1) ||
	    (req->user_id[0] != '\0' &&
	    jsonout_string(o, "user", req->user_id) == -1) ||
	    (req->request_id[0] != '\0' &&
	    jsonout_string(o, "request_id", req->request_id) == -1)) {
		/* Still a line for the request, without its fields. */
		log_msg(LOG_ERROR, "request", "out of memory logging a "
		    "request (status %d)", req->status);
		goto out;
	}
	log_fields(req->status >= 500 ? LOG_ERROR : LOG_INFO, "request", o);
out:
	json_object_put(o);
}

static void
worker_handle(const struct conf *c, const struct server_app *app, void *ctx,
    FCGX_Request *fr)
{
	struct http_req req;

	if (http_req_init(&req, fr) == -1) {
		req.start_us = clock_mono_us();
		http_error(&req, 414, "uri_too_long", NULL,
		    "the request URI is too long");
		goto out;
	}
	req.start_us = clock_mono_us();
	req.max_body = c->max_body;
	app->handle(ctx, &req);
	if (req.status == 0)
		http_error(&req, 500, "internal", NULL, "internal error");
out:
	metrics_observe(app->metrics, req.route_idx, req.method, req.status,
	    clock_mono_us() - req.start_us);
	worker_log_request(&req);
	http_req_free(&req);
}

static void
worker_main(const struct conf *c, int fd, const struct server_app *app)
{
	FCGX_Request		 fr;
	struct sigaction	 sa;
	sigset_t		 term, other;
	void			*ctx;
	int			 rc;

#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_signal;	/* no SA_RESTART: accept() wakes */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);	/* the master reloads, not workers */
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);
	sigemptyset(&other);
	sigaddset(&other, SIGHUP);
	sigaddset(&other, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &other, NULL);

	if ((ctx = app->worker_init(c, app->metrics)) == NULL) {
		log_msg(LOG_ERROR, "worker", "worker failed to initialise");
		_exit(3);
	}
	worker_listen_fd = fd;
	if (FCGX_InitRequest(&fr, fd, 0) != 0) {
		log_msg(LOG_ERROR, "worker", "FCGX_InitRequest failed");
		_exit(3);
	}
	while (!sig_stop) {
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		rc = FCGX_Accept_r(&fr);
		sigprocmask(SIG_BLOCK, &term, NULL);
		if (rc < 0)
			break;
		worker_handle(c, app, ctx, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	app->worker_free(ctx);
	exit(0);
}

struct worker_slot {
	pid_t	 pid;
	int64_t	 started_us;
	int	 retire;	/* SIGHUP: 1 to be replaced, 2 signalled */
	int	 replaced;	/* exited on request: not a restart */
};

static pid_t
spawn_worker(const struct conf *c, int fd, const struct server_app *app)
{
	pid_t pid;

	if ((pid = fork()) == -1) {
		log_msg(LOG_ERROR, "master", "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main(c, fd, app);	/* installs handlers, then unmasks */
	return pid;
}

static void
reap(struct worker_slot *w, int n, int64_t *backoff_until)
{
	pid_t	 pid;
	int	 status, i;
	int64_t	 now = clock_mono_us();

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (w[i].pid != pid)
				continue;
			if (WIFSIGNALED(status))
				log_msg(sig_stop ? LOG_INFO : LOG_WARN, "worker_exit",
				    "worker %d killed by signal %d",
				    (int)pid, WTERMSIG(status));
			else
				log_msg(sig_stop || w[i].retire ? LOG_INFO :
				    LOG_WARN, "worker_exit",
				    "worker %d exited with status %d",
				    (int)pid, WEXITSTATUS(status));
			if (!sig_stop && !w[i].retire &&
			    now - w[i].started_us < SERVER_RESPAWN_MIN_US)
				*backoff_until = now + 1000000;
			w[i].replaced = w[i].retire != 0;
			w[i].pid = 0;
			w[i].retire = 0;
		}
	}
}

/* Replaces workers marked by SIGHUP one at a time, so the others keep
 * serving: the next is signalled only when the previous has gone. */
static void
retire_next(struct worker_slot *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0 && w[i].retire == 2)
			return;
	for (i = 0; i < n; i++)
		if (w[i].pid > 0 && w[i].retire == 1) {
			w[i].retire = 2;
			kill(w[i].pid, SIGTERM);
			return;
		}
}

static void
stop_workers(const struct conf *c, struct worker_slot *w, int n)
{
	int64_t		 deadline;
	struct timespec	 tick = { 0, 20 * 1000000 };
	int		 i, alive;
	int64_t		 dummy;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGTERM);
	deadline = clock_mono_us() + (int64_t)c->graceful_timeout * 1000000;
	for (;;) {
		reap(w, n, &dummy);
		for (alive = 0, i = 0; i < n; i++)
			alive += w[i].pid > 0;
		if (alive == 0 || clock_mono_us() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < n; i++)
		if (w[i].pid > 0) {
			log_msg(LOG_WARN, "master", "worker %d did not stop "
			    "in %d s; killing it", (int)w[i].pid,
			    c->graceful_timeout);
			kill(w[i].pid, SIGKILL);
			waitpid(w[i].pid, NULL, 0);
			w[i].pid = 0;
		}
}

int
server_run(const struct conf *c, int fd, int owned,
    const struct server_app *app)
{
	struct worker_slot	 w[SERVER_MAX_WORKERS];
	struct sigaction	 sa;
	sigset_t		 block, oldmask;
	struct timespec		 pause = { 0, 100 * 1000000 };
	int64_t			 backoff_until = 0;
	int			 i, n = c->workers, restarts = 0;
	const char		*path;

	memset(w, 0, sizeof(w));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &oldmask);

	log_msg(LOG_INFO, "start", "listening on %s with %d workers",
	    c->listen, n);
	while (!sig_stop) {
		sig_chld = 0;
		reap(w, n, &backoff_until);
		if (sig_hup) {
			sig_hup = 0;
			log_msg(LOG_INFO, "reload", "replacing workers");
			for (i = 0; i < n; i++)
				if (w[i].pid > 0 && w[i].retire == 0)
					w[i].retire = 1;
		}
		retire_next(w, n);
		if (clock_mono_us() >= backoff_until) {
			for (i = 0; i < n; i++) {
				if (w[i].pid != 0)
					continue;
				if (w[i].started_us != 0 && !w[i].replaced) {
					restarts++;
					metrics_worker_restart(app->metrics);
				}
				w[i].replaced = 0;
				w[i].pid = spawn_worker(c, fd, app);
				w[i].started_us = clock_mono_us();
				if (w[i].pid < 0)
					w[i].pid = 0;
			}
		}
		if (sig_stop)
			break;
		if (clock_mono_us() < backoff_until) {
			/* Wait out the back-off, still answering signals. */
			sigprocmask(SIG_SETMASK, &oldmask, NULL);
			nanosleep(&pause, NULL);
			sigprocmask(SIG_BLOCK, &block, NULL);
			continue;
		}
		if (!sig_chld && !sig_hup)
			sigsuspend(&oldmask);
	}
	log_msg(LOG_INFO, "stop", "stopping %d workers (%d restarts)", n,
	    restarts);
	stop_workers(c, w, n);
	close(fd);
	if (owned && unix_path(c, &path))
		unlink(path);
	log_msg(LOG_INFO, "stop", "stopped");
	return 0;
}
