#!/bin/sh
# e2e-probe.sh MTLSDIAG - `mtlsdiag probe` against real servers.
# 1. Always: command-line errors, and a refused connection on loopback.
# 2. As root where network namespaces work: in a private namespace,
#    openssl s_server (-Verify 1: required; -verify 1: optional), nginx
#    (ssl_verify_client on) and Apache httpd (SSLVerifyClient require in a
#    <Location>, over TLS 1.2 by renegotiation, over TLS 1.3 by a
#    post-handshake request, and under HTTP/2), each probed with and without
#    a client certificate. What each run must report is derived from the
#    server's configuration: required and none sent -> no_certificate and a
#    failure; sent and trusted -> authenticated; Apache's <Location> over
#    TLS 1.2 asks by renegotiation (LATE_CERT_REQUEST_RENEGOTIATION), over
#    TLS 1.3 after the handshake, and over HTTP/2 it cannot ask at all.
#    Also: --write-pcap gives a capture and key log that report the same,
#    --expect and --fail-on give the exit status, --matrix prints one row
#    per combination. Skipped with the reason where something is missing.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(pwd)
NS_TAG=probe
. tests/lib/netns.sh

# ---- 1. no privilege, no server ---------------------------------------------
expect "no URL" 2 "one URL" -- "$BIN" probe
expect "not https" 2 "must start with https://" -- "$BIN" probe http://example.com/
expect "bad port" 2 "is not https://HOST" -- "$BIN" probe https://example.com:44x3/
expect "key without cert" 2 "--key needs --cert" -- "$BIN" probe --key k.pem https://localhost/
expect "pfx and cert" 2 "not with --cert" -- "$BIN" probe --pfx a.p12 --cert c.pem https://localhost/
expect "bad timeout" 2 "--timeout: '0'" -- "$BIN" probe --timeout 0 https://localhost/
expect "matrix and pcap" 2 "--matrix runs every" -- "$BIN" probe --matrix --write-pcap x.pcap https://localhost/
expect "probe formats" 2 "^mtlsdiag probe: --format: 'ecs' is not text, json or json-pretty$" -- "$BIN" probe -F ecs https://localhost/
expect "probe fail-on" 2 "^mtlsdiag probe: --fail-on: 'x' is not error or warning$" -- "$BIN" probe --fail-on x https://localhost/
expect "probe color" 2 "^mtlsdiag probe: --color: 'sometimes' is not auto, always or never$" -- "$BIN" probe --color=sometimes https://localhost/
# -o never writes through a symbolic link (the report file opens first).
echo keep >"$tmp/target"
ln -s "$tmp/target" "$tmp/link.txt"
expect "probe -o symlink" 2 "^mtlsdiag: -o $tmp/link.txt: is a symbolic link; not following it$" -- \
	"$BIN" probe -o "$tmp/link.txt" https://127.0.0.1:9/
[ "$(cat "$tmp/target")" = keep ] && ok || bad "probe -o symlink: its target was changed"
expect "probe ambiguous" 2 "'--co' is ambiguous; possibilities: '--connect' '--color'" -- "$BIN" probe --co x https://localhost/
expect "probe trust" 2 "^mtlsdiag probe: --trust $tmp/none.pem: " -- "$BIN" probe --trust "$tmp/none.pem" https://localhost/
expect "unreadable cert" 2 "--cert $tmp/none.pem" -- "$BIN" probe --cert "$tmp/none.pem" https://127.0.0.1:1/
"$BIN" --help | grep -q "mtlsdiag probe" && ok || bad "--help does not name probe"
"$BIN" probe --help | grep -q -- "--write-pcap FILE" && ok || bad "probe --help lacks --write-pcap"

# ---- 2. real servers in a namespace ----------------------------------------------
skip() {
	echo "SKIP probe against real servers: $*"
	finish
}
ns_up openssl jq

# Nothing listens: the connection is refused (exit 2, the reason named).
expect "refused" 2 "cannot connect to 127.0.0.1 port 9: Connection refused" -- in_ns "$BIN" probe https://127.0.0.1:9/

