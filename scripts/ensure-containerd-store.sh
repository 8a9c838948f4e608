#!/usr/bin/env bash
# Make sure a second Docker engine, with the containerd image store, answers on its own socket.
# The pages whose behaviour depends on the image store (sizes, multi-platform images with the
# default builder, attestations) run their commands on both engines, side by side. Fresh Engine 29
# installs and Docker Desktop use the containerd image store; the first engine keeps the classic one.
#
# The second engine has its own socket, data root, exec root and bridge (with a bridge of its
# own it leaves the first engine's docker0 alone), and no iptables rules (the first engine's
# stay as they are). Its containers reach nothing outside this machine; its builds need none.
#
#   bash scripts/ensure-containerd-store.sh          start it (after scripts/ensure-docker.sh)
#   bash scripts/ensure-containerd-store.sh --plan   only print what it would change
#   bash scripts/ensure-containerd-store.sh --stop   stop it
set -euo pipefail

log() { printf 'ensure-containerd-store: %s\n' "$*" >&2; }

NAME=docker-containerd-store
SOCKET=/run/$NAME.sock
DATA_ROOT=/var/lib/$NAME
EXEC_ROOT=/run/$NAME
PIDFILE=/run/$NAME.pid
CONFIG=/etc/docker/$NAME.json
LOG_FILE=/var/log/$NAME.log
BRIDGE=dockercs0
BRIDGE_ADDRESS=10.213.0.1/24

answers() { DOCKER_HOST=unix://$SOCKET docker info >/dev/null 2>&1; }

stop() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 0
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
  fi
}

case "${1:-}" in
  --stop) stop; exit 0 ;;
  --plan) plan_only=true ;;
  *) plan_only=false ;;
esac

if answers; then
  $plan_only && log "the containerd-store engine answers on $SOCKET: nothing to change"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v dockerd >/dev/null 2>&1; then
  log "no second engine answers on $SOCKET, and this script starts one only as root beside"
  log "Debian's dockerd (scripts/ensure-docker.sh). Elsewhere, point DOCKER_HOST_CONTAINERD_STORE"
  log "at an engine with the containerd image store (Docker Desktop's, or Engine 29's), then run again"
  exit 1
fi

log "no second engine answers. This script will change this machine:"
log "  - write $CONFIG (scripts/engine/containerd-store.json): the containerd image store"
log "    (features.containerd-snapshotter), and the build cache bounds of scripts/engine/daemon.json"
log "  - add the bridge $BRIDGE ($BRIDGE_ADDRESS) for its containers"
log "  - start a second dockerd in the background: socket $SOCKET, data $DATA_ROOT,"
log "    exec root $EXEC_ROOT, no iptables rules; its log: $LOG_FILE"
log "To undo: bash $0 --stop; ip link delete $BRIDGE; rm -rf $CONFIG $DATA_ROOT $LOG_FILE"
$plan_only && exit 0

mkdir -p "$(dirname "$CONFIG")"
cp "$(dirname "$0")/engine/containerd-store.json" "$CONFIG"
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip address add "$BRIDGE_ADDRESS" dev "$BRIDGE"
  ip link set "$BRIDGE" up
fi
stop
# setsid: the daemon must outlive the shell (and the test session) that started it.
setsid dockerd --config-file "$CONFIG" --host "unix://$SOCKET" --data-root "$DATA_ROOT" \
  --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" --bridge "$BRIDGE" \
  --iptables=false --ip6tables=false >"$LOG_FILE" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  answers && break
  sleep 1
done
if ! answers; then
  log "the containerd-store engine did not answer within 60 s; the end of $LOG_FILE:"
  tail -n 20 "$LOG_FILE" >&2 || true
  exit 1
fi
log "started: $(DOCKER_HOST=unix://$SOCKET docker info -f '{{.ServerVersion}}, {{json .DriverStatus}}')"
