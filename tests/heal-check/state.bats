#!/usr/bin/env bats
# SOFT/HARD states and flap detection carried between separate --once runs
# through HEAL_STATE_DIR, as a cron line would run heal-check.

load ../lib/common

# A plugin whose exit code is in a file: `echo 2 >CODE` makes it CRITICAL.
make_plugin() {
    PLUGIN=$HEAL_SCRATCH/plugin
    CODE=$HEAL_SCRATCH/code
    cat >"$PLUGIN" <<'SH'
#!/bin/sh
read -r code <"$1"
case $code in
0) echo "SVC OK - fine" ;;
1) echo "SVC WARNING - slow" ;;
2) echo "SVC CRITICAL - down" ;;
*) echo "SVC UNKNOWN - what" ;;
esac
exit "$code"
SH
    chmod 0755 "$PLUGIN"
    echo 0 >"$CODE"
}

# A plugin that alternates OK and CRITICAL on each run.
make_flipper() {
    FLIPPER=$HEAL_SCRATCH/flipper
    cat >"$FLIPPER" <<'SH'
#!/bin/sh
if [ -e "$1" ]; then
    /bin/rm -f "$1"
    echo "FLIP CRITICAL - down"
    exit 2
fi
: >"$1"
echo "FLIP OK - up"
exit 0
SH
    chmod 0755 "$FLIPPER"
}

# once: one run of the check in $CHECKS; $output is its record.
once() {
    run --separate-stderr heal-check --once --checks "$CHECKS"
    assert_valid_records --type check
    [ "${#lines[@]}" -eq 1 ] || fail "expected one record, got ${#lines[@]}"
}

# state: status state_type attempt/max_attempts changed flapping of $output.
state() {
    jq -r '"\(.status) \(.state_type) \(.attempt)/\(.max_attempts) changed=\(.changed) flapping=\(.flapping)"' <<<"$output"
}

@test "a problem is SOFT for attempts 1 and 2 of 3 and HARD at 3, across runs" {
    make_plugin
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"svc\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"]}" >"$CHECKS"
    once
    assert_equal "$(state)" 'ok hard 1/3 changed=false flapping=false'
    echo 2 >"$CODE"
    once
    assert_failure 2
    assert_equal "$(state)" 'critical soft 1/3 changed=true flapping=false'
    once
    assert_equal "$(state)" 'critical soft 2/3 changed=false flapping=false'
    once
    assert_equal "$(state)" 'critical hard 3/3 changed=false flapping=false'
    once
    assert_equal "$(state)" 'critical hard 3/3 changed=false flapping=false'
    echo 1 >"$CODE"
    once
    assert_failure 1
    assert_equal "$(state)" 'warning hard 3/3 changed=true flapping=false'
    echo 0 >"$CODE"
    once
    assert_success
    assert_equal "$(state)" 'ok hard 1/3 changed=true flapping=false'
    assert_file_exists "$HEAL_STATE_DIR/checks/svc.json"
}

@test "a recovery before max_attempts is a SOFT recovery" {
    make_plugin
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"svc\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"]}" >"$CHECKS"
    once
    echo 1 >"$CODE"
    once
    assert_equal "$(state)" 'warning soft 1/3 changed=true flapping=false'
    echo 0 >"$CODE"
    once
    assert_equal "$(state)" 'ok soft 1/3 changed=true flapping=false'
    once
    assert_equal "$(state)" 'ok hard 1/3 changed=false flapping=false'
}

@test "the text table shows a SOFT attempt" {
    make_plugin
    echo 2 >"$CODE"
    run --separate-stderr heal-check --format=text --exec "$PLUGIN $CODE" --name svc
    assert_failure 2
    assert_output --regexp '^CRITICAL +svc +SVC CRITICAL - down \(soft 1/3\)$'
}

@test "max_attempts 1 makes a problem HARD at once" {
    make_plugin
    echo 2 >"$CODE"
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"svc\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"], \"max_attempts\": 1}" >"$CHECKS"
    once
    assert_equal "$(state)" 'critical hard 1/1 changed=false flapping=false'
}

