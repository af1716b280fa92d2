#!/bin/sh
# e2e-live.sh MTLSDIAG - live capture (-i).
# 1. Always: the command-line errors that need no privilege (unknown
#    interface, -c/-w/-f/-Z validation, -w to a symbolic link refused,
#    permission denied as an unprivileged user).
# 2. As root where network namespaces work: a namespace with its own
#    loopback, a real `openssl s_server -Verify 1` (TLS 1.2, so the
#    CertificateRequest is in clear) and `openssl s_client` with and without
#    a client certificate; mtlsdiag captures live and its reports are
#    checked: one per connection as it ends, -c, -w (the saved file gives
#    the same reports offline), the idle timeout on a quiet interface, and
#    SIGINT/SIGTERM/SIGHUP (open connections reported as capture_end, kernel
#    statistics on stderr), and a report pipe whose reader has gone (the
#    capture ends the same way, the -w file is complete, exit 2). And the
#    privileges while it captures, read from /proc/PID/status: started as
#    root it runs as nobody (or -Z USER; -Z root stays root), with no
#    capability and no_new_privs; with file capabilities (setcap) as
#    nobody, it keeps none. Skipped with the reason elsewhere.
set -u
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
S=samples/tls12-mutual-ok.pcap
NS_TAG=live
. tests/lib/netns.sh

# ---- 1. errors, no privilege needed ------------------------------------
expect "unknown interface" 2 "nosuchif0: no such capture interface" -- "$BIN" -i nosuchif0
expect "-c 0" 2 "--count: '0' is not a number" -- "$BIN" -i lo -c 0
expect "-c text" 2 "--count: 'two' is not a number" -- "$BIN" -i lo -c two
expect "-c without -i" 2 "-c needs -i" -- "$BIN" -c 2 "$S"
expect "-w without -i" 2 "-w needs -i" -- "$BIN" -w "$tmp/x.pcap" "$S"
[ ! -e "$tmp/x.pcap" ] && ok || bad "-w without -i created its file"
expect "-f on a file" 0 "" -- "$BIN" -f "tcp port 443" "$S"
expect "-Z without -i" 2 "-Z needs -i" -- "$BIN" -Z nobody "$S"
expect "-Z unknown user" 2 "-Z no-such-user-here: no such user" -- "$BIN" -i lo -Z no-such-user-here
expect "-i with a file" 2 "takes no capture file" -- "$BIN" -i lo "$S"
expect "-w - without -o" 2 "standard output carries the report" -- "$BIN" -i lo -w -
if [ -e /sys/class/net/lo ]; then
	expect "bad filter" 2 "-f 'tcp port ((': " -- "$BIN" -i lo -f "tcp port (("
	expect "-w unwritable" 2 "-w $tmp/no-dir/x.pcap: No such file" -- "$BIN" -i lo -w "$tmp/no-dir/x.pcap"
	# A symbolic link at the -w path (as root, the planted link that would
	# have root truncate its target): refused, the target left as it was;
	# a dangling one does not create its target.
	echo keep >"$tmp/target"
	ln -s "$tmp/target" "$tmp/link.pcap"
	expect "-w symlink" 2 "^mtlsdiag: -w $tmp/link.pcap: is a symbolic link; not following it$" -- \
		"$BIN" -i lo -c 1 -w "$tmp/link.pcap"
	[ "$(cat "$tmp/target")" = keep ] && ok || bad "-w symlink: its target was changed"
	ln -s "$tmp/absent" "$tmp/dangling.pcap"
	expect "-w dangling symlink" 2 "-w $tmp/dangling.pcap: is a symbolic link; not following it" -- \
		"$BIN" -i lo -c 1 -w "$tmp/dangling.pcap"
	[ ! -e "$tmp/absent" ] && ok || bad "-w dangling symlink: its target was created"
fi
"$BIN" --help | grep -q -- "--interface IFACE" && ok || bad "--help lacks -i"

