#!/usr/bin/env bats
# Damaged state files (a crash, a full disk, a careless edit): heal fails
# closed or starts afresh, says so, and leaks nothing.  The sample damage,
# two JSON values without a separator, is what libjq 1.6 leaks on: in the
# sanitizer build LeakSanitizer turns such a leak into exit 86.

load ../lib/common
load lib

setup() {
    heal_setup
    counting_remedy test.count
}

@test "a damaged heal-apply history fails closed: nothing runs, the reason names the file" {
    mkdir -p "$HEAL_STATE_DIR/apply"
    printf '["a" "b"]' >"$HEAL_STATE_DIR/apply/job.json"
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "$(runs)" 0
    run jq -r 'select(.type == "outcome") | [.action, .reason] | join("|")' <<<"$output"
    assert_output "skipped|state: $HEAL_STATE_DIR/apply/job.json: not a heal-apply state file; remove the file to start afresh"
}

@test "a damaged log-check position starts the log afresh" {
    : >"$HEAL_SCRATCH/app.log"
    heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app >/dev/null
    for f in "$HEAL_STATE_DIR"/log-offsets/*.json; do printf '["a" "b"]' >"$f"; done
    echo 'ERROR new' >>"$HEAL_SCRATCH/app.log"
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_success
    assert_valid_records --type check
    jq -e '.summary | contains("first run")' <<<"$output"
}
