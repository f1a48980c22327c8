#!/usr/bin/env bats
# heal-check's command line: options, definitions from files and checks.d,
# output formats, and the exit status (the worst status, Nagios' order).

load ../lib/common

DUMMY=/usr/lib/nagios/plugins/check_dummy

# checks_d NAME JSON: writes a checks.d drop-in, mode 0644 as heal expects.
checks_d() {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    printf '%s\n' "$2" >"$HEAL_CONFIG_DIR/checks.d/$1"
    chmod 0644 "$HEAL_CONFIG_DIR/checks.d/$1"
}

# lines_at_least N FILE: FILE has N lines or more.
lines_at_least() {
    [ "$(wc -l <"$2")" -ge "$1" ]
}

# names: the names of the records in $output, one per line, sorted.
names() {
    jq -r .name <<<"$output" | sort
}

@test "--help lists the options and exits 0" {
    run --separate-stderr heal-check --help
    assert_success
    assert_output --partial 'Usage: heal-check'
    assert_output --partial '--exec'
    assert_equal "$stderr" ""
}

@test "--version prints the name and version and exits 0" {
    run --separate-stderr heal-check --version
    assert_success
    assert_output --regexp '^heal-check [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option is UNKNOWN (3) with a one-line heal-check: error" {
    run --separate-stderr heal-check --no-such-option
    assert_failure 3
    assert_output ''
    use_stderr
    assert_equal "${#lines[@]}" 1
    assert_output --regexp '^heal-check: --no-such-option: .*unknown option'
}

@test "--format with a value it does not know is UNKNOWN (3)" {
    run --separate-stderr heal-check --format=bogus
    assert_failure 3
    use_stderr
    assert_equal "${#lines[@]}" 1
    assert_output --partial "heal-check: --format: 'bogus' is not one of auto, json, text"
}

@test "a stray argument is UNKNOWN (3) and names it" {
    run --separate-stderr heal-check --exec /bin/true extra
    assert_failure 3
    use_stderr
    assert_output --partial "unexpected argument 'extra'"
}

@test "--watch and --count together are UNKNOWN (3)" {
    run --separate-stderr heal-check --watch --count 2 --exec /bin/true
    assert_failure 3
    use_stderr
    assert_output --partial 'exclude each other'
}

@test "a bad --label is UNKNOWN (3)" {
    run --separate-stderr heal-check --exec /bin/true --label novalue
    assert_failure 3
    use_stderr
    assert_output --partial "--label: 'novalue' is not KEY=VALUE"
}

@test "each bad definition in --checks is named by FILE:LINE and check; the good ones still run" {
    local f=$HEAL_SCRATCH/checks.ndjson
    cat >"$f" <<EOF
{"name": "good", "kind": "exec", "command": "$DUMMY 0 fine"}
{"name": "badkind", "kind": "nope"}
{"name": "nocmd", "kind": "exec"}
{"name": "badrange", "kind": "memory", "warn": "10::"}
{"name": "unknownfield", "kind": "memory", "colour": "red"}
{"name": "wrongtype", "kind": "exec", "command": 5}
{"name": "alsogood", "kind": "memory", "warn": "~:", "crit": "~:"}
EOF
    run --separate-stderr heal-check --checks "$f"
    assert_failure 3
    assert_valid_records --type check
    run names
    assert_output $'alsogood\ngood'
    use_stderr
    assert_line --regexp "^heal-check: $f:2: check 'badkind': unknown kind 'nope' \\(known: exec, .*disk, memory, .*\\)$"
    assert_line "heal-check: $f:3: check 'nocmd': missing required field 'command'"
    assert_line --regexp "^heal-check: $f:4: check 'badrange': field 'warn': range '10::'"
    assert_line "heal-check: $f:5: check 'unknownfield': unknown field 'colour'"
    assert_line "heal-check: $f:6: check 'wrongtype': field 'command' must be a string or an array, not a number"
    assert_equal "${#lines[@]}" 5
}

@test "a bad definition does not hide a worse status: CRITICAL wins over UNKNOWN" {
    local f=$HEAL_SCRATCH/checks.json
    cat >"$f" <<EOF
[
  {"name": "down", "kind": "exec", "command": ["$DUMMY", "2", "it is down"]},
  {"name": "broken", "kind": "exec", "command": "$DUMMY 0", "max_attempts": 0}
]
EOF
    run --separate-stderr heal-check --checks "$f"
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -r '.name + " " + .status + " " + .summary' <<<"$output")" \
        "down critical CRITICAL: it is down"
    use_stderr
    assert_output --partial "$f:3: check 'broken': field 'max_attempts' must be 1 to 100"
}

