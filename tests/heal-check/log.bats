#!/usr/bin/env bats
# The log kind: only lines appended since the last run, across rotation
# and truncation, and --watch reacting to an append at once.
load ../lib/common
load reap

setup() {
    heal_setup
    L=$HEAL_SCRATCH/app.log
}

teardown() {
    end_all_bg
    heal_teardown
}

field() { jq -r "$1" <<<"$output"; }

check_log() { run --separate-stderr heal-check --log "$L:ERROR" "$@"; }

@test "the first run starts at the end: old lines are not news" {
    printf 'ERROR old\nfine\n' >"$L"
    check_log
    assert_success
    assert_valid_records
    [ "$(field .kind)" = log ]
    [ "$(field .evidence.first_run)" = true ]
    [ "$(field .evidence.lines_read)" = 0 ]
}

@test "appended matching lines are reported once, and not again on the next run" {
    printf 'start\n' >"$L"
    check_log
    printf 'ERROR one\nfine\nERROR two\n' >>"$L"
    check_log
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "2 new lines match in $L (of 3 read)" ]
    [ "$(field '.evidence.lines | join("|")')" = "ERROR one|ERROR two" ]
    check_log
    assert_success
    assert_valid_records
    [ "$(field .summary)" = "no new matching lines (0 read)" ]
}

