#!/bin/sh
# e2e-report-writes.sh MTLSDIAG - how the report reaches its descriptor.
# Reading capture files, it is written some 32 KiB at a time (one system
# call per connection cost a third of a run of many short connections),
# each write ending where a connection's report ends; from a capture
# streamed in (standard input, a FIFO) each connection's report is written
# as it is decided, for whoever reads it as it comes. Counted with strace,
# so nothing here depends on timing; the bytes are the same either way.
set -u
BIN=$1
BUILD=$(dirname "$BIN")
. tests/lib/scratch.sh
trap 'exit 1' INT TERM HUP
. tests/lib/tally.sh
needs e2e-report-writes "Debian package strace" strace
if [ ! -x "$BUILD/mtlsgen" ]; then
	echo "SKIP e2e-report-writes: $BUILD/mtlsgen not built (make $BUILD/mtlsgen)"
	exit 0
fi
CONNS=300
"$BUILD/mtlsgen" --bench hs $CONNS "$tmp/hs.pcap" >/dev/null 2>&1 || {
	bad "mtlsgen --bench hs $CONNS failed"
	tally_report e2e-report-writes
	exit
}

# strace -y names the file behind each descriptor, so the writes counted
# are those of the report, whatever else writes (a wrapper's own files).
real=$(readlink -f "$tmp")
# writes_to FILE LOG: the write calls to FILE (in $tmp) in an strace -f -y
# log; writes FILE LOG: how many.
writes_to() {
	grep "^[0-9]* *write([0-9]*<$real/$1>, " "$2"
}
writes() {
	writes_to "$@" | grep -c '^'
}

for fmt in text json; do
	# From a file: the reference bytes, few writes, each ending a line
	# (-s: each write shown whole, its last byte too).
	strace -f -y -qq -s 100000 -e trace=write -o "$tmp/$fmt.trace" "$BIN" -F $fmt "$tmp/hs.pcap" \
		>"$tmp/$fmt.out" 2>/dev/null
	n=$(grep -c '^' "$tmp/$fmt.out")
	[ "$n" -ge $CONNS ] && ok || bad "$fmt: $n lines of report for $CONNS connections"
	w=$(writes $fmt.out "$tmp/$fmt.trace")
	[ "$w" -ge 1 ] && [ "$w" -le $((CONNS / 4)) ] && ok ||
		bad "$fmt from a file: $w writes of the report for $CONNS connections (blocks expected)"
	whole=$(writes_to $fmt.out "$tmp/$fmt.trace" | grep -c '\\n", [0-9]*) = [0-9]*$')
	[ "$whole" = "$w" ] && ok || bad "$fmt from a file: $((w - whole)) of $w writes end inside a line"

	# To -o FILE alike.
	strace -f -y -qq -e trace=write -o "$tmp/$fmt-o.trace" "$BIN" -F $fmt -o "$tmp/$fmt-o.out" "$tmp/hs.pcap" 2>/dev/null
	cmp -s "$tmp/$fmt-o.out" "$tmp/$fmt.out" && ok || bad "$fmt -o: the report differs from standard output's"
	w=$(writes $fmt-o.out "$tmp/$fmt-o.trace")
	[ "$w" -le $((CONNS / 4)) ] && ok || bad "$fmt -o FILE: $w writes for $CONNS connections (blocks expected)"

	# Streamed in on standard input: a write per connection at least,
	# the same bytes but for the file's name.
	strace -f -y -qq -e trace=write -o "$tmp/$fmt-in.trace" "$BIN" -F $fmt - <"$tmp/hs.pcap" >"$tmp/$fmt-in.out" 2>/dev/null
	if [ $fmt = json ]; then
		sed 's/"file":"[^"]*"//' "$tmp/$fmt.out" >"$tmp/a"
		sed 's/"file":"[^"]*"//' "$tmp/$fmt-in.out" >"$tmp/b"
	else
		grep -v "$tmp/hs.pcap\|(stdin)" "$tmp/$fmt.out" >"$tmp/a"
		grep -v "$tmp/hs.pcap\|(stdin)" "$tmp/$fmt-in.out" >"$tmp/b"
	fi
	cmp -s "$tmp/a" "$tmp/b" && ok || bad "$fmt from standard input: the report differs from the file's"
	w=$(writes $fmt-in.out "$tmp/$fmt-in.trace")
	[ "$w" -ge $CONNS ] && ok || bad "$fmt from standard input: $w writes for $CONNS connections (one each expected)"
done

# A FIFO is streamed too.
mkfifo "$tmp/fifo"
cat "$tmp/hs.pcap" >"$tmp/fifo" &
strace -f -y -qq -e trace=write -o "$tmp/fifo.trace" "$BIN" -F json "$tmp/fifo" >"$tmp/fifo.out" 2>/dev/null
wait
w=$(writes fifo.out "$tmp/fifo.trace")
[ "$w" -ge $CONNS ] && ok || bad "json from a FIFO: $w writes for $CONNS connections (one each expected)"

tally_report e2e-report-writes
