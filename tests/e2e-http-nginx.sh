#!/bin/sh
# e2e-http-nginx.sh MTLSDIAG - HTTP after decryption against a real server:
# nginx requiring a client certificate (ssl_verify_client on) on its own
# loopback in a network namespace, curl without a certificate over
# HTTP/1.1 (TLS 1.2) and over HTTP/2 (TLS 1.3), both writing SSLKEYLOGFILE; mtlsdiag captures
# live (-w), then reads the file with the key log. Each connection must
# show nginx's real answer: status 400, its error page's title "400 No
# required SSL certificate was sent", Server nginx, User-Agent curl; and,
# with tshark installed, the same statuses and frames as tshark's
# decrypted view. Skipped, saying why, where root, namespaces, nginx or
# curl are missing.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
NS_TAG=http-nginx
. tests/lib/netns.sh
skip() {
	echo "SKIP HTTP against nginx: $*"
	finish
}
# has NAME FILE PATTERN: the file holds the (fixed-string) pattern
has() { if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' not in $(head -c 3000 "$2")"; fi; }

ns_up nginx curl openssl
curl -V | grep -q HTTP2 || skip "curl without HTTP/2"

pki=$tmp/pki
ns_pki "$pki" "mtlsdiag http test CA" &&
	ns_cert "$pki" server "/CN=localhost" "subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" ||
	skip "openssl could not make the test certificates"

PORT=8443
mkdir "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
user root;
error_log $tmp/nginx/error.log;
pid $tmp/nginx/nginx.pid;
events { worker_connections 16; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	server {
		listen 127.0.0.1:$PORT ssl http2;
		server_name localhost;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_certificate $pki/server.crt;
		ssl_certificate_key $pki/server.key;
		ssl_client_certificate $pki/root.crt;
		ssl_verify_client on;
		location / { return 200 "ok\n"; }
	}
}
EOF
ip netns exec "$NS" nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/out.log" 2>&1 </dev/null &
pids="$pids $!"
wait_until 300 ns_listening "$PORT" ||
	skip "nginx did not start: $(cat "$tmp/nginx/out.log" "$tmp/nginx/error.log" 2>/dev/null)"

# The capture: mtlsdiag itself, writing what it sees.
ip netns exec "$NS" "$BIN" -i lo -f "tcp port $PORT" -w "$tmp/cap.pcap" >"$tmp/live.out" 2>"$tmp/live.err" &
cap=$!
pids="$pids $cap"
await_capture live "$tmp/live.err" 600 || finish
# HTTP/1.1 over TLS 1.2 (bodies skipped by length without decrypting),
# HTTP/2 over TLS 1.3.
for v in "--http1.1 --tls-max 1.2" --http2; do
	# shellcheck disable=SC2086 # v is two options
	in_ns env SSLKEYLOGFILE="$tmp/keys.log" timeout 60 curl -s $v --cacert "$pki/root.crt" \
		--resolve "localhost:$PORT:127.0.0.1" -o /dev/null -w '%{http_code} %{http_version}\n' \
		"https://localhost:$PORT/secure/report" >>"$tmp/curl.log" 2>&1
done
# Both connections closed; give the last packets a moment, then stop.
curl_done() { [ "$(grep -c . "$tmp/curl.log" 2>/dev/null)" = 2 ]; }
wait_until 100 curl_done
sleep 0.5
kill -INT "$cap"
wait "$cap"
has "curl HTTP/1.1" "$tmp/curl.log" "400 1.1"
has "curl HTTP/2" "$tmp/curl.log" "400 2"
[ -s "$tmp/keys.log" ] || skip "curl wrote no SSLKEYLOGFILE"

"$BIN" -F json -q --keylog "$tmp/keys.log" "$tmp/cap.pcap" >"$tmp/r.json" 2>"$tmp/r.err"
"$BIN" --no-color --keylog "$tmp/keys.log" "$tmp/cap.pcap" >"$tmp/r.txt" 2>&1
[ "$(grep -c . "$tmp/r.json")" = 2 ] && ok || bad "expected 2 connections: $(cat "$tmp/r.json" "$tmp/r.err")"
title='"error_page":"400 No required SSL certificate was sent"'
# HTTP/1.1: the request line, nginx's 400, its page, the software.
grep '"version":1,' "$tmp/r.json" >"$tmp/h1.json"
has "h1 over TLS 1.2" "$tmp/h1.json" '"version":"TLS 1.2"'

has "h1 request" "$tmp/h1.json" '"request":"GET /secure/report HTTP/1.1"'
has "h1 status" "$tmp/h1.json" '"status":400'
has "h1 page" "$tmp/h1.json" "$title"
has "h1 server" "$tmp/h1.json" '"server":"nginx'
has "h1 agent" "$tmp/h1.json" '"user_agent":"curl/'
# HTTP/2: stream 1 with :status 400, the same page from DATA frames.
grep '"version":2,' "$tmp/r.json" >"$tmp/h2.json"
has "h2 over TLS 1.3" "$tmp/h2.json" '"version":"TLS 1.3"'

has "h2 stream" "$tmp/h2.json" '"stream":1,"method":"GET","path":"/secure/report","status":400'
has "h2 page" "$tmp/h2.json" "$title"
has "h2 server" "$tmp/h2.json" '"server":"nginx'
has "text h2" "$tmp/r.txt" 'HTTP/2 stream 1: GET /secure/report (frame'
has "text page" "$tmp/r.txt" 'Error page: "400 No required SSL certificate was sent"'

# tshark's decrypted view: the same response frames and statuses.
if command -v tshark >/dev/null 2>&1; then
	tshark -n -r "$tmp/cap.pcap" -o "tls.keylog_file:$tmp/keys.log" -o http.desegment_body:FALSE \
		-Y 'http.response || http2.headers.status' -T fields -e frame.number -e http.response.code \
		-e http2.headers.status 2>/dev/null | tr -d '\t' | sort >"$tmp/tshark.txt"
	sed 's/.*"exchanges":\[//' "$tmp/r.json" | tr '{' '\n' |
		sed -n 's/.*"status":\([0-9]*\),"request_frame":[0-9]*,"response_frame":\([0-9]*\).*/\2\1/p' |
		sort >"$tmp/ours.txt"
	if [ -s "$tmp/ours.txt" ] && cmp -s "$tmp/tshark.txt" "$tmp/ours.txt"; then
		ok
	else
		bad "responses differ from tshark's: tshark $(cat "$tmp/tshark.txt" | tr '\n' ' '), ours $(cat "$tmp/ours.txt" | tr '\n' ' ')"
	fi
else
	echo "SKIP the comparison with tshark: tshark is not installed"
fi
finish
