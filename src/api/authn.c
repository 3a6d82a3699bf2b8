/* authn.c — Bearer-token authentication for protected routes and for GET
 * /api/v1/auth/verify, through the one verifier (src/auth/verify.c), so
 * both answer every token the same way. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api/app.h"
#include "auth/identity.h"
#include "auth/verify.h"

int
app_authenticate_user(struct app *app, struct http_req *req,
    struct verify_user *u)
{
	switch (verify_bearer(app->identity->verifier, app->db,
	    req->authorization, time(NULL), u)) {
	case VERIFY_OK:
		memcpy(req->user_id, u->user_id, sizeof(u->user_id));
		memcpy(req->session_id, u->session_id, sizeof(u->session_id));
		return 0;
	case VERIFY_REJECT:
		http_unauthorized(req, 1);
		return -1;
	case VERIFY_UNAVAILABLE:
		http_unavailable(req);
		return -1;
	case VERIFY_ERROR:
		break;
	}
	http_error(req, 500, "internal", NULL, "internal error");
	return -1;
}

int
app_authenticate(struct app *app, struct http_req *req)
{
	struct verify_user u;

	return app_authenticate_user(app, req, &u);
}
