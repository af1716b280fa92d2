# netns.sh - sourced by the e2e scripts that run servers and live captures
# in a private network namespace. Set NS_TAG (names the namespace and the
# tally) before; the script defines skip (says why, then calls finish).
# Brings tally.sh and expect.sh. Sets tmp (a scratch folder) and pids
# (background processes to end): on exit they, whatever is left in the
# namespace, the namespace and tmp are removed.
. tests/lib/tally.sh
tmp=$(mktemp -d)
. tests/lib/expect.sh
NS=mtlsdiag-$NS_TAG-$$
ns_made=0
pids=""
ns_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	if [ "$ns_made" = 1 ]; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap ns_cleanup EXIT
trap 'exit 1' INT TERM HUP
# finish: the tally, then the end of the script.
finish() {
	tally_report "$NS_TAG"
	exit
}

# ns_up TOOL...: as root, with ip and every TOOL installed, the namespace
# with its loopback up; skips otherwise.
ns_up() {
	[ "$(id -u)" = 0 ] || skip "not root"
	export PATH="$PATH:/usr/sbin:/sbin"
	command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip "no $tool"
	done
	ip netns add "$NS" 2>"$tmp/err" || skip "ip netns add failed: $(cat "$tmp/err")"
	ns_made=1
	ip netns exec "$NS" ip link set lo up || skip "cannot bring up lo in the namespace"
}
in_ns() { ip netns exec "$NS" "$@"; }

# wait_until TENTHS CMD...: runs CMD every tenth of a second until it
# succeeds (0), at most TENTHS times (1).
wait_until() {
	tries=$1
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}
# ns_listening PORT: something in the namespace listens on TCP PORT.
ns_listening() { in_ns ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }

# await_capture NAME ERR TENTHS: waits until the capture started in the
# background as $cap says on its stderr (the file ERR) that it has opened
# the interface; 1, with a failed check, when it ends or takes too long.
capture_settled() { grep -qs "capturing on lo" "$1" || ! kill -0 "$cap" 2>/dev/null; }
await_capture() {
	wait_until "$3" capture_settled "$2"
	grep -qs "capturing on lo" "$2" && return 0
	bad "$1: capture did not start: $(cat "$2")"
	return 1
}

# ns_pki DIR CA-NAME: a certificate authority for the tests in DIR
# (root.key, root.crt), its subject "/O=mtlsdiag test/CN=CA-NAME".
ns_pki() {
	mkdir -p "$1" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/O=mtlsdiag test/CN=$2" -keyout "$1/root.key" -out "$1/root.crt" 2>/dev/null
}
# ns_cert DIR NAME SUBJECT EXTENSIONS: DIR/NAME.key and DIR/NAME.crt,
# issued by the authority in DIR, with the (newline-separated) extensions.
ns_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
		-keyout "$1/$2.key" -out "$1/$2.csr" 2>/dev/null &&
		printf '%s\n' "$4" >"$1/$2.ext" &&
		openssl x509 -req -in "$1/$2.csr" -CA "$1/root.crt" -CAkey "$1/root.key" -CAcreateserial \
			-days 2 -extfile "$1/$2.ext" -out "$1/$2.crt" 2>/dev/null
}
