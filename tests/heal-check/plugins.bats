#!/usr/bin/env bats
# Real monitoring-plugins through the exec kind: the exit code is the
# status, line 1 the summary, and the perfdata is what the plugin printed.

load ../lib/common

P=/usr/lib/nagios/plugins

setup() {
    heal_setup
    [ -x $P/check_dummy ] || skip "monitoring-plugins are not installed"
}

# plugin_perf CMD...: runs a plugin and prints its perfdata, one item a line,
# as label|value|uom|warn|crit|min|max (numbers normalised by awk).  The
# plugins used here have no quoted labels with spaces, so a split on blanks
# is exact for them.
plugin_perf() {
    "$@" | head -n1 | sed -n 's/^[^|]*|//p' | tr -s ' ' '\n' | awk -F';' '
        function num(s) { return s == "" ? "" : sprintf("%.15g", s + 0) }
        NF == 0 || $1 == "" { next }
        {
            eq = index($1, "="); label = substr($1, 1, eq - 1); v = substr($1, eq + 1)
            match(v, /^-?[0-9.]+/); value = substr(v, 1, RLENGTH); uom = substr(v, RLENGTH + 1)
            printf "%s|%s|%s|%s|%s|%s|%s\n", label, num(value), uom, $2, $3, num($4), num($5)
        }'
}

# record_perf: the perfdata of the record in $output, in the same form.
record_perf() {
    jq -r '.perfdata[] | [.label, (.value // ""), .uom, (.warn // ""), (.crit // ""),
                          (.min // ""), (.max // "")] | map(tostring) | join("|")' <<<"$output" |
        awk -F'|' -v OFS='|' '
            function num(s) { return s == "" ? "" : sprintf("%.15g", s + 0) }
            { $2 = num($2); $6 = num($6); $7 = num($7); print }'
}

# same_perf CMD...: the record's perfdata equals the plugin's own, run just
# before or just after (values such as load may move in between).
same_perf() {
    local before=$1 after=$2 got
    got=$(record_perf)
    [ -n "$got" ] || fail "the record has no perfdata"
    if [ "$got" != "$before" ] && [ "$got" != "$after" ]; then
        printf 'record: %s\nplugin: %s\n' "$got" "$before" | fail
    fi
}

@test "check_dummy: every exit code is the status, line 1 the summary" {
    local code word
    for code in 0 1 2 3; do
        word=$(echo ok warning critical unknown | cut -d' ' -f$((code + 1)))
        run --separate-stderr heal-check --exec "$P/check_dummy $code 'said $code'"
        assert_equal "$status" "$code"
        assert_valid_records --type check
        assert_equal "$(jq -r '[.status, .code, .summary, .evidence.exit_code] | map(tostring) | join(" ")' <<<"$output")" \
            "$word $code $($P/check_dummy $code "said $code") $code"
    done
}

@test "check_dummy: perfdata after | is parsed item by item, exactly" {
    local text="fine|'time'=0.5s;1;2;0;10 size=196B;;;0; pl=0%;40;80;; /dev/shm=17286823936B;243497277849;257024904396;0;270552530944 procs=2;1:10;@~:0;0;"
    run --separate-stderr heal-check --exec "$P/check_dummy 0 \"$text\""
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -r .summary <<<"$output")" 'OK: fine'
    local want
    want=$(plugin_perf $P/check_dummy 0 "$text" | sed "s/^'time'/time/")
    same_perf "$want" "$want"
    assert_equal "$(jq -c '.perfdata[4]' <<<"$output")" \
        '{"label":"procs","value":2,"uom":"","warn":"1:10","crit":"@~:0","min":0,"max":null}'
}

