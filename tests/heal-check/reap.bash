# reap.bash — ending start_bg processes without reading /proc while they exit.
#
# stop_bg polls heal_pid_alive, whose $(<"/proc/PID/stat") can lose the
# race with the shell reaping the child: bats' ERR trap then fails the
# test.  These suites kill processes on purpose, so they end what they
# started by signal and `wait` (each is a child of the test's shell).

# end_bg NAME [SIGNAL]: signals NAME's group (TERM by default) and reaps it.
end_bg() {
    local f=$HEAL_SCRATCH/bg/$1.pid pid
    pid=$(<"$f")
    rm -f "$f"
    kill "-${2:-TERM}" -- "-$pid" 2>/dev/null || kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# end_all_bg: end_bg for everything still running; for teardown.
end_all_bg() {
    local f name
    [ -d "${HEAL_SCRATCH:-}/bg" ] || return 0
    for f in "$HEAL_SCRATCH"/bg/*.pid; do
        [ -e "$f" ] || continue
        name=${f##*/}
        end_bg "${name%.pid}" KILL
    done
}

# comm_is PID NAME: true once PID runs a program called NAME (after its exec).
comm_is() {
    local comm
    { read -r comm <"/proc/$1/comm"; } 2>/dev/null && [ "$comm" = "$2" ]
}
