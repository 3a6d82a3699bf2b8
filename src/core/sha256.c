/* sha256.c — SHA-256 to hex (see sha256.h), on OpenSSL's EVP digest. */
#include "config.h"

#include <openssl/evp.h>

#include "core/sha256.h"

int
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != SHA256_HEX_LEN / 2)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
	return 0;
}
