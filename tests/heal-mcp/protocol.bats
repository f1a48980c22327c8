#!/usr/bin/env bats
# heal-mcp speaks JSON-RPC 2.0 as MCP's stdio transport wants it: one
# message a line on stdout, logs on stderr, an error for every bad request
# and the next request served all the same.

load lib

# session LINES...: heal-mcp reading LINES; its answers in $output and,
# kept for the checks that follow, in $answers.
session() {
    run --separate-stderr mcp_session < <(printf '%s\n' "$@")
    answers=$output
}

@test "initialize answers with the client's version when it is 2025-11-25" {
    session "$MCP_INIT"
    assert_success
    run jq -r '.result.protocolVersion, .result.serverInfo.name, .result.capabilities.tools.listChanged' <<<"$answers"
    assert_output $'2025-11-25\nheal-mcp\nfalse'
}

@test "initialize answers with 2025-06-18 when the client asks for it" {
    session '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}'
    run jq -r '.result.protocolVersion' <<<"$answers"
    assert_output 2025-06-18
}

@test "a version heal-mcp does not speak is answered with its latest, for the client to decide" {
    local v
    for v in 2024-11-05 2025-03-26 2026-07-28 nonsense; do
        session "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"$v\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}"
        run jq -r '.result.protocolVersion' <<<"$answers"
        assert_output 2025-11-25
    done
}

@test "server/discover before initialize gets a JSON-RPC error at once, with stdin still open" {
    mkfifo "$HEAL_SCRATCH/in"
    heal-mcp <"$HEAL_SCRATCH/in" >"$HEAL_SCRATCH/out" 2>"$HEAL_SCRATCH/err" 3>&- &
    local pid=$!
    exec 4>"$HEAL_SCRATCH/in"
    echo '{"jsonrpc":"2.0","id":"d1","method":"server/discover","params":{}}' >&4
    wait_for -t 5 grep -q '"id":"d1"' "$HEAL_SCRATCH/out"
    echo "$MCP_INIT" >&4
    wait_for -t 5 grep -q '"id":"init"' "$HEAL_SCRATCH/out"
    exec 4>&-
    wait "$pid"
    run jq -c 'select(.id == "d1") | .error.code' "$HEAL_SCRATCH/out"
    assert_output -- -32601
    run jq -r 'select(.id == "init") | .result.protocolVersion' "$HEAL_SCRATCH/out"
    assert_output 2025-11-25
}

@test "a request before initialize is refused; ping is answered; then initialize works" {
    session '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
        '{"jsonrpc":"2.0","id":2,"method":"ping"}' "$MCP_INIT" \
        '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'
    assert_success
    run jq -c 'select(.id == 1) | .error.code' <<<"$answers"
    assert_output -- -32600
    run jq -c 'select(.id == 2) | .result' <<<"$answers"
    assert_output '{}'
    run jq -c 'select(.id == 3) | .result.tools | length' <<<"$answers"
    assert_output 10
}

@test "malformed JSON gets -32700 with id null, and the next request is served" {
    session "$MCP_INIT" '{"jsonrpc":"2.0","id":5,"method":' '{"jsonrpc":"2.0","id":6,"method":"ping"}'
    run jq -c 'select(.id == null) | .error.code' <<<"$answers"
    assert_output -- -32700
    run jq -c 'select(.id == 6) | .result' <<<"$answers"
    assert_output '{}'
}

@test "invalid UTF-8 and a NUL byte are parse errors too" {
    run --separate-stderr mcp_session < <(printf '{"jsonrpc":"2.0","id":1,"method":"p\xffing"}\n{"jsonrpc":"2.0","id":2,\0"method":"ping"}\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n')
    answers=$output
    run jq -c '[.id, .error.code // .result]' <<<"$answers"
    assert_output $'[null,-32700]\n[null,-32700]\n[3,{}]'
}

@test "an unknown method gets -32601 naming it, and the next request is served" {
    session "$MCP_INIT" '{"jsonrpc":"2.0","id":7,"method":"resources/list"}' '{"jsonrpc":"2.0","id":8,"method":"ping"}'
    run jq -r 'select(.id == 7) | "\(.error.code) \(.error.message)"' <<<"$answers"
    assert_output '-32601 Method not found: resources/list'
    run jq -c 'select(.id == 8) | .result' <<<"$answers"
    assert_output '{}'
}

@test "bad parameters get -32602: no tool name, an unknown tool, arguments not an object, no protocolVersion" {
    session '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' "$MCP_INIT" \
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}}' \
        '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"rm_rf"}}' \
        '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_healing_status","arguments":[1]}}' \
        '{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"cursor":"x"}}' \
        '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"perform_health_check"}' \
        '{"jsonrpc":"2.0","id":9,"method":"ping"}'
    run jq -c 'select(.error) | [.id, .error.code]' <<<"$answers"
    assert_output $'[1,-32602]\n[2,-32602]\n[3,-32602]\n[4,-32602]\n[5,-32602]\n[6,-32602]'
    run jq -r 'select(.id == 3) | .error.message' <<<"$answers"
    assert_output 'Unknown tool: rm_rf'
    run jq -c 'select(.id == 9) | .result' <<<"$answers"
    assert_output '{}'
}

