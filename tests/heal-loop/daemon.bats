#!/usr/bin/env bats
# heal-loop as a daemon: the streaming pipeline under supervision, with a
# real nginx (Debian's) on 127.0.0.1 that gets killed and healed.

load ../lib/common
load lib

setup() {
    heal_setup
}

teardown() {
    heal_teardown
    stop_nginx
}

# web_check: an http check of nginx, every second, HARD at once, whose
# start command is the daemonising script; and the remedy that runs it.
web_check() {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg url "http://127.0.0.1:$PORT/ok" --arg start "$HEAL_SCRATCH/start-nginx" \
        '{name: "web", kind: "http", url: $url, interval: "1s", retry_interval: "1s",
          max_attempts: 1, timeout: "2s", labels: {start_command: $start}}' \
        >"$HEAL_CONFIG_DIR/checks.d/web.json"
    remedy '{"id": "nginx.start", "title": "Start nginx with its start command",
             "argv": ["{start_command}"],
             "params": {"start_command": {"source": "label:start_command",
                                          "pattern": "^/[A-Za-z0-9_./-]+$"}},
             "applies_to": ["network.curl-connect-failed", "network.connection-refused"]}'
}

# notify_listener: a datagram socket at $sock, as systemd's, writing each
# message it gets to $HEAL_SCRATCH/notified (newlines as '|').
notify_listener() {
    sock=$HEAL_SCRATCH/notify.sock
    start_bg listener "$HEAL_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        out.flush()
' "$sock" "$HEAL_SCRATCH/notified"
    wait_for test -S "$sock"
}

# loop_records: what the daemon has written so far.
loop_records() {
    cat "$HEAL_SCRATCH/bg/loop.out"
}

has_record() { # JQ-FILTER: true once a record matches
    loop_records | jq -e -s "any(.[]; $1)" >/dev/null 2>&1
}

pids_of() { # PATTERN: pids of heal stages under this test's state dir
    pgrep -f -- "$1.*--state-dir $HEAL_STATE_DIR" || true
}

@test "nginx is killed; heal-loop restarts it through a playbook remedy and the check is OK again" {
    start_nginx
    web_check
    start_bg loop heal-loop --apply --format=json
    wait_for has_record '.type == "check" and .target == "web" and .status == "ok"'
    old=$(<"$NGINX_PID_FILE")
    kill_nginx
    wait_for -t 20 has_record '.type == "outcome" and .remedy == "nginx.start" and .result == "healed"'
    # A new nginx answers, and a later check record says so.
    curl -sf "http://127.0.0.1:$PORT/ok"
    [ "$(<"$NGINX_PID_FILE")" != "$old" ]
    n=$(loop_records | jq -s 'map(.type == "outcome") | index(true)')
    wait_for has_record ".type == \"check\" and .status == \"ok\" and (input_line_number > $n)" ||
        loop_records | jq -e -s --argjson n "$n" '.[$n:] | any(.type == "check" and .status == "ok")'
    stop_bg loop
    assert_equal "$bg_status" 0
    assert_valid_records "$HEAL_SCRATCH/bg/loop.out"
}

@test "a stage killed with kill -9 is restarted, an event says so, and healing goes on" {
    start_nginx
    web_check
    start_bg loop heal-loop --apply --format=json
    wait_for has_record '.type == "check" and .status == "ok"'
    # One heal first, so a heal-apply worker runs (they start when needed).
    kill_nginx
    wait_for -t 20 has_record '.type == "outcome" and .result == "healed"'
    for stage in heal-analyze heal-propose heal-check heal-apply; do
        pid=$(pids_of "$stage --")
        [ -n "$pid" ] || fail "no $stage running"
        kill -KILL $pid
        wait_for -t 20 has_record ".type == \"event\" and .event == \"stage.restarted\" and (.stage | startswith(\"$stage\"))"
    done
    has_record '.type == "event" and .event == "stage.exited" and .stage == "heal-analyze" and .signal == 9'
    # Still healing.
    healed=$(loop_records | jq -s 'map(select(.type == "outcome" and .result == "healed")) | length')
    wait_for curl -sf -o /dev/null "http://127.0.0.1:$PORT/ok"
    kill_nginx
    wait_for -t 30 bash -c "[ \$(jq -s 'map(select(.type == \"outcome\" and .result == \"healed\")) | length' '$HEAL_SCRATCH/bg/loop.out') -gt $healed ]"
    curl -sf "http://127.0.0.1:$PORT/ok"
    stop_bg loop
    assert_equal "$bg_status" 0
}

