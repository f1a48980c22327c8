#!/usr/bin/env bats
# heal-check's dns kind, offline: /etc/hosts names, names under .invalid
# (which fail at once without a network), and a resolver on 127.0.0.1
# that never answers, in a mount namespace of its own.

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

checks_file() {
    printf '%s\n' "$@" >"$HEAL_SCRATCH/checks.json"
}

field() {
    jq -r "$1" <<<"$output"
}

@test "localhost resolves OK, and the answer includes 127.0.0.1" {
    run --separate-stderr heal-check --dns localhost
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) =~ ^DNS\ OK\ -\ localhost\ resolves\ to\ (.*,\ )?127\.0\.0\.1(,.*)?\ in\ [0-9]+\.[0-9]{3}\ s$ ]]
    assert_equal "$(field '.evidence.addresses | index("127.0.0.1") != null')" true
    assert_equal "$(field '.perfdata[0] | "\(.label) \(.uom)"')" "time s"
    assert_equal "$(field .evidence.type)" ANY
}

@test "a name under .invalid is CRITICAL at once, with the resolver's reason" {
    start=$EPOCHREALTIME
    run --separate-stderr heal-check --dns nonexistent.invalid
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == "cannot resolve nonexistent.invalid: "?* ]]
    assert_equal "$(field .evidence.error)" "$(field '.summary | sub("^[^:]*: "; "")')"
    # not the 10 s default timeout
    [ "$(bc <<<"$elapsed < 8")" = 1 ] || fail "took ${elapsed}s"
}

@test "expected addresses that are all among the answers are OK" {
    checks_file '{"name":"lo","kind":"dns","query":"localhost","type":"A","expect":["127.0.0.1"]}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
    assert_valid_records --type check
    assert_equal "$(field '.evidence.missing | length')" 0
    assert_equal "$(field '.evidence.addresses | map(test(":")) | any')" false
}

@test "an expected address missing from the answers is CRITICAL, naming it" {
    checks_file '{"name":"lo","kind":"dns","query":"localhost","expect":["127.0.0.1","192.0.2.1"]}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == "DNS CRITICAL - localhost resolves to "*", not to 192.0.2.1" ]]
    assert_equal "$(field '.evidence.missing | join(",")')" 192.0.2.1
}

@test "expected IPv6 addresses are compared in canonical form" {
    checks_file '{"name":"six","kind":"dns","query":"::0001","type":"AAAA","expect":["0:0:0:0:0:0:0:1"]}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
    assert_valid_records --type check
    assert_equal "$(field .summary | cut -d" " -f1-8)" "DNS OK - ::0001 resolves to ::1 in"
}

@test "a resolution time outside --crit is CRITICAL" {
    run --separate-stderr heal-check --dns localhost --crit @0:
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == "DNS CRITICAL - localhost resolves to "* ]]
    assert_equal "$(field '.perfdata[0].crit')" @0:
}

@test "bad dns definitions are refused, naming the field" {
    for def in '"type":"MX"' '"expect":[]' '"expect":["localhost"]' '"expect":[1]' \
        '"expect":"127.0.0.1"' '"query":""'; do
        case $def in
            '"query":""') checks_file "{\"name\":\"bad\",\"kind\":\"dns\",$def}" ;;
            *) checks_file "{\"name\":\"bad\",\"kind\":\"dns\",\"query\":\"localhost\",$def}" ;;
        esac
        run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
        assert_failure 3
        assert_output ''
        [[ $stderr == *"check 'bad': "*"'"* ]]
    done
    checks_file '{"name":"bad","kind":"dns"}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    [[ $stderr == *"missing required field 'query'"* ]]
}

# A DNS server on 127.0.0.1:53 that reads queries and never answers, and
# a resolv.conf naming it, bind-mounted over /etc/resolv.conf in a mount
# namespace of heal-check's own.
hanging_resolver() {
    [ "$(id -u)" = 0 ] || skip "needs root to bind port 53 and mount a resolv.conf"
    unshare -m true 2>/dev/null || skip "no mount namespaces here"
    start_bg dnsd "$HEAL_PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("ready", flush=True)
while True:
    s.recv(4096)'
    wait_for eval 'test -s "$HEAL_SCRATCH/bg/dnsd.out" || ! heal_pid_alive "$(bg_pid dnsd)"'
    [ -s "$HEAL_SCRATCH/bg/dnsd.out" ] || skip "cannot bind 127.0.0.1:53: $(tail -n1 "$HEAL_SCRATCH/bg/dnsd.err")"
    printf 'nameserver 127.0.0.1\noptions timeout:30 attempts:1\n' >"$HEAL_SCRATCH/resolv.conf"
}

in_namespace() {
    unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$HEAL_SCRATCH/resolv.conf" "$@"
}

@test "a resolver that never answers is CRITICAL at the timeout, and the lookup left behind does no harm" {
    hanging_resolver
    start=$EPOCHREALTIME
    run --separate-stderr in_namespace heal-check --dns heal.test --timeout 1s
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(field .summary)" "cannot resolve heal.test: timed out after 1 seconds"
    assert_equal "$(field .evidence.timed_out)" true
    # the 1 s timeout, not the resolver's 30 s
    [ "$(bc <<<"$elapsed < 10")" = 1 ] || fail "took ${elapsed}s"
    assert_equal "$stderr" "" # a sanitizer build reports leaks and misuse here
}

@test "a hanging lookup does not hold up other checks" {
    hanging_resolver
    port=$(free_port)
    run --separate-stderr in_namespace heal-check --dns heal.test --tcp "127.0.0.1:$port" --timeout 4s
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -s -r 'map(.kind) | join(",")' <<<"$output")" tcp,dns
    # held up, it would have taken the lookup's 4 s
    assert_equal "$(jq -s -r '.[0].duration_ms < 2000' <<<"$output")" true
}
