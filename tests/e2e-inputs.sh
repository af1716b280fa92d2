#!/bin/sh
# e2e-inputs.sh MTLSDIAG - how the command line treats its inputs: bad
# files get one message naming the file (and frame) and the right exit
# status, and what was read before a problem is still reported.
set -u
BIN=$1
. tests/lib/tally.sh
S=samples/tls12-mutual-ok.pcap
S2=samples/tls12-empty-client-cert.pcap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# expect NAME STATUS PATTERN-IN-STDERR -- command...
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name: exit status $rc, expected $want; stderr: $(cat "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		bad "$name: stderr lacks '$pat': $(cat "$tmp/err")"
	else
		ok
	fi
}
count_conns() { grep -c '"stream"' "$1"; }

expect "not a capture" 2 "README.md: not a capture file" -- "$BIN" README.md
expect "missing file" 2 "no-such.pcap: No such file" -- "$BIN" "$tmp/no-such.pcap"
[ -s "$tmp/out" ] && bad "missing file: a report was printed for nothing read: $(cat "$tmp/out")"
expect "directory" 2 "is a directory" -- "$BIN" samples
expect "no file" 2 "no capture file given" -- "$BIN"
expect "bad option value" 2 "--format" -- "$BIN" --format xml "$S"
expect "help" 0 "" -- "$BIN" --help
grep -q -- "--max-handshake" "$tmp/out" || bad "help lacks --max-handshake"

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
