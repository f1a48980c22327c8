#!/usr/bin/env bats
# Checks whose programs misbehave: one that never ends, one that prints
# 100 MB, one that leaves a grandchild holding its output pipe.  heal-check
# answers on time, in bounded memory, and the other checks are not delayed.

load ../lib/common
load lib

setup() {
    heal_setup
}

teardown() {
    heal_teardown
    [ ! -s "$HEAL_SCRATCH/grandchild.pid" ] || kill "$(<"$HEAL_SCRATCH/grandchild.pid")" 2>/dev/null || true
}

@test "a check that hangs forever is CRITICAL at its timeout and the others are not delayed" {
    cat >"$HEAL_SCRATCH/checks.json" <<'JSON'
{"name": "hang", "kind": "exec", "command": ["/bin/sleep", "100017"], "timeout": "1s"}
{"name": "quick1", "kind": "exec", "command": ["/bin/echo", "OK - one"]}
{"name": "quick2", "kind": "exec", "command": ["/bin/echo", "OK - two"]}
JSON
    start=$EPOCHREALTIME
    run --separate-stderr heal-check --checks="$HEAL_SCRATCH/checks.json"
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_equal "$status" 2
    assert_valid_records --type check
    # The quick ones come first, while the hung one is still waiting.
    run jq -r '[.name, .status, .summary, .evidence.timed_out // false] | join("|")' <<<"$output"
    assert_line --index 0 --regexp '^quick[12]\|ok\|OK - (one|two)\|false$'
    assert_line --index 1 --regexp '^quick[12]\|ok\|OK - (one|two)\|false$'
    assert_line --index 2 'hang|critical|Plugin timed out after 1 seconds|true'
    # Bounded by the timeout, not by sleep's 100000 s (generous for the sanitizer build).
    [ "$(bc <<<"$elapsed < 8")" = 1 ] || fail "took ${elapsed}s"
    run pgrep -f "^/bin/sleep 100017$"
    assert_failure
}

@test "a plugin that prints 100 MB: output capped and said so, memory bounded" {
    run --separate-stderr /usr/bin/time -f 'maxrss_kb=%M' -o "$HEAL_SCRATCH/time" \
        heal-check --exec "/bin/sh -c 'head -c 104857600 /dev/zero | tr \\\\0 x; echo; exit 1'" \
        --timeout=60s
    assert_equal "$status" 1
    assert_valid_records --type check
    jq -e '.status == "warning" and .evidence.output_truncated == true
           and (.summary | length) <= 8192' <<<"$output"
    # One line of at most the record cap.
    assert_equal "${#lines[@]}" 1
    [ "${#output}" -lt 1048576 ]
    rss=$(sed -n 's/^maxrss_kb=//p' "$HEAL_SCRATCH/time")
    echo "max RSS: $rss KiB" >&3
    # 100 MB went by; a few MiB stayed (the sanitizer build's shadow memory included).
    [ "$rss" -lt 98304 ] || fail "max RSS $rss KiB"
}

@test "a grandchild left holding the pipe does not hang heal-check" {
    cat >"$HEAL_SCRATCH/leave.sh" <<EOF
#!/bin/sh
sleep 100018 &
echo \$! >$HEAL_SCRATCH/grandchild.pid
echo "OK - parent done"
exit 0
EOF
    chmod 0755 "$HEAL_SCRATCH/leave.sh"
    start=$EPOCHREALTIME
    run --separate-stderr heal-check --exec "$HEAL_SCRATCH/leave.sh" --timeout=30s
    elapsed=$(bc <<<"$EPOCHREALTIME - $start")
    assert_success
    assert_valid_records --type check
    jq -e '.status == "ok" and .summary == "OK - parent done" and .evidence.orphans_killed' <<<"$output"
    [ "$(bc <<<"$elapsed < 10")" = 1 ] || fail "took ${elapsed}s, the timeout is 30s"
    # The grandchild went with its group.
    wait_for bash -c "! kill -0 $(<"$HEAL_SCRATCH/grandchild.pid") 2>/dev/null"
}
