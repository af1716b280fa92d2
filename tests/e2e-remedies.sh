#!/bin/sh
# e2e-remedies.sh MTLSDIAG - every finding ID the diagnosis and the
# comparison can report (the IDs passed to add() in analyzer/diagnosis/diagnose.c and
# analyzer/diagnosis/compare.c, and any remedy_key variant they set) has rows in the
# remedies catalogue; and, once --server/--client exist, a remedy speaks
# the words of the software named there.
set -u
BIN=$1
. tests/lib/tally.sh
DEF=analyzer/diagnosis/remedies.def
# The IDs of each add(...) call: the quoted NAMES between "add(" and the
# severity (two for a ternary such as RST_/FIN_DURING_CERT_NEGOTIATION).
ids() {
	perl -0777 -ne 'while (/\badd\(\s*(.*?)\bSEV_/gs) { my $a = $1; print "$1\n" while $a =~ /"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"/g }' "$1" | sort -u
}
keys() { perl -0777 -ne 'print "$1\n" while /remedy_key\s*=\s*"([^"]+)"/g' "$1" | sort -u; }
has_key() { grep -q "^REMEDY(\"$1\"," "$DEF"; }
for src in analyzer/diagnosis/diagnose.c analyzer/diagnosis/compare.c; do
	n=0
	for id in $(ids "$src"); do
		n=$((n + 1))
		if has_key "$id"; then ok; else bad "$src: finding $id has no row in $DEF"; fi
	done
	# Guard against the extraction finding nothing.
	[ "$n" -ge 8 ] && ok || bad "$src: only $n finding IDs found; the extraction is broken"
	for key in $(keys "$src"); do
		if has_key "$key" || has_key "${key%%/*}"; then ok; else bad "$src: remedy key $key has no row"; fi
	done
done

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
