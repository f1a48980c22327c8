#!/usr/bin/env bats
# One source for heal-propose's options: the popt table, as `--help` prints
# it.  The manual page and the three completion files must each name every
# long option, heal-playbook(5) every field and rule, and the examples run.

load ../lib/common
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-propose.1
FORMAT=$HEAL_ROOT/man/heal-playbook.5
BASH_COMP=$HEAL_ROOT/completions/heal-propose.bash
ZSH_COMP=$HEAL_ROOT/completions/_heal-propose
FISH_COMP=$HEAL_ROOT/completions/heal-propose.fish

long_options() {
    docs_long_options heal-propose
}

@test "--help lists the options the documents are checked against" {
    run long_options
    assert_success
    for o in half-life playbook list format help usage version; do
        assert_line "$o"
    done
    [ "${#lines[@]}" -ge 12 ] || fail "only ${#lines[@]} long options found"
}

@test "every long option is described in heal-propose(1)" {
    local missing
    missing=$(docs_missing_in_page heal-propose "$PAGE")
    [ -z "$missing" ] || fail "not in man/heal-propose.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local missing
    missing=$(docs_missing_in_completions heal-propose)
    [ -z "$missing" ] || fail "missing:$missing"
    bash -n "$BASH_COMP"
}

@test "heal-playbook(5) documents every field and every built-in remedy" {
    local f id missing=
    for f in id title description action argv params source pattern default risk \
        complexity timeout verify recheck attempts delay backoff max_delay rollback \
        precondition exit applies_to cooldown max_attempts window auto disabled; do
        grep -qE "^\.It Cm (.* )?$f( ,| |$)" "$FORMAT" || missing+=" field:$f"
    done
    for id in $(grep -v '^[[:space:]]*#' "$HEAL_ROOT/data/playbook.json" | jq -r '.[].id'); do
        grep -qE "^\.It Cm $id$" "$FORMAT" || missing+=" remedy:$id"
    done
    [ -z "$missing" ] || fail "not in man/heal-playbook.5:$missing"
}

@test "heal-propose(1) states the score formula the code uses" {
    grep -qF 'score = confidence x success x penalty' "$PAGE"
    grep -qF 'success = (1 + sum w(healed)) / (2 + sum w(healed) + sum w(failed))' "$PAGE"
    grep -qF 'w = 0.5 ^ (age / half_life)' "$PAGE"
}

@test "the pages pass mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE" "$FORMAT"
    assert_success
    assert_output ''
}

@test "the examples of heal-propose(1) run" {
    local cmds c
    cd "$HEAL_SCRATCH"
    : >build.log
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(.*heal-propose.*\)/\1/p' "$PAGE")
    [ "${#cmds[@]}" -ge 4 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "set -o pipefail; $c"
        [ "$status" -le 1 ] || fail "'$c' exited $status: $stderr"
    done
}

@test "the example drop-in of heal-playbook(5) loads without a problem" {
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$FORMAT" | sed -n '/^\.Bd/,/^\.Ed/p' |
        sed '/^\./d' | sed -n '1,/disabled/p' >"$HEAL_CONFIG_DIR/playbook.d/example.json"
    run --separate-stderr heal-propose --list --format=json
    assert_success
    run jq -r 'select(.id == "service.restart") | .argv[0]' <<<"$output"
    assert_output /usr/local/sbin/site-restart
}
