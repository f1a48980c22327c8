#!/usr/bin/env bats
# Hostile HTTP bodies from a python3 http.server on 127.0.0.1: escapes,
# NUL, invalid UTF-8, shell text and a 10 MB line go into the evidence as
# inert valid text, through heal-analyze, and never to a terminal raw.

load ../lib/common
load lib

setup() {
    heal_setup
    rm -f /tmp/heal-pwned
    PORT=$(free_port)
    start_bg server "$HEAL_PYTHON" "$BATS_TEST_DIRNAME/http-server.py" "$PORT"
    wait_for curl -s -o /dev/null "http://127.0.0.1:$PORT/"
}

@test "a hostile body is CRITICAL evidence in a valid record, and the analyzer reads it" {
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/evil" --name web
    assert_equal "$status" 2
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 1
    run --separate-stderr heal-analyze --all-states <<<"$output"
    assert_valid_records
    assert_equal "$(jq -r 'select(.type == "diagnosis") | .category' <<<"$output")" http
    assert_file_not_exists /tmp/heal-pwned
}

@test "a hostile body never reaches a terminal raw" {
    on_terminal heal-check --http "http://127.0.0.1:$PORT/evil" -v
    assert_output --partial CRITICAL
    refute_raw_escape
    on_terminal bash -c "heal-check --http http://127.0.0.1:$PORT/evil --format=json | heal-analyze --explain"
    refute_raw_escape
}

@test "a 10 MB one-line body is cut at body_max and the record stays small" {
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/big"
    assert_equal "$status" 2
    assert_valid_records --type check
    [ "${#output}" -lt 1048576 ]
    jq -e '.evidence.body_truncated == true' <<<"$output"
}

@test "a json expression over hostile strings is judged, not run" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg u "http://127.0.0.1:$PORT/json" '{name: "api", kind: "http", url: $u,
        json: ".status | startswith(\"\u001b[31mUP\")"}' >"$HEAL_CONFIG_DIR/checks.d/api.json"
    run --separate-stderr heal-check --name api
    assert_valid_records --type check
    jq -e '.status == "ok"' <<<"$output"
}

@test "a body that is not quite JSON fails the json expression at its offset, and leaks nothing" {
    # Regression: ["a" "b"] went to libjq 1.6's parser, which leaks on it
    # (the sanitizer build's LeakSanitizer turned that into exit 86).
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg u "http://127.0.0.1:$PORT/adjacent" '{name: "api", kind: "http", url: $u,
        json: ".[0] == \"a\""}' >"$HEAL_CONFIG_DIR/checks.d/api.json"
    run --separate-stderr heal-check --name api
    assert_equal "$status" 2
    assert_valid_records --type check
    run jq -r '[.summary, .evidence.json_error] | join("|")' <<<"$output"
    assert_output --regexp ": body is not JSON\|expected ',' or ']' at offset 5$"
}
