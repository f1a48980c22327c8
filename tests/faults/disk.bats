#!/usr/bin/env bats
# The state directory on a full, then a read-only, file system (a 64 KiB
# tmpfs): every stage goes on or stops with one clear line, every record
# it prints is whole, the journal stays readable and no remedy runs twice.

load ../lib/common
load lib

setup() {
    heal_setup
    mount_state 64k
    counting_remedy test.count
}

teardown() {
    heal_teardown
    unmount_state
}

@test "heal-check with a full state file system warns per check and still prints every record" {
    fill_state_fs
    run --separate-stderr heal-check --exec /bin/true --name a
    assert_success
    assert_valid_records --type check
    run --separate-stderr heal-check --exec /bin/false --name b
    assert_equal "$status" 1
    assert_valid_records --type check
    use_stderr
    assert_output --regexp '^heal-check: b: warning: state: write .*: No space left on device$'
}

@test "heal-apply refuses to run a remedy when it cannot record its history on a full disk" {
    heal-check --exec /bin/true --name job >/dev/null
    fill_state_fs
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "$(runs)" 0
    run jq -r 'select(.type == "outcome") | [.action, .result, .reason] | join("|")' <<<"$output"
    assert_output --regexp '^skipped\|error\|state: write .*: No space left on device; not run$'
    # With space again it runs, once.
    rm -f "$HEAL_MNT/filler"
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_valid_records
    assert_equal "$(runs)" 1
    journal_lines_parse
}

@test "a journal write cut short by a full disk tears one line; the remedy is reported, not repeated" {
    # Pad the journal to 3.5 KiB so that the outcome line crosses a page
    # the file system no longer has, while the intent line still fits.
    "$HEAL_PYTHON" -c 'import json; print(json.dumps({"type": "pad", "x": "x" * 3478}))' \
        >"$HEAL_STATE_DIR/journal.ndjson"
    chmod 0600 "$HEAL_STATE_DIR/journal.ndjson"
    printf '#!/bin/sh\nhead -c 100000000 /dev/zero >%s/filler 2>/dev/null\nexit 0\n' "$HEAL_MNT" \
        >"$HEAL_SCRATCH/hook"
    chmod 0755 "$HEAL_SCRATCH/hook"
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "$(runs)" 1
    run jq -r 'select(.type == "outcome") | .warning' <<<"$output"
    assert_output --regexp '^journal: short write to the journal: [0-9]+ of [0-9]+ bytes; readers will skip the torn line$'
    journal_lines_parse 1

    # Space again: the intent without an outcome is reported and not run again.
    rm -f "$HEAL_SCRATCH/hook" "$HEAL_MNT/filler"
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_valid_records
    assert_equal "$(runs)" 1
    run jq -r 'select(.type == "outcome") | .reason' <<<"$output"
    assert_line --index 0 --regexp '^interrupted: intent [0-9A-Z]{26} at .* had no outcome; not repeated without a fresh check$'
    assert_line --index 1 --regexp '^already run for trace '
    journal_lines_parse 1
    # The readers of the journal skip the torn line and go on.
    run --separate-stderr heal-propose </dev/null
    assert_success
}

@test "with a read-only state directory heal-apply runs nothing and says why in one line" {
    heal-check --exec /bin/true --name job >/dev/null
    mount -o remount,ro "$HEAL_MNT"
    run --separate-stderr heal-apply --apply <<<"$(proposal_for job test.count)"
    assert_equal "$status" 3
    assert_output ''
    assert_equal "$(runs)" 0
    use_stderr
    assert_output "heal-apply: journal: open $HEAL_STATE_DIR/journal.ndjson: Read-only file system; running nothing without a journal"
}

@test "with a read-only state directory heal-check still prints every record" {
    heal-check --exec /bin/false --name a >/dev/null || true
    mount -o remount,ro "$HEAL_MNT"
    run --separate-stderr heal-check --exec /bin/false --name a
    assert_equal "$status" 1
    assert_valid_records --type check
    use_stderr
    assert_output --regexp '^heal-check: a: warning: state: .*: Read-only file system$'
}

@test "a dry run on a read-only state directory passes its records on and says what failed" {
    mount -o remount,ro "$HEAL_MNT"
    run --separate-stderr heal-apply <<<"$(proposal_for job test.count)"
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "$(runs)" 0
    run jq -r 'select(.type == "outcome") | .reason' <<<"$output"
    assert_output "state: mkdir $HEAL_STATE_DIR/apply: Read-only file system"
}

@test "heal-loop --once on a read-only state directory stops at once with one clear line" {
    mount -o remount,ro "$HEAL_MNT"
    run --separate-stderr heal-loop --once --apply --checks=/dev/null --format=json
    assert_equal "$status" 3
    assert_output ''
    use_stderr
    assert_output "heal-loop: state: mkdir $HEAL_STATE_DIR/loop: Read-only file system"
    assert_equal "$(runs)" 0
}
