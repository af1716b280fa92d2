#!/bin/sh
# e2e-stack.sh MTLSDIAG - software identification from the command line:
# --server/--client take the documented names and refuse others (exit 2,
# naming the valid ones); the text report's Software line and the JSON
# fields. Then the JA4 fingerprint of every connection with a
# ClientHello, in the samples and in ../shared/captures, against the one
# tests/support/ja4_tshark.py computes from tshark's dissection of the same
# capture (FoxIO's published method, written again apart from our code).
# Two captures of FoxIO's own test set are also in ../shared/captures: their
# published fingerprints are checked as they stand.
set -u
BIN=$1
. tests/lib/tally.sh
SHARED=${MTLS_SHARED:-../shared}
S=samples/tls12-mutual-ok.pcap
. tests/lib/scratch.sh

for k in iis nginx apache haproxy envoy java go node kestrel openssl; do
	line=$("$BIN" -F json -q --server "$k" "$S" | head -1)
	case $line in *'"server_software":{"kind":"'"$k"'",'*'"overridden":true}'*) ok ;; *) bad "--server $k: $line" ;; esac
done
for k in schannel chromium firefox safari openssl java go python; do
	line=$("$BIN" -F json -q --client "$k" "$S" | head -1)
	case $line in *'"client_software":{"kind":"'"$k"'",'*'"overridden":true}'*) ok ;; *) bad "--client $k: $line" ;; esac
done
for opt in --server --client; do
	for v in bogus unknown ""; do
		err=$("$BIN" "$opt" "$v" "$S" 2>&1 >/dev/null)
		rc=$?
		[ "$rc" -eq 2 ] && ok || bad "$opt '$v': exit $rc, expected 2"
		case $err in *"is not one of: "*openssl*) ok ;; *) bad "$opt '$v': no list of names: $err" ;; esac
	done
done
# The Software line follows the version line (after the outcome); the JSON has the guesses
# and the fingerprint.
"$BIN" -q "$S" >"$tmp/report" 2>&1
sed -n 4p "$tmp/report" | grep -q '^  Software: server an OpenSSL-based server (nginx, Apache httpd, HAProxy, ...) (low: .*), client curl/OpenSSL (medium: .*), JA4 t13d311000_' && ok ||
	bad "no Software line after the version line: $(sed -n 3,4p "$tmp/report")"
line=$("$BIN" -F json -q "$S" | head -1)
case $line in *'"client_software":{"kind":"openssl","label":"curl/OpenSSL","confidence":"medium","evidence":"encrypt_then_mac offered'*'"overridden":false},"ja4":"t13d311000_'*) ok ;; *) bad "JSON software fields: $line" ;; esac

if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP JA4 comparison: needs tshark and python3 for the independent JA4"
	tally_report e2e-stack
	exit $?
fi
# "STREAM JA4" for each connection of ours that has one (first per stream).
ours() {
	"$BIN" -F json -q "$1" 2>/dev/null | python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    j = json.loads(line)
    if j.get("ja4") and j["stream"] not in seen:
        seen.add(j["stream"])
        print(j["stream"], j["ja4"])'
}

compared=0
set -- samples/*.pcap samples/*.pcapng
[ -d "$SHARED/captures" ] && set -- "$@" "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng
[ -d "$SHARED/captures" ] || echo "note: $SHARED/captures is absent; only the samples are compared"
for cap in $(sweep "$@"); do
	[ -f "$cap" ] || continue
	if ! python3 tests/support/ja4_tshark.py "$cap" >"$tmp/theirs" 2>"$tmp/err"; then
		# A damaged capture tshark stops reading: nothing to compare with.
		echo "note: $cap skipped: tshark could not read it whole"
		continue
	fi
	ours "$cap" >"$tmp/ours"
	# Streams both saw a ClientHello in; a stream only one side has is
	# reassembly's business (the oracle tests), not the fingerprint's.
	while read -r stream want; do
		got=$(awk -v s="$stream" '$1 == s { print $2 }' "$tmp/ours")
		[ -n "$got" ] || continue
		compared=$((compared + 1))
		[ "$got" = "$want" ] && ok || bad "$cap stream $stream: JA4 $got, tshark-based $want"
	done <"$tmp/theirs"
done
[ "$compared" -ge "$(at_least 30)" ] && ok || bad "only $compared ClientHellos compared"

# Published by FoxIO for the same captures (python/test/testdata/*.json in
# FoxIO-LLC/ja4). Their badcurveball copy has ALPN "h2" where Arkime's has
# "H2", so only parts b and c are compared for it.
pub() {
	cap="$SHARED/captures/$1"
	[ -f "$cap" ] || return 0
	got=$(ours "$cap" | awk '$1 == 0 { print $2 }')
	case $got in
	$2) ok ;;
	*) bad "$1: JA4 $got, FoxIO published $2" ;;
	esac
}
pub ja4-ipv6.pcapng t12d4605h2_85626a9a5f7f_aaf95bb78ec9
pub arkime-badcurveball.pcap 't13d1615[hH]2_46e7e9700bed_45f260be83e2'
echo "JA4 compared on $compared ClientHellos"
tally_report e2e-stack
