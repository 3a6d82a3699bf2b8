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

#endif
