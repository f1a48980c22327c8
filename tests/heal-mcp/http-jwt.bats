#!/usr/bin/env bats
# heal-mcp --http as an OAuth 2.1 resource server: JWT access tokens from an
# OpenID Connect issuer (tests/lib/test-issuer on 127.0.0.1, its keys made
# here), verified against the JWKS heal-mcp discovers and fetches from it;
# every way a token can be wrong refused with 401 and WWW-Authenticate and
# audited as denied; scopes from the token's scope claim.

load lib
load http

setup() {
    mcp_setup
    ISSUER_DIR=$HEAL_SCRATCH/issuer
    mkdir -p "$ISSUER_DIR"
    start_bg issuer node "$HEAL_ROOT/tests/lib/test-issuer" serve "$ISSUER_DIR"
    wait_for test -s "$ISSUER_DIR/url"
    ISSUER=$(<"$ISSUER_DIR/url")
    # The audience a token must name is this server's resource URL, which depends on the
    # port heal-mcp binds: tokens are minted for MCP_URL once it is known.
    http_start --issuer "$ISSUER"
}

teardown() {
    stop_bg issuer
    mcp_teardown
}

# mint KIND [TEST-ISSUER-ARGS...]: a token of that kind for this server.
mint() {
    local kind=$1
    shift
    node "$HEAL_ROOT/tests/lib/test-issuer" mint "$ISSUER_DIR" --kind "$kind" --aud "$MCP_URL" "$@"
}

jwks_fetches() {
    [ -e "$ISSUER_DIR/fetches" ] && wc -l <"$ISSUER_DIR/fetches" || echo 0
}

@test "a token from the issuer lets the SDK initialize, list tools and call a read tool and apply_fix" {
    local token
    token=$(mint good --scope "heal:read heal:apply" --sub alice)
    run --separate-stderr http_sdk flow "$token"
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r 'select(.step == "tools/list") | .tools | length' <<<"$output"
    assert_output 10
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.tool) \(.result) \(.caller.sub) \(.caller.authenticated)"' "$HEAL_SCRATCH/audit"
    assert_output $'get_healing_status ok alice true\nperform_health_check ok alice true\nanalyze_failure ok alice true\npropose_fix ok alice true\napply_fix ok alice true'
    # The key set was discovered through the issuer's metadata and fetched once for all of it.
    assert_equal "$(jwks_fetches)" 1
    grep -q ' /.well-known/openid-configuration 200' "$ISSUER_DIR/requests"
}

@test "ES256 and EdDSA tokens are accepted as well as RS256" {
    local kind token
    for kind in es256 eddsa; do
        token=$(mint "$kind" --scope heal:read)
        http_post "$MCP_INIT" -H "Authorization: Bearer $token"
        assert_equal "$http_status" 200
    done
}

@test "every bad token is refused with 401, WWW-Authenticate naming the metadata, and audited as denied" {
    local kind token want
    declare -A reason=([expired]=expired [nbf-future]='not yet valid' [wrong-iss]='wrong issuer'
        [wrong-aud]='wrong audience' [bad-sig]='bad signature' [unknown-kid]='unknown kid'
        [alg-none]='algorithm none refused' [hs256-pubkey]='algorithm not allowed')
    for kind in expired nbf-future wrong-iss wrong-aud bad-sig unknown-kid alg-none hs256-pubkey; do
        token=$(mint "$kind" --scope "heal:read heal:apply")
        http_post "$(mcp_call x get_healing_status)" -H "Authorization: Bearer $token"
        [ "$http_status" = 401 ] || fail "$kind: HTTP $http_status, not 401"
        run http_header WWW-Authenticate
        assert_output --regexp '^Bearer error="invalid_token", scope="heal:read", resource_metadata="http://127\.0\.0\.1:[0-9]+/\.well-known/oauth-protected-resource/mcp"$'
        run jq -r '"\(.result) \(.http_status) \(.reason) \(.caller.authenticated)"' <(tail -n 1 "$HEAL_STATE_DIR/mcp/audit.ndjson")
        assert_output "denied 401 ${reason[$kind]} false"
    done
    # No token at all: 401 without an error code (RFC 6750 3.1), the SDK cannot connect.
    http_post "$MCP_INIT"
    assert_equal "$http_status" 401
    run http_header WWW-Authenticate
    assert_output --regexp '^Bearer scope="heal:read", resource_metadata="'
    run --separate-stderr http_sdk unauthorized
    [ "$status" -eq 0 ] || fail "client: $stderr"
    # Ten refusals, ten denied lines, all schema-valid; no token ever written down.
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    [ "$(jq -s 'map(select(.result == "denied")) | length' "$HEAL_SCRATCH/audit")" -ge 10 ]
    run grep -c 'eyJ' "$HEAL_SCRATCH/audit"
    assert_output 0
    # One fetch for all of them: an unknown kid asks for the set again only once
    # JWT_REFETCH_MIN_S has passed (test_jwt_fetch shows that refetch), so a stream of
    # forged kids cannot make heal-mcp hammer the issuer.
    assert_equal "$(jwks_fetches)" 1
}

