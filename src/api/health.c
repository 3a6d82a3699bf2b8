/* health.c — GET /api/v1/health: liveness and database reachability. */
#include "config.h"

#include "api/app.h"

void
api_health(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o;
	int		 up;

	up = db_ping(app->db) == DB_OK;
	if ((o = json_object_new_object()) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	json_object_object_add(o, "status",
	    json_object_new_string(up ? "ok" : "unavailable"));
	json_object_object_add(o, "database",
	    json_object_new_string(up ? "ok" : "unreachable"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	if (!up) {
		json_object	*err = json_object_new_object();

		json_object_object_add(err, "code",
		    json_object_new_string("unavailable"));
		json_object_object_add(err, "message",
		    json_object_new_string("the database is unreachable"));
		json_object_object_add(o, "error", err);
		(void)http_add_header(req, "Retry-After", "5");
	}
	http_json(req, up ? 200 : 503, o);
}
