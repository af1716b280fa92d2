#!/bin/sh
# e2e-filter.sh MTLSDIAG - choosing what is read and reported: a BPF filter
# on files (-f EXPR, or the words after -r FILE as tcpdump takes them) and
# --host/--port/--sni. The truth for a BPF filter is tcpdump applying the
# same expression through libpcap (tcpdump -r IN -w COPY EXPR): mtlsdiag's
# filtered report must equal its report of COPY, numbering included. For a
# capture tcpdump cannot copy (interfaces of two link types), tshark's
# ClientHellos under the equivalent display filter. For --host/--port/--sni
# the truth is the unfiltered report's own connections picked by jq.
set -u
BIN=$1
. tests/lib/tally.sh
needs e2e-filter "tools/deps.sh install test" tcpdump jq
. tests/lib/scratch.sh
C=../shared/captures
strip_file() { sed 's/"file":"[^"]*",//' "$1"; }

# same_as_tcpdump CAPTURE EXPR [narrower]: the three spellings of the
# filter against the report of tcpdump's filtered copy; "narrower": the
# filter must keep fewer connections than the whole file has.
same_as_tcpdump() {
	f=$1 expr=$2 narrower=${3:-}
	if ! tcpdump --time-stamp-precision=nano -r "$f" -w "$tmp/copy.pcap" "$expr" 2>/dev/null; then
		bad "tcpdump could not filter $f with '$expr'"
		return
	fi
	"$BIN" -q -F json "$tmp/copy.pcap" >"$tmp/copy.json" 2>/dev/null
	strip_file "$tmp/copy.json" >"$tmp/want"
	# shellcheck disable=SC2086 # the expression is given as separate words, as to tcpdump
	"$BIN" -q -F json -r "$f" $expr >"$tmp/words.json" 2>"$tmp/err"
	"$BIN" -q -F json -f "$expr" "$f" >"$tmp/f.json" 2>>"$tmp/err"
	"$BIN" -q -F json --read "$f" "$expr" >"$tmp/quoted.json" 2>>"$tmp/err"
	n=$(grep -c '"stream"' "$tmp/want")
	all=$(grep -c '"stream"' "$tmp/all.json")
	for form in words f quoted; do
		strip_file "$tmp/$form.json" >"$tmp/got"
		if cmp -s "$tmp/want" "$tmp/got"; then ok; else
			bad "$f '$expr' ($form): report differs from that of tcpdump's copy ($n connections): $(diff "$tmp/want" "$tmp/got" | head -c 600) $(cat "$tmp/err")"
		fi
	done
		if [ -z "$narrower" ] || [ "$all" -le 1 ] || [ "$n" -lt "$all" ]; then ok; else bad "$f '$expr': the filter kept all $all connections"; fi
}

for f in $(sweep samples/tls12-resumed.pcap $C/suricata-verify-tls-subjectaltname-input.pcap $C/ndpi-KakaoTalk_chat.pcap \
	$C/ja4-ipv6.pcapng $C/ndpi-tls-esni-fuzzed.pcap); do
	[ -f "$f" ] || { echo "SKIP $f: not present"; continue; }
	"$BIN" -q -F json "$f" >"$tmp/all.json" 2>/dev/null
	# Filters made from what the file holds: the first connection's client
	# port, the last one's server address (the others stay out).
	port=$(jq -r '.client' "$tmp/all.json" | head -1 | sed 's/.*://')
	srv=$(jq -r '.server' "$tmp/all.json" | tail -1 | sed 's/:[0-9]*$//; s/^\[//; s/\]$//')
	same_as_tcpdump "$f" "tcp port $port" narrower
	same_as_tcpdump "$f" "not host $srv" narrower
	same_as_tcpdump "$f" "host $srv and tcp"
done

