/*
 * base64url.h — the URL-safe base64 of JOSE (RFC 7515 §2, RFC 4648 §5):
 * no padding, no line breaks, nothing but A-Z a-z 0-9 - _.
 *
 * Decoding is strict, so a token has exactly one spelling: '=' and any
 * other byte outside the alphabet are refused, as is a length that leaves
 * one character over (len % 4 == 1) or a last character whose unused low
 * bits are not zero.  Neither function allocates.
 */
#ifndef HEAL_BASE64URL_H
#define HEAL_BASE64URL_H

#include <stddef.h>

/* Bytes needed to decode len characters (an upper bound). */
#define BASE64URL_DECODED_MAX(len) ((len) / 4 * 3 + 2)
/* Characters base64url_encode() writes for len bytes, plus its NUL. */
#define BASE64URL_ENCODED_SIZE(len) (((len) + 2) / 3 * 4 + 1)

/* Decodes s[0..len) into out (BASE64URL_DECODED_MAX(len) bytes); 0 with *out_len, or -1. */
int base64url_decode(const char *s, size_t len, unsigned char *out, size_t *out_len);

/* Encodes in[0..len) into out (BASE64URL_ENCODED_SIZE(len) bytes), NUL-terminated; its length. */
size_t base64url_encode(const unsigned char *in, size_t len, char *out);

#endif
