#!/usr/bin/env bats
# tests/lib/common.bash: the helpers every suite relies on.

load ../lib/common

@test "heal_setup makes private state and configuration directories" {
    assert_dir_exists "$HEAL_STATE_DIR"
    assert_dir_exists "$HEAL_CONFIG_DIR"
    assert_equal "$(stat -c %a "$HEAL_STATE_DIR")" 700
    assert_equal "$(stat -c %a "$HEAL_CONFIG_DIR")" 700
    case $HEAL_STATE_DIR in "$BATS_TEST_TMPDIR"/*) ;; *) fail "outside the test's tmpdir" ;; esac
}

@test "wait_for returns as soon as the condition holds" {
    touch "$HEAL_SCRATCH/flag"
    wait_for test -e "$HEAL_SCRATCH/flag"
}

@test "wait_for fails after its deadline, naming the condition" {
    run wait_for -t 0.3 test -e "$HEAL_SCRATCH/never"
    assert_failure
    assert_output --partial "still failing after 0.3s: test -e"
}

@test "free_port prints a port nothing listens on" {
    local port
    port=$(free_port)
    assert_regex "$port" '^[0-9]+$'
    run "$HEAL_PYTHON" -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); print("bound")' "$port"
    assert_success
    assert_output bound
}

@test "start_bg runs a process that stop_bg ends by pid" {
    start_bg sleeper sleep 300
    local pid
    pid=$(bg_pid sleeper)
    heal_pid_alive "$pid"
    stop_bg sleeper
    run heal_pid_alive "$pid"
    assert_failure
    assert_equal "$bg_status" 143
}

@test "stop_bg kills the whole process group of what start_bg started" {
    start_bg shell sh -c 'sleep 300 & echo $! >"$0"; wait' "$HEAL_SCRATCH/child.pid"
    wait_for test -s "$HEAL_SCRATCH/child.pid"
    local child
    child=$(<"$HEAL_SCRATCH/child.pid")
    stop_bg shell
    wait_for eval '! heal_pid_alive '"$child"
}

@test "start_bg keeps the output of the background process" {
    start_bg talker sh -c 'echo out; echo err >&2'
    wait_for eval '! heal_pid_alive $(bg_pid talker)'
    stop_bg talker
    assert_file_contains "$HEAL_SCRATCH/bg/talker.out" '^out$'
    assert_file_contains "$HEAL_SCRATCH/bg/talker.err" '^err$'
    assert_equal "$bg_status" 0
}

@test "heal_teardown stops what a test left running" {
    start_bg left sleep 300
    local pid
    pid=$(bg_pid left)
    heal_teardown
    run heal_pid_alive "$pid"
    assert_failure
    assert_file_not_exists "$HEAL_SCRATCH/bg/left.pid"
}

@test "assert_valid_records fails on invalid records and shows why" {
    output=$(<"$HEAL_FIXTURES/records/invalid-v.ndjson")
    run assert_valid_records
    assert_failure
    assert_output --partial '/v: 1 was expected'
}

@test "assert_valid_records fails when there is no output to validate" {
    output=
    run assert_valid_records
    assert_failure
    assert_output --partial 'no records to validate'
}

@test "assert_valid_records --type validates files too" {
    head -n 1 "$HEAL_FIXTURES/records/valid.ndjson" >"$HEAL_SCRATCH/event.ndjson"
    assert_valid_records --type event "$HEAL_SCRATCH/event.ndjson"
    run assert_valid_records --type check "$HEAL_SCRATCH/event.ndjson"
    assert_failure
}
