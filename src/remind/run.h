/* run.h — aurora-remind's work: passes over the outbox (reclaim expired
 * leases, extend the schedule, claim, render, send, record), once for cron
 * or continuously, woken by NOTIFY aurora_outbox and a timer. */
#ifndef AURORA_REMIND_RUN_H
#define AURORA_REMIND_RUN_H

#include <signal.h>

#include "core/conf.h"

#define REMIND_EXIT_OK		0
#define REMIND_EXIT_TROUBLE	1	/* cron mails the operator */
#define REMIND_EXIT_USAGE	2

enum remind_mode { REMIND_ONCE, REMIND_WATCH, REMIND_DRY_RUN, REMIND_QUOTA };

/* Set by the signal handler; the run finishes what is in flight and
 * returns when it sees it. */
extern volatile sig_atomic_t remind_stop;

/* Runs mode with configuration c; verbose makes --dry-run print whole
 * messages. Returns an exit status. */
int remind_main(const struct conf *c, enum remind_mode mode, int verbose);

#endif