# Permission denied: as an unprivileged user (dropped to nobody when root).
if [ -e /sys/class/net/lo ]; then
	if [ "$(id -u)" != 0 ]; then
		expect "unprivileged" 2 "lo: permission denied.*CAP_NET_RAW" -- "$BIN" -i lo -c 1
	elif command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all test -x "$BIN" 2>/dev/null; then
		# with -w in a directory nobody may write to: the file it created
		# before failing is removed again
		pub=$tmp/pub
		mkdir "$pub" && chmod 711 "$tmp" && chmod 1777 "$pub"
		expect "unprivileged" 2 "lo: permission denied.*CAP_NET_RAW" -- \
			setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
			"$BIN" -i lo -c 1 -w "$pub/denied.pcap"
		[ ! -e "$pub/denied.pcap" ] && ok || bad "unprivileged: the -w file was left behind"
		# and an existing file is left as it was
		echo keep >"$pub/kept.pcap" && chown 65534 "$pub/kept.pcap"
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
			"$BIN" -i lo -c 1 -w "$pub/kept.pcap" 2>/dev/null
		[ "$(cat "$pub/kept.pcap")" = keep ] && ok || bad "unprivileged: an existing -w file was changed"
		# Only root can switch users.
		expect "-Z unprivileged" 2 "-Z root: only a capture started as root can switch users" -- \
			setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
			"$BIN" -i lo -c 1 -Z root
		chmod 700 "$tmp"
	else
		echo "SKIP unprivileged capture check: no setpriv, or nobody cannot run $BIN"
	fi
fi

# ---- 2. live capture in a network namespace ------------------------------
skip() {
	echo "SKIP live capture in a network namespace: $*"
	finish
}
ns_up openssl

# A CA, a server certificate and a client certificate (clientAuth).
pki=$tmp/pki
make_test_pki "$pki" || skip "openssl could not make the test certificates"

# Two servers: s_server serves one connection at a time, and one test
# holds a connection open on the second while using the first.
PORT=4433
PORT2=4434
for port in $PORT $PORT2; do
	ip netns exec "$NS" openssl s_server -accept "127.0.0.1:$port" -cert "$pki/server.crt" -key "$pki/server.key" \
		-CAfile "$pki/root.crt" -Verify 1 -tls1_2 -www >"$tmp/server$port.log" 2>&1 </dev/null &
	pids="$pids $!"
	wait_until 600 ns_listening "$port" || { bad "s_server did not listen: $(cat "$tmp/server$port.log")"; finish; }
done

# start_capture NAME ARGS...: mtlsdiag in the namespace, in the background;
# returns when it has opened the interface.
start_capture() {
	name=$1
	shift
	# Not through in_ns: $! must be mtlsdiag itself (ip netns exec execs
	# it), so that signals reach it.
	ip netns exec "$NS" "$BIN" -i lo -F json -f "tcp port $PORT or tcp port $PORT2" "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err" &
	cap=$!
	pids="$pids $cap"
	capture_started "$name"
}
client() { # s_client ARGS; sends one request, reads the answer to the end
	printf 'GET / HTTP/1.0\r\n\r\n' | in_ns timeout 300 openssl s_client -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile "$pki/root.crt" -tls1_2 -quiet "$@" >>"$tmp/client.log" 2>&1
}
# A connection held open after its handshake until release_client (to
# port $1, default $PORT).
hold_client() {
	rm -f "$tmp/hold" "$tmp/hold.log"
	mkfifo "$tmp/hold"
	ip netns exec "$NS" openssl s_client -connect "127.0.0.1:${1:-$PORT}" -servername localhost -CAfile "$pki/root.crt" -tls1_2 \
		-cert "$pki/client.crt" -key "$pki/client.key" <"$tmp/hold" >"$tmp/hold.log" 2>&1 &
	held=$!
	pids="$pids $held"
	exec 3>"$tmp/hold"
	wait_until 1200 grep -qs "Verify return code" "$tmp/hold.log" || bad "held client did not complete its handshake"
}
release_client() {
	exec 3>&-
	wait "$held" 2>/dev/null
}
stats_printed() { # NAME
	grep -q "^[0-9]* packets captured$" "$tmp/$1.err" &&
		grep -q "^[0-9]* packets received by filter$" "$tmp/$1.err" &&
		grep -q "^[0-9]* packets dropped by kernel$" "$tmp/$1.err"
}

