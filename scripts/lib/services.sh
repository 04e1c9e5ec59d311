# shellcheck shell=bash
# Throwaway servers for tests, benchmarks and the demo: each start_* function installs what is
# missing, starts a server on loopback on a free port under $SERVICES_DIR, and exports where it
# is; stop_services stops everything that was started. Source this file; call stop_services
# from an EXIT trap.
#
# Root: PostgreSQL refuses to run as root, so the cluster runs as the `postgres` user.

SERVICES_DIR="${SERVICES_DIR:-}"
_started=()

log() { printf '[services] %s\n' "$*" >&2; }

services_dir() {
  if [ -z "$SERVICES_DIR" ]; then
    SERVICES_DIR="$(mktemp -d /tmp/tenantctl-services.XXXXXX)"
    chmod 755 "$SERVICES_DIR"
  fi
  export SERVICES_DIR
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

apt_install() {
  # Install Debian packages if we may (root, apt-get present); otherwise say what is missing.
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1; then
      apt-get update -q >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
    fi
  else
    log "missing: $* (install them, or run as root so this script can)"
    return 1
  fi
}

pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$d" ] && command -v pg_config >/dev/null 2>&1; then d="$(pg_config --bindir)"; fi
  printf '%s' "$d"
}

# Run a command as the cluster owner (postgres when we are root).
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

start_postgres() {
  services_dir
  local bindir
  bindir="$(pg_bindir)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || ! command -v pg_dump >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
    bindir="$(pg_bindir)"
  fi
  local version
  version="$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)\..*/\1/')"
  if [ "$version" -lt 15 ]; then
    log "PostgreSQL $version found; tenantctl needs 15 or newer"
    return 1
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  local dir="$SERVICES_DIR/pg" port
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  port="$(free_port)"
  as_pg_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_locks_per_transaction=512 -c shared_buffers=256MB" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  _started+=("postgres")
  PG_BINDIR="$bindir"
  PG_DATA="$dir/data"
  PG_PORT="$port"
  export PG_BINDIR PG_DATA PG_PORT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export PATH="$bindir:$PATH"
  log "postgres $version on 127.0.0.1:$port (data in $dir/data)"
}

stop_postgres() {
  [ -n "${PG_DATA:-}" ] && as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
}

pip_install() {
  # Install Python packages for a server we need (moto for S3); pip first, then pip that may
  # write into a Debian-managed Python.
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip || return 1
  fi
  log "installing $* with pip"
  python3 -m pip install --quiet "$@" >/dev/null 2>&1 \
    || python3 -m pip install --quiet --break-system-packages "$@" >/dev/null
  hash -r
}

# An S3-compatible server (moto) on loopback, in memory. Exports TENANTCTL_TEST_S3_ENDPOINT;
# creates no bucket: each test creates its own. Also makes sure the `aws` CLI is there (the
# tests cross-check with it).
start_s3() {
  services_dir
  if ! command -v moto_server >/dev/null 2>&1; then
    pip_install 'moto[server]' || { log "missing: moto_server (pip install 'moto[server]')"; return 1; }
  fi
  if ! command -v aws >/dev/null 2>&1; then
    pip_install awscli || { log "missing: aws (pip install awscli)"; return 1; }
  fi
  local dir="$SERVICES_DIR/s3" port i
  mkdir -p "$dir"
  port="$(free_port)"
  moto_server -H 127.0.0.1 -p "$port" >"$dir/server.log" 2>&1 &
  S3_PID=$!
  for i in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$S3_PID" 2>/dev/null; then
      cat "$dir/server.log" >&2
      return 1
    fi
    sleep 0.1
  done
  _started+=("s3")
  export S3_PID
  export TENANTCTL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  log "moto S3 on $TENANTCTL_TEST_S3_ENDPOINT"
}

stop_s3() {
  if [ -n "${S3_PID:-}" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    S3_PID=
  fi
}

stop_services() {
  local s
  for s in "${_started[@]}"; do
    "stop_$s" || true
  done
  _started=()
  if [ -n "$SERVICES_DIR" ] && [ -z "${KEEP_SERVICES_DIR:-}" ]; then
    rm -rf "$SERVICES_DIR"
  fi
}
