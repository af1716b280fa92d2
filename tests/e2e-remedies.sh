#!/bin/sh
# e2e-remedies.sh MTLSDIAG - every remedy variant the diagnosis sets by
# name has rows in the remedies catalogue (that every finding has a row is
# checked by test_an_findings); and, once --server/--client exist, a
# remedy speaks the words of the software named there.
set -u
BIN=$1
. tests/lib/tally.sh
DEF=analyzer/diagnosis/remedies.def
# Variants set by name ("issuer_missing", "inferred"): some finding has
# rows for it. (Variants named after an alert fall back to the finding's
# rows when the catalogue has none of their own.)
n=0
for v in $(perl -ne 'print "$1\n" while /remedy_variant\s*=\s*"([^"]+)"/g' analyzer/diagnosis/diagnose.c | sort -u); do
	n=$((n + 1))
	if grep -q "^REMEDY(\"[A-Z0-9_]*/$v\"," "$DEF"; then ok; else bad "remedy variant $v has no row"; fi
done
# Guard against the extraction finding nothing.
[ "$n" -ge 4 ] && ok || bad "only $n remedy variants found in diagnose.c; the extraction is broken"

# The remedy in the words of --server / --client (skipped until the
# options exist).
remedy_of() { # capture id args... -> that finding's JSON object
	cap=$1 id=$2
	shift 2
	"$BIN" -F json -q "$@" "samples/$cap" | python3 -c '
import json, sys
for line in sys.stdin:
    for f in json.loads(line)["findings"]:
        if f["id"] == sys.argv[1]:
            print("\"id\":\"%s\",\"remedy\":%s" % (f["id"], json.dumps(f["remedy"])))
            sys.exit(0)
' "$id"
}
if "$BIN" --help 2>&1 | grep -q -- '--server'; then
	r=$(remedy_of tls12-empty-client-cert.pcap CLIENT_CERT_EMPTY --server nginx --client openssl)
	case $r in *'"remedy":"nginx: '*ssl_client_certificate*'Client (curl/OpenSSL): '*) ok ;; *) bad "nginx/openssl remedy: $r" ;; esac
	case $r in *netsh* | *certlm* | *SendTrustedIssuerList*) bad "nginx remedy with IIS words: $r" ;; *) ok ;; esac
	r=$(remedy_of tls12-reneg-late-request.pcap LATE_CERT_REQUEST_RENEGOTIATION --server apache)
	case $r in *'"remedy":"Apache httpd (mod_ssl): '*SSLVerifyClient*) ok ;; *) bad "apache remedy: $r" ;; esac
	r=$(remedy_of tls12-reneg-late-request.pcap LATE_CERT_REQUEST_RENEGOTIATION --server iis)
	case $r in *clientcertnegotiation=enable*) ok ;; *) bad "iis remedy: $r" ;; esac
else
	echo "SKIP e2e-remedies: $BIN has no --server option yet; only the catalogue keys were checked"
fi
tally_report e2e-remedies
