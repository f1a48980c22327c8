#!/usr/bin/env bats
# How heal-analyze turns matches into diagnoses: multi-line failures,
# confidence (heal-signatures(5), Confidence), cascades, and the bound on
# every regex match.  Real output only: tests/fixtures/multiline holds what
# python3, java and go printed.
load ../lib/common

setup() {
    heal_setup
    ML=$HEAL_FIXTURES/multiline
    # A real check record of the record fixtures, to carry text.
    CHECK=$(jq -c 'select(.type == "check" and .status == "critical")' \
        "$HEAL_FIXTURES/records/valid.ndjson")
    # check_tcp's real output for a closed port (nagios-samples).
    REFUSED='connect to address 127.0.0.1 and port 18099: Connection refused'
}

diagnoses() {
    jq -c 'select(.type == "diagnosis")' <<<"$output"
}

@test "a Python traceback is one failure: the exception leads, header and frames are evidence" {
    run --separate-stderr heal-analyze --text "$ML/python-keyerror.txt"
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -r '.signature' <<<"$output")" runtime.python-keyerror
    assert_equal "$(jq -r '.evidence | join("|")' <<<"$output")" \
        "Traceback (most recent call last):|  File \"<string>\", line 3, in <module>|KeyError: 'a'"
}

@test "a Go panic is one failure with its goroutine dump as evidence" {
    run --separate-stderr heal-analyze --text "$ML/go-nil-panic.txt"
    assert_failure 1
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -r '.signature' <<<"$output")" runtime.go-nil-pointer
    assert_equal "$(jq -r '.evidence[2]' <<<"$output")" 'goroutine 1 [running]:'
}

@test "in a Java stack trace the last Caused by leads and the wrapper is its effect" {
    mkdir -p "$HEAL_CONFIG_DIR/signatures.d"
    cat >"$HEAL_CONFIG_DIR/signatures.d/10-wrapper.json" <<'JSON'
[{"id": "runtime.java-wrapper", "category": "runtime", "severity": "warning",
  "patterns": ["Exception in thread \"[^\"]*\" java\\.lang\\.RuntimeException"],
  "literals": ["java.lang.RuntimeException"], "summary": "a wrapped exception",
  "multiline": "java-exception"}]
JSON
    run --separate-stderr heal-analyze --text "$ML/java-caused-by.txt"
    assert_failure 1
    assert_valid_records --type diagnosis
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -r '[.signature, .related[0].signature, .related[0].role] | @tsv' \
        <<<"$output")" "$(printf 'network.java-connect-refused\truntime.java-wrapper\teffect')"
    assert_equal "$(jq -r '.evidence[0]' <<<"$output")" \
        'Exception in thread "main" java.lang.RuntimeException: wrapper'
}

@test "a check whose own kind agrees with the diagnosis gains 0.10 confidence" {
    local base agreed
    run --separate-stderr heal-analyze <<<"$(jq -c --arg m "$REFUSED" \
        '.kind = "exec" | .summary = $m | .output = "" | .evidence = {}' <<<"$CHECK")"
    base=$(diagnoses | jq -r .confidence)
    run --separate-stderr heal-analyze <<<"$(jq -c --arg m "$REFUSED" \
        '.kind = "tcp" | .summary = $m | .output = "" | .evidence = {}' <<<"$CHECK")"
    agreed=$(diagnoses | jq -r .confidence)
    assert_equal "$base" 0.75
    assert_equal "$agreed" 0.85
}

@test "another line of the same category adds 0.05, and the total stays at most 0.99" {
    # The plugin's summary, and the same refusal again in its long output.
    run --separate-stderr heal-analyze <<<"$(jq -c --arg m "$REFUSED" \
        '.kind = "exec" | .summary = $m | .output = "retry: " + $m | .evidence = {}' <<<"$CHECK")"
    assert_valid_records
    assert_equal "$(diagnoses | jq -r '[.signature, .confidence] | @tsv')" \
        "$(printf 'network.connection-refused\t0.8')"
    run --separate-stderr heal-analyze <<<"$(jq -c --arg m "$REFUSED" \
        '.kind = "tcp" | .summary = $m | .output = ([range(5)] | map("retry: " + $m) | join("\n"))
         | .evidence = {}' <<<"$CHECK")"
    assert_equal "$(diagnoses | jq -r .confidence)" 0.95
}

@test "repeats in text add 0.02 per doubling of the count" {
    local line
    line=$(jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")
    run --separate-stderr heal-analyze --text <<<"$(printf '%s\n' "$line" "$line" "$line" "$line")"
    assert_equal "$(jq -r '[.count, .confidence] | @tsv' <<<"$output")" "$(printf '4\t0.94')"
}

@test "a full disk and the HTTP errors after it are linked as cause and effect" {
    mkdir -p "$HEAL_CONFIG_DIR/signatures.d"
    # nginx's real 500 access-log wording is not in the catalog; a drop-in adds it.
    cat >"$HEAL_CONFIG_DIR/signatures.d/20-http.json" <<'JSON'
[{"id": "http.app-500", "category": "http", "severity": "critical",
  "patterns": ["\" 500 \\d+ "], "literals": ["\" 500 "], "summary": "the app answered 500"}]
JSON
    run --separate-stderr heal-analyze --text <<'TEXT'
2026-11-29T10:00:00.000Z cp: error writing '/var/lib/app/data.bin': No space left on device
2026-11-29T10:00:02.000Z 127.0.0.1 - - [29/Nov/2026:10:00:02 +0000] "GET /api HTTP/1.1" 500 177 "-" "curl/7.88.1"
TEXT
    assert_valid_records --type diagnosis
    assert_equal "$(jq -r 'select(.signature == "http.app-500") | .related[0] |
        [.signature, .role] | @tsv' <<<"$output")" "$(printf 'disk.full\tcause')"
    assert_equal "$(jq -r 'select(.signature == "disk.full") | .related' <<<"$output")" null
}

@test "failures that merely happen together are not linked" {
    run --separate-stderr heal-analyze --text "$ML/python-keyerror.txt" "$ML/go-nil-panic.txt" <(
        jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")
    assert_equal "$(jq -s 'map(.related) | map(select(. != null)) | length' <<<"$output")" 0
}

@test "a pathological regex gives up on a hostile line instead of stalling the stream" {
    mkdir -p "$HEAL_CONFIG_DIR/signatures.d"
    cat >"$HEAL_CONFIG_DIR/signatures.d/30-slow.json" <<'JSON'
[{"id": "runtime.slow", "category": "runtime", "severity": "info",
  "patterns": ["(a+)+$"], "literals": ["aaaa"], "summary": "slow"}]
JSON
    run --separate-stderr timeout 10 heal-analyze --text <<<"$(printf 'a%.0s' {1..50})b
$(jq -r '."disk.full"[0]' "$HEAL_FIXTURES/signatures/core.examples.json")"
    assert_failure 1
    assert_equal "$(jq -r .signature <<<"$output")" disk.full
}
