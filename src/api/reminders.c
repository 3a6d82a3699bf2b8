/* reminders.c — GET /api/v1/reminders?from=&to=: the signed-in user's
 * reminders whose reminder time falls in the window, with their status
 * (pending, sending, sent, failed with the reason, skipped, cancelled). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api/app.h"
#include "core/clock.h"
#include "mail/outbox.h"

#define REMINDERS_PAST_DEFAULT	(7L * 86400)	/* from = now - 7 days */
#define REMINDERS_AHEAD_DEFAULT	(30L * 86400)	/* to = now + 30 days */
#define REMINDERS_WINDOW_MAX	(400L * 86400)
#define REMINDERS_PARAM_MAX	64

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static long long
days_from_civil(int y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), every field in range. */
static int
parse_instant(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char	*p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0))) || h > 23 || mi > 59 || sec > 59)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		if (p == s + 20)
			return -1;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - sign * (oh * 3600 + om * 60));
	return 0;
}

/* 1 with *t set when the parameter is there and valid, 0 when absent, -1
 * after answering 422. */
static int
instant_param(struct http_req *req, const char *name, time_t *t)
{
	char	 v[REMINDERS_PARAM_MAX];
	int	 rc;

	rc = http_query_get(req->query, name, v, sizeof(v));
	if (rc == 0)
		return 0;
	if (rc == -1 || parse_instant(v, t) == -1) {
		http_error(req, 422, "validation_failed", name, "%s must be an "
		    "RFC 3339 date-time such as 2026-03-05T09:00:00Z", name);
		return -1;
	}
	return 1;
}

void
api_reminders_list(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	time_t		 now = time(NULL), from, to;
	char		 sfrom[32], sto[32];
	json_object	*list = NULL, *o;
	enum db_rc	 rc;
	int		 have_from, have_to;

	if ((have_from = instant_param(req, "from", &from)) == -1 ||
	    (have_to = instant_param(req, "to", &to)) == -1)
		return;
	if (!have_from)
		from = now - REMINDERS_PAST_DEFAULT;
	if (!have_to)
		to = (have_from ? from : now) + REMINDERS_AHEAD_DEFAULT;
	if (to <= from) {
		http_error(req, 422, "validation_failed", "to",
		    "to must be later than from");
		return;
	}
	if (to - from > REMINDERS_WINDOW_MAX) {
		http_error(req, 422, "validation_failed", "to",
		    "the window may span at most 400 days");
		return;
	}
	if (clock_rfc3339_utc(from, sfrom, sizeof(sfrom)) == -1 ||
	    clock_rfc3339_utc(to, sto, sizeof(sto)) == -1) {
		http_error(req, 422, "validation_failed", "from",
		    "the window is out of range");
		return;
	}
	if ((rc = outbox_list_user(app->db, req->user_id, sfrom, sto,
	    &list)) != DB_OK) {
		app_db_error(req, rc);
		return;
	}
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(list);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	json_object_object_add(o, "from", json_object_new_string(sfrom));
	json_object_object_add(o, "to", json_object_new_string(sto));
	json_object_object_add(o, "reminders", list);
	http_json(req, 200, o);
}
