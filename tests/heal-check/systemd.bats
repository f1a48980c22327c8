#!/usr/bin/env bats
# heal-check's systemd kind where systemd is not running (containers, CI):
# nothing is spawned, the result says so, and the built-in check stays OK.

load ../lib/common

setup() {
    heal_setup
    [ ! -d /run/systemd/system ] || skip "systemd runs here; these tests are for hosts without it"
}

checks_file() {
    printf '%s\n' "$@" >"$HEAL_SCRATCH/checks.json"
}

field() {
    jq -r "$1" <<<"$output"
}

@test "a unit check without systemd is UNKNOWN, saying systemd is not running" {
    checks_file '{"name":"web","kind":"systemd","unit":"nginx.service"}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(field .summary)" "systemd is not running on this host"
    assert_equal "$(field .status)" unknown
    assert_equal "$(field .evidence.systemd)" absent
}

@test "the failed-units check without systemd is UNKNOWN too" {
    checks_file '{"name":"failed","kind":"systemd"}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(field .summary)" "systemd is not running on this host"
}

@test "skip_if_absent makes a missing systemd OK, skipped" {
    checks_file '{"name":"web","kind":"systemd","unit":"nginx","skip_if_absent":true}' \
        '{"name":"failed","kind":"systemd","skip_if_absent":true}'
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -s -r 'map(.summary) | unique | join("|")' <<<"$output")" \
        "systemd is not running; skipped"
}

@test "where systemd seems to run but cannot be reached, systemctl's own error is UNKNOWN" {
    [ "$(id -u)" = 0 ] || skip "needs root for a mount namespace"
    unshare -m true 2>/dev/null || skip "no mount namespaces here"
    command -v systemctl >/dev/null || skip "no systemctl"
    checks_file '{"name":"web","kind":"systemd","unit":"nginx"}' '{"name":"failed","kind":"systemd"}'
    # A private, empty /run holding only systemd's marker directory: the real
    # systemctl then runs, through spawn, and finds no manager to talk to.
    run --separate-stderr unshare -m sh -c \
        'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$@"' sh \
        heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(jq -s -r 'map(.status) | unique | join(",")' <<<"$output")" unknown
    assert_equal "$(jq -r 'select(.name == "web") | .summary' <<<"$output" | cut -d: -f1)" \
        "systemctl is-active failed"
    assert_equal "$(jq -r 'select(.name == "failed") | .summary' <<<"$output" | cut -d: -f1)" \
        "systemctl --failed failed"
    assert_equal "$(jq -s 'map(.evidence.stderr | length > 0) | all' <<<"$output")" true
    assert_equal "$stderr" ""
}

@test "the built-in set has the systemd check, and it is OK here" {
    run --separate-stderr heal-check --list --format=json
    assert_success
    assert_equal "$(jq -r 'select(.name == "systemd") | "\(.kind) \(.skip_if_absent)"' <<<"$output")" \
        "systemd true"
    run --separate-stderr heal-check --name systemd
    assert_success
    assert_valid_records --type check
    assert_equal "$(field .summary)" "systemd is not running; skipped"
    run --separate-stderr heal-check
    assert_valid_records --type check
    assert_equal "$(jq -r 'select(.name == "systemd") | .status' <<<"$output")" ok
    # Where every other host check is OK too, the default run exits 0.
    if [ "$(jq -s 'map(.code) | max' <<<"$output")" = 0 ]; then assert_success; fi
}

@test "bad systemd definitions are refused, naming the field" {
    for def in '"unit":"-H"' '"unit":"a b"' '"unit":""' '"unit":"x;reboot"' '"unit":7' \
        '"skip_if_absent":"yes"' '"units":"nginx"'; do
        checks_file "{\"name\":\"bad\",\"kind\":\"systemd\",$def}"
        run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
        assert_failure 3
        assert_output ''
        [[ $stderr == *"check 'bad': "*"'"* ]]
    done
}
