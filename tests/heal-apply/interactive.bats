#!/usr/bin/env bats
# At a terminal an operator chooses: the plan shows the exact command, a
# language model's suggestion runs only after a second, explicit yes, and
# "none" runs nothing.  script(1) gives heal-apply the terminal.

load ../lib/common
load lib

setup() {
    heal_setup
    script marker.sh "touch $HEAL_SCRATCH/ran"
    remedy "$(jq -cn --arg m "$HEAL_SCRATCH/marker.sh" '{id: "test.mark", argv: [$m],
        auto: false}')"
}

# answer ANSWERS CANDIDATE_JSON: runs heal-apply --interactive on a terminal fed ANSWERS;
# $output is then the records, $plan what the terminal showed.
answer() {
    proposal web "$2" >"$HEAL_SCRATCH/p.json"
    run --separate-stderr bash -c "printf '$1' | script -qec \
        'heal-apply --interactive --format=json $HEAL_SCRATCH/p.json' /dev/null | tr -d '\r'"
    plan=$output
    output=$(sed -n 's/.*\({"type":\)/\1/p' <<<"$plan")
}

@test "the operator picks a remedy that is not auto, and it runs" {
    answer '1\n' '{"remedy": "test.mark"}'
    assert_valid_records
    [[ $plan == *"1. test remedy [test.mark]"* ]] || fail "no plan shown: $plan"
    [[ $plan == *"run:     $HEAL_SCRATCH/marker.sh"* ]] || fail "no argv shown: $plan"
    run jq -r 'select(.type == "outcome") | .action' <<<"$output"
    assert_output executed
    assert_file_exists "$HEAL_SCRATCH/ran"
}

@test "a language model's suggestion runs only after the exact command is confirmed" {
    answer '1\nn\n' '{"remedy": "test.mark", "source": "llm", "argv": ["rm", "-rf", "/"]}'
    [[ $plan == *"Run exactly \`$HEAL_SCRATCH/marker.sh\`? [y/N]"* ]] || fail "not asked: $plan"
    run jq -r 'select(.type == "outcome") | [.action, .reason] | join("|")' <<<"$output"
    assert_output 'skipped|the operator chose none'
    assert_file_not_exists "$HEAL_SCRATCH/ran"
    answer '1\ny\n' '{"remedy": "test.mark", "source": "llm"}'
    run jq -r 'select(.type == "outcome") | [.action, .source] | join(" ")' <<<"$output"
    assert_output 'executed llm'
    assert_file_exists "$HEAL_SCRATCH/ran"
}

@test "choosing none runs nothing" {
    answer '0\n' '{"remedy": "test.mark"}'
    assert_valid_records
    run jq -r 'select(.type == "outcome") | .action' <<<"$output"
    assert_output skipped
    assert_file_not_exists "$HEAL_SCRATCH/ran"
}
