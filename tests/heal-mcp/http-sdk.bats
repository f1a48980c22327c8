#!/usr/bin/env bats
# heal-mcp --http driven by the official MCP TypeScript SDK client over
# StreamableHTTPClientTransport: the whole chain of tools, the gate's
# refusals as the SDK sees them, and the audit journal of every call.

load lib
load http

@test "the SDK client initializes, lists tools and calls read tools and apply_fix over HTTP, with progress" {
    http_start
    run --separate-stderr http_sdk flow
    [ "$status" -eq 0 ] || fail "client: $stderr"
    answers=$output
    run jq -r 'select(.step == "initialize") | "\(.server) \(.version) \(.session | length)"' <<<"$answers"
    assert_output 'heal-mcp 2025-11-25 32'
    run jq -r 'select(.step == "tools/list") | .tools | length' <<<"$answers"
    assert_output 10
    run jq -r 'select(.step == "apply_fix") | "\(.applied) \(.actions | unique | join(",")) \(.progress | length >= 1)"' <<<"$answers"
    assert_output 'false wait.backoff:dry-run true'
    run jq -r 'select(.step == "terminate") | .session' <<<"$answers"
    assert_output null
    # One audit line per tool call, each ok, from the unauthenticated local caller.
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.tool) \(.result) \(.caller.authenticated) \(.http_status)"' "$HEAL_SCRATCH/audit"
    assert_output $'get_healing_status ok false 200\nperform_health_check ok false 200\nanalyze_failure ok false 200\npropose_fix ok false 200\napply_fix ok false 200'
}

@test "with a token holding heal:apply, apply_fix runs the remedy and the audit line names what it changed" {
    canary_remedy
    http_tokens
    http_start --tokens "$TOKENS"
    HEAL_APPLY=1 run --separate-stderr http_sdk flow "$APPLY_TOKEN"
    [ "$status" -eq 0 ] || fail "client: $stderr"
    answers=$output
    run jq -r 'select(.step == "apply_fix") | "\(.applied) \(.actions | join(","))"' <<<"$answers"
    assert_output 'true test.canary:executed'
    assert_file_exists "$CANARY"
    local ids
    ids=$(jq -c 'select(.step == "apply_fix") | .outcome_ids' <<<"$answers")
    run jq -c 'select(.tool == "apply_fix") | [.result, .caller.sub, .caller.authenticated, .changed]' \
        "$HEAL_STATE_DIR/mcp/audit.ndjson"
    assert_output "[\"ok\",\"admin\",true,$ids]"
}

@test "a read-only token calling apply_fix gets 403 insufficient_scope, nothing runs, and it is audited as denied" {
    canary_remedy
    http_tokens
    http_start --tokens "$TOKENS"
    heal-check | heal-analyze | heal-propose >"$HEAL_SCRATCH/proposals" || true
    HEAL_TOOL=apply_fix HEAL_ARGS=$(jq -sc '{proposals: map(select(.type == "proposal")), apply: true}' \
        "$HEAL_SCRATCH/proposals") run --separate-stderr http_sdk denied "$READ_TOKEN"
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r 'select(.step == "denied") | .code' <<<"$output"
    assert_output 403
    assert_file_not_exists "$CANARY"
    assert_file_not_exists "$HEAL_STATE_DIR/journal.ndjson"
    # The same refusal as raw HTTP: the header names the scope that is missing.
    http_session -H "Authorization: Bearer $READ_TOKEN"
    http_post "$(mcp_call x apply_fix '{"proposals":[]}')" -H "Authorization: Bearer $READ_TOKEN" \
        -H "Mcp-Session-Id: $MCP_SESSION"
    assert_equal "$http_status" 403
    run http_header WWW-Authenticate
    assert_output --regexp '^Bearer error="insufficient_scope", scope="heal:read heal:apply", resource_metadata="http://127\.0\.0\.1:[0-9]+/\.well-known/oauth-protected-resource/mcp"$'
    assert_file_not_exists "$CANARY"
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.tool) \(.result) \(.caller.sub) \(.http_status) \(.reason)"' "$HEAL_SCRATCH/audit"
    assert_output $'get_healing_status ok reader 200 null
apply_fix denied reader 403 insufficient scope
apply_fix denied reader 403 insufficient scope'
}

@test "no token: 401 with WWW-Authenticate naming the metadata, audited as denied" {
    http_tokens
    http_start --tokens "$TOKENS"
    run --separate-stderr http_sdk unauthorized
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r '.code' <<<"$output"
    assert_output 401
    http_post "$MCP_INIT"
    assert_equal "$http_status" 401
    run http_header WWW-Authenticate
    assert_output "Bearer scope=\"heal:read\", resource_metadata=\"http://127.0.0.1:$MCP_PORT/.well-known/oauth-protected-resource/mcp\""
    http_post "$MCP_INIT" -H "Authorization: Bearer not-a-token"
    assert_equal "$http_status" 401
    run http_header WWW-Authenticate
    assert_output --partial 'Bearer error="invalid_token"'
    http_post "$MCP_INIT" -H "Authorization: Basic YTpi"
    assert_equal "$http_status" 400
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.method) \(.result) \(.http_status) \(.reason)"' "$HEAL_SCRATCH/audit"
    assert_output $'initialize denied 401 no token\ninitialize denied 401 no token\ninitialize denied 401 unknown token\ninitialize denied 400 not a Bearer authorization'
}

@test "8 concurrent SDK clients: one parseable audit line per call, nothing lost" {
    http_tokens
    http_start --tokens "$TOKENS" --rate 0
    HEAL_CLIENTS=8 HEAL_CALLS=6 run --separate-stderr http_sdk concurrent "$APPLY_TOKEN"
    [ "$status" -eq 0 ] || fail "client: $stderr"
    answers=$output
    run jq -r '.calls' <<<"$answers"
    assert_output 48
    jq -r '.traces[]' <<<"$answers" | sort >"$HEAL_SCRATCH/traces"
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run wc -l <"$HEAL_SCRATCH/audit"
    assert_output 48
    # Each call's own line: the traces the clients saw, each once.
    jq -r '.trace' "$HEAL_SCRATCH/audit" | sort >"$HEAL_SCRATCH/audited"
    run diff "$HEAL_SCRATCH/traces" "$HEAL_SCRATCH/audited"
    assert_success
    run jq -r '"\(.tool) \(.result)"' "$HEAL_SCRATCH/audit"
    assert_output "$(for _ in $(seq 48); do echo 'get_healing_status ok'; done)"
}

@test "over standard input each call is audited too, as the local user" {
    run --separate-stderr mcp_session < <(echo "$MCP_INIT"; mcp_call a get_healing_status; mcp_call b no_such_tool)
    assert_success
    audit_lines >"$HEAL_SCRATCH/audit"
    assert_valid_records --type event "$HEAL_SCRATCH/audit"
    run jq -r '"\(.tool) \(.result) \(.caller.sub) \(.caller.remote) \(.caller.authenticated) \(.session)"' "$HEAL_SCRATCH/audit"
    assert_output "get_healing_status ok $(id -un) stdio false null"
}
