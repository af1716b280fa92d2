#!/bin/sh
# e2e-threads.sh MTLSDIAG - --threads 2 and 4 report byte for byte what
# --threads 1 reports (standard output, standard error, exit status; text
# and JSON, with key logs and without) over every sample, every shared
# capture, every regression input, and a capture made to test the order:
# 42 long connections open while 3000 short ones end (more than the
# report queue holds back, so some reports come out of stream order),
# then the long ones go on (after a pause longer than --idle-timeout 1, so
# idle flows are given up at ticks, and their late packets meet
# tombstones), ports reused. Nothing here is timed. Under TEST_WRAP
# (valgrind) every run is tens of times slower: there --threads 2 is
# compared with --threads 1 on a sweep of the samples, text and JSON, which
# still runs the workers, the hand-off and the merge under the checker.
# The sanitizer build compares --threads 2 alone, in text and JSON. A file
# is read by every worker itself; standard input, which cannot be read
# twice, is handed out as copies: that way is compared on the order
# capture (plain and sanitizer builds) and on four samples (valgrind).
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
GEN=$(dirname "$BIN")/mtlsgen
. tests/lib/tally.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
for n in 1 2 4; do
	printf '#!/bin/sh\nexec "%s" --threads %s "$@"\n' "$BIN" "$n" >"$tmp/t$n"
	chmod +x "$tmp/t$n"
done

# same_as_one WHAT N INPUT ARG...: --threads N against --threads 1 with
# ARG... and standard input from INPUT: output, errors and exit status
# (those of one thread left in $tmp/one).
same_as_one() {
	what=$1 n=$2 input=$3
	shift 3
	"$tmp/t1" "$@" <"$input" >"$tmp/one" 2>&1
	echo "exit $?" >>"$tmp/one"
	"$tmp/t$n" "$@" <"$input" >"$tmp/many" 2>&1
	echo "exit $?" >>"$tmp/many"
	cmp -s "$tmp/one" "$tmp/many" && return 0
	echo "FAIL: $what: --threads $n differs from --threads 1"
	diff "$tmp/one" "$tmp/many" | head -10
	fail=1
}

