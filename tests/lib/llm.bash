# llm.bash — the fake model server for suites that ask a model.  Load it
# after common:
#
#     load ../lib/common
#     load ../lib/llm
#
#   start_fake_llm [--key KEY] [--provider openai|anthropic]
#                        start tests/lib/fake-llm on a free 127.0.0.1 port (by
#                        start_bg, so teardown stops it by pid) and point
#                        HEAL_LLM_* at it; FAKE_LLM_DIR holds its files
#   llm_mode MODE...     how it answers the next requests, in order; the last
#                        mode sticks (see tests/lib/fake-llm)
#   llm_answer KIND JSON what a good answer to KIND (diagnose, propose) says
#   llm_requests         how many requests it received
#   llm_bodies           every request body it received, one JSON text a line
#   llm_config JSON      write JSON as heal.json's llm object

start_fake_llm() {
    local key= provider=openai
    while [ $# -gt 0 ]; do
        case $1 in
            --key) key=$2; shift 2 ;;
            --provider) provider=$2; shift 2 ;;
            *) echo "start_fake_llm: unknown argument $1" | fail; return 1 ;;
        esac
    done
    FAKE_LLM_DIR=$HEAL_SCRATCH/fake-llm
    mkdir -p "$FAKE_LLM_DIR"
    start_bg fake-llm "$HEAL_PYTHON" "$HEAL_ROOT/tests/lib/fake-llm" \
        --port-file "$FAKE_LLM_DIR/port" --log "$FAKE_LLM_DIR/requests.ndjson" \
        --mode-file "$FAKE_LLM_DIR/modes" --answers "$FAKE_LLM_DIR" ${key:+--key "$key"}
    wait_for test -s "$FAKE_LLM_DIR/port"
    FAKE_LLM_URL=http://127.0.0.1:$(<"$FAKE_LLM_DIR/port")
    # The fake is local: no proxy of the environment may stand between.
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
    export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
    export FAKE_LLM_DIR FAKE_LLM_URL HEAL_LLM_PROVIDER=$provider HEAL_LLM_URL=$FAKE_LLM_URL \
        HEAL_LLM_MODEL=fake-model
    if [ -n "$key" ]; then export HEAL_LLM_API_KEY=$key; else unset HEAL_LLM_API_KEY; fi
}

llm_mode() {
    printf '%s\n' "$@" >"$FAKE_LLM_DIR/modes"
}

llm_answer() {
    printf '%s\n' "$2" >"$FAKE_LLM_DIR/answer-$1.json"
}

llm_requests() {
    wc -l <"$FAKE_LLM_DIR/requests.ndjson" | tr -d ' '
}

llm_bodies() {
    jq -r '.body' "$FAKE_LLM_DIR/requests.ndjson"
}

llm_config() {
    printf '{"llm": %s}\n' "$1" >"$HEAL_CONFIG_DIR/heal.json"
}
