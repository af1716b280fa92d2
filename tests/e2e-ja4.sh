#!/bin/sh
# e2e-ja4.sh MTLSDIAG - the JA4 fingerprint of every connection with a
# ClientHello, in the samples and in ../shared/captures, against the one
# tests/support/ja4_tshark.py computes from tshark's dissection of the same
# capture (FoxIO's published method, written again apart from our code).
# Two captures of FoxIO's own test set are also in ../shared/captures: their
# published fingerprints are checked as they stand.
set -u
BIN=$1
. tests/lib/tally.sh
SHARED=${MTLS_SHARED:-../shared}
if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP e2e-ja4: needs tshark and python3 for the independent JA4"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
for cap in "$@"; do
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
[ "$compared" -ge 30 ] && ok || bad "only $compared ClientHellos compared"

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
tally_report e2e-ja4
