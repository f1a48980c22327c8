#!/usr/bin/env bats
# heal-propose: one proposal per diagnosis, derived from it, valid against
# the schema; other records pass through; bad lines are reported and skipped.

load ../lib/common

# diagnosis SIGNATURE [LABELS_JSON] [FACTS_JSON] [CONFIDENCE]: one diagnosis line.
diagnosis() {
    jq -cn --arg sig "$1" --argjson labels "${2:-{\}}" --argjson facts "${3:-{\}}" \
        --argjson conf "${4:-0.9}" '{type: "diagnosis", v: 1,
        id: "01M86GTHFMM9S346Q3D25VT4F6", ts: "2026-11-24T10:15:03.412Z", host: "h",
        parent: "01M86GTHFMM9S346Q3D25VT4F5", trace: "01M86GTHFMM9S346Q3D25VT4F5",
        target: "web", labels: $labels, signature: $sig,
        category: ($sig | split(".")[0]), severity: "critical",
        summary: "something broke", confidence: $conf, analyzer: "catalog",
        facts: $facts, evidence: ["the first matched line"]}'
}

@test "a service diagnosis with a unit label proposes systemctl restart UNIT" {
    run --separate-stderr heal-propose < <(diagnosis service.failed '{"unit":"nginx"}')
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "${#lines[@]}" 2
    run jq -c 'select(.type == "proposal") | .candidates[0] | [.remedy, .argv, .approval]' \
        <<<"$output"
    assert_output '["service.restart",["systemctl","restart","nginx"],"auto"]'
}

@test "the proposal carries parent, trace, target and labels from its diagnosis" {
    run --separate-stderr heal-propose < <(diagnosis service.failed '{"unit":"nginx"}')
    run jq -c 'select(.type == "proposal") | [.parent, .trace, .target, .labels.unit]' \
        <<<"$output"
    assert_output '["01M86GTHFMM9S346Q3D25VT4F6","01M86GTHFMM9S346Q3D25VT4F5","web","nginx"]'
}

@test "the remedies a diagnosis suggests become candidates too" {
    local d
    d=$(diagnosis runtime.odd '{"unit":"nginx"}' | jq -c '.remedies = ["service.reload", "no.such"]')
    run --separate-stderr heal-propose <<<"$d"
    assert_valid_records
    run jq -c 'select(.type == "proposal") | [.candidates[].remedy, .dropped]' <<<"$output"
    assert_output '["service.reload",[{"remedy":"no.such","reason":"not in the playbook"}]]'
}

@test "a transient diagnosis brings in wait.backoff, which runs nothing" {
    local d
    d=$(diagnosis runtime.odd | jq -c '.transient = true')
    run --separate-stderr heal-propose <<<"$d"
    assert_valid_records
    run jq -c 'select(.type == "proposal") | .candidates[0] | [.remedy, .action, has("argv")]' \
        <<<"$output"
    assert_output '["wait.backoff","wait",false]'
}

@test "with no candidate the proposal is empty and says what to look at" {
    run --separate-stderr heal-propose < <(diagnosis unknown.unclassified)
    assert_valid_records
    run jq -r 'select(.type == "proposal") | "\(.candidates | length) \(.rationale)"' <<<"$output"
    assert_output --partial "0 No playbook remedy can be proposed for unknown.unclassified"
    assert_output --partial "Look at: something broke."
    assert_output --partial "Evidence: the first matched line"
}

@test "a remedy whose parameter cannot be filled is dropped with its reason" {
    run --separate-stderr heal-propose < <(diagnosis process.exited)
    assert_valid_records
    run jq -r 'select(.type == "proposal") | .dropped[] | "\(.remedy): \(.reason)"' <<<"$output"
    assert_output --partial "process.restart: parameter 'start_command': label 'start_command' is not set and there is no default"
}

