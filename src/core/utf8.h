/* utf8.h — strict UTF-8 decoding, shared by every module that checks text
 * from outside (event fields, ICS lines, passwords, mail headers). */
#ifndef AURORA_UTF8_H
#define AURORA_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at p (len bytes available) into *cp. Returns its
 * length in bytes (1-4), or -1 for bytes that are not well-formed UTF-8:
 * overlong forms, surrogates, values past U+10FFFF, a cut-off sequence. */
int utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);

/* What utf8_count refuses besides ill-formed bytes and NUL (always). The
 * callers differ on purpose: a password may hold any character but NUL;
 * event text holds no control character (C0, DEL, C1), a description may
 * hold tab, CR and LF. */
#define UTF8_NO_CTL	0x1	/* C0 controls, DEL, C1 (U+0080-U+009F) */
#define UTF8_TEXT_CTL	0x2	/* with UTF8_NO_CTL: tab, CR and LF allowed */

/* The number of characters (code points) in s[0..len), or -1 when it is
 * not well-formed UTF-8 or holds a character flags refuse. */
long utf8_count(const char *s, size_t len, int flags);

#endif