@test "one daemon per pid file; heal-loop stop drains it and removes the pid file" {
    exec_check db 0 "OK: fine"
    start_bg loop heal-loop --format=json
    wait_for test -s "$HEAL_STATE_DIR/heal-loop.pid"
    assert_equal "$(<"$HEAL_STATE_DIR/heal-loop.pid")" "$(bg_pid loop)"
    run --separate-stderr heal-loop --format=json
    assert_equal "$status" 3
    use_stderr
    assert_output "heal-loop: $HEAL_STATE_DIR/heal-loop.pid: already running as pid $(bg_pid loop)"
    run --separate-stderr heal-loop stop
    assert_success
    assert_file_not_exists "$HEAL_STATE_DIR/heal-loop.pid"
    heal_pid_alive "$(bg_pid loop)" && fail "heal-loop still runs"
    [ -z "$(pids_of heal-)" ] || fail "stages left behind: $(pids_of heal-)"
    run --separate-stderr heal-loop stop
    assert_equal "$status" 1
    use_stderr
    assert_output --partial 'no heal-loop is running'
}

@test "a stale pid file from a killed daemon does not stop the next one" {
    exec_check db 0 "OK: fine"
    start_bg loop heal-loop --format=json --pid-file "$HEAL_SCRATCH/x.pid"
    wait_for test -s "$HEAL_SCRATCH/x.pid"
    kill -KILL "$(bg_pid loop)"
    # The stages get SIGTERM when their parent dies (PR_SET_PDEATHSIG).
    wait_for bash -c "! pgrep -f -- 'heal-[a-z]* --.*--state-dir $HEAL_STATE_DIR' >/dev/null"
    assert_file_exists "$HEAL_SCRATCH/x.pid"
    stop_bg loop
    start_bg loop2 heal-loop --format=json --pid-file "$HEAL_SCRATCH/x.pid"
    wait_for bash -c "[ \"\$(cat '$HEAL_SCRATCH/x.pid')\" = $(bg_pid loop2) ]"
    run heal-loop stop --pid-file "$HEAL_SCRATCH/x.pid"
    assert_success
}

@test "SIGTERM drains: every stage ends and the exit is clean" {
    exec_check web 2 "connect to address 127.0.0.1 and port 9: Connection refused"
    start_bg loop heal-loop --format=json
    wait_for has_record '.type == "outcome"'
    stop_bg loop
    assert_equal "$bg_status" 0
    [ -z "$(pids_of heal-)" ] || fail "stages left behind"
    # Nothing half-written.
    assert_valid_records "$HEAL_SCRATCH/bg/loop.out"
}

@test "SIGHUP reads the configuration again: a new check runs" {
    exec_check db 0 "OK: fine"
    start_bg loop heal-loop --format=json
    wait_for has_record '.type == "check" and .target == "db"'
    exec_check cache 0 "OK: cache fine"
    kill -HUP "$(bg_pid loop)"
    wait_for has_record '.type == "check" and .target == "cache"'
    heal_pid_alive "$(bg_pid loop)"
    stop_bg loop
    assert_equal "$bg_status" 0
}

@test "the status file and the metrics are written every cycle" {
    exec_check web 2 "connect to address 127.0.0.1 and port 9: Connection refused"
    exec_check db 0 "OK: fine"
    start_bg loop heal-loop --format=json --cycle 1s --metrics "$HEAL_SCRATCH/heal.prom"
    wait_for test -s "$HEAL_SCRATCH/heal.prom"
    wait_for grep -q 'heal_check_status{check="web"} 2' "$HEAL_SCRATCH/heal.prom"
    # The dry run's outcome for web is counted by remedy and result.
    wait_for grep -Eq '^heal_outcomes_total\{remedy="[a-z0-9._-]+",result="[a-z_]+"\} [1-9][0-9]*$' \
        "$HEAL_SCRATCH/heal.prom"
    run cat "$HEAL_SCRATCH/heal.prom"
    assert_line 'heal_check_status{check="db"} 0'
    assert_line '# TYPE heal_outcomes_total counter'
    assert_line --regexp '^heal_build_info\{version="[0-9.]+",mode="dry-run"\} 1$'
    # Exposition format: every sample line is NAME{LABELS} VALUE, every family typed once.
    run bash -c "grep -v '^#' '$HEAL_SCRATCH/heal.prom' | grep -Ev '^[a-z_]+(\{([a-z_]+=\"([^\"\\\\]|\\\\.)*\",?)*\})? [-+0-9.eNaInf]+$'"
    assert_output ''
    run bash -c "grep '^# TYPE' '$HEAL_SCRATCH/heal.prom' | awk '{print \$3}' | sort | uniq -d"
    assert_output ''
    run jq -c '[.targets.web.status, .targets.db.status, .mode, .healthy]' \
        "$HEAL_STATE_DIR/loop/heal-loop.status.json"
    assert_output '["critical","ok","dry-run",false]'
    # heal-loop status names the daemon, running.
    run heal-loop status --format=json
    run jq -c --arg p "$HEAL_STATE_DIR/heal-loop.pid" '.loops | map([.pid_file == $p, .running, .mode])' <<<"$output"
    assert_output '[[true,true,"dry-run"]]'
    # A cycle summary goes out too.
    wait_for has_record '.type == "event" and .event == "cycle.summary"'
    stop_bg loop
}

