/* authn.c — Bearer-token authentication for protected routes and for GET
 * /api/v1/auth/verify, through the one verifier (src/auth/verify.c), so
 * both answer every token the same way; then the user's row: read for our
 * own tokens, found or created for external issuers (src/auth/external.c). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api/app.h"
#include "auth/external.h"
#include "auth/identity.h"
#include "auth/verify.h"
#include "core/log.h"

int
app_authenticate_user(struct app *app, struct http_req *req,
    struct verify_user *u)
{
	struct verify_claims	 c;
	char			 why[128];
	enum verify_result	 rc;

	memset(u, 0, sizeof(*u));
	/* The verifier says who the token stands for; the user's row is
	 * read (ours) or found and created on first use (external issuers)
	 * after it, so the verifier itself never writes. */
	rc = verify_bearer(app->identity->verifier, req->authorization,
	    time(NULL), &c, why, sizeof(why));
	if (rc == VERIFY_OK)
		rc = c.issuer->local ?
		    verify_local_user(app->db, &c, u, why, sizeof(why)) :
		    external_user(app->db, &c, u, why, sizeof(why));
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
app_authenticate(struct app *app, struct http_req *req)
{
	struct verify_user u;

	return app_authenticate_user(app, req, &u);
}