@test "--checks - reads definitions from stdin" {
    run --separate-stderr heal-check --checks - <<<'{"name": "piped", "kind": "exec", "command": "/bin/true"}'
    assert_success
    assert_valid_records --type check
    assert_equal "$(names)" piped
}

@test "a --checks file that does not exist is UNKNOWN and named" {
    run --separate-stderr heal-check --checks "$HEAL_SCRATCH/absent.json"
    assert_failure 3
    use_stderr
    assert_output --partial "$HEAL_SCRATCH/absent.json: no such file"
}

@test "--list shows the built-in checks when nothing is configured, and runs nothing" {
    run --separate-stderr heal-check --list --format=text
    assert_success
    for n in disk memory swap load filehandles; do
        assert_line --regexp "^$n +$n +builtin:checks.json:[0-9]+"
    done
    assert_equal "${#lines[@]}" "$(builtin_check_names | wc -l)"
    assert [ ! -e "$HEAL_STATE_DIR/checks" ]
}

@test "--list on a pipe writes each definition as JSON with its source" {
    checks_d 10-web.json '{"name": "web", "kind": "exec", "command": "/bin/true", "labels": {"unit": "nginx"}}'
    run --separate-stderr heal-check --list
    assert_success
    assert_equal "$(jq -c '[.name, .kind, .labels.unit, (.source | test("checks.d/10-web.json:1$"))]' <<<"$output")" \
        '["web","exec","nginx",true]'
}

@test "checks.d replaces the built-ins; --builtin adds them back" {
    checks_d a.json '{"name": "mine", "kind": "exec", "command": "/bin/true"}'
    run --separate-stderr heal-check --list --format=text
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_line --regexp '^mine +exec +.*/checks.d/a.json:1$'
    run --separate-stderr heal-check --list --format=text --builtin
    assert_success
    assert_equal "${#lines[@]}" "$(($(builtin_check_names | wc -l) + 1))"
}

@test "a checks.d entry overrides a built-in by name, or disables it" {
    checks_d a.json '{"name": "memory", "kind": "memory", "warn": "~:", "crit": "@0:100", "description": "mine"}
{"name": "swap", "disabled": true}'
    run --separate-stderr heal-check --builtin
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -r 'select(.name == "memory") | .status' <<<"$output")" critical
    run names
    assert_output "$(builtin_check_names | grep -vx swap | sort)"
}

@test "--name runs only the configured check of that name" {
    checks_d 10-a.json "{\"name\": \"alpha\", \"kind\": \"exec\", \"command\": [\"$DUMMY\", \"1\", \"alpha is meh\"]}"
    checks_d 20-b.json "{\"name\": \"beta\", \"kind\": \"exec\", \"command\": \"$DUMMY 2 beta is down\"}"
    run --separate-stderr heal-check --name alpha
    assert_failure 1
    assert_valid_records --type check
    assert_equal "$(jq -r '.name + ": " + .summary' <<<"$output")" 'alpha: WARNING: alpha is meh'
    run --separate-stderr heal-check --name nosuch
    assert_failure 3
    use_stderr
    assert_output --partial 'nosuch: no such check'
}

@test "a group-writable checks.d file is refused with its name; the others still load" {
    checks_d 10-a.json '{"name": "trusted", "kind": "exec", "command": "/bin/true"}'
    checks_d 20-b.json '{"name": "untrusted", "kind": "exec", "command": "/bin/false"}'
    chmod 0664 "$HEAL_CONFIG_DIR/checks.d/20-b.json"
    run --separate-stderr heal-check
    assert_failure 3
    assert_valid_records --type check
    assert_equal "$(names)" trusted
    use_stderr
    assert_output --partial "$HEAL_CONFIG_DIR/checks.d/20-b.json: refused: writable by group or others"
}

