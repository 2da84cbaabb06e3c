/* mptcp_crypto.c - token, IDSN and HMAC computations with GLib's GChecksum/GHmac. */
#include "track/mptcp_crypto.h"

#include <string.h>
#include <glib.h>

static void put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static void put_be32(uint8_t *b, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

void mptcp_key_derive(uint64_t key, int version, uint32_t *token, uint64_t *idsn)
{
	GChecksumType type = version >= 1 ? G_CHECKSUM_SHA256 : G_CHECKSUM_SHA1;
	uint8_t in[8], out[32];
	gsize outlen = sizeof out;
	put_be64(in, key);
	GChecksum *c = g_checksum_new(type);
	g_checksum_update(c, in, sizeof in);
	g_checksum_get_digest(c, out, &outlen);
	g_checksum_free(c);
	uint32_t t = 0;
	uint64_t s = 0;
	for (int i = 0; i < 4; i++)
		t = t << 8 | out[i];
	for (gsize i = outlen - 8; i < outlen; i++)
		s = s << 8 | out[i];
	if (token)
		*token = t;
	if (idsn)
		*idsn = s;
}

void mptcp_join_hmac(int version, uint64_t key_a, uint64_t key_b, uint32_t nonce_a,
                     uint32_t nonce_b, uint8_t out[20])
{
	uint8_t key[16], msg[8], digest[32];
	gsize len = sizeof digest;
	put_be64(key, key_a);
	put_be64(key + 8, key_b);
	put_be32(msg, nonce_a);
	put_be32(msg + 4, nonce_b);
	GHmac *h = g_hmac_new(version >= 1 ? G_CHECKSUM_SHA256 : G_CHECKSUM_SHA1, key, sizeof key);
	g_hmac_update(h, msg, sizeof msg);
	g_hmac_get_digest(h, digest, &len);
	g_hmac_unref(h);
	memcpy(out, digest, 20);
}
