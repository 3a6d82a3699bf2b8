/* identity.h — aurora-admin's identity commands: signing keys and users. */
#ifndef AURORA_ADMIN_IDENTITY_H
#define AURORA_ADMIN_IDENTITY_H

#include "core/conf.h"

/* keys create [BITS] | list | ensure. argv[0] is "keys". Returns the
 * exit status (2 for a usage error). */
int admin_keys(const struct conf *c, int argc, char **argv);
/* user list | disable EMAIL | enable EMAIL | delete EMAIL. */
int admin_user(const struct conf *c, int argc, char **argv);

#endif
