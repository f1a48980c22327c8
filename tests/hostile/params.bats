#!/usr/bin/env bats
# Hostile facts and target names in the records on heal-apply's stdin:
# a fact fills a whole argv element only after every rule and its pattern
# (here the loosest, ^.*$), a target name never leaves the state
# directory, and a NUL byte cannot make one name act as another.

load ../lib/common
load lib

setup() {
    heal_setup
    printf '#!/bin/sh\nfor a; do printf "%%s\\n" "$a"; done >>%s/args\n' "$HEAL_SCRATCH" \
        >"$HEAL_SCRATCH/argrec.sh"
    chmod 0755 "$HEAL_SCRATCH/argrec.sh"
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    jq -cn --arg s "$HEAL_SCRATCH/argrec.sh" '{id: "test.path", title: "t", argv: [$s, "{path}"],
        params: {path: {source: "fact:path", pattern: "^.*$"}}, risk: "low", timeout: "10s",
        auto: true, applies_to: ["test.*"], cooldown: "0s", max_attempts: 100, window: "1h"}' \
        >"$HEAL_CONFIG_DIR/playbook.d/path.json"
}

# proposal_json TARGET PARAM_VALUE_AS_JSON: a proposal for test.path.
proposal_json() {
    printf '{"type":"proposal","v":1,"id":"01M86GTHGQ6CQ643DZVMXXQKFB","ts":"2026-11-24T10:15:03.447Z","host":"h","parent":"01M86GTHG7V37E3S3E28JT97KB","trace":"01M86GTHFMM9S346Q3D25VT4F5","target":%s,"signature":"test.down","candidates":[{"remedy":"test.path","title":"t","risk":"low","source":"playbook","approval":"auto","params":{"path":%s}}]}\n' "$1" "$2"
}

denied_with() { # VALUE_AS_JSON REASON_REGEX
    run --separate-stderr heal-apply --apply <<<"$(proposal_json '"job"' "$1")"
    assert_valid_records
    run jq -r 'select(.type == "outcome") | "\(.action)|\(.reason)"' <<<"$output"
    assert_output --regexp "^denied\|parameter 'path' \(fact 'path'\): value .* $2\$"
    assert_file_not_exists "$HEAL_SCRATCH/args"
}

@test "a fact with path traversal is denied" {
    denied_with '"../../etc/passwd"' "has a '\.\.' path component"
}

@test "facts that look like options are denied: -rf and --foo" {
    denied_with '"-rf"' "starts with '-' \(an option, not a value\)"
    denied_with '"--foo=bar"' "starts with '-' \(an option, not a value\)"
}

@test "facts with shell metacharacters are denied, whatever the pattern allows" {
    local v
    for v in '"$(id)"' '"`id`"' '"a;b"' '"a|b"' '"a&b"' '"a>b"' '"*"' '"~root"'; do
        denied_with "$v" "contains the shell metacharacter '.'"
    done
}

@test "facts with newline, NUL, ANSI escapes or blanks are denied" {
    denied_with '"a\nb"' 'contains a newline'
    denied_with '"abc\u0000../../etc"' 'contains a NUL byte'
    denied_with '"a\u001b[31m"' 'contains a control character'
    denied_with '"a b"' 'contains whitespace'
    denied_with '""' 'is empty'
}

@test "an allowed fact reaches the remedy as one literal argv element" {
    run --separate-stderr heal-apply --apply <<<"$(proposal_json '"job"' '"/var/log/app.log"')"
    assert_valid_records
    run cat "$HEAL_SCRATCH/args"
    assert_output /var/log/app.log
}

@test "target names with traversal stay inside the state directory" {
    local t
    for t in '"../../../../tmp/heal-evil"' '".."' '"."' '"/etc/passwd"' '"a/../../b"'; do
        run --separate-stderr heal-apply --apply <<<"$(proposal_json "$t" '"ok"')"
        assert_valid_records
    done
    assert_file_not_exists /tmp/heal-evil.json
    assert_file_not_exists /tmp/heal-evil.lock
    # Every file heal-apply made is a plain file two levels down in the state directory.
    run find "$HEAL_STATE_DIR" -mindepth 1 -not -path "$HEAL_STATE_DIR/apply/*" \
        -not -path "$HEAL_STATE_DIR/locks/*" -not -name apply -not -name locks \
        -not -name journal.ndjson
    assert_output ''
    run find "$HEAL_STATE_DIR/apply" "$HEAL_STATE_DIR/locks" -mindepth 1 -not -type f
    assert_output ''
    assert_equal "$(find "$HEAL_STATE_DIR/apply" -type f | wc -l)" 5
}

@test "a target holding a NUL byte is bad input, not the target before the NUL" {
    # Regression: "web\u0000x" took the lock and history of "web".
    run --separate-stderr heal-apply --apply <<<"$(proposal_json '"web\u0000x"' '"ok"')"
    assert_equal "$status" 4
    assert_file_not_exists "$HEAL_SCRATCH/args"
    assert_file_not_exists "$HEAL_STATE_DIR/apply/web.json"
    assert_file_not_exists "$HEAL_STATE_DIR/locks/web.lock"
    use_stderr
    assert_output "heal-apply: -:1: proposal without a 'target' or an 'id', or one holding a NUL"
}

@test "a remedy id holding a NUL byte is not the remedy before the NUL" {
    run --separate-stderr heal-apply --apply <<<"$(proposal_json '"job"' '"ok"' |
        sed 's/"remedy":"test.path"/"remedy":"test.path\\u0000x"/')"
    assert_valid_records
    run jq -r 'select(.type == "outcome") | "\(.action)|\(.reason)"' <<<"$output"
    assert_output 'denied|candidate without a remedy id'
    assert_file_not_exists "$HEAL_SCRATCH/args"
}