@test "arguments that break the inputSchema are a tool error the model can read, not a protocol error" {
    session "$MCP_INIT" "$(mcp_call a perform_health_check '{"check":{"kind":"ftp","target":"x"}}')" \
        "$(mcp_call b propose_fix '{}')" "$(mcp_call c apply_fix '{"proposals":[{}],"force":true}')"
    run jq -r 'select(.id == "a" or .id == "b" or .id == "c") | "\(.id) \(.result.isError) \(.result.content[0].text)"' <<<"$answers"
    assert_line 'a true Invalid arguments: arguments.check.kind: must be one of http, tcp, exec, process, disk, file, log, dns'
    assert_line 'b true Invalid arguments: arguments: diagnoses is required'
    assert_line 'c true Invalid arguments: arguments.force: not a known argument'
}

@test "under 2025-06-18 arguments that break the inputSchema are a protocol error, -32602, as that revision says" {
    session '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"old","version":"1"}}}' \
        "$(mcp_call a propose_fix '{}')" "$(mcp_call b analyze_failure '{"text":"Connection refused"}')"
    run jq -r 'select(.id == "a") | "\(.error.code) \(.error.message)"' <<<"$answers"
    assert_output '-32602 Invalid params: arguments: diagnoses is required'
    run jq -r 'select(.id == "b") | .result.isError' <<<"$answers"
    assert_output false
}

@test "not JSON-RPC 2.0 is an invalid request: a batch, no jsonrpc, a null id, no method" {
    session "$MCP_INIT" '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' '{"id":2,"method":"ping"}' \
        '{"jsonrpc":"2.0","id":null,"method":"ping"}' '{"jsonrpc":"2.0","id":4}' '{"jsonrpc":"2.0","id":5,"method":"ping"}'
    run jq -c 'select(.error) | [.id, .error.code]' <<<"$answers"
    assert_output $'[null,-32600]\n[2,-32600]\n[null,-32600]\n[4,-32600]'
    run jq -c 'select(.id == 5) | .result' <<<"$answers"
    assert_output '{}'
}

@test "a line over 1 MiB is refused with -32600, and the next request is served" {
    head -c 1100000 /dev/zero | tr '\0' 'x' >"$HEAL_SCRATCH/long"
    run --separate-stderr mcp_session < <(echo "$MCP_INIT"
        printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"'
        cat "$HEAL_SCRATCH/long"
        printf '"}}\n'
        echo '{"jsonrpc":"2.0","id":2,"method":"ping"}')
    assert_success
    answers=$output
    run jq -r 'select(.error) | "\(.id) \(.error.code) \(.error.message)"' <<<"$answers"
    assert_output --regexp '^null -32600 Invalid Request: message of 110006[0-9] bytes is over the limit of 1048576$'
    run jq -c 'select(.id == 2) | .result' <<<"$answers"
    assert_output '{}'
}

@test "notifications are never answered, not even unknown or malformed ones" {
    session "$MCP_INIT" "$MCP_INITIALIZED" '{"jsonrpc":"2.0","method":"notifications/whatever"}' \
        '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"nobody"}}' \
        '{"jsonrpc":"2.0","id":"p","method":"ping"}'
    run jq -c '.id' <<<"$answers"
    assert_output $'"init"\n"p"'
}

@test "ids are echoed exactly, strings and integers alike" {
    session "$MCP_INIT" '{"jsonrpc":"2.0","id":9007199254740991,"method":"ping"}' \
        '{"jsonrpc":"2.0","id":"x y","method":"ping"}' '{"jsonrpc":"2.0","id":0,"method":"ping"}'
    run jq -c 'select(.id != "init") | .id' <<<"$answers"
    assert_output $'9007199254740991\n"x y"\n0'
}

@test "stdout holds only JSON-RPC messages, one a line; logs go to stderr" {
    session "$MCP_INIT" 'nonsense' "$(mcp_call 1 analyze_failure '{"text":"No space left on device"}')"
    assert_success
    run jq -e -s 'all(.[]; .jsonrpc == "2.0") and length == 3' <<<"$answers"
    assert_success
    [[ "$stderr" == *"heal-analyze: "* ]] || [ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

@test "a second initialize is refused and the session goes on" {
    session "$MCP_INIT" "${MCP_INIT/\"init\"/\"again\"}" '{"jsonrpc":"2.0","id":3,"method":"ping"}'
    run jq -c 'select(.id == "again") | .error.code' <<<"$answers"
    assert_output -- -32600
    run jq -c 'select(.id == 3) | .result' <<<"$answers"
    assert_output '{}'
}

@test "heal-mcp exits 0 at the end of input, after answering what it was asked" {
    session "$MCP_INIT" "$(mcp_call slow perform_health_check)"
    assert_success
    run jq -r 'select(.id == "slow") | .result.structuredContent.status' <<<"$answers"
    assert_output critical
}
