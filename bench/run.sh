#!/usr/bin/env bash
# bench/run.sh: trio against nginx and Caddy on the same files, one server at
# a time, on loopback over TLS with one self-signed certificate, measuring
# each server's requests/s and its own CPU time per request.
#
#   bash bench/run.sh            # full run, about 15 min: BENCH_ROUNDS (3) rounds of BENCH_DURATION (3) s per cell
#   bash bench/run.sh --quick    # one round of 2 s per cell, no warm-up: checks the script
#   bash bench/run.sh --save     # also write bench/results/YYYY-MM-DD-HHMM.txt (UTC)
#   bash bench/run.sh --ws-only  # only the WebSocket section (about a minute)
#
# Two placements, each a table: pinned (server on CPU 0, load generator on
# CPU 1; nginx one worker, Go GOMAXPROCS 1) and unpinned (both free on every
# core, as a user's server runs: nginx worker_processes auto, Go all cores).
# Unpinned runs only the files the targets name (1k.bin, index.html,
# 10m.bin), to bound the run.
#
# Rounds: every server runs every cell once per round and placement, in a
# rotated order each round; the table holds each cell's median round (by
# req/s) and the median CPU per request over the rounds, so that a burst of
# other work on the machine skews one round of one server, not a ratio.
#
# CPU per request: utime+stime of the server's processes (nginx: master and
# workers) from /proc/PID/stat, over the measured cell only (warm-up apart),
# divided by the requests completed; CPU per MB divides it by the body
# megabytes (10^6 bytes) instead. Unlike req/s, it does not depend on how
# fast the load generator is on the same two cores.
#
# Environment: BENCH_ROUNDS, BENCH_DURATION (seconds per cell and round), BENCH_WARMUP (seconds),
# BENCH_PORT (9443), BENCH_SERVERS ("trio trio-std nginx caddy"; add caddy-deb
# for Debian's /usr/bin/caddy if installed), BENCH_PROTOS ("h1 h2 h3"),
# BENCH_PLACEMENTS ("pinned unpinned"): a subset skips the rest; BENCH_REV (a
# commit to build trio from instead of the working tree), BENCH_WS_N (10000
# idle WebSockets per protocol), BENCH_WS=0 skips the WebSocket section.
#
# Loads: h1 with wrk, h2 with h2load, h3 with `trio load` (nothing installable
# here loads HTTP/3). Servers: trio (its own engines), trio-std (h2 only:
# --h2-engine std, Go's HTTP/2), nginx (HTTP/3 only if its build has it), and
# current Caddy: $(go env GOPATH)/bin/caddy, go-installed if missing, never
# Debian's 2.6.2 (that one is caddy-deb). Every cell is bounded by its
# duration; the script by their sum.
#
# MB/s is response body bytes (10^6 per MB) per second: requests/s times the
# file size, the same formula for every loader. p99 is per-request latency.
set -euo pipefail

DUR=${BENCH_DURATION:-3}
WARM=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
PORT=${BENCH_PORT:-9443}
HOST=localhost # servers listen on 127.0.0.1; clients send SNI localhost, which the cert names
SERVERS=${BENCH_SERVERS:-trio trio-std nginx caddy}
PROTOS=${BENCH_PROTOS:-h1 h2 h3}
PLACEMENTS=${BENCH_PLACEMENTS:-pinned unpinned}
WS=${BENCH_WS:-1}
SAVE=0
WS_ONLY=0
QUICK=0
for a in "$@"; do
  case $a in
    --quick) DUR=${BENCH_DURATION:-2} WARM=${BENCH_WARMUP:-0} ROUNDS=${BENCH_ROUNDS:-1} QUICK=1 ;;
    --save) SAVE=1 ;;
    --ws-only) WS_ONLY=1 ;;
    -h | --help) sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/trio-bench.XXXXXX)
chmod 755 "$WORK"
SITE=$WORK/site
PIDS=()
HZ=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR

if (($(nproc) < 2)); then
  PLACEMENTS=unpinned # one core: nothing to pin to
