#!/usr/bin/env bash
# bench/run.sh: trio against nginx and Caddy on the same files, one server at
# a time, on loopback over TLS with one self-signed certificate.
#
#   bash bench/run.sh            # full run: BENCH_ROUNDS (3) rounds of BENCH_DURATION (4) s per cell
#   bash bench/run.sh --quick    # one round of 2 s per cell, no warm-up: checks the script
#   bash bench/run.sh --save     # also write bench/results/YYYY-MM-DD-HHMM.txt (UTC)
#   bash bench/run.sh --ws-only  # only the WebSocket section (about a minute)
#
# Rounds: every server runs every cell once per round, in a different order
# each round, and the table holds each cell's median round, so that a burst
# of other work on the machine skews one round of one server, not a ratio.
#
# Environment: BENCH_ROUNDS, BENCH_DURATION (seconds per cell and round), BENCH_WARMUP (seconds),
# BENCH_PORT (9443), BENCH_SERVERS ("trio trio-std nginx caddy"), BENCH_PROTOS
# ("h1 h2 h3"): a subset skips the rest; BENCH_REV (a commit to build trio
# from instead of the working tree), BENCH_WS_N (10000 idle WebSockets per
# protocol).
#
# Loads: h1 with wrk, h2 with h2load, h3 with `trio load` (nothing installable
# here loads HTTP/3). Servers: trio (default HTTP/2 engine), trio --h2-engine
# std (h2 only: h1 and h3 do not change), nginx (HTTP/3 only if its build has
# it), Caddy. Every cell is bounded by its duration; the script by their sum.
#
# Fairness: with 2 or more cores the server runs on CPU 0 and the load
# generator on CPU 1 (taskset), so neither steals the other's core and every
# server has exactly one core: nginx runs one worker, Go picks GOMAXPROCS=1
# from the affinity mask. With one core both share it.
#
# MB/s is response body bytes (10^6 per MB) per second: requests/s times the
# file size, the same formula for every loader. p99 is per-request latency.
set -euo pipefail

DUR=${BENCH_DURATION:-4}
WARM=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
PORT=${BENCH_PORT:-9443}
HOST=localhost # servers listen on 127.0.0.1; clients send SNI localhost, which the cert names
SERVERS=${BENCH_SERVERS:-trio trio-std nginx caddy}
PROTOS=${BENCH_PROTOS:-h1 h2 h3}
SAVE=0
WS_ONLY=0
for a in "$@"; do
  case $a in
    --quick) DUR=${BENCH_DURATION:-2} WARM=0 ROUNDS=${BENCH_ROUNDS:-1} ;;
    --save) SAVE=1 ;;
    --ws-only) WS_ONLY=1 ;;
    -h | --help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/trio-bench.XXXXXX)
chmod 755 "$WORK"
SITE=$WORK/site
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR

if (($(nproc) >= 2)); then
  PIN_SRV=(taskset -c 0) PIN_LOAD=(taskset -c 1) PINNING="server on CPU 0, load generator on CPU 1"
else
  PIN_SRV=() PIN_LOAD=() PINNING="one core, shared"
fi

# Files: name and size in bytes. 10m.bin gets fewer requests in flight, so
# the responses the deadline cuts off (not counted) stay a small share.
FILES=(1k.bin 100k.bin 10m.bin index.html)
declare -A SIZE=([1k.bin]=1024 [100k.bin]=102400 [10m.bin]=10485760)
h1_conns() { [[ $1 == 10m.bin ]] && echo 4 || echo 64; }
mux() { [[ $1 == 10m.bin ]] && echo "2 2" || echo "8 16"; } # connections, streams each

log() { echo "== $*" >&2; }

# only P: P if it is in PROTOS.
only() { [[ " $PROTOS " == *" $1 "* ]] && echo "$1" || true; }

# --- tools -------------------------------------------------------------------

