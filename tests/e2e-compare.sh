#!/bin/sh
# e2e-compare.sh MTLSDIAG - `mtlsdiag compare` on real capture pairs:
#  - every pair in samples/pairs (the TLS-terminating proxy): matched by time,
#    the request the backend sent never reached the client, interception;
#  - every sample against itself: every connection paired, no finding, each
#    side starting with the header of the connection's object in the report;
#  - copies made with editcap/mergecap (skipped when absent): a clock shift
#    that compare must estimate, a RST seen on one side only, records that
#    never reached the other side, and other scenarios moved onto the same
#    moment as a proxy's side (client certificate, CA list, request differ);
#  - the proxy that authenticates to the server with its own certificate
#    (samples/compare/proxy-own-cert-*): served pairs are an info, never an
#    error or interception; a rejected one stays an error; the backend's FIN
#    then RST is a normal close, the same RST without the FIN is not;
#  - every capture of ../shared/captures against itself (skipped when absent).
# Frame numbers expected in findings come from mtlsdiag's own single-file
# report of the same capture, never from this script.
set -u
BIN=$1
. tests/lib/tally.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# json_num FILE KEY -> the first integer value of "KEY": in FILE
json_num() { sed -n "s/.*\"$2\":\([0-9-][0-9]*\).*/\1/p" "$1" | head -1; }

# --- the pairs listed in samples/pairs
while IFS='	' read -r cside sside what; do
	case $cside in "#"* | "") continue ;; esac
	"$BIN" -F json compare "samples/$cside" "samples/$sside" >"$T/pair.json"
	rc=$?
	[ $rc = 0 ] && ok || bad "compare $cside $sside: exit status $rc"
	[ "$(grep -c '"kind":"pair"' "$T/pair.json")" = 1 ] && ok || bad "$cside/$sside: not exactly one pair"
	grep '"kind":"pair"' "$T/pair.json" >"$T/row.json"
	grep -q '"match":"time"' "$T/row.json" && grep -q '"intercepted":true' "$T/row.json" && ok ||
		bad "$cside/$sside: not matched by time as an intercepted pair"
	# root cause first: the stripped request, with the server side's frame
	first=$(sed -n 's/.*"findings":\[{"id":"\([A-Z_]*\)".*/\1/p' "$T/row.json")
	[ "$first" = COMPARE_CERT_REQUEST_STRIPPED ] && ok || bad "$cside/$sside: first finding $first"
	grep -q '"id":"COMPARE_TLS_INTERCEPTED"' "$T/row.json" && ok || bad "$cside/$sside: no COMPARE_TLS_INTERCEPTED"
	"$BIN" -q -F json "samples/$sside" >"$T/server.json"
	reneg=$(sed -n 's/.*"renegotiation":{[^}]*"first_frame":\([0-9]*\).*/\1/p' "$T/server.json")
	got=$(sed -n 's/.*"id":"COMPARE_CERT_REQUEST_STRIPPED","severity":"error","client_frames":\[[0-9,]*\],"server_frames":\[\([0-9]*\).*/\1/p' "$T/row.json")
	[ -n "$reneg" ] && [ "$got" = "$reneg" ] && ok || bad "$cside/$sside: stripped request at server frame '$got', the server side's renegotiation starts at '$reneg'"
	# the text report names the clock offset
	"$BIN" compare "samples/$cside" "samples/$sside" | grep -q '^  clock offset (server side minus client side): ' && ok ||
		bad "$cside/$sside: text report without the clock offset"
	# --fail-on error: the stripped request is an error
	"$BIN" -q --fail-on error compare "samples/$cside" "samples/$sside" >/dev/null
	[ $? = 1 ] && ok || bad "$cside/$sside: --fail-on error did not exit 1"
done <samples/pairs

