#!/bin/sh
# e2e-findings.sh MTLSDIAG - every sample gets the finding its scenario is
# about as findings[0] of the connection that shows it, and no capture of a
# successful mutual-TLS handshake gets an error. --fail-on sets the exit
# status.
set -u
BIN=$1
. tests/lib/tally.sh
# conn CAPTURE STREAM: that connection's JSON report line.
conn() {
	"$BIN" -F json -q "$1" | sed -n "/\"stream\":$2,/p" | head -1
}
top() { # conn's line -> id of findings[0] (or "none")
	printf '%s\n' "$1" | sed -n 's/.*"findings":\[{"id":"\([A-Z0-9_]*\)".*/\1/p'
}
outcome() { # conn's line -> outcome.kind
	printf '%s\n' "$1" | sed -n 's/.*"outcome":{"kind":"\([a-z_]*\)".*/\1/p'
}
# The outcome column is each scenario's truth by construction
# (samples/README.md): what the generator's server and client did.
while read -r cap stream want want_outcome; do
	case $cap in "#"* | "") continue ;; esac
	line=$(conn "samples/$cap" "$stream")
	got=$(top "$line")
	[ -n "$got" ] || got=none
	if [ "$got" = "$want" ]; then ok; else bad "$cap stream $stream: top finding $got, expected $want"; fi
	got=$(outcome "$line")
	if [ "$got" = "$want_outcome" ]; then ok; else bad "$cap stream $stream: outcome $got, expected $want_outcome"; fi
done <<'TABLE'
# capture                               stream top finding                     outcome
tls12-empty-client-cert.pcap             0 CLIENT_CERT_EMPTY                  no_certificate
tls12-empty-ca-list.pcap                 0 CA_LIST_EMPTY                      authenticated
tls12-huge-ca-list.pcap                  0 CA_LIST_TOO_LARGE                  authenticated
tls12-unknown-ca.pcap                    0 SERVER_REJECTED_CLIENT_CERT        rejected
tls12-expired-client-cert.pcap           0 CLIENT_CERT_EXPIRED                rejected
tls12-no-clientauth-eku.pcap             0 CLIENT_CERT_NO_CLIENTAUTH_EKU      rejected
tls12-reneg-late-request.pcap            0 LATE_CERT_REQUEST_RENEGOTIATION    authenticated
tls12-reneg-late-request-no-cert.pcap    0 LATE_CERT_REQUEST_RENEGOTIATION    no_certificate
tls12-reneg-h2.pcap                      0 RENEGOTIATION_UNDER_HTTP2          authenticated
tls12-reneg-late-request-unknown-ca.pcap 0 SERVER_REJECTED_CLIENT_CERT        rejected
tls12-client-reneg.pcap                  0 RENEGOTIATION_BY_CLIENT            authenticated
tls12-resumed.pcap                       1 RESUMED_SESSION                    not_requested
tls13-client-cert.pcap                   0 TLS13_CLIENT_AUTH_INFERRED         authenticated
tls13-post-handshake-auth.pcap           0 TLS13_POST_HANDSHAKE_AUTH_INFERRED authenticated
tls13-empty-client-cert.pcap             0 TLS13_CLIENT_AUTH_INFERRED         no_certificate
tls13-early-data.pcap                    0 TLS13_CLIENT_AUTH_INFERRED         authenticated
tls13-early-data.pcap                    1 RESUMED_SESSION                    not_requested
tls12-client-rst-after-request.pcap      0 RST_DURING_CERT_NEGOTIATION        no_certificate
tls12-injected-rst.pcap                  0 RST_INJECTED                       no_certificate
tls12-injected-rst-same-ttl.pcap         0 RST_INJECTED                       no_certificate
tls13-no-client-cert.pcap                0 CLIENT_CERT_EMPTY                  no_certificate
tls12-optional-cert-none.pcap            0 CLIENT_CERT_EMPTY                  no_certificate
tls13-late-request-reset.pcap            0 TLS13_LATE_CERT_NEGOTIATION        not_requested
proxy-client-side.pcap                   0 NO_CERT_REQUEST                    not_requested
tls12-inspection-proxy.pcap              0 TLS_INSPECTION                     not_requested
proxy-server-side.pcap                   0 LATE_CERT_REQUEST_RENEGOTIATION    no_certificate
transport-lost-segment.pcap              0 CAPTURE_INCOMPLETE                 unknown
transport-midstream.pcap                 0 CAPTURE_STARTED_MIDSTREAM          authenticated
transport-two-interfaces.pcapng          1 CLIENT_CERT_EMPTY                  no_certificate
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
tls12-reneg-late-request-unknown-ca.pcap SERVER_REJECTED_CLIENT_CERT
tls12-inspection-proxy.pcap TLS_INSPECTION
tls13-h2-http11-required.pcap HTTP2_HTTP_1_1_REQUIRED
tls12-http11-two-requests-403.pcap CLIENT_CERT_EMPTY
TABLE
# With keys, the outcome is what the scenario did (samples/README.md).
while read -r cap want; do
	got=$("$BIN" -F json -q --keylog "samples/${cap%.pcap}.keylog" "samples/$cap" |
		sed -n 's/.*"outcome":{"kind":"\([a-z_]*\)","failure":"\([a-z]*\)".*/\1 \2/p' | head -1)
	[ "$got" = "$want" ] && ok || bad "$cap with keys: outcome $got, expected $want"
