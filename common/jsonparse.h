/*
 * jsonparse.h — the jv of JSON text that jsoncheck has accepted, built
 * without jq's parser.
 *
 * jq 1.6's parser costs more than a check definition is worth in an
 * inventory of 1,000 checks.  Text jsoncheck has proven well-formed needs
 * no error handling, so most of it can be built directly: numbers through
 * strtod (correctly rounded, as jq's own strtod is), strings byte for byte
 * through jv_string_sized (which repairs invalid UTF-8 as jq's parser
 * does), objects and arrays in order, a repeated key keeping its last
 * value.  A string with a \u escape is left to jq, whose handling of
 * surrogates is its own: the caller then parses the text with jq.
 *
 * jv ownership: the returned value belongs to the caller.
 */
#ifndef HEAL_JSONPARSE_H
#define HEAL_JSONPARSE_H

#include <jv.h>
#include <stddef.h>

/*
 * The value of s[0..len), which jsoncheck() must have accepted; or
 * jv_invalid() (without a message) when the text is left to jq.
 */
jv jsonparse_checked(const char *s, size_t len);

#endif
