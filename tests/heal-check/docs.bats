#!/usr/bin/env bats
# One source for heal-check's options: the popt table, as `--help` prints
# it.  The manual page and the three completion files must each name every
# long option, and the page's examples must run.

load ../lib/common
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-check.1
BASH_COMP=$HEAL_ROOT/completions/heal-check.bash
ZSH_COMP=$HEAL_ROOT/completions/_heal-check
FISH_COMP=$HEAL_ROOT/completions/heal-check.fish

# long_options: every --option of `heal-check --help`, without the dashes.
long_options() {
    docs_long_options heal-check
}

@test "--help lists the options the documents are checked against" {
    run long_options
    assert_success
    for o in once watch exec disk checks list name warn crit timeout label format help usage version; do
        assert_line "$o"
    done
    [ "${#lines[@]}" -ge 28 ] || fail "only ${#lines[@]} long options found"
}

@test "every long option is described in heal-check(1)" {
    local missing
    missing=$(docs_missing_in_page heal-check "$PAGE")
    [ -z "$missing" ] || fail "not in man/heal-check.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local missing
    missing=$(docs_missing_in_completions heal-check)
    [ -z "$missing" ] || fail "missing:$missing"
}

@test "the completions offer the --format values and file names for --checks" {
    grep -q "compgen -W 'auto json text'" "$BASH_COMP"
    grep -q "_filedir '@(json|ndjson)'" "$BASH_COMP"
    grep -q -- "--format=\[output format\]:format:(auto json text)" "$ZSH_COMP"
    grep -q -- "--checks=.*:_files" "$ZSH_COMP"
    grep -q -- "-l format -x -a 'auto json text'" "$FISH_COMP"
    grep -q -- "-l checks -r -F" "$FISH_COMP"
    bash -n "$BASH_COMP"
}

@test "every check kind and common field is documented" {
    local k f missing=
    for k in exec http tcp process file disk memory swap load filehandles log systemd dns; do
        grep -qE "^\.It Cm $k$" "$PAGE" || missing+=" kind:$k"
    done
    for f in name kind target description labels warn crit timeout interval retry_interval \
        max_attempts flap_low flap_high disabled command shell path inode_warn inode_crit url \
        method headers body expect_status follow_redirects body_contains body_regex json \
        cert_warn cert_crit insecure body_max host port send expect query type unit \
        skip_if_absent pidfile process cmdline user state must_exist age_warn age_crit \
        size_warn size_crit patterns from_start; do
        grep -qE "^\.It Cm (.* )?$f( ,| |$)" "$PAGE" || missing+=" field:$f"
    done
    [ -z "$missing" ] || fail "not in man/heal-check.1:$missing"
}

@test "every kind heal-check knows is in the man page" {
    local k
    run --separate-stderr heal-check --checks - <<<'{"name": "x", "kind": "no-such-kind"}'
    use_stderr
    for k in $(sed -n 's/.*(known: \(.*\))$/\1/p' <<<"$output" | tr -d ,); do
        grep -qE "^\.It Cm $k$" "$PAGE" || fail "kind $k is not documented"
    done
}

@test "heal-check(1) passes mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE"
    assert_success
    assert_output ''
}

@test "the examples of heal-check(1) that need no network run and emit valid records" {
    local cmds c
    cd "$HEAL_SCRATCH"
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$PAGE" | sed -n '/^{/p' >checks.ndjson
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(heal-check .*\)/\1/p' "$PAGE" |
        grep -v -e --http -e --watch -e heal-analyze)
    [ "${#cmds[@]}" -ge 5 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "$c"
        [ "$status" -le 3 ] || fail "'$c' exited $status: $stderr"
        case $c in
            *--format=text* | *--list*) [ -n "$output" ] || fail "'$c' printed nothing" ;;
            *"| jq"*) [ "$status" -eq 0 ] || [ -n "$output" ] || fail "'$c' found no problem" ;;
            *) assert_valid_records --type check ;;
        esac
    done
}
