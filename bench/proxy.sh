#!/usr/bin/env bash
# bench/proxy.sh: trio's reverse proxy against Caddy's reverse_proxy and
# nginx's proxy_pass, one after another, each in front of the same HTTP/1.1
# backend answering 1 KiB, on loopback, over TLS to the client.
#
#   bash bench/proxy.sh           # full run: BENCH_ROUNDS (3) rounds of BENCH_DURATION (4) s per cell
#   bash bench/proxy.sh --quick   # one round of 2 s per cell, no warm-up: checks the script
#   bash bench/proxy.sh --save    # also write bench/results/YYYY-MM-DD-HHMM-proxy.txt (UTC)
#   bash bench/proxy.sh --profile # then system calls per request (perf stat), and trio under the h1 load sampled by perf
#
# Per server and protocol two cells: a loaded one (h1 wrk -t1 64 conns; h2
# h2load -t1 8 conns x 16 streams; h3 trio load, same shape) for requests/s,
# latency under load and CPU time per request; and an idle one (trio load, one
# connection, one request at a time, BENCH_LAT_DURATION s) for the latency a
# request sees without queueing. "direct" is the backend alone, over h1 in
# cleartext; added latency is a proxy's idle p50/p99 minus direct's.
#
# CPU per request: utime+stime from /proc/PID/stat over the loaded cell,
# summed over the server's processes (nginx: master and worker), divided by
# the requests the loader completed; the backend's too.
#
# Pinning (2 or more cores): the proxy on CPU 0, the load generator and the
# backend on CPU 1; for the direct cells the backend moves to CPU 0. Go
# servers get GOMAXPROCS=1 from the mask, nginx one worker. "load%" is how
# busy CPU 1 was: near 100 the loader side, not the proxy, may set the pace.
#
# Environment: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP (1 s before each
# loaded cell), BENCH_LAT_DURATION (2 s), BENCH_PORT (9443, TCP and UDP),
# BENCH_BACKEND_PORT (9480), BENCH_SERVERS ("trio caddy nginx"), BENCH_PROTOS
# ("h1 h2 h3"), BENCH_REV (a commit to build trio from), BENCH_TRIO (cli:
# `trio proxy`, the default when the binary has it; front: bench/proxy/front,
# proxy.Handler on a trio.Server without the CLI; httputil: the same with
# httputil.ReverseProxy instead of package proxy, for comparison).
set -euo pipefail

DUR=${BENCH_DURATION:-4}
WARM=${BENCH_WARMUP:-1}
LAT=${BENCH_LAT_DURATION:-2}
ROUNDS=${BENCH_ROUNDS:-3}
PORT=${BENCH_PORT:-9443}
BPORT=${BENCH_BACKEND_PORT:-9480}
HOST=localhost # servers listen on 127.0.0.1; clients send SNI localhost, which the cert names
SERVERS=${BENCH_SERVERS:-trio caddy nginx}
PROTOS=${BENCH_PROTOS:-h1 h2 h3}
SAVE=0
PROFILE=0
for a in "$@"; do
  case $a in
    --quick) DUR=${BENCH_DURATION:-2} WARM=0 LAT=${BENCH_LAT_DURATION:-1} ROUNDS=${BENCH_ROUNDS:-1} ;;
    --save) SAVE=1 ;;
    --profile) PROFILE=1 ;;
    -h | --help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "proxy.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/trio-proxybench.XXXXXX)
chmod 755 "$WORK"
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "proxy.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR

if (($(nproc) >= 2)); then
  PIN_SRV=(taskset -c 0) PIN_LOAD=(taskset -c 1) SRV_CPU=0 LOAD_CPU=1
  PINNING="proxy on CPU 0; load generator and backend on CPU 1 (backend on CPU 0 for direct)"
else
  PIN_SRV=() PIN_LOAD=() SRV_CPU="" LOAD_CPU=""
  PINNING="one core, shared"
fi
HZ=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
CACERT=$WORK/cert.pem
SIZE=1024
H1_CONNS=64
MUX_CONNS=8 MUX_STREAMS=16

log() { echo "== $*" >&2; }

# --- tools -------------------------------------------------------------------

