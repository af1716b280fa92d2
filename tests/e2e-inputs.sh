#!/bin/sh
# e2e-inputs.sh MTLSDIAG - how the command line treats its inputs: bad
# files get one message naming the file (and frame) and the right exit
# status, and what was read before a problem is still reported.
set -u
BIN=$1
. tests/lib/tally.sh
S=samples/tls12-mutual-ok.pcap
S2=samples/tls12-empty-client-cert.pcap
. tests/lib/scratch.sh
. tests/lib/expect.sh
count_conns() { grep -c '"stream"' "$1"; }

expect "not a capture" 2 "README.md: not a capture file" -- "$BIN" README.md
expect "missing file" 2 "no-such.pcap: No such file" -- "$BIN" "$tmp/no-such.pcap"
[ -s "$tmp/out" ] && bad "missing file: a report was printed for nothing read: $(cat "$tmp/out")"
expect "directory" 2 "is a directory" -- "$BIN" samples
expect "no file" 2 "no capture file given" -- "$BIN"
expect "bad option value" 2 "--format" -- "$BIN" --format xml "$S"
expect "help" 0 "" -- "$BIN" --help
grep -q -- "--max-handshake" "$tmp/out" || bad "help lacks --max-handshake"

# Option values out of their range: each refused before anything is read,
# the message naming the option and what it takes.
expect "format list" 2 "^mtlsdiag: --format: 'xml' is not text, json, json-pretty, ecs or html$" -- "$BIN" -F xml "$S"
expect "fail-on value" 2 "^mtlsdiag: --fail-on: 'fatal' is not error or warning$" -- "$BIN" --fail-on fatal "$S"
expect "color value" 2 "^mtlsdiag: --color: 'blue' is not auto, always or never$" -- "$BIN" --color=blue "$S"
expect "size minimum" 2 "^mtlsdiag: --reasm-cap: '1000' is not a number >= 1024$" -- "$BIN" --reasm-cap 1000 "$S"
expect "size overflow" 2 "^mtlsdiag: --max-memory: '17179869184G' is not a number >= 1048576$" -- \
	"$BIN" --max-memory 17179869184G "$S"
expect "chain maximum" 2 "^mtlsdiag: --max-chain: at most 16 certificates are kept$" -- "$BIN" --max-chain 17 "$S"
expect "seed range" 2 "^mtlsdiag: --community-id-seed: '65536' is not a number from 0 to 65535$" -- \
	"$BIN" --community-id-seed 65536 "$S"
expect "server kind" 2 "^mtlsdiag: --server: 'iiis' is not one of: iis nginx" -- "$BIN" --server iiis "$S"
expect "first bad option" 2 "^mtlsdiag: --max-flows: '0'" -- "$BIN" --max-flows 0 --bogus "$S"
expect "ambiguous option" 2 "'--co' is ambiguous; possibilities: '--color' '--count' '--community-id-seed'" -- \
	"$BIN" --co 1 "$S"
expect "unknown option" 2 "^Usage: mtlsdiag" -- "$BIN" --bogus "$S"
expect "list-findings with a later -F" 0 "" -- "$BIN" --list-findings -F json
[ "$(head -c 1 "$tmp/out")" = "{" ] && ok || bad "--list-findings -F json: not JSON: $(head -c 80 "$tmp/out")"

# A good file, from a path and from standard input: the same report.
expect "sample" 0 "" -- "$BIN" -F json "$S"
sed 's/"file":"[^"]*"//' "$tmp/out" >"$tmp/from-file"
"$BIN" -F json - <"$S" >"$tmp/stdin.json" 2>"$tmp/err" || bad "stdin: exit status $?"
sed 's/"file":"[^"]*"//' "$tmp/stdin.json" >"$tmp/from-stdin"
if cmp -s "$tmp/from-file" "$tmp/from-stdin" && grep -q '"file":"(stdin)"' "$tmp/stdin.json"; then ok; else bad "stdin report differs from the file's"; fi

