#!/usr/bin/env bash
# heal-mcp --http: 1,000 tools/call requests of get_healing_status from 8
# concurrent clients (the official SDK over Streamable HTTP), p50/p99
# latency and throughput: with JWT access tokens from an issuer on
# 127.0.0.1 (tests/lib/test-issuer: an RS256 signature checked per request),
# with a static token (hashed and compared per request), and against a
# server without authorisation, so the cost of the gate (and the audit line
# per call, which all three write) shows as a ratio.  Target: each gate
# costs at most 1.25x in throughput.
set -euo pipefail
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CALLS=${BENCH_MCP_CALLS:-1000}
CLIENTS=8
RATIO_MAX=1.25
dir=$(mktemp -d)
pid=
issuer_pid=
cleanup() {
    local p
    for p in "$pid" "$issuer_pid"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT
umask 077
mkdir -p "$dir/config"
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$(printf %s "$token" | sha256sum | cut -d' ' -f1) bench heal:read heal:apply" >"$dir/tokens"

# serve LABEL ARGS...: a heal-mcp --http on a free port, with a state directory of its own
# (get_healing_status reads the audit journal: a shared one would grow run by run); sets url.
serve() {
    local label=$1
    shift
    rm -f "$dir/port"
    mkdir -p "$dir/state-$label"
    "$ROOT/$B/bin/heal-mcp" --state-dir="$dir/state-$label" --config-dir="$dir/config" --quiet \
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
        node "$ROOT/tests/mcp-client/bench.mjs" | tee -a "$dir/$1.json" | sed "s/^/$1: /"
}

mkdir -p "$dir/issuer"
node "$ROOT/tests/lib/test-issuer" serve "$dir/issuer" 2>"$dir/issuer.err" &
issuer_pid=$!
for _ in $(seq 200); do [ -s "$dir/issuer/url" ] && break; sleep 0.05; done

ROUNDS=${BENCH_ROUNDS:-3}
echo "$CALLS tools/call get_healing_status, $CLIENTS clients at once; $ROUNDS rounds of open, jwt, static"
# Rounds interleave the three servers, so a change in the machine's load while the bench
# runs falls on all of them; each is judged by its median round.
for round in $(seq "$ROUNDS"); do
    serve "open-$round"
    run open ''
    stop
    serve "jwt-$round" --issuer "$(<"$dir/issuer/url")"
    jwt=$(node "$ROOT/tests/lib/test-issuer" mint "$dir/issuer" --kind good --aud "$url" \
        --scope "heal:read heal:apply" --exp-in 3600)
    run jwt "$jwt"
    stop
    serve "static-$round" --tokens "$dir/tokens"
    run static "$token"
    stop
done
lines=$(cat "$dir"/state-*/mcp/audit.ndjson | wc -l)
echo "audit lines: $lines (want $((3 * ROUNDS * CALLS)))"
ok=0
[ "$lines" -eq $((3 * ROUNDS * CALLS)) ] || ok=1
median() { # LABEL: the median round's throughput
    jq -s 'map(.per_second) | sort | .[length / 2 | floor]' "$dir/$1.json"
}
for gate in jwt static; do
    ratio=$(jq -rn --argjson g "$(median "$gate")" --argjson o "$(median open)" \
        '$o / $g * 1000 | round / 1000')
    echo "$gate/open cost ratio (median throughput): $ratio (target <= $RATIO_MAX)"
    awk -v r="$ratio" -v m="$RATIO_MAX" 'BEGIN { exit !(r <= m) }' || ok=1
done
exit $ok
