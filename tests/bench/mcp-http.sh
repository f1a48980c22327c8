#!/usr/bin/env bash
# heal-mcp --http: 1,000 tools/call requests of get_healing_status from 8
# concurrent clients (the official SDK over Streamable HTTP), p50/p99
# latency and throughput; then the same run against a server without
# authorisation, so the cost of the gate (a token hashed and compared per
# request, the audit line per call) shows as a ratio.  Target: the gate
# costs at most 1.25x in throughput.
set -euo pipefail
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CALLS=${BENCH_MCP_CALLS:-1000}
CLIENTS=8
RATIO_MAX=1.25
dir=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
umask 077
mkdir -p "$dir/state" "$dir/config"
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$(printf %s "$token" | sha256sum | cut -d' ' -f1) bench heal:read heal:apply" >"$dir/tokens"

# serve ARGS...: a heal-mcp --http on a free port; sets url.
serve() {
    rm -f "$dir/port"
    "$ROOT/$B/bin/heal-mcp" --state-dir="$dir/state" --config-dir="$dir/config" --quiet \
        --http 127.0.0.1:0 --port-file "$dir/port" --rate 0 "$@" 2>"$dir/mcp.err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
    url=http://127.0.0.1:$(<"$dir/port")/mcp
}
stop() {
    kill "$pid"
    wait "$pid" || true
    pid=
}
run() { # label token
    HEAL_MCP_URL=$url HEAL_MCP_TOKEN=$2 HEAL_CLIENTS=$CLIENTS HEAL_CALLS=$CALLS \
        node "$ROOT/tests/mcp-client/bench.mjs" | tee "$dir/$1.json" | sed "s/^/$1: /"
}

echo "$CALLS tools/call get_healing_status, $CLIENTS clients at once"
serve --tokens "$dir/tokens"
run gated "$token"
stop
serve
run open ''
stop
lines=$(wc -l <"$dir/state/mcp/audit.ndjson")
echo "audit lines: $lines (want $((2 * CALLS)))"
ratio=$(jq -rn --slurpfile g "$dir/gated.json" --slurpfile o "$dir/open.json" \
    '$o[0].per_second / $g[0].per_second * 1000 | round / 1000')
echo "gated/open cost ratio (throughput): $ratio (target <= $RATIO_MAX)"
[ "$lines" -eq $((2 * CALLS)) ]
awk -v r="$ratio" -v m="$RATIO_MAX" 'BEGIN { exit !(r <= m) }'
