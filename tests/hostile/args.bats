#!/usr/bin/env bats
# Argument injection on the command line: names that look like options
# are options only before --, and values given to options are never
# re-read as options.

load ../lib/common
load lib

setup() {
    heal_setup
    cd "$HEAL_SCRATCH"
    echo 'No space left on device' >./-rf
}

@test "a file named -rf is read only after --, and is a usage error before it" {
    run --separate-stderr heal-analyze --text -- -rf
    assert_equal "$status" 1
    assert_valid_records --type diagnosis
    run --separate-stderr heal-analyze --text -rf
    assert_equal "$status" 2
    use_stderr
    assert_output --regexp '^heal-analyze: -rf: unknown option'
}

@test "option-like values stay values: --name=--foo, --label, --exec -rf" {
    run --separate-stderr heal-check --name=--foo --label=opt=--config-dir=/tmp/evil --exec /bin/true
    assert_success
    run jq -c '[.name, .labels.opt]' <<<"$output"
    assert_output '["--foo","--config-dir=/tmp/evil"]'
    run --separate-stderr heal-check --exec -rf
    assert_equal "$status" 3
    assert_valid_records --type check
    run jq -r .evidence.error <<<"$output"
    assert_output 'exec: No such file or directory'
}
