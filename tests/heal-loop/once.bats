#!/usr/bin/env bats
# heal-loop --once: the four stages as one real pipeline, run once.

load ../lib/common
load lib

REFUSED='connect to address 127.0.0.1 and port 9: Connection refused'

@test "with no configuration it triages this host with the built-in checks and runs nothing" {
    export HEAL_CONFIG_DIR=$HEAL_SCRATCH/none
    run --separate-stderr heal-loop --once
    [ "$status" -le 1 ] || fail "exit $status: $stderr"
    assert_valid_records
    [ "$(records check | jq -s length)" -ge 5 ]
    records check | jq -e -s 'map(.name) | index("disk") and index("memory") and index("load")'
    # A closing summary, last, whose verdict matches the exit status.
    jq -e -s --argjson rc "$status" \
        'last | .type == "event" and .event == "cycle.summary" and .healthy == ($rc == 0)' \
        <<<"$output"
    jq -e -s 'map(select(.type == "outcome" and .action == "executed")) | length == 0' \
        <<<"$output"
}

@test "a failing check goes through every stage: check, diagnosis, proposal, outcome" {
    exec_check web 2 "$REFUSED" '{"unit": "demo-web.service"}'
    run --separate-stderr heal-loop --once
    assert_equal "$status" 1
    assert_valid_records
    run jq -c -s 'map(select(.target == "web") | .type)' <<<"$output"
    assert_output '["check","diagnosis","proposal","outcome"]'
}

@test "the records of one failure share its trace and chain by parent" {
    exec_check web 2 "$REFUSED"
    run --separate-stderr heal-loop --once
    run jq -e -s 'map(select(.target == "web")) as $r
        | ($r | map(.trace) | unique | length == 1)
        and $r[1].parent == $r[0].id and $r[2].parent == $r[1].id
        and $r[3].parent == $r[2].id' <<<"$output"
    assert_success
}

@test "the summary counts what went by" {
    exec_check web 2 "$REFUSED"
    exec_check db 0 "OK: fine"
    run --separate-stderr heal-loop --once
    run jq -c -s 'last | [.checks, .diagnoses, .proposals, .healthy]' <<<"$output"
    assert_output '[{"ok":1,"warning":0,"critical":1,"unknown":0},1,1,false]'
}

@test "everything OK exits 0" {
    exec_check db 0 "OK: fine"
    run --separate-stderr heal-loop --once
    assert_success
    run jq -c -s 'map(.type)' <<<"$output"
    assert_output '["check","event"]'
}

@test "a dry run by default: the remedy's command is not run" {
    script fix "touch '$HEAL_SCRATCH/fixed'"
    remedy "{\"id\": \"test.fix\", \"argv\": [\"$HEAL_SCRATCH/fix\"], \"applies_to\": [\"network.connection-refused\"]}"
    exec_check web 2 "$REFUSED"
    run --separate-stderr heal-loop --once
    assert_equal "$status" 1
    records outcome | jq -e -s 'length >= 1 and all(.action == "dry-run")'
    assert_file_not_exists "$HEAL_SCRATCH/fixed"
}

@test "--apply runs the auto remedy, verifies it, and exits 0 once healed" {
    # The check fails until the remedy has run.
    script fix "touch '$HEAL_SCRATCH/fixed'"
    remedy "{\"id\": \"test.fix\", \"argv\": [\"$HEAL_SCRATCH/fix\"],
             \"applies_to\": [\"network.connection-refused\"], \"verify\": {\"recheck\": true, \"attempts\": 1, \"delay\": \"1s\"}}"
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg f "$HEAL_SCRATCH/fixed" --arg m "$REFUSED" \
        '{name: "web", kind: "exec", max_attempts: 1,
          command: ["sh", "-c", "test -e \"$1\" && echo OK && exit 0; echo \"$2\"; exit 2", "sh", $f, $m]}' \
        >"$HEAL_CONFIG_DIR/checks.d/web.json"
    run --separate-stderr heal-loop --once --apply
    assert_success
    assert_file_exists "$HEAL_SCRATCH/fixed"
    run jq -c -s 'map(select(.type == "outcome")) | map([.remedy, .action, .result])' <<<"$output"
    assert_output '[["test.fix","executed","healed"]]'
}

