#!/usr/bin/env bats
# heal-propose asks a language model when the playbook has nothing for a
# diagnosis.  What the model picks is filled and judged like any remedy and
# always needs an operator's approval; a command it suggests is shown, never
# runnable by heal-apply.  The model is tests/lib/fake-llm.

load ../lib/common
load ../lib/llm

setup() {
    heal_setup
    cat >"$HEAL_SCRATCH/playbook.json" <<'EOF'
[{"id": "unit.restart", "title": "Restart a unit", "argv": ["systemctl", "restart", "{unit}"],
  "params": {"unit": {"source": "fact:unit", "pattern": "^[a-z][a-z0-9-]*$"}},
  "risk": "medium", "applies_to": ["service.covered"], "auto": true},
 {"id": "touch-marker", "title": "Mark", "argv": ["touch", "/tmp/never"],
  "risk": "low", "applies_to": ["service.covered"], "auto": true}]
EOF
}

# diagnosis SIGNATURE [ANALYZER] [FACTS_JSON]: one diagnosis line.
diagnosis() {
    jq -cn --arg sig "$1" --arg an "${2:-catalog}" --argjson facts "${3:-{\}}" \
        '{type: "diagnosis", v: 1, id: "01M86GTHFMM9S346Q3D25VT4F6",
        ts: "2026-11-24T10:15:03.412Z", host: "h", parent: "01M86GTHFMM9S346Q3D25VT4F5",
        trace: "01M86GTHFMM9S346Q3D25VT4F5", target: "web", signature: $sig,
        category: ($sig | split(".")[0]), severity: "critical",
        summary: "workers hang with password=canary-pw-31337", confidence: 0.9,
        analyzer: $an, facts: $facts, evidence: ["Cookie: sid=canary-cookie-4242"]}'
}

propose() {
    run --separate-stderr heal-propose --playbook "$HEAL_SCRATCH/playbook.json" "$@"
}

candidates() {
    jq -c 'select(.type == "proposal") | .candidates[] | [.remedy, .argv, .source, .approval]' \
        <<<"$output"
}

@test "the model's picks from the playbook become candidates that need approval" {
    start_fake_llm
    llm_answer propose '{"remedies": [{"id": "unit.restart", "params": [{"name": "unit",
        "value": "gunicorn"}], "why": "the workers hang"}], "command": ["journalctl", "-u",
        "gunicorn"], "why": "look at the journal"}'
    propose <<<"$(diagnosis runtime.workers-hang)"
    assert_equal "$status" 1
    assert_valid_records
    run candidates
    assert_line --index 0 '["unit.restart",["systemctl","restart","gunicorn"],"llm","required"]'
    assert_line --index 1 '["llm:command",["journalctl","-u","gunicorn"],"llm","required"]'
    assert_equal "$(llm_requests)" 1
    # The model saw the playbook it may pick from, and the secrets of the evidence did not go.
    body=$(llm_bodies)
    [[ $body == *"unit.restart: Restart a unit; risk medium; unit from fact unit"* ]] || fail "$body"
    [[ $body != *canary-pw-31337* && $body != *canary-cookie-4242* ]] || fail "$body"
}

@test "a picked value the parameter's pattern refuses is dropped with the reason" {
    start_fake_llm
    llm_answer propose '{"remedies": [{"id": "unit.restart", "params": {"unit": "nginx; rm -rf /"}}],
        "command": [], "why": "x"}'
    propose <<<"$(diagnosis runtime.workers-hang)"
    assert_valid_records
    records=$output
    run jq -c 'select(.type == "proposal") | [(.candidates | length), .dropped[0].remedy]' <<<"$records"
    assert_output '[0,"unit.restart"]'
    run jq -r 'select(.type == "proposal") | .dropped[0].reason' <<<"$records"
    assert_output --partial "a language model picked it: parameter 'unit' (fact 'unit'): value 'nginx; rm -rf /' contains the shell metacharacter ';'"
}

@test "a remedy the playbook does not have is dropped" {
    start_fake_llm
    llm_answer propose '{"remedies": [{"id": "format.disk", "params": []}], "command": [], "why": ""}'
    propose <<<"$(diagnosis runtime.workers-hang)"
    run jq -c 'select(.type == "proposal") | .dropped' <<<"$output"
    assert_output '[{"remedy":"format.disk","reason":"a language model named it; not in the playbook"}]'
}

@test "injected answers add nothing heal-apply would run unattended" {
    start_fake_llm
    llm_mode inject
    propose <<<"$(diagnosis runtime.workers-hang)"
    assert_valid_records
    records=$output
    # Whatever the answer claims, every candidate is the model's and needs approval.
    run jq -r 'select(.type == "proposal") | .candidates[] | .source + " " + .approval' <<<"$records"
    [ "${#lines[@]}" -ge 2 ] || fail "expected the marker and the command: $output"
    for l in "${lines[@]}"; do assert_equal "$l" "llm required"; done
    run jq -c 'select(.type == "proposal") | .candidates[] | select(.remedy == "touch-marker") | .argv' \
        <<<"$records"
    assert_output '["touch","/tmp/never"]'
}

@test "a diagnosis the playbook covers is not sent, unless --llm=always" {
    start_fake_llm
    propose <<<"$(diagnosis service.covered)"
    assert_equal "$(llm_requests)" 0
    propose --llm=always <<<"$(diagnosis service.covered)"
    assert_equal "$(llm_requests)" 1
}

@test "every candidate for a model's diagnosis is the model's and needs approval" {
    start_fake_llm
    propose --llm=off <<<"$(diagnosis service.covered llm '{"unit": "nginx"}')"
    assert_valid_records
    run jq -r 'select(.type == "proposal") | .analyzer, (.candidates[] | .source + " " + .approval)' \
        <<<"$output"
    assert_output $'llm\nllm required\nllm required'
}

@test "when the model fails the playbook's proposal goes out and one line says why" {
    start_fake_llm
    llm_mode 500
    llm_config '{"retries": 0}'
    propose <<<"$(diagnosis runtime.workers-hang)"
    assert_equal "$status" 1
    assert_valid_records
    run jq -c 'select(.type == "proposal") | .candidates' <<<"$output"
    assert_output '[]'
    use_stderr
    assert_output "heal-propose: llm: warning: web: no model proposal: HTTP 500 from openai: internal server error; playbook only"
}

@test "the Anthropic protocol works for proposals too" {
    start_fake_llm --provider anthropic --key k-123
    propose <<<"$(diagnosis runtime.workers-hang)"
    run candidates
    assert_output '["llm:command",["systemctl","status","postgresql"],"llm","required"]'
    run jq -r '.path' "$FAKE_LLM_DIR/requests.ndjson"
    assert_output /v1/messages
}
