#!/bin/sh
# bench/run.sh BUILD - what `make bench` runs (README.md, "Performance").
#
# Makes (or reuses, under BUILD/bench/) a handshake-heavy and a bulk-heavy
# capture with the sample generator, times mtlsdiag, a plain libpcap read
# (BUILD/bench/pcapread) and, when installed, tshark and ssldump over the
# same file, and prints MB/s, connections/s, peak RSS and the ratios. It
# checks mtlsdiag's results against what the generator wrote. It reports;
# it never fails on a number (only when something cannot run at all).
#
# Variables (environment, or on the make command line):
#   BENCH_HS_CONNS  connections in the handshake-heavy capture (40000)
#   BENCH_BULK_MB   megabytes of the bulk-heavy capture (1000)
#   BENCH_RUNS      runs per fast tool; the median time is shown (3)
#   BENCH_FLAT      1: also time captures a tenth the size, for the
#                   flat-memory check (1)
#   BENCH_BIG       1: also time captures ten times the size (0; 2.5 + 10 GB)
#   BENCH_PEERS     0: skip tshark and ssldump (1)
set -u

BUILD=${1:-build}
HS=${BENCH_HS_CONNS:-40000}
BULK=${BENCH_BULK_MB:-1000}
RUNS=${BENCH_RUNS:-3}
FLAT=${BENCH_FLAT:-1}
BIG=${BENCH_BIG:-0}
PEERS=${BENCH_PEERS:-1}
DIR=$BUILD/bench
MTLSDIAG=$BUILD/mtlsdiag
GEN=$BUILD/mtlsgen
PCAPREAD=$DIR/pcapread
TIME=/usr/bin/time

for x in "$MTLSDIAG" "$GEN" "$PCAPREAD"; do
	[ -x "$x" ] || { echo "bench: $x is missing (run through make bench)" >&2; exit 2; }
done
if ! [ -x "$TIME" ]; then
	echo "bench: $TIME (GNU time, Debian package 'time') is needed for peak RSS" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# capture MODE AMOUNT -> prints the path; generated once, then reused.
capture() {
	f=$DIR/$1-$2.pcap
	if ! [ -s "$f" ] || ! [ -s "$f.expect" ]; then
		"$GEN" --bench "$1" "$2" "$f" >&2 || { echo "bench: generator failed for $f" >&2; exit 2; }
	else
		echo "reusing $f ($(sed -n 's/^connections //p' "$f.expect") connections; delete it to regenerate)" >&2
	fi
	echo "$f"
}

# measure RUNS OUT CMD... -> "seconds maxrss_kib" (median time, largest RSS)
measure() {
	n=$1 out=$2
	shift 2
	: > "$tmp/m"
	i=0
	while [ "$i" -lt "$n" ]; do
		# Wall time from the clock in ns (GNU time's %e has 10 ms steps);
		# peak RSS and the exit status from GNU time.
		t0=$(date +%s%N)
		"$TIME" -f '%M %x' -o "$tmp/t" "$@" > "$out" 2> "$tmp/err" || :
		t1=$(date +%s%N)
		echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }') $(tail -n 1 "$tmp/t")" \
			>> "$tmp/m"
		i=$((i + 1))
	done
	sort -n "$tmp/m" | awk '{ t[NR] = $1; if ($2 > r) r = $2; x = $3 }
		END { printf "%s %s %s\n", t[int((NR + 1) / 2)], r, x }'
}

# One table row: NAME SECONDS RSS_KIB BYTES CONNS FLOOR_SECONDS TSHARK_SECONDS
row() {
	awk -v n="$1" -v s="$2" -v r="$3" -v b="$4" -v c="$5" -v fl="$6" -v ts="$7" 'BEGIN {
		if (s <= 0) s = 0.0001
		vs_floor = fl > 0 ? sprintf("%.0f%%", 100 * fl / s) : "-"
		vs_ts = ts > 0 ? sprintf("%.1fx", ts / s) : "-"
		printf "  %-26s %8.3f %9.1f %11.0f %9.2f %9.1f %9s %9s\n", n, s, b / 1e6 / s, c / s, 1e6 * s / c,
			r / 1024, vs_floor, vs_ts
	}'
}

RESULTS=$tmp/results

