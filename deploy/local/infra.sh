#!/usr/bin/env bash
# Local FerretDB (MongoDB wire protocol; SQLite, or PostgreSQL with FERRETDB_BACKEND=postgresql)
# + single-node Kafka (KRaft, clients log in with SASL/SCRAM-SHA-512), no Docker.
#
#   deploy/local/infra.sh up       install + start + wait (what npm start/test and CI call)
#   deploy/local/infra.sh install  build FerretDB (with our patches), fetch the Kafka jars (cached, first time only)
#   deploy/local/infra.sh install-stock-ferretdb  build the unpatched FerretDB the bench compares with
#   deploy/local/infra.sh start    start both in the background unless already answering
#   deploy/local/infra.sh wait [ferretdb|kafka]  wait until it really answers, both by default (exit 1 + log tail on timeout)
#   deploy/local/infra.sh status   report each part (exit 0 only if both answer)
#   deploy/local/infra.sh stop [ferretdb|kafka]  stop what we started (pid files), TERM then KILL; both by default
#   deploy/local/infra.sh reset    stop and delete the local data and logs
#   deploy/local/infra.sh env      print MONGODB_URL / KAFKA_BROKERS / KAFKA_SASL_* export lines
#
# Binaries and jars live outside the repo in ${CRM_LOCAL_CACHE:-~/.cache/crm-platform}
# (versioned folders, shared by every clone); data, logs and pids in <repo>/.local/, or in
# $CRM_LOCAL_DIR: a second instance from the same checkout (other ports, own state), as the
# fault tests run one. See docs/local-infra.md.

# SC2016: the single quotes are on purpose ($1/$2 of `bash -c`, the literal "$db" in BSON).
# shellcheck source-path=SCRIPTDIR disable=SC2016
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/versions.env"

CACHE=${CRM_LOCAL_CACHE:-$HOME/.cache/crm-platform}
FERRETDB_BIN=$CACHE/bin/ferretdb-$FERRETDB_VERSION
KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
LOCAL=${CRM_LOCAL_DIR:-$ROOT/.local}
FERRETDB_DATA=$LOCAL/ferretdb/data
PG_DIR=$LOCAL/postgres
KAFKA_DIR=$LOCAL/kafka
LOGS=$LOCAL/logs
RUN=$LOCAL/run

say() { echo "[infra] $*"; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }

# Serialise install/start/stop so two `up`s at once (parallel npm scripts) don't race.
# Children close fd 9 (9>&-), or a running broker would hold the lock forever.
lock() {
  mkdir -p "$RUN"
  exec 9>"$RUN/infra.lock"
  flock -w 900 9 || die "another infra.sh holds $RUN/infra.lock"
}

# ---------------------------------------------------------------- probes

tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# A real MongoDB round trip with bash alone (no driver needed before `npm ci`):
# OP_MSG {ping: 1, $db: "admin"} = header (length 51, requestID 1, responseTo 0,
# opCode 2013), flagBits 0, section kind 0, then the 30-byte BSON document.
mongo_ping() {
  local msg='\x33\0\0\0\x01\0\0\0\0\0\0\0\xdd\x07\0\0\0\0\0\0\0\x1e\0\0\0\x10ping\0\x01\0\0\0\x02$db\0\x06\0\0\0admin\0\0'
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3 &&
    dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tx1' _ "$1" "$msg" 2>/dev/null | tr -d ' \n') || return 1
  # the reply holds {ok: 1.0}: type 0x01 (double), "ok\0", 1.0 little-endian
  [[ $reply == *016f6b00000000000000f03f* ]]
}

kafka_java() { # kafka_java <main class> <args...>: a JVM on the cached jars, WARN-level logging
  java -Dlog4j2.configurationFile="file:$HERE/kafka/log4j2.xml" -cp "$KAFKA_HOME/libs/*" "$@"
}

