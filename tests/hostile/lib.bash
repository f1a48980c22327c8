# lib.bash — hostile text the hostile-input suites feed to every place text
# enters heal (load ../lib/common first).
#
#   hostile_lines               prints one line of each kind: shell metacharacters,
#                               option look-alikes, path traversal, ANSI escapes
#                               (CSI, OSC title, bell), a NUL byte, invalid UTF-8, CR
#   big_line BYTES PREFIX       prints PREFIX and then x's up to BYTES, and a newline
#   on_terminal CMD...          runs CMD under script(1) on a pseudo-terminal (NO_COLOR set,
#                               so any ESC seen came from the input); output in $output
#   refute_raw_escape           $output holds no ESC (\033) and no BEL (\007) byte

hostile_lines() {
    printf '%s\n' 'ERROR $(touch /tmp/heal-pwned) `id` ; rm -rf / && reboot | tee x > y < z'
    printf '%s\n' 'ERROR --foo -rf --config-dir=/tmp/evil'
    printf '%s\n' 'ERROR ../../../../etc/passwd /proc/self/environ'
    printf 'ERROR \033[2J\033[31mred\033]0;owned title\007 \033[?1049h\n'
    printf 'ERROR nul\000byte after\n'
    printf 'ERROR invalid \xff\xfe\xc3\x28 utf8 \xed\xa0\x80 surrogate\n'
    printf 'ERROR carriage\rreturn\n'
}

big_line() {
    "$HEAL_PYTHON" -c 'import sys
p = sys.argv[2].encode()
sys.stdout.buffer.write(p + b"x" * (int(sys.argv[1]) - len(p)) + b"\n")' "$1" "$2"
}

on_terminal() {
    local cmd
    printf -v cmd '%q ' "$@"
    run env NO_COLOR=1 TERM=xterm script -qec "$cmd" /dev/null
}

refute_raw_escape() {
    if [[ $output == *$'\033'* || $output == *$'\007'* ]]; then
        echo "raw ESC or BEL in: $(printf '%q' "$output" | cut -c1-300)" | fail
        return 1
    fi
}
