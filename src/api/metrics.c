/* metrics.c — GET /metrics: Prometheus text format. nginx admits only
 * loopback and the configured monitoring network. */
#include "config.h"

#include "api/app.h"
#include "mail/opstats.h"
#include "mail/outbox.h"

/* aurora_mail_sends_total{transport,result}: what aurora-remind senders
 * (any host) recorded after each pass. */
static int
render_sends(struct app *app, struct buf *out)
{
	PGresult	*r = NULL;
	int		 i, rc = -1;

	if (buf_addstr(out, "# HELP aurora_mail_sends_total Mail handed to a "
	    "transport, by transport and result.\n"
	    "# TYPE aurora_mail_sends_total counter\n") != BUF_OK)
		goto out;
	if (opstats_sends(app->db, &r) != DB_OK) {
		rc = 0;	/* the gauges above still stand */
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (buf_printf(out, "aurora_mail_sends_total{transport=\"%s\","
		    "result=\"%s\"} %s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)) != BUF_OK)
			goto out;
	rc = 0;
out:
	PQclear(r);
	return rc;
}

void
api_metrics(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	struct outbox_gauges st;
	struct buf	 out;
	int		 dbup;

	buf_init(&out, 1 << 20);
	dbup = outbox_gauges(app->db, &st) == DB_OK;
	if (metrics_render(app->metrics, app_routes, app_nroutes, &out) == -1 ||
	    buf_printf(&out,
	    "# HELP aurora_database_up Whether the worker reached PostgreSQL.\n"
	    "# TYPE aurora_database_up gauge\naurora_database_up %d\n",
	    dbup) != BUF_OK)
		goto fail;
	if (dbup && buf_printf(&out,
	    "# HELP aurora_outbox_mail Mail in the outbox by state.\n"
	    "# TYPE aurora_outbox_mail gauge\n"
	    "aurora_outbox_mail{state=\"pending\"} %ld\n"
	    "aurora_outbox_mail{state=\"due\"} %ld\n"
	    "aurora_outbox_mail{state=\"sending\"} %ld\n"
	    "# HELP aurora_outbox_oldest_due_seconds Lateness of the oldest "
	    "due mail not yet sent.\n"
	    "# TYPE aurora_outbox_oldest_due_seconds gauge\n"
	    "aurora_outbox_oldest_due_seconds %.3f\n",
	    st.pending, st.due, st.sending, st.oldest_due_s) != BUF_OK)
		goto fail;
	if (dbup && render_sends(app, &out) == -1)
		goto fail;
	http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    out.data, out.len);
	buf_free(&out);
	return;
fail:
	buf_free(&out);
	http_error(req, 500, "internal", NULL, "internal error");
}
