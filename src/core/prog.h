/* prog.h — the start shared by the programs a timer or a service manager
 * runs (aurora-remind, aurora-fetch): the configuration loaded (or only
 * checked, -t), logging started, SIGTERM and SIGINT handed to the
 * program's stop flag without SA_RESTART (a wait must be cut short), and
 * SIGPIPE ignored. */
#ifndef AURORA_PROG_H
#define AURORA_PROG_H

#include "core/conf.h"

#define PROG_RUN	(-1)	/* prog_start: go on */

/* Loads path into c as program prog. With test set, says whether the file
 * is valid and returns the exit status (0 or 1); else starts logging,
 * installs on_stop and returns PROG_RUN, or 1 when the file does not load
 * (said on stderr). */
int prog_start(const char *prog, const char *path, int test, struct conf *c,
    void (*on_stop)(int));

#endif