# A root CA, the server's certificate for app.example.com and alice's
# (clientAuth), laid out as samples/servers/conf/*.conf.in expect them.
W=$tmp/w
P=$W/pki
mkdir -p "$P" "$W/run" "$W/logs" "$W/htdocs/secure"
ns_pki "$P" "mtlsdiag probe test CA" &&
	ns_cert "$P" server "/CN=app.example.com" "subjectAltName=DNS:app.example.com
extendedKeyUsage=serverAuth" &&
	ns_cert "$P" alice "/CN=alice" "extendedKeyUsage=clientAuth" ||
	skip "openssl could not make the test certificates"
cp "$P/root.crt" "$P/client-cas.pem"
echo ok >"$W/htdocs/ok.txt"
echo secure ok >"$W/htdocs/secure/ok.txt"
chmod 755 "$tmp"
chmod -R a+rX "$W" # Apache's workers run as www-data
SRV=127.0.0.2
CERT="--cert $P/alice.crt --key $P/alice.key"

wait_listen() { wait_until 300 ns_listening "$1"; } # PORT
start() { # LOG CMD...: in the namespace, in the background ($! is the server)
	log=$1
	shift
	ip netns exec "$NS" "$@" >"$log" 2>&1 </dev/null &
	server_pid=$!
	pids="$pids $server_pid"
}
stop() {
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
}
template() { # IN OUT KEY=VALUE...
	in=$1 out=$2
	shift 2
	cp "$SRC/samples/servers/conf/$in" "$out"
	sed -i -e "s|@W@|$W|g" -e "s|@SRV@|$SRV|g" "$out"
	for kv in "$@"; do sed -i "s|@${kv%%=*}@|${kv#*=}|g" "$out"; done
}

# probe NAME OUTCOME FAILED FINDING|- ARGS...: one probe (JSON); its
# connection must have the outcome, the failure word and, unless "-", the
# finding.
probe() { # (NAME becomes a file name: no "/")
	name=$1 want_outcome=$2 want_failed=$3 want_finding=$4
	shift 4
	in_ns "$BIN" probe -F json --timeout 20 "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
	got=$(head -1 "$tmp/$name.json" | jq -r '"\(.outcome.kind) \(.outcome.failure)"' 2>/dev/null)
	if [ "$got" != "$want_outcome $want_failed" ]; then
		bad "$name: outcome '$got', expected '$want_outcome $want_failed'; $(head -c 400 "$tmp/$name.err")"
		return
	fi
	if [ "$want_finding" != - ] &&
		! head -1 "$tmp/$name.json" | jq -e --arg id "$want_finding" '[.findings[].id] | index($id)' >/dev/null; then
		bad "$name: no finding $want_finding: $(head -1 "$tmp/$name.json" | jq -c '[.findings[].id]')"
		return
	fi
	ok
}

# ---- openssl s_server -------------------------------------------------------------
URL=https://app.example.com:4433/
S_ARGS="-accept $SRV:4433 -cert $P/server.crt -key $P/server.key -CAfile $P/root.crt -www"
for v in 1.2 1.3; do
	vflag=-tls$(echo $v | tr . _)
	start "$tmp/s_server.log" openssl s_server $S_ARGS -Verify 1 $vflag
	wait_listen 4433 || skip "s_server did not listen: $(cat "$tmp/s_server.log")"
	# Required: refused without a certificate, served with one.
	probe "s_server -Verify TLS $v, no cert" no_certificate yes CLIENT_CERT_EMPTY --connect $SRV:4433 --tls$v "$URL"
	probe "s_server -Verify TLS $v, cert" authenticated no - --connect $SRV:4433 --tls$v $CERT "$URL"
	stop
	start "$tmp/s_server.log" openssl s_server $S_ARGS -verify 1 $vflag
	wait_listen 4433 || skip "s_server did not listen: $(cat "$tmp/s_server.log")"
	# Optional: asked, not insisted on; the page is served either way.
	probe "s_server -verify TLS $v, no cert" no_certificate no - --connect $SRV:4433 --tls$v "$URL"
	probe "s_server -verify TLS $v, cert" authenticated no - --connect $SRV:4433 --tls$v $CERT "$URL"
	stop
done

