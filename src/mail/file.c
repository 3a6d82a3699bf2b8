/* file.c — the debugging transport: each message becomes one .eml file in
 * mail_dir, written under a temporary name and renamed, so a reader never
 * sees half a message. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/transport_impl.h"

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
file_send(struct transport *t, struct transport_msg *m,
    struct transport_result *r)
{
	const char	*dir = t->conf->mail_dir;
	char		 tmp[CONF_STR_MAX + 96], path[CONF_STR_MAX + 96];
	char		 name[80];
	int		 fd;

	snprintf(name, sizeof(name), "outbox-%lld-%d.eml", m->id, m->attempt);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		transport_result_set(r, TRANSPORT_PAUSE, "%s: %s", tmp,
		    strerror(errno));
		return;
	}
	if (write_all(fd, m->data, m->len) == -1 || fsync(fd) == -1) {
		transport_result_set(r, TRANSPORT_RETRY, "%s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		transport_result_set(r, TRANSPORT_RETRY, "%s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return;
	}
	transport_result_set(r, TRANSPORT_SENT, NULL);
	snprintf(r->provider_id, sizeof(r->provider_id), "%s", name);
}

static int
file_run(struct transport *t, const struct transport_source *src)
{
	struct transport_msg	*m;
	struct transport_result	 r;

	for (;;) {
		(void)transport_pace(t);
		if ((m = src->next(src->arg)) == NULL)
			return 0;
		file_send(t, m, &r);
		src->done(src->arg, m, &r);
		src->flush(src->arg);
	}
}

static int
file_check(struct transport *t, char *err, size_t errlen)
{
	if (access(t->conf->mail_dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "mail_dir %s: %s", t->conf->mail_dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static const struct transport_ops file_ops = {
	"file", file_run, NULL, file_check, NULL
};

int
transport_file_init(struct transport *t, char *err, size_t errlen)
{
	struct stat st;

	if (stat(t->conf->mail_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "mail_dir %s is not a directory",
		    t->conf->mail_dir);
		return -1;
	}
	t->ops = &file_ops;
	return 0;
}
