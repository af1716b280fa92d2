#!/bin/sh
# e2e-legacy-ssl.sh MTLSDIAG - SSL 2.0 and SSL 3.0 are reported as what
# they are. SSL 2.0: no implementation is left to make a real handshake, so
# tests/support/sslv2_capture.py lays one out as the SSL 0.2 specification
# gives it and tshark's reading of it is the truth; the real capture of a
# TLS 1.0 connection opened by an SSLv2-compatible hello
# (suricata-verify-ssl-v2-s1) is not SSL 2.0. SSL 3.0 is decrypted with a
# key log, checked against tshark's decrypted view.
set -u
BIN=$1
. tests/lib/tally.sh
needs e2e-legacy-ssl "tools/deps.sh install test" tshark openssl python3
. tests/lib/scratch.sh
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k.pem" -subj /CN=sslv2.example \
	-days 30 -outform DER -out "$tmp/c.der" 2>/dev/null || bad "openssl req"

# SSL 2.0 offered only by the client, and SSL 2.0 forced on a TLS client by
# the server: both are SSL 2.0 connections, flagged where tshark sees the
# SERVER-HELLO.
for cv in 0002 0301; do
	python3 tests/support/sslv2_capture.py "$tmp/v2.pcap" "$tmp/c.der" "$cv" || bad "sslv2_capture.py $cv"
	sh_frame=$(tshark -r "$tmp/v2.pcap" -Y "tls.handshake.type == 4 && tls.record.version == 0x0002" \
		-T fields -e frame.number 2>/dev/null)
	"$BIN" "$tmp/v2.pcap" >"$tmp/out" 2>&1
	rc=$?
	n=$(grep -c "^== " "$tmp/out")
	if [ "$rc" = 3 ] || [ "$n" != 1 ]; then
		bad "client version $cv: not reported (exit $rc): $(head -3 "$tmp/out")"
		continue
	fi
	grep -q "^ *$sh_frame .*<-- SERVER-HELLO (SSL 2.0)" "$tmp/out" || bad "client version $cv: no SERVER-HELLO in frame $sh_frame"
	grep -q "^  SSL 2.0, frames" "$tmp/out" || bad "client version $cv: version not SSL 2.0"
	grep -q "error SSLV2_CONNECTION (frames [0-9]*)" "$tmp/out" || bad "client version $cv: no SSLV2_CONNECTION error"
	[ "$cv" = 0301 ] && ! grep -q "SSLV2_CONNECTION (frames $sh_frame)" "$tmp/out" && bad "downgrade: finding not at frame $sh_frame"
	"$BIN" -F json "$tmp/v2.pcap" 2>/dev/null | grep -q '"what":"sslv2_server_hello"' || bad "client version $cv: JSON history"
	ok
done

# A TLS 1.0 connection opened by an SSLv2-compatible hello is not SSL 2.0.
C=../shared/captures/suricata-verify-ssl-v2-s1.pcap
if [ -f "$C" ]; then
	"$BIN" "$C" >"$tmp/out" 2>&1
	grep -q "SSLV2_CONNECTION" "$tmp/out" && bad "ssl-v2-s1: an SSLv2-compatible hello flagged as SSL 2.0"
	grep -q "ClientHello (SSLv2 format)" "$tmp/out" || bad "ssl-v2-s1: the SSLv2-format hello not shown"
	ok
else
	echo "e2e-legacy-ssl: $C absent, its check skipped"
fi

# SSL 3.0 decrypted with a key log, against tshark's decrypted view:
# wiresharkwiki-rsasnakeoil2 is SSL 3.0 (AES-256-CBC and 3DES-CBC with
# SHA-1) with the server's RSA key; tshark decrypts it with that key and
# exports the master secrets as a key log, which mtlsdiag reads. Each
# connection's first HTTP request is where tshark shows it, and nothing
# fails to authenticate.
C=../shared/captures/wiresharkwiki-rsasnakeoil2.pcap
if [ -f "$C" ] && [ -f "$C.key" ]; then
	tshark -r "$C" -o "tls.keys_list:0.0.0.0,443,http,$C.key" --export-tls-session-keys "$tmp/ssl3.keylog" \
		-Y http.request -T fields -e tcp.stream -e frame.number >"$tmp/truth" 2>/dev/null
	"$BIN" --keylog "$tmp/ssl3.keylog" "$C" >"$tmp/out" 2>&1
	[ -s "$tmp/ssl3.keylog" ] || bad "ssl3: tshark exported no keys"
	for st in $(cut -f1 "$tmp/truth" | sort -u); do
		want=$(awk -v s="$st" '$1 == s { print $2; exit }' "$tmp/truth")
		got=$(awk -v s="stream $st:" 'index($0, s) { on = 1; next } /^== / { on = 0 } on && /^  HTTP: / { print }' "$tmp/out")
		echo "$got" | grep -q "(frame $want)" || bad "ssl3 stream $st: HTTP request not in frame $want: '$got'"
	done
	[ "$(grep -c '^  Decryption: [0-9]* records decrypted' "$tmp/out")" = 2 ] || bad "ssl3: $(grep Decryption "$tmp/out")"
	grep -q "did not authenticate" "$tmp/out" && bad "ssl3: a record did not authenticate"
	# The renegotiation the server started is read: its HelloRequest where
	# tshark shows it.
	hr=$(tshark -r "$C" -o "tls.keys_list:0.0.0.0,443,http,$C.key" -Y "tls.handshake.type == 0" -T fields \
		-e frame.number 2>/dev/null | head -1)
	grep -q "^ *$hr .*<-- hello_request\*" "$tmp/out" || bad "ssl3: no decrypted hello_request in frame $hr"
	# That renegotiation asks for no certificate (tshark sees no
	# CertificateRequest): read with keys, it is not taken for a late request.
	cr=$(tshark -r "$C" -o "tls.keys_list:0.0.0.0,443,http,$C.key" -Y "tls.handshake.type == 13" -T fields \
		-e frame.number 2>/dev/null | head -1)
	[ -z "$cr" ] || bad "ssl3: tshark sees a CertificateRequest in frame $cr"
	awk '/stream 0:/ { on = 1; next } /^== / { on = 0 } on' "$tmp/out" | grep -q '^  Outcome: not_requested' ||
		bad "ssl3 stream 0: $(grep -m1 Outcome "$tmp/out")"
	grep -q 'LATE_CERT_REQUEST_RENEGOTIATION' "$tmp/out" && bad "ssl3: a renegotiation without a request read as a late request"
	ok
else
	echo "e2e-legacy-ssl: $C or its key absent, the SSL 3.0 check skipped"
fi

tally_report "legacy-ssl"
