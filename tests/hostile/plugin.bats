#!/usr/bin/env bats
# Hostile plugin output, labels and check names: escapes, NUL, invalid
# UTF-8 and metacharacters in the summary, the perfdata and the labels
# stay inert text in valid records; a check name never leaves the state
# directory; no escape reaches a terminal raw.

load ../lib/common
load lib

setup() {
    heal_setup
    rm -f /tmp/heal-pwned
    # Escapes, a NUL, an invalid byte and a hostile perfdata label and thresholds.
    printf '#!/bin/sh\nprintf "CRITICAL \\033[31m\\000 \\377 \\$(touch /tmp/heal-pwned) | \\047\\033[2J\\047=5;\\033;\\000 x=1\\n\\033]0;title\\007long\\n"\nexit 2\n' \
        >"$HEAL_SCRATCH/evil.sh"
    chmod 0755 "$HEAL_SCRATCH/evil.sh"
}

@test "hostile plugin output is valid, inert text in the record" {
    run --separate-stderr heal-check --exec "$HEAL_SCRATCH/evil.sh"
    assert_equal "$status" 2
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 1
    jq -e '.status == "critical" and (.perfdata | length) == 2
           and (.summary | startswith("CRITICAL \u001b[31m"))' <<<"$output"
    assert_file_not_exists /tmp/heal-pwned
}

@test "hostile plugin output never reaches a terminal raw" {
    on_terminal heal-check --exec "$HEAL_SCRATCH/evil.sh" -v
    assert_output --partial CRITICAL
    refute_raw_escape
    on_terminal heal-loop --once --checks=/dev/stdin --format=text < <(jq -cn \
        --arg s "$HEAL_SCRATCH/evil.sh" '{name: "evil", kind: "exec", command: [$s], max_attempts: 1}')
    refute_raw_escape
}

@test "a command's words are never given to a shell" {
    run --separate-stderr heal-check --exec '/bin/echo $(touch /tmp/heal-pwned); `id` && reboot'
    assert_success
    assert_valid_records --type check
    run jq -r .summary <<<"$output"
    assert_output '$(touch /tmp/heal-pwned); `id` && reboot'
    assert_file_not_exists /tmp/heal-pwned
}

@test "a plugin printing one 10 MB line is capped, and says so" {
    run --separate-stderr heal-check --exec "$HEAL_PYTHON -c 'print(\"\\x1b[31m\" * 2000000)'"
    assert_valid_records --type check
    jq -e '.evidence.output_truncated and (.summary | length) <= 8192' <<<"$output"
    [ "${#output}" -lt 1048576 ]
}

@test "hostile labels pass through as inert strings and stay off the terminal" {
    run --separate-stderr heal-check --exec /bin/true --label $'k=\033[31mv\377' \
        --label 'path=../../etc/passwd' --label 'x=$(touch /tmp/heal-pwned)' --label 'opt=-rf'
    assert_success
    assert_valid_records --type check
    run jq -c '.labels | [.path, .x, .opt]' <<<"$output"
    assert_output '["../../etc/passwd","$(touch /tmp/heal-pwned)","-rf"]'
    on_terminal heal-check --exec /bin/true --name $'n\033[31m' --label $'k=\033[31mv'
    refute_raw_escape
    assert_file_not_exists /tmp/heal-pwned
}

@test "check names with traversal, newlines and NUL-free escapes keep their state inside the state directory" {
    local n
    for n in '../../../../tmp/heal-evil' '..' '.' '/etc/passwd' $'a\nb' $'c\033[31m' '-rf' '--foo'; do
        run --separate-stderr heal-check --exec /bin/false --name "$n"
        assert_equal "$status" 1
        assert_valid_records --type check
        run jq -r .name <<<"$output"
        assert_output "$n"
    done
    assert_file_not_exists /tmp/heal-evil.json
    run find "$HEAL_STATE_DIR" -mindepth 1 -not -path "$HEAL_STATE_DIR/checks/*" -not -name checks
    assert_output ''
    run find "$HEAL_STATE_DIR/checks" -mindepth 1 -not -type f
    assert_output ''
    assert_equal "$(find "$HEAL_STATE_DIR/checks" -type f | wc -l)" 8
    # Each keeps its own state: a second run is attempt 2 for every one of them.
    for n in '../../../../tmp/heal-evil' '..' '.' $'a\nb'; do
        run --separate-stderr heal-check --exec /bin/false --name "$n"
        assert_equal "$(jq -r .attempt <<<"$output")" 2
    done
}

@test "heal-loop status on a terminal shows no raw escape from a check's name" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg s "$HEAL_SCRATCH/evil.sh" '{name: "w\u001b[31mX\u0007", kind: "exec",
        command: [$s], max_attempts: 1}' >"$HEAL_CONFIG_DIR/checks.d/w.json"
    run --separate-stderr heal-loop --once --format=json
    assert_valid_records
    on_terminal heal-loop status
    assert_line --regexp '^w\?\[31mX\? +CRITICAL '
    refute_raw_escape
}

@test "labels too big for a record are refused at load, by file and line; the other checks run" {
    # Regression: a 10 MB label made a 10 MB check record, which every later stage refused.
    "$HEAL_PYTHON" -c 'import json
print(json.dumps({"name": "big", "kind": "exec", "command": ["/bin/true"], "labels": {"x": "y" * 10485760}}))
print(json.dumps({"name": "ok", "kind": "exec", "command": ["/bin/true"]}))
print(json.dumps({"name": "t", "target": "t" * 300, "kind": "exec", "command": ["/bin/true"]}))' \
        >"$HEAL_SCRATCH/checks.json"
    run --separate-stderr heal-check --checks="$HEAL_SCRATCH/checks.json"
    assert_equal "$status" 3
    assert_valid_records --type check
    run jq -r .name <<<"$output"
    assert_output ok
    use_stderr
    assert_line "heal-check: $HEAL_SCRATCH/checks.json:1: check 'big': labels hold 10485761 bytes, over the cap of 16384"
    assert_line "heal-check: $HEAL_SCRATCH/checks.json:3: check 't': field 'target' must be 1 to 200 bytes"
}
