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

# await_capture NAME ERR TENTHS: waits until the capture started in the
# background as $cap says on its stderr (the file ERR) that it has opened
# everything; 1, with a failed check named NAME, when it ends first or
# takes too long.
capture_settled() { grep -qs "capturing on" "$1" || ! kill -0 "$cap" 2>/dev/null; }
await_capture() {
	wait_until "$3" capture_settled "$2"
	grep -qs "capturing on" "$2" && kill -0 "$cap" 2>/dev/null && return 0
	bad "$1: capture did not start: $(cat "$2")"
	return 1
}
# capture_started NAME: await_capture for $tmp/NAME.err, two minutes.
capture_started() { await_capture "$1" "$tmp/$1.err" 1200; }

# wait_capture NAME SECONDS: waits for the capture to end by itself (a
# failure, and the capture killed, after SECONDS); its exit status goes to
# $cap_rc.
capture_ended() { ! kill -0 "$cap" 2>/dev/null; }
wait_capture() {
	if ! wait_until $(($2 * 10)) capture_ended; then
		bad "$1: capture still running after $2 s; reports so far: $(cat "$tmp/$1.json")"
		kill "$cap"
	fi
	wait "$cap"
	cap_rc=$?
}
