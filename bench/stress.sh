#!/bin/sh
# bench/stress.sh BUILD - what `make stress` runs: adversarial captures
# against --max-memory (README.md, "Testing"). Not part of `make check`; at
# full size it takes minutes and about 2.5 GB of disk under BUILD/stress/.
#
# Cases (bench/advgen.c writes them; each is made once, then reused):
#   syn     1,000,000 half-open flows (a SYN each, nothing else)
#   hs      20,000 TLS handshakes in progress at once
#   calist  1,000 connections open at once, each sent 16 CertificateRequests
#           with distinct 64 KB CA lists (16,000 lists)
#   hole    one connection, 1,000 MB sent after a hole at its start
#
# For each: peak RSS and CPU microseconds per connection (per MB for hole)
# with the default bound and with --max-memory 64M, then at half the size
# with 64M for the ratio of times. Checked (FAIL, exit 1):
#   - tls_connections_seen == tls_connections_reported (JSON summary);
#   - with 64M, peak RSS <= 64 MiB + the overhead: the peak RSS of the same
#     kind of capture with one connection, i.e. the binary, its libraries,
#     OpenSSL's tables, I/O buffers and the rendering of the largest single
#     report, measured rather than guessed;
#   - CPU time grows in proportion to size: time(size) / time(size / 2)
#     below STRESS_MAX_RATIO (3; 2 is proportional, a shared machine is
#     noisy), when the half-size run takes half a second or more.
#
# Variables: STRESS_SCALE  percent of the full sizes (100; 10 is a quick run)
#            STRESS_MAX_RATIO  (3)
set -u

BUILD=${1:-build}
SCALE=${STRESS_SCALE:-100}
MAX_RATIO=${STRESS_MAX_RATIO:-3}
DIR=$BUILD/stress
MTLSDIAG=$BUILD/mtlsdiag
GEN=$BUILD/bench/advgen
TIME=/usr/bin/time
BOUND_MIB=64

for x in "$MTLSDIAG" "$GEN"; do
	[ -x "$x" ] || { echo "stress: $x is missing (run through make stress)" >&2; exit 2; }
done
if ! [ -x "$TIME" ]; then
	echo "stress: $TIME (GNU time, Debian package 'time') is needed for peak RSS" >&2
	exit 2
fi
mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

scaled() { echo $(($1 * SCALE / 100 > 0 ? $1 * SCALE / 100 : 1)); }

# capture NAME ARGS... -> path of BUILD/stress/NAME.pcap, written once.
capture() {
	name=$1
	shift
	f=$DIR/$name.pcap
	if ! [ -s "$f" ]; then
		"$GEN" "$@" "$f" 2>/dev/null || { echo "stress: advgen $* failed" >&2; exit 2; }
	fi
	echo "$f"
}

# run FILE [OPTIONS...] -> "rss_kib cpu_seconds seen reported evicted_memory"
run() {
	f=$1
	shift
	# From the page cache, not the disk: reading it is not what is timed.
	cat "$f" >/dev/null
	"$TIME" -f '%M %U %S' -o "$tmp/t" "$MTLSDIAG" -F json "$@" "$f" >/dev/null 2>"$tmp/summary"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
		fail "$f $*: exit status $rc"
	fi
	num() { grep -o "\"$1\":[0-9]*" "$tmp/summary" | head -1 | cut -d: -f2; }
	set -- "$(num tls_connections_seen)" "$(num tls_connections_reported)" "$(num evicted_max_memory)"
	# GNU time writes "Command exited with non-zero status N" first.
	tail -n 1 "$tmp/t" | awk -v s="${1:-?}" -v r="${2:-?}" -v e="${3:-?}" '{ printf "%s %.3f %s %s %s\n", $1, $2 + $3, s, r, e }'
}

# case NAME UNIT FULL ARGS_BEFORE_SIZE... : the whole row set of one case.
# The size is the last advgen argument before OUT except for calist, whose
# connection count is scaled and list count fixed (see below).
stress_case() {
	name=$1 unit=$2 full=$3 mode=$4 extra=${5:-}
	size=$(scaled "$full")
	half=$((size / 2 > 0 ? size / 2 : 1))
	# shellcheck disable=SC2086 # extra: one optional word
	one=$(capture "$name-1" "$mode" 1 $extra)
	# shellcheck disable=SC2086
	big=$(capture "$name-$size" "$mode" "$size" $extra)
	# shellcheck disable=SC2086
	small=$(capture "$name-$half" "$mode" "$half" $extra)

	set -- $(run "$one" --max-memory ${BOUND_MIB}M)
	overhead=$1
	set -- $(run "$big")
	rss_def=$1 cpu_def=$2
	[ "$3" = "$4" ] || fail "$name $size, default bound: $3 TLS connections seen, $4 reported"
	set -- $(run "$big" --max-memory ${BOUND_MIB}M)
	rss=$1 cpu=$2 seen=$3 evicted=$5
	[ "$3" = "$4" ] || fail "$name $size, 64M: $3 TLS connections seen, $4 reported"
	set -- $(run "$small" --max-memory ${BOUND_MIB}M)
	cpu_half=$2
	[ "$3" = "$4" ] || fail "$name $half, 64M: $3 TLS connections seen, $4 reported"

	limit=$((BOUND_MIB * 1024 + overhead))
	[ "$rss" -le "$limit" ] || fail "$name $size: peak RSS $rss KiB over 64 MiB + $overhead KiB overhead"
	ratio=$(awk -v a="$cpu" -v b="$cpu_half" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	# CPU time is counted in 10 ms steps: under half a second at half the
	# size the ratio is noise, printed in brackets and not judged.
	if awk -v b="$cpu_half" 'BEGIN { exit !(b < 0.5) }'; then
		ratio="($ratio)"
	else
		awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r < m) }' ||
			fail "$name: CPU time $cpu s at $size, $cpu_half s at $half: ratio $ratio, not proportional"
	fi
	per=$(awk -v c="$cpu" -v n="$size" 'BEGIN { printf "%.1f", c * 1e6 / n }')
	per_def=$(awk -v c="$cpu_def" -v n="$size" 'BEGIN { printf "%.1f", c * 1e6 / n }')
	printf '%-7s %9s %-6s %9s KiB %9s %9s KiB %9s %9s KiB %11s %6s %6s\n' "$name" "$size" "$unit" \
		"$rss_def" "$per_def" "$rss" "$per" "$limit" "${evicted:-?}/${seen:-?}" "$ratio" "$half"
}

echo "stress: sizes at $SCALE% (STRESS_SCALE); CPU microseconds (user + system) per connection, per MB for hole; bound --max-memory ${BOUND_MIB}M"
printf '%-7s %9s %-6s %13s %9s %13s %9s %13s %11s %6s %6s\n' case size unit "RSS default" "us/unit" \
	"RSS 64M" "us/unit" "RSS limit" "evicted" "ratio" "half"
stress_case syn conn 1000000 syn
stress_case hs conn 20000 hs
stress_case calist conn 1000 calist 16
stress_case hole MB 1000 hole
if [ "$fails" -gt 0 ]; then
	echo "stress: $fails check(s) failed"
	exit 1
fi
echo "stress: every check passed (seen == reported, peak RSS within the bound, time proportional to size)"
