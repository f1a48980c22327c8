#!/usr/bin/env bats
# heal-loop status: each target's health from heal-loop's history of status
# changes and heal-apply's journal; rolled up by a label with --by; one
# JSON object on a pipe, an aligned table with --format=text.

load ../lib/common
load lib

# 2026-11-29T12:00:00Z
NOW=1795953600

setup() {
    heal_setup
    mkdir -p "$HEAL_STATE_DIR/loop"
    HISTORY=$HEAL_STATE_DIR/loop/history.ndjson
}

# change SECONDS_BEFORE_NOW TARGET STATUS [LABELS_JSON]: one history line.
change() {
    jq -cn --arg ts "$(date -u -d "@$((NOW - $1))" +%Y-%m-%dT%H:%M:%S.000Z)" --arg t "$2" \
        --arg s "$3" --argjson l "${4:-{\}}" \
        '{ts: $ts, target: $t, status: $s, hard: true, labels: $l}' >>"$HISTORY"
}

# history_of: the history line a check record makes (what heal-loop appends on a change).
history_of() {
    jq -c 'select(.type == "check") | {ts, target, status, hard: (.state_type == "hard"),
        labels}' >>"$HISTORY"
}

ms() {
    date -u -d "$1" +%s%3N
}

@test "on a pipe the report is one JSON object on one line" {
    change 7200 web ok '{"project": "shop"}'
    change 3600 web critical '{"project": "shop"}'
    change 1800 web ok '{"project": "shop"}'
    HEAL_NOW=$NOW run --separate-stderr heal-loop status
    assert_success
    [ "${#lines[@]}" -eq 1 ] || fail "expected one line, got ${#lines[@]}"
    run jq -c '.targets[0] | [.target, .status, .labels.project, .availability_24h,
        .availability_7d, .incidents, .healed, .mtth_seconds, .last_outcome, .since]' <<<"$output"
    assert_output '["web","ok","shop",0.75,0.75,1,0,null,null,"2026-11-29T11:30:00.000Z"]'
}

@test "with no history the report lists no targets and exits 0" {
    run --separate-stderr heal-loop status
    assert_success
    assert_output '{"targets":[],"tool_calls":[],"unreadable":{"history":0,"journal":0},"loops":[]}'
    run heal-loop status --format=text
    assert_success
    assert_output 'no targets recorded yet'
}

@test "a target that is not ok makes the exit status 1" {
    change 600 db warning
    change 600 web ok
    HEAL_NOW=$NOW run --separate-stderr heal-loop status
    assert_equal "$status" 1
    run jq -r '.targets[] | "\(.target) \(.status)"' <<<"$output"
    assert_output $'db warning\nweb ok'
}

@test "availability counts only known time, over 24 hours and 7 days" {
    change $((10 * 86400)) web ok
    change $((2 * 86400)) web critical
    change $((2 * 86400 - 12 * 3600)) web ok
    change $((6 * 3600)) young warning
    change $((3 * 3600)) young ok
    HEAL_NOW=$NOW run --separate-stderr heal-loop status
    assert_success
    run jq -c '[.targets[] | [.target, .availability_24h, .availability_7d]]' <<<"$output"
    assert_output '[["web",1,0.928571],["young",0.5,0.5]]'
}

@test "--by rolls targets up by a label: worst status, summed time and counts, null last" {
    change 86400 shop-web ok '{"project": "shop"}'
    change 43200 shop-web critical '{"project": "shop"}'
    change 21600 shop-web ok '{"project": "shop"}'
    change 86400 shop-db warning '{"project": "shop"}'
    change 86400 blog ok '{"project": "blog"}'
    change 86400 host ok
    HEAL_NOW=$NOW run --separate-stderr heal-loop status --by project
    assert_equal "$status" 1
    run jq -c '.by, (.groups[] | [.value, .targets, .status, .availability_24h, .incidents])' \
        <<<"$output"
    assert_output $'"project"\n["blog",1,"ok",1,0]\n["shop",2,"warning",0.375,2]\n[null,1,"ok",1,0]'
    HEAL_NOW=$NOW run heal-loop status --by project --format=text
    assert_line --index 0 --regexp '^PROJECT  STATUS   AVAIL-24H  AVAIL-7D  INCIDENTS  HEALED  MTTH  TARGETS$'
    assert_line --index 2 --regexp '^shop     WARNING  37\.50%     37\.50%    2          0       -     2$'
}