@test "sd_notify: READY, WATCHDOG and STOPPING reach \$NOTIFY_SOCKET" {
    exec_check db 0 "OK: fine"
    notify_listener
    NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 start_bg loop heal-loop --format=json
    wait_for grep -q '^READY=1' "$HEAL_SCRATCH/notified"
    wait_for grep -q '^WATCHDOG=1' "$HEAL_SCRATCH/notified"
    stop_bg loop
    wait_for grep -q '^STOPPING=1' "$HEAL_SCRATCH/notified"
}

@test "a WATCHDOG_PID naming another process means no pings" {
    exec_check db 0 "OK: fine"
    notify_listener
    NOTIFY_SOCKET=$sock WATCHDOG_USEC=200000 WATCHDOG_PID=1 start_bg loop heal-loop --format=json
    wait_for grep -q '^READY=1' "$HEAL_SCRATCH/notified"
    sleep 0.6
    run grep -c '^WATCHDOG=1' "$HEAL_SCRATCH/notified"
    assert_output 0
    stop_bg loop
}

@test "heal.json's max_concurrent_heals bounds the heal-apply workers; none run while healthy" {
    exec_check db 0 "OK: fine"
    start_bg loop heal-loop --apply --format=json
    wait_for has_record '.type == "check"'
    run pgrep -fc -- "heal-apply --.*--state-dir $HEAL_STATE_DIR"
    assert_output 0
    stop_bg loop
    # Three failing targets, a remedy that takes a while: two at once, never three.
    script slow "touch '$HEAL_SCRATCH/started.'\$\$; sleep 2"
    remedy "{\"id\": \"test.slow\", \"argv\": [\"$HEAL_SCRATCH/slow\"], \"applies_to\": [\"network.connection-refused\"],
             \"verify\": {\"recheck\": false}}"
    for t in a b c; do exec_check "$t" 2 "connect to address 127.0.0.1 and port 9: Connection refused"; done
    echo '{"max_concurrent_heals": 2}' >"$HEAL_CONFIG_DIR/heal.json"
    start_bg loop2 heal-loop --apply --format=json
    wait_for bash -c "ls '$HEAL_SCRATCH'/started.* 2>/dev/null | wc -l | grep -qx 2"
    run pgrep -fc -- "heal-apply --.*--state-dir $HEAL_STATE_DIR"
    assert_output 2
    sleep 0.5
    run bash -c "ls '$HEAL_SCRATCH'/started.* | wc -l"
    assert_output 2
    stop_bg loop2
}

@test "at a terminal's format the daemon prints changes as they happen" {
    exec_check web 2 "connect to address 127.0.0.1 and port 9: Connection refused"
    start_bg loop heal-loop --format=text
    wait_for grep -q 'critical  web' "$HEAL_SCRATCH/bg/loop.out"
    wait_for grep -q 'diagnose  web  network.connection-refused' "$HEAL_SCRATCH/bg/loop.out"
    stop_bg loop
}

@test "a closed stdout drains the daemon quietly" {
    exec_check db 0 "OK: fine"
    run --separate-stderr bash -c 'heal-loop --format=json | head -n 1 >/dev/null; wait'
    assert_success
    use_stderr
    refute_output --partial 'Broken pipe'
    wait_for bash -c "! pgrep -f -- 'heal-[a-z]* --.*--state-dir $HEAL_STATE_DIR' >/dev/null"
}

@test "a proposal that arrives during a drain starts no heal-apply: the stop is not held up" {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    # The check is still running when SIGTERM comes: its record, the last, is diagnosed and
    # proposed during the drain.  A worker started for it then was never told to stop, and
    # held the drain for its whole verification (30 s, until the drain deadline).
    jq -cn --arg marker "$HEAL_SCRATCH/checking" \
        '{name: "web", kind: "exec", max_attempts: 1, interval: "1h", timeout: "20s",
          command: ["sh", "-c", "touch \"$1\"; sleep 2; echo \"connect to address 127.0.0.1 and port 9: Connection refused\"; exit 2", "sh", $marker]}' \
        >"$HEAL_CONFIG_DIR/checks.d/web.json"
    start_bg loop heal-loop --format=json --apply --verbose
    wait_for test -e "$HEAL_SCRATCH/checking"
    stop_bg loop
    assert_equal "$bg_status" 0
    has_record '.type == "proposal"' || fail "the check's record was not carried through: $(loop_records)"
    has_record '.type == "outcome"' && fail "a heal-apply worker ran during the drain: $(loop_records)"
    grep -q '^heal-apply:' "$HEAL_SCRATCH/bg/loop.err" &&
        fail "a heal-apply worker was started during the drain: $(cat "$HEAL_SCRATCH/bg/loop.err")"
    grep -q 'draining: its proposal is not sent' "$HEAL_SCRATCH/bg/loop.err" ||
        fail "no word of the proposal left unsent: $(cat "$HEAL_SCRATCH/bg/loop.err")"
    [ -z "$(pids_of heal-)" ] || fail "stages left behind"
}
