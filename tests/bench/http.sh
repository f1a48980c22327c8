#!/usr/bin/env bash
# HTTP checks: `heal-check --jobs 64` against `curl --parallel --parallel-max 64`
# on the same 1,000 URLs of one local nginx, in the same run.  heal-check
# does more per URL (a record, a state file, thresholds), so the target is
# a ratio heal/curl <= 1.2, with heal-check's peak RSS <= 32 MB.
set -euo pipefail
B=${B:-build}
N=${BENCH_HTTP_CHECKS:-1000}
JOBS=64
RATIO_MAX=1.2
RSS_MAX_KB=$((32 * 1024))
umask 022 # heal-check refuses a checks file others could write
dir=$(mktemp -d)
nginx_pid=
cleanup() {
    if [ -n "$nginx_pid" ]; then
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
mkdir -p "$dir/nginx/tmp" "$dir/state"
cat >"$dir/nginx/nginx.conf" <<EOF
worker_processes 1;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$port;
        location = /ok { return 200 "ok\n"; }
    }
}
EOF
nginx -e stderr -c "$dir/nginx/nginx.conf" -p "$dir/nginx/" \
    -g "daemon off; pid $dir/nginx/nginx.pid; error_log stderr;" 2>"$dir/nginx.err" &
nginx_pid=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/ok" && break
    sleep 0.05
done

for ((i = 0; i < N; i++)); do
    printf '{"name":"web-%d","kind":"http","url":"http://127.0.0.1:%d/ok?i=%d"}\n' "$i" "$port" "$i"
done >"$dir/checks.ndjson"
for ((i = 0; i < N; i++)); do
    printf 'url = "http://127.0.0.1:%d/ok?i=%d"\noutput = "/dev/null"\n' "$port" "$i"
done >"$dir/curl.cfg"
echo "$N URLs on nginx at 127.0.0.1:$port, $JOBS at once"

run() { # label cmd... ; prints seconds and peak RSS (KB)
    local label=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$dir/rss" "$@" >"$dir/out-$label" 2>"$dir/err-$label"
    t1=$(date +%s.%N)
    echo "$(echo "$t1 - $t0" | bc) $(tail -n 1 "$dir/rss")"
}
# heal-check keeps each check's SOFT/HARD state in a file it replaces
# atomically (two fsyncs).  It is part of the work, so the state directory
# is on the same filesystem as $TMPDIR, as /var/lib/heal would be; a second
# run with the state on tmpfs shows what the state writes cost.
export HEAL_CONFIG_DIR=$dir/config
shm=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d /dev/shm/heal-bench.XXXXXX)
    trap 'cleanup; rm -rf "$shm"' EXIT
fi
# Alternate them, best of three each, so load on the machine hits all.
best_heal=999999 best_shm=999999 best_curl=999999 rss_heal=0
for _ in 1 2 3; do
    read -r th rh < <(HEAL_STATE_DIR=$dir/state \
        run heal "$B/bin/heal-check" --checks "$dir/checks.ndjson" --jobs "$JOBS")
    read -r tc _ < <(run curl curl --parallel --parallel-max "$JOBS" -s -K "$dir/curl.cfg")
    best_heal=$(echo "if ($th < $best_heal) $th else $best_heal" | bc)
    best_curl=$(echo "if ($tc < $best_curl) $tc else $best_curl" | bc)
    [ "$rh" -gt "$rss_heal" ] && rss_heal=$rh
    if [ -n "$shm" ]; then
        read -r ts _ < <(HEAL_STATE_DIR=$shm \
            run shm "$B/bin/heal-check" --checks "$dir/checks.ndjson" --jobs "$JOBS")
        best_shm=$(echo "if ($ts < $best_shm) $ts else $best_shm" | bc)
    fi
done
ok=$(grep -c '"status":"ok"' "$dir/out-heal" || true)
ratio=$(echo "scale=3; $best_heal / $best_curl" | bc)
printf 'heal-check --jobs %d: %.3f s (%d of %d checks ok, peak RSS %d KB)\n' \
    "$JOBS" "$best_heal" "$ok" "$N" "$rss_heal"
[ -z "$shm" ] || printf '  state on tmpfs    : %.3f s (ratio %s)\n' "$best_shm" \
    "$(echo "scale=3; $best_shm / $best_curl" | bc)"
printf 'curl --parallel     : %.3f s\n' "$best_curl"
echo "ratio heal/curl: $ratio (target <= $RATIO_MAX)"
echo "heal-check peak RSS: $rss_heal KB (target <= $RSS_MAX_KB KB)"
[ "$ok" -eq "$N" ]
[ "$(echo "$ratio <= $RATIO_MAX" | bc)" -eq 1 ]
[ "$rss_heal" -le "$RSS_MAX_KB" ]
