/* authn.c — Bearer-token authentication for protected routes. Until the
 * identity module lands every protected route answers 401. */
#include "config.h"

#include "api/app.h"

int
app_authenticate(struct app *app, struct http_req *req)
{
	(void)app;
	http_unauthorized(req, req->authorization != NULL);
	return -1;
}
