#!/bin/sh
# e2e-tunnels.sh MTLSDIAG - tunnelled captures report what the plain ones
# do. tests/lib/wrap_tunnel.py wraps every frame of real handshake samples
# in each encapsulation (one frame for one frame, same times), written to
# <build>/tunnels/. For each: the JSON report equals the original's (same
# connections, findings and frame numbers) but for "file"; the summary
# counts every wrapped frame as decapsulated, per tunnel type; and tshark
# (when installed; for one IPv4 and the IPv6 sample) sees the same inner
# ClientHellos in the wrapped capture as in the original, from the same
# clients to the same servers as our report says.
set -u
BIN=$1
. tests/lib/tally.sh
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP e2e-tunnels: python3 is not installed (it writes the tunnelled captures)"
	tally_report tunnels
	exit
fi
OUT=$(dirname "$BIN")/tunnels
# MTLSDIAG may be a wrapper script next to the binary (check-valgrind).
[ -d "$OUT" ] || mkdir -p "$OUT" || OUT=$(mktemp -d)
. tests/lib/scratch.sh
KINDS="vxlan vxlan6 geneve gre gre6 erspan1 erspan2 erspan3 gtpu mpls mpls-pw pppoe ipip ip6 nested"
SAMPLES="tls12-mutual-ok tls12-empty-client-cert transport-ipv6"
TSHARK=1
command -v tshark >/dev/null 2>&1 || { TSHARK=0; echo "SKIP tshark checks: tshark is not installed"; }

# The JSON report without "file", and the summary (stderr) on its own.
report() {
	"$BIN" -F json "$1" 2>"$3" | sed 's/"file":"[^"]*",//' >"$2"
}

# ClientHellos as tshark decodes them: "frame client server", from the
# innermost addresses of the sample's family ($3: 4 or 6; the last of
# tshark's comma-separated list). $2: extra tshark options.
cat >"$tmp/hellos.py" <<'PY'
import sys
fam = sys.argv[1]
for line in sys.stdin:
    f = line.rstrip("\n").split("|")
    if len(f) != 7:
        continue
    src, dst = (f[2], f[5]) if fam == "6" else (f[1], f[4])
    src, dst = src.split(",")[-1], dst.split(",")[-1]
    ep = lambda a, p: ("[%s]:%s" if fam == "6" else "%s:%s") % (a, p)
    print(f[0], ep(src, f[3]), ep(dst, f[6]))
PY
hellos() {
	# shellcheck disable=SC2086 # $2 is a list of options
	tshark -r "$1" $2 -Y 'tls.handshake.type==1' -T fields -E 'separator=|' -e frame.number -e ip.src -e ipv6.src \
		-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport 2>/dev/null | python3 "$tmp/hellos.py" "$3"
}

for s in $SAMPLES; do
	orig=samples/$s.pcap
	report "$orig" "$tmp/orig.json" "$tmp/orig.err"
	if [ ! -s "$tmp/orig.json" ]; then
		bad "$s: no connection in the original report"
		continue
	fi
	fam=4
	[ "$s" = transport-ipv6 ] && fam=6
	[ "$TSHARK" = 1 ] && [ "$s" != tls12-empty-client-cert ] && hellos "$orig" "" $fam >"$tmp/orig.hellos"
	for k in $KINDS; do
		w=$OUT/$s.$k.pcap
		if ! python3 tests/lib/wrap_tunnel.py "$k" "$orig" "$w" >"$tmp/counts"; then
			bad "$s $k: the wrap tool failed"
			continue
		fi
		report "$w" "$tmp/w.json" "$tmp/w.err"
		if cmp -s "$tmp/orig.json" "$tmp/w.json"; then ok; else
			bad "$s $k: the report differs from the original's: $(diff "$tmp/orig.json" "$tmp/w.json" | head -c 600)"
		fi
		# Every frame the tool wrapped is counted under its tunnel types.
		if python3 - "$tmp/counts" "$tmp/w.err" <<'PY'; then ok; else bad "$s $k: decapsulated counts: $(cat "$tmp/counts") vs $(grep summary "$tmp/w.err")"; fi
import json, sys
want = dict((k, int(n)) for k, n in (l.split() for l in open(sys.argv[1])))
summary = None
for line in open(sys.argv[2]):
    if line.startswith('{"summary"'):
        summary = json.loads(line)["summary"]
got = summary["decapsulated"] if summary else {}
sys.exit(0 if want and all(got.get(k, 0) == want.get(k, 0) for k in set(got) | set(want)) else 1)
PY
		# tshark once per encapsulation and address family is enough.
		[ "$TSHARK" = 1 ] && [ "$s" != tls12-empty-client-cert ] || continue
		# tshark takes a zero pseudowire control word for an Ethernet
		# frame without one unless told.
		opts=""
		[ "$k" = mpls-pw ] && opts="-d mpls.label==300,pwethcw"
		hellos "$w" "$opts" $fam >"$tmp/w.hellos"
		if [ -s "$tmp/w.hellos" ] && cmp -s "$tmp/orig.hellos" "$tmp/w.hellos"; then ok; else
			bad "$s $k: tshark sees other ClientHellos: $(cat "$tmp/w.hellos") vs $(cat "$tmp/orig.hellos")"
		fi
		# Our client and server are tshark's ClientHello source and target.
		if python3 - "$tmp/w.hellos" "$tmp/w.json" <<'PY'; then ok; else bad "$s $k: endpoints differ from tshark's"; fi
import json, sys
ts = sorted(tuple(l.split()[1:]) for l in open(sys.argv[1]))
ours = sorted((c["client"], c["server"]) for c in map(json.loads, open(sys.argv[2])))
sys.exit(0 if ts == ours else 1)
PY
	done
done

# The text summary says how many frames were opened, per kind.
w=$OUT/tls12-mutual-ok.nested.pcap
if [ -f "$w" ] && "$BIN" "$w" 2>/dev/null | grep -q "decapsulated frames: VXLAN 15, GRE 15, MPLS 15; frames not IP 0, not TCP 0"; then ok; else
	bad "text summary: no line of decapsulated frames for $w"
fi
tally_report tunnels
