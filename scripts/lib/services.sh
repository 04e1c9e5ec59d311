# shellcheck shell=bash
# Throwaway servers for tests, benchmarks and the demo: each start_* function installs what is
# missing, starts a server on loopback on a free port under $SERVICES_DIR, and exports where it
# is; stop_services stops everything that was started. Source this file; call stop_services
# from an EXIT trap.
#
# Root: PostgreSQL refuses to run as root, so the cluster runs as the `postgres` user.

SERVICES_DIR="${SERVICES_DIR:-}"
# A directory given from outside (a sourced services.env names the shared test servers' one)
# is never removed by stop_services: only one services_dir made here.
_services_dir_inherited="$SERVICES_DIR"
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

# What building tenantctl itself needs beyond Rust: a C compiler and the C library's headers
# (*ring*, libpg_query), and libclang with clang's own headers for the pg_query crate's bindgen
# (restore reads archives with PostgreSQL's parser, issue 27.9). Look for exactly the file
# clang-sys loads first, `libclang.so` (libclang-NN-dev's link): a glob such as `libclang*.so*`
# also matches `libclang-cpp.so.14`, which Debian installs without libclang, so the install was
# skipped and bindgen failed on a fresh machine (issue 28.1).
ensure_build_deps() {
  if ! command -v cc >/dev/null 2>&1 || [ ! -e /usr/include/stdio.h ]; then
    apt_install gcc libc6-dev
  fi
  if ! compgen -G '/usr/lib/llvm-*/lib/libclang.so' >/dev/null \
    || ! compgen -G '/usr/lib/llvm-*/lib/clang/*/include/stddef.h' >/dev/null; then
    apt_install libclang-dev
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

# Citus (distributed PostgreSQL, schema-based sharding), for the Citus test group (issue 14).
# Debian does not package it: when citus.so is missing, it is built from the vendored source
# `shared/vendor/citus-13.2.2.tar.xz` beside the repository (see shared/vendor/README.md).
# Installing postgresql-server-dev-15 for that build upgrades the server package, which breaks
# servers already running from the old binaries: call prepare_citus BEFORE start_postgres.

# The vendored Citus source, if any: $CITUS_VENDOR_DIR, else shared/vendor beside the repository.
citus_vendor_dir() {
  local d
  for d in "${CITUS_VENDOR_DIR:-}" "$(pwd)/../shared/vendor" "$(pwd)/../../shared/vendor"; do
    if [ -n "$d" ] && [ -f "$d/citus-13.2.2.tar.xz" ]; then
      (cd "$d" && pwd)
      return 0
    fi
  done
  return 1
}

citus_installed() {
  local bindir
  bindir="$(pg_bindir)"
  [ -n "$bindir" ] && [ -f "$bindir/../lib/citus.so" ]
}

# Make sure Citus is installed, building it when it is not; sets CITUS_SKIP to one line saying
# why when it cannot be (no vendored source, not root), and returns 1 then.
prepare_citus() {
  CITUS_SKIP=""
  if citus_installed; then
    return 0
  fi
  local vendor
  if ! vendor="$(citus_vendor_dir)"; then
    CITUS_SKIP="Citus is not installed and its vendored source (../shared/vendor/citus-13.2.2.tar.xz) is not here"
    export CITUS_SKIP
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    CITUS_SKIP="Citus is not installed and building it needs root (apt-get install of its build dependencies)"
    export CITUS_SKIP
    return 1
  fi
  apt_install postgresql postgresql-client postgresql-server-dev-15 libcurl4-openssl-dev \
    liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libxslt1-dev libpam0g-dev libssl-dev \
    libicu-dev libreadline-dev zlib1g-dev autoconf flex bison make gcc \
    || { CITUS_SKIP="installing Citus's build dependencies failed"; export CITUS_SKIP; return 1; }
  services_dir
  local build="$SERVICES_DIR/citus-build" header
  rm -rf "$build"
  mkdir -p "$build"
  log "building Citus 13.2.2 from $vendor (about 4 minutes on 2 cores; log in $build/build.log)"
  tar -xJf "$vendor/citus-13.2.2.tar.xz" -C "$build"
  header="$(pg_config --includedir-server)/commands/dbcommands.h"
  if grep -q have_createdb_privilege "$header" 2>/dev/null; then
    (cd "$build/citus-13.2.2" && patch -p1 <"$vendor/citus-13.2.2-pg15.20.patch") >>"$build/build.log" 2>&1
  fi
  if ! (cd "$build/citus-13.2.2" \
    && PATH="/usr/lib/postgresql/15/bin:$PATH" ./configure \
    && make -j"$(nproc)" && make install) >>"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    CITUS_SKIP="building Citus failed (see the log above)"
    export CITUS_SKIP
    return 1
  fi
  rm -rf "$build"
  log "Citus installed"
}

# A Citus cluster on loopback: a coordinator and two workers, each a normal PostgreSQL with
# shared_preload_libraries = 'citus' and wal_level = logical (citus_schema_move needs it).
# Databases and `CREATE EXTENSION citus` are the tests' business: each test makes its own
# database on every node (tests/integration/citus.rs). Exports TENANTCTL_TEST_CITUS_URL (the
# coordinator's `postgres` database) and TENANTCTL_TEST_CITUS_WORKERS (`host:port,host:port`).
# sslmode=disable: CREATE EXTENSION citus turns TLS on with an X.509 v1 certificate that
# rustls rejects under the default sslmode=prefer (issue 14.5).
start_citus() {
  services_dir
  if ! citus_installed; then
    log "start_citus needs Citus installed (prepare_citus, before start_postgres)"
    return 1
  fi
  local bindir node dir port ports=()
  bindir="$(pg_bindir)"
  # A third worker, the spare, is in no test's cluster until a fault test adds it to its own
  # database: that test may stop and start it without disturbing the tests using the others.
  for node in coordinator worker1 worker2 spare; do
    dir="$SERVICES_DIR/citus/$node"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$SERVICES_DIR/citus" "$dir"
    port="$(free_port)"
    as_pg_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
    as_pg_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c wal_level=logical -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_locks_per_transaction=512 -c shared_buffers=64MB -c max_worker_processes=64 -c max_logical_replication_workers=16" \
      start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    ports+=("$port")
    CITUS_DATA_DIRS="${CITUS_DATA_DIRS:+$CITUS_DATA_DIRS }$dir/data"
  done
  _started+=("citus")
  export CITUS_DATA_DIRS
  export TENANTCTL_TEST_CITUS_URL="postgres://postgres@127.0.0.1:${ports[0]}/postgres?sslmode=disable"
  export TENANTCTL_TEST_CITUS_WORKERS="127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
  export TENANTCTL_TEST_CITUS_SPARE="127.0.0.1:${ports[3]}"
  export TENANTCTL_TEST_CITUS_SPARE_DATA="$SERVICES_DIR/citus/spare/data"
  log "citus: coordinator on 127.0.0.1:${ports[0]}, workers $TENANTCTL_TEST_CITUS_WORKERS, spare $TENANTCTL_TEST_CITUS_SPARE"
}

# Start the spare worker again after a fault test stopped it, with the options start_citus gave
# it (`pg_ctl restart` on a stopped server reads them from postmaster.opts). Nothing when it
# runs. (tests/integration/citus.rs `Spare::start` does the same from Rust.)
restart_citus_spare() {
  local data="${TENANTCTL_TEST_CITUS_SPARE_DATA:?start_citus first}"
  as_pg_owner "$(pg_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1 && return 0
  as_pg_owner "$(pg_bindir)/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w -t 60 restart >/dev/null
}

stop_citus() {
  local d
  for d in ${CITUS_DATA_DIRS:-}; do
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  CITUS_DATA_DIRS=""
}

# A Python that has aiosmtpd (Debian's python3-aiosmtpd installs into /usr/bin/python3, which
# may not be the first python3 on PATH).
smtp_python() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import aiosmtpd' >/dev/null 2>&1; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

# A real SMTP server on loopback that stores every message it receives in a Maildir, for the
# notification tests: exports TENANTCTL_TEST_SMTP_PORT and TENANTCTL_TEST_SMTP_MAILDIR.
start_smtp() {
  services_dir
  local py
  if ! py="$(smtp_python)"; then
    apt_install python3-aiosmtpd || python3 -m pip install -q aiosmtpd >&2 || true
    py="$(smtp_python)" || { log "aiosmtpd is missing and could not be installed"; return 1; }
  fi
  local dir="$SERVICES_DIR/smtp" port i
  mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
  port="$(free_port)"
  "$py" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir" >"$dir/smtp.log" 2>&1 &
  SMTP_PID=$!
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if ! kill -0 "$SMTP_PID" 2>/dev/null; then cat "$dir/smtp.log" >&2; return 1; fi
    sleep 0.1
  done
  _started+=("smtp")
  TENANTCTL_TEST_SMTP_PORT="$port"
  TENANTCTL_TEST_SMTP_MAILDIR="$dir/maildir"
  export SMTP_PID TENANTCTL_TEST_SMTP_PORT TENANTCTL_TEST_SMTP_MAILDIR
  log "smtp (aiosmtpd) on 127.0.0.1:$port (mail in $dir/maildir)"
}

stop_smtp() {
  if [ -n "${SMTP_PID:-}" ]; then
    kill "$SMTP_PID" 2>/dev/null || true
    wait "$SMTP_PID" 2>/dev/null || true
    SMTP_PID=""
  fi
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

# A DNS server on loopback (dnsmasq from Debian) for the domain-verification tests: exports
# TENANTCTL_TEST_DNS_PORT (the test harness points `domains.dns_server` of every command at it,
# so no test asks the machine's resolver) and TENANTCTL_TEST_DNS_HOSTS, a hosts file it
# answers A records from. dnsmasq re-reads hosts files on SIGHUP (`reload_dns`), but not its
# configuration, where TXT records live: a test that needs TXT records starts a dnsmasq of
# its own (tests/integration/common.rs, `Dns`), which this installs.
dnsmasq_bin() {
  local b
  for b in "$(command -v dnsmasq 2>/dev/null)" /usr/sbin/dnsmasq; do
    if [ -n "$b" ] && [ -x "$b" ]; then printf '%s' "$b"; return 0; fi
  done
  return 1
}

start_dns() {
  services_dir
  local bin
  if ! bin="$(dnsmasq_bin)"; then
    apt_install dnsmasq-base
    bin="$(dnsmasq_bin)" || { log "dnsmasq is missing and could not be installed"; return 1; }
  fi
  local dir="$SERVICES_DIR/dns" port i
  mkdir -p "$dir"
  : >"$dir/hosts"
  port="$(free_port)"
  "$bin" --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.1 --port="$port" --pid-file= --user= --local=/#/ \
    --addn-hosts="$dir/hosts" >"$dir/dnsmasq.log" 2>&1 &
  DNS_PID=$!
  for i in $(seq 1 50); do
    if ! python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $port))" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$DNS_PID" 2>/dev/null; then cat "$dir/dnsmasq.log" >&2; return 1; fi
    sleep 0.1
  done
  _started+=("dns")
  TENANTCTL_TEST_DNS_PORT="$port"
  TENANTCTL_TEST_DNS_HOSTS="$dir/hosts"
  export DNS_PID TENANTCTL_TEST_DNS_PORT TENANTCTL_TEST_DNS_HOSTS
  log "dns (dnsmasq) on 127.0.0.1:$port (A records from $dir/hosts)"
}

