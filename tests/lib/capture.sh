# capture.sh - sourced by the scripts that capture live in network
# namespaces. The capture helpers use the caller's $tmp (a directory, where
# NAME.err and NAME.json are the capture's stderr and stdout), $cap (the
# capture's pid) and bad (tally.sh).

# netns_cleanup NAMESPACE...: every process in each killed, then each deleted.
netns_cleanup() {
	for ns in "$@"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}

# capture_started NAME: waits until the capture says "capturing on" (it
# has opened everything); 1, and a failure named NAME, when it ended
# first or two minutes passed.
capture_started() {
	n=0
	until grep -qs "capturing on" "$tmp/$1.err"; do
		n=$((n + 1))
		if [ $n -gt 1200 ] || ! kill -0 "$cap" 2>/dev/null; then
			bad "$1: capture did not start: $(cat "$tmp/$1.err")"
			return 1
		fi
		sleep 0.1
	done
}

# wait_capture NAME SECONDS: waits for the capture to end by itself (a
# failure, and the capture killed, after SECONDS); its exit status goes to
# $cap_rc.
wait_capture() {
	n=0
	while kill -0 "$cap" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt $(($2 * 10)) ]; then
			bad "$1: capture still running after $2 s; reports so far: $(cat "$tmp/$1.json")"
			kill "$cap"
			break
		fi
		sleep 0.1
	done
	wait "$cap"
	cap_rc=$?
}
