/*
 * redact.h — secrets out of text before it leaves the host or is logged.
 *
 * Passes over the text until one changes nothing; at each word boundary
 * the detectors below are tried in order and the first that matches
 * replaces what it found:
 *
 *   private key blocks  -----BEGIN ... PRIVATE KEY----- to its END line
 *                       (or the end of the text)      -> [REDACTED:private-key]
 *   URL passwords       scheme://user:PASSWORD@host   -> scheme://user:[REDACTED]@host
 *   Authorization, Proxy-Authorization, Cookie and Set-Cookie headers:
 *                       the rest of the line          -> Cookie: [REDACTED]
 *   bearer tokens       Bearer TOKEN (8+ token bytes) -> Bearer [REDACTED]
 *   key=value           a key naming a secret (password, passwd, pwd, secret,
 *                       token, api_key, access_key, private_key, credential,
 *                       session, auth, ... as the key's last word, or a key
 *                       ending in password/passwd/secret/token), then '=' or
 *                       ':' (JSON "key": "value" too), then the value;
 *                       after ": " the value must hold a non-letter or be
 *                       20+ bytes, so prose ("invalid token: expired") stays
 *   JWTs                eyJ....eyJ....sig             -> [REDACTED:jwt]
 *   AWS access key ids  AKIA/ASIA/... + 16            -> [REDACTED:aws-key]
 *   AWS-style secrets   exactly 40 of [A-Za-z0-9/+] with upper, lower and
 *                       digit                         -> [REDACTED:aws-secret]
 *   GitHub tokens       ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_ + 22
 *                                                     -> [REDACTED:github-token]
 *   API keys            sk-... (20+), xox[abposr]-... (Slack)
 *                                                     -> [REDACTED:api-key]
 *   e-mail addresses    local@domain.tld              -> [REDACTED:email]
 *
 * REDACT_STRICT adds IPv4 and IPv6 addresses ([REDACTED:ip]) and host
 * names: dotted names ending in a common top-level domain, and this
 * host's own name ([REDACTED:host]).
 *
 * Redacting redacted text changes nothing.  Stateless and thread-safe.
 */
#ifndef HEAL_REDACT_H
#define HEAL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

enum redact_level { REDACT_NORMAL, REDACT_STRICT };

#define REDACT_MARK "[REDACTED"

/* "normal" or "strict" -> level; 0, or -1 for anything else. */
int redact_level_parse(const char *name, enum redact_level *level);

/*
 * A redacted copy of text[0..len) (any bytes, NULs included): malloc'd,
 * NUL-terminated, its length in *out_len (may be NULL).  NULL only when
 * out of memory.  *count (may be NULL) gets the number of replacements.
 */
char *redact_text(const char *text, size_t len, enum redact_level level, size_t *out_len,
                  unsigned *count);


#endif
