#!/usr/bin/env bats
# One source for heal-loop's options: the popt tables, as `heal-loop --help`
# and each subcommand's --help print them.  The manual page and the three
# completion files must each name every long option; the page lints clean
# and its examples run.

load ../lib/common
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-loop.1
SUBCOMMANDS=(stop status run)

# all_long_options: the main table's and every subcommand's, once each.
all_long_options() {
    {
        docs_long_options heal-loop
        for s in "${SUBCOMMANDS[@]}"; do docs_long_options heal-loop "$s"; done
    } | sort -u
}

@test "--help lists the options the documents are checked against" {
    run all_long_options
    assert_success
    for o in once apply dry-run monitor checks name all-states workers max-risk pid-file \
        metrics cycle drain-timeout timeout by format help usage version; do
        assert_line "$o"
    done
}

@test "every long option is described in heal-loop(1)" {
    local o missing=
    for o in $(all_long_options); do
        grep -qE "^\.It (.* )?Fl -$o( |$)" "$PAGE" || missing+=" --$o"
    done
    [ -z "$missing" ] || fail "not in man/heal-loop.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local o missing= dir=$HEAL_ROOT/completions
    for o in $(all_long_options); do
        grep -qE -- "(^|[ '\"(])--$o([ =\"')]|$)" "$dir/heal-loop.bash" || missing+=" bash:--$o"
        grep -qE -- "(^|[ '\"{,(*)])--$o([]=[ \"'}+,]|$)" "$dir/_heal-loop" || missing+=" zsh:--$o"
        grep -qE -- "-l $o( |$)" "$dir/heal-loop.fish" || missing+=" fish:--$o"
    done
    [ -z "$missing" ] || fail "missing:$missing"
    bash -n "$dir/heal-loop.bash"
}

@test "heal-loop(1) has every section, an EXIT STATUS for each code, a unit and a cron line" {
    local s
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
        grep -qx "\.Sh $s" "$PAGE" || fail "no $s section"
    done
    for s in 0 1 2 3 4; do
        sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$PAGE" | grep -qx "\.It $s" || fail "no exit $s"
    done
    grep -qx 'Type=notify' "$PAGE"
    grep -qF '*/5 * * * * heal-loop' "$PAGE"
}

@test "the page states the back-off and drain the code uses" {
    grep -qF 'at least 1 s, plus a' "$PAGE"
    grep -qF 'capped at' "$PAGE"
    grep -qE 'define LOOP_RESTART_FLOOR_MS 1000$' "$HEAL_ROOT/common/loop.h"
    grep -qE 'define LOOP_RESTART_CAP_MS \(5 \* 60 \* 1000\)$' "$HEAL_ROOT/common/loop.h"
    grep -qE 'define LOOP_RESTART_RESET_MS \(10 \* 60 \* 1000\)$' "$HEAL_ROOT/common/loop.h"
    grep -qE 'define LOOP_DRAIN_DEFAULT_MS 30000$' "$HEAL_ROOT/common/loop.h"
}

@test "the page passes mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE"
    assert_success
    assert_output ''
}

@test "the --once examples of heal-loop(1) run" {
    local cmds c
    cd "$HEAL_SCRATCH"
    export HEAL_CONFIG_DIR=$HEAL_SCRATCH/none
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(heal-loop --once.*\)/\1/p' "$PAGE")
    [ "${#cmds[@]}" -ge 2 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "set -o pipefail; { $c; } </dev/null"
        [ "$status" -le 1 ] || fail "'$c' exited $status: $stderr"
    done
}

@test "the page states the back-off heal-loop run uses" {
    grep -qF 'delay(n) = backoff + random(0, min(backoff-max, backoff x 2 ^ n))' "$PAGE"
    grep -qF '(default 1s)' "$PAGE"
    grep -qF 'The cap on the random part of the wait (default 1m).' "$PAGE"
    grep -qE 'define CI_RUN_BACKOFF_DEFAULT_MS 1000$' "$HEAL_ROOT/common/ci_run.h"
    grep -qE 'define CI_RUN_BACKOFF_MAX_DEFAULT_MS 60000$' "$HEAL_ROOT/common/ci_run.h"
    grep -qE 'define CI_RUN_ATTEMPTS_DEFAULT 3$' "$HEAL_ROOT/common/ci_run.h"
}

@test "the run examples of heal-loop(1) run the command and pass its status on" {
    local cmds c
    cd "$HEAL_SCRATCH"
    printf 'all:\n\t@echo built\ncheck:\n\t@echo checked\n' >Makefile
    mapfile -t cmds < <(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\$ \(heal-loop run .*\)/\1/p' "$PAGE")
    [ "${#cmds[@]}" -ge 2 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        # not a sub-make of the make that runs the suites: no "Entering directory"
        run --separate-stderr env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS bash -c "$c </dev/null"
        [ "$status" = 0 ] || fail "'$c' exited $status: $stderr"
        [[ $output == built || $output == checked ]] || fail "'$c' printed '$output'"
    done
    assert_valid_records heal-run.ndjson
    run jq -r '[.event, .classification] | join(" ")' heal-run.ndjson
    assert_output 'run.summary none'
}
