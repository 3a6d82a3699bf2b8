/* health.c — GET /api/v1/health: liveness and database reachability. */
#include "config.h"

#include "api/app.h"
#include "core/jsonout.h"

void
api_health(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o, *err = NULL;
	int		 up;

	up = db_ping(app->db) == DB_OK;
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "status", up ? "ok" : "unavailable") == -1 ||
	    jsonout_string(o, "database", up ? "ok" : "unreachable") == -1 ||
	    jsonout_string(o, "version", PACKAGE_VERSION) == -1)
		goto fail;
	if (!up) {
		if ((err = json_object_new_object()) == NULL ||
		    jsonout_string(err, "code", "unavailable") == -1 ||
		    jsonout_string(err, "message",
		    "the database is unreachable") == -1)
			goto fail;
		if (jsonout_add(o, "error", err) == -1) {
			err = NULL;	/* put by jsonout_add */
			goto fail;
		}
		(void)http_add_header(req, "Retry-After", "5");
	}
	http_json(req, up ? 200 : 503, o);
	return;
fail:
	json_object_put(err);
	json_object_put(o);
	http_error(req, 500, "internal", NULL, "internal error");
}