# bench_one LABEL FILE
bench_one() {
	label=$1 f=$2
	conns=$(sed -n 's/^connections //p' "$f.expect")
	bytes=$(wc -c < "$f")
	echo
	echo "== $label: $f, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), $conns connections"
	set -- $(measure "$RUNS" /dev/null "$PCAPREAD" "$f")
	floor_s=$1 floor_r=$2
	set -- $(measure "$RUNS" /dev/null "$MTLSDIAG" -q "$f")
	md_s=$1 md_r=$2 md_x=$3
	set -- $(measure "$RUNS" "$tmp/out.json" "$MTLSDIAG" -q -F json "$f")
	mj_s=$1 mj_r=$2
	ts_s=0 ts_r=0 ts_line="" sd_line=""
	if [ "$PEERS" = 1 ] && command -v tshark > /dev/null 2>&1; then
		set -- $(measure 1 "$tmp/tshark.tsv" tshark -n -r "$f" -o tcp.reassemble_out_of_order:TRUE \
			-Y 'tls.handshake || tls.alert_message' -T fields -e frame.number -e tcp.stream \
			-e tls.handshake.type -e tls.handshake.certificates_length -e tls.alert_message.desc)
		ts_s=$1 ts_r=$2
		ts_streams=$(awk -F'\t' '{ s[$2] = 1 } END { print length(s) }' "$tmp/tshark.tsv")
		ts_line=$(row "tshark (one pass, TLS)" "$ts_s" "$ts_r" "$bytes" "$conns" "$floor_s" "$ts_s")
	else
		ts_line="  tshark: $([ "$PEERS" = 1 ] && echo 'not installed' || echo 'skipped (BENCH_PEERS=0)')"
	fi
	if [ "$PEERS" = 1 ] && command -v ssldump > /dev/null 2>&1; then
		set -- $(measure 1 /dev/null ssldump -n -r "$f")
		sd_s=$1 sd_r=$2
		sd_line=$(row "ssldump -n" "$sd_s" "$sd_r" "$bytes" "$conns" "$floor_s" "$ts_s")
		echo "$label ssldump $sd_s" >> "$RESULTS"
	else
		sd_line="  ssldump: $([ "$PEERS" = 1 ] && echo 'not installed' || echo 'skipped (BENCH_PEERS=0)')"
	fi
	printf "  %-26s %8s %9s %11s %9s %9s %9s %9s\n" tool seconds MB/s conns/s "us/conn" "RSS MiB" \
		"vs read" "vs tshark"
	row "libpcap read (floor)" "$floor_s" "$floor_r" "$bytes" "$conns" "$floor_s" "$ts_s"
	row "mtlsdiag (text)" "$md_s" "$md_r" "$bytes" "$conns" "$floor_s" "$ts_s"
	row "mtlsdiag -F json" "$mj_s" "$mj_r" "$bytes" "$conns" "$floor_s" "$ts_s"
	echo "$ts_line"
	echo "$sd_line"
	[ "$md_x" = 0 ] || echo "  mtlsdiag exited with status $md_x"
	echo "$label mtlsdiag $md_s $md_r" >> "$RESULTS"
	echo "$label floor $floor_s" >> "$RESULTS"
	echo "$label tshark $ts_s" >> "$RESULTS"

	# With a key log: timed when this build can decrypt.
	if "$MTLSDIAG" --help 2>&1 | grep -q -- '--keylog'; then
		set -- $(measure "$RUNS" /dev/null "$MTLSDIAG" -q --keylog "$f.keylog" "$f")
		row "mtlsdiag --keylog" "$1" "$2" "$bytes" "$conns" "$floor_s" "$ts_s"
		awk -v a="$1" -v b="$md_s" 'BEGIN { if (b <= 0) b = 0.0001
			printf "  keylog: %.2fx the time without keys\n", a / b }'
	else
		echo "  keylog: not supported by this build"
	fi

	# Results, checked against what the generator put in the capture.
	jq -s -r '"\(length) \([.[] | select(.client_certificate.status == "present")] | length) " +
		"\([.[] | select(.client_certificate.status == "empty")] | length) " +
		"\([.[] | select(.version == "TLS 1.3")] | length) " +
		"\([.[].tcp.gaps] | add // 0) \([.[].tcp.resyncs] | add // 0) " +
		"\([.[].history[] | select(.what == "application_data" and .from == "client") | .bytes] | add // 0) " +
		"\([.[].history[] | select(.what == "application_data" and .from == "server") | .bytes] | add // 0)"' \
		"$tmp/out.json" > "$tmp/got" 2> /dev/null || echo "? ? ? ? ? ? ? ?" > "$tmp/got"
	set -- $(cat "$tmp/got")
	check() { # NAME GOT WANT
		if [ "$2" = "$3" ]; then printf '  %-28s %s  ok\n' "$1" "$2"; else
			printf '  %-28s %s, generator: %s  MISMATCH\n' "$1" "$2" "$3"; fi
	}
	want() { sed -n "s/^$1 //p" "$f.expect"; }
	echo "  results (mtlsdiag -F json vs the generator's $f.expect):"
	check "connections" "$1" "$(want connections)"
	[ -n "${ts_streams:-}" ] && printf '  %-28s %s\n' "tshark TLS streams" "$ts_streams"
	ts_streams=
	check "client certificate present" "$2" "$(want client_cert_present)"
	check "client certificate empty" "$3" "$(want client_cert_empty)"
	check "TLS 1.3" "$4" "$(want tls13)"
	check "TCP gaps / resyncs" "$5/$6" "0/0"
	check "client app-data bytes" "$7" "$(want client_app_bytes)"
	check "server app-data bytes" "$8" "$(want server_app_bytes)"
}

