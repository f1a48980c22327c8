#!/usr/bin/env bats
# Hostile model answers from tests/lib/fake-llm (the real wire protocol over
# HTTP on 127.0.0.1): escapes, NUL and newlines are refused, shell text and
# option look-alikes stay inert text, the model's facts are dropped, and a
# model-proposed command never runs unattended.

load ../lib/common
load ../lib/llm
load lib

# check WORD: a HARD critical check the catalog does not know; each WORD is
# its own question (the cache folds questions that differ in numbers only).
check() {
    jq -cn --arg s "upstream answered: frobnicator wedged $1" \
        '{type: "check", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F5", ts: "2026-11-24T10:15:03.412Z",
          host: "h", target: "web", trace: "01M86GTHFMM9S346Q3D25VT4F5", name: "web",
          kind: "http", status: "critical", code: 2, state_type: "hard", attempt: 1,
          max_attempts: 1, flapping: false, changed: true, summary: $s, output: ""}'
}

answer() { # SUMMARY_AS_JSON: a diagnosis answer with hostile facts too
    llm_answer diagnose '{"category": "runtime", "severity": "critical", "name": "pool-exhausted",
        "summary": '"$1"', "confidence": 0.5,
        "facts": {"path": "../../etc/passwd", "unit": "-rf", "x": "$(id)"}}'
}

setup() {
    heal_setup
    start_fake_llm
}

refused_with() { # WORD REASON
    run --separate-stderr heal-analyze <<<"$(check "$1")"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "diagnosis") | .analyzer' <<<"$output"
    assert_output none
    use_stderr
    assert_output "heal-analyze: llm: warning: web: no model diagnosis: answer refused: $2; catalog only"
}

@test "an answer with ANSI escapes, a bell or a NUL is refused, in one plain line; a newline becomes a space" {
    answer '"\u001b[2J\u001b]0;owned\u0007 cleared"'
    refused_with alpha "'summary' holds the control byte 0x1b"
    answer '"nul\u0000 here"'
    refused_with beta "'summary' holds the control byte 0x00"
    answer '"two\nlines\r\nthree"'
    run --separate-stderr heal-analyze <<<"$(check gamma)"
    assert_valid_records
    run jq -r 'select(.type == "diagnosis") | .summary' <<<"$output"
    assert_output 'two lines  three'
}

@test "shell text and option look-alikes in an answer stay inert text, and its facts are dropped" {
    answer '"$(touch /tmp/heal-pwned) `id` --foo -rf ../../etc/passwd \udcff"'
    run --separate-stderr heal-analyze <<<"$(check delta)"
    assert_valid_records
    run jq -c 'select(.type == "diagnosis") | [.analyzer, .summary, .facts]' <<<"$output"
    assert_output '["llm","$(touch /tmp/heal-pwned) `id` --foo -rf ../../etc/passwd �",{}]'
    assert_file_not_exists /tmp/heal-pwned
}

@test "a model diagnosis on a terminal shows no raw escape" {
    answer '"plain words"'
    on_terminal bash -c "heal-analyze --format=text --explain <<<'$(check epsilon)'"
    refute_raw_escape
    answer '"\u001b[31mred"'
    on_terminal bash -c "heal-analyze --format=text --explain <<<'$(check zeta)'"
    refute_raw_escape
}

@test "a 5 MB answer is refused at the cap and the catalog's diagnosis stands" {
    llm_answer diagnose "$("$HEAL_PYTHON" -c 'import json; print(json.dumps({"category": "runtime",
        "severity": "critical", "name": "pool-exhausted", "summary": "x" * 5000000, "confidence": 0.5}))')"
    run --separate-stderr heal-analyze <<<"$(check eta)"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "diagnosis") | .analyzer' <<<"$output"
    assert_output none
    [ "${#stderr}" -lt 300 ] || fail "a long message: ${stderr:0:300}"
}
