#!/usr/bin/env bats
# HEAL_TRACE: every heal program joins the trace it is given, the way
# heal-mcp follows one tool call through the programs it runs.  Records
# that start a chain carry it; records derived from others keep their
# chain's; log lines outside any record carry it.

load lib

T=01JDZZZZZZZZZZZZZZZZZZZZZZ

@test "heal-check's records carry HEAL_TRACE as their trace, not their own id" {
    HEAL_TRACE=$T run --separate-stderr heal-check --tcp "127.0.0.1:$CLOSED_PORT" --disk /
    HEAL_TRACE=$T assert_valid_records --type check
    run jq -r '"\(.trace == "'$T'") \(.id != "'$T'")"' <<<"$output"
    assert_output $'true true\ntrue true'
}

@test "without HEAL_TRACE a check record is its own trace" {
    run --separate-stderr heal-check --tcp "127.0.0.1:$CLOSED_PORT"
    run jq -r '.trace == .id' <<<"$output"
    assert_output true
}

@test "heal-analyze's text diagnoses join HEAL_TRACE; a check's diagnosis keeps the check's trace" {
    HEAL_TRACE=$T run --separate-stderr heal-analyze --text <<<'No space left on device'
    assert_valid_records --type diagnosis
    run jq -r '.trace' <<<"$output"
    assert_output "$T"
    heal-check --tcp "127.0.0.1:$CLOSED_PORT" >"$HEAL_SCRATCH/check" || true
    HEAL_TRACE=$T run --separate-stderr heal-analyze --all-states "$HEAL_SCRATCH/check"
    run jq -r 'select(.type == "diagnosis") | .trace' <<<"$output"
    assert_output "$(jq -r .trace "$HEAL_SCRATCH/check")"
}

@test "log lines outside any record carry HEAL_TRACE, in every program" {
    local p
    { heal-check --tcp "127.0.0.1:$CLOSED_PORT" | heal-analyze --all-states >"$HEAL_SCRATCH/diag"; } || true
    heal-propose <"$HEAL_SCRATCH/diag" >"$HEAL_SCRATCH/prop" || true
    for p in "heal-analyze --text" heal-propose heal-apply; do
        HEAL_TRACE=$T run --separate-stderr $p --log-json --verbose <"$HEAL_SCRATCH/prop"
        jq -c --arg p "${p%% *}" 'select(.prog == $p and .trace == "'$T'")' <<<"$stderr" | grep -q . ||
            fail "$p: no log line with the trace in: $stderr"
    done
}

@test "heal-loop --once passes HEAL_TRACE to its stages: the whole cycle is one trace" {
    HEAL_TRACE=$T run --separate-stderr heal-loop --once --dry-run
    run jq -r 'select(.type != "event") | "\(.type) \(.trace)"' <<<"$output"
    assert_output "check $T"$'\n'"diagnosis $T"$'\n'"proposal $T"$'\n'"outcome $T"
}

@test "a HEAL_TRACE that is not a record id is ignored with a warning" {
    HEAL_TRACE='not an id' run --separate-stderr heal-check --tcp "127.0.0.1:$CLOSED_PORT"
    run jq -r '.trace == .id' <<<"$output"
    assert_output true
    [[ "$stderr" == *"heal-check: HEAL_TRACE: warning: 'not an id' is not a record id; ignored"* ]] ||
        fail "stderr: $stderr"
}