need_tools() {
  local apt=()
  command -v wrk >/dev/null || apt+=(wrk)
  command -v h2load >/dev/null || apt+=(nghttp2-client)
  command -v nginx >/dev/null || apt+=(nginx-light)
  command -v caddy >/dev/null || apt+=(caddy)
  command -v openssl >/dev/null || apt+=(openssl)
  if ((${#apt[@]})); then
    log "installing ${apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt[@]}" >/dev/null ||
      true
  fi
  if ! command -v caddy >/dev/null; then
    log "caddy: no Debian package; go install"
    go install github.com/caddyserver/caddy/v2/cmd/caddy@latest
    export PATH="$PATH:$(go env GOPATH)/bin"
  fi
  # QUIC wants big UDP buffers; raising the cap may fail in a container.
  sysctl -qw net.core.rmem_max=7500000 net.core.wmem_max=7500000 2>/dev/null || true
}

# --- fixtures ------------------------------------------------------------------

make_fixtures() {
  mkdir -p "$SITE"
  head -c 1024 /dev/urandom >"$SITE/1k.bin"
  head -c 102400 /dev/urandom >"$SITE/100k.bin"
  head -c 10485760 /dev/urandom >"$SITE/10m.bin"
  {
    echo '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trio bench</title></head><body>'
    for i in $(seq 1 120); do echo "<p>Paragraph $i of the benchmark page: a static site's typical index.</p>"; done
    echo '</body></html>'
  } >"$SITE/index.html"
  SIZE[index.html]=$(stat -c %s "$SITE/index.html")
  chmod -R a+rX "$SITE"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  local src=$ROOT
  if [[ -n ${BENCH_REV:-} ]]; then # a commit, not the working tree
    src=$WORK/src
    mkdir -p "$src" && git -C "$ROOT" archive "$BENCH_REV" | tar -x -C "$src"
  fi
  (cd "$src" && go build -o "$WORK/trio" ./cmd/trio)
  TRIO_REV=$(git -C "$ROOT" rev-parse --short "${BENCH_REV:-HEAD}")
  if [[ -z ${BENCH_REV:-} && -n $(git -C "$ROOT" status --porcelain --untracked-files=no) ]]; then
    TRIO_REV+="+dirty"
  fi
}

# --- servers -----------------------------------------------------------------

nginx_h3() { nginx -V 2>&1 | grep -q -- --with-http_v3_module; }

nginx_conf() {
  local quic=""
  nginx_h3 && quic="listen 127.0.0.1:$PORT quic reuseport; http3 on; add_header Alt-Svc 'h3=\":$PORT\"';"
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  types { text/html html; application/octet-stream bin; }
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000000;
  open_file_cache max=1000 inactive=60s;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$PORT ssl http2;
    $quic
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $SITE;
  }
}
EOF
}

caddy_conf() {
  mkdir -p "$WORK/caddy"
  cat >"$WORK/caddy/Caddyfile" <<EOF
{
  admin off
  auto_https disable_redirects
  storage file_system $WORK/caddy/data
}
https://$HOST:$PORT {
  bind 127.0.0.1
  tls $WORK/cert.pem $WORK/key.pem
  root * $SITE
  file_server
}
EOF
}

# start_server NAME: starts it pinned, waits until it serves 1k.bin.
start_server() {
  local name=$1 cmd
  case $name in
    trio) cmd=("$WORK/trio" serve --listen "127.0.0.1:$PORT" --http "" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --browse=false "$SITE") ;;
    trio-std) cmd=("$WORK/trio" serve --h2-engine std --listen "127.0.0.1:$PORT" --http "" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --browse=false "$SITE") ;;
    nginx) nginx_conf; cmd=(nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx") ;;
    caddy) caddy_conf; cmd=(env HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" caddy run --adapter caddyfile --config "$WORK/caddy/Caddyfile") ;;
  esac
  "${PIN_SRV[@]}" "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 100); do
    if curl -skf -o /dev/null "https://$HOST:$PORT/1k.bin"; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: $name did not start; its log:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  # Wait for the port: the next server binds it.
  for _ in $(seq 1 50); do
    ss -Hlnt "sport = :$PORT" | grep -q . || break
    sleep 0.1
  done
}

