/*
 * test_redact.c — redact.c: real-looking secrets go, near-misses stay.
 *
 * The secrets below are made up in the shapes real ones have (the AWS
 * ones are AWS's own documentation examples); none is live.
 */
#include "redact.h"
#include "record.h"
#include "unit.h"

#include <string.h>

static char *normal(const char *in)
{
    return redact_text(in, strlen(in), REDACT_NORMAL, NULL, NULL);
}

static char *strict(const char *in)
{
    return redact_text(in, strlen(in), REDACT_STRICT, NULL, NULL);
}

/* in, redacted (normal level), must read exactly want. */
static void expect(const char *in, const char *want)
{
    char *got = normal(in);
    CHECK_STR(got, want, "redacts: %s", in);
    /* Redacting again changes nothing. */
    char *again = normal(got ? got : "");
    CHECK_STR(again, got ? got : "", "redacting twice is redacting once: %s", in);
    free(again);
    free(got);
}

/* in must come out of both levels untouched (in strict, if strict_too). */
static void untouched(const char *in, int strict_too)
{
    char *got = normal(in);
    CHECK_STR(got, in, "leaves alone: %s", in);
    free(got);
    if (strict_too) {
        got = strict(in);
        CHECK_STR(got, in, "leaves alone even in strict: %s", in);
        free(got);
    }
}

static void expect_strict(const char *in, const char *want)
{
    char *got = strict(in);
    CHECK_STR(got, want, "strict redacts: %s", in);
    free(got);
}

/* The secret must not survive anywhere in the output. */
static void gone(const char *in, const char *secret)
{
    char *got = normal(in);
    CHECK(got && !strstr(got, secret), "'%s' is gone from: %s", secret, in);
    free(got);
}

