#!/bin/sh
# e2e-ecs.sh MTLSDIAG - the fields for SIEMs, on every sample and shared
# capture:
#   -F ecs is valid JSON, one object per connection, and holds the mapping
#   table of the man page (tests/ecs_mapping.py), with key logs too;
#   client_ip/port, server_ip/port and notes_list say what client, server
#   and notes say; first_time_iso is first_time;
#   community_id equals the Community ID tshark gives the connection's
#   first frame (tshark's own implementation of Corelight's
#   specification; skipped when tshark lacks it), with seed 0 everywhere
#   and another seed on a few;
#   first_time_iso is the time tshark gives the first frame, to the
#   microsecond.
set -u
BIN=$1
. tests/lib/tally.sh
SHARED=${MTLS_SHARED_DIR:-../shared}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

have_tshark=1
if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP e2e-ecs tshark checks: tshark is not installed"
	have_tshark=0
elif ! tshark -G protocols 2>/dev/null | grep -q '	communityid$'; then
	echo "SKIP e2e-ecs tshark checks: this tshark has no Community ID dissector (Wireshark 3.6+)"
	have_tshark=0
fi

# check_json JSON [TSHARK_FIELDS]: the JSON fields against each other, and
# against tshark's columns (frame.number, communityid, frame.time_epoch)
# when given.
check_json() {
	python3 - "$@" <<'PY'
import datetime, json, sys
from decimal import Decimal, ROUND_HALF_UP

def iso_us(t):
    us = int((Decimal(t) * 1000000).to_integral_value(rounding=ROUND_HALF_UP))
    d = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

cids, times = {}, {}
if len(sys.argv) > 2:
    for line in open(sys.argv[2]):
        col = line.rstrip("\n").split("\t")
        if len(col) != 3:
            continue
        times[int(col[0])] = col[2]
        cids[int(col[0])] = col[1]
bad = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    s = "stream %d" % o["stream"]
    for side in ("client", "server"):
        ip, port = o[side + "_ip"], o[side + "_port"]
        text = ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)
        if text != o[side]:
            bad.append("%s: %s %s but %s %s" % (s, side, o[side], ip, port))
    if ",".join(o["notes_list"]) != o["notes"]:
        bad.append("%s: notes_list %r for notes %r" % (s, o["notes_list"], o["notes"]))
    if iso_us(repr(o["first_time"])) != o["first_time_iso"]:
        bad.append("%s: first_time %r but %s" % (s, o["first_time"], o["first_time_iso"]))
    if len(sys.argv) < 3:
        continue
    f = o["first_frame"]
    if cids.get(f) != o["community_id"]:
        bad.append("%s: community_id %s, tshark %r at frame %d" % (s, o["community_id"], cids.get(f), f))
    if iso_us(times[f]) != o["first_time_iso"]:
        bad.append("%s: first_time_iso %s, tshark %s at frame %d" % (s, o["first_time_iso"], iso_us(times[f]), f))
for b in bad[:5]:
    print(b)
sys.exit(1 if bad else 0)
PY
}

n=0
for cap in $(sweep samples/*.pcap samples/*.pcapng samples/*.cap "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng); do
	[ -f "$cap" ] || continue
	n=$((n + 1))
	"$BIN" -q -F json "$cap" >"$T/json" 2>/dev/null
	"$BIN" -q -F ecs "$cap" >"$T/ecs" 2>/dev/null
	if python3 tests/ecs_mapping.py man/mtlsdiag.1 "$T/json" "$T/ecs" >"$T/verdict"; then
		ok
	else
		bad "$cap: ECS mapping"
		grep FAIL "$T/verdict" | head -5
	fi
	if [ "$have_tshark" = 1 ]; then
		tshark -r "$cap" --enable-protocol communityid -T fields -e frame.number -e communityid \
			-e frame.time_epoch 2>/dev/null >"$T/tshark"
		check_json "$T/json" "$T/tshark" >"$T/verdict" && ok || { bad "$cap: JSON fields against tshark"; cat "$T/verdict"; }
	else
		check_json "$T/json" >"$T/verdict" && ok || { bad "$cap: JSON fields"; cat "$T/verdict"; }
	fi
done
[ "$n" -gt "$(at_least 40)" ] && ok || bad "only $n captures found"

# With the key logs: decrypted TLS 1.3 handshakes show their Finished
# messages and alerts, which tls.established reads.
for keylog in $(sweep samples/*.keylog "$SHARED"/captures/*.keylog); do
	cap=${keylog%.keylog}
	[ -f "$cap" ] || cap=${keylog%.keylog}.pcap
	[ -f "$cap" ] || continue
	"$BIN" -q -F json --keylog "$keylog" "$cap" >"$T/json" 2>/dev/null
	"$BIN" -q -F ecs --keylog "$keylog" "$cap" >"$T/ecs" 2>/dev/null
	if python3 tests/ecs_mapping.py man/mtlsdiag.1 "$T/json" "$T/ecs" >"$T/verdict"; then
		ok
	else
		bad "$cap with keys: ECS mapping"
		grep FAIL "$T/verdict" | head -5
	fi
done

# Another seed, IPv4 and IPv6.
if [ "$have_tshark" = 1 ]; then
	for cap in samples/tls12-mutual-ok.pcap samples/transport-ipv6.pcap samples/transport-two-interfaces.pcapng; do
		"$BIN" -q -F json --community-id-seed 4242 "$cap" >"$T/json" 2>/dev/null
		tshark -r "$cap" --enable-protocol communityid -o communityid.seed:4242 -T fields \
			-e frame.number -e communityid -e frame.time_epoch 2>/dev/null >"$T/tshark"
		check_json "$T/json" "$T/tshark" >"$T/verdict" && ok || { bad "$cap: seed 4242"; cat "$T/verdict"; }
	done
fi

# The option's bounds.
"$BIN" -q --community-id-seed 65536 samples/tls12-mutual-ok.pcap >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--community-id-seed 65536 accepted"
"$BIN" -q --community-id-seed 65535 -F ecs samples/tls12-mutual-ok.pcap | grep -q '"community_id":"1:' && ok ||
	bad "-F ecs has no network.community_id"
tally_report e2e-ecs
