#!/usr/bin/env bats
# The NDJSON reader and writer, through ndjson-pass (a stage that consumes
# nothing), on a corpus of every kind of bad line.
load ../lib/common

setup() {
    heal_setup
    PASS="${HEAL_BUILD:-$HEAL_ROOT/build}/tests/bench/ndjson-pass"
    CORPUS="$HEAL_ROOT/tests/fixtures/ndjson/malformed.ndjson"
}

@test "each bad line is reported with its file and line number" {
    run --separate-stderr "$PASS" "$CORPUS"
    use_stderr
    for n in 2 4 7 8 9 11 12 14; do
        assert_line --partial "malformed.ndjson:$n: "
    done
    [ "${#lines[@]}" -eq 8 ]
}

@test "the reasons name what was wrong" {
    run --separate-stderr "$PASS" "$CORPUS"
    use_stderr
    assert_line --partial ":4: expected a JSON object, got an array"
    assert_line --partial ":7: invalid UTF-8 at offset"
    assert_line --partial ":8: NUL byte at offset"
    assert_line --partial ":9: invalid JSON: unexpected end of input at offset 26"
    assert_line --partial ":11: invalid JSON: unexpected text after the value at offset 28"
    assert_line --partial ":14: line of 1126426 bytes exceeds the 1048576-byte limit"
}

@test "every valid line after a bad one is still emitted, in order" {
    run --separate-stderr "$PASS" "$CORPUS"
    [ "${#lines[@]}" -eq 8 ]
    [ "$(jq -r '.name // .type' <<<"$output" | tr '\n' ' ')" = "a b c d future-type g h last-no-newline " ]
}

@test "bad input makes the exit status 4" {
    run --separate-stderr "$PASS" "$CORPUS"
    assert_failure 4
}

@test "clean input exits 0 and passes records through unchanged" {
    printf '%s\n' '{"type":"check","v":1}' '{"type":"x","n":[1,2.5,null]}' > "$HEAL_SCRATCH/ok.ndjson"
    run --separate-stderr "$PASS" "$HEAL_SCRATCH/ok.ndjson"
    assert_success
    assert_output "$(cat "$HEAL_SCRATCH/ok.ndjson")"
}

@test "an escape sequence inside a record stays escaped on output" {
    run --separate-stderr "$PASS" "$CORPUS"
    assert_line '{"type":"check","name":"h","esc":"\u001b[31mred"}'
}

@test "a reader that goes away ends the stage quietly" {
    run bash -c "yes '{\"a\":1}' | head -200000 | '$PASS' | head -1"
    assert_success
    assert_output '{"a":1}'
}