fi

# place P: pins (or not) what starts next: PIN_SRV and PIN_LOAD prefix the
# server's and the load generator's commands, NGINX_WORKERS is nginx's
# worker_processes, LOAD_CPU the CPU whose busy share is reported ("" when
# unpinned).
place() {
  PLACE=$1
  case $1 in
    pinned) PIN_SRV=(taskset -c 0) PIN_LOAD=(taskset -c 1) NGINX_WORKERS=1 LOAD_CPU=1 ;;
    unpinned) PIN_SRV=() PIN_LOAD=() NGINX_WORKERS=auto LOAD_CPU="" ;;
  esac
}

# Files: name and size in bytes. 10m.bin gets fewer requests in flight, so
# the responses the deadline cuts off (not counted) stay a small share.
FILES=(1k.bin 100k.bin 10m.bin index.html)
UNPINNED_FILES=(1k.bin 10m.bin index.html) # what the targets of issue 16 name
declare -A SIZE=([1k.bin]=1024 [100k.bin]=102400 [10m.bin]=10485760)
h1_conns() { [[ $1 == 10m.bin ]] && echo 4 || echo 64; }
mux() { [[ $1 == 10m.bin ]] && echo "2 2" || echo "8 16"; } # connections, streams each

log() { echo "== $*" >&2; }

# only P: P if it is in PROTOS.
only() { [[ " $PROTOS " == *" $1 "* ]] && echo "$1" || true; }

