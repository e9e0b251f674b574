#!/usr/bin/env bash
# Runs bin/gateway on this machine against a throwaway moto Cognito (and
# moto's Secrets Manager, on the same port, for SCIM tokens), so the API can
# be tried with curl and no AWS account. Every run starts with no
# user pools; moto's state dies with it.
#
#   MOTO_PORT    moto's port (default 5000; macOS AirPlay often holds 5000)
#   LISTEN_ADDR  the gateway's address (default 127.0.0.1:8080)
#   MOTO_SERVER  moto_server to run (default: .venv/bin, then PATH)
#
# The AWS_* defaults below are fake on purpose: moto accepts any credentials,
# and the endpoint override keeps every call away from real AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_PORT=${MOTO_PORT:-5000}
LISTEN_ADDR=${LISTEN_ADDR:-127.0.0.1:8080}
moto_url="http://127.0.0.1:${MOTO_PORT}"

die() { echo "run-local: $*" >&2; exit 1; }

moto_server=${MOTO_SERVER:-}
if [[ -z $moto_server ]]; then
  if [[ -x .venv/bin/moto_server ]]; then
    moto_server=.venv/bin/moto_server
  elif command -v moto_server >/dev/null; then
    moto_server=$(command -v moto_server)
  else
    die "moto_server not found in .venv/bin or PATH; run 'make moto'"
  fi
fi
[[ -x bin/gateway ]] || die "bin/gateway is missing; run 'make build'"

# bash's /dev/tcp needs no curl. If something already listens there, the
# gateway would talk to it instead of our fresh moto.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/${MOTO_PORT}") 2>/dev/null; }
port_open && die "port ${MOTO_PORT} is already in use; set MOTO_PORT"

moto_log=$(mktemp "${TMPDIR:-/tmp}/moto.XXXXXX.log")
"$moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$moto_log" 2>&1 &
moto_pid=$!

stop_moto() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
}
trap stop_moto EXIT
# Turn signals into a normal exit so the EXIT trap runs: moto, started in the
# background of a non-interactive shell, ignores the terminal's Ctrl-C.
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq 300); do
  port_open && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$moto_log" >&2; die "moto_server exited during startup"; }
  sleep 0.1
done
port_open || { cat "$moto_log" >&2; die "moto_server did not listen on ${MOTO_PORT} within 30s"; }

echo "Gateway: http://${LISTEN_ADDR}  (Cognito: moto on ${moto_url})"
echo "moto log: ${moto_log}"

AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER="$moto_url" \
AWS_ENDPOINT_URL_SECRETS_MANAGER="$moto_url" \
AWS_REGION="${AWS_REGION:-us-east-1}" \
AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" \
AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" \
LISTEN_ADDR="$LISTEN_ADDR" \
  bin/gateway
