#!/usr/bin/env bash
# Runs a command inside a network namespace that has only loopback — the proof that the appliance and its tests
# never reach outside the machine. Needs root (unshare -n); CI runs the test suite this way (.ci/run).
# A PostgreSQL and a Redis of their own are started inside the namespace on the usual ports (127.0.0.1:5432/6379),
# because the host's servers are in the host's network namespace; they are stopped and removed afterwards.
#   scripts/egress-run.sh npm run -w server test
set -euo pipefail
if [ "${HOTLINE_IN_NETNS:-}" != 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "egress-run: needs root for unshare -n" >&2
    exit 2
  fi
  exec unshare --net env HOTLINE_IN_NETNS=1 "$0" "$@"
fi
ip link set lo up
# nothing but loopback: no route anywhere else
if ip -o link show | grep -v ': lo:' | grep -q .; then
  echo "egress-run: a network interface besides lo exists in the namespace" >&2
  exit 1
fi
if ip route get 1.1.1.1 >/dev/null 2>&1; then
  echo "egress-run: there is a route out of the namespace" >&2
  exit 1
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/egress-run-XXXXXX)
chown postgres:postgres "$work"
cleanup() {
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust -U postgres --no-sync >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p 5432 -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$work" \
  --logfile "$work/redis.log" >/dev/null
for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "egress-run: in a network namespace with loopback only (PostgreSQL and Redis of its own); running: $*"
"$@"