# --- loads: each prints "rps p99_ms errors" ----------------------------------

load_h1() {
  local url=$1 c
  c=$(h1_conns "${url##*/}")
  cat >"$WORK/wrk.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %d\n", summary.requests, summary.duration,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
  ((WARM > 0)) && "${PIN_LOAD[@]}" wrk -t1 -c"$c" -d"${WARM}s" "$url" >/dev/null 2>&1
  "${PIN_LOAD[@]}" wrk -t1 -c"$c" -d"${DUR}s" -s "$WORK/wrk.lua" "$url" 2>&1 |
    awk '/^RESULT/ { printf "%.0f %.2f %d\n", $2 / ($3 / 1e6), $4, $5 }'
}

load_h2() {
  local url=$1 c m out
  read -r c m < <(mux "${url##*/}")
  local warm=()
  ((WARM > 0)) && warm=(--warm-up-time="${WARM}s")
  out=$("${PIN_LOAD[@]}" h2load -t1 -c"$c" -m"$m" -D "$DUR" "${warm[@]}" --log-file="$WORK/h2load.log" "$url" 2>&1)
  echo "$out" >"$WORK/h2load.out"
  local secs ok failed p99
  secs=$(echo "$out" | awk '/^finished in/ { sub(/s,$/, "", $3); print $3 }')
  ok=$(echo "$out" | awk '/^requests:/ { print $8 }')
  failed=$(echo "$out" | awk '/^requests:/ { f += $10 } /^status codes:/ { f += $7 + $9 } END { print f + 0 }')
  p99=$(awk '$2 == 200 { print $3 }' "$WORK/h2load.log" | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }')
  awk -v ok="$ok" -v s="$secs" -v p="$p99" -v f="$failed" 'BEGIN { printf "%.0f %s %d\n", ok / s, p, f }'
}