make_tenth() {
	awk -v n="$1" 'BEGIN { n = int(n / 10); print n < 1 ? 1 : n }'
}

command -v jq > /dev/null 2>&1 || { echo "bench: jq is needed to check the results" >&2; exit 2; }
mkdir -p "$DIR"
echo "mtlsdiag bench on $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "runs per fast tool: $RUNS (median time, largest peak RSS); tshark and ssldump run once"
hs=$(capture hs "$HS") || exit 2
bulk=$(capture bulk "$BULK") || exit 2
bench_one handshake-heavy "$hs"
bench_one bulk-heavy "$bulk"
if [ "$FLAT" = 1 ] || [ "$BIG" = 1 ]; then
	save_peers=$PEERS
	PEERS=0
	if [ "$FLAT" = 1 ]; then
		bench_one hs-tenth "$(capture hs "$(make_tenth "$HS")")"
		bench_one bulk-tenth "$(capture bulk "$(make_tenth "$BULK")")"
	fi
	if [ "$BIG" = 1 ]; then
		bench_one hs-10x "$(capture hs $((HS * 10)))"
		bench_one bulk-10x "$(capture bulk $((BULK * 10)))"
	fi
	PEERS=$save_peers
fi

# The targets of issue #8, as ratios from this run.
echo
echo "== targets"
awk '
	{ v[$1 " " $2] = $3; if ($2 == "mtlsdiag") r[$1] = $4 }
	function verdict(ok) { return ok ? "met" : "NOT met" }
	END {
		h = "handshake-heavy"; b = "bulk-heavy"
		if (v[h " tshark"] > 0)
			printf "  handshake-heavy vs tshark: %.1fx (target >= 40x): %s\n", v[h " tshark"] / v[h " mtlsdiag"],
				verdict(v[h " tshark"] / v[h " mtlsdiag"] >= 40)
		else
			print "  handshake-heavy vs tshark: tshark not run"
		if ((h " ssldump") in v)
			printf "  handshake-heavy vs ssldump: %.2fx (target > 1x): %s\n", v[h " ssldump"] / v[h " mtlsdiag"],
				verdict(v[h " ssldump"] > v[h " mtlsdiag"])
		else
			print "  handshake-heavy vs ssldump: ssldump not run"
		printf "  bulk-heavy vs a plain libpcap read: %.0f%% of its throughput (target >= 50%%): %s\n",
			100 * v[b " floor"] / v[b " mtlsdiag"], verdict(v[b " floor"] / v[b " mtlsdiag"] >= 0.5)
		for (k in r) printf "  peak RSS %-16s %6.1f MiB (target < 64 MiB): %s\n", k, r[k] / 1024,
			verdict(r[k] < 65536)
		split("hs-tenth handshake-heavy hs-10x bulk-tenth bulk-heavy bulk-10x", order, " ")
		for (i = 1; i <= 6; i += 3) {
			line = ""
			for (j = i; j < i + 3; j++)
				if (order[j] in r) line = line sprintf("  %s %.1f MiB", order[j], r[order[j]] / 1024)
			if (line != "") printf "  flat memory (1/10, 1x, 10x of the capture):%s\n", line
		}
	}' "$RESULTS"
echo "(ratios are from this run on this machine; the bench reports, it never fails on a number)"
exit 0
