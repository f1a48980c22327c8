#!/usr/bin/env bats
# A stage of the heal-loop daemon killed with kill -9 in mid-stream, again
# and again: it is restarted, what the daemon prints stays whole records,
# the journal stays readable and the remedy does not run twice.

load ../lib/common
load lib

setup() {
    heal_setup
    refused_remedy 1h 1
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    for i in $(seq 1 20); do
        jq -cn --arg n "ok$i" '{name: $n, kind: "exec", command: ["/bin/echo", "OK - fine"],
            interval: "1s"}' >"$HEAL_CONFIG_DIR/checks.d/ok$i.json"
    done
    refused_check web '{"interval": "1s", "retry_interval": "1s"}'
}

has_record() {
    jq -e -s "any(.[]; $1)" "$HEAL_SCRATCH/bg/loop.out" >/dev/null 2>&1
}

count_records() {
    jq -s "map(select($1)) | length" "$HEAL_SCRATCH/bg/loop.out" 2>/dev/null || echo 0
}

@test "heal-analyze killed with kill -9 three times under the daemon: restarted, nothing torn, one run" {
    start_bg loop heal-loop --apply --format=json
    wait_for -t 20 has_record '.type == "outcome" and .remedy == "test.count"'
    for round in 1 2 3; do
        pid=$(pgrep -f -- "heal-analyze --.*--state-dir $HEAL_STATE_DIR" || true)
        [ -n "$pid" ] || fail "no heal-analyze running"
        kill -KILL $pid
        wait_for -t 20 bash -c "[ \$(jq -s 'map(select(.type == \"event\" and .event == \"stage.restarted\" and .stage == \"heal-analyze\")) | length' '$HEAL_SCRATCH/bg/loop.out' 2>/dev/null || echo 0) -ge $round ]"
    done
    # Diagnoses flow again after the last restart.
    n=$(count_records '.type == "diagnosis"')
    wait_for -t 20 bash -c "[ \$(jq -s 'map(select(.type == \"diagnosis\")) | length' '$HEAL_SCRATCH/bg/loop.out') -gt $n ]"
    heal_pid_alive "$(bg_pid loop)"
    stop_bg loop
    assert_equal "$bg_status" 0
    assert_valid_records "$HEAL_SCRATCH/bg/loop.out"
    journal_lines_parse
    assert_equal "$(runs)" 1
    # One executed outcome for it in the stream, too, and later chains for web went on.
    assert_equal "$(count_records '.type == "outcome" and .remedy == "test.count" and .action == "executed"')" 1
    [ "$(count_records '.type == "outcome" and .target == "web"')" -ge 2 ]
}
