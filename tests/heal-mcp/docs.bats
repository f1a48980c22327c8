#!/usr/bin/env bats
# One source for heal-mcp's options: the popt table, as `--help` prints
# it.  The manual page and the three completion files must each name every
# long option, the page names every tool, and its examples run.

load lib
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-mcp.1
BASH_COMP=$HEAL_ROOT/completions/heal-mcp.bash

# The EXAMPLES section as a reader sees it.
rendered_examples() {
    mandoc -Tascii "$PAGE" | col -bx | sed -n '/^EXAMPLES/,/^SEE ALSO/p'
}

@test "--help lists the options the documents are checked against" {
    run docs_long_options heal-mcp
    assert_success
    for o in read-only allow-exec list-tools state-dir config-dir log-json help usage version; do
        assert_line "$o"
    done
}

@test "every long option is described in heal-mcp(1)" {
    local missing
    missing=$(docs_missing_in_page heal-mcp "$PAGE")
    [ -z "$missing" ] || fail "not in man/heal-mcp.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local missing
    missing=$(docs_missing_in_completions heal-mcp)
    [ -z "$missing" ] || fail "missing:$missing"
    bash -n "$BASH_COMP"
}

@test "heal-mcp(1) describes every tool heal-mcp lists, and every section is there" {
    local t s
    for t in $(heal-mcp --list-tools | jq -r '.tools[].name'); do
        grep -qE "^\.It (.* )?Cm $t( |$)" "$PAGE" || fail "tool $t is not described"
    done
    for s in NAME SYNOPSIS DESCRIPTION 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
        grep -qx "\.Sh $s" "$PAGE" || fail "no $s section"
    done
    grep -q '^\.It Ev HEAL_TRACE' "$PAGE"
    grep -q '^\.It Ev HEAL_TRACE' "$HEAL_ROOT/man/heal.7"
}

@test "the page passes mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE"
    assert_success
    assert_output ''
}

@test "the client configuration in EXAMPLES is JSON that starts heal-mcp with its own options" {
    local json
    # From the first line that opens an object to the brace that closes it.
    json=$(rendered_examples | awk '/^ *\{$/ && !d { on = 1 }
        on { print; d += gsub(/\{/, "{") - gsub(/\}/, "}"); if (!d) exit }')
    run jq -r '.mcpServers.heal | "\(.command | split("/") | last) \(.args | join(" "))"' <<<"$json"
    assert_output 'heal-mcp --read-only'
    run heal-mcp --read-only --list-tools
    assert_success
}

@test "the shell examples of heal-mcp(1) run" {
    local cmds c
    cd "$HEAL_SCRATCH"
    mapfile -t cmds < <(sed -n 's/^\.Dl \$ \(heal-mcp .*\)/\1/p' "$PAGE")
    cmds+=("$(rendered_examples | sed -n '/^ *\$ printf/,/structuredContent.status/p' | sed 's/^ *\$ //')")
    [ "${#cmds[@]}" -ge 2 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "set -o pipefail; $c"
        [ "$status" -eq 0 ] || fail "'$c' exited $status: $stderr"
        [ -n "$output" ] || fail "'$c' printed nothing"
    done
}

@test "the Inspector examples of heal-mcp(1) run with the pinned Inspector" {
    local cmds c
    mapfile -t cmds < <(sed -n 's/^\.Dl \$ \(npx .*\)/\1/p' "$PAGE")
    [ "${#cmds[@]}" -eq 2 ] || fail "${#cmds[@]} Inspector examples"
    cd "$MCP_CLIENT_DIR"
    for c in "${cmds[@]}"; do
        # Offline: the example must run the Inspector installed here, never fetch one.
        npm_config_offline=true run --separate-stderr bash -c "$c"
        [ "$status" -eq 0 ] || fail "'$c' exited $status: $stderr"
        jq -e 'has("tools") or has("structuredContent")' <<<"$output" >/dev/null
    done
}
