#!/usr/bin/env bats
# The record contract v1: man/schema/*.schema.json and tests/lib/validate-records.

load ../lib/common

validate() {
    run --separate-stderr "$HEAL_PYTHON" "$HEAL_VALIDATE" "$@"
}

# invalid FIXTURE EXPECTED: the fixture fails validation and the error
# on its first line names EXPECTED (a JSON pointer and message start).
invalid() {
    local f=$HEAL_FIXTURES/records/invalid-$1.ndjson
    validate "$f"
    assert_failure 1
    use_stderr
    assert_output --partial "$f:1: $2"
}

@test "every schema is a valid JSON Schema draft 2020-12 document" {
    run "$HEAL_PYTHON" - "$HEAL_ROOT"/man/schema/*.schema.json <<'PY'
import json, sys, jsonschema
for path in sys.argv[1:]:
    with open(path) as f:
        schema = json.load(f)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path
    jsonschema.Draft202012Validator.check_schema(schema)
    print("ok", path.rsplit("/", 1)[1])
PY
    assert_success
    assert_line "ok common.schema.json"
    for t in check diagnosis proposal outcome event; do
        assert_line "ok $t.schema.json"
    done
}

@test "the valid fixture records of every type pass" {
    validate "$HEAL_FIXTURES/records/valid.ndjson"
    assert_success
    assert_output --regexp 'check=[1-9].* diagnosis=[1-9].* proposal=[1-9].* outcome=[1-9].* event=[1-9]'
    assert_equal "$stderr" ""
}

@test "assert_valid_records accepts the fixtures as \$output" {
    output=$(<"$HEAL_FIXTURES/records/valid.ndjson")
    assert_valid_records
}

@test "records of an unknown type pass through unvalidated and are counted" {
    validate <<<'{"type":"metric","v":7,"whatever":true}'
    assert_success
    assert_output --partial 'unknown=1'
}

@test "records read from stdin are reported as <stdin>" {
    validate <<<'{"type":"check","v":1}'
    assert_failure 1
    use_stderr
    assert_output --partial '<stdin>:1: /id: required field is missing'
}

@test "--type rejects a record of another type" {
    validate --type check "$HEAL_FIXTURES/records/valid.ndjson"
    assert_failure 1
    use_stderr
    assert_output --partial "valid.ndjson:1: /type: 'event' where only 'check' is expected"
}

@test "--type with a type heal does not define is a usage error" {
    validate --type metric /dev/null
    assert_failure 2
}

@test "a record with the wrong schema version fails naming v" {
    invalid v "/v: 1 was expected"
}

@test "an id that is not a ULID fails naming id" {
    invalid id "/id: '01m86gthg7v37e3s3e28jt97kb' does not match"
}

@test "a timestamp without milliseconds in UTC fails naming ts" {
    invalid ts "/ts: '2026-11-24T10:15:03+00:00' does not match"
}

@test "a timestamp that is no real date fails naming ts" {
    invalid date "/ts: '2026-02-30T10:15:03.431Z' is not a real date"
}

@test "a check whose code does not match its status fails naming code" {
    invalid status-code "/code: 2 was expected"
}

@test "a diagnosis with a category outside the fixed list fails naming category" {
    invalid category "/category: 'hardware' is not one of"
    use_stderr
    assert_output --partial "/signature: 'hardware.fan_failed' does not match"
}

@test "a diagnosis whose signature has another category fails naming category" {
    invalid signature-category "/category: 'network' is not the category part of signature 'disk.full'"
}

@test "a confidence of 1.5 fails naming confidence" {
    invalid confidence "/confidence: 1.5 is greater than the maximum of 1"
}

@test "an outcome without result fails naming the missing field" {
    invalid missing-field "/result: required field is missing"
}

@test "a model-proposed candidate that needs no approval fails" {
    invalid llm-auto "/candidates/1/approval: 'required' was expected"
}

@test "a check record with a parent fails naming parent" {
    invalid check-parent "/parent: field not allowed"
}

@test "a perfdata value of \"U\" fails: unknown is null" {
    invalid perfdata-value "/perfdata/1/value: 'U' is not of type"
}

@test "a summary of two lines fails naming summary" {
    invalid summary-lines "/summary: "
}

@test "lines that are not JSON objects fail, each with its line number" {
    local f=$HEAL_FIXTURES/records/invalid-not-object.ndjson
    validate "$f"
    assert_failure 1
    use_stderr
    assert_line "$f:1: (record): not a JSON object but an array"
    assert_line "$f:2: (record): not a JSON object but a string"
    assert_line "$f:3: (record): empty line, not a JSON object"
}

@test "a bad line does not stop validation of the lines after it" {
    { echo 'not json'; head -n 2 "$HEAL_FIXTURES/records/valid.ndjson"; } >"$BATS_TEST_TMPDIR/mixed"
    validate "$BATS_TEST_TMPDIR/mixed"
    assert_failure 1
    assert_output --partial 'event=1'
    assert_output --partial 'check=1'
    assert_output --partial '1 invalid lines'
}

@test "a line over the 1 MiB cap fails" {
    "$HEAL_PYTHON" -c 'import json; print(json.dumps({"type": "event", "v": 1,
        "id": "01M86GTE51AWSH8VHTPRE95B9E", "ts": "2026-11-24T10:15:00.001Z",
        "host": "web1", "event": "big", "pad": "x" * (1 << 20)}))' >"$BATS_TEST_TMPDIR/big"
    validate "$BATS_TEST_TMPDIR/big"
    assert_failure 1
    use_stderr
    assert_output --partial 'over the 1 MiB cap'
}

@test "duplicate keys and NaN are not JSON records" {
    validate <<'EOF'
{"type":"event","type":"check"}
{"type":"event","v":NaN}
EOF
    assert_failure 1
    use_stderr
    assert_line --partial "<stdin>:1: (record): not JSON: duplicate key 'type'"
    assert_line --partial "<stdin>:2: (record): not JSON: NaN is not JSON"
}

@test "validating many records counts every one" {
    # No timing here: speed belongs to make bench, not to a test that a
    # loaded machine can fail.
    local i
    for ((i = 0; i < 200; i++)); do cat "$HEAL_FIXTURES/records/valid.ndjson"; done >"$BATS_TEST_TMPDIR/many"
    validate "$BATS_TEST_TMPDIR/many"
    assert_success
    assert_output --partial "2000 records"
    assert_output --partial "0 invalid lines"
}
