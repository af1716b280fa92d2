#!/bin/sh
# e2e-story.sh MTLSDIAG - the story across connections, on captures made by
# joining two real sample handshakes between the same client and server
# (editcap shifts the second after the first; mergecap joins them): what
# the two connections were is known from how they were made.
set -u
BIN=$1
. tests/lib/tally.sh
needs e2e-story "Debian: wireshark-common (via tshark), python3" editcap mergecap python3
. tests/lib/scratch.sh
# join FIRST SECOND OUT: SECOND shifted to start 60 s after FIRST starts.
join() {
	t1=$("$BIN" -F json -q "$1" | sed -n 's/.*"first_time":\([0-9.]*\).*/\1/p' | head -1)
	t2=$("$BIN" -F json -q "$2" | sed -n 's/.*"first_time":\([0-9.]*\).*/\1/p' | head -1)
	shift_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.6f", a - b + 60 }')
	editcap -t "$shift_s" "$2" "$tmp/shifted.pcap" 2>/dev/null &&
		mergecap -w "$3" "$1" "$tmp/shifted.pcap" 2>/dev/null
}
# story ARGS...: the summary's story of mtlsdiag -F json ARGS, a line a sentence.
story() { "$BIN" -F json "$@" 2>&1 >/dev/null | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["summary"]["story"]))'; }

# A certificate refused (unknown_ca), then the same client without one.
join samples/tls12-unknown-ca.pcap samples/tls12-empty-client-cert.pcap "$tmp/retry.pcap" || bad "could not join the captures"
s=$(story "$tmp/retry.pcap")
echo "$s" | grep -q 'stream 0 rejected (failed, SERVER_REJECTED_CLIENT_CERT), stream 1 no_certificate' && ok ||
	bad "retry story: $s"
echo "$s" | grep -q 'After its certificate failed on stream 0 the client retried without one (stream 1)' && ok ||
	bad "retry without a certificate not told: $s"
"$BIN" "$tmp/retry.pcap" | grep -q '^What happened across connections:' && ok || bad "text report has no story section"

# A reset during the late negotiation, then a request refused 403 (the
# 500 before the 403.7), seen with the key logs.
join samples/tls12-client-rst-after-request.pcap samples/tls12-reneg-late-request-no-cert.pcap "$tmp/late.pcap" ||
	bad "could not join the captures"
cat samples/tls12-client-rst-after-request.keylog samples/tls12-reneg-late-request-no-cert.keylog >"$tmp/late.keylog"
s=$(story --keylog "$tmp/late.keylog" "$tmp/late.pcap")
echo "$s" | grep -q 'A reset or 500 on stream 0 was followed by HTTP 403 on stream 1' && ok || bad "reset-then-403 story: $s"

# Connections that all worked tell no story (a full handshake, then its resumption).
s=$(story samples/tls12-resumed.pcap)
[ -z "$s" ] && ok || bad "a resumption after a full handshake told a story: $s"
tally_report story
