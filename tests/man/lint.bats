#!/usr/bin/env bats
# Every manual page is mdoc(7) that mandoc and groff accept without a word.

load ../lib/common

pages() {
    local p
    for p in "$HEAL_ROOT"/man/*.[1-8]; do
        [ -e "$p" ] && echo "$p"
    done
}

@test "there are manual pages to check" {
    run pages
    assert_success
    assert_line "$HEAL_ROOT/man/heal.7"
    assert_line "$HEAL_ROOT/man/heal-records.5"
}

@test "every manual page passes mandoc -Tlint -W warning silently" {
    local p out bad=
    while read -r p; do
        out=$(mandoc -Tlint -W warning "$p" 2>&1) || true
        [ -z "$out" ] || bad+="$out"$'\n'
    done < <(pages)
    [ -z "$bad" ] || fail "$bad"
}

@test "every manual page formats with groff -ww without a warning" {
    local p out bad=
    while read -r p; do
        out=$(groff -ww -z -mandoc "$p" 2>&1) || bad+="$p: groff failed"$'\n'
        [ -z "$out" ] || bad+="$p: $out"$'\n'
    done < <(pages)
    [ -z "$bad" ] || fail "$bad"
}

@test "every manual page opens with NAME, SYNOPSIS, DESCRIPTION and has EXAMPLES before SEE ALSO" {
    local p secs bad=
    while read -r p; do
        secs=$(sed -n 's/^\.Sh //p' "$p" | tr '\n' '|')
        case $secs in
            "NAME|SYNOPSIS|DESCRIPTION|"*"EXAMPLES|SEE ALSO|"*) ;;
            *) bad+="${p##*/}: sections are $secs"$'\n' ;;
        esac
    done < <(pages)
    [ -z "$bad" ] || fail "$bad"
}

@test "the record lines in heal-records(5) EXAMPLES are valid records" {
    local page=$HEAL_ROOT/man/heal-records.5
    output=$(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" | grep '^{')
    assert_valid_records
    # the chain is complete: one record of each type
    for t in check diagnosis proposal outcome event; do
        assert_output --partial "{\"type\":\"$t\""
    done
}

@test "the jq examples in heal-records(5) run on its example records" {
    local page=$HEAL_ROOT/man/heal-records.5
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" | grep '^{' >"$HEAL_SCRATCH/records.ndjson"
    cd "$HEAL_SCRATCH"
    run jq -c 'select(.type == "check" and .status != "ok")' records.ndjson
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_output --partial '"status":"critical"'
    run jq -c 'select(.trace == "01M86GTHFMM9S346Q3D25VT4F5")' records.ndjson
    assert_equal "${#lines[@]}" 4
    run bash -c "jq -r 'select(.type == \"diagnosis\") | .signature' records.ndjson |
        sort | uniq -c | sort -rn"
    assert_success
    assert_output --regexp '^ +1 network\.conn_refused$'
}

@test "the jq examples in heal-records(5) are the ones tested here" {
    local page=$HEAL_ROOT/man/heal-records.5
    grep -qF "jq -c 'select(.type == \"check\" and .status != \"ok\")' records.ndjson" "$page"
    grep -qF "jq -c 'select(.trace == \"01M86GTHFMM9S346Q3D25VT4F5\")' records.ndjson" "$page"
    grep -qF "jq -r 'select(.type == \"diagnosis\") | .signature' records.ndjson |" "$page"
}
