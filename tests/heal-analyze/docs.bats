#!/usr/bin/env bats
# One source for heal-analyze's options: the popt table, as `--help` prints
# it.  The manual page and the three completion files must each name every
# long option; the pages pass mandoc's lint, and their examples run.

load ../lib/common
load ../lib/docs

PAGE=$HEAL_ROOT/man/heal-analyze.1
SIGPAGE=$HEAL_ROOT/man/heal-signatures.5
BASH_COMP=$HEAL_ROOT/completions/heal-analyze.bash
ZSH_COMP=$HEAL_ROOT/completions/_heal-analyze
FISH_COMP=$HEAL_ROOT/completions/heal-analyze.fish

# long_options: every --option of `heal-analyze --help`, without the dashes.
long_options() {
    docs_long_options heal-analyze
}

# examples PAGE: the EXAMPLES section of PAGE.
examples() {
    sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$1"
}

# write_example_files PAGE: for every "$ cat FILE" in PAGE's examples, write
# the lines that follow it, up to the next "$ " line or the end of the
# display, into FILE (relative to the current directory), unescaping \e.
write_example_files() {
    examples "$1" | awk '
        /^\$ cat / { file = $3; system("mkdir -p \"$(dirname \"" file "\")\""); printf "" >file; next }
        /^\$ / || /^\.Ed/ { if (file) close(file); file = ""; next }
        file { gsub(/\\e/, "\\"); print >>file }'
}

@test "--help lists the options the documents are checked against" {
    run long_options
    assert_success
    for o in text all-states window explain list format config-dir help usage version; do
        assert_line "$o"
    done
    [ "${#lines[@]}" -ge 14 ] || fail "only ${#lines[@]} long options found"
}

@test "every long option is described in heal-analyze(1)" {
    local missing
    missing=$(docs_missing_in_page heal-analyze "$PAGE")
    [ -z "$missing" ] || fail "not in man/heal-analyze.1:$missing"
}

@test "every long option is completed by bash, zsh and fish" {
    local missing
    missing=$(docs_missing_in_completions heal-analyze)
    [ -z "$missing" ] || fail "missing:$missing"
}

@test "the completions offer the --format values and file names as arguments" {
    grep -q "compgen -W 'auto json text'" "$BASH_COMP"
    grep -q "^    _filedir$" "$BASH_COMP"
    grep -q -- "--format=\[output format\]:format:(auto json text)" "$ZSH_COMP"
    grep -q "'\*:input file.*:_files'" "$ZSH_COMP"
    grep -q -- "-l format -x -a 'auto json text'" "$FISH_COMP"
    ! grep -q "^complete -c heal-analyze -f$" "$FISH_COMP" # files stay completed
    bash -n "$BASH_COMP"
}

@test "every exit status heal-analyze uses is in heal-analyze(1)" {
    local s
    for s in 0 1 2 3 4; do
        sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$PAGE" | grep -qx "\.It $s" || fail "exit $s"
    done
}

@test "heal-signatures(5) documents every field and category the loader knows" {
    local f c missing=
    for f in id category severity description patterns literals summary confidence \
        transient remedies multiline source disabled; do
        grep -qE "^\.It Cm $f( |$)" "$SIGPAGE" || missing+=" field:$f"
    done
    for c in disk memory resource process network dns tls http permission auth database \
        service container dependency build test config runtime lock time unknown; do
        grep -qE "^\.Cm $c( [,.])?$" "$SIGPAGE" || missing+=" category:$c"
    done
    for v in python-traceback java-exception go-panic; do
        grep -qE "^\.Cm $v$" "$SIGPAGE" || missing+=" multiline:$v"
    done
    [ -z "$missing" ] || fail "not in man/heal-signatures.5:$missing"
}

@test "heal-analyze(1) and heal-signatures(5) pass mandoc -Tlint -W warning silently" {
    run mandoc -Tlint -W warning "$PAGE" "$SIGPAGE"
    assert_success
    assert_output ''
}

@test "the examples of heal-analyze(1) that need no network run" {
    local cmds c
    cd "$HEAL_SCRATCH"
    write_example_files "$PAGE"
    [ -s app.log ] || fail "no app.log in the examples"
    mapfile -t cmds < <(examples "$PAGE" | sed -n 's/^\$ \(.*heal-analyze.*\)/\1/p' |
        grep -v -e journalctl -e --watch -e heal-propose)
    [ "${#cmds[@]}" -ge 5 ] || fail "only ${#cmds[@]} examples found"
    for c in "${cmds[@]}"; do
        run --separate-stderr bash -c "$c"
        [ "$status" -le 1 ] || fail "'$c' exited $status: $stderr"
        case $c in
            *--list*) [ "$status" -eq 0 ] && [ -n "$output" ] || fail "'$c' listed nothing" ;;
            *"|"*) ;; # the status is the last command's; the output is checked below
            *app.log*) [ "$status" -eq 1 ] || fail "'$c' found nothing in app.log" ;;
        esac
        case $c in
            *--explain*) assert_output --partial '> 2026-11-29T10:02:30Z cp: error writing' ;;
            *@tsv*) assert_output "$(printf '2\t2026-11-29T10:00:01.000Z\t2026-11-29T10:02:30.000Z')" ;;
            *--all-states*) assert_output '{"path":"/dev/full"}' ;;
        esac
    done
}

@test "the custom signature file of heal-signatures(5) loads and diagnoses its example" {
    local expected
    cd "$HEAL_CONFIG_DIR"
    write_example_files "$SIGPAGE"
    [ -s signatures.d/50-python.json ] || fail "no 50-python.json in the examples"
    rm signatures.d/60-disk.json # the override is tested on its own below
    run --separate-stderr heal-analyze --list
    assert_success
    assert_equal "$stderr" ''
    assert_line --partial '"id":"dependency.python_module"'
    expected=$(examples "$SIGPAGE" | grep -A1 "^\$ python3 -c 'import no_such_module'" | tail -1)
    run --separate-stderr bash -c "python3 -c 'import no_such_module' 2>&1 |
        heal-analyze --text --format=text"
    assert_failure 1
    assert_output "$expected"
}

@test "the disk.full override of heal-signatures(5) replaces the built-in summary" {
    cd "$HEAL_CONFIG_DIR"
    write_example_files "$SIGPAGE"
    rm signatures.d/50-python.json
    run --separate-stderr heal-analyze --text --format=json \
        <<<"cp: error writing '/var/lib/app/data.bin': No space left on device"
    assert_failure 1
    assert_equal "$stderr" ''
    [ "$(jq -r .summary <<<"$output")" = \
        "A disk is full: see the runbook at https://wiki.example.org/disk-full" ]
}
