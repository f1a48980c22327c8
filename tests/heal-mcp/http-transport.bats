#!/usr/bin/env bats
# heal-mcp --http as raw HTTP (curl): the Streamable HTTP rules (sessions,
# 202, 405, protocol version, Accept), DNS-rebinding protection (Host and
# Origin), the body cap, the rate limit, idle expiry, the RFC 9728
# document and the refusal to serve a non-loopback address unprotected.

load lib
load http

PING='{"jsonrpc":"2.0","id":"p","method":"ping"}'

@test "initialize issues a random session id; a notification gets 202, a request JSON, GET 405, DELETE ends it" {
    http_start
    http_session
    [[ $MCP_SESSION =~ ^[[:graph:]]{32}$ ]]
    local first=$MCP_SESSION
    http_session
    [ "$MCP_SESSION" != "$first" ]
    http_post "$MCP_INITIALIZED" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 202
    assert_equal "$http_body" ''
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
    assert_equal "$(http_header Content-Type)" application/json
    assert_equal "$http_body" '{"jsonrpc":"2.0","id":"p","result":{}}'
    http_send -H 'Accept: text/event-stream' -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 405
    assert_equal "$(http_header Allow)" 'POST, DELETE'
    http_send -X DELETE
    assert_equal "$http_status" 400
    http_send -X DELETE -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 404
    # The other session lives on.
    http_post "$PING" -H "Mcp-Session-Id: $first"
    assert_equal "$http_status" 200
}

@test "a session is required after initialize, unknown ones are 404, and another caller's is unknown to it" {
    http_tokens
    http_start --tokens "$TOKENS"
    local auth="Authorization: Bearer $APPLY_TOKEN"
    http_post "$PING" -H "$auth"
    assert_equal "$http_status" 400
    assert_equal "$(jq -r .error.message <<<"$http_body")" 'Bad Request: Mcp-Session-Id header is required'
    http_post "$PING" -H "$auth" -H 'Mcp-Session-Id: 0123456789abcdef0123456789abcdef'
    assert_equal "$http_status" 404
    http_session -H "$auth"
    http_post "$PING" -H "Authorization: Bearer $READ_TOKEN" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 404
    http_post "$PING" -H "$auth" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
}

@test "MCP-Protocol-Version: an unsupported one is 400, a spoken one or none is served" {
    http_start
    http_session
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION" -H 'MCP-Protocol-Version: 2024-11-05'
    assert_equal "$http_status" 400
    assert_equal "$(jq -r .error.message <<<"$http_body")" 'Bad Request: unsupported MCP-Protocol-Version 2024-11-05'
    local v
    for v in 2025-11-25 2025-06-18; do
        http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION" -H "MCP-Protocol-Version: $v"
        assert_equal "$http_status" 200
    done
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
}

@test "a foreign Origin or Host is refused with 403 and audited as denied; allowed ones are served" {
    http_start --allow-origin https://agents.example.com --allow-host mcp.example.com
    http_post "$MCP_INIT" -H 'Origin: http://evil.example.com'
    assert_equal "$http_status" 403
    http_post "$MCP_INIT" -H 'Host: evil.example.com'
    assert_equal "$http_status" 403
    http_post "$MCP_INIT" -H "Host: evil.example.com:$MCP_PORT" -H "Origin: http://evil.example.com:$MCP_PORT"
    assert_equal "$http_status" 403
    local ok
    for ok in "Origin: http://localhost:$MCP_PORT" "Origin: http://127.0.0.1:$MCP_PORT" \
        'Origin: https://agents.example.com' "Host: localhost:$MCP_PORT" 'Host: mcp.example.com'; do
        http_post "$MCP_INIT" -H "$ok"
        assert_equal "$http_status" 200
    done
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.method) \(.result) \(.http_status) \(.reason)"' "$HEAL_SCRATCH/audit"
    assert_output $'initialize denied 403 foreign Origin\ninitialize denied 403 foreign Host\ninitialize denied 403 foreign Host'
    # The response says which.
    http_post "$MCP_INIT" -H 'Origin: http://evil.example.com'
    assert_equal "$(jq -r .error.message <<<"$http_body")" 'Forbidden: Origin http://evil.example.com is not allowed'
}

@test "Accept must allow JSON and event streams (406), the body must be JSON (415), unparseable JSON is 400" {
    http_start
    http_session
    http_send -X POST -H 'Accept: application/json' -H 'Content-Type: application/json' \
        -H "Mcp-Session-Id: $MCP_SESSION" --data-binary "$PING"
    assert_equal "$http_status" 406
    http_send -X POST -H 'Accept: */*' -H 'Content-Type: application/json' \
        -H "Mcp-Session-Id: $MCP_SESSION" --data-binary "$PING"
    assert_equal "$http_status" 200
    http_send -X POST -H 'Accept: application/json, text/event-stream' -H 'Content-Type: text/plain' \
        -H "Mcp-Session-Id: $MCP_SESSION" --data-binary "$PING"
    assert_equal "$http_status" 415
    http_post '{"jsonrpc":"2.0",' -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 400
    assert_equal "$(jq -c '[.id, .error.code]' <<<"$http_body")" '[null,-32700]'
    http_post '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 400
}