need_tools() {
  local apt=()
  command -v wrk >/dev/null || apt+=(wrk)
  command -v h2load >/dev/null || apt+=(nghttp2-client)
  command -v nginx >/dev/null || apt+=(nginx-light)
  command -v openssl >/dev/null || apt+=(openssl)
  if ((${#apt[@]})); then
    log "installing ${apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt[@]}" >/dev/null ||
      true
  fi
  # The latest Caddy, built with go install (Debian's 2.6.2 is old).
  CADDY=$(go env GOPATH)/bin/caddy
  if [[ ! -x $CADDY ]]; then
    log "caddy: go install github.com/caddyserver/caddy/v2/cmd/caddy@latest"
    (cd /tmp && go install github.com/caddyserver/caddy/v2/cmd/caddy@latest)
  fi
  CADDY_VERSION=$(go version -m "$CADDY" | awk '$1 == "mod" && $2 == "github.com/caddyserver/caddy/v2" { print $3 }')
  sysctl -qw net.core.rmem_max=7500000 net.core.wmem_max=7500000 2>/dev/null || true
}

# --- fixtures ------------------------------------------------------------------

make_fixtures() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  local src=$ROOT
  if [[ -n ${BENCH_REV:-} ]]; then # a commit, not the working tree
    src=$WORK/src
    mkdir -p "$src" && git -C "$ROOT" archive "$BENCH_REV" | tar -x -C "$src"
  fi
  (cd "$src" && go build -o "$WORK/trio" ./cmd/trio && go build -o "$WORK/backend" ./bench/proxy/backend)
  TRIO_REV=$(git -C "$ROOT" rev-parse --short "${BENCH_REV:-HEAD}")
  if [[ -z ${BENCH_REV:-} && -n $(git -C "$ROOT" status --porcelain --untracked-files=no) ]]; then
    TRIO_REV+="+dirty"
  fi
  TRIO_MODE=${BENCH_TRIO:-}
  if [[ -z $TRIO_MODE ]]; then
    if [[ $("$WORK/trio" proxy -h 2>&1 || true) == *"--to URL"* ]]; then TRIO_MODE=cli; else TRIO_MODE=front; fi
  fi
  case $TRIO_MODE in
    cli) TRIO_WHAT="trio proxy --to http://127.0.0.1:$BPORT" ;;
    front) TRIO_WHAT="bench/proxy/front: proxy.Handler on a trio.Server, as trio proxy has it but without the CLI" ;;
    httputil) TRIO_WHAT="STAND-IN bench/proxy/front -impl httputil: trio.Server before httputil.ReverseProxy, not package proxy" ;;
    *) echo "proxy.sh: BENCH_TRIO is cli, front or httputil, not $TRIO_MODE" >&2; exit 2 ;;
  esac
  if [[ $TRIO_MODE != cli ]]; then
    (cd "$src" && go build -o "$WORK/front" ./bench/proxy/front)
    log "note: trio runs as $TRIO_WHAT"
  fi
}

# --- servers -----------------------------------------------------------------

# Caddy: the same certificate files as the others (tls internal would issue
# its own, also ECDSA P-256), h1, h2 and h3 (its default protocols), and as
# many idle upstream connections kept as nginx.
caddy_conf() {
  mkdir -p "$WORK/caddy"
  cat >"$WORK/caddy/Caddyfile" <<EOF
{
  admin off
  auto_https disable_redirects
  storage file_system $WORK/caddy/data
  servers {
    protocols h1 h2 h3
  }
}
https://$HOST:$PORT {
  bind 127.0.0.1
  tls $WORK/cert.pem $WORK/key.pem
  reverse_proxy 127.0.0.1:$BPORT {
    transport http {
      keepalive 2m
      keepalive_idle_conns 256
      keepalive_idle_conns_per_host 256
    }
  }
}
EOF
}

start_backend() {
  GOMAXPROCS=1 "${PIN_LOAD[@]}" "$WORK/backend" -listen "127.0.0.1:$BPORT" -size "$SIZE" >"$WORK/backend.log" 2>&1 &
  BACKEND_PID=$!
  PIDS+=("$BACKEND_PID")
  for _ in $(seq 1 50); do
    if curl -sf -o /dev/null "http://127.0.0.1:$BPORT/"; then
      kill -0 "$BACKEND_PID" 2>/dev/null && return 0
      break # another process answers on the port
    fi
    sleep 0.1
  done
  echo "proxy.sh: the backend did not start:" >&2
  cat "$WORK/backend.log" >&2
  exit 1
}