extra=""
if [ -n "${TEST_WRAP:-}" ]; then
	echo "SKIP the order capture and the full comparison under $TEST_WRAP (the plain and sanitizer builds run them)"
	runs=0
	for cap in $(sweep samples/*.pcap samples/*.pcapng); do
		[ -f "$cap" ] || continue
		for fmt in text json; do
			same_as_one "$cap -F $fmt" 2 /dev/null -F $fmt "$cap"
			runs=$((runs + 1))
		done
	done
	[ "$runs" -ge "$(at_least 40)" ] || { echo "FAIL: only $runs sample runs"; fail=1; }
	# Standard input cannot be read twice: there the reading thread hands
	# the workers copies of their segments.
	piped=0
	for cap in $(sweep samples/*.pcap); do
		[ "$piped" -lt 4 ] || break
		same_as_one "$cap on standard input" 2 "$cap" -
		piped=$((piped + 1))
	done
	[ "$piped" -eq 4 ] || { echo "FAIL: only $piped samples on standard input"; fail=1; }
	echo "threads 2 under $TEST_WRAP: $runs sample runs and $piped on standard input compared"
	[ "$fail" -eq 0 ] && echo "threads: passed"
	[ "$fail" -eq 0 ]
	exit
fi
if ! [ -x "$GEN" ]; then
	echo "SKIP the order capture: $GEN is not built"
elif ! command -v editcap >/dev/null 2>&1 || ! command -v mergecap >/dev/null 2>&1; then
	echo "SKIP the order capture: editcap and mergecap are not installed (Debian: tshark)"
else
	"$GEN" --bench bulk 20 "$tmp/bulk.pcap" >/dev/null 2>&1 &&
		"$GEN" --bench hs 3000 "$tmp/hs.pcap" >/dev/null 2>&1 &&
		editcap -r "$tmp/bulk.pcap" "$tmp/a.pcap" 1-10000 &&
		editcap -r "$tmp/bulk.pcap" "$tmp/b0.pcap" 10001-20510 &&
		editcap -t 1.3 "$tmp/b0.pcap" "$tmp/b.pcap" &&
		editcap -t 0.01 "$tmp/hs.pcap" "$tmp/h.pcap" &&
		mergecap -F pcap -w "$tmp/order.pcap" "$tmp/a.pcap" "$tmp/h.pcap" "$tmp/b.pcap" ||
		{ echo "FAIL: the order capture could not be made"; fail=1; }
	if [ -f "$tmp/order.pcap" ]; then
		extra=$tmp/order.pcap
		# It must test what it is for: reports out of stream order.
		"$BIN" --threads 1 --idle-timeout 1 "$extra" 2>/dev/null | sed -n 's/^== .* stream \([0-9]*\):.*/\1/p' >"$tmp/streams"
		late=$(awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }' "$tmp/streams")
		if [ "$late" -eq 0 ]; then
			echo "FAIL: the order capture has no report out of stream order"
			fail=1
		fi
		for n in 2 4; do
			for fmt in text json; do
				same_as_one "the order capture, -F $fmt --idle-timeout 1" $n /dev/null -F $fmt --idle-timeout 1 "$extra"
			done
			# Standard input cannot be read twice: there the reading
			# thread hands the workers copies of their segments (files
			# are read by every worker itself).
			same_as_one "the order capture on standard input" $n "$extra" --idle-timeout 1 -
		done
	fi
fi

# Every worker reads a file itself, but what the file's reader tells on
# standard error is told once: a NetMon file whose frame table points past
# its end (offset 24 of the header) is read by walking its records.
damaged=$tmp/damaged.netmon.cap
if cp samples/tls12-mutual-ok.netmon.cap "$damaged" &&
	printf '\377\377\377\177' | dd of="$damaged" bs=1 seek=24 conv=notrunc 2>/dev/null; then
	same_as_one "a damaged NetMon file" 2 /dev/null "$damaged"
	if ! grep -q "frame table .* is damaged" "$tmp/one"; then
		echo "FAIL: the damaged NetMon file is not reported as damaged"
		fail=1
	fi
else
	echo "FAIL: the damaged NetMon file could not be made"
	fail=1
fi

# Under memory pressure a worker's evicted connections wait, CA lists and
# all, to be written; meanwhile it must not forget the tombstones of what
# it evicted for room it cannot win back that way, or their late packets
# come back as connections of their own (78 TCP streams for 40).
ADVGEN=$(dirname "$BIN")/bench/advgen
if ! [ -x "$ADVGEN" ]; then
	echo "SKIP the memory-pressure check: $ADVGEN is not built"
elif "$ADVGEN" calist 40 16 "$tmp/calist.pcap" >/dev/null 2>&1; then
	for n in 1 2; do
		"$tmp/t$n" -F json --max-memory 32M "$tmp/calist.pcap" >/dev/null 2>"$tmp/err$n"
		echo "exit $?" >>"$tmp/err$n"
		sed -n 's/.*"tcp_streams":\([0-9]*\),"tls_connections_seen":\([0-9]*\).*/\1 \2/p' "$tmp/err$n" >"$tmp/streams$n"
	done
	if ! [ -s "$tmp/streams1" ] || ! cmp -s "$tmp/streams1" "$tmp/streams2"; then
		echo "FAIL: --max-memory 32M: TCP streams and TLS connections $(tr " " / <"$tmp/streams2") with --threads 2, $(tr " " / <"$tmp/streams1") with one"
		for n in 1 2; do
			echo "--threads $n, standard error and exit status:"
			tail -c 2000 "$tmp/err$n"
		done
		fail=1
	else
		echo "threads 2 under memory pressure: TCP streams/TLS connections $(tr " " / <"$tmp/streams2"), as with one thread"
	fi
else
	echo "FAIL: advgen could not make the CA-list capture"
	fail=1
fi

# Every sample, shared capture and regression input in every format, with
# and without keys: --threads 2 and 4 against one --threads 1 run. The
# sanitizer build (tens of times slower to start) compares --threads 2 in
# text and JSON: the other formats are written from the same merged
# reports, and 4 workers already met the order capture above.
also="$tmp/t4"
formats="text json json-pretty ecs"
case $BIN in
*/build-san/*) also="" formats="text json" ;;
esac
# shellcheck disable=SC2086 # extra is one path or nothing
if ! ALSO_NEW=$also FORMATS=$formats sh tools/same-output.sh "$tmp/t1" "$tmp/t2" $extra >"$tmp/same" 2>&1; then
	echo "FAIL: more threads differ from --threads 1:"
	head -40 "$tmp/same"
	fail=1
else
	echo "threads 2${also:+ and 4}: $(tail -1 "$tmp/same")"
fi
[ "$fail" -eq 0 ] && echo "threads: passed"
[ "$fail" -eq 0 ]
