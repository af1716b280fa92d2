#!/bin/sh
# bench/live.sh BUILD CAPTURE - the live-capture figure of `make bench`
# (bench/run.sh calls it): the replay rate at which the kernel starts
# dropping packets, for mtlsdiag -i with one worker and with
# BENCH_LIVE_WORKERS, next to tcpdump -w /dev/null with the same kernel
# buffer. tcpreplay sends CAPTURE from one network namespace into a veth
# pair; the tool captures on the other end. At each rate, twice the one
# before, it sends BENCH_LIVE_SECONDS worth of packets (the ring of 32 MiB
# per handle absorbs a shorter burst), then the tool is stopped and its
# kernel counts are read. A tool is not tried again above the first rate
# where the kernel dropped, nor above the most tcpreplay could send beside
# it (on a machine of few cores they share them). A figure, never a
# verdict: skipped with the reason when not root, or without tcpreplay or
# network namespaces.
#
# Variables: BENCH_LIVE_WORKERS (default: the cores here, at least 2),
# BENCH_LIVE_SECONDS (5), BENCH_LIVE_RATES (packets/s, ascending;
# "10000 20000 40000 80000 160000 320000 640000").
set -u
BUILD=${1:-build}
CAPTURE=$2
MTLSDIAG=$BUILD/mtlsdiag
WORKERS=${BENCH_LIVE_WORKERS:-$(nproc)}
[ "$WORKERS" -ge 2 ] || WORKERS=2
SECONDS_PER_RATE=${BENCH_LIVE_SECONDS:-5}
RATES=${BENCH_LIVE_RATES:-"10000 20000 40000 80000 160000 320000 640000"}

echo
echo "== live capture: where the kernel starts dropping ($CAPTURE replayed into a veth pair by tcpreplay)"
skip() {
	echo "  skipped: $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "not root (network namespaces and capture need it)"
command -v tcpreplay >/dev/null 2>&1 || skip "no tcpreplay (Debian package tcpreplay; tools/deps.sh install test)"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
tmp=$(mktemp -d)
SNS=mtlsdiag-bsrv-$$
CNS=mtlsdiag-bcli-$$
namespaces=""
. tests/lib/capture.sh
cleanup() {
	netns_cleanup $namespaces
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
for ns in "$SNS" "$CNS"; do
	ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add failed: $(cat "$tmp/err")"
	namespaces="$namespaces $ns"
done
ip link add mtb-s netns "$SNS" type veth peer name mtb-c netns "$CNS" 2>"$tmp/err" ||
	skip "no veth pair: $(cat "$tmp/err")"
ip -n "$SNS" link set mtb-s up && ip -n "$CNS" link set mtb-c up || skip "cannot bring the veth pair up"

# run_one RATE CMD...: the tool captures on mtb-s while RATE packets/s are
# sent for SECONDS_PER_RATE; prints "sent_pps received dropped".
run_one() {
	rate=$1
	shift
	ip netns exec "$SNS" "$@" >/dev/null 2>"$tmp/tool.err" &
	tool=$!
	n=0 # until the tool has the interface open
	until grep -qs "capturing on\|listening on" "$tmp/tool.err"; do
		n=$((n + 1))
		if [ $n -gt 300 ] || ! kill -0 "$tool" 2>/dev/null; then
			echo "- - -"
			kill "$tool" 2>/dev/null
			return
		fi
		sleep 0.1
	done
	# Looped when the capture is shorter (the same connections again).
	ip netns exec "$CNS" tcpreplay -i mtb-c --pps "$rate" --loop 0 --limit $((rate * SECONDS_PER_RATE)) "$CAPTURE" \
		>"$tmp/replay.log" 2>&1
	sleep 2 # what is in the ring is read before the stop
	kill -s INT "$tool"
	wait "$tool"
	sent=$(sed -n 's/.*Rated: .*, \([0-9.]*\) pps.*/\1/p' "$tmp/replay.log" | head -n 1)
	recv=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$tmp/tool.err")
	drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$tmp/tool.err")
	echo "${sent:--} ${recv:--} ${drop:--}"
}

printf '  %-30s %10s %10s %10s %10s\n' tool "asked pps" "sent pps" received dropped
: >"$tmp/first"
# sweep LABEL CMD...: every rate until the first with drops.
sweep() {
	label=$1
	shift
	first="none up to $(echo "$RATES" | awk '{ print $NF }') pps"
	for rate in $RATES; do
		run_one "$rate" "$@" >"$tmp/r"
		read -r sent recv drop <"$tmp/r"
		printf '  %-30s %10s %10s %10s %10s\n' "$label" "$rate" "$sent" "$recv" "$drop"
		if [ "$drop" != - ] && [ "$drop" != 0 ]; then
			first="$rate pps (tcpreplay sent $sent pps)"
			break
		fi
		# Beyond what tcpreplay can send here, higher rates say nothing more.
		if [ "$sent" = - ] || awk -v s="$sent" -v r="$rate" 'BEGIN { exit !(s < 0.9 * r) }'; then
			first="none up to $sent pps, all tcpreplay could send here alongside it"
			break
		fi
	done
	echo "  $label: kernel drops from $first" >>"$tmp/first"
}
sweep "mtlsdiag -F json" "$MTLSDIAG" -i mtb-s -F json
sweep "mtlsdiag -F json --workers $WORKERS" "$MTLSDIAG" -i mtb-s -F json --workers "$WORKERS"
if command -v tcpdump >/dev/null 2>&1; then
	sweep "tcpdump -w /dev/null" tcpdump -n -i mtb-s -B 32768 -w /dev/null
else
	echo "  tcpdump: not installed"
fi
cat "$tmp/first"
echo "  (one sweep each, on this machine as loaded now; tcpreplay shares its cores; a figure, not a target)"
exit 0
