# common.bash — the helpers every heal bats suite loads:
#
#     load ../lib/common
#
# It loads bats-support, bats-assert and bats-file, and provides default
# setup/teardown (heal_setup / heal_teardown) that a suite may replace with
# its own, as long as its own calls them.
#
#   heal_setup                      scratch dir; HEAL_STATE_DIR, HEAL_CONFIG_DIR (0700) in it
#   heal_teardown                   stop every start_bg process still running
#   assert_valid_records [--type T] [FILE...]
#                                   validate $output (or FILEs) against man/schema
#   wait_for [-t SECS] CMD...       run CMD until it succeeds; fail after the deadline
#   free_port                       print a free 127.0.0.1 TCP port
#   start_bg NAME CMD...            run CMD in the background, pid kept under the scratch dir
#   bg_pid NAME                     print the pid start_bg recorded for NAME
#   stop_bg NAME                    TERM (then KILL) NAME by pid; sets bg_status to its exit status
#   heal_pid_alive PID              true while PID runs (zombies count as gone)
#   use_stderr                      after `run --separate-stderr`: point assert_output and
#                                   assert_line at $stderr
#
# Programs are found on PATH through $HEAL_BIN, which tests/lib/run-suites
# exports; run directly (`bats tests/...`), the suites use build/bin.

# `run --separate-stderr` and `run -N` need 1.5; Debian 12 has 1.8.2.
bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
load /usr/lib/bats/bats-file/load.bash

HEAL_ROOT=${HEAL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HEAL_BIN=${HEAL_BIN:-$HEAL_ROOT/build/bin}
case ":$PATH:" in
    *":$HEAL_BIN:"*) ;;
    *) PATH="$HEAL_BIN:$PATH" ;;
esac
export HEAL_ROOT HEAL_BIN PATH
# Debian's interpreter: it has python3-jsonschema, a pyenv python3 on PATH may not.
HEAL_PYTHON=${HEAL_PYTHON:-/usr/bin/python3}
HEAL_VALIDATE=${HEAL_VALIDATE:-$HEAL_ROOT/tests/lib/validate-records}
HEAL_FIXTURES=$HEAL_ROOT/tests/fixtures
export HEAL_PYTHON HEAL_VALIDATE HEAL_FIXTURES

# heal_setup: make $HEAL_SCRATCH (inside $BATS_TEST_TMPDIR, removed by bats)
# holding the state and configuration directories, created 0700 as heal
# expects, and keep XDG variables inside it so nothing touches $HOME.
heal_setup() {
    HEAL_SCRATCH=$BATS_TEST_TMPDIR/heal
    mkdir -p "$HEAL_SCRATCH/state" "$HEAL_SCRATCH/config" "$HEAL_SCRATCH/bg" \
        "$HEAL_SCRATCH/xdg"
    chmod 0700 "$HEAL_SCRATCH" "$HEAL_SCRATCH/state" "$HEAL_SCRATCH/config"
    umask 022 # configuration files must not be group/other writable
    export HEAL_SCRATCH
    export HEAL_STATE_DIR=$HEAL_SCRATCH/state
    export HEAL_CONFIG_DIR=$HEAL_SCRATCH/config
    export XDG_STATE_HOME=$HEAL_SCRATCH/xdg/state
    export XDG_CONFIG_HOME=$HEAL_SCRATCH/xdg/config
    export XDG_CACHE_HOME=$HEAL_SCRATCH/xdg/cache
    unset HEAL_NOW # a test that wants a frozen clock sets it itself
}

# heal_teardown: stop, by pid, every process start_bg started and nobody
# stopped, even when the test failed half-way.
heal_teardown() {
    local f name
    [ -n "${HEAL_SCRATCH:-}" ] && [ -d "$HEAL_SCRATCH/bg" ] || return 0
    for f in "$HEAL_SCRATCH"/bg/*.pid; do
        [ -e "$f" ] || continue
        name=${f##*/}
        stop_bg "${name%.pid}" || true
    done
}

setup() { heal_setup; }
teardown() { heal_teardown; }

# assert_valid_records [--type T] [FILE...]
# Validates FILEs, or else $output, as heal records; on failure shows the
# validator's FILE:LINE: pointer: message lines.  An empty $output fails:
# a check that no record is emitted is `assert_output ''`.  With `run`, use
# `run --separate-stderr` so that logs on stderr stay out of $output.
assert_valid_records() {
    local args=() out rc=0
    while [ $# -gt 0 ]; do
        case $1 in
            --type) args+=(--type "$2"); shift 2 ;;
            --type=*) args+=("$1"); shift ;;
            *) break ;;
        esac
    done
    if [ $# -gt 0 ]; then
        out=$("$HEAL_PYTHON" "$HEAL_VALIDATE" "${args[@]}" "$@" 2>&1) || rc=$?
    elif [ -z "${output-}" ]; then
        echo "assert_valid_records: \$output is empty: no records to validate" | fail
        return 1
    else
        out=$(printf '%s\n' "$output" | "$HEAL_PYTHON" "$HEAL_VALIDATE" "${args[@]}" 2>&1) || rc=$?
    fi
    if [ $rc -ne 0 ]; then
        batslib_print_kv_single_or_multi 8 'errors' "$out" \
            | batslib_decorate 'records are not valid' | fail
        return 1
    fi
}