# --write-pcap: the capture and its key log report the same (the file name
# aside), and the text report says its frames are synthesised.
start "$tmp/s_server.log" openssl s_server $S_ARGS -Verify 1 -tls1_3
wait_listen 4433 || skip "s_server did not listen"
in_ns "$BIN" probe -F json --connect $SRV:4433 --write-pcap "$tmp/w.pcap" "$URL" >"$tmp/w.json" 2>"$tmp/w.err"
"$BIN" -F json --keylog "$tmp/w.pcap.keylog" "$tmp/w.pcap" >"$tmp/w-reread.json" 2>>"$tmp/w.err"
jq -c 'del(.file)' "$tmp/w.json" >"$tmp/w.a" 2>>"$tmp/w.err"
jq -c 'del(.file)' "$tmp/w-reread.json" >"$tmp/w.b" 2>>"$tmp/w.err"
if [ -s "$tmp/w.a" ] && cmp -s "$tmp/w.a" "$tmp/w.b"; then
	ok
else
	bad "--write-pcap: the re-read report differs: $(diff "$tmp/w.a" "$tmp/w.b" | head -5) $(cat "$tmp/w.err")"
fi
command -v tshark >/dev/null 2>&1 && {
	n=$(tshark -r "$tmp/w.pcap" -o "tls.keylog_file:$tmp/w.pcap.keylog" -Y tls.handshake.type==13 2>/dev/null | wc -l)
	[ "$n" = 1 ] && ok || bad "--write-pcap: tshark decrypts $n CertificateRequests, expected 1"
}
in_ns "$BIN" probe --connect $SRV:4433 "$URL" >"$tmp/t.txt" 2>&1
grep -q "frames: synthesised by mtlsdiag" "$tmp/t.txt" && ok || bad "text report lacks the synthesised-frames note"
# The key log holds the session's secrets: the owner's alone.
[ "$(stat -c %a "$tmp/w.pcap.keylog")" = 600 ] && ok || bad "--write-pcap: the key log is mode $(stat -c %a "$tmp/w.pcap.keylog")"
# --write-pcap never writes through a symbolic link either.
ln -s "$tmp/target" "$tmp/link.pcap"
in_ns "$BIN" probe --connect $SRV:4433 --write-pcap "$tmp/link.pcap" "$URL" >/dev/null 2>"$tmp/l.err"
rc=$?
[ $rc = 2 ] && grep -q "link.pcap: is a symbolic link; not following it" "$tmp/l.err" && [ "$(cat "$tmp/target")" = keep ] &&
	ok || bad "--write-pcap symlink: exit $rc, $(cat "$tmp/l.err"), target $(head -c 20 "$tmp/target")"
# Colour as for captures: --color=always forces it into a file, NO_COLOR
# does not stop that, --color=never and the default into a file have none.
esc=$(printf '\033')
for c in "always:yes" "never:no" "auto:no"; do
	in_ns env NO_COLOR=1 "$BIN" probe --color="${c%%:*}" --connect $SRV:4433 "$URL" >"$tmp/c.txt" 2>&1
	if grep -q "$esc\[" "$tmp/c.txt"; then got=yes; else got=no; fi
	[ "$got" = "${c#*:}" ] && ok || bad "probe --color=${c%%:*}: colour $got"
done
# --ca: the server's chain is checked and the result reported (not enforced).
in_ns "$BIN" probe --ca "$P/root.crt" --connect $SRV:4433 "$URL" >"$tmp/ca.txt" 2>&1
grep -q "server chain against --ca: verified" "$tmp/ca.txt" && ok || bad "--ca: not verified: $(head -5 "$tmp/ca.txt")"
in_ns "$BIN" probe --ca "$P/alice.crt" --connect $SRV:4433 "$URL" >"$tmp/ca.txt" 2>&1
grep "server chain against --ca: " "$tmp/ca.txt" | grep -qv ": verified" && ok ||
	bad "--ca with the wrong CA: $(head -5 "$tmp/ca.txt")"
# --sni: the name sent is the one given (the URL still gives Host).
in_ns "$BIN" probe -F json --sni other.example --connect $SRV:4433 "$URL" 2>/dev/null | head -1 >"$tmp/sni.json"
[ "$(jq -r .sni "$tmp/sni.json")" = other.example ] && ok || bad "--sni: $(jq -c .sni "$tmp/sni.json")"

