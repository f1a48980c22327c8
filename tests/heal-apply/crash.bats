#!/usr/bin/env bats
# One actor per target, and no blind repeats: two heal-apply processes
# never run a remedy on one target at once, and a run cut short by
# `kill -9` is reported by the next start instead of being run again.

load ../lib/common
load lib

setup() {
    heal_setup
    # slow.sh counts its runs, records its pid, then takes its time.
    script slow.sh "n=\$(cat $HEAL_SCRATCH/count 2>/dev/null || echo 0)
echo \$((n + 1)) >$HEAL_SCRATCH/count
echo \$\$ >$HEAL_SCRATCH/slow.pid
sleep \${SLOW:-2}"
    remedy "$(jq -cn --arg s "$HEAL_SCRATCH/slow.sh" '{id: "test.slow", argv: [$s],
        timeout: "60s"}')"
    proposal job '{"remedy": "test.slow"}' >"$HEAL_SCRATCH/proposal.json"
}

teardown() {
    if [ -s "$HEAL_SCRATCH/slow.pid" ]; then
        kill -- "-$(<"$HEAL_SCRATCH/slow.pid")" 2>/dev/null || true
    fi
    heal_teardown
}

@test "of two heal-apply processes given one proposal, one runs it and the other is locked" {
    start_bg a heal-apply --apply --lock-wait=0.5s "$HEAL_SCRATCH/proposal.json"
    start_bg b heal-apply --apply --lock-wait=0.5s "$HEAL_SCRATCH/proposal.json"
    pa=$(bg_pid a) pb=$(bg_pid b)
    wait_for -t 20 bash -c "! kill -0 $pa 2>/dev/null && ! kill -0 $pb 2>/dev/null"
    cat "$HEAL_SCRATCH"/bg/a.out "$HEAL_SCRATCH"/bg/b.out >"$HEAL_SCRATCH/both.ndjson"
    assert_valid_records "$HEAL_SCRATCH/both.ndjson"
    run jq -r 'select(.type == "outcome") | .action' "$HEAL_SCRATCH/both.ndjson"
    assert_equal "$(sort <<<"$output" | tr '\n' ' ')" 'executed locked '
    run jq -r 'select(.action == "locked") | .reason' "$HEAL_SCRATCH/both.ndjson"
    assert_output "lock: job: held by another process for more than 500 ms"
    assert_equal "$(<"$HEAL_SCRATCH/count")" 1
}

@test "a run killed with kill -9 is reported by the next start and not repeated" {
    # Long enough to be killed in the middle; heal-apply scrubs SLOW from the environment.
    sed -i 's/\${SLOW:-2}/30/' "$HEAL_SCRATCH/slow.sh"
    start_bg first heal-apply --apply "$HEAL_SCRATCH/proposal.json"
    wait_for test -s "$HEAL_SCRATCH/slow.pid"
    kill -9 "$(bg_pid first)"
    wait_for bash -c "! kill -0 $(bg_pid first) 2>/dev/null"
    # The remedy outlives heal-apply in its own process group; end it as a crash would.
    kill -- "-$(<"$HEAL_SCRATCH/slow.pid")"
    run jq -r .type "$HEAL_STATE_DIR/journal.ndjson"
    assert_output intent

    run --separate-stderr heal-apply --apply "$HEAL_SCRATCH/proposal.json"
    assert_equal "$status" 1
    assert_valid_records
    intent=$(jq -r 'select(.type == "intent") | .id' "$HEAL_STATE_DIR/journal.ndjson")
    run jq -r 'select(.type == "outcome") | [.remedy, .action, .result, .reason] | join("|")' \
        <<<"$output"
    assert_line --index 0 --regexp "^test.slow\|skipped\|none\|interrupted: intent $intent at [0-9T:.-]+Z had no outcome; not repeated without a fresh check$"
    assert_line --index 1 "test.slow|skipped|none|already run for trace $TRACE_ID (intent $intent): not repeated without a fresh check"
    assert_equal "$(<"$HEAL_SCRATCH/count")" 1
    # The journal closes the intent, so the next start does not report it again.
    run jq -r 'select(.type == "outcome") | [.intent, .result] | join(" ")' \
        "$HEAL_STATE_DIR/journal.ndjson"
    assert_output "$intent interrupted"
    run --separate-stderr heal-apply --apply </dev/null
    assert_success
    assert_output ''
}

@test "an intent whose target is locked by a running heal-apply is not reported" {
    start_bg first heal-apply --apply "$HEAL_SCRATCH/proposal.json"
    wait_for test -s "$HEAL_SCRATCH/slow.pid"
    run --separate-stderr heal-apply --apply </dev/null
    assert_success
    assert_output ''
    wait_for -t 20 bash -c "! kill -0 $(bg_pid first) 2>/dev/null"
    run jq -r 'select(.type == "outcome") | .result' "$HEAL_STATE_DIR/journal.ndjson"
    assert_output unverified
}
