#!/usr/bin/env bash
# heal-analyze --text against `grep -E -c -f` with the catalog's literals,
# on the same generated log (BENCH_LOG_MB, default 1024 MiB: about 1% real
# failure lines from many producers among ordinary traffic), same run.
# Prints both times, the ratio (target <= 1.0) and heal-analyze's peak RSS
# (target <= 64 MB).
set -euo pipefail
B=${B:-build}
MB=${BENCH_LOG_MB:-1024}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Failure lines: every example message of the catalog's fixtures.
cat "$root"/tests/fixtures/signatures/*.examples.json | jq -r '.[][]' | tr -d '\r' |
    grep -v '^$' >"$dir/failures.txt"
# The literals, escaped for ERE, one per line.
for f in "$root"/data/signatures-*.json; do grep -v '^[[:space:]]*#' "$f"; done |
    jq -r '.[].literals[]' | sed 's/[][\.*^$+?(){}|/]/\\&/g' | sort -u >"$dir/literals.txt"
echo "$(wc -l <"$dir/failures.txt") failure messages, $(wc -l <"$dir/literals.txt") literals"

# Ordinary traffic from several producers, ~1% failures spread through it.
awk -v mb="$MB" -v failfile="$dir/failures.txt" 'BEGIN {
    while ((getline l < failfile) > 0) fail[nf++] = l
    split("GET POST PUT DELETE", verb, " ")
    split("/ /api/v1/items /health /static/app.js /login /api/v1/orders?page=2", path, " ")
    split("200 200 200 200 304 201 204 302", code, " ")
    srand(7); limit = mb * 1048576; bytes = 0; n = 0
    while (bytes < limit) {
        r = rand(); n++
        s = sprintf("%02d:%02d:%02d", int(n / 3600000) % 24, int(n / 60000) % 60, int(n / 1000) % 60)
        if (r < 0.01)      line = fail[int(rand() * nf)]
        else if (r < 0.55) line = sprintf("10.0.%d.%d - - [29/Nov/2026:%s +0000] \"%s %s HTTP/1.1\" %s %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"", int(rand()*255), int(rand()*255), s, verb[int(rand()*4)+1], path[int(rand()*6)+1], code[int(rand()*8)+1], int(rand()*50000))
        else if (r < 0.75) line = sprintf("2026-11-29T%s.%03dZ INFO  app.worker[%d]: processed job id=%d in %d ms queue=default", s, n % 1000, 1000 + n % 97, n, int(rand()*900))
        else if (r < 0.90) line = sprintf("Nov 29 %s web%d systemd[1]: Started session %d of user deploy.", s, n % 9, n % 100000)
        else               line = sprintf("%s DEBUG cache hit ratio=%.3f keys=%d evictions=%d", s, rand(), int(rand()*1e6), int(rand()*100))
        print line; bytes += length(line) + 1
    }
}' >"$dir/log.txt"
echo "log: $(du -h "$dir/log.txt" | cut -f1), $(wc -l <"$dir/log.txt") lines"

run() { # label cmd... ; prints seconds and peak RSS (KB)
    local label=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$dir/rss" "$@" <"$dir/log.txt" >"$dir/out-$label" 2>"$dir/err-$label" || true
    t1=$(date +%s.%N)
    echo "$(echo "$t1 - $t0" | bc) $(tail -n 1 "$dir/rss")"
}
export HEAL_CONFIG_DIR=$dir/config HEAL_STATE_DIR=$dir/state
best_heal=999999 best_grep=999999 rss=0
for _ in 1 2 3; do
    read -r th rh < <(run heal "$B/bin/heal-analyze" --text)
    read -r tg _ < <(run grep grep -E -c -f "$dir/literals.txt")
    best_heal=$(echo "if ($th < $best_heal) $th else $best_heal" | bc)
    best_grep=$(echo "if ($tg < $best_grep) $tg else $best_grep" | bc)
    [ "$rh" -gt "$rss" ] && rss=$rh
done
diags=$(wc -l <"$dir/out-heal")
matched=$(jq -s 'map(.count) | add' "$dir/out-heal")
ratio=$(echo "scale=3; $best_heal / $best_grep" | bc)
printf 'heal-analyze --text: %.2f s, %d diagnoses covering %s lines, peak RSS %d KB\n' \
    "$best_heal" "$diags" "$matched" "$rss"
printf 'grep -E -c -f      : %.2f s, %s lines matched\n' "$best_grep" "$(cat "$dir/out-grep")"
echo "ratio heal/grep: $ratio (target <= 1.0); peak RSS target <= 65536 KB"
[ "$(echo "$ratio <= 1.0" | bc)" -eq 1 ] && [ "$rss" -le 65536 ]
