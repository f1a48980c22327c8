#!/usr/bin/env bats
# heal-loop run -- CMD ARGS...: the CI wrapper.  Real commands, real
# failures (curl against a closed port, cc on a bad file, pytest on a
# failing test), and the real heal-analyze | heal-propose | heal-apply.

load ../lib/common

setup() {
    heal_setup
    cd "$HEAL_SCRATCH"
    echo 0 >count
}

teardown() {
    heal_teardown
}

# A command that counts its runs in ./count, then runs the rest of its arguments.
counted() {
    printf 'n=$(($(cat count) + 1)); echo $n >count; %s' "$1"
}

runs() {
    cat "$HEAL_SCRATCH/count"
}

@test "a command that fails twice on a refused connection, then succeeds, exits 0 after three attempts" {
    local closed live
    closed=$(free_port)
    live=$(free_port)
    echo 'served by the live server' >index.html
    start_bg web "$HEAL_PYTHON" -m http.server --bind 127.0.0.1 "$live"
    wait_for curl -sf "http://127.0.0.1:$live/index.html" -o /dev/null
    run --separate-stderr heal-loop run --backoff 50ms --records rec.ndjson -- \
        sh -c "$(counted "if [ \$n -lt 3 ]; then curl -sS http://127.0.0.1:$closed/; \
               else curl -sS http://127.0.0.1:$live/index.html; fi")"
    assert_success
    assert_output 'served by the live server'
    [ "$(runs)" = 3 ]
    use_stderr
    assert_line --index 0 --regexp "^curl: \(7\) Failed to connect to 127.0.0.1 port $closed "
    assert_line --partial 'heal-loop: run: warning: attempt 1 of 3 failed (exit 7): transient (network.curl-connect-failed: '
    assert_line --partial 'heal-loop: run: warning: attempt 2 of 3 failed (exit 7): transient'
    assert_line "heal-loop: run: transient (network.curl-connect-failed: libcurl could not connect to 127.0.0.1:$closed), healed after 3 attempts"
}

@test "--records holds each failed attempt's diagnosis, proposal and outcome, then a valid run.summary" {
    local closed
    closed=$(free_port)
    run --separate-stderr heal-loop run --backoff 10ms --records rec.ndjson -- \
        sh -c "$(counted "[ \$n -ge 3 ] || curl -sS http://127.0.0.1:$closed/")"
    assert_success
    assert_valid_records rec.ndjson
    [ "$(jq -s 'map(select(.type == "diagnosis")) | length' rec.ndjson)" = 2 ]
    [ "$(jq -s 'map(select(.type == "proposal")) | length' rec.ndjson)" = 2 ]
    [ "$(jq -s 'map(select(.type == "outcome" and .action == "dry-run")) | length' rec.ndjson)" = 2 ]
    run jq -c 'select(.type == "event") | [.event, .attempts, .exit_code, .classification,
        .healed, .signature, .command]' rec.ndjson
    assert_output '["run.summary",3,0,"transient",true,"network.curl-connect-failed","sh"]'
    # the summary closes the file, and its trace is the last diagnosis' trace
    [ "$(tail -n 1 rec.ndjson | jq -r .event)" = run.summary ]
    [ "$(jq -rs '(map(select(.type == "diagnosis")) | last | .trace) ==
        (last | .trace)' rec.ndjson)" = true ]
}

@test "a compile error is a code failure: run once, not retried, its status passed on" {
    printf 'int main(void) { return x; }\n' >bad.c
    run --separate-stderr heal-loop run --backoff 10ms --records rec.ndjson -- \
        sh -c "$(counted 'cc -c bad.c -o bad.o')"
    assert_failure 1
    [ "$(runs)" = 1 ]
    assert_output ''
    use_stderr
    assert_line --partial "bad.c:1:25: error: "
    assert_line --regexp '^heal-loop: run: code failure \(build\.c-undeclared: The C/C\+\+ code uses x, .*\), not retried \(exit 1\)$'
    refute_line --partial 'attempt 1 of'
    assert_valid_records rec.ndjson
    run jq -c 'select(.type == "event") | [.attempts, .exit_code, .classification, .healed]' rec.ndjson
    assert_output '[1,1,"code",false]'
}