# --expect and --fail-on: exit status as for captures.
cat >"$tmp/required.expect" <<'EOF'
match sni=app.example.com
  request initial
  ca-list contains CN=mtlsdiag probe test CA,O=mtlsdiag test
  client-cert present
  no-errors
EOF
expect "--expect held" 0 "" -- in_ns "$BIN" probe -q --expect "$tmp/required.expect" --connect $SRV:4433 $CERT "$URL"
expect "--expect failed" 1 "" -- in_ns "$BIN" probe -q --expect "$tmp/required.expect" --connect $SRV:4433 "$URL"
grep -q "client-cert present" "$tmp/out" && ok || bad "--expect failed: the failed expectation is not named: $(cat "$tmp/out")"
expect "--fail-on error, refused" 1 "" -- in_ns "$BIN" probe -q --fail-on error --connect $SRV:4433 "$URL"
expect "--fail-on error, served" 0 "" -- in_ns "$BIN" probe -q --fail-on error --connect $SRV:4433 $CERT "$URL"
# The same certificate from a PKCS#12 file.
if openssl pkcs12 -export -in "$P/alice.crt" -inkey "$P/alice.key" -passout pass:s3cret -out "$P/alice.p12" 2>/dev/null; then
	probe "s_server -Verify, --pfx" authenticated no - --connect $SRV:4433 --pfx "$P/alice.p12" --pfx-pass s3cret "$URL"
	expect "--pfx, wrong password" 2 "wrong --pfx-pass" -- "$BIN" probe --pfx "$P/alice.p12" --pfx-pass nope "$URL"
else
	echo "SKIP --pfx: openssl pkcs12 -export failed"
fi
stop

# IPv6: the synthesised frames carry IPv6 headers, and read the same.
if in_ns ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	start "$tmp/s_server6.log" openssl s_server -accept "[::1]:4436" -cert $P/server.crt -key $P/server.key \
		-CAfile $P/root.crt -www -verify 1
	if wait_listen 4436; then
		probe "s_server IPv6 -verify, no cert" no_certificate no - --connect "[::1]:4436" --write-pcap "$tmp/v6.pcap" "$URL"
		head -1 "$tmp/s_server IPv6 -verify, no cert.json" | jq -e '.server == "[::1]:4436"' >/dev/null && ok ||
			bad "IPv6: server is not [::1]:4436: $(head -1 "$tmp/s_server IPv6 -verify, no cert.json" | jq -c .server)"
		"$BIN" -F json --keylog "$tmp/v6.pcap.keylog" "$tmp/v6.pcap" 2>/dev/null | head -1 | jq -c 'del(.file)' >"$tmp/v6.b"
		head -1 "$tmp/s_server IPv6 -verify, no cert.json" | jq -c 'del(.file)' >"$tmp/v6.a"
		cmp -s "$tmp/v6.a" "$tmp/v6.b" && ok || bad "IPv6 --write-pcap: the re-read report differs"
	else
		bad "s_server on [::1] did not listen: $(cat "$tmp/s_server6.log")"
	fi
	stop
else
	echo "SKIP IPv6 probe: no ::1 in the namespace"
fi

# Not TLS (a plain HTTP server) and a server that accepts and stays
# silent: reported as failed before any request, with the client's reason
# (and for the plain server, that it answered in text: SERVER_NOT_TLS).
if command -v python3 >/dev/null 2>&1; then
	start "$tmp/plain.log" python3 -m http.server 8080 --bind $SRV
	if wait_listen 8080; then
		probe "plain HTTP" failed_before_request yes SERVER_NOT_TLS --connect $SRV:8080 "$URL"
		grep -q "wrong version number" "$tmp/plain HTTP.err" && ok || bad "plain HTTP: OpenSSL's reason not given: $(cat "$tmp/plain HTTP.err")"
	fi
	stop
	start "$tmp/silent.log" python3 -c 'import socket, time
