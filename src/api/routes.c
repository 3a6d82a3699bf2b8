/* routes.c — every aurora-api route in one table. */
#include "config.h"

#include "api/app.h"
#include "dav/dav.h"

static const char *const reminders_query[] = { "from", "to", NULL };
static const char *const events_query[] = {
	"from", "to", "limit", "cursor", "calendar_id*", NULL
};
static const char *const import_query[] = { "calendar_id", NULL };

const struct route app_routes[] = {
	{ HTTP_GET, "/api/v1/health", api_health, 0, NULL },
	/* Identity (src/api/auth.c, me.c, wellknown.c). */
	{ HTTP_POST, "/api/v1/auth/signup", api_auth_signup, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/confirm", api_auth_confirm, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/resend", api_auth_resend, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/login", api_auth_login, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/mfa", api_auth_mfa, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/refresh", api_auth_refresh, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/logout", api_auth_logout, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/logout-all", api_auth_logout_all,
	    ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/auth/forgot", api_auth_forgot, 0, NULL },
	{ HTTP_POST, "/api/v1/auth/reset", api_auth_reset, 0, NULL },
	/* nginx auth_request target: verifies the token itself. */
	{ HTTP_GET, "/api/v1/auth/verify", api_auth_verify, 0, NULL },
	{ HTTP_GET, "/api/v1/me", api_me_get, ROUTE_AUTH, NULL },
	{ HTTP_PATCH, "/api/v1/me", api_me_patch, ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/me", api_me_delete, ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/me/email/confirm", api_me_email_confirm,
	    ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/me/password", api_me_password, ROUTE_AUTH,
	    NULL },
	{ HTTP_GET, "/api/v1/me/sessions", api_me_sessions, ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/me/sessions/{}", api_me_session_end,
	    ROUTE_AUTH, NULL },
	/* Two-step sign-in (src/api/mfa.c). */
	{ HTTP_POST, "/api/v1/me/mfa/totp", api_mfa_totp_create, ROUTE_AUTH,
	    NULL },
	{ HTTP_POST, "/api/v1/me/mfa/totp/confirm", api_mfa_totp_confirm,
	    ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/me/mfa/totp/recovery-codes",
	    api_mfa_recovery_renew, ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/me/mfa/totp", api_mfa_totp_delete, ROUTE_AUTH,
	    NULL },
	/* App passwords for calendar apps (src/api/apppass.c). */
	{ HTTP_POST, "/api/v1/me/app-passwords", api_apppass_create,
	    ROUTE_AUTH, NULL },
	{ HTTP_GET, "/api/v1/me/app-passwords", api_apppass_list, ROUTE_AUTH,
	    NULL },
	{ HTTP_DELETE, "/api/v1/me/app-passwords/{}", api_apppass_delete,
	    ROUTE_AUTH, NULL },
	{ HTTP_GET, "/api/v1/me/caldav.mobileconfig", api_apppass_mobileconfig,
	    ROUTE_AUTH, NULL },
	{ HTTP_GET, "/.well-known/jwks.json", api_wellknown_jwks, 0, NULL },
	{ HTTP_GET, "/.well-known/openid-configuration", api_wellknown_openid,
	    0, NULL },
	{ HTTP_GET, "/api/v1/reminders", api_reminders_list, ROUTE_AUTH,
	    reminders_query },
	/* Events (src/api/events.c, feeds.c, ics_import.c). */
	{ HTTP_POST, "/api/v1/events/import", api_events_import,
	    ROUTE_AUTH | ROUTE_RAW_BODY, import_query },
	{ HTTP_POST, "/api/v1/events", api_events_create, ROUTE_AUTH, NULL },
	{ HTTP_GET, "/api/v1/events", api_events_list,
	    ROUTE_AUTH | ROUTE_REPLICA, events_query },
	{ HTTP_GET, "/api/v1/events/{}", api_events_get,
	    ROUTE_AUTH | ROUTE_REPLICA, NULL },
	{ HTTP_PATCH, "/api/v1/events/{}", api_events_patch, ROUTE_AUTH,
	    NULL },
	{ HTTP_DELETE, "/api/v1/events/{}", api_events_delete, ROUTE_AUTH,
	    NULL },
	/* Calendars (src/api/calendars.c). */
	{ HTTP_GET, "/api/v1/calendars", api_calendars_list, ROUTE_AUTH,
	    NULL },
	{ HTTP_POST, "/api/v1/calendars", api_calendars_create, ROUTE_AUTH,
	    NULL },
	{ HTTP_GET, "/api/v1/calendars/{}", api_calendars_get, ROUTE_AUTH,
	    NULL },
	{ HTTP_PATCH, "/api/v1/calendars/{}", api_calendars_patch,
	    ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/calendars/{}", api_calendars_delete,
	    ROUTE_AUTH, NULL },
	/* Subscriptions to outside calendars (src/api/subscriptions.c). */
	{ HTTP_GET, "/api/v1/subscriptions", api_subscriptions_list,
	    ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/subscriptions", api_subscriptions_create,
	    ROUTE_AUTH, NULL },
	{ HTTP_GET, "/api/v1/subscriptions/{}", api_subscriptions_get,
	    ROUTE_AUTH, NULL },
	{ HTTP_PATCH, "/api/v1/subscriptions/{}", api_subscriptions_patch,
	    ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/subscriptions/{}", api_subscriptions_delete,
	    ROUTE_AUTH, NULL },
	{ HTTP_POST, "/api/v1/subscriptions/{}/refresh",
	    api_subscriptions_refresh, ROUTE_AUTH, NULL },
	{ HTTP_GET, "/api/v1/calendar.ics", api_calendar_ics,
	    ROUTE_AUTH | ROUTE_REPLICA, NULL },
	{ HTTP_POST, "/api/v1/me/feed", api_feed_create, ROUTE_AUTH, NULL },
	{ HTTP_DELETE, "/api/v1/me/feed", api_feed_delete, ROUTE_AUTH, NULL },
	{ HTTP_GET, "/feeds/{}.ics", api_feed_ics, ROUTE_REPLICA, NULL },
	/* CalDAV (src/dav/): every method on these subtrees, dispatched
	 * and authenticated there (HTTP Basic with app passwords). */
	{ HTTP_PROPFIND, DAV_PREFIX, dav_handle, ROUTE_PREFIX, NULL },
	{ HTTP_PROPFIND, DAV_WELL_KNOWN "/", dav_handle, ROUTE_PREFIX, NULL },
	/* nginx exposes /metrics to loopback and configured networks only. */
	{ HTTP_GET, "/metrics", api_metrics, 0, NULL },
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);