@test "a failing pytest test is a test failure and is not retried" {
    printf 'def test_math():\n    assert 1 + 1 == 3\n' >test_a.py
    run --separate-stderr heal-loop run --backoff 10ms -- \
        sh -c "$(counted 'pytest -q -p no:cacheprovider test_a.py')"
    assert_failure 1
    [ "$(runs)" = 1 ]
    assert_line 'FAILED test_a.py::test_math - assert (1 + 1) == 3'
    use_stderr
    assert_line --regexp '^heal-loop: run: test failure \(test\.pytest-[a-z-]+: .*\), not retried \(exit 1\)$'
}

@test "a full disk is an infrastructure failure, not retried without a remedy" {
    run --separate-stderr heal-loop run --backoff 10ms -- \
        sh -c "$(counted 'dd if=/dev/zero of=/dev/full bs=1 count=1')"
    assert_failure 1
    [ "$(runs)" = 1 ]
    use_stderr
    assert_line --partial "dd: error writing '/dev/full': No space left on device"
    assert_line --regexp '^heal-loop: run: infrastructure failure \(disk\.full: .*\), not retried \(exit 1\)$'
}

@test "output nothing in the catalog knows is an unknown failure, not retried, its status passed on" {
    run --separate-stderr heal-loop run --backoff 10ms -- sh -c "$(counted 'echo odd >&2; exit 42')"
    assert_failure 42
    [ "$(runs)" = 1 ]
    use_stderr
    assert_line 'odd'
    assert_line 'heal-loop: run: unknown failure (nothing in the output matched a known signature), not retried (exit 42)'
}

@test "--max-attempts bounds the runs, and curl's exit status 7 is passed on" {
    local closed
    closed=$(free_port)
    run --separate-stderr heal-loop run --max-attempts 2 --backoff 10ms -- \
        sh -c "$(counted "curl -sS http://127.0.0.1:$closed/")"
    assert_failure 7
    [ "$(runs)" = 2 ]
    use_stderr
    assert_line --regexp '^heal-loop: run: transient \(network\.curl-connect-failed: .*\), still failing after 2 attempts \(exit 7\)$'

    echo 0 >count
    run --separate-stderr heal-loop run --max-attempts 1 -- \
        sh -c "$(counted "curl -sS http://127.0.0.1:$closed/")"
    assert_failure 7
    [ "$(runs)" = 1 ]
    use_stderr
    assert_line --partial ', not retried: --max-attempts is 1 (exit 7)'
}

@test "the wait before a retry is the floor plus a jitter no larger than the cap" {
    local closed ms
    closed=$(free_port)
    run --separate-stderr heal-loop run --max-attempts 4 --backoff 40ms --backoff-max 50ms -- \
        curl -sS "http://127.0.0.1:$closed/"
    assert_failure 7
    use_stderr
    mapfile -t waits < <(sed -n 's/.*; again in \([0-9]*\)ms$/\1/p' <<<"$stderr")
    [ "${#waits[@]}" = 3 ] || fail "waits: ${waits[*]}"
    for ms in "${waits[@]}"; do
        [ "$ms" -ge 40 ] && [ "$ms" -le 90 ] || fail "a wait of ${ms}ms is outside 40..90"
    done
}

@test "with --apply, heal-apply runs the auto remedy and journals it" {
    local closed
    closed=$(free_port)
    run --separate-stderr heal-loop run --apply --backoff 10ms --records rec.ndjson -- \
        sh -c "$(counted "[ \$n -ge 2 ] || curl -sS http://127.0.0.1:$closed/")"
    assert_success
    [ "$(runs)" = 2 ]
    assert_valid_records rec.ndjson
    run jq -c 'select(.type == "outcome") | [.remedy, .action]' rec.ndjson
    assert_output '["wait.backoff","executed"]'
    assert_file_exists "$HEAL_STATE_DIR/journal.ndjson"
}

@test "the command's stdout and stderr pass through byte for byte, and no record reaches stdout" {
    head -c 300000 /dev/urandom >blob
    printf 'last line without a newline' >>blob
    heal-loop run -- cat blob >out 2>err
    cmp blob out
    [ ! -s err ]
    local rc=0
    heal-loop run -- sh -c 'cat blob >&2; cat blob; exit 3' >out 2>err || rc=$?
    [ "$rc" = 3 ]
    cmp blob out
    head -c 300027 err | cmp - blob
    # the blob's last line has no newline: the verdict follows it on that line
    grep -aq 'newlineheal-loop: run: unknown failure' err
}