@test "heal.json's apply: true is the default mode; --dry-run overrides it" {
    script fix "touch '$HEAL_SCRATCH/fixed'"
    remedy "{\"id\": \"test.fix\", \"argv\": [\"$HEAL_SCRATCH/fix\"], \"applies_to\": [\"network.connection-refused\"]}"
    exec_check web 2 "$REFUSED"
    echo '{"apply": true}' >"$HEAL_CONFIG_DIR/heal.json"
    run --separate-stderr heal-loop --once --dry-run
    assert_file_not_exists "$HEAL_SCRATCH/fixed"
    run --separate-stderr heal-loop --once
    assert_file_exists "$HEAL_SCRATCH/fixed"
}

@test "--monitor checks and diagnoses and proposes nothing" {
    exec_check web 2 "$REFUSED"
    run --separate-stderr heal-loop --once --monitor
    assert_equal "$status" 1
    assert_valid_records
    run jq -c -s 'map(select(.target == "web") | .type)' <<<"$output"
    assert_output '["check","diagnosis"]'
}

@test "SOFT problems are not healed unless heal.json says heal_on soft" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg m "$REFUSED" '{name: "web", kind: "exec", max_attempts: 3,
        command: ["sh", "-c", "echo \"$1\"; exit 2", "sh", $m]}' >"$HEAL_CONFIG_DIR/checks.d/web.json"
    run --separate-stderr heal-loop --once
    run jq -c -s 'map(select(.target == "web") | .type)' <<<"$output"
    assert_output '["check"]'
    echo '{"heal_on": "soft"}' >"$HEAL_CONFIG_DIR/heal.json"
    run --separate-stderr heal-loop --once
    run jq -c -s 'map(select(.target == "web") | .type)' <<<"$output"
    assert_output '["check","diagnosis","proposal","outcome"]'
}

@test "on a terminal's format: a table of what was found, diagnosed, proposed, done" {
    exec_check web 2 "$REFUSED"
    exec_check db 0 "OK: fine"
    run --separate-stderr heal-loop --once --format=text
    assert_equal "$status" 1
    assert_line --regexp '^TARGET +STATUS +DIAGNOSIS +PROPOSED +DONE$'
    assert_line --regexp '^web +critical +network\.[a-z.-]+ +wait\.backoff +dry-run/none$'
    refute_line --regexp '^db '
    assert_line --partial '2 targets: 1 ok, 0 warning, 1 critical, 0 unknown'
    assert_line --partial 'problems remain'
}

@test "a target name with control characters never reaches the terminal raw" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg m "$REFUSED" '{name: "web\u001b[31mX", kind: "exec", max_attempts: 1,
        command: ["sh", "-c", "echo \"$1\"; exit 2", "sh", $m]}' >"$HEAL_CONFIG_DIR/checks.d/web.json"
    run --separate-stderr heal-loop --once --format=text
    refute_output --partial $'\033'
    assert_line --regexp '^web\?\[31mX '
}

@test "--checks and --name reach heal-check" {
    exec_check web 2 "$REFUSED"
    exec_check db 0 "OK: fine"
    run --separate-stderr heal-loop --once --name db
    assert_success
    run jq -c -s 'map(select(.type == "check") | .name)' <<<"$output"
    assert_output '["db"]'
    printf '{"name": "adhoc", "kind": "exec", "command": "/bin/true"}\n' >"$HEAL_SCRATCH/c.ndjson"
    run --separate-stderr heal-loop --once --checks "$HEAL_SCRATCH/c.ndjson"
    run jq -c -s 'map(select(.type == "check") | .name)' <<<"$output"
    assert_output '["adhoc"]'
}

@test "bad configuration is reported with its file and line, and exits 4" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    echo '{"name": "x", "kind": "exec", "argv": ["true"]}' >"$HEAL_CONFIG_DIR/checks.d/x.json"
    run --separate-stderr heal-loop --once
    assert_equal "$status" 4
    use_stderr
    assert_output --partial "checks.d/x.json:1: check 'x': unknown field 'argv'"
}

@test "a bad heal.json field is named and its safe default kept" {
    exec_check web 2 "$REFUSED"
    echo '{"max_risk": "extreme", "max_concurrent_heals": 0}' >"$HEAL_CONFIG_DIR/heal.json"
    run --separate-stderr heal-loop --once
    assert_equal "$status" 4
    use_stderr
    assert_line --partial "heal.json:1: 'max_risk' must be \"low\", \"medium\" or \"high\""
    assert_line --partial "heal.json:1: 'max_concurrent_heals' must be 1 to 64"
}

