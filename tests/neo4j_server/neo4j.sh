#!/usr/bin/env bash
# Throwaway Neo4j 5 Community server on 127.0.0.1 for local tests.
#
#   neo4j.sh up      fetch jars once (Maven, into .cache/), start on a free port with a
#                    random password, wait for Bolt, write .state/env (KEY=VALUE lines)
#   neo4j.sh down    stop it (SIGTERM, SIGKILL after 20 s) and remove .state/
#   neo4j.sh status  say whether it runs; exit 0 if it does, 3 if not
#   neo4j.sh kill    SIGKILL it, as a crash would, keeping its data and .state/
#   neo4j.sh restart start it again after a kill: same port, password and data
#
# Needs java 17+, javac, mvn and python3 (for picking a free port). The database lives
# in a fresh temp dir that the server deletes when it stops. NEO4J_STATE_DIR puts .state/
# elsewhere, for a second server beside the first. NEO4J_HEAP (1g) and NEO4J_PAGECACHE_MB
# (256) size its memory: the tests' networks fit the defaults; a large network wants a page
# cache that holds its whole store, as Neo4j's own sizing advice has it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=$HERE/.cache
STATE=${NEO4J_STATE_DIR:-$HERE/.state}
ENV_FILE=$STATE/env
LOG=$STATE/server.log
READY_TIMEOUT=${NEO4J_READY_TIMEOUT:-90}
STOP_TIMEOUT=20
JAVA_OPTS=(-Xms256m "-Xmx${NEO4J_HEAP:-1g}" -XX:+ExitOnOutOfMemoryError
    "-Dthrowaway.pagecacheMb=${NEO4J_PAGECACHE_MB:-256}"
    # Let Neo4j reach file descriptors and Netty internals, as its own launcher does.
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true)

die() { echo "neo4j.sh: $*" >&2; exit 1; }

# Value of KEY in the state file, or empty.
state_get() { if [[ -f $ENV_FILE ]]; then sed -n "s/^$1=//p" "$ENV_FILE"; fi; }

# True if the process exists and is not a zombie (an unreaped child still answers kill -0).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }

# Pid of our server if it is alive (checks the command line, in case the pid was reused; -ww:
# whole, where ps would otherwise cut it to $COLUMNS, as pytest-xdist's workers set it).
running_pid() {
    local pid; pid=$(state_get NEO4J_PID)
    [[ -n $pid ]] && alive "$pid" && ps -ww -o args= -p "$pid" | grep -q ThrowawayNeo4j && echo "$pid"
}

# Serialise up/down of one server (fd 9) and fetching the jars all servers share (fd 8);
# neither may leak into the server (see start_server).
take_lock() { mkdir -p "$(dirname "$STATE")"; exec 9>"$STATE.lock"; flock 9; }

print_info() {
    echo "Neo4j is up (pid $(state_get NEO4J_PID))"
    echo "  bolt uri: $(state_get STAKEHOLDER_GRAPH_NEO4J_URI)"
    echo "  user:     $(state_get STAKEHOLDER_GRAPH_NEO4J_USER)"
    echo "  password: $(state_get STAKEHOLDER_GRAPH_NEO4J_PASSWORD)"
    echo "  env file: $ENV_FILE"
}

# Remove state left by a server that is gone (e.g. killed with SIGKILL).
clear_stale_state() {
    local home; home=$(state_get NEO4J_HOME_DIR)
    [[ $home == */throwaway-neo4j.* && -d $home ]] && rm -rf -- "$home"
    rm -f -- "$ENV_FILE"
}