# A pcapng whose interfaces have two link types (tcpdump refuses it; our
# own reader reads it): the connections kept by a port filter are those
# whose ClientHello tshark shows under the same port.
f=samples/transport-two-interfaces.pcapng
if command -v tshark >/dev/null 2>&1; then
	"$BIN" -q -F json "$f" >"$tmp/all.json" 2>/dev/null
	port=$(jq -r '.client' "$tmp/all.json" | tail -1 | sed 's/.*://')
	"$BIN" -q -F json -r "$f" tcp port "$port" | jq -r '.client + " " + .server' | sort >"$tmp/got"
	tshark -r "$f" -Y "tls.handshake.type == 1 && tcp.port == $port" -T fields -e ip.src -e tcp.srcport \
		-e ip.dst -e tcp.dstport 2>/dev/null | awk '{print $1 ":" $2 " " $3 ":" $4}' | sort -u >"$tmp/want"
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got" && [ "$(wc -l <"$tmp/got")" -lt "$(grep -c '"stream"' "$tmp/all.json")" ]; then
		ok
	else
		bad "$f 'tcp port $port': $(cat "$tmp/got") against tshark's $(cat "$tmp/want")"
	fi
else
	echo "SKIP the two-link-type check: tshark is not installed"
fi

# Our NetMon reader's frames go through the filter too: the NetMon sample
# holds the same frames as its pcap twin (their unfiltered reports agree),
# so the filtered NetMon report is that of tcpdump's copy of the twin.
nm=samples/tls12-mutual-ok.netmon.cap twin=samples/tls12-mutual-ok.pcap
"$BIN" -q -F json "$nm" 2>/dev/null | strip_file /dev/stdin >"$tmp/nm"
"$BIN" -q -F json "$twin" 2>/dev/null | strip_file /dev/stdin >"$tmp/twin"
if cmp -s "$tmp/nm" "$tmp/twin"; then
	for expr in "greater 100" "tcp[tcpflags] & tcp-syn == 0" "src host 192.0.2.10"; do
		tcpdump --time-stamp-precision=nano -r "$twin" -w "$tmp/copy.pcap" "$expr" 2>/dev/null
		"$BIN" -q -F json "$tmp/copy.pcap" 2>/dev/null | strip_file /dev/stdin >"$tmp/want"
		"$BIN" -q -F json -f "$expr" "$nm" 2>/dev/null | strip_file /dev/stdin >"$tmp/got"
		if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then ok; else bad "NetMon '$expr': $(diff "$tmp/want" "$tmp/got" | head -c 400)"; fi
	done
else
	bad "the NetMon sample and its pcap twin no longer give the same report"
fi

# Mistakes are named: a bad expression, a file taken for a filter, two filters.
S=samples/tls12-mutual-ok.pcap
"$BIN" -r "$S" 'host and' >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "filter 'host and'" "$tmp/err"; then ok; else bad "bad filter: $(cat "$tmp/err")"; fi
"$BIN" -r "$S" samples/tls12-resumed.pcap >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q -- "give each file with its own -r" "$tmp/err"; then ok; else bad "file after -r: $(cat "$tmp/err")"; fi
"$BIN" -f tcp -r "$S" port 443 >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "give the filter once" "$tmp/err"; then ok; else bad "two filters: $(cat "$tmp/err")"; fi
# -r is repeatable and keeps the order: the same report as the files given plainly.
"$BIN" -F json -r "$S" -r samples/tls12-resumed.pcap >"$tmp/r.json" 2>/dev/null
"$BIN" -F json "$S" samples/tls12-resumed.pcap >"$tmp/plain.json" 2>/dev/null
if cmp -s "$tmp/r.json" "$tmp/plain.json" && [ "$(grep -c '"stream"' "$tmp/r.json")" = 3 ]; then ok; else bad "-r twice differs from two plain files"; fi
# A filter that keeps nothing: no TLS connection (exit 3).
"$BIN" -q -r "$S" udp >/dev/null 2>&1
if [ $? = 3 ]; then ok; else bad "filter keeping nothing: exit status not 3"; fi