load_h3() {
  local url=$1 c m j
  read -r c m < <(mux "${url##*/}")
  ((WARM > 0)) && "${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -c "$c" -m "$m" -d "${WARM}s" --cacert "$WORK/cert.pem" "$url" >/dev/null 2>&1
  j=$("${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -c "$c" -m "$m" -d "${DUR}s" --cacert "$WORK/cert.pem" --json "$url" 2>/dev/null) || true
  [[ $j == *requests_per_sec* ]] || return 1
  awk -v r="$(jnum "$j" requests_per_sec)" -v p="$(jnum "$j" p99_us)" -v e="$(jnum "$j" errors)" \
    'BEGIN { printf "%.0f %.2f %d\n", r, p / 1000, e }'
}

# jnum JSON KEY: the number KEY holds in trio load's flat JSON.
jnum() { grep -o "\"$2\":[-0-9.e+]*" <<<"$1" | head -1 | cut -d: -f2; }

# h3_works: does the running server answer over HTTP/3?
h3_works() {
  "${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -n 1 -d 3s --cacert "$WORK/cert.pem" "https://$HOST:$PORT/1k.bin" >"$WORK/h3probe.log" 2>&1
}

# --- the run -------------------------------------------------------------------

RAW=$WORK/raw.tsv         # server proto file rps mbs p99ms errors, a row per round
RESULTS=$WORK/results.tsv # the same, each cell's median round, then the req/s range

bench_server() {
  local name=$1 protos=$2
  start_server "$name"
  for proto in $protos; do
    if [[ $proto == h3 ]] && ! h3_works; then
      for f in "${FILES[@]}"; do printf '%s\th3\t%s\tn/a\tn/a\tn/a\tn/a\n' "$name" "$f" >>"$RAW"; done
      log "$name: no HTTP/3: $(grep -m1 "error  " "$WORK/h3probe.log")"
      continue
    fi
    for f in "${FILES[@]}"; do
      local r rps p99 errs
      r=$("load_$proto" "https://$HOST:$PORT/$f") || r=""
      read -r rps p99 errs <<<"${r:-0 0 -1}"
      printf '%s\t%s\t%s\t%s\t%.1f\t%s\t%s\n' "$name" "$proto" "$f" "$rps" \
        "$(awk -v r="$rps" -v s="${SIZE[$f]}" 'BEGIN { print r * s / 1e6 }')" "$p99" "$errs" >>"$RAW"
      log "$name $proto $f: $rps req/s, p99 ${p99} ms, $errs errors"
    done
  done
  stop_server
}

# medians: RESULTS from RAW, a row per cell in first-seen order: the
# round with the median req/s (the lower middle one for an even count), its
# MB/s and p99, the errors of all rounds, and the req/s range.
medians() {
  awk -F'\t' -v OFS='\t' '
    { k = $1 OFS $2 OFS $3 }
    !(k in n) { order[++cells] = k }
    { n[k]++; rps[k, n[k]] = $4; row[k, n[k]] = $5 OFS $6; err[k] += $7; na[k] = ($4 == "n/a") }
    END {
      for (c = 1; c <= cells; c++) {
        k = order[c]
        if (na[k]) { print k, "n/a", "n/a", "n/a", "n/a", "n/a"; continue }
        m = n[k]
        for (i = 1; i <= m; i++) idx[i] = i
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
          if (rps[k, idx[j]] + 0 < rps[k, idx[i]] + 0) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
        mid = idx[int((m + 1) / 2)]
        print k, rps[k, mid], row[k, mid], err[k], rps[k, idx[1]] "-" rps[k, idx[m]]
      }
    }' "$RAW" >"$RESULTS"
}

# ratio A B PROTO FILE: A's req/s over B's, or n/a.
ratio() {
  awk -F'\t' -v a="$1" -v b="$2" -v p="$3" -v f="$4" '
    $2 == p && $3 == f && $1 == a { x = $4 } $2 == p && $3 == f && $1 == b { y = $4 }
    END { if (x ~ /^[0-9.]+$/ && y ~ /^[0-9.]+$/ && y > 0) printf "%.2f", x / y; else printf "n/a" }' "$RESULTS"
}

# target LABEL VALUE MIN: prints one line, met or missed.
target() {
  local verdict=MISSED
  [[ $2 == n/a ]] && verdict=n/a
  [[ $2 != n/a ]] && awk -v v="$2" -v m="$3" 'BEGIN { exit !(v >= m) }' && verdict=met
  printf '  %-44s %6s  (want >= %s)  %s\n' "$1" "$2" "$3" "$verdict"
}

report() {
  echo "trio bench $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $PINNING"
  echo "  trio $TRIO_REV; $ROUNDS rounds of ${DUR}s per cell after ${WARM}s warm-up, the median round shown; $(go version | cut -d' ' -f3); $(nginx -v 2>&1 | cut -d' ' -f3); caddy $(caddy version | cut -d' ' -f1)"
  echo "  load average before the run: $LOADAVG, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews figures)"
  echo "  h1: wrk -t1, 64 conns (4 for 10m); h2: h2load -t1, 8 conns x 16 streams (2 x 2 for 10m); h3: trio load, same as h2"
  echo
  { printf 'server\tproto\tfile\treq/s\tMB/s\tp99_ms\terrors\treq/s_range\n'; cat "$RESULTS"; } | column -t -s $'\t'
  echo
  echo "ratios (req/s; for one file the MB/s ratio is the same)"
  {
    printf 'proto\tfile\ttrio/nginx\ttrio/caddy\ttrio/std\n'
    for p in h1 h2 h3; do
      for f in "${FILES[@]}"; do
        local s="-"
        [[ $p == h2 ]] && s=$(ratio trio trio-std h2 "$f")
        printf '%s\t%s\t%s\t%s\t%s\n' "$p" "$f" "$(ratio trio nginx $p "$f")" "$(ratio trio caddy $p "$f")" "$s"
      done
    done
  } | column -t -s $'\t'
  echo
  echo "targets (issues 3 and 7)"
  for p in h1 h2 h3; do target "$p 1k.bin req/s trio/caddy" "$(ratio trio caddy $p 1k.bin)" 1.5; done
  for f in 100k.bin 10m.bin; do
    for p in h1 h2 h3; do target "$p $f MB/s trio/caddy" "$(ratio trio caddy $p $f)" 1.0; done
    target "h1 $f MB/s trio/nginx" "$(ratio trio nginx h1 $f)" 0.95
    target "h2 $f MB/s trio/nginx" "$(ratio trio nginx h2 $f)" 1.0
  done
  target "h2 1k.bin req/s trio/std engine" "$(ratio trio trio-std h2 1k.bin)" 2.0
  target "h2 1k.bin req/s trio/nginx" "$(ratio trio nginx h2 1k.bin)" 0.6
  if awk -F'\t' '$7 != "n/a" && $7 != 0 { bad = 1 } END { exit !bad }' "$RESULTS"; then
    echo
    echo "note: some cells had errors (last column); their numbers are suspect"
  fi
}

# --- WebSockets (issue 5) -------------------------------------------------------

WS_N=${BENCH_WS_N:-10000} # idle WebSockets per protocol
WS_CONNS=100              # h2 and h3 connections they are spread over (100 streams each; trio allows 250)

# ws_bench: echo round trips and idle memory, bounded (about a minute, under
# 3 min): trio only, as nginx and Caddy serve no WebSocket endpoint here.
ws_bench() {
  echo
  ws_echo
  echo
  ws_idle
}

# ws_echo: BenchmarkEcho, client and server in one go test process, 2000
# round trips per cell.
ws_echo() {
  echo "WebSocket echo (go test -bench Echo -benchtime 2000x ./ws/: client and server in one process, unpinned)"
  local out
  if ! out=$(cd "$ROOT" && timeout 170 go test -run '^$' -bench Echo -benchtime 2000x -timeout 120s ./ws/ 2>&1); then
    echo "  FAILED:"
    tail -5 <<<"$out" | sed 's/^/  /'
    return 0
  fi
  awk '/^BenchmarkEcho\// {
      split($1, n, "/"); sub(/-[0-9]+$/, "", n[3])
      for (i = 2; i < NF; i++) { if ($(i+1) == "ns/op") ns = $i; if ($(i+1) == "p99-ns") p99 = $i }
      if (ns > 0) printf "%s\t%s\t%.0f\t%.0f\n", n[2], n[3], 1e9 / ns, p99 / 1000
    }' <<<"$out" | { printf 'proto\tbytes\tround_trips/s\tp99_us\n'; cat; } | column -t -s $'\t'
}

