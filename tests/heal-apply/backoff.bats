#!/usr/bin/env bats
# Cool-down, attempt budgets and back-off hold over a sequence of runs.
# HEAL_NOW moves the clock; every run gets a fresh trace, as each cycle of
# a real pipeline would.

load ../lib/common
load lib

T0=1790000000

setup() {
    heal_setup
    script fail.sh "echo x >>$HEAL_SCRATCH/runs; exit 1"
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/fail.sh" '{id: "test.fail", argv: [$f],
        cooldown: "1m", max_attempts: 3, window: "1h"}')"
}

# at SECONDS TRACE_DIGIT: runs heal-apply --apply at T0+SECONDS with a fresh trace;
# sets $got to "ACTION RESULT" and $why to the reason.
at() {
    local p
    p=$(proposal svc '{"remedy": "test.fail"}' "01M86GTHFMM9S346Q3D25VT4F$2")
    HEAL_NOW=$((T0 + $1)) run --separate-stderr heal-apply --apply <<<"$p"
    assert_valid_records
    got=$(jq -r 'select(.type == "outcome") | "\(.action) \(.result)"' <<<"$output")
    why=$(jq -r 'select(.type == "outcome") | .reason' <<<"$output")
}

@test "failures lengthen the cool-down, and the attempt budget caps the runs" {
    at 0 A
    assert_equal "$got" 'executed failed'
    at 90 B # one failure: the 1m cool-down doubles to 2m
    assert_equal "$got" 'rate-limited none'
    assert_equal "$why" \
        'cool-down: the last run on this target was 1m30s ago; with 1 consecutive failure the wait is 2m'
    at 121 C
    assert_equal "$got" 'executed failed'
    at 321 D # two failures: 4m
    assert_equal "$got" 'rate-limited none'
    assert_equal "$why" \
        'cool-down: the last run on this target was 3m20s ago; with 2 consecutive failures the wait is 4m'
    at 362 E
    assert_equal "$got" 'executed failed'
    at 2000 F # the back-off is over, but 3 runs in the last hour spent the budget
    assert_equal "$got" 'rate-limited none'
    assert_equal "$why" 'attempt budget spent: 3 of 3 runs in the last 1h'
    at 3700 G # the first run left the window, and the back-off reset after 20m
    assert_equal "$got" 'executed failed'
    assert_equal "$(wc -l <"$HEAL_SCRATCH/runs")" 4
}

@test "the outcome says which attempt in the window this was" {
    at 0 A
    at 61 B # cool-down 1m, doubled by the failure: still waiting
    at 200 C
    run jq -r 'select(.type == "outcome") | .attempt' "$HEAL_STATE_DIR/journal.ndjson"
    assert_output $'1\n2'
}

@test "the same trace is acted on once, even with no cool-down" {
    script ok.sh "echo x >>$HEAL_SCRATCH/runs"
    remedy "$(jq -cn --arg f "$HEAL_SCRATCH/ok.sh" '{id: "test.fail", argv: [$f]}')"
    at 0 A
    assert_equal "$got" 'executed unverified'
    at 1 A
    assert_equal "$got" 'skipped none'
    at 2 B
    assert_equal "$got" 'executed unverified'
    assert_equal "$(wc -l <"$HEAL_SCRATCH/runs")" 2
}

@test "a dry run judges the cool-down too, and changes nothing" {
    at 0 A
    HEAL_NOW=$((T0 + 30)) run --separate-stderr heal-apply \
        <<<"$(proposal svc '{"remedy": "test.fail"}' 01M86GTHFMM9S346Q3D25VT4FB)"
    run jq -r 'select(.type == "outcome") | .action' <<<"$output"
    assert_output rate-limited
    assert_equal "$(wc -l <"$HEAL_SCRATCH/runs")" 1
}

@test "a damaged state file stops the target's runs and names the file" {
    mkdir -p "$HEAL_STATE_DIR/apply"
    echo garbage >"$HEAL_STATE_DIR/apply/svc.json"
    at 0 A
    assert_equal "$got" 'skipped error'
    assert_equal "$why" \
        "state: $HEAL_STATE_DIR/apply/svc.json: not a heal-apply state file; remove the file to start afresh"
    assert_file_not_exists "$HEAL_SCRATCH/runs"
}