@test "the position survives between runs in the state directory" {
    printf 'start\n' >"$L"
    check_log
    [ "$(ls "$HEAL_STATE_DIR/log-offsets" | wc -l)" -eq 1 ]
    run jq -r '.offset' "$HEAL_STATE_DIR"/log-offsets/*.json
    assert_output 6
}

@test "new lines that do not match are OK and counted" {
    printf 'start\n' >"$L"
    check_log
    printf 'fine\nall good\n' >>"$L"
    check_log
    assert_success
    assert_valid_records
    [ "$(field .summary)" = "no new matching lines (2 read)" ]
}

@test "--from-start reads the whole file on the first run" {
    printf 'ERROR old\nfine\n' >"$L"
    check_log --from-start
    assert_failure 2
    assert_valid_records
    [ "$(field .summary)" = "1 new line matches in $L (of 2 read)" ]
}

@test "rotation is detected: the old file is finished and the new one read from its start" {
    printf 'start\n' >"$L"
    check_log
    printf 'ERROR before rotation\n' >>"$L"
    mv "$L" "$L.1"
    printf 'ERROR in the new file\nfine\n' >"$L"
    check_log
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.rotated)" = true ]
    [ "$(field '.evidence.lines | join("|")')" = "ERROR before rotation|ERROR in the new file" ]
    check_log
    assert_success
}

@test "truncation is detected and the file read from its start" {
    printf 'start\nmore lines here\n' >"$L"
    check_log
    : >"$L"
    printf 'ERROR short\n' >>"$L"
    check_log
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.truncated)" = true ]
    [ "$(field '.evidence.lines[0]')" = "ERROR short" ]
}

@test "a truncated file that grew past the old offset is still read from its start" {
    printf 'start\n' >"$L"
    check_log
    : >"$L"
    printf 'ERROR after truncation, longer than before\n' >>"$L"
    check_log
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.truncated)" = true ]
    [ "$(field '.evidence.lines[0]')" = "ERROR after truncation, longer than before" ]
}

@test "a partial last line waits for its newline" {
    printf 'start\n' >"$L"
    check_log
    printf 'ERROR half' >>"$L"
    check_log
    assert_success
    printf ' and the rest\n' >>"$L"
    check_log
    assert_failure 2
    [ "$(field '.evidence.lines[0]')" = "ERROR half and the rest" ]
}

@test "warn and crit apply to the number of matching lines" {
    printf 'start\n' >"$L"
    check_log --warn 1 --crit 3
    printf 'ERROR a\nERROR b\n' >>"$L"
    check_log --warn 1 --crit 3
    assert_failure 1
    assert_valid_records
    [ "$(field '.perfdata[0].label + " " + (.perfdata[0].value|tostring)')" = "matches 2" ]
}

@test "any of several patterns matches, and a line counts once" {
    printf 'start\n' >"$L"
    printf '{"name":"l","kind":"log","path":"%s","patterns":["ERROR","panic: \\\\w+"]}\n' "$L" \
        >"$HEAL_SCRATCH/checks.json"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    printf 'ERROR panic: boom\npanic: oops\npanic:\n' >>"$L"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.matched)" = 2 ]
}

@test "evidence keeps 50 lines of at most 1 KiB each, as valid UTF-8" {
    printf 'start\n' >"$L"
    check_log
    for i in $(seq 60); do echo "ERROR $i"; done >>"$L"
    # 2000 bytes of 'é' (2 bytes each), then an invalid byte.
    { printf 'ERROR '; for i in $(seq 1000); do printf '\xc3\xa9'; done; printf '\xff\n'; } >>"$L"
    check_log
    assert_failure 2
    assert_valid_records
    [ "$(field .evidence.matched)" = 61 ]
    [ "$(field '.evidence.lines | length')" = 50 ]
    [ "$(field .evidence.lines_omitted)" = 11 ]
    printf 'start\n' >"$L"
    check_log
    { printf 'ERROR '; for i in $(seq 1000); do printf '\xc3\xa9'; done; printf '\xff\n'; } >>"$L"
    check_log
    assert_valid_records
    n=$(jq -j '.evidence.lines[0]' <<<"$output" | wc -c)
    [ "$n" -le 1024 ] && [ "$n" -ge 1020 ]
    jq -j '.evidence.lines[0]' <<<"$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
}

@test "at most 8 MiB is read per run, and the rest on the next" {
    printf 'start\n' >"$L"
    check_log
    { yes 'a line of log that is not interesting' | head -c 9M; echo; } >>"$L"
    echo 'ERROR at the very end' >>"$L"
    check_log
    assert_success
    assert_valid_records
    [ "$(field .evidence.read_cap_hit)" = true ]
    assert_regex "$(field .summary)" "read cap"
    check_log
    assert_failure 2
    [ "$(field '.evidence.lines[0]')" = "ERROR at the very end" ]
}

@test "a missing log is UNKNOWN, and all of it is read once it appears" {
    check_log
    assert_failure 3
    assert_valid_records
    printf 'ERROR first line\n' >"$L"
    check_log
    assert_failure 2
    [ "$(field .evidence.appeared)" = true ]
}

@test "a bad pattern is refused, naming the field" {
    run --separate-stderr heal-check --log "$L:(unclosed"
    assert_failure 3
    use_stderr
    assert_output --partial "field 'patterns'"
}

# watch_log: heal-check --watch on $L with a 60 s interval, records in $OUT.
watch_log() {
    printf '{"name":"l","kind":"log","path":"%s","patterns":["ERROR"],"interval":"60s"}\n' "$L" \
        >"$HEAL_SCRATCH/checks.json"
    start_bg watch heal-check --watch --checks "$HEAL_SCRATCH/checks.json"
    OUT=$HEAL_SCRATCH/bg/watch.out
    wait_for -t 20 grep -q '"status":"ok"' "$OUT"
}

# The waits below are far shorter than the 60 s interval, so passing them
# shows the change was seen as it happened, and far longer than that takes,
# so a loaded sanitizer run does not fail them.
@test "in --watch an appended line is reported at once, not at the interval" {
    printf 'start\n' >"$L"
    watch_log
    echo 'ERROR now' >>"$L"
    wait_for -t 20 grep -q '"status":"critical"' "$OUT"
    end_bg watch
    assert_valid_records "$OUT"
    run cat "$HEAL_SCRATCH/bg/watch.err"
    refute_output --partial Sanitizer
}

@test "in --watch a rotation is followed at once" {
    printf 'start\n' >"$L"
    watch_log
    mv "$L" "$L.1"
    echo 'ERROR in the new file' >"$L"
    wait_for -t 20 grep -q 'ERROR in the new file' "$OUT"
    end_bg watch
    assert_valid_records "$OUT"
}