@test "the table is aligned, shows control characters as '?', and has no colour on a pipe" {
    change 3600 $'web\x1b[2J' ok
    change 3600 a-longer-target critical
    HEAL_NOW=$NOW run heal-loop status --format=text
    assert_equal "$status" 1
    assert_line --index 0 'TARGET           STATUS    AVAIL-24H  AVAIL-7D  INCIDENTS  HEALED  MTTH  LAST-OUTCOME'
    assert_line --index 1 'a-longer-target  CRITICAL  0.00%      0.00%     1          0       -     -'
    assert_line --index 2 'web?[2J          OK        100.00%    100.00%   0          0       -     -'
    [[ $output != *$'\e'* ]] || fail "escape sequence in the output"
}

@test "unreadable history lines are skipped with a warning, the rest still counts" {
    change 3600 web critical
    echo 'not json' >>"$HISTORY"
    printf '{"ts":"2026-11-29T11:30:00.000Z","target":"web","sta' >>"$HISTORY"
    HEAL_NOW=$NOW run --separate-stderr heal-loop status
    assert_equal "$status" 1
    run jq -c '[.targets[0].status, .unreadable.history]' <<<"$output"
    assert_output '["critical",2]'
    use_stderr
    assert_output 'heal-loop: history: warning: 2 unreadable lines skipped'
}

@test "a real heal counts: incident, healed outcome, mean time to heal, last outcome" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d" "$HEAL_CONFIG_DIR/signatures.d"
    flag=$HEAL_SCRATCH/flag
    jq -cn --arg p "$flag" '{name: "flag", kind: "file", path: $p, max_attempts: 1,
        labels: {project: "demo"}}' >"$HEAL_CONFIG_DIR/checks.d/flag.json"
    jq -cn '{id: "config.test-flag", category: "config", severity: "critical",
        patterns: ["flag does not exist"], literals: ["flag does not exist"],
        summary: "the flag file is missing", confidence: 0.9}' \
        >"$HEAL_CONFIG_DIR/signatures.d/flag.json"
    remedy "$(jq -cn --arg p "$flag" '{id: "test.touch-flag", argv: ["/usr/bin/touch", $p],
        applies_to: ["config.test-flag"]}')"
    touch "$flag"
    heal-check --name flag --format=json | history_of
    rm "$flag"
    # What heal-loop sees: the check fails, the pipeline heals, the check passes.
    run bash -c 'heal-check --name flag | tee "$BATS_TEST_TMPDIR/down.ndjson" |
        heal-analyze | heal-propose | heal-apply --apply'
    assert_success
    assert_file_exists "$flag"
    history_of <"$BATS_TEST_TMPDIR/down.ndjson"
    heal-check --name flag --format=json | history_of
    run jq -r .status "$HISTORY"
    assert_output $'ok\ncritical\nok'

    run --separate-stderr heal-loop status
    assert_success
    run jq -c '.targets[0] | [.target, .status, .incidents, .healed,
        .last_outcome.remedy, .last_outcome.action, .last_outcome.result]' <<<"$output"
    assert_output '["flag","ok",1,1,"test.touch-flag","executed","healed"]'
    down=$(ms "$(jq -r 'select(.status == "critical") | .ts' "$HISTORY")")
    up=$(ms "$(jq -r 'select(.status == "ok") | .ts' "$HISTORY" | tail -n 1)")
    run heal-loop status
    run jq -r '.targets[0].mtth_seconds * 1000 | round' <<<"$output"
    assert_output "$((up - down))"
    run heal-loop status --by project
    run jq -c '.groups[0] | [.value, .healed, .mtth_seconds != null]' <<<"$output"
    assert_output '["demo",1,true]'
}

