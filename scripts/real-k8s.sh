#!/usr/bin/env bash
# real-k8s.sh: kbdash's real Kubernetes API server test tier.
#
# Builds kube-apiserver, kubectl and etcd at one pinned Kubernetes release from
# the Go module proxy (testenv/go.mod names the release), and runs etcd plus
# kube-apiserver on 127.0.0.1 for tests. See testenv/README.md.
#
#   real-k8s.sh build [--force]
#   real-k8s.sh bin-dir
#   real-k8s.sh start --state DIR [options]      # start in the background, print one JSON line
#   real-k8s.sh run   --state DIR [options]      # start, print the JSON line, wait; stop on exit
#   real-k8s.sh stop  --state DIR
#   real-k8s.sh restart-apiserver --state DIR [--down-for SECONDS] [--signal TERM|KILL]
#
# start/run options:
#   --crds FILE_OR_DIR           apply these CRD manifests (server-side) and wait until Established
#   --compaction-interval DUR    kube-apiserver --etcd-compaction-interval (default 10s)
#   --watch-cache true|false     kube-apiserver --watch-cache (default false: watches and
#                                lists are served by etcd, so 410 Gone follows compaction)
#   --audit-level LEVEL          Metadata (default), Request or RequestResponse
#   --timeout SECONDS            how long to wait for /readyz (default 90)
#
# Environment: KBDASH_REAL_K8S_CACHE (default ~/.cache/kbdash/real-k8s) holds
# <k8s-version>/bin/{etcd,kube-apiserver,kubectl}; KBDASH_REAL_K8S_NICE (default 10)
# is the niceness of the build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTENV=$ROOT/testenv
GOMOD=$TESTENV/go.mod

die() { echo "real-k8s: $*" >&2; exit 1; }
log() { echo "real-k8s: $*" >&2; }

# The one place the versions are named is testenv/go.mod.
mod_version() { # module path -> version required by testenv/go.mod
  awk -v m="$1" '($1 == m || ($1 == "require" && $2 == m)) && $0 !~ /=>/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$GOMOD"
}
K8S_VERSION=$(mod_version k8s.io/kubernetes)
ETCD_VERSION=$(mod_version go.etcd.io/etcd/server/v3)
[[ $K8S_VERSION =~ ^v1\.[0-9]+\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $GOMOD"
[[ -n $ETCD_VERSION ]] || die "cannot read the go.etcd.io/etcd/server/v3 version from $GOMOD"

CACHE_ROOT=${KBDASH_REAL_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kbdash/real-k8s}
CACHE_DIR=$CACHE_ROOT/$K8S_VERSION
BIN_DIR=$CACHE_DIR/bin
BINARIES=(etcd kube-apiserver kubectl)
STAMP="k8s=$K8S_VERSION etcd=$ETCD_VERSION"

have_binaries() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x $BIN_DIR/$b ]] || return 1; done
  [[ -f $CACHE_DIR/STAMP && $(<"$CACHE_DIR/STAMP") == "$STAMP" ]]
}