# How the admin tools log in: the local SCRAM user, as the services of a local run do.
kafka_client_properties() { # kafka_client_properties <file> [sasl|plaintext]
  mkdir -p "$RUN"
  {
    printf 'request.timeout.ms=20000\ndefault.api.timeout.ms=40000\n'
    if [[ ${2:-sasl} == sasl ]]; then
      printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n'
      printf 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";\n' \
        "$LOCAL_KAFKA_SASL_USER" "$LOCAL_KAFKA_SASL_PASSWORD"
    fi
  } >"$1"
}

# The broker really serves metadata: list topics through the admin client, logged in
# (or, with "plaintext", without SASL: how an older local broker answers).
# Each look is a JVM (3.8 s of CPU here). With 12 busy loops on the 2 cores it needed 22 s, so
# a look gets up to 90 s and the client 40 s: with 20 s and 5 s no look succeeded, and a healthy
# broker seemed down (docs/local-infra.md).
kafka_metadata() { # kafka_metadata [port] [sasl|plaintext] [seconds]
  local props=$RUN/kafka-admin${2:+-$2}.properties
  kafka_client_properties "$props" "${2:-sasl}"
  # A class-data archive of the tool's classes, written by the first look that succeeds,
  # halves the CPU of every later one. It is per JVM: another java makes its own.
  local archive cds
  archive=$KAFKA_HOME/tools-$(readlink -f "$(command -v java)" | cksum | cut -d' ' -f1).jsa
  if [[ -s $archive ]]; then cds=-XX:SharedArchiveFile=$archive; else cds=-XX:ArchiveClassesAtExit=$archive.$$; fi
  if timeout "${3:-90}" java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$cds" \
    -Dlog4j2.configurationFile="file:$HERE/kafka/log4j2.xml" \
    -cp "$KAFKA_HOME/libs/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:${1:-$KAFKA_PORT}" --command-config "$props" --list >/dev/null 2>"$RUN/kafka-metadata.err"; then
    [[ -s $archive.$$ ]] && mv -f "$archive.$$" "$archive"
    return 0
  fi
  rm -f "$archive.$$"
  return 1
}

pid_alive() { # pid_alive <name>: the pid file names a live process that is ours
  local f=$RUN/$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] || return 1
  # guard against a recycled pid: the command line must still be ours, this instance's (another
  # checkout's or CRM_LOCAL_DIR's instance has another port and another server.properties)
  case $1 in
    ferretdb) grep -qa "ferretdb-" "/proc/$pid/cmdline" && grep -qaF "127.0.0.1:$(recorded ferretdb | cut -d' ' -f1)" "/proc/$pid/cmdline" ;;
    kafka) grep -qa "kafka.Kafka" "/proc/$pid/cmdline" && grep -qaF "$KAFKA_DIR/server.properties" "/proc/$pid/cmdline" ;;
  esac
}

# What `start` ran each part with ("<port> <backend>"): a later call with other
# settings must not mistake it for what it asked for.
recorded() { cat "$RUN/$1.conf" 2>/dev/null || echo "?"; }

rotate_log() { # keep each log under ~10 MB across many starts
  local f=$LOGS/$1.log
  if [[ -f $f ]] && (($(stat -c %s "$f") > 10485760)); then mv -f "$f" "$f.1"; fi
}

# ---------------------------------------------------------------- install