int main(void)
{
    char *r;
    /* Bearer tokens and authorization headers. */
    expect("curl -H 'Authorization: Bearer abcdef0123456789ABCDEF' https://x",
           "curl -H 'Authorization: [REDACTED]' https://x");
    expect("Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: [REDACTED]");
    expect("proxy-authorization: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag",
           "proxy-authorization: [REDACTED]");
    expect("sent bearer eyZ0aGlzIGlzIGEgdG9rZW4 to upstream",
           "sent bearer [REDACTED] to upstream");
    expect("{\"Authorization\": \"Bearer tok_9f8e7d6c5b4a\", \"x\": 1}",
           "{\"Authorization\": \"[REDACTED]\", \"x\": 1}");
    /* AWS. */
    expect("aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
           "aws_access_key_id = [REDACTED:aws-key]");
    expect("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
           "aws_secret_access_key=[REDACTED]");
    expect("export KEY wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY now",
           "export KEY [REDACTED:aws-secret] now");
    expect("temporary ASIAY34FZKBOKMUTVV7A expired", "temporary [REDACTED:aws-key] expired");
    /* GitHub. */
    expect("git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r",
           "git clone https://[REDACTED:github-token]@github.com/o/r");
    expect("GITHUB_TOKEN=ghs_16C7e42F292c6912E7710c838347Ae178B4a", "GITHUB_TOKEN=[REDACTED]");
    expect("token ghp_16C7e42F292c6912E7710c838347Ae178B4a rejected",
           "token [REDACTED:github-token] rejected");
    expect("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCD used",
           "pat [REDACTED:github-token] used");
    /* JWTs. */
    expect("jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
           "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U invalid signature",
           "jwt [REDACTED:jwt] invalid signature");
    /* Private keys, whole blocks. */
    expect("key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n"
           "-----END OPENSSH PRIVATE KEY-----\nafter",
           "key:\n[REDACTED:private-key]\nafter");
    expect("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n(cut)",
           "[REDACTED:private-key]");
    gone("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBVx2qQ1canaryEC\n-----END EC PRIVATE KEY-----",
         "canaryEC");
    /* Passwords in URLs and key=value pairs. */
    expect("connecting to postgres://app:s3cr3t-P4ss@db.internal:5432/app",
           "connecting to postgres://app:[REDACTED]@db.internal:5432/app");
    expect("redis://:hunter2@127.0.0.1:6379/0", "redis://:[REDACTED]@127.0.0.1:6379/0");
    expect("password=hunter2 user=bob", "password=[REDACTED] user=bob");
    expect("DB_PASSWORD='correct horse battery' next", "DB_PASSWORD='[REDACTED]' next");
    expect("PGPASSWORD=pa55 psql", "PGPASSWORD=[REDACTED] psql");
    expect("MYSQL_PWD=x9 mysql", "MYSQL_PWD=[REDACTED] mysql");
    expect("{\"password\":\"hunter2\",\"user\":\"bob\"}",
           "{\"password\":\"[REDACTED]\",\"user\":\"bob\"}");
    expect("client_secret: 8f4e1c2a-b9d0", "client_secret: [REDACTED]");
    expect("GET /cb?code=abc&access_token=ya29.a0Af&state=1 HTTP/1.1",
           "GET /cb?code=abc&access_token=[REDACTED]&state=1 HTTP/1.1");
    expect("X-Api-Key: 0123abcd0123abcd", "X-Api-Key: [REDACTED]");
    expect("apiKey=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "apiKey=[REDACTED]");
    expect("spring.datasource.password=Tr0ub4dor&3", "spring.datasource.password=[REDACTED]&3");
    expect("session_token := 'abc'", "session_token := '[REDACTED]'");
    expect("password: correcthorsebatterystaple", "password: [REDACTED]");
    /* Cookies. */
    expect("Cookie: sessionid=38afes7a8; csrftoken=x1", "Cookie: [REDACTED]");
    expect("Set-Cookie: id=a3fWa; Expires=Thu, 21 Oct 2021 07:28:00 GMT; Secure",
           "Set-Cookie: [REDACTED]");
    expect("sessionid=38afes7a8", "sessionid=[REDACTED]");
    /* API keys. */
    expect("using sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t", "using [REDACTED:api-key]");
    expect("slack xoxb-123456789012-abcdefghijkl failed", "slack [REDACTED:api-key] failed");
    /* E-mail addresses. */
    expect("mail to jane.doe+ops@example.co.uk bounced", "mail to [REDACTED:email] bounced");
    expect("From: <root@mail.example.com>.", "From: <[REDACTED:email]>.");

    /* Near-misses: none of these is a secret. */
    untouched("max_tokens=512 temperature=0", 1);
    untouched("token_count=5 tokens=9", 1);
    untouched("bypass=1 passed=3 password_policy=strict", 1);
    untouched("sort_key=name keyboard=us monkey=1", 1);
    untouched("Failed password for invalid user admin from port 22 ssh2", 1);
    untouched("error: invalid token: expired", 1);
    untouched("pam_unix(sshd:session): session opened for user root", 1);
    untouched("commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 merged", 1);
    untouched("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d08c15b0f00a0", 1);
    untouched("std::string token; if (token == other) return;", 1);
    untouched("npm ERR! 404 '@scope/pkg@1.2.3' is not in this registry", 1);
    untouched("the bearer of bad news", 1);
    untouched("eyJ alone is not a token; neither is eyJhbGciOi", 1);
    untouched("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", 1);
    untouched("see main.c:42 and config.json, nginx.service, setup.py", 1);
    untouched("sk-learn and sk-1 are short", 1);
    untouched("at 19:52:40 on 2026-11-29 the mac 00:1a:2b:3c:4d:5e", 1);
    untouched("http://example.com/path?q=1 has no password", 0);
    untouched("[REDACTED] password=[REDACTED] Cookie: [REDACTED]", 1);
    untouched("", 1);

    /* Strict: addresses and host names too; normal keeps them. */
    untouched("GET http://10.1.2.3:8080/health from 2001:db8::1 via api.example.com", 0);
    expect_strict("GET http://10.1.2.3:8080/health from 2001:db8::1 via api.example.com",
                  "GET http://[REDACTED:ip]:8080/health from [REDACTED:ip] via "
                  "[REDACTED:host]");
    expect_strict("listen [::1]:80 and fe80::1ff:fe23:4567:890a", "listen [[REDACTED:ip]]:80 and "
                                                                   "[REDACTED:ip]");
    expect_strict("::ffff:192.0.2.128 mapped", "[REDACTED:ip] mapped");
    expect_strict("db1.prod.internal refused", "[REDACTED:host] refused");
    expect_strict("version 1.2.3.4.5 and 999.1.1.1", "version 1.2.3.4.5 and 999.1.1.1");
    char self[512];
    snprintf(self, sizeof self, "on %s: disk full", record_host());
    r = strict(self);
    if (strlen(record_host()) >= 3)
        CHECK(r && strstr(r, "[REDACTED:host]"), "strict redacts this host's own name: %s", r);
    else /* a name of one or two letters would hit ordinary words */
        CHECK_STR(r, self, "strict leaves a host name under 3 bytes alone");
    free(r);
    r = strict("web-01.example.net: up; webmaster");
    CHECK_STR(r, "[REDACTED:host]: up; webmaster", "strict redacts a dotted name, not a word");
    free(r);

    /* Found by fuzz_redact: a replacement that makes its neighbour readable. */
    const char *const neighbours[] = {"10.1.2.001::10dc", "api.examp002>db8::1le.com", NULL};
    for (int i = 0; neighbours[i]; i++) {
        char *once = strict(neighbours[i]);
        char *twice = strict(once);
        CHECK_STR(twice, once, "strict redaction of '%s' is a fixed point", neighbours[i]);
        free(once), free(twice);
    }
    /* Found by fuzz_redact: an address at the very end of a buffer without a NUL. */
    char *tail = malloc(9);
    memcpy(tail, "at 1.2.3", 8);
    r = redact_text(tail, 8, REDACT_STRICT, NULL, NULL);
    CHECK_STR(r, "at 1.2.3", "digits at the end of an unterminated buffer are read in bounds");
    free(r), free(tail);

    /* Embedded NULs are data, not the end. */
    const char nul[] = "a\0password=x9\0b";
    size_t n;
    unsigned count;
    r = redact_text(nul, sizeof nul - 1, REDACT_NORMAL, &n, &count);
    CHECK(r && n == sizeof "a\0password=[REDACTED]\0b" - 1 &&
              !memcmp(r, "a\0password=[REDACTED]\0b", n) && count == 1,
          "a NUL inside the text does not end it");
    free(r);

    enum redact_level lv;
    CHECK(redact_level_parse("strict", &lv) == 0 && lv == REDACT_STRICT, "strict parses");
    CHECK(redact_level_parse("normal", &lv) == 0 && lv == REDACT_NORMAL, "normal parses");
    CHECK(redact_level_parse("loose", &lv) == -1, "anything else is refused");
    return unit_done();
}