# use_stderr: after `run --separate-stderr`, make $stderr what assert_output
# and assert_line examine ($output and $lines), to check error messages.
# shellcheck disable=SC2034 # output and lines are read by bats-assert
use_stderr() {
    output=$stderr
    lines=()
    [ -z "$stderr" ] || mapfile -t lines <<<"$stderr"
}

# wait_for [-t SECONDS] CMD...
# Runs CMD every 50 ms until it succeeds; fails, naming CMD, once SECONDS
# (default $HEAL_WAIT_SECONDS or 20) have passed.  A poll, not a sleep.
wait_for() {
    local limit=${HEAL_WAIT_SECONDS:-20}
    if [ "${1-}" = -t ]; then
        limit=$2
        shift 2
    fi
    local whole=${limit%%.*} frac=000000 start deadline now
    [ "$whole" = "$limit" ] || frac=${limit#*.}000000
    start=${EPOCHREALTIME/[.,]/}
    deadline=$((start + 10#${whole:-0} * 1000000 + 10#${frac:0:6}))
    while :; do
        "$@" && return 0
        now=${EPOCHREALTIME/[.,]/}
        if [ "$now" -ge "$deadline" ]; then
            echo "wait_for: still failing after ${limit}s: $*" | fail
            return 1
        fi
        sleep 0.05
    done
}

# free_port: prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    "$HEAL_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# start_bg NAME CMD...
# Starts CMD in its own process group with stdout and stderr in
# $HEAL_SCRATCH/bg/NAME.out and NAME.err; the pid goes to NAME.pid.
start_bg() {
    local name=$1
    shift
    [ -n "${HEAL_SCRATCH:-}" ] || heal_setup
    if [ -e "$HEAL_SCRATCH/bg/$name.pid" ]; then
        echo "start_bg: $name is already running" | fail
        return 1
    fi
    # fd 3 is bats' own: a background child holding it open hangs the run.
    setsid "$@" >"$HEAL_SCRATCH/bg/$name.out" 2>"$HEAL_SCRATCH/bg/$name.err" </dev/null 3>&- &
    echo $! >"$HEAL_SCRATCH/bg/$name.pid"
}

# bg_pid NAME: prints the pid start_bg recorded.
bg_pid() {
    cat "$HEAL_SCRATCH/bg/$1.pid"
}

# stop_bg NAME
# Sends SIGTERM to NAME's process group (its pid), waits up to 5 s for the
# leader to go, then SIGKILLs what is left of the group.  Sets bg_status to its exit status when known.
# shellcheck disable=SC2034 # bg_status is for the caller
stop_bg() {
    local name=$1 f pid i
    f=$HEAL_SCRATCH/bg/$name.pid
    if [ ! -e "$f" ]; then
        echo "stop_bg: $name was not started" | fail
        return 1
    fi
    pid=$(<"$f")
    rm -f "$f"
    bg_status=
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        heal_pid_alive "$pid" || break
        sleep 0.05
    done
    # Whatever of the group ignored SIGTERM.  Safe before the wait below:
    # until the leader is reaped its pid, the group's id, cannot be reused.
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    # Our child: reap it and keep its status (128+signal when killed).
    wait "$pid" 2>/dev/null && bg_status=0 || bg_status=$?
    return 0
}

# heal_pid_alive PID: true while PID runs (an exited, unreaped child is a
# zombie that `kill -0` still finds, so look at its state).  bash reaps its
# background children on its own, so /proc/PID may vanish between the test
# and the read: read with a builtin in a condition, not in $(<...), whose
# subshell would trip bats' ERR trap.
heal_pid_alive() {
    local stat
    if [ -r "/proc/$1/stat" ]; then
        # The process may exit between the test and the read: a failed read is "gone".
        { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != Z ]
    else
        kill -0 "$1" 2>/dev/null
    fi
}

# The names of the built-in checks, in order, from data/checks.json itself,
# so suites follow the catalog instead of repeating it.
builtin_check_names() {
    grep -v '^[[:space:]]*#' "$HEAL_ROOT/data/checks.json" | jq -r '.[].name'
}