install_ferretdb() {
  # Rebuild when main.go/go.mod/go.sum or a patch change, not only when the version does.
  local src_sum
  src_sum=$(cat "$HERE/ferretdb/main.go" "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" "$HERE"/ferretdb/patches/*.patch "$HERE"/ferretdb/patches/modernc-*/*.patch | sha256sum | cut -c1-16)
  if [[ -x $FERRETDB_BIN && "$(cat "$FERRETDB_BIN.src" 2>/dev/null)" == "$src_sum" ]]; then
    say "FerretDB $FERRETDB_VERSION (patched): cached ($FERRETDB_BIN)"
    return
  fi
  command -v go >/dev/null || die "Go is needed to build FerretDB (go 1.24 or newer)"
  say "building FerretDB $FERRETDB_VERSION with deploy/local/ferretdb/patches from the Go module proxy (first time only; ~2-3 min on 2 cores, seconds once Go's build cache is warm)..."
  mkdir -p "$CACHE/bin"
  local t0=$SECONDS modfile
  modfile=$(ferretdb_patched_modfile) || die "could not apply deploy/local/ferretdb/patches to FerretDB $FERRETDB_VERSION"
  # -mod=readonly: go.sum is committed and complete; -buildvcs=false: no git stamping;
  # -modfile: our go.mod plus a replace onto the patched copy (docs/local-infra.md).
  (cd "$HERE/ferretdb" && go build -mod=readonly -buildvcs=false -trimpath -ldflags='-s -w' \
    -modfile "$modfile" -o "$FERRETDB_BIN.tmp" .) || die "go build of deploy/local/ferretdb failed"
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  echo "$src_sum" >"$FERRETDB_BIN.src"
  say "FerretDB built in $((SECONDS - t0)) s -> $FERRETDB_BIN"
}

# Copies a module from Go's module cache into $CACHE/src and applies patches to it (git apply -p1).
patched_module() { # <module path> <copy dir> <patch>...
  local module=$1 copy=$2 mod patchfile
  shift 2
  mod=$(cd "$HERE/ferretdb" && go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d $mod ]] || { echo "[infra] go mod download gave no directory for $module" >&2; return 1; }
  rm -rf "$copy" && mkdir -p "$(dirname "$copy")" && cp -r "$mod" "$copy" && chmod -R u+w "$copy"
  for patchfile in "$@"; do
    (cd "$copy" && git apply -p1 "$patchfile") >&2 || return 1
  done
}