# --- a proxy with its own client certificate (samples/compare/proxy-own-cert-*)
OC=samples/compare/proxy-own-cert
# row_of FILE STREAM -> the pair whose client-side stream is STREAM
row_of() { grep '"kind":"pair"' "$1" | grep "\"client_side\":{[^}]*\"stream\":$2,"; }
# ids_of ROW -> the ids of its compare findings, in order, space separated
ids_of() { echo "$1" | sed 's/.*"findings":\[//' | grep -o '"id":"[A-Z_]*"' | sed 's/"id":"\([A-Z_]*\)"/\1/' | tr '\n' ' '; }
# cc_frame STREAM -> the server side's client Certificate frame, from its own report
"$BIN" -q -F json "$OC-server-side.pcap" >"$T/oc-server.json"
cc_frame() { sed -n "$(($1 + 1))p" "$T/oc-server.json" | sed -n 's/.*"client_certificate":{"status":"present","frame":\([0-9]*\).*/\1/p'; }
"$BIN" -F json compare "$OC-client-side.pcap" "$OC-server-side.pcap" >"$T/oc.json"
rc=$?
[ $rc = 0 ] && [ "$(json_num "$T/oc.json" by_time)" = 3 ] && ok || bad "own-cert pair: exit $rc, not 3 pairs by time"
for stream in 0 1; do
	row=$(row_of "$T/oc.json" $stream)
	ids=$(ids_of "$row")
	[ "$ids" = "COMPARE_PROXY_OWN_CERT " ] && ok || bad "own-cert stream $stream: findings '$ids', not the one info"
	f=$(cc_frame $stream)
	echo "$row" | grep -q "\"id\":\"COMPARE_PROXY_OWN_CERT\",\"severity\":\"info\",\"client_frames\":\[[0-9]*\],\"server_frames\":\[$f," &&
		echo "$row" | grep -q 'own certificate CN=edge-proxy,OU=Edge Proxy' && ok ||
		bad "own-cert stream $stream: no info naming edge-proxy at server-side frame $f"
done
# The first: no request towards the client; the second: alice to the proxy.
row_of "$T/oc.json" 0 | grep -q 'the proxy did not ask the client for one' && ok || bad "own-cert stream 0: message"
row_of "$T/oc.json" 1 | grep -q 'the client sent CN=alice,' && ok || bad "own-cert stream 1: message"
# The backend closed first: FIN, then a RST for the proxy's close_notify.
sed -n 1p "$T/oc-server.json" | grep -q '"end":"rst","end_frame":[0-9]*,"end_by":"server"' &&
	sed -n 1p "$T/oc-server.json" | grep -q '"from":"server","what":"fin"' && ok ||
	bad "own-cert server side stream 0 does not end with the server's FIN, then its RST"
# The third: the server refused the proxy's certificate (unknown_ca): not healthy.
ids=$(ids_of "$(row_of "$T/oc.json" 2)")
[ "$ids" = "COMPARE_CERT_REQUEST_STRIPPED COMPARE_TLS_INTERCEPTED " ] && ok || bad "own-cert refused: findings '$ids'"
# With both key logs the 200 is decrypted and said so.
cat "$OC-client-side.keylog" "$OC-server-side.keylog" >"$T/oc.keylog"
"$BIN" -F json --keylog "$T/oc.keylog" compare "$OC-client-side.pcap" "$OC-server-side.pcap" >"$T/ock.json"
[ "$(grep -c '"COMPARE_PROXY_OWN_CERT","severity":"info"[^}]*a decrypted HTTP success status' "$T/ock.json")" = 2 ] && ok ||
	bad "own-cert with keys: not two infos resting on the decrypted status"
# --fail-on warning: only the refused connection fails it.
"$BIN" -q --fail-on warning compare "$OC-client-side.pcap" "$OC-server-side.pcap" >/dev/null
[ $? = 1 ] && ok || bad "own-cert: --fail-on warning did not exit 1 for the refused connection"
if command -v editcap >/dev/null 2>&1; then
	# The two healthy connections alone: nothing reaches warning.
	last=$(sed -n 2p "$T/oc-server.json" | sed -n 's/.*"last_frame":\([0-9]*\).*/\1/p')
	clast=$("$BIN" -q -F json "$OC-client-side.pcap" | sed -n 2p | sed -n 's/.*"last_frame":\([0-9]*\).*/\1/p')
	editcap -r "$OC-server-side.pcap" "$T/oc-s2.pcap" "1-$last" >/dev/null
	editcap -r "$OC-client-side.pcap" "$T/oc-c2.pcap" "1-$clast" >/dev/null
	"$BIN" -q --fail-on warning compare "$T/oc-c2.pcap" "$T/oc-s2.pcap" >/dev/null
	[ $? = 0 ] && ok || bad "own-cert, healthy connections only: --fail-on warning did not exit 0"
	# Without the backend's FIN the same RST is unexplained: the middlebox side.
	fin=$(sed -n 1p "$T/oc-server.json" | sed -n 's/.*{"frame":\([0-9]*\),"from":"server","what":"fin".*/\1/p')
	rst=$(sed -n 1p "$T/oc-server.json" | sed -n 's/.*"end":"rst","end_frame":\([0-9]*\).*/\1/p')
	editcap "$OC-server-side.pcap" "$T/oc-nofin.pcap" "$fin" >/dev/null
	"$BIN" -F json compare "$OC-client-side.pcap" "$T/oc-nofin.pcap" >"$T/ocn.json"
	row_of "$T/ocn.json" 0 | grep -q "\"id\":\"COMPARE_RST_ONE_SIDE\",\"severity\":\"error\",\"client_frames\":\[[0-9]*\],\"server_frames\":\[$((rst - 1))\]" && ok ||
		bad "backend RST without its FIN (frame $fin removed): no COMPARE_RST_ONE_SIDE at server frame $((rst - 1))"
