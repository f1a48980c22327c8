#!/usr/bin/env bats
# One source for heal-apply's options: the popt table, as `--help` prints
# it.  The manual page and the three completion files must each name every
# long option, the page must state the back-off the code uses, and its
# examples run.

load ../lib/common
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-apply.1
BASH_COMP=$HEAL_ROOT/completions/heal-apply.bash
ZSH_COMP=$HEAL_ROOT/completions/_heal-apply
FISH_COMP=$HEAL_ROOT/completions/heal-apply.fish

long_options() {
    docs_long_options heal-apply
}

@test "--help lists the options the documents are checked against" {
    run long_options
    assert_success
    for o in apply interactive max-risk lock-wait playbook format help usage version; do
        assert_line "$o"
    done
    [ "${#lines[@]}" -ge 14 ] || fail "only ${#lines[@]} long options found"
}

@test "every long option is described in heal-apply(1)" {
    local missing
    missing=$(docs_missing_in_page heal-apply "$PAGE")
    [ -z "$missing" ] || fail "not in man/heal-apply.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local missing
    missing=$(docs_missing_in_completions heal-apply)
    [ -z "$missing" ] || fail "missing:$missing"
    bash -n "$BASH_COMP"
}

@test "heal-apply(1) states the back-off the code uses" {
    grep -qF 'wait(0) = cooldown' "$PAGE"
    grep -qF 'wait(f) = max(cooldown, min(max(cooldown, 10s) x 2 ^ f, 10m))' "$PAGE"
    grep -qF 'once 20 minutes pass without a failure' "$PAGE"
    grep -qE 'define APPLY_BACKOFF_FLOOR_MS 10000' "$HEAL_ROOT/common/apply_state.h"
    grep -qE 'define APPLY_BACKOFF_CAP_MS \(10LL \* 60 \* 1000\)' "$HEAL_ROOT/common/apply_state.h"
}

@test "heal-apply(1) has every section, and an EXIT STATUS for each code" {
    local s
    for s in NAME SYNOPSIS DESCRIPTION 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
        grep -qx "\.Sh $s" "$PAGE" || fail "no $s section"
    done
    for s in 0 1 2 3 4; do
        sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$PAGE" | grep -qx "\.It $s" || fail "no exit $s"
    done
    grep -qF '*/5 * * * * ' "$PAGE"
}

@test "the page passes mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE"
    assert_success
    assert_output ''
}

@test "the examples of heal-apply(1) run, and run nothing" {
    local cmds c
    cd "$HEAL_SCRATCH"
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(.*heal-apply.*\)/\1/p' "$PAGE" |
        grep -v -- --interactive)
    [ "${#cmds[@]}" -ge 2 ] || fail "only ${#cmds[@]} examples found"
    # A failing check of our own: the host's built-ins could be CRITICAL
    # (exit 2 under pipefail) for reasons no test controls.
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    echo '{"name": "web", "kind": "exec", "max_attempts": 1, "command": ["sh", "-c", "echo connect to address 127.0.0.1 and port 9: Connection refused; exit 1"]}' \
        >"$HEAL_CONFIG_DIR/checks.d/web.json"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "set -o pipefail; $c"
        [ "$status" -le 1 ] || fail "'$c' exited $status: $stderr"
    done
    assert_file_not_exists "$HEAL_STATE_DIR/journal.ndjson"
}