# A. -c 2 with -w: one client with a certificate, one without.
if start_capture two -c 2 -w "$tmp/live.pcap"; then
	client -cert "$pki/client.crt" -key "$pki/client.key"
	client
	wait_capture two 300
	r=$tmp/two.json
	[ "$cap_rc" = 0 ] && ok || bad "-c 2: exit status $cap_rc: $(cat "$tmp/two.err")"
	[ "$(grep -c '"stream"' "$r")" = 2 ] && ok || bad "-c 2: expected 2 reports, got: $(cat "$r")"
	with=$(grep '"client_certificate":{"status":"present"' "$r")
	without=$(grep -E '"client_certificate":\{"status":"(empty|absent)"' "$r")
	case $with in
	*'"version":"TLS 1.2"'*'"cert_requests":[{"frame":'*'"ca_names":["CN=mtlsdiag live test CA,O=mtlsdiag test"]'*'"subject":"CN=live test client"'*'"end":"fin"'*)
		ok ;;
	*) bad "with a certificate: unexpected report: $with" ;;
	esac
	case $with in
	*'"severity":"error"'*) bad "with a certificate: an error finding: $with" ;;
	*) ok ;;
	esac
	case $without in
	*'"cert_requests":[{"frame":'*'"status":"empty"'*'"findings":[{"id":"CLIENT_CERT_EMPTY","severity":"error"'*) ok ;;
	*'"cert_requests":[{"frame":'*'"status":"absent"'*'"findings":[{"id":"CLIENT_CERT_NOT_SENT"'*) ok ;;
	*) bad "without a certificate: unexpected report: $without" ;;
	esac
	grep -q '"end":"capture_end"' "$r" && bad "-c 2: a report waited for the end of the capture: $(cat "$r")" || ok
	grep -q '"file":"'"$tmp/live.pcap"'"' "$r" && ok || bad "-w: reports do not name the saved file"
	stats_printed two && ok || bad "-c 2: no kernel statistics on stderr: $(cat "$tmp/two.err")"
	# The saved packets give the same reports offline (same frame and
	# stream numbers).
	"$BIN" -F json "$tmp/live.pcap" >"$tmp/offline.json" 2>"$tmp/offline.err"
	sort "$r" >"$tmp/a"
	sort "$tmp/offline.json" >"$tmp/b"
	cmp -s "$tmp/a" "$tmp/b" && ok || bad "-w: the saved file reports differently: $(diff "$tmp/a" "$tmp/b")"
fi

# B. The idle timeout expires a quiet connection on a quiet interface.
if start_capture idle -c 1 --idle-timeout 2; then
	hold_client
	wait_capture idle 120
	release_client
	[ "$cap_rc" = 0 ] && ok || bad "idle: exit status $cap_rc"
	case $(cat "$tmp/idle.json") in
	*'"status":"present"'*'"end":"idle"'*) ok ;;
	*) bad "idle: expected one report ending idle: $(cat "$tmp/idle.json")" ;;
	esac
fi

# B2. A connection that closes is reported about 2 s later even while an
# older one stays open (each flow stage expires on its own).
if start_capture order -c 1; then
	hold_client $PORT2
	client -cert "$pki/client.crt" -key "$pki/client.key"
	wait_capture order 120
	release_client
	case $(cat "$tmp/order.json") in
	*'"server":"127.0.0.1:'$PORT'"'*'"end":"fin"'*) ok ;;
	*) bad "order: expected the closed connection's report: $(cat "$tmp/order.json")" ;;
	esac
fi

