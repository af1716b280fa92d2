# netns.sh - sourced by the e2e scripts that run servers and live captures
# in a private network namespace. Set NS_TAG (names the namespace and the
# tally) before; the script defines skip (says why, then calls finish).
# Brings tally.sh, expect.sh, capture.sh and test-pki.sh. Sets tmp (a scratch folder) and pids
# (background processes to end): on exit they, whatever is left in the
# namespace, the namespace and tmp are removed.
. tests/lib/tally.sh
tmp=$(mktemp -d)
. tests/lib/expect.sh
. tests/lib/capture.sh
. tests/lib/test-pki.sh
NS=mtlsdiag-$NS_TAG-$$
ns_made=0
pids=""
ns_cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ "$ns_made" = 1 ] && netns_cleanup "$NS"
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

# ns_listening PORT: something in the namespace listens on TCP PORT.
ns_listening() { in_ns ss -ltnH "sport = :$1" 2>/dev/null | grep -q LISTEN; }
