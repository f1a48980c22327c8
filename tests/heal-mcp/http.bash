# http.bash — what the heal-mcp --http suites share (load lib first):
# heal-mcp on a free 127.0.0.1 port, static tokens, raw requests with curl,
# and the SDK client of tests/mcp-client/http.mjs.

READ_TOKEN=read-7f1c2b9e4d3a
APPLY_TOKEN=apply-0b8e5d6c1a2f

# http_tokens: a 0600 tokens file; "reader" may read, "admin" may also apply.
http_tokens() {
    TOKENS=$HEAL_SCRATCH/tokens
    printf '%s reader heal:read\n%s admin heal:read heal:apply\n' \
        "$(printf %s "$READ_TOKEN" | sha256sum | cut -d' ' -f1)" \
        "$(printf %s "$APPLY_TOKEN" | sha256sum | cut -d' ' -f1)" >"$TOKENS"
    chmod 0600 "$TOKENS"
}

# http_start [HEAL_MCP_ARGS...]: heal-mcp --http on a port of its choosing;
# sets MCP_PORT and MCP_URL.
http_start() {
    rm -f "$HEAL_SCRATCH/port"
    start_bg mcp heal-mcp --http 127.0.0.1:0 --port-file "$HEAL_SCRATCH/port" --verbose "$@"
    wait_for test -s "$HEAL_SCRATCH/port"
    MCP_PORT=$(<"$HEAL_SCRATCH/port")
    MCP_URL=http://127.0.0.1:$MCP_PORT/mcp
    export MCP_PORT MCP_URL
}

# http_post BODY [CURL_ARGS...]: POST to /mcp as a client would; the
# status in $http_status, headers in $http_headers, the body in $http_body.
http_post() {
    local body=$1
    shift
    http_send -X POST -H 'Accept: application/json, text/event-stream' \
        -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# http_send CURL_ARGS...: any request to /mcp (URL last unless given).
http_send() {
    local out=$HEAL_SCRATCH/http.out hdr=$HEAL_SCRATCH/http.hdr
    http_status=$(curl -sS -o "$out" -D "$hdr" -w '%{http_code}' "$@" "$MCP_URL")
    http_headers=$(tr -d '\r' <"$hdr")
    http_body=$(<"$out")
}

# http_header NAME: the value of header NAME in $http_headers.
http_header() {
    grep -i "^$1:" <<<"$http_headers" | head -1 | cut -d' ' -f2-
}

# http_session [CURL_ARGS...]: initialize; the session id in $MCP_SESSION.
http_session() {
    http_post "$MCP_INIT" "$@"
    assert_equal "$http_status" 200
    MCP_SESSION=$(http_header Mcp-Session-Id)
    [ -n "$MCP_SESSION" ]
}

# http_sdk SCENARIO [TOKEN]: tests/mcp-client/http.mjs against $MCP_URL.
http_sdk() {
    HEAL_MCP_URL=$MCP_URL HEAL_MCP_TOKEN=${2:-} node "$MCP_CLIENT_DIR/http.mjs" "$1"
}

# audit_lines: the audit journal, one event per line.
audit_lines() {
    cat "$HEAL_STATE_DIR/mcp/audit.ndjson"
}

# canary_remedy: a remedy for the refused connection that leaves a canary when it runs.
canary_remedy() {
    CANARY=$HEAL_SCRATCH/CANARY
    printf '#!/bin/sh\ntouch %s\n' "$CANARY" >"$HEAL_SCRATCH/canary.sh"
    chmod 0755 "$HEAL_SCRATCH/canary.sh"
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    jq -cn --arg c "$HEAL_SCRATCH/canary.sh" '[{id: "wait.backoff", disabled: true},
        {id: "test.canary", title: "Leave a canary", argv: [$c], risk: "low", complexity: 1,
         timeout: "5s", auto: true, applies_to: ["network.*"], cooldown: "0s",
         max_attempts: 10, window: "1h"}]' >"$HEAL_CONFIG_DIR/playbook.d/canary.json"
}
