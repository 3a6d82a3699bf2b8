/* authn.c — Bearer-token authentication for protected routes and for GET
 * /api/v1/auth/verify, through the one verifier (src/auth/verify.c), so
 * both answer every token the same way; then the user's row: checked for
 * our own tokens (on a protected route in the same round trip as the
 * handler's first statement: the database guard, src/db/db.h), found or
 * created for external issuers (src/auth/external.c). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api/app.h"
#include "auth/external.h"
#include "auth/identity.h"
#include "auth/verify.h"
#include "core/log.h"

/* Verifies req's token and the user behind it into u. now_: the session
 * check of our own tokens runs at once (u->email filled), else it is armed
 * as the database guard, to go with the handler's first statement. */
static int
authenticate(struct app *app, struct http_req *req, struct verify_user *u,
    int now_)
{
	struct verify_claims	 c;
	char			 why[128];
	enum verify_result	 rc;

	memset(u, 0, sizeof(*u));
	/* The verifier says who the token stands for; the user's row is
	 * checked (ours) or found and created on first use (external
	 * issuers) after it, so the verifier itself never writes. */
	rc = verify_bearer(app->identity->verifier, req->authorization,
	    time(NULL), &c, why, sizeof(why));
	if (rc == VERIFY_OK && c.issuer->local)
		rc = now_ ? verify_local_user(app->db, &c, u, why, sizeof(why)) :
		    verify_local_guard(app->db, &c, u, why, sizeof(why));
	else if (rc == VERIFY_OK)
		rc = external_user(app->db, &c, u, why, sizeof(why));
	if (rc != VERIFY_OK)
		log_msg(rc == VERIFY_REJECT ? LOG_DEBUG : LOG_WARN,
		    "auth_reject", "%s", why);
	switch (rc) {
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
app_authenticate_user(struct app *app, struct http_req *req,
    struct verify_user *u)
{
	return authenticate(app, req, u, 1);
}

int
app_authenticate(struct app *app, struct http_req *req)
{
	struct verify_user u;

	return authenticate(app, req, &u, 0);
}
