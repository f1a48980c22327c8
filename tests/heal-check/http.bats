#!/usr/bin/env bats
# heal-check's http kind against real servers on 127.0.0.1: nginx for
# plain and TLS answers, a small python3 server for slow ones.

load ../lib/common

setup_file() {
    # One certificate for the file: RSA key generation is the slow part.
    export HTTP_CERT_DIR=$BATS_FILE_TMPDIR/tls
    mkdir -p "$HTTP_CERT_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj /CN=localhost \
        -keyout "$HTTP_CERT_DIR/key.pem" -out "$HTTP_CERT_DIR/cert.pem" 2>/dev/null
}

setup() {
    heal_setup
}

# common.bash's heal_pid_alive reads /proc/PID/stat with $(<...); when the
# process is gone between its -r test and that read, the failed read in
# the command substitution trips bats' inherited ERR trap and fails the
# teardown.  `read` with a redirection fails without a subshell.
heal_pid_alive() {
    local stat
    if [ -e "/proc/$1" ]; then
        read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != Z ]
    else
        kill -0 "$1" 2>/dev/null
    fi
}

teardown() {
    heal_teardown
}

# start_nginx: serves the fixtures on $PORT (http) and $TLS_PORT (https).
start_nginx() {
    PORT=$(free_port)
    TLS_PORT=$(free_port)
    local prefix=$HEAL_SCRATCH/nginx
    mkdir -p "$prefix/tmp"
    cat >"$prefix/nginx.conf" <<EOF
worker_processes 1;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$PORT;
        location = /ok { return 200 "hello from nginx\n"; }
        location = /error { return 500 "boom\n"; }
        location = /health { default_type application/json; return 200 '{"status":"UP"}'; }
        location = /broken { default_type application/json; return 200 '{"status":'; }
        location = /redirect { return 301 /ok; }
        location = /loop { return 302 /loop; }
        location = /echo { return 200 "\$request_method \$http_x_probe\n"; }
        location = /cookie { add_header Set-Cookie "session=s3cr3t" always; return 503 "down\n"; }
    }
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $HTTP_CERT_DIR/cert.pem;
        ssl_certificate_key $HTTP_CERT_DIR/key.pem;
        location = /ok { return 200 "hello over tls\n"; }
    }
}
EOF
    start_bg nginx nginx -e stderr -c "$prefix/nginx.conf" -p "$prefix/" \
        -g "daemon off; pid $prefix/nginx.pid; error_log stderr;"
    wait_for curl -sf -o /dev/null "http://127.0.0.1:$PORT/ok"
}

# start_slow SECONDS: an HTTP server on $SLOW_PORT that answers every GET
# after SECONDS, many at once.
start_slow() {
    SLOW_PORT=$(free_port)
    start_bg slow /usr/bin/python3 -c '
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(float(sys.argv[2]))
        body = b"slow but fine\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
Server(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
' "$SLOW_PORT" "$1"
    wait_for -t 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$SLOW_PORT" 2>/dev/null
}

# add_check NAME URL [JSON]: appends an http check, with the fields of the
# JSON object if given, to $CHECKS.
add_check() {
    local more=${3-}
    CHECKS=$HEAL_SCRATCH/checks.ndjson
    jq -nc --arg name "$1" --arg url "$2" --argjson more "${more:-"{}"}" \
        '{name: $name, kind: "http", url: $url} + $more' >>"$CHECKS"
}

# field JQ: evaluates JQ on the one record in $output.
field() {
    jq -r "$1" <<<"$output"
}

# of NAME JQ: evaluates JQ on the record of check NAME in $output.
of() {
    jq -r --arg name "$1" "select(.name == \$name) | $2" <<<"$output"
}

@test "a 200 answer is OK with the status, the time and the size" {
    start_nginx
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/ok"
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) =~ ^HTTP\ 200\ OK\ in\ [0-9]+\.[0-9]{3}\ s$ ]]
    [ "$(field .status)" = ok ]
    [ "$(field '.perfdata[0].label + " " + .perfdata[0].uom')" = "time s" ]
    [ "$(field '.perfdata[1] | .label + " " + .uom + " " + (.value | tostring)')" = "size B 17" ]
    [ "$(field .evidence.status_code)" = 200 ]
    [ "$(field .evidence.url)" = "http://127.0.0.1:$PORT/ok" ]
}

@test "a 500 answer is CRITICAL and keeps the body and headers as evidence" {
    start_nginx
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/error"
    assert_failure 2
    assert_valid_records --type check
    [ "$(field .summary)" = "HTTP 500 Internal Server Error (expected 200-399)" ]
    [ "$(field .evidence.body)" = boom ]
    [[ $(field .evidence.headers) == "HTTP/1.1 500 Internal Server Error"* ]]
}

@test "secret response headers are redacted in the evidence" {
    start_nginx
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/cookie"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .evidence.headers) == *"Set-Cookie: [redacted]"* ]]
    [[ $output != *s3cr3t* ]]
}