s = socket.socket()
s.bind(("'$SRV'", 8081))
s.listen(4)
c = s.accept()
time.sleep(60)'
	if wait_listen 8081; then
		in_ns "$BIN" probe -F json --timeout 1 --connect $SRV:8081 "$URL" >"$tmp/silent.json" 2>"$tmp/silent.err"
		grep -q "the server sent nothing for 1 s" "$tmp/silent.err" &&
			[ "$(head -1 "$tmp/silent.json" | jq -r .outcome.kind)" = failed_before_request ] && ok ||
			bad "silent server: $(cat "$tmp/silent.err" "$tmp/silent.json")"
	fi
	stop
else
	echo "SKIP plain and silent servers: no python3"
fi

# ---- nginx ssl_verify_client on -------------------------------------------------------
if command -v nginx >/dev/null 2>&1; then
	template nginx.conf.in "$W/run/nginx.conf" VERIFY=on "CA_FILE=$P/client-cas.pem" "PROTOCOLS=TLSv1.2 TLSv1.3" PORT=443
	start "$tmp/nginx.log" nginx -c "$W/run/nginx.conf" -p "$W/run"
	if wait_listen 443; then
		for v in 1.2 1.3; do
			# nginx completes the handshake and answers 400.
			probe "nginx on TLS $v, no cert" no_certificate yes - --connect $SRV:443 --tls$v https://app.example.com/ok.txt
			probe "nginx on TLS $v, cert" authenticated no - --connect $SRV:443 --tls$v $CERT https://app.example.com/ok.txt
		done
		# nginx's own refusal, decrypted.
		[ "$(head -1 "$tmp/nginx on TLS 1.3, no cert.json" | jq -r '.http.exchanges[0].status')" = 400 ] && ok ||
			bad "nginx: no 400 in the report: $(head -1 "$tmp/nginx on TLS 1.3, no cert.json" | jq -c .http)"
	else
		bad "nginx did not listen: $(cat "$tmp/nginx.log")"
	fi
	stop
else
	echo "SKIP nginx: not installed"
fi

