#!/usr/bin/env bats
# heal-check's tcp kind against real sockets on 127.0.0.1, and against
# monitoring-plugins' check_tcp on the same ports.

load ../lib/common

# Stops this suite's servers by pid and reaps them before heal_teardown:
# stop_bg's heal_pid_alive reads /proc/PID/stat after testing it, and a
# server that bash reaps in between fails the teardown (a race in
# tests/lib/common.bash, reported for a fix there).
teardown() {
    local f pid
    for f in "$HEAL_SCRATCH"/bg/*.pid; do
        [ -e "$f" ] || continue
        pid=$(<"$f")
        rm -f "$f"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    heal_teardown
}

CHECK_TCP=/usr/lib/nagios/plugins/check_tcp

# start_server NAME MODE: runs tcp-server.py MODE; sets PORT to its port.
start_server() {
    start_bg "$1" "$HEAL_PYTHON" "$BATS_TEST_DIRNAME/tcp-server.py" "$2"
    wait_for test -s "$HEAL_SCRATCH/bg/$1.out"
    PORT=$(head -n1 "$HEAL_SCRATCH/bg/$1.out")
}

# checks_file JSON...: writes the definitions to checks.json in the scratch dir.
checks_file() {
    printf '%s\n' "$@" >"$HEAL_SCRATCH/checks.json"
}

field() {
    jq -r "$1" <<<"$output"
}

@test "a listening port is OK, in check_tcp's words, with the time as perfdata" {
    start_server srv banner
    run --separate-stderr heal-check --tcp "127.0.0.1:$PORT"
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) =~ ^TCP\ OK\ -\ [0-9]+\.[0-9]{3}\ s\ response\ time\ on\ 127\.0\.0\.1\ port\ $PORT$ ]]
    assert_equal "$(field '.perfdata[0] | "\(.label) \(.uom) \(.min) \(.max)"')" "time s 0 10"
    assert_equal "$(field .evidence.address)" 127.0.0.1
}

@test "check_tcp says OK on the same port" {
    start_server srv banner
    run "$CHECK_TCP" -H 127.0.0.1 -p "$PORT"
    assert_success
    assert_output --partial "TCP OK"
}

@test "a closed port is CRITICAL with check_tcp's exact words" {
    port=$(free_port)
    run --separate-stderr heal-check --tcp "127.0.0.1:$port"
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(field .summary)" "connect to address 127.0.0.1 and port $port: Connection refused"
    assert_equal "$(field .status)" critical
    run "$CHECK_TCP" -H 127.0.0.1 -p "$port"
    assert_failure 2
    assert_output "connect to address 127.0.0.1 and port $port: Connection refused"
}

@test "a host name is resolved and connected to" {
    start_server srv banner
    run --separate-stderr heal-check --tcp "localhost:$PORT"
    assert_success
    assert_valid_records --type check
    assert_equal "$(field .evidence.address)" 127.0.0.1
    [[ $(field .summary) == *" on localhost port $PORT" ]]
}

@test "a host that does not resolve is CRITICAL, naming it" {
    run --separate-stderr heal-check --tcp nonexistent.invalid:80
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == "cannot resolve nonexistent.invalid: "* ]]
}

@test "a banner that holds the expected text is OK" {
    start_server srv banner
    checks_file "{\"name\":\"banner\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"expect\":\"HELLO\"}"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) == "TCP OK - "* ]]
    assert_equal "$(field '.evidence.received | @json')" '"HELLO heal\r\n"'
}

@test "what is sent is answered, and the expected answer found is OK" {
    start_server srv banner
    checks_file "{\"name\":\"ping\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"send\":\"PING\\r\\n\",\"expect\":\"PONG\"}"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
    assert_valid_records --type check
    assert_equal "$(field '.evidence.received | @json')" '"HELLO heal\r\nPONG\r\n"'
    assert_equal "$(field .evidence.expect)" PONG
    run "$CHECK_TCP" -H 127.0.0.1 -p "$PORT" -E -s 'PING\r\n' -e PONG
    assert_success
}

@test "an answer without the expected text is CRITICAL and quotes what came" {
    start_server srv banner
    checks_file "{\"name\":\"ssh\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"send\":\"HI\\n\",\"expect\":\"SSH-2.0\"}"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(field .summary)" 'TCP CRITICAL - Unexpected response from host/socket: HELLO heal\r\nWHAT\r\n'
    assert_equal "$(field '.evidence.received | @json')" '"HELLO heal\r\nWHAT\r\n"'
    assert_equal "$(field .evidence.end)" "connection closed"
    # check_tcp calls this WARNING by default (-M); heal treats it as down.
    run "$CHECK_TCP" -H 127.0.0.1 -p "$PORT" -E -s 'HI\n' -e SSH-2.0
    assert_failure
}

@test "a server that accepts but never answers times out CRITICAL, like check_tcp" {
    start_server srv silent
    checks_file "{\"name\":\"mute\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"expect\":\"x\",\"timeout\":\"1s\"}"
    start=$EPOCHREALTIME
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(field .summary)" "CRITICAL - Socket timeout after 1 seconds"
    assert_equal "$(field .evidence.timed_out_in)" expect
    # the 1 s timeout, not the 10 s default
    [ "$(bc <<<"$elapsed < 8")" = 1 ] || fail "took ${elapsed}s"
    run "$CHECK_TCP" -H 127.0.0.1 -p "$PORT" -e x -t 1
    assert_failure 2
    assert_output --partial "Socket timeout after 1 seconds"
}

@test "silent servers time out together, not one after another" {
    start_server srv silent
    defs=()
    for i in $(seq 1 10); do
        defs+=("{\"name\":\"mute$i\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"expect\":\"x\",\"timeout\":\"2s\"}")
    done
    checks_file "${defs[@]}"
    start=$EPOCHREALTIME
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -s 'map(select(.status == "critical")) | length' <<<"$output")" 10
    # one after another would take 20 s
    [ "$(bc <<<"$elapsed < 10")" = 1 ] || fail "took ${elapsed}s"
}

@test "response time thresholds: a slow banner is CRITICAL or WARNING as --crit and --warn say" {
    start_server srv slow
    run --separate-stderr heal-check --tcp "127.0.0.1:$PORT" --crit 5
    assert_success # without expect, only the connect is timed, and it is fast
    checks_file "{\"name\":\"slow\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"expect\":\"HELLO\",\"crit\":\"0.2\"}"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) =~ ^TCP\ CRITICAL\ -\ 0\.[4-9][0-9]{2}\ s\ response\ time ]]
    assert_equal "$(field '.perfdata[0].crit')" 0.2
    checks_file "{\"name\":\"slow\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$PORT,\"expect\":\"HELLO\",\"warn\":\"0.1\",\"crit\":\"5\"}"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 1
    [[ $(field .summary) == "TCP WARNING - "* ]]
}

@test "bad tcp definitions are refused, naming the field" {
    for def in '"port":0' '"port":65536' '"port":22.5' '"port":"22"' '"port":22,"expect":""' \
        '"port":22,"send":7' '"port":22,"bogus":1'; do
        checks_file "{\"name\":\"bad\",\"kind\":\"tcp\",\"host\":\"127.0.0.1\",$def}"
        run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
        assert_failure 3
        assert_output ''
        [[ $stderr == *"check 'bad': "*"'"* ]]
    done
    checks_file '{"name":"bad","kind":"tcp","port":22}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    [[ $stderr == *"missing required field 'host'"* ]]
    run --separate-stderr heal-check --tcp 127.0.0.1:0
    assert_failure 3
    [[ $stderr == *"is not HOST:PORT"* ]]
}