@test "a closed port is CRITICAL, saying the connection was refused" {
    local port
    port=$(free_port)
    run --separate-stderr heal-check --http "http://127.0.0.1:$port/"
    assert_failure 2
    assert_valid_records --type check
    [ "$(field .summary)" = "connect to 127.0.0.1 port $port failed: Connection refused" ]
    [ -n "$(field .evidence.error)" ]
}

@test "an answer slower than --crit is CRITICAL, slower than --warn is WARNING" {
    start_slow 1.2
    run --separate-stderr heal-check --http "http://127.0.0.1:$SLOW_PORT/" --crit 1
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) =~ ^HTTP\ 200\ OK\ in\ 1\.[0-9]{3}\ s$ ]]
    [ "$(field .perfdata[0].crit)" = 1 ]
    run --separate-stderr heal-check --http "http://127.0.0.1:$SLOW_PORT/" --warn 1 --crit 5
    assert_failure 1
    assert_valid_records --type check
    [ "$(field .status)" = warning ]
}

@test "an answer slower than the timeout is CRITICAL, timed out" {
    start_slow 30
    local t0=$EPOCHREALTIME
    run --separate-stderr heal-check --http "http://127.0.0.1:$SLOW_PORT/" --timeout 1
    assert_failure 2
    assert_valid_records --type check
    [ "$(field .summary)" = "timed out after 1 s" ]
    # the 1 s timeout, not the server's 30 s, ended it
    (( ${EPOCHREALTIME/./} - ${t0/./} < 15000000 ))
}

@test "body_contains passes on a match and is CRITICAL without one" {
    start_nginx
    add_check has "http://127.0.0.1:$PORT/ok" '{"body_contains": "from nginx"}'
    add_check lacks "http://127.0.0.1:$PORT/ok" '{"body_contains": "from apache"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [ "$(of has .status)" = ok ]
    [ "$(of lacks .status)" = critical ]
    [[ $(of lacks .summary) == "HTTP 200 OK in "*" s: body does not contain 'from apache'" ]]
}

@test "body_regex passes on a match and is CRITICAL without one" {
    start_nginx
    add_check matches "http://127.0.0.1:$PORT/ok" '{"body_regex": "^hello from \\w+$"}'
    add_check differs "http://127.0.0.1:$PORT/ok" '{"body_regex": "^bye"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [ "$(of matches .status)" = ok ]
    [ "$(of differs .status)" = critical ]
    [[ $(of differs .summary) == *" s: body does not match /^bye/" ]]
}

@test "a json expression passes when true and is CRITICAL when false or not JSON" {
    start_nginx
    add_check up "http://127.0.0.1:$PORT/health" '{"json": ".status == \"UP\""}'
    add_check down "http://127.0.0.1:$PORT/health" '{"json": ".status == \"DOWN\""}'
    add_check broken "http://127.0.0.1:$PORT/broken" '{"json": ".status == \"UP\""}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [ "$(of up .status)" = ok ]
    [ "$(of down '.status + " " + .evidence.json_value')" = "critical false" ]
    [[ $(of down .summary) == *' s: json .status == "DOWN" is false' ]]
    [[ $(of broken .summary) == *" s: body is not JSON" ]]
    [ "$(of broken .evidence.json_error)" = "unexpected end of input at offset 10" ]
}

@test "a redirect is followed, and counted" {
    start_nginx
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/redirect"
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) == "HTTP 200 OK in "* ]]
    [ "$(field .evidence.redirects)" = 1 ]
    [ "$(field .evidence.effective_url)" = "http://127.0.0.1:$PORT/ok" ]
}

@test "with follow_redirects false a 301 is judged by expect_status" {
    start_nginx
    local url=http://127.0.0.1:$PORT
    add_check default "$url/redirect" '{"follow_redirects": false}'
    add_check strict "$url/redirect" '{"follow_redirects": false, "expect_status": [200]}'
    add_check class "$url/error" '{"expect_status": ["5xx", 404, "200-204"]}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [[ $(of default '.status + " " + .summary') == "ok HTTP 301 Moved Permanently in "* ]]
    [ "$(of strict .summary)" = "HTTP 301 Moved Permanently (expected 200)" ]
    [ "$(of class .status)" = ok ]
}

@test "a redirect loop stops after 10 redirects, CRITICAL" {
    start_nginx
    run --separate-stderr heal-check --http "http://127.0.0.1:$PORT/loop"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == *"Maximum (10) redirects followed"* ]]
}

@test "method and headers are sent as configured" {
    start_nginx
    add_check put "http://127.0.0.1:$PORT/echo" \
        '{"method": "PUT", "body": "x", "headers": {"X-Probe": "abc"}, "body_contains": "PUT abc"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_success
    assert_valid_records --type check
}

@test "a body over body_max is cut, and the cut is flagged in the evidence" {
    start_nginx
    add_check cut "http://127.0.0.1:$PORT/ok" '{"body_max": 5, "body_contains": "nginx"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [ "$(field .evidence.body)" = hello ]
    [ "$(field .evidence.body_truncated)" = true ]
    [ "$(field '.perfdata[1].value')" = 17 ]
}

