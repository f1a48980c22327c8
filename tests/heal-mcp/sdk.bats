#!/usr/bin/env bats
# heal-mcp driven by the official MCP TypeScript SDK client
# (@modelcontextprotocol/sdk, tests/mcp-client): every tool called, each
# structured result checked against its outputSchema, traces followed
# into the records and logs of the programs run, progress and
# cancellation seen from the client's side.

load lib

# The records a call started carry its trace; the logs of the programs it ran too.
@test "the SDK client initializes, lists the ten tools and calls them, each result matching its outputSchema" {
    run --separate-stderr mcp_sdk every-tool --log-json --verbose
    [ "$status" -eq 0 ] || fail "client: $stderr"
    answers=$output
    run jq -r 'select(.step == "tools/list") | .tools | length' <<<"$answers"
    assert_output 10
    # perform_health_check and analyze_failure on text start chains: the call's trace.
    local step
    for step in perform_health_check 'analyze_failure text' trigger_healing_session; do
        run jq -r --arg s "$step" 'select(.step == $s) | .trace as $t | .record_traces | length > 0 and all(. == $t)' <<<"$answers"
        assert_output true
    done
    # A record given by the client keeps its chain: the diagnosis follows the check's trace.
    local check_trace
    check_trace=$(jq -r 'select(.step == "perform_health_check") | .trace' <<<"$answers")
    run jq -r 'select(.step == "analyze_failure record" or .step == "propose_fix") | .record_traces[]' <<<"$answers"
    assert_output "$check_trace"$'\n'"$check_trace"
    run jq -r 'select(.step == "apply_fix") | .actions | unique | join(",")' <<<"$answers"
    assert_output dry-run
    run jq -r 'select(.step == "trigger_healing_session") | .types | join(",")' <<<"$answers"
    assert_output check,diagnosis,proposal,outcome,event
    run jq -r 'select(.step == "get_healing_status") | .targets | join(",")' <<<"$answers"
    assert_output web
    run jq -r 'select(.step == "start_health_monitoring" or .step == "start_healing_loop") | "\(.mode) \(.pid == .again)"' <<<"$answers"
    assert_output $'monitor true\napply true'
}

@test "each call's trace is in the JSON log lines of the programs it ran" {
    run --separate-stderr mcp_sdk every-tool --log-json --verbose
    [ "$status" -eq 0 ] || fail "client: $stderr"
    local step trace prog
    for step in 'analyze_failure text:heal-analyze' 'analyze_failure record:heal-analyze' \
        'apply_fix:heal-apply' 'trigger_healing_session:heal-loop'; do
        trace=$(jq -r --arg s "${step%:*}" 'select(.step == $s) | .trace' <<<"$output")
        prog=${step##*:}
        jq -c --arg t "$trace" --arg p "$prog" 'select(.prog == $p and .trace == $t)' \
            "$HEAL_SCRATCH/mcp.err" | grep -q . ||
            fail "no $prog log line with trace $trace (${step%:*}) in: $(cat "$HEAL_SCRATCH/mcp.err")"
    done
    # heal-mcp's own lines about the call carry it as well.
    jq -c --arg t "$trace" 'select(.prog == "heal-mcp" and .trace == $t and .context == "trigger_healing_session")' \
        "$HEAL_SCRATCH/mcp.err" | grep -q .
}

@test "get_healing_status returns heal-loop status, per target and by label, checked by the SDK client" {
    run --separate-stderr mcp_sdk status
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r 'select(.step == "get_healing_status") | "\(.targets | join(",")) \(.statuses | join(",")) \(.units | join(","))"' <<<"$output"
    assert_output 'web critical web:critical'
}

@test "long calls send increasing progress notifications when the client gives a token" {
    run --separate-stderr mcp_sdk every-tool
    [ "$status" -eq 0 ] || fail "client: $stderr"
    answers=$output
    run jq -r 'select(.step == "trigger_healing_session") | .progress | length >= 2 and (. == (sort | unique))' <<<"$answers"
    assert_output true
    run jq -r 'select(.step == "apply_fix") | .progress >= 1' <<<"$answers"
    assert_output true
}

@test "cancelling a health check stops its program at once, and the next request is served" {
    HEAL_CANCEL_TOOL=perform_health_check \
        HEAL_CANCEL_ARGS='{"check":{"kind":"exec","target":"sleep 31.7","timeout":"60s"}}' \
        run --separate-stderr mcp_sdk cancel --allow-exec --verbose
    [ "$status" -eq 0 ] || fail "client: $stderr"
    run jq -r 'select(.step == "cancel") | .served_after >= 1 and .aborted_after_ms < 20000' <<<"$output"
    assert_output true
    # [p]: the pattern must not match the shell that runs pgrep.
    wait_for -t 10 bash -c '! pgrep -f "slee[p] 31.7" >/dev/null'
    grep -q 'perform_health_check: cancelled: no answer sent' "$HEAL_SCRATCH/mcp.err"
}

@test "cancelling a healing session stops heal-loop and every stage it started" {
    printf '{"name":"slow","kind":"exec","command":"sleep 32.3","timeout":"60s"}\n' \
        >"$HEAL_CONFIG_DIR/checks.d/slow.json"
    HEAL_CANCEL_TOOL=trigger_healing_session HEAL_CANCEL_ARGS='{}' \
        run --separate-stderr mcp_sdk cancel --verbose
    [ "$status" -eq 0 ] || fail "client: $stderr"
    wait_for -t 10 bash -c '! pgrep -f "slee[p] 32.3" >/dev/null'
    wait_for -t 10 bash -c "! pgrep -f 'heal-(loop|check|analyze|propose|apply) .*--state-dir=$HEAL_STATE_DIR' >/dev/null"
    grep -q 'trigger_healing_session: cancelled: no answer sent' "$HEAL_SCRATCH/mcp.err"
}