# Every k8s.io staging module must be replaced by v0.N.M for kubernetes v1.N.M.
check_replaces() {
  local want=v0.${K8S_VERSION#v1.} bad
  bad=$(awk -v want="$want" '$1 ~ /^k8s\.io\// && $2 == "=>" && $4 != want { print $1 " => " $4 }' "$GOMOD")
  [[ -z $bad ]] || die "testenv/go.mod: these replaces do not match $K8S_VERSION (want $want):
$bad"
}

cmd_build() {
  local force=0
  while (($#)); do
    case $1 in
      --force) force=1 ;;
      *) die "build: unknown argument $1" ;;
    esac
    shift
  done
  if ((!force)) && have_binaries; then
    echo "$BIN_DIR"
    return 0
  fi
  command -v go >/dev/null || die "go is not on PATH"
  check_replaces
  mkdir -p "$CACHE_DIR"
  # One build at a time per version (tests may call build concurrently).
  exec 9>"$CACHE_DIR/.lock"
  flock 9
  if ((!force)) && have_binaries; then
    echo "$BIN_DIR"
    return 0
  fi
  local tmp minor start end
  tmp=$(mktemp -d "$CACHE_DIR/.build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  local vpkg ldflags=(-s -w)
  for vpkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=(-X "$vpkg.gitVersion=$K8S_VERSION" -X "$vpkg.gitMajor=1" -X "$vpkg.gitMinor=$minor"
      -X "$vpkg.gitTreeState=clean" -X "$vpkg.buildDate=1970-01-01T00:00:00Z")
  done
  log "building kube-apiserver, kubectl ($K8S_VERSION) and etcd ($ETCD_VERSION) with $(go version | awk '{print $3}') into $BIN_DIR"
  start=$(date +%s)
  (
    cd "$TESTENV"
    CGO_ENABLED=0 nice -n "${KBDASH_REAL_K8S_NICE:-10}" \
      go build -mod=readonly -trimpath -buildvcs=false -ldflags="${ldflags[*]}" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3
  )
  end=$(date +%s)
  # The etcd server module's main package is named after its path: server.
  mv "$tmp/server" "$tmp/etcd"
  local b
  for b in "${BINARIES[@]}"; do [[ -x $tmp/$b ]] || die "build did not produce $b"; done
  rm -rf "$BIN_DIR"
  chmod 755 "$tmp"
  mv "$tmp" "$BIN_DIR"
  trap - EXIT
  echo "$STAMP" >"$CACHE_DIR/STAMP"
  log "built in $((end - start)) s; $(du -sh "$BIN_DIR" | cut -f1) in $BIN_DIR"
  echo "$BIN_DIR"
}

cmd_bin_dir() {
  (($# == 0)) || die "bin-dir takes no arguments"
  have_binaries || die "no binaries for $STAMP in $BIN_DIR: run scripts/real-k8s.sh build"
  echo "$BIN_DIR"
}

# ---------------------------------------------------------------------------
# start / run / stop / restart-apiserver

STATE=
CRDS=
COMPACTION_INTERVAL=10s
WATCH_CACHE=false
AUDIT_LEVEL=Metadata
TIMEOUT=90
DOWN_FOR=0
KILL_SIGNAL=TERM

parse_opts() { # $1: which options are allowed (start|stop|restart)
  local kind=$1
  shift
  while (($#)); do
    case $kind:$1 in
      *:--state) STATE=${2:?--state needs a directory} && shift ;;
      start:--crds) CRDS=${2:?--crds needs a file or directory} && shift ;;
      start:--compaction-interval) COMPACTION_INTERVAL=${2:?} && shift ;;
      start:--watch-cache) WATCH_CACHE=${2:?} && shift ;;
      start:--audit-level) AUDIT_LEVEL=${2:?} && shift ;;
      start:--timeout | restart:--timeout) TIMEOUT=${2:?} && shift ;;
      restart:--down-for) DOWN_FOR=${2:?} && shift ;;
      restart:--signal) KILL_SIGNAL=${2:?} && shift ;;
      *) die "${kind}: unknown argument $1" ;;
    esac
    shift
  done
  [[ -n $STATE ]] || die "$kind: --state DIR is required"
  case $WATCH_CACHE in true | false) ;; *) die "--watch-cache takes true or false" ;; esac
  case $AUDIT_LEVEL in Metadata | Request | RequestResponse) ;; *) die "--audit-level takes Metadata, Request or RequestResponse" ;; esac
  case $KILL_SIGNAL in TERM | KILL | INT) ;; *) die "--signal takes TERM, KILL or INT" ;; esac
  [[ $TIMEOUT =~ ^[0-9]+$ && $DOWN_FOR =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--timeout and --down-for take seconds"
  if [[ $kind == start ]]; then
    mkdir -p "$STATE"
  fi
  [[ -d $STATE ]] || die "no state directory $STATE"
  STATE=$(cd "$STATE" && pwd)
  if [[ -n $CRDS ]]; then
    [[ -e $CRDS ]] || die "--crds: no such file or directory: $CRDS"
    CRDS=$(cd "$(dirname "$CRDS")" && pwd)/$(basename "$CRDS")
  fi
}

# A process counts as alive while it exists and is not a zombie.
alive() {
  local pid=$1 st
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# stop_pid PID NAME [SIGNAL]: signal, wait up to 10 s, then SIGKILL; reaps it if it is our child.
stop_pid() {
  local pid=$1 name=$2 sig=${3:-TERM} i
  [[ -n $pid ]] || return 0
  if alive "$pid"; then
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "$name ($pid) did not exit within 10 s of SIG$sig: SIGKILL"
      kill -s KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        alive "$pid" || break
        sleep 0.1
      done
    fi
  fi
  wait "$pid" 2>/dev/null || true
  alive "$pid" && die "$name ($pid) is still running"
  return 0
}

free_ports() { # N -> N distinct free loopback ports, one a line
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
}

gen_pki() {
  local d=$STATE/pki
  mkdir -p "$d"
  chmod 700 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kbdash-real-k8s-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  cat >"$d/apiserver.ext" <<'EOF_EXT'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1
EOF_EXT
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 3650 -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

write_configs() {
  ADMIN_TOKEN=$(openssl rand -hex 24)
  READER_TOKEN=$(openssl rand -hex 24)
  # token,user,uid,"group1,group2"
  {
    echo "$ADMIN_TOKEN,admin,kbdash-admin,\"system:masters\""
    echo "$READER_TOKEN,reader,kbdash-reader,\"kbdash:readers\""
  } >"$STATE/tokens.csv"
  chmod 600 "$STATE/tokens.csv"
  # Every request, once (no RequestReceived stage): one ResponseComplete line per
  # request, plus a ResponseStarted line when a long-running request (watch) begins.
  cat >"$STATE/audit-policy.yaml" <<EOF_AUDIT
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: $AUDIT_LEVEL
EOF_AUDIT
  cat >"$STATE/reader-rbac.yaml" <<'EOF_RBAC'
# The read-only identity: get, list and watch on what kbdash reads; nothing else
# (no secrets, no writes), so tests can see 403 Forbidden for real.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kbdash-reader
rules:
- apiGroups: [""]
  resources: [pods, pods/log, pods/status, events, namespaces, services, endpoints,
    persistentvolumeclaims, persistentvolumes, configmaps, nodes, serviceaccounts]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [statefulsets, deployments, replicasets]
  verbs: [get, list, watch]
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, list, watch]
- apiGroups: [apps.kubeblocks.io, operations.kubeblocks.io, dataprotection.kubeblocks.io,
    parameters.kubeblocks.io, workloads.kubeblocks.io]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kbdash-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kbdash-reader
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: reader
EOF_RBAC
}

write_kubeconfig() {
  local ca
  ca=$(base64 -w0 <"$STATE/pki/ca.crt")
  cat >"$STATE/kubeconfig" <<EOF_KC
apiVersion: v1
kind: Config
clusters:
- name: kbdash-real
  cluster:
    server: $URL
    certificate-authority-data: $ca
users:
- name: admin
  user:
    token: $ADMIN_TOKEN
- name: reader
  user:
    token: $READER_TOKEN
contexts:
- name: admin
  context:
    cluster: kbdash-real
    user: admin
- name: reader
  context:
    cluster: kbdash-real
    user: reader
current-context: admin
EOF_KC
  chmod 600 "$STATE/kubeconfig"
}

# Launch a server in the background with its log in $STATE; set LAUNCHED_PID.
# With OWNER_PID set (run mode) a watchdog stops the server once the owner is
# gone, so a `run` killed with SIGKILL leaves nothing behind.
launch() {
  local name=$1
  shift
  "$@" </dev/null >>"$STATE/$name.log" 2>&1 &
  LAUNCHED_PID=$!
  if [[ -n ${OWNER_PID:-} ]]; then
    (
      trap - EXIT INT TERM
      while alive "$OWNER_PID" && alive "$LAUNCHED_PID"; do sleep 1; done
      # kube-apiserver's graceful shutdown can hang once etcd is gone, so etcd
      # waits (up to 6 s) for kube-apiserver to go first, and SIGKILL follows 5 s after SIGTERM.
      if [[ $name == etcd ]] && alive "$LAUNCHED_PID"; then
        a=$(sed -n 's/^APISERVER_PID=//p' "$STATE/env" 2>/dev/null) || a=
        for ((i = 0; i < 60; i++)); do
          alive "$a" || break
          sleep 0.1
        done
      fi
      if alive "$LAUNCHED_PID"; then
        kill -s TERM "$LAUNCHED_PID" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
          alive "$LAUNCHED_PID" || exit 0
          sleep 0.1
        done
        kill -s KILL "$LAUNCHED_PID" 2>/dev/null
      fi
      exit 0
    ) </dev/null >/dev/null 2>&1 &
    echo "$!" >>"$STATE/watchdog.pids"
  fi
}

etcd_args() {
  ETCD_ARGS=(
    "$BIN_DIR/etcd"
    --name kbdash
    --data-dir "$STATE/etcd"
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT"
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT"
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-cluster "kbdash=http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-cluster-state new
    --unsafe-no-fsync
    --log-level warn
  )
}

apiserver_args() {
  local p=$STATE/pki
  APISERVER_ARGS=(
    "$BIN_DIR/kube-apiserver"
    --bind-address=127.0.0.1
    --advertise-address=127.0.0.1
    --secure-port="$APISERVER_PORT"
    --cert-dir="$STATE/pki"
    --tls-cert-file="$p/apiserver.crt"
    --tls-private-key-file="$p/apiserver.key"
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT"
    --etcd-compaction-interval="$COMPACTION_INTERVAL"
    --watch-cache="$WATCH_CACHE"
    --token-auth-file="$STATE/tokens.csv"
    --authorization-mode=RBAC
    --service-account-issuer=https://kubernetes.default.svc.cluster.local
    --service-account-key-file="$p/sa.pub"
    --service-account-signing-key-file="$p/sa.key"
    --service-cluster-ip-range=10.0.0.0/24
    --endpoint-reconciler-type=none
    --disable-admission-plugins=ServiceAccount
    --audit-policy-file="$STATE/audit-policy.yaml"
    --audit-log-path="$STATE/audit.log"
    --audit-log-mode=blocking
    --audit-log-maxbackup=0
    --allow-privileged=true
    --profiling=false
    --shutdown-watch-termination-grace-period=2s
  )
}

wait_ready() { # wait until /readyz answers ok, or die with the log's tail
  local deadline=$((SECONDS + TIMEOUT)) out
  while :; do
    if ! alive "$APISERVER_PID"; then
      log "kube-apiserver ($APISERVER_PID) exited before it was ready; the tail of $STATE/kube-apiserver.log:"
      tail -n 40 "$STATE/kube-apiserver.log" >&2 || true
      return 1
    fi
    out=$(curl -sS --max-time 5 --cacert "$STATE/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
      "$URL/readyz" 2>/dev/null) && [[ $out == ok ]] && return 0
    if ((SECONDS >= deadline)); then
      log "kube-apiserver not ready after $TIMEOUT s (last /readyz: ${out:-no answer}); the tail of $STATE/kube-apiserver.log:"
      tail -n 40 "$STATE/kube-apiserver.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

wait_etcd() {
  local deadline=$((SECONDS + TIMEOUT))
  until curl -sf --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" >/dev/null 2>&1; do
    if ! alive "$ETCD_PID" || ((SECONDS >= deadline)); then
      log "etcd did not become healthy; the tail of $STATE/etcd.log:"
      tail -n 40 "$STATE/etcd.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

ENV_KEYS=(URL KUBECONFIG CA_FILE ADMIN_TOKEN READER_TOKEN AUDIT_LOG STATE_DIR BIN_DIR
  K8S_VERSION ETCD_VERSION APISERVER_PORT ETCD_CLIENT_PORT ETCD_PEER_PORT ETCD_URL
  APISERVER_PID ETCD_PID OWNER_PID COMPACTION_INTERVAL WATCH_CACHE)

write_env() { # DIR/env (shell-sourceable) and the JSON line on stdout
  local k tmp=$STATE/env.tmp
  : >"$tmp"
  for k in "${ENV_KEYS[@]}"; do printf '%s=%q\n' "$k" "${!k-}" >>"$tmp"; done
  mv "$tmp" "$STATE/env"
  python3 - "$STATE/env" <<'PY'
import json, shlex, sys
d = {}
for line in open(sys.argv[1]):
    k, _, v = line.rstrip("\n").partition("=")
    v = shlex.split(v)[0] if v else ""
    d[k] = int(v) if k.endswith(("_PORT", "_PID")) and v.isdigit() else v
print(json.dumps(d), flush=True)
PY
}

load_env() {
  [[ -f $STATE/env ]] || die "no $STATE/env: nothing was started with --state $STATE"
  # shellcheck disable=SC1091
  source "$STATE/env"
}

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig "$STATE/kubeconfig" --context admin "$@"; }

do_start() {
  have_binaries || die "no binaries in $BIN_DIR: run scripts/real-k8s.sh build first"
  command -v openssl >/dev/null || die "openssl is needed"
  command -v python3 >/dev/null || die "python3 is needed"
  command -v curl >/dev/null || die "curl is needed"
  if [[ -f $STATE/env ]]; then
    local old_a old_e
    old_a=$(sed -n 's/^APISERVER_PID=//p' "$STATE/env")
    old_e=$(sed -n 's/^ETCD_PID=//p' "$STATE/env")
    if alive "$old_a" || alive "$old_e"; then
      die "$STATE is in use (pids $old_a $old_e): stop it first"
    fi
  fi
  rm -rf "$STATE/etcd" "$STATE/pki" "$STATE/env" "$STATE/watchdog.pids"
  : >"$STATE/audit.log"
  : >"$STATE/etcd.log"
  : >"$STATE/kube-apiserver.log"
  # These (and ETCD_URL) reach DIR/env through ${!name} in write_env.
  # shellcheck disable=SC2034
  {
    STATE_DIR=$STATE
    KUBECONFIG=$STATE/kubeconfig
    CA_FILE=$STATE/pki/ca.crt
    AUDIT_LOG=$STATE/audit.log
  }
  local ports
  mapfile -t ports < <(free_ports 3)
  APISERVER_PORT=${ports[0]}
  ETCD_CLIENT_PORT=${ports[1]}
  ETCD_PEER_PORT=${ports[2]}
  URL=https://127.0.0.1:$APISERVER_PORT
  # shellcheck disable=SC2034
  ETCD_URL=http://127.0.0.1:$ETCD_CLIENT_PORT
  APISERVER_PID=
  ETCD_PID=
  gen_pki
  write_configs
  write_kubeconfig
  etcd_args
  apiserver_args
  printf '%s\n' "${APISERVER_ARGS[@]:1}" >"$STATE/kube-apiserver.args"

  launch etcd "${ETCD_ARGS[@]}"
  ETCD_PID=$LAUNCHED_PID
  write_env >/dev/null
  wait_etcd || { do_stop; exit 1; }
  launch kube-apiserver "${APISERVER_ARGS[@]}"
  APISERVER_PID=$LAUNCHED_PID
  write_env >/dev/null
  wait_ready || { do_stop; exit 1; }

  if ! kubectl_admin apply -f "$STATE/reader-rbac.yaml" >>"$STATE/setup.log" 2>&1; then
    log "applying the reader's RBAC failed:"
    tail -n 20 "$STATE/setup.log" >&2
    do_stop
    exit 1
  fi
  if [[ -n $CRDS ]]; then
    local names
    if ! names=$(kubectl_admin apply --server-side --force-conflicts -R -f "$CRDS" -o name 2>>"$STATE/setup.log"); then
      log "applying the CRDs in $CRDS failed:"
      tail -n 20 "$STATE/setup.log" >&2
      do_stop
      exit 1
    fi
    echo "$names" >>"$STATE/setup.log"
    names=$(grep '^customresourcedefinition' <<<"$names" || true)
    if [[ -n $names ]]; then
      # shellcheck disable=SC2086
      if ! kubectl_admin wait --for=condition=Established --timeout="${TIMEOUT}s" $names >>"$STATE/setup.log" 2>&1; then
        log "the CRDs did not become Established:"
        tail -n 20 "$STATE/setup.log" >&2
        do_stop
        exit 1
      fi
    fi
  fi
  write_env
}

do_stop() { # stop what $STATE/env names (apiserver first), then the watchdogs
  local a e w i
  a=${APISERVER_PID-}
  e=${ETCD_PID-}
  if [[ -f $STATE/env ]]; then
    a=$(sed -n 's/^APISERVER_PID=//p' "$STATE/env")
    e=$(sed -n 's/^ETCD_PID=//p' "$STATE/env")
  fi
  stop_pid "$a" kube-apiserver
  stop_pid "$e" etcd
  # A watchdog ends by itself within a second of its server's exit.
  if [[ -f $STATE/watchdog.pids ]]; then
    while read -r w; do
      for ((i = 0; i < 30; i++)); do
        alive "$w" || break
        sleep 0.1
      done
      wait "$w" 2>/dev/null || true
    done <"$STATE/watchdog.pids"
    rm -f "$STATE/watchdog.pids"
  fi
}

cmd_start() {
  parse_opts start "$@"
  OWNER_PID=
  do_start
}

RUN_STOPPING=0
SLEEP_PID=
# shellcheck disable=SC2317 # invoked by the EXIT trap of cmd_run
run_on_exit() {
  ((RUN_STOPPING)) && return
  RUN_STOPPING=1
  if [[ -n $SLEEP_PID ]]; then kill "$SLEEP_PID" 2>/dev/null || true; fi
  do_stop
}

cmd_run() {
  parse_opts start "$@"
  OWNER_PID=$$
  local parent=$PPID e
  trap run_on_exit EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
  do_start
  # Wait until we are told to stop, or our parent (the test harness) is gone.
  while alive "$parent"; do
    e=$(sed -n 's/^ETCD_PID=//p' "$STATE/env")
    if ! alive "$e"; then
      log "etcd ($e) exited; stopping"
      exit 1
    fi
    sleep 1 &
    SLEEP_PID=$!
    wait "$SLEEP_PID" || true
    SLEEP_PID=
  done
  log "parent process $parent is gone; stopping"
}

cmd_stop() {
  parse_opts stop "$@"
  load_env
  # A `run` process owns this state: let it stop its servers and exit.
  if [[ -n ${OWNER_PID:-} ]] && alive "$OWNER_PID"; then
    local i
    kill -s TERM "$OWNER_PID" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      alive "$OWNER_PID" || break
      sleep 0.1
    done
  fi
  do_stop
  log "stopped kube-apiserver and etcd of $STATE"
}

cmd_restart_apiserver() {
  parse_opts restart "$@"
  load_env
  stop_pid "$APISERVER_PID" kube-apiserver "$KILL_SIGNAL"
  APISERVER_PID=
  write_env >/dev/null
  if [[ $DOWN_FOR != 0 ]]; then sleep "$DOWN_FOR"; fi
  local args
  mapfile -t args <"$STATE/kube-apiserver.args"
  # In run mode the watchdog ties the new server to the `run` process too.
  if [[ -n ${OWNER_PID:-} ]] && ! alive "$OWNER_PID"; then OWNER_PID=; fi
  launch kube-apiserver "$BIN_DIR/kube-apiserver" "${args[@]}"
  APISERVER_PID=$LAUNCHED_PID
  write_env >/dev/null
  wait_ready || die "kube-apiserver did not come back"
  write_env
}

main() {
  (($#)) || die "usage: real-k8s.sh build|bin-dir|start|run|stop|restart-apiserver ..."
  local sub=$1
  shift
  case $sub in
    build) cmd_build "$@" ;;
    bin-dir) cmd_bin_dir "$@" ;;
    start) cmd_start "$@" ;;
    run) cmd_run "$@" ;;
    stop) cmd_stop "$@" ;;
    restart-apiserver) cmd_restart_apiserver "$@" ;;
    -h | --help | help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' ;;
    *) die "unknown subcommand $sub" ;;
  esac
}

main "$@"; exit
