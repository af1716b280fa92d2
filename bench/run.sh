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
#   BENCH_INSTR     0: skip the instruction counts per connection
#                   (callgrind; 1 when valgrind is installed)
#   BENCH_LIVE_*    the live-capture sweep (bench/live.sh)
set -u

BUILD=${1:-build}
HS=${BENCH_HS_CONNS:-40000}
BULK=${BENCH_BULK_MB:-1000}
RUNS=${BENCH_RUNS:-3}
FLAT=${BENCH_FLAT:-1}
BIG=${BENCH_BIG:-0}
PEERS=${BENCH_PEERS:-1}
INSTR=${BENCH_INSTR:-1}
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

# strace counts system calls (not timed: it slows what it traces). It is a
# Debian package; as root the bench installs it when it is missing.
if ! command -v strace > /dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
	echo "bench: installing strace (Debian package) to count system calls" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace > /dev/null 2>&1 || :
fi

# syscalls FILE CMD... -> "reads total": per MB of FILE, the read calls
# on FILE itself and the system calls of any kind, traced by strace -f -y
# (a run of its own: tracing slows what it traces); "- -" without strace.
syscalls() {
	file=$(readlink -f "$1")
	b=$(wc -c < "$1")
	shift
	if ! command -v strace > /dev/null 2>&1; then
		echo "- -"
		return
	fi
	strace -f -y -o "$tmp/strace" "$@" > /dev/null 2>&1 || :
	awk -v b="$b" -v file="<$file>" '
		/^[0-9]+ +[a-z_0-9]+\(/ { t++ }
		/^[0-9]+ +(read|pread64|readv|preadv|preadv2)\([0-9]+</ && index($0, file) { r++ }
		END { mb = b / 1e6; if (mb <= 0) mb = 1; printf "%.1f %.1f\n", r / mb, t / mb }' "$tmp/strace"
}

# capture MODE AMOUNT -> prints the path; generated once, then reused.
capture() {
	f=$DIR/$1-$2.pcap
	if ! [ -s "$f" ] || ! [ -s "$f.expect" ]; then
		"$GEN" --bench "$1" "$2" "$f" >&2 || { echo "bench: generator failed for $f" >&2; exit 2; }
	else
		echo "reusing $f ($(sed -n 's/^connections //p' "$f.expect") connections, replays of" \
			"$(sed -n 's/^real_exchanges //p' "$f.expect") real OpenSSL exchanges; delete it to regenerate)" >&2
	fi
	echo "$f"
}

# time_once LOG OUT CMD...: one run of CMD, output to OUT, its "wall
# rss_kib exit user system" appended to LOG. Wall time from the clock in
# ns (GNU time's %e has 10 ms steps); peak RSS, exit status and CPU time
# from GNU time.
time_once() {
	log=$1 out=$2
	shift 2
	t0=$(date +%s%N)
	"$TIME" -f '%M %x %U %S' -o "$tmp/t" "$@" > "$out" 2> "$tmp/err" || :
	t1=$(date +%s%N)
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }') $(tail -n 1 "$tmp/t")" >> "$log"
}

# summary LOG -> "wall rss_kib exit cpu": median wall time, largest peak
# RSS, last exit status, median CPU time (user + system).
summary() {
	cpu=$(awk '{ print $4 + $5 }' "$1" | sort -n | awk '{ c[NR] = $1 } END { print c[int((NR + 1) / 2)] }')
	sort -n "$1" | awk -v cpu="$cpu" '{ t[NR] = $1; if ($2 > r) r = $2; x = $3 }
		END { printf "%s %s %s %s\n", t[int((NR + 1) / 2)], r, x, cpu }'
}

# measure RUNS OUT CMD... -> summary of RUNS runs.
measure() {
	n=$1 out=$2
	shift 2
	: > "$tmp/m"
	i=0
	while [ "$i" -lt "$n" ]; do
		time_once "$tmp/m" "$out" "$@"
		i=$((i + 1))
	done
	summary "$tmp/m"
}

# One table row: NAME WALL RSS_KIB CPU; uses bytes, conns, floor_*, ts_*.
# Ratios on wall time and, steadier on a shared machine, on CPU time.
row() {
	awk -v n="$1" -v s="$2" -v r="$3" -v cpu="$4" -v b="$bytes" -v c="$conns" -v fl="$floor_s" \
		-v ts="$ts_s" -v tsc="$ts_cpu" 'BEGIN {
		if (s <= 0) s = 0.0001
		if (cpu <= 0) cpu = 0.01   # GNU time reports CPU in 10 ms steps
		vs_floor = fl > 0 ? sprintf("%.0f%%", 100 * fl / s) : "-"
		vs_ts = ts > 0 ? sprintf("%.1fx", ts / s) : "-"
		vs_tsc = tsc > 0 ? sprintf("%.1fx", tsc / cpu) : "-"
		printf "  %-24s %7.3f %6.2f %8.1f %9.0f %8.2f %7.1f %7s %8s %8s\n", n, s, cpu, b / 1e6 / s, c / s,
			1e6 * s / c, r / 1024, vs_floor, vs_ts, vs_tsc
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
	floor_s=0 ts_s=0 ts_cpu=0
	# The runs whose ratios are targets take turns, so that a machine
	# whose load drifts from one minute to the next weighs on each alike:
	# the plain read, the text report, JSON (both to /dev/null; the
	# results are checked on one more run's output), as many threads as
	# cores, and the key log when this build can decrypt.
	keylog=0
	"$MTLSDIAG" --help 2>&1 | grep -q -- '--keylog' && keylog=1
	for k in floor text json threads keylog; do : > "$tmp/rot.$k"; done
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		time_once "$tmp/rot.floor" /dev/null "$PCAPREAD" "$f"
		time_once "$tmp/rot.text" /dev/null "$MTLSDIAG" -q "$f"
		time_once "$tmp/rot.json" /dev/null "$MTLSDIAG" -q -F json "$f"
		time_once "$tmp/rot.threads" /dev/null "$MTLSDIAG" -q --threads "$(nproc)" "$f"
		[ "$keylog" = 0 ] || time_once "$tmp/rot.keylog" /dev/null "$MTLSDIAG" -q --keylog "$f.keylog" "$f"
		i=$((i + 1))
	done
	set -- $(summary "$tmp/rot.floor")
	floor_s=$1 floor_r=$2 floor_c=$4
	set -- $(summary "$tmp/rot.text")
	md_s=$1 md_r=$2 md_x=$3 md_c=$4
	set -- $(summary "$tmp/rot.json")
	mj_s=$1 mj_r=$2 mj_c=$4
	"$MTLSDIAG" -q -F json "$f" > "$tmp/out.json" 2> /dev/null || :
	set -- $(summary "$tmp/rot.threads")
	mn_s=$1 mn_r=$2 mn_c=$4
	ts_r=0 ts_line="" sd_line=""
	if [ "$PEERS" = 1 ] && command -v tshark > /dev/null 2>&1; then
		set -- $(measure 1 "$tmp/tshark.tsv" tshark -n -r "$f" -o tcp.reassemble_out_of_order:TRUE \
			-Y 'tls.handshake || tls.alert_message' -T fields -e frame.number -e tcp.stream \
			-e tls.handshake.type -e tls.handshake.certificates_length -e tls.alert_message.desc)
		ts_s=$1 ts_r=$2 ts_cpu=$4
		ts_streams=$(awk -F'\t' '{ s[$2] = 1 } END { print length(s) }' "$tmp/tshark.tsv")
		ts_line=$(row "tshark (one pass, TLS)" "$ts_s" "$ts_r" "$ts_cpu")
	else
		ts_line="  tshark: $([ "$PEERS" = 1 ] && echo 'not installed' || echo 'skipped (BENCH_PEERS=0)')"
	fi
	if [ "$PEERS" = 1 ] && command -v ssldump > /dev/null 2>&1; then
		set -- $(measure 1 /dev/null ssldump -n -r "$f")
		sd_line=$(row "ssldump -n" "$1" "$2" "$4")
		echo "$label ssldump $1 $2 $4" >> "$RESULTS"
	else
		sd_line="  ssldump: $([ "$PEERS" = 1 ] && echo 'not installed' || echo 'skipped (BENCH_PEERS=0)')"
	fi
	printf "  %-24s %7s %6s %8s %9s %8s %7s %7s %8s %8s\n" tool wall-s cpu-s MB/s conns/s us/conn \
		RSS-MiB vs-read vs-tshark "(cpu)"
	row "libpcap read (floor)" "$floor_s" "$floor_r" "$floor_c"
	row "mtlsdiag (text)" "$md_s" "$md_r" "$md_c"
	row "mtlsdiag -F json" "$mj_s" "$mj_r" "$mj_c"
	awk -v a="$mj_s" -v b="$md_s" -v ac="$mj_c" -v bc="$md_c" 'BEGIN { if (b <= 0) b = 0.0001
		if (bc <= 0) bc = 0.01
		printf "  -F json: %.2fx the wall time, %.2fx the CPU time of the text report\n", a / b, ac / bc }'
	echo "$label json $mj_s $mj_r $mj_c" >> "$RESULTS"
	row "mtlsdiag --threads $(nproc)" "$mn_s" "$mn_r" "$mn_c"
	awk -v a="$md_s" -v b="$mn_s" -v ac="$md_c" -v bc="$mn_c" -v n="$(nproc)" 'BEGIN { if (b <= 0) b = 0.0001
		if (ac <= 0) ac = 0.01
		printf "  threads: --threads %d is %.2fx faster than one thread in wall time, at %.2fx the CPU time\n", n, a / b, bc / ac }'
	echo "$label threadsN $mn_s $mn_r $mn_c" >> "$RESULTS"
	# The ceiling any split of the work could reach here: as many whole
	# single-thread runs at once as cores, each over the whole capture.
	# Cores that share caches, memory bandwidth or a busy host give less
	# than one run's throughput each; --threads cannot beat that.
	set -- $(measure "$RUNS" /dev/null sh -c 'n=$1; shift; i=0
		while [ "$i" -lt "$n" ]; do "$@" > /dev/null 2>&1 & i=$((i + 1)); done; wait' sh "$(nproc)" \
		"$MTLSDIAG" -q "$f")
	awk -v a="$md_s" -v b="$1" -v n="$(nproc)" 'BEGIN { if (b <= 0) b = 0.0001
		printf "  parallel ceiling: %d single-thread runs at once take %.3f s, one alone %.3f s: %.2fx the throughput of one\n",
			n, b, a, n * a / b }'
	echo "$label ceiling $1 $2 $4 $(nproc)" >> "$RESULTS"
	echo "$ts_line"
	echo "$sd_line"
	[ "$md_x" = 0 ] || echo "  mtlsdiag exited with status $md_x"
	# System calls per MB: a read buffer that stops working shows here.
	set -- $(syscalls "$f" "$PCAPREAD" "$f")
	fl_rd=$1 fl_all=$2
	set -- $(syscalls "$f" "$MTLSDIAG" -q "$f")
	if [ "$1" = - ]; then
		echo "  system calls per MB: strace not installed"
	else
		printf '  system calls per MB (strace): libpcap read %s reads of the capture, %s in all; mtlsdiag %s and %s\n' \
			"$fl_rd" "$fl_all" "$1" "$2"
	fi
	echo "$label syscalls_per_mb_read $1 $fl_rd" >> "$RESULTS"
	echo "$label mtlsdiag $md_s $md_r $md_c" >> "$RESULTS"
	echo "$label floor $floor_s $floor_r $floor_c" >> "$RESULTS"
	echo "$label tshark $ts_s $ts_r $ts_cpu" >> "$RESULTS"

	# With a key log: timed when this build can decrypt.
	if [ "$keylog" = 1 ]; then
		set -- $(summary "$tmp/rot.keylog")
		row "mtlsdiag --keylog" "$1" "$2" "$4"
		echo "$label keylog $1 $2 $4" >> "$RESULTS"
		awk -v a="$1" -v b="$md_s" -v ac="$4" -v bc="$md_c" 'BEGIN { if (b <= 0) b = 0.0001
			if (bc <= 0) bc = 0.01
			printf "  keylog: %.2fx the wall time, %.2fx the CPU time without keys\n", a / b, ac / bc }'
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

