/* session.h — sign-in sessions and their tokens: an access and an id token
 * signed with our key, and an opaque refresh token (32 random bytes, stored
 * only as SHA-256) that rotates on every use. Presenting a rotated refresh
 * token again revokes its whole session (reuse detection). */
#ifndef AURORA_SESSION_H
#define AURORA_SESSION_H

#include <time.h>

#include "auth/account.h"
#include "auth/identity.h"
#include "db/db.h"

#define SESSION_REFRESH_LEN	43	/* base64url of 32 bytes */

struct session_tokens {
	char	*access_token;		/* free() via session_tokens_free */
	char	*id_token;
	char	 refresh_token[SESSION_REFRESH_LEN + 1];
	long	 expires_in;		/* seconds the access token lives */
};

void session_tokens_free(struct session_tokens *t);

/* How the user of a session proved who they are: the RFC 8176 "amr" of
 * its tokens, kept on the session so that refreshed tokens say the same. */
enum session_amr {
	SESSION_AMR_PWD = 0,	/* ["pwd"] */
	SESSION_AMR_MFA		/* ["pwd", "otp", "mfa"]: password and a code */
};

/* The client of a sign-in or refresh, as the sessions page shows it: the
 * User-Agent header (named by auth/useragent.h) and the client address
 * (kept masked to its /24 or /64, throttle_network). Either may be NULL. */
struct session_client {
	const char	*user_agent;
	const char	*addr;
};

/* Starts a session for u (who just proved their password, and with
 * SESSION_AMR_MFA a second factor) and mints its first tokens into out.
 * session_open_client also records the device name and network of cl
 * (NULL: unknown); session_open is it with NULL. */
enum account_rc session_open(struct db *db, const struct identity *id,
    const struct account_user *u, enum session_amr amr, time_t now,
    struct session_tokens *out) __attribute__((warn_unused_result));
enum account_rc session_open_client(struct db *db, const struct identity *id,
    const struct account_user *u, enum session_amr amr, time_t now,
    const struct session_client *cl,
    struct session_tokens *out) __attribute__((warn_unused_result));

/* Rotates refresh: new tokens into out, or ACCOUNT_DENIED for an unknown,
 * expired, revoked or reused token (reuse also revokes the session). The
 * session's last use moves at most once a minute, or when cl's network
 * differs from the one recorded (session_refresh: cl NULL). */
enum account_rc session_refresh(struct db *db, const struct identity *id,
    const char *refresh, time_t now, struct session_tokens *out)
    __attribute__((warn_unused_result));
enum account_rc session_refresh_client(struct db *db,
    const struct identity *id, const char *refresh, time_t now,
    const struct session_client *cl, struct session_tokens *out)
    __attribute__((warn_unused_result));

/* Revokes the session of refresh (and so its access tokens). ACCOUNT_OK
 * also when the token is unknown. */
enum account_rc session_logout(struct db *db, const char *refresh)
    __attribute__((warn_unused_result));

/* The user's open sessions (signed in, not revoked, not expired), most
 * recently used first: *out is {"items": [{"id", "signed_in_at",
 * "last_used_at", "expires_at", "device_name", "network", "current"}]},
 * current for current_id (the session of the token asking; may be "");
 * device_name and network are "" for sessions older than sql/014. */
enum account_rc session_list(struct db *db, const char *user_id,
    const char *current_id, json_object **out)
    __attribute__((warn_unused_result));

/* Ends one open session of the user: its refresh tokens stop working and
 * its access tokens are refused from the next request. ACCOUNT_NOT_FOUND
 * when the user has no such open session (another user's included). */
enum account_rc session_end(struct db *db, const char *user_id,
    const char *session_id) __attribute__((warn_unused_result));

/* Global sign-out: every session of the user is revoked and access tokens
 * issued before now are refused. Runs its own transaction. */
enum account_rc session_logout_all(struct db *db, const char *user_id)
    __attribute__((warn_unused_result));

/* The statements of a global sign-out, inside the caller's transaction:
 * users.signed_out_at moves, every session is revoked and every app
 * password deleted (auth/apppass.h). reason is one of the
 * auth_sessions.revoked_reason values. */
enum db_rc session_revoke_all_tx(struct db *db, const char *user_id,
    const char *reason) __attribute__((warn_unused_result));

/* Inside the caller's transaction: every open session of the user but
 * keep_id (the caller's; "" or NULL: none kept) is revoked with reason.
 * Unlike session_revoke_all_tx, users.signed_out_at and app passwords stay,
 * so the kept session's tokens go on working. */
enum db_rc session_revoke_others_tx(struct db *db, const char *user_id,
    const char *keep_id, const char *reason)
    __attribute__((warn_unused_result));

/* A random (version 4) UUID into out[37]. */
int session_uuid(char out[37]);

#endif
