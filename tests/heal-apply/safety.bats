#!/usr/bin/env bats
# Only heal-apply's own playbook and configuration decide what runs: a
# record on stdin can choose a remedy and offer facts, nothing more.  Each
# refusal is an outcome that says why, and a canary file that any
# execution would create never appears.

load ../lib/common
load lib

setup() {
    heal_setup
    script canary.sh "touch $HEAL_SCRATCH/CANARY"
    script marker.sh "touch $HEAL_SCRATCH/ran-the-playbook"
    check_for web "$HEAL_SCRATCH/web.pid" '{"unit": "web"}'
    remedy "$(jq -cn --arg m "$HEAL_SCRATCH/marker.sh" '{id: "test.mark", argv: [$m]}')"
    remedy "$(jq -cn --arg c "$HEAL_SCRATCH/canary.sh" '{id: "test.unit", argv: [$c, "{unit}"],
        params: {unit: {source: "fact:unit", pattern: "^[a-z]+.*$"}}}')"
}

# refused CANDIDATE_JSON ACTION REASON [OPTIONS...]: the candidate gets ACTION for REASON.
refused() {
    local c=$1 action=$2 reason=$3
    shift 3
    run --separate-stderr heal-apply --apply "$@" <<<"$(proposal web "$c")"
    assert_equal "$status" 1
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.action, .result, .reason] | join("|")' <<<"$output"
    assert_output "$action|none|$reason"
    assert_file_not_exists "$HEAL_SCRATCH/CANARY"
    assert_file_not_exists "$HEAL_SCRATCH/ran-the-playbook"
}

@test "a remedy missing from the playbook is denied" {
    refused '{"remedy": "no.such-remedy", "argv": ["sh", "-c", "touch CANARY"]}' denied \
        "remedy 'no.such-remedy' is not in the playbook"
}

@test "a hostile argv in the record is ignored and the playbook's argv runs" {
    cd "$HEAL_SCRATCH"
    c=$(jq -cn --arg d "$HEAL_SCRATCH" '{remedy: "test.mark",
        argv: ["sh", "-c", "touch \($d)/CANARY"]}')
    run --separate-stderr heal-apply --apply <<<"$(proposal web "$c")"
    assert_valid_records
    run jq -c 'select(.type == "outcome") | [.action, .argv]' <<<"$output"
    assert_output "[\"executed\",[\"$HEAL_SCRATCH/marker.sh\"]]"
    assert_file_exists "$HEAL_SCRATCH/ran-the-playbook"
    assert_file_not_exists "$HEAL_SCRATCH/CANARY"
}

@test "a fact that fails the parameter rules is denied with the reason" {
    refused '{"remedy": "test.unit", "params": {"unit": "nginx; touch CANARY"}}' denied \
        "parameter 'unit' (fact 'unit'): value 'nginx; touch CANARY' contains the shell metacharacter ';'"
}

@test "a fact that fails its pattern is denied" {
    refused '{"remedy": "test.unit", "params": {"unit": "9lives"}}' denied \
        "parameter 'unit' (fact 'unit'): value '9lives' does not match ^[a-z]+.*\$"
}

@test "a label parameter comes from our checks.d, never from the record" {
    remedy "$(jq -cn --arg c "$HEAL_SCRATCH/canary.sh" '{id: "test.label", argv: [$c, "{unit}"],
        params: {unit: {source: "label:unit", pattern: "^[a-z]+$"}}}')"
    run --separate-stderr heal-apply <<<"$(jq -c '.labels = {unit: "evil"} |
        .candidates[0].params = {unit: "evil"}' <<<"$(proposal web '{"remedy": "test.label"}')")"
    run jq -c 'select(.type == "outcome") | [.action, .argv[1], .labels.unit]' <<<"$output"
    assert_output '["dry-run","web","web"]'
}

@test "a remedy riskier than --max-risk is denied, and allowed when raised" {
    remedy "$(jq -cn --arg m "$HEAL_SCRATCH/marker.sh" '{id: "test.risky", argv: [$m],
        risk: "medium"}')"
    refused '{"remedy": "test.risky"}' denied 'risk medium is above --max-risk low'
    run --separate-stderr heal-apply --apply --max-risk=medium \
        <<<"$(proposal web '{"remedy": "test.risky"}')"
    run jq -r 'select(.type == "outcome") | .action' <<<"$output"
    assert_output executed
}

@test "a remedy not marked auto is denied when nobody is asked" {
    remedy "$(jq -cn --arg m "$HEAL_SCRATCH/marker.sh" '{id: "test.manual", argv: [$m],
        auto: false}')"
    refused '{"remedy": "test.manual"}' denied \
        'not marked auto in the playbook: runs only with --interactive'
}

@test "a candidate a language model suggested is denied unattended" {
    refused '{"remedy": "test.mark", "source": "llm", "approval": "required"}' denied \
        'suggested by a language model: runs only with --interactive, after the operator confirms the exact command'
}

@test "--interactive refuses to start without a terminal" {
    run --separate-stderr setsid heal-apply --interactive </dev/null
    assert_equal "$status" 2
    use_stderr
    assert_output 'heal-apply: --interactive: needs a terminal to ask on'
}

@test "the first candidate policy allows is taken; those before it are denied" {
    p=$(jq -c '.candidates = [{remedy: "no.such", title: "t", risk: "low", source: "playbook",
        approval: "auto"}] + .candidates' <<<"$(proposal web '{"remedy": "test.mark"}')")
    run --separate-stderr heal-apply --apply <<<"$p"
    assert_valid_records
    run jq -r 'select(.type == "outcome") | [.remedy, .action] | join(" ")' <<<"$output"
    assert_output $'no.such denied\ntest.mark executed'
}

@test "bad options are usage errors" {
    run --separate-stderr heal-apply --max-risk=extreme </dev/null
    assert_equal "$status" 2
    run --separate-stderr heal-apply --lock-wait=soon </dev/null
    assert_equal "$status" 2
}
