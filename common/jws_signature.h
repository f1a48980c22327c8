/*
 * jws_signature.h — checks one JWS signature (RFC 7515, RFC 7518 §3,
 * RFC 8037) over the signing input "HEADER.PAYLOAD" with a public key.
 *
 * RS256 is RSASSA-PKCS1-v1_5 with SHA-256; ES256 is ECDSA P-256 with
 * SHA-256, its signature the raw 64 bytes r || s (turned into DER for
 * OpenSSL; any other length is refused); EdDSA is Ed25519, which hashes
 * by itself.  The key's type must already fit the algorithm (jwk.h).
 * Thread-safe: the key is only read.
 */
#ifndef HEAL_JWS_SIGNATURE_H
#define HEAL_JWS_SIGNATURE_H

#include "jwk.h"

#include <stdbool.h>
#include <stddef.h>

bool jws_signature_valid(EVP_PKEY *pkey, enum jwk_alg alg, const char *input, size_t input_len,
                         const unsigned char *sig, size_t sig_len);

#endif
