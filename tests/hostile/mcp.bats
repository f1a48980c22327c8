#!/usr/bin/env bats
# Hostile MCP tool arguments, over stdio: option look-alikes, traversal,
# shell text, NUL, escapes, invalid UTF-8 and a 10 MB message.  Each is
# refused with a JSON-RPC answer or handled as inert text; the session
# goes on and no program a client names runs.

load ../heal-mcp/lib
load lib

setup() {
    mcp_setup
    rm -f /tmp/heal-pwned
}

# session LINE...: initialize, then LINEs, through heal-mcp; answers in $output.
session() {
    run --separate-stderr bash -c 'printf "%s\n" "$@" | heal-mcp' _ "$MCP_INIT" "$MCP_INITIALIZED" "$@"
    assert_success
}

answer_text() { # ID: the first text of the answer to ID
    mcp_answer "$1" | jq -r '.result.content[0].text // .error.message'
}

@test "a NUL byte in an argument that becomes a command-line word is refused, not cut short" {
    # Regression: {"name": "web\u0000x"} ran the check "web".
    session "$(mcp_call a perform_health_check '{"name": "web\u0000x"}')" \
        "$(mcp_call b perform_health_check '{"check": {"kind": "tcp", "target": "127.0.0.1:1\u0000x"}}')" \
        "$(mcp_call c trigger_healing_session '{"name": "web\u0000x"}')" \
        "$(mcp_call d perform_health_check '{"name": "web"}')"
    assert_equal "$(answer_text a)" 'Invalid arguments: arguments.name holds a NUL byte'
    assert_equal "$(answer_text b)" 'Invalid arguments: arguments.check.target holds a NUL byte'
    assert_equal "$(answer_text c)" 'Invalid arguments: arguments.name holds a NUL byte'
    # The session went on: the plain name still works.
    mcp_answer d | jq -e '.result.isError != true'
}

@test "option look-alikes and traversal are names, never options or paths" {
    session "$(mcp_call a perform_health_check '{"name": "--config-dir=/tmp/evil"}')" \
        "$(mcp_call b perform_health_check '{"name": "../../etc/passwd"}')" \
        "$(mcp_call c get_healing_status '{"by": "../../x"}')"
    assert_equal "$(answer_text a)" 'heal-check failed (exit 3): heal-check: --config-dir=/tmp/evil: no such check'
    assert_equal "$(answer_text b)" 'heal-check failed (exit 3): heal-check: ../../etc/passwd: no such check'
    mcp_answer c | jq -e '.result'
}

@test "an exec check a client names is refused without --allow-exec" {
    session "$(mcp_call a perform_health_check \
        '{"check": {"kind": "exec", "target": "sh -c \"touch /tmp/heal-pwned\""}}')"
    run answer_text a
    assert_output --partial 'exec checks are refused'
    assert_file_not_exists /tmp/heal-pwned
}

@test "hostile text to analyze_failure is inert, and a hostile argv in apply_fix never runs" {
    session "$(mcp_call a analyze_failure \
        '{"text": "No space left on device \u001b[2J\u0000 $(touch /tmp/heal-pwned) `id` \udcff"}')" \
        "$(mcp_call b apply_fix "$(jq -cn '{apply: true, proposals: [{type: "proposal", v: 1,
            id: "01M86GTHGQ6CQ643DZVMXXQKFB", ts: "2026-11-24T10:15:03.447Z", host: "h",
            parent: "01M86GTHG7V37E3S3E28JT97KB", trace: "01M86GTHFMM9S346Q3D25VT4F5",
            target: "web", signature: "disk.full",
            candidates: [{remedy: "no.such", argv: ["sh", "-c", "touch /tmp/heal-pwned"],
                          title: "t", risk: "low", source: "playbook", approval: "auto"}]}]}')")"
    assert_equal "$(answer_text a)" '1 diagnosis; first: disk.full: The filesystem is full: a write failed with ENOSPC'
    run answer_text b
    assert_output '1 outcome, 0 healed'
    assert_file_not_exists /tmp/heal-pwned
}

@test "invalid UTF-8 and a 10 MB message get JSON-RPC errors and the session goes on" {
    {
        printf '%s\n' "$MCP_INIT" "$MCP_INITIALIZED"
        printf '{"jsonrpc":"2.0","id":"u","method":"ping","params":{"x":"\xff\xfe"}}\n'
        "$HEAL_PYTHON" -c 'import json; print(json.dumps({"jsonrpc": "2.0", "id": "big",
            "method": "tools/call", "params": {"name": "analyze_failure",
            "arguments": {"text": "x" * 10485760}}}))'
        echo '{"jsonrpc":"2.0","id":"after","method":"ping"}'
    } >"$HEAL_SCRATCH/in"
    run --separate-stderr heal-mcp <"$HEAL_SCRATCH/in"
    assert_success
    run jq -c 'select(.id == null) | .error.code' <<<"$output"
    assert_output $'-32700\n-32600'
    mcp_answer after | jq -e '.result == {}'
}
