#!/usr/bin/env bats
# Thousands of targets at once: 5,000 checks (4,000 file checks and 1,000
# failing exec checks) through the shell pipeline and through heal-loop
# --once.  Every record comes out, whole, and every failure is carried
# through every stage.  (Speed is measured by tests/bench, not here.)

load ../lib/common
load lib

setup() {
    heal_setup
    touch "$HEAL_SCRATCH/present"
    "$HEAL_PYTHON" - "$HEAL_SCRATCH" "$REFUSED" >"$HEAL_SCRATCH/checks.json" <<'PY'
import json, sys
scratch, refused = sys.argv[1], sys.argv[2]
for i in range(4000):
    print(json.dumps({"name": "file%d" % i, "kind": "file", "path": scratch + "/present"}))
for i in range(1000):
    print(json.dumps({"name": "svc%d" % i, "kind": "exec", "max_attempts": 1,
                      "command": ["/bin/sh", "-c", "echo \"$0\"; exit 2", refused]}))
PY
}

counts() { # the record types of $output with their numbers
    jq -r .type <<<"$output" | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}'
}

@test "5,000 checks through the shell pipeline: every record, whole" {
    run --separate-stderr bash -c 'heal-check --checks="$1" | heal-analyze | heal-propose | heal-apply' \
        _ "$HEAL_SCRATCH/checks.json"
    assert_valid_records
    assert_equal "$(counts)" "check=5000 diagnosis=1000 outcome=1000 proposal=1000 "
    # One chain per failing target.
    run jq -r 'select(.type == "outcome") | .target' <<<"$output"
    assert_equal "$(sort -u <<<"$output" | wc -l)" 1000
}

@test "5,000 checks through heal-loop --once: every record, whole, and a summary that counts them" {
    run --separate-stderr heal-loop --once --checks="$HEAL_SCRATCH/checks.json" --format=json
    assert_equal "$status" 1
    assert_valid_records
    assert_equal "$(counts)" "check=5000 diagnosis=1000 event=1 outcome=1000 proposal=1000 "
    jq -e -s 'last | .checks.ok == 4000 and .checks.critical == 1000' <<<"$output"
}
