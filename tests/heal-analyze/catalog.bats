#!/usr/bin/env bats
# The signature catalog: --list, the drop-ins of signatures.d, overriding
# and disabling built-ins by id, and precise reports of bad entries that
# leave the rest of the catalog working.

load ../lib/common

setup() {
    heal_setup
    CP=$(jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")
    DROPINS=$HEAL_CONFIG_DIR/signatures.d
    mkdir -p "$DROPINS"
}

# sig_d NAME LINE...: writes a signatures.d drop-in, one LINE per line, mode 0644.
sig_d() {
    local name=$1
    shift
    printf '%s\n' "$@" >"$DROPINS/$name"
    chmod 0644 "$DROPINS/$name"
}

# builtins: id, category, severity and description of every built-in
# signature, tab-separated, from data/signatures-*.json themselves.
builtins() {
    local f
    for f in "$HEAL_ROOT"/data/signatures-*.json; do
        grep -v '^[[:space:]]*#' "$f"
    done | jq -r '.[] | [.id, .category, .severity, .description] | @tsv'
}

# A good drop-in signature; the message is cp's, the id and summary ours.
GOOD='{"id": "disk.full_copy", "category": "disk", "severity": "warning", "patterns": ["cp: error writing .*: No space left on device"], "literals": ["cp: error writing"], "summary": "cp ran out of space", "confidence": 0.95}'

# still_works: the built-in disk.full and the good drop-in both still load
# and analysis still runs.
still_works() {
    run --separate-stderr heal-analyze --list --format=json
    assert_line --partial '"id":"disk.full"'
    assert_line --partial '"id":"disk.full_copy"'
    run --separate-stderr heal-analyze --text <<<"$CP"
    assert_failure 4 # diagnosed, and the bad entry is counted
    assert_valid_records --type diagnosis
    assert_equal "$(jq -r .signature <<<"$output")" disk.full_copy
}

@test "--list on a pipe prints every built-in signature as a JSON line" {
    local n
    run --separate-stderr heal-analyze --list
    assert_success
    assert_equal "$stderr" ''
    n=$(builtins | wc -l)
    [ "$n" -ge 1 ] || fail "no built-in signatures found in data/"
    assert_equal "${#lines[@]}" "$n"
    assert_equal "$(jq -r '[.id, .category, .severity, .description] | @tsv' <<<"$output")" \
        "$(builtins)"
}

@test "--list --format=text prints every built-in signature as an aligned table" {
    run --separate-stderr heal-analyze --list --format=text
    assert_success
    assert_equal "${#lines[@]}" "$(builtins | wc -l)"
    # One row per signature: its fields in order, columns apart, every character of the
    # description literal ([] () . etc.).  One pass: a bats assert per row took 16 s.
    run "$HEAL_PYTHON" -c '
import re, sys
rows = set(open(sys.argv[1]).read().splitlines())
missing = []
for spec in sys.stdin.read().splitlines():
    fields = spec.split("\t")
    pattern = re.compile(r" +".join(re.escape(f) for f in fields[:3]) + r" +" + re.escape(fields[3]))
    if not any(pattern.fullmatch(r) for r in rows):
        missing.append(spec)
print("\n".join(missing))' <(printf '%s\n' "${lines[@]}") < <(builtins)
    assert_success
    assert_output ''
}

@test "an invalid regex in signatures.d is reported with file, line, id and offset" {
    sig_d 10-mine.json "$GOOD" \
        '{"id": "build.bad_regex", "category": "build", "severity": "warning", "patterns": ["error: (?<file>[^:]+"], "literals": ["error: "], "summary": "x"}'
    run --separate-stderr heal-analyze --list
    assert_failure 4
    use_stderr
    assert_output "heal-analyze: $DROPINS/10-mine.json:2: signature 'build.bad_regex': pattern 1: missing closing parenthesis at offset 20"
    still_works
}

@test "a duplicate id within signatures.d is reported with both places" {
    sig_d 10-mine.json "$GOOD"
    sig_d 20-again.json "$GOOD"
    run --separate-stderr heal-analyze --list
    assert_failure 4
    assert_equal "$(grep -c disk.full_copy <<<"$output")" 1
    use_stderr
    assert_output "heal-analyze: $DROPINS/20-again.json:1: signature 'disk.full_copy': duplicate id (first at $DROPINS/10-mine.json:1); ignored"
    still_works
}

@test "an unknown category is reported" {
    sig_d 10-mine.json "$GOOD" \
        '{"id": "hardware.fan", "category": "hardware", "severity": "warning", "patterns": ["fan"], "literals": ["fan"], "summary": "x"}'
    run --separate-stderr heal-analyze --list
    assert_failure 4
    use_stderr
    assert_output "heal-analyze: $DROPINS/10-mine.json:2: signature 'hardware.fan': unknown category 'hardware'"
    still_works
}

@test "an unknown field is reported" {
    sig_d 10-mine.json "$GOOD" \
        '{"id": "build.typo", "category": "build", "severity": "warning", "patterns": ["x"], "literals": ["x"], "summary": "x", "sumary": "y"}'
    run --separate-stderr heal-analyze --list
    assert_failure 4
    use_stderr
    assert_output "heal-analyze: $DROPINS/10-mine.json:2: signature 'build.typo': unknown field 'sumary'"
    still_works
}

@test "a signature without a usable literal is reported, not silently dead" {
    sig_d 10-mine.json "$GOOD" \
        '{"id": "build.none", "category": "build", "severity": "warning", "patterns": ["x"], "literals": [], "summary": "x"}' \
        '{"id": "build.newline", "category": "build", "severity": "warning", "patterns": ["x"], "literals": ["x", "a\nb"], "summary": "x"}'
    run --separate-stderr heal-analyze --list
    assert_failure 4
    use_stderr
    assert_line "heal-analyze: $DROPINS/10-mine.json:2: signature 'build.none': needs at least one literal"
    assert_line "heal-analyze: $DROPINS/10-mine.json:3: signature 'build.newline': literal 2 must be a non-empty string without a newline"
    still_works
}

@test "a drop-in with the id of a built-in replaces it" {
    sig_d 50-disk.json \
        '{"id": "disk.full", "category": "disk", "severity": "warning", "patterns": ["error writing (?<file>.*): No space left on device"], "literals": ["No space left on device"], "summary": "no room for {file}"}'
    run --separate-stderr heal-analyze --list --format=text
    assert_success
    assert_equal "$(grep -c '^disk\.full ' <<<"$output")" 1
    run --separate-stderr heal-analyze --text <<<"$CP"
    assert_failure 1
    assert_equal "$stderr" ''
    assert_equal "$(jq -r '[.signature, .severity, .summary] | @tsv' <<<"$output")" \
        $'disk.full\twarning\tno room for \'/var/lib/app/data.bin\''
}

@test "{\"id\": \"disk.full\", \"disabled\": true} turns the built-in off" {
    sig_d 50-off.json '{"id": "disk.full", "disabled": true}'
    run --separate-stderr heal-analyze --list
    assert_success
    refute_output --partial '"id":"disk.full"'
    run --separate-stderr heal-analyze --text <<<"$CP"
    assert_success
    assert_output ''
    assert_equal "$stderr" ''
}

@test "a group-writable signatures.d file is refused with its name, the rest still loads" {
    sig_d 10-mine.json "$GOOD"
    sig_d 20-open.json '{"id": "disk.full", "disabled": true}'
    chmod g+w "$DROPINS/20-open.json"
    run --separate-stderr heal-analyze --list
    assert_failure 4
    assert_line --partial '"id":"disk.full"' # the refused file did not disable it
    use_stderr
    assert_output --partial "heal-analyze: $DROPINS/20-open.json: refused: writable by group or others"
    still_works
}