# Copies FerretDB, modernc.org/libc (the C library its SQLite is transpiled against) and
# modernc.org/sqlite (that SQLite) from Go's module cache, applies deploy/local/ferretdb/patches/*.patch
# and patches/modernc-<name>/*.patch, and prints the path of a go.mod (ours plus a `replace` onto
# each patched copy) for `go build -modfile`.
ferretdb_patched_modfile() {
  local work=$CACHE/src/ferretdb-$FERRETDB_VERSION name version
  patched_module github.com/FerretDB/FerretDB "$work/FerretDB" "$HERE"/ferretdb/patches/*.patch || return 1
  cp "$HERE/ferretdb/go.sum" "$work/go.sum"
  {
    cat "$HERE/ferretdb/go.mod"
    echo "replace github.com/FerretDB/FerretDB => $work/FerretDB"
  } >"$work/go.mod"
  for name in libc sqlite; do
    version=$(sed -n "s/^\tmodernc.org\/$name \(v[^ ]*\).*/\1/p" "$HERE/ferretdb/go.mod")
    [[ -n $version ]] || { echo "[infra] deploy/local/ferretdb/go.mod names no modernc.org/$name version" >&2; return 1; }
    patched_module "modernc.org/$name@$version" "$work/$name" "$HERE"/ferretdb/patches/modernc-$name/*.patch || return 1
    echo "replace modernc.org/$name => $work/$name" >>"$work/go.mod"
  done
  echo "$work/go.mod"
}

# The unpatched FerretDB, only for `npm run bench` to measure our store against it.
install_ferretdb_stock() {
  local bin=$CACHE/bin/ferretdb-$FERRETDB_VERSION-stock src_sum
  src_sum=$(cat "$HERE/ferretdb/main.go" "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" | sha256sum | cut -c1-16)
  if [[ -x $bin && "$(cat "$bin.src" 2>/dev/null)" == "$src_sum" ]]; then
    say "stock FerretDB $FERRETDB_VERSION: cached ($bin)"
    return
  fi
  say "building stock (unpatched) FerretDB $FERRETDB_VERSION for the bench..."
  mkdir -p "$CACHE/bin"
  (cd "$HERE/ferretdb" && go build -mod=readonly -buildvcs=false -trimpath -ldflags='-s -w' -o "$bin.tmp" .) ||
    die "go build of stock FerretDB failed"
  mv -f "$bin.tmp" "$bin"
  echo "$src_sum" >"$bin.src"
  echo "$bin"
}

install_kafka() {
  if [[ -f $KAFKA_HOME/libs/.complete ]]; then
    say "Kafka $KAFKA_VERSION: cached ($KAFKA_HOME/libs)"
    return
  fi
  command -v mvn >/dev/null || die "Maven is needed to fetch the Kafka jars"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central (first time only, ~10-30 s)..."
  local t0=$SECONDS tmp=$KAFKA_HOME/libs.tmp
  rm -rf "$tmp"
  mkdir -p "$KAFKA_HOME"
  # output to a file (mvn -q still prints stray ANSI codes); shown only on failure
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" -Dkafka.version="$KAFKA_VERSION" -Dlog4j2.version="$LOG4J2_VERSION" \
    >"$KAFKA_HOME/mvn.log" 2>&1 || { cat "$KAFKA_HOME/mvn.log" >&2; die "mvn could not fetch the Kafka jars"; }
  touch "$tmp/.complete"
  rm -rf "$KAFKA_HOME/libs"
  mv "$tmp" "$KAFKA_HOME/libs"
  say "Kafka jars fetched in $((SECONDS - t0)) s -> $KAFKA_HOME/libs"
}

check_java() {
  command -v java >/dev/null || die "Java 17+ is needed for Kafka $KAFKA_VERSION"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  ((${v%%.*} >= 17)) || die "Kafka $KAFKA_VERSION needs Java 17+, found $v"
}

cmd_install() {
  check_java
  install_ferretdb
  install_kafka
}

# ---------------------------------------------------------------- start

start_ferretdb() {
  pid_alive ferretdb || rm -f "$RUN/ferretdb.pid" "$RUN/ferretdb.conf" # stale after a reboot or a crash
  if [[ -f $RUN/ferretdb.pid ]]; then
    [[ $(recorded ferretdb) == "$FERRETDB_PORT $FERRETDB_BACKEND" ]] ||
      die "this checkout's FerretDB runs with port/backend '$(recorded ferretdb)': run '$0 stop' first"
    say "FerretDB already running (pid $(<"$RUN/ferretdb.pid"))"
    return
  fi
  if mongo_ping "$FERRETDB_PORT"; then
    say "FerretDB already answering on 127.0.0.1:$FERRETDB_PORT (not started by this checkout)"
    return
  fi
  tcp_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by something that is not MongoDB-compatible"
  [[ -x $FERRETDB_BIN ]] || die "FerretDB is not installed: run '$0 install'"
  local backend=(-data-dir "$FERRETDB_DATA") where=.local/ferretdb/data
  if [[ $FERRETDB_BACKEND == postgresql ]]; then
    start_postgres
    backend=(-postgresql-url "postgres://postgres@127.0.0.1:$POSTGRES_PORT/ferretdb")
    where="PostgreSQL 127.0.0.1:$POSTGRES_PORT"
  fi
  rotate_log ferretdb
  echo "---- $(date -Is) infra.sh start ----" >>"$LOGS/ferretdb.log"
  say "starting FerretDB on 127.0.0.1:$FERRETDB_PORT (data: $where, log: .local/logs/ferretdb.log)"
  # setsid: own session, so a Ctrl-C in the terminal that ran `npm start` does not stop it.
  setsid nohup "$FERRETDB_BIN" -listen "127.0.0.1:$FERRETDB_PORT" "${backend[@]}" \
    -log-level "$FERRETDB_LOG_LEVEL" ${FERRETDB_PPROF:+-pprof-listen "$FERRETDB_PPROF"} >>"$LOGS/ferretdb.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/ferretdb.pid"
  echo "$FERRETDB_PORT $FERRETDB_BACKEND" >"$RUN/ferretdb.conf"
}

# Optional backend (FERRETDB_BACKEND=postgresql): Debian's PostgreSQL, data in .local/postgres.
pg() { # pg <tool> <args...>: a PostgreSQL tool, as the postgres user when we are root (initdb refuses root)
  local bin tool=$1
  shift
  bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $bin ]] || die "FERRETDB_BACKEND=postgresql needs Debian's postgresql package"
  if ((EUID == 0)); then runuser -u postgres -- "$bin/$tool" "$@"; else "$bin/$tool" "$@"; fi
}

start_postgres() {
  mkdir -p "$PG_DIR"
  ((EUID != 0)) || chown postgres: "$PG_DIR"
  if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
    say "initialising PostgreSQL for FerretDB (first start only)..."
    pg initdb -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 || die "initdb failed, see $PG_DIR/initdb.log"
  fi
  if ! pg pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT"; then
    say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT (log: .local/postgres/postgres.log)"
    # the postmaster makes its own session (setsid), so it outlives this shell
    pg pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-p $POSTGRES_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null 9>&- ||
      { tail -n 20 "$PG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
  fi
  pg psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" | grep -q 1 ||
    pg createdb -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres ferretdb
}

# What a broker of this checkout runs with: its port and how clients log in. A broker started
# before SASL was added recorded only its port.
KAFKA_SECURITY=sasl-scram-sha-512

start_kafka() {
  pid_alive kafka || rm -f "$RUN/kafka.pid" "$RUN/kafka.conf" # stale after a reboot or a crash
  if [[ -f $RUN/kafka.pid && $(recorded kafka) == "$KAFKA_PORT" ]]; then
    say "this checkout's Kafka runs without SASL (the configuration before SASL): restarting it with SASL"
    stop_one kafka 30
  fi
  if [[ -f $RUN/kafka.pid ]]; then
    [[ $(recorded kafka) == "$KAFKA_PORT $KAFKA_SECURITY" ]] ||
      die "this checkout's Kafka runs with port/security '$(recorded kafka)': run '$0 stop' first"
    say "Kafka already running (pid $(<"$RUN/kafka.pid"))"
    return
  fi
  if tcp_open "$KAFKA_PORT"; then
    if ! kafka_metadata "$KAFKA_PORT" sasl && kafka_metadata "$KAFKA_PORT" plaintext; then
      die "a Kafka without SASL answers on 127.0.0.1:$KAFKA_PORT (an older local broker, started by another checkout?): stop it ('npm run infra -- stop' in that checkout) and run this again; see docs/local-infra.md"
    fi
    say "Kafka already answering on 127.0.0.1:$KAFKA_PORT (not started by this checkout)"
    return
  fi
  [[ -f $KAFKA_HOME/libs/.complete ]] || die "Kafka is not installed: run '$0 install'"
  check_java
  mkdir -p "$KAFKA_DIR/data"
  # Regenerated on every start so port overrides apply.
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@KAFKA_DATA_DIR@|$KAFKA_DIR/data|g" -e "s|@KAFKA_SASL_USER@|$LOCAL_KAFKA_SASL_USER|g" \
    -e "s|@KAFKA_SASL_PASSWORD@|$LOCAL_KAFKA_SASL_PASSWORD|g" "$HERE/kafka/server.properties.template" >"$KAFKA_DIR/server.properties"
  # The SCRAM user lives in the cluster metadata, written when the storage is formatted: storage
  # formatted before SASL (no marker) is formatted again. Local topics and offsets go with it.
  local scram_marker=$KAFKA_DIR/data/.crm-scram-user scram_user="SCRAM-SHA-512 $LOCAL_KAFKA_SASL_USER"
  if [[ -f $KAFKA_DIR/data/meta.properties && "$(cat "$scram_marker" 2>/dev/null)" != "$scram_user" ]]; then
    say "the Kafka storage in .local/kafka/data has no SCRAM user (formatted before SASL): formatting it again (local topics and offsets are dropped)"
    rm -rf "$KAFKA_DIR/data" && mkdir -p "$KAFKA_DIR/data"
  fi
  # Format the KRaft storage once (static controller.quorum.voters: no --standalone).
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    say "formatting Kafka KRaft storage with the local SCRAM user (first start only)..."
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid | tail -n 1)
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=$LOCAL_KAFKA_SASL_USER,password=$LOCAL_KAFKA_SASL_PASSWORD]" \
      >"$LOGS/kafka-format.log" 2>&1 || { cat "$LOGS/kafka-format.log"; die "Kafka storage format failed"; }
    echo "$scram_user" >"$scram_marker"
  fi
  rotate_log kafka
  echo "---- $(date -Is) infra.sh start ----" >>"$LOGS/kafka.log"
  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT, SASL/SCRAM-SHA-512 (data: .local/kafka/data, log: .local/logs/kafka.log)"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM options
  setsid nohup java $KAFKA_HEAP_OPTS -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Dlog4j2.shutdownHookEnabled=false \
    -Dlog4j2.configurationFile="file:$HERE/kafka/log4j2.xml" -cp "$KAFKA_HOME/libs/*" \
    kafka.Kafka "$KAFKA_DIR/server.properties" >>"$LOGS/kafka.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/kafka.pid"
  echo "$KAFKA_PORT $KAFKA_SECURITY" >"$RUN/kafka.conf"
}

cmd_start() {
  mkdir -p "$LOGS" "$RUN" "$FERRETDB_DATA" "$KAFKA_DIR"
  # .local/ holds only machine state: keep it out of git even without a root .gitignore entry
  [[ -f $LOCAL/.gitignore ]] || echo '*' >"$LOCAL/.gitignore"
  start_ferretdb
  start_kafka
}

# ---------------------------------------------------------------- wait / status

fail_with_log() { # fail_with_log <name> <message>
  echo "[infra] ERROR: $2; last lines of .local/logs/$1.log:" >&2
  tail -n 40 "$LOGS/$1.log" >&2 2>/dev/null || true
  exit 1
}

cmd_wait() { # cmd_wait [ferretdb|kafka]: the one named, or both
  local deadline=$((SECONDS + INFRA_WAIT_SECONDS)) t0=$SECONDS
  if [[ ${1:-ferretdb} == ferretdb ]]; then
    say "waiting for FerretDB (MongoDB ping on 127.0.0.1:$FERRETDB_PORT)..."
    until mongo_ping "$FERRETDB_PORT"; do
      [[ -f $RUN/ferretdb.pid ]] && ! pid_alive ferretdb && fail_with_log ferretdb "FerretDB exited"
      ((SECONDS < deadline)) || fail_with_log ferretdb "FerretDB did not answer within $INFRA_WAIT_SECONDS s"
      sleep 0.3
    done
    say "FerretDB ready: mongodb://127.0.0.1:$FERRETDB_PORT ($((SECONDS - t0)) s)"
  fi
  [[ ${1:-kafka} == kafka ]] || return 0
  say "waiting for Kafka (metadata from 127.0.0.1:$KAFKA_PORT)..."
  : >"$RUN/kafka-metadata.err"
  # Each look gets what is left until the deadline, between 10 s and 90 s.
  local look
  until look=$((deadline - SECONDS)) && ((look = look < 10 ? 10 : look > 90 ? 90 : look)) &&
    tcp_open "$KAFKA_PORT" && kafka_metadata "$KAFKA_PORT" sasl "$look"; do
    [[ -f $RUN/kafka.pid ]] && ! pid_alive kafka && fail_with_log kafka "Kafka exited"
    if ((SECONDS >= deadline)); then
      # Why the last look failed (a refused connection, a timeout, a login error) before the broker's log.
      local said
      said=$(tail -n 3 "$RUN/kafka-metadata.err" | tr '\n' ' ' | cut -c1-600)
      echo "[infra] the last metadata request said: ${said:-nothing (the port took no connection)}" >&2
      fail_with_log kafka "Kafka did not serve metadata within $INFRA_WAIT_SECONDS s"
    fi
    sleep 0.5
  done
  say "Kafka ready: 127.0.0.1:$KAFKA_PORT ($((SECONDS - t0)) s)"
}

cmd_status() {
  local ok=0 pid
  for name in ferretdb kafka; do
    local port=$FERRETDB_PORT answering=no
    [[ $name == kafka ]] && port=$KAFKA_PORT
    # what we started may run on other ports than this shell's env says
    pid_alive $name && port=$(recorded $name | cut -d' ' -f1)
    if [[ $name == ferretdb ]]; then
      mongo_ping "$port" && answering=yes
    else
      tcp_open "$port" && kafka_metadata "$port" && answering=yes
    fi
    if pid_alive $name; then pid="pid $(<"$RUN/$name.pid")"; else pid="not started by infra.sh"; fi
    if [[ $answering == yes ]]; then
      say "$(printf '%-8s' $name) running   ($pid), answering on 127.0.0.1:$port"
    elif pid_alive $name; then
      say "$(printf '%-8s' $name) starting  ($pid), not answering yet on 127.0.0.1:$port"; ok=1
    else
      say "$(printf '%-8s' $name) stopped"; ok=1
    fi
  done
  if [[ -f $PG_DIR/data/PG_VERSION ]]; then
    if pg pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT"; then
      say "postgres running   (FerretDB backend), answering on 127.0.0.1:$POSTGRES_PORT"
    else
      say "postgres stopped   (FerretDB backend, data in .local/postgres)"
    fi
  fi
  return $ok
}

# ---------------------------------------------------------------- stop / reset

stop_one() { # stop_one <name> <seconds before KILL>
  local f=$RUN/$1.pid pid
  if ! pid_alive "$1"; then
    rm -f "$f" "$RUN/$1.conf"
    say "$1: not running (nothing of ours to stop)"
    return
  fi
  pid=$(<"$f")
  say "stopping $1 (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$1 still running after $2 s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f" "$RUN/$1.conf"
}

cmd_stop() { # cmd_stop [ferretdb|kafka]: one part (the fault tests stop the broker or the store alone), or all
  case ${1:-all} in
    kafka) stop_one kafka 30; return ;;
    ferretdb) stop_one ferretdb 10; return ;;
    all) ;;
    *) die "stop takes ferretdb, kafka or nothing (both), not '$1'" ;;
  esac
  stop_one kafka 30 # a controlled shutdown flushes logs and the metadata snapshot
  stop_one ferretdb 10
  if [[ -f $PG_DIR/data/postmaster.pid ]]; then
    say "stopping PostgreSQL (.local/postgres)..."
    pg pg_ctl -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
  fi
}

cmd_reset() {
  cmd_stop
  say "deleting .local/ferretdb, .local/kafka, .local/postgres and the logs"
  rm -rf "$LOCAL/ferretdb" "$KAFKA_DIR" "$PG_DIR" "$LOGS"/{ferretdb,kafka,kafka-format}.log*
}

cmd_env() {
  echo "export MONGODB_URL=mongodb://127.0.0.1:$FERRETDB_PORT"
  echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "export KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=$LOCAL_KAFKA_SASL_USER KAFKA_SASL_PASSWORD=$LOCAL_KAFKA_SASL_PASSWORD"
}

case ${1:-} in
  install) lock; cmd_install ;;
  install-stock-ferretdb) lock; install_ferretdb_stock ;;
  start) lock; cmd_start ;;
  wait) cmd_wait "${2:-}" ;;
  up) lock; t0=$SECONDS; cmd_install; cmd_start; cmd_wait; say "up in $((SECONDS - t0)) s" ;;
  status) cmd_status ;;
  stop) lock; cmd_stop "${2:-}" ;;
  reset) lock; cmd_reset ;;
  env) cmd_env ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