# files_of PLACEMENT: the files a placement runs.
files_of() { if [[ $1 == unpinned ]]; then echo "${UNPINNED_FILES[*]}"; else echo "${FILES[*]}"; fi; }

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
  # Current Caddy, as a user would pick it; never whichever caddy is first
  # in PATH (Debian's is 2.6.2, with a 2022 quic-go).
  CADDY=$(go env GOPATH)/bin/caddy
  if [[ ! -x $CADDY ]]; then
    log "caddy: go install github.com/caddyserver/caddy/v2/cmd/caddy@latest"
    (cd /tmp && go install github.com/caddyserver/caddy/v2/cmd/caddy@latest)
  fi
  CADDY_VERSION=$(go version -m "$CADDY" | awk '$1 == "mod" && $2 == "github.com/caddyserver/caddy/v2" { print $3 }')
  CADDY_DEB=/usr/bin/caddy
  CADDY_DEB_VERSION=$("$CADDY_DEB" version 2>/dev/null | cut -d' ' -f1) || CADDY_DEB_VERSION=""
  if [[ " $SERVERS " == *" caddy-deb "* && -z $CADDY_DEB_VERSION ]]; then
    log "caddy-deb: no $CADDY_DEB (apt-get install caddy); skipped"
    SERVERS=${SERVERS//caddy-deb/}
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
worker_processes $NGINX_WORKERS;
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

# start_server NAME: starts it as placed (see place), waits until it serves 1k.bin.
start_server() {
  local name=$1 cmd
  case $name in
    trio) cmd=("$WORK/trio" serve --listen "127.0.0.1:$PORT" --http "" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --browse=false "$SITE") ;;
    trio-std) cmd=("$WORK/trio" serve --h2-engine std --listen "127.0.0.1:$PORT" --http "" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --browse=false "$SITE") ;;
    nginx) nginx_conf; cmd=(nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx") ;;
    caddy | caddy-deb)
      local bin=$CADDY
      [[ $name == caddy-deb ]] && bin=$CADDY_DEB
      caddy_conf
      cmd=(env HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" "$bin" run --adapter caddyfile --config "$WORK/caddy/Caddyfile")
      ;;
  esac
  if ss -Hlntu "sport = :$PORT" | grep -q .; then
    echo "run.sh: port $PORT is taken by another program (set BENCH_PORT):" >&2
    ss -Hlntup "sport = :$PORT" >&2
    exit 1
  fi
  "${PIN_SRV[@]}" "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break # it exited: its log says why
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

# --- measures ----------------------------------------------------------------

# --- loads: warm_P URL warms up; load_P URL prints "requests rps p99_ms errors" --

warm_h1() { "${PIN_LOAD[@]}" wrk -t1 -c"$(h1_conns "${1##*/}")" -d"${WARM}s" "$1" >/dev/null 2>&1 || true; }

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
  "${PIN_LOAD[@]}" wrk -t1 -c"$c" -d"${DUR}s" -s "$WORK/wrk.lua" "$url" 2>&1 |
    awk '/^RESULT/ { printf "%d %.0f %.2f %d\n", $2, $2 / ($3 / 1e6), $4, $5 }'
}

warm_h2() {
  local c m
  read -r c m < <(mux "${1##*/}")
  "${PIN_LOAD[@]}" h2load -t1 -c"$c" -m"$m" -D "$WARM" "$1" >/dev/null 2>&1 || true
}

load_h2() {
  local url=$1 c m out
  read -r c m < <(mux "${url##*/}")
  out=$("${PIN_LOAD[@]}" h2load -t1 -c"$c" -m"$m" -D "$DUR" --log-file="$WORK/h2load.log" "$url" 2>&1)
  echo "$out" >"$WORK/h2load.out"
  local secs ok failed p99
  secs=$(echo "$out" | awk '/^finished in/ { sub(/s,$/, "", $3); print $3 }')
  ok=$(echo "$out" | awk '/^requests:/ { print $8 }')
  failed=$(echo "$out" | awk '/^requests:/ { f += $10 } /^status codes:/ { f += $7 + $9 } END { print f + 0 }')
  p99=$(awk '$2 == 200 { print $3 }' "$WORK/h2load.log" | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }')
  awk -v ok="$ok" -v s="$secs" -v p="$p99" -v f="$failed" 'BEGIN { printf "%d %.0f %s %d\n", ok, ok / s, p, f }'
}

warm_h3() {
  local c m
  read -r c m < <(mux "${1##*/}")
  "${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -c "$c" -m "$m" -d "${WARM}s" --cacert "$WORK/cert.pem" "$1" >/dev/null 2>&1 || true
}

load_h3() {
  local url=$1 c m j
  read -r c m < <(mux "${url##*/}")
  j=$("${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -c "$c" -m "$m" -d "${DUR}s" --cacert "$WORK/cert.pem" --json "$url" 2>/dev/null) || true
  [[ $j == *requests_per_sec* ]] || return 1
  awk -v n="$(jnum "$j" requests)" -v r="$(jnum "$j" requests_per_sec)" -v p="$(jnum "$j" p99_us)" -v e="$(jnum "$j" errors)" \
    'BEGIN { printf "%d %.0f %.2f %d\n", n, r, p / 1000, e }'
}

# jnum JSON KEY: the number KEY holds in trio load's flat JSON.
jnum() { grep -o "\"$2\":[-0-9.e+]*" <<<"$1" | head -1 | cut -d: -f2; }

# h3_works: does the running server answer over HTTP/3?
h3_works() {
  "${PIN_LOAD[@]}" "$WORK/trio" load --proto h3 -n 1 -d 3s --cacert "$WORK/cert.pem" "https://$HOST:$PORT/1k.bin" >"$WORK/h3probe.log" 2>&1
}

# --- the run -------------------------------------------------------------------

# RAW: a row per cell and round:
#   placement server proto file requests rps p99_ms errors cpu_ticks load%
RAW=$WORK/raw.tsv
# RESULTS: a row per cell (see medians):
#   placement server proto file rps MB/s cpu_us/req cpu_ms/MB p99_ms errors load% rps_range
RESULTS=$WORK/results.tsv

# cell NAME PROTO FILE: warms up, measures one cell, appends its RAW row.
cell() {
  local name=$1 proto=$2 f=$3 url="https://$HOST:$PORT/$3" r n rps p99 errs t0 t1 c0 c1 busy
  ((WARM > 0)) && "warm_$proto" "$url"
  t0=$(ticks "$SERVER_PID") c0=$(cpustat "$LOAD_CPU")
  r=$("load_$proto" "$url") || r=""
  t1=$(ticks "$SERVER_PID") c1=$(cpustat "$LOAD_CPU")
  read -r n rps p99 errs <<<"${r:-0 0 0 -1}"
  busy=$(awk -v c0="$c0" -v c1="$c1" 'BEGIN { split(c0, x, " "); split(c1, y, " ")
    if (y[2] > x[2]) printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]); else printf "-" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$PLACE" "$name" "$proto" "$f" "$n" "$rps" "$p99" "$errs" "$((t1 - t0))" "$busy" >>"$RAW"
  log "$PLACE $name $proto $f: $rps req/s, $(awk -v t="$((t1 - t0))" -v n="$n" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else printf "-" }') us CPU/req, p99 ${p99} ms, load CPU ${busy}%, $errs errors"
}

bench_server() {
  local name=$1 protos=$2 files
  read -ra files <<<"$(files_of "$PLACE")"
  [[ -z $protos ]] && return 0
  start_server "$name"
  for proto in $protos; do
    if [[ $proto == h3 ]] && { [[ $name == nginx ]] && ! nginx_h3 || ! h3_works; }; then
      for f in "${files[@]}"; do printf '%s\t%s\th3\t%s\tn/a\tn/a\tn/a\tn/a\tn/a\t-\n' "$PLACE" "$name" "$f" >>"$RAW"; done
      if [[ $name == nginx ]] && ! nginx_h3; then
        log "nginx: no HTTP/3 module in this build"
      else
        log "$name: no HTTP/3: $(grep -m1 "error  " "$WORK/h3probe.log" || tail -1 "$WORK/h3probe.log")"
      fi
      continue
    fi
    for f in "${files[@]}"; do cell "$name" "$proto" "$f"; done
  done
  stop_server
}

# medians: RESULTS from RAW, a row per cell in first-seen order: req/s and
# p99 of the round with the median req/s (the lower middle one for an even
# count), MB/s from that req/s, the median over the rounds of CPU per
# request and per MB, the errors of all rounds, the median load%, and the
# req/s range.
medians() {
  awk -F'\t' -v OFS='\t' -v hz="$HZ" -v sizes="$(for f in "${!SIZE[@]}"; do printf '%s=%s ' "$f" "${SIZE[$f]}"; done)" '
    function sort(a, m,   i, j, t) { for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t } }
    BEGIN { ns = split(sizes, kv, " "); for (i = 1; i <= ns; i++) { split(kv[i], p, "="); size[p[1]] = p[2] } }
    { k = $1 OFS $2 OFS $3 OFS $4 }
    !(k in n) { order[++cells] = k; file[k] = $4 }
    { n[k]++; na[k] = ($6 == "n/a") }
    !na[k] { m = n[k]; rps[k, m] = $6; p99[k, m] = $7; err[k] += ($8 < 0 ? 0 : $8); bad[k] += ($8 < 0)
             cpu[k, m] = ($5 > 0) ? $9 * 1e6 / hz / $5 : "x"; load[k, m] = $10 }
    END {
      for (c = 1; c <= cells; c++) {
        k = order[c]; m = n[k]
        if (na[k]) { print k, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "-", "n/a"; continue }
        for (i = 1; i <= m; i++) idx[i] = i
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
          if (rps[k, idx[j]] + 0 < rps[k, idx[i]] + 0) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
        mid = idx[int((m + 1) / 2)]
        nc = 0; delete cs; nl = 0; delete ls
        for (i = 1; i <= m; i++) { if (cpu[k, i] != "x") cs[++nc] = cpu[k, i]; if (load[k, i] != "-") ls[++nl] = load[k, i] }
        sort(cs, nc); sort(ls, nl)
        us = nc ? sprintf("%.1f", cs[int((nc + 1) / 2)]) : "n/a"
        msmb = nc ? sprintf("%.2f", cs[int((nc + 1) / 2)] / 1000 / (size[file[k]] / 1e6)) : "n/a"
        print k, rps[k, mid], sprintf("%.1f", rps[k, mid] * size[file[k]] / 1e6), us, msmb, p99[k, mid],
          err[k] (bad[k] ? "+" bad[k] "fail" : ""), nl ? ls[int((nl + 1) / 2)] : "-", rps[k, idx[1]] "-" rps[k, idx[m]]
      }
    }' "$RAW" >"$RESULTS"
}

# get PLACEMENT SERVER PROTO FILE COLUMN: one figure of RESULTS, or n/a.
# Columns: 5 req/s, 6 MB/s, 7 CPU us/request, 8 CPU ms/MB.
get() {
  awk -F'\t' -v p="$1" -v s="$2" -v q="$3" -v f="$4" -v c="$5" '
    $1 == p && $2 == s && $3 == q && $4 == f { v = $c } END { print (v == "" ? "n/a" : v) }' "$RESULTS"
}

# div A B: A/B to two places, or n/a.
div() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

# target LABEL VALUE OP LIMIT: one line, met or MISSED (OP is <= or >=).
target() {
  local verdict=MISSED
  if [[ $2 == n/a ]]; then
    verdict="n/a (not measured)"
  elif awk -v v="$2" -v o="$3" -v m="$4" 'BEGIN { exit !(o == ">=" ? v >= m : v <= m) }'; then
    verdict=met
  fi
  printf '  %-52s %6s  (want %s %s)  %s\n' "$1" "$2" "$3" "$4" "$verdict"
}

placement_title() {
  case $1 in
    pinned) echo "pinned: server on CPU 0 (nginx 1 worker, Go GOMAXPROCS 1), load generator on CPU 1" ;;
    unpinned) echo "unpinned: server and load generator free on all $(nproc) cores (nginx worker_processes auto, Go GOMAXPROCS $(nproc))" ;;
  esac
}

