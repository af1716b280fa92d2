#!/bin/sh
# e2e-workers.sh MTLSDIAG - live capture split between workers (--workers).
# 1. Always: the option's usage errors (-w with several workers among
#    them) and its --help line.
# 2. As root where network namespaces and veth pairs work: a server
#    namespace and a client namespace joined by a veth pair; real
#    `openssl s_server -Verify 1` servers (TLS 1.2, so the client's answer
#    is in clear) and `openssl s_client` from a known local port each, with
#    and without a client certificate; mtlsdiag --workers 2 captures on the
#    server's end:
#    A. every connection is reported exactly once, with the outcome its
#       client made; stream numbers are unique; the summary (counts, and
#       the story across connections) is both workers' summed; the
#       kernel's counts are summed and each worker's shown;
#    B. SIGINT, SIGTERM and SIGHUP end both workers, with every connection
#       still open reported once, as capture_end;
#    C. -c 3 counts the reports of both workers;
#    D. started as root, every thread runs as nobody without capability,
#       once all handles are open;
#    E. a capture made by the sample generator, replayed into the veth by
#       tcpreplay at a moderate rate: every TLS connection is reported as a
#       read of the file reports it (when the kernel reports drops, that is
#       said instead of failing).
#    Skipped with the reason elsewhere.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
GEN=$(dirname "$BIN")/mtlsgen
S=samples/tls12-mutual-ok.pcap
tmp=$(mktemp -d)
SNS=mtlsdiag-wsrv-$$
CNS=mtlsdiag-wcli-$$
SRV=10.77.0.1
CLI=10.77.0.2
IFACE=mtw-s
namespaces=""
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	netns_cleanup $namespaces
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
. tests/lib/tally.sh
. tests/lib/capture.sh
finish() {
	tally_report workers
	exit
}
# usage_error NAME PATTERN ARGS...: exit status 2 and PATTERN on stderr.
usage_error() {
	name=$1 pat=$2
	shift 2
	"$BIN" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q -- "$pat" "$tmp/err" && ok || bad "$name: exit status $rc, stderr: $(cat "$tmp/err")"
}

# ---- 1. usage ---------------------------------------------------------------
usage_error "--workers 0" "--workers: '0' is not a number >= 1" -i lo --workers 0
usage_error "--workers 65" "--workers: at most 64" -i lo --workers 65
usage_error "--workers without -i" "--workers needs -i" --workers 2 "$S"
usage_error "--workers with -w" "-w saves the packets of one worker only" -i lo --workers 2 -w "$tmp/x.pcap"
[ ! -e "$tmp/x.pcap" ] && ok || bad "--workers with -w created its file"
"$BIN" --help | grep -q -- "--workers N" && ok || bad "--help lacks --workers"

# ---- 2. in network namespaces -----------------------------------------------
skip() {
	echo "SKIP live capture with workers: $*"
	finish
}
[ "$(id -u)" = 0 ] || skip "not root"
for tool in ip openssl jq; do
	command -v $tool >/dev/null 2>&1 || skip "no $tool"
done
for ns in "$SNS" "$CNS"; do
	ip netns add "$ns" 2>"$tmp/err" || skip "ip netns add failed: $(cat "$tmp/err")"
	namespaces="$namespaces $ns"
done
ip link add "$IFACE" netns "$SNS" type veth peer name mtw-c netns "$CNS" 2>"$tmp/err" ||
	skip "no veth pair: $(cat "$tmp/err")"
ip -n "$SNS" addr add "$SRV/24" dev "$IFACE" && ip -n "$CNS" addr add "$CLI/24" dev mtw-c &&
	ip -n "$SNS" link set "$IFACE" up && ip -n "$CNS" link set mtw-c up ||
	skip "cannot configure the veth pair"

pki=$tmp/pki
. tests/lib/test-pki.sh
make_test_pki "$pki" || skip "openssl could not make the test certificates"

# Four servers (s_server serves one connection at a time; B holds one on
# each).
PORTS="4433 4434 4435 4436"
for port in $PORTS; do
	ip netns exec "$SNS" openssl s_server -accept "$SRV:$port" -cert "$pki/server.crt" -key "$pki/server.key" \
		-CAfile "$pki/root.crt" -Verify 1 -tls1_2 -www >"$tmp/server$port.log" 2>&1 </dev/null &
	pids="$pids $!"
