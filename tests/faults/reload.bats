#!/usr/bin/env bats
# Configuration changed under a running daemon: checks.d edited, a new
# file, a malformed file, then SIGHUP.  The bad file is reported with its
# name and line, the rest goes on, and the remedy does not run again.

load ../lib/common
load lib

setup() {
    heal_setup
    refused_remedy 1h 1
}

check() { # NAME STATUS MESSAGE: a checks.d exec check, every second
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg n "$1" --arg s "$2" --arg m "$3" \
        '{name: $n, kind: "exec", command: ["sh", "-c", "echo \"$1\"; exit $2", "sh", $m, $s],
          max_attempts: 1, interval: "1s", retry_interval: "1s"}' \
        >"$HEAL_CONFIG_DIR/checks.d/$1.json.tmp"
    mv "$HEAL_CONFIG_DIR/checks.d/$1.json.tmp" "$HEAL_CONFIG_DIR/checks.d/$1.json"
}

has_record() { # JQ-FILTER: true once a record the daemon wrote matches
    jq -e -s "any(.[]; $1)" "$HEAL_SCRATCH/bg/loop.out" >/dev/null 2>&1
}

count_records() { # JQ-FILTER
    jq -s "map(select($1)) | length" "$HEAL_SCRATCH/bg/loop.out"
}

@test "checks.d edited and a malformed file added while running: SIGHUP reports it and goes on" {
    check web 2 "$REFUSED"
    check db 0 "OK: fine"
    start_bg loop heal-loop --apply --format=json
    wait_for -t 20 has_record '.type == "outcome" and .remedy == "test.count" and .action == "executed"'
    assert_equal "$(runs)" 1

    # Edit one check, add one, and write a malformed one: nothing changes until SIGHUP.
    check db 1 "WARNING: slow"
    check cache 0 "OK: cache"
    printf '{"name": "broken", "kind": "exec",\n  "command": oops}\n' \
        >"$HEAL_CONFIG_DIR/checks.d/broken.json"
    kill -HUP "$(bg_pid loop)"
    wait_for -t 20 has_record '.type == "check" and .target == "cache" and .status == "ok"'
    wait_for -t 20 has_record '.type == "check" and .target == "db" and .status == "warning"'
    heal_pid_alive "$(bg_pid loop)"
    # The bad file is named with its line, once per load, and nothing else failed.
    grep -E "heal-check: .*checks.d/broken.json:[0-9]+: " "$HEAL_SCRATCH/bg/loop.err"
    # Still checking: web goes on being checked after the reload.
    n=$(count_records '.type == "check" and .target == "web"')
    wait_for -t 20 bash -c "[ \$(jq -s 'map(select(.type == \"check\" and .target == \"web\")) | length' '$HEAL_SCRATCH/bg/loop.out') -gt $n ]"

    stop_bg loop
    assert_equal "$bg_status" 4 # a clean stop that says bad input was seen
    assert_valid_records "$HEAL_SCRATCH/bg/loop.out"
    journal_lines_parse
    # The cool-down of an hour holds across the reload: one run, no more.
    assert_equal "$(runs)" 1
}

@test "a checks.d file being rewritten while heal-loop --once reads it is a reported bad file, not a crash" {
    check db 0 "OK: fine"
    # Half a file, as an editor that writes in place leaves it mid-save.
    printf '{"name": "half", "kind": "ex' >"$HEAL_CONFIG_DIR/checks.d/half.json"
    run --separate-stderr heal-loop --once --format=json
    assert_valid_records
    run jq -r 'select(.type == "check") | .target' <<<"$output"
    assert_output db
    use_stderr
    assert_line --regexp "checks.d/half.json:1: "
}