@test "check_load -r: status, summary and perfdata as the plugin printed them" {
    local cmd=("$P/check_load" -r -w 50,50,50 -c 99,99,99) before after
    before=$(plugin_perf "${cmd[@]}")
    run --separate-stderr heal-check --exec "${cmd[*]}"
    after=$(plugin_perf "${cmd[@]}")
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -r .summary <<<"$output")" "$("${cmd[@]}" | head -n1 | cut -d'|' -f1 | sed 's/ *$//')"
    same_perf "$before" "$after"
    assert_equal "$(jq -r '[.perfdata[].label] | join(" ")' <<<"$output")" \
        'load1 scaled_load1 load5 scaled_load5 load15 scaled_load15'
}

@test "check_load with thresholds below any load is CRITICAL through heal-check too" {
    run --separate-stderr heal-check --exec "$P/check_load -w 0,0,0 -c 0,0,0"
    "$P/check_load" -w 0,0,0 -c 0,0,0 >/dev/null && skip "the load is exactly 0"
    assert_failure 2
    assert_valid_records --type check
    assert_output --partial '"status":"critical"'
}

@test "check_disk: bytes used, thresholds, min and max of a mount as the plugin printed" {
    local cmd=("$P/check_disk" -w 20% -c 10% -p /dev/shm) before after
    [ -d /dev/shm ] || skip "no /dev/shm"
    before=$(plugin_perf "${cmd[@]}")
    run --separate-stderr heal-check --exec "${cmd[*]}"
    after=$(plugin_perf "${cmd[@]}")
    assert_valid_records --type check
    same_perf "$before" "$after"
    assert_equal "$(jq -r '.perfdata[0] | .label + " " + .uom' <<<"$output")" '/dev/shm B'
}

@test "check_procs: the count of a known set of processes, and its range thresholds" {
    start_bg parent bash -c 'sleep 300 & sleep 300 & wait'
    local pid
    pid=$(bg_pid parent)
    wait_for two_children "$pid"
    run --separate-stderr heal-check --exec "$P/check_procs --ppid=$pid -w 2:2 -c 1:3"
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -c '[.summary, .perfdata[0].value, .perfdata[0].warn, .perfdata[0].crit]' <<<"$output")" \
        "[\"PROCS OK: 2 processes with PPID = $pid\",2,\"2:2\",\"1:3\"]"
    run --separate-stderr heal-check --exec "$P/check_procs --ppid=$pid -c 3:"
    assert_failure 2
    assert_valid_records --type check
    assert_output --partial "\"summary\":\"PROCS CRITICAL: 2 processes with PPID = $pid\""
    stop_bg parent
}

two_children() {
    [ "$(pgrep -c -P "$1")" = 2 ]
}

@test "check_tcp: an open port is OK, a closed one CRITICAL with the plugin's words" {
    local port closed
    port=$(free_port)
    start_bg server "$HEAL_PYTHON" -m http.server --bind 127.0.0.1 "$port"
    wait_for "$P/check_tcp" -H 127.0.0.1 -p "$port"
    run --separate-stderr heal-check --exec "$P/check_tcp -H 127.0.0.1 -p $port"
    assert_success
    assert_valid_records --type check
    assert_output --regexp '"summary":"TCP OK - [0-9.]+ second response time on 127\.0\.0\.1 port '"$port"'"'
    assert_equal "$(jq -r '.perfdata[0].label + " " + .perfdata[0].uom' <<<"$output")" 'time s'
    stop_bg server
    closed=$(free_port)
    run --separate-stderr heal-check --exec "$P/check_tcp -H 127.0.0.1 -p $closed"
    assert_failure 2
    assert_valid_records --type check
    assert_output --partial "\"summary\":\"connect to address 127.0.0.1 and port $closed: Connection refused\""
}