# Several files in one run: each reported under its own name.
expect "two files" 0 "" -- "$BIN" -F json "$S" "$S2"
if [ "$(count_conns "$tmp/out")" = 2 ] && grep -q "\"file\":\"$S2\"" "$tmp/out"; then ok; else bad "two files: expected one connection from each"; fi

# Truncated in the middle of a packet: message with the frame, and the
# connection read so far is still reported.
size=$(wc -c <"$S")
head -c $((size - 40)) "$S" >"$tmp/cut.pcap"
expect "truncated" 2 "cut.pcap: frame [0-9]*: .*truncated" -- "$BIN" -F json "$tmp/cut.pcap"
if [ "$(count_conns "$tmp/out")" = 1 ] && grep -q '"cert_requests":\[{"frame":6' "$tmp/out"; then ok; else bad "truncated: the connection before the cut is not reported"; fi

# A packet header claiming an absurd length (the second packet).
cp "$S" "$tmp/huge.pcap"
len1=$(od -An -tu4 -j32 -N4 "$S" | tr -d ' ')
printf '\000\000\100\000' | dd of="$tmp/huge.pcap" bs=1 seek=$((24 + 16 + len1 + 8)) conv=notrunc 2>/dev/null
expect "damaged header" 2 "huge.pcap: frame 2:" -- "$BIN" -F json "$tmp/huge.pcap"

# A link type we do not decode (USER0 = 147).
cp "$S" "$tmp/user0.pcap"
printf '\223\000\000\000' | dd of="$tmp/user0.pcap" bs=1 seek=20 conv=notrunc 2>/dev/null
expect "unknown link type" 2 "user0.pcap: frame 1: link type 147" -- "$BIN" "$tmp/user0.pcap"

# A capture without TLS (here: without packets).
head -c 24 "$S" >"$tmp/empty.pcap"
expect "no TLS" 3 "empty.pcap: no TLS connection found" -- "$BIN" "$tmp/empty.pcap"

# Output to a file.
expect "output file" 0 "" -- "$BIN" -F json -o "$tmp/report.json" "$S"
[ "$(count_conns "$tmp/report.json")" = 1 ] && ok || bad "-o: report not written"

# Inputs that are not plain files are read once, as a stream: a FIFO,
# process substitution (a pipe under /dev/fd), standard input from a pipe,
# /dev/fd/N; in every format the report is the file's (NetMon through a
# temporary copy). A single-interface pcapng (editcap) is read by libpcap from
# a file and by our reader from a pipe: the same report too.
NG=samples/transport-two-interfaces.pcapng
NM=samples/tls12-mutual-ok.netmon.cap
formats="$S $NG $NM"
if command -v editcap >/dev/null 2>&1; then
	editcap -F pcapng "$S" "$tmp/single.pcapng" >/dev/null && formats="$formats $tmp/single.pcapng"