@test "check records and unknown types pass through unchanged" {
    local in='{"type":"check","v":1,"id":"01M86GTHFMM9S346Q3D25VT4F5","ts":"2026-11-24T10:15:03.412Z","host":"h","x":[1,2]}
{"type":"custom","anything":true}'
    run --separate-stderr heal-propose <<<"$in"
    assert_success
    assert_output "$in"
}

@test "bad input lines are reported as FILE:LINE and skipped, exit 4" {
    printf '%s\n' 'not json' "$(diagnosis service.failed '{"unit":"nginx"}')" \
        '{"type":"diagnosis","v":1}' >"$HEAL_SCRATCH/in.ndjson"
    run --separate-stderr heal-propose "$HEAL_SCRATCH/in.ndjson"
    assert_equal "$status" 4
    run jq -r '.type' <<<"$output"
    assert_output $'diagnosis\nproposal\ndiagnosis'
    use_stderr
    assert_line --regexp "^heal-propose: $HEAL_SCRATCH/in.ndjson:1: "
    assert_line "heal-propose: $HEAL_SCRATCH/in.ndjson:3: diagnosis without a 'signature'"
}

@test "on a terminal each proposal is a numbered plan: run, verify, undo, risk, approval" {
    run --separate-stderr heal-propose --format=text < <(diagnosis service.failed '{"unit":"nginx"}')
    assert_line "web  service.failed  something broke"
    assert_line --regexp '^  1\. Restart the systemd unit \[service.restart\] score 0\.315$'
    assert_line "     run:      systemctl restart nginx"
    assert_line "     verify:   re-run the check, up to 3 times, first after 2s"
    assert_line "     undo:     no rollback"
    assert_line "     risk:     medium; approval auto"
}

@test "the plan shows a precondition and never lets control characters through" {
    run --separate-stderr heal-propose --format=text \
        < <(diagnosis process.stale-pid '{"pidfile":"/run/app.pid"}' | jq -c '.summary = "a\u001b[2Jb"')
    assert_line "web  process.stale-pid  a?[2Jb"
    assert_line "     only if:  pgrep -F /run/app.pid  exits 1"
    assert_line "     run:      rm -f -- /run/app.pid"
}

@test "a check, heal-analyze and heal-propose in a pipe propose systemctl restart nginx" {
    mkdir -p "$HEAL_CONFIG_DIR/signatures.d"
    cat >"$HEAL_CONFIG_DIR/signatures.d/unit.json" <<'JSON'
{"id": "service.unit-failed", "category": "service", "severity": "critical", "patterns": ["(?<unit>[A-Za-z0-9@_.-]+)\\.service failed"], "literals": [".service failed"], "summary": "The unit {unit} failed", "confidence": 0.9, "remedies": ["service.restart"]}
JSON
    local check='{"name": "web", "kind": "exec", "command": ["sh", "-c", "echo CRITICAL - nginx.service failed; exit 2"], "max_attempts": 1, "labels": {"unit": "nginx"}}'
    run --separate-stderr bash -c "heal-check --checks - <<<'$check' | heal-analyze | heal-propose"
    assert_valid_records
    run jq -c 'select(.type == "proposal") | [.signature, .target, .candidates[0].remedy, .candidates[0].argv]' <<<"$output"
    assert_output '["service.unit-failed","web","service.restart",["systemctl","restart","nginx"]]'
}

@test "--list shows the merged playbook with where each entry came from" {
    run --separate-stderr heal-propose --list --format=json
    assert_success
    run jq -r '"\(.id) \(.from)"' <<<"$output"
    assert_line --regexp '^service\.restart builtin:playbook\.json:[0-9]+$'
    assert_line --regexp '^wait\.backoff builtin:playbook\.json:[0-9]+$'
}

@test "a bad --half-life is a usage error" {
    run --separate-stderr heal-propose --half-life=0s </dev/null
    assert_equal "$status" 2
    use_stderr
    assert_output "heal-propose: --half-life: must be longer than 0"
}
