#!/usr/bin/env bash
# End-to-end check of scripts/real-k8s.sh against the built binaries: start,
# kubectl as both identities, audit log, CRDs, 410 Gone after compaction,
# restart-apiserver, namespace deletion without a controller-manager, stop, and
# `run` stopped by SIGTERM and by SIGKILL. Needs `scripts/real-k8s.sh build` first.
# Takes about a minute. KEEP=1 keeps the state directories.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RK=$ROOT/scripts/real-k8s.sh
BIN=$("$RK" bin-dir)
STATE=$(mktemp -d "${TMPDIR:-/tmp}/kbdash-real-k8s-smoke.XXXXXX")
INTERVAL=5
passed=0
failed=0

cleanup() {
  "$RK" stop --state "$STATE" >/dev/null 2>&1 || true
  "$RK" stop --state "$STATE/run" >/dev/null 2>&1 || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "state kept in $STATE"; else rm -rf "$STATE"; fi
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
  local name=$1
  shift
  if "$@" >"$STATE/check.out" 2>&1; then ok "$name"; else
    fail "$name"
    sed 's/^/     /' "$STATE/check.out" | tail -n 5
  fi
}
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1") == Z* ]]; }

"$RK" start --state "$STATE" --crds "$ROOT/testenv/testdata/example-crd.yaml" \
  --compaction-interval "${INTERVAL}s" >"$STATE/start.json"
# shellcheck disable=SC1091
source "$STATE/env"
k() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG" "$@"; }
raw_rv() { k get --raw "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])'; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$CA_FILE" -H "Authorization: Bearer $1" "$URL$2"; }

check "JSON line names the URL" grep -q "\"URL\": \"$URL\"" "$STATE/start.json"
check "admin lists namespaces" k get ns default
check "admin creates a namespace" k create ns smoke
check "admin creates a pod" k -n smoke run p1 --image=busybox --restart=Never
check "the pod stays Pending (no scheduler)" test "$(k -n smoke get pod p1 -o jsonpath='{.status.phase}')" = Pending
check "admin patches the pod" k -n smoke patch pod p1 --type=merge -p '{"metadata":{"labels":{"smoke":"yes"}}}'
reader_sees_p1() { k --context reader get pods -A | grep -q p1; }
check "reader lists pods everywhere" reader_sees_p1
if k --context reader -n smoke delete pod p1 2>"$STATE/forbidden.txt"; then fail "reader cannot delete a pod"; else
  check "reader cannot delete a pod (Forbidden)" grep -q Forbidden "$STATE/forbidden.txt"
fi
check "reader cannot read secrets (403)" test "$(http_code "$READER_TOKEN" /api/v1/secrets)" = 403
audited_denial() { grep '"username":"reader"' "$AUDIT_LOG" | grep '"verb":"delete"' | grep -q '"code":403'; }
check "audit log has the reader's denied delete" audited_denial
create_widget() {
  printf '%s\n' 'apiVersion: example.kbdash.test/v1' 'kind: Widget' \
    'metadata: {name: w1, namespace: smoke}' 'spec: {size: 3}' | k apply -f -
}
check "the example CRD is Established and serves objects" create_widget

# 410 Gone: take a resourceVersion, write after it, wait two compaction intervals.
rv=$(raw_rv /api/v1/namespaces/smoke/pods)
for i in 1 2 3; do k -n smoke annotate pod p1 "n=$i" --overwrite >/dev/null; done
replays() {
  timeout 3 "$BIN/kubectl" --kubeconfig "$KUBECONFIG" get --raw \
    "/api/v1/namespaces/smoke/pods?watch=1&resourceVersion=$rv" >"$STATE/watch.txt" 2>&1 || true
  grep -q '"type":"MODIFIED"' "$STATE/watch.txt"
}
check "a watch from a fresh resourceVersion replays events" replays
sleep $((2 * INTERVAL + 3))
k get --raw "/api/v1/namespaces/smoke/pods?watch=1&resourceVersion=$rv" >"$STATE/watch410.txt" 2>&1 || true
check "a watch from a compacted resourceVersion gets an ERROR event with code 410" \
  grep -q '"type":"ERROR".*"code":410' "$STATE/watch410.txt"
check "a list at a compacted resourceVersion (Exact) answers 410" \
  test "$(http_code "$READER_TOKEN" "/api/v1/namespaces/smoke/pods?resourceVersion=$rv&resourceVersionMatch=Exact")" = 410

# restart-apiserver while a client watches.
curl -sN --cacert "$CA_FILE" -H "Authorization: Bearer $READER_TOKEN" "$URL/api/v1/namespaces?watch=1" \
  >/dev/null 2>&1 &
watcher=$!
old_pid=$APISERVER_PID
"$RK" restart-apiserver --state "$STATE" --down-for 1 >/dev/null
# shellcheck disable=SC1091
source "$STATE/env"
check "restart-apiserver started a new kube-apiserver" test "$old_pid" != "$APISERVER_PID"
check "the old kube-apiserver is gone" gone "$old_pid"
sleep 0.5
check "the client's open watch ended" gone "$watcher"
wait "$watcher" 2>/dev/null || true
check "data survived the restart" k -n smoke get pod p1

# Namespace deletion never completes without the controller-manager's namespace controller.
k delete ns smoke --wait=false >/dev/null
sleep 3
check "a deleted namespace stays Terminating" test "$(k get ns smoke -o jsonpath='{.status.phase}')" = Terminating
k get ns smoke -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); d["spec"]["finalizers"]=[]; print(json.dumps(d))' |
  k replace --raw /api/v1/namespaces/smoke/finalize -f - >/dev/null
sleep 1
check "finalizing it by hand removes it" test -z "$(k get ns smoke --ignore-not-found -o name)"

a=$APISERVER_PID
e=$ETCD_PID
"$RK" stop --state "$STATE" >/dev/null 2>&1
both_gone() { gone "$1" && gone "$2"; }
check "stop leaves neither server running" both_gone "$a" "$e"

# run: the foreground form a test harness spawns; SIGTERM stops everything.
for sig in TERM KILL; do
  mkdir -p "$STATE/run"
  rm -f "$STATE/run/env"
  "$RK" run --state "$STATE/run" >"$STATE/run.json" 2>"$STATE/run.err" &
  runner=$!
  for ((i = 0; i < 600; i++)); do
    [[ -s $STATE/run.json ]] && break
    sleep 0.1
  done
  # shellcheck disable=SC1091
  source "$STATE/run/env"
  check "run printed its JSON line" grep -q '"APISERVER_PID"' "$STATE/run.json"
  kill -s "$sig" "$runner"
  wait "$runner" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    gone "$APISERVER_PID" && gone "$ETCD_PID" && break
    sleep 0.1
  done
  check "run killed by SIG$sig leaves neither server running (after $((i / 10)).$((i % 10)) s)" \
    both_gone "$APISERVER_PID" "$ETCD_PID"
  : >"$STATE/run.json"
done

echo "$passed passed, $failed failed"
((failed == 0))