fetch_jars() {
    local stamp=$CACHE/lib.stamp want
    want=$(cat "$HERE/pom.xml" "$HERE/ThrowawayNeo4j.java" | sha256sum | cut -d' ' -f1)
    exec 8>"$CACHE/.lock"; flock 8
    [[ -f $stamp && $(cat "$stamp") == "$want" ]] && { exec 8>&-; return 0; }
    echo "Fetching Neo4j jars and compiling the launcher (once)..." >&2
    rm -rf -- "${CACHE:?}/lib" "${CACHE:?}/classes"
    mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$CACHE/lib" >"$CACHE/mvn.log" 2>&1 \
        || { tail -n 30 "$CACHE/mvn.log" >&2; die "fetching jars with Maven failed (log: $CACHE/mvn.log)"; }
    javac -nowarn -d "$CACHE/classes" -cp "$CACHE/lib/*" "$HERE/ThrowawayNeo4j.java" \
        || die "compiling ThrowawayNeo4j.java failed"
    echo "$want" >"$stamp"
    exec 8>&-
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True once something on the port answers a Bolt handshake (magic + version 5.x proposals).
bolt_answers() {
    local reply
    # shellcheck disable=SC2016  # $1 expands in the inner shell
    reply=$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "\x60\x60\xb0\x17\x00\x04\x04\x05\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
        head -c 4 <&3 | od -An -tx1' _ "$1" 2>/dev/null) || return 1
    reply=${reply//[[:space:]]/}
    [[ $reply =~ ^0000[0-9a-f]{2}0[45]$ ]]  # an agreed version, not 00000000
}

cmd_up() {
    take_lock
    if running_pid >/dev/null; then print_info; return 0; fi
    clear_stale_state
    mkdir -p "$CACHE" "$STATE"
    command -v java >/dev/null || die "java not found (need Java 17+)"
    command -v mvn >/dev/null || die "mvn not found"
    fetch_jars

    local port password home
    port=$(free_port) || die "could not pick a free port"
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    home=$(mktemp -d "${TMPDIR:-/tmp}/throwaway-neo4j.XXXXXX") || die "mktemp failed"
    start_server "$port" "$password" "$home"
}

# Start the server on PORT with PASSWORD in HOME (any extra argument goes to the launcher),
# write .state/env and wait until Bolt answers.
start_server() {
    local port=$1 password=$2 home=$3 pid start=$SECONDS
    # setsid: the server outlives the calling shell and ignores its Ctrl-C.
    NEO4J_PASSWORD=$password setsid java "${JAVA_OPTS[@]}" \
        -cp "$CACHE/lib/*:$CACHE/classes" ThrowawayNeo4j "$port" "$home" "${@:4}" \
        </dev/null >"$LOG" 2>&1 8>&- 9>&- &
    pid=$!
    {
        echo "STAKEHOLDER_GRAPH_NEO4J_URI=bolt://127.0.0.1:$port"
        echo "STAKEHOLDER_GRAPH_NEO4J_USER=neo4j"
        echo "STAKEHOLDER_GRAPH_NEO4J_PASSWORD=$password"
        echo "NEO4J_PID=$pid"
        echo "NEO4J_HOME_DIR=$home"
    } >"$ENV_FILE.tmp"
    chmod 600 "$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"

    until grep -q '^READY' "$LOG" && bolt_answers "$port"; do
        if ! alive "$pid"; then
            tail -n 40 "$LOG" >&2
            clear_stale_state
            die "server exited during startup (log: $LOG)"
        fi
        if (( SECONDS - start >= READY_TIMEOUT )); then
            tail -n 40 "$LOG" >&2
            [[ -f $home/logs/debug.log ]] && tail -n 20 "$home/logs/debug.log" >&2
            stop_server "$pid"
            clear_stale_state
            die "Bolt not ready on port $port after ${READY_TIMEOUT}s (log: $LOG)"
        fi
        sleep 0.25
    done
    echo "Started in $((SECONDS - start))s; log: $LOG"
    print_info
}

stop_server() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while alive "$pid" && (( waited < STOP_TIMEOUT * 10 )); do
        sleep 0.1; waited=$((waited + 1))
    done
    if alive "$pid"; then
        echo "neo4j.sh: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

cmd_down() {
    take_lock
    local pid; pid=$(running_pid) || true
    if [[ -n $pid ]]; then
        stop_server "$pid"
        echo "Neo4j stopped (pid $pid)"
    else
        echo "Neo4j is not running"
    fi
    clear_stale_state
    rm -rf -- "$STATE"
}

cmd_status() {
    if running_pid >/dev/null; then print_info; else echo "Neo4j is not running"; return 3; fi
}

cmd_kill() {
    take_lock
    local pid; pid=$(running_pid) || die "Neo4j is not running"
    kill -KILL "$pid"
    while alive "$pid"; do sleep 0.05; done
    echo "Neo4j killed (pid $pid); its data stays for neo4j.sh restart"
}

cmd_restart() {
    take_lock
    if running_pid >/dev/null; then print_info; return 0; fi
    local home; home=$(state_get NEO4J_HOME_DIR)
    [[ -n $home && -d $home ]] || die "nothing to restart: no data of a killed server in $STATE"
    local uri; uri=$(state_get STAKEHOLDER_GRAPH_NEO4J_URI)
    start_server "${uri##*:}" "$(state_get STAKEHOLDER_GRAPH_NEO4J_PASSWORD)" "$home" --reuse
}

case ${1:-} in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    kill) cmd_kill ;;
    restart) cmd_restart ;;
    *) echo "usage: $0 up|down|status|kill|restart" >&2; exit 2 ;;
esac
