#!/usr/bin/env bats
# playbook.d: drop-ins override or disable built-ins by id; a bad entry is
# reported as FILE:LINE: remedy 'id': reason, and the rest still loads.

load ../lib/common

setup() {
    heal_setup
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    F=$HEAL_CONFIG_DIR/playbook.d/50-local.json
}

@test "bad entries are reported precisely and the good ones still load" {
    cat >"$F" <<'JSON'
{"id": "good.one", "title": "Good", "argv": ["true"], "risk": "low"}
{"id": "bad.field", "title": "T", "argv": ["true"], "risk": "low", "colour": "red"}
{"id": "bad.risk", "title": "T", "argv": ["true"], "risk": "extreme"}
{"id": "bad.pattern", "title": "T", "argv": ["x", "{v}"], "risk": "low", "params": {"v": {"source": "label:v", "pattern": "^([a-z]+$"}}}
{"id": "bad.placeholder", "title": "T", "argv": ["x", "{unit}"], "risk": "low"}
{"id": "good.one", "title": "Again", "argv": ["true"], "risk": "low"}
JSON
    run --separate-stderr heal-propose --list --format=json
    assert_equal "$status" 4
    run jq -r .id <<<"$output"
    assert_line good.one
    assert_line service.restart
    refute_line --partial bad.
    use_stderr
    assert_line "heal-propose: $F:2: remedy 'bad.field': unknown field 'colour'"
    assert_line "heal-propose: $F:3: remedy 'bad.risk': risk must be low, medium or high, not 'extreme'"
    assert_line "heal-propose: $F:4: remedy 'bad.pattern': parameter 'v': pattern: missing closing parenthesis at offset 9"
    assert_line "heal-propose: $F:5: remedy 'bad.placeholder': argv[1]: placeholder '{unit}' names no declared parameter"
    assert_line "heal-propose: $F:6: remedy 'good.one': duplicate id (first at $F:1); ignored"
    assert_equal "${#lines[@]}" 5
}

@test "a drop-in overrides a built-in by id and disables another" {
    cat >"$F" <<'JSON'
{"id": "service.restart", "title": "Restart, the local way", "argv": ["/usr/local/sbin/restart", "{unit}"], "risk": "high", "params": {"unit": {"source": "label:unit", "pattern": "^[a-z]+$"}}, "applies_to": ["service.*"]}
{"id": "service.reload", "disabled": true}
JSON
    run --separate-stderr heal-propose --list --format=json
    assert_success
    run jq -r '"\(.id) \(.title) \(.from)"' <<<"$output"
    assert_line "service.restart Restart, the local way $F:1"
    refute_line --partial service.reload
}

@test "a playbook file writable by others is refused, naming it" {
    echo '{"id": "x", "title": "T", "argv": ["true"], "risk": "low"}' >"$F"
    chmod 0666 "$F"
    run --separate-stderr heal-propose --list --format=json
    assert_equal "$status" 4
    use_stderr
    assert_output --partial "$F"
    assert_output --partial "refused: writable by group or others"
}

@test "--playbook loads one more file over the drop-ins" {
    echo '{"id": "extra.one", "title": "Extra", "argv": ["true"], "risk": "low"}' \
        >"$HEAL_SCRATCH/extra.json"
    run --separate-stderr heal-propose --list --format=json --playbook "$HEAL_SCRATCH/extra.json"
    assert_success
    run jq -r .id <<<"$output"
    assert_line extra.one
}