@test "a stage that fails makes heal-loop exit 3" {
    # heal-loop runs the programs beside it: a copy beside a broken heal-analyze.
    mkdir -p "$HEAL_SCRATCH/bin"
    cp "$HEAL_BIN"/heal-loop "$HEAL_BIN"/heal-check "$HEAL_BIN"/heal-propose \
        "$HEAL_BIN"/heal-apply "$HEAL_SCRATCH/bin/"
    printf '#!/bin/sh\necho "heal-analyze: broken" >&2\nexit 3\n' >"$HEAL_SCRATCH/bin/heal-analyze"
    chmod 0755 "$HEAL_SCRATCH/bin/heal-analyze"
    exec_check db 0 "OK: fine"
    run --separate-stderr "$HEAL_SCRATCH/bin/heal-loop" --once
    assert_equal "$status" 3
    use_stderr
    assert_line --partial 'heal-analyze: exited with status 3'
}

@test "a stage that cannot be run makes heal-loop exit 3 with its name" {
    mkdir -p "$HEAL_SCRATCH/bin"
    cp "$HEAL_BIN"/heal-loop "$HEAL_BIN"/heal-check "$HEAL_BIN"/heal-analyze \
        "$HEAL_BIN"/heal-apply "$HEAL_SCRATCH/bin/"
    run --separate-stderr "$HEAL_SCRATCH/bin/heal-loop" --once
    assert_equal "$status" 3
    use_stderr
    assert_output --partial 'heal-propose'
}

@test "usage errors exit 2 with one line" {
    run --separate-stderr heal-loop --once --apply --monitor
    assert_equal "$status" 2
    use_stderr
    assert_output 'heal-loop: --apply, --dry-run and --monitor exclude each other'
    run --separate-stderr heal-loop frobnicate
    assert_equal "$status" 2
    run --separate-stderr heal-loop --once --workers 0
    assert_equal "$status" 2
    run --separate-stderr heal-loop --once --cycle soon
    assert_equal "$status" 2
    run --separate-stderr heal-loop --bogus
    assert_equal "$status" 2
}

@test "--help and --version exit 0" {
    run heal-loop --help
    assert_success
    assert_output --partial '--once'
    run heal-loop --version
    assert_success
    assert_output --regexp '^heal-loop [0-9]'
}

@test "a closed stdout ends heal-loop quietly" {
    exec_check web 2 "$REFUSED"
    run bash -c 'heal-loop --once | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
    refute_output --partial 'Broken pipe'
}

@test "heal.json's max_attempts is every check's default: attempts before HARD" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg m "$REFUSED" '{name: "web", kind: "exec",
        command: ["sh", "-c", "echo \"$1\"; exit 2", "sh", $m]}' >"$HEAL_CONFIG_DIR/checks.d/web.json"
    echo '{"max_attempts": 2}' >"$HEAL_CONFIG_DIR/heal.json"
    run --separate-stderr heal-loop --once
    run jq -c -s 'map(select(.target == "web") | .type)' <<<"$output"
    assert_output '["check"]'
    run --separate-stderr heal-loop --once
    run jq -c -s 'map(select(.target == "web") | [.type, .state_type, .max_attempts])' <<<"$output"
    assert_output '[["check","hard",2],["diagnosis",null,null],["proposal",null,null],["outcome",null,null]]'
}

@test "heal.json's max_risk is heal-apply's ceiling" {
    # Without it, the refused remedy's turn would go to wait.backoff's minutes of re-checks.
    echo '{"id": "wait.backoff", "disabled": true}' >"$HEAL_CONFIG_DIR/nowait.json"
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    mv "$HEAL_CONFIG_DIR/nowait.json" "$HEAL_CONFIG_DIR/playbook.d/"
    script fix "touch '$HEAL_SCRATCH/fixed'"
    remedy "{\"id\": \"test.fix\", \"risk\": \"medium\", \"argv\": [\"$HEAL_SCRATCH/fix\"], \"applies_to\": [\"network.connection-refused\"]}"
    exec_check web 2 "$REFUSED"
    run --separate-stderr heal-loop --once --apply
    assert_file_not_exists "$HEAL_SCRATCH/fixed"
    echo '{"max_risk": "medium"}' >"$HEAL_CONFIG_DIR/heal.json"
    run --separate-stderr heal-loop --once --apply
    assert_file_exists "$HEAL_SCRATCH/fixed"
}