done <<'TABLE'
tls13-h2-http11-required.pcap not_requested yes
tls12-http11-two-requests-403.pcap no_certificate yes
tls12-optional-cert-none.pcap no_certificate no
tls12-reneg-late-request.pcap authenticated no
tls12-reneg-late-request-no-cert.pcap no_certificate yes
tls12-reneg-late-request-unknown-ca.pcap rejected yes
tls13-empty-client-cert.pcap no_certificate yes
tls13-late-request-reset.pcap not_requested yes
tls13-post-handshake-auth.pcap authenticated no
proxy-server-side.pcap no_certificate yes
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
# On every sample, with and without its key log: a connection whose
# outcome did not fail carries no error, an error-free failed connection
# does not exist, and "<- the cause" (JSON "cause") marks only the first
# finding of a connection that failed or may have.
"$BIN" --list-findings -F json >/tmp/mtls-cat.$$
for cap in $(sweep samples/*.pcap samples/*.pcapng samples/*.cap); do
	for keys in no yes; do
		set -- -F json -q
		if [ $keys = yes ]; then
			[ -f "${cap%.pcap}.keylog" ] || continue
			set -- "$@" --keylog "${cap%.pcap}.keylog"
		fi
		"$BIN" "$@" "$cap" | python3 -c '
import json, sys
bad = []
# The catalogue (--list-findings -F json): the severities each finding may
# have; an error weighed down to a warning on a connection that worked is
# still its error.
allowed = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    allowed[row["id"]] = row["severities"]
for line in sys.stdin:
    o = json.loads(line)
    oc, fs = o["outcome"], o["findings"]
    for f in fs:
        sevs = allowed.get(f["id"])
        if sevs is None:
            bad.append("stream %d: %s is not in the catalogue" % (o["stream"], f["id"]))
        elif f["severity"] not in sevs and not (f["severity"] == "warning" and "error" in sevs and oc["failure"] == "no"):
            bad.append("stream %d: %s is %s; the catalogue says %s" % (o["stream"], f["id"], f["severity"], sevs))
    errors = [f["id"] for f in fs if f["severity"] == "error"]
    if oc["failure"] == "no" and errors:
        bad.append("stream %d: outcome %s worked but has errors %s" % (o["stream"], oc["kind"], errors))
    if oc["kind"] == "authenticated" and oc["failure"] != "no":
        bad.append("stream %d: authenticated yet failure %s" % (o["stream"], oc["failure"]))
    causes = [i for i, f in enumerate(fs) if f["cause"]]
    if causes not in ([], [0]) or (causes and (oc["failure"] == "no" or fs[0]["severity"] != "error")):
        bad.append("stream %d: cause marks %s" % (o["stream"], causes))
print("; ".join(bad))
sys.exit(1 if bad else 0)
' /tmp/mtls-cat.$$ >/tmp/mtls-inv.$$ && ok || bad "$cap (keys: $keys): $(cat /tmp/mtls-inv.$$)"
	done
done
rm -f /tmp/mtls-inv.$$ /tmp/mtls-cat.$$

# --list-findings: the catalogue's IDs, each once and in its order, in
# text and in JSON; --help names the option.
want=$(sed -n 's/^FINDING(\([A-Z0-9_]*\),.*/\1/p' analyzer/diagnosis/findings.def)
[ "$(echo "$want" | wc -l)" -ge 30 ] && ok || bad "findings.def: the ID extraction found too few"
got=$("$BIN" --list-findings -F json | sed -n 's/^{"id":"\([A-Z0-9_]*\)".*/\1/p')
[ "$got" = "$want" ] && ok || bad "--list-findings -F json lists other IDs than findings.def"
got=$("$BIN" --list-findings | grep -E '^[A-Z][A-Z0-9_]+$')
[ "$got" = "$want" ] && ok || bad "--list-findings lists other IDs than findings.def"
"$BIN" --list-findings | grep -q '^  Severity: warning; error when the certificate was rejected$' &&
	ok || bad "--list-findings: no severity rule of CLIENT_CHAIN_NOT_IN_CA_LIST"
"$BIN" --help | grep -q -- '--list-findings' && ok || bad "--help does not name --list-findings"
tally_report findings
