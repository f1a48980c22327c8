# Shared by every program's docs.bats.  The popt table, as --help prints
# it, is the one source of a program's options (curl's rule): its man page
# and its three completion files must each name every long option.

# docs_long_options PROG [SUBCOMMAND]: the long options `PROG [SUBCOMMAND] --help`
# lists, one a line.
docs_long_options() {
    "$@" --help | sed -n 's/^ *\(-[^ ,], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' | sort -u
}

# docs_missing_in_page PROG PAGE: the long options PAGE has no .It Fl entry for.
docs_missing_in_page() {
    local o
    for o in $(docs_long_options "$1"); do
        grep -qE "^\.It (.* )?Fl -$o( |$)" "$2" || printf ' --%s' "$o"
    done
}

# docs_missing_in_completions PROG: the long options a completion file lacks.
docs_missing_in_completions() {
    local o dir=$HEAL_ROOT/completions
    for o in $(docs_long_options "$1"); do
        grep -qE -- "(^|[ '\"(])--$o([ =\"')]|$)" "$dir/$1.bash" || printf ' bash:--%s' "$o"
        grep -qE -- "(^|[ '\"{,(*)])--$o([]=[ \"'}+,]|$)" "$dir/_$1" || printf ' zsh:--%s' "$o"
        grep -qE -- "-l $o( |$)" "$dir/$1.fish" || printf ' fish:--%s' "$o"
    done
}
