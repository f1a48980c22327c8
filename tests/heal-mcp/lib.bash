# lib.bash — what the heal-mcp suites share: a host with one failing
# check, raw JSON-RPC sessions, and the official SDK client.

load ../lib/common

MCP_CLIENT_DIR=$HEAL_ROOT/tests/mcp-client
MCP_INIT='{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
MCP_INITIALIZED='{"jsonrpc":"2.0","method":"notifications/initialized"}'

# mcp_setup: scratch state and configuration with one check, "web", on a
# 127.0.0.1 port nobody listens on, so it is CRITICAL at the first attempt.
mcp_setup() {
    heal_setup
    CLOSED_PORT=$(free_port)
    export CLOSED_PORT
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    printf '{"name":"web","kind":"tcp","host":"127.0.0.1","port":%s,"max_attempts":1,"timeout":"2s","labels":{"unit":"web"}}\n' \
        "$CLOSED_PORT" >"$HEAL_CONFIG_DIR/checks.d/web.json"
    # The Inspector keeps a catalog under $HOME: keep it in the scratch dir.
    export HOME=$HEAL_SCRATCH/home
    mkdir -p "$HOME"
}

# mcp_teardown: stop the heal-loop daemons a test left behind, by pid file.
mcp_teardown() {
    local f
    for f in "$HEAL_STATE_DIR"/heal-loop*.pid; do
        [ -e "$f" ] && heal-loop stop --pid-file="$f" --timeout=10s >/dev/null 2>&1
    done
    heal_teardown
}

setup() { mcp_setup; }
teardown() { mcp_teardown; }

# mcp_call ID TOOL [ARGS_JSON [META_JSON]]: one tools/call request line.
mcp_call() {
    jq -cn --arg id "$1" --arg tool "$2" --argjson args "${3:-{\}}" --argjson meta "${4:-null}" \
        '{jsonrpc: "2.0", id: $id, method: "tools/call", params: ({name: $tool, arguments: $args}
          + (if $meta then {_meta: $meta} else {} end))}'
}

# mcp_session [HEAL_MCP_ARGS...] < LINES: heal-mcp over a pipe, stdout in
# $output, stderr in $stderr (run --separate-stderr).
mcp_session() {
    heal-mcp "$@"
}

# mcp_answer ID: the answer to request ID in $output.
mcp_answer() {
    jq -c --arg id "$1" 'select(.id == $id or (.id|tostring) == $id)' <<<"$output"
}

# mcp_sdk SCENARIO [HEAL_MCP_ARGS...]: the SDK client of tests/mcp-client.
mcp_sdk() {
    local scenario=$1
    shift
    local args='[]'
    [ $# -eq 0 ] || args=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
    HEAL_MCP=$HEAL_BIN/heal-mcp HEAL_MCP_ARGS=$args HEAL_MCP_STDERR=$HEAL_SCRATCH/mcp.err \
        node "$MCP_CLIENT_DIR/client.mjs" "$scenario"
}

# mcp_step NAME: the line the SDK client printed for step NAME.
mcp_step() {
    jq -c --arg s "$1" 'select(.step == $s)' <<<"$output"
}