@test "a self-signed certificate fails verification, CRITICAL" {
    start_nginx
    run --separate-stderr heal-check --http "https://127.0.0.1:$TLS_PORT/ok"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == *"self-signed certificate"* ]]
}

@test "insecure skips verification and still reports the days left" {
    start_nginx
    add_check tls "https://127.0.0.1:$TLS_PORT/ok" '{"insecure": true}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_success
    assert_valid_records --type check
    [[ $(field .summary) =~ ^HTTP\ 200\ OK\ in\ [0-9.]+\ s\;\ certificate\ expires\ in\ 4\ days$ ]]
    [ "$(field '.perfdata[2] | .label + " " + (.value | tostring)')" = "cert_days 4" ]
    [[ $(field .evidence.cert_not_after) =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T ]]
}

@test "a certificate expiring in 5 days is WARNING at 30: and CRITICAL at 7:" {
    start_nginx
    local url=https://127.0.0.1:$TLS_PORT/ok
    add_check warn "$url" '{"insecure": true, "cert_warn": "30:", "cert_crit": "3:"}'
    add_check crit "$url" '{"insecure": true, "cert_warn": "30:", "cert_crit": "7:"}'
    add_check fine "$url" '{"insecure": true, "cert_warn": "2:", "cert_crit": "1:"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [ "$(of warn .status)" = warning ]
    [ "$(of crit .status)" = critical ]
    [ "$(of fine .status)" = ok ]
    [ "$(of crit .perfdata[2].crit)" = "7:" ]
}

@test "an expired certificate is CRITICAL at cert_crit 0:" {
    start_nginx
    # Ten days from now on the wall clock heal-check reads; TLS itself is not told.
    export HEAL_NOW=$(( $(date +%s) + 10 * 86400 ))
    add_check old "https://127.0.0.1:$TLS_PORT/ok" '{"insecure": true, "cert_crit": "0:"}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 2
    assert_valid_records --type check
    [[ $(field .summary) == *"; certificate expired 5 days ago" ]]
}

@test "bad definitions exit 3, each named, while the good checks still run" {
    start_nginx
    local url=http://127.0.0.1:$PORT/ok
    add_check good "$url"
    echo '{"name": "no-url", "kind": "http"}' >>"$CHECKS"
    add_check bad-regex "$url" '{"body_regex": "hello(("}'
    add_check bad-jq "$url" '{"json": ".status ==== 1"}'
    add_check ftp ftp://127.0.0.1/file
    add_check cert-on-http "$url" '{"cert_warn": "30:"}'
    add_check bad-header "$url" '{"headers": {"X": "a\r\nEvil: 1"}}'
    run --separate-stderr heal-check --checks "$CHECKS"
    assert_failure 3
    assert_valid_records --type check
    [ "$(jq -r .name <<<"$output")" = good ]
    [ "$(jq -r .status <<<"$output")" = ok ]
    use_stderr
    assert_line --partial "check 'no-url': missing required field 'url'"
    assert_line --partial \
        "check 'bad-regex': field 'body_regex': missing closing parenthesis at offset 7"
    assert_line --partial "check 'bad-jq': field 'json': syntax error"
    assert_line --partial \
        "check 'ftp': field 'url': scheme 'ftp' is not allowed (only http and https)"
    assert_line --partial "check 'cert-on-http': field 'cert_warn': needs an https url"
    assert_line --partial "check 'bad-header': field 'headers': 'X' holds a line break or NUL"
}

@test "--http refuses an ftp:// URL with exit 3" {
    run --separate-stderr heal-check --http ftp://127.0.0.1/file
    assert_failure 3
    assert_output ''
    use_stderr
    assert_output --partial \
        "check 'http:ftp://127.0.0.1/file': field 'url': scheme 'ftp' is not allowed"
}

@test "a password in the URL stays out of the record" {
    local port
    port=$(free_port)
    run --separate-stderr heal-check --http "http://user:hunter2@127.0.0.1:$port/" --name pw
    assert_failure 2
    assert_valid_records --type check
    [[ $output != *hunter2* ]]
    [ "$(field .evidence.url)" = "http://user@127.0.0.1:$port/" ]
}

@test "20 checks against a 1 s endpoint run concurrently, in well under 20 s" {
    start_slow 1
    local i
    for i in $(seq 1 20); do
        add_check "slow-$i" "http://127.0.0.1:$SLOW_PORT/$i"
    done
    local t0=$EPOCHREALTIME
    run --separate-stderr heal-check --checks "$CHECKS"
    local elapsed_us=$(( ${EPOCHREALTIME/./} - ${t0/./} ))
    assert_success
    assert_valid_records --type check
    [ "$(jq -r .status <<<"$output" | grep -c '^ok$')" -eq 20 ]
    # one after another would take 20 s
    (( elapsed_us < 12000000 )) || fail "20 slow checks took $elapsed_us us"
}