# ws_idle: per protocol, a fresh `trio serve` (the demo site, its own local
# CA) and bench/wsidle in another process holding WS_N WebSockets to
# /ws/echo; wsidle reads the server's VmRSS after one warm-up WebSocket and
# while all are held, and the growth over WS_N is bytes per connection.
ws_idle() {
  echo "WebSocket idle memory: $WS_N WebSockets to trio serve /ws/echo from bench/wsidle (another process); h1 one TLS connection each, h2 and h3 $WS_CONNS connections x $((WS_N / WS_CONNS)) streams"
  echo "  bytes/conn = (server VmRSS while held - after one warm-up WebSocket) / $WS_N; RSS includes garbage the GC has not yet returned"
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if (($(ulimit -n) < WS_N + 100)); then
    echo "  note: ulimit -n is $(ulimit -n), under $WS_N + 100: h1 will fail to open them all"
  fi
  if ! (cd "$ROOT" && go build -o "$WORK/wsidle" ./bench/wsidle) 2>"$WORK/wsidle-build.log"; then
    echo "  FAILED: building bench/wsidle:"
    tail -5 "$WORK/wsidle-build.log" | sed 's/^/  /'
    return 0
  fi
  local p
  : >"$WORK/ws-idle.tsv"
  for p in h1 h2 h3; do ws_idle_proto "$p" >>"$WORK/ws-idle.tsv"; done
  { printf 'proto\tws\tconns\topen_s\trss_before_MB\trss_held_MB\tbytes/conn\n'; grep -v '^FAILED' "$WORK/ws-idle.tsv" || true; } | column -t -s $'\t'
  grep '^FAILED' "$WORK/ws-idle.tsv" | sed 's/^/  /' || true
}

