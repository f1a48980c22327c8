#!/usr/bin/env bats
# What each tool may do: the operator's limits (--read-only, --allow-exec)
# and the daemons it manages through their pid files.

load lib

# call TOOL [ARGS_JSON] [HEAL_MCP_ARGS...]: one tools/call; the result in $result.
call() {
    local tool=$1 args=${2:-'{}'}
    shift 2 || shift
    run --separate-stderr mcp_session "$@" < <(echo "$MCP_INIT"; mcp_call c "$tool" "$args")
    result=$(jq -c 'select(.id == "c") | .result' <<<"$output")
}

@test "--list-tools prints what tools/list answers" {
    run heal-mcp --list-tools
    assert_success
    run jq -r '.tools | map(.name) | join(" ")' <<<"$output"
    assert_output 'perform_health_check analyze_failure propose_fix apply_fix trigger_healing_session get_healing_status start_health_monitoring stop_health_monitoring start_healing_loop stop_healing_loop'
}

@test "exec checks are refused unless the operator allows them, and then the tool says it is not read-only" {
    call perform_health_check '{"check":{"kind":"exec","target":"/bin/true"}}'
    run jq -r '"\(.isError) \(.content[0].text)"' <<<"$result"
    assert_output 'true exec checks are refused: heal-mcp runs no program a client names unless started with --allow-exec'
    call perform_health_check '{"check":{"kind":"exec","target":"/bin/true"}}' --allow-exec
    run jq -r '.structuredContent.status' <<<"$result"
    assert_output ok
    run heal-mcp --allow-exec --list-tools
    run jq -c '.tools[] | select(.name == "perform_health_check") | .annotations | [.readOnlyHint, .destructiveHint]' <<<"$output"
    assert_output '[false,true]'
}

@test "a one-off check's target can never pass for an option" {
    call perform_health_check '{"check":{"kind":"disk","target":"--help"}}'
    run jq -r '.structuredContent.checks[0].name, .structuredContent.checks[0].kind' <<<"$result"
    assert_output $'disk:--help\ndisk'
}

@test "with --read-only, apply_fix runs nothing and start_healing_loop is refused; dry runs still work" {
    heal-check | heal-analyze | heal-propose >"$HEAL_SCRATCH/proposals" || true
    local proposals
    proposals=$(jq -sc '{proposals: map(select(.type == "proposal"))}' "$HEAL_SCRATCH/proposals")
    call apply_fix "${proposals%\}},\"apply\":true}" --read-only
    run jq -r '"\(.isError) \(.content[0].text)"' <<<"$result"
    assert_output --partial 'true apply is refused: heal-mcp was started with --read-only'
    call apply_fix "$proposals" --read-only
    run jq -r '"\(.isError) \(.structuredContent.applied) \(.structuredContent.outcomes[0].action)"' <<<"$result"
    assert_output 'false false dry-run'
    call start_healing_loop '{}' --read-only
    run jq -r '.isError' <<<"$result"
    assert_output true
    assert_file_not_exists "$HEAL_STATE_DIR/heal-loop.pid"
    assert_file_not_exists "$HEAL_STATE_DIR/journal.ndjson"
}

@test "apply_fix with apply runs what policy allows, in the same journal and state as heal-apply" {
    heal-check | heal-analyze | heal-propose >"$HEAL_SCRATCH/proposals" || true
    local proposals
    proposals=$(jq -sc '{proposals: map(select(.type == "proposal")), apply: true}' "$HEAL_SCRATCH/proposals")
    call apply_fix "$proposals"
    run jq -r '"\(.isError) \(.structuredContent.applied) \(.structuredContent.healthy)"' <<<"$result"
    assert_output 'false true false'
    jq -c '.structuredContent.outcomes[]' <<<"$result" >"$HEAL_SCRATCH/outcomes"
    assert_valid_records --type outcome "$HEAL_SCRATCH/outcomes"
    # The built-in wait.backoff is the auto remedy for a refused connection; the port stays closed.
    run jq -r '[.remedy, .action, .result] | @tsv' "$HEAL_SCRATCH/outcomes"
    assert_line $'wait.backoff\texecuted\tfailed'
    run jq -r '.type' "$HEAL_STATE_DIR/journal.ndjson"
    assert_output $'intent\noutcome'
    # heal-apply at a terminal sees the same journal: this observation was acted on.
    run --separate-stderr heal-apply --apply "$HEAL_SCRATCH/proposals"
    run jq -r 'select(.remedy == "wait.backoff") | "\(.action) \(.reason)"' <<<"$output"
    assert_output --partial 'skipped already run for trace'
}

@test "start_health_monitoring reports a heal-loop that already runs on its pid file instead of starting one" {
    start_bg monitor heal-loop --monitor --pid-file="$HEAL_STATE_DIR/heal-loop-monitor.pid"
    wait_for test -s "$HEAL_STATE_DIR/heal-loop-monitor.pid"
    call start_health_monitoring
    run jq -r '"\(.structuredContent.started) \(.structuredContent.pid)"' <<<"$result"
    assert_output "false $(bg_pid monitor)"
    call stop_health_monitoring
    run jq -r '.structuredContent.stopped' <<<"$result"
    assert_output true
    wait_for bash -c "! kill -0 $(bg_pid monitor) 2>/dev/null"
}

@test "a started daemon runs on after heal-mcp exits, in its own session, its output in the state directory" {
    call start_healing_loop
    local pid
    pid=$(jq -r '.structuredContent.pid' <<<"$result")
    heal_pid_alive "$pid"
    [ "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)" ] || fail "pid $pid shares our session"
    run jq -r '.structuredContent.log_file' <<<"$result"
    assert_output "$HEAL_STATE_DIR/heal-loop.log"
    wait_for grep -q '"type":"check"' "$HEAL_STATE_DIR/heal-loop.log"
    call stop_healing_loop
    wait_for bash -c "! kill -0 $pid 2>/dev/null"
}

@test "a daemon that cannot start is a tool error quoting its last words" {
    # A pid file in a directory that is not there: heal-loop refuses at once.
    mkdir "$HEAL_STATE_DIR/heal-loop-monitor.pid"
    call start_health_monitoring
    run jq -r '"\(.isError) \(.content[0].text)"' <<<"$result"
    assert_output --regexp '^true heal-loop exited as it started: .*heal-loop-monitor.pid'
}

@test "a tool whose program is missing is a tool error, and the server goes on" {
    mkdir "$HEAL_SCRATCH/bin"
    cp "$HEAL_BIN/heal-mcp" "$HEAL_SCRATCH/bin/"
    PATH=/usr/bin:/bin run --separate-stderr "$HEAL_SCRATCH/bin/heal-mcp" < <(echo "$MCP_INIT"
        mcp_call a get_healing_status; echo '{"jsonrpc":"2.0","id":"p","method":"ping"}')
    run jq -r 'select(.id == "a") | "\(.result.isError) \(.result.content[0].text)"' <<<"$output"
    assert_output 'true heal-loop is not installed beside heal-mcp or on PATH'
}
