#!/usr/bin/env bats
# Pipes under stress: a consumer that closes its end, a consumer that
# reads slowly, and a stage killed with kill -9 in the middle of a
# stream.  SIGPIPE ends a stage quietly; no line is ever cut in two.

load ../lib/common
load lib

setup() {
    heal_setup
    # 300 exec checks and 20,000 pass-through events: more than a pipe holds.
    "$HEAL_PYTHON" -c '
import json
for i in range(300):
    print(json.dumps({"name": "t%d" % i, "kind": "exec", "command": ["/bin/true"]}))' \
        >"$HEAL_SCRATCH/checks.json"
    "$HEAL_PYTHON" -c '
import json
for i in range(20000):
    print(json.dumps({"type": "event", "v": 1, "id": "01M86GTHGQ6CQ643DZVMXXQKFB",
                      "ts": "2026-11-24T10:15:03.447Z", "host": "h", "event": "x", "n": i},
                     separators=(",", ":")))' >"$HEAL_SCRATCH/events.ndjson"
}

# closed_early CMD...: runs CMD | head -n 1; its status, stderr and the line
# head kept are in $HEAL_SCRATCH/{rc,err,line}.
closed_early() {
    ( "$@" 2>"$HEAL_SCRATCH/err"; echo $? >"$HEAL_SCRATCH/rc" ) | head -n 1 >"$HEAL_SCRATCH/line"
}

assert_closed_quietly() {
    assert_equal "$(wc -l <"$HEAL_SCRATCH/line")" 1
    assert_valid_records "$HEAL_SCRATCH/line"
    assert_equal "$(cat "$HEAL_SCRATCH/err")" ''
    # Quiet: 0, or the plain death by SIGPIPE (128 + 13), never a crash or an error code.
    case $(<"$HEAL_SCRATCH/rc") in 0 | 1 | 141) ;; *) fail "exit $(<"$HEAL_SCRATCH/rc")" ;; esac
}

@test "every stage ends quietly when its reader closes the pipe (| head -n 1)" {
    closed_early heal-check --checks="$HEAL_SCRATCH/checks.json"
    assert_closed_quietly
    for stage in heal-analyze heal-propose heal-apply; do
        closed_early "$stage" "$HEAL_SCRATCH/events.ndjson"
        assert_closed_quietly
    done
    closed_early heal-analyze --text "$HEAL_FIXTURES/../../README.md"
    assert_equal "$(cat "$HEAL_SCRATCH/err")" ''
}

@test "heal-loop --once ends quietly when its reader closes the pipe" {
    closed_early heal-loop --once --apply --checks="$HEAL_SCRATCH/checks.json" --format=json
    assert_closed_quietly
    # No stage is left behind.
    run pgrep -f -- "--state-dir $HEAL_STATE_DIR"
    assert_failure
}

@test "a slow reader gets every record whole, from every stage" {
    slow_reader() { while IFS= read -r line; do
        [ $((++n % 50)) -ne 0 ] || sleep 0.01; printf '%s\n' "$line"; done; }
    heal-check --checks="$HEAL_SCRATCH/checks.json" | slow_reader >"$HEAL_SCRATCH/out"
    assert_equal "$(wc -l <"$HEAL_SCRATCH/out")" 300
    assert_valid_records "$HEAL_SCRATCH/out"
    head -n 3000 "$HEAL_SCRATCH/events.ndjson" >"$HEAL_SCRATCH/in"
    heal-analyze "$HEAL_SCRATCH/in" | heal-propose | heal-apply | slow_reader >"$HEAL_SCRATCH/out"
    cmp "$HEAL_SCRATCH/out" "$HEAL_SCRATCH/in"
}

@test "heal-analyze killed with kill -9 mid-stream: the next stage keeps only whole records" {
    # Big records (about 20 KiB, more than PIPE_BUF) so a kill can land
    # inside one write, from a producer that never ends.
    cat >"$HEAL_SCRATCH/gen.py" <<'PY'
import json, sys
pad = "y" * 20000
i = 0
while True:
    sys.stdout.write(json.dumps({"type": "event", "v": 1, "id": "01M86GTHGQ6CQ643DZVMXXQKFB",
        "ts": "2026-11-24T10:15:03.447Z", "host": "h", "event": "x", "n": i, "pad": pad}) + "\n")
    i += 1
PY
    (
        "$HEAL_PYTHON" "$HEAL_SCRATCH/gen.py" 2>/dev/null |
            heal-analyze 2>"$HEAL_SCRATCH/analyze.err" &
        echo $! >"$HEAL_SCRATCH/analyze.pid"
        wait
    ) | heal-propose >"$HEAL_SCRATCH/out" 2>"$HEAL_SCRATCH/propose.err" &
    pipeline=$!
    wait_for test -s "$HEAL_SCRATCH/out"
    kill -KILL "$(<"$HEAL_SCRATCH/analyze.pid")"
    wait $pipeline || echo "propose exit $?" >"$HEAL_SCRATCH/propose.rc"
    [ "$(wc -l <"$HEAL_SCRATCH/out")" -ge 1 ]
    # Every line heal-propose wrote is a whole record; a torn last line from
    # the killed stage is reported with its line number, not passed on.
    assert_valid_records "$HEAL_SCRATCH/out"
    [ "$(tail -c 1 "$HEAL_SCRATCH/out" | od -An -c | tr -d ' ')" = '\n' ]
    if [ -s "$HEAL_SCRATCH/propose.err" ]; then
        run cat "$HEAL_SCRATCH/propose.err"
        assert_output --regexp '^heal-propose: [^ ]+:[0-9]+: '
        assert_equal "${#lines[@]}" 1
    fi
}

@test "a torn last line, as a killed writer leaves it, is reported and not passed on" {
    for stage in heal-analyze heal-propose heal-apply; do
        run --separate-stderr "$stage" < <(printf '{"type":"event","v":1}\n{"type":"event","v":1,"pad":"yyyy')
        assert_equal "$status" 4
        assert_output '{"type":"event","v":1}'
        use_stderr
        assert_output "$stage: -:2: invalid JSON: unterminated string at offset 33"
    done
}
