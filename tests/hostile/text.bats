#!/usr/bin/env bats
# Hostile log lines, through the log check and through heal-analyze --text:
# shell metacharacters, option look-alikes, path traversal, ANSI escapes,
# NUL, invalid UTF-8, CR and a 10 MB line.  Every record stays one valid
# line, nothing is executed, and no escape reaches a terminal raw.

load ../lib/common
load lib

setup() {
    heal_setup
    rm -f /tmp/heal-pwned
    : >"$HEAL_SCRATCH/app.log"
    heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app >/dev/null
}

@test "the log check keeps hostile lines as inert, valid evidence" {
    hostile_lines >>"$HEAL_SCRATCH/app.log"
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_equal "$status" 2
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 1
    run jq -r '.evidence.lines | length' <<<"$output"
    assert_output 7
    assert_file_not_exists /tmp/heal-pwned
}

@test "the log check caps a 10 MB line and goes on with the next" {
    { big_line 10485760 'ERROR big '; echo 'ERROR after'; } >>"$HEAL_SCRATCH/app.log"
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_equal "$status" 2
    assert_valid_records --type check
    [ "${#output}" -lt 1048576 ]
    # Each evidence line is cut to 1 KiB.
    jq -e '.evidence.lines | all(length <= 1024)' <<<"$output"
    # What the 8 MiB read cap left is read on the next run, and the line after it matches.
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_valid_records --type check
    jq -e '.evidence.lines | any(. == "ERROR after")' <<<"$output"
}

@test "the log check on a terminal shows no raw escape from the log" {
    hostile_lines >>"$HEAL_SCRATCH/app.log"
    on_terminal heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app -v
    assert_output --partial 'CRITICAL'
    refute_raw_escape
}

@test "heal-analyze --text: hostile lines become valid diagnoses and nothing runs" {
    hostile_lines | sed 's/^ERROR/No space left on device:/' >"$HEAL_SCRATCH/in"
    run --separate-stderr heal-analyze --text --window=1h "$HEAL_SCRATCH/in"
    assert_equal "$status" 1
    assert_valid_records --type diagnosis
    run jq -r '[.signature, .count] | join(" ")' <<<"$output"
    assert_output 'disk.full 7'
    assert_file_not_exists /tmp/heal-pwned
}

@test "heal-analyze --text on a terminal shows no raw escape, with --explain too" {
    hostile_lines | sed 's/^ERROR/No space left on device:/' >"$HEAL_SCRATCH/in"
    on_terminal heal-analyze --text --explain "$HEAL_SCRATCH/in"
    assert_output --partial 'disk.full'
    refute_raw_escape
    on_terminal heal-analyze --text --format=text "$HEAL_SCRATCH/in"
    refute_raw_escape
}

@test "heal-analyze --text: a 10 MB line full of escapes is skipped with one warning" {
    { "$HEAL_PYTHON" -c 'import sys; sys.stdout.buffer.write(b"\x1b[31m" * 2000000 + b" No space left on device\n")'
      echo 'No space left on device: /var after'; } >"$HEAL_SCRATCH/in"
    run --separate-stderr heal-analyze --text "$HEAL_SCRATCH/in"
    assert_valid_records --type diagnosis
    use_stderr
    assert_output --regexp "^heal-analyze: $HEAL_SCRATCH/in:1: warning: line of [0-9]+ bytes skipped \(over 1048576\)$"
}

@test "the rest of a line cut by the 8 MiB read cap is not matched as a line of its own" {
    # Regression: the next run matched "xxx ERROR tail", a fragment, as a new line.
    { "$HEAL_PYTHON" -c 'import sys; sys.stdout.write("INFO " + "x" * 8388608 + " ERROR tail\n")'
      echo 'ERROR after'; } >>"$HEAL_SCRATCH/app.log"
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_success
    jq -e '.evidence.lines_read == 1 and .evidence.matched == 0' <<<"$output"
    run --separate-stderr heal-check --log "$HEAL_SCRATCH/app.log:ERROR" --name app
    assert_valid_records --type check
    run jq -c '[.evidence.matched, .evidence.lines]' <<<"$output"
    assert_output '[1,["ERROR after"]]'
}
