#!/usr/bin/env bats
# heal-propose learns from the journal: outcomes of a remedy for a
# signature move its estimated success, and old outcomes fade with a
# half-life (HEAL_NOW places "now").

load ../lib/common

setup() {
    heal_setup
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    # A: low risk (penalty 1.0); B: medium risk (0.7).  With no history A ranks first.
    cat >"$HEAL_CONFIG_DIR/playbook.d/ab.json" <<'JSON'
{"id": "test.a", "title": "A", "argv": ["true"], "risk": "low", "applies_to": ["runtime.flaky"]}
{"id": "test.b", "title": "B", "argv": ["true"], "risk": "medium", "applies_to": ["runtime.flaky"]}
JSON
    export HEAL_NOW=2026-11-24T12:00:00Z
    DIAG=$(jq -cn '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "t", signature: "runtime.flaky",
        category: "runtime", severity: "warning", summary: "s", confidence: 1,
        analyzer: "catalog"}')
}

# outcome REMEDY RESULT TS: appends one outcome line as heal-apply writes it.
outcome() {
    jq -cn --arg r "$1" --arg res "$2" --arg ts "$3" '{type: "outcome", v: 1,
        id: "01M86GTHFMM9S346Q3D25VT4F7", ts: $ts, host: "h", target: "t",
        signature: "runtime.flaky", remedy: $r, action: "executed", result: $res}' \
        >>"$HEAL_STATE_DIR/journal.ndjson"
}

ranking() {
    run --separate-stderr heal-propose "$@" <<<"$DIAG"
    assert_valid_records
    run jq -c 'select(.type == "proposal") | [.candidates[] | [.remedy, .score, .history.tries, .history.healed]]' <<<"$output"
}

three_each() {
    local i
    for i in 1 2 3; do
        outcome test.a failed "$1"
        outcome test.b healed "$1"
    done
}

@test "with an empty journal the base order holds" {
    ranking
    assert_output '[["test.a",0.5,0,0],["test.b",0.35,0,0]]'
}

@test "B that healed three times ranks above A that failed three times" {
    three_each 2026-11-24T11:00:00.000Z
    ranking
    # A: (1+0)/(2+3) = 0.2 x 1.0; B: (1+3)/(2+3) = 0.8 x 0.7 = 0.56 (weights ~1 an hour old)
    assert_output --regexp '^\[\["test\.b",0\.55[0-9]*,3,3\],\["test\.a",0\.20[0-9]*,3,0\]\]$'
}

@test "outcomes a year old have faded: the base order is back" {
    three_each 2025-11-24T12:00:00.000Z
    ranking
    assert_output --regexp '^\[\["test\.a",0\.5,3,0\],\["test\.b",0\.35,3,3\]\]$'
}

@test "an outcome one half-life old weighs half" {
    outcome test.a failed 2026-11-17T12:00:00.000Z
    ranking
    # (1 + 0) / (2 + 0.5) = 0.4
    assert_output '[["test.a",0.4,1,0],["test.b",0.35,0,0]]'
}

@test "--half-life sets how fast outcomes fade" {
    outcome test.a failed 2026-11-23T12:00:00.000Z
    ranking --half-life=1d
    assert_output '[["test.a",0.4,1,0],["test.b",0.35,0,0]]'
}

@test "results other than healed, failed and rolled-back are ignored" {
    outcome test.a unverified 2026-11-24T11:00:00.000Z
    outcome test.a error 2026-11-24T11:00:00.000Z
    outcome test.a rolled-back 2026-11-24T12:00:00.000Z
    ranking
    # one counted failure, fresh: (1+0)/(2+1)
    assert_output '[["test.b",0.35,0,0],["test.a",0.3333,1,0]]'
}

@test "another signature's outcomes do not count" {
    jq -cn '{type: "outcome", ts: "2026-11-24T11:00:00.000Z", signature: "disk.full",
        remedy: "test.a", result: "failed"}' >>"$HEAL_STATE_DIR/journal.ndjson"
    ranking
    assert_output '[["test.a",0.5,0,0],["test.b",0.35,0,0]]'
}