# Instructions per connection (callgrind): the difference between runs
# over 600 and 300 connections of the handshake-heavy mix, so without what
# a run pays once (OpenSSL's set-up, the first certificates decoded).
# Unlike times they do not move with the machine's load: two builds
# compare on a busy machine, and a regression shows as a number.
# instructions CMD... -> the instructions the run executed.
instructions() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" > /dev/null 2> "$tmp/cg" || :
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$tmp/cg" | tail -n 1
}
INSTR_SMALL=300
INSTR_LARGE=600
# per_conn KEY NAME SMALL LARGE: one row (the instructions of the runs over
# INSTR_SMALL and INSTR_LARGE connections), and the figure for the targets.
per_conn() {
	if [ -z "$3" ] || [ -z "$4" ]; then
		printf '  %-24s (callgrind gave no count)\n' "$2"
		return 0
	fi
	k=$(awk -v a="$3" -v b="$4" -v n=$((INSTR_LARGE - INSTR_SMALL)) 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
	printf '  %-24s %8s k\n' "$2" "$k"
	echo "instructions $1 $k" >> "$RESULTS"
}
if [ "$INSTR" = 1 ] && command -v valgrind > /dev/null 2>&1; then
	small=$(capture hs $INSTR_SMALL) || exit 2
	large=$(capture hs $INSTR_LARGE) || exit 2
	echo
	echo "== instructions per connection (callgrind; runs over $large and $small, the difference / $((INSTR_LARGE - INSTR_SMALL)))"
	per_conn read "libpcap read" "$(instructions "$PCAPREAD" "$small")" "$(instructions "$PCAPREAD" "$large")"
	per_conn text "mtlsdiag (text)" "$(instructions "$MTLSDIAG" -q "$small")" "$(instructions "$MTLSDIAG" -q "$large")"
	per_conn json "mtlsdiag -F json" "$(instructions "$MTLSDIAG" -q -F json "$small")" \
		"$(instructions "$MTLSDIAG" -q -F json "$large")"
	per_conn keylog "mtlsdiag --keylog" "$(instructions "$MTLSDIAG" -q --keylog "$small.keylog" "$small")" \
		"$(instructions "$MTLSDIAG" -q --keylog "$large.keylog" "$large")"
elif [ "$INSTR" = 1 ]; then
	echo
	echo "== instructions per connection: valgrind is not installed (Debian package valgrind)"
fi

# Live capture: the replay rate where the kernel starts dropping, with one
# worker and several, next to tcpdump (bench/live.sh; as root only).
sh bench/live.sh "$BUILD" "$hs"

# The targets, as ratios from this run.
echo
echo "== targets"
awk '
	$2 == "syscalls_per_mb_read" { sc[$1] = $3; scf[$1] = $4; next }
	$1 == "instructions" { ins[$2] = $3; next }
	$2 == "ceiling" { ncores = $6 }
	{ v[$1 " " $2] = $3; c[$1 " " $2] = $5; if ($2 == "mtlsdiag") r[$1] = $4 }
	function verdict(ok) { return ok ? "met" : "NOT met" }
	function ratio(a, b) { return b > 0 ? a / b : 0 }
	END {
		h = "handshake-heavy"; b = "bulk-heavy"
		if (v[h " tshark"] > 0) {
			w = ratio(v[h " tshark"], v[h " mtlsdiag"]); k = ratio(c[h " tshark"], c[h " mtlsdiag"])
			printf "  handshake-heavy vs tshark: %.1fx wall, %.1fx CPU (target >= 40x): %s\n", w, k,
				(w >= 40 ? "met" : (k >= 40 ? "met on CPU time, not on wall time (machine load?)" : "NOT met"))
		} else
			print "  handshake-heavy vs tshark: tshark not run"
		if ((h " threadsN") in v)
			printf "  handshake-heavy, --threads (cores) vs 1: %.2fx faster (target >= 1.7x on 2 cores): %s%s\n",
				ratio(v[h " mtlsdiag"], v[h " threadsN"]), verdict(ratio(v[h " mtlsdiag"], v[h " threadsN"]) >= 1.7),
				((h " ceiling") in v ? sprintf("; whole runs at once reach %.2fx here", ncores * ratio(v[h " mtlsdiag"], v[h " ceiling"])) : "")
		if ((h " ssldump") in v)
			printf "  handshake-heavy vs ssldump: %.2fx wall, %.2fx CPU (target > 1x): %s\n",
				ratio(v[h " ssldump"], v[h " mtlsdiag"]), ratio(c[h " ssldump"], c[h " mtlsdiag"]),
				verdict(v[h " ssldump"] > v[h " mtlsdiag"])
		else
			print "  handshake-heavy vs ssldump: ssldump not run"
		printf "  bulk-heavy vs a plain libpcap read: %.0f%% of its throughput, %.0f%% on CPU time (target >= 100%%): %s\n",
			100 * ratio(v[b " floor"], v[b " mtlsdiag"]), 100 * ratio(c[b " floor"], c[b " mtlsdiag"]),
			verdict(ratio(v[b " floor"], v[b " mtlsdiag"]) >= 1)
		# GNU time gives CPU time in 10 ms steps: no CPU ratio below 50 ms.
		printf "  handshake-heavy vs a plain libpcap read: %.1fx its wall time, %s its CPU time (target <= 1.5x): %s\n",
			ratio(v[h " mtlsdiag"], v[h " floor"]),
			(c[h " floor"] >= 0.05 ? sprintf("%.1fx", ratio(c[h " mtlsdiag"], c[h " floor"])) : "- (too short)"),
			verdict(ratio(v[h " mtlsdiag"], v[h " floor"]) <= 1.5)
		if ((h " json") in v)
			printf "  handshake-heavy -F json vs the text report: %.2fx wall, %.2fx CPU (target <= 1.3x): %s\n",
				ratio(v[h " json"], v[h " mtlsdiag"]), ratio(c[h " json"], c[h " mtlsdiag"]),
				verdict(ratio(v[h " json"], v[h " mtlsdiag"]) <= 1.3)
		if ((h " keylog") in v)
			printf "  handshake-heavy with keys vs without: %.2fx wall, %.2fx CPU (target <= 2x): %s\n",
				ratio(v[h " keylog"], v[h " mtlsdiag"]), ratio(c[h " keylog"], c[h " mtlsdiag"]),
				verdict(ratio(v[h " keylog"], v[h " mtlsdiag"]) <= 2)
		t = ins["text"]
		if (t > 0)
			printf "  in user-space instructions per connection (callgrind; steady under load, blind to the kernel and caches): text %.1fx the read, -F json %.2fx text, --keylog %.2fx text\n",
				ratio(t, ins["read"]), ratio(ins["json"], t), ratio(ins["keylog"], t)
		for (k in sc)
			if (sc[k] != "-")
				printf "  reads of the capture per MB, %s: mtlsdiag %s, libpcap read %s (1 MiB at a time: target < 2): %s\n",
					k, sc[k], scf[k], verdict(sc[k] < 2)
		n = split("hs-tenth handshake-heavy hs-10x bulk-tenth bulk-heavy bulk-10x", order, " ")
		for (i = 1; i <= n; i++)
			if (order[i] in r)
				printf "  peak RSS %-16s %6.1f MiB (target < 64 MiB): %s\n", order[i], r[order[i]] / 1024,
					verdict(r[order[i]] < 65536)
		for (i = 1; i <= n; i += 3) {
			line = ""
			for (j = i; j < i + 3; j++)
				if (order[j] in r) line = line sprintf("  %s %.1f MiB", order[j], r[order[j]] / 1024)
			if (line != "") printf "  flat memory (1/10, 1x, 10x of the capture):%s\n", line
		}
	}' "$RESULTS"
echo "(ratios are from this run on this machine; the bench reports, it never fails on a number)"
exit 0
