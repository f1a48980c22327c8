#!/usr/bin/env bash
# Mean time to repair: a supervised process is killed; how long until a new
# one runs?  The same scenario under heal-loop and under Monit (Debian's
# monit, `set daemon 1`), same pidfile, same start command, BENCH_TRIALS
# (20) kills each at irregular intervals, in the same run.  Prints median
# and max from kill to a new live process for both, and the ratio; the
# target is heal-loop at least BENCH_TARGET_RATIO (10) times faster at the
# median.  Then the idle cost: 20 process checks at a 10 s interval for
# BENCH_IDLE_SECONDS (300), CPU time and PSS of each whole process tree,
# with heal-loop's tree also per process; the target is no more than
# Monit's.  PSS shares a page among the processes mapping it, so Monit's
# figure also depends on what else on the host maps its libraries
# (libcrypto: 5-6 MiB alone, ~3 MiB when another process maps it too).
set -euo pipefail
B=${B:-build}
N=${BENCH_TRIALS:-20}
TARGET=${BENCH_TARGET_RATIO:-10}
IDLE=${BENCH_IDLE_SECONDS:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/$B/bin
command -v monit >/dev/null || { echo "mttr.sh: monit is not installed (make deps)" >&2; exit 1; }
dir=$(mktemp -d)
chmod 0700 "$dir"
sup=''
cleanup() {
    [ -z "$sup" ] || { kill "$sup" 2>/dev/null; wait "$sup" 2>/dev/null; } || true
    for f in "$dir"/svc*.pid; do
        [ -s "$f" ] && kill -KILL "$(<"$f")" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT
unset HEAL_NOW NOTIFY_SOCKET

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

# The service: a daemon that writes its pidfile, started the same way for both.
cat >"$dir/start" <<EOF
#!/bin/sh
# start PIDFILE (Monit passes no argument: the default pidfile)
pidfile=\${1:-$dir/svc.pid}
setsid sleep 1000000 </dev/null >/dev/null 2>&1 &
echo \$! >"\$pidfile"
EOF
chmod 0755 "$dir/start"

# heal: a process check on the pidfile, the built-in process.restart made
# unattended and without cool-down (as Monit restarts at once).
setup_heal() { # NCHECKS INTERVAL
    rm -rf "$dir/heal"
    mkdir -m 0700 -p "$dir/heal/config/checks.d" "$dir/heal/config/playbook.d" "$dir/heal/state"
    local i name
    for ((i = 0; i < $1; i++)); do
        name=svc$([ "$i" -eq 0 ] || echo "$i")
        printf '{"name":"%s","kind":"process","pidfile":"%s/%s.pid","interval":"%s","max_attempts":1,"labels":{"start_command":"%s/start-%s"}}\n' \
            "$name" "$dir" "$name" "$2" "$dir" "$name" >"$dir/heal/config/checks.d/$name.json"
        printf '#!/bin/sh\nexec %s/start %s/%s.pid\n' "$dir" "$dir" "$name" >"$dir/start-$name"
        chmod 0755 "$dir/start-$name"
    done
    cat >"$dir/heal/config/playbook.d/restart.json" <<'EOF'
{"id": "process.restart", "title": "Start the process again with its configured start command",
 "argv": ["{start_command}"],
 "params": {"start_command": {"source": "label:start_command", "pattern": "^/[A-Za-z0-9_./-]*[A-Za-z0-9_.-]$"}},
 "risk": "low", "complexity": 1, "timeout": "10s",
 "verify": {"recheck": true, "attempts": 1, "delay": "100ms"},
 "applies_to": ["process.*"], "cooldown": "0s", "max_attempts": 1000, "window": "1h", "auto": true}
EOF
}

setup_monit() { # NCHECKS INTERVAL_SECONDS
    rm -rf "$dir/monit"
    mkdir -m 0700 -p "$dir/monit"
    {
        echo "set daemon $2"
        echo "set pidfile $dir/monit/monit.pid"
        echo "set idfile $dir/monit/id"
        echo "set statefile $dir/monit/state"
        echo "set logfile $dir/monit/log"
        local i name
        for ((i = 0; i < $1; i++)); do
            name=svc$([ "$i" -eq 0 ] || echo "$i")
            echo "check process $name with pidfile $dir/$name.pid"
            echo "    start program = \"$dir/start-$name\""
        done
    } >"$dir/monit/monitrc"
    chmod 0600 "$dir/monit/monitrc"
}

start_services() { # NCHECKS
    local i name
    for ((i = 0; i < $1; i++)); do
        name=svc$([ "$i" -eq 0 ] || echo "$i")
        "$dir/start" "$dir/$name.pid"
    done
}

# trials NAME: kills svc N times; prints one time to repair (ms) per line.
trials() {
    local i old new t0 deadline
    for ((i = 0; i < N; i++)); do
        old=$(<"$dir/svc.pid")
        alive "$old" || { echo "mttr.sh: $1: the service is not running before trial $i" >&2; return 1; }
        t0=$(now_us)
        kill -KILL "$old"
        deadline=$((t0 + 30000000))
        while :; do
            new=$(cat "$dir/svc.pid" 2>/dev/null || true)
            if [ -n "$new" ] && [ "$new" != "$old" ] && alive "$new"; then
                echo $((($(now_us) - t0) / 1000))
                break
            fi
            if [ "$(now_us)" -ge "$deadline" ]; then
                echo "mttr.sh: $1: no new process 30 s after kill $i" >&2
                return 1
            fi
            sleep 0.001
        done
        # Irregular spacing, so a poll cycle cannot line up with the kills.
        sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 1 + rand() * 2 }')"
    done
}

stats() { # prints "median max" of the numbers on stdin
    sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[NR] }'
}

