#!/usr/bin/env bats
# heal-analyze on plain text: build output and logs, from standard input
# and from files; repeats grouped within the window in the lines' own
# time; benign text, huge lines, bad UTF-8 and CRLF.

load ../lib/common

setup() {
    heal_setup
    # Real messages (tests/fixtures/signatures/core.examples.json).
    CP=$(jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")
    PG=$(jq -r '."disk.full"[1]' "$HEAL_FIXTURES/signatures/core.examples.json")
}

# field FILTER: jq FILTER on each record of $output, raw, one per line.
field() {
    jq -r "$1" <<<"$output"
}

@test "a failure in text on stdin becomes a diagnosis and exits 1" {
    run --separate-stderr heal-analyze <<<"$CP"
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "$(field .signature)" disk.full
    assert_equal "$(field .facts.path)" /var/lib/app/data.bin
    assert_equal "$(field .evidence[0])" "$CP"
    assert_equal "$(field '[.analyzer, .count, .target] | @tsv')" $'catalog\t1\ttext'
    assert_equal "$stderr" ''
}

@test "text is read from each FILE argument, and - is stdin" {
    printf '%s\n' "$CP" >"$HEAL_SCRATCH/one.log"
    printf 'make: Entering directory\n%s\n' "$PG" >"$HEAL_SCRATCH/two.log"
    run --separate-stderr heal-analyze "$HEAL_SCRATCH/one.log" - "$HEAL_SCRATCH/two.log" \
        <<<"$CP"
    assert_failure 1
    assert_valid_records --type diagnosis
    # cp twice (one.log and stdin, grouped), PostgreSQL once
    assert_equal "$(field '[.count, .evidence[0]] | @tsv' | sort)" \
        "$(printf '1\t%s\n2\t%s' "$PG" "$CP")"
}

@test "a FILE that cannot be read is reported, the others are read, and the exit status is 4" {
    printf '%s\n' "$CP" >"$HEAL_SCRATCH/one.log"
    run --separate-stderr heal-analyze "$HEAL_SCRATCH/no-such.log" "$HEAL_SCRATCH/one.log"
    assert_failure 4
    assert_valid_records --type diagnosis
    use_stderr
    assert_output "heal-analyze: $HEAL_SCRATCH/no-such.log: No such file or directory"
}

@test "--text reads a line starting with { as text, which is otherwise a record" {
    # A docker json-file log line holding cp's message.
    local line
    line=$(jq -cn --arg m "$CP" '{log: ($m + "\n"), stream: "stderr", time: "2026-11-29T10:00:01.5Z"}')
    run --separate-stderr heal-analyze --text <<<"$line"
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "$(field .evidence[0])" "$line"
    run --separate-stderr heal-analyze <<<"$line"
    assert_success
    assert_output "$line"
}

@test "repeats within the window are one diagnosis, in the lines' RFC 3339 time" {
    run --separate-stderr heal-analyze --text <<END
2026-11-29T10:00:01Z $CP
2026-11-29T10:00:20.250Z $CP
2026-11-29T11:00:40+01:00 $CP
END
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "${#lines[@]}" 1
    assert_equal "$(field '[.count, .first_seen, .last_seen] | @tsv')" \
        $'3\t2026-11-29T10:00:01.000Z\t2026-11-29T10:00:40.000Z'
    assert_equal "$(field '.evidence | length')" 3
}

@test "nginx and syslog timestamps are the lines' time too" {
    export HEAL_NOW=2026-11-30T00:00:00Z # syslog has no year
    run --separate-stderr heal-analyze <<END
2026/11/29 10:00:01 $CP
2026/11/29 10:00:59 $CP
END
    assert_failure 1
    assert_equal "$(field '[.count, .first_seen, .last_seen] | @tsv')" \
        $'2\t2026-11-29T10:00:01.000Z\t2026-11-29T10:00:59.000Z'
    run --separate-stderr heal-analyze <<END
Nov 29 10:00:01 web1 $CP
Nov 29 10:00:31 web1 $CP
END
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "$(field '[.count, .first_seen, .last_seen] | @tsv')" \
        $'2\t2026-11-29T10:00:01.000Z\t2026-11-29T10:00:31.000Z'
}

@test "repeats further apart than --window are separate diagnoses" {
    run --separate-stderr heal-analyze --window 30s <<END
2026-11-29T10:00:01Z $CP
2026-11-29T10:00:20Z $CP
2026-11-29T10:00:40Z $CP
2026-11-29T10:05:00Z $CP
END
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "$(field '[.count, .first_seen, .last_seen] | @tsv')" "$(printf '%s\n' \
        $'2\t2026-11-29T10:00:01.000Z\t2026-11-29T10:00:20.000Z' \
        $'1\t2026-11-29T10:00:40.000Z\t2026-11-29T10:00:40.000Z' \
        $'1\t2026-11-29T10:05:00.000Z\t2026-11-29T10:05:00.000Z')"
}

@test "the same failure with different facts is two diagnoses, even within the window" {
    run --separate-stderr heal-analyze <<END
2026-11-29T10:00:01Z $CP
2026-11-29T10:00:02Z ${CP//app/other}
END
    assert_failure 1
    assert_equal "$(field .facts.path)" $'/var/lib/app/data.bin\n/var/lib/other/data.bin'
}

@test "benign lines produce nothing and exit 0" {
    run --separate-stderr heal-analyze "$HEAL_FIXTURES/signatures/benign.txt"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
    run --separate-stderr heal-analyze --text --format=text "$HEAL_FIXTURES/signatures/benign.txt"
    assert_success
    assert_output "no known failure found in $(grep -c '' "$HEAL_FIXTURES/signatures/benign.txt") lines"
}

@test "--format=text prints one line per diagnosis with its count" {
    run --separate-stderr heal-analyze --format=text <<END
2026-11-29T10:00:01Z $CP
2026-11-29T10:00:02Z $CP
END
    assert_failure 1
    assert_output --regexp '^critical disk\.full +The filesystem is full: .* \(x2\)$'
}

@test "a 10 MB line is skipped with a warning and the lines after it are read" {
    local mode big=$HEAL_SCRATCH/big.log
    {
        printf '%s\n' "$CP"
        head -c 10000000 /dev/zero | tr '\0' x
        printf '\n%s\n' "$PG"
    } >"$big"
    for mode in --text --format=json; do
        run --separate-stderr heal-analyze "$mode" "$big"
        assert_failure 1
        assert_valid_records --type diagnosis
        assert_equal "${#lines[@]}" 2
        assert_equal "$(field .evidence[0])" "$(printf '%s\n%s' "$CP" "$PG")"
        [ "$stderr" = "heal-analyze: $big:2: warning: line of 10000000 bytes skipped (over 1048576)" ] ||
            fail "$mode: stderr is '$stderr'"
    done
}

@test "invalid UTF-8 in a text line still matches and the records stay valid JSON" {
    local mode
    for mode in --text --format=json; do
        run --separate-stderr heal-analyze "$mode" < <(printf 'build \xff\xfe\xc3: %s\n' "$CP")
        assert_failure 1
        assert_valid_records --type diagnosis
        assert_equal "$(field .facts.path)" /var/lib/app/data.bin
        [[ $(field .evidence[0]) == *"$CP" ]] || fail "$mode: evidence is $(field .evidence)"
    done
}

@test "CRLF input reads as plain lines" {
    local mode
    for mode in --text --format=json; do
        run --separate-stderr heal-analyze "$mode" < <(printf '%s\r\n' \
            "2026-11-29T10:00:01Z $CP" "2026-11-29T10:00:02Z $CP" "All 124 tests passed")
        assert_failure 1
        assert_valid_records --type diagnosis
        assert_equal "$(field '[.count, .last_seen] | @tsv')" $'2\t2026-11-29T10:00:02.000Z'
        assert_equal "$(field .evidence[1])" "2026-11-29T10:00:02Z $CP"
    done
}
