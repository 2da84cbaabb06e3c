/* mptcp_crypto.h - keys to tokens and IDSNs, join HMACs (RFC 6824 / 8684).
 * v0 uses SHA-1, v1 SHA-256; keys and nonces are hashed in network order. */
#ifndef MPTCPA_MPTCP_CRYPTO_H
#define MPTCPA_MPTCP_CRYPTO_H

#include <stdbool.h>
#include <stdint.h>

/* token: most significant 32 bits of H(key); IDSN: least significant 64 bits */
void mptcp_key_derive(uint64_t key, int version, uint32_t *token, uint64_t *idsn);

/* HMAC(key_a || key_b, nonce_a || nonce_b), leftmost 20 bytes into out */
void mptcp_join_hmac(int version, uint64_t key_a, uint64_t key_b, uint32_t nonce_a,
                     uint32_t nonce_b, uint8_t out[20]);

#endif
