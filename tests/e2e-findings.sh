#!/bin/sh
# e2e-findings.sh MTLSDIAG - every sample gets the finding its scenario is
# about as findings[0] of the connection that shows it, and no capture of a
# successful mutual-TLS handshake gets an error. --fail-on sets the exit
# status.
set -u
BIN=$1
. tests/lib/tally.sh
top() { # capture stream -> id of findings[0] (or "none")
	"$BIN" -F json -q "$1" | sed -n "/\"stream\":$2,/p" |
		sed -n 's/.*"findings":\[{"id":"\([A-Z0-9_]*\)".*/\1/p' | head -1
}
while read -r cap stream want; do
	case $cap in "#"* | "") continue ;; esac
	got=$(top "samples/$cap" "$stream")
	[ -n "$got" ] || got=none
	if [ "$got" = "$want" ]; then ok; else bad "$cap stream $stream: top finding $got, expected $want"; fi
done <<'TABLE'
# capture                             stream  top finding
tls12-empty-client-cert.pcap            0 CLIENT_CERT_EMPTY
tls12-empty-ca-list.pcap                0 CA_LIST_EMPTY
tls12-huge-ca-list.pcap                 0 CA_LIST_TOO_LARGE
tls12-unknown-ca.pcap                   0 SERVER_REJECTED_CLIENT_CERT
tls12-expired-client-cert.pcap          0 CLIENT_CERT_EXPIRED
tls12-no-clientauth-eku.pcap            0 CLIENT_CERT_NO_CLIENTAUTH_EKU
tls12-reneg-late-request.pcap           0 LATE_CERT_REQUEST_RENEGOTIATION
tls12-reneg-late-request-no-cert.pcap   0 LATE_CERT_REQUEST_RENEGOTIATION
tls12-reneg-h2.pcap                     0 LATE_CERT_REQUEST_RENEGOTIATION
tls12-reneg-late-request-unknown-ca.pcap 0 LATE_CERT_REQUEST_RENEGOTIATION
tls12-client-reneg.pcap                 0 RENEGOTIATION_BY_CLIENT
tls12-resumed.pcap                      1 RESUMED_SESSION
tls13-client-cert.pcap                  0 TLS13_CLIENT_AUTH_INFERRED
tls13-post-handshake-auth.pcap          0 TLS13_POST_HANDSHAKE_AUTH_INFERRED
tls13-empty-client-cert.pcap            0 TLS13_CLIENT_AUTH_INFERRED
tls13-early-data.pcap                   0 TLS13_CLIENT_AUTH_INFERRED
tls13-early-data.pcap                   1 RESUMED_SESSION
tls12-client-rst-after-request.pcap     0 RST_DURING_CERT_NEGOTIATION
tls12-injected-rst.pcap                 0 RST_INJECTED
tls12-injected-rst-same-ttl.pcap        0 RST_INJECTED
tls13-no-client-cert.pcap               0 CLIENT_CERT_EMPTY
tls12-optional-cert-none.pcap           0 CLIENT_CERT_EMPTY
tls13-late-request-reset.pcap           0 TLS13_LATE_CERT_NEGOTIATION
proxy-client-side.pcap                  0 NO_CERT_REQUEST
tls12-inspection-proxy.pcap             0 TLS_INSPECTION
proxy-server-side.pcap                  0 LATE_CERT_REQUEST_RENEGOTIATION
transport-lost-segment.pcap             0 CAPTURE_INCOMPLETE
transport-midstream.pcap                0 CAPTURE_STARTED_MIDSTREAM
transport-two-interfaces.pcapng         1 CLIENT_CERT_EMPTY
TABLE
# The h2 variant also names HTTP/2.
"$BIN" -F json -q samples/tls12-reneg-h2.pcap | grep -q '"id":"RENEGOTIATION_UNDER_HTTP2"' && ok || bad "tls12-reneg-h2: no RENEGOTIATION_UNDER_HTTP2"
# Inferred from encrypted records: the alert in the renegotiation, and the
# size of the client's answer (with a certificate, and without).
"$BIN" -F json -q samples/tls12-reneg-late-request-unknown-ca.pcap | grep -q '"id":"SERVER_REJECTED_CLIENT_CERT","severity":"error","frames":\[14,15\],"message":"Inferred' &&
	ok || bad "tls12-reneg-late-request-unknown-ca: no inferred SERVER_REJECTED_CLIENT_CERT"
"$BIN" -F json -q samples/tls12-reneg-late-request.pcap | grep -q 'is large enough to carry a certificate' &&
	ok || bad "tls12-reneg-late-request: answer not judged to carry a certificate"
"$BIN" -F json -q samples/tls12-reneg-late-request-no-cert.pcap | grep -q 'is too small to carry a certificate' &&
	ok || bad "tls12-reneg-late-request-no-cert: answer not judged too small"
# With the key log, what was inferred is seen: the same top finding, or
# the decrypted form of it.
while read -r cap want; do
	got=$("$BIN" -F json -q --keylog "samples/${cap%.pcap}.keylog" "samples/$cap" |
		sed -n 's/.*"findings":\[{"id":"\([A-Z0-9_]*\)".*/\1/p' | head -1)
	[ "$got" = "$want" ] && ok || bad "$cap with keys: top finding $got, expected $want"
done <<'TABLE'
tls13-post-handshake-auth.pcap TLS13_POST_HANDSHAKE_REQUEST
tls13-late-request-reset.pcap TLS13_LATE_CERT_NEGOTIATION
tls13-no-client-cert.pcap CLIENT_CERT_EMPTY
tls12-reneg-late-request-unknown-ca.pcap LATE_CERT_REQUEST_RENEGOTIATION
tls12-inspection-proxy.pcap TLS_INSPECTION
TABLE
# An empty certificate the server accepted (decrypted 200) is not an error.
"$BIN" -F json -q --keylog samples/tls12-optional-cert-none.keylog samples/tls12-optional-cert-none.pcap |
	grep -q '"findings":\[{"id":"CLIENT_CERT_EMPTY","severity":"info"' && ok ||
	bad "tls12-optional-cert-none with keys: CLIENT_CERT_EMPTY not info"
# Successful mutual TLS: no error finding, and --fail-on error exits 0.
for cap in tls12-mutual-ok.pcap tls12-resumed.pcap tls12-empty-ca-list.pcap tls13-client-cert.pcap \
	transport-port8443.pcap transport-ipv6.pcap transport-vlan.pcap transport-sll.pcap \
	transport-reordered.pcap transport-tiny-segments.pcap; do
	if "$BIN" -F json -q --fail-on error "samples/$cap" >/tmp/mtls-f.$$ && ! grep -q '"severity":"error"' /tmp/mtls-f.$$; then
		ok
	else
		bad "$cap: a successful mutual-TLS handshake got an error finding"
	fi
done
rm -f /tmp/mtls-f.$$
# --fail-on error turns an error finding into exit status 1.
"$BIN" -q --fail-on error samples/tls12-unknown-ca.pcap >/dev/null
[ $? = 1 ] && ok || bad "--fail-on error: exit status not 1"
"$BIN" -q samples/tls12-unknown-ca.pcap >/dev/null
[ $? = 0 ] && ok || bad "without --fail-on: exit status not 0"
tally_report findings