done
n=0
until [ "$(ip netns exec "$SNS" ss -ltn 2>/dev/null | grep -c ":443[3-6] ")" = 4 ]; do
	n=$((n + 1))
	[ $n -le 600 ] || skip "s_server did not listen: $(cat "$tmp"/server*.log)"
	sleep 0.1
done

# start_capture NAME ARGS...: mtlsdiag --workers 2 on the server's end, in
# the background, JSON to $tmp/NAME.json; returns once it captures.
start_capture() {
	name=$1
	shift
	ip netns exec "$SNS" "$BIN" -i "$IFACE" -F json --workers 2 "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" &
	cap=$!
	pids="$pids $cap"
	capture_started "$name"
}
# wait_reports NAME N: until NAME has N reports (at most 2 minutes).
wait_reports() {
	n=0
	while [ "$(wc -l <"$tmp/$1.json")" -lt "$2" ] && [ $n -le 1200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}
# stop_capture NAME SIGNAL: signals the capture and waits for it (its exit
# status in $cap_rc).
stop_capture() {
	kill -s "$2" "$cap"
	wait_capture "$1" 120
}
CPORT=41000
# client SERVER_PORT [s_client options]: one request from the next local
# port, whose number is in $cport; the answer read to the end.
client() {
	CPORT=$((CPORT + 1))
	cport=$CPORT
	sport=$1
	shift
	printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$CNS" timeout 300 openssl s_client -connect "$SRV:$sport" \
		-bind "$CLI:$cport" -servername localhost -CAfile "$pki/root.crt" -tls1_2 -quiet "$@" \
		>>"$tmp/client.log" 2>&1
}
with_cert() { client "$1" -cert "$pki/client.crt" -key "$pki/client.key"; }
# connections NAME COUNT: COUNT connections over the four servers, with a
# certificate on every other pair; what each client did goes to
# $tmp/NAME.made as "PORT with|without".
connections() {
	i=0
	: >"$tmp/$1.made"
	while [ $i -lt "$2" ]; do
		port=$((4433 + i % 4))
		if [ $((i / 4 % 2)) = 0 ]; then
			with_cert $port
			echo "$cport with" >>"$tmp/$1.made"
		else
			client $port
			echo "$cport without" >>"$tmp/$1.made"
		fi
		i=$((i + 1))
	done
}
# verdicts NAME: per report "CLIENT_PORT STATUS END TCP_GAPS ERROR_FINDINGS".
verdicts() {
	jq -r '"\(.client_port) \(.client_certificate.status) \(.end) \(.tcp.gaps) \([.findings[] | select(.severity == "error") | .id] | join(","))"' \
		"$tmp/$1.json" | sort -n
}
# check_made NAME: each connection the clients made is reported exactly
# once, with the outcome its client made.
check_made() {
	verdicts "$1" >"$tmp/$1.verdicts"
	[ "$(cut -d' ' -f1 "$tmp/$1.verdicts" | uniq -d)" = "" ] && ok ||
		bad "$1: a connection reported twice: $(cat "$tmp/$1.verdicts")"
	[ "$(cut -d' ' -f1 "$tmp/$1.verdicts")" = "$(cut -d' ' -f1 "$tmp/$1.made" | sort -n)" ] && ok ||
		bad "$1: reported client ports differ from the connections made: $(cat "$tmp/$1.verdicts")"
	while read -r p how; do
		v=$(grep "^$p " "$tmp/$1.verdicts")
		case "$how $v" in
		"with $p present fin 0 ") ok ;;
		"without $p empty "*" 0 "*CLIENT_CERT_EMPTY* | "without $p absent "*" 0 "*CLIENT_CERT_NOT_SENT*) ok ;;
		*) bad "$1: the connection from port $p ($how a certificate) is reported as: $v" ;;
		esac
	done <"$tmp/$1.made"
}
# summary NAME FIELD: a number from the JSON summary on stderr.
summary() {
	grep '^{"summary"' "$tmp/$1.err" | jq -r ".summary.$2"
}
stats_line() { # NAME WHAT: the number before "packets WHAT" on stderr
	sed -n "s/^\([0-9]*\) packets $2\$/\1/p" "$tmp/$1.err"
}