# pin_backend CPU: moves the backend's threads (no-op on one core).
pin_backend() {
  [[ -n $1 ]] && taskset -a -p -c "$1" "$BACKEND_PID" >/dev/null
  return 0
}

# start_server NAME: starts it pinned, waits until it proxies a request.
start_server() {
  local name=$1 cmd
  CACERT=$WORK/cert.pem # what trio load trusts
  case $name in
    trio)
      if [[ $TRIO_MODE == cli ]]; then
        cmd=("$WORK/trio" proxy --to "http://127.0.0.1:$BPORT" --listen "127.0.0.1:$PORT" --http "")
        if [[ $("$WORK/trio" proxy -h 2>&1 || true) == *"  -cert "* ]]; then
          cmd+=(--cert "$WORK/cert.pem" --key "$WORK/key.pem")
        else # its certificate for localhost from its local CA (also ECDSA P-256)
          cmd=(env TRIO_DATA_DIR="$WORK/trio-data" "${cmd[@]}")
          CACERT=$WORK/trio-data/ca/root.pem
        fi
      else
        local impl=proxy
        [[ $TRIO_MODE == httputil ]] && impl=httputil
        cmd=("$WORK/front" -impl "$impl" -listen "127.0.0.1:$PORT" -cert "$WORK/cert.pem" -key "$WORK/key.pem" -to "http://127.0.0.1:$BPORT")
      fi
      ;;
    nginx) proxy_nginx_conf; cmd=(nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx") ;;
    caddy) caddy_conf; cmd=(env HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" "$CADDY" run --adapter caddyfile --config "$WORK/caddy/Caddyfile") ;;
  esac
  "${PIN_SRV[@]}" "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 100); do
    if [[ $(curl -sk -o /dev/null -w '%{http_code} %{size_download}' "https://$HOST:$PORT/1k.bin") == "200 $SIZE" ]]; then return 0; fi
    sleep 0.1
  done
  echo "proxy.sh: $name did not start; its log:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    ss -Hlnt "sport = :$PORT" | grep -q . || break
    sleep 0.1
  done
}

# --- measures ------------------------------------------------------------------

# --- loads: each prints "requests rps p50_ms p99_ms errors" ------------------------

load_h1() {
  local url=$1
  cat >"$WORK/wrk.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %d\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
  "${PIN_LOAD[@]}" wrk -t1 -c"$H1_CONNS" -d"${DUR}s" -s "$WORK/wrk.lua" "$url" 2>&1 |
    awk '/^RESULT/ { printf "%d %.0f %.3f %.3f %d\n", $2, $2 / ($3 / 1e6), $4, $5, $6 }'
}

warm_h1() { "${PIN_LOAD[@]}" wrk -t1 -c"$H1_CONNS" -d"${WARM}s" "$1" >/dev/null 2>&1 || true; }

load_h2() {
  local url=$1 out secs ok failed
  out=$("${PIN_LOAD[@]}" h2load -t1 -c"$MUX_CONNS" -m"$MUX_STREAMS" -D "$DUR" --log-file="$WORK/h2load.log" "$url" 2>&1)
  echo "$out" >"$WORK/h2load.out"
  secs=$(echo "$out" | awk '/^finished in/ { sub(/s,$/, "", $3); print $3 }')
  ok=$(echo "$out" | awk '/^requests:/ { print $8 }')
  failed=$(echo "$out" | awk '/^requests:/ { f += $10 } /^status codes:/ { f += $7 + $9 } END { print f + 0 }')
  awk '$2 == 200 { print $3 }' "$WORK/h2load.log" | sort -n | awk -v ok="$ok" -v s="$secs" -v f="$failed" '
    { a[NR] = $1 }
    function pct(p,  i) { i = int(NR * p); if (i < 1) i = 1; return a[i] / 1000 }
    END { printf "%d %.0f %.3f %.3f %d\n", ok, ok / s, pct(0.5), pct(0.99), f }'
}

warm_h2() { "${PIN_LOAD[@]}" h2load -t1 -c"$MUX_CONNS" -m"$MUX_STREAMS" -D "$WARM" "$1" >/dev/null 2>&1 || true; }

