#!/usr/bin/env bash
# compare.sh runs `trio check` against trio, Debian's nginx and Caddy, each
# serving the same file over TLS and cleartext on loopback, and prints a
# markdown table of passed/failed/skipped cases per suite.
#
# Needs: go, nginx (apt-get install nginx-light), caddy (apt-get install
# caddy, or go install github.com/caddyserver/caddy/v2/cmd/caddy@latest),
# openssl, jq. h2spec is used when installed.
#
# Usage: conformance/compare.sh [--keep]   (from the repository root)
set -euo pipefail

for tool in go nginx caddy openssl jq; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 2; }
done

work=$(mktemp -d /tmp/trio-compare.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ "${1:-}" == "--keep" ]] || rm -rf "$work"
}
trap 'cleanup "${KEEP:-}"' EXIT
[[ "${1:-}" == "--keep" ]] && KEEP=--keep

# A CA and a leaf for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=compare-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
	-keyout "$work/key.pem" -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$work/san.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
	-days 2 -extfile "$work/san.ext" -out "$work/cert.pem" 2>/dev/null
chmod 644 "$work"/*.pem

mkdir -p "$work/site"
head -c 4096 /dev/zero | tr '\0' 'a' >"$work/site/conformance.txt"
chmod -R a+rX "$work/site"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

go build -o "$work/trio" ./cmd/trio

# trio
t_tls=$(free_port); t_txt=$(free_port)
TRIO_DATA_DIR="$work/trio-data" "$work/trio" serve --listen "127.0.0.1:$t_tls" --http "127.0.0.1:$t_txt" \
	--cert "$work/cert.pem" --key "$work/key.pem" "$work/site" >"$work/trio.log" 2>&1 &
pids+=($!)

# nginx (1.22 in Debian 12: HTTP/1.1 and HTTP/2, no HTTP/3)
n_tls=$(free_port); n_txt=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events {}
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	server {
		listen 127.0.0.1:$n_tls ssl http2;
		listen 127.0.0.1:$n_txt; # nginx cannot serve HTTP/1.1 and h2c on one port
		ssl_certificate $work/cert.pem;
		ssl_certificate_key $work/key.pem;
		root $work/site;
	}
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)

# Caddy (HTTP/1.1, HTTP/2, h2c and HTTP/3)
c_tls=$(free_port); c_txt=$(free_port)
cat >"$work/Caddyfile" <<CONF
{
	admin off
	auto_https off
	default_sni 127.0.0.1 # Go clients send no SNI for IP addresses
	servers {
		protocols h1 h2 h2c h3
	}
}
https://127.0.0.1:$c_tls {
	tls $work/cert.pem $work/key.pem
	root * $work/site
	file_server
}
http://127.0.0.1:$c_txt {
	root * $work/site
	file_server
}
CONF
XDG_DATA_HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=($!)

sleep 2

suites=(h1 h2 h3 altsvc ws semantics)
# trio answers clients that send no SNI (IP-address URLs) with its local CA,
# so its rows trust that root too.
cat "$work/ca.pem" "$work/trio-data/ca/root.pem" >"$work/ca-trio.pem"

row() { # name url [cafile]
	local json="$work/${1// /_}.json"
	"$work/trio" check --json --cacert "${3:-$work/ca.pem}" "$2" >"$json" || true
	local line="| $1 |"
	for s in "${suites[@]}"; do
		line+=$(jq -r --arg s "$s" '[.results[] | select(.suite == $s)] as $r |
			" \([$r[] | select(.status == "PASS")] | length) / \([$r[] | select(.status == "FAIL")] | length) / \([$r[] | select(.status == "SKIP")] | length) |"' "$json")
	done
	line+=$(jq -r '" **\(.passed) / \(.failed) / \(.skipped)** |"' "$json")
	echo "$line"
}

echo "pass / fail / skip per suite; $(nginx -v 2>&1 | sed 's/.*: //'), caddy $(caddy version | cut -d' ' -f1)"
echo
echo "| server | h1 | h2 | h3 | altsvc | ws | semantics | total |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
row "trio (TLS)" "https://127.0.0.1:$t_tls/conformance.txt" "$work/ca-trio.pem"
row "trio (cleartext)" "http://127.0.0.1:$t_txt/conformance.txt"
row "nginx (TLS)" "https://127.0.0.1:$n_tls/conformance.txt"
row "nginx (cleartext)" "http://127.0.0.1:$n_txt/conformance.txt"
row "caddy (TLS)" "https://127.0.0.1:$c_tls/conformance.txt"
row "caddy (cleartext)" "http://127.0.0.1:$c_txt/conformance.txt"
echo
echo "Failed cases:"
for j in "$work"/*.json; do
	jq -r --arg n "$(basename "$j" .json | tr _ ' ')" '.results[] | select(.status == "FAIL") | "- \($n): \(.id) — \(.seen | gsub("\\s+"; " ") | .[0:160])"' "$j"
done