# After editing $TENANTCTL_TEST_DNS_HOSTS.
reload_dns() {
  [ -n "${DNS_PID:-}" ] && kill -HUP "$DNS_PID"
}

stop_dns() {
  if [ -n "${DNS_PID:-}" ]; then
    kill "$DNS_PID" 2>/dev/null || true
    wait "$DNS_PID" 2>/dev/null || true
    DNS_PID=
  fi
}

# PostgreSQL over TLS, for the sslmode tests: certificates made here with openssl (a CA; a
# server certificate for localhost and 127.0.0.1; one for another name; a self-signed X.509 v1
# certificate as Citus makes; a client certificate for the role `tls_cert_user`, which may log
# in with that certificate only) and three small clusters from one initdb, each serving one
# server certificate: right name, wrong name, v1. Plain connections are refused but by role
# `tls_plain_ok`. Exports TENANTCTL_TEST_TLS_DIR (ca.crt, client.crt, client.key),
# TENANTCTL_TEST_TLS_URL, TENANTCTL_TEST_TLS_WRONG_NAME_URL and TENANTCTL_TEST_TLS_V1_URL
# (user postgres, host localhost).
start_postgres_tls() {
  services_dir
  local bindir dir="$SERVICES_DIR/pgtls" c
  bindir="$(pg_bindir)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    apt_install postgresql postgresql-client
    bindir="$(pg_bindir)"
  fi
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$dir/certs"
  c="$dir/certs"
  (
    set -e
    cd "$c"
    exec 2>"$dir/openssl.log" >&2
    openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
      -subj "/CN=tenantctl test CA" -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign
    # name: common name; san: subjectAltName; the CA signs (X.509 v3)
    sign() {
      openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
      printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
        -extfile "$1.ext" -out "$1.crt"
    }
    sign server localhost "DNS:localhost,IP:127.0.0.1" serverAuth
    sign wrong wrong.example "DNS:wrong.example" serverAuth
    sign client tls_cert_user "DNS:tls_cert_user" clientAuth
    # Self-signed, no extensions: `x509 -req` without -extfile writes version 1.
    openssl req -new -newkey rsa:2048 -nodes -keyout v1.key -out v1.csr -subj "/CN=localhost"
    openssl x509 -req -in v1.csr -signkey v1.key -days 30 -out v1.crt
    openssl x509 -in v1.crt -noout -text | grep -q 'Version: 1 (0x0)'
  ) || { cat "$dir/openssl.log" >&2; return 1; }
  chmod 600 "$c"/*.key
  chmod 755 "$dir" "$c"
  chmod 644 "$c"/*.crt "$c"/client.key
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  # The client key is the test's: readable by whoever runs the tests, 0600 as libpq wants.
  [ "$(id -u)" -eq 0 ] && chown "$(id -u):$(id -g)" "$c/client.key" && chmod 600 "$c/client.key"
  as_pg_owner "$bindir/initdb" -D "$dir/template" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  cat >"$dir/template/pg_hba.conf" <<'HBA'
local     all  all                        trust
hostssl   all  tls_cert_user  127.0.0.1/32  cert
hostssl   all  all            127.0.0.1/32  trust
hostnossl all  tls_plain_ok   127.0.0.1/32  trust
HBA
  local name port
  for name in server wrong v1; do
    as_pg_owner cp -a "$dir/template" "$dir/$name"
    port="$(free_port)"
    as_pg_owner "$bindir/pg_ctl" -D "$dir/$name" -l "$dir/$name.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB -c fsync=off -c ssl=on -c ssl_cert_file=$c/$name.crt -c ssl_key_file=$c/$name.key -c ssl_ca_file=$c/ca.crt" \
      start >/dev/null || { cat "$dir/$name.log" >&2; return 1; }
    _started+=("postgres_tls_$name")
    eval "PGTLS_PORT_$name=$port"
  done
  # Roles live in each cluster's catalog: made in the template before the copies would need
  # the template started; make them in the right-name one, the one the role tests use.
  as_pg_owner "$bindir/psql" -X -q -h "$dir" -p "$PGTLS_PORT_server" -U postgres -d postgres \
    -c "CREATE ROLE tls_cert_user LOGIN SUPERUSER" -c "CREATE ROLE tls_plain_ok LOGIN SUPERUSER" >/dev/null
  PGTLS_DIR="$dir"
  export PGTLS_DIR PGTLS_PORT_server PGTLS_PORT_wrong PGTLS_PORT_v1
  export TENANTCTL_TEST_TLS_DIR="$c"
  export TENANTCTL_TEST_TLS_URL="postgres://postgres@localhost:$PGTLS_PORT_server/postgres"
  export TENANTCTL_TEST_TLS_WRONG_NAME_URL="postgres://postgres@localhost:$PGTLS_PORT_wrong/postgres"
  export TENANTCTL_TEST_TLS_V1_URL="postgres://postgres@localhost:$PGTLS_PORT_v1/postgres"
  log "postgres over TLS on localhost:$PGTLS_PORT_server (wrong name :$PGTLS_PORT_wrong, X.509 v1 :$PGTLS_PORT_v1), certificates in $c"
}

_stop_pgtls() { [ -n "${PGTLS_DIR:-}" ] && as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PGTLS_DIR/$1" -m immediate stop >/dev/null 2>&1 || true; }
stop_postgres_tls_server() { _stop_pgtls server; }
stop_postgres_tls_wrong() { _stop_pgtls wrong; }
stop_postgres_tls_v1() { _stop_pgtls v1; }

stop_services() {
  local i
  # In reverse order: a pooler stops before the server behind it.
  for ((i = ${#_started[@]} - 1; i >= 0; i--)); do
    "stop_${_started[$i]}" || true
  done
  _started=()
  # A directory given from outside may hold servers this shell did not start: never removed.
  if [ -n "$SERVICES_DIR" ] && [ -z "${KEEP_SERVICES_DIR:-}" ] \
    && [ "$SERVICES_DIR" != "$_services_dir_inherited" ]; then
    rm -rf "$SERVICES_DIR"
  fi
}

# PgBouncer in transaction pooling mode in front of the cluster start_postgres started (call
# that first). Every database name is routed to the cluster, so the per-test databases of
# `#[sqlx::test]` work through it. Few server connections per database, so client
# connections really share them: leaked session state would show in the next transaction.
# Exports TENANTCTL_TEST_PGBOUNCER_URL (same user and database as DATABASE_URL) and
# PGBOUNCER_VERSION. Debian 12 ships 1.18, which has no max_prepared_statements (1.21+):
# named prepared statements do not survive there, see src/serve/mod.rs.
start_pgbouncer() {
  services_dir
  if [ -z "${PG_PORT:-}" ]; then
    log "start_pgbouncer needs start_postgres first"
    return 1
  fi
  local bin
  bin="$(command -v pgbouncer || true)"
  if [ -z "$bin" ]; then
    apt_install pgbouncer
    bin="$(command -v pgbouncer)"
  fi
  local dir="$SERVICES_DIR/pgbouncer" port
  mkdir -p "$dir"
  port="$(free_port)"
  # Trust on loopback; PgBouncer still wants each user in the auth file.
  printf '"postgres" ""\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-4}
max_client_conn = 2000
max_db_connections = 0
ignore_startup_parameters = extra_float_digits
server_reset_query =
# Idle server connections go soon, so a test database can be dropped after its test.
server_idle_timeout = 10
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = postgres
INI
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  # PgBouncer refuses to run as root.
  as_pg_owner "$bin" -d -q "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2; return 1; }
  local i
  for i in $(seq 1 50); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  _started+=("pgbouncer")
  PGBOUNCER_DIR="$dir"
  PGBOUNCER_VERSION="$("$bin" --version | sed -nE 's/^PgBouncer ([0-9.]+).*/\1/p')"
  export PGBOUNCER_DIR PGBOUNCER_VERSION
  export TENANTCTL_TEST_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$port/postgres"
  log "pgbouncer $PGBOUNCER_VERSION (transaction pooling) on 127.0.0.1:$port -> postgres :$PG_PORT"
}

