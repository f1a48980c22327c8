#!/usr/bin/env bats
# heal-apply heals for real: a killed process is restarted through the
# playbook and proven back by heal-check; a fix that does not verify is
# rolled back; without --apply nothing runs at all.

load ../lib/common
load lib

setup() {
    heal_setup
    # start.sh starts a sleeper in its own session, as a daemon would, and
    # records its pid where the process check looks.
    script start.sh "setsid sleep 1000 >/dev/null 2>&1 </dev/null &
echo \$! >$HEAL_SCRATCH/sleeper.pid"
    check_for sleeper "$HEAL_SCRATCH/sleeper.pid" \
        "$(jq -cn --arg s "$HEAL_SCRATCH/start.sh" '{start_command: $s}')"
    remedy '{"id": "test.restart-sleeper", "title": "Start the sleeper again",
             "argv": ["{start_command}"],
             "params": {"start_command": {"source": "label:start_command",
                                          "pattern": "^/[A-Za-z0-9_./-]+$"}},
             "verify": {"attempts": 3, "delay": "100ms"},
             "applies_to": ["process.not-running"]}'
    # The check's failure is the built-in catalog's process.not-running.
}

teardown() {
    local pid
    if [ -s "$HEAL_SCRATCH/sleeper.pid" ]; then
        pid=$(<"$HEAL_SCRATCH/sleeper.pid")
        kill "$pid" 2>/dev/null || true
    fi
    heal_teardown
}

@test "a killed process is restarted through the playbook and verified by its check" {
    "$HEAL_SCRATCH/start.sh"
    pid=$(<"$HEAL_SCRATCH/sleeper.pid")
    kill "$pid"
    wait_for bash -c "! kill -0 $pid 2>/dev/null"
    run --separate-stderr bash -c 'heal-check --name sleeper | heal-analyze | heal-propose |
        heal-apply --apply'
    assert_success
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.remedy, .action, .result, .verify.status,
        .signature, (.argv | join(" "))] | join(" ")' <<<"$output"
    assert_output "test.restart-sleeper executed healed ok process.not-running $HEAL_SCRATCH/start.sh"
    newpid=$(<"$HEAL_SCRATCH/sleeper.pid")
    [ "$newpid" != "$pid" ]
    heal_pid_alive "$newpid"
    run heal-check --name sleeper --format=json
    assert_success
    # The journal holds the intent, then its outcome, both keyed for learning.
    run jq -r '[.type, .target, .remedy, .signature, .trace != null, (.argv | join(" "))]
        | join(" ")' "$HEAL_STATE_DIR/journal.ndjson"
    assert_line --index 0 "intent sleeper test.restart-sleeper process.not-running true $HEAL_SCRATCH/start.sh"
    assert_line --index 1 "outcome sleeper test.restart-sleeper process.not-running true $HEAL_SCRATCH/start.sh"
    run jq -rs '.[0].id == .[1].intent and .[1].result == "healed"' \
        "$HEAL_STATE_DIR/journal.ndjson"
    assert_output true
}

@test "without --apply nothing runs and the outcome is a dry run with the argv" {
    script start.sh "touch $HEAL_SCRATCH/CANARY"
    run --separate-stderr bash -c 'heal-check --name sleeper | heal-analyze | heal-propose |
        heal-apply'
    assert_equal "$status" 1
    assert_valid_records
    run jq -c 'select(.type == "outcome") | [.action, .result, .argv]' <<<"$output"
    assert_output "[\"dry-run\",\"none\",[\"$HEAL_SCRATCH/start.sh\"]]"
    assert_file_not_exists "$HEAL_SCRATCH/CANARY"
    assert_file_not_exists "$HEAL_STATE_DIR/journal.ndjson"
}

@test "a remedy whose verification fails is rolled back" {
    script fix.sh "echo fixing"
    script undo.sh "touch $HEAL_SCRATCH/rolled-back"
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/fix.sh" --arg u "$HEAL_SCRATCH/undo.sh" \
        '{id: "test.fix", argv: [$f], rollback: [$u],
          verify: {attempts: 2, delay: "50ms"}}')"
    run --separate-stderr heal-apply --apply <<<"$(proposal sleeper '{"remedy": "test.fix"}')"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.action, .result, .verify.status, .verify.attempts,
        .rollback.exit_code, .stdout] | join(" ")' <<<"$output"
    assert_output 'executed rolled-back critical 2 0 fixing\n'
    assert_file_exists "$HEAL_SCRATCH/rolled-back"
    run jq -r 'select(.type == "outcome") | .result' "$HEAL_STATE_DIR/journal.ndjson"
    assert_output rolled-back
}

@test "a remedy that fails without a rollback is failed, and its output is kept" {
    script fail.sh 'echo "no luck" >&2; exit 3'
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/fail.sh" '{id: "test.fail", argv: [$f]}')"
    run --separate-stderr heal-apply --apply <<<"$(proposal sleeper '{"remedy": "test.fail"}')"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.result, .exit_code, .stderr, .reason] | join("|")' \
        <<<"$output"
    assert_output 'failed|3|no luck\n|exited 3'
}

@test "a target without a configured check is unverified" {
    script ok.sh "exit 0"
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/ok.sh" '{id: "test.ok", argv: [$f]}')"
    run --separate-stderr heal-apply --apply <<<"$(proposal elsewhere '{"remedy": "test.ok"}')"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.action, .result, .reason] | join("|")' <<<"$output"
    assert_output "executed|unverified|no check is configured for target 'elsewhere': not verified"
}

@test "a precondition that does not hold skips the remedy" {
    script fix.sh "touch $HEAL_SCRATCH/CANARY"
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/fix.sh" '{id: "test.pre", argv: [$f],
        precondition: {argv: ["false"], exit: 0}}')"
    run --separate-stderr heal-apply --apply <<<"$(proposal sleeper '{"remedy": "test.pre"}')"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.action, .result, .reason] | join("|")' <<<"$output"
    assert_output 'skipped|none|precondition `false` exited 1, not 0'
    assert_file_not_exists "$HEAL_SCRATCH/CANARY"
}

@test "a wait remedy runs nothing and heals when the check recovers" {
    "$HEAL_SCRATCH/start.sh"
    remedy '{"id": "test.wait", "action": "wait", "verify": {"attempts": 2, "delay": "50ms"}}'
    run --separate-stderr heal-apply --apply <<<"$(proposal sleeper '{"remedy": "test.wait"}')"
    assert_success
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.action, .result, .verify.status] | join(" ")' \
        <<<"$output"
    assert_output 'executed healed ok'
}

@test "other records pass through and the proposal comes before its outcome" {
    run --separate-stderr heal-apply <<<"{\"type\":\"event\",\"v\":1,\"x\":1}
$(proposal sleeper '{"remedy": "test.restart-sleeper"}')"
    run jq -r .type <<<"$output"
    assert_output $'event\nproposal\noutcome'
}

@test "a line that is not a record is reported and the exit status is 4" {
    run --separate-stderr heal-apply <<<'not json'
    assert_equal "$status" 4
    use_stderr
    assert_output --partial 'heal-apply: -:1: '
}
