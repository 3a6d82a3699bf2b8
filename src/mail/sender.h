/* sender.h — the sender's policy over the outbox: passes that reclaim
 * expired leases, extend the schedule, claim, gate, render, send and record,
 * once for cron or continuously, woken by NOTIFY on OUTBOX_CHANNEL and a
 * timer; and the dry run that shows what a pass would do. aurora-remind
 * (src/remind/) parses its options and composes this with the events
 * module's schedule. */
#ifndef AURORA_MAIL_SENDER_H
#define AURORA_MAIL_SENDER_H

#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "core/conf.h"
#include "db/db.h"
#include "mail/transport.h"

struct sender;

/* Inserts the outbox rows that came into the scheduling horizon at now;
 * *inserted counts them. mail may not call events (docs/hacking.md), so the
 * front end hands in events' schedule_extend. */
typedef enum db_rc (*sender_extend_fn)(struct db *db, time_t now,
    long *inserted);

/* A sender for configuration c (borrowed; must outlive it). The run
 * finishes what is in flight and returns once *stop is nonzero (set by a
 * signal handler). Logs and returns NULL when mail_from is not an address
 * or memory runs out. Free with sender_free. */
struct sender *sender_new(const struct conf *c,
    const volatile sig_atomic_t *stop);

/* Gives the sender its database handle and transport (both borrowed; tr
 * may be NULL for a dry run) and the schedule extension to call before
 * each pass (NULL: none). */
void sender_attach(struct sender *s, struct db *db, struct transport *tr,
    sender_extend_fn extend);

void sender_free(struct sender *s);

/* One run for cron: passes until the outbox is done, waiting a while for
 * the database if it is away. */
void sender_run_once(struct sender *s);

/* Passes until stopped, sleeping between them until mail is due, a NOTIFY
 * came or remind_poll_seconds ran out. */
void sender_run_watch(struct sender *s);

/* Writes to out, one line per due mail (at most send_batch), what a pass
 * would do with it now, and with verbose the whole message; changes
 * nothing. -1 when the outbox cannot be read. */
int sender_dry_run(struct sender *s, int verbose, FILE *out);

/* Whether anything in the runs so far wants the operator's attention
 * (mail given up, results not recorded, the database away): exit 1. */
int sender_trouble(const struct sender *s);

#endif