# tload PROTO CONNS STREAMS SECONDS URL: trio load, "requests rps p50_ms p99_ms errors".
tload() {
  local j tls=()
  [[ $5 == https:* ]] && tls=(--cacert "$CACERT")
  j=$("${PIN_LOAD[@]}" "$WORK/trio" load --proto "$1" -c "$2" -m "$3" -d "${4}s" "${tls[@]}" --json "$5" 2>/dev/null) || true
  [[ $j == *requests_per_sec* ]] || return 1
  awk -v n="$(jnum "$j" requests)" -v r="$(jnum "$j" requests_per_sec)" -v p50="$(jnum "$j" p50_us)" \
    -v p99="$(jnum "$j" p99_us)" -v e="$(jnum "$j" errors)" \
    'BEGIN { printf "%d %.0f %.3f %.3f %d\n", n, r, p50 / 1000, p99 / 1000, e }'
}

load_h3() { tload h3 "$MUX_CONNS" "$MUX_STREAMS" "$DUR" "$1"; }
warm_h3() { tload h3 "$MUX_CONNS" "$MUX_STREAMS" "$WARM" "$1" >/dev/null || true; }

# jnum JSON KEY: the number KEY holds in trio load's flat JSON.
jnum() { grep -o "\"$2\":[-0-9.e+]*" <<<"$1" | head -1 | cut -d: -f2; }

h3_works() {
  "${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -n 1 -d 3s --cacert "$CACERT" "https://$HOST:$PORT/1k.bin" >"$WORK/h3probe.log" 2>&1
}

# --- the run -------------------------------------------------------------------

# RAW: a row per cell and round:
#   server proto kind requests rps p50_ms p99_ms errors cpu_us/req backend_us/req load%
# kind is "load" (the loaded cell) or "idle" (one request at a time; cpu columns "-").
RAW=$WORK/raw.tsv
RESULTS=$WORK/results.tsv