@test "plugins run from a checks file behave as with --exec" {
    local f=$HEAL_SCRATCH/checks.ndjson
    cat >"$f" <<EOF
{"name": "dummy-warn", "kind": "exec", "command": ["$P/check_dummy", "1", "half full|used=55%;50;90;0;100"]}
{"name": "load", "kind": "exec", "command": "$P/check_load -r -w 50,50,50 -c 99,99,99", "labels": {"team": "ops"}}
{"name": "disk-root", "kind": "exec", "command": "$P/check_disk -w 1% -c 1% -p /", "max_attempts": 1}
EOF
    run --separate-stderr heal-check --checks "$f"
    assert_failure 1
    assert_valid_records --type check
    assert_equal "$(jq -r 'select(.name == "dummy-warn") | [.status, .summary, .state_type,
        (.perfdata[0] | "\(.label)=\(.value)\(.uom);\(.warn);\(.crit);\(.min);\(.max)")] | join(" ")' <<<"$output")" \
        'warning WARNING: half full soft used=55%;50;90;0;100'
    assert_equal "$(jq -r 'select(.name == "load") | .status + " " + .labels.team' <<<"$output")" 'ok ops'
    assert_equal "$(jq -r 'select(.name == "disk-root") | .status + " " + .kind' <<<"$output")" 'ok exec'
}

@test "a plugin that hangs is CRITICAL within about its timeout" {
    local t0=${EPOCHREALTIME/[.,]/} ms
    run --separate-stderr heal-check --exec 'sleep 30' --timeout 1s
    ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -r '[.status, .summary, .evidence.timed_out] | map(tostring) | join(" | ")' <<<"$output")" \
        'critical | Plugin timed out after 1 seconds | true'
    # Ended by the 1 s timeout, not by the 30 s sleep; the bound is far from
    # both, so a loaded sanitizer run cannot fail it.
    [ "$ms" -lt 15000 ] || fail "took $ms ms"
    run pgrep -f '^sleep 30$' -P $$
    assert_failure
}

@test "a program that does not exist is UNKNOWN with the 127 message" {
    run --separate-stderr heal-check --exec "$HEAL_SCRATCH/no-such-plugin -w 1"
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(jq -r '[.status, .evidence.exit_code] | map(tostring) | join(" ")' <<<"$output")" 'unknown 127'
    assert_output --partial '"summary":"Return code of 127 is out of bounds'
}

@test "a program exiting outside 0-3 is UNKNOWN and keeps its stderr as evidence" {
    run --separate-stderr heal-check --exec "$HEAL_PYTHON -c 'import sys; print(\"odd\"); sys.stderr.write(\"why\\n\"); sys.exit(7)'"
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(jq -r '[.status, .evidence.exit_code, .evidence.stderr] | map(tostring) | join(" ")' <<<"$output")" \
        'unknown 7 why'
}

@test "exec runs no shell: \$HOME, globs and ; reach the program as they are" {
    run --separate-stderr heal-check --exec "$P/check_dummy 0 \$HOME;* 'a b'"
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -r .summary <<<"$output")" 'OK: $HOME;*'
}

@test "30 concurrent one-second checks finish in well under 30 s" {
    local f=$HEAL_SCRATCH/checks.ndjson i t0 ms
    for i in $(seq 1 30); do
        echo "{\"name\": \"sleep-$i\", \"kind\": \"exec\", \"command\": \"sleep 1\"}"
    done >"$f"
    t0=${EPOCHREALTIME/[.,]/}
    run --separate-stderr heal-check --checks "$f"
    ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
    assert_success
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 30
    # one after another would take 30 s
    [ "$ms" -lt 15000 ] || fail "30 checks of 1 s took $ms ms"
}

@test "--jobs bounds how many run at once" {
    local f=$HEAL_SCRATCH/checks.ndjson i t0 ms
    for i in 1 2 3 4; do
        echo "{\"name\": \"s$i\", \"kind\": \"exec\", \"command\": \"sleep 0.3\"}"
    done >"$f"
    t0=${EPOCHREALTIME/[.,]/}
    run --separate-stderr heal-check --jobs 2 --checks "$f"
    ms=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
    assert_success
    assert_equal "${#lines[@]}" 4
    [ "$ms" -ge 550 ] || fail "4 checks of 0.3 s, 2 at a time, took only $ms ms"
    run --separate-stderr heal-check --jobs 0 --checks "$f"
    assert_failure 3
}
