# lib.bash — fixtures the heal-apply suites share (load ../lib/common first).
#
#   remedy JSON                 adds one playbook.d entry (defaults: low risk, auto, 10s timeout)
#   script NAME BODY            writes an executable $HEAL_SCRATCH/NAME running BODY under sh
#   check_for TARGET PIDFILE [LABELS_JSON]
#                               a process check on PIDFILE named TARGET
#   proposal TARGET CANDIDATE_JSON [TRACE]
#                               prints a proposal record with that one candidate
#                               (title, risk, source and approval filled in unless given)
#   outcomes                    $output's outcome records, one per line (after `run`)

remedy() {
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    local id
    id=$(jq -r .id <<<"$1")
    jq -c '{title: "test remedy", risk: "low", timeout: "10s", auto: true,
            applies_to: ["test.*"], cooldown: "0s", max_attempts: 100, window: "1h"} + .' \
        <<<"$1" >"$HEAL_CONFIG_DIR/playbook.d/$id.json"
}

script() {
    printf '#!/bin/sh\n%s\n' "$2" >"$HEAL_SCRATCH/$1"
    chmod 0755 "$HEAL_SCRATCH/$1"
}

check_for() {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg n "$1" --arg p "$2" --argjson l "${3:-{\}}" \
        '{name: $n, kind: "process", pidfile: $p, max_attempts: 1, labels: $l}' \
        >"$HEAL_CONFIG_DIR/checks.d/$1.json"
}

# Ids are ULIDs: 26 Crockford characters.
PROPOSAL_ID=01M86GTHGQ6CQ643DZVMXXQKFB
TRACE_ID=01M86GTHFMM9S346Q3D25VT4F5

proposal() {
    jq -cn --arg t "$1" --argjson c "$2" --arg tr "${3:-$TRACE_ID}" --arg id "$PROPOSAL_ID" \
        '{type: "proposal", v: 1, id: $id, ts: "2026-11-24T10:15:03.447Z", host: "h",
          parent: "01M86GTHG7V37E3S3E28JT97KB", trace: $tr, target: $t,
          signature: "test.down",
          candidates: [{title: "t", risk: "low", source: "playbook", approval: "auto"} + $c]}'
}

outcomes() {
    jq -c 'select(.type == "outcome")' <<<"$output"
}