# cell NAME PROTO URL PID: the loaded cell then the idle one, a RAW row and a progress line each.
cell() {
  local name=$1 proto=$2 url=$3 pid=$4 r n rps p50 p99 errs
  ((WARM > 0)) && "warm_$proto" "$url"
  local t0 b0 c0 t1 b1 c1
  t0=$(ticks "$pid") b0=$(ticks "$BACKEND_PID") c0=$(cpustat "$LOAD_CPU")
  r=$("load_$proto" "$url") || r=""
  t1=$(ticks "$pid") b1=$(ticks "$BACKEND_PID") c1=$(cpustat "$LOAD_CPU")
  read -r n rps p50 p99 errs <<<"${r:-0 0 0 0 -1}"
  local cpu bcpu busy
  read -r cpu bcpu busy < <(awk -v n="$n" -v hz="$HZ" -v t="$((t1 - t0))" -v b="$((b1 - b0))" -v c0="$c0" -v c1="$c1" 'BEGIN {
      split(c0, x, " "); split(c1, y, " ")
      busy = (y[2] > x[2]) ? sprintf("%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2])) : "-"
      if (n > 0) printf "%.1f %.1f %s\n", t * 1e6 / hz / n, b * 1e6 / hz / n, busy
      else printf "- - %s\n", busy
    }')
  printf '%s\t%s\tload\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$proto" "$n" "$rps" "$p50" "$p99" "$errs" "$cpu" "$bcpu" "$busy" >>"$RAW"
  log "$name $proto: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us CPU/req (backend $bcpu), load CPU ${busy}%, $errs errors"
  local iproto=$proto
  [[ $name == direct ]] && iproto=h1
  r=$(tload "$iproto" 1 1 "$LAT" "$url") || r=""
  read -r n rps p50 p99 errs <<<"${r:-0 0 0 0 -1}"
  printf '%s\t%s\tidle\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\n' "$name" "$proto" "$n" "$rps" "$p50" "$p99" "$errs" >>"$RAW"
  log "$name $proto idle: p50 $p50 ms, p99 $p99 ms, $errs errors"
}

bench_direct() {
  pin_backend "$SRV_CPU"
  cell direct h1 "http://127.0.0.1:$BPORT/1k.bin" "$BACKEND_PID"
  pin_backend "$LOAD_CPU"
}

bench_server() {
  local name=$1 proto
  start_server "$name"
  for proto in $PROTOS; do
    if [[ $proto == h3 ]] && ! h3_works; then
      printf '%s\th3\tload\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\n%s\th3\tidle\tn/a\tn/a\tn/a\tn/a\tn/a\t-\t-\t-\n' "$name" "$name" >>"$RAW"
      log "$name: no HTTP/3: $(grep -m1 "error  " "$WORK/h3probe.log" || tail -1 "$WORK/h3probe.log")"
      continue
    fi
    cell "$name" "$proto" "https://$HOST:$PORT/1k.bin" "$SERVER_PID"
  done
  stop_server
}

# medians: RESULTS from RAW, a row per server, proto and kind in first-seen
# order: the round with the median req/s (loaded cells) or median p50 (idle
# cells), the lower middle one for an even count, the errors of all rounds,
# and the range of that figure over the rounds.
medians() {
  awk -F'\t' -v OFS='\t' '
    { k = $1 OFS $2 OFS $3; v = ($3 == "load") ? $5 : $6 }
    !(k in n) { order[++cells] = k }
    { n[k]++; val[k, n[k]] = v; row[k, n[k]] = $4 OFS $5 OFS $6 OFS $7; rest[k, n[k]] = $9 OFS $10 OFS $11
      err[k] += $8; na[k] = ($5 == "n/a") }
    END {
      for (c = 1; c <= cells; c++) {
        k = order[c]
        if (na[k]) { print k, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"; continue }
        m = n[k]
        for (i = 1; i <= m; i++) idx[i] = i
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
          if (val[k, idx[j]] + 0 < val[k, idx[i]] + 0) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
        mid = idx[int((m + 1) / 2)]
        print k, row[k, mid], err[k], rest[k, mid], val[k, idx[1]] "-" val[k, idx[m]]
      }
    }' "$RAW" >"$RESULTS"
}

# get SERVER PROTO KIND COLUMN: one figure of RESULTS (columns as in RAW,
# then the range), empty if that cell did not run.
get() {
  awk -F'\t' -v s="$1" -v p="$2" -v k="$3" -v c="$4" '$1 == s && $2 == p && $3 == k { v = $(c) } END { print v }' "$RESULTS"
}

# ratio X Y: X/Y to 2 places, or n/a.
ratio() {
  awk -v x="$1" -v y="$2" 'BEGIN { if (x ~ /^[0-9.]+$/ && y ~ /^[0-9.]+$/ && y > 0) printf "%.2f", x / y; else printf "n/a" }'
}

# added X D: (X - D) in microseconds from two milliseconds figures, or n/a.
added() {
  awk -v x="$1" -v d="$2" 'BEGIN { if (x ~ /^[0-9.]+$/ && d ~ /^[0-9.]+$/) printf "%.0f", (x - d) * 1000; else printf "n/a" }'
}

# target LABEL VALUE MIN: one line, met or MISSED and by how much.
target() {
  local verdict
  verdict=$(awk -v v="$2" -v m="$3" 'BEGIN {
      if (v !~ /^[0-9.]+$/) print "n/a"
      else if (v >= m) print "met"
      else printf "MISSED by %.0f%%\n", 100 * (m - v) / m }')
  printf '  %-34s %6s  (want >= %s)  %s\n' "$1" "$2" "$3" "$verdict"
}

report() {
  echo "trio proxy bench $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $PINNING"
  echo "  trio $TRIO_REV as $TRIO_WHAT"
  echo "  caddy $CADDY_VERSION (go install, reverse_proxy); $(nginx -v 2>&1 | cut -d' ' -f3) (proxy_pass, upstream keepalive 256, no h3); $(go version | cut -d' ' -f3)"
  local certs="every server over TLS with one self-signed ECDSA P-256 certificate"
  [[ -d $WORK/trio-data ]] && certs="over TLS with ECDSA P-256 certificates: a self-signed one, trio proxy's from its local CA (it has no --cert)"
  echo "  backend: bench/proxy/backend, HTTP/1.1 cleartext, $SIZE-byte body; $certs"
  echo "  $ROUNDS rounds of ${DUR}s per loaded cell after ${WARM}s warm-up and ${LAT}s per idle cell, the median round shown"
  echo "  loaded: h1 wrk -t1 $H1_CONNS conns; h2 h2load -t1 $MUX_CONNS conns x $MUX_STREAMS streams; h3 trio load, same; idle: trio load, 1 conn, 1 request at a time"
  echo "  load average before the run: $LOADAVG, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews figures)"
  echo
  local s p direct50 direct99
  direct50=$(get direct h1 idle 6) direct99=$(get direct h1 idle 7)
  {
    printf 'server\tproto\treq/s\tp50_ms\tp99_ms\tcpu_us/req\tbackend_us/req\tload%%\tidle_p50_us\tidle_p99_us\tadded_p50_us\tadded_p99_us\terrors\treq/s_range\n'
    for s in direct $SERVERS; do
      for p in h1 h2 h3; do
        [[ -z $(get "$s" "$p" load 5) ]] && continue
        local i50 i99 a50=- a99=-
        i50=$(get "$s" "$p" idle 6) i99=$(get "$s" "$p" idle 7)
        if [[ $s != direct ]]; then a50=$(added "$i50" "$direct50") a99=$(added "$i99" "$direct99"); fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$p" \
          "$(get "$s" "$p" load 5)" "$(get "$s" "$p" load 6)" "$(get "$s" "$p" load 7)" \
          "$(get "$s" "$p" load 9)" "$(get "$s" "$p" load 10)" "$(get "$s" "$p" load 11)" \
          "$(us "$i50")" "$(us "$i99")" "$a50" "$a99" \
          "$(errs "$s" "$p")" "$(get "$s" "$p" load 12)"
      done
    done
  } | column -t -s $'\t'
  echo
  echo "ratios (req/s; cpu: the other's CPU per request over trio's, above 1 means trio spends less)"
  {
    printf 'proto\ttrio/caddy\ttrio/nginx\tcpu caddy/trio\tcpu nginx/trio\n'
    for p in h1 h2 h3; do
      printf '%s\t%s\t%s\t%s\t%s\n' "$p" \
        "$(ratio "$(get trio $p load 5)" "$(get caddy $p load 5)")" "$(ratio "$(get trio $p load 5)" "$(get nginx $p load 5)")" \
        "$(ratio "$(get caddy $p load 9)" "$(get trio $p load 9)")" "$(ratio "$(get nginx $p load 9)" "$(get trio $p load 9)")"
    done
  } | column -t -s $'\t'
  echo
  echo "targets (issue 12)"
  for p in h1 h2 h3; do target "$p req/s trio/caddy" "$(ratio "$(get trio $p load 5)" "$(get caddy $p load 5)")" 1.5; done
  for p in h1 h2; do target "$p req/s trio/nginx" "$(ratio "$(get trio $p load 5)" "$(get nginx $p load 5)")" 0.8; done
  if [[ $TRIO_MODE == httputil ]]; then
    echo "  (trio ran as the httputil stand-in, not package proxy: these verdicts are not the issue's)"
  fi
  if awk -F'\t' '$8 != "n/a" && $8 != 0 { bad = 1 } END { exit !bad }' "$RAW"; then
    echo
    echo "note: some cells had errors (errors column); their numbers are suspect"
  fi
}

# us MS: milliseconds as whole microseconds, or n/a.
us() { awk -v x="$1" 'BEGIN { if (x ~ /^[0-9.]+$/) printf "%.0f", x * 1000; else printf "n/a" }'; }

# errs SERVER PROTO: the errors of its loaded and idle cells, all rounds; n/a if it did not run.
errs() {
  local a b
  a=$(get "$1" "$2" load 8) b=$(get "$1" "$2" idle 8)
  [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && echo $((a + b)) || echo n/a
}

# syscalls: each server again under the h1 and h2 loads with perf stat
# counting its system calls and context switches (outside the table, as
# counting costs a little per call): per request.
syscalls() {
  echo
  echo "system calls and context switches per request (perf stat -e raw_syscalls:sys_enter,context-switches on the server's processes, ${DUR}s, outside the table)"
  local s p url="https://$HOST:$PORT/1k.bin" pids r ps
  {
    printf 'server\tproto\treq/s\tsyscalls/req\tswitches/req\n'
    for s in $SERVERS; do
      start_server "$s"
      pids=$(echo "$SERVER_PID" $(pgrep -P "$SERVER_PID" || true) | tr ' ' ',')
      for p in h1 h2; do
        [[ " $PROTOS " == *" $p "* ]] || continue
        ((WARM > 0)) && "warm_$p" "$url"
        perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$pids" -o "$WORK/perfstat.csv" -- sleep "$DUR" 2>/dev/null &
        ps=$!
        r=$("load_$p" "$url") || r=""
        wait "$ps" || true
        awk -F, -v s="$s" -v p="$p" -v r="${r:-0 0}" -v dur="$DUR" '
          $3 == "raw_syscalls:sys_enter" { sc = $1 } $3 == "context-switches" { cs = $1 }
          END { split(r, x, " "); n = x[2] * dur
            if (n > 0) printf "%s\t%s\t%s\t%.2f\t%.2f\n", s, p, x[2], sc / n, cs / n
            else printf "%s\t%s\tn/a\tn/a\tn/a\n", s, p }' "$WORK/perfstat.csv"
        log "$s $p under perf stat: ${r:-no result}"
      done
      stop_server
    done
  } | column -t -s $'\t'
}

# profile_trio: trio once more under the h1 load, sampled by perf (not
# counted in the table): where its CPU time goes, by function.
profile_trio() {
  echo
  if ! command -v perf >/dev/null; then
    echo "profile: perf is not installed"
    return 0
  fi
  local url="https://$HOST:$PORT/1k.bin" pp r
  start_server trio
  warm_h1 "$url"
  perf record -F 999 -g -o "$WORK/perf.data" -p "$SERVER_PID" -- sleep "$DUR" >"$WORK/perf.log" 2>&1 &
  pp=$!
  r=$(load_h1 "$url") || r=""
  wait "$pp" || true
  stop_server
  log "trio h1 under perf: ${r:-no result}"
  echo "CPU profile of trio under the h1 load (perf record -F 999 -g, ${DUR}s; req/s under perf: $(cut -d' ' -f2 <<<"${r:-0 n/a}"))"
  if [[ ! -s $WORK/perf.data ]]; then
    echo "  perf recorded nothing: $(tail -1 "$WORK/perf.log")"
    return 0
  fi
  local data=(-i "$WORK/perf.data" --stdio -g none) clean=(sed -E 's/^ */  /; s/ +- +- *$//')
  echo "self time by object (kernel: syscalls, loopback TCP, the peer's receive path run in the sender's write):"
  perf report "${data[@]}" --no-children --sort dso --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -10 | "${clean[@]}"
  echo "self time, functions above 0.7%:"
  perf report "${data[@]}" --no-children --sort symbol --percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 | "${clean[@]}"
  echo "time including callees, Go functions above 3%:"
  perf report "${data[@]}" --children --sort symbol --percent-limit 3 2>/dev/null | grep -v '^#' | grep -F '[.]' |
    grep -v -E 'runtime\.goexit|gowrap|syscall\.Syscall|Syscall6' | head -60 | "${clean[@]}"
}

main() {
  [[ $(getent ahosts localhost | awk 'NR == 1 { print $1 }') == 127.0.0.1 ]] ||
    log "warning: localhost does not resolve to 127.0.0.1 first; loads may miss the servers"
  LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
  need_tools
  make_fixtures
  start_backend
  : >"$RAW"
  local r i s servers=(direct $SERVERS)
  for ((r = 0; r < ROUNDS; r++)); do
    log "round $((r + 1)) of $ROUNDS"
    for ((i = 0; i < ${#servers[@]}; i++)); do # rotated: each round starts with another server
      s=${servers[(i + r) % ${#servers[@]}]}
      if [[ $s == direct ]]; then bench_direct; else bench_server "$s"; fi
    done
  done
  medians
  report
  if ((PROFILE)); then
    command -v perf >/dev/null && syscalls
    profile_trio
  fi
  return 0
}

if ((SAVE)); then
  # Not main | tee: main would run in a subshell, and cleanup would not see
  # the processes it started. The report comes at the end anyway.
  mkdir -p "$ROOT/bench/results"
  out="$ROOT/bench/results/$(date -u +%F-%H%M)-proxy.txt"
  main >"$WORK/report.txt"
  cp "$WORK/report.txt" "$out"
  cat "$out"
  echo "saved $out" >&2
else
  main
fi