# ---- Apache httpd, SSLVerifyClient require in <Location /secure> ------------------------------
if command -v apache2 >/dev/null 2>&1 && [ -f /usr/lib/apache2/modules/mod_ssl.so ]; then
	apache() { # PROTOCOL PROTOCOLS
		template apache.conf.in "$W/run/apache.conf" VERIFY_SERVER=none VERIFY_SECURE=require "PROTOCOL=$1" "PROTOCOLS=$2"
		rm -f "$W/run/apache.pid"
		start "$tmp/apache.log" apache2 -f "$W/run/apache.conf" -DFOREGROUND
		wait_listen 443 || { bad "apache did not listen: $(cat "$tmp/apache.log" "$W/logs/error.log" 2>/dev/null | tail -5)"; return 1; }
	}
	SEC=https://app.example.com/secure/ok.txt
	# TLS 1.2: the handshake asks nothing; the request for /secure makes
	# Apache renegotiate to ask.
	if apache "-all +TLSv1.2" "http/1.1"; then
		probe "apache location TLS 1.2, cert" authenticated no LATE_CERT_REQUEST_RENEGOTIATION --connect $SRV:443 $CERT \
			--write-pcap "$tmp/reneg.pcap" "$SEC"
		# Two handshakes, two key log lines: the capture re-reads the same,
		# and tshark, on its own, decrypts the renegotiation's request.
		"$BIN" -F json --keylog "$tmp/reneg.pcap.keylog" "$tmp/reneg.pcap" 2>/dev/null | head -1 | jq -c 'del(.file)' >"$tmp/reneg.b"
		head -1 "$tmp/apache location TLS 1.2, cert.json" | jq -c 'del(.file)' >"$tmp/reneg.a"
		cmp -s "$tmp/reneg.a" "$tmp/reneg.b" && ok || bad "renegotiation --write-pcap: the re-read report differs"
		if command -v tshark >/dev/null 2>&1; then
			n=$(tshark -r "$tmp/reneg.pcap" -o "tls.keylog_file:$tmp/reneg.pcap.keylog" -Y tls.handshake.type==13 2>/dev/null | wc -l)
			[ "$n" = 1 ] && ok || bad "renegotiation --write-pcap: tshark decrypts $n CertificateRequests, expected 1"
		fi
		probe "apache location TLS 1.2, no cert" no_certificate yes LATE_CERT_REQUEST_RENEGOTIATION --connect $SRV:443 "$SEC"
		jq -e '[.cert_requests[].phase] == ["renegotiation"]' "$tmp/apache location TLS 1.2, cert.json" >/dev/null 2>&1 &&
			ok || bad "apache TLS 1.2: the request is not the renegotiation's: $(head -1 "$tmp/apache location TLS 1.2, cert.json" | jq -c '.cert_requests')"
		# Outside /secure nothing is asked.
		probe "apache TLS 1.2, outside secure" not_requested no - --connect $SRV:443 $CERT https://app.example.com/ok.txt
		stop
	fi
	# TLS 1.3: a post-handshake CertificateRequest (the probe offers it).
	if apache "-all +TLSv1.3" "http/1.1"; then
		probe "apache location TLS 1.3, cert" authenticated no TLS13_POST_HANDSHAKE_REQUEST --connect $SRV:443 $CERT "$SEC"
		probe "apache location TLS 1.3, no cert" no_certificate yes TLS13_POST_HANDSHAKE_REQUEST --connect $SRV:443 "$SEC"
		jq -e '[.cert_requests[].phase] == ["post_handshake"]' "$tmp/apache location TLS 1.3, cert.json" >/dev/null 2>&1 &&
			ok || bad "apache TLS 1.3: the request is not post-handshake: $(head -1 "$tmp/apache location TLS 1.3, cert.json" | jq -c '.cert_requests')"
		stop
	fi
	# HTTP/2 over TLS 1.2: renegotiation is forbidden there, so Apache
	# cannot ask; the certificate is never requested and the request is
	# refused.
	if [ -f /usr/lib/apache2/modules/mod_http2.so ] && apache "-all +TLSv1.2" "h2 http/1.1"; then
		probe "apache location h2, cert" not_requested yes HTTP2_HTTP_1_1_REQUIRED --connect $SRV:443 --http2 $CERT "$SEC"
		# Outside /secure HTTP/2 is served: the request went over HTTP/2.
		probe "apache h2 outside secure" not_requested no - --connect $SRV:443 --http2 $CERT https://app.example.com/ok.txt
		[ "$(head -1 "$tmp/apache h2 outside secure.json" | jq -c '[.http.version, .http.exchanges[0].status]')" = "[2,200]" ] &&
			ok || bad "apache h2: not an HTTP/2 200: $(head -1 "$tmp/apache h2 outside secure.json" | jq -c .http)"
		# The same URL over HTTP/1.1 on the same server: asked by renegotiation.
		probe "apache location h2 server, HTTP 1.1" authenticated no LATE_CERT_REQUEST_RENEGOTIATION --connect $SRV:443 --http1.1 $CERT "$SEC"
		# --matrix: 8 rows (TLS 1.2/1.3 x HTTP/1.1/2 x with/without).
		in_ns "$BIN" probe --matrix --timeout 20 --connect $SRV:443 $CERT "$SEC" >"$tmp/matrix.txt" 2>&1
		rows=$(grep -c '^TLS 1\.[23] ' "$tmp/matrix.txt")
		[ "$rows" = 8 ] && ok || bad "--matrix: $rows rows, expected 8: $(cat "$tmp/matrix.txt")"
		grep -q '^TLS 1\.2 *HTTP/1\.1 .* yes *authenticated .*LATE_CERT_REQUEST_RENEGOTIATION' "$tmp/matrix.txt" && ok ||
			bad "--matrix: no authenticated TLS 1.2 HTTP/1.1 row with the renegotiation: $(cat "$tmp/matrix.txt")"
		# The same as JSON: one object per row; TLS 1.3 fails before any
		# request (the server speaks TLS 1.2 only).
		in_ns "$BIN" probe --matrix -F json --timeout 20 --connect $SRV:443 $CERT "$SEC" >"$tmp/matrix.json" 2>&1
		[ "$(jq -s 'length' "$tmp/matrix.json")" = 8 ] &&
			[ "$(jq -s '[.[] | select(.tls == "TLS 1.3") | .outcome] | unique' -c "$tmp/matrix.json")" = '["failed_before_request"]' ] &&
			ok || bad "--matrix -F json: $(cat "$tmp/matrix.json")"
		stop
	fi
else
	echo "SKIP apache: apache2 with mod_ssl not installed"
fi
finish