# tree_pids PID: PID and all its descendants.
tree_pids() {
    local p
    echo "$1"
    for p in $(pgrep -P "$1" || true); do tree_pids "$p"; done
}

# cpu_ticks PID: user+system time of the tree, with reaped children's.
cpu_ticks() {
    local p total=0 f
    for p in $(tree_pids "$1"); do
        f=$(cut -d' ' -f14-17 "/proc/$p/stat" 2>/dev/null | sed 's/)//') || continue
        set -- $f
        total=$((total + $1 + $2 + $3 + $4))
    done
    echo "$total"
}

pss_kb() {
    local p total=0 v
    for p in $(tree_pids "$1"); do
        v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# pss_each PID: "name KiB" of PID and each descendant, comma-separated.
pss_each() {
    local p out=''
    for p in $(tree_pids "$1"); do
        out="$out${out:+, }$(cat "/proc/$p/comm" 2>/dev/null) $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)"
    done
    echo "$out"
}

wait_running() { # waits until svc's pidfile names a live process
    local i
    for ((i = 0; i < 500; i++)); do
        alive "$(cat "$dir/svc.pid" 2>/dev/null || true)" && return 0
        sleep 0.01
    done
    return 1
}

echo "mttr: $N kills each, 1-3 s apart; time from kill to a new live process"

# --- heal-loop ---
setup_heal 1 10s
start_services 1
HEAL_STATE_DIR=$dir/heal/state HEAL_CONFIG_DIR=$dir/heal/config \
    "$bin/heal-loop" --apply --format=json >"$dir/heal/out" 2>"$dir/heal/err" &
sup=$!
sleep 1
heal_ms=$(trials heal-loop) || { cat "$dir/heal/err" >&2; exit 1; }
kill "$sup"; wait "$sup" || true; sup=''
read -r heal_med heal_max < <(stats <<<"$heal_ms")

# --- Monit ---
setup_monit 1 1
start_services 1
monit -I -c "$dir/monit/monitrc" >"$dir/monit/out" 2>&1 &
sup=$!
wait_running
sleep 2 # its first cycle has seen the service
monit_ms=$(trials monit) || { cat "$dir/monit/log" >&2; exit 1; }
kill "$sup"; wait "$sup" || true; sup=''
read -r monit_med monit_max < <(stats <<<"$monit_ms")

ratio=$(echo "scale=1; $monit_med / ($heal_med + 0.001)" | bc)
printf '  heal-loop: median %s ms, max %s ms\n' "$heal_med" "$heal_max"
printf '  monit 1s:  median %s ms, max %s ms\n' "$monit_med" "$monit_max"
printf '  ratio (monit / heal-loop, median): %sx (target: at least %sx)\n' "$ratio" "$TARGET"
missed=''
[ "$(echo "$ratio >= $TARGET" | bc)" -eq 1 ] || missed="mttr"

# --- idle cost: 20 process checks at 10 s, nothing failing ---
echo "idle: 20 process checks every 10 s for ${IDLE} s; CPU time and PSS of each process tree"
for f in "$dir"/svc*.pid; do kill -KILL "$(<"$f")" 2>/dev/null || true; done
setup_heal 20 10s
start_services 20
HEAL_STATE_DIR=$dir/heal/state HEAL_CONFIG_DIR=$dir/heal/config \
    "$bin/heal-loop" --apply --format=json >/dev/null 2>"$dir/heal/err" &
sup=$!
sleep 2
c0=$(cpu_ticks "$sup")
sleep "$IDLE"
heal_cpu=$(($(cpu_ticks "$sup") - c0))
heal_pss=$(pss_kb "$sup")
heal_each=$(pss_each "$sup")
heal_procs=$(tree_pids "$sup" | wc -l)
kill "$sup"; wait "$sup" || true; sup=''

setup_monit 20 10
monit -I -c "$dir/monit/monitrc" >"$dir/monit/out" 2>&1 &
sup=$!
sleep 2
c0=$(cpu_ticks "$sup")
sleep "$IDLE"
monit_cpu=$(($(cpu_ticks "$sup") - c0))
monit_pss=$(pss_kb "$sup")
kill "$sup"; wait "$sup" || true; sup=''

hz=$(getconf CLK_TCK)
printf '  heal-loop: CPU %s s, PSS %s KiB (%s processes: %s)\n' \
    "$(echo "scale=2; $heal_cpu / $hz" | bc)" "$heal_pss" "$heal_procs" "$heal_each"
printf '  monit:     CPU %s s, PSS %s KiB\n' "$(echo "scale=2; $monit_cpu / $hz" | bc)" "$monit_pss"
[ "$heal_cpu" -le "$monit_cpu" ] || missed="$missed idle-cpu"
[ "$heal_pss" -le "$monit_pss" ] || missed="$missed idle-pss"
if [ -n "$missed" ]; then
    echo "mttr.sh: missed:$missed"
    exit 1
fi