# A. Sixteen connections, half with a certificate, then SIGINT.
if start_capture conns -f "tcp portrange 4433-4436"; then
	connections conns 16
	wait_reports conns 16
	stop_capture conns INT
	[ "$cap_rc" = 0 ] && ok || bad "conns: exit status $cap_rc: $(cat "$tmp/conns.err")"
	check_made conns
	[ "$(jq -r .stream "$tmp/conns.json" | sort -n | uniq | wc -l)" = 16 ] && ok ||
		bad "conns: stream numbers are not unique: $(jq -r .stream "$tmp/conns.json" | tr '\n' ' ')"
	[ "$(summary conns tls_connections_reported)" = 16 ] && [ "$(summary conns client_certificate_present)" = 8 ] &&
		[ "$(summary conns client_certificate_empty)" = "$(grep -c ' empty ' "$tmp/conns.verdicts")" ] && ok ||
		bad "conns: summary does not sum the workers: $(grep '^{"summary"' "$tmp/conns.err")"
	# The story groups each server's four connections (two failed), whichever
	# worker read them.
	[ "$(summary conns 'story[]' | grep -c "$CLI -> $SRV:443[3-6] localhost: 4 connections")" = 4 ] && ok ||
		bad "conns: the story does not join the workers' connections: $(summary conns story)"
	captured=$(stats_line conns captured)
	shares=$(sed -n 's/^per worker: captured \([0-9]*\) \([0-9]*\); dropped by kernel [0-9]* [0-9]*$/\1 \2/p' \
		"$tmp/conns.err")
	set -- $shares 0 0
	[ -n "$captured" ] && [ -n "$shares" ] && [ $(($1 + $2)) = "$captured" ] && ok ||
		bad "conns: the kernel's counts are not the workers' summed: $(cat "$tmp/conns.err")"
	# 16 connections hashed over two workers all on one: 1 chance in 32768.
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && ok || bad "conns: one worker saw no packet: $shares"
fi

# B. Signals end every worker; the connections held open (one per server)
# are each reported once, as capture_end.
hold_all() { # NAME: one connection held open on each server, after its handshake
	: >"$tmp/$1.made"
	for port in $PORTS; do
		CPORT=$((CPORT + 1))
		ip netns exec "$CNS" sh -c 'sleep 600 | openssl s_client -connect "$1" -bind "$2" -servername localhost \
			-CAfile "$3/root.crt" -tls1_2 -cert "$3/client.crt" -key "$3/client.key"' sh "$SRV:$port" "$CLI:$CPORT" \
			"$pki" >"$tmp/hold$port.log" 2>&1 &
		echo "$CPORT" >>"$tmp/$1.made"
	done
	for port in $PORTS; do
		n=0
		until grep -q "Verify return code" "$tmp/hold$port.log" 2>/dev/null; do
			n=$((n + 1))
			[ $n -le 1200 ] || { bad "$1: a held client did not complete its handshake"; break; }
			sleep 0.1
		done
	done
}
release_all() {
	for p in $(ip netns pids "$CNS"); do kill "$p" 2>/dev/null; done
}
for sig in INT TERM HUP; do
	if start_capture "sig$sig" -f "tcp portrange 4433-4436"; then
		hold_all "sig$sig"
		stop_capture "sig$sig" $sig
		release_all
		[ "$cap_rc" = 0 ] && ok || bad "SIG$sig: exit status $cap_rc: $(cat "$tmp/sig$sig.err")"
		verdicts "sig$sig" >"$tmp/sig$sig.verdicts"
		[ "$(cut -d' ' -f1 "$tmp/sig$sig.verdicts")" = "$(sort -n "$tmp/sig$sig.made")" ] && ok ||
			bad "SIG$sig: the held connections are not each reported once: $(cat "$tmp/sig$sig.verdicts")"
		[ "$(grep -c ' present capture_end 0 ' "$tmp/sig$sig.verdicts")" = 4 ] && ok ||
			bad "SIG$sig: the held connections are not reported as capture_end: $(cat "$tmp/sig$sig.verdicts")"
		[ -n "$(stats_line "sig$sig" 'dropped by kernel')" ] && ok ||
			bad "SIG$sig: no kernel statistics: $(cat "$tmp/sig$sig.err")"
	fi
done

