# bench/lib.sh: the shell functions bench/run.sh, bench/proxy.sh and
# bench/proxy/cpu.sh share. Sourced, not run.

# ticks_split PID: "utime stime" of PID and its children (nginx's workers),
# in clock ticks.
ticks_split() {
  local p u=0 s=0 v w
  for p in "$1" $(pgrep -P "$1" || true); do
    v=0 w=0
    read -r v w < <(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12, $13 }') || true
    u=$((u + ${v:-0})) s=$((s + ${w:-0}))
  done
  echo "$u $s"
}

# ticks PID: utime+stime of PID and its children, in clock ticks.
ticks() {
  local u s
  read -r u s < <(ticks_split "$1")
  echo $((u + s))
}

# cpustat N: "busy total" ticks of CPU N from /proc/stat ("0 0" for no CPU).
cpustat() {
  [[ -z $1 ]] && { echo "0 0"; return; }
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# proxy_nginx_conf: $WORK/nginx/nginx.conf for nginx as a reverse proxy on
# 127.0.0.1:$PORT over TLS ($WORK/cert.pem, key.pem) to the backend on
# 127.0.0.1:$BPORT, with upstream keep-alive: bench/proxy.sh's nginx.
proxy_nginx_conf() {
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 100000000;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  upstream backend {
    server 127.0.0.1:$BPORT;
    keepalive 256;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$PORT ssl http2;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
    }
  }
}
EOF
}