@test "a token without heal:apply calling apply_fix gets 403 insufficient_scope and nothing runs" {
    canary_remedy
    heal-check | heal-analyze | heal-propose >"$HEAL_SCRATCH/proposals" || true
    local token
    token=$(mint good --scope heal:read --sub reader)
    HEAL_TOOL=apply_fix HEAL_ARGS=$(jq -sc '{proposals: map(select(.type == "proposal")), apply: true}' \
        "$HEAL_SCRATCH/proposals") run --separate-stderr http_sdk denied "$token"
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r 'select(.step == "denied") | .code' <<<"$output"
    assert_output 403
    assert_file_not_exists "$CANARY"
    assert_file_not_exists "$HEAL_STATE_DIR/journal.ndjson"
    run jq -r 'select(.tool == "apply_fix") | "\(.result) \(.caller.sub) \(.http_status) \(.reason)"' \
        "$HEAL_STATE_DIR/mcp/audit.ndjson"
    assert_output 'denied reader 403 insufficient scope'
}

@test "a foreign Origin is refused with 403 even with a good token, and audited" {
    local token
    token=$(mint good --scope heal:read)
    http_post "$MCP_INIT" -H "Authorization: Bearer $token" -H 'Origin: http://evil.example'
    assert_equal "$http_status" 403
    run jq -r '"\(.result) \(.reason)"' <(tail -n 1 "$HEAL_STATE_DIR/mcp/audit.ndjson")
    assert_output 'denied foreign Origin'
}

@test "heal-mcp refuses an issuer whose keys would come over plain http from another host" {
    run --separate-stderr heal-mcp --http 127.0.0.1:0 --issuer http://idp.example
    assert_failure
    use_stderr
    assert_output --partial 'not an https URL'
}

@test "--jwt-algorithms narrows the algorithms; --require-at-jwt refuses a token typed JWT" {
    stop_bg mcp
    http_start --issuer "$ISSUER" --jwt-algorithms ES256 --require-at-jwt
    http_post "$MCP_INIT" -H "Authorization: Bearer $(mint es256)"
    assert_equal "$http_status" 200
    http_post "$MCP_INIT" -H "Authorization: Bearer $(mint good)"
    assert_equal "$http_status" 401
    run jq -r '.reason' <(tail -n 1 "$HEAL_STATE_DIR/mcp/audit.ndjson")
    assert_output 'algorithm not allowed'
    http_post "$MCP_INIT" -H "Authorization: Bearer $(mint typ-jwt --kid es1)"
    assert_equal "$http_status" 401
    run jq -r '.reason' <(tail -n 1 "$HEAL_STATE_DIR/mcp/audit.ndjson")
    assert_output 'wrong type'
    # Without --require-at-jwt the same token is accepted: providers that issue typ JWT work.
    stop_bg mcp
    http_start --issuer "$ISSUER"
    http_post "$MCP_INIT" -H "Authorization: Bearer $(mint typ-jwt)"
    assert_equal "$http_status" 200
}

@test "an algorithm heal-mcp does not verify is refused when it starts, as is a JWT option without --issuer" {
    run --separate-stderr heal-mcp --http 127.0.0.1:0 --issuer "$ISSUER" --jwt-algorithms RS256,HS256
    assert_equal "$status" 2
    use_stderr
    assert_output --partial 'HS256'
    run --separate-stderr heal-mcp --jwt-algorithms ES256
    assert_equal "$status" 2
    use_stderr
    assert_output 'heal-mcp: --jwt-algorithms needs --http (try --help)'
}
