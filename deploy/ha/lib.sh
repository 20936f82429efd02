# deploy/ha/lib.sh: what up, down and member share. Sourced, never run.
#
# A cluster lives in one directory, DIR:
#   DIR/cluster.env        the generated settings (ports, passwords, names)
#   DIR/pids/NAME.pid      the process of each component (etcd, patroni-pg1, ...)
#   DIR/etcd/              etcd's data and log
#   DIR/pgN/               a PostgreSQL node: patroni.yml, data/, patroni.log
#   DIR/haproxy/           haproxy.cfg, its error pages, its log
#   DIR/ingotN/            an Ingot node's log
#   DIR/keys/              the Ingot nodes' shared keys (when not given in the environment)

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HA_MEMBERS=(pg1 pg2)
HA_NODES=(ingot1 ingot2)

ha_log() { echo "deploy/ha: ${SECONDS}s: $*" >&2; }
ha_die() {
	ha_log "$*"
	exit 1
}

# ha_need checks the programs a cluster needs.
ha_need() {
	local missing=()
	command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
	command -v patroni >/dev/null 2>&1 || missing+=(patroni)
	command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
	[[ -x "$PGBIN/postgres" ]] || missing+=(postgresql-15)
	if ((${#missing[@]})); then
		ha_die "missing: ${missing[*]} (as root: apt-get install -y ${missing[*]})"
	fi
}

# ha_free_ports prints n TCP ports of 127.0.0.1 that were free a moment ago,
# all different.
ha_free_ports() {
	/usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# ha_secret prints a random 32-hex-digit secret.
ha_secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# ha_pid NAME prints the pid recorded for a component (nothing if none).
ha_pid() {
	local f="$DIR/pids/$1.pid"
	[[ -s "$f" ]] && cat "$f"
	return 0
}

# ha_alive PID: the process exists (and is no zombie).
ha_alive() {
	[[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# ha_as_pg runs a command as the postgres OS user when root (PostgreSQL
# refuses to run as root), without a forked parent: the pid is the
# command's own.
ha_as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	fi
	exec "$@"
}

# ha_start_member NAME starts Patroni (and through it PostgreSQL) for one
# member, whose patroni.yml exists.
ha_start_member() {
	local m=$1
	(
		cd "$DIR/$m"
		export HOME="$DIR/$m"
		ha_as_pg patroni "$DIR/$m/patroni.yml"
	) </dev/null >>"$DIR/$m/patroni.log" 2>&1 &
	echo $! >"$DIR/pids/patroni-$m.pid"
}

# ha_api_get URL prints the body of a GET, or fails (1 s timeout).
ha_api_get() { curl -fsS --max-time 1 "$1" 2>/dev/null; }

# ha_postmaster NAME prints the postmaster pid of a member's PostgreSQL.
ha_postmaster() {
	local f="$DIR/$1/data/postmaster.pid"
	[[ -s "$f" ]] && head -n 1 "$f"
	return 0
}

# ha_descendants PID prints PID and all its descendants.
ha_descendants() {
	local p=$1 c
	echo "$p"
	for c in $(pgrep -P "$p" 2>/dev/null); do
		ha_descendants "$c"
	done
}

# ha_stop_pids SECONDS PID...: SIGCONT (a paused process ignores SIGTERM
# until it runs), SIGTERM, wait up to SECONDS, then SIGKILL.
ha_stop_pids() {
	local secs=$1
	shift
	local live=() p
	for p in "$@"; do
		ha_alive "$p" && live+=("$p")
	done
	((${#live[@]})) || return 0
	kill -CONT "${live[@]}" 2>/dev/null || true
	kill -TERM "${live[@]}" 2>/dev/null || true
	local i
	for ((i = 0; i < secs * 10; i++)); do
		local any=0
		for p in "${live[@]}"; do
			ha_alive "$p" && any=1
		done
		((any)) || return 0
		sleep 0.1
	done
	kill -KILL "${live[@]}" 2>/dev/null || true
	sleep 0.2
}
