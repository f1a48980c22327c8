#!/usr/bin/env bats
# Hostile parameter values never reach an argv: each is refused, and the
# candidate dropped with the reason, whatever the pattern allows.

load ../lib/common

setup() {
    heal_setup
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    # A remedy whose pattern allows anything: only the fixed rules stand in the way.
    cat >"$HEAL_CONFIG_DIR/playbook.d/open.json" <<'JSON'
{"id": "test.echo", "title": "Echo a fact", "argv": ["echo", "{word}"], "risk": "low",
 "params": {"word": {"source": "fact:word", "pattern": "^.*$"}},
 "applies_to": ["runtime.echo"]}
JSON
}

# refused VALUE_JSON REASON: a diagnosis with fact word=VALUE drops test.echo for REASON.
refused() {
    local d
    d=$(jq -cn --argjson w "$1" '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "t", signature: "runtime.echo",
        category: "runtime", severity: "warning", summary: "s", confidence: 1,
        analyzer: "catalog", facts: {word: $w}}')
    run --separate-stderr heal-propose <<<"$d"
    assert_valid_records
    run jq -r 'select(.type == "proposal") | "\(.candidates | length) \(.dropped[0].reason)"' \
        <<<"$output"
    assert_output --partial "0 parameter 'word' (fact 'word'): value "
    assert_output --partial "$2"
}

@test "a plain value fills the argv" {
    d=$(jq -cn '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "t", signature: "runtime.echo",
        category: "runtime", severity: "warning", summary: "s", confidence: 1,
        analyzer: "catalog", facts: {word: "hello"}}')
    run --separate-stderr heal-propose <<<"$d"
    run jq -c 'select(.type == "proposal") | .candidates[0].argv' <<<"$output"
    assert_output '["echo","hello"]'
}

@test "a fact like 'nginx; rm -rf /' is refused for its ';'" {
    refused '"nginx; rm -rf /"' "contains the shell metacharacter ';'"
}

@test "a fact like '--help' is refused for its leading '-'" {
    refused '"--help"' "starts with '-'"
}

@test "a '..' path component is refused" {
    refused '"/var/log/../../etc/shadow"' "has a '..' path component"
}

@test "a NUL byte is refused" {
    refused '"a\u0000b"' "contains a NUL byte"
}

@test "a newline is refused" {
    refused '"a\nb"' "contains a newline"
}

@test "spaces and tabs are refused" {
    refused '"a b"' "contains whitespace"
    refused '"a\tb"' "contains whitespace"
}

@test "every shell metacharacter is refused" {
    local c
    for c in ';' '|' '&' '$' '`' '<' '>' '(' ')' '{' '}' '[' ']' '*' '?' '!' '~' "'" '"' '\'; do
        refused "$(jq -cn --arg c "$c" '"a" + $c + "b"')" "contains the shell metacharacter '$c'"
    done
}

@test "a value that fails its pattern is refused, naming the pattern" {
    d=$(jq -cn '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "t", signature: "service.failed",
        category: "service", severity: "warning", summary: "s", confidence: 1,
        analyzer: "catalog", labels: {unit: "nginx/x"}}')
    run --separate-stderr heal-propose <<<"$d"
    run jq -r 'select(.type == "proposal") | .dropped[0].reason' <<<"$output"
    assert_output "parameter 'unit' (label 'unit'): value 'nginx/x' does not match ^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,254}\$"
}

@test "a pattern that starts with ^- lets a leading '-' through" {
    cat >"$HEAL_CONFIG_DIR/playbook.d/dash.json" <<'JSON'
{"id": "test.nice", "title": "Renice", "argv": ["renice", "{n}"], "risk": "low",
 "params": {"n": {"source": "fact:n", "pattern": "^-?[0-9]{1,2}$"}},
 "applies_to": ["runtime.echo"]}
JSON
    d=$(jq -cn '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "t", signature: "runtime.echo",
        category: "runtime", severity: "warning", summary: "s", confidence: 1,
        analyzer: "catalog", facts: {n: "-5", word: "x"}}')
    run --separate-stderr heal-propose <<<"$d"
    run jq -c 'select(.type == "proposal") | [.candidates[] | select(.remedy == "test.nice") | .argv]' <<<"$output"
    assert_output '[["renice","-5"]]'
}
