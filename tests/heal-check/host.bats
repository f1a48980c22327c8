#!/usr/bin/env bats
# The built-in host checks: disk, memory, swap, load and filehandles, read
# from the kernel (statvfs, /proc) with thresholds on a percentage used.

load ../lib/common

# host CHECKS-JSON: runs the given definitions from a file.
host() {
    printf '%s\n' "$1" >"$HEAL_SCRATCH/checks.ndjson"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.ndjson"
    assert_valid_records --type check
}

# field NAME JQ: one value from the record called NAME.
field() {
    jq -r --arg n "$1" "select(.name == \$n) | $2" <<<"$output"
}

@test "with nothing configured, heal-check reports disk, memory, swap, load and filehandles" {
    run --separate-stderr heal-check
    assert_valid_records --type check
    assert_equal "$(jq -r .name <<<"$output" | head -5 | tr '\n' ' ')" 'disk memory swap load filehandles '
    assert_equal "$(jq -r .kind <<<"$output" | head -5 | tr '\n' ' ')" 'disk memory swap load filehandles '
    assert_equal "$(jq -r .name <<<"$output")" "$(builtin_check_names)"
    # the exit status is the worst of the codes
    local worst
    worst=$(jq -s 'map(.code) | map({"0": 0, "3": 1, "1": 2, "2": 3}[tostring]) | max as $m |
        {"0": 0, "1": 3, "2": 1, "3": 2}[$m | tostring]' <<<"$output")
    assert_equal "$status" "$worst"
    # The measuring kinds carry perfdata (swap has none without swap space).
    assert_equal "$(jq -r 'select(.kind == "disk" or .kind == "memory" or .kind == "load" or
        .kind == "filehandles") | select(.perfdata | length == 0) | .name' <<<"$output")" ''
}

@test "disk: usage above crit ~:0 is CRITICAL, and names the mount" {
    run --separate-stderr heal-check --disk / --crit '~:0'
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -r '[.name, .status, .perfdata[0].label, .perfdata[0].uom, .perfdata[0].crit] | join(" ")' <<<"$output")" \
        'disk:/ critical / % ~:0'
    assert_output --regexp '"summary":"/ [0-9]+% used \([0-9.]+[KMGTP]?i?B?[^"]* free\)"'
}

@test "disk: thresholds the usage is inside are OK; @ inverts them" {
    run --separate-stderr heal-check --disk / -w 0:100 -c 0:100
    assert_success
    assert_valid_records --type check
    run --separate-stderr heal-check --disk / -w '@0:100' -c '~:'
    assert_failure 1
    assert_valid_records --type check
    assert_equal "$(jq -r '.perfdata[0].warn' <<<"$output")" '@0:100'
}

@test "disk: inode thresholds apply to the inode percentage" {
    host '{"name": "d", "kind": "disk", "path": "/", "warn": "~:", "crit": "~:", "inode_crit": "@0:100"}'
    assert_failure 2
    assert_equal "$(field d '.perfdata[1] | .label + " " + .crit')" '/ inodes @0:100'
    assert_equal "$(field d '.evidence.mounts[0].status')" critical
}

@test "disk: a path that cannot be read is UNKNOWN" {
    run --separate-stderr heal-check --disk "$HEAL_SCRATCH/no/such/dir"
    assert_failure 3
    assert_valid_records --type check
    assert_output --partial 'cannot read usage'
}

@test "disk: without a path every real filesystem is checked once" {
    host '{"name": "d", "kind": "disk"}'
    local n
    n=$(field d '.evidence.mounts | length')
    [ "$n" -ge 1 ] || fail "no mounts checked"
    assert_equal "$(field d '[.evidence.mounts[].path] | unique | length')" "$n"
    assert_equal "$(field d '.perfdata | length')" "$((2 * n))"
}

@test "memory: absurd thresholds flip the status" {
    host '{"name": "m-ok", "kind": "memory", "warn": "0:100", "crit": "0:100"}
{"name": "m-warn", "kind": "memory", "warn": "@0:100", "crit": "0:100"}
{"name": "m-crit", "kind": "memory", "warn": "0:100", "crit": "~:0"}'
    assert_failure 2
    assert_equal "$(field m-ok .status) $(field m-warn .status) $(field m-crit .status)" 'ok warning critical'
    assert_equal "$(field m-ok '.perfdata | map(.label + "/" + .uom) | join(" ")')" 'used/% available/B'
    assert_equal "$(field m-ok '.evidence.total_bytes > 0')" true
}

@test "memory: without thresholds the defaults 90 and 95 apply" {
    host '{"name": "m", "kind": "memory"}'
    assert_equal "$(field m '.perfdata[0] | .warn + " " + .crit')" '90 95'
}

@test "load: absurd thresholds flip the status; the value is per core" {
    host '{"name": "l-ok", "kind": "load", "warn": "~:", "crit": "~:"}
{"name": "l-crit", "kind": "load", "crit": "@~:"}'
    assert_failure 2
    assert_equal "$(field l-ok .status) $(field l-crit .status)" 'ok critical'
    assert_equal "$(field l-ok '[.perfdata[].label] | join(" ")')" 'load5_per_core load1 load5 load15'
    local cores per l5
    cores=$(nproc)
    l5=$(field l-ok '.perfdata[2].value')
    per=$(field l-ok '.perfdata[0].value')
    awk -v a="$per" -v b="$l5" -v c="$cores" 'BEGIN { d = a - b / c; exit !(d < 0.001 && d > -0.001) }' ||
        fail "load5_per_core $per is not load5 $l5 / $cores cores"
}

@test "swap: OK with no swap, else thresholds flip it" {
    host '{"name": "s", "kind": "swap", "crit": "@~:"}'
    if [ "$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)" = 0 ]; then
        assert_success
        assert_equal "$(field s .summary)" 'no swap configured'
    else
        assert_failure 2
    fi
}

@test "filehandles: thresholds apply to the share of fs.file-max in use" {
    host '{"name": "f-ok", "kind": "filehandles"}
{"name": "f-warn", "kind": "filehandles", "warn": "~:0", "crit": "~:"}'
    assert_failure 1
    assert_equal "$(field f-ok .status) $(field f-warn .status)" 'ok warning'
    assert_equal "$(field f-ok '.perfdata[1].max')" "$(awk '{ print $3 }' /proc/sys/fs/file-nr)"
}

@test "the host kinds take no fields of other kinds" {
    echo '{"name": "m", "kind": "memory", "path": "/"}' >"$HEAL_SCRATCH/checks.json"
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/checks.json"
    assert_failure 3
    assert_output ''
    use_stderr
    assert_output --partial "check 'm': unknown field 'path'"
}