@test "heal-loop --once records each change of status, and status reports it" {
    exec_check web 2 'connect to address 127.0.0.1 and port 9: Connection refused' \
        '{"project": "shop"}'
    run --separate-stderr heal-loop --once
    assert_equal "$status" 1
    run --separate-stderr heal-loop --once
    assert_equal "$status" 1
    run jq -c '[.target, .status, .hard, .labels.project]' "$HISTORY"
    assert_output '["web","critical",true,"shop"]'
    exec_check web 0 'OK: fine' '{"project": "shop"}'
    run --separate-stderr heal-loop --once
    assert_success
    run jq -r .status "$HISTORY"
    assert_output $'critical\nok'
    run --separate-stderr heal-loop status
    assert_success
    run jq -c --arg since "$(jq -r 'select(.status == "ok") | .ts' "$HISTORY")" \
        '.targets[0] | [.target, .status, .incidents, .since == $since]' <<<"$output"
    assert_output '["web","ok",1,true]'
    run --separate-stderr heal-loop status --by project
    run jq -c '.groups | map([.value, .targets, .status])' <<<"$output"
    assert_output '[["shop",1,"ok"]]'
}

@test "the status examples of heal-loop(1) run" {
    local cmds c
    change 3600 web ok '{"project": "shop"}'
    change 600 db critical '{"project": "shop"}'
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(heal-loop status.*\)/\1/p' \
        "$HEAL_ROOT/man/heal-loop.1")
    [ "${#cmds[@]}" -ge 3 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        HEAL_NOW=$NOW run --separate-stderr bash -c "set -o pipefail; { $c; } </dev/null"
        [ "$status" -le 1 ] || fail "'$c' exited $status: $stderr"
        [ -n "$output" ] || fail "'$c' printed nothing"
    done
}

@test "usage errors exit 2" {
    run --separate-stderr heal-loop status extra
    assert_equal "$status" 2
    run --separate-stderr heal-loop status --by ''
    assert_equal "$status" 2
    run --separate-stderr heal-loop status --no-such-option
    assert_equal "$status" 2
}

# audit TOOL SUB CHANGED_JSON: one audit line as heal-mcp writes it (mcp_audit.c).
audit() {
    mkdir -p "$HEAL_STATE_DIR/mcp"
    jq -cn --arg tool "$1" --arg sub "$2" --argjson changed "$3" \
        '{type: "event", v: 1, id: "01JDXXXXXXXXXXXXXXXXXXXXXX", ts: "2026-11-29T11:00:00.000Z",
          host: "h", event: "tool_call", tool: $tool, method: "tools/call",
          caller: {sub: $sub, client_id: null, remote: "127.0.0.1:4000", authenticated: true},
          args_sha256: null, result: "ok", reason: null, changed: $changed, duration_ms: 12,
          session: null, trace: "T"}' >>"$HEAL_STATE_DIR/mcp/audit.ndjson"
}

@test "status shows the last calls through heal-mcp that changed something, newest first" {
    change 3600 web ok
    audit apply_fix alice '["01JDAAAAAAAAAAAAAAAAAAAAAA"]'
    audit get_healing_status bob '[]'
    echo 'torn {"event":"tool_call"' >>"$HEAL_STATE_DIR/mcp/audit.ndjson"
    audit trigger_healing_session carol '["01JDBBBBBBBBBBBBBBBBBBBBBB","01JDCCCCCCCCCCCCCCCCCCCCCC"]'
    HEAL_NOW=$NOW run --separate-stderr heal-loop status
    assert_success
    run jq -c '[.tool_calls[] | [.tool, .sub, (.changed | length)]]' <<<"$output"
    assert_output '[["trigger_healing_session","carol",2],["apply_fix","alice",1]]'
    HEAL_NOW=$NOW run --separate-stderr heal-loop status --format=text
    assert_success
    assert_line --partial 'last changes through heal-mcp:'
    assert_line --partial 'trigger_healing_session by carol from 127.0.0.1:4000: outcome 01JDBBBBBBBBBBBBBBBBBBBBBB and 1 more'
    refute_output --partial 'bob'
}