fi
GUARD=
command -v timeout >/dev/null 2>&1 && GUARD="timeout 120" # a hang fails instead of blocking the suite
same_report() { # name capture stream-report
	sed 's/"file":"[^"]*"//' "$3" >"$tmp/got"
	"$BIN" -q -F json "$2" | sed 's/"file":"[^"]*"//' >"$tmp/want"
	[ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got" && ok || bad "$1 $2: report differs from the file's"
}
for f in $formats; do
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	cat "$f" >"$tmp/fifo" &
	writer=$!
	$GUARD "$BIN" -q -F json "$tmp/fifo" >"$tmp/fifo.json" 2>"$tmp/err"
	rc=$?
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	[ $rc = 0 ] && ok || bad "FIFO $f: exit $rc: $(cat "$tmp/err")"
	same_report FIFO "$f" "$tmp/fifo.json"
	cat "$f" | $GUARD "$BIN" -q -F json - >"$tmp/pipe.json" 2>"$tmp/err"
	same_report "stdin pipe" "$f" "$tmp/pipe.json"
	$GUARD "$BIN" -q -F json /dev/fd/3 3<"$f" >"$tmp/fd.json" 2>"$tmp/err"
	same_report /dev/fd/3 "$f" "$tmp/fd.json"
	if command -v bash >/dev/null 2>&1; then
		$GUARD bash -c '"$1" -q -F json <(cat "$2")' sh "$BIN" "$f" >"$tmp/subst.json" 2>"$tmp/err"
		same_report "<(cat ...)" "$f" "$tmp/subst.json"
	fi
done
[ -z "$(command -v bash)" ] && echo "SKIP process substitution: no bash"
# NetMon from a pipe needs a temporary copy; where none can be made, say so.
# (valgrind writes its own files to $TMPDIR, so there the case cannot be made.)
if [ -n "${TEST_WRAP:-}" ]; then
	echo "SKIP NetMon from a pipe without a temporary directory: the wrapper ($TEST_WRAP) needs TMPDIR itself"
else
	cat "$NM" | TMPDIR="$tmp/no-such-dir" "$BIN" -q - >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && grep -q "mtlsdiag: -: a NetMon capture from a pipe is first copied to a file, and $tmp/no-such-dir: No such file" "$tmp/err" && ok ||
		bad "NetMon from a pipe without a temporary directory: exit $rc: $(cat "$tmp/err")"
fi

# A pcapng damaged in the middle: a block turned into a section header whose
# length runs past the end of the file. Our reader (which reads this file,
# its interfaces mixing link types) stops there naming the frame, the byte and
# the reason; the connection before it is still reported; exit 2.
if command -v python3 >/dev/null 2>&1; then
	# prints: packets before the damage, and its byte offset
	set -- $(python3 - "$NG" "$tmp/shb.pcapng" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off = packets = 0
while off < len(d):
    btype, blen = struct.unpack_from('<II', d, off)
    if btype == 6:
        if packets == 7:
            break
        packets += 1
    off += blen
struct.pack_into('<III', d, off, 0x0A0D0D0A, 1 << 20, 0x1A2B3C4D)
open(sys.argv[2], 'wb').write(d)
print(packets, off)
PY
)
	before=$1 at=$2
	ch=$("$BIN" -q -F json "$NG" | head -1 | sed -n 's/.*"client_hello":{"frame":\([0-9]*\).*/\1/p')
	for how in file pipe; do
		if [ $how = file ]; then
			"$BIN" -q -F json "$tmp/shb.pcapng" >"$tmp/out" 2>"$tmp/err"
		else
			cat "$tmp/shb.pcapng" | "$BIN" -q -F json - >"$tmp/out" 2>"$tmp/err"
		fi
		rc=$?
		[ $rc = 2 ] && grep -q "frame $((before + 1)): section header block at byte $at: its length (1048576 bytes) runs past the end of the file" "$tmp/err" && ok ||
			bad "damaged pcapng ($how): exit $rc, stderr: $(cat "$tmp/err")"
		[ "$(count_conns "$tmp/out")" = 1 ] && grep -q "\"first_frame\":1,\"last_frame\":$before,.*\"client_hello\":{\"frame\":$ch," "$tmp/out" && ok ||
			bad "damaged pcapng ($how): the connection up to frame $before (ClientHello $ch) is not reported"
	done
else
	echo "SKIP damaged pcapng: no python3"
fi

# A report that cannot be written (a full disk): a message and exit 2, never
# exit 0 with nothing written; in every format, to -o, and for compare.
if [ -w /dev/full ]; then
	for fmt in text json; do
		"$BIN" -F $fmt "$S" >/dev/full 2>"$tmp/err"
		rc=$?
		[ $rc = 2 ] && grep -qx 'mtlsdiag: writing the report: No space left on device' "$tmp/err" && ok ||
			bad "report ($fmt) to /dev/full: exit $rc, stderr: $(cat "$tmp/err")"
	done
	expect "-o /dev/full" 2 "writing the report: No space left on device" -- "$BIN" -q -F json -o /dev/full "$S"
	"$BIN" compare "$S" "$S" >/dev/full 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && grep -q 'writing the report: No space left on device' "$tmp/err" && ok ||
		bad "compare to /dev/full: exit $rc, stderr: $(cat "$tmp/err")"
else
	echo "SKIP report to a full disk: /dev/full not writable"
fi

tally_report inputs