# C. SIGINT, SIGTERM and SIGHUP end the capture: open connections are
# reported as capture_end, the kernel's counts go to stderr, the exit status
# is 0.
for sig in INT TERM HUP; do
	if start_capture "sig$sig"; then
		hold_client
		kill -s "$sig" "$cap"
		wait_capture "sig$sig" 120
		release_client
		[ "$cap_rc" = 0 ] && ok || bad "SIG$sig: exit status $cap_rc: $(cat "$tmp/sig$sig.err")"
		case $(cat "$tmp/sig$sig.json") in
		*'"status":"present"'*'"end":"capture_end"'*) ok ;;
		*) bad "SIG$sig: the open connection is not reported as capture_end: $(cat "$tmp/sig$sig.json")" ;;
		esac
		stats_printed "sig$sig" && ok || bad "SIG$sig: no kernel statistics: $(cat "$tmp/sig$sig.err")"
	fi
done

# D. The report goes to a pipe whose reader leaves after the first report (a
# whole line, so the second report is the first write to fail): it cannot
# be written (SIGPIPE is ignored), so the capture ends by itself as on a
# signal: the -w file holds both connections, the kernel's
# counts are printed, the reason is named, exit status 2.
rm -f "$tmp/rep"
mkfifo "$tmp/rep"
(head -n 1 <"$tmp/rep" >/dev/null; echo gone >"$tmp/reader-gone") &
pids="$pids $!"
ip netns exec "$NS" "$BIN" -i lo -F json -f "tcp port $PORT" -w "$tmp/piped.pcap" >"$tmp/rep" 2>"$tmp/piped.err" &
cap=$!
pids="$pids $cap"
if capture_started piped; then
	client -cert "$pki/client.crt" -key "$pki/client.key"
	# the first report reaches the reader, which leaves
	wait_until 1200 test -s "$tmp/reader-gone" || bad "piped: the first report never reached the reader"
	client -cert "$pki/client.crt" -key "$pki/client.key"
	wait_capture piped 120
	[ "$cap_rc" = 2 ] && grep -q "^mtlsdiag: writing the report: Broken pipe$" "$tmp/piped.err" && ok ||
		bad "piped: exit status $cap_rc: $(cat "$tmp/piped.err")"
	stats_printed piped && ok || bad "piped: no kernel statistics: $(cat "$tmp/piped.err")"
	[ "$("$BIN" -q -F json "$tmp/piped.pcap" 2>/dev/null | grep -c '"status":"present"')" = 2 ] && ok ||
		bad "piped: the -w file does not hold both connections"
fi

# E. Privileges while capturing, from the kernel's view of the running
# process (it has opened everything once "capturing on" is printed).
status_field() { # PID FIELD: the values of a /proc/PID/status line, space-separated
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '[:space:]' ' ' | sed 's/ $//'
}
# runs_as NAME UID GID: the capture's real, effective, saved and file-system
# ids are UID and GID.
runs_as() {
	u=$(status_field "$cap" Uid) g=$(status_field "$cap" Gid)
	[ "$u" = "$2 $2 $2 $2" ] && [ "$g" = "$3 $3 $3 $3" ] && ok ||
		bad "$1: runs with uids '$u', gids '$g'; expected $2 and $3"
}
# no_privileges NAME: no capability in any set, and no_new_privs.
no_privileges() {
	for set in CapInh CapPrm CapEff CapAmb; do
		v=$(status_field "$cap" $set)
		[ -z "$v" ] || [ "$v" = 0000000000000000 ] || { bad "$1: $set is $v"; return; }
	done
	[ "$(status_field "$cap" NoNewPrivs)" = 1 ] && ok || bad "$1: no_new_privs is not set"
}
if nobody_uid=$(id -u nobody 2>/dev/null) && nobody_gid=$(id -g nobody); then
	# E1. Started as root: nobody, with nobody's groups and no capability,
	# and the capture works as before; the -w file is the owner's only.
	if start_capture drop -c 1 -w "$tmp/drop.pcap"; then
		runs_as "default user" "$nobody_uid" "$nobody_gid"
		no_privileges "default user"
		groups=$(status_field "$cap" Groups | tr ' ' '\n' | sort -n | tr '\n' ' ')
		want=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
		[ "$groups" = "$want" ] && ok || bad "default user: groups '$groups', expected nobody's: '$want'"
		client -cert "$pki/client.crt" -key "$pki/client.key"
		wait_capture drop 300
		[ "$cap_rc" = 0 ] && grep -q '"status":"present"' "$tmp/drop.json" && ok ||
			bad "default user: exit status $cap_rc, reports: $(cat "$tmp/drop.json") $(cat "$tmp/drop.err")"
		[ "$(stat -c %a "$tmp/drop.pcap")" = 600 ] && ok || bad "-w: made with mode $(stat -c %a "$tmp/drop.pcap"), not 600"
		[ "$("$BIN" -q -F json "$tmp/drop.pcap" 2>/dev/null | grep -c '"status":"present"')" = 1 ] && ok ||
			bad "default user: the -w file does not hold the connection"
	fi
