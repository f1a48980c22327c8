#!/usr/bin/env bats
# The file kind: existence, age and size of a real file.
load ../lib/common

setup() {
    heal_setup
    F=$HEAL_SCRATCH/data.txt
}

teardown() { heal_teardown; }

field() { jq -r "$1" <<<"$output"; }

# checks_file PIECE...: writes the pieces, joined, as one definition; prints the file.
checks_file() {
    printf '%s' "$@" >"$HEAL_SCRATCH/checks.json"
    echo >>"$HEAL_SCRATCH/checks.json"
    echo "$HEAL_SCRATCH/checks.json"
}

@test "an existing file is OK, with its size, mtime, mode and owner as evidence" {
    printf '%2000s' x >"$F"
    chmod 0640 "$F"
    run --separate-stderr heal-check --file "$F"
    assert_success
    assert_valid_records
    [ "$(field .kind)" = file ]
    [ "$(field .evidence.size)" = 2000 ]
    [ "$(field .evidence.mode)" = 0640 ]
    [ "$(field .evidence.owner)" = "$(id -un)" ]
    [ "$(field .evidence.type)" = file ]
    [ "$(field .evidence.mtime)" = "$(date -u -r "$F" +%Y-%m-%dT%H:%M:%S.%3NZ)" ]
    assert_regex "$(field .summary)" "^$F is 2K, modified [0-9]+s ago\$"
}

@test "a missing file is CRITICAL" {
    run --separate-stderr heal-check --file "$F"
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "$F does not exist" ]
    [ "$(field .evidence.exists)" = false ]
}

@test "with must_exist false a missing file is OK and a present one CRITICAL" {
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\",\"must_exist\":false}")"
    assert_success
    assert_valid_records
    : >"$F"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "$F exists but must not" ]
}

@test "age_warn and age_crit are durations the file must not be older than" {
    : >"$F"
    touch -d '2 hours ago' "$F"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\"," \
        "\"age_warn\":\"1h\",\"age_crit\":\"3h\"}")"
    assert_failure 1
    assert_valid_records
    assert_regex "$(field .summary)" "^$F is 0B, modified 2h([0-9]+s)? ago; age outside ~:3600 s\$"
    touch -d '4 hours ago' "$F"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    touch "$F"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_success
}

@test "warn and crit are ranges on the age in seconds, as check_file_age's" {
    : >"$F"
    touch -d '10 minutes ago' "$F"
    run --separate-stderr heal-check --file "$F" --warn 300 --crit 3600
    assert_failure 1
    assert_valid_records
    [ "$(field '.perfdata[] | select(.label == "age") | .warn')" = 300 ]
}

@test "the clock is heal's: HEAL_NOW ages a file without touching it" {
    : >"$F"
    HEAL_NOW=$(($(date +%s) + 7200)) run --separate-stderr heal-check --file "$F" --crit 3600
    assert_failure 2
    assert_valid_records
}

@test "size_warn and size_crit are ranges on bytes, and take sizes such as 1K" {
    printf '%2000s' x >"$F"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\"," \
        "\"size_warn\":1000,\"size_crit\":\"10K\"}")"
    assert_failure 1
    assert_valid_records
    assert_regex "$(field .summary)" "^$F is 2K, modified [0-9]+s ago; size outside 1000 B\$"
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\",\"size_crit\":\"1K\"}")"
    assert_failure 2
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\",\"size_crit\":\"1:\"}")"
    assert_success
    : >"$F"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
}

@test "age_warn and warn together are refused" {
    run --separate-stderr heal-check --checks "$(checks_file \
        "{\"name\":\"f\",\"kind\":\"file\",\"path\":\"$F\",\"age_warn\":\"1h\",\"warn\":60}")"
    assert_failure 3
    use_stderr
    assert_output --partial "field 'age_warn'"
}
