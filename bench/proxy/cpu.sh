#!/usr/bin/env bash
# bench/proxy/cpu.sh: CPU time per proxied request of one proxy over h1, on
# a machine too busy for requests/s to mean much. It starts the backend and
# the proxy (trio: bench/proxy/front built from the working tree; or nginx,
# as bench/proxy.sh configures it), warms up, then runs wrk -t1 -c64 over
# TLS for a bounded time and prints the proxy's utime+stime (from
# /proc/PID/stat) divided by the requests wrk completed; then it stops
# everything it started.
#
#   bash bench/proxy/cpu.sh [trio|nginx] [ROUNDS]   # rounds of CPU_DURATION (5) s
#   CPU_PROFILE=out.pprof bash bench/proxy/cpu.sh trio  # also a CPU profile of the last round
#
# Pinning as bench/proxy.sh: the proxy on CPU 0 (GOMAXPROCS 1), wrk and
# the backend on CPU 1. Ports CPU_PORT (29443) and CPU_BACKEND_PORT (29480).
set -euo pipefail

WHO=${1:-trio}
ROUNDS=${2:-3}
DUR=${CPU_DURATION:-5}
PORT=${CPU_PORT:-29443}
BPORT=${CPU_BACKEND_PORT:-29480}
PPROF_PORT=$((PORT + 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/trio-proxycpu.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PIN_SRV=() PIN_LOAD=()
if (($(nproc) >= 2)); then PIN_SRV=(taskset -c 0) PIN_LOAD=(taskset -c 1); fi
HZ=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
(cd "$ROOT" && go build -o "$WORK/backend" ./bench/proxy/backend && go build -o "$WORK/front" ./bench/proxy/front)

"${PIN_LOAD[@]}" env GOMAXPROCS=1 "$WORK/backend" -listen "127.0.0.1:$BPORT" >"$WORK/backend.log" 2>&1 &
BACKEND=$!
PIDS+=("$BACKEND")

case $WHO in
  trio)
    "${PIN_SRV[@]}" "$WORK/front" -listen "127.0.0.1:$PORT" -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
      -to "http://127.0.0.1:$BPORT" -pprof "127.0.0.1:$PPROF_PORT" >"$WORK/front.log" 2>&1 &
    ;;
  nginx)
    proxy_nginx_conf
    "${PIN_SRV[@]}" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx.log" 2>&1 &
    ;;
  *) echo "cpu.sh: trio or nginx, not $WHO" >&2; exit 2 ;;
esac
SRV=$!
PIDS+=("$SRV")
URL="https://localhost:$PORT/1k.bin"
for _ in $(seq 1 100); do
  [[ $(curl -sk -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && break
  sleep 0.1
done

"${PIN_LOAD[@]}" wrk -t1 -c64 -d1s "$URL" >/dev/null 2>&1 || true
for ((r = 1; r <= ROUNDS; r++)); do
  prof=()
  if [[ $WHO == trio && -n ${CPU_PROFILE:-} && $r == "$ROUNDS" ]]; then
    curl -s -o "$CPU_PROFILE" "http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$DUR" &
    prof=($!)
  fi
  t0=$(ticks_split "$SRV") b0=$(ticks_split "$BACKEND")
  out=$("${PIN_LOAD[@]}" wrk -t1 -c64 -d"${DUR}s" "$URL" 2>&1)
  t1=$(ticks_split "$SRV") b1=$(ticks_split "$BACKEND")
  ((${#prof[@]})) && wait "${prof[@]}"
  n=$(awk '/requests in/ { print $1 }' <<<"$out")
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  awk -v who="$WHO" -v n="$n" -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v hz="$HZ" -v rps="$rps" -v e="$errs" 'BEGIN {
    split(t0, a, " "); split(t1, b, " "); u = (b[1] - a[1]) * 1e6 / hz / n; s = (b[2] - a[2]) * 1e6 / hz / n
    split(b0, c, " "); split(b1, d, " "); bk = (d[1] + d[2] - c[1] - c[2]) * 1e6 / hz / n
    printf "%s h1: %d requests, %s req/s, %.1f us CPU/req (user %.1f, sys %.1f), backend %.1f %s\n", who, n, rps, u + s, u, s, bk, e }'
done