# ws_idle_proto PROTO: prints one row "proto ws conns open_s before_MB
# held_MB bytes/conn", or a line starting FAILED.
ws_idle_proto() {
  local p=$1 data=$WORK/trio-data pid line
  TRIO_DATA_DIR=$data "${PIN_SRV[@]}" "$WORK/trio" serve --listen "127.0.0.1:$PORT" --http "" --max-conns-per-ip -1 >"$WORK/trio-ws-$p.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    [[ -f $data/ca/root.pem ]] && curl -sf --cacert "$data/ca/root.pem" -o /dev/null "https://127.0.0.1:$PORT/" && break
    sleep 0.1
  done
  line=$(timeout 75 "${PIN_LOAD[@]}" "$WORK/wsidle" -http "$p" -n "$WS_N" -conns "$WS_CONNS" -hold 2s -timeout 60s \
    -cacert "$data/ca/root.pem" -pid "$pid" "wss://127.0.0.1:$PORT/ws/echo" 2>"$WORK/wsidle-$p.log" | grep '^wsidle:') || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    ss -Hlnt "sport = :$PORT" | grep -q . || break
    sleep 0.1
  done
  log "ws idle $p: ${line:-no result; $(tail -1 "$WORK/wsidle-$p.log")}"
  if [[ $line != *bytes_per_conn=* || $line != *" failed=0"* ]]; then
    echo "FAILED $p: ${line:-$(tail -1 "$WORK/wsidle-$p.log")}"
    return 0
  fi
  awk -v p="$p" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%s\t%s\t%s\t%s\t%.1f\t%.1f\t%s\n", p, v["opened"], v["conns"], v["open_s"], v["rss_before"] / 1048576, v["rss_held"] / 1048576, v["bytes_per_conn"]
    }' <<<"$line"
}

main() {
  [[ $(getent ahosts localhost | awk 'NR == 1 { print $1 }') == 127.0.0.1 ]] ||
    log "warning: localhost does not resolve to 127.0.0.1 first; loads may miss the servers"
  LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
  if ((WS_ONLY)); then
    make_fixtures
    echo "trio bench $(date -u +%FT%TZ) on $(nproc) cores; $PINNING; trio $TRIO_REV; load average $LOADAVG"
    ws_bench
    return
  fi
  need_tools
  make_fixtures
  : >"$RAW"
  local r s servers=($SERVERS)
  for ((r = 0; r < ROUNDS; r++)); do
    log "round $((r + 1)) of $ROUNDS"
    for ((i = 0; i < ${#servers[@]}; i++)); do # rotated: each round starts with another server
      s=${servers[(i + r) % ${#servers[@]}]}
      case $s in
        trio-std) bench_server "$s" "$(only h2)" ;;
        *) bench_server "$s" "$PROTOS" ;;
      esac
    done
  done
  medians
  report
  ws_bench
}

if ((SAVE)); then
  mkdir -p "$ROOT/bench/results"
  out="$ROOT/bench/results/$(date -u +%F-%H%M).txt"
  main | tee "$out"
  echo "saved $out" >&2
else
  main
fi
