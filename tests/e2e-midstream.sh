#!/bin/sh
# e2e-midstream.sh MTLSDIAG - captures that begin in the middle of a
# connection, cut from real samples with editcap: what is in them is
# reported, nothing is made up from bytes read at a wrong offset. The truth
# is tshark's view of the uncut capture, its frame numbers shifted by the
# cut.
set -u
BIN=$1
. tests/lib/tally.sh
needs e2e-midstream "Debian: tshark" editcap tshark
. tests/lib/scratch.sh

# cut SAMPLE FIRST-FRAME: the frames from FIRST-FRAME on, as OUT.
cut_from() {
	editcap -F pcap -r "$1" "$tmp/cut.pcap" "$2-1000000" >/dev/null 2>&1 || bad "editcap $1"
}
# Frames (shifted by the cut) where tshark sees FILTER in the uncut sample.
frames_of() {
	tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | awk -v k="$3" '$1 >= k { print $1 - k + 1 }'
}

# 1. The capture starts after both ChangeCipherSpecs (tls12-mutual-ok from
# frame 8): the 26-byte encrypted alerts are alerts, encrypted, at the
# frames tshark shows them; none is read as a run of cleartext alerts.
S=samples/tls12-mutual-ok.pcap
cut_from "$S" 8
"$BIN" "$tmp/cut.pcap" >"$tmp/out" 2>&1
want=$(frames_of "$S" "tls.record.content_type == 21" 8 | tr '\n' ' ')
got=$(sed -n 's/^  Alert from [a-z]* in frame \([0-9]*\): encrypted$/\1/p' "$tmp/out" | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ] || bad "after CCS: encrypted alerts in frames '$got', tshark '$want'"
grep -q "^  Alert from .*: \(fatal\|warning\|unknown\)" "$tmp/out" && bad "after CCS: an alert read as cleartext: $(grep 'Alert from' "$tmp/out")"
grep -q "CAPTURE_STARTED_MIDSTREAM" "$tmp/out" || bad "after CCS: no CAPTURE_STARTED_MIDSTREAM"
[ "$fail" -eq 0 ] && ok

# 2. The capture starts inside the server's 24 KiB CertificateRequest record
# (tls12-huge-ca-list from frame 18): the rest of that record is skipped and
# counted, and the ServerHelloDone record after it is read, in the frame
# tshark shows it; no CertificateRequest is made up from the middle of one.
S=samples/tls12-huge-ca-list.pcap
cut_from "$S" 18
"$BIN" "$tmp/cut.pcap" >"$tmp/out" 2>&1
shd=$(frames_of "$S" "tls.handshake.type == 14" 18)
grep -q "^ *$shd .*<-- .*server_hello_done" "$tmp/out" || bad "mid-record: no server_hello_done in frame '$shd': $(sed -n '5,8p' "$tmp/out")"
grep -q "bytes skipped to find the record boundaries" "$tmp/out" || bad "mid-record: skipped bytes not reported"
grep -q "CertificateRequest in frame" "$tmp/out" && bad "mid-record: a CertificateRequest made up from a fragment"
[ "$fail" -eq 0 ] && ok

# 3. Every start frame of TLS 1.2 samples (a full handshake, a resumption,
# a rejection, a renegotiation): no alert is read as cleartext with a level
# byte other than 1 or 2.
for S in samples/tls12-mutual-ok.pcap samples/tls12-resumed.pcap samples/tls12-unknown-ca.pcap \
	samples/tls12-client-reneg.pcap; do
	n=$(tshark -r "$S" 2>/dev/null | wc -l)
	k=2
	while [ "$k" -le "$n" ]; do
		cut_from "$S" "$k"
		"$BIN" "$tmp/cut.pcap" 2>/dev/null | grep "^  Alert from .*unknown (" >"$tmp/odd" &&
			bad "$S from frame $k: $(head -1 "$tmp/odd")"
		k=$((k + 1))
	done
done
ok

# 5. The capture starts inside a renegotiation (tls12-client-reneg from
# frame 12): the encrypted handshake records of both sides are shown as
# encrypted, in the frames tshark shows them, never read as handshake
# messages.
S=samples/tls12-client-reneg.pcap
cut_from "$S" 12
"$BIN" "$tmp/cut.pcap" >"$tmp/out" 2>&1
for fr in $(frames_of "$S" "tls.record.content_type == 22 && frame.number < 15" 12); do
	grep -q "^ *$fr .*\[encrypted handshake" "$tmp/out" || bad "reneg: no encrypted handshake in frame $fr: $(sed -n '5,9p' "$tmp/out")"
done
grep -E '^ +[0-9]+ +[0-9.]+ ' "$tmp/out" | grep -q "certificate\|hello\|key_exchange" &&
	bad "reneg: handshake messages read from encrypted records: $(sed -n '5,9p' "$tmp/out")"
[ "$fail" -eq 0 ] && ok

# 4. A damaged copy: sequence numbers after the SYN moved far off, data
# without ACK (tests/support/damage_seq.py). tshark still reads the TLS;
# so must mtlsdiag, at the frames tshark shows, and say what it did.
if command -v python3 >/dev/null 2>&1; then
	S=samples/tls12-mutual-ok.pcap
	python3 tests/support/damage_seq.py "$S" "$tmp/damaged.pcap" || bad "damage_seq.py"
	"$BIN" "$tmp/damaged.pcap" >"$tmp/out" 2>&1
	cr=$(tshark -r "$tmp/damaged.pcap" -Y "tls.handshake.type == 13" -T fields -e frame.number 2>/dev/null)
	cc=$(tshark -r "$tmp/damaged.pcap" -Y "tls.handshake.type == 11 && tcp.srcport != 443" -T fields \
		-e frame.number 2>/dev/null)
	grep -q "^  CertificateRequest in frame $cr[, ]" "$tmp/out" || bad "damaged: no CertificateRequest in frame $cr: $(head -3 "$tmp/out")"
	grep -q "^  Client certificate: present (frame $cc)" "$tmp/out" || bad "damaged: no client certificate in frame $cc"
	grep -q "^  Capture: damaged TCP sequence numbers" "$tmp/out" || bad "damaged: re-anchoring not reported"
	grep -q "tcp_sequence_reanchored" "$tmp/out" || bad "damaged: no note"
	# The undamaged sample is not re-anchored.
	"$BIN" "$S" | grep -q "tcp_sequence_reanchored" && bad "undamaged sample re-anchored"
	ok
fi

tally_report "midstream"
