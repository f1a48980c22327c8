#!/usr/bin/env bats
# The MCP Inspector's command line (@modelcontextprotocol/inspector --cli,
# tests/mcp-client) drives heal-mcp over stdio: it lists the tools and
# calls a read-only one.

load lib

# inspector ARGS...: npx runs the pinned Inspector from tests/mcp-client.
inspector() {
    (cd "$MCP_CLIENT_DIR" && npx --no-install @modelcontextprotocol/inspector --cli \
        "$HEAL_BIN/heal-mcp" --state-dir="$HEAL_STATE_DIR" "$@")
}

@test "the Inspector CLI lists heal-mcp's ten tools with their schemas and annotations" {
    run --separate-stderr inspector --method tools/list
    assert_success
    run jq -r '.tools[] | "\(.name) \(.inputSchema.type) \(.outputSchema.type) \(.annotations.readOnlyHint)"' <<<"$output"
    assert_line 'perform_health_check object object true'
    assert_line 'get_healing_status object object true'
    assert_line 'apply_fix object object false'
    assert_line 'start_healing_loop object object false'
    [ "${#lines[@]}" -eq 10 ] || fail "${#lines[@]} tools"
}

@test "the Inspector CLI calls perform_health_check, a read-only tool, and gets its structured result" {
    run --separate-stderr inspector --method tools/call --tool-name perform_health_check \
        --tool-arg "check={\"kind\":\"tcp\",\"target\":\"127.0.0.1:$CLOSED_PORT\"}" name=api
    assert_success
    run jq -r '.isError, .structuredContent.status, .structuredContent.checks[0].name, .structuredContent.counts.critical' <<<"$output"
    assert_output $'false\ncritical\napi\n1'
}

@test "the Inspector CLI calls analyze_failure on text" {
    run --separate-stderr inspector --method tools/call --tool-name analyze_failure \
        "--tool-arg=text=Connection refused"
    assert_success
    run jq -r '.structuredContent.diagnoses[0].category' <<<"$output"
    assert_output network
}
