#!/usr/bin/env bats
# The process kind: counting real processes by name, command line, user,
# state and pidfile, and --watch seeing a watched process exit at once.
load ../lib/common
load reap

setup() {
    heal_setup
    # Names unique to this test, at most 15 bytes: the kernel's comm length.
    NAME=hp${BATS_TEST_NUMBER}x$$
}

teardown() {
    end_all_bg
    heal_teardown
}

# start_named BG NAME: runs `sleep 1000` as command NAME (comm is taken
# from the name exec'd, so a symlink to sleep is enough).
start_named() {
    [ -e "$HEAL_SCRATCH/$2" ] || ln -s "$(command -v sleep)" "$HEAL_SCRATCH/$2"
    start_bg "$1" "$HEAL_SCRATCH/$2" 1000
    wait_for comm_is "$(bg_pid "$1")" "$2"
}

field() { jq -r "$1" <<<"$output"; }

# checks_file PIECE...: writes the pieces, joined, as one definition; prints the file.
checks_file() {
    printf '%s' "$@" >"$HEAL_SCRATCH/checks.json"
    echo >>"$HEAL_SCRATCH/checks.json"
    echo "$HEAL_SCRATCH/checks.json"
}

@test "a running process found by its command name is OK" {
    start_named svc "$NAME"
    run --separate-stderr heal-check --process "$NAME"
    assert_success
    assert_valid_records
    [ "$(field .summary)" = "PROCS OK: 1 process with command name '$NAME'" ]
    [ "$(field .kind)" = process ]
    [ "$(field '.evidence.pids[0]')" = "$(bg_pid svc)" ]
    [ "$(field '.perfdata[0].label + "=" + (.perfdata[0].value|tostring)')" = procs=1 ]
}

@test "a killed process is CRITICAL" {
    start_named svc "$NAME"
    end_bg svc
    run --separate-stderr heal-check --process "$NAME"
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "PROCS CRITICAL: 0 processes with command name '$NAME'" ]
    [ "$(field '.evidence.pids | length')" = 0 ]
}

@test "a pidfile naming a running process is OK and not stale" {
    start_named svc "$NAME"
    bg_pid svc >"$HEAL_SCRATCH/svc.pid"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"pidfile\":\"$HEAL_SCRATCH/svc.pid\"}")"
    assert_success
    assert_valid_records
    [ "$(field .evidence.pidfile.pid)" = "$(bg_pid svc)" ]
    [ "$(field .evidence.pidfile.stale)" = false ]
}

@test "a stale pidfile is CRITICAL, with stale in the evidence" {
    start_named svc "$NAME"
    bg_pid svc >"$HEAL_SCRATCH/svc.pid"
    end_bg svc
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"pidfile\":\"$HEAL_SCRATCH/svc.pid\"}")"
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.pidfile.stale)" = true ]
    assert_equal "$(field .summary)" \
        "PROCS CRITICAL: 0 processes with pidfile '$HEAL_SCRATCH/svc.pid' (stale pidfile)"
}

@test "a pidfile whose pid now runs another program is stale" {
    start_named svc "$NAME"
    bg_pid svc >"$HEAL_SCRATCH/svc.pid"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"pidfile\":\"$HEAL_SCRATCH/svc.pid\"," \
        "\"process\":\"nginx\"}")"
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.pidfile.stale)" = true ]
    [ "$(field .evidence.pidfile.comm)" = "$NAME" ]
}

@test "a missing pidfile is CRITICAL and says so" {
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"pidfile\":\"$HEAL_SCRATCH/none.pid\"}")"
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.pidfile.error)" = missing ]
}

@test "warn and crit are Nagios ranges on the count" {
    start_named a "$NAME"
    start_named b "$NAME"
    start_named c "$NAME"
    run --separate-stderr heal-check --process "$NAME" --warn 2 --crit 5
    assert_failure 1
    assert_valid_records
    [ "$(field .summary)" = "PROCS WARNING: 3 processes with command name '$NAME'" ]
    run --separate-stderr heal-check --process "$NAME" --crit 2:3
    assert_success
    run --separate-stderr heal-check --process "$NAME" --crit 1:2
    assert_failure 2
    [ "$(field '.evidence.pids | length')" = 3 ]
}