# --host, --port, --sni: the connections the unfiltered report holds that
# match, with their own stream numbers (Wireshark's), and the summary
# counts only them.
f=$C/suricata-verify-tls-subjectaltname-input.pcap
if [ -f "$f" ]; then
	"$BIN" -q -F json "$f" >"$tmp/all.json" 2>/dev/null
	total=$(grep -c '"stream"' "$tmp/all.json")
	host=$(jq -r '.server' "$tmp/all.json" | sed -n 3p | sed 's/:[0-9]*$//')
	cport=$(jq -r '.client' "$tmp/all.json" | sed -n 5p | sed 's/.*://')
	# check NAME JQ-SELECTION -- mtlsdiag options
	check() {
		name=$1 sel=$2
		shift 3
		jq -c "select($sel) | .stream" "$tmp/all.json" >"$tmp/want"
		"$BIN" -q -F json "$@" "$f" 2>/dev/null | jq -c '.stream' >"$tmp/got"
		n=$(wc -l <"$tmp/want")
		if [ "$n" -gt 0 ] && [ "$n" -lt "$total" ] && cmp -s "$tmp/want" "$tmp/got"; then ok; else
			bad "$name: streams $(tr '\n' ' ' <"$tmp/got") against $(tr '\n' ' ' <"$tmp/want")"
		fi
	}
	check "--host $host" "(.client | startswith(\"$host:\")) or (.server | startswith(\"$host:\"))" -- --host "$host"
	check "--port $cport" "(.client | endswith(\":$cport\")) or (.server | endswith(\":$cport\"))" -- --port "$cport"
	check "--sni '*.BING.COM'" '(.sni // "") | ascii_downcase | test("^.+\\.bing\\.com$")' -- --sni '*.BING.COM'
	check "--sni twice" '(.sni // "") | ascii_downcase | test("^(.+\\.bing\\.com|mamzon\\.ru)$")' -- --sni '*.bing.com' --sni mamzon.ru
	check "--host and --sni" "((.client | startswith(\"$host:\")) or (.server | startswith(\"$host:\"))) and ((.sni // \"\") | test(\"^.+\\\\.bing\\\\.com\$\"))" -- --host "$host" --sni '*.bing.com'
	# The summary counts what was reported, of all that was seen.
	n=$(jq -c "select((.sni // \"\") | test(\"^.+\\\\.bing\\\\.com\$\"))" "$tmp/all.json" | wc -l)
	if "$BIN" --sni '*.bing.com' "$f" 2>/dev/null | grep -q "^Summary: $n TLS connections reported of $total seen"; then ok; else
		bad "--sni summary: $("$BIN" --sni '*.bing.com' "$f" 2>/dev/null | grep '^Summary')"
	fi
	"$BIN" --sni 'no.such.name' "$f" >/dev/null 2>"$tmp/err"
	if [ $? = 3 ] && grep -q "none of the $total TLS connections matched" "$tmp/err"; then ok; else bad "--sni matching nothing: $(cat "$tmp/err")"; fi
else
	echo "SKIP the selection checks: $f is not present"
fi
"$BIN" --host 300.1.1.1 "$S" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "not an IPv4 or IPv6 address" "$tmp/err"; then ok; else bad "--host bad address: $(cat "$tmp/err")"; fi
"$BIN" --port 70000 "$S" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "not a port number" "$tmp/err"; then ok; else bad "--port bad number: $(cat "$tmp/err")"; fi
# IPv6 --host, in brackets too.
f=$C/ja4-ipv6.pcapng
if [ -f "$f" ]; then
	a6=$("$BIN" -q -F json "$f" 2>/dev/null | jq -r '.server' | head -1 | sed 's/^\[//; s/\]:[0-9]*$//')
	if [ "$("$BIN" -q -F json --host "[$a6]" "$f" 2>/dev/null | grep -c '"stream"')" -ge 1 ] &&
		[ "$("$BIN" -q -F json --host "${a6%?}f" "$f" 2>/dev/null | grep -c '"stream"')" = 0 ]; then ok; else bad "--host IPv6 $a6"; fi
fi
tally_report e2e-filter