@test "a body over 1 MiB is refused with 413, with or without a length, and the server goes on" {
    http_start
    http_session
    head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$HEAL_SCRATCH/big"
    http_post "@$HEAL_SCRATCH/big" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 413
    http_post "@$HEAL_SCRATCH/big" -H "Mcp-Session-Id: $MCP_SESSION" -H 'Transfer-Encoding: chunked'
    assert_equal "$http_status" 413
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
}

@test "over its rate a caller gets 429 with Retry-After, audited as denied" {
    # One token each 20 s: the four requests cannot straddle a refill, however
    # slow the machine.
    http_start --rate 0.05 --burst 3
    http_session
    local i
    for i in 1 2; do
        http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
        assert_equal "$http_status" 200
    done
    http_post "$(mcp_call r get_healing_status)" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 429
    # Whole seconds until the bucket holds a token again: at most 1/0.05.
    local after
    after=$(http_header Retry-After)
    [[ $after =~ ^[0-9]+$ ]] && [ "$after" -ge 1 ] && [ "$after" -le 20 ] || fail "Retry-After: $after"
    run jq -c '[.tool, .result, .http_status, .reason]' "$HEAL_STATE_DIR/mcp/audit.ndjson"
    assert_output '["get_healing_status","denied",429,"rate limit"]'
}

@test "a tools/call with a progress token is answered as an event stream: progress, then the result" {
    http_start
    http_session
    http_post "$(mcp_call s get_healing_status '{}' '{"progressToken":"t1"}')" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
    assert_equal "$(http_header Content-Type)" text/event-stream
    sed -n 's/^data: //p' <<<"$http_body" >"$HEAL_SCRATCH/events"
    run jq -r 'if .method then "\(.method) \(.params.progressToken)" else "result \(.id) \(.result.isError)" end' \
        "$HEAL_SCRATCH/events"
    assert_line --index 0 'notifications/progress t1'
    assert_line --index -1 'result s false'
}

@test "an idle session expires" {
    http_start --session-idle 1s
    http_session
    sleep 2.2
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 404
}

@test "the RFC 9728 document is served at both well-known paths without a token" {
    http_tokens
    http_start --tokens "$TOKENS" --resource https://heal.example.com/mcp
    local path
    for path in /.well-known/oauth-protected-resource /.well-known/oauth-protected-resource/mcp; do
        run curl -sS -f "http://127.0.0.1:$MCP_PORT$path"
        assert_success
        run jq -c '[.resource, .scopes_supported, .bearer_methods_supported]' <<<"$output"
        assert_output '["https://heal.example.com/mcp",["heal:read","heal:apply"],["header"]]'
    done
    http_post "$MCP_INIT"
    assert_equal "$http_status" 401
    assert_equal "$(http_header WWW-Authenticate)" 'Bearer scope="heal:read", resource_metadata="https://heal.example.com/.well-known/oauth-protected-resource/mcp"'
    # Behind a proxy the public host is allowed.
    http_post "$MCP_INIT" -H 'Host: heal.example.com' -H "Authorization: Bearer $READ_TOKEN"
    assert_equal "$http_status" 200
}

@test "heal-mcp refuses to serve a non-loopback address without authorisation" {
    local addr
    for addr in 0.0.0.0:0 192.0.2.1:8080 '[::]:0'; do
        run --separate-stderr heal-mcp --http "$addr"
        assert_equal "$status" 2
        assert_equal "$stderr" "heal-mcp: refusing to listen on ${addr%:*}, not a loopback address, without authorisation (give --tokens FILE or --issuer URL)"
    done
    run --separate-stderr heal-mcp --http 127.0.0.1:99999
    assert_equal "$status" 2
    run --separate-stderr heal-mcp --http 127.0.0.1:0 --rate -1
    assert_equal "$status" 2
}

@test "an option of the HTTP transport without --http is a usage error" {
    run --separate-stderr heal-mcp --tokens "$HEAL_SCRATCH/tokens"
    assert_equal "$status" 2
    assert_equal "$stderr" 'heal-mcp: --tokens needs --http (try --help)'
}

@test "a call whose client hangs up runs to its end, is audited, and the server goes on" {
    http_start --allow-exec
    http_session
    run curl -sS --max-time 0.5 -X POST -H 'Accept: application/json, text/event-stream' \
        -H 'Content-Type: application/json' -H "Mcp-Session-Id: $MCP_SESSION" \
        --data-binary "$(mcp_call slow perform_health_check '{"check":{"kind":"exec","target":"sleep 1.5"}}' '{"progressToken":1}')" \
        "$MCP_URL"
    assert_equal "$status" 28 # curl's timeout: we hung up first
    wait_for -t 20 grep -q perform_health_check "$HEAL_STATE_DIR/mcp/audit.ndjson"
    run jq -r '"\(.tool) \(.result)"' "$HEAL_STATE_DIR/mcp/audit.ndjson"
    assert_output 'perform_health_check ok'
    http_post "$PING" -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 200
}