@test "heal-loop stops when its reader goes, and the command learns it" {
    run timeout 20 bash -c 'heal-loop run -- yes 2>/dev/null | head -n 2'
    assert_success
    assert_output $'y\ny'
}

gone() {
    ! heal_pid_alive "$1"
}

@test "SIGTERM to heal-loop run kills the command's whole process group" {
    start_bg loop heal-loop run -- sh -c 'sleep 300 & echo $! >sleeper; echo $$ >shell; wait'
    wait_for test -s sleeper
    wait_for test -s shell
    local sleeper shell loop
    sleeper=$(<sleeper)
    shell=$(<shell)
    loop=$(bg_pid loop)
    heal_pid_alive "$sleeper"
    kill -TERM "$loop"
    wait_for gone "$loop"
    wait_for gone "$shell"
    wait_for gone "$sleeper"
    stop_bg loop
    [ "$bg_status" = 143 ]
    grep -q 'stopped by a signal during attempt 1 (exit 143)' "$HEAL_SCRATCH/bg/loop.err"
}

@test "a command that cannot be found exits 127, as a shell says, and is not retried" {
    run -127 --separate-stderr heal-loop run -- no-such-command-here arg
    use_stderr
    assert_line 'heal-loop: run: no-such-command-here: exec: No such file or directory'
    assert_line 'heal-loop: run: unknown failure (the command did not run), not retried (exit 127)'
}

@test "options end at the command's name, so its own options need no --" {
    run --separate-stderr heal-loop run --max-attempts 1 printf '%s|' --max-attempts -v
    assert_success
    assert_output '--max-attempts|-v|'
}

@test "bad usage exits 2 with a one-line error and runs nothing" {
    run --separate-stderr heal-loop run
    assert_failure 2
    [ "${#stderr_lines[@]}" = 1 ]
    [[ $stderr == 'heal-loop: run: no command given'* ]]

    run --separate-stderr heal-loop run --
    assert_failure 2
    [[ $stderr == 'heal-loop: run: no command given'* ]]

    for bad in 0 -1 101; do
        run --separate-stderr heal-loop run --max-attempts "$bad" -- touch ran
        assert_failure 2
        [ "${#stderr_lines[@]}" = 1 ]
        [ "$stderr" = "heal-loop: run: --max-attempts: $bad is not between 1 and 100" ]
    done

    run --separate-stderr heal-loop run --max-attempts abc -- touch ran
    assert_failure 2
    [ "${#stderr_lines[@]}" = 1 ]
    [ "$stderr" = "heal-loop: run: --max-attempts: abc is not between 1 and 100" ]

    run --separate-stderr heal-loop run --backoff soon -- touch ran
    assert_failure 2
    [ "${#stderr_lines[@]}" = 1 ]
    [[ $stderr == 'heal-loop: run: --backoff: '* ]]

    assert_file_not_exists ran
}

@test "a records file that cannot be written stops heal-loop before the command runs" {
    run --separate-stderr heal-loop run --records no-such-dir/rec.ndjson -- touch ran
    assert_failure 3
    use_stderr
    assert_output 'heal-loop: no-such-dir/rec.ndjson: No such file or directory'
    assert_file_not_exists ran
}

@test "SIGTERM during the wait before a retry ends the run with the last status and verdict" {
    local closed loop
    closed=$(free_port)
    start_bg loop heal-loop run --backoff 1h -- curl -sS "http://127.0.0.1:$closed/"
    loop=$(bg_pid loop)
    wait_for grep -q 'again in' "$HEAL_SCRATCH/bg/loop.err"
    kill -TERM "$loop"
    wait_for gone "$loop"
    stop_bg loop
    [ "$bg_status" = 7 ]
    grep -q '^heal-loop: run: transient (network.curl-connect-failed: .*), stopped by a signal before attempt 2 (exit 7)$' \
        "$HEAL_SCRATCH/bg/loop.err"
}
