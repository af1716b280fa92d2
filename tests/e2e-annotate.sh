#!/bin/sh
# e2e-annotate.sh MTLSDIAG - --annotate OUT.pcapng, read back by tshark.
# For pcap (both byte orders, micro- and nanosecond), pcapng (two
# interfaces; a frame that already has a comment) and NetMon samples:
# the frames tshark shows with a frame.comment, and their texts, are
# exactly those computed from mtlsdiag's own JSON report of the same
# capture (the CertificateRequests, renegotiation, client Certificates,
# alerts, HTTP refusals, the outcome's proof frames and the findings'
# frames; tests/lib/annotate_expect.py); and every frame's time,
# lengths, protocols, TCP stream, TLS record types and bytes are as
# tshark reads them in the input. Then what is refused: standard input,
# a pipe, several files, the input as its own output. KEEP=1 keeps the
# work files (their directory is not removed).
set -u
BIN=$1
. tests/lib/tally.sh
needs e2e-annotate "Debian: tshark, python3" tshark python3
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
EXPECT=tests/lib/annotate_expect.py
FIELDS="-e frame.number -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.protocols -e tcp.stream -e tls.record.content_type"

# check NAME INPUT [mtlsdiag options...]: annotate INPUT, then compare.
check() {
	name=$1
	in=$2
	shift 2
	out="$T/$name.pcapng"
	"$BIN" -q -F json "$@" --annotate "$out" "$in" >"$T/$name.json" 2>"$T/$name.err"
	rc=$?
	if [ $rc -gt 1 ] || [ ! -s "$out" ]; then
		bad "$name: exit $rc, $(cat "$T/$name.err")"
		return
	fi
	ok
	# The comments: the same (frame, text) pairs as the report's.
	python3 "$EXPECT" report "$T/$name.json" >"$T/$name.want" || bad "$name: the JSON report did not parse"
	tshark -r "$out" -Y frame.comment -T json -e frame.number -e frame.comment 2>/dev/null >"$T/$name.tshark.json"
	python3 "$EXPECT" tshark "$T/$name.tshark.json" >"$T/$name.got" || bad "$name: tshark's JSON did not parse"
	if [ -s "$T/$name.want" ] && cmp -s "$T/$name.want" "$T/$name.got"; then
		ok
	else
		bad "$name: frame comments differ from the report (< report, > tshark)"
		diff "$T/$name.want" "$T/$name.got" | head -10
	fi
	# Everything else as it was, frame by frame.
	extra=
	case "$in" in *.pcapng) extra="-e frame.interface_id -e frame.encap_type" ;; esac
	# shellcheck disable=SC2086
	tshark -r "$in" -T fields $FIELDS $extra >"$T/$name.in.fields" 2>/dev/null
	# shellcheck disable=SC2086
	tshark -r "$out" -T fields $FIELDS $extra >"$T/$name.out.fields" 2>/dev/null
	if [ -s "$T/$name.in.fields" ] && cmp -s "$T/$name.in.fields" "$T/$name.out.fields"; then
		ok
	else
		bad "$name: frame fields differ (< input, > annotated)"
		diff "$T/$name.in.fields" "$T/$name.out.fields" | head -6
	fi
	tshark -r "$in" -x >"$T/$name.in.hex" 2>/dev/null
	tshark -r "$out" -x >"$T/$name.out.hex" 2>/dev/null
	cmp -s "$T/$name.in.hex" "$T/$name.out.hex" && ok || bad "$name: frame bytes differ"
}

S=samples
check empty-cert $S/tls12-empty-client-cert.pcap
check unknown-ca $S/tls12-unknown-ca.pcap
check reneg-inferred $S/tls12-reneg-late-request-unknown-ca.pcap
check reneg-decrypted $S/tls12-reneg-late-request-unknown-ca.pcap --keylog $S/tls12-reneg-late-request-unknown-ca.keylog
check http-403 $S/tls12-http11-two-requests-403.pcap --keylog $S/tls12-http11-two-requests-403.keylog
check h2-reset $S/tls13-h2-http11-required.pcap --keylog $S/tls13-h2-http11-required.keylog
check tls13-empty $S/tls13-empty-client-cert.pcap --keylog $S/tls13-empty-client-cert.keylog
check two-interfaces $S/transport-two-interfaces.pcapng
check netmon-empty $S/tls12-empty-client-cert.netmon.cap
check netmon-ok $S/tls12-mutual-ok.netmon.cap
check sll $S/transport-sll.pcap
check ipv6 $S/transport-ipv6.pcap

