#!/usr/bin/env bash
# The NDJSON pass-through: heal's reader and writer against `jq -c .`,
# on the same 1,000,000 check records, in the same run.  The records are
# realistic check records (about 490 bytes each).  Fails if heal is slower.
set -euo pipefail
B=${B:-build}
N=${BENCH_RECORDS:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

awk -v n="$N" 'BEGIN {
    srand(1); split("ok warning critical unknown", st, " ");
    for (i = 0; i < n; i++) {
        s = int(rand() * 4);
        printf "{\"type\":\"check\",\"v\":1,\"id\":\"01JDX%021dA\",\"ts\":\"2026-11-29T19:52:40.%03dZ\",", i, i % 1000
        printf "\"host\":\"web-%d\",\"target\":\"svc-%d\",\"trace\":\"01JDX%021dA\",", i % 7, i % 500, i
        printf "\"labels\":{\"unit\":\"nginx\",\"project\":\"shop\"},\"name\":\"svc-%d\",\"kind\":\"http\",", i % 500
        printf "\"status\":\"%s\",\"code\":%d,\"summary\":\"HTTP %d in %.3f s\",", st[s + 1], s, 200 + s * 100, rand()
        printf "\"perfdata\":[{\"label\":\"time\",\"value\":%.6f,\"uom\":\"s\",\"warn\":\"0.5\",\"crit\":\"1\",\"min\":0,\"max\":null}],", rand()
        printf "\"duration_ms\":%d,\"state_type\":\"hard\",\"attempt\":1,\"max_attempts\":3,\"flapping\":false,\"changed\":false}\n", int(rand() * 1000)
    }
}' > "$dir/in.ndjson"
echo "input: $N records, $(du -h "$dir/in.ndjson" | cut -f1)"

run() { # label cmd... ; prints seconds and peak RSS
    local label=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$dir/rss" "$@" < "$dir/in.ndjson" > "$dir/out-$label"
    t1=$(date +%s.%N)
    echo "$(echo "$t1 - $t0" | bc) $(cat "$dir/rss")"
}
# Alternate the two, best of three each, so load on the machine hits both.
best_heal=999999 best_jq=999999
for i in 1 2 3; do
    read -r th rh < <(run heal "$B/tests/bench/ndjson-pass")
    read -r tj rj < <(run jq jq -c .)
    best_heal=$(echo "if ($th < $best_heal) $th else $best_heal" | bc)
    best_jq=$(echo "if ($tj < $best_jq) $tj else $best_jq" | bc)
done
cmp -s "$dir/out-heal" "$dir/out-jq" && same="identical output" || same="output differs"
ratio=$(echo "scale=3; $best_heal / $best_jq" | bc)
printf 'heal ndjson-pass: %.2f s (peak RSS %d KB)\n' "$best_heal" "$rh"
printf 'jq -c .        : %.2f s (peak RSS %d KB)\n' "$best_jq" "$rj"
echo "ratio heal/jq: $ratio ($same; target <= 1.0)"
[ "$(echo "$ratio <= 1.0" | bc)" -eq 1 ]
