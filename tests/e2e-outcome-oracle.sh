#!/bin/sh
# e2e-outcome-oracle.sh MTLSDIAG - every connection's outcome agrees with
# tshark's view of it (the oracle TSVs beside each shared capture, made by
# ../shared/tools/oracle.sh, and samples/oracle/ for the samples): with the
# key log where one exists, so TLS 1.3 is judged on what tshark decrypted.
# The rule reading tshark's columns is independent of mtlsdiag's code:
#   a client certificate, then a fatal alert from the server -> rejected
#   a client certificate, no fatal alert from the server      -> authenticated or rejected (an HTTP refusal);
#   also unknown when tshark shows no server message after it (capture cut)
#   a request, and an empty Certificate or none               -> no_certificate
#   no request and no client Certificate (tshark saw the
#   handshake: cleartext, or decrypted TLS 1.3)               -> not_requested or failed_before_request
#   ... but the server sent a HelloRequest                     -> also no_certificate, inferred: a
#   renegotiation started by the server is how a late request looks
#   without keys, and a client that then resets never answered it
set -u
BIN=$1
. tests/lib/tally.sh
SHARED=${MTLS_SHARED_DIR:-../shared}
check() { # capture oracle.tsv [keylog]
	cap=$1 tsv=$2 keylog=${3:-}
	if [ -n "$keylog" ]; then
		"$BIN" -F json -q --keylog "$keylog" "$cap" >"$T/out.json" 2>/dev/null
	else
		"$BIN" -F json -q "$cap" >"$T/out.json" 2>/dev/null
	fi
	python3 - "$tsv" "$T/out.json" "$cap" >"$T/verdict" <<'PY'
import json, sys
tsv, out, cap = sys.argv[1:4]
ours = {}
vis = {}
for line in open(out):
    o = json.loads(line)
    ours[o["stream"]] = o["outcome"]["kind"]
    vis[o["stream"]] = o["outcome"]["visibility"]
checked = bad = 0
msgs = []
for line in open(tsv):
    if line.startswith("#") or not line.strip():
        continue
    col = line.rstrip("\n").split("\t")
    stream, version, cr, cc, alerts, hello_request, notes = int(col[0]), col[3], col[5], col[9], col[12], col[15], col[17]
    if stream not in ours:
        continue
    tls13 = version == "TLSv1.3"
    if tls13 and "decrypted" not in notes:
        continue  # tshark does not see the exchange either
    if "midstream" in notes or version == "?":
        continue
    server_fatal = any(":S>C:fatal/" in a for a in alerts.split(" "))
    sent = "present" in cc
    seq = col[16].split(" ")
    cert_at = max((i for i, t in enumerate(seq) if t.startswith("C:") and "11" in t[2:].split(",")), default=-1)
    server_after = cert_at >= 0 and any(t.startswith("S:") for t in seq[cert_at + 1:])
    if sent:
        allowed = {"rejected"} if server_fatal else {"authenticated", "rejected"}
        if not server_after and not server_fatal:
            allowed.add("unknown")
    elif cr != "-":
        allowed = {"no_certificate"}
    elif cc == "none":
        allowed = {"not_requested", "failed_before_request"}
        if hello_request != "-" and vis[stream] == "inferred":
            allowed.add("no_certificate")
    else:
        continue
    checked += 1
    if ours[stream] not in allowed:
        bad += 1
        msgs.append("%s stream %d: outcome %s, tshark's view allows %s" % (cap, stream, ours[stream], sorted(allowed)))
print("%d %d %s" % (checked, bad, "; ".join(msgs)))
PY
	read -r checked nbad rest <"$T/verdict"
	if [ "$nbad" = 0 ]; then ok; else bad "$rest"; fi
	total=$((total + checked))
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
total=0
for tsv in $(sweep samples/oracle/*.oracle.tsv); do
	case $tsv in *.nokeys.oracle.tsv) continue ;; esac
	base=$(basename "$tsv" .oracle.tsv)
	cap=samples/$base
	[ -f "$cap" ] || continue
	keylog=
	[ -f "${cap%.pcap}.keylog" ] && keylog=${cap%.pcap}.keylog
	check "$cap" "$tsv" "$keylog"
done
if [ -d "$SHARED/captures" ]; then
	for tsv in $(sweep "$SHARED"/captures/*.oracle.tsv); do
		case $tsv in *.nokeys.oracle.tsv | *.no-ooo.oracle.tsv) continue ;; esac
		cap=${tsv%.oracle.tsv}
		[ -f "$cap" ] || continue
		keylog=
		[ -f "$cap.keylog" ] && keylog=$cap.keylog
		check "$cap" "$tsv" "$keylog"
	done
else
	echo "SKIP e2e-outcome-oracle shared part: $SHARED/captures not found"
fi
echo "outcome oracle: $total connections compared with tshark's view"
[ "$total" -gt "$(at_least 20)" ] && ok || bad "only $total connections compared: the TSV reading is broken"
tally_report outcome-oracle