report() {
  local pl p f o others=()
  echo "trio bench $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
  echo "  trio $TRIO_REV; $ROUNDS rounds of ${DUR}s per cell after ${WARM}s warm-up, the median round shown (CPU: the median over the rounds); $(go version | cut -d' ' -f3)"
  echo "  $(nginx -v 2>&1 | cut -d' ' -f3); caddy $CADDY_VERSION ($CADDY)${CADDY_DEB_VERSION:+; caddy-deb $CADDY_DEB_VERSION ($CADDY_DEB)}"
  echo "  load average before the run: $LOADAVG, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews req/s; CPU per request less)"
  echo "  h1: wrk -t1, 64 conns (4 for 10m); h2: h2load -t1, 8 conns x 16 streams (2 x 2 for 10m); h3: trio load, same as h2"
  echo "  cpu_us/req, cpu_ms/MB: the server's own utime+stime (/proc/PID/stat, all its processes) over the cell; load%: how busy the load generator's CPU was"
  for o in nginx caddy trio-std caddy-deb; do [[ " $SERVERS " == *" $o "* ]] && others+=("$o"); done
  for pl in $PLACEMENTS; do
    echo
    placement_title "$pl"
    {
      printf 'server\tproto\tfile\treq/s\tMB/s\tcpu_us/req\tcpu_ms/MB\tp99_ms\terrors\tload%%\treq/s_range\n'
      awk -F'\t' -v OFS='\t' -v p="$pl" '$1 == p { $1 = ""; sub(/^\t/, ""); print }' "$RESULTS"
    } | column -t -s $'\t'
    echo
    echo "ratios, $pl: trio over the other, req/s (above 1: trio serves more) and CPU per request (below 1: trio spends less)"
    {
      printf 'proto\tfile'
      for o in "${others[@]}"; do printf '\treq/s trio/%s' "$o"; done
      for o in "${others[@]}"; do printf '\tcpu trio/%s' "$o"; done
      echo
      for p in $PROTOS; do
        for f in $(files_of "$pl"); do
          printf '%s\t%s' "$p" "$f"
          for o in "${others[@]}"; do printf '\t%s' "$(div "$(get "$pl" trio "$p" "$f" 5)" "$(get "$pl" "$o" "$p" "$f" 5)")"; done
          for o in "${others[@]}"; do printf '\t%s' "$(div "$(get "$pl" trio "$p" "$f" 7)" "$(get "$pl" "$o" "$p" "$f" 7)")"; done
          echo
        done
      done
    } | column -t -s $'\t'
  done
  echo
  echo "targets of issue 16"
  for pl in $PLACEMENTS; do
    for p in h1 h2; do
      for f in 1k.bin index.html; do
        target "$pl $p $f CPU/req trio/nginx" "$(div "$(get "$pl" trio $p $f 7)" "$(get "$pl" nginx $p $f 7)")" "<=" 1.0
        target "$pl $p $f req/s trio/nginx" "$(div "$(get "$pl" trio $p $f 5)" "$(get "$pl" nginx $p $f 5)")" ">=" 1.0
      done
    done
    target "$pl h3 1k.bin CPU/req trio h3/trio h2" "$(div "$(get "$pl" trio h3 1k.bin 7)" "$(get "$pl" trio h2 1k.bin 7)")" "<=" 1.0
    target "$pl h3 10m.bin CPU/MB trio h3/trio h2" "$(div "$(get "$pl" trio h3 10m.bin 8)" "$(get "$pl" trio h2 10m.bin 8)")" "<=" 2.0
    target "$pl h3 10m.bin MB/s trio/caddy" "$(div "$(get "$pl" trio h3 10m.bin 6)" "$(get "$pl" caddy h3 10m.bin 6)")" ">=" 2.0
  done
  if [[ " $PLACEMENTS " == *" pinned "* ]]; then
    echo
    echo "earlier targets (issues 3 and 7; pinned)"
    r() { div "$(get pinned trio "$2" "$3" 5)" "$(get pinned "$1" "$2" "$3" 5)"; }
    for p in h1 h2 h3; do target "$p 1k.bin req/s trio/caddy" "$(r caddy $p 1k.bin)" ">=" 1.5; done
    for f in 100k.bin 10m.bin; do
      for p in h1 h2 h3; do target "$p $f MB/s trio/caddy" "$(r caddy $p $f)" ">=" 1.0; done
      target "h1 $f MB/s trio/nginx" "$(r nginx h1 $f)" ">=" 0.95
      target "h2 $f MB/s trio/nginx" "$(r nginx h2 $f)" ">=" 1.0
    done
    target "h2 1k.bin req/s trio/std engine" "$(r trio-std h2 1k.bin)" ">=" 2.0
  fi
  if awk -F'\t' '$10 != "n/a" && $10 != "0" { bad = 1 } END { exit !bad }' "$RESULTS"; then
    echo
    echo "note: some cells had errors (errors column); their numbers are suspect"
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
    place pinned
    [[ $(nproc) -lt 2 ]] && place unpinned
    echo "trio bench $(date -u +%FT%TZ) on $(nproc) cores; $(placement_title "$PLACE"); trio $TRIO_REV; load average $LOADAVG"
    ws_bench
    return
  fi
  need_tools
  make_fixtures
  : >"$RAW"
  local r s i pl servers=($SERVERS)
  for ((r = 0; r < ROUNDS; r++)); do
    for pl in $PLACEMENTS; do
      place "$pl"
      log "round $((r + 1)) of $ROUNDS, $pl"
      for ((i = 0; i < ${#servers[@]}; i++)); do # rotated: each round starts with another server
        s=${servers[(i + r) % ${#servers[@]}]}
        case $s in
          trio-std) bench_server "$s" "$(only h2)" ;;
          *) bench_server "$s" "$PROTOS" ;;
        esac
      done
    done
  done
  medians
  report
  if ((WS)); then
    place pinned
    [[ $(nproc) -lt 2 ]] && place unpinned
    ws_bench
  fi
}

if ((SAVE)); then
  mkdir -p "$ROOT/bench/results"
  out="$ROOT/bench/results/$(date -u +%F-%H%M).txt"
  main | tee "$out"
  echo "saved $out" >&2
else
  main
fi