else
	echo "SKIP the default user: this system has no user nobody"
fi
# E2. -Z root keeps root: the capabilities are this shell's.
if start_capture keeproot -Z root; then
	runs_as "-Z root" 0 0
	[ "$(status_field "$cap" CapEff)" = "$(status_field $$ CapEff)" ] && ok ||
		bad "-Z root: capabilities $(status_field "$cap" CapEff), expected $(status_field $$ CapEff)"
	kill -s TERM "$cap"
	wait_capture keeproot 120
	[ "$cap_rc" = 3 ] && ok || bad "-Z root: exit status $cap_rc: $(cat "$tmp/keeproot.err")"
fi
# E3. -Z names another user.
other=""
for u in daemon bin sys; do
	id -u "$u" >/dev/null 2>&1 && [ "$(id -u "$u")" != 0 ] && { other=$u; break; }
done
if [ -z "$other" ]; then
	echo "SKIP -Z USER: no user daemon, bin or sys here"
elif start_capture otheruser -Z "$other"; then
	runs_as "-Z $other" "$(id -u "$other")" "$(id -g "$other")"
	no_privileges "-Z $other"
	kill -s TERM "$cap"
	wait_capture otheruser 120
fi
# E4. File capabilities, started as nobody: CAP_NET_RAW and CAP_NET_ADMIN
# open the interface, then none is left. A copy of the binary gets them
# (not a wrapper script, which setcap cannot give them to).
fcap=$tmp/fcap
if [ -n "${TEST_WRAP:-}" ]; then
	echo "SKIP file capabilities: $BIN is a wrapper ($TEST_WRAP)"
elif ! command -v setcap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
	echo "SKIP file capabilities: no setcap (libcap2-bin) or setpriv"
elif ! { mkdir -m 755 "$fcap" && cp "$BIN" "$fcap/mtlsdiag" && chmod 755 "$fcap/mtlsdiag" &&
	setcap cap_net_raw,cap_net_admin=eip "$fcap/mtlsdiag" 2>"$tmp/err"; }; then
	echo "SKIP file capabilities: setcap failed: $(cat "$tmp/err")"
else
	chmod 711 "$tmp"
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$fcap/mtlsdiag" -i lo -F json \
		-f "tcp port $PORT" -c 1 >"$tmp/fcap.json" 2>"$tmp/fcap.err" &
	cap=$!
	pids="$pids $cap"
	if await_capture "file capabilities" "$tmp/fcap.err" 1200; then
		runs_as "file capabilities" 65534 65534
		no_privileges "file capabilities"
		client -cert "$pki/client.crt" -key "$pki/client.key"
		wait_capture fcap 300
		[ "$cap_rc" = 0 ] && grep -q '"status":"present"' "$tmp/fcap.json" && ok ||
			bad "file capabilities: exit status $cap_rc, reports: $(cat "$tmp/fcap.json") $(cat "$tmp/fcap.err")"
	fi
	chmod 700 "$tmp"
fi

finish
