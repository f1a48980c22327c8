#!/usr/bin/env bats
# heal-analyze on records: failed HARD checks are diagnosed from their own
# text, carrying the chain; everything else passes through untouched; a
# malformed line is reported by number and the stream goes on.

load ../lib/common

setup() {
    heal_setup
    # A real message (tests/fixtures/signatures/core.examples.json) ...
    CP=$(jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")
    # ... and the valid check record of the record fixtures to carry it.
    CHECK=$(jq -c 'select(.type == "check" and .status == "critical")' \
        "$HEAL_FIXTURES/records/valid.ndjson")
    CHECK_ID=$(jq -r .id <<<"$CHECK")
    # A failure no signature knows: check_dummy's real output
    # (tests/fixtures/nagios/check_dummy-2-critical.txt).
    UNKNOWN=$(jq -c '.summary = "CRITICAL: it broke" | .output = "" | .evidence = {}' <<<"$CHECK")
}

# check_with JQ-FILTER: the critical check record changed by the filter,
# with $CP as $m.
check_with() {
    jq -c --arg m "$CP" "$1" <<<"$CHECK"
}

# diagnoses: the diagnosis records of $output.
diagnoses() {
    jq -c 'select(.type == "diagnosis")' <<<"$output"
}

@test "a HARD critical check with a known message in its summary is diagnosed" {
    run --separate-stderr heal-analyze <<<"$(check_with '.summary = $m')"
    assert_failure 1
    assert_valid_records
    assert_equal "${#lines[@]}" 2
    assert_equal "${lines[0]}" "$(check_with '.summary = $m')" # the check itself, first
    output=$(diagnoses)
    assert_valid_records --type diagnosis
    assert_equal "$(jq -r '[.signature, .parent, .trace, .target, .labels.unit, .analyzer,
        .facts.path, .first_seen] | @tsv' <<<"$output")" \
        "$(printf 'disk.full\t%s\t%s\tnginx-http\tnginx.service\tcatalog\t/var/lib/app/data.bin\t%s' \
            "$CHECK_ID" "$CHECK_ID" 2026-11-24T10:15:03.412Z)"
}

@test "the message is found in output and in evidence too" {
    local filter
    for filter in '.output = "x\n" + $m' '.evidence.stderr = $m + "\n"'; do
        run --separate-stderr heal-analyze <<<"$(check_with "$filter")"
        assert_failure 1
        output=$(diagnoses)
        assert_valid_records --type diagnosis
        # The check's own summary (connection refused) matches too: the disk
        # failure leads, as the more causal, and the refusal is its effect.
        assert_equal "$(jq -r --arg cp "$CP" '[.signature, .parent, (.evidence | any(. == $cp)),
            (.related | map(.signature + "/" + .role) | join(","))] | @tsv' <<<"$output")" \
            "$(printf 'disk.full\t%s\ttrue\tnetwork.connection-refused/effect' "$CHECK_ID")"
    done
}

@test "a SOFT problem passes through untouched unless --all-states" {
    local soft
    soft=$(check_with '.summary = $m | .state_type = "soft" | .attempt = 1')
    run --separate-stderr heal-analyze <<<"$soft"
    assert_success
    assert_output "$soft"
    run --separate-stderr heal-analyze --all-states <<<"$soft"
    assert_failure 1
    assert_equal "${lines[0]}" "$soft"
    output=$(diagnoses)
    assert_valid_records --type diagnosis
    assert_equal "$(jq -r .signature <<<"$output")" disk.full
}

@test "an OK check passes through untouched" {
    local ok
    ok=$(jq -c 'select(.type == "check" and .status == "ok")' \
        "$HEAL_FIXTURES/records/valid.ndjson" | head -1)
    run --separate-stderr heal-analyze --all-states <<<"$ok"
    assert_success
    assert_output "$ok"
}

@test "a record of a type heal-analyze does not know passes through byte for byte" {
    # Numbers jq cannot hold exactly, escapes and spacing must survive.
    local line='{"type":"metric", "v":1,"value":1.10,"big":12345678901234567890,"e":1e2,"s":"\u00e9\/"}'
    run --separate-stderr heal-analyze <<<"$line"
    assert_success
    assert_output "$line"
    assert_equal "$stderr" ''
}

@test "records of the other types pass through unchanged and in order" {
    grep -vF '"status":"critical"' "$HEAL_FIXTURES/records/valid.ndjson" >"$HEAL_SCRATCH/in.ndjson"
    run --separate-stderr heal-analyze "$HEAL_SCRATCH/in.ndjson"
    assert_success
    assert_output "$(cat "$HEAL_SCRATCH/in.ndjson")"
}

@test "a failed check with no known text is unknown.unclassified by analyzer none" {
    run --separate-stderr heal-analyze <<<"$UNKNOWN"
    assert_failure 1
    output=$(diagnoses)
    assert_valid_records --type diagnosis
    assert_equal "$(jq -r '[.signature, .category, .analyzer, .parent, .confidence] | @tsv' \
        <<<"$output")" "$(printf 'unknown.unclassified\tunknown\tnone\t%s\t0.1' "$CHECK_ID")"
    assert_output --partial "no known signature matched: CRITICAL: it broke"
}

@test "a malformed record line is reported by number, the rest is processed, exit 4" {
    run --separate-stderr heal-analyze <<END
$(check_with '.summary = $m')
{"type": "check", "name": broken
$UNKNOWN
END
    assert_failure 4
    assert_valid_records
    assert_equal "$(jq -r 'select(.type == "diagnosis") | .signature' <<<"$output")" \
        $'disk.full\nunknown.unclassified'
    use_stderr
    assert_equal "${#lines[@]}" 1
    assert_output --regexp '^heal-analyze: -:2: .+'
}

@test "text and records mix in one stream" {
    run --separate-stderr heal-analyze <<END
make: Entering directory '/src'
$CP
$(jq -c 'select(.type == "event")' "$HEAL_FIXTURES/records/valid.ndjson" | head -1)
END
    assert_failure 1
    assert_valid_records
    assert_equal "$(jq -r .type <<<"$output")" $'event\ndiagnosis'
}
