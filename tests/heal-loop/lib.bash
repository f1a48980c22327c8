# lib.bash — fixtures the heal-loop suites share (load ../lib/common first).
#
#   exec_check NAME STATUS MESSAGE [LABELS_JSON]
#                         a checks.d exec check printing MESSAGE and exiting STATUS
#   remedy JSON           a playbook.d entry (defaults: low risk, auto, no cool-down)
#   script NAME BODY      an executable $HEAL_SCRATCH/NAME running BODY under sh
#   records TYPE          $output's records of TYPE, one per line
#   start_nginx           nginx (Debian's) on $PORT, daemonised by $HEAL_SCRATCH/start-nginx,
#                         its pid in $NGINX_PID_FILE; stopped in teardown
#   kill_nginx            SIGKILL to nginx's whole process group

exec_check() {
    mkdir -p "$HEAL_CONFIG_DIR/checks.d"
    jq -cn --arg n "$1" --arg s "$2" --arg m "$3" --argjson l "${4:-{\}}" \
        '{name: $n, kind: "exec", command: ["sh", "-c", "echo \"$1\"; exit $2", "sh", $m, $s],
          max_attempts: 1, interval: "1s", labels: $l}' \
        >"$HEAL_CONFIG_DIR/checks.d/$1.json"
}

remedy() {
    mkdir -p "$HEAL_CONFIG_DIR/playbook.d"
    local id
    id=$(jq -r .id <<<"$1")
    jq -c '{title: "test remedy", risk: "low", complexity: 1, timeout: "10s", auto: true,
            cooldown: "0s", max_attempts: 100, window: "1h",
            verify: {recheck: true, attempts: 3, delay: "1s"}} + .' \
        <<<"$1" >"$HEAL_CONFIG_DIR/playbook.d/$id.json"
}

script() {
    printf '#!/bin/sh\n%s\n' "$2" >"$HEAL_SCRATCH/$1"
    chmod 0755 "$HEAL_SCRATCH/$1"
}

records() {
    jq -c --arg t "$1" 'select(.type == $t)' <<<"$output"
}

start_nginx() {
    PORT=$(free_port)
    NGINX_PREFIX=$HEAL_SCRATCH/nginx
    NGINX_PID_FILE=$NGINX_PREFIX/nginx.pid
    mkdir -p "$NGINX_PREFIX/tmp"
    cat >"$NGINX_PREFIX/nginx.conf" <<CONF
worker_processes 1;
error_log $NGINX_PREFIX/error.log;
pid $NGINX_PID_FILE;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server { listen 127.0.0.1:$PORT; location = /ok { return 200 "ok\n"; } }
}
CONF
    # Daemonised, as a service's start command would: the remedy returns
    # once nginx is up, and nginx outlives it.
    script start-nginx "exec nginx -c '$NGINX_PREFIX/nginx.conf' -p '$NGINX_PREFIX/'"
    "$HEAL_SCRATCH/start-nginx"
    wait_for curl -sf -o /dev/null "http://127.0.0.1:$PORT/ok"
}

kill_nginx() {
    local pid
    pid=$(<"$NGINX_PID_FILE")
    kill -KILL -- "-$pid"
}

stop_nginx() {
    local pid
    [ -n "${NGINX_PID_FILE:-}" ] && [ -s "$NGINX_PID_FILE" ] || return 0
    pid=$(<"$NGINX_PID_FILE")
    kill -KILL -- "-$pid" 2>/dev/null || true
}