# C. -c 3 across both workers: three reports, then the capture ends.
if start_capture count -c 3 -f "tcp portrange 4433-4436"; then
	i=0
	while [ $i -lt 12 ] && kill -0 "$cap" 2>/dev/null; do
		with_cert $((4433 + i % 4))
		i=$((i + 1))
	done
	wait_capture count 120
	[ "$cap_rc" = 0 ] && [ "$(wc -l <"$tmp/count.json")" = 3 ] && ok ||
		bad "-c 3: exit status $cap_rc, reports: $(cat "$tmp/count.json")"
fi

# D. Privileges: every thread of the capture is nobody, with no capability.
status_field() { # FILE FIELD
	sed -n "s/^$2:[[:space:]]*//p" "$1" | tr -s '[:space:]' ' ' | sed 's/ $//'
}
if ! nobody_uid=$(id -u nobody 2>/dev/null); then
	echo "SKIP the workers' user: this system has no user nobody"
elif start_capture privs -c 1 -f "tcp portrange 4433-4436"; then
	n=0 # the threads start once the capture has begun
	while [ "$(ls /proc/"$cap"/task | wc -l)" -lt 2 ] && [ $n -le 1200 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	threads=0
	for st in /proc/"$cap"/task/*/status; do
		threads=$((threads + 1))
		[ "$(status_field "$st" Uid)" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] &&
			[ "$(status_field "$st" CapEff)" = 0000000000000000 ] &&
			[ "$(status_field "$st" CapPrm)" = 0000000000000000 ] && ok ||
			bad "privileges: thread $st: uids $(status_field "$st" Uid), CapEff $(status_field "$st" CapEff)"
	done
	[ $threads -ge 2 ] && ok || bad "privileges: $threads thread(s), expected a thread per worker"
	with_cert 4433
	wait_capture privs 120
	[ "$cap_rc" = 0 ] && grep -q '"status":"present"' "$tmp/privs.json" && ok ||
		bad "privileges: exit status $cap_rc, reports: $(cat "$tmp/privs.json") $(cat "$tmp/privs.err")"
fi

# E. Replay: the generator's capture (200 connections: TLS 1.2 with and
# without a certificate, TLS 1.3, interleaved) sent into the veth by
# tcpreplay at 2000 packets/s; the packets are for no address of the
# namespace, so nothing answers them.
if ! command -v tcpreplay >/dev/null 2>&1; then
	echo "SKIP replay: no tcpreplay (tools/deps.sh install test)"
elif ! [ -x "$GEN" ]; then
	echo "SKIP replay: no sample generator at $GEN (make $GEN)"
elif ! "$GEN" --bench hs 200 "$tmp/hs.pcap" >/dev/null 2>"$tmp/gen.err"; then
	bad "replay: the generator failed: $(cat "$tmp/gen.err")"
elif start_capture replay -f tcp; then
	ip netns exec "$CNS" tcpreplay -i mtw-c --pps 2000 "$tmp/hs.pcap" >"$tmp/tcpreplay.log" 2>&1
	replay_rc=$?
	"$BIN" -q -F json "$tmp/hs.pcap" >"$tmp/file.json"
	wait_reports replay "$(wc -l <"$tmp/file.json")"
	stop_capture replay INT
	dropped=$(stats_line replay 'dropped by kernel')
	failed=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' "$tmp/tcpreplay.log")
	# What a connection is, not when: reports read live carry the replay's
	# times, and a certificate's validity is judged at that time.
	what='[.client, .server, .version, .sni, .client_certificate.status, .end, [.alerts[]?.description],
		[.cert_requests[]?.ca_names], .resumed, .tcp.gaps] | @json'
	if [ "$replay_rc" != 0 ] || [ "${failed:-0}" != 0 ]; then
		echo "SKIP replay comparison: tcpreplay did not send every packet (status $replay_rc): $(tail -n 5 "$tmp/tcpreplay.log")"
	elif [ "${dropped:-x}" != 0 ]; then
		echo "NOTE replay: the kernel dropped ${dropped:-?} packets; comparison skipped: $(cat "$tmp/replay.err")"
	else
		jq -r "$what" "$tmp/replay.json" | sort >"$tmp/a"
		jq -r "$what" "$tmp/file.json" | sort >"$tmp/b"
		[ "$(wc -l <"$tmp/b")" = 200 ] && cmp -s "$tmp/a" "$tmp/b" && ok ||
			bad "replay: reports differ from the file's ($(wc -l <"$tmp/a") live, $(wc -l <"$tmp/b") from the file): $(diff "$tmp/a" "$tmp/b" | head -c 3000)"
	fi
fi

finish
