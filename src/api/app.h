/* app.h — a worker's whole context in aurora-api: configuration, database
 * connection and per-worker scratch. Handlers receive it as their ctx. */
#ifndef AURORA_APP_H
#define AURORA_APP_H

#include "core/conf.h"
#include "db/db.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/route.h"

struct app {
	const struct conf	*conf;
	struct db		*db;
	struct metrics		*metrics;	/* shared with the master */
	struct identity		*identity;	/* keys, verifier (src/auth) */
	struct occache		*occ;		/* series expansions, or NULL */
	struct db_replica	*replica;	/* db_read_conninfo's, or NULL */
	struct db		*reader;	/* this request's reads: db or
						   the replica's (replica.h) */
};

/* The route table (routes.c). */
extern const struct route app_routes[];
extern const size_t app_nroutes;

void *app_worker_init(const struct conf *c, struct metrics *m);
void app_worker_free(void *ctx);
/* Routes one request: 404/405/422 for unknown paths, methods or query
 * parameters, authentication for ROUTE_AUTH routes, then the handler. */
void app_handle(void *ctx, struct http_req *req);

/* Answers a database failure the way every handler should: 503 when the
 * database is unreachable, 500 otherwise. */
void app_db_error(struct http_req *req, enum db_rc rc);

/* Authenticates req by its Bearer access token (authn.c): sets
 * req->user_id and returns 0, or answers 401 (or 503) and returns -1. The
 * session check of our own tokens is armed as the database guard (db.h)
 * and runs with the handler's first statement, or before the answer goes
 * out (app_handle's gate); a refusal there answers 401 all the same. */
int app_authenticate(struct app *app, struct http_req *req)
    __attribute__((warn_unused_result));
/* The same check run at once, also handing back the user (for
 * /api/v1/auth/verify). */
struct verify_user;
int app_authenticate_user(struct app *app, struct http_req *req,
    struct verify_user *u) __attribute__((warn_unused_result));

/* Handlers. */
void api_health(void *ctx, struct http_req *req);
void api_auth_signup(void *ctx, struct http_req *req);
void api_auth_confirm(void *ctx, struct http_req *req);
void api_auth_resend(void *ctx, struct http_req *req);
void api_auth_login(void *ctx, struct http_req *req);
void api_auth_mfa(void *ctx, struct http_req *req);
void api_auth_refresh(void *ctx, struct http_req *req);
void api_auth_logout(void *ctx, struct http_req *req);
void api_auth_logout_all(void *ctx, struct http_req *req);
void api_auth_forgot(void *ctx, struct http_req *req);
void api_auth_reset(void *ctx, struct http_req *req);
void api_auth_verify(void *ctx, struct http_req *req);
void api_me_get(void *ctx, struct http_req *req);
void api_me_patch(void *ctx, struct http_req *req);
void api_me_delete(void *ctx, struct http_req *req);
void api_me_sessions(void *ctx, struct http_req *req);
void api_me_session_end(void *ctx, struct http_req *req);
void api_me_email_confirm(void *ctx, struct http_req *req);
void api_me_password(void *ctx, struct http_req *req);
void api_wellknown_jwks(void *ctx, struct http_req *req);
void api_wellknown_openid(void *ctx, struct http_req *req);
void api_reminders_list(void *ctx, struct http_req *req);
void api_metrics(void *ctx, struct http_req *req);
void api_events_create(void *ctx, struct http_req *req);
void api_events_list(void *ctx, struct http_req *req);
void api_events_get(void *ctx, struct http_req *req);
void api_events_patch(void *ctx, struct http_req *req);
void api_events_delete(void *ctx, struct http_req *req);
void api_events_import(void *ctx, struct http_req *req);
void api_calendars_list(void *ctx, struct http_req *req);
void api_calendars_create(void *ctx, struct http_req *req);
void api_calendars_get(void *ctx, struct http_req *req);
void api_calendars_patch(void *ctx, struct http_req *req);
void api_calendars_delete(void *ctx, struct http_req *req);
void api_subscriptions_list(void *ctx, struct http_req *req);
void api_subscriptions_create(void *ctx, struct http_req *req);
void api_subscriptions_get(void *ctx, struct http_req *req);
void api_subscriptions_patch(void *ctx, struct http_req *req);
void api_subscriptions_delete(void *ctx, struct http_req *req);
void api_subscriptions_refresh(void *ctx, struct http_req *req);
void api_calendar_ics(void *ctx, struct http_req *req);
void api_feed_ics(void *ctx, struct http_req *req);
void api_feed_create(void *ctx, struct http_req *req);
void api_feed_delete(void *ctx, struct http_req *req);
void api_apppass_create(void *ctx, struct http_req *req);
void api_apppass_list(void *ctx, struct http_req *req);
void api_apppass_delete(void *ctx, struct http_req *req);
void api_apppass_mobileconfig(void *ctx, struct http_req *req);
void api_mfa_totp_create(void *ctx, struct http_req *req);
void api_mfa_totp_confirm(void *ctx, struct http_req *req);
void api_mfa_recovery_renew(void *ctx, struct http_req *req);
void api_mfa_totp_delete(void *ctx, struct http_req *req);

/* A sensitive change while two-step sign-in is on needs a fresh code
 * (mfa.c): 0 when it is off or body's "code" is accepted (and spent), -1
 * after answering (422 missing or wrong, 429, 503). */
struct json_object;
int api_mfa_fresh_code(struct app *app, struct http_req *req,
    struct json_object *body) __attribute__((warn_unused_result));

#endif