@test "a one-off check takes --name, thresholds, --timeout and labels" {
    run --separate-stderr heal-check --exec "$DUMMY 0 'all good|x=5;1;10;0;20'" --name web \
        -l unit=nginx --label env=prod
    assert_success
    assert_valid_records --type check
    assert_equal "$(jq -cS '[.name, .target, .kind, .labels, .summary]' <<<"$output")" \
        '["web","web","exec",{"env":"prod","unit":"nginx"},"OK: all good"]'
}

@test "without --name a one-off check is called KIND:ARG" {
    run --separate-stderr heal-check --exec /bin/true
    assert_success
    assert_valid_records --type check
    assert_equal "$(names)" 'exec:/bin/true'
}

@test "records on a pipe: one JSON object per line, flushed, nothing else" {
    run --separate-stderr heal-check --exec "$DUMMY 0 a" --exec "$DUMMY 0 b"
    assert_success
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 2
    for l in "${lines[@]}"; do
        [[ $l == '{"type":"check",'*'}' ]]
    done
}

@test "--format=json forces records, --format=text an aligned table and a tally" {
    run --separate-stderr heal-check --format=json --exec "$DUMMY 0 fine"
    assert_success
    assert_valid_records --type check
    run --separate-stderr heal-check --format=text --exec "$DUMMY 0 fine" --exec "$DUMMY 2 down"
    assert_failure 2
    assert_line --regexp '^OK +exec:/usr/lib/nagios/plugins/check_dummy 0 fine +OK: fine$'
    assert_line --regexp '^CRITICAL +exec:.*check_dummy 2 down +CRITICAL: down \(soft 1/3\)$'
    assert_line '2 checks: 1 ok, 0 warning, 1 critical, 0 unknown'
    refute_output --partial $'\e'
}

@test "on a terminal the table is coloured, unless NO_COLOR is set" {
    command -v script >/dev/null || skip "script(1) is not installed"
    run script -qec "heal-check --exec '$DUMMY 2 down'" /dev/null
    assert_output --partial $'\e[31mCRITICAL\e[0m'
    NO_COLOR=1 run script -qec "heal-check --exec '$DUMMY 2 down'" /dev/null
    assert_output --partial 'CRITICAL'
    refute_output --partial $'\e'
}

@test "the exit status is the worst status: CRITICAL > WARNING > UNKNOWN > OK" {
    run --separate-stderr heal-check --exec "$DUMMY 0"
    assert_success
    run --separate-stderr heal-check --exec "$DUMMY 0" --exec "$DUMMY 3 unsure"
    assert_failure 3
    run --separate-stderr heal-check --exec "$DUMMY 3 unsure" --exec "$DUMMY 1 meh" --exec "$DUMMY 0"
    assert_failure 1
    run --separate-stderr heal-check --exec "$DUMMY 1 meh" --exec "$DUMMY 2 down" --exec "$DUMMY 3 unsure"
    assert_failure 2
    assert_valid_records --type check
    assert_equal "$(jq -r .status <<<"$output" | sort | tr '\n' ' ')" 'critical unknown warning '
}

@test "--count runs each check N times, each on its interval" {
    local f=$HEAL_SCRATCH/checks.json
    echo '{"name": "tick", "kind": "exec", "command": "/bin/true", "interval": "200ms"}' >"$f"
    local t0=$EPOCHREALTIME
    run --separate-stderr heal-check --count 3 --checks "$f"
    local ms=$(( (${EPOCHREALTIME/[.,]/} - ${t0/[.,]/}) / 1000 ))
    assert_success
    assert_valid_records --type check
    assert_equal "${#lines[@]}" 3
    # two intervals between three runs, and not the 30 s default (60 s)
    [ "$ms" -ge 400 ] && [ "$ms" -lt 20000 ] || fail "3 runs took $ms ms"
}

@test "--watch runs until SIGTERM and then ends with whole lines" {
    local f=$HEAL_SCRATCH/checks.json
    echo '{"name": "tick", "kind": "exec", "command": "/bin/true", "interval": "100ms"}' >"$f"
    start_bg watch heal-check --watch --checks "$f"
    wait_for -t 10 lines_at_least 3 "$HEAL_SCRATCH/bg/watch.out"
    stop_bg watch
    assert_equal "$bg_status" 0
    assert_valid_records --type check "$HEAL_SCRATCH/bg/watch.out"
    assert_equal "$(tail -c1 "$HEAL_SCRATCH/bg/watch.out" | od -An -c | tr -d ' ')" '\n'
}