else
	echo "SKIP own-cert derived copies: editcap not installed (Debian: tshark)"
fi

# --- each capture against itself: all paired, nothing found
self_compare() { # capture; a damaged capture exits 2 both ways
	"$BIN" -q -F json "$1" >"$T/single.json" 2>/dev/null
	want_rc=$?
	n=$(grep -c '"stream":' "$T/single.json")
	"$BIN" -F json compare "$1" "$1" >"$T/self.json" 2>/dev/null
	rc=$?
	pairs=$(json_num "$T/self.json" pairs)
	findings=$(sed -n 's/.*"kind":"summary".*"findings":\([0-9]*\).*/\1/p' "$T/self.json")
	if [ $rc = "$want_rc" ] && [ "$n" -gt 0 ] && [ "$pairs" = "$n" ] && [ "$findings" = 0 ]; then
		ok
	else
		bad "compare $1 with itself: exit $rc (alone: $want_rc), $pairs pairs of $n connections, $findings findings"
	fi
	# Both sides of each pair start with the header of the connection's own
	# object in the report (schema_version, file, stream, client, server).
	missing=0
	sed -n 's/^{\("schema_version":[0-9]*,"file":"[^"]*","stream":[0-9]*,"client":"[^"]*","server":"[^"]*"\),.*/\1/p' \
		"$T/single.json" >"$T/headers"
	while IFS= read -r hdr; do
		grep -qF "\"client_side\":{$hdr," "$T/self.json" && grep -qF "\"server_side\":{$hdr," "$T/self.json" ||
			missing=$((missing + 1))
	done <"$T/headers"
	[ "$(wc -l <"$T/headers")" = "$n" ] && [ $missing = 0 ] && ok ||
		bad "compare $1 with itself: $missing of $n report headers not at the start of both sides"
}
for cap in $(sweep samples/*.pcap samples/*.pcapng samples/*.cap); do
	self_compare "$cap"
done
# The midstream capture has no ClientHello: paired by addresses instead.
"$BIN" -F json compare samples/transport-midstream.pcap samples/transport-midstream.pcap | grep -q '"match":"addresses"' && ok ||
	bad "midstream self-compare not matched by addresses"
# A pcap and its NetMon copy are the same traffic.
"$BIN" -F json compare samples/tls12-mutual-ok.pcap samples/tls12-mutual-ok.netmon.cap >"$T/nm.json"
[ "$(json_num "$T/nm.json" by_client_random)" = 1 ] && grep -q '"findings":0' "$T/nm.json" && ok ||
	bad "pcap vs NetMon copy: not one clean pair"

# --- two unrelated captures: nothing paired, each side's connection alone
"$BIN" -F json compare samples/tls12-mutual-ok.pcap samples/tls12-unknown-ca.pcap >"$T/apart.json"
[ "$(json_num "$T/apart.json" pairs)" = 0 ] && grep -q '"id":"COMPARE_ONLY_CLIENT_SIDE"' "$T/apart.json" &&
	grep -q '"id":"COMPARE_ONLY_SERVER_SIDE"' "$T/apart.json" && ok || bad "unrelated captures were paired"

# --- usage errors
"$BIN" compare samples/tls12-mutual-ok.pcap >/dev/null 2>&1
[ $? = 2 ] && ok || bad "compare with one file: exit status not 2"
"$BIN" compare samples/tls12-mutual-ok.pcap "$T/missing.pcap" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'missing.pcap' "$T/err" && ok || bad "compare with a missing file: exit status not 2 or file not named"

# --- derived copies (editcap, mergecap)
if command -v editcap >/dev/null 2>&1 && command -v mergecap >/dev/null 2>&1; then
	# A server-side clock 3.25 s ahead: the offset is estimated from the random.
	editcap -t 3.25 samples/tls12-mutual-ok.pcap "$T/shifted.pcap" >/dev/null
	"$BIN" -F json compare samples/tls12-mutual-ok.pcap "$T/shifted.pcap" >"$T/shift.json"
	grep -q '"findings":0,"clock_offset_s":3.25,"clock_offset_from":"client_random"' "$T/shift.json" && ok ||
		bad "clock shift of 3.25 s not estimated: $(tail -1 "$T/shift.json")"
	# The injected RST (last frame) never reached the server's capture, which
	# went on recording (a later sample merged in).
	"$BIN" -q -F json samples/tls12-injected-rst.pcap >"$T/rst.json"
	last=$(json_num "$T/rst.json" end_frame)
	editcap samples/tls12-injected-rst.pcap "$T/norst.pcap" "$last" >/dev/null
	mergecap -w "$T/server-side.pcap" "$T/norst.pcap" samples/transport-vlan.pcap
	"$BIN" -F json compare samples/tls12-injected-rst.pcap "$T/server-side.pcap" >"$T/rst-cmp.json"
	grep '"kind":"pair"' "$T/rst-cmp.json" | grep -q "\"id\":\"COMPARE_RST_ONE_SIDE\",\"severity\":\"error\",\"client_frames\":\[$last\]" && ok ||
		bad "RST at client-side frame $last not reported as seen on one side only"
	grep -q '"kind":"server_only".*"COMPARE_ONLY_SERVER_SIDE","severity":"info"' "$T/rst-cmp.json" && ok ||
		bad "the merged later connection is not a server-side-only info"
	# The server's capture point sees nothing after the client's Finished:
	# the request and everything after it were lost in between.
	"$BIN" -q -F json samples/tls12-mutual-ok.pcap >"$T/ok.json"
	fin=$(sed -n 's/.*{"frame":\([0-9]*\),"from":"server","what":"encrypted_finished".*/\1/p' "$T/ok.json")
	app=$(sed -n 's/.*{"frame":\([0-9]*\),"from":"client","what":"application_data".*/\1/p' "$T/ok.json")
	editcap -r samples/tls12-mutual-ok.pcap "$T/cut.pcap" "1-$fin" >/dev/null
	mergecap -w "$T/cut-later.pcap" "$T/cut.pcap" samples/transport-vlan.pcap
	"$BIN" -F json compare samples/tls12-mutual-ok.pcap "$T/cut-later.pcap" >"$T/lost.json"
	grep '"kind":"pair"' "$T/lost.json" | grep -q "\"id\":\"COMPARE_RECORDS_LOST\",\"severity\":\"warning\",\"client_frames\":\[$app\]" && ok ||
		bad "records lost after frame $fin not reported at the client's request (frame $app)"
	# Other scenarios moved onto tls12-mutual-ok's moment play the part of
	# what a TLS-terminating device sent on to the server (other randoms, and
	# other client ports, so the addresses differ).
	first_time() { "$BIN" -q -F json "$1" | sed -n 's/.*"first_time":\([0-9.e+]*\).*/\1/p' | head -1; }
	t0=$(first_time samples/tls12-mutual-ok.pcap)
	onto_mutual_ok() { # sample copy
		d=$(awk -v a="$t0" -v b="$(first_time "$1")" 'BEGIN { printf "%.6f", a - b }')
		editcap -t "$d" "$1" "$2" >/dev/null
	}
	for case in "tls12-empty-client-cert.pcap COMPARE_CLIENT_CERT_DIFFERS" \
		"tls12-huge-ca-list.pcap COMPARE_CA_LIST_DIFFERS" \
		"proxy-client-side.pcap COMPARE_CERT_REQUEST_ADDED"; do
		set -- $case
		onto_mutual_ok "samples/$1" "$T/moved.pcap"
		"$BIN" -F json compare samples/tls12-mutual-ok.pcap "$T/moved.pcap" >"$T/moved.json"
		row=$(grep '"kind":"pair"' "$T/moved.json")
		echo "$row" | grep -q '"match":"time","nat":true,"intercepted":true' && echo "$row" | grep -q "\"id\":\"$2\"" &&
			echo "$row" | grep -q '"id":"COMPARE_TLS_INTERCEPTED"' && ok ||
			bad "mutual-ok against $1 moved onto it: no intercepted pair with $2"
	done
else
	echo "SKIP derived-copy compare tests: editcap/mergecap not installed (Debian: tshark)"
fi

# --- every shared capture against itself
SHARED=../shared/captures
if [ -d "$SHARED" ]; then
	for cap in $(sweep "$SHARED"/*); do
		case $cap in *.tsv | *.keylog | *.txt | *.md) continue ;; esac
		[ -f "$cap" ] || continue
		n=$("$BIN" -q -F json "$cap" 2>/dev/null | grep -c '"stream":')
		[ "$n" -gt 0 ] || continue
		self_compare "$cap"
	done
else
	echo "SKIP shared captures self-compare: $SHARED not found"
fi

tally_report e2e-compare
