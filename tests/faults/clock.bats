#!/usr/bin/env bats
# The clock jumps backwards between runs (HEAL_NOW set earlier): SOFT/HARD
# state goes on counting, cool-downs and budgets fail closed, and no
# remedy runs twice because of it.

load ../lib/common
load lib

setup() {
    heal_setup
    refused_remedy 10m 2
    refused_check web '{"max_attempts": 2}'
}

cycle() { # TIME: one heal-loop --once --apply with the clock at TIME
    HEAL_NOW=$1 run --separate-stderr heal-loop --once --apply --format=json
    assert_equal "$status" 1
    assert_valid_records
}

check_state() {
    jq -r 'select(.type == "check") | "\(.state_type) \(.attempt)"' <<<"$output"
}

remedy_outcome() {
    jq -r 'select(.type == "outcome" and .remedy == "test.count") | "\(.action) \(.reason // "")"' \
        <<<"$output"
}

@test "after the clock goes back an hour the remedy is not run again and the reason is plain" {
    cycle 2026-11-29T12:00:00Z
    assert_equal "$(check_state)" "soft 1"
    cycle 2026-11-29T12:00:10Z
    assert_equal "$(check_state)" "hard 2"
    assert_equal "$(runs)" 1

    cycle 2026-11-29T11:00:00Z
    assert_equal "$(check_state)" "hard 2"
    run remedy_outcome
    assert_output "rate-limited cool-down: the last run on this target is dated 1h10s ahead of the clock (did the clock go back?); the wait of 10m counts from it"
    refute_output --partial -- '-1h'
    assert_equal "$(runs)" 1

    cycle 2026-11-29T09:00:00Z
    assert_equal "$(runs)" 1
    journal_lines_parse
}

@test "once the clock has passed the last run and its cool-down, healing resumes, once" {
    cycle 2026-11-29T12:00:00Z
    cycle 2026-11-29T12:00:10Z
    cycle 2026-11-29T10:00:00Z
    cycle 2026-11-29T12:05:00Z # 4m50s after the run: still cooling down
    assert_equal "$(runs)" 1
    cycle 2026-11-29T12:20:00Z
    assert_equal "$(runs)" 2
    # Back again: the budget (2 an hour) and the cool-down hold.
    cycle 2026-11-29T11:30:00Z
    assert_equal "$(runs)" 2
    cycle 2026-11-29T12:40:00Z
    assert_equal "$(runs)" 2
    run remedy_outcome
    refute_output --regexp '^executed'
    journal_lines_parse
}