# pcap in the other byte order, and with nanosecond times (if_tsresol=9
# in the copy: the nanoseconds must survive).
python3 "$EXPECT" swap-pcap $S/tls12-empty-client-cert.pcap "$T/big-endian.pcap" && ok || bad "swapping a pcap"
check big-endian "$T/big-endian.pcap"
if command -v editcap >/dev/null 2>&1; then
	editcap -F nsecpcap -t 0.000000123 $S/tls12-empty-client-cert.pcap "$T/nsec.pcap" 2>/dev/null
	check nsec "$T/nsec.pcap"
	grep -q '\.[0-9]*123	' "$T/nsec.out.fields" && ok || bad "nanoseconds lost: $(head -1 "$T/nsec.out.fields")"
	# A frame that already has a comment keeps it, ours after it.
	editcap -a '6:a comment already there' $S/tls12-empty-client-cert.pcap "$T/commented.pcapng" 2>/dev/null
	"$BIN" -q -F json --annotate "$T/commented.out.pcapng" "$T/commented.pcapng" >"$T/commented.json" 2>&1
	tshark -r "$T/commented.out.pcapng" -Y 'frame.number == 6' -T json -e frame.comment 2>/dev/null >"$T/c6.json"
	python3 - "$T/c6.json" <<'EOF' && ok || bad "frame 6's own comment is not kept first, ours after it"
import json, sys
c = json.load(open(sys.argv[1]))[0]["_source"]["layers"]["frame.comment"]
sys.exit(0 if c[0] == "a comment already there" and len(c) > 1 and all(x.startswith("mtlsdiag: ") for x in c[1:]) else 1)
EOF
else
	echo "SKIP nanosecond pcap and a commented pcapng: editcap is not installed (Debian: tshark)"
fi

# With --expect the expectations still decide, and the copy is written.
printf 'match file=tls12-empty-client-cert.pcap\n  finding CLIENT_CERT_EMPTY\n' >"$T/e.expect"
"$BIN" -q --expect "$T/e.expect" --annotate "$T/expect.pcapng" $S/tls12-empty-client-cert.pcap >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] && [ -s "$T/expect.pcapng" ] && ok || bad "--expect with --annotate: exit $rc, $(cat "$T/out")"

# The report still goes to standard output, the note to stderr.
"$BIN" --annotate "$T/r.pcapng" $S/tls12-empty-client-cert.pcap >"$T/out" 2>"$T/err"
grep -q 'CLIENT_CERT_EMPTY' "$T/out" && grep -q "^mtlsdiag: annotated $T/r.pcapng: [0-9]* comments on [0-9]* of 12 frames" "$T/err" &&
	ok || bad "report and note: $(cat "$T/err")"

# A capture cut inside its last frame: status 2, as for the report, and
# the copy holds the frames before the cut (as many as tshark reads from
# the input) with their comments.
for f in $S/tls12-empty-client-cert.pcap $S/transport-two-interfaces.pcapng; do
	cut="$T/cut.${f##*.}"
	head -c $(($(wc -c <"$f") - 30)) "$f" >"$cut"
	"$BIN" -q --annotate "$T/cut.out.pcapng" "$cut" >/dev/null 2>"$T/err"
	rc=$?
	want=$(tshark -r "$cut" -T fields -e frame.number 2>/dev/null | tail -1)
	got=$(tshark -r "$T/cut.out.pcapng" -T fields -e frame.number 2>/dev/null | tail -1)
	[ $rc = 2 ] && [ -n "$want" ] && [ "$got" = "$want" ] && grep -q "the copy ends after frame $want, where $cut is damaged" "$T/err" &&
		[ -n "$(tshark -r "$T/cut.out.pcapng" -Y frame.comment 2>/dev/null)" ] && ok ||
		bad "cut $f: exit $rc, frames $got of $want, $(cat "$T/err")"
done

# --- refused, with exit 2 and a reason, and nothing written
cat $S/tls12-empty-client-cert.pcap | "$BIN" --annotate "$T/x.pcapng" - >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'standard input can be read only once' "$T/err" && [ ! -e "$T/x.pcapng" ] && ok ||
	bad "stdin: $(cat "$T/err")"
mkfifo "$T/fifo"
"$BIN" --annotate "$T/x.pcapng" "$T/fifo" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'not a regular file' "$T/err" && [ ! -e "$T/x.pcapng" ] && ok || bad "FIFO: $(cat "$T/err")"
"$BIN" --annotate "$T/x.pcapng" $S/tls12-empty-client-cert.pcap $S/tls12-unknown-ca.pcap >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'exactly one capture FILE' "$T/err" && ok || bad "two files: $(cat "$T/err")"
cp $S/tls12-empty-client-cert.pcap "$T/same.pcap"
"$BIN" --annotate "$T/same.pcap" "$T/same.pcap" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'would overwrite the capture it reads' "$T/err" && cmp -s "$T/same.pcap" $S/tls12-empty-client-cert.pcap &&
	ok || bad "output = input: $(cat "$T/err")"
"$BIN" --annotate - $S/tls12-empty-client-cert.pcap >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'standard output carries the report' "$T/err" && ok || bad "--annotate - without -o"
# "-" with the report elsewhere: the copy on standard output.
"$BIN" -q -o "$T/report.txt" --annotate - $S/tls12-empty-client-cert.pcap >"$T/stdout.pcapng" 2>/dev/null
tshark -r "$T/stdout.pcapng" -Y frame.comment -T fields -e frame.number 2>/dev/null | grep -q '^7$' && ok ||
	bad "--annotate - -o FILE: no comment on frame 7"

tally_report "e2e-annotate"