@test "cmdline is a regex on the command line with spaces for NULs" {
    start_named svc "$NAME"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"cmdline\":\"/$NAME 1000\$\"}")"
    assert_success
    assert_valid_records
    [ "$(field .evidence.count)" = 1 ]
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"cmdline\":\"/$NAME 999\$\"}")"
    assert_failure 2
}

@test "user narrows the count to one user's processes" {
    start_named svc "$NAME"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"process\":\"$NAME\",\"user\":$(id -u)}")"
    assert_success
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"svc\",\"kind\":\"process\",\"process\":\"$NAME\"," \
        "\"user\":$(($(id -u) + 4242))}")"
    assert_failure 2
    assert_valid_records
}

@test "a zombie is not a running process, but state Z counts it" {
    ln -s "$(command -v sleep)" "$HEAL_SCRATCH/$NAME"
    # sh forks NAME, then becomes a sleep that never reaps it.
    start_bg parent sh -c '"$1" 0 & exec sleep 1000' sh "$HEAL_SCRATCH/$NAME"
    wait_for sh -c "ps -o stat= --ppid $(bg_pid parent) | grep -q Z"
    run --separate-stderr heal-check --process "$NAME"
    assert_failure 2
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"z\",\"kind\":\"process\",\"process\":\"$NAME\"," \
        "\"state\":\"Z\",\"crit\":\"0\"}")"
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "PROCS CRITICAL: 1 process with status 'Z', command name '$NAME'" ]
}

@test "the built-in zombie check is OK on a healthy host" {
    # The check counts the whole host's zombies, and a busy CI machine has
    # passing ones (another job's children not yet reaped), so where it can
    # this runs in a PID namespace of its own: a healthy host of one process.
    local own=()
    ! unshare --fork --pid --mount-proc true 2>/dev/null || own=(unshare --fork --pid --mount-proc)
    run --separate-stderr "${own[@]}" heal-check --builtin --name zombies
    assert_success
    assert_valid_records
    [ "$(field .kind)" = process ]
    [ "$(field '.perfdata[0].warn + " " + .perfdata[0].crit')" = "5 20" ]
}

@test "a bad state or cmdline is refused, naming the field" {
    run --separate-stderr heal-check --checks "$(checks_file \
        '{"name":"x","kind":"process","state":"q"}')"
    assert_failure 3
    use_stderr
    assert_output --partial "field 'state'"
    run --separate-stderr heal-check --checks "$(checks_file \
        '{"name":"x","kind":"process","cmdline":"(unclosed"}')"
    assert_failure 3
    use_stderr
    assert_output --partial "field 'cmdline'"
}

@test "in --watch a killed process is CRITICAL at once, not at the interval" {
    start_named svc "$NAME"
    bg_pid svc >"$HEAL_SCRATCH/svc.pid"
    checks_file "{\"name\":\"svc\",\"kind\":\"process\",\"interval\":\"60s\"," \
        "\"pidfile\":\"$HEAL_SCRATCH/svc.pid\"}" >/dev/null
    start_bg watch heal-check --watch --checks "$HEAL_SCRATCH/checks.json"
    out=$HEAL_SCRATCH/bg/watch.out
    wait_for -t 20 grep -q '"status":"ok"' "$out"
    kill "$(bg_pid svc)"
    # long before the 60 s interval
    wait_for -t 20 grep -q '"status":"critical"' "$out"
    end_bg watch
    assert_valid_records "$out"
    [ "$(wc -l <"$out")" -eq 2 ]
    run cat "$HEAL_SCRATCH/bg/watch.err"
    refute_output --partial Sanitizer
}
