/* log.c — structured JSON logging to stderr (see log.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonout.h"
#include "log.h"

/* Set once by log_init() before workers fork; read-only afterwards. */
static const char	*log_prog = "aurora";
static enum log_level	 log_min = LOG_INFO;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *prog, const char *level)
{
	size_t i;

	log_prog = prog;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (level != NULL && strcmp(level, log_names[i]) == 0)
			log_min = (enum log_level)i;
}

int
log_enabled(enum log_level lv)
{
	return lv >= log_min;
}

static json_object *
log_header(enum log_level lv, const char *event)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 ts[64];
	json_object	*o;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000) % 1000);
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (jsonout_string(o, "ts", ts) == -1 ||
	    jsonout_string(o, "level", log_names[lv]) == -1 ||
	    jsonout_string(o, "prog", log_prog) == -1 ||
	    jsonout_int(o, "pid", (int64_t)getpid()) == -1 ||
	    jsonout_string(o, "event", event) == -1) {
		/* Out of memory: no line rather than half of one. */
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void
log_write(json_object *o)
{
	const char	*s;
	char		 line[8192];
	size_t		 n;

	if ((s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL)
		return;
	n = strlen(s);
	/* One write per line keeps lines from several workers whole. */
	if (n + 1 <= sizeof(line)) {
		memcpy(line, s, n);
		line[n] = '\n';
		(void)!write(STDERR_FILENO, line, n + 1);
	} else {
		(void)!write(STDERR_FILENO, s, n);
		(void)!write(STDERR_FILENO, "\n", 1);
	}
}

void
log_msg(enum log_level lv, const char *event, const char *fmt, ...)
{
	json_object	*o;
	char		 msg[2048];
	va_list		 ap;

	if (!log_enabled(lv))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((o = log_header(lv, event)) == NULL)
		return;
	if (jsonout_string(o, "msg", msg) == 0)
		log_write(o);
	json_object_put(o);
}

void
log_fields(enum log_level lv, const char *event, json_object *fields)
{
	json_object *o;

	if (!log_enabled(lv) || (o = log_header(lv, event)) == NULL)
		return;
	json_object_object_foreach(fields, k, v)
		if ((v == NULL ? jsonout_null(o, k) :
		    jsonout_add(o, k, json_object_get(v))) == -1)
			goto out;
	log_write(o);
out:
	json_object_put(o);
}