@test "each check keeps its own state, in a state dir made 0700" {
    make_plugin
    echo 2 >"$CODE"
    CHECKS=$HEAL_SCRATCH/checks.ndjson
    {
        echo "{\"name\": \"a\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"]}"
        echo "{\"name\": \"b/with slash\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"]}"
    } >"$CHECKS"
    rm -rf "$HEAL_STATE_DIR"
    run --separate-stderr heal-check --checks "$CHECKS"
    echo 0 >"$CODE"
    run --separate-stderr heal-check --checks "$CHECKS" --name a
    echo 2 >"$CODE"
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_valid_records --type check
    assert_equal "$(jq -r '"\(.name) \(.attempt)"' <<<"$output" | sort | tr '\n' ,)" 'a 1,b/with slash 2,'
    assert_equal "$(stat -c %a "$HEAL_STATE_DIR")" 700
}

@test "a damaged state file is a fresh start, not an error" {
    make_plugin
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"svc\", \"kind\": \"exec\", \"command\": [\"$PLUGIN\", \"$CODE\"]}" >"$CHECKS"
    echo 2 >"$CODE"
    once
    once
    assert_equal "$(state)" 'critical soft 2/3 changed=false flapping=false'
    printf '{"last_code": 2, "atte' >"$HEAL_STATE_DIR/checks/svc.json"
    once
    assert_equal "$(state)" 'critical soft 1/3 changed=false flapping=false'
    assert_equal "$stderr" ''
}

@test "a check alternating OK and CRITICAL starts flapping, and stops once it settles" {
    make_flipper
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"flip\", \"kind\": \"exec\", \"command\": [\"$FLIPPER\", \"$HEAL_SCRATCH/flag\"], \"max_attempts\": 1}" >"$CHECKS"
    # The loop variable is not `i`: bats' run() sets a global i.
    local round started=
    for round in $(seq 1 10); do
        once
        if [ "$(jq -r .flapping <<<"$output")" = true ]; then
            started=$round
            break
        fi
        assert_equal "$(jq -r .changed <<<"$output")" "$([ "$round" -gt 1 ] && echo true || echo false)"
    done
    # Nagios' weights: four changes at the newest end are 24.2 % >= 20 %.
    assert_equal "$started" 5
    assert_equal "$(jq -r .state_type <<<"$output")" hard

    # Settle: the flipper is now always OK.
    CHECKS=$HEAL_SCRATCH/steady.json
    echo "{\"name\": \"flip\", \"kind\": \"exec\", \"command\": \"/bin/true\", \"max_attempts\": 1}" >"$CHECKS"
    local stopped=
    for round in $(seq 1 25); do
        once
        assert_success
        if [ "$(jq -r .flapping <<<"$output")" = false ]; then
            stopped=$round
            break
        fi
    done
    [ -n "$stopped" ] || fail "still flapping after 25 steady runs"
    # Hysteresis: it stays flapping while the changes fade out of the window.
    [ "$stopped" -gt 3 ] || fail "stopped flapping after only $stopped steady runs"
}

@test "flap thresholds come from the definition" {
    make_flipper
    CHECKS=$HEAL_SCRATCH/checks.json
    echo "{\"name\": \"flip\", \"kind\": \"exec\", \"command\": [\"$FLIPPER\", \"$HEAL_SCRATCH/flag\"], \"max_attempts\": 1, \"flap_low\": 1, \"flap_high\": 6}" >"$CHECKS"
    once
    assert_equal "$(jq -r .flapping <<<"$output")" false
    once
    # one change in the newest pair is 6.25 %
    assert_equal "$(jq -r .flapping <<<"$output")" true
}

@test "without a usable state dir the checks still run, with a warning" {
    run --separate-stderr heal-check --state-dir /proc/no/such --exec /bin/true
    assert_success
    assert_valid_records --type check
    use_stderr
    assert_output --partial 'heal-check: state:'
}