stop_pgbouncer() {
  local pidfile="${PGBOUNCER_DIR:-}/pgbouncer.pid"
  if [ -n "${PGBOUNCER_DIR:-}" ] && [ -s "$pidfile" ]; then
    kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  fi
}

# Headless Chromium through WebDriver, for the console's browser tests (issue 26): Debian's
# `chromium` and `chromium-driver`, whose versions always match. Look for exactly the two files
# the tests run, /usr/bin/chromium and /usr/bin/chromedriver (a check that matched something
# else once skipped a needed install). chromedriver listens on loopback only; the tests start
# Chromium through it with --headless --no-sandbox (root in a container), and, since the
# network is closed, --disable-background-networking --disable-component-update
# --no-first-run. Exports TENANTCTL_TEST_CHROMEDRIVER_URL and TENANTCTL_TEST_CHROMIUM.
start_chromedriver() {
  services_dir
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install chromium chromium-driver
  fi
  local dir="$SERVICES_DIR/chromedriver" port i
  mkdir -p "$dir"
  port="$(free_port)"
  /usr/bin/chromedriver --port="$port" \
    >"$dir/chromedriver.log" 2>&1 &
  CHROMEDRIVER_PID=$!
  for i in $(seq 1 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$CHROMEDRIVER_PID" 2>/dev/null; then cat "$dir/chromedriver.log" >&2; return 1; fi
    sleep 0.1
  done
  _started+=("chromedriver")
  TENANTCTL_TEST_CHROMEDRIVER_URL="http://127.0.0.1:$port"
  TENANTCTL_TEST_CHROMIUM=/usr/bin/chromium
  export CHROMEDRIVER_PID TENANTCTL_TEST_CHROMEDRIVER_URL TENANTCTL_TEST_CHROMIUM
  log "chromedriver on 127.0.0.1:$port (chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
}

stop_chromedriver() {
  if [ -n "${CHROMEDRIVER_PID:-}" ]; then
    kill "$CHROMEDRIVER_PID" 2>/dev/null || true
    wait "$CHROMEDRIVER_PID" 2>/dev/null || true
    CHROMEDRIVER_PID=
  fi
}
