# lib.bash — fixtures the fault-injection suites share (load ../lib/common first).
#
#   mount_state [SIZE]          a fresh tmpfs (default 64k) as the state directory;
#                               skips the test where mounting is not permitted
#   unmount_state               teardown: lazily unmount it again
#   fill_state_fs               fill the tmpfs up to its last byte
#   counting_remedy ID [JSON]   a playbook remedy ID (JSON's fields added) whose script appends a line to
#                               $HEAL_SCRATCH/runs on every run (and runs $HEAL_SCRATCH/hook
#                               when it exists)
#   refused_remedy COOLDOWN MAX a counting remedy test.count for network.connection-refused
#                               (and the built-in wait.backoff off)
#   refused_check NAME [JSON]   a checks.d exec check NAME printing $REFUSED, exiting 2
#                               (JSON's fields added)
#   runs                        how many times counting remedies ran
#   proposal_for TARGET ID [TRACE]
#                               a proposal record for TARGET with remedy ID
#   journal_lines_parse [ALLOWED_BAD]
#                               every journal line is a JSON object, except at most
#                               ALLOWED_BAD torn ones (default 0)

mount_state() {
    local size=${1:-64k}
    [ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
    HEAL_MNT=$HEAL_SCRATCH/mnt
    mkdir -p "$HEAL_MNT"
    mount -t tmpfs -o "size=$size,mode=0700" tmpfs "$HEAL_MNT" 2>/dev/null ||
        skip "mounting a tmpfs is not permitted here"
    mkdir -m 0700 "$HEAL_MNT/state"
    export HEAL_STATE_DIR=$HEAL_MNT/state
    export HEAL_MNT
}

unmount_state() {
    if [ -n "${HEAL_MNT:-}" ] && mountpoint -q "$HEAL_MNT"; then
        umount "$HEAL_MNT" 2>/dev/null || umount -l "$HEAL_MNT"
    fi
}

fill_state_fs() {
    head -c 100000000 /dev/zero >"$HEAL_MNT/filler" 2>/dev/null || true
}

counting_remedy() {
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    printf '#!/bin/sh\necho "$$ $*" >>%s/runs\n[ ! -x %s/hook ] || %s/hook\nexit 0\n' \
        "$HEAL_SCRATCH" "$HEAL_SCRATCH" "$HEAL_SCRATCH" >"$HEAL_SCRATCH/remedy.sh"
    chmod 0755 "$HEAL_SCRATCH/remedy.sh"
    jq -cn --arg id "$1" --arg s "$HEAL_SCRATCH/remedy.sh" --argjson more "${2:-{\}}" \
        '{id: $id, title: "count the runs", argv: [$s], risk: "low", complexity: 1,
          timeout: "10s", auto: true, applies_to: ["test.*"], cooldown: "0s",
          max_attempts: 100, window: "1h"} + $more' \
        >"$HEAL_CONFIG_DIR/playbook.d/$1.json"
}

# What a refused TCP connection looks like to the catalog (network.connection-refused).
REFUSED='connect to address 127.0.0.1 and port 9: Connection refused'

refused_remedy() {
    counting_remedy test.count "$(jq -cn --arg c "$1" --argjson m "$2" \
        '{applies_to: ["network.connection-refused"], cooldown: $c, max_attempts: $m}')"
    # The built-in wait.backoff re-checks for 155 s in real time once test.count
    # has failed often enough to rank below it: these suites count test.count alone.
    echo '{"id": "wait.backoff", "disabled": true}' >"$HEAL_CONFIG_DIR/playbook.d/wait.backoff.json"
}

refused_check() {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg n "$1" --arg m "$REFUSED" --argjson more "${2:-{\}}" \
        '{name: $n, kind: "exec", max_attempts: 1,
          command: ["sh", "-c", "echo \"$1\"; exit 2", "sh", $m]} + $more' \
        >"$HEAL_CONFIG_DIR/checks.d/$1.json"
}

runs() {
    if [ -e "$HEAL_SCRATCH/runs" ]; then wc -l <"$HEAL_SCRATCH/runs"; else echo 0; fi
}

proposal_for() {
    jq -cn --arg t "$1" --arg r "$2" --arg tr "${3:-01M86GTHFMM9S346Q3D25VT4F5}" \
        '{type: "proposal", v: 1, id: "01M86GTHGQ6CQ643DZVMXXQKFB", ts: "2026-11-24T10:15:03.447Z",
          host: "h", parent: "01M86GTHG7V37E3S3E28JT97KB", trace: $tr, target: $t,
          signature: "test.down",
          candidates: [{remedy: $r, title: "t", risk: "low", source: "playbook", approval: "auto"}]}'
}

journal_lines_parse() {
    local allowed=${1:-0} bad
    bad=$("$HEAL_PYTHON" - "$HEAL_STATE_DIR/journal.ndjson" <<'PY'
import json, sys
bad = 0
for raw in open(sys.argv[1], 'rb').read().split(b'\n'):
    if not raw:
        continue
    try:
        if not isinstance(json.loads(raw), dict):
            bad += 1
    except ValueError:
        bad += 1
print(bad)
PY
)
    [ "$bad" -le "$allowed" ] || fail "journal: $bad unparseable lines (allowed $allowed)"
}
