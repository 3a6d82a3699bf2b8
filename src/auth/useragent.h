/* useragent.h — a readable name for the device of a sign-in, made from its
 * User-Agent header ("Firefox on Linux", "Safari on iPhone"), for the
 * sessions page. Table-driven and capped: no regular expressions, and only
 * the first USERAGENT_SCAN bytes of the header are looked at. */
#ifndef AURORA_USERAGENT_H
#define AURORA_USERAGENT_H

#include <stddef.h>

#define USERAGENT_SCAN		512	/* bytes of the header examined */
#define USERAGENT_NAME_MAX	64	/* longest name, with its NUL */

/* Writes the device name of ua (NULL or "" when the client sent none) into
 * out (USERAGENT_NAME_MAX bytes): "<client> on <system>", the client or
 * the system alone when only one is known, "Unknown device" when neither
 * is. Never fails; out is always a NUL-terminated ASCII name of our own
 * words, never text copied from the header. */
void useragent_name(const char *ua, char out[USERAGENT_NAME_MAX]);

#endif
